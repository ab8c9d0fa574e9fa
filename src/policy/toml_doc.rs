//! Phase one of policy loading: parse a TOML file into a spanned tree and deserialize
//! each top-level key (and each `[[array]]` element) on its own, so one file reports
//! every broken section instead of stopping at the first.

use crate::diagnostic::{Diagnostic, SourceText};
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

/// A parsed policy file whose keys are taken one by one; problems accumulate.
pub struct TomlDoc<'a> {
    pub src: &'a SourceText,
    root: DeTable<'a>,
    pub diags: Vec<Diagnostic>,
}

/// A value with the repository-relative file and 1-based line/column it came from.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct At {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl At {
    pub fn of(src: &SourceText, offset: usize) -> At {
        let (line, column) = src.line_col(offset);
        At {
            file: src.path.clone(),
            line,
            column,
        }
    }

    pub fn file_start(file: &str) -> At {
        At {
            file: file.to_owned(),
            line: 1,
            column: 1,
        }
    }
}

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

impl<'a> TomlDoc<'a> {
    /// Parses the file, recording every syntax error. Returns `None` when the file is
    /// not TOML at all; the errors are in `diags`.
    pub fn parse(src: &'a SourceText, diags: &mut Vec<Diagnostic>) -> Option<TomlDoc<'a>> {
        let (root, errors) = DeTable::parse_recoverable(&src.text);
        if !errors.is_empty() {
            for e in errors {
                let offset = e.span().map_or(0, |s| s.start);
                diags.push(Diagnostic::at(
                    src,
                    offset,
                    format!("TOML syntax error: {}", e.message().trim()),
                ));
            }
            return None;
        }
        Some(TomlDoc {
            src,
            root: root.into_inner(),
            diags: Vec::new(),
        })
    }

    /// Records an error for every top-level key not in `allowed`, naming the allowed keys.
    pub fn check_keys(&mut self, allowed: &[&str]) {
        let unknown: Vec<(String, usize)> = self
            .root
            .iter()
            .filter(|(k, _)| !allowed.contains(&k.get_ref().as_ref()))
            .map(|(k, _)| (k.get_ref().to_string(), k.span().start))
            .collect();
        for (key, offset) in unknown {
            let expected = allowed
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let hint = did_you_mean(&key, allowed.iter().copied());
            self.error(
                offset,
                format!("unknown key `{key}`, expected one of {expected}{hint}"),
            );
        }
    }

    pub fn error(&mut self, offset: usize, message: impl Into<String>) {
        self.diags.push(Diagnostic::at(self.src, offset, message));
    }

    /// Location of the start of the file (for findings about a missing key).
    pub fn file_start(&self) -> At {
        At::file_start(&self.src.path)
    }

    /// Location of a top-level key, or of the file start when absent.
    pub fn key_at(&self, key: &str) -> At {
        self.root.get_key_value(key).map_or_else(
            || self.file_start(),
            |(k, _)| At::of(self.src, k.span().start),
        )
    }

    pub fn has(&self, key: &str) -> bool {
        self.root.contains_key(key)
    }

    /// The value of an optional top-level key; a wrong shape is recorded and gives `None`.
    pub fn get<T: DeserializeOwned>(&mut self, key: &str) -> Option<T> {
        let value = self.root.get(key)?.clone();
        self.deserialize(value, key)
    }

    /// The value of a required top-level key; absence is recorded.
    pub fn require<T: DeserializeOwned>(&mut self, key: &str) -> Option<T> {
        if !self.has(key) {
            self.error(0, format!("missing required key `{key}`"));
            return None;
        }
        self.get(key)
    }

    /// Each element of an array (of tables) on its own: a broken element does not hide
    /// the others. Returns the elements that deserialized.
    pub fn array<T: DeserializeOwned>(&mut self, key: &str) -> Vec<T> {
        let Some(value) = self.root.get(key).cloned() else {
            return Vec::new();
        };
        let span = value.span();
        match value.into_inner() {
            DeValue::Array(items) => items
                .into_iter()
                .enumerate()
                .filter_map(|(i, item)| self.deserialize(item, &format!("{key}[{i}]")))
                .collect(),
            other => {
                self.error(
                    span.start,
                    format!(
                        "`{key}` must be an array of tables (`[[{key}]]`), found {}",
                        other.type_str()
                    ),
                );
                Vec::new()
            }
        }
    }

    /// Every top-level key with its span, for files whose keys are open (thresholds).
    pub fn table_entries(&mut self, key: &str) -> Vec<(Spanned<String>, Spanned<DeValue<'a>>)> {
        let Some(value) = self.root.get(key).cloned() else {
            return Vec::new();
        };
        let span = value.span();
        match value.into_inner() {
            DeValue::Table(t) => t
                .iter()
                .map(|(k, v)| (Spanned::new(k.span(), k.get_ref().to_string()), v.clone()))
                .collect(),
            other => {
                self.error(
                    span.start,
                    format!("`{key}` must be a table, found {}", other.type_str()),
                );
                Vec::new()
            }
        }
    }

    pub fn deserialize<T: DeserializeOwned>(
        &mut self,
        value: Spanned<DeValue<'a>>,
        what: &str,
    ) -> Option<T> {
        let fallback = value.span().start;
        match T::deserialize(ValueDeserializer::from(value)) {
            Ok(v) => Some(v),
            Err(e) => {
                let offset = e.span().map_or(fallback, |s| s.start);
                let msg = e.message().trim().to_owned();
                let hint = unknown_field_hint(&msg);
                self.error(offset, format!("in `{what}`: {msg}{hint}"));
                None
            }
        }
    }
}

/// `"; did you mean `x`?"` when one allowed key is close to the misspelled one, else `""`.
pub fn did_you_mean<'k>(key: &str, allowed: impl IntoIterator<Item = &'k str>) -> String {
    allowed
        .into_iter()
        .map(|k| (strsim::jaro_winkler(key, k), k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map_or_else(String::new, |(_, k)| format!("; did you mean `{k}`?"))
}

/// serde's `deny_unknown_fields` message names the field and the expected ones in
/// backticks ("unknown field `nmae`, expected `name`"); turns that into a suggestion.
fn unknown_field_hint(msg: &str) -> String {
    let Some(rest) = msg.strip_prefix("unknown field `") else {
        return String::new();
    };
    let Some((field, expected)) = rest.split_once('`') else {
        return String::new();
    };
    let allowed: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    did_you_mean(field, allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Item {
        #[allow(dead_code)]
        name: String,
    }

    fn doc_diags(text: &str, f: impl FnOnce(&mut TomlDoc)) -> Vec<String> {
        let src = SourceText::new("x.toml", text.to_owned());
        let mut diags = Vec::new();
        if let Some(mut doc) = TomlDoc::parse(&src, &mut diags) {
            f(&mut doc);
            diags.extend(doc.diags);
        }
        diags.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn every_broken_array_element_is_reported_with_its_line() {
        let diags = doc_diags(
            "[[item]]\nname = 1\n[[item]]\nname = \"ok\"\n[[item]]\nnmae = \"x\"\n",
            |d| {
                assert_eq!(d.array::<Item>("item").len(), 1);
            },
        );
        assert_eq!(diags.len(), 2, "{diags:?}");
        assert!(diags[0].starts_with("x.toml:2:"), "{}", diags[0]);
        assert!(
            diags[1].starts_with("x.toml:6:") && diags[1].contains("expected `name`"),
            "{}",
            diags[1]
        );
    }

    #[test]
    fn unknown_top_level_keys_name_the_allowed_ones() {
        let diags = doc_diags("name = \"a\"\ntenantid = \"b\"\n", |d| {
            d.check_keys(&["name", "tenant_id"])
        });
        assert_eq!(
            diags,
            [
                "x.toml:2:1: unknown key `tenantid`, expected one of `name`, `tenant_id`; did you mean `tenant_id`?"
            ]
        );
    }

    #[test]
    fn misspelled_fields_inside_tables_get_a_suggestion() {
        let diags = doc_diags("[[item]]\nnmae = \"x\"\n", |d| {
            d.array::<Item>("item");
        });
        assert!(diags[0].ends_with("did you mean `name`?"), "{diags:?}");
        assert_eq!(did_you_mean("zzz", ["name", "tenant_id"]), "");
    }

    #[test]
    fn syntax_errors_are_located() {
        let diags = doc_diags("a = 1\nb = \n", |_| {});
        assert_eq!(diags.len(), 1);
        assert!(diags[0].starts_with("x.toml:2:"), "{}", diags[0]);
    }
}
