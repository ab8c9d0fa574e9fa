//! One HTTP exchange with bounded retries: throttling (429, 503, 504 honour
//! `Retry-After`), other server errors and transport failures (resets, dropped
//! connections, timeouts) back off exponentially with jitter. Every response body is
//! read up to a size limit, and every attempt and wait ends by the tenant's deadline.

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::io::Read;
use std::time::{Duration, Instant};

/// Default bound on one response body: a Graph page is a few megabytes at most, so
/// this is generous while keeping a hostile server from filling memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 128 << 20;

/// Retry and timeout settings. Defaults suit Graph; tests shorten the backoff through
/// `CUSTODY_RETRY_BASE_MS` (`Retry-After` is always honoured as sent).
#[derive(Debug, Clone)]
pub struct RetryConfig {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff delay; doubled on every retry, with jitter.
    pub base: Duration,
    /// Upper bound for one backoff delay and for a `Retry-After`.
    pub max_delay: Duration,
    /// Timeout of one request, connection to last byte.
    pub timeout: Duration,
    /// Largest response body read; a larger one fails the request without retries.
    pub max_body: u64,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_retries: 6,
            base: Duration::from_millis(1000),
            max_delay: Duration::from_secs(120),
            timeout: Duration::from_secs(100),
            max_body: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

impl RetryConfig {
    /// Defaults, overridden by `CUSTODY_RETRY_BASE_MS`, `CUSTODY_MAX_RETRIES` and
    /// `CUSTODY_HTTP_TIMEOUT_SECS`.
    pub fn from_env() -> Result<Self, RetryEnvError> {
        let mut c = RetryConfig::default();
        let num = |var: &'static str| -> Result<Option<u64>, RetryEnvError> {
            match std::env::var(var) {
                Ok(found) => match found.trim().parse::<u64>() {
                    Ok(n) => Ok(Some(n)),
                    Err(source) => Err(RetryEnvError { var, found, source }),
                },
                Err(_) => Ok(None),
            }
        };
        if let Some(ms) = num("CUSTODY_RETRY_BASE_MS")? {
            c.base = Duration::from_millis(ms);
        }
        if let Some(n) = num("CUSTODY_MAX_RETRIES")? {
            c.max_retries = n.min(20) as u32;
        }
        if let Some(s) = num("CUSTODY_HTTP_TIMEOUT_SECS")? {
            c.timeout = Duration::from_secs(s.max(1));
        }
        Ok(c)
    }

    /// Exponential backoff with jitter for retry number `attempt` (0-based): a random
    /// delay between half and all of `base * 2^attempt`, capped.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let full = self
            .base
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.max_delay);
        let r = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        let frac = 0.5 + (r % 1000) as f64 / 2000.0;
        full.mul_f64(frac)
    }
}

/// A retry setting in the environment (`CUSTODY_RETRY_BASE_MS`, ...) that is not a
/// whole number.
#[derive(Debug)]
pub struct RetryEnvError {
    pub var: &'static str,
    pub found: String,
    pub source: std::num::ParseIntError,
}

impl fmt::Display for RetryEnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: expected a whole number, found {:?}",
            self.var, self.found
        )
    }
}

impl std::error::Error for RetryEnvError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Why an exchange produced no response to read. `label` names what was asked for (a
/// Graph file, a token); no variant holds anything a server sent, only what the
/// transport said about the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// The tenant's time limit ran out before an attempt or a wait; `last` is why the
    /// previous attempt did not do (a status, a transport failure), if there was one.
    OutOfTime { label: String, last: Option<String> },
    /// The body is over `max` bytes: never retried, the server would send it again.
    TooLarge {
        label: String,
        status: u16,
        max: u64,
    },
    /// No response could be read (`reason`), `attempts` times.
    Transport {
        label: String,
        reason: String,
        attempts: u32,
    },
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::OutOfTime { label, last } => {
                write!(
                    f,
                    "{label}: stopped: the time limit for this tenant ran out (--tenant-timeout)"
                )?;
                match last {
                    Some(why) => write!(f, " ({why})"),
                    None => Ok(()),
                }
            }
            RequestError::TooLarge { label, status, max } => write!(
                f,
                "{label}: HTTP {status}: the response is larger than the {max} byte limit (--max-response-bytes)"
            ),
            RequestError::Transport {
                label,
                reason,
                attempts,
            } => write!(f, "{label}: {reason} (gave up after {attempts} attempts)"),
        }
    }
}

