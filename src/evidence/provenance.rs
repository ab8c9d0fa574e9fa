//! Who collected a month's evidence and who built its pack: recorded in the collect
//! manifest (`evidence/<client>/<month>/manifest.json`, by `collect` or `seal`) and carried
//! into the pack's signed `manifest.json`, so an auditor sees where the evidence came from.
//!
//! Everything here comes from the environment or from files someone could edit: the CI
//! variables are taken only when their shape is exactly what GitHub sets (a value that is
//! not is left out, never passed on), and every value is shown through [`one_line`], so
//! none can start a forged line or carry terminal escapes. No credential is ever a field:
//! the kind of credential is recorded, never its value.

use serde::{Deserialize, Serialize};

/// The commit this custody was built from (build.rs; "unknown" outside a git checkout).
pub const COMMIT: &str = env!("CUSTODY_BUILD_COMMIT");

/// How a month's evidence came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// `custody collect` fetched it from Microsoft Graph.
    Collect,
    /// Exported by hand (Graph Explorer, PowerShell) and sealed with `custody seal`.
    Hand,
}

/// Who collected a month's evidence, when, and with which custody.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectProvenance {
    pub method: Method,
    /// The person who sealed a hand-exported month (`--by`, or git's user.name and email).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The Entra application (client) id `collect` authenticated as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// The kind of credential (`client_secret`, `federated`, `access_token`): never its value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    pub custody_version: String,
    pub custody_commit: String,
    pub started_at: String,
    pub finished_at: String,
    /// The GitHub Actions run that collected it, when it ran in one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci_run_url: Option<String>,
    /// When a hand-exported month was exported, as its sealer stated it (`custody seal
    /// --collected-at`): the manifest's `collected_at` is then this, not the sealing time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exported_at_stated: Option<String>,
}

/// Who built a pack. The build time is taken from `SOURCE_DATE_EPOCH` only: packs are
/// byte-deterministic (the same inputs give the same zip, which signatures, attestations
/// and incremental builds rely on), so custody never stamps the wall clock into them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildProvenance {
    pub custody_commit: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci_run_url: Option<String>,
    /// The machine's host name, when not built in CI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub built_at: Option<String>,
}

impl BuildProvenance {
    /// This build's provenance from the process environment.
    pub fn detect() -> BuildProvenance {
        BuildProvenance::from_vars(&|k| std::env::var(k).ok(), host_name())
    }

    /// [`BuildProvenance::detect`], once per process: every pack of a build (and of every
    /// rebuild `serve` runs) records the same builder.
    pub fn current() -> &'static BuildProvenance {
        static CURRENT: std::sync::OnceLock<BuildProvenance> = std::sync::OnceLock::new();
        CURRENT.get_or_init(BuildProvenance::detect)
    }

    /// From `var` (an environment lookup) and the host name, for tests.
    pub fn from_vars(var: &dyn Fn(&str) -> Option<String>, host: Option<String>) -> Self {
        let ci_run_url = ci_run_url(var);
        BuildProvenance {
            custody_commit: COMMIT.to_owned(),
            // A CI runner's host name says nothing an auditor can look up; the run does.
            host: if ci_run_url.is_some() { None } else { host },
            ci_run_url,
            built_at: var("SOURCE_DATE_EPOCH").and_then(|s| source_date(&s)),
        }
    }
}

