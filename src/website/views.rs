//! View models: what the templates see. Built from `Scorecard`s only; templates never
//! see internal types and never compute a verdict.

use super::charts::Chart;
use crate::scorecard::{ControlResult, Domain, Scorecard, Status};
use serde::Serialize;

#[derive(Serialize)]
pub struct Brand {
    pub id: String,
    pub name: String,
    pub accent: String,
    /// Relative link to the logo from the page, if the client has one.
    pub logo: Option<String>,
}

#[derive(Serialize, Clone)]
pub struct StatusView {
    /// pass, fail, warn, waived, not_applicable, no_evidence, not_licensed (CSS class suffix).
    pub key: &'static str,
    pub label: &'static str,
    /// A shape that differs per status, so status never depends on colour alone.
    pub icon: &'static str,
}

pub fn status_view(s: Status) -> StatusView {
    let (label, icon) = match s {
        Status::Pass => ("Pass", "✓"),
        Status::Fail => ("Fail", "✗"),
        Status::Warn => ("Warning", "!"),
        Status::Waived => ("Waived", "≈"),
        Status::NotApplicable => ("Not applicable", "–"),
        Status::NoEvidence => ("No evidence", "?"),
        Status::NotLicensed => ("Licence gap", "◇"),
    };
    StatusView {
        key: s.as_str(),
        label,
        icon,
    }
}

#[derive(Serialize, Clone)]
pub struct ScoreView {
    pub title: String,
    pub score: Option<f64>,
    /// "good" (≥ 90), "fair" (≥ 70), "poor", "none": a CSS hook; the number is always shown.
    pub band: &'static str,
    /// The band in words ("Good") and a shape per band, so it never rests on colour.
    pub band_label: &'static str,
    pub band_icon: &'static str,
}

fn band(score: Option<f64>) -> &'static str {
    match score {
        Some(s) if s >= 90.0 => "good",
        Some(s) if s >= 70.0 => "fair",
        Some(_) => "poor",
        None => "none",
    }
}

pub fn score_view(title: &str, score: Option<f64>) -> ScoreView {
    let band = band(score);
    let (band_label, band_icon) = match band {
        "good" => ("Good", "✓"),
        "fair" => ("Fair", "!"),
        "poor" => ("Poor", "✗"),
        _ => ("No score", "–"),
    };
    ScoreView {
        title: title.to_owned(),
        score,
        band,
        band_label,
        band_icon,
    }
}

#[derive(Serialize)]
pub struct CountsView {
    pub pass: u32,
    pub fail: u32,
    pub warn: u32,
    pub waived: u32,
    pub not_applicable: u32,
    pub no_evidence: u32,
    pub not_licensed: u32,
}

fn counts(s: &Scorecard) -> CountsView {
    let c = s.counts;
    CountsView {
        pass: c.pass,
        fail: c.fail,
        warn: c.warn,
        waived: c.waived,
        not_applicable: c.not_applicable,
        no_evidence: c.no_evidence,
        not_licensed: c.not_licensed,
    }
}

#[derive(Serialize, Clone)]
pub struct ResultView {
    pub id: String,
    pub title: String,
    pub status: StatusView,
    pub measured: String,
    pub threshold: String,
    pub message: String,
    pub owner: String,
    pub responsible: String,
    pub items: Vec<String>,
    pub evidence: Vec<String>,
    pub policy: Vec<String>,
    pub remediation: String,
    /// `remediation` as HTML: escaped, with `code` spans.
    pub remediation_html: String,
    pub waiver: Option<String>,
    /// For a licence gap: the licence that would enable the control.
    pub licence: Option<String>,
    /// For a finding, against the earlier months: "New this month", "Open since 2026-08".
    pub history: Option<String>,
}

