//! `custody collect`: fetch each client's monthly Microsoft Graph snapshot into
//! `evidence/<client>/<YYYY-MM>/`, atomically, with `manifest.json`.
//!
//! Every endpoint comes from [`ENDPOINTS`]; for Microsoft 365 Backup, the restore point
//! searches follow once the protection units are in ([`restore_points`]). The month is written into
//! `evidence/<client>/.<YYYY-MM>.partial-<pid>/` and renamed into place only when
//! complete; on failure the partial folder is removed and an existing month is kept.
//! A process killed by SIGKILL can leave a `.partial-*` folder: the next run for that
//! client removes it, and the evaluator ignores it (it is not a `YYYY-MM` name); Ctrl-C
//! and SIGTERM remove it on the way out.
//!
//! Graph servers are treated as hostile: links are followed only on the configured
//! origin, every body is size-bounded and read back with the loader's types before the
//! month is swapped in, and whatever a server says is scrubbed of secrets.

pub mod auth;
pub mod certificate;
pub mod doctor;
pub mod error;
pub mod guard;
pub mod http;
pub mod restore_points;
pub mod tenants;
pub mod validate;
pub mod veeam;
pub mod watch;

use crate::client_id::ClientId;
use crate::evidence::endpoints::{ENDPOINTS, Endpoint, EndpointSpec, Shape};
use crate::evidence::manifest::{CollectProvenance, EndpointRecord, Manifest, Method, ToolInfo};
use crate::evidence::provenance;
use crate::evidence::{MANIFEST, sha256_hex};
use crate::month::Month;
use crate::policy::load::WorkingTree;
use crate::policy::load_policy;
use crate::progress::Reporter;
use auth::{Credentials, Tokens};
pub use error::{
    CollectError, EndpointError, FetchError, NextLinkError, Redacted, SessionError, ShardError,
    TimeoutError, WriteError,
};
use http::{RetryConfig, send_with_retry};
use indicatif::{ProgressBar, ProgressStyle};
use reqwest::Url;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub const DEFAULT_GRAPH_URL: &str = "https://graph.microsoft.com";
pub const DEFAULT_LOGIN_URL: &str = "https://login.microsoftonline.com";
/// Requests in flight per tenant (Graph throttles per app and tenant).
pub const REQUESTS_PER_TENANT: usize = 3;

/// Runs `work` over `items` on at most [`REQUESTS_PER_TENANT`] threads (one tenant's
/// share of Graph), results keyed by the item's index. The first failure cancels the
/// rest (items not yet started are skipped; `work` sees the flag to stop early) and is
/// the result; so does Ctrl-C, through [`guard::stopping`], which leaves the items not
/// started out of the map.
fn bounded<I: Sync, T: Send, E: Send>(
    items: &[I],
    work: impl Fn(&I, &AtomicBool) -> Result<T, E> + Sync,
) -> Result<BTreeMap<usize, T>, E> {
    let cancel = AtomicBool::new(false);
    let next = AtomicUsize::new(0);
    let done: Mutex<BTreeMap<usize, T>> = Mutex::new(BTreeMap::new());
    let failure: Mutex<Option<E>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..REQUESTS_PER_TENANT.min(items.len()) {
            s.spawn(|| {
                while !cancel.load(Ordering::SeqCst) && !guard::stopping() {
                    let k = next.fetch_add(1, Ordering::SeqCst);
                    let Some(item) = items.get(k) else { break };
                    match work(item, &cancel) {
                        Ok(v) => {
                            done.lock().unwrap_or_else(|e| e.into_inner()).insert(k, v);
                        }
                        Err(e) => {
                            cancel.store(true, Ordering::SeqCst);
                            failure
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .get_or_insert(e);
                        }
                    }
                }
            });
        }
    });
    match failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
        Some(e) => Err(e),
        None => Ok(done.into_inner().unwrap_or_else(|e| e.into_inner())),
    }
}
/// Safety bound on `@odata.nextLink` pages per endpoint.
const MAX_PAGES: u32 = 10_000;
/// Default `--compress-above`: a Graph file whose JSON is larger is stored gzip-compressed
/// (`users.json.gz`), well below GitHub's 100 MiB limit on one file.
pub const DEFAULT_COMPRESS_ABOVE: u64 = 50 << 20;
/// Without a bar (CI logs), a long collection says how far it got every this many pages.
const PROGRESS_EVERY_PAGES: u32 = 50;
/// Default bound on one tenant's whole collection: generous for the largest tenants
/// under throttling, and still ends a server that drips or pages forever.
pub const DEFAULT_TENANT_TIMEOUT: Duration = Duration::from_secs(2 * 3600);

/// Licence error: the tenant lacks Entra ID P1/P2 (or is B2C).
pub const NOT_LICENSED_CODE: &str = "Authentication_RequestFromNonPremiumTenantOrB2CTenant";
/// Licence error of the PIM APIs (role schedules, role management policies) in a tenant
/// without Entra ID P2: answered with 400 as well as 403.
pub const P2_REQUIRED_CODE: &str = "AadPremiumLicenseRequired";

/// Whether a refusal says the tenant lacks the licence, not the app a permission.
fn is_licence_refusal(status: u16, code: &str) -> bool {
    (status == 403 && (code == NOT_LICENSED_CODE || code == P2_REQUIRED_CODE))
        || (status == 400 && code == P2_REQUIRED_CODE)
}

/// Permission error: the app lacks the permission or admin consent.
pub const PERMISSION_CODE: &str = "Authorization_RequestDenied";

#[derive(Debug, Clone)]
pub struct CollectOptions {
    pub repo: PathBuf,
    pub clients: Vec<ClientId>,
    pub month: Month,
    pub graph_url: String,
    pub login_url: String,
    pub jobs: usize,
    pub retry: RetryConfig,
    /// Bound on one tenant's whole collection, tokens and retries included.
    pub tenant_timeout: Duration,
    /// `--veeam-url`: the Veeam Backup for Microsoft 365 server to fetch backup jobs from.
    pub veeam: Option<veeam::VeeamServer>,
    /// `--compress-above`: Graph files whose JSON is larger than this many bytes are
    /// stored gzip-compressed as `<file>.gz` (0: every file).
    pub compress_above: u64,
}

