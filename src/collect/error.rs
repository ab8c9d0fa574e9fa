//! What can go wrong collecting, as values: the command-line values (`--shard`,
//! `--tenant-timeout`), the Graph session, one request and its pages, writing the new
//! month, and one client's run as a whole. Each variant names the file, folder or URL
//! involved and carries the source error; the text is the message custody has always
//! printed. What a server sent reaches a user only through [`Redacted`].

use super::auth::{Redactor, TokenError};
use super::guard::GuardError;
use super::http::RequestError;
use super::restore_points::RestorePointsError;
use super::validate::GroupPrincipalError;
use super::veeam::VeeamError;
use crate::diagnostic::Diagnostic;
use reqwest::Url;
use std::fmt;
use std::path::PathBuf;

/// A `--tenant-timeout` (or `--since`) that is not a time limit: the value as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeoutError(pub String);

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid time limit {:?}: expected seconds or a number with s, m or h, e.g. 90s, 30m, 2h",
            self.0
        )
    }
}

impl std::error::Error for TimeoutError {}

/// A `--shard` that is not `I/N` with `1 <= I <= N`: the value as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardError(pub String);

impl fmt::Display for ShardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid shard {:?}: expected I/N with 1 <= I <= N, e.g. 2/4",
            self.0
        )
    }
}

impl std::error::Error for ShardError {}

/// Why no Graph session could be opened: nothing is collected. Clone, since every
/// client of the run fails with it.
#[derive(Debug, Clone)]
pub enum SessionError {
    /// The HTTP client cannot be built (TLS backend), as the transport describes it.
    Client(String),
    /// `--graph-url` (`shown` quoted, or a note that it is not shown) cannot be used.
    GraphUrl {
        shown: String,
        problem: GraphUrlProblem,
    },
}

/// What is wrong with `--graph-url`.
#[derive(Debug, Clone)]
pub enum GraphUrlProblem {
    Parse(<Url as std::str::FromStr>::Err),
    /// No host, or a user name or password in it.
    NotAnOrigin,
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::Client(reason) => {
                write!(f, "cannot create the HTTP client: {reason}")
            }
            SessionError::GraphUrl { shown, problem } => match problem {
                GraphUrlProblem::Parse(e) => write!(f, "--graph-url {shown}: {e}"),
                GraphUrlProblem::NotAnOrigin => write!(
                    f,
                    "--graph-url {shown}: expected http(s)://host[:port] without credentials"
                ),
            },
        }
    }
}

impl std::error::Error for SessionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SessionError::GraphUrl {
                problem: GraphUrlProblem::Parse(e),
                ..
            } => Some(e),
            _ => None,
        }
    }
}

/// Why an `@odata.nextLink` is not followed: the bearer token goes with every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextLinkError {
    NotAbsolute,
    /// Another origin than Graph's: `found` as the server sent it, cleaned.
    OffOrigin {
        found: String,
        graph: String,
    },
    Credentials,
}

impl fmt::Display for NextLinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NextLinkError::NotAbsolute => {
                f.write_str("@odata.nextLink is not an absolute URL; not followed")
            }
            NextLinkError::OffOrigin { found, graph } => write!(
                f,
                "@odata.nextLink points to {found}, not the Graph origin {graph}; not followed (the access token is sent only to the Graph origin)"
            ),
            NextLinkError::Credentials => {
                f.write_str("@odata.nextLink carries a user name or password; not followed")
            }
        }
    }
}

impl std::error::Error for NextLinkError {}

