//! `custody verify`: evidence packs and their hash chain, checked offline.

use crate::app::Ctx;
use crate::app::exit::{self, CommandResult};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  custody verify site                               every pack the site holds
  custody verify site/contoso/2026-05/evidence.zip  one pack
  custody verify --trusted-key allowed_signers --require-signature site")]
pub struct VerifyArgs {
    /// Evidence pack zip files, or folders (such as site/ or site/<client>/) to search for them.
    #[arg(required = true, value_name = "PACK_OR_DIR", value_hint = clap::ValueHint::AnyPath)]
    pub paths: Vec<PathBuf>,
    /// Packs must be signed by a key in FILE: an OpenSSH public key (`ssh-ed25519 AAAA…`) or
    /// an allowed_signers file, as `ssh-keygen -Y verify` reads (repeatable).
    #[arg(long = "trusted-key", value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub trusted_keys: Vec<PathBuf>,
    /// An unsigned pack is a failure (exit 1), not only reported.
    #[arg(long)]
    pub require_signature: bool,
}

pub fn run(ctx: &Ctx, args: &VerifyArgs) -> CommandResult {
    let trusted = if args.trusted_keys.is_empty() {
        None
    } else {
        let keys = crate::pack::TrustedKeys::load(&args.trusted_keys)
            .map_err(|e| super::usage(format!("--trusted-key {e}")))?;
        Some(keys)
    };
    let check = crate::pack::SignatureCheck {
        trusted,
        required: args.require_signature,
    };
    let report = crate::pack::verify_paths_with(&args.paths, &check);
    ctx.term.out(&format!("{}\n", report.render()));
    Ok(exit::of_verify(&report))
}
