//! `custody watch` against the loopback Graph stand-in: audit events in the real
//! directoryAudit shape (tests/fixtures/graph-samples), role assignments and
//! eligibilities with their principals, and the Conditional Access policies.

use crate::collect::{current_month, custody, not_found, repo, token_tenant};
use crate::support::graph_standin::*;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::{Arc, Mutex};

const NORTHWIND: &str = "e34d5a57-44bd-537f-ba24-400641784783";
const GA: &str = "62e90394-69f5-4237-9190-012177145e10";
const MALLORY: &str = "0d2a3c4e-1111-4222-8333-444455556666";
const ALEX: &str = "7f3e2d1c-aaaa-4bbb-8ccc-dddd00001111";
const MFA_ALL: &str = "013f1d6b-785b-4520-b0f9-31bfaefb8e2b";

/// The live sample event, rewritten as `activity` on `target` with the role named.
fn role_event(id: &str, activity: &str, upn: &str, user_id: &str, minutes_ago: i64) -> Value {
    let base: Value = serde_json::from_str(&sample(
        "v1.0__auditLogs__directoryAudits__AddMemberToRole__live-graph2otel.json",
        "",
    ))
    .unwrap();
    let mut e = base["value"][0].clone();
    e["id"] = id.into();
    e["activityDisplayName"] = activity.into();
    e["activityDateTime"] = ago(minutes_ago).into();
    e["initiatedBy"] = json!({"user": {"id": "a1", "displayName": "Attacker", "userPrincipalName": "attacker@evil.example"}, "app": null});
    let t = &mut e["targetResources"][0];
    t["id"] = user_id.into();
    t["type"] = "User".into();
    t["displayName"] = upn.into();
    t["userPrincipalName"] = upn.into();
    for p in t["modifiedProperties"].as_array_mut().unwrap() {
        match p["displayName"].as_str().unwrap() {
            "Role.TemplateId" | "Role.ObjectID" => p["newValue"] = format!("\"{GA}\"").into(),
            "Role.DisplayName" => p["newValue"] = "\"Global Administrator\"".into(),
            _ => {}
        }
    }
    e["targetResources"][1]["id"] = GA.into();
    e
}

fn ca_event(id: &str, policy: &str, minutes_ago: i64) -> Value {
    json!({
        "id": id,
        "category": "Policy",
        "correlationId": "c",
        "result": "success",
        "resultReason": "",
        "activityDisplayName": "Update conditional access policy",
        "activityDateTime": ago(minutes_ago),
        "loggedByService": "Conditional Access",
        "operationType": "Update",
        "initiatedBy": {"user": {"id": "a1", "displayName": "Attacker", "userPrincipalName": "attacker@evil.example"}, "app": null},
        "targetResources": [{"id": policy, "displayName": "Require multifactor authentication for all users", "type": "Policy", "modifiedProperties": []}]
    })
}

fn ago(minutes: i64) -> String {
    jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_mins(minutes))
        .unwrap()
        .to_string()
}

fn principal(id: &str, upn: &str) -> Value {
    json!({"@odata.type": "#microsoft.graph.user", "id": id, "displayName": upn, "userPrincipalName": upn})
}

/// What the tenant holds now, changeable between runs.
struct Tenant {
    events: Vec<Value>,
    mallory_is_admin: bool,
}

fn stand_in(t: Arc<Mutex<Tenant>>) -> Server {
    Server::start(move |req| {
        if let Some(tenant) = token_tenant(req) {
            return token_reply(&format!("tok-{tenant}-watch"));
        }
        let t = t.lock().unwrap();
        match req.path() {
            "/v1.0/auditLogs/directoryAudits" => {
                // $filter=activityDateTime ge|gt <time>: only events after it.
                let q = pct_decode(&req.query());
                let (op, since) = q
                    .split("activityDateTime ")
                    .nth(1)
                    .and_then(|r| r.split('&').next())
                    .and_then(|r| r.split_once(' '))
                    .map(|(op, s)| (op.to_owned(), s.parse::<jiff::Timestamp>().unwrap()))
                    .expect("a time filter");
                let v: Vec<Value> = t
                    .events
                    .iter()
                    .filter(|e| {
                        let at: jiff::Timestamp = e["activityDateTime"].as_str().unwrap().parse().unwrap();
                        if op == "gt" { at > since } else { at >= since }
                    })
                    .cloned()
                    .collect();
                ok(json!({"@odata.context": "x", "value": v}).to_string())
            }
            "/v1.0/roleManagement/directory/roleAssignments" => {
                let mut v = vec![json!({"id": "ra-bg1", "principalId": "bg1", "roleDefinitionId": GA, "directoryScopeId": "/", "principal": principal("bg1", "bg-01@northwind.onmicrosoft.com")})];
                if t.mallory_is_admin {
                    v.push(json!({"id": "ra-m", "principalId": MALLORY, "roleDefinitionId": GA, "directoryScopeId": "/", "principal": principal(MALLORY, "mallory@northwind.example")}));
                }
                ok(json!({"value": v}).to_string())
            }
            "/v1.0/roleManagement/directory/roleEligibilitySchedules" => ok(json!({"value": [
                {"id": "es-a", "principalId": ALEX, "roleDefinitionId": GA, "directoryScopeId": "/", "memberType": "Direct", "status": "Provisioned",
                 "scheduleInfo": {"startDateTime": "2026-01-01T00:00:00Z", "expiration": {"type": "noExpiration"}},
                 "principal": principal(ALEX, "alex.morgan@northwind.example")}
            ]}).to_string()),
            "/v1.0/identity/conditionalAccess/policies" => {
                let mut v: Value = serde_json::from_str(&sample(
                    "v1.0__identity__conditionalAccess__policies__live-graph2otel.json",
                    "",
                ))
                .unwrap();
                for p in v["value"].as_array_mut().unwrap() {
                    if p["id"] == MFA_ALL {
                        p["state"] = "disabled".into();
                    }
                }
                ok(v.to_string())
            }
            _ => not_found(),
        }
    })
}

