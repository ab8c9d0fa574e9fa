//! `custody doctor` against the loopback Graph stand-in: per tenant, a token or not,
//! and per endpoint ok / permission_missing / not_licensed / not applicable, first
//! pages only, nothing written.

use crate::collect::{current_month, custody, not_found, repo, token_tenant};
use crate::support::graph_standin::*;
use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::Value;
use std::sync::{Arc, Mutex};

const NORTHWIND: &str = "e34d5a57-44bd-537f-ba24-400641784783";
const FABRIKAM: &str = "306d478c-0a35-5f65-9df6-584359e22648";
const TAILSPIN: &str = "f37b092a-48ec-5d2a-bd15-b9380ab52515";

/// An access token the stand-in can route by tenant (`tok-<tenant>`) whose payload
/// carries the `roles` claim, as Entra's app-only tokens do.
fn jwt_token(tenant: &str, roles: &[&str]) -> String {
    let payload = serde_json::json!({ "tid": tenant, "roles": roles }).to_string();
    format!(
        "tok-{tenant}-hdr.{}.sig",
        Base64UrlUnpadded::encode_string(payload.as_bytes())
    )
}

fn graph_error(status: u16, code: &str, message: &str) -> Reply {
    Reply::Json(
        status,
        vec![],
        serde_json::json!({"error": {"code": code, "message": message}}).to_string(),
    )
}

/// northwind: everything granted and licensed. fabrikam: no P2 (PIM answers with the
/// licence code) and RoleManagement.Read.Directory not granted (role assignments
/// refused). tailspin: the app was never consented (the token request fails).
fn stand_in() -> (Server, Arc<Mutex<String>>) {
    let base = Arc::new(Mutex::new(String::new()));
    let b2 = base.clone();
    let server = Server::start(move |req| {
        let base = b2.lock().unwrap().clone();
        if let Some(t) = token_tenant(req) {
            return match t.as_str() {
                TAILSPIN => Reply::Json(
                    400,
                    vec![],
                    r#"{"error":"unauthorized_client","error_description":"AADSTS700016: Application with identifier 'app' was not found in the directory 'Tailspin'. This can happen if the application has not been installed by the administrator of the tenant."}"#.into(),
                ),
                FABRIKAM => token_reply(&jwt_token(&t, &["User.Read.All", "AuditLog.Read.All", "Policy.Read.All"])),
                _ => token_reply(&jwt_token(&t, &["Directory.Read.All"])),
            };
        }
        if bearer_tenant(req).as_deref() == Some(FABRIKAM) {
            let p = req.path();
            if p.contains("roleEligibilitySchedules") || p.contains("roleAssignmentSchedules") {
                return graph_error(
                    403,
                    "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
                    "Tenant does not have a premium license.",
                );
            }
            if p.ends_with("/roleAssignments") {
                return graph_error(
                    403,
                    "Authorization_RequestDenied",
                    "Insufficient privileges to complete the operation.",
                );
            }
        }
        happy_graph(req, &base).unwrap_or_else(not_found)
    });
    *base.lock().unwrap() = server.url.clone();
    (server, base)
}

