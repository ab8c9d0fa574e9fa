//! `custody digest --month M`: the monthly e-mail digests, written as files for the
//! publish workflow to attach or send with the MSP's own mail action (custody never
//! sends mail). One per client (`<client>.html` with inline styles, as mail clients
//! strip `<style>`, and `<client>.txt`, the text part) and one for the MSP
//! (`portfolio.html`, `portfolio.txt`). Rendered from the scorecards only.

use crate::scorecard::Scorecard;
use crate::website::history;
use crate::website::summary::{SummaryPage, summary_page};
use minijinja::value::{Serde, Value};
use minijinja::{Environment, UndefinedBehavior, context};
use serde::Serialize;

const CLIENT_HTML: &str = include_str!("digest/client.html");
const CLIENT_TXT: &str = include_str!("digest/client.txt");
const PORTFOLIO_HTML: &str = include_str!("digest/portfolio.html");
const PORTFOLIO_TXT: &str = include_str!("digest/portfolio.txt");

/// One client's month for the MSP's digest.
#[derive(Serialize)]
pub struct PortfolioLine {
    pub id: String,
    pub name: String,
    pub score: Option<f64>,
    pub band_label: &'static str,
    pub findings: usize,
    pub new: usize,
    pub fixed: usize,
    pub licence_gaps: usize,
}

/// A client without a scorecard for the month (no evidence, or its input is broken).
#[derive(Serialize)]
pub struct Missing {
    pub id: String,
    pub reason: String,
}

/// A file of the digest: its name in the output folder and its text.
pub struct File {
    pub name: String,
    pub text: String,
}

fn env() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    // `.html` templates are HTML-escaped; `.txt` ones are not (a text part is shown as
    // text by every mail client: nothing in it is markup).
    for (name, source) in [
        ("client.html", CLIENT_HTML),
        ("client.txt", CLIENT_TXT),
        ("portfolio.html", PORTFOLIO_HTML),
        ("portfolio.txt", PORTFOLIO_TXT),
    ] {
        env.add_template(name, source)
            .expect("built-in digest templates parse");
    }
    env
}

fn render(env: &Environment, name: &str, ctx: Value) -> String {
    // The built-in templates over serialisable views cannot fail; a failure is a bug.
    env.get_template(name)
        .and_then(|t| t.render(ctx))
        .unwrap_or_else(|e| panic!("digest template {name}: {e}"))
}

/// The colours the inline styles use, from the client's accent (see website::colour).
#[derive(Serialize)]
struct Colours {
    accent: String,
    on_accent: String,
    accent_text: String,
}

fn colours(accent: &str) -> Colours {
    let t = crate::website::colour::theme_view(accent);
    Colours {
        accent: t.accent,
        on_accent: t.on_accent,
        accent_text: t.accent_text,
    }
}

/// The digest of `cards[i]` (the months before it give what changed): HTML and text.
pub fn client_files(cards: &[&Scorecard], i: usize) -> [File; 2] {
    let env = env();
    let s = cards[i];
    let page: SummaryPage = summary_page(cards, i, None);
    let ctx = context! { s => Value::from(Serde(&page)), c => Value::from(Serde(colours(&s.client.accent))) };
    let id = &s.client.id;
    [
        File {
            name: format!("{id}.html"),
            text: render(&env, "client.html", ctx.clone()),
        },
        File {
            name: format!("{id}.txt"),
            text: render(&env, "client.txt", ctx),
        },
    ]
}

/// The MSP's digest: one line per client, worst score first, and the clients without a
/// scorecard for the month.
pub fn portfolio_files(month: &str, lines: &[PortfolioLine], missing: &[Missing]) -> [File; 2] {
    let env = env();
    let ctx = context! { month, lines => Value::from(Serde(lines)), missing => Value::from(Serde(missing)) };
    [
        File {
            name: "portfolio.html".into(),
            text: render(&env, "portfolio.html", ctx.clone()),
        },
        File {
            name: "portfolio.txt".into(),
            text: render(&env, "portfolio.txt", ctx),
        },
    ]
}

pub fn portfolio_line(cards: &[&Scorecard], i: usize) -> PortfolioLine {
    let s = cards[i];
    PortfolioLine {
        id: s.client.id.clone(),
        name: s.client.name.clone(),
        score: s.score,
        band_label: crate::website::views::score_view("Overall", s.score).band_label,
        findings: crate::report::findings(s).len(),
        new: history::new_findings(cards, i).len(),
        fixed: history::fixed(cards, i).len(),
        licence_gaps: crate::report::licence_gaps(s).len(),
    }
}

