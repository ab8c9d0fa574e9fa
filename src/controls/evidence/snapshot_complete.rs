//! `evidence.snapshot-complete`: every file custody collects is present or explained, and
//! every file matches the manifest's hash.

use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::endpoints::ENDPOINTS;
use crate::evidence::listing::{Unvouched, all_unvouched};
use crate::evidence::{MANIFEST, Missing, group_members_file};
use crate::model::{At, Domain, Status};

pub fn control() -> Control {
    Control::new("evidence.snapshot-complete", Domain::Evidence, "The month's snapshot is complete and intact", complete)
        .doc(
            "manifest.json exists; every file the client's controls need (and the membership file of every group holding a role) is present and readable, or the manifest explains why not; every collection holds all its pages (no `@odata.nextLink`, no fewer items than `@odata.count`); every file in the month is listed in the manifest with a matching sha256 (a file added or changed afterwards is not evidence: it is set aside as if absent, and named); every tenant id the snapshot states is client.toml's, and at least one states it: the manifest's `tenant_id`, and in any Graph response a `tenantId` or `azureTenantId` field, a Secure Score or subscribed SKU id (`<tenant>_…`), a SKU's `accountId`, a PIM policy id (`DirectoryRole_<tenant>_…`), an audit detail `TenantId` or a tenant-scoped `@odata` URL. Another tenant's snapshot fails naming the file, JSON path and both ids, and every control that reads it is no_evidence.",
            "A scorecard is only as good as its evidence: a missing file would silently turn controls into `no_evidence`, and a changed file breaks the chain of custody.",
            "Re-run `custody collect` for the month; grant the missing Graph permissions or licences named in the items; never edit collected files by hand.",
        )
        .weight(2)
}

/// Where client.toml states the tenant id, for findings about whose snapshot this is.
fn tenant_at(ctx: &Ctx) -> At {
    let file = format!("clients/{}/client.toml", ctx.client);
    let line = ctx
        .policy
        .sources
        .iter()
        .find(|(p, _)| *p == file)
        .and_then(|(_, text)| {
            text.lines()
                .position(|l| l.trim_start().starts_with("tenant_id"))
        });
    match line {
        Some(i) => At {
            file,
            line: i + 1,
            column: 1,
        },
        None => At::file_start(&file),
    }
}

