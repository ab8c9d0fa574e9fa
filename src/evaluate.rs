//! Evaluation: run the catalogue over a client's policy and a month's snapshot, apply
//! disabled controls and waivers, attach RACI owners, and assemble the `Scorecard`.

use crate::client_id::ClientId;
use crate::controls::{self, Control, Ctx, Outcome};
use crate::diagnostic::Diagnostic;
use crate::evidence::restore_tests::RestoreTest;
use crate::evidence::{self, RESTORE_TESTS, Snapshot, load_snapshot};
use crate::month::Month;
use crate::policy::{Policy, Workload};
use crate::scorecard::*;
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
    let expired = w.expires < ctx.month.last_day();
    let note = WaiverNote {
        reason: w.reason.clone(),
        approved_by: w.approved_by.clone(),
        ticket: w.ticket.clone(),
        expires: w.expires.to_string(),
        expired,
        at: w.at.clone(),
    };
    o.policy.push(w.at.clone());
    match (o.status, expired) {
        (Status::Fail | Status::Warn, false) => {
            o.message = format!(
                "waived until {} ({}, approved by {}): {}",
                w.expires, w.ticket, w.approved_by, o.message
            );
            o.status = Status::Waived;
        }
        (Status::Fail | Status::Warn, true) => {
            o.message = format!(
                "waiver {} expired on {}: {}",
                w.ticket, w.expires, o.message
            );
            o.status = Status::Fail;
        }
        (Status::Pass, false) => {
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
    pub restore_history: &'a [(String, RestoreTest)],
}

pub fn evaluate_month(input: &MonthInput) -> Scorecard {
    let ctx = Ctx {
        client: input.client.as_str(),
        policy: input.policy,
        snap: input.snap,
        prev: input.prev,
        restore_history: input.restore_history,
        month: input.snap.month,
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
            files: input
                .snap
                .files
                .iter()
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
                state: if w.expires < ctx.month.last_day() {
                    "expired"
                } else {
                    "in_force"
                }
                .to_owned(),
                days_left: (w.expires - ctx.month.last_day()).get_days() as i64,
            })
            .collect(),
        role_changes,
    }
}

fn metrics(ctx: &Ctx, results: &[ControlResult]) -> Metrics {
    let value = |id: &str| {
        results
            .iter()
            .find(|r| r.control == id)
            .filter(|r| !matches!(r.status, Status::NoEvidence | Status::NotApplicable))
            .and_then(|r| r.measured_value)
    };
    let mut m = Metrics {
        mfa_admins_percent: value("identity.mfa-admins"),
        mfa_users_percent: value("identity.mfa-users"),
        global_admins: value("access.global-admin-count").map(|v| v as u32),
        ..Metrics::default()
    };
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
        let rel = format!("evidence/{client}/{m}/{RESTORE_TESTS}");
        let Ok(text) = std::fs::read_to_string(root.join(&rel)) else {
            continue;
        };
        let (tests, mut d) =
            evidence::restore_tests::parse(&crate::diagnostic::SourceText::new(rel.clone(), text));
        diags.append(&mut d);
        out.extend(tests.into_iter().map(|t| (rel.clone(), t)));
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
    pub diags: Vec<Diagnostic>,
}

/// Which months to evaluate.
#[derive(Debug, Clone, Copy)]
pub enum Months {
    Latest,
    One(Month),
    All,
}

/// Loads a client's policy and evidence and evaluates the selected months. Never
/// panics on input: problems come back in `diags`, and a client whose policy does not
/// load has no scorecards.
pub fn evaluate_client(
    root: &Path,
    id: &ClientId,
    which: Months,
    policy: Result<(Policy, PolicyProvenance), Vec<Diagnostic>>,
) -> ClientRun {
    let mut run = ClientRun {
        id: id.clone(),
        name: None,
        policy: None,
        scorecards: Vec::new(),
        diags: Vec::new(),
    };
    let (policy, provenance) = match policy {
        Ok(p) => p,
        Err(d) => {
            run.diags = d;
            return run;
        }
    };
    run.name = Some(policy.client.name.clone());
    let months = evidence::months(root, id);
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
    if months.is_empty() {
        run.diags.push(
            Diagnostic::file(
                format!("evidence/{id}"),
                "no evidence months (expected folders named YYYY-MM)",
            )
            .for_client(id.as_str()),
        );
        return run;
    }
    let Some(&last) = selected.last() else {
        return run;
    };
    let (history, mut hdiags) = restore_history(root, id, &months, last);
    let mut prev: Option<Snapshot> = None;
    for m in months.iter().copied().filter(|m| *m <= last) {
        let wanted = selected.contains(&m);
        let next_wanted = selected.contains(&m.next());
        if !wanted && !next_wanted {
            continue;
        }
        let snap = load_snapshot(root, id, m);
        if wanted {
            run.diags.extend(snap.diags.iter().cloned());
            let prev_ref = prev.as_ref().filter(|p| p.month == m.prev());
            run.scorecards.push(evaluate_month(&MonthInput {
                client: id,
                policy: &policy,
                provenance: provenance.clone(),
                snap: &snap,
                prev: prev_ref,
                restore_history: &history,
            }));
        }
        prev = Some(snap);
    }
    // Restore-test problems are reported once, with the month they belong to.
    hdiags.retain(|d| !run.diags.contains(d));
    for d in &mut hdiags {
        d.client = Some(id.to_string());
    }
    run.diags.extend(hdiags);
    run.diags
        .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    run.diags.dedup();
    run.policy = Some(policy);
    run
}

