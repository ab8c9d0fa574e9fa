//! `custody collect` end to end against a loopback stand-in for Microsoft Graph and the
//! Entra token endpoint (tests/support/graph_standin.rs), serving the real
//! response shapes from tests/fixtures/graph-samples. No test touches the internet.

#[path = "support/files.rs"]
mod files;
#[path = "support/graph_standin.rs"]
mod graph_standin;

use assert_cmd::Command;
use files::tree;
use graph_standin::*;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SECRET: &str = "s3cr3t-CLIENT-SECRET-value";
const NORTHWIND_TENANT: &str = "e34d5a57-44bd-537f-ba24-400641784783";

/// A policy repository with the sample clients and an existing month for northwind.
fn repo(month: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR"));
    for c in ["fabrikam", "northwind", "tailspin"] {
        copy_tree(
            &src.join("clients").join(c),
            &dir.path().join("clients").join(c),
        );
    }
    copy_tree(
        &src.join("evidence/northwind/2026-11"),
        &dir.path().join("evidence/northwind").join(month),
    );
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

fn dot_entries(client_dir: &Path) -> Vec<String> {
    std::fs::read_dir(client_dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

fn current_month() -> String {
    custody::month::Month::current().to_string()
}

fn custody(root: &Path, server: &Server) -> Command {
    let mut c = Command::from_std(custody_against(root, server));
    c.env("CUSTODY_HTTP_TIMEOUT_SECS", "20")
        .timeout(Duration::from_secs(60));
    c
}

fn with_secret(mut c: Command) -> Command {
    c.env("CUSTODY_CLIENT_ID", "11111111-2222-3333-4444-555555555555")
        .env("CUSTODY_CLIENT_SECRET", SECRET);
    c
}

fn not_found() -> Reply {
    Reply::Json(
        404,
        vec![],
        r#"{"error":{"code":"Request_ResourceNotFound","message":"no such path in the test server"}}"#
            .into(),
    )
}

fn error_sample(status: u16, name: &str) -> Reply {
    Reply::Json(status, vec![], sample(name, ""))
}

/// Tenant id from a token request path `/login/<tenant>/oauth2/v2.0/token`.
fn token_tenant(req: &Req) -> Option<String> {
    let rest = req.path().strip_prefix("/login/")?;
    let (tenant, tail) = rest.split_once('/')?;
    (tail == "oauth2/v2.0/token" && req.method == "POST").then(|| tenant.to_owned())
}

fn manifest_of(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

fn record<'a>(m: &'a Value, file: &str) -> &'a Value {
    m["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["file"] == file)
        .unwrap_or_else(|| panic!("no record for {file}"))
}

fn sha256(bytes: &[u8]) -> String {
    custody::evidence::sha256_hex(bytes)
}

// ---------------------------------------------------------------- tests

#[test]
fn collects_a_month_through_faults_and_the_snapshot_evaluates() {
    let month = current_month();
    let dir = repo(&month);
    let month_dir = dir.path().join("evidence/northwind").join(&month);
    let old_jobs = std::fs::read(month_dir.join("backup-jobs.csv")).unwrap();
    // A file from the old snapshot that the new one does not produce must not survive.
    std::fs::write(month_dir.join("graph/stale.json"), "{}").unwrap();

    let hits: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let token_calls = Arc::new(Mutex::new(0usize));
    let base = Arc::new(Mutex::new(String::new()));
    let server = {
        let (hits, token_calls, base) = (hits.clone(), token_calls.clone(), base.clone());
        Server::start(move |req| {
            let base = base.lock().unwrap().clone();
            if let Some(tenant) = token_tenant(req) {
                let f = req.form();
                assert_eq!(f["grant_type"], "client_credentials");
                assert_eq!(f["client_secret"], SECRET);
                assert_eq!(f["client_id"], "11111111-2222-3333-4444-555555555555");
                assert_eq!(f["scope"], format!("{base}/.default"));
                assert_eq!(tenant, NORTHWIND_TENANT);
                let mut n = token_calls.lock().unwrap();
                *n += 1;
                return token_reply(&format!("tok-{n}-ACCESS-TOKEN-value"));
            }
            if !req.bearer().starts_with("tok-") {
                return Reply::Json(
                    401,
                    vec![],
                    r#"{"error":{"code":"InvalidAuthenticationToken","message":"no token"}}"#
                        .into(),
                );
            }
            let n = {
                let mut h = hits.lock().unwrap();
                let n = h.entry(req.path().to_owned()).or_default();
                *n += 1;
                *n
            };
            let q = req.query();
            match req.path() {
                "/v1.0/users" if q.contains("signInActivity") => error_sample(
                    403,
                    "error__403__Authentication_RequestFromNonPremiumTenantOrB2CTenant.json",
                ),
                "/v1.0/users" => ok(sample("v1.0__users__default.json", &base)),
                "/v1.0/reports/authenticationMethods/userRegistrationDetails" => error_sample(
                    403,
                    "error__403__Authentication_RequestFromNonPremiumTenantOrB2CTenant.json",
                ),
                "/v1.0/identity/conditionalAccess/policies" => {
                    error_sample(403, "error__403__Authorization_RequestDenied.json")
                }
                "/v1.0/subscribedSkus" if n == 1 => Reply::Json(
                    429,
                    vec![("Retry-After", "1.5".into())],
                    sample("error__429__TooManyRequests.json", ""),
                ),
                "/v1.0/roleManagement/directory/roleDefinitions" if n == 1 => Reply::Json(
                    503,
                    vec![],
                    r#"{"error":{"code":"ServiceUnavailable","message":"try later"}}"#.into(),
                ),
                "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy" if n == 1 => {
                    Reply::Drop
                }
                "/v1.0/roleManagement/directory/roleAssignments"
                    if req.bearer().starts_with("tok-1-") =>
                {
                    Reply::Json(401, vec![], r#"{"error":{"code":"InvalidAuthenticationToken","message":"Lifetime validation failed, the token is expired."}}"#.into())
                }
                _ => happy_graph(req, &base).unwrap_or_else(not_found),
            }
        })
    };
    *base.lock().unwrap() = server.url.clone();

    let started = Instant::now();
    let out = with_secret(custody(dir.path(), &server))
        .args(["collect", "--client", "northwind", "--month", &month])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(20), "{stderr}");

    // Atomic replacement: no partial or old folder, stale Graph file gone, people's files kept.
    assert!(
        dot_entries(&dir.path().join("evidence/northwind")).is_empty(),
        "{stderr}"
    );
    assert!(!month_dir.join("graph/stale.json").exists());
    assert_eq!(
        std::fs::read(month_dir.join("backup-jobs.csv")).unwrap(),
        old_jobs
    );

    let m = manifest_of(&month_dir);
    assert_eq!(m["schema_version"], 1);
    assert_eq!(m["tenant_id"], NORTHWIND_TENANT);
    assert_eq!(m["tool"]["name"], "custody");
    assert_eq!(m["tool"]["version"], env!("CARGO_PKG_VERSION"));
    let collected = m["collected_at"].as_str().unwrap();
    assert!(collected.parse::<jiff::Timestamp>().is_ok() && collected.ends_with('Z'));
    assert_eq!(collected.len(), "2026-11-28T03:12:09Z".len());

    // Every endpoint of the table has a record, in order.
    let files: Vec<&str> = m["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["file"].as_str().unwrap())
        .collect();
    let table: Vec<&str> = custody::evidence::endpoints::ENDPOINTS
        .iter()
        .map(|e| e.file)
        .collect();
    assert_eq!(files, table);

    // Hashes match the files, for Graph files and carried-over files.
    for e in m["endpoints"].as_array().unwrap() {
        if let Some(h) = e["sha256"].as_str() {
            let bytes = std::fs::read(month_dir.join(e["file"].as_str().unwrap())).unwrap();
            assert_eq!(sha256(&bytes), h, "{}", e["file"]);
        }
    }
    assert_eq!(m["files"]["backup-jobs.csv"], sha256(&old_jobs));
    assert!(m["files"]["restore-tests.toml"].is_string());
    assert!(m["files"].get("graph/stale.json").is_none());

    // Pages linked by nextLink are merged (the link was followed exactly as given).
    let pp = record(&m, "graph/protectionPolicies.json");
    assert_eq!(pp["pages"], 2);
    let merged: Value = serde_json::from_slice(
        &std::fs::read(month_dir.join("graph/protectionPolicies.json")).unwrap(),
    )
    .unwrap();
    let first: Value = serde_json::from_str(&sample(
        "v1.0__solutions__backupRestore__protectionPolicies.json",
        &server.url,
    ))
    .unwrap();
    let n1 = first["value"].as_array().unwrap().len();
    assert_eq!(merged["value"].as_array().unwrap().len(), 2 * n1);
    assert_eq!(pp["items"], 2 * n1 as u64);
    assert!(merged.get("@odata.nextLink").is_none());
    assert_eq!(server.requests("/sharepointRestoreSessions?").len(), 1);
    assert_eq!(record(&m, "graph/restoreSessions.json")["pages"], 2);
    // secureScores asks for $top=1: the nextLink is not followed.
    assert_eq!(server.requests("/v1.0/security/secureScores").len(), 1);
    assert_eq!(record(&m, "graph/secureScores.json")["pages"], 1);
    // securityDefaults is a single object, stored as returned (after one dropped connection).
    let sd: Value = serde_json::from_slice(
        &std::fs::read(month_dir.join("graph/securityDefaults.json")).unwrap(),
    )
    .unwrap();
    assert!(sd["isEnabled"].is_boolean(), "{sd}");
    assert_eq!(
        server
            .requests("/v1.0/policies/identitySecurityDefaultsEnforcementPolicy")
            .len(),
        2
    );
    // users: $top=500; signInActivity refused for licence, collected without it, noted.
    let users = record(&m, "graph/users.json");
    assert!(users["sha256"].is_string());
    assert!(
        users["note"]
            .as_str()
            .unwrap()
            .starts_with("signInActivity not licensed")
    );
    assert!(
        !users["request"]
            .as_str()
            .unwrap()
            .contains("signInActivity")
    );
    let user_reqs = server.requests("/v1.0/users");
    assert!(user_reqs.iter().all(|r| r.query().contains("$top=500")));
    assert_eq!(user_reqs.len(), 2);

    // 429 with Retry-After: 1.5 honoured literally.
    let skus = server.requests("/v1.0/subscribedSkus");
    assert_eq!(skus.len(), 2);
    let waited = skus[1].at.duration_since(skus[0].at);
    assert!(waited >= Duration::from_millis(1450), "{waited:?}");
    assert!(record(&m, "graph/subscribedSkus.json")["sha256"].is_string());
    // 503 then success.
    assert_eq!(
        server
            .requests("/v1.0/roleManagement/directory/roleDefinitions")
            .len(),
        2
    );
    assert_eq!(record(&m, "graph/roleDefinitions.json")["items"], 145);
    // 401 mid-run: the token was refreshed once and the request retried with the new one.
    assert_eq!(*token_calls.lock().unwrap(), 2, "{stderr}");
    let ra = server.requests("/v1.0/roleManagement/directory/roleAssignments");
    assert!(ra.last().unwrap().bearer().starts_with("tok-2-"));
    assert!(record(&m, "graph/roleAssignments.json")["sha256"].is_string());

    // 403s recorded with the reason; the run continued.
    let reg = record(&m, "graph/userRegistrationDetails.json");
    assert_eq!(reg["status"], 403);
    assert_eq!(reg["missing"], "not_licensed");
    assert!(
        reg["reason"]
            .as_str()
            .unwrap()
            .contains("doesn't have premium license")
    );
    let ca = record(&m, "graph/conditionalAccessPolicies.json");
    assert_eq!(ca["missing"], "permission_missing");
    assert!(
        ca["reason"]
            .as_str()
            .unwrap()
            .contains("Insufficient privileges")
    );
    assert!(
        !month_dir
            .join("graph/conditionalAccessPolicies.json")
            .exists()
    );

    // No secret or token anywhere in the output or the files.
    for needle in [SECRET, "ACCESS-TOKEN-value"] {
        assert!(!stderr.contains(needle), "{stderr}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains(needle));
        for (f, bytes) in tree(&month_dir) {
            assert!(!String::from_utf8_lossy(&bytes).contains(needle), "{f}");
        }
    }

    // The snapshot loads and evaluates: refused endpoints are no_evidence, never fail.
    let out = Command::cargo_bin("custody")
        .unwrap()
        .arg("--repo")
        .arg(dir.path())
        .args([
            "check",
            "--client",
            "northwind",
            "--month",
            &month,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
    let results = report["clients"][0]["results"].as_array().unwrap();
    let result = |id: &str| {
        results
            .iter()
            .find(|r| r["control"] == id)
            .unwrap_or_else(|| panic!("{id}"))
    };
    for (id, why) in [
        ("identity.mfa-admins", "not licensed"),
        ("identity.mfa-users", "not licensed"),
        ("identity.ca-mfa-all-users", "permission missing"),
        ("access.stale-admins", "signInActivity not licensed"),
    ] {
        let r = result(id);
        assert_eq!(r["status"], "no_evidence", "{id}: {r:#}");
        assert!(r.to_string().contains(why), "{id}: {r:#}");
    }
    let complete = result("evidence.snapshot-complete");
    assert_ne!(complete["status"], "fail", "{complete:#}");
    assert_eq!(result("evidence.snapshot-fresh")["status"], "pass");
}

/// A server where northwind's directoryAudits fails with 500 forever (or hangs), and
/// every other request succeeds.
fn failing_server(hang: bool) -> Server {
    let base = Arc::new(Mutex::new(String::new()));
    let b2 = base.clone();
    let server = Server::start(move |req| {
        let base = b2.lock().unwrap().clone();
        if let Some(tenant) = token_tenant(req) {
            return token_reply(&format!("tok-{tenant}-ACCESS-TOKEN-value"));
        }
        if req.path() == "/v1.0/auditLogs/directoryAudits"
            && req.bearer().contains(NORTHWIND_TENANT)
        {
            return if hang {
                Reply::Hang(Duration::from_secs(30))
            } else {
                Reply::Json(
                    500,
                    vec![],
                    r#"{"error":{"code":"InternalServerError","message":"boom"}}"#.into(),
                )
            };
        }
        happy_graph(req, &base).unwrap_or_else(not_found)
    });
    *base.lock().unwrap() = server.url.clone();
    server
}

#[test]
fn a_failed_collection_keeps_the_previous_month_and_leaves_no_partial_folder() {
    let month = current_month();
    let dir = repo(&month);
    let month_dir = dir.path().join("evidence/northwind").join(&month);
    let before = tree(&month_dir);
    let server = failing_server(false);
    let out = with_secret(custody(dir.path(), &server))
        .env("CUSTODY_MAX_RETRIES", "2")
        .args([
            "collect",
            "--month",
            &month,
            "--client",
            "northwind",
            "--client",
            "tailspin",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("graph/directoryAudits.json"), "{stderr}");
    assert!(stderr.contains("HTTP 500"), "{stderr}");
    assert_eq!(tree(&month_dir), before, "the previous month is untouched");
    assert!(dot_entries(&dir.path().join("evidence/northwind")).is_empty());
    assert!(server.requests("/v1.0/auditLogs/directoryAudits").len() >= 3);
    // The other client was still collected; Microsoft 365 Backup does not apply to it.
    let t = dir.path().join("evidence/tailspin").join(&month);
    let m = manifest_of(&t);
    let pp = record(&m, "graph/protectionPolicies.json");
    assert_eq!(pp["missing"], "not_applicable");
    assert!(!t.join("graph/protectionPolicies.json").exists());
    for needle in [SECRET, "ACCESS-TOKEN-value"] {
        assert!(!stderr.contains(needle), "{stderr}");
    }
}

#[cfg(unix)]
#[test]
fn a_killed_collection_never_damages_the_month_and_the_next_run_cleans_up() {
    let month = current_month();
    let dir = repo(&month);
    let client_dir = dir.path().join("evidence/northwind");
    let month_dir = client_dir.join(&month);
    let before = tree(&month_dir);
    let server = failing_server(true);
    let bin = assert_cmd::cargo::cargo_bin("custody");
    let mut child = std::process::Command::new(bin)
        .arg("--repo")
        .arg(dir.path())
        .args(["collect", "--client", "northwind", "--month", &month])
        .env("CUSTODY_GRAPH_URL", &server.url)
        .env("CUSTODY_LOGIN_URL", format!("{}/login", server.url))
        .env(
            "CUSTODY_ACCESS_TOKEN",
            format!("tok-{NORTHWIND_TENANT}-ACCESS-TOKEN-value"),
        )
        .env("NO_PROXY", "*")
        .env_remove("CUSTODY_CLIENT_ID")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while server
        .requests("/v1.0/auditLogs/directoryAudits")
        .is_empty()
    {
        assert!(Instant::now() < deadline, "directoryAudits never requested");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(tree(&month_dir), before, "the previous month is untouched");
    let leftovers = dot_entries(&client_dir);
    assert!(
        leftovers
            .iter()
            .all(|n| n.starts_with(&format!(".{month}.partial-"))),
        "{leftovers:?}"
    );
    // The evaluator ignores the partial folder.
    let id = custody::client_id::ClientId::parse("northwind").unwrap();
    let months = custody::evidence::months(dir.path(), &id);
    assert_eq!(months.len(), 1);

    // The next run (Graph healthy again) removes it and replaces the month.
    let healthy = {
        let base = Arc::new(Mutex::new(String::new()));
        let b2 = base.clone();
        let s = Server::start(move |req| {
            happy_graph(req, &b2.lock().unwrap()).unwrap_or_else(not_found)
        });
        *base.lock().unwrap() = s.url.clone();
        s
    };
    let out = custody(dir.path(), &healthy)
        .env("CUSTODY_ACCESS_TOKEN", "tok-ready-ACCESS-TOKEN-value")
        .args(["collect", "--client", "northwind", "--month", &month])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(dot_entries(&client_dir).is_empty());
    let m = manifest_of(&month_dir);
    assert_eq!(record(&m, "graph/directoryAudits.json")["items"], 1);
    // A ready access token is sent as is; no token endpoint is called.
    assert!(healthy.requests("/login/").is_empty());
    assert!(
        healthy
            .requests("/v1.0/users")
            .iter()
            .all(|r| r.bearer() == "tok-ready-ACCESS-TOKEN-value")
    );
}

#[test]
fn federated_credentials_are_sent_as_client_assertions() {
    let month = current_month();
    for github in [false, true] {
        let dir = repo(&month);
        let base = Arc::new(Mutex::new(String::new()));
        let b2 = base.clone();
        let server = Server::start(move |req| {
            let base = b2.lock().unwrap().clone();
            if req.path() == "/github-oidc" {
                assert_eq!(req.bearer(), "gh-request-token");
                assert!(req.query().contains("audience=api://AzureADTokenExchange"));
                assert!(req.query().contains("api-version=2.0"));
                return ok(r#"{"count":1,"value":"gh-oidc-jwt"}"#.into());
            }
            if token_tenant(req).is_some() {
                let f = req.form();
                assert_eq!(
                    f["client_assertion_type"],
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
                );
                let want =
                    f["client_assertion"] == "gh-oidc-jwt" || f["client_assertion"] == "file-jwt";
                assert!(want, "{:?}", f["client_assertion"]);
                assert!(!f.contains_key("client_secret"));
                return token_reply("tok-fed-ACCESS-TOKEN-value");
            }
            happy_graph(req, &base).unwrap_or_else(not_found)
        });
        *base.lock().unwrap() = server.url.clone();
        let mut cmd = custody(dir.path(), &server);
        cmd.env("CUSTODY_CLIENT_ID", "app-id");
        if github {
            cmd.env(
                "ACTIONS_ID_TOKEN_REQUEST_URL",
                format!("{}/github-oidc?api-version=2.0", server.url),
            )
            .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "gh-request-token");
        } else {
            let f = dir.path().join("federated.jwt");
            std::fs::write(&f, "file-jwt\n").unwrap();
            cmd.env("CUSTODY_FEDERATED_TOKEN_FILE", &f);
        }
        let out = cmd
            .args(["collect", "--client", "tailspin", "--month", &month])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert_eq!(server.requests("/oauth2/v2.0/token").len(), 1);
        assert_eq!(server.requests("/github-oidc").len(), usize::from(github));
        assert!(!stderr.contains("jwt"), "{stderr}");
        let t = dir.path().join("evidence/tailspin").join(&month);
        assert!(t.join("manifest.json").is_file());
    }
}

#[test]
fn shards_and_bad_input() {
    let month = current_month();
    let dir = repo(&month);
    let server = Server::start(|_| not_found());
    for bad in ["0/3", "4/3", "x/3", "3"] {
        let out = custody(dir.path(), &server)
            .env("CUSTODY_ACCESS_TOKEN", "t")
            .args(["collect", "--shard", bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--shard"));
    }
    let out = custody(dir.path(), &server)
        .env("CUSTODY_ACCESS_TOKEN", "t")
        .args(["collect", "--month", "2026-13"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // No credentials: a usage error naming the variables, before any request.
    let out = custody(dir.path(), &server)
        .args(["collect"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CUSTODY_CLIENT_ID"));
    assert!(server.log.lock().unwrap().is_empty());
    // --shard 2/3 of fabrikam, northwind, tailspin is northwind only; a token error
    // (the sample's 400) fails that client with the server's reason, exit 2.
    let server = Server::start(|req| {
        if token_tenant(req).is_some() {
            error_sample(
                400,
                "oauth2__v2.0__token__client_credentials__error_400.json",
            )
        } else {
            not_found()
        }
    });
    let out = with_secret(custody(dir.path(), &server))
        .args(["collect", "--shard", "2/3", "--month", &month])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("shard 2/3: northwind"), "{stderr}");
    assert!(stderr.contains("invalid_scope"), "{stderr}");
    assert!(!stderr.contains(SECRET), "{stderr}");
    let tokens = server.requests("/oauth2/v2.0/token");
    assert!(!tokens.is_empty());
    assert!(tokens.iter().all(|r| r.path().contains(NORTHWIND_TENANT)));
    assert!(!dir.path().join("evidence/fabrikam").exists());
    assert!(!dir.path().join("evidence/tailspin").exists());
}

#[test]
fn tokens_are_refreshed_before_they_expire() {
    let month = current_month();
    let dir = repo(&month);
    let base = Arc::new(Mutex::new(String::new()));
    let b2 = base.clone();
    let issued = Arc::new(Mutex::new(Vec::<(String, Instant)>::new()));
    let i2 = issued.clone();
    let users_hits = Arc::new(Mutex::new(0usize));
    let server = Server::start(move |req| {
        let base = b2.lock().unwrap().clone();
        if token_tenant(req).is_some() {
            let mut issued = i2.lock().unwrap();
            let t = format!("tok-{}-ACCESS-TOKEN-value", issued.len() + 1);
            issued.push((t.clone(), Instant::now()));
            // expires_in as a string, as some Entra responses send it: 2 seconds.
            return ok(format!(
                r#"{{"token_type":"Bearer","expires_in":"2","access_token":"{t}"}}"#
            ));
        }
        // An expired token would be refused: tokens live 2 s here.
        let fresh =
            issued_at(&i2, &req.bearer()).is_some_and(|at| at.elapsed() < Duration::from_secs(2));
        if !fresh {
            return Reply::Json(
                401,
                vec![],
                r#"{"error":{"code":"InvalidAuthenticationToken","message":"expired"}}"#.into(),
            );
        }
        if req.path() == "/v1.0/users" {
            let mut n = users_hits.lock().unwrap();
            *n += 1;
            if *n == 1 {
                return Reply::Json(
                    429,
                    vec![("Retry-After", "1.2".into())],
                    sample("error__429__TooManyRequests.json", ""),
                );
            }
        }
        happy_graph(req, &base).unwrap_or_else(not_found)
    });
    *base.lock().unwrap() = server.url.clone();
    let out = with_secret(custody(dir.path(), &server))
        .args(["collect", "--client", "tailspin", "--month", &month])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(issued.lock().unwrap().len(), 2, "{stderr}");
    assert!(
        !stderr.contains("401"),
        "refreshed before expiry, not after a 401: {stderr}"
    );
    let users = server.requests("/v1.0/users");
    assert_eq!(users.last().unwrap().bearer(), "tok-2-ACCESS-TOKEN-value");
}

fn issued_at(issued: &Mutex<Vec<(String, Instant)>>, token: &str) -> Option<Instant> {
    issued
        .lock()
        .unwrap()
        .iter()
        .find(|(t, _)| t == token)
        .map(|(_, at)| *at)
}

#[test]
fn clients_run_in_parallel_with_bounded_requests_per_tenant() {
    let month = current_month();
    let dir = repo(&month);
    let base = Arc::new(Mutex::new(String::new()));
    let b2 = base.clone();
    #[derive(Default)]
    struct Flight {
        now: HashMap<String, usize>,
        max_per_tenant: usize,
        total: usize,
        max_total: usize,
    }
    let flight = Arc::new(Mutex::new(Flight::default()));
    let f2 = flight.clone();
    let server = Server::start(move |req| {
        let base = b2.lock().unwrap().clone();
        if let Some(tenant) = token_tenant(req) {
            return token_reply(&format!("tok-{tenant}-ACCESS-TOKEN-value"));
        }
        let tenant = req.bearer();
        {
            let mut f = f2.lock().unwrap();
            let n = f.now.entry(tenant.clone()).or_default();
            *n += 1;
            let n = *n;
            f.max_per_tenant = f.max_per_tenant.max(n);
            f.total += 1;
            f.max_total = f.max_total.max(f.total);
        }
        std::thread::sleep(Duration::from_millis(60));
        {
            let mut f = f2.lock().unwrap();
            *f.now.get_mut(&tenant).unwrap() -= 1;
            f.total -= 1;
        }
        happy_graph(req, &base).unwrap_or_else(not_found)
    });
    *base.lock().unwrap() = server.url.clone();
    let out = with_secret(custody(dir.path(), &server))
        .args(["collect", "--jobs", "2", "--month", &month])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let f = flight.lock().unwrap();
    assert!(f.max_per_tenant <= 3, "{}", f.max_per_tenant);
    assert!(f.max_total <= 6, "{}", f.max_total);
    assert!(
        f.max_total > 3,
        "two clients were collected at once: {}",
        f.max_total
    );
    for c in ["fabrikam", "northwind", "tailspin"] {
        assert!(
            dir.path()
                .join("evidence")
                .join(c)
                .join(&month)
                .join("manifest.json")
                .is_file()
        );
    }
    // One token per tenant for the whole run (cached).
    assert_eq!(server.requests("/oauth2/v2.0/token").len(), 3);
    let out = with_secret(custody(dir.path(), &server))
        .args(["collect", "--jobs", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_request_that_outlives_its_timeout_is_retried() {
    let month = current_month();
    let dir = repo(&month);
    let base = Arc::new(Mutex::new(String::new()));
    let b2 = base.clone();
    let hits = Arc::new(Mutex::new(0usize));
    let server = Server::start(move |req| {
        if req.path() == "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy" {
            let mut n = hits.lock().unwrap();
            *n += 1;
            if *n == 1 {
                drop(n);
                return Reply::Hang(Duration::from_secs(4));
            }
        }
        happy_graph(req, &b2.lock().unwrap()).unwrap_or_else(not_found)
    });
    *base.lock().unwrap() = server.url.clone();
    let started = Instant::now();
    let out = custody(dir.path(), &server)
        .env("CUSTODY_ACCESS_TOKEN", "tok-ready")
        .env("CUSTODY_HTTP_TIMEOUT_SECS", "1")
        .args(["collect", "--client", "tailspin", "--month", &month])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("timed out"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(4), "{stderr}");
    assert_eq!(
        server
            .requests("/v1.0/policies/identitySecurityDefaultsEnforcementPolicy")
            .len(),
        2
    );
    // An unknown client is a usage error.
    let out = custody(dir.path(), &server)
        .env("CUSTODY_ACCESS_TOKEN", "tok-ready")
        .args(["collect", "--client", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
