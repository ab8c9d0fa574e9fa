//! `custody diff` end to end in a temporary git repository: the working tree against a
//! commit, new and deleted clients, `--fail-on weaken`, and usage errors.

use assert_cmd::Command;
use custody::controls::testing::Fx;
use git2::{IndexAddOption, Repository, Signature};
use std::path::Path;

fn commit_all(repo: &Repository) {
    let sig = Signature::now("MSP Engineer", "eng@msp.example").unwrap();
    let mut index = repo.index().unwrap();
    index.add_all(["*"], IndexAddOption::DEFAULT, None).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, "policy", &tree, &parents)
        .unwrap();
}

fn diff(root: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let out = Command::cargo_bin("custody")
        .unwrap()
        .arg("--repo")
        .arg(root)
        .arg("diff")
        .args(args)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap(), json)
}

#[test]
fn working_tree_changes_are_classified_and_can_fail_the_review() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    Fx::new().write_to(root, "acme");
    Fx::new().write_to(root, "gone");
    let repo = Repository::init(root).unwrap();
    commit_all(&repo);

    let backup = std::fs::read_to_string(root.join("clients/acme/backup.toml")).unwrap();
    std::fs::write(
        root.join("clients/acme/backup.toml"),
        backup.replace("retention = \"1y\"", "retention = \"30d\""),
    )
    .unwrap();
    std::fs::remove_dir_all(root.join("clients/gone")).unwrap();
    Fx::new().write_to(root, "newco");

    let (code, doc) = diff(root, &["HEAD", "--format", "json"]);
    assert_eq!(code, 0, "without --fail-on the diff only reports");
    let clients = doc["clients"].as_array().unwrap();
    let by = |id: &str| {
        clients
            .iter()
            .find(|c| c["client"] == id)
            .unwrap_or_else(|| panic!("{id}: {doc}"))
    };
    assert_eq!(by("gone")["kind"], "deleted");
    assert_eq!(by("newco")["kind"], "added");
    let acme = by("acme");
    assert_eq!(acme["kind"], "changed");
    let change = &acme["changes"][0];
    assert_eq!(change["effect"], "weakens");
    assert!(
        change["reason"].as_str().unwrap().contains("1y → 30d"),
        "{change}"
    );
    let status: Vec<&str> = acme["status_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["control"].as_str().unwrap())
        .collect();
    assert!(status.contains(&"retention.legal-minimum"), "{status:?}");

    let (code, _) = diff(root, &["HEAD", "--format", "json", "--fail-on", "weaken"]);
    assert_eq!(code, 1, "an unjustified weakening fails the review");
}

#[test]
fn diff_outside_git_or_with_a_bad_revision_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    Fx::new().write_to(dir.path(), "acme");
    assert_eq!(diff(dir.path(), &["HEAD"]).0, 2);
    let repo = Repository::init(dir.path()).unwrap();
    commit_all(&repo);
    assert_eq!(diff(dir.path(), &["no-such-revision"]).0, 2);
    assert_eq!(diff(dir.path(), &["HEAD", "HEAD"]).0, 0);
}
