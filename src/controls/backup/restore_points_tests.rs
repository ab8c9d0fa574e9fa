//! `backup.exchange.rpo` measured from Microsoft 365 Backup restore points: the fixture
//! tenant's four mailboxes, without backup job records, searched as `collect` searches
//! them (24h windows from 31 Oct to the snapshot at 23 Nov 03:00).

use super::fixtures::{restore_point_answer, restore_point_searches};
use crate::controls::testing::{ALICE, BG1, BG2, BOB, Fx, MONTH};
use crate::evidence::restore_points as rp;
use crate::scorecard::Status;
use serde_json::{Value, json};

const FILE: &str = "graph/restorePointSearches.json";
const FROM: &str = "2026-10-31T00:00:00Z";
const TO: &str = "2026-11-23T03:00:00Z";
const DAY: i64 = 24 * 3600;

fn unit_ids() -> Vec<String> {
    [BG1, BG2, ALICE, BOB]
        .iter()
        .map(|id| format!("u-{id}"))
        .collect()
}

/// A restore point every 4 hours for every unit, from 30 Oct to the snapshot, except
/// where `skip` says (unit, from, to).
fn points(skip: &[(&str, &str, &str)]) -> Vec<(String, String)> {
    let start = jiff::Timestamp::from_second(
        "2026-10-30T00:00:00Z"
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_second(),
    )
    .unwrap();
    let end: jiff::Timestamp = TO.parse().unwrap();
    let mut out = Vec::new();
    for u in unit_ids() {
        let mut t = start;
        while t <= end {
            let s = rp::graph_timestamp(t);
            let skipped = skip
                .iter()
                .any(|(su, a, b)| u == format!("u-{su}") && s.as_str() >= *a && s.as_str() < *b);
            if !skipped {
                out.push((u.clone(), s));
            }
            t = jiff::Timestamp::from_second(t.as_second() + 4 * 3600).unwrap();
        }
    }
    out
}

fn searches(pts: &[(String, String)]) -> Value {
    let ids = unit_ids();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    serde_json::from_str(&restore_point_searches(
        "exchange", &ids, pts, FROM, TO, DAY,
    ))
    .unwrap()
}

/// The fixture without job records, with `file` as its restore point searches.
fn without_jobs(file: &Value) -> Fx {
    Fx::new()
        .without("backup-jobs.csv")
        .graph("restorePointSearches.json", &file.to_string())
}

fn rpo(file: &Value) -> crate::controls::Outcome {
    without_jobs(file).eval("backup.exchange.rpo")
}

fn calls(v: &mut Value) -> &mut Vec<Value> {
    v["searches"][0]["calls"].as_array_mut().unwrap()
}

#[test]
fn restore_points_within_the_rpo_pass_and_name_the_window_bound() {
    let o = rpo(&searches(&points(&[])));
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert_eq!(o.measured.as_deref(), Some("≤ 1d"));
    assert_eq!(o.threshold.as_deref(), Some("≤ 1d"));
    assert!(
        o.message.starts_with(
            "largest gap between restore points across query windows 3h (RPO 1d); gaps inside a query window are at most its length (1d); observed 2026-10-31 00:00 → 2026-11-23 03:00 from Microsoft 365 Backup restore points (no backup job records this month); all 4 protection units searched; 2026-11-23 03:00 → 2026-12-01 00:00 not yet observed"
        ),
        "{}",
        o.message
    );
    assert_eq!(o.evidence[0].file, format!("evidence/acme/{MONTH}/{FILE}"));
    assert_eq!(o.evidence[0].pointer, "/searches/0");
}

#[test]
fn a_gap_beyond_the_rpo_fails_naming_the_unit_and_the_gap() {
    let pts = points(&[(BOB, "2026-11-10T00:00:00Z", "2026-11-12T12:00:00Z")]);
    let o = rpo(&searches(&pts));
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(
        o.items,
        ["bob@acme.example: 2026-11-09 20:00 → 2026-11-12 12:00 (2d 16h)"]
    );
    assert_eq!(o.measured.as_deref(), Some("2d 16h"));
    assert!(
        o.message
            .starts_with("1 gap between restore points exceeds the RPO of 1d"),
        "{}",
        o.message
    );
}

