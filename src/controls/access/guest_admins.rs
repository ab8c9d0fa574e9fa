//! `access.guest-admins`: no guest holds a privileged directory role.

use super::assignments::{Assignment, current_privileged};
use super::findings::{describe, no_evidence, roles_file, unknowns_of, with_sources};
use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::Missing;
use crate::model::Domain;

pub fn control() -> Control {
    Control::new("access.guest-admins", Domain::Access, "No guests in privileged roles", guest_admins)
        .doc(
            "No guest (userType Guest, or an #EXT# account) holds a privileged directory role, active or eligible, directly or through a role-assignable group. A holder whose type is not positively known (in neither users.json nor an expanded principal, or a principal without `@odata.type`: it may be a guest, or a group with guests in it), a group whose members are unknown or a role of unknown privilege (a definition that is missing, or a custom role without `isPrivileged`) is no_evidence unless a guest is already proven.",
            "A guest's credentials, MFA and offboarding are controlled by another organisation: the client cannot vouch for them.",
            "Remove the role from the guest; if the person needs it, give them a member account in the tenant under the client's own lifecycle.",
        )
        .weight(2)
}

fn guest_admins(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let p = current_privileged(ctx)?;
    let guests: Vec<&Assignment> = p.holders().filter(|a| a.is_guest).collect();
    // A holder of unknown type (known by id alone, or a principal without @odata.type)
    // may be a guest, or a group with guests in it.
    let unknown = unknowns_of(p, |a| !a.is_guest, |a| a.is_guest || !a.known);
    if guests.is_empty() && !unknown.is_empty() {
        return Ok(no_evidence("privileged principals", unknown)
            .measured("unknown")
            .threshold("0"));
    }
    let o = Outcome::check(
        guests.is_empty(),
        "no guest holds a privileged role",
        format!("{} privileged assignments held by guests", guests.len()),
    )
    .measured(guests.len().to_string())
    .threshold("0")
    .items(guests.iter().map(|a| describe(a)));
    Ok(with_sources(o, &guests, &roles_file(ctx)))
}

#[cfg(test)]
mod tests {
    use crate::controls::access::fixtures::*;
    use crate::controls::testing::{Fx, MONTH};
    use crate::scorecard::Status;

