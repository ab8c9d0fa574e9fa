//! Every Microsoft Graph sample in tests/fixtures/graph-samples whose endpoint custody evaluates
//! must load with the real parser (these are Microsoft's own example responses and real
//! captures, quirks included).

use custody::evidence::graph::*;
use custody::evidence::parse_json;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/graph-samples")
}

fn load<T: DeserializeOwned>(name: &str) -> Option<T> {
    let dir = samples_dir();
    let path = dir.join(name);
    let f = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(parse_json::<T>(name, std::io::BufReader::new(f)).unwrap_or_else(|d| panic!("{d}")))
}

fn list<T: DeserializeOwned>(name: &str) -> Option<Vec<T>> {
    load::<Collection<T>>(name).map(|c| c.value)
}

#[test]
fn every_supported_sample_loads() {
    // (file, parser) for each supported endpoint.
    type Loader = fn(&str) -> usize;
    let checks: Vec<(&str, Loader)> = vec![
        ("v1.0__users__select_signInActivity.json", |f| {
            list::<User>(f).unwrap().len()
        }),
        ("v1.0__users__default.json", |f| {
            list::<User>(f).unwrap().len()
        }),
        ("v1.0__users__filter_assignedLicenses.json", |f| {
            list::<User>(f).unwrap().len()
        }),
        (
            "v1.0__reports__authenticationMethods__userRegistrationDetails.json",
            |f| list::<RegistrationDetail>(f).unwrap().len(),
        ),
        (
            "v1.0__reports__authenticationMethods__userRegistrationDetails__live-graph2otel.json",
            |f| list::<RegistrationDetail>(f).unwrap().len(),
        ),
        ("v1.0__identity__conditionalAccess__policies.json", |f| {
            list::<CaPolicy>(f).unwrap().len()
        }),
        (
            "v1.0__identity__conditionalAccess__policies__live-graph2otel.json",
            |f| list::<CaPolicy>(f).unwrap().len(),
        ),
        (
            "v1.0__identity__conditionalAccess__policies__live-graph2otel-7of16-mixed-states.json",
            |f| list::<CaPolicy>(f).unwrap().len(),
        ),
        (
            "v1.0__policies__identitySecurityDefaultsEnforcementPolicy.json",
            |f| usize::from(load::<SecurityDefaults>(f).is_some()),
        ),
        ("v1.0__subscribedSkus.json", |f| {
            list::<SubscribedSku>(f).unwrap().len()
        }),
        ("v1.0__subscribedSkus__live-graph2otel.json", |f| {
            list::<SubscribedSku>(f).unwrap().len()
        }),
        (
            "v1.0__roleManagement__directory__roleDefinitions.json",
            |f| list::<RoleDefinition>(f).unwrap().len(),
        ),
        (
            "v1.0__roleManagement__directory__roleDefinitions__live-graph2otel-145defs.json",
            |f| list::<RoleDefinition>(f).unwrap().len(),
        ),
        (
            "v1.0__roleManagement__directory__roleAssignments__expand_principal.json",
            |f| list::<RoleAssignment>(f).unwrap().len(),
        ),
        (
            "v1.0__roleManagement__directory__roleAssignments__filter_principalId.json",
            |f| list::<RoleAssignment>(f).unwrap().len(),
        ),
        (
            "v1.0__roleManagement__directory__roleEligibilitySchedules.json",
            |f| list::<RoleSchedule>(f).unwrap().len(),
        ),
        (
            "v1.0__roleManagement__directory__roleAssignmentSchedules.json",
            |f| list::<RoleSchedule>(f).unwrap().len(),
        ),
        ("v1.0__security__secureScores.json", |f| {
            list::<SecureScore>(f).unwrap().len()
        }),
        (
            "v1.0__security__secureScores_top1__live-graph2otel.json",
            |f| list::<SecureScore>(f).unwrap().len(),
        ),
        ("v1.0__auditLogs__directoryAudits.json", |f| {
            list::<DirectoryAudit>(f).unwrap().len()
        }),
        (
            "v1.0__auditLogs__directoryAudits__filter_initiatedBy.json",
            |f| list::<DirectoryAudit>(f).unwrap().len(),
        ),
        (
            "v1.0__auditLogs__directoryAudits__AddMemberToRole__live-graph2otel.json",
            |f| list::<DirectoryAudit>(f).unwrap().len(),
        ),
        (
            "v1.0__solutions__backupRestore__protectionPolicies.json",
            |f| list::<ProtectionPolicy>(f).unwrap().len(),
        ),
        (
            "v1.0__solutions__backupRestore__protectionUnits__microsoft.graph.mailboxProtectionUnit.json",
            |f| list::<ProtectionUnit>(f).unwrap().len(),
        ),
        (
            "v1.0__solutions__backupRestore__protectionUnits__microsoft.graph.siteProtectionUnit.json",
            |f| list::<ProtectionUnit>(f).unwrap().len(),
        ),
        (
            "v1.0__solutions__backupRestore__restoreSessions.json",
            |f| list::<RestoreSession>(f).unwrap().len(),
        ),
        // directoryRoles/{id}/members is not collected (roleAssignments?$expand=principal is),
        // but its live member objects have the principal shape custody reads; the doc example
        // v1.0__directoryRoles__id__members.json omits `id` and is not a real response.
        (
            "v1.0__directoryRoles__id__members__GlobalAdministrator__live-graph2otel-reconstructed.json",
            |f| list::<Principal>(f).unwrap().len(),
        ),
        (
            "v1.0__directoryRoles__id__members__CloudApplicationAdministrator_guest__live-graph2otel-reconstructed.json",
            |f| list::<Principal>(f).unwrap().len(),
        ),
    ];
    for (file, parse) in checks {
        assert!(parse(file) > 0, "{file} loaded no items");
    }
}

