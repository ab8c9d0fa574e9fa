//! Microsoft 365 Backup restore points measure a workload's RPO where no backup job
//! records exist: `custody collect` against the loopback Graph stand-in, which answers
//! `POST /solutions/backupRestore/restorePoints/search` in the shape of the API reference
//! from each test's own restore points, then `custody check` on the month it wrote.

use crate::support::graph_standin::*;
use assert_cmd::Command;
use custody::controls::testing::{ALICE, BG1, BG2, BOB, Fx};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

const MONTH: &str = "2026-11";
/// The stand-in plays the tenant a token names: acme's.
const TOKEN: &str = "tok-11111111-2222-3333-4444-555555555555-ACCESS-TOKEN-value";
const SEARCH: &str = "/v1.0/solutions/backupRestore/restorePoints/search";

/// The fixture tenant's month without backup job records: its Exchange RPO (24h) can
/// only be measured from restore points.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    Fx::new()
        .without("backup-jobs.csv")
        .write_to(dir.path(), "acme");
    dir
}

/// A mailboxProtectionUnit as Graph lists it (`protected`).
fn unit(id: &str, email: &str) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.mailboxProtectionUnit",
        "id": id,
        "policyId": "pp1",
        "directoryObjectId": id.trim_start_matches("u-"),
        "email": email,
        "status": "protected",
        "error": null
    })
}

fn acme_units() -> Vec<(String, String)> {
    [
        (BG1, "bg1@acme.onmicrosoft.com"),
        (BG2, "bg2@acme.onmicrosoft.com"),
        (ALICE, "alice@acme.example"),
        (BOB, "bob@acme.example"),
    ]
    .iter()
    .map(|(id, e)| (format!("u-{id}"), (*e).to_owned()))
    .collect()
}

/// A restore point every 4 hours from 1 Oct to 1 Dec for `units`, without those of
/// `hole` (unit, from, to: RFC 3339, `to` excluded).
fn points(units: &[(String, String)], hole: Option<(&str, &str, &str)>) -> Vec<(String, String)> {
    let ids: Vec<&str> = units.iter().map(|(id, _)| id.as_str()).collect();
    let all = regular_restore_points(
        &json!({
            "protectionUnitIds": ids,
            "protectionTimePeriod": {"startDateTime": "2026-10-01T00:00:00Z", "endDateTime": "2026-12-01T00:00:00Z"}
        }),
        4 * 3600,
    );
    all.into_iter()
        .filter(|(u, t)| {
            !hole.is_some_and(|(hu, a, b)| u == hu && t.as_str() >= a && t.as_str() < b)
        })
        .collect()
}

/// The stand-in: the samples for every GET, `units` as the mailbox protection units, the
/// searches answered from `points`, or refused with `search_status` when it is not 200.
fn stand_in(
    units: Vec<(String, String)>,
    points: Vec<(String, String)>,
    search_status: u16,
) -> Server {
    let base = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let b2 = base.clone();
    let server = Server::start(move |req| {
        if req.path() == SEARCH && req.method == "POST" {
            if search_status != 200 {
                return Reply::Json(
                    search_status,
                    vec![],
                    r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}"#.into(),
                );
            }
            return restore_point_search(req, &points);
        }
        if req.path()
            == "/v1.0/solutions/backupRestore/protectionUnits/microsoft.graph.mailboxProtectionUnit"
        {
            let value: Vec<Value> = units.iter().map(|(id, e)| unit(id, e)).collect();
            return ok(json!({"@odata.context": "x", "value": value}).to_string());
        }
        happy_graph(req, &b2.lock().unwrap()).unwrap_or_else(|| {
            Reply::Json(
                404,
                vec![],
                r#"{"error":{"code":"Request_ResourceNotFound","message":"not served"}}"#.into(),
            )
        })
    });
    *base.lock().unwrap() = server.url.clone();
    server
}

fn collect(root: &Path, server: &Server, extra: &[&str]) -> std::process::Output {
    Command::from_std(custody_against(root, server))
        .env("CUSTODY_ACCESS_TOKEN", TOKEN)
        .timeout(Duration::from_secs(120))
        .args(["collect", "--client", "acme", "--month", MONTH])
        .args(extra)
        .output()
        .unwrap()
}

