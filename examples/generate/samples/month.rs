//! One client's month of evidence: every Graph file, the backup exports and the
//! manifest, as `custody collect` (or, for the one hand-exported month, `custody seal`)
//! records them.

use super::Writer;
use super::backup::{backup_jobs, jobs_csv, restore_tests_toml, veeam_exports};
use super::ids::{T, dt, gid, hours, mins, rng, secs, sha1_hex, sha256, ts};
use super::json::{J, obj};
use super::model::Client;
use super::reference::{ENDPOINTS, MONTHS, TOOL_VERSION, page_size};
use super::{audit, backup, graph, policies};

/// When the month was collected: the 27th at 03:12:09Z; November on the 23rd, the day
/// before "today" (2026-11-24) in the tests.
pub fn collected_at(month: &str) -> T {
    if month == "2026-11" {
        dt("2026-11-23T03:12:09")
    } else {
        dt(&format!("{month}-27T03:12:09"))
    }
}

pub fn month_start(month: &str) -> T {
    dt(&format!("{month}-01"))
}

pub fn month_end(month: &str) -> T {
    month_start(month)
        .checked_add(jiff::Span::new().months(1))
        .unwrap_or_else(|_| month_start(month))
}

// Provenance of the sample months (see README "For auditors"): the MSP collects every
// client with one multi-tenant app registration and a federated credential (GitHub's OIDC
// token) in one scheduled run per month of its policy repository.
const CI_REPOSITORY: &str = "msp-example/custody-policies";

/// The one month exported by hand (a consent lapsed before the scheduled run) and sealed
/// with `custody seal --by`, as seal records it.
fn hand_sealed(cid: &str, month: &str) -> Option<&'static str> {
    (cid == "fabrikam" && month == "2026-08").then_some("Dana Whitaker <dana.whitaker@msp.example>")
}

/// The scheduled collect run of `month`, in the shape GitHub gives a run attempt.
fn ci_run_url(month: &str) -> String {
    let run_id = 16_000_000_000 + rng(&["run", month]).randrange(1_000_000_000);
    format!("https://github.com/{CI_REPOSITORY}/actions/runs/{run_id}/attempts/1")
}

/// The Graph documents of a month by file; `None` for a file not collected.
pub fn graph_docs(c: &Client, t: T) -> Vec<(&'static str, Option<J>)> {
    let p2 = (c.p2)(t);
    let mut docs: Vec<(&'static str, Option<J>)> = vec![
        ("graph/users.json", Some(graph::users_doc(c, t, c.p1))),
        (
            "graph/userRegistrationDetails.json",
            c.p1.then(|| graph::registration_doc(c, t)),
        ),
        (
            "graph/conditionalAccessPolicies.json",
            Some(
                obj! {"@odata.context" => format!("{}identity/conditionalAccess/policies", super::reference::GRAPH), "value" => J::Arr((c.ca_policies)(c, t))},
            ),
        ),
        (
            "graph/securityDefaults.json",
            Some(graph::security_defaults_doc(c.security_defaults)),
        ),
        ("graph/subscribedSkus.json", Some(graph::skus_doc(c, t))),
        (
            "graph/roleDefinitions.json",
            Some(graph::role_definitions_doc()),
        ),
        (
            "graph/roleAssignments.json",
            Some(graph::role_assignments_doc(c, t)),
        ),
        (
            "graph/roleEligibilitySchedules.json",
            p2.then(|| graph::eligibility_doc(c, t)),
        ),
        (
            "graph/roleAssignmentSchedules.json",
            p2.then(|| graph::assignment_schedules_doc(c, t)),
        ),
        (
            "graph/secureScores.json",
            Some(graph::secure_score_doc(c, t)),
        ),
        ("graph/directoryAudits.json", Some(audit::audits_doc(c, t))),
        (
            "graph/authenticationMethodsPolicy.json",
            Some(policies::auth_methods_doc(c, t)),
        ),
        (
            "graph/authorizationPolicy.json",
            Some(policies::authorization_doc(c, t)),
        ),
        ("graph/domains.json", Some(policies::domains_doc(c))),
        (
            "graph/roleManagementPolicyAssignments.json",
            p2.then(|| policies::role_policies_doc(c, t)),
        ),
    ];
    if c.m365_backup {
        docs.extend([
            (
                "graph/backupRestore.json",
                Some(backup::backup_service_doc(c)),
            ),
            (
                "graph/protectionPolicies.json",
                Some(backup::protection_policies_doc(c, t)),
            ),
            (
                "graph/mailboxProtectionUnits.json",
                Some(backup::person_units_doc(c, t, "exchange")),
            ),
            (
                "graph/driveProtectionUnits.json",
                Some(backup::person_units_doc(c, t, "onedrive")),
            ),
            (
                "graph/siteProtectionUnits.json",
                Some(backup::site_units_doc(c, t)),
            ),
            (
                "graph/restoreSessions.json",
                Some(backup::restore_sessions_doc(c, t)),
            ),
        ]);
    }
    docs
}

