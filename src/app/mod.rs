//! The application layer: parse the command line, set up the terminal, run one command,
//! and turn its outcome into the exit code. Library modules never import this module;
//! they return summaries and diagnostics and report progress through
//! [`crate::progress::Reporter`], which [`terminal::Terminal`] implements.
//!
//! Adding a command: a module under `commands/` with its `clap::Args` struct and a
//! `run(&Ctx, &Args) -> CommandResult`, a variant in [`Command`] and one line in
//! [`run`]. A command prints through `ctx.term` (`out` for stdout, `status` for lines
//! `-q` silences, `err` for lines it never silences, `diagnostics` for input problems)
//! and returns an [`exit::Outcome`] (`Success`, `Findings`, `BadInput`), or fails with
//! diagnostics (`Err(commands::usage("--flag: why").into())`, printed as
//! `error: --flag: why`): the exit code is picked in [`exit::code`] alone.

pub mod commands;
pub mod exit;
pub mod terminal;

use clap::{Parser, Subcommand, ValueEnum};
use commands::*;
use exit::CommandResult;
use std::path::PathBuf;
use std::time::Instant;
use terminal::Terminal;

#[derive(Parser, Debug)]
#[command(
    name = "custody",
    // The commit comes from build.rs: a bug report names the exact build.
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("CUSTODY_BUILD_COMMIT"), ")"),
    about = "Microsoft 365 shared-responsibility controls as code: policy + Graph evidence → scorecards",
    after_help = "Examples:
  custody init demo && cd demo   start a policy repository with one example client
  custody check                  evaluate every client's latest month
  custody build                  render the site into site/
  custody serve                  preview the site on http://127.0.0.1:8000/, rebuilt on change

Exit codes: 0 success; 1 findings (check: a control fails or lacks evidence; verify: a pack was tampered with, its signature fails or a month is missing; diff --fail-on weaken: an unjustified weakening); 2 bad input or usage (the message names the file and line, or the JSON path)."
)]
pub struct Cli {
    /// The policy repository (holds clients/ and evidence/).
    #[arg(long, global = true, default_value = ".", value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub repo: PathBuf,
    /// Only errors, warnings and machine output: no progress bar, summary or next-step lines.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// More detail on stderr: stage timings and per-client steps; -vv adds debug detail
    /// (check: also every control's details, not only failing ones).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Colour on stdout and stderr; auto means on a terminal unless NO_COLOR is set.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Evaluate clients and print their scorecards.
    Check(check::CheckArgs),
    /// Render the versioned static site: portfolio, client pages, month scorecards,
    /// trend charts and evidence packs.
    Build(build::BuildArgs),
    /// Check evidence packs and their hash chain offline (a pack, several, or a folder).
    Verify(verify::VerifyArgs),
    /// Semantic policy diff between two git revisions, for pull-request review: what
    /// strengthens or weakens, and which controls change status on the latest evidence.
    Diff(diff::DiffArgs),
    /// List the clients: every valid client folder with its name and tenant id (exit 2
    /// naming anything else in clients/), for scripts and CI matrices.
    Clients(clients::ClientsArgs),
    /// List the control catalogue with what each control checks, why, and how to fix it.
    Controls(controls::ControlsArgs),
    /// JSON Schema of the policy files, for editors (Taplo, VS Code Even Better TOML).
    Schema(schema::SchemaArgs),
    /// Create a new policy repository: one client to fill in, workflows, schema hints.
    Init(init::InitArgs),
    /// Fetch each client's monthly Microsoft Graph snapshot into evidence/<client>/<YYYY-MM>/.
    Collect(collect::CollectArgs),
    /// Before collecting: for each tenant, whether a token is issued and, per endpoint,
    /// ok, permission_missing, not_licensed or not applicable (first pages only, writes nothing).
    Doctor(doctor::DoctorArgs),
    /// Write the manifest of a month whose Graph files were exported by hand, so the
    /// month can be complete: hashes, endpoints present and missing, who and when.
    Seal(seal::SealArgs),
    /// Partner onboarding: the customer tenants of the MSP's GDAP relationships, which have
    /// a client folder, relationships ending soon, consent; --scaffold writes missing folders.
    Tenants(tenants::TenantsArgs),
    /// Between the monthly runs: privileged-access changes since the last run (role
    /// assignments, break-glass accounts, Conditional Access, admin MFA) against the policy.
    Watch(watch::WatchArgs),
    /// Explain a control: what it checks, why it matters (its shared responsibility step),
    /// how to fix it, its thresholds and policy keys.
    Explain(explain::ExplainArgs),
    /// Build the site and serve it on 127.0.0.1 for local preview, rebuilding when
    /// clients/, evidence/ or site-templates/ change.
    Serve(serve::ServeArgs),
    /// Print a shell completion script.
    Completions(completions::CompletionsArgs),
    /// Print the manual page (roff), or write one page per command into a folder.
    Man(man::ManArgs),
    /// Monthly e-mail digests: per client (HTML with inline styles, and text) and for the MSP.
    Digest(digest::DigestArgs),
}

