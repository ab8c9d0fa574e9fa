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
    (
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "Privileged Role Administrator",
    ),
    (
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
        "Privileged Authentication Administrator",
    ),
    (
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
        "Security Administrator",
    ),
    (
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
        "Exchange Administrator",
    ),
    (
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
        "SharePoint Administrator",
    ),
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator"),
    (
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        "Application Administrator",
    ),
    (
        "158c047a-c907-4556-b7ef-446551a6b5f7",
        "Cloud Application Administrator",
    ),
    (
        "c4e39bd9-1100-46d3-8c65-fb160da0071f",
        "Authentication Administrator",
    ),
    (
        "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
        "Conditional Access Administrator",
    ),
    (
        "3a2c62db-5318-420d-8d74-23affee5d9d5",
        "Intune Administrator",
    ),
    (
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        "Helpdesk Administrator",
    ),
    (
        "966707d0-3269-4727-9be2-8c3a10f19b9d",
        "Password Administrator",
    ),
    (
        "b0f54661-2d74-4c50-afa3-1ec803f12efe",
        "Billing Administrator",
    ),
    (
        "69091246-20e8-4a56-aa4d-066075b2a7a8",
        "Teams Administrator",
    ),
    (
        "17315797-102d-40b4-93e0-432062caca18",
        "Compliance Administrator",
    ),
    (
        "e6d1a23a-da11-4be4-9570-befc86d067a7",
        "Compliance Data Administrator",
    ),
    (
        "44367163-eba1-44c3-98af-f5787879f96a",
        "Dynamics 365 Administrator",
    ),
    (
        "11648597-926c-4cf3-9c36-bcebb0ba8dcc",
        "Power Platform Administrator",
    ),
    (
        "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2",
        "Hybrid Identity Administrator",
    ),
    (
        "e8cef6f1-e4bd-4ea8-bc07-4b8d950f4477",
        "Directory Synchronization Accounts",
    ),
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
    /// The principal's record was found (users.json, the expanded principal or the group
    /// membership file): without it, whether it is a guest is unknown.
    pub known: bool,
    /// A role-assignable group holding the role itself (its members hold it through it).
    pub is_group: bool,
    /// The group the role is held through, for a member of a role-assignable group.
    pub via_group: Option<String>,
    pub role_template: String,
    pub role_name: String,
    pub kind: AssignmentKind,
    /// A standing assignment with no end date (`None` when PIM schedules are unavailable).
    pub permanent: Option<bool>,
    pub source: EvidenceRef,
}

/// Who holds privileged roles, and what the snapshot cannot say.
#[derive(Debug, Clone, Default)]
pub struct Privileged {
    /// Direct assignments (groups included) and, for each group, one per member.
    pub assignments: Vec<Assignment>,
    /// Groups holding a privileged role whose membership file is missing: their members
    /// are unknown.
    pub unresolved_groups: Vec<(Assignment, Missing)>,
    /// Assignments of roles whose definition is in neither roleDefinitions.json nor the
    /// built-in list: whether they are privileged is unknown.
    pub unknown_roles: Vec<(Assignment, Missing)>,
}

impl Privileged {
    /// Assignments made to a principal directly (not through a group's membership).
    pub fn direct(&self) -> impl Iterator<Item = &Assignment> {
        self.assignments.iter().filter(|a| a.via_group.is_none())
    }

    /// Principals that hold a role (group members instead of the groups themselves).
    pub fn holders(&self) -> impl Iterator<Item = &Assignment> {
        self.assignments.iter().filter(|a| !a.is_group)
    }
}

/// Is a role privileged? Unknown when its definition is not in the snapshot.
enum RoleKind {
    Privileged(String, String),
    NotPrivileged,
    Unknown(Missing),
}