fn complete(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let snap = ctx.snap;
    let mfile = snap.path(MANIFEST);
    let own = &ctx.policy.client.tenant_id;
    // Whose snapshot is this? Any tenant id it states must be client.toml's.
    if let Some(first) = snap.foreign_claim(own) {
        let foreign: Vec<&crate::evidence::TenantClaim> = snap
            .tenant_claims
            .iter()
            .filter(|c| !c.tenant_id.trim().eq_ignore_ascii_case(own.trim()))
            .collect();
        let mut o = Outcome::fail(format!(
            "another tenant's snapshot: {} says tenant {}, client.toml says {own}",
            first.file.rsplit('/').next().unwrap_or(&first.file),
            first.tenant_id
        ))
        .measured(format!("tenant {}", first.tenant_id))
        .threshold(format!("tenant {own}"))
        // One item per file, at the first place it names another tenant (a file can
        // name it once per record: thousands of times).
        .items(
            foreign
                .iter()
                .enumerate()
                .filter(|(i, c)| !foreign[..*i].iter().any(|o| o.file == c.file))
                .map(|(_, c)| {
                    let more = foreign.iter().filter(|o| o.file == c.file).count() - 1;
                    format!(
                        "{}{}: tenant {}, not client.toml's {own}{}",
                        c.file
                            .strip_prefix(&format!("{}/", snap.dir))
                            .unwrap_or(&c.file),
                        c.pointer,
                        c.tenant_id,
                        if more > 0 {
                            format!(" (and {more} more place(s) in the file)")
                        } else {
                            String::new()
                        }
                    )
                }),
        )
        .policy([tenant_at(ctx)]);
        for c in foreign.iter().take(30) {
            o = o.evidence(c.file.clone(), c.pointer.clone());
        }
        return Ok(o);
    }
    let Ok(manifest) = snap.manifest.get() else {
        let reason = snap
            .manifest
            .get()
            .err()
            .map(|m| m.reason)
            .unwrap_or_default();
        return Ok(Outcome::fail(format!("no usable manifest.json ({reason})"))
            .measured("no manifest")
            .threshold("manifest and every file")
            .evidence(mfile, ""));
    };
    let uses_m365 = ctx
        .policy
        .backup
        .workloads
        .values()
        .any(|w| w.in_scope && w.uses_m365_backup());
    let mut expected: Vec<String> = ENDPOINTS
        .iter()
        .filter(|e| uses_m365 || !e.m365_backup)
        .map(|e| e.file.to_owned())
        .collect();
    // The backup records each in-scope workload's policy reads (backup-jobs.csv, a
    // Veeam export, restore tests).
    expected.extend(crate::controls::backup::expected_files(&ctx.policy.backup));
    // The members of every group holding a role (the roles are held through them).
    expected.extend(
        crate::controls::access::role_groups(snap)
            .iter()
            .map(|(id, _)| group_members_file(id)),
    );
    let present: std::collections::HashMap<&str, &str> = snap
        .files
        .iter()
        .map(|(f, h)| (f.as_str(), h.as_str()))
        .collect();
    let mut fails = Vec::new();
    let mut warns = Vec::new();
    // An expected file counts as present stored as itself or gzip-compressed (`.gz`).
    let stored = |f: &str| {
        present.contains_key(f)
            || present.contains_key(format!("{f}{}", crate::evidence::GZIP_SUFFIX).as_str())
    };
    for f in expected.iter().map(String::as_str) {
        if stored(f) {
            let endpoint = ENDPOINTS.iter().find(|e| e.file == f).map(|e| e.endpoint);
            let group = f
                .strip_prefix(crate::evidence::GROUP_MEMBERS_DIR)
                .and_then(|g| g.strip_prefix('/'))
                .and_then(|g| g.strip_suffix(".json"))
                .and_then(|g| snap.group_members.get(g))
                .and_then(|s| s.get().err());
            if let Some(m) = endpoint
                .and_then(|e| snap.slot_missing(e))
                .or(group)
                .filter(|m| m.reason.starts_with("unreadable"))
            {
                fails.push(format!("{f}: {}", m.reason));
            }
            continue;
        }
        match manifest.endpoint(f).and_then(|e| {
            e.missing
                .as_deref()
                .map(|k| (k, e.missing_reason().unwrap_or_default()))
        }) {
            Some(("not_applicable", _)) => {}
            Some(("not_licensed" | "permission_missing", reason)) => {
                warns.push(format!("{f}: {reason}"))
            }
            Some((_, reason)) => fails.push(format!("{f}: {reason}")),
            None => fails.push(format!("{f}: missing and not explained by the manifest")),
        }
    }
    for (f, _) in manifest.hashes() {
        if !present.contains_key(f) {
            fails.push(format!("{f}: listed in manifest.json but missing"));
        }
    }
    // A file the manifest does not vouch for is not evidence (the loader set it aside):
    // added or changed after the month was collected or sealed.
    let unvouched = all_unvouched(snap);
    for (f, why) in &unvouched {
        fails.push(match why {
            Unvouched::Changed => {
                format!("{f}: sha256 does not match manifest.json (modified after collection)")
            }
            Unvouched::Unlisted => format!(
                "{f}: not listed in manifest.json, so not evidence (added after the month was collected or sealed?)"
            ),
        });
    }
    for m in snap.incomplete() {
        let rel = m
            .file
            .strip_prefix(&format!("{}/", snap.dir))
            .unwrap_or(&m.file)
            .to_owned();
        fails.push(format!("{rel}: {}", m.reason));
    }
    if snap.tenant_claims.is_empty() {
        fails.push(format!(
            "{MANIFEST}: no tenant_id, and no Graph response carries one: nothing shows this is tenant {own}"
        ));
    }
    // Present means present as evidence: stored, and vouched for by the manifest.
    let vouched = |f: &str| {
        !unvouched
            .iter()
            .any(|(u, _)| u == f || *u == format!("{f}{}", crate::evidence::GZIP_SUFFIX))
    };
    let present_n = expected
        .iter()
        .filter(|f| stored(f.as_str()) && vouched(f))
        .count();
    let status = if !fails.is_empty() {
        Status::Fail
    } else if !warns.is_empty() {
        Status::Warn
    } else {
        Status::Pass
    };
    let message = match status {
        Status::Pass => format!(
            "all {} expected files present and matching the manifest",
            expected.len()
        ),
        Status::Warn => format!(
            "{} missing, each explained by the manifest",
            crate::controls::count(warns.len(), "expected file", "expected files")
        ),
        _ if warns.is_empty() => format!(
            "{} with the snapshot",
            crate::controls::count(fails.len(), "problem", "problems")
        ),
        _ => format!(
            "{} with the snapshot; {} missing, each explained by the manifest",
            crate::controls::count(fails.len(), "problem", "problems"),
            crate::controls::count(warns.len(), "expected file", "expected files")
        ),
    };
    let mut items = fails;
    items.extend(warns);
    Ok(Outcome::new(status, message)
        .measured(format!("{present_n}/{} files", expected.len()))
        .threshold("every expected file present or explained; hashes match")
        .items(items)
        .evidence(mfile, ""))
}

