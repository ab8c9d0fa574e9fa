//! Red-team findings on the backup verdicts, reproduced through the CLI on the sample
//! client as the red team did (edit a month, reseal it, check): nothing in scope is no
//! evidence, a restore test without a duration cannot show the RTO. And the Veeam
//! server's self-signed certificate, trusted with `--veeam-ca-file` for the Veeam
//! connection only, against a loopback HTTPS stand-in.

use crate::support::graph_standin::*;
use assert_cmd::Command;
use custody::controls::backup::fixtures::{job_id, jobs_json};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

const CLIENT: &str = "fabrikam";
const MONTH: &str = "2026-11";

fn custody() -> Command {
    let mut c = Command::cargo_bin("custody").expect("binary");
    c.env("NO_COLOR", "1")
        .env_remove("CUSTODY_SIGNING_KEY_FILE")
        .env_remove("CUSTODY_VEEAM_CA_FILE")
        .env_remove("GITHUB_ACTIONS");
    c
}

/// The sample client's policy and its last two months, in a fresh repository.
fn sample_client() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("repo");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate::support::files::copy_tree(
        &sample.join("clients").join(CLIENT),
        &repo.join("clients").join(CLIENT),
    );
    for m in ["2026-10", MONTH] {
        crate::support::files::copy_tree(
            &sample.join("evidence").join(CLIENT).join(m),
            &repo.join("evidence").join(CLIENT).join(m),
        );
    }
    (dir, repo)
}

/// Edits a file of the month, reseals the month as the red team did, and returns the
/// result of `control`.
fn edit_reseal_check(
    repo: &Path,
    file: &str,
    edit: impl Fn(String) -> String,
    control: &str,
) -> Value {
    let path = repo.join("evidence").join(CLIENT).join(MONTH).join(file);
    let before = std::fs::read_to_string(&path).expect("file");
    let after = edit(before.clone());
    assert_ne!(before, after, "the edit changed {file}");
    std::fs::write(&path, after).expect("write");
    let out = custody()
        .arg("--repo")
        .arg(repo)
        .args(["seal", "--client", CLIENT, "--month", MONTH, "--force"])
        .args(["--by", "R <r@t>"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = custody()
        .arg("--repo")
        .arg(repo)
        .args(["check", "--client", CLIENT, "--month", MONTH])
        .args(["--format", "json"])
        .output()
        .expect("runs");
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    doc["clients"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["control"] == control)
        .unwrap_or_else(|| panic!("no {control}"))
        .clone()
}

/// Red team `exp/emptyunits`: an empty siteProtectionUnits.json with SharePoint
/// `scope = "all"`, resealed, passed "0 of 0 in-scope items protected".
#[test]
fn an_empty_site_unit_list_resealed_is_no_evidence_not_0_of_0() {
    let (_d, repo) = sample_client();
    let r = edit_reseal_check(
        &repo,
        "graph/siteProtectionUnits.json",
        |_| r#"{"value": []}"#.to_owned(),
        "backup.sharepoint.protection-coverage",
    );
    assert_eq!(r["status"], "no_evidence", "{r:#}");
    assert_eq!(
        r["message"],
        "no in-scope items recorded: graph/siteProtectionUnits.json lists no protection unit"
    );
}

/// Red team `exp/rt`: Teams rows of backup-jobs.csv recording 0 items in scope and 0
/// protected passed "0 of 0 in-scope items protected".
#[test]
fn teams_jobs_recording_0_items_are_no_evidence_not_0_of_0() {
    let (_d, repo) = sample_client();
    let r = edit_reseal_check(
        &repo,
        "backup-jobs.csv",
        |csv| {
            csv.lines()
                .map(|l| {
                    let mut f: Vec<&str> = l.split(',').collect();
                    if f.get(1) == Some(&"teams") && f.len() > 6 {
                        f[5] = "0";
                        f[6] = "0";
                    }
                    format!("{}\n", f.join(","))
                })
                .collect()
        },
        "backup.teams.protection-coverage",
    );
    assert_eq!(r["status"], "no_evidence", "{r:#}");
    let m = r["message"].as_str().expect("message");
    assert!(
        m.starts_with("no in-scope items recorded: the latest teams job with item counts")
            && m.ends_with("in backup-jobs.csv, records 0 items in scope"),
        "{m}"
    );
}

/// Red team `exp/rtd`: the Teams test's `duration = "150m"` removed, the restore test
/// passed the "took no longer than the RTO" part.
#[test]
fn a_restore_test_without_its_duration_does_not_show_the_rto() {
    let (_d, repo) = sample_client();
    let r = edit_reseal_check(
        &repo,
        "restore-tests.toml",
        |t| t.replace("duration = \"150m\"\n", ""),
        "backup.teams.restore-test",
    );
    assert_eq!(r["status"], "no_evidence", "{r:#}");
    assert_eq!(
        r["message"],
        "last restore test 2026-11-18 passed, but its duration is not recorded, so the RTO of 12h is not shown"
    );
}

// ------------------------------------------------- Veeam behind a self-signed certificate

/// A self-signed certificate for 127.0.0.1 and localhost, as most Veeam Backup for
/// Microsoft 365 installs present, with its key.
fn self_signed() -> (String, Arc<rustls::ServerConfig>) {
    let ck =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("certificate");
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        ck.signing_key.serialize_der(),
    ));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_no_client_auth()
    .with_single_cert(vec![ck.cert.der().clone()], key)
    .expect("server config");
    (ck.cert.pem(), Arc::new(config))
}

