//! `restore-tests.toml`: restore tests performed in a month.

use crate::diagnostic::{Diagnostic, SourceText};
use crate::duration::Duration;
use crate::policy::Workload;
use crate::policy::toml_doc::{At, TomlDoc};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::path::Path;
use toml::Spanned;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TestResult {
    Passed,
    Partial,
    Failed,
}

#[derive(Debug, Clone, Serialize)]
pub struct RestoreTest {
    pub date: Date,
    pub workload: Workload,
    pub item: String,
    pub result: TestResult,
    pub duration: Option<Duration>,
    pub ticket: Option<String>,
    pub performed_by: Option<String>,
    pub at: At,
    /// Where the test is recorded in its file: `line N`, or a JSON pointer.
    pub pointer: String,
}

/// A restore test.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTest {
    /// When the test was performed: a TOML date like 2026-11-12 (unquoted).
    #[schemars(with = "crate::model::schema_rules::TomlDate")]
    date: Spanned<toml::value::Datetime>,
    /// The workload restored.
    #[schemars(with = "Workload")]
    workload: Spanned<String>,
    /// What was restored.
    item: String,
    /// The outcome.
    #[schemars(with = "TestResult")]
    result: Spanned<String>,
    /// Time to restore, compared with the workload's rto.
    #[schemars(with = "Option<Duration>")]
    duration: Option<Spanned<String>>,
    /// The ticket reference.
    ticket: Option<String>,
    /// Who performed the test.
    performed_by: Option<String>,
}

/// Every restore test recorded in one month folder (`abs_dir`, repository-relative
/// `dir`), with its file: restore-tests.toml, Veeam's restore sessions and Microsoft 365
/// Backup's (`graph/restoreSessions.json`). Problems are returned; the month's own load
/// reports them too.
pub fn recorded_in(abs_dir: &Path, dir: &str) -> (Vec<(String, RestoreTest)>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let mut diags = Vec::new();
    // The same guarded read as the month's own load (links out of the repository,
    // size, encoding).
    if let Ok(Some(src)) = super::read_text(abs_dir, dir, super::RESTORE_TESTS) {
        let (tests, mut d) = parse(&src);
        diags.append(&mut d);
        out.extend(tests.into_iter().map(|t| (src.path.clone(), t)));
    }
    if let Some(super::Slot::Loaded(tests)) = super::veeam::load_restores(abs_dir, dir, &mut diags)
    {
        let rel = format!("{dir}/{}", super::veeam::RESTORE_SESSIONS);
        out.extend(tests.into_iter().map(|t| (rel.clone(), t)));
    }
    let graph = super::endpoints::Endpoint::RestoreSessions.file();
    if let Ok(Some(c)) =
        super::read_json::<super::graph::Collection<super::graph::RestoreSession>>(abs_dir, dir, graph)
        // A first page may lack the latest, failed session: then none count.
        && c.next_link.as_ref().is_none_or(|l| l.is_null())
    {
        let rel = format!("{dir}/{graph}");
        out.extend(
            from_m365_sessions(&rel, &c.value)
                .into_iter()
                .map(|t| (rel.clone(), t)),
        );
    }
    (out, diags)
}

