//! Veeam Backup for Microsoft 365: its REST API responses, stored as returned, under
//! `backup/veeam/`. Jobs and their sessions become backup jobs (which workload a job
//! protects is the policy's `veeam_jobs`, applied at evaluation); restore sessions
//! become restore tests.
//!
//! Shapes, from the Veeam Backup for Microsoft 365 REST API reference
//! (helpcenter.veeam.com/docs/vbo365/rest/, v5 to v8; see tests/fixtures/veeam/SOURCES.md):
//! - `GET /v{n}/Jobs`: an array of jobs, each with `id` and `name`.
//! - `GET /v{n}/JobSessions`: `{"offset", "limit", "results": [...], "_links"}` (v5 and
//!   later; a bare array before), each session with `id`, `creationTime`, `endTime`,
//!   `status` (Success, Warning, Failed, Stopped, Running, ...),
//!   `statistics.processedObjects` and its job as `jobId` or `_links.job.href`.
//! - `GET /v{n}/RestoreSessions`: the same page shape, each session with `id`, `name`,
//!   `type` (Vex, Veod, Vesp, Vet: the Explorer for Exchange, OneDrive, SharePoint,
//!   Teams), `creationTime`, `endTime`, `state` (Working, Stopped, ...) and `result`
//!   (Success, Warning, Failed).
//!
//! A page that still links to a `next` page holds part of the collection: it is missing
//! evidence (first page only), never a pass on what the other pages might hold.

use super::backup_jobs::{BackupJob, JobStatus};
use super::restore_tests::{RestoreTest, TestResult};
use super::{FIRST_PAGE_ONLY, Missing, Slot};
use crate::diagnostic::Diagnostic;
use crate::duration::Duration;
use crate::policy::{At, Workload};
use jiff::Timestamp;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::Path;

pub const JOBS: &str = "backup/veeam/Jobs.json";
pub const JOB_SESSIONS: &str = "backup/veeam/JobSessions.json";
pub const RESTORE_SESSIONS: &str = "backup/veeam/RestoreSessions.json";
/// What the product is called in findings.
pub const PRODUCT: &str = "Veeam Backup for Microsoft 365";

/// A backup job as `GET /Jobs` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: String,
    pub name: String,
}

/// One finished or running session of a job.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: String,
    /// The job's id, from `jobId` or the last segment of `_links.job.href`.
    pub job_id: String,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    /// `None` while the session runs (Running, Queued, ...): not yet a result.
    pub status: Option<JobStatus>,
    pub processed_objects: Option<u64>,
    /// JSON pointer of the session in JobSessions.json.
    pub pointer: String,
}

/// Jobs.json and JobSessions.json, read together: a session is known by its job.
#[derive(Debug, Clone, PartialEq)]
pub struct JobsExport {
    pub jobs: Vec<Job>,
    pub sessions: Vec<Session>,
}

impl JobsExport {
    /// The job of each name, or the names Jobs.json does not list exactly once (two
    /// jobs of one name: which one's sessions count cannot be told).
    pub fn jobs_named<'a>(&'a self, names: &'a [String]) -> Result<Vec<&'a Job>, Vec<String>> {
        let mut found = Vec::new();
        let mut problems = Vec::new();
        for n in names {
            let mut matching = self.jobs.iter().filter(|j| j.name.trim() == n);
            match (matching.next(), matching.count()) {
                (Some(j), 0) => found.push(j),
                (Some(_), more) => problems.push(format!("{n:?} ({} jobs of that name)", more + 1)),
                (None, _) => problems.push(format!("{n:?}")),
            }
        }
        if problems.is_empty() {
            Ok(found)
        } else {
            Err(problems)
        }
    }

