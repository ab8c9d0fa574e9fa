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

/// A key that may be absent or `null`, kept apart: `None` when absent (the field was not
/// collected, so nothing is known), `Some(None)` when Graph wrote `null` (which for some
/// properties has a meaning of its own).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
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
    /// `None`: the key is absent (users.json collected without it in `$select`);
    /// `Some(None)`: `null`, which Graph writes for an account never synchronised from
    /// an on-premises directory; `Some(Some(true))`: synchronised now.
    #[serde(default, deserialize_with = "present")]
    pub on_premises_sync_enabled: Option<Option<bool>>,
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

/// A Conditional Access policy (`conditionalAccessPolicy`). Every condition Graph v1.0
/// can set is kept, because any one of them narrows where the policy applies; the
/// controls read them in `controls::identity::ca`.
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

    pub fn client_app_types(&self) -> Vec<String> {
        self.conditions
            .as_ref()
            .map(|c| c.client_app_types.clone())
            .unwrap_or_default()
    }

    /// How the grant asks for MFA (see [`GrantControls::mfa`]).
    pub fn mfa_grant(&self) -> MfaGrant {
        self.grant_controls
            .as_ref()
            .map_or(MfaGrant::NotAsked, GrantControls::mfa)
    }

    /// The grant proves MFA is required: the one reading every MFA control shares.
    pub fn requires_mfa(&self) -> bool {
        self.mfa_grant() == MfaGrant::Required
    }

    pub fn blocks(&self) -> bool {
        self.grant_controls
            .as_ref()
            .is_some_and(|g| g.built_in_controls.iter().any(|c| c == "block"))
    }
}

/// A Graph flags enum: one comma-separated string (`"minor,elevated"`) as Graph writes
/// it, or a list as some exports do; `null` is empty.
fn flags<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flags {
        One(String),
        Many(Vec<String>),
    }
    let split = |s: &str| -> Vec<String> {
        s.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    Ok(match Option::<Flags>::deserialize(d)? {
        None => Vec::new(),
        Some(Flags::One(s)) => split(&s),
        Some(Flags::Many(v)) => v.iter().flat_map(|s| split(s)).collect(),
    })
}

/// `conditionalAccessConditionSet`. Lists Graph writes as `null` read as empty.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaConditions {
    pub users: Option<CaUsers>,
    pub applications: Option<CaApplications>,
    #[serde(default, deserialize_with = "list")]
    pub client_app_types: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub user_risk_levels: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub sign_in_risk_levels: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub service_principal_risk_levels: Vec<String>,
    /// A flags enum: Graph writes one comma-separated string (`"minor,elevated"`).
    #[serde(default, deserialize_with = "flags")]
    pub insider_risk_levels: Vec<String>,
    pub platforms: Option<CaPlatforms>,
    pub locations: Option<CaLocations>,
    pub devices: Option<CaDevices>,
    /// Workload identities (service principals) the policy targets.
    pub client_applications: Option<CaClientApplications>,
    pub authentication_flows: Option<CaAuthenticationFlows>,
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
    pub include_guests_or_external_users: Option<CaGuestsOrExternalUsers>,
    /// Present (non-null) when guests or external users are excluded.
    pub exclude_guests_or_external_users: Option<CaGuestsOrExternalUsers>,
}

/// `conditionalAccessGuestsOrExternalUsers`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaGuestsOrExternalUsers {
    /// A flags enum: `"internalGuest,b2bCollaborationGuest,…"`.
    #[serde(default, deserialize_with = "flags")]
    pub guest_or_external_user_types: Vec<String>,
}

