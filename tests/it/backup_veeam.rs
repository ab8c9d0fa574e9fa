//! Veeam Backup for Microsoft 365 evidence end to end (issue 18): a broken export is
//! bad input located by file and JSON path (exit 2) without stopping other clients, and
//! `collect --veeam-url` fetches only the client's own jobs and restore sessions from a
//! loopback stand-in serving the REST API's shapes, every page merged, secrets kept out.

use crate::support::graph_standin::*;
use assert_cmd::Command;
use custody::controls::backup::fixtures::{
    Run, job_id, jobs_json, restore_session, restores_json, sessions_json,
};
use custody::controls::testing::{BACKUP_TOML, Fx, MONTH};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

const SESSIONS: &str = "backup/veeam/JobSessions.json";

fn veeam_fx(sessions: &str) -> Fx {
    let toml = BACKUP_TOML.replacen(
        "provider = \"microsoft-365-backup\"\n",
        "provider = \"Veeam Backup for Microsoft 365\"\nveeam_jobs = [\"EXO Nightly\"]\n",
        1,
    );
    Fx::new()
        .policy("backup.toml", &toml)
        .without("backup-jobs.csv")
        .file(
            MONTH,
            "backup/veeam/Jobs.json",
            &jobs_json(&["EXO Nightly"]),
        )
        .file(MONTH, SESSIONS, sessions)
        .file(
            MONTH,
            "backup/veeam/RestoreSessions.json",
            &restores_json(&[]),
        )
}

fn nightly(days: std::ops::RangeInclusive<u32>, status: &'static str) -> Vec<Run> {
    days.map(|d| Run {
        job: "EXO Nightly",
        start: format!("{MONTH}-{d:02}T22:00:00.5852401Z"),
        end: Some(format!("{MONTH}-{d:02}T22:30:00Z")),
        status,
        processed: 120,
    })
    .collect()
}

#[test]
fn a_broken_veeam_session_is_located_by_file_and_json_path_and_exits_2() {
    let mut runs = nightly(1..=22, "Success");
    runs[3].status = "Exploded";
    let dir = tempfile::tempdir().expect("tempdir");
    veeam_fx(&sessions_json(&runs)).write_to(dir.path(), "acme");
    veeam_fx(&sessions_json(&nightly(1..=22, "Success"))).write_to(dir.path(), "beta");
    let out = Command::cargo_bin("custody")
        .expect("binary")
        .args(["--repo"])
        .arg(dir.path())
        .args(["check", "--format", "json"])
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("evidence/acme/2026-11/backup/veeam/JobSessions.json")
            && stderr.contains("/results/3/status")
            && stderr.contains("\"Exploded\""),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let control = |client: &str, id: &str| -> String {
        report["clients"]
            .as_array()
            .expect("clients")
            .iter()
            .find(|c| c["id"] == client)
            .and_then(|c| c["results"].as_array())
            .and_then(|r| r.iter().find(|r| r["control"] == id))
            .map(|r| r["status"].as_str().unwrap_or("").to_owned())
            .unwrap_or_default()
    };
    // The broken export is no evidence; the other client is evaluated on its own.
    assert_eq!(
        control("acme", "backup.exchange.job-success"),
        "no_evidence"
    );
    assert_eq!(control("beta", "backup.exchange.job-success"), "pass");
    assert_eq!(control("beta", "backup.exchange.rpo"), "pass");
}

// ---------------------------------------------------------------- collect

const PASSWORD: &str = "Veeam-P@ssw0rd-value";
const VEEAM_TOKEN: &str = "veeam-ACCESS-TOKEN-value";

/// A Veeam session as the per-job endpoint returns it.
fn session(job: &str, i: usize) -> Value {
    let day = 1 + (i % 20);
    serde_json::json!({
        "id": format!("{i:08}-0d1c-4b8e-9a6f-2b7c0e9d4a31"),
        "creationTime": format!("{}-{day:02}T{:02}:00:00.1234567Z", custody::month::Month::current(), i % 24),
        "endTime": format!("{}-{day:02}T{:02}:20:00Z", custody::month::Month::current(), i % 24),
        "status": "Success",
        "statistics": {"processedObjects": 40, "bottleneck": "Source"},
        "_links": {"job": {"href": format!("/v8/Jobs/{}", job_id(job))}}
    })
}

