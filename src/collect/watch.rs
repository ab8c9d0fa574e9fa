//! `custody watch`: between the monthly runs, a light look at each tenant for the
//! privileged-access changes the shared responsibility model wants alerts on.
//!
//! Per tenant, at most four requests: the directory audit events since the last run
//! (`/auditLogs/directoryAudits`, filtered on `activityDateTime`), the current active role
//! assignments and eligibilities, and, only when an event touched a Conditional Access
//! policy, the policies themselves. They are compared with the approved assignments and
//! the break-glass accounts of the policy in force (the working tree, as checked out).
//!
//! Two kinds of finding:
//! - **standing**: a privileged role held (active or eligible) by a principal the policy
//!   does not approve. It is reported on every run while it lasts, and disappears (the
//!   alert closes) when the assignment is removed or approved in the policy. The audit
//!   event that created it, when it falls in this run's window, names the actor.
//! - **events**: a privileged role removed, a break-glass account changed, a CA policy
//!   changed or switched off, an administrator's MFA method removed, a member added to
//!   a group that holds a privileged role. Reported once: the state file remembers the
//!   newest event seen per tenant.
//!
//! Nothing is written but the state file (tenant id → newest event time), which holds
//! no secret and no personal data, so it is safe to commit or cache.

use super::*;
use crate::controls::access::PRIVILEGED_ROLES;
use crate::evidence::graph::{CaPolicy, DirectoryAudit, RoleAssignment, RoleSchedule};
use crate::policy::{AssignmentKind, Policy};
use crate::progress::Reporter;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A `--state` file that cannot be read or written.
#[derive(Debug)]
pub enum StateError {
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    TooLarge {
        path: PathBuf,
    },
    Json {
        path: PathBuf,
        source: serde_path_to_error::Error<serde_json::Error>,
    },
    Version {
        path: PathBuf,
        version: u32,
    },
    LastEvent {
        path: PathBuf,
        tenant: String,
    },
    Serialize(serde_json::Error),
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateError::Read { path, source } => write!(f, "{}: {source}", path.display()),
            StateError::TooLarge { path } => write!(
                f,
                "{}: larger than 4 MiB, not a custody watch state file",
                path.display()
            ),
            StateError::Json { path, source } => write!(
                f,
                "{}: {}: {}",
                path.display(),
                source.path(),
                source.inner()
            ),
            StateError::Version { path, version } => {
                write!(f, "{}: state version {version} is not 1", path.display())
            }
            StateError::LastEvent { path, tenant } => write!(
                f,
                "{}: tenants.{tenant}.last_event: not an RFC 3339 time",
                path.display()
            ),
            StateError::Serialize(e) => e.fmt(f),
            StateError::Write { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for StateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StateError::Read { source, .. } | StateError::Write { source, .. } => Some(source),
            StateError::Json { source, .. } => Some(source),
            StateError::Serialize(e) => Some(e),
            _ => None,
        }
    }
}

/// A `--since` that is not a window custody can read from the audit log.
#[derive(Debug)]
pub enum SinceError {
    /// Days outside 1 to 90.
    Days(String),
    /// Not a time limit either, as `parse_timeout` says.
    Time(TimeoutError),
}

impl fmt::Display for SinceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SinceError::Days(s) => write!(
                f,
                "invalid duration {s:?}: days must be 1 to 90 (the audit log keeps 30 days)"
            ),
            SinceError::Time(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SinceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SinceError::Time(e) => Some(e),
            SinceError::Days(_) => None,
        }
    }
}

/// Why a watch did not run (no session), or one tenant's read stopped.
#[derive(Debug)]
pub enum WatchError {
    /// No Graph session (credentials, URLs), as collect's session says.
    Session(SessionError),
    /// A Graph request for `file` failed: why (as Graph said it, so the text is scrubbed
    /// before it is shown).
    Fetch { file: String, source: FetchError },
    /// A Graph answer for `file` that is not the documented shape.
    Shape {
        file: String,
        source: serde_path_to_error::Error<serde_json::Error>,
    },
}

