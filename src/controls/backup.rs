//! Backup, per in-scope workload: the declared policy is complete, protection covers
//! the scope, jobs succeed, no gap exceeds the RPO, and restores are tested in time.

use super::*;
use crate::duration::{Duration, human_gap};
use crate::evidence::backup_jobs::{BackupJob, JobStatus};
use crate::evidence::endpoints::Endpoint;
use crate::evidence::graph::ProtectionUnit;
use crate::evidence::restore_tests::{RestoreTest, TestResult};
use crate::evidence::{BACKUP_JOBS, RESTORE_TESTS};
use crate::policy::{Scope, WorkloadPolicy};

pub fn controls() -> Vec<Control> {
    let mut out = Vec::new();
    for w in Workload::ALL {
        let t = w.title();
        let with = |c: Control| Control { workload: Some(w), ..c };
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
                    "Share of in-scope items protected: Microsoft 365 Backup protection units with status `protected` (all enabled licensed users for mailboxes and drives when scope is \"all\"), or the latest job's protected/total items for other products.",
                    "A backup policy that misses new joiners, new sites or failed items protects less than it claims, and nobody finds out until a restore is needed.",
                    "Add the listed items to the backup policy (or use dynamic rules for new users and sites), or document them under `known_gaps`.",
                )
                .weight(3)
                .params(&[Param { name: "min_percent", default: 98.0, min: 0.0, max: 100.0, doc: "minimum share of in-scope items protected" }]),
        ));
        out.push(with(
            Control::new(&format!("backup.{}.job-success", w.id()), Domain::Backup, &format!("{t} backup jobs succeed"), job_success)
                .doc(
                    "Share of this month's backup jobs for the workload (backup-jobs.csv) that finished with status `success`.",
                    "Failed jobs are silent data loss in waiting; a falling success rate is the earliest sign of a broken backup.",
                    "Investigate the listed failed jobs in the backup product, fix the cause (licences, throttling, permissions) and re-run them.",
                )
                .weight(2)
                .params(&[Param { name: "min_percent", default: 95.0, min: 0.0, max: 100.0, doc: "minimum share of successful jobs" }]),
        ));
        out.push(with(
            Control::new(&format!("backup.{}.rpo", w.id()), Domain::Backup, &format!("{t} backups meet the RPO"), rpo)
                .doc(
                    "The largest gap between successful backups this month (carrying over from last month's final backup, and up to the snapshot) stays within the declared RPO.",
                    "The RPO is the data the client agreed it can afford to lose; a longer gap means a restore would lose more than that.",
                    "Find why backups stopped during the listed gaps (failed jobs, paused schedules) and fix the schedule so it runs more often than the RPO.",
                )
                .weight(2),
        ));
        out.push(with(
            Control::new(&format!("backup.{}.restore-test", w.id()), Domain::Backup, &format!("{t} restore tested within cadence"), restore_test)
                .doc(
                    "The latest restore test of the workload (restore-tests.toml, this and earlier months) is within the declared cadence, passed, and took no longer than the RTO.",
                    "A backup that has never been restored is a hope, not a control; restore tests also prove the RTO is realistic.",
                    "Perform a restore test of a representative item, record it in the month's restore-tests.toml with its ticket, and fix whatever made it fail or take too long.",
                )
                .weight(2),
        ));
    }
    out
}

fn workload(c: &Control) -> Workload {
    c.workload.expect("backup controls carry their workload")
}

/// The workload's policy when in scope, or the outcome that ends evaluation early.
fn in_scope<'a>(ctx: &'a Ctx, c: &Control) -> Result<&'a WorkloadPolicy, Outcome> {
    let w = workload(c);
    match ctx.policy.backup.workloads.get(&w) {
        None => Err(Outcome::fail(format!("{} is not declared in backup.toml: declare it in scope or out of scope with a reason", w.id()))
            .policy([At::file_start(&ctx.policy.backup.file)])),
        Some(p) if !p.in_scope => Err(Outcome::na(format!("out of scope: {}", p.reason.as_deref().unwrap_or("no reason given"))).policy([p.at_key("in_scope")])),
        Some(p) => Ok(p),
    }
}

