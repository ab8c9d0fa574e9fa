//! The control reference: `custody explain`, docs/controls.md and the site's control
//! pages say the same thing, and no control lacks a part.

use assert_cmd::Command;
use custody::controls::{catalogue, docs};
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn custody() -> Command {
    let mut cmd = Command::cargo_bin("custody").unwrap();
    cmd.current_dir(root());
    cmd
}

#[test]
fn no_control_lacks_a_part() {
    let mut incomplete = Vec::new();
    for c in catalogue() {
        let missing = docs::missing_parts(c);
        if !missing.is_empty() {
            incomplete.push(format!("{}: {}", c.id, missing.join(", ")));
        }
        let text = docs::explain(c);
        let step = docs::step(c.domain);
        for part in [
            "What it checks",
            "Why it matters",
            "Shared responsibility step",
            "How to fix",
            "Baselines",
            "Thresholds",
            "Policy keys",
            c.what,
            c.why,
            c.fix,
            step.title,
            step.reference,
        ] {
            assert!(text.contains(part), "{}: explain lacks {part:?}", c.id);
        }
        for r in c.baselines() {
            let line = format!("  {} ({}): {}\n", r.label(), r.framework.title(), r.title);
            assert!(text.contains(&line), "{}: explain lacks {line:?}", c.id);
        }
        if c.baselines().is_empty() {
            assert!(text.contains(docs::OWN_CONTROL), "{}", c.id);
        }
        for p in c.params {
            assert!(text.contains(p.doc), "{}.{}", c.id, p.name);
            assert!(
                text.contains(&docs::threshold_key(c, p)),
                "{}.{}",
                c.id,
                p.name
            );
        }
    }
    assert!(
        incomplete.is_empty(),
        "incomplete control documentation:\n{}",
        incomplete.join("\n")
    );
    // Every step of the model has controls, and every control a step.
    for s in docs::steps() {
        assert!(
            catalogue().iter().any(|c| docs::step(c.domain).id == s.id),
            "{} has no control",
            s.id
        );
    }
}