/// Microsoft 365 Backup restore sessions as restore tests: the session's type names the
/// workload, `completed` passed, `completedWithError` partly, `failed` failed, created to
/// completed is the duration. Sessions not finished (draft, activating, active,
/// inProgress, ...) are not tests yet.
pub fn from_m365_sessions(
    rel: &str,
    sessions: &[super::graph::RestoreSession],
) -> Vec<RestoreTest> {
    let mut out = Vec::new();
    for (i, s) in sessions.iter().enumerate() {
        // Graph's own examples write both `sharePointRestoreSession` and
        // `sharepointRestoreSession`.
        let kind = s.odata_type.as_deref().unwrap_or("").to_ascii_lowercase();
        let workload = if kind.ends_with("exchangerestoresession") {
            Workload::Exchange
        } else if kind.ends_with("onedriveforbusinessrestoresession") {
            Workload::OneDrive
        } else if kind.ends_with("sharepointrestoresession") {
            Workload::SharePoint
        } else {
            continue;
        };
        let result = match s.status.as_deref() {
            Some("completed") => TestResult::Passed,
            Some("completedWithError") => TestResult::Partial,
            Some("failed") => TestResult::Failed,
            _ => continue,
        };
        // A finished session without its completion time still counts (a failed one
        // must), with no duration: it cannot show the RTO. Without any time it cannot
        // be dated, so it cannot be placed among the tests.
        let Some(day) = s.created_date_time.or(s.completed_date_time) else {
            continue;
        };
        let duration = match (s.created_date_time, s.completed_date_time) {
            (Some(start), Some(end)) => Some(Duration::from_minutes(
                ((end.as_second() - start.as_second()).max(0) as u64).div_ceil(60),
            )),
            _ => None,
        };
        out.push(RestoreTest {
            date: jiff::tz::Offset::UTC.to_datetime(day).date(),
            workload,
            item: format!("Microsoft 365 Backup restore session {}", s.id),
            result,
            duration,
            ticket: None,
            performed_by: None,
            at: At::file_start(rel),
            pointer: format!("/value/{i}"),
        });
    }
    out
}

/// Whether a test recorded in `file` counts when evaluating `month`: dated by the
/// month's end; and for a product's session export, recorded in that month's folder or
/// an earlier one. Exports list every session so far, so a later month's file repeats
/// earlier sessions: it must never change a month already evaluated (its pages and pack
/// stay as built). A test written into a later restore-tests.toml and dated back is a
/// late record, and counts for the months it is dated in.
pub fn counts_for(file: &str, test: &RestoreTest, month: crate::month::Month) -> bool {
    if test.date > month.last_day() {
        return false;
    }
    if file.ends_with(super::RESTORE_TESTS) {
        return true;
    }
    file.split('/')
        .nth(2)
        .and_then(|m| crate::month::Month::parse(m).ok())
        .is_none_or(|m| m <= month)
}