/// Writes the month's files; returns the Graph documents for the consistency checks.
pub fn write_month(w: &mut Writer, c: &Client, month: &str) -> Vec<(&'static str, J)> {
    let t = collected_at(month);
    let base = format!("evidence/{}/{month}/", c.cid);
    let docs = graph_docs(c, t);
    let sealed_by = hand_sealed(c.cid, month);
    let mut endpoints = Vec::new();
    let mut sizes: Vec<(String, J)> = Vec::new();
    for (f, req) in ENDPOINTS {
        let doc = docs
            .iter()
            .find(|(name, _)| name == f)
            .and_then(|(_, d)| d.as_ref());
        let Some(doc) = doc else {
            let extra = (c.missing)(c, f, t);
            let mut entry = obj! {"file" => *f, "request" => *req};
            for (k, v) in &extra {
                entry.set(k, v.clone());
            }
            if let Some(by) = sealed_by {
                // What `custody seal --not-licensed FILE` records for a refused export.
                let kind = extra
                    .iter()
                    .find(|(k, _)| k == "missing")
                    .map_or("not_exported", |(_, v)| v.str())
                    .to_owned();
                let reason = match kind.as_str() {
                    "not_licensed" => format!(
                        "Graph refused {req} for lack of a licence when it was exported by hand (stated by {by} when sealing)"
                    ),
                    "not_applicable" => {
                        "no workload in scope uses Microsoft 365 Backup (backup.toml)".to_owned()
                    }
                    _ => format!(
                        "not in the month folder when {by} sealed it; export {req} and seal again"
                    ),
                };
                entry = obj! {"file" => *f, "missing" => kind, "reason" => reason};
            }
            endpoints.push(entry);
            continue;
        };
        let data = w.put_json(&format!("{base}{f}"), doc);
        sizes.push((f.to_string(), J::from(data.len())));
        if sealed_by.is_some() {
            // A hand export has no request, status or page counts to record: only the hash.
            endpoints.push(obj! {"file" => *f, "sha256" => sha256(&data)});
            continue;
        }
        let (items, pages) = match doc.get("value") {
            Some(v) => {
                let n = v.arr().len();
                (n, 1.max(n.div_ceil(page_size(f))))
            }
            None => (1, 1),
        };
        let mut entry = obj! {"file" => *f, "request" => *req, "status" => 200i64, "pages" => pages, "items" => items, "sha256" => sha256(&data)};
        if *f == "graph/users.json" && !c.p1 {
            entry.set("note", "signInActivity not licensed");
        }
        endpoints.push(entry);
    }
    let mut rows = backup_jobs(c, month);
    let mut files: Vec<(String, J)> = Vec::new();
    if let Some(v) = &c.veeam {
        // The Veeam job's runs are its sessions, in the REST API's own files.
        let runs: Vec<_> = rows
            .iter()
            .filter(|r| v.runs_of.contains(&r.workload))
            .cloned()
            .collect();
        for (rel, doc) in veeam_exports(c, month, &runs) {
            let data = w.put_json(&format!("{base}{rel}"), &doc);
            files.push((rel.to_owned(), J::from(sha256(&data))));
            sizes.push((rel.to_owned(), J::from(data.len())));
        }
        rows.retain(|r| !v.runs_of.contains(&r.workload));
    }
    for (rel, text) in [
        ("backup-jobs.csv", jobs_csv(c, &rows)),
        ("restore-tests.toml", restore_tests_toml(c, month)),
    ] {
        let data = w.put_text(&format!("{base}{rel}"), &text);
        files.push((rel.to_owned(), J::from(sha256(&data))));
        sizes.push((rel.to_owned(), J::from(data.len())));
    }
    let commit = sha1_hex(format!("custody {TOOL_VERSION}").as_bytes());
    let (collected, provenance) = match sealed_by {
        Some(by) => {
            // `custody seal` stamps one time: when it sealed, after the export.
            let sealed = ts(t + hours(5) + mins(41) + secs(17));
            let p = obj! {
                "method" => "hand",
                "by" => by,
                "tenant_id" => &c.tenant,
                "custody_version" => TOOL_VERSION,
                "custody_commit" => &commit,
                "started_at" => &sealed,
                "finished_at" => &sealed,
            };
            (sealed, p)
        }
        None => {
            // `collect` records the time it finished as collected_at; a tenant takes minutes.
            let took = secs(rng(&["took", c.cid, month]).randrange2(95, 540));
            let p = obj! {
                "method" => "collect",
                "app_id" => gid(&["app", "msp-custody-collector"]),
                "credential" => "federated",
                "tenant_id" => &c.tenant,
                "custody_version" => TOOL_VERSION,
                "custody_commit" => &commit,
                "started_at" => ts(t - took),
                "finished_at" => ts(t),
                "ci_run_url" => ci_run_url(month),
            };
            (ts(t), p)
        }
    };
    files.sort_by(|a, b| a.0.cmp(&b.0));
    sizes.sort_by(|a, b| a.0.cmp(&b.0));
    let manifest = obj! {
        "schema_version" => 1i64,
        "collected_at" => collected,
        "tool" => obj! {"name" => "custody", "version" => TOOL_VERSION},
        "tenant_id" => &c.tenant,
        "endpoints" => J::Arr(endpoints),
        "files" => J::Obj(files),
        "sizes" => J::Obj(sizes),
        "provenance" => provenance,
    };
    w.put_json(&format!("{base}manifest.json"), &manifest);
    docs.into_iter()
        .filter_map(|(f, d)| d.map(|d| (f, d)))
        .collect()
}

