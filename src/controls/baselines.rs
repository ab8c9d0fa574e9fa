//! Baseline references: which policies of the baselines MSP clients are audited against
//! (CISA SCuBA's Entra ID baseline, the CIS Microsoft 365 Foundations Benchmark, Maester's
//! tests) each control of the catalogue checks. One table, [`BASELINES`], keyed by control
//! id; an empty list says the control is custody's own. The per-baseline policy lists
//! ([`SCUBA_AAD`], [`CIS_ENTRA`]) give the README's coverage tables, derived from the same
//! table so the two never disagree.
//!
//! Only ids found in the baselines' own published text are cited (ScubaGear
//! `baselines/aad.md`, the CIS v5.0.0 recommendation list, Maester's test files); a
//! control whose match is doubtful has no reference rather than a guessed one.

use serde::Serialize;

/// A baseline a reference belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Framework {
    /// CISA Secure Cloud Business Applications, the Microsoft Entra ID baseline (`MS.AAD.x.y`).
    Scuba,
    /// CIS Microsoft 365 Foundations Benchmark, the version in [`CIS_VERSION`].
    Cis,
    /// Maester's own tests (`MT.xxxx`).
    Maester,
}

/// The CIS Microsoft 365 Foundations Benchmark version whose numbering is cited.
pub const CIS_VERSION: &str = "v5.0.0";

impl Framework {
    pub fn as_str(self) -> &'static str {
        match self {
            Framework::Scuba => "scuba",
            Framework::Cis => "cis",
            Framework::Maester => "maester",
        }
    }

    /// The baseline's full name, with the version where the numbering depends on it.
    pub fn title(self) -> &'static str {
        match self {
            Framework::Scuba => "CISA SCuBA Microsoft Entra ID baseline",
            Framework::Cis => "CIS Microsoft 365 Foundations Benchmark v5.0.0",
            Framework::Maester => "Maester",
        }
    }
}

/// One policy of a baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Reference {
    pub framework: Framework,
    /// The id as the baseline writes it: `MS.AAD.1.1`, `5.2.2.3`, `MT.1009`.
    pub id: &'static str,
    pub title: &'static str,
}

impl Reference {
    /// The id as cited in reports: CIS numbers carry a `CIS ` prefix, the others are
    /// already unambiguous.
    pub fn label(&self) -> String {
        match self.framework {
            Framework::Cis => format!("CIS {}", self.id),
            _ => self.id.to_owned(),
        }
    }
}

const fn scuba(id: &'static str, title: &'static str) -> Reference {
    Reference {
        framework: Framework::Scuba,
        id,
        title,
    }
}

const fn cis(id: &'static str, title: &'static str) -> Reference {
    Reference {
        framework: Framework::Cis,
        id,
        title,
    }
}

const fn mt(id: &'static str, title: &'static str) -> Reference {
    Reference {
        framework: Framework::Maester,
        id,
        title,
    }
}

