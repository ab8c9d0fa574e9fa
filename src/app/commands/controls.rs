//! `custody controls`: the control catalogue as text, Markdown (the README's catalogue)
//! or JSON.

use crate::app::Ctx;
use crate::app::exit::{CommandResult, Outcome};
use clap::ValueEnum;

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  custody controls
  custody controls --format markdown
  custody controls --format json | jq '.controls[] | {id, baselines: [.baselines[].label]}'")]
pub struct ControlsArgs {
    /// Output on stdout: text, markdown (the README's catalogue), or json for scripts (id,
    /// domain, title, weight, baseline references, thresholds with defaults, bounds and
    /// direction).
    #[arg(long, value_enum, default_value_t = ControlsFormat::Text)]
    pub format: ControlsFormat,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ControlsFormat {
    Text,
    Markdown,
    Json,
}

pub fn run(ctx: &Ctx, args: &ControlsArgs) -> CommandResult {
    ctx.term.out(&match args.format {
        ControlsFormat::Text => crate::controls::docs::render(false),
        ControlsFormat::Markdown => crate::controls::docs::render(true),
        ControlsFormat::Json => crate::controls::docs::catalogue_json(),
    });
    Ok(Outcome::Success)
}
