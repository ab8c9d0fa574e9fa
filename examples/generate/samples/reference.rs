//! Microsoft reference data with public ids: built-in directory roles, service plans and
//! the SKUs built from them, and the endpoint table of docs/formats.md.

/// Directory Readers: every other built-in role inherits its permissions.
pub const DIRECTORY_READERS: &str = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b";
pub const GA: &str = "Global Administrator";

/// Built-in role definitions: (template id, name, description, the first permissions as
/// Graph returns them; rolePermissions trimmed to keep the files small).
pub const ROLE_DEFS: &[(&str, &str, &str, &[&str])] = &[
    (
        "62e90394-69f5-4237-9190-012177145e10",
        "Global Administrator",
        "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.",
        &[
            "microsoft.agentRegistry/allEntities/allProperties/allTasks",
            "microsoft.azure.advancedThreatProtection/allEntities/allTasks",
            "microsoft.azure.informationProtection/allEntities/allTasks",
        ],
    ),
    (
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "Privileged Role Administrator",
        "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.",
        &[
            "microsoft.directory/accessReviews/definitions.applications/allProperties/read",
            "microsoft.directory/accessReviews/definitions.directoryRoles/allProperties/allTasks",
            "microsoft.directory/accessReviews/definitions.groups/allProperties/read",
        ],
    ),
    (
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
        "Security Administrator",
        "Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365.",
        &[
            "microsoft.agentRegistry/allEntities/allProperties/read",
            "microsoft.azure.serviceHealth/allEntities/allTasks",
            "microsoft.azure.supportTickets/allEntities/allTasks",
        ],
    ),
    (
        "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
        "Conditional Access Administrator",
        "Can manage Conditional Access capabilities.",
        &[
            "microsoft.directory/conditionalAccessPolicies/basic/update",
            "microsoft.directory/conditionalAccessPolicies/create",
            "microsoft.directory/conditionalAccessPolicies/delete",
        ],
    ),
    (
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
        "Exchange Administrator",
        "Can manage all aspects of the Exchange product.",
        &[
            "microsoft.azure.serviceHealth/allEntities/allTasks",
            "microsoft.azure.supportTickets/allEntities/allTasks",
            "microsoft.backup/exchangeProtectionPolicies/allProperties/allTasks",
        ],
    ),
    (
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
        "SharePoint Administrator",
        "Can manage all aspects of the SharePoint service.",
        &[
            "microsoft.azure.serviceHealth/allEntities/allTasks",
            "microsoft.azure.supportTickets/allEntities/allTasks",
            "microsoft.backup/oneDriveForBusinessProtectionPolicies/allProperties/allTasks",
        ],
    ),
    (
        "69091246-20e8-4a56-aa4d-066075b2a7a8",
        "Teams Administrator",
        "Can manage the Microsoft Teams service.",
        &[
            "microsoft.azure.serviceHealth/allEntities/allTasks",
            "microsoft.azure.supportTickets/allEntities/allTasks",
            "microsoft.directory/authorizationPolicy/standard/read",
        ],
    ),
    (
        "fe930be7-5e62-47db-91af-98c3a49a38b1",
        "User Administrator",
        "Can manage all aspects of users and groups, including resetting passwords for limited admins.",
        &[
            "microsoft.azure.serviceHealth/allEntities/allTasks",
            "microsoft.azure.supportTickets/allEntities/allTasks",
            "microsoft.directory/accessReviews/definitions.applications/allProperties/allTasks",
        ],
    ),
    (
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        "Helpdesk Administrator",
        "Can reset passwords for non-administrators and Helpdesk Administrators.",
        &[
            "microsoft.azure.serviceHealth/allEntities/allTasks",
            "microsoft.azure.supportTickets/allEntities/allTasks",
            "microsoft.directory/bitlockerKeys/key/read",
        ],
    ),
    (
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        "Application Administrator",
        "Can create and manage all aspects of app registrations and enterprise apps.",
        &[
            "microsoft.azure.serviceHealth/allEntities/allTasks",
            "microsoft.azure.supportTickets/allEntities/allTasks",
            "microsoft.directory/adminConsentRequestPolicy/allProperties/allTasks",
        ],
    ),
    (
        "b0f54661-2d74-4c50-afa3-1ec803f12efe",
        "Billing Administrator",
        "Can perform common billing related tasks like updating payment information.",
        &[
            "microsoft.azure.serviceHealth/allEntities/allTasks",
            "microsoft.azure.supportTickets/allEntities/allTasks",
            "microsoft.commerce.billing/allEntities/allProperties/allTasks",
        ],
    ),
    (
        "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
        "Global Reader",
        "Can read everything that a Global Administrator can, but not update anything.",
        &[
            "microsoft.agentRegistry/allEntities/allProperties/read",
            "microsoft.azure.serviceHealth/allEntities/allTasks",
            "microsoft.backup/allEntities/allProperties/read",
        ],
    ),
    (
        "4a5d8f65-41da-4de4-8968-e035b65339cf",
        "Reports Reader",
        "Can read sign-in and audit reports.",
        &[
            "microsoft.azure.serviceHealth/allEntities/allTasks",
            "microsoft.directory/auditLogs/allProperties/read",
            "microsoft.directory/provisioningLogs/allProperties/read",
        ],
    ),
    (
        DIRECTORY_READERS,
        "Directory Readers",
        "Can read basic directory information. Commonly used to grant directory read access to applications and guests.",
        &[
            "microsoft.directory/administrativeUnits/members/read",
            "microsoft.directory/administrativeUnits/standard/read",
            "microsoft.directory/applicationPolicies/standard/read",
        ],
    ),
];

