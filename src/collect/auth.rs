//! App-only credentials for Microsoft Graph and the per-tenant token cache. Secrets and
//! tokens live in [`Secret`], whose `Debug` never shows the value; every secret the run
//! holds or is issued is known to one [`Redactor`], which scrubs whatever a server sends
//! back before it reaches a log, an error, a manifest or an evidence file.

use super::certificate::{Alg, CertificateError, ClientCertificate};
use super::http::{RetryConfig, send_with_retry};
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A secret string (client secret, federated assertion, access token): redacted in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with this secret (as is and form-encoded) replaced: for messages built from
    /// what a server sent back, which may echo the request.
    pub fn redact(&self, text: &str) -> String {
        if self.0.len() < 4 {
            return text.to_owned();
        }
        text.replace(&self.0, "<redacted>")
            .replace(&pct(&self.0), "<redacted>")
    }
}

/// Every secret of the run: the credential, federated assertions and each access token
/// issued. Servers may echo requests (in an error code, a message, an inner error, a
/// header, even a data page); whatever they send is passed through [`Redactor::redact`].
#[derive(Default)]
pub struct Redactor {
    secrets: Mutex<Vec<Secret>>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Redactor(<redacted>)")
    }
}

impl Redactor {
    pub fn add(&self, secret: &Secret) {
        // Too short to redact without mangling ordinary text (see Secret::redact).
        if secret.0.len() < 4 {
            return;
        }
        let mut all = self.secrets.lock().unwrap_or_else(|e| e.into_inner());
        if !all.contains(secret) {
            all.push(secret.clone());
        }
    }

    /// `text` with every known secret replaced, as is, form-encoded and JSON-escaped.
    pub fn redact(&self, text: &str) -> String {
        let all = self.secrets.lock().unwrap_or_else(|e| e.into_inner());
        all.iter().fold(text.to_owned(), |t, s| {
            let t = s.redact(&t);
            match json_escaped(&s.0) {
                Some(j) if j != s.0 => t.replace(&j, "<redacted>"),
                _ => t,
            }
        })
    }

    /// Whether `bytes` (a file about to be written) hold a known secret in any of the
    /// forms [`Redactor::redact`] knows.
    pub fn found_in(&self, bytes: &[u8]) -> bool {
        let all = self.secrets.lock().unwrap_or_else(|e| e.into_inner());
        all.iter().any(|s| {
            [Some(s.0.clone()), Some(pct(&s.0)), json_escaped(&s.0)]
                .into_iter()
                .flatten()
                .any(|form| memchr::memmem::find(bytes, form.as_bytes()).is_some())
        })
    }
}

