//! Provenance (issue 16 item 3): `collect` records who collected a month (application,
//! kind of credential, tenant, custody version and commit, start and end, the GitHub
//! Actions run), the pack records who built it and carries that, `verify` prints both,
//! and the signature covers them: a forged provenance field fails a signed pack. The
//! client secret never reaches the manifest, the pack or verify's output.

use crate::support::graph_standin::*;
use assert_cmd::Command;
use custody::pack::Manifest;
use ssh_key::{LineEnding, PrivateKey, private::Ed25519Keypair};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

const SECRET: &str = "pr0v3nance-CLIENT-SECRET-value";
const APP: &str = "11111111-2222-3333-4444-555555555555";
const NORTHWIND: &str = "e34d5a57-44bd-537f-ba24-400641784783";
const RUN_URL: &str = "https://github.com/msp-org/policies/actions/runs/4242/attempts/3";

/// The GitHub Actions variables of run 4242, attempt 3.
fn in_ci(c: &mut Command) -> &mut Command {
    c.env("GITHUB_ACTIONS", "true")
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "msp-org/policies")
        .env("GITHUB_RUN_ID", "4242")
        .env("GITHUB_RUN_ATTEMPT", "3")
}

fn custody() -> Command {
    let mut c = Command::cargo_bin("custody").unwrap();
    c.env("NO_COLOR", "1")
        .env_remove("CUSTODY_SIGNING_KEY_FILE")
        .env_remove("SOURCE_DATE_EPOCH");
    for k in [
        "GITHUB_ACTIONS",
        "GITHUB_SERVER_URL",
        "GITHUB_REPOSITORY",
        "GITHUB_RUN_ID",
        "GITHUB_RUN_ATTEMPT",
    ] {
        c.env_remove(k);
    }
    c
}

fn entries(zip: &Path) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().into_owned(), data)
        })
        .collect()
}

fn entry(zip: &Path, name: &str) -> Vec<u8> {
    entries(zip)
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("{name} is not in the pack"))
        .1
}

fn write_zip(zip: &Path, files: &[(String, Vec<u8>)]) {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in files {
        w.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(data).unwrap();
    }
    std::fs::write(zip, w.finish().unwrap().into_inner()).unwrap();
}

fn verify(args: &[&std::ffi::OsStr]) -> (i32, String) {
    let o = custody().arg("verify").args(args).output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
    )
}

