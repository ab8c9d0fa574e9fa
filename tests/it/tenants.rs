//! `custody tenants` against the loopback Graph stand-in serving the GDAP shapes of
//! Microsoft's API reference (tests/fixtures/gdap): customers from the partner's
//! relationships, client folders matched by tenant id, relationships ending soon,
//! consent per customer tenant, and `--scaffold` writing safe client folders.

use crate::collect::{current_month, custody, not_found, repo, token_tenant};
use crate::support::graph_standin::*;
use serde_json::Value;
use std::path::Path;

const PARTNER: &str = "8777b240-c6f0-4469-9e98-a3205431b836";
const CONTOSO: &str = "52eaad04-13a2-4a2f-9ce8-93a294fadf36";
const NORTHWIND: &str = "e34d5a57-44bd-537f-ba24-400641784783";
const HOSTILE: &str = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";

fn gdap(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/gdap")
        .join(name);
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// The reference's relationships, plus one for northwind ending in 10 days without
/// auto-extension and one whose customer name is hostile.
fn relationships() -> String {
    let mut v = gdap("v1.0__tenantRelationships__delegatedAdminRelationships.json");
    let soon = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(24 * 10))
        .unwrap();
    let mut nw = v["value"][0].clone();
    nw["displayName"] = "Northwind GDAP".into();
    nw["customer"] = serde_json::json!({"tenantId": NORTHWIND, "displayName": "Northwind Traders"});
    nw["autoExtendDuration"] = "PT0S".into();
    nw["endDateTime"] = soon.to_string().into();
    let mut evil = v["value"][0].clone();
    evil["customer"] = serde_json::json!({
        "tenantId": HOSTILE,
        "displayName": "<script>alert(1)</script>\"\n[publishing]\nenabled = false\n../../etc"
    });
    let arr = v["value"].as_array_mut().unwrap();
    arr.push(nw);
    arr.push(evil);
    v.to_string()
}

fn stand_in() -> Server {
    Server::start(|req| {
        if let Some(t) = token_tenant(req) {
            return match t.as_str() {
                CONTOSO => Reply::Json(
                    400,
                    vec![],
                    r#"{"error":"unauthorized_client","error_description":"AADSTS700016: Application with identifier 'app' was not found in the directory 'Contoso'."}"#.into(),
                ),
                _ => token_reply(&format!("tok-{t}-partner")),
            };
        }
        match req.path() {
            "/v1.0/tenantRelationships/delegatedAdminRelationships" => ok(relationships()),
            // The reference lists no application permission for customers.
            "/v1.0/tenantRelationships/delegatedAdminCustomers" => Reply::Json(
                403,
                vec![],
                r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}"#.into(),
            ),
            _ => not_found(),
        }
    })
}