// The policies, once each, with the baselines' own titles.
const AAD_1_1: Reference = scuba("MS.AAD.1.1", "Legacy authentication SHALL be blocked.");
const AAD_2_1: Reference = scuba(
    "MS.AAD.2.1",
    "Users detected as high risk SHALL be blocked.",
);
const AAD_2_2: Reference = scuba(
    "MS.AAD.2.2",
    "A notification SHOULD be sent to the administrator when high-risk users are detected.",
);
const AAD_2_3: Reference = scuba(
    "MS.AAD.2.3",
    "Sign-ins detected as high risk SHALL be blocked.",
);
const AAD_3_1: Reference = scuba(
    "MS.AAD.3.1",
    "Phishing-resistant MFA SHALL be enforced for all users.",
);
const AAD_3_2: Reference = scuba(
    "MS.AAD.3.2",
    "If phishing-resistant MFA has not been enforced, an alternative MFA method SHALL be enforced for all users.",
);
const AAD_3_3: Reference = scuba(
    "MS.AAD.3.3",
    "If Microsoft Authenticator is enabled, it SHALL be configured to show login context information.",
);
const AAD_3_4: Reference = scuba(
    "MS.AAD.3.4",
    "The Authentication Methods Manage Migration feature SHALL be set to Migration Complete.",
);
const AAD_3_5: Reference = scuba(
    "MS.AAD.3.5",
    "The authentication methods SMS, Voice Call, and Email One-Time Passcode (OTP) SHALL be disabled.",
);
const AAD_3_6: Reference = scuba(
    "MS.AAD.3.6",
    "Phishing-resistant MFA SHALL be required for highly privileged roles.",
);
const AAD_3_7: Reference = scuba(
    "MS.AAD.3.7",
    "Managed devices SHOULD be required for authentication.",
);
const AAD_3_8: Reference = scuba(
    "MS.AAD.3.8",
    "Managed Devices SHOULD be required to register MFA.",
);
const AAD_3_9: Reference = scuba(
    "MS.AAD.3.9",
    "Device code authentication SHOULD be blocked.",
);
const AAD_4_1: Reference = scuba(
    "MS.AAD.4.1",
    "Security logs SHALL be sent to the agency's security operations center for monitoring.",
);
const AAD_5_1: Reference = scuba(
    "MS.AAD.5.1",
    "Only administrators SHALL be allowed to register applications.",
);
const AAD_5_2: Reference = scuba(
    "MS.AAD.5.2",
    "Only administrators SHALL be allowed to consent to applications.",
);
const AAD_5_3: Reference = scuba(
    "MS.AAD.5.3",
    "An admin consent workflow SHALL be configured for applications.",
);
const AAD_6_1: Reference = scuba("MS.AAD.6.1", "User passwords SHALL NOT expire.");
const AAD_7_1: Reference = scuba(
    "MS.AAD.7.1",
    "A minimum of two users and a maximum of eight users SHALL be provisioned with the Global Administrator role.",
);
const AAD_7_2: Reference = scuba(
    "MS.AAD.7.2",
    "Privileged users SHALL be provisioned with finer-grained roles instead of Global Administrator.",
);
const AAD_7_3: Reference = scuba(
    "MS.AAD.7.3",
    "Privileged users SHALL be provisioned cloud-only accounts separate from an on-premises directory or other federated identity providers.",
);
const AAD_7_4: Reference = scuba(
    "MS.AAD.7.4",
    "Permanent active role assignments SHALL NOT be allowed for highly privileged roles.",
);
const AAD_7_5: Reference = scuba(
    "MS.AAD.7.5",
    "Provisioning users to highly privileged roles SHALL NOT occur outside of a PAM system.",
);
const AAD_7_6: Reference = scuba(
    "MS.AAD.7.6",
    "Activation of the Global Administrator role SHALL require approval.",
);
const AAD_7_7: Reference = scuba(
    "MS.AAD.7.7",
    "Eligible and Active highly privileged role assignments SHALL trigger an alert.",
);
const AAD_7_8: Reference = scuba(
    "MS.AAD.7.8",
    "User activation of the Global Administrator role SHALL trigger an alert.",
);
const AAD_7_9: Reference = scuba(
    "MS.AAD.7.9",
    "User activation of other highly privileged roles SHOULD trigger an alert.",
);
const AAD_8_1: Reference = scuba(
    "MS.AAD.8.1",
    "Guest users SHOULD have limited or restricted access to Microsoft Entra ID directory objects.",
);
const AAD_8_2: Reference = scuba(
    "MS.AAD.8.2",
    "Only users with the Guest Inviter role SHOULD be able to invite guest users.",
);
const AAD_8_3: Reference = scuba(
    "MS.AAD.8.3",
    "Guest invites SHOULD only be allowed to specific external domains that have been authorized by the agency for legitimate business purposes.",
);

