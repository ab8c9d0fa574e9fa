//! Least privilege: who holds privileged directory roles, how (eligible through PIM or
//! standing), and how that changed since last month.

use super::*;
use crate::evidence::endpoints::Endpoint;
use crate::evidence::graph::{Principal, is_guest};
use crate::policy::AssignmentKind;
use crate::scorecard::RoleChange;
use std::collections::{BTreeSet, HashMap};

pub const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";

/// Built-in roles Microsoft marks privileged (template id, display name). Tenants can
/// add more with `[access] privileged_roles`; a role definition with `isPrivileged` counts too.
pub const PRIVILEGED_ROLES: &[(&str, &str)] = &[
    (GLOBAL_ADMIN, "Global Administrator"),
    ("e8611ab8-c189-46e8-94e1-60213ab1f814", "Privileged Role Administrator"),
    ("7be44c8a-adaf-4e2a-84d6-ab2649e08a13", "Privileged Authentication Administrator"),
    ("194ae4cb-b126-40b2-bd5b-6091b380977d", "Security Administrator"),
    ("29232cdf-9323-42fd-ade2-1d097af3e4de", "Exchange Administrator"),
    ("f28a1f50-f6e7-4571-818b-6a12f2af6b6c", "SharePoint Administrator"),
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator"),
    ("9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "Application Administrator"),
    ("158c047a-c907-4556-b7ef-446551a6b5f7", "Cloud Application Administrator"),
    ("c4e39bd9-1100-46d3-8c65-fb160da0071f", "Authentication Administrator"),
    ("b1be1c3e-b65d-4f19-8427-f6fa0d97feb9", "Conditional Access Administrator"),
    ("3a2c62db-5318-420d-8d74-23affee5d9d5", "Intune Administrator"),
    ("729827e3-9c14-49f7-bb1b-9608f156bbb8", "Helpdesk Administrator"),
    ("966707d0-3269-4727-9be2-8c3a10f19b9d", "Password Administrator"),
    ("b0f54661-2d74-4c50-afa3-1ec803f12efe", "Billing Administrator"),
    ("69091246-20e8-4a56-aa4d-066075b2a7a8", "Teams Administrator"),
    ("17315797-102d-40b4-93e0-432062caca18", "Compliance Administrator"),
    ("e6d1a23a-da11-4be4-9570-befc86d067a7", "Compliance Data Administrator"),
    ("44367163-eba1-44c3-98af-f5787879f96a", "Dynamics 365 Administrator"),
    ("11648597-926c-4cf3-9c36-bcebb0ba8dcc", "Power Platform Administrator"),
    ("8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2", "Hybrid Identity Administrator"),
    ("e8cef6f1-e4bd-4ea8-bc07-4b8d950f4477", "Directory Synchronization Accounts"),
];

/// One privileged role held by one principal.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub principal_id: String,
    /// UPN for users, display name (or id) for others.
    pub principal: String,
    pub is_user: bool,
    pub is_guest: bool,
    pub enabled: Option<bool>,
    pub role_template: String,
    pub role_name: String,
    pub kind: AssignmentKind,
    /// A standing assignment with no end date (`None` when PIM schedules are unavailable).
    pub permanent: Option<bool>,
    pub source: EvidenceRef,
}

