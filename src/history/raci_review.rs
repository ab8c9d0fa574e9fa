//! The weekly responsibility review (`custody watch --raci-since 7d`): what changed in
//! each client's RACI over a period, read from git history. Who became (or stopped
//! being) accountable or responsible for which activity, activities added or removed,
//! and enabled controls left without an owning activity. No Graph request is made.

use super::PolicyHistory;
use crate::client_id::ClientId;
use crate::policy::Policy;
use crate::policy::load::{WorkingTree, load_policy};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::Path;

#[derive(Debug, Serialize)]
pub struct RaciReview {
    /// Start of the period.
    pub since: String,
    /// The commit in force at the start (newest first-parent commit before it); `None`
    /// when the history starts later: everything then counts as added.
    pub base_commit: Option<String>,
    pub clients: Vec<ClientReview>,
}

#[derive(Debug, Serialize)]
pub struct ClientReview {
    pub client: String,
    /// One line per change, in plain words.
    pub changes: Vec<String>,
    /// Enabled controls owned at the start and by no activity now.
    pub newly_unowned: Vec<String>,
    /// Enabled controls no activity covers now.
    pub unowned: Vec<String>,
    /// The policy does not load at the start or now.
    pub error: Option<String>,
}

impl RaciReview {
    /// Anything for the weekly review: a change, or a control newly without an owner.
    pub fn has_changes(&self) -> bool {
        self.clients
            .iter()
            .any(|c| !c.changes.is_empty() || !c.newly_unowned.is_empty() || c.error.is_some())
    }
}

fn unowned(policy: &Policy) -> BTreeSet<String> {
    let disabled: BTreeSet<&str> = policy
        .controls
        .disabled
        .iter()
        .map(|d| d.control.as_str())
        .collect();
    crate::controls::catalogue()
        .iter()
        .filter(|c| !disabled.contains(c.id.as_str()))
        .filter(|c| !policy.raci.activities.iter().any(|a| a.covers(&c.id)))
        .map(|c| c.id.clone())
        .collect()
}

fn people(v: &[String]) -> String {
    if v.is_empty() {
        "nobody".to_owned()
    } else {
        v.join(", ")
    }
}

/// Why the RACI review cannot run.
#[derive(Debug)]
pub enum ReviewError {
    /// Not a git repository (or no usable history): the warning that says why.
    NotGit(String),
    /// `clients/` cannot be listed.
    Clients(crate::diagnostic::Diagnostic),
    History(super::HistoryError),
}

impl std::fmt::Display for ReviewError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReviewError::NotGit(why) => write!(f, "--raci-since reads git history: {why}"),
            ReviewError::Clients(d) => d.fmt(f),
            ReviewError::History(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ReviewError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReviewError::History(e) => Some(e),
            _ => None,
        }
    }
}

