//! Microsoft 365 Backup in Graph (service status, policies, protection units, restore
//! sessions) and the backup products' own exports: the neutral backup-jobs.csv,
//! restore-tests.toml and a Veeam Backup for Microsoft 365 server's REST responses.

use super::ids::{T, dt, gid, hours, iso, mins, rng, secs, ts, tsf};
use super::json::{J, obj, toml_str};
use super::model::{Client, Items, JobIds, Person};
use super::month::{collected_at, month_start};
use super::reference::MONTHS;

/// The first-party app that appears as the creator of Microsoft 365 Backup objects.
fn identity_set(c: &Client, alias: &str, app: bool) -> J {
    let p = c.person(alias);
    let app = if app {
        obj! {"id" => "1fec8e78-bce4-4aaf-ab1b-5451cc387264", "displayName" => "Microsoft Enhanced Restore"}
    } else {
        J::Null
    };
    obj! {"application" => app, "user" => obj! {"email" => &p.upn, "id" => &p.id, "displayName" => &p.name}}
}

/// The tenant's backupRestoreRoot (GET /solutions/backupRestore): the service was enabled
/// from the Microsoft 365 admin center (a first-party consumer) by the backup admin when
/// backup started, as in the API reference example.
pub fn backup_service_doc(c: &Client) -> J {
    obj! {
        "@odata.context" => format!("{}solutions/backupRestore/$entity", super::reference::GRAPH),
        "serviceStatus" => obj! {
            "status" => "enabled",
            "disableReason" => "none",
            "backupServiceConsumer" => "firstparty",
            "lastModifiedDateTime" => tsf(dt(c.backup_since) - mins(20), &[c.cid, "service"]),
            "lastModifiedBy" => obj! {"user" => obj! {"identity" => &c.person(c.backup_admin).id}},
        },
    }
}

pub fn protection_policies_doc(c: &Client, t: T) -> J {
    let specs: [(&str, &str, &str, J); 3] = [
        (
            "exchange",
            "#microsoft.graph.exchangeProtectionPolicy",
            "Exchange Protection Policy",
            J::Arr(vec![obj! {"interval" => "R/PT10M", "period" => "P1Y"}]),
        ),
        (
            "sharepoint",
            "#microsoft.graph.sharePointProtectionPolicy",
            "SharePoint Protection Policy",
            J::Arr(vec![
                obj! {"interval" => "R/PT10M", "period" => "P2W"},
                obj! {"interval" => "R/P1W", "period" => "P1Y"},
            ]),
        ),
        (
            "onedrive",
            "#microsoft.graph.oneDriveForBusinessProtectionPolicy",
            "OneDrive Protection Policy",
            J::Arr(vec![
                obj! {"interval" => "R/PT10M", "period" => "P2W"},
                obj! {"interval" => "R/P1W", "period" => "P1Y"},
            ]),
        ),
    ];
    let mut value = Vec::new();
    for (w, otype, name, retention) in specs {
        let created = dt(c.backup_since);
        let modified = c
            .policy_modified
            .iter()
            .find(|(k, _)| *k == w)
            .and_then(|(_, ms)| ms.iter().map(|m| dt(m)).filter(|m| *m <= t).max())
            .unwrap_or(created);
        value.push(obj! {
            "@odata.type" => otype,
            "id" => c.policy_id(w),
            "displayName" => name,
            "status" => "active",
            "createdBy" => identity_set(c, c.backup_admin, true),
            "createdDateTime" => tsf(created, &[c.cid, w]),
            "lastModifiedBy" => identity_set(c, c.backup_admin, true),
            "lastModifiedDateTime" => tsf(modified, &[c.cid, w, "mod"]),
            "retentionSettings" => retention,
        });
    }
    obj! {"@odata.context" => "/solutions/backupRestore/$metadata#ProtectionPolicies", "value" => J::Arr(value)}
}

