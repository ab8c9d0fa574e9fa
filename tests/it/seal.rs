//! `custody seal` (issue 16 item 5): the manifest of a month whose Graph files were
//! exported by hand. A sealed month with every endpoint is complete; one missing an
//! endpoint is still not; bad JSON, links and another tenant's files exit 2 and write
//! nothing; a manifest `collect` wrote is replaced only with `--force`.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

const CLIENT: &str = "fabrikam";
const MONTH: &str = "2026-11";

fn custody() -> Command {
    let mut c = Command::cargo_bin("custody").unwrap();
    c.env("NO_COLOR", "1")
        .env_remove("CUSTODY_SIGNING_KEY_FILE")
        .env_remove("GITHUB_ACTIONS");
    c
}

/// The sample client's policy and one month of its evidence, as a hand export: the Graph
/// files, backup records and restore tests, without the manifest `collect` wrote.
fn hand_exported_month() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate::support::files::copy_tree(
        &sample.join("clients").join(CLIENT),
        &repo.join("clients").join(CLIENT),
    );
    crate::support::files::copy_tree(
        &sample.join("evidence").join(CLIENT).join(MONTH),
        &month_dir(&repo),
    );
    std::fs::remove_file(month_dir(&repo).join("manifest.json")).unwrap();
    (dir, repo)
}

fn month_dir(repo: &Path) -> PathBuf {
    repo.join("evidence").join(CLIENT).join(MONTH)
}

fn seal(repo: &Path, extra: &[&str]) -> (i32, String, String) {
    let o = custody()
        .arg("--repo")
        .arg(repo)
        .args(["seal", "--client", CLIENT, "--month", MONTH])
        .args(extra)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The `evidence.snapshot-complete` result of the month, from `check --format json`.
fn snapshot_complete(repo: &Path) -> Value {
    let o = custody()
        .arg("--repo")
        .arg(repo)
        .args([
            "check", "--client", CLIENT, "--month", MONTH, "--format", "json",
        ])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    doc["clients"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["control"] == "evidence.snapshot-complete")
        .unwrap()
        .clone()
}

fn manifest(repo: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(month_dir(repo).join("manifest.json")).unwrap()).unwrap()
}

