//! Evaluation: run the catalogue over a client's policy and a month's snapshot, apply
//! disabled controls and waivers, attach RACI owners, and assemble the `Scorecard`.

use crate::client_id::ClientId;
use crate::controls::{self, Control, Ctx, Outcome, Trend};
use crate::diagnostic::Diagnostic;
use crate::evidence::restore_tests::RestoreTest;
use crate::evidence::{self, Snapshot, load_snapshot};
use crate::month::Month;
use crate::policy::{Policy, WaiverState, Workload};
use crate::scorecard::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Runs one control; missing evidence becomes `no_evidence` with its reason.
pub fn run_control(ctx: &Ctx, c: &Control) -> Outcome {
    match (c.eval)(ctx, c) {
        Ok(o) => o,
        Err(m) => Outcome::new(Status::NoEvidence, m.reason.clone()).evidence(m.file, ""),
    }
}

/// Applies a waiver to an outcome, judged at the end of the evaluated month.
fn apply_waiver(ctx: &Ctx, c: &Control, mut o: Outcome) -> (Outcome, Option<WaiverNote>) {
    let Some(w) = ctx
        .policy
        .controls
        .waivers
        .iter()
        .find(|w| w.control == c.id)
    else {
        return (o, None);
    };
    let day = ctx.month.last_day();
    let state = w.state(day);
    let note = WaiverNote {
        reason: w.reason.clone(),
        approved_by: w.approved_by.clone(),
        ticket: w.ticket.clone(),
        expires: w.expires.to_string(),
        expired: state == WaiverState::Expired,
        too_long: state == WaiverState::TooLong,
        at: w.at.clone(),
    };
    o.policy.push(w.at.clone());
    match (o.status, state) {
        (Status::Fail | Status::Warn, WaiverState::InForce) => {
            o.message = format!(
                "waived until {} ({}, approved by {}): {}",
                w.expires, w.ticket, w.approved_by, o.message
            );
            o.status = Status::Waived;
        }
        (Status::Fail | Status::Warn, WaiverState::Expired) => {
            o.message = format!(
                "waiver {} expired on {}: {}",
                w.ticket, w.expires, o.message
            );
            o.status = Status::Fail;
        }
        // Not applied: the result stands as evaluated, saying why the waiver does not count.
        (Status::Fail | Status::Warn, WaiverState::TooLong) => {
            o.message = format!("{}: {}", w.too_long_reason(day), o.message);
        }
        (Status::Pass, WaiverState::InForce | WaiverState::TooLong) => {
            o.message = format!(
                "{}; waiver {} matches nothing (the control passes): remove it",
                o.message, w.ticket
            );
            o.status = Status::Warn;
        }
        _ => {}
    }
    (o, Some(note))
}

fn owner(policy: &Policy, control: &str) -> Option<Owner> {
    policy
        .raci
        .activities
        .iter()
        .find(|a| a.covers(control))
        .map(|a| Owner {
            activity: a.name.clone(),
            accountable: a.accountable.first().cloned(),
            responsible: a.responsible.clone(),
        })
}

/// Everything needed to evaluate one month.
pub struct MonthInput<'a> {
    pub client: &'a ClientId,
    pub policy: &'a Policy,
    pub provenance: PolicyProvenance,
    pub snap: &'a Snapshot,
    pub prev: Option<&'a Snapshot>,
    /// Whether the client has a snapshot of any month before this one (the previous
    /// month's may still be missing: a gap).
    pub earlier: bool,
    pub restore_history: &'a [(String, RestoreTest)],
}

/// Why a snapshot is not this client's: a tenant id it states differs from client.toml's.
pub fn foreign_reason(policy: &Policy, snap: &Snapshot) -> Option<String> {
    let own = &policy.client.tenant_id;
    snap.foreign_claim(own).map(|c| {
        format!(
            "another tenant's snapshot: {} says tenant {} ({}), client.toml says {own}",
            c.file.rsplit('/').next().unwrap_or(&c.file),
            c.tenant_id,
            c.pointer
        )
    })
}