pub fn result_view(r: &ControlResult) -> ResultView {
    ResultView {
        id: r.control.clone(),
        title: r.title.clone(),
        status: status_view(r.status),
        measured: r.measured.clone().unwrap_or_else(|| "—".into()),
        threshold: r.threshold.clone().unwrap_or_else(|| "—".into()),
        message: r.message.clone(),
        owner: r
            .owner
            .as_ref()
            .and_then(|o| o.accountable.clone())
            .unwrap_or_else(|| "unassigned".into()),
        responsible: r
            .owner
            .as_ref()
            .map(|o| o.responsible.join(", "))
            .unwrap_or_default(),
        items: r.items.clone(),
        evidence: r
            .evidence
            .iter()
            .map(|e| {
                if e.pointer.is_empty() {
                    e.file.clone()
                } else {
                    format!("{} {}", e.file, e.pointer)
                }
            })
            .collect(),
        policy: r.policy.iter().map(ToString::to_string).collect(),
        remediation: r.remediation.clone(),
        remediation_html: super::notes::inline(&r.remediation),
        waiver: r.waiver.as_ref().map(|w| {
            let when = if w.expired {
                format!("expired {}", w.expires)
            } else {
                format!("expires {}", w.expires)
            };
            format!(
                "{} — approved by {}, {}, {when}",
                w.reason, w.approved_by, w.ticket
            )
        }),
        licence: (r.status == Status::NotLicensed).then(|| crate::report::licence_of(r).to_owned()),
        history: None,
    }
}

#[derive(Serialize)]
pub struct DomainSection {
    pub id: &'static str,
    pub title: String,
    pub score: ScoreView,
    pub results: Vec<ResultView>,
}

#[derive(Serialize)]
pub struct Link {
    pub label: String,
    pub href: String,
}

/// `site/<client>/<YYYY-MM>/index.html`, and the same page inside the evidence pack.
#[derive(Serialize)]
pub struct MonthPage {
    pub brand: Brand,
    /// Prefix to the client's folder from this page ("../" on the site, "" in a pack).
    pub root: String,
    pub in_pack: bool,
    pub month: String,
    pub title: String,
    pub overall: ScoreView,
    pub domains: Vec<ScoreView>,
    pub counts: CountsView,
    pub attention: Vec<ResultView>,
    /// Controls the tenant's licences do not cover: shown apart, never as failures.
    pub licence_gaps: Vec<ResultView>,
    pub sections: Vec<DomainSection>,
    pub raci: Vec<crate::policy::Activity>,
    pub backup: Vec<crate::scorecard::BackupRow>,
    pub waivers: Vec<crate::scorecard::WaiverRow>,
    pub role_changes: Vec<crate::scorecard::RoleChange>,
    pub notes_html: Option<String>,
    pub policy: crate::scorecard::PolicyProvenance,
    pub evidence: crate::scorecard::EvidenceProvenance,
    pub pack: Option<Link>,
    pub prev: Option<Link>,
    pub next: Option<Link>,
    /// The month evaluated before this one, if any: every "since" sentence needs one.
    pub prev_month: Option<String>,
    /// The month the role assignments were compared with, when they were (a snapshot of
    /// the calendar month before was there): only then is "no changes" a finding.
    pub roles_compared_with: Option<String>,
    /// The one-page summary and the findings spreadsheet (site only, not in a pack).
    pub summary: Option<Link>,
    pub findings_csv: Option<Link>,
    /// Findings of the previous month that pass this month (site only).
    pub fixed: Vec<ResultView>,
}

pub struct MonthContext<'a> {
    pub card: &'a Scorecard,
    pub logo: Option<&'a str>,
    pub notes_html: Option<String>,
    pub in_pack: bool,
    pub pack_name: String,
    pub prev: Option<String>,
    pub next: Option<String>,
}

