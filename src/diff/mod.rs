//! Semantic policy diff for pull-request review (`custody diff`): per client, what changed
//! between two versions of the policy, each change classified `strengthens`, `weakens`
//! or `neutral` with a sentence saying why, whether each weakening is justified, plus
//! which controls change status when both versions are evaluated against the client's
//! latest evidence.
//!
//! Loading a policy at a git revision is `history`'s job and the command is `cli`'s: this
//! module takes two `Policy` values (either may be absent) and the day of the diff, and
//! renders the result (`render` for the full report, `comment` for the bounded
//! pull-request comment).
//!
//! # Classification rules
//!
//! Every key of every policy file has a declared direction: the table
//! [`keys::KEYS`] lists them all (a test checks it against the schema of the files), and
//! a key whose value changes but that no rule classifies is a weakening, "unclassified".
//! Nothing is neutral by default. Every rule has a test in `tests.rs` named after it.
//!
//! **Thresholds** (`[thresholds]`, area `threshold`, subject `<control>.<param>`): a
//! threshold that is absent means the catalogue default, so adding or removing one is
//! compared with the default (setting it to exactly the default is neutral). Which way
//! is stricter is declared on each parameter in the catalogue (`Param::direction`, which
//! a parameter cannot be declared without), never guessed from its name: loosening
//! weakens, tightening strengthens.
//!
//! **Backup** (area `backup`, subject `<workload>.<key>`), per workload:
//! - `in_scope` true → false weakens, false → true strengthens; a workload table added
//!   in scope strengthens, one removed that was in scope weakens (otherwise neutral);
//! - `retention`: longer strengthens, shorter weakens;
//! - `frequency`, `rpo`, `rto`, `restore_test_cadence`: shorter strengthens, longer
//!   weakens (a longer cadence is a restore test less often);
//! - `scope` `all` → `selected` weakens, `selected` → `all` strengthens;
//! - for these ordered settings, declaring one that was absent strengthens and removing
//!   one weakens;
//! - `provider`, `encryption`, `storage_location`, `owner` (required by
//!   `policy-complete`): removed weakens, added strengthens, changed neutral;
//!   `scope_note` and `reason` are neutral;
//! - `known_gaps`: each gap added weakens (the declared protection leaves more out); a
//!   gap removed is neutral, because the diff cannot tell a gap closed from one no longer
//!   written down and a listed gap never excuses a coverage failure (the evidence
//!   decides); the key itself removed weakens (the policy is incomplete);
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
//! **Access** (`controls.toml`): a break-glass account added weakens (an exclusion
//! widened: it may be left out of MFA policies and hold Global Administrator
//! permanently); one removed strengthens, unless none is left (weakens: no emergency
//! access; area `break_glass`). An approved assignment added weakens (more privilege
//! approved; `active` is standing privilege), removed strengthens; `eligible` → `active`
//! for the same principal and role weakens, `active` → `eligible` strengthens (area
//! `approved_assignment`). A `privileged_roles` entry added strengthens (more roles
//! watched), removed weakens (area `privileged_role`).
//!
//! **Identity** (area `identity`): `model` `conditional_access` → `security_defaults`
//! weakens (the reverse strengthens); `pim` true → false weakens (the reverse
//! strengthens).
//!
//! **Waivers** (area `waiver`, matched by control, in file order): added weakens, removed
//! strengthens, expiry later weakens ("extended", or "an expired waiver put back in
//! force" when it had expired by the day of the diff), earlier strengthens; a changed
//! reason, ticket or approver is neutral unless the new value is a placeholder (weakens).
//! **Disabled controls** (area `disabled`): added weakens, removed strengthens, changed
//! reason neutral.
//!
//! **Clients** (area `client`): a client only at HEAD is `added` with one neutral change,
//! plus its settings compared with a *reference* (`new_client.rs`; the reference of each
//! key is in [`keys::NEW_CLIENT`], and a test gives every key a new client that sets it):
//! the defaults custody applies when a key is absent (thresholds, `conditional_access`,
//! `pim = true`, publishing on, `relies_on_backup = false`) and, where there is no
//! default, nothing granted (no break-glass account, approved assignment, waiver,
//! disabled control, known gap, Veeam job list or export mapping; every declared workload
//! in scope with scope `all`; every activity with one Accountable and a Responsible, every
//! enabled control owned). The same rules as above then classify each setting, with the
//! same sentences (ending "[new client]") and the same justification. The backup
//! durations (`frequency`, `retention`, `rpo`, `rto`, `restore_test_cadence`) have no
//! catalogue default: a new client's in-scope workload is compared with the new-client
//! reference (`new_client::BACKUP_REFERENCE`: 24h, 1y, 24h, 72h, 180d), and a looser
//! value weakens. The client's own name, tenant, domains, branding, notes and backup
//! descriptions are not compared, except a tenant another client declares at BASE or HEAD
//! (weakens: evidence accepted from another client's tenant; [`flag_shared_tenants`]).
//! So a new client cannot bring weakened settings in unreviewed. A client only at BASE is
//! `deleted` with one change that weakens ("client removed from
//! evaluation"). A new `tenant_id` weakens (evidence is then accepted from another
//! tenant); `publishing.enabled` true → false weakens (the client's scorecards and
//! packs are no longer published), false → true strengthens; name, domains and branding
//! are neutral. `notes.md` changes are neutral (area `notes`). A policy file missing at
//! HEAD is an input error (every file is required), never a silent change.
//!
//! # Justification
//!
//! Each change names the controls it bears on (`controls`: a threshold or a disabled
//! control its own control; `exchange.rpo` `backup.exchange.rpo`; a break-glass account
//! the controls that exempt or check it; ...). A weakening is *justified* only by a
//! waiver at HEAD that
//! - is for one of those controls (not merely the same domain),
//! - is in force on the day of the diff (`expires` on or after it; the day is today in
//!   UTC, or `custody diff --date YYYY-MM-DD`) and runs at most a year beyond it
//!   ([`crate::policy::WAIVER_MAX_DAYS`]: a waiver until 2099 is a permanent exemption),
//! - has a reason, approver and ticket that are not placeholders (see [`placeholder`]),
//! - and was added or changed in this diff.
//!
//! A waiver added or extended that way justifies its own change. A weakening that bears
//! on no control (a client removed, a new tenant, publishing switched off, an
//! unclassified change) is never justified by a waiver: the reviewers decide. Every
//! unjustified weakening says why (`unjustified_because`). `--fail-on weaken` fails on
//! any weakening that is not justified.

