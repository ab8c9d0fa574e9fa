//! `collect --veeam-url`: a client's Veeam Backup for Microsoft 365 jobs, their sessions
//! and its restore sessions, fetched from the REST API into `backup/veeam/` beside the
//! Graph snapshot, with the same guards as Graph: no redirects, pages requested by
//! offset on the configured origin only (never a link the server sends), bounded
//! bodies, and the credential and token scrubbed from whatever the server says.
//!
//! One Veeam server holds every client's organizations, so only this client's data is
//! stored: the jobs its backup.toml names in `veeam_jobs` (by name; a name matching
//! two jobs is refused) and the restore sessions of an organization named like one of
//! its domains. Token: `POST /v{n}/Token` with `grant_type=password`
//! (helpcenter.veeam.com/docs/vbo365/rest/authorization.html).

use super::ClientCtx;
use super::auth::Secret;
use super::http::{self, send_with_retry};
use crate::evidence::manifest::EndpointRecord;
use crate::evidence::{sha256_hex, veeam};
use crate::policy::Policy;
use reqwest::Url;
use serde_json::{Map, Value};
use std::fmt;
use std::path::Path;

/// Sessions asked for per page.
const PAGE: usize = 200;
/// Safety bound on pages per collection.
const MAX_PAGES: usize = 5_000;

/// Why the Veeam server cannot be used, or a client's Veeam files not collected. What a
/// server said is in it only after the secrets of the run were scrubbed from it.
#[derive(Debug)]
pub enum VeeamError {
    /// `--veeam-url` without this variable set.
    MissingEnv(&'static str),
    /// `--veeam-ca-file` cannot be read, or holds no certificate that can be trusted.
    CaFile {
        file: String,
        problem: String,
    },
    /// The HTTP client for the Veeam connection cannot be built.
    Client(String),
    Url {
        url: String,
        problem: UrlProblem,
    },
    /// The request failed (transport, retries, time limit), as `send_with_retry` says.
    Request(String),
    /// A non-2xx answer: the file or "Veeam token", the status and the server's text.
    Refused(String),
    TokenNotJson {
        status: u16,
    },
    NoAccessToken {
        status: u16,
    },
    Redirect {
        file: String,
        status: u16,
    },
    InvalidJson {
        file: String,
        status: u16,
        source: serde_json::Error,
    },
    Null {
        file: String,
        status: u16,
    },
    NoResults {
        file: String,
    },
    NotAnObject {
        file: String,
    },
    TooManyPages {
        file: String,
    },
    NotAJobList,
    NoJob {
        name: String,
    },
    SameName {
        name: String,
        count: usize,
    },
    /// A job id that could not be a path segment (as the server sent it, cleaned).
    JobId(String),
    Serialize(serde_json::Error),
    /// The file cannot be stored, as collect's writer says.
    Write(String),
    /// The stored file does not load as evidence: the first problem.
    NotEvidence(crate::diagnostic::Diagnostic),
}

/// What is wrong with `--veeam-url`.
#[derive(Debug)]
pub enum UrlProblem {
    Parse(<Url as std::str::FromStr>::Err),
    Scheme,
    Credentials,
    QueryOrFragment,
    /// Plain http to a host that is not this machine: the password would travel in clear.
    PlainHttp,
}

impl fmt::Display for UrlProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlProblem::Parse(e) => e.fmt(f),
            UrlProblem::Scheme => f.write_str("expected http(s)://host[:port][/v8]"),
            UrlProblem::Credentials => f.write_str(
                "credentials do not belong in the URL: set CUSTODY_VEEAM_USERNAME and CUSTODY_VEEAM_PASSWORD",
            ),
            UrlProblem::QueryOrFragment => f.write_str("expected no query or fragment"),
            UrlProblem::PlainHttp => f.write_str(
                "plain http to a host that is not this machine would send the Veeam password unencrypted: use https (plain http is accepted for loopback stand-ins only)",
            ),
        }
    }
}

