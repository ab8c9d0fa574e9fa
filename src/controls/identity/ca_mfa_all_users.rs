//! `identity.ca-mfa-all-users`: an enabled Conditional Access policy requires MFA for all
//! users and all cloud apps, with no narrowing condition.

use super::ca::Ask;
use super::enforcing::{ALL_USERS_MFA, find_enforcing_policy};
use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::Missing;
use crate::model::Domain;

pub fn control() -> Control {
    Control::new("identity.ca-mfa-all-users", Domain::Identity, "Conditional Access requires MFA for all users", |x, c| super::search::needs_p1(x, ca_mfa_all_users(x, c)))
        .doc(
            "An enabled (not report-only, not disabled) Conditional Access policy requires MFA for all users (includeUsers All) and all cloud apps (includeApplications All, nothing excluded; Office365 is not all apps) and every client app type, with no narrowing condition, excluding only the declared break-glass accounts (by object id; UPNs are resolved through users.json). MFA means the built-in `mfa` control or an authentication strength whose requirementsSatisfied is `mfa`; with operator OR every listed control must be MFA (mfa OR compliantDevice does not require MFA), with AND one is enough. Narrowing conditions: user, sign-in, service-principal or insider risk levels; device platforms; locations other than All or any excluded location (such as trusted locations); a device filter; client app types short of every client; authentication flows; user actions or authentication contexts instead of apps; workload identities; excluded groups or roles; guest exclusions while the tenant has guests. Such a policy is a near miss, named in the finding with what narrows it. When only a policy the snapshot cannot judge could pass (a strength recorded without requirementsSatisfied, an exclusion or guest count that needs the missing users.json, conditions not recorded), the result is no_evidence. Conditional Access needs Entra ID P1: without an enabled AAD_PREMIUM or AAD_PREMIUM_P2 service plan in subscribedSkus, a result that would fail or lack evidence is not_licensed (\"needs Entra ID P1 or P2 (not licensed)\"), a licence gap left out of the scores; a pass stands, and without subscribedSkus.json the result is what the evidence shows.",
            "Registration alone protects nothing: MFA must be enforced at sign-in. Report-only policies log but do not block; stray exclusions become the attacker's way in.",
            "Create or switch on a policy: Users = All users (exclude only the break-glass accounts), Target resources = All cloud apps, Grant = Require multifactor authentication or an authentication strength.",
        )
        .weight(3)
}

fn ca_mfa_all_users(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    find_enforcing_policy(ctx, ALL_USERS_MFA, Ask::Mfa)
}

#[cfg(test)]
mod tests {
    use crate::controls::identity::fixtures::*;
    use crate::controls::testing::{
        CONTROLS_TOML, CaBuilder as Ca, Fx, ca_policies as cas, phishing_resistant,
    };
    use crate::scorecard::Status;
    use serde_json::json;

    #[test]
    fn every_narrowing_condition_makes_the_all_users_mfa_policy_a_named_near_miss() {
        let base = eval_ca("identity.ca-mfa-all-users", &[mfa(), legacy()]);
        assert_eq!(
            base.status,
            Status::Pass,
            "the unchanged policy passes: {base:?}"
        );
        for n in narrowings() {
            let o = eval_ca("identity.ca-mfa-all-users", &[(n.change)(mfa()), legacy()]);
            assert_eq!(o.status, Status::Fail, "{}: {o:?}", n.case);
            assert_eq!(o.items.len(), 1, "{}: {:?}", n.case, o.items);
            assert!(
                o.items[0].starts_with("\"Require MFA for all users\": "),
                "{}: {:?}",
                n.case,
                o.items
            );
            assert!(o.items[0].contains(n.words), "{}: {:?}", n.case, o.items);
            assert!(o.message.contains(n.words), "{}: {}", n.case, o.message);
            assert_eq!(o.measured.as_deref(), Some("1 near miss"), "{}", n.case);
            assert_eq!(o.evidence[0].file, CA_FILE);
            assert_eq!(o.evidence[0].pointer, "/value/0", "{}", n.case);
        }
    }

