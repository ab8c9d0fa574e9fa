//! `--format github`: GitHub Actions workflow commands. Each finding becomes an
//! `::error` (fail, input error) or `::warning` (warn, no evidence) annotation on the
//! policy line behind it, and each licence gap (not_licensed) a `::notice`, worst first
//! and within GitHub's limits; a final `::notice` says how many were left out. With `GITHUB_STEP_SUMMARY` set, the Markdown summary
//! (`--format markdown`) is appended to the job summary as well.

use super::{CheckReport, findings, licence_gaps, licence_of, location, markdown};
use crate::scorecard::{ControlResult, Scorecard, Status};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

/// GitHub shows at most 10 error and 10 warning annotations per step; we keep to that
/// per client, and to `MAX_TOTAL` in all.
pub const MAX_PER_CLIENT: usize = 10;
pub const MAX_TOTAL: usize = 50;
/// Offending items quoted in an annotation; the rest are counted.
const ITEMS_IN_MESSAGE: usize = 5;
pub const STEP_SUMMARY_VAR: &str = "GITHUB_STEP_SUMMARY";

/// Escapes a workflow command's message (`::error ...::MESSAGE`).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (`file=`, `title=`, ...).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Severity {
    /// Input errors: the check could not run as configured.
    Input,
    Fail,
    NoEvidence,
    Warn,
    /// A licence gap: what the tenant would need, not a finding.
    Licence,
}

impl Severity {
    fn is_error(self) -> bool {
        matches!(self, Severity::Input | Severity::Fail)
    }
}

struct Annotation {
    severity: Severity,
    client: String,
    file: String,
    line: Option<usize>,
    column: Option<usize>,
    title: String,
    message: String,
}

impl Annotation {
    fn command(&self) -> String {
        let mut props = format!("file={}", escape_property(&self.file));
        if let Some(l) = self.line {
            let _ = write!(props, ",line={l}");
            if let Some(c) = self.column {
                let _ = write!(props, ",col={c}");
            }
        }
        let _ = write!(props, ",title={}", escape_property(&self.title));
        let kind = match self.severity {
            s if s.is_error() => "error",
            Severity::Licence => "notice",
            _ => "warning",
        };
        format!("::{kind} {props}::{}\n", escape_data(&self.message))
    }
}

fn finding(s: &Scorecard, r: &ControlResult) -> Annotation {
    let severity = match r.status {
        Status::Fail => Severity::Fail,
        Status::NoEvidence => Severity::NoEvidence,
        Status::NotLicensed => Severity::Licence,
        _ => Severity::Warn,
    };
    let mut message = r.message.clone();
    if r.status == Status::NotLicensed {
        let _ = write!(
            message,
            "\nlicence gap (not scored): needs {}",
            licence_of(r)
        );
    }
    match (&r.measured, &r.threshold) {
        (Some(v), Some(t)) => {
            let _ = write!(message, "\nmeasured {v}, threshold {t}");
        }
        (Some(v), None) => {
            let _ = write!(message, "\nmeasured {v}");
        }
        (None, Some(t)) => {
            let _ = write!(message, "\nthreshold {t}");
        }
        (None, None) => {}
    }
    for item in r.items.iter().take(ITEMS_IN_MESSAGE) {
        let _ = write!(message, "\n- {item}");
    }
    if r.items.len() > ITEMS_IN_MESSAGE {
        let _ = write!(message, "\n… and {} more", r.items.len() - ITEMS_IN_MESSAGE);
    }
    if let Some(a) = r.owner.as_ref().and_then(|o| o.accountable.as_deref()) {
        let _ = write!(message, "\naccountable: {a}");
    }
    let at = location(s, r);
    Annotation {
        severity,
        client: s.client.id.clone(),
        file: at.file,
        line: Some(at.line),
        column: Some(at.column),
        title: format!("{} {}: {} ({})", s.client.id, s.month, r.title, r.control),
        message,
    }
}