impl fmt::Display for WatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WatchError::Session(e) => e.fmt(f),
            WatchError::Fetch { file, source } => write!(f, "{file}: {source}"),
            WatchError::Shape { file, source } => {
                write!(f, "{file}: value.{}: {}", source.path(), source.inner())
            }
        }
    }
}

impl std::error::Error for WatchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WatchError::Session(e) => Some(e),
            WatchError::Fetch { source, .. } => Some(source),
            WatchError::Shape { source, .. } => Some(source),
        }
    }
}

/// Without a state entry for a tenant, events this far back are read.
pub const DEFAULT_SINCE: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    UnapprovedPrivilegedAssignment,
    PrivilegedRoleRemoved,
    BreakGlassChanged,
    CaPolicyChanged,
    CaPolicyDisabled,
    MfaRemovedFromAdmin,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::UnapprovedPrivilegedAssignment => "unapproved privileged assignment",
            Kind::PrivilegedRoleRemoved => "privileged role removed",
            Kind::BreakGlassChanged => "break-glass account changed",
            Kind::CaPolicyChanged => "Conditional Access policy changed",
            Kind::CaPolicyDisabled => "Conditional Access policy disabled",
            Kind::MfaRemovedFromAdmin => "MFA method removed from an administrator",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Stable across runs: the workflow opens one issue per key and closes it when the
    /// key is no longer reported (standing findings).
    pub key: String,
    pub kind: Kind,
    /// Reported while it lasts (true) or once (false).
    pub standing: bool,
    /// First seen in this run's window.
    pub new: bool,
    pub principal: String,
    pub role: Option<String>,
    pub actor: Option<String>,
    pub at: Option<String>,
    pub detail: String,
    /// An issue title and a Markdown body, with everything from Graph escaped.
    pub title: String,
    pub markdown: String,
}

/// A privileged change the policy approves: listed, no alert.
#[derive(Debug, Clone, Serialize)]
pub struct Approved {
    pub principal: String,
    pub role: String,
    pub actor: Option<String>,
    pub at: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TenantWatch {
    pub client: String,
    pub tenant_id: Option<String>,
    /// Start of the window read (exclusive when it comes from the state file).
    pub since: Option<String>,
    pub error: Option<String>,
    pub findings: Vec<Finding>,
    pub approved: Vec<Approved>,
    /// Requests sent to Graph for this tenant (the token request not counted).
    pub requests: u32,
    #[serde(skip)]
    newest_event: Option<jiff::Timestamp>,
}

/// The state file: the newest audit event seen per tenant.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    #[serde(default)]
    pub tenants: BTreeMap<String, TenantState>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct TenantState {
    pub last_event: Option<String>,
}

impl State {
    /// Reads `path`; a missing file is an empty state; anything unreadable is an error
    /// naming the file and the JSON path.
    pub fn load(path: &Path) -> Result<State, StateError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(State {
                    version: 1,
                    ..State::default()
                });
            }
            Err(source) => {
                return Err(StateError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        if bytes.len() > 4 << 20 {
            return Err(StateError::TooLarge {
                path: path.to_path_buf(),
            });
        }
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        let state: State =
            serde_path_to_error::deserialize(de).map_err(|source| StateError::Json {
                path: path.to_path_buf(),
                source,
            })?;
        if state.version != 1 {
            return Err(StateError::Version {
                path: path.to_path_buf(),
                version: state.version,
            });
        }
        for (tenant, t) in &state.tenants {
            if let Some(l) = &t.last_event
                && l.parse::<jiff::Timestamp>().is_err()
            {
                return Err(StateError::LastEvent {
                    path: path.to_path_buf(),
                    tenant: tenant.clone(),
                });
            }
        }
        Ok(state)
    }

    /// Written beside and renamed over `path`.
    pub fn save(&self, path: &Path) -> Result<(), StateError> {
        let mut bytes = serde_json::to_vec_pretty(self).map_err(StateError::Serialize)?;
        bytes.push(b'\n');
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        std::fs::write(&tmp, &bytes)
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|source| {
                let _ = std::fs::remove_file(&tmp);
                StateError::Write {
                    path: path.to_path_buf(),
                    source,
                }
            })
    }
}