pub fn month_page(c: &MonthContext) -> MonthPage {
    let s = c.card;
    let root = if c.in_pack { "" } else { "../" }.to_owned();
    let sections = Domain::ALL
        .iter()
        .map(|d| {
            let ds = s.domains.iter().find(|x| x.domain == *d);
            DomainSection {
                id: d.as_str(),
                title: d.title().to_owned(),
                score: score_view(d.title(), ds.and_then(|x| x.score)),
                results: s
                    .results
                    .iter()
                    .filter(|r| r.domain == *d)
                    .map(result_view)
                    .collect(),
            }
        })
        .collect();
    let mut attention: Vec<&ControlResult> = s
        .results
        .iter()
        .filter(|r| matches!(r.status, Status::Fail | Status::NoEvidence | Status::Warn))
        .collect();
    attention.sort_by_key(|r| r.status);
    MonthPage {
        brand: Brand {
            id: s.client.id.clone(),
            name: s.client.name.clone(),
            accent: s.client.accent.clone(),
            logo: c.logo.map(|l| format!("{root}assets/{l}")),
        },
        in_pack: c.in_pack,
        month: s.month.to_string(),
        title: format!("{} — {}", s.client.name, s.month),
        overall: score_view("Overall", s.score),
        domains: s
            .domains
            .iter()
            .map(|d| score_view(&d.title, d.score))
            .collect(),
        counts: counts(s),
        attention: attention.into_iter().map(result_view).collect(),
        licence_gaps: licence_gaps(s),
        sections,
        raci: s.raci.clone(),
        backup: s.backup.clone(),
        waivers: s.waivers.clone(),
        role_changes: s.role_changes.clone(),
        notes_html: c.notes_html.clone(),
        policy: s.policy.clone(),
        evidence: s.evidence.clone(),
        pack: (!c.in_pack).then(|| Link {
            label: c.pack_name.clone(),
            href: c.pack_name.clone(),
        }),
        prev: c.prev.as_ref().filter(|_| !c.in_pack).map(|m| Link {
            label: m.clone(),
            href: format!("../{m}/index.html"),
        }),
        next: c.next.as_ref().filter(|_| !c.in_pack).map(|m| Link {
            label: m.clone(),
            href: format!("../{m}/index.html"),
        }),
        prev_month: c.prev.clone(),
        roles_compared_with: s
            .results
            .iter()
            .find(|r| r.control == "access.role-changes")
            .filter(|r| !matches!(r.status, Status::NotApplicable | Status::NoEvidence))
            .map(|_| s.month.prev().to_string()),
        summary: (!c.in_pack).then(|| Link {
            label: format!("One-page summary of {}", s.month),
            href: "summary.html".into(),
        }),
        findings_csv: (!c.in_pack).then(|| Link {
            label: "Findings as a spreadsheet (CSV)".into(),
            href: "findings.csv".into(),
        }),
        fixed: Vec::new(),
        root,
    }
}

#[derive(Serialize)]
pub struct MonthRow {
    pub month: String,
    pub score: ScoreView,
    pub fail: u32,
    pub href: String,
    pub summary: String,
    pub pack: String,
    /// Findings new in this month and fixed in it (titles); `None` for the first month.
    pub new: Option<Vec<String>>,
    pub fixed: Option<Vec<String>>,
}

/// `site/<client>/index.html`.
#[derive(Serialize)]
pub struct ClientPage {
    pub brand: Brand,
    pub root: String,
    pub title: String,
    pub latest: String,
    pub latest_href: String,
    pub latest_summary_href: String,
    pub overall: ScoreView,
    pub domains: Vec<ScoreView>,
    pub counts: CountsView,
    pub attention: Vec<ResultView>,
    pub licence_gaps: Vec<ResultView>,
    pub charts: Vec<Chart>,
    pub months: Vec<MonthRow>,
    pub notes_html: Option<String>,
}

pub fn client_page(
    cards: &[&Scorecard],
    logo: Option<&str>,
    charts: Vec<Chart>,
    notes_html: Option<String>,
) -> Option<ClientPage> {
    let latest = *cards.last()?;
    let mut attention: Vec<&ControlResult> = latest
        .results
        .iter()
        .filter(|r| matches!(r.status, Status::Fail | Status::NoEvidence))
        .collect();
    attention.sort_by_key(|r| r.status);
    Some(ClientPage {
        brand: Brand {
            id: latest.client.id.clone(),
            name: latest.client.name.clone(),
            accent: latest.client.accent.clone(),
            logo: logo.map(|l| format!("assets/{l}")),
        },
        root: String::new(),
        title: format!("{} — compliance scorecards", latest.client.name),
        latest: latest.month.to_string(),
        latest_href: format!("{}/index.html", latest.month),
        latest_summary_href: format!("{}/summary.html", latest.month),
        overall: score_view("Overall", latest.score),
        domains: latest
            .domains
            .iter()
            .map(|d| score_view(&d.title, d.score))
            .collect(),
        counts: counts(latest),
        attention: attention
            .into_iter()
            .map(|r| ResultView {
                history: super::history::label(cards, cards.len() - 1, &r.control),
                ..result_view(r)
            })
            .collect(),
        licence_gaps: licence_gaps(latest),
        charts,
        months: cards
            .iter()
            .enumerate()
            .rev()
            .map(|(i, c)| {
                let titles = |rs: Vec<&ControlResult>| rs.iter().map(|r| r.title.clone()).collect();
                MonthRow {
                    month: c.month.to_string(),
                    score: score_view("Overall", c.score),
                    fail: c.counts.fail,
                    href: format!("{}/index.html", c.month),
                    summary: format!("{}/summary.html", c.month),
                    pack: format!(
                        "{}/{}",
                        c.month,
                        pack_name(&c.client.id, &c.month.to_string())
                    ),
                    new: (i > 0).then(|| titles(super::history::new_findings(cards, i))),
                    fixed: (i > 0).then(|| titles(super::history::fixed(cards, i))),
                }
            })
            .collect(),
        notes_html,
    })
}