/// Every privileged assignment in a snapshot: active ones from roleAssignments (minus
/// PIM activations) and eligible ones from roleEligibilitySchedules. Eligibility that
/// was not collected for lack of a licence or because it does not apply counts as none.
pub fn privileged_assignments(ctx: &Ctx, snap: &crate::evidence::Snapshot) -> Result<Vec<Assignment>, Missing> {
    let active = snap.role_assignments.get()?;
    let eligible = match snap.role_eligibility.get() {
        Ok(e) => e.as_slice(),
        Err(m) if m.reason.starts_with("not licensed") || m.reason.starts_with("not applicable") => &[],
        Err(m) => return Err(m),
    };
    let schedules = snap.role_schedules.ok();
    let defs: HashMap<&str, (&str, &str, bool)> = snap
        .role_definitions
        .ok()
        .map(|d| {
            d.iter()
                .map(|r| (r.id.as_str(), (r.template_id.as_deref().unwrap_or(&r.id), r.display_name.as_str(), r.is_privileged == Some(true))))
                .collect()
        })
        .unwrap_or_default();
    let users: HashMap<&str, &crate::evidence::graph::User> =
        snap.users.ok().map(|u| u.iter().map(|u| (u.id.as_str(), u)).collect()).unwrap_or_default();
    let extra = &ctx.policy.controls.extra_privileged_roles;
    let role = |def_id: &str| -> Option<(String, String)> {
        let (template, name, flagged) = defs.get(def_id).copied().unwrap_or((def_id, "", false));
        let builtin = PRIVILEGED_ROLES.iter().find(|(t, _)| t.eq_ignore_ascii_case(template));
        let name = if name.is_empty() { builtin.map_or(def_id, |b| b.1) } else { name };
        let privileged = builtin.is_some() || flagged || extra.iter().any(|e| e.eq_ignore_ascii_case(name));
        privileged.then(|| (template.to_ascii_lowercase(), name.to_owned()))
    };
    let who = |id: &str, p: Option<&Principal>| -> (String, bool, bool, Option<bool>) {
        if let Some(u) = users.get(id) {
            return (u.name().to_owned(), true, u.is_guest(), u.account_enabled);
        }
        match p {
            Some(p) => {
                let name = p.user_principal_name.clone().or(p.display_name.clone()).unwrap_or_else(|| id.to_owned());
                (name, p.is_user(), is_guest(p.user_type.as_deref(), p.user_principal_name.as_deref()), p.account_enabled)
            }
            None => (id.to_owned(), true, false, None),
        }
    };
    let mut out = Vec::new();
    let afile = snap.path(Endpoint::RoleAssignments.file());
    for (i, a) in active.iter().enumerate() {
        let Some((template, name)) = role(&a.role_definition_id) else { continue };
        let sched = schedules.map(|s| {
            s.iter()
                .filter(|s| s.principal_id == a.principal_id && s.role_definition_id == a.role_definition_id)
                .collect::<Vec<_>>()
        });
        if sched.as_ref().is_some_and(|s| !s.is_empty() && s.iter().all(|s| s.is_activated())) {
            continue; // a just-in-time activation of an eligible assignment
        }
        let permanent = sched.map(|s| s.is_empty() || s.iter().any(|s| !s.is_activated() && s.is_permanent()));
        let (principal, is_user, guest, enabled) = who(&a.principal_id, a.principal.as_ref());
        out.push(Assignment {
            principal_id: a.principal_id.clone(),
            principal,
            is_user,
            is_guest: guest,
            enabled,
            role_template: template,
            role_name: name,
            kind: AssignmentKind::Active,
            permanent,
            source: EvidenceRef { file: afile.clone(), pointer: format!("/value/{i}") },
        });
    }
    let efile = snap.path(Endpoint::RoleEligibility.file());
    for (i, e) in eligible.iter().enumerate() {
        let Some((template, name)) = role(&e.role_definition_id) else { continue };
        let (principal, is_user, guest, enabled) = who(&e.principal_id, e.principal.as_ref());
        out.push(Assignment {
            principal_id: e.principal_id.clone(),
            principal,
            is_user,
            is_guest: guest,
            enabled,
            role_template: template,
            role_name: name,
            kind: AssignmentKind::Eligible,
            permanent: Some(false),
            source: EvidenceRef { file: efile.clone(), pointer: format!("/value/{i}") },
        });
    }
    Ok(out)
}

fn is_break_glass(ctx: &Ctx, a: &Assignment) -> bool {
    ctx.policy.controls.break_glass.iter().any(|(upn, _)| upn.eq_ignore_ascii_case(&a.principal) || *upn == a.principal_id)
}

fn describe(a: &Assignment) -> String {
    format!("{}: {} ({})", a.principal, a.role_name, a.kind.as_str())
}

fn with_sources(mut o: Outcome, list: &[&Assignment], fallback: &str) -> Outcome {
    for a in list.iter().take(30) {
        o.evidence.push(a.source.clone());
    }
    if o.evidence.is_empty() {
        o = o.evidence(fallback, "/value");
    }
    o
}

