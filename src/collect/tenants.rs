//! `custody tenants`: partner onboarding. With a credential for the MSP's partner
//! tenant, list the customer tenants of its granular delegated admin (GDAP)
//! relationships (`/tenantRelationships/delegatedAdminRelationships`, and
//! `delegatedAdminCustomers` for names where the app may read it), mark which have a
//! client folder, warn about relationships that end within 30 days without
//! auto-extension, tell which customer tenants have not consented to the app (one token
//! request each, with the admin-consent URL), and with `--scaffold --from CLIENT` write
//! a client folder for each customer that has none, from a template client.
//!
//! Everything Graph returns is hostile: names are cleaned before they are printed,
//! become client ids only through [`slug`], and TOML only as escaped strings.

use super::auth::TokenError;
use super::*;
use crate::client_id::ClientId;
use crate::progress::Reporter;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

/// Relationships ending within this many days (and not auto-extended) are warned about.
pub const ENDING_SOON_DAYS: i64 = 30;

const RELATIONSHIPS: &str = "/v1.0/tenantRelationships/delegatedAdminRelationships?$top=300";
const CUSTOMERS: &str = "/v1.0/tenantRelationships/delegatedAdminCustomers?$top=300";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    customer: Option<Participant>,
    #[serde(default)]
    end_date_time: Option<String>,
    #[serde(default)]
    auto_extend_duration: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Participant {
    #[serde(default)]
    tenant_id: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Customer {
    #[serde(default)]
    tenant_id: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RelationshipView {
    pub name: String,
    pub status: String,
    pub end: Option<String>,
    pub auto_extend: Option<String>,
    /// Active, not auto-extended, and ending within [`ENDING_SOON_DAYS`].
    pub ending_soon: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Consent {
    Consented,
    NotConsented {
        admin_consent_url: String,
        detail: String,
    },
    Unknown {
        detail: String,
    },
    NotChecked,
}

#[derive(Debug, Clone, Serialize)]
pub struct CustomerView {
    pub tenant_id: String,
    pub name: String,
    /// The client folder whose `client.toml` names this tenant.
    pub client: Option<String>,
    pub relationships: Vec<RelationshipView>,
    pub consent: Consent,
    /// Written by `--scaffold`.
    pub scaffolded: Option<String>,
}

impl CustomerView {
    pub fn has_active_relationship(&self) -> bool {
        self.relationships.iter().any(|r| r.status == "active")
    }
}

#[derive(Debug, Serialize)]
pub struct TenantsReport {
    pub partner_tenant: String,
    pub customers: Vec<CustomerView>,
    pub notes: Vec<String>,
}

impl TenantsReport {
    /// Something needs attention: a relationship ending soon, or a customer with a
    /// client folder whose tenant has not consented.
    pub fn needs_attention(&self) -> bool {
        self.customers.iter().any(|c| {
            c.relationships.iter().any(|r| r.ending_soon)
                || (c.client.is_some() && matches!(c.consent, Consent::NotConsented { .. }))
        })
    }
}

pub struct TenantsOptions {
    pub partner_tenant: String,
    pub check_consent: bool,
    /// `--scaffold --from CLIENT`.
    pub scaffold_from: Option<ClientId>,
    /// The app id, for admin-consent URLs.
    pub client_id: Option<String>,
}

fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// A client id from a customer's display name: lower-case ASCII letters and digits,
/// every other run of characters one `-`, at most 40 characters; `tenant-<8 hex>`
/// when nothing usable is left. `taken` ids get `-2`, `-3`, ...
pub fn slug(name: &str, tenant_id: &str, taken: &BTreeSet<String>) -> ClientId {
    let mut s = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            s.push(c);
        } else if !s.ends_with('-') {
            s.push('-');
        }
        if s.len() >= 40 {
            break;
        }
    }
    let mut base = s.trim_matches('-').to_owned();
    if base.is_empty() {
        base = format!(
            "tenant-{}",
            &tenant_id[..8.min(tenant_id.len())].to_ascii_lowercase()
        );
    }
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    // Only [a-z0-9-] with no leading or trailing '-' can reach here.
    ClientId::parse(&candidate)
        .unwrap_or_else(|_| ClientId::parse("tenant").expect("a constant valid id"))
}

fn days_until(end: &str, now: jiff::Timestamp) -> Option<i64> {
    let t: jiff::Timestamp = end.parse().ok()?;
    Some(t.duration_since(now).as_secs().div_euclid(86_400))
}

/// Why the partner's customers cannot be listed, or a client folder not scaffolded.
#[derive(Debug)]
pub enum TenantsError {
    /// `--partner-tenant` is not a GUID (shortened).
    PartnerTenant(String),
    /// No Graph session (credentials, URLs), as collect's session says.
    Session(SessionError),
    /// The relationships cannot be fetched: why, scrubbed of secrets.
    Relationships(String),
    /// A Graph answer (`what`) that is not the documented shape.
    Shape {
        what: &'static str,
        source: serde_path_to_error::Error<serde_json::Error>,
    },
    Clients(crate::diagnostic::Diagnostic),
    Scaffold {
        id: ClientId,
        problem: ScaffoldError,
    },
}

/// Why a client folder was not scaffolded (nothing of it was kept).
#[derive(Debug)]
pub enum ScaffoldError {
    Guard(guard::GuardError),
    Exists {
        id: ClientId,
    },
    /// The template client's policy does not load: its first problem.
    Template {
        from: ClientId,
        first: String,
    },
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    ReadTemplate {
        from: ClientId,
        source: std::io::Error,
    },
    Entry(std::io::Error),
    ReadFile {
        from: ClientId,
        file: String,
        source: std::io::Error,
    },
    NotUtf8,
    Write {
        file: String,
        source: std::io::Error,
    },
    Rename {
        id: ClientId,
        source: std::io::Error,
    },
    /// The scaffolded policy does not load: its first problem.
    Invalid {
        first: String,
    },
}

impl fmt::Display for TenantsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TenantsError::PartnerTenant(found) => write!(
                f,
                "--partner-tenant: expected the partner tenant id (a GUID), found {found:?}"
            ),
            TenantsError::Session(e) => e.fmt(f),
            TenantsError::Relationships(e) => f.write_str(e),
            TenantsError::Shape { what, source } => {
                write!(f, "{what}: value.{}: {}", source.path(), source.inner())
            }
            TenantsError::Clients(d) => d.fmt(f),
            TenantsError::Scaffold { id, problem } => write!(f, "--scaffold {id}: {problem}"),
        }
    }
}

