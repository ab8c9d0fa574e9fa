//! Test fixtures: a small, healthy tenant written to a temporary repository, which each
//! test breaks in one place. Everything runs through the real loaders. Public (hidden)
//! so that the CLI integration tests build their repositories the same way.
#![allow(clippy::missing_panics_doc)]

#[cfg(test)]
use crate::client_id::ClientId;
#[cfg(test)]
use crate::controls::{self, Ctx, Outcome};
#[cfg(test)]
use crate::evaluate::{MonthInput, evaluate_month, restore_history, run_control};
use crate::evidence::sha256_hex;
#[cfg(test)]
use crate::evidence::{load_snapshot, months};
#[cfg(test)]
use crate::month::Month;
#[cfg(test)]
use crate::scorecard::{PolicyProvenance, Scorecard};
use std::collections::BTreeMap;

pub const MONTH: &str = "2026-11";
/// The tenant id of the fixture client `acme`.
pub const FIXTURE_TENANT: &str = "11111111-2222-3333-4444-555555555555";

/// The tenant a fixture client is written with: `acme`'s, or one derived from the id.
pub fn tenant_of(client: &str) -> String {
    if client == "acme" {
        return FIXTURE_TENANT.to_owned();
    }
    let h = sha256_hex(client.as_bytes());
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}
pub const PREV: &str = "2026-10";

pub const CLIENT_TOML: &str = r##"name = "Acme Fixture Ltd"
tenant_id = "11111111-2222-3333-4444-555555555555"
domains = ["acme.example"]
"##;

pub const RACI_TOML: &str = r#"[[activity]]
id = "everything"
name = "Everything"
responsible = ["MSP Team"]
accountable = ["Client IT Manager"]
controls = ["*"]
"#;

pub const CONTROLS_TOML: &str = r#"[identity]
model = "conditional_access"
pim = true

[access]
break_glass = ["bg1@acme.onmicrosoft.com", "bg2@acme.onmicrosoft.com"]

[[approved_assignment]]
principal = "bg1@acme.onmicrosoft.com"
role = "Global Administrator"
assignment = "active"

[[approved_assignment]]
principal = "bg2@acme.onmicrosoft.com"
role = "Global Administrator"
assignment = "active"

[[approved_assignment]]
principal = "alice@acme.example"
role = "Global Administrator"
assignment = "eligible"
"#;

pub const BACKUP_TOML: &str = r#"[exchange]
in_scope = true
provider = "microsoft-365-backup"
scope = "all"
frequency = "4h"
retention = "1y"
encryption = "AES-256, Microsoft-managed keys"
storage_location = "Microsoft 365 Backup, EU"
rpo = "24h"
rto = "8h"
owner = "MSP Backup Team"
restore_test_cadence = "90d"
known_gaps = []

[onedrive]
in_scope = false
reason = "covered by the client's own sync"

[sharepoint]
in_scope = false
reason = "no SharePoint in use"

[teams]
in_scope = false
reason = "chats retained in Exchange"

[retention]
legal_minimum = "1y"
compliance_location = "Microsoft Purview retention policies"
relies_on_backup = false
"#;

/// Object ids of the fixture tenant's users: the two break-glass accounts, alice (an
/// eligible Global Administrator) and bob (no role).
pub const BG1: &str = "b0000000-0000-0000-0000-000000000001";
pub const BG2: &str = "b0000000-0000-0000-0000-000000000002";
pub const ALICE: &str = "a0000000-0000-0000-0000-000000000001";
pub const BOB: &str = "a0000000-0000-0000-0000-000000000002";
/// The Global Administrator role template id.
pub const GA_ROLE: &str = "62e90394-69f5-4237-9190-012177145e10";

fn user(id: &str, upn: &str, kind: &str, last: &str) -> String {
    format!(
        r#"{{"id":"{id}","displayName":"{upn}","userPrincipalName":"{upn}","userType":"{kind}","accountEnabled":true,"assignedLicenses":[{{"skuId":"x"}}],"signInActivity":{{"lastSignInDateTime":"{last}","lastNonInteractiveSignInDateTime":"0001-01-01T00:00:00Z","lastSuccessfulSignInDateTime":null}},"onPremisesSyncEnabled":null}}"#
    )
}

