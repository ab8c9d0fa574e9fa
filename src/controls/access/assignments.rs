//! Who holds privileged directory roles in a snapshot: direct and group assignments,
//! active and eligible, with what the snapshot cannot say. Every access control and
//! several identity controls read it.

use crate::controls::Ctx;
use crate::evidence::Missing;
use crate::evidence::endpoints::Endpoint;
use crate::evidence::graph::{Principal, is_guest};
use crate::model::EvidenceRef;
use crate::policy::AssignmentKind;
use std::collections::HashMap;

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

/// The instant a snapshot describes: when it was collected, else the end of its month.
pub fn reference_time(ctx: &Ctx) -> jiff::Timestamp {
    ctx.snap
        .manifest
        .ok()
        .and_then(|m| m.collected_at.parse::<jiff::Timestamp>().ok())
        .filter(|t| ctx.month.contains(*t))
        .unwrap_or_else(|| ctx.month.end())
}

#[cfg(test)]
mod tests {
    use crate::controls::testing::{Fx, MONTH};
    use crate::scorecard::Status;

    use crate::controls::access::fixtures::*;

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
}