fn run(dir: &Path, server: &Server, state: &Path) -> (Option<i32>, Value, String) {
    let out = custody(dir, server)
        .env("CUSTODY_CLIENT_ID", "app")
        .env("CUSTODY_CLIENT_SECRET", "s3cr3t-watch-value")
        .args([
            "watch",
            "--client",
            "northwind",
            "--format",
            "json",
            "--state",
        ])
        .arg(state)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stdout.contains("s3cr3t") && !stderr.contains("s3cr3t"));
    (
        out.status.code(),
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}")),
        stderr,
    )
}

fn findings(doc: &Value) -> Vec<Value> {
    doc["tenants"][0]["findings"].as_array().unwrap().clone()
}

#[test]
fn unapproved_assignments_alert_approved_ones_do_not_and_state_dedupes() {
    let dir = repo(&current_month());
    let state = dir.path().join(".custody-watch.json");
    let tenant = Arc::new(Mutex::new(Tenant {
        events: vec![
            role_event(
                "ev-mallory",
                "Add member to role",
                "mallory@northwind.example",
                MALLORY,
                30,
            ),
            role_event(
                "ev-alex",
                "Add eligible member to role",
                "alex.morgan@northwind.example",
                ALEX,
                20,
            ),
            ca_event("ev-ca", MFA_ALL, 10),
        ],
        mallory_is_admin: true,
    }));
    let server = stand_in(tenant.clone());

    let (code, doc, stderr) = run(dir.path(), &server, &state);
    assert_eq!(code, Some(1), "{doc}\n{stderr}");
    assert_eq!(doc["needs_attention"], true);
    let f = findings(&doc);
    let mallory: Vec<&Value> = f
        .iter()
        .filter(|f| f["kind"] == "unapproved_privileged_assignment")
        .collect();
    assert_eq!(mallory.len(), 1, "{f:?}");
    assert_eq!(mallory[0]["principal"], "mallory@northwind.example");
    assert_eq!(mallory[0]["role"], "Global Administrator");
    assert_eq!(mallory[0]["actor"], "attacker@evil.example");
    assert_eq!(mallory[0]["new"], true);
    assert_eq!(mallory[0]["standing"], true);
    assert!(
        mallory[0]["markdown"]
            .as_str()
            .unwrap()
            .contains("custody-watch:unapproved:")
    );
    // The CA policy switched off.
    let ca: Vec<&Value> = f
        .iter()
        .filter(|f| f["kind"] == "ca_policy_disabled")
        .collect();
    assert_eq!(ca.len(), 1, "{f:?}");
    assert_eq!(ca[0]["actor"], "attacker@evil.example");
    // The approved eligibility raised nothing, and is listed as approved.
    assert!(
        !f.iter()
            .any(|f| f["principal"].as_str().unwrap().contains("alex")),
        "{f:?}"
    );
    assert_eq!(
        doc["tenants"][0]["approved"][0]["principal"],
        "alex.morgan@northwind.example"
    );
    // Four requests: audits, assignments, eligibilities, CA (an event named a policy).
    assert_eq!(doc["tenants"][0]["requests"], 4);
    let st: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert!(st["tenants"][NORTHWIND]["last_event"].is_string(), "{st}");

    // Again with the state: no event is new; the standing assignment is still open.
    let (code, doc, _) = run(dir.path(), &server, &state);
    assert_eq!(code, Some(1));
    let f = findings(&doc);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["kind"], "unapproved_privileged_assignment");
    assert_eq!(f[0]["new"], false);
    assert!(f.iter().all(|f| f["new"] == false));
    assert_eq!(
        doc["tenants"][0]["requests"], 3,
        "no CA request without a CA event"
    );
    let audit_queries: Vec<String> = server
        .requests("/directoryAudits")
        .iter()
        .map(|r| pct_decode(&r.query()))
        .collect();
    assert!(
        audit_queries[1].contains("activityDateTime gt "),
        "{audit_queries:?}"
    );

    // Mallory's role removed (by an admin, outside the window of interest): the
    // standing finding closes, nothing needs attention, exit 0.
    tenant.lock().unwrap().mallory_is_admin = false;
    let (code, doc, _) = run(dir.path(), &server, &state);
    assert_eq!(code, Some(0), "{doc}");
    assert!(findings(&doc).is_empty());
    assert_eq!(doc["needs_attention"], false);
}

