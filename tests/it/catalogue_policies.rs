//! The tenant-policy and PIM controls of issue 15 end to end, through `custody check
//! --format json`: each passes on the healthy fixture tenant and fails (or is
//! no_evidence / not_applicable) on the real Graph shapes that miss it, naming why; the
//! README's endpoint tables are the endpoint table's.

use assert_cmd::Command;
use custody::controls::testing::{
    Fx, approver_group, authentication_methods_policy, authorization_policy, domain, domains,
    graph_sample, role_policies, role_policy,
};
use serde_json::{Value, json};

const IDS: [&str; 6] = [
    "identity.weak-methods-disabled",
    "identity.user-consent-restricted",
    "identity.guest-access-restricted",
    "identity.passwords-never-expire",
    "access.ga-activation-approval",
    "access.cloud-only-admins",
];

const GA: &str = "62e90394-69f5-4237-9190-012177145e10";

use crate::support::check::{check, result};

fn status(doc: &Value, control: &str) -> String {
    result(doc, control)["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn every_new_policy_control_passes_on_the_healthy_tenant_with_its_baselines() {
    let doc = check(Fx::new());
    for id in IDS {
        let r = result(&doc, id);
        assert_eq!(r["status"], "pass", "{id}: {}", r["message"]);
        assert!(
            r["evidence"][0]["file"]
                .as_str()
                .is_some_and(|f| f.starts_with("evidence/acme/2026-11/graph/")),
            "{id}: {}",
            r["evidence"]
        );
    }
    let out = Command::cargo_bin("custody")
        .expect("binary")
        .args(["controls", "--format", "json"])
        .output()
        .expect("runs");
    let catalogue: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let cited = |id: &str| -> Vec<String> {
        catalogue["controls"]
            .as_array()
            .expect("controls")
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("{id} not in the catalogue"))["baselines"]
            .as_array()
            .expect("baselines")
            .iter()
            .map(|b| b["id"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(
        cited("identity.weak-methods-disabled"),
        ["MS.AAD.3.5", "5.2.3.5"]
    );
    assert_eq!(
        cited("access.ga-activation-approval"),
        ["MS.AAD.7.6", "5.3.4"]
    );
    assert_eq!(cited("access.cloud-only-admins"), ["MS.AAD.7.3", "1.1.1"]);
}

/// Microsoft's API reference examples, served as the tenant's files: each says what
/// the example shows (SMS and email OTP on, an unprefixed grant policy and no guest
/// role, placeholder domains, GA activation without approval).
#[test]
fn the_api_reference_examples_read_as_what_they_show() {
    let doc = check(
        Fx::new()
            .graph(
                "authenticationMethodsPolicy.json",
                &graph_sample("v1.0__policies__authenticationMethodsPolicy.json"),
            )
            .graph(
                "authorizationPolicy.json",
                &graph_sample("v1.0__policies__authorizationPolicy.json"),
            )
            .graph("domains.json", &graph_sample("v1.0__domains.json"))
            .graph(
                "roleManagementPolicyAssignments.json",
                // Made the fixture tenant's: a file naming another tenant is not evidence.
                &graph_sample(
                    "v1.0__policies__roleManagementPolicyAssignments__expand_policy_rules.json",
                )
                .replace(
                    "cab01047-8ad9-4792-8e42-569340767f1b",
                    custody::controls::testing::FIXTURE_TENANT,
                ),
            ),
    );
    let weak = result(&doc, "identity.weak-methods-disabled");
    assert_eq!(weak["status"], "fail");
    assert!(
        weak["message"]
            .as_str()
            .unwrap()
            .contains("SMS: enabled for all_users")
    );
    assert_eq!(
        status(&doc, "identity.user-consent-restricted"),
        "no_evidence"
    );
    assert_eq!(
        status(&doc, "identity.guest-access-restricted"),
        "no_evidence"
    );
    assert_eq!(
        status(&doc, "identity.passwords-never-expire"),
        "no_evidence"
    );
    let ga = result(&doc, "access.ga-activation-approval");
    assert_eq!(ga["status"], "fail");
    assert_eq!(
        ga["evidence"][0]["pointer"],
        "/value/0/policy/rules/12/setting"
    );
}

#[test]
fn each_control_fails_on_the_setting_it_checks_and_names_it() {
    let mut methods = authentication_methods_policy();
    for m in methods["authenticationMethodConfigurations"]
        .as_array_mut()
        .unwrap()
    {
        if m["id"] == "Voice" {
            m["state"] = "enabled".into();
            m["includeTargets"] = json!([{"targetType": "group", "id": "helpdesk-callback", "isRegistrationRequired": false}]);
        }
    }
    let mut consent = authorization_policy();
    consent["defaultUserRolePermissions"]["permissionGrantPoliciesAssigned"] =
        json!(["ManagePermissionGrantsForSelf.microsoft-user-default-low"]);
    consent["guestUserRoleId"] = "a0b1b346-4d3e-4e8b-98f8-753987be4970".into();
    let mut users: Value =
        serde_json::from_str(&custody::controls::testing::default_graph()["users.json"]).unwrap();
    for u in users["value"].as_array_mut().unwrap() {
        if u["userPrincipalName"] == "bg1@acme.onmicrosoft.com" {
            u["onPremisesSyncEnabled"] = true.into();
        }
    }
    let doc = check(
        Fx::new()
            .graph("authenticationMethodsPolicy.json", &methods.to_string())
            .graph("authorizationPolicy.json", &consent.to_string())
            .graph(
                "domains.json",
                &json!({"value": [
                    domain("acme.onmicrosoft.com", "Managed", true, 2147483647.into()),
                    domain("acme.example", "Managed", true, 180.into()),
                ]})
                .to_string(),
            )
            .graph(
                "roleManagementPolicyAssignments.json",
                &role_policies(&[role_policy(GA, true, &[])]).to_string(),
            )
            .graph("users.json", &users.to_string()),
    );
    let expect = [
        (
            "identity.weak-methods-disabled",
            "voice call: enabled for helpdesk-callback",
        ),
        ("identity.user-consent-restricted", "verified publishers"),
        ("identity.guest-access-restricted", "same access"),
        (
            "identity.passwords-never-expire",
            "1 of 2 verified managed domains",
        ),
        ("access.ga-activation-approval", "no approver is named"),
        (
            "access.cloud-only-admins",
            "1 of 3 privileged user accounts",
        ),
    ];
    for (id, says) in expect {
        let r = result(&doc, id);
        assert_eq!(r["status"], "fail", "{id}: {}", r["message"]);
        assert!(
            r["message"].as_str().unwrap().contains(says),
            "{id}: {}",
            r["message"]
        );
        assert_eq!(r["owner"]["accountable"], "Client IT Manager", "{id}");
    }
    assert_eq!(
        result(&doc, "identity.passwords-never-expire")["items"],
        json!(["acme.example: passwords expire after 180 days"])
    );
    assert_eq!(
        result(&doc, "access.cloud-only-admins")["items"],
        json!([
            "bg1@acme.onmicrosoft.com: Global Administrator (active) (onPremisesSyncEnabled true)"
        ])
    );
}

/// A month collected before these endpoints existed: no control passes on what is not
/// there, and the completeness check names every missing file.
#[test]
fn a_month_without_the_new_files_is_no_evidence_and_incomplete() {
    let mut fx = Fx::new();
    for f in [
        "authenticationMethodsPolicy.json",
        "authorizationPolicy.json",
        "domains.json",
        "roleManagementPolicyAssignments.json",
    ] {
        fx = fx.without(&format!("graph/{f}"));
    }
    let doc = check(fx);
    for id in IDS.iter().filter(|id| **id != "access.cloud-only-admins") {
        let r = result(&doc, id);
        assert_eq!(r["status"], "no_evidence", "{id}: {}", r["message"]);
        assert!(
            r["message"].as_str().unwrap().contains("not found"),
            "{id}: {}",
            r["message"]
        );
    }
    let complete = result(&doc, "evidence.snapshot-complete");
    assert_eq!(complete["status"], "fail");
    let items = complete["items"].to_string();
    for f in [
        "authenticationMethodsPolicy",
        "authorizationPolicy",
        "domains",
        "roleManagementPolicyAssignments",
    ] {
        assert!(items.contains(&format!("graph/{f}.json")), "{items}");
    }
}

/// users.json collected by an older custody (no onPremisesSyncEnabled in `$select`): the
/// cloud-only control cannot pass on it.
#[test]
fn users_without_on_premises_sync_enabled_are_no_evidence_for_cloud_only_admins() {
    let g = custody::controls::testing::default_graph();
    let users = g["users.json"].replace(r#","onPremisesSyncEnabled":null"#, "");
    assert!(!users.contains("onPremisesSyncEnabled"));
    let doc = check(Fx::new().graph("users.json", &users));
    let r = result(&doc, "access.cloud-only-admins");
    assert_eq!(r["status"], "no_evidence");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("onPremisesSyncEnabled")
    );
}

/// PIM needs Entra ID P2: a tenant without it gets the licence gap, never a fail, and
/// the refused file is not an unexplained gap.
#[test]
fn ga_activation_approval_without_p2_reports_the_licence_gap() {
    let skus = r#"{"value":[{"skuId":"s1","skuPartNumber":"O365_BUSINESS_PREMIUM","capabilityStatus":"Enabled","consumedUnits":4,"prepaidUnits":{"enabled":5},"servicePlans":[{"servicePlanName":"AAD_PREMIUM","provisioningStatus":"Success"}]}]}"#;
    let doc = check(Fx::new().graph("subscribedSkus.json", skus).missing_as(
        "graph/roleManagementPolicyAssignments.json",
        "not_licensed",
        "Entra ID P2 is required",
    ));
    let r = result(&doc, "access.ga-activation-approval");
    assert!(
        r["status"] == "not_applicable" || r["status"] == "not_licensed",
        "{r}"
    );
    assert!(r["message"].as_str().unwrap().contains("Entra ID P2"));
}

/// Waivers are generic: a waiver in force turns a failing new control into `waived`.
#[test]
fn a_waiver_in_force_waives_a_failing_new_control() {
    let doc = check(
        Fx::new()
            .graph(
                "roleManagementPolicyAssignments.json",
                &role_policies(&[role_policy(GA, false, &[approver_group()])]).to_string(),
            )
            .with_controls_extra(
                "[[waiver]]\ncontrol = \"access.ga-activation-approval\"\nreason = \"Approval workflow goes live with the new PIM approvers group\"\napproved_by = \"Jane Doe (Client CISO)\"\nticket = \"CHG-4410\"\nexpires = 2026-12-31\n",
            ),
    );
    assert_eq!(status(&doc, "access.ga-activation-approval"), "waived");
}

#[test]
fn hostile_tenant_text_stays_on_one_line() {
    let mut consent = authorization_policy();
    consent["defaultUserRolePermissions"]["permissionGrantPoliciesAssigned"] =
        json!(["ManagePermissionGrantsForSelf.evil\n::error::forged line"]);
    let doc = check(
        Fx::new()
            .graph("authorizationPolicy.json", &consent.to_string())
            .graph("domains.json", &domains().to_string()),
    );
    let r = result(&doc, "identity.user-consent-restricted");
    assert_eq!(r["status"], "fail");
    assert!(
        !r["message"].as_str().unwrap().contains('\n'),
        "{}",
        r["message"]
    );
}

/// A new file of the wrong shape is bad input: exit 2 naming the file and the JSON path,
/// the control that reads it no_evidence, and the other client still evaluated.
#[test]
fn a_malformed_policy_file_names_its_json_path_and_stops_no_other_client() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bad = authorization_policy();
    bad["guestUserRoleId"] = json!(["not", "a", "string"]);
    Fx::new()
        .graph("authorizationPolicy.json", &bad.to_string())
        .write_to(dir.path(), "broken");
    Fx::new().write_to(dir.path(), "healthy");
    let out = Command::cargo_bin("custody")
        .expect("binary")
        .arg("--repo")
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .args(["check", "--format", "json"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let err = &doc["errors"][0];
    assert_eq!(
        err["file"],
        "evidence/broken/2026-11/graph/authorizationPolicy.json"
    );
    assert_eq!(err["json_path"], "/guestUserRoleId");
    let healthy = doc["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "healthy")
        .expect("the healthy client is still evaluated");
    assert!(
        healthy["results"].as_array().unwrap().iter().any(|r| {
            r["control"] == "identity.guest-access-restricted" && r["status"] == "pass"
        })
    );
}

/// `collect` fetches the four new endpoints in their shapes (a single object stored as
/// returned, collections merged), sends the role management policy request with the
/// scope filter Graph requires and the expansion the control reads, and records a tenant
/// without Entra ID P2 (`AadPremiumLicenseRequired`, answered with 400) as not licensed
/// instead of failing the client.
#[test]
fn collect_fetches_the_new_endpoints_and_records_pim_without_p2_as_not_licensed() {
    use crate::support::graph_standin::{Reply, Server, custody_against, happy_graph};
    use std::sync::{Arc, Mutex};

    let dir = tempfile::tempdir().expect("tempdir");
    Fx::new().write_to(dir.path(), "acme");
    std::fs::remove_dir_all(dir.path().join("evidence")).expect("no evidence yet");
    let base = Arc::new(Mutex::new(String::new()));
    let b2 = base.clone();
    let p2 = Arc::new(Mutex::new(true));
    let p2_flag = p2.clone();
    let server = Server::start(move |req| {
        if req.path() == "/v1.0/policies/roleManagementPolicyAssignments"
            && !*p2_flag.lock().unwrap()
        {
            return Reply::Json(
                400,
                vec![],
                r#"{"error":{"code":"AadPremiumLicenseRequired","message":"The tenant needs an AAD Premium 2 license."}}"#.into(),
            );
        }
        happy_graph(req, &b2.lock().unwrap()).unwrap_or_else(|| {
            Reply::Json(
                404,
                vec![],
                r#"{"error":{"code":"Request_ResourceNotFound","message":"not served"}}"#.into(),
            )
        })
    });
    *base.lock().unwrap() = server.url.clone();
    let collect = |month: &str| {
        Command::from_std(custody_against(dir.path(), &server))
            .env("CUSTODY_ACCESS_TOKEN", "tok-acme-ACCESS-TOKEN-value")
            .timeout(std::time::Duration::from_secs(60))
            .args(["collect", "--client", "acme", "--month", month])
            .output()
            .expect("runs")
    };

    let out = collect("2026-11");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let month = dir.path().join("evidence/acme/2026-11/graph");
    let read = |f: &str| -> Value {
        serde_json::from_slice(&std::fs::read(month.join(f)).expect(f)).expect("JSON")
    };
    assert_eq!(
        read("authorizationPolicy.json")["id"],
        "authorizationPolicy"
    );
    assert_eq!(
        read("authenticationMethodsPolicy.json")["authenticationMethodConfigurations"][2]["id"],
        "Sms"
    );
    assert_eq!(read("domains.json")["value"][0]["id"], "contoso.com");
    assert_eq!(
        read("roleManagementPolicyAssignments.json")["value"][0]["roleDefinitionId"],
        GA
    );
    let asked = server.requests("roleManagementPolicyAssignments");
    assert_eq!(asked.len(), 1);
    let q = asked[0].query();
    assert!(
        q.contains("scopeId eq '/' and scopeType eq 'DirectoryRole'"),
        "{q}"
    );
    assert!(q.contains("$expand=policy($expand=rules)"), "{q}");
    assert!(
        server.requests("/v1.0/users")[0]
            .query()
            .contains("onPremisesSyncEnabled"),
        "users are collected with the field the cloud-only control reads"
    );

    *p2.lock().unwrap() = false;
    let out = collect("2026-10");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("evidence/acme/2026-10/manifest.json")).unwrap(),
    )
    .unwrap();
    let rec = manifest["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["file"] == "graph/roleManagementPolicyAssignments.json")
        .expect("a record");
    assert_eq!(rec["missing"], "not_licensed", "{rec}");
    assert_eq!(rec["status"], 400);
    assert!(
        !dir.path()
            .join("evidence/acme/2026-10/graph/roleManagementPolicyAssignments.json")
            .exists()
    );
}
