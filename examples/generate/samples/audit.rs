//! The role-management audit log (`auditLogs/directoryAudits`): Core Directory membership
//! events and PIM events, as each service logs them.

use super::ids::{T, days, dt, gid, rng, tsf};
use super::json::{J, dumps_str, obj};
use super::model::{Client, Principal};
use super::reference::{GRAPH, role_id};

/// The Microsoft Privileged Identity Management app as the initiator of its own changes.
pub fn ms_pim_app() -> J {
    obj! {"appId" => J::Null, "displayName" => "MS-PIM", "servicePrincipalId" => J::Null, "servicePrincipalName" => J::Null}
}

fn audit_user(c: &Client, alias: &str) -> J {
    let p = c.person(alias);
    obj! {
        "id" => &p.id,
        "displayName" => J::Null,
        "userPrincipalName" => &p.upn,
        "ipAddress" => c.office_ip,
        "userType" => J::Null,
        "homeTenantId" => J::Null,
        "homeTenantName" => J::Null,
    }
}

fn role_props(c: &Client, role: &str, removing: bool) -> J {
    let rid = role_id(role);
    let obj_id = gid(&[c.cid, "directoryRole", rid]); // the activated directoryRole object in this tenant
    let vals = [
        ("Role.ObjectID", obj_id.as_str()),
        ("Role.DisplayName", role),
        ("Role.TemplateId", rid),
    ];
    J::Arr(
        vals.iter()
            .map(|(k, v)| {
                let quoted = J::from(dumps_str(v));
                let (old, new) = if removing {
                    (quoted, J::Null)
                } else {
                    (J::Null, quoted)
                };
                obj! {"displayName" => *k, "oldValue" => old, "newValue" => new}
            })
            .collect(),
    )
}

fn target_principal(c: &Client, alias: &str, props: J) -> J {
    match c.who(alias) {
        Principal::App(sp) => obj! {
            "id" => &sp.id,
            "displayName" => &sp.name,
            "type" => "ServicePrincipal",
            "userPrincipalName" => J::Null,
            "groupType" => J::Null,
            "modifiedProperties" => props,
        },
        Principal::User(p) => obj! {
            "id" => &p.id,
            "displayName" => J::Null,
            "type" => "User",
            "userPrincipalName" => &p.upn,
            "groupType" => J::Null,
            "modifiedProperties" => props,
        },
    }
}

/// A Core Directory role-membership event ("Add member to role", "Remove member from
/// role", ...), initiated by a user (`by`) or an app.
pub fn core_event(
    c: &Client,
    when: &str,
    activity: &str,
    by: Option<&str>,
    target: &str,
    role: &str,
    app: Option<J>,
) -> J {
    let removing = activity.starts_with("Remove");
    let corr = gid(&[c.cid, "corr", when, activity, target, role]);
    let t = dt(when);
    let suffix = *rng(&[&corr]).choice(&["I26NV", "QR7XM", "B3KPL", "ZK4TW"]);
    let n = rng(&[&corr, "n"]).randrange2(100_000_000, 1_000_000_000);
    let initiated = match app {
        Some(app) => obj! {"user" => J::Null, "app" => app},
        None => obj! {"user" => audit_user(c, by.unwrap_or_default()), "app" => J::Null},
    };
    obj! {
        "id" => format!("Directory_{corr}_{suffix}_{n}"),
        "category" => "RoleManagement",
        "correlationId" => &corr,
        "result" => "success",
        "resultReason" => "",
        "activityDisplayName" => activity,
        "activityDateTime" => tsf(t, &[c.cid, "audit", activity]),
        "loggedByService" => "Core Directory",
        "operationType" => if removing { "Unassign" } else { "Assign" },
        "initiatedBy" => initiated,
        "targetResources" => J::Arr(vec![
            target_principal(c, target, role_props(c, role, removing)),
            obj! {"id" => gid(&[c.cid, "directoryRole", role_id(role)]), "displayName" => J::Null, "type" => "Role",
                  "userPrincipalName" => J::Null, "groupType" => J::Null, "modifiedProperties" => J::Arr(vec![])},
        ]),
        "additionalDetails" => J::Arr(vec![]),
    }
}

/// What a PIM event records besides who and what.
#[derive(Default)]
pub struct PimDetails<'a> {
    pub justification: Option<&'a str>,
    pub start: Option<String>,
    pub end: Option<String>,
}

/// A PIM event: targets are the role, the request and the principal (as PIM logs them).
pub fn pim_event(
    c: &Client,
    when: &str,
    activity: &str,
    by: &str,
    target: &str,
    role: &str,
    d: PimDetails,
) -> J {
    let corr = gid(&[c.cid, "pimcorr", when, activity, target, role]);
    let t = dt(when);
    let p = c.person(target);
    let mut details = Vec::new();
    if let Some(j) = d.justification {
        details.push(obj! {"key" => "Justification", "value" => j});
    }
    if let Some(s) = &d.start {
        details.push(obj! {"key" => "StartTime", "value" => s});
    }
    if let Some(e) = &d.end {
        details.push(obj! {"key" => "ExpirationTime", "value" => e});
    }
    details.push(obj! {"key" => "RoleDefinitionOriginId", "value" => role_id(role)});
    let operation = if activity.contains("activation") {
        "Update"
    } else if activity.contains("Add") {
        "Assign"
    } else {
        "Unassign"
    };
    obj! {
        "id" => format!("PIM_{}", gid(&[c.cid, "pimid", when, activity, target])),
        "category" => "RoleManagement",
        "correlationId" => &corr,
        "result" => "success",
        "resultReason" => d.justification.unwrap_or(""),
        "activityDisplayName" => activity,
        "activityDateTime" => tsf(t, &[c.cid, "pim", activity]),
        "loggedByService" => "PIM",
        "operationType" => operation,
        "initiatedBy" => obj! {"user" => audit_user(c, by), "app" => J::Null},
        "targetResources" => J::Arr(vec![
            obj! {"id" => role_id(role), "displayName" => role, "type" => "Role", "userPrincipalName" => J::Null, "groupType" => J::Null, "modifiedProperties" => J::Arr(vec![])},
            obj! {"id" => gid(&[c.cid, "request", &corr]), "displayName" => J::Null, "type" => "Request", "userPrincipalName" => J::Null, "groupType" => J::Null, "modifiedProperties" => J::Arr(vec![])},
            obj! {"id" => &p.id, "displayName" => &p.name, "type" => "User", "userPrincipalName" => &p.upn, "groupType" => J::Null, "modifiedProperties" => J::Arr(vec![])},
        ]),
        "additionalDetails" => J::Arr(details),
    }
}

/// The events within the tenant's audit retention before `t`, newest first (as Graph
/// returns them).
pub fn audits_doc(c: &Client, t: T) -> J {
    let since = t - days(c.audit_retention_days);
    let mut events: Vec<J> = (c.audit_events)(c)
        .into_iter()
        .filter(|e| {
            let at = dt(&activity_time(e)[..19]);
            since <= at && at <= t
        })
        .collect();
    // Stable: equal times keep their order, as Python's sort(reverse=True) does.
    events.sort_by_key(|e| std::cmp::Reverse(activity_time(e)));
    obj! {"@odata.context" => format!("{GRAPH}auditLogs/directoryAudits"), "value" => J::Arr(events)}
}

pub fn activity_time(e: &J) -> String {
    e.get("activityDateTime")
        .map(J::str)
        .unwrap_or_default()
        .to_owned()
}