pub fn controls() -> Vec<Control> {
    vec![
        Control::new("access.global-admin-count", Domain::Access, "Between 2 and 4 Global Administrators", global_admin_count)
            .doc(
                "Number of distinct principals holding Global Administrator, active or eligible, break-glass accounts included.",
                "One Global Administrator is a single point of failure; more than four widens the most powerful attack surface in the tenant.",
                "Remove Global Administrator from people who can do their work with a narrower role (Exchange, User, Helpdesk Administrator), or add a second break-glass account.",
            )
            .weight(2)
            .params(&[
                Param { name: "min", default: 2.0, min: 1.0, max: 100.0, doc: "fewest Global Administrators" },
                Param { name: "max", default: 4.0, min: 1.0, max: 100.0, doc: "most Global Administrators" },
            ]),
        Control::new("access.break-glass", Domain::Access, "Break-glass accounts exist, are enabled and hold Global Administrator", break_glass)
            .doc(
                "Every break-glass account declared in controls.toml exists in users.json, is enabled and holds an active Global Administrator assignment.",
                "When Conditional Access or the identity provider locks everyone out, the emergency accounts are the only way back in; they must work on the day.",
                "Create two cloud-only accounts on the onmicrosoft.com domain, assign Global Administrator permanently, protect them with FIDO2 keys, and list them in `[access] break_glass`.",
            )
            .weight(2),
        Control::new("access.pim-standing-privilege", Domain::Access, "Privileged roles are held through PIM, not standing", pim_standing)
            .doc(
                "No user holds a privileged role through a permanent active assignment; roles are eligible in Privileged Identity Management and activated just in time. Break-glass accounts are exempt.",
                "Standing privilege means a stolen session is an admin session at any hour; PIM limits it to approved, time-boxed activations.",
                "Convert the listed permanent assignments to eligible ones in Entra ID > Privileged Identity Management > Roles.",
            )
            .weight(2),
        Control::new("access.guest-admins", Domain::Access, "No guests in privileged roles", guest_admins)
            .doc(
                "No guest (userType Guest, or an #EXT# account) holds a privileged directory role, active or eligible.",
                "A guest's credentials, MFA and offboarding are controlled by another organisation: the client cannot vouch for them.",
                "Remove the role from the guest; if the person needs it, give them a member account in the tenant under the client's own lifecycle.",
            )
            .weight(2),
        Control::new("access.stale-admins", Domain::Access, "No privileged account unused for 90 days", stale_admins)
            .doc(
                "Every user holding a privileged role signed in (interactive or not) within the threshold before the snapshot; disabled accounts holding roles are listed too.",
                "Unused admin accounts are forgotten accounts: nobody notices when someone else starts using them.",
                "Remove the role (or the account) from the listed users; test break-glass accounts at least quarterly so they sign in.",
            )
            .params(&[Param { name: "max_days", default: 90.0, min: 1.0, max: 3650.0, doc: "days without sign-in after which an admin is stale" }]),
        Control::new("access.approved-assignments", Domain::Access, "Privileged assignments match the approved list", approved_assignments)
            .doc(
                "Every privileged role assignment in the tenant appears in `[[approved_assignment]]` of controls.toml with the same principal, role and kind (eligible or active); approved entries with no assignment are listed too.",
                "Drift from the approved list is how privilege creeps: a temporary assignment nobody removed, or a change made outside the change process.",
                "Remove unapproved assignments in the tenant, or get the change approved and add it to controls.toml in a reviewed pull request.",
            )
            .weight(2),
        Control::new("access.role-changes", Domain::Access, "Privileged role changes since last month are reviewed", role_changes)
            .doc(
                "Privileged role assignments added or removed since the previous month's snapshot; passes when every addition is on the approved list.",
                "Monthly review of privilege changes is what auditors ask for first; an unapproved addition is the classic sign of compromise or shortcut.",
                "Review each listed change against its change ticket; add approved additions to controls.toml and reverse the rest.",
            ),
    ]
}

fn roles_file(ctx: &Ctx) -> String {
    ctx.snap.path(Endpoint::RoleAssignments.file())
}