impl fmt::Display for ScaffoldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScaffoldError::Guard(e) => e.fmt(f),
            ScaffoldError::Exists { id } => write!(f, "clients/{id} exists; it is left as it is"),
            ScaffoldError::Template { from, first } => {
                write!(f, "the template client {from} does not load: {first}")
            }
            ScaffoldError::Create { path, source } => {
                write!(f, "cannot create {}: {source}", path.display())
            }
            ScaffoldError::ReadTemplate { from, source } => {
                write!(f, "cannot read clients/{from}: {source}")
            }
            ScaffoldError::Entry(e) => e.fmt(f),
            ScaffoldError::ReadFile { from, file, source } => {
                write!(f, "cannot read clients/{from}/{file}: {source}")
            }
            ScaffoldError::NotUtf8 => f.write_str("client.toml is not UTF-8"),
            ScaffoldError::Write { file, source } => write!(f, "cannot write {file}: {source}"),
            ScaffoldError::Rename { id, source } => {
                write!(f, "cannot rename into clients/{id}: {source}")
            }
            ScaffoldError::Invalid { first } => write!(
                f,
                "the scaffolded policy does not load ({first}); nothing was kept"
            ),
        }
    }
}

impl std::error::Error for TenantsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TenantsError::Session(e) => Some(e),
            TenantsError::Shape { source, .. } => Some(source),
            TenantsError::Scaffold { problem, .. } => Some(problem),
            _ => None,
        }
    }
}

