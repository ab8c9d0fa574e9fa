//! Privileged assignments against the approved list and against last month's snapshot,
//! shared by `access.approved-assignments`, `access.role-changes` and the scorecard.

use super::assignments::{Assignment, current_privileged, privileged_assignments};
use crate::controls::Ctx;
use crate::evidence::Missing;
use crate::scorecard::RoleChange;
use std::collections::BTreeSet;

/// An approved entry names an assignment by principal, role name and kind. A user is
/// named by UPN or object id; a service principal, a group or a principal of unknown
/// type only by object id: display names are not unique, and anyone who can create an
/// app or a group can copy one.
pub(super) fn approves(p: &crate::policy::ApprovedAssignment, a: &Assignment) -> bool {
    let by_upn = a
        .upn
        .as_deref()
        .is_some_and(|u| u.eq_ignore_ascii_case(&p.principal));
    (by_upn || p.principal.eq_ignore_ascii_case(&a.principal_id))
        && p.role.eq_ignore_ascii_case(&a.role_name)
        && p.assignment == a.kind
}

/// Why an unapproved assignment is not approved when an entry names its principal by
/// display name (only a user's UPN or an object id approves): the finding says so.
pub(super) fn by_name_hint(ctx: &Ctx, a: &Assignment) -> String {
    let named = ctx.policy.controls.approved.iter().any(|p| {
        a.upn.is_none()
            && p.principal.eq_ignore_ascii_case(&a.principal)
            && !p.principal.eq_ignore_ascii_case(&a.principal_id)
            && p.role.eq_ignore_ascii_case(&a.role_name)
            && p.assignment == a.kind
    });
    if named {
        format!(
            " (approved by display name, which does not approve a service principal, group or principal of unknown type: use its object id {})",
            a.principal_id
        )
    } else {
        String::new()
    }
}

pub(super) fn matches_approved(ctx: &Ctx, a: &Assignment) -> bool {
    ctx.policy.controls.approved.iter().any(|p| approves(p, a))
}

/// Role changes, each with the assignment when it was an addition.
pub type Changes = Vec<(RoleChange, Option<Assignment>)>;

/// Privileged assignments added and removed between the previous snapshot and this one.
/// `Ok(None)` only for the client's first month (no earlier snapshot at all); a previous
/// month missing after earlier ones is a gap, and what changed across it is unknown.
pub fn changes(ctx: &Ctx) -> Result<Option<Changes>, Missing> {
    let Some(prev) = ctx.prev else {
        if ctx.earlier {
            let prev_month = ctx.month.prev();
            let dir = ctx
                .snap
                .dir
                .rsplit_once('/')
                .map_or(prev_month.to_string(), |(client, _)| {
                    format!("{client}/{prev_month}")
                });
            return Err(Missing {
                file: dir,
                reason: format!(
                    "no snapshot for {prev_month} to compare with (earlier months exist: a gap in the history)"
                ),
            });
        }
        return Ok(None);
    };
    // Changes to who is assigned a role; a group's membership is not an assignment.
    let now: Vec<&Assignment> = current_privileged(ctx)?.direct().collect();
    let before = privileged_assignments(ctx, prev)?;
    let before: Vec<&Assignment> = before.direct().collect();
    let key = |a: &Assignment| (a.principal_id.clone(), a.role_template.clone(), a.kind);
    let before_keys: BTreeSet<_> = before.iter().map(|a| key(a)).collect();
    let now_keys: BTreeSet<_> = now.iter().map(|a| key(a)).collect();
    let change = |kind: &str, a: &Assignment| RoleChange {
        change: kind.to_owned(),
        principal: a.principal.clone(),
        role: a.role_name.clone(),
        assignment: a.kind.as_str().to_owned(),
    };
    let mut out: Vec<(RoleChange, Option<Assignment>)> = now
        .iter()
        .filter(|a| !before_keys.contains(&key(a)))
        .map(|a| (change("added", a), Some((*a).clone())))
        .collect();
    out.extend(
        before
            .iter()
            .filter(|a| !now_keys.contains(&key(a)))
            .map(|a| (change("removed", a), None)),
    );
    out.sort_by(|a, b| {
        (&a.0.change, &a.0.principal, &a.0.role).cmp(&(&b.0.change, &b.0.principal, &b.0.role))
    });
    out.dedup_by(|a, b| a.0 == b.0);
    Ok(Some(out))
}