/// Every privileged assignment in a snapshot: active ones from roleAssignments (minus
/// PIM activations) and eligible ones from roleEligibilitySchedules; a group's members
/// hold its roles. Eligibility that was not collected for lack of a licence or because
/// it does not apply counts as none.
pub fn privileged_assignments(
    ctx: &Ctx,
    snap: &crate::evidence::Snapshot,
) -> Result<Privileged, Missing> {
    let active = snap.role_assignments.get()?;
    let eligible = match snap.role_eligibility.get() {
        Ok(e) => e.as_slice(),
        Err(m)
            if m.reason.starts_with("not licensed") || m.reason.starts_with("not applicable") =>
        {
            &[]
        }
        Err(m) => return Err(m),
    };
    let schedules = snap.role_schedules.ok();
    let defs_slot = snap.role_definitions.get();
    let defs: HashMap<&str, (&str, &str, bool)> = defs_slot
        .as_ref()
        .map(|d| {
            d.iter()
                .map(|r| {
                    (
                        r.id.as_str(),
                        (
                            r.template_id.as_deref().unwrap_or(&r.id),
                            r.display_name.as_str(),
                            r.is_privileged == Some(true),
                        ),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let users: HashMap<&str, &crate::evidence::graph::User> = snap
        .users
        .ok()
        .map(|u| u.iter().map(|u| (u.id.as_str(), u)).collect())
        .unwrap_or_default();
    let extra = &ctx.policy.controls.extra_privileged_roles;
    let dfile = snap.path(Endpoint::RoleDefinitions.file());
    let role = |def_id: &str| -> RoleKind {
        let found = defs.get(def_id).copied();
        let template = found.map_or(def_id, |f| f.0);
        let builtin = PRIVILEGED_ROLES
            .iter()
            .find(|(t, _)| t.eq_ignore_ascii_case(template));
        let Some((template, name, flagged)) = found.or(builtin.map(|b| (b.0, b.1, true))) else {
            // Neither defined in the snapshot nor a built-in privileged role.
            return RoleKind::Unknown(match &defs_slot {
                Err(m) => m.clone(),
                Ok(_) => Missing {
                    file: dfile.clone(),
                    reason: format!("role definition {def_id} is not in roleDefinitions.json"),
                },
            });
        };
        let privileged =
            builtin.is_some() || flagged || extra.iter().any(|e| e.eq_ignore_ascii_case(name));
        if privileged {
            RoleKind::Privileged(template.to_ascii_lowercase(), name.to_owned())
        } else {
            RoleKind::NotPrivileged
        }
    };
    // (name, is_user, is_guest, enabled, known, is_group)
    let who = |id: &str, p: Option<&Principal>| -> (String, bool, bool, Option<bool>, bool, bool) {
        if let Some(u) = users.get(id) {
            return (
                u.name().to_owned(),
                true,
                u.is_guest(),
                u.account_enabled,
                true,
                false,
            );
        }
        let group_file = snap.group_members.contains_key(&id.to_ascii_lowercase());
        match p {
            Some(p) => {
                let name = p
                    .user_principal_name
                    .clone()
                    .or(p.display_name.clone())
                    .unwrap_or_else(|| id.to_owned());
                (
                    name,
                    p.is_user() && !group_file,
                    is_guest(p.user_type.as_deref(), p.user_principal_name.as_deref()),
                    p.account_enabled,
                    true,
                    is_group(p) || group_file,
                )
            }
            // Eligibility is not expanded: a membership file says it is a group.
            None if group_file => (id.to_owned(), false, false, None, true, true),
            None => (id.to_owned(), true, false, None, false, false),
        }
    };
    let mut out = Privileged::default();
    let push = |out: &mut Privileged, a: Assignment, role: RoleKind| match role {
        RoleKind::NotPrivileged => {}
        RoleKind::Unknown(m) => out.unknown_roles.push((a, m)),
        RoleKind::Privileged(template, name) => {
            let a = Assignment {
                role_template: template,
                role_name: name,
                ..a
            };
            if a.is_group {
                match snap.group_members(&a.principal_id, &a.principal) {
                    Ok(members) => {
                        for m in members.iter().filter(|m| is_holder(m)) {
                            let (principal, is_user, guest, enabled, _, _) = who(&m.id, Some(m));
                            out.assignments.push(Assignment {
                                principal_id: m.id.clone(),
                                principal,
                                is_user,
                                is_guest: guest,
                                enabled,
                                known: true,
                                is_group: false,
                                via_group: Some(a.principal.clone()),
                                ..a.clone()
                            });
                        }
                    }
                    Err(m) => out.unresolved_groups.push((a.clone(), m)),
                }
            }
            out.assignments.push(a);
        }
    };
    let afile = snap.path(Endpoint::RoleAssignments.file());
    for (i, a) in active.iter().enumerate() {
        let sched = schedules.map(|s| {
            s.iter()
                .filter(|s| {
                    s.principal_id == a.principal_id && s.role_definition_id == a.role_definition_id
                })
                .collect::<Vec<_>>()
        });
        if sched
            .as_ref()
            .is_some_and(|s| !s.is_empty() && s.iter().all(|s| s.is_activated()))
        {
            continue; // a just-in-time activation of an eligible assignment
        }
        let permanent =
            sched.map(|s| s.is_empty() || s.iter().any(|s| !s.is_activated() && s.is_permanent()));
        let (principal, is_user, guest, enabled, known, group) =
            who(&a.principal_id, a.principal.as_ref());
        let assignment = Assignment {
            principal_id: a.principal_id.clone(),
            principal,
            is_user,
            is_guest: guest,
            enabled,
            known,
            is_group: group,
            via_group: None,
            role_template: a.role_definition_id.to_ascii_lowercase(),
            role_name: a.role_definition_id.clone(),
            kind: AssignmentKind::Active,
            permanent,
            source: EvidenceRef {
                file: afile.clone(),
                pointer: format!("/value/{i}"),
            },
        };
        push(&mut out, assignment, role(&a.role_definition_id));
    }
    let efile = snap.path(Endpoint::RoleEligibility.file());
    for (i, e) in eligible.iter().enumerate() {
        let (principal, is_user, guest, enabled, known, group) =
            who(&e.principal_id, e.principal.as_ref());
        let assignment = Assignment {
            principal_id: e.principal_id.clone(),
            principal,
            is_user,
            is_guest: guest,
            enabled,
            known,
            is_group: group,
            via_group: None,
            role_template: e.role_definition_id.to_ascii_lowercase(),
            role_name: e.role_definition_id.clone(),
            kind: AssignmentKind::Eligible,
            permanent: Some(false),
            source: EvidenceRef {
                file: efile.clone(),
                pointer: format!("/value/{i}"),
            },
        };
        push(&mut out, assignment, role(&e.role_definition_id));
    }
    Ok(out)
}

fn is_group(p: &Principal) -> bool {
    p.odata_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("#microsoft.graph.group"))
}

/// Members that hold a group's roles: users and service principals. Nested groups are
/// listed with their members already (transitive), and devices hold no roles.
fn is_holder(p: &Principal) -> bool {
    p.odata_type.as_deref().is_none_or(|t| {
        t.eq_ignore_ascii_case("#microsoft.graph.user")
            || t.eq_ignore_ascii_case("#microsoft.graph.servicePrincipal")
    })
}

/// Group principals holding roles in a snapshot (from the expanded principals of
/// roleAssignments and the membership files present), for the completeness check.
pub fn role_groups(snap: &crate::evidence::Snapshot) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = snap
        .role_assignments
        .ok()
        .into_iter()
        .flatten()
        .filter_map(|a| {
            let p = a.principal.as_ref().filter(|p| is_group(p))?;
            Some((
                a.principal_id.to_ascii_lowercase(),
                p.display_name
                    .clone()
                    .unwrap_or_else(|| a.principal_id.clone()),
            ))
        })
        .collect();
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// This month's privileged assignments, computed once per evaluation.
pub fn current_privileged<'c>(ctx: &'c Ctx) -> Result<&'c Privileged, Missing> {
    match ctx
        .assignments
        .get_or_init(|| privileged_assignments(ctx, ctx.snap))
    {
        Ok(a) => Ok(a),
        Err(m) => Err(m.clone()),
    }
}

/// This month's privileged assignments: direct ones and those held through groups.
pub fn current_assignments<'c>(ctx: &'c Ctx) -> Result<&'c [Assignment], Missing> {
    current_privileged(ctx).map(|p| p.assignments.as_slice())
}

/// An outcome for what the snapshot cannot say: `no_evidence`, each unknown named.
fn no_evidence(what: &str, unknowns: Vec<(String, Missing)>) -> Outcome {
    let mut o = Outcome::new(
        Status::NoEvidence,
        format!(
            "{} {what} cannot be judged: {}",
            unknowns.len(),
            unknowns
                .first()
                .map(|(_, m)| m.reason.clone())
                .unwrap_or_default()
        ),
    );
    let mut files = BTreeSet::new();
    for (item, m) in unknowns {
        o.items.push(format!("{item}: {}", m.reason));
        if files.insert(m.file.clone()) {
            o.evidence.push(EvidenceRef {
                file: m.file,
                pointer: String::new(),
            });
        }
    }
    o.items = capped(std::mem::take(&mut o.items), 100);
    o
}

/// Groups whose unknown members matter to a control, and roles of unknown privilege
/// held by principals the control would flag, as named unknowns.
fn unknowns_of(
    p: &Privileged,
    group: impl Fn(&Assignment) -> bool,
    role: impl Fn(&Assignment) -> bool,
) -> Vec<(String, Missing)> {
    let mut out: Vec<(String, Missing)> = p
        .unresolved_groups
        .iter()
        .filter(|(a, _)| group(a))
        .map(|(a, m)| {
            (
                format!(
                    "members of group {} ({} {})",
                    a.principal,
                    a.role_name,
                    a.kind.as_str()
                ),
                m.clone(),
            )
        })
        .collect();
    out.extend(
        p.unknown_roles
            .iter()
            .filter(|(a, _)| role(a))
            .map(|(a, m)| (format!("{}: role {}", a.principal, a.role_name), m.clone())),
    );
    out
}

fn is_break_glass(ctx: &Ctx, a: &Assignment) -> bool {
    ctx.policy
        .controls
        .break_glass
        .iter()
        .any(|(upn, _)| upn.eq_ignore_ascii_case(&a.principal) || *upn == a.principal_id)
}