const CIS_1_1_1: Reference = cis("1.1.1", "Ensure Administrative accounts are cloud-only");
const CIS_1_1_2: Reference = cis(
    "1.1.2",
    "Ensure two emergency access accounts have been defined",
);
const CIS_1_1_3: Reference = cis(
    "1.1.3",
    "Ensure that between two and four global admins are designated",
);
const CIS_1_1_4: Reference = cis(
    "1.1.4",
    "Ensure administrative accounts use licenses with a reduced application footprint",
);
const CIS_1_3_1: Reference = cis(
    "1.3.1",
    "Ensure the 'Password expiration policy' is set to 'Set passwords to never expire (recommended)'",
);
const CIS_5_1_2_1: Reference = cis("5.1.2.1", "Ensure 'Per-user MFA' is disabled");
const CIS_5_1_2_2: Reference = cis(
    "5.1.2.2",
    "Ensure third party integrated applications are not allowed",
);
const CIS_5_1_2_3: Reference = cis(
    "5.1.2.3",
    "Ensure 'Restrict non-admin users from creating tenants' is set to 'Yes'",
);
const CIS_5_1_2_4: Reference = cis(
    "5.1.2.4",
    "Ensure access to the Entra admin center is restricted",
);
const CIS_5_1_2_5: Reference = cis("5.1.2.5", "Ensure the option to remain signed in is hidden");
const CIS_5_1_2_6: Reference = cis(
    "5.1.2.6",
    "Ensure 'LinkedIn account connections' is disabled",
);
const CIS_5_1_3_1: Reference = cis(
    "5.1.3.1",
    "Ensure a dynamic group for guest users is created",
);
const CIS_5_1_5_1: Reference = cis(
    "5.1.5.1",
    "Ensure user consent to apps accessing company data on their behalf is not allowed",
);
const CIS_5_1_5_2: Reference = cis("5.1.5.2", "Ensure the admin consent workflow is enabled");
const CIS_5_1_6_1: Reference = cis(
    "5.1.6.1",
    "Ensure that collaboration invitations are sent to allowed domains only",
);
const CIS_5_1_6_2: Reference = cis("5.1.6.2", "Ensure that guest user access is restricted");
const CIS_5_1_6_3: Reference = cis(
    "5.1.6.3",
    "Ensure guest user invitations are limited to the Guest Inviter role",
);
const CIS_5_1_8_1: Reference = cis(
    "5.1.8.1",
    "Ensure that password hash sync is enabled for hybrid deployments",
);
const CIS_5_2_2_1: Reference = cis(
    "5.2.2.1",
    "Ensure multifactor authentication is enabled for all users in administrative roles",
);
const CIS_5_2_2_2: Reference = cis(
    "5.2.2.2",
    "Ensure multifactor authentication is enabled for all users",
);
const CIS_5_2_2_3: Reference = cis(
    "5.2.2.3",
    "Enable Conditional Access policies to block legacy authentication",
);
const CIS_5_2_2_4: Reference = cis(
    "5.2.2.4",
    "Ensure Sign-in frequency is enabled and browser sessions are not persistent for Administrative users",
);
const CIS_5_2_2_5: Reference = cis(
    "5.2.2.5",
    "Ensure 'Phishing-resistant MFA strength' is required for Administrators",
);
const CIS_5_2_2_6: Reference = cis("5.2.2.6", "Enable Identity Protection user risk policies");
const CIS_5_2_2_7: Reference = cis(
    "5.2.2.7",
    "Enable Identity Protection sign-in risk policies",
);
const CIS_5_2_2_8: Reference = cis(
    "5.2.2.8",
    "Ensure 'sign-in risk' is blocked for medium and high risk",
);
const CIS_5_2_2_9: Reference = cis(
    "5.2.2.9",
    "Ensure a managed device is required for authentication",
);
const CIS_5_2_2_10: Reference = cis(
    "5.2.2.10",
    "Ensure a managed device is required for MFA registration",
);
const CIS_5_2_2_11: Reference = cis(
    "5.2.2.11",
    "Ensure sign-in frequency for Intune Enrollment is set to 'Every time'",
);
const CIS_5_2_2_12: Reference = cis("5.2.2.12", "Ensure the device code sign-in flow is blocked");
const CIS_5_2_3_1: Reference = cis(
    "5.2.3.1",
    "Ensure Microsoft Authenticator is configured to protect against MFA fatigue",
);
const CIS_5_2_3_2: Reference = cis("5.2.3.2", "Ensure custom banned passwords lists are used");
const CIS_5_2_3_3: Reference = cis(
    "5.2.3.3",
    "Ensure password protection is enabled for on-prem Active Directory",
);
const CIS_5_2_3_4: Reference = cis("5.2.3.4", "Ensure all member users are 'MFA capable'");
const CIS_5_2_3_5: Reference = cis("5.2.3.5", "Ensure weak authentication methods are disabled");
const CIS_5_2_3_6: Reference = cis(
    "5.2.3.6",
    "Ensure system-preferred multifactor authentication is enabled",
);
const CIS_5_2_4_1: Reference = cis(
    "5.2.4.1",
    "Ensure 'Self service password reset enabled' is set to 'All'",
);
const CIS_5_3_1: Reference = cis(
    "5.3.1",
    "Ensure 'Privileged Identity Management' is used to manage roles",
);
const CIS_5_3_2: Reference = cis(
    "5.3.2",
    "Ensure 'Access reviews' for Guest Users are configured",
);
const CIS_5_3_3: Reference = cis(
    "5.3.3",
    "Ensure 'Access reviews' for privileged roles are configured",
);
const CIS_5_3_4: Reference = cis(
    "5.3.4",
    "Ensure approval is required for Global Administrator role activation",
);
const CIS_5_3_5: Reference = cis(
    "5.3.5",
    "Ensure approval is required for Privileged Role Administrator activation",
);

