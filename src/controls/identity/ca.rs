//! Reading Conditional Access policies the way a compliance reviewer does. A policy
//! counts for a control only when it is enforced, its grant proves what the control asks
//! (MFA, or a block), and no condition narrows where it applies; any other policy of the
//! same kind is a near miss, named with every condition that narrows it, in words.
//!
//! Two kinds of reason keep a policy from counting: it *narrows* (the snapshot shows a
//! condition, exclusion or grant that leaves sign-ins out), or it is *unproven* (the
//! snapshot lacks a field needed to decide, such as an authentication strength recorded
//! without `requirementsSatisfied`, or users.json to resolve an exclusion). A control
//! that only unproven policies could satisfy is `no_evidence`, never a pass or a fail.

use crate::controls::Ctx;
use crate::controls::access::PRIVILEGED_ROLES;
use crate::evidence::graph::{CaFilter, CaPolicy, CaUsers, MfaGrant, User};
use std::collections::{HashMap, HashSet};

/// Why a policy does not count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocker {
    /// The snapshot shows it leaves sign-ins out.
    Narrows(String),
    /// The snapshot lacks what is needed to decide.
    Unproven(String),
}

impl Blocker {
    pub fn text(&self) -> &str {
        match self {
            Blocker::Narrows(t) | Blocker::Unproven(t) => t,
        }
    }
}

/// What a control asks of a policy's grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// Require MFA (the built-in control or an MFA authentication strength).
    Mfa,
    /// Block the legacy client app types (`exchangeActiveSync` and `other`).
    BlockLegacy,
    /// Block every client app type (the grant is `block`).
    Block,
}

/// The one condition a control is about, so it is not counted as narrowing: a
/// risk-based policy is conditioned on risk by definition, a device-code block on the
/// device code flow. Only that condition is exempt, and only when it names what the
/// control asks for (`high` risk, the `deviceCodeFlow` method); every other condition
/// still narrows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exempt {
    Nothing,
    /// `userRiskLevels` containing `high`.
    HighUserRisk,
    /// `signInRiskLevels` containing `high`.
    HighSignInRisk,
    /// `authenticationFlows.transferMethods` containing `deviceCodeFlow`.
    DeviceCodeFlow,
}

/// What a reading needs to know about the tenant besides the policy.
pub struct Tenant<'a> {
    /// Object ids (lowercase) of the declared break-glass accounts.
    break_glass: HashSet<String>,
    /// Some break-glass accounts are declared by UPN and users.json is missing, so an
    /// excluded object id cannot be matched to them.
    break_glass_unresolved: bool,
    users: Option<HashMap<String, &'a User>>,
    /// Enabled guests in users.json; `None` without users.json.
    guests: Option<usize>,
    /// Role names by template id (lowercase): the built-in list, then roleDefinitions.
    roles: HashMap<String, String>,
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

