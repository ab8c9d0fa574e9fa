//! `custody completions SHELL`: a shell completion script from the command definition.

use crate::app::exit::{CommandResult, Outcome};
use crate::app::{Cli, Ctx};
use clap::CommandFactory;

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  custody completions bash > ~/.local/share/bash-completion/completions/custody
  custody completions zsh > ~/.zfunc/_custody
  custody completions fish > ~/.config/fish/completions/custody.fish
  custody completions powershell >> $PROFILE")]
pub struct CompletionsArgs {
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

pub fn run(ctx: &Ctx, args: &CompletionsArgs) -> CommandResult {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "custody", &mut out);
    ctx.term.out_raw(&out);
    Ok(Outcome::Success)
}
