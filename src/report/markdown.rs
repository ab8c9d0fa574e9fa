//! `--format markdown`: a GitHub-flavoured summary per client (score, domain table,
//! the controls that need attention with owner, measured value and threshold), for a
//! job summary or a pull-request comment. Every value from input is escaped, so a
//! client name or a finding cannot break a table, inject HTML or start a link.

use super::{CheckReport, findings, licence_gaps, licence_of, location};
use crate::scorecard::{ControlResult, Scorecard, Status};
use std::fmt::Write;

/// Offending items quoted in a table cell; the rest are counted.
const ITEMS_IN_CELL: usize = 3;

/// Inserted where GitHub would otherwise see a reference (`@user`, `#12`, `GH-12`, a URL
/// or `www.` link, an e-mail address): U+2060 WORD JOINER is invisible and never part of
/// a name, so the text reads the same but no longer matches GitHub's patterns. (A
/// backslash is not enough: GitHub finds mentions and references in the rendered text.)
pub const JOINER: char = '\u{2060}';

/// Escapes user-controlled text (client names, RACI parties, policy names, UPNs) for
/// GitHub-flavoured Markdown, table cells included. The one escaper of every Markdown
/// printer (`--format markdown|github` and the `diff` pull-request comment):
/// - line breaks, other control characters and bidirectional overrides become spaces, so
///   a value never starts a new line (a heading, a list, a workflow command);
/// - every ASCII punctuation character with a meaning inline (`\ ` * _ [ ] ( ) < > | ~ & #
///   $ ! =`) gets a backslash (CommonMark allows one before any ASCII punctuation): no
///   emphasis, code, link, image, HTML, entity or table pipe;
/// - a leading `-`, `+` or number followed by `.`/`)` is escaped too (no list item);
/// - `@`, `#`/`GH-` before a digit, `://` and `www.` get a [`JOINER`]: no mention, issue
///   reference or autolink.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    // Leading blanks go: after a list marker, four of them would open a code block.
    let chars: Vec<char> = s
        .trim_start_matches(|c: char| c.is_whitespace() || is_breaking(c))
        .chars()
        .collect();
    // The value may follow a list marker (`- {}`): what it starts with, after blanks,
    // must not open a nested list.
    let mut seen = false;
    let mut digits_only = true;
    for (i, &c) in chars.iter().enumerate() {
        if is_breaking(c) {
            out.push(' ');
            continue;
        }
        if "\\`*_[]()<>|~&#$!=".contains(c)
            || (!seen && (c == '-' || c == '+'))
            || (seen && digits_only && (c == '.' || c == ')'))
        {
            out.push('\\');
        }
        if !c.is_whitespace() {
            seen = true;
            digits_only &= c.is_ascii_digit();
        }
        out.push(c);
        if breaks_reference(&chars, i, chars.get(i + 1).copied()) {
            out.push(JOINER);
        }
    }
    out
}

/// The same text for inside an HTML element in Markdown (a `<summary>`), where backslash
/// escapes do not apply: HTML entities, and the same [`JOINER`]s.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            c if is_breaking(c) => out.push(' '),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Markdown is not parsed inside an HTML block, but these keep a stray
            // blank-line-terminated block from turning the rest into markup.
            '*' | '_' | '`' | '[' | ']' | '|' | '~' | '\\' | '#' | '!' => {
                let _ = write!(out, "&#{};", u32::from(c));
            }
            c => out.push(c),
        }
        if breaks_reference(&chars, i, chars.get(i + 1).copied()) {
            out.push(JOINER);
        }
    }
    out
}