#[cfg(test)]
mod tests {
    use crate::controls::testing::{CONTROLS_TOML, Fx};
    use crate::scorecard::{ControlResult, Scorecard, Status};

    /// Lets 3 of 4 members pass identity.mfa-users, so that only identity.mfa-admins fails.
    const LENIENT_USERS: &str = "[thresholds]\n\"identity.mfa-users\" = { min_percent = 50 }\n";

    /// alice (an admin) without MFA: identity.mfa-admins fails, and nothing else.
    fn admin_without_mfa() -> Fx {
        let reg = |id: &str, upn: &str, admin: bool, mfa: bool| {
            format!(
                r#"{{"id":"{id}","userPrincipalName":"{upn}","userDisplayName":"{upn}","isAdmin":{admin},"isMfaRegistered":{mfa},"isMfaCapable":{mfa},"methodsRegistered":[],"userType":"member"}}"#
            )
        };
        let regs = [
            reg(
                "b0000000-0000-0000-0000-000000000001",
                "bg1@acme.onmicrosoft.com",
                true,
                true,
            ),
            reg(
                "b0000000-0000-0000-0000-000000000002",
                "bg2@acme.onmicrosoft.com",
                true,
                true,
            ),
            reg(
                "a0000000-0000-0000-0000-000000000001",
                "alice@acme.example",
                true,
                false,
            ),
            reg(
                "a0000000-0000-0000-0000-000000000002",
                "bob@acme.example",
                false,
                true,
            ),
        ];
        Fx::new()
            .graph(
                "userRegistrationDetails.json",
                &format!(r#"{{"value":[{}]}}"#, regs.join(",")),
            )
            .with_controls_extra(LENIENT_USERS)
    }

    fn waiver(control: &str, expires: &str) -> String {
        format!(
            "[[waiver]]\ncontrol = \"{control}\"\nreason = \"hardware keys on order for the remaining admin\"\napproved_by = \"Jane Doe (CISO)\"\nticket = \"SEC-42\"\nexpires = {expires}\n"
        )
    }

    fn result<'a>(card: &'a Scorecard, id: &str) -> &'a ControlResult {
        card.results
            .iter()
            .find(|r| r.control == id)
            .unwrap_or_else(|| panic!("no result for {id}"))
    }

    /// The line of `needle` in controls.toml after `admin_without_mfa().with_controls_extra(extra)`.
    fn line_of(extra: &str, needle: &str) -> usize {
        format!("{CONTROLS_TOML}\n{LENIENT_USERS}\n{extra}")
            .lines()
            .position(|l| l.contains(needle))
            .expect("line")
            + 1
    }

    #[test]
    fn the_failing_control_fails_without_a_waiver() {
        let card = admin_without_mfa().scorecard();
        let r = result(&card, "identity.mfa-admins");
        assert_eq!(r.status, Status::Fail);
        assert!(r.waiver.is_none());
        let others: Vec<&str> = card
            .results
            .iter()
            .filter(|r| !matches!(r.status, Status::Pass | Status::NotApplicable))
            .map(|r| r.control.as_str())
            .collect();
        assert_eq!(
            others,
            ["identity.mfa-admins"],
            "the fixture breaks one control only"
        );
    }

    #[test]
    fn a_waiver_in_force_turns_fail_into_waived() {
        let extra = waiver("identity.mfa-admins", "2027-01-31");
        let card = admin_without_mfa().with_controls_extra(&extra).scorecard();
        let r = result(&card, "identity.mfa-admins");
        assert_eq!(r.status, Status::Waived);
        assert!(
            r.message.starts_with("waived until 2027-01-31 (SEC-42, approved by Jane Doe (CISO)): 1 of 3 administrators are not registered for MFA"),
            "{}",
            r.message
        );
        assert_eq!(r.items, ["alice@acme.example"], "the finding stays visible");
        let note = r.waiver.as_ref().expect("waiver note");
        assert!(!note.expired);
        assert_eq!(note.ticket, "SEC-42");
        assert_eq!(
            r.policy.last().map(|a| a.line),
            Some(line_of(&extra, "control = \"identity.mfa-admins\""))
        );
        assert_eq!(card.counts.waived, 1);
        assert_eq!(card.waivers.len(), 1);
        assert_eq!(card.waivers[0].state, "in_force");
        assert_eq!(card.waivers[0].days_left, 62);
    }

    #[test]
    fn a_waived_control_leaves_the_score() {
        let failing = admin_without_mfa().scorecard();
        let waived = admin_without_mfa()
            .with_controls_extra(&waiver("identity.mfa-admins", "2027-01-31"))
            .scorecard();
        assert!(failing.score < Some(100.0), "{:?}", failing.score);
        assert_eq!(waived.score, Some(100.0));
    }

    #[test]
    fn a_waiver_expiring_on_the_last_day_of_the_month_is_still_in_force() {
        let card = admin_without_mfa()
            .with_controls_extra(&waiver("identity.mfa-admins", "2026-11-30"))
            .scorecard();
        let r = result(&card, "identity.mfa-admins");
        assert_eq!(r.status, Status::Waived, "{}", r.message);
        assert_eq!(card.waivers[0].days_left, 0);
    }

    #[test]
    fn an_expired_waiver_leaves_the_control_failing_and_says_so() {
        let card = admin_without_mfa()
            .with_controls_extra(&waiver("identity.mfa-admins", "2026-11-15"))
            .scorecard();
        let r = result(&card, "identity.mfa-admins");
        assert_eq!(r.status, Status::Fail);
        assert!(
            r.message
                .starts_with("waiver SEC-42 expired on 2026-11-15: "),
            "{}",
            r.message
        );
        assert!(r.message.contains("expired"));
        assert!(r.waiver.as_ref().is_some_and(|w| w.expired));
        assert_eq!(card.waivers[0].state, "expired");
        assert_eq!(card.waivers[0].days_left, -15);
    }

    #[test]
    fn an_expired_waiver_turns_a_warning_into_a_failure() {
        // One approved assignment no longer exists: the control warns.
        let fx = Fx::new().graph("roleEligibilitySchedules.json", r#"{"value":[]}"#);
        assert_eq!(
            result(&fx.scorecard(), "access.approved-assignments").status,
            Status::Warn
        );
        let card = fx
            .with_controls_extra(&waiver("access.approved-assignments", "2026-10-31"))
            .scorecard();
        let r = result(&card, "access.approved-assignments");
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.contains("expired on 2026-10-31"), "{}", r.message);
    }

    #[test]
    fn a_waiver_on_a_passing_control_warns_that_it_matches_nothing() {
        let card = Fx::new()
            .with_controls_extra(&waiver("identity.mfa-admins", "2027-01-31"))
            .scorecard();
        let r = result(&card, "identity.mfa-admins");
        assert_eq!(r.status, Status::Warn);
        assert!(
            r.message.contains("waiver SEC-42 matches nothing"),
            "{}",
            r.message
        );
        assert!(r.message.ends_with("remove it"), "{}", r.message);
    }

    #[test]
    fn a_waiver_does_not_hide_missing_evidence() {
        let card = Fx::new()
            .missing_as(
                "graph/userRegistrationDetails.json",
                "not_licensed",
                "Entra ID P1 required",
            )
            .with_controls_extra(&waiver("identity.mfa-admins", "2027-01-31"))
            .scorecard();
        let r = result(&card, "identity.mfa-admins");
        assert_eq!(r.status, Status::NoEvidence);
        assert!(r.message.starts_with("not licensed"), "{}", r.message);
    }

    #[test]
    fn a_disabled_control_is_not_applicable_even_when_it_would_fail() {
        let extra = "[[disabled]]\ncontrol = \"identity.mfa-admins\"\nreason = \"admins sign in with certificate-based authentication only\"\n";
        let card = admin_without_mfa().with_controls_extra(extra).scorecard();
        let r = result(&card, "identity.mfa-admins");
        assert_eq!(r.status, Status::NotApplicable);
        assert_eq!(
            r.message,
            "disabled in controls.toml: admins sign in with certificate-based authentication only"
        );
        assert!(r.items.is_empty(), "a disabled control is not evaluated");
        assert_eq!(r.policy.len(), 1);
        assert_eq!(r.policy[0].file, "clients/acme/controls.toml");
        assert_eq!(
            r.policy[0].line,
            line_of(extra, "control = \"identity.mfa-admins\"")
        );
        assert!(r.waiver.is_none());
        assert_eq!(card.score, Some(100.0), "left out of the score");
    }

    #[test]
    fn a_disabled_control_ignores_its_waiver() {
        let extra = format!(
            "[[disabled]]\ncontrol = \"identity.mfa-admins\"\nreason = \"not in the contract\"\n\n{}",
            waiver("identity.mfa-admins", "2027-01-31")
        );
        let card = Fx::new().with_controls_extra(&extra).scorecard();
        let r = result(&card, "identity.mfa-admins");
        assert_eq!(r.status, Status::NotApplicable);
        assert!(r.waiver.is_none());
    }
}
