//! `custody build`: evaluate every client and month, then render the versioned static
//! site (pages, scorecard.json, evidence packs) through one writer that stages the site
//! and swaps it in only when the build is complete, and only over a folder custody may
//! replace (`output`: never the repository, an input, or a folder it did not write).

pub mod cache;
pub mod charts;
pub mod colour;
pub mod control_pages;
mod error;
pub mod history;
pub mod logo;
pub mod notes;
pub mod output;
pub mod scorecards;
pub mod summary;
pub mod templates;
pub mod views;
pub mod writer;

pub use error::SiteError;

use crate::client_id::ClientId;
use crate::diagnostic::Diagnostic;
use crate::evaluate::{ClientRun, Months, evaluate_client_cached};
use crate::pack;
use crate::scorecard::Scorecard;
use minijinja::{Environment, context};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use views::*;

pub struct BuildOptions {
    pub repo: PathBuf,
    pub out: PathBuf,
    /// Only these clients; a selected build has no portfolio page.
    pub clients: Vec<String>,
}

#[derive(Debug, Default)]
pub struct BuildSummary {
    pub clients: usize,
    pub months: usize,
    pub pages: usize,
    pub packs: usize,
    pub files: usize,
    pub skipped: Vec<String>,
    /// Clients with `[publishing] enabled = false`, left out of a whole-site build.
    pub unpublished: Vec<String>,
    pub errors: Vec<Diagnostic>,
    pub timings: Vec<(&'static str, Duration)>,
    /// Month pages and packs taken over unchanged from the previous site.
    pub reused: usize,
    /// Months evaluated in this build; the others' scorecards came from the
    /// evaluation cache.
    pub evaluated: usize,
    /// Scorecards read back from the evaluation cache instead of evaluated.
    pub scorecards_reused: usize,
    /// No input changed since the site was built: nothing was written.
    pub up_to_date: bool,
    units: std::collections::BTreeMap<String, cache::MonthUnit>,
}

impl BuildSummary {
    pub fn line(&self) -> String {
        let total: Duration = self.timings.iter().map(|(_, d)| *d).sum();
        if self.up_to_date {
            return format!(
                "site is up to date ({} clients, {} months, {} pages, {} evidence packs): no input changed, nothing written ({:.2}s)",
                self.clients,
                self.months,
                self.pages,
                self.packs,
                total.as_secs_f64()
            );
        }
        let steps: Vec<String> = self
            .timings
            .iter()
            .map(|(n, d)| format!("{n} {:.2}s", d.as_secs_f64()))
            .collect();
        format!(
            "built {} clients, {} months, {} pages, {} evidence packs ({} files{}) in {:.2}s ({}){}",
            self.clients,
            self.months,
            self.pages,
            self.packs,
            self.files,
            if self.reused > 0 || self.scorecards_reused > 0 {
                format!(
                    "; {} unchanged months reused, {} scorecards not re-evaluated",
                    self.reused, self.scorecards_reused
                )
            } else {
                String::new()
            },
            total.as_secs_f64(),
            steps.join(", "),
            if self.skipped.is_empty() {
                String::new()
            } else {
                format!("; skipped {}", self.skipped.join(", "))
            },
        ) + &if self.unpublished.is_empty() {
            String::new()
        } else {
            format!(
                "; not published ([publishing] enabled = false): {}",
                self.unpublished.join(", ")
            )
        }
    }
}

/// What one client's rendering produced.
struct Rendered<'a> {
    pages: usize,
    /// Month pages and packs taken over from the previous site.
    reused: usize,
    packs: ClientPacks<'a>,
    units: Vec<(String, cache::MonthUnit)>,
    /// Input problems found while rendering (a refused logo).
    diags: Vec<Diagnostic>,
}

/// A client's evidence packs, in month order, written after every page.
struct ClientPacks<'a> {
    repo: &'a Path,
    id: &'a str,
    policy: &'a crate::policy::Policy,
    policy_sources: &'a std::collections::BTreeMap<crate::month::Month, Vec<(String, String)>>,
    css: String,
    theme: String,
    logo: Option<(&'a str, Vec<u8>)>,
    steps: Vec<PackStep<'a>>,
    /// Signs each pack's manifest (`CUSTODY_SIGNING_KEY_FILE`), if set.
    signer: Option<&'a pack::Signer>,
}

