//! Verdicts a compliance reviewer can defend, through `custody check --format json`:
//! partial exports, another tenant's snapshot, roles held through groups and two clients
//! claiming one tenant are never a pass (issue 14 items 3–7, issue 12 class 5).

use assert_cmd::Command;
use custody::controls::testing::{CLIENT_TOML, Fx, MONTH, default_graph};
use serde_json::Value;
use std::path::Path;

fn custody(root: &Path) -> Command {
    let mut c = Command::cargo_bin("custody").expect("binary");
    c.arg("--repo")
        .arg(root)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY");
    c
}

/// `check --format json` on a repository of the given clients: (exit code, report, stderr).
fn check(clients: &[(&str, &Fx)]) -> (i32, Value, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (id, fx) in clients {
        fx.write_to(dir.path(), id);
    }
    let out = custody(dir.path())
        .args(["check", "--format", "json"])
        .output()
        .expect("runs");
    let report: Value = serde_json::from_slice(&out.stdout).expect("json on stdout");
    (
        out.status.code().unwrap_or(-1),
        report,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn result<'a>(report: &'a Value, client: &str, control: &str) -> &'a Value {
    report["clients"]
        .as_array()
        .expect("clients")
        .iter()
        .find(|c| c["id"] == client)
        .unwrap_or_else(|| panic!("no scorecard for {client}: {report:#}"))["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["control"] == control)
        .unwrap_or_else(|| panic!("no {control}"))
}

#[test]
fn a_first_page_export_is_incomplete_and_never_a_pass() {
    let users = default_graph()["users.json"].replacen(
        "{",
        r#"{"@odata.nextLink":"https://graph.microsoft.com/v1.0/users?$skiptoken=X2","#,
        1,
    );
    let fx = Fx::new().graph("users.json", &users);
    let (code, report, _) = check(&[("acme", &fx)]);
    assert_eq!(code, 1, "{report:#}");
    let complete = result(&report, "acme", "evidence.snapshot-complete");
    assert_eq!(complete["status"], "fail");
    assert_eq!(
        complete["items"],
        serde_json::json!([
            "graph/users.json: first page only: users.json still has @odata.nextLink"
        ])
    );
    for id in ["access.stale-admins", "access.break-glass"] {
        let r = result(&report, "acme", id);
        assert_eq!(r["status"], "no_evidence", "{id}: {r:#}");
        assert_eq!(
            r["message"], "first page only: users.json still has @odata.nextLink",
            "{id}"
        );
        assert_eq!(
            r["evidence"][0]["file"],
            "evidence/acme/2026-11/graph/users.json"
        );
    }
}

/// A next link spelled with a JSON escape takes the slow reader path: still a first page.
#[test]
fn a_next_link_spelled_with_escapes_is_still_a_first_page() {
    let users = default_graph()["users.json"].replacen(
        "{",
        r#"{"@odata.next\u004cink":"https://graph.microsoft.com/v1.0/users?$skiptoken=X2","#,
        1,
    );
    let fx = Fx::new().graph("users.json", &users);
    let (_, report, _) = check(&[("acme", &fx)]);
    assert_eq!(
        result(&report, "acme", "access.stale-admins")["status"],
        "no_evidence"
    );
}

#[test]
fn another_tenants_month_is_never_published_as_this_clients() {
    let other = "99999999-8888-7777-6666-555555555555";
    let fx = Fx::new().manifest_tenant(Some(other));
    let (code, report, _) = check(&[("acme", &fx)]);
    assert_eq!(code, 1);
    let complete = result(&report, "acme", "evidence.snapshot-complete");
    assert_eq!(complete["status"], "fail");
    let message = complete["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(other) && message.contains("11111111-2222-3333-4444-555555555555"),
        "{message}"
    );
    for id in [
        "identity.mfa-admins",
        "identity.ca-mfa-all-users",
        "access.global-admin-count",
        "backup.exchange.rpo",
        "evidence.snapshot-fresh",
    ] {
        assert_eq!(result(&report, "acme", id)["status"], "no_evidence", "{id}");
    }
}

#[test]
fn two_clients_declaring_one_tenant_are_bad_input_naming_both_files() {
    let shared = Fx::new().policy(
        "client.toml",
        &CLIENT_TOML.replace(
            "11111111-2222-3333-4444-555555555555",
            "33333333-4444-5555-6666-777777777777",
        ),
    );
    let (acme, twin) = (shared.clone(), shared);
    // A client that keeps the fixture tenant is written with one of its own.
    let other = Fx::new();
    let (code, report, stderr) = check(&[("acme", &acme), ("twin", &twin), ("zeta", &other)]);
    assert_eq!(code, 2, "{stderr}");
    for (client, other_file) in [
        ("acme", "clients/twin/client.toml:2"),
        ("twin", "clients/acme/client.toml:2"),
    ] {
        let errors: Vec<&Value> = report["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter(|e| e["client"] == client)
            .collect();
        assert_eq!(errors.len(), 1, "{report:#}");
        assert_eq!(errors[0]["file"], format!("clients/{client}/client.toml"));
        assert_eq!(errors[0]["line"], 2);
        assert!(
            errors[0]["message"]
                .as_str()
                .is_some_and(|m| m.contains(other_file)),
            "{:#}",
            errors[0]
        );
        assert!(
            stderr.contains(&format!("clients/{client}/client.toml:2:1")),
            "{stderr}"
        );
    }
    // Neither twin is evaluated; the third client is.
    let ids: Vec<&str> = report["clients"]
        .as_array()
        .expect("clients")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, ["zeta"]);
}

#[test]
fn global_administrators_held_through_a_group_are_counted_and_a_missing_membership_is_no_evidence()
{
    let group = "9a000000-0000-0000-0000-000000000001";
    let assignments = default_graph()["roleAssignments.json"].replacen(
        "[",
        &format!(
            r##"[{{"id":"ra-g","principalId":"{group}","roleDefinitionId":"62e90394-69f5-4237-9190-012177145e10","directoryScopeId":"/","principal":{{"@odata.type":"#microsoft.graph.group","id":"{group}","displayName":"Tier0 Admins"}}}},"##
        ),
        1,
    );
    let member = |i: u32| {
        format!(
            r##"{{"@odata.type":"#microsoft.graph.user","id":"d0000000-0000-0000-0000-00000000000{i}","userPrincipalName":"admin{i}@acme.example","userType":"Member","accountEnabled":true}}"##
        )
    };
    let members = format!(r#"{{"value":[{},{}]}}"#, member(1), member(2));
    let fx = Fx::new().graph("roleAssignments.json", &assignments);
    let with_members =
        fx.clone()
            .file(MONTH, &format!("graph/groupMembers/{group}.json"), &members);
    let (_, report, _) = check(&[("acme", &with_members)]);
    let count = result(&report, "acme", "access.global-admin-count");
    assert_eq!(count["status"], "fail", "{count:#}");
    assert_eq!(count["measured"], "5");
    assert!(
        count["items"].as_array().expect("items").iter().any(|i| i
            == "admin1@acme.example: Global Administrator (active, through group Tier0 Admins)"),
        "{count:#}"
    );

    let (_, report, _) = check(&[("acme", &fx)]);
    let count = result(&report, "acme", "access.global-admin-count");
    assert_eq!(count["status"], "no_evidence", "{count:#}");
    assert_eq!(count["measured"], "at least 3");
    let complete = result(&report, "acme", "evidence.snapshot-complete");
    assert_eq!(complete["status"], "fail");
    assert_eq!(
        complete["items"],
        serde_json::json!([format!(
            "graph/groupMembers/{group}.json: missing and not explained by the manifest"
        )])
    );
}
