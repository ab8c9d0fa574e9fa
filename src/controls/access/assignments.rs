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

/// Roles custody treats as privileged whatever a role definition says (template id,
/// display name). First every built-in role Microsoft labels PRIVILEGED in "Microsoft
/// Entra built-in roles" (the permissions reference; "Privileged roles and permissions
/// in Microsoft Entra ID"), so a snapshot whose definitions lack `isPrivileged` (hand
/// exports, older collections) still knows them; then built-in roles that administer a
/// whole workload or the directory's credentials, which Microsoft does not label but an
/// MSP reviews as admin roles all the same. Tenants add more with `[access]
/// privileged_roles`; a role definition with `isPrivileged: true` counts too.
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
    ("5f2222b1-57c3-48ba-8ad5-d4759f1fde6f", "Security Operator"),
    ("5d6b6bb7-de71-4623-b4af-96380a352509", "Security Reader"),
    ("f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Global Reader"),
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator"),
    (
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        "Helpdesk Administrator",
    ),
    (
        "966707d0-3269-4727-9be2-8c3a10f19b9d",
        "Password Administrator",
    ),
    (
        "c4e39bd9-1100-46d3-8c65-fb160da0071f",
        "Authentication Administrator",
    ),
    (
        "25a516ed-2fa0-40ea-a2d0-12923a21473a",
        "Authentication Extensibility Administrator",
    ),
    (
        "0b00bede-4072-4d22-b441-e7df02a1ef63",
        "Authentication Extensibility Password Administrator",
    ),
    (
        "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
        "Conditional Access Administrator",
    ),
    (
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        "Application Administrator",
    ),
    (
        "cf1c38e5-3621-4004-a7cb-879624dced7c",
        "Application Developer",
    ),
    (
        "158c047a-c907-4556-b7ef-446551a6b5f7",
        "Cloud Application Administrator",
    ),
    (
        "7698a772-787b-4ac8-901f-60d6b08affd2",
        "Cloud Device Administrator",
    ),
    (
        "3a2c62db-5318-420d-8d74-23affee5d9d5",
        "Intune Administrator",
    ),
    ("9360feb5-f418-4baa-8175-e2a00bac4301", "Directory Writers"),
    (
        "8329153b-31d0-4727-b945-745eb3bc5f31",
        "Domain Name Administrator",
    ),
    (
        "be2f45a1-457d-42af-a067-6ec1fa63bc45",
        "External Identity Provider Administrator",
    ),
    (
        "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2",
        "Hybrid Identity Administrator",
    ),
    (
        "59d46f88-662b-457b-bceb-5c3809e5908f",
        "Lifecycle Workflows Administrator",
    ),
    (
        "4ba39ca4-527c-499a-b93d-d9b492c50246",
        "Partner Tier1 Support",
    ),
    (
        "e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8",
        "Partner Tier2 Support",
    ),
    (
        "aaf43236-0c0d-4d5f-883a-6955382ac081",
        "B2C IEF Keyset Administrator",
    ),
    (
        "ecb2c6bf-0ab6-418e-bd87-7986f8d63bbe",
        "Attribute Provisioning Administrator",
    ),
    (
        "422218e4-db15-4ef9-bbe0-8afb41546d79",
        "Attribute Provisioning Reader",
    ),
    (
        "db506228-d27e-4b7d-95e5-295956d6615f",
        "Agent ID Administrator",
    ),
    ("d2562ede-74db-457e-a7b6-544e236ebb61", "AI Administrator"),
    ("1fe13547-53f6-408d-ac04-7f8eed167b38", "AI Reader"),
    // Not labelled by Microsoft, reviewed as privileged here.
    (
        "0526716b-113d-4c15-b2c8-68e3c22b9f80",
        "Authentication Policy Administrator",
    ),
    (
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
        "Exchange Administrator",
    ),
    (
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
        "SharePoint Administrator",
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
        "d29b2b05-8046-44ba-8758-1e26182fcf32",
        "Directory Synchronization Accounts",
    ),
    (
        "a92aed5d-d78a-4d16-b381-09adb37eb3b0",
        "On Premises Directory Sync Account",
    ),
];

