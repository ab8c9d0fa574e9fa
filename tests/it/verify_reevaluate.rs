//! `custody verify` re-evaluates every pack (issue 16 item 1): the packed policy against
//! the packed evidence and previous-month inputs, rendered as the build renders it, must
//! give the packed scorecard.json and scorecard.html byte for byte. A forgery with
//! recomputed hashes fails even unsigned; a schema-1 pack is a distinct outcome (exit 3).

use assert_cmd::Command;
use custody::pack::Manifest;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

const CLIENT: &str = "fabrikam";
const MONTH: &str = "2026-11";

fn custody() -> Command {
    let mut c = Command::cargo_bin("custody").unwrap();
    c.env("NO_COLOR", "1")
        .env_remove("CUSTODY_SIGNING_KEY_FILE");
    c
}

/// The sample client's standalone site, built into a fresh folder.
fn site() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let o = custody()
        .arg("--repo")
        .arg(env!("CARGO_MANIFEST_DIR"))
        .args(["build", "--client", CLIENT, "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    (dir, out)
}

fn pack_of(site: &Path, month: &str) -> PathBuf {
    site.join(format!("{CLIENT}/{month}/evidence-{CLIENT}-{month}.zip"))
}

fn verify(paths: &[&Path]) -> (i32, String) {
    let o = custody().arg("verify").args(paths).output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
    )
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

/// Applies `edit` to the entries, recomputes the manifest canonically (dropping entries
/// that are gone, `manifest_edit` for anything else) and re-zips, unsigned.
fn forge(
    zip: &Path,
    edit: impl Fn(&mut Vec<(String, Vec<u8>)>),
    manifest_edit: impl Fn(&mut Manifest),
) {
    let mut files = entries(zip);
    files.retain(|(n, _)| n != "manifest.json.sig");
    edit(&mut files);
    let at = files
        .iter()
        .position(|(n, _)| n == "manifest.json")
        .unwrap();
    let mut manifest = Manifest::parse(&files[at].1).unwrap();
    manifest
        .files
        .retain(|f| files.iter().any(|(n, _)| *n == f.path));
    for f in manifest.files.iter_mut() {
        let data = &files.iter().find(|(n, _)| *n == f.path).unwrap().1;
        f.sha256 = custody::evidence::sha256_hex(data);
        f.size = data.len() as u64;
    }
    manifest_edit(&mut manifest);
    let forged = manifest.to_json();
    Manifest::parse(&forged).expect("the forged manifest is canonical");
    files[at].1 = forged;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in &files {
        w.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(data).unwrap();
    }
    std::fs::write(zip, w.finish().unwrap().into_inner()).unwrap();
}

fn rewrite(files: &mut [(String, Vec<u8>)], name: &str, from: &str, to: &str) -> usize {
    let (_, data) = files.iter_mut().find(|(n, _)| n == name).unwrap();
    let text = String::from_utf8(data.clone()).unwrap();
    let n = text.matches(from).count();
    *data = text.replace(from, to).into_bytes();
    n
}

#[test]
fn an_honest_site_re_evaluates_to_its_own_scorecards() {
    let (_dir, site) = site();
    let (code, out) = verify(&[&site]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("intact, verdicts re-evaluated"), "{out}");
    let names: Vec<String> = entries(&pack_of(&site, MONTH))
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("previous/2026-10/graph/")),
        "the previous month's snapshot is packed: {names:?}"
    );
}

#[test]
fn issue_16_forged_unsigned_pack_with_verdicts_rewritten_to_pass_fails_naming_the_controls() {
    let (_dir, site) = site();
    let pack = pack_of(&site, MONTH);
    forge(
        &pack,
        |files| {
            let n = rewrite(
                files,
                "scorecard.json",
                "\"status\": \"fail\"",
                "\"status\": \"pass\"",
            );
            assert!(n > 0, "the sample month must have failing controls");
            rewrite(files, "scorecard.html", "status-fail", "status-pass");
            rewrite(files, "scorecard.html", "Fail</span>", "Pass</span>");
        },
        |_| {},
    );
    let (code, out) = verify(&[&pack]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("unsigned"), "{out}");
    assert!(
        out.contains("retention.legal-minimum is pass in the pack, fail when re-evaluated"),
        "names the control whose status differs:\n{out}"
    );
    assert!(out.contains("scorecard.html differs"), "{out}");
}

#[test]
fn a_forged_page_alone_fails_even_when_the_json_is_untouched() {
    let (_dir, site) = site();
    let pack = pack_of(&site, MONTH);
    forge(
        &pack,
        |files| {
            assert!(rewrite(files, "scorecard.html", "Fail</span>", "Pass</span>") > 0);
        },
        |_| {},
    );
    let (code, out) = verify(&[&pack]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("scorecard.html differs"), "{out}");
    assert!(!out.contains("scorecard.json differs"), "{out}");
}

#[test]
fn forged_previous_month_inputs_change_the_re_evaluation() {
    // The previous month's snapshot is an input (role changes, RPO across the month
    // boundary): dropping it from the pack and re-hashing no longer reproduces the verdicts.
    let (_dir, site) = site();
    let pack = pack_of(&site, MONTH);
    forge(
        &pack,
        |files| files.retain(|(n, _)| !n.starts_with("previous/")),
        |_| {},
    );
    let (code, out) = verify(&[&pack]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("scorecard.json differs"), "{out}");
}

#[test]
fn a_schema_1_pack_cannot_be_re_evaluated_and_says_so_with_exit_3() {
    let (_dir, site) = site();
    let pack = pack_of(&site, MONTH);
    forge(
        &pack,
        |files| files.retain(|(n, _)| !n.starts_with("previous/") && !n.starts_with("history/")),
        |m| m.schema_version = 1,
    );
    let (code, out) = verify(&[&pack]);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("cannot re-evaluate: built before custody packed its previous-month inputs"),
        "{out}"
    );
    assert!(!out.contains(": intact"), "never reported intact:\n{out}");
}

#[test]
fn a_pack_from_another_custody_version_is_re_evaluated_and_named() {
    let (_dir, site) = site();
    let pack = pack_of(&site, MONTH);
    forge(&pack, |_| {}, |m| m.tool.version = "0.0.1".into());
    let (code, out) = verify(&[&pack]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!(
            "built by custody 0.0.1, re-evaluated with custody {}: the same verdicts",
            env!("CARGO_PKG_VERSION")
        )),
        "{out}"
    );
}
