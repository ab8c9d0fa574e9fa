//! Month-end policy end to end: in a git repository, each month is evaluated against the
//! policy committed by the end of that month, read from git objects.

use assert_cmd::Command;
use custody::controls::testing::{CONTROLS_TOML, Fx};
use git2::{IndexAddOption, Repository, Signature, Time};
use std::path::Path;

fn commit(repo: &Repository, when: &str) -> String {
    let t: jiff::Timestamp = when.parse().unwrap();
    let sig = Signature::new(
        "MSP Engineer",
        "eng@msp.example",
        &Time::new(t.as_second(), 0),
    )
    .unwrap();
    let mut index = repo.index().unwrap();
    index
        .add_all(["clients"], IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let parents: Vec<git2::Commit> = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .into_iter()
        .collect();
    let refs: Vec<&git2::Commit> = parents.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, when, &tree, &refs)
        .unwrap()
        .to_string()
}

fn month_result(root: &Path, month: &str) -> (serde_json::Value, serde_json::Value) {
    let out = Command::cargo_bin("custody")
        .unwrap()
        .args(["--repo"])
        .arg(root)
        .args(["check", "--format", "json", "--month", month])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let client = doc["clients"][0].clone();
    let result = client["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["control"] == "access.global-admin-count")
        .unwrap()
        .clone();
    (client["policy"].clone(), result)
}

#[test]
fn each_month_is_evaluated_against_the_policy_committed_by_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut fx = Fx::new().with_prev();
    fx.add_month("2026-09", "2026-09-27T03:00:00Z", 27);
    fx.write_to(root, "acme");
    let repo = Repository::init(root).unwrap();
    let september = commit(&repo, "2026-09-05T10:00:00Z");
    // In October the maximum of Global Administrators is tightened to 2 (3 hold it).
    let tightened = format!(
        "{CONTROLS_TOML}\n[thresholds]\n\"access.global-admin-count\" = {{ min = 2, max = 2 }}\n"
    );
    std::fs::write(root.join("clients/acme/controls.toml"), &tightened).unwrap();
    let october = commit(&repo, "2026-10-14T16:30:00Z");

    let (policy, r) = month_result(root, "2026-09");
    assert_eq!(policy["commit"], september.as_str());
    assert_eq!(policy["source"], "git");
    assert_eq!(
        r["status"], "pass",
        "September keeps September's policy: {r}"
    );
    assert_eq!(r["threshold"], "2–4");

    let (policy, r) = month_result(root, "2026-10");
    assert_eq!(policy["commit"], october.as_str());
    assert_eq!(r["status"], "fail", "October uses the tightened threshold");
    assert_eq!(r["threshold"], "2–2");

    // A later change does not alter earlier months; the latest month sees uncommitted edits.
    std::fs::write(root.join("clients/acme/controls.toml"), format!("{CONTROLS_TOML}\n[thresholds]\n\"access.global-admin-count\" = {{ min = 1, max = 9 }}\n")).unwrap();
    let (policy, r) = month_result(root, "2026-09");
    assert_eq!(policy["commit"], september.as_str());
    assert_eq!(r["threshold"], "2–4");
    let (policy, r) = month_result(root, "2026-11");
    assert_eq!(policy["source"], "working_tree");
    assert_eq!(policy["note"], "uncommitted changes");
    assert_eq!(r["threshold"], "1–9");
}

#[test]
fn outside_git_the_working_tree_is_used_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    Fx::new().write_to(dir.path(), "acme");
    let out = Command::cargo_bin("custody")
        .unwrap()
        .arg("--repo")
        .arg(dir.path())
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("warning: not a git repository"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["clients"][0]["policy"]["source"], "working_tree");
}

/// The site a build makes, file by file.
fn site_bytes(root: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(root).unwrap();
            (
                rel.to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_build_reuses_a_past_months_scorecard_only_while_its_month_end_policy_is_unchanged() {
    use custody::website::{BuildOptions, build_with};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let mut fx = Fx::new().with_prev();
    fx.add_month("2026-09", "2026-09-27T03:00:00Z", 27);
    fx.write_to(&root, "acme");
    let repo = Repository::init(&root).unwrap();
    commit(&repo, "2026-09-05T10:00:00Z");
    let build = |out: &str, cache: bool| {
        let opts = BuildOptions {
            repo: root.clone(),
            out: dir.path().join(out),
            clients: vec![],
        };
        let s = build_with(&opts, cache).expect("build runs");
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        s
    };
    let check = |step: &str, evaluated: usize| {
        let s = build("site", true);
        let full = build(step, false);
        assert_eq!(
            site_bytes(&dir.path().join("site")),
            site_bytes(&dir.path().join(step)),
            "{step}: the incremental site differs from a full build"
        );
        assert_eq!(s.evaluated, evaluated, "{step}: {}", s.line());
        assert_eq!(full.scorecards_reused, 0);
    };
    assert_eq!(build("site", true).evaluated, 3);

    // An uncommitted edit is the latest month's policy only.
    let tightened = format!(
        "{CONTROLS_TOML}\n[thresholds]\n\"access.global-admin-count\" = {{ min = 2, max = 2 }}\n"
    );
    std::fs::write(root.join("clients/acme/controls.toml"), &tightened).unwrap();
    check("uncommitted", 1);

    // Committed in October: October's month-end policy changes, and November's
    // provenance (no longer "uncommitted changes"); September keeps its scorecard.
    commit(&repo, "2026-10-14T16:30:00Z");
    check("committed", 2);
}
