//! The one table of Graph endpoints: the file each is stored in, the request that
//! produces it, the application permission it needs, its response shape and the typed
//! snapshot slot it loads into. Everything else derives from the table: the
//! [`Endpoint`] enum, [`ENDPOINTS`] (what `collect` fetches and records, what
//! `evidence.snapshot-complete` expects, the README's tables), the snapshot's
//! [`GraphSlots`] with their loader, and the check `collect` runs on every body before
//! writing it. Adding an endpoint is one row here (and its type in `graph.rs`).

use super::graph::*;
use super::{LoadCtx, Missing, Slot, with_diags};
use crate::diagnostic::Diagnostic;

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

/// The response shape of an endpoint, for `collect` and the loader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `{"value": [...]}`: follow `@odata.nextLink` until absent and merge the pages.
    Collection,
    /// `{"value": [...]}`, first page only (e.g. `$top=1` for the latest Secure Score).
    FirstPage,
    /// A single object, stored as returned.
    Single,
}

/// The slot type of a shape: a collection loads into `Vec<T>`, a single object into `T`.
macro_rules! slot_type {
    (Collection, $t:ty) => { Vec<$t> };
    (FirstPage, $t:ty) => { Vec<$t> };
    (Single, $t:ty) => { $t };
}

/// Loads one endpoint's file by its shape (see [`LoadCtx`]).
macro_rules! load_slot {
    (Collection, $t:ty, $ctx:expr, $e:expr, $d:expr) => {
        $ctx.collection::<$t>($e, $d)
    };
    (FirstPage, $t:ty, $ctx:expr, $e:expr, $d:expr) => {
        $ctx.collection::<$t>($e, $d)
    };
    (Single, $t:ty, $ctx:expr, $e:expr, $d:expr) => {
        $ctx.single::<$t>($e, $d)
    };
}

/// Parses a response body as the loader parses the endpoint's file.
macro_rules! parse_body {
    (Collection, $t:ty, $rel:expr, $bytes:expr) => {
        super::parse_json::<Collection<$t>>($rel, $bytes).map(|_| ())
    };
    (FirstPage, $t:ty, $rel:expr, $bytes:expr) => {
        super::parse_json::<Collection<$t>>($rel, $bytes).map(|_| ())
    };
    (Single, $t:ty, $rel:expr, $bytes:expr) => {
        super::parse_json::<$t>($rel, $bytes).map(|_| ())
    };
}

/// `m365_backup` defaults to false.
macro_rules! backup_flag {
    () => {
        false
    };
    ($b:literal) => {
        $b
    };
}