/// Parses `--tenant-timeout`: seconds, or a number with `s`, `m` or `h` (`90s`, `30m`, `2h`).
pub fn parse_timeout(s: &str) -> Result<Duration, TimeoutError> {
    let err = || TimeoutError(s.to_owned());
    let t = s.trim();
    let (num, per) = match t.char_indices().last() {
        Some((i, 's')) => (&t[..i], 1),
        Some((i, 'm')) => (&t[..i], 60),
        Some((i, 'h')) => (&t[..i], 3600),
        _ => (t, 1),
    };
    let n: u64 = num.parse().map_err(|_| err())?;
    let secs = n.checked_mul(per).filter(|&x| x > 0).ok_or_else(err)?;
    Ok(Duration::from_secs(secs))
}

/// Parses `--shard I/N` (1-based): `(i, n)` with `1 <= i <= n`.
pub fn parse_shard(s: &str) -> Result<(usize, usize), ShardError> {
    let err = || ShardError(s.to_owned());
    let (i, n) = s.split_once('/').ok_or_else(err)?;
    let i: usize = i.trim().parse().map_err(|_| err())?;
    let n: usize = n.trim().parse().map_err(|_| err())?;
    if n == 0 || i == 0 || i > n {
        return Err(err());
    }
    Ok((i, n))
}

/// The `i`-th of every `n` clients in sorted order (stable across runs and machines).
pub fn shard<T: Ord + Clone>(items: &[T], i: usize, n: usize) -> Vec<T> {
    let mut sorted = items.to_vec();
    sorted.sort();
    sorted
        .into_iter()
        .enumerate()
        .filter(|(k, _)| k % n == i - 1)
        .map(|(_, x)| x)
        .collect()
}

/// One client's result: the summary, or why it failed (scrubbed of the run's secrets).
#[derive(Debug)]
pub struct ClientOutcome {
    pub client: ClientId,
    pub result: Result<String, Redacted<CollectError>>,
}

/// A client's bar where bars are drawn (a terminal, not `-q`): the endpoints done.
fn client_bar(report: &dyn Reporter, client: &ClientId, len: u64) -> Option<ProgressBar> {
    if !report.draws_bars() {
        return None;
    }
    let bar = report.bar(len);
    bar.set_style(
        ProgressStyle::with_template("{prefix:>14} [{bar:30}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_prefix(client.to_string());
    Some(bar)
}

/// Collects every client, `jobs` at a time, searching the restore points of at most
/// `restore_point_sample` protection units per workload (0: all). Never panics on input:
/// each client's failure is its own outcome. Progress goes to `report` as it happens.
pub fn collect(
    opts: &CollectOptions,
    restore_point_sample: usize,
    creds: Credentials,
    report: &dyn Reporter,
) -> Vec<ClientOutcome> {
    let session = Session::open(opts, creds).map(|s| Session {
        restore_point_sample,
        ..s
    });
    let session = match session {
        Ok(s) => s,
        Err(e) => {
            // Nothing can be collected: say why once, then fail every client with it. No
            // request was made, so the text holds nothing a server sent, and --graph-url
            // is shown only when it cannot carry credentials: nothing to scrub.
            report.notice(&format!("error: {e}"));
            let none = auth::Redactor::default();
            return opts
                .clients
                .iter()
                .map(|c| ClientOutcome {
                    client: c.clone(),
                    result: Err(Redacted::new(CollectError::Session(e.clone()), &none)),
                })
                .collect();
        }
    };
    guard::install_signal_cleanup();
    let results = session.each_client(opts, report, |ctx| {
        let id = ctx.id;
        // Whatever a server said may be in the message: scrub it once more.
        let result = ctx
            .run()
            .map_err(|e| Redacted::new(e, session.tokens.redactor()));
        match &result {
            Ok(summary) => report.status(&format!("{id}: {summary}")),
            Err(e) => report.notice(&format!("{id}: error: {e}")),
        }
        ClientOutcome {
            client: id.clone(),
            result,
        }
    });
    let mut out = results;
    out.sort_by(|a, b| a.client.cmp(&b.client));
    out
}

/// What a manifest records about who collected: the application and the kind of
/// credential (never the credential), and the CI run.
struct Collector {
    app_id: Option<String>,
    credential: &'static str,
    ci_run_url: Option<String>,
}

impl Collector {
    fn of(creds: &Credentials) -> Collector {
        let (app_id, credential) = match creds {
            Credentials::ClientSecret { client_id, .. } => (Some(client_id), "client_secret"),
            Credentials::Federated { client_id, .. } => (Some(client_id), "federated"),
            Credentials::Certificate { client_id, .. } => (Some(client_id), "certificate"),
            // A ready token names no application custody could vouch for.
            Credentials::AccessToken(_) => (None, "access_token"),
        };
        // An application id is a GUID; anything else in CUSTODY_CLIENT_ID (a pasted secret?)
        // is not written into evidence.
        let app_id = app_id
            .map(|a| a.trim())
            .filter(|a| {
                a.len() == 36
                    && a.bytes().enumerate().all(|(i, b)| match i {
                        8 | 13 | 18 | 23 => b == b'-',
                        _ => b.is_ascii_hexdigit(),
                    })
            })
            .map(str::to_owned);
        Collector {
            app_id,
            credential,
            ci_run_url: provenance::ci_run_url(&|k| std::env::var(k).ok()),
        }
    }
}

/// What every command that talks to Graph shares: one HTTP client that follows no
/// redirects (a redirect would carry the bearer token, or re-post the client secret, to
/// wherever the server points), the Graph origin every request and `nextLink` must stay
/// on, the token cache, and who is collecting.
struct Session {
    http: reqwest::blocking::Client,
    graph_root: Url,
    tokens: Tokens,
    collector: Collector,
    /// Protection units whose restore points are searched per workload (0: all).
    restore_point_sample: usize,
}

impl Session {
    fn open(opts: &CollectOptions, creds: Credentials) -> Result<Session, SessionError> {
        let http = reqwest::blocking::Client::builder()
            .user_agent(concat!("custody/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(std::time::Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SessionError::Client(http::describe(&e)))?;
        // A URL with a user name or password is never echoed: it may carry a secret.
        let shown = if opts.graph_url.contains('@') {
            "(not shown: it holds an '@', which may carry credentials)".to_owned()
        } else {
            format!("{:?}", opts.graph_url)
        };
        let unusable = |problem| SessionError::GraphUrl {
            shown: shown.clone(),
            problem,
        };
        let graph_root = Url::parse(&opts.graph_url)
            .map_err(|e| unusable(error::GraphUrlProblem::Parse(e)))
            .and_then(|u| match u.host_str() {
                Some(_) if u.username().is_empty() && u.password().is_none() => Ok(u),
                _ => Err(unusable(error::GraphUrlProblem::NotAnOrigin)),
            })?;
        let collector = Collector::of(&creds);
        let tokens = Tokens::new(
            creds,
            &opts.login_url,
            &opts.graph_url,
            http.clone(),
            opts.retry.clone(),
        );
        Ok(Session {
            http,
            graph_root,
            tokens,
            collector,
            restore_point_sample: crate::evidence::restore_points::DEFAULT_SAMPLE,
        })
    }

    /// The context for one tenant (`id` names it in logs), its time limit starting now.
    fn ctx<'a>(
        &'a self,
        opts: &'a CollectOptions,
        progress: &'a dyn Reporter,
        id: &'a ClientId,
    ) -> ClientCtx<'a> {
        ClientCtx {
            opts,
            http: &self.http,
            tokens: &self.tokens,
            collector: &self.collector,
            restore_point_sample: self.restore_point_sample,
            progress,
            id,
            graph_root: &self.graph_root,
            deadline: Instant::now().checked_add(opts.tenant_timeout),
        }
    }

    /// `each` for every client of `opts.clients`, `opts.jobs` at a time; the results in
    /// the order they finish.
    fn each_client<T: Send>(
        &self,
        opts: &CollectOptions,
        progress: &dyn Reporter,
        each: impl Fn(&ClientCtx) -> T + Sync,
    ) -> Vec<T> {
        let next = AtomicUsize::new(0);
        let out: Mutex<Vec<T>> = Mutex::new(Vec::new());
        let workers = opts.jobs.clamp(1, opts.clients.len().max(1));
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| {
                    while let Some(id) = opts.clients.get(next.fetch_add(1, Ordering::SeqCst)) {
                        let r = each(&self.ctx(opts, progress, id));
                        out.lock().unwrap_or_else(|e| e.into_inner()).push(r);
                    }
                });
            }
        });
        out.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

