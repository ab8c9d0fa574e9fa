//! Evidence: the month's snapshot exists, is complete (every expected file present or
//! explained, every hash matching the manifest) and was collected within the month.

use super::*;
use crate::evidence::endpoints::ENDPOINTS;
use crate::evidence::{BACKUP_JOBS, MANIFEST, RESTORE_TESTS};

pub fn controls() -> Vec<Control> {
    vec![
        Control::new("evidence.snapshot-complete", Domain::Evidence, "The month's snapshot is complete and intact", complete)
            .doc(
                "manifest.json exists; every file the client's controls need is present and readable, or the manifest explains why not; every file's sha256 matches the manifest.",
                "A scorecard is only as good as its evidence: a missing file would silently turn controls into `no_evidence`, and a changed file breaks the chain of custody.",
                "Re-run `custody collect` for the month; grant the missing Graph permissions or licences named in the items; never edit collected files by hand.",
            )
            .weight(2),
        Control::new("evidence.snapshot-fresh", Domain::Evidence, "The snapshot was collected in its month", fresh)
            .doc(
                "manifest.json `collected_at` falls within the month the snapshot is filed under.",
                "A snapshot from another month describes another tenant state; filing it under this month misreports the month.",
                "Collect the month's snapshot during the month (the publish workflow runs on a schedule) and file it under the right YYYY-MM.",
            ),
    ]
}

fn complete(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let snap = ctx.snap;
    let mfile = snap.path(MANIFEST);
    let Ok(manifest) = snap.manifest.get() else {
        let reason = snap.manifest.get().err().map(|m| m.reason).unwrap_or_default();
        return Ok(Outcome::fail(format!("no usable manifest.json ({reason})")).measured("no manifest").threshold("manifest and every file").evidence(mfile, ""));
    };
    let uses_m365 = ctx.policy.backup.workloads.values().any(|w| w.in_scope && w.uses_m365_backup());
    let any_backup = ctx.policy.backup.workloads.values().any(|w| w.in_scope);
    let mut expected: Vec<&str> = ENDPOINTS.iter().filter(|e| uses_m365 || !e.m365_backup).map(|e| e.file).collect();
    if any_backup {
        expected.push(BACKUP_JOBS);
        expected.push(RESTORE_TESTS);
    }
    let present: std::collections::HashMap<&str, &str> = snap.files.iter().map(|(f, h)| (f.as_str(), h.as_str())).collect();
    let mut fails = Vec::new();
    let mut warns = Vec::new();
    for f in &expected {
        if present.contains_key(f) {
            let endpoint = ENDPOINTS.iter().find(|e| e.file == *f).map(|e| e.endpoint);
            if let Some(m) = endpoint.and_then(|e| snap.slot_missing(e)).filter(|m| m.reason.starts_with("unreadable")) {
                fails.push(format!("{f}: {}", m.reason));
            }
            continue;
        }
        match manifest.endpoint(f).and_then(|e| e.missing.as_deref().map(|k| (k, e.missing_reason().unwrap_or_default()))) {
            Some(("not_applicable", _)) => {}
            Some(("not_licensed" | "permission_missing", reason)) => warns.push(format!("{f}: {reason}")),
            Some((_, reason)) => fails.push(format!("{f}: {reason}")),
            None => fails.push(format!("{f}: missing and not explained by the manifest")),
        }
    }
    for (f, want) in manifest.hashes() {
        match present.get(f) {
            Some(got) if got.eq_ignore_ascii_case(want) => {}
            Some(_) => fails.push(format!("{f}: sha256 does not match manifest.json (modified after collection)")),
            None => fails.push(format!("{f}: listed in manifest.json but missing")),
        }
    }
    let listed: std::collections::HashSet<&str> = manifest.hashes().map(|(f, _)| f).collect();
    for (f, _) in &snap.files {
        if f != MANIFEST && !listed.contains(f.as_str()) {
            warns.push(format!("{f}: not listed in manifest.json"));
        }
    }
    let present_n = expected.iter().filter(|f| present.contains_key(*f)).count();
    let status = if !fails.is_empty() {
        Status::Fail
    } else if !warns.is_empty() {
        Status::Warn
    } else {
        Status::Pass
    };
    let message = match status {
        Status::Pass => format!("all {} expected files present and matching the manifest", expected.len()),
        Status::Warn => format!("{} evidence gap(s) explained by the manifest", warns.len()),
        _ => format!("{} problem(s) with the snapshot", fails.len()),
    };
    let mut items = fails;
    items.extend(warns);
    Ok(Outcome::new(status, message)
        .measured(format!("{present_n}/{} files", expected.len()))
        .threshold("every expected file present or explained; hashes match")
        .items(items)
        .evidence(mfile, ""))
}

fn fresh(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let manifest = ctx.snap.manifest.get()?;
    let file = ctx.snap.path(MANIFEST);
    let Ok(t) = manifest.collected_at.parse::<jiff::Timestamp>() else {
        return Ok(Outcome::fail(format!("collected_at {:?} is not an RFC 3339 timestamp", manifest.collected_at)).evidence(file, "/collected_at"));
    };
    Ok(Outcome::check(ctx.month.contains(t), format!("collected {} within {}", manifest.collected_at, ctx.month), format!("collected {} outside {}", manifest.collected_at, ctx.month))
        .measured(manifest.collected_at.clone())
        .threshold(format!("within {}", ctx.month))
        .evidence(file, "/collected_at"))
}

