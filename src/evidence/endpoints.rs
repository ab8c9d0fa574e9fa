//! The one table of Graph endpoints: the file each is stored in, the request that
//! produces it and the application permission it needs. `collect` and the loader share it.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    Users,
    RegistrationDetails,
    ConditionalAccess,
    SecurityDefaults,
    SubscribedSkus,
    RoleDefinitions,
    RoleAssignments,
    RoleEligibility,
    RoleAssignmentSchedules,
    SecureScores,
    DirectoryAudits,
    ProtectionPolicies,
    MailboxUnits,
    DriveUnits,
    SiteUnits,
    RestoreSessions,
}

pub struct EndpointSpec {
    pub endpoint: Endpoint,
    /// Path inside the month folder.
    pub file: &'static str,
    /// Request path and query, relative to the Graph root.
    pub request: &'static str,
    /// Least-privileged application permission.
    pub permission: &'static str,
    /// Only collected for clients that use Microsoft 365 Backup.
    pub m365_backup: bool,
    /// How `collect` reads the response: a paged collection, only its first page, or one object.
    pub shape: Shape,
}

/// The response shape of an endpoint, for `collect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `{"value": [...]}`: follow `@odata.nextLink` until absent and merge the pages.
    Collection,
    /// `{"value": [...]}`, first page only (e.g. `$top=1` for the latest Secure Score).
    FirstPage,
    /// A single object, stored as returned.
    Single,
}

pub const ENDPOINTS: &[EndpointSpec] = &[
    spec(
        Endpoint::Users,
        "graph/users.json",
        "/v1.0/users?$select=id,displayName,userPrincipalName,userType,accountEnabled,assignedLicenses,createdDateTime,signInActivity&$top=500",
        "User.Read.All, AuditLog.Read.All",
    ),
    spec(
        Endpoint::RegistrationDetails,
        "graph/userRegistrationDetails.json",
        "/v1.0/reports/authenticationMethods/userRegistrationDetails",
        "AuditLog.Read.All",
    ),
    spec(
        Endpoint::ConditionalAccess,
        "graph/conditionalAccessPolicies.json",
        "/v1.0/identity/conditionalAccess/policies",
        "Policy.Read.All",
    ),
    with_shape(
        spec(
            Endpoint::SecurityDefaults,
            "graph/securityDefaults.json",
            "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy",
            "Policy.Read.All",
        ),
        Shape::Single,
    ),
    spec(
        Endpoint::SubscribedSkus,
        "graph/subscribedSkus.json",
        "/v1.0/subscribedSkus",
        "LicenseAssignment.Read.All",
    ),
    spec(
        Endpoint::RoleDefinitions,
        "graph/roleDefinitions.json",
        "/v1.0/roleManagement/directory/roleDefinitions?$select=id,displayName,templateId,isBuiltIn,isEnabled,isPrivileged",
        "RoleManagement.Read.Directory",
    ),
    spec(
        Endpoint::RoleAssignments,
        "graph/roleAssignments.json",
        "/v1.0/roleManagement/directory/roleAssignments?$expand=principal",
        "RoleManagement.Read.Directory",
    ),
    spec(
        Endpoint::RoleEligibility,
        "graph/roleEligibilitySchedules.json",
        "/v1.0/roleManagement/directory/roleEligibilitySchedules?$expand=principal",
        "RoleEligibilitySchedule.Read.Directory",
    ),
    spec(
        Endpoint::RoleAssignmentSchedules,
        "graph/roleAssignmentSchedules.json",
        "/v1.0/roleManagement/directory/roleAssignmentSchedules",
        "RoleAssignmentSchedule.Read.Directory",
    ),
    with_shape(
        spec(
            Endpoint::SecureScores,
            "graph/secureScores.json",
            "/v1.0/security/secureScores?$top=1",
            "SecurityEvents.Read.All",
        ),
        Shape::FirstPage,
    ),
    spec(
        Endpoint::DirectoryAudits,
        "graph/directoryAudits.json",
        "/v1.0/auditLogs/directoryAudits?$filter=category eq 'RoleManagement'",
        "AuditLog.Read.All",
    ),
    backup(
        Endpoint::ProtectionPolicies,
        "graph/protectionPolicies.json",
        "/v1.0/solutions/backupRestore/protectionPolicies",
    ),
    backup(
        Endpoint::MailboxUnits,
        "graph/mailboxProtectionUnits.json",
        "/v1.0/solutions/backupRestore/protectionUnits/microsoft.graph.mailboxProtectionUnit",
    ),
    backup(
        Endpoint::DriveUnits,
        "graph/driveProtectionUnits.json",
        "/v1.0/solutions/backupRestore/protectionUnits/microsoft.graph.driveProtectionUnit",
    ),
    backup(
        Endpoint::SiteUnits,
        "graph/siteProtectionUnits.json",
        "/v1.0/solutions/backupRestore/protectionUnits/microsoft.graph.siteProtectionUnit",
    ),
    backup(
        Endpoint::RestoreSessions,
        "graph/restoreSessions.json",
        "/v1.0/solutions/backupRestore/restoreSessions",
    ),
];

const fn spec(
    endpoint: Endpoint,
    file: &'static str,
    request: &'static str,
    permission: &'static str,
) -> EndpointSpec {
    EndpointSpec {
        endpoint,
        file,
        request,
        permission,
        m365_backup: false,
        shape: Shape::Collection,
    }
}

const fn with_shape(spec: EndpointSpec, shape: Shape) -> EndpointSpec {
    EndpointSpec { shape, ..spec }
}

const fn backup(endpoint: Endpoint, file: &'static str, request: &'static str) -> EndpointSpec {
    EndpointSpec {
        endpoint,
        file,
        request,
        permission: "BackupRestore-Configuration.Read.All",
        m365_backup: true,
        shape: Shape::Collection,
    }
}

impl Endpoint {
    pub fn spec(self) -> &'static EndpointSpec {
        ENDPOINTS
            .iter()
            .find(|s| s.endpoint == self)
            .expect("every endpoint has a spec")
    }

    pub fn file(self) -> &'static str {
        self.spec().file
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_unique_and_every_endpoint_has_one_spec() {
        let mut files: Vec<_> = ENDPOINTS.iter().map(|s| s.file).collect();
        files.sort();
        files.dedup();
        assert_eq!(files.len(), ENDPOINTS.len());
        assert_eq!(
            Endpoint::RestoreSessions.file(),
            "graph/restoreSessions.json"
        );
    }
}
