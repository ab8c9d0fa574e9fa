//! `identity.ca-mfa-admins`: every privileged role held in the tenant is covered by an
//! enabled Conditional Access policy requiring MFA.

use super::ca::{Ask, Tenant};
use super::enforcing::{ALL_USERS_MFA, find_enforcing_policy};
use super::search::Reading as NearMiss;
use super::{ca, search};
use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::Missing;
use crate::evidence::endpoints::Endpoint;
use crate::model::{Domain, Status};

pub fn control() -> Control {
    Control::new("identity.ca-mfa-admins", Domain::Identity, "Conditional Access requires MFA for admin roles", |x, c| super::search::needs_p1(x, ca_mfa_admins(x, c)))
        .doc(
            "Every privileged role held in the tenant (active or eligible, by role template id) is covered by an enabled Conditional Access policy that requires MFA, read exactly as for identity.ca-mfa-all-users (grant, authentication strength, all cloud apps, every client app type, no narrowing condition, exclusions only break-glass), and that includes the role in includeRoles or includes all users. An unconditional all-users MFA policy covers every role. Without the role assignments, which roles need covering is unknown: no_evidence. A held role of unknown privilege (a custom role without isPrivileged, or one missing from roleDefinitions.json) that no accepted policy covers turns a pass into no_evidence, naming the role. Uncovered roles are listed, then the near-miss policies that would have covered them, with what narrows them. Conditional Access needs Entra ID P1: without an enabled AAD_PREMIUM or AAD_PREMIUM_P2 service plan in subscribedSkus, a result that would fail or lack evidence is not_licensed (\"needs Entra ID P1 or P2 (not licensed)\"), a licence gap left out of the scores; a pass stands, and without subscribedSkus.json the result is what the evidence shows.",
            "Administrators are the most targeted accounts; a dedicated policy, ideally with phishing-resistant strength, keeps them covered when user policies change.",
            "Create a policy targeting the privileged directory roles listed, all cloud apps, granting access only with phishing-resistant MFA; exclude only break-glass accounts.",
        )
        .weight(2)
}

fn ca_mfa_admins(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let all_users = find_enforcing_policy(ctx, ALL_USERS_MFA, Ask::Mfa)?;
    match all_users.status {
        Status::Pass => {
            return Ok(Outcome {
                message: format!("{} (covers every admin role)", all_users.message),
                ..all_users
            });
        }
        Status::NotApplicable => return Ok(all_users),
        _ => {}
    }
    // Every privileged role held (active or eligible), by template id: which roles need
    // covering cannot be guessed, so without the assignments there is no evidence.
    let mut held: Vec<(String, String)> = crate::controls::access::current_assignments(ctx)?
        .iter()
        .map(|a| (a.role_template.to_ascii_lowercase(), a.role_name.clone()))
        .collect();
    held.sort();
    held.dedup_by(|a, b| a.0 == b.0);
    let policies = ctx.snap.ca_policies.get()?;
    let file = ctx.snap.path(Endpoint::ConditionalAccess.file());
    if held.is_empty() {
        // Every tenant has a Global Administrator: an empty list is a partial snapshot.
        return Ok(Outcome::new(
            Status::NoEvidence,
            "the role assignments list no privileged role holder, so which admin roles need MFA is unknown",
        )
        .evidence(
            ctx.snap.path(Endpoint::RoleAssignments.file()),
            "/value",
        ));
    }
    let tenant = Tenant::new(ctx);
    let readings: Vec<NearMiss> = policies
        .iter()
        .enumerate()
        .filter(|(_, p)| ca::is_candidate(p, Ask::Mfa))
        .map(|(index, policy)| NearMiss {
            index,
            policy,
            reasons: ca::blockers(policy, Ask::Mfa, &tenant),
        })
        .collect();
    let o = search::role_coverage(
        &held,
        &readings,
        file,
        &search::RoleWording {
            uncovered: "an enabled, unconditional MFA policy",
            unproven: "require MFA",
            covered: "an enabled admin MFA policy",
            threshold: "every privileged role in use",
        },
    );
    Ok(search::unless_unknown_roles(ctx, &readings, o))
}

#[cfg(test)]
mod tests {
    use crate::controls::identity::fixtures::*;
    use crate::controls::testing::{Fx, ca_policies as cas, phishing_resistant};
    use crate::scorecard::Status;
    use serde_json::json;

    #[test]
    fn every_narrowing_condition_leaves_the_admin_roles_uncovered() {
        let policy = || admins("MFA for admins", &[GA]);
        let base = eval_ca("identity.ca-mfa-admins", &[legacy(), policy()]);
        assert_eq!(base.status, Status::Pass, "{base:?}");
        for n in narrowings().into_iter().filter(|n| n.admin) {
            let o = eval_ca("identity.ca-mfa-admins", &[legacy(), (n.change)(policy())]);
            assert_eq!(o.status, Status::Fail, "{}: {o:?}", n.case);
            assert_eq!(o.items[0], "Global Administrator", "{}", n.case);
            assert!(
                o.items[1].starts_with("\"MFA for admins\": ") && o.items[1].contains(n.words),
                "{}: {:?}",
                n.case,
                o.items
            );
            assert!(o.message.contains(n.words), "{}: {}", n.case, o.message);
            assert_eq!(o.measured.as_deref(), Some("0/1 roles covered"));
        }
    }