/// The GitHub Actions run URL (`<server>/<owner>/<repo>/actions/runs/<id>/attempts/<n>`),
/// only when `GITHUB_ACTIONS` is `true` and every part has the shape GitHub gives it: an
/// https origin without user, path, query or fragment, an `owner/repo` of name characters,
/// decimal run id and attempt. Anything else is left out rather than recorded.
pub fn ci_run_url(var: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    if var("GITHUB_ACTIONS").as_deref() != Some("true") {
        return None;
    }
    let server = var("GITHUB_SERVER_URL")?;
    let host = server.strip_prefix("https://")?;
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'))
        && !host.starts_with(['.', '-', ':']);
    let repo = var("GITHUB_REPOSITORY")?;
    let (owner, name) = repo.split_once('/')?;
    let name_ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 100
            && s != "."
            && s != ".."
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    let digits = |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
    let run = var("GITHUB_RUN_ID")?;
    let attempt = var("GITHUB_RUN_ATTEMPT")?;
    (host_ok && name_ok(owner) && name_ok(name) && digits(&run) && digits(&attempt))
        .then(|| format!("https://{host}/{owner}/{name}/actions/runs/{run}/attempts/{attempt}"))
}

/// The machine's host name, if it has a host name's shape (letters, digits, `.`, `-`).
pub fn host_name() -> Option<String> {
    let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .or_else(|| std::env::var("HOSTNAME").ok())?;
    let h = raw.trim();
    (!h.is_empty()
        && h.len() <= 253
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')))
    .then(|| h.to_owned())
}

/// `SOURCE_DATE_EPOCH` (seconds since 1970, the reproducible-builds convention) as RFC 3339.
fn source_date(s: &str) -> Option<String> {
    let secs: i64 = s.trim().parse().ok()?;
    let t = jiff::Timestamp::from_second(secs).ok()?;
    Some(t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// Now, as the manifests write times.
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// A value from a manifest, for one line of a report: control characters (line breaks,
/// terminal escapes, bidi overrides) escaped, and at most `max` characters.
pub fn one_line(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
        {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

impl CollectProvenance {
    /// "collected by custody 0.1.0 (commit abc…) as app X in GitHub Actions run URL,
    /// 2026-11-27T03:17:00Z to 2026-11-27T03:21:09Z" or "exported by hand by NAME, sealed at T".
    pub fn describe(&self) -> String {
        let v = |s: &str| one_line(s, 200);
        let tool = format!(
            "custody {} (commit {})",
            v(&self.custody_version),
            v(&self.custody_commit)
        );
        match self.method {
            Method::Hand => {
                let by = self
                    .by
                    .as_deref()
                    .map(v)
                    .unwrap_or_else(|| "someone unnamed".into());
                match &self.exported_at_stated {
                    Some(at) => format!(
                        "exported by hand by {by} at {} (as stated by the sealer), sealed with {tool} at {}",
                        v(at),
                        v(&self.finished_at)
                    ),
                    None => format!(
                        "exported by hand by {by}, sealed with {tool} at {}",
                        v(&self.finished_at)
                    ),
                }
            }
            Method::Collect => {
                let mut s = format!("collected from Microsoft Graph by {tool}");
                if let Some(app) = &self.app_id {
                    s.push_str(&format!(" as application {}", v(app)));
                }
                if let Some(c) = &self.credential {
                    s.push_str(&format!(" ({} credential)", v(c).replace('_', " ")));
                }
                if let Some(t) = &self.tenant_id {
                    s.push_str(&format!(" from tenant {}", v(t)));
                }
                match &self.ci_run_url {
                    Some(u) => s.push_str(&format!(" in CI run {}", v(u))),
                    None => s.push_str(" outside CI"),
                }
                s.push_str(&format!(
                    ", {} to {}",
                    v(&self.started_at),
                    v(&self.finished_at)
                ));
                s
            }
        }
    }
}

impl BuildProvenance {
    /// "built by custody commit X in CI run URL at T" or "… on host H (build time not recorded)".
    pub fn describe(&self, version: &str) -> String {
        let v = |s: &str| one_line(s, 200);
        let mut s = format!(
            "built by custody {} (commit {})",
            v(version),
            v(&self.custody_commit)
        );
        match (&self.ci_run_url, &self.host) {
            (Some(u), _) => s.push_str(&format!(" in CI run {}", v(u))),
            (None, Some(h)) => s.push_str(&format!(" on host {}", v(h))),
            (None, None) => s.push_str(" on an unrecorded host"),
        }
        match &self.built_at {
            Some(t) => s.push_str(&format!(" at {}", v(t))),
            None => s.push_str(" (build time not recorded: set SOURCE_DATE_EPOCH)"),
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| m.get(k).cloned()
    }

    const GOOD: [(&str, &str); 5] = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_REPOSITORY", "msp-org/policies"),
        ("GITHUB_RUN_ID", "1234567890"),
        ("GITHUB_RUN_ATTEMPT", "2"),
    ];

    #[test]
    fn the_run_url_is_built_from_githubs_variables() {
        assert_eq!(
            ci_run_url(&env(&GOOD)).as_deref(),
            Some("https://github.com/msp-org/policies/actions/runs/1234567890/attempts/2")
        );
    }

    #[test]
    fn no_run_url_outside_github_actions() {
        let mut vars = GOOD.to_vec();
        vars[0] = ("GITHUB_ACTIONS", "1");
        assert_eq!(ci_run_url(&env(&vars)), None);
        assert_eq!(ci_run_url(&env(&GOOD[1..])), None);
    }

    #[test]
    fn hostile_ci_variables_are_left_out_not_passed_on() {
        for (k, bad) in [
            ("GITHUB_SERVER_URL", "http://github.com"),
            ("GITHUB_SERVER_URL", "https://user:pw@evil.example"),
            ("GITHUB_SERVER_URL", "https://evil.example/path"),
            ("GITHUB_SERVER_URL", "https://evil.example?x=1"),
            ("GITHUB_SERVER_URL", "javascript:alert(1)"),
            ("GITHUB_SERVER_URL", "https://github.com\nforged: line"),
            ("GITHUB_REPOSITORY", "owner/repo/../../x"),
            ("GITHUB_REPOSITORY", "owner/<script>"),
            ("GITHUB_REPOSITORY", "../repo"),
            ("GITHUB_REPOSITORY", "owner"),
            ("GITHUB_RUN_ID", "12 34"),
            ("GITHUB_RUN_ID", "-1"),
            ("GITHUB_RUN_ATTEMPT", "1\n::warning::x"),
            ("GITHUB_RUN_ATTEMPT", ""),
        ] {
            let vars: Vec<(&str, &str)> = GOOD
                .iter()
                .map(|&(key, v)| if key == k { (key, bad) } else { (key, v) })
                .collect();
            assert_eq!(ci_run_url(&env(&vars)), None, "{k}={bad:?}");
        }
    }

    #[test]
    fn build_time_only_from_source_date_epoch() {
        let b = BuildProvenance::from_vars(&env(&[]), Some("builder-1".into()));
        assert_eq!(b.built_at, None);
        assert_eq!(b.host.as_deref(), Some("builder-1"));
        let b = BuildProvenance::from_vars(
            &env(&[("SOURCE_DATE_EPOCH", "1764212220")]),
            Some("h".into()),
        );
        assert_eq!(b.built_at.as_deref(), Some("2025-11-27T02:57:00Z"));
        let b = BuildProvenance::from_vars(&env(&[("SOURCE_DATE_EPOCH", "yesterday")]), None);
        assert_eq!(b.built_at, None);
        // In CI the run names the builder, not the runner's host.
        let b = BuildProvenance::from_vars(&env(&GOOD), Some("runner-x".into()));
        assert_eq!(b.host, None);
        assert!(b.ci_run_url.is_some());
    }

    #[test]
    fn one_line_escapes_line_breaks_and_terminal_escapes() {
        assert_eq!(one_line("a\nb", 10), "a\\u{a}b");
        assert_eq!(one_line("\u{1b}[31mred", 20), "\\u{1b}[31mred");
        assert_eq!(one_line("x\u{202e}y", 10), "x\\u{202e}y");
        assert_eq!(one_line("abcdef", 3), "abc…");
    }
}
