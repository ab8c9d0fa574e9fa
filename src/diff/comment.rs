//! The pull-request comment of `custody diff`, bounded: GitHub refuses a comment over
//! 65,536 characters, and a pull request touching 2,000 clients would exceed it. The
//! full report (`render::render_markdown`) is posted as it is while it fits; otherwise
//! the comment is a summary per client and per control, each list cut with "… N more,
//! see the step summary/artifact", and the full report goes to the job's step summary or
//! an artifact (`custody diff --full-report FILE`).

use super::render::{MARKER, render_markdown, text};
use super::{ClientDiff, Effect};
use std::fmt::Write;

/// GitHub's limit on the body of an issue or pull-request comment, in characters.
pub const COMMENT_LIMIT: usize = 65_536;

/// What the comment may use, in bytes (never fewer than characters, so under the limit
/// whatever GitHub counts), with room to spare for the workflow.
const BUDGET: usize = 60_000;

/// Longest policy text quoted in a summary row, in characters, before escaping.
const QUOTE: usize = 160;

/// The comment for `diffs`: the full report when it fits, else the bounded summary.
/// Always at most [`COMMENT_LIMIT`] characters.
pub fn render_comment(diffs: &[ClientDiff]) -> String {
    let full = render_markdown(diffs);
    if full.len() <= BUDGET {
        return full;
    }
    summary(diffs, full.chars().count(), BUDGET)
}

/// `s` cut to `n` characters, with an ellipsis when cut. Cut before escaping, so that an
/// escape sequence is never split.
fn quote(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// Appends `rows` while they fit in `limit` bytes (keeping room for the closing line),
/// then says how many were left out.
fn bounded(s: &mut String, rows: impl ExactSizeIterator<Item = String>, limit: usize, what: &str) {
    const CLOSING: usize = 120;
    let total = rows.len();
    for (i, row) in rows.enumerate() {
        if s.len() + row.len() + CLOSING > limit {
            let _ = writeln!(
                s,
                "\n… {} more {what}, see the step summary/artifact.",
                total - i
            );
            return;
        }
        s.push_str(&row);
    }
}

fn summary(diffs: &[ClientDiff], full_chars: usize, budget: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{MARKER}");
    let _ = writeln!(s, "## Policy review\n");
    let shown: Vec<&ClientDiff> = diffs.iter().filter(|d| d.kind != "unchanged").collect();
    let sum = |f: &dyn Fn(&ClientDiff) -> usize| shown.iter().map(|d| f(d)).sum::<usize>();
    let weakens = sum(&|d| d.count(Effect::Weakens));
    let unjustified = sum(&|d| d.unjustified());
    let strengthens = sum(&|d| d.count(Effect::Strengthens));
    let status = sum(&|d| d.status_changes.len());
    let _ = writeln!(
        s,
        "{} of {} clients changed: {weakens} changes weaken ({unjustified} unjustified), {strengthens} strengthen; {status} control status changes on the latest evidence.\n",
        shown.len(),
        diffs.len(),
    );
    if unjustified > 0 {
        let _ = writeln!(
            s,
            "⚠️ **{unjustified} weakening{} without a justification.**\n",
            if unjustified == 1 { "" } else { "s" }
        );
    }
    let _ = writeln!(
        s,
        "The full report ({full_chars} characters) is longer than a pull-request comment may be: it is in the job's step summary or artifact. This comment lists the unjustified weakenings per client and control, then every changed client.\n"
    );

    // Unjustified weakenings first: they are what the review must answer.
    let rows: Vec<String> = shown
        .iter()
        .flat_map(|d| {
            d.changes
                .iter()
                .filter(|c| c.effect == Effect::Weakens && !c.justified)
                .map(move |c| {
                    let control = c
                        .controls
                        .first()
                        .map_or(c.subject.as_str(), String::as_str);
                    format!(
                        "| {} | {} | {} | {} |\n",
                        text(&d.client),
                        text(&quote(control, QUOTE)),
                        text(&quote(&c.reason, QUOTE)),
                        text(&quote(
                            c.unjustified_because.as_deref().unwrap_or("unjustified"),
                            QUOTE
                        )),
                    )
                })
        })
        .collect();
    // Clients with unjustified weakenings first, then by name (the input order).
    let mut clients = shown.clone();
    clients.sort_by_key(|d| std::cmp::Reverse(d.unjustified()));
    let client_rows: Vec<String> = clients
        .iter()
        .map(|d| {
            format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                text(&d.client),
                d.kind,
                d.changes.len(),
                d.count(Effect::Weakens),
                d.unjustified(),
                d.count(Effect::Strengthens),
            )
        })
        .collect();
    const CLIENTS: &str = "### Clients\n\n| Client | Diff | Changes | Weaken | Unjustified | Strengthen |\n|---|---|--:|--:|--:|--:|\n";
    if !rows.is_empty() {
        // The per-client table keeps what it needs, up to half of what is left; the
        // unjustified weakenings take the rest.
        let clients_need = CLIENTS.len() + client_rows.iter().map(String::len).sum::<usize>() + 200;
        let reserve = clients_need.min((budget - s.len()) / 2);
        s.push_str("### Unjustified weakenings\n\n| Client | Control | Change | Why unjustified |\n|---|---|---|---|\n");
        bounded(
            &mut s,
            rows.into_iter(),
            budget - reserve,
            "unjustified weakenings",
        );
        s.push('\n');
    }
    s.push_str(CLIENTS);
    bounded(&mut s, client_rows.into_iter(), budget, "clients");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_cuts_on_a_character_boundary() {
        assert_eq!(quote("äöü", 2), "äö…");
        assert_eq!(quote("abc", 3), "abc");
        // Cut before escaping: a backslash escape is never split from its character.
        assert_eq!(text(&quote("a|b", 1)), "a…");
    }
}
