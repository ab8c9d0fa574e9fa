//! Conditional Access verdicts end to end, through `custody check --format json`: small
//! repositories with real-shaped policies (and Microsoft's and a real tenant's own
//! responses from tests/fixtures/graph-samples) must never give a pass the snapshot does
//! not prove, and every near miss is named with what narrows it.

use assert_cmd::Command;
use custody::controls::testing::{CaBuilder as Ca, Fx, ca_policies, strength};
use serde_json::{Value, json};
use std::path::Path;

fn custody(root: &Path) -> Command {
    let mut c = Command::cargo_bin("custody").expect("binary");
    c.arg("--repo").arg(root).env("NO_COLOR", "1");
    c
}

/// Runs `check --format json` on the repository and returns (exit code, document).
fn check(root: &Path) -> (i32, Value) {
    let out = custody(root)
        .args(["check", "--format", "json"])
        .output()
        .expect("runs");
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON: {e}\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().expect("exit code"), doc)
}

fn result<'a>(doc: &'a Value, client: &str, control: &str) -> &'a Value {
    doc["clients"]
        .as_array()
        .expect("clients")
        .iter()
        .find(|c| c["id"] == client)
        .unwrap_or_else(|| panic!("no client {client}"))["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["control"] == control)
        .unwrap_or_else(|| panic!("no result {control}"))
}

