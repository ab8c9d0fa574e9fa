//! `custody build`: evaluate every client and month, then render the versioned static
//! site (pages, scorecard.json, evidence packs) through one writer that stages the site
//! and swaps it in only when the build is complete.

pub mod charts;
pub mod control_pages;
pub mod notes;
pub mod templates;
pub mod views;
pub mod writer;

use crate::client_id::ClientId;
use crate::diagnostic::Diagnostic;
use crate::evaluate::{ClientRun, Months, evaluate_client};
use crate::pack::{PackInput, build_pack};
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
    pub errors: Vec<Diagnostic>,
    pub timings: Vec<(&'static str, Duration)>,
}

impl BuildSummary {
    pub fn line(&self) -> String {
        let total: Duration = self.timings.iter().map(|(_, d)| *d).sum();
        let steps: Vec<String> = self
            .timings
            .iter()
            .map(|(n, d)| format!("{n} {:.2}s", d.as_secs_f64()))
            .collect();
        format!(
            "built {} clients, {} months, {} pages, {} evidence packs ({} files) in {:.2}s ({}){}",
            self.clients,
            self.months,
            self.pages,
            self.packs,
            self.files,
            total.as_secs_f64(),
            steps.join(", "),
            if self.skipped.is_empty() {
                String::new()
            } else {
                format!("; skipped {}", self.skipped.join(", "))
            }
        )
    }
}

/// Files of one client's folder, rendered in memory.
struct Rendered {
    files: Vec<(String, Vec<u8>)>,
    pages: usize,
    packs: usize,
}

/// The build recipe: evaluate, render, write. `Err` means nothing was changed.
pub fn build(opts: &BuildOptions) -> Result<BuildSummary, Vec<Diagnostic>> {
    let mut summary = BuildSummary::default();
    let env = templates::environment(&opts.repo)
        .map_err(|e| vec![Diagnostic::file("site-templates", e)])?;
    let (clients, mut errors) = crate::repo::select_clients(&opts.repo, &opts.clients)?;
    // The control reference, written at the root and into every client's folder.
    let control_pages =
        control_pages::render(&env).map_err(|e| vec![Diagnostic::file("site-templates", e)])?;

    let t = Instant::now();
    let history = crate::cli::open_history(&opts.repo);
    let bar = progress(clients.len());
    let runs: Vec<ClientRun> = clients
        .par_iter()
        .map(|id| {
            let run = evaluate_client(&opts.repo, id, Months::All, &|m, latest| {
                history.policy_for_month(id, m, latest)
            });
            bar.inc(1);
            run
        })
        .collect();
    bar.finish_and_clear();
    summary.timings.push(("evaluate", t.elapsed()));

    let t = Instant::now();
    let rendered: Vec<Result<Option<Rendered>, String>> = runs
        .par_iter()
        .map(|run| render_client(&env, &opts.repo, run))
        .collect();
    let portfolio = if opts.clients.is_empty() {
        Some(render_portfolio(&env, &runs))
    } else {
        None
    };
    summary.timings.push(("render", t.elapsed()));

    let t = Instant::now();
    let fail = |e: String| vec![Diagnostic::file(opts.out.display().to_string(), e)];
    let mut w = writer::SiteWriter::new(&opts.out).map_err(fail)?;
    let result = (|| -> Result<(), String> {
        for (run, r) in runs.iter().zip(rendered) {
            errors.extend(run.diags.iter().cloned());
            match r? {
                Some(r) => {
                    summary.clients += 1;
                    summary.months += run.scorecards.len();
                    summary.pages += r.pages;
                    summary.packs += r.packs;
                    for (rel, bytes) in &r.files {
                        w.write(rel, bytes)?;
                    }
                    for (rel, bytes) in &control_pages {
                        w.write(&format!("{}/{rel}", run.id), bytes)?;
                    }
                    summary.pages += control_pages.len();
                }
                None => {
                    summary.skipped.push(run.id.to_string());
                    w.keep_from(&opts.out, run.id.as_str())?;
                }
            }
        }
        if let Some(p) = portfolio {
            for (rel, bytes) in p? {
                w.write(&rel, &bytes)?;
                summary.pages += usize::from(rel.ends_with(".html"));
            }
            for (rel, bytes) in &control_pages {
                w.write(rel, bytes)?;
            }
            summary.pages += control_pages.len();
        }
        Ok(())
    })();
    summary.files = w.files;
    match result {
        Ok(()) => w.commit(&opts.out).map_err(fail)?,
        Err(e) => {
            w.abandon();
            return Err(fail(e));
        }
    }
    summary.timings.push(("write", t.elapsed()));
    summary.errors = errors;
    Ok(summary)
}

fn progress(n: usize) -> indicatif::ProgressBar {
    let target = if crate::cli::quiet() {
        indicatif::ProgressDrawTarget::hidden()
    } else {
        indicatif::ProgressDrawTarget::stderr()
    };
    let bar = indicatif::ProgressBar::with_draw_target(Some(n as u64), target);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("evaluating {bar:30} {pos}/{len} clients")
    {
        bar.set_style(style);
    }
    bar
}

