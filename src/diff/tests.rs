//! One test per classification rule (named after it in the module docs), justification,
//! the renderers, and the effect on a fixture's evidence.

use super::*;
use crate::controls::testing::{BACKUP_TOML, CLIENT_TOML, CONTROLS_TOML, Fx, RACI_TOML};
use crate::policy::{PolicySource, load_policy};
use jiff::civil::Date;
use std::collections::HashMap;

/// Policy files held in memory, as `history` serves them from git objects.
struct Mem(HashMap<String, String>);

impl PolicySource for Mem {
    fn read(&self, rel_path: &str) -> Result<Option<String>, crate::policy::load::ReadError> {
        Ok(self.0.get(rel_path).cloned())
    }
}

/// The fixture policy of client `acme` with some files replaced.
fn policy_of(client: &str, files: &[(&str, &str)]) -> Policy {
    let mut m: HashMap<String, String> = [
        ("client.toml", CLIENT_TOML),
        ("raci.toml", RACI_TOML),
        ("controls.toml", CONTROLS_TOML),
        ("backup.toml", BACKUP_TOML),
    ]
    .into_iter()
    .map(|(f, t)| (format!("clients/{client}/{f}"), t.to_owned()))
    .collect();
    for (f, t) in files {
        m.insert(format!("clients/{client}/{f}"), (*t).to_owned());
    }
    let id = ClientId::parse(client).expect("id");
    load_policy(&Mem(m), &id, crate::controls::known())
        .unwrap_or_else(|d| panic!("test policy does not load: {d:#?}"))
}

fn policy(files: &[(&str, &str)]) -> Policy {
    policy_of("acme", files)
}

fn base() -> Policy {
    policy(&[])
}

fn controls_with(extra: &str) -> String {
    format!("{CONTROLS_TOML}\n{extra}")
}

/// `text` with `from` replaced once; `from` must be there.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} not in the text");
    text.replacen(from, to, 1)
}

/// The day every test diff is taken on: waivers expiring on or after it are in force.
fn today() -> Date {
    jiff::civil::date(2026, 12, 5)
}

fn diff(b: &Policy, h: &Policy) -> ClientDiff {
    diff_policies("acme", Some(b), Some(h), today())
}

/// The one change with this subject.
fn one<'a>(d: &'a ClientDiff, subject: &str) -> &'a Change {
    let found: Vec<&Change> = d.changes.iter().filter(|c| c.subject == subject).collect();
    assert_eq!(found.len(), 1, "changes of {subject}: {:#?}", d.changes);
    found[0]
}

fn only(d: &ClientDiff) -> &Change {
    assert_eq!(d.changes.len(), 1, "{:#?}", d.changes);
    &d.changes[0]
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not found"))
        + 1
}

// ---------------------------------------------------------------- thresholds

fn thresholds(t: &str) -> Policy {
    policy(&[(
        "controls.toml",
        &controls_with(&format!("[thresholds]\n{t}\n")),
    )])
}