/// A signing key and the allowed_signers file trusting it.
fn key(dir: &Path) -> (PathBuf, PathBuf) {
    let private = PrivateKey::new(Ed25519Keypair::from_seed(&[7; 32]).into(), "msp").unwrap();
    let key = dir.join("signing-key");
    std::fs::write(&key, private.to_openssh(LineEnding::LF).unwrap()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let allowed = dir.join("allowed_signers");
    std::fs::write(
        &allowed,
        format!(
            "evidence@msp.example namespaces=\"custody-pack\" {}\n",
            private.public_key().to_openssh().unwrap()
        ),
    )
    .unwrap();
    (key, allowed)
}

/// The sample fabrikam site built in CI run 4242 at SOURCE_DATE_EPOCH, signed if `key`.
fn ci_site(dir: &Path, key: Option<&Path>) -> PathBuf {
    let out = dir.join("site");
    let mut c = custody();
    in_ci(&mut c)
        .env("SOURCE_DATE_EPOCH", "1764212220")
        .arg("--repo")
        .arg(env!("CARGO_MANIFEST_DIR"))
        .args(["build", "--client", "fabrikam", "--out"])
        .arg(&out);
    if let Some(k) = key {
        c.env("CUSTODY_SIGNING_KEY_FILE", k);
    }
    let o = c.output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

fn pack_of(site: &Path, month: &str) -> PathBuf {
    site.join(format!("fabrikam/{month}/evidence-fabrikam-{month}.zip"))
}

#[test]
fn a_pack_records_who_built_it_and_verify_prints_it() {
    let dir = tempfile::tempdir().unwrap();
    let site = ci_site(dir.path(), None);
    let pack = pack_of(&site, "2026-11");
    let m = Manifest::parse(&entry(&pack, "manifest.json")).unwrap();
    assert_eq!(m.schema_version, 3);
    let b = m.built_by.as_ref().expect("built_by is recorded");
    assert_eq!(b.ci_run_url.as_deref(), Some(RUN_URL));
    assert_eq!(b.built_at.as_deref(), Some("2025-11-27T02:57:00Z"));
    assert_eq!(b.host, None, "in CI the run names the builder");
    assert!(!b.custody_commit.is_empty());
    // The sample month records who collected it (the generator writes what collect
    // records): the pack carries exactly that.
    let sample: custody::evidence::manifest::Manifest = serde_json::from_slice(
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("evidence/fabrikam/2026-11/manifest.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let collected = sample.provenance.expect("the sample records provenance");
    assert_eq!(m.collected_by.as_ref(), Some(&collected));

    let (code, out) = verify(&[pack.as_os_str()]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!(
            "built by custody {} (commit {}) in CI run {RUN_URL} at 2025-11-27T02:57:00Z, policy commit {}",
            env!("CARGO_PKG_VERSION"),
            b.custody_commit,
            m.policy.commit.as_deref().unwrap()
        )),
        "{out}"
    );
    assert!(out.contains(&collected.describe()), "{out}");
}

#[test]
fn hostile_ci_variables_are_not_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let o = custody()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_SERVER_URL", "https://github.com\nforged: line")
        .env("GITHUB_REPOSITORY", "msp-org/policies")
        .env("GITHUB_RUN_ID", "1")
        .env("GITHUB_RUN_ATTEMPT", "1")
        .arg("--repo")
        .arg(env!("CARGO_MANIFEST_DIR"))
        .args(["build", "--client", "fabrikam", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let pack = pack_of(&out, "2026-11");
    let m = Manifest::parse(&entry(&pack, "manifest.json")).unwrap();
    assert_eq!(m.built_by.unwrap().ci_run_url, None);
    let readme = String::from_utf8(entry(&pack, "README.txt")).unwrap();
    assert!(!readme.contains("forged"), "{readme}");
}

/// Rewrites the packed manifest with `edit`, keeping every other entry (the signature
/// too) as it was.
fn edit_manifest(pack: &Path, edit: impl Fn(&mut Manifest)) {
    let mut files = entries(pack);
    let at = files
        .iter()
        .position(|(n, _)| n == "manifest.json")
        .unwrap();
    let mut m = Manifest::parse(&files[at].1).unwrap();
    edit(&mut m);
    files[at].1 = m.to_json();
    write_zip(pack, &files);
}

#[test]
fn a_forged_provenance_field_fails_verify_on_a_signed_pack() {
    let dir = tempfile::tempdir().unwrap();
    let (key, allowed) = key(dir.path());
    let site = ci_site(dir.path(), Some(&key));
    let pack = pack_of(&site, "2026-11");
    let (code, out) = verify(&[
        "--trusted-key".as_ref(),
        allowed.as_os_str(),
        "--require-signature".as_ref(),
        pack.as_os_str(),
    ]);
    assert_eq!(code, 0, "the honest signed pack verifies:\n{out}");

    for (what, forge) in [
        (
            "built_by.ci_run_url",
            Box::new(|m: &mut Manifest| {
                m.built_by.as_mut().unwrap().ci_run_url =
                    Some("https://github.com/msp-org/policies/actions/runs/1/attempts/1".into())
            }) as Box<dyn Fn(&mut Manifest)>,
        ),
        (
            "built_by.built_at",
            Box::new(|m: &mut Manifest| {
                m.built_by.as_mut().unwrap().built_at = Some("2026-12-01T00:00:00Z".into())
            }),
        ),
        (
            "collected_by",
            Box::new(|m: &mut Manifest| {
                m.collected_by = Some(custody::evidence::provenance::CollectProvenance {
                    method: custody::evidence::provenance::Method::Collect,
                    by: None,
                    app_id: Some(APP.into()),
                    credential: Some("federated".into()),
                    tenant_id: Some(NORTHWIND.into()),
                    custody_version: "0.1.0".into(),
                    custody_commit: "0".repeat(40),
                    started_at: "2026-11-27T03:17:00Z".into(),
                    finished_at: "2026-11-27T03:18:00Z".into(),
                    ci_run_url: Some(RUN_URL.into()),
                    exported_at_stated: None,
                })
            }),
        ),
    ] {
        let copy = dir.path().join(format!("forged-{what}.zip"));
        std::fs::copy(&pack, &copy).unwrap();
        edit_manifest(&copy, forge);
        let (code, out) = verify(&[
            "--trusted-key".as_ref(),
            allowed.as_os_str(),
            copy.as_os_str(),
        ]);
        assert_eq!(code, 1, "{what}: {out}");
        assert!(
            out.contains(
                "does not match manifest.json: the manifest was changed after it was signed"
            ),
            "{what}: {out}"
        );
    }
}

#[test]
fn an_unsigned_pack_whose_collected_by_is_not_its_evidence_manifests_fails() {
    let dir = tempfile::tempdir().unwrap();
    let site = ci_site(dir.path(), None);
    let pack = pack_of(&site, "2026-11");
    edit_manifest(&pack, |m| {
        m.collected_by = Some(custody::evidence::provenance::CollectProvenance {
            method: custody::evidence::provenance::Method::Hand,
            by: Some("Someone Else".into()),
            app_id: None,
            credential: None,
            tenant_id: None,
            custody_version: "0.1.0".into(),
            custody_commit: "unknown".into(),
            started_at: "2026-11-27T03:17:00Z".into(),
            finished_at: "2026-11-27T03:17:00Z".into(),
            ci_run_url: None,
            exported_at_stated: None,
        });
        // Re-hash nothing else: only the manifest changed, and it is not hashed.
    });
    let (code, out) = verify(&[pack.as_os_str()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "manifest.json collected_by is not the provenance evidence/manifest.json records"
        ),
        "{out}"
    );
}

#[test]
fn an_old_pack_without_provenance_still_verifies_and_says_not_recorded() {
    // A schema-2 pack (before provenance, README and checksums): same files but those.
    let dir = tempfile::tempdir().unwrap();
    let site = ci_site(dir.path(), None);
    let pack = pack_of(&site, "2026-11");
    let mut files = entries(&pack);
    files.retain(|(n, _)| n != "README.txt" && n != "SHA256SUMS");
    let at = files
        .iter()
        .position(|(n, _)| n == "manifest.json")
        .unwrap();
    let mut m = Manifest::parse(&files[at].1).unwrap();
    m.schema_version = 2;
    m.built_by = None;
    m.collected_by = None;
    m.files
        .retain(|f| f.path != "README.txt" && f.path != "SHA256SUMS");
    files[at].1 = m.to_json();
    write_zip(&pack, &files);
    let (code, out) = verify(&[pack.as_os_str()]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("provenance not recorded (manifest schema_version 2"),
        "{out}"
    );
}

// ---------------------------------------------------------------- collect → pack → verify

/// Every byte a directory tree holds, zip entries inflated.
fn all_bytes(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(dir) {
        let e = e.unwrap();
        if !e.file_type().is_file() {
            continue;
        }
        if e.path().extension().is_some_and(|x| x == "zip") {
            for (_, data) in entries(e.path()) {
                out.extend(data);
            }
        } else {
            out.extend(std::fs::read(e.path()).unwrap());
        }
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn collect_records_who_collected_and_the_pack_and_verify_carry_it_never_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let src = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate::support::files::copy_tree(
        &src.join("clients/northwind"),
        &repo.join("clients/northwind"),
    );
    let month = custody::month::Month::current().to_string();
    let server = {
        let base = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let b = base.clone();
        let s = Server::start(move |req| {
            let base = b.lock().unwrap().clone();
            if req.method == "POST" && req.path().ends_with("/oauth2/v2.0/token") {
                assert_eq!(req.form()["client_secret"], SECRET);
                return token_reply(&format!("tok-{NORTHWIND}-access"));
            }
            happy_graph(req, &base).unwrap_or_else(|| {
                Reply::Json(
                    404,
                    vec![],
                    r#"{"error":{"code":"NotFound","message":"x"}}"#.into(),
                )
            })
        });
        *base.lock().unwrap() = s.url.clone();
        s
    };
    let mut c = Command::from_std(custody_against(&repo, &server));
    in_ci(&mut c)
        .env("CUSTODY_CLIENT_ID", APP)
        .env("CUSTODY_CLIENT_SECRET", SECRET)
        .timeout(Duration::from_secs(60))
        .args(["collect", "--client", "northwind", "--month", &month]);
    let collected = c.output().unwrap();
    assert_eq!(
        collected.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&collected.stderr)
    );

    let month_dir = repo.join("evidence/northwind").join(&month);
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(month_dir.join("manifest.json")).unwrap()).unwrap();
    let p = &m["provenance"];
    assert_eq!(p["method"], "collect", "{m}");
    assert_eq!(p["app_id"], APP);
    assert_eq!(p["credential"], "client_secret");
    assert_eq!(p["tenant_id"], NORTHWIND);
    assert_eq!(p["ci_run_url"], RUN_URL);
    assert_eq!(p["custody_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(p["finished_at"], m["collected_at"]);
    let (start, end) = (
        p["started_at"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap(),
        p["finished_at"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap(),
    );
    assert!(start <= end);
    let users = std::fs::read(month_dir.join("graph/users.json")).unwrap();
    assert_eq!(m["sizes"]["graph/users.json"], users.len() as u64);

    // The pack carries it, verify prints it; the secret is nowhere.
    let site = dir.path().join("site");
    let o = custody()
        .arg("--repo")
        .arg(&repo)
        .args(["build", "--out"])
        .arg(&site)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let pack = site.join(format!("northwind/{month}/evidence-northwind-{month}.zip"));
    let pm = Manifest::parse(&entry(&pack, "manifest.json")).unwrap();
    let cb = pm
        .collected_by
        .as_ref()
        .expect("the pack carries who collected");
    assert_eq!(cb.app_id.as_deref(), Some(APP));
    assert_eq!(cb.ci_run_url.as_deref(), Some(RUN_URL));
    let readme = String::from_utf8(entry(&pack, "README.txt")).unwrap();
    assert!(
        readme.contains(&format!("as application {APP} (client secret credential) from tenant {NORTHWIND} in CI run {RUN_URL}")),
        "{readme}"
    );
    let (code, out) = verify(&[pack.as_os_str()]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!(
            "evidence collected from Microsoft Graph by custody {}",
            env!("CARGO_PKG_VERSION")
        )) && out.contains(RUN_URL),
        "{out}"
    );
    assert!(!out.contains("collected_by is not"), "{out}");
    for (what, bytes) in [
        ("the evidence", all_bytes(&repo.join("evidence"))),
        ("the site and its packs", all_bytes(&site)),
        ("verify's output", out.clone().into_bytes()),
        ("collect's output", collected.stderr.clone()),
    ] {
        assert!(!contains(&bytes, SECRET), "the client secret is in {what}");
    }
}