fn statuses(tenant: &Value) -> Vec<(String, String)> {
    tenant["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap().to_owned(),
                e["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn doctor_names_each_tenants_gaps_and_writes_nothing() {
    let month = current_month();
    let dir = repo(&month);
    let before: Vec<_> = walkdir::WalkDir::new(dir.path().join("evidence"))
        .into_iter()
        .map(|e| e.unwrap().path().to_owned())
        .collect();
    let (server, _base) = stand_in();
    let out = custody(dir.path(), &server)
        .env("CUSTODY_CLIENT_ID", "app")
        .env("CUSTODY_CLIENT_SECRET", "s3cr3t-doctor-value")
        .args(["doctor", "--format", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["ready"], 1, "{stdout}");
    let by = |c: &str| {
        doc["tenants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["client"] == c)
            .unwrap()
            .clone()
    };

    // northwind: every endpoint answers; Directory.Read.All serves them all.
    let nw = by("northwind");
    assert_eq!(nw["tenant_id"], NORTHWIND);
    assert_eq!(nw["credential"], "client secret");
    assert!(nw["token_error"].is_null());
    let s = statuses(&nw);
    assert!(!s.is_empty());
    assert!(
        s.iter().all(|(_, st)| st == "ok" || st == "not_applicable"),
        "{s:?}"
    );
    assert_eq!(nw["permissions_not_granted"], serde_json::json!([]));

    // fabrikam: a licence gap (reported, not a failure) and a permission gap (a failure).
    let fb = by("fabrikam");
    let s = statuses(&fb);
    let of = |f: &str| {
        s.iter()
            .find(|(file, _)| file.ends_with(f))
            .unwrap()
            .1
            .clone()
    };
    assert_eq!(of("roleEligibilitySchedules.json"), "not_licensed", "{s:?}");
    assert_eq!(of("roleAssignments.json"), "permission_missing", "{s:?}");
    let ra = fb["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["file"]
                .as_str()
                .unwrap()
                .ends_with("roleAssignments.json")
        })
        .unwrap();
    assert!(
        ra["needs"]
            .as_str()
            .unwrap()
            .contains("RoleManagement.Read.Directory"),
        "{ra}"
    );
    let pim = fb["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["file"]
                .as_str()
                .unwrap()
                .ends_with("roleEligibilitySchedules.json")
        })
        .unwrap();
    assert!(pim["licence"].as_str().unwrap().contains("P2"), "{pim}");
    let lacking: Vec<&str> = fb["permissions_not_granted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(
        lacking.contains(&"RoleManagement.Read.Directory"),
        "{lacking:?}"
    );
    assert!(!lacking.contains(&"User.Read.All"), "{lacking:?}");

    // tailspin: no token, the reason from Entra, no endpoint tried.
    let ts = by("tailspin");
    assert!(
        ts["token_error"].as_str().unwrap().contains("AADSTS700016"),
        "{ts}"
    );
    assert!(ts["endpoints"].as_array().unwrap().is_empty());
    assert!(
        !server
            .requests("/v1.0/")
            .iter()
            .any(|r| bearer_tenant(r).as_deref() == Some(TAILSPIN))
    );

    // First pages only: one request per endpoint and tenant, users asked for one item.
    let users = server.requests("/v1.0/users");
    assert_eq!(users.len(), 2, "northwind and fabrikam once each");
    assert!(
        users
            .iter()
            .all(|r| r.query().contains("$top=1") && !r.query().contains("$top=500"))
    );
    assert!(
        server.requests("$skiptoken").is_empty(),
        "a next page was fetched"
    );

    // Nothing written, no secret anywhere.
    let after: Vec<_> = walkdir::WalkDir::new(dir.path().join("evidence"))
        .into_iter()
        .map(|e| e.unwrap().path().to_owned())
        .collect();
    assert_eq!(before, after);
    assert!(!stdout.contains("s3cr3t") && !stderr.contains("s3cr3t"));
    assert!(
        !stdout.contains("tok-") && !stderr.contains("tok-"),
        "a token was printed"
    );
}

#[test]
fn doctor_text_and_exit_codes() {
    let month = current_month();
    let dir = repo(&month);
    let (server, _base) = stand_in();
    let out = custody(dir.path(), &server)
        .env("CUSTODY_CLIENT_ID", "app")
        .env("CUSTODY_CLIENT_SECRET", "s3cr3t-doctor-value")
        .args(["doctor", "--client", "northwind"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("northwind (tenant e34d5a57"), "{stdout}");
    assert!(stdout.contains("token (client secret): ok"), "{stdout}");
    assert!(stdout.contains("1 of 1 tenant ready"), "{stdout}");

    let out = custody(dir.path(), &server)
        .env("CUSTODY_CLIENT_ID", "app")
        .env("CUSTODY_CLIENT_SECRET", "s3cr3t-doctor-value")
        .args(["doctor", "--client", "fabrikam", "--client", "tailspin"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "permission_missing  graph/roleAssignments.json: needs RoleManagement.Read.Directory"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("not_licensed"), "{stdout}");
    assert!(stdout.contains("FAILED: "), "{stdout}");
    assert!(stdout.contains("0 of 2 tenants ready"), "{stdout}");

    // A CI shard: the 2nd of 3 clients in sorted order is northwind.
    let out = custody(dir.path(), &server)
        .env("CUSTODY_CLIENT_ID", "app")
        .env("CUSTODY_CLIENT_SECRET", "s3cr3t-doctor-value")
        .args(["doctor", "--shard", "2/3"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.starts_with("northwind ") && stdout.contains("1 of 1 tenant ready"),
        "{stdout}"
    );

    // Bad input: no credential, an unknown client.
    let out = custody(dir.path(), &server)
        .args(["doctor"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = custody(dir.path(), &server)
        .env("CUSTODY_ACCESS_TOKEN", "t")
        .args(["doctor", "--client", "nosuch"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
