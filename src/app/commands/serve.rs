//! `custody serve`: build, serve on 127.0.0.1, rebuild on change (the server and the
//! watch loop are `crate::serve`; each build is reported as `custody build` reports it).

use super::build::report_summary;
use crate::app::Ctx;
use crate::app::exit::{CommandResult, Outcome};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  custody serve                   build into site/ and serve http://127.0.0.1:8000/
  custody serve --port 0          any free port (the address is printed)
  custody serve --out /tmp/site   keep the preview out of the repository

Only 127.0.0.1 is ever bound; requests naming another host are refused. A failed rebuild \
prints its errors and the last good site stays up.")]
pub struct ServeArgs {
    /// TCP port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 8000, value_name = "N")]
    pub port: u16,
    /// Output folder; default: site/ in the repository. Refused like `build --out`.
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub out: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, args: &ServeArgs) -> CommandResult {
    let opts = crate::serve::ServeOptions {
        repo: ctx.repo.clone(),
        out: args.out.clone().unwrap_or_else(|| ctx.repo.join("site")),
        port: args.port,
    };
    // One build through the same entry point as `custody build`. A failed build leaves
    // the site folder untouched, so the last good site keeps being served.
    let rebuild = || {
        let build = crate::website::BuildOptions {
            repo: opts.repo.clone(),
            out: opts.out.clone(),
            clients: Vec::new(),
        };
        match crate::website::build_reported(&build, true, &ctx.term) {
            Ok(summary) => {
                report_summary(&ctx.term, &summary);
                ctx.term.status(&format!("{}\n", summary.line()));
            }
            Err(diags) => {
                ctx.term.diagnostics(&diags);
                ctx.term
                    .err("rebuild failed: still serving the last good site\n");
            }
        }
    };
    crate::serve::run(&opts, &ctx.term, &rebuild)?;
    Ok(Outcome::Success)
}