/// The secret as it appears inside a JSON string (without the quotes).
fn json_escaped(s: &str) -> Option<String> {
    let q = serde_json::to_string(s).ok()?;
    Some(q[1..q.len() - 1].to_owned())
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Where a workload-identity-federation assertion comes from.
#[derive(Debug, Clone)]
pub enum AssertionSource {
    /// `CUSTODY_FEDERATED_TOKEN_FILE`, re-read on every token request (it may be rotated).
    File(PathBuf),
    /// GitHub Actions OIDC: `ACTIONS_ID_TOKEN_REQUEST_URL` + `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.
    GitHub { url: String, token: Secret },
}

#[derive(Debug, Clone)]
pub enum Credentials {
    ClientSecret {
        client_id: String,
        secret: Secret,
    },
    Federated {
        client_id: String,
        source: AssertionSource,
    },
    /// `CUSTODY_CLIENT_CERTIFICATE_FILE`: a client assertion signed with the app
    /// certificate's key for every token request.
    Certificate {
        client_id: String,
        cert: Arc<ClientCertificate>,
    },
    /// A ready access token (`CUSTODY_ACCESS_TOKEN`): used as is, never refreshed.
    AccessToken(Secret),
}

pub const FEDERATED_AUDIENCE: &str = "api://AzureADTokenExchange";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

impl Credentials {
    /// Which credential this is, for reports (never its value).
    pub fn kind(&self) -> &'static str {
        match self {
            Credentials::ClientSecret { .. } => "client secret",
            Credentials::Certificate { .. } => "certificate",
            Credentials::Federated {
                source: AssertionSource::File(_),
                ..
            } => "federated token file",
            Credentials::Federated {
                source: AssertionSource::GitHub { .. },
                ..
            } => "GitHub OIDC federation",
            Credentials::AccessToken(_) => "access token",
        }
    }

    /// Reads the credentials from the environment (see README "Collecting evidence").
    pub fn from_env() -> Result<Credentials, CredentialsError> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        if let Some(t) = var("CUSTODY_ACCESS_TOKEN") {
            return Ok(Credentials::AccessToken(Secret::new(t.trim())));
        }
        let Some(client_id) = var("CUSTODY_CLIENT_ID") else {
            return Err(CredentialsError::None);
        };
        let certificate = var("CUSTODY_CLIENT_CERTIFICATE_FILE");
        if let Some(f) = certificate {
            if var("CUSTODY_CLIENT_SECRET").is_some() {
                return Err(CredentialsError::SecretAndCertificate);
            }
            let alg = Alg::parse(&var("CUSTODY_CLIENT_CERTIFICATE_ALG").unwrap_or_default())
                .map_err(CredentialsError::Certificate)?;
            let cert = ClientCertificate::load(std::path::Path::new(&f), alg)
                .map_err(CredentialsError::Certificate)?;
            return Ok(Credentials::Certificate {
                client_id,
                cert: Arc::new(cert),
            });
        }
        if let Some(s) = var("CUSTODY_CLIENT_SECRET") {
            return Ok(Credentials::ClientSecret {
                client_id,
                secret: Secret::new(s),
            });
        }
        if let Some(f) = var("CUSTODY_FEDERATED_TOKEN_FILE") {
            return Ok(Credentials::Federated {
                client_id,
                source: AssertionSource::File(PathBuf::from(f)),
            });
        }
        if let (Some(url), Some(token)) = (
            var("ACTIONS_ID_TOKEN_REQUEST_URL"),
            var("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
        ) {
            return Ok(Credentials::Federated {
                client_id,
                source: AssertionSource::GitHub {
                    url,
                    token: Secret::new(token),
                },
            });
        }
        Err(CredentialsError::NoCredential)
    }
}

/// Why the credentials in the environment cannot be used.
#[derive(Debug)]
pub enum CredentialsError {
    None,
    SecretAndCertificate,
    Certificate(CertificateError),
    /// `CUSTODY_CLIENT_ID` without any credential for it.
    NoCredential,
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialsError::None => f.write_str(
                "no Graph credentials: set CUSTODY_CLIENT_ID with CUSTODY_CLIENT_SECRET, \
                 CUSTODY_CLIENT_CERTIFICATE_FILE, CUSTODY_FEDERATED_TOKEN_FILE or GitHub's OIDC variables (permissions: id-token: write), \
                 or set CUSTODY_ACCESS_TOKEN",
            ),
            CredentialsError::SecretAndCertificate => f.write_str(
                "both CUSTODY_CLIENT_SECRET and CUSTODY_CLIENT_CERTIFICATE_FILE are set: \
                 set one credential, so it is clear which one a tenant accepted",
            ),
            CredentialsError::Certificate(e) => e.fmt(f),
            CredentialsError::NoCredential => f.write_str(
                "CUSTODY_CLIENT_ID is set but no credential: set CUSTODY_CLIENT_SECRET, \
             CUSTODY_CLIENT_CERTIFICATE_FILE or CUSTODY_FEDERATED_TOKEN_FILE, or run in GitHub Actions with `permissions: id-token: write`",
            ),
        }
    }
}

impl std::error::Error for CredentialsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CredentialsError::Certificate(e) => Some(e),
            _ => None,
        }
    }
}

