//! Backup job runs from CSV: custody's neutral `backup-jobs.csv` (documented in the
//! README), or a backup product's own export read through the column and status
//! mapping of backup.toml's `[csv]`. Both become the same `BackupJob`s.

use crate::diagnostic::Diagnostic;
use crate::policy::{CsvExport, MappedStatus, Workload};
use jiff::Timestamp;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Success,
    Warning,
    Failed,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Success => "success",
            JobStatus::Warning => "warning",
            JobStatus::Failed => "failed",
        }
    }

    /// `success`, `warning` or `failed`, in any letter case.
    pub fn parse(s: &str) -> Option<JobStatus> {
        [JobStatus::Success, JobStatus::Warning, JobStatus::Failed]
            .into_iter()
            .find(|x| x.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct BackupJob {
    pub job_id: String,
    pub workload: Workload,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    pub status: JobStatus,
    pub items_total: Option<u64>,
    pub items_protected: Option<u64>,
    pub product: Option<String>,
    /// Where the run is recorded in its file: `line N` of a CSV, a JSON pointer in a
    /// Veeam export.
    pub pointer: String,
}

impl BackupJob {
    /// Finished with data protected (success or warning): counts for the RPO gap.
    pub fn protected_data(&self) -> bool {
        self.status != JobStatus::Failed && self.finished_at.is_some()
    }
}

/// How a CSV's columns and values are read.
struct Layout<'a> {
    job: &'a str,
    workload: &'a str,
    start: &'a str,
    end: &'a str,
    status: &'a str,
    items_total: Option<&'a str>,
    items_protected: Option<&'a str>,
    product: Option<&'a str>,
    /// `None`: the neutral file; else the product's mapping.
    mapping: Option<&'a CsvExport>,
}

const NEUTRAL: Layout<'static> = Layout {
    job: "job_id",
    workload: "workload",
    start: "started_at",
    end: "finished_at",
    status: "status",
    items_total: Some("items_total"),
    items_protected: Some("items_protected"),
    product: Some("product"),
    mapping: None,
};

/// Parses backup-jobs.csv; every bad row is a diagnostic naming its line, and the good
/// rows are kept.
pub fn parse(file: &str, text: &str) -> (Vec<BackupJob>, Vec<Diagnostic>) {
    parse_with(file, text, &NEUTRAL)
}

/// Parses a product's export through its `[csv]` mapping: the same rules, with the
/// product's column names, statuses, workload names and date format. A status the
/// mapping does not list is bad input naming the line: never guessed.
pub fn parse_mapped(
    file: &str,
    text: &str,
    mapping: &CsvExport,
) -> (Vec<BackupJob>, Vec<Diagnostic>) {
    let c = &mapping.columns;
    let layout = Layout {
        job: &c.job,
        workload: &c.workload,
        start: &c.start,
        end: &c.end,
        status: &c.status,
        items_total: c.items_total.as_deref(),
        items_protected: c.items_protected.as_deref(),
        product: None,
        mapping: Some(mapping),
    };
    parse_with(file, text, &layout)
}

