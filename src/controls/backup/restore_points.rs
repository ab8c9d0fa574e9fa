//! `backup.<workload>.rpo` for a Microsoft 365 Backup workload without backup job records:
//! the gaps between its restore points, read from `graph/restorePointSearches.json`.
//!
//! `collect` asks for the oldest and the latest restore point of each searched unit in
//! consecutive query windows no longer than the RPO. A gap inside a window is then at most
//! the window's length (within the RPO), and a gap across windows, from the latest point
//! of one window to the oldest of the next non-empty one, is measured exactly. Anything
//! that could hide a gap (a unit or window not answered, an answer cut at Graph's
//! five-point cap, foreign points, a period short of the month, a sample that is not the
//! snapshot's) is no evidence, never a pass.

use super::*;
use crate::evidence::restore_points::{self as rp, SearchCall};
use jiff::Timestamp;
use std::collections::{BTreeMap, BTreeSet};

/// What the calls say about one unit in one query window.
#[derive(Debug, Default)]
struct Known {
    /// A call listed the unit in `noResultProtectionUnitIds`.
    empty: bool,
    oldest: Option<Timestamp>,
    latest: Option<Timestamp>,
    /// Every point, from a call without a preference that stayed under the cap.
    all: Option<Vec<Timestamp>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Preference {
    Oldest,
    Latest,
}

/// Whether the restore points decide a workload's RPO: a Microsoft 365 Backup workload
/// that Microsoft 365 Backup can search (not Teams), whose job records are missing or
/// hold nothing for it this month. Unreadable job records stay the answer (bad input is
/// reported, never stepped around).
pub(super) fn decide(p: &WorkloadPolicy, w: Workload, jobs: &Missing) -> bool {
    p.uses_m365_backup()
        && p.veeam_jobs.is_none()
        && rp::units_endpoint(w).is_some()
        && !jobs.reason.starts_with("unreadable")
}

/// Until when the searches must reach: the top of the hour of the start of the collection
/// that wrote them (they run during it; see [`rp::search_end`]), else of the snapshot's
/// time, and never past the month.
fn searched_until(ctx: &Ctx) -> Timestamp {
    let reference = super::super::access::reference_time(ctx);
    let started = ctx
        .snap
        .manifest
        .ok()
        .and_then(|m| m.provenance.as_ref())
        .and_then(|p| p.started_at.parse::<Timestamp>().ok());
    rp::search_end(started.map_or(reference, |s| s.min(reference)))
        .min(ctx.month.end())
        .max(ctx.month.start())
}

/// An id or name from the tenant's data, bounded for a message (it is escaped wherever
/// it is shown, like any text).
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(100).collect();
    if s.chars().nth(100).is_some() {
        out.push('…');
    }
    out
}

fn fmt(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M").to_string()
}

