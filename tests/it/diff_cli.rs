//! `custody diff` end to end in a temporary git repository: the working tree against a
//! commit, new and deleted clients, `--fail-on weaken`, and usage errors.

use crate::support::git::commit_all;
use assert_cmd::Command;
use custody::controls::testing::Fx;
use git2::Repository;
use std::path::Path;

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

fn custody(root: &Path) -> Command {
    let mut cmd = Command::cargo_bin("custody").unwrap();
    cmd.arg("--repo").arg(root).env_remove("CUSTODY_TODAY");
    cmd
}

/// A repository of `acme` committed, then MFA coverage lowered in the working tree with
/// `waiver` appended to controls.toml.
fn lowered_mfa_with(waiver: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    Fx::new().write_to(root, "acme");
    commit_all(&Repository::init(root).unwrap());
    let path = root.join("clients/acme/controls.toml");
    let controls = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        format!(
            "{controls}\n[thresholds]\n\"identity.mfa-users\" = {{ min_percent = 50 }}\n\n{waiver}"
        ),
    )
    .unwrap();
    dir
}

const WAIVER: &str = "[[waiver]]\ncontrol = \"identity.mfa-users\"\nreason = \"Accepted while the field staff get FIDO2 keys\"\napproved_by = \"Jane Doe (Client CFO)\"\nticket = \"CHG-4711\"\nexpires = 2027-01-31\n";

#[test]
fn fail_on_weaken_passes_a_justified_weakening_until_its_waiver_expires() {
    let dir = lowered_mfa_with(WAIVER);
    let run = |date: &str, via_env: bool| {
        let mut cmd = custody(dir.path());
        cmd.args(["diff", "HEAD", "--format", "json", "--fail-on", "weaken"]);
        if via_env {
            cmd.env("CUSTODY_TODAY", date);
        } else {
            cmd.args(["--date", date]);
        }
        let out = cmd.output().unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code().unwrap(), doc)
    };
    let (code, doc) = run("2026-12-05", false);
    assert_eq!(code, 0, "{doc}");
    let change = doc["clients"][0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["subject"] == "identity.mfa-users.min_percent")
        .cloned()
        .unwrap();
    assert_eq!(change["justified"], true, "{change}");
    // The waiver's last day still counts; the day after, the same change fails.
    assert_eq!(run("2027-01-31", true).0, 0);
    let (code, doc) = run("2027-02-01", true);
    assert_eq!(code, 1, "{doc}");
    assert!(doc.to_string().contains("expired on 2027-01-31"), "{doc}");
}

#[test]
fn fail_on_weaken_fails_a_placeholder_waiver() {
    let placeholder = WAIVER
        .replace("Accepted while the field staff get FIDO2 keys", "x")
        .replace("Jane Doe (Client CFO)", "x")
        .replace("CHG-4711", "x");
    let dir = lowered_mfa_with(&placeholder);
    let out = custody(dir.path())
        .args([
            "diff",
            "HEAD",
            "--fail-on",
            "weaken",
            "--date",
            "2026-12-05",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("unjustified: waiver"), "{md}");
}

#[test]
fn a_bad_date_is_a_usage_error() {
    let dir = lowered_mfa_with(WAIVER);
    let out = custody(dir.path())
        .args(["diff", "HEAD", "--date", "2026-13-01"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Policy files only (no evidence): enough for a diff.
fn write_policy(root: &Path, client: &str, backup: &str) {
    use custody::controls::testing::{CLIENT_TOML, CONTROLS_TOML, RACI_TOML};
    let dir = root.join("clients").join(client);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in [
        ("client.toml", CLIENT_TOML),
        ("raci.toml", RACI_TOML),
        ("controls.toml", CONTROLS_TOML),
        ("backup.toml", backup),
    ] {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

#[test]
fn comment_stays_within_githubs_limit_and_the_full_report_goes_to_a_file() {
    use custody::controls::testing::BACKUP_TOML;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let ids: Vec<String> = (0..200).map(|i| format!("client-{i:03}")).collect();
    for id in &ids {
        write_policy(root, id, BACKUP_TOML);
    }
    commit_all(&Repository::init(root).unwrap());
    let weaker = BACKUP_TOML
        .replace("retention = \"1y\"", "retention = \"30d\"")
        .replace("rpo = \"24h\"", "rpo = \"7d\"");
    for id in &ids {
        write_policy(root, id, &weaker);
    }
    let full = root.join("policy-diff-full.md");
    let out = custody(root)
        .args(["diff", "HEAD", "--fail-on", "weaken", "--full-report"])
        .arg(&full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let comment = String::from_utf8(out.stdout).unwrap();
    assert!(
        comment.chars().count() <= 65_536,
        "{} characters",
        comment.chars().count()
    );
    assert!(
        comment.contains("more unjustified weakenings, see the step summary/artifact."),
        "{comment}"
    );
    let report = std::fs::read_to_string(&full).unwrap();
    assert!(report.chars().count() > 65_536, "the test must overflow");
    for id in &ids {
        assert!(
            report.contains(&format!("<b>{id}</b>")),
            "{id} in the full report"
        );
    }
    // An unwritable report path is an error, not a silent loss.
    let out = custody(root)
        .args(["diff", "HEAD", "--full-report"])
        .arg(root.join("no-such-dir/report.md"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_retyped_or_moved_key_or_a_removed_file_is_bad_input_and_the_others_still_diff() {
    use custody::controls::testing::{BACKUP_TOML, CONTROLS_TOML};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for id in ["retyped", "moved", "nofile", "fine"] {
        write_policy(root, id, BACKUP_TOML);
    }
    commit_all(&Repository::init(root).unwrap());
    // A value of another type, a key moved to another table, a policy file deleted.
    std::fs::write(
        root.join("clients/retyped/controls.toml"),
        format!(
            "{CONTROLS_TOML}\n[thresholds]\n\"identity.mfa-users\" = {{ min_percent = \"50\" }}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        root.join("clients/moved/controls.toml"),
        CONTROLS_TOML
            .replace("pim = true\n", "")
            .replace("[access]\n", "[access]\npim = false\n"),
    )
    .unwrap();
    std::fs::remove_file(root.join("clients/nofile/raci.toml")).unwrap();
    write_policy(
        root,
        "fine",
        &BACKUP_TOML.replace("retention = \"1y\"", "retention = \"30d\""),
    );
    let out = custody(root)
        .args(["diff", "HEAD", "--format", "json", "--fail-on", "weaken"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "bad input wins over findings");
    let stderr = String::from_utf8(out.stderr).unwrap();
    for file in [
        "clients/retyped/controls.toml:",
        "clients/moved/controls.toml:",
        "clients/nofile/raci.toml",
    ] {
        assert!(stderr.contains(file), "{file} not named in:\n{stderr}");
    }
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let clients = doc["clients"].as_array().unwrap();
    assert_eq!(clients.len(), 1, "{doc}");
    assert_eq!(clients[0]["client"], "fine");
    assert_eq!(clients[0]["changes"][0]["effect"], "weakens");
}
