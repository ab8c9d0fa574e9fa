//! Semantic policy diff for pull-request review (`custody diff`): per client, what changed
//! between two versions of the policy, each change classified `strengthens`, `weakens`
//! or `neutral` with a sentence saying why, plus which controls change status when both
//! versions are evaluated against the client's latest evidence.
//!
//! Loading a policy at a git revision is `history`'s job and the command is `cli`'s: this
//! module takes two `Policy` values (either may be absent) and renders the result.
//!
//! # Classification rules
//!
//! Every rule has a test in `tests.rs` named after it.
//!
//! **Thresholds** (`[thresholds]`, area `threshold`, subject `<control>.<param>`): a
//! threshold that is absent means the catalogue default, so adding or removing one is
//! compared with the default (setting it to exactly the default is neutral). A parameter
//! named `min…` (`min_percent`, `min`) strengthens when raised and weakens when lowered; a
//! parameter named `max…` (`max`, `max_days`) strengthens when lowered and weakens when
//! raised (`access.global-admin-count` `max` 4 → 6 weakens).
//!
//! **Backup** (area `backup`, subject `<workload>.<key>`), per workload:
//! - `in_scope` true → false weakens, false → true strengthens; a workload table added
//!   in scope strengthens, one removed that was in scope weakens (otherwise neutral);
//! - `retention`: longer strengthens, shorter weakens;
//! - `frequency`, `rpo`, `rto`, `restore_test_cadence`: shorter strengthens, longer weakens;
//! - `scope` `all` → `selected` weakens, `selected` → `all` strengthens;
//! - for these ordered settings, declaring one that was absent strengthens and removing
//!   one weakens;
//! - `known_gaps`: each gap added weakens, each gap removed strengthens;
//! - `encryption`, `storage_location`, `owner`, `provider`, `scope_note` and `reason`
//!   changes are neutral (listed so that a reviewer sees them);
//! - a workload out of scope at HEAD: its setting changes are neutral.
//!
//! **Retention** (`[retention]`, area `retention`): `legal_minimum` lower (or removed)
//! weakens, higher (or added) strengthens; `relies_on_backup` false → true weakens,
//! true → false strengthens; `compliance_location` removed weakens, added strengthens,
//! changed neutral.
//!
//! **RACI** (area `raci`, activities matched by `id`): a change of Accountable is neutral,
//! and the sentence says who became accountable ("licensing: accountable Client IT
//! Manager → Client CFO"), unless the activity goes from exactly one Accountable to none
//! or to several (weakens; "a second accountable") or back to exactly one (strengthens).
//! An activity losing all Responsible weakens (gaining the first strengthens; other
//! Responsible, Consulted, Informed and name changes are neutral). A `controls` pattern
//! removed (or its activity removed) weakens when some control it matched is then
//! covered by no activity at HEAD, else neutral (moved elsewhere); a pattern added
//! strengthens when it covers a control no activity covered at BASE, else neutral.
//! Adding or removing an activity is itself neutral.
//!
//! **Access** (`controls.toml`): break-glass accounts added or removed are neutral (with
//! the consequence in the sentence; area `break_glass`). An approved assignment added
//! weakens when `active` (more standing privilege approved) and is neutral when
//! `eligible`; removed strengthens; `eligible` → `active` for the same principal and role
//! weakens, `active` → `eligible` strengthens (area `approved_assignment`). A
//! `privileged_roles` entry added strengthens (more roles watched), removed weakens (area
//! `privileged_role`).
//!
//! **Identity** (area `identity`): `model` `conditional_access` → `security_defaults`
//! weakens (the reverse strengthens); `pim` true → false weakens (the reverse
//! strengthens).
//!
//! **Waivers** (area `waiver`, matched by control, in file order): added weakens, removed
//! strengthens, expiry extended weakens, shortened strengthens; a changed reason, ticket
//! or approver is neutral. **Disabled controls** (area `disabled`): added weakens, removed
//! strengthens, changed reason neutral.
//!
//! **Clients**: a client only at HEAD is `added` with one neutral change; a client only at
//! BASE is `deleted` with one change that weakens ("client removed from evaluation"). A
//! change of name, tenant, domains or publishing is neutral (area `client`).
//!
//! # Justification
//!
//! A weakening is *justified* when HEAD has a waiver that was added or changed in this
//! diff, with a non-empty reason and ticket, whose control is in the same catalogue
//! domain as the weakening (thresholds and disabled controls: their control's domain;
//! `backup`: backup; `retention`: retention; `raci`: governance; break-glass, approved
//! assignments, privileged roles and `pim`: access; identity `model`: identity). A waiver
//! added or extended with a reason and ticket justifies itself (it is the documented
//! acceptance of that risk) but no other waiver; a deleted client is never justified.
//! `--fail-on weaken` fails on any weakening that is not justified.