/// The snapshot as evidence about this client: another tenant's is quarantined (every
/// piece of data missing, with the reason), so no control passes or fails on it.
pub fn own_snapshot<'a>(policy: &Policy, snap: &'a Snapshot) -> std::borrow::Cow<'a, Snapshot> {
    match foreign_reason(policy, snap) {
        Some(reason) => std::borrow::Cow::Owned(snap.quarantined(&reason)),
        None => std::borrow::Cow::Borrowed(snap),
    }
}

pub fn evaluate_month(input: &MonthInput) -> Scorecard {
    let snap = own_snapshot(input.policy, input.snap);
    let prev = input.prev.map(|p| own_snapshot(input.policy, p));
    let foreign = matches!(snap, std::borrow::Cow::Owned(_));
    let ctx = Ctx {
        client: input.client.as_str(),
        policy: input.policy,
        snap: &snap,
        prev: prev.as_deref(),
        earlier: input.earlier,
        restore_history: input.restore_history,
        month: input.snap.month,
        assignments: Default::default(),
    };
    let mut results = Vec::new();
    for c in controls::catalogue() {
        let (o, waiver) = match input
            .policy
            .controls
            .disabled
            .iter()
            .find(|d| d.control == c.id)
        {
            Some(d) => (
                Outcome::na(format!("disabled in controls.toml: {}", d.reason))
                    .policy([d.at.clone()]),
                None,
            ),
            None => apply_waiver(&ctx, c, run_control(&ctx, c)),
        };
        results.push(ControlResult {
            control: c.id.clone(),
            domain: c.domain,
            title: c.title.clone(),
            status: o.status,
            measured: o.measured,
            measured_value: o.value.map(round1),
            threshold: o.threshold,
            message: o.message,
            owner: owner(input.policy, &c.id),
            items: o.items,
            evidence: o.evidence,
            policy: o.policy,
            waiver,
            licence: o.licence,
            remediation: c.fix.to_owned(),
        });
    }
    let (score, domains, counts) = score(&results, |id| controls::find(id).map_or(1, |c| c.weight));
    let metrics = metrics(&ctx, &results);
    let role_changes = controls::access::changes(&ctx)
        .ok()
        .flatten()
        .unwrap_or_default()
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    let p = input.policy;
    Scorecard {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo {
            name: "custody",
            version: crate::VERSION,
        },
        client: ClientSummary {
            id: input.client.to_string(),
            name: p.client.name.clone(),
            tenant_id: p.client.tenant_id.clone(),
            domains: p.client.domains.clone(),
            accent: p.client.accent.clone(),
        },
        month: input.snap.month,
        policy: input.provenance.clone(),
        evidence: EvidenceProvenance {
            dir: input.snap.dir.clone(),
            collected_at: input.snap.manifest.ok().map(|m| m.collected_at.clone()),
            tool_version: input.snap.manifest.ok().map(|m| m.tool.version.clone()),
            collected_by: input
                .snap
                .manifest
                .ok()
                .and_then(|m| m.provenance.as_ref())
                .filter(|_| !foreign)
                .map(|p| p.describe()),
            // Another tenant's files are never packed or published as this client's.
            files: input
                .snap
                .files
                .iter()
                .filter(|_| !foreign)
                .map(|(f, h)| EvidenceFile {
                    path: f.clone(),
                    sha256: h.clone(),
                })
                .collect(),
        },
        score,
        domains,
        counts,
        results,
        metrics,
        raci: p.raci.activities.clone(),
        backup: backup_rows(&ctx),
        waivers: p
            .controls
            .waivers
            .iter()
            .map(|w| WaiverRow {
                control: w.control.clone(),
                reason: w.reason.clone(),
                approved_by: w.approved_by.clone(),
                ticket: w.ticket.clone(),
                expires: w.expires.to_string(),
                state: w.state(ctx.month.last_day()).as_str().to_owned(),
                days_left: w.days_left(ctx.month.last_day()),
            })
            .collect(),
        role_changes,
    }
}

