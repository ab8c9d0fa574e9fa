//! `access.approved-assignments`: every privileged assignment is on the approved list,
//! and every approved entry still exists.

use super::assignments::{Assignment, current_privileged};
use super::drift::{approves, matches_approved};
use super::findings::{describe, no_evidence, roles_file, unknowns_of, with_sources};
use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::Missing;
use crate::model::{At, Domain, Status};

pub fn control() -> Control {
    Control::new("access.approved-assignments", Domain::Access, "Privileged assignments match the approved list", approved_assignments)
        .doc(
            "Every privileged role assignment in the tenant appears in `[[approved_assignment]]` of controls.toml with the same principal, role and kind (eligible or active); approved entries with no assignment are listed too.",
            "Drift from the approved list is how privilege creeps: a temporary assignment nobody removed, or a change made outside the change process.",
            "Remove unapproved assignments in the tenant, or get the change approved and add it to controls.toml in a reviewed pull request.",
        )
        .weight(2)
}

fn approved_assignments(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let p = current_privileged(ctx)?;
    // The approved list names assignments, not the members a group passes them on to.
    let all: Vec<&Assignment> = p.direct().collect();
    let all = all.as_slice();
    let unapproved: Vec<&Assignment> = all
        .iter()
        .copied()
        .filter(|a| !matches_approved(ctx, a))
        .collect();
    let unknown = unknowns_of(
        p,
        |_| false,
        |a| a.via_group.is_none() && !matches_approved(ctx, a),
    );
    if unapproved.is_empty() && !unknown.is_empty() {
        return Ok(no_evidence("role assignments", unknown)
            .measured("unknown")
            .threshold("all approved"));
    }
    let absent: Vec<&crate::policy::ApprovedAssignment> = ctx
        .policy
        .controls
        .approved
        .iter()
        .filter(|p| !all.iter().any(|a| approves(p, a)))
        .collect();
    let mut items: Vec<String> = unapproved
        .iter()
        .map(|a| format!("not approved: {}", describe(a)))
        .collect();
    items.extend(absent.iter().map(|p| {
        format!(
            "approved but not assigned: {}: {} ({})",
            p.principal,
            p.role,
            p.assignment.as_str()
        )
    }));
    let status = if !unapproved.is_empty() {
        Status::Fail
    } else if !absent.is_empty() {
        Status::Warn
    } else {
        Status::Pass
    };
    let message = match status {
        Status::Pass => format!("all {} privileged assignments are approved", all.len()),
        Status::Warn => format!(
            "{} approved assignments no longer exist in the tenant",
            absent.len()
        ),
        _ => format!(
            "{} of {} privileged assignments are not on the approved list",
            unapproved.len(),
            all.len()
        ),
    };
    let o = Outcome::new(status, message)
        .measured(format!(
            "{}/{} approved",
            all.len() - unapproved.len(),
            all.len()
        ))
        .threshold("all approved")
        .items(items)
        .policy(absent.iter().map(|p| p.at.clone()));
    let mut o = with_sources(o, &unapproved, &roles_file(ctx));
    if unapproved.is_empty() && absent.is_empty() {
        o.policy.push(At::file_start(&ctx.policy.controls.file));
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use crate::controls::access::fixtures::*;
    use crate::controls::testing::{CONTROLS_TOML, Fx};
    use crate::scorecard::Status;

    #[test]
    fn approved_assignments_pass() {
        let o = Fx::new().eval("access.approved-assignments");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("3/3 approved"));
    }

    #[test]
    fn an_unapproved_assignment_fails() {
        let mut a = default_assignments();
        a.push(ra(
            BOB,
            EXCHANGE_ADMIN,
            &user_principal(BOB, "bob@acme.example", "Member"),
        ));
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .eval("access.approved-assignments");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            ["not approved: bob@acme.example: Exchange Administrator (active)"]
        );
        assert_eq!(o.evidence[0].file, ROLES_FILE);
        assert_eq!(o.evidence[0].pointer, "/value/2");
        assert_eq!(o.measured.as_deref(), Some("3/4 approved"));
    }

    #[test]
    fn an_approved_assignment_absent_from_the_tenant_warns() {
        let o = Fx::new()
            .graph("roleEligibilitySchedules.json", &list(&[]))
            .eval("access.approved-assignments");
        assert_eq!(o.status, Status::Warn);
        assert_eq!(
            o.items,
            ["approved but not assigned: alice@acme.example: Global Administrator (eligible)"]
        );
        assert_eq!(o.policy.len(), 1);
        assert_eq!(
            o.policy[0].line,
            line_of(CONTROLS_TOML, "principal = \"alice@acme.example\"")
        );
    }

    #[test]
    fn the_wrong_kind_of_assignment_is_not_approved() {
        let mut a = default_assignments();
        a.push(ra(
            ALICE,
            GA,
            &user_principal(ALICE, "alice@acme.example", "Member"),
        ));
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .graph("roleEligibilitySchedules.json", &list(&[]))
            .eval("access.approved-assignments");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            [
                "not approved: alice@acme.example: Global Administrator (active)",
                "approved but not assigned: alice@acme.example: Global Administrator (eligible)"
            ]
        );
    }

    #[test]
    fn an_approval_by_object_id_matches() {
        let mut a = default_assignments();
        a.push(ra(
            BOB,
            EXCHANGE_ADMIN,
            &user_principal(BOB, "bob@acme.example", "Member"),
        ));
        let extra = format!(
            "[[approved_assignment]]\nprincipal = \"{BOB}\"\nrole = \"exchange administrator\"\nassignment = \"active\"\n"
        );
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .with_controls_extra(&extra)
            .eval("access.approved-assignments");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }
}
