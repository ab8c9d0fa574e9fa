//! `backup-jobs.csv`: the neutral record of backup job runs that any backup product's
//! export converts to (documented in the README).

use crate::diagnostic::Diagnostic;
use crate::policy::Workload;
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

const REQUIRED: [&str; 5] = ["job_id", "workload", "started_at", "status", "finished_at"];

/// Parses the file; every bad row is a diagnostic naming its line, and the good rows are kept.
pub fn parse(file: &str, text: &str) -> (Vec<BackupJob>, Vec<Diagnostic>) {
    let mut jobs = Vec::new();
    let mut diags = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
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
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|c| col(c).is_none())
        .collect();
    if !missing.is_empty() {
        let d = Diagnostic {
            line: Some(1),
            ..Diagnostic::file(
                file,
                format!(
                    "missing column(s) {}; the header must include {}",
                    missing.join(", "),
                    REQUIRED.join(", ")
                ),
            )
        };
        return (jobs, vec![d]);
    }
    let idx = |name: &str| col(name);
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
            idx(name)
                .and_then(|i| record.get(i))
                .filter(|s| !s.is_empty())
        };
        let mut problems = Vec::new();
        let workload = get("workload").and_then(Workload::parse);
        if workload.is_none() {
            problems.push(format!(
                "`workload` must be exchange, onedrive, sharepoint or teams, found {:?}",
                get("workload").unwrap_or("")
            ));
        }
        let time = |name: &str, problems: &mut Vec<String>| -> Option<Timestamp> {
            let v = get(name)?;
            v.parse::<Timestamp>()
                .map_err(|_| problems.push(format!("`{name}` must be an RFC 3339 timestamp like 2026-11-03T01:00:00Z, found {v:?}")))
                .ok()
        };
        let started_at = time("started_at", &mut problems);
        if get("started_at").is_none() {
            problems.push("`started_at` is required".into());
        }
        let finished_at = time("finished_at", &mut problems);
        let status = match get("status").and_then(JobStatus::parse) {
            Some(s) => Some(s),
            None => {
                let other = get("status");
                problems.push(format!(
                    "`status` must be success, warning or failed, found {:?}",
                    other.unwrap_or("")
                ));
                None
            }
        };
        let count = |name: &str, problems: &mut Vec<String>| -> Option<u64> {
            let v = get(name)?;
            v.parse()
                .map_err(|_| problems.push(format!("`{name}` must be a whole number, found {v:?}")))
                .ok()
        };
        let items_total = count("items_total", &mut problems);
        let items_protected = count("items_protected", &mut problems);
        if let (Some(t), Some(p)) = (items_total, items_protected)
            && p > t
        {
            problems.push(format!(
                "`items_protected` ({p}) exceeds `items_total` ({t})"
            ));
        }
        match (workload, started_at, status, problems.is_empty()) {
            (Some(workload), Some(started_at), Some(status), true) => jobs.push(BackupJob {
                job_id: get("job_id").unwrap_or_default().to_owned(),
                workload,
                started_at,
                finished_at,
                status,
                items_total,
                items_protected,
                product: get("product").map(str::to_owned),
                pointer: format!("line {line}"),
            }),
            _ => {
                for p in problems {
                    diags.push(Diagnostic {
                        line: Some(line as usize),
                        ..Diagnostic::file(file, p)
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
