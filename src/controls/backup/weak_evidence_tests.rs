//! Red-team findings: backup verdicts that passed on weak evidence. Nothing in scope
//! proves nothing (a total of 0 is no_evidence, whatever the source), and a restore test
//! without a measured duration cannot show the RTO.

use super::fixtures::{MAPPING, as_export};
use crate::controls::testing::{Fx, MONTH, RESTORE_OK, backup_toml, daily_jobs};
use crate::scorecard::Status;

fn vendor_toml() -> String {
    backup_toml(
        "provider = \"microsoft-365-backup\"",
        "provider = \"Acme Cloud Backup\"",
    )
}

/// The fixture's daily jobs with the latest one's counts replaced by `total,protected`.
fn latest_counts(counts: &str) -> String {
    daily_jobs(MONTH, 23).replace(
        &format!("{MONTH}-23T01:30:00Z,success,4,4,"),
        &format!("{MONTH}-23T01:30:00Z,success,{counts},"),
    )
}

// ---- protection-coverage: an empty whole ----

/// Regression (red team `exp/emptyunits`): an empty siteProtectionUnits.json with
/// `scope = "all"` passed "0 of 0 in-scope items protected".
#[test]
fn an_empty_protection_unit_list_is_no_evidence_not_0_of_0() {
    let empty =
        r#"{"@odata.context":"/solutions/backupRestore/$metadata#protectionUnits","value":[]}"#;
    let o = Fx::new()
        .policy(
            "backup.toml",
            &backup_toml("scope = \"all\"", "scope = \"selected\""),
        )
        .graph("mailboxProtectionUnits.json", empty)
        .eval("backup.exchange.protection-coverage");
    assert_eq!(o.status, Status::NoEvidence, "{o:?}");
    assert_eq!(
        o.message,
        "no in-scope items recorded: graph/mailboxProtectionUnits.json lists no protection unit"
    );
    assert_eq!(o.value, None, "no percentage for the trend");
    assert!(
        o.evidence
            .iter()
            .any(|e| e.file.ends_with("graph/mailboxProtectionUnits.json")),
        "{:?}",
        o.evidence
    );
    // One protected unit is positive evidence again.
    let o = Fx::new()
        .policy(
            "backup.toml",
            &backup_toml("scope = \"all\"", "scope = \"selected\""),
        )
        .eval("backup.exchange.protection-coverage");
    assert_eq!(o.status, Status::Pass, "{o:?}");
}

