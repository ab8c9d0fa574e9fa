//! `identity.ca-block-high-risk-sign-ins`: sign-ins Identity Protection rates high risk
//! are blocked or challenged with MFA.

use super::risk::{self, Risk};
use super::search;
use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::Missing;
use crate::scorecard::Domain;

const WHAT: &str =
    "blocks or requires MFA for high-risk sign-ins, for all users and all cloud apps";
const THRESHOLD: &str = "enabled, all users and cloud apps, sign-in risk includes high, grant block or MFA, no other narrowing condition";

pub fn control() -> Control {
    Control::new("identity.ca-block-high-risk-sign-ins", Domain::Identity, "Conditional Access blocks or challenges high-risk sign-ins", eval)
        .doc(
            "An enabled (not report-only) Conditional Access policy for all users and all cloud apps, conditioned on sign-in risk including `high`, whose grant is `block` or requires MFA (the built-in control or an MFA authentication strength, read as for identity.ca-mfa-all-users). Block or MFA: SCuBA MS.AAD.2.3 asks for a block, CIS 5.2.2.7 and Microsoft's risk-based policy template accept MFA, which the attacker holding only the password cannot pass; either passes, and the finding names which. The sign-in-risk condition is the policy's subject; every other condition narrows it (user or other risk levels, platforms, locations, client app types short of every client, exclusions beyond the break-glass accounts). A sign-in-risk policy that is narrowed or only for medium or low risk is a near miss, named with what narrows it. Risk detection needs Entra ID P2: without the AAD_PREMIUM_P2 service plan in subscribedSkus the control is not_licensed (\"needs Entra ID P2 (not licensed)\"), a licence gap left out of the scores; without subscribedSkus.json, no_evidence.",
            "A high sign-in risk means this sign-in is probably not the account's owner (anonymous IP, impossible travel, token replay, password spray); letting it through without a challenge hands the session to the attacker.",
            "Create a policy: Users = All users (exclude break-glass), Target resources = All cloud apps, Conditions > Sign-in risk = High, Grant = Block access (or Require multifactor authentication).",
        )
        .weight(2)
}

fn eval(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    if let Some(na) = search::unless_p2(ctx)? {
        return Ok(na);
    }
    search::find_policy(ctx, WHAT, THRESHOLD, |p, t| risk::read(p, t, Risk::SignIn))
}

#[cfg(test)]
mod tests {
    use crate::controls::testing::{CaBuilder, Fx, ca_policies, phishing_resistant, strength};
    use crate::scorecard::Status;
    use serde_json::json;

    const ID: &str = "identity.ca-block-high-risk-sign-ins";

    fn risky(name: &str) -> CaBuilder {
        CaBuilder::mfa_all_users(name)
            .condition("signInRiskLevels", json!(["high"]))
            .builtin("OR", &["block"])
    }

    fn eval(list: &[CaBuilder]) -> crate::controls::Outcome {
        Fx::new()
            .graph("conditionalAccessPolicies.json", &ca_policies(list))
            .eval(ID)
    }

    #[test]
    fn a_block_for_high_sign_in_risk_passes() {
        let o = eval(&[risky("Block risky sign-ins")]);
        assert_eq!(o.status, Status::Pass, "{}", o.message);
        assert_eq!(o.measured.as_deref(), Some("Block risky sign-ins"));
    }

    #[test]
    fn mfa_for_high_sign_in_risk_passes_through_builtin_or_strength() {
        assert_eq!(
            eval(&[risky("MFA").builtin("OR", &["mfa"])]).status,
            Status::Pass
        );
        assert_eq!(
            eval(&[risky("Strength").strength(phishing_resistant())]).status,
            Status::Pass
        );
    }

    #[test]
    fn a_single_factor_strength_or_an_or_bypass_is_a_near_miss() {
        let weak = strength("s", "Password only", "none", &["password"]);
        let o = eval(&[risky("Weak").strength(weak)]);
        assert_eq!(o.status, Status::Fail, "{}", o.message);
        let o = eval(&[risky("Or").builtin("OR", &["mfa", "compliantDevice"])]);
        assert_eq!(o.status, Status::Fail, "{}", o.message);
        assert!(o.message.contains("compliantDevice"), "{}", o.message);
    }

    #[test]
    fn report_only_and_disabled_sign_in_risk_policies_fail() {
        for state in ["enabledForReportingButNotEnforced", "disabled"] {
            let o = eval(&[risky("Risky").state(state)]);
            assert_eq!(o.status, Status::Fail, "{state}");
            assert!(o.message.contains("\"Risky\""), "{}", o.message);
        }
    }

    #[test]
    fn narrowed_sign_in_risk_policies_are_named_near_misses() {
        let o = eval(&[
            risky("Low only").condition("signInRiskLevels", json!(["low"])),
            risky("Trusted").condition(
                "locations",
                json!({"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}),
            ),
            risky("Admins").users("includeUsers", json!([])).users(
                "includeRoles",
                json!(["62e90394-69f5-4237-9190-012177145e10"]),
            ),
        ]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("3 near misses"));
        assert!(
            o.message.contains("sign-in risk low, not high"),
            "{}",
            o.message
        );
        assert!(
            o.message.contains("excludes trusted locations"),
            "{}",
            o.message
        );
        assert!(o.message.contains("not all users"), "{}", o.message);
    }

    #[test]
    fn a_user_risk_policy_does_not_count_for_sign_in_risk() {
        let p = CaBuilder::mfa_all_users("User risk")
            .condition("userRiskLevels", json!(["high"]))
            .builtin("OR", &["block"]);
        let o = eval(&[p]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("none"));
    }

    #[test]
    fn an_unproven_strength_is_no_evidence() {
        let o = eval(&[risky("Unknown").strength(strength("s", "Custom", "", &["fido2"]))]);
        assert_eq!(o.status, Status::NoEvidence, "{}", o.message);
    }

    #[test]
    fn without_entra_id_p2_it_is_not_licensed_and_without_skus_no_evidence() {
        let o = Fx::new()
            .graph(
                "conditionalAccessPolicies.json",
                &ca_policies(&[risky("Risky")]),
            )
            .graph("subscribedSkus.json", r#"{"value":[]}"#)
            .eval(ID);
        assert_eq!(o.status, Status::NotLicensed);
        assert_eq!(o.message, "needs Entra ID P2 (not licensed)");
        assert_eq!(o.licence.as_deref(), Some("Entra ID P2"));
        assert_eq!(
            Fx::new()
                .without("graph/subscribedSkus.json")
                .eval(ID)
                .status,
            Status::NoEvidence
        );
    }
}