/// Parses `--since`: a number with `m`, `h` or `d` (`90m`, `6h`, `7d`), or seconds.
pub fn parse_since(s: &str) -> Result<Duration, SinceError> {
    let t = s.trim();
    match t.strip_suffix('d') {
        Some(days) => days
            .parse::<u64>()
            .ok()
            .filter(|d| (1..=90).contains(d))
            .map(|d| Duration::from_secs(d * 86_400))
            .ok_or_else(|| SinceError::Days(s.to_owned())),
        None => parse_timeout(t).map_err(SinceError::Time),
    }
}

pub struct WatchOptions {
    /// Window for tenants without a state entry.
    pub since: Duration,
}

/// Watches every client of `opts.clients`; `state` gives each tenant's last event and
/// is advanced for every tenant read without error.
pub fn watch(
    opts: &CollectOptions,
    wopts: &WatchOptions,
    creds: Credentials,
    state: &mut State,
    now: jiff::Timestamp,
    report: &dyn Reporter,
) -> Result<Vec<TenantWatch>, WatchError> {
    let session = Session::open(opts, creds).map_err(WatchError::Session)?;
    let state_in: &State = state;
    let mut out = session.each_client(opts, report, |ctx| watch_tenant(ctx, wopts, state_in, now));
    out.sort_by(|a, b| a.client.cmp(&b.client));
    for w in &out {
        if let (None, Some(t)) = (&w.error, &w.tenant_id) {
            let entry = state.tenants.entry(t.clone()).or_default();
            if let Some(n) = w.newest_event {
                entry.last_event = Some(n.to_string());
            } else if entry.last_event.is_none() {
                // Nothing happened in the window: the next run starts where this one did.
                entry.last_event = w.since.clone();
            }
        }
    }
    state.version = 1;
    Ok(out)
}

fn watch_tenant(
    ctx: &ClientCtx,
    wopts: &WatchOptions,
    state: &State,
    now: jiff::Timestamp,
) -> TenantWatch {
    let mut w = TenantWatch {
        client: ctx.id.to_string(),
        tenant_id: None,
        since: None,
        error: None,
        findings: Vec::new(),
        approved: Vec::new(),
        requests: 0,
        newest_event: None,
    };
    let policy = match load_policy(
        &WorkingTree(ctx.opts.repo.clone()),
        ctx.id,
        crate::controls::known(),
    ) {
        Ok(p) => p,
        Err(d) => {
            let msgs: Vec<String> = d.iter().map(|d| d.to_string()).collect();
            w.error = Some(format!("policy does not load: {}", msgs.join("; ")));
            return w;
        }
    };
    let tenant = policy.client.tenant_id.clone();
    w.tenant_id = Some(tenant.clone());
    let since = state
        .tenants
        .get(&tenant)
        .and_then(|t| t.last_event.as_deref())
        .and_then(|l| l.parse::<jiff::Timestamp>().ok());
    let (since, exclusive) = match since {
        Some(t) => (t, true),
        None => (
            now.checked_sub(
                jiff::SignedDuration::try_from(wopts.since).unwrap_or(jiff::SignedDuration::ZERO),
            )
            .unwrap_or(now),
            false,
        ),
    };
    w.since = Some(since.to_string());
    match read_tenant(ctx, &policy, &tenant, since, exclusive, &mut w) {
        Ok(()) => {}
        Err(e) => {
            w.error = Some(ctx.tokens.redactor().redact(&e.to_string()));
            w.findings.clear();
            w.approved.clear();
            w.newest_event = None;
        }
    }
    w
}

