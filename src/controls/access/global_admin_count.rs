//! `access.global-admin-count`: between the minimum and the maximum number of principals
//! hold Global Administrator.

use super::assignments::{Assignment, GLOBAL_ADMIN, current_privileged};
use super::findings::{describe, no_evidence, roles_file, unknowns_of, with_sources};
use crate::controls::{Control, Ctx, Direction, Outcome, Param, Trend, count};
use crate::evidence::Missing;
use crate::model::Domain;
use std::collections::BTreeSet;

const GLOBAL_ADMINS_MIN: Param = Param {
    name: "min",
    default: 2.0,
    min: 1.0,
    max: 100.0,
    doc: "fewest Global Administrators",
    direction: Direction::HigherIsStricter,
};

const GLOBAL_ADMINS_MAX: Param = Param {
    name: "max",
    default: 4.0,
    min: 1.0,
    max: 100.0,
    doc: "most Global Administrators",
    direction: Direction::LowerIsStricter,
};

pub fn control() -> Control {
    Control::new("access.global-admin-count", Domain::Access, "Between 2 and 4 Global Administrators", global_admin_count)
        .doc(
            "Number of distinct principals holding Global Administrator, active or eligible, break-glass accounts included; the members of a role-assignable group holding it count, each naming the group. A group whose membership file (graph/groupMembers/<id>.json) is missing, or a holder whose type is not positively known (in neither users.json nor an expanded principal, or a principal without `@odata.type`: it may be a group), makes the count a lower bound: no_evidence unless it already exceeds the maximum.",
            "One Global Administrator is a single point of failure; more than four widens the most powerful attack surface in the tenant.",
            "Remove Global Administrator from people who can do their work with a narrower role (Exchange, User, Helpdesk Administrator), or add a second break-glass account.",
        )
        .weight(2)
        .params(&[GLOBAL_ADMINS_MIN, GLOBAL_ADMINS_MAX])
        .trend(Trend::GlobalAdmins)
}

fn global_admin_count(ctx: &Ctx, c: &Control) -> Result<Outcome, Missing> {
    let p = current_privileged(ctx)?;
    let ga: Vec<&Assignment> = p
        .holders()
        .filter(|a| a.role_template == GLOBAL_ADMIN)
        .collect();
    let holders: BTreeSet<&str> = ga.iter().map(|a| a.principal_id.as_str()).collect();
    let (min, min_at) = ctx.param(c, &GLOBAL_ADMINS_MIN);
    let (max, max_at) = ctx.param(c, &GLOBAL_ADMINS_MAX);
    let n = holders.len() as f64;
    // "expected 2–4", or "expected 4" when the policy pins one number.
    let expected = if min == max {
        format!("{min}")
    } else {
        format!("{min}–{max}")
    };
    // A group holding Global Administrator whose members are unknown: the count is a
    // lower bound, which proves only "too many".
    let unknown = unknowns_of(p, |a| a.role_template == GLOBAL_ADMIN, |_| false);
    if !unknown.is_empty() && n <= max {
        return Ok(no_evidence("Global Administrator holders", unknown)
            .measured(format!("at least {}", holders.len()))
            .threshold(expected)
            .policy(min_at.into_iter().chain(max_at)));
    }
    let o = Outcome::check(
        n >= min && n <= max,
        count(
            holders.len(),
            "Global Administrator",
            "Global Administrators",
        ),
        format!(
            "{}, expected {expected}",
            count(
                holders.len(),
                "Global Administrator",
                "Global Administrators"
            )
        ),
    )
    .measured(holders.len().to_string())
    .value(n)
    .threshold(expected)
    .items(ga.iter().map(|a| describe(a)))
    .policy(min_at.into_iter().chain(max_at));
    Ok(with_sources(o, &ga, &roles_file(ctx)))
}

#[cfg(test)]
mod tests {
    use crate::controls::access::fixtures::*;
    use crate::controls::testing::{CONTROLS_TOML, Fx, MONTH};
    use crate::scorecard::Status;