#[cfg(test)]
mod tests {
    use crate::controls::testing::{
        BACKUP_TOML, FIXTURE_TENANT, Fx, MONTH, RESTORE_OK, daily_jobs, default_graph,
    };
    use crate::evidence::sha256_hex;
    use crate::scorecard::Status;
    use std::collections::BTreeMap;

    /// The current month's files exactly as `Fx::new()` writes them.
    fn fixture_files() -> BTreeMap<String, String> {
        let mut files: BTreeMap<String, String> = default_graph()
            .into_iter()
            .map(|(k, v)| (format!("graph/{k}"), v))
            .collect();
        files.insert("backup-jobs.csv".into(), daily_jobs(MONTH, 23));
        files.insert("restore-tests.toml".into(), RESTORE_OK.into());
        files
    }

    /// A manifest.json as `collect` writes it, vouching for `files` as they are now.
    fn manifest(files: &BTreeMap<String, String>) -> String {
        let endpoints: Vec<serde_json::Value> = files
            .iter()
            .filter(|(f, _)| f.starts_with("graph/"))
            .map(|(f, t)| serde_json::json!({"file": f, "request": "GET x", "status": 200, "pages": 1, "items": 1, "sha256": sha256_hex(t.as_bytes())}))
            .collect();
        let others: serde_json::Map<String, serde_json::Value> = files
            .iter()
            .filter(|(f, _)| !f.starts_with("graph/"))
            .map(|(f, t)| (f.clone(), sha256_hex(t.as_bytes()).into()))
            .collect();
        serde_json::json!({
            "schema_version": 1,
            "collected_at": "2026-11-23T03:00:00Z",
            "tool": {"name": "custody", "version": "0.1.0"},
            "tenant_id": "11111111-2222-3333-4444-555555555555",
            "endpoints": endpoints,
            "files": others,
        })
        .to_string()
    }

    #[test]
    fn a_complete_snapshot_passes() {
        let o = Fx::new().eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(o.measured.as_deref(), Some("23/23 files"));
        assert_eq!(o.evidence[0].file, "evidence/acme/2026-11/manifest.json");
    }