/// Why one Graph request (with its pages) gave no data. The server's own words (an error
/// code and message, what a 2xx body said instead of data) are scrubbed of every secret
/// of the run when the variant is made.
#[derive(Debug)]
pub enum FetchError {
    /// Graph answered with an error status (after retries).
    Http {
        status: u16,
        code: String,
        message: String,
    },
    /// No response could be read (transport, size limit, time limit).
    Request(RequestError),
    /// No access token for the tenant.
    Token(TokenError),
    /// A 3xx, never followed.
    Redirect {
        status: u16,
    },
    InvalidJson {
        status: u16,
        source: serde_json::Error,
    },
    /// A 2xx body that is not data (`what` it is, scrubbed).
    NotData {
        status: u16,
        what: String,
    },
    /// The first response (`first`) or a further page is not a JSON object.
    NotAnObject {
        first: bool,
    },
    /// The first response (`first`) or a further page has no `value` array.
    NoValueArray {
        first: bool,
    },
    /// Another request of the tenant failed, or the run is stopping.
    Cancelled,
    /// More pages than collect follows.
    TooManyPages {
        max: u32,
    },
    NextLink(NextLinkError),
    /// A `nextLink` to a page already fetched, after `pages` pages.
    Loop {
        pages: u32,
    },
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = |first: &bool| if *first { "response" } else { "page" };
        match self {
            FetchError::Http {
                status,
                code,
                message,
            } => write!(f, "HTTP {status} {code}: {message}"),
            FetchError::Request(e) => e.fmt(f),
            FetchError::Token(e) => e.fmt(f),
            FetchError::Redirect { status } => write!(
                f,
                "HTTP {status} redirect refused: custody follows no redirects, so the access token is sent only to the Graph origin"
            ),
            FetchError::InvalidJson { status, source } => {
                write!(f, "HTTP {status} with invalid JSON: {source}")
            }
            FetchError::NotData { status, what } => {
                write!(f, "HTTP {status} with {what}, not data")
            }
            FetchError::NotAnObject { first } => write!(f, "{} is not a JSON object", what(first)),
            FetchError::NoValueArray { first } => {
                write!(f, "{} has no \"value\" array", what(first))
            }
            FetchError::Cancelled => f.write_str("cancelled"),
            FetchError::TooManyPages { max } => write!(f, "more than {max} pages; stopped"),
            FetchError::NextLink(e) => e.fmt(f),
            FetchError::Loop { pages } => write!(
                f,
                "@odata.nextLink loop: page {pages} links to a page already fetched; stopped"
            ),
        }
    }
}

impl std::error::Error for FetchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FetchError::Request(e) => Some(e),
            FetchError::Token(e) => Some(e),
            FetchError::InvalidJson { source, .. } => Some(source),
            FetchError::NextLink(e) => Some(e),
            _ => None,
        }
    }
}

impl From<RequestError> for FetchError {
    fn from(e: RequestError) -> Self {
        FetchError::Request(e)
    }
}

impl From<TokenError> for FetchError {
    fn from(e: TokenError) -> Self {
        FetchError::Token(e)
    }
}

/// Why a file of the new month was not written into the partial folder.
#[derive(Debug)]
pub enum WriteError {
    /// Ctrl-C or SIGTERM: the partial folder is being removed.
    Interrupted,
    CreateFolder {
        path: PathBuf,
        source: std::io::Error,
    },
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    Compress(std::io::Error),
    /// The bytes hold the credential or a token of this run (`file` is month-relative).
    HoldsSecret {
        file: String,
    },
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Interrupted => f.write_str("interrupted"),
            WriteError::CreateFolder { path, source } => {
                write!(f, "cannot create {}: {source}", path.display())
            }
            WriteError::Write { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
            WriteError::Compress(e) => write!(f, "cannot compress: {e}"),
            WriteError::HoldsSecret { file } => write!(
                f,
                "{file} would contain the credential or an access token sent with the requests (a server echoing requests?); not stored"
            ),
        }
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WriteError::CreateFolder { source, .. } | WriteError::Write { source, .. } => {
                Some(source)
            }
            WriteError::Compress(e) => Some(e),
            _ => None,
        }
    }
}

// The Veeam stage (veeam.rs) still holds a failed write as text; it gets it here until
// its error holds a `WriteError`.
impl From<WriteError> for String {
    fn from(e: WriteError) -> String {
        e.to_string()
    }
}

/// Why one endpoint (or a group's members) has no file, beyond a refusal the manifest
/// records.
#[derive(Debug)]
pub enum EndpointError {
    Fetch(FetchError),
    Serialize(serde_json::Error),
    /// The body does not load as `check` would read it: the first problem, with the file
    /// and JSON path.
    NotEvidence(Diagnostic),
    Write(WriteError),
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointError::Fetch(e) => e.fmt(f),
            EndpointError::Serialize(e) => e.fmt(f),
            EndpointError::NotEvidence(d) => {
                write!(f, "the response does not load as evidence: {d}")
            }
            EndpointError::Write(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for EndpointError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EndpointError::Fetch(e) => Some(e),
            EndpointError::Serialize(e) => Some(e),
            EndpointError::Write(e) => Some(e),
            EndpointError::NotEvidence(_) => None,
        }
    }
}

