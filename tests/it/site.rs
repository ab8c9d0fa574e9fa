//! `custody build` and `custody verify` end to end: layout, determinism, client
//! isolation, escaping, atomic replacement, and tamper detection.

use assert_cmd::Command;
use custody::controls::testing::Fx;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

fn custody(repo: &Path) -> Command {
    let mut c = Command::cargo_bin("custody").unwrap();
    c.arg("--repo").arg(repo).env("NO_COLOR", "1");
    c
}

fn sample_repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir` with its bytes, by relative path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walk(dir, dir)
}

fn walk(root: &Path, dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(root, &p));
        } else {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(rel, std::fs::read(&p).unwrap());
        }
    }
    out
}

/// Text of a file, or of every entry when it is a zip.
fn texts(rel: &str, bytes: &[u8]) -> Vec<(String, String)> {
    if rel.ends_with(".zip") {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        (0..z.len())
            .map(|i| {
                let mut f = z.by_index(i).unwrap();
                let mut s = Vec::new();
                f.read_to_end(&mut s).unwrap();
                (
                    format!("{rel}!{}", f.name().unwrap()),
                    String::from_utf8_lossy(&s).into_owned(),
                )
            })
            .collect()
    } else {
        vec![(rel.to_owned(), String::from_utf8_lossy(bytes).into_owned())]
    }
}

fn build_sample(out: &Path) {
    custody(&sample_repo())
        .arg("build")
        .arg("--out")
        .arg(out)
        .assert()
        .code(0);
}

#[test]
fn sample_site_has_the_documented_layout() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    build_sample(&out);
    let files = tree(&out);
    assert!(files.contains_key("index.html"));
    for client in ["fabrikam", "northwind", "tailspin"] {
        assert!(files.contains_key(&format!("{client}/index.html")));
        assert!(
            files.contains_key(&format!("{client}/assets/style.css")),
            "each client has its own assets"
        );
        for m in [
            "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11",
        ] {
            for f in [
                "index.html".to_owned(),
                "scorecard.json".to_owned(),
                format!("evidence-{client}-{m}.zip"),
            ] {
                assert!(
                    files.contains_key(&format!("{client}/{m}/{f}")),
                    "{client}/{m}/{f}"
                );
            }
        }
    }
    let json: serde_json::Value =
        serde_json::from_slice(&files["fabrikam/2026-06/scorecard.json"]).unwrap();
    assert_eq!(json["month"], "2026-06");
    assert_eq!(json["client"]["id"], "fabrikam");
    let page = String::from_utf8(files["northwind/2026-11/index.html"].clone()).unwrap();
    assert!(
        page.contains("Content-Security-Policy"),
        "strict CSP on every page"
    );
    assert!(!page.contains("<script"), "no JavaScript");
}

#[test]
fn two_builds_are_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    build_sample(&dir.path().join("a"));
    build_sample(&dir.path().join("b"));
    let (a, b) = (tree(&dir.path().join("a")), tree(&dir.path().join("b")));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, v) in &a {
        assert!(v == &b[k], "{k} differs between two builds");
    }
}

#[test]
fn no_client_folder_mentions_another_client() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    build_sample(&out);
    let files = tree(&out);
    // What identifies each client: id, name, tenant id, domains (which cover their UPNs).
    let mut marks: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for client in ["fabrikam", "northwind", "tailspin"] {
        let text =
            std::fs::read_to_string(sample_repo().join(format!("clients/{client}/client.toml")))
                .unwrap();
        let t: toml::Table = text.parse().unwrap();
        let mut m = vec![
            client.to_owned(),
            t["name"].as_str().unwrap().to_owned(),
            t["tenant_id"].as_str().unwrap().to_owned(),
        ];
        m.extend(
            t["domains"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_str().unwrap().to_owned()),
        );
        marks.insert(client.to_owned(), m);
    }
    for (rel, bytes) in &files {
        let Some((owner, _)) = rel.split_once('/') else {
            continue;
        };
        if owner == "assets" {
            continue;
        }
        for (name, text) in texts(rel, bytes) {
            for (other, m) in &marks {
                if other == owner {
                    continue;
                }
                for mark in m {
                    assert!(
                        !text.contains(mark.as_str()),
                        "{name} (client {owner}) mentions {other}: {mark:?}"
                    );
                }
            }
        }
    }
    let portfolio = String::from_utf8(files["index.html"].clone()).unwrap();
    for client in marks.keys() {
        assert!(
            portfolio
                .replace("&#x2f;", "/")
                .contains(&format!("href=\"{client}/index.html\"")),
            "the portfolio links {client}"
        );
    }
}

#[test]
fn hostile_names_are_escaped_on_every_page() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    Fx::new()
        .with_prev()
        .policy("client.toml", "name = \"Acme <b>&</b> Co\"\ntenant_id = \"11111111-2222-3333-4444-555555555555\"\ndomains = [\"acme.example\"]\n")
        .policy("notes.md", "# Notes\n\n<script>alert('notes')</script>\n\n[click](javascript:alert(1))\n")
        .graph(
            "userRegistrationDetails.json",
            r#"{"value":[{"id":"x1","userDisplayName":"<script>alert(1)</script>","isAdmin":true,"isMfaRegistered":false,"userType":"member"}]}"#,
        )
        .write_to(&repo, "acme");
    let out = dir.path().join("site");
    custody(&repo)
        .arg("build")
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0);
    let files = tree(&out);
    let mut seen_escaped = false;
    for (rel, bytes) in files.iter().filter(|(k, _)| k.ends_with(".html")) {
        let page = String::from_utf8_lossy(bytes);
        assert!(!page.contains("<script"), "{rel} contains a raw <script>");
        assert!(!page.contains("<b>&"), "{rel} contains the raw client name");
        assert!(
            !page.to_lowercase().contains("javascript:"),
            "{rel} keeps a javascript: link"
        );
        seen_escaped |= page.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;");
    }
    assert!(seen_escaped, "the hostile display name is shown, escaped");
}

#[test]
fn a_failed_build_leaves_the_previous_site_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    Fx::new().write_to(&repo, "acme");
    let out = dir.path().join("site");
    custody(&repo)
        .arg("build")
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0);
    let before = tree(&out);
    // A template override with a typo: strict undefined makes it an error with its line.
    std::fs::create_dir_all(repo.join("site-templates")).unwrap();
    std::fs::write(
        repo.join("site-templates/month.html"),
        "{% extends \"base.html\" %}\n{% block main %}\n{{ scroe }}\n{% endblock %}\n",
    )
    .unwrap();
    let res = custody(&repo)
        .arg("build")
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(2));
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(
        err.contains("month.html") && err.contains("undefined"),
        "{err}"
    );
    assert_eq!(tree(&out), before, "the previous site is unchanged");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "no staging folders left behind: {leftovers:?}"
    );
}

#[test]
fn a_client_with_bad_input_is_skipped_and_keeps_its_previous_pages() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    Fx::new().write_to(&repo, "good");
    Fx::new().write_to(&repo, "later-broken");
    let out = dir.path().join("site");
    custody(&repo)
        .arg("build")
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0);
    let old_page = std::fs::read(out.join("later-broken/2026-11/index.html")).unwrap();
    std::fs::write(
        repo.join("clients/later-broken/controls.toml"),
        "[identity]\nmodel = \"sometimes\"\n",
    )
    .unwrap();
    let res = custody(&repo)
        .arg("build")
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(2), "bad input is reported");
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(
        err.contains("clients/later-broken/controls.toml:2"),
        "{err}"
    );
    assert!(
        out.join("good/2026-11/index.html").exists(),
        "the other client is built"
    );
    assert_eq!(
        std::fs::read(out.join("later-broken/2026-11/index.html")).unwrap(),
        old_page,
        "no data lost"
    );
}

#[test]
fn verify_accepts_built_packs_and_catches_tampering_and_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    build_sample(&out);
    Command::cargo_bin("custody")
        .unwrap()
        .arg("verify")
        .arg(&out)
        .assert()
        .code(0);

    // Rebuild one pack with a changed evidence file but the original manifest.
    let pack = out.join("tailspin/2026-08/evidence-tailspin-2026-08.zip");
    let bytes = std::fs::read(&pack).unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut changed = false;
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        if name == "evidence/graph/users.json" {
            data[10] ^= 1;
            changed = true;
        }
        w.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut w, &data).unwrap();
    }
    assert!(changed);
    std::fs::write(&pack, w.finish().unwrap().into_inner()).unwrap();
    let res = Command::cargo_bin("custody")
        .unwrap()
        .arg("verify")
        .arg(out.join("tailspin"))
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&res.stdout).contains("evidence/graph/users.json"),
        "names the file"
    );

    // A month removed from the chain.
    std::fs::remove_dir_all(out.join("northwind/2026-09")).unwrap();
    let res = Command::cargo_bin("custody")
        .unwrap()
        .arg("verify")
        .arg(out.join("northwind"))
        .output()
        .unwrap();
    assert_eq!(
        res.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&res.stdout)
    );

    let res = Command::cargo_bin("custody")
        .unwrap()
        .arg("verify")
        .arg(dir.path().join("missing"))
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(2));
}

#[test]
fn a_single_client_build_never_replaces_a_site_holding_other_clients() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    custody(&sample_repo())
        .args(["build", "--out"])
        .arg(&out)
        .assert()
        .code(0);
    let before = tree(&out);
    let refused = custody(&sample_repo())
        .args(["build", "--client", "northwind", "--out"])
        .arg(&out)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&refused.get_output().stderr).into_owned();
    assert!(
        err.contains("fabrikam, tailspin") && err.contains("--out DIR"),
        "{err}"
    );
    assert_eq!(tree(&out), before, "the full site is left as it was");
    // A standalone site may be rebuilt in place.
    let alone = dir.path().join("northwind-site");
    for _ in 0..2 {
        custody(&sample_repo())
            .args(["build", "--client", "northwind", "--out"])
            .arg(&alone)
            .assert()
            .code(0);
    }
}

#[test]
fn a_single_client_build_is_a_standalone_site() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("northwind-site");
    custody(&sample_repo())
        .args(["build", "--client", "northwind", "--out"])
        .arg(&out)
        .assert()
        .code(0);
    let files = tree(&out);
    assert!(
        !files.contains_key("index.html"),
        "no portfolio page in a client's standalone site"
    );
    // The client's folder, the marker that says custody built the site and the list of
    // the files it wrote.
    use custody::website::output::{INVENTORY, MARKER};
    assert!(
        files.contains_key(MARKER) && files.contains_key(INVENTORY),
        "a standalone site is marked and listed too"
    );
    assert!(
        files
            .keys()
            .all(|k| k.starts_with("northwind/") || k == MARKER || k == INVENTORY),
        "{:?}",
        files.keys().collect::<Vec<_>>()
    );
}

#[test]
fn an_unpublished_client_is_left_out_of_the_whole_site_unless_named() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    Fx::new().write_to(&repo, "shown");
    Fx::new().write_to(&repo, "private");
    let toml = repo.join("clients/private/client.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    let text = if text.contains("[publishing]") {
        text.replace("enabled = true", "enabled = false")
    } else {
        format!("{text}\n[publishing]\nenabled = false\n")
    };
    std::fs::write(&toml, text).unwrap();
    let out = dir.path().join("site");
    let res = custody(&repo)
        .arg("build")
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(0));
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(
        err.contains("not published ([publishing] enabled = false): private"),
        "{err}"
    );
    assert!(out.join("shown/2026-11/index.html").exists());
    assert!(
        !out.join("private").exists(),
        "no page of the unpublished client"
    );
    let site = tree(&out);
    for (path, bytes) in &site {
        assert!(
            !String::from_utf8_lossy(bytes).contains("clients/private")
                && !String::from_utf8_lossy(bytes).contains("\"private/")
                && !path.starts_with("private/"),
            "{path} mentions the unpublished client"
        );
    }
    // Named explicitly, it is built: the MSP asked for it.
    let one = dir.path().join("one");
    custody(&repo)
        .args(["build", "--client", "private", "--out"])
        .arg(&one)
        .assert()
        .code(0);
    assert!(one.join("private/2026-11/index.html").exists());
}
