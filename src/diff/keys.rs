//! Every key of every policy file, with the direction `custody diff` gives its changes,
//! and the safety net behind the typed rules: a key whose value differs between BASE
//! and HEAD but that no rule classifies is a weakening, "unclassified", never neutral.
//!
//! A test walks the JSON Schema of the policy files (derived from the types the loader
//! reads) and fails when a key accepted by the loader has no row here, so a new key
//! cannot reach the diff without a decided direction.

use super::{Change, Effect};
use crate::policy::{Policy, Workload};
use std::collections::BTreeMap;

/// Every key of backup.toml's `[csv]` mapping: it decides which runs count and pass.
const CSV_MAPPING: &str = "any change of the [csv] mapping weakens: it decides which runs count and which pass (reviewers decide)";

/// `(file, key, direction)`. Keys are dotted paths: `name[]` is an array of tables, `*`
/// at the top of backup.toml any workload, `thresholds.*.*` any control's parameter.
pub const KEYS: &[(&str, &str, &str)] = &[
    ("client.toml", "name", "neutral"),
    (
        "client.toml",
        "tenant_id",
        "weakens: evidence is accepted from another tenant (no waiver justifies it)",
    ),
    ("client.toml", "domains", "neutral"),
    ("client.toml", "branding.accent", "neutral"),
    ("client.toml", "branding.logo", "neutral"),
    (
        "client.toml",
        "publishing.enabled",
        "true → false weakens (no longer published; no waiver justifies it), false → true strengthens",
    ),
    (
        "raci.toml",
        "activity[].id",
        "identifies the activity: one added or removed is neutral, its controls decide",
    ),
    ("raci.toml", "activity[].name", "neutral"),
    (
        "raci.toml",
        "activity[].responsible",
        "none left weakens, the first added strengthens, otherwise neutral",
    ),
    (
        "raci.toml",
        "activity[].accountable",
        "exactly one → none or several weakens, back to exactly one strengthens, otherwise neutral",
    ),
    ("raci.toml", "activity[].consulted", "neutral"),
    ("raci.toml", "activity[].informed", "neutral"),
    (
        "raci.toml",
        "activity[].controls",
        "a pattern removed weakens when a control it matched is owned by no activity; added strengthens when it owns a control no activity owned; otherwise neutral",
    ),
    (
        "controls.toml",
        "identity.model",
        "conditional_access → security_defaults weakens, the reverse strengthens",
    ),
    (
        "controls.toml",
        "identity.pim",
        "true → false weakens, false → true strengthens",
    ),
    (
        "controls.toml",
        "access.break_glass",
        "an account added weakens (exclusion widened); removed strengthens, removing the last weakens",
    ),
    (
        "controls.toml",
        "access.privileged_roles",
        "a role added strengthens (more watched), removed weakens",
    ),
    (
        "controls.toml",
        "thresholds.*.*",
        "by the parameter's declared direction (`Param::direction` in the catalogue)",
    ),
    (
        "controls.toml",
        "approved_assignment[].principal",
        "identifies the approval: one added weakens (more privilege approved), removed strengthens",
    ),
    (
        "controls.toml",
        "approved_assignment[].role",
        "identifies the approval: one added weakens (more privilege approved), removed strengthens",
    ),
    (
        "controls.toml",
        "approved_assignment[].assignment",
        "eligible → active weakens, active → eligible strengthens",
    ),
    (
        "controls.toml",
        "waiver[].control",
        "a waiver added weakens, removed strengthens",
    ),
    (
        "controls.toml",
        "waiver[].expires",
        "later weakens (extended, or an expired waiver put back in force), earlier strengthens",
    ),
    (
        "controls.toml",
        "waiver[].reason",
        "neutral; a placeholder weakens",
    ),
    (
        "controls.toml",
        "waiver[].approved_by",
        "neutral; a placeholder weakens",
    ),
    (
        "controls.toml",
        "waiver[].ticket",
        "neutral; a placeholder weakens",
    ),
    (
        "controls.toml",
        "disabled[].control",
        "a control disabled weakens, enabled again strengthens",
    ),
    ("controls.toml", "disabled[].reason", "neutral"),
    (
        "backup.toml",
        "*.in_scope",
        "true → false weakens, false → true strengthens; a workload table removed while in scope weakens",
    ),
    (
        "backup.toml",
        "*.scope",
        "all → selected weakens (exclusion widened), selected → all strengthens",
    ),
    (
        "backup.toml",
        "*.frequency",
        "longer weakens, shorter strengthens, removed weakens",
    ),
    (
        "backup.toml",
        "*.retention",
        "shorter weakens, longer strengthens, removed weakens",
    ),
    (
        "backup.toml",
        "*.rpo",
        "longer weakens, shorter strengthens, removed weakens",
    ),
    (
        "backup.toml",
        "*.rto",
        "longer weakens, shorter strengthens, removed weakens",
    ),
    (
        "backup.toml",
        "*.restore_test_cadence",
        "longer (tested less often) weakens, shorter strengthens, removed weakens",
    ),
    (
        "backup.toml",
        "*.provider",
        "removed weakens (policy incomplete), added strengthens, changed neutral",
    ),
    (
        "backup.toml",
        "*.encryption",
        "removed weakens (policy incomplete), added strengthens, changed neutral",
    ),
    (
        "backup.toml",
        "*.storage_location",
        "removed weakens (policy incomplete), added strengthens, changed neutral",
    ),
    (
        "backup.toml",
        "*.owner",
        "removed weakens (policy incomplete), added strengthens, changed neutral",
    ),
    ("backup.toml", "*.scope_note", "neutral"),
    ("backup.toml", "*.reason", "neutral"),
    (
        "backup.toml",
        "*.known_gaps",
        "a gap added weakens (exclusion widened); a gap removed is neutral (closed or no longer written down: the evidence tells); the key removed weakens (policy incomplete)",
    ),
    (
        "backup.toml",
        "*.veeam_jobs",
        "any change weakens (which Veeam jobs' sessions count as the workload's backups: reviewers decide)",
    ),
    ("backup.toml", "csv.file", CSV_MAPPING),
    ("backup.toml", "csv.columns.job", CSV_MAPPING),
    ("backup.toml", "csv.columns.workload", CSV_MAPPING),
    ("backup.toml", "csv.columns.start", CSV_MAPPING),
    ("backup.toml", "csv.columns.end", CSV_MAPPING),
    ("backup.toml", "csv.columns.status", CSV_MAPPING),
    ("backup.toml", "csv.columns.items_total", CSV_MAPPING),
    ("backup.toml", "csv.columns.items_protected", CSV_MAPPING),
    ("backup.toml", "csv.status_map", CSV_MAPPING),
    ("backup.toml", "csv.workload_map", CSV_MAPPING),
    ("backup.toml", "csv.date_format", CSV_MAPPING),
    ("backup.toml", "csv.utc_offset", CSV_MAPPING),
    ("backup.toml", "csv.delimiter", CSV_MAPPING),
    (
        "backup.toml",
        "retention.legal_minimum",
        "lower or removed weakens, higher or added strengthens",
    ),
    (
        "backup.toml",
        "retention.relies_on_backup",
        "false → true weakens, true → false strengthens",
    ),
    (
        "backup.toml",
        "retention.compliance_location",
        "removed weakens, added strengthens, changed neutral",
    ),
];

