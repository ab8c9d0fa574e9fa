//! Typed views of the Microsoft Graph resources `custody` evaluates. Each struct keeps
//! only the fields a control reads, and tolerates Graph's real quirks: nulls, `""` or
//! `0001-01-01T00:00:00Z` for "never", malformed timestamps in documentation samples,
//! mixed-case `userType`, `Type` spelled with a capital letter in some audit records.

use jiff::Timestamp;
use serde::{Deserialize, Deserializer};

/// A `{"value": [...]}` collection. Of the `@odata.*` keys only the two that say whether
/// the file holds every item are kept; everything else is ignored.
#[derive(Debug, Deserialize)]
pub struct Collection<T> {
    pub value: Vec<T>,
    /// Present on every page but the last: a file that still carries it is a first page.
    #[serde(rename = "@odata.nextLink", default)]
    pub next_link: Option<serde_json::Value>,
    /// The total Graph announced (`$count=true`); kept loosely typed, read by [`count_of`].
    #[serde(rename = "@odata.count", default)]
    pub count: Option<serde_json::Value>,
}

/// What a collection file says about its own completeness.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageMarkers {
    /// `@odata.nextLink` is present (and not `null`).
    pub next_link: bool,
    /// `@odata.count`, when it is a whole number.
    pub count: Option<u64>,
}

/// Whether an `@odata.nextLink` value points at a next page: `null` and `""` do not
/// (collect treats an empty link as the last page too).
pub fn is_next_link(v: &serde_json::Value) -> bool {
    !(v.is_null() || v.as_str().is_some_and(str::is_empty))
}

/// `@odata.count` as Graph writes it: a number, or a numeric string from some exporters.
pub fn count_of(v: &serde_json::Value) -> Option<u64> {
    match v {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Graph timestamps: `null`, `""`, year-0001 placeholders and unparseable strings all
/// mean "no usable time".
pub fn graph_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    Ok(s.as_deref().and_then(parse_graph_time))
}

pub fn parse_graph_time(s: &str) -> Option<Timestamp> {
    if s.is_empty() || s.starts_with("0001-01-01") {
        return None;
    }
    s.parse::<Timestamp>().ok()
}

/// `null` → empty list.
fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
    pub user_type: Option<String>,
    pub account_enabled: Option<bool>,
    pub assigned_licenses: Option<Vec<serde::de::IgnoredAny>>,
    pub sign_in_activity: Option<SignInActivity>,
    #[serde(default, deserialize_with = "graph_time")]
    pub created_date_time: Option<Timestamp>,
}

impl User {
    pub fn is_guest(&self) -> bool {
        is_guest(
            self.user_type.as_deref(),
            self.user_principal_name.as_deref(),
        )
    }

    pub fn name(&self) -> &str {
        self.user_principal_name
            .as_deref()
            .or(self.display_name.as_deref())
            .unwrap_or(&self.id)
    }

    /// The latest sign-in of any kind, if Graph recorded one.
    pub fn last_sign_in(&self) -> Option<Timestamp> {
        let a = self.sign_in_activity.as_ref()?;
        [
            a.last_sign_in_date_time,
            a.last_non_interactive_sign_in_date_time,
            a.last_successful_sign_in_date_time,
        ]
        .into_iter()
        .flatten()
        .max()
    }
}

