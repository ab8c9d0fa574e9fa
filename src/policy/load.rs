//! Phase two of policy loading: validate each file's keys into typed policy. Every
//! problem in every file is collected; a client with any problem is not evaluated.

use super::toml_doc::{At, TomlDoc};
use super::*;
use crate::client_id::ClientId;
use crate::diagnostic::{Diagnostic, SourceText};
use crate::model::KnownControls;
use crate::model::schema_rules as schema;
use schemars::JsonSchema;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::DeValue;

/// Why a policy file could not be read, as its source says (a link leaving the
/// repository, an I/O error, a git object over its limit, text that is not UTF-8): kept
/// whole, so the loader finds a decoding error's line and column in its source chain.
pub type ReadError = Box<dyn std::error::Error + Send + Sync>;

/// Where policy files are read from: the working tree, or (for month-end policy) a commit.
pub trait PolicySource {
    /// The text of a repository-relative file, `Ok(None)` when it does not exist.
    fn read(&self, rel_path: &str) -> Result<Option<String>, ReadError>;
}

/// Policy files are hand-written: anything over 1 MiB is a mistake (a pasted export, a
/// runaway generator), refused before it is read.
pub const MAX_POLICY_FILE_BYTES: u64 = 1 << 20;

/// The working tree of a repository.
pub struct WorkingTree(pub PathBuf);

