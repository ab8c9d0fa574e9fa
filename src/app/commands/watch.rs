//! `custody watch`: privileged-access changes between the monthly runs, and the weekly
//! responsibility review (`--raci-since`).

use super::usage;
use crate::app::Ctx;
use crate::app::exit::{CommandResult, Outcome};
use crate::collect;
use crate::month::Month;
use clap::ValueEnum;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Credentials: as for collect. Per tenant at most four requests: the audit events \
since the last run, active role assignments, eligibilities, and the Conditional Access policies \
when an event changed one. Only the state file is written.\n\
Exit codes: 0 nothing needs attention; 1 a finding (an unapproved privileged assignment, a \
privileged role removed, a break-glass account changed, a CA policy changed or disabled, an \
administrator's MFA method removed) or a tenant that could not be read; 2 bad input or usage.\n\n\
Examples:
  custody watch --state .custody-watch.json          since the last run, per tenant
  custody watch --since 6h --format markdown          the last six hours, as an issue body
  custody watch --client contoso --format json
  custody watch --raci-since 7d --format markdown     the weekly RACI review"
)]
pub struct WatchArgs {
    /// Only these clients (repeatable); default: every client.
    #[arg(long = "client", value_name = "ID")]
    pub clients: Vec<String>,
    /// How far back to read for a tenant the state file does not know (90m, 6h, 7d).
    #[arg(long, default_value = "24h", value_parser = crate::collect::watch::parse_since, value_name = "DURATION")]
    pub since: std::time::Duration,
    /// The state file: the newest event seen per tenant, read first and updated after.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Instead: the weekly responsibility review, RACI changes over this period from git
    /// history (e.g. 7d); no Graph request, no credentials.
    #[arg(long, value_parser = crate::collect::watch::parse_since, value_name = "DURATION", conflicts_with_all = ["state"])]
    pub raci_since: Option<std::time::Duration>,
    /// Output on stdout.
    #[arg(long, value_enum, default_value_t = WatchFormat::Text)]
    pub format: WatchFormat,
    /// Microsoft Graph root.
    #[arg(long, env = "CUSTODY_GRAPH_URL", default_value = crate::collect::DEFAULT_GRAPH_URL, value_name = "URL")]
    pub graph_url: String,
    /// Microsoft Entra login root (token endpoint).
    #[arg(long, env = "CUSTODY_LOGIN_URL", default_value = crate::collect::DEFAULT_LOGIN_URL, value_name = "URL")]
    pub login_url: String,
    /// Tenants read in parallel.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64), value_name = "N")]
    pub jobs: u16,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum WatchFormat {
    Text,
    Json,
    Markdown,
}

pub fn run(ctx: &Ctx, args: &WatchArgs) -> CommandResult {
    use collect::watch;
    for (flag, url) in [
        ("--graph-url", &args.graph_url),
        ("--login-url", &args.login_url),
    ] {
        collect::http::check_service_url(flag, url).map_err(usage)?;
    }
    if let Some(period) = args.raci_since {
        use crate::history::raci_review;
        let now = jiff::Timestamp::now();
        let since = jiff::SignedDuration::try_from(period)
            .ok()
            .and_then(|d| now.checked_sub(d).ok())
            .unwrap_or(now);
        let review = raci_review::review(&ctx.repo, since).map_err(usage)?;
        ctx.term.out(&match args.format {
            WatchFormat::Text => raci_review::render(&review, false),
            WatchFormat::Markdown => raci_review::render(&review, true),
            WatchFormat::Json => format!(
                "{}\n",
                serde_json::to_string_pretty(&review).unwrap_or_default()
            ),
        });
        return Ok(if review.has_changes() {
            Outcome::Findings
        } else {
            Outcome::Success
        });
    }
    let mut state = match &args.state {
        Some(p) => watch::State::load(p).map_err(|e| usage(format!("--state {e}")))?,
        None => watch::State::default(),
    };
    let retry = collect::http::RetryConfig::from_env().map_err(usage)?;
    let creds = collect::auth::Credentials::from_env().map_err(usage)?;
    let (clients, diags) = crate::repo::select_clients(&ctx.repo, &args.clients)?;
    ctx.term.diagnostics(&diags);
    let opts = collect::CollectOptions {
        repo: ctx.repo.clone(),
        clients,
        month: Month::current(),
        graph_url: args.graph_url.trim_end_matches('/').to_owned(),
        login_url: args.login_url.trim_end_matches('/').to_owned(),
        jobs: usize::from(args.jobs),
        retry,
        tenant_timeout: std::time::Duration::from_secs(600),
        veeam: None,
        compress_above: collect::DEFAULT_COMPRESS_ABOVE,
    };
    let wopts = watch::WatchOptions { since: args.since };
    let results = watch::watch(
        &opts,
        &wopts,
        creds,
        &mut state,
        jiff::Timestamp::now(),
        &ctx.term,
    )
    .map_err(usage)?;
    ctx.term.out(&match args.format {
        WatchFormat::Text => watch::render_text(&results),
        WatchFormat::Markdown => watch::render_markdown(&results),
        WatchFormat::Json => {
            let doc = serde_json::json!({
                "needs_attention": watch::needs_attention(&results),
                "tenants": results,
            });
            format!(
                "{}\n",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            )
        }
    });
    if let Some(p) = &args.state {
        state.save(p).map_err(super::io)?;
    }
    Ok(if diags.iter().any(|d| d.is_error()) {
        Outcome::BadInput
    } else if watch::needs_attention(&results) {
        Outcome::Findings
    } else {
        Outcome::Success
    })
}
