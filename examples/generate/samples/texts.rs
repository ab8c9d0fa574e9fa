//! The hand-written parts of the policy files and client notes, as templates in Python's
//! `str.format` syntax (`{name}` is filled in, `{{` is a literal brace): the story text
//! the generator writes around the parts it computes.

/// Northwind's client.toml (`{tenant}`).
pub const NORTHWIND_CLIENT: &str = r##"name = "Northwind Traders Ltd"
tenant_id = "{tenant}"
domains = ["northwind.example"]

[branding]
accent = "#0f766e"
logo = "logo.svg"

[publishing]
enabled = true
"##;

/// Northwind's logo.svg.
pub const NORTHWIND_LOGO: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64" role="img" aria-labelledby="t">
  <title id="t">Northwind Traders</title>
  <rect x="2" y="2" width="60" height="60" rx="12" fill="#0f766e"/>
  <circle cx="32" cy="32" r="19" fill="none" stroke="#ecfdf5" stroke-width="3"/>
  <polygon points="32,10 38,32 32,28 26,32" fill="#ecfdf5"/>
  <polygon points="32,54 26,32 32,36 38,32" fill="#5eead4"/>
</svg>
"##;

/// Fabrikam's client.toml (`{tenant}`).
pub const FABRIKAM_CLIENT: &str = r##"name = "Fabrikam Logistics GmbH"
tenant_id = "{tenant}"
domains = ["fabrikam.example", "fabrikamlogistics.onmicrosoft.com"]

[branding]
accent = "#b45309"

[publishing]
enabled = true
"##;

/// Tailspin's client.toml (`{tenant}`).
pub const TAILSPIN_CLIENT: &str = r##"name = "Tailspin Bakery"
tenant_id = "{tenant}"
domains = ["tailspinbakery.example"]

[branding]
accent = "#9d174d"
"##;

/// Northwind's controls.toml (`{approved}`: the approved assignments).
pub const NORTHWIND_CONTROLS: &str = r#"# Northwind Traders Ltd: identity and access policy (reviewed in pull requests).

[identity]
model = "conditional_access"
pim = true

[access]
break_glass = ["bg-01@northwind.onmicrosoft.com", "bg-02@northwind.onmicrosoft.com"]

[thresholds]
"identity.mfa-users" = {{ min_percent = 95 }}
"access.global-admin-count" = {{ min = 2, max = 4 }}

{approved}[[waiver]]
control = "access.stale-admins"
reason = "Greta Holm coordinates seasonal staff December to February only; her Helpdesk Administrator eligibility stays in place between seasons and is reviewed before each season"
approved_by = "Alex Morgan (Client IT Manager)"
ticket = "CHG-2290"
expires = 2027-03-31
"#;

/// Fabrikam's controls.toml (`{approved}`).
pub const FABRIKAM_CONTROLS: &str = r#"# Fabrikam Logistics GmbH: identity and access policy.
# The approved list is the target state agreed in the remediation plan (FAB-1150);
# until the tenant matches it, access.approved-assignments shows the drift.

[identity]
model = "conditional_access"
pim = true

[access]
break_glass = ["bg-01@fabrikamlogistics.onmicrosoft.com", "bg-02@fabrikamlogistics.onmicrosoft.com"]

{approved}[[waiver]]
control = "identity.mfa-users"
reason = "MFA rollout to warehouse staff waits for company phones"
approved_by = "Jürgen Weiß (Geschäftsführer)"
ticket = "FAB-1098"
expires = 2026-05-31
"#;

/// Tailspin's controls.toml (`{approved}`).
pub const TAILSPIN_CONTROLS: &str = r#"# Tailspin Bakery: Microsoft 365 Business Standard, no Entra ID P1/P2.
# Identity is protected by security defaults; there is no PIM.

[identity]
model = "security_defaults"
pim = false

[access]
break_glass = ["bg-01@tailspinbakery.onmicrosoft.com"]

