//! `identity.break-glass-excluded-everywhere`: no enforced Conditional Access policy can
//! lock the emergency accounts out.

use crate::controls::{Control, Ctx, Outcome, capped};
use crate::evidence::Missing;
use crate::evidence::endpoints::Endpoint;
use crate::evidence::graph::CaPolicy;
use crate::policy::At;
use crate::scorecard::{Domain, Status};

pub fn control() -> Control {
    Control::new("identity.break-glass-excluded-everywhere", Domain::Identity, "Break-glass accounts are excluded from every enforced Conditional Access policy", |x, c| super::search::needs_p1(x, eval(x, c)))
        .doc(
            "Every enabled Conditional Access policy that could apply to a declared break-glass account (`[access] break_glass`) excludes it: by object id in excludeUsers, or through an excluded group whose membership file graph/groupMembers/<id>.json lists it. Report-only and disabled policies are not checked: they block no one. A declared UPN is resolved to its object id through users.json; a UPN missing from users.json, or users.json missing, is no_evidence, as is a policy excluding groups whose membership file is absent. A policy that includes only some users, groups or roles reaches an account when it names it, a group whose membership file lists it, or a role it holds (roleAssignments); an included group or role that cannot be resolved counts as reaching it. With no break-glass account declared the control fails, as access.break-glass does: declaring them is required. With no enabled policy, nothing can lock them out: not_applicable. Conditional Access needs Entra ID P1: without an enabled AAD_PREMIUM or AAD_PREMIUM_P2 service plan in subscribedSkus, a result that would fail or lack evidence is not_licensed (\"needs Entra ID P1 or P2 (not licensed)\"), a licence gap left out of the scores; a pass stands, and without subscribedSkus.json the result is what the evidence shows.",
            "A Conditional Access policy that reaches the emergency accounts (an MFA method they lack, a location, a compliant-device grant) locks them out on exactly the day Conditional Access or MFA breaks and they are the only way back in.",
            "Add the break-glass accounts (or a group holding only them) to the Exclude users of each listed policy, and monitor their sign-ins instead.",
        )
        .weight(2)
}

/// What stands in the way of saying an account is excluded from a policy.
enum Gap {
    /// The policy applies to the account and does not exclude it.
    Reaches,
    /// It cannot be told: what is missing.
    Unknown(Missing),
}

fn has(list: &[String], v: &str) -> bool {
    list.iter().any(|x| x.eq_ignore_ascii_case(v))
}

fn gap(ctx: &Ctx, p: &CaPolicy, id: &str) -> Option<Gap> {
    let Some(u) = p.conditions.as_ref().and_then(|c| c.users.as_ref()) else {
        return Some(Gap::Unknown(Missing {
            file: ctx.snap.path(Endpoint::ConditionalAccess.file()),
            reason: format!(
                "policy \"{}\" is recorded without its users",
                super::ca::one_line(p.name())
            ),
        }));
    };
    if has(&u.exclude_users, id) {
        return None;
    }
    // Whether the policy reaches the account at all: directly, through an included group
    // that holds it, or through an included role it holds. What cannot be told counts
    // as reaching it (and becomes no_evidence unless an exclusion settles it).
    let mut unknown = None;
    let mut included = has(&u.include_users, "All") || has(&u.include_users, id);
    for g in &u.include_groups {
        match ctx.snap.group_members(g, g) {
            Ok(members) => included |= members.iter().any(|m| m.id.eq_ignore_ascii_case(id)),
            Err(m) => {
                included = true;
                unknown = Some(m);
            }
        }
    }
    if !u.include_roles.is_empty() {
        match crate::controls::access::current_assignments(ctx) {
            Ok(held) => {
                included |= held.iter().any(|a| {
                    a.principal_id.eq_ignore_ascii_case(id)
                        && has(&u.include_roles, &a.role_template)
                })
            }
            Err(m) => {
                included = true;
                unknown = Some(m);
            }
        }
    }
    if !included {
        return None;
    }
    for g in &u.exclude_groups {
        match ctx.snap.group_members(g, g) {
            Ok(members) if members.iter().any(|m| m.id.eq_ignore_ascii_case(id)) => return None,
            Ok(_) => {}
            Err(m) => unknown = Some(m),
        }
    }
    Some(unknown.map_or(Gap::Reaches, Gap::Unknown))
}

