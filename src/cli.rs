//! The command line: parse arguments, run the recipe (load → evaluate → print), and map
//! the outcome to the documented exit codes (0 fine, 1 findings, 2 bad input or usage).

use crate::client_id::ClientId;
use crate::diagnostic::Diagnostic;
use crate::evaluate::{ClientRun, Months, evaluate_client};
use crate::month::Month;
use crate::policy::load::WorkingTree;
use crate::policy::load_policy;
use crate::report::{self, CheckReport};
use crate::scorecard::{PolicyProvenance, Scorecard, Status};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_INPUT: i32 = 2;

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
    Check(CheckArgs),
    /// Render the versioned static site: portfolio, client pages, month scorecards,
    /// trend charts and evidence packs.
    Build(BuildArgs),
    /// Check evidence packs and their hash chain offline (a pack, several, or a folder).
    Verify(VerifyArgs),
    /// Semantic policy diff between two git revisions, for pull-request review: what
    /// strengthens or weakens, and which controls change status on the latest evidence.
    Diff(DiffArgs),
    /// List the clients: every valid client folder with its name and tenant id (exit 2
    /// naming anything else in clients/), for scripts and CI matrices.
    Clients(ClientsArgs),
    /// List the control catalogue with what each control checks, why, and how to fix it.
    Controls(ControlsArgs),
    /// JSON Schema of the policy files, for editors (Taplo, VS Code Even Better TOML).
    Schema(SchemaArgs),
    /// Create a new policy repository: one client to fill in, workflows, schema hints.
    Init(InitArgs),
    /// Fetch each client's monthly Microsoft Graph snapshot into evidence/<client>/<YYYY-MM>/.
    Collect(CollectArgs),
    /// Explain a control: what it checks, why it matters (its shared responsibility step),
    /// how to fix it, its thresholds and policy keys.
    Explain(crate::explain::ExplainArgs),
    /// Build the site and serve it on 127.0.0.1 for local preview, rebuilding when
    /// clients/, evidence/ or site-templates/ change.
    Serve(ServeArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the manual page (roff), or write one page per command into a folder.
    Man(ManArgs),
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  custody serve                   build into site/ and serve http://127.0.0.1:8000/
  custody serve --port 0          any free port (the address is printed)
  custody serve --out /tmp/site   keep the preview out of the repository

Only 127.0.0.1 is ever bound; requests naming another host are refused. A failed rebuild \
prints its errors and the last good site stays up.")]
pub struct ServeArgs {
    /// TCP port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 8000, value_name = "N")]
    pub port: u16,
    /// Output folder; default: site/ in the repository. Refused like `build --out`.
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub out: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  custody completions bash > ~/.local/share/bash-completion/completions/custody
  custody completions zsh > ~/.zfunc/_custody
  custody completions fish > ~/.config/fish/completions/custody.fish
  custody completions powershell >> $PROFILE")]
pub struct CompletionsArgs {
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  custody man | man -l -
  custody man --out ~/.local/share/man/man1   custody.1, custody-check.1, …")]
pub struct ManArgs {
    /// Write custody.1 and one custody-<command>.1 per command into DIR.
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub out: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Credentials (environment): CUSTODY_CLIENT_ID with CUSTODY_CLIENT_SECRET, or with \
CUSTODY_FEDERATED_TOKEN_FILE or GitHub's OIDC variables (workload identity federation); or CUSTODY_ACCESS_TOKEN.\n\
Exit codes: 0 every client collected (refusals for licence or permission are recorded, not failures); \
2 bad input or usage, or a client whose collection failed (the others are still collected).\n\n\
Examples:
  custody collect                               every client, the current month
  custody collect --client contoso --month 2026-05
  custody collect --shard 2/4 --jobs 8          the second quarter of the clients, in CI"
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
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  custody build                       every client and the portfolio into site/
  custody build --out public          into public/
  custody build --client contoso      a standalone site for one client
  custody build --no-cache            render every month again, ignoring .custody-cache/
  custody verify site                 then check the evidence packs it wrote

Builds are incremental: with no input changed nothing is written, and months whose inputs,
templates and custody version are unchanged are reused from the previous site.")]
pub struct BuildArgs {
    /// Output folder; default: site/ in the repository. Replaced whole, only when the build
    /// succeeds; a non-empty folder custody did not build, the repository or an input is refused.
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub out: Option<PathBuf>,
    /// Only these clients (repeatable): a standalone site per client, without the portfolio page.
    #[arg(long = "client", value_name = "ID")]
    pub clients: Vec<String>,
    /// Render every month again instead of reusing unchanged ones from the previous site.
    #[arg(long)]
    pub no_cache: bool,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  custody diff                                   working tree against the merge base with main
  custody diff origin/main HEAD --format json
  custody diff --fail-on weaken --full-report policy-diff-full.md   in a pull-request check

A weakening is justified only by a waiver for the same control, in force on the day of \
the diff, with a real reason, approver and ticket, added or changed in the same change.")]
pub struct DiffArgs {
    /// Base revision; default: the merge base of HEAD with origin/main (or main).
    #[arg(value_name = "BASE")]
    pub base: Option<String>,
    /// Head revision; default: the working tree.
    #[arg(value_name = "HEAD")]
    pub head: Option<String>,
    /// Output on stdout: markdown for a pull-request comment, or json.
    #[arg(long, value_enum, default_value_t = DiffFormat::Markdown)]
    pub format: DiffFormat,
    /// Exit 1 when a change weakens a control without a justifying waiver.
    #[arg(long, value_enum, default_value_t = FailOn::Never)]
    pub fail_on: FailOn,
    /// The day of the diff, on which a justifying waiver must be in force; default: today (UTC).
    #[arg(long, value_name = "YYYY-MM-DD", env = "CUSTODY_TODAY")]
    pub date: Option<jiff::civil::Date>,
    /// Also write the full Markdown report to FILE (the comment on stdout is bounded to
    /// GitHub's 65,536 characters).
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub full_report: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum DiffFormat {
    Markdown,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum FailOn {
    Never,
    Weaken,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  custody init demo && cd demo && custody check
  custody init --client contoso       in the current folder
  custody init demo --action-ref acme/custody@0123456789abcdef0123456789abcdef01234567")]
pub struct InitArgs {
    /// Where to create the repository (created if missing; nothing is ever overwritten).
    #[arg(value_name = "DIR", default_value = ".", value_hint = clap::ValueHint::DirPath)]
    pub dir: PathBuf,
    /// Id of the first client (a slug of a-z, 0-9 and '-').
    #[arg(long, value_name = "ID", default_value = crate::init::DEFAULT_CLIENT)]
    pub client: String,
    /// Replace files that `init` writes if they already exist (other files are left alone).
    #[arg(long)]
    pub force: bool,
    /// The custody GitHub Action the workflows run, pinned by commit (OWNER/REPO@<40-hex
    /// SHA>); default: a placeholder to replace before the first run.
    #[arg(long, value_name = "OWNER/REPO@SHA")]
    pub action_ref: Option<String>,
}

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

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  custody verify site                               every pack the site holds
  custody verify site/contoso/2026-05/evidence.zip  one pack
  custody verify --trusted-key allowed_signers --require-signature site")]
pub struct VerifyArgs {
    /// Evidence pack zip files, or folders (such as site/ or site/<client>/) to search for them.
    #[arg(required = true, value_name = "PACK_OR_DIR", value_hint = clap::ValueHint::AnyPath)]
    pub paths: Vec<PathBuf>,
    /// Packs must be signed by a key in FILE: an OpenSSH public key (`ssh-ed25519 AAAA…`) or
    /// an allowed_signers file, as `ssh-keygen -Y verify` reads (repeatable).
    #[arg(long = "trusted-key", value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub trusted_keys: Vec<PathBuf>,
    /// An unsigned pack is a failure (exit 1), not only reported.
    #[arg(long)]
    pub require_signature: bool,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  custody check                         every client's latest month
  custody check --client contoso -v     one client, every control's details
  custody check --month 2026-05 --format json > scorecards.json
  custody check --format sarif > custody.sarif")]
pub struct CheckArgs {
    /// Only these clients (repeatable); default: every client.
    #[arg(long = "client", value_name = "ID")]
    pub clients: Vec<String>,
    /// The month to evaluate; default: each client's latest month with evidence.
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<String>,
    /// Output on stdout: text for people; json, sarif (code scanning), github
    /// (annotations and step summary) or markdown (pull-request comments) for machines.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Github,
    Markdown,
}

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

pub fn main() -> i32 {
    // Before parsing, so clap's own help and usage errors follow --color too.
    if let Some(when) = color_from_args(std::env::args_os().skip(1)) {
        set_color(when);
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_INPUT } else { EXIT_OK };
        }
    };
    init_output(&cli);
    let started = Instant::now();
    let code = run(cli);
    tracing::info!(
        exit = code,
        seconds = started.elapsed().as_secs_f64(),
        "done"
    );
    code
}

fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Check(args) => check(&cli.repo, &args, cli.verbose > 0),
        Command::Serve(args) => serve(&cli.repo, &args),
        Command::Completions(args) => {
            let mut cmd = Cli::command();
            let mut out = Vec::new();
            clap_complete::generate(args.shell, &mut cmd, "custody", &mut out);
            // Raw bytes: a completion script must never be stripped or recoloured.
            let _ = std::io::stdout().write_all(&out);
            EXIT_OK
        }
        Command::Man(args) => man(&args),
        Command::Build(args) => build(&cli.repo, &args),
        Command::Diff(args) => diff(&cli.repo, &args),
        Command::Schema(args) => schema(&args),
        Command::Init(args) => init(&args),
        Command::Verify(args) => verify(&args),
        Command::Collect(args) => collect(&cli.repo, &args),
        Command::Explain(args) => crate::explain::main(&args),
        Command::Clients(args) => clients(&cli.repo, &args),
        Command::Controls(args) => {
            print_stdout(&match args.format {
                ControlsFormat::Text => crate::controls::docs::render(false),
                ControlsFormat::Markdown => crate::controls::docs::render(true),
                ControlsFormat::Json => crate::controls::docs::catalogue_json(),
            });
            EXIT_OK
        }
    }
}

fn verify(args: &VerifyArgs) -> i32 {
    let trusted = if args.trusted_keys.is_empty() {
        None
    } else {
        match crate::pack::TrustedKeys::load(&args.trusted_keys) {
            Ok(t) => Some(t),
            Err(e) => {
                eprint(&format!("error: --trusted-key {e}\n"));
                return EXIT_INPUT;
            }
        }
    };
    let check = crate::pack::SignatureCheck {
        trusted,
        required: args.require_signature,
    };
    let report = crate::pack::verify_paths_with(&args.paths, &check);
    print_stdout(&format!("{}\n", report.render()));
    report.exit_code()
}

static QUIET: AtomicBool = AtomicBool::new(false);

/// Whether `-q` asked for errors and machine output only.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// `--color` for everything printed through anstream (clap, reports, diagnostics), `-q`,
/// and `-v` as a tracing subscriber on stderr (no subscriber, no cost, without `-v`).
fn init_output(cli: &Cli) {
    set_color(cli.color);
    QUIET.store(cli.quiet, Ordering::Relaxed);
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

/// A progress, summary or next-step line on stderr; `-q` silences it.
pub(crate) fn status(s: &str) {
    if !quiet() {
        eprint(s);
    }
}

/// Every diagnostic on stderr with its source snippet and hint.
pub(crate) fn eprint_diags<'a>(diags: impl IntoIterator<Item = &'a Diagnostic>) {
    for d in diags {
        eprint(&crate::diagnostic::render(d));
    }
}

fn man(args: &ManArgs) -> i32 {
    let cmd = Cli::command();
    let Some(dir) = &args.out else {
        let mut out = Vec::new();
        if let Err(e) = clap_mangen::Man::new(cmd).render(&mut out) {
            eprint(&format!("error: {e}\n"));
            return EXIT_INPUT;
        }
        let _ = std::io::stdout().write_all(&out);
        return EXIT_OK;
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprint(&format!("error: cannot create {}: {e}\n", dir.display()));
        return EXIT_INPUT;
    }
    match clap_mangen::generate_to(cmd, dir) {
        Ok(()) => {
            status(&format!("wrote manual pages into {}\n", dir.display()));
            EXIT_OK
        }
        Err(e) => {
            eprint(&format!(
                "error: cannot write into {}: {e}\n",
                dir.display()
            ));
            EXIT_INPUT
        }
    }
}

fn serve(root: &Path, args: &ServeArgs) -> i32 {
    let opts = crate::serve::ServeOptions {
        repo: root.to_path_buf(),
        out: args.out.clone().unwrap_or_else(|| root.join("site")),
        port: args.port,
    };
    match crate::serve::run(&opts) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprint(&format!("error: {e}\n"));
            EXIT_INPUT
        }
    }
}

fn print_stdout(s: &str) {
    let mut out = anstream::stdout();
    let _ = out.write_all(s.as_bytes());
    let _ = out.flush();
}

pub(crate) fn eprint(s: &str) {
    let mut err = anstream::stderr();
    let _ = err.write_all(s.as_bytes());
}

/// The repository's policy history; outside git, a warning that month-end policy
/// versions are unavailable (the working tree is used).
pub fn open_history(root: &Path) -> crate::history::PolicyHistory {
    static WARNED: AtomicBool = AtomicBool::new(false);
    let history = crate::history::PolicyHistory::open(root);
    if let Some(w) = history.warning() {
        // Once per process: `serve` opens the history again on every rebuild.
        if !WARNED.swap(true, Ordering::Relaxed) {
            eprint(&format!("warning: {w}\n"));
        }
    }
    history
}

pub fn working_tree_policy(
    root: &Path,
    id: &ClientId,
) -> Result<(crate::policy::Policy, PolicyProvenance), Vec<Diagnostic>> {
    let policy = load_policy(&WorkingTree(root.to_path_buf()), id)?;
    let provenance =
        PolicyProvenance::working_tree(policy.sources.iter().map(|(p, _)| p.clone()).collect());
    Ok((policy, provenance))
}

fn check(root: &Path, args: &CheckArgs, details: bool) -> i32 {
    let months = match &args.month {
        None => Months::Latest,
        Some(m) => match Month::parse(m) {
            Ok(m) => Months::One(m),
            Err(e) => {
                eprint(&format!("error: --month: {e}\n"));
                return EXIT_INPUT;
            }
        },
    };
    let (clients, mut errors) = match crate::repo::select_clients(root, &args.clients) {
        Ok(x) => x,
        Err(diags) => {
            eprint_diags(&diags);
            return EXIT_INPUT;
        }
    };
    let history = open_history(root);
    let shared = crate::evaluate::shared_tenants(root);
    let runs: Vec<ClientRun> = clients
        .par_iter()
        .map(|id| {
            let t = Instant::now();
            let run = evaluate_client(root, id, months, &|m, latest| match shared.get(id) {
                Some(d) => Err(d.clone()),
                None => history.policy_for_month(id, m, latest),
            });
            tracing::info!(
                client = %id,
                months = run.scorecards.len(),
                errors = run.diags.len(),
                seconds = t.elapsed().as_secs_f64(),
                "evaluated"
            );
            run
        })
        .collect();
    let mut failed = Vec::new();
    let mut scorecards: Vec<&Scorecard> = Vec::new();
    for run in &runs {
        errors.extend(run.diags.iter().cloned());
        // A logo `build` would refuse is bad input here too, so a pull request sees it.
        if let Some(logo) = run.policy.as_ref().and_then(|p| p.client.logo.as_deref())
            && let Err(d) = crate::website::logo::load(root, &run.id, logo)
        {
            errors.push(d);
        }
        if run.scorecards.is_empty() {
            failed.push(run.id.to_string());
        }
        scorecards.extend(run.scorecards.iter());
    }
    let report = CheckReport {
        scorecards: &scorecards,
        failed_clients: &failed,
        errors: &errors,
    };
    match args.format {
        Format::Text => print_stdout(&report::text::render(&report, details)),
        Format::Json => {
            // Machine output alone on stdout; people still see the errors on stderr.
            print_stdout(&report::json::render(&report));
            eprint_diags(&errors);
        }
        Format::Sarif => {
            print_stdout(&report::sarif::render(&report));
            eprint_diags(&errors);
        }
        Format::Github => {
            print_stdout(&report::github::render(&report));
            if let Err(e) = report::github::append_step_summary(&report) {
                eprint(&format!("warning: {e}\n"));
            }
        }
        Format::Markdown => print_stdout(&report::markdown::render(&report)),
    }
    exit_code(&scorecards, &errors)
}

/// `custody clients`: the valid clients with their name and tenant, from the policy.
fn clients(root: &Path, args: &ClientsArgs) -> i32 {
    #[derive(serde::Serialize)]
    struct Listed {
        id: String,
        name: String,
        tenant_id: String,
        publish: bool,
    }
    let (ids, mut errors) = match crate::repo::discover_clients(root) {
        Ok(x) => x,
        Err(d) => {
            eprint_diags(&[d]);
            return EXIT_INPUT;
        }
    };
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
            print_stdout(&out);
        }
        ClientsFormat::Text => {
            let width = listed.iter().map(|c| c.id.len()).max().unwrap_or(0);
            let mut out = String::new();
            for c in &listed {
                // A name is input: control characters would rewrite the terminal.
                let name: String = c.name.chars().flat_map(char::escape_debug).collect();
                out.push_str(&format!("{:width$}  {}  {name}\n", c.id, c.tenant_id));
            }
            print_stdout(&out);
        }
    }
    eprint_diags(&errors);
    if errors.is_empty() {
        EXIT_OK
    } else {
        EXIT_INPUT
    }
}

fn init(args: &InitArgs) -> i32 {
    let id = match ClientId::parse(&args.client) {
        Ok(id) => id,
        Err(e) => {
            eprint(&format!("error: --client: {e}\n"));
            return EXIT_INPUT;
        }
    };
    let action = match args
        .action_ref
        .as_deref()
        .map(crate::init::ActionRef::parse)
    {
        None => crate::init::ActionRef::placeholder(),
        Some(Ok(a)) => a,
        Some(Err(e)) => {
            eprint(&format!("error: --action-ref: {e}\n"));
            return EXIT_INPUT;
        }
    };
    match crate::init::init_repo_with(&args.dir, &id, args.force, &action) {
        Ok(report) => {
            for f in &report.created {
                status(&format!("created {f}\n"));
            }
            status(&crate::init::next_steps(&args.dir, &id));
            EXIT_OK
        }
        Err(e) => {
            eprint(&format!("error: {e}\n"));
            EXIT_INPUT
        }
    }
}

fn schema(args: &SchemaArgs) -> i32 {
    let Some(dir) = &args.out else {
        let mut out =
            serde_json::to_string_pretty(&crate::schema::all()).expect("schemas serialize");
        out.push('\n');
        print_stdout(&out);
        return EXIT_OK;
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprint(&format!("error: cannot create {}: {e}\n", dir.display()));
        return EXIT_INPUT;
    }
    for file in crate::schema::FILES {
        let Some(schema) = crate::schema::schema_for(file) else {
            continue;
        };
        let path = dir.join(crate::schema::schema_file_name(file));
        let mut text = serde_json::to_string_pretty(&schema).expect("schemas serialize");
        text.push('\n');
        if let Err(e) = std::fs::write(&path, text) {
            eprint(&format!("error: cannot write {}: {e}\n", path.display()));
            return EXIT_INPUT;
        }
        status(&format!("wrote {}\n", path.display()));
    }
    status("add these rules to .taplo.toml at the repository root:\n");
    print_stdout(&crate::schema::taplo_config(&dir.to_string_lossy()));
    EXIT_OK
}

fn diff(root: &Path, args: &DiffArgs) -> i32 {
    use crate::history::PolicyHistory;
    use crate::policy::load::PolicySource;
    let history = PolicyHistory::open(root);
    if let PolicyHistory::NotGit { reason, .. } = &history {
        eprint(&format!(
            "error: custody diff compares git revisions: {reason}\n"
        ));
        return EXIT_INPUT;
    }
    let fail = |e: String| {
        eprint(&format!("error: {e}\n"));
        EXIT_INPUT
    };
    let base = match &args.base {
        Some(b) => b.clone(),
        None => match history.default_base() {
            Ok(b) => b,
            Err(e) => return fail(format!("{e} (name the base revision: custody diff BASE)")),
        },
    };
    let base_src = match history.source_at(&base) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let mut clients = match history.clients_at(&base) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let head_src: Box<dyn PolicySource + Send + Sync> = match &args.head {
        Some(h) => match history.source_at(h) {
            Ok(s) => s,
            Err(e) => return fail(e),
        },
        None => Box::new(WorkingTree(root.to_path_buf())),
    };
    let head_clients = match &args.head {
        Some(h) => history.clients_at(h),
        None => crate::repo::discover_clients(root)
            .map(|(c, _)| c)
            .map_err(|d| d.to_string()),
    };
    let head_clients = match head_clients {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    clients.extend(head_clients.iter().cloned());
    clients.sort();
    clients.dedup();
    let base_clients = history.clients_at(&base).unwrap_or_default();
    let today = args.date.unwrap_or_else(crate::diff::today_utc);
    let results: Vec<(Option<crate::diff::ClientDiff>, Vec<Diagnostic>)> = clients
        .par_iter()
        .map(|id| {
            let mut diags = Vec::new();
            let mut side = |src: &dyn PolicySource,
                            present: bool|
             -> Result<Option<crate::policy::Policy>, ()> {
                if !present {
                    return Ok(None);
                }
                load_policy(src, id).map(Some).map_err(|d| diags.extend(d))
            };
            let b = side(base_src.as_ref(), base_clients.contains(id));
            let h = side(head_src.as_ref(), head_clients.contains(id));
            // A policy that does not load is an input error, not an added or deleted client.
            let (Ok(b), Ok(h)) = (b, h) else {
                return (None, diags);
            };
            let mut d = crate::diff::diff_policies(id.as_str(), b.as_ref(), h.as_ref(), today);
            if let (Some(b), Some(h)) = (&b, &h) {
                d.evaluate_status(root, id, b, h);
            }
            (Some(d), diags)
        })
        .collect();
    let mut errors = Vec::new();
    let mut diffs = Vec::new();
    for (d, e) in results {
        diffs.extend(d);
        errors.extend(e);
    }
    if let Some(file) = &args.full_report
        && let Err(e) = std::fs::write(file, crate::diff::render_markdown(&diffs))
    {
        return fail(format!("cannot write {}: {e}", file.display()));
    }
    match args.format {
        DiffFormat::Markdown => print_stdout(&crate::diff::render_comment(&diffs)),
        DiffFormat::Json => print_stdout(&crate::diff::render_json(&diffs)),
    }
    eprint_diags(&errors);
    if !errors.is_empty() {
        EXIT_INPUT
    } else if args.fail_on == FailOn::Weaken && crate::diff::any_unjustified_weakening(&diffs) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

fn build(root: &Path, args: &BuildArgs) -> i32 {
    let out = args.out.clone().unwrap_or_else(|| root.join("site"));
    // First, so a refused folder is named for the right reason and nothing is read.
    if let Err(reason) = crate::website::output::check(root, &out) {
        eprint(&format!(
            "error: {}: refusing to build here: {reason}\n",
            out.display()
        ));
        return EXIT_INPUT;
    }
    if let Some(refusal) = subset_would_replace(&out, &args.clients) {
        eprint(&refusal);
        return EXIT_INPUT;
    }
    let opts = crate::website::BuildOptions {
        repo: root.to_path_buf(),
        out: out.clone(),
        clients: args.clients.clone(),
    };
    match crate::website::build_with(&opts, !args.no_cache) {
        Ok(summary) => {
            eprint_diags(&summary.errors);
            log_build(&summary);
            status(&format!(
                "{}\nopen {}\n",
                summary.line(),
                out.join(if args.clients.len() == 1 {
                    format!("{}/index.html", args.clients[0])
                } else {
                    "index.html".into()
                })
                .display()
            ));
            if summary.errors.is_empty() {
                EXIT_OK
            } else {
                EXIT_INPUT
            }
        }
        Err(diags) => {
            eprint_diags(&diags);
            eprint("build failed: the previous site was left untouched\n");
            EXIT_INPUT
        }
    }
}

/// A `--client` build writes a standalone site holding only those clients. Swapped in
/// over a site that holds other clients' folders, it would remove them: refuse, naming
/// them, rather than replace a published portfolio by accident.
fn subset_would_replace(out: &Path, clients: &[String]) -> Option<String> {
    if clients.is_empty() {
        return None;
    }
    let mut others: Vec<String> = std::fs::read_dir(out)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.path().join("index.html").is_file())
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|name| {
            name != "assets"
                && name != "controls"
                && crate::client_id::ClientId::parse(name).is_ok()
                && !clients.contains(name)
        })
        .collect();
    if others.is_empty() {
        return None;
    }
    others.sort();
    let shown = if others.len() > 5 {
        format!("{}, … ({} in all)", others[..5].join(", "), others.len())
    } else {
        others.join(", ")
    };
    Some(format!(
        "error: {}: holds a site with other clients ({shown}); `build --client` writes a \
         standalone site for {} only and would remove them. Write it elsewhere with \
         --out DIR, or build every client (the build is incremental).\n",
        out.display(),
        clients.join(", ")
    ))
}

/// `-v`: one event per build stage with its duration, then the counts.
pub fn log_build(summary: &crate::website::BuildSummary) {
    for (stage, d) in &summary.timings {
        tracing::info!(stage, seconds = d.as_secs_f64(), "build stage");
    }
    tracing::info!(
        clients = summary.clients,
        months = summary.months,
        pages = summary.pages,
        packs = summary.packs,
        files = summary.files,
        "built"
    );
}

fn collect(root: &Path, args: &CollectArgs) -> i32 {
    use crate::collect;
    let fail = |e: String| {
        eprint(&format!("error: {e}\n"));
        EXIT_INPUT
    };
    let month = match &args.month {
        None => Month::current(),
        Some(m) => match Month::parse(m) {
            Ok(m) => m,
            Err(e) => return fail(format!("--month: {e}")),
        },
    };
    let shard = match args.shard.as_deref().map(collect::parse_shard) {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => return fail(format!("--shard: {e}")),
    };
    for (flag, url) in [
        ("--graph-url", &args.graph_url),
        ("--login-url", &args.login_url),
    ] {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return fail(format!("{flag}: expected an http(s) URL, found {url:?}"));
        }
    }
    let retry = match collect::http::RetryConfig::from_env() {
        Ok(r) => collect::http::RetryConfig {
            max_body: args.max_response_bytes,
            ..r
        },
        Err(e) => return fail(e),
    };
    let creds = match collect::auth::Credentials::from_env() {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let veeam = match args
        .veeam_url
        .as_deref()
        .map(collect::veeam::VeeamServer::from_env)
    {
        None => None,
        Some(Ok(v)) => Some(v),
        Some(Err(e)) => return fail(e),
    };
    let (mut clients, diags) = match crate::repo::select_clients(root, &args.clients) {
        Ok(x) => x,
        Err(diags) => {
            eprint_diags(&diags);
            return EXIT_INPUT;
        }
    };
    eprint_diags(&diags);
    if let Some((i, n)) = shard {
        clients = collect::shard(&clients, i, n);
        status(&format!(
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
    };
    let outcomes = collect::collect(&opts, creds);
    status(&format!("{}\n", collect::summary(&outcomes)));
    if diags.is_empty() && outcomes.iter().all(|o| o.result.is_ok()) {
        EXIT_OK
    } else {
        EXIT_INPUT
    }
}

pub fn exit_code(scorecards: &[&Scorecard], errors: &[Diagnostic]) -> i32 {
    if !errors.is_empty() {
        EXIT_INPUT
    } else if scorecards
        .iter()
        .flat_map(|s| &s.results)
        .any(|r| matches!(r.status, Status::Fail | Status::NoEvidence))
    {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
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
