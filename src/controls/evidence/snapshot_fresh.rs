//! `evidence.snapshot-fresh`: the snapshot was taken within the month it is filed under.
//! `collected_at` is the manifest's word for it; the dates the tenant's own responses
//! state must agree, so another month's files sealed within this month do not pass.

use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::endpoints::Endpoint;
use crate::evidence::{MANIFEST, Missing};
use crate::model::Domain;
use jiff::{SignedDuration, Timestamp};

/// Secure Score is computed once a day: the latest one is at most this many days older
/// than an export of the tenant taken at `collected_at`.
pub const SCORE_MAX_AGE_DAYS: i64 = 7;
/// Entra ID keeps directory audit events 30 days (7 without a premium licence): an older
/// event cannot be in an export taken at `collected_at`. One day of slack for the purge.
pub const AUDIT_RETENTION_DAYS: i64 = 31;
/// Clocks and hand-stated collection times differ: a date up to this many hours after
/// `collected_at` still counts as before it.
pub const CLOCK_SLACK_HOURS: i64 = 24;

pub fn control() -> Control {
    Control::new("evidence.snapshot-fresh", Domain::Evidence, "The snapshot was collected in its month", fresh)
        .doc(
            "manifest.json `collected_at` falls within the month the snapshot is filed under, and the dates the tenant's responses state agree with it: the latest Secure Score (`secureScores.json` `createdDateTime`, computed daily) is at most 7 days older than `collected_at`; no directory audit event (`activityDateTime`) is older than Entra ID's 30-day audit retention before `collected_at` (31 days, with a day of slack); and no dated record (Secure Score, audit event, sign-in, account creation, restore session, backup run in backup-jobs.csv, restore test in restore-tests.toml or a Veeam export) is later than `collected_at` (a day of clock slack). A snapshot without a dated Secure Score is no_evidence: nothing the tenant stated confirms when it was taken.",
            "A snapshot from another month describes another tenant state; filing it under this month misreports the month. A manifest's `collected_at` is only what the collector (or sealer) wrote: the tenant's own dates show when the data is from.",
            "Collect the month's snapshot during the month (the publish workflow runs on a schedule) and file it under the right YYYY-MM; never copy another month's files into a month. A month exported by hand is sealed with `custody seal --collected-at` set to when it was exported.",
        )
}

/// Dated records named one by one; a whole users.json can be later than collected_at.
const MAX_ITEMS: usize = 30;

/// A date a response states that does not fit `collected_at`.
struct Misfit {
    file: String,
    pointer: String,
    what: String,
}