    #[test]
    fn no_guest_admins_pass() {
        let o = Fx::new().eval("access.guest-admins");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.evidence[0].pointer, "/value");
    }

    #[test]
    fn a_guest_principal_from_the_expanded_assignment_fails() {
        // As in Graph's own example: no UPN, only displayName and userType "Guest".
        let guest = r##"{"@odata.type":"#microsoft.graph.user","id":"6f87972e-2e7e-4b49-9980-eb3888bdcfe1","accountEnabled":true,"displayName":"Kalyan Krishna","imAddresses":[],"userType":"Guest"}"##;
        let mut a = default_assignments();
        a.push(ra("6f87972e-2e7e-4b49-9980-eb3888bdcfe1", GA, guest));
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .eval("access.guest-admins");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["Kalyan Krishna: Global Administrator (active)"]);
        assert_eq!(o.evidence[0].pointer, "/value/2");
    }

    #[test]
    fn an_ext_upn_is_a_guest_even_without_user_type() {
        // Cloud Application Administrator is not in roleDefinitions.json: the built-in list names it.
        let guest = r##"{"@odata.type":"#microsoft.graph.user","id":"e755e472-f2eb-4ea6-829d-5a908600fdb1","displayName":"Dana Ortiz","mail":"dana.ortiz@partner.example","userPrincipalName":"dana.ortiz_partner.example#EXT#@labtenant.onmicrosoft.com"}"##;
        let mut a = default_assignments();
        a.push(ra(
            "e755e472-f2eb-4ea6-829d-5a908600fdb1",
            CLOUD_APP_ADMIN,
            guest,
        ));
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .eval("access.guest-admins");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            [
                "dana.ortiz_partner.example#EXT#@labtenant.onmicrosoft.com: Cloud Application Administrator (active)"
            ]
        );
    }

    #[test]
    fn service_principal_members_are_not_guests() {
        let sp = r##"{"@odata.type":"#microsoft.graph.servicePrincipal","id":"13371536-9950-4988-90f4-343566456781","accountEnabled":true,"displayName":"graph2otel-poller","appId":"2c92ce28-126c-47c1-82b0-410b64502989","servicePrincipalType":"Application"}"##;
        let mut a = default_assignments();
        a.push(ra(
            "13371536-9950-4988-90f4-343566456781",
            CLOUD_APP_ADMIN,
            sp,
        ));
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .eval("access.guest-admins");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn an_eligible_guest_known_from_users_json_fails() {
        let mut u = default_users();
        u.push(user(
            "c0000000-0000-0000-0000-000000000007",
            "markie_partner.example#EXT#@acme.onmicrosoft.com",
            "guest",
            true,
            "2026-11-10T08:00:00Z",
        ));
        let e = [
            eligible(ALICE, GA),
            eligible("c0000000-0000-0000-0000-000000000007", EXCHANGE_ADMIN),
        ];
        let o = Fx::new()
            .graph("users.json", &list(&u))
            .graph("roleEligibilitySchedules.json", &list(&e))
            .eval("access.guest-admins");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            ["markie_partner.example#EXT#@acme.onmicrosoft.com: Exchange Administrator (eligible)"]
        );
        assert_eq!(o.evidence[0].file, ELIG_FILE);
        assert_eq!(o.evidence[0].pointer, "/value/1");
    }

    #[test]
    fn an_eligible_principal_known_by_id_alone_is_no_evidence_for_guest_admins() {
        let e = [eligible(ALICE, GA), eligible(CAROL, EXCHANGE_ADMIN)];
        let o = Fx::new()
            .graph("roleEligibilitySchedules.json", &list(&e))
            .eval("access.guest-admins");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert_eq!(o.items.len(), 1);
        assert!(
            o.items[0].ends_with(
                "is in neither users.json nor an expanded principal: whether it is a user, a guest or a group is unknown"
            ),
            "{:?}",
            o.items
        );
    }

    #[test]
    fn a_role_missing_from_role_definitions_held_by_a_guest_is_no_evidence() {
        let custom = "cccccccc-0000-0000-0000-00000000000c";
        let guest = r##"{"@odata.type":"#microsoft.graph.user","id":"c0000000-0000-0000-0000-000000000007","displayName":"Guest","userPrincipalName":"g_partner.example#EXT#@acme.onmicrosoft.com","userType":"Guest"}"##;
        let mut a = default_assignments();
        a.push(ra("c0000000-0000-0000-0000-000000000007", custom, guest));
        let fx = Fx::new().graph("roleAssignments.json", &list(&a));
        let o = fx.eval("access.guest-admins");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert!(
            o.items[0].ends_with(&format!(
                "role {custom}: role definition {custom} is not in roleDefinitions.json"
            )),
            "{:?}",
            o.items
        );
        // Defined and not privileged: the guest holds no privileged role.
        let defs = format!(
            r#"{{"value":[{{"id":"{GA}","displayName":"Global Administrator","templateId":"{GA}"}},{{"id":"{custom}","displayName":"Lunch Menu Reader","templateId":"{custom}","isPrivileged":false}}]}}"#
        );
        let o = fx
            .graph("roleDefinitions.json", &defs)
            .eval("access.guest-admins");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn a_guest_member_of_a_privileged_group_is_a_guest_admin() {
        let o = group_holds_ga()
            .file(
                MONTH,
                GROUP_FILE,
                &members(&[(
                    "c0000000-0000-0000-0000-000000000009",
                    "dana_partner.example#EXT#@acme.onmicrosoft.com",
                    "Guest",
                )]),
            )
            .eval("access.guest-admins");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(
            o.items,
            [
                "dana_partner.example#EXT#@acme.onmicrosoft.com: Global Administrator (active, through group Tier0 Admins)"
            ]
        );
    }
}
