//! Identity: MFA registration, Conditional Access, security defaults and the licences
//! they need.

use super::*;
use crate::evidence::endpoints::Endpoint;
use crate::evidence::graph::{CaPolicy, RegistrationDetail, User};
use crate::policy::IdentityModel;
use std::collections::{HashMap, HashSet};

pub fn controls() -> Vec<Control> {
    vec![
        Control::new("identity.mfa-admins", Domain::Identity, "Administrators are registered for MFA", mfa_admins)
            .doc(
                "Share of administrators (isAdmin in userRegistrationDetails, enabled accounts) registered for multifactor authentication.",
                "An administrator without MFA is one phished password away from full tenant compromise; Microsoft requires MFA for admin portals.",
                "Have each listed administrator register an authenticator app, passkey or FIDO2 key (https://aka.ms/mysecurityinfo), then enforce it with Conditional Access.",
            )
            .weight(3)
            .params(&[Param { name: "min_percent", default: 100.0, min: 0.0, max: 100.0, doc: "minimum share of admins registered" }]),
        Control::new("identity.mfa-users", Domain::Identity, "Members are registered for MFA", mfa_users)
            .doc(
                "Share of enabled member users (guests excluded) registered for multifactor authentication, from userRegistrationDetails.",
                "Unregistered users cannot be challenged for MFA; an attacker who has their password can register their own method first.",
                "Run a registration campaign (Entra ID > Authentication methods > Registration campaign) and follow up the listed users.",
            )
            .weight(2)
            .params(&[Param { name: "min_percent", default: 95.0, min: 0.0, max: 100.0, doc: "minimum share of enabled members registered" }]),
        Control::new("identity.ca-mfa-all-users", Domain::Identity, "Conditional Access requires MFA for all users", ca_mfa_all_users)
            .doc(
                "An enabled (not report-only) Conditional Access policy requires MFA, or an authentication strength, for all users and all cloud apps, excluding only the declared break-glass accounts.",
                "Registration alone protects nothing: MFA must be enforced at sign-in. Report-only policies log but do not block; stray exclusions become the attacker's way in.",
                "Create or switch on a policy: Users = All users (exclude only the break-glass accounts), Target resources = All cloud apps, Grant = Require multifactor authentication or an authentication strength.",
            )
            .weight(3),
        Control::new("identity.ca-mfa-admins", Domain::Identity, "Conditional Access requires MFA for admin roles", ca_mfa_admins)
            .doc(
                "Every privileged role held in the tenant is covered by an enabled Conditional Access policy requiring MFA or an authentication strength for all cloud apps (an all-users MFA policy covers them too).",
                "Administrators are the most targeted accounts; a dedicated policy, ideally with phishing-resistant strength, keeps them covered when user policies change.",
                "Create a policy targeting the privileged directory roles listed, all cloud apps, granting access only with phishing-resistant MFA; exclude only break-glass accounts.",
            )
            .weight(2),
        Control::new("identity.ca-block-legacy-auth", Domain::Identity, "Legacy authentication is blocked", ca_block_legacy_auth)
            .doc(
                "An enabled Conditional Access policy blocks the legacy client app types (exchangeActiveSync and other) for all users and all cloud apps.",
                "Legacy protocols cannot do MFA, so password-spray attacks use them to bypass every MFA policy.",
                "Create a policy: Users = All users (exclude break-glass), All cloud apps, Conditions > Client apps = Exchange ActiveSync clients and Other clients, Grant = Block access.",
            )
            .weight(2),
        Control::new("identity.security-defaults", Domain::Identity, "Security defaults on where there is no Conditional Access", security_defaults)
            .doc(
                "Where no Conditional Access policy is enabled, security defaults must be on; a client on the security-defaults model must keep them on.",
                "Without either, the tenant enforces no MFA at all: the free baseline exists precisely for tenants without Entra ID P1.",
                "Turn on security defaults (Entra ID > Overview > Properties > Manage security defaults), or deploy Conditional Access policies and declare `model = \"conditional_access\"`.",
            )
            .weight(2),
        Control::new("identity.licences", Domain::Identity, "Licences for the declared identity model", licences)
            .doc(
                "The tenant has Entra ID P1 (AAD_PREMIUM) when the policy relies on Conditional Access, and Entra ID P2 (AAD_PREMIUM_P2) when privileged roles are managed through PIM.",
                "Conditional Access and PIM stop working, silently, when their licences lapse; the controls that rely on them then protect nothing.",
                "Buy or renew Entra ID P1/P2 (or a suite that includes them: Microsoft 365 Business Premium, E3, E5, EMS), or change the declared model in controls.toml.",
            ),
    ]
}