#[test]
fn no_restore_point_before_the_month_is_a_gap_from_one_rpo_before_it() {
    // Nothing from 30 Oct to 1 Nov 06:00 for alice: at the month's start her newest
    // restore point was already older than the RPO.
    let pts = points(&[(ALICE, "2026-10-30T00:00:00Z", "2026-11-01T06:00:00Z")]);
    let o = rpo(&searches(&pts));
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(
        o.items,
        ["alice@acme.example: 2026-10-31 00:00 → 2026-11-01 08:00 (1d 8h)"]
    );
}

#[test]
fn a_unit_with_no_restore_point_at_all_fails() {
    let pts = points(&[(BG2, "2000", "2100")]);
    let o = rpo(&searches(&pts));
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(
        o.items,
        ["bg2@acme.onmicrosoft.com: 2026-10-31 00:00 → 2026-11-23 03:00 (23d 3h)"]
    );
}

#[test]
fn job_records_keep_deciding_where_they_exist() {
    // The restore points show a hole, the jobs none: the jobs decide, as before.
    let pts = points(&[(BOB, "2026-11-10T00:00:00Z", "2026-11-14T00:00:00Z")]);
    let o = Fx::new()
        .graph("restorePointSearches.json", &searches(&pts).to_string())
        .eval("backup.exchange.rpo");
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert!(
        o.message
            .starts_with("largest gap between successful backups"),
        "{}",
        o.message
    );
    // A jobs file with no exchange row this month lets the restore points decide.
    let o = Fx::new()
        .file(
            MONTH,
            "backup-jobs.csv",
            "job_id,workload,started_at,finished_at,status,items_total,items_protected,product\n",
        )
        .graph("restorePointSearches.json", &searches(&pts).to_string())
        .eval("backup.exchange.rpo");
    assert_eq!(o.status, Status::Fail, "{o:?}");
}

#[test]
fn other_providers_never_read_restore_points() {
    let o = without_jobs(&searches(&points(&[])))
        .policy(
            "backup.toml",
            &crate::controls::testing::BACKUP_TOML.replacen(
                "microsoft-365-backup",
                "Acme Cloud Backup",
                1,
            ),
        )
        .eval("backup.exchange.rpo");
    assert_eq!(o.status, Status::NoEvidence, "{o:?}");
    assert!(o.message.contains("backup-jobs.csv"), "{}", o.message);
}

// ---- no evidence: nothing partial or foreign passes ----

fn no_evidence(file: &Value, why: &str) {
    let o = rpo(file);
    assert_eq!(o.status, Status::NoEvidence, "{why}: {o:?}");
    assert!(o.message.contains(why), "{why}: {}", o.message);
}

#[test]
fn a_missing_search_file_is_no_evidence_naming_both_sources() {
    let o = Fx::new()
        .without("backup-jobs.csv")
        .eval("backup.exchange.rpo");
    assert_eq!(o.status, Status::NoEvidence, "{o:?}");
    assert!(
        o.message
            .contains("graph/restorePointSearches.json not found")
            && o.message.contains("backup-jobs.csv"),
        "{}",
        o.message
    );
}

#[test]
fn a_refused_search_is_no_evidence_with_the_manifests_reason() {
    let o = Fx::new()
        .without("backup-jobs.csv")
        .missing_as(
            FILE,
            "permission_missing",
            "Insufficient privileges (Authorization_RequestDenied; needs BackupRestore-Search.Read.All)",
        )
        .eval("backup.exchange.rpo");
    assert_eq!(o.status, Status::NoEvidence, "{o:?}");
    assert!(
        o.message
            .contains("permission missing: Insufficient privileges"),
        "{}",
        o.message
    );
}

#[test]
fn a_unit_not_answered_is_no_evidence() {
    let mut v = searches(&points(&[]));
    // A response that dropped a unit (cut at the cap?) is neither result nor "none".
    let c = &mut calls(&mut v)[7]["response"];
    c["searchResults"].as_array_mut().unwrap().remove(0);
    no_evidence(&v, "not answered");
}

