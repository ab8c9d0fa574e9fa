//! `identity.licences`: the tenant holds the Entra ID licences its declared identity model
//! relies on (P1 for Conditional Access, P2 for PIM).

use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::Missing;
use crate::evidence::endpoints::Endpoint;
use crate::model::Domain;
use crate::policy::IdentityModel;

pub fn control() -> Control {
    Control::new("identity.licences", Domain::Identity, "Licences for the declared identity model", licences)
        .doc(
            "The tenant has Entra ID P1 (AAD_PREMIUM) when the policy relies on Conditional Access, and Entra ID P2 (AAD_PREMIUM_P2) when privileged roles are managed through PIM.",
            "Conditional Access and PIM stop working, silently, when their licences lapse; the controls that rely on them then protect nothing.",
            "Buy or renew Entra ID P1/P2 (or a suite that includes them: Microsoft 365 Business Premium, E3, E5, EMS), or change the declared model in controls.toml.",
        )
}

fn licences(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let c = &ctx.policy.controls;
    let mut needed = Vec::new();
    if c.identity_model == IdentityModel::ConditionalAccess {
        needed.push((
            "Entra ID P1 (Conditional Access)",
            &["AAD_PREMIUM", "AAD_PREMIUM_P2"][..],
        ));
    }
    if c.pim {
        needed.push(("Entra ID P2 (PIM)", &["AAD_PREMIUM_P2"][..]));
    }
    if needed.is_empty() {
        return Ok(Outcome::na(
            "the declared model (security defaults, no PIM) needs no Entra ID premium licence",
        ));
    }
    let skus = ctx.snap.skus.get()?;
    let file = ctx.snap.path(Endpoint::SubscribedSkus.file());
    let mut missing = Vec::new();
    let mut found = Vec::new();
    for (label, plans) in &needed {
        let hit = skus.iter().position(|s| {
            s.is_enabled() && s.enabled_units() > 0 && plans.iter().any(|p| s.has_plan(p))
        });
        match hit {
            Some(i) => found.push((label, i, skus[i].sku_part_number.clone())),
            None => missing.push(label.to_string()),
        }
    }
    let mut o = Outcome::check(
        missing.is_empty(),
        format!(
            "present: {}",
            found
                .iter()
                .map(|(l, _, s)| format!("{l} via {s}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        format!("missing: {}", missing.join(", ")),
    )
    .measured(format!("{}/{} present", found.len(), needed.len()))
    .threshold(
        needed
            .iter()
            .map(|(l, _)| *l)
            .collect::<Vec<_>>()
            .join(" + "),
    )
    .items(missing);
    for (_, i, _) in found {
        o = o.evidence(file.clone(), format!("/value/{i}"));
    }
    if o.evidence.is_empty() {
        o = o.evidence(file, "/value");
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use crate::controls::identity::fixtures::*;

    use crate::controls::testing::Fx;
    use crate::scorecard::Status;

    #[test]
    fn licences_pass_with_p1_and_p2() {
        let o = Fx::new().eval("identity.licences");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("2/2 present"));
        assert_eq!(o.evidence[0].pointer, "/value/0");
    }

    #[test]
    fn pim_without_p2_fails_naming_p2() {
        let list = [sku(
            "SPB",
            "Enabled",
            &[
                ("AAD_PREMIUM", "Success"),
                ("EXCHANGE_S_STANDARD", "Success"),
            ],
        )];
        let o = Fx::new()
            .graph("subscribedSkus.json", &skus(&list))
            .eval("identity.licences");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["Entra ID P2 (PIM)"]);
        assert!(o.message.contains("P2"), "{}", o.message);
        assert_eq!(o.measured.as_deref(), Some("1/2 present"));
    }

    #[test]
    fn disabled_plans_and_suspended_skus_do_not_count() {
        let list = [
            sku(
                "SPE_E5",
                "Suspended",
                &[("AAD_PREMIUM", "Success"), ("AAD_PREMIUM_P2", "Success")],
            ),
            sku(
                "EMSPREMIUM",
                "Enabled",
                &[("AAD_PREMIUM", "Success"), ("AAD_PREMIUM_P2", "Disabled")],
            ),
        ];
        let o = Fx::new()
            .graph("subscribedSkus.json", &skus(&list))
            .eval("identity.licences");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["Entra ID P2 (PIM)"]);
        assert_eq!(
            o.evidence[0].pointer, "/value/1",
            "P1 found in the enabled EMS SKU"
        );
    }

    #[test]
    fn p1_and_p2_from_different_skus_pass() {
        let list = [
            sku("SPB", "Enabled", &[("AAD_PREMIUM", "Success")]),
            sku(
                "AAD_PREMIUM_P2",
                "Enabled",
                &[("AAD_PREMIUM_P2", "PendingActivation")],
            ),
        ];
        let o = Fx::new()
            .graph("subscribedSkus.json", &skus(&list))
            .eval("identity.licences");
        assert_eq!(o.status, Status::Pass, "{o:?}");
        let ptrs: Vec<&str> = o.evidence.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(ptrs, ["/value/0", "/value/1"]);
    }

    #[test]
    fn security_defaults_without_pim_needs_no_premium_licence() {
        let text = security_defaults_model().replace("pim = true", "pim = false");
        let o = Fx::new()
            .policy("controls.toml", &text)
            .without("graph/subscribedSkus.json")
            .eval("identity.licences");
        assert_eq!(
            o.status,
            Status::NotApplicable,
            "no SKU evidence is needed either: {o:?}"
        );
    }

    #[test]
    fn licences_without_sku_evidence_is_no_evidence() {
        let o = Fx::new()
            .without("graph/subscribedSkus.json")
            .eval("identity.licences");
        assert_eq!(o.status, Status::NoEvidence);
    }
}