fn reg_file(ctx: &Ctx) -> String {
    ctx.snap.path(Endpoint::RegistrationDetails.file())
}

/// Users by object id, when users.json is there.
fn users_by_id<'a>(ctx: &'a Ctx) -> HashMap<&'a str, &'a User> {
    ctx.snap.users.ok().map(|u| u.iter().map(|u| (u.id.as_str(), u)).collect()).unwrap_or_default()
}

/// The share of a population registered for MFA, with the unregistered as items.
fn mfa_coverage(ctx: &Ctx, c: &Control, who: &str, select: fn(&RegistrationDetail, Option<&User>) -> bool) -> Result<Outcome, Missing> {
    let regs = ctx.snap.registrations.get()?;
    let users = users_by_id(ctx);
    let (min, min_at) = ctx.param(c, "min_percent");
    let mut total = 0usize;
    let mut missing = Vec::new();
    let mut pointers = Vec::new();
    for (i, r) in regs.iter().enumerate() {
        let user = users.get(r.id.as_str()).copied();
        if user.is_some_and(|u| u.account_enabled == Some(false)) || !select(r, user) {
            continue;
        }
        total += 1;
        if r.is_mfa_registered != Some(true) {
            missing.push(r.name().to_owned());
            pointers.push(format!("/value/{i}"));
        }
    }
    if total == 0 {
        return Ok(Outcome::na(format!("no enabled {who} in userRegistrationDetails")).evidence(reg_file(ctx), "/value"));
    }
    let p = ratio(total - missing.len(), total);
    let mut o = Outcome::check(
        p >= min,
        format!("{} of {total} {who} registered for MFA", total - missing.len()),
        format!("{} of {total} {who} are not registered for MFA", missing.len()),
    )
    .measured(pct(p))
    .value(p)
    .threshold(format!("≥ {}", pct(min)))
    .items(capped(missing, 100))
    .policy(min_at);
    if pointers.is_empty() {
        o = o.evidence(reg_file(ctx), "/value");
    }
    for ptr in pointers.into_iter().take(20) {
        o = o.evidence(reg_file(ctx), ptr);
    }
    Ok(o)
}

fn mfa_admins(ctx: &Ctx, c: &Control) -> Result<Outcome, Missing> {
    mfa_coverage(ctx, c, "administrators", |r, _| r.is_admin == Some(true))
}

fn is_member(r: &RegistrationDetail, u: Option<&User>) -> bool {
    let guest = crate::evidence::graph::is_guest(r.user_type.as_deref(), r.user_principal_name.as_deref())
        || u.is_some_and(User::is_guest);
    !guest
}

fn mfa_users(ctx: &Ctx, c: &Control) -> Result<Outcome, Missing> {
    mfa_coverage(ctx, c, "members", is_member)
}

/// Object ids of the declared break-glass accounts found in users.json.
pub fn break_glass_ids(ctx: &Ctx) -> HashSet<String> {
    let Some(users) = ctx.snap.users.ok() else { return HashSet::new() };
    ctx.policy
        .controls
        .break_glass
        .iter()
        .filter_map(|(upn, _)| {
            users
                .iter()
                .find(|u| u.user_principal_name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(upn)) || u.id == *upn)
                .map(|u| u.id.clone())
        })
        .collect()
}

/// Why a policy's exclusions go beyond the break-glass accounts, if they do.
fn stray_exclusions(p: &CaPolicy, break_glass: &HashSet<String>, names: &HashMap<&str, &User>) -> Vec<String> {
    let u = p.users();
    let mut out: Vec<String> = u
        .exclude_users
        .iter()
        .filter(|id| !break_glass.contains(*id))
        .map(|id| format!("excludes user {}", names.get(id.as_str()).map_or(id.as_str(), |u| u.name())))
        .collect();
    out.extend(u.exclude_groups.iter().map(|g| format!("excludes group {g}")));
    out.extend(u.exclude_roles.iter().map(|r| format!("excludes role {r}")));
    if u.exclude_guests_or_external_users.is_some() {
        out.push("excludes guests or external users".to_owned());
    }
    out
}