fn get_values<T: serde::de::DeserializeOwned>(
    ctx: &ClientCtx,
    request: &str,
    file: &str,
    tenant: &str,
    requests: &mut u32,
) -> Result<Vec<T>, WatchError> {
    let cancel = AtomicBool::new(false);
    let f = ctx
        .fetch(Shape::Collection, request, file, tenant, &cancel)
        .map_err(|source| WatchError::Fetch {
            file: file.to_owned(),
            source,
        })?;
    *requests += f.pages;
    let values = f.body.get("value").cloned().unwrap_or(Value::Null);
    serde_path_to_error::deserialize(values).map_err(|source| WatchError::Shape {
        file: file.to_owned(),
        source,
    })
}

/// One held privileged role.
struct Held {
    principal_id: String,
    /// UPN, display name or id: what the approved list is matched against.
    names: Vec<String>,
    role_id: String,
    role_name: String,
    kind: AssignmentKind,
}

fn privileged_name(role: &str, policy: &Policy) -> Option<String> {
    PRIVILEGED_ROLES
        .iter()
        .find(|(id, name)| id.eq_ignore_ascii_case(role) || name.eq_ignore_ascii_case(role))
        .map(|(_, n)| (*n).to_owned())
        .or_else(|| {
            policy
                .controls
                .extra_privileged_roles
                .iter()
                .find(|r| r.eq_ignore_ascii_case(role))
                .cloned()
        })
}

fn approved(policy: &Policy, names: &[String], role: &str, kind: AssignmentKind) -> bool {
    policy.controls.approved.iter().any(|p| {
        p.role.eq_ignore_ascii_case(role)
            // An active assignment of an approved eligibility is its PIM activation.
            && (p.assignment == kind || p.assignment == AssignmentKind::Eligible)
            && names.iter().any(|n| n.eq_ignore_ascii_case(&p.principal))
    })
}

fn is_break_glass(policy: &Policy, names: &[&str]) -> bool {
    policy
        .controls
        .break_glass
        .iter()
        .any(|(upn, _)| names.iter().any(|n| n.eq_ignore_ascii_case(upn)))
}

fn unquote(s: &str) -> String {
    s.trim().trim_matches('"').to_owned()
}

