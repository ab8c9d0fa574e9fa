//! `custody clients`: the valid clients with their name and tenant, from the policy.

use crate::app::Ctx;
use crate::app::exit::{self, CommandResult};
use crate::diagnostic::Diagnostic;
use crate::policy::load::WorkingTree;
use clap::ValueEnum;

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  custody clients
  custody clients --format json | jq -c '[.clients[].id]'   a CI matrix of client ids

Exit codes: 0 every entry of clients/ is a client folder whose client.toml loads; 2 an \
entry is not (a name that is not a client id, a file, a symbolic link, a folder without \
client.toml) or its client.toml has errors: each is named, and the valid clients are \
still listed.")]
pub struct ClientsArgs {
    /// Output on stdout: text for people, or json for scripts and CI.
    #[arg(long, value_enum, default_value_t = ClientsFormat::Text)]
    pub format: ClientsFormat,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ClientsFormat {
    Text,
    Json,
}

pub fn run(ctx: &Ctx, args: &ClientsArgs) -> CommandResult {
    #[derive(serde::Serialize)]
    struct Listed {
        id: String,
        name: String,
        tenant_id: String,
        publish: bool,
    }
    let root = ctx.repo.as_path();
    let (ids, mut errors) = crate::repo::discover_clients(root)?;
    let source = WorkingTree(root.to_path_buf());
    let mut listed = Vec::new();
    for id in &ids {
        match crate::policy::load::load_client_info(&source, id) {
            Ok(info) => listed.push(Listed {
                id: id.to_string(),
                name: info.name,
                tenant_id: info.tenant_id,
                publish: info.publish,
            }),
            Err(d) => errors.extend(d),
        }
    }
    match args.format {
        ClientsFormat::Json => {
            #[derive(serde::Serialize)]
            struct Doc<'a> {
                schema_version: u32,
                clients: &'a [Listed],
                errors: &'a [Diagnostic],
            }
            let doc = Doc {
                schema_version: 1,
                clients: &listed,
                errors: &errors,
            };
            let mut out = serde_json::to_string_pretty(&doc).expect("the listing serializes");
            out.push('\n');
            ctx.term.out(&out);
        }
        ClientsFormat::Text => {
            let width = listed.iter().map(|c| c.id.len()).max().unwrap_or(0);
            let mut out = String::new();
            for c in &listed {
                // A name is input: control characters would rewrite the terminal.
                let name: String = c.name.chars().flat_map(char::escape_debug).collect();
                out.push_str(&format!("{:width$}  {}  {name}\n", c.id, c.tenant_id));
            }
            ctx.term.out(&out);
        }
    }
    ctx.term.diagnostics(&errors);
    Ok(exit::of_errors(&errors))
}
