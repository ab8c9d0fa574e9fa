//! `identity.mfa-users`: enabled member users are registered for MFA.

use super::mfa::{Extra, mfa_coverage, reg_file};
use crate::controls::{Control, Ctx, Direction, Outcome, Param, Trend};
use crate::evidence::Missing;
use crate::evidence::graph::{RegistrationDetail, User};
use crate::model::Domain;
use std::collections::HashSet;

const MFA_USERS_MIN_PERCENT: Param = Param {
    name: "min_percent",
    default: 95.0,
    min: 0.0,
    max: 100.0,
    doc: "minimum share of enabled members registered",
    direction: Direction::HigherIsStricter,
};

pub fn control() -> Control {
    Control::new("identity.mfa-users", Domain::Identity, "Members are registered for MFA", |x, c| super::search::needs_p1(x, mfa_users(x, c)))
        .doc(
            "Share of enabled member users (guests excluded) registered for multifactor authentication, from userRegistrationDetails. An enabled member in users.json the report has no record of is unknown: a pass must hold with every unknown user unregistered, a fail with all of them registered; otherwise no_evidence. The MFA registration report (userRegistrationDetails) needs Entra ID P1: without an enabled AAD_PREMIUM or AAD_PREMIUM_P2 service plan in subscribedSkus, a result that would fail or lack evidence is not_licensed (\"needs Entra ID P1 or P2 (not licensed)\"), a licence gap left out of the scores; a pass stands, and without subscribedSkus.json the result is what the evidence shows.",
            "Unregistered users cannot be challenged for MFA; an attacker who has their password can register their own method first.",
            "Run a registration campaign (Entra ID > Authentication methods > Registration campaign) and follow up the listed users.",
        )
        .weight(2)
        .params(&[MFA_USERS_MIN_PERCENT])
        .trend(Trend::MfaUsersPercent)
}

fn is_member(r: &RegistrationDetail, u: Option<&User>) -> bool {
    let guest =
        crate::evidence::graph::is_guest(r.user_type.as_deref(), r.user_principal_name.as_deref())
            || u.is_some_and(User::is_guest);
    !guest
}

/// Members are the report's non-guests; an enabled member in users.json the report has
/// no record of is unknown.
fn mfa_users(ctx: &Ctx, c: &Control) -> Result<Outcome, Missing> {
    let regs = ctx.snap.registrations.get()?;
    let recorded: HashSet<&str> = regs.iter().map(|r| r.id.as_str()).collect();
    let unknown = ctx
        .snap
        .users
        .ok()
        .into_iter()
        .flatten()
        .filter(|u| {
            u.account_enabled != Some(false) && !u.is_guest() && !recorded.contains(u.id.as_str())
        })
        .map(|u| {
            (
                u.name().to_owned(),
                Missing {
                    file: reg_file(ctx),
                    reason: format!(
                        "{} has no record in userRegistrationDetails.json: its MFA registration is unknown",
                        u.name()
                    ),
                },
            )
        })
        .collect();
    let extra = Extra {
        ids: HashSet::new(),
        unknown,
        unbounded: false,
    };
    mfa_coverage(ctx, c, &MFA_USERS_MIN_PERCENT, "members", is_member, extra)
}

#[cfg(test)]
mod tests {
    use crate::controls::identity::fixtures::*;

    use crate::controls::testing::{CONTROLS_TOML, Fx};
    use crate::scorecard::Status;

    #[test]
    fn an_enabled_member_missing_from_the_registration_report_matters_only_if_it_could_change_the_verdict()
     {
        let extra: Vec<String> = (0..3)
            .map(|i| {
                user(
                    &format!("d0000000-0000-0000-0000-00000000000{i}"),
                    &format!("new{i}@acme.example"),
                    "Member",
                    true,
                )
            })
            .collect();
        // 4 recorded and registered, 3 unknown: 4/7 < 95% if they are not, 100% if they are.
        let o = Fx::new()
            .graph("users.json", &users(true, &extra))
            .eval("identity.mfa-users");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert_eq!(o.items.len(), 3);
        assert!(o.items[0].starts_with("new0@acme.example: new0@acme.example has no record"));
        // With a 50% threshold even the worst case passes.
        let o = Fx::new()
            .graph("users.json", &users(true, &extra))
            .with_controls_extra("[thresholds]\n\"identity.mfa-users\" = { min_percent = 50 }\n")
            .eval("identity.mfa-users");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn mfa_users_pass_on_the_healthy_fixture() {
        let o = Fx::new().eval("identity.mfa-users");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.message, "4 of 4 members registered for MFA");
        assert_eq!(o.threshold.as_deref(), Some("≥ 95%"));
        assert!(o.policy.is_empty(), "default threshold has no policy line");
    }