pub fn default_graph() -> BTreeMap<String, String> {
    let mut g = BTreeMap::new();
    let users = [
        user(
            BG1,
            "bg1@acme.onmicrosoft.com",
            "Member",
            "2026-11-02T10:00:00Z",
        ),
        user(
            BG2,
            "bg2@acme.onmicrosoft.com",
            "Member",
            "2026-11-02T10:05:00Z",
        ),
        user(
            ALICE,
            "alice@acme.example",
            "Member",
            "2026-11-20T08:00:00Z",
        ),
        user(BOB, "bob@acme.example", "member", "2026-11-21T08:00:00Z"),
    ];
    g.insert(
        "users.json".into(),
        format!(r#"{{"@odata.context":"x","value":[{}]}}"#, users.join(",")),
    );
    let reg = |id: &str, upn: &str, admin: bool| {
        format!(
            r#"{{"id":"{id}","userPrincipalName":"{upn}","isAdmin":{admin},"isMfaRegistered":true,"userType":"member"}}"#
        )
    };
    g.insert(
        "userRegistrationDetails.json".into(),
        format!(
            r#"{{"value":[{},{},{},{}]}}"#,
            reg(BG1, "bg1@acme.onmicrosoft.com", true),
            reg(BG2, "bg2@acme.onmicrosoft.com", true),
            reg(ALICE, "alice@acme.example", true),
            reg(BOB, "bob@acme.example", false)
        ),
    );
    g.insert(
        "conditionalAccessPolicies.json".into(),
        format!(
            r#"{{"value":[
 {{"id":"p-mfa","displayName":"Require MFA for all users","state":"enabled","conditions":{{"users":{{"includeUsers":["All"],"excludeUsers":["{BG1}","{BG2}"],"includeGroups":[],"excludeGroups":[],"includeRoles":[],"excludeRoles":[],"excludeGuestsOrExternalUsers":null}},"applications":{{"includeApplications":["All"],"excludeApplications":[]}},"clientAppTypes":["all"]}},"grantControls":{{"operator":"OR","builtInControls":["mfa"],"authenticationStrength":null}}}},
 {{"id":"p-legacy","displayName":"Block legacy authentication","state":"enabled","conditions":{{"users":{{"includeUsers":["All"],"excludeUsers":["{BG1}","{BG2}"]}},"applications":{{"includeApplications":["All"],"excludeApplications":[]}},"clientAppTypes":["exchangeActiveSync","other"]}},"grantControls":{{"operator":"OR","builtInControls":["block"]}}}},
 {{"id":"p-user-risk","displayName":"High user risk: MFA and password change","state":"enabled","conditions":{{"userRiskLevels":["high"],"users":{{"includeUsers":["All"],"excludeUsers":["{BG1}","{BG2}"]}},"applications":{{"includeApplications":["All"],"excludeApplications":[]}},"clientAppTypes":["all"]}},"grantControls":{{"operator":"AND","builtInControls":["mfa","passwordChange"]}}}},
 {{"id":"p-sign-in-risk","displayName":"Block high-risk sign-ins","state":"enabled","conditions":{{"signInRiskLevels":["high"],"users":{{"includeUsers":["All"],"excludeUsers":["{BG1}","{BG2}"]}},"applications":{{"includeApplications":["All"],"excludeApplications":[]}},"clientAppTypes":["all"]}},"grantControls":{{"operator":"OR","builtInControls":["block"]}}}},
 {{"id":"p-device-code","displayName":"Block device code flow","state":"enabled","conditions":{{"authenticationFlows":{{"transferMethods":"deviceCodeFlow"}},"users":{{"includeUsers":["All"],"excludeUsers":["{BG1}","{BG2}"]}},"applications":{{"includeApplications":["All"],"excludeApplications":[]}},"clientAppTypes":["all"]}},"grantControls":{{"operator":"OR","builtInControls":["block"]}}}},
 {{"id":"p-admins","displayName":"Phishing-resistant MFA for admins","state":"enabled","conditions":{{"users":{{"includeUsers":[],"includeRoles":["62e90394-69f5-4237-9190-012177145e10"],"excludeUsers":["{BG1}","{BG2}"]}},"applications":{{"includeApplications":["All"],"excludeApplications":[]}},"clientAppTypes":["all"]}},"grantControls":{{"operator":"OR","builtInControls":[],"authenticationStrength":{{"id":"00000000-0000-0000-0000-000000000004","displayName":"Phishing-resistant MFA","requirementsSatisfied":"mfa","allowedCombinations":["windowsHelloForBusiness","fido2","x509CertificateMultiFactor"]}}}}}}
]}}"#
        ),
    );
    g.insert(
        "securityDefaults.json".into(),
        r#"{"id":"00000000-0000-0000-0000-000000000005","isEnabled":false}"#.into(),
    );
    g.insert(
        "subscribedSkus.json".into(),
        r#"{"value":[{"skuId":"s1","skuPartNumber":"SPE_E5","capabilityStatus":"Enabled","consumedUnits":4,"prepaidUnits":{"enabled":5},"servicePlans":[{"servicePlanName":"AAD_PREMIUM","provisioningStatus":"Success"},{"servicePlanName":"AAD_PREMIUM_P2","provisioningStatus":"Success"}]}]}"#.into(),
    );
    g.insert(
        "roleDefinitions.json".into(),
        format!(r#"{{"value":[{{"id":"{GA_ROLE}","displayName":"Global Administrator","templateId":"{GA_ROLE}"}},{{"id":"29232cdf-9323-42fd-ade2-1d097af3e4de","displayName":"Exchange Administrator","templateId":"29232cdf-9323-42fd-ade2-1d097af3e4de"}}]}}"#),
    );
    let ra = |id: &str, upn: &str| {
        format!(
            r##"{{"id":"ra-{id}","principalId":"{id}","roleDefinitionId":"{GA_ROLE}","directoryScopeId":"/","principal":{{"@odata.type":"#microsoft.graph.user","id":"{id}","userPrincipalName":"{upn}","userType":"Member","accountEnabled":true}}}}"##
        )
    };
    g.insert(
        "roleAssignments.json".into(),
        format!(
            r#"{{"value":[{},{}]}}"#,
            ra(BG1, "bg1@acme.onmicrosoft.com"),
            ra(BG2, "bg2@acme.onmicrosoft.com")
        ),
    );
    g.insert(
        "roleEligibilitySchedules.json".into(),
        format!(r#"{{"value":[{{"id":"e1","principalId":"{ALICE}","roleDefinitionId":"{GA_ROLE}","directoryScopeId":"/","status":"Provisioned","scheduleInfo":{{"expiration":{{"type":"noExpiration","endDateTime":null}}}}}}]}}"#),
    );
    let sched = |id: &str| {
        format!(
            r#"{{"id":"s-{id}","principalId":"{id}","roleDefinitionId":"{GA_ROLE}","directoryScopeId":"/","assignmentType":"Assigned","status":"Provisioned","scheduleInfo":{{"expiration":{{"type":"noExpiration","endDateTime":null}}}}}}"#
        )
    };
    g.insert(
        "roleAssignmentSchedules.json".into(),
        format!(r#"{{"value":[{},{}]}}"#, sched(BG1), sched(BG2)),
    );
    g.insert("secureScores.json".into(), r#"{"value":[{"currentScore":60.5,"maxScore":100,"createdDateTime":"2026-11-20T00:00:00Z"}]}"#.into());
    g.insert("directoryAudits.json".into(), r#"{"value":[]}"#.into());
    g.insert(
        "backupRestore.json".into(),
        graph_sample("v1.0__solutions__backupRestore.json"),
    );
    g.insert(
        "protectionPolicies.json".into(),
        r##"{"value":[{"@odata.type":"#microsoft.graph.exchangeProtectionPolicy","id":"pp1","displayName":"Exchange","status":"active","retentionSettings":[{"interval":"R/PT10M","period":"P1Y"}]}]}"##.into(),
    );
    let unit = |id: &str, upn: &str| {
        format!(
            r##"{{"@odata.type":"#microsoft.graph.mailboxProtectionUnit","id":"u-{id}","policyId":"pp1","directoryObjectId":"{id}","email":"{upn}","status":"protected"}}"##
        )
    };
    g.insert(
        "mailboxProtectionUnits.json".into(),
        format!(
            r#"{{"value":[{},{},{},{}]}}"#,
            unit(BG1, "bg1@acme.onmicrosoft.com"),
            unit(BG2, "bg2@acme.onmicrosoft.com"),
            unit(ALICE, "alice@acme.example"),
            unit(BOB, "bob@acme.example")
        ),
    );
    g.insert("driveProtectionUnits.json".into(), r#"{"value":[]}"#.into());
    g.insert("siteProtectionUnits.json".into(), r#"{"value":[]}"#.into());
    g.insert("restoreSessions.json".into(), r#"{"value":[]}"#.into());
    g.insert(
        "authenticationMethodsPolicy.json".into(),
        authentication_methods_policy().to_string(),
    );
    g.insert(
        "authorizationPolicy.json".into(),
        authorization_policy().to_string(),
    );
    g.insert("domains.json".into(), domains().to_string());
    g.insert(
        "roleManagementPolicyAssignments.json".into(),
        role_policies(&[
            role_policy(GA_ROLE, true, &[approver_group()]),
            role_policy("29232cdf-9323-42fd-ade2-1d097af3e4de", false, &[]),
        ])
        .to_string(),
    );
    g
}

/// A sample from tests/fixtures/graph-samples (Microsoft's API reference examples).
pub fn graph_sample(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/graph-samples")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One method of an `authenticationMethodsPolicy`, enabled or disabled for all users.
pub fn auth_method(odata: &str, id: &str, enabled: bool) -> serde_json::Value {
    serde_json::json!({
        "@odata.type": format!("#microsoft.graph.{odata}AuthenticationMethodConfiguration"),
        "id": id,
        "state": if enabled { "enabled" } else { "disabled" },
        "excludeTargets": [],
        "includeTargets": [{"targetType": "group", "id": "all_users", "isRegistrationRequired": false}]
    })
}

/// The fixture tenant's authentication methods policy, in the shape of the API reference
/// example: Authenticator, passkeys and TAP on; SMS, voice and email OTP off; migration
/// complete.
pub fn authentication_methods_policy() -> serde_json::Value {
    serde_json::json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#authenticationMethodsPolicy",
        "id": "authenticationMethodsPolicy",
        "displayName": "Authentication Methods Policy",
        "description": "The tenant-wide policy that controls which authentication methods are allowed in the tenant, authentication method registration requirements, and self-service password reset settings",
        "lastModifiedDateTime": "2026-09-14T10:47:26.6044384Z",
        "policyVersion": "1.5",
        "policyMigrationState": "migrationComplete",
        "registrationEnforcement": {
            "authenticationMethodsRegistrationCampaign": {
                "snoozeDurationInDays": 1, "state": "default", "excludeTargets": [],
                "includeTargets": [{"id": "all_users", "targetType": "group", "targetedAuthenticationMethod": "microsoftAuthenticator"}]
            }
        },
        "authenticationMethodConfigurations": [
            auth_method("fido2", "Fido2", true),
            auth_method("microsoftAuthenticator", "MicrosoftAuthenticator", true),
            auth_method("sms", "Sms", false),
            auth_method("temporaryAccessPass", "TemporaryAccessPass", true),
            auth_method("email", "Email", false),
            auth_method("voice", "Voice", false)
        ]
    })
}

/// Restricted guest access (`2af84b1e-…`).
pub const RESTRICTED_GUEST_ROLE: &str = "2af84b1e-32c8-42b7-82bc-daa82404023b";

/// The fixture tenant's authorization policy: users cannot consent to apps (only the
/// team and chat resource-specific consent policies Entra assigns by default), guests
/// have restricted access.
pub fn authorization_policy() -> serde_json::Value {
    serde_json::json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#policies/authorizationPolicy/$entity",
        "id": "authorizationPolicy",
        "allowInvitesFrom": "adminsAndGuestInviters",
        "allowedToSignUpEmailBasedSubscriptions": false,
        "allowedToUseSSPR": true,
        "allowEmailVerifiedUsersToJoinOrganization": false,
        "allowUserConsentForRiskyApps": false,
        "blockMsolPowerShell": true,
        "displayName": "Authorization Policy",
        "description": "Used to manage authorization related settings across the company.",
        "guestUserRoleId": RESTRICTED_GUEST_ROLE,
        "defaultUserRolePermissions": {
            "allowedToCreateApps": false,
            "allowedToCreateSecurityGroups": false,
            "allowedToCreateTenants": false,
            "allowedToReadBitlockerKeysForOwnedDevice": true,
            "allowedToReadOtherUsers": true,
            "permissionGrantPoliciesAssigned": [
                "ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-chat",
                "ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-team"
            ]
        }
    })
}

/// One domain as `GET /v1.0/domains` returns it (`2147483647`: passwords never expire).
pub fn domain(
    id: &str,
    auth: &str,
    verified: bool,
    validity: serde_json::Value,
) -> serde_json::Value {
    serde_json::json!({
        "authenticationType": auth,
        "availabilityStatus": null,
        "id": id,
        "isAdminManaged": true,
        "isDefault": !id.ends_with(".onmicrosoft.com"),
        "isInitial": id.ends_with(".onmicrosoft.com"),
        "isRoot": true,
        "isVerified": verified,
        "passwordNotificationWindowInDays": 14,
        "passwordValidityPeriodInDays": validity,
        "supportedServices": ["Email", "OfficeCommunicationsOnline"],
        "state": null
    })
}

/// The fixture tenant's domains: both verified, managed, passwords never expire.
pub fn domains() -> serde_json::Value {
    serde_json::json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#domains",
        "value": [
            domain("acme.example", "Managed", true, 2147483647.into()),
            domain("acme.onmicrosoft.com", "Managed", true, 2147483647.into())
        ]
    })
}

/// A PIM approver: the members of a group (`#microsoft.graph.groupMembers`).
pub fn approver_group() -> serde_json::Value {
    serde_json::json!({
        "@odata.type": "#microsoft.graph.groupMembers",
        "groupId": "c0000000-0000-0000-0000-0000000000a1",
        "description": "PIM approvers"
    })
}

/// A directory role's PIM policy assignment with its rules expanded, in the shape of the
/// API reference's Example 2: the end-user activation approval rule as given, the other
/// rules as in the example.
pub fn role_policy(
    role: &str,
    approval: bool,
    approvers: &[serde_json::Value],
) -> serde_json::Value {
    let t = |caller: &str, level: &str| serde_json::json!({"caller": caller, "operations": ["all"], "level": level, "inheritableSettings": [], "enforcedSettings": []});
    let policy = format!(
        "DirectoryRole_{FIXTURE_TENANT}_{}",
        &sha256_hex(role.as_bytes())[..8]
    );
    serde_json::json!({
        "id": format!("{policy}_{role}"),
        "policyId": policy,
        "scopeId": "/",
        "scopeType": "DirectoryRole",
        "roleDefinitionId": role,
        "policy": {
            "id": policy,
            "displayName": "DirectoryRole",
            "description": "DirectoryRole",
            "isOrganizationDefault": false,
            "scopeId": "/",
            "scopeType": "DirectoryRole",
            "lastModifiedDateTime": null,
            "lastModifiedBy": {"displayName": null, "id": null},
            "rules": [
                {"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule", "id": "Expiration_EndUser_Assignment", "isExpirationRequired": true, "maximumDuration": "PT8H", "target": t("EndUser", "Assignment")},
                {"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule", "id": "Enablement_EndUser_Assignment", "enabledRules": ["MultiFactorAuthentication", "Justification"], "target": t("EndUser", "Assignment")},
                {"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule", "id": "Approval_EndUser_Assignment", "target": t("EndUser", "Assignment"),
                 "setting": {"isApprovalRequired": approval, "isApprovalRequiredForExtension": false, "isRequestorJustificationRequired": true, "approvalMode": "SingleStage",
                    "approvalStages": [{"approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": true, "escalationTimeInMinutes": 0, "isEscalationEnabled": false, "primaryApprovers": approvers, "escalationApprovers": []}]}},
                {"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyNotificationRule", "id": "Notification_Approver_EndUser_Assignment", "notificationType": "Email", "recipientType": "Approver", "notificationLevel": "All", "isDefaultRecipientsEnabled": true, "notificationRecipients": [], "target": t("EndUser", "Assignment")}
            ]
        }
    })
}

/// A `roleManagementPolicyAssignments.json` response.
pub fn role_policies(list: &[serde_json::Value]) -> serde_json::Value {
    serde_json::json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#policies/roleManagementPolicyAssignments(policy(rules()))",
        "value": list
    })
}

