//! `custody collect` end to end against a loopback stand-in for Microsoft Graph and the
//! Entra token endpoint (tests/support/graph_standin.rs), serving the real
//! response shapes from tests/fixtures/graph-samples. No test touches the internet.

use crate::support::files;
use crate::support::graph_standin;

use assert_cmd::Command;
use files::tree;
use graph_standin::*;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SECRET: &str = "s3cr3t-CLIENT-SECRET-value";
const NORTHWIND_TENANT: &str = "e34d5a57-44bd-537f-ba24-400641784783";

/// A policy repository with the sample clients and an existing month for northwind.
pub(crate) fn repo(month: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR"));
    for c in ["fabrikam", "northwind", "tailspin"] {
        crate::support::files::copy_tree(
            &src.join("clients").join(c),
            &dir.path().join("clients").join(c),
        );
    }
    crate::support::files::copy_tree(
        &src.join("evidence/northwind/2026-11"),
        &dir.path().join("evidence/northwind").join(month),
    );
    dir
}

fn dot_entries(client_dir: &Path) -> Vec<String> {
    std::fs::read_dir(client_dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

pub(crate) fn current_month() -> String {
    custody::month::Month::current().to_string()
}

pub(crate) fn custody(root: &Path, server: &Server) -> Command {
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

pub(crate) fn not_found() -> Reply {
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
pub(crate) fn token_tenant(req: &Req) -> Option<String> {
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

/// A `collect` of northwind's `month` against `server` (which hangs on directoryAudits),
/// returned once it is fetching directoryAudits: mid-collection, holding the month.
fn northwind_collect_hanging_on_audits(
    root: &Path,
    server: &Server,
    month: &str,
    stderr: Stdio,
) -> std::process::Child {
    let child = custody_against(root, server)
        .args(["collect", "--client", "northwind", "--month", month])
        .env(
            "CUSTODY_ACCESS_TOKEN",
            format!("tok-{NORTHWIND_TENANT}-ACCESS-TOKEN-value"),
        )
        .stderr(stderr)
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
    child
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

    // Every endpoint of the table has a record, in order, then the restore point searches.
    let files: Vec<&str> = m["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["file"].as_str().unwrap())
        .collect();
    let mut table: Vec<&str> = custody::evidence::endpoints::ENDPOINTS
        .iter()
        .map(|e| e.file)
        .collect();
    table.push(custody::evidence::restore_points::FILE);
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
    // The Microsoft 365 Backup service status is one object, kept as Graph returned it.
    let service = record(&m, "graph/backupRestore.json");
    assert_eq!(service["pages"], 1);
    let stored: Value =
        serde_json::from_slice(&std::fs::read(month_dir.join("graph/backupRestore.json")).unwrap())
            .unwrap();
    let served: Value =
        serde_json::from_str(&sample("v1.0__solutions__backupRestore.json", &server.url)).unwrap();
    assert_eq!(stored, served);
    assert_eq!(stored["serviceStatus"]["status"], "enabled");
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
    let mut child = northwind_collect_hanging_on_audits(dir.path(), &server, &month, Stdio::null());
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(tree(&month_dir), before, "the previous month is untouched");
    // A partial folder and the lock file may be left; the OS lock died with the process.
    let leftovers = dot_entries(&client_dir);
    assert!(
        leftovers.iter().all(|n| n.starts_with(&format!(".{month}.partial-"))
            || *n == format!(".{month}.lock")),
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

// ---------------------------------------------------------------- hostile servers (issue 12, class 4)

const TOKEN: &str = "HOSTILE-ACCESS-TOKEN-value";

/// A Graph request made with northwind's token (the hostile answers are for it alone,
/// so the other client shows that one client's bad server never stops the others).
fn northwind(req: &Req) -> bool {
    req.bearer().contains(NORTHWIND_TENANT) && req.bearer().contains(TOKEN)
}

/// A server answering tokens with [`TOKEN`], Graph through `hostile` first and the real
/// samples otherwise; `hostile` gets the request and the server's own base URL.
fn hostile_server(hostile: impl Fn(&Req, &str) -> Option<Reply> + Send + Sync + 'static) -> Server {
    let base = Arc::new(Mutex::new(String::new()));
    let b2 = base.clone();
    let server = Server::start(move |req| {
        let base = b2.lock().unwrap().clone();
        if let Some(r) = hostile(req, &base) {
            return r;
        }
        if let Some(tenant) = token_tenant(req) {
            return token_reply(&format!("tok-{tenant}-{TOKEN}"));
        }
        happy_graph(req, &base).unwrap_or_else(not_found)
    });
    *base.lock().unwrap() = server.url.clone();
    server
}

/// A server that records what reaches it and answers nothing useful: where an
/// off-origin link or a redirect points.
fn elsewhere() -> Server {
    Server::start(|_| ok(r#"{"value":[]}"#.into()))
}

/// Collects northwind (existing month) and tailspin against `server` with a client secret.
fn collect_two(dir: &Path, server: &Server, month: &str, extra: &[&str]) -> std::process::Output {
    with_secret(custody(dir, server))
        .env("CUSTODY_MAX_RETRIES", "1")
        .args(["collect", "--month", month, "--client", "northwind"])
        .args(["--client", "tailspin"])
        .args(extra)
        .output()
        .unwrap()
}

/// Everything a failed northwind collection must leave as it was: exit 2 naming `file`
/// and `why`, the previous month byte-identical, no partial folder or lock, tailspin
/// still collected, and no secret in any output or file.
fn assert_failed_cleanly(
    dir: &Path,
    month: &str,
    before: &std::collections::BTreeMap<String, Vec<u8>>,
    out: &std::process::Output,
    file: &str,
    why: &str,
) {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("northwind: error:"), "{stderr}");
    assert!(stderr.contains(file), "expected {file:?} in: {stderr}");
    assert!(stderr.contains(why), "expected {why:?} in: {stderr}");
    let month_dir = dir.join("evidence/northwind").join(month);
    assert_eq!(&tree(&month_dir), before, "the previous month is untouched");
    assert!(dot_entries(&dir.join("evidence/northwind")).is_empty());
    assert!(
        dir.join("evidence/tailspin")
            .join(month)
            .join("manifest.json")
            .is_file()
    );
    assert_no_secret(dir, out);
}

fn assert_no_secret(dir: &Path, out: &std::process::Output) {
    for needle in [SECRET, "HOSTILE-ACCESS-TOKEN"] {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains(needle), "{needle} in stderr: {stderr}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains(needle));
        for (f, bytes) in tree(dir) {
            assert!(
                !String::from_utf8_lossy(&bytes).contains(needle),
                "{needle} in {f}"
            );
        }
    }
}

#[test]
fn a_next_link_off_the_graph_origin_is_never_followed_and_gets_no_token() {
    let month = current_month();
    let evil = elsewhere();
    let evil_port = evil.url.rsplit(':').next().unwrap().to_owned();
    for (case, link) in [
        (
            "other port",
            format!("{}/v1.0/users?$skiptoken=a", evil.url),
        ),
        (
            "other host",
            String::from("http://localhost:{port}/v1.0/users?$skiptoken=b"),
        ),
        (
            "other scheme",
            String::from("https://127.0.0.1:{port}/v1.0/users?$skiptoken=c"),
        ),
        ("relative", String::from("/v1.0/users?$skiptoken=d")),
        (
            "credentials",
            String::from("http://user:pw@127.0.0.1:{port}/v1.0/users?$skiptoken=e"),
        ),
    ] {
        let dir = repo(&month);
        let before = tree(&dir.path().join("evidence/northwind").join(&month));
        let link2 = link.clone();
        let server = hostile_server(move |req, base| {
            let port = base.rsplit(':').next().unwrap();
            (req.path() == "/v1.0/users" && northwind(req))
                .then(|| ok(users_page_linking_to(base, &link2.replace("{port}", port))))
        });
        let out = collect_two(dir.path(), &server, &month, &[]);
        let why = if case == "relative" {
            "not an absolute URL"
        } else if case == "credentials" {
            "user name or password"
        } else {
            "not the Graph origin"
        };
        assert_failed_cleanly(dir.path(), &month, &before, &out, "graph/users.json", why);
        assert!(
            server.requests("skiptoken").is_empty(),
            "{case}: the link was followed"
        );
        assert!(evil.requests("").is_empty(), "{case}: {evil_port}");
    }
}

#[test]
fn redirects_are_never_followed_so_no_secret_or_token_leaves_the_origin() {
    let month = current_month();
    let evil = elsewhere();
    // A token endpoint answering 307: a client following it would re-post the secret.
    for status in [307u16, 308, 302] {
        let dir = repo(&month);
        let before = tree(&dir.path().join("evidence/northwind").join(&month));
        let to = format!("{}/steal/token", evil.url);
        let server = hostile_server(move |req, _| {
            (token_tenant(req).as_deref() == Some(NORTHWIND_TENANT)).then(|| redirect(status, &to))
        });
        let out = collect_two(dir.path(), &server, &month, &[]);
        assert_failed_cleanly(
            dir.path(),
            &month,
            &before,
            &out,
            "token for tenant",
            "redirect refused",
        );
    }
    // A Graph endpoint redirecting elsewhere: the bearer token must not follow.
    let dir = repo(&month);
    let before = tree(&dir.path().join("evidence/northwind").join(&month));
    let to = format!("{}/v1.0/subscribedSkus", evil.url);
    let server = hostile_server(move |req, _| {
        (req.path() == "/v1.0/subscribedSkus" && northwind(req)).then(|| redirect(302, &to))
    });
    let out = collect_two(dir.path(), &server, &month, &[]);
    assert_failed_cleanly(
        dir.path(),
        &month,
        &before,
        &out,
        "graph/subscribedSkus.json",
        "redirect refused",
    );
    assert!(evil.requests("").is_empty(), "a redirect was followed");
}

#[test]
fn an_error_or_null_answered_with_200_fails_the_endpoint_and_keeps_the_month() {
    let month = current_month();
    for (path, file, body, why) in [
        (
            "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy",
            "graph/securityDefaults.json",
            r#"{"error":{"code":"ServiceUnavailable","message":"backend down"}}"#,
            "HTTP 200 with an error body (ServiceUnavailable: backend down)",
        ),
        (
            "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy",
            "graph/securityDefaults.json",
            "null",
            "HTTP 200 with a null body",
        ),
        (
            "/v1.0/subscribedSkus",
            "graph/subscribedSkus.json",
            r#"{"error":"invalid_request"}"#,
            "HTTP 200 with an error body",
        ),
        // Data of the wrong shape is refused with the loader's own JSON path.
        (
            "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy",
            "graph/securityDefaults.json",
            r#"{"isEnabled":"yes"}"#,
            "/isEnabled",
        ),
        (
            "/v1.0/roleManagement/directory/roleAssignments",
            "graph/roleAssignments.json",
            r#"{"value":[{"id":"a","principalId":7,"roleDefinitionId":"r"}]}"#,
            "/value/0/principalId",
        ),
    ] {
        let dir = repo(&month);
        let before = tree(&dir.path().join("evidence/northwind").join(&month));
        let body = body.to_owned();
        let server = hostile_server(move |req, _| {
            (req.path() == path && northwind(req)).then(|| ok(body.clone()))
        });
        let out = with_secret(custody(dir.path(), &server))
            .args(["collect", "--month", &month, "--client", "northwind"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(file) && stderr.contains(why),
            "{why}: {stderr}"
        );
        let month_dir = dir.path().join("evidence/northwind").join(&month);
        assert_eq!(
            tree(&month_dir),
            before,
            "{why}: the previous month is untouched"
        );
        assert!(dot_entries(&dir.path().join("evidence/northwind")).is_empty());
        assert_no_secret(dir.path(), &out);
    }
}

#[test]
fn a_next_link_loop_and_endless_pages_are_stopped() {
    let month = current_month();
    // A page linking back to one already fetched.
    let dir = repo(&month);
    let before = tree(&dir.path().join("evidence/northwind").join(&month));
    let server = hostile_server(|req, base| {
        (req.path() == "/v1.0/users" && northwind(req)).then(|| {
            let n = if req.query().contains("$skiptoken=2") {
                1
            } else {
                2
            };
            ok(users_page_linking_to(
                base,
                &format!("{base}/v1.0/users?$skiptoken={n}"),
            ))
        })
    });
    let out = collect_two(dir.path(), &server, &month, &[]);
    assert_failed_cleanly(
        dir.path(),
        &month,
        &before,
        &out,
        "graph/users.json",
        "nextLink loop",
    );
    assert_eq!(
        server
            .requests("/v1.0/users")
            .iter()
            .filter(|r| northwind(r))
            .count(),
        3,
        "first page, page 2, page 1: stop"
    );

    // Endless distinct pages: the tenant's time limit ends them.
    let dir = repo(&month);
    let before = tree(&dir.path().join("evidence/northwind").join(&month));
    let counter = Arc::new(Mutex::new(0u64));
    let server = hostile_server(move |req, base| {
        (req.path() == "/v1.0/users" && northwind(req)).then(|| {
            let mut n = counter.lock().unwrap();
            *n += 1;
            std::thread::sleep(Duration::from_millis(20));
            ok(users_page_linking_to(
                base,
                &format!("{base}/v1.0/users?$skiptoken=p{n}"),
            ))
        })
    });
    let started = Instant::now();
    let out = with_secret(custody(dir.path(), &server))
        .args([
            "collect",
            "--month",
            &month,
            "--client",
            "northwind",
            "--tenant-timeout",
            "3s",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("time limit for this tenant ran out"),
        "{stderr}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    let month_dir = dir.path().join("evidence/northwind").join(&month);
    assert_eq!(tree(&month_dir), before);
    assert!(dot_entries(&dir.path().join("evidence/northwind")).is_empty());
}

#[test]
fn an_oversized_response_fails_its_endpoint_with_or_without_a_content_length() {
    let month = current_month();
    let big = format!(
        r#"{{"value":[{{"skuId":"x","skuPartNumber":"{}","capabilityStatus":"Enabled"}}]}}"#,
        "A".repeat(1_500_000)
    );
    for sized in [true, false] {
        let dir = repo(&month);
        let before = tree(&dir.path().join("evidence/northwind").join(&month));
        let big = big.clone();
        let server = hostile_server(move |req, _| {
            (req.path() == "/v1.0/subscribedSkus" && northwind(req)).then(|| {
                if sized {
                    ok(big.clone())
                } else {
                    Reply::Unsized(200, big.clone())
                }
            })
        });
        let out = collect_two(
            dir.path(),
            &server,
            &month,
            &["--max-response-bytes", "1000000"],
        );
        assert_failed_cleanly(
            dir.path(),
            &month,
            &before,
            &out,
            "graph/subscribedSkus.json",
            "larger than the 1000000 byte limit",
        );
        // Never retried: the server would send the same again.
        assert_eq!(
            server.requests("/v1.0/subscribedSkus").len(),
            2,
            "northwind once, tailspin once"
        );
    }
    // The default limit takes the same page without complaint.
    let dir = repo(&month);
    let server = hostile_server(move |req, _| {
        (req.path() == "/v1.0/subscribedSkus").then(|| Reply::Unsized(200, big.clone()))
    });
    let out = collect_two(dir.path(), &server, &month, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_slow_drip_is_cut_off_by_the_tenant_time_limit() {
    let month = current_month();
    let dir = repo(&month);
    let before = tree(&dir.path().join("evidence/northwind").join(&month));
    let server = hostile_server(|req, _| {
        (req.path() == "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy" && northwind(req))
            .then(|| Reply::Drip {
                chunk: " ".into(),
                every: Duration::from_millis(200),
                times: 10_000,
            })
    });
    let started = Instant::now();
    let out = with_secret(custody(dir.path(), &server))
        .args([
            "collect",
            "--month",
            &month,
            "--client",
            "northwind",
            "--tenant-timeout",
            "3",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("graph/securityDefaults.json"), "{stderr}");
    assert!(
        stderr.contains("time limit for this tenant ran out"),
        "{stderr}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        tree(&dir.path().join("evidence/northwind").join(&month)),
        before
    );
    assert!(dot_entries(&dir.path().join("evidence/northwind")).is_empty());
}

#[test]
fn a_token_lifetime_of_any_size_never_panics() {
    let month = current_month();
    for expires in [
        "18446744073709551615",
        "1e300",
        "-5",
        "123456789012345678901234567890",
        "\"99999999999999999999\"",
        "null",
        "0",
    ] {
        let dir = repo(&month);
        let server = hostile_server(move |req, _| {
            token_tenant(req).map(|t| token_reply_expiring(&format!("tok-{t}-{TOKEN}"), expires))
        });
        let out = with_secret(custody(dir.path(), &server))
            .args(["collect", "--month", &month, "--client", "northwind"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "expires_in {expires}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[cfg(unix)]
#[test]
fn sigterm_and_ctrl_c_leave_no_partial_folder_and_no_lock() {
    let month = current_month();
    for signal in ["-TERM", "-INT"] {
        let dir = repo(&month);
        let client_dir = dir.path().join("evidence/northwind");
        let before = tree(&client_dir.join(&month));
        let server = failing_server(true);
        let mut child =
            northwind_collect_hanging_on_audits(dir.path(), &server, &month, Stdio::piped());
        std::thread::sleep(Duration::from_millis(300));
        // The partial folder and the lock exist while it runs: the test checks something.
        assert!(
            dot_entries(&client_dir)
                .iter()
                .any(|n| n.contains(".partial-")),
            "{:?}",
            dot_entries(&client_dir)
        );
        let killed = std::process::Command::new("kill")
            .arg(signal)
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert_eq!(status.code(), Some(130), "{signal}: {stderr}");
        assert!(stderr.contains("interrupted"), "{stderr}");
        assert!(
            dot_entries(&client_dir).is_empty(),
            "{signal}: {:?}",
            dot_entries(&client_dir)
        );
        assert_eq!(tree(&client_dir.join(&month)), before);
    }
}

// ---------------------------------------------------------------- one run per client month (issue 17)

#[test]
fn a_second_collect_of_the_same_month_refuses_and_a_dead_runs_lock_does_not_block() {
    let month = current_month();
    let dir = repo(&month);
    let client_dir = dir.path().join("evidence/northwind");
    let before = tree(&client_dir.join(&month));
    let server = failing_server(true);
    // The first run hangs on directoryAudits while holding the month.
    let mut first = northwind_collect_hanging_on_audits(dir.path(), &server, &month, Stdio::null());
    let second = custody(dir.path(), &server)
        .env("CUSTODY_ACCESS_TOKEN", "tok-second-ACCESS-TOKEN-value")
        .args(["collect", "--client", "northwind", "--month", &month])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr).into_owned();
    assert_eq!(second.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "evidence/northwind/{month} is being collected by another custody process (pid {})",
            first.id()
        )),
        "{stderr}"
    );
    assert!(
        !server
            .log
            .lock()
            .unwrap()
            .iter()
            .any(|r| r.bearer().contains("second")),
        "the refused run fetched nothing"
    );
    // The first run's partial folder was not touched by the second.
    assert!(
        dot_entries(&client_dir)
            .iter()
            .any(|n| n.contains(".partial-"))
    );

    // The first run dies outright: its lock file stays, but the OS lock went with it.
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(client_dir.join(format!(".{month}.lock")).exists());
    assert_eq!(tree(&client_dir.join(&month)), before);
    let healthy = hostile_server(|_, _| None);
    let third = custody(dir.path(), &healthy)
        .env("CUSTODY_ACCESS_TOKEN", "tok-third-ACCESS-TOKEN-value")
        .args(["collect", "--client", "northwind", "--month", &month])
        .output()
        .unwrap();
    assert_eq!(
        third.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&third.stderr)
    );
    assert!(
        dot_entries(&client_dir).is_empty(),
        "{:?}",
        dot_entries(&client_dir)
    );
}

// ---------------------------------------------------------------- links out of the repository (issue 12, class 3)

#[cfg(unix)]
#[test]
fn collect_never_reads_or_writes_evidence_through_a_link() {
    let month = current_month();
    for case in [
        "client folder",
        "month folder",
        "evidence folder",
        "file in the month",
        "graph file",
    ] {
        let dir = repo(&month);
        let outside = tempfile::tempdir().unwrap();
        let ev = dir.path().join("evidence");
        let nw = ev.join("northwind");
        // What lies outside: a month of evidence and a private file.
        crate::support::files::copy_tree(&nw, &outside.path().join("northwind"));
        std::fs::write(outside.path().join("private.csv"), "private,outside,data\n").unwrap();
        match case {
            "client folder" => {
                std::fs::remove_dir_all(&nw).unwrap();
                std::os::unix::fs::symlink(outside.path().join("northwind"), &nw).unwrap();
            }
            "month folder" => {
                std::fs::remove_dir_all(nw.join(&month)).unwrap();
                std::os::unix::fs::symlink(
                    outside.path().join("northwind").join(&month),
                    nw.join(&month),
                )
                .unwrap();
            }
            "evidence folder" => {
                crate::support::files::copy_tree(&ev, &outside.path().join("evidence"));
                std::fs::remove_dir_all(&ev).unwrap();
                std::os::unix::fs::symlink(outside.path().join("evidence"), &ev).unwrap();
            }
            "file in the month" => {
                std::fs::remove_file(nw.join(&month).join("backup-jobs.csv")).unwrap();
                std::os::unix::fs::symlink(
                    outside.path().join("private.csv"),
                    nw.join(&month).join("backup-jobs.csv"),
                )
                .unwrap();
            }
            _ => {
                std::fs::remove_file(nw.join(&month).join("graph/users.json")).unwrap();
                std::os::unix::fs::symlink(
                    outside.path().join("private.csv"),
                    nw.join(&month).join("graph/users.json"),
                )
                .unwrap();
            }
        }
        let outside_before = tree(outside.path());
        let server = hostile_server(|_, _| None);
        let out = with_secret(custody(dir.path(), &server))
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
        assert_eq!(out.status.code(), Some(2), "{case}: {stderr}");
        assert!(stderr.contains("northwind: error:"), "{case}: {stderr}");
        assert!(stderr.contains("symbolic link"), "{case}: {stderr}");
        assert_eq!(
            tree(outside.path()),
            outside_before,
            "{case}: written outside the repository"
        );
        // Nothing from outside reached the repository's evidence.
        for (f, bytes) in tree(&dir.path().join("evidence/tailspin")) {
            assert!(
                !String::from_utf8_lossy(&bytes).contains("private,outside"),
                "{case}: {f}"
            );
        }
        // Refused before any request for northwind's tenant was made.
        assert!(
            server
                .requests(&format!("/login/{NORTHWIND_TENANT}/"))
                .is_empty(),
            "{case}: fetched before refusing"
        );
        if case != "evidence folder" {
            // The other client is still collected (its folders are real).
            assert!(
                dir.path()
                    .join("evidence/tailspin")
                    .join(&month)
                    .join("manifest.json")
                    .is_file(),
                "{case}: {stderr}"
            );
        }
        // The links are still there: custody removes only what it wrote.
        match case {
            "client folder" => assert!(nw.is_symlink()),
            "month folder" => assert!(nw.join(&month).is_symlink()),
            "evidence folder" => assert!(ev.is_symlink()),
            "file in the month" => assert!(nw.join(&month).join("backup-jobs.csv").is_symlink()),
            _ => assert!(nw.join(&month).join("graph/users.json").is_symlink()),
        }
    }
}

// ---------------------------------------------------------------- roles held through groups (issue 14)

const GROUP_A: &str = "5b4d1a6e-2f1c-4d3b-9a7e-0c1d2e3f4a5b";
const GROUP_B: &str = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";

#[test]
fn members_of_groups_holding_roles_are_collected_and_the_month_checks_and_verifies() {
    let month = current_month();
    let dir = repo(&month);
    let server = hostile_server(|req, base| {
        if !northwind(req) {
            return None;
        }
        match req.path() {
            "/v1.0/roleManagement/directory/roleAssignments" => Some(ok(
                // GROUP_A twice (upper case once): fetched once.
                role_assignments_with_groups(base, &[GROUP_A, &GROUP_A.to_uppercase()]),
            )),
            "/v1.0/roleManagement/directory/roleEligibilitySchedules" => {
                assert!(req.query().contains("$expand=principal"), "{}", req.target);
                Some(ok(role_eligibility_with_group(base, GROUP_B)))
            }
            p if p == format!("/v1.0/groups/{GROUP_A}/transitiveMembers") => {
                assert!(
                    req.query().contains(
                        "$select=id,displayName,userPrincipalName,userType,accountEnabled"
                    ),
                    "{}",
                    req.target
                );
                Some(ok(if req.query().contains("$skiptoken") {
                    transitive_members_page(
                        base,
                        &[(
                            "c3d4e5f6-0000-4000-8000-000000000003",
                            "carol@northwind.example",
                        )],
                        None,
                    )
                } else {
                    transitive_members_page(
                        base,
                        &[
                            (
                                "a1b2c3d4-0000-4000-8000-000000000001",
                                "alice@northwind.example",
                            ),
                            ("b2c3d4e5-0000-4000-8000-000000000002", ""),
                        ],
                        Some(&format!(
                            "{base}/v1.0/groups/{GROUP_A}/transitiveMembers?$select=id,displayName,userPrincipalName,userType,accountEnabled&$skiptoken=X"
                        )),
                    )
                }))
            }
            p if p == format!("/v1.0/groups/{GROUP_B}/transitiveMembers") => Some(error_sample(
                403,
                "error__403__Authorization_RequestDenied.json",
            )),
            _ => None,
        }
    });
    let out = with_secret(custody(dir.path(), &server))
        .args(["collect", "--month", &month, "--client", "northwind"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(
        server.requests(&format!("/v1.0/groups/{GROUP_A}/")).len(),
        2,
        "two pages, fetched once"
    );
    let month_dir = dir.path().join("evidence/northwind").join(&month);
    let file_a = format!("graph/groupMembers/{GROUP_A}.json");
    let bytes = std::fs::read(month_dir.join(&file_a)).unwrap();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    let ids: Vec<&str> = body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3, "{body:#}");
    assert_eq!(
        body["value"][0]["userPrincipalName"],
        "alice@northwind.example"
    );
    assert_eq!(body["value"][1]["@odata.type"], "#microsoft.graph.group");
    assert!(body.get("@odata.nextLink").is_none());
    let m = manifest_of(&month_dir);
    let rec = record(&m, &file_a);
    assert_eq!(rec["sha256"], sha256(&bytes));
    assert_eq!(rec["pages"], 2);
    assert_eq!(rec["items"], 3);
    assert!(rec["request"].as_str().unwrap().contains(&format!(
        "/v1.0/groups/{GROUP_A}/transitiveMembers?$select="
    )));
    // A group whose members the app may not read is recorded, not fatal.
    let rec_b = record(&m, &format!("graph/groupMembers/{GROUP_B}.json"));
    assert_eq!(rec_b["missing"], "permission_missing");
    assert!(
        rec_b["reason"]
            .as_str()
            .unwrap()
            .contains("GroupMember.Read.All")
    );
    assert!(
        !month_dir
            .join(format!("graph/groupMembers/{GROUP_B}.json"))
            .exists()
    );

    // The new sub-folder loads: check reports no input error and the snapshot complete.
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
    let complete = report["clients"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["control"] == "evidence.snapshot-complete")
        .unwrap()
        .clone();
    assert!(
        !complete.to_string().contains("groupMembers"),
        "{complete:#}"
    );
    assert_ne!(complete["status"], "fail", "{complete:#}");
    // And it packs and verifies.
    let site = dir.path().join("site");
    let out = Command::cargo_bin("custody")
        .unwrap()
        .arg("--repo")
        .arg(dir.path())
        .args(["build", "--client", "northwind", "--out"])
        .arg(&site)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::cargo_bin("custody")
        .unwrap()
        .arg("verify")
        .arg(&site)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_group_principal_id_that_is_not_a_guid_never_becomes_a_file_name() {
    let month = current_month();
    for bad in [
        "../../../../outside",
        "x/../../y",
        "5b4d1a6e-2f1c-4d3b-9a7e-0c1d2e3f4a5b/../z",
        "",
    ] {
        let dir = repo(&month);
        let before = tree(&dir.path().join("evidence/northwind").join(&month));
        let server = hostile_server(move |req, base| {
            (req.path() == "/v1.0/roleManagement/directory/roleAssignments" && northwind(req))
                .then(|| ok(role_assignments_with_groups(base, &[bad])))
        });
        let out = collect_two(dir.path(), &server, &month, &[]);
        assert_failed_cleanly(
            dir.path(),
            &month,
            &before,
            &out,
            "graph/roleAssignments.json",
            "must be a GUID",
        );
        assert!(server.requests("/v1.0/groups/").is_empty(), "{bad}");
        assert!(!dir.path().parent().unwrap().join("outside.json").exists());
    }
}

#[test]
fn two_clients_naming_one_tenant_are_not_collected_and_the_others_are() {
    let month = current_month();
    let dir = repo(&month);
    // fabrikam claims northwind's tenant.
    let toml = dir.path().join("clients/fabrikam/client.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    let own = text
        .lines()
        .find(|l| l.starts_with("tenant_id"))
        .unwrap()
        .to_owned();
    std::fs::write(
        &toml,
        text.replace(&own, &format!("tenant_id = \"{NORTHWIND_TENANT}\"")),
    )
    .unwrap();
    let base = Arc::new(Mutex::new(String::new()));
    let b2 = base.clone();
    let server = Server::start(move |req| {
        if token_tenant(req).is_some() {
            return token_reply(&format!("tok-{}-x", token_tenant(req).unwrap()));
        }
        happy_graph(req, &b2.lock().unwrap()).unwrap_or_else(not_found)
    });
    *base.lock().unwrap() = server.url.clone();
    let out = with_secret(custody(dir.path(), &server))
        .args(["collect", "--month", &month])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("clients/fabrikam/client.toml"), "{stderr}");
    assert!(stderr.contains("clients/northwind/client.toml"), "{stderr}");
    // Neither clashing client got a token or a file; tailspin was collected.
    assert!(
        server
            .requests(&format!("/login/{NORTHWIND_TENANT}/"))
            .is_empty()
    );
    assert!(
        !dir.path()
            .join("evidence/fabrikam")
            .join(&month)
            .join("manifest.json")
            .exists()
    );
    assert!(
        dir.path()
            .join("evidence/tailspin")
            .join(&month)
            .join("manifest.json")
            .is_file()
    );
}

/// Red team: `--graph-url 'http://u:p@host'` exited 2 saying only "0 of 1 client(s)
/// collected, 1 failed". The reason is printed once, and the URL, which may carry a
/// password, is not echoed.
#[test]
fn a_graph_url_with_credentials_is_refused_with_its_reason_and_never_echoed() {
    let dir = tempfile::tempdir().unwrap();
    custody::controls::testing::Fx::new().write_to(dir.path(), "acme");
    let out = with_secret(Command::cargo_bin("custody").unwrap())
        .arg("--repo")
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .args(["collect", "--client", "acme", "--graph-url"])
        .arg("http://admin:hunter2-pass@127.0.0.1:9")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("expected http(s)://host[:port] without credentials"),
        "{stderr}"
    );
    for secret in ["hunter2-pass", "admin:", SECRET] {
        assert!(!stderr.contains(secret), "{secret} in {stderr}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains(secret));
    }
}