#[test]
fn collect_fetches_only_the_clients_veeam_jobs_with_every_page_and_keeps_secrets_out() {
    let month = custody::month::Month::current().to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let src = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate::support::files::copy_tree(
        &src.join("clients/northwind"),
        &dir.path().join("clients/northwind"),
    );
    let backup = dir.path().join("clients/northwind/backup.toml");
    let text = std::fs::read_to_string(&backup).expect("backup.toml");
    std::fs::write(
        &backup,
        text.replacen(
            "[exchange]\nin_scope = true\n",
            "[exchange]\nin_scope = true\nveeam_jobs = [\"Northwind Mail\"]\n",
            1,
        ),
    )
    .expect("write");
    // An earlier export in the month folder is replaced, not carried over.
    let old = dir
        .path()
        .join("evidence/northwind")
        .join(&month)
        .join("backup/veeam");
    std::fs::create_dir_all(&old).expect("mkdir");
    std::fs::write(old.join("Jobs.json"), "[]").expect("write");

    let base = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let b2 = base.clone();
    let server = Server::start(move |req| {
        let base = b2.lock().expect("lock").clone();
        let p = req.path();
        if p.starts_with("/login/") {
            return token_reply("tok-graph-ACCESS-TOKEN-value");
        }
        if let Some(rest) = p.strip_prefix("/veeam/v8/") {
            if rest == "Token" {
                let f = req.form();
                assert_eq!(f["grant_type"], "password");
                assert_eq!(f["username"], "MSP\\custody");
                assert_eq!(f["password"], PASSWORD);
                return ok(format!(
                    r#"{{"access_token":"{VEEAM_TOKEN}","token_type":"bearer","expires_in":3600,"refresh_token":"r-x"}}"#
                ));
            }
            if req.bearer() != VEEAM_TOKEN {
                return Reply::Json(401, vec![], r#"{"message":"no token"}"#.into());
            }
            let q = req.query();
            let offset: usize = q
                .split('&')
                .find_map(|kv| kv.strip_prefix("offset="))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let limit: usize = q
                .split('&')
                .find_map(|kv| kv.strip_prefix("limit="))
                .and_then(|v| v.parse().ok())
                .unwrap_or(30);
            let page = |all: Vec<Value>| {
                let results: Vec<Value> = all.into_iter().skip(offset).take(limit).collect();
                ok(
                    serde_json::json!({"offset": offset, "limit": limit, "results": results,
                    "_links": {"self": {"href": format!("/v8/x?offset={offset}")}}})
                    .to_string(),
                )
            };
            let mine = job_id("Northwind Mail");
            return match rest {
                "Jobs" => ok(jobs_json(&["Northwind Mail", "Fabrikam Mail"])),
                r if r == format!("Jobs/{mine}/JobSessions") => {
                    page((0..230).map(|i| session("Northwind Mail", i)).collect())
                }
                "RestoreSessions" => {
                    let mut own = restore_session(
                        1,
                        "Vex",
                        "2026-01-01T09:00:00Z",
                        Some("2026-01-01T09:30:00Z"),
                        "Stopped",
                        Some("Success"),
                    );
                    own["organization"] = "NORTHWIND.example".into();
                    let other = restore_session(
                        2,
                        "Vex",
                        "2026-01-01T09:00:00Z",
                        Some("2026-01-01T09:30:00Z"),
                        "Stopped",
                        Some("Success"),
                    );
                    page(vec![own, other])
                }
                _ => Reply::Json(404, vec![], r#"{"message":"not here"}"#.into()),
            };
        }
        happy_graph(req, &base).unwrap_or_else(|| {
            Reply::Json(
                404,
                vec![],
                r#"{"error":{"code":"NotFound","message":"x"}}"#.into(),
            )
        })
    });
    *base.lock().expect("lock") = server.url.clone();
    let out = Command::from_std(custody_against(dir.path(), &server))
        .args(["collect", "--client", "northwind", "--veeam-url"])
        .arg(format!("{}/veeam", server.url))
        .env("CUSTODY_CLIENT_ID", "11111111-2222-3333-4444-555555555555")
        .env("CUSTODY_CLIENT_SECRET", "graph-secret-value")
        .env("CUSTODY_VEEAM_USERNAME", "MSP\\custody")
        .env("CUSTODY_VEEAM_PASSWORD", PASSWORD)
        .timeout(Duration::from_secs(120))
        .output()
        .expect("runs");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(
        !all.contains(PASSWORD) && !all.contains(VEEAM_TOKEN),
        "{all}"
    );

    let mdir = dir.path().join("evidence/northwind").join(&month);
    let read = |f: &str| -> Value {
        serde_json::from_slice(&std::fs::read(mdir.join(f)).expect(f)).expect("json")
    };
    let jobs = read("backup/veeam/Jobs.json");
    let names: Vec<&str> = jobs
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|j| j["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["Northwind Mail"],
        "another client's job is never stored"
    );
    let sessions = read("backup/veeam/JobSessions.json");
    assert_eq!(
        sessions["results"].as_array().map(Vec::len),
        Some(230),
        "every page"
    );
    assert!(sessions["_links"].get("next").is_none());
    let restores = read("backup/veeam/RestoreSessions.json");
    assert_eq!(
        restores["results"].as_array().map(Vec::len),
        Some(1),
        "own organization only"
    );
    for f in ["Jobs.json", "JobSessions.json", "RestoreSessions.json"] {
        let bytes = std::fs::read(mdir.join("backup/veeam").join(f)).expect("file");
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(PASSWORD) && !text.contains(VEEAM_TOKEN));
    }
    let manifest = read("manifest.json");
    let rec = manifest["endpoints"]
        .as_array()
        .expect("endpoints")
        .iter()
        .find(|e| e["file"] == SESSIONS)
        .expect("a record for the sessions");
    assert_eq!(rec["items"], 230);
    assert_eq!(rec["pages"], 2);
    assert!(
        manifest["files"].get("backup/veeam/Jobs.json").is_none(),
        "fetched, not carried over: {manifest:#}"
    );
    // The pages were asked for on the Veeam origin, by offset.
    let asked: Vec<String> = server
        .requests("JobSessions")
        .iter()
        .map(|r| r.query())
        .collect();
    assert_eq!(asked, ["offset=0&limit=200", "offset=200&limit=200"]);
}

#[test]
fn collect_refuses_a_veeam_url_without_credentials_in_the_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(|_| Reply::Json(500, vec![], "{}".into()));
    let out = Command::from_std(custody_against(dir.path(), &server))
        .args(["collect", "--veeam-url", "https://vbo.example:4443"])
        .env("CUSTODY_CLIENT_ID", "x")
        .env("CUSTODY_CLIENT_SECRET", "y")
        .env_remove("CUSTODY_VEEAM_USERNAME")
        .env_remove("CUSTODY_VEEAM_PASSWORD")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("CUSTODY_VEEAM_USERNAME"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---------------------------------------------------------------- reference shapes

/// A month folder holding the given fixture files of tests/fixtures/veeam as the
/// loader's file names.
fn month_of(files: &[(&str, &str)]) -> (tempfile::TempDir, std::path::PathBuf) {
    let root = tempfile::tempdir().expect("tempdir");
    let abs = root.path().join("evidence/acme/2026-11");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/veeam");
    for (fixture, name) in files {
        let dest = abs.join(name);
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        std::fs::copy(src.join(fixture), dest).expect("copy");
    }
    (root, abs)
}

#[test]
fn every_reference_shape_of_the_veeam_api_loads() {
    use custody::evidence::veeam;
    use custody::evidence::{Missing, Slot};
    let dir = "evidence/acme/2026-11";
    // v4: a bare array, jobs named only by absolute _links.job.href, -07:00 offsets.
    let (_t, abs) = month_of(&[
        ("v8__Jobs.json", veeam::JOBS),
        ("v4__JobSessions__array.json", veeam::JOB_SESSIONS),
    ]);
    let mut d = Vec::new();
    let Some(Slot::Loaded(x)) = veeam::load_jobs(&abs, dir, &mut d) else {
        panic!("{d:?}")
    };
    assert!(d.is_empty(), "{d:?}");
    let names = ["Contoso Exchange nightly".to_owned()];
    let jobs = x.jobs_named(&names).expect("named");
    let runs = x.backup_jobs(&jobs, custody::policy::Workload::Exchange);
    let got: Vec<(String, String)> = runs
        .iter()
        .map(|r| (r.started_at.to_string(), format!("{:?}", r.status)))
        .collect();
    assert_eq!(
        got,
        [
            (
                "2026-11-03T05:00:04.1827364Z".to_owned(),
                "Success".to_owned()
            ),
            (
                "2026-11-04T05:00:03.9912837Z".to_owned(),
                "Failed".to_owned()
            ),
        ],
        "the running session is no run yet"
    );
    assert_eq!(runs[0].items_protected, Some(214));

    // v6: a first page that links to the next one is never the whole collection.
    let (_t, abs) = month_of(&[
        ("v8__Jobs.json", veeam::JOBS),
        ("v6__JobSessions__first_page.json", veeam::JOB_SESSIONS),
    ]);
    let mut d = Vec::new();
    match veeam::load_jobs(&abs, dir, &mut d) {
        Some(Slot::Missing(Missing { reason, .. })) => {
            assert!(reason.starts_with("first page only"), "{reason}")
        }
        other => panic!("{other:?}"),
    }

    // Restore sessions of every type; the one still open is no test yet.
    let (_t, abs) = month_of(&[("v8__RestoreSessions.json", veeam::RESTORE_SESSIONS)]);
    let mut d = Vec::new();
    let Some(Slot::Loaded(tests)) = veeam::load_restores(&abs, dir, &mut d) else {
        panic!("{d:?}")
    };
    let got: Vec<String> = tests
        .iter()
        .map(|t| {
            format!(
                "{} {:?} {:?} {}",
                t.date,
                t.workload,
                t.result,
                t.duration.map(|d| d.to_string()).unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "2026-11-12 Exchange Passed 43m",
            "2026-11-13 SharePoint Partial 190m",
            "2026-11-15 Teams Failed 5m"
        ]
    );
    assert_eq!(
        tests[0].item,
        "Restore of mailbox finance@contoso.example (MSP-5120 quarterly restore test)"
    );
}