fn unit_common(c: &Client, key: &str, status: &str, since: &str) -> Vec<(String, J)> {
    let created = dt(since).max(dt(c.backup_since)) + hours(2);
    let unit = obj! {
        "status" => status,
        "protectionSources" => if status != "unprotected" { "manual" } else { "none" },
        "createdBy" => identity_set(c, c.backup_admin, false),
        "createdDateTime" => tsf(created, &[c.cid, key]),
        "lastModifiedBy" => identity_set(c, c.backup_admin, false),
        "lastModifiedDateTime" => tsf(created + mins(14), &[c.cid, key, "mod"]),
        "error" => J::Null,
        "offboardRequestedDateTime" => "0001-01-01T00:00:00.0000000Z",
    };
    match unit {
        J::Obj(fields) => fields,
        _ => Vec::new(),
    }
}

/// Mailbox or drive protection units at `t`: (person, status), in id order.
fn person_units<'a>(c: &'a Client, t: T, workload: &str) -> Vec<(&'a Person, &'static str)> {
    let mut people: Vec<&Person> = c.people.iter().collect();
    people.sort_by(|a, b| a.id.cmp(&b.id));
    people
        .into_iter()
        .filter(|p| {
            p.exists(t)
                && if workload == "exchange" {
                    p.mailbox
                } else {
                    p.drive
                }
        })
        // a leaver's mailbox stays protected after the account is disabled (retained backups)
        .filter_map(|p| (c.unit_status)(workload, p, t).map(|s| (p, s)))
        .collect()
}

/// A mailbox (`exchange`) or OneDrive (`onedrive`) protection unit of a person.
pub fn person_unit(c: &Client, p: &Person, workload: &str, status: &str) -> J {
    let (otype, kind, key) = if workload == "exchange" {
        (
            "#microsoft.graph.mailboxProtectionUnit",
            "mbx-unit",
            format!("mbx{}", p.alias),
        )
    } else {
        (
            "#microsoft.graph.driveProtectionUnit",
            "drive-unit",
            format!("drv{}", p.alias),
        )
    };
    let mut u = obj! {"@odata.type" => otype, "id" => gid(&[c.cid, kind, &p.alias])};
    if status != "unprotected" {
        u.set("policyId", c.policy_id(workload));
    }
    u.set("directoryObjectId", &p.id);
    u.set("displayName", &p.name);
    u.set("email", &p.upn);
    for (k, v) in unit_common(c, &key, status, &p.created) {
        u.set(&k, v);
    }
    u
}

pub fn person_units_doc(c: &Client, t: T, workload: &str) -> J {
    let value = person_units(c, t, workload)
        .into_iter()
        .map(|(p, s)| person_unit(c, p, workload, s))
        .collect();
    obj! {"value" => J::Arr(value)}
}

pub fn site_units_doc(c: &Client, t: T) -> J {
    let mut value = Vec::new();
    for site in c.sites.iter().filter(|s| dt(s.created) <= t) {
        let status = (site.status)(t);
        let host = c.sp_host;
        let mut u = obj! {
            "@odata.type" => "#microsoft.graph.siteProtectionUnit",
            "id" => gid(&[c.cid, "site-unit", site.key]),
            "siteId" => format!("{host},{},{}", gid(&[c.cid, "site-collection", site.key]), gid(&[c.cid, "site-web", site.key])),
            "siteName" => site.name,
            "siteWebUrl" => format!("https://{host}{}", site.path),
        };
        if status != "unprotected" {
            u.set("policyId", c.policy_id("sharepoint"));
        }
        for (k, v) in unit_common(c, &format!("site{}", site.key), status, site.created) {
            u.set(&k, v);
        }
        value.push(u);
    }
    obj! {"value" => J::Arr(value)}
}

fn protected_count(doc: &J) -> i64 {
    doc.value()
        .iter()
        .filter(|u| u.get("status").map(J::str) == Some("protected"))
        .count() as i64
}

