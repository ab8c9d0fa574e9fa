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
                "Share of administrators registered for multifactor authentication: users flagged isAdmin in userRegistrationDetails and every enabled user holding a privileged role, directly or as a member of a role-assignable group. A role holder the report has no record of, or a group whose membership file is missing, is unknown: the control passes only if it would pass with every unknown admin unregistered, fails only if it would fail with all of them registered, and is no_evidence in between.",
                "An administrator without MFA is one phished password away from full tenant compromise; Microsoft requires MFA for admin portals.",
                "Have each listed administrator register an authenticator app, passkey or FIDO2 key (https://aka.ms/mysecurityinfo), then enforce it with Conditional Access.",
            )
            .weight(3)
            .params(&[Param { name: "min_percent", default: 100.0, min: 0.0, max: 100.0, doc: "minimum share of admins registered" }]),
        Control::new("identity.mfa-users", Domain::Identity, "Members are registered for MFA", mfa_users)
            .doc(
                "Share of enabled member users (guests excluded) registered for multifactor authentication, from userRegistrationDetails. An enabled member in users.json the report has no record of is unknown: a pass must hold with every unknown user unregistered, a fail with all of them registered; otherwise no_evidence.",
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
                "Every privileged role held in the tenant is covered by an enabled Conditional Access policy requiring MFA or an authentication strength for all cloud apps and all client app types (an all-users MFA policy covers them too).",
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
    ctx.snap
        .users
        .ok()
        .map(|u| u.iter().map(|u| (u.id.as_str(), u)).collect())
        .unwrap_or_default()
}

/// Who else must be in a population than the registration report's own selection:
/// each with a name and, when the report has no record of them, why that matters.
struct Extra {
    /// Object ids whose registration record must be counted even if `select` skips it.
    ids: HashSet<String>,
    /// Population members the report says nothing about: `(item, missing)`.
    unknown: Vec<(String, Missing)>,
    /// Some members are unknown in number (a group whose membership was not collected).
    unbounded: bool,
}

/// The share of a population registered for MFA, with the unregistered as items. A pass
/// needs positive evidence: it must hold even if every member the report says nothing
/// about is unregistered; a fail must hold even if they all are registered; anything in
/// between is `no_evidence`, naming who is unknown.
fn mfa_coverage(
    ctx: &Ctx,
    c: &Control,
    who: &str,
    select: fn(&RegistrationDetail, Option<&User>) -> bool,
    extra: Extra,
) -> Result<Outcome, Missing> {
    let regs = ctx.snap.registrations.get()?;
    let users = users_by_id(ctx);
    let (min, min_at) = ctx.param(c, "min_percent");
    let mut total = 0usize;
    let mut missing = Vec::new();
    let mut pointers = Vec::new();
    for (i, r) in regs.iter().enumerate() {
        let user = users.get(r.id.as_str()).copied();
        if user.is_some_and(|u| u.account_enabled == Some(false))
            || !(select(r, user) || extra.ids.contains(&r.id))
        {
            continue;
        }
        total += 1;
        if r.is_mfa_registered != Some(true) {
            missing.push(r.name().to_owned());
            pointers.push(format!("/value/{i}"));
        }
    }
    let unknown = extra.unknown;
    if total == 0 && unknown.is_empty() && !extra.unbounded {
        return Ok(
            Outcome::na(format!("no enabled {who} in userRegistrationDetails"))
                .evidence(reg_file(ctx), "/value"),
        );
    }
    let registered = total - missing.len();
    let all = total + unknown.len();
    let worst = ratio(registered, all);
    let fails = if extra.unbounded {
        // However many unknown members there are, the share stays below 100%.
        !missing.is_empty() && min >= 100.0
    } else {
        ratio(registered + unknown.len(), all) < min
    };
    let passes = !extra.unbounded && worst >= min;
    if !fails && !passes {
        let mut o = Outcome::new(
            Status::NoEvidence,
            format!(
                "{} {who} cannot be judged: {}",
                unknown.len(),
                unknown
                    .first()
                    .map(|(_, m)| m.reason.clone())
                    .unwrap_or_default()
            ),
        )
        .measured(format!("{registered} of at least {all} registered"))
        .threshold(format!("≥ {}", pct(min)))
        .items(capped(
            unknown
                .iter()
                .map(|(i, m)| format!("{i}: {}", m.reason))
                .chain(missing.iter().map(|n| format!("{n}: not registered")))
                .collect(),
            100,
        ))
        .policy(min_at);
        let mut files = HashSet::new();
        for (_, m) in &unknown {
            if files.insert(m.file.clone()) {
                o = o.evidence(m.file.clone(), "");
            }
        }
        return Ok(o.evidence(reg_file(ctx), "/value"));
    }
    let p = ratio(registered, total.max(1));
    let p = if total == 0 { 0.0 } else { p };
    let mut items = missing.clone();
    items.extend(unknown.iter().map(|(i, m)| format!("{i}: {}", m.reason)));
    let mut o = Outcome::check(
        passes,
        format!("{registered} of {total} {who} registered for MFA"),
        format!(
            "{} of {total} {who} are not registered for MFA",
            missing.len()
        ),
    )
    .measured(pct(p))
    .value(p)
    .threshold(format!("≥ {}", pct(min)))
    .items(capped(items, 100))
    .policy(min_at);
    if pointers.is_empty() {
        o = o.evidence(reg_file(ctx), "/value");
    }
    for ptr in pointers.into_iter().take(20) {
        o = o.evidence(reg_file(ctx), ptr);
    }
    Ok(o)
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
    if let Ok(p) = super::access::current_privileged(ctx) {
        let mut seen = HashSet::new();
        for a in p
            .holders()
            .filter(|a| a.is_user && a.enabled != Some(false))
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
        "administrators",
        |r, _| r.is_admin == Some(true),
        extra,
    )
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
    mfa_coverage(ctx, c, "members", is_member, extra)
}

