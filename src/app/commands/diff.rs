//! `custody diff`: the semantic policy diff between two git revisions, for pull-request
//! review, and the gate on unjustified weakenings.

use crate::app::Ctx;
use crate::app::exit::{CommandResult, Outcome};
use crate::diagnostic::{Code, Diagnostic};
use crate::history::{HistoryError, PolicyHistory};
use crate::policy::load::{PolicySource, WorkingTree};
use crate::policy::load_policy;
use clap::ValueEnum;
use rayon::prelude::*;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  custody diff                                   working tree against the merge base with main
  custody diff origin/main HEAD --format json
  custody diff --fail-on weaken --full-report policy-diff-full.md   in a pull-request check

A weakening is justified only by a waiver for the same control, in force on the day of \
the diff, with a real reason, approver and ticket, added or changed in the same change.")]
pub struct DiffArgs {
    /// Base revision; default: the merge base of HEAD with origin/main (or main).
    #[arg(value_name = "BASE")]
    pub base: Option<String>,
    /// Head revision; default: the working tree.
    #[arg(value_name = "HEAD")]
    pub head: Option<String>,
    /// Output on stdout: markdown for a pull-request comment, or json.
    #[arg(long, value_enum, default_value_t = DiffFormat::Markdown)]
    pub format: DiffFormat,
    /// Exit 1 when a change weakens a control without a justifying waiver.
    #[arg(long, value_enum, default_value_t = FailOn::Never)]
    pub fail_on: FailOn,
    /// The day of the diff, on which a justifying waiver must be in force; default: today (UTC).
    #[arg(long, value_name = "YYYY-MM-DD", env = "CUSTODY_TODAY")]
    pub date: Option<jiff::civil::Date>,
    /// Also write the full Markdown report to FILE (the comment on stdout is bounded to
    /// GitHub's 65,536 characters).
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub full_report: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum DiffFormat {
    Markdown,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum FailOn {
    Never,
    Weaken,
}

/// A revision or the history cannot be read: the message names it.
fn history_error(message: String) -> Diagnostic {
    Diagnostic::general(Code::PolicyHistory, message)
}

pub fn run(ctx: &Ctx, args: &DiffArgs) -> CommandResult {
    let root = ctx.repo.as_path();
    let history = PolicyHistory::open(root);
    if let PolicyHistory::NotGit { reason, .. } = &history {
        return Err(history_error(format!("custody diff compares git revisions: {reason}")).into());
    }
    let base = match &args.base {
        Some(b) => b.clone(),
        None => history.default_base().map_err(|e| {
            history_error(format!("{e} (name the base revision: custody diff BASE)"))
        })?,
    };
    let base_src = history
        .source_at(&base)
        .map_err(HistoryError::into_diagnostic)?;
    let mut clients = history
        .clients_at(&base)
        .map_err(HistoryError::into_diagnostic)?;
    let head_src: Box<dyn PolicySource + Send + Sync> = match &args.head {
        Some(h) => history
            .source_at(h)
            .map_err(HistoryError::into_diagnostic)?,
        None => Box::new(WorkingTree(root.to_path_buf())),
    };
    let head_clients = match &args.head {
        Some(h) => history
            .clients_at(h)
            .map_err(HistoryError::into_diagnostic)?,
        None => crate::repo::discover_clients(root)
            .map(|(c, _)| c)
            .map_err(|d| Diagnostic::general(d.code, d.to_string()))?,
    };
    clients.extend(head_clients.iter().cloned());
    clients.sort();
    clients.dedup();
    let base_clients = history.clients_at(&base).unwrap_or_default();
    let today = args.date.unwrap_or_else(crate::diff::today_utc);
    let results: Vec<(Option<crate::diff::ClientDiff>, Vec<Diagnostic>)> = clients
        .par_iter()
        .map(|id| {
            let mut diags = Vec::new();
            let mut side = |src: &dyn PolicySource,
                            present: bool|
             -> Result<Option<crate::policy::Policy>, ()> {
                if !present {
                    return Ok(None);
                }
                load_policy(src, id, crate::controls::known())
                    .map(Some)
                    .map_err(|d| diags.extend(d))
            };
            let b = side(base_src.as_ref(), base_clients.contains(id));
            let h = side(head_src.as_ref(), head_clients.contains(id));
            // A policy that does not load is an input error, not an added or deleted client.
            let (Ok(b), Ok(h)) = (b, h) else {
                return (None, diags);
            };
            let mut d = crate::diff::diff_policies(id.as_str(), b.as_ref(), h.as_ref(), today);
            if let (Some(b), Some(h)) = (&b, &h) {
                d.evaluate_status(root, id, b, h);
            }
            (Some(d), diags)
        })
        .collect();
    let mut errors = Vec::new();
    let mut diffs = Vec::new();
    for (d, e) in results {
        diffs.extend(d);
        errors.extend(e);
    }
    crate::diff::flag_shared_tenants(&mut diffs);
    if let Some(file) = &args.full_report {
        std::fs::write(file, crate::diff::render_markdown(&diffs))
            .map_err(|e| super::io(format!("cannot write {}: {e}", file.display())))?;
    }
    match args.format {
        DiffFormat::Markdown => ctx.term.out(&crate::diff::render_comment(&diffs)),
        DiffFormat::Json => ctx.term.out(&crate::diff::render_json(&diffs)),
    }
    ctx.term.diagnostics(&errors);
    Ok(if errors.iter().any(Diagnostic::is_error) {
        Outcome::BadInput
    } else if args.fail_on == FailOn::Weaken && crate::diff::any_unjustified_weakening(&diffs) {
        Outcome::Findings
    } else {
        Outcome::Success
    })
}