enum PackStep<'a> {
    /// Taken over from the previous site: only its manifest hash is needed (the chain).
    Reused {
        unit: String,
        cached: cache::MonthUnit,
        month: crate::month::Month,
    },
    Write {
        unit: String,
        key: String,
        card: &'a Scorecard,
        prev_month: Option<String>,
        /// The scorecard of the month before, when there is one: its evidence is what
        /// the month's evaluation read as its previous snapshot, and is packed with it.
        prev_card: Option<&'a Scorecard>,
        files: Vec<String>,
    },
}

impl ClientPacks<'_> {
    /// Streams every pack that is not reused into the staging site; returns the cache
    /// units of all months.
    fn write(
        &self,
        env: &Environment,
        w: &writer::SiteWriter,
    ) -> Result<Vec<(String, cache::MonthUnit)>, SiteError> {
        let mut previous: Option<(crate::month::Month, String)> = None;
        let mut units = Vec::new();
        for step in &self.steps {
            match step {
                PackStep::Reused {
                    unit,
                    cached,
                    month,
                } => {
                    previous = Some((*month, cached.manifest_sha256.clone()));
                    units.push((unit.clone(), cached.clone()));
                }
                PackStep::Write {
                    unit,
                    key,
                    card,
                    prev_month,
                    prev_card,
                    files,
                } => {
                    let sha = self.write_one(
                        env,
                        w,
                        (card, *prev_card),
                        prev_month,
                        &files[2],
                        previous.as_ref(),
                    )?;
                    previous = Some((card.month, sha.clone()));
                    units.push((
                        unit.clone(),
                        cache::MonthUnit {
                            key: key.clone(),
                            manifest_sha256: sha,
                            files: files.clone(),
                        },
                    ));
                }
            }
        }
        Ok(units)
    }

    fn write_one(
        &self,
        env: &Environment,
        w: &writer::SiteWriter,
        (card, prev_card): (&Scorecard, Option<&Scorecard>),
        prev_month: &Option<String>,
        rel: &str,
        previous: Option<&(crate::month::Month, String)>,
    ) -> Result<String, SiteError> {
        let month = card.month.to_string();
        // The policy this month was evaluated against (not the latest one): packed, and
        // its notes shown on the packed page, so `custody verify` renders the same page.
        let sources = self
            .policy_sources
            .get(&card.month)
            .unwrap_or(&self.policy.sources);
        let notes_html = match self.policy_sources.get(&card.month) {
            Some(s) => s
                .iter()
                .find(|(p, _)| p.rsplit('/').next() == Some("notes.md"))
                .map(|(_, text)| notes::render_in_pack(text)),
            None => self.policy.notes.as_deref().map(notes::render_in_pack),
        };
        let ctx = MonthContext {
            card,
            logo: self.logo.as_ref().map(|(n, _)| *n),
            notes_html,
            in_pack: true,
            pack_name: pack_name(self.id, &month),
            prev: prev_month.clone(),
            next: None,
        };
        let packed_page = templates::render(env, "month.html", month_page(&ctx))?;
        let json = scorecard_json(card);
        let mut files: Vec<(String, pack::Source)> = vec![
            ("scorecard.json".to_owned(), pack::Source::Bytes(&json)),
            (
                "scorecard.html".to_owned(),
                pack::Source::Bytes(packed_page.as_bytes()),
            ),
            (
                "assets/style.css".to_owned(),
                pack::Source::Bytes(self.css.as_bytes()),
            ),
            (
                "assets/theme.css".to_owned(),
                pack::Source::Bytes(self.theme.as_bytes()),
            ),
        ];
        if let Some((name, bytes)) = &self.logo {
            files.push((format!("assets/{name}"), pack::Source::Bytes(bytes)));
        }
        // What the evaluation read besides the month's own evidence and policy, so
        // `custody verify` can evaluate the month again from the pack alone: the previous
        // month's snapshot (role changes, RPO across the month boundary) and the restore
        // tests recorded in earlier months (restore-test history).
        let prev_evidence = match prev_card.filter(|p| p.month == card.month.prev()) {
            Some(p) => evidence_sources(self.repo, p, &format!("previous/{}", p.month))?,
            None => Vec::new(),
        };
        let history =
            restore_history_sources(self.repo, self.id, card.month, !prev_evidence.is_empty())?;
        let own = evidence_sources(self.repo, card, "evidence")?;
        for (name, path, label, sha256, size) in own.iter().chain(&prev_evidence) {
            files.push((
                name.clone(),
                pack::Source::File {
                    path,
                    label,
                    sha256,
                    size: *size,
                },
            ));
        }
        for (name, text) in &history {
            files.push((name.clone(), pack::Source::Bytes(text.as_bytes())));
        }
        for (path, text) in sources {
            let name = path.rsplit('/').next().unwrap_or(path);
            files.push((
                format!("policy/{name}"),
                pack::Source::Bytes(text.as_bytes()),
            ));
        }
        let mut sha = String::new();
        w.write_with(rel, |out| {
            let files = files.iter().map(|(p, s)| (p.as_str(), *s)).collect();
            let written = pack::stream_pack(
                self.id,
                card.month,
                &card.policy,
                files,
                previous,
                crate::evidence::provenance::BuildProvenance::current(),
                self.signer,
                out,
            )?;
            sha = written.manifest_sha256;
            Ok(())
        })?;
        Ok(sha)
    }
}

