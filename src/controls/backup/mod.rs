//! Backup, per in-scope workload: the declared policy is complete, protection covers
//! the scope, jobs succeed, no gap exceeds the RPO, and restores are tested in time.

#[cfg(test)]
mod export_tests;
pub mod fixtures;
mod restore_points;
#[cfg(test)]
mod restore_points_tests;
#[cfg(test)]
mod veeam_tests;
#[cfg(test)]
mod weak_evidence_tests;

use super::*;
use crate::duration::{Duration, human_gap};
use crate::evidence::backup_jobs::{BackupJob, JobStatus};
use crate::evidence::endpoints::Endpoint;
use crate::evidence::graph::ProtectionUnit;
use crate::evidence::restore_tests::{RestoreTest, TestResult};
use crate::evidence::{BACKUP_JOBS, RESTORE_TESTS, Snapshot, veeam};
use crate::policy::{BackupPolicy, Scope, WorkloadPolicy};

// Thresholds, named by constant so a misspelt one does not compile.
const COVERAGE_MIN_PERCENT: Param = Param {
    name: "min_percent",
    default: 98.0,
    min: 0.0,
    max: 100.0,
    doc: "minimum share of in-scope items protected",
    direction: Direction::HigherIsStricter,
};
const JOB_SUCCESS_MIN_PERCENT: Param = Param {
    name: "min_percent",
    default: 95.0,
    min: 0.0,
    max: 100.0,
    doc: "minimum share of successful jobs",
    direction: Direction::HigherIsStricter,
};

pub fn controls() -> Vec<Control> {
    let mut out = Vec::new();
    for w in Workload::ALL {
        let t = w.title();
        let with = |c: Control| Control {
            workload: Some(w),
            ..c
        };
        out.push(with(
            Control::new(&format!("backup.{}.policy-complete", w.id()), Domain::Backup, &format!("{t} backup policy is complete"), policy_complete)
                .doc(
                    "The workload's table in backup.toml declares provider, scope, frequency, retention, encryption, storage location, RPO, RTO, owner, restore-test cadence and known gaps, and the frequency can meet the RPO.",
                    "Microsoft keeps the service running, not the client's data: an undeclared backup policy cannot be checked, agreed or audited.",
                    "Fill in the missing keys in backup.toml (see docs/formats.md); write `known_gaps = []` when there are none.",
                )
                .weight(2),
        ));
        out.push(with(
            Control::new(&format!("backup.{}.protection-coverage", w.id()), Domain::Backup, &format!("{t} items in scope are protected"), protection_coverage)
                .doc(
                    "Share of in-scope items protected: Microsoft 365 Backup protection units with status `protected` and no error (offboardRequested, offboarded and cancelOffboardRequested are not; all enabled licensed users in users.json for mailboxes and drives when scope is \"all\": without a complete users.json, no_evidence), counted only while the tenant's Microsoft 365 Backup service is `enabled` (graph/backupRestore.json: disabled, protectionChangeLocked or restoreLocked fails naming the status and reason; no status recorded is no_evidence), or the latest job's protected/total items for other products (backup-jobs.csv or a product export mapped in backup.toml [csv]; Veeam sessions record processed objects, not the items in scope, so a Veeam workload's coverage is no_evidence). Nothing in scope proves nothing: no protection unit, no in-scope user, or a latest job recording 0 items (or only one of the two counts) is no_evidence, never \"0 of 0 protected\".",
                    "A backup policy that misses new joiners, new sites or failed items protects less than it claims, and nobody finds out until a restore is needed.",
                    "Add the listed items to the backup policy (or use dynamic rules for new users and sites), or document them under `known_gaps`.",
                )
                .weight(3)
                .params(&[COVERAGE_MIN_PERCENT]),
        ));
        out.push(with(
            Control::new(&format!("backup.{}.job-success", w.id()), Domain::Backup, &format!("{t} backup jobs succeed"), job_success)
                .doc(
                    "Share of this month's finished backup jobs for the workload that ended with status `success`: rows of backup-jobs.csv, of a product's export mapped in backup.toml [csv], or sessions of the Veeam jobs named in `veeam_jobs` (Stopped counts as failed; runs still going are not counted).",
                    "Failed jobs are silent data loss in waiting; a falling success rate is the earliest sign of a broken backup.",
                    "Investigate the listed failed jobs in the backup product, fix the cause (licences, throttling, permissions) and re-run them.",
                )
                .weight(2)
                .params(&[JOB_SUCCESS_MIN_PERCENT]),
        ));
        out.push(with(
            Control::new(&format!("backup.{}.rpo", w.id()), Domain::Backup, &format!("{t} backups meet the RPO"), rpo)
                .doc(
                    "The largest gap between successful backups (from the workload's job records: backup-jobs.csv, a mapped export, or Veeam sessions) stays within the declared RPO, measured from the last successful backup before the month (in last month's records, or earlier rows of this month's) up to the snapshot. Time in no export (after last month's records, before this month's) and the days after the snapshot are not observed: never counted as a gap, and named with the observed window; a gap beyond the RPO only through unobserved time is no_evidence. A Microsoft 365 Backup workload without job records this month is measured from its restore points (graph/restorePointSearches.json: the oldest and latest point of each searched protection unit in query windows no longer than the RPO, from one RPO before the month to the top of the hour the collection ran in; gaps inside a window are at most its length, gaps across windows are exact); a unit or window not answered, an answer at Graph's five-point cap, points of units not asked for or outside the window asked, a period short of the month, or searched units that are not the snapshot's protected units (all, or the sample with the lowest SHA-256 of their id) are no_evidence.",
                    "The RPO is the data the client agreed it can afford to lose; a longer gap means a restore would lose more than that.",
                    "Find why backups stopped during the listed gaps (failed jobs, paused schedules) and fix the schedule so it runs more often than the RPO.",
                )
                .weight(2),
        ));
        out.push(with(
            Control::new(&format!("backup.{}.restore-test", w.id()), Domain::Backup, &format!("{t} restore tested within cadence"), restore_test)
                .doc(
                    "The latest restore test of the workload (restore-tests.toml, Veeam restore sessions in backup/veeam/RestoreSessions.json and Microsoft 365 Backup restore sessions in graph/restoreSessions.json, this and earlier months; of one day the worst result, and of its records the longest measured duration) is within the declared cadence, passed, and took no longer than the RTO. With an RTO declared, a passed test without a measured duration (no `duration` in restore-tests.toml, a finished restore session without an end time) cannot show it: no_evidence, never a pass.",
                    "A backup that has never been restored is a hope, not a control; restore tests also prove the RTO is realistic.",
                    "Perform a restore test of a representative item, record it in the month's restore-tests.toml with its ticket, and fix whatever made it fail or take too long.",
                )
                .weight(2),
        ));
    }
    out
}

/// The backup record files a month must hold for the in-scope workloads (month-relative):
/// backup-jobs.csv (or the product export `[csv]` maps) unless every one is backed up
/// by Veeam, then its three exports, and restore-tests.toml unless Veeam's restore
/// sessions stand for it.
pub fn expected_files(backup: &crate::policy::BackupPolicy) -> Vec<String> {
    let in_scope: Vec<&WorkloadPolicy> = backup.workloads.values().filter(|w| w.in_scope).collect();
    let veeam = in_scope.iter().filter(|w| w.veeam_jobs.is_some()).count();
    let mut out = Vec::new();
    if in_scope.len() > veeam {
        out.push(
            backup
                .csv
                .as_ref()
                .map_or_else(|| BACKUP_JOBS.to_owned(), |m| m.path()),
        );
        out.push(RESTORE_TESTS.to_owned());
    }
    if veeam > 0 {
        out.extend([veeam::JOBS, veeam::JOB_SESSIONS, veeam::RESTORE_SESSIONS].map(str::to_owned));
    }
    out
}

/// The backup.toml keys that drive a backup control, for `explain` and the control
/// pages; empty for other controls.
pub fn policy_keys(c: &Control) -> Vec<String> {
    let Some(w) = c.workload else {
        return Vec::new();
    };
    let t = format!("backup.toml [{}]", w.id());
    let kind = c.id.rsplit('.').next().unwrap_or_default();
    let jobs = [
        format!(
            "{t} veeam_jobs (the Veeam Backup for Microsoft 365 jobs whose sessions, in backup/veeam/JobSessions.json, are the workload's jobs)"
        ),
        "backup.toml [csv] file, columns, status_map, workload_map, date_format, utc_offset, delimiter (a product's own export in backup/<file> read instead of backup-jobs.csv, for workloads without veeam_jobs)".to_owned(),
    ];
    let mut keys = vec![format!("{t} in_scope (false: not applicable, with reason)")];
    match kind {
        "policy-complete" => keys.push(format!(
            "{t} provider, scope, frequency, retention, encryption, storage_location, rpo, rto, owner, restore_test_cadence, known_gaps (each must be declared; frequency ≤ rpo)"
        )),
        "protection-coverage" => {
            keys.push(format!(
                "{t} provider (\"{}\": Microsoft 365 Backup protection units; anything else: the latest job's items_protected of items_total)",
                crate::policy::M365_BACKUP
            ));
            keys.push(format!(
                "{t} scope (\"all\": every enabled licensed member in users.json must be protected)"
            ));
            keys.push(format!("{t} known_gaps (listed with a shortfall)"));
            keys.extend(jobs);
        }
        "job-success" => keys.extend(jobs),
        "rpo" => {
            keys.push(format!(
                "{t} rpo (the largest gap allowed between successful backups; also the longest query window of a restore point search)"
            ));
            keys.push(format!(
                "{t} provider (\"{}\" without job records this month: the gaps between the protection units' restore points in graph/restorePointSearches.json decide)",
                crate::policy::M365_BACKUP
            ));
            keys.extend(jobs);
        }
        "restore-test" => {
            keys.push(format!(
                "{t} restore_test_cadence (how old the latest test may be)"
            ));
            keys.push(format!("{t} rto (how long the restore may take)"));
            keys.push(format!(
                "{t} veeam_jobs (Veeam restore sessions in backup/veeam/RestoreSessions.json count as restore tests, and restore-tests.toml becomes optional)"
            ));
        }
        _ => {}
    }
    keys
}

fn workload(c: &Control) -> Workload {
    c.workload.expect("backup controls carry their workload")
}