#[test]
fn points_of_a_unit_not_asked_for_are_foreign_and_no_evidence() {
    let mut v = searches(&points(&[]));
    let c = &mut calls(&mut v)[3]["response"]["searchResults"][0]["restorePoint"];
    c["protectionUnit"]["id"] = json!("u-c0000000-0000-0000-0000-00000000000f");
    no_evidence(&v, "which this call did not ask for");
}

#[test]
fn a_point_outside_the_window_asked_is_no_evidence() {
    let mut v = searches(&points(&[]));
    calls(&mut v)[5]["response"]["searchResults"][0]["restorePoint"]["protectionDateTime"] =
        json!("2026-11-20T00:00:00Z");
    no_evidence(&v, "is outside the window asked for");
}

#[test]
fn an_answer_at_the_five_point_cap_without_a_preference_is_no_evidence() {
    let mut v = searches(&points(&[]));
    // Every point of one day for one unit, asked without a preference: five points come
    // back, the cap: more may exist.
    let request = json!({
        "protectionUnitIds": [format!("u-{ALICE}")],
        "protectionTimePeriod": {"startDateTime": "2026-11-05T00:00:00Z", "endDateTime": "2026-11-06T00:00:00Z"}
    });
    let response = restore_point_answer(&request, &points(&[]));
    assert_eq!(response["searchResults"].as_array().unwrap().len(), 5);
    calls(&mut v).push(json!({"request": request, "response": response}));
    no_evidence(&v, "the answer may be cut short");
}

#[test]
fn two_points_for_one_preference_is_no_evidence() {
    let mut v = searches(&points(&[]));
    let c = &mut calls(&mut v)[0]["response"]["searchResults"];
    let extra = c[0].clone();
    c.as_array_mut().unwrap().push(extra);
    no_evidence(&v, "where the oldest one was asked for");
}

#[test]
fn searches_ending_before_the_snapshot_are_no_evidence() {
    let ids = unit_ids();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let v: Value = serde_json::from_str(&restore_point_searches(
        "exchange",
        &ids,
        &points(&[]),
        FROM,
        "2026-11-20T00:00:00Z",
        DAY,
    ))
    .unwrap();
    no_evidence(&v, "before the snapshot was taken (2026-11-23 03:00)");
}

#[test]
fn searches_starting_after_the_month_starts_are_no_evidence() {
    let ids = unit_ids();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let v: Value = serde_json::from_str(&restore_point_searches(
        "exchange",
        &ids,
        &points(&[]),
        "2026-11-03T00:00:00Z",
        TO,
        DAY,
    ))
    .unwrap();
    no_evidence(&v, "a gap running into the month cannot be measured");
}

/// Red team: searches from the first instant of the month (not one RPO before it) took
/// their own start for a restore point and hid a gap that began in the month before.
#[test]
fn searches_starting_at_the_month_start_rather_than_one_rpo_before_are_no_evidence() {
    let ids = unit_ids();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    // Every unit backed up every 8 hours from Nov 1 23:00: no gap inside the month is
    // over a day, but nothing shows a backup in the day before the month.
    let mut at = Vec::new();
    for id in &ids {
        let mut t = "2026-11-01T23:00:00Z".parse::<jiff::Timestamp>().unwrap();
        let end = TO.parse::<jiff::Timestamp>().unwrap();
        while t < end {
            at.push((id.to_string(), t.to_string()));
            t = t.checked_add(jiff::SignedDuration::from_hours(8)).unwrap();
        }
    }
    let v: Value = serde_json::from_str(&restore_point_searches(
        "exchange",
        &ids,
        &at,
        "2026-11-01T00:00:00Z",
        TO,
        DAY,
    ))
    .unwrap();
    no_evidence(&v, "one RPO of 1d before the month");
}

