//! `custody check`: evaluate each client's latest month (or `--month`) and print the
//! scorecards in the format asked for.

use super::usage;
use crate::app::Ctx;
use crate::app::exit::{self, CommandResult, Outcome};
use crate::diagnostic::{Code, Diagnostic};
use crate::evaluate::{ClientRun, Months, evaluate_client};
use crate::month::Month;
use crate::report::{self, CheckReport};
use crate::scorecard::{Scorecard, Status};
use clap::ValueEnum;
use rayon::prelude::*;
use std::time::Instant;

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  custody check                         every client's latest month
  custody check --client contoso -v     one client, every control's details
  custody check --month 2026-05 --format json > scorecards.json
  custody check --format sarif > custody.sarif")]
pub struct CheckArgs {
    /// Only these clients (repeatable); default: every client.
    #[arg(long = "client", value_name = "ID")]
    pub clients: Vec<String>,
    /// The month to evaluate; default: each client's latest month with evidence.
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<String>,
    /// Output on stdout: text for people; json, sarif (code scanning), github
    /// (annotations and step summary) or markdown (pull-request comments) for machines.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Github,
    Markdown,
}

pub fn run(ctx: &Ctx, args: &CheckArgs) -> CommandResult {
    let root = ctx.repo.as_path();
    let details = ctx.verbose > 0;
    let months = match &args.month {
        None => Months::Latest,
        Some(m) => Months::One(Month::parse(m).map_err(|e| usage(format!("--month: {e}")))?),
    };
    let (clients, mut errors) = crate::repo::select_clients(root, &args.clients)?;
    let history = crate::history::PolicyHistory::open(root);
    if let Some(w) = history.warning() {
        ctx.term
            .diagnostics([&Diagnostic::general(Code::NotGit, w)]);
    }
    let shared = crate::evaluate::shared_tenants(root);
    let runs: Vec<ClientRun> = clients
        .par_iter()
        .map(|id| {
            let t = Instant::now();
            let run = evaluate_client(root, id, months, &|m, latest| match shared.get(id) {
                Some(d) => Err(d.clone()),
                None => history.policy_for_month(id, m, latest),
            });
            tracing::info!(
                client = %id,
                months = run.scorecards.len(),
                errors = run.diags.len(),
                seconds = t.elapsed().as_secs_f64(),
                "evaluated"
            );
            run
        })
        .collect();
    let mut failed = Vec::new();
    let mut scorecards: Vec<&Scorecard> = Vec::new();
    for run in &runs {
        errors.extend(run.diags.iter().cloned());
        // A logo `build` would refuse is bad input here too, so a pull request sees it.
        if let Some(logo) = run.policy.as_ref().and_then(|p| p.client.logo.as_deref())
            && let Err(d) = crate::website::logo::load(root, &run.id, logo)
        {
            errors.push(d);
        }
        if run.scorecards.is_empty() {
            failed.push(run.id.to_string());
        }
        scorecards.extend(run.scorecards.iter());
    }
    let report = CheckReport {
        scorecards: &scorecards,
        failed_clients: &failed,
        errors: &errors,
    };
    let term = &ctx.term;
    match args.format {
        Format::Text => term.out(&report::text::render(&report, details)),
        Format::Json => {
            // Machine output alone on stdout; people still see the errors on stderr.
            term.out(&report::json::render(&report));
            term.diagnostics(&errors);
        }
        Format::Sarif => {
            term.out(&report::sarif::render(&report));
            term.diagnostics(&errors);
        }
        Format::Github => {
            term.out(&report::github::render(&report));
            if let Err(e) = report::github::append_step_summary(&report) {
                term.diagnostics([&e.into_diagnostic()]);
            }
        }
        Format::Markdown => term.out(&report::markdown::render(&report)),
    }
    Ok(outcome(&scorecards, &errors))
}

/// Input errors first; then findings: a control that fails or has no evidence.
pub fn outcome(scorecards: &[&Scorecard], errors: &[Diagnostic]) -> Outcome {
    let finding = scorecards
        .iter()
        .flat_map(|s| &s.results)
        .any(|r| matches!(r.status, Status::Fail | Status::NoEvidence));
    exit::of_check(errors, finding)
}