fn describe(a: &Assignment) -> String {
    match &a.via_group {
        Some(g) => format!(
            "{}: {} ({}, through group {g})",
            a.principal,
            a.role_name,
            a.kind.as_str()
        ),
        None => format!("{}: {} ({})", a.principal, a.role_name, a.kind.as_str()),
    }
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

const GLOBAL_ADMINS_MIN: Param = Param {
    name: "min",
    default: 2.0,
    min: 1.0,
    max: 100.0,
    doc: "fewest Global Administrators",
    direction: Direction::HigherIsStricter,
};
const GLOBAL_ADMINS_MAX: Param = Param {
    name: "max",
    default: 4.0,
    min: 1.0,
    max: 100.0,
    doc: "most Global Administrators",
    direction: Direction::LowerIsStricter,
};
const STALE_MAX_DAYS: Param = Param {
    name: "max_days",
    default: 90.0,
    min: 1.0,
    max: 3650.0,
    doc: "days without sign-in after which an admin is stale",
    direction: Direction::LowerIsStricter,
};

pub fn controls() -> Vec<Control> {
    vec![
        Control::new("access.global-admin-count", Domain::Access, "Between 2 and 4 Global Administrators", global_admin_count)
            .doc(
                "Number of distinct principals holding Global Administrator, active or eligible, break-glass accounts included; the members of a role-assignable group holding it count, each naming the group. A group whose membership file (graph/groupMembers/<id>.json) is missing makes the count a lower bound: no_evidence unless it already exceeds the maximum.",
                "One Global Administrator is a single point of failure; more than four widens the most powerful attack surface in the tenant.",
                "Remove Global Administrator from people who can do their work with a narrower role (Exchange, User, Helpdesk Administrator), or add a second break-glass account.",
            )
            .weight(2)
            .params(&[GLOBAL_ADMINS_MIN, GLOBAL_ADMINS_MAX])
            .trend(Trend::GlobalAdmins),
        Control::new("access.break-glass", Domain::Access, "Break-glass accounts exist, are enabled and hold Global Administrator", break_glass)
            .doc(
                "Every break-glass account declared in controls.toml exists in users.json, is enabled and holds an active Global Administrator assignment.",
                "When Conditional Access or the identity provider locks everyone out, the emergency accounts are the only way back in; they must work on the day.",
                "Create two cloud-only accounts on the onmicrosoft.com domain, assign Global Administrator permanently, protect them with FIDO2 keys, and list them in `[access] break_glass`.",
            )
            .weight(2),
        Control::new("access.pim-standing-privilege", Domain::Access, "Privileged roles are held through PIM, not standing", pim_standing)
            .doc(
                "No user holds a privileged role through a permanent active assignment, directly or as a member of a role-assignable group holding one; roles are eligible in Privileged Identity Management and activated just in time. Break-glass accounts are exempt. A group with such an assignment whose members are unknown, or a role whose definition is missing, is no_evidence unless a standing assignment is already proven.",
                "Standing privilege means a stolen session is an admin session at any hour; PIM limits it to approved, time-boxed activations.",
                "Convert the listed permanent assignments to eligible ones in Entra ID > Privileged Identity Management > Roles.",
            )
            .weight(2),
        Control::new("access.guest-admins", Domain::Access, "No guests in privileged roles", guest_admins)
            .doc(
                "No guest (userType Guest, or an #EXT# account) holds a privileged directory role, active or eligible, directly or through a role-assignable group. A holder known by id alone (in neither users.json nor an expanded principal), a group whose members are unknown or a role whose definition is missing is no_evidence unless a guest is already proven.",
                "A guest's credentials, MFA and offboarding are controlled by another organisation: the client cannot vouch for them.",
                "Remove the role from the guest; if the person needs it, give them a member account in the tenant under the client's own lifecycle.",
            )
            .weight(2),
        Control::new("access.stale-admins", Domain::Access, "No privileged account unused for 90 days", stale_admins)
            .doc(
                "Every user holding a privileged role, directly or through a role-assignable group, signed in (interactive or not) within the threshold before the snapshot; disabled accounts holding roles are listed too. A holder absent from users.json, or a group whose members are unknown, has unknown sign-in activity: no_evidence unless a stale admin is already proven.",
                "Unused admin accounts are forgotten accounts: nobody notices when someone else starts using them.",
                "Remove the role (or the account) from the listed users; test break-glass accounts at least quarterly so they sign in.",
            )
            .params(&[STALE_MAX_DAYS]),
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
    let p = current_privileged(ctx)?;
    let ga: Vec<&Assignment> = p
        .holders()
        .filter(|a| a.role_template == GLOBAL_ADMIN)
        .collect();
    let holders: BTreeSet<&str> = ga.iter().map(|a| a.principal_id.as_str()).collect();
    let (min, min_at) = ctx.param(c, &GLOBAL_ADMINS_MIN);
    let (max, max_at) = ctx.param(c, &GLOBAL_ADMINS_MAX);
    let n = holders.len() as f64;
    // A group holding Global Administrator whose members are unknown: the count is a
    // lower bound, which proves only "too many".
    let unknown = unknowns_of(p, |a| a.role_template == GLOBAL_ADMIN, |_| false);
    if !unknown.is_empty() && n <= max {
        return Ok(no_evidence("Global Administrator holders", unknown)
            .measured(format!("at least {}", holders.len()))
            .threshold(format!("{min}–{max}"))
            .policy(min_at.into_iter().chain(max_at)));
    }
    let o = Outcome::check(
        n >= min && n <= max,
        format!("{} Global Administrators", holders.len()),
        format!(
            "{} Global Administrators, expected {min}–{max}",
            holders.len()
        ),
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
        if u.account_enabled == Some(false) {
            problems.push(format!("{upn}: account disabled"));
            o.policy.push(at.clone());
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
            "{} problem(s) with the {} declared break-glass accounts",
            problems.len(),
            declared.len()
        )
    };
    Ok(o.measured(format!("{ok}/{} ready", declared.len()))
        .threshold("all declared accounts ready")
        .items(problems))
}

fn pim_standing(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    if !ctx.policy.controls.pim {
        return Ok(Outcome::na(
            "controls.toml declares `pim = false`: privileged roles are not managed through PIM",
        )
        .policy([At::file_start(&ctx.policy.controls.file)]));
    }
    ctx.snap.role_schedules.get()?;
    let p = current_privileged(ctx)?;
    let standing_kind =
        |a: &Assignment| a.kind == AssignmentKind::Active && a.permanent != Some(false);
    let standing: Vec<&Assignment> = p
        .holders()
        .filter(|a| standing_kind(a) && a.is_user && !is_break_glass(ctx, a))
        .collect();
    let unknown = unknowns_of(p, standing_kind, |a| {
        standing_kind(a) && a.is_user && !is_break_glass(ctx, a)
    });
    if standing.is_empty() && !unknown.is_empty() {
        return Ok(no_evidence("standing privileged assignments", unknown)
            .measured("unknown")
            .threshold("0"));
    }
    let mut items: Vec<String> = standing.iter().map(|a| describe(a)).collect();
    items.extend(unknown.iter().map(|(i, m)| format!("{i}: {}", m.reason)));
    let o = Outcome::check(
        standing.is_empty(),
        "no standing privileged assignments outside break-glass",
        format!(
            "{} permanent active privileged assignments outside break-glass",
            standing.len()
        ),
    )
    .measured(standing.len().to_string())
    .threshold("0")
    .items(items);
    Ok(with_sources(
        o,
        &standing,
        &ctx.snap.path(Endpoint::RoleAssignmentSchedules.file()),
    ))
}

fn guest_admins(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let p = current_privileged(ctx)?;
    let guests: Vec<&Assignment> = p.holders().filter(|a| a.is_guest).collect();
    // A holder known by id alone (not in users.json, principal not expanded) may be a guest.
    let mut unknown: Vec<(String, Missing)> = p
        .holders()
        .filter(|a| !a.known)
        .map(|a| {
            (
                describe(a),
                Missing {
                    file: ctx.snap.path(Endpoint::Users.file()),
                    reason: format!(
                        "{} is not in users.json: whether it is a guest is unknown",
                        a.principal_id
                    ),
                },
            )
        })
        .collect();
    unknown.extend(unknowns_of(p, |_| true, |a| a.is_guest || !a.known));
    if guests.is_empty() && !unknown.is_empty() {
        return Ok(no_evidence("privileged principals", unknown)
            .measured("unknown")
            .threshold("0"));
    }
    let o = Outcome::check(
        guests.is_empty(),
        "no guest holds a privileged role",
        format!("{} privileged assignments held by guests", guests.len()),
    )
    .measured(guests.len().to_string())
    .threshold("0")
    .items(guests.iter().map(|a| describe(a)));
    Ok(with_sources(o, &guests, &roles_file(ctx)))
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
    for a in p.holders().filter(|a| a.is_user) {
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
            "{} privileged users have not signed in within {max_days} days",
            items.len()
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

/// The instant a snapshot describes: when it was collected, else the end of its month.
pub fn reference_time(ctx: &Ctx) -> jiff::Timestamp {
    ctx.snap
        .manifest
        .ok()
        .and_then(|m| m.collected_at.parse::<jiff::Timestamp>().ok())
        .filter(|t| ctx.month.contains(*t))
        .unwrap_or_else(|| ctx.month.end())
}

/// An approved entry names an assignment by UPN (or object id), role name and kind.
fn approves(p: &crate::policy::ApprovedAssignment, a: &Assignment) -> bool {
    (p.principal.eq_ignore_ascii_case(&a.principal) || p.principal == a.principal_id)
        && p.role.eq_ignore_ascii_case(&a.role_name)
        && p.assignment == a.kind
}

fn matches_approved(ctx: &Ctx, a: &Assignment) -> bool {
    ctx.policy.controls.approved.iter().any(|p| approves(p, a))
}

fn approved_assignments(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let p = current_privileged(ctx)?;
    // The approved list names assignments, not the members a group passes them on to.
    let all: Vec<&Assignment> = p.direct().collect();
    let all = all.as_slice();
    let unapproved: Vec<&Assignment> = all
        .iter()
        .copied()
        .filter(|a| !matches_approved(ctx, a))
        .collect();
    let unknown = unknowns_of(
        p,
        |_| false,
        |a| a.via_group.is_none() && !matches_approved(ctx, a),
    );
    if unapproved.is_empty() && !unknown.is_empty() {
        return Ok(no_evidence("role assignments", unknown)
            .measured("unknown")
            .threshold("all approved"));
    }
    let absent: Vec<&crate::policy::ApprovedAssignment> = ctx
        .policy
        .controls
        .approved
        .iter()
        .filter(|p| !all.iter().any(|a| approves(p, a)))
        .collect();
    let mut items: Vec<String> = unapproved
        .iter()
        .map(|a| format!("not approved: {}", describe(a)))
        .collect();
    items.extend(absent.iter().map(|p| {
        format!(
            "approved but not assigned: {}: {} ({})",
            p.principal,
            p.role,
            p.assignment.as_str()
        )
    }));
    let status = if !unapproved.is_empty() {
        Status::Fail
    } else if !absent.is_empty() {
        Status::Warn
    } else {
        Status::Pass
    };
    let message = match status {
        Status::Pass => format!("all {} privileged assignments are approved", all.len()),
        Status::Warn => format!(
            "{} approved assignments no longer exist in the tenant",
            absent.len()
        ),
        _ => format!(
            "{} of {} privileged assignments are not on the approved list",
            unapproved.len(),
            all.len()
        ),
    };
    let o = Outcome::new(status, message)
        .measured(format!(
            "{}/{} approved",
            all.len() - unapproved.len(),
            all.len()
        ))
        .threshold("all approved")
        .items(items)
        .policy(absent.iter().map(|p| p.at.clone()));
    let mut o = with_sources(o, &unapproved, &roles_file(ctx));
    if unapproved.is_empty() && absent.is_empty() {
        o.policy.push(At::file_start(&ctx.policy.controls.file));
    }
    Ok(o)
}

/// Role changes, each with the assignment when it was an addition.
pub type Changes = Vec<(RoleChange, Option<Assignment>)>;

/// Privileged assignments added and removed between the previous snapshot and this one.
pub fn changes(ctx: &Ctx) -> Result<Option<Changes>, Missing> {
    let Some(prev) = ctx.prev else {
        return Ok(None);
    };
    // Changes to who is assigned a role; a group's membership is not an assignment.
    let now: Vec<&Assignment> = current_privileged(ctx)?.direct().collect();
    let before = privileged_assignments(ctx, prev)?;
    let before: Vec<&Assignment> = before.direct().collect();
    let key = |a: &Assignment| (a.principal_id.clone(), a.role_template.clone(), a.kind);
    let before_keys: BTreeSet<_> = before.iter().map(|a| key(a)).collect();
    let now_keys: BTreeSet<_> = now.iter().map(|a| key(a)).collect();
    let change = |kind: &str, a: &Assignment| RoleChange {
        change: kind.to_owned(),
        principal: a.principal.clone(),
        role: a.role_name.clone(),
        assignment: a.kind.as_str().to_owned(),
    };
    let mut out: Vec<(RoleChange, Option<Assignment>)> = now
        .iter()
        .filter(|a| !before_keys.contains(&key(a)))
        .map(|a| (change("added", a), Some((*a).clone())))
        .collect();
    out.extend(
        before
            .iter()
            .filter(|a| !now_keys.contains(&key(a)))
            .map(|a| (change("removed", a), None)),
    );
    out.sort_by(|a, b| {
        (&a.0.change, &a.0.principal, &a.0.role).cmp(&(&b.0.change, &b.0.principal, &b.0.role))
    });
    out.dedup_by(|a, b| a.0 == b.0);
    Ok(Some(out))
}

fn role_changes(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let Some(list) = changes(ctx)? else {
        return Ok(Outcome::na(format!(
            "no snapshot for {} to compare with",
            ctx.month.prev()
        )));
    };
    let audits = ctx.snap.audits.ok().map(|a| {
        a.iter()
            .filter(|e| {
                e.category.as_deref() == Some("RoleManagement")
                    && e.activity_date_time.is_some_and(|t| ctx.month.contains(t))
            })
            .count()
    });
    let unapproved: Vec<&Assignment> = list
        .iter()
        .filter_map(|(_, a)| a.as_ref())
        .filter(|a| !matches_approved(ctx, a))
        .collect();
    let audit_note = audits.map_or_else(String::new, |n| {
        format!("; {n} role-management events in the audit log")
    });
    let items = list.iter().map(|(c, a)| {
        let flag = if a.as_ref().is_some_and(|a| !matches_approved(ctx, a)) {
            " — not approved"
        } else {
            ""
        };
        format!(
            "{}: {}: {} ({}){flag}",
            c.change, c.principal, c.role, c.assignment
        )
    });
    let o = if list.is_empty() {
        Outcome::pass(format!(
            "no privileged role changes since {}{audit_note}",
            ctx.month.prev()
        ))
    } else if unapproved.is_empty() {
        Outcome::pass(format!(
            "{} privileged role changes since {}, all additions approved{audit_note}",
            list.len(),
            ctx.month.prev()
        ))
    } else {
        Outcome::warn(format!(
            "{} privileged role changes since {}; {} additions are not approved{audit_note}",
            list.len(),
            ctx.month.prev(),
            unapproved.len()
        ))
    };
    let o = o
        .measured(format!("{} changes", list.len()))
        .threshold("additions approved")
        .items(items.collect::<Vec<_>>());
    let mut o = with_sources(o, &unapproved, &roles_file(ctx));
    if audits.is_some() {
        o = o.evidence(ctx.snap.path(Endpoint::DirectoryAudits.file()), "/value");
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use crate::controls::testing::{CONTROLS_TOML, Fx, MONTH, PREV};
    use crate::scorecard::Status;

    const BG1: &str = "b0000000-0000-0000-0000-000000000001";
    const BG2: &str = "b0000000-0000-0000-0000-000000000002";
    const ALICE: &str = "a0000000-0000-0000-0000-000000000001";
    const BOB: &str = "a0000000-0000-0000-0000-000000000002";
    const CAROL: &str = "a0000000-0000-0000-0000-000000000003";
    const GA: &str = "62e90394-69f5-4237-9190-012177145e10";
    const EXCHANGE_ADMIN: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
    const CLOUD_APP_ADMIN: &str = "158c047a-c907-4556-b7ef-446551a6b5f7";
    const ROLES_FILE: &str = "evidence/acme/2026-11/graph/roleAssignments.json";
    const ELIG_FILE: &str = "evidence/acme/2026-11/graph/roleEligibilitySchedules.json";
    const USERS_FILE: &str = "evidence/acme/2026-11/graph/users.json";

    /// A users.json record with Graph's signInActivity quirks: "never" is written as
    /// `0001-01-01T00:00:00Z`, `""` or `null`.
    fn user_with(id: &str, upn: &str, kind: &str, enabled: bool, sign_in: &str) -> String {
        format!(
            r#"{{"id":"{id}","displayName":"{upn}","userPrincipalName":"{upn}","userType":"{kind}","accountEnabled":{enabled},"assignedLicenses":[{{"disabledPlans":[],"skuId":"06ebc4ee-1bb5-47dd-8120-11324bc54e06"}}],"createdDateTime":"2023-02-01T09:00:00Z"{sign_in}}}"#
        )
    }

    fn signed_in(last: &str) -> String {
        format!(
            r#","signInActivity":{{"lastSignInDateTime":"{last}","lastSignInRequestId":"d4d31c40-4c36-4775-ad59-7d1e6a171f00","lastNonInteractiveSignInDateTime":"0001-01-01T00:00:00Z","lastNonInteractiveSignInRequestId":"","lastSuccessfulSignInDateTime":"","lastSuccessfulSignInRequestId":""}}"#
        )
    }

    fn user(id: &str, upn: &str, kind: &str, enabled: bool, last: &str) -> String {
        user_with(id, upn, kind, enabled, &signed_in(last))
    }

    fn default_users() -> Vec<String> {
        vec![
            user(
                BG1,
                "bg1@acme.onmicrosoft.com",
                "Member",
                true,
                "2026-11-02T10:00:00Z",
            ),
            user(
                BG2,
                "bg2@acme.onmicrosoft.com",
                "Member",
                true,
                "2026-11-02T10:05:00Z",
            ),
            user(
                ALICE,
                "alice@acme.example",
                "Member",
                true,
                "2026-11-20T08:00:00Z",
            ),
            user(
                BOB,
                "bob@acme.example",
                "member",
                true,
                "2026-11-21T08:00:00Z",
            ),
        ]
    }

    fn list(items: &[String]) -> String {
        format!(
            r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#x","value":[{}]}}"#,
            items.join(",")
        )
    }

    /// A roleAssignments record with `$expand=principal`.
    fn ra(principal_id: &str, role: &str, principal: &str) -> String {
        format!(
            r#"{{"id":"ra-{principal_id}-{role}","principalId":"{principal_id}","resourceScope":"/","directoryScopeId":"/","roleDefinitionId":"{role}","principal":{principal}}}"#
        )
    }

    fn user_principal(id: &str, upn: &str, kind: &str) -> String {
        format!(
            r##"{{"@odata.type":"#microsoft.graph.user","id":"{id}","accountEnabled":true,"displayName":"{upn}","userPrincipalName":"{upn}","userType":"{kind}"}}"##
        )
    }

    fn default_assignments() -> Vec<String> {
        vec![
            ra(
                BG1,
                GA,
                &user_principal(BG1, "bg1@acme.onmicrosoft.com", "Member"),
            ),
            ra(
                BG2,
                GA,
                &user_principal(BG2, "bg2@acme.onmicrosoft.com", "Member"),
            ),
        ]
    }

    /// A PIM schedule (eligibility or assignment), with `assignmentType` when given.
    fn schedule(
        principal_id: &str,
        role: &str,
        assignment_type: Option<&str>,
        end: Option<&str>,
    ) -> String {
        let kind = assignment_type
            .map(|t| format!(r#""assignmentType":"{t}","memberType":"Direct","#))
            .unwrap_or_default();
        let exp = match end {
            Some(e) => format!(r#"{{"type":"afterDateTime","endDateTime":"{e}","duration":null}}"#),
            None => r#"{"type":"noExpiration","endDateTime":null,"duration":null}"#.to_owned(),
        };
        format!(
            r#"{{"id":"s-{principal_id}-{role}","principalId":"{principal_id}","roleDefinitionId":"{role}","directoryScopeId":"/","appScopeId":null,"createdUsing":null,"createdDateTime":"2026-01-10T10:00:00Z","modifiedDateTime":"0001-01-01T08:00:00Z","status":"Provisioned",{kind}"scheduleInfo":{{"startDateTime":"2026-01-10T10:00:00Z","recurrence":null,"expiration":{exp}}}}}"#
        )
    }

    fn default_schedules() -> Vec<String> {
        vec![
            schedule(BG1, GA, Some("Assigned"), None),
            schedule(BG2, GA, Some("Assigned"), None),
        ]
    }

    fn eligible(principal_id: &str, role: &str) -> String {
        schedule(principal_id, role, None, None)
    }

    fn line_of(text: &str, needle: &str) -> usize {
        text.lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle}"))
            + 1
    }

    // ---- access.global-admin-count ----

    #[test]
    fn three_global_admins_pass() {
        let o = Fx::new().eval("access.global-admin-count");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.value, Some(3.0));
        assert_eq!(
            o.items,
            [
                "bg1@acme.onmicrosoft.com: Global Administrator (active)",
                "bg2@acme.onmicrosoft.com: Global Administrator (active)",
                "alice@acme.example: Global Administrator (eligible)"
            ]
        );
        assert_eq!(o.evidence[0].file, ROLES_FILE);
        assert_eq!(o.evidence[2].file, ELIG_FILE);
    }

    #[test]
    fn a_single_global_admin_fails() {
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&default_assignments()[..1]))
            .graph("roleEligibilitySchedules.json", &list(&[]))
            .eval("access.global-admin-count");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.message, "1 Global Administrators, expected 2–4");
        assert_eq!(
            o.items,
            ["bg1@acme.onmicrosoft.com: Global Administrator (active)"]
        );
        assert_eq!(o.evidence[0].pointer, "/value/0");
    }

    fn five_global_admins() -> Fx {
        let mut a = default_assignments();
        a.push(ra(
            BOB,
            GA,
            &user_principal(BOB, "bob@acme.example", "Member"),
        ));
        // Carol is not in users.json: her name comes from the expanded principal.
        a.push(ra(
            CAROL,
            GA,
            &user_principal(CAROL, "carol@acme.example", "Member"),
        ));
        Fx::new().graph("roleAssignments.json", &list(&a))
    }

    /// Regression: holders were counted by name, so two service principals (no UPN)
    /// with the same display name counted as one Global Administrator.
    #[test]
    fn global_admins_are_counted_by_object_id_not_name() {
        let sp = |id: &str| {
            format!(
                r##"{{"@odata.type":"#microsoft.graph.servicePrincipal","id":"{id}","displayName":"Automation"}}"##
            )
        };
        let mut a = default_assignments();
        a.push(ra(
            "5a000000-0000-0000-0000-000000000001",
            GA,
            &sp("5a000000-0000-0000-0000-000000000001"),
        ));
        a.push(ra(
            "5a000000-0000-0000-0000-000000000002",
            GA,
            &sp("5a000000-0000-0000-0000-000000000002"),
        ));
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .eval("access.global-admin-count");
        assert_eq!(o.measured.as_deref(), Some("5"), "{o:?}");
        assert_eq!(o.status, Status::Fail);
    }

    #[test]
    fn five_global_admins_fail_by_default() {
        let o = five_global_admins().eval("access.global-admin-count");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.message, "5 Global Administrators, expected 2–4");
        assert!(
            o.items
                .contains(&"carol@acme.example: Global Administrator (active)".to_owned()),
            "{:?}",
            o.items
        );
        assert!(o.policy.is_empty());
    }

    #[test]
    fn five_global_admins_pass_with_max_5() {
        let extra = "[thresholds]\n\"access.global-admin-count\" = { max = 5 }\n";
        let o = five_global_admins()
            .with_controls_extra(extra)
            .eval("access.global-admin-count");
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(o.threshold.as_deref(), Some("2–5"));
        assert_eq!(o.policy.len(), 1, "only `max` was set");
        assert_eq!(
            o.policy[0].line,
            line_of(
                &format!("{CONTROLS_TOML}\n{extra}"),
                "access.global-admin-count"
            )
        );
    }

    #[test]
    fn a_principal_both_active_and_eligible_counts_once_and_other_roles_do_not_count() {
        let mut a = default_assignments();
        a.push(ra(
            ALICE,
            GA,
            &user_principal(ALICE, "alice@acme.example", "Member"),
        ));
        a.push(ra(
            BOB,
            EXCHANGE_ADMIN,
            &user_principal(BOB, "bob@acme.example", "Member"),
        ));
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .eval("access.global-admin-count");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("3"));
        assert_eq!(
            o.items.len(),
            4,
            "both of alice's assignments are listed: {:?}",
            o.items
        );
    }

    #[test]
    fn global_admin_count_without_role_assignments_is_no_evidence() {
        let o = Fx::new()
            .without("graph/roleAssignments.json")
            .eval("access.global-admin-count");
        assert_eq!(o.status, Status::NoEvidence);
        assert_eq!(o.evidence[0].file, ROLES_FILE);
    }

    #[test]
    fn not_licensed_eligibility_counts_as_none() {
        let o = Fx::new()
            .missing_as(
                "graph/roleEligibilitySchedules.json",
                "not_licensed",
                "Entra ID P2 is required",
            )
            .eval("access.global-admin-count");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.value, Some(2.0));
    }

    // ---- access.break-glass ----

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

    // ---- access.pim-standing-privilege ----

    #[test]
    fn only_break_glass_standing_assignments_pass() {
        let o = Fx::new().eval("access.pim-standing-privilege");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("0"));
    }

    #[test]
    fn a_permanent_active_global_admin_outside_break_glass_fails() {
        let mut a = default_assignments();
        a.push(ra(
            BOB,
            GA,
            &user_principal(BOB, "bob@acme.example", "Member"),
        ));
        let mut s = default_schedules();
        s.push(schedule(BOB, GA, Some("Assigned"), None));
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .graph("roleAssignmentSchedules.json", &list(&s))
            .eval("access.pim-standing-privilege");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["bob@acme.example: Global Administrator (active)"]);
        assert_eq!(o.evidence[0].file, ROLES_FILE);
        assert_eq!(o.evidence[0].pointer, "/value/2");
    }

    #[test]
    fn an_active_assignment_without_any_schedule_counts_as_standing() {
        let mut a = default_assignments();
        a.push(ra(
            BOB,
            EXCHANGE_ADMIN,
            &user_principal(BOB, "bob@acme.example", "Member"),
        ));
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .eval("access.pim-standing-privilege");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            ["bob@acme.example: Exchange Administrator (active)"]
        );
    }

    #[test]
    fn jit_activations_and_time_bound_assignments_are_not_standing() {
        let mut a = default_assignments();
        a.push(ra(
            ALICE,
            GA,
            &user_principal(ALICE, "alice@acme.example", "Member"),
        ));
        a.push(ra(
            BOB,
            EXCHANGE_ADMIN,
            &user_principal(BOB, "bob@acme.example", "Member"),
        ));
        let mut s = default_schedules();
        s.push(schedule(
            ALICE,
            GA,
            Some("Activated"),
            Some("2026-11-23T11:00:00Z"),
        ));
        s.push(schedule(
            BOB,
            EXCHANGE_ADMIN,
            Some("Assigned"),
            Some("2026-12-31T00:00:00Z"),
        ));
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .graph("roleAssignmentSchedules.json", &list(&s))
            .eval("access.pim-standing-privilege");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn a_service_principal_with_standing_privilege_is_not_a_user() {
        let sp = r##"{"@odata.type":"#microsoft.graph.servicePrincipal","id":"c0000000-0000-0000-0000-0000000000a1","accountEnabled":true,"displayName":"Contoso Provisioning","appId":"1fec8e78-bce4-4aaf-ab1b-5451cc387264","servicePrincipalType":"Application"}"##;
        let mut a = default_assignments();
        a.push(ra(
            "c0000000-0000-0000-0000-0000000000a1",
            EXCHANGE_ADMIN,
            sp,
        ));
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .eval("access.pim-standing-privilege");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn pim_false_is_not_applicable() {
        let text = CONTROLS_TOML.replace("pim = true", "pim = false");
        let o = Fx::new()
            .policy("controls.toml", &text)
            .eval("access.pim-standing-privilege");
        assert_eq!(o.status, Status::NotApplicable);
        assert!(o.message.contains("pim = false"), "{}", o.message);
    }

    #[test]
    fn unlicensed_assignment_schedules_are_no_evidence() {
        let o = Fx::new()
            .missing_as(
                "graph/roleAssignmentSchedules.json",
                "not_licensed",
                "Entra ID P2 is required",
            )
            .eval("access.pim-standing-privilege");
        assert_eq!(o.status, Status::NoEvidence);
        assert_eq!(o.message, "not licensed: Entra ID P2 is required");
        assert_eq!(
            o.evidence[0].file,
            "evidence/acme/2026-11/graph/roleAssignmentSchedules.json"
        );
    }

    // ---- access.guest-admins ----

    #[test]
    fn no_guest_admins_pass() {
        let o = Fx::new().eval("access.guest-admins");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.evidence[0].pointer, "/value");
    }

    #[test]
    fn a_guest_principal_from_the_expanded_assignment_fails() {
        // As in Graph's own example: no UPN, only displayName and userType "Guest".
        let guest = r##"{"@odata.type":"#microsoft.graph.user","id":"6f87972e-2e7e-4b49-9980-eb3888bdcfe1","accountEnabled":true,"displayName":"Kalyan Krishna","imAddresses":[],"userType":"Guest"}"##;
        let mut a = default_assignments();
        a.push(ra("6f87972e-2e7e-4b49-9980-eb3888bdcfe1", GA, guest));
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .eval("access.guest-admins");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["Kalyan Krishna: Global Administrator (active)"]);
        assert_eq!(o.evidence[0].pointer, "/value/2");
    }

    #[test]
    fn an_ext_upn_is_a_guest_even_without_user_type() {
        // Cloud Application Administrator is not in roleDefinitions.json: the built-in list names it.
        let guest = r##"{"@odata.type":"#microsoft.graph.user","id":"e755e472-f2eb-4ea6-829d-5a908600fdb1","displayName":"Dana Ortiz","mail":"dana.ortiz@partner.example","userPrincipalName":"dana.ortiz_partner.example#EXT#@labtenant.onmicrosoft.com"}"##;
        let mut a = default_assignments();
        a.push(ra(
            "e755e472-f2eb-4ea6-829d-5a908600fdb1",
            CLOUD_APP_ADMIN,
            guest,
        ));
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .eval("access.guest-admins");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            [
                "dana.ortiz_partner.example#EXT#@labtenant.onmicrosoft.com: Cloud Application Administrator (active)"
            ]
        );
    }

    #[test]
    fn service_principal_members_are_not_guests() {
        let sp = r##"{"@odata.type":"#microsoft.graph.servicePrincipal","id":"13371536-9950-4988-90f4-343566456781","accountEnabled":true,"displayName":"graph2otel-poller","appId":"2c92ce28-126c-47c1-82b0-410b64502989","servicePrincipalType":"Application"}"##;
        let mut a = default_assignments();
        a.push(ra(
            "13371536-9950-4988-90f4-343566456781",
            CLOUD_APP_ADMIN,
            sp,
        ));
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .eval("access.guest-admins");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn an_eligible_guest_known_from_users_json_fails() {
        let mut u = default_users();
        u.push(user(
            "c0000000-0000-0000-0000-000000000007",
            "markie_partner.example#EXT#@acme.onmicrosoft.com",
            "guest",
            true,
            "2026-11-10T08:00:00Z",
        ));
        let e = [
            eligible(ALICE, GA),
            eligible("c0000000-0000-0000-0000-000000000007", EXCHANGE_ADMIN),
        ];
        let o = Fx::new()
            .graph("users.json", &list(&u))
            .graph("roleEligibilitySchedules.json", &list(&e))
            .eval("access.guest-admins");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            ["markie_partner.example#EXT#@acme.onmicrosoft.com: Exchange Administrator (eligible)"]
        );
        assert_eq!(o.evidence[0].file, ELIG_FILE);
        assert_eq!(o.evidence[0].pointer, "/value/1");
    }

    // ---- access.stale-admins ----

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

    // ---- unknown principals and roles ----

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
                "{ALICE}: Global Administrator (eligible): {ALICE} is not in users.json: its sign-in activity is unknown"
            )]
        );
        assert_eq!(o.evidence[0].file, USERS_FILE);
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
    fn an_eligible_principal_known_by_id_alone_is_no_evidence_for_guest_admins() {
        let e = [eligible(ALICE, GA), eligible(CAROL, EXCHANGE_ADMIN)];
        let o = Fx::new()
            .graph("roleEligibilitySchedules.json", &list(&e))
            .eval("access.guest-admins");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert_eq!(o.items.len(), 1);
        assert!(
            o.items[0].contains("is not in users.json: whether it is a guest is unknown"),
            "{:?}",
            o.items
        );
    }

    #[test]
    fn a_role_missing_from_role_definitions_held_by_a_guest_is_no_evidence() {
        let custom = "cccccccc-0000-0000-0000-00000000000c";
        let guest = r##"{"@odata.type":"#microsoft.graph.user","id":"c0000000-0000-0000-0000-000000000007","displayName":"Guest","userPrincipalName":"g_partner.example#EXT#@acme.onmicrosoft.com","userType":"Guest"}"##;
        let mut a = default_assignments();
        a.push(ra("c0000000-0000-0000-0000-000000000007", custom, guest));
        let fx = Fx::new().graph("roleAssignments.json", &list(&a));
        let o = fx.eval("access.guest-admins");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert!(
            o.items[0].ends_with(&format!(
                "role {custom}: role definition {custom} is not in roleDefinitions.json"
            )),
            "{:?}",
            o.items
        );
        // Defined and not privileged: the guest holds no privileged role.
        let defs = format!(
            r#"{{"value":[{{"id":"{GA}","displayName":"Global Administrator","templateId":"{GA}"}},{{"id":"{custom}","displayName":"Lunch Menu Reader","templateId":"{custom}","isPrivileged":false}}]}}"#
        );
        let o = fx
            .graph("roleDefinitions.json", &defs)
            .eval("access.guest-admins");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    // ---- roles held through role-assignable groups ----

    const GROUP: &str = "9a000000-0000-0000-0000-000000000001";
    const GROUP_FILE: &str = "graph/groupMembers/9a000000-0000-0000-0000-000000000001.json";

    fn group_principal() -> String {
        format!(
            r##"{{"@odata.type":"#microsoft.graph.group","id":"{GROUP}","displayName":"Tier0 Admins","isAssignableToRole":true}}"##
        )
    }

    /// `GET /groups/{{id}}/transitiveMembers` with users, a nested group and a device.
    fn members(users: &[(&str, &str, &str)]) -> String {
        let mut items: Vec<String> = users
            .iter()
            .map(|(id, upn, kind)| {
                format!(
                    r##"{{"@odata.type":"#microsoft.graph.user","id":"{id}","displayName":"{upn}","userPrincipalName":"{upn}","userType":"{kind}","accountEnabled":true}}"##
                )
            })
            .collect();
        items.push(r##"{"@odata.type":"#microsoft.graph.group","id":"9a000000-0000-0000-0000-000000000002","displayName":"Nested","userPrincipalName":null}"##.into());
        items.push(r##"{"@odata.type":"#microsoft.graph.device","id":"de000000-0000-0000-0000-000000000001","displayName":"PAW-01","accountEnabled":true}"##.into());
        format!(
            r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#directoryObjects","value":[{}]}}"#,
            items.join(",")
        )
    }

    fn group_holds_ga() -> Fx {
        let mut a = default_assignments();
        a.push(ra(GROUP, GA, &group_principal()));
        Fx::new().graph("roleAssignments.json", &list(&a))
    }

    #[test]
    fn global_admins_held_through_a_group_are_counted_and_name_the_group() {
        let o = group_holds_ga()
            .file(
                MONTH,
                GROUP_FILE,
                &members(&[
                    (BOB, "bob@acme.example", "Member"),
                    (CAROL, "carol@acme.example", "Member"),
                ]),
            )
            .eval("access.global-admin-count");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(
            o.measured.as_deref(),
            Some("5"),
            "bg1, bg2, alice, bob, carol"
        );
        assert!(
            o.items.contains(
                &"bob@acme.example: Global Administrator (active, through group Tier0 Admins)"
                    .to_owned()
            ),
            "{:?}",
            o.items
        );
    }

    #[test]
    fn a_group_holding_a_role_without_its_membership_file_is_no_evidence() {
        let fx = group_holds_ga();
        for id in [
            "access.global-admin-count",
            "access.guest-admins",
            "access.stale-admins",
            "access.pim-standing-privilege",
            "identity.mfa-admins",
        ] {
            let o = fx.eval(id);
            assert_eq!(o.status, Status::NoEvidence, "{id}: {o:?}");
            assert!(
                o.items
                    .iter()
                    .any(|i| i.starts_with("members of group Tier0 Admins")
                        && i.contains(
                            "groupMembers/9a000000-0000-0000-0000-000000000001.json not found"
                        )),
                "{id}: {:?}",
                o.items
            );
        }
        let o = fx.eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(
            o.items,
            [format!(
                "{GROUP_FILE}: missing and not explained by the manifest"
            )]
        );
        // Too many holders is proven even with the group's members unknown.
        let mut a = default_assignments();
        a.push(ra(GROUP, GA, &group_principal()));
        for (id, upn) in [(BOB, "bob@acme.example"), (CAROL, "carol@acme.example")] {
            a.push(ra(id, GA, &user_principal(id, upn, "Member")));
        }
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .eval("access.global-admin-count");
        assert_eq!(o.status, Status::Fail, "{o:?}");
    }

    #[test]
    fn a_guest_member_of_a_privileged_group_is_a_guest_admin() {
        let o = group_holds_ga()
            .file(
                MONTH,
                GROUP_FILE,
                &members(&[(
                    "c0000000-0000-0000-0000-000000000009",
                    "dana_partner.example#EXT#@acme.onmicrosoft.com",
                    "Guest",
                )]),
            )
            .eval("access.guest-admins");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(
            o.items,
            [
                "dana_partner.example#EXT#@acme.onmicrosoft.com: Global Administrator (active, through group Tier0 Admins)"
            ]
        );
    }

    #[test]
    fn a_permanent_group_assignment_gives_its_members_standing_privilege() {
        let o = group_holds_ga()
            .file(
                MONTH,
                GROUP_FILE,
                &members(&[(BOB, "bob@acme.example", "Member")]),
            )
            .eval("access.pim-standing-privilege");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(
            o.items,
            ["bob@acme.example: Global Administrator (active, through group Tier0 Admins)"]
        );
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

    #[test]
    fn an_eligible_group_known_by_its_membership_file_passes_its_role_to_members() {
        let e = [eligible(ALICE, GA), eligible(GROUP, GA)];
        let fx = Fx::new()
            .graph("roleEligibilitySchedules.json", &list(&e))
            .file(
                MONTH,
                GROUP_FILE,
                &members(&[(BOB, "bob@acme.example", "Member")]),
            );
        let o = fx.eval("access.global-admin-count");
        assert_eq!(o.measured.as_deref(), Some("4"), "{o:?}");
        assert!(
            o.items.contains(
                &"bob@acme.example: Global Administrator (eligible, through group Tier0 Admins)"
                    .to_owned()
            ) || o.items.contains(&format!(
                "bob@acme.example: Global Administrator (eligible, through group {GROUP})"
            )),
            "{:?}",
            o.items
        );
        assert_eq!(
            fx.eval("access.pim-standing-privilege").status,
            Status::Pass
        );
        // The approved list names the group's assignment, not its members.
        let extra = format!(
            "[[approved_assignment]]\nprincipal = \"{GROUP}\"\nrole = \"Global Administrator\"\nassignment = \"eligible\"\n"
        );
        let o = fx
            .with_controls_extra(&extra)
            .eval("access.approved-assignments");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    // ---- access.approved-assignments ----

    #[test]
    fn approved_assignments_pass() {
        let o = Fx::new().eval("access.approved-assignments");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("3/3 approved"));
    }

    #[test]
    fn an_unapproved_assignment_fails() {
        let mut a = default_assignments();
        a.push(ra(
            BOB,
            EXCHANGE_ADMIN,
            &user_principal(BOB, "bob@acme.example", "Member"),
        ));
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .eval("access.approved-assignments");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            ["not approved: bob@acme.example: Exchange Administrator (active)"]
        );
        assert_eq!(o.evidence[0].file, ROLES_FILE);
        assert_eq!(o.evidence[0].pointer, "/value/2");
        assert_eq!(o.measured.as_deref(), Some("3/4 approved"));
    }

    #[test]
    fn an_approved_assignment_absent_from_the_tenant_warns() {
        let o = Fx::new()
            .graph("roleEligibilitySchedules.json", &list(&[]))
            .eval("access.approved-assignments");
        assert_eq!(o.status, Status::Warn);
        assert_eq!(
            o.items,
            ["approved but not assigned: alice@acme.example: Global Administrator (eligible)"]
        );
        assert_eq!(o.policy.len(), 1);
        assert_eq!(
            o.policy[0].line,
            line_of(CONTROLS_TOML, "principal = \"alice@acme.example\"")
        );
    }

    #[test]
    fn the_wrong_kind_of_assignment_is_not_approved() {
        let mut a = default_assignments();
        a.push(ra(
            ALICE,
            GA,
            &user_principal(ALICE, "alice@acme.example", "Member"),
        ));
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .graph("roleEligibilitySchedules.json", &list(&[]))
            .eval("access.approved-assignments");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            [
                "not approved: alice@acme.example: Global Administrator (active)",
                "approved but not assigned: alice@acme.example: Global Administrator (eligible)"
            ]
        );
    }

    #[test]
    fn an_approval_by_object_id_matches() {
        let mut a = default_assignments();
        a.push(ra(
            BOB,
            EXCHANGE_ADMIN,
            &user_principal(BOB, "bob@acme.example", "Member"),
        ));
        let extra = format!(
            "[[approved_assignment]]\nprincipal = \"{BOB}\"\nrole = \"exchange administrator\"\nassignment = \"active\"\n"
        );
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .with_controls_extra(&extra)
            .eval("access.approved-assignments");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    // ---- access.role-changes ----

    #[test]
    fn role_changes_without_a_previous_month_are_not_applicable() {
        let o = Fx::new().eval("access.role-changes");
        assert_eq!(o.status, Status::NotApplicable);
        assert_eq!(o.message, "no snapshot for 2026-10 to compare with");
    }

    #[test]
    fn no_role_changes_pass() {
        let o = Fx::new().with_prev().eval("access.role-changes");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(
            o.message,
            "no privileged role changes since 2026-10; 0 role-management events in the audit log"
        );
        assert!(o.items.is_empty());
    }

    #[test]
    fn an_unapproved_eligible_addition_warns() {
        let e = [eligible(ALICE, GA), eligible(BOB, GA)];
        let o = Fx::new()
            .with_prev()
            .graph("roleEligibilitySchedules.json", &list(&e))
            .eval("access.role-changes");
        assert_eq!(o.status, Status::Warn);
        assert_eq!(
            o.items,
            ["added: bob@acme.example: Global Administrator (eligible) — not approved"]
        );
        assert_eq!(o.evidence[0].file, ELIG_FILE);
        assert_eq!(o.evidence[0].pointer, "/value/1");
        assert!(
            o.message.contains("1 additions are not approved"),
            "{}",
            o.message
        );
    }

    #[test]
    fn an_approved_addition_passes() {
        let o = Fx::new()
            .with_prev()
            .file(PREV, "graph/roleEligibilitySchedules.json", &list(&[]))
            .eval("access.role-changes");
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(
            o.items,
            ["added: alice@acme.example: Global Administrator (eligible)"]
        );
        assert!(
            o.message.contains("all additions approved"),
            "{}",
            o.message
        );
    }

    #[test]
    fn a_removal_is_listed_and_passes() {
        let mut a = default_assignments();
        a.push(ra(
            BOB,
            EXCHANGE_ADMIN,
            &user_principal(BOB, "bob@acme.example", "Member"),
        ));
        let o = Fx::new()
            .with_prev()
            .file(PREV, "graph/roleAssignments.json", &list(&a))
            .eval("access.role-changes");
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(
            o.items,
            ["removed: bob@acme.example: Exchange Administrator (active)"]
        );
    }

    #[test]
    fn role_management_audit_events_of_the_month_are_counted() {
        let audits = r#"{"value":[
{"id":"Directory_36994c2a-d7ee-47cd-a06a-7ef7c4908563_I26NV_185150517","category":"RoleManagement","correlationId":"36994c2a-d7ee-47cd-a06a-7ef7c4908563","result":"success","resultReason":"","activityDisplayName":"Add member to role","activityDateTime":"2026-11-17T10:12:27.185138Z","loggedByService":"Core Directory","operationType":"Assign","initiatedBy":{"user":null,"app":{"appId":null,"displayName":"PurviewRoleAssignmentMigrator","servicePrincipalId":"21a5400e-6743-4c9f-812b-1791d41ab2b5","servicePrincipalName":null}},"targetResources":[{"id":"13371536-9950-4988-90f4-343566456781","displayName":"graph2otel-poller","type":"ServicePrincipal","userPrincipalName":null,"groupType":null,"modifiedProperties":[{"displayName":"Role.DisplayName","oldValue":null,"newValue":"\"Purview Workload Content Writer\""}]}]},
{"id":"Directory_old","category":"RoleManagement","activityDisplayName":"Add member to role","activityDateTime":"2026-10-30T10:00:00Z","initiatedBy":{"user":null,"app":null},"targetResources":[]}
]}"#;
        let o = Fx::new()
            .with_prev()
            .graph("directoryAudits.json", audits)
            .eval("access.role-changes");
        assert_eq!(o.status, Status::Pass);
        assert!(
            o.message
                .ends_with("; 1 role-management events in the audit log"),
            "{}",
            o.message
        );
        assert!(
            o.evidence
                .iter()
                .any(|e| e.file.ends_with("graph/directoryAudits.json"))
        );
    }
}
