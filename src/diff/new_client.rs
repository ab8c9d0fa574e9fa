//! A client added in the diff has no BASE to compare with. It is compared with a
//! *reference* policy instead: the defaults custody applies when a key is absent, and
//! for what has no default, nothing granted. The comparison runs the same rules as an
//! existing client's diff ([`rules::all`]), so every setting that would weaken if an
//! existing client changed it from the reference weakens here too, with the same
//! sentence and the same justification; a client added in a pull request cannot bring
//! weakened settings in unreviewed.
//!
//! Two kinds of key have no reference value to run the rules against, and are handled
//! here: RACI completeness (an activity without its one Accountable or a Responsible, a
//! control no activity owns), and the backup durations the catalogue has no default for
//! (compared with [`BACKUP_REFERENCE`]: a looser one weakens). Which
//! reference each key of [`super::KEYS`] is compared with is written in
//! [`super::keys::NEW_CLIENT`].

use super::rules::{self, Ch, Loc};
use super::{Change, Effect, HeadWaiver};
use crate::controls;
use crate::policy::{IdentityModel, Policy, Scope};
use crate::scorecard::Domain;
use jiff::civil::Date;

/// What every sentence of a new client's changes ends with: its "before" is the
/// reference, not an earlier version.
pub(super) const MARK: &str = " [new client]";

/// Every change of a new client against the reference, and its waivers (all added by
/// this diff, so each can justify what it covers).
pub(super) fn against_reference(
    client: &str,
    h: &Policy,
    today: Date,
) -> (Vec<Change>, Vec<HeadWaiver>) {
    let r = reference(h);
    let (mut out, waivers) = rules::all(client, &r, h, today);
    raci_complete(&mut out, client, h);
    durations_for_review(&mut out, h);
    // Read as a walk through the client's files, in the order `custody init` writes them.
    const ORDER: [&str; 5] = [
        "client.toml",
        "notes.md",
        "raci.toml",
        "controls.toml",
        "backup.toml",
    ];
    out.sort_by_key(|c| {
        let file = ORDER
            .iter()
            .position(|f| c.file.ends_with(&format!("/{f}")));
        (file.unwrap_or(ORDER.len()), c.line.unwrap_or(usize::MAX))
    });
    for c in &mut out {
        c.reason.push_str(MARK);
    }
    (out, waivers)
}

/// The reference a new client is compared with: its own identity and descriptions
/// (name, tenant, domains, branding, notes, backup provider, encryption, location,
/// owner, notes and reasons; completeness is `policy-complete`'s to judge), every
/// defaulted key at its default, and nothing granted: no break-glass account, approved
/// assignment, waiver, disabled control, extra privileged role, known gap, Veeam job
/// list or product export mapping; every declared workload in scope with scope `all`.
/// Its source texts are dropped, so every key of the new client's files is looked at
/// by the unclassified safety net.
fn reference(h: &Policy) -> Policy {
    let mut r = h.clone();
    r.sources.clear();
    r.client.publish = true;
    let c = &mut r.controls;
    c.identity_model = IdentityModel::ConditionalAccess;
    c.pim = true;
    c.break_glass.clear();
    c.extra_privileged_roles.clear();
    c.thresholds.clear();
    c.approved.clear();
    c.waivers.clear();
    c.disabled.clear();
    for w in r.backup.workloads.values_mut() {
        w.in_scope = true;
        // Absent settings are no grant: `policy-complete` fails them on the evidence.
        w.scope = w.scope.map(|_| Scope::All);
        w.known_gaps = w.known_gaps.as_ref().map(|_| Vec::new());
        w.veeam_jobs = None;
    }
    r.backup.csv = None;
    let ret = &mut r.backup.retention;
    ret.relies_on_backup = false;
    ret.legal_minimum = None;
    ret.compliance_location = None;
    r
}