impl std::error::Error for RequestError {}

// The token requests (auth.rs) and the Veeam stage (veeam.rs) still hold a failed
// request as text; they get it here until their errors hold a `RequestError`.
impl From<RequestError> for String {
    fn from(e: RequestError) -> String {
        e.to_string()
    }
}

/// `Retry-After` in seconds, possibly fractional (`1.5`); HTTP dates are not used by Graph.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let s: f64 = v.trim().parse().ok()?;
    (s.is_finite() && s >= 0.0).then(|| Duration::from_secs_f64(s))
}

/// The status of a response worth retrying.
fn retryable(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// A transport error with its causes, without the URL (which the caller names).
pub fn describe(e: &reqwest::Error) -> String {
    let mut msg = if e.is_timeout() {
        "timed out".to_owned()
    } else {
        e.to_string()
    };
    if let Some(url) = e.url() {
        msg = msg
            .replace(&format!(" ({url})"), "")
            .replace(url.as_str(), "");
    }
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        let s_msg = s.to_string();
        if !msg.contains(&s_msg) {
            msg.push_str(": ");
            msg.push_str(&s_msg);
        }
        src = s.source();
    }
    msg
}

/// What one attempt produced.
enum Attempt {
    Response {
        status: u16,
        retry_after: Option<Duration>,
        body: Vec<u8>,
    },
    Transport(String),
}

/// Why a response body was not read.
enum BodyError {
    /// Over the size limit: never retried, the server would send it again.
    TooLarge,
    Transport(String),
}

/// Reads a response body, refusing one over `max` bytes (by its `Content-Length` before
/// reading, or once `max` bytes have arrived without an end).
fn read_body(mut resp: reqwest::blocking::Response, max: u64) -> Result<Vec<u8>, BodyError> {
    if resp.content_length().is_some_and(|n| n > max) {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    match (&mut resp)
        .take(max.saturating_add(1))
        .read_to_end(&mut body)
    {
        Ok(_) if body.len() as u64 > max => Err(BodyError::TooLarge),
        Ok(_) => Ok(body),
        Err(e) => Err(BodyError::Transport(
            match e.get_ref().and_then(|i| i.downcast_ref::<reqwest::Error>()) {
                Some(re) => describe(re),
                None => e.to_string(),
            },
        )),
    }
}

/// Sends the request built by `build` until it gets a response that is not worth
/// retrying, or retries run out. Returns the final status and body (any status); `Err`
/// when no response could be read at all, when the body is over the size limit (never
/// retried: the server would send it again), when `build` fails (e.g. no token), or when
/// `deadline` passes (no attempt and no wait runs beyond it). The request is rebuilt for
/// every attempt, so a retry after a long wait gets a fresh token. `E` is the caller's
/// error: what `build` fails with (no token), able to hold a [`RequestError`].
pub fn send_with_retry<E: From<RequestError>>(
    cfg: &RetryConfig,
    label: &str,
    deadline: Option<Instant>,
    log: &dyn Fn(&str),
    build: impl Fn() -> Result<reqwest::blocking::RequestBuilder, E>,
) -> Result<(u16, Vec<u8>), E> {
    let out_of_time = |last: Option<String>| RequestError::OutOfTime {
        label: label.to_owned(),
        last,
    };
    let mut attempt = 0u32;
    loop {
        let timeout = match deadline {
            Some(d) => match d.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => cfg.timeout.min(left),
                _ => return Err(out_of_time(None).into()),
            },
            None => cfg.timeout,
        };
        let outcome = match build()?.timeout(timeout).send() {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let retry_after = resp
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(parse_retry_after);
                match read_body(resp, cfg.max_body) {
                    Ok(body) => Attempt::Response {
                        status,
                        retry_after,
                        body,
                    },
                    Err(BodyError::TooLarge) => {
                        return Err(RequestError::TooLarge {
                            label: label.to_owned(),
                            status,
                            max: cfg.max_body,
                        }
                        .into());
                    }
                    Err(BodyError::Transport(m)) => Attempt::Transport(m),
                }
            }
            Err(e) => Attempt::Transport(describe(&e)),
        };
        let (delay, why) = match outcome {
            Attempt::Response {
                status,
                retry_after,
                body,
            } => {
                if !retryable(status) || attempt >= cfg.max_retries {
                    return Ok((status, body));
                }
                match retry_after {
                    Some(d) if matches!(status, 429 | 503 | 504) => (
                        d.min(cfg.max_delay),
                        format!("HTTP {status}, Retry-After {}s", d.as_secs_f64()),
                    ),
                    _ => (cfg.backoff(attempt), format!("HTTP {status}")),
                }
            }
            Attempt::Transport(msg) => {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return Err(out_of_time(Some(msg)).into());
                }
                if attempt >= cfg.max_retries {
                    return Err(RequestError::Transport {
                        label: label.to_owned(),
                        reason: msg,
                        attempts: attempt + 1,
                    }
                    .into());
                }
                (cfg.backoff(attempt), msg)
            }
        };
        if deadline.is_some_and(|d| Instant::now() + delay >= d) {
            return Err(out_of_time(Some(why)).into());
        }
        attempt += 1;
        log(&format!(
            "{label}: {why}; retry {attempt}/{} in {:.1}s",
            cfg.max_retries,
            delay.as_secs_f64()
        ));
        std::thread::sleep(delay);
    }
}