/// What is wrong with one value of a job row; each becomes a diagnostic at the row's
/// CSV line. The words are for the MSP who reads the export: they name the column and
/// what was found.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RowProblem {
    /// backup-jobs.csv: a status that is not success, warning or failed.
    Status { found: String },
    /// A mapped export: a status `status_map` does not map (`known` lists what it maps).
    UnmappedStatus {
        found: String,
        column: String,
        known: Vec<String>,
    },
    /// backup-jobs.csv: a workload that is none of the four.
    Workload { found: String },
    /// A mapped export: a workload neither known nor in `workload_map`.
    UnmappedWorkload { found: String, column: String },
    /// backup-jobs.csv: a time that is not RFC 3339.
    Timestamp { column: String, found: String },
    /// A mapped export: a time not in the export's date format (`None`: the defaults).
    Date {
        column: String,
        found: String,
        format: Option<String>,
    },
    /// A mapped export: a civil time and no `utc_offset` to place it.
    NoOffset { column: String, found: String },
    /// A mapped export: the offset cannot place the time (out of range).
    OutOfRange {
        column: String,
        found: String,
        why: String,
    },
    /// A required column is empty.
    Required { column: String },
    /// An item count that is not a whole number.
    NotANumber { column: String, found: String },
    /// More items protected than in scope.
    MoreProtectedThanTotal {
        protected_column: String,
        protected: u64,
        total_column: String,
        total: u64,
    },
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RowProblem::Status { found } => write!(
                f,
                "`status` must be success, warning or failed, found {found:?}"
            ),
            RowProblem::UnmappedStatus {
                found,
                column,
                known,
            } => write!(
                f,
                "unknown status {found:?} in column {column:?}: add it to `status_map` in backup.toml [csv] (it maps {})",
                known
                    .iter()
                    .map(|k| format!("{k:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            RowProblem::Workload { found } => write!(
                f,
                "`workload` must be exchange, onedrive, sharepoint or teams, found {found:?}"
            ),
            RowProblem::UnmappedWorkload { found, column } => write!(
                f,
                "unknown workload {found:?} in column {column:?}: expected exchange, onedrive, sharepoint or teams, or a name in `workload_map`"
            ),
            RowProblem::Timestamp { column, found } => write!(
                f,
                "`{column}` must be an RFC 3339 timestamp like 2026-11-03T01:00:00Z, found {found:?}"
            ),
            RowProblem::Date {
                column,
                found,
                format,
            } => write!(
                f,
                "column {column:?}: {found:?} is not a date in {}",
                format.as_deref().map_or_else(
                    || "RFC 3339 (2026-11-03T01:00:00Z) or YYYY-MM-DD HH:MM[:SS]; set `date_format` in backup.toml [csv] for other formats".to_owned(),
                    |f| format!("the format {f:?} (`date_format`)")
                )
            ),
            RowProblem::NoOffset { column, found } => write!(
                f,
                "column {column:?}: {found:?} has no UTC offset: set `utc_offset` in backup.toml [csv] to the export's time zone offset (\"+00:00\" for UTC)"
            ),
            RowProblem::OutOfRange { column, found, why } => {
                write!(f, "column {column:?}: {found:?}: {why}")
            }
            RowProblem::Required { column } => write!(f, "`{column}` is required"),
            RowProblem::NotANumber { column, found } => {
                write!(f, "`{column}` must be a whole number, found {found:?}")
            }
            RowProblem::MoreProtectedThanTotal {
                protected_column,
                protected,
                total_column,
                total,
            } => write!(
                f,
                "`{protected_column}` ({protected}) exceeds `{total_column}` ({total})"
            ),
        }
    }
}

impl std::error::Error for RowProblem {}

/// A status: `Ok(Some)` a finished run, `Ok(None)` one still running (not counted).
fn status_of(layout: &Layout, v: Option<&str>) -> Result<Option<JobStatus>, RowProblem> {
    match layout.mapping {
        None => v
            .and_then(JobStatus::parse)
            .map(Some)
            .ok_or_else(|| RowProblem::Status {
                found: v.unwrap_or("").to_owned(),
            }),
        Some(m) => {
            let v = v.unwrap_or("").trim();
            match m
                .status_map
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(v))
                .map(|(_, s)| *s)
            {
                Some(MappedStatus::Success) => Ok(Some(JobStatus::Success)),
                Some(MappedStatus::Warning) => Ok(Some(JobStatus::Warning)),
                Some(MappedStatus::Failed) => Ok(Some(JobStatus::Failed)),
                Some(MappedStatus::Running) => Ok(None),
                None => Err(RowProblem::UnmappedStatus {
                    found: v.to_owned(),
                    column: layout.status.to_owned(),
                    known: m.status_map.iter().map(|(k, _)| k.clone()).collect(),
                }),
            }
        }
    }
}

fn workload_of(layout: &Layout, v: Option<&str>) -> Result<Workload, RowProblem> {
    let v = v.unwrap_or("").trim();
    let mapped = layout.mapping.and_then(|m| {
        m.workload_map
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(v))
            .map(|(_, w)| *w)
    });
    mapped
        .or_else(|| Workload::parse(v))
        .ok_or_else(|| match layout.mapping {
            None => RowProblem::Workload {
                found: v.to_owned(),
            },
            Some(_) => RowProblem::UnmappedWorkload {
                found: v.to_owned(),
                column: layout.workload.to_owned(),
            },
        })
}