impl fmt::Display for VeeamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VeeamError::MissingEnv(k) => write!(f, "--veeam-url needs {k} in the environment"),
            VeeamError::CaFile { file, problem } => write!(f, "--veeam-ca-file {file}: {problem}"),
            VeeamError::Client(e) => write!(f, "cannot create the Veeam HTTP client: {e}"),
            // A URL with an '@' may carry a password: never echoed.
            VeeamError::Url { url, problem } if url.contains('@') => write!(
                f,
                "--veeam-url (not shown: it holds an '@', which may carry credentials): {problem}"
            ),
            VeeamError::Url { url, problem } => write!(f, "--veeam-url {url:?}: {problem}"),
            VeeamError::Request(e) | VeeamError::Refused(e) | VeeamError::Write(e) => {
                f.write_str(e)
            }
            VeeamError::TokenNotJson { status } => {
                write!(f, "Veeam token: HTTP {status} without a JSON body")
            }
            VeeamError::NoAccessToken { status } => {
                write!(f, "Veeam token: HTTP {status} without an access_token")
            }
            VeeamError::Redirect { file, status } => write!(
                f,
                "{file}: HTTP {status} redirect refused: custody follows no redirects, so the token is sent only to the Veeam origin"
            ),
            VeeamError::InvalidJson {
                file,
                status,
                source,
            } => write!(f, "{file}: HTTP {status} with invalid JSON: {source}"),
            VeeamError::Null { file, status } => {
                write!(f, "{file}: HTTP {status} with null, not data")
            }
            VeeamError::NoResults { file } => write!(f, "{file}: a page has no \"results\" array"),
            VeeamError::NotAnObject { file } => write!(f, "{file}: a page is not a JSON object"),
            VeeamError::TooManyPages { file } => {
                write!(f, "{file}: more than {MAX_PAGES} pages; stopped")
            }
            VeeamError::NotAJobList => {
                write!(f, "{}: the response is not a list of jobs", veeam::JOBS)
            }
            VeeamError::NoJob { name } => write!(
                f,
                "the Veeam server lists no job named {name:?} (backup.toml `veeam_jobs`)"
            ),
            VeeamError::SameName { name, count } => write!(
                f,
                "the Veeam server has {count} jobs named {name:?}: rename them so each client's jobs are known by name"
            ),
            VeeamError::JobId(id) => {
                write!(f, "{}: a job's id is not an id: {id}", veeam::JOBS)
            }
            VeeamError::Serialize(e) => e.fmt(f),
            VeeamError::NotEvidence(d) => {
                write!(f, "the Veeam response does not load as evidence: {d}")
            }
        }
    }
}

impl std::error::Error for VeeamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            VeeamError::InvalidJson { source, .. } => Some(source),
            VeeamError::Serialize(e) => Some(e),
            VeeamError::Url {
                problem: UrlProblem::Parse(e),
                ..
            } => Some(e),
            _ => None,
        }
    }
}

// collect's per-client run still carries its errors as text.
impl From<VeeamError> for String {
    fn from(e: VeeamError) -> String {
        e.to_string()
    }
}

/// Largest `--veeam-ca-file` read: a bundle of a few certificates is kilobytes.
const MAX_CA_FILE: u64 = 1024 * 1024;

/// The Veeam server, its credentials (`CUSTODY_VEEAM_USERNAME`, `CUSTODY_VEEAM_PASSWORD`)
/// and the HTTP client for it alone: it may trust a certificate of `--veeam-ca-file`
/// (most installs present a self-signed one), which Graph and the login never do.
#[derive(Debug, Clone)]
pub struct VeeamServer {
    /// `https://host:4443/v8`: origin plus the API version path.
    pub base: Url,
    pub username: Secret,
    pub password: Secret,
    http: reqwest::blocking::Client,
}

