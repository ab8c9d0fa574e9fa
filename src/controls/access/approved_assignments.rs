//! `access.approved-assignments`: every privileged assignment is on the approved list,
//! and every approved entry still exists.

use super::assignments::{Assignment, current_privileged};
use super::drift::{approves, by_name_hint, matches_approved};
use super::findings::{describe, no_evidence, roles_file, unknowns_of, with_sources};
use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::Missing;
use crate::model::{At, Domain, Status};

pub fn control() -> Control {
    Control::new("access.approved-assignments", Domain::Access, "Privileged assignments match the approved list", approved_assignments)
        .doc(
            "Every privileged role assignment in the tenant appears in `[[approved_assignment]]` of controls.toml with the same principal, role and kind (eligible or active); approved entries with no assignment are listed too. A user is named by UPN or object id; a service principal, a group or a principal of unknown type only by object id: display names are not unique, so an entry naming one by display name approves nothing and the finding says to use the object id.",
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
        .map(|a| format!("not approved: {}{}", describe(a), by_name_hint(ctx, a)))
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

    const SP: &str = "5a000000-0000-0000-0000-000000000001";
    const GROUP_ID: &str = "9a000000-0000-0000-0000-000000000001";

    fn held(principal: &str, id: &str) -> Fx {
        let mut a = default_assignments();
        a.push(ra(id, GA, principal));
        Fx::new().graph("roleAssignments.json", &list(&a))
    }

    fn approve(fx: Fx, principal: &str) -> Fx {
        fx.with_controls_extra(&format!(
            "[[approved_assignment]]\nprincipal = \"{principal}\"\nrole = \"Global Administrator\"\nassignment = \"active\"\n"
        ))
    }

    /// Regression (red team `spname`): `principal = "Backup Automation"` approved any
    /// service principal so named; service principals and groups are named by object id.
    #[test]
    fn a_display_name_does_not_approve_a_service_principal_or_a_group() {
        let sp = format!(
            r##"{{"@odata.type":"#microsoft.graph.servicePrincipal","id":"{SP}","displayName":"Backup Automation"}}"##
        );
        let group = format!(
            r##"{{"@odata.type":"#microsoft.graph.group","id":"{GROUP_ID}","displayName":"Tier0 Admins"}}"##
        );
        let untyped = format!(r#"{{"id":"{SP}","displayName":"Backup Automation"}}"#);
        let members = r#"{"value":[]}"#;
        for (case, fx, id, name) in [
            ("service principal", held(&sp, SP), SP, "Backup Automation"),
            (
                "group",
                held(&group, GROUP_ID).file(
                    crate::controls::testing::MONTH,
                    &format!("graph/groupMembers/{GROUP_ID}.json"),
                    members,
                ),
                GROUP_ID,
                "Tier0 Admins",
            ),
            ("unknown type", held(&untyped, SP), SP, "Backup Automation"),
        ] {
            let o = approve(fx.clone(), name).eval("access.approved-assignments");
            assert_eq!(o.status, Status::Fail, "{case}: {o:?}");
            assert!(
                o.items.iter().any(|i| i.starts_with(&format!(
                    "not approved: {name}: Global Administrator (active)"
                )) && i.contains(&format!("use its object id {id}"))),
                "{case}: {:?}",
                o.items
            );
            let o = approve(fx.clone(), id).eval("access.approved-assignments");
            assert_eq!(o.status, Status::Pass, "{case}: {o:?}");
            // The same rule in last month's changes.
            let o = approve(fx.with_prev(), name).eval("access.role-changes");
            assert_eq!(o.status, Status::Warn, "{case}: {o:?}");
            assert!(
                o.items.iter().any(|i| i.contains("use its object id")),
                "{case}: {:?}",
                o.items
            );
        }
    }

    #[test]
    fn a_user_is_approved_by_upn_or_object_id_not_by_display_name() {
        let user = format!(
            r##"{{"@odata.type":"#microsoft.graph.user","id":"{BOB}","displayName":"Bob Jones","userPrincipalName":"bob@acme.example","userType":"Member"}}"##
        );
        // Bob is in users.json (UPN bob@acme.example); approved by UPN in any case, or id.
        for by in ["BOB@acme.example", BOB] {
            let o = approve(held(&user, BOB), by).eval("access.approved-assignments");
            assert_eq!(o.status, Status::Pass, "{by}: {o:?}");
        }
        let mut u = default_users();
        u[3] = u[3].replace(
            r#""displayName":"bob@acme.example""#,
            r#""displayName":"Bob Jones""#,
        );
        let o = approve(held(&user, BOB), "Bob Jones")
            .graph("users.json", &list(&u))
            .eval("access.approved-assignments");
        assert_eq!(o.status, Status::Fail, "{o:?}");
    }
}
