//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning. One rule per catalogue
//! control (plus one for input errors), one result per failing, warning or
//! evidence-less control, located at the policy line that set its threshold, else at
//! line 1 of the client's `controls.toml`. Fingerprints hash client and control only,
//! so an alert stays the same alert from month to month and across edits of the line.

use super::{CheckReport, findings, licence_gaps, licence_of, location};
use crate::controls::{Control, catalogue};
use crate::diagnostic::Diagnostic;
use crate::evidence::sha256_hex;
use crate::scorecard::{ControlResult, Domain, Scorecard, Status};
use serde::Serialize;

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// No public home page yet; SARIF wants an absolute URI here, and `.invalid` never resolves.
pub const INFORMATION_URI: &str = "https://example.invalid/custody";
/// The rule of results that are input problems rather than control findings.
pub const INPUT_ERROR_RULE: &str = "custody.input-error";
/// The key of our own fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "custodyFinding/v1";
const SRCROOT: &str = "%SRCROOT%";
/// Offending items quoted in a result message; the rest are counted.
const ITEMS_IN_MESSAGE: usize = 5;

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
    /// `security`, the domain, then each baseline id (`MS.AAD.1.1`, `CIS 5.2.2.3`), so code
    /// scanning can filter alerts by the baseline an auditor asks about.
    tags: Vec<String>,
    /// The baseline policies the rule checks, with framework and title.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    baselines: Vec<BaselineProperty>,
}

#[derive(Serialize)]
struct BaselineProperty {
    framework: &'static str,
    /// The baseline's full name and version (CIS numbering depends on it).
    benchmark: &'static str,
    id: &'static str,
    title: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    partial_fingerprints: std::collections::BTreeMap<&'static str, String>,
    properties: ResultProperties,
}

#[derive(Serialize)]
struct ResultProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    client: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    month: Option<String>,
    status: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
}

/// GitHub's `security-severity`: over 9 critical, 7–8.9 high, 4–6.9 medium, below low.
pub fn security_severity(d: Domain) -> &'static str {
    match d {
        Domain::Identity | Domain::Access => "8.0",
        Domain::Backup => "7.0",
        Domain::Retention => "5.0",
        Domain::Governance => "4.0",
        Domain::Evidence => "3.0",
    }
}

/// `access.global-admin-count` → `AccessGlobalAdminCount`.
pub fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|c| c.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn rule(c: &Control) -> Rule {
    Rule {
        id: c.id.clone(),
        name: pascal_case(&c.id),
        short_description: Text {
            text: c.title.clone(),
        },
        full_description: Text {
            text: c.what.to_owned(),
        },
        help: Help {
            text: format!("Why it matters: {}\n\nHow to fix: {}", c.why, c.fix),
            markdown: format!(
                "**What it checks:** {}\n\n**Why it matters:** {}\n\n**How to fix:** {}",
                c.what, c.why, c.fix
            ),
        },
        default_configuration: Configuration { level: "error" },
        properties: RuleProperties {
            security_severity: Some(security_severity(c.domain)),
            tags: ["security", c.domain.as_str()]
                .into_iter()
                .map(str::to_owned)
                .chain(c.baselines().iter().map(|r| r.label()))
                .collect(),
            baselines: c
                .baselines()
                .iter()
                .map(|r| BaselineProperty {
                    framework: r.framework.as_str(),
                    benchmark: r.framework.title(),
                    id: r.id,
                    title: r.title,
                })
                .collect(),
        },
    }
}

fn input_error_rule() -> Rule {
    Rule {
        id: INPUT_ERROR_RULE.to_owned(),
        name: "InputError".to_owned(),
        short_description: Text {
            text: "Policy or evidence input could not be read".to_owned(),
        },
        full_description: Text {
            text: "A policy file or an evidence file is missing, malformed or inconsistent, so \
                   the controls that depend on it were not evaluated as configured."
                .to_owned(),
        },
        help: Help {
            text: "Fix the file at the reported line; `custody check` prints the offending line."
                .to_owned(),
            markdown: "Fix the file at the reported line; `custody check` prints the offending \
                       line."
                .to_owned(),
        },
        default_configuration: Configuration { level: "error" },
        properties: RuleProperties {
            security_severity: None,
            tags: vec!["input".to_owned()],
            baselines: Vec::new(),
        },
    }
}

/// A repository-relative path as a relative URI reference: forward slashes, anything
/// outside the unreserved set percent-encoded.
pub fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn location_of(file: &str, line: usize, column: usize) -> Location {
    Location {
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: uri(file),
                uri_base_id: SRCROOT,
            },
            region: Region {
                start_line: line.max(1),
                start_column: column.max(1),
            },
        },
    }
}