/// The Veeam connection's client: like Graph's (no redirects: one would carry the token
/// or re-post the password elsewhere), with the system roots plus `extra`. Certificate
/// verification is never turned off.
fn veeam_client(
    extra: Vec<reqwest::Certificate>,
) -> Result<reqwest::blocking::Client, reqwest::Error> {
    reqwest::blocking::Client::builder()
        .user_agent(concat!("custody/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(std::time::Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .tls_certs_merge(extra)
        .build()
}

/// The certificates of a PEM file (`-----BEGIN CERTIFICATE-----` blocks), read before
/// any request; a file that cannot be read or holds none is an error naming it.
pub fn read_ca_file(path: &Path) -> Result<Vec<reqwest::Certificate>, VeeamError> {
    use std::io::Read;
    let bad = |problem: String| VeeamError::CaFile {
        file: path.display().to_string(),
        problem,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_CA_FILE + 1).read_to_end(&mut bytes))
        .map_err(|e| bad(format!("cannot be read: {e}")))?;
    if bytes.len() as u64 > MAX_CA_FILE {
        return Err(bad(format!(
            "larger than {} KiB: not a certificate bundle",
            MAX_CA_FILE / 1024
        )));
    }
    let certs = reqwest::Certificate::from_pem_bundle(&bytes)
        .map_err(|e| bad(format!("not PEM certificates: {}", http::describe(&e))))?;
    if certs.is_empty() {
        return Err(bad(
            "holds no PEM certificate (a -----BEGIN CERTIFICATE----- block): export the Veeam server's certificate, or the CA that issued it, as PEM".into(),
        ));
    }
    Ok(certs)
}

impl VeeamServer {
    /// `--veeam-url` with the credentials from `CUSTODY_VEEAM_USERNAME` and
    /// `CUSTODY_VEEAM_PASSWORD` (never from the command line, which others can read),
    /// trusting the certificates of `ca_file` (`--veeam-ca-file`) besides the system's.
    pub fn from_env(url: &str, ca_file: Option<&Path>) -> Result<VeeamServer, VeeamError> {
        // The file first: a bad one is reported whatever else is missing.
        let extra = ca_file.map(read_ca_file).transpose()?;
        let var = |k: &'static str| {
            std::env::var(k)
                .ok()
                .filter(|v| !v.is_empty())
                .ok_or(VeeamError::MissingEnv(k))
        };
        let username = Secret::new(var("CUSTODY_VEEAM_USERNAME")?);
        let password = Secret::new(var("CUSTODY_VEEAM_PASSWORD")?);
        let server = VeeamServer::parse(url, username, password)?;
        match (extra, ca_file) {
            (Some(certs), Some(path)) => server.trusting(certs, path),
            _ => Ok(server),
        }
    }

    /// The same server, its connection trusting `certs` (read from `file`) in addition
    /// to the system roots. A certificate that cannot be a trust anchor fails here,
    /// before any request.
    pub fn trusting(
        mut self,
        certs: Vec<reqwest::Certificate>,
        file: &Path,
    ) -> Result<VeeamServer, VeeamError> {
        self.http = veeam_client(certs).map_err(|e| VeeamError::CaFile {
            file: file.display().to_string(),
            problem: format!(
                "not a certificate that can be trusted: {}",
                http::describe(&e)
            ),
        })?;
        Ok(self)
    }

    /// `--veeam-url`: `http(s)://host[:port][/prefix]` with an optional `/v{n}` (default
    /// `/v8`), without credentials, query or fragment.
    pub fn parse(url: &str, username: Secret, password: Secret) -> Result<VeeamServer, VeeamError> {
        let bad = |problem: UrlProblem| VeeamError::Url {
            url: url.to_owned(),
            problem,
        };
        let mut u = Url::parse(url.trim()).map_err(|e| bad(UrlProblem::Parse(e)))?;
        if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
            return Err(bad(UrlProblem::Scheme));
        }
        if !u.username().is_empty() || u.password().is_some() {
            return Err(bad(UrlProblem::Credentials));
        }
        if super::http::check_service_url("--veeam-url", url).is_err_and(|e| e.plain_http) {
            return Err(bad(UrlProblem::PlainHttp));
        }
        if u.query().is_some() || u.fragment().is_some() {
            return Err(bad(UrlProblem::QueryOrFragment));
        }
        // A server behind a reverse proxy may sit under a prefix: the API version is the
        // last segment, `/v8` when the URL names none.
        let path = u.path().trim_matches('/').to_owned();
        let is_version = |seg: &str| {
            seg.len() > 1 && seg.starts_with('v') && seg[1..].bytes().all(|b| b.is_ascii_digit())
        };
        let full = match path.rsplit('/').next() {
            _ if path.is_empty() => "v8".to_owned(),
            Some(last) if is_version(last) => path.clone(),
            _ => format!("{path}/v8"),
        };
        u.set_path(&format!("/{full}"));
        let http = veeam_client(Vec::new()).map_err(|e| VeeamError::Client(http::describe(&e)))?;
        Ok(VeeamServer {
            base: u,
            username,
            password,
            http,
        })
    }

    fn url(&self, rest: &str) -> String {
        format!("{}/{rest}", self.base.as_str().trim_end_matches('/'))
    }

    fn version(&self) -> &str {
        self.base.path().rsplit('/').next().unwrap_or("v8")
    }
}