/// Why no access token was issued for a tenant. Whatever a server said is in it only
/// after the credential and every secret of the run were scrubbed from it.
#[derive(Debug)]
pub enum TokenError {
    /// The request failed (transport, retries, time limit), as `send_with_retry` says.
    Request(String),
    Assertion(CertificateError),
    /// The login endpoint answered with a redirect, which is never followed.
    Redirect {
        label: String,
        status: u16,
    },
    /// The login endpoint refused: its error code and the first line of its
    /// description, scrubbed.
    Refused(String),
    Unreadable {
        label: String,
        status: u16,
    },
    FederatedFile {
        path: PathBuf,
        source: std::io::Error,
    },
    GitHubOidc {
        status: u16,
    },
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Request(e) | TokenError::Refused(e) => f.write_str(e),
            TokenError::Assertion(e) => e.fmt(f),
            TokenError::Redirect { label, status } => write!(
                f,
                "{label}: HTTP {status} redirect refused: the credential is sent only to the login URL, never where a redirect points"
            ),
            TokenError::Unreadable { label, status } => {
                write!(f, "{label}: HTTP {status} with an unreadable body")
            }
            TokenError::FederatedFile { path, source } => write!(
                f,
                "cannot read CUSTODY_FEDERATED_TOKEN_FILE {}: {source}",
                path.display()
            ),
            TokenError::GitHubOidc { status } => write!(
                f,
                "GitHub OIDC token request failed: HTTP {status} (does the job have `permissions: id-token: write`?)"
            ),
        }
    }
}

impl std::error::Error for TokenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TokenError::Assertion(e) => Some(e),
            TokenError::FederatedFile { source, .. } => Some(source),
            _ => None,
        }
    }
}

struct Cached {
    token: Arc<Secret>,
    refresh_at: Instant,
}

/// Access tokens per tenant, fetched on first use and refreshed before they expire.
pub struct Tokens {
    creds: Credentials,
    login_url: String,
    graph_url: String,
    http: reqwest::blocking::Client,
    retry: RetryConfig,
    cache: Mutex<HashMap<String, Arc<Mutex<Option<Cached>>>>>,
    redactor: Redactor,
}

/// An `expires_in` larger than this is taken as this: a server's claim of a token valid
/// for centuries must neither overflow the clock nor stop refreshes.
const MAX_TOKEN_LIFETIME_SECS: u64 = 24 * 3600;
/// Token replies are small; anything larger is not a token reply.
const MAX_TOKEN_REPLY_BYTES: u64 = 1 << 20;

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("creds", &self.creds)
            .field("login_url", &self.login_url)
            .finish_non_exhaustive()
    }
}

impl Tokens {
    pub fn new(
        creds: Credentials,
        login_url: &str,
        graph_url: &str,
        http: reqwest::blocking::Client,
        retry: RetryConfig,
    ) -> Self {
        let redactor = Redactor::default();
        match &creds {
            Credentials::ClientSecret { secret, .. } => redactor.add(secret),
            Credentials::Federated {
                source: AssertionSource::GitHub { token, .. },
                ..
            } => redactor.add(token),
            Credentials::Federated { .. } => {} // the assertion is added when read
            Credentials::Certificate { .. } => {} // each signed assertion is added when made
            Credentials::AccessToken(t) => redactor.add(t),
        }
        Tokens {
            creds,
            login_url: login_url.trim_end_matches('/').to_owned(),
            graph_url: graph_url.trim_end_matches('/').to_owned(),
            http,
            retry: RetryConfig {
                max_body: retry.max_body.min(MAX_TOKEN_REPLY_BYTES),
                ..retry
            },
            cache: Mutex::new(HashMap::new()),
            redactor,
        }
    }