#[test]
fn threshold_min_higher_strengthens_lower_weakens() {
    let b = thresholds(r#""identity.mfa-users" = { min_percent = 95 }"#);
    let lower = r#""identity.mfa-users" = { min_percent = 90 }"#;
    let d = diff(&b, &thresholds(lower));
    let c = only(&d);
    assert_eq!(d.kind, "changed");
    assert_eq!(c.area, "threshold");
    assert_eq!(c.subject, "identity.mfa-users.min_percent");
    assert_eq!(
        (c.before.as_deref(), c.after.as_deref()),
        (Some("95"), Some("90"))
    );
    assert_eq!(c.effect, Effect::Weakens);
    assert_eq!(c.reason, "identity.mfa-users min_percent 95 → 90: weakens");
    assert_eq!(c.file, "clients/acme/controls.toml");
    let text = controls_with(&format!("[thresholds]\n{lower}\n"));
    assert_eq!(c.line, Some(line_of(&text, "min_percent = 90")));
    assert_eq!(c.domain, Some(Domain::Identity));

    let higher = thresholds(r#""identity.mfa-users" = { min_percent = 99.5 }"#);
    let c = &diff(&b, &higher).changes[0];
    assert_eq!(c.effect, Effect::Strengthens);
    assert_eq!(c.after.as_deref(), Some("99.5"));

    // `min` of the Global Administrator count: higher strengthens.
    let b = thresholds(r#""access.global-admin-count" = { min = 2, max = 4 }"#);
    let h = thresholds(r#""access.global-admin-count" = { min = 3, max = 4 }"#);
    let c = only(&diff(&b, &h)).clone();
    assert_eq!(c.subject, "access.global-admin-count.min");
    assert_eq!(c.effect, Effect::Strengthens);
}

#[test]
fn threshold_max_lower_strengthens_higher_weakens() {
    let b = thresholds(r#""access.global-admin-count" = { max = 4 }"#);
    let d = diff(
        &b,
        &thresholds(r#""access.global-admin-count" = { max = 6 }"#),
    );
    let c = only(&d);
    assert_eq!(c.subject, "access.global-admin-count.max");
    assert_eq!(c.effect, Effect::Weakens);
    assert_eq!(c.reason, "access.global-admin-count max 4 → 6: weakens");
    assert_eq!(c.domain, Some(Domain::Access));
    let d = diff(
        &b,
        &thresholds(r#""access.global-admin-count" = { max = 3 }"#),
    );
    assert_eq!(only(&d).effect, Effect::Strengthens);
}

#[test]
fn threshold_max_days_lower_strengthens_higher_weakens() {
    let b = thresholds(r#""access.stale-admins" = { max_days = 90 }"#);
    let shorter = thresholds(r#""access.stale-admins" = { max_days = 30 }"#);
    let longer = thresholds(r#""access.stale-admins" = { max_days = 180 }"#);
    assert_eq!(only(&diff(&b, &shorter)).effect, Effect::Strengthens);
    assert_eq!(only(&diff(&b, &longer)).effect, Effect::Weakens);
}

#[test]
fn threshold_added_or_removed_compares_with_the_catalogue_default() {
    // Default min_percent of identity.mfa-users is 95.
    let set = r#""identity.mfa-users" = { min_percent = 90 }"#;
    let h = thresholds(set);
    let d = diff(&base(), &h);
    let c = only(&d);
    assert_eq!(c.effect, Effect::Weakens);
    assert_eq!(c.before.as_deref(), Some("95 (default)"));
    assert_eq!(c.after.as_deref(), Some("90"));
    assert_eq!(
        c.reason,
        "identity.mfa-users min_percent 95 (default) → 90: weakens"
    );

    // Removed: back to the default, located where BASE set it.
    let d = diff(&h, &base());
    let c = only(&d);
    assert_eq!(c.effect, Effect::Strengthens);
    assert_eq!(c.after.as_deref(), Some("95 (default)"));
    let text = controls_with(&format!("[thresholds]\n{set}\n"));
    assert_eq!(c.line, Some(line_of(&text, "min_percent = 90")));

    // Above the default: adding it strengthens.
    let d = diff(
        &base(),
        &thresholds(r#""access.stale-admins" = { max_days = 30 }"#),
    );
    assert_eq!(only(&d).effect, Effect::Strengthens);

    // Written out at exactly the default: neutral, and says so.
    let d = diff(
        &base(),
        &thresholds(r#""identity.mfa-users" = { min_percent = 95 }"#),
    );
    let c = only(&d);
    assert_eq!(c.effect, Effect::Neutral);
    assert!(
        c.reason.ends_with("(same as the catalogue default)"),
        "{}",
        c.reason
    );
}

// ---------------------------------------------------------------- backup

fn backup(from: &str, to: &str) -> Policy {
    policy(&[("backup.toml", &edit(BACKUP_TOML, from, to))])
}

#[test]
fn backup_retention_longer_strengthens_shorter_weakens() {
    let text = edit(BACKUP_TOML, "retention = \"1y\"", "retention = \"90d\"");
    let d = diff(&base(), &policy(&[("backup.toml", &text)]));
    let c = only(&d);
    assert_eq!(c.area, "backup");
    assert_eq!(c.subject, "exchange.retention");
    assert_eq!(c.effect, Effect::Weakens);
    assert_eq!(
        c.reason,
        "Exchange Online backup retention 1y → 90d: weakens"
    );
    assert_eq!(c.file, "clients/acme/backup.toml");
    assert_eq!(c.line, Some(line_of(&text, "retention = \"90d\"")));
    let d = diff(&base(), &backup("retention = \"1y\"", "retention = \"7y\""));
    assert_eq!(only(&d).effect, Effect::Strengthens);
}

#[test]
fn backup_frequency_rpo_rto_and_restore_test_cadence_shorter_strengthens() {
    for (key, from, shorter, longer) in [
        ("frequency", "4h", "1h", "12h"),
        ("rpo", "24h", "12h", "48h"),
        ("rto", "8h", "4h", "2d"),
        ("restore_test_cadence", "90d", "30d", "180d"),
    ] {
        let old = format!("{key} = \"{from}\"");
        let d = diff(&base(), &backup(&old, &format!("{key} = \"{shorter}\"")));
        let c = only(&d);
        assert_eq!(c.subject, format!("exchange.{key}"));
        assert_eq!(c.effect, Effect::Strengthens, "{key}");
        let d = diff(&base(), &backup(&old, &format!("{key} = \"{longer}\"")));
        assert_eq!(only(&d).effect, Effect::Weakens, "{key}");
        // Declaring none at all weakens too.
        let d = diff(&base(), &backup(&format!("{old}\n"), ""));
        let c = only(&d);
        assert_eq!(c.effect, Effect::Weakens, "{key} removed");
        assert_eq!(c.after, None);
    }
    let d = diff(&base(), &backup("rpo = \"24h\"", "rpo = \"12h\""));
    assert_eq!(
        only(&d).reason,
        "Exchange Online backup RPO 1d → 12h: strengthens"
    );
}

#[test]
fn backup_in_scope_true_to_false_weakens() {
    let d = diff(
        &base(),
        &backup(
            "[exchange]\nin_scope = true",
            "[exchange]\nin_scope = false\nreason = \"moving to another provider\"",
        ),
    );
    let c = one(&d, "exchange.in_scope");
    assert_eq!(c.effect, Effect::Weakens);
    assert_eq!(
        c.reason,
        "Exchange Online backup in scope true → false: weakens (moving to another provider)"
    );
    // The settings of a workload out of scope at HEAD no longer weigh.
    let r = one(&d, "exchange.reason");
    assert_eq!(r.effect, Effect::Neutral);

    let d = diff(
        &base(),
        &backup(
            "[onedrive]\nin_scope = false\nreason = \"covered by the client's own sync\"",
            "[onedrive]\nin_scope = true",
        ),
    );
    assert_eq!(one(&d, "onedrive.in_scope").effect, Effect::Strengthens);
}

#[test]
fn backup_settings_of_a_workload_out_of_scope_are_neutral() {
    let out = edit(
        BACKUP_TOML,
        "[exchange]\nin_scope = true",
        "[exchange]\nin_scope = false",
    );
    let b = policy(&[("backup.toml", &out)]);
    let h = policy(&[(
        "backup.toml",
        &edit(&out, "retention = \"1y\"", "retention = \"30d\""),
    )]);
    let c = only(&diff(&b, &h)).clone();
    assert_eq!(c.effect, Effect::Neutral);
    assert!(
        c.reason.ends_with("(workload out of scope)"),
        "{}",
        c.reason
    );
}

#[test]
fn backup_workload_declared_in_scope_strengthens_removed_weakens() {
    let without = edit(
        BACKUP_TOML,
        "[sharepoint]\nin_scope = false\nreason = \"no SharePoint in use\"\n",
        "",
    );
    let with_sp = edit(
        BACKUP_TOML,
        "[sharepoint]\nin_scope = false\nreason = \"no SharePoint in use\"",
        "[sharepoint]\nin_scope = true\nretention = \"1y\"",
    );
    let (none, sp) = (
        policy(&[("backup.toml", &without)]),
        policy(&[("backup.toml", &with_sp)]),
    );
    let c = one(&diff(&none, &sp), "sharepoint").clone();
    assert_eq!(c.effect, Effect::Strengthens);
    assert_eq!(
        c.reason,
        "SharePoint backup declared (in scope): strengthens"
    );
    let c = one(&diff(&sp, &none), "sharepoint").clone();
    assert_eq!(c.effect, Effect::Weakens);
    // An out-of-scope declaration coming or going is neutral.
    assert_eq!(only(&diff(&base(), &none)).effect, Effect::Neutral);
}

#[test]
fn backup_scope_all_to_selected_weakens() {
    let d = diff(&base(), &backup("scope = \"all\"", "scope = \"selected\""));
    let c = only(&d);
    assert_eq!(c.subject, "exchange.scope");
    assert_eq!(c.effect, Effect::Weakens);
    assert_eq!(
        c.reason,
        "Exchange Online backup scope all → selected: weakens"
    );
    let b = backup("scope = \"all\"", "scope = \"selected\"");
    assert_eq!(only(&diff(&b, &base())).effect, Effect::Strengthens);
}

#[test]
fn backup_encryption_storage_owner_and_provider_changes_are_neutral() {
    let text = edit(
        &edit(
            &edit(
                &edit(
                    BACKUP_TOML,
                    "encryption = \"AES-256, Microsoft-managed keys\"",
                    "encryption = \"AES-256, customer-managed keys\"",
                ),
                "storage_location = \"Microsoft 365 Backup, EU\"",
                "storage_location = \"Microsoft 365 Backup, UK\"",
            ),
            "owner = \"MSP Backup Team\"",
            "owner = \"Client IT\"",
        ),
        "provider = \"microsoft-365-backup\"",
        "provider = \"Acme Cloud Backup\"",
    );
    let d = diff(&base(), &policy(&[("backup.toml", &text)]));
    let subjects: Vec<&str> = d.changes.iter().map(|c| c.subject.as_str()).collect();
    assert_eq!(
        subjects,
        [
            "exchange.provider",
            "exchange.encryption",
            "exchange.storage_location",
            "exchange.owner"
        ]
    );
    assert!(d.changes.iter().all(|c| c.effect == Effect::Neutral));
    assert_eq!(
        d.changes[3].reason,
        "Exchange Online backup owner MSP Backup Team → Client IT: neutral"
    );
}

#[test]
fn backup_known_gaps_added_weaken_removed_neutral_key_removed_weakens() {
    let gap = backup(
        "known_gaps = []",
        "known_gaps = [\"In-place archives are not covered\"]",
    );
    let d = diff(&base(), &gap);
    let c = only(&d);
    assert_eq!(c.subject, "exchange.known_gaps");
    assert_eq!(c.effect, Effect::Weakens);
    assert_eq!(
        c.reason,
        "Exchange Online backup known gap In-place archives are not covered added: weakens"
    );
    // A gap removed: closed or hidden, the diff cannot tell; the evidence decides.
    let c = only(&diff(&gap, &base())).clone();
    assert_eq!(c.effect, Effect::Neutral);
    assert!(
        c.reason.contains("closed or no longer written down"),
        "{}",
        c.reason
    );
    // The key itself removed leaves the policy incomplete.
    let d = diff(&base(), &backup("known_gaps = []\n", ""));
    let c = only(&d);
    assert_eq!(c.effect, Effect::Weakens);
    assert!(
        c.controls
            .contains(&"backup.exchange.policy-complete".to_owned())
    );
}

// ---------------------------------------------------------------- retention

#[test]
fn retention_legal_minimum_lower_weakens() {
    let d = diff(
        &base(),
        &backup("legal_minimum = \"1y\"", "legal_minimum = \"180d\""),
    );
    let c = only(&d);
    assert_eq!(c.area, "retention");
    assert_eq!(c.subject, "retention.legal_minimum");
    assert_eq!(c.effect, Effect::Weakens);
    assert_eq!(c.reason, "legal minimum retention 1y → 180d: weakens");
    assert_eq!(c.line, Some(line_of(BACKUP_TOML, "legal_minimum")));
    let d = diff(
        &base(),
        &backup("legal_minimum = \"1y\"", "legal_minimum = \"7y\""),
    );
    assert_eq!(only(&d).effect, Effect::Strengthens);
}

#[test]
fn retention_relies_on_backup_false_to_true_weakens() {
    let d = diff(
        &base(),
        &backup("relies_on_backup = false", "relies_on_backup = true"),
    );
    let c = only(&d);
    assert_eq!(c.subject, "retention.relies_on_backup");
    assert_eq!(c.effect, Effect::Weakens);
    let b = backup("relies_on_backup = false", "relies_on_backup = true");
    assert_eq!(only(&diff(&b, &base())).effect, Effect::Strengthens);
}

#[test]
fn retention_compliance_location_removed_weakens() {
    let h = backup(
        "compliance_location = \"Microsoft Purview retention policies\"\n",
        "",
    );
    assert_eq!(only(&diff(&base(), &h)).effect, Effect::Weakens);
    assert_eq!(only(&diff(&h, &base())).effect, Effect::Strengthens);
}

// ---------------------------------------------------------------- RACI

const RACI: &str = r#"[[activity]]
id = "licensing"
name = "Licensing"
responsible = ["MSP Service Desk"]
accountable = ["Client IT Manager"]
controls = ["governance.licence-utilisation"]

[[activity]]
id = "identity"
name = "Identity"
responsible = ["MSP Identity Team"]
accountable = ["Client IT Manager"]
controls = ["identity.*"]

[[activity]]
id = "backup"
name = "Backup"
responsible = ["MSP Backup Team"]
accountable = ["Client IT Manager"]
controls = ["backup.*"]

[[activity]]
id = "rest"
name = "Everything else"
responsible = ["MSP Team"]
accountable = ["Client IT Manager"]
controls = ["governance.*", "access.*", "retention.*", "evidence.*"]
"#;

fn raci(from: &str, to: &str) -> Policy {
    policy(&[("raci.toml", &edit(RACI, from, to))])
}

fn raci_base() -> Policy {
    policy(&[("raci.toml", RACI)])
}

#[test]
fn raci_accountable_change_is_neutral_and_says_who_became_accountable() {
    let d = diff(
        &raci_base(),
        &raci(
            "accountable = [\"Client IT Manager\"]",
            "accountable = [\"Client CFO\"]",
        ),
    );
    let c = only(&d);
    assert_eq!(c.area, "raci");
    assert_eq!(c.subject, "licensing.accountable");
    assert_eq!(c.effect, Effect::Neutral);
    assert_eq!(
        c.reason,
        "licensing: accountable Client IT Manager → Client CFO: neutral"
    );
    assert_eq!(c.line, Some(line_of(RACI, "id = \"licensing\"")));
    assert_eq!(c.domain, Some(Domain::Governance));
}

#[test]
fn raci_second_accountable_weakens() {
    let d = diff(
        &raci_base(),
        &raci(
            "accountable = [\"Client IT Manager\"]",
            "accountable = [\"Client IT Manager\", \"Client CFO\"]",
        ),
    );
    let c = only(&d);
    assert_eq!(c.effect, Effect::Weakens);
    assert!(c.reason.ends_with("(a second accountable)"), "{}", c.reason);
    let d = diff(
        &raci_base(),
        &raci("accountable = [\"Client IT Manager\"]", "accountable = []"),
    );
    assert_eq!(only(&d).effect, Effect::Weakens);
}

#[test]
fn raci_activity_losing_all_responsible_weakens() {
    let d = diff(
        &raci_base(),
        &raci("responsible = [\"MSP Service Desk\"]", "responsible = []"),
    );
    let c = only(&d);
    assert_eq!(c.subject, "licensing.responsible");
    assert_eq!(c.effect, Effect::Weakens);
    assert_eq!(
        c.reason,
        "licensing: responsible MSP Service Desk → nobody: weakens (no one responsible)"
    );
    // Another Responsible instead: neutral.
    let d = diff(
        &raci_base(),
        &raci(
            "responsible = [\"MSP Service Desk\"]",
            "responsible = [\"MSP Licensing Desk\"]",
        ),
    );
    assert_eq!(only(&d).effect, Effect::Neutral);
}

#[test]
fn raci_controls_coverage_removed_weakens() {
    let d = diff(
        &raci_base(),
        &raci("controls = [\"backup.*\"]", "controls = []"),
    );
    let c = only(&d);
    assert_eq!(c.subject, "backup.controls");
    assert_eq!(c.effect, Effect::Weakens);
    assert!(
        c.reason.starts_with(
            "backup: controls backup.* removed: weakens (20 controls no longer owned: backup.exchange.policy-complete,"
        ),
        "{}",
        c.reason
    );
    assert!(c.reason.ends_with("and 15 more)"), "{}", c.reason);

    // Moved to another activity: still owned, neutral both ways.
    let moved = edit(
        &edit(RACI, "controls = [\"backup.*\"]", "controls = []"),
        "\"evidence.*\"]",
        "\"evidence.*\", \"backup.*\"]",
    );
    let d = diff(&raci_base(), &policy(&[("raci.toml", &moved)]));
    assert_eq!(d.changes.len(), 2, "{:#?}", d.changes);
    assert!(d.changes.iter().all(|c| c.effect == Effect::Neutral));

    // A pattern that owns something new strengthens.
    let d = diff(&raci(", \"evidence.*\"]", "]"), &raci_base());
    let c = only(&d);
    assert_eq!(c.effect, Effect::Strengthens);
    assert_eq!(c.after.as_deref(), Some("evidence.*"));
}

#[test]
fn raci_activity_removed_is_neutral_when_its_controls_stay_owned() {
    let removed = edit(
        RACI,
        "[[activity]]\nid = \"licensing\"\nname = \"Licensing\"\nresponsible = [\"MSP Service Desk\"]\naccountable = [\"Client IT Manager\"]\ncontrols = [\"governance.licence-utilisation\"]\n\n",
        "",
    );
    let d = diff(&raci_base(), &policy(&[("raci.toml", &removed)]));
    // governance.* in `rest` still owns governance.licence-utilisation.
    assert_eq!(d.changes.len(), 2, "{:#?}", d.changes);
    assert_eq!(
        d.changes[0].reason,
        "activity licensing (Licensing) removed: neutral"
    );
    assert_eq!(d.changes[1].effect, Effect::Neutral);
}

// ---------------------------------------------------------------- access

#[test]
fn break_glass_added_weakens_removed_strengthens_the_last_removed_weakens() {
    let three = edit(
        CONTROLS_TOML,
        r#""bg2@acme.onmicrosoft.com"]"#,
        r#""bg2@acme.onmicrosoft.com", "bg3@acme.onmicrosoft.com"]"#,
    );
    let h = policy(&[("controls.toml", &three)]);
    let d = diff(&base(), &h);
    let c = only(&d);
    assert_eq!(c.area, "break_glass");
    assert_eq!(c.subject, "bg3@acme.onmicrosoft.com");
    assert_eq!(c.effect, Effect::Weakens);
    assert!(
        c.reason.starts_with(
            "break-glass account bg3@acme.onmicrosoft.com added: weakens (exclusion widened"
        ),
        "{}",
        c.reason
    );
    assert_eq!(c.line, Some(line_of(&three, "break_glass")));
    assert!(c.controls.contains(&"identity.ca-mfa-all-users".to_owned()));
    let d = diff(&h, &base());
    let c = only(&d);
    assert_eq!(c.effect, Effect::Strengthens);
    assert!(c.reason.contains("removed: strengthens"), "{}", c.reason);
    // A case-only change is the same account.
    let upper = edit(CONTROLS_TOML, "bg1@acme", "BG1@acme");
    assert_eq!(
        diff(&base(), &policy(&[("controls.toml", &upper)])).kind,
        "unchanged"
    );
    // None left: no emergency access.
    let none = edit(
        CONTROLS_TOML,
        r#"break_glass = ["bg1@acme.onmicrosoft.com", "bg2@acme.onmicrosoft.com"]"#,
        "break_glass = []",
    );
    let d = diff(&base(), &policy(&[("controls.toml", &none)]));
    assert_eq!(d.changes.len(), 2);
    assert!(d.changes.iter().all(|c| c.effect == Effect::Weakens));
}

#[test]
fn approved_assignment_added_weakens_whether_active_or_eligible() {
    let active = controls_with(
        "[[approved_assignment]]\nprincipal = \"bob@acme.example\"\nrole = \"Exchange Administrator\"\nassignment = \"active\"\n",
    );
    let d = diff(&base(), &policy(&[("controls.toml", &active)]));
    let c = only(&d);
    assert_eq!(c.area, "approved_assignment");
    assert_eq!(c.subject, "bob@acme.example: Exchange Administrator");
    assert_eq!(c.effect, Effect::Weakens);
    assert_eq!(
        c.reason,
        "approved assignment bob@acme.example: Exchange Administrator (active) added: weakens (more standing privilege approved)"
    );
    assert_eq!(c.line, Some(line_of(&active, "principal = \"bob@")));

    let bob_eligible = controls_with(
        "[[approved_assignment]]\nprincipal = \"bob@acme.example\"\nrole = \"Exchange Administrator\"\nassignment = \"eligible\"\n",
    );
    let d = diff(&base(), &policy(&[("controls.toml", &bob_eligible)]));
    let c = only(&d);
    assert_eq!(c.effect, Effect::Weakens);
    assert!(c.reason.contains("more privilege approved"), "{}", c.reason);
}

#[test]
fn approved_assignment_removed_strengthens_and_eligible_to_active_weakens() {
    let alice = "[[approved_assignment]]\nprincipal = \"alice@acme.example\"\nrole = \"Global Administrator\"\nassignment = \"eligible\"\n";
    let without = policy(&[("controls.toml", &edit(CONTROLS_TOML, alice, ""))]);
    let d = diff(&base(), &without);
    let c = only(&d);
    assert_eq!(c.effect, Effect::Strengthens);
    assert_eq!(c.before.as_deref(), Some("eligible"));
    assert_eq!(c.after, None);

    let active = policy(&[(
        "controls.toml",
        &edit(
            CONTROLS_TOML,
            alice,
            &alice.replace("\"eligible\"", "\"active\""),
        ),
    )]);
    let d = diff(&base(), &active);
    let c = only(&d);
    assert_eq!(c.effect, Effect::Weakens);
    assert_eq!(
        c.reason,
        "approved assignment alice@acme.example: Global Administrator eligible → active: weakens (standing privilege approved)"
    );
    assert_eq!(only(&diff(&active, &base())).effect, Effect::Strengthens);
}

#[test]
fn privileged_role_added_strengthens_removed_weakens() {
    let h = policy(&[(
        "controls.toml",
        &edit(
            CONTROLS_TOML,
            "[access]\n",
            "[access]\nprivileged_roles = [\"Exchange Recipient Administrator\"]\n",
        ),
    )]);
    let c = only(&diff(&base(), &h)).clone();
    assert_eq!(c.area, "privileged_role");
    assert_eq!(c.effect, Effect::Strengthens);
    assert_eq!(only(&diff(&h, &base())).effect, Effect::Weakens);
}

// ---------------------------------------------------------------- identity

#[test]
fn identity_model_conditional_access_to_security_defaults_weakens() {
    let text = edit(
        CONTROLS_TOML,
        "model = \"conditional_access\"",
        "model = \"security_defaults\"",
    );
    let h = policy(&[("controls.toml", &text)]);
    let d = diff(&base(), &h);
    let c = only(&d);
    assert_eq!(c.area, "identity");
    assert_eq!(c.subject, "identity.model");
    assert_eq!(c.effect, Effect::Weakens);
    assert!(
        c.reason
            .starts_with("identity model conditional_access → security_defaults: weakens"),
        "{}",
        c.reason
    );
    assert_eq!(c.line, Some(line_of(&text, "model =")));
    assert_eq!(only(&diff(&h, &base())).effect, Effect::Strengthens);
}

#[test]
fn identity_pim_true_to_false_weakens() {
    let h = policy(&[(
        "controls.toml",
        &edit(CONTROLS_TOML, "pim = true", "pim = false"),
    )]);
    let d = diff(&base(), &h);
    let c = only(&d);
    assert_eq!(c.subject, "identity.pim");
    assert_eq!(c.effect, Effect::Weakens);
    assert_eq!(c.domain, Some(Domain::Access));
    assert_eq!(only(&diff(&h, &base())).effect, Effect::Strengthens);
}

// ---------------------------------------------------------------- waivers, disabled

fn waiver(control: &str, expires: &str, ticket: &str) -> String {
    format!(
        "[[waiver]]\ncontrol = \"{control}\"\nreason = \"Restore test moved after the migration\"\napproved_by = \"Jane Doe (Client CFO)\"\nticket = \"{ticket}\"\nexpires = {expires}\n"
    )
}

fn with_waivers(ws: &[String]) -> Policy {
    policy(&[("controls.toml", &controls_with(&ws.concat()))])
}

#[test]
fn waiver_added_weakens_removed_strengthens() {
    let h = with_waivers(&[waiver(
        "backup.exchange.restore-test",
        "2026-12-31",
        "CHG-1",
    )]);
    let d = diff(&base(), &h);
    let c = only(&d);
    assert_eq!(c.area, "waiver");
    assert_eq!(c.subject, "backup.exchange.restore-test");
    assert_eq!(c.effect, Effect::Weakens);
    assert_eq!(
        c.reason,
        "waiver for backup.exchange.restore-test until 2026-12-31 (CHG-1) added: weakens (Restore test moved after the migration; approved by Jane Doe (Client CFO))"
    );
    assert!(
        c.justified,
        "a documented waiver (reason, approver, ticket) is its own justification"
    );
    let c = only(&diff(&h, &base())).clone();
    assert_eq!(c.effect, Effect::Strengthens);
}

#[test]
fn waiver_expiry_extended_weakens_shortened_strengthens() {
    let b = with_waivers(&[waiver(
        "backup.exchange.restore-test",
        "2026-12-31",
        "CHG-1",
    )]);
    let later = with_waivers(&[waiver(
        "backup.exchange.restore-test",
        "2027-03-31",
        "CHG-1",
    )]);
    let earlier = with_waivers(&[waiver(
        "backup.exchange.restore-test",
        "2026-12-15",
        "CHG-1",
    )]);
    let d = diff(&b, &later);
    let c = only(&d);
    assert_eq!(c.effect, Effect::Weakens);
    assert_eq!(
        c.reason,
        "waiver for backup.exchange.restore-test expiry 2026-12-31 → 2027-03-31: weakens (extended)"
    );
    assert_eq!(only(&diff(&b, &earlier)).effect, Effect::Strengthens);
    // A new ticket is noted, neutral.
    let ticket = with_waivers(&[waiver(
        "backup.exchange.restore-test",
        "2026-12-31",
        "CHG-2",
    )]);
    assert_eq!(only(&diff(&b, &ticket)).effect, Effect::Neutral);
}

#[test]
fn disabled_control_added_weakens_removed_strengthens() {
    let h = policy(&[(
        "controls.toml",
        &controls_with(
            "[[disabled]]\ncontrol = \"identity.ca-block-legacy-auth\"\nreason = \"no legacy clients\"\n",
        ),
    )]);
    let d = diff(&base(), &h);
    let c = only(&d);
    assert_eq!(c.area, "disabled");
    assert_eq!(c.effect, Effect::Weakens);
    assert_eq!(
        c.reason,
        "disabled control identity.ca-block-legacy-auth added: weakens (no longer evaluated: no legacy clients)"
    );
    assert_eq!(only(&diff(&h, &base())).effect, Effect::Strengthens);
}

// ---------------------------------------------------------------- clients

#[test]
fn client_added_is_neutral_and_deleted_weakens() {
    let d = added(&[]);
    assert_eq!(d.kind, "added");
    let c = only(&d);
    assert_eq!(c.area, "client");
    assert_eq!(c.effect, Effect::Neutral);
    assert_eq!(c.file, "clients/newco/client.toml");

    let p = base();
    let d = diff_policies("acme", Some(&p), None, today());
    assert_eq!(d.kind, "deleted");
    let c = only(&d);
    assert_eq!(c.effect, Effect::Weakens);
    assert_eq!(
        c.reason,
        "client acme (Acme Fixture Ltd) removed from evaluation: weakens"
    );
    assert!(!c.justified);
    assert!(any_unjustified_weakening(&[d]));
}

#[test]
fn client_details_changes_are_neutral() {
    let h = policy(&[(
        "client.toml",
        &edit(CLIENT_TOML, "Acme Fixture Ltd", "Acme Group Ltd"),
    )]);
    let d = diff(&base(), &h);
    let c = only(&d);
    assert_eq!(c.subject, "client.name");
    assert_eq!(c.effect, Effect::Neutral);
    assert_eq!(c.line, Some(1));
}

#[test]
fn identical_policies_are_unchanged() {
    let d = diff(&base(), &base());
    assert_eq!(d.kind, "unchanged");
    assert!(d.changes.is_empty());
    assert!(!any_unjustified_weakening(&[d]));
}

// ---------------------------------------------------------------- justification
//
// The gate of issue 16: a weakening is justified only by a waiver for one of the
// controls it bears on, in force on the day of the diff, with a reason, approver and
// ticket that are not placeholders, added or changed in this diff.

fn backup_text_with_retention(r: &str) -> String {
    edit(
        BACKUP_TOML,
        "retention = \"1y\"",
        &format!("retention = \"{r}\""),
    )
}

/// A waiver with every field given.
fn waiver_full(control: &str, reason: &str, approver: &str, ticket: &str, expires: &str) -> String {
    format!(
        "[[waiver]]\ncontrol = \"{control}\"\nreason = \"{reason}\"\napproved_by = \"{approver}\"\nticket = \"{ticket}\"\nexpires = {expires}\n"
    )
}

/// A proper waiver of `control`, in force until the end of 2026.
fn good_waiver(control: &str) -> String {
    waiver_full(
        control,
        "Accepted until the migration to the new tenant completes",
        "Jane Doe (Client CFO)",
        "CHG-4711",
        "2026-12-31",
    )
}

/// HEAD: BASE's files with `files` replaced and `waivers` appended to controls.toml.
fn head_with(files: &[(&str, &str)], waivers: &str) -> Policy {
    let controls = files
        .iter()
        .find(|(f, _)| *f == "controls.toml")
        .map_or(CONTROLS_TOML.to_owned(), |(_, t)| (*t).to_owned());
    let controls = format!("{controls}\n{waivers}");
    let mut all: Vec<(&str, &str)> = files
        .iter()
        .copied()
        .filter(|(f, _)| *f != "controls.toml")
        .collect();
    all.push(("controls.toml", &controls));
    policy(&all)
}

/// The one change of `subject` outside the waivers (a waiver's subject is its control).
fn not_waiver<'a>(d: &'a ClientDiff, subject: &str) -> &'a Change {
    let found: Vec<&Change> = d
        .changes
        .iter()
        .filter(|c| c.subject == subject && c.area != "waiver")
        .collect();
    assert_eq!(found.len(), 1, "changes of {subject}: {:#?}", d.changes);
    found[0]
}

/// The change of `subject` is a weakening, unjustified, and says why.
fn assert_unjustified(d: &ClientDiff, subject: &str, because: &str) {
    let c = not_waiver(d, subject);
    assert_eq!(c.effect, Effect::Weakens, "{c:#?}");
    assert!(!c.justified, "{c:#?}");
    let why = c.unjustified_because.as_deref().unwrap_or_default();
    assert!(
        why.contains(because),
        "{subject}: {why:?} does not say {because:?}"
    );
    assert!(any_unjustified_weakening(std::slice::from_ref(d)));
}

fn lower_mfa() -> (&'static str, String) {
    (
        "controls.toml",
        controls_with("[thresholds]\n\"identity.mfa-users\" = { min_percent = 50 }\n"),
    )
}

#[test]
fn gate_a_properly_justified_weakening_passes() {
    let (f, t) = lower_mfa();
    let h = head_with(&[(f, &t)], &good_waiver("identity.mfa-users"));
    let d = diff(&base(), &h);
    let c = not_waiver(&d, "identity.mfa-users.min_percent");
    assert_eq!(c.effect, Effect::Weakens);
    assert!(c.justified, "{c:#?}");
    assert_eq!(
        c.justified_by.as_deref(),
        Some(
            "waiver CHG-4711 for identity.mfa-users (until 2026-12-31, approved by Jane Doe (Client CFO))"
        )
    );
    assert_eq!(c.unjustified_because, None);
    // The waiver added is a weakening too, justified by itself.
    let w = d
        .changes
        .iter()
        .find(|c| c.area == "waiver")
        .expect("waiver change");
    assert!(w.justified);
    assert_eq!(d.unjustified(), 0);
    assert!(!any_unjustified_weakening(&[d]));
}

#[test]
fn gate_expired_waiver_does_not_justify() {
    let (f, t) = lower_mfa();
    let expired = waiver_full(
        "identity.mfa-users",
        "Accepted until the migration to the new tenant completes",
        "Jane Doe (Client CFO)",
        "CHG-4711",
        "2026-12-04",
    );
    let d = diff(&base(), &head_with(&[(f, &t)], &expired));
    assert_unjustified(
        &d,
        "identity.mfa-users.min_percent",
        "expired on 2026-12-04",
    );
    // In force on the day itself: justified.
    let today_ = expired.replace("2026-12-04", "2026-12-05");
    let d = diff(&base(), &head_with(&[(f, &t)], &today_));
    assert!(one(&d, "identity.mfa-users.min_percent").justified);
    // The day of the diff decides: the same pull request reviewed later fails.
    let later = diff_policies(
        "acme",
        Some(&base()),
        Some(&head_with(&[(f, &t)], &today_)),
        jiff::civil::date(2026, 12, 6),
    );
    assert_unjustified(&later, "identity.mfa-users.min_percent", "expired");
}

#[test]
fn gate_waiver_running_more_than_a_year_ahead_does_not_justify() {
    let (f, t) = lower_mfa();
    // The diff is judged on 2026-12-05: 365 days later is 2027-12-05.
    let year = waiver_full(
        "identity.mfa-users",
        "Accepted until the migration to the new tenant completes",
        "Jane Doe (Client CFO)",
        "CHG-4711",
        "2027-12-05",
    );
    let d = diff(&base(), &head_with(&[(f, &t)], &year));
    assert!(one(&d, "identity.mfa-users.min_percent").justified);
    for expires in ["2027-12-06", "2099-12-31"] {
        let long = year.replace("2027-12-05", expires);
        let d = diff(&base(), &head_with(&[(f, &t)], &long));
        assert_unjustified(
            &d,
            "identity.mfa-users.min_percent",
            &format!("runs until {expires}"),
        );
        assert!(any_unjustified_weakening(&[d]));
    }
}

#[test]
fn gate_placeholder_waiver_does_not_justify() {
    let (f, t) = lower_mfa();
    // The issue's example: "x" as reason, approver and ticket.
    for (reason, approver, ticket, says) in [
        ("x", "x", "x", "reason"),
        (
            "Accepted until the migration completes",
            "TBD",
            "CHG-1",
            "approved_by",
        ),
        (
            "Accepted until the migration completes",
            "Jane Doe",
            "n/a",
            "ticket",
        ),
        (
            "Accepted until the migration completes",
            "Jane Doe",
            "JIRA",
            "names no ticket number",
        ),
        ("todo: explain", "Jane Doe", "CHG-1", "unfinished"),
        (
            "Accepted until the migration completes",
            "-",
            "CHG-1",
            "approved_by",
        ),
        ("...", "Jane Doe", "CHG-1", "reason"),
        ("Jane Doe (CFO)", "Jane Doe (CFO)", "CHG-1", "are the same"),
    ] {
        let w = waiver_full("identity.mfa-users", reason, approver, ticket, "2026-12-31");
        let d = diff(&base(), &head_with(&[(f, &t)], &w));
        assert_unjustified(&d, "identity.mfa-users.min_percent", says);
        // Nor does the placeholder waiver justify itself.
        assert!(
            d.changes
                .iter()
                .filter(|c| c.area == "waiver")
                .all(|c| !c.justified),
            "{reason:?} {approver:?} {ticket:?}"
        );
    }
}

#[test]
fn gate_waiver_on_an_unrelated_control_does_not_justify() {
    // The issue: a waiver on another control (even of the same domain) justifies nothing.
    let (f, t) = lower_mfa();
    for other in ["identity.mfa-admins", "backup.exchange.rpo"] {
        let d = diff(&base(), &head_with(&[(f, &t)], &good_waiver(other)));
        assert_unjustified(
            &d,
            "identity.mfa-users.min_percent",
            "no waiver for identity.mfa-users",
        );
    }
}

#[test]
fn gate_waiver_not_changed_in_this_diff_does_not_justify() {
    let (f, t) = lower_mfa();
    let w = good_waiver("identity.mfa-users");
    let b = head_with(&[], &w);
    let d = diff(&b, &head_with(&[(f, &t)], &w));
    assert_unjustified(
        &d,
        "identity.mfa-users.min_percent",
        "was not added or changed in this change",
    );
    // The same waiver with its expiry moved in this diff does justify.
    let moved = w.replace("2026-12-31", "2026-12-20");
    let d = diff(&b, &head_with(&[(f, &t)], &moved));
    assert!(one(&d, "identity.mfa-users.min_percent").justified);
}

#[test]
fn gate_break_glass_added_is_a_weakening_to_justify() {
    // The issue: adding a named admin as a break-glass account is not "neutral".
    let more = edit(
        CONTROLS_TOML,
        r#""bg2@acme.onmicrosoft.com"]"#,
        r#""bg2@acme.onmicrosoft.com", "alice@acme.example"]"#,
    );
    let d = diff(&base(), &head_with(&[("controls.toml", &more)], ""));
    assert_unjustified(&d, "alice@acme.example", "no waiver for access.break-glass");
    let d = diff(
        &base(),
        &head_with(
            &[("controls.toml", &more)],
            &good_waiver("access.break-glass"),
        ),
    );
    assert!(one(&d, "alice@acme.example").justified);
}

#[test]
fn gate_exclusion_widened_is_unjustified() {
    // Backup scope narrowed to selected items, and a documented gap added.
    let selected = edit(BACKUP_TOML, "scope = \"all\"", "scope = \"selected\"");
    let d = diff(&base(), &head_with(&[("backup.toml", &selected)], ""));
    assert_unjustified(
        &d,
        "exchange.scope",
        "no waiver for backup.exchange.protection-coverage",
    );
    let gap = edit(
        BACKUP_TOML,
        "known_gaps = []",
        "known_gaps = [\"shared mailboxes\"]",
    );
    let d = diff(&base(), &head_with(&[("backup.toml", &gap)], ""));
    assert_unjustified(&d, "exchange.known_gaps", "no waiver");
    let d = diff(
        &base(),
        &head_with(
            &[("backup.toml", &gap)],
            &good_waiver("backup.exchange.protection-coverage"),
        ),
    );
    assert!(one(&d, "exchange.known_gaps").justified);
}

#[test]
fn gate_threshold_loosened_is_unjustified() {
    for (t, subject) in [
        (
            r#""identity.mfa-admins" = { min_percent = 80 }"#,
            "identity.mfa-admins.min_percent",
        ),
        (
            r#""access.global-admin-count" = { max = 8 }"#,
            "access.global-admin-count.max",
        ),
        (
            r#""access.global-admin-count" = { min = 1 }"#,
            "access.global-admin-count.min",
        ),
        (
            r#""access.stale-admins" = { max_days = 365 }"#,
            "access.stale-admins.max_days",
        ),
        (
            r#""backup.exchange.job-success" = { min_percent = 50 }"#,
            "backup.exchange.job-success.min_percent",
        ),
        (
            r#""backup.teams.protection-coverage" = { min_percent = 10 }"#,
            "backup.teams.protection-coverage.min_percent",
        ),
        (
            r#""governance.licence-utilisation" = { min_percent = 10 }"#,
            "governance.licence-utilisation.min_percent",
        ),
    ] {
        let h = thresholds(t);
        let d = diff(&base(), &h);
        let control = subject.rsplit_once('.').map(|(c, _)| c).unwrap_or_default();
        assert_unjustified(&d, subject, &format!("no waiver for {control}"));
    }
}

#[test]
fn gate_workload_taken_out_of_scope_is_unjustified() {
    let out = edit(
        BACKUP_TOML,
        "[exchange]\nin_scope = true",
        "[exchange]\nin_scope = false\nreason = \"moving to another provider\"",
    );
    let d = diff(&base(), &head_with(&[("backup.toml", &out)], ""));
    assert_unjustified(
        &d,
        "exchange.in_scope",
        "no waiver for backup.exchange.policy-complete",
    );
    let d = diff(
        &base(),
        &head_with(
            &[("backup.toml", &out)],
            &good_waiver("backup.exchange.job-success"),
        ),
    );
    assert!(one(&d, "exchange.in_scope").justified);
}

#[test]
fn gate_approved_assignment_requirement_removed_is_unjustified() {
    // The eligibility requirement of an approval dropped (eligible → active), PIM no
    // longer required, and a new approval.
    let alice = "principal = \"alice@acme.example\"\nrole = \"Global Administrator\"\nassignment = \"eligible\"";
    let active = edit(CONTROLS_TOML, alice, &alice.replace("eligible", "active"));
    let d = diff(&base(), &head_with(&[("controls.toml", &active)], ""));
    assert_unjustified(
        &d,
        "alice@acme.example: Global Administrator",
        "no waiver for access.approved-assignments",
    );
    let no_pim = edit(CONTROLS_TOML, "pim = true", "pim = false");
    let d = diff(&base(), &head_with(&[("controls.toml", &no_pim)], ""));
    assert_unjustified(
        &d,
        "identity.pim",
        "no waiver for access.pim-standing-privilege",
    );
    let d = diff(
        &base(),
        &head_with(
            &[("controls.toml", &no_pim)],
            &good_waiver("access.pim-standing-privilege"),
        ),
    );
    assert!(one(&d, "identity.pim").justified);
}

#[test]
fn gate_retention_or_cadence_shortened_is_unjustified() {
    // The issue: retention shortened below the legal minimum.
    let short = backup_text_with_retention("90d");
    let d = diff(&base(), &head_with(&[("backup.toml", &short)], ""));
    assert_unjustified(
        &d,
        "exchange.retention",
        "no waiver for backup.exchange.policy-complete or retention.legal-minimum",
    );
    let d = diff(
        &base(),
        &head_with(
            &[("backup.toml", &short)],
            &good_waiver("retention.legal-minimum"),
        ),
    );
    assert!(one(&d, "exchange.retention").justified);
    // The legal minimum itself lowered.
    let lower = edit(
        BACKUP_TOML,
        "legal_minimum = \"1y\"",
        "legal_minimum = \"30d\"",
    );
    let d = diff(&base(), &head_with(&[("backup.toml", &lower)], ""));
    assert_unjustified(
        &d,
        "retention.legal_minimum",
        "no waiver for retention.legal-minimum",
    );
    // Restore tests less often, and backups less often.
    let cadence = edit(
        BACKUP_TOML,
        "restore_test_cadence = \"90d\"",
        "restore_test_cadence = \"1y\"",
    );
    let d = diff(&base(), &head_with(&[("backup.toml", &cadence)], ""));
    assert_unjustified(
        &d,
        "exchange.restore_test_cadence",
        "no waiver for backup.exchange.restore-test",
    );
    let freq = edit(BACKUP_TOML, "frequency = \"4h\"", "frequency = \"1w\"");
    let d = diff(&base(), &head_with(&[("backup.toml", &freq)], ""));
    assert_unjustified(
        &d,
        "exchange.frequency",
        "no waiver for backup.exchange.rpo",
    );
}

#[test]
fn gate_rpo_or_rto_raised_is_unjustified() {
    let rpo = edit(BACKUP_TOML, "rpo = \"24h\"", "rpo = \"7d\"");
    let d = diff(&base(), &head_with(&[("backup.toml", &rpo)], ""));
    assert_unjustified(&d, "exchange.rpo", "no waiver for backup.exchange.rpo");
    let rto = edit(BACKUP_TOML, "rto = \"8h\"", "rto = \"3d\"");
    let d = diff(&base(), &head_with(&[("backup.toml", &rto)], ""));
    assert_unjustified(
        &d,
        "exchange.rto",
        "no waiver for backup.exchange.restore-test",
    );
    let d = diff(
        &base(),
        &head_with(
            &[("backup.toml", &rto)],
            &good_waiver("backup.exchange.restore-test"),
        ),
    );
    assert!(one(&d, "exchange.rto").justified);
}

#[test]
fn gate_control_disabled_is_unjustified() {
    // The issue: switching off the legacy-authentication block.
    let off = "[[disabled]]\ncontrol = \"identity.ca-block-legacy-auth\"\nreason = \"no legacy clients\"\n";
    let d = diff(&base(), &head_with(&[], off));
    assert_unjustified(
        &d,
        "identity.ca-block-legacy-auth",
        "no waiver for identity.ca-block-legacy-auth",
    );
    // A waiver for the MFA control next door does not justify it.
    let d = diff(
        &base(),
        &head_with(&[], &format!("{off}{}", good_waiver("identity.mfa-users"))),
    );
    assert_unjustified(&d, "identity.ca-block-legacy-auth", "no waiver");
    let d = diff(
        &base(),
        &head_with(
            &[],
            &format!("{off}{}", good_waiver("identity.ca-block-legacy-auth")),
        ),
    );
    assert!(not_waiver(&d, "identity.ca-block-legacy-auth").justified);
}

#[test]
fn gate_the_issue_pull_request_fails_on_every_count() {
    // Issue 16's pull request at once: an expired "x" waiver on an unrelated control,
    // lower MFA coverage, the legacy-authentication block off, retention below the legal
    // minimum, a named admin as a break-glass account.
    let controls = edit(
        &controls_with(
            "[thresholds]\n\"identity.mfa-users\" = { min_percent = 50 }\n\n[[disabled]]\ncontrol = \"identity.ca-block-legacy-auth\"\nreason = \"x\"\n",
        ),
        r#""bg2@acme.onmicrosoft.com"]"#,
        r#""bg2@acme.onmicrosoft.com", "alice@acme.example"]"#,
    );
    let x = waiver_full("access.guest-admins", "x", "x", "x", "2026-01-31");
    let h = head_with(
        &[
            ("controls.toml", &controls),
            ("backup.toml", &backup_text_with_retention("30d")),
        ],
        &x,
    );
    let d = diff(&base(), &h);
    for subject in [
        "identity.mfa-users.min_percent",
        "identity.ca-block-legacy-auth",
        "exchange.retention",
        "alice@acme.example",
        "access.guest-admins",
    ] {
        let c = d
            .changes
            .iter()
            .find(|c| c.subject == subject && c.effect == Effect::Weakens)
            .unwrap_or_else(|| panic!("{subject}: {:#?}", d.changes));
        assert!(!c.justified, "{c:#?}");
    }
    assert_eq!(d.unjustified(), d.count(Effect::Weakens));
}

#[test]
fn a_weakening_without_a_control_is_never_justified() {
    let moved = edit(
        CLIENT_TOML,
        "11111111-2222-3333-4444-555555555555",
        "99999999-2222-3333-4444-555555555555",
    );
    let unpublished = format!("{moved}\n[publishing]\nenabled = false\n");
    let all_waived: String = crate::controls::catalogue()
        .iter()
        .map(|c| good_waiver(&c.id))
        .collect();
    let d = diff(
        &base(),
        &head_with(&[("client.toml", &unpublished)], &all_waived),
    );
    for subject in ["client.tenant_id", "client.publishing.enabled"] {
        assert_unjustified(&d, subject, "a waiver cannot justify it");
    }
}

#[test]
fn waiver_put_back_in_force_or_given_a_placeholder_weakens() {
    let w = |expires: &str, ticket: &str| {
        waiver_full(
            "identity.mfa-users",
            "Accepted until the migration completes",
            "Jane Doe",
            ticket,
            expires,
        )
    };
    // Expired before the day of the diff, then extended past it.
    let d = diff(
        &with_waivers(&[w("2026-11-30", "CHG-1")]),
        &with_waivers(&[w("2027-01-31", "CHG-1")]),
    );
    let c = only(&d);
    assert_eq!(c.effect, Effect::Weakens);
    assert!(
        c.reason.contains("an expired waiver put back in force"),
        "{}",
        c.reason
    );
    assert!(
        c.justified,
        "a documented waiver revived in this diff justifies itself"
    );
    // A real ticket replaced by a placeholder.
    let d = diff(
        &with_waivers(&[w("2026-12-31", "CHG-1")]),
        &with_waivers(&[w("2026-12-31", "tbd")]),
    );
    let c = only(&d);
    assert_eq!(c.effect, Effect::Weakens);
    assert!(!c.justified);
    // Another real ticket: neutral.
    let d = diff(
        &with_waivers(&[w("2026-12-31", "CHG-1")]),
        &with_waivers(&[w("2026-12-31", "CHG-2")]),
    );
    assert_eq!(only(&d).effect, Effect::Neutral);
}

#[test]
fn client_branding_and_notes_changes_are_listed_as_neutral() {
    let branded = format!("{CLIENT_TOML}\n[branding]\naccent = \"#aa0000\"\n");
    let d = diff(&base(), &policy(&[("client.toml", &branded)]));
    let c = only(&d);
    assert_eq!(c.subject, "client.branding.accent");
    assert_eq!(c.effect, Effect::Neutral);
    let d = diff(&base(), &policy(&[("notes.md", "# Notes\n")]));
    let c = only(&d);
    assert_eq!(c.area, "notes");
    assert_eq!(c.effect, Effect::Neutral);
}

#[test]
fn a_key_without_a_declared_direction_weakens_unclassified() {
    // The safety net under the typed rules: with `branding.accent` missing from the key
    // table, its change is an unclassified weakening, never neutral.
    let branded = format!("{CLIENT_TOML}\n[branding]\naccent = \"#aa0000\"\n");
    let (b, h) = (base(), policy(&[("client.toml", &branded)]));
    let table: Vec<(&str, &str, &str)> = KEYS
        .iter()
        .copied()
        .filter(|(_, k, _)| *k != "branding.accent")
        .collect();
    let mut out = Vec::new();
    keys::unclassified_with(&mut out, "acme", &b, &h, &table);
    assert_eq!(out.len(), 1, "{out:#?}");
    let c = &out[0];
    assert_eq!(c.area, "unclassified");
    assert_eq!(c.subject, "client.toml: branding.accent");
    assert_eq!(c.effect, Effect::Weakens);
    assert_eq!(c.after.as_deref(), Some("\"#aa0000\""));
    // With the full table, nothing is left unclassified by the typed rules.
    let mut out = Vec::new();
    keys::unclassified_with(&mut out, "acme", &b, &h, KEYS);
    assert!(out.is_empty(), "{out:#?}");
}

#[test]
fn only_weakenings_count_for_fail_on_weaken() {
    let d = diff(&base(), &backup("retention = \"1y\"", "retention = \"7y\""));
    assert_eq!(d.count(Effect::Strengthens), 1);
    assert!(!any_unjustified_weakening(&[d]));
}

// ---------------------------------------------------------------- renderers

/// A pull request touching four clients: one changed in many ways, one added, one
/// deleted, one unchanged.
fn sample() -> Vec<ClientDiff> {
    let b = policy(&[("raci.toml", RACI)]);
    let controls = controls_with(&format!(
        "[thresholds]\n\"access.global-admin-count\" = {{ max = 6 }}\n\n{}",
        waiver("backup.teams.restore-test", "2026-12-31", "CHG-2231")
    ));
    let controls = edit(&controls, "pim = true", "pim = false");
    let h = policy(&[
        (
            "raci.toml",
            &edit(
                RACI,
                "accountable = [\"Client IT Manager\"]",
                "accountable = [\"Client CFO\"]",
            ),
        ),
        ("controls.toml", &controls),
        (
            "backup.toml",
            &edit(
                &backup_text_with_retention("90d"),
                "rpo = \"24h\"",
                "rpo = \"12h\"",
            ),
        ),
    ]);
    let mut acme = diff_policies("acme", Some(&b), Some(&h), today());
    acme.evidence_month = Some("2026-11".into());
    acme.status_changes = vec![
        ControlDelta {
            control: "access.global-admin-count".into(),
            before: Status::Pass,
            after: Status::Fail,
        },
        ControlDelta {
            control: "access.pim-standing-privilege".into(),
            before: Status::Fail,
            after: Status::NotApplicable,
        },
    ];
    let contoso = policy_of("contoso", &[]);
    let fabrikam = policy_of("fabrikam", &[]);
    let globex = policy_of("globex", &[]);
    vec![
        acme,
        diff_policies("contoso", None, Some(&contoso), today()),
        diff_policies("fabrikam", Some(&fabrikam), None, today()),
        diff_policies("globex", Some(&globex), Some(&globex), today()),
    ]
}

#[test]
fn markdown_pr_comment() {
    let md = render_markdown(&sample());
    assert!(md.starts_with("<!-- custody-policy-diff -->\n"));
    insta::assert_snapshot!(md);
}

#[test]
fn markdown_escapes_pipes_and_html_in_values() {
    let h = policy(&[(
        "raci.toml",
        &edit(
            RACI_TOML,
            "accountable = [\"Client IT Manager\"]",
            "accountable = [\"Bob | <script>alert(1)</script> *CEO*\"]",
        ),
    )]);
    let md = render_markdown(&[diff(&base(), &h)]);
    assert!(!md.contains("<script>"), "{md}");
    assert!(
        md.contains("Bob \\| \\<script\\>alert\\(1\\)\\</script\\> \\*CEO\\*"),
        "{md}"
    );
    // Every row of the change table has its four cells.
    let row = md
        .lines()
        .find(|l| l.contains("accountable"))
        .expect("change row");
    let cells = row.replace("\\|", "").matches('|').count();
    assert_eq!(cells, 5, "{row}");
}

#[test]
fn markdown_without_changes_says_so() {
    let p = base();
    let md = render_markdown(&[diff(&p, &p)]);
    assert_eq!(
        md,
        "<!-- custody-policy-diff -->\n## Policy review\n\nNo policy changes (1 client unchanged).\n"
    );
}

#[test]
fn json_document() {
    let json = render_json(&sample());
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(v["schema_version"], 1);
    let clients = v["clients"].as_array().expect("clients");
    assert_eq!(clients.len(), 4);
    let acme = &clients[0];
    assert_eq!(acme["client"], "acme");
    assert_eq!(acme["kind"], "changed");
    assert_eq!(acme["evidence_month"], "2026-11");
    assert_eq!(acme["status_changes"][0]["before"], "pass");
    assert_eq!(acme["status_changes"][0]["after"], "fail");
    let retention = acme["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["subject"] == "exchange.retention")
        .expect("retention change");
    assert_eq!(retention["effect"], "weakens");
    assert_eq!(retention["area"], "backup");
    assert_eq!(retention["before"], "1y");
    assert_eq!(retention["after"], "90d");
    assert_eq!(retention["file"], "clients/acme/backup.toml");
    assert!(retention["line"].is_u64());
    // The sample's waiver is for another control: it justifies nothing here.
    assert_eq!(retention["justified"], false);
    assert_eq!(
        retention["unjustified_because"],
        "no waiver for backup.exchange.policy-complete or retention.legal-minimum"
    );
    assert_eq!(
        retention["controls"],
        serde_json::json!(["backup.exchange.policy-complete", "retention.legal-minimum"])
    );
    assert_eq!(clients[1]["kind"], "added");
    assert_eq!(clients[2]["kind"], "deleted");
    assert_eq!(clients[3]["kind"], "unchanged");
    assert!(json.ends_with("}\n"));
}

// ---------------------------------------------------------------- effect on evidence

#[test]
fn status_changes_against_the_latest_evidence() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    Fx::new().with_prev().write_to(root, "acme");
    let id = ClientId::parse("acme").expect("id");
    let tree = crate::policy::load::WorkingTree(root.to_path_buf());
    let b = load_policy(&tree, &id, crate::controls::known()).expect("fixture policy loads");
    let h = policy(&[(
        "controls.toml",
        &controls_with(
            "[thresholds]\n\"access.global-admin-count\" = { min = 1, max = 1 }\n\n[[disabled]]\ncontrol = \"identity.mfa-users\"\nreason = \"not in the contract\"\n",
        ),
    )]);
    let deltas = status_changes(root, &id, &b, &h);
    assert_eq!(
        deltas,
        vec![
            ControlDelta {
                control: "identity.mfa-users".into(),
                before: Status::Pass,
                after: Status::NotApplicable,
            },
            ControlDelta {
                control: "access.global-admin-count".into(),
                before: Status::Pass,
                after: Status::Fail,
            },
        ]
    );
    assert!(status_changes(root, &id, &b, &b).is_empty());

    let mut d = diff(&b, &h);
    d.evaluate_status(root, &id, &b, &h);
    assert_eq!(d.evidence_month.as_deref(), Some("2026-11"));
    assert_eq!(d.status_changes, deltas);

    // No evidence at all: nothing to compare, not an error.
    let other = ClientId::parse("nobody").expect("id");
    assert!(status_changes(root, &other, &b, &h).is_empty());
    assert_eq!(latest_evidence_month(root, &other), None);
}

// ---------------------------------------------------------------- the bounded comment

#[test]
fn comment_is_the_full_report_while_it_fits() {
    let diffs = sample();
    assert_eq!(render_comment(&diffs), render_markdown(&diffs));
}

/// `n` changed clients, each with the sample's weakenings, and one hostile value 20,000
/// characters long.
fn many_clients(n: usize) -> Vec<ClientDiff> {
    let acme = sample().remove(0);
    let mut out: Vec<ClientDiff> = (0..n)
        .map(|i| {
            let mut d = acme.clone();
            d.client = format!("client-{i:04}");
            d
        })
        .collect();
    let long = format!("{}|<b>", "é".repeat(20_000));
    out[n / 2].changes[0].reason = long.clone();
    out[n / 2].changes[0].subject = long;
    out
}

#[test]
fn comment_stays_within_githubs_limit_for_2000_changed_clients() {
    let diffs = many_clients(2_000);
    let full = render_markdown(&diffs);
    assert!(
        full.chars().count() > COMMENT_LIMIT,
        "the test must overflow"
    );
    let md = render_comment(&diffs);
    assert!(
        md.chars().count() <= COMMENT_LIMIT,
        "{} characters",
        md.chars().count()
    );
    assert!(md.len() <= COMMENT_LIMIT, "{} bytes", md.len());
    assert!(md.starts_with("<!-- custody-policy-diff -->\n"));
    // Totals cover every client, not only the ones listed.
    assert!(
        md.contains("2000 of 2000 clients changed"),
        "{}",
        &md[..400]
    );
    assert!(
        md.contains("⚠️ **6000 weakenings without a justification.**"),
        "{}",
        &md[..600]
    );
    // Both lists are cut with a count of what was left out and where to find it.
    let more: Vec<&str> = md.lines().filter(|l| l.starts_with("… ")).collect();
    assert_eq!(more.len(), 2, "{more:?}");
    assert!(more[0].ends_with("more unjustified weakenings, see the step summary/artifact."));
    assert!(more[1].ends_with("more clients, see the step summary/artifact."));
    let listed = |l: &str| l.starts_with("| client-");
    let rows = md.lines().filter(|l| listed(l)).count();
    let left: usize = more
        .iter()
        .map(|l| {
            l.trim_start_matches("… ")
                .split(' ')
                .next()
                .and_then(|n| n.parse::<usize>().ok())
                .expect("a count")
        })
        .sum();
    assert_eq!(rows + left, 6_000 + 2_000, "every row is listed or counted");
    // Every table row keeps its cells: the hostile value is cut and escaped.
    for l in md.lines().filter(|l| listed(l)) {
        let cells = l.replace("\\|", "").matches('|').count();
        assert!(cells == 5 || cells == 7, "{l}");
        assert!(
            l.chars().count() < 1_000,
            "{} characters",
            l.chars().count()
        );
    }
    assert!(!md.contains("<b>"));
}

#[test]
fn comment_for_any_size_is_bounded() {
    for n in [1, 10, 100, 400, 5_000] {
        let md = render_comment(&many_clients(n));
        assert!(md.len() <= COMMENT_LIMIT, "{n} clients: {} bytes", md.len());
    }
}

/// Issue 18: which Veeam jobs count, and how a product export is read, decide which
/// runs pass: any change is a weakening for the reviewers, once, never unclassified.
#[test]
fn backup_veeam_jobs_and_csv_mapping_changes_weaken() {
    let with_jobs = |jobs: &str| {
        backup(
            "[exchange]\nin_scope = true",
            &format!("[exchange]\nin_scope = true\nveeam_jobs = {jobs}"),
        )
    };
    let d = diff(
        &with_jobs(r#"["EXO nightly"]"#),
        &with_jobs(r#"["EXO nightly", "EXO weekly"]"#),
    );
    let c = only(&d);
    assert_eq!(c.subject, "exchange.veeam_jobs");
    assert_eq!(c.effect, Effect::Weakens);
    assert!(
        c.controls
            .contains(&"backup.exchange.job-success".to_owned()),
        "{c:#?}"
    );

    let mapping = |failed: &str| {
        policy(&[(
            "backup.toml",
            &format!(
                "{BACKUP_TOML}\n[csv]\nfile = \"x.csv\"\ncolumns = {{ job = \"J\", workload = \"W\", start = \"S\", end = \"E\", status = \"R\" }}\nstatus_map = {{ \"OK\" = \"success\", \"Failed\" = \"{failed}\" }}\n"
            ),
        )])
    };
    let d = diff(&mapping("failed"), &mapping("success"));
    let c = only(&d);
    assert_eq!(c.subject, "csv");
    assert_eq!(c.effect, Effect::Weakens);
    assert_eq!(
        diff(&mapping("failed"), &mapping("failed")).changes.len(),
        0
    );
}

// ---------------------------------------------------------------- new clients
//
// A client added in the diff is compared with the reference: the defaults custody applies
// when a key is absent, and for what has no default, nothing granted (see new_client.rs).

/// A new client at default strength: one activity owning every control, Conditional
/// Access and PIM, nothing granted, no workload declared, records retention apart.
const NEW_CONTROLS: &str = "[identity]\nmodel = \"conditional_access\"\npim = true\n";
const NEW_BACKUP: &str = "[retention]\nrelies_on_backup = false\n";

/// Client `newco` at default strength with `files` replaced.
fn new_client(files: &[(&str, &str)]) -> Policy {
    let mut all: Vec<(&str, &str)> =
        vec![("controls.toml", NEW_CONTROLS), ("backup.toml", NEW_BACKUP)];
    all.retain(|(f, _)| !files.iter().any(|(g, _)| g == f));
    all.extend(files.iter().copied());
    policy_of("newco", &all)
}

fn added(files: &[(&str, &str)]) -> ClientDiff {
    diff_policies("newco", None, Some(&new_client(files)), today())
}

fn new_controls(extra: &str) -> String {
    format!("{NEW_CONTROLS}\n{extra}")
}

/// The weakenings of a diff as `(subject, justified)`.
fn weakenings(d: &ClientDiff) -> Vec<(&str, bool)> {
    d.changes
        .iter()
        .filter(|c| c.effect == Effect::Weakens)
        .map(|c| (c.subject.as_str(), c.justified))
        .collect()
}

#[test]
fn a_new_client_at_default_strength_is_only_added() {
    let d = added(&[]);
    assert_eq!(d.kind, "added");
    let c = only(&d);
    assert_eq!(
        c.reason,
        "client newco (Acme Fixture Ltd) added: neutral (evaluated from now on)"
    );
    assert!(!any_unjustified_weakening(&[d]));
    // A threshold set to exactly the default, privileged roles watched, a legal minimum
    // and a workload declared in scope with its descriptions are listed, never weakenings.
    let d = added(&[
        (
            "controls.toml",
            &format!(
                "{NEW_CONTROLS}\n[access]\nprivileged_roles = [\"Teams Administrator\"]\n\n[thresholds]\n\"identity.mfa-users\" = {{ min_percent = 95 }}\n"
            ),
        ),
        (
            "backup.toml",
            "[exchange]\nin_scope = true\nprovider = \"microsoft-365-backup\"\nscope = \"all\"\nowner = \"MSP Backup Team\"\nknown_gaps = []\n\n[retention]\nlegal_minimum = \"7y\"\ncompliance_location = \"Purview\"\n",
        ),
    ]);
    assert!(weakenings(&d).is_empty(), "{:#?}", d.changes);
    let c = one(&d, "identity.mfa-users.min_percent");
    assert_eq!(c.effect, Effect::Neutral);
    assert_eq!(
        c.reason,
        "identity.mfa-users min_percent 95 (default) → 95: neutral (same as the catalogue default) [new client]"
    );
    assert_eq!(one(&d, "Teams Administrator").effect, Effect::Strengthens);
    assert_eq!(
        one(&d, "retention.legal_minimum").effect,
        Effect::Strengthens
    );
}

#[test]
fn a_new_client_threshold_looser_than_the_default_weakens() {
    let d = added(&[(
        "controls.toml",
        &new_controls(
            "[thresholds]\n\"identity.mfa-users\" = { min_percent = 10 }\n\"access.stale-admins\" = { max_days = 30 }\n",
        ),
    )]);
    let c = one(&d, "identity.mfa-users.min_percent");
    assert_eq!(c.effect, Effect::Weakens);
    assert_eq!(
        c.reason,
        "identity.mfa-users min_percent 95 (default) → 10: weakens [new client]"
    );
    assert_eq!(c.controls, ["identity.mfa-users"]);
    assert_eq!(
        one(&d, "access.stale-admins.max_days").effect,
        Effect::Strengthens
    );
    assert_eq!(d.unjustified(), 1);
}

#[test]
fn a_new_client_break_glass_accounts_each_weaken() {
    let d = added(&[(
        "controls.toml",
        &new_controls(
            "[access]\nbreak_glass = [\"ceo@contoso.example\", \"mallory@evil.example\"]\n",
        ),
    )]);
    assert_eq!(
        weakenings(&d),
        [
            ("ceo@contoso.example", false),
            ("mallory@evil.example", false)
        ]
    );
    let c = one(&d, "mallory@evil.example");
    assert_eq!(c.area, "break_glass");
    assert_eq!(
        c.reason,
        "break-glass account mallory@evil.example added: weakens (exclusion widened: it may be excluded from MFA policies and hold Global Administrator permanently) [new client]"
    );
    assert_eq!(c.line, Some(6));
    assert!(c.controls.contains(&"identity.ca-mfa-all-users".to_owned()));
    assert_eq!(
        c.unjustified_because.as_deref(),
        Some(
            "no waiver for access.break-glass, access.pim-standing-privilege, identity.ca-mfa-all-users, identity.ca-mfa-admins or identity.ca-block-legacy-auth"
        )
    );
}

#[test]
fn a_new_client_approved_assignments_each_weaken() {
    let d = added(&[(
        "controls.toml",
        &new_controls(
            "[[approved_assignment]]\nprincipal = \"mallory@evil.example\"\nrole = \"Global Administrator\"\nassignment = \"active\"\n\n[[approved_assignment]]\nprincipal = \"alice@newco.example\"\nrole = \"User Administrator\"\nassignment = \"eligible\"\n",
        ),
    )]);
    assert_eq!(
        weakenings(&d),
        [
            ("mallory@evil.example: Global Administrator", false),
            ("alice@newco.example: User Administrator", false)
        ]
    );
    assert_eq!(
        one(&d, "mallory@evil.example: Global Administrator").reason,
        "approved assignment mallory@evil.example: Global Administrator (active) added: weakens (more standing privilege approved) [new client]"
    );
}

#[test]
fn a_new_client_waivers_and_disabled_controls_weaken() {
    let d = added(&[(
        "controls.toml",
        &new_controls(&format!(
            "{}\n[[disabled]]\ncontrol = \"identity.ca-block-legacy-auth\"\nreason = \"no legacy clients\"\n",
            good_waiver("identity.mfa-users")
        )),
    )]);
    let w = d
        .changes
        .iter()
        .find(|c| c.area == "waiver")
        .expect("waiver listed");
    assert_eq!(w.effect, Effect::Weakens);
    // A qualifying waiver justifies its own addition, not the disabled control.
    assert!(w.justified, "{w:#?}");
    let c = one(&d, "identity.ca-block-legacy-auth");
    assert_eq!(c.area, "disabled");
    assert_eq!(c.effect, Effect::Weakens);
    assert!(!c.justified);
    assert_eq!(d.unjustified(), 1);
}

#[test]
fn a_new_client_workload_out_of_scope_or_scope_selected_weakens() {
    let d = added(&[(
        "backup.toml",
        "[exchange]\nin_scope = false\nreason = \"mail stays on premises\"\nscope = \"selected\"\n\n[onedrive]\nin_scope = true\nscope = \"selected\"\n\n[retention]\nrelies_on_backup = false\n",
    )]);
    let c = one(&d, "exchange.in_scope");
    assert_eq!(c.effect, Effect::Weakens);
    assert_eq!(
        c.reason,
        "Exchange Online backup in scope true → false: weakens (mail stays on premises) [new client]"
    );
    // Settings of an out-of-scope workload do not weigh.
    assert_eq!(one(&d, "exchange.scope").effect, Effect::Neutral);
    let c = one(&d, "onedrive.scope");
    assert_eq!(c.effect, Effect::Weakens);
    assert_eq!(
        c.reason,
        "OneDrive backup scope all → selected: weakens [new client]"
    );
    assert_eq!(c.controls, ["backup.onedrive.protection-coverage"]);
    assert_eq!(d.unjustified(), 2);
}

#[test]
fn a_new_client_backup_durations_looser_than_the_reference_weaken() {
    // Within the reference (frequency 24h, retention 1y, RPO 24h, RTO 72h, cadence 180d):
    // ordinary onboarding, nothing listed.
    let ordinary = "[exchange]\nin_scope = true\nfrequency = \"24h\"\nretention = \"1y\"\nrpo = \"24h\"\nrto = \"72h\"\nrestore_test_cadence = \"180d\"\n\n[retention]\nrelies_on_backup = false\n";
    let d = added(&[("backup.toml", ordinary)]);
    assert!(weakenings(&d).is_empty(), "{:#?}", d.changes);
    // Each looser value weakens; an out-of-scope workload's settings do not weigh.
    let backup = "[exchange]\nin_scope = true\nfrequency = \"25h\"\nretention = \"364d\"\nrpo = \"365d\"\nrto = \"73h\"\nrestore_test_cadence = \"181d\"\n\n[teams]\nin_scope = false\nreason = \"no Teams\"\nrpo = \"365d\"\n\n[retention]\nrelies_on_backup = false\n";
    let d = added(&[("backup.toml", backup)]);
    let subjects: Vec<&str> = weakenings(&d).iter().map(|(s, _)| *s).collect();
    assert_eq!(
        subjects,
        [
            "exchange.frequency",
            "exchange.retention",
            "exchange.rpo",
            "exchange.rto",
            "exchange.restore_test_cadence",
            "teams.in_scope"
        ]
    );
    let c = one(&d, "exchange.rpo");
    assert_eq!(
        c.reason,
        "Exchange Online backup RPO 1y set by a new client, looser than the new-client reference 1d: weakens [new client]"
    );
    assert_eq!(c.line, Some(line_of(backup, "rpo = \"365d\"")));
    assert_eq!(c.file, "clients/newco/backup.toml");
    // A qualifying waiver for the RPO control justifies exactly the settings that bear on
    // it (frequency and RPO), nothing else.
    let d = added(&[
        ("backup.toml", backup),
        (
            "controls.toml",
            &new_controls(&good_waiver("backup.exchange.rpo")),
        ),
    ]);
    let justified: Vec<&str> = weakenings(&d)
        .iter()
        .filter(|(s, j)| *j && *s != "backup.exchange.rpo")
        .map(|(s, _)| *s)
        .collect();
    assert_eq!(justified, ["exchange.frequency", "exchange.rpo"]);
    assert_eq!(d.unjustified(), 4, "{:#?}", d.changes);
}

#[test]
fn a_new_client_relying_on_backup_unpublished_or_with_security_defaults_weakens() {
    let d = added(&[
        (
            "client.toml",
            &format!("{CLIENT_TOML}\n[publishing]\nenabled = false\n"),
        ),
        (
            "controls.toml",
            "[identity]\nmodel = \"security_defaults\"\npim = false\n",
        ),
        ("backup.toml", "[retention]\nrelies_on_backup = true\n"),
    ]);
    let mut subjects: Vec<(&str, bool)> = weakenings(&d);
    subjects.sort();
    assert_eq!(
        subjects,
        [
            ("client.publishing.enabled", false),
            ("identity.model", false),
            ("identity.pim", false),
            ("retention.relies_on_backup", false)
        ]
    );
    assert_eq!(
        one(&d, "client.publishing.enabled").reason,
        "client publishing true → false: weakens (the client's scorecards and evidence packs are no longer published) [new client]"
    );
    assert_eq!(
        one(&d, "retention.relies_on_backup").reason,
        "retention relies on backup false → true: weakens (backup becomes the records archive) [new client]"
    );
}

#[test]
fn a_new_client_raci_without_one_accountable_a_responsible_or_owning_every_control_weakens() {
    let raci = "[[activity]]\nid = \"everything\"\nname = \"Everything\"\nresponsible = []\naccountable = [\"A\", \"B\"]\ncontrols = [\"identity.*\", \"access.*\", \"backup.*\", \"evidence.*\", \"governance.*\", \"retention.legal-minimum\"]\n";
    let d = added(&[("raci.toml", raci)]);
    let c = one(&d, "everything.accountable");
    assert_eq!(c.effect, Effect::Weakens);
    assert_eq!(
        c.reason,
        "everything: accountable A, B: weakens (a second accountable) [new client]"
    );
    assert_eq!(one(&d, "everything.responsible").effect, Effect::Weakens);
    let c = one(&d, "controls");
    assert_eq!(c.effect, Effect::Weakens);
    assert_eq!(
        c.reason,
        "RACI controls: weakens (1 control owned by no activity: retention.separate-from-backup) [new client]"
    );
    assert_eq!(c.controls, ["governance.controls-owned"]);
    // A disabled control needs no owner (its disabling is listed on its own).
    let d = added(&[
        ("raci.toml", raci),
        (
            "controls.toml",
            &new_controls(
                "[[disabled]]\ncontrol = \"retention.separate-from-backup\"\nreason = \"contract excludes records\"\n",
            ),
        ),
    ]);
    assert!(d.changes.iter().all(|c| c.subject != "controls"));
}

#[test]
fn a_new_client_known_gaps_veeam_jobs_and_export_mapping_weaken() {
    let backup = "[exchange]\nin_scope = true\nknown_gaps = [\"shared mailboxes\"]\nveeam_jobs = [\"EXO nightly\"]\n\n[retention]\nrelies_on_backup = false\n\n[csv]\nfile = \"x.csv\"\ncolumns = { job = \"J\", workload = \"W\", start = \"S\", end = \"E\", status = \"R\" }\nstatus_map = { \"OK\" = \"success\", \"Failed\" = \"success\" }\n";
    let d = added(&[("backup.toml", backup)]);
    let mut subjects: Vec<&str> = weakenings(&d).iter().map(|(s, _)| *s).collect();
    subjects.sort();
    assert_eq!(
        subjects,
        ["csv", "exchange.known_gaps", "exchange.veeam_jobs"]
    );
}

#[test]
fn a_new_client_with_another_clients_tenant_weakens() {
    let existing = base();
    let newco = new_client(&[]);
    let mut diffs = vec![
        diff_policies("acme", Some(&existing), Some(&existing), today()),
        diff_policies("newco", None, Some(&newco), today()),
    ];
    flag_shared_tenants(&mut diffs);
    let c = one(&diffs[1], "client.tenant_id");
    assert_eq!(c.effect, Effect::Weakens);
    assert_eq!(
        c.reason,
        "client tenant 11111111-2222-3333-4444-555555555555 is also declared by acme: weakens (evidence is accepted from another client's tenant) [new client]"
    );
    assert_eq!(c.line, Some(2));
    assert!(!c.justified);
    assert!(any_unjustified_weakening(&diffs));
    assert!(diffs[0].changes.is_empty());

    // Its own tenant is the new client's identity, like its name; so is init's all-zero
    // placeholder, which is nobody's tenant.
    let own = new_client(&[(
        "client.toml",
        &edit(CLIENT_TOML, "11111111-2222", "99999999-2222"),
    )]);
    let mut diffs = vec![
        diff_policies("acme", Some(&existing), Some(&existing), today()),
        diff_policies("newco", None, Some(&own), today()),
    ];
    flag_shared_tenants(&mut diffs);
    assert_eq!(diffs[1].changes.len(), 1, "{:#?}", diffs[1].changes);
    let zero = "00000000-0000-0000-0000-000000000000";
    let placeholder = |id: &str| {
        policy_of(
            id,
            &[
                (
                    "client.toml",
                    &edit(CLIENT_TOML, "11111111-2222-3333-4444-555555555555", zero),
                ),
                ("controls.toml", NEW_CONTROLS),
                ("backup.toml", NEW_BACKUP),
            ],
        )
    };
    let (a, b) = (placeholder("a"), placeholder("b"));
    let mut diffs = vec![
        diff_policies("a", None, Some(&a), today()),
        diff_policies("b", None, Some(&b), today()),
    ];
    flag_shared_tenants(&mut diffs);
    assert!(!any_unjustified_weakening(&diffs), "{diffs:#?}");
}

/// What a new client setting one key shows.
enum Shows {
    /// A change of this subject with this effect.
    Change(&'static str, Effect),
    /// Nothing of this subject: the client's own identity or description.
    Nothing(&'static str),
}

/// For every key of [`KEYS`], a new client that sets it (the files replaced) and what its
/// diff shows. A key added to the table without a case here fails
/// `every_key_a_new_client_sets_is_compared_with_its_reference`.
fn new_client_case(file: &str, key: &str) -> Option<(Vec<(&'static str, String)>, Shows)> {
    use Shows::{Change as C, Nothing as N};
    let controls = |extra: &str| vec![("controls.toml", new_controls(extra))];
    let backup = |w: &str| {
        vec![(
            "backup.toml",
            format!("[exchange]\n{w}\n\n[retention]\nrelies_on_backup = false\n"),
        )]
    };
    let raci = |fields: &str| {
        vec![(
            "raci.toml",
            format!(
                "[[activity]]\nid = \"everything\"\nname = \"Everything\"\ncontrols = [\"*\"]\n{fields}\n"
            ),
        )]
    };
    let one_r_one_a = "responsible = [\"R\"]\naccountable = [\"A\"]";
    let approved = controls(
        "[[approved_assignment]]\nprincipal = \"mallory@evil.example\"\nrole = \"Global Administrator\"\nassignment = \"active\"\n",
    );
    let waiver = controls(&good_waiver("identity.mfa-users"));
    let disabled = controls(
        "[[disabled]]\ncontrol = \"identity.ca-block-legacy-auth\"\nreason = \"no legacy clients\"\n",
    );
    let csv = vec![(
        "backup.toml",
        format!(
            "{NEW_BACKUP}\n[csv]\nfile = \"x.csv\"\ncolumns = {{ job = \"J\", workload = \"W\", start = \"S\", end = \"E\", status = \"R\", items_total = \"T\", items_protected = \"P\" }}\nstatus_map = {{ \"OK\" = \"success\" }}\nworkload_map = {{ \"Mail\" = \"exchange\" }}\ndate_format = \"%d.%m.%Y %H:%M\"\nutc_offset = \"+01:00\"\ndelimiter = \";\"\n"
        ),
    )];
    let client = |extra: &str| vec![("client.toml", format!("{CLIENT_TOML}\n{extra}\n"))];
    let weakens = |s| C(s, Effect::Weakens);
    Some(match (file, key) {
        ("client.toml", "name") => (client(""), N("client.name")),
        ("client.toml", "tenant_id") => (client(""), N("client.tenant_id")),
        ("client.toml", "domains") => (client(""), N("client.domains")),
        ("client.toml", "branding.accent") => (
            client("[branding]\naccent = \"#aa0000\""),
            N("client.branding.accent"),
        ),
        ("client.toml", "branding.logo") => (
            client("[branding]\nlogo = \"logo.svg\""),
            N("client.branding.logo"),
        ),
        ("client.toml", "publishing.enabled") => (
            client("[publishing]\nenabled = false"),
            weakens("client.publishing.enabled"),
        ),
        ("raci.toml", "activity[].id") => (raci(one_r_one_a), N("everything")),
        ("raci.toml", "activity[].name") => (raci(one_r_one_a), N("everything.name")),
        ("raci.toml", "activity[].consulted") => (
            raci(&format!("{one_r_one_a}\nconsulted = [\"C\"]")),
            N("everything.consulted"),
        ),
        ("raci.toml", "activity[].informed") => (
            raci(&format!("{one_r_one_a}\ninformed = [\"I\"]")),
            N("everything.informed"),
        ),
        ("raci.toml", "activity[].responsible") => (
            raci("responsible = []\naccountable = [\"A\"]"),
            weakens("everything.responsible"),
        ),
        ("raci.toml", "activity[].accountable") => (
            raci("responsible = [\"R\"]\naccountable = []"),
            weakens("everything.accountable"),
        ),
        ("raci.toml", "activity[].controls") => (
            vec![(
                "raci.toml",
                "[[activity]]\nid = \"id\"\nname = \"Identity\"\nresponsible = [\"R\"]\naccountable = [\"A\"]\ncontrols = [\"identity.*\"]\n".to_owned(),
            )],
            weakens("controls"),
        ),
        ("controls.toml", "identity.model") => (
            vec![(
                "controls.toml",
                "[identity]\nmodel = \"security_defaults\"\n".to_owned(),
            )],
            weakens("identity.model"),
        ),
        ("controls.toml", "identity.pim") => (
            vec![("controls.toml", "[identity]\npim = false\n".to_owned())],
            weakens("identity.pim"),
        ),
        ("controls.toml", "access.break_glass") => (
            controls("[access]\nbreak_glass = [\"mallory@evil.example\"]\n"),
            weakens("mallory@evil.example"),
        ),
        ("controls.toml", "access.privileged_roles") => (
            controls("[access]\nprivileged_roles = [\"Teams Administrator\"]\n"),
            C("Teams Administrator", Effect::Strengthens),
        ),
        ("controls.toml", "thresholds.*.*") => (
            controls("[thresholds]\n\"access.global-admin-count\" = { max = 9 }\n"),
            weakens("access.global-admin-count.max"),
        ),
        (
            "controls.toml",
            "approved_assignment[].principal"
            | "approved_assignment[].role"
            | "approved_assignment[].assignment",
        ) => (approved, weakens("mallory@evil.example: Global Administrator")),
        ("controls.toml", k) if k.starts_with("waiver[].") => {
            (waiver, weakens("identity.mfa-users"))
        }
        ("controls.toml", k) if k.starts_with("disabled[].") => {
            (disabled, weakens("identity.ca-block-legacy-auth"))
        }
        ("backup.toml", "*.in_scope") => (
            backup("in_scope = false\nreason = \"on premises\""),
            weakens("exchange.in_scope"),
        ),
        ("backup.toml", "*.reason") => (
            backup("in_scope = true\nreason = \"was on premises until 2026\""),
            N("exchange.reason"),
        ),
        ("backup.toml", "*.scope") => (
            backup("in_scope = true\nscope = \"selected\""),
            weakens("exchange.scope"),
        ),
        ("backup.toml", "*.frequency") => (
            backup("in_scope = true\nfrequency = \"2d\""),
            weakens("exchange.frequency"),
        ),
        ("backup.toml", "*.retention") => (
            backup("in_scope = true\nretention = \"30d\""),
            weakens("exchange.retention"),
        ),
        ("backup.toml", "*.rpo") => (
            backup("in_scope = true\nrpo = \"48h\""),
            weakens("exchange.rpo"),
        ),
        ("backup.toml", "*.rto") => (
            backup("in_scope = true\nrto = \"4d\""),
            weakens("exchange.rto"),
        ),
        ("backup.toml", "*.restore_test_cadence") => (
            backup("in_scope = true\nrestore_test_cadence = \"1y\""),
            weakens("exchange.restore_test_cadence"),
        ),
        ("backup.toml", "*.provider") => (
            backup("in_scope = true\nprovider = \"Acme Cloud Backup\""),
            N("exchange.provider"),
        ),
        ("backup.toml", "*.encryption") => (
            backup("in_scope = true\nencryption = \"AES-256\""),
            N("exchange.encryption"),
        ),
        ("backup.toml", "*.storage_location") => (
            backup("in_scope = true\nstorage_location = \"EU\""),
            N("exchange.storage_location"),
        ),
        ("backup.toml", "*.owner") => (
            backup("in_scope = true\nowner = \"MSP Backup Team\""),
            N("exchange.owner"),
        ),
        ("backup.toml", "*.scope_note") => (
            backup("in_scope = true\nscope_note = \"every mailbox\""),
            N("exchange.scope_note"),
        ),
        ("backup.toml", "*.known_gaps") => (
            backup("in_scope = true\nknown_gaps = [\"shared mailboxes\"]"),
            weakens("exchange.known_gaps"),
        ),
        ("backup.toml", "*.veeam_jobs") => (
            backup("in_scope = true\nveeam_jobs = [\"EXO nightly\"]"),
            weakens("exchange.veeam_jobs"),
        ),
        ("backup.toml", k) if k.starts_with("csv.") => (csv, weakens("csv")),
        ("backup.toml", "retention.legal_minimum") => (
            vec![(
                "backup.toml",
                format!("{NEW_BACKUP}legal_minimum = \"7y\"\n"),
            )],
            C("retention.legal_minimum", Effect::Strengthens),
        ),
        ("backup.toml", "retention.relies_on_backup") => (
            vec![(
                "backup.toml",
                "[retention]\nrelies_on_backup = true\n".to_owned(),
            )],
            weakens("retention.relies_on_backup"),
        ),
        ("backup.toml", "retention.compliance_location") => (
            vec![(
                "backup.toml",
                format!("{NEW_BACKUP}compliance_location = \"Purview\"\n"),
            )],
            C("retention.compliance_location", Effect::Strengthens),
        ),
        _ => return None,
    })
}

#[test]
fn every_key_a_new_client_sets_is_compared_with_its_reference() {
    for (file, key, _) in KEYS {
        let Some((files, shows)) = new_client_case(file, key) else {
            panic!(
                "KEYS row {file} {key}: no new-client case in diff::tests::new_client_case (what does a new client setting it show?)"
            );
        };
        let refs: Vec<(&str, &str)> = files.iter().map(|(f, t)| (*f, t.as_str())).collect();
        let h = new_client(&refs);
        // The case really sets the key.
        let set = keys::values(&h, &format!("clients/newco/{file}"), file);
        assert!(
            set.contains_key(*key) || set.contains_key(&format!("{key}.*")),
            "the case of {file} {key} does not set it: {set:?}"
        );
        let d = diff_policies("newco", None, Some(&h), today());
        assert!(
            d.changes.iter().all(|c| c.area != "unclassified"),
            "{file} {key}: {:#?}",
            d.changes
        );
        match shows {
            Shows::Change(subject, effect) => {
                let found: Vec<&Change> = d
                    .changes
                    .iter()
                    .filter(|c| c.subject == subject && c.effect == effect)
                    .collect();
                assert!(
                    !found.is_empty(),
                    "{file} {key}: no {effect} change of {subject}: {:#?}",
                    d.changes
                );
                assert!(found.iter().all(|c| c.reason.ends_with(" [new client]")));
            }
            Shows::Nothing(subject) => {
                assert!(
                    d.changes.iter().all(|c| c.subject != subject),
                    "{file} {key}: {:#?}",
                    d.changes
                );
                assert!(
                    !any_unjustified_weakening(std::slice::from_ref(&d)),
                    "{file} {key}: {:#?}",
                    d.changes
                );
            }
        }
    }
}

/// Issue d_newclient2 (red team): a copy of a client added with two extra break-glass
/// accounts, an active Global Administrator approved for an outsider, Exchange out of
/// scope, `scope = "selected"` and a 365-day RPO read "client added: neutral" only.
#[test]
fn regression_new_client_with_weakened_settings_was_listed_as_neutral_only() {
    let controls = edit(
        CONTROLS_TOML,
        "break_glass = [\"bg1@acme.onmicrosoft.com\", \"bg2@acme.onmicrosoft.com\"]",
        "break_glass = [\"ceo@contoso.example\", \"mallory@evil.example\"]",
    );
    let controls = format!(
        "{controls}\n[[approved_assignment]]\nprincipal = \"mallory@evil.example\"\nrole = \"Global Administrator\"\nassignment = \"active\"\n"
    );
    let backup = edit(
        &edit(
            &edit(BACKUP_TOML, "scope = \"all\"", "scope = \"selected\""),
            "rpo = \"24h\"",
            "rpo = \"365d\"",
        ),
        "[teams]\nin_scope = false",
        "[teams]\nin_scope = true",
    );
    let h = policy_of(
        "contoso",
        &[("controls.toml", &controls), ("backup.toml", &backup)],
    );
    let d = diff_policies("contoso", None, Some(&h), today());
    for subject in [
        "ceo@contoso.example",
        "mallory@evil.example",
        "mallory@evil.example: Global Administrator",
        "exchange.scope",
        "exchange.rpo",
        "onedrive.in_scope",
    ] {
        let c = not_waiver(&d, subject);
        assert_eq!(c.effect, Effect::Weakens, "{c:#?}");
        assert!(!c.justified);
    }
    assert!(any_unjustified_weakening(&[d]));
}