struct ClientCtx<'a> {
    opts: &'a CollectOptions,
    http: &'a reqwest::blocking::Client,
    tokens: &'a Tokens,
    collector: &'a Collector,
    restore_point_sample: usize,
    progress: &'a dyn Reporter,
    id: &'a ClientId,
    /// The configured Graph root: the only origin a request or `nextLink` may go to.
    graph_root: &'a Url,
    /// When this tenant's time is up (`None`: a limit too large to represent).
    deadline: Option<Instant>,
}

/// One file to fetch: an endpoint of the table, or a group's members.
struct Job {
    endpoint: Option<Endpoint>,
    file: String,
    request: String,
    shape: Shape,
    permission: &'static str,
}

impl Job {
    fn of(spec: &EndpointSpec) -> Job {
        Job {
            endpoint: Some(spec.endpoint),
            file: spec.file.to_owned(),
            request: spec.request.to_owned(),
            shape: spec.shape,
            permission: spec.permission,
        }
    }

    fn group_members(group_id: &str) -> Job {
        Job {
            endpoint: None,
            file: validate::group_members_file(group_id),
            request: validate::group_members_request(group_id),
            shape: Shape::Collection,
            permission: "GroupMember.Read.All",
        }
    }

    /// Reads the body back as `check` will; `Err` names the file and JSON path.
    fn validate(&self, bytes: &[u8]) -> Result<(), EndpointError> {
        match self.endpoint {
            Some(e) => validate::endpoint_file(e, &self.file, bytes),
            None => validate::group_members_file_body(&self.file, bytes),
        }
        .map_err(EndpointError::NotEvidence)
    }
}

/// A fetched endpoint, ready to write.
struct Fetched {
    status: u16,
    pages: u32,
    items: u64,
    body: Value,
}

