//! A loopback stand-in for Microsoft Graph and the Entra token endpoint: a small
//! std::net server that records every request and answers through a handler, plus the
//! real response shapes from tests/fixtures/graph-samples. Shared by the tests that collect.

#![allow(dead_code)] // each test crate that includes this uses a different part

use serde_json::Value;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------- custody command

/// `custody --repo ROOT` pointed at the stand-in: every ambient credential, proxy and
/// Graph setting is removed, so only what a test sets reaches the binary.
pub fn custody_against(root: &Path, server: &Server) -> std::process::Command {
    // option_env!: examples/graph_standin.rs includes this file and has no binary to name.
    let Some(bin) = option_env!("CARGO_BIN_EXE_custody") else {
        panic!("custody_against runs under cargo test only");
    };
    let mut c = std::process::Command::new(bin);
    for k in [
        "CUSTODY_CLIENT_ID",
        "CUSTODY_CLIENT_SECRET",
        "CUSTODY_FEDERATED_TOKEN_FILE",
        "CUSTODY_CLIENT_CERTIFICATE_FILE",
        "CUSTODY_CLIENT_CERTIFICATE_ALG",
        "CUSTODY_ACCESS_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        "CUSTODY_MAX_RETRIES",
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "ALL_PROXY",
        "https_proxy",
        "http_proxy",
        "all_proxy",
    ] {
        c.env_remove(k);
    }
    c.arg("--repo")
        .arg(root)
        .env("NO_COLOR", "1")
        .env("NO_PROXY", "*")
        .env("CUSTODY_GRAPH_URL", &server.url)
        .env("CUSTODY_LOGIN_URL", format!("{}/login", server.url))
        .env("CUSTODY_RETRY_BASE_MS", "5");
    c
}

// ---------------------------------------------------------------- loopback server

#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    /// Origin-form target: path and query as sent.
    pub target: String,
    pub headers: HashMap<String, String>,
    pub body: String,
    pub at: Instant,
}

impl Req {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
    pub fn query(&self) -> String {
        pct_decode(self.target.split_once('?').map(|(_, q)| q).unwrap_or(""))
    }
    pub fn bearer(&self) -> String {
        self.headers
            .get("authorization")
            .and_then(|a| a.strip_prefix("Bearer "))
            .unwrap_or("")
            .to_owned()
    }
    pub fn form(&self) -> HashMap<String, String> {
        self.body
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (pct_decode(k), pct_decode(&v.replace('+', " "))))
            .collect()
    }
}

pub enum Reply {
    Json(u16, Vec<(&'static str, String)>, String),
    /// A body sent without `Content-Length`, ended by closing the connection (how a
    /// server hides a body's size until it has been read).
    Unsized(u16, String),
    /// Hostile slow drip: `chunk` every `every`, `times` times, without `Content-Length`.
    Drip {
        chunk: String,
        every: Duration,
        times: usize,
    },
    /// Read the request, then close the socket without a response.
    Drop,
    /// Wait, then close without a response.
    Hang(Duration),
}

pub fn ok(body: String) -> Reply {
    Reply::Json(200, vec![], body)
}

pub type Handler = dyn Fn(&Req) -> Reply + Send + Sync;

pub struct Server {
    pub url: String,
    pub log: Arc<Mutex<Vec<Req>>>,
}

impl Server {
    pub fn start(handler: impl Fn(&Req) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let log: Arc<Mutex<Vec<Req>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let log2 = log.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (h, l) = (handler.clone(), log2.clone());
                std::thread::spawn(move || serve_conn(stream, &*h, &l));
            }
        });
        Server { url, log }
    }

    pub fn requests(&self, path_contains: &str) -> Vec<Req> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.target.contains(path_contains))
            .cloned()
            .collect()
    }
}