pub fn restore_sessions_doc(c: &Client, t: T) -> J {
    let mut value = Vec::new();
    for test in &c.tests {
        let session_type = match test.workload {
            "exchange" => "#microsoft.graph.exchangeRestoreSession",
            "onedrive" => "#microsoft.graph.oneDriveForBusinessRestoreSession",
            "sharepoint" => "#microsoft.graph.sharePointRestoreSession",
            _ => continue,
        };
        if test.product != Some("m365") {
            continue;
        }
        let start = dt(&format!("{}T{}", test.date, test.time));
        let end = start + mins(test.minutes());
        if end > t {
            continue;
        }
        let failed = test.result == "failed";
        let status = if failed {
            "failed"
        } else if test.result == "partial" {
            "completedWithError"
        } else {
            "completed"
        };
        value.push(obj! {
            "@odata.type" => session_type,
            "id" => gid(&[c.cid, "restore-session", test.ticket]),
            "status" => status,
            "restoreJobType" => "standard",
            "restoreSessionArtifactCount" => obj! {"total" => 1i64, "completed" => if failed { 0i64 } else { 1 }, "failed" => if failed { 1i64 } else { 0 }, "inProgress" => 0i64},
            "createdBy" => identity_set(c, c.backup_admin, true),
            "createdDateTime" => tsf(start, &[c.cid, test.ticket]),
            "completedDateTime" => tsf(end, &[c.cid, test.ticket, "end"]),
            "lastModifiedBy" => identity_set(c, c.backup_admin, true),
            "lastModifiedDateTime" => tsf(end, &[c.cid, test.ticket, "end"]),
            "error" => test.session_error.map(|(code, message)| obj! {"code" => code, "message" => message}),
        });
    }
    value.sort_by(|a, b| {
        let key = |v: &J| {
            v.get("createdDateTime")
                .map(J::str)
                .unwrap_or_default()
                .to_owned()
        };
        key(b).cmp(&key(a))
    });
    obj! {"@odata.context" => "/solutions/backupRestore/$metadata#restoreSessions", "value" => J::Arr(value)}
}

/// One row of the neutral backup-jobs.csv.
#[derive(Clone, Debug)]
pub struct Row {
    pub job_id: String,
    pub workload: &'static str,
    pub started_at: String,
    pub finished_at: String,
    pub status: &'static str,
    pub items_total: i64,
    pub items_protected: i64,
    pub product: &'static str,
    pub message: String,
}

impl Row {
    fn field(&self, column: &str) -> String {
        match column {
            "job_id" => self.job_id.clone(),
            "workload" => self.workload.into(),
            "started_at" => self.started_at.clone(),
            "finished_at" => self.finished_at.clone(),
            "status" => self.status.into(),
            "items_total" => self.items_total.to_string(),
            "items_protected" => self.items_protected.to_string(),
            "product" => self.product.into(),
            _ => self.message.clone(),
        }
    }
}

/// The export's id for a Microsoft 365 Backup run: workload, start and a short hash.
fn m365_session_id(c: &Client, s: T, w: &str) -> String {
    let prefix = match w {
        "exchange" => "EXO",
        "onedrive" => "ODB",
        _ => "SPO",
    };
    let hash = gid(&[c.cid, "job", w, &iso(s)]);
    format!("{prefix}-{}-{}", s.strftime("%Y%m%d%H%M"), &hash[..8])
}

/// Acme Cloud Backup session ids are opaque: `ACB-` and ten hex digits.
fn acme_session_id(c: &Client, s: T, w: &str) -> String {
    let hash = gid(&[c.cid, "acme", w, &iso(s)]).replace('-', "");
    format!("ACB-{}", hash[..10].to_uppercase())
}

fn job_id(c: &Client, ids: JobIds, s: T, w: &str) -> String {
    match ids {
        JobIds::M365 => m365_session_id(c, s, w),
        JobIds::Acme => acme_session_id(c, s, w),
        JobIds::Veeam => c.veeam.as_ref().map_or("", |v| v.job).to_owned(),
    }
}

fn items(c: &Client, items: &Items, s: T) -> i64 {
    match items {
        Items::Const(n) => *n,
        Items::Count(f) => f(c, s),
        Items::Units(workload) => {
            let key = (*workload, s.date());
            if let Some(n) = c.items_memo.borrow().get(&key) {
                return *n;
            }
            let n = match *workload {
                "exchange" | "onedrive" => protected_count(&person_units_doc(c, s, workload)),
                "sharepoint" => protected_count(&site_units_doc(c, s)),
                _ => 0,
            };
            c.items_memo.borrow_mut().insert(key, n);
            n
        }
    }
}