impl ClientCtx<'_> {
    fn log(&self, s: &str) {
        let line = self.tokens.redactor().redact(&format!("{}: {s}", self.id));
        self.progress.status(&line);
    }

    fn run(&self) -> Result<String, CollectError> {
        let policy = load_policy(
            &WorkingTree(self.opts.repo.clone()),
            self.id,
            crate::controls::known(),
        )
        .map_err(CollectError::Policy)?;
        let tenant = policy.client.tenant_id.clone();
        if tenant.is_empty() {
            return Err(CollectError::NoTenantId);
        }
        let uses_m365 = policy
            .backup
            .workloads
            .values()
            .any(|w| w.in_scope && w.uses_m365_backup());

        let client_dir = self.opts.repo.join("evidence").join(self.id.as_str());
        let month = self.opts.month.to_string();
        let client_rel = format!("evidence/{}", self.id);
        let month_rel = format!("{client_rel}/{month}");
        guard::refuse_linked_folders(
            &self.opts.repo,
            &["evidence".to_owned(), client_rel.clone(), month_rel.clone()],
        )?;
        std::fs::create_dir_all(&client_dir).map_err(|source| CollectError::CreateFolder {
            path: client_dir.clone(),
            source,
        })?;
        let _lock = guard::MonthLock::acquire(&client_dir, &month, &client_rel)?;
        let final_dir = client_dir.join(&month);
        recover_and_clean(&client_dir, &month, &final_dir)?;
        // Checked before anything is fetched: the month's files are copied and replaced.
        guard::refuse_irregular_entries(&final_dir, &month_rel)?;
        let partial = client_dir.join(format!(".{month}.partial-{}", std::process::id()));
        guard::register_cleanup(&partial);
        let veeam_plan = self
            .opts
            .veeam
            .as_ref()
            .and_then(|_| veeam::Plan::of(&policy));
        let searches = if uses_m365 {
            restore_points::plan(&policy)
        } else {
            Vec::new()
        };
        let result = self.collect_into(
            &partial,
            &final_dir,
            &tenant,
            uses_m365,
            &searches,
            veeam_plan.as_ref(),
        );
        let result = match result {
            Ok(summary) => swap_into_place(&client_dir, &month, &partial, &final_dir)
                .map(|()| summary)
                .inspect_err(|_| remove_partial(&partial)),
            Err(e) => {
                remove_partial(&partial);
                Err(if final_dir.is_dir() {
                    CollectError::MonthKept {
                        month,
                        source: Box::new(e),
                    }
                } else {
                    e
                })
            }
        };
        guard::unregister_cleanup(&partial);
        result
    }

    fn collect_into(
        &self,
        partial: &Path,
        final_dir: &Path,
        tenant: &str,
        uses_m365: bool,
        searches: &[restore_points::Planned],
        veeam_plan: Option<&veeam::Plan>,
    ) -> Result<String, CollectError> {
        let started_at = now_rfc3339();
        {
            let _g = guard::write_guard();
            std::fs::create_dir_all(partial.join("graph")).map_err(|source| {
                CollectError::CreateFolder {
                    path: partial.to_path_buf(),
                    source,
                }
            })?;
        }
        let wanted: Vec<&EndpointSpec> = ENDPOINTS
            .iter()
            .filter(|s| uses_m365 || !s.m365_backup)
            .collect();
        let bar = client_bar(self.progress, self.id, wanted.len() as u64);
        let jobs: Vec<Job> = wanted.iter().map(|s| Job::of(s)).collect();
        let mut records = self.run_jobs(&jobs, tenant, partial, bar.as_ref())?;

        // Roles held through role-assignable groups: their members, once the role files
        // are in (each already read back with the loader's types).
        let mut groups = BTreeSet::new();
        for e in validate::PRINCIPAL_FILES {
            let Some(bytes) = read_written(partial, e.file()) else {
                continue; // refused (403) or not collected: nothing to expand
            };
            groups.extend(
                validate::group_principals(e.file(), &bytes).map_err(CollectError::Groups)?,
            );
        }
        let group_jobs: Vec<Job> = groups.iter().map(|g| Job::group_members(g)).collect();
        if let Some(b) = &bar {
            b.inc_length(group_jobs.len() as u64);
        }
        let mut group_records = self.run_jobs(&group_jobs, tenant, partial, bar.as_ref())?;
        if let Some(b) = &bar {
            b.finish_and_clear();
        }

        let mut endpoints = Vec::new();
        for spec in ENDPOINTS {
            if let Some(k) = wanted.iter().position(|w| w.endpoint == spec.endpoint) {
                endpoints.push(records.remove(&k).expect("every endpoint has a record"));
            } else {
                endpoints.push(EndpointRecord {
                    file: spec.file.to_owned(),
                    request: Some(format!("GET {}", spec.request)),
                    status: None,
                    pages: None,
                    items: None,
                    sha256: None,
                    missing: Some("not_applicable".into()),
                    reason: Some(
                        "no workload in scope uses Microsoft 365 Backup (backup.toml)".into(),
                    ),
                    note: None,
                });
            }
        }
        endpoints.extend((0..group_jobs.len()).filter_map(|k| group_records.remove(&k)));
        // Restore points, once the protection units are in (each already read back).
        let search = self
            .search_restore_points(searches, partial, tenant)
            .map_err(CollectError::RestorePoints)?;
        self.log_record(&search);
        endpoints.push(search);
        // The client's Veeam jobs, when a server is given and backup.toml names jobs:
        // the fresh files replace the month's earlier export instead of being carried over.
        let mut fresh: Vec<&str> = Vec::new();
        if let (Some(server), Some(plan)) = (&self.opts.veeam, veeam_plan) {
            let name = partial
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let rel = format!("evidence/{}/{name}", self.id);
            endpoints.extend(
                self.collect_veeam(server, plan, partial, &rel)
                    .map_err(CollectError::Veeam)?,
            );
            fresh.push("backup/veeam/");
        }
        let files = carry_over_files(final_dir, partial, &fresh)?;
        let gaps = endpoints
            .iter()
            .filter(|e| matches!(e.missing.as_deref(), Some(k) if k != "not_applicable"))
            .count();
        let finished_at = now_rfc3339();
        let sizes = endpoints
            .iter()
            .filter(|e| e.sha256.is_some())
            .map(|e| e.file.clone())
            .chain(files.keys().cloned())
            .filter_map(|f| Some((f.clone(), std::fs::metadata(partial.join(&f)).ok()?.len())))
            .collect();
        let manifest = Manifest {
            schema_version: 1,
            collected_at: finished_at.clone(),
            tool: ToolInfo {
                name: "custody".into(),
                version: crate::VERSION.into(),
            },
            tenant_id: Some(tenant.to_owned()),
            endpoints,
            files,
            sizes,
            provenance: Some(CollectProvenance {
                method: Method::Collect,
                by: None,
                app_id: self.collector.app_id.clone(),
                credential: Some(self.collector.credential.to_owned()),
                tenant_id: Some(tenant.to_owned()),
                custody_version: crate::VERSION.into(),
                custody_commit: provenance::COMMIT.into(),
                started_at,
                finished_at,
                ci_run_url: self.collector.ci_run_url.clone(),
                exported_at_stated: None,
            }),
        };
        let mut bytes = serde_json::to_vec_pretty(&manifest).map_err(CollectError::Manifest)?;
        bytes.push(b'\n');
        self.write_checked(&partial.join(MANIFEST), MANIFEST, &bytes)
            .map_err(CollectError::Write)?;
        let groups_note = if groups.is_empty() {
            String::new()
        } else {
            format!(", members of {} role-holding group(s)", groups.len())
        };
        Ok(format!(
            "collected {} ({} endpoints{groups_note}, {gaps} recorded as missing)",
            self.opts.month,
            wanted.len()
        ))
    }

    /// Runs `jobs`, at most [`REQUESTS_PER_TENANT`] at a time; the first failure cancels
    /// the rest and is the result. Records are keyed by the job's index.
    fn run_jobs(
        &self,
        jobs: &[Job],
        tenant: &str,
        partial: &Path,
        bar: Option<&ProgressBar>,
    ) -> Result<BTreeMap<usize, EndpointRecord>, CollectError> {
        let result = bounded(jobs, |job, cancel| {
            if let Some(b) = bar {
                b.set_message(job.file.trim_start_matches("graph/").to_owned());
            }
            let rec = self
                .endpoint(job, tenant, partial, cancel, bar)
                .map_err(|e| CollectError::Endpoint {
                    file: job.file.clone(),
                    source: e,
                });
            if let Ok(rec) = &rec {
                self.log_record(rec);
            }
            if let Some(b) = bar {
                b.inc(1);
            }
            rec
        });
        if result.is_err()
            && let Some(b) = bar
        {
            b.finish_and_clear();
        }
        result
    }

    /// Writes a file of the new snapshot, unless it holds a secret of this run (a server
    /// that echoes the request into data would otherwise put the token into evidence).
    /// `E` is the caller's error, able to hold a [`WriteError`]: the Veeam stage keeps its
    /// own.
    fn write_checked<E: From<WriteError>>(
        &self,
        path: &Path,
        rel: &str,
        bytes: &[u8],
    ) -> Result<(), E> {
        if self.tokens.redactor().found_in(bytes) {
            return Err(WriteError::HoldsSecret {
                file: rel.to_owned(),
            }
            .into());
        }
        Ok(write_file(path, bytes)?)
    }

    /// Writes a Graph file of the new snapshot as stored: gzip-compressed as `<file>.gz`
    /// when its JSON is larger than `--compress-above` (a large tenant's users would
    /// pass GitHub's 100 MiB limit), else as is. Returns the stored name and the sha256
    /// of the stored bytes, as the manifest records them.
    fn write_evidence(
        &self,
        partial: &Path,
        file: &str,
        json: &[u8],
    ) -> Result<(String, String), WriteError> {
        // The secret check reads the JSON itself: compressed, a token would not show.
        if self.tokens.redactor().found_in(json) {
            return Err(WriteError::HoldsSecret {
                file: file.to_owned(),
            });
        }
        let gz_name = format!("{file}{}", crate::evidence::GZIP_SUFFIX);
        let (name, other, bytes) =
            if json.len() as u64 > self.opts.compress_above || self.opts.compress_above == 0 {
                (gz_name, file.to_owned(), gzip(json)?)
            } else {
                (file.to_owned(), gz_name, json.to_vec())
            };
        // One endpoint, one stored file: the other form never sits beside it.
        let _g = guard::write_guard();
        let _ = std::fs::remove_file(partial.join(&other));
        drop(_g);
        write_file(&partial.join(&name), &bytes)?;
        Ok((name, sha256_hex(&bytes)))
    }

    fn log_record(&self, r: &EndpointRecord) {
        // On a terminal the bar shows progress; only gaps and notes get a line.
        if self.progress.draws_bars() && r.missing.is_none() && r.note.is_none() {
            return;
        }
        let line = match (&r.missing, &r.items) {
            (Some(kind), _) => {
                format!("{}: {kind} ({})", r.file, r.reason.as_deref().unwrap_or(""))
            }
            (None, Some(items)) => format!(
                "{}: {} items in {} page(s){}",
                r.file,
                items,
                r.pages.unwrap_or(1),
                r.note
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            ),
            _ => format!("{}: collected", r.file),
        };
        let line = if r.file.ends_with(crate::evidence::GZIP_SUFFIX) {
            format!("{line}, stored gzip-compressed")
        } else {
            line
        };
        self.log(&line);
    }

    /// Fetches one file, reads it back as the loader will, and writes it; 403s become a
    /// record, other failures `Err`.
    fn endpoint(
        &self,
        job: &Job,
        tenant: &str,
        partial: &Path,
        cancel: &AtomicBool,
        bar: Option<&ProgressBar>,
    ) -> Result<EndpointRecord, EndpointError> {
        let mut request = job.request.clone();
        let mut note = None;
        let mut outcome = self.fetch_reporting(job.shape, &request, &job.file, tenant, cancel, bar);
        if job.endpoint == Some(Endpoint::Users)
            && request.contains("signInActivity")
            && matches!(&outcome, Err(FetchError::Http { status: 403, code, .. }) if code == NOT_LICENSED_CODE)
        {
            let message = match &outcome {
                Err(FetchError::Http { message, .. }) => message.clone(),
                _ => String::new(),
            };
            request = without_sign_in_activity(&request);
            note = Some(format!("signInActivity not licensed: {message}"));
            self.log("graph/users.json: signInActivity not licensed; collecting users without it");
            outcome = self.fetch_reporting(job.shape, &request, &job.file, tenant, cancel, bar);
        }
        let mut rec = EndpointRecord {
            file: job.file.clone(),
            request: Some(format!("GET {request}")),
            status: None,
            pages: None,
            items: None,
            sha256: None,
            missing: None,
            reason: None,
            note,
        };
        match outcome {
            Ok(f) => {
                let mut bytes =
                    serde_json::to_vec_pretty(&f.body).map_err(EndpointError::Serialize)?;
                bytes.push(b'\n');
                job.validate(&bytes)?;
                let (stored, sha256) = self
                    .write_evidence(partial, &job.file, &bytes)
                    .map_err(EndpointError::Write)?;
                rec.file = stored;
                rec.status = Some(f.status);
                rec.pages = Some(f.pages);
                rec.items = Some(f.items);
                rec.sha256 = Some(sha256);
                Ok(rec)
            }
            Err(FetchError::Http {
                status,
                code,
                message,
            }) if status == 403 || is_licence_refusal(status, &code) => {
                rec.status = Some(status);
                rec.missing = Some(
                    if is_licence_refusal(status, &code) {
                        "not_licensed"
                    } else {
                        "permission_missing"
                    }
                    .into(),
                );
                rec.reason = Some(if message.is_empty() {
                    code
                } else {
                    format!("{message} ({code}; needs {})", job.permission)
                });
                Ok(rec)
            }
            Err(e) => Err(EndpointError::Fetch(e)),
        }
    }

    /// GETs a request and, per the shape, its further pages: each `@odata.nextLink` only
    /// on the Graph origin, never one already fetched.
    fn fetch(
        &self,
        shape: Shape,
        request: &str,
        file: &str,
        tenant: &str,
        cancel: &AtomicBool,
    ) -> Result<Fetched, FetchError> {
        self.fetch_reporting(shape, request, file, tenant, cancel, None)
    }

    /// [`Self::fetch`], reporting each page to `bar` (or, without one, every
    /// [`PROGRESS_EVERY_PAGES`] pages as a line).
    fn fetch_reporting(
        &self,
        shape: Shape,
        request: &str,
        file: &str,
        tenant: &str,
        cancel: &AtomicBool,
        bar: Option<&ProgressBar>,
    ) -> Result<Fetched, FetchError> {
        let first_url = format!("{}{request}", self.opts.graph_url.trim_end_matches('/'));
        let (status, first) = self.get_json(&first_url, file, tenant)?;
        if shape == Shape::Single {
            return Ok(Fetched {
                status,
                pages: 1,
                items: 1,
                body: first,
            });
        }
        let Value::Object(mut first) = first else {
            return Err(FetchError::NotAnObject { first: true });
        };
        let mut next = take_next_link(&mut first);
        let mut values = match first.remove("value") {
            Some(Value::Array(v)) => v,
            _ => {
                return Err(FetchError::NoValueArray { first: true });
            }
        };
        let mut pages = 1;
        if shape == Shape::FirstPage {
            next = None;
        }
        let mut seen: HashSet<String> = HashSet::from([first_url]);
        while let Some(url) = next.take() {
            if cancel.load(Ordering::SeqCst) || guard::stopping() {
                return Err(FetchError::Cancelled);
            }
            if pages >= MAX_PAGES {
                return Err(FetchError::TooManyPages { max: MAX_PAGES });
            }
            check_next_link(&url, self.graph_root).map_err(FetchError::NextLink)?;
            if !seen.insert(url.clone()) {
                return Err(FetchError::Loop { pages });
            }
            let (_, page) = self.get_json(&url, file, tenant)?;
            let Value::Object(mut page) = page else {
                return Err(FetchError::NotAnObject { first: false });
            };
            next = take_next_link(&mut page);
            match page.remove("value") {
                Some(Value::Array(v)) => values.extend(v),
                _ => {
                    return Err(FetchError::NoValueArray { first: false });
                }
            }
            pages += 1;
            self.page_progress(bar, file, pages, values.len());
        }
        let items = values.len() as u64;
        let mut body = Map::new();
        if let Some(ctx) = first.remove("@odata.context") {
            body.insert("@odata.context".into(), ctx);
        }
        body.insert("value".into(), Value::Array(values));
        Ok(Fetched {
            status,
            pages,
            items,
            body: Value::Object(body),
        })
    }

    /// How far a paged collection got: the bar's message on a terminal, a line every
    /// [`PROGRESS_EVERY_PAGES`] pages where there is no bar (CI logs).
    fn page_progress(&self, bar: Option<&ProgressBar>, file: &str, pages: u32, items: usize) {
        let name = file.trim_start_matches("graph/");
        match bar {
            Some(b) => b.set_message(format!("{name}: page {pages}, {items} items")),
            None if pages.is_multiple_of(PROGRESS_EVERY_PAGES) => {
                self.log(&format!("{file}: {pages} pages, {items} items so far"))
            }
            None => {}
        }
    }

    /// One GET with retries; a 401 refreshes the token once and retries. Everything the
    /// server says back is cleaned and scrubbed of secrets before it goes anywhere.
    fn get_json(&self, url: &str, file: &str, tenant: &str) -> Result<(u16, Value), FetchError> {
        self.send_json(url, None, file, tenant)
    }

    /// [`Self::get_json`], or a POST of `body` as JSON when given (a search action: it
    /// changes nothing, so it is retried like a GET).
    fn send_json(
        &self,
        url: &str,
        body: Option<&[u8]>,
        file: &str,
        tenant: &str,
    ) -> Result<(u16, Value), FetchError> {
        let mut refreshed = false;
        let redactor = self.tokens.redactor();
        loop {
            // The token of the latest attempt, to forget it if Graph answers 401.
            let used: Mutex<Option<std::sync::Arc<auth::Secret>>> = Mutex::new(None);
            let log = |m: &str| self.log(m);
            let (status, body) =
                send_with_retry(&self.opts.retry, file, self.deadline, &log, || {
                    let token = self.tokens.get(tenant, self.deadline)?;
                    let rb = match body {
                        None => self.http.get(url),
                        Some(b) => self
                            .http
                            .post(url)
                            .header("content-type", "application/json")
                            .body(b.to_vec()),
                    }
                    .bearer_auth(token.expose())
                    .header("accept", "application/json");
                    *used.lock().unwrap_or_else(|e| e.into_inner()) = Some(token);
                    Ok::<_, FetchError>(rb)
                })?;
            if status == 401 && !refreshed {
                self.log(&format!(
                    "{file}: HTTP 401 (token expired or revoked); refreshing the token"
                ));
                if let Some(t) = used.into_inner().unwrap_or_else(|e| e.into_inner()) {
                    self.tokens.invalidate(tenant, &t);
                }
                refreshed = true;
                continue;
            }
            if (300..400).contains(&status) {
                return Err(FetchError::Redirect { status });
            }
            if (200..300).contains(&status) {
                let v: Value = serde_json::from_slice(&body)
                    .map_err(|source| FetchError::InvalidJson { status, source })?;
                if let Some(what) = validate::not_data(&v) {
                    let what = redactor.redact(&http::server_text(&what));
                    return Err(FetchError::NotData { status, what });
                }
                return Ok((status, v));
            }
            let (code, message) = graph_error(&body);
            // A server may echo the request: the token or credential never reaches a log
            // or manifest, whichever field (code, message, inner error) carries it.
            return Err(FetchError::Http {
                status,
                code: redactor.redact(&http::server_text(&code)),
                message: redactor.redact(&http::server_text(&message)),
            });
        }
    }
}

