//! How the access controls word and source their findings: assignments described,
//! unknowns named, evidence pointers attached.

use super::assignments::{Assignment, Privileged};
use crate::controls::{Ctx, Outcome, capped};
use crate::evidence::Missing;
use crate::evidence::endpoints::Endpoint;
use crate::model::{EvidenceRef, Status};
use std::collections::BTreeSet;

pub(super) fn roles_file(ctx: &Ctx) -> String {
    ctx.snap.path(Endpoint::RoleAssignments.file())
}

/// An outcome for what the snapshot cannot say: `no_evidence`, each unknown named.
pub(super) fn no_evidence(what: &str, unknowns: Vec<(String, Missing)>) -> Outcome {
    let mut o = Outcome::new(
        Status::NoEvidence,
        format!(
            "{} {what} cannot be judged: {}",
            unknowns.len(),
            unknowns
                .first()
                .map(|(_, m)| m.reason.clone())
                .unwrap_or_default()
        ),
    );
    let mut files = BTreeSet::new();
    for (item, m) in unknowns {
        o.items.push(format!("{item}: {}", m.reason));
        if files.insert(m.file.clone()) {
            o.evidence.push(EvidenceRef {
                file: m.file,
                pointer: String::new(),
            });
        }
    }
    o.items = capped(std::mem::take(&mut o.items), 100);
    o
}

/// Groups whose unknown members matter to a control (and holders of unknown type, which
/// may be such groups), and roles of unknown privilege held by principals the control
/// would flag, as named unknowns.
pub(super) fn unknowns_of(
    p: &Privileged,
    group: impl Fn(&Assignment) -> bool,
    role: impl Fn(&Assignment) -> bool,
) -> Vec<(String, Missing)> {
    let mut out: Vec<(String, Missing)> = p
        .unresolved_groups
        .iter()
        .filter(|(a, _)| group(a))
        .map(|(a, m)| {
            (
                format!(
                    "members of group {} ({} {})",
                    a.principal,
                    a.role_name,
                    a.kind.as_str()
                ),
                m.clone(),
            )
        })
        .collect();
    out.extend(
        p.untyped
            .iter()
            .filter(|(a, _)| group(a))
            .map(|(a, m)| (describe(a), m.clone())),
    );
    out.extend(
        p.unknown_roles
            .iter()
            .filter(|(a, _)| role(a))
            .map(|(a, m)| (format!("{}: role {}", a.principal, a.role_name), m.clone())),
    );
    out
}

pub(super) fn is_break_glass(ctx: &Ctx, a: &Assignment) -> bool {
    ctx.policy
        .controls
        .break_glass
        .iter()
        .any(|(upn, _)| upn.eq_ignore_ascii_case(&a.principal) || *upn == a.principal_id)
}

pub(super) fn describe(a: &Assignment) -> String {
    match &a.via_group {
        Some(g) => format!(
            "{}: {} ({}, through group {g})",
            a.principal,
            a.role_name,
            a.kind.as_str()
        ),
        None => format!("{}: {} ({})", a.principal, a.role_name, a.kind.as_str()),
    }
}

pub(super) fn with_sources(mut o: Outcome, list: &[&Assignment], fallback: &str) -> Outcome {
    for a in list.iter().take(30) {
        o.evidence.push(a.source.clone());
    }
    if o.evidence.is_empty() {
        o = o.evidence(fallback, "/value");
    }
    o
}