fn render_client(
    env: &Environment,
    repo: &Path,
    run: &ClientRun,
) -> Result<Option<Rendered>, String> {
    let Some(policy) = &run.policy else {
        return Ok(None);
    };
    if run.scorecards.is_empty() {
        return Ok(None);
    }
    let id = run.id.as_str();
    let cards: Vec<&Scorecard> = run.scorecards.iter().collect();
    let logo = policy
        .client
        .logo
        .as_deref()
        .and_then(|l| read_logo(repo, &run.id, l).map(|b| (l, b)));
    let notes_html = policy.notes.as_deref().map(notes::render);
    let css = templates::render(env, "style.css", context! {})?;
    let theme = templates::render(
        env,
        "theme.css",
        context! { accent => &policy.client.accent },
    )?;
    let mut files: Vec<(String, Vec<u8>)> = vec![
        (format!("{id}/assets/style.css"), css.clone().into_bytes()),
        (format!("{id}/assets/theme.css"), theme.clone().into_bytes()),
    ];
    if let Some((name, bytes)) = &logo {
        files.push((format!("{id}/assets/{name}"), bytes.clone()));
    }
    let logo_name = logo.as_ref().map(|(n, _)| *n);
    let mut previous: Option<(crate::month::Month, String)> = None;
    let mut packs = 0;
    for (i, card) in cards.iter().enumerate() {
        let month = card.month.to_string();
        let pack_name = pack_name(id, &month);
        let ctx = |in_pack: bool| MonthContext {
            card,
            logo: logo_name,
            notes_html: notes_html.clone(),
            in_pack,
            pack_name: pack_name.clone(),
            prev: i.checked_sub(1).map(|j| cards[j].month.to_string()),
            next: cards.get(i + 1).map(|c| c.month.to_string()),
        };
        let page = templates::render(env, "month.html", month_page(&ctx(false)))?;
        let packed_page = templates::render(env, "month.html", month_page(&ctx(true)))?;
        let json = scorecard_json(card);
        let mut pack_files = vec![
            ("scorecard.json".to_owned(), json.clone()),
            ("scorecard.html".to_owned(), packed_page.into_bytes()),
            ("assets/style.css".to_owned(), css.clone().into_bytes()),
            ("assets/theme.css".to_owned(), theme.clone().into_bytes()),
        ];
        if let Some((name, bytes)) = &logo {
            pack_files.push((format!("assets/{name}"), bytes.clone()));
        }
        for f in &card.evidence.files {
            let bytes = std::fs::read(repo.join(&card.evidence.dir).join(&f.path))
                .map_err(|e| format!("{}/{}: {e}", card.evidence.dir, f.path))?;
            pack_files.push((format!("evidence/{}", f.path), bytes));
        }
        for (path, text) in &policy.sources {
            let name = path.rsplit('/').next().unwrap_or(path);
            pack_files.push((format!("policy/{name}"), text.clone().into_bytes()));
        }
        let pack = build_pack(&PackInput {
            client: id,
            month: card.month,
            policy: &card.policy,
            files: pack_files,
            previous: previous.take(),
        })?;
        previous = Some((card.month, pack.manifest_sha256.clone()));
        packs += 1;
        files.push((format!("{id}/{month}/index.html"), page.into_bytes()));
        files.push((format!("{id}/{month}/scorecard.json"), json));
        files.push((format!("{id}/{month}/{pack_name}"), pack.zip));
    }
    let charts = charts::client_charts(&cards, &policy.client.accent);
    let Some(view) = client_page(&cards, logo_name, charts, notes_html) else {
        return Ok(None);
    };
    let index = templates::render(env, "client.html", &view)?;
    files.push((format!("{id}/index.html"), index.into_bytes()));
    Ok(Some(Rendered {
        pages: cards.len() + 1,
        packs,
        files,
    }))
}

pub fn scorecard_json(card: &Scorecard) -> Vec<u8> {
    let mut s = serde_json::to_string_pretty(card).expect("scorecards serialize");
    s.push('\n');
    s.into_bytes()
}

/// The logo named in client.toml, if it is a regular file in the client's folder.
fn read_logo(repo: &Path, id: &ClientId, name: &str) -> Option<Vec<u8>> {
    writer::safe_relative(name).ok()?;
    let path = repo.join("clients").join(id.as_str()).join(name);
    let meta = std::fs::symlink_metadata(&path).ok()?;
    if !meta.is_file() {
        return None;
    }
    std::fs::read(path).ok()
}

fn render_portfolio(
    env: &Environment,
    runs: &[ClientRun],
) -> Result<Vec<(String, Vec<u8>)>, String> {
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
    let page = PortfolioPage {
        title: "Client portfolio — custody".into(),
        root: String::new(),
        clients: rows,
        domain_titles,
        skipped,
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
            templates::render(env, "theme.css", context! { accent => "#1f4e79" })?.into_bytes(),
        ),
    ])
}