pub fn serve_conn(stream: TcpStream, handler: &Handler, log: &Mutex<Vec<Req>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_owned();
    let target = parts.next().unwrap_or("").to_owned();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    let _ = reader.read_exact(&mut body);
    let req = Req {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        at: Instant::now(),
    };
    log.lock().unwrap().push(req.clone());
    let mut stream = stream;
    match handler(&req) {
        Reply::Json(status, extra, body) => {
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (k, v) in extra {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
            let _ = stream.flush();
        }
        Reply::Unsized(status, body) => {
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
            let _ = stream.flush();
        }
        Reply::Drip {
            chunk,
            every,
            times,
        } => {
            let head =
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
            let _ = stream.write_all(head.as_bytes());
            for _ in 0..times {
                if stream.write_all(chunk.as_bytes()).is_err() || stream.flush().is_err() {
                    break;
                }
                std::thread::sleep(every);
            }
        }
        Reply::Drop => {}
        Reply::Hang(d) => std::thread::sleep(d),
    }
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

pub fn pct_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------- samples and repo

/// The real Graph responses vendored from Microsoft's API reference and live captures
/// (sources in its SOURCES.md).
pub fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/graph-samples")
}

/// A sample body with its nextLink host rewritten to the loopback server.
pub fn sample(name: &str, base: &str) -> String {
    let dir = samples_dir();
    std::fs::read_to_string(dir.join(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .replace("https://graph.microsoft.com", base)
}

/// The sample's value array without its nextLink: a last page.
pub fn last_page_of(name: &str, base: &str) -> String {
    let mut v: Value = serde_json::from_str(&sample(name, base)).unwrap();
    v.as_object_mut().unwrap().remove("@odata.nextLink");
    v.to_string()
}

pub fn token_reply(token: &str) -> Reply {
    let base: Value = serde_json::from_str(&sample(
        "oauth2__v2.0__token__client_credentials__success.json",
        "",
    ))
    .unwrap();
    let mut v = base;
    v["access_token"] = Value::String(token.to_owned());
    ok(v.to_string())
}

/// The tenant the live samples were captured in: a stand-in for another tenant answers
/// with that tenant's id instead (custody refuses a snapshot that names another tenant).
pub const SAMPLE_TENANT: &str = "4b8c18bd-2f9f-4227-af55-9f1061cf9c32";

/// The sample repository's northwind: the tenant a stand-in plays when the token does
/// not name one.
const DEFAULT_TENANT: &str = "e34d5a57-44bd-537f-ba24-400641784783";

/// The tenant of the API reference's PIM policy example (`DirectoryRole_<tenant>_…` ids).
const DOCS_PIM_TENANT: &str = "cab01047-8ad9-4792-8e42-569340767f1b";

/// `body` as `tenant`'s: every tenant id the samples state (Secure Score, SKU and PIM
/// policy ids) made `tenant`'s, as the real tenant's Graph would answer.
pub fn as_tenant(body: &str, tenant: &str) -> String {
    body.replace(SAMPLE_TENANT, tenant)
        .replace(DOCS_PIM_TENANT, tenant)
}

/// The day the live samples were captured (their Secure Score and audit event).
const SAMPLE_DAY: &str = "2026-07-17T";

/// `body` dated as if captured yesterday: a tenant's Graph answers with its latest
/// Secure Score and recent audit events, which `evidence.snapshot-fresh` checks against
/// the collection time.
pub fn as_today(body: &str) -> String {
    let yesterday = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24);
    body.replace(SAMPLE_DAY, &yesterday.strftime("%Y-%m-%dT").to_string())
}

/// The tenant of a `tok-<tenant>-...` bearer token, when it names one.
pub fn bearer_tenant(req: &Req) -> Option<String> {
    let rest = req.bearer().strip_prefix("tok-")?.get(..36)?.to_owned();
    rest.bytes()
        .all(|b| b.is_ascii_hexdigit() || b == b'-')
        .then_some(rest)
}

/// Restore points every `every_secs` (on the clock, UTC) in the period a search body
/// asks for, for each unit it asks for: a tenant whose backups run like clockwork.
pub fn regular_restore_points(body: &Value, every_secs: i64) -> Vec<(String, String)> {
    let period = &body["protectionTimePeriod"];
    let at = |k: &str| {
        period[k]
            .as_str()
            .and_then(custody::evidence::graph::parse_graph_time)
            .map(|t| t.as_second())
    };
    let (Some(from), Some(to)) = (at("startDateTime"), at("endDateTime")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for unit in body["protectionUnitIds"].as_array().into_iter().flatten() {
        let Some(unit) = unit.as_str() else { continue };
        let mut t = from.div_euclid(every_secs) * every_secs;
        while t <= to {
            if t >= from {
                let ts = jiff::Timestamp::from_second(t).unwrap();
                out.push((
                    unit.to_owned(),
                    custody::evidence::restore_points::graph_timestamp(ts),
                ));
            }
            t += every_secs;
        }
    }
    out
}

/// The answer to `POST /solutions/backupRestore/restorePoints/search` from `points`
/// (unit id, RFC 3339 time), in the shape of the API reference; a body that is not JSON
/// is refused as Graph refuses it.
pub fn restore_point_search(req: &Req, points: &[(String, String)]) -> Reply {
    match serde_json::from_str::<Value>(&req.body) {
        Ok(body) => ok(
            custody::controls::backup::fixtures::restore_point_answer(&body, points).to_string(),
        ),
        Err(_) => Reply::Json(
            400,
            vec![],
            r#"{"error":{"code":"BadRequest","message":"Unable to read JSON request payload."}}"#
                .into(),
        ),
    }
}

/// Serves every endpoint from the samples (success only), tokens `tok-<tenant>`.
pub fn happy_graph(req: &Req, base: &str) -> Option<Reply> {
    let p = req.path();
    let q = req.query();
    let tenant = bearer_tenant(req).unwrap_or_else(|| DEFAULT_TENANT.to_owned());
    let s = |n: &str| Some(ok(as_today(&as_tenant(&sample(n, base), &tenant))));
    if p == "/v1.0/solutions/backupRestore/restorePoints/search" && req.method == "POST" {
        // A restore point every 4 hours for every unit asked for.
        let body: Value = serde_json::from_str(&req.body).unwrap_or(Value::Null);
        return Some(restore_point_search(
            req,
            &regular_restore_points(&body, 4 * 3600),
        ));
    }
    match p {
        "/v1.0/users" => s("v1.0__users__select_signInActivity.json"),
        "/v1.0/reports/authenticationMethods/userRegistrationDetails" => {
            s("v1.0__reports__authenticationMethods__userRegistrationDetails__live-graph2otel.json")
        }
        "/v1.0/identity/conditionalAccess/policies" => {
            s("v1.0__identity__conditionalAccess__policies__live-graph2otel.json")
        }
        "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy" => {
            s("v1.0__policies__identitySecurityDefaultsEnforcementPolicy.json")
        }
        "/v1.0/subscribedSkus" => s("v1.0__subscribedSkus__live-graph2otel.json"),
        "/v1.0/roleManagement/directory/roleDefinitions" => {
            s("v1.0__roleManagement__directory__roleDefinitions__live-graph2otel-145defs.json")
        }
        "/v1.0/roleManagement/directory/roleAssignments" => {
            s("v1.0__roleManagement__directory__roleAssignments__expand_principal.json")
        }
        "/v1.0/roleManagement/directory/roleEligibilitySchedules" => {
            s("v1.0__roleManagement__directory__roleEligibilitySchedules.json")
        }
        "/v1.0/roleManagement/directory/roleAssignmentSchedules" => {
            s("v1.0__roleManagement__directory__roleAssignmentSchedules.json")
        }
        "/v1.0/security/secureScores" => Some(ok(as_today(&as_tenant(
            &sample(
                "v1.0__security__secureScores_top1__live-graph2otel.json",
                base,
            ),
            &bearer_tenant(req).unwrap_or_else(|| DEFAULT_TENANT.to_owned()),
        )))),
        "/v1.0/auditLogs/directoryAudits" => {
            s("v1.0__auditLogs__directoryAudits__AddMemberToRole__live-graph2otel.json")
        }
        "/v1.0/solutions/backupRestore" => s("v1.0__solutions__backupRestore.json"),
        // Paged: the second page is what the sample's nextLink points at.
        "/v1.0/solutions/backupRestore/protectionPolicies" => {
            s("v1.0__solutions__backupRestore__protectionPolicies.json")
        }
        "/v1.0/solutions/backuprestore/ProtectionPolicies" if q.contains("$skiptoken") => {
            Some(ok(last_page_of(
                "v1.0__solutions__backupRestore__protectionPolicies.json",
                base,
            )))
        }
        "/v1.0/solutions/backupRestore/protectionUnits/microsoft.graph.mailboxProtectionUnit" => {
            if q.contains("$skiptoken") {
                Some(ok(r#"{"value":[]}"#.into()))
            } else {
                s(
                    "v1.0__solutions__backupRestore__protectionUnits__microsoft.graph.mailboxProtectionUnit.json",
                )
            }
        }
        "/v1.0/solutions/backupRestore/protectionUnits/microsoft.graph.siteProtectionUnit" => {
            if q.contains("$skiptoken") {
                Some(ok(r#"{"value":[]}"#.into()))
            } else {
                s(
                    "v1.0__solutions__backupRestore__protectionUnits__microsoft.graph.siteProtectionUnit.json",
                )
            }
        }
        "/v1.0/solutions/backupRestore/protectionUnits/microsoft.graph.driveProtectionUnit" => {
            Some(ok(r#"{"value":[]}"#.into()))
        }
        "/v1.0/solutions/backupRestore/restoreSessions" => {
            s("v1.0__solutions__backupRestore__restoreSessions.json")
        }
        "/v1.0/solutions/backupRestore/sharepointRestoreSessions" => {
            Some(ok(r#"{"value":[]}"#.into()))
        }
        // Single objects, as Graph returns them.
        "/v1.0/policies/authenticationMethodsPolicy" => {
            s("v1.0__policies__authenticationMethodsPolicy.json")
        }
        "/v1.0/policies/authorizationPolicy" => s("v1.0__policies__authorizationPolicy.json"),
        "/v1.0/domains" => s("v1.0__domains.json"),
        // Graph refuses the list without its scope filter: answer only what custody asks.
        "/v1.0/policies/roleManagementPolicyAssignments"
            if q.contains("scopeId eq '/'") && q.contains("scopeType eq 'DirectoryRole'") =>
        {
            s("v1.0__policies__roleManagementPolicyAssignments__expand_policy_rules.json")
        }
        _ => None,
    }
}

// ---------------------------------------------------------------- hostile modes

/// A redirect to `location` (`Location` is where a naive client would send the request,
/// with its token or form, again).
pub fn redirect(status: u16, location: &str) -> Reply {
    Reply::Json(
        status,
        vec![("Location", location.to_owned())],
        String::new(),
    )
}

/// A token reply with `expires_in` as given (raw JSON: a number of any size, a string).
pub fn token_reply_expiring(token: &str, expires_in_json: &str) -> Reply {
    ok(format!(
        r#"{{"token_type":"Bearer","expires_in":{expires_in_json},"ext_expires_in":3599,"access_token":"{token}"}}"#
    ))
}

/// A Graph error that echoes `echo` (the token or secret it was sent) in every field a
/// server controls: code, message, innerError, and a response header.
pub fn echoing_error(status: u16, code_prefix: &str, echo: &str) -> Reply {
    let body = serde_json::json!({
        "error": {
            "code": format!("{code_prefix}{echo}"),
            "message": format!("Access denied for {echo}"),
            "innerError": {
                "date": "2026-11-28T03:12:09",
                "request-id": echo,
                "client-request-id": format!("bearer {echo}")
            }
        }
    });
    Reply::Json(
        status,
        vec![("WWW-Authenticate", format!("Bearer error=\"{echo}\""))],
        body.to_string(),
    )
}

/// One page of `users` whose `@odata.nextLink` is `next`.
pub fn users_page_linking_to(base: &str, next: &str) -> String {
    let mut v: Value =
        serde_json::from_str(&sample("v1.0__users__select_signInActivity.json", base)).unwrap();
    v["@odata.nextLink"] = Value::String(next.to_owned());
    v.to_string()
}

/// The role assignments sample with `groups` added as expanded group principals holding
/// Global Administrator (a role-assignable group, as Graph returns it).
pub fn role_assignments_with_groups(base: &str, groups: &[&str]) -> String {
    let mut v: Value = serde_json::from_str(&sample(
        "v1.0__roleManagement__directory__roleAssignments__expand_principal.json",
        base,
    ))
    .unwrap();
    let rows = v["value"].as_array_mut().unwrap();
    for (i, g) in groups.iter().enumerate() {
        rows.push(serde_json::json!({
            "id": format!("lAPpYvVpN0KRkAEhdxReE{i}group"),
            "principalId": g,
            "directoryScopeId": "/",
            "roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10",
            "principal": {
                "@odata.type": "#microsoft.graph.group",
                "id": g,
                "displayName": format!("Tier 0 admins {i}"),
                "isAssignableToRole": true,
                "securityEnabled": true,
                "mailEnabled": false
            }
        }));
    }
    v.to_string()
}

/// The eligibility schedules sample (principal expanded) with `group` made eligible.
pub fn role_eligibility_with_group(base: &str, group: &str) -> String {
    let mut v: Value = serde_json::from_str(&sample(
        "v1.0__roleManagement__directory__roleEligibilitySchedules.json",
        base,
    ))
    .unwrap();
    let mut row = v["value"][0].clone();
    row["id"] = Value::String("eligible-group-schedule".into());
    row["principalId"] = Value::String(group.to_owned());
    row["principal"] = serde_json::json!({
        "@odata.type": "#microsoft.graph.group",
        "id": group,
        "displayName": "Eligible admins"
    });
    v["value"].as_array_mut().unwrap().push(row);
    v.to_string()
}

/// A page of `GET /groups/{id}/transitiveMembers?$select=…` (users and a nested group, as
/// Graph returns directory objects), linking to `next` when given.
pub fn transitive_members_page(base: &str, members: &[(&str, &str)], next: Option<&str>) -> String {
    let value: Vec<Value> = members
        .iter()
        .map(|(id, upn)| {
            if upn.is_empty() {
                serde_json::json!({
                    "@odata.type": "#microsoft.graph.group",
                    "id": id,
                    "displayName": "Nested admins",
                    "userPrincipalName": null,
                    "userType": null,
                    "accountEnabled": null
                })
            } else {
                serde_json::json!({
                    "@odata.type": "#microsoft.graph.user",
                    "id": id,
                    "displayName": upn.split('@').next().unwrap_or(""),
                    "userPrincipalName": upn,
                    "userType": "Member",
                    "accountEnabled": true
                })
            }
        })
        .collect();
    let mut v = serde_json::json!({
        "@odata.context": format!("{base}/v1.0/$metadata#directoryObjects(id,displayName,userPrincipalName,userType,accountEnabled)"),
        "value": value
    });
    if let Some(n) = next {
        v["@odata.nextLink"] = Value::String(n.to_owned());
    }
    v.to_string()
}