fn input_error(d: &crate::diagnostic::Diagnostic) -> Annotation {
    let mut message = d.message.clone();
    if let Some(p) = &d.json_path {
        let _ = write!(message, " (at {p})");
    }
    let client = d.client.clone().unwrap_or_default();
    Annotation {
        severity: Severity::Input,
        title: if client.is_empty() {
            "input error".to_owned()
        } else {
            format!("{client}: input error")
        },
        client,
        file: d.file.clone(),
        line: d.line,
        column: d.column,
        message,
    }
}

pub fn render(r: &CheckReport) -> String {
    let mut all: Vec<Annotation> = r.errors.iter().map(input_error).collect();
    for s in r.scorecards {
        all.extend(findings(s).into_iter().map(|f| finding(s, f)));
        all.extend(licence_gaps(s).into_iter().map(|f| finding(s, f)));
    }
    // Worst first; a stable sort keeps client and catalogue order within a severity.
    all.sort_by_key(|a| a.severity);
    let mut per_client: BTreeMap<(&str, bool), usize> = BTreeMap::new();
    let mut out = String::new();
    let (mut shown, mut omitted) = (0, 0);
    for a in &all {
        let n = per_client
            .entry((a.client.as_str(), a.severity.is_error()))
            .or_default();
        if *n >= MAX_PER_CLIENT || shown >= MAX_TOTAL {
            omitted += 1;
            continue;
        }
        *n += 1;
        shown += 1;
        out.push_str(&a.command());
    }
    if omitted > 0 {
        let _ = writeln!(
            out,
            "::notice title=custody::{}",
            escape_data(&format!(
                "{omitted} of {} findings are not annotated (GitHub shows at most {MAX_PER_CLIENT} errors and {MAX_PER_CLIENT} warnings per step; custody keeps to that per client and to {MAX_TOTAL} in all). Every finding is in the job summary and in `custody check`.",
                all.len()
            ))
        );
    }
    out
}

/// Appends the Markdown summary to `path`, creating it if need be; never truncates.
pub fn append_summary_to(path: &Path, r: &CheckReport) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)?;
    let mut md = markdown::render(r);
    md.push('\n');
    f.write_all(md.as_bytes())?;
    f.flush()
}

/// The step summary file cannot be appended to: a warning, the run goes on.
#[derive(Debug)]
pub struct StepSummaryError {
    pub path: std::path::PathBuf,
    pub source: std::io::Error,
}

impl std::fmt::Display for StepSummaryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot append to {STEP_SUMMARY_VAR} ({}): {}",
            self.path.display(),
            self.source
        )
    }
}

impl std::error::Error for StepSummaryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

impl StepSummaryError {
    /// A warning with its own code: the annotations were printed, only the summary is lost.
    pub fn into_diagnostic(self) -> crate::diagnostic::Diagnostic {
        crate::diagnostic::Diagnostic::general(
            crate::diagnostic::Code::StepSummary,
            self.to_string(),
        )
    }
}

