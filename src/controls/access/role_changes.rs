//! `access.role-changes`: privileged role changes since last month, every addition approved.

use super::assignments::{Assignment, current_privileged, privileged_assignments};
use super::drift::{by_name_hint, changes, matches_approved};
use super::findings::{no_evidence, roles_file, with_sources};
use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::Missing;
use crate::evidence::endpoints::Endpoint;
use crate::model::Domain;
use std::collections::BTreeSet;

pub fn control() -> Control {
    Control::new("access.role-changes", Domain::Access, "Privileged role changes since last month are reviewed", role_changes)
        .doc(
            "Privileged role assignments added or removed since the previous month's snapshot; passes when every addition is on the approved list. Not applicable only in the client's first month; a previous month missing after earlier ones is a gap: no_evidence. An assignment of a role of unknown privilege, or by a holder of unknown type, added since last month is no_evidence unless an unapproved addition is already proven.",
            "Monthly review of privilege changes is what auditors ask for first; an unapproved addition is the classic sign of compromise or shortcut.",
            "Review each listed change against its change ticket; add approved additions to controls.toml and reverse the rest.",
        )
}

fn role_changes(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let Some(list) = changes(ctx)? else {
        return Ok(Outcome::na(format!(
            "no snapshot for {} to compare with: the first month of this client's history",
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
    // A role of unknown privilege assigned since last month may be a privileged addition.
    let p = current_privileged(ctx)?;
    let key = |a: &Assignment| (a.principal_id.clone(), a.role_template.clone(), a.kind);
    let before: BTreeSet<_> = match ctx.prev {
        Some(prev) => {
            let b = privileged_assignments(ctx, prev)?;
            b.assignments
                .iter()
                .chain(b.unknown_roles.iter().map(|(a, _)| a))
                .map(key)
                .collect()
        }
        None => BTreeSet::new(),
    };
    let unknown: Vec<(String, Missing)> = p
        .unknown_roles
        .iter()
        .filter(|(a, _)| {
            a.via_group.is_none() && !matches_approved(ctx, a) && !before.contains(&key(a))
        })
        .map(|(a, m)| {
            (
                format!(
                    "added: {}: role {} ({})",
                    a.principal,
                    a.role_name,
                    a.kind.as_str()
                ),
                m.clone(),
            )
        })
        .collect();
    if unapproved.is_empty() && !unknown.is_empty() {
        return Ok(no_evidence("role changes", unknown)
            .measured("unknown")
            .threshold("additions approved"));
    }
    let audit_note = audits.map_or_else(String::new, |n| {
        format!("; {n} role-management events in the audit log")
    });
    let items = list.iter().map(|(c, a)| {
        let flag = match a {
            Some(a) if !matches_approved(ctx, a) => {
                format!(" — not approved{}", by_name_hint(ctx, a))
            }
            _ => String::new(),
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
    use crate::controls::access::fixtures::*;
    use crate::controls::testing::{Fx, PREV};
    use crate::scorecard::Status;

    #[test]
    fn role_changes_without_a_previous_month_are_not_applicable() {
        let o = Fx::new().eval("access.role-changes");
        assert_eq!(o.status, Status::NotApplicable);
        assert_eq!(
            o.message,
            "no snapshot for 2026-10 to compare with: the first month of this client's history"
        );
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

    /// Regression (red team `noprev`): with 2026-10 missing between 2026-09 and 2026-11,
    /// role changes were `not_applicable` as if 2026-11 were the first month.
    #[test]
    fn a_gap_before_this_month_is_no_evidence_not_not_applicable() {
        let mut fx = Fx::new();
        fx.add_month("2026-09", "2026-09-28T03:00:00Z", 30);
        let o = fx.eval("access.role-changes");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert!(
            o.message
                .starts_with("no snapshot for 2026-10 to compare with"),
            "{}",
            o.message
        );
        assert_eq!(o.evidence[0].file, "evidence/acme/2026-10");
        // With the month there, it compares.
        let mut fx = Fx::new().with_prev();
        fx.add_month("2026-09", "2026-09-28T03:00:00Z", 30);
        assert_eq!(fx.eval("access.role-changes").status, Status::Pass);
    }
}
