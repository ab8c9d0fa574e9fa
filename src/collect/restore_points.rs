//! `collect`'s Microsoft 365 Backup restore point searches, after the protection units are
//! in: per workload, the searched units (all protected ones, or a deterministic sample)
//! are asked for their oldest and latest restore point in each query window no longer
//! than the RPO, from one RPO before the month to the top of the current hour (or the
//! month's end), five units a
//! call so no answer reaches Graph's five-point cap. Every call is stored as sent and
//! answered in `graph/restorePointSearches.json` (see `evidence::restore_points`).

use super::*;
use crate::evidence::graph::{Collection, ProtectionUnit};
use crate::evidence::restore_points::{self as rp, RestorePointSearches};
use crate::model::Workload;
use crate::policy::Policy;
use std::fmt;

/// The protection units files a search takes its units from.
pub(super) const UNITS_FILES: [Endpoint; 3] = [
    Endpoint::MailboxUnits,
    Endpoint::DriveUnits,
    Endpoint::SiteUnits,
];

/// A workload whose restore points are searched.
pub(super) struct Planned {
    pub workload: Workload,
    /// The declared RPO: the longest query window.
    pub rpo_secs: i64,
}

/// The workloads to search: in scope, backed up by Microsoft 365 Backup (not Veeam), kept
/// in protection units, with an RPO to measure against.
pub(super) fn plan(policy: &Policy) -> Vec<Planned> {
    policy
        .backup
        .workloads
        .iter()
        .filter(|(w, p)| {
            p.in_scope
                && p.uses_m365_backup()
                && p.veeam_jobs.is_none()
                && rp::units_endpoint(**w).is_some()
        })
        .filter_map(|(w, p)| {
            Some(Planned {
                workload: *w,
                rpo_secs: p.rpo?.seconds().max(60),
            })
        })
        .collect()
}

/// The body of one search call.
pub(super) fn request_body(
    units: &[&str],
    from: jiff::Timestamp,
    to: jiff::Timestamp,
    preference: &str,
) -> Value {
    serde_json::json!({
        "protectionUnitIds": units,
        "protectionTimePeriod": {
            "startDateTime": rp::graph_timestamp(from),
            "endDateTime": rp::graph_timestamp(to)
        },
        "restorePointPreference": preference
    })
}

/// Why the searches stopped without a file: refused (recorded) or failed (the collection
/// fails, as for any endpoint).
enum Stop {
    Refused(EndpointRecord),
    Failed(SearchError),
}

/// Why a search call failed.
#[derive(Debug)]
pub enum SearchError {
    /// Answered with a body that is not a `restorePointSearchResponse` object.
    NotAnObject,
    Fetch(FetchError),
    /// Ctrl-C or SIGTERM while searching.
    Interrupted,
}

impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SearchError::NotAnObject => {
                f.write_str("a search answered with a body that is not a JSON object")
            }
            SearchError::Fetch(e) => e.fmt(f),
            SearchError::Interrupted => f.write_str("interrupted"),
        }
    }
}

impl std::error::Error for SearchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SearchError::Fetch(e) => Some(e),
            _ => None,
        }
    }
}

/// Why the restore point searches have no file.
#[derive(Debug)]
pub enum RestorePointsError {
    /// A protection units file this run wrote does not load back: the first problem.
    Units(crate::diagnostic::Diagnostic),
    /// The first query window starts before any representable time.
    Start(jiff::Error),
    Search(SearchError),
    Serialize(serde_json::Error),
    /// The searches file does not load as evidence: the first problem.
    NotEvidence(crate::diagnostic::Diagnostic),
    Write(WriteError),
}

impl fmt::Display for RestorePointsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RestorePointsError::Units(d) => d.fmt(f),
            RestorePointsError::Start(e) => e.fmt(f),
            RestorePointsError::Search(e) => write!(f, "{}: {e}", rp::FILE),
            RestorePointsError::Serialize(e) => e.fmt(f),
            RestorePointsError::NotEvidence(d) => {
                write!(f, "the searches do not load as evidence: {d}")
            }
            RestorePointsError::Write(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for RestorePointsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RestorePointsError::Start(e) => Some(e),
            RestorePointsError::Search(e) => Some(e),
            RestorePointsError::Serialize(e) => Some(e),
            RestorePointsError::Write(e) => Some(e),
            RestorePointsError::Units(_) | RestorePointsError::NotEvidence(_) => None,
        }
    }
}

