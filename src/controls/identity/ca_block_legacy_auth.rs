//! `identity.ca-block-legacy-auth`: an enabled Conditional Access policy blocks legacy
//! authentication for all users and all cloud apps.

use super::ca::Ask;
use super::enforcing::find_enforcing_policy;
use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::Missing;
use crate::model::Domain;

pub fn control() -> Control {
    Control::new("identity.ca-block-legacy-auth", Domain::Identity, "Legacy authentication is blocked", |x, c| super::search::needs_p1(x, ca_block_legacy_auth(x, c)))
        .doc(
            "An enabled Conditional Access policy blocks (grant block) the legacy client app types, exchangeActiveSync and other (or all client apps), for all users and all cloud apps, with no narrowing condition and exclusions only the declared break-glass accounts, read exactly as for identity.ca-mfa-all-users. A block policy that names a legacy client type but is narrowed (report-only, some users or apps, a location, platform or risk condition, one legacy type only) is a near miss, named with what narrows it. Conditional Access needs Entra ID P1: without an enabled AAD_PREMIUM or AAD_PREMIUM_P2 service plan in subscribedSkus, a result that would fail or lack evidence is not_licensed (\"needs Entra ID P1 or P2 (not licensed)\"), a licence gap left out of the scores; a pass stands, and without subscribedSkus.json the result is what the evidence shows.",
            "Legacy protocols cannot do MFA, so password-spray attacks use them to bypass every MFA policy.",
            "Create a policy: Users = All users (exclude break-glass), All cloud apps, Conditions > Client apps = Exchange ActiveSync clients and Other clients, Grant = Block access.",
        )
        .weight(2)
}

const LEGACY_BLOCK: &str = "blocks legacy authentication for all users and all cloud apps";

fn ca_block_legacy_auth(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    find_enforcing_policy(ctx, LEGACY_BLOCK, Ask::BlockLegacy)
}

#[cfg(test)]
mod tests {
    use crate::controls::identity::fixtures::*;

    use crate::controls::testing::Fx;
    use crate::scorecard::Status;
    use serde_json::json;

    #[test]
    fn every_narrowing_condition_makes_the_legacy_block_a_named_near_miss() {
        let base = eval_ca("identity.ca-block-legacy-auth", &[mfa(), legacy()]);
        assert_eq!(base.status, Status::Pass, "{base:?}");
        for n in narrowings().into_iter().filter(|n| n.legacy) {
            let o = eval_ca(
                "identity.ca-block-legacy-auth",
                &[mfa(), (n.change)(legacy())],
            );
            assert_eq!(o.status, Status::Fail, "{}: {o:?}", n.case);
            assert_eq!(o.items.len(), 1, "{}: {:?}", n.case, o.items);
            assert!(
                o.items[0].starts_with("\"Block legacy authentication\": ")
                    && o.items[0].contains(n.words),
                "{}: {:?}",
                n.case,
                o.items
            );
            assert_eq!(o.evidence[0].pointer, "/value/1", "{}", n.case);
        }
    }

    /// Found by tests/verdict_guard.rs: `block OR compliantDevice` was read as a block.
    /// Any control offered beside the block with `OR` is a way through it; with `AND` the
    /// block still stands.
    #[test]
    fn legacy_block_with_an_or_alternative_in_its_grant_is_not_a_block() {
        for (grant, words) in [
            (
                json!({"operator": "OR", "builtInControls": ["block", "compliantDevice"]}),
                "compliantDevice",
            ),
            (json!({"builtInControls": ["block", "mfa"]}), "mfa"),
            (
                json!({"operator": "OR", "builtInControls": ["block"], "termsOfUse": ["t1"]}),
                "terms of use t1",
            ),
            (
                json!({"operator": "OR", "builtInControls": ["block"], "customAuthenticationFactors": ["Duo"]}),
                "custom control Duo",
            ),
        ] {
            let o = eval_ca(
                "identity.ca-block-legacy-auth",
                &[mfa(), legacy().set("/grantControls", grant.clone())],
            );
            assert_eq!(o.status, Status::Fail, "{grant}: {o:?}");
            assert!(
                o.items[0].contains(words) && o.items[0].contains("instead of blocking"),
                "{grant}: {:?}",
                o.items
            );
        }
        let and = legacy().set(
            "/grantControls",
            json!({"operator": "AND", "builtInControls": ["block", "compliantDevice"]}),
        );
        let o = eval_ca("identity.ca-block-legacy-auth", &[mfa(), and]);
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn legacy_auth_block_passes_on_the_healthy_fixture() {
        let o = Fx::new().eval("identity.ca-block-legacy-auth");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("Block legacy authentication"));
        assert_eq!(o.evidence[0].pointer, "/value/1");
    }

    #[test]
    fn no_legacy_block_policy_fails() {
        let o = eval_ca("identity.ca-block-legacy-auth", &[mfa()]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.message,
            "no Conditional Access policy blocks legacy authentication for all users and all cloud apps"
        );
        assert!(o.items.is_empty());
    }

    #[test]
    fn blocking_only_exchange_active_sync_is_a_near_miss() {
        let p = legacy().client_apps(&["exchangeActiveSync"]);
        let o = eval_ca("identity.ca-block-legacy-auth", &[mfa(), p]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            [
                "\"Block legacy authentication\": does not block the legacy client type other (client apps: exchangeActiveSync)"
            ]
        );
    }

    #[test]
    fn a_legacy_block_that_only_requires_mfa_is_not_a_block() {
        let p = legacy().builtin("OR", &["mfa"]);
        let o = eval_ca("identity.ca-block-legacy-auth", &[p]);
        assert_eq!(o.status, Status::Fail);
        assert!(o.items.is_empty(), "{:?}", o.items);
    }

    #[test]
    fn legacy_block_without_ca_evidence_is_no_evidence() {
        let o = Fx::new()
            .without("graph/conditionalAccessPolicies.json")
            .eval("identity.ca-block-legacy-auth");
        assert_eq!(o.status, Status::NoEvidence);
    }
}
