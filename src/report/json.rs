//! `--format json`: one document on stdout, the shape documented in the README.

use super::CheckReport;
use crate::scorecard::{
    ControlResult, Counts, DomainScore, EvidenceProvenance, PolicyProvenance, Scorecard, ToolInfo,
};
use serde::Serialize;

#[derive(Serialize)]
struct Doc<'a> {
    schema_version: u32,
    tool: ToolInfo,
    clients: Vec<Client<'a>>,
    errors: &'a [crate::diagnostic::Diagnostic],
}

#[derive(Serialize)]
struct Client<'a> {
    id: &'a str,
    name: &'a str,
    month: String,
    score: Option<f64>,
    domains: &'a [DomainScore],
    counts: Counts,
    policy: &'a PolicyProvenance,
    evidence: EvidenceSummary<'a>,
    results: &'a [ControlResult],
}

#[derive(Serialize)]
struct EvidenceSummary<'a> {
    dir: &'a str,
    collected_at: Option<&'a str>,
}

fn client(s: &Scorecard) -> Client<'_> {
    let e: &EvidenceProvenance = &s.evidence;
    Client {
        id: &s.client.id,
        name: &s.client.name,
        month: s.month.to_string(),
        score: s.score,
        domains: &s.domains,
        counts: s.counts,
        policy: &s.policy,
        evidence: EvidenceSummary {
            dir: &e.dir,
            collected_at: e.collected_at.as_deref(),
        },
        results: &s.results,
    }
}

pub fn render(r: &CheckReport) -> String {
    let doc = Doc {
        schema_version: crate::scorecard::SCHEMA_VERSION,
        tool: ToolInfo {
            name: "custody",
            version: crate::VERSION,
        },
        clients: r.scorecards.iter().map(|s| client(s)).collect(),
        errors: r.errors,
    };
    let mut out = serde_json::to_string_pretty(&doc).expect("scorecards serialize");
    out.push('\n');
    out
}
