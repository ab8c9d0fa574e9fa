//! `access.pim-standing-privilege`: nobody holds a privileged role through a permanent
//! active assignment; roles are eligible in PIM.

use super::assignments::{Assignment, current_privileged};
use super::findings::{describe, is_break_glass, no_evidence, unknowns_of, with_sources};
use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::Missing;
use crate::evidence::endpoints::Endpoint;
use crate::model::{At, Domain};
use crate::policy::AssignmentKind;

pub fn control() -> Control {
    Control::new("access.pim-standing-privilege", Domain::Access, "Privileged roles are held through PIM, not standing", pim_standing)
        .doc(
            "No user holds a privileged role through a permanent active assignment, directly or as a member of a role-assignable group holding one; roles are eligible in Privileged Identity Management and activated just in time. Break-glass accounts are exempt. A group with such an assignment whose members are unknown, or a role whose definition is missing, is no_evidence unless a standing assignment is already proven.",
            "Standing privilege means a stolen session is an admin session at any hour; PIM limits it to approved, time-boxed activations.",
            "Convert the listed permanent assignments to eligible ones in Entra ID > Privileged Identity Management > Roles.",
        )
        .weight(2)
}

fn pim_standing(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    if !ctx.policy.controls.pim {
        return Ok(Outcome::na(
            "controls.toml declares `pim = false`: privileged roles are not managed through PIM",
        )
        .policy([At::file_start(&ctx.policy.controls.file)]));
    }
    ctx.snap.role_schedules.get()?;
    let p = current_privileged(ctx)?;
    let standing_kind =
        |a: &Assignment| a.kind == AssignmentKind::Active && a.permanent != Some(false);
    let standing: Vec<&Assignment> = p
        .holders()
        .filter(|a| standing_kind(a) && a.is_user && a.known && !is_break_glass(ctx, a))
        .collect();
    let unknown = unknowns_of(p, standing_kind, |a| {
        standing_kind(a) && a.is_user && !is_break_glass(ctx, a)
    });
    if standing.is_empty() && !unknown.is_empty() {
        return Ok(no_evidence("standing privileged assignments", unknown)
            .measured("unknown")
            .threshold("0"));
    }
    let mut items: Vec<String> = standing.iter().map(|a| describe(a)).collect();
    items.extend(unknown.iter().map(|(i, m)| format!("{i}: {}", m.reason)));
    let o = Outcome::check(
        standing.is_empty(),
        "no standing privileged assignments outside break-glass",
        format!(
            "{} permanent active privileged assignments outside break-glass",
            standing.len()
        ),
    )
    .measured(standing.len().to_string())
    .threshold("0")
    .items(items);
    Ok(with_sources(
        o,
        &standing,
        &ctx.snap.path(Endpoint::RoleAssignmentSchedules.file()),
    ))
}

#[cfg(test)]
mod tests {
    use crate::controls::access::fixtures::*;
    use crate::controls::testing::{CONTROLS_TOML, Fx, MONTH};
    use crate::scorecard::Status;

    #[test]
    fn only_break_glass_standing_assignments_pass() {
        let o = Fx::new().eval("access.pim-standing-privilege");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("0"));
    }

    #[test]
    fn a_permanent_active_global_admin_outside_break_glass_fails() {
        let mut a = default_assignments();
        a.push(ra(
            BOB,
            GA,
            &user_principal(BOB, "bob@acme.example", "Member"),
        ));
        let mut s = default_schedules();
        s.push(schedule(BOB, GA, Some("Assigned"), None));
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .graph("roleAssignmentSchedules.json", &list(&s))
            .eval("access.pim-standing-privilege");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["bob@acme.example: Global Administrator (active)"]);
        assert_eq!(o.evidence[0].file, ROLES_FILE);
        assert_eq!(o.evidence[0].pointer, "/value/2");
    }

    #[test]
    fn an_active_assignment_without_any_schedule_counts_as_standing() {
        let mut a = default_assignments();
        a.push(ra(
            BOB,
            EXCHANGE_ADMIN,
            &user_principal(BOB, "bob@acme.example", "Member"),
        ));
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .eval("access.pim-standing-privilege");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            ["bob@acme.example: Exchange Administrator (active)"]
        );
    }

    #[test]
    fn jit_activations_and_time_bound_assignments_are_not_standing() {
        let mut a = default_assignments();
        a.push(ra(
            ALICE,
            GA,
            &user_principal(ALICE, "alice@acme.example", "Member"),
        ));
        a.push(ra(
            BOB,
            EXCHANGE_ADMIN,
            &user_principal(BOB, "bob@acme.example", "Member"),
        ));
        let mut s = default_schedules();
        s.push(schedule(
            ALICE,
            GA,
            Some("Activated"),
            Some("2026-11-23T11:00:00Z"),
        ));
        s.push(schedule(
            BOB,
            EXCHANGE_ADMIN,
            Some("Assigned"),
            Some("2026-12-31T00:00:00Z"),
        ));
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .graph("roleAssignmentSchedules.json", &list(&s))
            .eval("access.pim-standing-privilege");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn a_service_principal_with_standing_privilege_is_not_a_user() {
        let sp = r##"{"@odata.type":"#microsoft.graph.servicePrincipal","id":"c0000000-0000-0000-0000-0000000000a1","accountEnabled":true,"displayName":"Contoso Provisioning","appId":"1fec8e78-bce4-4aaf-ab1b-5451cc387264","servicePrincipalType":"Application"}"##;
        let mut a = default_assignments();
        a.push(ra(
            "c0000000-0000-0000-0000-0000000000a1",
            EXCHANGE_ADMIN,
            sp,
        ));
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .eval("access.pim-standing-privilege");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn pim_false_is_not_applicable() {
        let text = CONTROLS_TOML.replace("pim = true", "pim = false");
        let o = Fx::new()
            .policy("controls.toml", &text)
            .eval("access.pim-standing-privilege");
        assert_eq!(o.status, Status::NotApplicable);
        assert!(o.message.contains("pim = false"), "{}", o.message);
    }

    #[test]
    fn unlicensed_assignment_schedules_are_no_evidence() {
        let o = Fx::new()
            .missing_as(
                "graph/roleAssignmentSchedules.json",
                "not_licensed",
                "Entra ID P2 is required",
            )
            .eval("access.pim-standing-privilege");
        assert_eq!(o.status, Status::NoEvidence);
        assert_eq!(o.message, "not licensed: Entra ID P2 is required");
        assert_eq!(
            o.evidence[0].file,
            "evidence/acme/2026-11/graph/roleAssignmentSchedules.json"
        );
    }

    #[test]
    fn a_permanent_group_assignment_gives_its_members_standing_privilege() {
        let o = group_holds_ga()
            .file(
                MONTH,
                GROUP_FILE,
                &members(&[(BOB, "bob@acme.example", "Member")]),
            )
            .eval("access.pim-standing-privilege");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(
            o.items,
            ["bob@acme.example: Global Administrator (active, through group Tier0 Admins)"]
        );
    }
}
