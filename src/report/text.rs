//! `--format text`: a summary per client for people, failing controls first, with
//! colour only on a terminal (anstream drops it otherwise and honours NO_COLOR).

use super::CheckReport;
use crate::diagnostic::Diagnostic;
use crate::scorecard::{ControlResult, Scorecard, Status};
use anstyle::{AnsiColor, Style};
use std::fmt::Write;

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

fn style(s: Status) -> Style {
    let c = match s {
        Status::Pass => AnsiColor::Green,
        Status::Fail => AnsiColor::Red,
        Status::Warn => AnsiColor::Yellow,
        Status::Waived => AnsiColor::Cyan,
        Status::NoEvidence => AnsiColor::Magenta,
        Status::NotApplicable => AnsiColor::BrightBlack,
        Status::NotLicensed => AnsiColor::Blue,
    };
    Style::new().fg_color(Some(c.into())).bold()
}

/// A fixed-width label so that status reads without colour too.
pub fn label(s: Status) -> &'static str {
    match s {
        Status::Pass => "PASS  ",
        Status::Fail => "FAIL  ",
        Status::Warn => "WARN  ",
        Status::Waived => "WAIVED",
        Status::NotApplicable => "N/A   ",
        Status::NoEvidence => "NO-EV ",
        Status::NotLicensed => "NO-LIC",
    }
}

pub fn render(r: &CheckReport, verbose: bool) -> String {
    let mut out = String::new();
    for s in r.scorecards {
        scorecard(&mut out, s, verbose);
    }
    for id in r.failed_clients {
        let _ = writeln!(
            out,
            "{BOLD}{id}{BOLD:#}: not evaluated (see the input errors below)\n"
        );
    }
    if !r.errors.is_empty() {
        let n = crate::controls::count(r.errors.len(), "input error", "input errors");
        let _ = writeln!(out, "{BOLD}{n}{BOLD:#}");
        for d in r.errors {
            diagnostic(&mut out, d);
        }
    }
    out
}

fn scorecard(out: &mut String, s: &Scorecard, verbose: bool) {
    let score = s.score.map_or("n/a".to_owned(), |x| format!("{x:.1}"));
    let _ = writeln!(
        out,
        "{BOLD}{} — {}{BOLD:#}  {}  score {BOLD}{score}{BOLD:#}/100",
        s.client.id,
        line(&s.client.name),
        s.month
    );
    let domains: Vec<String> = s
        .domains
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d.title,
                d.score.map_or("n/a".to_owned(), |x| format!("{x:.0}"))
            )
        })
        .collect();
    let _ = writeln!(out, "  {DIM}{}{DIM:#}", domains.join(" · "));
    let p = &s.policy;
    let policy = match (&p.commit, &p.committed_at) {
        (Some(c), Some(at)) if p.source == "git" => {
            format!("policy at commit {} ({at})", &c[..c.len().min(12)])
        }
        _ => "policy from the working tree".to_owned(),
    };
    let note = p
        .note
        .as_ref()
        .map(|n| format!(" — {}", line(n)))
        .unwrap_or_default();
    let _ = writeln!(out, "  {DIM}{policy}{note}{DIM:#}");
    let c = s.counts;
    let _ = writeln!(
        out,
        "  {} pass, {} fail, {} warn, {} waived, {} no evidence, {} not licensed, {} n/a",
        c.pass, c.fail, c.warn, c.waived, c.no_evidence, c.not_licensed, c.not_applicable
    );
    let mut results: Vec<&ControlResult> = s.results.iter().collect();
    results.sort_by_key(|r| r.status);
    for r in results {
        let st = style(r.status);
        let _ = writeln!(
            out,
            "  {st}{}{st:#} {:<40} {}",
            label(r.status),
            r.control,
            line(&r.message)
        );
        if r.status == Status::NotLicensed {
            // A licence gap: what to buy, not a finding (check exits 0 for it).
            let lic = line(super::licence_of(r));
            let _ = writeln!(out, "         {DIM}licence gap: needs {lic}{DIM:#}");
        }
        let detail =
            verbose || matches!(r.status, Status::Fail | Status::Warn | Status::NoEvidence);
        if !detail {
            continue;
        }
        if let (Some(m), Some(t)) = (&r.measured, &r.threshold) {
            let (m, t) = (line(m), line(t));
            let _ = writeln!(out, "         {DIM}measured {m}, threshold {t}{DIM:#}");
        }
        for item in r.items.iter().take(if verbose { usize::MAX } else { 5 }) {
            let _ = writeln!(out, "         - {}", line(item));
        }
        if !verbose && r.items.len() > 5 {
            let _ = writeln!(
                out,
                "         {DIM}… {} more (--verbose){DIM:#}",
                r.items.len() - 5
            );
        }
        if let Some(o) = &r.owner {
            let acc = line(o.accountable.as_deref().unwrap_or("nobody accountable"));
            let activity = line(&o.activity);
            let _ = writeln!(out, "         {DIM}owner: {acc} ({activity}){DIM:#}");
        }
        if let Some(at) = r.policy.first() {
            let _ = writeln!(out, "         {DIM}policy: {at}{DIM:#}");
        }
        if let Some(e) = r.evidence.first() {
            let ptr = if e.pointer.is_empty() {
                String::new()
            } else {
                format!(" {}", e.pointer)
            };
            let (file, ptr) = (line(&e.file), line(&ptr));
            let _ = writeln!(out, "         {DIM}evidence: {file}{ptr}{DIM:#}");
        }
    }
    out.push('\n');
}

/// Text from a client folder or a Graph server on one line: control characters (line
/// breaks, escape sequences) and bidirectional overrides become spaces, so a name cannot
/// start a line of its own (a forged `PASS`, a `::warning::` workflow command in CI logs)
/// or recolour the terminal.
fn line(s: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if s.chars().any(unsafe_char) {
        s.chars()
            .map(|c| if unsafe_char(c) { ' ' } else { c })
            .collect::<String>()
            .into()
    } else {
        s.into()
    }
}

fn diagnostic(out: &mut String, d: &Diagnostic) {
    out.push_str(&crate::diagnostic::render(d));
}

#[cfg(test)]
mod tests {
    use super::line;

    #[test]
    fn a_name_cannot_start_a_line_or_a_workflow_command() {
        let hostile = "Acme\n::warning::forged\r\u{1b}[31mred\u{202e}txt";
        let out = line(hostile);
        assert!(!out.contains(['\n', '\r', '\u{1b}', '\u{202e}']), "{out:?}");
        assert_eq!(out, "Acme ::warning::forged  [31mred txt");
        assert!(matches!(line("plain"), std::borrow::Cow::Borrowed("plain")));
    }
}
