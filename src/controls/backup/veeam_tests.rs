//! Backup controls on Veeam Backup for Microsoft 365 exports: the same runs give the
//! same verdicts as backup-jobs.csv, and a broken or partial export is never a pass.

use super::fixtures::{Run, csv_of, jobs_json, restore_session, restores_json, sessions_json};
use crate::controls::testing::{BACKUP_TOML, Fx, MONTH, PREV};
use crate::scorecard::Status;

const JOBS: &str = "backup/veeam/Jobs.json";
const SESSIONS: &str = "backup/veeam/JobSessions.json";
const RESTORES: &str = "backup/veeam/RestoreSessions.json";

fn veeam_toml(jobs: &str) -> String {
    BACKUP_TOML.replacen(
        "provider = \"microsoft-365-backup\"\n",
        &format!("provider = \"Veeam Backup for Microsoft 365\"\nveeam_jobs = {jobs}\n"),
        1,
    )
}

fn csv_toml() -> String {
    BACKUP_TOML.replacen(
        "provider = \"microsoft-365-backup\"\n",
        "provider = \"Veeam Backup for Microsoft 365\"\n",
        1,
    )
}

fn run(job: &'static str, day: &str, hour: u32, mins: Option<u32>, status: &'static str) -> Run {
    Run {
        job,
        start: format!("{day}T{hour:02}:00:00.1234567Z"),
        end: mins.map(|m| format!("{day}T{hour:02}:{m:02}:00.7654321Z")),
        status,
        processed: 1193,
    }
}

/// October nightly, then a November with failures, a stop, a warning, a three-day hole,
/// a second job at midday and a session still running at the snapshot.
fn runs() -> (Vec<Run>, Vec<Run>) {
    let prev: Vec<Run> = (1..=31)
        .map(|d| {
            run(
                "EXO Nightly",
                &format!("{PREV}-{d:02}"),
                22,
                Some(40),
                "Success",
            )
        })
        .collect();
    let mut now = Vec::new();
    for d in (1..=21).filter(|d| !(12..=14).contains(d)) {
        let status = match d {
            5 => "Failed",
            6 => "Stopped",
            9 => "Warning",
            _ => "Success",
        };
        now.push(run(
            "EXO Nightly",
            &format!("{MONTH}-{d:02}"),
            22,
            Some(40),
            status,
        ));
    }
    now.push(run(
        "EXO Midday",
        &format!("{MONTH}-02"),
        12,
        Some(10),
        "Success",
    ));
    now.push(run(
        "EXO Midday",
        &format!("{MONTH}-03"),
        12,
        Some(10),
        "Success",
    ));
    now.push(run(
        "EXO Nightly",
        &format!("{MONTH}-22"),
        22,
        None,
        "Running",
    ));
    (prev, now)
}