impl std::error::Error for ScaffoldError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ScaffoldError::Guard(e) => Some(e),
            ScaffoldError::Create { source, .. }
            | ScaffoldError::ReadTemplate { source, .. }
            | ScaffoldError::ReadFile { source, .. }
            | ScaffoldError::Write { source, .. }
            | ScaffoldError::Rename { source, .. }
            | ScaffoldError::Entry(source) => Some(source),
            _ => None,
        }
    }
}

/// Lists the partner's customers and, with `scaffold_from`, writes the missing client
/// folders. Errors are about the partner tenant as a whole (no token, relationships
/// refused); per-customer problems are in the report.
pub fn tenants(
    opts: &CollectOptions,
    topts: &TenantsOptions,
    creds: Credentials,
    now: jiff::Timestamp,
    report: &dyn Reporter,
) -> Result<TenantsReport, TenantsError> {
    if !is_guid(&topts.partner_tenant) {
        return Err(TenantsError::PartnerTenant(
            topts.partner_tenant.chars().take(60).collect(),
        ));
    }
    let session = Session::open(opts, creds).map_err(TenantsError::Session)?;
    let tokens = &session.tokens;
    let partner_id = ClientId::parse("partner").expect("a constant valid id");
    let ctx = session.ctx(opts, report, &partner_id);
    let partner = topts.partner_tenant.as_str();
    let cancel = AtomicBool::new(false);
    let redact = |s: String| tokens.redactor().redact(&s);
    let relationships: Vec<Relationship> = {
        let f = ctx
            .fetch(Shape::Collection, RELATIONSHIPS, "delegatedAdminRelationships", partner, &cancel)
            .map_err(|e| TenantsError::Relationships(redact(format!("delegatedAdminRelationships: {e} (needs DelegatedAdminRelationship.Read.All in the partner tenant)"))))?;
        let values = f.body.get("value").cloned().unwrap_or(Value::Null);
        serde_path_to_error::deserialize(values).map_err(|source| TenantsError::Shape {
            what: "delegatedAdminRelationships",
            source,
        })?
    };
    let mut notes = Vec::new();
    // Names from the customers list where the app may read it (the reference documents
    // it for delegated permissions only); the relationships name their customer anyway.
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    match ctx.fetch(
        Shape::Collection,
        CUSTOMERS,
        "delegatedAdminCustomers",
        partner,
        &cancel,
    ) {
        Ok(f) => {
            let values = f.body.get("value").cloned().unwrap_or(Value::Null);
            let customers: Vec<Customer> =
                serde_path_to_error::deserialize(values).map_err(|source| TenantsError::Shape {
                    what: "delegatedAdminCustomers",
                    source,
                })?;
            for c in customers {
                if let (Some(t), Some(n)) = (c.tenant_id, c.display_name) {
                    names.insert(t.to_ascii_lowercase(), n);
                }
            }
        }
        Err(e) => notes.push(redact(format!(
            "delegatedAdminCustomers not read ({e}); customers are listed from the relationships"
        ))),
    }

    // Client folders by tenant id.
    let (clients, _) = crate::repo::discover_clients(&opts.repo).map_err(TenantsError::Clients)?;
    let mut by_tenant: BTreeMap<String, String> = BTreeMap::new();
    for c in &clients {
        if let Ok(p) = load_policy(&WorkingTree(opts.repo.clone()), c, crate::controls::known()) {
            by_tenant.insert(p.client.tenant_id.to_ascii_lowercase(), c.to_string());
        }
    }

    let mut customers: BTreeMap<String, CustomerView> = BTreeMap::new();
    for r in relationships {
        let Some(p) = r.customer else { continue };
        let Some(tenant) = p.tenant_id.map(|t| t.to_ascii_lowercase()) else {
            continue;
        };
        if !is_guid(&tenant) {
            notes.push(format!(
                "a relationship names a customer tenant that is not a GUID ({:?}); skipped",
                http::server_text(&tenant)
            ));
            continue;
        }
        let status = r.status.unwrap_or_else(|| "unknown".into());
        let auto = r.auto_extend_duration.filter(|d| !d.is_empty());
        let extends = auto.as_deref().is_some_and(|d| d != "PT0S" && d != "P0D");
        let ending_soon = status == "active"
            && !extends
            && r.end_date_time
                .as_deref()
                .and_then(|e| days_until(e, now))
                .is_some_and(|d| d <= ENDING_SOON_DAYS);
        let view = RelationshipView {
            name: http::server_text(r.display_name.as_deref().unwrap_or("")),
            status: http::server_text(&status),
            end: r.end_date_time.map(|e| http::server_text(&e)),
            auto_extend: auto.map(|a| http::server_text(&a)),
            ending_soon,
        };
        let name = names
            .get(&tenant)
            .cloned()
            .or(p.display_name)
            .unwrap_or_default();
        customers
            .entry(tenant.clone())
            .or_insert_with(|| CustomerView {
                client: by_tenant.get(&tenant).cloned(),
                tenant_id: tenant.clone(),
                name: http::server_text(&name),
                relationships: Vec::new(),
                consent: Consent::NotChecked,
                scaffolded: None,
            })
            .relationships
            .push(view);
    }

    if topts.check_consent {
        for c in customers
            .values_mut()
            .filter(|c| c.has_active_relationship())
        {
            c.consent = match tokens.get(&c.tenant_id, ctx.deadline) {
                Ok(_) => Consent::Consented,
                Err(e) if not_consented(&e) => Consent::NotConsented {
                    admin_consent_url: format!(
                        "{}/{}/adminconsent?client_id={}",
                        opts.login_url.trim_end_matches('/'),
                        c.tenant_id,
                        topts.client_id.as_deref().unwrap_or("<app id>")
                    ),
                    detail: redact(e.to_string()),
                },
                Err(e) => Consent::Unknown {
                    detail: redact(e.to_string()),
                },
            };
        }
    }

    if let Some(from) = &topts.scaffold_from {
        let mut taken: BTreeSet<String> = clients.iter().map(|c| c.to_string()).collect();
        for c in customers.values_mut() {
            if c.client.is_some() || !c.has_active_relationship() {
                continue;
            }
            let id = slug(&c.name, &c.tenant_id, &taken);
            scaffold(&opts.repo, from, &id, &c.name, &c.tenant_id).map_err(|problem| {
                TenantsError::Scaffold {
                    id: id.clone(),
                    problem,
                }
            })?;
            taken.insert(id.to_string());
            c.client = Some(id.to_string());
            c.scaffolded = Some(id.to_string());
        }
    }

    Ok(TenantsReport {
        partner_tenant: partner.to_owned(),
        customers: customers.into_values().collect(),
        notes,
    })
}

