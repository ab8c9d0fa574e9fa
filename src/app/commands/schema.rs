//! `custody schema`: the JSON Schemas of the policy files, printed or written into a
//! folder with the matching `.taplo.toml` rules.

use super::io;
use crate::app::Ctx;
use crate::app::exit::{CommandResult, Outcome};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  custody schema > custody.schema.json
  custody schema --out schema >> .taplo.toml")]
pub struct SchemaArgs {
    /// Write one `<file>.schema.json` per policy file into DIR and print the matching
    /// `.taplo.toml` rules (paths relative to the repository root); default: print all
    /// schemas as one JSON document.
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub out: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, args: &SchemaArgs) -> CommandResult {
    let Some(dir) = &args.out else {
        ctx.term.out(&crate::generate::all_schemas_text());
        return Ok(Outcome::Success);
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| io(format!("cannot create {}: {e}", dir.display())))?;
    for file in crate::schema::FILES {
        let Some(text) = crate::generate::schema_text(file) else {
            continue;
        };
        let path = dir.join(crate::schema::schema_file_name(file));
        std::fs::write(&path, text)
            .map_err(|e| io(format!("cannot write {}: {e}", path.display())))?;
        ctx.term.status(&format!("wrote {}\n", path.display()));
    }
    ctx.term
        .status("add these rules to .taplo.toml at the repository root:\n");
    ctx.term
        .out(&crate::schema::taplo_config(&dir.to_string_lossy()));
    Ok(Outcome::Success)
}
