//! `identity.ca-block-high-risk-users`: users Identity Protection rates high risk are
//! blocked, or must prove themselves with MFA and change their password.

use super::risk::{self, Risk};
use super::search;
use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::Missing;
use crate::scorecard::Domain;

const WHAT: &str = "blocks high-risk users, or requires MFA and a password change, for all users and all cloud apps";
const THRESHOLD: &str = "enabled, all users and cloud apps, user risk includes high, grant block or MFA AND password change, no other narrowing condition";

pub fn control() -> Control {
    Control::new("identity.ca-block-high-risk-users", Domain::Identity, "Conditional Access blocks or remediates high-risk users", eval)
        .doc(
            "An enabled (not report-only) Conditional Access policy for all users and all cloud apps, conditioned on user risk including `high`, whose grant is `block`, or requires MFA and a password change together (operator AND: Microsoft requires both for a user-risk policy; CIS 5.2.2.6, SCuBA MS.AAD.2.1). The user-risk condition is the policy's subject; every other condition of identity.ca-mfa-all-users narrows it (sign-in or other risk levels, platforms, locations, client app types short of every client, excluded users beyond the break-glass accounts, groups, roles, guests). A user-risk policy that is narrowed, only for medium or low risk, or asks for MFA without a password change is a near miss, named with what narrows it. Risk detection needs Entra ID P2: without the AAD_PREMIUM_P2 service plan in subscribedSkus the control is not_licensed (\"needs Entra ID P2 (not licensed)\"), a licence gap left out of the scores; without subscribedSkus.json, no_evidence.",
            "A high user risk means Identity Protection believes the account's credentials are known to someone else (leaked credentials, threat intelligence); until the password changes, the attacker can sign in.",
            "Create a policy: Users = All users (exclude break-glass), Target resources = All cloud apps, Conditions > User risk = High, Grant = Require multifactor authentication and Require password change (or Block access).",
        )
        .weight(2)
}

fn eval(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    if let Some(na) = search::unless_p2(ctx)? {
        return Ok(na);
    }
    search::find_policy(ctx, WHAT, THRESHOLD, |p, t| risk::read(p, t, Risk::User))
}

#[cfg(test)]
mod tests {
    use crate::controls::testing::{CaBuilder, Fx, ca_policies};
    use crate::scorecard::Status;
    use serde_json::json;

    const ID: &str = "identity.ca-block-high-risk-users";

    fn risky(name: &str) -> CaBuilder {
        CaBuilder::mfa_all_users(name)
            .condition("userRiskLevels", json!(["high"]))
            .builtin("AND", &["mfa", "passwordChange"])
    }

    fn eval(list: &[CaBuilder]) -> crate::controls::Outcome {
        Fx::new()
            .graph("conditionalAccessPolicies.json", &ca_policies(list))
            .eval(ID)
    }

    #[test]
    fn mfa_and_password_change_for_high_user_risk_passes() {
        let o = eval(&[CaBuilder::mfa_all_users("MFA"), risky("User risk")]);
        assert_eq!(o.status, Status::Pass, "{}", o.message);
        assert_eq!(o.measured.as_deref(), Some("User risk"));
        assert_eq!(o.evidence[0].pointer, "/value/1");
    }

    #[test]
    fn a_block_for_high_and_medium_user_risk_passes() {
        let p = CaBuilder::mfa_all_users("Block risky")
            .condition("userRiskLevels", json!(["medium", "high"]))
            .builtin("OR", &["block"]);
        assert_eq!(eval(&[p]).status, Status::Pass);
    }

    #[test]
    fn report_only_user_risk_policy_fails_as_a_near_miss() {
        let o = eval(&[risky("User risk").state("enabledForReportingButNotEnforced")]);
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("report-only"), "{}", o.message);
    }

    #[test]
    fn mfa_without_password_change_is_a_near_miss() {
        let o = eval(&[risky("User risk").builtin("AND", &["mfa"])]);
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("not a password change"), "{}", o.message);
        let o = eval(&[risky("User risk").builtin("OR", &["mfa", "passwordChange"])]);
        assert_eq!(o.status, Status::Fail, "{}", o.message);
    }

    #[test]
    fn only_medium_user_risk_is_a_near_miss_naming_the_levels() {
        let o = eval(&[risky("Medium").condition("userRiskLevels", json!(["medium"]))]);
        assert_eq!(o.status, Status::Fail);
        assert!(
            o.message.contains("user risk medium, not high"),
            "{}",
            o.message
        );
    }

    #[test]
    fn other_conditions_still_narrow_a_user_risk_policy() {
        let o = eval(&[risky("Risk + sign-in")
            .condition("signInRiskLevels", json!(["high"]))
            .condition(
                "platforms",
                json!({"includePlatforms": ["android"], "excludePlatforms": []}),
            )]);
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("sign-in risk high"), "{}", o.message);
        assert!(
            o.message.contains("device platforms android"),
            "{}",
            o.message
        );
        let o = eval(&[risky("Group").users("excludeGroups", json!(["g1"]))]);
        assert!(o.message.contains("excludes group g1"), "{}", o.message);
    }

    #[test]
    fn no_user_risk_policy_fails_and_mfa_policies_are_not_near_misses() {
        let o = eval(&[CaBuilder::mfa_all_users("MFA")]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("none"));
    }

    #[test]
    fn without_entra_id_p2_it_is_not_licensed() {
        let o = Fx::new()
            .graph("conditionalAccessPolicies.json", &ca_policies(&[risky("User risk")]))
            .graph(
                "subscribedSkus.json",
                r#"{"value":[{"skuId":"s1","skuPartNumber":"SPB","capabilityStatus":"Enabled","consumedUnits":4,"prepaidUnits":{"enabled":5},"servicePlans":[{"servicePlanName":"AAD_PREMIUM","provisioningStatus":"Success"}]}]}"#,
            )
            .eval(ID);
        assert_eq!(o.status, Status::NotLicensed);
        assert_eq!(o.message, "needs Entra ID P2 (not licensed)");
        assert_eq!(o.licence.as_deref(), Some("Entra ID P2"));
    }

    #[test]
    fn missing_skus_or_policies_is_no_evidence() {
        let o = Fx::new().without("graph/subscribedSkus.json").eval(ID);
        assert_eq!(o.status, Status::NoEvidence);
        let o = Fx::new()
            .without("graph/conditionalAccessPolicies.json")
            .eval(ID);
        assert_eq!(o.status, Status::NoEvidence);
    }
}
