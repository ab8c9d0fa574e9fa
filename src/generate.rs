//! Every file of this repository that is generated from the code, in one list, so one
//! command regenerates them all and its check mode fails CI on a stale one (ruff's
//! `generate_all`): `cargo run --example generate [-- --check]`.
//!
//! Whole files (docs/controls.md, schema/*.schema.json) are written as they are;
//! generated sections of hand-written files (the README's control catalogue, baseline
//! coverage, diagnostic codes and the endpoint and permission tables) sit between `<!-- NAME:start -->` and
//! `<!-- NAME:end -->` markers and only the text between them is replaced.

use crate::diagnostic::{Code, Diagnostic};
use std::path::Path;

/// A generated section of a hand-written file.
struct Section {
    file: &'static str,
    /// The marker name: `<!-- {name}:start -->` … `<!-- {name}:end -->`.
    name: &'static str,
    text: fn() -> String,
}

const SECTIONS: &[Section] = &[
    Section {
        file: "README.md",
        name: "controls",
        text: || crate::controls::docs::render(true),
    },
    Section {
        file: "README.md",
        name: "baselines",
        text: crate::controls::baselines::coverage_markdown,
    },
    Section {
        file: "README.md",
        name: "diagnostic-codes",
        text: diagnostic_codes_markdown,
    },
    Section {
        file: "README.md",
        name: "endpoints:files",
        text: || crate::evidence::endpoints::readme_tables().0,
    },
    Section {
        file: "README.md",
        name: "endpoints:permissions",
        text: || crate::evidence::endpoints::readme_tables().1,
    },
];

/// The folder whose every file is generated: one left over is reported.
const SCHEMA_DIR: &str = "schema";

/// One JSON Schema as `custody schema --out` writes it.
pub fn schema_text(file: &str) -> Option<String> {
    let schema = crate::schema::schema_for(file)?;
    let mut text = serde_json::to_string_pretty(&schema).ok()?;
    text.push('\n');
    Some(text)
}

/// Every schema as one JSON document, as `custody schema` prints it.
pub fn all_schemas_text() -> String {
    let mut out = serde_json::to_string_pretty(&crate::schema::all()).unwrap_or_default();
    out.push('\n');
    out
}

/// The README's list of diagnostic codes, from [`Code::ALL`].
pub fn diagnostic_codes_markdown() -> String {
    let mut out = String::from("| Code | Severity | About |\n|---|---|---|\n");
    for code in Code::ALL {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            code.as_str(),
            code.severity(),
            code.description().replace('|', "\\|")
        ));
    }
    out
}

/// A generated file (repository-relative path, `/`-separated) and its fresh content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    pub path: String,
    pub text: String,
}

/// What a check or a regeneration found.
#[derive(Debug, Default)]
pub struct Freshness {
    /// Files whose content differs from the generated one (or are missing).
    pub stale: Vec<String>,
    /// Files in a generated folder that nothing generates.
    pub unexpected: Vec<String>,
}

impl Freshness {
    pub fn is_fresh(&self) -> bool {
        self.stale.is_empty() && self.unexpected.is_empty()
    }
}

