//! The one-page executive summary of a month (`<client>/<YYYY-MM>/summary.html`) and
//! the month's findings as a spreadsheet (`findings.csv`): for the client's management
//! and the MSP's account manager, in words, without commit hashes or object ids.

use super::history;
use super::views::{Brand, ScoreView, score_view};
use crate::scorecard::{ControlResult, Scorecard, Status};
use serde::Serialize;

/// At most this many actions on the page (it must print on one A4 page).
const TOP_ACTIONS: usize = 5;
/// Findings named per list of what changed, then "and N more".
const LISTED: usize = 6;
/// A finding is cut to this many characters on the summary.
const FINDING_CHARS: usize = 180;

#[derive(Serialize)]
pub struct Action {
    pub title: String,
    pub status_label: &'static str,
    pub status_key: &'static str,
    pub status_icon: &'static str,
    pub finding: String,
    pub responsible: String,
    pub accountable: String,
    pub history: Option<String>,
}

#[derive(Serialize)]
pub struct BackupLine {
    pub workload: String,
    pub success: String,
    pub restore: String,
}

#[derive(Serialize)]
pub struct Listed {
    pub names: Vec<String>,
    pub more: usize,
}

fn listed(rs: &[&ControlResult]) -> Listed {
    Listed {
        names: rs.iter().take(LISTED).map(|r| r.title.clone()).collect(),
        more: rs.len().saturating_sub(LISTED),
    }
}

#[derive(Serialize)]
pub struct SummaryPage {
    pub brand: Brand,
    pub root: String,
    pub title: String,
    pub description: String,
    pub month: String,
    pub overall: ScoreView,
    pub domains: Vec<ScoreView>,
    /// The month before, if one was evaluated; "since last month" is said only then.
    pub prev_month: Option<String>,
    /// "up 2.1 points", "down 0.4 points", "unchanged".
    pub score_change: Option<String>,
    pub new: Listed,
    pub fixed: Listed,
    pub still_open: usize,
    pub findings: usize,
    pub actions: Vec<Action>,
    pub more_actions: usize,
    pub licence_gaps: Vec<Action>,
    pub backup: Vec<BackupLine>,
    pub restore_tests: String,
    pub waivers_ending: Vec<String>,
}

fn action(r: &ControlResult, cards: &[&Scorecard], i: usize) -> Action {
    let v = super::views::status_view(r.status);
    let owner = r.owner.as_ref();
    Action {
        title: r.title.clone(),
        status_label: v.label,
        status_key: v.key,
        status_icon: v.icon,
        finding: shorten(&without_ids(&r.message), FINDING_CHARS),
        responsible: owner
            .map(|o| o.responsible.join(", "))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "nobody named".into()),
        accountable: owner
            .and_then(|o| o.accountable.clone())
            .unwrap_or_else(|| "nobody named".into()),
        history: history::label(cards, i, &r.control),
    }
}

/// `n` of a noun, in words a reader expects: "1 finding", "3 findings".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The summary of `cards[i]`, with the months before it for what changed.
pub fn summary_page(cards: &[&Scorecard], i: usize, logo: Option<&str>) -> SummaryPage {
    let s = cards[i];
    let prev = i.checked_sub(1).map(|j| cards[j]);
    let findings = crate::report::findings(s);
    let new = history::new_findings(cards, i);
    let fixed = history::fixed(cards, i);
    let score_change = match (prev.and_then(|p| p.score), s.score) {
        (Some(a), Some(b)) if (b - a).abs() >= 0.05 => Some(format!(
            "{} {:.1} points",
            if b > a { "up" } else { "down" },
            (b - a).abs()
        )),
        (Some(_), Some(_)) => Some("unchanged".to_owned()),
        _ => None,
    };
    let backup = s
        .backup
        .iter()
        .filter(|b| b.in_scope)
        .map(|b| BackupLine {
            workload: b.title.clone(),
            success: s
                .metrics
                .backup_success_percent
                .get(&b.workload)
                .map_or("no job results".to_owned(), |p| {
                    format!("{} of jobs succeeded", crate::controls::pct(*p))
                }),
            restore: match (&b.last_restore_test, &b.last_restore_result) {
                (Some(d), Some(r)) => format!("last restore test {d}, {r}"),
                (Some(d), None) => format!("last restore test {d}"),
                _ => "never restore-tested".to_owned(),
            },
        })
        .collect();
    let m = &s.metrics;
    let restore_tests = if m.restore_tests_due == 0 && m.restore_tests_done == 0 {
        "No restore test was due this month.".to_owned()
    } else {
        format!(
            "{} done this month; {} due.",
            count(
                m.restore_tests_done as usize,
                "restore test",
                "restore tests"
            ),
            m.restore_tests_due
        )
    };
    let waivers_ending = s
        .waivers
        .iter()
        .filter(|w| w.days_left <= 30)
        .map(|w| {
            let title = crate::controls::find(&w.control).map_or(w.control.as_str(), |c| &c.title);
            if w.state == "expired" {
                format!("{title}: expired on {}", w.expires)
            } else {
                format!(
                    "{title}: ends {} ({} left)",
                    w.expires,
                    count(w.days_left.max(0) as usize, "day", "days")
                )
            }
        })
        .collect();
    SummaryPage {
        brand: Brand {
            id: s.client.id.clone(),
            name: s.client.name.clone(),
            accent: s.client.accent.clone(),
            logo: logo.map(|l| format!("../assets/{l}")),
        },
        root: "../".into(),
        title: format!("{} — summary of {}", s.client.name, s.month),
        description: format!(
            "One-page summary of {}'s Microsoft 365 shared responsibility scorecard for {}.",
            s.client.name, s.month
        ),
        month: s.month.to_string(),
        overall: score_view("Overall", s.score),
        domains: s
            .domains
            .iter()
            .map(|d| score_view(&d.title, d.score))
            .collect(),
        prev_month: prev.map(|p| p.month.to_string()),
        score_change,
        new: listed(&new),
        fixed: listed(&fixed),
        still_open: findings.len() - new.len().min(findings.len()),
        findings: findings.len(),
        actions: findings
            .iter()
            .filter(|r| r.status != Status::Warn || findings.len() <= TOP_ACTIONS)
            .take(TOP_ACTIONS)
            .map(|r| action(r, cards, i))
            .collect(),
        more_actions: findings.len().saturating_sub(TOP_ACTIONS),
        licence_gaps: crate::report::licence_gaps(s)
            .into_iter()
            .map(|r| Action {
                finding: format!("needs {}", crate::report::licence_of(r)),
                ..action(r, cards, i)
            })
            .collect(),
        backup,
        restore_tests,
        waivers_ending,
    }
}

