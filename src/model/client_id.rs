//! Client ids become path components, so they are validated slugs, never raw strings.

use serde::Serialize;
use std::fmt;

/// A client id: `[a-z0-9-]`, 1 to 63 characters, no leading or trailing `-`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ClientId(String);

/// A string that is not a client id (kept, to be named in the message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIdError {
    pub input: String,
}

impl fmt::Display for ClientIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid client id {:?}: expected 1-63 characters of a-z, 0-9 and '-', not starting or ending with '-'",
            self.input
        )
    }
}

impl std::error::Error for ClientIdError {}

impl ClientId {
    pub fn parse(s: &str) -> Result<Self, ClientIdError> {
        let ok_chars = s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if s.is_empty() || s.len() > 63 || !ok_chars || s.starts_with('-') || s.ends_with('-') {
            return Err(ClientIdError {
                input: s.to_owned(),
            });
        }
        Ok(ClientId(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::ClientId;

    #[test]
    fn accepts_slugs() {
        for ok in ["a", "northwind", "client-42", "9x"] {
            assert!(ClientId::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_anything_that_could_escape_a_path() {
        for bad in [
            "",
            "..",
            "../x",
            "a/b",
            "A",
            "a b",
            "-a",
            "a-",
            "ä",
            "a\\b",
            ".hidden",
            &"x".repeat(64),
        ] {
            assert!(ClientId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