/// Object ids of the declared break-glass accounts found in users.json.
pub fn break_glass_ids(ctx: &Ctx) -> HashSet<String> {
    let Some(users) = ctx.snap.users.ok() else {
        return HashSet::new();
    };
    ctx.policy
        .controls
        .break_glass
        .iter()
        .filter_map(|(upn, _)| {
            users
                .iter()
                .find(|u| {
                    u.user_principal_name
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(upn))
                        || u.id == *upn
                })
                .map(|u| u.id.clone())
        })
        .collect()
}

/// Why a policy's exclusions go beyond the break-glass accounts, if they do.
fn stray_exclusions(
    p: &CaPolicy,
    break_glass: &HashSet<String>,
    names: &HashMap<&str, &User>,
) -> Vec<String> {
    let u = p.users();
    let mut out: Vec<String> = u
        .exclude_users
        .iter()
        .filter(|id| !break_glass.contains(*id))
        .map(|id| {
            format!(
                "excludes user {}",
                names.get(id.as_str()).map_or(id.as_str(), |u| u.name())
            )
        })
        .collect();
    out.extend(
        u.exclude_groups
            .iter()
            .map(|g| format!("excludes group {g}")),
    );
    out.extend(u.exclude_roles.iter().map(|r| format!("excludes role {r}")));
    if u.exclude_guests_or_external_users.is_some() {
        out.push("excludes guests or external users".to_owned());
    }
    out
}

fn covers_all_client_apps(p: &CaPolicy) -> bool {
    let t = p.client_app_types();
    t.is_empty()
        || t.iter().any(|x| x == "all")
        || (t.iter().any(|x| x == "browser")
            && t.iter().any(|x| x == "mobileAppsAndDesktopClients"))
}

