//! `custody init`: a new policy repository with one client to fill in.

use super::usage;
use crate::app::Ctx;
use crate::app::exit::{CommandResult, Outcome};
use crate::client_id::ClientId;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  custody init demo && cd demo && custody check
  custody init --client contoso       in the current folder
  custody init demo --action-ref acme/custody@0123456789abcdef0123456789abcdef01234567")]
pub struct InitArgs {
    /// Where to create the repository (created if missing; nothing is ever overwritten).
    #[arg(value_name = "DIR", default_value = ".", value_hint = clap::ValueHint::DirPath)]
    pub dir: PathBuf,
    /// Id of the first client (a slug of a-z, 0-9 and '-'; default example-client). In an
    /// existing repository (DIR has clients/), adds this one client and nothing else.
    #[arg(long, value_name = "ID")]
    pub client: Option<String>,
    /// Replace files that `init` writes if they already exist (other files are left alone).
    #[arg(long)]
    pub force: bool,
    /// The custody GitHub Action the workflows run, pinned by commit (OWNER/REPO@<40-hex
    /// SHA>); default: a placeholder to replace before the first run.
    #[arg(long, value_name = "OWNER/REPO@SHA")]
    pub action_ref: Option<String>,
}

pub fn run(ctx: &Ctx, args: &InitArgs) -> CommandResult {
    let name = args
        .client
        .as_deref()
        .unwrap_or(crate::init::DEFAULT_CLIENT);
    let id = ClientId::parse(name).map_err(|e| usage(format!("--client: {e}")))?;
    let action = match args.action_ref.as_deref() {
        None => crate::init::ActionRef::placeholder(),
        Some(a) => {
            crate::init::ActionRef::parse(a).map_err(|e| usage(format!("--action-ref: {e}")))?
        }
    };
    if args.client.is_some() && crate::init::is_repository(&args.dir) {
        let report = crate::init::add_client(&args.dir, &id).map_err(super::io)?;
        for f in &report.created {
            ctx.term.status(&format!("created {f}\n"));
        }
        ctx.term.status(&format!(
            "Next: fill in clients/{id}/*.toml (every key is explained in its comments) and notes.md, then collect its first month.\n"
        ));
        return Ok(Outcome::Success);
    }
    let report =
        crate::init::init_repo_with(&args.dir, &id, args.force, &action).map_err(super::io)?;
    for f in &report.created {
        ctx.term.status(&format!("created {f}\n"));
    }
    ctx.term.status(&crate::init::next_steps(&args.dir, &id));
    Ok(Outcome::Success)
}
