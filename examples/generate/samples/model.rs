//! The tenant model every client's story is told in: people over time, role grants, PIM
//! activations, sites, backup job specifications and restore tests. Each client fills
//! one [`Client`]; the Graph and backup builders read it at a collection time.

use super::ids::{T, dt};
use super::json::J;
use std::cell::RefCell;
use std::collections::HashMap;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Member,
    Guest,
    Shared,
    BreakGlass,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SignIn {
    /// Signs in every day or so.
    Active,
    /// Break-glass: tested once a month, interactive only.
    Monthly,
    /// Last signed in at `last_signin`, never since.
    Fixed,
    None,
    /// A guest: now and then.
    Guest,
}

/// A licence: held while the account is enabled, or only within a window.
#[derive(Clone, Debug)]
pub enum Licence {
    Always(&'static str),
    Window(&'static str, String, Option<String>),
}

/// One user object over time. Dates are ISO strings; `None` means "never".
#[derive(Clone, Debug)]
pub struct Person {
    pub alias: String,
    pub name: String,
    pub upn: String,
    pub kind: Kind,
    pub created: String,
    /// Account disabled from this date.
    pub disabled: Option<String>,
    /// Gone from the directory from this date.
    pub deleted: Option<String>,
    pub licences: Vec<Licence>,
    /// Registered for MFA from this date (`None`: never).
    pub mfa_from: Option<String>,
    pub methods: Option<Vec<&'static str>>,
    pub signin: SignIn,
    pub last_signin: Option<String>,
    pub mailbox: bool,
    pub drive: bool,
    /// userType spelt in lower case in the role-assignment principal.
    pub lower_case: bool,
    /// A joiner who has not signed in yet before this.
    pub first_signin: Option<String>,
    /// (from, last sign-in): stops signing in until registered for MFA.
    pub dormant: Option<(String, String)>,
    /// Break-glass: (from, last sign-in before monthly tests began).
    pub monthly_from: Option<(String, String)>,
    /// Pre-provisioned joiner: disabled until the first day.
    pub enabled_from: Option<String>,
    /// Synchronised from an on-premises directory (onPremisesSyncEnabled).
    pub synced: bool,
    pub guest_mail: Option<String>,
    pub id: String,
}

impl Person {
    /// A person with the defaults of the Python model: a member since 2023-03-01,
    /// registered for MFA then, signing in actively, with a mailbox and a OneDrive.
    pub fn new(alias: &str, name: &str, upn: &str, kind: Kind) -> Person {
        Person {
            alias: alias.into(),
            name: name.into(),
            upn: upn.into(),
            kind,
            created: "2023-03-01".into(),
            disabled: None,
            deleted: None,
            licences: Vec::new(),
            mfa_from: Some("2023-03-01".into()),
            methods: None,
            signin: SignIn::Active,
            last_signin: None,
            mailbox: matches!(kind, Kind::Member | Kind::Shared),
            drive: kind == Kind::Member,
            lower_case: false,
            first_signin: None,
            dormant: None,
            monthly_from: None,
            enabled_from: None,
            synced: false,
            guest_mail: None,
            id: String::new(),
        }
    }

    pub fn exists(&self, t: T) -> bool {
        dt(&self.created) <= t && self.deleted.as_deref().is_none_or(|d| dt(d) > t)
    }

    pub fn enabled(&self, t: T) -> bool {
        if self.kind == Kind::Shared {
            return false;
        }
        if self.enabled_from.as_deref().is_some_and(|e| t < dt(e)) {
            return false;
        }
        !self.disabled_at(t)
    }

    pub fn disabled_at(&self, t: T) -> bool {
        self.disabled.as_deref().is_some_and(|d| dt(d) <= t)
    }

    pub fn mfa(&self, t: T) -> bool {
        self.mfa_from.as_deref().is_some_and(|m| dt(m) <= t)
    }

    pub fn user_type(&self) -> &'static str {
        if self.kind == Kind::Guest {
            "Guest"
        } else {
            "Member"
        }
    }

    /// The SKUs held at `t`.
    pub fn licences_at(&self, t: T) -> Vec<&'static str> {
        let mut out = Vec::new();
        for l in &self.licences {
            match l {
                Licence::Window(sku, start, until) => {
                    if dt(start) <= t && until.as_deref().is_none_or(|u| dt(u) > t) {
                        out.push(*sku);
                    }
                }
                Licence::Always(sku) => {
                    if !self.disabled_at(t) {
                        out.push(*sku);
                    }
                }
            }
        }
        out
    }
}

/// A directory role held by a principal: active (standing) or eligible (PIM).
#[derive(Clone, Debug)]
pub struct Grant {
    /// Alias of a person or service principal.
    pub who: &'static str,
    pub role: &'static str,
    pub eligible: bool,
    pub start: &'static str,
    /// Removed at (`None`: still there).
    pub end: Option<&'static str>,
    /// PIM schedule end (`None`: noExpiration).
    pub expires: Option<&'static str>,
}

