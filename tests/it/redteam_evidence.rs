//! Red-team findings in the evidence controls, reproduced on the sample repository with
//! the real binary: another tenant's files resealed into a client's month, a file dropped
//! into a sealed month, another month's files sealed within the month, and a month sealed
//! late with the export time stated (`seal --collected-at`).

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

const FABRIKAM: &str = "fabrikam";
const NORTHWIND_TENANT: &str = "e34d5a57-44bd-537f-ba24-400641784783";
const FABRIKAM_TENANT: &str = "306d478c-0a35-5f65-9df6-584359e22648";
const MONTH: &str = "2026-11";

fn custody() -> Command {
    let mut c = Command::cargo_bin("custody").unwrap();
    c.env("NO_COLOR", "1")
        .env_remove("CUSTODY_SIGNING_KEY_FILE")
        .env_remove("GITHUB_ACTIONS");
    c
}

/// The sample repository's policies and evidence (fabrikam and northwind), in a temporary
/// folder that is not a git repository (the working tree is the policy).
fn sample_repo() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR"));
    for client in [FABRIKAM, "northwind"] {
        for top in ["clients", "evidence"] {
            crate::support::files::copy_tree(
                &sample.join(top).join(client),
                &repo.join(top).join(client),
            );
        }
    }
    (dir, repo)
}

fn month_dir(repo: &Path, client: &str, month: &str) -> PathBuf {
    repo.join("evidence").join(client).join(month)
}

/// What an older custody's `seal --force` did to the month: every hash in the manifest
/// rewritten to the files as they are now (the red team's "resealed").
fn rehash_manifest(dir: &Path) {
    let path = dir.join("manifest.json");
    let mut m: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let hash = |f: &str| custody::evidence::sha256_file(&dir.join(f)).unwrap();
    for e in m["endpoints"].as_array_mut().unwrap() {
        if let Some(f) = e["file"].as_str().map(str::to_owned)
            && dir.join(&f).exists()
        {
            e["sha256"] = hash(&f).into();
        }
    }
    let files: Vec<String> = m["files"].as_object().unwrap().keys().cloned().collect();
    for f in files {
        m["files"][&f] = hash(&f).into();
    }
    std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
}

fn run(repo: &Path, args: &[&str]) -> (i32, String, String) {
    let o = custody()
        .arg("--repo")
        .arg(repo)
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn seal(repo: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["seal", "--client", FABRIKAM, "--month", MONTH, "--force"];
    args.extend_from_slice(extra);
    run(repo, &args)
}

/// Every result of fabrikam's month, by control id, from `check --format json`.
fn results(repo: &Path) -> Vec<Value> {
    let (_, out, err) = run(
        repo,
        &[
            "check", "--client", FABRIKAM, "--month", MONTH, "--format", "json",
        ],
    );
    let doc: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    doc["clients"][0]["results"].as_array().unwrap().clone()
}

fn result<'a>(results: &'a [Value], control: &str) -> &'a Value {
    results
        .iter()
        .find(|r| r["control"] == control)
        .unwrap_or_else(|| panic!("no result for {control}"))
}

fn items(r: &Value) -> Vec<String> {
    r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn regression_another_tenants_files_resealed_fail_and_decide_nothing() {
    // exp/foreign: northwind's Graph files over fabrikam's month, Secure Score kept.
    let (_dir, repo) = sample_repo();
    let fab = month_dir(&repo, FABRIKAM, MONTH);
    let nw = month_dir(&repo, "northwind", MONTH).join("graph");
    for e in std::fs::read_dir(&nw).unwrap() {
        let e = e.unwrap();
        if e.file_name() != "secureScores.json" && e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), fab.join("graph").join(e.file_name())).unwrap();
        }
    }

    // Today's seal refuses it, naming each file stating another tenant with the JSON path.
    let before = std::fs::read(fab.join("manifest.json")).unwrap();
    let (code, out, err) = seal(&repo, &["--by", "R <r@t.example>"]);
    assert_eq!(code, 2, "{out}{err}");
    for (file, pointer) in [
        ("graph/subscribedSkus.json", "/value/0/accountId"),
        ("graph/roleManagementPolicyAssignments.json", "/value/0/id"),
    ] {
        assert!(
            err.contains(&format!(
                "evidence/{FABRIKAM}/{MONTH}/{file} at {pointer}: states tenant {NORTHWIND_TENANT}, but clients/{FABRIKAM}/client.toml says {FABRIKAM_TENANT}"
            )),
            "{file}: {err}"
        );
    }
    assert_eq!(std::fs::read(fab.join("manifest.json")).unwrap(), before);

    // Resealed as an older custody did: still another tenant's, and nothing passes on it.
    rehash_manifest(&fab);
    let r = results(&repo);
    let complete = result(&r, "evidence.snapshot-complete");
    assert_eq!(complete["status"], "fail", "{complete}");
    assert!(
        complete["message"]
            .as_str()
            .unwrap()
            .starts_with("another tenant's snapshot: "),
        "{complete}"
    );
    let named = items(complete);
    assert!(
        named.iter().any(|i| i.starts_with(&format!(
            "graph/subscribedSkus.json/value/0/accountId: tenant {NORTHWIND_TENANT}"
        ))),
        "{named:?}"
    );
    for id in [
        "identity.mfa-admins",
        "identity.licences",
        "access.global-admin-count",
        "evidence.snapshot-fresh",
    ] {
        let x = result(&r, id);
        assert_eq!(x["status"], "no_evidence", "{id}: {x}");
        assert!(
            x["message"]
                .as_str()
                .unwrap()
                .starts_with("another tenant's snapshot"),
            "{id}: {x}"
        );
    }
}