/// Why one client's month was not collected (the previous month, if any, is untouched).
#[derive(Debug)]
pub enum CollectError {
    /// No Graph session: no client of the run is collected.
    Session(SessionError),
    /// The client's policy does not load: every problem.
    Policy(Vec<Diagnostic>),
    NoTenantId,
    /// A linked folder on the way, the month's lock, or a special file in the month.
    Guard(GuardError),
    CreateFolder {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A `.<month>.old-*` or `.partial-*` entry that is not a folder custody left.
    LeftBehind {
        path: PathBuf,
    },
    /// A month set aside by an interrupted swap cannot be put back.
    Restore {
        path: PathBuf,
        source: std::io::Error,
    },
    RemoveStale {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The first endpoint (`file`) that failed; the others were cancelled.
    Endpoint {
        file: String,
        source: EndpointError,
    },
    Groups(GroupPrincipalError),
    RestorePoints(RestorePointsError),
    Veeam(VeeamError),
    /// The month's earlier folder cannot be walked to carry its other files over.
    WalkPrevious {
        path: PathBuf,
        source: walkdir::Error,
    },
    ReadPrevious {
        path: PathBuf,
        source: std::io::Error,
    },
    Manifest(serde_json::Error),
    Write(WriteError),
    /// Ctrl-C or SIGTERM before the new month was swapped in.
    Interrupted,
    SetAside {
        month: String,
        source: std::io::Error,
    },
    MoveIntoPlace {
        month: String,
        source: std::io::Error,
    },
    /// `source` failed the run, and `month`'s existing folder was kept as it was.
    MonthKept {
        month: String,
        source: Box<CollectError>,
    },
}

impl fmt::Display for CollectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CollectError::Session(e) => e.fmt(f),
            CollectError::Policy(diags) => {
                f.write_str("policy does not load: ")?;
                for (i, d) in diags.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{d}")?;
                }
                Ok(())
            }
            CollectError::NoTenantId => f.write_str("client.toml has no tenant_id"),
            CollectError::Guard(e) => e.fmt(f),
            CollectError::CreateFolder { path, source } => {
                write!(f, "cannot create {}: {source}", path.display())
            }
            CollectError::LeftBehind { path } => write!(
                f,
                "{} is not a folder custody left behind (a link or a file under that name); remove it",
                path.display()
            ),
            CollectError::Restore { path, source } => {
                write!(f, "cannot restore {}: {source}", path.display())
            }
            CollectError::RemoveStale { path, source } => {
                write!(f, "cannot remove stale {}: {source}", path.display())
            }
            CollectError::Endpoint { file, source } => {
                write!(f, "collection failed at {file}: {source}")
            }
            CollectError::Groups(e) => e.fmt(f),
            CollectError::RestorePoints(e) => e.fmt(f),
            CollectError::Veeam(e) => e.fmt(f),
            CollectError::WalkPrevious { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            CollectError::ReadPrevious { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            CollectError::Manifest(e) => e.fmt(f),
            CollectError::Write(e) => e.fmt(f),
            CollectError::Interrupted => f.write_str("interrupted"),
            CollectError::SetAside { month, source } => {
                write!(f, "cannot set the old {month} aside: {source}")
            }
            CollectError::MoveIntoPlace { month, source } => {
                write!(f, "cannot move the new {month} into place: {source}")
            }
            CollectError::MonthKept { month, source } => {
                write!(f, "{source}; the existing {month} folder was kept")
            }
        }
    }
}

