//! Input problems as values: every one names the file and the line and column (TOML)
//! or the JSON path (Graph JSON), so a run can gather them all and report them together.

use serde::Serialize;
use std::fmt;

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
    /// The offending source line, for text output.
    #[serde(skip)]
    pub snippet: Option<String>,
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
            snippet: None,
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

    #[test]
    fn display_names_file_line_and_column() {
        let src = SourceText::new("clients/a/raci.toml", "a\nbad\n".to_owned());
        let d = Diagnostic::at(&src, 2, "unknown key");
        assert_eq!(d.to_string(), "clients/a/raci.toml:2:1: unknown key");
    }
}