mod keys;
mod new_client;
mod placeholder;
mod rules;

pub mod comment;
pub mod render;
#[cfg(test)]
mod tests;

pub use comment::{COMMENT_LIMIT, render_comment};
pub use keys::{KEYS, NEW_CLIENT};
pub use render::{render_json, render_markdown};

use crate::client_id::ClientId;
use crate::evaluate::{MonthInput, evaluate_month, restore_history};
use crate::evidence::{load_snapshot, months};
use crate::month::Month;
use crate::policy::Policy;
use crate::scorecard::{Domain, PolicyProvenance, Status};
use jiff::civil::Date;
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
    /// The catalogue domain the change bears on.
    pub domain: Option<Domain>,
    /// The controls the change bears on: a waiver for one of them can justify it.
    pub controls: Vec<String>,
    /// A weakening justified by a waiver (see the module docs).
    pub justified: bool,
    /// The waiver that justifies it: "waiver CHG-2231 for backup.teams.restore-test
    /// (until 2026-12-31, approved by Jane Doe)".
    pub justified_by: Option<String>,
    /// Why a weakening is not justified: "no waiver for identity.mfa-users", "waiver
    /// CHG-1 for identity.mfa-users expired on 2026-01-31".
    pub unjustified_because: Option<String>,
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
    /// The client's `tenant_id` at BASE and at HEAD, for [`flag_shared_tenants`].
    #[serde(skip)]
    pub(crate) tenants: [Option<String>; 2],
    /// A new client's tenant, kept aside until [`flag_shared_tenants`] knows whether
    /// another client declares it.
    #[serde(skip)]
    pub(crate) new_tenant: Option<Change>,
}

impl ClientDiff {
    pub fn count(&self, effect: Effect) -> usize {
        self.changes.iter().filter(|c| c.effect == effect).count()
    }