/// A `@odata.nextLink` may be followed only on the configured Graph origin (scheme, host
/// and port) and without credentials in it: the bearer token goes with every request.
fn check_next_link(link: &str, graph: &Url) -> Result<(), NextLinkError> {
    let url = Url::parse(link).map_err(|_| NextLinkError::NotAbsolute)?;
    let origin = |u: &Url| {
        format!(
            "{}://{}:{}",
            u.scheme(),
            u.host_str().unwrap_or(""),
            u.port_or_known_default().unwrap_or(0)
        )
    };
    if origin(&url) != origin(graph) {
        return Err(NextLinkError::OffOrigin {
            found: http::server_text(&origin(&url)),
            graph: origin(graph),
        });
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(NextLinkError::Credentials);
    }
    Ok(())
}

/// Graph's `{"error": {"code", "message"}}`.
fn graph_error(body: &[u8]) -> (String, String) {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let e = &v["error"];
    let s = |k: &str| e[k].as_str().unwrap_or("").to_owned();
    let code = s("code");
    (
        if code.is_empty() {
            "(no error code)".into()
        } else {
            code
        },
        s("message"),
    )
}

fn take_next_link(page: &mut Map<String, Value>) -> Option<String> {
    match page.remove("@odata.nextLink") {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        _ => None,
    }
}