fn global_admin_count(ctx: &Ctx, c: &Control) -> Result<Outcome, Missing> {
    let all = privileged_assignments(ctx, ctx.snap)?;
    let ga: Vec<&Assignment> = all.iter().filter(|a| a.role_template == GLOBAL_ADMIN).collect();
    let holders: BTreeSet<&str> = ga.iter().map(|a| a.principal.as_str()).collect();
    let (min, min_at) = ctx.param(c, "min");
    let (max, max_at) = ctx.param(c, "max");
    let n = holders.len() as f64;
    let o = Outcome::check(
        n >= min && n <= max,
        format!("{} Global Administrators", holders.len()),
        format!("{} Global Administrators, expected {min}–{max}", holders.len()),
    )
    .measured(holders.len().to_string())
    .value(n)
    .threshold(format!("{min}–{max}"))
    .items(ga.iter().map(|a| describe(a)))
    .policy(min_at.into_iter().chain(max_at));
    Ok(with_sources(o, &ga, &roles_file(ctx)))
}

fn break_glass(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let declared = &ctx.policy.controls.break_glass;
    if declared.is_empty() {
        return Ok(Outcome::fail("no break-glass accounts are declared in controls.toml `[access] break_glass`")
            .measured("0 declared")
            .threshold("at least 1 declared")
            .policy([At::file_start(&ctx.policy.controls.file)]));
    }
    let users = ctx.snap.users.get()?;
    let all = privileged_assignments(ctx, ctx.snap)?;
    let ufile = ctx.snap.path(Endpoint::Users.file());
    let mut problems = Vec::new();
    let mut o = Outcome::pass("");
    for (upn, at) in declared {
        let found = users.iter().enumerate().find(|(_, u)| u.user_principal_name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(upn)));
        let Some((i, u)) = found else {
            problems.push(format!("{upn}: not found in users.json"));
            o.policy.push(at.clone());
            continue;
        };
        o.evidence.push(EvidenceRef { file: ufile.clone(), pointer: format!("/value/{i}") });
        if u.account_enabled == Some(false) {
            problems.push(format!("{upn}: account disabled"));
            o.policy.push(at.clone());
        }
        let ga = all.iter().any(|a| a.principal_id == u.id && a.role_template == GLOBAL_ADMIN && a.kind == AssignmentKind::Active);
        if !ga {
            problems.push(format!("{upn}: holds no active Global Administrator assignment"));
            o.policy.push(at.clone());
        }
    }
    let ok = declared.len() - problems.iter().map(|p| p.split(':').next().unwrap_or_default()).collect::<BTreeSet<_>>().len();
    o.status = if problems.is_empty() { Status::Pass } else { Status::Fail };
    o.message = if problems.is_empty() {
        format!("all {} break-glass accounts exist, are enabled and hold Global Administrator", declared.len())
    } else {
        format!("{} problem(s) with the {} declared break-glass accounts", problems.len(), declared.len())
    };
    Ok(o.measured(format!("{ok}/{} ready", declared.len())).threshold("all declared accounts ready").items(problems))
}

fn pim_standing(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    if !ctx.policy.controls.pim {
        return Ok(Outcome::na("controls.toml declares `pim = false`: privileged roles are not managed through PIM")
            .policy([At::file_start(&ctx.policy.controls.file)]));
    }
    ctx.snap.role_schedules.get()?;
    let all = privileged_assignments(ctx, ctx.snap)?;
    let standing: Vec<&Assignment> = all
        .iter()
        .filter(|a| a.kind == AssignmentKind::Active && a.permanent != Some(false) && a.is_user && !is_break_glass(ctx, a))
        .collect();
    let o = Outcome::check(
        standing.is_empty(),
        "no standing privileged assignments outside break-glass",
        format!("{} permanent active privileged assignments outside break-glass", standing.len()),
    )
    .measured(standing.len().to_string())
    .threshold("0")
    .items(standing.iter().map(|a| describe(a)));
    Ok(with_sources(o, &standing, &ctx.snap.path(Endpoint::RoleAssignmentSchedules.file())))
}