/// One privileged role held by one principal.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub principal_id: String,
    /// UPN for users, display name (or id) for others.
    pub principal: String,
    /// The user principal name, for a principal positively known to be a user: what an
    /// approved entry may name it by besides its object id.
    pub upn: Option<String>,
    pub is_user: bool,
    pub is_guest: bool,
    pub enabled: Option<bool>,
    /// The principal's type is positively known (a users.json record, a group membership
    /// file or the principal's `@odata.type`): without it, it may be a user, a guest or a
    /// group, and is listed in [`Privileged::untyped`].
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
    /// Holders whose type is not positively known (no expanded principal and no users.json
    /// record, or a principal without `@odata.type`): each may be a group whose members
    /// are unknown, so a count is a lower bound and a per-user check cannot judge them.
    pub untyped: Vec<(Assignment, Missing)>,
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

/// Is a role privileged? Unknown when its definition is not in the snapshot, or is a
/// custom role that does not say.
enum RoleKind {
    Privileged(String, String),
    NotPrivileged,
    Unknown(Missing),
}

/// The type of a principal holding a role, as far as the snapshot shows it.
struct Who {
    name: String,
    upn: Option<String>,
    is_user: bool,
    is_guest: bool,
    enabled: Option<bool>,
    /// Positively known: a users.json record, a membership file or an `@odata.type`.
    known: bool,
    is_group: bool,
}

impl Who {
    /// The assignment of role `role_id` to this principal, recorded at `source`.
    fn assignment(
        self,
        principal_id: &str,
        role_id: &str,
        kind: AssignmentKind,
        permanent: Option<bool>,
        source: EvidenceRef,
    ) -> Assignment {
        Assignment {
            principal_id: principal_id.to_owned(),
            principal: self.name,
            upn: self.upn,
            is_user: self.is_user,
            is_guest: self.is_guest,
            enabled: self.enabled,
            known: self.known,
            is_group: self.is_group,
            via_group: None,
            role_template: role_id.to_ascii_lowercase(),
            role_name: role_id.to_owned(),
            kind,
            permanent,
            source,
        }
    }
}

/// Eligible assignments of a snapshot. Eligibility recorded as not collected for lack
/// of a licence (or as not applicable, which custody never records for it: PIM applies
/// to every directory with P2) counts as none only when subscribedSkus.json confirms the
/// tenant has no Entra ID P2 in force: a claim the SKUs contradict, or that nothing can
/// confirm, hides who may activate a role, so the eligible assignments are unknown.
fn eligibility(
    snap: &crate::evidence::Snapshot,
) -> Result<&[crate::evidence::graph::RoleSchedule], Missing> {
    match snap.role_eligibility.get() {
        Ok(e) => Ok(e.as_slice()),
        Err(m)
            if m.reason.starts_with("not licensed") || m.reason.starts_with("not applicable") =>
        {
            match crate::controls::identity::search::plan_in_force(snap, &["AAD_PREMIUM_P2"]) {
                Ok(false) => Ok(&[]),
                Ok(true) => Err(Missing {
                    file: m.file.clone(),
                    reason: format!(
                        "{}, but subscribedSkus.json shows Entra ID P2 (AAD_PREMIUM_P2) in force: the claim is contradicted and eligible assignments are unknown",
                        m.reason
                    ),
                }),
                Err(skus) => Err(Missing {
                    file: m.file.clone(),
                    reason: format!(
                        "{}, and the claim cannot be confirmed ({}): eligible assignments are unknown",
                        m.reason, skus.reason
                    ),
                }),
            }
        }
        Err(m) => Err(m),
    }
}