impl PolicySource for WorkingTree {
    fn read(&self, rel_path: &str) -> Result<Option<String>, ReadError> {
        let path = self.0.join(Path::new(rel_path));
        crate::repo::refuse_outside_links(&self.0, &path)?;
        match crate::repo::read_capped(&path, MAX_POLICY_FILE_BYTES) {
            Ok(bytes) => Ok(Some(crate::repo::decode_utf8(bytes)?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

/// Loads and validates a client's policy against the known controls (control ids in
/// the RACI, waivers and disabled lists, thresholds and their bounds; the engine passes
/// `controls::known()`). `Err` carries every problem found.
pub fn load_policy(
    source: &dyn PolicySource,
    id: &ClientId,
    known: &dyn KnownControls,
) -> Result<Policy, Vec<Diagnostic>> {
    let dir = format!("clients/{id}");
    let mut diags = Vec::new();
    let mut sources = Vec::new();
    let mut read =
        |name: &str, required: bool, diags: &mut Vec<Diagnostic>| -> Option<SourceText> {
            let path = format!("{dir}/{name}");
            match source.read(&path) {
                Ok(Some(text)) => {
                    sources.push((path.clone(), text.clone()));
                    Some(SourceText::new(path, text))
                }
                Ok(None) if required => {
                    diags.push(Diagnostic::file(path, "required policy file is missing"));
                    None
                }
                Ok(None) => None,
                Err(e) => {
                    let mut d = Diagnostic::file(path, format!("cannot read: {e}"));
                    if let Some((line, column)) = crate::repo::decode_error_position(&e) {
                        (d.line, d.column) = (Some(line), Some(column));
                    }
                    diags.push(d);
                    None
                }
            }
        };
    let client_src = read("client.toml", true, &mut diags);
    let raci_src = read("raci.toml", true, &mut diags);
    let controls_src = read("controls.toml", true, &mut diags);
    let backup_src = read("backup.toml", true, &mut diags);
    let notes = read("notes.md", false, &mut diags).map(|s| s.text);

    let client = client_src
        .as_ref()
        .and_then(|s| with_doc(s, &mut diags, client_info));
    let raci = raci_src
        .as_ref()
        .and_then(|s| with_doc(s, &mut diags, |d| raci(d, known)));
    let controls = controls_src
        .as_ref()
        .and_then(|s| with_doc(s, &mut diags, |d| controls_policy(d, known)));
    let backup = backup_src
        .as_ref()
        .and_then(|s| with_doc(s, &mut diags, backup_policy));

    for d in &mut diags {
        d.client = Some(id.to_string());
    }
    match (client, raci, controls, backup) {
        (Some(client), Some(raci), Some(controls), Some(backup)) if diags.is_empty() => {
            Ok(Policy {
                client,
                raci,
                controls,
                backup,
                notes,
                sources,
            })
        }
        _ => Err(diags),
    }
}

/// Loads only `client.toml` (name, tenant, branding): what `custody clients` lists. The
/// other policy files are `check`'s business.
pub fn load_client_info(
    source: &dyn PolicySource,
    id: &ClientId,
) -> Result<ClientInfo, Vec<Diagnostic>> {
    let path = format!("clients/{id}/client.toml");
    let mut diags = Vec::new();
    let info = match source.read(&path) {
        Ok(Some(text)) => with_doc(&SourceText::new(path, text), &mut diags, client_info),
        Ok(None) => {
            diags.push(Diagnostic::file(path, "required policy file is missing"));
            None
        }
        Err(e) => {
            let mut d = Diagnostic::file(path, format!("cannot read: {e}"));
            if let Some((line, column)) = crate::repo::decode_error_position(&e) {
                (d.line, d.column) = (Some(line), Some(column));
            }
            diags.push(d);
            None
        }
    };
    for d in &mut diags {
        d.client = Some(id.to_string());
    }
    match info {
        Some(info) if diags.is_empty() => Ok(info),
        _ => Err(diags),
    }
}

fn with_doc<T>(
    src: &SourceText,
    diags: &mut Vec<Diagnostic>,
    f: impl FnOnce(&mut TomlDoc) -> T,
) -> Option<T> {
    let mut doc = TomlDoc::parse(src, diags)?;
    let value = f(&mut doc);
    let ok = doc.diags.is_empty();
    diags.append(&mut doc.diags);
    ok.then_some(value)
}

fn at(doc: &TomlDoc, s: &Spanned<impl Sized>) -> At {
    At::of(doc.src, s.span().start)
}

/// Records a problem at a spanned value when `check` fails.
fn check<T>(doc: &mut TomlDoc, v: &Spanned<T>, ok: bool, message: impl FnOnce() -> String) {
    if !ok {
        doc.error(v.span().start, message());
    }
}

// ---------------------------------------------------------------- client.toml

/// Branding of the client's site.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBranding {
    /// Accent colour of the client's site, #rrggbb.
    #[schemars(with = "Option<String>", regex(pattern = schema::ACCENT), extend("default" = "#1f4e79"))]
    accent: Option<Spanned<String>>,
    /// A .svg, .png, .jpg/.jpeg or .webp file inside the client's folder (a file name, no
    /// paths); the file is checked by content and an SVG is reduced to a safe subset.
    #[schemars(with = "Option<String>", regex(pattern = schema::LOGO))]
    logo: Option<Spanned<String>>,
}

/// Publishing settings.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPublishing {
    /// Include the client in `custody build`.
    #[schemars(extend("default" = true))]
    enabled: Option<bool>,
}

fn client_info(doc: &mut TomlDoc) -> ClientInfo {
    doc.check_keys(&["name", "tenant_id", "domains", "branding", "publishing"]);
    let name: Option<Spanned<String>> = doc.require("name");
    let tenant: Option<Spanned<String>> = doc.require("tenant_id");
    let domains: Option<Spanned<Vec<String>>> = doc.require("domains");
    let branding: Option<RawBranding> = doc.get("branding");
    let publishing: Option<RawPublishing> = doc.get("publishing");
    if let Some(n) = &name {
        check(doc, n, !n.get_ref().trim().is_empty(), || {
            "`name` must not be empty".into()
        });
    }
    if let Some(t) = &tenant {
        check(doc, t, is_guid(t.get_ref()), || {
            format!(
                "`tenant_id` must be a GUID like 6f1c2a44-9a53-4a50-8a0c-3d4f0e2b7c11, found {:?}",
                t.get_ref()
            )
        });
    }
    if let Some(d) = &domains {
        check(doc, d, !d.get_ref().is_empty(), || {
            "`domains` must list at least one domain".into()
        });
    }
    let mut accent = "#1f4e79".to_owned();
    let mut logo = None;
    if let Some(b) = branding {
        if let Some(a) = b.accent {
            let ok = a.get_ref().len() == 7
                && a.get_ref().starts_with('#')
                && a.get_ref()[1..].bytes().all(|c| c.is_ascii_hexdigit());
            check(doc, &a, ok, || {
                format!(
                    "`accent` must be a colour like \"#1f4e79\", found {:?}",
                    a.get_ref()
                )
            });
            accent = a.into_inner();
        }
        if let Some(l) = b.logo {
            let s = l.get_ref();
            let ok = !s.is_empty()
                && !s.starts_with('.')
                && s.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c))
                && s.rsplit_once('.').is_some_and(|(_, ext)| {
                    schema::LOGO_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())
                });
            check(doc, &l, ok, || {
                format!(
                    "`logo` must be a .svg, .png, .jpg, .jpeg or .webp file name inside the client folder (no paths), found {s:?}"
                )
            });
            logo = Some(l.into_inner());
        }
    }
    ClientInfo {
        name: name.map(Spanned::into_inner).unwrap_or_default(),
        tenant_id: tenant.map(Spanned::into_inner).unwrap_or_default(),
        domains: domains.map(Spanned::into_inner).unwrap_or_default(),
        accent,
        logo,
        publish: publishing.and_then(|p| p.enabled).unwrap_or(true),
    }
}

