//! `custody man`: the manual page in roff, on stdout or one page per command in a folder.

use super::io;
use crate::app::exit::{CommandResult, Outcome};
use crate::app::{Cli, Ctx};
use clap::CommandFactory;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  custody man | man -l -
  custody man --out ~/.local/share/man/man1   custody.1, custody-check.1, …")]
pub struct ManArgs {
    /// Write custody.1 and one custody-<command>.1 per command into DIR.
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub out: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, args: &ManArgs) -> CommandResult {
    let cmd = Cli::command();
    let Some(dir) = &args.out else {
        let mut out = Vec::new();
        clap_mangen::Man::new(cmd)
            .render(&mut out)
            .map_err(|e| io(e.to_string()))?;
        ctx.term.out_raw(&out);
        return Ok(Outcome::Success);
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| io(format!("cannot create {}: {e}", dir.display())))?;
    clap_mangen::generate_to(cmd, dir)
        .map_err(|e| io(format!("cannot write into {}: {e}", dir.display())))?;
    ctx.term
        .status(&format!("wrote manual pages into {}\n", dir.display()));
    Ok(Outcome::Success)
}
