//! Month-end policy end to end: in a git repository, each month is evaluated against the
//! policy committed by the end of that month, read from git objects.

use assert_cmd::Command;
use custody::controls::testing::{CONTROLS_TOML, Fx};
use git2::{IndexAddOption, Repository, Signature, Time};
use std::path::Path;

pub(crate) fn commit(repo: &Repository, when: &str) -> String {
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
    assert_eq!(r["threshold"], "2");

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

/// Runs custody in `root` with `args`; the exit code, and stdout and stderr together
/// (`check`'s text report carries its input errors on stdout).
fn run(root: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::cargo_bin("custody")
        .unwrap()
        .arg("--repo")
        .arg(root)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Commits `clients/acme/controls.toml` as `blob` (any size, written straight into the
/// object database) on top of HEAD, leaving the working tree alone.
fn commit_blob_as_controls(repo: &Repository, blob: git2::Oid, when: &str) -> String {
    let t: jiff::Timestamp = when.parse().unwrap();
    let sig = Signature::new(
        "MSP Engineer",
        "eng@msp.example",
        &Time::new(t.as_second(), 0),
    )
    .unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let mut index = repo.index().unwrap();
    index.read_tree(&head.tree().unwrap()).unwrap();
    let mut entry = index
        .get_path(Path::new("clients/acme/controls.toml"), 0)
        .unwrap();
    entry.id = blob;
    entry.file_size = 0; // a cache hint only; the tree records the blob id
    index.add(&entry).unwrap();
    let tree = repo.find_tree(index.write_tree_to(repo).unwrap()).unwrap();
    repo.commit(Some("HEAD"), &sig, &sig, when, &tree, &[&head])
        .unwrap()
        .to_string()
}

/// A repository whose September policy commits `controls.toml` as `blob`, with a good
/// policy committed again in October.
fn repo_with_committed_blob(
    root: &Path,
    blob: impl FnOnce(&Repository) -> git2::Oid,
) -> (String, String) {
    let mut fx = Fx::new().with_prev();
    fx.add_month("2026-09", "2026-09-27T03:00:00Z", 27);
    fx.write_to(root, "acme");
    let repo = Repository::init(root).unwrap();
    commit(&repo, "2026-08-05T10:00:00Z");
    let id = blob(&repo);
    let september = commit_blob_as_controls(&repo, id, "2026-09-05T10:00:00Z");
    // October: the working tree's good policy, committed again (an empty change is fine).
    std::fs::write(
        root.join("clients/acme/controls.toml"),
        format!("{CONTROLS_TOML}\n# restored\n"),
    )
    .unwrap();
    let october = commit(&repo, "2026-10-14T16:30:00Z");
    (september, october)
}

#[test]
fn a_policy_blob_over_the_cap_in_history_is_an_input_error_naming_the_commit_and_path() {
    let cap = custody::policy::load::MAX_POLICY_FILE_BYTES as usize;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (september, october) =
        repo_with_committed_blob(root, |repo| repo.blob(&vec![b'#'; cap + 1]).unwrap());
    let short = &september[..7];

    // check: the month whose policy is that commit.
    let (code, stderr) = run(root, &["check", "--month", "2026-09"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("clients/acme/controls.toml")
            && stderr.contains(&format!("{} bytes", cap + 1))
            && stderr.contains(&format!("{cap} byte limit"))
            && stderr.contains(short),
        "{stderr}"
    );
    // Exactly the cap is fine (and is a TOML comment, so it loads).
    let dir_ok = tempfile::tempdir().unwrap();
    repo_with_committed_blob(dir_ok.path(), |repo| repo.blob(&vec![b'#'; cap]).unwrap());
    let (code, stderr) = run(dir_ok.path(), &["check", "--month", "2026-09"]);
    assert_ne!(code, Some(2), "a policy of exactly the cap loads: {stderr}");

    // build: that month is reported, the run exits 2.
    let out = dir.path().join("site");
    let (code, stderr) = run(root, &["build", "--out", out.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("clients/acme/controls.toml") && stderr.contains(short),
        "{stderr}"
    );

    // diff: the revision and its commit are named.
    let (code, stderr) = run(root, &["diff", &september, &october]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("clients/acme/controls.toml")
            && stderr.contains(&format!("{} bytes", cap + 1))
            && stderr.contains(&format!("commit {short}")),
        "{stderr}"
    );
}

/// A blob of `len` zero bytes written through the object database's stream writer: never
/// held in memory, and tiny once compressed.
fn zero_blob(repo: &Repository, len: usize) -> git2::Oid {
    use std::io::Write;
    let odb = repo.odb().unwrap();
    let mut w = odb.writer(len, git2::ObjectType::Blob).unwrap();
    let chunk = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        let n = left.min(chunk.len());
        w.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    w.finalize().unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn a_blob_larger_than_memory_allows_is_refused_without_being_inflated() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // 320 MiB under a 256 MiB address space: a run that inflated the blob could not hold
    // it, and custody itself checks this repository in under 128 MiB. (A gigabyte would
    // prove no more and take seconds to write.)
    let (september, _) = repo_with_committed_blob(root, |repo| zero_blob(repo, 320 << 20));
    let bin = assert_cmd::cargo::cargo_bin("custody");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 262144 && exec \"$0\" --repo \"$1\" check --month 2026-09")
        .arg(bin)
        .arg(root)
        .env("RAYON_NUM_THREADS", "2")
        .env("MALLOC_ARENA_MAX", "2")
        .output()
        .unwrap();
    let stderr = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("clients/acme/controls.toml")
            && stderr.contains("335544320 bytes")
            && stderr.contains(&september[..7]),
        "{stderr}"
    );
}
