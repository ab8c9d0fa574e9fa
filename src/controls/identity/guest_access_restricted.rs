//! `identity.guest-access-restricted`: guests see only what they need of the directory,
//! not the member user's view of every user, group and application.

use super::ca::one_line;
use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::Missing;
use crate::evidence::endpoints::Endpoint;
use crate::scorecard::{Domain, Status};

/// Guest access is restricted to the guest's own directory objects (most restrictive).
pub const RESTRICTED: &str = "2af84b1e-32c8-42b7-82bc-daa82404023b";
/// Guests have limited access to properties and memberships of directory objects (the
/// Entra default).
pub const LIMITED: &str = "10dae51f-b6af-4016-8d66-8c2a99b929b3";
/// Guests have the same access as members (most inclusive).
pub const MEMBER: &str = "a0b1b346-4d3e-4e8b-98f8-753987be4970";

const THRESHOLD: &str = "guestUserRoleId restricted (2af84b1e-…) or limited (10dae51f-…)";

pub fn control() -> Control {
    Control::new("identity.guest-access-restricted", Domain::Identity, "Guest access to the directory is limited or restricted", eval)
        .doc(
            "The authorization policy (`GET /v1.0/policies/authorizationPolicy`, permission Policy.Read.All) gives guests the restricted guest role (`guestUserRoleId` `2af84b1e-32c8-42b7-82bc-daa82404023b`: access to their own directory objects only) or the limited one (`10dae51f-b6af-4016-8d66-8c2a99b929b3`: limited access to properties and memberships of directory objects, the Entra default). SCuBA MS.AAD.8.1 accepts either (\"limited or restricted access\"), as does CIS 5.1.6.2; the finding says which is set. Member-like access (`a0b1b346-4d3e-4e8b-98f8-753987be4970`) or any other role id fails; a policy exported without `guestUserRoleId` is no_evidence.",
            "With member-like access a guest account, whose credentials and offboarding another organisation controls, can enumerate every user, group and application of the tenant: the map an attacker needs for phishing and privilege escalation.",
            "Entra ID > External Identities > External collaboration settings > Guest user access: select \"Guest user access is restricted to properties and memberships of their own directory objects\" (or at least \"limited access\").",
        )
}

fn eval(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let policy = ctx.snap.authorization.get()?;
    let file = ctx.snap.path(Endpoint::Authorization.file());
    let Some(role) = policy.guest_user_role_id.as_deref() else {
        return Ok(Outcome::new(
            Status::NoEvidence,
            "the authorization policy was exported without guestUserRoleId: guest access is unknown",
        )
        .threshold(THRESHOLD)
        .evidence(file, ""));
    };
    let o = if role.eq_ignore_ascii_case(RESTRICTED) {
        Outcome::pass("guest access is restricted to the guests' own directory objects")
            .measured("restricted")
    } else if role.eq_ignore_ascii_case(LIMITED) {
        Outcome::pass(
            "guests have limited access to properties and memberships of directory objects (restricted access is stricter)",
        )
        .measured("limited")
    } else if role.eq_ignore_ascii_case(MEMBER) {
        Outcome::fail("guests have the same access to the directory as members")
            .measured("same as members")
            .items([format!("guestUserRoleId {MEMBER} (member access)")])
    } else {
        let role = one_line(role);
        Outcome::fail(format!(
            "guests get role {role}, which is neither the limited nor the restricted guest role"
        ))
        .measured(role.clone())
        .items([format!("guestUserRoleId {role}")])
    };
    Ok(o.threshold(THRESHOLD).evidence(file, "/guestUserRoleId"))
}

#[cfg(test)]
mod tests {
    use super::{LIMITED, MEMBER};
    use crate::controls::testing::{Fx, authorization_policy, graph_sample};
    use crate::scorecard::Status;

    const ID: &str = "identity.guest-access-restricted";
    const FILE: &str = "authorizationPolicy.json";

    fn with_role(role: serde_json::Value) -> crate::controls::Outcome {
        let mut p = authorization_policy();
        p["guestUserRoleId"] = role;
        Fx::new().graph(FILE, &p.to_string()).eval(ID)
    }

    #[test]
    fn restricted_and_limited_guest_access_pass_and_say_which() {
        let o = Fx::new().eval(ID);
        assert_eq!(o.status, Status::Pass, "{}", o.message);
        assert_eq!(o.measured.as_deref(), Some("restricted"));
        assert_eq!(o.evidence[0].pointer, "/guestUserRoleId");
        // Graph's GUIDs compare without regard to case.
        let o = with_role(LIMITED.to_uppercase().into());
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("limited"));
    }

    #[test]
    fn member_like_guest_access_fails() {
        let o = with_role(MEMBER.into());
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("same access"), "{}", o.message);
    }

    #[test]
    fn an_unknown_role_id_fails_naming_it() {
        let o = with_role("62e90394-69f5-4237-9190-012177145e10".into());
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("62e90394"), "{}", o.message);
    }

    #[test]
    fn no_guest_role_is_no_evidence() {
        // The API reference's example leaves guestUserRoleId out.
        let o = Fx::new()
            .graph(
                FILE,
                &graph_sample("v1.0__policies__authorizationPolicy.json"),
            )
            .eval(ID);
        assert_eq!(o.status, Status::NoEvidence, "{}", o.message);
        assert_eq!(
            with_role(serde_json::Value::Null).status,
            Status::NoEvidence
        );
        let o = Fx::new().without(&format!("graph/{FILE}")).eval(ID);
        assert_eq!(o.status, Status::NoEvidence);
    }
}
