//! Fixtures the identity controls' tests share: the fixture tenant's users and registration
//! records, the usual Conditional Access policies, and the ways a policy can be narrowed.

use crate::controls::Outcome;
pub(super) use crate::controls::testing::{ALICE, BG1, BG2, BOB, GA_ROLE as GA};
use crate::controls::testing::{CONTROLS_TOML, CaBuilder as Ca, Fx, ca_policies as cas, strength};
pub(super) use crate::controls::testing::{
    graph_user as user, registration_detail as reg, registration_details as regs,
    security_defaults_policy as sd, subscribed_sku as sku, subscribed_skus as skus,
};
use serde_json::json;

pub(super) const EXCHANGE_ADMIN: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";

pub(super) const REG_FILE: &str = "evidence/acme/2026-11/graph/userRegistrationDetails.json";

pub(super) const CA_FILE: &str = "evidence/acme/2026-11/graph/conditionalAccessPolicies.json";

/// The fixture's four users (bg1, bg2, alice admins; bob not), with MFA as given.
pub(super) fn tenant_regs(alice_mfa: bool, bob_mfa: bool) -> Vec<String> {
    vec![
        reg(BG1, "bg1@acme.onmicrosoft.com", true, true, "member"),
        reg(BG2, "bg2@acme.onmicrosoft.com", true, true, "member"),
        reg(ALICE, "alice@acme.example", true, alice_mfa, "member"),
        reg(BOB, "bob@acme.example", false, bob_mfa, "member"),
    ]
}

pub(super) fn users(alice_enabled: bool, extra: &[String]) -> String {
    let mut all = vec![
        user(BG1, "bg1@acme.onmicrosoft.com", "Member", true),
        user(BG2, "bg2@acme.onmicrosoft.com", "Member", true),
        user(ALICE, "alice@acme.example", "Member", alice_enabled),
        user(BOB, "bob@acme.example", "Member", true),
    ];
    all.extend_from_slice(extra);
    format!(
        r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":[{}]}}"#,
        all.join(",")
    )
}

pub(super) fn mfa() -> Ca {
    Ca::mfa_all_users("Require MFA for all users")
}

pub(super) fn legacy() -> Ca {
    Ca::block_legacy("Block legacy authentication").users(
        "excludeUsers",
        json!(["b0000000-0000-0000-0000-000000000001"]),
    )
}

/// An admin policy: the given roles only, MFA, otherwise unconditional.
pub(super) fn admins(name: &str, roles: &[&str]) -> Ca {
    Ca::mfa_all_users(name)
        .users("includeUsers", json!([]))
        .users("includeRoles", json!(roles))
}

pub(super) fn eval_ca(control: &str, policies: &[Ca]) -> Outcome {
    Fx::new()
        .graph("conditionalAccessPolicies.json", &cas(policies))
        .eval(control)
}

pub(super) fn security_defaults_model() -> String {
    CONTROLS_TOML.replace(
        "model = \"conditional_access\"",
        "model = \"security_defaults\"",
    )
}

// ---- Conditional Access: the reading shared by the three CA controls ----

/// One way a policy can be narrowed, with the words the finding must use.
pub(super) struct Narrowing {
    pub(super) case: &'static str,
    pub(super) change: fn(Ca) -> Ca,
    pub(super) words: &'static str,
    /// Also a narrowing for the legacy-authentication block (not a grant case).
    pub(super) legacy: bool,
    /// Also a narrowing for a role-targeted admin policy.
    pub(super) admin: bool,
}