/// The workload's policy when in scope, or the outcome that ends evaluation early.
fn in_scope<'a>(ctx: &'a Ctx, c: &Control) -> Result<&'a WorkloadPolicy, Box<Outcome>> {
    let w = workload(c);
    match ctx.policy.backup.workloads.get(&w) {
        None => Err(Box::new(Outcome::fail(format!(
            "{} is not declared in backup.toml: declare it in scope or out of scope with a reason",
            w.id()
        ))
        .policy([At::file_start(&ctx.policy.backup.file)]))),
        Some(p) if !p.in_scope => Err(Box::new(
            Outcome::na(format!(
                "out of scope: {}",
                p.reason.as_deref().unwrap_or("no reason given")
            ))
            .policy([p.at_key("in_scope")]),
        )),
        Some(p) => Ok(p),
    }
}

macro_rules! scoped {
    ($ctx:expr, $c:expr) => {
        match in_scope($ctx, $c) {
            Ok(p) => p,
            Err(o) => return Ok(*o),
        }
    };
}

fn policy_complete(ctx: &Ctx, c: &Control) -> Result<Outcome, Missing> {
    let p = scoped!(ctx, c);
    let checks: [(&str, bool); 11] = [
        ("provider", p.provider.is_some()),
        ("scope", p.scope.is_some()),
        ("frequency", p.frequency.is_some()),
        ("retention", p.retention.is_some()),
        ("encryption", p.encryption.is_some()),
        ("storage_location", p.storage_location.is_some()),
        ("rpo", p.rpo.is_some()),
        ("rto", p.rto.is_some()),
        ("owner", p.owner.is_some()),
        ("restore_test_cadence", p.restore_test_cadence.is_some()),
        ("known_gaps", p.known_gaps.is_some()),
    ];
    let mut items: Vec<String> = checks
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(k, _)| format!("missing `{k}`"))
        .collect();
    if let (Some(f), Some(r)) = (p.frequency, p.rpo)
        && f > r
    {
        items.push(format!("frequency {f} cannot meet rpo {r}"));
    }
    let declared = checks.iter().filter(|(_, ok)| *ok).count();
    Ok(Outcome::check(
        items.is_empty(),
        "every policy key is declared and consistent",
        format!(
            "{} in the declared policy",
            count(items.len(), "problem", "problems")
        ),
    )
    .measured(format!("{declared}/{} keys", checks.len()))
    .threshold("all keys, frequency ≤ rpo")
    .items(items)
    .policy([p.at.clone()]))
}

/// A workload's backup job runs in one snapshot, from the source its policy names.
struct JobRecords {
    /// Repository-relative file the runs are recorded in.
    file: String,
    /// The workload's runs, in any month the file covers.
    jobs: Vec<BackupJob>,
    /// Every time any record of the file (of any workload) mentions: the export was
    /// being written then, so up to the latest of them no record means no run.
    mentions: Vec<jiff::Timestamp>,
}

impl JobRecords {
    fn name(&self) -> &str {
        self.file.rsplit('/').next().unwrap_or(&self.file)
    }
}

/// The runs of workload `w` recorded in `snap`: the sessions of the Veeam jobs its
/// policy names in `veeam_jobs`, else the rows of the product export backup.toml maps
/// in `[csv]`, else the rows of backup-jobs.csv. Every backup control reads them the
/// same way, whatever the product.
fn job_records(
    snap: &Snapshot,
    backup: &BackupPolicy,
    p: &WorkloadPolicy,
    w: Workload,
) -> Result<JobRecords, Missing> {
    let mentions = |jobs: &mut dyn Iterator<Item = (jiff::Timestamp, Option<jiff::Timestamp>)>| {
        jobs.flat_map(|(a, b)| [Some(a), b]).flatten().collect()
    };
    match &p.veeam_jobs {
        Some(names) => {
            let file = snap.path(veeam::JOB_SESSIONS);
            let Some(slot) = &snap.veeam_jobs else {
                return Err(Missing {
                    file,
                    reason: format!(
                        "{} not found in the snapshot: backup.toml names Veeam jobs (`veeam_jobs`) for {}",
                        veeam::JOB_SESSIONS,
                        w.id()
                    ),
                });
            };
            let export = slot.get()?;
            let jobs = export.jobs_named(names).map_err(|unknown| Missing {
                file: snap.path(veeam::JOBS),
                reason: format!(
                    "{} does not list exactly one job named {} (named in `veeam_jobs` of {}): its sessions cannot be told",
                    veeam::JOBS,
                    unknown.join(", "),
                    w.id()
                ),
            })?;
            Ok(JobRecords {
                file,
                jobs: export.backup_jobs(&jobs, w),
                mentions: mentions(
                    &mut export
                        .sessions
                        .iter()
                        .map(|s| (s.started_at, s.finished_at)),
                ),
            })
        }
        None if backup.csv.is_some() => {
            let (file, all) = mapped_export(snap, backup)?;
            Ok(JobRecords {
                file,
                mentions: mentions(&mut all.iter().map(|j| (j.started_at, j.finished_at))),
                jobs: all.into_iter().filter(|j| j.workload == w).collect(),
            })
        }
        None => {
            let all = snap.backup_jobs.get()?;
            Ok(JobRecords {
                file: snap.path(BACKUP_JOBS),
                jobs: all.iter().filter(|j| j.workload == w).cloned().collect(),
                mentions: mentions(&mut all.iter().map(|j| (j.started_at, j.finished_at))),
            })
        }
    }
}

/// The runs in the product export `[csv]` maps, with the file; a missing export, or
/// one with a row the mapping cannot read, is missing evidence (the rows are reported
/// as input errors by [`export_problems`]).
fn mapped_export(
    snap: &Snapshot,
    backup: &BackupPolicy,
) -> Result<(String, Vec<BackupJob>), Missing> {
    let Some(m) = &backup.csv else {
        return Err(Missing {
            file: snap.path(BACKUP_JOBS),
            reason: "no [csv] mapping".into(),
        });
    };
    let file = snap.path(&m.path());
    let src = match snap.backup_exports.get(&m.file) {
        Some(slot) => slot.get()?,
        None => {
            return Err(Missing {
                reason: format!(
                    "{} not found in the snapshot (backup.toml [csv] names it)",
                    m.path()
                ),
                file,
            });
        }
    };
    let (jobs, problems) = crate::evidence::backup_jobs::parse_mapped(&src.path, &src.text, m);
    if !problems.is_empty() {
        return Err(Missing {
            file,
            reason: "unreadable: has rows the [csv] mapping cannot read (see errors)".into(),
        });
    }
    Ok((file, jobs))
}

/// Input errors in the month's product export read through `[csv]`: the mapping is the
/// policy's, so they are found at evaluation, reported like any bad evidence (exit 2).
pub fn export_problems(
    backup: &BackupPolicy,
    snap: &Snapshot,
) -> Vec<crate::diagnostic::Diagnostic> {
    let (Some(m), true) = (
        &backup.csv,
        backup.workloads.values().any(|w| w.veeam_jobs.is_none()),
    ) else {
        return Vec::new();
    };
    match snap.backup_exports.get(&m.file).and_then(|s| s.ok()) {
        Some(src) => crate::evidence::backup_jobs::parse_mapped(&src.path, &src.text, m).1,
        None => Vec::new(),
    }
}

/// This month's jobs of a workload, with their file; none at all is missing evidence.
fn month_jobs(ctx: &Ctx, p: &WorkloadPolicy, w: Workload) -> Result<JobRecords, Missing> {
    let mut records = job_records(ctx.snap, &ctx.policy.backup, p, w)?;
    records.jobs.retain(|j| ctx.month.contains(j.started_at));
    if records.jobs.is_empty() {
        return Err(Missing {
            reason: format!(
                "no {} jobs recorded in {} this month",
                w.id(),
                records.name()
            ),
            file: records.file,
        });
    }
    Ok(records)
}

fn units_for(ctx: &Ctx, w: Workload) -> Option<(Endpoint, &'static str)> {
    let _ = ctx;
    match w {
        Workload::Exchange => Some((Endpoint::MailboxUnits, "exchangeProtectionPolicy")),
        Workload::OneDrive => Some((Endpoint::DriveUnits, "oneDriveForBusinessProtectionPolicy")),
        Workload::SharePoint => Some((Endpoint::SiteUnits, "sharePointProtectionPolicy")),
        Workload::Teams => None,
    }
}

/// Whether a Microsoft 365 Backup protection unit protects its item: only `protected`
/// without an error does. Otherwise why not, in words: a unit being offboarded, or
/// offboarded, keeps old backups but takes no new ones; one whose offboarding is being
/// cancelled is not protected again until that completes.
fn unit_state(u: &ProtectionUnit) -> Result<(), String> {
    let status = u.status.as_deref().unwrap_or("unknown status");
    if let Some(e) = &u.error {
        let text = |s: &Option<String>| {
            s.as_deref()
                .map(|t| t.chars().take(200).collect::<String>())
                .unwrap_or_default()
        };
        return Err(format!(
            "{status}, with error {}: {}",
            text(&e.code),
            text(&e.message)
        ));
    }
    match status {
        "protected" => Ok(()),
        "offboardRequested" => Err("offboardRequested (being removed from protection: no new backups)".into()),
        "offboarded" => Err("offboarded (removed from protection: no new backups, earlier ones kept until retention ends)".into()),
        "cancelOffboardRequested" => Err("cancelOffboardRequested (offboarding being cancelled: not protected until it completes)".into()),
        other => Err(other.to_owned()),
    }
}