/// Appends the Markdown summary to `$GITHUB_STEP_SUMMARY` when that is set.
pub fn append_step_summary(r: &CheckReport) -> Result<(), StepSummaryError> {
    match std::env::var_os(STEP_SUMMARY_VAR) {
        Some(p) if !p.is_empty() => {
            let path = Path::new(&p);
            append_summary_to(path, r).map_err(|source| StepSummaryError {
                path: path.to_path_buf(),
                source,
            })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controls::testing::Fx;
    use crate::diagnostic::Diagnostic;

    #[test]
    fn messages_escape_percent_and_line_breaks() {
        assert_eq!(
            escape_data("100% done\r\nnext\n"),
            "100%25 done%0D%0Anext%0A"
        );
        assert_eq!(escape_data("a: b, c"), "a: b, c");
        // `%` first, so an escape in the input is not decoded by the runner.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(
            escape_property("acme: MFA, admins\n50%"),
            "acme%3A MFA%2C admins%0A50%25"
        );
    }

    fn commands(out: &str, kind: &str) -> usize {
        out.lines()
            .filter(|l| l.starts_with(&format!("::{kind} ")))
            .count()
    }

    /// A scorecard whose every control has `status`.
    fn all(status: Status, client: &str) -> Scorecard {
        let mut s = Fx::new().scorecard();
        s.client.id = client.to_owned();
        for r in &mut s.results {
            r.status = status;
        }
        s
    }

    #[test]
    fn at_most_ten_errors_and_ten_warnings_per_client_worst_first() {
        let mut s = all(Status::Fail, "acme");
        let n = s.results.len();
        assert!(n > 20, "the catalogue has more controls than the limit");
        for r in s.results.iter_mut().skip(n - 12) {
            r.status = Status::Warn;
        }
        s.results[n - 1].status = Status::NoEvidence;
        let cards = [&s];
        let out = render(&CheckReport {
            scorecards: &cards,
            failed_clients: &[],
            errors: &[],
        });
        assert_eq!(commands(&out, "error"), 10);
        assert_eq!(commands(&out, "warning"), 10);
        let first_warning = out.lines().find(|l| l.starts_with("::warning")).unwrap();
        assert!(
            first_warning.contains(&s.results[n - 1].control),
            "missing evidence comes before warnings: {first_warning}"
        );
        let lines: Vec<&str> = out.lines().collect();
        let errors_end = lines
            .iter()
            .rposition(|l| l.starts_with("::error"))
            .unwrap();
        let warnings_start = out
            .lines()
            .position(|l| l.starts_with("::warning"))
            .unwrap();
        assert!(errors_end < warnings_start, "errors first");
        let notice = out.lines().last().unwrap();
        assert!(notice.starts_with("::notice title=custody::"), "{notice}");
        assert!(
            notice.contains(&format!("{} of {n} findings", n - 20)),
            "{notice}"
        );
    }

    #[test]
    fn at_most_fifty_in_all() {
        let cards: Vec<Scorecard> = (0..4)
            .flat_map(|i| {
                [
                    all(Status::Fail, &format!("c{i}")),
                    all(Status::Warn, &format!("w{i}")),
                ]
            })
            .collect();
        let refs: Vec<&Scorecard> = cards.iter().collect();
        let total: usize = cards.iter().map(|c| c.results.len()).sum();
        let out = render(&CheckReport {
            scorecards: &refs,
            failed_clients: &[],
            errors: &[],
        });
        // 4 failing clients × 10 errors come first, then the first warnings.
        assert_eq!(commands(&out, "error"), 40);
        assert_eq!(commands(&out, "warning"), 10);
        assert!(out.ends_with(&format!(
            "{} of {total} findings are not annotated (GitHub shows at most 10 errors and 10 warnings per step; custody keeps to that per client and to 50 in all). Every finding is in the job summary and in `custody check`.\n",
            total - 50
        )));
    }

    #[test]
    fn nothing_to_say_prints_nothing() {
        let s = Fx::new().with_prev().scorecard();
        let cards = [&s];
        let out = render(&CheckReport {
            scorecards: &cards,
            failed_clients: &[],
            errors: &[],
        });
        assert_eq!(out, "");
    }

    #[test]
    fn a_finding_points_at_its_policy_line_with_escaped_properties() {
        let s = Fx::new()
            .with_controls_extra(
                "[thresholds]\n\"access.global-admin-count\" = { min = 4, max = 4 }\n",
            )
            .scorecard();
        let errors = [Diagnostic {
            line: Some(3),
            column: Some(7),
            ..Diagnostic::file("clients/x,y/client.toml", "bad: value\n100%").for_client("x")
        }];
        let cards = [&s];
        let out = render(&CheckReport {
            scorecards: &cards,
            failed_clients: &[],
            errors: &errors,
        });
        let mut lines = out.lines();
        assert_eq!(
            lines.next().unwrap(),
            "::error file=clients/x%2Cy/client.toml,line=3,col=7,title=x%3A input error::bad: value%0A100%25"
        );
        let line = lines.next().unwrap();
        let extra_line = crate::controls::testing::CONTROLS_TOML.lines().count() + 3;
        assert!(
            line.starts_with(&format!(
                "::error file=clients/acme/controls.toml,line={extra_line},col="
            )),
            "{line}"
        );
        assert!(
            line.contains(",title=acme 2026-11%3A ")
                && line.contains("(access.global-admin-count)::"),
            "{line}"
        );
        assert!(
            line.contains("::3 Global Administrators, expected 4%0Ameasured 3, threshold 4%0A- "),
            "messages keep commas and colons: {line}"
        );
    }

    /// Each annotation is one line `::kind file=…,line=…,col=…,title=…::message`: its
    /// properties parse back to exactly these keys, whatever the input strings were.
    /// `Some` says how a line is not such a command.
    fn command_problem(line: &str) -> Option<String> {
        let Some(rest) = ["::error ", "::warning ", "::notice "]
            .iter()
            .find_map(|k| line.strip_prefix(k))
        else {
            return Some(format!("not a workflow command: {line:?}"));
        };
        let Some((props, _message)) = rest.split_once("::") else {
            return Some(format!("no message: {line:?}"));
        };
        let mut keys = Vec::new();
        for p in props.split(',') {
            let Some((k, _)) = p.split_once('=') else {
                return Some(format!("bad property {p:?} in {line:?}"));
            };
            keys.push(k);
        }
        let allowed = ["file", "line", "col", "title"];
        (keys.iter().any(|k| !allowed.contains(k)) || keys.len() > allowed.len())
            .then(|| format!("properties {keys:?} in {line:?}"))
    }

    #[test]
    fn no_input_string_adds_a_line_or_a_property_to_an_annotation() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, RngSeed, TestRunner};
        let fragment = prop::sample::select(vec![
            "a",
            " ",
            "::",
            ":",
            ",",
            "=",
            "%",
            "%0A",
            "%25",
            "\n",
            "\r",
            "\r\n",
            "\u{2028}",
            "::error::",
            "::add-mask::x",
            "::stop-commands::t",
            "title=x",
            "file=/etc",
            "line=1",
            "@x",
            "é",
        ]);
        let text = prop::collection::vec(fragment, 0..8).prop_map(|v| v.concat());
        let strategy = prop::collection::vec(text, 9);
        let mut runner = TestRunner::new(Config {
            cases: 300,
            rng_seed: RngSeed::Fixed(0x67697468),
            failure_persistence: None,
            ..Config::default()
        });
        let base = Fx::new().scorecard();
        let result = runner.run(&strategy, |v| {
            let mut s = base.clone();
            s.client.id = v[0].clone();
            s.client.name = v[1].clone();
            let r = &mut s.results[0];
            r.status = Status::Fail;
            r.title = v[2].clone();
            r.message = v[3].clone();
            r.measured = Some(v[4].clone());
            r.threshold = Some(v[5].clone());
            r.items = vec![v[6].clone(), v[7].clone()];
            if let Some(o) = r.owner.as_mut() {
                o.accountable = Some(v[8].clone());
            }
            let errors = [Diagnostic {
                json_path: Some(v[4].clone()),
                line: Some(1),
                column: Some(2),
                ..Diagnostic::file(v[2].clone(), v[3].clone()).for_client(&v[0])
            }];
            let cards = [&s];
            let out = render(&CheckReport {
                scorecards: &cards,
                failed_clients: &[],
                errors: &errors,
            });
            let expected = 1 + findings(&s).len().min(MAX_PER_CLIENT * 2);
            let lines: Vec<&str> = out.lines().collect();
            prop_assert!(lines.len() >= 2 && lines.len() <= expected + 1, "{out}");
            for line in lines {
                if let Some(problem) = command_problem(line) {
                    return Err(proptest::test_runner::TestCaseError::fail(problem));
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            panic!("{e}");
        }
        // The parser is not vacuous.
        assert_eq!(command_problem("::error file=a,title=b::m"), None);
        assert!(command_problem("::error file=a,title=b,x=c::m").is_some());
        assert!(command_problem("::set-output name=x::y").is_some());
    }
}
