//! The templates: built into the binary, each overridable by a file of the same name in
//! the repository's `site-templates/`. Strict undefined behaviour, so a typo in a
//! template is an error with its line, never a silent blank in a compliance report.

use minijinja::value::{Serde, Value};
use minijinja::{Environment, UndefinedBehavior};
use std::fmt;
use std::path::Path;

/// (name, built-in source). The README documents each template's context.
pub const BUILTIN: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("macros.html", include_str!("templates/macros.html")),
    ("portfolio.html", include_str!("templates/portfolio.html")),
    ("client.html", include_str!("templates/client.html")),
    ("month.html", include_str!("templates/month.html")),
    ("summary.html", include_str!("templates/summary.html")),
    ("style.css", include_str!("templates/style.css")),
    ("theme.css", include_str!("templates/theme.css")),
    ("control.html", include_str!("templates/control.html")),
    ("controls.html", include_str!("templates/controls.html")),
];

/// A template that cannot be loaded or rendered: which one, and minijinja's error (with
/// its template name and line).
#[derive(Debug)]
pub enum TemplateError {
    /// The template syntax settings themselves.
    Syntax(minijinja::Error),
    /// An override in `site-templates/` cannot be read.
    Read {
        name: String,
        source: std::io::Error,
    },
    /// An override in `site-templates/` does not parse.
    Invalid {
        name: String,
        source: minijinja::Error,
    },
    /// A file in `site-templates/` that is no template's name.
    Unknown { name: String },
    /// No template of this name.
    Missing(minijinja::Error),
    /// Rendering failed (an undefined variable, a filter error).
    Render {
        name: String,
        source: minijinja::Error,
    },
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::Syntax(e) => e.fmt(f),
            TemplateError::Read { name, source } => {
                write!(f, "site-templates/{name}: cannot read: {source}")
            }
            TemplateError::Invalid { name, source } => {
                write!(f, "site-templates/{name}: {}", describe(source))
            }
            TemplateError::Unknown { name } => {
                let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
                write!(
                    f,
                    "site-templates/{name}: not a template name; expected one of {}",
                    names.join(", ")
                )
            }
            TemplateError::Missing(e) => f.write_str(&describe(e)),
            TemplateError::Render { name, source } => {
                write!(f, "template {name}: {}", describe(source))
            }
        }
    }
}

impl std::error::Error for TemplateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TemplateError::Read { source, .. } => Some(source),
            TemplateError::Syntax(e)
            | TemplateError::Invalid { source: e, .. }
            | TemplateError::Missing(e)
            | TemplateError::Render { source: e, .. } => Some(e),
            TemplateError::Unknown { .. } => None,
        }
    }
}

/// Builds the environment; overrides come from `<repo>/site-templates/`. Files there
/// with other names (except `*.md`) are errors: they would silently do nothing.
pub fn environment(repo: &Path) -> Result<Environment<'static>, TemplateError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_debug(true);
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build()
        .map_err(TemplateError::Syntax)?;
    env.set_syntax(syntax);
    env.add_global("version", crate::VERSION);
    for (name, source) in BUILTIN {
        let path = repo.join("site-templates").join(name);
        let source = match std::fs::read_to_string(&path) {
            Ok(s) => s,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (*source).to_owned(),
            Err(source) => {
                return Err(TemplateError::Read {
                    name: (*name).to_owned(),
                    source,
                });
            }
        };
        env.add_template_owned(*name, source)
            .map_err(|source| TemplateError::Invalid {
                name: (*name).to_owned(),
                source,
            })?;
    }
    if let Ok(entries) = std::fs::read_dir(repo.join("site-templates")) {
        let mut unknown: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| {
                !n.ends_with(".md") && !n.starts_with('.') && !BUILTIN.iter().any(|(b, _)| b == n)
            })
            .collect();
        unknown.sort();
        if let Some(name) = unknown.into_iter().next() {
            return Err(TemplateError::Unknown { name });
        }
    }
    Ok(env)
}

/// A template error with its template name and line.
pub fn describe(e: &minijinja::Error) -> String {
    let mut s = e.to_string();
    if let (Some(name), Some(line)) = (e.name(), e.line())
        && !s.contains(&format!("line {line}"))
    {
        s = format!("{name}:{line}: {s}");
    }
    s
}

pub fn render<S: serde::Serialize>(
    env: &Environment,
    name: &str,
    ctx: S,
) -> Result<String, TemplateError> {
    let t = env.get_template(name).map_err(TemplateError::Missing)?;
    t.render(Value::from(Serde(ctx)))
        .map_err(|source| TemplateError::Render {
            name: name.to_owned(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_in_an_override_is_an_error_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("site-templates")).unwrap();
        std::fs::write(
            dir.path().join("site-templates/theme.css"),
            ":root {\n --accent: {{ acent }};\n}\n",
        )
        .unwrap();
        let env = environment(dir.path()).unwrap();
        let err = render(
            &env,
            "theme.css",
            minijinja::context! { accent => "#000000" },
        )
        .unwrap_err();
        assert!(
            matches!(&err, TemplateError::Render { name, .. } if name == "theme.css"),
            "{err:?}"
        );
        let err = err.to_string();
        assert!(err.contains("theme.css") && err.contains('2'), "{err}");
        assert!(err.contains("undefined"), "{err}");
    }

    #[test]
    fn overrides_replace_builtins_and_unknown_names_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("site-templates")).unwrap();
        std::fs::write(
            dir.path().join("site-templates/theme.css"),
            "/* mine {{ accent }} */",
        )
        .unwrap();
        let env = environment(dir.path()).unwrap();
        assert_eq!(
            render(
                &env,
                "theme.css",
                minijinja::context! { accent => "#123456" }
            )
            .unwrap(),
            "/* mine #123456 */"
        );
        std::fs::write(dir.path().join("site-templates/mnth.html"), "x").unwrap();
        let e = environment(dir.path()).unwrap_err();
        assert!(
            matches!(&e, TemplateError::Unknown { name } if name == "mnth.html"),
            "{e:?}"
        );
        assert!(
            e.to_string().starts_with(
                "site-templates/mnth.html: not a template name; expected one of base.html, "
            ),
            "{e}"
        );
    }

    #[test]
    fn html_is_autoescaped() {
        let mut env = Environment::new();
        env.add_template("t.html", "{{ x }}").unwrap();
        let out = env
            .get_template("t.html")
            .unwrap()
            .render(minijinja::context! { x => "<script>alert(1)</script>" })
            .unwrap();
        assert_eq!(out, "&lt;script&gt;alert(1)&lt;&#x2f;script&gt;");
    }
}
