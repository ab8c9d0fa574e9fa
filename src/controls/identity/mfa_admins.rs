//! `identity.mfa-admins`: every administrator (flagged in the registration report, or
//! holding a privileged role directly or through a group) is registered for MFA.

use super::mfa::{Extra, mfa_coverage, reg_file};
use crate::controls::{Control, Ctx, Direction, Outcome, Param, Trend};
use crate::evidence::Missing;
use crate::model::Domain;
use std::collections::HashSet;

const MFA_ADMINS_MIN_PERCENT: Param = Param {
    name: "min_percent",
    default: 100.0,
    min: 0.0,
    max: 100.0,
    doc: "minimum share of admins registered",
    direction: Direction::HigherIsStricter,
};

pub fn control() -> Control {
    Control::new("identity.mfa-admins", Domain::Identity, "Administrators are registered for MFA", |x, c| super::search::needs_p1(x, mfa_admins(x, c)))
        .doc(
            "Share of administrators registered for multifactor authentication: users flagged isAdmin in userRegistrationDetails and every enabled user holding a privileged role, directly or as a member of a role-assignable group. A role holder the report has no record of, or a group whose membership file is missing, is unknown: the control passes only if it would pass with every unknown admin unregistered, fails only if it would fail with all of them registered, and is no_evidence in between. The MFA registration report (userRegistrationDetails) needs Entra ID P1: without an enabled AAD_PREMIUM or AAD_PREMIUM_P2 service plan in subscribedSkus, a result that would fail or lack evidence is not_licensed (\"needs Entra ID P1 or P2 (not licensed)\"), a licence gap left out of the scores; a pass stands, and without subscribedSkus.json the result is what the evidence shows.",
            "An administrator without MFA is one phished password away from full tenant compromise; Microsoft requires MFA for admin portals.",
            "Have each listed administrator register an authenticator app, passkey or FIDO2 key (https://aka.ms/mysecurityinfo), then enforce it with Conditional Access.",
        )
        .weight(3)
        .params(&[MFA_ADMINS_MIN_PERCENT])
        .trend(Trend::MfaAdminsPercent)
}

/// Administrators are those the report flags (`isAdmin`) and every enabled user holding
/// a privileged role, directly or through a group: a holder the report has no record
/// of, or a group whose members are unknown, is unknown.
fn mfa_admins(ctx: &Ctx, c: &Control) -> Result<Outcome, Missing> {
    let regs = ctx.snap.registrations.get()?;
    let recorded: HashSet<&str> = regs.iter().map(|r| r.id.as_str()).collect();
    let mut extra = Extra {
        ids: HashSet::new(),
        unknown: Vec::new(),
        unbounded: false,
    };
    // Without role assignments the report's own flag is the evidence there is.
    if let Ok(p) = crate::controls::access::current_privileged(ctx) {
        let mut seen = HashSet::new();
        for a in p
            .holders()
            .filter(|a| a.is_user && a.known && a.enabled != Some(false))
        {
            if !seen.insert(a.principal_id.as_str()) {
                continue;
            }
            if recorded.contains(a.principal_id.as_str()) {
                extra.ids.insert(a.principal_id.clone());
            } else {
                let via = a
                    .via_group
                    .as_ref()
                    .map(|g| format!(", through group {g}"))
                    .unwrap_or_default();
                extra.unknown.push((
                    format!("{} ({}{via})", a.principal, a.role_name),
                    Missing {
                        file: reg_file(ctx),
                        reason: format!(
                            "{} has no record in userRegistrationDetails.json: its MFA registration is unknown",
                            a.principal
                        ),
                    },
                ));
            }
        }
        // A role of unknown privilege held by someone not shown to be registered: they
        // may be an unregistered admin.
        let registered_or_counted: HashSet<&str> = regs
            .iter()
            .filter(|r| r.is_mfa_registered == Some(true) || r.is_admin == Some(true))
            .map(|r| r.id.as_str())
            .collect();
        for (a, m) in &p.unknown_roles {
            if a.is_user
                && a.enabled != Some(false)
                && !registered_or_counted.contains(a.principal_id.as_str())
                && seen.insert(a.principal_id.as_str())
            {
                extra
                    .unknown
                    .push((format!("{} (role {})", a.principal, a.role_name), m.clone()));
            }
        }
        // A holder of unknown type may be a group: how many admins it stands for is unknown.
        for (a, m) in &p.untyped {
            if a.enabled != Some(false) && seen.insert(a.principal_id.as_str()) {
                extra.unbounded = true;
                extra
                    .unknown
                    .push((format!("{} ({})", a.principal, a.role_name), m.clone()));
            }
        }
        for (g, m) in &p.unresolved_groups {
            extra.unbounded = true;
            extra.unknown.push((
                format!("members of group {} ({})", g.principal, g.role_name),
                m.clone(),
            ));
        }
    }
    mfa_coverage(
        ctx,
        c,
        &MFA_ADMINS_MIN_PERCENT,
        "administrators",
        |r, _| r.is_admin == Some(true),
        extra,
    )
}