fn eval(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let declared = &ctx.policy.controls.break_glass;
    if declared.is_empty() {
        return Ok(Outcome::fail(
            "no break-glass accounts are declared in controls.toml `[access] break_glass`, so none can be checked against Conditional Access",
        )
        .measured("0 declared")
        .threshold("every declared break-glass account excluded from every enabled policy")
        .policy([At::file_start(&ctx.policy.controls.file)]));
    }
    let policies = ctx.snap.ca_policies.get()?;
    let file = ctx.snap.path(Endpoint::ConditionalAccess.file());
    let enabled: Vec<(usize, &CaPolicy)> = policies
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_enabled())
        .collect();
    if enabled.is_empty() {
        return Ok(Outcome::na(
            "no Conditional Access policy is enabled: none can lock the break-glass accounts out",
        )
        .evidence(file, "/value"));
    }
    // Resolve each declared account to its object id (a GUID is one already).
    let mut accounts: Vec<(String, String)> = Vec::new();
    let mut unresolved = Vec::new();
    let mut ats: Vec<At> = Vec::new();
    for (name, at) in declared {
        if uuid_like(name) {
            accounts.push((name.clone(), name.to_ascii_lowercase()));
            continue;
        }
        let users = ctx.snap.users.get()?;
        match users.iter().find(|u| {
            u.user_principal_name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        }) {
            Some(u) => accounts.push((name.clone(), u.id.to_ascii_lowercase())),
            None => {
                unresolved.push(format!(
                    "{name}: not found in users.json, so its object id is unknown"
                ));
                ats.push(at.clone());
            }
        }
    }
    let mut reaches = Vec::new();
    let mut unknown = Vec::new();
    let mut pointers = Vec::new();
    let mut locking = Vec::new();
    for (i, p) in &enabled {
        for (name, id) in &accounts {
            match gap(ctx, p, id) {
                None => {}
                Some(Gap::Reaches) => {
                    locking.push(*i);
                    reaches.push(format!(
                        "\"{}\" does not exclude {name}",
                        super::ca::one_line(p.name())
                    ));
                    pointers.push(*i);
                }
                Some(Gap::Unknown(m)) => {
                    unknown.push(format!(
                        "\"{}\" and {name}: {}",
                        super::ca::one_line(p.name()),
                        m.reason
                    ));
                    pointers.push(*i);
                }
            }
        }
    }
    pointers.dedup();
    locking.dedup();
    let checked = enabled.len();
    let mut o = if !reaches.is_empty() {
        Outcome::fail(format!(
            "{} of {checked} enabled Conditional Access policies can lock out a break-glass account: {}",
            locking.len(),
            reaches.iter().take(3).cloned().collect::<Vec<_>>().join("; ")
        ))
        .measured(format!("{} lock-out{}", reaches.len(), if reaches.len() == 1 { "" } else { "s" }))
    } else if !unknown.is_empty() || !unresolved.is_empty() {
        Outcome::new(
            Status::NoEvidence,
            format!(
                "the snapshot cannot show that every enabled policy excludes every break-glass account: {}",
                unresolved.iter().chain(&unknown).take(3).cloned().collect::<Vec<_>>().join("; ")
            ),
        )
        .measured("unproven")
    } else {
        Outcome::pass(format!(
            "all {checked} enabled Conditional Access policies exclude the {} break-glass account{}",
            accounts.len(),
            if accounts.len() == 1 { "" } else { "s" }
        ))
        .measured(format!("{checked}/{checked} policies exclude them"))
    }
    .threshold("every declared break-glass account excluded from every enabled policy")
    .items(capped(reaches.into_iter().chain(unresolved).chain(unknown).collect(), 50))
    .policy(ats);
    for i in &pointers {
        o = o.evidence(file.clone(), format!("/value/{i}"));
    }
    if o.evidence.is_empty() {
        o = o.evidence(file, "/value");
    }
    Ok(o)
}

