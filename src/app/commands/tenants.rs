//! `custody tenants`: the partner's GDAP customers, their client folders and consent;
//! `--scaffold` writes the missing client folders.

use super::clients::ClientsFormat;
use super::usage;
use crate::app::Ctx;
use crate::app::exit::{CommandResult, Outcome};
use crate::collect;
use crate::month::Month;

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Credentials: as for collect, for the app in the partner tenant, with the \
application permission DelegatedAdminRelationship.Read.All there. Consent is checked with one \
token request per customer tenant with an active relationship.\n\
Exit codes: 0 nothing needs attention; 1 an active relationship ends within 30 days without \
auto-extension, or a tenant with a client folder has not consented to the app; 2 bad input or \
usage (including a template client that does not load).\n\n\
Examples:
  custody tenants --partner-tenant 8777b240-c6f0-4469-9e98-a3205431b836
  custody tenants --partner-tenant 8777b240-c6f0-4469-9e98-a3205431b836 --scaffold --from contoso
                                                write clients/<slug>/ for each new customer"
)]
pub struct TenantsArgs {
    /// The MSP's partner tenant id.
    #[arg(long, env = "CUSTODY_PARTNER_TENANT_ID", value_name = "GUID")]
    pub partner_tenant: String,
    /// Write a client folder for each customer with an active relationship and none yet.
    #[arg(long, requires = "from")]
    pub scaffold: bool,
    /// The template client whose policy files the scaffolded folders start from.
    #[arg(long, value_name = "CLIENT", requires = "scaffold")]
    pub from: Option<String>,
    /// Do not request a token in each customer tenant to check consent.
    #[arg(long)]
    pub no_consent_check: bool,
    /// Output on stdout: text for people, or json for scripts.
    #[arg(long, value_enum, default_value_t = ClientsFormat::Text)]
    pub format: ClientsFormat,
    /// Microsoft Graph root.
    #[arg(long, env = "CUSTODY_GRAPH_URL", default_value = crate::collect::DEFAULT_GRAPH_URL, value_name = "URL")]
    pub graph_url: String,
    /// Microsoft Entra login root (token endpoint).
    #[arg(long, env = "CUSTODY_LOGIN_URL", default_value = crate::collect::DEFAULT_LOGIN_URL, value_name = "URL")]
    pub login_url: String,
}

pub fn run(ctx: &Ctx, args: &TenantsArgs) -> CommandResult {
    for (flag, url) in [
        ("--graph-url", &args.graph_url),
        ("--login-url", &args.login_url),
    ] {
        collect::http::check_service_url(flag, url).map_err(usage)?;
    }
    let scaffold_from = match args.from.as_deref() {
        None => None,
        Some(f) => {
            Some(crate::client_id::ClientId::parse(f).map_err(|e| usage(format!("--from: {e}")))?)
        }
    };
    let retry = collect::http::RetryConfig::from_env().map_err(usage)?;
    let creds = collect::auth::Credentials::from_env().map_err(usage)?;
    let opts = collect::CollectOptions {
        repo: ctx.repo.clone(),
        clients: Vec::new(),
        month: Month::current(),
        graph_url: args.graph_url.trim_end_matches('/').to_owned(),
        login_url: args.login_url.trim_end_matches('/').to_owned(),
        jobs: 1,
        retry,
        tenant_timeout: std::time::Duration::from_secs(600),
        veeam: None,
        compress_above: collect::DEFAULT_COMPRESS_ABOVE,
    };
    let topts = collect::tenants::TenantsOptions {
        partner_tenant: args.partner_tenant.trim().to_ascii_lowercase(),
        check_consent: !args.no_consent_check,
        scaffold_from,
        client_id: std::env::var("CUSTODY_CLIENT_ID").ok(),
    };
    let report = collect::tenants::tenants(&opts, &topts, creds, jiff::Timestamp::now(), &ctx.term)
        .map_err(usage)?;
    ctx.term.out(&match args.format {
        ClientsFormat::Text => collect::tenants::render_text(&report),
        ClientsFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        ),
    });
    Ok(if report.needs_attention() {
        Outcome::Findings
    } else {
        Outcome::Success
    })
}