/// The tenant's Microsoft 365 Backup service must be `enabled` for anything it
/// protects to count: disabled it takes no backups, and locked it refuses protection
/// changes or restores. `Ok(Some(fail))` names the status, the reason and the deadlines;
/// no file, or one without a status, is no evidence (never assumed running).
fn m365_service_not_enabled(ctx: &Ctx, threshold: &str) -> Result<Option<Outcome>, Missing> {
    let file = ctx.snap.path(Endpoint::BackupService.file());
    let root = ctx.snap.backup_service.get()?;
    let Some(status) = root.service_status.as_ref().and_then(|s| {
        s.status
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .map(|t| (s, t))
    }) else {
        return Err(Missing {
            file,
            reason: "no serviceStatus.status: whether the Microsoft 365 Backup service runs is not recorded".into(),
        });
    };
    let (s, status) = status;
    if status == "enabled" {
        return Ok(None);
    }
    // Values come from the tenant: kept short, and rendered escaped like any text.
    let short = |t: &str| t.chars().take(100).collect::<String>();
    let mut items = vec![format!("service status: {}", short(status))];
    if let Some(r) = s.disable_reason.as_deref().filter(|r| !r.is_empty()) {
        items.push(format!("disable reason: {}", short(r)));
    }
    if let Some(t) = s.grace_period_date_time {
        items.push(format!(
            "grace period ends {}",
            t.strftime("%Y-%m-%d %H:%M UTC")
        ));
    }
    if let Some(t) = s.restore_allowed_till_date_time {
        items.push(format!(
            "restores allowed until {}",
            t.strftime("%Y-%m-%d %H:%M UTC")
        ));
    }
    let reason = s
        .disable_reason
        .as_deref()
        .filter(|r| !r.is_empty() && *r != "none")
        .map(|r| format!(" ({})", short(r)))
        .unwrap_or_default();
    Ok(Some(
        Outcome::fail(format!(
            "the Microsoft 365 Backup service is {}{reason}, not enabled",
            short(status)
        ))
        .measured(format!("service {}", short(status)))
        .threshold(format!("service enabled, {threshold}"))
        .items(items)
        .evidence(file, "/serviceStatus/status"),
    ))
}

fn protection_coverage(ctx: &Ctx, c: &Control) -> Result<Outcome, Missing> {
    let p = scoped!(ctx, c);
    let w = workload(c);
    let (min, min_at) = ctx.param(c, &COVERAGE_MIN_PERCENT);
    let threshold = format!("≥ {}", pct(min));
    let gaps = p.known_gaps.clone().unwrap_or_default();
    // `none` says what recorded no item in scope, for when `total` is 0.
    let finish = |covered: usize,
                  total: usize,
                  mut uncovered: Vec<String>,
                  o_ev: Vec<EvidenceRef>,
                  none: String| {
        let Some(r) = ratio(covered, total) else {
            // Nothing in scope proves nothing: an empty list is never "all protected".
            let mut o = Outcome::new(
                Status::NoEvidence,
                format!("no in-scope items recorded: {none}"),
            )
            .measured("0 items")
            .threshold(threshold.clone())
            .policy(min_at.clone().into_iter().chain([p.at_key("scope")]));
            o.evidence = o_ev;
            return o;
        };
        {
            if r < min && !gaps.is_empty() {
                uncovered.push(format!("documented gaps: {}", gaps.join("; ")));
            }
            let mut o = Outcome::check(
                r >= min,
                format!("{covered} of {total} in-scope items protected"),
                format!(
                    "{} of {total} in-scope items are not protected",
                    total - covered
                ),
            )
            .measured(pct(r))
            .value(r)
            .threshold(threshold.clone())
            .items(capped(uncovered, 100))
            .policy(min_at.clone().into_iter().chain([p.at_key("scope")]));
            o.evidence = o_ev;
            o
        }
    };
    if p.uses_m365_backup()
        && let Some(o) = m365_service_not_enabled(ctx, &threshold)?
    {
        return Ok(o);
    }
    match units_for(ctx, w) {
        Some((endpoint, policy_type)) if p.uses_m365_backup() => {
            let policies = ctx.snap.protection_policies.get()?;
            let pfile = ctx.snap.path(Endpoint::ProtectionPolicies.file());
            let active = policies.iter().position(|pp| {
                pp.odata_type
                    .as_deref()
                    .is_some_and(|t| t.ends_with(policy_type))
                    && pp
                        .status
                        .as_deref()
                        .is_some_and(|s| s == "active" || s == "activeWithErrors")
            });
            let Some(pi) = active else {
                return Ok(
                    Outcome::fail(format!("no active Microsoft 365 Backup {policy_type}"))
                        .measured("0%")
                        .threshold(threshold)
                        .evidence(pfile, "/value"),
                );
            };
            let units: &Vec<ProtectionUnit> = match endpoint {
                Endpoint::MailboxUnits => ctx.snap.mailbox_units.get()?,
                Endpoint::DriveUnits => ctx.snap.drive_units.get()?,
                _ => ctx.snap.site_units.get()?,
            };
            let ufile = ctx.snap.path(endpoint.file());
            let mut ev = vec![EvidenceRef {
                file: pfile,
                pointer: format!("/value/{pi}"),
            }];
            let mut uncovered = Vec::new();
            let people = p.scope == Some(Scope::All) && w != Workload::SharePoint;
            // "All" users is a claim about users.json: without it (or with a part of
            // it), the units alone cannot show that nobody is left out.
            if people {
                ctx.snap.users.get()?;
            }
            let none;
            let (covered, total) = if people && let Ok(users) = ctx.snap.users.get() {
                none = format!(
                    "{} lists no enabled, licensed member, and scope \"all\" needs them",
                    Endpoint::Users.file()
                );
                // Every enabled, licensed member must have a protected unit.
                let in_scope: Vec<_> = users
                    .iter()
                    .filter(|u| {
                        u.account_enabled != Some(false)
                            && !u.is_guest()
                            && u.assigned_licenses.as_ref().is_none_or(|l| !l.is_empty())
                    })
                    .collect();
                // First unit per directory object, by index: one pass, not users × units.
                let mut unit_of: std::collections::HashMap<&str, usize> =
                    std::collections::HashMap::new();
                // A protected unit wins over an offboarded one of the same object.
                for (i, x) in units.iter().enumerate() {
                    if let Some(id) = x.directory_object_id.as_deref() {
                        let first = unit_of.entry(id).or_insert(i);
                        if unit_state(&units[*first]).is_err() && unit_state(x).is_ok() {
                            *first = i;
                        }
                    }
                }
                let mut covered = 0;
                for u in &in_scope {
                    let unit = unit_of.get(u.id.as_str()).copied();
                    match unit {
                        Some(i) if unit_state(&units[i]).is_ok() => covered += 1,
                        Some(i) => {
                            uncovered.push(format!(
                                "{}: {}",
                                u.name(),
                                unit_state(&units[i]).err().unwrap_or_default()
                            ));
                            ev.push(EvidenceRef {
                                file: ufile.clone(),
                                pointer: format!("/value/{i}"),
                            });
                        }
                        None => uncovered.push(format!("{}: no protection unit", u.name())),
                    }
                }
                (covered, in_scope.len())
            } else {
                none = format!("{} lists no protection unit", endpoint.file());
                for (i, u) in units.iter().enumerate() {
                    let Err(why) = unit_state(u) else { continue };
                    uncovered.push(format!("{}: {why}", u.name()));
                    ev.push(EvidenceRef {
                        file: ufile.clone(),
                        pointer: format!("/value/{i}"),
                    });
                }
                (
                    units.iter().filter(|u| unit_state(u).is_ok()).count(),
                    units.len(),
                )
            };
            ev.truncate(30);
            if ev.len() == 1 {
                ev.push(EvidenceRef {
                    file: ufile,
                    pointer: "/value".into(),
                });
            }
            Ok(finish(covered, total, uncovered, ev, none))
        }
        _ => {
            let records = month_jobs(ctx, p, w)?;
            let latest = records
                .jobs
                .iter()
                .filter(|j| j.items_total.is_some() || j.items_protected.is_some())
                .max_by_key(|j| j.started_at);
            let Some(j) = latest else {
                return Err(Missing {
                    reason: format!(
                        "no {} job this month records the items in scope (items_total in {}): the share protected cannot be measured",
                        w.id(),
                        records.name()
                    ),
                    file: records.file,
                });
            };
            // Both counts or no measure: a missing count is neither 0 nor "all".
            let (Some(total), Some(covered)) = (j.items_total, j.items_protected) else {
                return Err(Missing {
                    reason: format!(
                        "job {} ({}) in {} records {} but not {}: the share protected cannot be measured",
                        j.job_id,
                        j.started_at.strftime("%Y-%m-%d"),
                        records.name(),
                        if j.items_total.is_some() {
                            "items_total"
                        } else {
                            "items_protected"
                        },
                        if j.items_total.is_some() {
                            "items_protected"
                        } else {
                            "items_total"
                        },
                    ),
                    file: records.file,
                });
            };
            let (total, covered) = (total as usize, covered as usize);
            let uncovered = if covered < total {
                vec![format!(
                    "job {} ({}): {} of {total} items not protected",
                    j.job_id,
                    j.started_at.strftime("%Y-%m-%d"),
                    total - covered
                )]
            } else {
                vec![]
            };
            Ok(finish(
                covered,
                total,
                uncovered,
                vec![EvidenceRef {
                    file: records.file.clone(),
                    pointer: j.pointer.clone(),
                }],
                format!(
                    "the latest {} job with item counts, {} ({}) in {}, records 0 items in scope",
                    w.id(),
                    j.job_id,
                    j.started_at.strftime("%Y-%m-%d"),
                    records.name()
                ),
            ))
        }
    }
}

/// Share of a month's jobs that succeeded, for the scorecard's trend metrics.
pub fn success_rate(ctx: &Ctx, w: Workload) -> Option<f64> {
    let p = ctx.policy.backup.workloads.get(&w)?;
    let jobs = month_jobs(ctx, p, w).ok()?.jobs;
    ratio(
        jobs.iter()
            .filter(|j| j.status == JobStatus::Success)
            .count(),
        jobs.len(),
    )
}

