//! Microsoft 365 Backup restore points (`POST /solutions/backupRestore/restorePoints/search`)
//! as evidence of a workload's RPO where no backup job records exist (the service has no
//! "jobs"). `collect` asks, per workload, for the oldest and the latest restore point of
//! each searched protection unit in consecutive query windows no longer than the RPO, and
//! stores every call (the request body as sent, the response body as received) with the
//! sampling in one file; `backup.<workload>.rpo` reads the gaps back from it.
//!
//! Not a row of the endpoint table: the table's rows are GETs of one response each, read
//! the same way by `collect`, `doctor`, `seal` and `evidence.snapshot-complete`; this is
//! many POSTs whose bodies depend on the protection units just collected, and whose file
//! only the RPO of a workload without job records needs. Everything about it is here.

use super::endpoints::Endpoint;
use super::graph::{ProtectionUnit, graph_time};
use crate::model::workload::Workload;
use jiff::Timestamp;
use serde::{Deserialize, Deserializer};

/// Where the searches are stored, relative to the month folder.
pub const FILE: &str = "graph/restorePointSearches.json";
/// The request, relative to the Graph root.
pub const REQUEST: &str = "/v1.0/solutions/backupRestore/restorePoints/search";
/// Least-privileged application permission ("restorePoint: search", Graph API reference).
pub const PERMISSION: &str = "BackupRestore-Search.Read.All";
/// "Calls return a maximum of five restore points" (restorePoint: search, Graph API
/// reference): a call that returns this many may have been cut short.
pub const RESULT_CAP: usize = 5;
/// "You can include a maximum of 20 protection units in a single request."
pub const MAX_UNITS_PER_REQUEST: usize = 20;
/// Units per call `collect` sends: with `restorePointPreference` each unit answers with at
/// most one point, so five units can never reach the five-point cap, and every unit of
/// the call is answered in full (20 per call would leave 15 units unanswered).
pub const UNITS_PER_CALL: usize = RESULT_CAP;
/// Default `collect --restore-point-sample`: protection units searched per workload.
pub const DEFAULT_SAMPLE: usize = 20;
/// How a sample is chosen, in words (the rule is [`sample`]).
pub const CHOSEN_BY: &str = "the lowest SHA-256 of their id";

/// The protection units file of a workload Microsoft 365 Backup protects (Teams has none).
pub fn units_endpoint(w: Workload) -> Option<Endpoint> {
    match w {
        Workload::Exchange => Some(Endpoint::MailboxUnits),
        Workload::OneDrive => Some(Endpoint::DriveUnits),
        Workload::SharePoint => Some(Endpoint::SiteUnits),
        Workload::Teams => None,
    }
}

/// Whether a unit is searched: protected (a policy assigned, status `protected`) and
/// without an error.
pub fn searchable(u: &ProtectionUnit) -> bool {
    u.is_protected() && u.error.is_none()
}

/// The deterministic sample: the `n` ids with the lowest SHA-256 of the id (lowercased,
/// so Graph's letter case does not change the choice), in that order; `n == 0` or
/// `n >= ids.len()` keeps every id. The same units month after month, whoever collects.
pub fn sample<'a>(ids: impl IntoIterator<Item = &'a str>, n: usize) -> Vec<&'a str> {
    let mut keyed: Vec<(String, &str)> = ids
        .into_iter()
        .map(|id| (super::sha256_hex(id.to_ascii_lowercase().as_bytes()), id))
        .collect();
    keyed.sort();
    keyed.dedup_by(|a, b| a.0 == b.0);
    if n > 0 {
        keyed.truncate(n);
    }
    keyed.into_iter().map(|(_, id)| id).collect()
}

/// Consecutive query windows `[a, b)` of at most `len_secs`, from `start` to `end`.
pub fn windows(start: Timestamp, end: Timestamp, len_secs: i64) -> Vec<(Timestamp, Timestamp)> {
    let len = len_secs.max(60);
    let mut out = Vec::new();
    let mut a = start.as_second();
    while a < end.as_second() {
        let b = (a + len).min(end.as_second());
        match (Timestamp::from_second(a), Timestamp::from_second(b)) {
            (Ok(x), Ok(y)) => out.push((x, y)),
            _ => break,
        }
        a = b;
    }
    out
}

/// Where a search made at `t` ends: the top of its hour (UTC). The same month collected
/// twice within an hour asks the same questions and stores the same bytes, and the RPO
/// requires the searches to reach the top of the hour the collection started in.
pub fn search_end(t: Timestamp) -> Timestamp {
    let s = t.as_second();
    Timestamp::from_second(s - s.rem_euclid(3600)).unwrap_or(t)
}

/// The RFC 3339 form custody sends Graph (whole seconds, `Z`).
pub fn graph_timestamp(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

// ---------------------------------------------------------------- the stored file

/// `graph/restorePointSearches.json`: one entry per searched workload.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestorePointSearches {
    pub searches: Vec<WorkloadSearch>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadSearch {
    /// `exchange`, `onedrive`, `sharepoint`.
    pub workload: String,
    pub sampling: Sampling,
    /// Every call, in the order sent.
    pub calls: Vec<SearchCall>,
}

/// Which units were searched, of how many protected ones.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sampling {
    /// Protected units of the workload in the snapshot's protection units file.
    pub protected_units: u64,
    /// The units searched (all of them, or the sample).
    pub searched_unit_ids: Vec<String>,
    /// How they were chosen, in words (not trusted: the evaluator recomputes the sample).
    #[serde(default)]
    pub chosen_by: Option<String>,
}