fn metrics(ctx: &Ctx, results: &[ControlResult]) -> Metrics {
    let mut m = Metrics::default();
    // Each control declares the trend its measured value feeds.
    for c in controls::catalogue() {
        let Some(trend) = c.trend else { continue };
        let value = results
            .iter()
            .find(|r| r.control == c.id)
            .filter(|r| !matches!(r.status, Status::NoEvidence | Status::NotApplicable))
            .and_then(|r| r.measured_value);
        match trend {
            Trend::MfaAdminsPercent => m.mfa_admins_percent = value,
            Trend::MfaUsersPercent => m.mfa_users_percent = value,
            Trend::GlobalAdmins => m.global_admins = value.map(|v| v as u32),
        }
    }
    for (w, p) in &ctx.policy.backup.workloads {
        if !p.in_scope {
            continue;
        }
        if let Some(r) = controls::backup::success_rate(ctx, *w) {
            m.backup_success_percent.insert(*w, round1(r));
        }
        // Due: never tested, or the last test before this month runs out by month end.
        let tests = controls::backup::tests_until(ctx, *w);
        let done = tests.iter().any(|(t, _)| t.date >= ctx.month.first_day());
        let before = tests
            .iter()
            .rev()
            .find(|(t, _)| t.date < ctx.month.first_day());
        let due = match (before, p.restore_test_cadence) {
            (None, _) => true,
            (Some((t, _)), Some(c)) => (ctx.month.last_day() - t.date).get_days() as f64 > c.days(),
            (Some(_), None) => true,
        };
        m.restore_tests_done += u32::from(done);
        m.restore_tests_due += u32::from(due || done);
    }
    m.secure_score_percent = ctx
        .snap
        .secure_scores
        .ok()
        .and_then(|s| s.first())
        .and_then(|s| {
            Some(round1(
                100.0 * s.current_score? / s.max_score.filter(|m| *m > 0.0)?,
            ))
        });
    m
}

fn backup_rows(ctx: &Ctx) -> Vec<BackupRow> {
    Workload::ALL
        .iter()
        .filter_map(|w| {
            let p = ctx.policy.backup.workloads.get(w)?;
            let last = controls::backup::tests_until(ctx, *w)
                .last()
                .map(|(t, _)| (*t).clone());
            let s = |d: Option<crate::duration::Duration>| d.map(|d| d.to_string());
            Some(BackupRow {
                workload: *w,
                title: w.title().to_owned(),
                in_scope: p.in_scope,
                reason: p.reason.clone(),
                provider: p.provider.clone(),
                scope: p.scope.map(|s| {
                    let base = format!("{s:?}").to_lowercase();
                    match &p.scope_note {
                        Some(n) => format!("{base}: {n}"),
                        None => base,
                    }
                }),
                frequency: s(p.frequency),
                retention: s(p.retention),
                encryption: p.encryption.clone(),
                storage_location: p.storage_location.clone(),
                rpo: s(p.rpo),
                rto: s(p.rto),
                owner: p.owner.clone(),
                restore_test_cadence: s(p.restore_test_cadence),
                known_gaps: p.known_gaps.clone().unwrap_or_default(),
                last_restore_test: last.as_ref().map(|t| t.date.to_string()),
                last_restore_result: last
                    .as_ref()
                    .map(|t| format!("{:?}", t.result).to_lowercase()),
            })
        })
        .collect()
}

fn month_key<'a>(
    client: &'a ClientId,
    month: Month,
    months: &[Month],
    policy: &'a Policy,
    provenance: &'a PolicyProvenance,
    history: &'a [(String, RestoreTest)],
) -> MonthKey<'a> {
    MonthKey {
        client,
        month,
        policy,
        provenance,
        prev: months.contains(&month.prev()).then(|| month.prev()),
        earlier: months.first().is_some_and(|f| *f < month),
        restore_history: history
            .iter()
            .filter(|(f, t)| evidence::restore_tests::counts_for(f, t, month))
            .collect(),
    }
}

/// Restore tests recorded in every month up to `until`, with their files; problems in
/// those files are returned as diagnostics.
pub fn restore_history(
    root: &Path,
    client: &ClientId,
    months: &[Month],
    until: Month,
) -> (Vec<(String, RestoreTest)>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let mut diags = Vec::new();
    for m in months.iter().filter(|m| **m <= until) {
        let dir = format!("evidence/{client}/{m}");
        let (tests, mut d) = evidence::restore_tests::recorded_in(&root.join(&dir), &dir);
        diags.append(&mut d);
        out.extend(tests);
    }
    (out, diags)
}