/// Searches the CA policies for one that does the job; explains the near misses.
/// `shape` says whether a policy targets the right thing (users, apps, grant).
fn find_enforcing_policy(
    ctx: &Ctx,
    what: &str,
    shape: &dyn Fn(&CaPolicy) -> bool,
) -> Result<Outcome, Missing> {
    let policies = ctx.snap.ca_policies.get()?;
    let file = ctx.snap.path(Endpoint::ConditionalAccess.file());
    if policies.iter().all(|p| !p.is_enabled())
        && ctx.policy.controls.identity_model == IdentityModel::SecurityDefaults
    {
        return Ok(Outcome::na("the client is on security defaults (controls.toml identity.model); see identity.security-defaults").evidence(file, "/value"));
    }
    let bg = break_glass_ids(ctx);
    let names = users_by_id(ctx);
    let mut near_misses = Vec::new();
    let mut pointers = Vec::new();
    for (i, p) in policies.iter().enumerate().filter(|(_, p)| shape(p)) {
        let stray = stray_exclusions(p, &bg, &names);
        if p.is_enabled() && stray.is_empty() {
            return Ok(
                Outcome::pass(format!("enabled policy \"{}\" {what}", p.name()))
                    .measured(p.name().to_owned())
                    .threshold("enabled, exclusions only break-glass")
                    .evidence(file, format!("/value/{i}")),
            );
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
        Outcome::fail(format!(
            "no enabled policy {what} without extra exclusions; {} near miss(es)",
            near_misses.len()
        ))
    }
    .measured(if near_misses.is_empty() {
        "none".to_owned()
    } else {
        "not enforced".to_owned()
    })
    .threshold("enabled, exclusions only break-glass")
    .items(near_misses)
    .policy(
        ctx.policy
            .controls
            .break_glass
            .iter()
            .map(|(_, at)| at.clone())
            .take(1),
    );
    if pointers.is_empty() {
        o = o.evidence(file.clone(), "/value");
    }
    for ptr in pointers {
        o = o.evidence(file.clone(), ptr);
    }
    Ok(o)
}

fn targets_all_users_mfa(p: &CaPolicy) -> bool {
    p.users().include_users.iter().any(|u| u == "All")
        && p.includes_all_apps()
        && p.requires_mfa()
        && covers_all_client_apps(p)
}

fn ca_mfa_all_users(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    find_enforcing_policy(
        ctx,
        "requires MFA for all users and all cloud apps",
        &targets_all_users_mfa,
    )
}

fn ca_mfa_admins(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let all_users = find_enforcing_policy(
        ctx,
        "requires MFA for all users and all cloud apps",
        &targets_all_users_mfa,
    )?;
    if matches!(all_users.status, Status::Pass | Status::NotApplicable) {
        return Ok(Outcome {
            message: format!("{} (covers every admin role)", all_users.message),
            ..all_users
        });
    }
    // Roles actually held: each must be in an enforcing policy's includeRoles.
    let held: Vec<(String, String)> = match super::access::current_assignments(ctx) {
        Ok(a) => {
            let mut roles: Vec<(String, String)> = a
                .iter()
                .map(|a| (a.role_template.clone(), a.role_name.clone()))
                .collect();
            roles.sort();
            roles.dedup();
            roles
        }
        Err(_) => vec![(
            super::access::GLOBAL_ADMIN.to_owned(),
            "Global Administrator".to_owned(),
        )],
    };
    let policies = ctx.snap.ca_policies.get()?;
    let bg = break_glass_ids(ctx);
    let names = users_by_id(ctx);
    let file = ctx.snap.path(Endpoint::ConditionalAccess.file());
    let enforcing: Vec<(usize, &CaPolicy)> = policies
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            p.is_enabled()
                && p.includes_all_apps()
                && covers_all_client_apps(p)
                && p.requires_mfa()
                && stray_exclusions(p, &bg, &names).is_empty()
        })
        .collect();
    let uncovered: Vec<String> = held
        .iter()
        .filter(|(tid, _)| {
            !enforcing.iter().any(|(_, p)| {
                p.users()
                    .include_roles
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case(tid))
            })
        })
        .map(|(_, name)| name.clone())
        .collect();
    let mut o = Outcome::check(
        uncovered.is_empty(),
        format!(
            "all {} privileged roles in use are covered by an enabled admin MFA policy",
            held.len()
        ),
        format!(
            "{} of {} privileged roles in use are not covered by an enabled MFA policy",
            uncovered.len(),
            held.len()
        ),
    )
    .measured(format!(
        "{}/{} roles covered",
        held.len() - uncovered.len(),
        held.len()
    ))
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
    find_enforcing_policy(
        ctx,
        "blocks legacy authentication for all users",
        &|p: &CaPolicy| {
            let types = p.client_app_types();
            p.users().include_users.iter().any(|u| u == "All")
                && p.includes_all_apps()
                && p.blocks()
                && types.iter().any(|t| t == "exchangeActiveSync")
                && types.iter().any(|t| t == "other")
        },
    )
}