pub(super) fn narrowings() -> Vec<Narrowing> {
    let n = |case, change, words, legacy, admin| Narrowing {
        case,
        change,
        words,
        legacy,
        admin,
    };
    vec![
        n(
            "report-only",
            |p| p.state("enabledForReportingButNotEnforced"),
            "report-only (enabledForReportingButNotEnforced)",
            true,
            true,
        ),
        n("disabled", |p| p.state("disabled"), "disabled", true, true),
        n(
            "user risk",
            |p| p.condition("userRiskLevels", json!(["high"])),
            "applies only at user risk high",
            true,
            true,
        ),
        n(
            "sign-in risk",
            |p| p.condition("signInRiskLevels", json!(["high", "medium"])),
            "applies only at sign-in risk high, medium",
            true,
            true,
        ),
        n(
            "service principal risk",
            |p| p.condition("servicePrincipalRiskLevels", json!(["high"])),
            "applies only at service principal risk high",
            true,
            true,
        ),
        n(
            "insider risk",
            |p| p.condition("insiderRiskLevels", json!("elevated")),
            "applies only at insider risk elevated",
            true,
            true,
        ),
        n(
            "platforms included",
            |p| {
                p.condition(
                    "platforms",
                    json!({"includePlatforms": ["android", "iOS"], "excludePlatforms": []}),
                )
            },
            "applies only on device platforms android, iOS",
            true,
            true,
        ),
        n(
            "platforms excluded",
            |p| {
                p.condition(
                    "platforms",
                    json!({"includePlatforms": ["all"], "excludePlatforms": ["macOS"]}),
                )
            },
            "excludes device platforms macOS",
            true,
            true,
        ),
        n(
            "trusted locations excluded",
            |p| {
                p.condition(
                    "locations",
                    json!({"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}),
                )
            },
            "excludes trusted locations",
            true,
            true,
        ),
        n(
            "named location only",
            |p| {
                p.condition("locations", json!({"includeLocations": ["07703061-c278-49cb-ad4d-caf29f8276dc"], "excludeLocations": []}))
            },
            "applies only from named location 07703061-c278-49cb-ad4d-caf29f8276dc",
            true,
            true,
        ),
        n(
            "trusted locations only",
            |p| {
                p.condition(
                    "locations",
                    json!({"includeLocations": ["AllTrusted"], "excludeLocations": []}),
                )
            },
            "applies only from trusted locations",
            true,
            true,
        ),
        n(
            "device filter",
            |p| {
                p.condition("devices", json!({"deviceFilter": {"mode": "exclude", "rule": "device.trustType -eq \"ServerAD\""}}))
            },
            "excludes devices matching the filter `device.trustType -eq \"ServerAD\"`",
            true,
            true,
        ),
        n(
            "authentication flows",
            |p| {
                p.condition(
                    "authenticationFlows",
                    json!({"transferMethods": "deviceCodeFlow"}),
                )
            },
            "applies only to the authentication flows deviceCodeFlow",
            true,
            true,
        ),
        n(
            "workload identities",
            |p| {
                p.condition("clientApplications", json!({"includeServicePrincipals": ["All"], "excludeServicePrincipals": [], "servicePrincipalFilter": null}))
            },
            "targets workload identities (service principals), not user sign-ins",
            true,
            true,
        ),
        n(
            "browser and desktop clients only",
            |p| p.client_apps(&["browser", "mobileAppsAndDesktopClients"]),
            "applies only to client apps browser, mobileAppsAndDesktopClients, not every client (misses exchangeActiveSync, other)",
            false,
            true,
        ),
        n(
            "user action instead of apps",
            |p| {
                p.apps("includeApplications", json!([])).apps(
                    "includeUserActions",
                    json!(["urn:user:registersecurityinfo"]),
                )
            },
            "targets user actions (urn:user:registersecurityinfo) instead of cloud apps",
            true,
            true,
        ),
        n(
            "authentication context instead of apps",
            |p| {
                p.apps("includeApplications", json!([]))
                    .apps("includeAuthenticationContextClassReferences", json!(["c1"]))
            },
            "targets authentication contexts (c1) instead of cloud apps",
            true,
            true,
        ),
        n(
            "Office365 is not all apps",
            |p| p.apps("includeApplications", json!(["Office365"])),
            "applies only to Office365, not all cloud apps",
            true,
            true,
        ),
        n(
            "excluded app",
            |p| {
                p.apps(
                    "excludeApplications",
                    json!(["00000002-0000-0ff1-ce00-000000000000"]),
                )
            },
            "excludes cloud apps 00000002-0000-0ff1-ce00-000000000000",
            true,
            true,
        ),
        n(
            "application filter",
            |p| {
                p.apps(
                    "applicationFilter",
                    json!({"mode": "include", "rule": "CustomSecurityAttribute.Tier -eq \"1\""}),
                )
            },
            "applies only to apps matching the filter",
            true,
            true,
        ),
        n(
            "excluded group",
            |p| {
                p.users(
                    "excludeGroups",
                    json!(["5ecf8b5f-0d08-4792-aa17-37e40f64b6bb"]),
                )
            },
            "excludes group 5ecf8b5f-0d08-4792-aa17-37e40f64b6bb",
            true,
            true,
        ),
        n(
            "excluded role",
            |p| {
                p.users(
                    "excludeRoles",
                    json!(["d29b2b05-8046-44ba-8758-1e26182fcf32"]),
                )
            },
            "excludes role Directory Synchronization Accounts",
            true,
            true,
        ),
        n(
            "excluded user",
            |p| p.users("excludeUsers", json!([BG1, BG2, BOB])),
            "excludes user bob@acme.example",
            true,
            true,
        ),
        n(
            "groups instead of all users",
            |p| {
                p.users("includeUsers", json!([])).users(
                    "includeGroups",
                    json!(["9b39e5c3-7d8f-4e7b-a96e-6d3b1b1e1a1a"]),
                )
            },
            "applies only to groups 9b39e5c3-7d8f-4e7b-a96e-6d3b1b1e1a1a, not all users",
            true,
            false,
        ),
        n(
            "roles instead of all users",
            |p| {
                p.users("includeUsers", json!([]))
                    .users("includeRoles", json!([GA]))
            },
            "applies only to roles Global Administrator, not all users",
            true,
            false,
        ),
        n(
            "mfa OR compliant device",
            |p| p.builtin("OR", &["mfa", "compliantDevice"]),
            "grant lets compliantDevice satisfy it instead of MFA (operator OR)",
            false,
            true,
        ),
        n(
            "mfa OR terms of use",
            |p| {
                p.set(
                    "/grantControls/termsOfUse",
                    json!(["0f8d1b3a-3c39-4b7e-9e34-3b7f3e1b2a11"]),
                )
            },
            "grant lets terms of use 0f8d1b3a-3c39-4b7e-9e34-3b7f3e1b2a11 satisfy it instead of MFA",
            false,
            true,
        ),
        n(
            "custom strength allowing a password alone",
            |p| {
                p.strength(strength(
                    "5f3c6a3e-1111-4b7e-9e34-3b7f3e1b2a11",
                    "Password only",
                    "none",
                    &["password"],
                ))
            },
            "authentication strength \"Password only\" allows single-factor sign-in (requirementsSatisfied: none)",
            false,
            true,
        ),
        n(
            "mfa strength listing a single factor",
            |p| {
                p.strength(strength(
                    "5f3c6a3e-2222-4b7e-9e34-3b7f3e1b2a11",
                    "Mixed",
                    "mfa",
                    &["fido2", "sms"],
                ))
            },
            "authentication strength \"Mixed\" allows single-factor combinations (sms)",
            false,
            true,
        ),
    ]
}

/// The fixture's controls.toml with the break-glass accounts declared by object id.
pub(super) fn break_glass_by_id() -> String {
    CONTROLS_TOML.replace(
        r#"break_glass = ["bg1@acme.onmicrosoft.com", "bg2@acme.onmicrosoft.com"]"#,
        &format!(r#"break_glass = ["{BG1}", "{BG2}"]"#),
    )
}