pub(crate) fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|c| c.is_ascii_hexdigit()))
}

// ---------------------------------------------------------------- raci.toml

/// An activity with its responsible, accountable, consulted and informed parties.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawActivity {
    /// Slug of a-z, 0-9 and '-', unique in the file.
    #[schemars(with = "String", regex(pattern = schema::SLUG))]
    id: Spanned<String>,
    /// The activity's name.
    name: String,
    /// Who does the work; at least one (checked by governance.raci-complete).
    #[serde(default)]
    responsible: Vec<String>,
    /// Who answers for it; exactly one (checked by governance.raci-complete).
    #[serde(default)]
    accountable: Vec<String>,
    /// Who is consulted (optional).
    #[serde(default)]
    consulted: Vec<String>,
    /// Who is informed (optional).
    #[serde(default)]
    informed: Vec<String>,
    /// The controls this activity covers: control ids; a trailing `*` matches a prefix (`access.*`).
    #[serde(default)]
    #[schemars(with = "Vec<schema::ControlPattern>")]
    controls: Vec<Spanned<String>>,
}

fn raci(doc: &mut TomlDoc, known: &dyn KnownControls) -> Raci {
    doc.check_keys(&["activity"]);
    let raw: Vec<RawActivity> = doc.array("activity");
    let mut activities: Vec<Activity> = Vec::new();
    for a in raw {
        check(doc, &a.id, is_slug(a.id.get_ref()), || {
            format!(
                "activity id {:?} must be a slug of a-z, 0-9 and '-'",
                a.id.get_ref()
            )
        });
        if activities.iter().any(|b| b.id == *a.id.get_ref()) {
            doc.error(
                a.id.span().start,
                format!("duplicate activity id {:?}", a.id.get_ref()),
            );
        }
        for c in &a.controls {
            let matches = known
                .ids()
                .into_iter()
                .any(|k| pattern_matches(c.get_ref(), k));
            check(doc, c, matches, || {
                format!(
                    "{:?} matches no control id (see `custody controls`)",
                    c.get_ref()
                )
            });
        }
        activities.push(Activity {
            at: at(doc, &a.id),
            id: a.id.into_inner(),
            name: a.name,
            responsible: a.responsible,
            accountable: a.accountable,
            consulted: a.consulted,
            informed: a.informed,
            controls: a.controls.into_iter().map(Spanned::into_inner).collect(),
        });
    }
    Raci { activities }
}

fn is_slug(s: &str) -> bool {
    ClientId::parse(s).is_ok()
}

// ---------------------------------------------------------------- controls.toml

/// The identity protection model.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawIdentity {
    /// How identity is protected: Conditional Access (Entra ID P1) or security defaults.
    #[schemars(with = "Option<IdentityModel>", extend("default" = "conditional_access"))]
    model: Option<Spanned<String>>,
    /// Privileged roles are managed through PIM (needs Entra ID P2).
    #[schemars(extend("default" = true))]
    pim: Option<bool>,
}

/// Break-glass accounts and extra privileged roles.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAccess {
    /// UPNs of the break-glass (emergency access) accounts.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    break_glass: Vec<Spanned<String>>,
    /// Role display names added to the built-in privileged role list.
    #[serde(default)]
    privileged_roles: Vec<String>,
}

/// An approved privileged role assignment.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawApproved {
    /// UPN, or object id for service principals.
    #[schemars(with = "String")]
    principal: Spanned<String>,
    /// Role display name.
    role: String,
    /// Eligible (through PIM) or active.
    #[schemars(with = "AssignmentKind")]
    assignment: Spanned<String>,
}

