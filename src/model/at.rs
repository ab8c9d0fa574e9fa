//! Where a policy value came from: a repository-relative file, line and column.

use crate::diagnostic::SourceText;

/// A value with the repository-relative file and 1-based line/column it came from.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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
