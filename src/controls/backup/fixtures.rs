//! Backup runs written the ways products record them: as Veeam Backup for Microsoft 365
//! REST responses (the shapes of its API reference, v8) and as the same runs in
//! custody's neutral backup-jobs.csv. Tests use both to show the two give one verdict.

/// One session of a Veeam job.
#[derive(Debug, Clone)]
pub struct Run {
    pub job: &'static str,
    /// RFC 3339 start (`creationTime`).
    pub start: String,
    /// RFC 3339 end (`endTime`), `None` while running.
    pub end: Option<String>,
    /// Veeam's status: Success, Warning, Failed, Stopped, Running.
    pub status: &'static str,
    pub processed: u64,
}

/// The id Veeam gives a job, derived from its name (stable across calls).
pub fn job_id(name: &str) -> String {
    let h = crate::evidence::sha256_hex(name.as_bytes());
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// `GET /v8/Jobs`: an array of jobs.
pub fn jobs_json(names: &[&str]) -> String {
    let jobs: Vec<serde_json::Value> = names
        .iter()
        .map(|n| {
            let id = job_id(n);
            serde_json::json!({
                "id": id,
                "name": n,
                "description": "",
                "jobType": "Backup",
                "backupType": "SelectedItems",
                "schedulePolicy": {"scheduleEnabled": true, "type": "Daily", "dailyType": "Everyday", "dailyTime": "22:00:00"},
                "isEnabled": true,
                "lastStatus": "Success",
                "_links": {
                    "self": {"href": format!("/v8/Jobs/{id}")},
                    "organization": {"href": "/v8/Organizations/3f1b5b7c-2c6e-4f4e-9d55-6c1c4a0c2e11"},
                    "backupRepository": {"href": "/v8/BackupRepositories/0f7b0e3d-4a55-4d0e-9f2b-21b8a1d0f6c1"},
                    "jobsessions": {"href": format!("/v8/Jobs/{id}/JobSessions")}
                }
            })
        })
        .collect();
    pretty(&serde_json::Value::Array(jobs))
}

/// `GET /v8/JobSessions`, every page merged: `{"offset", "limit", "results", "_links"}`.
/// Every other session names its job only through `_links.job.href`, as older
/// versions did.
pub fn sessions_json(runs: &[Run]) -> String {
    let results: Vec<serde_json::Value> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let id = format!("5e{i:06}-0d1c-4b8e-9a6f-2b7c0e9d4a31");
            let job = job_id(r.job);
            let mut s = serde_json::json!({
                "id": id,
                "creationTime": r.start,
                "endTime": r.end,
                "retryCount": 0,
                "jobWillBeRetried": false,
                "progress": if r.end.is_some() { 100 } else { 40 },
                "status": r.status,
                "statistics": {
                    "processingRateBytesPS": 1683256,
                    "processingRateItemsPS": 20,
                    "readRateBytesPS": 5383429,
                    "writeRateBytesPS": 26015396,
                    "transferredDataBytes": 98142970,
                    "processedObjects": r.processed,
                    "bottleneck": "Source"
                },
                "_links": {
                    "self": {"href": format!("/v8/JobSessions/{id}")},
                    "job": {"href": format!("/v8/Jobs/{job}")},
                    "log": {"href": format!("/v8/JobSessions/{id}/LogItems")}
                }
            });
            if i % 2 == 0 {
                s["jobId"] = serde_json::Value::String(job);
            }
            s
        })
        .collect();
    pretty(&serde_json::json!({
        "offset": 0,
        "limit": runs.len().max(1),
        "results": results,
        "_links": {"self": {"href": format!("/v8/JobSessions?offset=0&limit={}", runs.len().max(1))}}
    }))
}

/// The same runs as backup-jobs.csv rows of `workload`: what Veeam records as Stopped
/// is a failed run, and a running session is not a run yet.
pub fn csv_of(runs: &[Run], workload: &str) -> String {
    let mut s = String::from(
        "job_id,workload,started_at,finished_at,status,items_total,items_protected,product\n",
    );
    for r in runs {
        let status = match r.status {
            "Success" => "success",
            "Warning" => "warning",
            "Failed" | "Stopped" => "failed",
            _ => continue,
        };
        s.push_str(&format!(
            "{},{workload},{},{},{status},,{},{}\n",
            r.job,
            r.start,
            r.end.as_deref().unwrap_or(""),
            r.processed,
            crate::evidence::veeam::PRODUCT
        ));
    }
    s
}