/// Entra's answers for an app that is not (or no longer) consented in a tenant:
/// AADSTS700016 (app not found in the directory), AADSTS65001 (no consent),
/// AADSTS7000112 (app disabled), AADSTS500011 (service principal not found).
/// Read from the whole message, as before errors were typed (a refusal carries the code;
/// whether a failed request's text could also carry one is not decided here).
fn not_consented(e: &TokenError) -> bool {
    let text = e.to_string();
    [
        "AADSTS700016",
        "AADSTS65001",
        "AADSTS7000112",
        "AADSTS500011",
    ]
    .iter()
    .any(|c| text.contains(c))
}

/// Writes `clients/<id>/` from the template client `from`: its policy files as they
/// are, `client.toml` with this customer's name and tenant id (the template's domains,
/// logo and notes are its own and are not copied). Written beside, then renamed into
/// place; an existing folder is never touched. The result must load as a policy, or
/// the folder is removed again.
fn scaffold(
    repo: &Path,
    from: &ClientId,
    id: &ClientId,
    name: &str,
    tenant: &str,
) -> Result<(), ScaffoldError> {
    guard::refuse_linked_folders(repo, &["clients".to_owned(), format!("clients/{from}")])
        .map_err(ScaffoldError::Guard)?;
    let src = repo.join("clients").join(from.as_str());
    let dest = repo.join("clients").join(id.as_str());
    if std::fs::symlink_metadata(&dest).is_ok() {
        return Err(ScaffoldError::Exists { id: id.clone() });
    }
    let template = load_policy(
        &WorkingTree(repo.to_path_buf()),
        from,
        crate::controls::known(),
    )
    .map_err(|d| ScaffoldError::Template {
        from: from.clone(),
        first: d.first().map(|d| d.to_string()).unwrap_or_default(),
    })?;
    let logo = template.client.logo.clone();
    let staging = repo
        .join("clients")
        .join(format!(".{id}.scaffold-{}", std::process::id()));
    let result = (|| {
        std::fs::create_dir(&staging).map_err(|source| ScaffoldError::Create {
            path: staging.clone(),
            source,
        })?;
        for entry in std::fs::read_dir(&src).map_err(|source| ScaffoldError::ReadTemplate {
            from: from.clone(),
            source,
        })? {
            let entry = entry.map_err(ScaffoldError::Entry)?;
            let file = entry.file_name().to_string_lossy().into_owned();
            let meta = std::fs::symlink_metadata(entry.path()).map_err(ScaffoldError::Entry)?;
            if !meta.is_file() || file == "notes.md" || Some(&file) == logo.as_ref() {
                continue;
            }
            let bytes = std::fs::read(entry.path()).map_err(|source| ScaffoldError::ReadFile {
                from: from.clone(),
                file: file.clone(),
                source,
            })?;
            let bytes = if file == "client.toml" {
                let text = String::from_utf8(bytes).map_err(|_| ScaffoldError::NotUtf8)?;
                client_toml(&text, name, tenant).into_bytes()
            } else {
                bytes
            };
            std::fs::write(staging.join(&file), bytes).map_err(|source| ScaffoldError::Write {
                file: file.clone(),
                source,
            })?;
        }
        let notes = format!(
            "# {}\n\nReplace this text: what the MSP tells {} this month.\n",
            name.replace(['<', '>', '[', ']', '*', '_', '`', '#'], ""),
            name.replace(['<', '>', '[', ']', '*', '_', '`', '#'], "")
        );
        std::fs::write(staging.join("notes.md"), notes).map_err(|source| ScaffoldError::Write {
            file: "notes.md".to_owned(),
            source,
        })?;
        std::fs::rename(&staging, &dest).map_err(|source| ScaffoldError::Rename {
            id: id.clone(),
            source,
        })
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    if let Err(d) = load_policy(
        &WorkingTree(repo.to_path_buf()),
        id,
        crate::controls::known(),
    ) {
        let _ = std::fs::remove_dir_all(&dest);
        return Err(ScaffoldError::Invalid {
            first: d.first().map(|d| d.to_string()).unwrap_or_default(),
        });
    }
    Ok(())
}

/// The template's `client.toml` for another customer: `name` and `tenant_id`
/// replaced (as escaped TOML strings), `domains` a placeholder to fill in, the logo
/// line dropped. Other lines, comments included, stay as the MSP wrote them.
fn client_toml(template: &str, name: &str, tenant: &str) -> String {
    let quoted = |s: &str| toml::Value::String(s.to_owned()).to_string();
    let mut out = String::new();
    let mut top = true;
    for line in template.lines() {
        let key = line.split('=').next().unwrap_or("").trim();
        if line.trim_start().starts_with('[') {
            top = false;
        }
        let replaced = match (top, key) {
            (true, "name") => Some(format!("name = {}", quoted(name))),
            (true, "tenant_id") => Some(format!("tenant_id = {}", quoted(tenant))),
            (true, "domains") => Some(
                "domains = [\"replace-with-the-client-domain.invalid\"] # Replace this text: the client's verified domains".to_owned(),
            ),
            (false, "logo") => Some(String::new()),
            _ => None,
        };
        match replaced {
            Some(l) if l.is_empty() => {}
            Some(l) => {
                out.push_str(&l);
                out.push('\n');
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// The text report.
pub fn render_text(r: &TenantsReport) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "partner tenant {}: {} customer tenant(s)",
        r.partner_tenant,
        r.customers.len()
    );
    for c in &r.customers {
        let folder = match (&c.scaffolded, &c.client) {
            (Some(id), _) => format!("clients/{id} (scaffolded now)"),
            (None, Some(id)) => format!("clients/{id}"),
            (None, None) => "no client folder".to_owned(),
        };
        let _ = writeln!(s, "{} {:?}: {folder}", c.tenant_id, c.name);
        for rel in &c.relationships {
            let end = rel.end.as_deref().unwrap_or("no end date");
            let soon = if rel.ending_soon {
                format!(" WARNING: ends within {ENDING_SOON_DAYS} days and is not auto-extended")
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "  relationship {:?}: {} until {end}{soon}",
                rel.name, rel.status
            );
        }
        match &c.consent {
            Consent::Consented => {
                let _ = writeln!(s, "  app consented");
            }
            Consent::NotConsented {
                admin_consent_url, ..
            } => {
                let _ = writeln!(
                    s,
                    "  app NOT consented: a Global Administrator of the tenant opens {admin_consent_url}"
                );
            }
            Consent::Unknown { detail } => {
                let _ = writeln!(s, "  consent unknown: {detail}");
            }
            Consent::NotChecked => {}
        }
    }
    for n in &r.notes {
        let _ = writeln!(s, "note: {n}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe_client_ids() {
        let none = BTreeSet::new();
        let t = "52eaad04-13a2-4a2f-9ce8-93a294fadf36";
        assert_eq!(slug("Contoso Inc.", t, &none).as_str(), "contoso-inc");
        assert_eq!(slug("../../etc/passwd", t, &none).as_str(), "etc-passwd");
        assert_eq!(slug("Ünïcödé GmbH", t, &none).as_str(), "n-c-d-gmbh");
        assert_eq!(slug("日本", t, &none).as_str(), "tenant-52eaad04");
        assert_eq!(slug("", t, &none).as_str(), "tenant-52eaad04");
        assert!(slug(&"a".repeat(500), t, &none).as_str().len() <= 40);
        let taken: BTreeSet<String> = ["contoso-inc".into(), "contoso-inc-2".into()].into();
        assert_eq!(slug("Contoso, Inc", t, &taken).as_str(), "contoso-inc-3");
    }

    #[test]
    fn client_toml_takes_the_new_identity_as_escaped_strings() {
        let tpl = "#:schema x\nname = \"Old\"\ntenant_id = \"old\"\ndomains = [\"old.example\"]\n\n[branding]\naccent = \"#000\"\nlogo = \"logo.svg\"\n";
        let out = client_toml(
            tpl,
            "Evil\" \nname = \"x",
            "52eaad04-13a2-4a2f-9ce8-93a294fadf36",
        );
        let v: toml::Table = toml::from_str(&out).expect("valid TOML");
        assert_eq!(v["name"].as_str(), Some("Evil\" \nname = \"x"));
        assert_eq!(
            v["tenant_id"].as_str(),
            Some("52eaad04-13a2-4a2f-9ce8-93a294fadf36")
        );
        assert!(v["branding"].get("logo").is_none());
        assert_eq!(v["branding"]["accent"].as_str(), Some("#000"));
        assert!(out.starts_with("#:schema x\n"));
    }

    #[test]
    fn ending_soon_counts_days_to_the_end() {
        let now: jiff::Timestamp = "2026-12-05T00:00:00Z".parse().unwrap();
        assert_eq!(days_until("2026-12-20T00:00:00Z", now), Some(15));
        assert_eq!(days_until("2026-12-04T00:00:00Z", now), Some(-1));
        assert_eq!(days_until("garbage", now), None);
        assert!(is_guid("52eaad04-13a2-4a2f-9ce8-93a294fadf36"));
        assert!(!is_guid("../52eaad04-13a2-4a2f-9ce8-93a294fad"));
    }
}