/// What one client needs from the server: the job names of its in-scope workloads and
/// the domains that name its organization.
pub struct Plan {
    pub job_names: Vec<String>,
    pub domains: Vec<String>,
}

impl Plan {
    /// `None` when no in-scope workload names Veeam jobs.
    pub fn of(policy: &Policy) -> Option<Plan> {
        let mut job_names: Vec<String> = policy
            .backup
            .workloads
            .values()
            .filter(|w| w.in_scope)
            .filter_map(|w| w.veeam_jobs.clone())
            .flatten()
            .collect();
        job_names.sort();
        job_names.dedup();
        (!job_names.is_empty()).then(|| Plan {
            job_names,
            domains: policy.client.domains.clone(),
        })
    }
}

impl ClientCtx<'_> {
    /// Fetches the three Veeam files into `partial`, each read back with the loader's
    /// types before it counts; returns their manifest records.
    pub(super) fn collect_veeam(
        &self,
        server: &VeeamServer,
        plan: &Plan,
        partial: &Path,
        partial_rel: &str,
    ) -> Result<Vec<EndpointRecord>, VeeamError> {
        let token = self.veeam_token(server)?;
        let v = server.version();

        let (jobs, _) = self.veeam_get(server, &token, "Jobs", veeam::JOBS)?;
        let all_jobs = match jobs {
            Value::Array(a) => a,
            Value::Object(mut page) => match page.remove("results") {
                Some(Value::Array(a)) => a,
                _ => return Err(VeeamError::NotAJobList),
            },
            _ => return Err(VeeamError::NotAJobList),
        };
        let mut mine = Vec::new();
        for name in &plan.job_names {
            let matching: Vec<&Value> = all_jobs
                .iter()
                .filter(|j| j["name"].as_str().map(str::trim) == Some(name.as_str()))
                .collect();
            match matching.as_slice() {
                [] => return Err(VeeamError::NoJob { name: name.clone() }),
                [one] => mine.push((*one).clone()),
                _ => {
                    return Err(VeeamError::SameName {
                        name: name.clone(),
                        count: matching.len(),
                    });
                }
            }
        }
        let mut sessions = Vec::new();
        let mut session_pages = 0;
        for job in &mine {
            let id = job["id"].as_str().unwrap_or_default();
            // The id becomes a path segment: only what a Veeam id can hold.
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return Err(VeeamError::JobId(http::server_text(id)));
            }
            let (items, pages) = self.veeam_pages(
                server,
                &token,
                &format!("Jobs/{id}/JobSessions"),
                veeam::JOB_SESSIONS,
            )?;
            session_pages += pages;
            sessions.extend(items);
        }
        let (restores, restore_pages) =
            self.veeam_pages(server, &token, "RestoreSessions", veeam::RESTORE_SESSIONS)?;
        let own_org = |s: &Value| {
            s["organization"].as_str().is_some_and(|o| {
                plan.domains
                    .iter()
                    .any(|d| d.trim().eq_ignore_ascii_case(o.trim()))
            })
        };
        let restores: Vec<Value> = restores.into_iter().filter(own_org).collect();

        let files = [
            (veeam::JOBS, format!("GET /{v}/Jobs"), Value::Array(mine), 1),
            (
                veeam::JOB_SESSIONS,
                format!("GET /{v}/Jobs/{{id}}/JobSessions"),
                merged(&format!("/{v}/JobSessions"), sessions),
                session_pages,
            ),
            (
                veeam::RESTORE_SESSIONS,
                format!("GET /{v}/RestoreSessions"),
                merged(&format!("/{v}/RestoreSessions"), restores),
                restore_pages,
            ),
        ];
        let mut records = Vec::new();
        for (file, request, body, pages) in files {
            let items = match &body {
                Value::Array(a) => a.len(),
                v => v["results"].as_array().map_or(0, Vec::len),
            } as u64;
            let mut bytes = serde_json::to_vec_pretty(&body).map_err(VeeamError::Serialize)?;
            bytes.push(b'\n');
            self.write_checked(&partial.join(file), file, &bytes)
                .map_err(VeeamError::Write)?;
            records.push(EndpointRecord {
                file: file.to_owned(),
                request: Some(request),
                status: Some(200),
                pages: Some(pages as u32),
                items: Some(items),
                sha256: Some(sha256_hex(&bytes)),
                missing: None,
                reason: None,
                note: None,
            });
        }
        // Read back as check will: a file it would refuse never replaces a good month.
        let mut diags = Vec::new();
        veeam::load_jobs(partial, partial_rel, &mut diags);
        veeam::load_restores(partial, partial_rel, &mut diags);
        if let Some(d) = diags.into_iter().next() {
            return Err(VeeamError::NotEvidence(d));
        }
        Ok(records)
    }

    /// `POST /v{n}/Token` with the password grant; the token joins the redactor.
    fn veeam_token(&self, server: &VeeamServer) -> Result<Secret, VeeamError> {
        let redactor = self.tokens.redactor();
        redactor.add(&server.username);
        redactor.add(&server.password);
        let url = server.url("Token");
        let log = |m: &str| self.log(m);
        let form = super::auth::form_encode(&[
            ("grant_type", "password".to_owned()),
            ("username", server.username.expose().to_owned()),
            ("password", server.password.expose().to_owned()),
        ]);
        let (status, body) =
            send_with_retry(&self.opts.retry, "Veeam token", self.deadline, &log, || {
                Ok(server
                    .http
                    .post(&url)
                    .header("accept", "application/json")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(form.clone()))
            })
            .map_err(VeeamError::Request)?;
        if !(200..300).contains(&status) {
            return Err(VeeamError::Refused(redactor.redact(&format!(
                "Veeam token: HTTP {status}: {}",
                http::server_text(&String::from_utf8_lossy(&body))
            ))));
        }
        let v: Value =
            serde_json::from_slice(&body).map_err(|_| VeeamError::TokenNotJson { status })?;
        let token = v["access_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or(VeeamError::NoAccessToken { status })?;
        let token = Secret::new(token);
        redactor.add(&token);
        Ok(token)
    }

    /// One GET on the Veeam origin with the bearer token; a non-2xx status is an error
    /// whose text is scrubbed.
    fn veeam_get(
        &self,
        server: &VeeamServer,
        token: &Secret,
        rest: &str,
        file: &str,
    ) -> Result<(Value, u16), VeeamError> {
        let url = server.url(rest);
        let log = |m: &str| self.log(m);
        let redactor = self.tokens.redactor();
        let (status, body) = send_with_retry(&self.opts.retry, file, self.deadline, &log, || {
            Ok(server
                .http
                .get(&url)
                .bearer_auth(token.expose())
                .header("accept", "application/json"))
        })
        .map_err(VeeamError::Request)?;
        if (300..400).contains(&status) {
            return Err(VeeamError::Redirect {
                file: file.to_owned(),
                status,
            });
        }
        if !(200..300).contains(&status) {
            return Err(VeeamError::Refused(redactor.redact(&format!(
                "{file}: HTTP {status}: {}",
                http::server_text(&String::from_utf8_lossy(&body))
            ))));
        }
        let v: Value = serde_json::from_slice(&body).map_err(|source| VeeamError::InvalidJson {
            file: file.to_owned(),
            status,
            source,
        })?;
        if v.is_null() {
            return Err(VeeamError::Null {
                file: file.to_owned(),
                status,
            });
        }
        Ok((v, status))
    }

    /// Every page of a collection, asked for by `offset` and `limit` (a bare array is
    /// one page); stops at the first short page.
    fn veeam_pages(
        &self,
        server: &VeeamServer,
        token: &Secret,
        rest: &str,
        file: &str,
    ) -> Result<(Vec<Value>, usize), VeeamError> {
        let mut out = Vec::new();
        for page in 0..MAX_PAGES {
            let (v, _) = self.veeam_get(
                server,
                token,
                &format!("{rest}?offset={}&limit={PAGE}", page * PAGE),
                file,
            )?;
            let items = match v {
                Value::Array(a) => {
                    out.extend(a);
                    return Ok((out, page + 1));
                }
                Value::Object(mut o) => match o.remove("results") {
                    Some(Value::Array(a)) => a,
                    _ => {
                        return Err(VeeamError::NoResults {
                            file: file.to_owned(),
                        });
                    }
                },
                _ => {
                    return Err(VeeamError::NotAnObject {
                        file: file.to_owned(),
                    });
                }
            };
            let n = items.len();
            out.extend(items);
            if n < PAGE {
                return Ok((out, page + 1));
            }
        }
        Err(VeeamError::TooManyPages {
            file: file.to_owned(),
        })
    }
}