/// The result of evaluating one client: its scorecards (one per month evaluated) and
/// every input problem found on the way.
pub struct ClientRun {
    pub id: ClientId,
    pub name: Option<String>,
    /// The policy evaluated (the latest month's), for renderers that show notes and logos.
    pub policy: Option<Policy>,
    pub scorecards: Vec<Scorecard>,
    /// The policy files each scorecard's month was evaluated against (path, text): the
    /// month-end commit's for past months, so its evidence pack holds that policy and
    /// `custody verify` can evaluate the month again from the pack.
    pub policy_sources: BTreeMap<Month, Vec<(String, String)>>,
    pub diags: Vec<Diagnostic>,
}

/// Which months to evaluate.
#[derive(Debug, Clone, Copy)]
pub enum Months {
    Latest,
    One(Month),
    All,
}

/// The policy in force for a month: `(month, is_latest_month)` → policy and provenance.
pub type PolicyFor<'a> =
    dyn Fn(Month, bool) -> Result<(Policy, PolicyProvenance), Vec<Diagnostic>> + Sync + 'a;

/// A client's policy as the working tree holds it, with working-tree provenance: for
/// callers that evaluate without git history (tests, benchmarks, the verdict guard).
pub fn working_tree_policy(
    root: &Path,
    id: &ClientId,
) -> Result<(Policy, PolicyProvenance), Vec<Diagnostic>> {
    let policy = crate::policy::load_policy(
        &crate::policy::load::WorkingTree(root.to_path_buf()),
        id,
        crate::controls::known(),
    )?;
    let provenance =
        PolicyProvenance::working_tree(policy.sources.iter().map(|(p, _)| p.clone()).collect());
    Ok((policy, provenance))
}

/// Loads a client's evidence and, per month, the policy in force at its end, and
/// evaluates the selected months. Never panics on input: problems come back in `diags`;
/// a month whose policy does not load is reported and skipped, the others are evaluated.
pub fn evaluate_client(
    root: &Path,
    id: &ClientId,
    which: Months,
    policy_for: &PolicyFor,
) -> ClientRun {
    evaluate_client_cached(root, id, which, policy_for, None)
}

/// What a month's scorecard is computed from, besides the files of its own evidence
/// folder and of the previous month's (which the cache hashes itself).
pub struct MonthKey<'a> {
    pub client: &'a ClientId,
    pub month: Month,
    /// The policy in force (the working tree's for the latest month, the month-end
    /// commit's for the others) and where it came from.
    pub policy: &'a Policy,
    pub provenance: &'a PolicyProvenance,
    /// The month the previous snapshot comes from (`access.role-changes` and others
    /// compare with it), if that folder exists.
    pub prev: Option<Month>,
    /// Whether any earlier month exists (see [`MonthInput::earlier`]).
    pub earlier: bool,
    /// The restore tests the month sees: only those dated up to its last day are read
    /// (`controls::backup::tests_until`), so later months' tests are left out here.
    pub restore_history: Vec<&'a (String, RestoreTest)>,
}

/// Scorecards kept from an earlier evaluation (`custody build`'s cache). `key` is
/// `None` when a month cannot be cached; `put` may refuse a scorecard whose loaded
/// evidence is not the evidence the key was computed from.
pub trait ScorecardCache: Sync {
    fn key(&self, m: &MonthKey) -> Option<String>;
    fn get(&self, m: &MonthKey, key: &str) -> Option<Scorecard>;
    fn put(
        &self,
        m: &MonthKey,
        key: &str,
        card: &Scorecard,
        snap: &Snapshot,
        prev: Option<&Snapshot>,
    );
}