{approved}[[disabled]]
control = "identity.ca-block-legacy-auth"
reason = "No Conditional Access without Entra ID P1; security defaults block legacy authentication"
"#;

/// One workload backed up by Microsoft 365 Backup in backup.toml.
pub const M365_WORKLOAD: &str = r#"[{w}]
in_scope = true
provider = "microsoft-365-backup"
scope = "all"
scope_note = {scope_note}
frequency = "8h"
retention = "1y"
encryption = "AES-256 at rest, Microsoft-managed keys"
storage_location = {storage}
rpo = "24h"
rto = {rto}
owner = "MSP Backup Team"
restore_test_cadence = "90d"
known_gaps = {gaps}
"#;

/// Northwind's notes.md: the account manager's half-year summary.
pub const NORTHWIND_NOTES: &str = r#"# Northwind Traders Ltd

*From your MSP account manager, November 2026.*

Northwind remains our reference tenant: identity, privileged access and backup have
been in good shape for six months running.

## This half-year

- Quarterly restore tests kept to plan: Exchange (June, September), OneDrive (July,
  October) and SharePoint (August, November), all well inside the agreed RTO.
- Both break-glass accounts were tested on the first days of every month.
- Alex's and Tom's PIM eligibilities were renewed for another year.
- The October snapshot caught Ben Carter's mailbox and OneDrive while Microsoft 365
  Backup was still adding them (*protect requested*); both were protected two days later.

## Open items

1. Greta Holm's seasonal Helpdesk role is waived until **31 March 2027** (CHG-2290);
   we will review it before the December season.
2. The Windows compliant-device pilot is still report-only; decision due in Q1.

Questions: see [the service catalogue](https://example.com/msp/service-catalogue).
"#;

/// Fabrikam's notes.md: the account manager's half-year summary.
pub const FABRIKAM_NOTES: &str = r#"# Fabrikam Logistics GmbH

*From your MSP account manager, November 2026.*

Fabrikam started the half-year with the weakest scorecard in our portfolio. The
remediation plan (FAB-1150) has closed most of it.

## Done

- MFA is enforced for everyone since August, with a separate admin policy and legacy
  authentication blocked since September.
- Entra ID P2 arrived in September; admin roles moved to PIM eligibility.
- The partner's guest Global Administrator, the legacy mail relay app and the unused
  EXO admin account are gone. Global Administrators went from five to three.
- Every mailbox, OneDrive and site is now in a Microsoft 365 Backup policy.

## Still open

- **Retention**: German law requires 10 years for commercial and tax records. Backups
  keep one year and are currently the only archive. A Purview retention project is
  proposed (see [the proposal](https://example.com/fabrikam/retention-proposal)).
- **RACI**: licensing has two accountable parties; please name one.
- The MFA waiver expired in May; one warehouse user is still not registered.
"#;

/// Tailspin's notes.md: the account manager's half-year summary.
pub const TAILSPIN_NOTES: &str = r#"# Tailspin Bakery

*From your MSP account manager, November 2026.*

A small tenant on Microsoft 365 Business Standard, protected by security defaults and
backed up three times a day by Acme Cloud Backup.

## Worth knowing

- Business Standard has no Entra ID P1: sign-in activity, MFA registration reports and
  PIM are **not available**, so those checks show *no evidence* rather than a result.
- October's Teams restore test was partial (meeting recordings live in OneDrive); it
  was repeated successfully in November.
- Upgrading to Business Premium would add Conditional Access and the missing reports;
  see [the comparison](https://example.com/tailspin/business-premium).
"#;

/// Python's `template.format(**values)` for the templates above: `{name}` replaced,
/// `{{` and `}}` unescaped. A placeholder without a value is a bug in the stories.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
        } else if let Some(end) = tail.find('}').filter(|_| tail.starts_with('{')) {
            let name = &tail[1..end];
            let value = values
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| *v)
                .unwrap_or_else(|| panic!("no value for {{{name}}}"));
            out.push_str(value);
            rest = &tail[end + 1..];
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}