fn read_tenant(
    ctx: &ClientCtx,
    policy: &Policy,
    tenant: &str,
    since: jiff::Timestamp,
    exclusive: bool,
    w: &mut TenantWatch,
) -> Result<(), WatchError> {
    let op = if exclusive { "gt" } else { "ge" };
    let audits: Vec<DirectoryAudit> = get_values(
        ctx,
        &format!(
            "/v1.0/auditLogs/directoryAudits?$filter=activityDateTime%20{op}%20{since}&$top=500"
        ),
        "directoryAudits",
        tenant,
        &mut w.requests,
    )?;
    let assignments: Vec<RoleAssignment> = get_values(
        ctx,
        "/v1.0/roleManagement/directory/roleAssignments?$expand=principal",
        "roleAssignments",
        tenant,
        &mut w.requests,
    )?;
    let eligible: Vec<RoleSchedule> = match get_values(
        ctx,
        "/v1.0/roleManagement/directory/roleEligibilitySchedules?$expand=principal",
        "roleEligibilitySchedules",
        tenant,
        &mut w.requests,
    ) {
        Ok(v) => v,
        // Without Entra ID P2 there are no eligibilities to hold.
        Err(e) if e.to_string().contains(NOT_LICENSED_CODE) => Vec::new(),
        Err(e) => return Err(e),
    };

    let mut held: Vec<Held> = Vec::new();
    let names_of = |id: &str, p: Option<&crate::evidence::graph::Principal>| {
        let mut n = vec![id.to_owned()];
        if let Some(p) = p {
            n.extend(p.user_principal_name.clone());
            n.extend(p.display_name.clone());
        }
        n
    };
    for a in &assignments {
        if let Some(role_name) = privileged_name(&a.role_definition_id, policy) {
            held.push(Held {
                principal_id: a.principal_id.clone(),
                names: names_of(&a.principal_id, a.principal.as_ref()),
                role_id: a.role_definition_id.clone(),
                role_name,
                kind: AssignmentKind::Active,
            });
        }
    }
    for e in &eligible {
        if let Some(role_name) = privileged_name(&e.role_definition_id, policy) {
            held.push(Held {
                principal_id: e.principal_id.clone(),
                names: names_of(&e.principal_id, e.principal.as_ref()),
                role_id: e.role_definition_id.clone(),
                role_name,
                kind: AssignmentKind::Eligible,
            });
        }
    }

    let mut events: Vec<&DirectoryAudit> = audits
        .iter()
        .filter(|e| {
            e.result
                .as_deref()
                .is_none_or(|r| r.eq_ignore_ascii_case("success"))
        })
        .collect();
    events.sort_by_key(|e| e.activity_date_time);
    w.newest_event = events.iter().filter_map(|e| e.activity_date_time).max();

    // Role additions in the window: who added which role to whom.
    let mut added: Vec<(Vec<String>, String, &DirectoryAudit)> = Vec::new();
    let mut ca_events: Vec<&DirectoryAudit> = Vec::new();
    let admin_names: Vec<&str> = held
        .iter()
        .flat_map(|h| h.names.iter().map(String::as_str))
        .collect();
    for e in &events {
        let activity = e.activity_display_name.as_deref().unwrap_or("");
        let lower = activity.to_ascii_lowercase();
        let category = e.category.as_deref().unwrap_or("");
        let targets: Vec<&str> = e
            .target_resources
            .iter()
            .filter(|t| {
                t.kind
                    .as_deref()
                    .is_none_or(|k| !k.eq_ignore_ascii_case("Role"))
            })
            .flat_map(|t| {
                [
                    t.user_principal_name.as_deref(),
                    t.display_name.as_deref(),
                    t.id.as_deref(),
                ]
            })
            .flatten()
            .collect();
        let principal = targets
            .first()
            .map(|s| (*s).to_owned())
            .unwrap_or_else(|| "unknown".into());
        let role = role_of(e);
        if category.eq_ignore_ascii_case("RoleManagement") {
            if lower.contains("activation") {
                continue; // PIM activation: the approved way to use an eligibility
            }
            let Some(role) = role.and_then(|r| privileged_name(&r, policy)) else {
                continue;
            };
            if lower.starts_with("add") && lower.contains("member to role") {
                if is_break_glass(policy, &targets) {
                    push_event(
                        w,
                        Kind::BreakGlassChanged,
                        tenant,
                        e,
                        &principal,
                        Some(&role),
                        activity,
                    );
                }
                added.push((targets.iter().map(|s| (*s).to_owned()).collect(), role, e));
            } else if lower.starts_with("remove") && lower.contains("member from role") {
                let kind = if is_break_glass(policy, &targets) {
                    Kind::BreakGlassChanged
                } else {
                    Kind::PrivilegedRoleRemoved
                };
                push_event(w, kind, tenant, e, &principal, Some(&role), activity);
            }
        } else if category.eq_ignore_ascii_case("Policy")
            && lower.contains("conditional access policy")
        {
            ca_events.push(e);
        } else if category.eq_ignore_ascii_case("GroupManagement")
            && lower.starts_with("add member to group")
        {
            // A member of a group that holds a privileged role holds it too.
            let group = e
                .target_resources
                .iter()
                .find(|t| {
                    t.kind
                        .as_deref()
                        .is_some_and(|k| k.eq_ignore_ascii_case("Group"))
                })
                .and_then(|t| t.id.clone());
            if let Some(h) = group.and_then(|g| {
                held.iter()
                    .find(|h| h.principal_id.eq_ignore_ascii_case(&g))
            }) {
                let member = e
                    .target_resources
                    .iter()
                    .find(|t| {
                        t.kind
                            .as_deref()
                            .is_some_and(|k| k.eq_ignore_ascii_case("User"))
                    })
                    .and_then(|t| t.user_principal_name.clone().or(t.id.clone()))
                    .unwrap_or_else(|| "unknown".into());
                let detail = format!(
                    "{activity}: {member} added to a group holding {}",
                    h.role_name
                );
                push_event(
                    w,
                    Kind::UnapprovedPrivilegedAssignment,
                    tenant,
                    e,
                    &member,
                    Some(&h.role_name.clone()),
                    &detail,
                );
            }
        } else if category.eq_ignore_ascii_case("UserManagement") {
            if is_break_glass(policy, &targets) {
                push_event(
                    w,
                    Kind::BreakGlassChanged,
                    tenant,
                    e,
                    &principal,
                    None,
                    activity,
                );
            } else if (lower.contains("deleted security info")
                || lower.contains("delete authentication method")
                || lower.contains("deleted authentication method"))
                && targets
                    .iter()
                    .any(|t| admin_names.iter().any(|a| a.eq_ignore_ascii_case(t)))
            {
                push_event(
                    w,
                    Kind::MfaRemovedFromAdmin,
                    tenant,
                    e,
                    &principal,
                    None,
                    activity,
                );
            }
        }
    }

    // CA changes: the policies as they are now, read only when an event names one.
    if !ca_events.is_empty() {
        let policies: Vec<CaPolicy> = get_values(
            ctx,
            "/v1.0/identity/conditionalAccess/policies",
            "conditionalAccessPolicies",
            tenant,
            &mut w.requests,
        )?;
        for e in ca_events {
            let target = e.target_resources.first();
            let id = target.and_then(|t| t.id.clone()).unwrap_or_default();
            let name = target
                .and_then(|t| t.display_name.clone())
                .unwrap_or_else(|| id.clone());
            let activity = e.activity_display_name.as_deref().unwrap_or("");
            let now_state = policies.iter().find(|p| p.id.eq_ignore_ascii_case(&id));
            let (kind, detail) = match now_state {
                Some(p) if p.state != "enabled" => (
                    Kind::CaPolicyDisabled,
                    format!("{activity}; the policy is now {}", p.state),
                ),
                Some(_) => (
                    Kind::CaPolicyChanged,
                    format!("{activity}; the policy is enabled"),
                ),
                None => (
                    Kind::CaPolicyChanged,
                    format!("{activity}; the policy no longer exists"),
                ),
            };
            push_event(w, kind, tenant, e, &name, None, &detail);
        }
    }

    // Standing: every privileged role held without approval, with the event that
    // added it when it is in this window.
    for h in &held {
        let by_event = added.iter().rev().find(|(t, r, _)| {
            r.eq_ignore_ascii_case(&h.role_name)
                && t.iter()
                    .any(|x| h.names.iter().any(|n| n.eq_ignore_ascii_case(x)))
        });
        if approved(policy, &h.names, &h.role_name, h.kind) {
            if let Some((_, _, e)) = by_event {
                w.approved.push(Approved {
                    principal: display(&h.names),
                    role: h.role_name.clone(),
                    actor: Some(e.actor()),
                    at: e.activity_date_time.map(|t| t.to_string()),
                });
            }
            continue;
        }
        let principal = display(&h.names);
        let key = format!(
            "unapproved:{tenant}:{}:{}:{}",
            h.principal_id.to_ascii_lowercase(),
            h.role_id.to_ascii_lowercase(),
            h.kind.as_str()
        );
        let (actor, at) = match by_event {
            Some((_, _, e)) => (Some(e.actor()), e.activity_date_time.map(|t| t.to_string())),
            None => (None, None),
        };
        let detail = format!(
            "{principal} holds {} ({}) and is not in the approved assignments of controls.toml",
            h.role_name,
            h.kind.as_str()
        );
        w.findings.push(finding(
            key,
            Kind::UnapprovedPrivilegedAssignment,
            true,
            by_event.is_some(),
            tenant,
            &principal,
            Some(&h.role_name),
            actor,
            at,
            detail,
        ));
    }
    Ok(())
}

