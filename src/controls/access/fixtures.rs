//! Fixtures the least-privilege controls' tests share: the fixture tenant's users,
//! role assignments, eligibility schedules and role-assignable groups, as Graph returns them.

use crate::controls::testing::Fx;
pub(super) use crate::controls::testing::{ALICE, BG1, BG2, BOB, GA_ROLE as GA};

pub(super) const CAROL: &str = "a0000000-0000-0000-0000-000000000003";

pub(super) const EXCHANGE_ADMIN: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";

pub(super) const CLOUD_APP_ADMIN: &str = "158c047a-c907-4556-b7ef-446551a6b5f7";

pub(super) const ROLES_FILE: &str = "evidence/acme/2026-11/graph/roleAssignments.json";

pub(super) const ELIG_FILE: &str = "evidence/acme/2026-11/graph/roleEligibilitySchedules.json";

pub(super) const USERS_FILE: &str = "evidence/acme/2026-11/graph/users.json";

/// A users.json record with Graph's signInActivity quirks: "never" is written as
/// `0001-01-01T00:00:00Z`, `""` or `null`.
pub(super) fn user_with(id: &str, upn: &str, kind: &str, enabled: bool, sign_in: &str) -> String {
    format!(
        r#"{{"id":"{id}","displayName":"{upn}","userPrincipalName":"{upn}","userType":"{kind}","accountEnabled":{enabled},"assignedLicenses":[{{"disabledPlans":[],"skuId":"06ebc4ee-1bb5-47dd-8120-11324bc54e06"}}],"createdDateTime":"2023-02-01T09:00:00Z"{sign_in}}}"#
    )
}

pub(super) fn signed_in(last: &str) -> String {
    format!(
        r#","signInActivity":{{"lastSignInDateTime":"{last}","lastSignInRequestId":"d4d31c40-4c36-4775-ad59-7d1e6a171f00","lastNonInteractiveSignInDateTime":"0001-01-01T00:00:00Z","lastNonInteractiveSignInRequestId":"","lastSuccessfulSignInDateTime":"","lastSuccessfulSignInRequestId":""}}"#
    )
}

pub(super) fn user(id: &str, upn: &str, kind: &str, enabled: bool, last: &str) -> String {
    user_with(id, upn, kind, enabled, &signed_in(last))
}

pub(super) fn default_users() -> Vec<String> {
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

pub(super) fn list(items: &[String]) -> String {
    format!(
        r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#x","value":[{}]}}"#,
        items.join(",")
    )
}

/// A roleAssignments record with `$expand=principal`.
pub(super) fn ra(principal_id: &str, role: &str, principal: &str) -> String {
    format!(
        r#"{{"id":"ra-{principal_id}-{role}","principalId":"{principal_id}","resourceScope":"/","directoryScopeId":"/","roleDefinitionId":"{role}","principal":{principal}}}"#
    )
}

pub(super) fn user_principal(id: &str, upn: &str, kind: &str) -> String {
    format!(
        r##"{{"@odata.type":"#microsoft.graph.user","id":"{id}","accountEnabled":true,"displayName":"{upn}","userPrincipalName":"{upn}","userType":"{kind}"}}"##
    )
}

pub(super) fn default_assignments() -> Vec<String> {
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
pub(super) fn schedule(
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

pub(super) fn default_schedules() -> Vec<String> {
    vec![
        schedule(BG1, GA, Some("Assigned"), None),
        schedule(BG2, GA, Some("Assigned"), None),
    ]
}

pub(super) fn eligible(principal_id: &str, role: &str) -> String {
    schedule(principal_id, role, None, None)
}

pub(super) fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle}"))
        + 1
}

pub(super) fn five_global_admins() -> Fx {
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

// ---- roles held through role-assignable groups ----

pub(super) const GROUP: &str = "9a000000-0000-0000-0000-000000000001";

pub(super) const GROUP_FILE: &str = "graph/groupMembers/9a000000-0000-0000-0000-000000000001.json";

pub(super) fn group_principal() -> String {
    format!(
        r##"{{"@odata.type":"#microsoft.graph.group","id":"{GROUP}","displayName":"Tier0 Admins","isAssignableToRole":true}}"##
    )
}

/// `GET /groups/{{id}}/transitiveMembers` with users, a nested group and a device.
pub(super) fn members(users: &[(&str, &str, &str)]) -> String {
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

pub(super) fn group_holds_ga() -> Fx {
    let mut a = default_assignments();
    a.push(ra(GROUP, GA, &group_principal()));
    Fx::new().graph("roleAssignments.json", &list(&a))
}