fn job_success(ctx: &Ctx, c: &Control) -> Result<Outcome, Missing> {
    let p = scoped!(ctx, c);
    let records = month_jobs(ctx, p, workload(c))?;
    let jobs = &records.jobs;
    let (min, at) = ctx.param(c, &JOB_SUCCESS_MIN_PERCENT);
    let ok = jobs
        .iter()
        .filter(|j| j.status == JobStatus::Success)
        .count();
    // `month_jobs` never returns an empty month, but no jobs is never a rate of 100%.
    let Some(r) = ratio(ok, jobs.len()) else {
        return Err(Missing {
            reason: format!("no {} jobs recorded this month", workload(c).id()),
            file: records.file.clone(),
        });
    };
    let bad: Vec<&BackupJob> = jobs
        .iter()
        .filter(|j| j.status != JobStatus::Success)
        .collect();
    let mut o = Outcome::check(
        r >= min,
        format!("{ok} of {} jobs succeeded", jobs.len()),
        format!("{} of {} jobs did not succeed", bad.len(), jobs.len()),
    )
    .measured(pct(r))
    .value(r)
    .threshold(format!("≥ {}", pct(min)))
    .items(capped(
        bad.iter()
            .map(|j| {
                // The job id as the product wrote it: ids are case-sensitive.
                format!(
                    "{} {} {}",
                    j.started_at.strftime("%Y-%m-%d %H:%M"),
                    j.job_id,
                    j.status.as_str()
                )
            })
            .collect(),
        50,
    ))
    .policy(at);
    for j in bad.iter().take(20) {
        o = o.evidence(records.file.clone(), j.pointer.clone());
    }
    if o.evidence.is_empty() {
        o = o.evidence(records.file.clone(), "");
    }
    Ok(o)
}

fn rpo(ctx: &Ctx, c: &Control) -> Result<Outcome, Missing> {
    let p = scoped!(ctx, c);
    let w = workload(c);
    let Some(rpo) = p.rpo else {
        return Ok(
            Outcome::fail("no `rpo` declared: the gap cannot be judged").policy([p.at.clone()])
        );
    };
    if let Err(jobs) = month_jobs(ctx, p, w) {
        // Microsoft 365 Backup keeps restore points, not jobs: without job records they
        // measure the RPO.
        if !restore_points::decide(p, w, &jobs) {
            return Err(jobs);
        }
        return restore_points::measure(ctx, p, w, rpo).map_err(|m| {
            if m.reason == jobs.reason {
                return m; // one cause (another tenant's month) for both
            }
            Missing {
                reason: format!("{}; and no job records: {}", m.reason, jobs.reason),
                file: m.file,
            }
        });
    }
    // The observed window ends when the snapshot was taken: later days are not yet
    // observed, not a gap.
    let end = super::access::reference_time(ctx).min(ctx.month.end());
    let now = job_records(ctx.snap, &ctx.policy.backup, p, w)?;
    let prev_jobs = ctx.prev.map(|s| job_records(s, &ctx.policy.backup, p, w));
    let finished = |jobs: &'_ [BackupJob]| -> Vec<jiff::Timestamp> {
        jobs.iter()
            .filter(|j| j.protected_data())
            .filter_map(|j| j.finished_at)
            .filter(|t| *t <= end)
            .collect()
    };
    let mut all = finished(&now.jobs);
    if let Some(Ok(prev)) = &prev_jobs {
        all.extend(finished(&prev.jobs));
    }
    all.sort();
    all.dedup();
    // The window starts at last month's last successful backup when last month's
    // records exist (none at all there: the gap began before last month did), else at
    // this month's start: earlier days are in no export.
    let before = all.iter().rev().find(|t| **t < ctx.month.start()).copied();
    let (start, start_note) = match (&prev_jobs, before) {
        (_, Some(t)) => (t, "the last successful backup before the month"),
        (Some(Ok(_)), None) => (
            ctx.month.prev().start(),
            "the start of last month, which has no successful backup",
        ),
        _ => (ctx.month.start(), "the start of the month"),
    };
    // Last month's records cover it up to its snapshot or its latest job, whichever is
    // later; this month's from its start, or its earliest job if the export reaches
    // back further. Time between the two is in no export: not observed.
    let this_from = now
        .jobs
        .iter()
        .map(|j| j.started_at)
        .min()
        .map_or(ctx.month.start(), |t| t.min(ctx.month.start()));
    let unobserved = match (ctx.prev, &prev_jobs) {
        (Some(p), Some(Ok(prev))) => {
            let seen = prev
                .mentions
                .iter()
                .copied()
                .chain(p.manifest.ok().and_then(|m| m.collected_at.parse().ok()))
                .filter(|t| *t < ctx.month.start())
                .max()
                .unwrap_or(p.month.start());
            Some((seen.max(start), this_from))
        }
        _ => None,
    }
    .filter(|(a, b)| a < b);
    let times: Vec<jiff::Timestamp> = all
        .iter()
        .copied()
        .filter(|t| *t >= ctx.month.start())
        .collect();
    let mut evidence = vec![EvidenceRef {
        file: now.file.clone(),
        pointer: String::new(),
    }];
    if let (Some(Ok(prev)), Some(_)) = (&prev_jobs, before) {
        evidence.push(EvidenceRef {
            file: prev.file.clone(),
            pointer: String::new(),
        });
    }
    let fmt = |t: jiff::Timestamp| t.strftime("%Y-%m-%d %H:%M").to_string();
    let mut window = format!("observed {} → {} (from {start_note})", fmt(start), fmt(end));
    if let Some((a, b)) = unobserved {
        window.push_str(&format!(
            "; {} → {} in no export (not observed)",
            fmt(a),
            fmt(b)
        ));
    }
    if end < ctx.month.end() {
        window.push_str(&format!(
            "; {} → {} not yet observed",
            fmt(end),
            fmt(ctx.month.end())
        ));
    }
    if times.is_empty() {
        let mut o = Outcome::fail(format!("no successful backup this month; {window}"))
            .measured("no successful backup")
            .threshold(format!("≤ {rpo}"))
            .policy([p.at_key("rpo")]);
        o.evidence = evidence;
        return Ok(o);
    }
    let mut points = vec![start];
    points.extend(times.iter().copied());
    points.push(end);
    // Each gap counts only its observed time.
    let hidden = |a: jiff::Timestamp, b: jiff::Timestamp| {
        unobserved.map_or(0, |(ua, ub)| {
            (b.min(ub).as_second() - a.max(ua).as_second()).max(0)
        })
    };
    let gaps: Vec<(jiff::Timestamp, jiff::Timestamp, i64, i64)> = points
        .windows(2)
        .map(|w| {
            let h = hidden(w[0], w[1]);
            (w[0], w[1], w[1].as_second() - w[0].as_second() - h, h)
        })
        .collect();
    let largest = gaps.iter().map(|g| g.2).max().unwrap_or(0);
    let over: Vec<String> = gaps
        .iter()
        .filter(|g| g.2 > rpo.seconds())
        .map(|(a, b, s, h)| {
            let note = if *h > 0 {
                format!(", not counting {} not observed", human_gap(*h))
            } else {
                String::new()
            };
            format!("{} → {} ({}{note})", fmt(*a), fmt(*b), human_gap(*s))
        })
        .collect();
    // A gap longer than the RPO whose observed part is within it: the RPO cannot be
    // shown to have been met, nor to have been missed.
    let unknown: Vec<String> = gaps
        .iter()
        .filter(|g| g.2 <= rpo.seconds() && g.3 > 0 && g.2 + g.3 > rpo.seconds())
        .map(|(a, b, _, h)| {
            format!(
                "{} → {} ({}, of which {} in no export)",
                fmt(*a),
                fmt(*b),
                human_gap(b.as_second() - a.as_second()),
                human_gap(*h)
            )
        })
        .collect();
    if over.is_empty() && !unknown.is_empty() {
        let mut o = Outcome::new(
            Status::NoEvidence,
            format!(
                "the RPO of {rpo} cannot be shown to be met: no backup job records cover part of a gap; {window}"
            ),
        )
        .measured(format!(
            "up to {}",
            human_gap(gaps.iter().map(|g| g.2 + g.3).max().unwrap_or(0))
        ))
        .threshold(format!("≤ {rpo}"))
        .items(unknown)
        .policy([p.at_key("rpo")]);
        o.evidence = evidence;
        return Ok(o);
    }
    let mut o = Outcome::check(
        over.is_empty(),
        format!(
            "largest gap between successful backups {} (RPO {rpo}); {window}",
            human_gap(largest)
        ),
        format!(
            "{} between successful backups {} the RPO of {rpo}; {window}",
            count(over.len(), "gap", "gaps"),
            if over.len() == 1 { "exceeds" } else { "exceed" }
        ),
    )
    .measured(human_gap(largest))
    .threshold(format!("≤ {rpo}"))
    .items(capped(over, 50))
    .policy([p.at_key("rpo")]);
    o.evidence = evidence;
    Ok(o)
}

/// Restore tests of a workload up to the end of the month, newest last.
pub fn tests_until<'a>(ctx: &'a Ctx, w: Workload) -> Vec<(&'a RestoreTest, String)> {
    let mut out: Vec<(&RestoreTest, String)> = ctx
        .restore_history
        .iter()
        .filter(|(f, t)| {
            t.workload == w && crate::evidence::restore_tests::counts_for(f, t, ctx.month)
        })
        .map(|(f, t)| (t, f.clone()))
        .collect();
    // The latest test decides. Tests of one day come from several records (a session a
    // product logged and the same restore written down by hand): the worst result of
    // that day decides, and of equals the hand-written record (its ticket) is shown.
    let severity = |t: &RestoreTest| match t.result {
        TestResult::Passed => 0,
        TestResult::Partial => 1,
        TestResult::Failed => 2,
    };
    out.sort_by_key(|(t, f)| (t.date, severity(t), f.ends_with(RESTORE_TESTS)));
    out
}