fn display(names: &[String]) -> String {
    // UPN first, then display name, then the id.
    names
        .iter()
        .skip(1)
        .find(|n| n.contains('@'))
        .or(names.get(1))
        .or(names.first())
        .cloned()
        .unwrap_or_default()
}

/// The role an audit event names: `Role.TemplateId` or `Role.DisplayName` among the
/// modified properties, or the id of a target of type Role.
fn role_of(e: &DirectoryAudit) -> Option<String> {
    let props = e
        .target_resources
        .iter()
        .flat_map(|t| &t.modified_properties);
    let prop = |name: &str| {
        props
            .clone()
            .find(|p| p.display_name.as_deref() == Some(name))
            .and_then(|p| p.new_value.as_deref().or(p.old_value.as_deref()))
            .map(unquote)
            .filter(|v| !v.is_empty())
    };
    prop("Role.TemplateId")
        .or_else(|| prop("Role.DisplayName"))
        .or_else(|| {
            e.target_resources
                .iter()
                .find(|t| {
                    t.kind
                        .as_deref()
                        .is_some_and(|k| k.eq_ignore_ascii_case("Role"))
                })
                .and_then(|t| t.id.clone().or(t.display_name.clone()))
        })
}

#[allow(clippy::too_many_arguments)]
fn finding(
    key: String,
    kind: Kind,
    standing: bool,
    new: bool,
    tenant: &str,
    principal: &str,
    role: Option<&str>,
    actor: Option<String>,
    at: Option<String>,
    detail: String,
) -> Finding {
    let clean = |s: &str| http::server_text(s);
    // Keys go into issue bodies and workflow searches verbatim: only a safe alphabet.
    let key: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "._:-".contains(*c))
        .take(200)
        .collect();
    let principal = clean(principal);
    let role = role.map(clean);
    let actor = actor.map(|a| clean(&a));
    let detail = clean(&detail);
    let md = crate::report::markdown::escape;
    let title = format!(
        "custody watch: {} — {}{}",
        kind.label(),
        principal,
        role.as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default()
    );
    let mut markdown = format!(
        "**{}** in tenant `{tenant}`\n\n- principal: {}\n",
        kind.label(),
        md(&principal)
    );
    if let Some(r) = &role {
        markdown.push_str(&format!("- role: {}\n", md(r)));
    }
    markdown.push_str(&format!(
        "- by: {}\n- when: {}\n- detail: {}\n\n<!-- custody-watch:{} -->\n",
        actor
            .as_deref()
            .map(md)
            .unwrap_or_else(|| "not in the audit window".into()),
        at.as_deref().map(md).unwrap_or_else(|| "unknown".into()),
        md(&detail),
        key
    ));
    Finding {
        key,
        kind,
        standing,
        new,
        principal,
        role,
        actor,
        at,
        detail,
        title: title.chars().take(200).collect(),
        markdown,
    }
}