fn guest_admins(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let all = privileged_assignments(ctx, ctx.snap)?;
    let guests: Vec<&Assignment> = all.iter().filter(|a| a.is_guest).collect();
    let o = Outcome::check(guests.is_empty(), "no guest holds a privileged role", format!("{} privileged assignments held by guests", guests.len()))
        .measured(guests.len().to_string())
        .threshold("0")
        .items(guests.iter().map(|a| describe(a)));
    Ok(with_sources(o, &guests, &roles_file(ctx)))
}

fn stale_admins(ctx: &Ctx, c: &Control) -> Result<Outcome, Missing> {
    let users = ctx.snap.sign_in_activity()?;
    let all = privileged_assignments(ctx, ctx.snap)?;
    let (max_days, at) = ctx.param(c, "max_days");
    let reference = reference_time(ctx);
    let cutoff = reference.saturating_sub(jiff::SignedDuration::from_hours((max_days * 24.0) as i64)).unwrap_or(reference);
    let ufile = ctx.snap.path(Endpoint::Users.file());
    let mut seen = BTreeSet::new();
    let mut items = Vec::new();
    let mut o = Outcome::pass("");
    for a in all.iter().filter(|a| a.is_user) {
        if !seen.insert(a.principal_id.as_str()) {
            continue;
        }
        let Some((i, u)) = users.iter().enumerate().find(|(_, u)| u.id == a.principal_id) else { continue };
        let problem = if u.account_enabled == Some(false) {
            Some("account disabled but holds a privileged role".to_owned())
        } else {
            match u.last_sign_in() {
                Some(t) if t >= cutoff => None,
                Some(t) => Some(format!("last sign-in {} ({} days before the snapshot)", t.strftime("%Y-%m-%d"), (reference.as_second() - t.as_second()) / 86_400)),
                None if u.created_date_time.is_some_and(|c| c >= cutoff) => None,
                None => Some("never signed in".to_owned()),
            }
        };
        if let Some(p) = problem {
            items.push(format!("{}: {p}", u.name()));
            o.evidence.push(EvidenceRef { file: ufile.clone(), pointer: format!("/value/{i}/signInActivity") });
        }
    }
    o.status = if items.is_empty() { Status::Pass } else { Status::Fail };
    o.message = if items.is_empty() {
        format!("every privileged user signed in within {max_days} days")
    } else {
        format!("{} privileged users have not signed in within {max_days} days", items.len())
    };
    if o.evidence.is_empty() {
        o = o.evidence(ufile, "/value");
    }
    Ok(o.measured(format!("{} stale", items.len())).threshold(format!("sign-in within {max_days} days")).items(items).policy(at))
}

/// The instant a snapshot describes: when it was collected, else the end of its month.
pub fn reference_time(ctx: &Ctx) -> jiff::Timestamp {
    ctx.snap
        .manifest
        .ok()
        .and_then(|m| m.collected_at.parse::<jiff::Timestamp>().ok())
        .filter(|t| ctx.month.contains(*t))
        .unwrap_or_else(|| ctx.month.end())
}

fn matches_approved(ctx: &Ctx, a: &Assignment) -> bool {
    ctx.policy.controls.approved.iter().any(|p| {
        (p.principal.eq_ignore_ascii_case(&a.principal) || p.principal == a.principal_id)
            && p.role.eq_ignore_ascii_case(&a.role_name)
            && p.assignment == a.kind
    })
}

fn approved_assignments(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let all = privileged_assignments(ctx, ctx.snap)?;
    let unapproved: Vec<&Assignment> = all.iter().filter(|a| !matches_approved(ctx, a)).collect();
    let absent: Vec<&crate::policy::ApprovedAssignment> = ctx
        .policy
        .controls
        .approved
        .iter()
        .filter(|p| {
            !all.iter().any(|a| {
                (p.principal.eq_ignore_ascii_case(&a.principal) || p.principal == a.principal_id)
                    && p.role.eq_ignore_ascii_case(&a.role_name)
                    && p.assignment == a.kind
            })
        })
        .collect();
    let mut items: Vec<String> = unapproved.iter().map(|a| format!("not approved: {}", describe(a))).collect();
    items.extend(absent.iter().map(|p| format!("approved but not assigned: {}: {} ({})", p.principal, p.role, p.assignment.as_str())));
    let status = if !unapproved.is_empty() {
        Status::Fail
    } else if !absent.is_empty() {
        Status::Warn
    } else {
        Status::Pass
    };
    let message = match status {
        Status::Pass => format!("all {} privileged assignments are approved", all.len()),
        Status::Warn => format!("{} approved assignments no longer exist in the tenant", absent.len()),
        _ => format!("{} of {} privileged assignments are not on the approved list", unapproved.len(), all.len()),
    };
    let o = Outcome::new(status, message)
        .measured(format!("{}/{} approved", all.len() - unapproved.len(), all.len()))
        .threshold("all approved")
        .items(items)
        .policy(absent.iter().map(|p| p.at.clone()));
    let mut o = with_sources(o, &unapproved, &roles_file(ctx));
    if unapproved.is_empty() && absent.is_empty() {
        o.policy.push(At::file_start(&ctx.policy.controls.file));
    }
    Ok(o)
}