fn restore_test(ctx: &Ctx, c: &Control) -> Result<Outcome, Missing> {
    let p = scoped!(ctx, c);
    let w = workload(c);
    // This month's records must be readable: restore-tests.toml, or for a workload
    // backed up by Veeam its restore sessions (a broken export never passes).
    match (&p.veeam_jobs, &ctx.snap.veeam_restores) {
        (Some(_), Some(slot)) => {
            slot.get()?;
        }
        _ => {
            ctx.snap.restore_tests.get()?;
        }
    }
    // Microsoft 365 Backup's own restore sessions count too: a partial list of them
    // could lack the latest, failed one.
    if p.uses_m365_backup()
        && let Err(m) = ctx.snap.restore_sessions.get()
        && m.is_incomplete()
    {
        return Err(m);
    }
    let Some(cadence) = p.restore_test_cadence else {
        return Ok(Outcome::fail("no `restore_test_cadence` declared").policy([p.at.clone()]));
    };
    let tests = tests_until(ctx, w);
    let Some((last, file)) = tests.last() else {
        return Ok(
            Outcome::fail(format!("{} has never been restore-tested", w.title()))
                .measured("never")
                .threshold(format!("within {cadence}"))
                .policy([p.at_key("restore_test_cadence")])
                .evidence(ctx.snap.path(RESTORE_TESTS), "/test"),
        );
    };
    let age_days = (ctx.month.last_day() - last.date).get_days().max(0) as u64;
    let age = Duration::from_minutes(age_days * 1440);
    let mut problems = Vec::new();
    if age > cadence {
        problems.push(format!(
            "last test {} is {age_days} days old (cadence {cadence})",
            last.date
        ));
    }
    if last.result != TestResult::Passed {
        problems.push(format!(
            "last test {} {}",
            last.date,
            if last.result == TestResult::Failed {
                "failed"
            } else {
                "only partly succeeded"
            }
        ));
    }
    // Records of one day are one test (a product's session and the same restore written
    // down by hand): of the deciding result, the longest measured duration decides the
    // RTO, so a quicker hand-written figure never hides a slow restore the product timed.
    let duration = tests
        .iter()
        .filter(|(t, _)| t.date == last.date && t.result == last.result)
        .filter_map(|(t, _)| t.duration)
        .max();
    if let (Some(d), Some(rto)) = (duration, p.rto)
        && d > rto
    {
        problems.push(format!("restore took {d}, longer than the RTO of {rto}"));
    }
    let desc = format!(
        "{} — {}: {:?}{}{}",
        last.date,
        last.item,
        last.result,
        duration.map(|d| format!(" in {d}")).unwrap_or_default(),
        last.ticket
            .as_ref()
            .map(|t| format!(" ({t})"))
            .unwrap_or_default()
    )
    .replace("Passed", "passed")
    .replace("Failed", "failed")
    .replace("Partial", "partial");
    let mut items = problems.clone();
    items.push(format!("latest test: {desc}"));
    // A test without a measured duration shows nothing about the RTO: with an RTO
    // declared, "passed in time" is not shown (a shown failure still fails).
    let status = match (problems.is_empty(), duration, p.rto) {
        (false, _, _) => Status::Fail,
        (true, None, Some(_)) => Status::NoEvidence,
        (true, _, _) => Status::Pass,
    };
    let message = match (status, p.rto) {
        (Status::Fail, _) => problems.join("; "),
        (Status::NoEvidence, Some(rto)) => format!(
            "last restore test {} passed, but its duration is not recorded, so the RTO of {rto} is not shown",
            last.date
        ),
        _ => format!(
            "last restore test {} passed{}",
            last.date,
            duration.map(|d| format!(" in {d}")).unwrap_or_default()
        ),
    };
    Ok(Outcome::new(status, message)
        .measured(format!(
            "{age_days} days ago, {}",
            format!("{:?}", last.result).to_lowercase()
        ))
        .threshold(format!(
            "within {cadence}, passed{}",
            p.rto.map(|r| format!(", ≤ {r}")).unwrap_or_default()
        ))
        .items(items)
        .policy([p.at_key("restore_test_cadence")])
        .evidence(file.clone(), last.pointer.clone()))
}

#[cfg(test)]
mod tests {
    use crate::controls::testing::{BACKUP_TOML, Fx, MONTH, PREV, daily_jobs};
    use crate::scorecard::Status;

    const JOBS_FILE: &str = "evidence/acme/2026-11/backup-jobs.csv";
    const UNITS_FILE: &str = "evidence/acme/2026-11/graph/mailboxProtectionUnits.json";
    const POLICIES_FILE: &str = "evidence/acme/2026-11/graph/protectionPolicies.json";
    const BG1: &str = "b0000000-0000-0000-0000-000000000001";
    const BG2: &str = "b0000000-0000-0000-0000-000000000002";
    const ALICE: &str = "a0000000-0000-0000-0000-000000000001";
    const BOB: &str = "a0000000-0000-0000-0000-000000000002";

    fn backup_toml(from: &str, to: &str) -> String {
        assert!(BACKUP_TOML.contains(from), "{from}");
        BACKUP_TOML.replacen(from, to, 1)
    }

