//! Tenant policies in the shapes of Microsoft's API reference examples: the
//! authentication methods policy, the authorization policy, domains and the PIM settings
//! of directory roles.

use super::ids::{T, gid};
use super::json::{J, obj, strs};
use super::model::Client;
use super::reference::{GA, GRAPH, role_id};

/// (odata prefix, id, weak): the method configurations, in Graph's order.
const AUTH_METHODS: &[(&str, &str, bool)] = &[
    ("fido2", "Fido2", false),
    ("microsoftAuthenticator", "MicrosoftAuthenticator", false),
    ("sms", "Sms", true),
    ("temporaryAccessPass", "TemporaryAccessPass", false),
    ("softwareOath", "SoftwareOath", false),
    ("voice", "Voice", true),
    ("email", "Email", true),
    ("x509Certificate", "X509Certificate", false),
];

pub const RESTRICTED_GUESTS: &str = "2af84b1e-32c8-42b7-82bc-daa82404023b";
pub const LIMITED_GUESTS: &str = "10dae51f-b6af-4016-8d66-8c2a99b929b3";
pub const MEMBER_GUESTS: &str = "a0b1b346-4d3e-4e8b-98f8-753987be4970";
pub const NEVER_EXPIRE: i64 = 2_147_483_647;

/// The authenticationMethodsPolicy as GET returns it. The client gives the migration
/// state and, per method id, the include targets when enabled; methods it does not name
/// are enabled for all users when strong, disabled when weak.
pub fn auth_methods_doc(c: &Client, t: T) -> J {
    let (migration, enabled) = (c.auth_methods)(c, t);
    let mut configs = Vec::new();
    for (odata, mid, weak) in AUTH_METHODS {
        let targets: Option<Vec<String>> = match enabled.iter().find(|(m, _)| m == mid) {
            Some((_, groups)) => Some(groups.clone()),
            None if *weak => None,
            None => Some(vec!["all_users".into()]),
        };
        let mut cfg = obj! {
            "@odata.type" => format!("#microsoft.graph.{odata}AuthenticationMethodConfiguration"),
            "id" => *mid,
            "state" => if targets.is_some() { "enabled" } else { "disabled" },
            "excludeTargets" => J::Arr(vec![]),
        };
        if *mid == "Email" {
            cfg.set("allowExternalIdToUseEmailOtp", "default");
        }
        let groups = targets.unwrap_or_else(|| vec!["all_users".into()]);
        cfg.set(
            "includeTargets",
            J::Arr(groups.iter().map(|g| obj! {"targetType" => "group", "id" => g, "isRegistrationRequired" => false}).collect()),
        );
        configs.push(cfg);
    }
    obj! {
        "@odata.context" => format!("{GRAPH}authenticationMethodsPolicy"),
        "id" => "authenticationMethodsPolicy",
        "displayName" => "Authentication Methods Policy",
        "description" => "The tenant-wide policy that controls which authentication methods are allowed in the tenant, authentication method registration requirements, and self-service password reset settings",
        "lastModifiedDateTime" => "2026-05-12T09:31:07.4412988Z",
        "policyVersion" => "1.5",
        "policyMigrationState" => migration,
        "registrationEnforcement" => obj! {"authenticationMethodsRegistrationCampaign" => obj! {
            "snoozeDurationInDays" => 1i64, "enforceRegistrationAfterAllowedSnoozes" => true, "state" => "default", "excludeTargets" => J::Arr(vec![]),
            "includeTargets" => J::Arr(vec![obj! {"id" => "all_users", "targetType" => "group", "targetedAuthenticationMethod" => "microsoftAuthenticator"}])}},
        "authenticationMethodConfigurations" => J::Arr(configs),
    }
}

pub fn authorization_doc(c: &Client, t: T) -> J {
    let mut grants = (c.user_consent)(t);
    // The team and chat resource-specific consent entries Entra assigns by default.
    grants.extend([
        "ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-chat",
        "ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-team",
    ]);
    obj! {
        "@odata.context" => format!("{GRAPH}policies/authorizationPolicy/$entity"),
        "id" => "authorizationPolicy",
        "allowInvitesFrom" => "adminsAndGuestInviters",
        "allowedToSignUpEmailBasedSubscriptions" => true,
        "allowedToUseSSPR" => true,
        "allowEmailVerifiedUsersToJoinOrganization" => false,
        "allowUserConsentForRiskyApps" => J::Null,
        "blockMsolPowerShell" => false,
        "displayName" => "Authorization Policy",
        "description" => "Used to manage authorization related settings across the company.",
        "guestUserRoleId" => (c.guest_role)(t),
        "defaultUserRolePermissions" => obj! {
            "allowedToCreateApps" => false,
            "allowedToCreateSecurityGroups" => true,
            "allowedToCreateTenants" => false,
            "allowedToReadBitlockerKeysForOwnedDevice" => true,
            "allowedToReadOtherUsers" => true,
            "permissionGrantPoliciesAssigned" => strs(&grants),
        },
    }
}

