//! The templates: built into the binary, each overridable by a file of the same name in
//! the repository's `site-templates/`. Strict undefined behaviour, so a typo in a
//! template is an error with its line, never a silent blank in a compliance report.

use minijinja::value::{Serde, Value};
use minijinja::{Environment, UndefinedBehavior};
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

/// Builds the environment; overrides come from `<repo>/site-templates/`. Files there
/// with other names (except `*.md`) are errors: they would silently do nothing.
pub fn environment(repo: &Path) -> Result<Environment<'static>, String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_debug(true);
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build()
        .map_err(|e| e.to_string())?;
    env.set_syntax(syntax);
    env.add_global("version", crate::VERSION);
    for (name, source) in BUILTIN {
        let path = repo.join("site-templates").join(name);
        let source = match std::fs::read_to_string(&path) {
            Ok(s) => s,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (*source).to_owned(),
            Err(e) => return Err(format!("site-templates/{name}: cannot read: {e}")),
        };
        env.add_template_owned(*name, source)
            .map_err(|e| format!("site-templates/{name}: {}", describe(&e)))?;
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
        if let Some(n) = unknown.first() {
            let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "site-templates/{n}: not a template name; expected one of {}",
                names.join(", ")
            ));
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
) -> Result<String, String> {
    let t = env.get_template(name).map_err(|e| describe(&e))?;
    t.render(Value::from(Serde(ctx)))
        .map_err(|e| format!("template {name}: {}", describe(&e)))
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
        assert!(environment(dir.path()).unwrap_err().contains("mnth.html"));
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