fn items(r: &Value) -> Vec<String> {
    r["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i.as_str().expect("string").to_owned())
        .collect()
}

fn sample(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/graph-samples")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn repo_with(policies: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    Fx::new()
        .graph("conditionalAccessPolicies.json", policies)
        .write_to(dir.path(), "acme");
    dir
}

fn mfa() -> Ca {
    Ca::mfa_all_users("Require MFA for all users")
}

fn legacy() -> Ca {
    Ca::block_legacy("Block legacy authentication")
}

/// A real tenant's policies (7 of 16, mixed states): nothing in them requires MFA for all
/// users without a condition, and each MFA policy is named with what narrows it.
#[test]
fn a_real_tenant_s_mixed_policies_give_named_near_misses_not_a_pass() {
    let dir = repo_with(&sample(
        "v1.0__identity__conditionalAccess__policies__live-graph2otel-7of16-mixed-states.json",
    ));
    let (code, doc) = check(dir.path());
    assert_eq!(code, 1);
    let r = result(&doc, "acme", "identity.ca-mfa-all-users");
    assert_eq!(r["status"], "fail", "{r}");
    let near = items(r);
    let find = |name: &str| {
        near.iter()
            .find(|i| i.starts_with(&format!("\"{name}\": ")))
            .unwrap_or_else(|| panic!("{name} is not named: {near:#?}"))
            .clone()
    };
    let outside_uk = find("Extra scrutiny outside the UK");
    for words in [
        "excludes named location 15a23082-f571-45d9-bc6a-e092c282bf68",
        "excludes group 5ecf8b5f-0d08-4792-aa17-37e40f64b6bb",
        "excludes user 61851b42-fef7-4b43-ae43-4e335a60b306",
    ] {
        assert!(outside_uk.contains(words), "{outside_uk}");
    }
    assert!(
        find("Require multifactor authentication for risky sign-ins")
            .contains("applies only at sign-in risk high")
    );
    assert!(
        find("Require multifactor authentication for Microsoft admin portals")
            .contains("applies only to MicrosoftAdminPortals, not all cloud apps")
    );
    let admins = find(
        "Baseline Security Mode: Require phishing-resistant multifactor authentication for admins",
    );
    assert!(
        admins.contains("disabled") && admins.contains("not all users"),
        "{admins}"
    );
    // Policies that ask for no MFA (a block, a session-only policy) are not near misses.
    assert_eq!(near.len(), 4, "{near:#?}");

    // Its legacy-authentication block is enabled, unconditional and has no exclusion.
    let legacy = result(&doc, "acme", "identity.ca-block-legacy-auth");
    assert_eq!(legacy["status"], "pass", "{legacy}");
    assert_eq!(legacy["measured"], "Block legacy authentication");

    // The Global Administrator role held in the fixture is not covered.
    let admin = result(&doc, "acme", "identity.ca-mfa-admins");
    assert_eq!(admin["status"], "fail", "{admin}");
    assert_eq!(items(admin)[0], "Global Administrator");
}

/// The same tenant's complete response (5 policies, all enabled): its "all users" policy
/// excludes a group and a role, so it is a near miss, never the passing policy.
#[test]
fn a_real_all_users_policy_with_group_and_role_exclusions_is_a_near_miss() {
    let dir = repo_with(&sample(
        "v1.0__identity__conditionalAccess__policies__live-graph2otel.json",
    ));
    let (_, doc) = check(dir.path());
    let r = result(&doc, "acme", "identity.ca-mfa-all-users");
    assert_eq!(r["status"], "fail", "{r}");
    assert!(
        items(r).contains(
            &"\"Require multifactor authentication for all users\": excludes group 5ecf8b5f-0d08-4792-aa17-37e40f64b6bb; excludes role Directory Synchronization Accounts"
                .to_owned()
        ),
        "{r}"
    );
    assert!(
        r["message"]
            .as_str()
            .expect("message")
            .contains("excludes group")
    );
}

/// Regression: a custom authentication strength that allows a password alone
/// (`requirementsSatisfied: "none"`) was read as MFA.
#[test]
fn a_password_only_strength_is_not_mfa() {
    let weak = strength(
        "5f3c6a3e-1111-4b7e-9e34-3b7f3e1b2a11",
        "Password only",
        "none",
        &["password"],
    );
    let dir = repo_with(&ca_policies(&[mfa().strength(weak), legacy()]));
    let (code, doc) = check(dir.path());
    assert_eq!(code, 1);
    for control in ["identity.ca-mfa-all-users", "identity.ca-mfa-admins"] {
        let r = result(&doc, "acme", control);
        assert_eq!(r["status"], "fail", "{control}: {r}");
        assert!(
            items(r).iter().any(|i| i.contains(
                "authentication strength \"Password only\" allows single-factor sign-in (requirementsSatisfied: none)"
            )),
            "{control}: {r}"
        );
    }
}

/// Regression: a policy that excludes trusted locations was taken for "MFA for all users".
#[test]
fn excluding_trusted_locations_is_named_and_fails_every_mfa_control() {
    let p = mfa().condition(
        "locations",
        json!({"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}),
    );
    let dir = repo_with(&ca_policies(&[p, legacy()]));
    let (_, doc) = check(dir.path());
    for control in ["identity.ca-mfa-all-users", "identity.ca-mfa-admins"] {
        let r = result(&doc, "acme", control);
        assert_eq!(r["status"], "fail", "{control}: {r}");
        assert!(
            items(r)
                .contains(&"\"Require MFA for all users\": excludes trusted locations".to_owned()),
            "{control}: {r}"
        );
        assert!(
            r["message"]
                .as_str()
                .expect("message")
                .contains("excludes trusted locations"),
            "{control}: {r}"
        );
    }
}

/// A strength recorded with only its id proves nothing: `no_evidence` for that client,
/// while the other client, whose snapshot proves MFA, passes.
#[test]
fn an_unproven_strength_is_no_evidence_for_its_client_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let only_id = json!({"id": "00000000-0000-0000-0000-000000000002"});
    Fx::new()
        .graph(
            "conditionalAccessPolicies.json",
            &ca_policies(&[mfa().strength(only_id), legacy()]),
        )
        .write_to(dir.path(), "unproven");
    Fx::new().write_to(dir.path(), "proven");
    let (code, doc) = check(dir.path());
    assert_eq!(code, 1, "no evidence is never a pass");
    assert_eq!(doc["errors"], json!([]));
    let r = result(&doc, "unproven", "identity.ca-mfa-all-users");
    assert_eq!(r["status"], "no_evidence", "{r}");
    assert!(
        r["message"]
            .as_str()
            .expect("message")
            .contains("without requirementsSatisfied"),
        "{r}"
    );
    assert_eq!(
        result(&doc, "proven", "identity.ca-mfa-all-users")["status"],
        "pass"
    );
}

/// A legacy-authentication block limited to some users, apps or conditions is a near
/// miss; so is one that blocks Exchange ActiveSync but not the other legacy clients.
#[test]
fn a_narrowed_legacy_block_fails_with_the_condition_named() {
    let cases = [
        (
            legacy().users("includeUsers", json!([])).users(
                "includeGroups",
                json!(["9b39e5c3-7d8f-4e7b-a96e-6d3b1b1e1a1a"]),
            ),
            "applies only to groups 9b39e5c3-7d8f-4e7b-a96e-6d3b1b1e1a1a, not all users",
        ),
        (
            legacy().apps("includeApplications", json!(["Office365"])),
            "applies only to Office365, not all cloud apps",
        ),
        (
            legacy().client_apps(&["exchangeActiveSync"]),
            "does not block the legacy client type other",
        ),
        (
            legacy().condition(
                "platforms",
                json!({"includePlatforms": ["android", "iOS"], "excludePlatforms": []}),
            ),
            "applies only on device platforms android, iOS",
        ),
    ];
    for (policy, words) in cases {
        let dir = repo_with(&ca_policies(&[mfa(), policy]));
        let (_, doc) = check(dir.path());
        let r = result(&doc, "acme", "identity.ca-block-legacy-auth");
        assert_eq!(r["status"], "fail", "{words}: {r}");
        assert!(
            items(r)[0].starts_with("\"Block legacy authentication\": ")
                && items(r)[0].contains(words),
            "{words}: {r}"
        );
    }
}

/// A condition of the wrong type is bad input: exit 2, the file and JSON path named.
#[test]
fn a_malformed_condition_is_an_input_error_with_its_json_path() {
    let p = mfa().condition("insiderRiskLevels", json!(7));
    let dir = repo_with(&ca_policies(&[p]));
    let out = custody(dir.path())
        .args(["check", "--format", "json"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("conditionalAccessPolicies.json")
            && stderr.contains("/value/0/conditions/insiderRiskLevels"),
        "{stderr}"
    );
}

/// Regression: a policy name with a line break and an escape sequence could forge a line
/// of the text report. Names from the tenant reach findings on one line, without
/// control characters.
#[test]
fn a_policy_name_cannot_forge_report_lines() {
    let p = Ca::mfa_all_users("Pilot\u{1b}[32m\n  PASS   identity.ca-mfa-all-users\r")
        .state("disabled");
    let dir = repo_with(&ca_policies(&[p, legacy()]));
    let (_, doc) = check(dir.path());
    let r = result(&doc, "acme", "identity.ca-mfa-all-users");
    assert_eq!(r["status"], "fail");
    let item = &items(r)[0];
    assert!(!item.chars().any(char::is_control), "{item:?}");
    assert!(
        item.starts_with("\"Pilot [32m   PASS   identity.ca-mfa-all-users \": disabled"),
        "{item:?}"
    );
    let out = custody(dir.path()).arg("check").output().expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.lines().any(|l| l
            .trim_start()
            .starts_with("PASS   identity.ca-mfa-all-users")),
        "{text}"
    );
}
