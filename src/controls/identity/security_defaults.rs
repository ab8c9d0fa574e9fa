//! `identity.security-defaults`: security defaults are on wherever no Conditional Access
//! policy is enabled, and always on the security-defaults model.

use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::Missing;
use crate::evidence::endpoints::Endpoint;
use crate::model::Domain;
use crate::policy::IdentityModel;

pub fn control() -> Control {
    Control::new("identity.security-defaults", Domain::Identity, "Security defaults on where there is no Conditional Access", security_defaults)
        .doc(
            "Where no Conditional Access policy is enabled, security defaults must be on; a client on the security-defaults model must keep them on.",
            "Without either, the tenant enforces no MFA at all: the free baseline exists precisely for tenants without Entra ID P1.",
            "Turn on security defaults (Entra ID > Overview > Properties > Manage security defaults), or deploy Conditional Access policies and declare `model = \"conditional_access\"`.",
        )
        .weight(2)
}

fn security_defaults(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let sd = ctx.snap.security_defaults.get()?;
    let file = ctx.snap.path(Endpoint::SecurityDefaults.file());
    let model = ctx.policy.controls.identity_model;
    let enabled_ca = ctx
        .snap
        .ca_policies
        .ok()
        .map_or(0, |p| p.iter().filter(|p| p.is_enabled()).count());
    let state = if sd.is_enabled { "on" } else { "off" };
    let o = if model == IdentityModel::SecurityDefaults || enabled_ca == 0 {
        Outcome::check(
            sd.is_enabled,
            format!("security defaults are on ({enabled_ca} enabled Conditional Access policies)"),
            if enabled_ca == 0 {
                "security defaults are off and no Conditional Access policy is enabled: nothing enforces MFA".to_owned()
            } else {
                format!(
                    "security defaults are off but the declared model (controls.toml identity.model) expects them; {enabled_ca} Conditional Access policies are enabled"
                )
            },
        )
    } else {
        Outcome::na(format!(
            "{enabled_ca} Conditional Access policies are enabled; security defaults are {state}"
        ))
    };
    Ok(o.measured(state)
        .threshold(if model == IdentityModel::SecurityDefaults {
            "on"
        } else {
            "on when no Conditional Access"
        })
        .evidence(file, "/isEnabled"))
}

#[cfg(test)]
mod tests {
    use crate::controls::identity::fixtures::*;
    use crate::controls::testing::{Fx, ca_policies as cas};
    use crate::scorecard::Status;

    #[test]
    fn security_defaults_are_not_applicable_when_ca_is_enabled() {
        let o = Fx::new().eval("identity.security-defaults");
        assert_eq!(o.status, Status::NotApplicable);
        assert_eq!(
            o.message,
            "6 Conditional Access policies are enabled; security defaults are off"
        );
    }

    #[test]
    fn no_enabled_ca_and_security_defaults_off_fails() {
        let report_only = mfa().state("enabledForReportingButNotEnforced");
        let o = Fx::new()
            .graph("conditionalAccessPolicies.json", &cas(&[report_only]))
            .graph("securityDefaults.json", &sd(false))
            .eval("identity.security-defaults");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.message,
            "security defaults are off and no Conditional Access policy is enabled: nothing enforces MFA"
        );
        assert_eq!(o.measured.as_deref(), Some("off"));
        assert_eq!(
            o.evidence[0].file,
            "evidence/acme/2026-11/graph/securityDefaults.json"
        );
        assert_eq!(o.evidence[0].pointer, "/isEnabled");
    }

    #[test]
    fn no_enabled_ca_but_security_defaults_on_passes() {
        let o = Fx::new()
            .graph("conditionalAccessPolicies.json", r#"{"value":[]}"#)
            .graph("securityDefaults.json", &sd(true))
            .eval("identity.security-defaults");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(
            o.threshold.as_deref(),
            Some("on when no Conditional Access")
        );
    }

    #[test]
    fn security_defaults_model_with_defaults_on_passes() {
        let o = Fx::new()
            .policy("controls.toml", &security_defaults_model())
            .graph("conditionalAccessPolicies.json", r#"{"value":[]}"#)
            .graph("securityDefaults.json", &sd(true))
            .eval("identity.security-defaults");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("on"));
        assert_eq!(o.threshold.as_deref(), Some("on"));
    }

    #[test]
    fn security_defaults_model_with_defaults_off_fails_without_misreporting_ca() {
        // Bug fixed: the message used to claim no Conditional Access policy was enabled.
        let o = Fx::new()
            .policy("controls.toml", &security_defaults_model())
            .eval("identity.security-defaults");
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("expects them"), "{}", o.message);
        assert!(
            o.message
                .contains("6 Conditional Access policies are enabled"),
            "{}",
            o.message
        );
        assert!(
            !o.message.contains("no Conditional Access"),
            "{}",
            o.message
        );
    }

    #[test]
    fn missing_security_defaults_is_no_evidence() {
        let o = Fx::new()
            .without("graph/securityDefaults.json")
            .eval("identity.security-defaults");
        assert_eq!(o.status, Status::NoEvidence);
    }
}