/// [`evaluate_client`], taking the scorecards of months whose key is in `cache` from
/// there: those months' snapshots are not loaded at all (unless the next month needs
/// one as its previous snapshot). Months with input problems are never cached, so
/// their diagnostics are reported on every run.
pub fn evaluate_client_cached(
    root: &Path,
    id: &ClientId,
    which: Months,
    policy_for: &PolicyFor,
    cache: Option<&dyn ScorecardCache>,
) -> ClientRun {
    let mut run = ClientRun {
        id: id.clone(),
        name: None,
        policy: None,
        scorecards: Vec::new(),
        policy_sources: BTreeMap::new(),
        diags: Vec::new(),
    };
    let months = evidence::months(root, id);
    run.diags.extend(evidence::month_folder_problems(root, id));
    if months.is_empty() {
        // Still validate the policy, so its errors are reported with the missing evidence.
        if let Err(d) = policy_for(Month::current(), true) {
            run.diags.extend(d);
        }
        run.diags.push(
            Diagnostic::file(
                format!("evidence/{id}"),
                "no evidence months (expected folders named YYYY-MM)",
            )
            .for_client(id.as_str()),
        );
        return run;
    }
    let selected: Vec<Month> = match which {
        Months::All => months.clone(),
        Months::Latest => months.last().copied().into_iter().collect(),
        Months::One(m) if months.contains(&m) => vec![m],
        Months::One(m) => {
            run.diags.push(
                Diagnostic::file(
                    format!("evidence/{id}/{m}"),
                    format!("no evidence folder for {m}"),
                )
                .for_client(id.as_str()),
            );
            return run;
        }
    };
    let Some(&last) = selected.last() else {
        return run;
    };
    let (history, mut hdiags) = restore_history(root, id, &months, last);
    // The policy of every selected month first: a month's cache key needs it.
    struct Plan {
        policy: Policy,
        provenance: PolicyProvenance,
        key: Option<String>,
        cached: Option<Scorecard>,
    }
    let mut plans: BTreeMap<Month, Plan> = BTreeMap::new();
    for &m in &selected {
        match policy_for(m, months.last() == Some(&m)) {
            Ok((policy, provenance)) => {
                let mut plan = Plan {
                    policy,
                    provenance,
                    key: None,
                    cached: None,
                };
                if let Some(c) = cache {
                    let mk = month_key(id, m, &months, &plan.policy, &plan.provenance, &history);
                    plan.key = c.key(&mk);
                    plan.cached = plan.key.as_deref().and_then(|k| c.get(&mk, k));
                }
                plans.insert(m, plan);
            }
            Err(d) => run.diags.extend(d),
        }
    }
    // A selected month is loaded (and its diagnostics reported) unless a cached
    // scorecard stands for it; so is the month before a loaded one, as its previous
    // snapshot.
    let loaded: BTreeSet<Month> = selected
        .iter()
        .copied()
        .filter(|m| plans.get(m).is_none_or(|p| p.cached.is_none()))
        .collect();
    let mut prev: Option<Snapshot> = None;
    for m in months.iter().copied().filter(|m| *m <= last) {
        if !loaded.contains(&m) && !loaded.contains(&m.next()) {
            if let Some(plan) = plans.remove(&m) {
                if plan.cached.is_some() {
                    run.policy_sources.insert(m, plan.policy.sources.clone());
                }
                run.scorecards.extend(plan.cached);
                run.name = Some(plan.policy.client.name.clone());
                run.policy = Some(plan.policy);
            }
            prev = None;
            continue;
        }
        let snap = load_snapshot(root, id, m);
        if loaded.contains(&m) {
            run.diags.extend(snap.diags.iter().cloned());
        }
        if let Some(plan) = plans.remove(&m) {
            run.policy_sources.insert(m, plan.policy.sources.clone());
            // A product export is read through the policy's mapping: its bad rows are
            // input errors of this month (and keep it out of the cache, like any).
            let export_problems = if plan.cached.is_none() {
                controls::backup::export_problems(&plan.policy.backup, &snap)
            } else {
                Vec::new()
            };
            let clean = snap.diags.is_empty() && export_problems.is_empty();
            run.diags.extend(export_problems);
            match plan.cached {
                Some(card) => run.scorecards.push(card),
                None => {
                    let prev_ref = prev.as_ref().filter(|p| p.month == m.prev());
                    let card = evaluate_month(&MonthInput {
                        client: id,
                        policy: &plan.policy,
                        provenance: plan.provenance.clone(),
                        snap: &snap,
                        prev: prev_ref,
                        earlier: months.first().is_some_and(|f| *f < m),
                        restore_history: &history,
                    });
                    if let (Some(c), Some(key), true) = (cache, plan.key.as_deref(), clean) {
                        let mk =
                            month_key(id, m, &months, &plan.policy, &plan.provenance, &history);
                        c.put(&mk, key, &card, &snap, prev_ref);
                    }
                    run.scorecards.push(card);
                }
            }
            run.name = Some(plan.policy.client.name.clone());
            run.policy = Some(plan.policy);
        }
        prev = Some(snap);
    }
    // Restore-test problems are reported once, with the month they belong to.
    hdiags.retain(|d| !run.diags.contains(d));
    for d in &mut hdiags {
        d.client = Some(id.to_string());
    }
    run.diags.extend(hdiags);
    for d in &mut run.diags {
        d.client.get_or_insert_with(|| id.to_string());
    }
    run.diags
        .sort_by(|a, b| (&a.file, a.line, &a.message).cmp(&(&b.file, b.line, &b.message)));
    run.diags.dedup();
    run
}

