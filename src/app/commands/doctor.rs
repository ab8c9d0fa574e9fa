//! `custody doctor`: per tenant, before collecting, a token and every endpoint's answer.

use super::clients::ClientsFormat;
use super::usage;
use crate::app::Ctx;
use crate::app::exit::{CommandResult, Outcome};
use crate::collect;
use crate::month::Month;

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Credentials: as for collect (CUSTODY_CLIENT_ID with a secret, certificate or \
federated token; or CUSTODY_ACCESS_TOKEN). One request per endpoint and tenant ($top=1 where \
the request pages), with collect's retries and throttling; nothing is written.\n\
Exit codes: 0 every tenant is ready (licence gaps are reported, not failures: collect records \
them); 1 a tenant has a gap (no token, a missing permission, an endpoint error); 2 bad input or \
usage.\n\n\
Examples:
  custody doctor                                every client
  custody doctor --client contoso --format json"
)]
pub struct DoctorArgs {
    /// Only these clients (repeatable); default: every client.
    #[arg(long = "client", value_name = "ID")]
    pub clients: Vec<String>,
    /// Only the I-th of every N clients in sorted order (1-based), as collect --shard.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Output on stdout: text for people, or json for scripts.
    #[arg(long, value_enum, default_value_t = ClientsFormat::Text)]
    pub format: ClientsFormat,
    /// Microsoft Graph root.
    #[arg(long, env = "CUSTODY_GRAPH_URL", default_value = crate::collect::DEFAULT_GRAPH_URL, value_name = "URL")]
    pub graph_url: String,
    /// Microsoft Entra login root (token endpoint).
    #[arg(long, env = "CUSTODY_LOGIN_URL", default_value = crate::collect::DEFAULT_LOGIN_URL, value_name = "URL")]
    pub login_url: String,
    /// Tenants checked in parallel.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64), value_name = "N")]
    pub jobs: u16,
    /// Time limit for one tenant's checks (seconds, or 90s, 30m, 2h).
    #[arg(long, env = "CUSTODY_TENANT_TIMEOUT", default_value = "10m", value_parser = crate::collect::parse_timeout, value_name = "TIME")]
    pub tenant_timeout: std::time::Duration,
}

pub fn run(ctx: &Ctx, args: &DoctorArgs) -> CommandResult {
    for (flag, url) in [
        ("--graph-url", &args.graph_url),
        ("--login-url", &args.login_url),
    ] {
        collect::http::check_service_url(flag, url).map_err(usage)?;
    }
    let shard = match args.shard.as_deref() {
        None => None,
        Some(s) => Some(collect::parse_shard(s).map_err(|e| usage(format!("--shard: {e}")))?),
    };
    let retry = collect::http::RetryConfig::from_env().map_err(usage)?;
    let creds = collect::auth::Credentials::from_env().map_err(usage)?;
    let (mut clients, diags) = crate::repo::select_clients(&ctx.repo, &args.clients)?;
    ctx.term.diagnostics(&diags);
    if let Some((i, n)) = shard {
        clients = collect::shard(&clients, i, n);
    }
    let opts = collect::CollectOptions {
        repo: ctx.repo.clone(),
        clients,
        month: Month::current(),
        graph_url: args.graph_url.trim_end_matches('/').to_owned(),
        login_url: args.login_url.trim_end_matches('/').to_owned(),
        jobs: usize::from(args.jobs),
        retry,
        tenant_timeout: args.tenant_timeout,
        veeam: None,
        compress_above: collect::DEFAULT_COMPRESS_ABOVE,
    };
    let reports = collect::doctor::doctor(&opts, creds, &ctx.term).map_err(usage)?;
    ctx.term.out(&match args.format {
        ClientsFormat::Text => collect::doctor::render_text(&reports),
        ClientsFormat::Json => {
            let ready = reports.iter().filter(|r| r.ready()).count();
            let doc = serde_json::json!({ "ready": ready, "tenants": reports });
            format!(
                "{}\n",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            )
        }
    });
    Ok(if diags.iter().any(|d| d.is_error()) {
        Outcome::BadInput
    } else if reports.iter().all(|r| r.ready()) {
        Outcome::Success
    } else {
        Outcome::Findings
    })
}