#[test]
fn role_removals_and_break_glass_changes_are_reported_once() {
    let dir = repo(&current_month());
    let state = dir.path().join("state.json");
    let tenant = Arc::new(Mutex::new(Tenant {
        events: vec![
            role_event(
                "ev-rm",
                "Remove member from role",
                "alex.morgan@northwind.example",
                ALEX,
                15,
            ),
            role_event(
                "ev-bg",
                "Remove member from role",
                "bg-02@northwind.onmicrosoft.com",
                "bg2",
                5,
            ),
        ],
        mallory_is_admin: false,
    }));
    let server = stand_in(tenant);
    let (code, doc, _) = run(dir.path(), &server, &state);
    assert_eq!(code, Some(1));
    let kinds: Vec<String> = findings(&doc)
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["privileged_role_removed", "break_glass_changed"]);
    let (code, doc, _) = run(dir.path(), &server, &state);
    assert_eq!(code, Some(0), "{doc}");
}

#[test]
fn watch_bad_input() {
    let dir = repo(&current_month());
    let server = Server::start(|_| not_found());
    let state = dir.path().join("bad-state.json");
    std::fs::write(
        &state,
        r#"{"version":1,"tenants":{"x":{"last_event":"soon"}}}"#,
    )
    .unwrap();
    let out = custody(dir.path(), &server)
        .env("CUSTODY_ACCESS_TOKEN", "t")
        .args(["watch", "--state"])
        .arg(&state)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad-state.json") && stderr.contains("tenants.x.last_event"),
        "{stderr}"
    );
    for since in ["0d", "91d", "soon"] {
        let out = custody(dir.path(), &server)
            .env("CUSTODY_ACCESS_TOKEN", "t")
            .args(["watch", "--since", since])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{since}");
    }
    assert!(server.requests("").is_empty());
}

#[test]
fn the_weekly_raci_review_lists_ownership_changes_from_git_history() {
    let dir = repo(&current_month());
    let git = git2::Repository::init(dir.path()).unwrap();
    let days_ago = |d: i64| {
        jiff::Timestamp::now()
            .checked_sub(jiff::SignedDuration::from_hours(24 * d))
            .unwrap()
            .to_string()
    };
    crate::history::commit(&git, &days_ago(10));
    let raci = dir.path().join("clients/northwind/raci.toml");
    let text = std::fs::read_to_string(&raci).unwrap();
    // Privileged access gets a new accountable and loses its controls (no other activity
    // covers access.*); restore testing loses its activity (backup.* still covers it).
    let changed = text.replacen(
        "id = \"privileged-access\"\nname = \"Privileged access management\"\nresponsible = [\"MSP Identity Team\"]\naccountable = [\"Client IT Manager\"]",
        "id = \"privileged-access\"\nname = \"Privileged access management\"\nresponsible = [\"MSP Identity Team\"]\naccountable = [\"MSP Identity Team Lead\"]",
        1,
    )
    .replacen("controls = [\"access.*\"]", "controls = [\"access.role-changes\"]", 1);
    let start = changed
        .find("[[activity]]\nid = \"restore-testing\"")
        .unwrap();
    let end = start + changed[start..].find("\n\n").unwrap() + 2;
    let changed = format!("{}{}", &changed[..start], &changed[end..]);
    assert_ne!(changed, text);
    std::fs::write(&raci, changed).unwrap();
    crate::history::commit(&git, &days_ago(1));

    // No credentials and no Graph: the review reads git only.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_custody"))
        .env_remove("CUSTODY_CLIENT_ID")
        .env_remove("CUSTODY_ACCESS_TOKEN")
        .arg("--repo")
        .arg(dir.path())
        .args(["watch", "--raci-since", "7d", "--format", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert!(doc["base_commit"].is_string());
    let nw = doc["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client"] == "northwind")
        .unwrap();
    let changes: Vec<&str> = nw["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(
        changes.contains(&"\"Privileged access management\": accountable was Client IT Manager, is now MSP Identity Team Lead"),
        "{changes:?}"
    );
    assert!(
        changes
            .iter()
            .any(|c| c.starts_with("activity \"Restore testing\" removed")),
        "{changes:?}"
    );
    let newly: Vec<&str> = nw["newly_unowned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(newly.contains(&"access.global-admin-count"), "{newly:?}");
    assert!(!newly.contains(&"access.role-changes"), "{newly:?}");
    assert!(
        !newly.contains(&"backup.exchange.restore-test"),
        "backup.* still owns it: {newly:?}"
    );
    // The other clients did not change.
    assert!(
        doc["clients"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["client"] != "northwind")
            .all(|c| c["changes"].as_array().unwrap().is_empty())
    );

    // A period with no change: exit 0.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_custody"))
        .arg("--repo")
        .arg(dir.path())
        .args(["watch", "--raci-since", "12h"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // Outside git: exit 2 with the reason.
    let plain = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_custody"))
        .arg("--repo")
        .arg(plain.path())
        .args(["watch", "--raci-since", "7d"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
