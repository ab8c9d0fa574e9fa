//! The command line end to end: exit codes, formats, and one client's bad input never
//! stopping the others.

use assert_cmd::Command;
use custody::controls::testing::Fx;
use std::path::Path;

fn custody(root: &Path) -> Command {
    let mut c = Command::cargo_bin("custody").expect("binary");
    c.arg("--repo").arg(root).env("NO_COLOR", "1");
    c
}

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("stdout is not JSON: {e}\n{}", String::from_utf8_lossy(out)))
}

#[test]
fn healthy_client_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    Fx::new().with_prev().write_to(dir.path(), "acme");
    let out = custody(dir.path()).args(["check"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("acme — Acme Fixture Ltd"), "{text}");
    assert!(
        !text.contains("\u{1b}["),
        "no colour when NO_COLOR is set or stdout is not a terminal"
    );
}

#[test]
fn a_failing_control_exits_one() {
    let dir = tempfile::tempdir().unwrap();
    Fx::new()
        .with_controls_extra("[thresholds]\n\"access.global-admin-count\" = { min = 4, max = 4 }\n")
        .write_to(dir.path(), "acme");
    let out = custody(dir.path())
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out.stdout);
    let r = doc["clients"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["control"] == "access.global-admin-count")
        .unwrap();
    assert_eq!(r["status"], "fail");
    assert_eq!(r["measured"], "3");
    assert_eq!(r["policy"][0]["file"], "clients/acme/controls.toml");
}

#[test]
fn json_output_has_the_documented_shape_and_every_control() {
    let dir = tempfile::tempdir().unwrap();
    Fx::new().write_to(dir.path(), "acme");
    let out = custody(dir.path())
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    let doc = json(&out.stdout);
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["tool"]["name"], "custody");
    let client = &doc["clients"][0];
    for key in ["id", "name", "month", "score", "results"] {
        assert!(!client[key].is_null(), "missing {key}");
    }
    let ids: Vec<&str> = client["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["control"].as_str().unwrap())
        .collect();
    let catalogue: Vec<&str> = custody::controls::catalogue()
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(ids, catalogue);
    for r in client["results"].as_array().unwrap() {
        for key in [
            "control", "domain", "status", "message", "owner", "items", "evidence", "policy",
        ] {
            assert!(r.get(key).is_some(), "result lacks {key}: {r}");
        }
    }
    assert_eq!(doc["errors"], serde_json::json!([]));
}

