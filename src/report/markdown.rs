//! `--format markdown`: a GitHub-flavoured summary per client (score, domain table,
//! the controls that need attention with owner, measured value and threshold), for a
//! job summary or a pull-request comment. Every value from input is escaped, so a
//! client name or a finding cannot break a table, inject HTML or start a link.

use super::{CheckReport, findings, location};
use crate::scorecard::{ControlResult, Scorecard, Status};
use std::fmt::Write;

/// Offending items quoted in a table cell; the rest are counted.
const ITEMS_IN_CELL: usize = 3;

/// Escapes text for inline GFM, table cells included: every character with a meaning
/// inline gets a backslash (CommonMark allows one before any ASCII punctuation), and
/// line breaks and other control characters become spaces.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.push(' ');
        } else if "\\`*_[]<>|~&#$!".contains(c) {
            out.push('\\');
            out.push(c);
        } else {
            out.push(c);
        }
    }
    out
}

fn score(x: Option<f64>) -> String {
    x.map_or("n/a".to_owned(), |x| format!("{x:.1}"))
}

fn status_label(s: Status) -> &'static str {
    match s {
        Status::Fail => "**FAIL**",
        Status::NoEvidence => "**NO EVIDENCE**",
        Status::Warn => "WARN",
        Status::Waived => "waived",
        Status::Pass => "pass",
        Status::NotApplicable => "n/a",
    }
}

pub fn render(r: &CheckReport) -> String {
    let mut out = String::from("# custody check\n\n");
    if r.scorecards.is_empty() && r.failed_clients.is_empty() {
        out.push_str("No clients were evaluated.\n\n");
    }
    if r.scorecards.len() > 1 {
        overview(&mut out, r.scorecards);
    }
    for s in r.scorecards {
        scorecard(&mut out, s);
    }
    for id in r.failed_clients {
        let _ = writeln!(
            out,
            "## {}\n\nNot evaluated: its policy has errors (see *Input errors*).\n",
            escape(id)
        );
    }
    if !r.errors.is_empty() {
        let _ = writeln!(out, "## Input errors\n");
        for d in r.errors {
            let _ = writeln!(out, "- {}", escape(&d.to_string()));
        }
        out.push('\n');
    }
    // One trailing newline: summaries appended one after another stay separate blocks.
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn overview(out: &mut String, cards: &[&Scorecard]) {
    out.push_str("| Client | Month | Score | Fail | No evidence | Warn |\n");
    out.push_str("| --- | --- | ---: | ---: | ---: | ---: |\n");
    for s in cards {
        let c = s.counts;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            escape(&s.client.id),
            s.month,
            score(s.score),
            c.fail,
            c.no_evidence,
            c.warn
        );
    }
    out.push('\n');
}

fn scorecard(out: &mut String, s: &Scorecard) {
    let c = s.counts;
    let _ = writeln!(
        out,
        "## {} — {}\n\nMonth **{}** · score **{}**/100 · {} fail, {} no evidence, {} warn, {} waived, {} pass, {} n/a\n",
        escape(&s.client.id),
        escape(&s.client.name),
        s.month,
        score(s.score),
        c.fail,
        c.no_evidence,
        c.warn,
        c.waived,
        c.pass,
        c.not_applicable
    );
    out.push_str("| Domain | Weight | Score | Pass | Fail | No evidence | Warn | Waived | N/A |\n");
    out.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for d in &s.domains {
        let k = d.counts;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            escape(&d.title),
            d.weight,
            score(d.score),
            k.pass,
            k.fail,
            k.no_evidence,
            k.warn,
            k.waived,
            k.not_applicable
        );
    }
    out.push('\n');
    let found = findings(s);
    if found.is_empty() {
        out.push_str("Every control passes, is waived or does not apply.\n\n");
        return;
    }
    let _ = writeln!(out, "### Controls that need attention\n");
    out.push_str("| Status | Control | Owner | Measured | Threshold | Finding | Policy |\n");
    out.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
    for r in found {
        row(out, s, r);
    }
    out.push('\n');
}

fn row(out: &mut String, s: &Scorecard, r: &ControlResult) {
    let owner = match r.owner.as_ref().and_then(|o| o.accountable.as_deref()) {
        Some(a) => escape(a),
        None => "*nobody accountable*".to_owned(),
    };
    let dash = |v: &Option<String>| v.as_deref().map_or("—".to_owned(), escape);
    let mut finding = escape(&r.message);
    for item in r.items.iter().take(ITEMS_IN_CELL) {
        let _ = write!(finding, "<br>• {}", escape(item));
    }
    if r.items.len() > ITEMS_IN_CELL {
        let _ = write!(finding, "<br>… and {} more", r.items.len() - ITEMS_IN_CELL);
    }
    let at = location(s, r);
    let _ = writeln!(
        out,
        "| {} | `{}`<br>{} | {} | {} | {} | {} | {}:{} |",
        status_label(r.status),
        r.control.replace(['`', '|'], ""),
        escape(&r.title),
        owner,
        dash(&r.measured),
        dash(&r.threshold),
        finding,
        escape(&at.file),
        at.line
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controls::testing::Fx;

    /// Renders as GitHub would (tables on) and checks that hostile input stays text.
    #[test]
    fn hostile_input_stays_inside_its_cell() {
        let mut s = Fx::new().scorecard();
        s.client.name = "<img src=x onerror=alert(1)> | ## x".into();
        let r = &mut s.results[0];
        r.status = Status::Fail;
        r.message = "two\nlines | and <script>alert(1)</script>".into();
        r.measured = Some("a|b".into());
        r.items = vec!["[click](javascript:alert(1))".into(), "`x` | y".into()];
        let cards = [&s];
        let md = render(&CheckReport {
            scorecards: &cards,
            failed_clients: &[],
            errors: &[],
        });
        let mut html = String::new();
        pulldown_cmark::html::push_html(
            &mut html,
            pulldown_cmark::Parser::new_ext(&md, pulldown_cmark::Options::ENABLE_TABLES),
        );
        for bad in ["<script", "<img", "<a href", "<code>x</code>"] {
            assert!(!html.contains(bad), "{bad} in\n{html}");
        }
        let findings = html.split("<table>").nth(2).expect("the findings table");
        let row = findings.split("<tbody>").nth(1).unwrap();
        assert_eq!(row.matches("<td").count(), 7, "{row}");
        assert!(row.contains("two lines | and &lt;script&gt;"), "{row}");
    }

    #[test]
    fn escaping_keeps_tables_and_markup_inert() {
        assert_eq!(escape("a | b"), "a \\| b");
        assert_eq!(escape("line\nbreak\r\n"), "line break  ");
        assert_eq!(
            escape("<script>*x*</script>"),
            "\\<script\\>\\*x\\*\\</script\\>"
        );
        assert_eq!(escape("[l](http://e)"), "\\[l\\](http://e)");
        assert_eq!(
            escape("&amp; `c` $x$ ## ~s~ !"),
            "\\&amp; \\`c\\` \\$x\\$ \\#\\# \\~s\\~ \\!"
        );
        assert_eq!(escape("≥ 10y, 6/7"), "≥ 10y, 6/7");
    }
}