    fn line_of(text: &str, needle: &str) -> usize {
        text.lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle}"))
            + 1
    }

    /// The fixture's November jobs, with the rows of the given days dropped.
    fn jobs_without(days: &[u32]) -> String {
        daily_jobs(MONTH, 23)
            .lines()
            .filter(|l| {
                !days
                    .iter()
                    .any(|d| l.starts_with(&format!("j{MONTH}-{d:02},")))
            })
            .map(|l| format!("{l}\n"))
            .collect()
    }

    /// The fixture's November jobs, with the given days' status replaced.
    fn jobs_with_status(days: &[u32], status: &str) -> String {
        let mut s = daily_jobs(MONTH, 23);
        for d in days {
            s = s.replace(
                &format!("{MONTH}-{d:02}T01:30:00Z,success,"),
                &format!("{MONTH}-{d:02}T01:30:00Z,{status},"),
            );
        }
        s
    }

    /// A mailboxProtectionUnit as Graph lists it.
    fn unit(id: &str, email: &str, status: &str) -> String {
        format!(
            r##"{{"@odata.type":"#microsoft.graph.mailboxProtectionUnit","id":"u-{id}","policyId":"pp1","directoryObjectId":"{id}","displayName":"{email}","email":"{email}","status":"{status}","protectionSources":"manual","createdBy":{{"application":{{"id":"1fec8e78-bce4-4aaf-ab1b-5451cc387264","displayName":"Microsoft Enhanced Restore"}},"user":{{"email":"admin@acme.example","id":"845457dc-4bb2-4815-bef3-8628ebd1952e","displayName":"Admin"}}}},"createdDateTime":"2026-01-19T12:01:03.45Z","lastModifiedDateTime":"2026-01-19T12:01:03.45Z","error":null,"offboardRequestedDateTime":"0001-01-01T00:00:00.0000000Z"}}"##
        )
    }

    fn units(bob_status: &str) -> String {
        format!(
            r#"{{"@odata.context":"/solutions/backupRestore/$metadata#protectionUnits","value":[{},{},{},{}]}}"#,
            unit(BG1, "bg1@acme.onmicrosoft.com", "protected"),
            unit(BG2, "bg2@acme.onmicrosoft.com", "protected"),
            unit(ALICE, "alice@acme.example", "protected"),
            unit(BOB, "bob@acme.example", bob_status)
        )
    }

    fn protection_policy(kind: &str, status: &str) -> String {
        format!(
            r##"{{"@odata.type":"#microsoft.graph.{kind}","id":"pp1","displayName":"Exchange Protection Policy","status":"{status}","createdDateTime":"2026-01-19T12:01:03.45Z","retentionSettings":[{{"interval":"R/PT10M","period":"P2W"}},{{"interval":"R/P1W","period":"P1Y"}}]}}"##
        )
    }

    fn restore(date: &str, result: &str, duration: &str) -> String {
        format!(
            "[[test]]\ndate = {date}\nworkload = \"exchange\"\nitem = \"mailbox bob, inbox\"\nresult = \"{result}\"\nduration = \"{duration}\"\nticket = \"T-9\"\n"
        )
    }

    const NO_TESTS: &str = "# no restore tests this month\n";

    // ---- policy-complete ----

    #[test]
    fn a_complete_policy_passes() {
        let o = Fx::new().eval("backup.exchange.policy-complete");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("11/11 keys"));
        assert_eq!(o.policy[0].file, "clients/acme/backup.toml");
    }

    #[test]
    fn a_missing_encryption_key_fails_naming_it() {
        let o = Fx::new()
            .policy(
                "backup.toml",
                &backup_toml("encryption = \"AES-256, Microsoft-managed keys\"\n", ""),
            )
            .eval("backup.exchange.policy-complete");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["missing `encryption`"]);
        assert_eq!(o.measured.as_deref(), Some("10/11 keys"));
    }

    #[test]
    fn missing_known_gaps_is_not_the_same_as_none() {
        let o = Fx::new()
            .policy("backup.toml", &backup_toml("known_gaps = []\n", ""))
            .eval("backup.exchange.policy-complete");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["missing `known_gaps`"]);
    }

    #[test]
    fn a_frequency_longer_than_the_rpo_fails() {
        let o = Fx::new()
            .policy(
                "backup.toml",
                &backup_toml("frequency = \"4h\"", "frequency = \"36h\""),
            )
            .eval("backup.exchange.policy-complete");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["frequency 36h cannot meet rpo 1d"]);
    }

    #[test]
    fn an_out_of_scope_workload_is_not_applicable() {
        let o = Fx::new().eval("backup.onedrive.policy-complete");
        assert_eq!(o.status, Status::NotApplicable);
        assert_eq!(o.message, "out of scope: covered by the client's own sync");
        assert_eq!(
            o.policy[0].line,
            line_of(BACKUP_TOML, "[onedrive]") + 1,
            "points at `in_scope`"
        );
    }

    #[test]
    fn an_undeclared_workload_fails() {
        let o = Fx::new()
            .policy(
                "backup.toml",
                &backup_toml(
                    "[teams]\nin_scope = false\nreason = \"chats retained in Exchange\"\n",
                    "",
                ),
            )
            .eval("backup.teams.policy-complete");
        assert_eq!(o.status, Status::Fail);
        assert!(
            o.message
                .starts_with("teams is not declared in backup.toml"),
            "{}",
            o.message
        );
    }

    // ---- protection-coverage ----

    #[test]
    fn every_licensed_member_protected_passes() {
        let o = Fx::new().eval("backup.exchange.protection-coverage");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.message, "4 of 4 in-scope items protected");
        let ev: Vec<(&str, &str)> = o
            .evidence
            .iter()
            .map(|e| (e.file.as_str(), e.pointer.as_str()))
            .collect();
        assert_eq!(ev, [(POLICIES_FILE, "/value/0"), (UNITS_FILE, "/value")]);
    }

    #[test]
    fn an_unprotected_mailbox_fails() {
        let o = Fx::new()
            .graph("mailboxProtectionUnits.json", &units("unprotected"))
            .eval("backup.exchange.protection-coverage");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["bob@acme.example: unprotected"]);
        assert_eq!(o.measured.as_deref(), Some("75%"));
        assert!(
            o.evidence
                .iter()
                .any(|e| e.file == UNITS_FILE && e.pointer == "/value/3"),
            "{:?}",
            o.evidence
        );
    }

    /// Issue 18 item 2: offboarding statuses and unit errors are never protected, and
    /// say why; a user's protected unit wins over an offboarded older one.
    #[test]
    fn offboarding_statuses_and_unit_errors_are_not_protected() {
        for (status, why) in [
            (
                "offboardRequested",
                "offboardRequested (being removed from protection: no new backups)",
            ),
            (
                "offboarded",
                "offboarded (removed from protection: no new backups, earlier ones kept until retention ends)",
            ),
            (
                "cancelOffboardRequested",
                "cancelOffboardRequested (offboarding being cancelled: not protected until it completes)",
            ),
        ] {
            let o = Fx::new()
                .graph("mailboxProtectionUnits.json", &units(status))
                .eval("backup.exchange.protection-coverage");
            assert_eq!(o.status, Status::Fail, "{status}");
            assert_eq!(o.items, [format!("bob@acme.example: {why}")]);
        }
        let errored = units("protected").replacen(
            r#""status":"protected","protectionSources":"manual","createdBy""#,
            r#""status":"protected","protectionSources":"manual","error":{"code":"UnableToProtect","message":"Mailbox is on hold"},"createdBy""#,
            1,
        )
        .replacen(r#","error":null,"offboardRequestedDateTime""#, r#","offboardRequestedDateTime""#, 1);
        let o = Fx::new()
            .graph("mailboxProtectionUnits.json", &errored)
            .eval("backup.exchange.protection-coverage");
        assert_eq!(o.status, Status::Fail, "{o:#?}");
        assert_eq!(
            o.items,
            ["bg1@acme.onmicrosoft.com: protected, with error UnableToProtect: Mailbox is on hold"]
        );
        // An old offboarded unit of bob before his protected one: bob is protected.
        let both = units("protected").replacen(
            "\"value\":[",
            &format!(
                "\"value\":[{},",
                unit(BOB, "bob@acme.example", "offboarded")
            ),
            1,
        );
        let o = Fx::new()
            .graph("mailboxProtectionUnits.json", &both)
            .eval("backup.exchange.protection-coverage");
        assert_eq!(o.status, Status::Pass, "{o:#?}");
    }

    #[test]
    fn a_pending_protect_request_is_not_yet_protected_and_gaps_are_recalled() {
        let toml = backup_toml(
            "known_gaps = []",
            "known_gaps = [\"new joiners wait for the nightly policy sync\"]",
        );
        let o = Fx::new()
            .policy("backup.toml", &toml)
            .graph("mailboxProtectionUnits.json", &units("protectRequested"))
            .eval("backup.exchange.protection-coverage");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            [
                "bob@acme.example: protectRequested",
                "documented gaps: new joiners wait for the nightly policy sync"
            ]
        );
    }

    #[test]
    fn the_threshold_can_accept_a_partial_coverage() {
        let o = Fx::new()
            .graph("mailboxProtectionUnits.json", &units("unprotected"))
            .with_controls_extra(
                "[thresholds]\n\"backup.exchange.protection-coverage\" = { min_percent = 75 }\n",
            )
            .eval("backup.exchange.protection-coverage");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.items, ["bob@acme.example: unprotected"]);
        assert_eq!(o.policy.len(), 2, "threshold and scope");
    }

    #[test]
    fn a_user_without_a_unit_fails_but_guests_unlicensed_and_disabled_users_are_out_of_scope() {
        let user = |id: &str, upn: &str, kind: &str, enabled: bool, licences: &str| {
            format!(
                r#"{{"id":"{id}","displayName":"{upn}","userPrincipalName":"{upn}","userType":"{kind}","accountEnabled":{enabled},"assignedLicenses":{licences}}}"#
            )
        };
        let lic = r#"[{"disabledPlans":[],"skuId":"06ebc4ee-1bb5-47dd-8120-11324bc54e06"}]"#;
        let users = [
            user(BG1, "bg1@acme.onmicrosoft.com", "Member", true, lic),
            user(BG2, "bg2@acme.onmicrosoft.com", "Member", true, lic),
            user(ALICE, "alice@acme.example", "Member", true, lic),
            user(BOB, "bob@acme.example", "member", true, lic),
            user(
                "c0000000-0000-0000-0000-000000000001",
                "carol@acme.example",
                "Member",
                true,
                lic,
            ),
            user(
                "c0000000-0000-0000-0000-000000000002",
                "dana_partner.example#EXT#@acme.onmicrosoft.com",
                "Guest",
                true,
                lic,
            ),
            user(
                "c0000000-0000-0000-0000-000000000003",
                "room-101@acme.example",
                "Member",
                true,
                "[]",
            ),
            user(
                "c0000000-0000-0000-0000-000000000004",
                "leaver@acme.example",
                "Member",
                false,
                lic,
            ),
        ];
        let o = Fx::new()
            .graph(
                "users.json",
                &format!(r#"{{"value":[{}]}}"#, users.join(",")),
            )
            .eval("backup.exchange.protection-coverage");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.message, "1 of 5 in-scope items are not protected");
        assert_eq!(o.items, ["carol@acme.example: no protection unit"]);
    }

    const SERVICE_FILE: &str = "evidence/acme/2026-11/graph/backupRestore.json";

    /// The API reference's backupRestoreRoot with another `serviceStatus`.
    fn service(status: serde_json::Value) -> String {
        let mut root: serde_json::Value = serde_json::from_str(
            &crate::controls::testing::graph_sample("v1.0__solutions__backupRestore.json"),
        )
        .expect("the sample is JSON");
        root["serviceStatus"] = status;
        root.to_string()
    }

    /// Issue 17 item 4: the units say `protected`, but a Microsoft 365 Backup service
    /// that is not `enabled` takes no backups (or allows no changes or restores): every
    /// such status fails, naming the status, the reason and the deadlines.
    #[test]
    fn a_backup_service_that_is_not_enabled_fails_naming_status_and_reason() {
        for (status, reason, message) in [
            (
                "disabled",
                "invalidBillingProfile",
                "the Microsoft 365 Backup service is disabled (invalidBillingProfile), not enabled",
            ),
            (
                "protectionChangeLocked",
                "none",
                "the Microsoft 365 Backup service is protectionChangeLocked, not enabled",
            ),
            (
                "restoreLocked",
                "controllerServiceAppDeleted",
                "the Microsoft 365 Backup service is restoreLocked (controllerServiceAppDeleted), not enabled",
            ),
            (
                "unknownFutureValue",
                "none",
                "the Microsoft 365 Backup service is unknownFutureValue, not enabled",
            ),
        ] {
            let o = Fx::new()
                .graph(
                    "backupRestore.json",
                    &service(serde_json::json!({
                        "status": status,
                        "disableReason": reason,
                        "backupServiceConsumer": "firstparty",
                        "gracePeriodDateTime": "2026-12-01T00:00:00Z",
                        "restoreAllowedTillDateTime": "2027-01-15T08:30:00Z",
                        "lastModifiedDateTime": "2026-11-03T04:47:52.5769075Z",
                    })),
                )
                .eval("backup.exchange.protection-coverage");
            assert_eq!(o.status, Status::Fail, "{status}");
            assert_eq!(o.message, message);
            assert_eq!(o.measured.as_deref(), Some(&*format!("service {status}")));
            assert_eq!(
                o.items,
                [
                    format!("service status: {status}"),
                    format!("disable reason: {reason}"),
                    "grace period ends 2026-12-01 00:00 UTC".to_owned(),
                    "restores allowed until 2027-01-15 08:30 UTC".to_owned(),
                ]
            );
            assert_eq!(o.evidence[0].file, SERVICE_FILE);
            assert_eq!(o.evidence[0].pointer, "/serviceStatus/status");
        }
    }

    #[test]
    fn an_enabled_backup_service_lets_the_units_decide() {
        // The API reference example is `enabled`: the units decide (bob unprotected).
        let o = Fx::new()
            .graph("mailboxProtectionUnits.json", &units("unprotected"))
            .eval("backup.exchange.protection-coverage");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["bob@acme.example: unprotected"]);
        let o = Fx::new()
            .graph(
                "backupRestore.json",
                &service(serde_json::json!({"status": "enabled", "disableReason": "none"})),
            )
            .eval("backup.exchange.protection-coverage");
        assert_eq!(o.status, Status::Pass);
    }

    #[test]
    fn a_missing_or_statusless_backup_service_file_is_no_evidence() {
        let o = Fx::new()
            .without("graph/backupRestore.json")
            .eval("backup.exchange.protection-coverage");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        for body in [
            r#"{"@odata.context":"x"}"#.to_owned(),
            service(serde_json::Value::Null),
            service(serde_json::json!({"disableReason": "none"})),
            service(serde_json::json!({"status": ""})),
        ] {
            let o = Fx::new()
                .graph("backupRestore.json", &body)
                .eval("backup.exchange.protection-coverage");
            assert_eq!(o.status, Status::NoEvidence, "{body}: {o:?}");
            assert!(o.message.contains("serviceStatus.status"), "{o:?}");
        }
        // A wrong shape is no evidence too, never a pass.
        let o = Fx::new()
            .graph("backupRestore.json", r#"{"serviceStatus":{"status":1}}"#)
            .eval("backup.exchange.protection-coverage");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
    }

    #[test]
    fn the_backup_service_status_does_not_concern_other_products() {
        // A workload backed up by another product ignores the service file.
        let o = vendor()
            .graph(
                "backupRestore.json",
                &service(
                    serde_json::json!({"status": "disabled", "disableReason": "userRequested"}),
                ),
            )
            .eval("backup.exchange.protection-coverage");
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert!(!o.message.contains("service"), "{o:?}");
    }

    #[test]
    fn no_exchange_protection_policy_fails() {
        let o = Fx::new()
            .graph("protectionPolicies.json", r#"{"value":[]}"#)
            .eval("backup.exchange.protection-coverage");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.message,
            "no active Microsoft 365 Backup exchangeProtectionPolicy"
        );
        assert_eq!(o.measured.as_deref(), Some("0%"));
        assert_eq!(o.evidence[0].file, POLICIES_FILE);
    }

    #[test]
    fn an_inactive_or_other_workload_policy_does_not_count() {
        for pp in [
            protection_policy("exchangeProtectionPolicy", "inactive"),
            protection_policy("sharePointProtectionPolicy", "active"),
        ] {
            let o = Fx::new()
                .graph("protectionPolicies.json", &format!(r#"{{"value":[{pp}]}}"#))
                .eval("backup.exchange.protection-coverage");
            assert_eq!(o.status, Status::Fail, "{pp}");
            assert_eq!(
                o.message,
                "no active Microsoft 365 Backup exchangeProtectionPolicy"
            );
        }
        let pp = protection_policy("exchangeProtectionPolicy", "activeWithErrors");
        let o = Fx::new()
            .graph("protectionPolicies.json", &format!(r#"{{"value":[{pp}]}}"#))
            .eval("backup.exchange.protection-coverage");
        assert_eq!(o.status, Status::Pass, "activeWithErrors still protects");
    }

    #[test]
    fn a_selected_scope_is_judged_on_the_units_alone() {
        let toml = backup_toml("scope = \"all\"", "scope = \"selected\"");
        let o = Fx::new()
            .policy("backup.toml", &toml)
            .graph("mailboxProtectionUnits.json", &units("unprotectRequested"))
            .eval("backup.exchange.protection-coverage");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["bob@acme.example: unprotectRequested"]);
        assert_eq!(o.message, "1 of 4 in-scope items are not protected");
    }

    const VENDOR_JOBS: &str = "job_id,workload,started_at,finished_at,status,items_total,items_protected,product\n\
v-1,exchange,2026-11-21T22:00:00Z,2026-11-21T23:10:00Z,success,120,120,Acme Cloud Backup\n\
v-2,exchange,2026-11-22T22:00:00Z,2026-11-22T23:05:00Z,warning,120,110,Acme Cloud Backup\n";

    fn vendor() -> Fx {
        Fx::new().policy(
            "backup.toml",
            &backup_toml(
                "provider = \"microsoft-365-backup\"",
                "provider = \"acme-cloud-backup\"",
            ),
        )
    }

    #[test]
    fn a_vendor_backup_is_judged_on_the_latest_job_counts() {
        let o = vendor()
            .file(MONTH, "backup-jobs.csv", VENDOR_JOBS)
            .eval("backup.exchange.protection-coverage");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            ["job v-2 (2026-11-22): 10 of 120 items not protected"]
        );
        assert_eq!(o.measured.as_deref(), Some("91.7%"));
        assert_eq!(o.evidence.len(), 1);
        assert_eq!(o.evidence[0].file, JOBS_FILE);
        assert_eq!(o.evidence[0].pointer, "line 3");

        let fixed = format!(
            "{VENDOR_JOBS}v-3,exchange,2026-11-22T23:30:00Z,2026-11-23T00:10:00Z,success,121,121,Acme Cloud Backup\n"
        );
        let o = vendor()
            .file(MONTH, "backup-jobs.csv", &fixed)
            .eval("backup.exchange.protection-coverage");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.message, "121 of 121 in-scope items protected");
    }

    #[test]
    fn a_vendor_backup_without_item_counts_is_no_evidence() {
        let jobs = "job_id,workload,started_at,finished_at,status\nv-1,exchange,2026-11-21T22:00:00Z,2026-11-21T23:10:00Z,success\n";
        let o = vendor()
            .file(MONTH, "backup-jobs.csv", jobs)
            .eval("backup.exchange.protection-coverage");
        assert_eq!(o.status, Status::NoEvidence);
        assert_eq!(
            o.message,
            "no exchange job this month records the items in scope (items_total in backup-jobs.csv): the share protected cannot be measured"
        );
    }

    #[test]
    fn the_default_fixture_jobs_count_for_a_vendor_backup() {
        let o = vendor().eval("backup.exchange.protection-coverage");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(
            o.evidence[0].pointer, "line 24",
            "the 23rd job is the latest"
        );
    }

    // ---- job-success ----

    #[test]
    fn all_jobs_successful_pass() {
        let o = Fx::new().eval("backup.exchange.job-success");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.message, "23 of 23 jobs succeeded");
        assert_eq!(o.value, Some(100.0));
    }

    #[test]
    fn failed_jobs_fail_and_are_listed_with_their_lines() {
        let o = Fx::new()
            .file(
                MONTH,
                "backup-jobs.csv",
                &jobs_with_status(&[5, 6], "failed"),
            )
            .eval("backup.exchange.job-success");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.message, "2 of 23 jobs did not succeed");
        assert_eq!(
            o.items,
            [
                "2026-11-05 01:00 j2026-11-05 failed",
                "2026-11-06 01:00 j2026-11-06 failed"
            ]
        );
        let ev: Vec<(&str, &str)> = o
            .evidence
            .iter()
            .map(|e| (e.file.as_str(), e.pointer.as_str()))
            .collect();
        assert_eq!(ev, [(JOBS_FILE, "line 6"), (JOBS_FILE, "line 7")]);
    }

    #[test]
    fn warnings_are_not_successes() {
        let o = Fx::new()
            .file(
                MONTH,
                "backup-jobs.csv",
                &jobs_with_status(&[1, 2], "warning"),
            )
            .eval("backup.exchange.job-success");
        assert_eq!(o.status, Status::Fail, "21 of 23 = 91.3% < 95%");
        assert_eq!(
            o.items,
            [
                "2026-11-01 01:00 j2026-11-01 warning",
                "2026-11-02 01:00 j2026-11-02 warning"
            ]
        );
    }

    #[test]
    fn one_failure_in_23_is_within_the_default_threshold() {
        let o = Fx::new()
            .file(MONTH, "backup-jobs.csv", &jobs_with_status(&[7], "failed"))
            .eval("backup.exchange.job-success");
        assert_eq!(o.status, Status::Pass, "22 of 23 = 95.7%");
        assert_eq!(
            o.items,
            ["2026-11-07 01:00 j2026-11-07 failed"],
            "still listed"
        );
    }

    #[test]
    fn no_jobs_this_month_is_no_evidence() {
        let header =
            "job_id,workload,started_at,finished_at,status,items_total,items_protected,product\n";
        let o = Fx::new()
            .file(MONTH, "backup-jobs.csv", header)
            .eval("backup.exchange.job-success");
        assert_eq!(o.status, Status::NoEvidence);
        assert_eq!(
            o.message,
            "no exchange jobs recorded in backup-jobs.csv this month"
        );
        assert_eq!(o.evidence[0].file, JOBS_FILE);

        let o = Fx::new()
            .file(MONTH, "backup-jobs.csv", &daily_jobs(PREV, 31))
            .eval("backup.exchange.job-success");
        assert_eq!(
            o.status,
            Status::NoEvidence,
            "last month's rows do not count"
        );
    }

    #[test]
    fn a_missing_jobs_file_is_no_evidence() {
        let o = Fx::new()
            .without("backup-jobs.csv")
            .eval("backup.exchange.job-success");
        assert_eq!(o.status, Status::NoEvidence);
        assert!(o.message.contains("not found"), "{}", o.message);
    }

    #[test]
    fn job_success_of_an_out_of_scope_workload_is_not_applicable() {
        assert_eq!(
            Fx::new().eval("backup.sharepoint.job-success").status,
            Status::NotApplicable
        );
    }

    /// Regression (issue 18): "SharePoint" or "Exchange" in an export failed the whole
    /// file; workload names are case-insensitive everywhere.
    #[test]
    fn workload_names_in_any_letter_case_count_for_their_workload() {
        let mixed = daily_jobs(MONTH, 23)
            .replacen(",exchange,", ",Exchange,", 5)
            .replacen(",exchange,", ",EXCHANGE,", 5);
        assert!(mixed.contains(",Exchange,") && mixed.contains(",EXCHANGE,"));
        let fx = Fx::new().file(MONTH, "backup-jobs.csv", &mixed);
        let o = fx.eval("backup.exchange.job-success");
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(o.message, "23 of 23 jobs succeeded");
        assert_eq!(
            fx.eval("backup.exchange.rpo").measured.as_deref(),
            Some("1d")
        );
        let restore = restore_ok_for("Exchange");
        let o = Fx::new()
            .file(MONTH, "restore-tests.toml", &restore)
            .eval("backup.exchange.restore-test");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    fn restore_ok_for(workload: &str) -> String {
        crate::controls::testing::RESTORE_OK.replace("\"exchange\"", &format!("{workload:?}"))
    }

    /// Regression (issue 18): job ids were lowercased in findings, so "Nightly-EXO" could
    /// not be found in the product that named it.
    #[test]
    fn job_ids_keep_their_case_in_findings() {
        let jobs = jobs_with_status(&[7], "failed").replace("j2026-11-07,", "Nightly-EXO-07,");
        let o = Fx::new()
            .file(MONTH, "backup-jobs.csv", &jobs)
            .eval("backup.exchange.job-success");
        assert_eq!(o.items, ["2026-11-07 01:00 Nightly-EXO-07 failed"]);
    }

    // ---- rpo ----

    #[test]
    fn daily_backups_meet_a_24h_rpo() {
        let o = Fx::new().eval("backup.exchange.rpo");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("1d"));
        assert_eq!(o.threshold.as_deref(), Some("≤ 1d"));
    }

    #[test]
    fn a_three_day_hole_fails_listing_the_gap() {
        let o = Fx::new()
            .file(MONTH, "backup-jobs.csv", &jobs_without(&[10, 11]))
            .eval("backup.exchange.rpo");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["2026-11-09 01:30 → 2026-11-12 01:30 (3d)"]);
        assert_eq!(o.measured.as_deref(), Some("3d"));
        assert_eq!(o.policy[0].line, line_of(BACKUP_TOML, "rpo = "));
    }

    #[test]
    fn failed_jobs_do_not_close_a_gap() {
        let o = Fx::new()
            .file(
                MONTH,
                "backup-jobs.csv",
                &jobs_with_status(&[10, 11], "failed"),
            )
            .eval("backup.exchange.rpo");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["2026-11-09 01:30 → 2026-11-12 01:30 (3d)"]);
    }

    #[test]
    fn the_gap_runs_from_last_months_final_backup() {
        let late_start = jobs_without(&[1, 2]);
        let o = Fx::new()
            .file(MONTH, "backup-jobs.csv", &late_start)
            .eval("backup.exchange.rpo");
        assert_eq!(o.status, Status::Fail, "without last month: from the 1st");
        assert_eq!(o.items, ["2026-11-01 00:00 → 2026-11-03 01:30 (2d 1h)"]);
        // Last month's jobs run to 31 Oct 01:30 and its export was taken at 23:00: the
        // hour from 23:00 to midnight is in no export.
        let o = Fx::new()
            .with_prev()
            .file(MONTH, "backup-jobs.csv", &late_start)
            .eval("backup.exchange.rpo");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            ["2026-10-31 01:30 → 2026-11-03 01:30 (2d 23h, not counting 1h not observed)"]
        );
        assert!(
            o.evidence
                .iter()
                .any(|e| e.file == "evidence/acme/2026-10/backup-jobs.csv"),
            "{:?}",
            o.evidence
        );
        let o = Fx::new().with_prev().eval("backup.exchange.rpo");
        assert_eq!(o.status, Status::Pass, "31 Oct 01:30 → 1 Nov 01:30 is 24h");
    }

    /// Regression: the gap between last month's last backup and this month's first was
    /// never measured: a backup on 31 Oct 10:00 and the next on 1 Nov 12:00 (26h) passed
    /// a 24h RPO, because only 1 Nov 00:00 → 12:00 was judged.
    #[test]
    fn a_gap_across_the_month_boundary_is_measured_when_last_month_exists() {
        let head =
            "job_id,workload,started_at,finished_at,status,items_total,items_protected,product\n";
        let prev = format!(
            "{head}o1,exchange,2026-10-30T10:00:00Z,2026-10-30T10:00:00Z,success,4,4,x\n\
             o2,exchange,2026-10-31T10:00:00Z,2026-10-31T10:00:00Z,success,4,4,x\n\
             o3,exchange,2026-10-31T23:50:00Z,2026-10-31T23:55:00Z,failed,4,0,x\n"
        );
        let now = daily_jobs(MONTH, 23).replace(
            "2026-11-01T01:00:00Z,2026-11-01T01:30:00Z",
            "2026-11-01T12:00:00Z,2026-11-01T12:00:00Z",
        );
        let fx = Fx::new()
            .with_prev()
            .file(PREV, "backup-jobs.csv", &prev)
            .file(MONTH, "backup-jobs.csv", &now);
        let o = fx.eval("backup.exchange.rpo");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(
            o.items,
            ["2026-10-31 10:00 → 2026-11-01 12:00 (1d 1h, not counting 5m not observed)"]
        );
        assert!(
            o.message.contains(
                "observed 2026-10-31 10:00 → 2026-11-23 03:00 (from the last successful backup before the month)"
            ),
            "{}",
            o.message
        );
        // Without last month the same November passes: only 1 Nov 00:00 → 12:00 is seen.
        let o = Fx::new()
            .file(MONTH, "backup-jobs.csv", &now)
            .eval("backup.exchange.rpo");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    /// Days between last month's snapshot (and its last job) and this month's first
    /// record are in no export: they are neither a gap (the old regression failed every
    /// sample client) nor proof of the RPO (never a pass on missing records).
    #[test]
    fn days_in_no_export_before_the_month_are_no_evidence_not_a_gap() {
        let fx = Fx::new()
            .with_prev()
            .collected_at(PREV, "2026-10-27T03:00:00Z")
            .file(PREV, "backup-jobs.csv", &daily_jobs(PREV, 27));
        let o = fx.eval("backup.exchange.rpo");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert_eq!(
            o.items,
            ["2026-10-27 01:30 → 2026-11-01 01:30 (5d, of which 4d 21h in no export)"]
        );
        assert!(
            o.message
                .contains("2026-10-27 03:00 → 2026-11-01 00:00 in no export (not observed)"),
            "{}",
            o.message
        );
        // This month's export reaching back to last month's snapshot closes the gap.
        let mut since = String::from(
            "job_id,workload,started_at,finished_at,status,items_total,items_protected,product\n",
        );
        for d in 27..=31 {
            since.push_str(&format!(
                "k{d},exchange,2026-10-{d}T13:00:00Z,2026-10-{d}T13:30:00Z,success,4,4,x\n"
            ));
        }
        since.push_str(daily_jobs(MONTH, 23).split_once('\n').map_or("", |x| x.1));
        let o = fx
            .file(MONTH, "backup-jobs.csv", &since)
            .eval("backup.exchange.rpo");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn days_after_the_snapshot_are_not_yet_observed_and_the_window_is_named() {
        let o = Fx::new().eval("backup.exchange.rpo");
        assert_eq!(o.status, Status::Pass);
        assert!(
            o.message.ends_with(
                "observed 2026-11-01 00:00 → 2026-11-23 03:00 (from the start of the month); 2026-11-23 03:00 → 2026-12-01 00:00 not yet observed"
            ),
            "{}",
            o.message
        );
    }

    #[test]
    fn the_gap_runs_up_to_the_snapshot() {
        let o = Fx::new()
            .file(MONTH, "backup-jobs.csv", &daily_jobs(MONTH, 20))
            .eval("backup.exchange.rpo");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["2026-11-20 01:30 → 2026-11-23 03:00 (3d 1h)"]);
    }

    #[test]
    fn no_successful_backup_this_month_fails() {
        let all: Vec<u32> = (1..=23).collect();
        let o = Fx::new()
            .with_prev()
            .file(MONTH, "backup-jobs.csv", &jobs_with_status(&all, "failed"))
            .eval("backup.exchange.rpo");
        assert_eq!(o.status, Status::Fail);
        assert!(
            o.message
                .starts_with("no successful backup this month; observed"),
            "{}",
            o.message
        );
    }

    #[test]
    fn no_declared_rpo_fails() {
        let o = Fx::new()
            .policy("backup.toml", &backup_toml("rpo = \"24h\"\n", ""))
            .eval("backup.exchange.rpo");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.message, "no `rpo` declared: the gap cannot be judged");
    }

    // ---- restore-test ----

    #[test]
    fn a_recent_passed_restore_test_passes() {
        let o = Fx::new().eval("backup.exchange.restore-test");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.message, "last restore test 2026-11-10 passed in 40m");
        assert_eq!(
            o.items,
            ["latest test: 2026-11-10 — mailbox alice, 3 folders: passed in 40m (T-1)"]
        );
        assert_eq!(
            o.evidence[0].file,
            "evidence/acme/2026-11/restore-tests.toml"
        );
        assert_eq!(o.evidence[0].pointer, "line 2", "the `date` of the test");
        assert_eq!(o.measured.as_deref(), Some("20 days ago, passed"));
    }

    #[test]
    fn never_restore_tested_fails() {
        let o = Fx::new()
            .file(MONTH, "restore-tests.toml", NO_TESTS)
            .eval("backup.exchange.restore-test");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.message, "Exchange Online has never been restore-tested");
        assert_eq!(o.measured.as_deref(), Some("never"));
    }

    #[test]
    fn a_test_older_than_the_cadence_fails() {
        let o = Fx::new()
            .file(MONTH, "restore-tests.toml", NO_TESTS)
            .file(
                "2026-08",
                "restore-tests.toml",
                &restore("2026-08-01", "passed", "40m"),
            )
            .eval("backup.exchange.restore-test");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items[0],
            "last test 2026-08-01 is 121 days old (cadence 90d)"
        );
        assert_eq!(
            o.evidence[0].file,
            "evidence/acme/2026-08/restore-tests.toml"
        );
    }

    #[test]
    fn a_failed_or_partial_latest_test_fails() {
        let o = Fx::new()
            .file(
                MONTH,
                "restore-tests.toml",
                &restore("2026-11-10", "failed", "40m"),
            )
            .eval("backup.exchange.restore-test");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.message, "last test 2026-11-10 failed");
        let o = Fx::new()
            .file(
                MONTH,
                "restore-tests.toml",
                &restore("2026-11-10", "partial", "40m"),
            )
            .eval("backup.exchange.restore-test");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.message, "last test 2026-11-10 only partly succeeded");
    }

    #[test]
    fn a_restore_slower_than_the_rto_fails() {
        let o = Fx::new()
            .file(
                MONTH,
                "restore-tests.toml",
                &restore("2026-11-10", "passed", "9h"),
            )
            .eval("backup.exchange.restore-test");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.message, "restore took 9h, longer than the RTO of 8h");
    }

    #[test]
    fn a_pass_recorded_last_month_still_counts() {
        let o = Fx::new()
            .with_prev()
            .file(MONTH, "restore-tests.toml", NO_TESTS)
            .file(
                PREV,
                "restore-tests.toml",
                &restore("2026-10-15", "passed", "1h"),
            )
            .eval("backup.exchange.restore-test");
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(
            o.evidence[0].file,
            "evidence/acme/2026-10/restore-tests.toml"
        );
        assert_eq!(o.measured.as_deref(), Some("46 days ago, passed"));
    }

    #[test]
    fn the_latest_test_decides() {
        let o = Fx::new()
            .with_prev()
            .file(
                PREV,
                "restore-tests.toml",
                &restore("2026-10-15", "passed", "1h"),
            )
            .file(
                MONTH,
                "restore-tests.toml",
                &restore("2026-11-12", "failed", "1h"),
            )
            .eval("backup.exchange.restore-test");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.message, "last test 2026-11-12 failed");

        let o = Fx::new()
            .with_prev()
            .file(
                PREV,
                "restore-tests.toml",
                &restore("2026-10-15", "failed", "1h"),
            )
            .file(
                MONTH,
                "restore-tests.toml",
                &restore("2026-11-12", "passed", "1h"),
            )
            .eval("backup.exchange.restore-test");
        assert_eq!(o.status, Status::Pass);
    }

    #[test]
    fn tests_of_other_workloads_or_after_the_month_do_not_count() {
        let other = "[[test]]\ndate = 2026-11-10\nworkload = \"sharepoint\"\nitem = \"site finance\"\nresult = \"passed\"\n";
        let future = restore("2026-12-02", "passed", "40m");
        let o = Fx::new()
            .file(MONTH, "restore-tests.toml", &format!("{other}\n{future}"))
            .eval("backup.exchange.restore-test");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.message, "Exchange Online has never been restore-tested");
    }

    #[test]
    fn a_missing_restore_tests_file_is_no_evidence() {
        let o = Fx::new()
            .without("restore-tests.toml")
            .eval("backup.exchange.restore-test");
        assert_eq!(o.status, Status::NoEvidence);
        assert!(o.message.contains("restore-tests.toml"), "{}", o.message);
    }
}