/// A waiver in force turns a fail or warn into waived; an expired waiver is a fail.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWaiver {
    /// The waived control (see `custody controls`).
    #[schemars(with = "schema::ControlId")]
    control: Spanned<String>,
    /// Why the control is waived.
    #[schemars(with = "String", regex(pattern = schema::NOT_BLANK))]
    reason: Spanned<String>,
    /// Who approved the waiver.
    #[schemars(with = "String", regex(pattern = schema::NOT_BLANK))]
    approved_by: Spanned<String>,
    /// The change or ticket reference.
    #[schemars(with = "String", regex(pattern = schema::NOT_BLANK))]
    ticket: Spanned<String>,
    /// When the waiver expires: a TOML date like 2026-12-31 (unquoted).
    #[schemars(with = "schema::TomlDate")]
    expires: Spanned<toml::value::Datetime>,
}

/// A control that does not apply, with the reason.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDisabled {
    /// The control that does not apply (see `custody controls`).
    #[schemars(with = "schema::ControlId")]
    control: Spanned<String>,
    /// Why it does not apply.
    #[schemars(with = "String", regex(pattern = schema::NOT_BLANK))]
    reason: Spanned<String>,
}

fn controls_policy(doc: &mut TomlDoc, known: &dyn KnownControls) -> ControlsPolicy {
    doc.check_keys(&[
        "identity",
        "access",
        "thresholds",
        "approved_assignment",
        "waiver",
        "disabled",
    ]);
    let identity: Option<RawIdentity> = doc.get("identity");
    let access: Option<RawAccess> = doc.get("access");
    let mut model = IdentityModel::ConditionalAccess;
    let mut pim = true;
    if let Some(i) = identity {
        if let Some(m) = i.model {
            match m.get_ref().as_str() {
                "conditional_access" => model = IdentityModel::ConditionalAccess,
                "security_defaults" => model = IdentityModel::SecurityDefaults,
                other => doc.error(
                    m.span().start,
                    format!("unknown identity model {other:?}, expected \"conditional_access\" or \"security_defaults\""),
                ),
            }
        }
        pim = i.pim.unwrap_or(true);
    }
    let (break_glass, extra_privileged_roles) = match access {
        Some(a) => (
            a.break_glass
                .into_iter()
                .map(|b| (b.get_ref().clone(), at(doc, &b)))
                .collect(),
            a.privileged_roles,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let thresholds = thresholds(doc, known);
    let approved = doc
        .array::<RawApproved>("approved_assignment")
        .into_iter()
        .filter_map(|a| {
            let kind = match a.assignment.get_ref().as_str() {
                "eligible" => AssignmentKind::Eligible,
                "active" => AssignmentKind::Active,
                other => {
                    doc.error(
                        a.assignment.span().start,
                        format!(
                            "unknown assignment {other:?}, expected \"eligible\" or \"active\""
                        ),
                    );
                    return None;
                }
            };
            Some(ApprovedAssignment {
                at: at(doc, &a.principal),
                principal: a.principal.into_inner(),
                role: a.role,
                assignment: kind,
            })
        })
        .collect();
    let waivers = doc
        .array::<RawWaiver>("waiver")
        .into_iter()
        .filter_map(|w| {
            known_control(doc, known, &w.control);
            for field in [&w.reason, &w.approved_by, &w.ticket] {
                check(doc, field, !field.get_ref().trim().is_empty(), || {
                    "waiver fields must not be empty".into()
                });
            }
            let expires = toml_date(doc, &w.expires)?;
            Some(Waiver {
                at: at(doc, &w.control),
                control: w.control.into_inner(),
                reason: w.reason.into_inner(),
                approved_by: w.approved_by.into_inner(),
                ticket: w.ticket.into_inner(),
                expires,
            })
        })
        .collect();
    let disabled = doc
        .array::<RawDisabled>("disabled")
        .into_iter()
        .map(|d| {
            known_control(doc, known, &d.control);
            check(
                doc,
                &d.reason,
                !d.reason.get_ref().trim().is_empty(),
                || "`reason` must not be empty".into(),
            );
            Disabled {
                at: at(doc, &d.control),
                control: d.control.into_inner(),
                reason: d.reason.into_inner(),
            }
        })
        .collect();
    ControlsPolicy {
        identity_model: model,
        pim,
        break_glass,
        extra_privileged_roles,
        thresholds,
        approved,
        waivers,
        disabled,
        file: doc.src.path.clone(),
    }
}

fn known_control(doc: &mut TomlDoc, known: &dyn KnownControls, id: &Spanned<String>) {
    let is_known = known.params(id.get_ref()).is_some();
    check(doc, id, is_known, || {
        let hint = known
            .closest_id(id.get_ref())
            .map(|c| format!("; did you mean {c:?}?"))
            .unwrap_or_default();
        format!("unknown control id {:?}{hint}", id.get_ref())
    });
}

fn toml_date(doc: &mut TomlDoc, v: &Spanned<toml::value::Datetime>) -> Option<Date> {
    let dt = v.get_ref();
    match (dt.date, dt.time) {
        (Some(d), None) => Date::new(d.year as i16, d.month as i8, d.day as i8).ok(),
        _ => {
            doc.error(
                v.span().start,
                format!("expected a date like 2026-12-31, found {dt}"),
            );
            None
        }
    }
}

fn thresholds(
    doc: &mut TomlDoc,
    known: &dyn KnownControls,
) -> BTreeMap<String, BTreeMap<String, (f64, At)>> {
    let mut out = BTreeMap::new();
    for (id, value) in doc.table_entries("thresholds") {
        let Some(params) = known.params(id.get_ref()) else {
            known_control(doc, known, &id);
            continue;
        };
        let control_id = id.get_ref();
        let DeValue::Table(table) = value.get_ref() else {
            doc.error(
                value.span().start,
                format!(
                    "thresholds of {:?} must be a table like {{ min_percent = 95 }}",
                    id.get_ref()
                ),
            );
            continue;
        };
        let mut set = BTreeMap::new();
        for (k, v) in table.iter() {
            let name = k.get_ref().as_ref();
            let Some(spec) = params.iter().find(|p| p.name == name) else {
                let allowed: Vec<String> = params.iter().map(|p| format!("`{}`", p.name)).collect();
                let expected = if allowed.is_empty() {
                    "this control has no thresholds".to_owned()
                } else {
                    format!("expected one of {}", allowed.join(", "))
                };
                doc.error(
                    k.span().start,
                    format!("unknown threshold `{name}` for {}: {expected}", control_id),
                );
                continue;
            };
            let number = match v.get_ref() {
                DeValue::Integer(i) => i.as_str().replace('_', "").parse::<f64>().ok(),
                DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
                _ => None,
            };
            match number {
                Some(n) if n >= spec.min && n <= spec.max => {
                    set.insert(name.to_owned(), (n, At::of(doc.src, v.span().start)));
                }
                _ => doc.error(
                    v.span().start,
                    format!(
                        "`{name}` of {} must be a number from {} to {} ({})",
                        control_id, spec.min, spec.max, spec.doc
                    ),
                ),
            }
        }
        out.insert(control_id.to_owned(), set);
    }
    out
}

// ---------------------------------------------------------------- backup.toml

/// One workload's backup policy; everything but `in_scope` may be left out, and
/// completeness is checked by backup.<workload>.policy-complete.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    /// Whether the MSP backs this workload up.
    #[schemars(with = "bool")]
    in_scope: Spanned<bool>,
    /// Why the workload is out of scope.
    reason: Option<String>,
    /// "microsoft-365-backup" or the vendor product name.
    #[schemars(with = "Option<String>", extend("examples" = [M365_BACKUP, "Acme Cloud Backup"]))]
    provider: Option<Spanned<String>>,
    /// All items, or selected ones.
    #[schemars(with = "Option<Scope>")]
    scope: Option<Spanned<String>>,
    /// What the scope covers.
    scope_note: Option<String>,
    /// How often a backup runs.
    #[schemars(with = "Option<Duration>")]
    frequency: Option<Spanned<String>>,
    /// How long backups are kept.
    #[schemars(with = "Option<Duration>")]
    retention: Option<Spanned<String>>,
    /// How backups are encrypted.
    #[schemars(with = "Option<String>")]
    encryption: Option<Spanned<String>>,
    /// Where backups are stored.
    #[schemars(with = "Option<String>")]
    storage_location: Option<Spanned<String>>,
    /// Largest allowed gap between successful backups (recovery point objective).
    #[schemars(with = "Option<Duration>")]
    rpo: Option<Spanned<String>>,
    /// Largest allowed restore duration (recovery time objective).
    #[schemars(with = "Option<Duration>")]
    rto: Option<Spanned<String>>,
    /// Who owns the workload's backup.
    #[schemars(with = "Option<String>")]
    owner: Option<Spanned<String>>,
    /// A passed restore test at least this often.
    #[schemars(with = "Option<Duration>")]
    restore_test_cadence: Option<Spanned<String>>,
    /// Documented gaps in the backup.
    #[schemars(with = "Option<Vec<String>>")]
    known_gaps: Option<Spanned<Vec<String>>>,
    /// The Veeam Backup for Microsoft 365 jobs that back this workload up, by job name
    /// as in backup/veeam/Jobs.json: their sessions (backup/veeam/JobSessions.json) are
    /// the workload's backup jobs instead of backup-jobs.csv. One job may serve several
    /// workloads.
    #[schemars(with = "Option<Vec<String>>", length(min = 1), inner(regex(pattern = crate::schema::NOT_BLANK)))]
    veeam_jobs: Option<Spanned<Vec<Spanned<String>>>>,
}

/// Records retention, kept separate from backup.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRetention {
    /// The longest legal or contractual retention minimum.
    #[schemars(with = "Option<Duration>")]
    legal_minimum: Option<Spanned<String>>,
    /// Where records retention lives (e.g. Microsoft Purview retention policies).
    compliance_location: Option<String>,
    /// Backup is used as the records archive.
    #[serde(default)]
    relies_on_backup: bool,
}

