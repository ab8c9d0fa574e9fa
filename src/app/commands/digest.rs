//! `custody digest`: the monthly e-mail digests, written as files for the mail step.

use super::usage;
use crate::app::Ctx;
use crate::app::exit::{CommandResult, Failure, Outcome};
use crate::month::Month;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  custody digest --month 2026-11                    digest/<client>.html, .txt, portfolio.html, .txt
  custody digest --month 2026-11 --client acme --out /tmp/mail

custody writes the files and sends nothing: attach them, or send them with your mail action.
Exit codes: 0 written; 2 bad input or usage (the other clients are still written).")]
pub struct DigestArgs {
    /// The month of the digest (YYYY-MM).
    #[arg(long, value_name = "YYYY-MM")]
    pub month: String,
    /// Only these clients (repeatable); default: every client.
    #[arg(long = "client", value_name = "ID")]
    pub clients: Vec<String>,
    /// Output folder; default: digest/ in the repository.
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub out: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, args: &DigestArgs) -> CommandResult {
    let month = Month::parse(&args.month).map_err(|e| usage(format!("--month: {e}")))?;
    let out = args.out.clone().unwrap_or_else(|| ctx.repo.join("digest"));
    let w = crate::digest::write(&ctx.repo, month, &args.clients, &out).map_err(Failure)?;
    for f in &w.files {
        ctx.term
            .status(&format!("wrote {}\n", out.join(f).display()));
    }
    for m in &w.missing {
        ctx.term.err(&format!("warning: {}: {}\n", m.id, m.reason));
    }
    ctx.term.diagnostics(&w.errors);
    Ok(if w.errors.iter().any(|d| d.is_error()) {
        Outcome::BadInput
    } else {
        Outcome::Success
    })
}