/// Every privileged assignment in a snapshot: active ones from roleAssignments (minus
/// PIM activations) and eligible ones from roleEligibilitySchedules; a group's members
/// hold its roles. Eligibility recorded as not collected counts as none only when
/// subscribedSkus.json confirms there is no P2 ([`eligibility`]).
pub fn privileged_assignments(
    ctx: &Ctx,
    snap: &crate::evidence::Snapshot,
) -> Result<Privileged, Missing> {
    let active = snap.role_assignments.get()?;
    let eligible = eligibility(snap)?;
    let schedules = snap.role_schedules.ok();
    let defs_slot = snap.role_definitions.get();
    let defs: HashMap<&str, &crate::evidence::graph::RoleDefinition> = defs_slot
        .as_ref()
        .map(|d| d.iter().map(|r| (r.id.as_str(), r)).collect())
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
        let template = found
            .and_then(|d| d.template_id.as_deref())
            .unwrap_or(def_id);
        let listed = PRIVILEGED_ROLES
            .iter()
            .find(|(t, _)| t.eq_ignore_ascii_case(template));
        let name = found
            .map(|d| d.display_name.as_str())
            .or(listed.map(|l| l.1));
        let Some(name) = name else {
            // Neither defined in the snapshot nor on the privileged list.
            return RoleKind::Unknown(match &defs_slot {
                Err(m) => m.clone(),
                Ok(_) => Missing {
                    file: dfile.clone(),
                    reason: format!("role definition {def_id} is not in roleDefinitions.json"),
                },
            });
        };
        let flagged = found.and_then(|d| d.is_privileged);
        let privileged = flagged == Some(true)
            || listed.is_some()
            || extra.iter().any(|e| e.eq_ignore_ascii_case(name));
        if privileged {
            return RoleKind::Privileged(template.to_ascii_lowercase(), name.to_owned());
        }
        // Off the list: a definition that says it is not privileged is believed, and so
        // is a built-in one (Microsoft's privileged built-in roles are all listed). A
        // custom role, or one that says neither, could grant anything.
        match (flagged, found.and_then(|d| d.is_built_in)) {
            (Some(false), _) | (None, Some(true)) => RoleKind::NotPrivileged,
            (_, built_in) => RoleKind::Unknown(Missing {
                file: dfile.clone(),
                reason: format!(
                    "{} {name} ({def_id}) has no isPrivileged in roleDefinitions.json: whether it is privileged is unknown",
                    if built_in == Some(false) {
                        "custom role"
                    } else {
                        "role"
                    }
                ),
            }),
        }
    };
    let who = |id: &str, p: Option<&Principal>| -> Who {
        if let Some(u) = users.get(id) {
            return Who {
                name: u.name().to_owned(),
                upn: u.user_principal_name.clone(),
                is_user: true,
                is_guest: u.is_guest(),
                enabled: u.account_enabled,
                known: true,
                is_group: false,
            };
        }
        let group_file = snap.group_members.contains_key(&id.to_ascii_lowercase());
        let typed = p.and_then(|p| p.odata_type.as_deref()).is_some();
        match p {
            Some(p) => Who {
                name: p
                    .user_principal_name
                    .clone()
                    .or(p.display_name.clone())
                    .unwrap_or_else(|| id.to_owned()),
                upn: p
                    .user_principal_name
                    .clone()
                    .filter(|_| typed && p.is_user() && !group_file),
                // Without a type it may be a user: per-user checks look it up (and find
                // no record), counts treat it as a possible group.
                is_user: p.is_user() && !group_file,
                is_guest: is_guest(p.user_type.as_deref(), p.user_principal_name.as_deref()),
                enabled: p.account_enabled,
                known: typed || group_file,
                is_group: is_group(p) || group_file,
            },
            // Eligibility is not expanded: a membership file says it is a group.
            None => Who {
                name: id.to_owned(),
                upn: None,
                is_user: !group_file,
                is_guest: false,
                enabled: None,
                known: group_file,
                is_group: group_file,
            },
        }
    };
    // Why a principal's type is unknown, for the controls that must know it.
    let untyped = |a: &Assignment, expanded: bool| Missing {
        file: a.source.file.clone(),
        reason: if expanded {
            format!(
                "principal {} has no @odata.type and is not in users.json: whether it is a user, a guest or a group is unknown",
                a.principal_id
            )
        } else {
            format!(
                "{} is in neither users.json nor an expanded principal: whether it is a user, a guest or a group is unknown",
                a.principal_id
            )
        },
    };
    let mut out = Privileged::default();
    let push = |out: &mut Privileged, a: Assignment, expanded: bool, role: RoleKind| match role {
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
                            let w = who(&m.id, Some(m));
                            let member = Assignment {
                                principal_id: m.id.clone(),
                                principal: w.name,
                                upn: w.upn,
                                is_user: w.is_user,
                                is_guest: w.is_guest,
                                enabled: w.enabled,
                                known: w.known,
                                is_group: false,
                                via_group: Some(a.principal.clone()),
                                ..a.clone()
                            };
                            if !member.known {
                                let mut why = untyped(&member, true);
                                why.file = snap.path(&crate::evidence::group_members_file(
                                    &a.principal_id.to_ascii_lowercase(),
                                ));
                                out.untyped.push((member.clone(), why));
                            }
                            out.assignments.push(member);
                        }
                    }
                    Err(m) => out.unresolved_groups.push((a.clone(), m)),
                }
            } else if !a.known {
                out.untyped.push((a.clone(), untyped(&a, expanded)));
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
        let assignment = who(&a.principal_id, a.principal.as_ref()).assignment(
            &a.principal_id,
            &a.role_definition_id,
            AssignmentKind::Active,
            permanent,
            EvidenceRef {
                file: afile.clone(),
                pointer: format!("/value/{i}"),
            },
        );
        push(
            &mut out,
            assignment,
            a.principal.is_some(),
            role(&a.role_definition_id),
        );
    }
    let efile = snap.path(Endpoint::RoleEligibility.file());
    for (i, e) in eligible.iter().enumerate() {
        let assignment = who(&e.principal_id, e.principal.as_ref()).assignment(
            &e.principal_id,
            &e.role_definition_id,
            AssignmentKind::Eligible,
            Some(false),
            EvidenceRef {
                file: efile.clone(),
                pointer: format!("/value/{i}"),
            },
        );
        push(
            &mut out,
            assignment,
            e.principal.is_some(),
            role(&e.role_definition_id),
        );
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

    /// The controls that read eligibility, each of which passed on a hidden eligibility.
    const ELIGIBILITY_READERS: [&str; 5] = [
        "access.global-admin-count",
        "access.guest-admins",
        "access.stale-admins",
        "access.pim-standing-privilege",
        "access.cloud-only-admins",
    ];

    fn not_licensed_eligibility() -> Fx {
        Fx::new().missing_as(
            "graph/roleEligibilitySchedules.json",
            "not_licensed",
            "Entra ID P2 is required",
        )
    }

    /// A "not applicable" claim hides eligibility just the same.
    #[test]
    fn a_not_applicable_claim_for_eligibility_needs_the_skus_too() {
        let o = Fx::new()
            .missing_as(
                "graph/roleEligibilitySchedules.json",
                "not_applicable",
                "no PIM here",
            )
            .eval("access.global-admin-count");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert!(
            o.message.contains("the claim is contradicted"),
            "{}",
            o.message
        );
    }

    /// Regression (red team `notlic`): a manifest claiming PIM eligibility was not
    /// licensed hid every eligible assignment although subscribedSkus.json showed P2, so
    /// the eligibility readers passed.
    #[test]
    fn a_not_licensed_claim_that_the_skus_contradict_is_no_evidence() {
        let skus = |status: &str| {
            crate::controls::testing::subscribed_skus(&[crate::controls::testing::subscribed_sku(
                "AAD_PREMIUM_P2",
                status,
                &[("AAD_PREMIUM_P2", "Success")],
            )])
        };
        // The fixture's E5 (Enabled), and a P2 in its grace period (Warning).
        for fx in [
            not_licensed_eligibility(),
            not_licensed_eligibility().graph("subscribedSkus.json", &skus("Warning")),
        ] {
            for id in ELIGIBILITY_READERS {
                let o = fx.eval(id);
                assert_eq!(o.status, Status::NoEvidence, "{id}: {o:?}");
                assert!(
                    o.message.contains("subscribedSkus.json shows Entra ID P2 (AAD_PREMIUM_P2) in force: the claim is contradicted"),
                    "{id}: {}",
                    o.message
                );
            }
        }
        // P2 on a suspended subscription is not in force: the claim stands.
        let o = not_licensed_eligibility()
            .graph("subscribedSkus.json", &skus("Suspended"))
            .eval("access.global-admin-count");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn a_not_licensed_claim_without_subscribed_skus_cannot_be_confirmed() {
        let fx = not_licensed_eligibility().without("graph/subscribedSkus.json");
        for id in ELIGIBILITY_READERS {
            let o = fx.eval(id);
            assert_eq!(o.status, Status::NoEvidence, "{id}: {o:?}");
            assert!(
                o.message.contains("the claim cannot be confirmed"),
                "{id}: {}",
                o.message
            );
        }
    }

    /// A guest holding `role` permanently, with `defs` as roleDefinitions.json.
    fn guest_holds(role: &str, defs: &str) -> Fx {
        let guest = r##"{"@odata.type":"#microsoft.graph.user","id":"c0000000-0000-0000-0000-000000000007","displayName":"Pat","userPrincipalName":"pat_partner.example#EXT#@acme.onmicrosoft.com","userType":"Guest","accountEnabled":true}"##;
        let mut a = default_assignments();
        a.push(ra("c0000000-0000-0000-0000-000000000007", role, guest));
        Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .graph("roleDefinitions.json", defs)
    }

    fn def(id: &str, name: &str, extra: &str) -> String {
        format!(r#"{{"id":"{id}","displayName":"{name}","templateId":"{id}"{extra}}}"#)
    }

    const PARTNER_TIER2: &str = "e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8";
    const CUSTOM: &str = "cccccccc-0000-0000-0000-00000000000c";

    /// Regression (red team `roles`): Partner Tier2 Support, labelled PRIVILEGED by
    /// Microsoft but missing from the hard-coded list, held permanently by a guest, with
    /// definitions that carry no isPrivileged (as v1.0 returns them): four controls passed.
    #[test]
    fn a_microsoft_privileged_role_off_the_old_list_is_privileged_without_is_privileged() {
        let defs = list(&[
            def(GA, "Global Administrator", r#","isBuiltIn":true"#),
            def(
                PARTNER_TIER2,
                "Partner Tier2 Support",
                r#","isBuiltIn":true"#,
            ),
        ]);
        let fx = guest_holds(PARTNER_TIER2, &defs);
        let o = fx.eval("access.guest-admins");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(
            o.items,
            ["pat_partner.example#EXT#@acme.onmicrosoft.com: Partner Tier2 Support (active)"]
        );
        assert_eq!(
            fx.eval("access.pim-standing-privilege").status,
            Status::Fail
        );
        assert_eq!(fx.eval("access.approved-assignments").status, Status::Fail);
        let o = fx.with_prev().eval("access.role-changes");
        assert_eq!(o.status, Status::Warn, "{o:?}");
        // Every role Microsoft labels privileged is on the list, by template id.
        for (t, n) in [
            (
                "4ba39ca4-527c-499a-b93d-d9b492c50246",
                "Partner Tier1 Support",
            ),
            ("9360feb5-f418-4baa-8175-e2a00bac4301", "Directory Writers"),
            (
                "8329153b-31d0-4727-b945-745eb3bc5f31",
                "Domain Name Administrator",
            ),
            (
                "be2f45a1-457d-42af-a067-6ec1fa63bc45",
                "External Identity Provider Administrator",
            ),
            (
                "7698a772-787b-4ac8-901f-60d6b08affd2",
                "Cloud Device Administrator",
            ),
            ("5f2222b1-57c3-48ba-8ad5-d4759f1fde6f", "Security Operator"),
            ("f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Global Reader"),
            (
                "0526716b-113d-4c15-b2c8-68e3c22b9f80",
                "Authentication Policy Administrator",
            ),
            (
                "d29b2b05-8046-44ba-8758-1e26182fcf32",
                "Directory Synchronization Accounts",
            ),
        ] {
            assert!(
                super::PRIVILEGED_ROLES.contains(&(t, n)),
                "{n} ({t}) is not on the list"
            );
        }
    }

    #[test]
    fn is_privileged_decides_off_the_list_and_a_silent_custom_role_is_unknown() {
        // isPrivileged false on a built-in role off the list: not privileged.
        let reader = "4a5d8f65-41da-4de4-8968-e035b65339cf";
        let defs = list(&[def(
            reader,
            "Reports Reader",
            r#","isBuiltIn":true,"isPrivileged":false"#,
        )]);
        let o = guest_holds(reader, &defs).eval("access.guest-admins");
        assert_eq!(o.status, Status::Pass, "{o:?}");
        // isPrivileged true on any role: privileged.
        let defs = list(&[def(
            CUSTOM,
            "Tier0 Helpers",
            r#","isBuiltIn":false,"isPrivileged":true"#,
        )]);
        let o = guest_holds(CUSTOM, &defs).eval("access.guest-admins");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        // A custom role that does not say: unknown, named, never a pass.
        let defs = list(&[def(CUSTOM, "Tier0 Helpers", r#","isBuiltIn":false"#)]);
        let fx = guest_holds(CUSTOM, &defs);
        for id in [
            "access.guest-admins",
            "access.pim-standing-privilege",
            "access.approved-assignments",
        ] {
            let o = fx.eval(id);
            assert_eq!(o.status, Status::NoEvidence, "{id}: {o:?}");
            assert!(
                o.items.iter().any(|i| i.contains(&format!(
                    "custom role Tier0 Helpers ({CUSTOM}) has no isPrivileged in roleDefinitions.json"
                ))),
                "{id}: {:?}",
                o.items
            );
        }
        let o = fx
            .with_prev()
            .file(
                crate::controls::testing::PREV,
                "graph/roleDefinitions.json",
                &defs,
            )
            .eval("access.role-changes");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        // A role that says neither isPrivileged nor isBuiltIn is unknown as well.
        let defs = list(&[def(CUSTOM, "Tier0 Helpers", "")]);
        let o = guest_holds(CUSTOM, &defs).eval("access.guest-admins");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
    }

    fn ga_held_by(principal_id: &str, principal: Option<&str>) -> Fx {
        let mut a = default_assignments();
        a.push(match principal {
            Some(p) => ra(principal_id, GA, p),
            None => format!(
                r#"{{"id":"ra-x","principalId":"{principal_id}","directoryScopeId":"/","roleDefinitionId":"{GA}"}}"#
            ),
        });
        Fx::new().graph("roleAssignments.json", &list(&a))
    }

    const HOLDER: &str = "9b000000-0000-0000-0000-00000000000b";

    /// Regression (red team `grp_noexpand`, `grp_notype`): a group holding Global
    /// Administrator, its principal not expanded or without @odata.type, counted as one
    /// holder (count passed "4") and as a non-guest user.
    #[test]
    fn a_holder_of_unknown_type_may_be_a_group() {
        let no_type = format!(r#"{{"id":"{HOLDER}","displayName":"Tier0 Admins"}}"#);
        for (case, fx) in [
            ("no @odata.type", ga_held_by(HOLDER, Some(&no_type))),
            ("not expanded", ga_held_by(HOLDER, None)),
        ] {
            let o = fx.eval("access.global-admin-count");
            assert_eq!(o.status, Status::NoEvidence, "{case}: {o:?}");
            assert_eq!(o.measured.as_deref(), Some("at least 4"), "{case}");
            for id in [
                "access.global-admin-count",
                "access.guest-admins",
                "access.stale-admins",
                "access.cloud-only-admins",
                "access.pim-standing-privilege",
                "identity.mfa-admins",
            ] {
                let o = fx.eval(id);
                assert_eq!(o.status, Status::NoEvidence, "{case} {id}: {o:?}");
                assert!(
                    o.items.iter().any(|i| i.contains(HOLDER)
                        && i.contains("whether it is a user, a guest or a group is unknown")),
                    "{case} {id}: {:?}",
                    o.items
                );
            }
        }
        // The lower bound already proves "too many".
        let mut a = default_assignments();
        a.push(format!(
            r#"{{"id":"ra-x","principalId":"{HOLDER}","directoryScopeId":"/","roleDefinitionId":"{GA}"}}"#
        ));
        for (id, upn) in [(BOB, "bob@acme.example"), (CAROL, "carol@acme.example")] {
            a.push(ra(id, GA, &user_principal(id, upn, "Member")));
        }
        let o = Fx::new()
            .graph("roleAssignments.json", &list(&a))
            .eval("access.global-admin-count");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        // A typed service principal is positively not a group: counted, and no unknown.
        let sp = format!(
            r##"{{"@odata.type":"#microsoft.graph.servicePrincipal","id":"{HOLDER}","displayName":"Automation"}}"##
        );
        let o = ga_held_by(HOLDER, Some(&sp)).eval("access.global-admin-count");
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(o.measured.as_deref(), Some("4"));
        assert_eq!(
            ga_held_by(HOLDER, Some(&sp))
                .eval("access.guest-admins")
                .status,
            Status::Pass
        );
    }
}