/// A restore session of `GET /v8/RestoreSessions` (`type` Vex, Veod, Vesp or Vet).
pub fn restore_session(
    id: u32,
    kind: &str,
    start: &str,
    end: Option<&str>,
    state: &str,
    result: Option<&str>,
) -> serde_json::Value {
    let id = format!("9f78{id:04}-de9a-4a90-8118-093b6cb2c4fc");
    serde_json::json!({
        "id": id,
        "name": format!("Restore session {id}"),
        "organization": "contoso.onmicrosoft.com",
        "type": kind,
        "creationTime": start,
        "endTime": end,
        "state": state,
        "result": result,
        "initiatedBy": "CONTOSO\\restore.operator",
        "details": "",
        "scopeName": "",
        "clientHost": "vbo01.contoso.local",
        "reason": "quarterly restore test",
        "_links": {
            "self": {"href": format!("/v8/RestoreSessions/{id}")},
            "organization": {"href": "/v8/Organizations/3f1b5b7c-2c6e-4f4e-9d55-6c1c4a0c2e11"}
        }
    })
}

/// `GET /v8/RestoreSessions`, pages merged.
pub fn restores_json(sessions: &[serde_json::Value]) -> String {
    pretty(&serde_json::json!({
        "offset": 0,
        "limit": sessions.len().max(1),
        "results": sessions,
        "_links": {"self": {"href": "/v8/RestoreSessions?offset=0&limit=30"}}
    }))
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default() + "\n"
}

/// A `[csv]` mapping of backup.toml for a product export with US dates at UTC-5.
pub const MAPPING: &str = r#"
[csv]
file = "saas-export.csv"
columns = { job = "Backup Set", workload = "Service", start = "Started", end = "Finished", status = "Result", items_total = "Items", items_protected = "Protected" }
status_map = { "Completed" = "success", "Completed with warnings" = "warning", "Failed" = "failed", "Running" = "running" }
workload_map = { "Mail" = "exchange" }
date_format = "%m/%d/%Y %I:%M %p"
utc_offset = "-05:00"
"#;

/// backup-jobs.csv rows written as the product's export: US dates at UTC-5, its names.
pub fn as_export(neutral: &str) -> String {
    let mut out = String::from("Backup Set,Service,Started,Finished,Result,Items,Protected\n");
    for line in neutral.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let local = |t: &str| -> String {
            if t.is_empty() {
                return String::new();
            }
            let Ok(ts) = t.parse::<jiff::Timestamp>() else {
                return t.to_owned();
            };
            let dt = jiff::tz::Offset::constant(-5).to_datetime(ts);
            dt.strftime("%m/%d/%Y %I:%M %p").to_string()
        };
        let status = match f[4] {
            "success" => "Completed",
            "warning" => "Completed with warnings",
            _ => "Failed",
        };
        let service = if f[1] == "exchange" { "Mail" } else { f[1] };
        out.push_str(&format!(
            "{},{service},{},{},{status},{},{}\n",
            f[0],
            local(f[2]),
            local(f[3]),
            f[5],
            f[6]
        ));
    }
    out
}