/// Compares each client's RACI at the start of the period with the working tree.
pub fn review(repo: &Path, since: jiff::Timestamp) -> Result<RaciReview, ReviewError> {
    let history = PolicyHistory::open(repo);
    let PolicyHistory::Git(g) = &history else {
        return Err(ReviewError::NotGit(
            history
                .warning()
                .unwrap_or_else(|| "not a git repository".into()),
        ));
    };
    let base = g
        .commits()
        .iter()
        .find(|c| c.in_force_from <= since)
        .map(|c| c.sha.clone());
    let (now_clients, _) = crate::repo::discover_clients(repo).map_err(ReviewError::Clients)?;
    let then_clients = match &base {
        Some(sha) => history.clients_at(sha).map_err(ReviewError::History)?,
        None => Vec::new(),
    };
    let all: BTreeSet<ClientId> = now_clients.iter().chain(&then_clients).cloned().collect();
    let mut clients = Vec::new();
    for id in all {
        let mut r = ClientReview {
            client: id.to_string(),
            changes: Vec::new(),
            newly_unowned: Vec::new(),
            unowned: Vec::new(),
            error: None,
        };
        let now = if now_clients.contains(&id) {
            match load_policy(
                &WorkingTree(repo.to_path_buf()),
                &id,
                crate::controls::known(),
            ) {
                Ok(p) => Some(p),
                Err(d) => {
                    r.error = Some(format!(
                        "the policy does not load now: {}",
                        d.first().map(|d| d.to_string()).unwrap_or_default()
                    ));
                    clients.push(r);
                    continue;
                }
            }
        } else {
            None
        };
        let then = match (&base, then_clients.contains(&id)) {
            (Some(sha), true) => {
                let source = history.source_at(sha).map_err(ReviewError::History)?;
                load_policy(&*source, &id, crate::controls::known()).ok()
            }
            _ => None,
        };
        match (&then, &now) {
            (None, None) => continue,
            (Some(_), None) => r.changes.push("client removed".into()),
            (None, Some(_)) => r.changes.push("client added".into()),
            (Some(_), Some(_)) => {}
        }
        let before = then
            .as_ref()
            .map(|p| p.raci.activities.clone())
            .unwrap_or_default();
        let after = now
            .as_ref()
            .map(|p| p.raci.activities.clone())
            .unwrap_or_default();
        for a in &after {
            match before.iter().find(|b| b.id == a.id) {
                None => r.changes.push(format!(
                    "activity {:?} added: accountable {}, responsible {}",
                    a.name,
                    people(&a.accountable),
                    people(&a.responsible)
                )),
                Some(b) => {
                    for (letter, old, new) in [
                        ("accountable", &b.accountable, &a.accountable),
                        ("responsible", &b.responsible, &a.responsible),
                        ("consulted", &b.consulted, &a.consulted),
                        ("informed", &b.informed, &a.informed),
                    ] {
                        if old != new {
                            r.changes.push(format!(
                                "{:?}: {letter} was {}, is now {}",
                                a.name,
                                people(old),
                                people(new)
                            ));
                        }
                    }
                    if b.controls != a.controls {
                        r.changes.push(format!(
                            "{:?}: controls were {}, are now {}",
                            a.name,
                            people(&b.controls),
                            people(&a.controls)
                        ));
                    }
                }
            }
        }
        for b in &before {
            if !after.iter().any(|a| a.id == b.id) {
                r.changes.push(format!(
                    "activity {:?} removed (accountable was {})",
                    b.name,
                    people(&b.accountable)
                ));
            }
        }
        if let Some(p) = &now {
            let un_now = unowned(p);
            let un_then = then.as_ref().map(unowned).unwrap_or_default();
            r.newly_unowned = un_now
                .iter()
                .filter(|c| then.is_some() && !un_then.contains(*c))
                .cloned()
                .collect();
            r.unowned = un_now.into_iter().collect();
        }
        clients.push(r);
    }
    Ok(RaciReview {
        since: since.to_string(),
        base_commit: base,
        clients,
    })
}

/// Text, or Markdown (escaped) for an issue or a chat post.
pub fn render(r: &RaciReview, markdown: bool) -> String {
    let esc = |s: &str| {
        if markdown {
            crate::report::markdown::escape(s)
        } else {
            s.to_owned()
        }
    };
    let mut s = if markdown {
        format!("## Responsibility review since {}\n\n", r.since)
    } else {
        format!("responsibility review since {}\n", r.since)
    };
    for c in &r.clients {
        if c.changes.is_empty()
            && c.newly_unowned.is_empty()
            && c.unowned.is_empty()
            && c.error.is_none()
        {
            continue;
        }
        s.push_str(&if markdown {
            format!("### {}\n\n", esc(&c.client))
        } else {
            format!("{}:\n", c.client)
        });
        let item = |t: &str| {
            if markdown {
                format!("- {}\n", esc(t))
            } else {
                format!("  {t}\n")
            }
        };
        if let Some(e) = &c.error {
            s.push_str(&item(e));
        }
        for ch in &c.changes {
            s.push_str(&item(ch));
        }
        if !c.newly_unowned.is_empty() {
            s.push_str(&item(&format!(
                "left without an owner this period: {}",
                c.newly_unowned.join(", ")
            )));
        }
        if !c.unowned.is_empty() {
            s.push_str(&item(&format!(
                "{} enabled controls have no owning activity",
                c.unowned.len()
            )));
        }
        if markdown {
            s.push('\n');
        }
    }
    if !r.has_changes() {
        s.push_str(if markdown {
            "No RACI changes.\n"
        } else {
            "no RACI changes\n"
        });
    }
    s
}