#[test]
fn explain_prints_one_control() {
    let out = custody()
        .args(["explain", "access.global-admin-count"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let c = custody::controls::find("access.global-admin-count").unwrap();
    assert_eq!(text, docs::explain(c));
    assert!(text.contains("3. Limit privilege"), "{text}");
    assert!(
        text.contains("[thresholds] \"access.global-admin-count\" = { min = 2 }"),
        "{text}"
    );
}

#[test]
fn an_unknown_id_exits_2_with_a_suggestion() {
    let out = custody()
        .args(["explain", "access.guest-admin"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("unknown control id \"access.guest-admin\""),
        "{err}"
    );
    assert!(
        err.contains("did you mean \"access.guest-admins\"?"),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    // A prefix names its controls.
    let out = custody()
        .args(["explain", "backup.teams"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("backup.teams.rpo"), "{err}");

    let out = custody().args(["explain", "zzz"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    // No id at all is a usage error too.
    let out = custody().arg("explain").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn docs_controls_md_is_fresh() {
    let committed = std::fs::read_to_string(root().join("docs/controls.md")).unwrap_or_default();
    assert!(
        committed == docs::reference_markdown(),
        "docs/controls.md is stale: regenerate it with `cargo run --example generate`"
    );
    for c in catalogue() {
        assert!(committed.contains(&docs::control_markdown(c)), "{}", c.id);
    }
    let out = custody()
        .args(["explain", "--all", "--format", "markdown"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), committed);
}

/// Every `href` of a page.
fn links(page: &str) -> Vec<&str> {
    page.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect()
}

#[test]
fn the_site_has_a_page_per_control_linked_from_every_result() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    custody()
        .arg("build")
        .arg("--out")
        .arg(&site)
        .assert()
        .success();
    let clients = ["fabrikam", "northwind", "tailspin"];
    // The same pages at the root and inside each client's folder (hostable alone).
    for dir in std::iter::once(site.clone()).chain(clients.iter().map(|c| site.join(c))) {
        let index = std::fs::read_to_string(dir.join("controls/index.html")).unwrap();
        for s in docs::steps() {
            assert!(index.contains(&format!("id=\"{}\"", s.id)), "{}", s.id);
        }
        for c in catalogue() {
            let page = dir.join(format!("controls/{}.html", c.id));
            let html = std::fs::read_to_string(&page)
                .unwrap_or_else(|e| panic!("{}: {e}", page.display()));
            for h in [
                "What it checks",
                "Why it matters",
                "How to fix",
                "Baselines",
                "Thresholds",
                "Policy keys",
            ] {
                assert!(html.contains(h), "{}: no {h}", page.display());
            }
            for r in c.baselines() {
                assert!(
                    html.contains(&format!("<code>{}</code>", r.label())),
                    "{}: no {}",
                    page.display(),
                    r.label()
                );
            }
            assert!(html.contains(&format!("index.html#{}", docs::step(c.domain).id)));
            assert!(
                index.contains(&format!("href=\"{}.html\"", c.id)),
                "{}",
                c.id
            );
            for p in c.params {
                assert!(html.contains(p.name), "{}: {}", c.id, p.name);
            }
        }
    }
    // Every result of every month page links to its control page, inside the client folder.
    let mut months = 0;
    for client in clients {
        for entry in std::fs::read_dir(site.join(client)).unwrap() {
            let month = entry.unwrap().path();
            let page = month.join("index.html");
            if !page.is_file() || month.file_name().unwrap() == "controls" {
                continue;
            }
            months += 1;
            let html = std::fs::read_to_string(&page).unwrap();
            let card: serde_json::Value =
                serde_json::from_slice(&std::fs::read(month.join("scorecard.json")).unwrap())
                    .unwrap();
            let results = card["results"].as_array().unwrap();
            assert_eq!(results.len(), catalogue().len());
            let hrefs = links(&html);
            for r in results {
                let id = r["control"].as_str().unwrap();
                let href = format!("../controls/{id}.html");
                assert!(
                    hrefs.contains(&href.as_str()),
                    "{}: no link to {href}",
                    page.display()
                );
                assert!(month.join(&href).is_file(), "{href}");
            }
        }
    }
    assert_eq!(months, 18);
}

/// `build --client` (a client's site hosted alone): the client's folder carries the
/// control pages its results link to.
#[test]
fn a_standalone_client_site_has_its_own_control_pages() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    custody()
        .args(["build", "--client", "tailspin", "--out"])
        .arg(&site)
        .assert()
        .success();
    assert!(
        !site.join("controls").exists(),
        "no portfolio, no root reference"
    );
    for c in catalogue() {
        assert!(
            site.join(format!("tailspin/controls/{}.html", c.id))
                .is_file(),
            "{}",
            c.id
        );
    }
    let month = std::fs::read_to_string(site.join("tailspin/2026-11/index.html")).unwrap();
    for href in links(&month) {
        if let Some(rest) = href.strip_prefix("../controls/") {
            assert!(
                site.join("tailspin/controls").join(rest).is_file(),
                "{href}"
            );
        }
    }
}

/// `custody controls --format json`: every control with its baselines and thresholds, in
/// catalogue order; the snapshot is the reviewed contract.
#[test]
fn controls_json_lists_the_catalogue_with_baselines() {
    let out = custody()
        .args(["controls", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["schema_version"], 1);
    let controls = doc["controls"].as_array().unwrap();
    assert_eq!(controls.len(), catalogue().len());
    for (j, c) in controls.iter().zip(catalogue()) {
        assert_eq!(j["id"], c.id.as_str());
        assert_eq!(j["domain"], c.domain.as_str());
        let labels: Vec<&str> = j["baselines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["label"].as_str().unwrap())
            .collect();
        let expected: Vec<String> = c.baselines().iter().map(|r| r.label()).collect();
        assert_eq!(labels, expected, "{}", c.id);
        assert_eq!(j["parameters"].as_array().unwrap().len(), c.params.len());
    }
    let legacy = controls
        .iter()
        .find(|c| c["id"] == "identity.ca-block-legacy-auth")
        .unwrap();
    assert_eq!(legacy["baselines"][0]["framework"], "scuba");
    assert_eq!(legacy["baselines"][0]["id"], "MS.AAD.1.1");
    let ga = controls
        .iter()
        .find(|c| c["id"] == "access.global-admin-count")
        .unwrap();
    assert_eq!(ga["parameters"][0]["name"], "min");
    assert_eq!(ga["parameters"][0]["default"], 2.0);
    assert_eq!(ga["parameters"][0]["direction"], "higher_is_stricter");
    assert_eq!(ga["parameters"][1]["direction"], "lower_is_stricter");
    insta::assert_snapshot!("controls_json", text);
}

#[test]
fn the_readme_catalogue_and_controls_text_show_baselines() {
    let md = docs::render(true);
    assert!(md.contains("- **Baselines:** `MS.AAD.1.1`, `CIS 5.2.2.3`, `MT.1009`, `MT.1010`"));
    assert!(md.contains("- **Baselines:** none (custody's own)"));
    let out = custody().arg("controls").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("  baselines: MS.AAD.7.1, CIS 1.1.3\n"),
        "{text}"
    );
}
