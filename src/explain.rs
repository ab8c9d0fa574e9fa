//! `custody explain CONTROL_ID`: one control's reference (what it checks, why it matters
//! and the shared responsibility step it comes from, how to fix it, thresholds and their
//! policy keys), from the same text as docs/controls.md and the site's control pages.

use crate::controls::{self, docs};

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

/// The text to print, or the usage error (an unknown id, with the nearest known ones).
pub fn explain(args: &ExplainArgs) -> Result<String, String> {
    let markdown = args.format == ExplainFormat::Markdown;
    let Some(id) = args.id.as_deref().filter(|_| !args.all) else {
        return Ok(if markdown {
            docs::reference_markdown()
        } else {
            controls::catalogue()
                .iter()
                .map(docs::explain)
                .collect::<Vec<_>>()
                .join("\n")
        });
    };
    let Some(c) = controls::find(id) else {
        return Err(unknown(id));
    };
    Ok(if markdown {
        docs::control_markdown(c)
    } else {
        docs::explain(c)
    })
}

fn unknown(id: &str) -> String {
    let mut msg = format!("unknown control id {id:?}");
    // A domain or workload prefix names several controls: list them.
    let under: Vec<&str> = controls::catalogue()
        .iter()
        .map(|c| c.id.as_str())
        .filter(|c| !id.is_empty() && c.starts_with(id))
        .collect();
    match (controls::closest_id(id), under.len()) {
        (_, 2..) => msg.push_str(&format!(
            "; controls starting with it: {}",
            under.join(", ")
        )),
        (Some(near), _) => msg.push_str(&format!("; did you mean {near:?}?")),
        (None, 1) => msg.push_str(&format!("; did you mean {:?}?", under[0])),
        (None, _) => {}
    }
    msg.push_str(" (`custody controls` lists every id)");
    msg
}

/// Runs the command: prints to stdout, returns the exit code (2 for an unknown id).
pub fn main(args: &ExplainArgs) -> i32 {
    use std::io::Write;
    match explain(args) {
        Ok(text) => {
            let mut out = anstream::stdout();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
            crate::cli::EXIT_OK
        }
        Err(e) => {
            let mut err = anstream::stderr();
            let _ = writeln!(err, "error: {e}");
            crate::cli::EXIT_INPUT
        }
    }
}