fn covers_all_client_apps(p: &CaPolicy) -> bool {
    let t = p.client_app_types();
    t.is_empty() || t.iter().any(|x| x == "all") || (t.iter().any(|x| x == "browser") && t.iter().any(|x| x == "mobileAppsAndDesktopClients"))
}

/// Searches the CA policies for one that does the job; explains the near misses.
/// `shape` says whether a policy targets the right thing (users, apps, grant).
fn find_enforcing_policy(ctx: &Ctx, what: &str, shape: &dyn Fn(&CaPolicy) -> bool) -> Result<Outcome, Missing> {
    let policies = ctx.snap.ca_policies.get()?;
    let file = ctx.snap.path(Endpoint::ConditionalAccess.file());
    if policies.iter().all(|p| !p.is_enabled()) && ctx.policy.controls.identity_model == IdentityModel::SecurityDefaults {
        return Ok(Outcome::na("the client is on security defaults (controls.toml identity.model); see identity.security-defaults").evidence(file, "/value"));
    }
    let bg = break_glass_ids(ctx);
    let names = users_by_id(ctx);
    let mut near_misses = Vec::new();
    let mut pointers = Vec::new();
    for (i, p) in policies.iter().enumerate().filter(|(_, p)| shape(p)) {
        let stray = stray_exclusions(p, &bg, &names);
        if p.is_enabled() && stray.is_empty() {
            return Ok(Outcome::pass(format!("enabled policy \"{}\" {what}", p.name())).measured(p.name().to_owned()).threshold("enabled, exclusions only break-glass").evidence(file, format!("/value/{i}")));
        }
        let mut why = Vec::new();
        if p.is_report_only() {
            why.push("report-only (enabledForReportingButNotEnforced)".to_owned());
        } else if !p.is_enabled() {
            why.push(p.state.clone());
        }
        why.extend(stray);
        near_misses.push(format!("\"{}\": {}", p.name(), why.join("; ")));
        pointers.push(format!("/value/{i}"));
    }
    let mut o = if near_misses.is_empty() {
        Outcome::fail(format!("no Conditional Access policy {what}"))
    } else {
        Outcome::fail(format!("no enabled policy {what} without extra exclusions; {} near miss(es)", near_misses.len()))
    }
    .measured(if near_misses.is_empty() { "none".to_owned() } else { "not enforced".to_owned() })
    .threshold("enabled, exclusions only break-glass")
    .items(near_misses)
    .policy(ctx.policy.controls.break_glass.iter().map(|(_, at)| at.clone()).take(1));
    if pointers.is_empty() {
        o = o.evidence(file.clone(), "/value");
    }
    for ptr in pointers {
        o = o.evidence(file.clone(), ptr);
    }
    Ok(o)
}

fn targets_all_users_mfa(p: &CaPolicy) -> bool {
    p.users().include_users.iter().any(|u| u == "All") && p.includes_all_apps() && p.requires_mfa() && covers_all_client_apps(p)
}

fn ca_mfa_all_users(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    find_enforcing_policy(ctx, "requires MFA for all users and all cloud apps", &targets_all_users_mfa)
}

fn ca_mfa_admins(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let all_users = find_enforcing_policy(ctx, "requires MFA for all users and all cloud apps", &targets_all_users_mfa)?;
    if matches!(all_users.status, Status::Pass | Status::NotApplicable) {
        return Ok(Outcome { message: format!("{} (covers every admin role)", all_users.message), ..all_users });
    }
    // Roles actually held: each must be in an enforcing policy's includeRoles.
    let held: Vec<(String, String)> = match super::access::privileged_assignments(ctx, ctx.snap) {
        Ok(a) => {
            let mut roles: Vec<(String, String)> = a.iter().map(|a| (a.role_template.clone(), a.role_name.clone())).collect();
            roles.sort();
            roles.dedup();
            roles
        }
        Err(_) => vec![(super::access::GLOBAL_ADMIN.to_owned(), "Global Administrator".to_owned())],
    };
    let policies = ctx.snap.ca_policies.get()?;
    let bg = break_glass_ids(ctx);
    let names = users_by_id(ctx);
    let file = ctx.snap.path(Endpoint::ConditionalAccess.file());
    let enforcing: Vec<(usize, &CaPolicy)> = policies
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_enabled() && p.includes_all_apps() && p.requires_mfa() && stray_exclusions(p, &bg, &names).is_empty())
        .collect();
    let uncovered: Vec<String> = held
        .iter()
        .filter(|(tid, _)| !enforcing.iter().any(|(_, p)| p.users().include_roles.iter().any(|r| r.eq_ignore_ascii_case(tid))))
        .map(|(_, name)| name.clone())
        .collect();
    let mut o = Outcome::check(
        uncovered.is_empty(),
        format!("all {} privileged roles in use are covered by an enabled admin MFA policy", held.len()),
        format!("{} of {} privileged roles in use are not covered by an enabled MFA policy", uncovered.len(), held.len()),
    )
    .measured(format!("{}/{} roles covered", held.len() - uncovered.len(), held.len()))
    .threshold("every privileged role in use")
    .items(uncovered);
    for (i, _) in &enforcing {
        o = o.evidence(file.clone(), format!("/value/{i}"));
    }
    if enforcing.is_empty() {
        o = o.evidence(file, "/value");
    }
    Ok(o)
}