/// Line and paragraph breaks, control characters, and the bidirectional overrides and
/// isolates that make text read differently from what it is.
fn is_breaking(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether a [`JOINER`] goes after `chars[i]`: between `@` and a name, `#` and a number,
/// `GH` and `-`, `:` and `//`, `www` and `.`.
fn breaks_reference(chars: &[char], i: usize, next: Option<char>) -> bool {
    let Some(next) = next else {
        return false;
    };
    let c = chars[i];
    let lower = |j: usize| chars.get(j).map(char::to_ascii_lowercase);
    match c {
        '@' => true,
        '#' => next.is_ascii_alphanumeric(),
        ':' => next == '/',
        'h' | 'H' => next == '-' && i > 0 && lower(i - 1) == Some('g'),
        'w' | 'W' => {
            next == '.' && i >= 2 && lower(i - 1) == Some('w') && lower(i - 2) == Some('w')
        }
        _ => false,
    }
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
        Status::NotLicensed => "licence gap",
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
        "## {} — {}\n\nMonth **{}** · score **{}**/100 · {} fail, {} no evidence, {} warn, {} waived, {} pass, {} not licensed, {} n/a\n",
        escape(&s.client.id),
        escape(&s.client.name),
        s.month,
        score(s.score),
        c.fail,
        c.no_evidence,
        c.warn,
        c.waived,
        c.pass,
        c.not_licensed,
        c.not_applicable
    );
    out.push_str("| Domain | Weight | Score | Pass | Fail | No evidence | Warn | Waived | Not licensed | N/A |\n");
    out.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for d in &s.domains {
        let k = d.counts;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            escape(&d.title),
            d.weight,
            score(d.score),
            k.pass,
            k.fail,
            k.no_evidence,
            k.warn,
            k.waived,
            k.not_licensed,
            k.not_applicable
        );
    }
    out.push('\n');
    let gaps = licence_gaps(s);
    if !gaps.is_empty() {
        // Listed apart from the findings: a licence to buy, left out of the score.
        let _ = writeln!(out, "### Licence gaps (not scored)\n");
        for r in gaps {
            let _ = writeln!(
                out,
                "- `{}` {}: needs {}",
                r.control.replace(['`', '|'], ""),
                escape(&r.title),
                escape(licence_of(r))
            );
        }
        out.push('\n');
    }
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
        let j = JOINER;
        assert_eq!(escape("a | b"), "a \\| b");
        assert_eq!(escape("line\nbreak\r\n"), "line break  ");
        assert_eq!(
            escape("<script>*x*</script>"),
            "\\<script\\>\\*x\\*\\</script\\>"
        );
        assert_eq!(escape("[l](http://e)"), format!("\\[l\\]\\(http:{j}//e\\)"));
        assert_eq!(
            escape("&amp; `c` $x$ ## ~s~ !"),
            "\\&amp; \\`c\\` \\$x\\$ \\#\\# \\~s\\~ \\!"
        );
        assert_eq!(escape("≥ 10y, 6/7"), "≥ 10y, 6/7");
    }

    #[test]
    fn mentions_references_and_autolinks_are_broken() {
        let j = JOINER;
        assert_eq!(escape("@octocat"), format!("@{j}octocat"));
        assert_eq!(escape("ceo@acme.example"), format!("ceo@{j}acme.example"));
        assert_eq!(escape("fixes #12"), format!("fixes \\#{j}12"));
        assert_eq!(escape("gh-12 GH-7"), format!("gh{j}-12 GH{j}-7"));
        assert_eq!(escape("WWW.evil.example"), format!("WWW{j}.evil.example"));
        assert_eq!(escape("https://x"), format!("https:{j}//x"));
        // Nothing can open a list, a heading or a quote when it follows `- `.
        assert_eq!(escape("- x"), "\\- x");
        assert_eq!(escape("  + x"), "\\+ x");
        assert_eq!(escape("12. x"), "12\\. x");
        assert_eq!(escape("3) x"), "3\\) x");
        assert_eq!(escape("v1.2"), "v1.2");
        assert_eq!(escape("a\u{2028}b\u{202E}c"), "a b c");
        assert_eq!(
            escape_html("<b>@x</b> & #1"),
            format!("&lt;b&gt;@{j}x&lt;/b&gt; &amp; &#35;{j}1")
        );
    }

    /// What GitHub would make of text: a mention, an issue reference or an autolink
    /// (the extensions pulldown-cmark does not implement, checked on the text).
    fn github_reference(text: &str) -> Option<String> {
        let lower = text.to_ascii_lowercase();
        let b = lower.as_bytes();
        for (i, &c) in b.iter().enumerate() {
            let next = b.get(i + 1).copied().unwrap_or(b' ');
            let name = next.is_ascii_alphanumeric() || next == b'-' || next == b'_';
            if c == b'@' && name {
                return Some(format!("mention or e-mail at {i}"));
            }
            if c == b'#' && next.is_ascii_alphanumeric() {
                return Some(format!("issue reference at {i}"));
            }
        }
        for pat in ["://", "www.", "gh-"] {
            if lower.contains(pat) {
                return Some(format!("autolink or reference {pat:?}"));
            }
        }
        None
    }

    /// Everything that `escape(s)` yields, in a table cell and after a list marker, must
    /// be exactly `s` as plain text in one cell of one row, and in one list item: no
    /// markup, HTML, code, link, line break, nested block, nor anything GitHub would turn
    /// into a mention, reference or link.
    fn problems_in_a_cell(s: &str, escape: fn(&str) -> String) -> Option<String> {
        use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
        let e = escape(s);
        let md = format!("| a | b |\n| --- | --- |\n| x | - {e} |\n\n- {e}\n");
        let opts = Options::ENABLE_TABLES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_TASKLISTS
            | Options::ENABLE_FOOTNOTES
            | Options::ENABLE_MATH
            | Options::ENABLE_GFM;
        let (mut rows, mut cells, mut items) = (0, 0, 0);
        let (mut cell_text, mut item_text) = (String::new(), String::new());
        for ev in Parser::new_ext(&md, opts) {
            match ev {
                Event::Start(Tag::TableHead | Tag::TableRow) => {
                    rows += 1;
                    cells = 0;
                }
                Event::End(TagEnd::TableHead | TagEnd::TableRow) if cells != 2 => {
                    return Some(format!("a row of {cells} cells"));
                }
                Event::Start(Tag::TableCell) => cells += 1,
                Event::Start(Tag::Item) => items += 1,
                Event::Start(Tag::Table(_) | Tag::Paragraph | Tag::List(None)) | Event::End(_) => {}
                Event::Text(t) if items == 0 && rows == 2 && cells == 2 => cell_text.push_str(&t),
                Event::Text(t) if items > 0 => item_text.push_str(&t),
                Event::Text(_) => {}
                other => return Some(format!("{other:?}")),
            }
        }
        if rows != 2 || items != 1 {
            return Some(format!("{rows} table rows and {items} list items"));
        }
        let want: String = s
            .chars()
            .map(|c| if is_breaking(c) { ' ' } else { c })
            .collect();
        let in_cell = cell_text.strip_prefix('-').unwrap_or(&cell_text);
        for got in [in_cell, item_text.as_str()] {
            // The joiners are what breaks the references: checked with them, compared
            // without (they are invisible).
            if let Some(r) = github_reference(got) {
                return Some(r);
            }
            let got = got.replace(JOINER, "");
            if got.trim() != want.trim() {
                return Some(format!("text {got:?}, expected {want:?}"));
            }
        }
        None
    }

    #[test]
    fn no_escaped_value_yields_markup_a_mention_a_link_or_a_line_break() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, RngSeed, TestRunner};
        let fragments = prop::sample::select(vec![
            "@",
            "#",
            "12",
            "1.",
            "3)",
            "http",
            "https",
            "://",
            ":",
            "/",
            "www",
            "WwW",
            ".",
            "<",
            ">",
            "<b>",
            "</a>",
            "&",
            "amp;",
            "#x40;",
            "|",
            "\n",
            "\r\n",
            "\u{2028}",
            "*",
            "**",
            "_",
            "__",
            "[",
            "]",
            "(",
            ")",
            "![",
            "`",
            "``",
            "~",
            "~~",
            "$",
            "\\",
            "-",
            "+",
            "=",
            "!",
            " ",
            "   ",
            "a",
            "user",
            "gh-",
            "GH",
            "x@y.com",
            "mailto:",
            "\u{202E}",
            "\t",
            "::error::",
            ">",
            "[^1]",
            "é",
            "<!--",
        ]);
        let strategy = prop::collection::vec(fragments, 0..12).prop_map(|v| v.concat());
        let mut runner = TestRunner::new(Config {
            cases: 2000,
            rng_seed: RngSeed::Fixed(0x6d61726b),
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&strategy, |s| {
            if let Some(p) = problems_in_a_cell(&s, escape) {
                return Err(proptest::test_runner::TestCaseError::fail(format!(
                    "{s:?} → {:?}: {p}",
                    escape(&s)
                )));
            }
            Ok(())
        });
        if let Err(e) = result {
            panic!("{e}");
        }
        // The checker is not vacuous: unescaped, each of these is caught.
        for raw in [
            "@a", "x\ny", "<b>", "[l](u)", "- x", "a | b", "#1", "www.x", "*e*", "`c`", "&amp;",
            "1. x", "    code", "$m$", "a@b.co", "http://x",
        ] {
            assert!(
                problems_in_a_cell(raw, str::to_owned).is_some(),
                "the checker misses {raw:?}"
            );
        }
    }
}