/// A date as the layout writes it.
fn time_of(layout: &Layout, column: &str, v: &str) -> Result<Timestamp, RowProblem> {
    let v = v.trim();
    let Some(m) = layout.mapping else {
        return v.parse::<Timestamp>().map_err(|_| RowProblem::Timestamp {
            column: column.to_owned(),
            found: v.to_owned(),
        });
    };
    if let Ok(t) = v.parse::<Timestamp>() {
        return Ok(t);
    }
    let civil = match &m.date_format {
        Some(f) => match jiff::fmt::strtime::parse(f, v) {
            // A format with an offset (%z) gives the instant itself.
            Ok(tm) => match tm.to_timestamp() {
                Ok(t) => return Ok(t),
                Err(_) => tm.to_datetime().map_err(|e| e.to_string()),
            },
            Err(e) => Err(e.to_string()),
        },
        None => v
            .parse::<jiff::civil::DateTime>()
            .map_err(|e| e.to_string()),
    };
    let civil = civil.map_err(|_| RowProblem::Date {
        column: column.to_owned(),
        found: v.to_owned(),
        format: m.date_format.clone(),
    })?;
    let Some(secs) = m.utc_offset_seconds else {
        return Err(RowProblem::NoOffset {
            column: column.to_owned(),
            found: v.to_owned(),
        });
    };
    jiff::tz::Offset::from_seconds(secs)
        .and_then(|o| o.to_timestamp(civil))
        .map_err(|e| RowProblem::OutOfRange {
            column: column.to_owned(),
            found: v.to_owned(),
            why: e.to_string(),
        })
}