    #[test]
    fn a_hand_written_manifest_matching_the_files_passes() {
        let o = Fx::new()
            .file(MONTH, "manifest.json", &manifest(&fixture_files()))
            .eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn a_file_modified_after_collection_fails() {
        let m = manifest(&fixture_files());
        let edited = default_graph()["users.json"]
            .replace("\"accountEnabled\":true", "\"accountEnabled\":false");
        let o = Fx::new()
            .file(MONTH, "manifest.json", &m)
            .graph("users.json", &edited)
            .eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            ["graph/users.json: sha256 does not match manifest.json (modified after collection)"]
        );
    }

    #[test]
    fn an_edited_non_graph_file_fails_too() {
        let m = manifest(&fixture_files());
        let o = Fx::new()
            .file(MONTH, "manifest.json", &m)
            .file(
                MONTH,
                "restore-tests.toml",
                &RESTORE_OK.replace("40m", "4m"),
            )
            .eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            ["restore-tests.toml: sha256 does not match manifest.json (modified after collection)"]
        );
    }

    #[test]
    fn a_hash_in_upper_case_still_matches() {
        let files = fixture_files();
        let h = sha256_hex(files["graph/users.json"].as_bytes());
        let m = manifest(&files).replace(&h, &h.to_uppercase());
        let o = Fx::new()
            .file(MONTH, "manifest.json", &m)
            .eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn an_unexplained_missing_file_fails() {
        let o = Fx::new()
            .without("graph/secureScores.json")
            .eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            ["graph/secureScores.json: missing and not explained by the manifest"]
        );
        assert_eq!(o.measured.as_deref(), Some("22/23 files"));
    }

    #[test]
    fn a_file_listed_in_the_manifest_but_deleted_fails() {
        let m = manifest(&fixture_files());
        let o = Fx::new()
            .file(MONTH, "manifest.json", &m)
            .without("backup-jobs.csv")
            .eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            [
                "backup-jobs.csv: missing and not explained by the manifest",
                "backup-jobs.csv: listed in manifest.json but missing"
            ]
        );
    }

    #[test]
    fn a_file_not_licensed_warns() {
        let o = Fx::new()
            .missing_as(
                "graph/userRegistrationDetails.json",
                "not_licensed",
                "Entra ID P1 required",
            )
            .eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Warn);
        assert_eq!(
            o.items,
            ["graph/userRegistrationDetails.json: not licensed: Entra ID P1 required"]
        );
        assert_eq!(
            o.message,
            "1 expected file missing, each explained by the manifest"
        );
    }

    #[test]
    fn a_missing_permission_warns_and_a_collection_error_fails() {
        let o = Fx::new()
            .missing_as(
                "graph/directoryAudits.json",
                "permission_missing",
                "AuditLog.Read.All not granted",
            )
            .eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Warn);
        assert_eq!(
            o.items,
            ["graph/directoryAudits.json: permission missing: AuditLog.Read.All not granted"]
        );

        let o = Fx::new()
            .missing_as(
                "graph/directoryAudits.json",
                "error",
                "HTTP 429 after 5 retries",
            )
            .eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            ["graph/directoryAudits.json: collection failed: HTTP 429 after 5 retries"]
        );
    }

    #[test]
    fn a_not_applicable_file_is_no_gap() {
        let o = Fx::new()
            .missing_as(
                "graph/restoreSessions.json",
                "not_applicable",
                "no restores this month",
            )
            .eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn regression_a_file_the_manifest_does_not_list_fails_and_decides_nothing() {
        // Red team `grpadd`: a file dropped into a sealed month only warned, and its
        // content still decided verdicts.
        let mut files = fixture_files();
        files.remove("restore-tests.toml");
        let fx = Fx::new().file(MONTH, "manifest.json", &manifest(&files));
        let o = fx.eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(
            o.items,
            [
                "restore-tests.toml: not listed in manifest.json, so not evidence (added after the month was collected or sealed?)"
            ]
        );
        assert_eq!(o.message, "1 problem with the snapshot");
        assert_eq!(o.measured.as_deref(), Some("22/23 files"));
        // The restore test it records is not read: as if the file were absent.
        let o = fx.eval("backup.exchange.restore-test");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert!(
            o.message
                .contains("restore-tests.toml is not listed in manifest.json"),
            "{}",
            o.message
        );
    }

    #[test]
    fn an_unlisted_malformed_graph_file_is_still_bad_input_but_decides_nothing() {
        let mut files = fixture_files();
        files.remove("graph/domains.json");
        let fx = Fx::new()
            .graph("domains.json", r#"{"value":[{"id":7}]}"#)
            .file(MONTH, "manifest.json", &manifest(&files));
        let dir = fx.write();
        let snap = crate::evidence::load_snapshot(
            dir.path(),
            &crate::client_id::ClientId::parse("acme").unwrap(),
            crate::month::Month::parse(MONTH).unwrap(),
        );
        // Still named as bad input (exit 2), with its JSON path.
        assert_eq!(snap.diags.len(), 1, "{:?}", snap.diags);
        assert_eq!(snap.diags[0].json_path.as_deref(), Some("/value/0/id"));
        let why = snap.domains.get().unwrap_err();
        assert_eq!(why.file, "evidence/acme/2026-11/graph/domains.json");
        assert!(
            why.reason.contains("not listed in manifest.json"),
            "{}",
            why.reason
        );
        let o = fx.eval("identity.passwords-never-expire");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
    }

    #[test]
    fn a_file_changed_after_collection_is_set_aside_too() {
        let m = manifest(&fixture_files());
        let edited = default_graph()["users.json"].replace("bg1@", "bg9@");
        let fx = Fx::new()
            .file(MONTH, "manifest.json", &m)
            .graph("users.json", &edited);
        let o = fx.eval("access.break-glass");
        assert_eq!(o.status, Status::NoEvidence, "{o:?}");
        assert!(
            o.message.contains("sha256 does not match manifest.json"),
            "{}",
            o.message
        );
    }

    #[test]
    fn failures_and_explained_gaps_are_counted_apart() {
        let o = Fx::new()
            .missing_as(
                "graph/userRegistrationDetails.json",
                "not_licensed",
                "Entra ID P1 required",
            )
            .without("graph/domains.json")
            .eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.message,
            "1 problem with the snapshot; 1 expected file missing, each explained by the manifest"
        );
        assert_eq!(o.items.len(), 2);
    }

    #[test]
    fn an_unreadable_graph_file_fails() {
        let o = Fx::new()
            .graph("users.json", r#"{"value":[{"id":"x","#)
            .eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items.len(), 1);
        assert!(
            o.items[0].starts_with("graph/users.json: unreadable"),
            "{:?}",
            o.items
        );
    }

    #[test]
    fn an_unreadable_manifest_fails() {
        let o = Fx::new()
            .file(MONTH, "manifest.json", "{\"schema_version\": 1,")
            .eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Fail);
        assert!(
            o.message.starts_with("no usable manifest.json (unreadable"),
            "{}",
            o.message
        );
        assert_eq!(o.measured.as_deref(), Some("no manifest"));
    }

    #[test]
    fn microsoft_365_backup_files_are_only_expected_when_it_is_used() {
        let toml = BACKUP_TOML.replacen(
            "provider = \"microsoft-365-backup\"",
            "provider = \"acme-cloud-backup\"",
            1,
        );
        let mut fx = Fx::new().policy("backup.toml", &toml);
        for f in [
            "protectionPolicies.json",
            "mailboxProtectionUnits.json",
            "driveProtectionUnits.json",
            "siteProtectionUnits.json",
            "restoreSessions.json",
        ] {
            fx = fx.without(&format!("graph/{f}"));
        }
        let o = fx.eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(o.measured.as_deref(), Some("17/17 files"));

        let o = fx
            .policy("backup.toml", BACKUP_TOML)
            .eval("evidence.snapshot-complete");
        assert_eq!(
            o.status,
            Status::Fail,
            "expected again once Microsoft 365 Backup is the provider"
        );
        assert_eq!(o.items.len(), 5);
    }

    #[test]
    fn backup_records_are_not_expected_without_an_in_scope_workload() {
        let toml = BACKUP_TOML.replacen(
            "[exchange]\nin_scope = true",
            "[exchange]\nin_scope = false\nreason = \"mail is archived by the client\"",
            1,
        );
        let o = Fx::new()
            .policy("backup.toml", &toml)
            .without("backup-jobs.csv")
            .without("restore-tests.toml")
            .eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(o.measured.as_deref(), Some("15/15 files"));
    }

    /// A first page exported from Graph Explorer: `@odata.nextLink` still in the file.
    fn first_page(file: &str) -> String {
        let json = &default_graph()[file];
        json.replacen(
            "{",
            r#"{"@odata.nextLink":"https://graph.microsoft.com/v1.0/users?$skiptoken=RFNwdAIAAQAAAC","#,
            1,
        )
    }

    #[test]
    fn a_first_page_export_fails_completeness_and_its_controls_are_no_evidence() {
        let fx = Fx::new().graph("users.json", &first_page("users.json"));
        let o = fx.eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(
            o.items,
            ["graph/users.json: first page only: users.json still has @odata.nextLink"]
        );
        for id in [
            "access.stale-admins",
            "access.break-glass",
            "backup.exchange.protection-coverage",
        ] {
            let o = fx.eval(id);
            assert_eq!(o.status, Status::NoEvidence, "{id}: {o:?}");
            assert_eq!(
                o.message, "first page only: users.json still has @odata.nextLink",
                "{id}"
            );
        }
    }

    #[test]
    fn a_null_next_link_is_a_last_page() {
        let json = default_graph()["users.json"].replacen("{", r#"{"@odata.nextLink":null,"#, 1);
        let o = Fx::new()
            .graph("users.json", &json)
            .eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn fewer_items_than_the_odata_count_is_incomplete() {
        let json = default_graph()["userRegistrationDetails.json"].replacen(
            "{",
            r#"{"@odata.count":500,"#,
            1,
        );
        let fx = Fx::new().graph("userRegistrationDetails.json", &json);
        let o = fx.eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            [
                "graph/userRegistrationDetails.json: incomplete: userRegistrationDetails.json has 4 items but its @odata.count is 500"
            ]
        );
        let o = fx.eval("identity.mfa-admins");
        assert_eq!(o.status, Status::NoEvidence);
        assert!(o.message.starts_with("incomplete:"), "{}", o.message);
        // A count that matches (or a numeric string, as some exporters write) is complete.
        for count in ["4", "\"4\""] {
            let json = default_graph()["userRegistrationDetails.json"].replacen(
                "{",
                &format!(r#"{{"@odata.count":{count},"#),
                1,
            );
            let o = Fx::new()
                .graph("userRegistrationDetails.json", &json)
                .eval("identity.mfa-admins");
            assert_eq!(o.status, Status::Pass, "{count}: {o:?}");
        }
    }

    #[test]
    fn secure_scores_keep_their_first_page_on_purpose() {
        let json = r#"{"@odata.nextLink":"https://graph.microsoft.com/v1.0/security/secureScores?$top=1&$skip=1","value":[{"azureTenantId":"11111111-2222-3333-4444-555555555555","currentScore":60.5,"maxScore":100,"createdDateTime":"2026-11-20T00:00:00Z"}]}"#;
        let o = Fx::new()
            .graph("secureScores.json", json)
            .eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    const OTHER: &str = "99999999-8888-7777-6666-555555555555";

    #[test]
    fn another_tenants_manifest_fails_naming_both_ids_and_every_snapshot_control_is_no_evidence() {
        let fx = Fx::new().with_prev().manifest_tenant(Some(OTHER));
        let card = fx.scorecard();
        let complete = card
            .results
            .iter()
            .find(|r| r.control == "evidence.snapshot-complete")
            .unwrap();
        assert_eq!(complete.status, Status::Fail);
        assert_eq!(
            complete.message,
            format!(
                "another tenant's snapshot: manifest.json says tenant {OTHER}, client.toml says 11111111-2222-3333-4444-555555555555"
            )
        );
        assert_eq!(complete.policy[0].file, "clients/acme/client.toml");
        assert_eq!(complete.policy[0].line, 2);
        // Only controls judged from the policy files alone keep a verdict.
        let policy_only = [
            "governance.raci-complete",
            "governance.controls-owned",
            "governance.workload-owners",
            "governance.no-placeholders",
            "retention.separate-from-backup",
            "evidence.snapshot-complete",
        ];
        for r in &card.results {
            if policy_only.contains(&r.control.as_str())
                || r.control.ends_with(".policy-complete")
                || r.status == Status::NotApplicable
            {
                continue;
            }
            assert_eq!(
                r.status,
                Status::NoEvidence,
                "{}: {:?}",
                r.control,
                r.message
            );
            assert!(
                r.message.starts_with("another tenant's snapshot"),
                "{}: {}",
                r.control,
                r.message
            );
        }
        // Its files are never packed or published as this client's.
        assert!(card.evidence.files.is_empty());
        assert!(card.role_changes.is_empty());
    }

    #[test]
    fn a_secure_score_of_another_tenant_is_another_tenants_snapshot() {
        let json = format!(
            r#"{{"value":[{{"azureTenantId":"{OTHER}","currentScore":60.5,"maxScore":100,"createdDateTime":"2026-11-20T00:00:00Z"}}]}}"#
        );
        let fx = Fx::new().graph("secureScores.json", &json);
        let o = fx.eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            [format!(
                "graph/secureScores.json/value/0/azureTenantId: tenant {OTHER}, not client.toml's 11111111-2222-3333-4444-555555555555"
            )]
        );
        assert_eq!(fx.eval("identity.mfa-admins").status, Status::NoEvidence);
        // The same id in another case is the same tenant.
        let same = json.replace(
            OTHER,
            "11111111-2222-3333-4444-555555555555"
                .to_uppercase()
                .as_str(),
        );
        let o = Fx::new()
            .graph("secureScores.json", &same)
            .eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    /// `json` with the fixture tenant's ids taken out (SKU `accountId`, `<tenant>_` ids).
    fn without_tenant_ids(json: &str) -> String {
        json.replace(&format!("\"accountId\":\"{FIXTURE_TENANT}\","), "")
            .replace(&format!("{FIXTURE_TENANT}_"), "x_")
    }

    #[test]
    fn a_snapshot_stating_no_tenant_id_fails_completeness_only() {
        let g = default_graph();
        let fx = Fx::new()
            .manifest_tenant(None)
            .graph(
                "subscribedSkus.json",
                &without_tenant_ids(&g["subscribedSkus.json"]),
            )
            .graph(
                "roleManagementPolicyAssignments.json",
                &without_tenant_ids(&g["roleManagementPolicyAssignments.json"]),
            );
        let o = fx.eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            [
                "manifest.json: no tenant_id, and no Graph response carries one: nothing shows this is tenant 11111111-2222-3333-4444-555555555555"
            ]
        );
        assert_eq!(fx.eval("identity.mfa-admins").status, Status::Pass);
        // A secure score naming the right tenant is proof enough.
        let json = r#"{"value":[{"azureTenantId":"11111111-2222-3333-4444-555555555555","currentScore":60.5,"maxScore":100}]}"#;
        let o = fx
            .graph("secureScores.json", json)
            .eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn regression_another_tenants_subscribed_skus_are_another_tenants_snapshot() {
        // Red team `foreign`: northwind's files copied over fabrikam's, Secure Score and
        // manifest kept, passed because only those two were asked whose they are.
        let skus = default_graph()["subscribedSkus.json"].replace(
            r#""skuId":"s1""#,
            &format!(r#""accountId":"{OTHER}","id":"{OTHER}_s1","skuId":"s1""#),
        );
        let fx = Fx::new().graph("subscribedSkus.json", &skus);
        let o = fx.eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert!(
            o.message.starts_with(
                "another tenant's snapshot: subscribedSkus.json says tenant 99999999-8888-7777-6666-555555555555"
            ),
            "{}",
            o.message
        );
        assert_eq!(o.items.len(), 1, "{:?}", o.items);
        assert!(
            o.items[0].starts_with(&format!(
                "graph/subscribedSkus.json/value/0/accountId: tenant {OTHER}, not client.toml's {FIXTURE_TENANT} (and "
            )),
            "{:?}",
            o.items
        );
        assert_eq!(o.evidence[0].pointer, "/value/0/accountId");
        for id in [
            "identity.licences",
            "identity.mfa-admins",
            "access.global-admin-count",
        ] {
            let o = fx.eval(id);
            assert_eq!(o.status, Status::NoEvidence, "{id}: {o:?}");
            assert!(o.message.starts_with("another tenant's snapshot"), "{id}");
        }
    }

    #[test]
    fn another_tenants_pim_policies_are_another_tenants_snapshot() {
        let json =
            default_graph()["roleManagementPolicyAssignments.json"].replace(FIXTURE_TENANT, OTHER);
        let o = Fx::new()
            .graph("roleManagementPolicyAssignments.json", &json)
            .eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Fail);
        assert!(
            o.items[0].starts_with(&format!(
                "graph/roleManagementPolicyAssignments.json/value/0/id: tenant {OTHER}"
            )),
            "{:?}",
            o.items
        );
    }

    #[test]
    fn a_tenant_id_field_anywhere_in_a_graph_file_is_a_claim() {
        // A `tenantId` in an audit event's target (or any other record) names the tenant
        // the record is from.
        let json = format!(
            r#"{{"value":[{{"id":"a1","category":"RoleManagement","activityDateTime":"2026-11-20T10:00:00Z","targetResources":[{{"id":"x","tenantId":"{OTHER}"}}]}}]}}"#
        );
        let o = Fx::new()
            .graph("directoryAudits.json", &json)
            .eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            [format!(
                "graph/directoryAudits.json/value/0/targetResources/0/tenantId: tenant {OTHER}, not client.toml's {FIXTURE_TENANT}"
            )]
        );
        // The same id as the client's is no finding.
        let own = json.replace(OTHER, FIXTURE_TENANT);
        let o = Fx::new()
            .graph("directoryAudits.json", &own)
            .eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn an_unlisted_file_naming_another_tenant_is_not_read_for_claims() {
        // Not evidence at all: named as unlisted, not as another tenant's snapshot.
        let mut files = fixture_files();
        files.remove("graph/subscribedSkus.json");
        let skus = default_graph()["subscribedSkus.json"].replace(
            r#""skuId":"s1""#,
            &format!(r#""accountId":"{OTHER}","skuId":"s1""#),
        );
        let o = Fx::new()
            .graph("subscribedSkus.json", &skus)
            .file(MONTH, "manifest.json", &manifest(&files))
            .eval("evidence.snapshot-complete");
        assert_eq!(o.status, Status::Fail);
        assert!(
            o.items
                .iter()
                .any(|i| i.starts_with("graph/subscribedSkus.json: not listed in manifest.json")),
            "{:?}",
            o.items
        );
        assert!(!o.message.starts_with("another tenant's"), "{}", o.message);
    }
}