impl<'a> Tenant<'a> {
    pub fn new(ctx: &'a Ctx) -> Tenant<'a> {
        let users = ctx.snap.users.ok();
        let mut break_glass = HashSet::new();
        let mut break_glass_unresolved = false;
        for (declared, _) in &ctx.policy.controls.break_glass {
            if is_guid(declared) {
                break_glass.insert(declared.to_ascii_lowercase());
                continue;
            }
            match users {
                Some(list) => {
                    // A declared UPN absent from users.json is no account at all: nothing
                    // it could excuse.
                    if let Some(u) = list.iter().find(|u| {
                        u.user_principal_name
                            .as_deref()
                            .is_some_and(|n| n.eq_ignore_ascii_case(declared))
                    }) {
                        break_glass.insert(u.id.to_ascii_lowercase());
                    }
                }
                None => break_glass_unresolved = true,
            }
        }
        let mut roles: HashMap<String, String> = PRIVILEGED_ROLES
            .iter()
            .map(|(t, n)| (t.to_ascii_lowercase(), (*n).to_owned()))
            .collect();
        if let Some(defs) = ctx.snap.role_definitions.ok() {
            for d in defs {
                let t = d.template_id.as_deref().unwrap_or(&d.id);
                roles.insert(t.to_ascii_lowercase(), d.display_name.clone());
            }
        }
        Tenant {
            break_glass,
            break_glass_unresolved,
            users: users.map(|l| l.iter().map(|u| (u.id.to_ascii_lowercase(), u)).collect()),
            guests: users.map(|l| {
                l.iter()
                    .filter(|u| u.is_guest() && u.account_enabled != Some(false))
                    .count()
            }),
            roles,
        }
    }

    fn user_name(&self, id: &str) -> String {
        self.users
            .as_ref()
            .and_then(|u| u.get(&id.to_ascii_lowercase()))
            .map_or_else(|| id.to_owned(), |u| u.name().to_owned())
    }

    fn role_name(&self, template: &str) -> String {
        self.roles
            .get(&template.to_ascii_lowercase())
            .cloned()
            .unwrap_or_else(|| template.to_owned())
    }

    /// Why excluding guests matters here, or that it cannot be told.
    fn guest_exclusion(&self) -> Option<Blocker> {
        match self.guests {
            Some(0) => None,
            Some(n) => Some(Blocker::Narrows(format!(
                "excludes guests or external users (the tenant has {n} enabled guest{})",
                if n == 1 { "" } else { "s" }
            ))),
            None => Some(Blocker::Unproven(
                "excludes guests or external users, and without users.json it is unknown whether the tenant has guests".to_owned(),
            )),
        }
    }
}

/// Up to `n` values joined, then how many more.
fn listed(values: &[String], n: usize) -> String {
    let mut out = values
        .iter()
        .take(n)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if values.len() > n {
        out.push_str(&format!(" and {} more", values.len() - n));
    }
    out
}

fn has(values: &[String], want: &str) -> bool {
    values.iter().any(|v| v.eq_ignore_ascii_case(want))
}

/// A filter rule in words, shortened: rules are free text from the tenant.
fn filter_text(f: &CaFilter) -> String {
    let rule: String = f.rule.as_deref().unwrap_or("").chars().take(120).collect();
    format!("`{}`", rule.trim())
}

/// Whether the policy is about what the control asks at all: MFA controls read every
/// policy whose grant asks for MFA, the legacy-authentication control every block
/// policy that names a legacy client type (or all of them). Others are not near misses.
pub fn is_candidate(p: &CaPolicy, ask: Ask) -> bool {
    match ask {
        Ask::Mfa => p.mfa_grant() != MfaGrant::NotAsked,
        Ask::BlockLegacy => {
            let types = p.client_app_types();
            p.blocks()
                && ["all", "exchangeActiveSync", "easSupported", "other"]
                    .iter()
                    .any(|t| has(&types, t))
        }
        Ask::Block => p.blocks(),
    }
}

/// Everything that keeps a candidate policy from counting, except whom it includes
/// (see [`all_users`] and [`covers_role`]): state, grant, applications, client apps,
/// every condition, and exclusions beyond the break-glass accounts.
pub fn blockers(p: &CaPolicy, ask: Ask, t: &Tenant) -> Vec<Blocker> {
    blockers_except(p, ask, t, Exempt::Nothing)
}

/// [`blockers`], except the one condition `exempt` names (see [`Exempt`]).
pub fn blockers_except(p: &CaPolicy, ask: Ask, t: &Tenant, exempt: Exempt) -> Vec<Blocker> {
    let mut out = Vec::new();
    if p.is_report_only() {
        out.push(Blocker::Narrows(
            "report-only (enabledForReportingButNotEnforced)".to_owned(),
        ));
    } else if !p.is_enabled() {
        out.push(Blocker::Narrows(p.state.clone()));
    }
    if ask == Ask::Mfa {
        match p.mfa_grant() {
            MfaGrant::Required | MfaGrant::NotAsked => {}
            MfaGrant::Bypassable(why) => out.push(Blocker::Narrows(why)),
            MfaGrant::Unproven(why) => out.push(Blocker::Unproven(why)),
        }
    }
    if matches!(ask, Ask::BlockLegacy | Ask::Block)
        && let Some(g) = &p.grant_controls
    {
        let others = g.block_alternatives();
        if !others.is_empty() {
            out.push(Blocker::Narrows(format!(
                "grant lets {} satisfy it instead of blocking (operator OR)",
                listed(&others, 3)
            )));
        }
    }
    let Some(c) = &p.conditions else {
        out.push(Blocker::Unproven(
            "the snapshot does not record the policy's conditions".to_owned(),
        ));
        return out;
    };
    match &c.users {
        Some(u) => out.extend(exclusions(u, t)),
        None => out.push(Blocker::Unproven(
            "the snapshot does not record the policy's users".to_owned(),
        )),
    }
    match &c.applications {
        None => out.push(Blocker::Unproven(
            "the snapshot does not record which applications the policy targets".to_owned(),
        )),
        Some(a) => {
            if !a.include_user_actions.is_empty() {
                out.push(Blocker::Narrows(format!(
                    "targets user actions ({}) instead of cloud apps",
                    listed(&a.include_user_actions, 3)
                )));
            }
            if !a.include_authentication_context_class_references.is_empty() {
                out.push(Blocker::Narrows(format!(
                    "targets authentication contexts ({}) instead of cloud apps",
                    listed(&a.include_authentication_context_class_references, 3)
                )));
            }
            if !has(&a.include_applications, "All") {
                if a.include_applications.is_empty() {
                    if a.include_user_actions.is_empty()
                        && a.include_authentication_context_class_references.is_empty()
                    {
                        out.push(Blocker::Narrows("includes no cloud apps".to_owned()));
                    }
                } else {
                    out.push(Blocker::Narrows(format!(
                        "applies only to {}, not all cloud apps",
                        listed(&a.include_applications, 3)
                    )));
                }
            }
            if !a.exclude_applications.is_empty() {
                out.push(Blocker::Narrows(format!(
                    "excludes cloud apps {}",
                    listed(&a.exclude_applications, 3)
                )));
            }
            if let Some(f) = &a.application_filter {
                out.push(Blocker::Narrows(format!(
                    "{} apps matching the filter {}",
                    if mode_excludes(f) {
                        "excludes"
                    } else {
                        "applies only to"
                    },
                    filter_text(f)
                )));
            }
        }
    }
    let types = &c.client_app_types;
    if types.is_empty() {
        out.push(Blocker::Unproven(
            "the snapshot does not record the policy's client app types".to_owned(),
        ));
    } else if !has(types, "all") {
        let needed: &[&str] = match ask {
            Ask::Mfa | Ask::Block => &[
                "browser",
                "mobileAppsAndDesktopClients",
                "exchangeActiveSync",
                "other",
            ],
            Ask::BlockLegacy => &["exchangeActiveSync", "other"],
        };
        let missing: Vec<&str> = needed.iter().copied().filter(|n| !has(types, n)).collect();
        if !missing.is_empty() {
            out.push(Blocker::Narrows(match ask {
                Ask::Mfa | Ask::Block => format!(
                    "applies only to client apps {}, not every client (misses {})",
                    types.join(", "),
                    missing.join(", ")
                ),
                Ask::BlockLegacy => format!(
                    "does not block the legacy client type{} {} (client apps: {})",
                    if missing.len() == 1 { "" } else { "s" },
                    missing.join(" and "),
                    types.join(", ")
                ),
            }));
        }
    }
    for (levels, what, subject) in [
        (
            &c.user_risk_levels,
            "user risk",
            exempt == Exempt::HighUserRisk,
        ),
        (
            &c.sign_in_risk_levels,
            "sign-in risk",
            exempt == Exempt::HighSignInRisk,
        ),
        (
            &c.service_principal_risk_levels,
            "service principal risk",
            false,
        ),
        (&c.insider_risk_levels, "insider risk", false),
    ] {
        if subject && has(levels, "high") {
            // The control's own subject: the policy must be conditioned on high risk.
            continue;
        }
        if subject {
            out.push(Blocker::Narrows(if levels.is_empty() {
                format!("has no {what} condition including high")
            } else {
                format!("applies only at {what} {}, not high", levels.join(", "))
            }));
        } else if !levels.is_empty() {
            out.push(Blocker::Narrows(format!(
                "applies only at {what} {}",
                levels.join(", ")
            )));
        }
    }
    if let Some(pl) = &c.platforms {
        if !has(&pl.include_platforms, "all") {
            out.push(Blocker::Narrows(if pl.include_platforms.is_empty() {
                "has a device platform condition that includes no platform".to_owned()
            } else {
                format!(
                    "applies only on device platforms {}",
                    listed(&pl.include_platforms, 6)
                )
            }));
        }
        if !pl.exclude_platforms.is_empty() {
            out.push(Blocker::Narrows(format!(
                "excludes device platforms {}",
                listed(&pl.exclude_platforms, 6)
            )));
        }
    }
    if let Some(loc) = &c.locations {
        let name = |l: &String| match l.as_str() {
            x if x.eq_ignore_ascii_case("AllTrusted") => "trusted locations".to_owned(),
            x if x.eq_ignore_ascii_case("All") => "all locations".to_owned(),
            x => format!("named location {x}"),
        };
        if !has(&loc.include_locations, "All") {
            out.push(Blocker::Narrows(if loc.include_locations.is_empty() {
                "has a location condition that includes no location".to_owned()
            } else {
                let names: Vec<String> = loc.include_locations.iter().map(name).collect();
                format!("applies only from {}", listed(&names, 3))
            }));
        }
        if !loc.exclude_locations.is_empty() {
            let names: Vec<String> = loc.exclude_locations.iter().map(name).collect();
            out.push(Blocker::Narrows(format!("excludes {}", listed(&names, 3))));
        }
    }
    if let Some(d) = &c.devices {
        if let Some(f) = &d.device_filter {
            out.push(Blocker::Narrows(format!(
                "{} devices matching the filter {}",
                if mode_excludes(f) {
                    "excludes"
                } else {
                    "applies only to"
                },
                filter_text(f)
            )));
        }
        if !d.include_devices.is_empty() && !has(&d.include_devices, "All") {
            out.push(Blocker::Narrows(format!(
                "applies only to devices {}",
                listed(&d.include_devices, 3)
            )));
        }
        if !d.exclude_devices.is_empty() {
            out.push(Blocker::Narrows(format!(
                "excludes devices {}",
                listed(&d.exclude_devices, 3)
            )));
        }
    }
    if let Some(ca) = &c.client_applications
        && (!ca.include_service_principals.is_empty()
            || !ca.exclude_service_principals.is_empty()
            || ca.service_principal_filter.is_some())
    {
        out.push(Blocker::Narrows(
            "targets workload identities (service principals), not user sign-ins".to_owned(),
        ));
    }
    let device_code = exempt == Exempt::DeviceCodeFlow;
    let flows_name_device_code = c
        .authentication_flows
        .as_ref()
        .is_some_and(|f| has(&f.transfer_methods, "deviceCodeFlow"));
    if device_code && !flows_name_device_code {
        out.push(Blocker::Narrows(
            "has no authentication flows condition including deviceCodeFlow".to_owned(),
        ));
    }
    if let Some(f) = &c.authentication_flows
        && !(device_code && flows_name_device_code)
    {
        let methods: Vec<String> = f
            .transfer_methods
            .iter()
            .filter(|m| !m.eq_ignore_ascii_case("none"))
            .cloned()
            .collect();
        if !methods.is_empty() {
            out.push(Blocker::Narrows(format!(
                "applies only to the authentication flows {}",
                methods.join(", ")
            )));
        }
    }
    out
}

fn mode_excludes(f: &CaFilter) -> bool {
    f.mode
        .as_deref()
        .is_some_and(|m| m.eq_ignore_ascii_case("exclude"))
}

/// Exclusions beyond the declared break-glass accounts.
fn exclusions(u: &CaUsers, t: &Tenant) -> Vec<Blocker> {
    let mut out = Vec::new();
    let mut guests = u
        .exclude_guests_or_external_users
        .as_ref()
        .is_some_and(|g| g.names_any());
    for id in &u.exclude_users {
        if id.eq_ignore_ascii_case("GuestsOrExternalUsers") {
            // The retired spelling of a guest exclusion.
            guests = true;
        } else if t.break_glass.contains(&id.to_ascii_lowercase()) {
            continue;
        } else if t.break_glass_unresolved {
            out.push(Blocker::Unproven(format!(
                "excludes user {id}, which cannot be matched to a declared break-glass account without users.json"
            )));
        } else {
            out.push(Blocker::Narrows(format!(
                "excludes user {}",
                t.user_name(id)
            )));
        }
    }
    for g in &u.exclude_groups {
        out.push(Blocker::Narrows(format!("excludes group {g}")));
    }
    for r in &u.exclude_roles {
        out.push(Blocker::Narrows(format!(
            "excludes role {}",
            t.role_name(r)
        )));
    }
    if guests {
        out.extend(t.guest_exclusion());
    }
    out
}

/// `None` when the policy includes all users; else what it includes instead.
pub fn all_users(p: &CaPolicy, t: &Tenant) -> Option<Blocker> {
    // Users not recorded at all are already an unproven blocker (see `blockers`).
    let u = p.conditions.as_ref()?.users.as_ref()?;
    if has(&u.include_users, "All") {
        return None;
    }
    let mut parts = Vec::new();
    let users: Vec<String> = u
        .include_users
        .iter()
        .filter(|x| !x.eq_ignore_ascii_case("None"))
        .map(|x| {
            if x.eq_ignore_ascii_case("GuestsOrExternalUsers") {
                "guests or external users".to_owned()
            } else {
                t.user_name(x)
            }
        })
        .collect();
    if !users.is_empty() {
        parts.push(format!("users {}", listed(&users, 3)));
    }
    if !u.include_groups.is_empty() {
        parts.push(format!("groups {}", listed(&u.include_groups, 3)));
    }
    if !u.include_roles.is_empty() {
        let roles: Vec<String> = u.include_roles.iter().map(|r| t.role_name(r)).collect();
        parts.push(format!("roles {}", listed(&roles, 3)));
    }
    if u.include_guests_or_external_users
        .as_ref()
        .is_some_and(|g| g.names_any())
    {
        parts.push("guests or external users".to_owned());
    }
    Some(Blocker::Narrows(if parts.is_empty() {
        "includes no users".to_owned()
    } else {
        format!("applies only to {}, not all users", parts.join("; "))
    }))
}

/// Whether the policy's users include a role (by template id): all users, or the role.
/// Users not recorded may include it: `blockers` already marks that policy unproven.
pub fn covers_role(p: &CaPolicy, template: &str) -> bool {
    match p.conditions.as_ref().and_then(|c| c.users.as_ref()) {
        None => true,
        Some(u) => has(&u.include_users, "All") || has(&u.include_roles, template),
    }
}

/// A near miss as the finding lists it: the policy's name and its reasons.
pub fn near_miss(p: &CaPolicy, reasons: &[Blocker]) -> String {
    let why: Vec<&str> = reasons.iter().map(Blocker::text).collect();
    one_line(&format!("\"{}\": {}", p.name(), why.join("; ")))
}

/// Tenant text (policy, user and location names, filter rules) on one line without
/// control characters, so that it cannot forge a line or a colour in any report.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

pub fn only_unproven(reasons: &[Blocker]) -> bool {
    !reasons.is_empty() && reasons.iter().all(|b| matches!(b, Blocker::Unproven(_)))
}