/// Privileged assignments added and removed between the previous snapshot and this one.
pub fn changes(ctx: &Ctx) -> Result<Option<Vec<(RoleChange, Option<Assignment>)>>, Missing> {
    let Some(prev) = ctx.prev else { return Ok(None) };
    let now = privileged_assignments(ctx, ctx.snap)?;
    let before = privileged_assignments(ctx, prev)?;
    let key = |a: &Assignment| (a.principal_id.clone(), a.role_template.clone(), a.kind);
    let before_keys: BTreeSet<_> = before.iter().map(key).collect();
    let now_keys: BTreeSet<_> = now.iter().map(key).collect();
    let change = |kind: &str, a: &Assignment| RoleChange {
        change: kind.to_owned(),
        principal: a.principal.clone(),
        role: a.role_name.clone(),
        assignment: a.kind.as_str().to_owned(),
    };
    let mut out: Vec<(RoleChange, Option<Assignment>)> = now
        .iter()
        .filter(|a| !before_keys.contains(&key(a)))
        .map(|a| (change("added", a), Some(a.clone())))
        .collect();
    out.extend(before.iter().filter(|a| !now_keys.contains(&key(a))).map(|a| (change("removed", a), None)));
    out.sort_by(|a, b| (&a.0.change, &a.0.principal, &a.0.role).cmp(&(&b.0.change, &b.0.principal, &b.0.role)));
    out.dedup_by(|a, b| a.0 == b.0);
    Ok(Some(out))
}

fn role_changes(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let Some(list) = changes(ctx)? else {
        return Ok(Outcome::na(format!("no snapshot for {} to compare with", ctx.month.prev())));
    };
    let audits = ctx
        .snap
        .audits
        .ok()
        .map(|a| a.iter().filter(|e| e.category.as_deref() == Some("RoleManagement") && e.activity_date_time.is_some_and(|t| ctx.month.contains(t))).count());
    let unapproved: Vec<&Assignment> = list.iter().filter_map(|(_, a)| a.as_ref()).filter(|a| !matches_approved(ctx, a)).collect();
    let audit_note = audits.map_or_else(String::new, |n| format!("; {n} role-management events in the audit log"));
    let items = list.iter().map(|(c, a)| {
        let flag = if a.as_ref().is_some_and(|a| !matches_approved(ctx, a)) { " — not approved" } else { "" };
        format!("{}: {}: {} ({}){flag}", c.change, c.principal, c.role, c.assignment)
    });
    let o = if list.is_empty() {
        Outcome::pass(format!("no privileged role changes since {}{audit_note}", ctx.month.prev()))
    } else if unapproved.is_empty() {
        Outcome::pass(format!("{} privileged role changes since {}, all additions approved{audit_note}", list.len(), ctx.month.prev()))
    } else {
        Outcome::warn(format!("{} privileged role changes since {}; {} additions are not approved{audit_note}", list.len(), ctx.month.prev(), unapproved.len()))
    };
    let o = o.measured(format!("{} changes", list.len())).threshold("additions approved").items(items.collect::<Vec<_>>());
    let mut o = with_sources(o, &unapproved, &roles_file(ctx));
    if audits.is_some() {
        o = o.evidence(ctx.snap.path(Endpoint::DirectoryAudits.file()), "/value");
    }
    Ok(o)
}