/// Every generated file as it should be, sections spliced into the files' current text.
/// `Err` when a file with sections cannot be read or lacks its markers.
pub fn expected(root: &Path) -> Result<Vec<Generated>, Vec<Diagnostic>> {
    let mut out = vec![Generated {
        path: "docs/controls.md".into(),
        text: crate::controls::docs::reference_markdown(),
    }];
    for file in crate::schema::FILES {
        if let Some(text) = schema_text(file) {
            out.push(Generated {
                path: format!("{SCHEMA_DIR}/{}", crate::schema::schema_file_name(file)),
                text,
            });
        }
    }
    let mut errors = Vec::new();
    let mut files: Vec<&str> = SECTIONS.iter().map(|s| s.file).collect();
    files.dedup();
    for file in files {
        let mut text = match std::fs::read_to_string(root.join(file)) {
            Ok(t) => t,
            Err(e) => {
                errors
                    .push(Diagnostic::file(file, format!("cannot read: {e}")).with_code(Code::Io));
                continue;
            }
        };
        for s in SECTIONS.iter().filter(|s| s.file == file) {
            match splice(&text, s.name, &(s.text)()) {
                Some(t) => text = t,
                None => errors.push(
                    Diagnostic::file(
                        file,
                        format!(
                            "the generated section `{0}` needs the markers `<!-- {0}:start -->` (ending its line) and `<!-- {0}:end -->` after it",
                            s.name
                        ),
                    )
                    .with_code(Code::Io),
                ),
            }
        }
        out.push(Generated {
            path: file.into(),
            text,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// `text` with the part between the `name` markers replaced by `fresh`; `None` when a
/// marker is missing or the end comes first.
fn splice(text: &str, name: &str, fresh: &str) -> Option<String> {
    let start_marker = format!("<!-- {name}:start -->\n");
    let end_marker = format!("<!-- {name}:end -->");
    let start = text.find(&start_marker)? + start_marker.len();
    let end = start + text[start..].find(&end_marker)?;
    Some(format!("{}{fresh}{}", &text[..start], &text[end..]))
}

/// Check mode: which generated files differ from what the code generates. Nothing is
/// written.
pub fn check(root: &Path) -> Result<Freshness, Vec<Diagnostic>> {
    let expected = expected(root)?;
    let mut found = Freshness::default();
    for g in &expected {
        if std::fs::read_to_string(root.join(&g.path)).ok().as_deref() != Some(g.text.as_str()) {
            found.stale.push(g.path.clone());
        }
    }
    found.unexpected = unexpected(root, &expected);
    Ok(found)
}

/// Regenerates every stale file (and only those, so unchanged files keep their
/// timestamps). Files nobody generates are reported, never removed.
pub fn write(root: &Path) -> Result<Freshness, Vec<Diagnostic>> {
    let expected = expected(root)?;
    let mut done = Freshness::default();
    let mut errors = Vec::new();
    for g in &expected {
        let path = root.join(&g.path);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(g.text.as_str()) {
            continue;
        }
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, &g.text));
        match written {
            Ok(()) => done.stale.push(g.path.clone()),
            Err(e) => errors.push(
                Diagnostic::file(g.path.clone(), format!("cannot write: {e}")).with_code(Code::Io),
            ),
        }
    }
    done.unexpected = unexpected(root, &expected);
    if errors.is_empty() {
        Ok(done)
    } else {
        Err(errors)
    }
}

/// Files in the generated schema folder that are not generated.
fn unexpected(root: &Path, expected: &[Generated]) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root.join(SCHEMA_DIR)) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| format!("{SCHEMA_DIR}/{}", e.file_name().to_string_lossy()))
        .filter(|p| !expected.iter().any(|g| &g.path == p))
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_replaces_only_between_the_markers() {
        let text = "a\n<!-- x:start -->\nold\n<!-- x:end -->\nb\n";
        assert_eq!(
            splice(text, "x", "new\n").as_deref(),
            Some("a\n<!-- x:start -->\nnew\n<!-- x:end -->\nb\n")
        );
        assert_eq!(splice(text, "y", "new\n"), None);
        // An end marker before the start is no section.
        assert_eq!(
            splice("<!-- x:end -->\n<!-- x:start -->\n", "x", "new\n"),
            None
        );
    }

    #[test]
    fn check_names_stale_missing_and_unexpected_files_and_write_fixes_them() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(
            root.join("README.md"),
            "# r\n<!-- controls:start -->\n<!-- controls:end -->\n<!-- baselines:start -->\n<!-- baselines:end -->\n<!-- diagnostic-codes:start -->\n<!-- diagnostic-codes:end -->\n<!-- endpoints:files:start -->\n<!-- endpoints:files:end -->\n<!-- endpoints:permissions:start -->\n<!-- endpoints:permissions:end -->\nend\n",
        )
        .unwrap();
        std::fs::create_dir_all(root.join("schema")).unwrap();
        std::fs::write(root.join("schema/old.schema.json"), "{}").unwrap();
        let found = check(root).unwrap();
        assert!(found.stale.contains(&"README.md".to_owned()), "{found:?}");
        assert!(
            found.stale.contains(&"docs/controls.md".to_owned()),
            "{found:?}"
        );
        assert!(
            found.stale.iter().any(|p| p.starts_with("schema/")),
            "{found:?}"
        );
        assert_eq!(found.unexpected, ["schema/old.schema.json"]);

        let written = write(root).unwrap();
        assert_eq!(written.stale, found.stale);
        let after = check(root).unwrap();
        assert!(after.stale.is_empty(), "{after:?}");
        // Never removed: custody removes only what it wrote.
        assert!(root.join("schema/old.schema.json").is_file());
        let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
        assert!(readme.starts_with("# r\n<!-- controls:start -->\n"));
        assert!(readme.ends_with("<!-- endpoints:permissions:end -->\nend\n"));
        assert!(readme.contains("| `policy.file` | error |"), "{readme}");
        // The endpoint tables, which a test used to rewrite on request, come from here too.
        assert!(
            readme.contains("<!-- endpoints:files:start -->\n| file | request |\n|---|---|\n| `graph/users.json` | `GET "),
            "{readme}"
        );
        assert!(
            readme.contains(
                "<!-- endpoints:permissions:start -->\n| evidence file | application permission |\n"
            ),
            "{readme}"
        );
    }

    #[test]
    fn a_missing_marker_is_an_error_naming_the_file_and_section() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("README.md"), "# no markers\n").unwrap();
        let errors = check(dir.path()).unwrap_err();
        assert_eq!(errors.len(), SECTIONS.len());
        assert!(errors.iter().all(|e| e.file == "README.md"));
        assert!(errors[0].message.contains("`controls`"), "{}", errors[0]);
    }
}