/// `scope = "all"` for people: a users.json without one enabled, licensed member is
/// nothing in scope, never every member protected.
#[test]
fn scope_all_without_any_in_scope_user_is_no_evidence() {
    let o = Fx::new()
        .graph("users.json", r#"{"value":[]}"#)
        .eval("backup.exchange.protection-coverage");
    assert_eq!(o.status, Status::NoEvidence, "{o:?}");
    assert_eq!(
        o.message,
        "no in-scope items recorded: graph/users.json lists no enabled, licensed member, and scope \"all\" needs them"
    );
}

/// Regression (red team `exp/rt`): Teams rows of backup-jobs.csv with `items_total` and
/// `items_protected` 0 passed "0 of 0 in-scope items protected".
#[test]
fn a_latest_job_recording_0_items_is_no_evidence_in_csv_and_mapped_exports() {
    let zero = latest_counts("0,0");
    let o = Fx::new()
        .policy("backup.toml", &vendor_toml())
        .file(MONTH, "backup-jobs.csv", &zero)
        .eval("backup.exchange.protection-coverage");
    assert_eq!(o.status, Status::NoEvidence, "{o:?}");
    assert_eq!(
        o.message,
        "no in-scope items recorded: the latest exchange job with item counts, j2026-11-23 (2026-11-23) in backup-jobs.csv, records 0 items in scope"
    );
    assert_eq!(o.evidence[0].pointer, "line 24");
    // The same rows as a product's export mapped in [csv].
    let o = Fx::new()
        .policy("backup.toml", &format!("{}{MAPPING}", vendor_toml()))
        .without("backup-jobs.csv")
        .file(MONTH, "backup/saas-export.csv", &as_export(&zero))
        .eval("backup.exchange.protection-coverage");
    assert_eq!(o.status, Status::NoEvidence, "{o:?}");
    assert!(
        o.message.starts_with("no in-scope items recorded:")
            && o.message.contains("saas-export.csv"),
        "{}",
        o.message
    );
    // Items in scope and all protected: a pass on positive evidence.
    let o = Fx::new()
        .policy("backup.toml", &vendor_toml())
        .file(MONTH, "backup-jobs.csv", &latest_counts("5,5"))
        .eval("backup.exchange.protection-coverage");
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert_eq!(o.message, "5 of 5 in-scope items protected");
}

/// A job that records the items in scope but not how many are protected (or the
/// reverse) measures nothing: never read as 0 protected (a fail) nor as all.
#[test]
fn a_job_missing_one_item_count_is_no_evidence() {
    for (counts, has, lacks) in [
        ("5,", "items_total", "items_protected"),
        (",5", "items_protected", "items_total"),
    ] {
        let o = Fx::new()
            .policy("backup.toml", &vendor_toml())
            .file(MONTH, "backup-jobs.csv", &latest_counts(counts))
            .eval("backup.exchange.protection-coverage");
        assert_eq!(o.status, Status::NoEvidence, "{counts}: {o:?}");
        assert_eq!(
            o.message,
            format!(
                "job j2026-11-23 (2026-11-23) in backup-jobs.csv records {has} but not {lacks}: the share protected cannot be measured"
            )
        );
    }
}

// ---- restore-test: the RTO needs a measured duration ----

fn without_duration(test: &str) -> String {
    let out: String = test
        .lines()
        .filter(|l| !l.starts_with("duration"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(out, test, "the test had a duration");
    out
}

/// Regression (red team `exp/rtd`): the Teams test's `duration` removed, the control
/// passed the "took no longer than the RTO" part.
#[test]
fn a_passed_restore_test_without_a_duration_does_not_show_the_rto() {
    let o = Fx::new()
        .file(MONTH, "restore-tests.toml", &without_duration(RESTORE_OK))
        .eval("backup.exchange.restore-test");
    assert_eq!(o.status, Status::NoEvidence, "{o:?}");
    assert_eq!(
        o.message,
        "last restore test 2026-11-10 passed, but its duration is not recorded, so the RTO of 8h is not shown"
    );
    assert_eq!(o.threshold.as_deref(), Some("within 90d, passed, ≤ 8h"));
    // Without a declared RTO there is nothing to show: cadence and result decide.
    let o = Fx::new()
        .policy("backup.toml", &backup_toml("rto = \"8h\"\n", ""))
        .file(MONTH, "restore-tests.toml", &without_duration(RESTORE_OK))
        .eval("backup.exchange.restore-test");
    assert_eq!(o.status, Status::Pass, "{o:?}");
}

/// A shown failure stays a failure when the duration is missing too.
#[test]
fn a_failed_or_late_test_without_a_duration_still_fails() {
    let failed = without_duration(&RESTORE_OK.replace("\"passed\"", "\"failed\""));
    let o = Fx::new()
        .file(MONTH, "restore-tests.toml", &failed)
        .eval("backup.exchange.restore-test");
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(o.message, "last test 2026-11-10 failed");
    let old = without_duration(&RESTORE_OK.replace("2026-11-10", "2026-07-01"));
    let o = Fx::new()
        .file(MONTH, "restore-tests.toml", &old)
        .eval("backup.exchange.restore-test");
    assert_eq!(o.status, Status::Fail, "{o:?}");
}

/// Records of one day are one test: a quick figure written by hand does not hide the
/// slow restore a product timed the same day, and a hand record without a duration is
/// shown by the product's measured one.
#[test]
fn of_one_day_the_longest_measured_duration_decides_the_rto() {
    let session = |minutes: &str| {
        format!(
            r##"{{"value":[{{"@odata.type":"#microsoft.graph.exchangeRestoreSession","id":"s1","status":"completed","createdDateTime":"2026-11-10T09:00:00Z","completedDateTime":"2026-11-10T{minutes}Z"}}]}}"##
        )
    };
    let o = Fx::new()
        .graph("restoreSessions.json", &session("18:00:00"))
        .eval("backup.exchange.restore-test");
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(o.message, "restore took 9h, longer than the RTO of 8h");
    let o = Fx::new()
        .file(MONTH, "restore-tests.toml", &without_duration(RESTORE_OK))
        .graph("restoreSessions.json", &session("09:30:00"))
        .eval("backup.exchange.restore-test");
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert_eq!(o.message, "last restore test 2026-11-10 passed in 30m");
}

/// Microsoft 365 Backup restore sessions: a finished one without `completedDateTime`
/// was dropped, so an older passed test decided; it now counts, without a duration.
#[test]
fn a_finished_microsoft_365_backup_session_without_completion_time_counts_without_a_duration() {
    let session = |status: &str| {
        format!(
            r##"{{"value":[{{"@odata.type":"#microsoft.graph.exchangeRestoreSession","id":"s2","status":"{status}","createdDateTime":"2026-11-20T09:00:00Z","completedDateTime":null}}]}}"##
        )
    };
    let o = Fx::new()
        .graph("restoreSessions.json", &session("completed"))
        .eval("backup.exchange.restore-test");
    assert_eq!(o.status, Status::NoEvidence, "{o:?}");
    assert_eq!(
        o.message,
        "last restore test 2026-11-20 passed, but its duration is not recorded, so the RTO of 8h is not shown"
    );
    let o = Fx::new()
        .graph("restoreSessions.json", &session("failed"))
        .eval("backup.exchange.restore-test");
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(o.message, "last test 2026-11-20 failed");
}
