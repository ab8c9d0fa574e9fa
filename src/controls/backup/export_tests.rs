//! Backup controls on a product's own CSV export mapped in backup.toml `[csv]`: the same
//! runs give the same verdicts as backup-jobs.csv; a bad row is no evidence (and an
//! input error, tested through the CLI in tests/it/backup_exports.rs).

use super::fixtures::{MAPPING, as_export};
use crate::controls::testing::{BACKUP_TOML, Fx, MONTH, PREV, daily_jobs};
use crate::scorecard::Status;

fn vendor_toml() -> String {
    BACKUP_TOML.replacen(
        "provider = \"microsoft-365-backup\"\n",
        "provider = \"SaaS Backup Co\"\n",
        1,
    )
}

fn jobs_with(days: &[(u32, &str)], drop: &[u32]) -> String {
    let mut s = daily_jobs(MONTH, 23);
    for (d, status) in days {
        s = s.replace(
            &format!("{MONTH}-{d:02}T01:30:00Z,success,"),
            &format!("{MONTH}-{d:02}T01:30:00Z,{status},"),
        );
    }
    s.lines()
        .filter(|l| {
            !drop
                .iter()
                .any(|d| l.starts_with(&format!("j{MONTH}-{d:02},")))
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Issue 18 item 3: the same runs, as the product writes them and as backup-jobs.csv,
/// give the same verdicts, measured values, thresholds and findings.
#[test]
fn a_mapped_export_and_backup_jobs_csv_give_the_same_verdicts() {
    let now = jobs_with(&[(4, "failed"), (8, "warning")], &[15, 16, 17]);
    let prev = daily_jobs(PREV, 31);
    let neutral = Fx::new()
        .with_prev()
        .policy("backup.toml", &vendor_toml())
        .file(MONTH, "backup-jobs.csv", &now)
        .file(PREV, "backup-jobs.csv", &prev);
    let mapped = Fx::new()
        .with_prev()
        .policy("backup.toml", &format!("{}{MAPPING}", vendor_toml()))
        .without("backup-jobs.csv")
        .file(MONTH, "backup/saas-export.csv", &as_export(&now))
        .file(PREV, "backup/saas-export.csv", &as_export(&prev));
    for id in [
        "backup.exchange.job-success",
        "backup.exchange.rpo",
        "backup.exchange.protection-coverage",
    ] {
        let (a, b) = (neutral.eval(id), mapped.eval(id));
        assert_eq!(a.status, b.status, "{id}: {a:#?}\n{b:#?}");
        assert_eq!(a.measured, b.measured, "{id}");
        assert_eq!(a.threshold, b.threshold, "{id}");
        assert_eq!(a.items, b.items, "{id}");
        assert_eq!(a.message, b.message, "{id}");
    }
    let o = mapped.eval("backup.exchange.rpo");
    assert_eq!(o.status, Status::Fail);
    assert_eq!(
        o.items,
        [
            "2026-11-03 01:30 → 2026-11-05 01:30 (2d)",
            "2026-11-14 01:30 → 2026-11-18 01:30 (4d)"
        ]
    );
    assert_eq!(
        o.evidence[0].file,
        "evidence/acme/2026-11/backup/saas-export.csv"
    );
    let o = mapped.eval("backup.exchange.job-success");
    assert_eq!(o.status, Status::Fail, "{o:#?}");
    assert_eq!(
        o.evidence[0].pointer, "line 5",
        "the failed run's line in the export"
    );
    assert_eq!(
        mapped.eval("evidence.snapshot-complete").status,
        Status::Pass
    );
}

#[test]
fn a_mapped_export_with_an_unknown_status_or_missing_is_no_evidence() {
    let bad = as_export(&daily_jobs(MONTH, 23)).replacen(",Completed,", ",Aborted,", 1);
    let fx = Fx::new()
        .policy("backup.toml", &format!("{}{MAPPING}", vendor_toml()))
        .without("backup-jobs.csv")
        .file(MONTH, "backup/saas-export.csv", &bad);
    let o = fx.eval("backup.exchange.job-success");
    assert_eq!(o.status, Status::NoEvidence);
    assert!(o.message.contains("cannot read"), "{}", o.message);
    let o = fx
        .without("backup/saas-export.csv")
        .eval("backup.exchange.rpo");
    assert_eq!(o.status, Status::NoEvidence);
    assert!(
        o.message.contains("backup/saas-export.csv not found"),
        "{}",
        o.message
    );
}
