//! The bad-input corpus: every folder of `tests/fixtures/bad-input/` is one broken
//! repository (a base of two healthy clients, `good` and `bad`, with the case's files laid
//! over `bad` and its `setup` steps applied). Each case must exit as its `case.toml` says
//! (2 unless stated), name the file and its line:column (TOML) or JSON path (JSON) with
//! what was expected, never panic, still evaluate and build `good`, and never copy a byte
//! from outside the repository into the site. The full stderr is an insta snapshot beside
//! the case (`stderr.snap`).

use custody::controls::testing::Fx;
use serde::Deserialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A file outside the repository that symlinks point at: it must never reach the output.
const OUTSIDE_CANARY: &str = "OUTSIDE-CANARY-5b1e0c";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    about: String,
    #[serde(default = "input_error")]
    exit: i32,
    /// `toml` (file:line:col), `json` (file … at /pointer), `file` (a whole-file problem),
    /// `none` (a finding rather than an input error).
    location: String,
    expect: Vec<String>,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    setup: Vec<Vec<String>>,
    /// Commit `clients/` first, so the month-end policy is read from git objects rather
    /// than the working tree (a second reader with the same rules).
    #[serde(default)]
    git: bool,
}

fn input_error() -> i32 {
    2
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad-input")
}

fn custody(root: &Path, args: &[&str], extra: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_custody"))
        .arg("--repo")
        .arg(root)
        .args(args)
        .args(extra)
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run custody")
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let rel = entry.path().strip_prefix(from).expect("inside");
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy overlay");
        }
    }
}

fn remove_any(p: &Path) {
    if std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()) {
        std::fs::remove_dir_all(p).expect("rm dir");
    } else if std::fs::symlink_metadata(p).is_ok() {
        std::fs::remove_file(p).expect("rm file");
    }
}

/// Applies one generated step (things that cannot or should not be committed).
fn apply_setup(step: &[String], root: &Path, outside: &Path, notes: &mut Vec<String>) {
    let (op, rel) = (step[0].as_str(), &step[1]);
    let p = root.join(rel);
    match op {
        "remove" => remove_any(&p),
        "mkdir" => std::fs::create_dir_all(&p).expect("mkdir"),
        "dir" => {
            remove_any(&p);
            std::fs::create_dir_all(&p).expect("mkdir");
        }
        "sparse" => {
            // set_len makes a sparse file: 1 GB that costs no disk.
            let len: u64 = step[2].parse().expect("size");
            std::fs::File::create(&p)
                .and_then(|f| f.set_len(len))
                .expect("sparse file");
        }
        "nested" => {
            let depth: usize = step[2].parse().expect("depth");
            let json = format!("{{\"value\": {}{}}}", "[".repeat(depth), "]".repeat(depth));
            std::fs::write(&p, json).expect("write nested");
        }
        "symlink-outside" => {
            remove_any(&p);
            let target = outside.join("outside-file");
            std::fs::write(
                &target,
                format!("# {OUTSIDE_CANARY}\nname = \"{OUTSIDE_CANARY}\"\n"),
            )
            .expect("write outside");
            symlink(&target, &p);
        }
        "symlink-dir-outside" => {
            remove_any(&p);
            let target = outside.join("outside-dir");
            Fx::new().write_to(&target, "x");
            std::fs::write(target.join("canary.txt"), OUTSIDE_CANARY).expect("canary");
            symlink(&target, &p);
        }
        "move-outside" => {
            // The real content, moved out of the repository and linked back in.
            let target = outside.join("moved");
            std::fs::rename(&p, &target).expect("move outside");
            symlink(&target, &p);
        }
        "unreadable" => {
            set_mode(&p, 0o000);
            if std::fs::read(&p).is_ok() || std::fs::read_dir(&p).is_ok() {
                // Running as root, where permissions do not stop reads: a folder where
                // the file is expected is the unreadable file we can make.
                set_mode(&p, 0o644);
                remove_any(&p);
                std::fs::create_dir_all(&p).expect("mkdir");
                notes.push(format!(
                    "{rel}: running as root, chmod 000 does not stop reads; used a folder instead"
                ));
            }
        }
        other => panic!("unknown setup step {other:?}"),
    }
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).expect("symlink");
}