/// A Conditional Access policy in the full shape Graph v1.0 returns (every key present,
/// as in tests/fixtures/graph-samples), built field by field so that a test changes only
/// what it is about.
#[derive(Clone, Debug)]
pub struct CaBuilder {
    v: serde_json::Value,
}

/// The declared break-glass accounts of the fixture tenant, by object id.
pub const FIXTURE_BREAK_GLASS: [&str; 2] = [BG1, BG2];

impl CaBuilder {
    /// Enabled, all users but the break-glass accounts, all cloud apps, all client apps,
    /// grant `OR [mfa]`: the policy that passes `identity.ca-mfa-all-users`.
    pub fn mfa_all_users(name: &str) -> CaBuilder {
        let v = serde_json::json!({
            "id": "00000000-0000-0000-0000-000000000000",
            "templateId": null,
            "displayName": name,
            "createdDateTime": "2025-09-24T12:59:05.2884951Z",
            "modifiedDateTime": null,
            "deletedDateTime": null,
            "state": "enabled",
            "sessionControls": null,
            "conditions": {
                "userRiskLevels": [],
                "signInRiskLevels": [],
                "servicePrincipalRiskLevels": [],
                "insiderRiskLevels": null,
                "clientAppTypes": ["all"],
                "platforms": null,
                "locations": null,
                "devices": null,
                "clientApplications": null,
                "authenticationFlows": null,
                "applications": {
                    "includeApplications": ["All"],
                    "excludeApplications": [],
                    "includeUserActions": [],
                    "includeAuthenticationContextClassReferences": [],
                    "applicationFilter": null
                },
                "users": {
                    "includeUsers": ["All"],
                    "excludeUsers": [BG1, BG2],
                    "includeGroups": [],
                    "excludeGroups": [],
                    "includeRoles": [],
                    "excludeRoles": [],
                    "includeGuestsOrExternalUsers": null,
                    "excludeGuestsOrExternalUsers": null
                }
            },
            "grantControls": {
                "operator": "OR",
                "builtInControls": ["mfa"],
                "customAuthenticationFactors": [],
                "termsOfUse": [],
                "authenticationStrength@odata.context": "https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies('00000000-0000-0000-0000-000000000000')/grantControls/authenticationStrength/$entity",
                "authenticationStrength": null
            }
        });
        CaBuilder { v }
    }