fn security_defaults(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let sd = ctx.snap.security_defaults.get()?;
    let file = ctx.snap.path(Endpoint::SecurityDefaults.file());
    let model = ctx.policy.controls.identity_model;
    let enabled_ca = ctx
        .snap
        .ca_policies
        .ok()
        .map_or(0, |p| p.iter().filter(|p| p.is_enabled()).count());
    let state = if sd.is_enabled { "on" } else { "off" };
    let o = if model == IdentityModel::SecurityDefaults || enabled_ca == 0 {
        Outcome::check(
            sd.is_enabled,
            format!("security defaults are on ({enabled_ca} enabled Conditional Access policies)"),
            if enabled_ca == 0 {
                "security defaults are off and no Conditional Access policy is enabled: nothing enforces MFA".to_owned()
            } else {
                format!(
                    "security defaults are off but the declared model (controls.toml identity.model) expects them; {enabled_ca} Conditional Access policies are enabled"
                )
            },
        )
    } else {
        Outcome::na(format!(
            "{enabled_ca} Conditional Access policies are enabled; security defaults are {state}"
        ))
    };
    Ok(o.measured(state)
        .threshold(if model == IdentityModel::SecurityDefaults {
            "on"
        } else {
            "on when no Conditional Access"
        })
        .evidence(file, "/isEnabled"))
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
    use crate::controls::testing::{CONTROLS_TOML, Fx};
    use crate::scorecard::Status;

    const BG1: &str = "b0000000-0000-0000-0000-000000000001";
    const BG2: &str = "b0000000-0000-0000-0000-000000000002";
    const ALICE: &str = "a0000000-0000-0000-0000-000000000001";
    const BOB: &str = "a0000000-0000-0000-0000-000000000002";
    const GA: &str = "62e90394-69f5-4237-9190-012177145e10";
    const EXCHANGE_ADMIN: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
    const REG_FILE: &str = "evidence/acme/2026-11/graph/userRegistrationDetails.json";
    const CA_FILE: &str = "evidence/acme/2026-11/graph/conditionalAccessPolicies.json";

    /// One userRegistrationDetails record, shaped as Graph returns it (lowercase userType).
    fn reg(id: &str, upn: &str, admin: bool, mfa: bool, user_type: &str) -> String {
        let methods = if mfa {
            r#""microsoftAuthenticatorPush","softwareOneTimePasscode""#
        } else {
            ""
        };
        format!(
            r#"{{"id":"{id}","userPrincipalName":"{upn}","userDisplayName":"{upn}","isAdmin":{admin},"isSsprRegistered":false,"isSsprEnabled":false,"isSsprCapable":false,"isMfaRegistered":{mfa},"isMfaCapable":{mfa},"isPasswordlessCapable":false,"lastUpdatedDateTime":"2026-11-20T04:12:09.1234567Z","methodsRegistered":[{methods}],"isSystemPreferredAuthenticationMethodEnabled":true,"systemPreferredAuthenticationMethods":[],"userPreferredMethodForSecondaryAuthentication":"","userType":"{user_type}"}}"#
        )
    }

    fn regs(records: &[String]) -> String {
        format!(
            r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#reports/authenticationMethods/userRegistrationDetails","value":[{}]}}"#,
            records.join(",")
        )
    }

    /// The fixture's four users (bg1, bg2, alice admins; bob not), with MFA as given.
    fn tenant_regs(alice_mfa: bool, bob_mfa: bool) -> Vec<String> {
        vec![
            reg(BG1, "bg1@acme.onmicrosoft.com", true, true, "member"),
            reg(BG2, "bg2@acme.onmicrosoft.com", true, true, "member"),
            reg(ALICE, "alice@acme.example", true, alice_mfa, "member"),
            reg(BOB, "bob@acme.example", false, bob_mfa, "member"),
        ]
    }

    fn user(id: &str, upn: &str, user_type: &str, enabled: bool) -> String {
        format!(
            r#"{{"id":"{id}","displayName":"{upn}","userPrincipalName":"{upn}","userType":"{user_type}","accountEnabled":{enabled},"assignedLicenses":[{{"disabledPlans":[],"skuId":"06ebc4ee-1bb5-47dd-8120-11324bc54e06"}}],"createdDateTime":"2024-01-10T09:00:00Z","signInActivity":{{"lastSignInDateTime":"2026-11-20T08:00:00Z","lastSignInRequestId":"d4d31c40-4c36-4775-ad59-7d1e6a171f00","lastNonInteractiveSignInDateTime":"0001-01-01T00:00:00Z","lastNonInteractiveSignInRequestId":"","lastSuccessfulSignInDateTime":"","lastSuccessfulSignInRequestId":""}}}}"#
        )
    }

    fn users(alice_enabled: bool, extra: &[String]) -> String {
        let mut all = vec![
            user(BG1, "bg1@acme.onmicrosoft.com", "Member", true),
            user(BG2, "bg2@acme.onmicrosoft.com", "Member", true),
            user(ALICE, "alice@acme.example", "Member", alice_enabled),
            user(BOB, "bob@acme.example", "Member", true),
        ];
        all.extend_from_slice(extra);
        format!(
            r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":[{}]}}"#,
            all.join(",")
        )
    }

    /// A Conditional Access policy in the shape Graph v1.0 returns (every key present).
    struct Ca<'a> {
        name: &'a str,
        state: &'a str,
        include_users: &'a str,
        exclude_users: &'a str,
        exclude_groups: &'a str,
        include_roles: &'a str,
        exclude_guests: &'a str,
        client_apps: &'a str,
        grant: &'a str,
    }

    const MFA_GRANT: &str = r#"{"operator":"OR","builtInControls":["mfa"],"customAuthenticationFactors":[],"termsOfUse":[],"authenticationStrength@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies('x')/grantControls/authenticationStrength/$entity","authenticationStrength":null}"#;
    const BLOCK_GRANT: &str = r#"{"operator":"OR","builtInControls":["block"],"customAuthenticationFactors":[],"termsOfUse":[],"authenticationStrength":null}"#;

    impl Ca<'_> {
        fn mfa_all() -> Ca<'static> {
            Ca {
                name: "Require MFA for all users",
                state: "enabled",
                include_users: r#"["All"]"#,
                exclude_users: r#"["b0000000-0000-0000-0000-000000000001","b0000000-0000-0000-0000-000000000002"]"#,
                exclude_groups: "[]",
                include_roles: "[]",
                exclude_guests: "null",
                client_apps: r#"["all"]"#,
                grant: MFA_GRANT,
            }
        }

        fn legacy() -> Ca<'static> {
            Ca {
                name: "Block legacy authentication",
                client_apps: r#"["exchangeActiveSync","other"]"#,
                exclude_users: r#"["b0000000-0000-0000-0000-000000000001"]"#,
                grant: BLOCK_GRANT,
                ..Ca::mfa_all()
            }
        }

        fn json(&self, i: usize) -> String {
            let Ca {
                name,
                state,
                include_users,
                exclude_users,
                exclude_groups,
                include_roles,
                exclude_guests,
                client_apps,
                grant,
            } = self;
            format!(
                r#"{{"id":"00000000-0000-0000-0000-00000000000{i}","templateId":null,"displayName":"{name}","createdDateTime":"2025-09-24T12:59:05.2884951Z","modifiedDateTime":null,"state":"{state}","sessionControls":null,"conditions":{{"userRiskLevels":[],"signInRiskLevels":[],"clientAppTypes":{client_apps},"platforms":null,"locations":null,"devices":null,"clientApplications":null,"authenticationFlows":null,"applications":{{"includeApplications":["All"],"excludeApplications":[],"includeUserActions":[],"includeAuthenticationContextClassReferences":[],"applicationFilter":null}},"users":{{"includeUsers":{include_users},"excludeUsers":{exclude_users},"includeGroups":[],"excludeGroups":{exclude_groups},"includeRoles":{include_roles},"excludeRoles":[],"includeGuestsOrExternalUsers":null,"excludeGuestsOrExternalUsers":{exclude_guests}}}}},"grantControls":{grant}}}"#
            )
        }
    }

    fn cas(policies: &[Ca]) -> String {
        let list: Vec<String> = policies
            .iter()
            .enumerate()
            .map(|(i, p)| p.json(i))
            .collect();
        format!(
            r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies","value":[{}]}}"#,
            list.join(",")
        )
    }

    fn security_defaults_model() -> String {
        CONTROLS_TOML.replace(
            "model = \"conditional_access\"",
            "model = \"security_defaults\"",
        )
    }

    fn sd(on: bool) -> String {
        format!(
            r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#policies/identitySecurityDefaultsEnforcementPolicy/$entity","id":"00000000-0000-0000-0000-000000000005","displayName":"Security Defaults","description":"Security defaults is a set of basic identity security mechanisms recommended by Microsoft.","isEnabled":{on}}}"#
        )
    }

    // ---- identity.mfa-admins ----

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

    #[test]
    fn no_admins_in_the_report_and_no_role_holders_is_not_applicable() {
        let r = vec![reg(BOB, "bob@acme.example", false, true, "member")];
        let o = Fx::new()
            .graph("userRegistrationDetails.json", &regs(&r))
            .graph("roleAssignments.json", r#"{"value":[]}"#)
            .graph("roleEligibilitySchedules.json", r#"{"value":[]}"#)
            .eval("identity.mfa-admins");
        assert_eq!(o.status, Status::NotApplicable);
        assert_eq!(
            o.message,
            "no enabled administrators in userRegistrationDetails"
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

    /// Regression: a peer tool marked every user as lacking MFA when the registration
    /// report was refused (403, no Entra ID P1). A refused report is missing evidence.
    #[test]
    fn refused_registration_report_is_no_evidence_not_every_user_lacking_mfa() {
        let fx = Fx::new().missing_as(
            "graph/userRegistrationDetails.json",
            "not_licensed",
            "Entra ID P1 required",
        );
        for id in ["identity.mfa-admins", "identity.mfa-users"] {
            let o = fx.eval(id);
            assert_eq!(o.status, Status::NoEvidence, "{id}: {o:?}");
            assert_ne!(o.status, Status::Fail);
            assert!(o.message.contains("not licensed"), "{id}: {}", o.message);
            assert!(
                o.message.contains("Entra ID P1 required"),
                "{id}: {}",
                o.message
            );
            assert!(o.items.is_empty(), "{id}: nobody is listed as lacking MFA");
            assert_eq!(o.evidence[0].file, REG_FILE);
        }
    }

    #[test]
    fn unexplained_missing_registration_report_is_no_evidence() {
        let o = Fx::new()
            .without("graph/userRegistrationDetails.json")
            .eval("identity.mfa-admins");
        assert_eq!(o.status, Status::NoEvidence);
        assert!(o.message.contains("not found"), "{}", o.message);
    }

    // ---- identity.mfa-users ----

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

    // ---- identity.ca-mfa-all-users ----

    #[test]
    fn ca_mfa_all_users_passes_with_an_enabled_policy() {
        let o = Fx::new().eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("Require MFA for all users"));
        assert_eq!(o.evidence[0].file, CA_FILE);
        assert_eq!(o.evidence[0].pointer, "/value/0");
    }

    #[test]
    fn a_report_only_mfa_policy_fails() {
        let p = Ca {
            state: "enabledForReportingButNotEnforced",
            ..Ca::mfa_all()
        };
        let o = Fx::new()
            .graph("conditionalAccessPolicies.json", &cas(&[Ca::legacy(), p]))
            .eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items.len(), 1);
        assert!(o.items[0].contains("report-only"), "{:?}", o.items);
        assert!(
            o.items[0].starts_with("\"Require MFA for all users\""),
            "{:?}",
            o.items
        );
        assert_eq!(o.measured.as_deref(), Some("not enforced"));
        assert_eq!(o.evidence[0].pointer, "/value/1");
        assert_eq!(
            o.policy[0].line, 6,
            "points at the declared break-glass accounts"
        );
    }

    #[test]
    fn a_disabled_mfa_policy_fails_naming_its_state() {
        let p = Ca {
            state: "disabled",
            ..Ca::mfa_all()
        };
        let o = Fx::new()
            .graph("conditionalAccessPolicies.json", &cas(&[p, Ca::legacy()]))
            .eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["\"Require MFA for all users\": disabled"]);
    }

    #[test]
    fn excluding_a_user_other_than_break_glass_fails_naming_them() {
        let excl = format!(r#"["{BG1}","{BG2}","{BOB}"]"#);
        let p = Ca {
            exclude_users: &excl,
            ..Ca::mfa_all()
        };
        let o = Fx::new()
            .graph("conditionalAccessPolicies.json", &cas(&[p, Ca::legacy()]))
            .eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            ["\"Require MFA for all users\": excludes user bob@acme.example"]
        );
    }

    #[test]
    fn excluded_groups_unknown_users_and_guests_are_stray_exclusions() {
        let p = Ca {
            exclude_users: r#"["b0000000-0000-0000-0000-000000000001","d0000000-0000-0000-0000-00000000dead"]"#,
            exclude_groups: r#"["9b39e5c3-7d8f-4e7b-a96e-6d3b1b1e1a1a"]"#,
            exclude_guests: r##"{"guestOrExternalUserTypes":"internalGuest,b2bCollaborationGuest","externalTenants":{"@odata.type":"#microsoft.graph.conditionalAccessAllExternalTenants","membershipKind":"all"}}"##,
            ..Ca::mfa_all()
        };
        let o = Fx::new()
            .graph("conditionalAccessPolicies.json", &cas(&[p]))
            .eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            [
                "\"Require MFA for all users\": excludes user d0000000-0000-0000-0000-00000000dead; excludes group 9b39e5c3-7d8f-4e7b-a96e-6d3b1b1e1a1a; excludes guests or external users"
            ]
        );
    }

    #[test]
    fn mfa_through_authentication_strength_with_empty_builtin_controls_passes() {
        let grant = r#"{"operator":"OR","builtInControls":[],"customAuthenticationFactors":[],"termsOfUse":[],"authenticationStrength@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies('x')/grantControls/authenticationStrength/$entity","authenticationStrength":{"id":"00000000-0000-0000-0000-000000000004","createdDateTime":"2021-12-01T08:00:00Z","modifiedDateTime":"2021-12-01T08:00:00Z","displayName":"Phishing-resistant MFA","description":"Phishing-resistant, Passwordless methods for the strongest authentication, such as a FIDO2 security key","policyType":"builtIn","requirementsSatisfied":"mfa","allowedCombinations":["windowsHelloForBusiness","fido2","x509CertificateMultiFactor"]}}"#;
        let p = Ca {
            grant,
            ..Ca::mfa_all()
        };
        let o = Fx::new()
            .graph("conditionalAccessPolicies.json", &cas(&[p]))
            .eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn mfa_or_compliant_device_is_not_an_mfa_requirement() {
        let grant = r#"{"operator":"OR","builtInControls":["mfa","compliantDevice"],"customAuthenticationFactors":[],"termsOfUse":[],"authenticationStrength":null}"#;
        let p = Ca {
            grant,
            ..Ca::mfa_all()
        };
        let o = Fx::new()
            .graph("conditionalAccessPolicies.json", &cas(&[p, Ca::legacy()]))
            .eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.message,
            "no Conditional Access policy requires MFA for all users and all cloud apps"
        );
        assert_eq!(o.measured.as_deref(), Some("none"));
        assert!(o.items.is_empty());
        assert_eq!(o.evidence[0].pointer, "/value");
    }

    #[test]
    fn security_defaults_model_without_ca_is_not_applicable() {
        let o = Fx::new()
            .policy("controls.toml", &security_defaults_model())
            .graph("conditionalAccessPolicies.json", r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies","value":[]}"#)
            .graph("securityDefaults.json", &sd(true))
            .eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::NotApplicable);
        assert!(o.message.contains("security defaults"), "{}", o.message);
    }

    #[test]
    fn conditional_access_model_without_ca_fails_rather_than_not_applicable() {
        let o = Fx::new()
            .graph("conditionalAccessPolicies.json", r#"{"value":[]}"#)
            .eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::Fail);
    }

    #[test]
    fn missing_ca_policies_is_no_evidence() {
        let o = Fx::new()
            .missing_as(
                "graph/conditionalAccessPolicies.json",
                "permission_missing",
                "Policy.Read.All not granted",
            )
            .eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::NoEvidence);
        assert!(o.message.contains("permission missing"), "{}", o.message);
    }

    // ---- identity.ca-mfa-admins ----

    #[test]
    fn an_all_users_mfa_policy_covers_the_admins() {
        let o = Fx::new().eval("identity.ca-mfa-admins");
        assert_eq!(o.status, Status::Pass);
        assert!(
            o.message.ends_with("(covers every admin role)"),
            "{}",
            o.message
        );
    }

    #[test]
    fn a_role_targeted_admin_policy_covers_the_roles_in_use() {
        let roles = format!(r#"["{GA}","{EXCHANGE_ADMIN}"]"#);
        let admins = Ca {
            name: "Require phishing-resistant MFA for admins",
            include_users: "[]",
            include_roles: &roles,
            ..Ca::mfa_all()
        };
        let o = Fx::new()
            .graph(
                "conditionalAccessPolicies.json",
                &cas(&[Ca::legacy(), admins]),
            )
            .eval("identity.ca-mfa-admins");
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(o.measured.as_deref(), Some("1/1 roles covered"));
        assert_eq!(o.evidence[0].pointer, "/value/1");
    }

    #[test]
    fn a_held_role_outside_the_admin_policy_fails() {
        let roles = format!(r#"["{EXCHANGE_ADMIN}"]"#);
        let admins = Ca {
            name: "MFA for Exchange admins",
            include_users: "[]",
            include_roles: &roles,
            ..Ca::mfa_all()
        };
        let o = Fx::new()
            .graph(
                "conditionalAccessPolicies.json",
                &cas(&[Ca::legacy(), admins]),
            )
            .eval("identity.ca-mfa-admins");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["Global Administrator"]);
        assert_eq!(o.measured.as_deref(), Some("0/1 roles covered"));
    }

    #[test]
    fn a_report_only_admin_policy_does_not_cover() {
        let roles = format!(r#"["{GA}"]"#);
        let admins = Ca {
            name: "MFA for admins",
            state: "enabledForReportingButNotEnforced",
            include_users: "[]",
            include_roles: &roles,
            ..Ca::mfa_all()
        };
        let o = Fx::new()
            .graph("conditionalAccessPolicies.json", &cas(&[admins]))
            .eval("identity.ca-mfa-admins");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["Global Administrator"]);
        assert_eq!(o.evidence[0].pointer, "/value");
    }

    /// An admin policy limited to browsers leaves desktop and mobile clients without MFA.
    #[test]
    fn an_admin_policy_for_browsers_only_does_not_cover() {
        let roles = format!(r#"["{GA}"]"#);
        let admins = Ca {
            name: "MFA for admins in the browser",
            include_users: "[]",
            include_roles: &roles,
            client_apps: r#"["browser"]"#,
            ..Ca::mfa_all()
        };
        let o = Fx::new()
            .graph(
                "conditionalAccessPolicies.json",
                &cas(&[Ca::legacy(), admins]),
            )
            .eval("identity.ca-mfa-admins");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(o.items, ["Global Administrator"]);
    }

    #[test]
    fn ca_mfa_admins_is_not_applicable_on_security_defaults() {
        let o = Fx::new()
            .policy("controls.toml", &security_defaults_model())
            .graph("conditionalAccessPolicies.json", r#"{"value":[]}"#)
            .eval("identity.ca-mfa-admins");
        assert_eq!(o.status, Status::NotApplicable);
    }

    // ---- identity.ca-block-legacy-auth ----

    #[test]
    fn legacy_auth_block_passes_on_the_healthy_fixture() {
        let o = Fx::new().eval("identity.ca-block-legacy-auth");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("Block legacy authentication"));
        assert_eq!(o.evidence[0].pointer, "/value/1");
    }

    #[test]
    fn a_report_only_legacy_block_fails() {
        let p = Ca {
            state: "enabledForReportingButNotEnforced",
            ..Ca::legacy()
        };
        let o = Fx::new()
            .graph("conditionalAccessPolicies.json", &cas(&[Ca::mfa_all(), p]))
            .eval("identity.ca-block-legacy-auth");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            ["\"Block legacy authentication\": report-only (enabledForReportingButNotEnforced)"]
        );
        assert_eq!(o.evidence[0].pointer, "/value/1");
    }

    #[test]
    fn no_legacy_block_policy_fails() {
        let o = Fx::new()
            .graph("conditionalAccessPolicies.json", &cas(&[Ca::mfa_all()]))
            .eval("identity.ca-block-legacy-auth");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.message,
            "no Conditional Access policy blocks legacy authentication for all users"
        );
        assert!(o.items.is_empty());
    }

    #[test]
    fn blocking_only_exchange_active_sync_is_not_enough() {
        let p = Ca {
            client_apps: r#"["exchangeActiveSync"]"#,
            ..Ca::legacy()
        };
        let o = Fx::new()
            .graph("conditionalAccessPolicies.json", &cas(&[Ca::mfa_all(), p]))
            .eval("identity.ca-block-legacy-auth");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("none"));
    }

    #[test]
    fn legacy_block_without_ca_evidence_is_no_evidence() {
        let o = Fx::new()
            .without("graph/conditionalAccessPolicies.json")
            .eval("identity.ca-block-legacy-auth");
        assert_eq!(o.status, Status::NoEvidence);
    }

    // ---- identity.security-defaults ----

    #[test]
    fn security_defaults_are_not_applicable_when_ca_is_enabled() {
        let o = Fx::new().eval("identity.security-defaults");
        assert_eq!(o.status, Status::NotApplicable);
        assert_eq!(
            o.message,
            "2 Conditional Access policies are enabled; security defaults are off"
        );
    }

    #[test]
    fn no_enabled_ca_and_security_defaults_off_fails() {
        let report_only = Ca {
            state: "enabledForReportingButNotEnforced",
            ..Ca::mfa_all()
        };
        let o = Fx::new()
            .graph("conditionalAccessPolicies.json", &cas(&[report_only]))
            .graph("securityDefaults.json", &sd(false))
            .eval("identity.security-defaults");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.message,
            "security defaults are off and no Conditional Access policy is enabled: nothing enforces MFA"
        );
        assert_eq!(o.measured.as_deref(), Some("off"));
        assert_eq!(
            o.evidence[0].file,
            "evidence/acme/2026-11/graph/securityDefaults.json"
        );
        assert_eq!(o.evidence[0].pointer, "/isEnabled");
    }

    #[test]
    fn no_enabled_ca_but_security_defaults_on_passes() {
        let o = Fx::new()
            .graph("conditionalAccessPolicies.json", r#"{"value":[]}"#)
            .graph("securityDefaults.json", &sd(true))
            .eval("identity.security-defaults");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(
            o.threshold.as_deref(),
            Some("on when no Conditional Access")
        );
    }

    #[test]
    fn security_defaults_model_with_defaults_on_passes() {
        let o = Fx::new()
            .policy("controls.toml", &security_defaults_model())
            .graph("conditionalAccessPolicies.json", r#"{"value":[]}"#)
            .graph("securityDefaults.json", &sd(true))
            .eval("identity.security-defaults");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("on"));
        assert_eq!(o.threshold.as_deref(), Some("on"));
    }

    #[test]
    fn security_defaults_model_with_defaults_off_fails_without_misreporting_ca() {
        // Bug fixed: the message used to claim no Conditional Access policy was enabled.
        let o = Fx::new()
            .policy("controls.toml", &security_defaults_model())
            .eval("identity.security-defaults");
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("expects them"), "{}", o.message);
        assert!(
            o.message
                .contains("2 Conditional Access policies are enabled"),
            "{}",
            o.message
        );
        assert!(
            !o.message.contains("no Conditional Access"),
            "{}",
            o.message
        );
    }

    #[test]
    fn missing_security_defaults_is_no_evidence() {
        let o = Fx::new()
            .without("graph/securityDefaults.json")
            .eval("identity.security-defaults");
        assert_eq!(o.status, Status::NoEvidence);
    }

    // ---- identity.licences ----

    fn sku(part: &str, status: &str, plans: &[(&str, &str)]) -> String {
        let plans: Vec<String> = plans
            .iter()
            .map(|(n, s)| format!(r#"{{"appliesTo":"User","provisioningStatus":"{s}","servicePlanId":"41781fb2-bc02-4b7c-bd55-b576c07bb09d","servicePlanName":"{n}","servicePlanType":"SCO"}}"#))
            .collect();
        format!(
            r#"{{"accountId":"4b8c18bd-2f9f-4227-af55-9f1061cf9c32","accountName":"acme","appliesTo":"User","capabilityStatus":"{status}","consumedUnits":4,"id":"x_{part}","prepaidUnits":{{"enabled":5,"lockedOut":0,"suspended":0,"warning":0}},"servicePlans":[{}],"skuId":"cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46","skuPartNumber":"{part}","subscriptionIds":["a7d1c39e-8d40-4eb1-9549-cd4a3f227632"]}}"#,
            plans.join(",")
        )
    }

    fn skus(list: &[String]) -> String {
        format!(
            r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#subscribedSkus","value":[{}]}}"#,
            list.join(",")
        )
    }

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