/// What a *new* client's value of each key is compared with (see `new_client.rs`):
/// `(file, key, reference)`. Every row of [`KEYS`] has one (a test checks), and the
/// tests of `diff::tests` give each a new client that sets it.
const OWN: &str = "the client's own identity or description: not compared";
const NOTHING: &str = "compared with nothing granted: each one declared is classified as if added";
const REVIEW: &str = "the new-client reference (frequency 24h, retention 1y, RPO 24h, RTO 72h, restore-test cadence 180d): a looser value on an in-scope workload weakens";
const PART: &str = "part of its row, compared with nothing granted: the row is classified as added";
const MAPPING: &str = "compared with no mapping: the [csv] mapping declared weakens";

pub const NEW_CLIENT: &[(&str, &str, &str)] = &[
    ("client.toml", "name", OWN),
    (
        "client.toml",
        "tenant_id",
        "the client's own tenant: neutral, unless another client of BASE or HEAD declares it (weakens: evidence accepted from another client's tenant)",
    ),
    ("client.toml", "domains", OWN),
    ("client.toml", "branding.accent", OWN),
    ("client.toml", "branding.logo", OWN),
    (
        "client.toml",
        "publishing.enabled",
        "compared with the default true: false weakens",
    ),
    ("raci.toml", "activity[].id", OWN),
    ("raci.toml", "activity[].name", OWN),
    (
        "raci.toml",
        "activity[].responsible",
        "compared with someone responsible: none weakens",
    ),
    (
        "raci.toml",
        "activity[].accountable",
        "compared with exactly one accountable: none or several weakens",
    ),
    ("raci.toml", "activity[].consulted", OWN),
    ("raci.toml", "activity[].informed", OWN),
    (
        "raci.toml",
        "activity[].controls",
        "compared with every enabled control owned: the controls no activity owns weaken",
    ),
    (
        "controls.toml",
        "identity.model",
        "compared with the default conditional_access: security_defaults weakens",
    ),
    (
        "controls.toml",
        "identity.pim",
        "compared with the default true: false weakens",
    ),
    (
        "controls.toml",
        "access.break_glass",
        "compared with none: each account weakens (exclusion widened)",
    ),
    (
        "controls.toml",
        "access.privileged_roles",
        "compared with none: each role strengthens (more watched)",
    ),
    (
        "controls.toml",
        "thresholds.*.*",
        "compared with the catalogue default: looser weakens, tighter strengthens, equal neutral",
    ),
    ("controls.toml", "approved_assignment[].principal", NOTHING),
    ("controls.toml", "approved_assignment[].role", NOTHING),
    ("controls.toml", "approved_assignment[].assignment", PART),
    ("controls.toml", "waiver[].control", NOTHING),
    ("controls.toml", "waiver[].expires", PART),
    ("controls.toml", "waiver[].reason", PART),
    ("controls.toml", "waiver[].approved_by", PART),
    ("controls.toml", "waiver[].ticket", PART),
    ("controls.toml", "disabled[].control", NOTHING),
    ("controls.toml", "disabled[].reason", PART),
    (
        "backup.toml",
        "*.in_scope",
        "compared with in scope: false weakens",
    ),
    (
        "backup.toml",
        "*.scope",
        "compared with all: selected weakens",
    ),
    ("backup.toml", "*.frequency", REVIEW),
    ("backup.toml", "*.retention", REVIEW),
    ("backup.toml", "*.rpo", REVIEW),
    ("backup.toml", "*.rto", REVIEW),
    ("backup.toml", "*.restore_test_cadence", REVIEW),
    ("backup.toml", "*.provider", OWN),
    ("backup.toml", "*.encryption", OWN),
    ("backup.toml", "*.storage_location", OWN),
    ("backup.toml", "*.owner", OWN),
    ("backup.toml", "*.scope_note", OWN),
    ("backup.toml", "*.reason", OWN),
    (
        "backup.toml",
        "*.known_gaps",
        "compared with no gap: each gap weakens",
    ),
    (
        "backup.toml",
        "*.veeam_jobs",
        "compared with no job list: declared weakens (reviewers decide)",
    ),
    ("backup.toml", "csv.file", MAPPING),
    ("backup.toml", "csv.columns.job", MAPPING),
    ("backup.toml", "csv.columns.workload", MAPPING),
    ("backup.toml", "csv.columns.start", MAPPING),
    ("backup.toml", "csv.columns.end", MAPPING),
    ("backup.toml", "csv.columns.status", MAPPING),
    ("backup.toml", "csv.columns.items_total", MAPPING),
    ("backup.toml", "csv.columns.items_protected", MAPPING),
    ("backup.toml", "csv.status_map", MAPPING),
    ("backup.toml", "csv.workload_map", MAPPING),
    ("backup.toml", "csv.date_format", MAPPING),
    ("backup.toml", "csv.utc_offset", MAPPING),
    ("backup.toml", "csv.delimiter", MAPPING),
    (
        "backup.toml",
        "retention.legal_minimum",
        "compared with none: declared strengthens",
    ),
    (
        "backup.toml",
        "retention.relies_on_backup",
        "compared with the default false: true weakens",
    ),
    (
        "backup.toml",
        "retention.compliance_location",
        "compared with none: declared strengthens",
    ),
];