fn parse_with(file: &str, text: &str, layout: &Layout) -> (Vec<BackupJob>, Vec<Diagnostic>) {
    let mut jobs = Vec::new();
    let mut diags = Vec::new();
    let delimiter = layout.mapping.map_or(b',', |m| m.delimiter);
    // A UTF-8 byte-order mark (Excel's "CSV UTF-8") is not part of the first header.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return (
                jobs,
                vec![Diagnostic::file(
                    file,
                    format!("cannot read CSV header: {e}"),
                )],
            );
        }
    };
    let col = |name: &str| headers.iter().position(|h| h == name);
    let required = [
        layout.job,
        layout.workload,
        layout.start,
        layout.status,
        layout.end,
    ];
    let mut missing: Vec<&str> = required
        .iter()
        .copied()
        .chain(
            layout
                .mapping
                .into_iter()
                .flat_map(|_| [layout.items_total, layout.items_protected])
                .flatten(),
        )
        .filter(|c| col(c).is_none())
        .collect();
    missing.dedup();
    if !missing.is_empty() {
        let message = match layout.mapping {
            None => format!(
                "missing column(s) {}; the header must include {}",
                missing.join(", "),
                required.join(", ")
            ),
            Some(_) => format!(
                "missing column(s) {} named in backup.toml [csv] columns; the header has {}",
                missing
                    .iter()
                    .map(|c| format!("{c:?}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                headers
                    .iter()
                    .map(|c| format!("{c:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let d = Diagnostic {
            line: Some(1),
            ..Diagnostic::file(file, message)
        };
        return (jobs, vec![d]);
    }
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize);
                diags.push(Diagnostic {
                    line,
                    ..Diagnostic::file(file, format!("bad CSV row: {e}"))
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let get = |name: &str| {
            col(name)
                .and_then(|i| record.get(i))
                .filter(|s| !s.is_empty())
        };
        let mut problems = Vec::new();
        let workload = workload_of(layout, get(layout.workload))
            .map_err(|e| problems.push(e))
            .ok();
        let time = |name: &str, problems: &mut Vec<RowProblem>| -> Option<Timestamp> {
            let v = get(name)?;
            time_of(layout, name, v).map_err(|e| problems.push(e)).ok()
        };
        let started_at = time(layout.start, &mut problems);
        if get(layout.start).is_none() {
            problems.push(RowProblem::Required {
                column: layout.start.to_owned(),
            });
        }
        let finished_at = time(layout.end, &mut problems);
        let status = status_of(layout, get(layout.status))
            .map_err(|e| problems.push(e))
            .ok();
        let count = |name: Option<&str>, problems: &mut Vec<RowProblem>| -> Option<u64> {
            let name = name?;
            let v = get(name)?;
            // Exports written for people group thousands ("1,204").
            let digits: String = v
                .chars()
                .filter(|c| !matches!(c, ',' | ' ' | '_'))
                .collect();
            digits
                .parse()
                .map_err(|_| {
                    problems.push(RowProblem::NotANumber {
                        column: name.to_owned(),
                        found: v.to_owned(),
                    })
                })
                .ok()
        };
        let items_total = count(layout.items_total, &mut problems);
        let items_protected = count(layout.items_protected, &mut problems);
        if let (Some(t), Some(p)) = (items_total, items_protected)
            && p > t
        {
            problems.push(RowProblem::MoreProtectedThanTotal {
                protected_column: layout.items_protected.unwrap_or_default().to_owned(),
                protected: p,
                total_column: layout.items_total.unwrap_or_default().to_owned(),
                total: t,
            });
        }
        match (workload, started_at, status, problems.is_empty()) {
            // A run still going is no result yet.
            (Some(_), Some(_), Some(None), true) => {}
            (Some(workload), Some(started_at), Some(Some(status)), true) => jobs.push(BackupJob {
                job_id: get(layout.job).unwrap_or_default().to_owned(),
                workload,
                started_at,
                finished_at,
                status,
                items_total,
                items_protected,
                product: layout.product.and_then(get).map(str::to_owned),
                pointer: format!("line {line}"),
            }),
            _ => {
                for p in problems {
                    diags.push(Diagnostic {
                        line: Some(line as usize),
                        ..Diagnostic::file(file, p.to_string())
                    });
                }
            }
        }
    }
    (jobs, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "job_id,workload,started_at,finished_at,status,items_total,items_protected,product\n";

    #[test]
    fn parses_rows_and_reports_bad_ones_by_line() {
        let text = format!(
            "{HEADER}j1,exchange,2026-11-01T01:00:00Z,2026-11-01T01:20:00Z,success,40,40,Acme\nj2,exchnage,2026-11-02T01:00:00Z,,failed,,,\nj3,teams,yesterday,,success,,,\n"
        );
        let (jobs, diags) = parse("b.csv", &text);
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].items_total, Some(40));
        let lines: Vec<_> = diags.iter().map(|d| d.line).collect();
        assert_eq!(lines, [Some(3), Some(4)], "{diags:?}");
        assert!(diags[0].message.contains("exchnage"));
    }

    #[test]
    fn workload_and_status_are_read_in_any_letter_case_and_job_ids_keep_theirs() {
        let text = format!(
            "{HEADER}Job-A,SharePoint,2026-11-01T01:00:00Z,2026-11-01T01:20:00Z,Success,,,\nJob-B,ONEDRIVE,2026-11-01T01:00:00Z,,FAILED,,,\n"
        );
        let (jobs, diags) = parse("b.csv", &text);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(jobs[0].workload, Workload::SharePoint);
        assert_eq!(jobs[0].status, JobStatus::Success);
        assert_eq!(jobs[0].job_id, "Job-A");
        assert_eq!(jobs[1].workload, Workload::OneDrive);
        assert_eq!(jobs[1].status, JobStatus::Failed);
    }

    #[test]
    fn a_missing_column_is_named() {
        let (_, diags) = parse("b.csv", "job_id,workload\n");
        assert!(diags[0].message.contains("started_at"), "{}", diags[0]);
    }
}

#[cfg(test)]
mod mapped_tests {
    use super::*;
    use crate::policy::CsvColumns;

    /// A mapping like an MSP writes for an export with US dates in local time.
    fn us_mapping() -> CsvExport {
        CsvExport {
            file: "export.csv".into(),
            columns: CsvColumns {
                job: "Backup Name".into(),
                workload: "Service".into(),
                start: "Start Time".into(),
                end: "End Time".into(),
                status: "Status".into(),
                items_total: Some("Items".into()),
                items_protected: Some("Items Backed Up".into()),
            },
            status_map: vec![
                ("Completed".into(), MappedStatus::Success),
                ("Completed with errors".into(), MappedStatus::Warning),
                ("Failed".into(), MappedStatus::Failed),
                ("In Progress".into(), MappedStatus::Running),
            ],
            workload_map: vec![("Mail".into(), Workload::Exchange)],
            date_format: Some("%m/%d/%Y %I:%M:%S %p".into()),
            utc_offset_seconds: Some(-5 * 3600),
            delimiter: b',',
            at: crate::policy::At::file_start("clients/acme/backup.toml"),
        }
    }

    const US: &str = "\u{feff}Backup Name,Service,Start Time,End Time,Status,Items,Items Backed Up\n\
        EXO-Nightly,Mail,11/03/2026 09:00:00 PM,11/03/2026 09:40:00 PM,Completed,\"1,204\",\"1,204\"\n\
        SPO-Sites,SharePoint Online,11/03/2026 09:00:00 PM,,In Progress,,\n\
        OneDrive,ONEDRIVE,11/04/2026 01:00:00 AM,11/04/2026 01:05:00 AM,completed WITH errors,10,9\n";

    #[test]
    fn a_product_export_is_read_through_its_mapping() {
        let mut m = us_mapping();
        m.workload_map
            .push(("SharePoint Online".into(), Workload::SharePoint));
        let (jobs, diags) = parse_mapped("b/export.csv", US, &m);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(jobs.len(), 2, "the run in progress is not a result yet");
        assert_eq!(jobs[0].job_id, "EXO-Nightly");
        assert_eq!(jobs[0].workload, Workload::Exchange);
        assert_eq!(
            jobs[0].started_at.to_string(),
            "2026-11-04T02:00:00Z",
            "UTC-5"
        );
        assert_eq!(jobs[0].items_total, Some(1204));
        assert_eq!(jobs[0].status, JobStatus::Success);
        assert_eq!(jobs[1].workload, Workload::OneDrive);
        assert_eq!(
            jobs[1].status,
            JobStatus::Warning,
            "statuses match in any case"
        );
        assert_eq!(jobs[1].pointer, "line 4");
    }

    #[test]
    fn an_unknown_status_or_workload_is_bad_input_naming_the_line() {
        let text = US.replace("Failed", "x").replace(",Completed,", ",Done,");
        let (_, diags) = parse_mapped("b/export.csv", &text, &us_mapping());
        let lines: Vec<_> = diags.iter().map(|d| (d.line, d.message.clone())).collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(lines[0].0, Some(2));
        assert!(
            lines[0]
                .1
                .contains("unknown status \"Done\" in column \"Status\""),
            "{}",
            lines[0].1
        );
        assert_eq!(lines[1].0, Some(3));
        assert!(
            lines[1]
                .1
                .contains("unknown workload \"SharePoint Online\""),
            "{}",
            lines[1].1
        );
    }

    #[test]
    fn dates_without_an_offset_need_one_declared_and_other_formats_a_date_format() {
        let mut m = us_mapping();
        m.utc_offset_seconds = None;
        let (_, diags) = parse_mapped("b/export.csv", US, &m);
        assert!(
            diags[0].message.contains("has no UTC offset"),
            "{}",
            diags[0].message
        );
        assert_eq!(diags[0].line, Some(2));

        // ISO dates with an offset need neither; a semicolon export in European order
        // needs its format.
        let mut eu = us_mapping();
        eu.date_format = Some("%d.%m.%Y %H:%M".into());
        eu.delimiter = b';';
        eu.utc_offset_seconds = Some(3600);
        let text = "Backup Name;Service;Start Time;End Time;Status;Items;Items Backed Up\n\
            Nacht;exchange;03.11.2026 22:00;2026-11-03T22:30:00+01:00;Completed;4;4\n\
            Nacht;exchange;2026-11-04 22:00;04.11.2026 22:30;Completed;4;4\n";
        let (jobs, diags) = parse_mapped("b/export.csv", text, &eu);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(
            diags[0].line,
            Some(3),
            "ISO without offset does not fit the declared format"
        );
        assert_eq!(jobs[0].started_at.to_string(), "2026-11-03T21:00:00Z");
        assert_eq!(
            jobs[0].finished_at.map(|t| t.to_string()).as_deref(),
            Some("2026-11-03T21:30:00Z")
        );
    }

    #[test]
    fn a_missing_mapped_column_is_named_with_the_header() {
        let (_, diags) = parse_mapped("b/export.csv", "Backup Name,Service\n", &us_mapping());
        assert_eq!(diags[0].line, Some(1));
        assert!(
            diags[0].message.contains("\"Start Time\""),
            "{}",
            diags[0].message
        );
    }
}