    /// The finished sessions of the given jobs as backup jobs of `workload`, so every
    /// backup control reads Veeam sessions exactly as it reads backup-jobs.csv rows.
    pub fn backup_jobs(&self, jobs: &[&Job], workload: Workload) -> Vec<BackupJob> {
        self.sessions
            .iter()
            .filter_map(|s| {
                let job = jobs.iter().find(|j| j.id.eq_ignore_ascii_case(&s.job_id))?;
                Some(BackupJob {
                    job_id: job.name.clone(),
                    workload,
                    started_at: s.started_at,
                    finished_at: s.finished_at,
                    status: s.status?,
                    items_total: None,
                    items_protected: s.processed_objects,
                    product: Some(PRODUCT.to_owned()),
                    pointer: s.pointer.clone(),
                })
            })
            .collect()
    }
}

#[derive(Deserialize)]
struct RawJob {
    id: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSession {
    id: String,
    creation_time: String,
    end_time: Option<String>,
    status: String,
    statistics: Option<RawStatistics>,
    job_id: Option<String>,
    #[serde(rename = "_links")]
    links: Option<RawLinks>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawStatistics {
    processed_objects: Option<u64>,
}

#[derive(Deserialize)]
struct RawLinks {
    job: Option<RawHref>,
}

#[derive(Deserialize)]
struct RawHref {
    href: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRestore {
    id: String,
    name: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    creation_time: Option<String>,
    /// The PowerShell object's name for the start (`StartTime`), in exports made with it.
    start_time: Option<String>,
    end_time: Option<String>,
    state: Option<String>,
    result: Option<String>,
    initiated_by: Option<String>,
    reason: Option<String>,
}

/// Reads the jobs and their sessions; `Ok(None)` when neither file is there.
pub fn load_jobs(abs: &Path, dir: &str, diags: &mut Vec<Diagnostic>) -> Option<Slot<JobsExport>> {
    let jobs = read_listing::<RawJob>(abs, dir, JOBS, diags);
    let sessions = read_listing::<RawSession>(abs, dir, JOB_SESSIONS, diags);
    let (jobs, sessions) = match (jobs, sessions) {
        (Listing::Absent, Listing::Absent) => return None,
        (Listing::Loaded(j, _), Listing::Loaded(s, prefix)) => (j, (s, prefix)),
        (j, s) => {
            // The first problem names the file; absent is missing like any evidence.
            let m = [(j.missing(), JOBS), (s.missing(), JOB_SESSIONS)]
                .into_iter()
                .find_map(|(m, file)| match m {
                    Some(Some(m)) => Some(m),
                    Some(None) => Some(Missing {
                        file: format!("{dir}/{file}"),
                        reason: format!("{file} not found in the snapshot"),
                    }),
                    None => None,
                });
            return m.map(Slot::Missing);
        }
    };
    let jobs: Vec<Job> = jobs
        .into_iter()
        .map(|(j, _)| Job {
            id: j.id,
            name: j.name,
        })
        .collect();
    let rel = format!("{dir}/{JOB_SESSIONS}");
    let (sessions, prefix) = sessions;
    let mut out = Vec::new();
    let mut bad = false;
    let mut seen = std::collections::HashSet::new();
    for (s, i) in sessions {
        let at = |field: &str| format!("{prefix}/{i}{field}");
        let mut problem = |pointer: String, msg: String| {
            diags.push(Diagnostic::json(rel.clone(), pointer, msg));
            bad = true;
        };
        // A session twice (pages merged twice) would count its run twice.
        if !seen.insert(s.id.to_ascii_lowercase()) {
            problem(
                at("/id"),
                format!(
                    "session {:?} appears twice: each page's results must be merged once",
                    s.id
                ),
            );
        }
        let started = match parse_time(&s.creation_time) {
            Ok(Some(t)) => Some(t),
            Ok(None) | Err(_) => {
                problem(
                    at("/creationTime"),
                    format!(
                        "`creationTime` must be a timestamp with an offset like 2026-11-03T01:00:00.1234567Z, found {:?}",
                        s.creation_time
                    ),
                );
                None
            }
        };
        let finished = match s.end_time.as_deref().map(parse_time) {
            None | Some(Ok(None)) => None,
            Some(Ok(Some(t))) => Some(t),
            Some(Err(v)) => {
                problem(
                    at("/endTime"),
                    format!("`endTime` must be a timestamp with an offset, found {v:?}"),
                );
                None
            }
        };
        let status = match session_status(&s.status) {
            Ok(st) => Some(st),
            Err(()) => {
                problem(
                    at("/status"),
                    format!(
                        "unknown session status {:?}, expected Success, Warning, Failed or Stopped (finished) or Running, Queued, Stopping (not yet finished)",
                        s.status
                    ),
                );
                None
            }
        };
        let job_id = s
            .job_id
            .clone()
            .filter(|j| !j.trim().is_empty())
            .or_else(|| {
                s.links
                    .as_ref()
                    .and_then(|l| l.job.as_ref())
                    .and_then(|h| h.href.trim_end_matches('/').rsplit('/').next())
                    .filter(|id| !id.is_empty())
                    .map(str::to_owned)
            });
        if job_id.is_none() {
            problem(
                at(""),
                "the session names no job: expected `jobId` or `_links.job.href`".to_owned(),
            );
        }
        if let (Some(started_at), Some(status), Some(job_id)) = (started, status, job_id) {
            out.push(Session {
                id: s.id,
                job_id,
                started_at,
                finished_at: finished,
                status,
                processed_objects: s.statistics.and_then(|st| st.processed_objects),
                pointer: at(""),
            });
        }
    }
    if bad {
        return Some(Slot::Missing(Missing {
            file: rel,
            reason: "unreadable: has invalid sessions (see errors)".into(),
        }));
    }
    Some(Slot::Loaded(JobsExport {
        jobs,
        sessions: out,
    }))
}

/// Restore sessions as restore tests, with the file they came from; `None` when the
/// file is not there. Sessions still open (not Stopped, or no result) are not tests yet;
/// a finished one without an end time is a test without a duration.
pub fn load_restores(
    abs: &Path,
    dir: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Slot<Vec<RestoreTest>>> {
    let rel = format!("{dir}/{RESTORE_SESSIONS}");
    let (raw, prefix) = match read_listing::<RawRestore>(abs, dir, RESTORE_SESSIONS, diags) {
        Listing::Absent => return None,
        Listing::Loaded(r, prefix) => (r, prefix),
        other => return other.missing().flatten().map(Slot::Missing),
    };
    let mut out = Vec::new();
    let mut bad = false;
    let mut seen = std::collections::HashSet::new();
    for (r, i) in raw {
        let at = |field: &str| format!("{prefix}/{i}{field}");
        let mut problem = |pointer: String, msg: String| {
            diags.push(Diagnostic::json(rel.clone(), pointer, msg));
            bad = true;
        };
        if !seen.insert(r.id.to_ascii_lowercase()) {
            problem(
                at("/id"),
                format!(
                    "restore session {:?} appears twice: each page's results must be merged once",
                    r.id
                ),
            );
        }
        let workload = restore_workload(&r.kind);
        if workload.is_none() {
            problem(
                at("/type"),
                format!(
                    "unknown restore session type {:?}, expected Vex, Veod, Vesp or Vet (Exchange, OneDrive, SharePoint, Teams)",
                    r.kind
                ),
            );
        }
        let (start_field, start) = match (&r.creation_time, &r.start_time) {
            (Some(t), _) => ("/creationTime", Some(t)),
            (None, Some(t)) => ("/startTime", Some(t)),
            (None, None) => ("", None),
        };
        let started = match start.map(|t| parse_time(t)) {
            Some(Ok(Some(t))) => Some(t),
            Some(_) => {
                problem(
                    at(start_field),
                    format!(
                        "the start must be a timestamp with an offset, found {:?}",
                        start.map(String::as_str).unwrap_or("")
                    ),
                );
                None
            }
            None => {
                problem(
                    at(""),
                    "the session has no `creationTime` (or `startTime`)".to_owned(),
                );
                None
            }
        };
        let ended = match r.end_time.as_deref().map(parse_time) {
            None | Some(Ok(None)) => None,
            Some(Ok(Some(t))) => Some(t),
            Some(Err(v)) => {
                problem(
                    at("/endTime"),
                    format!("`endTime` must be a timestamp with an offset, found {v:?}"),
                );
                None
            }
        };
        let result = match r.result.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(v) if v.eq_ignore_ascii_case("success") => Some(TestResult::Passed),
            Some(v) if v.eq_ignore_ascii_case("warning") => Some(TestResult::Partial),
            Some(v) if v.eq_ignore_ascii_case("failed") => Some(TestResult::Failed),
            Some(v) => {
                problem(
                    at("/result"),
                    format!("unknown restore result {v:?}, expected Success, Warning or Failed"),
                );
                None
            }
        };
        let open = r
            .state
            .as_deref()
            .is_some_and(|s| !s.trim().eq_ignore_ascii_case("stopped"));
        if let (Some(a), Some(b)) = (started, ended)
            && b < a
        {
            // A negative duration would pass any RTO.
            problem(
                at("/endTime"),
                "`endTime` is before the session's start".to_owned(),
            );
            continue;
        }
        // A finished session without an end time is still a test (a failed one must
        // count), but one whose duration is unknown: it cannot show the RTO.
        let (Some(workload), Some(started), Some(result), false) =
            (workload, started, result, open)
        else {
            continue;
        };
        let duration = ended.map(|ended| {
            let secs = (ended.as_second() - started.as_second()).max(0) as u64;
            // Whole minutes, rounded up: a restore of 30 s is not a restore of 0 min.
            Duration::from_minutes(secs.div_ceil(60))
        });
        let name = r
            .name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| format!("restore session {}", r.id));
        out.push(RestoreTest {
            date: jiff::tz::Offset::UTC.to_datetime(started).date(),
            workload,
            item: match r.reason.filter(|x| !x.trim().is_empty()) {
                Some(reason) => format!("{name} ({reason})"),
                None => name,
            },
            result,
            duration,
            ticket: None,
            performed_by: r.initiated_by.filter(|x| !x.trim().is_empty()),
            at: At::file_start(&rel),
            pointer: at(""),
        });
    }
    if bad {
        return Some(Slot::Missing(Missing {
            file: rel,
            reason: "unreadable: has invalid sessions (see errors)".into(),
        }));
    }
    Some(Slot::Loaded(out))
}

/// Veeam's names of the four Explorers' sessions, and the PowerShell module's.
fn restore_workload(kind: &str) -> Option<Workload> {
    match kind.trim().to_ascii_lowercase().as_str() {
        "vex" => Some(Workload::Exchange),
        "veod" => Some(Workload::OneDrive),
        "vesp" => Some(Workload::SharePoint),
        "vet" => Some(Workload::Teams),
        other => Workload::parse(other),
    }
}

/// A finished session's result, or `Ok(None)` for one not yet finished.
fn session_status(s: &str) -> Result<Option<JobStatus>, ()> {
    match s.trim().to_ascii_lowercase().as_str() {
        "success" => Ok(Some(JobStatus::Success)),
        "warning" => Ok(Some(JobStatus::Warning)),
        "failed" => Ok(Some(JobStatus::Failed)),
        // Stopped by an operator before it finished: what it should have protected is not.
        "stopped" => Ok(Some(JobStatus::Failed)),
        "running" | "queued" | "stopping" | "starting" => Ok(None),
        _ => Err(()),
    }
}

/// A value that is not a timestamp with an offset (each caller says which field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NotATimestamp;

/// A Veeam timestamp (RFC 3339 with up to seven fraction digits and an offset);
/// `Ok(None)` for the empty and year-1 values an unfinished session carries.
fn parse_time(s: &str) -> Result<Option<Timestamp>, NotATimestamp> {
    let t = s.trim();
    if t.is_empty() || t.starts_with("0001-01-01") {
        return Ok(None);
    }
    t.parse::<Timestamp>().map(Some).map_err(|_| NotATimestamp)
}

/// A collection file read: its items with their index, and the JSON pointer they sit under.
enum Listing<T> {
    Absent,
    Loaded(Vec<(T, usize)>, &'static str),
    Missing(Missing),
}

impl<T> Listing<T> {
    /// `Some(Some(m))` missing for a reason, `Some(None)` absent, `None` loaded.
    fn missing(self) -> Option<Option<Missing>> {
        match self {
            Listing::Absent => Some(None),
            Listing::Missing(m) => Some(Some(m)),
            Listing::Loaded(..) => None,
        }
    }
}

/// A Veeam file that is not the documented shape: a diagnostic at `pointer`, and the
/// file missing (never an empty listing, which could pass).
fn unreadable<T>(
    diags: &mut Vec<Diagnostic>,
    rel: String,
    pointer: &str,
    message: &str,
    reason: &str,
) -> Listing<T> {
    diags.push(Diagnostic::json(rel.clone(), pointer, message));
    Listing::Missing(Missing {
        file: rel,
        reason: format!("unreadable: {reason}"),
    })
}

fn not_a_collection<T>(diags: &mut Vec<Diagnostic>, rel: String) -> Listing<T> {
    unreadable(
        diags,
        rel,
        "/",
        "expected the Veeam response: an array, or a page {\"offset\", \"limit\", \"results\": [...]}",
        "not a Veeam collection",
    )
}

/// A Veeam collection as returned: a bare array, or a page `{"offset", "limit",
/// "results", "_links"}` whose pages were merged (no `_links.next` left).
fn read_listing<T: DeserializeOwned>(
    abs: &Path,
    dir: &str,
    file: &str,
    diags: &mut Vec<Diagnostic>,
) -> Listing<T> {
    let rel = format!("{dir}/{file}");
    let value = match super::read_json::<Value>(abs, dir, file) {
        Ok(Some(v)) => v,
        Ok(None) => return Listing::Absent,
        Err(d) => {
            let reason = format!("unreadable: {}", d.message);
            diags.push(d);
            return Listing::Missing(Missing { file: rel, reason });
        }
    };
    let (items, prefix) = match value {
        Value::Array(items) => (items, ""),
        Value::Object(mut page) => {
            let has_next = page
                .get("_links")
                .and_then(|l| l.get("next"))
                .is_some_and(|n| !n.is_null());
            match page.remove("results") {
                Some(Value::Array(items)) if has_next => {
                    let _ = items;
                    let name = file.rsplit('/').next().unwrap_or(file);
                    return Listing::Missing(Missing {
                        file: rel,
                        reason: format!(
                            "{FIRST_PAGE_ONLY}: {name} still links to a next page (_links.next): merge every page's results"
                        ),
                    });
                }
                Some(Value::Array(items)) => (items, "/results"),
                Some(_) => {
                    return unreadable(
                        diags,
                        rel,
                        "/results",
                        "`results` must be an array",
                        "`results` is not an array",
                    );
                }
                None => return not_a_collection(diags, rel),
            }
        }
        _ => return not_a_collection(diags, rel),
    };
    let mut out = Vec::with_capacity(items.len());
    let mut bad = false;
    for (i, item) in items.into_iter().enumerate() {
        match serde_path_to_error::deserialize::<_, T>(item) {
            Ok(v) => out.push((v, i)),
            Err(e) => {
                let pointer = format!("{prefix}/{i}{}", super::json_pointer_tail(e.path()));
                diags.push(Diagnostic::json(
                    rel.clone(),
                    pointer,
                    e.inner().to_string(),
                ));
                bad = true;
            }
        }
    }
    if bad {
        return Listing::Missing(Missing {
            file: rel,
            reason: "unreadable: has invalid items (see errors)".into(),
        });
    }
    Listing::Loaded(out, prefix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controls::backup::fixtures::{
        Run, jobs_json, restore_session, restores_json, sessions_json,
    };

    fn month(files: &[(&str, &str)]) -> (tempfile::TempDir, std::path::PathBuf) {
        let root = tempfile::tempdir().expect("tempdir");
        let abs = root.path().join("evidence/acme/2026-11");
        for (f, t) in files {
            let p = abs.join(f);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, t).expect("write");
        }
        (root, abs)
    }

    const DIR: &str = "evidence/acme/2026-11";

    fn one_run(status: &'static str) -> Vec<Run> {
        vec![
            Run {
                job: "EXO",
                start: "2026-11-01T22:00:00.5852401Z".into(),
                end: Some("2026-11-01T22:02:17.65156-07:00".into()),
                status: "Success",
                processed: 6329,
            },
            Run {
                job: "EXO",
                start: "2026-11-02T22:00:00Z".into(),
                end: None,
                status,
                processed: 0,
            },
        ]
    }

    #[test]
    fn sessions_are_read_with_their_job_by_id_or_link_and_running_ones_have_no_result() {
        let (_t, abs) = month(&[
            (JOBS, &jobs_json(&["EXO"])),
            (JOB_SESSIONS, &sessions_json(&one_run("Running"))),
        ]);
        let mut d = Vec::new();
        let Some(Slot::Loaded(x)) = load_jobs(&abs, DIR, &mut d) else {
            panic!("{d:?}")
        };
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(x.sessions.len(), 2);
        let id = crate::controls::backup::fixtures::job_id("EXO");
        assert!(
            x.sessions.iter().all(|s| s.job_id == id),
            "jobId and _links.job.href"
        );
        assert_eq!(x.sessions[0].processed_objects, Some(6329));
        assert_eq!(
            x.sessions[0].finished_at.map(|t| t.to_string()).as_deref(),
            Some("2026-11-02T05:02:17.65156Z")
        );
        assert_eq!(x.sessions[1].status, None);
        let names = ["EXO".to_owned()];
        let jobs = x.jobs_named(&names).expect("named");
        let as_jobs = x.backup_jobs(&jobs, Workload::SharePoint);
        assert_eq!(as_jobs.len(), 1, "the running session is not a run yet");
        assert_eq!(as_jobs[0].pointer, "/results/0");
        assert_eq!(as_jobs[0].workload, Workload::SharePoint);
    }

    #[test]
    fn bad_sessions_are_located_by_file_and_json_path() {
        let bad = sessions_json(&one_run("Exploded")).replacen(
            "2026-11-01T22:00:00.5852401Z",
            "yesterday",
            1,
        );
        let (_t, abs) = month(&[(JOBS, &jobs_json(&["EXO"])), (JOB_SESSIONS, &bad)]);
        let mut d = Vec::new();
        let slot = load_jobs(&abs, DIR, &mut d);
        assert!(matches!(slot, Some(Slot::Missing(_))));
        let at: Vec<(&str, &str)> = d
            .iter()
            .map(|d| (d.file.as_str(), d.json_path.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            at,
            [
                (
                    "evidence/acme/2026-11/backup/veeam/JobSessions.json",
                    "/results/0/creationTime"
                ),
                (
                    "evidence/acme/2026-11/backup/veeam/JobSessions.json",
                    "/results/1/status"
                ),
            ],
            "{d:?}"
        );
        assert!(d[1].message.contains("\"Exploded\""), "{}", d[1].message);
    }

    /// Pages merged twice would count every run twice: a duplicated session is bad
    /// input, and so is a restore that ends before it starts (it would pass any RTO).
    #[test]
    fn a_session_twice_or_a_restore_ending_before_it_starts_is_bad_input() {
        let runs = one_run("Success");
        let twice =
            sessions_json(&[runs[0].clone(), runs[0].clone()]).replace("5e000001-", "5e000000-");
        let (_t, abs) = month(&[(JOBS, &jobs_json(&["EXO"])), (JOB_SESSIONS, &twice)]);
        let mut d = Vec::new();
        assert!(matches!(
            load_jobs(&abs, DIR, &mut d),
            Some(Slot::Missing(_))
        ));
        assert_eq!(d[0].json_path.as_deref(), Some("/results/1/id"), "{d:?}");

        let body = restores_json(&[restore_session(
            1,
            "Vex",
            "2026-11-10T09:00:00Z",
            Some("2026-11-10T08:00:00Z"),
            "Stopped",
            Some("Success"),
        )]);
        let (_t, abs) = month(&[(RESTORE_SESSIONS, &body)]);
        let mut d = Vec::new();
        assert!(matches!(
            load_restores(&abs, DIR, &mut d),
            Some(Slot::Missing(_))
        ));
        assert_eq!(d[0].json_path.as_deref(), Some("/results/0/endTime"));
    }

    #[test]
    fn a_job_name_held_by_two_jobs_is_not_resolved() {
        let x = JobsExport {
            jobs: vec![
                Job {
                    id: "a".into(),
                    name: "EXO".into(),
                },
                Job {
                    id: "b".into(),
                    name: "EXO ".into(),
                },
            ],
            sessions: vec![],
        };
        let names = ["EXO".to_owned()];
        let err = x.jobs_named(&names).expect_err("ambiguous");
        assert_eq!(err, ["\"EXO\" (2 jobs of that name)"]);
    }

    #[test]
    fn a_wrong_shape_names_the_json_path() {
        let no_name = r#"[{"id": "a"}, {"id": "b", "name": 7}]"#;
        let (_t, abs) = month(&[(JOBS, no_name), (JOB_SESSIONS, &sessions_json(&[]))]);
        let mut d = Vec::new();
        load_jobs(&abs, DIR, &mut d);
        let at: Vec<&str> = d
            .iter()
            .map(|d| d.json_path.as_deref().unwrap_or(""))
            .collect();
        assert_eq!(at, ["/0", "/1/name"], "{d:?}");
        assert!(d[0].message.contains("name"), "{}", d[0].message);

        let (_t, abs) = month(&[
            (JOBS, r#"{"value": []}"#),
            (JOB_SESSIONS, &sessions_json(&[])),
        ]);
        let mut d = Vec::new();
        load_jobs(&abs, DIR, &mut d);
        assert_eq!(d[0].file, "evidence/acme/2026-11/backup/veeam/Jobs.json");
        assert!(d[0].message.contains("results"), "{}", d[0].message);
    }

    #[test]
    fn restore_sessions_become_restore_tests_by_type_and_result() {
        let body = restores_json(&[
            restore_session(
                1,
                "Vex",
                "2026-11-10T09:00:00Z",
                Some("2026-11-10T09:40:00Z"),
                "Stopped",
                Some("Success"),
            ),
            restore_session(
                2,
                "Veod",
                "2026-11-10T09:00:00Z",
                Some("2026-11-10T10:00:01Z"),
                "Stopped",
                Some("Warning"),
            ),
            restore_session(
                3,
                "Vesp",
                "2026-11-10T09:00:00Z",
                Some("2026-11-10T09:01:00Z"),
                "Stopped",
                Some("Failed"),
            ),
            restore_session(4, "Vet", "2026-11-10T09:00:00Z", None, "Working", None),
            restore_session(
                5,
                "Teams",
                "2026-11-11T09:00:00Z",
                Some("2026-11-11T09:00:20Z"),
                "Stopped",
                Some("Success"),
            ),
        ]);
        let (_t, abs) = month(&[(RESTORE_SESSIONS, &body)]);
        let mut d = Vec::new();
        let Some(Slot::Loaded(tests)) = load_restores(&abs, DIR, &mut d) else {
            panic!("{d:?}")
        };
        let got: Vec<(Workload, TestResult, u64, &str)> = tests
            .iter()
            .map(|t| {
                (
                    t.workload,
                    t.result,
                    t.duration.map_or(0, |d| d.minutes()),
                    t.pointer.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (Workload::Exchange, TestResult::Passed, 40, "/results/0"),
                (Workload::OneDrive, TestResult::Partial, 61, "/results/1"),
                (Workload::SharePoint, TestResult::Failed, 1, "/results/2"),
                (Workload::Teams, TestResult::Passed, 1, "/results/4"),
            ]
        );
        let bad = body.replacen("\"Vex\"", "\"Vsql\"", 1);
        let (_t, abs) = month(&[(RESTORE_SESSIONS, &bad)]);
        let mut d = Vec::new();
        assert!(matches!(
            load_restores(&abs, DIR, &mut d),
            Some(Slot::Missing(_))
        ));
        assert_eq!(d[0].json_path.as_deref(), Some("/results/0/type"));
    }
}