/// Generates the enum, the table, the snapshot slots, their loader and the body check
/// from one list of rows.
macro_rules! graph_endpoints {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident => $field:ident: $shape:ident<$item:ty> {
            file: $file:literal,
            request: $request:literal,
            permission: $permission:literal,
            $(m365_backup: $backup:literal,)?
        }
    )*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Endpoint {
            $($(#[doc = $doc])* $variant,)*
        }

        pub const ENDPOINTS: &[EndpointSpec] = &[$(
            EndpointSpec {
                endpoint: Endpoint::$variant,
                file: $file,
                request: $request,
                permission: $permission,
                m365_backup: backup_flag!($($backup)?),
                shape: Shape::$shape,
            },
        )*];

        /// A month's Graph evidence: one slot per endpoint, the parsed data or why it
        /// is missing.
        #[derive(Debug, Clone)]
        pub struct GraphSlots {
            $($(#[doc = $doc])* pub $field: Slot<slot_type!($shape, $item)>,)*
        }

        impl GraphSlots {
            /// Loads every endpoint's file, each in its own task (a large tenant's users,
            /// registrations and protection units are hundreds of megabytes each);
            /// diagnostics come back in table order.
            pub(super) fn load(ctx: &LoadCtx) -> (GraphSlots, Vec<Diagnostic>) {
                $(let mut $field = None;)*
                rayon::scope(|s| {
                    $(
                        let out = &mut $field;
                        s.spawn(move |_| {
                            *out = Some(with_diags(|d| {
                                load_slot!($shape, $item, ctx, Endpoint::$variant, d)
                            }));
                        });
                    )*
                });
                let mut diags = Vec::new();
                let slots = GraphSlots {
                    $($field: {
                        let (slot, d) = $field.expect("every load task ran to completion");
                        diags.extend(d);
                        slot
                    },)*
                };
                (slots, diags)
            }

            /// Every slot missing for one reason: what another tenant's files say is no
            /// evidence about this client.
            pub(super) fn all_missing(path: impl Fn(&str) -> String, reason: &str) -> GraphSlots {
                GraphSlots {
                    $($field: Slot::Missing(Missing {
                        file: path($file),
                        reason: reason.to_owned(),
                    }),)*
                }
            }

            /// Sets an endpoint's data aside: it is missing, for `m`'s reason.
            pub(super) fn set_missing(&mut self, endpoint: Endpoint, m: Missing) {
                match endpoint {
                    $(Endpoint::$variant => self.$field = Slot::Missing(m),)*
                }
            }

            /// Why an endpoint's data is missing, if it is.
            pub fn missing(&self, endpoint: Endpoint) -> Option<Missing> {
                match endpoint {
                    $(Endpoint::$variant => self.$field.get().err(),)*
                }
            }
        }

        /// Parses `bytes` as the loader parses `endpoint`'s file (`rel` names it in errors).
        pub fn check_body(endpoint: Endpoint, rel: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
            match endpoint {
                $(Endpoint::$variant => parse_body!($shape, $item, rel, bytes),)*
            }
        }
    };
}

graph_endpoints! {
    Users => users: Collection<User> {
        file: "graph/users.json",
        request: "/v1.0/users?$select=id,displayName,userPrincipalName,userType,accountEnabled,assignedLicenses,createdDateTime,signInActivity,onPremisesSyncEnabled&$top=500",
        permission: "User.Read.All, AuditLog.Read.All",
    }
    RegistrationDetails => registrations: Collection<RegistrationDetail> {
        file: "graph/userRegistrationDetails.json",
        request: "/v1.0/reports/authenticationMethods/userRegistrationDetails",
        permission: "AuditLog.Read.All",
    }
    ConditionalAccess => ca_policies: Collection<CaPolicy> {
        file: "graph/conditionalAccessPolicies.json",
        request: "/v1.0/identity/conditionalAccess/policies",
        permission: "Policy.Read.All",
    }
    SecurityDefaults => security_defaults: Single<SecurityDefaults> {
        file: "graph/securityDefaults.json",
        request: "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy",
        permission: "Policy.Read.All",
    }
    SubscribedSkus => skus: Collection<SubscribedSku> {
        file: "graph/subscribedSkus.json",
        request: "/v1.0/subscribedSkus",
        permission: "LicenseAssignment.Read.All",
    }
    RoleDefinitions => role_definitions: Collection<RoleDefinition> {
        file: "graph/roleDefinitions.json",
        request: "/v1.0/roleManagement/directory/roleDefinitions?$select=id,displayName,templateId,isBuiltIn,isEnabled,isPrivileged",
        permission: "RoleManagement.Read.Directory",
    }
    RoleAssignments => role_assignments: Collection<RoleAssignment> {
        file: "graph/roleAssignments.json",
        request: "/v1.0/roleManagement/directory/roleAssignments?$expand=principal",
        permission: "RoleManagement.Read.Directory",
    }
    RoleEligibility => role_eligibility: Collection<RoleSchedule> {
        file: "graph/roleEligibilitySchedules.json",
        request: "/v1.0/roleManagement/directory/roleEligibilitySchedules?$expand=principal",
        permission: "RoleEligibilitySchedule.Read.Directory",
    }
    RoleAssignmentSchedules => role_schedules: Collection<RoleSchedule> {
        file: "graph/roleAssignmentSchedules.json",
        request: "/v1.0/roleManagement/directory/roleAssignmentSchedules",
        permission: "RoleAssignmentSchedule.Read.Directory",
    }
    SecureScores => secure_scores: FirstPage<SecureScore> {
        file: "graph/secureScores.json",
        request: "/v1.0/security/secureScores?$top=1",
        permission: "SecurityEvents.Read.All",
    }
    DirectoryAudits => audits: Collection<DirectoryAudit> {
        file: "graph/directoryAudits.json",
        request: "/v1.0/auditLogs/directoryAudits?$filter=category eq 'RoleManagement'",
        permission: "AuditLog.Read.All",
    }
    /// Whether the tenant's Microsoft 365 Backup service runs (`serviceStatus`).
    BackupService => backup_service: Single<BackupRestoreRoot> {
        file: "graph/backupRestore.json",
        request: "/v1.0/solutions/backupRestore",
        // "Get backupRestoreRoot", Graph API reference: the control permission, not the
        // configuration one.
        permission: "BackupRestore-Control.Read.All",
        m365_backup: true,
    }
    ProtectionPolicies => protection_policies: Collection<ProtectionPolicy> {
        file: "graph/protectionPolicies.json",
        request: "/v1.0/solutions/backupRestore/protectionPolicies",
        permission: "BackupRestore-Configuration.Read.All",
        m365_backup: true,
    }
    MailboxUnits => mailbox_units: Collection<ProtectionUnit> {
        file: "graph/mailboxProtectionUnits.json",
        request: "/v1.0/solutions/backupRestore/protectionUnits/microsoft.graph.mailboxProtectionUnit",
        permission: "BackupRestore-Configuration.Read.All",
        m365_backup: true,
    }
    DriveUnits => drive_units: Collection<ProtectionUnit> {
        file: "graph/driveProtectionUnits.json",
        request: "/v1.0/solutions/backupRestore/protectionUnits/microsoft.graph.driveProtectionUnit",
        permission: "BackupRestore-Configuration.Read.All",
        m365_backup: true,
    }
    SiteUnits => site_units: Collection<ProtectionUnit> {
        file: "graph/siteProtectionUnits.json",
        request: "/v1.0/solutions/backupRestore/protectionUnits/microsoft.graph.siteProtectionUnit",
        permission: "BackupRestore-Configuration.Read.All",
        m365_backup: true,
    }
    RestoreSessions => restore_sessions: Collection<RestoreSession> {
        file: "graph/restoreSessions.json",
        request: "/v1.0/solutions/backupRestore/restoreSessions",
        // Restore sessions are read with the restore permission, not the configuration
        // one ("List restoreSessionBase objects", Graph API reference).
        permission: "BackupRestore-Restore.Read.All",
        m365_backup: true,
    }
    /// Which authentication methods are enabled, and for whom (weak methods).
    AuthenticationMethods => authentication_methods: Single<AuthenticationMethodsPolicy> {
        file: "graph/authenticationMethodsPolicy.json",
        request: "/v1.0/policies/authenticationMethodsPolicy",
        permission: "Policy.Read.All",
    }
    /// User consent to apps and guest access to the directory.
    Authorization => authorization: Single<AuthorizationPolicy> {
        file: "graph/authorizationPolicy.json",
        request: "/v1.0/policies/authorizationPolicy",
        permission: "Policy.Read.All",
    }
    /// The tenant's domains with their password expiry.
    Domains => domains: Collection<Domain> {
        file: "graph/domains.json",
        request: "/v1.0/domains",
        permission: "Domain.Read.All",
    }
    /// The PIM settings of every directory role (approval, activation rules): needs
    /// Entra ID P2.
    RoleManagementPolicies => role_policies: Collection<RolePolicyAssignment> {
        file: "graph/roleManagementPolicyAssignments.json",
        request: "/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'&$expand=policy($expand=rules)",
        permission: "RoleManagementPolicy.Read.Directory",
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

/// The README's two endpoint tables, from [`ENDPOINTS`]: the evidence files with the
/// requests that produce them, and the application permission each needs.
pub fn readme_tables() -> (String, String) {
    let mut files = String::from("| file | request |\n|---|---|\n");
    let mut perms = String::from("| evidence file | application permission |\n|---|---|\n");
    for e in ENDPOINTS {
        files.push_str(&format!("| `{}` | `GET {}` |\n", e.file, e.request));
        perms.push_str(&format!("| `{}` | {} |\n", e.file, e.permission));
    }
    // The restore point searches are POSTs built from the protection units, not a row of
    // the table (see `restore_points`); they are listed here all the same.
    use super::restore_points as rp;
    files.push_str(&format!(
        "| `{}` | `POST {}` (per workload using Microsoft 365 Backup: the oldest and the latest restore point of each searched protection unit in query windows no longer than its RPO) |\n",
        rp::FILE,
        rp::REQUEST
    ));
    perms.push_str(&format!("| `{}` | {} |\n", rp::FILE, rp::PERMISSION));
    (files, perms)
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
        assert_eq!(
            Endpoint::RoleManagementPolicies.spec().permission,
            "RoleManagementPolicy.Read.Directory"
        );
        assert_eq!(Endpoint::Authorization.spec().shape, Shape::Single);
        assert_eq!(Endpoint::Domains.spec().shape, Shape::Collection);
    }

    #[test]
    fn bodies_are_checked_by_their_shape() {
        // A single object is not a collection, and the other way round.
        assert!(check_body(Endpoint::Authorization, "f", br#"{"guestUserRoleId":"x"}"#).is_ok());
        let e = check_body(Endpoint::Authorization, "f", br#"{"guestUserRoleId":1}"#).unwrap_err();
        assert_eq!(e.json_path.as_deref(), Some("/guestUserRoleId"));
        assert!(check_body(Endpoint::Domains, "f", br#"{"value":[{"id":"a.example"}]}"#).is_ok());
        assert!(check_body(Endpoint::Domains, "f", br#"{"id":"a.example"}"#).is_err());
    }
}
