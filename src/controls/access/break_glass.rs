//! `access.break-glass`: every declared break-glass account exists, is enabled and holds
//! an active Global Administrator assignment.

use super::assignments::{GLOBAL_ADMIN, current_assignments};
use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::Missing;
use crate::evidence::endpoints::Endpoint;
use crate::model::{At, Domain, EvidenceRef, Status};
use crate::policy::AssignmentKind;
use std::collections::BTreeSet;

pub fn control() -> Control {
    Control::new("access.break-glass", Domain::Access, "Break-glass accounts exist, are enabled and hold Global Administrator", break_glass)
        .doc(
            "Every break-glass account declared in controls.toml exists in users.json, is enabled (`accountEnabled` is `true`: a record without it, or with `null`, cannot show the account works, and is no_evidence unless another problem is proven) and holds an active Global Administrator assignment.",
            "When Conditional Access or the identity provider locks everyone out, the emergency accounts are the only way back in; they must work on the day.",
            "Create two cloud-only accounts on the onmicrosoft.com domain, assign Global Administrator permanently, protect them with FIDO2 keys, and list them in `[access] break_glass`.",
        )
        .weight(2)
}

fn break_glass(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let declared = &ctx.policy.controls.break_glass;
    if declared.is_empty() {
        return Ok(Outcome::fail(
            "no break-glass accounts are declared in controls.toml `[access] break_glass`",
        )
        .measured("0 declared")
        .threshold("at least 1 declared")
        .policy([At::file_start(&ctx.policy.controls.file)]));
    }
    let users = ctx.snap.users.get()?;
    let all = current_assignments(ctx)?;
    let ufile = ctx.snap.path(Endpoint::Users.file());
    let mut problems = Vec::new();
    let mut unknown = Vec::new();
    let mut o = Outcome::pass("");
    for (upn, at) in declared {
        let found = users.iter().enumerate().find(|(_, u)| {
            u.user_principal_name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(upn))
        });
        let Some((i, u)) = found else {
            problems.push(format!("{upn}: not found in users.json"));
            o.policy.push(at.clone());
            continue;
        };
        o.evidence.push(EvidenceRef {
            file: ufile.clone(),
            pointer: format!("/value/{i}"),
        });
        // Only `accountEnabled: true` shows the account can sign in on the day.
        match u.account_enabled {
            Some(true) => {}
            Some(false) => {
                problems.push(format!("{upn}: account disabled"));
                o.policy.push(at.clone());
            }
            None => unknown.push(format!(
                "{upn}: users.json records no accountEnabled for it (/value/{i}): whether it is enabled is unknown"
            )),
        }
        let ga = all.iter().any(|a| {
            a.principal_id == u.id
                && a.role_template == GLOBAL_ADMIN
                && a.kind == AssignmentKind::Active
        });
        if !ga {
            problems.push(format!(
                "{upn}: holds no active Global Administrator assignment"
            ));
            o.policy.push(at.clone());
        }
    }
    if problems.is_empty() && !unknown.is_empty() {
        // Nothing proven wrong, but not every account is shown ready.
        o.status = Status::NoEvidence;
        o.message = format!(
            "{} of the {} declared break-glass accounts cannot be shown enabled",
            unknown.len(),
            declared.len()
        );
        return Ok(o
            .measured(format!(
                "{}/{} shown ready",
                declared.len() - unknown.len(),
                declared.len()
            ))
            .threshold("all declared accounts ready")
            .items(unknown));
    }
    problems.extend(unknown);
    let ok = declared.len()
        - problems
            .iter()
            .map(|p| p.split(':').next().unwrap_or_default())
            .collect::<BTreeSet<_>>()
            .len();
    o.status = if problems.is_empty() {
        Status::Pass
    } else {
        Status::Fail
    };
    o.message = if problems.is_empty() {
        format!(
            "all {} break-glass accounts exist, are enabled and hold Global Administrator",
            declared.len()
        )
    } else {
        format!(
            "{} with the {} declared break-glass {}",
            crate::controls::count(problems.len(), "problem", "problems"),
            declared.len(),
            if declared.len() == 1 {
                "account"
            } else {
                "accounts"
            }
        )
    };
    Ok(o.measured(format!("{ok}/{} ready", declared.len()))
        .threshold("all declared accounts ready")
        .items(problems))
}

#[cfg(test)]
mod tests {
    use crate::controls::access::fixtures::*;
    use crate::controls::testing::{CONTROLS_TOML, Fx};
    use crate::scorecard::Status;