/// The pages' results as one page, the shape `GET` returns with nothing left to fetch.
fn merged(self_href: &str, results: Vec<Value>) -> Value {
    let mut links = Map::new();
    links.insert("self".into(), serde_json::json!({ "href": self_href }));
    serde_json::json!({
        "offset": 0,
        "limit": results.len(),
        "results": results,
        "_links": links,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_is_an_origin_with_an_optional_api_version() {
        let s = |u: &str| {
            VeeamServer::parse(u, Secret::new("u"), Secret::new("p")).map_err(|e| e.to_string())
        };
        assert_eq!(
            s("https://vbo.example:4443")
                .map(|v| v.url("Jobs"))
                .as_deref(),
            Ok("https://vbo.example:4443/v8/Jobs")
        );
        assert_eq!(
            s("https://vbo.example:4443/v7/")
                .map(|v| v.url("Token"))
                .as_deref(),
            Ok("https://vbo.example:4443/v7/Token")
        );
        // Behind a reverse proxy, under a prefix.
        assert_eq!(
            s("http://127.0.0.1:9/veeam")
                .map(|v| v.url("Jobs"))
                .as_deref(),
            Ok("http://127.0.0.1:9/veeam/v8/Jobs")
        );
        for bad in [
            "ftp://x",
            "https://u:p@x",
            "https://x/v8?a=1",
            "https://x/v8#f",
            "x",
        ] {
            assert!(s(bad).is_err(), "{bad}");
        }
        assert_eq!(
            s("https://u:p@x").map(|_| ()).unwrap_err(),
            "--veeam-url (not shown: it holds an '@', which may carry credentials): credentials do not belong in the URL: set CUSTODY_VEEAM_USERNAME and CUSTODY_VEEAM_PASSWORD"
        );
        // Red team: plain http sent the password in clear text to any host.
        assert_eq!(
            s("http://vbo.example:4443").map(|_| ()).unwrap_err(),
            "--veeam-url \"http://vbo.example:4443\": plain http to a host that is not this machine would send the Veeam password unencrypted: use https (plain http is accepted for loopback stand-ins only)"
        );
        assert!(s("http://localhost:9").is_ok());
        for (bad, problem) in [
            ("ftp://x", "Scheme"),
            ("https://x/v8?a=1", "QueryOrFragment"),
            ("x", "Parse"),
            ("http://192.0.2.2:18765", "PlainHttp"),
        ] {
            let e = VeeamServer::parse(bad, Secret::new("u"), Secret::new("p")).unwrap_err();
            assert!(format!("{e:?}").contains(problem), "{bad}: {e:?}");
        }
    }
}