#[cfg(unix)]
fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// `committed in 53b2bb3 on` → `committed in [commit] on`.
fn redact_commits(text: &str) -> String {
    const MARK: &str = "committed in ";
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(MARK) {
        out.push_str(&rest[..i + MARK.len()]);
        rest = &rest[i + MARK.len()..];
        let hex = rest.bytes().take_while(u8::is_ascii_hexdigit).count();
        out.push_str("[commit]");
        rest = &rest[hex..];
    }
    out.push_str(rest);
    out
}

/// Commits `clients/` in a new repository, dated inside the evaluated month.
fn commit_clients(root: &Path) {
    let repo = git2::Repository::init(root).expect("git init");
    let when = git2::Time::new(1_763_600_000, 0); // 2025-11-20, before the evidence month
    let sig = git2::Signature::new("MSP Engineer", "eng@msp.example", &when).expect("sig");
    let mut index = repo.index().expect("index");
    index
        .add_all(["clients"], git2::IndexAddOption::DEFAULT, None)
        .expect("git add");
    index.write().expect("index write");
    let tree = repo
        .find_tree(index.write_tree().expect("tree"))
        .expect("tree");
    repo.commit(Some("HEAD"), &sig, &sig, "policy", &tree, &[])
        .expect("commit");
}

/// `error: <file>:<line>:<col>: ...` with a TOML file, for the bad client.
fn has_toml_location(stderr: &str) -> bool {
    stderr.lines().any(|l| {
        let Some(rest) = l.strip_prefix("error: ") else {
            return false;
        };
        let mut parts = rest.splitn(4, ':');
        let (Some(file), Some(line), Some(col)) = (parts.next(), parts.next(), parts.next()) else {
            return false;
        };
        file.ends_with(".toml")
            && !line.is_empty()
            && line.bytes().all(|b| b.is_ascii_digit())
            && !col.is_empty()
            && col.bytes().all(|b| b.is_ascii_digit())
    })
}

/// `error: <file>.json[:<line>:<col>] at /<pointer>: ...`.
fn has_json_location(stderr: &str) -> bool {
    stderr
        .lines()
        .any(|l| l.starts_with("error: ") && l.contains(".json") && l.contains(" at /"))
}

fn good_was_evaluated(stdout: &[u8]) -> Result<(), String> {
    let doc: serde_json::Value =
        serde_json::from_slice(stdout).map_err(|e| format!("stdout is not JSON: {e}"))?;
    let good = doc["clients"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["id"] == "good"))
        .ok_or("the good client is missing from the check output")?;
    if good["results"].as_array().is_none_or(Vec::is_empty) {
        return Err("the good client has no results".into());
    }
    Ok(())
}

/// Every file under `dir`, as lossy text, that contains `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| {
            std::fs::read(e.path()).is_ok_and(|b| String::from_utf8_lossy(&b).contains(needle))
        })
        .map(|e| e.path().display().to_string())
        .collect()
}