    #[test]
    fn three_global_admins_pass() {
        let o = Fx::new().eval("access.global-admin-count");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.value, Some(3.0));
        assert_eq!(
            o.items,
            [
                "bg1@acme.onmicrosoft.com: Global Administrator (active)",
                "bg2@acme.onmicrosoft.com: Global Administrator (active)",
                "alice@acme.example: Global Administrator (eligible)"
            ]
        );
        assert_eq!(o.evidence[0].file, ROLES_FILE);
        assert_eq!(o.evidence[2].file, ELIG_FILE);
    }

    #[test]
    fn a_single_global_admin_fails() {
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&default_assignments()[..1]))
            .graph("roleEligibilitySchedules.json", &list(&[]))
            .eval("access.global-admin-count");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.message, "1 Global Administrator, expected 2–4");
        assert_eq!(
            o.items,
            ["bg1@acme.onmicrosoft.com: Global Administrator (active)"]
        );
        assert_eq!(o.evidence[0].pointer, "/value/0");
    }

    /// Regression: holders were counted by name, so two service principals (no UPN)
    /// with the same display name counted as one Global Administrator.
    #[test]
    fn global_admins_are_counted_by_object_id_not_name() {
        let sp = |id: &str| {
            format!(
                r##"{{"@odata.type":"#microsoft.graph.servicePrincipal","id":"{id}","displayName":"Automation"}}"##
            )
        };
        let mut a = default_assignments();
        a.push(ra(
            "5a000000-0000-0000-0000-000000000001",
            GA,
            &sp("5a000000-0000-0000-0000-000000000001"),
        ));
        a.push(ra(
            "5a000000-0000-0000-0000-000000000002",
            GA,
            &sp("5a000000-0000-0000-0000-000000000002"),
        ));
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .eval("access.global-admin-count");
        assert_eq!(o.measured.as_deref(), Some("5"), "{o:?}");
        assert_eq!(o.status, Status::Fail);
    }

    #[test]
    fn five_global_admins_fail_by_default() {
        let o = five_global_admins().eval("access.global-admin-count");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.message, "5 Global Administrators, expected 2–4");
        assert!(
            o.items
                .contains(&"carol@acme.example: Global Administrator (active)".to_owned()),
            "{:?}",
            o.items
        );
        assert!(o.policy.is_empty());
    }

    #[test]
    fn five_global_admins_pass_with_max_5() {
        let extra = "[thresholds]\n\"access.global-admin-count\" = { max = 5 }\n";
        let o = five_global_admins()
            .with_controls_extra(extra)
            .eval("access.global-admin-count");
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(o.threshold.as_deref(), Some("2–5"));
        assert_eq!(o.policy.len(), 1, "only `max` was set");
        assert_eq!(
            o.policy[0].line,
            line_of(
                &format!("{CONTROLS_TOML}\n{extra}"),
                "access.global-admin-count"
            )
        );
    }

    /// A policy that pins one number says "expected 4", not "expected 4–4".
    #[test]
    fn a_pinned_count_reads_as_one_number() {
        let extra = "[thresholds]\n\"access.global-admin-count\" = { min = 4, max = 4 }\n";
        let o = five_global_admins()
            .with_controls_extra(extra)
            .eval("access.global-admin-count");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(o.message, "5 Global Administrators, expected 4");
        assert_eq!(o.threshold.as_deref(), Some("4"));
    }

    #[test]
    fn a_principal_both_active_and_eligible_counts_once_and_other_roles_do_not_count() {
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
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .eval("access.global-admin-count");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("3"));
        assert_eq!(
            o.items.len(),
            4,
            "both of alice's assignments are listed: {:?}",
            o.items
        );
    }

    #[test]
    fn global_admin_count_without_role_assignments_is_no_evidence() {
        let o = Fx::new()
            .without("graph/roleAssignments.json")
            .eval("access.global-admin-count");
        assert_eq!(o.status, Status::NoEvidence);
        assert_eq!(o.evidence[0].file, ROLES_FILE);
    }

    /// Eligibility recorded as not licensed, in a tenant whose SKUs confirm it has no
    /// Entra ID P2 (P1 only): nobody can be eligible.
    #[test]
    fn not_licensed_eligibility_confirmed_by_skus_counts_as_none() {
        let p1_only =
            crate::controls::testing::subscribed_skus(&[crate::controls::testing::subscribed_sku(
                "AAD_PREMIUM",
                "Enabled",
                &[("AAD_PREMIUM", "Success")],
            )]);
        let o = Fx::new()
            .graph("subscribedSkus.json", &p1_only)
            .missing_as(
                "graph/roleEligibilitySchedules.json",
                "not_licensed",
                "Entra ID P2 is required",
            )
            .eval("access.global-admin-count");
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(o.value, Some(2.0));
    }

    #[test]
    fn global_admins_held_through_a_group_are_counted_and_name_the_group() {
        let o = group_holds_ga()
            .file(
                MONTH,
                GROUP_FILE,
                &members(&[
                    (BOB, "bob@acme.example", "Member"),
                    (CAROL, "carol@acme.example", "Member"),
                ]),
            )
            .eval("access.global-admin-count");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(
            o.measured.as_deref(),
            Some("5"),
            "bg1, bg2, alice, bob, carol"
        );
        assert!(
            o.items.contains(
                &"bob@acme.example: Global Administrator (active, through group Tier0 Admins)"
                    .to_owned()
            ),
            "{:?}",
            o.items
        );
    }
}