const MT_1005: Reference = mt(
    "MT.1005",
    "All Conditional Access policies are configured to exclude at least one emergency/break glass account or group",
);
const MT_1006: Reference = mt(
    "MT.1006",
    "At least one Conditional Access policy is configured to require MFA for admins",
);
const MT_1007: Reference = mt(
    "MT.1007",
    "At least one Conditional Access policy is configured to require MFA for all users",
);
const MT_1009: Reference = mt(
    "MT.1009",
    "At least one Conditional Access policy is configured to block other legacy authentication",
);
const MT_1010: Reference = mt(
    "MT.1010",
    "At least one Conditional Access policy is configured to block legacy authentication for Exchange ActiveSync",
);
const MT_1021: Reference = mt("MT.1021", "Security Defaults are enabled");

/// Every policy of SCuBA's Microsoft Entra ID baseline (`baselines/aad.md`), in its order.
pub const SCUBA_AAD: &[Reference] = &[
    AAD_1_1, AAD_2_1, AAD_2_2, AAD_2_3, AAD_3_1, AAD_3_2, AAD_3_3, AAD_3_4, AAD_3_5, AAD_3_6,
    AAD_3_7, AAD_3_8, AAD_3_9, AAD_4_1, AAD_5_1, AAD_5_2, AAD_5_3, AAD_6_1, AAD_7_1, AAD_7_2,
    AAD_7_3, AAD_7_4, AAD_7_5, AAD_7_6, AAD_7_7, AAD_7_8, AAD_7_9, AAD_8_1, AAD_8_2, AAD_8_3,
];

/// The CIS v5.0.0 recommendations on Entra ID: the identity ones of section 1 (admin
/// accounts, password expiry) and all of section 5 (Microsoft Entra admin center).
pub const CIS_ENTRA: &[Reference] = &[
    CIS_1_1_1,
    CIS_1_1_2,
    CIS_1_1_3,
    CIS_1_1_4,
    CIS_1_3_1,
    CIS_5_1_2_1,
    CIS_5_1_2_2,
    CIS_5_1_2_3,
    CIS_5_1_2_4,
    CIS_5_1_2_5,
    CIS_5_1_2_6,
    CIS_5_1_3_1,
    CIS_5_1_5_1,
    CIS_5_1_5_2,
    CIS_5_1_6_1,
    CIS_5_1_6_2,
    CIS_5_1_6_3,
    CIS_5_1_8_1,
    CIS_5_2_2_1,
    CIS_5_2_2_2,
    CIS_5_2_2_3,
    CIS_5_2_2_4,
    CIS_5_2_2_5,
    CIS_5_2_2_6,
    CIS_5_2_2_7,
    CIS_5_2_2_8,
    CIS_5_2_2_9,
    CIS_5_2_2_10,
    CIS_5_2_2_11,
    CIS_5_2_2_12,
    CIS_5_2_3_1,
    CIS_5_2_3_2,
    CIS_5_2_3_3,
    CIS_5_2_3_4,
    CIS_5_2_3_5,
    CIS_5_2_3_6,
    CIS_5_2_4_1,
    CIS_5_3_1,
    CIS_5_3_2,
    CIS_5_3_3,
    CIS_5_3_4,
    CIS_5_3_5,
];