/// Roles the Conditional Access "admins" policies target (Microsoft's privileged-role list,
/// shortened).
pub const ADMIN_POLICY_ROLES: &[&str] = &[
    "Global Administrator",
    "Privileged Role Administrator",
    "Security Administrator",
    "Conditional Access Administrator",
    "Exchange Administrator",
    "SharePoint Administrator",
    "Teams Administrator",
    "User Administrator",
    "Helpdesk Administrator",
    "Application Administrator",
    "Billing Administrator",
];

/// Service plans (public ids).
pub const PLANS: &[(&str, &str)] = &[
    ("AAD_PREMIUM", "41781fb2-bc02-4b7c-bd55-b576c07bb09d"),
    ("AAD_PREMIUM_P2", "eec0eb4f-6444-4f95-aba0-50c24d67f998"),
    ("MFA_PREMIUM", "8a256a2b-b617-496d-b51b-e76466e88db0"),
    ("INTUNE_A", "c1ec4a95-1f05-45b3-a911-aa3fa01094f5"),
    ("RMS_S_PREMIUM", "6c57d4b6-3b23-47a5-9bc9-69f17b4947b3"),
    ("RMS_S_PREMIUM2", "5689bec4-755d-4753-8b61-40975025187c"),
    ("RMS_S_ENTERPRISE", "bea4c11e-220a-4e6d-8eb8-8ea15d019f90"),
    (
        "ADALLOM_S_STANDALONE",
        "2e2ddb96-6af9-4b1d-a3f0-d6ecfd22edb2",
    ),
    (
        "ADALLOM_S_DISCOVERY",
        "932ad362-64a8-4783-9106-97849a1a30b9",
    ),
    ("ATA", "14ab5db5-e6c4-4b20-b4bc-13e36fd2227f"),
    (
        "EXCHANGE_S_ENTERPRISE",
        "efb87545-963c-4e0d-99df-69c6916d9eb0",
    ),
    (
        "EXCHANGE_S_STANDARD",
        "9aaf7827-d63c-4b61-89c3-182f06f82e5c",
    ),
    (
        "EXCHANGE_S_ARCHIVE_ADDON",
        "176a09a6-7ec5-4039-ac02-b2791c6ba793",
    ),
    (
        "SHAREPOINTENTERPRISE",
        "5dbe027f-2339-4123-9542-606e4d348a72",
    ),
    ("SHAREPOINTSTANDARD", "c7699d2e-19aa-44de-8edf-1736da088ca1"),
    ("SHAREPOINTWAC", "e95bec33-7c88-4a70-8e19-b10bd9d0c014"),
    ("TEAMS1", "57ff2da0-773e-42df-b2af-ffb7a2317929"),
    ("OFFICESUBSCRIPTION", "43de0ff5-c92c-492b-9116-175376d08c38"),
    ("MCOSTANDARD", "0feaeb32-d00e-4d66-bd5a-43b5b83db82c"),
    ("ATP_ENTERPRISE", "f20fedf3-f3c3-43c3-8267-2bfdd51c0939"),
    ("FORMS_PLAN_E1", "159f4cd6-e380-449f-a816-af1a9ef76344"),
    ("FORMS_PLAN_E3", "2789c901-c14e-48ab-a76a-be334d9d793a"),
    (
        "PROJECTWORKMANAGEMENT",
        "b737dad2-2f6c-4c65-90e3-ca563267e8b9",
    ),
    ("BPOS_S_TODO_1", "5e62787c-c316-451f-b873-1d05acd4d12c"),
    ("BPOS_S_TODO_2", "c87f142c-d1e9-4363-8630-aaea9c4d9ae5"),
    ("SWAY", "a23b959c-7ce8-4e57-9140-b90eb88a9e97"),
    ("MICROSOFTBOOKINGS", "199a5c09-e0ca-4e37-8f7c-b05d533e1ea2"),
    ("FLOW_P2_VIRAL", "50e68c76-46c6-4674-81f9-75456511b170"),
];