/// Graph's answer to one `POST /solutions/backupRestore/restorePoints/search` body, in
/// the `restorePointSearchResponse` shape of the API reference, computed from `points`
/// (unit id, RFC 3339 `protectionDateTime`): with `restorePointPreference` one point per
/// asked unit (the oldest or the latest in the period), without it every point in the
/// period, cut at five per call as Graph does. Units without a point in the period are
/// listed in `noResultProtectionUnitIds`. The loopback Graph stand-in and the unit tests
/// answer with it.
pub fn restore_point_answer(
    request: &serde_json::Value,
    points: &[(String, String)],
) -> serde_json::Value {
    use serde_json::json;
    let parse = |v: &serde_json::Value| {
        v.as_str()
            .and_then(crate::evidence::graph::parse_graph_time)
    };
    let period = &request["protectionTimePeriod"];
    let (from, to) = (
        parse(&period["startDateTime"]),
        parse(&period["endDateTime"]),
    );
    let pref = request["restorePointPreference"].as_str().unwrap_or("");
    let mut results = Vec::new();
    let mut none = Vec::new();
    for unit in request["protectionUnitIds"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let Some(unit) = unit.as_str() else { continue };
        let mut mine: Vec<(jiff::Timestamp, &str)> = points
            .iter()
            .filter(|(u, _)| u == unit)
            .filter_map(|(_, t)| Some((crate::evidence::graph::parse_graph_time(t)?, t.as_str())))
            .filter(|(t, _)| from.is_none_or(|f| *t >= f) && to.is_none_or(|e| *t <= e))
            .collect();
        mine.sort();
        let chosen: Vec<&str> = match pref {
            "oldest" => mine.first().map(|p| p.1).into_iter().collect(),
            "latest" => mine.last().map(|p| p.1).into_iter().collect(),
            _ => mine.iter().map(|p| p.1).collect(),
        };
        if chosen.is_empty() {
            none.push(unit.to_owned());
        }
        for t in chosen {
            let day = t.get(..10).unwrap_or(t);
            results.push(json!({
                "restorePoint": {
                    "@odata.type": "#microsoft.graph.restorePoint",
                    "id": job_id(&format!("{unit}@{t}")),
                    "protectionDateTime": t,
                    "expirationDateTime": format!("{}{}", (day.get(..4).and_then(|y| y.parse::<i32>().ok()).unwrap_or(2000) + 1), day.get(4..).unwrap_or("")) + "T00:00:00Z",
                    "protectionUnit": {
                        "@odata.type": "#microsoft.graph.mailboxProtectionUnit",
                        "id": unit,
                        "policyId": "9fec8e78-bce4-4aaf-ab1b-5451cc387264"
                    },
                    "tags": "none"
                }
            }));
        }
    }
    // "Calls return a maximum of five restore points."
    results.truncate(crate::evidence::restore_points::RESULT_CAP);
    json!({
        "@odata.context": "/solutions/backupRestore/$metadata#restorePoints",
        "searchResponseId": job_id(&request.to_string()),
        "searchResults": results,
        "noResultProtectionUnitIds": none
    })
}

/// A whole `graph/restorePointSearches.json` for one workload, as `collect` writes it:
/// `unit_ids` are the protected units (all searched), asked in five-unit batches for the
/// oldest and the latest point of each window of `window_secs` from `from` to `to`, each
/// answered by [`restore_point_answer`] from `points`.
pub fn restore_point_searches(
    workload: &str,
    unit_ids: &[&str],
    points: &[(String, String)],
    from: &str,
    to: &str,
    window_secs: i64,
) -> String {
    use crate::evidence::restore_points as rp;
    let (Some(a), Some(b)) = (
        crate::evidence::graph::parse_graph_time(from),
        crate::evidence::graph::parse_graph_time(to),
    ) else {
        panic!("restore_point_searches: bad period {from} → {to}");
    };
    let sample = rp::sample(unit_ids.iter().copied(), 0);
    let mut calls = Vec::new();
    for (s, e) in rp::windows(a, b, window_secs) {
        for batch in sample.chunks(rp::UNITS_PER_CALL) {
            for pref in ["oldest", "latest"] {
                let request = serde_json::json!({
                    "protectionUnitIds": batch,
                    "protectionTimePeriod": {
                        "startDateTime": rp::graph_timestamp(s),
                        "endDateTime": rp::graph_timestamp(e)
                    },
                    "restorePointPreference": pref
                });
                let response = restore_point_answer(&request, points);
                calls.push(
                    serde_json::json!({"request": request, "status": 200, "response": response}),
                );
            }
        }
    }
    serde_json::json!({
        "searches": [{
            "workload": workload,
            "sampling": {
                "protectedUnits": unit_ids.len(),
                "searchedUnitIds": sample,
                "chosenBy": rp::CHOSEN_BY
            },
            "calls": calls
        }]
    })
    .to_string()
}