/// The baseline references of every control, by control id. Every catalogue control has a
/// row (an empty list: custody's own control, or no baseline policy matches it closely
/// enough to cite); a test checks both directions.
pub const BASELINES: &[(&str, &[Reference])] = &[
    ("governance.raci-complete", &[]),
    ("governance.controls-owned", &[]),
    ("governance.workload-owners", &[]),
    ("governance.licence-utilisation", &[]),
    ("governance.no-placeholders", &[]),
    // Registration is what CIS reads as "MFA capable" (userRegistrationDetails.isMfaCapable);
    // admins are member users too.
    ("identity.mfa-admins", &[CIS_5_2_3_4]),
    ("identity.mfa-users", &[CIS_5_2_3_4]),
    (
        "identity.ca-mfa-all-users",
        &[AAD_3_2, CIS_5_2_2_2, MT_1007],
    ),
    ("identity.ca-mfa-admins", &[CIS_5_2_2_1, MT_1006]),
    // custody's rule blocks both legacy client app types, which Maester tests apart.
    (
        "identity.ca-block-legacy-auth",
        &[AAD_1_1, CIS_5_2_2_3, MT_1009, MT_1010],
    ),
    ("identity.security-defaults", &[MT_1021]),
    ("identity.licences", &[]),
    (
        "identity.phishing-resistant-mfa-admins",
        &[AAD_3_6, CIS_5_2_2_5],
    ),
    ("identity.ca-block-high-risk-users", &[AAD_2_1, CIS_5_2_2_6]),
    (
        "identity.ca-block-high-risk-sign-ins",
        &[AAD_2_3, CIS_5_2_2_7],
    ),
    ("identity.weak-methods-disabled", &[AAD_3_5, CIS_5_2_3_5]),
    (
        "identity.ca-block-device-code-flow",
        &[AAD_3_9, CIS_5_2_2_12],
    ),
    ("identity.user-consent-restricted", &[AAD_5_2, CIS_5_1_5_1]),
    ("identity.guest-access-restricted", &[AAD_8_1, CIS_5_1_6_2]),
    ("identity.passwords-never-expire", &[AAD_6_1, CIS_1_3_1]),
    ("identity.break-glass-excluded-everywhere", &[MT_1005]),
    ("access.global-admin-count", &[AAD_7_1, CIS_1_1_3]),
    ("access.break-glass", &[CIS_1_1_2]),
    ("access.pim-standing-privilege", &[AAD_7_4, CIS_5_3_1]),
    // No baseline policy found that names guests in privileged roles, dormant privileged
    // accounts, an approved-assignment list or a monthly review of role changes (SCuBA's
    // 7.5 and 7.7 ask for a PAM system and alerts, which these do not check).
    ("access.guest-admins", &[]),
    ("access.stale-admins", &[]),
    ("access.approved-assignments", &[]),
    ("access.role-changes", &[]),
    ("access.ga-activation-approval", &[AAD_7_6, CIS_5_3_4]),
    ("access.cloud-only-admins", &[AAD_7_3, CIS_1_1_1]),
    ("backup.*.policy-complete", &[]),
    ("backup.*.protection-coverage", &[]),
    ("backup.*.job-success", &[]),
    ("backup.*.rpo", &[]),
    ("backup.*.restore-test", &[]),
    ("retention.separate-from-backup", &[]),
    ("retention.legal-minimum", &[]),
    ("evidence.snapshot-complete", &[]),
    ("evidence.snapshot-fresh", &[]),
];

/// Rows for controls being added to the catalogue in parallel (empty: issue 15 landed): the test that
/// every row names a catalogue control tolerates these until they land. Remove an id once
/// its control is in the catalogue (the test then fails on a stale entry here).
pub const PENDING: &[&str] = &[];

/// The row of a control id (`*` in a row stands for one workload), if any.
pub fn row(id: &str) -> Option<&'static [Reference]> {
    BASELINES
        .iter()
        .find(|(pattern, _)| super::id_matches(pattern, id))
        .map(|(_, refs)| *refs)
}

/// The baseline references of a control id; empty for custody's own controls.
pub fn of(id: &str) -> &'static [Reference] {
    row(id).unwrap_or(&[])
}

/// The catalogue controls that cite a baseline policy.
pub fn covered_by(r: &Reference) -> Vec<&'static str> {
    super::catalogue()
        .iter()
        .filter(|c| of(&c.id).contains(r))
        .map(|c| c.id.as_str())
        .collect()
}