fn push_event(
    w: &mut TenantWatch,
    kind: Kind,
    tenant: &str,
    e: &DirectoryAudit,
    principal: &str,
    role: Option<&str>,
    detail: &str,
) {
    let key = format!(
        "{}:{tenant}:{}",
        serde_json::to_value(kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        e.id
    );
    w.findings.push(finding(
        key,
        kind,
        false,
        true,
        tenant,
        principal,
        role,
        Some(e.actor()),
        e.activity_date_time.map(|t| t.to_string()),
        detail.to_owned(),
    ));
}

/// Something needs attention: a finding, or a tenant that could not be read.
pub fn needs_attention(ws: &[TenantWatch]) -> bool {
    ws.iter()
        .any(|w| !w.findings.is_empty() || w.error.is_some())
}

pub fn render_text(ws: &[TenantWatch]) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for w in ws {
        let tenant = w.tenant_id.as_deref().unwrap_or("?");
        if let Some(e) = &w.error {
            let _ = writeln!(s, "{} (tenant {tenant}): error: {e}", w.client);
            continue;
        }
        let _ = writeln!(
            s,
            "{} (tenant {tenant}): {} finding{} since {} ({} requests)",
            w.client,
            w.findings.len(),
            if w.findings.len() == 1 { "" } else { "s" },
            w.since.as_deref().unwrap_or("?"),
            w.requests
        );
        for f in &w.findings {
            let _ = writeln!(
                s,
                "  {}{}: {}{} by {} at {}",
                if f.new { "NEW " } else { "" },
                f.kind.label(),
                f.principal,
                f.role
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default(),
                f.actor.as_deref().unwrap_or("?"),
                f.at.as_deref().unwrap_or("?")
            );
        }
        for a in &w.approved {
            let _ = writeln!(
                s,
                "  approved: {} ({}) by {}",
                a.principal,
                a.role,
                a.actor.as_deref().unwrap_or("?")
            );
        }
    }
    s
}

