//! `check --format sarif|github|markdown`: SARIF that the SARIF 2.1.0 schema accepts with
//! findings at the policy line behind them, GitHub workflow commands and job summary,
//! and the Markdown summary.

use assert_cmd::Command;
use custody::controls::testing::{CONTROLS_TOML, Fx};
use serde_json::Value;
use std::path::Path;

/// The official SARIF 2.1.0 JSON schema (draft-04), `sarif-2.1.0-rtm.5.json`, vendored
/// unchanged from the npm package `@microsoft/jest-sarif` 1.0.0-beta.0 (MIT, Microsoft's
/// sarif-js-sdk), file `lib/schemas/sarif-2.1.0-rtm.5.json`.
const SARIF_SCHEMA: &str = include_str!("../fixtures/sarif/sarif-2.1.0.schema.json");

const THRESHOLD: &str = "[thresholds]\n\"access.global-admin-count\" = { min = 4, max = 4 }\n";

fn custody(root: &Path) -> Command {
    let mut c = Command::cargo_bin("custody").expect("binary");
    c.arg("--repo")
        .arg(root)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY");
    c
}

/// The schema's `language` pattern (of `run` and `toolComponent`) has a stray `]`: fine as
/// an ECMAScript (Annex B) regex, rejected by the `regex` format check of the draft-04
/// meta-schema. It is replaced by the same pattern with that `]` escaped, in memory, so
/// the vendored file stays byte-identical to the package's.
const LANGUAGE_PATTERN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
const LANGUAGE_PATTERN_ESCAPED: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$";

fn escape_language_patterns(v: &mut Value) -> usize {
    match v {
        Value::Object(m) => {
            let mut n = 0;
            for (k, x) in m.iter_mut() {
                if k == "pattern" && x == LANGUAGE_PATTERN {
                    *x = Value::from(LANGUAGE_PATTERN_ESCAPED);
                    n += 1;
                } else {
                    n += escape_language_patterns(x);
                }
            }
            n
        }
        Value::Array(a) => a.iter_mut().map(escape_language_patterns).sum(),
        _ => 0,
    }
}

fn validator() -> jsonschema::Validator {
    let mut schema: Value = serde_json::from_str(SARIF_SCHEMA).expect("schema is JSON");
    assert_eq!(
        escape_language_patterns(&mut schema),
        2,
        "the vendored schema changed"
    );
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid_sarif(doc: &Value) {
    let v = validator();
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF schema violations:\n{errors:#?}");
}

fn sarif(cmd: &mut Command) -> (i32, Value) {
    let out = cmd.args(["check", "--format", "sarif"]).output().unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON: {e}\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code().unwrap(), doc)
}

/// The 1-based line of the threshold that `with_controls_extra(THRESHOLD)` appends.
fn threshold_line() -> u64 {
    // controls.toml, a blank line, `[thresholds]`, then the threshold.
    (CONTROLS_TOML.lines().count() + 3) as u64
}

#[test]
fn the_schema_rejects_what_it_should() {
    let v = validator();
    assert!(
        !v.is_valid(&serde_json::json!({"version": "2.1.0"})),
        "runs missing"
    );
    assert!(!v.is_valid(&serde_json::json!({"version": "2.0.0", "runs": []})));
    assert!(v.is_valid(&serde_json::json!({"version": "2.1.0", "runs": []})));
    let run = |driver: Value| serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": driver}}]});
    assert!(v.is_valid(&run(
        serde_json::json!({"name": "x", "informationUri": "https://example.invalid/x"})
    )));
    assert!(
        !v.is_valid(&run(
            serde_json::json!({"name": "x", "informationUri": "not a uri"})
        )),
        "formats are checked"
    );
    assert!(
        !v.is_valid(&run(serde_json::json!({"name": "x", "rules": [{}]}))),
        "a rule needs an id"
    );
}

#[test]
fn sarif_validates_and_locates_a_failure_at_its_threshold_line() {
    let dir = tempfile::tempdir().unwrap();
    Fx::new()
        .with_controls_extra(THRESHOLD)
        .write_to(dir.path(), "acme");
    let (code, doc) = sarif(&mut custody(dir.path()));
    assert_eq!(code, 1, "exit codes do not depend on the format");
    assert_valid_sarif(&doc);
    assert_eq!(doc["version"], "2.1.0");
    assert_eq!(
        doc["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let run = &doc["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "custody");
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), custody::controls::catalogue().len() + 1);
    let results = run["results"].as_array().unwrap();
    let r = results
        .iter()
        .find(|r| r["ruleId"] == "access.global-admin-count")
        .expect("the failing control is a result");
    assert_eq!(r["level"], "error");
    let rule = &rules[r["ruleIndex"].as_u64().unwrap() as usize];
    assert_eq!(rule["id"], "access.global-admin-count");
    assert_eq!(rule["properties"]["security-severity"], "8.0");
    assert_eq!(
        rule["properties"]["tags"],
        serde_json::json!(["security", "access", "MS.AAD.7.1", "CIS 1.1.3"])
    );
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "clients/acme/controls.toml");
    assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(loc["region"]["startLine"], threshold_line());
    let text = r["message"]["text"].as_str().unwrap();
    assert!(text.starts_with("acme 2026-11: "), "{text}");
    assert!(text.contains("measured 3"), "{text}");
    let fp = r["partialFingerprints"]["custodyFinding/v1"]
        .as_str()
        .unwrap();
    assert_eq!(fp.len(), 64);
    // Only findings are results: everything else in the healthy fixture passes.
    assert_eq!(results.len(), 1, "{results:#?}");

    // Deterministic, and the fingerprint survives a move of the threshold line.
    let (_, again) = sarif(&mut custody(dir.path()));
    assert_eq!(again, doc);
    Fx::new()
        .with_controls_extra(&format!("# moved down\n\n{THRESHOLD}"))
        .write_to(dir.path(), "acme");
    let (_, moved) = sarif(&mut custody(dir.path()));
    let m = &moved["runs"][0]["results"][0];
    assert_eq!(
        m["locations"][0]["physicalLocation"]["region"]["startLine"],
        threshold_line() + 2
    );
    assert_eq!(m["partialFingerprints"], r["partialFingerprints"]);
}