/// What every command gets besides its own arguments.
pub struct Ctx {
    /// `--repo`: the policy repository.
    pub repo: PathBuf,
    /// `-v` count.
    pub verbose: u8,
    pub term: Terminal,
}

/// The one line per command that runs it.
fn run(ctx: &Ctx, command: &Command) -> CommandResult {
    match command {
        Command::Check(args) => check::run(ctx, args),
        Command::Build(args) => build::run(ctx, args),
        Command::Verify(args) => verify::run(ctx, args),
        Command::Diff(args) => diff::run(ctx, args),
        Command::Clients(args) => clients::run(ctx, args),
        Command::Controls(args) => controls::run(ctx, args),
        Command::Schema(args) => schema::run(ctx, args),
        Command::Init(args) => init::run(ctx, args),
        Command::Collect(args) => collect::run(ctx, args),
        Command::Doctor(args) => doctor::run(ctx, args),
        Command::Seal(args) => seal::run(ctx, args),
        Command::Tenants(args) => tenants::run(ctx, args),
        Command::Watch(args) => watch::run(ctx, args),
        Command::Explain(args) => explain::run(ctx, args),
        Command::Serve(args) => serve::run(ctx, args),
        Command::Completions(args) => completions::run(ctx, args),
        Command::Man(args) => man::run(ctx, args),
        Command::Digest(args) => digest::run(ctx, args),
    }
}

/// The process: parse, run, print what could not run, and return the exit code.
pub fn main() -> i32 {
    // Before parsing, so clap's own help and usage errors follow --color too.
    if let Some(when) = color_from_args(std::env::args_os().skip(1)) {
        set_color(when);
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            let outcome = if e.use_stderr() {
                Ok(exit::Outcome::BadInput)
            } else {
                Ok(exit::Outcome::Success)
            };
            return exit::code(&outcome);
        }
    };
    init_output(&cli);
    let ctx = Ctx {
        repo: cli.repo.clone(),
        verbose: cli.verbose,
        term: Terminal::new(cli.quiet),
    };
    let started = Instant::now();
    let outcome = run(&ctx, &cli.command);
    if let Err(failure) = &outcome {
        ctx.term.diagnostics(&failure.0);
    }
    let code = exit::code(&outcome);
    tracing::info!(
        exit = code,
        seconds = started.elapsed().as_secs_f64(),
        "done"
    );
    code
}

/// `--color` for everything printed through anstream (clap, reports, diagnostics), and
/// `-v` as a tracing subscriber on stderr (no subscriber, no cost, without `-v`).
fn init_output(cli: &Cli) {
    set_color(cli.color);
    if cli.verbose > 0 {
        let level = match cli.verbose {
            1 => tracing::Level::INFO,
            2 => tracing::Level::DEBUG,
            _ => tracing::Level::TRACE,
        };
        let ansi = anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never;
        let _ = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_writer(std::io::stderr)
            .with_ansi(ansi)
            .with_target(false)
            .with_timer(tracing_subscriber::fmt::time::uptime())
            .try_init();
    }
}

fn set_color(when: ColorWhen) {
    match when {
        ColorWhen::Always => anstream::ColorChoice::Always.write_global(),
        ColorWhen::Never => anstream::ColorChoice::Never.write_global(),
        // anstream's own detection: a terminal, NO_COLOR, CLICOLOR(_FORCE), TERM=dumb.
        ColorWhen::Auto => anstream::ColorChoice::Auto.write_global(),
    }
}

/// The last valid `--color WHEN` / `--color=WHEN` before any `--`, read ahead of clap.
fn color_from_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> Option<ColorWhen> {
    let mut found = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let arg = arg.to_string_lossy().into_owned();
        let value = match arg.as_str() {
            "--" => break,
            "--color" => args.next().map(|v| v.to_string_lossy().into_owned()),
            a => a.strip_prefix("--color=").map(str::to_owned),
        };
        if let Some(when) = value.and_then(|v| ColorWhen::from_str(&v, false).ok()) {
            found = Some(when);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn color_is_read_ahead_of_parsing_in_both_spellings() {
        let read = |args: &[&str]| color_from_args(args.iter().map(Into::into));
        assert_eq!(read(&["check", "--color", "never"]), Some(ColorWhen::Never));
        assert_eq!(read(&["--color=always", "check"]), Some(ColorWhen::Always));
        assert_eq!(read(&["check", "--color", "sometimes"]), None);
        assert_eq!(read(&["init", "--", "--color=always"]), None);
        assert_eq!(read(&["check"]), None);
    }
}