/// One POST: the body as sent and the response body as received.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchCall {
    pub request: SearchRequest,
    pub response: SearchResponse,
}

/// The request body (`protectionUnitIds`, `protectionTimePeriod`, `restorePointPreference`,
/// `tags`, `artifactQuery`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequest {
    pub protection_unit_ids: Vec<String>,
    pub protection_time_period: TimePeriod,
    #[serde(default)]
    pub restore_point_preference: Option<String>,
    /// `none`, `fastRestore`: anything but `none` leaves restore points out.
    #[serde(default)]
    pub tags: Option<String>,
    /// An item query narrows the answer to points holding matching items.
    #[serde(default)]
    pub artifact_query: Option<serde_json::Value>,
}

/// Graph's `timePeriod`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimePeriod {
    #[serde(default, deserialize_with = "graph_time")]
    pub start_date_time: Option<Timestamp>,
    #[serde(default, deserialize_with = "graph_time")]
    pub end_date_time: Option<Timestamp>,
}

/// `restorePointSearchResponse`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchResponse {
    #[serde(default, deserialize_with = "null_is_empty")]
    pub search_results: Vec<SearchResult>,
    /// Units with no restore point in the period (the reference marks items nullable).
    #[serde(default, deserialize_with = "null_is_empty")]
    pub no_result_protection_unit_ids: Vec<Option<String>>,
}

/// `restorePointSearchResult`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchResult {
    #[serde(default)]
    pub restore_point: Option<RestorePoint>,
}

/// `restorePoint`, with the fields the RPO reads.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestorePoint {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "graph_time")]
    pub protection_date_time: Option<Timestamp>,
    #[serde(default)]
    pub protection_unit: Option<UnitRef>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UnitRef {
    pub id: Option<String>,
}

fn null_is_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn windows_tile_the_period_and_none_is_longer_than_asked() {
        let w = windows(
            ts("2026-10-31T00:00:00Z"),
            ts("2026-11-02T12:00:00Z"),
            24 * 3600,
        );
        assert_eq!(w.len(), 3);
        assert_eq!(w[0].0, ts("2026-10-31T00:00:00Z"));
        assert_eq!(w[2].1, ts("2026-11-02T12:00:00Z"));
        for p in w.windows(2) {
            assert_eq!(p[0].1, p[1].0);
        }
        assert!(
            w.iter()
                .all(|(a, b)| b.as_second() - a.as_second() <= 24 * 3600)
        );
    }

    /// Regression: a search ending at the second the collection ran made two collections
    /// of one month within minutes store different bytes.
    #[test]
    fn a_search_ends_at_the_top_of_its_hour() {
        assert_eq!(
            search_end(ts("2026-12-05T13:51:32Z")),
            ts("2026-12-05T13:00:00Z")
        );
        assert_eq!(
            search_end(ts("2026-12-05T13:00:00Z")),
            ts("2026-12-05T13:00:00Z")
        );
    }

    #[test]
    fn the_sample_is_the_lowest_hashes_whatever_the_order_or_case() {
        let ids = ["a", "b", "c", "d", "e"];
        let s = sample(ids, 2);
        let mut rev = ids;
        rev.reverse();
        assert_eq!(sample(rev, 2), s);
        assert_eq!(sample(["A", "b", "c", "d", "e"], 2).len(), 2);
        assert_eq!(sample(ids, 0).len(), 5);
        assert_eq!(sample(ids, 9).len(), 5);
        let mut by_hash: Vec<_> = ids
            .iter()
            .map(|i| (super::super::sha256_hex(i.as_bytes()), *i))
            .collect();
        by_hash.sort();
        assert_eq!(s, [by_hash[0].1, by_hash[1].1]);
    }

    #[test]
    fn the_reference_example_response_loads() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/graph-samples/v1.0__solutions__backupRestore__restorePoints__search__response.json"
        ))
        .unwrap();
        let r: SearchResponse = serde_json::from_str(&text).unwrap();
        assert_eq!(r.search_results.len(), 3);
        let p = r.search_results[0].restore_point.as_ref().unwrap();
        assert_eq!(p.protection_date_time, Some(ts("2023-01-04T00:00:00Z")));
        assert_eq!(
            p.protection_unit.as_ref().unwrap().id.as_deref(),
            Some("23014d8c-71fe-4d00-a01a-31850bc5b42a")
        );
        assert_eq!(r.no_result_protection_unit_ids.len(), 1);
        let req: SearchRequest = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/graph-samples/v1.0__solutions__backupRestore__restorePoints__search__request.json"
            ))
            .unwrap(),
        )
        .unwrap();
        assert_eq!(req.protection_unit_ids.len(), 4);
        assert_eq!(req.restore_point_preference.as_deref(), Some("latest"));
    }
}