/// A scorecard's evidence files as pack entries under `prefix`: (entry name, file,
/// repository-relative label, sha256, size).
type EvidenceSource = (String, PathBuf, String, String, u64);

fn evidence_sources(
    repo: &Path,
    card: &Scorecard,
    prefix: &str,
) -> Result<Vec<EvidenceSource>, SiteError> {
    let dir = repo.join(&card.evidence.dir);
    card.evidence
        .files
        .iter()
        .map(|f| {
            let path = dir.join(&f.path);
            let label = format!("{}/{}", card.evidence.dir, f.path);
            let size = std::fs::metadata(&path)
                .map_err(|source| SiteError::Evidence {
                    label: label.clone(),
                    source,
                })?
                .len();
            Ok((
                format!("{prefix}/{}", f.path),
                path,
                label,
                f.sha256.clone(),
                size,
            ))
        })
        .collect()
}

/// The restore-test records of every earlier month (restore-tests.toml, Veeam restore
/// sessions; but the previous one's when its evidence is packed whole: `with_prev`), as
/// pack entries `history/<YYYY-MM>/<file>`, read through the same guarded read as
/// evaluation (`evaluate::restore_history`).
fn restore_history_sources(
    repo: &Path,
    id: &str,
    month: crate::month::Month,
    with_prev: bool,
) -> Result<Vec<(String, String)>, SiteError> {
    let id = ClientId::parse(id).map_err(SiteError::Client)?;
    let mut out = Vec::new();
    for m in crate::evidence::months(repo, &id) {
        if m >= month || (with_prev && m == month.prev()) {
            continue;
        }
        let dir = format!("evidence/{id}/{m}");
        for file in crate::evidence::RESTORE_HISTORY_FILES {
            if let Ok(Some(src)) = crate::evidence::read_text(&repo.join(&dir), &dir, file) {
                out.push((format!("history/{m}/{file}"), src.text));
            }
        }
    }
    Ok(out)
}

/// A template that cannot be loaded before the build: about `site-templates`.
fn template_diagnostic(e: templates::TemplateError) -> Diagnostic {
    Diagnostic::file("site-templates", e.to_string())
}

/// The build recipe, incremental and silent: see [`build_reported`].
pub fn build(opts: &BuildOptions) -> Result<BuildSummary, Vec<Diagnostic>> {
    build_with(opts, true)
}

/// The build recipe, silent: see [`build_reported`].
pub fn build_with(opts: &BuildOptions, use_cache: bool) -> Result<BuildSummary, Vec<Diagnostic>> {
    build_reported(opts, use_cache, &crate::progress::Silent)
}