/// A string a server sent (an error code or message, a header) made safe to show: control
/// characters (terminal escapes, line breaks that forge log lines) become spaces and the
/// length is bounded. Secrets are removed separately, by the caller's redactor.
pub fn server_text(s: &str) -> String {
    const MAX_CHARS: usize = 500;
    let mut out: String = s
        .chars()
        .take(MAX_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if s.chars().nth(MAX_CHARS).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod service_url_tests {
    use super::*;

    /// Red team: `http://` to any host sent the client secret in clear text.
    #[test]
    fn plain_http_is_for_loopback_only() {
        for ok in [
            "https://graph.microsoft.com",
            "https://veeam.msp.example:4443/v8",
            "http://127.0.0.1:8080",
            "http://127.8.9.10",
            "http://localhost:1234",
            "http://[::1]:9000",
        ] {
            assert_eq!(check_service_url("--graph-url", ok), Ok(()), "{ok}");
        }
        for plain in [
            "http://192.0.2.2:18765",
            "http://graph.microsoft.com",
            "http://localhost.evil.example",
            "http://[::2]",
            "http://10.0.0.1",
        ] {
            let e = check_service_url("--login-url", plain).unwrap_err();
            assert!(e.plain_http, "{plain}");
            assert!(
                e.to_string()
                    .contains("is plain http to a host that is not this machine")
            );
        }
        let e = check_service_url("--graph-url", "ftp://x").unwrap_err();
        assert_eq!(
            e.to_string(),
            "--graph-url: expected an http(s) URL, found \"ftp://x\""
        );
        let e = check_service_url("--veeam-url", "http://u:hunter2@10.0.0.1").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_fractional_seconds() {
        assert_eq!(parse_retry_after("1.5"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_retry_after(" 10 "), Some(Duration::from_secs(10)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }

    #[test]
    fn server_text_drops_control_characters_and_is_bounded() {
        assert_eq!(server_text("a\x1b[31mb\nc"), "a [31mb c");
        let long = "x".repeat(2000);
        assert_eq!(server_text(&long).chars().count(), 501);
    }

    /// The caller's error type carries both its own failures and the exchange's.
    #[derive(Debug, PartialEq)]
    enum CallerError {
        NoToken,
        Request(RequestError),
    }

    impl From<RequestError> for CallerError {
        fn from(e: RequestError) -> Self {
            CallerError::Request(e)
        }
    }

    #[test]
    fn a_failing_build_is_the_callers_own_error_and_nothing_is_sent() {
        let r = send_with_retry(&RetryConfig::default(), "f", None, &|_| {}, || {
            Err(CallerError::NoToken)
        });
        assert_eq!(r, Err(CallerError::NoToken));
    }

    #[test]
    fn a_tenant_out_of_time_is_a_typed_request_error_with_the_old_text() {
        let client = reqwest::blocking::Client::new();
        let past = Instant::now();
        let r = send_with_retry(
            &RetryConfig::default(),
            "graph/users.json",
            Some(past),
            &|_| {},
            || Ok::<_, CallerError>(client.get("http://127.0.0.1:9/never-sent")),
        );
        let Err(CallerError::Request(e)) = r else {
            panic!("expected the time limit, got {r:?}");
        };
        assert_eq!(
            e,
            RequestError::OutOfTime {
                label: "graph/users.json".into(),
                last: None
            }
        );
        assert_eq!(
            e.to_string(),
            "graph/users.json: stopped: the time limit for this tenant ran out (--tenant-timeout)"
        );
        // Callers that still hold text (auth.rs, veeam.rs) get the same message.
        assert_eq!(String::from(e.clone()), e.to_string());
    }

    #[test]
    fn request_errors_read_as_before() {
        assert_eq!(
            RequestError::TooLarge {
                label: "graph/users.json".into(),
                status: 200,
                max: 1024
            }
            .to_string(),
            "graph/users.json: HTTP 200: the response is larger than the 1024 byte limit (--max-response-bytes)"
        );
        assert_eq!(
            RequestError::Transport {
                label: "token for tenant t".into(),
                reason: "connection refused".into(),
                attempts: 7
            }
            .to_string(),
            "token for tenant t: connection refused (gave up after 7 attempts)"
        );
        let e = RetryEnvError {
            var: "CUSTODY_MAX_RETRIES",
            found: "many".into(),
            source: "many".parse::<u64>().unwrap_err(),
        };
        assert_eq!(
            e.to_string(),
            "CUSTODY_MAX_RETRIES: expected a whole number, found \"many\""
        );
        assert!(std::error::Error::source(&e).is_some());
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let c = RetryConfig {
            base: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            ..RetryConfig::default()
        };
        for _ in 0..20 {
            let d0 = c.backoff(0);
            assert!(d0 >= Duration::from_millis(50) && d0 <= Duration::from_millis(100));
            let d2 = c.backoff(2);
            assert!(d2 >= Duration::from_millis(200) && d2 <= Duration::from_millis(400));
            assert!(c.backoff(30) <= Duration::from_secs(1));
        }
    }
}

/// Why a service URL (`--graph-url`, `--login-url`, `--veeam-url`) is refused before
/// anything is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceUrlError {
    pub flag: &'static str,
    /// As given; not shown when it holds an '@' (it may carry credentials).
    pub url: String,
    /// Plain http to a host that is not this machine.
    pub plain_http: bool,
}

impl fmt::Display for ServiceUrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = if self.url.contains('@') {
            "(not shown: it holds an '@', which may carry credentials)".to_owned()
        } else {
            format!("{:?}", self.url)
        };
        if self.plain_http {
            write!(
                f,
                "{}: {shown} is plain http to a host that is not this machine: client secrets, tokens and passwords would cross the network unencrypted. Use https (plain http is accepted for loopback stand-ins only)",
                self.flag
            )
        } else {
            write!(f, "{}: expected an http(s) URL, found {shown}", self.flag)
        }
    }
}

impl std::error::Error for ServiceUrlError {}

/// Checks a service URL given on the command line: `https://`, or `http://` to this
/// machine only (`localhost`, `127.0.0.0/8`, `::1`: the stand-ins tests and local proxies
/// use), since the client secret, the tokens and the Veeam password travel in requests to
/// it.
pub fn check_service_url(flag: &'static str, url: &str) -> Result<(), ServiceUrlError> {
    let refuse = |plain_http| ServiceUrlError {
        flag,
        url: url.to_owned(),
        plain_http,
    };
    let parsed = reqwest::Url::parse(url.trim()).map_err(|_| refuse(false))?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&parsed) => Ok(()),
        "http" => Err(refuse(true)),
        _ => Err(refuse(false)),
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    // An IPv6 host is written in brackets.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