pub fn parse(src: &SourceText) -> (Vec<RestoreTest>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let Some(mut doc) = TomlDoc::parse(src, &mut diags) else {
        return (Vec::new(), diags);
    };
    doc.check_keys(&["test"]);
    let mut tests = Vec::new();
    for raw in doc.array::<RawTest>("test") {
        let dt = raw.date.get_ref();
        let date = match (dt.date, dt.time) {
            (Some(d), None) => Date::new(d.year as i16, d.month as i8, d.day as i8).ok(),
            _ => None,
        };
        if date.is_none() {
            doc.error(
                raw.date.span().start,
                format!("`date` must be a date like 2026-11-12, found {dt}"),
            );
        }
        let workload = Workload::parse(raw.workload.get_ref());
        if workload.is_none() {
            doc.error(
                raw.workload.span().start,
                format!(
                    "unknown workload {:?}, expected exchange, onedrive, sharepoint or teams",
                    raw.workload.get_ref()
                ),
            );
        }
        let result = match raw.result.get_ref().as_str() {
            "passed" => Some(TestResult::Passed),
            "partial" => Some(TestResult::Partial),
            "failed" => Some(TestResult::Failed),
            other => {
                doc.error(
                    raw.result.span().start,
                    format!(
                        "unknown result {other:?}, expected \"passed\", \"partial\" or \"failed\""
                    ),
                );
                None
            }
        };
        let duration = match &raw.duration {
            Some(d) => match Duration::parse(d.get_ref()) {
                Ok(v) => Some(v),
                Err(e) => {
                    doc.error(d.span().start, format!("`duration`: {e}"));
                    None
                }
            },
            None => None,
        };
        if let (Some(date), Some(workload), Some(result)) = (date, workload, result) {
            let at = At::of(src, raw.date.span().start);
            tests.push(RestoreTest {
                pointer: format!("line {}", at.line),
                at,
                date,
                workload,
                item: raw.item,
                result,
                duration,
                ticket: raw.ticket,
                performed_by: raw.performed_by,
            });
        }
    }
    diags.append(&mut doc.diags);
    (tests, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_locates_errors() {
        let src = SourceText::new(
            "r.toml",
            "[[test]]\ndate = 2026-11-12\nworkload = \"exchange\"\nitem = \"x\"\nresult = \"passed\"\nduration = \"45m\"\n\n[[test]]\ndate = 2026-11-13\nworkload = \"exchange\"\nitem = \"y\"\nresult = \"ok\"\n".into(),
        );
        let (tests, diags) = parse(&src);
        assert_eq!(tests.len(), 1);
        assert_eq!(tests[0].duration.unwrap().minutes(), 45);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].line, Some(12));
    }

    #[test]
    fn workload_names_are_case_insensitive() {
        let src = SourceText::new(
            "r.toml",
            "[[test]]\ndate = 2026-11-12\nworkload = \"SharePoint\"\nitem = \"x\"\nresult = \"passed\"\n".into(),
        );
        let (tests, diags) = parse(&src);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(tests[0].workload, Workload::SharePoint);
    }

    #[test]
    fn microsoft_365_backup_sessions_become_tests_when_finished() {
        let body = r##"{"value":[
          {"@odata.type":"#microsoft.graph.sharepointRestoreSession","id":"a","status":"completed","createdDateTime":"2026-11-10T09:00:00Z","completedDateTime":"2026-11-10T10:00:30Z"},
          {"@odata.type":"#microsoft.graph.exchangeRestoreSession","id":"b","status":"completedWithError","createdDateTime":"2026-11-11T09:00:00Z","completedDateTime":"2026-11-11T09:20:00Z"},
          {"@odata.type":"#microsoft.graph.oneDriveForBusinessRestoreSession","id":"c","status":"failed","createdDateTime":"2026-11-12T09:00:00Z","completedDateTime":"2026-11-12T09:01:00Z"},
          {"@odata.type":"#microsoft.graph.exchangeRestoreSession","id":"d","status":"active","createdDateTime":"2026-11-13T09:00:00Z"}
        ]}"##;
        let c: crate::evidence::graph::Collection<crate::evidence::graph::RestoreSession> =
            serde_json::from_str(body).expect("graph shape");
        let tests = from_m365_sessions("g.json", &c.value);
        let got: Vec<_> = tests
            .iter()
            .map(|t| {
                (
                    t.workload,
                    t.result,
                    t.duration.map(|d| d.minutes()),
                    t.pointer.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    Workload::SharePoint,
                    TestResult::Passed,
                    Some(61),
                    "/value/0"
                ),
                (
                    Workload::Exchange,
                    TestResult::Partial,
                    Some(20),
                    "/value/1"
                ),
                (Workload::OneDrive, TestResult::Failed, Some(1), "/value/2"),
            ]
        );
    }

    /// Regression: product exports repeat every earlier session, so November's
    /// RestoreSessions.json holds October's; counted for October it changed a month
    /// already built (its pages, its cache key, and verify of its pack).
    #[test]
    fn a_later_months_file_never_counts_for_an_earlier_month() {
        let t = RestoreTest {
            date: jiff::civil::date(2026, 10, 20),
            workload: Workload::Exchange,
            item: "x".into(),
            result: TestResult::Passed,
            duration: None,
            ticket: None,
            performed_by: None,
            at: At::file_start("f"),
            pointer: String::new(),
        };
        let oct = crate::month::Month::parse("2026-10").expect("month");
        let nov = crate::month::Month::parse("2026-11").expect("month");
        let later = "evidence/acme/2026-11/backup/veeam/RestoreSessions.json";
        let same = "evidence/acme/2026-10/restore-tests.toml";
        assert!(!counts_for(later, &t, oct));
        assert!(counts_for(later, &t, nov));
        assert!(counts_for(same, &t, oct));
        let sept = crate::month::Month::parse("2026-09").expect("month");
        assert!(!counts_for(same, &t, sept), "dated after the month");
        // A late record in a later restore-tests.toml counts where it is dated.
        assert!(counts_for(
            "evidence/acme/2026-11/restore-tests.toml",
            &t,
            oct
        ));
    }
}