/// The build recipe: fingerprint the inputs (and stop if nothing changed since the
/// site was built), evaluate, render and write into a staging folder, swap it in.
/// `use_cache: false` (`--no-cache`) renders every month again; either way the build
/// records a fresh cache for the next one. `Err` means nothing was changed. Progress
/// and warnings go to `report` as they happen; errors come back in the result.
pub fn build_reported(
    opts: &BuildOptions,
    use_cache: bool,
    report: &dyn crate::progress::Reporter,
) -> Result<BuildSummary, Vec<Diagnostic>> {
    // Before anything is read or written: the output folder is replaced whole, so it
    // must be one custody may replace. The resolved path is used from here on.
    let out = output::check(&opts.repo, &opts.out).map_err(|e| {
        vec![Diagnostic::file(
            opts.out.display().to_string(),
            format!("refusing to build here: {e}"),
        )]
    })?;
    let mut summary = BuildSummary::default();
    let env = templates::environment(&opts.repo).map_err(|e| vec![template_diagnostic(e)])?;
    // Packs are signed with the key CUSTODY_SIGNING_KEY_FILE names, if it is set.
    let signer = pack::Signer::from_env().map_err(|e| vec![e.into_diagnostic()])?;
    let signing_key = signer.as_ref().map_or("", |s| s.fingerprint());
    let (clients, mut errors) = crate::repo::select_clients(&opts.repo, &opts.clients)?;
    // `[publishing] enabled = false`: left out of a whole-site build, whose pages reach the
    // portfolio and every host the site is copied to. A build that names the client with
    // --client builds it, as asked. A policy that does not load stays in: evaluation
    // reports it and keeps its previous pages.
    let clients = if opts.clients.is_empty() {
        let (keep, held): (Vec<_>, Vec<_>) = clients.into_iter().partition(|id| {
            crate::policy::load_policy(
                &crate::policy::load::WorkingTree(opts.repo.clone()),
                id,
                crate::controls::known(),
            )
            .map_or(true, |p| p.client.publish)
        });
        summary.unpublished = held.iter().map(|c| c.to_string()).collect();
        keep
    } else {
        clients
    };
    // The control reference, written at the root and into every client's folder.
    let control_pages = control_pages::render(&env).map_err(|e| vec![template_diagnostic(e)])?;

    let t = Instant::now();
    let old = if use_cache {
        cache::Cache::load(&opts.repo, &out, signing_key)
    } else {
        None
    };
    let (fingerprint, inputs) =
        cache::fingerprint(&opts.repo, old.as_ref().map(|c| &c.inputs), &opts.clients);
    if let Some(old) = &old
        && errors.is_empty()
        && old.fingerprint.as_deref() == Some(fingerprint.as_str())
        && old.site_untouched(&out)
    {
        let c = &old.counts;
        summary.clients = c.clients;
        summary.months = c.months;
        summary.pages = c.pages;
        summary.packs = c.packs;
        summary.files = c.files;
        summary.up_to_date = true;
        summary.timings.push(("fingerprint", t.elapsed()));
        return Ok(summary);
    }
    summary.timings.push(("fingerprint", t.elapsed()));

    // Months whose inputs are unchanged take their scorecards from the evaluation
    // cache; `--no-cache` evaluates everything but records the results.
    let t = Instant::now();
    let history = crate::history::PolicyHistory::open(&opts.repo);
    if let Some(w) = history.warning() {
        report.diagnostic(&Diagnostic::general(crate::diagnostic::Code::NotGit, w));
    }
    let shared = crate::evaluate::shared_tenants(&opts.repo);
    let store = scorecards::Store::new(&opts.repo, &inputs, use_cache);
    let bar = progress(report, clients.len());
    let runs: Vec<ClientRun> = clients
        .par_iter()
        .map(|id| {
            let run = evaluate_client_cached(
                &opts.repo,
                id,
                Months::All,
                &|m, latest| match shared.get(id) {
                    Some(d) => Err(d.clone()),
                    None => history.policy_for_month(id, m, latest),
                },
                Some(&store),
            );
            bar.inc(1);
            run
        })
        .collect();
    bar.finish_and_clear();
    store.prune(&clients, opts.clients.is_empty());
    summary.scorecards_reused = store.hits();
    summary.evaluated = runs
        .iter()
        .map(|r| r.scorecards.len())
        .sum::<usize>()
        .saturating_sub(summary.scorecards_reused);
    summary.timings.push(("evaluate", t.elapsed()));

    let t = Instant::now();
    let fail = |e: SiteError| vec![e.into_diagnostic(&opts.out)];
    let w = writer::SiteWriter::new(&out).map_err(fail)?;
    let templates_key = templates_key(&env);
    let reuse = Reuse {
        cache: old.as_ref(),
        out: &out,
        templates_key: &templates_key,
    };
    let mut pack_time = Duration::ZERO;
    let result = (|| -> Result<(), SiteError> {
        // The control reference: written once at the root of a full site, and hard-linked
        // into each client's folder (same bytes; a client folder stays self-contained).
        let portfolio = opts.clients.is_empty();
        if portfolio {
            for (rel, bytes) in &control_pages {
                w.write(rel, bytes)?;
            }
            summary.pages += control_pages.len();
        }
        let rendered: Vec<Option<Rendered>> = runs
            .par_iter()
            .map(|run| {
                let mut r = render_client(&env, &opts.repo, run, &w, &reuse, signer.as_ref())?;
                match &mut r {
                    Some(r) => {
                        for (rel, bytes) in &control_pages {
                            let to = format!("{}/{rel}", run.id);
                            if portfolio {
                                w.link_staged(rel, &to)?;
                            } else {
                                w.write(&to, bytes)?;
                            }
                        }
                        r.pages += control_pages.len();
                    }
                    None => {
                        w.keep_from(&out, run.id.as_str())?;
                    }
                }
                Ok(r)
            })
            .collect::<Result<_, SiteError>>()?;
        if portfolio {
            for (rel, bytes) in render_portfolio(&env, &runs)? {
                w.write(&rel, &bytes)?;
                summary.pages += usize::from(rel.ends_with(".html"));
            }
        }
        // Evidence packs last, as their own stage: per client in month order (each
        // links to the previous one's manifest), clients in parallel.
        let t = Instant::now();
        let rendered: Vec<Option<Rendered>> = rendered
            .into_par_iter()
            .map(|r| match r {
                Some(mut r) => {
                    let units = r.packs.write(&env, &w)?;
                    r.units = units;
                    Ok(Some(r))
                }
                None => Ok(None),
            })
            .collect::<Result<_, SiteError>>()?;
        pack_time = t.elapsed();
        let mut cache_units = std::collections::BTreeMap::new();
        for (run, r) in runs.iter().zip(rendered) {
            errors.extend(run.diags.iter().cloned());
            match r {
                Some(r) => {
                    errors.extend(r.diags);
                    summary.clients += 1;
                    summary.months += run.scorecards.len();
                    summary.pages += r.pages;
                    summary.packs += r.packs.steps.len();
                    summary.reused += r.reused;
                    cache_units.extend(r.units);
                }
                None => summary.skipped.push(run.id.to_string()),
            }
        }
        summary.units = cache_units;
        Ok(())
    })();
    summary.files = w.files();
    summary
        .timings
        .push(("render", t.elapsed().saturating_sub(pack_time)));
    summary.timings.push(("pack", pack_time));
    let t = Instant::now();
    match result {
        Ok(()) => w.commit(&out).map_err(fail)?,
        Err(e) => {
            w.abandon();
            return Err(fail(e));
        }
    }
    // The cache describes the site just swapped in; a build with input problems is
    // never skipped next time (it must report them again), but its months can be reused.
    let mut c = cache::Cache::new();
    c.signing_key = signing_key.to_owned();
    c.fingerprint = (errors.is_empty() && summary.skipped.is_empty()).then_some(fingerprint);
    c.counts = cache::Counts {
        clients: summary.clients,
        months: summary.months,
        pages: summary.pages,
        packs: summary.packs,
        files: summary.files,
    };
    c.inputs = inputs.files;
    c.months = std::mem::take(&mut summary.units);
    if c.save(&opts.repo, &out).is_err() {
        // Only an accelerator: without it the next build is a full one.
        cache::remove(&opts.repo, &out);
    }
    summary.timings.push(("swap", t.elapsed()));
    summary.errors = errors;
    Ok(summary)
}

