//! What stops a build once the output folder was accepted: writing the staged site,
//! rendering a template, packing a month. Each variant names the file or folder and
//! carries the source error; [`SiteError::into_diagnostic`] is the one place that turns
//! one into the build's diagnostic, with the code of what failed.

use super::templates::TemplateError;
use crate::diagnostic::{Code, Diagnostic};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub enum SiteError {
    /// A site path that is not a plain relative path (it would leave the site).
    Outside {
        rel: String,
    },
    /// A folder cannot be created.
    Create {
        path: PathBuf,
        source: io::Error,
    },
    /// A leftover staging folder that custody did not write is in the way.
    InTheWay {
        staging: PathBuf,
    },
    /// A leftover staging folder cannot be removed.
    Clear {
        path: PathBuf,
        source: io::Error,
    },
    /// A site file (`rel`, site-relative) cannot be written.
    Write {
        rel: String,
        source: io::Error,
    },
    /// A file of the previous site cannot be copied into the new one.
    Copy {
        rel: String,
        source: io::Error,
    },
    /// The output folder was replaced by a link while the site was built.
    BecameLink {
        out: PathBuf,
    },
    MoveAside(io::Error),
    MoveIntoPlace(io::Error),
    Template(TemplateError),
    Pack(crate::pack::PackError),
    /// An evaluated evidence file (`label`, repository-relative) is gone or unreadable.
    Evidence {
        label: String,
        source: io::Error,
    },
    Client(crate::client_id::ClientIdError),
}

impl fmt::Display for SiteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SiteError::Outside { rel } => write!(f, "refusing to write outside the site: {rel:?}"),
            SiteError::Create { path, source } => {
                write!(f, "cannot create {}: {source}", path.display())
            }
            SiteError::InTheWay { staging } => write!(
                f,
                "{} is in the way of the staging folder and was not written by custody: \
                 move it away",
                staging.display()
            ),
            SiteError::Clear { path, source } => {
                write!(f, "cannot clear {}: {source}", path.display())
            }
            SiteError::Write { rel, source } => write!(f, "cannot write {rel}: {source}"),
            SiteError::Copy { rel, source } => write!(f, "cannot copy {rel}: {source}"),
            SiteError::BecameLink { out } => write!(
                f,
                "{} became a symbolic link during the build: not replaced",
                out.display()
            ),
            SiteError::MoveAside(e) => write!(f, "cannot move the previous site aside: {e}"),
            SiteError::MoveIntoPlace(e) => write!(f, "cannot move the new site into place: {e}"),
            SiteError::Template(e) => e.fmt(f),
            SiteError::Pack(e) => e.fmt(f),
            SiteError::Evidence { label, source } => write!(f, "{label}: {source}"),
            SiteError::Client(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SiteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SiteError::Create { source, .. }
            | SiteError::Clear { source, .. }
            | SiteError::Write { source, .. }
            | SiteError::Copy { source, .. }
            | SiteError::Evidence { source, .. } => Some(source),
            SiteError::MoveAside(e) | SiteError::MoveIntoPlace(e) => Some(e),
            SiteError::Template(e) => Some(e),
            SiteError::Pack(e) => Some(e),
            SiteError::Client(e) => Some(e),
            SiteError::Outside { .. }
            | SiteError::InTheWay { .. }
            | SiteError::BecameLink { .. } => None,
        }
    }
}

impl From<TemplateError> for SiteError {
    fn from(e: TemplateError) -> Self {
        SiteError::Template(e)
    }
}

impl From<crate::pack::PackError> for SiteError {
    fn from(e: crate::pack::PackError) -> Self {
        SiteError::Pack(e)
    }
}

impl SiteError {
    /// What failed: the output folder, a template, or an input the build read.
    pub fn code(&self) -> Code {
        match self {
            SiteError::Template(_) => Code::SiteTemplates,
            SiteError::Pack(_) | SiteError::Evidence { .. } | SiteError::Client(_) => Code::Io,
            _ => Code::SiteOutput,
        }
    }

    /// The build's diagnostic: about the output folder `out` as it was given.
    pub fn into_diagnostic(self, out: &Path) -> Diagnostic {
        let code = self.code();
        Diagnostic::file(out.display().to_string(), self.to_string()).with_code(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_error_is_about_the_output_folder_with_the_code_of_what_failed() {
        let out = Path::new("public");
        let write = SiteError::Write {
            rel: "acme/index.html".into(),
            source: io::Error::other("disk full"),
        };
        let d = write.into_diagnostic(out);
        assert_eq!(
            (d.code, d.file.as_str(), d.message.as_str()),
            (
                Code::SiteOutput,
                "public",
                "cannot write acme/index.html: disk full"
            )
        );
        let env = minijinja::Environment::new();
        let missing = env.get_template("nope.html").unwrap_err();
        let d = SiteError::from(TemplateError::Missing(missing)).into_diagnostic(out);
        assert_eq!(d.code, Code::SiteTemplates, "{d}");
        let evidence = SiteError::Evidence {
            label: "evidence/acme/2026-11/graph/users.json".into(),
            source: io::Error::other("gone"),
        };
        assert_eq!(evidence.code(), Code::Io);
        assert_eq!(
            evidence.to_string(),
            "evidence/acme/2026-11/graph/users.json: gone"
        );
    }
}
