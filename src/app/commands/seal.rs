//! `custody seal`: the manifest of a month whose Graph files were exported by hand.

use super::usage;
use crate::app::Ctx;
use crate::app::exit::{CommandResult, Failure, Outcome};
use crate::client_id::ClientId;
use crate::month::Month;

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Put the exported Graph responses under evidence/<client>/<YYYY-MM>/graph/ with \
the file names of the endpoint table (README, \"Evidence\"), then seal. Every file is first read \
as check reads it: a file that would not load is named with its JSON path and nothing is \
written. Endpoints not exported are recorded as such: the month stays incomplete until they \
are exported and the month sealed again; one Graph refused for lack of a licence, named with \
--not-licensed, is recorded as not licensed (an explained gap). A manifest written by collect is never replaced \
without --force; one written by seal is (the output says what was replaced). collected_at is the \
sealing time unless --collected-at states when the files were exported (a month sealed after it \
ended); evidence.snapshot-fresh checks it against the tenant's own dates.\n\
Exit codes: 0 sealed; 2 bad input or usage (nothing written).\n\n\
Examples:
  custody seal --client contoso --month 2026-05
  custody seal --client contoso --month 2026-05 --by jane@msp.example --force
  custody seal --client contoso --month 2026-05 --not-licensed graph/roleEligibilitySchedules.json
  custody seal --client contoso --month 2026-05 --collected-at 2026-05-28T09:30:00Z"
)]
pub struct SealArgs {
    /// The client whose month to seal.
    #[arg(long = "client", value_name = "ID")]
    pub client: String,
    /// The month to seal.
    #[arg(long, value_name = "YYYY-MM")]
    pub month: String,
    /// Who exported the files; default: git's user.name and user.email.
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
    /// Replace a manifest that collect wrote (its records of what Graph answered are lost).
    #[arg(long)]
    pub force: bool,
    /// An endpoint's file (graph/roleEligibilitySchedules.json) that Graph refused for lack
    /// of a licence when exporting: recorded as not licensed, an explained gap (repeatable).
    #[arg(long = "not-licensed", value_name = "FILE")]
    pub not_licensed: Vec<String>,
    /// When the files were exported (RFC 3339, e.g. 2026-11-27T09:30:00Z), if not now:
    /// recorded as collected_at, as stated by the sealer. Not in the future, and not before
    /// the month began.
    #[arg(long = "collected-at", value_name = "RFC3339")]
    pub collected_at: Option<String>,
}

pub fn run(ctx: &Ctx, args: &SealArgs) -> CommandResult {
    let client = ClientId::parse(&args.client).map_err(|e| usage(format!("--client: {e}")))?;
    let month = Month::parse(&args.month).map_err(|e| usage(format!("--month: {e}")))?;
    let collected_at = args
        .collected_at
        .as_deref()
        .map(|s| {
            s.trim().parse::<jiff::Timestamp>().map_err(|e| {
                usage(format!(
                    "--collected-at {}: not an RFC 3339 timestamp with an offset (2026-11-27T09:30:00Z): {e}",
                    crate::evidence::provenance::one_line(s, 60)
                ))
            })
        })
        .transpose()?;
    let opts = crate::pack::seal::SealOptions {
        repo: &ctx.repo,
        client: &client,
        month,
        by: args.by.clone(),
        force: args.force,
        not_licensed: args.not_licensed.clone(),
        now: jiff::Timestamp::now(),
        collected_at,
    };
    let s = match crate::pack::seal::seal(&opts) {
        Ok(s) => s,
        Err(mut diags) => {
            diags.push(usage(format!(
                "{client} {month} not sealed; nothing was written"
            )));
            return Err(Failure(diags));
        }
    };
    let mut out = format!(
        "sealed {}: {} of {} endpoint file(s), {} other file(s), exported by hand by {}{}\n",
        s.manifest,
        s.present,
        s.expected,
        s.other_files,
        crate::evidence::provenance::one_line(&s.by, 200),
        s.collected_at
            .as_deref()
            .map(|t| format!(" at {t} (as stated)"))
            .unwrap_or_default()
    );
    if let Some(r) = &s.replaced {
        out.push_str(&format!("replaced {r}\n"));
    }
    for m in &s.not_licensed {
        out.push_str(&format!("not licensed (as stated): {m}\n"));
    }
    for m in &s.missing {
        out.push_str(&format!("not exported: {m}\n"));
    }
    for p in &s.partial {
        out.push_str(&format!("partial: {p}\n"));
    }
    if !s.missing.is_empty() || !s.partial.is_empty() {
        out.push_str("evidence.snapshot-complete fails for this month until those are exported whole and the month is sealed again\n");
    }
    ctx.term.out(&out);
    Ok(Outcome::Success)
}
