//! `custody explain`: one control's reference, or the whole of docs/controls.md.

use crate::app::Ctx;
use crate::app::exit::{CommandResult, Outcome};

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  custody explain identity.mfa-users\n  custody explain backup.exchange.rpo --format markdown\n  custody explain --all --format markdown > docs/controls.md"
)]
pub struct ExplainArgs {
    /// The control id (see `custody controls`).
    #[arg(value_name = "CONTROL_ID", required_unless_present = "all")]
    pub id: Option<String>,
    /// Every control, preceded by the shared responsibility steps (docs/controls.md).
    #[arg(long, conflicts_with = "id")]
    pub all: bool,
    /// Plain text for a terminal, or Markdown (the text of docs/controls.md).
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum ExplainFormat {
    Text,
    Markdown,
}

/// Prints to stdout; an unknown id is a usage error (exit 2) naming the nearest ids.
pub fn run(ctx: &Ctx, args: &ExplainArgs) -> CommandResult {
    let id = args.id.as_deref().filter(|_| !args.all);
    let text = crate::explain::explain(id, args.format == ExplainFormat::Markdown)?;
    ctx.term.out(&text);
    Ok(Outcome::Success)
}