fn uuid_like(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use crate::controls::testing::{CONTROLS_TOML, CaBuilder, Fx, ca_policies};
    use crate::scorecard::Status;
    use serde_json::json;

    const ID: &str = "identity.break-glass-excluded-everywhere";
    const BG1: &str = "b0000000-0000-0000-0000-000000000001";
    const BG2: &str = "b0000000-0000-0000-0000-000000000002";
    const GROUP: &str = "9a000000-0000-0000-0000-000000000001";

    fn eval(list: &[CaBuilder]) -> crate::controls::Outcome {
        Fx::new()
            .graph("conditionalAccessPolicies.json", &ca_policies(list))
            .eval(ID)
    }

    #[test]
    fn policies_excluding_both_accounts_pass() {
        let o = eval(&[
            CaBuilder::mfa_all_users("MFA"),
            CaBuilder::block_legacy("Legacy"),
        ]);
        assert_eq!(o.status, Status::Pass, "{}", o.message);
        assert_eq!(o.measured.as_deref(), Some("2/2 policies exclude them"));
    }

    #[test]
    fn an_enabled_policy_missing_one_account_fails_naming_it() {
        let o = eval(&[
            CaBuilder::mfa_all_users("MFA"),
            CaBuilder::block_legacy("Legacy").users("excludeUsers", json!([BG1])),
        ]);
        assert_eq!(o.status, Status::Fail);
        assert!(
            o.message
                .contains("\"Legacy\" does not exclude bg2@acme.onmicrosoft.com"),
            "{}",
            o.message
        );
        assert_eq!(o.evidence[0].pointer, "/value/1");
    }

    #[test]
    fn report_only_and_disabled_policies_lock_no_one_out() {
        let o = eval(&[
            CaBuilder::mfa_all_users("MFA"),
            CaBuilder::mfa_all_users("RO")
                .users("excludeUsers", json!([]))
                .state("enabledForReportingButNotEnforced"),
            CaBuilder::mfa_all_users("Off")
                .users("excludeUsers", json!([]))
                .state("disabled"),
        ]);
        assert_eq!(o.status, Status::Pass, "{}", o.message);
    }

    #[test]
    fn exclusion_through_a_group_counts_only_with_its_membership_file() {
        let p = CaBuilder::mfa_all_users("Group")
            .users("excludeUsers", json!([]))
            .users("excludeGroups", json!([GROUP]));
        let o = eval(std::slice::from_ref(&p));
        assert_eq!(o.status, Status::NoEvidence, "{}", o.message);
        let members = format!(
            r##"{{"value":[{{"@odata.type":"#microsoft.graph.user","id":"{BG1}"}},{{"@odata.type":"#microsoft.graph.user","id":"{BG2}"}}]}}"##
        );
        let f = Fx::new()
            .graph(
                "conditionalAccessPolicies.json",
                &ca_policies(std::slice::from_ref(&p)),
            )
            .graph(&format!("groupMembers/{GROUP}.json"), &members);
        assert_eq!(f.eval(ID).status, Status::Pass);
        let only_one =
            format!(r##"{{"value":[{{"@odata.type":"#microsoft.graph.user","id":"{BG1}"}}]}}"##);
        let f = Fx::new()
            .graph("conditionalAccessPolicies.json", &ca_policies(&[p]))
            .graph(&format!("groupMembers/{GROUP}.json"), &only_one);
        assert_eq!(f.eval(ID).status, Status::Fail);
    }

    #[test]
    fn an_unresolvable_upn_is_no_evidence_not_a_pass() {
        let toml = CONTROLS_TOML.replace("bg2@acme.onmicrosoft.com", "ghost@acme.onmicrosoft.com");
        let o = Fx::new()
            .policy("controls.toml", &toml)
            .graph(
                "conditionalAccessPolicies.json",
                &ca_policies(&[CaBuilder::mfa_all_users("MFA")]),
            )
            .eval(ID);
        assert_eq!(o.status, Status::NoEvidence, "{}", o.message);
        assert!(
            o.message.contains("ghost@acme.onmicrosoft.com"),
            "{}",
            o.message
        );
        let o = Fx::new().without("graph/users.json").eval(ID);
        assert_eq!(o.status, Status::NoEvidence);
    }

    #[test]
    fn no_declared_break_glass_account_fails_like_access_break_glass() {
        let toml = CONTROLS_TOML.replace(
            r#"break_glass = ["bg1@acme.onmicrosoft.com", "bg2@acme.onmicrosoft.com"]"#,
            "break_glass = []",
        );
        let o = Fx::new().policy("controls.toml", &toml).eval(ID);
        assert_eq!(o.status, Status::Fail, "{}", o.message);
    }

    #[test]
    fn a_policy_for_one_other_user_cannot_reach_them_but_a_role_policy_can() {
        let other = CaBuilder::mfa_all_users("One user")
            .users(
                "includeUsers",
                json!(["a0000000-0000-0000-0000-000000000001"]),
            )
            .users("excludeUsers", json!([]));
        assert_eq!(eval(&[other]).status, Status::Pass);
        let roles = CaBuilder::mfa_all_users("Roles")
            .users("includeUsers", json!([]))
            .users(
                "includeRoles",
                json!(["62e90394-69f5-4237-9190-012177145e10"]),
            )
            .users("excludeUsers", json!([]));
        assert_eq!(eval(&[roles]).status, Status::Fail);
        // Exchange Administrator: held by no break-glass account in the fixture.
        let other_role = CaBuilder::mfa_all_users("Exchange")
            .users("includeUsers", json!([]))
            .users(
                "includeRoles",
                json!(["29232cdf-9323-42fd-ade2-1d097af3e4de"]),
            )
            .users("excludeUsers", json!([]));
        assert_eq!(eval(&[other_role]).status, Status::Pass);
    }

    #[test]
    fn an_included_group_reaches_them_only_if_it_holds_them() {
        let p = CaBuilder::mfa_all_users("Pilot")
            .users("includeUsers", json!([]))
            .users("includeGroups", json!([GROUP]))
            .users("excludeUsers", json!([]));
        assert_eq!(eval(std::slice::from_ref(&p)).status, Status::NoEvidence);
        let with = |members: &str| {
            Fx::new()
                .graph(
                    "conditionalAccessPolicies.json",
                    &ca_policies(std::slice::from_ref(&p)),
                )
                .graph(&format!("groupMembers/{GROUP}.json"), members)
                .eval(ID)
                .status
        };
        let alice = r##"{"value":[{"@odata.type":"#microsoft.graph.user","id":"a0000000-0000-0000-0000-000000000001"}]}"##;
        assert_eq!(with(alice), Status::Pass);
        let bg =
            format!(r##"{{"value":[{{"@odata.type":"#microsoft.graph.user","id":"{BG2}"}}]}}"##);
        assert_eq!(with(&bg), Status::Fail);
    }
}