/// Plans that apply to the company rather than to users.
pub const COMPANY_PLANS: &[&str] = &["SHAREPOINTWAC", "ADALLOM_S_DISCOVERY"];

/// skuPartNumber, skuId, plans.
pub const SKUS: &[(&str, &str, &[&str])] = &[
    (
        "SPE_E3",
        "05e9a617-0261-4cee-bb44-138d3ef5d965",
        &[
            "EXCHANGE_S_ENTERPRISE",
            "SHAREPOINTENTERPRISE",
            "SHAREPOINTWAC",
            "TEAMS1",
            "OFFICESUBSCRIPTION",
            "MCOSTANDARD",
            "AAD_PREMIUM",
            "MFA_PREMIUM",
            "INTUNE_A",
            "RMS_S_ENTERPRISE",
            "RMS_S_PREMIUM",
            "FORMS_PLAN_E3",
            "PROJECTWORKMANAGEMENT",
            "BPOS_S_TODO_2",
            "SWAY",
        ],
    ),
    (
        "EMSPREMIUM",
        "b05e124f-c7cc-45a0-a6aa-8cf78c946968",
        &[
            "AAD_PREMIUM",
            "AAD_PREMIUM_P2",
            "MFA_PREMIUM",
            "INTUNE_A",
            "RMS_S_PREMIUM",
            "RMS_S_PREMIUM2",
            "ADALLOM_S_STANDALONE",
            "ATA",
        ],
    ),
    (
        "FLOW_FREE",
        "f30db892-07e9-47e9-837c-80727f46fd3d",
        &["FLOW_P2_VIRAL"],
    ),
    (
        "SPB",
        "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46",
        &[
            "EXCHANGE_S_STANDARD",
            "EXCHANGE_S_ARCHIVE_ADDON",
            "SHAREPOINTSTANDARD",
            "SHAREPOINTWAC",
            "TEAMS1",
            "OFFICESUBSCRIPTION",
            "MCOSTANDARD",
            "AAD_PREMIUM",
            "MFA_PREMIUM",
            "INTUNE_A",
            "RMS_S_PREMIUM",
            "ATP_ENTERPRISE",
            "BPOS_S_TODO_1",
            "FORMS_PLAN_E1",
        ],
    ),
    (
        "AAD_PREMIUM_P2",
        "84a661c4-e949-4bd2-a560-ed7766fcaf2b",
        &[
            "AAD_PREMIUM",
            "AAD_PREMIUM_P2",
            "MFA_PREMIUM",
            "ADALLOM_S_DISCOVERY",
        ],
    ),
    (
        "O365_BUSINESS_PREMIUM",
        "f245ecc8-75af-4f8e-b61f-27d8114de5f3",
        &[
            "EXCHANGE_S_STANDARD",
            "SHAREPOINTSTANDARD",
            "SHAREPOINTWAC",
            "TEAMS1",
            "OFFICESUBSCRIPTION",
            "MCOSTANDARD",
            "FORMS_PLAN_E1",
            "PROJECTWORKMANAGEMENT",
            "BPOS_S_TODO_1",
            "SWAY",
            "MICROSOFTBOOKINGS",
        ],
    ),
    (
        "EXCHANGEARCHIVE_ADDON",
        "ee02fd1b-340e-4a4b-b355-4a514e4c8943",
        &["EXCHANGE_S_ARCHIVE_ADDON"],
    ),
];