pub fn render_markdown(ws: &[TenantWatch]) -> String {
    let md = crate::report::markdown::escape;
    let mut s = String::from("## custody watch\n\n");
    if !needs_attention(ws) {
        s.push_str("Nothing needs attention.\n");
        return s;
    }
    for w in ws {
        if let Some(e) = &w.error {
            s.push_str(&format!("### {}\n\nerror: {}\n\n", md(&w.client), md(e)));
            continue;
        }
        if w.findings.is_empty() {
            continue;
        }
        s.push_str(&format!("### {}\n\n", md(&w.client)));
        for f in &w.findings {
            s.push_str(&f.markdown);
            s.push('\n');
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_files_are_checked_and_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("watch-state.json");
        assert_eq!(
            State::load(&p).unwrap().tenants.len(),
            0,
            "missing file: empty state"
        );
        let mut s = State {
            version: 1,
            ..State::default()
        };
        s.tenants.insert(
            "t".into(),
            TenantState {
                last_event: Some("2026-12-05T10:00:00Z".into()),
            },
        );
        s.save(&p).unwrap();
        assert_eq!(
            State::load(&p).unwrap().tenants["t"].last_event.as_deref(),
            Some("2026-12-05T10:00:00Z")
        );
        std::fs::write(
            &p,
            r#"{"version":1,"tenants":{"t":{"last_event":"yesterday"}}}"#,
        )
        .unwrap();
        let e = State::load(&p).unwrap_err();
        assert!(
            matches!(&e, StateError::LastEvent { tenant, .. } if tenant == "t"),
            "{e:?}"
        );
        assert!(e.to_string().contains("tenants.t.last_event"), "{e}");
        std::fs::write(&p, r#"{"version":1,"tenants":{"t":{"last_event":5}}}"#).unwrap();
        let e = State::load(&p).unwrap_err();
        assert!(matches!(e, StateError::Json { .. }), "{e:?}");
        assert!(e.to_string().contains("tenants.t.last_event"), "{e}");
        std::fs::write(&p, r#"{"version":2}"#).unwrap();
        assert!(matches!(
            State::load(&p),
            Err(StateError::Version { version: 2, .. })
        ));
    }

    #[test]
    fn hostile_names_are_escaped_in_titles_and_markdown() {
        let f = finding(
            "k".into(),
            Kind::UnapprovedPrivilegedAssignment,
            true,
            true,
            "t",
            "evil\n@everyone <img src=x onerror=alert(1)> [x](javascript:alert(1))",
            Some("Global Administrator"),
            Some("mallory@x".into()),
            None,
            "d".into(),
        );
        assert!(!f.title.contains('\n'));
        assert!(
            f.markdown.contains("\\<img") && !f.markdown.contains(" <img"),
            "{}",
            f.markdown
        );
        assert!(!f.markdown.contains("](javascript"), "{}", f.markdown);
    }
}