/// Guests by `userType` in any case, or by the `#EXT#` UPN of invited accounts.
pub fn is_guest(user_type: Option<&str>, upn: Option<&str>) -> bool {
    user_type.is_some_and(|t| t.eq_ignore_ascii_case("guest"))
        || upn.is_some_and(|u| u.contains("#EXT#"))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInActivity {
    #[serde(default, deserialize_with = "graph_time")]
    pub last_sign_in_date_time: Option<Timestamp>,
    #[serde(default, deserialize_with = "graph_time")]
    pub last_non_interactive_sign_in_date_time: Option<Timestamp>,
    #[serde(default, deserialize_with = "graph_time")]
    pub last_successful_sign_in_date_time: Option<Timestamp>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationDetail {
    pub id: String,
    pub user_principal_name: Option<String>,
    pub user_display_name: Option<String>,
    #[serde(default)]
    pub is_admin: Option<bool>,
    #[serde(default)]
    pub is_mfa_registered: Option<bool>,
    pub user_type: Option<String>,
}

impl RegistrationDetail {
    pub fn name(&self) -> &str {
        self.user_principal_name
            .as_deref()
            .or(self.user_display_name.as_deref())
            .unwrap_or(&self.id)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaPolicy {
    pub id: String,
    pub display_name: Option<String>,
    /// `enabled`, `disabled` or `enabledForReportingButNotEnforced`.
    pub state: String,
    pub conditions: Option<CaConditions>,
    pub grant_controls: Option<GrantControls>,
}

impl CaPolicy {
    pub fn name(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.id)
    }

    pub fn is_enabled(&self) -> bool {
        self.state == "enabled"
    }

    pub fn is_report_only(&self) -> bool {
        self.state == "enabledForReportingButNotEnforced"
    }

    pub fn users(&self) -> CaUsers {
        self.conditions
            .as_ref()
            .and_then(|c| c.users.clone())
            .unwrap_or_default()
    }

    pub fn includes_all_apps(&self) -> bool {
        self.conditions
            .as_ref()
            .and_then(|c| c.applications.as_ref())
            .is_some_and(|a| {
                a.include_applications.iter().any(|x| x == "All")
                    && a.exclude_applications.is_empty()
            })
    }

    pub fn client_app_types(&self) -> Vec<String> {
        self.conditions
            .as_ref()
            .map(|c| c.client_app_types.clone())
            .unwrap_or_default()
    }

    /// Requires MFA: the built-in `mfa` control, or an authentication strength (which
    /// Graph returns with empty `builtInControls`). With `OR`, MFA must be the only way through.
    pub fn requires_mfa(&self) -> bool {
        let Some(g) = &self.grant_controls else {
            return false;
        };
        let mfa_builtin = g.built_in_controls.iter().any(|c| c == "mfa");
        let strength = g.authentication_strength.is_some();
        if !(mfa_builtin || strength) {
            return false;
        }
        let alternatives = g.built_in_controls.iter().filter(|c| *c != "mfa").count();
        let is_or = g
            .operator
            .as_deref()
            .is_none_or(|o| o.eq_ignore_ascii_case("OR"));
        !(is_or && alternatives > 0)
    }

    pub fn blocks(&self) -> bool {
        self.grant_controls
            .as_ref()
            .is_some_and(|g| g.built_in_controls.iter().any(|c| c == "block"))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaConditions {
    pub users: Option<CaUsers>,
    pub applications: Option<CaApplications>,
    #[serde(default, deserialize_with = "list")]
    pub client_app_types: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaUsers {
    #[serde(default, deserialize_with = "list")]
    pub include_users: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub exclude_users: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub include_groups: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub exclude_groups: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub include_roles: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub exclude_roles: Vec<String>,
    /// Present (non-null) when guests or external users are excluded.
    pub exclude_guests_or_external_users: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaApplications {
    #[serde(default, deserialize_with = "list")]
    pub include_applications: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub exclude_applications: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantControls {
    pub operator: Option<String>,
    #[serde(default, deserialize_with = "list")]
    pub built_in_controls: Vec<String>,
    pub authentication_strength: Option<AuthenticationStrength>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationStrength {
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityDefaults {
    pub is_enabled: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscribedSku {
    pub sku_id: Option<String>,
    pub sku_part_number: String,
    pub capability_status: Option<String>,
    pub consumed_units: Option<i64>,
    pub prepaid_units: Option<PrepaidUnits>,
    #[serde(default, deserialize_with = "list")]
    pub service_plans: Vec<ServicePlan>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PrepaidUnits {
    pub enabled: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePlan {
    pub service_plan_name: Option<String>,
    pub provisioning_status: Option<String>,
}

impl SubscribedSku {
    pub fn is_enabled(&self) -> bool {
        self.capability_status
            .as_deref()
            .is_none_or(|s| s.eq_ignore_ascii_case("Enabled"))
    }

    pub fn enabled_units(&self) -> i64 {
        self.prepaid_units
            .as_ref()
            .and_then(|p| p.enabled)
            .unwrap_or(0)
    }

    pub fn has_plan(&self, name: &str) -> bool {
        self.service_plans.iter().any(|p| {
            p.service_plan_name.as_deref() == Some(name)
                && p.provisioning_status
                    .as_deref()
                    .is_none_or(|s| s != "Disabled")
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleDefinition {
    pub id: String,
    pub display_name: String,
    pub template_id: Option<String>,
    pub is_privileged: Option<bool>,
}

/// A member of a role: `@odata.type` tells users, service principals and groups apart.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Principal {
    #[serde(rename = "@odata.type")]
    pub odata_type: Option<String>,
    pub id: String,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
    pub user_type: Option<String>,
    pub account_enabled: Option<bool>,
}

impl Principal {
    pub fn is_user(&self) -> bool {
        self.odata_type
            .as_deref()
            .is_none_or(|t| t.eq_ignore_ascii_case("#microsoft.graph.user"))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    pub id: String,
    pub principal_id: String,
    pub role_definition_id: String,
    pub directory_scope_id: Option<String>,
    pub principal: Option<Principal>,
}

/// An eligibility or assignment schedule from PIM.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleSchedule {
    pub id: String,
    pub principal_id: String,
    pub role_definition_id: String,
    pub directory_scope_id: Option<String>,
    /// `Assigned` (standing) or `Activated` (just-in-time from an eligibility).
    pub assignment_type: Option<String>,
    pub status: Option<String>,
    pub schedule_info: Option<ScheduleInfo>,
    pub principal: Option<Principal>,
}

impl RoleSchedule {
    /// No end date: a permanent assignment.
    pub fn is_permanent(&self) -> bool {
        let exp = self
            .schedule_info
            .as_ref()
            .and_then(|s| s.expiration.as_ref());
        exp.is_none_or(|e| {
            e.kind.as_deref().is_none_or(|t| t == "noExpiration") && e.end_date_time.is_none()
        })
    }

    pub fn is_activated(&self) -> bool {
        self.assignment_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("Activated"))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ScheduleInfo {
    pub expiration: Option<Expiration>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Expiration {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "graph_time")]
    pub end_date_time: Option<Timestamp>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecureScore {
    /// The tenant the score belongs to: proof (or disproof) of whose snapshot this is.
    pub azure_tenant_id: Option<String>,
    pub current_score: Option<f64>,
    pub max_score: Option<f64>,
    #[serde(default, deserialize_with = "graph_time")]
    pub created_date_time: Option<Timestamp>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryAudit {
    pub id: String,
    pub category: Option<String>,
    pub activity_display_name: Option<String>,
    #[serde(default, deserialize_with = "graph_time")]
    pub activity_date_time: Option<Timestamp>,
    pub result: Option<String>,
    pub initiated_by: Option<InitiatedBy>,
    #[serde(default, deserialize_with = "list")]
    pub target_resources: Vec<TargetResource>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InitiatedBy {
    pub user: Option<AuditUser>,
    pub app: Option<AuditApp>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditUser {
    pub user_principal_name: Option<String>,
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditApp {
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetResource {
    pub id: Option<String>,
    pub display_name: Option<String>,
    /// Graph documentation samples spell it `Type`.
    #[serde(rename = "type", alias = "Type")]
    pub kind: Option<String>,
    pub user_principal_name: Option<String>,
    #[serde(default, deserialize_with = "list")]
    pub modified_properties: Vec<ModifiedProperty>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModifiedProperty {
    pub display_name: Option<String>,
    pub new_value: Option<String>,
    pub old_value: Option<String>,
}

impl DirectoryAudit {
    pub fn actor(&self) -> String {
        let by = self.initiated_by.as_ref();
        by.and_then(|b| b.user.as_ref())
            .and_then(|u| u.user_principal_name.clone().or(u.display_name.clone()))
            .or_else(|| {
                by.and_then(|b| b.app.as_ref())
                    .and_then(|a| a.display_name.clone())
            })
            .unwrap_or_else(|| "unknown".to_owned())
    }

    /// The role name recorded in `Role.DisplayName`, without Graph's JSON quoting.
    pub fn role_name(&self) -> Option<String> {
        self.target_resources
            .iter()
            .flat_map(|t| &t.modified_properties)
            .find(|p| p.display_name.as_deref() == Some("Role.DisplayName"))
            .and_then(|p| p.new_value.clone().or(p.old_value.clone()))
            .map(|v| v.trim_matches('"').to_owned())
    }

    pub fn target(&self) -> Option<String> {
        self.target_resources
            .iter()
            .find(|t| {
                !t.kind
                    .as_deref()
                    .is_some_and(|k| k.eq_ignore_ascii_case("Role"))
            })
            .and_then(|t| {
                t.user_principal_name
                    .clone()
                    .or(t.display_name.clone())
                    .or(t.id.clone())
            })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProtectionPolicy {
    #[serde(rename = "@odata.type")]
    pub odata_type: Option<String>,
    pub id: String,
    pub display_name: Option<String>,
    pub status: Option<String>,
    #[serde(default, deserialize_with = "list")]
    pub retention_settings: Vec<RetentionSetting>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RetentionSetting {
    pub interval: Option<String>,
    pub period: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProtectionUnit {
    // Boxed strings: a large tenant has hundreds of thousands of units, and a `Box<str>`
    // is a third smaller than a `String`.
    pub id: Box<str>,
    pub policy_id: Option<Box<str>>,
    pub directory_object_id: Option<Box<str>>,
    pub email: Option<Box<str>>,
    pub display_name: Option<Box<str>>,
    pub site_name: Option<Box<str>>,
    pub site_web_url: Option<Box<str>>,
    /// `protected`, `unprotected`, `protectRequested`, `unprotectRequested`, ...
    pub status: Option<Box<str>>,
}

impl ProtectionUnit {
    pub fn is_protected(&self) -> bool {
        self.status.as_deref() == Some("protected")
    }

    pub fn name(&self) -> &str {
        self.email
            .as_deref()
            .or(self.site_web_url.as_deref())
            .or(self.site_name.as_deref())
            .or(self.display_name.as_deref())
            .unwrap_or(&self.id)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestoreSession {
    #[serde(rename = "@odata.type")]
    pub odata_type: Option<String>,
    pub id: String,
    pub status: Option<String>,
    #[serde(default, deserialize_with = "graph_time")]
    pub created_date_time: Option<Timestamp>,
    #[serde(default, deserialize_with = "graph_time")]
    pub completed_date_time: Option<Timestamp>,
}

/// ISO 8601 durations as Graph writes backup retention (`P1Y`, `P2W`, `PT10M`), in minutes.
pub fn iso_duration_minutes(s: &str) -> Option<u64> {
    let s = s.strip_prefix("R/").unwrap_or(s);
    let rest = s.strip_prefix('P')?;
    let (date, time) = rest.split_once('T').unwrap_or((rest, ""));
    let mut total = 0u64;
    for (part, units) in [
        (
            date,
            &[
                ('Y', 525_600u64),
                ('M', 43_200),
                ('W', 10_080),
                ('D', 1_440),
            ][..],
        ),
        (time, &[('H', 60), ('M', 1), ('S', 0)][..]),
    ] {
        let mut num = String::new();
        for ch in part.chars() {
            if ch.is_ascii_digit() {
                num.push(ch);
            } else {
                let per = units.iter().find(|(u, _)| *u == ch)?.1;
                total += num.parse::<u64>().ok()? * per;
                num.clear();
            }
        }
        if !num.is_empty() {
            return None;
        }
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_values_are_none() {
        for never in [
            "",
            "0001-01-01T00:00:00Z",
            "0001-01-01T08:00:00Z",
            "0001-01-01T00:00:00.0000000Z",
            "2023-03-30T12-01-03.45Z",
        ] {
            assert_eq!(parse_graph_time(never), None, "{never}");
        }
        assert!(parse_graph_time("2021-06-17T16:41:33Z").is_some());
        assert!(parse_graph_time("2026-07-16T03:16:01.7292271Z").is_some());
    }

    #[test]
    fn guests_by_type_in_any_case_or_ext_upn() {
        assert!(is_guest(Some("Guest"), None));
        assert!(is_guest(Some("guest"), None));
        assert!(is_guest(
            None,
            Some("dana.ortiz_partner.example#EXT#@labtenant.onmicrosoft.com")
        ));
        assert!(!is_guest(Some("Member"), Some("alex@lab.example")));
    }

    #[test]
    fn iso_durations() {
        assert_eq!(iso_duration_minutes("P1Y"), Some(525_600));
        assert_eq!(iso_duration_minutes("P2W"), Some(20_160));
        assert_eq!(iso_duration_minutes("R/PT10M"), Some(10));
        assert_eq!(iso_duration_minutes("nonsense"), None);
    }

    fn policy(grant: &str) -> CaPolicy {
        serde_json::from_str(&format!(
            r#"{{"id":"p","state":"enabled","grantControls":{grant}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn mfa_via_authentication_strength_with_empty_builtin_controls() {
        let p = policy(
            r#"{"operator":"OR","builtInControls":[],"authenticationStrength":{"displayName":"Phishing-resistant MFA","requirementsSatisfied":"mfa"}}"#,
        );
        assert!(p.requires_mfa());
    }

    #[test]
    fn mfa_or_compliant_device_is_not_mfa() {
        assert!(
            !policy(r#"{"operator":"OR","builtInControls":["mfa","compliantDevice"]}"#)
                .requires_mfa()
        );
        assert!(
            policy(r#"{"operator":"AND","builtInControls":["mfa","compliantDevice"]}"#)
                .requires_mfa()
        );
        assert!(!policy("null").requires_mfa());
    }
}