/// Object ids (GUIDs) out of a sentence for people: each becomes "an unnamed object".
/// A name is what a reader needs; an id that has none in the snapshot is not one.
pub fn without_ids(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if is_guid_at(b, i) {
            out.push_str("an unnamed object");
            i += 36;
        } else {
            let ch = s[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

fn is_guid_at(b: &[u8], i: usize) -> bool {
    let Some(w) = b.get(i..i + 36) else {
        return false;
    };
    // A GUID inside a longer run of hex or dashes is not one on its own.
    let boundary = |c: Option<&u8>| c.is_none_or(|c| !(c.is_ascii_hexdigit() || *c == b'-'));
    boundary(i.checked_sub(1).and_then(|j| b.get(j)))
        && boundary(b.get(i + 36))
        && w.iter().enumerate().all(|(k, c)| match k {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// At most `n` characters, cut at a word, with "…".
fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_owned();
    }
    let cut: String = s.chars().take(n).collect();
    let at = cut.rfind(' ').unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end_matches([',', ';', ':', ' ']))
}

/// The month's findings, one row each, for a spreadsheet. Every cell that a spreadsheet
/// would read as a formula (`=`, `+`, `-`, `@`, tab, carriage return first) gets a
/// leading `'`: names and messages come from client folders and Graph, and a cell
/// `=HYPERLINK(...)` must stay text (CSV injection).
pub fn findings_csv(cards: &[&Scorecard], i: usize) -> Vec<u8> {
    let s = cards[i];
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let header = [
        "client",
        "month",
        "control",
        "title",
        "status",
        "history",
        "measured",
        "threshold",
        "finding",
        "items",
        "accountable",
        "responsible",
        "licence",
    ];
    // Writing to a Vec cannot fail; a failure would be a bug in csv, reported as such.
    w.write_record(header).expect("csv to memory");
    let mut rows: Vec<&ControlResult> = crate::report::findings(s);
    rows.extend(crate::report::licence_gaps(s));
    for r in rows {
        let owner = r.owner.as_ref();
        let history = match history::label(cards, i, &r.control) {
            Some(h) => h,
            None if r.status == Status::NotLicensed => "licence gap".into(),
            None => String::new(),
        };
        let record = [
            s.client.id.clone(),
            s.month.to_string(),
            r.control.clone(),
            r.title.clone(),
            r.status.as_str().to_owned(),
            history,
            r.measured.clone().unwrap_or_default(),
            r.threshold.clone().unwrap_or_default(),
            r.message.clone(),
            r.items.join("; "),
            owner
                .and_then(|o| o.accountable.clone())
                .unwrap_or_default(),
            owner.map(|o| o.responsible.join(", ")).unwrap_or_default(),
            r.licence.clone().unwrap_or_default(),
        ];
        w.write_record(record.iter().map(|c| spreadsheet_safe(c).into_owned()))
            .expect("csv to memory");
    }
    w.into_inner().expect("csv to memory")
}

/// A cell a spreadsheet shows as text, never evaluates.
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\n') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_plain_ones_kept() {
        for bad in [
            "=HYPERLINK(\"https://evil.example\",\"x\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            let safe = spreadsheet_safe(bad);
            assert!(safe.starts_with('\''), "{bad:?} -> {safe:?}");
            assert_eq!(&safe[1..], bad);
        }
        assert_eq!(spreadsheet_safe("Admins lack MFA"), "Admins lack MFA");
        assert_eq!(spreadsheet_safe(""), "");
        assert_eq!(spreadsheet_safe("a=b"), "a=b");
    }

    #[test]
    fn ids_become_words_and_only_whole_ids() {
        assert_eq!(
            without_ids("principal 62e90394-69f5-4237-9190-012177145e10 holds a role"),
            "principal an unnamed object holds a role"
        );
        let longer = "a62e90394-69f5-4237-9190-012177145e10";
        assert_eq!(without_ids(longer), longer);
        assert_eq!(without_ids("é ünïcode"), "é ünïcode");
    }

    #[test]
    fn long_findings_are_cut_at_a_word() {
        let s = shorten(&"word ".repeat(100), 20);
        assert!(s.ends_with('…') && s.chars().count() <= 21, "{s}");
        assert_eq!(shorten("short", 20), "short");
    }
}