impl Grant {
    pub fn active(who: &'static str, role: &'static str, start: &'static str) -> Grant {
        Grant {
            who,
            role,
            eligible: false,
            start,
            end: None,
            expires: None,
        }
    }
    pub fn eligible(who: &'static str, role: &'static str, start: &'static str) -> Grant {
        Grant {
            who,
            role,
            eligible: true,
            start,
            end: None,
            expires: None,
        }
    }
    pub fn until(mut self, end: &'static str) -> Grant {
        self.end = Some(end);
        self
    }
    pub fn expiring(mut self, expires: &'static str) -> Grant {
        self.expires = Some(expires);
        self
    }
    pub fn live(&self, t: T) -> bool {
        dt(self.start) <= t && self.end.is_none_or(|e| dt(e) > t)
    }
}

/// A just-in-time PIM activation of an eligible role.
#[derive(Clone, Debug)]
pub struct Activation {
    pub who: &'static str,
    pub role: &'static str,
    pub start: &'static str,
    pub hours: i64,
    pub eligibility_start: &'static str,
}

pub struct ServicePrincipal {
    pub alias: String,
    pub name: String,
    pub app_seed: String,
    pub id: String,
}

/// A role holder: a user or an application.
pub enum Principal<'a> {
    User(&'a Person),
    App(&'a ServicePrincipal),
}

impl Principal<'_> {
    pub fn id(&self) -> &str {
        match self {
            Principal::User(p) => &p.id,
            Principal::App(s) => &s.id,
        }
    }
}

pub struct Site {
    pub key: &'static str,
    pub name: &'static str,
    pub path: &'static str,
    pub created: &'static str,
    pub status: Box<dyn Fn(T) -> &'static str>,
}

pub type CountFn = Box<dyn Fn(&Client, T) -> i64>;

/// An outage window: every run from `.0` until `.1` fails with message `.2`.
pub type Outage = (&'static str, &'static str, &'static str);

/// The methods migration state and, per method id, its include targets when enabled.
pub type MethodTargets = (&'static str, Vec<(&'static str, Vec<String>)>);

/// Per role: (activation approval required, primary approvers).
pub type Approval = Box<dyn Fn(&Client, T, &str) -> (bool, Vec<J>)>;

