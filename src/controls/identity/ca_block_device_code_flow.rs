//! `identity.ca-block-device-code-flow`: the device code flow, a favourite of phishing
//! kits, is blocked for everyone.

use super::ca::{self, Ask, Exempt};
use super::search;
use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::Missing;
use crate::scorecard::Domain;

const WHAT: &str = "blocks the device code flow for all users and all cloud apps";
const THRESHOLD: &str = "enabled, all users and cloud apps, authentication flows include deviceCodeFlow, grant block, no other narrowing condition";

pub fn control() -> Control {
    Control::new("identity.ca-block-device-code-flow", Domain::Identity, "Conditional Access blocks the device code flow", |x, c| search::needs_p1(x, eval(x, c)))
        .doc(
            "An enabled (not report-only) Conditional Access policy for all users and all cloud apps, every client app type, with the authentication flows condition `transferMethods` including `deviceCodeFlow`, whose grant is `block`, read as for identity.ca-mfa-all-users: the flow condition is the policy's subject, every other condition narrows it (risk levels, platforms, locations, device filters, exclusions beyond the break-glass accounts). A block policy with an authentication flows condition that is narrowed, or names only authenticationTransfer, is a near miss, named with what narrows it. Conditional Access needs Entra ID P1: without an enabled AAD_PREMIUM or AAD_PREMIUM_P2 service plan in subscribedSkus, a result that would fail or lack evidence is not_licensed (\"needs Entra ID P1 or P2 (not licensed)\"), a licence gap left out of the scores; a pass stands, and without subscribedSkus.json the result is what the evidence shows.",
            "The device code flow lets a sign-in started on one device finish on another: phishing campaigns send a code and let the victim complete MFA for them, and the stolen tokens bypass every MFA policy. Almost no organisation needs it.",
            "Create a policy: Users = All users (exclude break-glass and any named exception in its own reviewed policy), Target resources = All cloud apps, Conditions > Authentication flows = Device code flow, Grant = Block access.",
        )
        .weight(2)
}

fn eval(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    search::find_policy(ctx, WHAT, THRESHOLD, |p, t| {
        // Candidates: block policies with an authentication flows condition.
        let flows = p.conditions.as_ref()?.authentication_flows.as_ref()?;
        if !p.blocks()
            || flows
                .transfer_methods
                .iter()
                .all(|m| m.eq_ignore_ascii_case("none"))
        {
            return None;
        }
        Some(ca::blockers_except(
            p,
            Ask::Block,
            t,
            Exempt::DeviceCodeFlow,
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::controls::testing::{CaBuilder, Fx, ca_policies};
    use crate::scorecard::Status;
    use serde_json::json;

    const ID: &str = "identity.ca-block-device-code-flow";

    fn device_code(name: &str, methods: &str) -> CaBuilder {
        CaBuilder::mfa_all_users(name)
            .condition("authenticationFlows", json!({"transferMethods": methods}))
            .builtin("OR", &["block"])
    }

    fn eval(list: &[CaBuilder]) -> crate::controls::Outcome {
        Fx::new()
            .graph("conditionalAccessPolicies.json", &ca_policies(list))
            .eval(ID)
    }

    #[test]
    fn blocking_the_device_code_flow_passes_in_graph_s_flags_spelling() {
        // Graph writes the flags enum as one comma-separated string.
        let o = eval(&[device_code(
            "Block device code",
            "deviceCodeFlow,authenticationTransfer",
        )]);
        assert_eq!(o.status, Status::Pass, "{}", o.message);
        assert_eq!(o.evidence[0].pointer, "/value/0");
    }

    #[test]
    fn blocking_only_authentication_transfer_is_a_near_miss() {
        let o = eval(&[device_code("Transfer", "authenticationTransfer")]);
        assert_eq!(o.status, Status::Fail);
        assert!(
            o.message.contains("including deviceCodeFlow"),
            "{}",
            o.message
        );
    }

    #[test]
    fn report_only_device_code_block_fails() {
        let o =
            eval(&[device_code("DC", "deviceCodeFlow").state("enabledForReportingButNotEnforced")]);
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("report-only"), "{}", o.message);
    }

    #[test]
    fn narrowed_device_code_blocks_are_named() {
        let o = eval(&[
            device_code("Apps", "deviceCodeFlow").apps("includeApplications", json!(["Office365"])),
            device_code("Users", "deviceCodeFlow").users(
                "excludeUsers",
                json!(["c0000000-0000-0000-0000-000000000009"]),
            ),
            device_code("Clients", "deviceCodeFlow").client_apps(&["browser"]),
        ]);
        assert_eq!(o.status, Status::Fail);
        assert!(
            o.message.contains("applies only to Office365"),
            "{}",
            o.message
        );
        assert!(o.message.contains("excludes user"), "{}", o.message);
        assert!(
            o.message.contains("applies only to client apps browser"),
            "{}",
            o.message
        );
    }

    #[test]
    fn requiring_mfa_for_the_device_code_flow_is_not_a_block() {
        let o = eval(&[device_code("MFA", "deviceCodeFlow").builtin("OR", &["mfa"])]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("none"));
    }

    #[test]
    fn missing_policies_is_no_evidence() {
        let o = Fx::new()
            .without("graph/conditionalAccessPolicies.json")
            .eval(ID);
        assert_eq!(o.status, Status::NoEvidence);
    }
}