/// The users request without `signInActivity` in `$select`.
fn without_sign_in_activity(request: &str) -> String {
    request
        .replace(",signInActivity", "")
        .replace("signInActivity,", "")
}

fn now_rfc3339() -> String {
    provenance::now_rfc3339()
}

/// Every write into a partial folder: under the shared write guard, so an interrupt
/// never removes the folder while a write could re-create part of it.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let _g = guard::write_guard();
    if guard::stopping() {
        return Err(WriteError::Interrupted);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| WriteError::CreateFolder {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let cannot_write = |source| WriteError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut f = std::fs::File::create(path).map_err(cannot_write)?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(cannot_write)
}

/// The gzip-compressed form of a Graph file (deterministic: no name or time in the header).
fn gzip(json: &[u8]) -> Result<Vec<u8>, WriteError> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(json.len() / 8),
        flate2::Compression::default(),
    );
    enc.write_all(json)
        .and_then(|()| enc.finish())
        .map_err(WriteError::Compress)
}

/// A Graph file this run wrote into `partial`, as JSON (inflated when it was stored
/// compressed); `None` when it was not written.
fn read_written(partial: &Path, file: &str) -> Option<Vec<u8>> {
    if let Ok(bytes) = std::fs::read(partial.join(file)) {
        return Some(bytes);
    }
    let gz = crate::evidence::Stored {
        name: format!("{file}{}", crate::evidence::GZIP_SUFFIX),
        path: partial.join(format!("{file}{}", crate::evidence::GZIP_SUFFIX)),
        gzip: true,
    };
    let mut out = Vec::new();
    gz.open().ok()?.read_to_end(&mut out).ok()?;
    Some(out)
}

