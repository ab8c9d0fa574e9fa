//! `access.stale-admins`: every privileged user signed in within the threshold.

use super::assignments::{current_privileged, reference_time};
use super::findings::{describe, no_evidence, unknowns_of};
use crate::controls::{Control, Ctx, Direction, Outcome, Param};
use crate::evidence::Missing;
use crate::evidence::endpoints::Endpoint;
use crate::model::{Domain, EvidenceRef, Status};
use std::collections::{BTreeSet, HashMap};

const STALE_MAX_DAYS: Param = Param {
    name: "max_days",
    default: 90.0,
    min: 1.0,
    max: 3650.0,
    doc: "days without sign-in after which an admin is stale",
    direction: Direction::LowerIsStricter,
};

pub fn control() -> Control {
    Control::new("access.stale-admins", Domain::Access, "No privileged account unused for 90 days", |x, c| crate::controls::identity::search::needs_p1(x, stale_admins(x, c)))
        .doc(
            "Every user holding a privileged role, directly or through a role-assignable group, signed in (interactive or not) within the threshold before the snapshot; disabled accounts holding roles are listed too. A holder absent from users.json (including one whose type is not positively known: it may be a group), or a group whose members are unknown, has unknown sign-in activity: no_evidence unless a stale admin is already proven.",
            "Unused admin accounts are forgotten accounts: nobody notices when someone else starts using them.",
            "Remove the role (or the account) from the listed users; test break-glass accounts at least quarterly so they sign in.",
        )
        .params(&[STALE_MAX_DAYS])
}

fn stale_admins(ctx: &Ctx, c: &Control) -> Result<Outcome, Missing> {
    let users = ctx.snap.sign_in_activity()?;
    let p = current_privileged(ctx)?;
    let (max_days, at) = ctx.param(c, &STALE_MAX_DAYS);
    let reference = reference_time(ctx);
    let cutoff = reference
        .saturating_sub(jiff::SignedDuration::from_hours((max_days * 24.0) as i64))
        .unwrap_or(reference);
    let ufile = ctx.snap.path(Endpoint::Users.file());
    let mut seen = BTreeSet::new();
    let mut items = Vec::new();
    let mut o = Outcome::pass("");
    let mut unknown = unknowns_of(p, |_| true, |_| false);
    let index: HashMap<&str, usize> = users
        .iter()
        .enumerate()
        .map(|(i, u)| (u.id.as_str(), i))
        .collect();
    // Holders of unknown type are among the unknowns already.
    for a in p.holders().filter(|a| a.is_user && a.known) {
        if !seen.insert(a.principal_id.as_str()) {
            continue;
        }
        let Some((i, u)) = index.get(a.principal_id.as_str()).map(|i| (*i, &users[*i])) else {
            // Holding a role without a users.json record: its sign-in is unknown.
            unknown.push((
                describe(a),
                Missing {
                    file: ufile.clone(),
                    reason: format!(
                        "{} is not in users.json: its sign-in activity is unknown",
                        a.principal_id
                    ),
                },
            ));
            continue;
        };
        let problem = if u.account_enabled == Some(false) {
            Some("account disabled but holds a privileged role".to_owned())
        } else {
            match u.last_sign_in() {
                Some(t) if t >= cutoff => None,
                Some(t) => Some(format!(
                    "last sign-in {} ({} days before the snapshot)",
                    t.strftime("%Y-%m-%d"),
                    (reference.as_second() - t.as_second()) / 86_400
                )),
                None if u.created_date_time.is_some_and(|c| c >= cutoff) => None,
                None => Some("never signed in".to_owned()),
            }
        };
        if let Some(p) = problem {
            items.push(format!("{}: {p}", u.name()));
            o.evidence.push(EvidenceRef {
                file: ufile.clone(),
                pointer: format!("/value/{i}/signInActivity"),
            });
        }
    }
    if items.is_empty() && !unknown.is_empty() {
        return Ok(no_evidence("privileged accounts", unknown)
            .measured("unknown")
            .threshold(format!("sign-in within {max_days} days"))
            .policy(at));
    }
    o.status = if items.is_empty() {
        Status::Pass
    } else {
        Status::Fail
    };
    o.message = if items.is_empty() {
        format!("every privileged user signed in within {max_days} days")
    } else {
        format!(
            "{} not signed in within {max_days} days",
            crate::controls::count(items.len(), "privileged user has", "privileged users have")
        )
    };
    if o.evidence.is_empty() {
        o = o.evidence(ufile, "/value");
    }
    Ok(o.measured(format!("{} stale", items.len()))
        .threshold(format!("sign-in within {max_days} days"))
        .items(items)
        .policy(at))
}