/// Everything under the client's evidence folder (names and bytes), to show nothing changed.
fn evidence_tree(repo: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let root = repo.join("evidence");
    walkdir::WalkDir::new(&root)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| !e.file_type().is_dir())
        .map(|e| {
            (
                e.path().strip_prefix(&root).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn without_a_manifest_the_hand_exported_month_is_incomplete() {
    // The state seal exists to end: the same files, no manifest, fail forever.
    let (_dir, repo) = hand_exported_month();
    let r = snapshot_complete(&repo);
    assert_eq!(r["status"], "fail", "{r}");
}

#[test]
fn a_sealed_month_with_every_endpoint_is_complete() {
    let (_dir, repo) = hand_exported_month();
    let (code, out, err) = seal(&repo, &["--by", "Jane Doe <jane@msp.example>"]);
    assert_eq!(code, 0, "{out}{err}");
    // The sample client uses Microsoft 365 Backup: every endpoint of the table applies.
    let n = custody::evidence::endpoints::ENDPOINTS.len();
    assert!(
        out.contains(&format!(
            "sealed evidence/{CLIENT}/{MONTH}/manifest.json: {n} of {n} endpoint file(s)"
        )),
        "{out}"
    );
    assert!(!out.contains("not exported"), "{out}");

    let r = snapshot_complete(&repo);
    assert_eq!(r["status"], "pass", "{r}");

    // What the manifest records: by hand, by whom, when, every file's hash and size.
    let m = manifest(&repo);
    let p = &m["provenance"];
    assert_eq!(p["method"], "hand");
    assert_eq!(p["by"], "Jane Doe <jane@msp.example>");
    assert_eq!(p["custody_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(p["started_at"], m["collected_at"]);
    assert!(
        p.get("app_id").is_none() && p.get("credential").is_none(),
        "{p}"
    );
    assert_eq!(m["tenant_id"], p["tenant_id"]);
    let users = std::fs::read(month_dir(&repo).join("graph/users.json")).unwrap();
    let rec = m["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["file"] == "graph/users.json")
        .unwrap();
    assert_eq!(rec["sha256"], custody::evidence::sha256_hex(&users));
    assert_eq!(m["sizes"]["graph/users.json"], users.len() as u64);
    assert!(m["files"]["backup-jobs.csv"].is_string(), "{m}");
    // No temporary file or lock is left beside the month.
    let leftovers: Vec<_> = std::fs::read_dir(repo.join("evidence").join(CLIENT))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, [MONTH], "{leftovers:?}");
}

#[test]
fn a_sealed_month_missing_an_endpoint_is_still_incomplete() {
    let (_dir, repo) = hand_exported_month();
    std::fs::remove_file(month_dir(&repo).join("graph/conditionalAccessPolicies.json")).unwrap();
    let (code, out, err) = seal(&repo, &["--by", "Jane"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("not exported: graph/conditionalAccessPolicies.json"),
        "{out}"
    );
    assert!(out.contains("evidence.snapshot-complete fails"), "{out}");
    let r = snapshot_complete(&repo);
    assert_eq!(r["status"], "fail", "{r}");
    assert!(
        r["items"].to_string().contains(
            "graph/conditionalAccessPolicies.json: not exported: not in the month folder when Jane sealed it"
        ),
        "{r}"
    );
}

#[test]
fn sealing_a_month_where_a_hashed_file_changes_afterwards_fails_completeness() {
    // The seal vouches for the bytes as they were: an edit after it is caught.
    let (_dir, repo) = hand_exported_month();
    assert_eq!(seal(&repo, &["--by", "Jane"]).0, 0);
    let f = month_dir(&repo).join("backup-jobs.csv");
    let mut text = std::fs::read_to_string(&f).unwrap();
    text.push('\n');
    std::fs::write(&f, text).unwrap();
    let r = snapshot_complete(&repo);
    assert_eq!(r["status"], "fail", "{r}");
    assert!(
        r["items"]
            .to_string()
            .contains("backup-jobs.csv: sha256 does not match"),
        "{r}"
    );
}

#[test]
fn an_endpoint_refused_for_its_licence_is_an_explained_gap_not_a_failure() {
    // A tenant without Entra ID P2 cannot export PIM eligibility: the sealer says so and
    // the month is complete with a warning, as when collect records Graph's 403.
    let (_dir, repo) = hand_exported_month();
    let pim = "graph/roleEligibilitySchedules.json";
    std::fs::remove_file(month_dir(&repo).join(pim)).unwrap();
    let (code, out, err) = seal(&repo, &["--by", "Jane", "--not-licensed", pim]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("not licensed (as stated): {pim}")),
        "{out}"
    );
    assert!(!out.contains("not exported"), "{out}");
    let r = snapshot_complete(&repo);
    assert_eq!(r["status"], "warn", "{r}");
    assert!(
        r["items"]
            .to_string()
            .contains("stated by Jane when sealing"),
        "{r}"
    );

    // Only an endpoint's file, and only one the month does not hold.
    let (code, _, err) = seal(
        &repo,
        &["--by", "Jane", "--not-licensed", "graph/users.json"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("names a file the month holds"), "{err}");
    let (code, _, err) = seal(&repo, &["--by", "Jane", "--not-licensed", "../../x.json"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not an endpoint's file"), "{err}");
}

#[test]
fn seal_on_bad_json_exits_2_naming_the_file_and_json_path_and_writes_nothing() {
    let (_dir, repo) = hand_exported_month();
    std::fs::write(
        month_dir(&repo).join("graph/users.json"),
        r#"{"value": [{"id": 7, "userPrincipalName": "a@b.example"}]}"#,
    )
    .unwrap();
    let before = evidence_tree(&repo);
    let (code, out, err) = seal(&repo, &["--by", "Jane"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains(&format!("evidence/{CLIENT}/{MONTH}/graph/users.json"))
            && err.contains("/value/0/id"),
        "names the file and JSON path:\n{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(evidence_tree(&repo), before, "nothing written");

    // A month sealed before keeps its manifest when a later seal fails.
    let (_dir, repo) = hand_exported_month();
    assert_eq!(seal(&repo, &["--by", "Jane"]).0, 0);
    std::fs::write(
        month_dir(&repo).join("graph/subscribedSkus.json"),
        "{\"value\": [",
    )
    .unwrap();
    let before = evidence_tree(&repo);
    let (code, _, err) = seal(&repo, &["--by", "Jane"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("graph/subscribedSkus.json"), "{err}");
    assert_eq!(evidence_tree(&repo), before);
}

#[test]
fn seal_refuses_to_overwrite_the_manifest_collect_wrote_unless_forced() {
    let (_dir, repo) = hand_exported_month();
    let collected = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("evidence")
        .join(CLIENT)
        .join(MONTH)
        .join("manifest.json");
    std::fs::copy(&collected, month_dir(&repo).join("manifest.json")).unwrap();
    let before = evidence_tree(&repo);
    let (code, out, err) = seal(&repo, &["--by", "Jane"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("custody collect wrote"), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(evidence_tree(&repo), before, "collect's manifest kept");

    let (code, out, err) = seal(&repo, &["--by", "Jane", "--force"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("replaced the manifest custody collect wrote at") && out.contains("(--force)"),
        "says what was replaced:\n{out}"
    );
    assert_eq!(manifest(&repo)["provenance"]["method"], "hand");

    // Its own manifest, seal replaces without --force, and says so.
    let (code, out, _) = seal(&repo, &["--by", "Ann"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("replaced the manifest sealed by Jane at"),
        "{out}"
    );
    assert_eq!(manifest(&repo)["provenance"]["by"], "Ann");
}

#[test]
fn seal_refuses_an_unreadable_manifest_unless_forced() {
    let (_dir, repo) = hand_exported_month();
    std::fs::write(month_dir(&repo).join("manifest.json"), "not json").unwrap();
    let (code, _, err) = seal(&repo, &["--by", "Jane"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a manifest custody cannot read"), "{err}");
    assert_eq!(seal(&repo, &["--by", "Jane", "--force"]).0, 0);
}

#[cfg(unix)]
#[test]
fn seal_refuses_links_and_writes_nothing() {
    let (dir, repo) = hand_exported_month();
    let outside = dir.path().join("outside.json");
    std::fs::write(&outside, r#"{"value": []}"#).unwrap();
    let users = month_dir(&repo).join("graph/users.json");
    std::fs::remove_file(&users).unwrap();
    std::os::unix::fs::symlink(&outside, &users).unwrap();
    let before = evidence_tree(&repo);
    let (code, _, err) = seal(&repo, &["--by", "Jane"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("graph/users.json") && err.contains("symbolic link"),
        "{err}"
    );
    assert_eq!(evidence_tree(&repo), before);

    // A month folder that is a link is refused too (it could be another client's).
    let (dir, repo) = hand_exported_month();
    let elsewhere = dir.path().join("elsewhere");
    std::fs::rename(month_dir(&repo), &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, month_dir(&repo)).unwrap();
    let (code, _, err) = seal(&repo, &["--by", "Jane"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("symbolic link"), "{err}");
    assert!(!elsewhere.join("manifest.json").exists());
}

#[test]
fn seal_refuses_another_tenants_export_naming_the_file_and_json_path() {
    let (_dir, repo) = hand_exported_month();
    let scores = month_dir(&repo).join("graph/secureScores.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&scores).unwrap()).unwrap();
    v["value"][0]["azureTenantId"] = "99999999-9999-9999-9999-999999999999".into();
    std::fs::write(&scores, serde_json::to_vec(&v).unwrap()).unwrap();
    let (code, _, err) = seal(&repo, &["--by", "Jane"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("graph/secureScores.json")
            && err.contains("/value/0/azureTenantId")
            && err.contains("not this client's export"),
        "{err}"
    );
    assert!(!month_dir(&repo).join("manifest.json").exists());
}

#[test]
fn seal_records_the_git_author_when_no_name_is_given() {
    let (_dir, repo) = hand_exported_month();
    let git = git2::Repository::init(&repo).unwrap();
    let mut config = git.config().unwrap();
    config.set_str("user.name", "Dana Auditor").unwrap();
    config.set_str("user.email", "dana@msp.example").unwrap();
    let (code, out, err) = seal(&repo, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        manifest(&repo)["provenance"]["by"],
        "Dana Auditor <dana@msp.example>"
    );
}

#[test]
fn a_name_with_a_line_break_is_refused() {
    let (_dir, repo) = hand_exported_month();
    let (code, _, err) = seal(&repo, &["--by", "Jane\nforged: line"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--by") && err.contains("control character"),
        "{err}"
    );
    assert!(!month_dir(&repo).join("manifest.json").exists());
}

#[test]
fn bad_client_or_month_is_a_usage_error() {
    let (_dir, repo) = hand_exported_month();
    let o = custody()
        .arg("--repo")
        .arg(&repo)
        .args(["seal", "--client", "../x", "--month", MONTH])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = custody()
        .arg("--repo")
        .arg(&repo)
        .args(["seal", "--client", CLIENT, "--month", "2026-13"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    // A month with no folder says where the files go.
    let o = custody()
        .arg("--repo")
        .arg(&repo)
        .args([
            "seal", "--client", CLIENT, "--month", "2026-12", "--by", "J",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("does not exist"), "{err}");
}
