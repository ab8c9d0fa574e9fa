//! `identity.user-consent-restricted`: users cannot grant applications access to
//! company data on their own; consent goes through an administrator.

use super::ca::one_line;
use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::Missing;
use crate::evidence::endpoints::Endpoint;
use crate::scorecard::{Domain, Status};

/// The prefix of a permission grant policy that lets users consent for themselves.
const SELF: &str = "ManagePermissionGrantsForSelf.";
/// The prefix of resource-specific consent by owners (of a team or chat): not user
/// consent to apps on their own behalf, which the baselines are about.
const OWNED: &str = "ManagePermissionGrantsForOwnedResource.";

const THRESHOLD: &str = "no ManagePermissionGrantsForSelf.* policy assigned to users";

pub fn control() -> Control {
    Control::new("identity.user-consent-restricted", Domain::Identity, "Users cannot consent to applications", eval)
        .doc(
            "The authorization policy (`GET /v1.0/policies/authorizationPolicy`, permission Policy.Read.All) assigns users no permission grant policy that lets them consent for themselves: `defaultUserRolePermissions.permissionGrantPoliciesAssigned` holds no `ManagePermissionGrantsForSelf.*` entry. `ManagePermissionGrantsForSelf.microsoft-user-default-legacy` lets users consent to any app; `microsoft-user-default-low` (\"verified publishers, low-impact permissions\", Microsoft's recommended setting) still lets them consent and fails too, named, as SCuBA MS.AAD.5.2 and CIS 5.1.5.1 require that only administrators consent. `ManagePermissionGrantsForOwnedResource.*` entries (team and chat owners' resource-specific consent) are not user consent to apps and are left out. An entry of neither kind, or a policy exported without the list, is no_evidence.",
            "Illicit consent grants are a standard phishing technique: a user approves a malicious app, which then reads mail and files with a token that survives password resets and MFA.",
            "Entra ID > Enterprise applications > Consent and permissions > User consent settings: select \"Do not allow user consent\", and configure the admin consent workflow so users can request apps.",
        )
        .weight(2)
}

fn eval(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let policy = ctx.snap.authorization.get()?;
    let file = ctx.snap.path(Endpoint::Authorization.file());
    let pointer = "/defaultUserRolePermissions/permissionGrantPoliciesAssigned";
    let Some(assigned) = policy
        .default_user_role_permissions
        .as_ref()
        .and_then(|p| p.permission_grant_policies_assigned.as_ref())
    else {
        return Ok(Outcome::new(
            Status::NoEvidence,
            "the authorization policy was exported without defaultUserRolePermissions.permissionGrantPoliciesAssigned: whether users can consent is unknown",
        )
        .threshold(THRESHOLD)
        .evidence(file, "/defaultUserRolePermissions"));
    };
    let mut consent = Vec::new();
    let mut unknown = Vec::new();
    let mut pointers = Vec::new();
    for (i, entry) in assigned.iter().enumerate() {
        if let Some(name) = strip_prefix_ci(entry, SELF) {
            consent.push(describe(name));
            pointers.push(format!("{pointer}/{i}"));
        } else if strip_prefix_ci(entry, OWNED).is_none() {
            unknown.push(format!(
                "{}: not a ManagePermissionGrantsForSelf or ForOwnedResource policy",
                one_line(entry)
            ));
            pointers.push(format!("{pointer}/{i}"));
        }
    }
    let mut o = if !consent.is_empty() {
        Outcome::fail(format!(
            "users can consent to applications: {}",
            consent.join("; ")
        ))
        .measured("user consent allowed")
    } else if !unknown.is_empty() {
        Outcome::new(
            Status::NoEvidence,
            format!(
                "the snapshot cannot show whether users can consent: {}",
                unknown.join("; ")
            ),
        )
        .measured("unknown")
    } else {
        Outcome::pass("users cannot consent to applications; only administrators grant consent")
            .measured("user consent not allowed")
    }
    .threshold(THRESHOLD)
    .items(consent.iter().chain(&unknown).cloned());
    if pointers.is_empty() {
        o = o.evidence(file.clone(), pointer);
    }
    for p in pointers {
        o = o.evidence(file.clone(), p);
    }
    Ok(o)
}

/// The setting behind a self-consent grant policy, in the admin center's words.
fn describe(policy: &str) -> String {
    let name = one_line(policy);
    if policy.eq_ignore_ascii_case("microsoft-user-default-legacy") {
        format!("{name} (users can consent to any app)")
    } else if policy.eq_ignore_ascii_case("microsoft-user-default-low") {
        format!(
            "{name} (users can consent to apps from verified publishers for low-impact permissions)"
        )
    } else {
        format!("{name} (a custom consent policy)")
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix))
    .then(|| &s[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use crate::controls::testing::{Fx, authorization_policy, graph_sample};
    use crate::scorecard::Status;
    use serde_json::json;

    const ID: &str = "identity.user-consent-restricted";
    const FILE: &str = "authorizationPolicy.json";

    fn with_grants(grants: serde_json::Value) -> crate::controls::Outcome {
        let mut p = authorization_policy();
        p["defaultUserRolePermissions"]["permissionGrantPoliciesAssigned"] = grants;
        Fx::new().graph(FILE, &p.to_string()).eval(ID)
    }

    #[test]
    fn only_owned_resource_consent_passes() {
        let o = Fx::new().eval(ID);
        assert_eq!(o.status, Status::Pass, "{}", o.message);
        assert_eq!(with_grants(json!([])).status, Status::Pass);
    }

    #[test]
    fn legacy_user_consent_fails() {
        let o = with_grants(json!([
            "ManagePermissionGrantsForSelf.microsoft-user-default-legacy"
        ]));
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("consent to any app"), "{}", o.message);
        assert_eq!(
            o.evidence[0].pointer,
            "/defaultUserRolePermissions/permissionGrantPoliciesAssigned/0"
        );
    }

    #[test]
    fn verified_publishers_low_risk_consent_is_a_named_fail() {
        let o = with_grants(json!([
            "ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-team",
            "managepermissiongrantsforself.microsoft-user-default-low"
        ]));
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("verified publishers"), "{}", o.message);
        assert!(o.evidence[0].pointer.ends_with("/1"), "{:?}", o.evidence);
    }

    #[test]
    fn a_custom_self_consent_policy_fails() {
        let o = with_grants(json!(["ManagePermissionGrantsForSelf.contoso-sales-apps"]));
        assert_eq!(o.status, Status::Fail);
        assert!(
            o.message
                .contains("contoso-sales-apps (a custom consent policy)")
        );
    }

    #[test]
    fn the_api_reference_sample_s_unprefixed_policy_is_no_evidence() {
        let o = Fx::new()
            .graph(
                FILE,
                &graph_sample("v1.0__policies__authorizationPolicy.json"),
            )
            .eval(ID);
        assert_eq!(o.status, Status::NoEvidence, "{}", o.message);
        assert!(o.message.contains("just-user-read"), "{}", o.message);
    }

    #[test]
    fn no_grant_list_is_no_evidence_not_a_pass() {
        let mut p = authorization_policy();
        p["defaultUserRolePermissions"]
            .as_object_mut()
            .unwrap()
            .remove("permissionGrantPoliciesAssigned");
        let o = Fx::new().graph(FILE, &p.to_string()).eval(ID);
        assert_eq!(o.status, Status::NoEvidence);
        let o = with_grants(serde_json::Value::Null);
        assert_eq!(o.status, Status::NoEvidence);
        let o = Fx::new().without(&format!("graph/{FILE}")).eval(ID);
        assert_eq!(o.status, Status::NoEvidence);
    }
}
