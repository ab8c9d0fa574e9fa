//! `custody build`: the versioned static site, written aside and swapped in whole.

use crate::app::Ctx;
use crate::app::exit::{self, CommandResult, Outcome};
use crate::app::terminal::Terminal;
use crate::diagnostic::{Code, Diagnostic};
use crate::website::BuildSummary;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  custody build                       every client and the portfolio into site/
  custody build --out public          into public/
  custody build --client contoso      a standalone site for one client
  custody build --no-cache            render every month again, ignoring .custody-cache/
  custody verify site                 then check the evidence packs it wrote

Builds are incremental: with no input changed nothing is written, and months whose inputs,
templates and custody version are unchanged are reused from the previous site.")]
pub struct BuildArgs {
    /// Output folder; default: site/ in the repository. Replaced whole, only when the build
    /// succeeds; a non-empty folder custody did not build, the repository or an input is refused.
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub out: Option<PathBuf>,
    /// Only these clients (repeatable): a standalone site per client, without the portfolio page.
    #[arg(long = "client", value_name = "ID")]
    pub clients: Vec<String>,
    /// Render every month again instead of reusing unchanged ones from the previous site.
    #[arg(long)]
    pub no_cache: bool,
}

pub fn run(ctx: &Ctx, args: &BuildArgs) -> CommandResult {
    let root = ctx.repo.as_path();
    let out = args.out.clone().unwrap_or_else(|| root.join("site"));
    // First, so a refused folder is named for the right reason and nothing is read.
    crate::website::output::check(root, &out).map_err(|reason| {
        Diagnostic::general(
            Code::SiteOutput,
            format!("{}: refusing to build here: {reason}", out.display()),
        )
    })?;
    if let Some(refusal) = subset_would_replace(&out, &args.clients) {
        return Err(Diagnostic::general(Code::SiteOutput, refusal).into());
    }
    let opts = crate::website::BuildOptions {
        repo: root.to_path_buf(),
        out: out.clone(),
        clients: args.clients.clone(),
    };
    match crate::website::build_reported(&opts, !args.no_cache, &ctx.term) {
        Ok(summary) => {
            report_summary(&ctx.term, &summary);
            ctx.term.status(&format!(
                "{}\nopen {}\n",
                summary.line(),
                out.join(if args.clients.len() == 1 {
                    format!("{}/index.html", args.clients[0])
                } else {
                    "index.html".into()
                })
                .display()
            ));
            Ok(exit::of_errors(&summary.errors))
        }
        Err(diags) => {
            ctx.term.diagnostics(&diags);
            ctx.term
                .err("build failed: the previous site was left untouched\n");
            Ok(Outcome::BadInput)
        }
    }
}

/// A build's errors on stderr and, with `-v`, one event per build stage with its
/// duration, then the counts (`serve` reports its rebuilds the same way).
pub(crate) fn report_summary(term: &Terminal, summary: &BuildSummary) {
    term.diagnostics(&summary.errors);
    for (stage, d) in &summary.timings {
        tracing::info!(stage, seconds = d.as_secs_f64(), "build stage");
    }
    tracing::info!(
        clients = summary.clients,
        months = summary.months,
        pages = summary.pages,
        packs = summary.packs,
        files = summary.files,
        "built"
    );
}

/// A `--client` build writes a standalone site holding only those clients. Swapped in
/// over a site that holds other clients' folders, it would remove them: refuse, naming
/// them, rather than replace a published portfolio by accident.
fn subset_would_replace(out: &Path, clients: &[String]) -> Option<String> {
    if clients.is_empty() {
        return None;
    }
    let mut others: Vec<String> = std::fs::read_dir(out)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.path().join("index.html").is_file())
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|name| {
            name != "assets"
                && name != "controls"
                && crate::client_id::ClientId::parse(name).is_ok()
                && !clients.contains(name)
        })
        .collect();
    if others.is_empty() {
        return None;
    }
    others.sort();
    let shown = if others.len() > 5 {
        format!("{}, … ({} in all)", others[..5].join(", "), others.len())
    } else {
        others.join(", ")
    };
    Some(format!(
        "{}: holds a site with other clients ({shown}); `build --client` writes a \
         standalone site for {} only and would remove them. Write it elsewhere with \
         --out DIR, or build every client (the build is incremental).",
        out.display(),
        clients.join(", ")
    ))
}