#[cfg(test)]
mod tests {
    use crate::controls::access::fixtures::*;
    use crate::controls::testing::{Fx, MONTH};
    use crate::scorecard::Status;

    #[test]
    fn recently_signed_in_admins_pass() {
        let o = Fx::new().eval("access.stale-admins");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("0 stale"));
    }

    #[test]
    fn an_admin_unused_for_120_days_fails() {
        // Collected 2026-11-23T03:00Z; 120 days earlier is 2026-07-26T03:00Z.
        let mut u = default_users();
        u[2] = user(
            ALICE,
            "alice@acme.example",
            "Member",
            true,
            "2026-07-26T03:00:00Z",
        );
        let o = Fx::new()
            .graph("users.json", &list(&u))
            .eval("access.stale-admins");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            ["alice@acme.example: last sign-in 2026-07-26 (120 days before the snapshot)"]
        );
        assert_eq!(o.evidence[0].file, USERS_FILE);
        assert_eq!(o.evidence[0].pointer, "/value/2/signInActivity");
        assert_eq!(o.threshold.as_deref(), Some("sign-in within 90 days"));

        let o = Fx::new()
            .graph("users.json", &list(&u))
            .with_controls_extra("[thresholds]\n\"access.stale-admins\" = { max_days = 150 }\n")
            .eval("access.stale-admins");
        assert_eq!(o.status, Status::Pass, "threshold raised to 150 days");
    }

    #[test]
    fn a_recent_non_interactive_sign_in_keeps_an_admin_fresh() {
        let mut u = default_users();
        let activity = r#","signInActivity":{"lastSignInDateTime":"2026-01-05T09:00:00Z","lastNonInteractiveSignInDateTime":"2026-11-22T23:10:00Z","lastSuccessfulSignInDateTime":null}"#;
        u[2] = user_with(ALICE, "alice@acme.example", "Member", true, activity);
        let o = Fx::new()
            .graph("users.json", &list(&u))
            .eval("access.stale-admins");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn year_0001_empty_and_null_sign_ins_mean_never_signed_in() {
        let mut u = default_users();
        let never = r#","signInActivity":{"lastSignInDateTime":"0001-01-01T00:00:00Z","lastSignInRequestId":"","lastNonInteractiveSignInDateTime":null,"lastNonInteractiveSignInRequestId":"","lastSuccessfulSignInDateTime":"","lastSuccessfulSignInRequestId":""}"#;
        u[2] = user_with(ALICE, "alice@acme.example", "Member", true, never);
        let o = Fx::new()
            .graph("users.json", &list(&u))
            .eval("access.stale-admins");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["alice@acme.example: never signed in"]);
    }

    #[test]
    fn a_new_admin_who_has_not_signed_in_yet_is_not_stale() {
        let mut u = default_users();
        u[2] = format!(
            r#"{{"id":"{ALICE}","userPrincipalName":"alice@acme.example","userType":"Member","accountEnabled":true,"createdDateTime":"2026-11-15T09:00:00Z","signInActivity":{{"lastSignInDateTime":null,"lastNonInteractiveSignInDateTime":"0001-01-01T00:00:00Z","lastSuccessfulSignInDateTime":""}}}}"#
        );
        let o = Fx::new()
            .graph("users.json", &list(&u))
            .eval("access.stale-admins");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn a_disabled_account_holding_a_role_is_listed() {
        let mut u = default_users();
        u[2] = user(
            ALICE,
            "alice@acme.example",
            "Member",
            false,
            "2026-11-20T08:00:00Z",
        );
        let o = Fx::new()
            .graph("users.json", &list(&u))
            .eval("access.stale-admins");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            ["alice@acme.example: account disabled but holds a privileged role"]
        );
    }

    #[test]
    fn a_stale_user_without_a_role_is_ignored() {
        let mut u = default_users();
        u[3] = user(
            BOB,
            "bob@acme.example",
            "member",
            true,
            "2025-01-01T00:00:00Z",
        );
        let o = Fx::new()
            .graph("users.json", &list(&u))
            .eval("access.stale-admins");
        assert_eq!(o.status, Status::Pass);
    }

    #[test]
    fn users_without_sign_in_activity_are_no_evidence() {
        let u: Vec<String> = [
            (BG1, "bg1@acme.onmicrosoft.com"),
            (BG2, "bg2@acme.onmicrosoft.com"),
            (ALICE, "alice@acme.example"),
            (BOB, "bob@acme.example"),
        ]
        .iter()
        .map(|(id, upn)| user_with(id, upn, "Member", true, ""))
        .collect();
        let o = Fx::new()
            .graph("users.json", &list(&u))
            .eval("access.stale-admins");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert!(o.message.contains("no signInActivity"), "{}", o.message);
        assert_eq!(o.evidence[0].file, USERS_FILE);
    }

    /// Regression: a privileged user absent from users.json was skipped, so its unknown
    /// sign-in activity passed the control.
    #[test]
    fn an_admin_missing_from_users_json_is_no_evidence_for_stale_admins() {
        let mut u = default_users();
        u.remove(2); // alice holds Global Administrator (eligible)
        let o = Fx::new()
            .graph("users.json", &list(&u))
            .eval("access.stale-admins");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert_eq!(
            o.items,
            [format!(
                "{ALICE}: Global Administrator (eligible): {ALICE} is in neither users.json nor an expanded principal: whether it is a user, a guest or a group is unknown"
            )]
        );
        // The unknown holder is cited where it holds the role.
        assert_eq!(o.evidence[0].file, ELIG_FILE);
        // A proven stale admin is still a failure.
        u[2] = user(
            BOB,
            "bob@acme.example",
            "Member",
            false,
            "2026-11-01T00:00:00Z",
        );
        let a = [
            default_assignments(),
            vec![ra(
                BOB,
                GA,
                &user_principal(BOB, "bob@acme.example", "Member"),
            )],
        ]
        .concat();
        let o = Fx::new()
            .graph("users.json", &list(&u))
            .graph("roleAssignments.json", &list(&a))
            .eval("access.stale-admins");
        assert_eq!(o.status, Status::Fail, "{o:?}");
    }

    #[test]
    fn a_stale_member_of_a_privileged_group_is_stale_and_one_missing_from_users_is_unknown() {
        let mut u = default_users();
        u[3] = user(
            BOB,
            "bob@acme.example",
            "member",
            true,
            "2025-01-01T00:00:00Z",
        );
        let fx = group_holds_ga().graph("users.json", &list(&u)).file(
            MONTH,
            GROUP_FILE,
            &members(&[(BOB, "bob@acme.example", "Member")]),
        );
        let o = fx.eval("access.stale-admins");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert!(
            o.items[0].starts_with("bob@acme.example: last sign-in 2025-01-01"),
            "{:?}",
            o.items
        );
        let o = group_holds_ga()
            .file(
                MONTH,
                GROUP_FILE,
                &members(&[(CAROL, "carol@acme.example", "Member")]),
            )
            .eval("access.stale-admins");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert!(
            o.items[0].contains("through group Tier0 Admins"),
            "{:?}",
            o.items
        );
    }
}