/// `custody check` of the month: exit code and the Exchange RPO result.
fn rpo_result(root: &Path) -> (Option<i32>, Value) {
    let out = Command::cargo_bin("custody")
        .unwrap()
        .arg("--repo")
        .arg(root)
        .env("NO_COLOR", "1")
        .args(["check", "--month", MONTH, "--format", "json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    let r = doc["clients"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["control"] == "backup.exchange.rpo")
        .unwrap()
        .clone();
    (out.status.code(), r)
}

fn manifest_record(root: &Path) -> Value {
    let m: Value = serde_json::from_slice(
        &std::fs::read(root.join(format!("evidence/acme/{MONTH}/manifest.json"))).unwrap(),
    )
    .unwrap();
    m["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["file"]
                .as_str()
                .unwrap()
                .starts_with("graph/restorePointSearches.json")
        })
        .cloned()
        .expect("a record of the searches")
}

fn ts(v: &Value) -> i64 {
    v.as_str()
        .unwrap()
        .parse::<jiff::Timestamp>()
        .unwrap()
        .as_second()
}

#[test]
fn collect_searches_restore_points_in_windows_within_the_rpo_and_check_measures_the_gap() {
    let dir = repo();
    let units = acme_units();
    let hole = (
        format!("u-{BOB}"),
        "2026-11-10T00:00:00Z",
        "2026-11-12T12:00:00Z",
    );
    let server = stand_in(
        units.clone(),
        points(&units, Some((&hole.0, hole.1, hole.2))),
        200,
    );
    let out = collect(dir.path(), &server, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The requests: at most 20 (here five) units each, windows within the RPO (24h)
    // tiling one RPO before the month to its end, the oldest and the latest point of each.
    let reqs = server.requests(SEARCH);
    assert!(!reqs.is_empty());
    let mut seen = std::collections::BTreeMap::new();
    for r in &reqs {
        assert_eq!(r.method, "POST");
        assert!(
            r.headers
                .get("content-type")
                .is_some_and(|c| c.contains("application/json"))
        );
        assert_eq!(r.bearer(), TOKEN);
        let body: Value = serde_json::from_str(&r.body).unwrap();
        let ids = body["protectionUnitIds"].as_array().unwrap();
        assert!(!ids.is_empty() && ids.len() <= 5, "{body}");
        let (a, b) = (
            ts(&body["protectionTimePeriod"]["startDateTime"]),
            ts(&body["protectionTimePeriod"]["endDateTime"]),
        );
        assert!(a < b && b - a <= 24 * 3600, "{body}");
        let pref = body["restorePointPreference"].as_str().unwrap().to_owned();
        assert!(pref == "oldest" || pref == "latest", "{body}");
        seen.entry(a)
            .or_insert_with(Vec::new)
            .push((b, pref, ids.len()));
    }
    let starts: Vec<i64> = seen.keys().copied().collect();
    assert_eq!(starts[0], ts(&json!("2026-10-31T00:00:00Z")));
    assert_eq!(starts.len(), 31, "one window per day, 31 Oct to 30 Nov");
    for (k, a) in starts.iter().enumerate() {
        let calls = &seen[a];
        assert_eq!(calls.len(), 2, "oldest and latest of every window");
        assert!(calls.iter().any(|c| c.1 == "oldest") && calls.iter().any(|c| c.1 == "latest"));
        let end = calls[0].0;
        match starts.get(k + 1) {
            Some(next) => assert_eq!(end, *next, "windows follow one another"),
            None => assert_eq!(end, ts(&json!("2026-12-01T00:00:00Z"))),
        }
    }

    // The file: every call as sent and answered, with the sampling; hashed in the manifest.
    let path = dir.path().join(format!(
        "evidence/acme/{MONTH}/graph/restorePointSearches.json"
    ));
    let bytes = std::fs::read(&path).unwrap();
    let file: Value = serde_json::from_slice(&bytes).unwrap();
    let s = &file["searches"][0];
    assert_eq!(s["workload"], "exchange");
    assert_eq!(s["sampling"]["protectedUnits"], 4);
    assert_eq!(
        s["sampling"]["searchedUnitIds"].as_array().unwrap().len(),
        4
    );
    assert_eq!(s["calls"].as_array().unwrap().len(), reqs.len());
    let first_sent: Value = serde_json::from_str(&reqs[0].body).unwrap();
    assert!(
        s["calls"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["request"] == first_sent),
        "requests stored as sent"
    );
    assert!(s["calls"][0]["response"]["searchResponseId"].is_string());
    let rec = manifest_record(dir.path());
    assert_eq!(
        rec["sha256"].as_str().unwrap(),
        custody::evidence::sha256_hex(&bytes)
    );
    assert_eq!(
        rec["request"],
        format!("POST {SEARCH} ({} calls)", reqs.len())
    );

    // check: the hole in bob's restore points fails the RPO, named with its ends.
    let (code, r) = rpo_result(dir.path());
    assert_eq!(code, Some(1));
    assert_eq!(r["status"], "fail", "{r}");
    assert_eq!(
        r["items"],
        json!(["bob@acme.example: 2026-11-09 20:00 → 2026-11-12 12:00 (2d 16h)"])
    );

    // The same month collected again from a tenant without the hole passes.
    let server = stand_in(units.clone(), points(&units, None), 200);
    let out = collect(dir.path(), &server, &[]);
    assert_eq!(out.status.code(), Some(0));
    let (_, r) = rpo_result(dir.path());
    assert_eq!(r["status"], "pass", "{r}");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("gaps inside a query window are at most its length (1d)"),
        "{r}"
    );
}

#[test]
fn many_units_are_sampled_deterministically_and_the_sample_is_named() {
    let dir = repo();
    let mut units = acme_units();
    for i in 0..26 {
        units.push((
            format!("u-c0000000-0000-0000-0000-{i:012}"),
            format!("user{i}@acme.example"),
        ));
    }
    let ids: Vec<&str> = units.iter().map(|(id, _)| id.as_str()).collect();
    let want: std::collections::BTreeSet<&str> =
        custody::evidence::restore_points::sample(ids.iter().copied(), 20)
            .into_iter()
            .collect();
    assert_eq!(want.len(), 20);
    let server = stand_in(units.clone(), points(&units, None), 200);
    let out = collect(dir.path(), &server, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let asked: std::collections::BTreeSet<String> = server
        .requests(SEARCH)
        .iter()
        .flat_map(|r| {
            let body: Value = serde_json::from_str(&r.body).unwrap();
            body["protectionUnitIds"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(
        asked,
        want.iter().map(|s| s.to_string()).collect(),
        "the 20 units with the lowest SHA-256 of their id"
    );
    let (_, r) = rpo_result(dir.path());
    assert_eq!(r["status"], "pass", "{r}");
    assert!(
        r["message"].as_str().unwrap().contains(
            "20 of 30 protection units searched, chosen by the lowest SHA-256 of their id"
        ),
        "{r}"
    );

    // --restore-point-sample 0 searches every unit.
    let server = stand_in(units.clone(), points(&units, None), 200);
    let out = collect(dir.path(), &server, &["--restore-point-sample", "0"]);
    assert_eq!(out.status.code(), Some(0));
    let (_, r) = rpo_result(dir.path());
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("all 30 protection units searched"),
        "{r}"
    );
}

#[test]
fn a_search_refused_for_permission_is_recorded_and_the_rpo_is_no_evidence() {
    let dir = repo();
    let units = acme_units();
    let server = stand_in(units.clone(), points(&units, None), 403);
    let out = collect(dir.path(), &server, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a refusal is recorded, not a failure: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rec = manifest_record(dir.path());
    assert_eq!(rec["missing"], "permission_missing", "{rec}");
    assert_eq!(rec["status"], 403);
    assert!(
        rec["reason"]
            .as_str()
            .unwrap()
            .contains("needs BackupRestore-Search.Read.All"),
        "{rec}"
    );
    assert!(
        !dir.path()
            .join(format!(
                "evidence/acme/{MONTH}/graph/restorePointSearches.json"
            ))
            .exists()
    );
    let (_, r) = rpo_result(dir.path());
    assert_eq!(r["status"], "no_evidence", "{r}");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("permission missing"),
        "{r}"
    );

    // doctor names the permission the search needs.
    let out = Command::from_std(custody_against(dir.path(), &server))
        .env("CUSTODY_ACCESS_TOKEN", TOKEN)
        .timeout(Duration::from_secs(60))
        .args(["doctor", "--client", "acme", "--format", "json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    let probe = doc["tenants"][0]["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["file"] == "graph/restorePointSearches.json")
        .cloned()
        .expect("a restore point probe");
    assert_eq!(probe["status"], "permission_missing", "{probe}");
    assert_eq!(probe["needs"], "BackupRestore-Search.Read.All");
    assert_eq!(out.status.code(), Some(1), "not ready");
}