#[test]
fn sarif_of_a_finding_without_a_policy_line_points_at_controls_toml() {
    let dir = tempfile::tempdir().unwrap();
    Fx::new()
        .without("graph/userRegistrationDetails.json")
        .write_to(dir.path(), "acme");
    let (_, doc) = sarif(&mut custody(dir.path()));
    assert_valid_sarif(&doc);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let r = results
        .iter()
        .find(|r| r["ruleId"] == "identity.mfa-admins")
        .expect("missing evidence is a result");
    assert_eq!(r["level"], "warning");
    assert_eq!(r["properties"]["status"], "no_evidence");
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "clients/acme/controls.toml");
    assert_eq!(loc["region"]["startLine"], 1);
}

#[test]
fn sarif_reports_input_errors_at_their_line() {
    let dir = tempfile::tempdir().unwrap();
    Fx::new().write_to(dir.path(), "good");
    Fx::new()
        .policy(
            "client.toml",
            "name = \"Broken\"\ntenant_id = \"not-a-guid\"\ndomains = [\"b.example\"]\n",
        )
        .write_to(dir.path(), "broken");
    let (code, doc) = sarif(&mut custody(dir.path()));
    assert_eq!(code, 2);
    assert_valid_sarif(&doc);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let e = results
        .iter()
        .find(|r| r["ruleId"] == "custody.input-error")
        .expect("the input error is a result");
    assert_eq!(e["level"], "error");
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(
        rules[e["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "custody.input-error"
    );
    let loc = &e["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "clients/broken/client.toml");
    assert_eq!(loc["region"]["startLine"], 2);
}

#[test]
fn sarif_of_the_sample_repository_validates() {
    let mut cmd = Command::cargo_bin("custody").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1");
    let (code, doc) = sarif(&mut cmd);
    assert_eq!(code, 1, "the sample clients have findings on purpose");
    assert_valid_sarif(&doc);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(uri).is_file(),
            "{uri} is a file of the repository"
        );
    }
}

#[test]
fn github_annotations_point_at_the_threshold_line() {
    let dir = tempfile::tempdir().unwrap();
    Fx::new()
        .with_controls_extra(THRESHOLD)
        .write_to(dir.path(), "acme");
    let out = custody(dir.path())
        .args(["check", "--format", "github"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.starts_with(&format!(
            "::error file=clients/acme/controls.toml,line={},col=",
            threshold_line()
        )),
        "{text}"
    );
    assert!(text.contains("(access.global-admin-count)::"), "{text}");
}

#[test]
fn github_appends_the_markdown_summary_to_the_step_summary() {
    let dir = tempfile::tempdir().unwrap();
    Fx::new()
        .with_controls_extra(THRESHOLD)
        .write_to(dir.path(), "acme");
    let summary = dir.path().join("step-summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    for _ in 0..2 {
        let out = custody(dir.path())
            .env("GITHUB_STEP_SUMMARY", &summary)
            .args(["check", "--format", "github"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
    }
    let md = custody(dir.path())
        .args(["check", "--format", "markdown"])
        .output()
        .unwrap();
    assert_eq!(md.status.code(), Some(1));
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.contains("access.global-admin-count"), "{md}");
    let got = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(got, format!("earlier step\n{md}\n{md}\n"));
}

#[test]
fn markdown_summary() {
    let dir = tempfile::tempdir().unwrap();
    Fx::new()
        .policy(
            "client.toml",
            "name = \"Acme | <b>Evil</b> *Ltd* [x](https://evil.example)\"\ntenant_id = \"11111111-2222-3333-4444-555555555555\"\ndomains = [\"acme.example\"]\n",
        )
        .with_controls_extra(THRESHOLD)
        .without("graph/userRegistrationDetails.json")
        .write_to(dir.path(), "acme");
    Fx::new().with_prev().write_to(dir.path(), "globex");
    Fx::new()
        .policy(
            "client.toml",
            "name = \"Broken\"\ntenant_id = \"not-a-guid\"\ndomains = [\"b.example\"]\n",
        )
        .write_to(dir.path(), "broken");
    let out = custody(dir.path())
        .args(["check", "--format", "markdown"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "input errors exit 2 in every format"
    );
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());
}

/// Issue 12, class 9: names in a client folder are written by whoever opens the pull
/// request. In GitHub-flavoured Markdown they must not mention anyone, reference an
/// issue, make a link, inject HTML or start a line of their own.
const HOSTILE_NAME: &str = "@octocat #1 <img src=x onerror=alert(1)> [x](https://evil.example) www.evil.example ceo@acme.example\n# m-heading | pipe";
const HOSTILE_PARTY: &str = "@acme/security-team GH-12 <b>m-party</b> ::error::boom";
const HOSTILE_NEW_PARTY: &str = "@new-owner http://evil.example/x *m-new*";

fn toml_string(s: &str) -> String {
    serde_json::to_string(s).expect("a JSON string is a TOML basic string")
}

fn hostile_client(root: &Path) {
    Fx::new()
        .policy(
            "client.toml",
            &custody::controls::testing::CLIENT_TOML
                .replace("\"Acme Fixture Ltd\"", &toml_string(HOSTILE_NAME)),
        )
        .policy(
            "raci.toml",
            &custody::controls::testing::RACI_TOML.replace(
                "accountable = [\"Client IT Manager\"]",
                &format!("accountable = [{}]", toml_string(HOSTILE_PARTY)),
            ),
        )
        .with_controls_extra(THRESHOLD)
        .write_to(root, "acme");
}

/// What GitHub would make of rendered Markdown that it should not: HTML beyond the
/// printers' own tags, links, images, a heading made by a value, and in the text a
/// mention, an issue reference or an autolink.
fn github_problems(md: &str) -> Vec<String> {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let mut problems = Vec::new();
    let mut text = String::new();
    let own_tags = [
        "<br>",
        "<details>",
        "</details>",
        "<summary>",
        "</summary>",
        "<b>",
        "</b>",
        "<!-- custody-policy-diff -->",
    ];
    for ev in Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        match ev {
            Event::Html(h) | Event::InlineHtml(h) => {
                let mut rest = h.to_string();
                for t in own_tags {
                    rest = rest.replace(t, "");
                }
                if rest.contains('<') {
                    problems.push(format!("HTML: {h:?}"));
                }
                text.push_str(&rest);
                text.push(' ');
            }
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => {
                problems.push(format!("{ev:?}"));
            }
            Event::Text(t) | Event::Code(t) => {
                text.push_str(&t);
                text.push(' ');
            }
            _ => {}
        }
    }
    for line in md.lines() {
        if line.trim_start().starts_with("# m-heading") {
            problems.push(format!("a value started a line: {line:?}"));
        }
    }
    let lower = text.to_ascii_lowercase();
    let b = lower.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        let next = b.get(i + 1).copied().unwrap_or(b' ');
        if c == b'@' && (next.is_ascii_alphanumeric() || next == b'-') {
            problems.push(format!(
                "mention: {:?}",
                &lower[i..(i + 12).min(lower.len())]
            ));
        }
        if c == b'#' && next.is_ascii_digit() {
            problems.push(format!(
                "issue reference: {:?}",
                &lower[i..(i + 6).min(lower.len())]
            ));
        }
    }
    for pat in ["://", "www.", "gh-1"] {
        if lower.contains(pat) {
            problems.push(format!("autolink {pat:?}"));
        }
    }
    problems
}

#[test]
fn hostile_names_make_no_mention_link_html_or_line_in_markdown_github_or_diff() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    hostile_client(root);

    let out = custody(root)
        .args(["check", "--format", "markdown"])
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("octocat") && md.contains("m-party"),
        "payloads reach it: {md}"
    );
    let problems = github_problems(&md);
    assert!(problems.is_empty(), "{problems:#?}\n{md}");

    let summary = root.join("summary.md");
    let out = custody(root)
        .args(["check", "--format", "github"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    let annotations = String::from_utf8(out.stdout).unwrap();
    assert!(annotations.contains("m-party"), "{annotations}");
    for line in annotations.lines() {
        assert!(
            ["::error file=", "::warning file=", "::notice title="]
                .iter()
                .any(|p| line.starts_with(p)),
            "every line is one annotation: {line:?}"
        );
        // `::error::boom` inside a message is text: a command must start its line.
    }
    let summary = std::fs::read_to_string(&summary).unwrap();
    let problems = github_problems(&summary);
    assert!(problems.is_empty(), "{problems:#?}\n{summary}");

    // The pull-request comment: a change of accountable party to another hostile name.
    let repo = git2::Repository::init(root).unwrap();
    let sig = git2::Signature::now("MSP Engineer", "eng@msp.example").unwrap();
    let mut index = repo.index().unwrap();
    index
        .add_all(["clients", "evidence"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    repo.commit(Some("HEAD"), &sig, &sig, "policy", &tree, &[])
        .unwrap();
    let raci = root.join("clients/acme/raci.toml");
    let text = std::fs::read_to_string(&raci).unwrap();
    std::fs::write(
        &raci,
        text.replace(&toml_string(HOSTILE_PARTY), &toml_string(HOSTILE_NEW_PARTY)),
    )
    .unwrap();
    let out = custody(root)
        .args(["diff", "HEAD", "--format", "markdown"])
        .output()
        .unwrap();
    let comment = String::from_utf8(out.stdout).unwrap();
    assert!(
        comment.contains("m-party") && comment.contains("m-new"),
        "the change is in the comment: {comment}"
    );
    let problems = github_problems(&comment);
    assert!(problems.is_empty(), "{problems:#?}\n{comment}");
}

#[test]
fn the_github_markdown_checker_catches_what_it_looks_for() {
    for bad in [
        "hi @octocat",
        "see #12",
        "<img src=x>",
        "[x](https://e.example)",
        "go to www.e.example",
        "x\n# m-heading",
        "a gh-12",
    ] {
        assert!(!github_problems(bad).is_empty(), "missed {bad:?}");
    }
    assert!(
        github_problems("<details><summary><b>acme</b></summary>\n\nok\n</details>").is_empty()
    );
}

/// Every rule carries the baseline ids of its control as tags and as a `baselines`
/// property with framework and title; custody's own controls carry none.
#[test]
fn sarif_rules_carry_their_baseline_references() {
    let dir = tempfile::tempdir().unwrap();
    Fx::new()
        .with_controls_extra(THRESHOLD)
        .write_to(dir.path(), "acme");
    let (_, doc) = sarif(&mut custody(dir.path()));
    assert_valid_sarif(&doc);
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let rule = |id: &str| {
        rules
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no rule {id}"))
    };
    let legacy = &rule("identity.ca-block-legacy-auth")["properties"];
    let tags: Vec<&str> = legacy["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        [
            "security",
            "identity",
            "MS.AAD.1.1",
            "CIS 5.2.2.3",
            "MT.1009",
            "MT.1010"
        ]
    );
    assert_eq!(legacy["baselines"][0]["framework"], "scuba");
    assert_eq!(legacy["baselines"][0]["id"], "MS.AAD.1.1");
    assert_eq!(
        legacy["baselines"][0]["title"],
        "Legacy authentication SHALL be blocked."
    );
    assert_eq!(
        legacy["baselines"][1]["benchmark"],
        "CIS Microsoft 365 Foundations Benchmark v5.0.0"
    );
    // Every rule of the catalogue matches the table, in order.
    for c in custody::controls::catalogue() {
        let props = &rule(&c.id)["properties"];
        let cited: Vec<String> = props["baselines"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|b| b["id"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        let expected: Vec<String> = c.baselines().iter().map(|r| r.id.to_owned()).collect();
        assert_eq!(cited, expected, "{}", c.id);
    }
    let own = &rule("backup.exchange.rpo")["properties"];
    assert!(own.get("baselines").is_none(), "{own}");
    assert_eq!(own["tags"].as_array().unwrap().len(), 2);
}

/// A tenant with Entra ID P1 but not P2: the two risk-based controls are licence gaps.
const P1_ONLY: &str = r#"{"value":[{"skuId":"s1","skuPartNumber":"SPB","capabilityStatus":"Enabled","consumedUnits":4,"prepaidUnits":{"enabled":5},"servicePlans":[{"servicePlanName":"AAD_PREMIUM","provisioningStatus":"Success"}]}]}"#;

/// Issue 20 item 2: a licence gap is its own status in every format, names the
/// licence, is never a finding (exit 0) and never an error-level result.
#[test]
fn a_licence_gap_is_named_in_every_format_and_is_not_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    // Without PIM the declared model needs only P1, so identity.licences passes.
    Fx::new()
        .with_prev()
        .policy(
            "controls.toml",
            &CONTROLS_TOML.replace("pim = true", "pim = false"),
        )
        .graph("subscribedSkus.json", P1_ONLY)
        .write_to(dir.path(), "acme");
    let gaps = [
        "identity.ca-block-high-risk-users",
        "identity.ca-block-high-risk-sign-ins",
    ];
    let run = |format: &str| {
        let out = custody(dir.path())
            .args(["check", "--format", format])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{format}: a licence gap alone exits 0\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stdout).unwrap()
    };

    let json: Value = serde_json::from_str(&run("json")).unwrap();
    let card = &json["clients"][0];
    assert_eq!(card["counts"]["not_licensed"], 2, "{}", card["counts"]);
    for id in gaps {
        let r = card["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["control"] == id)
            .unwrap();
        assert_eq!(r["status"], "not_licensed");
        assert_eq!(r["licence"], "Entra ID P2");
    }
    // A passing result carries no licence key at all.
    assert!(card["results"][0].get("licence").is_none());
    // Left out of the score: everything else passes.
    assert_eq!(card["score"], 100.0);

    let sarif_doc: Value = serde_json::from_str(&run("sarif")).unwrap();
    assert_valid_sarif(&sarif_doc);
    let results = sarif_doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{results:#?}");
    for r in results {
        assert_eq!(r["level"], "note", "{r}");
        assert_eq!(r["properties"]["status"], "not_licensed");
        let text = r["message"]["text"].as_str().unwrap();
        assert!(text.contains("needs Entra ID P2"), "{text}");
    }

    let github = run("github");
    assert_eq!(github.lines().count(), 2, "{github}");
    for l in github.lines() {
        assert!(l.starts_with("::notice "), "{l}");
        assert!(
            l.contains("licence gap (not scored): needs Entra ID P2"),
            "{l}"
        );
    }

    let md = run("markdown");
    assert!(md.contains("### Licence gaps (not scored)"), "{md}");
    for id in gaps {
        assert!(md.contains(&format!("- `{id}`")), "{md}");
    }
    assert!(md.contains("2 not licensed"), "{md}");

    let text = run("text");
    assert!(text.contains("2 not licensed"), "{text}");
    assert_eq!(text.matches("NO-LIC").count(), 2, "{text}");
    assert_eq!(
        text.matches("licence gap: needs Entra ID P2").count(),
        2,
        "{text}"
    );
}
