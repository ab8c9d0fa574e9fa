//! Input problems as values: every one names the file and the line and column (TOML)
//! or the JSON path (Graph JSON), so a run can gather them all and report them together.

use serde::Serialize;
use std::fmt;
use std::ops::Range;

/// One problem with the input, located.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Client the problem belongs to, when it belongs to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// Repository-relative path of the file, with `/` separators.
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// JSON pointer inside a JSON file (`/value/3/userType`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json_path: Option<String>,
    pub message: String,
    /// What to do about it ("did you mean `tenant_id`?"), shown under the snippet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The offending source line, for text output.
    #[serde(skip)]
    pub snippet: Option<String>,
    /// How many characters of `snippet` from `column` the caret underlines.
    #[serde(skip)]
    pub width: usize,
}

impl Diagnostic {
    /// A problem with a whole file (missing, unreadable).
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            client: None,
            file: file.into(),
            line: None,
            column: None,
            json_path: None,
            message: message.into(),
            hint: None,
            snippet: None,
            width: 1,
        }
    }

    /// A problem at a byte offset of a text file; line and column are 1-based.
    pub fn at(file: &SourceText, offset: usize, message: impl Into<String>) -> Self {
        let (line, column) = file.line_col(offset);
        Diagnostic {
            line: Some(line),
            column: Some(column),
            snippet: file.line_text(line).map(str::to_owned),
            ..Diagnostic::file(file.path.clone(), message)
        }
    }

    /// A problem spanning a byte range of a text file: the caret underlines the part of
    /// the range on its first line.
    pub fn span(file: &SourceText, range: Range<usize>, message: impl Into<String>) -> Self {
        let mut d = Diagnostic::at(file, range.start, message);
        if let (Some(line), Some(col)) = (&d.snippet, d.column) {
            let end = range.end.min(file.text.len()).max(range.start);
            let spanned = file.text.get(range.start..end).unwrap_or("");
            let on_line = spanned.split(['\n', '\r']).next().unwrap_or("");
            let room = line.chars().count().saturating_sub(col - 1);
            d.width = on_line.chars().count().clamp(1, room.max(1));
        }
        d
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn json(
        file: impl Into<String>,
        json_path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            json_path: Some(json_path.into()),
            ..Diagnostic::file(file, message)
        }
    }

    pub fn for_client(mut self, client: &str) -> Self {
        self.client = Some(client.to_owned());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        if let Some(path) = &self.json_path {
            write!(f, " at {path}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The text form of a diagnostic, as cargo and rustc print theirs: the grep-able
/// `error: file:line:column: message` line, then the source line with a caret under the
/// problem and the hint. Styled with ANSI colours; print it through `anstream`, which
/// strips them when the stream is not a terminal, `NO_COLOR` is set or `--color never`.
pub fn render(d: &Diagnostic) -> String {
    use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
    let title = printable(&d.to_string());
    let mut report = Vec::new();
    let mut group = Group::with_title(Level::ERROR.primary_title(title.as_str()));
    let snippet = d.snippet.as_deref().map(printable);
    if let (Some(line), Some(snippet), Some(col)) = (d.line, &snippet, d.column) {
        let start: usize = snippet
            .chars()
            .take(col.saturating_sub(1))
            .map(char::len_utf8)
            .sum();
        let len: usize = snippet[start..]
            .chars()
            .take(d.width.max(1))
            .map(char::len_utf8)
            .sum();
        group = group.element(
            Snippet::source(snippet.as_str())
                .line_start(line)
                .annotation(AnnotationKind::Primary.span(start..start + len)),
        );
    }
    report.push(group);
    if let Some(hint) = &d.hint {
        report.push(Group::with_title(
            Level::HELP.secondary_title(hint.as_str()),
        ));
    }
    let mut out = Renderer::styled().render(&report);
    out.push('\n');
    out
}

/// Input text made safe for a terminal: control characters (an escape sequence in a
/// policy file) become U+FFFD, one for one, so columns still line up.
fn printable(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

/// The candidate nearest to a misspelt word, when it is near enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// A text file kept in memory with its repository-relative path, for locating offsets.
#[derive(Debug, Clone)]
pub struct SourceText {
    pub path: String,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceText {
    pub fn new(path: impl Into<String>, text: String) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceText {
            path: path.into(),
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        (line, column)
    }

    pub fn line_text(&self, line: usize) -> Option<&str> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = self.line_starts.get(line).map_or(self.text.len(), |&e| e);
        Some(self.text[start..end].trim_end_matches(['\n', '\r']))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one_and_in_characters() {
        let src = SourceText::new("a.toml", "x = 1\nnäme = 2\n".to_owned());
        assert_eq!(src.line_col(0), (1, 1));
        assert_eq!(src.line_col(6), (2, 1));
        let after_umlaut = src.text.find("me").unwrap();
        assert_eq!(src.line_col(after_umlaut), (2, 3));
        assert_eq!(src.line_text(2), Some("näme = 2"));
    }

    fn plain(d: &Diagnostic) -> String {
        anstream::adapter::strip_str(&render(d)).to_string()
    }

    #[test]
    fn render_puts_a_caret_under_the_span_and_the_hint_below() {
        let src = SourceText::new(
            "clients/a/client.toml",
            "name = \"A\"\ntenantid = \"x\"\n".to_owned(),
        );
        let at = src.text.find("tenantid").unwrap();
        let d = Diagnostic::span(&src, at..at + 8, "unknown key `tenantid`")
            .with_hint("did you mean `tenant_id`?");
        let out = plain(&d);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "error: clients/a/client.toml:2:1: unknown key `tenantid`"
        );
        let code = lines
            .iter()
            .position(|l| l.ends_with("tenantid = \"x\""))
            .unwrap();
        assert!(lines[code].trim_start().starts_with("2 |"), "{out}");
        let caret = lines[code + 1];
        let col = caret.find('^').unwrap();
        assert_eq!(col, lines[code].find("tenantid").unwrap(), "{out}");
        assert_eq!(caret[col..].trim_end(), "^^^^^^^^", "{out}");
        assert!(out.contains("help: did you mean `tenant_id`?"), "{out}");
    }

    #[test]
    fn render_counts_columns_in_characters_and_keeps_file_only_errors_to_one_line() {
        let src = SourceText::new("a.toml", "näme = 2\n".to_owned());
        let at = src.text.find('=').unwrap();
        let out = plain(&Diagnostic::span(&src, at..at + 1, "bad"));
        let code = out.lines().find(|l| l.contains("näme")).unwrap();
        let caret = out.lines().find(|l| l.contains('^')).unwrap();
        assert_eq!(
            caret.chars().position(|c| c == '^'),
            code.chars().position(|c| c == '=')
        );
        let whole = plain(&Diagnostic::file("clients/a/raci.toml", "cannot read"));
        assert_eq!(whole.trim_end(), "error: clients/a/raci.toml: cannot read");
    }

    #[test]
    fn render_is_coloured_only_as_ansi_that_anstream_can_strip() {
        let d = Diagnostic::file("a.toml", "bad");
        assert!(render(&d).contains("\x1b["));
        assert!(!plain(&d).contains('\x1b'));
    }

    #[test]
    fn render_never_passes_escape_sequences_from_input_to_the_terminal() {
        let src = SourceText::new("a.toml", "k\u{1b}]0;pwned\u{7} = 1\n".to_owned());
        let d = Diagnostic::span(&src, 0..1, "unknown key `k\u{1b}[2J`");
        let out = render(&d);
        let stripped = anstream::adapter::strip_str(&out).to_string();
        assert!(
            !stripped.contains('\u{1b}') && !stripped.contains('\u{7}'),
            "{out:?}"
        );
        assert!(
            stripped.contains("k\u{fffd}]0;pwned\u{fffd} = 1"),
            "{stripped}"
        );
    }

    #[test]
    fn did_you_mean_picks_a_close_candidate_only() {
        assert_eq!(
            did_you_mean("tenantid", ["name", "tenant_id"]),
            Some("tenant_id")
        );
        assert_eq!(did_you_mean("zzz", ["name", "tenant_id"]), None);
    }

    #[test]
    fn display_names_file_line_and_column() {
        let src = SourceText::new("clients/a/raci.toml", "a\nbad\n".to_owned());
        let d = Diagnostic::at(&src, 2, "unknown key");
        assert_eq!(d.to_string(), "clients/a/raci.toml:2:1: unknown key");
    }
}