/// A backup product's CSV export, read as written (`[csv]`).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCsvExport {
    /// The export's file name inside each month's `backup/` folder (no path), e.g.
    /// "datto-saas-protection.csv".
    #[schemars(with = "String", regex(pattern = crate::model::schema_rules::CSV_FILE))]
    file: Spanned<String>,
    /// Which column (by its header, as written) holds each field of a run.
    columns: RawCsvColumns,
    /// Every status the export writes (as written) and what it means: success, warning,
    /// failed, or running (not finished: not counted). A status not listed is bad input.
    #[schemars(with = "BTreeMap<String, MappedStatus>")]
    status_map: Spanned<BTreeMap<String, Spanned<String>>>,
    /// The product's workload names (as written) and the workload each is; names that
    /// are workload ids (exchange, onedrive, sharepoint, teams, in any case) need none.
    #[schemars(with = "Option<BTreeMap<String, Workload>>")]
    workload_map: Option<BTreeMap<String, Spanned<String>>>,
    /// The dates' format, strftime-style (`%m/%d/%Y %I:%M %p` for 11/03/2026 01:00 AM,
    /// `%d.%m.%Y %H:%M` for 03.11.2026 01:00). Without it: RFC 3339
    /// (2026-11-03T01:00:00Z) or `YYYY-MM-DD HH:MM[:SS]`.
    #[schemars(with = "Option<String>")]
    date_format: Option<Spanned<String>>,
    /// The UTC offset of dates written without one ("+01:00", "-05:00", "Z"): required
    /// when the export's dates carry no offset.
    #[schemars(
        with = "Option<String>",
        regex(pattern = "^([zZ]|UTC|utc|[+-][0-9]{2}:[0-9]{2})$")
    )]
    utc_offset: Option<Spanned<String>>,
    /// The field separator: "," (default), ";", "|" or a tab ("\t").
    #[schemars(with = "Option<String>", regex(pattern = "^(,|;|\\||\t)$"))]
    delimiter: Option<Spanned<String>>,
}