impl std::error::Error for CollectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CollectError::Session(e) => Some(e),
            CollectError::Guard(e) => Some(e),
            CollectError::CreateFolder { source, .. }
            | CollectError::Restore { source, .. }
            | CollectError::RemoveStale { source, .. }
            | CollectError::ReadPrevious { source, .. }
            | CollectError::SetAside { source, .. }
            | CollectError::MoveIntoPlace { source, .. } => Some(source),
            CollectError::Endpoint { source, .. } => Some(source),
            CollectError::Groups(e) => Some(e),
            CollectError::RestorePoints(e) => Some(e),
            CollectError::Veeam(e) => Some(e),
            CollectError::WalkPrevious { source, .. } => Some(source),
            CollectError::Manifest(e) => Some(e),
            CollectError::Write(e) => Some(e),
            CollectError::MonthKept { source, .. } => Some(source.as_ref()),
            CollectError::Policy(_)
            | CollectError::NoTenantId
            | CollectError::LeftBehind { .. }
            | CollectError::Interrupted => None,
        }
    }
}

impl From<GuardError> for CollectError {
    fn from(e: GuardError) -> Self {
        CollectError::Guard(e)
    }
}

impl From<WriteError> for CollectError {
    fn from(e: WriteError) -> Self {
        CollectError::Write(e)
    }
}

/// An error as it may leave collect: its text with every secret the run held when it
/// was made scrubbed out, fixed then. A server may echo the request into anything it
/// sends (an error, a page that fails to load, an id, a link), so nothing that prints,
/// logs or stores a failure can skip the scrub. The typed error stays, to tell what
/// failed; its own text is not scrubbed, so it is never the thing shown, and it is not
/// offered as [`std::error::Error::source`] nor shown by `Debug`.
pub struct Redacted<E> {
    error: E,
    text: String,
}

impl<E: fmt::Display> Redacted<E> {
    pub fn new(error: E, redactor: &Redactor) -> Self {
        let text = redactor.redact(&error.to_string());
        Redacted { error, text }
    }

    /// What failed, to tell cases apart; show the `Redacted` itself, never this.
    pub fn error(&self) -> &E {
        &self.error
    }
}

impl<E> fmt::Display for Redacted<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl<E> fmt::Debug for Redacted<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Redacted").field(&self.text).finish()
    }
}