impl CaGuestsOrExternalUsers {
    /// Names at least one kind of guest (`none` names none).
    pub fn names_any(&self) -> bool {
        self.guest_or_external_user_types
            .iter()
            .any(|t| !t.eq_ignore_ascii_case("none"))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaApplications {
    #[serde(default, deserialize_with = "list")]
    pub include_applications: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub exclude_applications: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub include_user_actions: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub include_authentication_context_class_references: Vec<String>,
    pub application_filter: Option<CaFilter>,
}

/// `conditionalAccessFilter`: a device, application or service principal filter.
#[derive(Debug, Clone, Deserialize)]
pub struct CaFilter {
    /// `include` or `exclude`.
    pub mode: Option<String>,
    pub rule: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaPlatforms {
    #[serde(default, deserialize_with = "list")]
    pub include_platforms: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub exclude_platforms: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaLocations {
    #[serde(default, deserialize_with = "list")]
    pub include_locations: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub exclude_locations: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaDevices {
    pub device_filter: Option<CaFilter>,
    /// Retired device-state lists, still returned by some tenants and the beta API.
    #[serde(default, deserialize_with = "list")]
    pub include_devices: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub exclude_devices: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaClientApplications {
    #[serde(default, deserialize_with = "list")]
    pub include_service_principals: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub exclude_service_principals: Vec<String>,
    pub service_principal_filter: Option<CaFilter>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaAuthenticationFlows {
    /// A flags enum: `"deviceCodeFlow,authenticationTransfer"` (or `none`).
    #[serde(default, deserialize_with = "flags")]
    pub transfer_methods: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantControls {
    /// `AND` (every control) or `OR` (any one of them).
    pub operator: Option<String>,
    #[serde(default, deserialize_with = "list")]
    pub built_in_controls: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub custom_authentication_factors: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub terms_of_use: Vec<String>,
    pub authentication_strength: Option<AuthenticationStrength>,
}

/// How a grant asks for multifactor authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MfaGrant {
    /// No MFA control at all (no grant, a block, or other controls only).
    NotAsked,
    /// Every way through the grant needs MFA.
    Required,
    /// MFA is asked for, but a sign-in can get through without it; why, in words.
    Bypassable(String),
    /// MFA may be required, but the snapshot does not show it; what is missing, in words.
    Unproven(String),
}

impl GrantControls {
    /// The strength, unless it is the all-null object the Graph PowerShell SDK writes
    /// for "no authentication strength".
    pub fn strength(&self) -> Option<&AuthenticationStrength> {
        self.authentication_strength
            .as_ref()
            .filter(|s| !s.is_blank())
    }

    /// What, besides `block`, a sign-in could satisfy instead of being blocked: with `OR`
    /// (or no operator, which Graph reads as `OR`) every other control is a way through.
    /// Entra refuses such a grant when it is saved, so a snapshot that shows one is read
    /// as what it says, never as a block.
    pub fn block_alternatives(&self) -> Vec<String> {
        let and = self
            .operator
            .as_deref()
            .is_some_and(|o| o.eq_ignore_ascii_case("AND"));
        if and {
            return Vec::new();
        }
        let mut out: Vec<String> = self
            .built_in_controls
            .iter()
            .filter(|c| !c.eq_ignore_ascii_case("block"))
            .cloned()
            .collect();
        out.extend(
            self.custom_authentication_factors
                .iter()
                .map(|c| format!("custom control {c}")),
        );
        out.extend(
            self.terms_of_use
                .iter()
                .map(|t| format!("terms of use {t}")),
        );
        if let Some(s) = self.strength() {
            out.push(format!(
                "authentication strength {}",
                s.display_name
                    .as_deref()
                    .or(s.id.as_deref())
                    .unwrap_or("(unnamed)")
            ));
        }
        out
    }

    /// Requires MFA when, with `AND`, one control is MFA (the built-in `mfa`, or an
    /// authentication strength whose `requirementsSatisfied` is `mfa`), or, with `OR`
    /// (or no operator), every control is. `block` is a block, not an MFA requirement.
    pub fn mfa(&self) -> MfaGrant {
        let builtin = &self.built_in_controls;
        if builtin.iter().any(|c| c.eq_ignore_ascii_case("block")) {
            return MfaGrant::NotAsked;
        }
        let builtin_mfa = builtin.iter().any(|c| c.eq_ignore_ascii_case("mfa"));
        let strength = self.strength();
        if !builtin_mfa && strength.is_none() {
            return MfaGrant::NotAsked;
        }
        let strength_proof = strength.map(AuthenticationStrength::mfa);
        let and = self
            .operator
            .as_deref()
            .is_some_and(|o| o.eq_ignore_ascii_case("AND"));
        if and {
            if builtin_mfa || matches!(strength_proof, Some(Proof::Yes)) {
                return MfaGrant::Required;
            }
            return match strength_proof {
                Some(Proof::Unknown(why)) => MfaGrant::Unproven(why),
                Some(Proof::No(why)) => MfaGrant::Bypassable(why),
                _ => MfaGrant::NotAsked,
            };
        }
        // OR: every alternative must be MFA.
        let mut others: Vec<String> = builtin
            .iter()
            .filter(|c| !c.eq_ignore_ascii_case("mfa"))
            .cloned()
            .collect();
        others.extend(
            self.custom_authentication_factors
                .iter()
                .map(|c| format!("custom control {c}")),
        );
        others.extend(
            self.terms_of_use
                .iter()
                .map(|t| format!("terms of use {t}")),
        );
        if !others.is_empty() {
            return MfaGrant::Bypassable(format!(
                "grant lets {} satisfy it instead of MFA (operator OR)",
                others.join(", ")
            ));
        }
        match strength_proof {
            Some(Proof::No(why)) => MfaGrant::Bypassable(why),
            Some(Proof::Unknown(why)) => MfaGrant::Unproven(why),
            _ => MfaGrant::Required,
        }
    }
}

/// Whether a piece of evidence proves something: yes, no (why), or cannot tell (why).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proof {
    Yes,
    No(String),
    Unknown(String),
}

/// `authenticationStrengthPolicy`, as expanded inside a policy's grant controls.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationStrength {
    pub id: Option<String>,
    pub display_name: Option<String>,
    /// `mfa` or `none` (a strength that allows single-factor sign-in).
    pub requirements_satisfied: Option<String>,
    /// Method combinations that satisfy it (`"password,sms"`, `"fido2"`, …).
    #[serde(default, deserialize_with = "list")]
    pub allowed_combinations: Vec<String>,
}

/// Authentication methods that are multifactor on their own (a passkey, Windows Hello,
/// a certificate or federation that did MFA, a Temporary Access Pass, phone sign-in).
const MULTIFACTOR_ALONE: [&str; 7] = [
    "windowsHelloForBusiness",
    "fido2",
    "x509CertificateMultiFactor",
    "deviceBasedPush",
    "temporaryAccessPassOneTime",
    "temporaryAccessPassMultiUse",
    "federatedMultiFactor",
];

impl AuthenticationStrength {
    /// Every field null or empty: the SDK's way of writing "no strength".
    pub fn is_blank(&self) -> bool {
        let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
        blank(&self.id)
            && blank(&self.display_name)
            && blank(&self.requirements_satisfied)
            && self.allowed_combinations.is_empty()
    }

    pub fn name(&self) -> &str {
        self.display_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .or(self.id.as_deref())
            .unwrap_or("(unnamed)")
    }

    /// MFA only when `requirementsSatisfied` is `mfa` and no listed combination is a
    /// single factor (Graph computes the one from the other; a contradiction proves nothing).
    pub fn mfa(&self) -> Proof {
        let name = self.name();
        let Some(req) = self
            .requirements_satisfied
            .as_deref()
            .filter(|r| !r.trim().is_empty())
        else {
            return Proof::Unknown(format!(
                "authentication strength \"{name}\" is recorded without requirementsSatisfied, so the snapshot does not show that it requires MFA"
            ));
        };
        if !req.eq_ignore_ascii_case("mfa") {
            return Proof::No(format!(
                "authentication strength \"{name}\" allows single-factor sign-in (requirementsSatisfied: {req})"
            ));
        }
        let single: Vec<&str> = self
            .allowed_combinations
            .iter()
            .map(String::as_str)
            .filter(|c| {
                let modes: Vec<&str> = c.split(',').map(str::trim).collect();
                modes.len() < 2
                    && !modes
                        .iter()
                        .any(|m| MULTIFACTOR_ALONE.iter().any(|x| x.eq_ignore_ascii_case(m)))
            })
            .collect();
        if single.is_empty() {
            Proof::Yes
        } else {
            Proof::No(format!(
                "authentication strength \"{name}\" allows single-factor combinations ({})",
                single.join(", ")
            ))
        }
    }
}

/// The MFA reading of a grant, tested once for every control that asks "does this policy
/// require MFA".
#[cfg(test)]
mod ca_grant_tests {
    use super::*;

    fn grant(json: &str) -> MfaGrant {
        serde_json::from_str::<GrantControls>(json)
            .expect("grant parses")
            .mfa()
    }

    fn bypassable(g: &MfaGrant) -> bool {
        matches!(g, MfaGrant::Bypassable(_))
    }

    fn unproven(g: &MfaGrant) -> bool {
        matches!(g, MfaGrant::Unproven(_))
    }

    const PHISHING_RESISTANT: &str = r#"{"id":"00000000-0000-0000-0000-000000000004","displayName":"Phishing-resistant MFA","policyType":"builtIn","requirementsSatisfied":"mfa","allowedCombinations":["windowsHelloForBusiness","fido2","x509CertificateMultiFactor"]}"#;

    #[test]
    fn builtin_mfa_alone_is_required() {
        assert_eq!(
            grant(
                r#"{"operator":"OR","builtInControls":["mfa"],"customAuthenticationFactors":[],"termsOfUse":[],"authenticationStrength":null}"#
            ),
            MfaGrant::Required
        );
        assert_eq!(grant(r#"{"builtInControls":["mfa"]}"#), MfaGrant::Required);
    }

    #[test]
    fn or_with_another_control_is_bypassable_and_with_and_is_required() {
        let or = grant(r#"{"operator":"OR","builtInControls":["mfa","compliantDevice"]}"#);
        assert_eq!(
            or,
            MfaGrant::Bypassable(
                "grant lets compliantDevice satisfy it instead of MFA (operator OR)".into()
            )
        );
        // No operator is read as OR: the weaker reading.
        assert!(bypassable(&grant(
            r#"{"builtInControls":["mfa","domainJoinedDevice"]}"#
        )));
        assert!(bypassable(&grant(
            r#"{"operator":"OR","builtInControls":["mfa"],"customAuthenticationFactors":["Duo"]}"#
        )));
        assert!(bypassable(&grant(
            r#"{"operator":"OR","builtInControls":["mfa"],"termsOfUse":["0f8d1b3a-3c39-4b7e-9e34-3b7f3e1b2a11"]}"#
        )));
        assert_eq!(
            grant(r#"{"operator":"AND","builtInControls":["mfa","compliantDevice"]}"#),
            MfaGrant::Required
        );
        assert_eq!(
            grant(r#"{"operator":"and","builtInControls":["passwordChange","mfa"]}"#),
            MfaGrant::Required
        );
    }

    #[test]
    fn no_grant_a_block_or_other_controls_do_not_ask_for_mfa() {
        for g in [
            r#"{"operator":"OR","builtInControls":["block"]}"#,
            r#"{"operator":"OR","builtInControls":["compliantDevice"]}"#,
            r#"{"operator":"OR","builtInControls":[]}"#,
            r#"{"operator":"OR","builtInControls":null,"authenticationStrength":null}"#,
        ] {
            assert_eq!(grant(g), MfaGrant::NotAsked, "{g}");
        }
        let p: CaPolicy =
            serde_json::from_str(r#"{"id":"p","state":"enabled","grantControls":null}"#)
                .expect("policy");
        assert_eq!(p.mfa_grant(), MfaGrant::NotAsked);
        assert!(!p.requires_mfa());
    }

    #[test]
    fn a_strength_counts_only_when_requirements_satisfied_is_mfa() {
        let with = |s: &str| {
            grant(&format!(
                r#"{{"operator":"OR","builtInControls":[],"authenticationStrength":{s}}}"#
            ))
        };
        assert_eq!(with(PHISHING_RESISTANT), MfaGrant::Required);
        assert_eq!(
            with(r#"{"id":"5f3c6a3e-1111-4b7e-9e34-3b7f3e1b2a11","displayName":"Password only","policyType":"custom","requirementsSatisfied":"none","allowedCombinations":["password"]}"#),
            MfaGrant::Bypassable(
                "authentication strength \"Password only\" allows single-factor sign-in (requirementsSatisfied: none)".into()
            )
        );
        // Only the id: the snapshot does not show what the strength requires.
        assert!(unproven(&with(
            r#"{"id":"00000000-0000-0000-0000-000000000002"}"#
        )));
        // requirementsSatisfied mfa beside a single-factor combination contradicts itself.
        assert!(bypassable(&with(
            r#"{"displayName":"Mixed","requirementsSatisfied":"mfa","allowedCombinations":["fido2","password"]}"#
        )));
        // Microsoft's built-in MFA strength, two-method combinations and all.
        assert_eq!(
            with(
                r#"{"displayName":"Multifactor authentication","requirementsSatisfied":"mfa","allowedCombinations":["windowsHelloForBusiness","fido2","x509CertificateMultiFactor","deviceBasedPush","temporaryAccessPassOneTime","temporaryAccessPassMultiUse","password,microsoftAuthenticatorPush","password,softwareOath","password,hardwareOath","password,sms","password,voice","federatedMultiFactor","microsoftAuthenticatorPush,federatedSingleFactor","softwareOath,federatedSingleFactor","hardwareOath,federatedSingleFactor","sms,federatedSingleFactor","voice,federatedSingleFactor"]}"#
            ),
            MfaGrant::Required
        );
    }

    #[test]
    fn the_sdk_s_all_null_strength_is_no_strength() {
        let blank = r#"{"id":null,"displayName":null,"description":null,"policyType":null,"requirementsSatisfied":null,"allowedCombinations":[],"combinationConfigurations":[],"createdDateTime":null,"modifiedDateTime":null}"#;
        assert_eq!(
            grant(&format!(
                r#"{{"operator":"OR","builtInControls":[],"authenticationStrength":{blank}}}"#
            )),
            MfaGrant::NotAsked
        );
        assert_eq!(
            grant(&format!(
                r#"{{"operator":"OR","builtInControls":["mfa"],"authenticationStrength":{blank}}}"#
            )),
            MfaGrant::Required
        );
    }

    #[test]
    fn strength_and_builtin_mfa_combine_by_operator() {
        let unknown = r#"{"id":"8a1b2c3d-0000-4b7e-9e34-3b7f3e1b2a11"}"#;
        // AND: the built-in mfa is enough whatever the strength.
        assert_eq!(
            grant(&format!(
                r#"{{"operator":"AND","builtInControls":["mfa"],"authenticationStrength":{unknown}}}"#
            )),
            MfaGrant::Required
        );
        // OR: the unknown strength is a way through that may not be MFA.
        assert!(unproven(&grant(&format!(
            r#"{{"operator":"OR","builtInControls":["mfa"],"authenticationStrength":{unknown}}}"#
        ))));
        // AND with a device control and an unknown strength: nothing proves MFA.
        assert!(unproven(&grant(&format!(
            r#"{{"operator":"AND","builtInControls":["compliantDevice"],"authenticationStrength":{unknown}}}"#
        ))));
    }

    #[test]
    fn flags_read_from_a_string_or_a_list() {
        let c: CaConditions = serde_json::from_str(
            r#"{"insiderRiskLevels":"minor, elevated","authenticationFlows":{"transferMethods":"deviceCodeFlow,authenticationTransfer"}}"#,
        )
        .expect("conditions");
        assert_eq!(c.insider_risk_levels, ["minor", "elevated"]);
        assert_eq!(
            c.authentication_flows.expect("flows").transfer_methods,
            ["deviceCodeFlow", "authenticationTransfer"]
        );
        let c: CaConditions =
            serde_json::from_str(r#"{"insiderRiskLevels":["moderate"]}"#).expect("conditions");
        assert_eq!(c.insider_risk_levels, ["moderate"]);
        let c: CaConditions =
            serde_json::from_str(r#"{"insiderRiskLevels":null}"#).expect("conditions");
        assert!(c.insider_risk_levels.is_empty());
    }
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
    /// `false` for a tenant's custom role, whose privilege only `isPrivileged` can tell.
    pub is_built_in: Option<bool>,
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

/// A tenant's Microsoft 365 Backup service (`backupRestoreRoot`): whether it runs.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupRestoreRoot {
    pub service_status: Option<BackupServiceStatus>,
}

/// The service's `serviceStatus`: `enabled`, `disabled`, `protectionChangeLocked` or
/// `restoreLocked` (an evolvable enumeration: any other value may appear), with why it
/// is disabled and until when it still takes backups or allows restores.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupServiceStatus {
    pub status: Option<String>,
    pub disable_reason: Option<String>,
    #[serde(default, deserialize_with = "graph_time")]
    pub grace_period_date_time: Option<Timestamp>,
    #[serde(default, deserialize_with = "graph_time")]
    pub restore_allowed_till_date_time: Option<Timestamp>,
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
    /// The unit's error (`publicError`), when an operation on it failed.
    #[serde(default)]
    pub error: Option<Box<UnitError>>,
}

/// A protection unit's `error` (`publicError`): what failed, in Graph's words.
#[derive(Debug, Clone, Deserialize)]
pub struct UnitError {
    pub code: Option<String>,
    pub message: Option<String>,
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

/// `authenticationMethodsPolicy` (`GET /policies/authenticationMethodsPolicy`, one object).
/// Lists are kept optional: a policy exported without its method configurations says
/// nothing about them.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationMethodsPolicy {
    /// `preMigration`, `migrationInProgress` or `migrationComplete`: until complete, the
    /// legacy MFA and SSPR policies still allow methods this policy disables.
    pub policy_migration_state: Option<String>,
    pub authentication_method_configurations: Option<Vec<AuthenticationMethodConfiguration>>,
}

/// One method of the policy (`smsAuthenticationMethodConfiguration`, …): its `id` names
/// the method (`Sms`, `Voice`, `Email`, `Fido2`, …).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationMethodConfiguration {
    pub id: String,
    /// `enabled` or `disabled`.
    pub state: Option<String>,
    #[serde(default, deserialize_with = "list")]
    pub include_targets: Vec<AuthenticationMethodTarget>,
    #[serde(default, deserialize_with = "list")]
    pub exclude_targets: Vec<AuthenticationMethodTarget>,
}

/// A group (or `all_users`) a method is enabled for or excluded from.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationMethodTarget {
    pub id: Option<String>,
    pub target_type: Option<String>,
}

/// `authorizationPolicy` (`GET /v1.0/policies/authorizationPolicy`, one object).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationPolicy {
    /// The role template guests get: restricted, limited or member-like access.
    pub guest_user_role_id: Option<String>,
    pub default_user_role_permissions: Option<DefaultUserRolePermissions>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DefaultUserRolePermissions {
    /// The permission grant policies users are assigned:
    /// `ManagePermissionGrantsForSelf.{policy}` lets them consent to apps themselves.
    pub permission_grant_policies_assigned: Option<Vec<String>>,
}

/// A domain of the tenant (`GET /v1.0/domains`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Domain {
    pub id: String,
    /// `Managed` or `Federated`.
    pub authentication_type: Option<String>,
    pub is_verified: Option<bool>,
    /// `false` for a subdomain, which takes its password policy from its root domain.
    pub is_root: Option<bool>,
    /// `2147483647` means passwords never expire; `null` is "not set" (Entra then applies
    /// 90 days on a root domain); absent means the export did not include it.
    #[serde(default, deserialize_with = "present")]
    pub password_validity_period_in_days: Option<Option<i64>>,
}

impl Domain {
    pub fn is_federated(&self) -> bool {
        self.authentication_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("Federated"))
    }
}

/// `unifiedRoleManagementPolicyAssignment` with its policy and rules expanded
/// (`$expand=policy($expand=rules)`): the PIM settings of one directory role.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolePolicyAssignment {
    pub id: Option<String>,
    pub policy_id: Option<String>,
    pub scope_id: Option<String>,
    /// `Directory`, `DirectoryRole` or `Group`.
    pub scope_type: Option<String>,
    /// The role template id for directory roles.
    pub role_definition_id: Option<String>,
    /// Absent unless the request expanded it.
    pub policy: Option<RolePolicy>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolePolicy {
    pub id: Option<String>,
    /// Absent unless the request expanded them.
    pub rules: Option<Vec<RolePolicyRule>>,
}

/// One rule of a role management policy. Only the approval rule
/// (`#microsoft.graph.unifiedRoleManagementPolicyApprovalRule`) has a `setting`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolePolicyRule {
    #[serde(rename = "@odata.type")]
    pub odata_type: Option<String>,
    pub id: String,
    pub setting: Option<ApprovalSettings>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalSettings {
    pub is_approval_required: Option<bool>,
    /// Absent or `null`: the export does not say who approves.
    pub approval_stages: Option<Vec<ApprovalStage>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalStage {
    #[serde(default, deserialize_with = "list")]
    pub primary_approvers: Vec<SubjectSet>,
}

/// An approver: a user (`#microsoft.graph.singleUser`, `userId`), a group's members
/// (`#microsoft.graph.groupMembers`, `groupId`) or another subject set.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubjectSet {
    #[serde(rename = "@odata.type")]
    pub odata_type: Option<String>,
    pub user_id: Option<String>,
    pub group_id: Option<String>,
    pub description: Option<String>,
}

impl SubjectSet {
    /// The approver in words, on one line (it is tenant text): its description, else
    /// the kind and id.
    pub fn name(&self) -> String {
        if let Some(d) = self.description.as_deref().filter(|d| !d.trim().is_empty()) {
            return d
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
        }
        let kind = self
            .odata_type
            .as_deref()
            .and_then(|t| t.rsplit('.').next())
            .unwrap_or("approver");
        let id = self
            .user_id
            .as_deref()
            .or(self.group_id.as_deref())
            .unwrap_or("(no id)");
        format!("{kind} {id}")
    }
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