    /// Knows every secret this run has held or been issued so far.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    fn slot(&self, tenant: &str) -> Arc<Mutex<Option<Cached>>> {
        let mut map = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(tenant.to_owned()).or_default().clone()
    }

    /// A valid token for the tenant (cached until shortly before expiry); token requests
    /// end by `deadline`.
    pub fn get(&self, tenant: &str, deadline: Option<Instant>) -> Result<Arc<Secret>, TokenError> {
        if let Credentials::AccessToken(t) = &self.creds {
            return Ok(Arc::new(t.clone()));
        }
        let slot = self.slot(tenant);
        let mut cached = slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cached.as_ref()
            && Instant::now() < c.refresh_at
        {
            return Ok(c.token.clone());
        }
        let (token, expires_in) = self.fetch(tenant, deadline)?;
        let expires_in = expires_in.min(MAX_TOKEN_LIFETIME_SECS);
        // Refresh 5 minutes before expiry (or half-way for short-lived tokens).
        let margin = (expires_in / 2).min(300);
        let token = Arc::new(token);
        let now = Instant::now();
        *cached = Some(Cached {
            token: token.clone(),
            refresh_at: now
                .checked_add(Duration::from_secs(expires_in.saturating_sub(margin)))
                .unwrap_or(now),
        });
        Ok(token)
    }

    /// Forgets `token` after Graph rejected it with 401 (unless another thread already did).
    pub fn invalidate(&self, tenant: &str, token: &Secret) {
        let slot = self.slot(tenant);
        let mut cached = slot.lock().unwrap_or_else(|e| e.into_inner());
        if cached.as_ref().is_some_and(|c| *c.token == *token) {
            *cached = None;
        }
    }

    fn fetch(&self, tenant: &str, deadline: Option<Instant>) -> Result<(Secret, u64), TokenError> {
        let url = format!("{}/{tenant}/oauth2/v2.0/token", self.login_url);
        let (client_id, credential): (&str, Vec<(&str, Secret)>) = match &self.creds {
            Credentials::AccessToken(_) => unreachable!("handled in get"),
            Credentials::ClientSecret { client_id, secret } => {
                (client_id, vec![("client_secret", secret.clone())])
            }
            Credentials::Federated { client_id, source } => {
                let assertion = self.assertion(source, deadline)?;
                self.redactor.add(&assertion);
                (
                    client_id,
                    vec![
                        ("client_assertion_type", Secret::new(JWT_BEARER)),
                        ("client_assertion", assertion),
                    ],
                )
            }
            Credentials::Certificate { client_id, cert } => {
                // `aud` is the token endpoint the assertion is sent to, as Entra requires.
                let now = jiff::Timestamp::now().as_second();
                let assertion = Secret::new(
                    cert.assertion(client_id, &url, now)
                        .map_err(TokenError::Assertion)?,
                );
                self.redactor.add(&assertion);
                (
                    client_id,
                    vec![
                        ("client_assertion_type", Secret::new(JWT_BEARER)),
                        ("client_assertion", assertion),
                    ],
                )
            }
        };
        let scope = format!("{}/.default", self.graph_url);
        let mut form = vec![
            ("client_id", client_id.to_owned()),
            ("grant_type", "client_credentials".to_owned()),
            ("scope", scope),
        ];
        for (k, v) in &credential {
            form.push((k, v.expose().to_owned()));
        }
        let body = form_encode(&form);
        let label = format!("token for tenant {tenant}");
        let (status, bytes) = send_with_retry(&self.retry, &label, deadline, &|_| {}, || {
            Ok(self
                .http
                .post(&url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.clone()))
        })
        .map_err(TokenError::Request)?;
        #[derive(serde::Deserialize)]
        struct TokenReply {
            access_token: Option<String>,
            expires_in: Option<serde_json::Value>,
            error: Option<String>,
            error_description: Option<String>,
        }
        if (300..400).contains(&status) {
            // The client follows no redirects: the credential goes to the login URL only.
            return Err(TokenError::Redirect { label, status });
        }
        let reply: Option<TokenReply> = serde_json::from_slice(&bytes).ok();
        match reply {
            Some(TokenReply {
                access_token: Some(t),
                expires_in,
                ..
            }) if (200..300).contains(&status) && !t.trim().is_empty() => {
                // Any size, sign or type: a bad value means the usual hour, never a panic.
                let secs = match expires_in {
                    Some(serde_json::Value::Number(n)) => n.as_u64().unwrap_or(3599),
                    Some(serde_json::Value::String(s)) => s.trim().parse().unwrap_or(3599),
                    _ => 3599,
                };
                let token = Secret::new(t);
                self.redactor.add(&token);
                Ok((token, secs))
            }
            Some(r) => {
                let desc = r
                    .error_description
                    .as_deref()
                    .and_then(|d| d.lines().next())
                    .unwrap_or("");
                let message = format!(
                    "{label}: HTTP {status} {} {desc}",
                    r.error.as_deref().unwrap_or("(no error code)")
                );
                // A server may echo the request; the credential never goes further.
                let message = credential
                    .iter()
                    .fold(message, |m, (_, secret)| secret.redact(&m));
                let message = self.redactor.redact(&super::http::server_text(&message));
                Err(TokenError::Refused(message.trim_end().to_owned()))
            }
            None => Err(TokenError::Unreadable { label, status }),
        }
    }

    fn assertion(
        &self,
        source: &AssertionSource,
        deadline: Option<Instant>,
    ) -> Result<Secret, TokenError> {
        match source {
            AssertionSource::File(path) => std::fs::read_to_string(path)
                .map(|s| Secret::new(s.trim()))
                .map_err(|source| TokenError::FederatedFile {
                    path: path.clone(),
                    source,
                }),
            AssertionSource::GitHub { url, token } => {
                let sep = if url.contains('?') { '&' } else { '?' };
                let full = format!("{url}{sep}audience={}", pct(FEDERATED_AUDIENCE));
                let (status, bytes) =
                    send_with_retry(&self.retry, "GitHub OIDC token", deadline, &|_| {}, || {
                        Ok(self.http.get(&full).bearer_auth(token.expose()))
                    })
                    .map_err(TokenError::Request)?;
                #[derive(serde::Deserialize)]
                struct Reply {
                    value: String,
                }
                match serde_json::from_slice::<Reply>(&bytes) {
                    Ok(r) if (200..300).contains(&status) => Ok(Secret::new(r.value)),
                    _ => Err(TokenError::GitHubOidc { status }),
                }
            }
        }
    }
}