fn veeam_fx() -> Fx {
    let (prev, now) = runs();
    let names = ["EXO Nightly", "EXO Midday", "SharePoint Sites"];
    Fx::new()
        .with_prev()
        .policy(
            "backup.toml",
            &veeam_toml(r#"["EXO Nightly", "EXO Midday"]"#),
        )
        .without("backup-jobs.csv")
        .without("restore-tests.toml")
        .file(MONTH, JOBS, &jobs_json(&names))
        .file(MONTH, SESSIONS, &sessions_json(&now))
        .file(
            MONTH,
            RESTORES,
            &restores_json(&[
                restore_session(
                    1,
                    "Vex",
                    "2026-11-10T09:00:00.5Z",
                    Some("2026-11-10T09:39:30Z"),
                    "Stopped",
                    Some("Success"),
                ),
                restore_session(
                    2,
                    "Vesp",
                    "2026-11-11T09:00:00Z",
                    Some("2026-11-11T09:05:00Z"),
                    "Stopped",
                    Some("Failed"),
                ),
                // Still open at the snapshot: not a test yet.
                restore_session(3, "Vex", "2026-11-20T09:00:00Z", None, "Working", None),
            ]),
        )
        .file(PREV, JOBS, &jobs_json(&names))
        .file(PREV, SESSIONS, &sessions_json(&prev))
}

fn csv_fx() -> Fx {
    let (prev, now) = runs();
    Fx::new()
        .with_prev()
        .policy("backup.toml", &csv_toml())
        .file(MONTH, "backup-jobs.csv", &csv_of(&now, "exchange"))
        .file(PREV, "backup-jobs.csv", &csv_of(&prev, "Exchange"))
        .file(
            MONTH,
            "restore-tests.toml",
            "[[test]]\ndate = 2026-11-10\nworkload = \"exchange\"\nitem = \"x\"\nresult = \"passed\"\nduration = \"40m\"\n",
        )
}

/// Issue 18: the same jobs as a Veeam export and as backup-jobs.csv give the same
/// verdicts, measured values, thresholds and findings.
#[test]
fn a_veeam_export_and_the_same_jobs_as_csv_give_the_same_verdicts() {
    let (veeam, csv) = (veeam_fx(), csv_fx());
    for id in [
        "backup.exchange.job-success",
        "backup.exchange.rpo",
        "backup.exchange.protection-coverage",
        "backup.exchange.restore-test",
        "backup.exchange.policy-complete",
    ] {
        let (v, c) = (veeam.eval(id), csv.eval(id));
        assert_eq!(v.status, c.status, "{id}: {v:#?}\n{c:#?}");
        assert_eq!(v.measured, c.measured, "{id}");
        assert_eq!(v.value, c.value, "{id}");
        assert_eq!(v.threshold, c.threshold, "{id}");
        if id != "backup.exchange.restore-test" {
            // The restore test's item is the session's name in one, free text in the other.
            assert_eq!(v.items, c.items, "{id}");
        }
        if !id.ends_with("protection-coverage") {
            assert_eq!(v.message, c.message, "{id}");
        }
    }
    // And the verdicts are the ones the runs call for (not merely equal).
    let o = veeam.eval("backup.exchange.job-success");
    assert_eq!(o.status, Status::Fail);
    assert_eq!(o.message, "3 of 20 jobs did not succeed");
    assert_eq!(
        o.items,
        [
            "2026-11-05 22:00 EXO Nightly failed",
            "2026-11-06 22:00 EXO Nightly failed",
            "2026-11-09 22:00 EXO Nightly warning"
        ]
    );
    assert_eq!(
        o.evidence[0].file,
        "evidence/acme/2026-11/backup/veeam/JobSessions.json"
    );
    assert_eq!(o.evidence[0].pointer, "/results/4");
    let o = veeam.eval("backup.exchange.rpo");
    assert_eq!(o.status, Status::Fail);
    assert_eq!(o.measured.as_deref(), Some("4d"));
    assert_eq!(
        o.items,
        [
            "2026-11-04 22:40 → 2026-11-07 22:40 (3d)",
            "2026-11-11 22:40 → 2026-11-15 22:40 (4d)",
            // The session still running at the snapshot protects nothing yet.
            "2026-11-21 22:40 → 2026-11-23 03:00 (1d 4h)"
        ]
    );
    assert!(
        o.evidence
            .iter()
            .any(|e| e.file == "evidence/acme/2026-10/backup/veeam/JobSessions.json"),
        "last month's sessions open the window: {:?}",
        o.evidence
    );
    let o = veeam.eval("backup.exchange.restore-test");
    assert_eq!(o.status, Status::Pass, "{o:#?}");
    assert_eq!(o.message, "last restore test 2026-11-10 passed in 40m");
    assert_eq!(
        o.evidence[0].file,
        "evidence/acme/2026-11/backup/veeam/RestoreSessions.json"
    );
    assert_eq!(o.evidence[0].pointer, "/results/0");
    // Processed objects are not the items in scope: coverage cannot be measured.
    assert_eq!(
        veeam.eval("backup.exchange.protection-coverage").status,
        Status::NoEvidence
    );
}

#[test]
fn a_job_named_in_the_policy_but_not_exported_is_no_evidence() {
    let o = veeam_fx()
        .policy(
            "backup.toml",
            &veeam_toml(r#"["EXO Nightly", "EXO Weekend"]"#),
        )
        .eval("backup.exchange.job-success");
    assert_eq!(o.status, Status::NoEvidence);
    assert!(o.message.contains("\"EXO Weekend\""), "{}", o.message);
    assert_eq!(
        o.evidence[0].file,
        "evidence/acme/2026-11/backup/veeam/Jobs.json"
    );
}

#[test]
fn a_session_page_that_links_to_a_next_page_is_never_a_pass() {
    let (_, now) = runs();
    let page = sessions_json(&now).replacen(
        "\"_links\": {\n    \"self\"",
        "\"_links\": {\n    \"next\": {\"href\": \"/v8/JobSessions?offset=30&limit=30\"},\n    \"self\"",
        1,
    );
    assert!(page.contains("\"next\""), "{page}");
    let fx = veeam_fx().file(MONTH, SESSIONS, &page);
    for id in ["backup.exchange.job-success", "backup.exchange.rpo"] {
        let o = fx.eval(id);
        assert_eq!(o.status, Status::NoEvidence, "{id}");
        assert!(o.message.contains("first page only"), "{}", o.message);
    }
    assert_eq!(fx.eval("evidence.snapshot-complete").status, Status::Fail);
}

#[test]
fn missing_veeam_files_are_no_evidence_and_incomplete() {
    let fx = veeam_fx().without(SESSIONS);
    let o = fx.eval("backup.exchange.job-success");
    assert_eq!(o.status, Status::NoEvidence);
    assert!(
        o.message.contains("JobSessions.json not found"),
        "{}",
        o.message
    );
    let o = fx.eval("evidence.snapshot-complete");
    assert_ne!(o.status, Status::Pass, "{o:#?}");
    let o = veeam_fx()
        .without(RESTORES)
        .eval("backup.exchange.restore-test");
    assert_eq!(o.status, Status::NoEvidence, "{o:#?}");
}

#[test]
fn restore_sessions_count_in_later_months_and_a_failed_one_fails() {
    let failed = restores_json(&[restore_session(
        7,
        "vex",
        "2026-11-12T09:00:00Z",
        Some("2026-11-12T09:20:00Z"),
        "Stopped",
        Some("Failed"),
    )]);
    let o = veeam_fx()
        .file(MONTH, RESTORES, &failed)
        .eval("backup.exchange.restore-test");
    assert_eq!(o.status, Status::Fail);
    assert_eq!(o.message, "last test 2026-11-12 failed");
    // A passed Veeam restore in October still counts in November.
    let october = restores_json(&[restore_session(
        8,
        "Vex",
        "2026-10-15T09:00:00Z",
        Some("2026-10-15T10:00:00Z"),
        "Stopped",
        Some("Success"),
    )]);
    let o = veeam_fx()
        .file(MONTH, RESTORES, &restores_json(&[]))
        .file(PREV, RESTORES, &october)
        .eval("backup.exchange.restore-test");
    assert_eq!(o.status, Status::Pass, "{o:#?}");
    assert_eq!(
        o.evidence[0].file,
        "evidence/acme/2026-10/backup/veeam/RestoreSessions.json"
    );
    assert_eq!(o.measured.as_deref(), Some("46 days ago, passed"));
}

/// Issue 18 item 2: Microsoft 365 Backup's own restore sessions are restore tests next to
/// hand-recorded ones; of one day the worst result decides.
#[test]
fn microsoft_365_backup_restore_sessions_count_and_the_worst_of_a_day_decides() {
    let sessions = |status: &str, day: u32| {
        format!(
            r##"{{"@odata.context":"/solutions/backupRestore/$metadata#restoreSessions","value":[{{"@odata.type":"#microsoft.graph.exchangeRestoreSession","id":"s1","status":"{status}","createdDateTime":"2026-11-{day:02}T09:00:00Z","completedDateTime":"2026-11-{day:02}T09:30:00Z","error":null}}]}}"##
        )
    };
    // A failed session after the hand-recorded pass (RESTORE_OK, 10 Nov) fails.
    let o = Fx::new()
        .graph("restoreSessions.json", &sessions("failed", 12))
        .eval("backup.exchange.restore-test");
    assert_eq!(o.status, Status::Fail, "{o:#?}");
    assert_eq!(
        o.evidence[0].file,
        "evidence/acme/2026-11/graph/restoreSessions.json"
    );
    assert_eq!(o.evidence[0].pointer, "/value/0");
    // The same day as the pass: the failure still decides.
    let o = Fx::new()
        .graph("restoreSessions.json", &sessions("failed", 10))
        .eval("backup.exchange.restore-test");
    assert_eq!(o.status, Status::Fail, "{o:#?}");
    // A completed session the same day: the hand-written record (with its ticket) shows.
    let o = Fx::new()
        .graph("restoreSessions.json", &sessions("completed", 10))
        .eval("backup.exchange.restore-test");
    assert_eq!(o.status, Status::Pass, "{o:#?}");
    assert_eq!(
        o.evidence[0].file,
        "evidence/acme/2026-11/restore-tests.toml"
    );
    // Without any hand-recorded test, a completed session alone passes.
    let o = Fx::new()
        .file(MONTH, "restore-tests.toml", "# none\n")
        .graph("restoreSessions.json", &sessions("completed", 10))
        .eval("backup.exchange.restore-test");
    assert_eq!(o.status, Status::Pass, "{o:#?}");
    assert_eq!(o.message, "last restore test 2026-11-10 passed in 30m");
    // A first page of sessions could lack the latest failure: no evidence.
    let first = sessions("completed", 10).replacen(
        "{",
        r#"{"@odata.nextLink":"https://graph.microsoft.com/v1.0/solutions/backupRestore/restoreSessions?$skiptoken=x","#,
        1,
    );
    let o = Fx::new()
        .graph("restoreSessions.json", &first)
        .eval("backup.exchange.restore-test");
    assert_eq!(o.status, Status::NoEvidence, "{o:#?}");
}

/// Red team (restore tests without a duration): a finished Veeam restore session without
/// an `endTime` was dropped, so an older passed test decided. It counts now, without a
/// duration: passed, it cannot show the RTO; failed, it fails.
#[test]
fn a_finished_restore_session_without_an_end_time_counts_without_a_duration() {
    let ended_without_end = |result: &str| {
        restores_json(&[
            restore_session(
                1,
                "Vex",
                "2026-11-10T09:00:00Z",
                Some("2026-11-10T09:40:00Z"),
                "Stopped",
                Some("Success"),
            ),
            restore_session(
                9,
                "Vex",
                "2026-11-20T09:00:00Z",
                None,
                "Stopped",
                Some(result),
            ),
        ])
    };
    let o = veeam_fx()
        .file(MONTH, RESTORES, &ended_without_end("Success"))
        .eval("backup.exchange.restore-test");
    assert_eq!(o.status, Status::NoEvidence, "{o:#?}");
    assert_eq!(
        o.message,
        "last restore test 2026-11-20 passed, but its duration is not recorded, so the RTO of 8h is not shown"
    );
    let o = veeam_fx()
        .file(MONTH, RESTORES, &ended_without_end("Failed"))
        .eval("backup.exchange.restore-test");
    assert_eq!(o.status, Status::Fail, "{o:#?}");
    assert_eq!(o.message, "last test 2026-11-20 failed");
}