/// The formats.md endpoint table: (file, request).
pub const ENDPOINTS: &[(&str, &str)] = &[
    (
        "graph/users.json",
        "GET /v1.0/users?$select=id,displayName,userPrincipalName,userType,accountEnabled,assignedLicenses,createdDateTime,signInActivity,onPremisesSyncEnabled&$top=500",
    ),
    (
        "graph/userRegistrationDetails.json",
        "GET /v1.0/reports/authenticationMethods/userRegistrationDetails",
    ),
    (
        "graph/conditionalAccessPolicies.json",
        "GET /v1.0/identity/conditionalAccess/policies",
    ),
    (
        "graph/securityDefaults.json",
        "GET /v1.0/policies/identitySecurityDefaultsEnforcementPolicy",
    ),
    ("graph/subscribedSkus.json", "GET /v1.0/subscribedSkus"),
    (
        "graph/roleDefinitions.json",
        "GET /v1.0/roleManagement/directory/roleDefinitions",
    ),
    (
        "graph/roleAssignments.json",
        "GET /v1.0/roleManagement/directory/roleAssignments?$expand=principal",
    ),
    (
        "graph/roleEligibilitySchedules.json",
        "GET /v1.0/roleManagement/directory/roleEligibilitySchedules",
    ),
    (
        "graph/roleAssignmentSchedules.json",
        "GET /v1.0/roleManagement/directory/roleAssignmentSchedules",
    ),
    (
        "graph/secureScores.json",
        "GET /v1.0/security/secureScores?$top=1",
    ),
    (
        "graph/directoryAudits.json",
        "GET /v1.0/auditLogs/directoryAudits?$filter=category eq 'RoleManagement'",
    ),
    (
        "graph/backupRestore.json",
        "GET /v1.0/solutions/backupRestore",
    ),
    (
        "graph/protectionPolicies.json",
        "GET /v1.0/solutions/backupRestore/protectionPolicies",
    ),
    (
        "graph/mailboxProtectionUnits.json",
        "GET /v1.0/solutions/backupRestore/protectionUnits/microsoft.graph.mailboxProtectionUnit",
    ),
    (
        "graph/driveProtectionUnits.json",
        "GET /v1.0/solutions/backupRestore/protectionUnits/microsoft.graph.driveProtectionUnit",
    ),
    (
        "graph/siteProtectionUnits.json",
        "GET /v1.0/solutions/backupRestore/protectionUnits/microsoft.graph.siteProtectionUnit",
    ),
    (
        "graph/restoreSessions.json",
        "GET /v1.0/solutions/backupRestore/restoreSessions",
    ),
    (
        "graph/authenticationMethodsPolicy.json",
        "GET /v1.0/policies/authenticationMethodsPolicy",
    ),
    (
        "graph/authorizationPolicy.json",
        "GET /v1.0/policies/authorizationPolicy",
    ),
    ("graph/domains.json", "GET /v1.0/domains"),
    (
        "graph/roleManagementPolicyAssignments.json",
        "GET /v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'&$expand=policy($expand=rules)",
    ),
];

/// The Microsoft 365 Backup files (a slice of [`ENDPOINTS`]).
pub fn backup_files() -> &'static [(&'static str, &'static str)] {
    &ENDPOINTS[11..17]
}

/// Graph's page size per collection (for the manifest's page counts); 100 otherwise.
pub fn page_size(file: &str) -> usize {
    match file {
        "graph/userRegistrationDetails.json" => 1000,
        _ => 100,
    }
}

pub fn role_id(name: &str) -> &'static str {
    ROLE_DEFS
        .iter()
        .find(|r| r.1 == name)
        .map(|r| r.0)
        .unwrap_or_else(|| panic!("no built-in role {name:?}"))
}

pub fn role_name(id: &str) -> Option<&'static str> {
    ROLE_DEFS.iter().find(|r| r.0 == id).map(|r| r.1)
}

pub fn sku(part: &str) -> (&'static str, &'static [&'static str]) {
    SKUS.iter()
        .find(|s| s.0 == part)
        .map(|s| (s.1, s.2))
        .unwrap_or_else(|| panic!("no SKU {part:?}"))
}

pub fn plan_id(plan: &str) -> &'static str {
    PLANS.iter().find(|p| p.0 == plan).map_or("", |p| p.1)
}

pub const GRAPH: &str = "https://graph.microsoft.com/v1.0/$metadata#";
pub const TOOL_VERSION: &str = "0.1.0";
pub const MONTHS: [&str; 6] = [
    "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11",
];