/// The policy files whose keys are classified.
const FILES: [&str; 4] = ["client.toml", "raci.toml", "controls.toml", "backup.toml"];

/// Adds a weakening (area `unclassified`) for every key whose values differ between
/// BASE and HEAD and that has no row in [`KEYS`].
pub(super) fn unclassified(out: &mut Vec<Change>, client: &str, b: &Policy, h: &Policy) {
    unclassified_with(out, client, b, h, KEYS);
}

pub(super) fn unclassified_with(
    out: &mut Vec<Change>,
    client: &str,
    b: &Policy,
    h: &Policy,
    keys: &[(&str, &str, &str)],
) {
    for file in FILES {
        let path = format!("clients/{client}/{file}");
        let (vb, vh) = (values(b, &path, file), values(h, &path, file));
        let patterns: std::collections::BTreeSet<&String> = vb.keys().chain(vh.keys()).collect();
        for pattern in patterns {
            if vb.get(pattern) == vh.get(pattern)
                || keys.iter().any(|(f, k, _)| {
                    // A map's own keys (`csv.status_map.*`) are covered by the map's row.
                    *f == file && (k == pattern || pattern.strip_prefix(k) == Some(".*"))
                })
            {
                continue;
            }
            let show = |v: Option<&Vec<String>>| v.map(|v| v.join(", "));
            let before = show(vb.get(pattern));
            let after = show(vh.get(pattern));
            out.push(Change {
                area: "unclassified".to_owned(),
                subject: format!("{file}: {pattern}"),
                reason: format!(
                    "{file} key {pattern} changed: weakens (unclassified: no rule says which way this key is stricter)"
                ),
                before,
                after,
                effect: Effect::Weakens,
                file: path.clone(),
                line: None,
                domain: None,
                controls: Vec::new(),
                justified: false,
                justified_by: None,
                unjustified_because: None,
            });
        }
    }
}