/// Worst first, so the MSP reads the clients that need a call at the top; no score last.
pub fn sort_lines(lines: &mut [PortfolioLine]) {
    lines.sort_by(|a, b| {
        let key = |l: &PortfolioLine| l.score.unwrap_or(f64::INFINITY);
        key(a)
            .partial_cmp(&key(b))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.id.cmp(&b.id))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controls::testing::Fx;

    #[test]
    fn client_text_is_escaped_in_html_and_plain_in_text() {
        let mut s = Fx::new().scorecard();
        s.client.name = "<script>alert(1)</script> & Co".into();
        let cards = [&s];
        let [html, text] = client_files(&cards, 0);
        assert!(!html.text.contains("<script>"), "{}", html.text);
        assert!(
            html.text
                .contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt; &amp; Co")
        );
        assert!(text.text.contains("<script>alert(1)</script> & Co"));
        // Inline styles only: mail clients drop <style> and linked sheets.
        assert!(!html.text.contains("<style") && !html.text.contains("<link"));
        assert!(html.text.contains("style=\""));
    }
}

/// What `custody digest` wrote and what stopped it for some clients.
#[derive(Default)]
pub struct Written {
    pub files: Vec<String>,
    pub errors: Vec<crate::diagnostic::Diagnostic>,
    pub missing: Vec<Missing>,
}

/// Folders of the repository a digest must never be written into: its inputs.
const INPUTS: &[&str] = &["clients", "evidence", "site-templates", "schema", ".git"];

/// Evaluates every selected client up to `month` and writes the digests into `out`
/// (created if missing; only the digest files are written, each replaced atomically;
/// nothing is removed). One client's bad input is reported and the others are written.
pub fn write(
    root: &std::path::Path,
    month: crate::month::Month,
    clients: &[String],
    out: &std::path::Path,
) -> Result<Written, Vec<crate::diagnostic::Diagnostic>> {
    use crate::diagnostic::Diagnostic;
    use rayon::prelude::*;
    let fail = |e: DigestError| vec![Diagnostic::file(out.display().to_string(), e.to_string())];
    std::fs::create_dir_all(out).map_err(|e| fail(DigestError::Create(e)))?;
    let real = out
        .canonicalize()
        .map_err(|e| fail(DigestError::Resolve(e)))?;
    if let Ok(repo) = root.canonicalize() {
        for input in INPUTS {
            if real.starts_with(repo.join(input)) {
                return Err(fail(DigestError::Input(input)));
            }
        }
    }
    let (ids, mut errors) = crate::repo::select_clients(root, clients)?;
    let history = crate::history::PolicyHistory::open(root);
    if let Some(w) = history.warning() {
        errors.push(crate::diagnostic::Diagnostic::general(
            crate::diagnostic::Code::NotGit,
            w,
        ));
    }
    let shared = crate::evaluate::shared_tenants(root);
    let runs: Vec<crate::evaluate::ClientRun> = ids
        .par_iter()
        .map(|id| {
            crate::evaluate::evaluate_client(
                root,
                id,
                crate::evaluate::Months::All,
                &|m, latest| match shared.get(id) {
                    Some(d) => Err(d.clone()),
                    None => history.policy_for_month(id, m, latest),
                },
            )
        })
        .collect();
    let mut w = Written::default();
    let mut lines = Vec::new();
    for run in &runs {
        errors.extend(run.diags.iter().cloned());
        // Only the months up to the digest's: a later month is not yet news.
        let cards: Vec<&Scorecard> = run.scorecards.iter().filter(|s| s.month <= month).collect();
        let Some(i) = cards.iter().position(|s| s.month == month) else {
            w.missing.push(Missing {
                id: run.id.to_string(),
                reason: if run.scorecards.is_empty() && !run.diags.is_empty() {
                    "its input has errors (see custody check)".into()
                } else {
                    format!("no evidence for {month}")
                },
            });
            continue;
        };
        lines.push(portfolio_line(&cards, i));
        for f in client_files(&cards, i) {
            write_file(out, &f).map_err(fail)?;
            w.files.push(f.name);
        }
    }
    sort_lines(&mut lines);
    for f in portfolio_files(&month.to_string(), &lines, &w.missing) {
        write_file(out, &f).map_err(fail)?;
        w.files.push(f.name);
    }
    w.errors = errors;
    Ok(w)
}

/// Why the digests' folder cannot be written (about the `--out` folder).
#[derive(Debug)]
pub enum DigestError {
    Create(std::io::Error),
    Resolve(std::io::Error),
    /// The folder is inside one of the repository's inputs (named).
    Input(&'static str),
    /// A digest file (`file`: the temporary path, or the digest's name) cannot be written.
    Write {
        file: String,
        source: std::io::Error,
    },
}

impl std::fmt::Display for DigestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DigestError::Create(e) => write!(f, "cannot create: {e}"),
            DigestError::Resolve(e) => write!(f, "cannot resolve: {e}"),
            DigestError::Input(input) => write!(
                f,
                "refusing to write digests inside {input}/: the repository's inputs are never written"
            ),
            DigestError::Write { file, source } => write!(f, "{file}: {source}"),
        }
    }
}

impl std::error::Error for DigestError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DigestError::Create(e) | DigestError::Resolve(e) => Some(e),
            DigestError::Write { source, .. } => Some(source),
            DigestError::Input(_) => None,
        }
    }
}

/// Writes beside the target, then renames: a reader never sees half a digest.
fn write_file(dir: &std::path::Path, f: &File) -> Result<(), DigestError> {
    let tmp = dir.join(format!(".{}.tmp-{}", f.name, std::process::id()));
    std::fs::write(&tmp, &f.text).map_err(|source| DigestError::Write {
        file: tmp.display().to_string(),
        source,
    })?;
    std::fs::rename(&tmp, dir.join(&f.name)).map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        DigestError::Write {
            file: f.name.clone(),
            source,
        }
    })
}