    #[test]
    fn an_all_users_mfa_policy_covers_the_admins() {
        let o = Fx::new().eval("identity.ca-mfa-admins");
        assert_eq!(o.status, Status::Pass);
        assert!(
            o.message.ends_with("(covers every admin role)"),
            "{}",
            o.message
        );
    }

    #[test]
    fn a_role_targeted_admin_policy_covers_the_roles_in_use() {
        let p = admins(
            "Require phishing-resistant MFA for admins",
            &[GA, EXCHANGE_ADMIN],
        )
        .strength(phishing_resistant());
        let o = eval_ca("identity.ca-mfa-admins", &[legacy(), p]);
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(o.measured.as_deref(), Some("1/1 roles covered"));
        assert_eq!(o.evidence[0].pointer, "/value/1");
    }

    #[test]
    fn a_held_role_outside_the_admin_policy_fails() {
        let o = eval_ca(
            "identity.ca-mfa-admins",
            &[
                legacy(),
                admins("MFA for Exchange admins", &[EXCHANGE_ADMIN]),
            ],
        );
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["Global Administrator"]);
        assert_eq!(o.measured.as_deref(), Some("0/1 roles covered"));
    }

    #[test]
    fn an_all_users_policy_with_a_narrowing_condition_does_not_cover_the_admins() {
        let p = mfa().condition(
            "locations",
            json!({"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}),
        );
        let o = eval_ca("identity.ca-mfa-admins", &[p, legacy()]);
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(
            o.items,
            [
                "Global Administrator",
                "\"Require MFA for all users\": excludes trusted locations"
            ]
        );
    }

    #[test]
    fn an_admin_policy_with_an_unproven_strength_is_no_evidence() {
        let p = admins("MFA for admins", &[GA])
            .strength(json!({"id": "8a1b2c3d-0000-4b7e-9e34-3b7f3e1b2a11"}));
        let o = eval_ca("identity.ca-mfa-admins", &[legacy(), p]);
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert_eq!(o.items[0], "Global Administrator");
    }

    #[test]
    fn admin_coverage_without_role_assignments_is_no_evidence() {
        let fx = Fx::new().without("graph/roleAssignments.json");
        let o = fx
            .clone()
            .graph(
                "conditionalAccessPolicies.json",
                &cas(&[legacy(), admins("MFA for admins", &[GA])]),
            )
            .eval("identity.ca-mfa-admins");
        assert_eq!(
            o.status,
            Status::NoEvidence,
            "which roles are held is unknown: {o:?}"
        );
        // An unconditional all-users policy needs no role list.
        assert_eq!(fx.eval("identity.ca-mfa-admins").status, Status::Pass);
    }

    #[test]
    fn ca_mfa_admins_is_not_applicable_on_security_defaults() {
        let o = Fx::new()
            .policy("controls.toml", &security_defaults_model())
            .graph("conditionalAccessPolicies.json", r#"{"value":[]}"#)
            .eval("identity.ca-mfa-admins");
        assert_eq!(o.status, Status::NotApplicable);
    }

    /// A custom role without isPrivileged may be an admin role: a policy covering only
    /// the known admin roles cannot show it is covered.
    #[test]
    fn a_held_custom_role_of_unknown_privilege_outside_the_admin_policy_is_no_evidence() {
        let custom = "cccccccc-0000-0000-0000-00000000000c";
        let bob = crate::controls::testing::BOB;
        let roles = format!(
            r##"{{"value":[{{"id":"ra-bg1","principalId":"{bg1}","roleDefinitionId":"{GA}","directoryScopeId":"/","principal":{{"@odata.type":"#microsoft.graph.user","id":"{bg1}","userPrincipalName":"bg1@acme.onmicrosoft.com","userType":"Member","accountEnabled":true}}}},{{"id":"ra-bob","principalId":"{bob}","roleDefinitionId":"{custom}","directoryScopeId":"/","principal":{{"@odata.type":"#microsoft.graph.user","id":"{bob}","userPrincipalName":"bob@acme.example","userType":"Member","accountEnabled":true}}}}]}}"##,
            bg1 = crate::controls::testing::BG1,
        );
        let defs = format!(
            r#"{{"value":[{{"id":"{GA}","displayName":"Global Administrator","templateId":"{GA}","isBuiltIn":true}},{{"id":"{custom}","displayName":"Helpers","templateId":"{custom}","isBuiltIn":false}}]}}"#
        );
        let fx = |policies: &[crate::controls::testing::CaBuilder]| {
            Fx::new()
                .graph("roleAssignments.json", &roles)
                .graph("roleDefinitions.json", &defs)
                .graph("conditionalAccessPolicies.json", &cas(policies))
        };
        let o = fx(&[legacy(), admins("MFA for admins", &[GA])]).eval("identity.ca-mfa-admins");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert!(
            o.items[0]
                .starts_with("role cccccccc-0000-0000-0000-00000000000c: custom role Helpers"),
            "{:?}",
            o.items
        );
        // Covered by the admin policy too: the pass stands.
        let o =
            fx(&[legacy(), admins("MFA for admins", &[GA, custom])]).eval("identity.ca-mfa-admins");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }
}
