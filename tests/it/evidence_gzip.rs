//! Large tenants (issue 17 item 5): Graph evidence stored gzip-compressed as
//! `<file>.json.gz` reads exactly as the `.json` it replaces, for every command that
//! reads evidence; `collect --compress-above` writes it; bad gzip is bad input naming the
//! file; long collections report progress per endpoint.

use crate::collect::{current_month, custody, not_found, repo, token_tenant};
use crate::support::graph_standin::*;
use assert_cmd::Command;
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

const MONTH: &str = "2026-11";

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(bytes), &mut out).unwrap();
    out
}

fn bin(root: &Path) -> Command {
    let mut c = Command::cargo_bin("custody").unwrap();
    c.arg("--repo").arg(root).env("NO_COLOR", "1");
    c
}

/// `check --format json` of one client and month: the exit code and the scorecard's
/// results (with the run-dependent collection time left out).
fn check_json(root: &Path, month: &str) -> (Option<i32>, Value) {
    let out = bin(root)
        .args([
            "check",
            "--client",
            "northwind",
            "--month",
            month,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let client = &v["clients"][0];
    (
        out.status.code(),
        serde_json::json!({
            "score": client["score"],
            "counts": client["counts"],
            "results": client["results"],
            "errors": v["errors"],
        }),
    )
}

/// The same scorecard, result by result (a difference names its control).
fn assert_same_results(got: &Value, want: &Value) {
    let (g, w) = (
        got["results"].as_array().unwrap(),
        want["results"].as_array().unwrap(),
    );
    assert_eq!(g.len(), w.len());
    for (g, w) in g.iter().zip(w) {
        assert_eq!(g, w, "{}", w["control"]);
    }
    assert_eq!(got, want);
}

/// Replaces `graph/<name>` of the sample month with its gzip-compressed `<name>.gz`, and
/// records it in the manifest as stored (name and hash of the compressed bytes), as
/// collect does.
fn compress_in_place(month_dir: &Path, name: &str) {
    let rel = format!("graph/{name}");
    let plain = std::fs::read(month_dir.join(&rel)).unwrap();
    let gz = gzip(&plain);
    std::fs::write(month_dir.join(format!("{rel}.gz")), &gz).unwrap();
    std::fs::remove_file(month_dir.join(&rel)).unwrap();
    let path = month_dir.join("manifest.json");
    let mut m: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let rec = m["endpoints"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|e| e["file"] == rel.as_str())
        .unwrap();
    rec["file"] = Value::String(format!("{rel}.gz"));
    rec["sha256"] = Value::String(custody::evidence::sha256_hex(&gz));
    std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
}

#[test]
fn a_month_with_gzip_compressed_graph_files_checks_exactly_as_the_uncompressed_one() {
    let plain = repo(MONTH);
    let packed = repo(MONTH);
    let month_dir = packed.path().join("evidence/northwind").join(MONTH);
    for name in [
        "users.json",
        "userRegistrationDetails.json",
        "roleAssignments.json",
    ] {
        compress_in_place(&month_dir, name);
    }
    let (code_plain, plain_results) = check_json(plain.path(), MONTH);
    let (code_gz, gz_results) = check_json(packed.path(), MONTH);
    assert_eq!(code_gz, code_plain);
    assert_ne!(code_gz, Some(2), "{gz_results}");
    assert_same_results(&gz_results, &plain_results);
    // The completeness control passes on the stored files and their hashes.
    let complete = gz_results["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["control"] == "evidence.snapshot-complete")
        .unwrap();
    assert_eq!(complete["status"], "pass", "{complete}");

    // The site's pack carries the file as stored, and verify re-evaluates from it.
    let site = packed.path().join("site");
    let out = bin(packed.path())
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
    let zip_path = walkdir::WalkDir::new(&site)
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy() == format!("evidence-northwind-{MONTH}.zip"))
        .expect("the month's pack")
        .into_path();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let mut stored = Vec::new();
    std::io::Read::read_to_end(
        &mut zip.by_name("evidence/graph/users.json.gz").unwrap(),
        &mut stored,
    )
    .unwrap();
    assert_eq!(
        stored,
        std::fs::read(month_dir.join("graph/users.json.gz")).unwrap()
    );
    assert!(zip.by_name("evidence/graph/users.json").is_err());
    let out = bin(packed.path())
        .arg("verify")
        .arg(&zip_path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn both_json_and_json_gz_of_one_endpoint_are_bad_input_naming_both() {
    let dir = repo(MONTH);
    let graph = dir
        .path()
        .join("evidence/northwind")
        .join(MONTH)
        .join("graph");
    let users = std::fs::read(graph.join("users.json")).unwrap();
    std::fs::write(graph.join("users.json.gz"), gzip(&users)).unwrap();
    let out = bin(dir.path())
        .args([
            "check",
            "--client",
            "northwind",
            "--month",
            MONTH,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let both = format!(
        "evidence/northwind/{MONTH}/graph/users.json and evidence/northwind/{MONTH}/graph/users.json.gz"
    );
    assert!(stderr.contains(&both), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_group_members_file_may_be_stored_compressed_and_twice_is_bad_input() {
    let dir = repo(MONTH);
    let members = dir
        .path()
        .join("evidence/northwind")
        .join(MONTH)
        .join("graph/groupMembers");
    std::fs::create_dir_all(&members).unwrap();
    let id = "0b2f4a2c-94c3-4a4e-9b1f-6f1c1f0e2a11";
    // A malformed member list, compressed: the loader must open it (and name it) — a
    // file it never read could not be named.
    std::fs::write(
        members.join(format!("{id}.json.gz")),
        gzip(br#"{"value": [{"displayName": "no id"}]}"#),
    )
    .unwrap();
    let out = bin(dir.path())
        .args(["check", "--client", "northwind", "--month", MONTH])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains(&format!("graph/groupMembers/{id}.json.gz")),
        "{stdout}"
    );
    assert!(stdout.contains("/value/0"), "{stdout}");

    // The same list well-formed loads; with its .json beside it, both are named.
    std::fs::write(
        members.join(format!("{id}.json.gz")),
        gzip(br#"{"value": []}"#),
    )
    .unwrap();
    let out = bin(dir.path())
        .args(["check", "--client", "northwind", "--month", MONTH])
        .output()
        .unwrap();
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::fs::write(members.join(format!("{id}.json")), br#"{"value": []}"#).unwrap();
    let out = bin(dir.path())
        .args(["check", "--client", "northwind", "--month", MONTH])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains(&format!("groupMembers/{id}.json and")),
        "{stdout}"
    );
}

#[test]
fn a_corrupt_gzip_file_is_bad_input_naming_it_never_a_panic() {
    let dir = repo(MONTH);
    let graph = dir
        .path()
        .join("evidence/northwind")
        .join(MONTH)
        .join("graph");
    let users = std::fs::read(graph.join("users.json")).unwrap();
    std::fs::remove_file(graph.join("users.json")).unwrap();
    let good = gzip(&users);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        // Cut off half-way: the deflate stream ends early.
        ("truncated", good[..good.len() / 2].to_vec()),
        // Plain JSON under a .gz name: no gzip header.
        ("not gzip", users.clone()),
        // A flipped byte in the middle of the deflate stream (or its checksum).
        ("corrupted", {
            let mut b = good.clone();
            let mid = b.len() / 2;
            b[mid] ^= 0xFF;
            b[mid + 1] ^= 0x55;
            b
        }),
        // A valid member followed by garbage.
        ("trailing garbage", {
            let mut b = good.clone();
            b.extend_from_slice(b"garbage after the member");
            b
        }),
    ];
    for (what, bytes) in cases {
        std::fs::write(graph.join("users.json.gz"), &bytes).unwrap();
        let out = bin(dir.path())
            .args([
                "check",
                "--client",
                "northwind",
                "--month",
                MONTH,
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(
            stderr.contains(&format!("evidence/northwind/{MONTH}/graph/users.json.gz")),
            "{what}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
        // No control passes on it: users.json's controls have no evidence.
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let stale = v["clients"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["control"] == "access.stale-admins")
            .unwrap()
            .clone();
        assert_ne!(stale["status"], "pass", "{what}: {stale}");
    }
}

#[test]
fn seal_records_a_compressed_file_as_stored() {
    let dir = repo(MONTH);
    let month_dir = dir.path().join("evidence/northwind").join(MONTH);
    std::fs::remove_file(month_dir.join("manifest.json")).unwrap();
    let users = std::fs::read(month_dir.join("graph/users.json")).unwrap();
    std::fs::remove_file(month_dir.join("graph/users.json")).unwrap();
    let gz = gzip(&users);
    std::fs::write(month_dir.join("graph/users.json.gz"), &gz).unwrap();
    let out = bin(dir.path())
        .args([
            "seal",
            "--client",
            "northwind",
            "--month",
            MONTH,
            "--by",
            "Test Person",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m: Value =
        serde_json::from_slice(&std::fs::read(month_dir.join("manifest.json")).unwrap()).unwrap();
    let rec = m["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["file"] == "graph/users.json.gz")
        .unwrap_or_else(|| panic!("no record of users.json.gz: {m}"));
    assert_eq!(rec["sha256"], custody::evidence::sha256_hex(&gz).as_str());
    assert!(rec["missing"].is_null(), "{rec}");
    assert!(m["files"].get("graph/users.json.gz").is_none(), "{m}");
}

// ---------------------------------------------------------------- collect

/// A Graph stand-in serving every endpoint, with users paged over `user_pages` pages.
fn graph(user_pages: usize) -> Server {
    let base = Arc::new(Mutex::new(String::new()));
    let server = {
        let base = base.clone();
        Server::start(move |req| {
            let base = base.lock().unwrap().clone();
            if token_tenant(req).is_some() {
                return token_reply("tok-ACCESS-TOKEN-value");
            }
            if req.path() == "/v1.0/users" && user_pages > 1 {
                let page: usize = req
                    .query()
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("page="))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(1);
                return if page < user_pages {
                    let next = format!("{base}/v1.0/users?page={}", page + 1);
                    ok(users_page_linking_to(&base, &next))
                } else {
                    ok(sample("v1.0__users__select_signInActivity.json", &base))
                };
            }
            happy_graph(req, &base).unwrap_or_else(not_found)
        })
    };
    *base.lock().unwrap() = server.url.clone();
    server
}

fn run_collect(
    root: &Path,
    server: &Server,
    month: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> String {
    let mut c = custody(root, server);
    c.env("CUSTODY_CLIENT_ID", "11111111-2222-3333-4444-555555555555")
        .env("CUSTODY_CLIENT_SECRET", "s3cr3t-CLIENT-SECRET-value")
        .env_remove("CUSTODY_COMPRESS_ABOVE")
        .args(["collect", "--client", "northwind", "--month", month])
        .args(extra);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    stderr
}

fn graph_files(month_dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(month_dir.join("graph"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(month_dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    out.sort();
    out
}

#[test]
fn collect_compresses_above_the_threshold_and_the_month_checks_as_the_uncompressed_one() {
    let month = current_month();
    let server = graph(1);
    let plain = repo(&month);
    let mixed = repo(&month);
    let all = repo(&month);
    // Each repository already holds the month uncompressed (repo()): the new month
    // replaces it, so no earlier .json is left beside its .gz.
    run_collect(
        plain.path(),
        &server,
        &month,
        &["--compress-above", "1000000000"],
        &[],
    );
    run_collect(
        mixed.path(),
        &server,
        &month,
        &[],
        &[("CUSTODY_COMPRESS_ABOVE", "2000")],
    );
    run_collect(all.path(), &server, &month, &["--compress-above", "0"], &[]);

    let dir = |r: &tempfile::TempDir| r.path().join("evidence/northwind").join(&month);
    let plain_files = graph_files(&dir(&plain));
    assert!(
        plain_files.iter().all(|f| f.ends_with(".json")),
        "{plain_files:?}"
    );

    // 0: every Graph file compressed, none left uncompressed.
    let all_files = graph_files(&dir(&all));
    assert_eq!(
        all_files,
        plain_files
            .iter()
            .map(|f| format!("{f}.gz"))
            .collect::<Vec<_>>()
    );
    // 2000 bytes: the large files compressed, the small ones (securityDefaults.json) not.
    let mixed_files = graph_files(&dir(&mixed));
    assert!(
        mixed_files.contains(&"graph/conditionalAccessPolicies.json.gz".to_owned()),
        "{mixed_files:?}"
    );
    assert!(
        mixed_files.contains(&"graph/securityDefaults.json".to_owned()),
        "{mixed_files:?}"
    );
    for f in &mixed_files {
        let stored = std::fs::read(dir(&mixed).join(f)).unwrap();
        let json = match f.strip_suffix(".gz") {
            Some(plain_name) => {
                // Compressed only because it is larger than the threshold, and holds the
                // very bytes the uncompressed collection stored.
                let json = gunzip(&stored);
                assert!(json.len() > 2000, "{f}");
                assert_eq!(
                    json,
                    std::fs::read(dir(&plain).join(plain_name)).unwrap(),
                    "{f}"
                );
                json
            }
            None => stored.clone(),
        };
        if !f.ends_with(".gz") {
            assert!(json.len() <= 2000, "{f}");
        }
    }

    // The manifest records each file as stored, with the stored bytes' hash.
    let m: Value =
        serde_json::from_slice(&std::fs::read(dir(&all).join("manifest.json")).unwrap()).unwrap();
    let rec = m["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["file"] == "graph/users.json.gz")
        .unwrap_or_else(|| panic!("{m}"));
    assert_eq!(
        rec["sha256"],
        custody::evidence::sha256_hex(
            &std::fs::read(dir(&all).join("graph/users.json.gz")).unwrap()
        )
        .as_str()
    );

    // The runs differ only in when they ran: give the three months one collection time.
    for r in [&plain, &mixed, &all] {
        let path = dir(r).join("manifest.json");
        let mut m: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        m["collected_at"] = Value::String(format!("{month}-01T03:00:00Z"));
        std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    }
    let (code, plain_results) = check_json(plain.path(), &month);
    assert_ne!(code, Some(2), "{plain_results}");
    for r in [&mixed, &all] {
        let (c, results) = check_json(r.path(), &month);
        assert_eq!(c, code);
        assert_same_results(&results, &plain_results);
    }
}

#[test]
fn a_long_collection_reports_pages_and_items_per_endpoint_in_plain_lines() {
    let month = current_month();
    let server = graph(55);
    let dir = repo(&month);
    let stderr = run_collect(dir.path(), &server, &month, &[], &[]);
    // Not a terminal: a line every 50 pages while it runs, and the total at the end.
    let progress: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("graph/users.json: 50 pages, "))
        .collect();
    assert_eq!(progress.len(), 1, "{stderr}");
    assert!(progress[0].starts_with("northwind: "), "{stderr}");
    assert!(progress[0].ends_with(" items so far"), "{stderr}");
    assert!(
        stderr.contains("graph/users.json: ") && stderr.contains(" in 55 page(s)"),
        "{stderr}"
    );
    // -q drops progress lines.
    let quiet = run_collect(dir.path(), &server, &month, &["-q"], &[]);
    assert!(!quiet.contains("pages, "), "{quiet}");
}