    /// Enabled, all users but the break-glass accounts, all cloud apps, client apps
    /// `exchangeActiveSync` and `other`, grant `OR [block]`.
    pub fn block_legacy(name: &str) -> CaBuilder {
        CaBuilder::mfa_all_users(name)
            .client_apps(&["exchangeActiveSync", "other"])
            .builtin("OR", &["block"])
    }

    /// Sets any value by JSON pointer (`/conditions/locations`), for shapes the typed
    /// setters do not cover. Panics on a pointer that does not exist: a test bug.
    pub fn set(mut self, pointer: &str, value: serde_json::Value) -> CaBuilder {
        *self
            .v
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("no {pointer} in the policy")) = value;
        self
    }

    pub fn id(self, id: &str) -> CaBuilder {
        self.set("/id", id.into())
    }

    pub fn state(self, state: &str) -> CaBuilder {
        self.set("/state", state.into())
    }

    /// One key of `conditions` (`userRiskLevels`, `platforms`, `locations`, …).
    pub fn condition(self, key: &str, value: serde_json::Value) -> CaBuilder {
        self.set(&format!("/conditions/{key}"), value)
    }

    /// One key of `conditions.users` (`includeUsers`, `excludeGroups`, …).
    pub fn users(self, key: &str, value: serde_json::Value) -> CaBuilder {
        self.set(&format!("/conditions/users/{key}"), value)
    }

    /// One key of `conditions.applications` (`includeApplications`, …).
    pub fn apps(self, key: &str, value: serde_json::Value) -> CaBuilder {
        self.set(&format!("/conditions/applications/{key}"), value)
    }

    pub fn client_apps(self, types: &[&str]) -> CaBuilder {
        self.condition("clientAppTypes", serde_json::json!(types))
    }

    /// The grant's operator and built-in controls, no authentication strength.
    pub fn builtin(self, operator: &str, controls: &[&str]) -> CaBuilder {
        self.set("/grantControls/operator", operator.into())
            .set(
                "/grantControls/builtInControls",
                serde_json::json!(controls),
            )
            .set(
                "/grantControls/authenticationStrength",
                serde_json::Value::Null,
            )
    }

    /// The grant's authentication strength (see [`strength`]), no built-in controls.
    pub fn strength(self, strength: serde_json::Value) -> CaBuilder {
        self.set("/grantControls/builtInControls", serde_json::json!([]))
            .set("/grantControls/authenticationStrength", strength)
    }

    /// `grantControls: null` (a session-only policy).
    pub fn no_grant(self) -> CaBuilder {
        self.set("/grantControls", serde_json::Value::Null)
    }

    pub fn value(&self) -> serde_json::Value {
        self.v.clone()
    }
}