/// What decides whether a month of the previous site can be taken over.
struct Reuse<'a> {
    cache: Option<&'a cache::Cache>,
    out: &'a Path,
    /// Hash of the effective template sources and the tool version.
    templates_key: &'a str,
}

fn templates_key(env: &Environment) -> String {
    let mut k = cache::Key::new("templates");
    k.part(crate::VERSION.as_bytes());
    for (name, _) in templates::BUILTIN {
        k.part(name.as_bytes());
        if let Ok(t) = env.get_template(name) {
            k.part(t.source().as_bytes());
        }
    }
    k.finish()
}

fn progress(report: &dyn crate::progress::Reporter, n: usize) -> indicatif::ProgressBar {
    let bar = report.bar(n as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("evaluating {bar:30} {pos}/{len} clients")
    {
        bar.set_style(style);
    }
    bar
}

/// Renders and writes one client's folder; `None` when the client has nothing to show
/// (its previous pages are kept by the caller).
fn render_client<'a>(
    env: &Environment,
    repo: &'a Path,
    run: &'a ClientRun,
    w: &writer::SiteWriter,
    reuse: &Reuse,
    signer: Option<&'a pack::Signer>,
) -> Result<Option<Rendered<'a>>, SiteError> {
    let Some(policy) = &run.policy else {
        return Ok(None);
    };
    if run.scorecards.is_empty() {
        return Ok(None);
    }
    let id = run.id.as_str();
    let cards: Vec<&Scorecard> = run.scorecards.iter().collect();
    let mut diags = Vec::new();
    let logo = policy
        .client
        .logo
        .as_deref()
        .and_then(|l| match read_logo(repo, &run.id, l) {
            Ok(b) => Some((l, b)),
            Err(d) => {
                diags.push(d);
                None
            }
        });
    let notes_html = policy.notes.as_deref().map(notes::render);
    let css = templates::render(env, "style.css", context! {})?;
    let theme = templates::render(env, "theme.css", colour::theme_view(&policy.client.accent))?;
    // Everything a month's files are made of besides its scorecard.
    let mut assets = cache::Key::new("client-assets");
    assets.part(reuse.templates_key.as_bytes());
    assets.part(css.as_bytes()).part(theme.as_bytes());
    if let Some((name, bytes)) = &logo {
        assets.part(name.as_bytes()).part(bytes);
    }
    assets.part(notes_html.as_deref().unwrap_or("\u{0}").as_bytes());
    for (path, text) in &policy.sources {
        assets.part(path.as_bytes()).part(text.as_bytes());
    }
    let assets = assets.finish();

    let mut index_files: Vec<(String, Vec<u8>)> = vec![
        (format!("{id}/assets/style.css"), css.clone().into_bytes()),
        (format!("{id}/assets/theme.css"), theme.clone().into_bytes()),
        (
            format!("{id}/assets/favicon.svg"),
            FAVICON.as_bytes().to_vec(),
        ),
    ];
    if let Some((name, bytes)) = &logo {
        index_files.push((format!("{id}/assets/{name}"), bytes.clone()));
    }
    let logo_name = logo.as_ref().map(|(n, _)| *n);
    let mut reused = 0;
    let mut steps = Vec::new();
    let mut prev_key = String::new();
    for (i, card) in cards.iter().enumerate() {
        let month = card.month.to_string();
        let pack_name = pack_name(id, &month);
        let prev_month = i.checked_sub(1).map(|j| cards[j].month.to_string());
        let json = scorecard_json(card);
        let unit = format!("{id}/{month}");
        // The previous month's key stands for its pack's manifest (the chain link).
        let mut key = cache::Key::new("month");
        key.part(assets.as_bytes())
            .part(&json)
            .part(pack_name.as_bytes());
        key.part(prev_month.as_deref().unwrap_or("").as_bytes());
        key.part(prev_key.as_bytes());
        let key = key.finish();
        prev_key = key.clone();
        if let Some(u) = reuse.cache.and_then(|c| c.reusable(reuse.out, &unit, &key)) {
            for f in &u.files {
                w.link(reuse.out, f)?;
            }
            reused += 1;
            steps.push(PackStep::Reused {
                unit,
                cached: u.clone(),
                month: card.month,
            });
            continue;
        }
        // A month page links back, never forward: it must not change when the next
        // month arrives (the client index lists every month).
        let ctx = MonthContext {
            card,
            logo: logo_name,
            notes_html: notes_html.clone(),
            in_pack: false,
            pack_name: pack_name.clone(),
            prev: prev_month.clone(),
            next: None,
        };
        let mut view = month_page(&ctx);
        history::annotate(&mut view, &cards, i);
        let page = templates::render(env, "month.html", view)?;
        let summary_page = templates::render(
            env,
            "summary.html",
            summary::summary_page(&cards, i, logo_name),
        )?;
        let files = vec![
            format!("{id}/{month}/index.html"),
            format!("{id}/{month}/scorecard.json"),
            format!("{id}/{month}/{pack_name}"),
            format!("{id}/{month}/summary.html"),
            format!("{id}/{month}/findings.csv"),
        ];
        w.write(&files[0], page.as_bytes())?;
        w.write(&files[1], &json)?;
        w.write(&files[3], summary_page.as_bytes())?;
        w.write(&files[4], &summary::findings_csv(&cards, i))?;
        steps.push(PackStep::Write {
            unit,
            key,
            card,
            prev_month,
            prev_card: i.checked_sub(1).map(|j| cards[j]),
            files,
        });
    }
    let charts = charts::client_charts(&cards, &policy.client.accent);
    let Some(view) = client_page(&cards, logo_name, charts, notes_html.clone()) else {
        return Ok(None);
    };
    let index = templates::render(env, "client.html", &view)?;
    index_files.push((format!("{id}/index.html"), index.into_bytes()));
    for (rel, bytes) in &index_files {
        w.write(rel, bytes)?;
    }
    Ok(Some(Rendered {
        pages: cards.len() + 1,
        reused,
        packs: ClientPacks {
            repo,
            id,
            policy,
            policy_sources: &run.policy_sources,
            css,
            theme,
            logo,
            steps,
            signer,
        },
        units: Vec::new(),
        diags,
    }))
}