/// The stable identity of a finding: the client and the control, nothing that moves.
pub fn fingerprint(client: &str, control: &str) -> String {
    sha256_hex(format!("{client}\u{0}{control}").as_bytes())
}

fn message(s: &Scorecard, r: &ControlResult) -> String {
    let mut m = format!("{} {}: {}", s.client.id, s.month, r.message);
    match (&r.measured, &r.threshold) {
        (Some(v), Some(t)) => m.push_str(&format!(" (measured {v}, threshold {t})")),
        (Some(v), None) => m.push_str(&format!(" (measured {v})")),
        (None, Some(t)) => m.push_str(&format!(" (threshold {t})")),
        (None, None) => {}
    }
    if r.status == Status::NotLicensed {
        m.push_str(&format!(
            ". Licence gap (not scored): needs {}",
            licence_of(r)
        ));
    }
    if !r.items.is_empty() {
        let shown: Vec<&str> = r
            .items
            .iter()
            .take(ITEMS_IN_MESSAGE)
            .map(String::as_str)
            .collect();
        m.push_str(&format!(". Items: {}", shown.join("; ")));
        if r.items.len() > ITEMS_IN_MESSAGE {
            m.push_str(&format!("; and {} more", r.items.len() - ITEMS_IN_MESSAGE));
        }
    }
    m
}

/// A licence gap is a `note`: code scanning lists it without calling it a problem.
fn level(s: Status) -> &'static str {
    match s {
        Status::Fail => "error",
        Status::NotLicensed => "note",
        _ => "warning",
    }
}

fn control_result(s: &Scorecard, r: &ControlResult) -> SarifResult {
    let at = location(s, r);
    SarifResult {
        rule_id: r.control.clone(),
        rule_index: catalogue().iter().position(|c| c.id == r.control),
        level: level(r.status),
        message: Text {
            text: message(s, r),
        },
        locations: vec![location_of(&at.file, at.line, at.column)],
        partial_fingerprints: [(FINGERPRINT_KEY, fingerprint(&s.client.id, &r.control))].into(),
        properties: ResultProperties {
            client: Some(s.client.id.clone()),
            month: Some(s.month.to_string()),
            status: r.status.as_str(),
        },
    }
}

fn input_error(d: &Diagnostic) -> SarifResult {
    let mut text = String::new();
    if let Some(c) = &d.client {
        text.push_str(&format!("{c}: "));
    }
    text.push_str(&d.message);
    if let Some(p) = &d.json_path {
        text.push_str(&format!(" (at {p})"));
    }
    let identity = format!(
        "{}\u{0}{}\u{0}{}",
        d.file,
        d.json_path.as_deref().unwrap_or(""),
        d.message
    );
    SarifResult {
        rule_id: INPUT_ERROR_RULE.to_owned(),
        rule_index: Some(catalogue().len()),
        level: "error",
        message: Text { text },
        locations: vec![location_of(
            &d.file,
            d.line.unwrap_or(1),
            d.column.unwrap_or(1),
        )],
        partial_fingerprints: [(FINGERPRINT_KEY, sha256_hex(identity.as_bytes()))].into(),
        properties: ResultProperties {
            client: d.client.clone(),
            month: None,
            status: "input_error",
        },
    }
}

pub fn render(r: &CheckReport) -> String {
    let mut rules: Vec<Rule> = catalogue().iter().map(rule).collect();
    rules.push(input_error_rule());
    let mut results: Vec<SarifResult> = r.errors.iter().map(input_error).collect();
    for s in r.scorecards {
        results.extend(findings(s).into_iter().map(|c| control_result(s, c)));
        results.extend(licence_gaps(s).into_iter().map(|c| control_result(s, c)));
    }
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "custody",
                    version: crate::VERSION,
                    semantic_version: crate::VERSION,
                    information_uri: INFORMATION_URI,
                    rules,
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    let mut out = serde_json::to_string_pretty(&log).expect("SARIF serializes");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_uris() {
        assert_eq!(
            pascal_case("access.global-admin-count"),
            "AccessGlobalAdminCount"
        );
        assert_eq!(pascal_case("backup.onedrive.rpo"), "BackupOnedriveRpo");
        assert_eq!(
            uri("clients/acme/controls.toml"),
            "clients/acme/controls.toml"
        );
        assert_eq!(uri("clients\\a b/ä#.toml"), "clients/a%20b/%C3%A4%23.toml");
    }

    #[test]
    fn fingerprints_depend_on_client_and_control_only() {
        let a = fingerprint("acme", "access.global-admin-count");
        assert_eq!(a, fingerprint("acme", "access.global-admin-count"));
        assert_ne!(a, fingerprint("acme", "access.guest-admins"));
        assert_ne!(a, fingerprint("globex", "access.global-admin-count"));
        assert_eq!(a.len(), 64);
    }
}