/// An `authenticationStrengthPolicy` as Graph expands it in a policy's grant controls.
pub fn strength(
    id: &str,
    name: &str,
    requirements: &str,
    combinations: &[&str],
) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "createdDateTime": "2021-12-01T08:00:00Z",
        "modifiedDateTime": "2021-12-01T08:00:00Z",
        "displayName": name,
        "description": "",
        "policyType": if id.starts_with("00000000-0000-0000-0000-") { "builtIn" } else { "custom" },
        "requirementsSatisfied": requirements,
        "allowedCombinations": combinations,
        "combinationConfigurations": []
    })
}

/// Microsoft's built-in "Phishing-resistant MFA" strength, as Graph returns it.
pub fn phishing_resistant() -> serde_json::Value {
    strength(
        "00000000-0000-0000-0000-000000000004",
        "Phishing-resistant MFA",
        "mfa",
        &[
            "windowsHelloForBusiness",
            "fido2",
            "x509CertificateMultiFactor",
        ],
    )
}

/// A `conditionalAccessPolicies.json` response; each policy gets a distinct id.
pub fn ca_policies(list: &[CaBuilder]) -> String {
    let value: Vec<serde_json::Value> = list
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut v = p.value();
            if v["id"] == "00000000-0000-0000-0000-000000000000" {
                v["id"] = format!("00000000-0000-0000-0000-0000000000{i:02}").into();
            }
            v
        })
        .collect();
    serde_json::json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies",
        "value": value
    })
    .to_string()
}

/// Daily successful exchange jobs for a month (days 1..=last).
pub fn daily_jobs(month: &str, last_day: u32) -> String {
    let mut s = String::from(
        "job_id,workload,started_at,finished_at,status,items_total,items_protected,product\n",
    );
    for d in 1..=last_day {
        s.push_str(&format!("j{month}-{d:02},exchange,{month}-{d:02}T01:00:00Z,{month}-{d:02}T01:30:00Z,success,4,4,Microsoft 365 Backup\n"));
    }
    s
}

pub const RESTORE_OK: &str = "[[test]]\ndate = 2026-11-10\nworkload = \"exchange\"\nitem = \"mailbox alice, 3 folders\"\nresult = \"passed\"\nduration = \"40m\"\nticket = \"T-1\"\n";

/// One `userRegistrationDetails` record (Graph
/// `GET /reports/authenticationMethods/userRegistrationDetails`), shaped as Graph returns
/// it (lowercase userType), registered for MFA with two methods or with none.
pub fn registration_detail(id: &str, upn: &str, admin: bool, mfa: bool, user_type: &str) -> String {
    let methods = if mfa {
        r#""microsoftAuthenticatorPush","softwareOneTimePasscode""#
    } else {
        ""
    };
    format!(
        r#"{{"id":"{id}","userPrincipalName":"{upn}","userDisplayName":"{upn}","isAdmin":{admin},"isSsprRegistered":false,"isSsprEnabled":false,"isSsprCapable":false,"isMfaRegistered":{mfa},"isMfaCapable":{mfa},"isPasswordlessCapable":false,"lastUpdatedDateTime":"2026-11-20T04:12:09.1234567Z","methodsRegistered":[{methods}],"isSystemPreferredAuthenticationMethodEnabled":true,"systemPreferredAuthenticationMethods":[],"userPreferredMethodForSecondaryAuthentication":"","userType":"{user_type}"}}"#
    )
}