/// How a backup job's run reports its items in scope.
pub enum Items {
    /// The protected units of a Microsoft 365 Backup workload, computed once per day
    /// (the first run of the day sets it, as the Python memo did).
    Units(&'static str),
    Const(i64),
    Count(CountFn),
}

#[derive(Clone, Copy)]
pub enum JobIds {
    M365,
    Acme,
    /// Veeam names its runs after the job.
    Veeam,
}

pub struct JobSpec {
    pub product: &'static str,
    pub every_h: i64,
    pub offset_min: i64,
    pub minutes: (i64, i64),
    pub job_id: JobIds,
    pub items: Items,
    /// Per month: (failed runs, runs with warnings).
    pub failures: Vec<(&'static str, (usize, usize))>,
    /// Per month: windows in which every run fails, with the message.
    pub outages: Vec<(&'static str, Vec<Outage>)>,
    pub fail_messages: Vec<&'static str>,
    pub warn_messages: Vec<&'static str>,
}

#[derive(Clone, Debug)]
pub struct RestoreTest {
    pub date: &'static str,
    pub time: &'static str,
    pub workload: &'static str,
    pub item: &'static str,
    pub result: &'static str,
    pub duration: &'static str,
    pub ticket: &'static str,
    pub performed_by: &'static str,
    /// m365 | acme | veeam; `None` for a product that leaves no session to collect.
    pub product: Option<&'static str>,
    pub session_error: Option<(&'static str, &'static str)>,
}

impl RestoreTest {
    pub fn minutes(&self) -> i64 {
        let (n, unit) = self.duration.split_at(self.duration.len() - 1);
        let n: i64 = n.parse().unwrap_or(0);
        n * match unit {
            "h" => 60,
            "d" => 1440,
            _ => 1,
        }
    }
}

pub struct Veeam {
    pub job: &'static str,
    pub description: &'static str,
    /// The workloads whose generated runs are this job's sessions.
    pub runs_of: Vec<&'static str>,
    pub workloads: Vec<&'static str>,
}

type ByTime<X> = Box<dyn Fn(&Client, T) -> X>;

/// One client: its people and the per-client answers the builders ask for.
pub struct Client {
    pub cid: &'static str,
    pub name: &'static str,
    pub tenant: String,
    pub tenant_name: &'static str,
    pub domain: &'static str,
    pub onms: &'static str,
    pub sp_host: &'static str,
    pub office_ip: &'static str,
    pub p1: bool,
    pub p2: fn(T) -> bool,
    pub m365_backup: bool,
    pub security_defaults: bool,
    pub audit_retention_days: i64,
    pub backup_since: &'static str,
    pub backup_admin: &'static str,
    pub policy_modified: Vec<(&'static str, Vec<&'static str>)>,
    pub people: Vec<Person>,
    pub sps: Vec<ServicePrincipal>,
    pub grants: Vec<Grant>,
    pub activations: Vec<Activation>,
    pub audit_events: fn(&Client) -> Vec<J>,
    pub ca_policies: ByTime<Vec<J>>,
    /// (skuPartNumber, prepaid enabled units, extra consumed units).
    pub skus: fn(T) -> Vec<(&'static str, i64, i64)>,
    /// (current score, max score, enabled services).
    pub score: fn(T) -> (f64, f64, Vec<&'static str>),
    pub score_controls: fn(T) -> Vec<J>,
    /// Why a file is missing: the manifest entry's extra fields (none: not missing).
    pub missing: fn(&Client, &str, T) -> Vec<(String, J)>,
    /// Methods migration state and, per method id, the include targets when enabled.
    pub auth_methods: ByTime<MethodTargets>,
    pub user_consent: fn(T) -> Vec<&'static str>,
    pub guest_role: fn(T) -> &'static str,
    /// (id, authenticationType, verified, passwordValidityPeriodInDays, root).
    pub domains: Vec<(&'static str, &'static str, bool, Option<i64>, bool)>,
    /// Per role: (approval required, primary approvers).
    pub activation_approval: Approval,
    pub unit_status: fn(&str, &Person, T) -> Option<&'static str>,
    pub sites: Vec<Site>,
    pub job_specs: Vec<(&'static str, JobSpec)>,
    pub job_columns: Vec<&'static str>,
    pub tests: Vec<RestoreTest>,
    pub veeam: Option<Veeam>,
    /// Items per (workload, day), as [`Items::Units`] computed them first.
    pub items_memo: RefCell<HashMap<(&'static str, jiff::civil::Date), i64>>,
}

impl Client {
    pub fn add(&mut self, mut p: Person) -> &mut Person {
        p.id = super::ids::gid(&[self.cid, "user", &p.alias]);
        self.people.push(p);
        self.people.last_mut().expect("just pushed")
    }

    pub fn add_sp(&mut self, alias: &str, name: &str, app_seed: &str) {
        let id = super::ids::gid(&[self.cid, "sp", alias]);
        self.sps.push(ServicePrincipal {
            alias: alias.into(),
            name: name.into(),
            app_seed: app_seed.into(),
            id,
        });
    }

    /// The person or application with this alias; the stories name only their own.
    pub fn who(&self, alias: &str) -> Principal<'_> {
        if let Some(p) = self.people.iter().find(|p| p.alias == alias) {
            return Principal::User(p);
        }
        match self.sps.iter().find(|s| s.alias == alias) {
            Some(s) => Principal::App(s),
            None => panic!("{}: no principal {alias:?} in the story", self.cid),
        }
    }

    pub fn person(&self, alias: &str) -> &Person {
        match self.who(alias) {
            Principal::User(p) => p,
            Principal::App(_) => panic!("{}: {alias:?} is an application", self.cid),
        }
    }

    pub fn person_mut(&mut self, alias: &str) -> &mut Person {
        let cid = self.cid;
        self.people
            .iter_mut()
            .find(|p| p.alias == alias)
            .unwrap_or_else(|| panic!("{cid}: no person {alias:?} in the story"))
    }

    pub fn policy_id(&self, workload: &str) -> String {
        super::ids::gid(&[self.cid, "protection-policy", workload])
    }
}

impl Client {
    /// A client with nothing in it yet: every per-client answer is the neutral one
    /// (no policies, nothing missing) until the story sets it.
    pub fn new(cid: &'static str) -> Client {
        Client {
            cid,
            name: "",
            tenant: super::ids::gid(&["tenant", cid]),
            tenant_name: "",
            domain: "",
            onms: "",
            sp_host: "",
            office_ip: "",
            p1: false,
            p2: |_| false,
            m365_backup: false,
            security_defaults: false,
            audit_retention_days: 30,
            backup_since: "",
            backup_admin: "",
            policy_modified: Vec::new(),
            people: Vec::new(),
            sps: Vec::new(),
            grants: Vec::new(),
            activations: Vec::new(),
            audit_events: |_| Vec::new(),
            ca_policies: Box::new(|_, _| Vec::new()),
            skus: |_| Vec::new(),
            score: |_| (0.0, 0.0, Vec::new()),
            score_controls: |_| Vec::new(),
            missing: |_, _, _| Vec::new(),
            auth_methods: Box::new(|_, _| ("preMigration", Vec::new())),
            user_consent: |_| Vec::new(),
            guest_role: |_| "",
            domains: Vec::new(),
            activation_approval: Box::new(|_, _, _| (false, Vec::new())),
            unit_status: |_, _, _| Some("protected"),
            sites: Vec::new(),
            job_specs: Vec::new(),
            job_columns: Vec::new(),
            tests: Vec::new(),
            veeam: None,
            items_memo: RefCell::new(HashMap::new()),
        }
    }
}