/// Copies the files people and exports put in the month (everything outside `graph/`
/// but `manifest.json`, e.g. `backup-jobs.csv`, `restore-tests.toml`, and outside the
/// `fresh` folders this run fetched) from the existing month folder into the new one,
/// and returns their hashes for the manifest.
fn carry_over_files(
    final_dir: &Path,
    partial: &Path,
    fresh: &[&str],
) -> Result<BTreeMap<String, String>, CollectError> {
    let mut files = BTreeMap::new();
    if !final_dir.is_dir() {
        return Ok(files);
    }
    for entry in walkdir::WalkDir::new(final_dir).sort_by_file_name() {
        let entry = entry.map_err(|source| CollectError::WalkPrevious {
            path: final_dir.to_path_buf(),
            source,
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(final_dir) else {
            continue;
        };
        let rel_s = rel.to_string_lossy().replace('\\', "/");
        if rel_s == MANIFEST
            || rel_s.starts_with("graph/")
            || fresh.iter().any(|p| rel_s.starts_with(p))
        {
            continue;
        }
        let bytes = std::fs::read(entry.path()).map_err(|source| CollectError::ReadPrevious {
            path: entry.path().to_path_buf(),
            source,
        })?;
        write_file(&partial.join(rel), &bytes)?;
        files.insert(rel_s, sha256_hex(&bytes));
    }
    Ok(files)
}

/// Before a run (holding the month's lock, so no other run is writing): restores a month
/// left aside by an interrupted swap, and removes partial folders of earlier runs for
/// this month. Only real folders are touched: a link planted under such a name is
/// neither followed nor removed.
fn recover_and_clean(client_dir: &Path, month: &str, final_dir: &Path) -> Result<(), CollectError> {
    let Ok(entries) = std::fs::read_dir(client_dir) else {
        return Ok(());
    };
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        let path = e.path();
        let old = name.starts_with(&format!(".{month}.old-"));
        let partial = name.starts_with(&format!(".{month}.partial-"));
        if !(old || partial) {
            continue;
        }
        if !e.file_type().is_ok_and(|t| t.is_dir()) {
            return Err(CollectError::LeftBehind { path });
        }
        let _g = guard::write_guard();
        if old && !final_dir.exists() {
            std::fs::rename(&path, final_dir)
                .map_err(|source| CollectError::Restore { path, source })?;
        } else {
            std::fs::remove_dir_all(&path)
                .map_err(|source| CollectError::RemoveStale { path, source })?;
        }
    }
    Ok(())
}

/// Removes this run's partial folder after a failure.
fn remove_partial(partial: &Path) {
    let _g = guard::write_guard();
    let _ = std::fs::remove_dir_all(partial);
}

/// Renames the complete partial folder into place; an existing month is set aside
/// first and removed only once the new one is in place (restored if the rename fails).
/// Runs under the write guard, so an interrupt waits for the swap to finish.
fn swap_into_place(
    client_dir: &Path,
    month: &str,
    partial: &Path,
    final_dir: &Path,
) -> Result<(), CollectError> {
    let _g = guard::write_guard();
    if guard::stopping() {
        return Err(CollectError::Interrupted);
    }
    let into_place = |source| CollectError::MoveIntoPlace {
        month: month.to_owned(),
        source,
    };
    if !final_dir.exists() {
        return std::fs::rename(partial, final_dir).map_err(into_place);
    }
    let old = client_dir.join(format!(".{month}.old-{}", std::process::id()));
    std::fs::rename(final_dir, &old).map_err(|source| CollectError::SetAside {
        month: month.to_owned(),
        source,
    })?;
    if let Err(e) = std::fs::rename(partial, final_dir) {
        let _ = std::fs::rename(&old, final_dir);
        return Err(into_place(e));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// The total of the outcomes, for logs.
pub fn summary(outcomes: &[ClientOutcome]) -> String {
    let ok = outcomes.iter().filter(|o| o.result.is_ok()).count();
    format!(
        "{ok} of {} client(s) collected{}",
        outcomes.len(),
        if ok < outcomes.len() {
            format!(", {} failed", outcomes.len() - ok)
        } else {
            String::new()
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_parsing_and_selection() {
        assert_eq!(parse_shard("2/4"), Ok((2, 4)));
        assert_eq!(
            parse_shard("5/4").map_err(|e| e.to_string()),
            Err("invalid shard \"5/4\": expected I/N with 1 <= I <= N, e.g. 2/4".to_owned())
        );
        for bad in ["0/4", "5/4", "1/0", "x/4", "2", "2/4/1", ""] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
        let ids = vec!["e", "a", "d", "c", "b"];
        assert_eq!(shard(&ids, 1, 2), vec!["a", "c", "e"]);
        assert_eq!(shard(&ids, 2, 2), vec!["b", "d"]);
        assert_eq!(shard(&ids, 1, 1), vec!["a", "b", "c", "d", "e"]);
    }

    #[test]
    fn a_bad_time_limit_names_the_value_as_given() {
        assert_eq!(parse_timeout("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_timeout(" 2h"), Ok(Duration::from_secs(7200)));
        for bad in ["0", "soon", "5d", "", "-1m"] {
            assert_eq!(
                parse_timeout(bad),
                Err(TimeoutError(bad.to_owned())),
                "{bad}"
            );
        }
        assert_eq!(
            parse_timeout("soon").unwrap_err().to_string(),
            "invalid time limit \"soon\": expected seconds or a number with s, m or h, e.g. 90s, 30m, 2h"
        );
    }

    #[test]
    fn a_next_link_leaves_graph_only_for_no_one() {
        let graph = Url::parse("https://graph.microsoft.com").unwrap();
        assert_eq!(
            check_next_link(
                "https://graph.microsoft.com/v1.0/users?$skiptoken=x",
                &graph
            ),
            Ok(())
        );
        assert_eq!(
            check_next_link("/v1.0/users?$skiptoken=x", &graph),
            Err(NextLinkError::NotAbsolute)
        );
        assert_eq!(
            check_next_link("https://graph.microsoft.com:8443/v1.0/users", &graph),
            Err(NextLinkError::OffOrigin {
                found: "https://graph.microsoft.com:8443".into(),
                graph: "https://graph.microsoft.com:443".into()
            })
        );
        assert_eq!(
            check_next_link("https://u:p@graph.microsoft.com/v1.0/users", &graph),
            Err(NextLinkError::Credentials)
        );
    }

    #[test]
    fn users_fallback_drops_sign_in_activity_only() {
        let users = Endpoint::Users.spec().request;
        let r = without_sign_in_activity(users);
        assert!(!r.contains("signInActivity"));
        assert!(r.contains("$select=id,") && r.contains("$top=500"));
    }

    #[test]
    fn pim_s_licence_error_is_a_licence_refusal_with_400_or_403() {
        assert!(is_licence_refusal(400, P2_REQUIRED_CODE));
        assert!(is_licence_refusal(403, P2_REQUIRED_CODE));
        assert!(is_licence_refusal(403, NOT_LICENSED_CODE));
        assert!(!is_licence_refusal(403, PERMISSION_CODE));
        assert!(!is_licence_refusal(400, "BadRequest"));
    }

    #[test]
    fn graph_error_reads_code_and_message() {
        let (c, m) = graph_error(
            br#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}"#,
        );
        assert_eq!(c, "Authorization_RequestDenied");
        assert!(m.starts_with("Insufficient"));
        assert_eq!(graph_error(b"oops").0, "(no error code)");
    }
}
