//! One test per classification rule (named after it in the module docs), justification,
//! the renderers, and the effect on a fixture's evidence.

use super::*;
use crate::controls::testing::{BACKUP_TOML, CLIENT_TOML, CONTROLS_TOML, Fx, RACI_TOML};
use crate::policy::{PolicySource, load_policy};
use std::collections::HashMap;

/// Policy files held in memory, as `history` serves them from git objects.
struct Mem(HashMap<String, String>);

impl PolicySource for Mem {
    fn read(&self, rel_path: &str) -> Result<Option<String>, String> {
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
    load_policy(&Mem(m), &id).unwrap_or_else(|d| panic!("test policy does not load: {d:#?}"))
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

fn diff(b: &Policy, h: &Policy) -> ClientDiff {
    diff_policies("acme", Some(b), Some(h))
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
fn backup_known_gaps_added_weaken_removed_strengthen() {
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
    assert_eq!(only(&diff(&gap, &base())).effect, Effect::Strengthens);
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
fn break_glass_added_or_removed_is_neutral() {
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
    assert_eq!(c.effect, Effect::Neutral);
    assert!(
        c.reason
            .starts_with("break-glass account bg3@acme.onmicrosoft.com added: neutral ("),
        "{}",
        c.reason
    );
    assert_eq!(c.line, Some(line_of(&three, "break_glass")));
    let d = diff(&h, &base());
    let c = only(&d);
    assert_eq!(c.effect, Effect::Neutral);
    assert!(c.reason.contains("removed: neutral"), "{}", c.reason);
}

#[test]
fn approved_assignment_active_added_weakens_eligible_added_is_neutral() {
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
    assert_eq!(only(&d).effect, Effect::Neutral);
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
    let p = base();
    let d = diff_policies("acme", None, Some(&p));
    assert_eq!(d.kind, "added");
    let c = only(&d);
    assert_eq!(c.area, "client");
    assert_eq!(c.effect, Effect::Neutral);
    assert_eq!(c.file, "clients/acme/client.toml");

    let d = diff_policies("acme", Some(&p), None);
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

fn backup_text_with_retention(r: &str) -> String {
    edit(
        BACKUP_TOML,
        "retention = \"1y\"",
        &format!("retention = \"{r}\""),
    )
}

#[test]
fn a_weakening_is_justified_by_a_waiver_added_in_its_domain() {
    let h = policy(&[
        ("backup.toml", &backup_text_with_retention("90d")),
        (
            "controls.toml",
            &controls_with(&waiver("backup.exchange.rpo", "2026-12-31", "CHG-7")),
        ),
    ]);
    let d = diff(&base(), &h);
    let r = one(&d, "exchange.retention");
    assert_eq!(r.effect, Effect::Weakens);
    assert!(r.justified);
    assert_eq!(
        r.justified_by.as_deref(),
        Some("waiver CHG-7 for backup.exchange.rpo")
    );
    // The waiver itself accepts its risk with a reason and ticket: justified too.
    let w = one(&d, "backup.exchange.rpo");
    assert!(w.justified);
    assert_eq!(d.unjustified(), 0);
}

#[test]
fn a_weakening_is_not_justified_by_a_waiver_elsewhere_or_unchanged() {
    // A waiver in another domain.
    let h = policy(&[
        ("backup.toml", &backup_text_with_retention("90d")),
        (
            "controls.toml",
            &controls_with(&waiver("identity.mfa-users", "2026-12-31", "CHG-7")),
        ),
    ]);
    let d = diff(&base(), &h);
    assert!(!one(&d, "exchange.retention").justified);

    // A waiver in the domain that this diff does not touch.
    let w = controls_with(&waiver("backup.exchange.rpo", "2026-12-31", "CHG-7"));
    let b = policy(&[("controls.toml", &w)]);
    let h = policy(&[
        ("controls.toml", &w),
        ("backup.toml", &backup_text_with_retention("90d")),
    ]);
    let d = diff(&b, &h);
    assert!(!only(&d).justified);
    assert!(any_unjustified_weakening(&[d]));

    // A waiver of the domain whose expiry changed in this diff does justify.
    let h = policy(&[
        (
            "controls.toml",
            &controls_with(&waiver("backup.exchange.rpo", "2026-12-20", "CHG-7")),
        ),
        ("backup.toml", &backup_text_with_retention("90d")),
    ]);
    let d = diff(&b, &h);
    assert!(one(&d, "exchange.retention").justified);
    assert!(!any_unjustified_weakening(&[d]), "shortening strengthens");
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
    let mut acme = diff_policies("acme", Some(&b), Some(&h));
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
        diff_policies("contoso", None, Some(&contoso)),
        diff_policies("fabrikam", Some(&fabrikam), None),
        diff_policies("globex", Some(&globex), Some(&globex)),
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
    assert_eq!(retention["justified"], true);
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
    let b = load_policy(&tree, &id).expect("fixture policy loads");
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
