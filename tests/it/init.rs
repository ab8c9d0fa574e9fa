//! `custody init` end to end, as a new MSP engineer runs it from an empty folder:
//! `custody init demo && cd demo && custody check && custody build`.

use assert_cmd::Command;
use std::path::Path;

fn custody(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("custody").unwrap();
    cmd.current_dir(dir);
    cmd
}

/// `custody init demo` in a fresh temporary folder: the folder and the new repository.
fn init_demo() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    custody(tmp.path())
        .args(["init", "demo"])
        .assert()
        .success();
    let demo = tmp.path().join("demo");
    (tmp, demo)
}

#[test]
fn init_then_check_then_build_works_from_an_empty_folder() {
    let (_tmp, demo) = init_demo();

    // check: findings are fine (exit 1), bad input (2) is not.
    let out = custody(&demo)
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "check exited {code}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = report.to_string();
    assert!(text.contains("example-client"), "{text}");
    assert!(
        text.contains("2026-11"),
        "the example month is evaluated: {text}"
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("error"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    custody(&demo).arg("build").assert().success();
    let month = demo.join("site/example-client/2026-11");
    assert!(month.join("index.html").is_file());
    assert!(month.join("scorecard.json").is_file());
    assert!(
        month.join("evidence-example-client-2026-11.zip").is_file(),
        "the example evidence is packed"
    );
    custody(&demo).args(["verify", "site"]).assert().success();
}

#[test]
fn init_refuses_to_overwrite_without_force_and_replaces_with_it() {
    let (tmp, demo) = init_demo();
    let client = demo.join("clients/example-client/client.toml");
    let original = std::fs::read_to_string(&client).unwrap();
    std::fs::write(&client, "edited").unwrap();
    std::fs::write(demo.join("mine.txt"), "keep").unwrap();

    let out = custody(tmp.path()).args(["init", "demo"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("already exists") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&client).unwrap(), "edited");

    custody(tmp.path())
        .args(["init", "demo", "--force"])
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&client).unwrap(), original);
    assert_eq!(
        std::fs::read_to_string(demo.join("mine.txt")).unwrap(),
        "keep"
    );
    // No temporary file is left behind by the replacement.
    for entry in walkdir::WalkDir::new(&demo) {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.ends_with(".tmp"), "{name}");
    }
}

#[test]
fn every_toml_file_init_writes_names_its_schema_and_every_file_is_explained() {
    let (_tmp, demo) = init_demo();
    for f in ["client", "raci", "controls", "backup"] {
        let text =
            std::fs::read_to_string(demo.join(format!("clients/example-client/{f}.toml"))).unwrap();
        assert!(
            text.starts_with(&format!("#:schema ../../schema/{f}.schema.json\n")),
            "{f}.toml"
        );
        // Commented: more comment lines than a bare file would need.
        let comments = text
            .lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .count();
        assert!(comments >= 5, "{f}.toml has {comments} comment lines");
    }
    let readme = std::fs::read_to_string(demo.join("evidence/README.md")).unwrap();
    assert!(readme.contains("custody collect --client"), "{readme}");
    assert!(
        readme.contains("evidence/example-client/2026-11"),
        "{readme}"
    );
    let overrides = std::fs::read_to_string(demo.join("site-templates/README.md")).unwrap();
    assert!(overrides.contains("month.html"));
    for wf in ["publish.yml", "policy-review.yml", "check.yml"] {
        assert!(demo.join(".github/workflows").join(wf).is_file(), "{wf}");
    }
    assert!(
        std::fs::read_to_string(demo.join(".gitignore"))
            .unwrap()
            .contains("/site")
    );
}

/// Every key a policy file may hold (from its JSON Schema, so a key added to the loader
/// is covered) is explained in the file `init` writes: named in a comment, or declared
/// right below a comment.
#[test]
fn init_policy_files_explain_every_key() {
    let (tmp, _demo) = init_demo();
    for f in ["client.toml", "raci.toml", "controls.toml", "backup.toml"] {
        let text = std::fs::read_to_string(tmp.path().join("demo/clients/example-client").join(f))
            .unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let is_comment = |l: &str| l.trim_start().starts_with('#');
        let mut keys = Vec::new();
        collect_keys(&custody::schema::schema_for(f).unwrap(), false, &mut keys);
        assert!(keys.len() >= 3, "{f}: {keys:?}");
        for key in keys {
            let word = |l: &str| {
                l.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .any(|w| w == key)
            };
            let in_comment = lines.iter().any(|l| is_comment(l) && word(l));
            let below_comment = lines.iter().enumerate().any(|(i, l)| {
                let declared = l
                    .trim_start_matches(['#', ' ', '['])
                    .starts_with(&format!("{key} ="))
                    || l.trim() == format!("[{key}]")
                    || l.trim() == format!("[[{key}]]");
                declared
                    && lines[..i]
                        .iter()
                        .rev()
                        .find(|p| !p.trim().is_empty())
                        .is_some_and(|p| is_comment(p))
            });
            assert!(
                in_comment || below_comment,
                "{f}: the key `{key}` is not explained by a comment"
            );
        }
    }
}