impl ClientCtx<'_> {
    /// Searches the planned workloads' restore points and writes the file; the record for
    /// the manifest (refusals recorded as for any endpoint), or `Err` when a call failed.
    pub(super) fn search_restore_points(
        &self,
        plan: &[Planned],
        partial: &Path,
        tenant: &str,
    ) -> Result<EndpointRecord, RestorePointsError> {
        let mut rec = EndpointRecord {
            file: rp::FILE.to_owned(),
            request: Some(format!("POST {}", rp::REQUEST)),
            status: None,
            pages: None,
            items: None,
            sha256: None,
            missing: None,
            reason: None,
            note: None,
        };
        if plan.is_empty() {
            rec.missing = Some("not_applicable".into());
            rec.reason = Some(
                "no workload in scope is backed up by Microsoft 365 Backup with an rpo (backup.toml)"
                    .into(),
            );
            return Ok(rec);
        }
        let month = self.opts.month;
        let now = rp::search_end(jiff::Timestamp::now()).min(month.end());
        let mut searches = Vec::new();
        let mut n_calls = 0u64;
        for p in plan {
            let Some(endpoint) = rp::units_endpoint(p.workload) else {
                continue;
            };
            // Refused or not collected: nothing to search (its own record says why).
            let Some(bytes) = read_written(partial, endpoint.file()) else {
                continue;
            };
            let units: Collection<ProtectionUnit> =
                crate::evidence::parse_json(endpoint.file(), &bytes[..])
                    .map_err(RestorePointsError::Units)?;
            let protected: Vec<&str> = units
                .value
                .iter()
                .filter(|u| rp::searchable(u))
                .map(|u| &*u.id)
                .collect();
            let chosen = rp::sample(protected.iter().copied(), self.restore_point_sample);
            let from = jiff::Timestamp::from_second(month.start().as_second() - p.rpo_secs)
                .map_err(RestorePointsError::Start)?;
            let mut bodies = Vec::new();
            for (a, b) in rp::windows(from, now, p.rpo_secs) {
                for batch in chosen.chunks(rp::UNITS_PER_CALL) {
                    for pref in ["oldest", "latest"] {
                        bodies.push(request_body(batch, a, b, pref));
                    }
                }
            }
            self.log(&format!(
                "{}: {} restore point searches for {} ({} of {} protected units)",
                rp::FILE,
                bodies.len(),
                p.workload.id(),
                chosen.len(),
                protected.len()
            ));
            let calls = match self.run_searches(&bodies, tenant, &rec) {
                Ok(calls) => calls,
                Err(Stop::Refused(r)) => return Ok(r),
                Err(Stop::Failed(e)) => return Err(RestorePointsError::Search(e)),
            };
            n_calls += calls.len() as u64;
            searches.push(serde_json::json!({
                "workload": p.workload.id(),
                "sampling": {
                    "protectedUnits": protected.len(),
                    "searchedUnitIds": chosen,
                    "chosenBy": rp::CHOSEN_BY
                },
                "calls": calls
            }));
        }
        let body = serde_json::json!({ "searches": searches });
        let mut bytes = serde_json::to_vec_pretty(&body).map_err(RestorePointsError::Serialize)?;
        bytes.push(b'\n');
        crate::evidence::parse_json::<RestorePointSearches>(rp::FILE, &bytes[..])
            .map_err(RestorePointsError::NotEvidence)?;
        let (stored, sha256) = self
            .write_evidence(partial, rp::FILE, &bytes)
            .map_err(RestorePointsError::Write)?;
        rec.file = stored;
        rec.request = Some(format!("POST {} ({n_calls} calls)", rp::REQUEST));
        rec.status = Some(200);
        rec.items = Some(n_calls);
        rec.sha256 = Some(sha256);
        Ok(rec)
    }

    /// Sends every body, [`REQUESTS_PER_TENANT`] at a time, and returns the calls in order
    /// (`request` as sent, `status`, `response` as received).
    fn run_searches(
        &self,
        bodies: &[Value],
        tenant: &str,
        rec: &EndpointRecord,
    ) -> Result<Vec<Value>, Stop> {
        let url = format!(
            "{}{}",
            self.opts.graph_url.trim_end_matches('/'),
            rp::REQUEST
        );
        let out = bounded(bodies, |body, _| {
            let sent = body.to_string();
            match self.send_json(&url, Some(sent.as_bytes()), rp::FILE, tenant) {
                Ok((status, response)) => {
                    // Answers are objects (`restorePointSearchResponse`).
                    if response.is_object() {
                        Ok(
                            serde_json::json!({"request": body, "status": status, "response": response}),
                        )
                    } else {
                        Err(Stop::Failed(SearchError::NotAnObject))
                    }
                }
                Err(FetchError::Http {
                    status,
                    code,
                    message,
                }) if status == 403 || is_licence_refusal(status, &code) => {
                    let licence = is_licence_refusal(status, &code);
                    Err(Stop::Refused(EndpointRecord {
                        status: Some(status),
                        missing: Some(
                            if licence {
                                "not_licensed"
                            } else {
                                "permission_missing"
                            }
                            .into(),
                        ),
                        reason: Some(if message.is_empty() {
                            code
                        } else {
                            format!("{message} ({code}; needs {})", rp::PERMISSION)
                        }),
                        ..rec.clone()
                    }))
                }
                Err(e) => Err(Stop::Failed(SearchError::Fetch(e))),
            }
        })?;
        if guard::stopping() {
            return Err(Stop::Failed(SearchError::Interrupted));
        }
        Ok(out.into_values().collect())
    }
}