/// The site's icon: custody's own, the same for every client (a client's logo may be a
/// raster of any shape; the icon must be small and square).
const FAVICON: &str = include_str!("templates/favicon.svg");

pub fn scorecard_json(card: &Scorecard) -> Vec<u8> {
    let mut s = serde_json::to_string_pretty(card).expect("scorecards serialize");
    s.push('\n');
    s.into_bytes()
}

/// The logo named in client.toml, made safe to publish ([`logo`]: a raster checked by
/// content, an SVG reduced to a safe subset). `Err` names the file and why it is refused:
/// the client is built without a logo and the build exits 2.
fn read_logo(repo: &Path, id: &ClientId, name: &str) -> Result<Vec<u8>, Diagnostic> {
    writer::safe_relative(name).map_err(|e| {
        Diagnostic::file(format!("clients/{id}/client.toml"), e.to_string()).for_client(id.as_str())
    })?;
    logo::load(repo, id, name)
}

fn render_portfolio(
    env: &Environment,
    runs: &[ClientRun],
) -> Result<Vec<(String, Vec<u8>)>, SiteError> {
    let rows: Vec<PortfolioRow> = runs
        .iter()
        .filter_map(|r| portfolio_row(&r.scorecards.iter().collect::<Vec<_>>()))
        .collect();
    let domain_titles = crate::scorecard::Domain::ALL
        .iter()
        .map(|d| d.title().to_owned())
        .collect();
    let skipped = runs
        .iter()
        .filter(|r| r.scorecards.is_empty())
        .map(|r| r.id.to_string())
        .collect();
    let latest: Vec<&Scorecard> = runs.iter().filter_map(|r| r.scorecards.last()).collect();
    let page = PortfolioPage {
        title: "Client portfolio — custody".into(),
        root: String::new(),
        clients: rows,
        domain_titles,
        skipped,
        failing: views::failing_controls(&latest),
    };
    Ok(vec![
        (
            "index.html".into(),
            templates::render(env, "portfolio.html", &page)?.into_bytes(),
        ),
        (
            "assets/style.css".into(),
            templates::render(env, "style.css", context! {})?.into_bytes(),
        ),
        (
            "assets/theme.css".into(),
            templates::render(env, "theme.css", colour::theme_view("#1f4e79"))?.into_bytes(),
        ),
        ("assets/favicon.svg".into(), FAVICON.as_bytes().to_vec()),
    ])
}