/// Column headers of a product's CSV export, as written.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCsvColumns {
    /// The job (or backup set) name or id.
    job: String,
    /// The workload (Exchange, OneDrive, SharePoint, Teams, or a name in `workload_map`).
    workload: String,
    /// When the run started.
    start: String,
    /// When the run ended (empty while running).
    end: String,
    /// The run's status (every value in `status_map`).
    status: String,
    /// Items in scope, for backup.<workload>.protection-coverage.
    items_total: Option<String>,
    /// Items protected by the run.
    items_protected: Option<String>,
}

fn csv_export(doc: &mut TomlDoc) -> Option<CsvExport> {
    let at = doc.key_at("csv");
    let raw = doc.get::<RawCsvExport>("csv")?;
    let mut ok = true;
    let file = raw.file.get_ref().trim().to_owned();
    let plain = !file.starts_with('.')
        && file.to_ascii_lowercase().ends_with(".csv")
        && file
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b' '));
    if !plain {
        doc.error(
            raw.file.span().start,
            format!(
                "`file` must be a CSV file name in the month's backup/ folder (letters, digits, . _ - and spaces, ending .csv; no path), found {:?}",
                raw.file.get_ref()
            ),
        );
        ok = false;
    }
    let c = raw.columns;
    let columns = CsvColumns {
        job: c.job,
        workload: c.workload,
        start: c.start,
        end: c.end,
        status: c.status,
        items_total: c.items_total,
        items_protected: c.items_protected,
    };
    let mut status_map = Vec::new();
    let map_at = raw.status_map.span().start;
    for (k, v) in raw.status_map.into_inner() {
        let meaning = match v.get_ref().trim().to_ascii_lowercase().as_str() {
            "success" => Some(MappedStatus::Success),
            "warning" => Some(MappedStatus::Warning),
            "failed" => Some(MappedStatus::Failed),
            "running" => Some(MappedStatus::Running),
            _ => None,
        };
        match meaning {
            Some(m) if !k.trim().is_empty() => status_map.push((k.trim().to_owned(), m)),
            Some(_) => {
                doc.error(v.span().start, "a status in `status_map` is blank");
                ok = false;
            }
            None => {
                doc.error(
                    v.span().start,
                    format!(
                        "status {k:?} maps to {:?}; expected \"success\", \"warning\", \"failed\" or \"running\"",
                        v.get_ref()
                    ),
                );
                ok = false;
            }
        }
    }
    if !status_map.iter().any(|(_, m)| *m == MappedStatus::Success) {
        doc.error(
            map_at,
            "`status_map` maps no status to \"success\": no run could ever pass",
        );
        ok = false;
    }
    let mut workload_map = Vec::new();
    for (k, v) in raw.workload_map.unwrap_or_default() {
        match Workload::parse(v.get_ref()) {
            Some(w) => workload_map.push((k.trim().to_owned(), w)),
            None => {
                doc.error(
                    v.span().start,
                    format!(
                        "unknown workload {:?}, expected exchange, onedrive, sharepoint or teams",
                        v.get_ref()
                    ),
                );
                ok = false;
            }
        }
    }
    let date_format = raw.date_format.and_then(|f| {
        let probe = jiff::civil::date(2026, 11, 3).at(1, 0, 0, 0);
        match jiff::fmt::strtime::format(f.get_ref().as_str(), probe) {
            Ok(_) if f.get_ref().contains('%') => Some(f.into_inner()),
            _ => {
                doc.error(
                    f.span().start,
                    format!(
                        "`date_format` {:?} is not a strftime format like \"%m/%d/%Y %I:%M %p\"",
                        f.get_ref()
                    ),
                );
                ok = false;
                None
            }
        }
    });
    let utc_offset_seconds = raw
        .utc_offset
        .and_then(|o| match parse_utc_offset(o.get_ref()) {
            Some(secs) => Some(secs),
            None => {
                doc.error(
                    o.span().start,
                    format!(
                        "`utc_offset` must be like \"+01:00\", \"-05:00\" or \"Z\", found {:?}",
                        o.get_ref()
                    ),
                );
                ok = false;
                None
            }
        });
    let delimiter = match raw.delimiter {
        None => b',',
        Some(d) => match d.get_ref().as_str() {
            "," => b',',
            ";" => b';',
            "|" => b'|',
            "\t" => b'\t',
            other => {
                doc.error(
                    d.span().start,
                    format!(
                        "`delimiter` must be \",\", \";\", \"|\" or a tab (\"\\t\"), found {other:?}"
                    ),
                );
                ok = false;
                b','
            }
        },
    };
    ok.then_some(CsvExport {
        file,
        columns,
        status_map,
        workload_map,
        date_format,
        utc_offset_seconds,
        delimiter,
        at,
    })
}