impl<E> std::error::Error for Redacted<E> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::auth::Secret;
    use std::error::Error as _;

    const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOi.secret-token-value";

    fn redactor() -> Redactor {
        let r = Redactor::default();
        r.add(&Secret::new(TOKEN));
        r
    }

    /// A failure whose text carries what a server echoed: a page that does not load
    /// quotes the offending value, which may be the request's own token.
    fn echoed() -> CollectError {
        let d = crate::evidence::parse_json::<crate::evidence::graph::Collection<u32>>(
            "graph/users.json",
            format!(r#"{{"value":["{TOKEN}"]}}"#).as_bytes(),
        )
        .expect_err("a string is not a number");
        CollectError::Endpoint {
            file: "graph/users.json".into(),
            source: EndpointError::NotEvidence(d),
        }
    }

    #[test]
    fn a_client_failure_never_shows_a_secret_a_server_echoed() {
        let e = echoed();
        assert!(
            e.to_string().contains(TOKEN),
            "the test needs the token in the raw text: {e}"
        );
        let shown = Redacted::new(e, &redactor());
        let text = shown.to_string();
        assert!(!text.contains(TOKEN), "{text}");
        assert!(
            text.starts_with("collection failed at graph/users.json: the response does not load as evidence: graph/users.json")
                && text.contains("<redacted>"),
            "{text}"
        );
        let debug = format!("{shown:?}");
        assert!(!debug.contains(TOKEN), "{debug}");
        // The unscrubbed chain is not reachable through the error itself.
        assert!(shown.source().is_none());
        assert!(matches!(
            shown.error(),
            CollectError::Endpoint {
                source: EndpointError::NotEvidence(_),
                ..
            }
        ));
    }

    #[test]
    fn a_kept_month_is_said_after_the_failure_and_chains_to_it() {
        let e = CollectError::MonthKept {
            month: "2026-11".into(),
            source: Box::new(CollectError::NoTenantId),
        };
        assert_eq!(
            e.to_string(),
            "client.toml has no tenant_id; the existing 2026-11 folder was kept"
        );
        assert_eq!(
            e.source().map(|s| s.to_string()).as_deref(),
            Some("client.toml has no tenant_id")
        );
    }

    /// The texts custody has always printed for a failed request and its pages.
    #[test]
    fn fetch_errors_read_as_before() {
        let cases: Vec<(FetchError, &str)> = vec![
            (
                FetchError::Http {
                    status: 500,
                    code: "InternalServerError".into(),
                    message: "boom".into(),
                },
                "HTTP 500 InternalServerError: boom",
            ),
            (
                FetchError::Redirect { status: 302 },
                "HTTP 302 redirect refused: custody follows no redirects, so the access token is sent only to the Graph origin",
            ),
            (
                FetchError::NotData {
                    status: 200,
                    what: "a null body".into(),
                },
                "HTTP 200 with a null body, not data",
            ),
            (
                FetchError::NotAnObject { first: true },
                "response is not a JSON object",
            ),
            (
                FetchError::NotAnObject { first: false },
                "page is not a JSON object",
            ),
            (
                FetchError::NoValueArray { first: true },
                "response has no \"value\" array",
            ),
            (
                FetchError::NoValueArray { first: false },
                "page has no \"value\" array",
            ),
            (FetchError::Cancelled, "cancelled"),
            (
                FetchError::TooManyPages { max: 10_000 },
                "more than 10000 pages; stopped",
            ),
            (
                FetchError::Loop { pages: 3 },
                "@odata.nextLink loop: page 3 links to a page already fetched; stopped",
            ),
            (
                FetchError::NextLink(NextLinkError::OffOrigin {
                    found: "https://evil.example:443".into(),
                    graph: "https://graph.microsoft.com:443".into(),
                }),
                "@odata.nextLink points to https://evil.example:443, not the Graph origin https://graph.microsoft.com:443; not followed (the access token is sent only to the Graph origin)",
            ),
            (
                FetchError::Request(RequestError::OutOfTime {
                    label: "graph/users.json".into(),
                    last: Some("HTTP 429".into()),
                }),
                "graph/users.json: stopped: the time limit for this tenant ran out (--tenant-timeout) (HTTP 429)",
            ),
        ];
        for (e, want) in cases {
            assert_eq!(e.to_string(), want);
        }
        let bad_json = serde_json::from_slice::<serde_json::Value>(b"{").unwrap_err();
        let e = FetchError::InvalidJson {
            status: 200,
            source: bad_json,
        };
        assert!(
            e.to_string().starts_with("HTTP 200 with invalid JSON: EOF"),
            "{e}"
        );
        assert!(e.source().is_some());
    }

    #[test]
    fn write_errors_name_the_path_and_keep_the_io_error() {
        let e = WriteError::Write {
            path: PathBuf::from("evidence/a/.2026-11.partial-1/graph/users.json"),
            source: std::io::Error::new(std::io::ErrorKind::StorageFull, "disk full"),
        };
        assert_eq!(
            e.to_string(),
            "cannot write evidence/a/.2026-11.partial-1/graph/users.json: disk full"
        );
        assert_eq!(
            e.source().map(|s| s.to_string()).as_deref(),
            Some("disk full")
        );
        assert_eq!(
            WriteError::HoldsSecret {
                file: "manifest.json".into()
            }
            .to_string(),
            "manifest.json would contain the credential or an access token sent with the requests (a server echoing requests?); not stored"
        );
    }

    #[test]
    fn a_graph_url_with_credentials_is_refused_without_echoing_it() {
        let e = SessionError::GraphUrl {
            shown: "(not shown: it holds an '@', which may carry credentials)".into(),
            problem: GraphUrlProblem::NotAnOrigin,
        };
        assert_eq!(
            e.to_string(),
            "--graph-url (not shown: it holds an '@', which may carry credentials): expected http(s)://host[:port] without credentials"
        );
        let parse = "not a url".parse::<Url>().unwrap_err();
        let e = SessionError::GraphUrl {
            shown: "\"not a url\"".into(),
            problem: GraphUrlProblem::Parse(parse),
        };
        assert_eq!(
            e.to_string(),
            "--graph-url \"not a url\": relative URL without a base"
        );
        assert!(e.source().is_some());
    }
}
