//! The sample months record who collected them (issue 16 item 3), as `collect` and
//! `seal` write it: every month collected in the MSP's scheduled GitHub Actions run with a
//! federated credential, except one month exported by hand and sealed; the packs carry it
//! and `verify` prints it.

use assert_cmd::Command;
use custody::evidence::manifest::{Manifest, Method};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn sample_repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every sample month's manifest: (client, month, manifest).
fn sample_manifests() -> Vec<(String, String, Manifest)> {
    let mut out = Vec::new();
    let evidence = sample_repo().join("evidence");
    for client in std::fs::read_dir(&evidence).unwrap() {
        let client = client.unwrap().path();
        if !client.is_dir() {
            continue;
        }
        for month in std::fs::read_dir(&client).unwrap() {
            let month = month.unwrap().path();
            let text = std::fs::read_to_string(month.join("manifest.json")).unwrap();
            let m: Manifest =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", month.display()));
            let name = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
            out.push((name(&client), name(&month), m));
        }
    }
    out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    out
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[test]
fn every_sample_month_records_who_collected_it() {
    let months = sample_manifests();
    assert_eq!(months.len(), 18, "three clients, six months each");
    let mut hand = Vec::new();
    for (client, month, m) in &months {
        let at = format!("{client} {month}");
        let p = m
            .provenance
            .as_ref()
            .unwrap_or_else(|| panic!("{at}: no provenance"));
        assert_eq!(p.tenant_id, m.tenant_id, "{at}");
        assert_eq!(p.custody_version, m.tool.version, "{at}");
        assert!(
            p.custody_commit.len() == 40 && p.custody_commit.bytes().all(|b| b.is_ascii_hexdigit()),
            "{at}: {}",
            p.custody_commit
        );
        assert!(p.started_at.starts_with(month.as_str()), "{at}");
        assert!(p.started_at <= p.finished_at, "{at}");
        // Every file the manifest hashes has its size recorded, as collect and seal write.
        for (file, _) in m.hashes() {
            assert!(m.sizes.contains_key(file), "{at}: no size for {file}");
        }
        match p.method {
            Method::Collect => {
                assert_eq!(p.by, None, "{at}");
                assert!(is_guid(p.app_id.as_deref().unwrap_or_default()), "{at}");
                assert_eq!(p.credential.as_deref(), Some("federated"), "{at}");
                assert_eq!(p.finished_at, m.collected_at, "{at}");
                // The run URL has exactly the shape custody itself records in Actions.
                let url = p.ci_run_url.as_deref().unwrap_or_default();
                let rest = url
                    .strip_prefix("https://github.com/")
                    .unwrap_or_else(|| panic!("{at}: {url}"));
                let parts: Vec<&str> = rest.split('/').collect();
                assert_eq!(parts.len(), 7, "{at}: {url}");
                let vars: HashMap<&str, String> = [
                    ("GITHUB_ACTIONS", "true".to_owned()),
                    ("GITHUB_SERVER_URL", "https://github.com".to_owned()),
                    ("GITHUB_REPOSITORY", format!("{}/{}", parts[0], parts[1])),
                    ("GITHUB_RUN_ID", parts[4].to_owned()),
                    ("GITHUB_RUN_ATTEMPT", parts[6].to_owned()),
                ]
                .into();
                assert_eq!(
                    custody::evidence::provenance::ci_run_url(&|k| vars.get(k).cloned()).as_deref(),
                    Some(url),
                    "{at}"
                );
                assert!(url.ends_with("/attempts/1"), "{at}: {url}");
            }
            Method::Hand => {
                hand.push(at.clone());
                assert!(p.by.as_deref().is_some_and(|b| b.contains('@')), "{at}");
                assert_eq!(p.app_id, None, "{at}");
                assert_eq!(p.credential, None, "{at}");
                assert_eq!(p.ci_run_url, None, "{at}");
                // As seal writes it: hashes only, and each missing file explained.
                for e in &m.endpoints {
                    assert_eq!(e.request, None, "{at}: {}", e.file);
                    assert!(
                        e.sha256.is_some() || e.missing.is_some(),
                        "{at}: {}",
                        e.file
                    );
                }
            }
        }
    }
    assert_eq!(hand, ["fabrikam 2026-08"], "one month is sealed by hand");
}

#[test]
fn the_sample_site_verifies_and_names_who_collected_each_month() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let out = Command::cargo_bin("custody")
        .unwrap()
        .env("NO_COLOR", "1")
        .arg("--repo")
        .arg(sample_repo())
        .args(["-q", "build", "--no-cache", "--out"])
        .arg(&site)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The month page's provenance names who collected the evidence, escaped.
    let page = |client: &str, month: &str| {
        std::fs::read_to_string(site.join(client).join(month).join("index.html")).unwrap()
    };
    assert!(
        page("fabrikam", "2026-08").contains(
            "<p>Evidence: exported by hand by Dana Whitaker &lt;dana.whitaker@msp.example&gt;, sealed with custody"
        ),
        "the hand-sealed month names who sealed it"
    );
    let northwind = page("northwind", "2026-11");
    assert!(
        northwind.contains("<p>Evidence: collected from Microsoft Graph by custody")
            && northwind.contains("(federated credential)"),
        "the collected month names the app and credential"
    );
    let out = Command::cargo_bin("custody")
        .unwrap()
        .env("NO_COLOR", "1")
        .arg("verify")
        .arg(&site)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let line = |pack: &str| {
        text.lines()
            .find(|l| l.contains(pack) && l.contains("evidence "))
            .unwrap_or_else(|| panic!("no provenance line for {pack}: {text}"))
            .to_owned()
    };
    assert!(
        line("evidence-fabrikam-2026-08.zip")
            .contains("evidence exported by hand by Dana Whitaker <dana.whitaker@msp.example>"),
        "{text}"
    );
    let collected = line("evidence-northwind-2026-11.zip");
    assert!(
        collected.contains("evidence collected from Microsoft Graph by custody")
            && collected.contains("(federated credential)")
            && collected.contains(
                "in CI run https://github.com/msp-example/custody-policies/actions/runs/"
            ),
        "{collected}"
    );
}

/// A month whose manifest predates provenance (written before custody recorded it)
/// still builds and verifies, and verify says the provenance is not recorded: never a
/// collector made up, and no "Evidence:" line on the month page.
#[test]
fn a_month_without_recorded_provenance_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    for sub in ["clients/northwind", "evidence/northwind"] {
        crate::support::files::copy_tree(&sample_repo().join(sub), &repo.join(sub));
    }
    let manifest = repo.join("evidence/northwind/2026-11/manifest.json");
    let mut m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    m.as_object_mut().unwrap().remove("provenance");
    std::fs::write(&manifest, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    let site = dir.path().join("site");
    let out = Command::cargo_bin("custody")
        .unwrap()
        .env("NO_COLOR", "1")
        .arg("--repo")
        .arg(&repo)
        .args(["-q", "build", "--out"])
        .arg(&site)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(site.join("northwind/2026-11/index.html")).unwrap();
    assert!(!page.contains("<p>Evidence: "), "no collector is made up");
    let earlier = std::fs::read_to_string(site.join("northwind/2026-10/index.html")).unwrap();
    assert!(earlier.contains("<p>Evidence: collected from Microsoft Graph"));
    let out = Command::cargo_bin("custody")
        .unwrap()
        .env("NO_COLOR", "1")
        .arg("verify")
        .arg(site.join("northwind/2026-11/evidence-northwind-2026-11.zip"))
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("evidence provenance not recorded"), "{text}");
}
