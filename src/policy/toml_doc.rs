//! Phase one of policy loading: parse a TOML file into a spanned tree and deserialize
//! each top-level key (and each `[[array]]` element) on its own, so one file reports
//! every broken section instead of stopping at the first.

pub use crate::model::At;

use crate::diagnostic::{Diagnostic, SourceText, did_you_mean};
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

/// A parsed policy file whose keys are taken one by one; problems accumulate.
pub struct TomlDoc<'a> {
    pub src: &'a SourceText,
    root: DeTable<'a>,
    pub diags: Vec<Diagnostic>,
}

impl<'a> TomlDoc<'a> {
    /// Parses the file, recording every syntax error. Returns `None` when the file is
    /// not TOML at all; the errors are in `diags`.
    pub fn parse(src: &'a SourceText, diags: &mut Vec<Diagnostic>) -> Option<TomlDoc<'a>> {
        let (root, errors) = DeTable::parse_recoverable(&src.text);
        if !errors.is_empty() {
            for e in errors {
                let span = e.span().unwrap_or(0..0);
                diags.push(Diagnostic::span(
                    src,
                    span,
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
        let unknown: Vec<(String, std::ops::Range<usize>)> = self
            .root
            .iter()
            .filter(|(k, _)| !allowed.contains(&k.get_ref().as_ref()))
            .map(|(k, _)| (k.get_ref().to_string(), k.span()))
            .collect();
        for (key, span) in unknown {
            let expected = allowed
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let hint = did_you_mean(&key, allowed.iter().copied()).map_or_else(
                || "remove it, or run `custody schema` for every key this file takes".to_owned(),
                |k| format!("did you mean `{k}`?"),
            );
            self.diags.push(
                Diagnostic::span(
                    self.src,
                    span,
                    format!("unknown key `{key}`, expected one of {expected}"),
                )
                .with_hint(hint),
            );
        }
    }

    /// An error at the key or value starting at `offset`; the caret underlines that token.
    pub fn error(&mut self, offset: usize, message: impl Into<String>) {
        let end = offset + token_len(&self.src.text, offset);
        self.diags
            .push(Diagnostic::span(self.src, offset..end, message));
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
            // Located at the file start, but no snippet: no line of the file is wrong.
            let d = Diagnostic {
                snippet: None,
                ..Diagnostic::at(self.src, 0, format!("missing required key `{key}`"))
            };
            self.diags
                .push(d.with_hint(format!("add `{key} = ...` at the top of the file")));
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
        let fallback = value.span();
        match T::deserialize(ValueDeserializer::from(value)) {
            Ok(v) => Some(v),
            Err(e) => {
                let span = e.span().unwrap_or(fallback);
                let msg = e.message().trim().to_owned();
                let mut d = Diagnostic::span(self.src, span, format!("in `{what}`: {msg}"));
                if let Some(hint) = serde_hint(&msg) {
                    d = d.with_hint(hint);
                }
                self.diags.push(d);
                None
            }
        }
    }
}

/// Length in bytes of the TOML key or value starting at `offset`: a quoted string up to
/// its closing quote, an array or inline table up to its bracket on the same line,
/// otherwise up to the next space, `=`, `,` or bracket.
fn token_len(text: &str, offset: usize) -> usize {
    let Some(rest) = text.get(offset..) else {
        return 0;
    };
    let line = rest.split(['\n', '\r']).next().unwrap_or("");
    let mut chars = line.char_indices();
    let len = match chars.next() {
        Some((_, q @ ('"' | '\''))) => {
            let mut escaped = false;
            chars
                .find(|&(_, c)| {
                    let close = c == q && !escaped;
                    escaped = q == '"' && c == '\\' && !escaped;
                    close
                })
                .map_or(line.len(), |(i, c)| i + c.len_utf8())
        }
        Some((_, open @ ('[' | '{'))) => {
            let close = if open == '[' { ']' } else { '}' };
            line.rfind(close).map_or(line.len(), |i| i + 1)
        }
        Some(_) => line
            .find(|c: char| c.is_whitespace() || "=,[]{}#".contains(c))
            .unwrap_or(line.len()),
        None => 0,
    };
    len.max(line.chars().next().map_or(0, char::len_utf8))
}

/// A hint for serde's messages: a misspelt field or variant ("unknown field `x`,
/// expected one of `a`, `b`"), or a value of the wrong TOML type.
fn serde_hint(message: &str) -> Option<String> {
    if let Some(rest) = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))
    {
        let (word, expected) = rest.split_once('`')?;
        let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        return did_you_mean(word, candidates).map(|c| format!("did you mean `{c}`?"));
    }
    let expected = message
        .strip_prefix("invalid type: ")?
        .split_once(", expected ")?
        .1;
    let hint = match expected {
        "a boolean" => "write `true` or `false`, without quotes",
        "a string" => "put the value in double quotes: \"...\"",
        "a sequence" => "write a list in brackets: [\"a\", \"b\"]",
        e if e.contains("integer") || e.contains("number") || e.starts_with("f64") => {
            "write a number, without quotes"
        }
        e if e.starts_with("struct ") || e.starts_with("a map") => {
            "write a table: a [section] header or { key = value }"
        }
        _ => return None,
    };
    Some(hint.to_owned())
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
            ["x.toml:2:1: unknown key `tenantid`, expected one of `name`, `tenant_id`"]
        );
    }

    #[test]
    fn misspelt_keys_get_a_did_you_mean_hint() {
        let src = SourceText::new(
            "x.toml",
            "tenantid = \"b\"\n[[item]]\nnmae = \"x\"\n".into(),
        );
        let mut diags = Vec::new();
        let mut doc = TomlDoc::parse(&src, &mut diags).unwrap();
        doc.check_keys(&["name", "tenant_id", "item"]);
        doc.array::<Item>("item");
        let hints: Vec<_> = doc.diags.iter().map(|d| d.hint.as_deref()).collect();
        assert_eq!(
            hints,
            [
                Some("did you mean `tenant_id`?"),
                Some("did you mean `name`?")
            ]
        );
        assert_eq!(doc.diags[0].width, "tenantid".len());
    }

    #[test]
    fn the_caret_underlines_the_whole_key_or_value() {
        let text = "a = \"quoted \\\" value\" # c\nb = [1, 2]\nc = yes\n";
        let len = |needle: &str| token_len(text, text.find(needle).unwrap());
        assert_eq!(len("\"quoted"), "\"quoted \\\" value\"".len());
        assert_eq!(len("[1"), "[1, 2]".len());
        assert_eq!(len("yes"), 3);
        assert_eq!(len("a ="), 1);
        assert_eq!(token_len(text, text.len()), 0);
    }

    #[test]
    fn wrong_types_get_a_hint_on_how_to_write_the_value() {
        let hint = |m: &str| serde_hint(m);
        assert_eq!(
            hint("invalid type: string \"yes\", expected a boolean").as_deref(),
            Some("write `true` or `false`, without quotes")
        );
        assert_eq!(
            hint("invalid type: integer `3`, expected a string").as_deref(),
            Some("put the value in double quotes: \"...\"")
        );
        assert_eq!(hint("something else"), None);
    }

    #[test]
    fn syntax_errors_are_located() {
        let diags = doc_diags("a = 1\nb = \n", |_| {});
        assert_eq!(diags.len(), 1);
        assert!(diags[0].starts_with("x.toml:2:"), "{}", diags[0]);
    }
}
