//! `custody diff` output: a pull-request comment in GitHub-flavoured Markdown (summary
//! table first, one collapsed block per client), or one JSON document.

use super::{ClientDiff, Effect};
use crate::controls;
use serde::Serialize;
use std::fmt::Write;

/// The first line of every comment, so that a workflow finds and updates its own.
pub const MARKER: &str = "<!-- custody-policy-diff -->";

/// The pull-request comment. Values from policy files go through the one GitHub Markdown
/// escaper ([`crate::report::markdown::escape`]), so that a name can neither break the
/// tables, inject HTML, start a line, mention someone nor make a link.
pub fn render_markdown(diffs: &[ClientDiff]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{MARKER}");
    let _ = writeln!(s, "## Policy review\n");
    let shown: Vec<&ClientDiff> = diffs.iter().filter(|d| d.kind != "unchanged").collect();
    let unchanged = diffs.len() - shown.len();
    if shown.is_empty() {
        let _ = writeln!(
            s,
            "No policy changes ({}).",
            plural(unchanged, "client unchanged", "clients unchanged")
        );
        return s;
    }
    let total = |f: &dyn Fn(&ClientDiff) -> usize| shown.iter().map(|d| f(d)).sum::<usize>();
    let weakens = total(&|d| d.count(Effect::Weakens));
    let unjustified = total(&|d| d.unjustified());
    let strengthens = total(&|d| d.count(Effect::Strengthens));
    let status = total(&|d| d.status_changes.len());
    let mut kinds = Vec::new();
    for kind in ["changed", "added", "deleted"] {
        let n = shown.iter().filter(|d| d.kind == kind).count();
        if n > 0 {
            kinds.push(format!("{n} {kind}"));
        }
    }
    if unchanged > 0 {
        kinds.push(format!("{unchanged} unchanged"));
    }
    let _ = writeln!(
        s,
        "Clients: {}. Changes: {} weaken, {} strengthen; {} under the new policy.\n",
        kinds.join(", "),
        weakens,
        strengthens,
        plural(status, "control changes status", "controls change status")
    );
    if unjustified > 0 {
        let _ = writeln!(
            s,
            "⚠️ **{} without a waiver-style justification.**\n",
            plural(unjustified, "weakening", "weakenings")
        );
    }
    s.push_str("| Client | Diff | Changes | Weakens | Strengthens | Status changes |\n");
    s.push_str("|---|---|--:|--:|--:|--:|\n");
    for d in &shown {
        let w = d.count(Effect::Weakens);
        let u = d.unjustified();
        let weak = if u > 0 && u < w {
            format!("{w} ({u} unjustified)")
        } else if u > 0 {
            format!("{w} (unjustified)")
        } else {
            w.to_string()
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            text(&d.client),
            d.kind,
            d.changes.len(),
            weak,
            d.count(Effect::Strengthens),
            status_cell(d)
        );
    }
    for d in &shown {
        client_block(&mut s, d);
    }
    s
}

fn status_cell(d: &ClientDiff) -> String {
    if d.evidence_month.is_none() && d.status_changes.is_empty() {
        "—".to_owned()
    } else {
        d.status_changes.len().to_string()
    }
}

fn client_block(s: &mut String, d: &ClientDiff) {
    let status = if d.evidence_month.is_none() && d.status_changes.is_empty() {
        String::new()
    } else {
        format!(
            ", {}",
            plural(d.status_changes.len(), "status change", "status changes")
        )
    };
    let _ = writeln!(
        s,
        "\n<details><summary><b>{}</b> ({}): {}, {} weaken, {} strengthen{status}</summary>\n",
        html(&d.client),
        d.kind,
        plural(d.changes.len(), "change", "changes"),
        d.count(Effect::Weakens),
        d.count(Effect::Strengthens),
    );
    let mut changes: Vec<_> = d.changes.iter().collect();
    changes.sort_by_key(|c| match (c.effect, c.justified) {
        (Effect::Weakens, false) => 0,
        (Effect::Weakens, true) => 1,
        (Effect::Strengthens, _) => 2,
        (Effect::Neutral, _) => 3,
    });
    if changes.is_empty() {
        s.push_str("No policy changes.\n");
    } else {
        s.push_str("| Effect | Area | Change | Where |\n|---|---|---|---|\n");
        for c in changes {
            let effect = match (c.effect, c.justified) {
                (Effect::Weakens, false) => "🔴 weakens",
                (Effect::Weakens, true) => "🟠 weakens, justified",
                (Effect::Strengthens, _) => "🟢 strengthens",
                (Effect::Neutral, _) => "⚪ neutral",
            };
            let mut change = text(&c.reason);
            if let Some(by) = &c.justified_by {
                let _ = write!(change, " — justified by {}", text(by));
            } else if let Some(why) = &c.unjustified_because {
                let _ = write!(change, " — unjustified: {}", text(why));
            }
            let place = match c.line {
                Some(l) => format!("{}:{l}", c.file),
                None => c.file.clone(),
            };
            let _ = writeln!(
                s,
                "| {effect} | {} | {change} | {} |",
                text(&c.area),
                code(&place)
            );
        }
    }
    match (&d.evidence_month, d.status_changes.is_empty()) {
        (Some(m), true) => {
            let _ = writeln!(
                s,
                "\nNo control changes status against the evidence of {}.",
                text(m)
            );
        }
        (None, true) => {}
        (month, false) => {
            let of = month
                .as_ref()
                .map(|m| format!(" ({})", text(m)))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "\n**Effect on the latest evidence{of}**\n\n| Control | Before | After |\n|---|---|---|"
            );
            for c in &d.status_changes {
                let title = controls::find(&c.control)
                    .map(|k| format!(" {}", text(&k.title)))
                    .unwrap_or_default();
                let _ = writeln!(
                    s,
                    "| {}{title} | {} | {} |",
                    code(&c.control),
                    c.before.as_str(),
                    c.after.as_str()
                );
            }
        }
    }
    s.push_str("\n</details>\n");
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Text for a Markdown table cell or line: the one GitHub Markdown escaper (no table
/// break, HTML, markup, line break, mention, issue reference or autolink).
pub fn text(s: &str) -> String {
    crate::report::markdown::escape(s)
}

/// A code span for a table cell: HTML is inert inside it, a pipe still needs escaping,
/// and a backtick in the value lengthens the fence.
fn code(s: &str) -> String {
    // Mentions and links are not made inside code; line breaks and pipes still matter.
    let s: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let s = s.replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// Text inside an HTML element (`<summary>`), with the same neutralised references.
fn html(s: &str) -> String {
    crate::report::markdown::escape_html(s)
}

#[derive(Serialize)]
struct Doc<'a> {
    schema_version: u32,
    clients: &'a [ClientDiff],
}

/// `{"schema_version": 1, "clients": [...]}`, pretty-printed.
pub fn render_json(diffs: &[ClientDiff]) -> String {
    let mut out = serde_json::to_string_pretty(&Doc {
        schema_version: 1,
        clients: diffs,
    })
    .expect("diffs serialize");
    out.push('\n');
    out
}