macro_rules! scoped {
    ($ctx:expr, $c:expr) => {
        match in_scope($ctx, $c) {
            Ok(p) => p,
            Err(o) => return Ok(o),
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
    let mut items: Vec<String> = checks.iter().filter(|(_, ok)| !ok).map(|(k, _)| format!("missing `{k}`")).collect();
    if let (Some(f), Some(r)) = (p.frequency, p.rpo)
        && f > r
    {
        items.push(format!("frequency {f} cannot meet rpo {r}"));
    }
    let declared = checks.iter().filter(|(_, ok)| *ok).count();
    Ok(Outcome::check(items.is_empty(), "every policy key is declared and consistent", format!("{} problem(s) in the declared policy", items.len()))
        .measured(format!("{declared}/{} keys", checks.len()))
        .threshold("all keys, frequency ≤ rpo")
        .items(items)
        .policy([p.at.clone()]))
}

fn jobs_file(ctx: &Ctx) -> String {
    ctx.snap.path(BACKUP_JOBS)
}

/// This month's jobs of a workload; none at all is missing evidence.
fn month_jobs<'a>(ctx: &'a Ctx, w: Workload) -> Result<Vec<&'a BackupJob>, Missing> {
    let jobs = ctx.snap.backup_jobs.get()?;
    let mine: Vec<&BackupJob> = jobs.iter().filter(|j| j.workload == w && ctx.month.contains(j.started_at)).collect();
    if mine.is_empty() {
        return Err(Missing { file: jobs_file(ctx), reason: format!("no {} jobs recorded in backup-jobs.csv this month", w.id()) });
    }
    Ok(mine)
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

fn protection_coverage(ctx: &Ctx, c: &Control) -> Result<Outcome, Missing> {
    let p = scoped!(ctx, c);
    let w = workload(c);
    let (min, min_at) = ctx.param(c, "min_percent");
    let threshold = format!("≥ {}", pct(min));
    let gaps = p.known_gaps.clone().unwrap_or_default();
    let finish = |covered: usize, total: usize, mut uncovered: Vec<String>, o_ev: Vec<EvidenceRef>| {
        let r = ratio(covered, total);
        if r < min && !gaps.is_empty() {
            uncovered.push(format!("documented gaps: {}", gaps.join("; ")));
        }
        let mut o = Outcome::check(r >= min, format!("{covered} of {total} in-scope items protected"), format!("{} of {total} in-scope items are not protected", total - covered))
            .measured(pct(r))
            .value(r)
            .threshold(threshold.clone())
            .items(capped(uncovered, 100))
            .policy(min_at.clone().into_iter().chain([p.at_key("scope")]));
        o.evidence = o_ev;
        o
    };
    match units_for(ctx, w) {
        Some((endpoint, policy_type)) if p.uses_m365_backup() => {
            let policies = ctx.snap.protection_policies.get()?;
            let pfile = ctx.snap.path(Endpoint::ProtectionPolicies.file());
            let active = policies.iter().position(|pp| {
                pp.odata_type.as_deref().is_some_and(|t| t.ends_with(policy_type)) && pp.status.as_deref().is_some_and(|s| s == "active" || s == "activeWithErrors")
            });
            let Some(pi) = active else {
                return Ok(Outcome::fail(format!("no active Microsoft 365 Backup {policy_type}")).measured("0%").threshold(threshold).evidence(pfile, "/value"));
            };
            let units: &Vec<ProtectionUnit> = match endpoint {
                Endpoint::MailboxUnits => ctx.snap.mailbox_units.get()?,
                Endpoint::DriveUnits => ctx.snap.drive_units.get()?,
                _ => ctx.snap.site_units.get()?,
            };
            let ufile = ctx.snap.path(endpoint.file());
            let mut ev = vec![EvidenceRef { file: pfile, pointer: format!("/value/{pi}") }];
            let mut uncovered = Vec::new();
            let people = p.scope == Some(Scope::All) && w != Workload::SharePoint;
            let (covered, total) = if people && let Ok(users) = ctx.snap.users.get() {
                // Every enabled, licensed member must have a protected unit.
                let in_scope: Vec<_> = users
                    .iter()
                    .filter(|u| u.account_enabled != Some(false) && !u.is_guest() && u.assigned_licenses.as_ref().is_none_or(|l| !l.is_empty()))
                    .collect();
                let mut covered = 0;
                for u in &in_scope {
                    let unit = units.iter().position(|x| x.directory_object_id.as_deref() == Some(u.id.as_str()));
                    match unit {
                        Some(i) if units[i].is_protected() => covered += 1,
                        Some(i) => {
                            uncovered.push(format!("{}: {}", u.name(), units[i].status.as_deref().unwrap_or("unknown status")));
                            ev.push(EvidenceRef { file: ufile.clone(), pointer: format!("/value/{i}") });
                        }
                        None => uncovered.push(format!("{}: no protection unit", u.name())),
                    }
                }
                (covered, in_scope.len())
            } else {
                for (i, u) in units.iter().enumerate().filter(|(_, u)| !u.is_protected()) {
                    uncovered.push(format!("{}: {}", u.name(), u.status.as_deref().unwrap_or("unknown status")));
                    ev.push(EvidenceRef { file: ufile.clone(), pointer: format!("/value/{i}") });
                }
                (units.iter().filter(|u| u.is_protected()).count(), units.len())
            };
            ev.truncate(30);
            if ev.len() == 1 {
                ev.push(EvidenceRef { file: ufile, pointer: "/value".into() });
            }
            Ok(finish(covered, total, uncovered, ev))
        }
        _ => {
            let jobs = month_jobs(ctx, w)?;
            let latest = jobs.iter().filter(|j| j.items_total.is_some()).max_by_key(|j| j.started_at);
            let Some(j) = latest else {
                return Err(Missing { file: jobs_file(ctx), reason: format!("no {} job this month records items_total", w.id()) });
            };
            let total = j.items_total.unwrap_or(0) as usize;
            let covered = j.items_protected.unwrap_or(0) as usize;
            let uncovered = if covered < total { vec![format!("job {} ({}): {} of {total} items not protected", j.job_id, j.started_at.strftime("%Y-%m-%d"), total - covered)] } else { vec![] };
            Ok(finish(covered, total, uncovered, vec![EvidenceRef { file: jobs_file(ctx), pointer: format!("line {}", j.line) }]))
        }
    }
}

/// Share of a month's jobs that succeeded, for the scorecard's trend metrics.
pub fn success_rate(ctx: &Ctx, w: Workload) -> Option<f64> {
    let jobs = month_jobs(ctx, w).ok()?;
    Some(ratio(jobs.iter().filter(|j| j.status == JobStatus::Success).count(), jobs.len()))
}

fn job_success(ctx: &Ctx, c: &Control) -> Result<Outcome, Missing> {
    scoped!(ctx, c);
    let jobs = month_jobs(ctx, workload(c))?;
    let (min, at) = ctx.param(c, "min_percent");
    let ok = jobs.iter().filter(|j| j.status == JobStatus::Success).count();
    let r = ratio(ok, jobs.len());
    let bad: Vec<&&BackupJob> = jobs.iter().filter(|j| j.status != JobStatus::Success).collect();
    let mut o = Outcome::check(r >= min, format!("{ok} of {} jobs succeeded", jobs.len()), format!("{} of {} jobs did not succeed", bad.len(), jobs.len()))
        .measured(pct(r))
        .value(r)
        .threshold(format!("≥ {}", pct(min)))
        .items(capped(
            bad.iter().map(|j| format!("{} {} {:?}", j.started_at.strftime("%Y-%m-%d %H:%M"), j.job_id, j.status).to_lowercase()).collect(),
            50,
        ))
        .policy(at);
    for j in bad.iter().take(20) {
        o = o.evidence(jobs_file(ctx), format!("line {}", j.line));
    }
    if o.evidence.is_empty() {
        o = o.evidence(jobs_file(ctx), "");
    }
    Ok(o)
}

fn rpo(ctx: &Ctx, c: &Control) -> Result<Outcome, Missing> {
    let p = scoped!(ctx, c);
    let w = workload(c);
    let Some(rpo) = p.rpo else {
        return Ok(Outcome::fail("no `rpo` declared: the gap cannot be judged").policy([p.at.clone()]));
    };
    let jobs = month_jobs(ctx, w)?;
    let end = super::access::reference_time(ctx).min(ctx.month.end());
    let mut times: Vec<jiff::Timestamp> = jobs.iter().filter(|j| j.protected_data()).filter_map(|j| j.finished_at).filter(|t| *t <= end).collect();
    // Carry over the last successful backup of the previous month, when it is known.
    let carried = ctx.prev.and_then(|s| s.backup_jobs.ok()).and_then(|prev| {
        prev.iter().filter(|j| j.workload == w && j.protected_data()).filter_map(|j| j.finished_at).filter(|t| *t < ctx.month.start()).max()
    });
    times.extend(carried);
    times.sort();
    let evidence = vec![EvidenceRef { file: jobs_file(ctx), pointer: String::new() }];
    if times.iter().all(|t| *t < ctx.month.start()) {
        let mut o = Outcome::fail("no successful backup this month").measured("no successful backup").threshold(format!("≤ {rpo}")).policy([p.at_key("rpo")]);
        o.evidence = evidence;
        return Ok(o);
    }
    let mut gaps: Vec<(jiff::Timestamp, jiff::Timestamp, i64)> = times.windows(2).map(|w| (w[0], w[1], w[1].as_second() - w[0].as_second())).collect();
    if let Some(last) = times.last() {
        gaps.push((*last, end, end.as_second() - last.as_second()));
    }
    let largest = gaps.iter().map(|g| g.2).max().unwrap_or(0);
    let over: Vec<String> = gaps
        .iter()
        .filter(|g| g.2 > rpo.seconds())
        .map(|(a, b, s)| format!("{} → {} ({})", a.strftime("%Y-%m-%d %H:%M"), b.strftime("%Y-%m-%d %H:%M"), human_gap(*s)))
        .collect();
    let mut o = Outcome::check(over.is_empty(), format!("largest gap between successful backups {} (RPO {rpo})", human_gap(largest)), format!("{} gap(s) between successful backups exceed the RPO of {rpo}", over.len()))
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
        .filter(|(_, t)| t.workload == w && t.date <= ctx.month.last_day())
        .map(|(f, t)| (t, f.clone()))
        .collect();
    out.sort_by_key(|(t, _)| t.date);
    out
}

fn restore_test(ctx: &Ctx, c: &Control) -> Result<Outcome, Missing> {
    let p = scoped!(ctx, c);
    let w = workload(c);
    ctx.snap.restore_tests.get()?;
    let Some(cadence) = p.restore_test_cadence else {
        return Ok(Outcome::fail("no `restore_test_cadence` declared").policy([p.at.clone()]));
    };
    let tests = tests_until(ctx, w);
    let Some((last, file)) = tests.last() else {
        return Ok(Outcome::fail(format!("{} has never been restore-tested", w.title())).measured("never").threshold(format!("within {cadence}")).policy([p.at_key("restore_test_cadence")]).evidence(ctx.snap.path(RESTORE_TESTS), "/test"));
    };
    let age_days = (ctx.month.last_day() - last.date).get_days().max(0) as u64;
    let age = Duration::from_minutes(age_days * 1440);
    let mut problems = Vec::new();
    if age > cadence {
        problems.push(format!("last test {} is {age_days} days old (cadence {cadence})", last.date));
    }
    if last.result != TestResult::Passed {
        problems.push(format!("last test {} {}", last.date, if last.result == TestResult::Failed { "failed" } else { "only partly succeeded" }));
    }
    if let (Some(d), Some(rto)) = (last.duration, p.rto)
        && d > rto
    {
        problems.push(format!("restore took {d}, longer than the RTO of {rto}"));
    }
    let desc = format!(
        "{} — {}: {:?}{}{}",
        last.date,
        last.item,
        last.result,
        last.duration.map(|d| format!(" in {d}")).unwrap_or_default(),
        last.ticket.as_ref().map(|t| format!(" ({t})")).unwrap_or_default()
    )
    .replace("Passed", "passed")
    .replace("Failed", "failed")
    .replace("Partial", "partial");
    let mut items = problems.clone();
    items.push(format!("latest test: {desc}"));
    Ok(Outcome::check(problems.is_empty(), format!("last restore test {} passed{}", last.date, last.duration.map(|d| format!(" in {d}")).unwrap_or_default()), problems.join("; "))
        .measured(format!("{age_days} days ago, {}", format!("{:?}", last.result).to_lowercase()))
        .threshold(format!("within {cadence}, passed{}", p.rto.map(|r| format!(", ≤ {r}")).unwrap_or_default()))
        .items(items)
        .policy([p.at_key("restore_test_cadence")])
        .evidence(file.clone(), format!("line {}", last.at.line)))
}
