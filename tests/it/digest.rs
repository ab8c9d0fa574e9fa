//! `custody digest --month M`: per-client e-mail digests (HTML with inline styles and a
//! text part) and the MSP's, written as files; snapshots of both parts.

use assert_cmd::Command;
use custody::controls::testing::Fx;
use std::path::Path;

const THRESHOLD: &str = "[thresholds]\n\"access.global-admin-count\" = { min = 4, max = 4 }\n";

fn custody(root: &Path) -> Command {
    let mut c = Command::cargo_bin("custody").expect("binary");
    c.arg("--repo").arg(root).env("NO_COLOR", "1");
    c
}

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    Fx::new()
        .with_prev()
        .with_controls_extra(THRESHOLD)
        .without("graph/userRegistrationDetails.json")
        .write_to(dir.path(), "acme");
    Fx::new().with_prev().write_to(dir.path(), "globex");
    dir
}

#[test]
fn digest_writes_both_parts_per_client_and_the_portfolio() {
    let dir = repo();
    let out = dir.path().join("mail");
    let run = custody(dir.path())
        .args(["digest", "--month", "2026-11", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "acme.html",
            "acme.txt",
            "globex.html",
            "globex.txt",
            "portfolio.html",
            "portfolio.txt"
        ]
    );
    let html = std::fs::read_to_string(out.join("acme.html")).unwrap();
    assert!(!html.contains("<style") && !html.contains("<link") && !html.contains("<script"));
    insta::assert_snapshot!(
        "acme_txt",
        std::fs::read_to_string(out.join("acme.txt")).unwrap()
    );
    insta::assert_snapshot!("acme_html", html);
    insta::assert_snapshot!(
        "portfolio_txt",
        std::fs::read_to_string(out.join("portfolio.txt")).unwrap()
    );
    // The same files again, byte for byte: deterministic.
    let again = custody(dir.path())
        .args(["digest", "--month", "2026-11", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(out.join("acme.html")).unwrap(),
        html
    );
}

#[test]
fn a_month_without_evidence_is_named_and_an_earlier_month_has_no_later_news() {
    let dir = repo();
    let out = dir.path().join("mail");
    let run = custody(dir.path())
        .args(["digest", "--month", "2026-09", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("acme: no evidence for 2026-09"), "{stderr}");
    let portfolio = std::fs::read_to_string(out.join("portfolio.txt")).unwrap();
    assert!(
        portfolio.contains("No scorecard for 2026-09"),
        "{portfolio}"
    );
    assert!(!out.join("acme.txt").exists());
    // October is the first month: its digest compares with nothing.
    custody(dir.path())
        .args(["digest", "--month", "2026-10", "--out"])
        .arg(&out)
        .assert()
        .success();
    let acme = std::fs::read_to_string(out.join("acme.txt")).unwrap();
    assert!(
        acme.contains("2026-10 is the first month evaluated"),
        "{acme}"
    );
    assert!(!acme.contains("since"), "{acme}");
}

#[test]
fn digests_are_never_written_into_the_repository_inputs_and_bad_months_exit_2() {
    let dir = repo();
    let run = custody(dir.path())
        .args(["digest", "--month", "2026-11", "--out"])
        .arg(dir.path().join("evidence/acme/mail"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("inside evidence/"));
    let run = custody(dir.path())
        .args(["digest", "--month", "2026-13"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("--month"));
}