    #[test]
    fn break_glass_accounts_ready_pass() {
        let o = Fx::new().eval("access.break-glass");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("2/2 ready"));
        let ptrs: Vec<(&str, &str)> = o
            .evidence
            .iter()
            .map(|e| (e.file.as_str(), e.pointer.as_str()))
            .collect();
        assert_eq!(ptrs, [(USERS_FILE, "/value/0"), (USERS_FILE, "/value/1")]);
    }

    #[test]
    fn a_declared_break_glass_account_missing_from_users_fails() {
        let text = CONTROLS_TOML.replace(
            r#""bg2@acme.onmicrosoft.com"]"#,
            r#""bg2@acme.onmicrosoft.com", "bg3@acme.onmicrosoft.com"]"#,
        );
        let o = Fx::new()
            .policy("controls.toml", &text)
            .eval("access.break-glass");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            ["bg3@acme.onmicrosoft.com: not found in users.json"]
        );
        assert_eq!(o.measured.as_deref(), Some("2/3 ready"));
        assert_eq!(o.policy[0].line, line_of(&text, "break_glass"));
        assert_eq!(
            o.policy[0].column,
            text.lines()
                .nth(o.policy[0].line - 1)
                .unwrap()
                .find("\"bg3")
                .unwrap()
                + 1
        );
    }

    #[test]
    fn a_disabled_break_glass_account_fails() {
        let mut u = default_users();
        u[1] = user(
            BG2,
            "bg2@acme.onmicrosoft.com",
            "Member",
            false,
            "2026-11-02T10:05:00Z",
        );
        let o = Fx::new()
            .graph("users.json", &list(&u))
            .eval("access.break-glass");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["bg2@acme.onmicrosoft.com: account disabled"]);
        assert_eq!(o.measured.as_deref(), Some("1/2 ready"));
    }

    #[test]
    fn a_break_glass_account_only_eligible_for_global_admin_fails() {
        let e = [eligible(ALICE, GA), eligible(BG2, GA)];
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&default_assignments()[..1]))
            .graph("roleEligibilitySchedules.json", &list(&e))
            .eval("access.break-glass");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            ["bg2@acme.onmicrosoft.com: holds no active Global Administrator assignment"]
        );
    }

    #[test]
    fn no_declared_break_glass_accounts_fail() {
        let text = CONTROLS_TOML.replace(
            r#"break_glass = ["bg1@acme.onmicrosoft.com", "bg2@acme.onmicrosoft.com"]"#,
            "break_glass = []",
        );
        let o = Fx::new()
            .policy("controls.toml", &text)
            .eval("access.break-glass");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("0 declared"));
        assert_eq!(o.policy[0].file, "clients/acme/controls.toml");
    }

    #[test]
    fn break_glass_upn_matches_regardless_of_case() {
        let mut u = default_users();
        u[0] = user(
            BG1,
            "BG1@Acme.onmicrosoft.com",
            "Member",
            true,
            "2026-11-02T10:00:00Z",
        );
        let o = Fx::new()
            .graph("users.json", &list(&u))
            .eval("access.break-glass");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    /// Regression (red team `noenabled`): a break-glass account whose record has
    /// `accountEnabled` null or absent passed as "exist, are enabled".
    #[test]
    fn a_break_glass_account_without_account_enabled_is_no_evidence() {
        for (case, field) in [("null", r#""accountEnabled":null,"#), ("absent", "")] {
            let mut u = default_users();
            u[1] = user(
                BG2,
                "bg2@acme.onmicrosoft.com",
                "Member",
                true,
                "2026-11-02T10:05:00Z",
            )
            .replace(r#""accountEnabled":true,"#, field);
            let fx = Fx::new().graph("users.json", &list(&u));
            let o = fx.eval("access.break-glass");
            assert_eq!(o.status, Status::NoEvidence, "{case}: {o:?}");
            assert_eq!(
                o.items,
                [
                    "bg2@acme.onmicrosoft.com: users.json records no accountEnabled for it (/value/1): whether it is enabled is unknown"
                ],
                "{case}"
            );
            assert_eq!(o.measured.as_deref(), Some("1/2 shown ready"), "{case}");
            // A problem proven with another account still fails, naming both.
            let mut u2 = u.clone();
            u2[0] = user(
                BG1,
                "bg1@acme.onmicrosoft.com",
                "Member",
                false,
                "2026-11-02T10:00:00Z",
            );
            let o = Fx::new()
                .graph("users.json", &list(&u2))
                .eval("access.break-glass");
            assert_eq!(o.status, Status::Fail, "{case}: {o:?}");
            assert_eq!(o.items.len(), 2, "{case}: {:?}", o.items);
        }
    }
}