/// Fabrikam's November with Global Administrator also held through a group, sealed.
fn month_with_a_role_group(repo: &Path) -> &'static str {
    const GROUP: &str = "9a000000-0000-0000-0000-00000000abcd";
    let path = month_dir(repo, FABRIKAM, MONTH).join("graph/roleAssignments.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    v["value"].as_array_mut().unwrap().push(serde_json::json!({
        "id": "g1",
        "principalId": GROUP,
        "resourceScope": "/",
        "directoryScopeId": "/",
        "roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10",
        "principal": {"@odata.type": "#microsoft.graph.group", "id": GROUP, "displayName": "Tier0 Admins"}
    }));
    std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    let (code, out, err) = seal(
        repo,
        &[
            "--by",
            "R <r@t.example>",
            "--collected-at",
            "2026-11-23T03:12:09Z",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    GROUP
}

#[test]
fn regression_a_group_members_file_dropped_into_a_sealed_month_is_not_evidence() {
    // exp/grpadd: an unsealed `{"value": []}` for the group turned global-admin-count
    // into a pass, and snapshot-complete only warned.
    let (_dir, repo) = sample_repo();
    let group = month_with_a_role_group(&repo);
    let sealed = results(&repo);
    assert_eq!(
        result(&sealed, "access.global-admin-count")["status"],
        "no_evidence",
        "the group's members are unknown"
    );

    let file = format!("graph/groupMembers/{group}.json");
    let abs = month_dir(&repo, FABRIKAM, MONTH).join(&file);
    std::fs::create_dir_all(abs.parent().unwrap()).unwrap();
    std::fs::write(&abs, r#"{"value":[]}"#).unwrap();
    let r = results(&repo);
    let count = result(&r, "access.global-admin-count");
    assert_eq!(count["status"], "no_evidence", "{count}");
    assert!(
        count["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{file} is not listed in manifest.json")),
        "{count}"
    );
    let complete = result(&r, "evidence.snapshot-complete");
    assert_eq!(complete["status"], "fail", "{complete}");
    assert_eq!(complete["message"], "1 problem with the snapshot");
    assert_eq!(
        items(complete),
        [format!(
            "{file}: not listed in manifest.json, so not evidence (added after the month was collected or sealed?)"
        )]
    );

    // Sealed again, the file is evidence: the group is empty, the count is judged.
    let (code, out, err) = seal(
        &repo,
        &[
            "--by",
            "R <r@t.example>",
            "--collected-at",
            "2026-11-23T03:12:09Z",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let r = results(&repo);
    assert_ne!(
        result(&r, "access.global-admin-count")["status"],
        "no_evidence"
    );
    assert_eq!(result(&r, "evidence.snapshot-complete")["status"], "pass");
}

#[test]
fn regression_another_months_files_sealed_within_the_month_fail_freshness() {
    // exp/oldmonth: August's Graph files in November, collected_at set in November.
    let (_dir, repo) = sample_repo();
    let nov = month_dir(&repo, FABRIKAM, MONTH).join("graph");
    let aug = month_dir(&repo, FABRIKAM, "2026-08").join("graph");
    for e in std::fs::read_dir(&aug).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), nov.join(e.file_name())).unwrap();
    }
    let (code, out, err) = seal(
        &repo,
        &[
            "--by",
            "R <r@t.example>",
            "--collected-at",
            "2026-11-25T10:00:00Z",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let r = results(&repo);
    let fresh = result(&r, "evidence.snapshot-fresh");
    assert_eq!(fresh["status"], "fail", "{fresh}");
    let named = items(fresh);
    assert!(
        named[0].starts_with(
            "graph/secureScores.json/value/0/createdDateTime: the latest Secure Score is from 2026-08-27T00:00:00Z, more than 7 days before collected_at 2026-11-25T10:00:00Z"
        ),
        "{named:?}"
    );
    assert!(
        named
            .iter()
            .any(|i| i.starts_with("graph/directoryAudits.json/value/")
                && i.contains("beyond Entra ID's audit retention")),
        "{named:?}"
    );
    assert!(
        fresh["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(
                |e| e["file"] == format!("evidence/{FABRIKAM}/{MONTH}/graph/secureScores.json")
                    && e["pointer"] == "/value/0/createdDateTime"
            ),
        "{fresh}"
    );
}

#[test]
fn a_month_sealed_late_with_the_export_time_stated_is_fresh() {
    let (_dir, repo) = sample_repo();
    // Sealed now (after November), without saying when it was exported: not fresh.
    let (code, out, err) = seal(&repo, &["--by", "R <r@t.example>"]);
    assert_eq!(code, 0, "{out}{err}");
    let fresh = result(&results(&repo), "evidence.snapshot-fresh").clone();
    assert_eq!(fresh["status"], "fail", "{fresh}");
    assert!(
        fresh["message"]
            .as_str()
            .unwrap()
            .contains("outside 2026-11")
    );

    let (code, out, err) = seal(
        &repo,
        &[
            "--by",
            "R <r@t.example>",
            "--collected-at",
            "2026-11-23T04:12:09+01:00",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("exported by hand by R <r@t.example> at 2026-11-23T03:12:09Z (as stated)"),
        "{out}"
    );
    let m: Value = serde_json::from_slice(
        &std::fs::read(month_dir(&repo, FABRIKAM, MONTH).join("manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(m["collected_at"], "2026-11-23T03:12:09Z");
    assert_eq!(
        m["provenance"]["exported_at_stated"],
        "2026-11-23T03:12:09Z"
    );
    assert_eq!(m["provenance"]["method"], "hand");
    // The sealing time is still the sealing time.
    assert_ne!(m["provenance"]["finished_at"], "2026-11-23T03:12:09Z");
    let r = results(&repo);
    assert_eq!(result(&r, "evidence.snapshot-fresh")["status"], "pass");
    assert_eq!(result(&r, "evidence.snapshot-complete")["status"], "pass");
}

#[test]
fn seal_refuses_an_export_time_in_the_future_before_the_month_or_malformed() {
    let (_dir, repo) = sample_repo();
    let manifest = month_dir(&repo, FABRIKAM, MONTH).join("manifest.json");
    let before = std::fs::read(&manifest).unwrap();
    for (at, says) in [
        ("2999-01-01T00:00:00Z", "is in the future"),
        ("2026-10-31T23:59:59Z", "is before 2026-11 began"),
        ("2026-11-23", "not an RFC 3339 timestamp"),
        ("yesterday", "not an RFC 3339 timestamp"),
    ] {
        let (code, out, err) = seal(&repo, &["--by", "R <r@t.example>", "--collected-at", at]);
        assert_eq!(code, 2, "{at}: {out}{err}");
        assert!(err.contains(says), "{at}: {err}");
        assert_eq!(
            std::fs::read(&manifest).unwrap(),
            before,
            "{at}: nothing written"
        );
    }
}

#[test]
fn a_month_without_a_manifest_is_read_whole_but_never_complete() {
    let (_dir, repo) = sample_repo();
    std::fs::remove_file(month_dir(&repo, FABRIKAM, MONTH).join("manifest.json")).unwrap();
    let r = results(&repo);
    let complete = result(&r, "evidence.snapshot-complete");
    assert_eq!(complete["status"], "fail", "{complete}");
    // Nothing names another tenant, so the files are still read as they are.
    assert_eq!(result(&r, "identity.mfa-admins")["status"], "pass");
    assert_eq!(
        result(&r, "evidence.snapshot-fresh")["status"],
        "no_evidence"
    );
}