/// `+01:00`, `-05:30`, `Z` → seconds east of UTC.
fn parse_utc_offset(s: &str) -> Option<i32> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("z") || s.eq_ignore_ascii_case("utc") {
        return Some(0);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 14 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

fn backup_policy(doc: &mut TomlDoc) -> BackupPolicy {
    let mut keys: Vec<&str> = Workload::ALL.iter().map(|w| w.id()).collect();
    keys.push("retention");
    keys.push("csv");
    doc.check_keys(&keys);
    let mut workloads = BTreeMap::new();
    for w in Workload::ALL {
        let table_at = doc.key_at(w.id());
        let Some(raw) = doc.get::<RawWorkload>(w.id()) else {
            continue;
        };
        let mut key_at = BTreeMap::new();
        let mut text =
            |doc: &mut TomlDoc, key: &str, v: Option<Spanned<String>>| -> Option<String> {
                let v = v?;
                key_at.insert(key.to_owned(), at(doc, &v));
                let s = v.into_inner();
                (!s.trim().is_empty()).then_some(s)
            };
        let provider = text(doc, "provider", raw.provider);
        let encryption = text(doc, "encryption", raw.encryption);
        let storage_location = text(doc, "storage_location", raw.storage_location);
        let owner = text(doc, "owner", raw.owner);
        let scope = raw.scope.and_then(|s| {
            key_at.insert("scope".into(), at(doc, &s));
            match s.get_ref().as_str() {
                "all" => Some(Scope::All),
                "selected" => Some(Scope::Selected),
                other => {
                    doc.error(
                        s.span().start,
                        format!("unknown scope {other:?}, expected \"all\" or \"selected\""),
                    );
                    None
                }
            }
        });
        let mut dur = |doc: &mut TomlDoc, key: &str, v: Option<Spanned<String>>| {
            let v = v?;
            key_at.insert(key.to_owned(), at(doc, &v));
            match Duration::parse(v.get_ref()) {
                Ok(d) => Some(d),
                Err(e) => {
                    doc.error(v.span().start, format!("`{key}`: {e}"));
                    None
                }
            }
        };
        let frequency = dur(doc, "frequency", raw.frequency);
        let retention = dur(doc, "retention", raw.retention);
        let rpo = dur(doc, "rpo", raw.rpo);
        let rto = dur(doc, "rto", raw.rto);
        let restore_test_cadence = dur(doc, "restore_test_cadence", raw.restore_test_cadence);
        let known_gaps = raw.known_gaps.map(|g| {
            key_at.insert("known_gaps".into(), at(doc, &g));
            g.into_inner()
        });
        let veeam_jobs = raw.veeam_jobs.and_then(|list| {
            key_at.insert("veeam_jobs".into(), at(doc, &list));
            if list.get_ref().is_empty() {
                doc.error(
                    list.span().start,
                    "`veeam_jobs` is empty: name at least one job, or leave the key out",
                );
                return None;
            }
            let mut names: Vec<String> = Vec::new();
            for name in list.into_inner() {
                let trimmed = name.get_ref().trim();
                if trimmed.is_empty() {
                    doc.error(name.span().start, "a job name in `veeam_jobs` is blank");
                } else if names.iter().any(|n| n == trimmed) {
                    doc.error(
                        name.span().start,
                        format!("job {trimmed:?} is named twice in `veeam_jobs`"),
                    );
                } else {
                    names.push(trimmed.to_owned());
                }
            }
            Some(names)
        });
        key_at.insert("in_scope".into(), at(doc, &raw.in_scope));
        workloads.insert(
            w,
            WorkloadPolicy {
                in_scope: *raw.in_scope.get_ref(),
                reason: raw.reason,
                provider,
                scope,
                scope_note: raw.scope_note,
                frequency,
                retention,
                encryption,
                storage_location,
                rpo,
                rto,
                owner,
                restore_test_cadence,
                known_gaps,
                veeam_jobs,
                at: table_at,
                key_at,
            },
        );
    }
    let retention_at = doc.key_at("retention");
    let retention = match doc.get::<RawRetention>("retention") {
        Some(r) => {
            let legal_minimum = r
                .legal_minimum
                .and_then(|v| match Duration::parse(v.get_ref()) {
                    Ok(d) => Some(d),
                    Err(e) => {
                        doc.error(v.span().start, format!("`legal_minimum`: {e}"));
                        None
                    }
                });
            RetentionPolicy {
                legal_minimum,
                compliance_location: r.compliance_location.filter(|s| !s.trim().is_empty()),
                relies_on_backup: r.relies_on_backup,
                at: retention_at,
            }
        }
        None => RetentionPolicy {
            legal_minimum: None,
            compliance_location: None,
            relies_on_backup: false,
            at: retention_at,
        },
    };
    let csv = csv_export(doc);
    BackupPolicy {
        workloads,
        csv,
        retention,
        file: doc.src.path.clone(),
    }
}