/// The `userRegistrationDetails` response holding `records` ([`registration_detail`]).
pub fn registration_details(records: &[String]) -> String {
    format!(
        r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#reports/authenticationMethods/userRegistrationDetails","value":[{}]}}"#,
        records.join(",")
    )
}

/// One licensed user of `GET /users` (with `signInActivity`), signed in on 2026-11-20.
pub fn graph_user(id: &str, upn: &str, user_type: &str, enabled: bool) -> String {
    format!(
        r#"{{"id":"{id}","displayName":"{upn}","userPrincipalName":"{upn}","userType":"{user_type}","accountEnabled":{enabled},"assignedLicenses":[{{"disabledPlans":[],"skuId":"06ebc4ee-1bb5-47dd-8120-11324bc54e06"}}],"createdDateTime":"2024-01-10T09:00:00Z","signInActivity":{{"lastSignInDateTime":"2026-11-20T08:00:00Z","lastSignInRequestId":"d4d31c40-4c36-4775-ad59-7d1e6a171f00","lastNonInteractiveSignInDateTime":"0001-01-01T00:00:00Z","lastNonInteractiveSignInRequestId":"","lastSuccessfulSignInDateTime":"","lastSuccessfulSignInRequestId":""}}}}"#
    )
}

/// One subscription of `GET /subscribedSkus` (5 units enabled, 4 consumed), with its
/// service plans as (servicePlanName, provisioningStatus).
pub fn subscribed_sku(part: &str, status: &str, plans: &[(&str, &str)]) -> String {
    let plans: Vec<String> = plans
        .iter()
        .map(|(n, s)| format!(r#"{{"appliesTo":"User","provisioningStatus":"{s}","servicePlanId":"41781fb2-bc02-4b7c-bd55-b576c07bb09d","servicePlanName":"{n}","servicePlanType":"SCO"}}"#))
        .collect();
    format!(
        r#"{{"accountId":"{FIXTURE_TENANT}","accountName":"acme","appliesTo":"User","capabilityStatus":"{status}","consumedUnits":4,"id":"{FIXTURE_TENANT}_{part}","prepaidUnits":{{"enabled":5,"lockedOut":0,"suspended":0,"warning":0}},"servicePlans":[{}],"skuId":"cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46","skuPartNumber":"{part}","subscriptionIds":["a7d1c39e-8d40-4eb1-9549-cd4a3f227632"]}}"#,
        plans.join(",")
    )
}

/// The `subscribedSkus` response holding `list` ([`subscribed_sku`]).
pub fn subscribed_skus(list: &[String]) -> String {
    format!(
        r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#subscribedSkus","value":[{}]}}"#,
        list.join(",")
    )
}

/// `GET /policies/identitySecurityDefaultsEnforcementPolicy`, on or off.
pub fn security_defaults_policy(on: bool) -> String {
    format!(
        r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#policies/identitySecurityDefaultsEnforcementPolicy/$entity","id":"00000000-0000-0000-0000-000000000005","displayName":"Security Defaults","description":"Security defaults is a set of basic identity security mechanisms recommended by Microsoft.","isEnabled":{on}}}"#
    )
}

/// The fixture's backup.toml with its first `from` replaced by `to` (`from` must be there).
pub fn backup_toml(from: &str, to: &str) -> String {
    assert!(BACKUP_TOML.contains(from), "{from}");
    BACKUP_TOML.replacen(from, to, 1)
}

/// A Microsoft 365 Backup `protectionPolicies` list (Graph
/// `GET /solutions/backupRestore/protectionPolicies`), each policy as (`@odata.type`
/// suffix, status, [retention periods]).
pub fn protection_policies(list: &[(&str, &str, &[&str])]) -> String {
    let items: Vec<String> = list
        .iter()
        .enumerate()
        .map(|(i, (kind, status, periods))| {
            let settings: Vec<String> = periods.iter().map(|p| format!(r#"{{"interval":"R/PT10M","period":"{p}"}}"#)).collect();
            format!(
                r##"{{"@odata.type":"#microsoft.graph.{kind}","id":"pp{i}","displayName":"{kind} {i}","status":"{status}","createdDateTime":"2026-01-19T12:01:03.45Z","retentionSettings":[{}]}}"##,
                settings.join(",")
            )
        })
        .collect();
    format!(
        r#"{{"@odata.context":"/solutions/backupRestore/$metadata#ProtectionPolicies","value":[{}]}}"#,
        items.join(",")
    )
}

/// A fixture repository held in memory until evaluated.
#[derive(Clone)]
pub struct Fx {
    policy: BTreeMap<String, String>,
    /// month → file (relative to the month folder) → content.
    evidence: BTreeMap<String, BTreeMap<String, String>>,
    manifest: BTreeMap<String, Option<String>>,
    collected_at: BTreeMap<String, String>,
    /// The tenant id manifests state, when not client.toml's (`None` writes `null`).
    manifest_tenant: Option<Option<String>>,
}

impl Default for Fx {
    fn default() -> Self {
        Fx::new()
    }
}

/// 2026-11-23 (the default graph's collection day) in days since the Unix epoch.
const DEFAULT_COLLECTION_DAY: i64 = 20_780;

/// `text` with every `2026-11-DDT` date moved by `days`, in one pass (a moved date is
/// never moved again).
fn shift_november_dates(text: &str, days: i64) -> String {
    if days == 0 {
        return text.to_owned();
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let date = b
            .get(i..i + 11)
            .filter(|d| d.starts_with(b"2026-11-") && d[10] == b'T')
            .and_then(|d| std::str::from_utf8(&d[8..10]).ok()?.parse::<i8>().ok());
        if let Some(day) = date {
            let moved = jiff::civil::date(2026, 11, day)
                .checked_add(jiff::Span::new().days(days))
                .expect("a date near 2026");
            out.push_str(&moved.strftime("%Y-%m-%dT").to_string());
            i += 11;
        } else {
            let c = text[i..].chars().next().expect("in bounds");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

impl Fx {
    /// A healthy tenant for 2026-11 only.
    pub fn new() -> Fx {
        let mut fx = Fx {
            policy: BTreeMap::new(),
            evidence: BTreeMap::new(),
            manifest: BTreeMap::new(),
            collected_at: BTreeMap::new(),
            manifest_tenant: None,
        };
        for (f, t) in [
            ("client.toml", CLIENT_TOML),
            ("raci.toml", RACI_TOML),
            ("controls.toml", CONTROLS_TOML),
            ("backup.toml", BACKUP_TOML),
        ] {
            fx.policy.insert(f.into(), t.into());
        }
        fx.add_month(MONTH, "2026-11-23T03:00:00Z", 23);
        fx.evidence
            .get_mut(MONTH)
            .expect("month")
            .insert("restore-tests.toml".into(), RESTORE_OK.into());
        fx
    }

    /// Adds a healthy month with jobs on days 1..=job_days.
    pub fn add_month(&mut self, month: &str, collected_at: &str, job_days: u32) {
        // The default graph is dated for a collection on 2026-11-23: another month's
        // copy has its November dates (Secure Score, sign-ins) moved by as many days, as
        // a real export of that month would state them.
        let shift = collected_at
            .parse::<jiff::Timestamp>()
            .map(|t| t.as_second().div_euclid(86_400) - DEFAULT_COLLECTION_DAY)
            .unwrap_or(0);
        let mut files: BTreeMap<String, String> = default_graph()
            .into_iter()
            .map(|(k, v)| (format!("graph/{k}"), shift_november_dates(&v, shift)))
            .collect();
        files.insert("backup-jobs.csv".into(), daily_jobs(month, job_days));
        files.insert(
            "restore-tests.toml".into(),
            "# no restore tests this month\n".into(),
        );
        self.evidence.insert(month.into(), files);
        self.collected_at.insert(month.into(), collected_at.into());
    }

    /// Adds 2026-10, collected at the end of its last day: its jobs run daily to the 31st,
    /// all before the collection (a run after it would not be in its export).
    pub fn with_prev(mut self) -> Fx {
        self.add_month(PREV, "2026-10-31T23:00:00Z", 31);
        self
    }

    pub fn policy(mut self, file: &str, text: &str) -> Fx {
        self.policy.insert(file.into(), text.into());
        self
    }

    pub fn with_controls_extra(self, extra: &str) -> Fx {
        let text = format!("{}\n{extra}", self.policy["controls.toml"]);
        self.policy("controls.toml", &text)
    }

    /// Replaces a Graph file of the current month.
    pub fn graph(self, file: &str, json: &str) -> Fx {
        self.file(MONTH, &format!("graph/{file}"), json)
    }

    pub fn file(mut self, month: &str, file: &str, text: &str) -> Fx {
        self.evidence
            .entry(month.into())
            .or_default()
            .insert(file.into(), text.into());
        self
    }

    /// Removes a file from the current month, unexplained.
    pub fn without(mut self, file: &str) -> Fx {
        if let Some(m) = self.evidence.get_mut(MONTH) {
            m.remove(file);
        }
        self
    }

    /// Records in the manifest why a file is missing (`not_licensed`, ...), and removes it.
    pub fn missing_as(mut self, file: &str, kind: &str, reason: &str) -> Fx {
        self = self.without(file);
        self.manifest.insert(file.into(), Some(format!(r#"{{"file":"{file}","request":"GET x","status":403,"missing":"{kind}","reason":"{reason}"}}"#)));
        self
    }

    /// Manifests state this tenant id (`None`: no tenant id) instead of client.toml's.
    pub fn manifest_tenant(mut self, tenant: Option<&str>) -> Fx {
        self.manifest_tenant = Some(tenant.map(str::to_owned));
        self
    }

    /// The tenant id client.toml declares.
    fn client_tenant(&self) -> String {
        self.policy
            .get("client.toml")
            .and_then(|t| t.lines().find_map(|l| l.strip_prefix("tenant_id = ")))
            .map(|v| v.trim().trim_matches('"').to_owned())
            .unwrap_or_default()
    }

    pub fn collected_at(mut self, month: &str, at: &str) -> Fx {
        self.collected_at.insert(month.into(), at.into());
        self
    }

    /// Writes the repository to a temporary folder.
    #[cfg(test)]
    pub fn write(&self) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        self.write_to(dir.path(), "acme");
        dir
    }

    /// Writes the client under `root` with id `client`; manifests hash the files as
    /// they are at this point.
    ///
    /// Every client but `acme` that keeps the fixture's tenant id gets one of its own,
    /// derived from its id (two clients may not share a tenant), in client.toml and the
    /// manifests alike; a test that sets another tenant id keeps it.
    pub fn write_to(&self, root: &std::path::Path, client: &str) {
        let cdir = root.join("clients").join(client);
        std::fs::create_dir_all(&cdir).expect("mkdir");
        let own = tenant_of(client);
        let mut fx = self.clone();
        if let Some(t) = fx.policy.get_mut("client.toml") {
            *t = t.replace(FIXTURE_TENANT, &own);
        }
        if let Some(Some(t)) = &mut fx.manifest_tenant {
            *t = t.replace(FIXTURE_TENANT, &own);
        }
        // The Graph files state the tenant too (SKU and PIM policy ids): the one
        // client.toml declares.
        let declared = fx.client_tenant();
        for files in fx.evidence.values_mut() {
            for (f, t) in files.iter_mut() {
                if f.starts_with("graph/") {
                    *t = t.replace(FIXTURE_TENANT, &declared);
                }
            }
        }
        fx.write_files(root, client, &cdir);
    }

    fn write_files(&self, root: &std::path::Path, client: &str, cdir: &std::path::Path) {
        for (f, t) in &self.policy {
            std::fs::write(cdir.join(f), t).expect("write policy");
        }
        for (month, files) in &self.evidence {
            let mdir = root.join("evidence").join(client).join(month);
            let mut endpoints = Vec::new();
            let mut others = Vec::new();
            for (f, t) in files {
                let path = mdir.join(f);
                std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
                std::fs::write(&path, t).expect("write evidence");
                if f == "manifest.json" {
                    continue;
                }
                let h = sha256_hex(t.as_bytes());
                if f.starts_with("graph/") {
                    endpoints.push(format!(r#"{{"file":"{f}","request":"GET x","status":200,"pages":1,"items":1,"sha256":"{h}"}}"#));
                } else {
                    others.push(format!(r#""{f}":"{h}""#));
                }
            }
            if month == MONTH {
                endpoints.extend(self.manifest.values().flatten().cloned());
            }
            if !files.contains_key("manifest.json") {
                let tenant = match &self.manifest_tenant {
                    None => format!("{:?}", self.client_tenant()),
                    Some(Some(t)) => format!("{t:?}"),
                    Some(None) => "null".to_owned(),
                };
                let m = format!(
                    r#"{{"schema_version":1,"collected_at":"{}","tool":{{"name":"custody","version":"0.1.0"}},"tenant_id":{tenant},"endpoints":[{}],"files":{{{}}}}}"#,
                    self.collected_at
                        .get(month)
                        .map_or("2026-11-23T03:00:00Z", String::as_str),
                    endpoints.join(","),
                    others.join(",")
                );
                std::fs::write(mdir.join("manifest.json"), m).expect("write manifest");
            }
        }
    }

    /// Evaluates the whole month and returns the scorecard.
    #[cfg(test)]
    pub fn scorecard(&self) -> Scorecard {
        let dir = self.write();
        let root = dir.path();
        let id = ClientId::parse("acme").expect("id");
        let policy = crate::policy::load_policy(
            &crate::policy::load::WorkingTree(root.to_path_buf()),
            &id,
            crate::controls::known(),
        )
        .unwrap_or_else(|d| panic!("fixture policy does not load: {d:#?}"));
        let month = Month::parse(MONTH).expect("month");
        let all = months(root, &id);
        let snap = load_snapshot(root, &id, month);
        let prev = all
            .contains(&month.prev())
            .then(|| load_snapshot(root, &id, month.prev()));
        let (history, _) = restore_history(root, &id, &all, month);
        let provenance = PolicyProvenance::working_tree(Vec::new());
        evaluate_month(&MonthInput {
            client: &id,
            policy: &policy,
            provenance,
            snap: &snap,
            prev: prev.as_ref(),
            earlier: all.first().is_some_and(|f| *f < month),
            restore_history: &history,
        })
    }

    /// Runs one control alone (no waivers or disabling).
    #[cfg(test)]
    pub fn eval(&self, control: &str) -> Outcome {
        let dir = self.write();
        let root = dir.path();
        let id = ClientId::parse("acme").expect("id");
        let policy = crate::policy::load_policy(
            &crate::policy::load::WorkingTree(root.to_path_buf()),
            &id,
            crate::controls::known(),
        )
        .unwrap_or_else(|d| panic!("fixture policy does not load: {d:#?}"));
        let month = Month::parse(MONTH).expect("month");
        let all = months(root, &id);
        let snap = load_snapshot(root, &id, month);
        let prev = all
            .contains(&month.prev())
            .then(|| load_snapshot(root, &id, month.prev()));
        let (history, _) = restore_history(root, &id, &all, month);
        // As in a full evaluation: another tenant's snapshot is quarantined first.
        let snap = crate::evaluate::own_snapshot(&policy, &snap);
        let prev = prev
            .as_ref()
            .map(|p| crate::evaluate::own_snapshot(&policy, p));
        let ctx = Ctx {
            client: "acme",
            policy: &policy,
            snap: &snap,
            prev: prev.as_deref(),
            earlier: all.first().is_some_and(|f| *f < month),
            restore_history: &history,
            month,
            assignments: Default::default(),
        };
        run_control(
            &ctx,
            controls::find(control).unwrap_or_else(|| panic!("no control {control}")),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scorecard::Status;

    #[test]
    fn another_months_copy_is_dated_for_its_own_collection() {
        let day: jiff::Timestamp = "2026-11-23T00:00:00Z".parse().unwrap();
        assert_eq!(DEFAULT_COLLECTION_DAY, day.as_second() / 86_400);
        assert_eq!(
            shift_november_dates(
                "a 2026-11-20T08:00:00Z b 2026-11-02T10:00:00Z 2026-11-2",
                -26
            ),
            "a 2026-10-25T08:00:00Z b 2026-10-07T10:00:00Z 2026-11-2"
        );
        let fx = Fx::new().with_prev();
        // Collected on 31 October: the default Secure Score of 20 November moves 23 days.
        assert!(fx.evidence[PREV]["graph/secureScores.json"].contains("2026-10-28T00:00:00Z"));
    }

    #[test]
    fn the_healthy_fixture_passes_every_applicable_control() {
        let card = Fx::new().with_prev().scorecard();
        let bad: Vec<String> = card
            .results
            .iter()
            .filter(|r| !matches!(r.status, Status::Pass | Status::NotApplicable))
            .map(|r| format!("{} {:?}: {} {:?}", r.control, r.status, r.message, r.items))
            .collect();
        assert!(bad.is_empty(), "{bad:#?}");
        assert_eq!(card.score, Some(100.0));
    }
}
