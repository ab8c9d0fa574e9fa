//! `identity.phishing-resistant-mfa-admins`: every privileged role in use must sign in
//! with a phishing-resistant authentication strength.

use super::ca::{self, Ask, Blocker, Tenant};
use super::search::{self, Reading};
use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::Missing;
use crate::evidence::endpoints::Endpoint;
use crate::evidence::graph::{CaPolicy, MfaGrant};
use crate::scorecard::{Domain, Status};

/// Methods that cannot be relayed by a phishing proxy (bound to the origin or device).
const PHISHING_RESISTANT: [&str; 3] = [
    "windowsHelloForBusiness",
    "fido2",
    "x509CertificateMultiFactor",
];

pub fn control() -> Control {
    Control::new("identity.phishing-resistant-mfa-admins", Domain::Identity, "Admin roles require phishing-resistant MFA", |x, c| search::needs_p1(x, eval(x, c)))
        .doc(
            "Every privileged role held in the tenant (active or eligible, by role template id, as for identity.ca-mfa-admins) is covered by an enabled Conditional Access policy that includes the role (or all users), all cloud apps and every client app type with no narrowing condition, and whose grant is an authentication strength with requirementsSatisfied `mfa` and allowedCombinations only windowsHelloForBusiness, fido2 and x509CertificateMultiFactor. With operator OR nothing else may be listed beside the strength (mfa OR strength lets any MFA through). A strength recorded without allowedCombinations or requirementsSatisfied is no_evidence. A held role of unknown privilege (a custom role without isPrivileged, or one missing from roleDefinitions.json) that no accepted policy covers turns a pass into no_evidence, naming the role. Uncovered roles are listed, then the policies that would have covered them, with what narrows them or which weaker methods they allow. Conditional Access needs Entra ID P1: without an enabled AAD_PREMIUM or AAD_PREMIUM_P2 service plan in subscribedSkus, a result that would fail or lack evidence is not_licensed (\"needs Entra ID P1 or P2 (not licensed)\"), a licence gap left out of the scores; a pass stands, and without subscribedSkus.json the result is what the evidence shows.",
            "Administrators are the accounts adversary-in-the-middle phishing kits hunt: they relay passwords and one-time codes, push approvals and SMS. Only passkeys, Windows Hello and certificates are bound to the real sign-in page.",
            "Register FIDO2 keys or Windows Hello for every administrator, then create a policy: Users = the privileged directory roles (exclude break-glass), All cloud apps, Grant = Require authentication strength Phishing-resistant MFA.",
        )
        .weight(3)
}

/// Why the grant does not prove phishing-resistant MFA, or `None` when it does.
fn weaker_grant(p: &CaPolicy) -> Option<Blocker> {
    let Some(g) = &p.grant_controls else {
        return Some(Blocker::Narrows("has no grant".to_owned()));
    };
    let Some(s) = g.strength() else {
        return Some(Blocker::Narrows(
            "requires MFA without a phishing-resistant authentication strength".to_owned(),
        ));
    };
    let name = ca::one_line(s.name());
    let and = g
        .operator
        .as_deref()
        .is_some_and(|o| o.eq_ignore_ascii_case("AND"));
    let others: Vec<String> = g
        .built_in_controls
        .iter()
        .cloned()
        .chain(
            g.custom_authentication_factors
                .iter()
                .map(|c| format!("custom control {c}")),
        )
        .chain(g.terms_of_use.iter().map(|t| format!("terms of use {t}")))
        .map(|c| ca::one_line(&c))
        .collect();
    if !and && !others.is_empty() {
        return Some(Blocker::Narrows(format!(
            "grant lets {} satisfy it instead of authentication strength \"{name}\" (operator OR)",
            others.join(", ")
        )));
    }
    if s.allowed_combinations.is_empty() {
        return Some(Blocker::Unproven(format!(
            "authentication strength \"{name}\" is recorded without allowedCombinations, so the snapshot does not show which methods it allows"
        )));
    }
    let weak: Vec<String> = s
        .allowed_combinations
        .iter()
        .filter(|c| {
            !c.split(',')
                .map(str::trim)
                .all(|m| PHISHING_RESISTANT.iter().any(|x| x.eq_ignore_ascii_case(m)))
        })
        .map(|c| ca::one_line(c))
        .collect();
    (!weak.is_empty()).then(|| {
        Blocker::Narrows(format!(
            "authentication strength \"{name}\" allows methods that are not phishing-resistant ({})",
            weak.join(", ")
        ))
    })
}