#[test]
fn broken_policy_is_reported_with_file_and_line_and_other_clients_still_run() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    Fx::new().write_to(root, "good");
    // Every kind of policy mistake, in one client.
    Fx::new()
        .policy("client.toml", "name = \"Broken\"\ntenant_id = \"not-a-guid\"\ndomains = [\"b.example\"]\ncolour = \"red\"\n")
        .policy("backup.toml", "[exchange]\nin_scope = \"yes\"\n\n[onedrive]\nin_scope = false\nretenton = \"1y\"\n")
        .policy("raci.toml", "[[activity]\nid = \"x\"\n")
        .write_to(root, "broken");
    std::fs::create_dir_all(root.join("clients/Bad_Id")).unwrap();

    let out = custody(root)
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc = json(&out.stdout);
    let clients: Vec<&str> = doc["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(clients, ["good"], "the good client is still evaluated");
    let errors = doc["errors"].as_array().unwrap();
    let find = |file: &str, needle: &str| {
        errors
            .iter()
            .find(|e| e["file"] == file && e["message"].as_str().unwrap().contains(needle))
            .unwrap_or_else(|| panic!("no error in {file} containing {needle:?}: {errors:#?}"))
    };
    assert_eq!(find("clients/broken/client.toml", "GUID")["line"], 2);
    assert_eq!(
        find("clients/broken/client.toml", "unknown key `colour`")["line"],
        4
    );
    assert_eq!(
        find("clients/broken/backup.toml", "invalid type")["line"],
        2,
        "wrong type"
    );
    let unknown = find("clients/broken/backup.toml", "retenton");
    assert_eq!(unknown["line"], 6);
    assert!(
        unknown["message"].as_str().unwrap().contains("`retention`"),
        "names the allowed keys"
    );
    assert_eq!(find("clients/broken/raci.toml", "syntax")["line"], 1);
    find("clients/Bad_Id", "invalid client id");

    // Text output shows the offending line.
    let out = custody(root).args(["check"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("clients/broken/client.toml:4:1: unknown key `colour`"),
        "{text}"
    );
    assert!(
        text.contains("4 | colour = \"red\""),
        "source snippet: {text}"
    );
}

#[test]
fn malformed_evidence_names_the_json_path_and_exits_two() {
    let dir = tempfile::tempdir().unwrap();
    Fx::new()
        .graph(
            "userRegistrationDetails.json",
            r#"{"value":[{"id":"x","isAdmin":"yes"}]}"#,
        )
        .write_to(dir.path(), "acme");
    let out = custody(dir.path())
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc = json(&out.stdout);
    let e = &doc["errors"][0];
    assert_eq!(
        e["file"],
        "evidence/acme/2026-11/graph/userRegistrationDetails.json"
    );
    assert_eq!(e["json_path"], "/value/0/isAdmin");
    let r = doc["clients"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["control"] == "identity.mfa-admins")
        .unwrap();
    assert_eq!(
        r["status"], "no_evidence",
        "unreadable evidence is never a pass or a fail"
    );
}

#[test]
fn usage_errors_exit_two() {
    let dir = tempfile::tempdir().unwrap();
    Fx::new().write_to(dir.path(), "acme");
    for args in [
        &["check", "--month", "2026-13"][..],
        &["check", "--client", "../etc"],
        &["check", "--client", "nobody"],
        &["check", "--format", "yaml"],
        &["frobnicate"],
    ] {
        let out = custody(dir.path()).args(args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stderr.is_empty(), "{args:?} explains itself");
    }
    let out = custody(Path::new("/nonexistent-custody-repo"))
        .args(["check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn month_selection() {
    let dir = tempfile::tempdir().unwrap();
    Fx::new().with_prev().write_to(dir.path(), "acme");
    let out = custody(dir.path())
        .args(["check", "--format", "json", "--month", "2026-10"])
        .output()
        .unwrap();
    assert_eq!(json(&out.stdout)["clients"][0]["month"], "2026-10");
    let out = custody(dir.path())
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        json(&out.stdout)["clients"][0]["month"],
        "2026-11",
        "latest by default"
    );
    let out = custody(dir.path())
        .args(["check", "--month", "2025-01"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn schema_prints_every_policy_file_schema_and_writes_them_for_taplo() {
    let out = Command::cargo_bin("custody")
        .unwrap()
        .arg("schema")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc = json(&out.stdout);
    for f in custody::schema::FILES {
        assert_eq!(
            doc[*f]["$schema"], "http://json-schema.org/draft-07/schema#",
            "{f}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("schemas");
    let out = Command::cargo_bin("custody")
        .unwrap()
        .arg("schema")
        .arg("--out")
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    for f in custody::schema::FILES {
        assert!(
            target.join(custody::schema::schema_file_name(f)).is_file(),
            "{f}"
        );
    }
    let taplo: toml::Table = String::from_utf8(out.stdout).unwrap().parse().unwrap();
    assert_eq!(
        taplo["rule"].as_array().unwrap().len(),
        custody::schema::FILES.len()
    );
}

#[test]
fn init_creates_a_loadable_repository_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("policies");
    let out = Command::cargo_bin("custody")
        .unwrap()
        .arg("init")
        .arg(&repo)
        .args(["--client", "acme-dental"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "clients/acme-dental/controls.toml",
        ".github/workflows/publish.yml",
        ".taplo.toml",
        "schema/controls.schema.json",
    ] {
        assert!(repo.join(f).is_file(), "{f}");
    }
    // The policy loads and the example month evaluates: findings at most, no input error.
    let out = custody(&repo)
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
    let doc = json(&out.stdout);
    let errors = doc["errors"].as_array().unwrap();
    assert!(errors.is_empty(), "{errors:#?}");

    let before = std::fs::read(repo.join("clients/acme-dental/controls.toml")).unwrap();
    let out = Command::cargo_bin("custody")
        .unwrap()
        .arg("init")
        .arg(&repo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a second init refuses");
    assert_eq!(
        std::fs::read(repo.join("clients/acme-dental/controls.toml")).unwrap(),
        before
    );
    let out = Command::cargo_bin("custody")
        .unwrap()
        .arg("init")
        .arg(dir.path().join("x"))
        .args(["--client", "../evil"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// A repository with a good client and one whose client.toml misspells a key.
fn repo_with_a_misspelt_key() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    Fx::new().with_prev().write_to(dir.path(), "good");
    Fx::new()
        .policy(
            "client.toml",
            "name = \"Typo\"\ntenant_id = \"306d478c-0a35-5f65-9df6-584359e22648\"\ndomains = [\"t.example\"]\ndomian = \"x\"\n",
        )
        .write_to(dir.path(), "typo");
    dir
}

#[test]
fn policy_errors_show_a_snippet_with_a_caret_and_a_hint_plain_unless_colour_is_asked_for() {
    let dir = repo_with_a_misspelt_key();
    let out = custody(dir.path())
        .args(["build", "--out"])
        .arg(dir.path().join("site"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains('\u{1b}'), "plain when not a terminal: {err}");
    let lines: Vec<&str> = err.lines().collect();
    let title = lines
        .iter()
        .position(|l| *l == "error: clients/typo/client.toml:4:1: unknown key `domian`, expected one of `name`, `tenant_id`, `domains`, `branding`, `publishing`")
        .unwrap_or_else(|| panic!("grep-able first line: {err}"));
    let code = title + 2;
    assert_eq!(lines[code].trim_start(), "4 | domian = \"x\"", "{err}");
    let caret = lines[code + 1];
    assert_eq!(caret.find('^'), lines[code].find("domian"), "{err}");
    assert_eq!(caret.trim_start_matches([' ', '|']), "^^^^^^", "{err}");
    assert!(
        lines[code + 1..].contains(&"help: did you mean `domains`?"),
        "{err}"
    );

    // --color always colours the same text; --color never and NO_COLOR keep it plain.
    let mut c = Command::cargo_bin("custody").unwrap();
    let out = c
        .arg("--repo")
        .arg(dir.path())
        .args(["--color", "always", "check", "--client", "typo"])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\u{1b}["), "{text}");
    let plain = anstream::adapter::strip_str(&text).to_string();
    assert!(plain.contains("help: did you mean `domains`?"), "{plain}");
    let mut c = Command::cargo_bin("custody").unwrap();
    let out = c
        .arg("--repo")
        .arg(dir.path())
        .args(["check", "--client", "typo", "--color", "never"])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
}

#[test]
fn quiet_silences_summaries_verbose_adds_timings_and_stdout_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    Fx::new().with_prev().write_to(dir.path(), "acme");
    let site = dir.path().join("site");
    let build = |flags: &[&str]| {
        let mut c = custody(dir.path());
        c.arg("build").arg("--out").arg(&site);
        c.args(flags);
        let out = c.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert!(out.stdout.is_empty());
        String::from_utf8(out.stderr).unwrap()
    };
    let normal = build(&[]);
    assert!(normal.contains("built 1 clients"), "{normal}");
    // Unchanged inputs: an up-to-date site, whose message -q silences too.
    let quiet = build(&["-q"]);
    assert!(
        !quiet.contains("built") && !quiet.contains("open "),
        "{quiet}"
    );
    let verbose = build(&["-v", "--no-cache"]);
    for stage in ["fingerprint", "evaluate", "render", "pack", "swap"] {
        assert!(
            verbose.contains(&format!("build stage stage=\"{stage}\" seconds=")),
            "{verbose}"
        );
    }
    assert!(
        verbose.contains("INFO") && verbose.contains("built"),
        "{verbose}"
    );
    assert!(!verbose.contains("DEBUG"), "-v is info level: {verbose}");

    let check = |flags: &[&str]| {
        let out = custody(dir.path())
            .args(flags)
            .args(["check", "--format", "json"])
            .output()
            .unwrap();
        let mut doc = json(&out.stdout);
        doc.as_object_mut().unwrap().remove("generated_at");
        (doc, String::from_utf8(out.stderr).unwrap())
    };
    let (plain, _) = check(&[]);
    let (quiet, _) = check(&["-q"]);
    let (verbose, log) = check(&["-vv"]);
    assert_eq!(plain, quiet);
    assert_eq!(plain, verbose);
    assert!(
        log.contains("evaluated") && log.contains("client=acme"),
        "{log}"
    );

    // check's text report: -v (global now) still shows every control's details.
    let text = |flags: &[&str]| {
        let out = custody(dir.path())
            .arg("check")
            .args(flags)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let (short, long) = (text(&[]), text(&["-v"]));
    assert!(
        long.lines().count() > short.lines().count(),
        "{short}\n---\n{long}"
    );
}

#[test]
fn completions_for_every_shell_name_every_command() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = Command::cargo_bin("custody")
            .unwrap()
            .args(["completions", shell])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        for cmd in ["check", "build", "serve", "repo", "color"] {
            assert!(script.contains(cmd), "{shell} completion lacks {cmd}");
        }
    }
    let out = Command::cargo_bin("custody")
        .unwrap()
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn man_prints_roff_and_writes_one_page_per_command() {
    let out = Command::cargo_bin("custody")
        .unwrap()
        .arg("man")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains("\n.TH custody 1 "), "{page}");
    assert!(page.contains("serve"), "lists the commands");

    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("custody")
        .unwrap()
        .args(["man", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    use clap::CommandFactory;
    for sub in custody::app::Cli::command().get_subcommands() {
        let file = dir.path().join(format!("custody-{}.1", sub.get_name()));
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(text.contains(".TH custody-"), "{}", file.display());
    }
    assert!(dir.path().join("custody.1").is_file());
}

#[test]
fn rendered_diagnostics_snapshot() {
    let dir = repo_with_a_misspelt_key();
    let root = dir.path();
    std::fs::write(
        root.join("clients/typo/backup.toml"),
        "[exchange]\nin_scope = \"yes\"\n\n[onedrive]\nin_scope = false\nretenton = \"1y\"\n",
    )
    .unwrap();
    let out = custody(root)
        .args(["-q", "build", "--out"])
        .arg(root.join("site"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // Errors only: whether the temporary folder is inside git is not the point here.
    let err = String::from_utf8(out.stderr).unwrap();
    let errors: Vec<&str> = err.lines().filter(|l| !l.starts_with("warning:")).collect();
    insta::assert_snapshot!(errors.join("\n"));
}

/// The dependency rule of the application layer: nothing below `src/app/` imports it,
/// only it writes to the terminal (anstream's or std's stdout or stderr, the print
/// macros) and only it ends the process. A library module that printed or picked an exit
/// code again would bring back the import cycle. Unit tests (`#[cfg(test)] mod tests`
/// and `tests.rs` files) may print why they skip.
#[test]
fn only_the_app_layer_imports_app_or_writes_to_the_terminal() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        let path = entry.path();
        let rel = path
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel.starts_with("app/") || rel == "main.rs" || path.extension() != Some("rs".as_ref()) {
            continue;
        }
        if path.file_name() == Some("tests.rs".as_ref()) {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        let code = text
            .find("#[cfg(test)]\nmod tests {")
            .map_or(text.as_str(), |end| &text[..end]);
        for needle in [
            "crate::app::",
            "crate::app;",
            "custody::app::",
            "anstream::stdout",
            "anstream::stderr",
            "crate::cli::",
            "process::exit",
            "io::stdout()",
            "io::stderr()",
            "println!(",
            "print!(",
        ] {
            if code.contains(needle) {
                offenders.push(format!("src/{rel}: {needle}"));
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

/// Diagnostics carry a stable code and a severity: the same bad inputs give the codes
/// the README documents, and only errors decide the exit code.
#[test]
fn diagnostics_carry_the_code_of_the_input_they_are_about() {
    use custody::diagnostic::{Code, Diagnostic, Severity};
    let dir = repo_with_a_misspelt_key();
    let root = dir.path();
    let id = custody::client_id::ClientId::parse("typo").unwrap();
    let errors = custody::evaluate::working_tree_policy(root, &id).unwrap_err();
    assert!(!errors.is_empty());
    for e in &errors {
        assert_eq!(
            (e.code, e.severity),
            (Code::PolicyFile, Severity::Error),
            "{e}"
        );
    }
    let (_, layout) = custody::repo::discover_clients(root).unwrap();
    assert!(layout.is_empty(), "{layout:?}");
    std::fs::write(root.join("clients/NOT-A-SLUG"), "").unwrap();
    let (_, layout) = custody::repo::discover_clients(root).unwrap();
    assert_eq!(layout.len(), 1, "{layout:?}");
    assert_eq!(layout[0].code, Code::RepoLayout, "{}", layout[0]);
    assert_eq!(
        Diagnostic::file("evidence/a/2026-05/graph/users.json", "x").code,
        Code::EvidenceGraph
    );
    assert_eq!(Diagnostic::file("--month", "x").code, Code::Usage);
    let w = Diagnostic::general(Code::NotGit, "not a git repository");
    assert_eq!(
        (w.severity, w.to_string().as_str()),
        (Severity::Warning, "not a git repository")
    );
}

/// Regression: the not-git warning was printed once per process by a global in the CLI
/// module that the library called into. Now the library reports it on every build and
/// the terminal shows a given warning once: `serve`, which builds again on every change,
/// still prints it once, not once per rebuild.
#[test]
fn serve_shows_the_not_git_warning_once_across_rebuilds() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    Fx::new().with_prev().write_to(&repo, "acme");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("custody"))
        .arg("--repo")
        .arg(&repo)
        .args(["serve", "--port", "0", "--out"])
        .arg(dir.path().join("site"))
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let wait_for = |needle: &str, seen: &mut Vec<String>| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match rx.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(needle);
                    seen.push(line);
                    if found {
                        return true;
                    }
                }
                Err(_) => break,
            }
        }
        false
    };
    let started = wait_for("serving ", &mut seen);
    let mut rebuilt = false;
    if started {
        std::fs::write(repo.join("clients/acme/notes.md"), "Changed.\n").unwrap();
        rebuilt = wait_for("changed: rebuilding", &mut seen) && wait_for("built ", &mut seen);
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(started && rebuilt, "{seen:#?}");
    let warnings = seen
        .iter()
        .filter(|l| l.starts_with("warning: not a git repository"))
        .count();
    assert_eq!(warnings, 1, "{seen:#?}");
}