    #[test]
    fn conditions_that_cover_everything_do_not_narrow() {
        // "All" platforms and locations with nothing excluded, all four client app types
        // spelled out, an AND grant, session controls: none of them leaves a sign-in out.
        let p = mfa()
            .condition("platforms", json!({"includePlatforms": ["all"], "excludePlatforms": []}))
            .condition("locations", json!({"includeLocations": ["All"], "excludeLocations": []}))
            .condition("authenticationFlows", json!({"transferMethods": "none"}))
            .client_apps(&["browser", "mobileAppsAndDesktopClients", "exchangeActiveSync", "other"])
            .builtin("AND", &["mfa", "compliantDevice"])
            .set("/sessionControls", json!({"signInFrequency": {"isEnabled": true, "value": 4, "type": "hours", "frequencyInterval": "timeBased", "authenticationType": "primaryAndSecondaryAuthentication"}, "persistentBrowser": null, "cloudAppSecurity": null, "applicationEnforcedRestrictions": null, "disableResilienceDefaults": null, "secureSignInSession": null}));
        let o = eval_ca("identity.ca-mfa-all-users", &[p]);
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn a_passing_policy_after_a_near_miss_still_passes() {
        let near = mfa().state("enabledForReportingButNotEnforced");
        let o = eval_ca("identity.ca-mfa-all-users", &[near, mfa().id("good")]);
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(o.evidence[0].pointer, "/value/1");
    }

    #[test]
    fn several_conditions_are_all_named() {
        let p = mfa()
            .condition("signInRiskLevels", json!(["high"]))
            .condition(
                "locations",
                json!({"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}),
            );
        let o = eval_ca("identity.ca-mfa-all-users", &[p]);
        assert_eq!(
            o.items,
            [
                "\"Require MFA for all users\": applies only at sign-in risk high; excludes trusted locations"
            ]
        );
    }

    #[test]
    fn ca_mfa_all_users_passes_with_an_enabled_policy() {
        let o = Fx::new().eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("Require MFA for all users"));
        assert_eq!(o.evidence[0].file, CA_FILE);
        assert_eq!(o.evidence[0].pointer, "/value/0");
    }

    #[test]
    fn a_report_only_mfa_policy_fails() {
        let p = mfa().state("enabledForReportingButNotEnforced");
        let o = eval_ca("identity.ca-mfa-all-users", &[legacy(), p]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            ["\"Require MFA for all users\": report-only (enabledForReportingButNotEnforced)"]
        );
        assert_eq!(o.evidence[0].pointer, "/value/1");
        assert_eq!(
            o.policy[0].line, 6,
            "points at the declared break-glass accounts"
        );
    }

    #[test]
    fn excluded_unknown_users_groups_and_guests_are_each_named() {
        let guest = user(
            "c0000000-0000-0000-0000-000000000001",
            "allan_partner.example#EXT#@acme.onmicrosoft.com",
            "Guest",
            true,
        );
        let p = mfa()
            .users("excludeUsers", json!([BG1, "d0000000-0000-0000-0000-00000000dead"]))
            .users("excludeGroups", json!(["9b39e5c3-7d8f-4e7b-a96e-6d3b1b1e1a1a"]))
            .users("excludeGuestsOrExternalUsers", json!({"guestOrExternalUserTypes": "internalGuest,b2bCollaborationGuest", "externalTenants": {"@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants", "membershipKind": "all"}}));
        let o = Fx::new()
            .graph("users.json", &users(true, &[guest]))
            .graph("conditionalAccessPolicies.json", &cas(&[p]))
            .eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            [
                "\"Require MFA for all users\": excludes user d0000000-0000-0000-0000-00000000dead; excludes group 9b39e5c3-7d8f-4e7b-a96e-6d3b1b1e1a1a; excludes guests or external users (the tenant has 1 enabled guest)"
            ]
        );
    }

    #[test]
    fn excluding_guests_narrows_nothing_in_a_tenant_without_guests() {
        let exclusion = json!({"guestOrExternalUserTypes": "b2bDirectConnectUser,otherExternalUser,serviceProvider", "externalTenants": {"@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants", "membershipKind": "all"}});
        let p = mfa().users("excludeGuestsOrExternalUsers", exclusion);
        let o = eval_ca("identity.ca-mfa-all-users", std::slice::from_ref(&p));
        assert_eq!(o.status, Status::Pass, "no guest in users.json: {o:?}");

        // The retired spelling in excludeUsers is a guest exclusion too.
        let retired = mfa().users("excludeUsers", json!([BG1, BG2, "GuestsOrExternalUsers"]));
        let guest = user(
            "c0000000-0000-0000-0000-000000000001",
            "allan_partner.example#EXT#@acme.onmicrosoft.com",
            "Guest",
            true,
        );
        for policy in [p.clone(), retired] {
            let o = Fx::new()
                .graph("users.json", &users(true, std::slice::from_ref(&guest)))
                .graph("conditionalAccessPolicies.json", &cas(&[policy]))
                .eval("identity.ca-mfa-all-users");
            assert_eq!(o.status, Status::Fail, "{o:?}");
            assert!(
                o.items[0].contains("excludes guests or external users"),
                "{:?}",
                o.items
            );
        }

        // Without users.json, whether there are guests is unknown: no evidence.
        let o = Fx::new()
            .without("graph/users.json")
            .policy("controls.toml", &break_glass_by_id())
            .graph("conditionalAccessPolicies.json", &cas(&[p]))
            .eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert!(
            o.message.contains("unknown whether the tenant has guests"),
            "{}",
            o.message
        );
    }

    #[test]
    fn break_glass_exclusions_by_upn_need_users_json_to_be_proven() {
        let o = Fx::new()
            .without("graph/users.json")
            .eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert!(
            o.items[0]
                .contains("cannot be matched to a declared break-glass account without users.json"),
            "{:?}",
            o.items
        );
        // Declared by object id, they need no lookup.
        let o = Fx::new()
            .without("graph/users.json")
            .policy("controls.toml", &break_glass_by_id())
            .eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn a_declared_break_glass_upn_missing_from_users_json_excuses_nothing() {
        let text =
            CONTROLS_TOML.replace("bg2@acme.onmicrosoft.com\"]", "bg9@acme.onmicrosoft.com\"]");
        let o = Fx::new()
            .policy("controls.toml", &text)
            .eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(
            o.items[0],
            "\"Require MFA for all users\": excludes user bg2@acme.onmicrosoft.com"
        );
    }

    #[test]
    fn mfa_through_a_phishing_resistant_strength_passes() {
        let o = eval_ca(
            "identity.ca-mfa-all-users",
            &[mfa().strength(phishing_resistant())],
        );
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn a_strength_recorded_without_requirements_satisfied_is_no_evidence() {
        let only_id = json!({"id": "00000000-0000-0000-0000-000000000002"});
        let o = eval_ca("identity.ca-mfa-all-users", &[mfa().strength(only_id)]);
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert_eq!(o.measured.as_deref(), Some("unproven"));
        assert!(
            o.message.contains("without requirementsSatisfied"),
            "{}",
            o.message
        );
        assert!(
            o.message.contains("\"Require MFA for all users\""),
            "{}",
            o.message
        );
    }

    #[test]
    fn an_unproven_policy_beside_a_narrowed_one_is_no_evidence_not_a_fail() {
        let only_id = json!({"id": "00000000-0000-0000-0000-000000000002"});
        let narrowed = Ca::mfa_all_users("MFA outside the office").condition(
            "locations",
            json!({"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}),
        );
        let o = eval_ca(
            "identity.ca-mfa-all-users",
            &[narrowed, mfa().strength(only_id)],
        );
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert_eq!(o.items.len(), 2);
    }

    #[test]
    fn the_sdk_s_all_null_strength_is_no_strength() {
        let blank = json!({"id": null, "displayName": null, "description": null, "policyType": null, "requirementsSatisfied": null, "allowedCombinations": [], "combinationConfigurations": [], "createdDateTime": null, "modifiedDateTime": null});
        let o = eval_ca(
            "identity.ca-mfa-all-users",
            &[mfa().strength(blank.clone())],
        );
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(
            o.message,
            "no Conditional Access policy requires MFA for all users and all cloud apps"
        );
        assert_eq!(o.measured.as_deref(), Some("none"));
        // Beside the built-in mfa control it changes nothing.
        let p = mfa().set("/grantControls/authenticationStrength", blank);
        assert_eq!(
            eval_ca("identity.ca-mfa-all-users", &[p]).status,
            Status::Pass
        );
    }

    #[test]
    fn grants_that_do_not_ask_for_mfa_are_not_near_misses() {
        for p in [
            mfa().no_grant(),
            mfa().builtin("OR", &["block"]),
            mfa().builtin("OR", &["compliantDevice", "domainJoinedDevice"]),
        ] {
            let o = eval_ca("identity.ca-mfa-all-users", &[p]);
            assert_eq!(o.status, Status::Fail, "{o:?}");
            assert!(o.items.is_empty(), "{:?}", o.items);
            assert_eq!(o.evidence[0].pointer, "/value");
        }
    }

    #[test]
    fn a_policy_without_recorded_conditions_is_no_evidence() {
        let p = mfa().set("/conditions", serde_json::Value::Null);
        let o = eval_ca("identity.ca-mfa-all-users", &[p]);
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert!(
            o.message
                .contains("does not record the policy's conditions"),
            "{}",
            o.message
        );
    }

    #[test]
    fn security_defaults_model_without_ca_is_not_applicable() {
        let o = Fx::new()
            .policy("controls.toml", &security_defaults_model())
            .graph("conditionalAccessPolicies.json", r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies","value":[]}"#)
            .graph("securityDefaults.json", &sd(true))
            .eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::NotApplicable);
        assert!(o.message.contains("security defaults"), "{}", o.message);
    }

    #[test]
    fn conditional_access_model_without_ca_fails_rather_than_not_applicable() {
        let o = Fx::new()
            .graph("conditionalAccessPolicies.json", r#"{"value":[]}"#)
            .eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::Fail);
    }

    #[test]
    fn missing_ca_policies_is_no_evidence() {
        let o = Fx::new()
            .missing_as(
                "graph/conditionalAccessPolicies.json",
                "permission_missing",
                "Policy.Read.All not granted",
            )
            .eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::NoEvidence);
        assert!(o.message.contains("permission missing"), "{}", o.message);
    }
}