/// Runs one case; returns its problems (empty when it behaves) and the redacted stderr.
fn run_case(name: &str, case: &Case, notes: &mut Vec<String>) -> (Vec<String>, String) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("repo");
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&outside).expect("mkdir outside");
    Fx::new().write_to(&root, "good");
    Fx::new().write_to(&root, "bad");
    let overlay = corpus_dir().join(name).join("repo");
    if overlay.is_dir() {
        copy_tree(&overlay, &root);
    }
    for step in &case.setup {
        apply_setup(step, &root, &outside, notes);
    }

    if case.git {
        commit_clients(&root);
    }

    let mut problems = Vec::new();
    let check = custody(&root, &["check", "--format", "json"], &case.args);
    let stderr = String::from_utf8_lossy(&check.stderr).into_owned();
    if check.status.code() != Some(case.exit) {
        problems.push(format!(
            "check exited {:?}, expected {}",
            check.status.code(),
            case.exit
        ));
    }
    for e in &case.expect {
        if !stderr.contains(e.as_str()) {
            problems.push(format!("stderr lacks {e:?}"));
        }
    }
    let located = match case.location.as_str() {
        "toml" => has_toml_location(&stderr),
        "json" => has_json_location(&stderr),
        "file" => stderr.lines().any(|l| l.starts_with("error: ")),
        "none" => true,
        other => panic!("{name}: unknown location kind {other:?}"),
    };
    if !located {
        problems.push(format!("no {} location in stderr", case.location));
    }
    for bad in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
        if stderr.contains(bad) {
            problems.push(format!("stderr shows a panic ({bad})"));
        }
    }
    if let Err(e) = good_was_evaluated(&check.stdout) {
        problems.push(e);
    }
    if case.location == "none" {
        // A finding, not an input error: it must still point at the policy line.
        let out = String::from_utf8_lossy(&check.stdout);
        if !out.contains("\"file\": \"clients/bad/raci.toml\"") {
            problems.push("the finding does not point at clients/bad/raci.toml".into());
        }
    }

    let site = tmp.path().join("site");
    let mut build_args = vec!["build", "--out"];
    let site_str = site.to_str().expect("utf-8 temp path");
    build_args.push(site_str);
    let build = custody(&root, &build_args, &case.args);
    let build_err = String::from_utf8_lossy(&build.stderr);
    if case.exit == 2 && build.status.code() != Some(2) {
        problems.push(format!(
            "build exited {:?}, expected 2",
            build.status.code()
        ));
    }
    if build_err.contains("panicked") {
        problems.push("build panicked".into());
    }
    if !site.join("good/index.html").is_file() {
        problems.push(format!("the good client was not built: {build_err}"));
    }
    let leaked = files_containing(&site, OUTSIDE_CANARY);
    if !leaked.is_empty() {
        problems.push(format!(
            "content from outside the repo reached the site: {leaked:?}"
        ));
    }

    let mut redacted = stderr.replace(tmp.path().to_str().expect("utf-8"), "[TMP]");
    if case.git {
        // Commit ids depend on link targets inside the temporary folder.
        redacted = redact_commits(&redacted);
    }
    if case.setup.iter().any(|s| s[0] == "unreadable") {
        // The OS reason differs as root (a folder stands in) and not (permission denied).
        redacted = redacted
            .lines()
            .map(|l| match l.split_once("cannot read: ") {
                Some((head, _)) => format!("{head}cannot read: [reason]\n"),
                None => format!("{l}\n"),
            })
            .collect();
    }
    (problems, redacted)
}

#[test]
fn every_corpus_case_fails_safe_with_a_located_error() {
    let mut names: Vec<String> = std::fs::read_dir(corpus_dir())
        .expect("corpus folder")
        .filter_map(Result::ok)
        .filter(|e| e.path().join("case.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 60, "the corpus has {} cases", names.len());

    // Cases are independent (each its own temporary repository): run them on a few
    // threads, then report in name order.
    let cases: Vec<(String, Case)> = names
        .iter()
        .map(|name| {
            let text = std::fs::read_to_string(corpus_dir().join(name).join("case.toml"))
                .expect("case.toml");
            let case: Case =
                toml::from_str(&text).unwrap_or_else(|e| panic!("{name}/case.toml: {e}"));
            (name.clone(), case)
        })
        .collect();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((name, case)) = cases.get(i) else {
                        break;
                    };
                    let mut notes = Vec::new();
                    let (problems, stderr) = run_case(name, case, &mut notes);
                    results
                        .lock()
                        .expect("results")
                        .push((i, problems, stderr, notes));
                }
            });
        }
    });
    let mut results = results.into_inner().expect("results");
    results.sort_by_key(|r| r.0);
    let mut failures = Vec::new();
    let mut notes = Vec::new();
    let mut snapshots = Vec::new();
    for (i, problems, stderr, mut case_notes) in results {
        let (name, case) = &cases[i];
        for p in problems {
            failures.push(format!(
                "{name}: {p}\n    ({})\n    stderr:\n{stderr}",
                case.about
            ));
        }
        notes.append(&mut case_notes);
        snapshots.push((corpus_dir().join(name), case.about.clone(), stderr));
    }
    // Shown even when libtest captures output: the size of the corpus is part of the result.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "bad-input corpus: {} cases", names.len());
    for n in &notes {
        let _ = writeln!(out, "bad-input corpus note: {n}");
    }
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Behaviour first, wording second: the exact messages are snapshots the lead
    // re-accepts when the diagnostic rendering changes.
    for (dir, about, stderr) in snapshots {
        insta::with_settings!({
            snapshot_path => dir,
            prepend_module_to_snapshot => false,
            description => about,
            omit_expression => true,
        }, {
            insta::assert_snapshot!("stderr", stderr);
        });
    }
}