pub fn domains_doc(c: &Client) -> J {
    let value: Vec<J> = c
        .domains
        .iter()
        .map(|(did, auth, verified, validity, root)| {
            obj! {
                "authenticationType" => *auth,
                "availabilityStatus" => J::Null,
                "id" => *did,
                "isAdminManaged" => true,
                "isDefault" => *did == c.domain,
                "isInitial" => *did == c.onms,
                "isRoot" => *root,
                "isVerified" => *verified,
                "passwordNotificationWindowInDays" => if *root { J::Int(14) } else { J::Null },
                "passwordValidityPeriodInDays" => *validity,
                "supportedServices" => if *verified { strs(&["Email", "OfficeCommunicationsOnline"]) } else { J::Arr(vec![]) },
                "state" => J::Null,
            }
        })
        .collect();
    obj! {"@odata.context" => format!("{GRAPH}domains"), "value" => J::Arr(value)}
}

/// The roles whose PIM settings the samples carry.
const PIM_ROLES: &[&str] = &[
    GA,
    "Privileged Role Administrator",
    "Exchange Administrator",
    "SharePoint Administrator",
    "User Administrator",
    "Helpdesk Administrator",
];

fn target(caller: &str, level: &str) -> J {
    obj! {"caller" => caller, "operations" => strs(&["all"]), "level" => level, "inheritableSettings" => J::Arr(vec![]), "enforcedSettings" => J::Arr(vec![])}
}

/// roleManagementPolicyAssignments with policy and rules expanded (the shape of the API
/// reference's Example 2).
pub fn role_policies_doc(c: &Client, t: T) -> J {
    let mut value = Vec::new();
    for role in PIM_ROLES {
        let rid = role_id(role);
        let pid = format!(
            "DirectoryRole_{}_{}",
            c.tenant,
            gid(&[c.cid, "pim-policy", role])
        );
        let (required, approvers) = (c.activation_approval)(c, t, role);
        let rules = J::Arr(vec![
            obj! {"@odata.type" => "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule", "id" => "Expiration_Admin_Eligibility",
            "isExpirationRequired" => false, "maximumDuration" => "P365D", "target" => target("Admin", "Eligibility")},
            obj! {"@odata.type" => "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule", "id" => "Expiration_EndUser_Assignment",
            "isExpirationRequired" => true, "maximumDuration" => if *role != GA { "PT8H" } else { "PT2H" }, "target" => target("EndUser", "Assignment")},
            obj! {"@odata.type" => "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule", "id" => "Enablement_EndUser_Assignment",
            "enabledRules" => strs(&["MultiFactorAuthentication", "Justification"]), "target" => target("EndUser", "Assignment")},
            obj! {"@odata.type" => "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule", "id" => "Approval_EndUser_Assignment",
            "target" => target("EndUser", "Assignment"),
            "setting" => obj! {"isApprovalRequired" => required, "isApprovalRequiredForExtension" => false,
                        "isRequestorJustificationRequired" => true, "approvalMode" => "SingleStage",
                        "approvalStages" => J::Arr(vec![obj! {"approvalStageTimeOutInDays" => 1i64, "isApproverJustificationRequired" => true,
                                            "escalationTimeInMinutes" => 0i64, "isEscalationEnabled" => false,
                                            "primaryApprovers" => J::Arr(approvers), "escalationApprovers" => J::Arr(vec![])}])}},
            obj! {"@odata.type" => "#microsoft.graph.unifiedRoleManagementPolicyNotificationRule", "id" => "Notification_Admin_EndUser_Assignment",
            "notificationType" => "Email", "recipientType" => "Admin", "notificationLevel" => "All", "isDefaultRecipientsEnabled" => true,
            "notificationRecipients" => J::Arr(vec![]), "target" => target("EndUser", "Assignment")},
        ]);
        value.push(obj! {
            "id" => format!("{pid}_{rid}"), "policyId" => &pid, "scopeId" => "/", "scopeType" => "DirectoryRole", "roleDefinitionId" => rid,
            "policy" => obj! {"id" => &pid, "displayName" => "DirectoryRole", "description" => "DirectoryRole", "isOrganizationDefault" => false,
                       "scopeId" => "/", "scopeType" => "DirectoryRole", "lastModifiedDateTime" => J::Null,
                       "lastModifiedBy" => obj! {"displayName" => J::Null, "id" => J::Null}, "rules" => rules},
        });
    }
    obj! {"@odata.context" => format!("{GRAPH}policies/roleManagementPolicyAssignments(policy(rules()))"), "value" => J::Arr(value)}
}

/// A group of PIM approvers.
pub fn approver_group(c: &Client, name: &str) -> J {
    obj! {"@odata.type" => "#microsoft.graph.groupMembers", "groupId" => gid(&[c.cid, "group", name]), "description" => name}
}