fn ts(secs: i64) -> Timestamp {
    Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Reads one call into `known`, or says why it is no evidence (`at` is its JSON pointer).
fn read_call(
    call: &SearchCall,
    at: &str,
    sample: &BTreeSet<String>,
    known: &mut BTreeMap<(String, i64, i64), Known>,
) -> Result<(), String> {
    let req = &call.request;
    let period = &req.protection_time_period;
    let (Some(a), Some(b)) = (period.start_date_time, period.end_date_time) else {
        return Err(format!(
            "{at}/request/protectionTimePeriod: no readable startDateTime and endDateTime: which period was searched is unknown"
        ));
    };
    if a >= b {
        return Err(format!(
            "{at}/request/protectionTimePeriod: starts {} at or after it ends {}",
            fmt(a),
            fmt(b)
        ));
    }
    if req.artifact_query.is_some()
        || req
            .tags
            .as_deref()
            .is_some_and(|t| !t.eq_ignore_ascii_case("none"))
    {
        return Err(format!(
            "{at}/request: an artifactQuery or tags narrow the search to some restore points: the gaps between all of them cannot be read from it"
        ));
    }
    let pref = match req.restore_point_preference.as_deref() {
        None => None,
        Some(x) if x.eq_ignore_ascii_case("oldest") => Some(Preference::Oldest),
        Some(x) if x.eq_ignore_ascii_case("latest") => Some(Preference::Latest),
        Some(x) => {
            return Err(format!(
                "{at}/request/restorePointPreference: {:?} is neither oldest nor latest",
                x.chars().take(40).collect::<String>()
            ));
        }
    };
    let asked: BTreeSet<String> = req
        .protection_unit_ids
        .iter()
        .map(|u| u.to_ascii_lowercase())
        .collect();
    if asked.is_empty() || asked.len() > rp::MAX_UNITS_PER_REQUEST {
        return Err(format!(
            "{at}/request/protectionUnitIds: {} units; Graph answers 1 to {} per call",
            asked.len(),
            rp::MAX_UNITS_PER_REQUEST
        ));
    }
    if let Some(u) = asked
        .iter()
        .find(|u| !sample.contains(*u))
        .map(|u| short(u))
    {
        return Err(format!(
            "{at}/request/protectionUnitIds: asks for unit {u}, which is not among the searched units of the snapshot's protection units"
        ));
    }
    let resp = &call.response;
    let mut points: BTreeMap<String, Vec<Timestamp>> = BTreeMap::new();
    for (k, r) in resp.search_results.iter().enumerate() {
        let ptr = format!("{at}/response/searchResults/{k}/restorePoint");
        let Some(point) = &r.restore_point else {
            return Err(format!("{ptr}: no restorePoint"));
        };
        let Some(t) = point.protection_date_time else {
            return Err(format!("{ptr}/protectionDateTime: missing or not a time"));
        };
        let Some(unit) = point
            .protection_unit
            .as_ref()
            .and_then(|u| u.id.as_deref())
            .map(str::to_ascii_lowercase)
        else {
            return Err(format!(
                "{ptr}/protectionUnit/id: missing: whose restore point it is is unknown"
            ));
        };
        if !asked.contains(&unit) {
            return Err(format!(
                "{ptr}/protectionUnit/id: a restore point of unit {}, which this call did not ask for (foreign data)",
                short(&unit)
            ));
        }
        if t < a || t > b {
            return Err(format!(
                "{ptr}/protectionDateTime: {} is outside the window asked for, {} → {}",
                fmt(t),
                fmt(a),
                fmt(b)
            ));
        }
        points.entry(unit).or_default().push(t);
    }
    let mut none = BTreeSet::new();
    for (k, u) in resp.no_result_protection_unit_ids.iter().enumerate() {
        let Some(u) = u.as_deref().map(str::to_ascii_lowercase) else {
            continue; // a null entry names no unit
        };
        let ptr = format!("{at}/response/noResultProtectionUnitIds/{k}");
        if !asked.contains(&u) {
            return Err(format!(
                "{ptr}: unit {}, which this call did not ask for (foreign data)",
                short(&u)
            ));
        }
        if points.contains_key(&u) {
            return Err(format!(
                "{ptr}: unit {} is said to have no restore point and has one in searchResults",
                short(&u)
            ));
        }
        none.insert(u);
    }
    if let Some(u) = asked
        .iter()
        .find(|u| !points.contains_key(*u) && !none.contains(*u))
        .map(|u| short(u))
    {
        return Err(format!(
            "{at}/response: unit {u} is in neither searchResults nor noResultProtectionUnitIds: not answered (an answer cut at Graph's cap of {} restore points per call?)",
            rp::RESULT_CAP
        ));
    }
    match pref {
        Some(p) => {
            if let Some((u, v)) = points.iter().find(|(_, v)| v.len() > 1) {
                return Err(format!(
                    "{at}/response: {} restore points of unit {} where the {} one was asked for",
                    v.len(),
                    short(u),
                    if p == Preference::Oldest {
                        "oldest"
                    } else {
                        "latest"
                    }
                ));
            }
        }
        None if resp.search_results.len() >= rp::RESULT_CAP => {
            return Err(format!(
                "{at}/response: {} restore points without a restorePointPreference: Graph returns at most {} per call, so the answer may be cut short",
                resp.search_results.len(),
                rp::RESULT_CAP
            ));
        }
        None => {}
    }
    for u in asked {
        let k = known
            .entry((u.clone(), a.as_second(), b.as_second()))
            .or_default();
        let Some(mut v) = points.remove(&u) else {
            k.empty = true;
            continue;
        };
        v.sort();
        let slot = match pref {
            Some(Preference::Oldest) => &mut k.oldest,
            Some(Preference::Latest) => &mut k.latest,
            None => {
                if k.all.as_ref().is_some_and(|all| *all != v) {
                    return Err(format!(
                        "{at}/response: another call answered the same question about unit {} differently",
                        short(&u)
                    ));
                }
                k.all = Some(v);
                continue;
            }
        };
        if slot.is_some_and(|t| t != v[0]) {
            return Err(format!(
                "{at}/response: another call answered the same question about unit {} differently",
                short(&u)
            ));
        }
        *slot = Some(v[0]);
    }
    Ok(())
}

/// The RPO of workload `w` measured from its restore points (see the module header).
pub(super) fn measure(
    ctx: &Ctx,
    p: &WorkloadPolicy,
    w: Workload,
    rpo: crate::duration::Duration,
) -> Result<Outcome, Missing> {
    let Some(endpoint) = rp::units_endpoint(w) else {
        return Err(Missing {
            file: ctx.snap.path(rp::FILE),
            reason: format!(
                "Microsoft 365 Backup keeps no restore points for {}",
                w.id()
            ),
        });
    };
    let units = match endpoint {
        Endpoint::MailboxUnits => ctx.snap.mailbox_units.get()?,
        Endpoint::DriveUnits => ctx.snap.drive_units.get()?,
        _ => ctx.snap.site_units.get()?,
    };
    let ufile = ctx.snap.path(endpoint.file());
    let file = ctx.snap.path(rp::FILE);
    let nope = |reason: String| Missing {
        file: file.clone(),
        reason,
    };
    let searches = ctx.snap.restore_point_searches.get()?;
    let mut of_w = searches
        .searches
        .iter()
        .enumerate()
        .filter(|(_, s)| s.workload.eq_ignore_ascii_case(w.id()));
    let Some((si, search)) = of_w.next() else {
        return Err(nope(format!(
            "{} holds no restore point search for {}",
            rp::FILE,
            w.id()
        )));
    };
    if of_w.next().is_some() {
        return Err(nope(format!(
            "{} holds more than one restore point search for {}: which one is the evidence?",
            rp::FILE,
            w.id()
        )));
    }
    let base = format!("/searches/{si}");
    let protected: Vec<&ProtectionUnit> = units.iter().filter(|u| rp::searchable(u)).collect();
    if protected.is_empty() {
        return Err(Missing {
            file: ufile,
            reason: format!(
                "no protected {} unit in {}: there are no restore points to measure",
                w.id(),
                endpoint.file()
            ),
        });
    }
    // The sample must be the snapshot's: the same protected units, chosen by custody's
    // rule (a hand-picked set of healthy units is not a sample).
    let sampling = &search.sampling;
    if sampling.protected_units != protected.len() as u64 {
        return Err(nope(format!(
            "{base}/sampling/protectedUnits: {} protected units recorded, but {} lists {}: the search does not match the snapshot's protection units",
            sampling.protected_units,
            endpoint.file(),
            protected.len()
        )));
    }
    let n = sampling.searched_unit_ids.len();
    let searched: BTreeSet<String> = sampling
        .searched_unit_ids
        .iter()
        .map(|u| u.to_ascii_lowercase())
        .collect();
    let want: BTreeSet<String> = rp::sample(protected.iter().map(|u| &*u.id), n)
        .into_iter()
        .map(str::to_ascii_lowercase)
        .collect();
    if n == 0 || searched.len() != n || searched != want {
        return Err(nope(format!(
            "{base}/sampling/searchedUnitIds: the searched units are not the {n} protected units of {} with {}: the search does not match the snapshot's protection units",
            endpoint.file(),
            rp::CHOSEN_BY
        )));
    }
    let mut known: BTreeMap<(String, i64, i64), Known> = BTreeMap::new();
    for (j, call) in search.calls.iter().enumerate() {
        read_call(call, &format!("{base}/calls/{j}"), &searched, &mut known).map_err(&nope)?;
    }
    let name_of = |id: &str| {
        protected
            .iter()
            .find(|u| u.id.eq_ignore_ascii_case(id))
            .map_or_else(|| short(id), |u| short(u.name()))
    };
    let until = searched_until(ctx);
    let month_start = ctx.month.start().as_second();
    let mut over: Vec<(i64, String)> = Vec::new();
    let mut largest = 0i64;
    let mut longest_window = 0i64;
    // The widest distance between a window's oldest and latest point: a gap among the
    // points between them is at most this.
    let mut spread = 0i64;
    let (mut from, mut to) = (i64::MAX, i64::MAX);
    for unit in &searched {
        let name = name_of(unit);
        let wins: Vec<(i64, i64, &Known)> = known
            .range((unit.clone(), i64::MIN, i64::MIN)..=(unit.clone(), i64::MAX, i64::MAX))
            .map(|((_, a, b), k)| (*a, *b, k))
            .collect();
        let Some(first) = wins.first() else {
            return Err(nope(format!(
                "{base}/calls: unit {name} was never searched"
            )));
        };
        // The search must reach one RPO before the month: the gap running into the
        // month is measured from the last restore point before it, and a search that
        // starts later takes its own start for one (red team: a search from the first
        // instant of the month hid a gap that began in the month before).
        let must_start = month_start - rpo.seconds();
        if first.0 > must_start {
            return Err(nope(format!(
                "{base}/calls: the searches of unit {name} start {}, after {} (one RPO of {rpo} before the month): a gap running into the month cannot be measured",
                fmt(ts(first.0)),
                fmt(ts(must_start))
            )));
        }
        for pair in wins.windows(2) {
            if pair[1].0 != pair[0].1 {
                return Err(nope(format!(
                    "{base}/calls: the query windows of unit {name} {} at {} → {}: they must follow one another",
                    if pair[1].0 > pair[0].1 {
                        "leave a hole"
                    } else {
                        "overlap"
                    },
                    fmt(ts(pair[0].1.min(pair[1].0))),
                    fmt(ts(pair[0].1.max(pair[1].0)))
                )));
            }
        }
        let last_end = wins.last().map_or(first.1, |x| x.1);
        if last_end < until.as_second() {
            return Err(nope(format!(
                "{base}/calls: the searches of unit {name} end {}, before the snapshot was taken ({}): the days between are not covered",
                fmt(ts(last_end)),
                fmt(until)
            )));
        }
        let end = last_end.min(ctx.month.end().as_second());
        from = from.min(first.0);
        to = to.min(end);
        // Exact gaps, from the first window's start to the first point, between the
        // latest point of a window and the oldest of the next, and to the end.
        let mut gaps: Vec<(i64, i64)> = Vec::new();
        let mut prev = first.0;
        for (a, b, k) in &wins {
            let window = format!("{} → {}", fmt(ts(*a)), fmt(ts(*b)));
            let has_points = k.oldest.is_some() || k.latest.is_some() || k.all.is_some();
            if k.empty && has_points {
                return Err(nope(format!(
                    "{base}/calls: unit {name} in {window} is said to have no restore point and to have one"
                )));
            }
            if k.empty {
                continue;
            }
            if let Some(all) = &k.all {
                for t in all {
                    gaps.push((prev, t.as_second()));
                    prev = t.as_second();
                }
                continue;
            }
            let (Some(o), Some(l)) = (k.oldest, k.latest) else {
                return Err(nope(format!(
                    "{base}/calls: unit {name} in {window} was searched for {}: both are needed to bound the gaps",
                    if k.oldest.is_some() {
                        "its oldest restore point only"
                    } else if k.latest.is_some() {
                        "its latest restore point only"
                    } else {
                        "no restore point"
                    }
                )));
            };
            if o > l {
                return Err(nope(format!(
                    "{base}/calls: unit {name} in {window}: its oldest restore point {} is later than its latest {}",
                    fmt(o),
                    fmt(l)
                )));
            }
            // Points between the oldest and the latest are not known: a gap among them
            // is at most their distance, which must be within the RPO to be shown.
            let inside = l.as_second() - o.as_second();
            if inside > rpo.seconds() {
                return Err(nope(format!(
                    "{base}/calls: unit {name} in {window}: the query window is longer than the RPO of {rpo}, so a gap between {} and {} cannot be measured",
                    fmt(o),
                    fmt(l)
                )));
            }
            longest_window = longest_window.max(b - a);
            spread = spread.max(inside);
            gaps.push((prev, o.as_second()));
            prev = l.as_second();
        }
        gaps.push((prev, end));
        for (a, b) in gaps {
            // A gap over before the month began is last month's.
            if b <= month_start {
                continue;
            }
            let g = b - a;
            largest = largest.max(g);
            if g > rpo.seconds() {
                over.push((
                    g,
                    format!("{name}: {} → {} ({})", fmt(ts(a)), fmt(ts(b)), human_gap(g)),
                ));
            }
        }
    }
    let total = protected.len();
    let sample_note = if n < total {
        format!(
            "{n} of {total} protection units searched, chosen by {}",
            rp::CHOSEN_BY
        )
    } else {
        format!("all {total} protection units searched")
    };
    let mut window = format!(
        "observed {} → {} from Microsoft 365 Backup restore points (no backup job records this month); {sample_note}",
        fmt(ts(from)),
        fmt(ts(to))
    );
    if to < ctx.month.end().as_second() {
        window.push_str(&format!(
            "; {} → {} not yet observed",
            fmt(ts(to)),
            fmt(ctx.month.end())
        ));
    }
    let inside = if longest_window > 0 {
        format!(
            "; gaps inside a query window are at most its length ({})",
            human_gap(longest_window)
        )
    } else {
        String::new()
    };
    // The worst gaps first.
    over.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let n_over = over.len();
    // Exact when no window's points could hide a longer gap; else a bound.
    let measured = if spread > largest {
        format!("≤ {}", human_gap(spread))
    } else {
        human_gap(largest)
    };
    let mut o = Outcome::check(
        over.is_empty(),
        format!(
            "largest gap between restore points across query windows {} (RPO {rpo}){inside}; {window}",
            human_gap(largest)
        ),
        format!(
            "{} between restore points {} the RPO of {rpo}{inside}; {window}",
            count(n_over, "gap", "gaps"),
            if n_over == 1 { "exceeds" } else { "exceed" }
        ),
    )
    .measured(measured)
    .threshold(format!("≤ {rpo}"))
    .items(capped(over.into_iter().map(|(_, s)| s).collect(), 50))
    .policy([p.at_key("rpo")]);
    o.evidence = vec![
        EvidenceRef {
            file,
            pointer: base,
        },
        EvidenceRef {
            file: ufile,
            pointer: "/value".into(),
        },
    ];
    Ok(o)
}