mod rules;

pub mod render;
#[cfg(test)]
mod tests;

pub use render::{render_json, render_markdown};

use crate::client_id::ClientId;
use crate::evaluate::{MonthInput, evaluate_month, restore_history};
use crate::evidence::{load_snapshot, months};
use crate::month::Month;
use crate::policy::Policy;
use crate::scorecard::{Domain, PolicyProvenance, Status};
use serde::Serialize;
use std::fmt;
use std::path::Path;

/// What a change does to the client's protection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    Strengthens,
    Weakens,
    Neutral,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Strengthens => "strengthens",
            Effect::Weakens => "weakens",
            Effect::Neutral => "neutral",
        }
    }
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One semantic change of a client's policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// `threshold`, `raci`, `backup`, `retention`, `break_glass`, `approved_assignment`,
    /// `privileged_role`, `waiver`, `identity`, `disabled` or `client`.
    pub area: String,
    /// What changed: `exchange.retention`, `identity.mfa-users.min_percent`, ...
    pub subject: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub effect: Effect,
    /// A sentence for people: "Exchange Online backup retention 1y → 90d: weakens".
    pub reason: String,
    /// Repository-relative policy file: at HEAD, or at BASE for removals.
    pub file: String,
    pub line: Option<usize>,
    /// The catalogue domain the change bears on, for justification.
    pub domain: Option<Domain>,
    /// A weakening accompanied by a waiver-style justification (see the module docs).
    pub justified: bool,
    /// The waiver that justifies it: "waiver CHG-2231 for backup.teams.restore-test".
    pub justified_by: Option<String>,
}

/// A control whose status differs when the two policies are evaluated against the same
/// evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlDelta {
    pub control: String,
    pub before: Status,
    pub after: Status,
}

/// The diff of one client.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientDiff {
    pub client: String,
    /// `changed`, `added`, `deleted` or `unchanged`.
    pub kind: String,
    pub changes: Vec<Change>,
    pub status_changes: Vec<ControlDelta>,
    /// The evidence month `status_changes` was evaluated against; `None` when not
    /// evaluated (no evidence, or the client exists on one side only).
    pub evidence_month: Option<String>,
}

impl ClientDiff {
    pub fn count(&self, effect: Effect) -> usize {
        self.changes.iter().filter(|c| c.effect == effect).count()
    }

    /// Weakenings without a waiver-style justification.
    pub fn unjustified(&self) -> usize {
        self.changes
            .iter()
            .filter(|c| c.effect == Effect::Weakens && !c.justified)
            .count()
    }

    /// Evaluates both policies against the client's latest evidence and records the
    /// controls whose status changes, and the month used.
    pub fn evaluate_status(
        &mut self,
        repo: &Path,
        client: &ClientId,
        base: &Policy,
        head: &Policy,
    ) {
        match evaluate_pair(repo, client, base, head) {
            Some((month, deltas)) => {
                self.evidence_month = Some(month.to_string());
                self.status_changes = deltas;
            }
            None => {
                self.evidence_month = None;
                self.status_changes = Vec::new();
            }
        }
    }
}