/// RACI against the reference "every activity has exactly one Accountable and a
/// Responsible, and every enabled control is owned": an activity without its one
/// Accountable or without a Responsible weakens, and so do the enabled controls no
/// activity owns (one change listing them).
fn raci_complete(out: &mut Vec<Change>, client: &str, h: &Policy) {
    for a in &h.raci.activities {
        let ch = |field: &str| {
            Ch::new(
                "raci",
                format!("{}.{field}", a.id),
                format!("{}: {field}", a.id),
                Loc::at(&a.at),
                Some(Domain::Governance),
            )
            .bears_on(["governance.raci-complete"])
        };
        if a.accountable.len() != 1 {
            let note = if a.accountable.is_empty() {
                "no one accountable"
            } else {
                "a second accountable"
            };
            let who = rules::names(&a.accountable);
            out.push(
                ch("accountable")
                    .values(None, Some(who.clone()))
                    .effect(Effect::Weakens)
                    .reason(format!("{}: accountable {who}: weakens ({note})", a.id))
                    .build(),
            );
        }
        if a.responsible.is_empty() {
            out.push(
                ch("responsible")
                    .values(None, Some(rules::names(&a.responsible)))
                    .effect(Effect::Weakens)
                    .reason(format!(
                        "{}: responsible nobody: weakens (no one responsible)",
                        a.id
                    ))
                    .build(),
            );
        }
    }
    // As `governance.controls-owned` judges it: a disabled control needs no owner (its
    // disabling is a weakening of its own).
    let unowned: Vec<&str> = controls::catalogue()
        .iter()
        .filter(|c| !h.controls.disabled.iter().any(|d| d.control == c.id))
        .filter(|c| !rules::covered(h, &c.id))
        .map(|c| c.id.as_str())
        .collect();
    if unowned.is_empty() {
        return;
    }
    let n = unowned.len();
    out.push(
        Ch::new(
            "raci",
            "controls",
            "RACI controls",
            Loc {
                file: rules::source_path(h, client, "raci.toml"),
                line: None,
            },
            Some(Domain::Governance),
        )
        .bears_on(["governance.controls-owned"])
        .values(None, Some(unowned.join(", ")))
        .effect(Effect::Weakens)
        .reason(format!(
            "RACI controls: weakens ({n} control{} owned by no activity: {})",
            if n == 1 { "" } else { "s" },
            rules::capped_list(&unowned)
        ))
        .build(),
    );
}

/// The reference a new client's backup durations are compared with, where the catalogue
/// has no default: `(key, reference)`. A value looser than the reference (a longer
/// frequency, RPO, RTO or restore-test cadence; a shorter retention) weakens, for the
/// reviewers to judge like any other weakening; a value at or within it is ordinary
/// onboarding and reads as nothing. Loose enough that a small client's usual policy
/// passes, tight enough that "rpo = 365d" or "retention = 7d" cannot come in unreviewed.
pub const BACKUP_REFERENCE: [(&str, &str); 5] = [
    ("frequency", "24h"),
    ("retention", "1y"),
    ("rpo", "24h"),
    ("rto", "72h"),
    ("restore_test_cadence", "180d"),
];

/// The reference duration of a backup key (see [`BACKUP_REFERENCE`]).
pub fn backup_reference(key: &str) -> Option<crate::duration::Duration> {
    BACKUP_REFERENCE
        .iter()
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| crate::duration::Duration::parse(v).ok())
}

/// The backup durations of an in-scope workload (frequency, retention, RPO, RTO,
/// restore-test cadence) against [`BACKUP_REFERENCE`]: each looser one a new client sets
/// is a weakening, justified like any other by a waiver for a control it bears on. An
/// out-of-scope workload's settings do not weigh.
fn durations_for_review(out: &mut Vec<Change>, h: &Policy) {
    for (w, p) in h.backup.workloads.iter().filter(|(_, p)| p.in_scope) {
        for (key, label, value, longer_is_stronger) in rules::durations(p) {
            let (Some(v), Some(reference)) = (value, backup_reference(key)) else {
                continue;
            };
            let looser = if longer_is_stronger {
                v < reference
            } else {
                v > reference
            };
            if !looser {
                continue;
            }
            let loc = p.key_at.get(key).map_or_else(|| Loc::at(&p.at), Loc::at);
            out.push(
                Ch::new(
                    "backup",
                    format!("{}.{key}", w.id()),
                    format!("{} backup {label}", w.title()),
                    loc,
                    Some(Domain::Backup),
                )
                .bears_on(rules::workload_controls(*w, key))
                .values(Some(reference.to_string()), Some(v.to_string()))
                .effect(Effect::Weakens)
                .reason(format!(
                    "{} backup {label} {v} set by a new client, looser than the new-client reference {reference}: weakens",
                    w.title()
                ))
                .build(),
            );
        }
    }
}

/// A new client's tenant as a weakening, used by [`super::flag_shared_tenants`] only
/// when another client declares the same tenant (otherwise the tenant is the new
/// client's own, like its name).
pub(super) fn tenant(client: &str, h: &Policy) -> Change {
    let file = rules::source_path(h, client, "client.toml");
    let line = rules::key_line(h, &file, "", "tenant_id");
    Ch::new(
        "client",
        "client.tenant_id",
        "client tenant",
        Loc { file, line },
        None,
    )
    .values(None, Some(h.client.tenant_id.clone()))
    .effect(Effect::Weakens)
    .build()
}