/// Property names at any depth, except the per-control tables under `thresholds` (the
/// catalogue's, documented by `custody explain`).
fn collect_keys(schema: &serde_json::Value, under_thresholds: bool, out: &mut Vec<String>) {
    if let Some(props) = schema["properties"].as_object() {
        for (k, v) in props {
            if !under_thresholds {
                out.push(k.clone());
                collect_keys(v, k == "thresholds", out);
            }
        }
    }
    if schema["items"].is_object() {
        collect_keys(&schema["items"], under_thresholds, out);
    }
}

/// `--action-ref` pins the custody action in every workflow init writes; anything but
/// OWNER/REPO@<40-hex commit> (a tag or branch can be moved) is refused before a file is
/// written. Without it, the documented placeholder is written.
#[test]
fn init_pins_the_action_by_commit_and_refuses_movable_refs() {
    let tmp = tempfile::tempdir().unwrap();
    let sha = "0123456789abcdef0123456789abcdef01234567";
    for bad in [
        "acme/custody@v1.2.3".to_owned(),
        "acme/custody@main".to_owned(),
        "acme/custody".to_owned(),
        format!("acme/custody@{sha}\nrun: curl evil"),
        format!("../custody@{sha}"),
    ] {
        let out = custody(tmp.path())
            .args(["init", "bad", "--action-ref", &bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--action-ref"), "{err}");
        assert!(
            !tmp.path().join("bad").exists(),
            "{bad:?}: files were written"
        );
    }
    let good = format!("acme/custody@{sha}");
    custody(tmp.path())
        .args(["init", "good", "--action-ref", &good])
        .assert()
        .success();
    let (_t, placeholder) = init_demo();
    for w in ["publish.yml", "policy-review.yml", "check.yml"] {
        let text =
            std::fs::read_to_string(tmp.path().join("good/.github/workflows").join(w)).unwrap();
        let pinned = text
            .matches(&format!("uses: {good} # custody action"))
            .count();
        assert!(pinned >= 1, "{w}");
        assert!(
            !text.contains("0000000000000000000000000000000000000000"),
            "{w}"
        );
        let text = std::fs::read_to_string(placeholder.join(".github/workflows").join(w)).unwrap();
        assert_eq!(
            text.matches("uses: custody-dev/custody@0000000000000000000000000000000000000000 # custody action")
                .count(),
            pinned,
            "{w}"
        );
    }
}

/// Every file under `dir` with its bytes, by relative path.
fn files_of(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// Issue 20 item 8: `init --client ID` in an existing repository adds that client's
/// commented policy files and touches nothing else; the new client loads, and its
/// template placeholders are a check warning (governance.no-placeholders).
#[test]
fn init_client_in_an_existing_repository_adds_only_that_client() {
    let (_tmp, demo) = init_demo();
    let before = files_of(&demo);
    let out = custody(&demo)
        .args(["init", ".", "--client", "acme"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = files_of(&demo);
    let added: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    assert_eq!(
        added,
        [
            "clients/acme/backup.toml",
            "clients/acme/client.toml",
            "clients/acme/controls.toml",
            "clients/acme/notes.md",
            "clients/acme/raci.toml",
        ]
    );
    for (k, v) in &before {
        assert_eq!(after.get(k), Some(v), "{k} changed");
    }
    let toml = String::from_utf8(after["clients/acme/client.toml"].clone()).unwrap();
    assert!(toml.contains("name = \"acme\"") && toml.lines().any(|l| l.starts_with('#')));
    // The existing client is still evaluated (the placeholder tenant id is shared by
    // both, which is a warning, not a clash), and the new one's placeholders warn.
    let check = custody(&demo)
        .args(["check", "--client", "example-client", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(report["errors"], serde_json::json!([]), "{report}");
    let placeholders = report["clients"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["control"] == "governance.no-placeholders")
        .unwrap()
        .clone();
    assert_eq!(placeholders["status"], "warn", "{placeholders}");
    let items = placeholders["items"].to_string();
    assert!(
        items.contains("clients/example-client/notes.md:"),
        "{items}"
    );
    assert!(items.contains("Replace this text"), "{items}");
}

#[test]
fn init_client_refuses_an_existing_client_even_with_force() {
    let (_tmp, demo) = init_demo();
    let before = files_of(&demo);
    for force in [false, true] {
        let mut cmd = custody(&demo);
        cmd.args(["init", ".", "--client", "example-client"]);
        if force {
            cmd.arg("--force");
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("already exists") && err.contains("example-client"),
            "{err}"
        );
        assert_eq!(files_of(&demo), before, "nothing changed");
    }
}