/// Clients that declare the same `tenant_id` in their working-tree client.toml: each is
/// bad input (one tenant's evidence cannot be two clients'), with both files named. Read
/// once per run over every client folder, so a `--client` run sees the clash too.
pub fn shared_tenants(root: &Path) -> BTreeMap<ClientId, Vec<Diagnostic>> {
    let Ok((all, _)) = crate::repo::discover_clients(root) else {
        return BTreeMap::new(); // reported where the clients are selected
    };
    let mut by_tenant: BTreeMap<String, Vec<(ClientId, String, Option<usize>)>> = BTreeMap::new();
    for id in all {
        let file = format!("clients/{id}/client.toml");
        // Never through a link out of the repository (the policy loader names it).
        if crate::repo::refuse_outside_links(root, &root.join(&file)).is_err() {
            continue;
        }
        let Ok(bytes) = crate::repo::read_capped(&root.join(&file), 1 << 20) else {
            continue; // unreadable policy is reported by the policy loader
        };
        let Ok(text) = crate::repo::decode_utf8(bytes) else {
            continue;
        };
        let Ok(table) = text.parse::<toml::Table>() else {
            continue;
        };
        // Only a GUID can clash; anything else is the policy loader's error to report.
        let Some(tenant) = table
            .get("tenant_id")
            .and_then(|v| v.as_str())
            .filter(|t| t.len() == 36 && t.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'))
            // The init template's all-zero placeholder is nobody's tenant: two new clients
            // still on it are a placeholder warning (governance.no-placeholders), not a clash.
            .filter(|t| !t.bytes().all(|b| b == b'0' || b == b'-'))
        else {
            continue;
        };
        let line = text
            .lines()
            .position(|l| l.trim_start().starts_with("tenant_id"))
            .map(|i| i + 1);
        by_tenant
            .entry(tenant.trim().to_ascii_lowercase())
            .or_default()
            .push((id, file, line));
    }
    let mut out: BTreeMap<ClientId, Vec<Diagnostic>> = BTreeMap::new();
    for (tenant, clients) in by_tenant.into_iter().filter(|(_, c)| c.len() > 1) {
        for (id, file, line) in &clients {
            let others: Vec<String> = clients
                .iter()
                .filter(|(o, _, _)| o != id)
                .map(|(_, f, l)| l.map_or_else(|| f.clone(), |l| format!("{f}:{l}")))
                .collect();
            let mut d = Diagnostic::file(
                file.clone(),
                format!(
                    "tenant_id {tenant} is also declared by {}: two clients cannot share a tenant, so neither is evaluated until one is corrected",
                    others.join(", ")
                ),
            )
            .for_client(id.as_str());
            if let Some(l) = line {
                (d.line, d.column) = (Some(*l), Some(1));
            }
            out.entry(id.clone()).or_default().push(d);
        }
    }
    out
}