/// Every key pattern of a policy file with its values (sorted, as TOML), read from the
/// text the policy was loaded from. A file that does not parse has no keys here (the
/// loader reported it).
pub(super) fn values(p: &Policy, path: &str, file: &str) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let Some((_, text)) = p.sources.iter().find(|(f, _)| f == path) else {
        return out;
    };
    let Ok(table) = text.parse::<toml::Table>() else {
        return out;
    };
    walk(&toml::Value::Table(table), &mut Vec::new(), file, &mut out);
    for v in out.values_mut() {
        v.sort();
    }
    out
}

fn walk(
    v: &toml::Value,
    path: &mut Vec<String>,
    file: &str,
    out: &mut BTreeMap<String, Vec<String>>,
) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                path.push(segment(file, path, k));
                walk(v, path, file, out);
                path.pop();
            }
        }
        toml::Value::Array(items) if !items.is_empty() && items.iter().all(|i| i.is_table()) => {
            if let Some(last) = path.last_mut() {
                last.push_str("[]");
            }
            for i in items {
                walk(i, path, file, out);
            }
            if let Some(last) = path.last_mut() {
                last.truncate(last.len() - 2);
            }
        }
        leaf => {
            out.entry(path.join("."))
                .or_default()
                .push(leaf.to_string());
        }
    }
}

/// The pattern segment of key `k` at `path`: workloads and threshold ids and
/// parameters stand as `*`.
fn segment(file: &str, path: &[String], k: &str) -> String {
    let workload = file == "backup.toml" && path.is_empty() && Workload::parse(k).is_some();
    let threshold = file == "controls.toml" && path.first().is_some_and(|p| p == "thresholds");
    // The product's own status and workload names, keys of backup.toml's `[csv]` maps.
    let mapped = file == "backup.toml"
        && path.len() == 2
        && path[0] == "csv"
        && (path[1] == "status_map" || path[1] == "workload_map");
    if workload || threshold || mapped {
        "*".to_owned()
    } else {
        k.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Key patterns of a JSON Schema, as [`KEYS`] writes them.
    fn schema_keys(file: &str, v: &Value, path: &mut Vec<String>, out: &mut Vec<String>) {
        if let Some(props) = v.get("properties").and_then(Value::as_object) {
            for (k, c) in props {
                path.push(segment(file, path, k));
                schema_keys(file, c, path, out);
                path.pop();
            }
            // `thresholds`: an object of objects keyed by control id.
            return;
        }
        if let Some(items) = v.get("items").filter(|i| i.get("properties").is_some()) {
            if let Some(last) = path.last_mut() {
                last.push_str("[]");
            }
            schema_keys(file, items, path, out);
            if let Some(last) = path.last_mut() {
                last.truncate(last.len() - 2);
            }
            return;
        }
        out.push(path.join("."));
    }

    #[test]
    fn every_key_has_a_new_client_reference() {
        for (f, k, _) in KEYS {
            let rows = NEW_CLIENT
                .iter()
                .filter(|(nf, nk, _)| nf == f && nk == k)
                .count();
            assert_eq!(
                rows, 1,
                "KEYS row {f} {k} needs exactly one row in NEW_CLIENT (what a new client's value is compared with)"
            );
        }
        for (f, k, _) in NEW_CLIENT {
            assert!(
                KEYS.iter().any(|(kf, kk, _)| kf == f && kk == k),
                "NEW_CLIENT row {f} {k} is no row of KEYS"
            );
        }
    }

    #[test]
    fn every_key_the_loader_accepts_has_a_direction() {
        let mut listed: Vec<(String, String)> = Vec::new();
        for file in FILES {
            let schema = crate::schema::schema_for(file).expect("schema");
            let mut keys = Vec::new();
            schema_keys(file, &schema, &mut Vec::new(), &mut keys);
            keys.sort();
            keys.dedup();
            assert!(!keys.is_empty(), "{file}");
            for k in keys {
                assert!(
                    KEYS.iter().any(|(f, key, _)| *f == file && *key == k),
                    "{file} key {k} has no direction in diff::keys::KEYS"
                );
                listed.push((file.to_owned(), k));
            }
        }
        // No stale rows either.
        for (f, k, _) in KEYS {
            assert!(
                listed.iter().any(|(lf, lk)| lf == f && lk == k),
                "KEYS row {f} {k} is no key of the policy files"
            );
        }
    }
}