/// The README's coverage tables: per baseline, each of its Entra ID policies and the
/// custody controls that check it, or "not covered".
pub fn coverage_markdown() -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for (name, policies) in [
        (Framework::Scuba.title(), SCUBA_AAD),
        (Framework::Cis.title(), CIS_ENTRA),
    ] {
        let covered = policies
            .iter()
            .filter(|r| !covered_by(r).is_empty())
            .count();
        let _ = writeln!(
            out,
            "#### {name}\n\ncustody covers {covered} of its {} Entra ID policies.\n",
            policies.len()
        );
        out.push_str("| id | title | custody control |\n|---|---|---|\n");
        for r in policies {
            let by = covered_by(r);
            let by = if by.is_empty() {
                "not covered".to_owned()
            } else {
                by.iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(out, "| {} | {} | {by} |", r.label(), r.title);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controls::{catalogue, find};

    #[test]
    fn every_catalogue_control_has_a_row() {
        for c in catalogue() {
            assert!(row(&c.id).is_some(), "{} has no row in BASELINES", c.id);
            let rows = BASELINES
                .iter()
                .filter(|(p, _)| crate::controls::id_matches(p, &c.id))
                .count();
            assert_eq!(rows, 1, "{} matches {rows} rows", c.id);
        }
    }

    #[test]
    fn every_row_names_a_catalogue_control_or_a_pending_one() {
        for (pattern, _) in BASELINES {
            let known = catalogue()
                .iter()
                .any(|c| crate::controls::id_matches(pattern, &c.id));
            assert!(
                known || PENDING.contains(pattern),
                "BASELINES row {pattern} names no catalogue control"
            );
        }
        // A pending id that has landed must leave PENDING, and a pending id needs its row.
        for id in PENDING {
            assert!(
                find(id).is_none(),
                "{id} is in the catalogue: drop it from PENDING"
            );
            assert!(BASELINES.iter().any(|(p, _)| p == id), "{id} has no row");
        }
    }

    #[test]
    fn every_cited_policy_is_a_policy_of_its_baseline() {
        for (id, refs) in BASELINES {
            for r in *refs {
                let known = match r.framework {
                    Framework::Scuba => SCUBA_AAD.contains(r),
                    Framework::Cis => CIS_ENTRA.contains(r),
                    Framework::Maester => r.id.starts_with("MT.") && !r.title.is_empty(),
                };
                assert!(known, "{id} cites {} which is not listed", r.label());
            }
            let mut labels: Vec<String> = refs.iter().map(Reference::label).collect();
            labels.dedup();
            assert_eq!(labels.len(), refs.len(), "{id} cites a policy twice");
        }
        // Ids are unique within each baseline list.
        for list in [SCUBA_AAD, CIS_ENTRA] {
            let mut ids: Vec<&str> = list.iter().map(|r| r.id).collect();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), list.len());
        }
    }

    #[test]
    fn known_mappings() {
        let labels = |id: &str| of(id).iter().map(Reference::label).collect::<Vec<_>>();
        assert_eq!(
            labels("identity.ca-block-legacy-auth"),
            ["MS.AAD.1.1", "CIS 5.2.2.3", "MT.1009", "MT.1010"]
        );
        assert_eq!(
            labels("access.global-admin-count"),
            ["MS.AAD.7.1", "CIS 1.1.3"]
        );
        assert_eq!(labels("backup.teams.rpo"), Vec::<String>::new());
        assert!(row("backup.teams.rpo").is_some());
        assert!(row("nothing.like.it").is_none());
        assert_eq!(
            covered_by(&AAD_1_1),
            ["identity.ca-block-legacy-auth"],
            "coverage reads the table"
        );
        assert!(covered_by(&AAD_4_1).is_empty());
    }

    #[test]
    fn coverage_tables_list_every_policy_once() {
        let md = coverage_markdown();
        for r in SCUBA_AAD.iter().chain(CIS_ENTRA) {
            assert_eq!(
                md.matches(&format!("| {} | ", r.label())).count(),
                1,
                "{}",
                r.label()
            );
        }
        assert!(md.contains(
            "| MS.AAD.1.1 | Legacy authentication SHALL be blocked. | `identity.ca-block-legacy-auth` |"
        ));
        assert!(md.contains("| MS.AAD.4.1 | "));
        assert!(md.contains("not covered"));
    }
}