fn run(dir: &Path, server: &Server, extra: &[&str]) -> (Option<i32>, String, String) {
    let out = custody(dir, server)
        .env("CUSTODY_CLIENT_ID", "app-id")
        .env("CUSTODY_CLIENT_SECRET", "s3cr3t-partner-value")
        .args(["tenants", "--partner-tenant", PARTNER, "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn customer<'a>(doc: &'a Value, tenant: &str) -> &'a Value {
    doc["customers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["tenant_id"] == tenant)
        .unwrap_or_else(|| panic!("no customer {tenant}: {doc}"))
}

#[test]
fn customers_are_listed_with_folders_warnings_and_consent() {
    let dir = repo(&current_month());
    let server = stand_in();
    let (code, stdout, stderr) = run(dir.path(), &server, &[]);
    assert_eq!(
        code,
        Some(1),
        "northwind's relationship ends soon: {stdout}\n{stderr}"
    );
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["partner_tenant"], PARTNER);
    // Relationships are read in the partner tenant.
    let rel_req = server.requests("/delegatedAdminRelationships");
    assert_eq!(rel_req.len(), 1);
    assert_eq!(rel_req[0].bearer(), format!("tok-{PARTNER}-partner"));

    let nw = customer(&doc, NORTHWIND);
    assert_eq!(nw["client"], "northwind");
    assert_eq!(nw["relationships"][0]["ending_soon"], true);
    assert_eq!(nw["consent"]["status"], "consented");

    // Contoso: two relationships (one active auto-extended, one pending), no folder,
    // not consented: the admin-consent URL for its tenant.
    let c = customer(&doc, CONTOSO);
    assert!(c["client"].is_null());
    assert_eq!(c["relationships"].as_array().unwrap().len(), 2);
    assert!(
        c["relationships"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["ending_soon"] == false)
    );
    assert_eq!(c["consent"]["status"], "not_consented");
    assert_eq!(
        c["consent"]["admin_consent_url"],
        format!(
            "{}/login/{CONTOSO}/adminconsent?client_id=app-id",
            server.url
        )
    );
    // A terminated relationship only: listed, consent not checked.
    let sub = customer(&doc, "4b827261-d21f-4aa9-b7db-7fa1f56fb163");
    assert_eq!(sub["relationships"][0]["status"], "terminated");
    assert_eq!(sub["consent"]["status"], "not_checked");
    assert!(
        server
            .requests("4b827261-d21f-4aa9-b7db-7fa1f56fb163")
            .is_empty()
    );

    assert!(
        doc["notes"][0]
            .as_str()
            .unwrap()
            .contains("delegatedAdminCustomers"),
        "{doc}"
    );
    assert!(!stdout.contains("s3cr3t") && !stderr.contains("s3cr3t"));

    // The text report names the warning and the URL; the hostile name is one line.
    let out = custody(dir.path(), &server)
        .env("CUSTODY_CLIENT_ID", "app-id")
        .env("CUSTODY_CLIENT_SECRET", "s3cr3t-partner-value")
        .args(["tenants", "--partner-tenant", PARTNER])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("WARNING: ends within 30 days"), "{text}");
    assert!(text.contains("/adminconsent?client_id=app-id"), "{text}");
    assert!(
        !text.lines().any(|l| l.starts_with("[publishing]")),
        "{text}"
    );
}

#[test]
fn scaffold_writes_safe_client_folders_from_a_template_once() {
    let dir = repo(&current_month());
    let server = stand_in();
    let (code, stdout, stderr) = run(dir.path(), &server, &["--scaffold", "--from", "northwind"]);
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    // Only customers with an active relationship and no folder.
    assert_eq!(customer(&doc, CONTOSO)["scaffolded"], "contoso-inc");
    let evil_id = customer(&doc, HOSTILE)["scaffolded"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        evil_id, "script-alert-1-script-publishing-enable",
        "cut at 40 characters"
    );
    assert!(customer(&doc, "4b827261-d21f-4aa9-b7db-7fa1f56fb163")["scaffolded"].is_null());
    assert!(customer(&doc, NORTHWIND)["scaffolded"].is_null());

    let folder = dir.path().join("clients/contoso-inc");
    let toml_text = std::fs::read_to_string(folder.join("client.toml")).unwrap();
    let t: toml::Table = toml::from_str(&toml_text).unwrap();
    assert_eq!(t["tenant_id"].as_str(), Some(CONTOSO));
    assert_eq!(t["name"].as_str(), Some("Contoso Inc"));
    assert!(
        t["branding"].get("logo").is_none(),
        "the template's logo is its own"
    );
    assert!(!folder.join("logo.svg").exists());
    for f in ["raci.toml", "controls.toml", "backup.toml"] {
        assert_eq!(
            std::fs::read(folder.join(f)).unwrap(),
            std::fs::read(dir.path().join("clients/northwind").join(f)).unwrap(),
            "{f} copied from the template"
        );
    }
    assert!(
        std::fs::read_to_string(folder.join("notes.md"))
            .unwrap()
            .contains("Replace this text")
    );

    // The hostile name is data: one TOML string, publishing untouched.
    let evil: toml::Table = toml::from_str(
        &std::fs::read_to_string(
            dir.path()
                .join("clients")
                .join(&evil_id)
                .join("client.toml"),
        )
        .unwrap(),
    )
    .unwrap();
    assert!(evil["name"].as_str().unwrap().starts_with("<script>"));
    assert_eq!(evil["publishing"]["enabled"].as_bool(), Some(true));

    // The scaffolded clients load: `custody clients` lists them.
    let out = custody(dir.path(), &server)
        .args(["clients", "--format", "json"])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{listed}");
    assert!(
        listed.contains("contoso-inc") && listed.contains(&evil_id),
        "{listed}"
    );
    // No staging folder left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("clients"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A second run finds the folders by tenant id and writes nothing.
    let (_, stdout, _) = run(dir.path(), &server, &["--scaffold", "--from", "northwind"]);
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(customer(&doc, CONTOSO)["client"], "contoso-inc");
    assert!(
        doc["customers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["scaffolded"].is_null())
    );
}

#[test]
fn tenants_bad_input_writes_nothing() {
    let dir = repo(&current_month());
    let server = stand_in();
    let before = std::fs::read_dir(dir.path().join("clients"))
        .unwrap()
        .count();
    for args in [
        vec!["--scaffold", "--from", "no-such-client"],
        vec!["--scaffold", "--from", "../x"],
        vec!["--scaffold"],
    ] {
        let (code, _, stderr) = run(dir.path(), &server, &args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
    }
    let out = custody(dir.path(), &server)
        .env("CUSTODY_CLIENT_ID", "app-id")
        .env("CUSTODY_CLIENT_SECRET", "s3cr3t-partner-value")
        .args(["tenants", "--partner-tenant", "not-a-guid"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--partner-tenant"));
    assert_eq!(
        std::fs::read_dir(dir.path().join("clients"))
            .unwrap()
            .count(),
        before
    );
}