#[cfg(test)]
mod tests {
    use crate::controls::identity::fixtures::*;

    use crate::controls::testing::Fx;
    use crate::scorecard::Status;

    #[test]
    fn mfa_admins_pass_when_every_admin_is_registered() {
        let o = Fx::new().eval("identity.mfa-admins");
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(o.message, "3 of 3 administrators registered for MFA");
        assert_eq!(o.value, Some(100.0));
        assert_eq!(o.evidence[0].pointer, "/value");
    }

    #[test]
    fn an_admin_without_mfa_fails_with_upn_and_pointer() {
        let o = Fx::new()
            .graph(
                "userRegistrationDetails.json",
                &regs(&tenant_regs(false, true)),
            )
            .eval("identity.mfa-admins");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["alice@acme.example"]);
        assert_eq!(
            o.message,
            "1 of 3 administrators are not registered for MFA"
        );
        assert_eq!(o.measured.as_deref(), Some("66.7%"));
        assert_eq!(o.evidence.len(), 1);
        assert_eq!(o.evidence[0].file, REG_FILE);
        assert_eq!(o.evidence[0].pointer, "/value/2");
    }

    #[test]
    fn a_disabled_admin_account_is_not_counted() {
        let o = Fx::new()
            .graph("users.json", &users(false, &[]))
            .graph(
                "userRegistrationDetails.json",
                &regs(&tenant_regs(false, true)),
            )
            .eval("identity.mfa-admins");
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(o.message, "2 of 2 administrators registered for MFA");
        assert!(o.items.is_empty());
    }

    #[test]
    fn an_admin_record_without_is_mfa_registered_counts_as_unregistered() {
        // With a narrow $select Graph can omit the field; absence proves nothing.
        let mut r = tenant_regs(true, true);
        r[2] = format!(
            r#"{{"id":"{ALICE}","userPrincipalName":"alice@acme.example","isAdmin":true,"userType":"member"}}"#
        );
        let o = Fx::new()
            .graph("userRegistrationDetails.json", &regs(&r))
            .eval("identity.mfa-admins");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["alice@acme.example"]);
    }

    /// Regression (red team, empty wholes): a report listing no administrator was
    /// "not applicable", left out of the score; every tenant has one, so an empty
    /// population proves nothing and is no_evidence.
    #[test]
    fn no_admins_in_the_report_and_no_role_holders_is_no_evidence() {
        let r = vec![reg(BOB, "bob@acme.example", false, true, "member")];
        let o = Fx::new()
            .graph("userRegistrationDetails.json", &regs(&r))
            .graph("roleAssignments.json", r#"{"value":[]}"#)
            .graph("roleEligibilitySchedules.json", r#"{"value":[]}"#)
            .eval("identity.mfa-admins");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert_eq!(
            o.message,
            "no in-scope administrators recorded: userRegistrationDetails lists no enabled administrators"
        );
        assert_eq!(o.evidence[0].file, REG_FILE);
        // An empty report is no evidence for the members either.
        let o = Fx::new()
            .graph("users.json", r#"{"value":[]}"#)
            .graph("userRegistrationDetails.json", &regs(&[]))
            .eval("identity.mfa-users");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert!(
            o.message.starts_with("no in-scope members recorded"),
            "{o:?}"
        );
    }

    /// Regression: an administrator the registration report had no record of was not
    /// counted at all, so the admins that were recorded passed the control for them.
    #[test]
    fn a_role_holder_missing_from_the_registration_report_is_no_evidence() {
        let r = vec![
            reg(BG1, "bg1@acme.onmicrosoft.com", true, true, "member"),
            reg(BG2, "bg2@acme.onmicrosoft.com", true, true, "member"),
            reg(BOB, "bob@acme.example", false, true, "member"),
        ];
        let o = Fx::new()
            .graph("userRegistrationDetails.json", &regs(&r))
            .eval("identity.mfa-admins");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert_eq!(
            o.items,
            [
                "alice@acme.example (Global Administrator): alice@acme.example has no record in userRegistrationDetails.json: its MFA registration is unknown"
            ]
        );
        assert_eq!(o.evidence[0].file, REG_FILE);
        // A proven failure stays a failure.
        let mut r = r;
        r[1] = reg(BG2, "bg2@acme.onmicrosoft.com", true, false, "member");
        let o = Fx::new()
            .graph("userRegistrationDetails.json", &regs(&r))
            .eval("identity.mfa-admins");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(o.items[0], "bg2@acme.onmicrosoft.com");
    }

    #[test]
    fn an_unregistered_holder_of_a_role_missing_from_role_definitions_is_no_evidence() {
        let custom = "cccccccc-0000-0000-0000-00000000000c";
        let assignments = format!(
            r##"{{"value":[{{"id":"ra-bob","principalId":"{BOB}","roleDefinitionId":"{custom}","directoryScopeId":"/","principal":{{"@odata.type":"#microsoft.graph.user","id":"{BOB}","userPrincipalName":"bob@acme.example","userType":"Member","accountEnabled":true}}}}]}}"##
        );
        let fx = Fx::new().graph("roleAssignments.json", &assignments);
        let o = fx
            .clone()
            .graph(
                "userRegistrationDetails.json",
                &regs(&tenant_regs(true, false)),
            )
            .eval("identity.mfa-admins");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert!(
            o.items[0].contains("role definition cccccccc-0000-0000-0000-00000000000c is not in roleDefinitions.json"),
            "{:?}",
            o.items
        );
        // Registered anyway: whatever the role is, it changes nothing.
        assert_eq!(fx.eval("identity.mfa-admins").status, Status::Pass);
    }

    #[test]
    fn a_role_holder_the_report_does_not_flag_as_admin_is_counted() {
        let mut r = tenant_regs(true, false);
        r[3] = reg(BOB, "bob@acme.example", false, false, "member");
        let assignments = format!(
            r##"{{"value":[{{"id":"ra-bob","principalId":"{BOB}","roleDefinitionId":"{EXCHANGE_ADMIN}","directoryScopeId":"/","principal":{{"@odata.type":"#microsoft.graph.user","id":"{BOB}","userPrincipalName":"bob@acme.example","userType":"Member","accountEnabled":true}}}}]}}"##
        );
        let o = Fx::new()
            .graph("userRegistrationDetails.json", &regs(&r))
            .graph("roleAssignments.json", &assignments)
            .eval("identity.mfa-admins");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(o.items, ["bob@acme.example"]);
        assert_eq!(
            o.message,
            "1 of 4 administrators are not registered for MFA"
        );
    }

    #[test]
    fn unexplained_missing_registration_report_is_no_evidence() {
        let o = Fx::new()
            .without("graph/userRegistrationDetails.json")
            .eval("identity.mfa-admins");
        assert_eq!(o.status, Status::NoEvidence);
        assert!(o.message.contains("not found"), "{}", o.message);
    }
}
