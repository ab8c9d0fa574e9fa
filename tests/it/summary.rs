//! Issue 20 items 3 to 6: the one-page summary of a month (snapshot), what it may not
//! show (commit hashes, object ids, a comparison with a month that does not exist), the
//! findings history on the month page, and `findings.csv`, spreadsheet-safe.

use custody::controls::testing::Fx;
use custody::website::{BuildOptions, build};
use std::path::Path;

const THRESHOLD: &str = "[thresholds]\n\"access.global-admin-count\" = { min = 4, max = 4 }\n";

fn site_of(fx: &Fx) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    fx.write_to(dir.path(), "acme");
    let out = dir.path().join("site");
    build(&BuildOptions {
        repo: dir.path().to_path_buf(),
        out: out.clone(),
        clients: vec![],
    })
    .unwrap_or_else(|e| panic!("build failed: {e:?}"));
    (dir, out)
}

fn read(site: &Path, rel: &str) -> String {
    std::fs::read_to_string(site.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The page between `<main` and `</main>`: what the snapshot reviews (the head carries
/// the tool version).
fn main_of(html: &str) -> &str {
    let start = html.find("<main").expect("<main>");
    let end = html.find("</main>").expect("</main>") + "</main>".len();
    &html[start..end]
}

/// A 36-character GUID or a 40-hex commit anywhere in `text`.
fn ids_in(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut found = Vec::new();
    for i in 0..b.len() {
        let guid = b.get(i..i + 36).is_some_and(|w| {
            w.iter().enumerate().all(|(k, c)| match k {
                8 | 13 | 18 | 23 => *c == b'-',
                _ => c.is_ascii_hexdigit(),
            })
        });
        let commit = b.get(i..i + 40).is_some_and(|w| {
            w.iter()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        });
        if guid || commit {
            found.push(text[i..(i + 40).min(text.len())].to_owned());
        }
    }
    found
}

#[test]
fn summary_of_a_month() {
    let fx = Fx::new()
        .with_prev()
        .with_controls_extra(THRESHOLD)
        .without("graph/userRegistrationDetails.json");
    let (_dir, site) = site_of(&fx);
    let html = read(&site, "acme/2026-11/summary.html");
    let main = main_of(&html);
    assert!(
        ids_in(&html).is_empty(),
        "ids on the summary: {:?}",
        ids_in(&html)
    );
    assert!(html.contains("<meta name=\"robots\" content=\"noindex, nofollow\">"));
    assert!(html.contains("<meta name=\"description\""));
    // Linked from the month page and the client page.
    assert!(read(&site, "acme/2026-11/index.html").contains("href=\"summary.html\""));
    // minijinja writes `/` in attributes as `&#x2f;`, which browsers read as `/`.
    let client = read(&site, "acme/index.html").replace("&#x2f;", "/");
    assert!(client.contains("href=\"2026-11/summary.html\""));
    insta::assert_snapshot!(main);
}

/// Regression: "no role changes since the previous month" appeared where there was none.
#[test]
fn the_first_month_compares_with_nothing() {
    let (_dir, site) = site_of(&Fx::new().with_controls_extra(THRESHOLD));
    let summary = read(&site, "acme/2026-11/summary.html");
    assert!(
        summary.contains("2026-11 is the first month evaluated"),
        "{}",
        main_of(&summary)
    );
    assert!(!summary.contains(" since "), "{}", main_of(&summary));
    let month = read(&site, "acme/2026-11/index.html");
    assert!(!month.contains("since the previous month"), "{month}");
    assert!(
        !month.contains("<h2 id=\"changes-h\">Privileged role changes since"),
        "{month}"
    );
    assert!(month.contains("Not compared: there is no snapshot of the month before 2026-11"));
    // No finding is "new" or "open since" without an earlier month.
    assert!(!month.contains("New this month") && !month.contains("Open since"));
}

#[test]
fn findings_are_new_open_since_or_fixed_against_the_month_before() {
    // October fails the admin count; November also lacks the registration report.
    let dir = tempfile::tempdir().unwrap();
    let fx = Fx::new()
        .with_prev()
        .with_controls_extra(THRESHOLD)
        .without("graph/userRegistrationDetails.json");
    fx.write_to(dir.path(), "acme");
    let out = dir.path().join("site");
    build(&BuildOptions {
        repo: dir.path().to_path_buf(),
        out: out.clone(),
        clients: vec![],
    })
    .unwrap();
    let month = read(&out, "acme/2026-11/index.html");
    let row = |id: &str| {
        let at = month.find(&format!("id=\"{id}\"")).unwrap();
        let start = month[..at].rfind("<tr").unwrap();
        month[start..at].to_owned()
    };
    assert!(row("access.global-admin-count").contains("Open since 2026-10"));
    assert!(row("identity.mfa-admins").contains("New this month"));
    let csv = read(&out, "acme/2026-11/findings.csv");
    assert!(csv.contains("access.global-admin-count,Between 2 and 4 Global Administrators,fail,Open since 2026-10"), "{csv}");
}

/// Names, messages and items come from client folders and Graph: a cell a spreadsheet
/// would evaluate (`=`, `+`, `-`, `@`, tab, carriage return first) is made text.
#[test]
fn findings_csv_neutralises_every_formula_cell() {
    let raci = "[[activity]]\nid = \"everything\"\nname = \"Everything\"\nresponsible = [\"@SUM(1+1)\", \"+cmd|' /C calc'!A0\"]\naccountable = [\"=HYPERLINK(\\\"https://evil.example\\\",\\\"x\\\")\"]\ncontrols = [\"*\"]\n";
    let fx = Fx::new()
        .with_prev()
        .with_controls_extra(THRESHOLD)
        .policy("raci.toml", raci)
        .without("graph/userRegistrationDetails.json");
    let (_dir, site) = site_of(&fx);
    let bytes = std::fs::read(site.join("acme/2026-11/findings.csv")).unwrap();
    let mut r = csv::Reader::from_reader(&bytes[..]);
    let headers = r.headers().unwrap().clone();
    assert_eq!(&headers[0], "client");
    let mut rows = 0;
    let mut seen_hostile = 0;
    for rec in r.records() {
        let rec = rec.unwrap();
        rows += 1;
        for cell in rec.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "formula cell {cell:?} in {rec:?}"
            );
            if cell.starts_with("'=HYPERLINK") || cell.starts_with("'@SUM") {
                seen_hostile += 1;
            }
        }
    }
    assert!(rows >= 2, "{rows} rows");
    assert!(
        seen_hostile >= 2,
        "the hostile names reach the CSV, neutralised"
    );
}