fn licence_gaps(s: &Scorecard) -> Vec<ResultView> {
    crate::report::licence_gaps(s)
        .into_iter()
        .map(result_view)
        .collect()
}

pub fn pack_name(client: &str, month: &str) -> String {
    format!("evidence-{client}-{month}.zip")
}

#[derive(Serialize)]
pub struct PortfolioRow {
    pub id: String,
    pub name: String,
    pub month: String,
    pub overall: ScoreView,
    pub domains: Vec<ScoreView>,
    /// "up", "down", "flat" or "new" against the previous month.
    pub trend: &'static str,
    pub trend_label: String,
    pub fail: u32,
    pub expiring_waivers: Vec<String>,
    pub href: String,
}

/// `site/index.html`: the only page that lists clients.
#[derive(Serialize)]
pub struct PortfolioPage {
    pub title: String,
    pub root: String,
    pub clients: Vec<PortfolioRow>,
    pub domain_titles: Vec<String>,
    pub skipped: Vec<String>,
    /// Per control, the clients whose latest month fails it or lacks its evidence.
    pub failing: Vec<ControlClients>,
}

#[derive(Serialize)]
pub struct ControlClients {
    pub id: String,
    pub title: String,
    pub clients: Vec<Link>,
}

/// The controls failing (or without evidence) for at least one client, in the latest
/// month of each: most clients first, then catalogue order.
pub fn failing_controls(latest: &[&Scorecard]) -> Vec<ControlClients> {
    let mut out: Vec<ControlClients> = crate::controls::catalogue()
        .iter()
        .filter_map(|c| {
            let clients: Vec<Link> = latest
                .iter()
                .filter(|s| {
                    s.results.iter().any(|r| {
                        r.control == c.id && matches!(r.status, Status::Fail | Status::NoEvidence)
                    })
                })
                .map(|s| Link {
                    label: s.client.name.clone(),
                    href: format!("{}/{}/index.html#{}", s.client.id, s.month, c.id),
                })
                .collect();
            (!clients.is_empty()).then(|| ControlClients {
                id: c.id.clone(),
                title: c.title.clone(),
                clients,
            })
        })
        .collect();
    // A stable sort keeps catalogue order among controls failing for as many clients.
    out.sort_by_key(|c| std::cmp::Reverse(c.clients.len()));
    out
}

pub fn portfolio_row(cards: &[&Scorecard]) -> Option<PortfolioRow> {
    let latest = *cards.last()?;
    let prev = cards.len().checked_sub(2).map(|i| cards[i]);
    let (trend, trend_label) = match (prev.and_then(|p| p.score), latest.score) {
        (Some(a), Some(b)) if b > a => (
            "up",
            format!(
                "up {:.1} from {}",
                b - a,
                prev.map(|p| p.month.to_string()).unwrap_or_default()
            ),
        ),
        (Some(a), Some(b)) if b < a => (
            "down",
            format!(
                "down {:.1} from {}",
                a - b,
                prev.map(|p| p.month.to_string()).unwrap_or_default()
            ),
        ),
        (Some(_), Some(_)) => ("flat", "unchanged".to_owned()),
        _ => ("new", "first month".to_owned()),
    };
    Some(PortfolioRow {
        id: latest.client.id.clone(),
        name: latest.client.name.clone(),
        month: latest.month.to_string(),
        overall: score_view("Overall", latest.score),
        domains: latest
            .domains
            .iter()
            .map(|d| score_view(&d.title, d.score))
            .collect(),
        trend,
        trend_label,
        fail: latest.counts.fail,
        expiring_waivers: latest
            .waivers
            .iter()
            .filter(|w| (0..=30).contains(&w.days_left))
            .map(|w| format!("{} (expires {})", w.control, w.expires))
            .collect(),
        href: format!("{}/index.html", latest.client.id),
    })
}