fn ca_block_legacy_auth(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    find_enforcing_policy(ctx, "blocks legacy authentication for all users", &|p: &CaPolicy| {
        let types = p.client_app_types();
        p.users().include_users.iter().any(|u| u == "All")
            && p.includes_all_apps()
            && p.blocks()
            && types.iter().any(|t| t == "exchangeActiveSync")
            && types.iter().any(|t| t == "other")
    })
}

fn security_defaults(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let sd = ctx.snap.security_defaults.get()?;
    let file = ctx.snap.path(Endpoint::SecurityDefaults.file());
    let model = ctx.policy.controls.identity_model;
    let enabled_ca = ctx.snap.ca_policies.ok().map_or(0, |p| p.iter().filter(|p| p.is_enabled()).count());
    let state = if sd.is_enabled { "on" } else { "off" };
    let o = if model == IdentityModel::SecurityDefaults || enabled_ca == 0 {
        Outcome::check(
            sd.is_enabled,
            format!("security defaults are on ({enabled_ca} enabled Conditional Access policies)"),
            format!("security defaults are off and {} Conditional Access policy is enabled: nothing enforces MFA", if enabled_ca == 0 { "no" } else { "the declared model expects security defaults; no" }),
        )
    } else {
        Outcome::na(format!("{enabled_ca} Conditional Access policies are enabled; security defaults are {state}"))
    };
    Ok(o.measured(state).threshold(if model == IdentityModel::SecurityDefaults { "on" } else { "on when no Conditional Access" }).evidence(file, "/isEnabled"))
}

fn licences(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let c = &ctx.policy.controls;
    let mut needed = Vec::new();
    if c.identity_model == IdentityModel::ConditionalAccess {
        needed.push(("Entra ID P1 (Conditional Access)", &["AAD_PREMIUM", "AAD_PREMIUM_P2"][..]));
    }
    if c.pim {
        needed.push(("Entra ID P2 (PIM)", &["AAD_PREMIUM_P2"][..]));
    }
    if needed.is_empty() {
        return Ok(Outcome::na("the declared model (security defaults, no PIM) needs no Entra ID premium licence"));
    }
    let skus = ctx.snap.skus.get()?;
    let file = ctx.snap.path(Endpoint::SubscribedSkus.file());
    let mut missing = Vec::new();
    let mut found = Vec::new();
    for (label, plans) in &needed {
        let hit = skus.iter().position(|s| s.is_enabled() && s.enabled_units() > 0 && plans.iter().any(|p| s.has_plan(p)));
        match hit {
            Some(i) => found.push((label, i, skus[i].sku_part_number.clone())),
            None => missing.push(label.to_string()),
        }
    }
    let mut o = Outcome::check(
        missing.is_empty(),
        format!("present: {}", found.iter().map(|(l, _, s)| format!("{l} via {s}")).collect::<Vec<_>>().join(", ")),
        format!("missing: {}", missing.join(", ")),
    )
    .measured(format!("{}/{} present", found.len(), needed.len()))
    .threshold(needed.iter().map(|(l, _)| *l).collect::<Vec<_>>().join(" + "))
    .items(missing);
    for (_, i, _) in found {
        o = o.evidence(file.clone(), format!("/value/{i}"));
    }
    if o.evidence.is_empty() {
        o = o.evidence(file, "/value");
    }
    Ok(o)
}