/// The semantic diff of one client's policy; `None` means the client does not exist on
/// that side. `status_changes` is left empty (see `status_changes`).
pub fn diff_policies(client: &str, base: Option<&Policy>, head: Option<&Policy>) -> ClientDiff {
    let (kind, changes) = match (base, head) {
        (None, None) => ("unchanged", Vec::new()),
        (None, Some(h)) => ("added", vec![rules::client_presence(client, h, true)]),
        (Some(b), None) => ("deleted", vec![rules::client_presence(client, b, false)]),
        (Some(b), Some(h)) => {
            let (mut changes, justifying) = rules::all(client, b, h);
            justify(&mut changes, &justifying);
            let kind = if changes.is_empty() {
                "unchanged"
            } else {
                "changed"
            };
            (kind, changes)
        }
    };
    ClientDiff {
        client: client.to_owned(),
        kind: kind.to_owned(),
        changes,
        status_changes: Vec::new(),
        evidence_month: None,
    }
}

/// A HEAD waiver added or changed in this diff, with a reason and a ticket.
pub(crate) struct Justifying {
    pub control: String,
    pub ticket: String,
    pub domain: Domain,
}

fn justify(changes: &mut [Change], justifying: &[Justifying]) {
    for c in changes.iter_mut() {
        if c.effect != Effect::Weakens {
            continue;
        }
        // A waiver added or extended with its reason, approver and ticket is itself the
        // waiver-style justification of the risk it accepts.
        if c.area == "waiver" {
            if let Some(w) = justifying.iter().find(|w| w.control == c.subject) {
                c.justified = true;
                c.justified_by = Some(format!(
                    "waiver {} (reason, approver and ticket recorded)",
                    w.ticket
                ));
            }
            continue;
        }
        let Some(domain) = c.domain else { continue };
        if let Some(w) = justifying.iter().find(|w| w.domain == domain) {
            c.justified = true;
            c.justified_by = Some(format!("waiver {} for {}", w.ticket, w.control));
        }
    }
}

/// True when any client has a weakening without a waiver-style justification
/// (`--fail-on weaken`).
pub fn any_unjustified_weakening(diffs: &[ClientDiff]) -> bool {
    diffs.iter().any(|d| d.unjustified() > 0)
}

/// The latest evidence month of a client, if any.
pub fn latest_evidence_month(repo: &Path, client: &ClientId) -> Option<Month> {
    months(repo, client).last().copied()
}

/// Effect on the latest evidence: both policies evaluated against the client's latest
/// snapshot (with the previous month and the restore-test history, as `check` does);
/// the controls whose status differs, in catalogue order. Empty without evidence.
pub fn status_changes(
    repo: &Path,
    client: &ClientId,
    base: &Policy,
    head: &Policy,
) -> Vec<ControlDelta> {
    evaluate_pair(repo, client, base, head)
        .map(|(_, d)| d)
        .unwrap_or_default()
}

fn evaluate_pair(
    repo: &Path,
    client: &ClientId,
    base: &Policy,
    head: &Policy,
) -> Option<(Month, Vec<ControlDelta>)> {
    let all = months(repo, client);
    let month = *all.last()?;
    let snap = load_snapshot(repo, client, month);
    let prev = all
        .contains(&month.prev())
        .then(|| load_snapshot(repo, client, month.prev()));
    let (history, _) = restore_history(repo, client, &all, month);
    let eval = |policy: &Policy| {
        evaluate_month(&MonthInput {
            client,
            policy,
            provenance: PolicyProvenance::working_tree(Vec::new()),
            snap: &snap,
            prev: prev.as_ref(),
            restore_history: &history,
        })
    };
    let before = eval(base);
    let after = eval(head);
    let deltas = before
        .results
        .iter()
        .filter_map(|b| {
            let a = after.results.iter().find(|a| a.control == b.control)?;
            (a.status != b.status).then(|| ControlDelta {
                control: b.control.clone(),
                before: b.status,
                after: a.status,
            })
        })
        .collect();
    Some((month, deltas))
}