#[test]
fn sample_quirks_are_understood() {
    let Some(users) = list::<User>("v1.0__users__select_signInActivity.json") else {
        return;
    };
    // lastNonInteractive is 0001-01-01 and lastSuccessful is "": both mean never.
    let a = users[0].sign_in_activity.as_ref().unwrap();
    assert!(a.last_non_interactive_sign_in_date_time.is_none());
    assert!(a.last_successful_sign_in_date_time.is_none());
    assert_eq!(
        users[0].last_sign_in().unwrap().to_string(),
        "2021-06-17T16:41:33Z"
    );

    let ra = list::<RoleAssignment>(
        "v1.0__roleManagement__directory__roleAssignments__expand_principal.json",
    )
    .unwrap();
    let guests = ra
        .iter()
        .filter(|a| {
            a.principal
                .as_ref()
                .is_some_and(|p| is_guest(p.user_type.as_deref(), None))
        })
        .count();
    assert_eq!(guests, 2, "userType \"Guest\" with a capital G");

    let ca = list::<CaPolicy>(
        "v1.0__identity__conditionalAccess__policies__live-graph2otel-7of16-mixed-states.json",
    )
    .unwrap();
    assert!(ca.iter().any(CaPolicy::is_report_only));
    let strength = ca
        .iter()
        .find(|p| p.name() == "Require multifactor authentication for Microsoft admin portals")
        .unwrap();
    assert!(
        strength.requires_mfa(),
        "authenticationStrength with empty builtInControls is MFA"
    );

    let guest = list::<Principal>("v1.0__directoryRoles__id__members__CloudApplicationAdministrator_guest__live-graph2otel-reconstructed.json").unwrap();
    assert!(
        is_guest(
            guest[0].user_type.as_deref(),
            guest[0].user_principal_name.as_deref()
        ),
        "#EXT# UPN marks a guest"
    );

    let sessions =
        list::<RestoreSession>("v1.0__solutions__backupRestore__restoreSessions.json").unwrap();
    assert!(
        sessions.iter().all(|s| s.created_date_time.is_none()),
        "the doc's malformed timestamps load as unknown"
    );

    let audits = list::<DirectoryAudit>(
        "v1.0__auditLogs__directoryAudits__AddMemberToRole__live-graph2otel.json",
    )
    .unwrap();
    assert_eq!(
        audits[0].role_name().as_deref(),
        Some("Purview Workload Content Writer")
    );
    assert_eq!(audits[0].target().as_deref(), Some("graph2otel-poller"));
    let doc = list::<DirectoryAudit>("v1.0__auditLogs__directoryAudits.json").unwrap();
    assert_eq!(
        doc[0].target_resources[0].kind.as_deref(),
        Some("Group"),
        "`Type` with a capital T"
    );
}

#[test]
fn a_wrong_shape_names_the_json_path() {
    let json = r#"{"value":[{"id":"a","isAdmin":true},{"id":"b","isAdmin":"yes"}]}"#;
    let err = parse_json::<Collection<RegistrationDetail>>(
        "graph/userRegistrationDetails.json",
        json.as_bytes(),
    )
    .unwrap_err();
    assert_eq!(err.json_path.as_deref(), Some("/value/1/isAdmin"));
    assert!(
        err.to_string()
            .starts_with("graph/userRegistrationDetails.json"),
        "{err}"
    );
}