/// `application/x-www-form-urlencoded`.
pub(super) fn form_encode(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn pct(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_removes_the_secret_as_is_and_form_encoded() {
        let s = Secret::new("p@ss word/1");
        let echoed = format!("you sent p@ss word/1 and {}", pct("p@ss word/1"));
        assert_eq!(s.redact(&echoed), "you sent <redacted> and <redacted>");
        assert_eq!(
            Secret::new("ab").redact("ab"),
            "ab",
            "too short to redact safely"
        );
    }

    #[test]
    fn debug_redacts_secrets() {
        let c = Credentials::ClientSecret {
            client_id: "app".into(),
            secret: Secret::new("hunter2-very-secret"),
        };
        let s = format!("{c:?}");
        assert!(!s.contains("hunter2"), "{s}");
        assert!(s.contains("redacted"));
        let t = Credentials::AccessToken(Secret::new("eyJ-token"));
        assert!(!format!("{t:?}").contains("eyJ"));
    }

    #[test]
    fn redactor_scrubs_every_form_of_every_secret() {
        let r = Redactor::default();
        r.add(&Secret::new("tok/en\"1234"));
        r.add(&Secret::new("ab"));
        let echoed = format!(
            "a tok/en\"1234 b {} c tok/en\\\"1234 ab",
            pct("tok/en\"1234")
        );
        assert_eq!(
            r.redact(&echoed),
            "a <redacted> b <redacted> c <redacted> ab"
        );
        assert!(r.found_in(br#"{"x":"tok/en\"1234"}"#));
        assert!(!r.found_in(b"nothing here"));
    }

    #[test]
    fn form_encoding() {
        assert_eq!(
            form_encode(&[("scope", "https://graph.microsoft.com/.default".into())]),
            "scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"
        );
    }
}