#[test]
fn a_window_longer_than_the_rpo_is_no_evidence() {
    let ids = unit_ids();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let v: Value = serde_json::from_str(&restore_point_searches(
        "exchange",
        &ids,
        &points(&[]),
        FROM,
        TO,
        3 * DAY,
    ))
    .unwrap();
    no_evidence(&v, "the query window is longer than the RPO of 1d");
}

#[test]
fn a_window_searched_for_its_latest_point_only_is_no_evidence() {
    let mut v = searches(&points(&[]));
    calls(&mut v).retain(|c| c["request"]["restorePointPreference"] == "latest");
    no_evidence(&v, "its latest restore point only");
}

#[test]
fn a_hole_between_query_windows_is_no_evidence() {
    let mut v = searches(&points(&[]));
    let day = "2026-11-08T00:00:00Z";
    calls(&mut v).retain(|c| c["request"]["protectionTimePeriod"]["startDateTime"] != day);
    no_evidence(&v, "leave a hole at 2026-11-08 00:00 → 2026-11-09 00:00");
}

#[test]
fn a_sample_that_is_not_the_snapshots_protected_units_is_no_evidence() {
    // Bob's unit is offboarded in the snapshot: 3 protected, the file says 4.
    let units = crate::controls::testing::default_graph()["mailboxProtectionUnits.json"].replacen(
        r#""email":"bob@acme.example","status":"protected""#,
        r#""email":"bob@acme.example","status":"offboarded""#,
        1,
    );
    let o = without_jobs(&searches(&points(&[])))
        .graph("mailboxProtectionUnits.json", &units)
        .eval("backup.exchange.rpo");
    assert_eq!(o.status, Status::NoEvidence, "{o:?}");
    assert!(
        o.message
            .contains("4 protected units recorded, but graph/mailboxProtectionUnits.json lists 3"),
        "{}",
        o.message
    );
}

#[test]
fn a_sample_is_named_and_must_be_the_lowest_hashes() {
    let all = unit_ids();
    let chosen = rp::sample(all.iter().map(String::as_str), 2);
    let mut v: Value = serde_json::from_str(&restore_point_searches(
        "exchange",
        &chosen,
        &points(&[]),
        FROM,
        TO,
        DAY,
    ))
    .unwrap();
    v["searches"][0]["sampling"]["protectedUnits"] = json!(4);
    let o = rpo(&v);
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert!(
        o.message
            .contains("2 of 4 protection units searched, chosen by the lowest SHA-256 of their id"),
        "{}",
        o.message
    );
    // Two other units (hand-picked healthy ones?) are not the sample.
    let others: Vec<&str> = all
        .iter()
        .map(String::as_str)
        .filter(|u| !chosen.contains(u))
        .collect();
    let mut v: Value = serde_json::from_str(&restore_point_searches(
        "exchange",
        &others,
        &points(&[]),
        FROM,
        TO,
        DAY,
    ))
    .unwrap();
    v["searches"][0]["sampling"]["protectedUnits"] = json!(4);
    no_evidence(&v, "the searched units are not the 2 protected units");
}

#[test]
fn the_reference_example_answer_is_no_evidence() {
    // The API reference's own example: points of 2023 for a 2021 request, one naming a
    // unit that was not asked for.
    let sample = |n: &str| {
        std::fs::read_to_string(format!(
            "{}/tests/fixtures/graph-samples/{n}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    let request: Value = serde_json::from_str(&sample(
        "v1.0__solutions__backupRestore__restorePoints__search__request.json",
    ))
    .unwrap();
    let response: Value = serde_json::from_str(&sample(
        "v1.0__solutions__backupRestore__restorePoints__search__response.json",
    ))
    .unwrap();
    let mut v = searches(&points(&[]));
    calls(&mut v).push(json!({"request": request, "response": response}));
    let o = rpo(&v);
    assert_eq!(o.status, Status::NoEvidence, "{o:?}");
}

#[test]
fn a_search_for_another_workload_is_not_this_ones() {
    let mut v = searches(&points(&[]));
    v["searches"][0]["workload"] = json!("sharepoint");
    no_evidence(&v, "holds no restore point search for exchange");
}