    #[test]
    fn guests_are_excluded_from_mfa_users_in_every_spelling() {
        let mut r = tenant_regs(true, true);
        r.push(reg(
            "c0000000-0000-0000-0000-000000000001",
            "allan@partner.example",
            false,
            false,
            "guest",
        ));
        r.push(reg(
            "c0000000-0000-0000-0000-000000000002",
            "markie@partner.example",
            false,
            false,
            "Guest",
        ));
        // An invited account whose record says member: the #EXT# UPN gives it away.
        r.push(reg(
            "c0000000-0000-0000-0000-000000000003",
            "dana.ortiz_partner.example#EXT#@acme.onmicrosoft.com",
            false,
            false,
            "member",
        ));
        // No userType in the report, but users.json knows it is a guest.
        r.push(
            r#"{"id":"c0000000-0000-0000-0000-000000000004","userPrincipalName":"kalyan@partner.example","isAdmin":false,"isMfaRegistered":false}"#
                .to_owned(),
        );
        let extra = [user(
            "c0000000-0000-0000-0000-000000000004",
            "kalyan@partner.example",
            "Guest",
            true,
        )];
        let o = Fx::new()
            .graph("users.json", &users(true, &extra))
            .graph("userRegistrationDetails.json", &regs(&r))
            .eval("identity.mfa-users");
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(o.message, "4 of 4 members registered for MFA");
        assert!(o.items.is_empty());
    }

    #[test]
    fn an_unregistered_member_is_listed() {
        let mut r = tenant_regs(true, true);
        r.push(reg(
            "c0000000-0000-0000-0000-000000000009",
            "carol@acme.example",
            false,
            false,
            "member",
        ));
        let o = Fx::new()
            .graph("userRegistrationDetails.json", &regs(&r))
            .eval("identity.mfa-users");
        assert_eq!(o.status, Status::Fail, "4 of 5 = 80% < 95%");
        assert_eq!(o.items, ["carol@acme.example"]);
        assert_eq!(o.evidence[0].pointer, "/value/4");
    }

    #[test]
    fn a_disabled_member_is_not_counted() {
        let o = Fx::new()
            .graph("users.json", &users(false, &[]))
            .graph(
                "userRegistrationDetails.json",
                &regs(&tenant_regs(false, true)),
            )
            .eval("identity.mfa-users");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.message, "3 of 3 members registered for MFA");
    }

    #[test]
    fn mfa_users_threshold_from_controls_toml_changes_the_verdict_and_is_cited() {
        let fx = Fx::new().graph(
            "userRegistrationDetails.json",
            &regs(&tenant_regs(false, false)),
        );
        let o = fx.eval("identity.mfa-users");
        assert_eq!(o.status, Status::Fail, "2 of 4 = 50% < default 95%");
        assert_eq!(o.measured.as_deref(), Some("50%"));

        let extra = "[thresholds]\n\"identity.mfa-users\" = { min_percent = 50 }\n";
        let text = format!("{CONTROLS_TOML}\n{extra}");
        let line = text
            .lines()
            .position(|l| l.starts_with("\"identity.mfa-users\""))
            .expect("threshold line")
            + 1;
        let o = fx.with_controls_extra(extra).eval("identity.mfa-users");
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(o.threshold.as_deref(), Some("≥ 50%"));
        assert_eq!(
            o.items,
            ["alice@acme.example", "bob@acme.example"],
            "the unregistered are still listed"
        );
        assert_eq!(o.policy.len(), 1);
        assert_eq!(o.policy[0].file, "clients/acme/controls.toml");
        assert_eq!(o.policy[0].line, line);
    }
}
