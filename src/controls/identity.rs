//! Identity: MFA registration, Conditional Access, security defaults and the licences
//! they need.

mod break_glass_excluded;
mod ca;
mod ca_block_device_code_flow;
mod ca_block_high_risk_sign_ins;
mod ca_block_high_risk_users;
mod phishing_resistant_mfa_admins;
mod risk;
mod search;

use super::*;
use crate::evidence::endpoints::Endpoint;
use crate::evidence::graph::{RegistrationDetail, User};
use crate::policy::IdentityModel;
use ca::{Ask, Tenant};
use search::{Reading as NearMiss, near_miss_sentence};
use std::collections::{HashMap, HashSet};

const MFA_ADMINS_MIN_PERCENT: Param = Param {
    name: "min_percent",
    default: 100.0,
    min: 0.0,
    max: 100.0,
    doc: "minimum share of admins registered",
    direction: Direction::HigherIsStricter,
};
const MFA_USERS_MIN_PERCENT: Param = Param {
    name: "min_percent",
    default: 95.0,
    min: 0.0,
    max: 100.0,
    doc: "minimum share of enabled members registered",
    direction: Direction::HigherIsStricter,
};

pub fn controls() -> Vec<Control> {
    vec![
        Control::new("identity.mfa-admins", Domain::Identity, "Administrators are registered for MFA", mfa_admins)
            .doc(
                "Share of administrators registered for multifactor authentication: users flagged isAdmin in userRegistrationDetails and every enabled user holding a privileged role, directly or as a member of a role-assignable group. A role holder the report has no record of, or a group whose membership file is missing, is unknown: the control passes only if it would pass with every unknown admin unregistered, fails only if it would fail with all of them registered, and is no_evidence in between.",
                "An administrator without MFA is one phished password away from full tenant compromise; Microsoft requires MFA for admin portals.",
                "Have each listed administrator register an authenticator app, passkey or FIDO2 key (https://aka.ms/mysecurityinfo), then enforce it with Conditional Access.",
            )
            .weight(3)
            .params(&[MFA_ADMINS_MIN_PERCENT])
            .trend(Trend::MfaAdminsPercent),
        Control::new("identity.mfa-users", Domain::Identity, "Members are registered for MFA", mfa_users)
            .doc(
                "Share of enabled member users (guests excluded) registered for multifactor authentication, from userRegistrationDetails. An enabled member in users.json the report has no record of is unknown: a pass must hold with every unknown user unregistered, a fail with all of them registered; otherwise no_evidence.",
                "Unregistered users cannot be challenged for MFA; an attacker who has their password can register their own method first.",
                "Run a registration campaign (Entra ID > Authentication methods > Registration campaign) and follow up the listed users.",
            )
            .weight(2)
            .params(&[MFA_USERS_MIN_PERCENT])
            .trend(Trend::MfaUsersPercent),
        Control::new("identity.ca-mfa-all-users", Domain::Identity, "Conditional Access requires MFA for all users", ca_mfa_all_users)
            .doc(
                "An enabled (not report-only, not disabled) Conditional Access policy requires MFA for all users (includeUsers All) and all cloud apps (includeApplications All, nothing excluded; Office365 is not all apps) and every client app type, with no narrowing condition, excluding only the declared break-glass accounts (by object id; UPNs are resolved through users.json). MFA means the built-in `mfa` control or an authentication strength whose requirementsSatisfied is `mfa`; with operator OR every listed control must be MFA (mfa OR compliantDevice does not require MFA), with AND one is enough. Narrowing conditions: user, sign-in, service-principal or insider risk levels; device platforms; locations other than All or any excluded location (such as trusted locations); a device filter; client app types short of every client; authentication flows; user actions or authentication contexts instead of apps; workload identities; excluded groups or roles; guest exclusions while the tenant has guests. Such a policy is a near miss, named in the finding with what narrows it. When only a policy the snapshot cannot judge could pass (a strength recorded without requirementsSatisfied, an exclusion or guest count that needs the missing users.json, conditions not recorded), the result is no_evidence.",
                "Registration alone protects nothing: MFA must be enforced at sign-in. Report-only policies log but do not block; stray exclusions become the attacker's way in.",
                "Create or switch on a policy: Users = All users (exclude only the break-glass accounts), Target resources = All cloud apps, Grant = Require multifactor authentication or an authentication strength.",
            )
            .weight(3),
        Control::new("identity.ca-mfa-admins", Domain::Identity, "Conditional Access requires MFA for admin roles", ca_mfa_admins)
            .doc(
                "Every privileged role held in the tenant (active or eligible, by role template id) is covered by an enabled Conditional Access policy that requires MFA, read exactly as for identity.ca-mfa-all-users (grant, authentication strength, all cloud apps, every client app type, no narrowing condition, exclusions only break-glass), and that includes the role in includeRoles or includes all users. An unconditional all-users MFA policy covers every role. Without the role assignments, which roles need covering is unknown: no_evidence. Uncovered roles are listed, then the near-miss policies that would have covered them, with what narrows them.",
                "Administrators are the most targeted accounts; a dedicated policy, ideally with phishing-resistant strength, keeps them covered when user policies change.",
                "Create a policy targeting the privileged directory roles listed, all cloud apps, granting access only with phishing-resistant MFA; exclude only break-glass accounts.",
            )
            .weight(2),
        Control::new("identity.ca-block-legacy-auth", Domain::Identity, "Legacy authentication is blocked", ca_block_legacy_auth)
            .doc(
                "An enabled Conditional Access policy blocks (grant block) the legacy client app types, exchangeActiveSync and other (or all client apps), for all users and all cloud apps, with no narrowing condition and exclusions only the declared break-glass accounts, read exactly as for identity.ca-mfa-all-users. A block policy that names a legacy client type but is narrowed (report-only, some users or apps, a location, platform or risk condition, one legacy type only) is a near miss, named with what narrows it.",
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
        break_glass_excluded::control(),
        ca_block_high_risk_users::control(),
        ca_block_high_risk_sign_ins::control(),
        ca_block_device_code_flow::control(),
        phishing_resistant_mfa_admins::control(),
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
    min_percent: &Param,
    who: &str,
    select: fn(&RegistrationDetail, Option<&User>) -> bool,
    extra: Extra,
) -> Result<Outcome, Missing> {
    let regs = ctx.snap.registrations.get()?;
    let users = users_by_id(ctx);
    let (min, min_at) = ctx.param(c, min_percent);
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
        &MFA_ADMINS_MIN_PERCENT,
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
    mfa_coverage(ctx, c, &MFA_USERS_MIN_PERCENT, "members", is_member, extra)
}

const ALL_USERS_MFA: &str = "requires MFA for all users and all cloud apps";
const LEGACY_BLOCK: &str = "blocks legacy authentication for all users and all cloud apps";
const CA_THRESHOLD: &str =
    "enabled, all users and cloud apps, no narrowing condition, exclusions only break-glass";

/// Searches the CA policies for one that does what `ask` asks of all users and all
/// cloud apps, without any narrowing condition; explains every near miss.
fn find_enforcing_policy(ctx: &Ctx, what: &str, ask: Ask) -> Result<Outcome, Missing> {
    let policies = ctx.snap.ca_policies.get()?;
    let file = ctx.snap.path(Endpoint::ConditionalAccess.file());
    if policies.iter().all(|p| !p.is_enabled())
        && ctx.policy.controls.identity_model == IdentityModel::SecurityDefaults
    {
        return Ok(Outcome::na("the client is on security defaults (controls.toml identity.model); see identity.security-defaults").evidence(file, "/value"));
    }
    let tenant = Tenant::new(ctx);
    let mut near = Vec::new();
    for (index, policy) in policies
        .iter()
        .enumerate()
        .filter(|(_, p)| ca::is_candidate(p, ask))
    {
        let mut reasons = ca::blockers(policy, ask, &tenant);
        reasons.extend(ca::all_users(policy, &tenant));
        if reasons.is_empty() {
            let name = ca::one_line(policy.name());
            return Ok(Outcome::pass(format!("enabled policy \"{name}\" {what}"))
                .measured(name)
                .threshold(CA_THRESHOLD)
                .evidence(file, format!("/value/{index}")));
        }
        near.push(NearMiss {
            index,
            policy,
            reasons,
        });
    }
    let unproven = near
        .iter()
        .filter(|n| ca::only_unproven(&n.reasons))
        .count();
    let mut o = if near.is_empty() {
        Outcome::fail(format!("no Conditional Access policy {what}")).measured("none")
    } else if unproven > 0 {
        Outcome::new(
            Status::NoEvidence,
            format!(
                "the snapshot cannot show whether a Conditional Access policy {what}: {}",
                near_miss_sentence(&near)
            ),
        )
        .measured("unproven")
    } else {
        Outcome::fail(format!(
            "no Conditional Access policy {what} without a narrowing condition; {} near miss{}: {}",
            near.len(),
            if near.len() == 1 { "" } else { "es" },
            near_miss_sentence(&near)
        ))
        .measured(format!(
            "{} near miss{}",
            near.len(),
            if near.len() == 1 { "" } else { "es" }
        ))
    }
    .threshold(CA_THRESHOLD)
    .items(capped(
        near.iter()
            .map(|n| ca::near_miss(n.policy, &n.reasons))
            .collect(),
        50,
    ))
    .policy(
        ctx.policy
            .controls
            .break_glass
            .iter()
            .map(|(_, at)| at.clone())
            .take(1),
    );
    if near.is_empty() {
        o = o.evidence(file.clone(), "/value");
    }
    for n in &near {
        o = o.evidence(file.clone(), format!("/value/{}", n.index));
    }
    Ok(o)
}

fn ca_mfa_all_users(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    find_enforcing_policy(ctx, ALL_USERS_MFA, Ask::Mfa)
}

fn ca_mfa_admins(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let all_users = find_enforcing_policy(ctx, ALL_USERS_MFA, Ask::Mfa)?;
    match all_users.status {
        Status::Pass => {
            return Ok(Outcome {
                message: format!("{} (covers every admin role)", all_users.message),
                ..all_users
            });
        }
        Status::NotApplicable => return Ok(all_users),
        _ => {}
    }
    // Every privileged role held (active or eligible), by template id: which roles need
    // covering cannot be guessed, so without the assignments there is no evidence.
    let mut held: Vec<(String, String)> = super::access::current_assignments(ctx)?
        .iter()
        .map(|a| (a.role_template.to_ascii_lowercase(), a.role_name.clone()))
        .collect();
    held.sort();
    held.dedup_by(|a, b| a.0 == b.0);
    let policies = ctx.snap.ca_policies.get()?;
    let file = ctx.snap.path(Endpoint::ConditionalAccess.file());
    if held.is_empty() {
        // Every tenant has a Global Administrator: an empty list is a partial snapshot.
        return Ok(Outcome::new(
            Status::NoEvidence,
            "the role assignments list no privileged role holder, so which admin roles need MFA is unknown",
        )
        .evidence(
            ctx.snap.path(Endpoint::RoleAssignments.file()),
            "/value",
        ));
    }
    let tenant = Tenant::new(ctx);
    let readings: Vec<NearMiss> = policies
        .iter()
        .enumerate()
        .filter(|(_, p)| ca::is_candidate(p, Ask::Mfa))
        .map(|(index, policy)| NearMiss {
            index,
            policy,
            reasons: ca::blockers(policy, Ask::Mfa, &tenant),
        })
        .collect();
    Ok(search::role_coverage(
        &held,
        &readings,
        file,
        &search::RoleWording {
            uncovered: "an enabled, unconditional MFA policy",
            unproven: "require MFA",
            covered: "an enabled admin MFA policy",
            threshold: "every privileged role in use",
        },
    ))
}

fn ca_block_legacy_auth(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    find_enforcing_policy(ctx, LEGACY_BLOCK, Ask::BlockLegacy)
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

    use crate::controls::Outcome;
    use crate::controls::testing::{
        CaBuilder as Ca, ca_policies as cas, phishing_resistant, strength,
    };
    use serde_json::json;

    fn mfa() -> Ca {
        Ca::mfa_all_users("Require MFA for all users")
    }

    fn legacy() -> Ca {
        Ca::block_legacy("Block legacy authentication").users(
            "excludeUsers",
            json!(["b0000000-0000-0000-0000-000000000001"]),
        )
    }

    /// An admin policy: the given roles only, MFA, otherwise unconditional.
    fn admins(name: &str, roles: &[&str]) -> Ca {
        Ca::mfa_all_users(name)
            .users("includeUsers", json!([]))
            .users("includeRoles", json!(roles))
    }

    fn eval_ca(control: &str, policies: &[Ca]) -> Outcome {
        Fx::new()
            .graph("conditionalAccessPolicies.json", &cas(policies))
            .eval(control)
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

    // ---- Conditional Access: the reading shared by the three CA controls ----

    /// One way a policy can be narrowed, with the words the finding must use.
    struct Narrowing {
        case: &'static str,
        change: fn(Ca) -> Ca,
        words: &'static str,
        /// Also a narrowing for the legacy-authentication block (not a grant case).
        legacy: bool,
        /// Also a narrowing for a role-targeted admin policy.
        admin: bool,
    }

    fn narrowings() -> Vec<Narrowing> {
        let n = |case, change, words, legacy, admin| Narrowing {
            case,
            change,
            words,
            legacy,
            admin,
        };
        vec![
            n(
                "report-only",
                |p| p.state("enabledForReportingButNotEnforced"),
                "report-only (enabledForReportingButNotEnforced)",
                true,
                true,
            ),
            n("disabled", |p| p.state("disabled"), "disabled", true, true),
            n(
                "user risk",
                |p| p.condition("userRiskLevels", json!(["high"])),
                "applies only at user risk high",
                true,
                true,
            ),
            n(
                "sign-in risk",
                |p| p.condition("signInRiskLevels", json!(["high", "medium"])),
                "applies only at sign-in risk high, medium",
                true,
                true,
            ),
            n(
                "service principal risk",
                |p| p.condition("servicePrincipalRiskLevels", json!(["high"])),
                "applies only at service principal risk high",
                true,
                true,
            ),
            n(
                "insider risk",
                |p| p.condition("insiderRiskLevels", json!("elevated")),
                "applies only at insider risk elevated",
                true,
                true,
            ),
            n(
                "platforms included",
                |p| {
                    p.condition(
                        "platforms",
                        json!({"includePlatforms": ["android", "iOS"], "excludePlatforms": []}),
                    )
                },
                "applies only on device platforms android, iOS",
                true,
                true,
            ),
            n(
                "platforms excluded",
                |p| {
                    p.condition(
                        "platforms",
                        json!({"includePlatforms": ["all"], "excludePlatforms": ["macOS"]}),
                    )
                },
                "excludes device platforms macOS",
                true,
                true,
            ),
            n(
                "trusted locations excluded",
                |p| {
                    p.condition(
                        "locations",
                        json!({"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}),
                    )
                },
                "excludes trusted locations",
                true,
                true,
            ),
            n(
                "named location only",
                |p| {
                    p.condition("locations", json!({"includeLocations": ["07703061-c278-49cb-ad4d-caf29f8276dc"], "excludeLocations": []}))
                },
                "applies only from named location 07703061-c278-49cb-ad4d-caf29f8276dc",
                true,
                true,
            ),
            n(
                "trusted locations only",
                |p| {
                    p.condition(
                        "locations",
                        json!({"includeLocations": ["AllTrusted"], "excludeLocations": []}),
                    )
                },
                "applies only from trusted locations",
                true,
                true,
            ),
            n(
                "device filter",
                |p| {
                    p.condition("devices", json!({"deviceFilter": {"mode": "exclude", "rule": "device.trustType -eq \"ServerAD\""}}))
                },
                "excludes devices matching the filter `device.trustType -eq \"ServerAD\"`",
                true,
                true,
            ),
            n(
                "authentication flows",
                |p| {
                    p.condition(
                        "authenticationFlows",
                        json!({"transferMethods": "deviceCodeFlow"}),
                    )
                },
                "applies only to the authentication flows deviceCodeFlow",
                true,
                true,
            ),
            n(
                "workload identities",
                |p| {
                    p.condition("clientApplications", json!({"includeServicePrincipals": ["All"], "excludeServicePrincipals": [], "servicePrincipalFilter": null}))
                },
                "targets workload identities (service principals), not user sign-ins",
                true,
                true,
            ),
            n(
                "browser and desktop clients only",
                |p| p.client_apps(&["browser", "mobileAppsAndDesktopClients"]),
                "applies only to client apps browser, mobileAppsAndDesktopClients, not every client (misses exchangeActiveSync, other)",
                false,
                true,
            ),
            n(
                "user action instead of apps",
                |p| {
                    p.apps("includeApplications", json!([])).apps(
                        "includeUserActions",
                        json!(["urn:user:registersecurityinfo"]),
                    )
                },
                "targets user actions (urn:user:registersecurityinfo) instead of cloud apps",
                true,
                true,
            ),
            n(
                "authentication context instead of apps",
                |p| {
                    p.apps("includeApplications", json!([]))
                        .apps("includeAuthenticationContextClassReferences", json!(["c1"]))
                },
                "targets authentication contexts (c1) instead of cloud apps",
                true,
                true,
            ),
            n(
                "Office365 is not all apps",
                |p| p.apps("includeApplications", json!(["Office365"])),
                "applies only to Office365, not all cloud apps",
                true,
                true,
            ),
            n(
                "excluded app",
                |p| {
                    p.apps(
                        "excludeApplications",
                        json!(["00000002-0000-0ff1-ce00-000000000000"]),
                    )
                },
                "excludes cloud apps 00000002-0000-0ff1-ce00-000000000000",
                true,
                true,
            ),
            n(
                "application filter",
                |p| {
                    p.apps("applicationFilter", json!({"mode": "include", "rule": "CustomSecurityAttribute.Tier -eq \"1\""}))
                },
                "applies only to apps matching the filter",
                true,
                true,
            ),
            n(
                "excluded group",
                |p| {
                    p.users(
                        "excludeGroups",
                        json!(["5ecf8b5f-0d08-4792-aa17-37e40f64b6bb"]),
                    )
                },
                "excludes group 5ecf8b5f-0d08-4792-aa17-37e40f64b6bb",
                true,
                true,
            ),
            n(
                "excluded role",
                |p| {
                    p.users(
                        "excludeRoles",
                        json!(["d29b2b05-8046-44ba-8758-1e26182fcf32"]),
                    )
                },
                "excludes role d29b2b05-8046-44ba-8758-1e26182fcf32",
                true,
                true,
            ),
            n(
                "excluded user",
                |p| p.users("excludeUsers", json!([BG1, BG2, BOB])),
                "excludes user bob@acme.example",
                true,
                true,
            ),
            n(
                "groups instead of all users",
                |p| {
                    p.users("includeUsers", json!([])).users(
                        "includeGroups",
                        json!(["9b39e5c3-7d8f-4e7b-a96e-6d3b1b1e1a1a"]),
                    )
                },
                "applies only to groups 9b39e5c3-7d8f-4e7b-a96e-6d3b1b1e1a1a, not all users",
                true,
                false,
            ),
            n(
                "roles instead of all users",
                |p| {
                    p.users("includeUsers", json!([]))
                        .users("includeRoles", json!([GA]))
                },
                "applies only to roles Global Administrator, not all users",
                true,
                false,
            ),
            n(
                "mfa OR compliant device",
                |p| p.builtin("OR", &["mfa", "compliantDevice"]),
                "grant lets compliantDevice satisfy it instead of MFA (operator OR)",
                false,
                true,
            ),
            n(
                "mfa OR terms of use",
                |p| {
                    p.set(
                        "/grantControls/termsOfUse",
                        json!(["0f8d1b3a-3c39-4b7e-9e34-3b7f3e1b2a11"]),
                    )
                },
                "grant lets terms of use 0f8d1b3a-3c39-4b7e-9e34-3b7f3e1b2a11 satisfy it instead of MFA",
                false,
                true,
            ),
            n(
                "custom strength allowing a password alone",
                |p| {
                    p.strength(strength(
                        "5f3c6a3e-1111-4b7e-9e34-3b7f3e1b2a11",
                        "Password only",
                        "none",
                        &["password"],
                    ))
                },
                "authentication strength \"Password only\" allows single-factor sign-in (requirementsSatisfied: none)",
                false,
                true,
            ),
            n(
                "mfa strength listing a single factor",
                |p| {
                    p.strength(strength(
                        "5f3c6a3e-2222-4b7e-9e34-3b7f3e1b2a11",
                        "Mixed",
                        "mfa",
                        &["fido2", "sms"],
                    ))
                },
                "authentication strength \"Mixed\" allows single-factor combinations (sms)",
                false,
                true,
            ),
        ]
    }

    #[test]
    fn every_narrowing_condition_makes_the_all_users_mfa_policy_a_named_near_miss() {
        let base = eval_ca("identity.ca-mfa-all-users", &[mfa(), legacy()]);
        assert_eq!(
            base.status,
            Status::Pass,
            "the unchanged policy passes: {base:?}"
        );
        for n in narrowings() {
            let o = eval_ca("identity.ca-mfa-all-users", &[(n.change)(mfa()), legacy()]);
            assert_eq!(o.status, Status::Fail, "{}: {o:?}", n.case);
            assert_eq!(o.items.len(), 1, "{}: {:?}", n.case, o.items);
            assert!(
                o.items[0].starts_with("\"Require MFA for all users\": "),
                "{}: {:?}",
                n.case,
                o.items
            );
            assert!(o.items[0].contains(n.words), "{}: {:?}", n.case, o.items);
            assert!(o.message.contains(n.words), "{}: {}", n.case, o.message);
            assert_eq!(o.measured.as_deref(), Some("1 near miss"), "{}", n.case);
            assert_eq!(o.evidence[0].file, CA_FILE);
            assert_eq!(o.evidence[0].pointer, "/value/0", "{}", n.case);
        }
    }

    #[test]
    fn every_narrowing_condition_makes_the_legacy_block_a_named_near_miss() {
        let base = eval_ca("identity.ca-block-legacy-auth", &[mfa(), legacy()]);
        assert_eq!(base.status, Status::Pass, "{base:?}");
        for n in narrowings().into_iter().filter(|n| n.legacy) {
            let o = eval_ca(
                "identity.ca-block-legacy-auth",
                &[mfa(), (n.change)(legacy())],
            );
            assert_eq!(o.status, Status::Fail, "{}: {o:?}", n.case);
            assert_eq!(o.items.len(), 1, "{}: {:?}", n.case, o.items);
            assert!(
                o.items[0].starts_with("\"Block legacy authentication\": ")
                    && o.items[0].contains(n.words),
                "{}: {:?}",
                n.case,
                o.items
            );
            assert_eq!(o.evidence[0].pointer, "/value/1", "{}", n.case);
        }
    }

    /// Found by tests/verdict_guard.rs: `block OR compliantDevice` was read as a block.
    /// Any control offered beside the block with `OR` is a way through it; with `AND` the
    /// block still stands.
    #[test]
    fn legacy_block_with_an_or_alternative_in_its_grant_is_not_a_block() {
        for (grant, words) in [
            (
                json!({"operator": "OR", "builtInControls": ["block", "compliantDevice"]}),
                "compliantDevice",
            ),
            (json!({"builtInControls": ["block", "mfa"]}), "mfa"),
            (
                json!({"operator": "OR", "builtInControls": ["block"], "termsOfUse": ["t1"]}),
                "terms of use t1",
            ),
            (
                json!({"operator": "OR", "builtInControls": ["block"], "customAuthenticationFactors": ["Duo"]}),
                "custom control Duo",
            ),
        ] {
            let o = eval_ca(
                "identity.ca-block-legacy-auth",
                &[mfa(), legacy().set("/grantControls", grant.clone())],
            );
            assert_eq!(o.status, Status::Fail, "{grant}: {o:?}");
            assert!(
                o.items[0].contains(words) && o.items[0].contains("instead of blocking"),
                "{grant}: {:?}",
                o.items
            );
        }
        let and = legacy().set(
            "/grantControls",
            json!({"operator": "AND", "builtInControls": ["block", "compliantDevice"]}),
        );
        let o = eval_ca("identity.ca-block-legacy-auth", &[mfa(), and]);
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn every_narrowing_condition_leaves_the_admin_roles_uncovered() {
        let policy = || admins("MFA for admins", &[GA]);
        let base = eval_ca("identity.ca-mfa-admins", &[legacy(), policy()]);
        assert_eq!(base.status, Status::Pass, "{base:?}");
        for n in narrowings().into_iter().filter(|n| n.admin) {
            let o = eval_ca("identity.ca-mfa-admins", &[legacy(), (n.change)(policy())]);
            assert_eq!(o.status, Status::Fail, "{}: {o:?}", n.case);
            assert_eq!(o.items[0], "Global Administrator", "{}", n.case);
            assert!(
                o.items[1].starts_with("\"MFA for admins\": ") && o.items[1].contains(n.words),
                "{}: {:?}",
                n.case,
                o.items
            );
            assert!(o.message.contains(n.words), "{}: {}", n.case, o.message);
            assert_eq!(o.measured.as_deref(), Some("0/1 roles covered"));
        }
    }

    #[test]
    fn conditions_that_cover_everything_do_not_narrow() {
        // "All" platforms and locations with nothing excluded, all four client app types
        // spelled out, an AND grant, session controls: none of them leaves a sign-in out.
        let p = mfa()
            .condition("platforms", json!({"includePlatforms": ["all"], "excludePlatforms": []}))
            .condition("locations", json!({"includeLocations": ["All"], "excludeLocations": []}))
            .condition("authenticationFlows", json!({"transferMethods": "none"}))
            .client_apps(&["browser", "mobileAppsAndDesktopClients", "exchangeActiveSync", "other"])
            .builtin("AND", &["mfa", "compliantDevice"])
            .set("/sessionControls", json!({"signInFrequency": {"isEnabled": true, "value": 4, "type": "hours", "frequencyInterval": "timeBased", "authenticationType": "primaryAndSecondaryAuthentication"}, "persistentBrowser": null, "cloudAppSecurity": null, "applicationEnforcedRestrictions": null, "disableResilienceDefaults": null, "secureSignInSession": null}));
        let o = eval_ca("identity.ca-mfa-all-users", &[p]);
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn a_passing_policy_after_a_near_miss_still_passes() {
        let near = mfa().state("enabledForReportingButNotEnforced");
        let o = eval_ca("identity.ca-mfa-all-users", &[near, mfa().id("good")]);
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(o.evidence[0].pointer, "/value/1");
    }

    #[test]
    fn several_conditions_are_all_named() {
        let p = mfa()
            .condition("signInRiskLevels", json!(["high"]))
            .condition(
                "locations",
                json!({"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}),
            );
        let o = eval_ca("identity.ca-mfa-all-users", &[p]);
        assert_eq!(
            o.items,
            [
                "\"Require MFA for all users\": applies only at sign-in risk high; excludes trusted locations"
            ]
        );
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
        let p = mfa().state("enabledForReportingButNotEnforced");
        let o = eval_ca("identity.ca-mfa-all-users", &[legacy(), p]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            ["\"Require MFA for all users\": report-only (enabledForReportingButNotEnforced)"]
        );
        assert_eq!(o.evidence[0].pointer, "/value/1");
        assert_eq!(
            o.policy[0].line, 6,
            "points at the declared break-glass accounts"
        );
    }

    #[test]
    fn excluded_unknown_users_groups_and_guests_are_each_named() {
        let guest = user(
            "c0000000-0000-0000-0000-000000000001",
            "allan_partner.example#EXT#@acme.onmicrosoft.com",
            "Guest",
            true,
        );
        let p = mfa()
            .users("excludeUsers", json!([BG1, "d0000000-0000-0000-0000-00000000dead"]))
            .users("excludeGroups", json!(["9b39e5c3-7d8f-4e7b-a96e-6d3b1b1e1a1a"]))
            .users("excludeGuestsOrExternalUsers", json!({"guestOrExternalUserTypes": "internalGuest,b2bCollaborationGuest", "externalTenants": {"@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants", "membershipKind": "all"}}));
        let o = Fx::new()
            .graph("users.json", &users(true, &[guest]))
            .graph("conditionalAccessPolicies.json", &cas(&[p]))
            .eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            [
                "\"Require MFA for all users\": excludes user d0000000-0000-0000-0000-00000000dead; excludes group 9b39e5c3-7d8f-4e7b-a96e-6d3b1b1e1a1a; excludes guests or external users (the tenant has 1 enabled guest)"
            ]
        );
    }

    #[test]
    fn excluding_guests_narrows_nothing_in_a_tenant_without_guests() {
        let exclusion = json!({"guestOrExternalUserTypes": "b2bDirectConnectUser,otherExternalUser,serviceProvider", "externalTenants": {"@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants", "membershipKind": "all"}});
        let p = mfa().users("excludeGuestsOrExternalUsers", exclusion);
        let o = eval_ca("identity.ca-mfa-all-users", std::slice::from_ref(&p));
        assert_eq!(o.status, Status::Pass, "no guest in users.json: {o:?}");

        // The retired spelling in excludeUsers is a guest exclusion too.
        let retired = mfa().users("excludeUsers", json!([BG1, BG2, "GuestsOrExternalUsers"]));
        let guest = user(
            "c0000000-0000-0000-0000-000000000001",
            "allan_partner.example#EXT#@acme.onmicrosoft.com",
            "Guest",
            true,
        );
        for policy in [p.clone(), retired] {
            let o = Fx::new()
                .graph("users.json", &users(true, std::slice::from_ref(&guest)))
                .graph("conditionalAccessPolicies.json", &cas(&[policy]))
                .eval("identity.ca-mfa-all-users");
            assert_eq!(o.status, Status::Fail, "{o:?}");
            assert!(
                o.items[0].contains("excludes guests or external users"),
                "{:?}",
                o.items
            );
        }

        // Without users.json, whether there are guests is unknown: no evidence.
        let o = Fx::new()
            .without("graph/users.json")
            .policy("controls.toml", &break_glass_by_id())
            .graph("conditionalAccessPolicies.json", &cas(&[p]))
            .eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert!(
            o.message.contains("unknown whether the tenant has guests"),
            "{}",
            o.message
        );
    }

    /// The fixture's controls.toml with the break-glass accounts declared by object id.
    fn break_glass_by_id() -> String {
        CONTROLS_TOML.replace(
            r#"break_glass = ["bg1@acme.onmicrosoft.com", "bg2@acme.onmicrosoft.com"]"#,
            &format!(r#"break_glass = ["{BG1}", "{BG2}"]"#),
        )
    }

    #[test]
    fn break_glass_exclusions_by_upn_need_users_json_to_be_proven() {
        let o = Fx::new()
            .without("graph/users.json")
            .eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert!(
            o.items[0]
                .contains("cannot be matched to a declared break-glass account without users.json"),
            "{:?}",
            o.items
        );
        // Declared by object id, they need no lookup.
        let o = Fx::new()
            .without("graph/users.json")
            .policy("controls.toml", &break_glass_by_id())
            .eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn a_declared_break_glass_upn_missing_from_users_json_excuses_nothing() {
        let text =
            CONTROLS_TOML.replace("bg2@acme.onmicrosoft.com\"]", "bg9@acme.onmicrosoft.com\"]");
        let o = Fx::new()
            .policy("controls.toml", &text)
            .eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(
            o.items[0],
            "\"Require MFA for all users\": excludes user bg2@acme.onmicrosoft.com"
        );
    }

    #[test]
    fn mfa_through_a_phishing_resistant_strength_passes() {
        let o = eval_ca(
            "identity.ca-mfa-all-users",
            &[mfa().strength(phishing_resistant())],
        );
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn a_strength_recorded_without_requirements_satisfied_is_no_evidence() {
        let only_id = json!({"id": "00000000-0000-0000-0000-000000000002"});
        let o = eval_ca("identity.ca-mfa-all-users", &[mfa().strength(only_id)]);
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert_eq!(o.measured.as_deref(), Some("unproven"));
        assert!(
            o.message.contains("without requirementsSatisfied"),
            "{}",
            o.message
        );
        assert!(
            o.message.contains("\"Require MFA for all users\""),
            "{}",
            o.message
        );
    }

    #[test]
    fn an_unproven_policy_beside_a_narrowed_one_is_no_evidence_not_a_fail() {
        let only_id = json!({"id": "00000000-0000-0000-0000-000000000002"});
        let narrowed = Ca::mfa_all_users("MFA outside the office").condition(
            "locations",
            json!({"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}),
        );
        let o = eval_ca(
            "identity.ca-mfa-all-users",
            &[narrowed, mfa().strength(only_id)],
        );
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert_eq!(o.items.len(), 2);
    }

    #[test]
    fn the_sdk_s_all_null_strength_is_no_strength() {
        let blank = json!({"id": null, "displayName": null, "description": null, "policyType": null, "requirementsSatisfied": null, "allowedCombinations": [], "combinationConfigurations": [], "createdDateTime": null, "modifiedDateTime": null});
        let o = eval_ca(
            "identity.ca-mfa-all-users",
            &[mfa().strength(blank.clone())],
        );
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(
            o.message,
            "no Conditional Access policy requires MFA for all users and all cloud apps"
        );
        assert_eq!(o.measured.as_deref(), Some("none"));
        // Beside the built-in mfa control it changes nothing.
        let p = mfa().set("/grantControls/authenticationStrength", blank);
        assert_eq!(
            eval_ca("identity.ca-mfa-all-users", &[p]).status,
            Status::Pass
        );
    }

    #[test]
    fn grants_that_do_not_ask_for_mfa_are_not_near_misses() {
        for p in [
            mfa().no_grant(),
            mfa().builtin("OR", &["block"]),
            mfa().builtin("OR", &["compliantDevice", "domainJoinedDevice"]),
        ] {
            let o = eval_ca("identity.ca-mfa-all-users", &[p]);
            assert_eq!(o.status, Status::Fail, "{o:?}");
            assert!(o.items.is_empty(), "{:?}", o.items);
            assert_eq!(o.evidence[0].pointer, "/value");
        }
    }

    #[test]
    fn a_policy_without_recorded_conditions_is_no_evidence() {
        let p = mfa().set("/conditions", serde_json::Value::Null);
        let o = eval_ca("identity.ca-mfa-all-users", &[p]);
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert!(
            o.message
                .contains("does not record the policy's conditions"),
            "{}",
            o.message
        );
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
        let p = admins(
            "Require phishing-resistant MFA for admins",
            &[GA, EXCHANGE_ADMIN],
        )
        .strength(phishing_resistant());
        let o = eval_ca("identity.ca-mfa-admins", &[legacy(), p]);
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(o.measured.as_deref(), Some("1/1 roles covered"));
        assert_eq!(o.evidence[0].pointer, "/value/1");
    }

    #[test]
    fn a_held_role_outside_the_admin_policy_fails() {
        let o = eval_ca(
            "identity.ca-mfa-admins",
            &[
                legacy(),
                admins("MFA for Exchange admins", &[EXCHANGE_ADMIN]),
            ],
        );
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["Global Administrator"]);
        assert_eq!(o.measured.as_deref(), Some("0/1 roles covered"));
    }

    #[test]
    fn an_all_users_policy_with_a_narrowing_condition_does_not_cover_the_admins() {
        let p = mfa().condition(
            "locations",
            json!({"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}),
        );
        let o = eval_ca("identity.ca-mfa-admins", &[p, legacy()]);
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(
            o.items,
            [
                "Global Administrator",
                "\"Require MFA for all users\": excludes trusted locations"
            ]
        );
    }

    #[test]
    fn an_admin_policy_with_an_unproven_strength_is_no_evidence() {
        let p = admins("MFA for admins", &[GA])
            .strength(json!({"id": "8a1b2c3d-0000-4b7e-9e34-3b7f3e1b2a11"}));
        let o = eval_ca("identity.ca-mfa-admins", &[legacy(), p]);
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert_eq!(o.items[0], "Global Administrator");
    }

    #[test]
    fn admin_coverage_without_role_assignments_is_no_evidence() {
        let fx = Fx::new().without("graph/roleAssignments.json");
        let o = fx
            .clone()
            .graph(
                "conditionalAccessPolicies.json",
                &cas(&[legacy(), admins("MFA for admins", &[GA])]),
            )
            .eval("identity.ca-mfa-admins");
        assert_eq!(
            o.status,
            Status::NoEvidence,
            "which roles are held is unknown: {o:?}"
        );
        // An unconditional all-users policy needs no role list.
        assert_eq!(fx.eval("identity.ca-mfa-admins").status, Status::Pass);
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
    fn no_legacy_block_policy_fails() {
        let o = eval_ca("identity.ca-block-legacy-auth", &[mfa()]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.message,
            "no Conditional Access policy blocks legacy authentication for all users and all cloud apps"
        );
        assert!(o.items.is_empty());
    }

    #[test]
    fn blocking_only_exchange_active_sync_is_a_near_miss() {
        let p = legacy().client_apps(&["exchangeActiveSync"]);
        let o = eval_ca("identity.ca-block-legacy-auth", &[mfa(), p]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            [
                "\"Block legacy authentication\": does not block the legacy client type other (client apps: exchangeActiveSync)"
            ]
        );
    }

    #[test]
    fn a_legacy_block_that_only_requires_mfa_is_not_a_block() {
        let p = legacy().builtin("OR", &["mfa"]);
        let o = eval_ca("identity.ca-block-legacy-auth", &[p]);
        assert_eq!(o.status, Status::Fail);
        assert!(o.items.is_empty(), "{:?}", o.items);
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
            "6 Conditional Access policies are enabled; security defaults are off"
        );
    }

    #[test]
    fn no_enabled_ca_and_security_defaults_off_fails() {
        let report_only = mfa().state("enabledForReportingButNotEnforced");
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
                .contains("6 Conditional Access policies are enabled"),
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
