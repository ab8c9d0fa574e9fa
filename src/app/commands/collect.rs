//! `custody collect`: each client's monthly Microsoft Graph snapshot into
//! `evidence/<client>/<YYYY-MM>/`.

use super::usage;
use crate::app::Ctx;
use crate::app::exit::{CommandResult, Outcome};
use crate::collect;
use crate::month::Month;

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Credentials (environment): CUSTODY_CLIENT_ID with CUSTODY_CLIENT_SECRET, with \
CUSTODY_CLIENT_CERTIFICATE_FILE (PEM certificate and RSA key), or with CUSTODY_FEDERATED_TOKEN_FILE or GitHub's OIDC variables (workload identity federation); or CUSTODY_ACCESS_TOKEN.\n\
Exit codes: 0 every client collected (refusals for licence or permission are recorded, not failures); \
2 bad input or usage, or a client whose collection failed (the others are still collected).\n\n\
Examples:
  custody collect                               every client, the current month
  custody collect --client contoso --month 2026-05
  custody collect --shard 2/4 --jobs 8          the second quarter of the clients, in CI
  custody collect --compress-above 0            store every Graph file as .json.gz"
)]
pub struct CollectArgs {
    /// Only these clients (repeatable); default: every client.
    #[arg(long = "client", value_name = "ID")]
    pub clients: Vec<String>,
    /// The month folder to write; default: the current UTC month.
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<String>,
    /// Only the I-th of every N clients in sorted order (1-based), for a CI matrix.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Microsoft Graph root.
    #[arg(long, env = "CUSTODY_GRAPH_URL", default_value = crate::collect::DEFAULT_GRAPH_URL, value_name = "URL")]
    pub graph_url: String,
    /// Microsoft Entra login root (token endpoint).
    #[arg(long, env = "CUSTODY_LOGIN_URL", default_value = crate::collect::DEFAULT_LOGIN_URL, value_name = "URL")]
    pub login_url: String,
    /// Clients collected in parallel.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64), value_name = "N")]
    pub jobs: u16,
    /// Largest response body accepted from Graph, in bytes; a larger one fails its endpoint.
    #[arg(long, env = "CUSTODY_MAX_RESPONSE_BYTES", default_value_t = crate::collect::http::DEFAULT_MAX_RESPONSE_BYTES, value_parser = clap::value_parser!(u64).range(1024..), value_name = "BYTES")]
    pub max_response_bytes: u64,
    /// Time limit for one client's whole collection (seconds, or 90s, 30m, 2h); past it the client fails.
    #[arg(long, env = "CUSTODY_TENANT_TIMEOUT", default_value = "2h", value_parser = crate::collect::parse_timeout, value_name = "TIME")]
    pub tenant_timeout: std::time::Duration,
    /// Veeam Backup for Microsoft 365 REST API (https://host:4443[/v8]): also fetch the jobs backup.toml names in `veeam_jobs`, their sessions and restore sessions into backup/veeam/ (credentials: CUSTODY_VEEAM_USERNAME, CUSTODY_VEEAM_PASSWORD).
    #[arg(long, env = "CUSTODY_VEEAM_URL", value_name = "URL")]
    pub veeam_url: Option<String>,
    /// PEM file of the certificate(s) to trust for the Veeam server, besides the system's roots: its self-signed certificate, or the CA that issued it. Only the Veeam connection trusts them; verification is never turned off.
    #[arg(long, env = "CUSTODY_VEEAM_CA_FILE", value_name = "PEM")]
    pub veeam_ca_file: Option<std::path::PathBuf>,
    /// Store a Graph file gzip-compressed (`users.json.gz`) when its JSON is larger than this many bytes (0: every file); keeps a large tenant's files below GitHub's 100 MiB limit.
    #[arg(long, env = "CUSTODY_COMPRESS_ABOVE", default_value_t = crate::collect::DEFAULT_COMPRESS_ABOVE, value_name = "BYTES")]
    pub compress_above: u64,
    /// Microsoft 365 Backup: search the restore points of at most N protected units per workload (0: all), chosen by the lowest SHA-256 of their id; their gaps measure the RPO where no backup job records exist.
    #[arg(long, env = "CUSTODY_RESTORE_POINT_SAMPLE", default_value_t = crate::evidence::restore_points::DEFAULT_SAMPLE, value_name = "N")]
    pub restore_point_sample: usize,
}

pub fn run(ctx: &Ctx, args: &CollectArgs) -> CommandResult {
    let root = ctx.repo.as_path();
    let month = match &args.month {
        None => Month::current(),
        Some(m) => Month::parse(m).map_err(|e| usage(format!("--month: {e}")))?,
    };
    let shard = match args.shard.as_deref() {
        None => None,
        Some(s) => Some(collect::parse_shard(s).map_err(|e| usage(format!("--shard: {e}")))?),
    };
    for (flag, url) in [
        ("--graph-url", &args.graph_url),
        ("--login-url", &args.login_url),
    ] {
        collect::http::check_service_url(flag, url).map_err(usage)?;
    }
    let retry = collect::http::RetryConfig {
        max_body: args.max_response_bytes,
        ..collect::http::RetryConfig::from_env().map_err(usage)?
    };
    let creds = collect::auth::Credentials::from_env().map_err(usage)?;
    let veeam = match (args.veeam_url.as_deref(), &args.veeam_ca_file) {
        (None, None) => None,
        (None, Some(f)) => {
            return Err(usage(format!(
                "--veeam-ca-file {}: trusted for the Veeam connection only, which needs --veeam-url",
                f.display()
            ))
            .into());
        }
        (Some(u), ca) => {
            Some(collect::veeam::VeeamServer::from_env(u, ca.as_deref()).map_err(usage)?)
        }
    };
    let (mut clients, mut diags) = crate::repo::select_clients(root, &args.clients)?;
    // Two clients naming one tenant: its evidence cannot be both clients', so neither is
    // collected (check refuses them the same way); the others still are.
    let shared = crate::evaluate::shared_tenants(root);
    clients.retain(|c| match shared.get(c) {
        Some(d) => {
            diags.extend(d.iter().cloned());
            false
        }
        None => true,
    });
    ctx.term.diagnostics(&diags);
    if let Some((i, n)) = shard {
        clients = collect::shard(&clients, i, n);
        ctx.term.status(&format!(
            "shard {i}/{n}: {}\n",
            if clients.is_empty() {
                "no clients".to_owned()
            } else {
                clients
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ));
    }
    let opts = collect::CollectOptions {
        repo: root.to_path_buf(),
        clients,
        month,
        graph_url: args.graph_url.trim_end_matches('/').to_owned(),
        login_url: args.login_url.trim_end_matches('/').to_owned(),
        jobs: usize::from(args.jobs),
        retry,
        tenant_timeout: args.tenant_timeout,
        veeam,
        compress_above: args.compress_above,
    };
    collect::guard::on_interrupt(interrupted);
    let outcomes = collect::collect(&opts, args.restore_point_sample, creds, &ctx.term);
    ctx.term
        .status(&format!("{}\n", collect::summary(&outcomes)));
    Ok(
        if diags.iter().all(|d| !d.is_error()) && outcomes.iter().all(|o| o.result.is_ok()) {
            Outcome::Success
        } else {
            Outcome::BadInput
        },
    )
}

/// An interrupt, once the guard has removed the partial folders and lock files: the
/// process ends here, on the signal handler's thread, while workers may still be
/// waiting on Graph.
fn interrupted() {
    crate::app::terminal::stderr(
        "custody collect: interrupted; partial folders removed, existing months untouched\n",
    );
    crate::app::exit::interrupted();
}