    /// Weakenings not justified by a qualifying waiver.
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

/// Today in UTC: the default day of a diff, on which waivers must be in force.
pub fn today_utc() -> Date {
    jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date()
}

/// The semantic diff of one client's policy on day `today`; `None` means the client
/// does not exist on that side. `status_changes` is left empty (see `status_changes`).
pub fn diff_policies(
    client: &str,
    base: Option<&Policy>,
    head: Option<&Policy>,
    today: Date,
) -> ClientDiff {
    let mut new_tenant = None;
    let (kind, mut changes, waivers) = match (base, head) {
        (None, None) => ("unchanged", Vec::new(), Vec::new()),
        (None, Some(h)) => {
            let (defaults, waivers) = new_client::against_reference(client, h, today);
            let mut changes = vec![rules::client_presence(client, h, true)];
            changes.extend(defaults);
            new_tenant = Some(new_client::tenant(client, h));
            ("added", changes, waivers)
        }
        (Some(b), None) => (
            "deleted",
            vec![rules::client_presence(client, b, false)],
            Vec::new(),
        ),
        (Some(b), Some(h)) => {
            let (changes, waivers) = rules::all(client, b, h, today);
            let kind = if changes.is_empty() {
                "unchanged"
            } else {
                "changed"
            };
            (kind, changes, waivers)
        }
    };
    justify(&mut changes, &waivers, today);
    ClientDiff {
        client: client.to_owned(),
        kind: kind.to_owned(),
        changes,
        status_changes: Vec::new(),
        evidence_month: None,
        tenants: [base, head].map(|p| p.map(|p| p.client.tenant_id.clone())),
        new_tenant,
    }
}

/// Why a weakening that bears on no control is never justified by a waiver.
const NO_CONTROL: &str = "bears on no single control: a waiver cannot justify it";

/// A client added with the `tenant_id` of another client (at BASE or at HEAD) weakens:
/// the new client would accept evidence from a tenant that is already another client's.
/// Runs over every client's diff together, after [`diff_policies`]; no waiver justifies
/// it (reviewers decide). The all-zero placeholder tenant of `custody init` is nobody's.
pub fn flag_shared_tenants(diffs: &mut [ClientDiff]) {
    let declared: Vec<(String, String)> = diffs
        .iter()
        .flat_map(|d| {
            d.tenants
                .iter()
                .flatten()
                .map(|t| (d.client.clone(), t.trim().to_ascii_lowercase()))
        })
        .collect();
    for d in diffs.iter_mut() {
        let Some(mut c) = d.new_tenant.take() else {
            continue;
        };
        let tenant = c
            .after
            .as_deref()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if tenant.is_empty() || tenant.bytes().all(|b| b == b'0' || b == b'-') {
            continue;
        }
        let mut others: Vec<&str> = declared
            .iter()
            .filter(|(o, t)| *o != d.client && *t == tenant)
            .map(|(o, _)| o.as_str())
            .collect();
        others.dedup();
        if others.is_empty() {
            continue;
        }
        c.reason = format!(
            "client tenant {tenant} is also declared by {}: weakens (evidence is accepted from another client's tenant){}",
            others.join(", "),
            new_client::MARK
        );
        c.unjustified_because = Some(NO_CONTROL.to_owned());
        let at = d.changes.len().min(1);
        d.changes.insert(at, c);
    }
}

/// A waiver at HEAD, and whether this diff added or changed it.
pub(crate) struct HeadWaiver {
    pub control: String,
    pub reason: String,
    pub approved_by: String,
    pub ticket: String,
    pub expires: Date,
    pub changed: bool,
}

impl HeadWaiver {
    /// Why this waiver cannot justify a weakening on `today`; `None` when it can.
    fn cannot_justify(&self, today: Date) -> Option<String> {
        let name = format!("waiver {:?} for {}", self.ticket, self.control);
        if let Some(why) = placeholder::waiver(&self.reason, &self.approved_by, &self.ticket) {
            return Some(format!("{name}: {why}"));
        }
        if self.expires < today {
            return Some(format!(
                "{name} expired on {} (before {today})",
                self.expires
            ));
        }
        let left = i64::from((self.expires - today).get_days());
        if left > crate::policy::WAIVER_MAX_DAYS {
            return Some(format!(
                "{name} runs until {}, {left} days after {today}: waivers run at most {} days ahead",
                self.expires,
                crate::policy::WAIVER_MAX_DAYS
            ));
        }
        if !self.changed {
            return Some(format!("{name} was not added or changed in this change"));
        }
        None
    }
}

/// Marks each weakening justified by a qualifying waiver, or says why it is not.
fn justify(changes: &mut [Change], waivers: &[HeadWaiver], today: Date) {
    for c in changes.iter_mut() {
        if c.effect != Effect::Weakens {
            continue;
        }
        if c.controls.is_empty() {
            c.unjustified_because = Some(NO_CONTROL.to_owned());
            continue;
        }
        let candidates: Vec<&HeadWaiver> = waivers
            .iter()
            .filter(|w| c.controls.contains(&w.control))
            .collect();
        if let Some(w) = candidates
            .iter()
            .find(|w| w.cannot_justify(today).is_none())
        {
            c.justified = true;
            c.justified_by = Some(format!(
                "waiver {} for {} (until {}, approved by {})",
                w.ticket, w.control, w.expires, w.approved_by
            ));
            continue;
        }
        c.unjustified_because = Some(match candidates.first() {
            Some(w) => w.cannot_justify(today).unwrap_or_default(),
            None => format!("no waiver for {}", or_list(&c.controls)),
        });
    }
}

/// `a`, `a or b`, `a, b or c`, capped at five names.
fn or_list(ids: &[String]) -> String {
    const N: usize = 5;
    let shown: Vec<&str> = ids.iter().take(N).map(String::as_str).collect();
    let mut s = match shown.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    };
    if ids.len() > N {
        s.push_str(&format!(" (and {} more)", ids.len() - N));
    }
    s
}

/// True when any client has a weakening not justified by a qualifying waiver
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
            earlier: all.first().is_some_and(|f| *f < month),
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