/// An HTTPS front on 127.0.0.1 that terminates TLS with `config` and passes each request
/// to the plain loopback stand-in at `backend` (`http://127.0.0.1:port`), which closes
/// every connection after its answer. Returns `https://127.0.0.1:port`.
fn https_front(config: Arc<rustls::ServerConfig>, backend: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("https://{}", listener.local_addr().expect("addr"));
    let backend = backend.trim_start_matches("http://").to_owned();
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(tcp) = tcp else { continue };
            let (config, backend) = (config.clone(), backend.clone());
            std::thread::spawn(move || {
                let Ok(conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                // The request: its head, then as many body bytes as it announces. A
                // client that refuses the certificate ends the handshake here.
                let mut req = Vec::new();
                let mut buf = [0u8; 4096];
                let head_end = loop {
                    match tls.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                    if let Some(i) = req.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                };
                let head = String::from_utf8_lossy(&req[..head_end]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                while req.len() < head_end + len {
                    match tls.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                let Ok(mut plain) = TcpStream::connect(&backend) else {
                    return;
                };
                let mut answer = Vec::new();
                if plain.write_all(&req).is_err() || plain.read_to_end(&mut answer).is_err() {
                    return;
                }
                let _ = tls.write_all(&answer);
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    url
}

const VEEAM_TOKEN: &str = "veeam-TOKEN-behind-tls";

/// Graph (the happy tenant) and, under `/veeam`, a Veeam server with northwind's job.
fn graph_and_veeam() -> Server {
    let base = Arc::new(std::sync::Mutex::new(String::new()));
    let b2 = base.clone();
    let server = Server::start(move |req| {
        let p = req.path();
        if p.starts_with("/login/") {
            return token_reply("tok-graph-ACCESS-TOKEN-value");
        }
        if let Some(rest) = p.strip_prefix("/veeam/v8/") {
            let page = |results: Vec<Value>| {
                ok(
                    serde_json::json!({"offset": 0, "limit": 200, "results": results,
                    "_links": {"self": {"href": "/v8/x?offset=0"}}})
                    .to_string(),
                )
            };
            let mine = job_id("Northwind Mail");
            return match rest {
                "Token" => ok(format!(
                    r#"{{"access_token":"{VEEAM_TOKEN}","token_type":"bearer","expires_in":3600}}"#
                )),
                _ if req.bearer() != VEEAM_TOKEN => {
                    Reply::Json(401, vec![], r#"{"message":"no token"}"#.into())
                }
                "Jobs" => ok(jobs_json(&["Northwind Mail"])),
                r if r == format!("Jobs/{mine}/JobSessions") => page(vec![serde_json::json!({
                    "id": "00000001-0d1c-4b8e-9a6f-2b7c0e9d4a31",
                    "creationTime": format!("{}-01T22:00:00.1234567Z", custody::month::Month::current()),
                    "endTime": format!("{}-01T22:20:00Z", custody::month::Month::current()),
                    "status": "Success",
                    "statistics": {"processedObjects": 40},
                    "_links": {"job": {"href": format!("/v8/Jobs/{mine}")}}
                })]),
                "RestoreSessions" => page(Vec::new()),
                _ => Reply::Json(404, vec![], r#"{"message":"not here"}"#.into()),
            };
        }
        let base = b2.lock().expect("lock").clone();
        happy_graph(req, &base).unwrap_or_else(|| {
            Reply::Json(
                404,
                vec![],
                r#"{"error":{"code":"NotFound","message":"x"}}"#.into(),
            )
        })
    });
    *base.lock().expect("lock") = server.url.clone();
    server
}

/// northwind's policy with its Exchange backed up by the Veeam job "Northwind Mail".
fn northwind() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/northwind");
    let dest = dir.path().join("clients/northwind");
    crate::support::files::copy_tree(&src, &dest);
    let backup = dest.join("backup.toml");
    let text = std::fs::read_to_string(&backup).expect("backup.toml");
    std::fs::write(
        &backup,
        text.replacen(
            "[exchange]\nin_scope = true\n",
            "[exchange]\nin_scope = true\nveeam_jobs = [\"Northwind Mail\"]\n",
            1,
        ),
    )
    .expect("write");
    dir
}

fn collect(repo: &Path, server: &Server, extra: &[&str]) -> (Option<i32>, String) {
    let out = Command::from_std(custody_against(repo, server))
        .args(["collect", "--client", "northwind"])
        .args(extra)
        .env_remove("CUSTODY_VEEAM_CA_FILE")
        .env("CUSTODY_CLIENT_ID", "11111111-2222-3333-4444-555555555555")
        .env("CUSTODY_CLIENT_SECRET", "graph-secret-value")
        .env("CUSTODY_VEEAM_USERNAME", "MSP\\custody")
        .env("CUSTODY_VEEAM_PASSWORD", "veeam-PASSWORD-value")
        .timeout(Duration::from_secs(120))
        .output()
        .expect("runs");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), all)
}

fn veeam_jobs_file(repo: &Path) -> PathBuf {
    repo.join("evidence/northwind")
        .join(custody::month::Month::current().to_string())
        .join("backup/veeam/Jobs.json")
}

/// Most Veeam Backup for Microsoft 365 servers present a self-signed certificate: it is
/// refused (verification is never off), and trusted once `--veeam-ca-file` names it.
#[test]
fn a_self_signed_veeam_server_is_refused_without_the_ca_file_and_trusted_with_it() {
    let (pem, config) = self_signed();
    let server = graph_and_veeam();
    let veeam = format!("{}/veeam", https_front(config, &server.url));
    let dir = northwind();
    let ca = dir.path().join("veeam-ca.pem");
    std::fs::write(&ca, &pem).expect("write");

    let (code, all) = collect(dir.path(), &server, &["--veeam-url", &veeam]);
    assert_eq!(code, Some(2), "{all}");
    assert!(all.to_ascii_lowercase().contains("certificate"), "{all}");
    assert!(!veeam_jobs_file(dir.path()).exists());
    assert!(
        server.requests("/veeam/").is_empty(),
        "nothing reached the server through a refused connection"
    );

    let ca_arg = ca.to_str().expect("utf-8 path");
    let (code, all) = collect(
        dir.path(),
        &server,
        &["--veeam-url", &veeam, "--veeam-ca-file", ca_arg],
    );
    assert_eq!(code, Some(0), "{all}");
    let jobs: Value =
        serde_json::from_slice(&std::fs::read(veeam_jobs_file(dir.path())).expect("Jobs.json"))
            .expect("JSON");
    assert_eq!(jobs[0]["name"], "Northwind Mail");
    assert!(!all.contains("veeam-PASSWORD-value") && !all.contains(VEEAM_TOKEN));
}

/// The CA file is for the Veeam connection only: Graph behind the same self-signed
/// certificate is still refused.
#[test]
fn the_graph_connection_does_not_trust_the_veeam_ca_file() {
    let (pem, config) = self_signed();
    let server = graph_and_veeam();
    let front = https_front(config, &server.url);
    let dir = northwind();
    let ca = dir.path().join("veeam-ca.pem");
    std::fs::write(&ca, &pem).expect("write");
    let veeam = format!("{front}/veeam");
    let ca_arg = ca.to_str().expect("utf-8 path");
    let (code, all) = collect(
        dir.path(),
        &server,
        &[
            "--graph-url",
            &front,
            "--veeam-url",
            &veeam,
            "--veeam-ca-file",
            ca_arg,
        ],
    );
    assert_eq!(code, Some(2), "{all}");
    assert!(all.to_ascii_lowercase().contains("certificate"), "{all}");
    assert!(
        server.requests("/v1.0/").is_empty(),
        "no Graph request got through the untrusted certificate"
    );
}

/// A CA file that cannot be read or holds no certificate exits 2 naming the file, before
/// any request (to Graph, the login or Veeam).
#[test]
fn a_bad_veeam_ca_file_exits_2_naming_the_file_before_any_request() {
    let server = graph_and_veeam();
    let dir = northwind();
    let not_pem = dir.path().join("not-a-cert.pem");
    std::fs::write(
        &not_pem,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .expect("write");
    let missing = dir.path().join("missing.pem");
    for (file, why) in [
        (&not_pem, "holds no PEM certificate"),
        (&missing, "cannot be read"),
    ] {
        let f = file.to_str().expect("utf-8 path");
        let (code, all) = collect(
            dir.path(),
            &server,
            &[
                "--veeam-url",
                "https://vbo.example:4443",
                "--veeam-ca-file",
                f,
            ],
        );
        assert_eq!(code, Some(2), "{all}");
        assert!(
            all.contains(&format!("--veeam-ca-file {f}: {why}")),
            "{all}"
        );
    }
    // Without --veeam-url the file has nothing to be trusted for.
    let (code, all) = collect(
        dir.path(),
        &server,
        &["--veeam-ca-file", not_pem.to_str().expect("utf-8 path")],
    );
    assert_eq!(code, Some(2), "{all}");
    assert!(all.contains("needs --veeam-url"), "{all}");
    assert!(
        server.log.lock().expect("lock").is_empty(),
        "no request was made"
    );
}