/// Rows of backup-jobs.csv for one month, in start order: every run from the month's
/// start up to the collection (runs still going at collection are not exported), plus
/// the runs since the previous snapshot.
pub fn backup_jobs(c: &Client, month: &str) -> Vec<Row> {
    let t_end = collected_at(month);
    let mut rows = Vec::new();
    for (w, spec) in &c.job_specs {
        let period = hours(spec.every_h);
        let first = month_start(month) + mins(spec.offset_min);
        let mut runs = Vec::new();
        let mut s = first;
        while s < t_end {
            runs.push(s);
            s += period;
        }
        let mut r = rng(&[c.cid, month, w, "jobs"]);
        let mut status: Vec<(usize, &'static str, String)> = Vec::new();
        // explicit outage windows: every run inside fails
        for (m, windows) in &spec.outages {
            if *m != month {
                continue;
            }
            for (a, b, msg) in windows {
                for (i, s) in runs.iter().enumerate() {
                    if dt(a) <= *s && *s < dt(b) {
                        set_status(&mut status, i, "failed", msg.to_string());
                    }
                }
            }
        }
        let (nfail, nwarn) = spec
            .failures
            .iter()
            .find(|(m, _)| *m == month)
            .map_or((0, 0), |(_, f)| *f);
        let mut candidates: Vec<usize> = (1..runs.len().saturating_sub(1))
            .filter(|i| !status.iter().any(|s| s.0 == *i))
            .collect();
        let mut picked: Vec<usize> = Vec::new();
        while picked.len() < nfail + nwarn && !candidates.is_empty() {
            let i = *r.choice(&candidates);
            candidates.retain(|x| *x != i);
            let near = |j: &usize| (i as i64 - *j as i64).abs() < 3;
            if picked.iter().any(near) || status.iter().any(|s| near(&s.0)) {
                continue;
            }
            picked.push(i);
        }
        for (n, i) in picked.iter().enumerate() {
            if n < nfail {
                let msg = r.choice(&spec.fail_messages).to_string();
                set_status(&mut status, *i, "failed", msg);
            } else {
                let msg = r.choice(&spec.warn_messages).to_string();
                set_status(&mut status, *i, "warning", msg);
            }
        }
        for (i, s) in runs.iter().enumerate() {
            let total = items(c, &spec.items, *s);
            let (st, msg) = status
                .iter()
                .find(|x| x.0 == i)
                .map_or(("success", String::new()), |x| (x.1, x.2.clone()));
            let m = r.randrange2(spec.minutes.0, spec.minutes.1);
            let mut dur = mins(m) + secs(r.randrange(60));
            let done;
            if st == "failed" {
                let m = r.randrange2(2, 9);
                dur = mins(m) + secs(r.randrange(60));
                done = if r.random() < 0.6 {
                    0
                } else {
                    0.max(total - r.randrange2(2.max(total / 3), total + 1))
                };
            } else if st == "warning" {
                done = total - r.randrange2(1, 3);
            } else {
                done = total;
            }
            let fin = *s + dur;
            if fin > t_end {
                continue; // still running at collection: not exported
            }
            rows.push(Row {
                job_id: job_id(c, spec.job_id, *s, w),
                workload: w,
                started_at: ts(*s),
                finished_at: ts(fin),
                status: st,
                items_total: total,
                items_protected: done.max(0),
                product: spec.product,
                message: msg,
            });
        }
        // The export reaches back to the previous snapshot: the runs between last
        // month's collection and this month's start are in no other export, and custody
        // measures the RPO gap across the month boundary from them.
        let Some(i) = MONTHS.iter().position(|m| *m == month) else {
            continue;
        };
        if i > 0 {
            let since = collected_at(MONTHS[i - 1]);
            let mut carry = Vec::new();
            let mut s = first - period;
            while s >= since {
                carry.push(s);
                s -= period;
            }
            let mut r2 = rng(&[c.cid, month, w, "carry-over"]);
            let outages: &[(&str, &str, &str)] = spec
                .outages
                .iter()
                .find(|(m, _)| *m == MONTHS[i - 1])
                .map_or(&[], |(_, o)| o.as_slice());
            for s in carry.into_iter().rev() {
                let total = items(c, &spec.items, s);
                let failed = outages
                    .iter()
                    .find(|(a, b, _)| dt(a) <= s && s < dt(b))
                    .map(|o| o.2);
                let (st, msg, done, dur) = match failed {
                    Some(msg) => {
                        let m = r2.randrange2(2, 9);
                        (
                            "failed",
                            msg.to_string(),
                            0,
                            mins(m) + secs(r2.randrange(60)),
                        )
                    }
                    None => {
                        let m = r2.randrange2(spec.minutes.0, spec.minutes.1);
                        (
                            "success",
                            String::new(),
                            total,
                            mins(m) + secs(r2.randrange(60)),
                        )
                    }
                };
                rows.push(Row {
                    job_id: job_id(c, spec.job_id, s, w),
                    workload: w,
                    started_at: ts(s),
                    finished_at: ts(s + dur),
                    status: st,
                    items_total: total,
                    items_protected: done,
                    product: spec.product,
                    message: msg,
                });
            }
        }
    }
    rows.sort_by(|a, b| (&a.started_at, a.workload).cmp(&(&b.started_at, b.workload)));
    rows
}

fn set_status(
    status: &mut Vec<(usize, &'static str, String)>,
    i: usize,
    st: &'static str,
    msg: String,
) {
    match status.iter_mut().find(|s| s.0 == i) {
        Some(slot) => *slot = (i, st, msg),
        None => status.push((i, st, msg)),
    }
}

/// backup-jobs.csv with the client's columns, as Python's csv module writes it: `\n`
/// line ends, a field quoted only when it holds a comma, a quote or a line break.
pub fn jobs_csv(c: &Client, rows: &[Row]) -> String {
    let mut out = String::new();
    let line = |fields: Vec<String>| -> String {
        let cells: Vec<String> = fields
            .into_iter()
            .map(|f| {
                if f.contains([',', '"', '\n', '\r']) {
                    format!("\"{}\"", f.replace('"', "\"\""))
                } else {
                    f
                }
            })
            .collect();
        format!("{}\n", cells.join(","))
    };
    out.push_str(&line(c.job_columns.iter().map(|s| s.to_string()).collect()));
    for row in rows {
        out.push_str(&line(
            c.job_columns.iter().map(|col| row.field(col)).collect(),
        ));
    }
    out
}

/// restore-tests.toml of a month (tests done in a backup product's own console; Veeam's
/// are in its restore sessions instead); a comment-only file in months without tests.
pub fn restore_tests_toml(c: &Client, month: &str) -> String {
    let mut tests: Vec<_> = c
        .tests
        .iter()
        .filter(|x| x.date.starts_with(month) && x.product != Some("veeam"))
        .collect();
    let head = format!(
        "# Restore tests performed in {month} for {} (custody restore-tests.toml).\n",
        c.name
    );
    if tests.is_empty() {
        return head + "# No restore tests were performed this month.\n";
    }
    tests.sort_by(|a, b| (a.date, a.workload).cmp(&(b.date, b.workload)));
    let mut out = head;
    for x in tests {
        out.push_str("\n[[test]]\n");
        out.push_str(&format!("date = {}\n", x.date));
        out.push_str(&format!("workload = {}\n", toml_str(x.workload)));
        out.push_str(&format!("item = {}\n", toml_str(x.item)));
        out.push_str(&format!("result = {}\n", toml_str(x.result)));
        out.push_str(&format!("duration = {}\n", toml_str(x.duration)));
        out.push_str(&format!("ticket = {}\n", toml_str(x.ticket)));
        out.push_str(&format!("performed_by = {}\n", toml_str(x.performed_by)));
    }
    out
}

fn veeam_status(s: &str) -> &'static str {
    match s {
        "success" | "passed" => "Success",
        "warning" | "partial" => "Warning",
        _ => "Failed",
    }
}

/// One month of a Veeam Backup for Microsoft 365 server's REST responses for the client,
/// in the shapes of its API reference (v8): GET /v8/Jobs (the client's job), GET
/// /v8/Jobs/{id}/JobSessions (every page merged: the runs since the previous snapshot)
/// and GET /v8/RestoreSessions (the client's organization only).
pub fn veeam_exports(c: &Client, month: &str, runs: &[Row]) -> Vec<(&'static str, J)> {
    let Some(v) = &c.veeam else { return Vec::new() };
    let job_id = gid(&[c.cid, "veeam-job", v.job]);
    let org = gid(&[c.cid, "veeam-org"]);
    let t = collected_at(month);
    let jobs = J::Arr(vec![obj! {
        "id" => &job_id,
        "name" => v.job,
        "description" => v.description,
        "backupType" => "EntireOrganization",
        "schedulePolicy" => obj! {"scheduleEnabled" => true, "type" => "Periodically", "periodicallyEvery" => "Hours8"},
        "isEnabled" => true,
        "lastStatus" => runs.last().map_or("Success", |r| veeam_status(r.status)),
        "_links" => obj! {
            "self" => obj! {"href" => format!("/v8/Jobs/{job_id}")},
            "organization" => obj! {"href" => format!("/v8/Organizations/{org}")},
            "backupRepository" => obj! {"href" => format!("/v8/BackupRepositories/{}", gid(&[c.cid, "veeam-repo"]))},
            "jobsessions" => obj! {"href" => format!("/v8/Jobs/{job_id}/JobSessions")},
        },
    }]);
    let mut sessions = Vec::new();
    for r in runs {
        let sid = gid(&[c.cid, "veeam-session", &r.started_at]);
        let start = dt(&r.started_at[..r.started_at.len() - 1]);
        let end = dt(&r.finished_at[..r.finished_at.len() - 1]);
        let seconds = 1.max(end.duration_since(start).as_secs());
        let done = r.items_protected;
        sessions.push(obj! {
            "id" => &sid,
            "creationTime" => tsf(start, &[c.cid, &sid]),
            "endTime" => tsf(end, &[c.cid, &sid, "end"]),
            "retryCount" => 0i64,
            "jobWillBeRetried" => false,
            "progress" => 100i64,
            "status" => veeam_status(r.status),
            "statistics" => obj! {
                "processingRateBytesPS" => floor_div(done * 52000, seconds),
                "processingRateItemsPS" => 1.max(floor_div(done * 40, seconds)),
                "readRateBytesPS" => floor_div(done * 61000, seconds),
                "writeRateBytesPS" => floor_div(done * 48000, seconds),
                "transferredDataBytes" => done * 52000,
                "processedObjects" => done,
                "bottleneck" => "Source",
            },
            "jobId" => &job_id,
            "_links" => obj! {
                "self" => obj! {"href" => format!("/v8/JobSessions/{sid}")},
                "job" => obj! {"href" => format!("/v8/Jobs/{job_id}")},
                "log" => obj! {"href" => format!("/v8/JobSessions/{sid}/LogItems")},
            },
        });
    }
    let mut restores = Vec::new();
    for x in c
        .tests
        .iter()
        .filter(|x| x.product == Some("veeam") && x.date.starts_with(month))
    {
        let start = dt(&format!("{}T{}", x.date, x.time));
        let end = start + mins(x.minutes());
        if end > t {
            continue;
        }
        let rid = gid(&[c.cid, "veeam-restore", x.ticket]);
        let kind = match x.workload {
            "exchange" => "Vex",
            "onedrive" => "Veod",
            "sharepoint" => "Vesp",
            _ => "Vet",
        };
        restores.push(obj! {
            "id" => &rid,
            "name" => x.item,
            "organization" => c.onms,
            "type" => kind,
            "creationTime" => tsf(start, &[c.cid, x.ticket]),
            "endTime" => tsf(end, &[c.cid, x.ticket, "end"]),
            "state" => "Stopped",
            "result" => veeam_status(x.result),
            "initiatedBy" => x.performed_by,
            "details" => "",
            "scopeName" => "",
            "clientHost" => "vbo01.msp.example",
            "reason" => x.ticket,
            "_links" => obj! {
                "self" => obj! {"href" => format!("/v8/RestoreSessions/{rid}")},
                "organization" => obj! {"href" => format!("/v8/Organizations/{org}")},
            },
        });
    }
    let page = |path: &str, results: Vec<J>| {
        obj! {"offset" => 0i64, "limit" => results.len(), "results" => J::Arr(results), "_links" => obj! {"self" => obj! {"href" => path}}}
    };
    vec![
        ("backup/veeam/Jobs.json", jobs),
        (
            "backup/veeam/JobSessions.json",
            page("/v8/JobSessions", sessions),
        ),
        (
            "backup/veeam/RestoreSessions.json",
            page("/v8/RestoreSessions", restores),
        ),
    ]
}

/// Python's `//` on integers.
fn floor_div(a: i64, b: i64) -> i64 {
    a.div_euclid(b)
}