/// The generator's own consistency: users, registrations and role principals agree;
/// jobs, tests and audit events fall inside the month and before the collection.
pub fn check_month(c: &Client, month: &str, docs: &[(&str, J)]) -> Result<(), String> {
    let t = collected_at(month);
    let fail = |what: String| Err(format!("{} {month}: {what}", c.cid));
    if !(month_start(month) <= t && t < month_end(month)) {
        return fail("collected outside the month".into());
    }
    let doc = |f: &str| docs.iter().find(|(n, _)| *n == f).map(|(_, d)| d);
    let users: Vec<&str> = doc("graph/users.json").map_or(vec![], |d| {
        d.value()
            .iter()
            .map(|u| u.get("id").map_or("", J::str))
            .collect()
    });
    let regs = doc("graph/userRegistrationDetails.json");
    if let Some(regs) = regs {
        let mut ids: Vec<&str> = regs
            .value()
            .iter()
            .map(|r| r.get("id").map_or("", J::str))
            .collect();
        let mut want = users.clone();
        ids.sort();
        want.sort();
        if ids != want {
            return fail("registration ids differ from user ids".into());
        }
    }
    for a in doc("graph/roleAssignments.json").map_or(&[][..], J::value) {
        let principal = a.get("principal").cloned().unwrap_or(J::Null);
        if principal.get("@odata.type").map(J::str) != Some("#microsoft.graph.user") {
            continue;
        }
        let pid = a.get("principalId").map_or("", J::str);
        if !users.contains(&pid) {
            return fail(format!(
                "role holder {} is no user",
                principal.get("userPrincipalName").map_or("", J::str)
            ));
        }
        if let Some(regs) = regs {
            let reg = regs
                .value()
                .iter()
                .find(|r| r.get("id").map(J::str) == Some(pid));
            let role = super::reference::role_name(a.get("roleDefinitionId").map_or("", J::str));
            if role.is_some_and(|r| super::reference::ADMIN_POLICY_ROLES.contains(&r))
                && reg.and_then(|r| r.get("isAdmin")) != Some(&J::Bool(true))
            {
                return fail(format!("admin {pid} not isAdmin in the registrations"));
            }
        }
    }
    for f in ["graph/roleEligibilitySchedules.json"] {
        for e in doc(f).map_or(&[][..], J::value) {
            if !users.contains(&e.get("principalId").map_or("", J::str)) {
                return fail("eligible principal is no user".into());
            }
        }
    }
    for f in [
        "graph/mailboxProtectionUnits.json",
        "graph/driveProtectionUnits.json",
    ] {
        for u in doc(f).map_or(&[][..], J::value) {
            if !users.contains(&u.get("directoryObjectId").map_or("", J::str)) {
                return fail(format!("{f}: unit of no user"));
            }
        }
    }
    let i = MONTHS.iter().position(|m| *m == month).unwrap_or(0);
    let since = if i > 0 {
        collected_at(MONTHS[i - 1])
    } else {
        month_start(month)
    };
    for row in backup_jobs(c, month) {
        let (s, f) = (&row.started_at, &row.finished_at);
        if !(since <= dt(&s[..s.len() - 1]) && dt(&f[..f.len() - 1]) <= t) {
            return fail(format!(
                "backup run {} outside the export window",
                row.job_id
            ));
        }
    }
    for x in c.tests.iter().filter(|x| x.date.starts_with(month)) {
        if dt(x.date) > t {
            return fail(format!("restore test {} after the collection", x.ticket));
        }
    }
    for e in doc("graph/directoryAudits.json").map_or(&[][..], J::value) {
        if dt(&audit::activity_time(e)[..19]) > t {
            return fail("audit event after the collection".into());
        }
    }
    Ok(())
}