fn eval(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let policies = ctx.snap.ca_policies.get()?;
    if let Some(na) = search::security_defaults_na(ctx, policies) {
        return Ok(na);
    }
    let file = ctx.snap.path(Endpoint::ConditionalAccess.file());
    // Which roles need covering cannot be guessed: without assignments, no evidence.
    let mut held: Vec<(String, String)> = crate::controls::access::current_assignments(ctx)?
        .iter()
        .map(|a| (a.role_template.to_ascii_lowercase(), a.role_name.clone()))
        .collect();
    held.sort();
    held.dedup_by(|a, b| a.0 == b.0);
    if held.is_empty() {
        return Ok(Outcome::new(
            Status::NoEvidence,
            "the role assignments list no privileged role holder, so which admin roles need phishing-resistant MFA is unknown",
        )
        .evidence(ctx.snap.path(Endpoint::RoleAssignments.file()), "/value"));
    }
    let tenant = Tenant::new(ctx);
    let readings: Vec<Reading> = policies
        .iter()
        .enumerate()
        .filter(|(_, p)| p.mfa_grant() != MfaGrant::NotAsked)
        .map(|(index, policy)| {
            let mut reasons = ca::blockers(policy, Ask::Mfa, &tenant);
            reasons.extend(weaker_grant(policy));
            Reading {
                index,
                policy,
                reasons,
            }
        })
        .collect();
    let o = search::role_coverage(
        &held,
        &readings,
        file,
        &search::RoleWording {
            uncovered: "an enabled policy requiring phishing-resistant MFA",
            unproven: "require phishing-resistant MFA",
            covered: "an enabled policy requiring phishing-resistant MFA",
            threshold: "every privileged role in use: phishing-resistant authentication strength",
        },
    );
    Ok(search::unless_unknown_roles(ctx, &readings, o))
}

#[cfg(test)]
mod tests {
    use crate::controls::testing::{CaBuilder, Fx, ca_policies, phishing_resistant, strength};
    use crate::scorecard::Status;
    use serde_json::json;

    const ID: &str = "identity.phishing-resistant-mfa-admins";
    const GA: &str = "62e90394-69f5-4237-9190-012177145e10";
    const EXCHANGE_ADMIN: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";

    fn admins(roles: &[&str]) -> CaBuilder {
        CaBuilder::mfa_all_users("Admins phishing-resistant")
            .users("includeUsers", json!([]))
            .users("includeRoles", json!(roles))
            .strength(phishing_resistant())
    }

    fn eval(list: &[CaBuilder]) -> crate::controls::Outcome {
        Fx::new()
            .graph("conditionalAccessPolicies.json", &ca_policies(list))
            .eval(ID)
    }

    #[test]
    fn a_phishing_resistant_policy_over_every_held_role_passes() {
        let o = eval(&[
            CaBuilder::mfa_all_users("MFA"),
            admins(&[GA, EXCHANGE_ADMIN]),
        ]);
        assert_eq!(o.status, Status::Pass, "{}", o.message);
        assert_eq!(o.evidence[0].pointer, "/value/1");
    }

    #[test]
    fn ordinary_mfa_for_admins_fails() {
        let o = eval(&[
            CaBuilder::mfa_all_users("MFA"),
            admins(&[GA, EXCHANGE_ADMIN]).builtin("OR", &["mfa"]),
        ]);
        assert_eq!(o.status, Status::Fail, "{}", o.message);
        assert!(
            o.message.contains("without a phishing-resistant"),
            "{}",
            o.message
        );
    }

    #[test]
    fn a_strength_allowing_weaker_methods_is_a_named_near_miss() {
        let mfa = strength(
            "00000000-0000-0000-0000-000000000002",
            "Multifactor authentication",
            "mfa",
            &["fido2", "password,microsoftAuthenticatorPush"],
        );
        let o = eval(&[admins(&[GA, EXCHANGE_ADMIN]).strength(mfa)]);
        assert_eq!(o.status, Status::Fail);
        assert!(
            o.message.contains("password,microsoftAuthenticatorPush"),
            "{}",
            o.message
        );
    }

    #[test]
    fn mfa_or_the_strength_is_not_phishing_resistant() {
        let p = admins(&[GA, EXCHANGE_ADMIN]).set("/grantControls/builtInControls", json!(["mfa"]));
        let o = eval(&[p]);
        assert_eq!(o.status, Status::Fail, "{}", o.message);
        assert!(o.message.contains("operator OR"), "{}", o.message);
    }

    #[test]
    fn a_held_role_outside_the_policy_fails_naming_it() {
        // The fixture tenant holds Global Administrator only.
        let o = eval(&[admins(&[EXCHANGE_ADMIN])]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("0/1 roles covered"));
        assert_eq!(o.items, ["Global Administrator"]);
    }

    #[test]
    fn report_only_and_narrowed_admin_policies_fail() {
        let o = eval(&[admins(&[GA, EXCHANGE_ADMIN]).state("enabledForReportingButNotEnforced")]);
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("report-only"), "{}", o.message);
        let o = eval(&[admins(&[GA, EXCHANGE_ADMIN]).condition(
            "locations",
            json!({"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}),
        )]);
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("trusted locations"), "{}", o.message);
    }

    #[test]
    fn a_strength_without_allowed_combinations_is_no_evidence() {
        let o =
            eval(&[admins(&[GA, EXCHANGE_ADMIN]).strength(strength("s", "Custom", "mfa", &[]))]);
        assert_eq!(o.status, Status::NoEvidence, "{}", o.message);
    }

    #[test]
    fn missing_role_assignments_or_policies_is_no_evidence() {
        let f = Fx::new().graph(
            "conditionalAccessPolicies.json",
            &ca_policies(&[admins(&[GA])]),
        );
        assert_eq!(
            f.without("graph/roleAssignments.json").eval(ID).status,
            Status::NoEvidence
        );
        let o = Fx::new()
            .without("graph/conditionalAccessPolicies.json")
            .eval(ID);
        assert_eq!(o.status, Status::NoEvidence);
    }
}