fn fresh(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let snap = ctx.snap;
    let manifest = snap.manifest.get()?;
    let file = snap.path(MANIFEST);
    let Ok(t) = manifest.collected_at.parse::<Timestamp>() else {
        return Ok(Outcome::fail(format!(
            "collected_at {:?} is not an RFC 3339 timestamp",
            manifest.collected_at
        ))
        .evidence(file, "/collected_at"));
    };
    let at = &manifest.collected_at;
    let threshold = format!(
        "collected within {}; latest Secure Score at most {SCORE_MAX_AGE_DAYS} days older; no audit event older than {AUDIT_RETENTION_DAYS} days; nothing dated after collected_at",
        ctx.month
    );
    if !ctx.month.contains(t) {
        return Ok(
            Outcome::fail(format!("collected {at} outside {}", ctx.month))
                .measured(at.clone())
                .threshold(threshold)
                .evidence(file, "/collected_at"),
        );
    }
    let late = t + SignedDuration::from_hours(CLOCK_SLACK_HOURS);
    let mut misfits = Vec::new();

    // The tenant's own clock: the latest Secure Score.
    let scores_file = snap.path(Endpoint::SecureScores.file());
    let scores = snap.secure_scores.get().map_err(|m| Missing {
        reason: format!(
            "{}: no Secure Score date confirms when the snapshot was taken",
            m.reason
        ),
        ..m
    })?;
    let Some((i, score_at)) = scores
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.created_date_time.map(|d| (i, d)))
        .max_by_key(|(_, d)| *d)
    else {
        return Err(Missing {
            file: scores_file,
            reason: "secureScores.json holds no dated score (createdDateTime): nothing the tenant stated confirms when the snapshot was taken".into(),
        });
    };
    let score_ptr = format!("/value/{i}/createdDateTime");
    if score_at < t - SignedDuration::from_hours(24 * SCORE_MAX_AGE_DAYS) {
        misfits.push(Misfit {
            file: scores_file.clone(),
            pointer: score_ptr.clone(),
            what: format!(
                "the latest Secure Score is from {score_at}, more than {SCORE_MAX_AGE_DAYS} days before collected_at {at}: the data is older than the manifest says"
            ),
        });
    }
    let mut after = |file: &str, pointer: String, d: Timestamp, what: &str| {
        if d > late {
            misfits.push(Misfit {
                file: snap.path(file),
                pointer,
                what: format!("{what} {d} is after collected_at {at}"),
            });
        }
    };
    after(
        Endpoint::SecureScores.file(),
        score_ptr,
        score_at,
        "the Secure Score of",
    );
    let mut oldest_audit: Option<(usize, Timestamp)> = None;
    if let Ok(audits) = snap.audits.get() {
        for (i, a) in audits.iter().enumerate() {
            let Some(d) = a.activity_date_time else {
                continue;
            };
            after(
                Endpoint::DirectoryAudits.file(),
                format!("/value/{i}/activityDateTime"),
                d,
                "the audit event of",
            );
            if oldest_audit.is_none_or(|(_, o)| d < o) {
                oldest_audit = Some((i, d));
            }
        }
    }
    if let Ok(users) = snap.users.get() {
        for (i, u) in users.iter().enumerate() {
            if let Some(d) = u.created_date_time {
                after(
                    Endpoint::Users.file(),
                    format!("/value/{i}/createdDateTime"),
                    d,
                    "the creation of an account at",
                );
            }
            let Some(a) = &u.sign_in_activity else {
                continue;
            };
            for (key, d) in [
                ("lastSignInDateTime", a.last_sign_in_date_time),
                (
                    "lastNonInteractiveSignInDateTime",
                    a.last_non_interactive_sign_in_date_time,
                ),
                (
                    "lastSuccessfulSignInDateTime",
                    a.last_successful_sign_in_date_time,
                ),
            ] {
                if let Some(d) = d {
                    after(
                        Endpoint::Users.file(),
                        format!("/value/{i}/signInActivity/{key}"),
                        d,
                        "a sign-in at",
                    );
                }
            }
        }
    }
    if let Ok(sessions) = snap.restore_sessions.get() {
        for (i, r) in sessions.iter().enumerate() {
            if let Some(d) = r.created_date_time {
                after(
                    Endpoint::RestoreSessions.file(),
                    format!("/value/{i}/createdDateTime"),
                    d,
                    "a restore session created at",
                );
            }
        }
    }
    // The backup records filed with the month are part of the same export (red team: jobs
    // and restore tests dated after a stated collection time were counted by job-success
    // and restore-test while the RPO stopped at collected_at).
    if let Ok(jobs) = snap.backup_jobs.get() {
        for j in jobs {
            for d in std::iter::once(j.started_at).chain(j.finished_at) {
                after(
                    crate::evidence::BACKUP_JOBS,
                    j.pointer.clone(),
                    d,
                    "a backup run at",
                );
            }
        }
    }
    let tests = snap
        .restore_tests
        .get()
        .ok()
        .map(|t| (crate::evidence::RESTORE_TESTS, t))
        .into_iter()
        .chain(
            snap.veeam_restores
                .as_ref()
                .and_then(|s| s.get().ok())
                .map(|t| (crate::evidence::veeam::RESTORE_SESSIONS, t)),
        );
    for (file, tests) in tests {
        for r in tests {
            // A test is dated by its day: it counts from that day's start (UTC).
            let Ok(d) = jiff::tz::Offset::UTC
                .to_timestamp(r.date.to_datetime(jiff::civil::Time::midnight()))
            else {
                continue;
            };
            after(file, r.pointer.clone(), d, "a restore test on");
        }
    }
    if let Some((i, d)) = oldest_audit
        && d < t - SignedDuration::from_hours(24 * AUDIT_RETENTION_DAYS)
    {
        misfits.push(Misfit {
            file: snap.path(Endpoint::DirectoryAudits.file()),
            pointer: format!("/value/{i}/activityDateTime"),
            what: format!(
                "the audit event of {d} is more than {AUDIT_RETENTION_DAYS} days before collected_at {at}, beyond Entra ID's audit retention: the data is older than the manifest says"
            ),
        });
    }
    let describe = |m: &Misfit| {
        let rel = m
            .file
            .strip_prefix(&format!("{}/", snap.dir))
            .unwrap_or(&m.file);
        // A JSON pointer follows the file name; a CSV or TOML "line N" is spaced.
        let sep = if m.pointer.starts_with('/') { "" } else { " " };
        format!("{rel}{sep}{}: {}", m.pointer, m.what)
    };
    let Some(first) = misfits.first() else {
        return Ok(Outcome::pass(format!(
            "collected {at} within {}; the tenant's dates agree (latest Secure Score {score_at})",
            ctx.month
        ))
        .measured(at.clone())
        .threshold(threshold)
        .evidence(file, "/collected_at")
        .evidence(
            snap.path(Endpoint::SecureScores.file()),
            format!("/value/{i}/createdDateTime"),
        ));
    };
    let mut o =
        Outcome::fail(format!(
            "collected_at {at} says {}, but the snapshot's own dates do not: {}",
            ctx.month,
            describe(first)
        ))
        .measured(at.clone())
        .threshold(threshold)
        .items(misfits.iter().take(MAX_ITEMS).map(describe).chain(
            (misfits.len() > MAX_ITEMS).then(|| {
                format!(
                    "and {} more dated records that do not fit",
                    misfits.len() - MAX_ITEMS
                )
            }),
        ))
        .evidence(file, "/collected_at");
    for m in misfits.iter().take(30) {
        o = o.evidence(m.file.clone(), m.pointer.clone());
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use crate::controls::testing::{FIXTURE_TENANT, Fx, MONTH};

    use crate::scorecard::Status;

    #[test]
    fn a_snapshot_collected_in_its_month_is_fresh() {
        let o = Fx::new().eval("evidence.snapshot-fresh");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(
            o.message,
            "collected 2026-11-23T03:00:00Z within 2026-11; the tenant's dates agree (latest Secure Score 2026-11-20T00:00:00Z)"
        );
        assert_eq!(o.evidence[0].pointer, "/collected_at");
        assert_eq!(o.evidence[1].pointer, "/value/0/createdDateTime");
    }

    #[test]
    fn a_snapshot_collected_the_next_month_fails() {
        let o = Fx::new()
            .collected_at(MONTH, "2026-12-01T00:00:00Z")
            .eval("evidence.snapshot-fresh");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.message, "collected 2026-12-01T00:00:00Z outside 2026-11");
    }

    #[test]
    fn a_snapshot_collected_the_month_before_fails() {
        let o = Fx::new()
            .collected_at(MONTH, "2026-10-31T23:59:59Z")
            .eval("evidence.snapshot-fresh");
        assert_eq!(o.status, Status::Fail);
    }

    #[test]
    fn the_month_is_judged_in_utc() {
        // 00:30 on 1 December in UTC+1 is 23:30 on 30 November UTC.
        let o = Fx::new()
            .graph("secureScores.json", &score("2026-11-30T00:00:00Z"))
            .collected_at(MONTH, "2026-12-01T00:30:00+01:00")
            .eval("evidence.snapshot-fresh");
        assert_eq!(o.status, Status::Pass, "{o:?}");
        let o = Fx::new()
            .collected_at(MONTH, "2026-11-30T23:30:00-01:00")
            .eval("evidence.snapshot-fresh");
        assert_eq!(o.status, Status::Fail, "00:30 on 1 December UTC");
    }

    #[test]
    fn a_collected_at_that_is_not_a_timestamp_fails() {
        let o = Fx::new()
            .collected_at(MONTH, "2026-11-23")
            .eval("evidence.snapshot-fresh");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.message,
            "collected_at \"2026-11-23\" is not an RFC 3339 timestamp"
        );
    }

    /// `secureScores.json` with one score of `created`.
    fn score(created: &str) -> String {
        format!(
            r#"{{"value":[{{"azureTenantId":"{FIXTURE_TENANT}","currentScore":60.5,"maxScore":100,"createdDateTime":"{created}"}}]}}"#
        )
    }

    fn audits(dates: &[&str]) -> String {
        let events: Vec<String> = dates
            .iter()
            .enumerate()
            .map(|(i, d)| {
                format!(
                    r#"{{"id":"a{i}","category":"RoleManagement","activityDisplayName":"Add member to role","activityDateTime":"{d}","result":"success","targetResources":[]}}"#
                )
            })
            .collect();
        format!(r#"{{"value":[{}]}}"#, events.join(","))
    }

    #[test]
    fn regression_another_months_files_sealed_within_the_month_fail() {
        // Red team `oldmonth`: August's files sealed into November with collected_at
        // 2026-11-25 passed, as only collected_at was read.
        let o = Fx::new()
            .collected_at(MONTH, "2026-11-25T10:00:00Z")
            .graph("secureScores.json", &score("2026-08-27T00:00:00Z"))
            .graph("directoryAudits.json", &audits(&["2026-08-12T13:00:00Z"]))
            .eval("evidence.snapshot-fresh");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(
            o.items,
            [
                "graph/secureScores.json/value/0/createdDateTime: the latest Secure Score is from 2026-08-27T00:00:00Z, more than 7 days before collected_at 2026-11-25T10:00:00Z: the data is older than the manifest says",
                "graph/directoryAudits.json/value/0/activityDateTime: the audit event of 2026-08-12T13:00:00Z is more than 31 days before collected_at 2026-11-25T10:00:00Z, beyond Entra ID's audit retention: the data is older than the manifest says"
            ]
        );
        assert!(
            o.message.starts_with("collected_at 2026-11-25T10:00:00Z says 2026-11, but the snapshot's own dates do not: graph/secureScores.json/value/0/createdDateTime"),
            "{}",
            o.message
        );
        assert!(o.evidence.iter().any(|e| e.file
            == "evidence/acme/2026-11/graph/directoryAudits.json"
            && e.pointer == "/value/0/activityDateTime"));
    }

    #[test]
    fn the_secure_score_may_be_up_to_seven_days_older_than_the_collection() {
        for (created, ok) in [
            ("2026-11-16T03:00:00Z", true),
            ("2026-11-16T02:59:59Z", false),
            ("2026-11-24T03:00:00Z", true),
            ("2026-11-24T03:00:01Z", false),
        ] {
            let o = Fx::new()
                .graph("secureScores.json", &score(created))
                .eval("evidence.snapshot-fresh");
            assert_eq!(o.status == Status::Pass, ok, "{created}: {o:?}");
        }
    }

    #[test]
    fn audit_events_of_the_month_before_within_retention_are_fine() {
        // The audit log is not filtered by date: a quiet tenant's newest event can be
        // from last month. Only what Entra could not have kept is a misfit.
        let fx = Fx::new().graph(
            "directoryAudits.json",
            &audits(&["2026-10-23T03:00:00Z", "2026-11-02T08:00:00Z"]),
        );
        assert_eq!(fx.eval("evidence.snapshot-fresh").status, Status::Pass);
        let o = Fx::new()
            .graph(
                "directoryAudits.json",
                &audits(&["2026-11-02T08:00:00Z", "2026-10-23T02:59:00Z"]),
            )
            .eval("evidence.snapshot-fresh");
        assert_eq!(o.status, Status::Fail);
        assert!(
            o.items[0].starts_with("graph/directoryAudits.json/value/1/activityDateTime"),
            "{:?}",
            o.items
        );
    }

    #[test]
    fn a_record_dated_after_the_collection_fails() {
        // Next month's files sealed into this month: they show days after collected_at.
        let o = Fx::new()
            .graph(
                "directoryAudits.json",
                &audits(&["2026-11-20T08:00:00Z", "2026-11-26T08:00:00Z"]),
            )
            .eval("evidence.snapshot-fresh");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(
            o.items,
            [
                "graph/directoryAudits.json/value/1/activityDateTime: the audit event of 2026-11-26T08:00:00Z is after collected_at 2026-11-23T03:00:00Z"
            ]
        );
        // Within a day of clock slack it is not.
        let o = Fx::new()
            .graph("directoryAudits.json", &audits(&["2026-11-24T02:00:00Z"]))
            .eval("evidence.snapshot-fresh");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    /// Red team: with `seal --collected-at` (or a CSV exported later than the Graph
    /// files), backup runs and restore tests dated after collected_at were counted by
    /// job-success and restore-test while the RPO stopped at collected_at.
    #[test]
    fn backup_runs_and_restore_tests_after_the_collection_fail() {
        let o = Fx::new()
            .file(
                MONTH,
                "restore-tests.toml",
                &crate::controls::testing::RESTORE_OK.replace("2026-11-10", "2026-11-25"),
            )
            .eval("evidence.snapshot-fresh");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert!(
            o.items.iter().any(|i| i.starts_with("restore-tests.toml ")
                && i.contains("a restore test on 2026-11-25T00:00:00Z is after collected_at")),
            "{:?}",
            o.items
        );
        let jobs = format!(
            "{}exch-late,exchange,2026-11-27T01:00:00Z,2026-11-27T01:40:00Z,success,4,4,Microsoft 365 Backup\n",
            crate::controls::testing::daily_jobs(MONTH, 23)
        );
        let o = Fx::new()
            .file(MONTH, "backup-jobs.csv", &jobs)
            .eval("evidence.snapshot-fresh");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert!(
            o.items
                .iter()
                .any(|i| i.starts_with("backup-jobs.csv line ")
                    && i.contains("a backup run at 2026-11-27T01:00:00Z is after collected_at")),
            "{:?}",
            o.items
        );
    }

    #[test]
    fn a_sign_in_after_the_collection_fails() {
        let users = crate::controls::testing::default_graph()["users.json"].clone();
        let v: serde_json::Value = serde_json::from_str(&users).unwrap();
        let mut v = v;
        v["value"][1]["signInActivity"]["lastSignInDateTime"] = "2026-12-10T09:00:00Z".into();
        let o = Fx::new()
            .graph("users.json", &v.to_string())
            .eval("evidence.snapshot-fresh");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(
            o.items,
            [
                "graph/users.json/value/1/signInActivity/lastSignInDateTime: a sign-in at 2026-12-10T09:00:00Z is after collected_at 2026-11-23T03:00:00Z"
            ]
        );
    }

    #[test]
    fn without_a_dated_secure_score_freshness_is_no_evidence() {
        let o = Fx::new()
            .missing_as(
                "graph/secureScores.json",
                "permission_missing",
                "SecurityEvents.Read.All not granted",
            )
            .eval("evidence.snapshot-fresh");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert!(
            o.message
                .ends_with("no Secure Score date confirms when the snapshot was taken"),
            "{}",
            o.message
        );
        for json in [
            r#"{"value":[]}"#,
            r#"{"value":[{"currentScore":1,"createdDateTime":"yesterday"}]}"#,
        ] {
            let o = Fx::new()
                .graph("secureScores.json", json)
                .eval("evidence.snapshot-fresh");
            assert_eq!(o.status, Status::NoEvidence, "{json}: {o:?}");
            assert!(
                o.message
                    .starts_with("secureScores.json holds no dated score"),
                "{}",
                o.message
            );
        }
    }

    #[test]
    fn collected_at_outside_the_month_fails_whatever_the_other_dates() {
        let o = Fx::new()
            .collected_at(MONTH, "2026-12-05T13:00:00Z")
            .missing_as("graph/secureScores.json", "permission_missing", "x")
            .eval("evidence.snapshot-fresh");
        assert_eq!(o.status, Status::Fail);
    }

    #[test]
    fn freshness_without_a_manifest_is_no_evidence() {
        let o = Fx::new()
            .file(MONTH, "manifest.json", "not json")
            .eval("evidence.snapshot-fresh");
        assert_eq!(o.status, Status::NoEvidence);
        assert!(o.message.starts_with("unreadable"), "{}", o.message);
    }
}
