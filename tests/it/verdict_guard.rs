//! The guard against false passes as a class (issue 14, item 8): over the sample
//! repository and small generated tenants, evidence taken away — a file deleted, an item
//! removed from a collection that says how many items it holds — never turns a result
//! that was not `pass` into `pass`, and a Conditional Access policy narrowed by any
//! exclusion or condition never turns a result that was not `pass` into `pass` either.
//!
//! What the guard cannot hold: an item silently dropped from a collection that carries no
//! `@odata.count` (or a row from `backup-jobs.csv`) looks exactly like a complete export
//! with one item fewer, so no control can tell. Those removals are caught only by the
//! manifest's sha256 (`evidence.snapshot-complete` fails), which the last test checks.
//!
//! Cheap mutations are enumerated; the rest are sampled with proptest from a fixed seed
//! (`PROPTEST_RNG_SEED=<n>` explores others). The number of cases run is printed.

use custody::client_id::ClientId;
use custody::evaluate::{Months, evaluate_client};
use custody::scorecard::Status;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::support::gen_repo;

const ITEM_REMOVAL_CASES: u32 = 160;
const SILENT_REMOVAL_CASES: u32 = 60;

/// One client's latest month in a repository of its own (a temporary copy).
struct Base {
    root: PathBuf,
    id: ClientId,
    month_dir: PathBuf,
    /// The month folder relative to the repository, as the manifest and messages name it.
    before: BTreeMap<String, Status>,
}

impl Base {
    fn label(&self) -> String {
        format!("{} ({})", self.id, self.root.display())
    }

    fn statuses(&self) -> BTreeMap<String, Status> {
        statuses(&self.root, &self.id)
    }

    /// Every evidence file of the month, relative to the month folder, in a stable order.
    fn files(&self) -> Vec<String> {
        let mut out: Vec<String> = walkdir::WalkDir::new(&self.month_dir)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .filter_map(|e| {
                e.path()
                    .strip_prefix(&self.month_dir)
                    .ok()
                    .map(|p| p.to_string_lossy().into_owned())
            })
            .collect();
        out.sort();
        out
    }

    fn read(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.month_dir.join(rel)).expect("read evidence file")
    }

    fn write(&self, rel: &str, bytes: &[u8]) {
        std::fs::write(self.month_dir.join(rel), bytes).expect("write evidence file");
    }

    /// Writes `bytes` to `rel` and records its new sha256 in the manifest, as if the
    /// collector had saved it so: the change is then visible only through the data
    /// itself, never through a hash mismatch. Returns the originals to restore.
    fn reseal(&self, rel: &str, bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut saved = vec![(rel.to_owned(), self.read(rel))];
        self.write(rel, bytes);
        if rel != "manifest.json" && self.month_dir.join("manifest.json").is_file() {
            let original = self.read("manifest.json");
            let mut manifest: Value = serde_json::from_slice(&original).expect("manifest");
            set_hash(&mut manifest, rel, &custody::evidence::sha256_hex(bytes));
            self.write(
                "manifest.json",
                &serde_json::to_vec_pretty(&manifest).expect("serialize manifest"),
            );
            saved.push(("manifest.json".to_owned(), original));
        }
        saved
    }

    fn restore(&self, saved: Vec<(String, Vec<u8>)>) {
        for (rel, bytes) in saved {
            self.write(&rel, &bytes);
        }
    }
}

/// The manifest names a file's hash either in an endpoint entry (`{"file", "sha256"}`) or
/// in a map from file name to hash; both are updated.
fn set_hash(v: &mut Value, rel: &str, hash: &str) {
    match v {
        Value::Object(map) => {
            let names_it = map.get("file").and_then(Value::as_str) == Some(rel);
            for (k, item) in map.iter_mut() {
                if (names_it && k == "sha256") || (k == rel && item.is_string()) {
                    *item = Value::String(hash.to_owned());
                } else {
                    set_hash(item, rel, hash);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| set_hash(i, rel, hash)),
        _ => {}
    }
}

fn statuses(root: &Path, id: &ClientId) -> BTreeMap<String, Status> {
    let run = evaluate_client(root, id, Months::Latest, &|_, _| {
        custody::evaluate::working_tree_policy(root, id)
    });
    let card = run
        .scorecards
        .last()
        .unwrap_or_else(|| panic!("{id}: no scorecard: {:?}", run.diags));
    card.results
        .iter()
        .map(|r| (r.control.clone(), r.status))
        .collect()
}

/// The bases: every sample client's latest month, and two small generated tenants.
/// Each test gets its own copies, so tests mutate files in parallel without meeting.
fn bases(dir: &Path) -> Vec<Base> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sample = dir.join("sample");
    for sub in ["clients", "evidence"] {
        crate::support::files::copy_tree(&src.join(sub), &sample.join(sub));
    }
    let generated = dir.join("generated");
    gen_repo::generate(&gen_repo::GenOptions {
        out: generated.clone(),
        clients: 2,
        months: 2,
        seed: 14,
        users: None,
        max_users: 40,
        last_month: (2026, 11),
    })
    .expect("generator runs");
    // The fixture tenant, healthy, and at the edge: one user without MFA registration
    // keeps identity.mfa-users one record away from a pass.
    let fixture = dir.join("fixture");
    let fx = custody::controls::testing::Fx::new().with_prev();
    fx.write_to(&fixture, "acme");
    let registrations = custody::controls::testing::default_graph()
        .remove("userRegistrationDetails.json")
        .expect("registrations")
        .replace(
            r#""bob@acme.example","isAdmin":false,"isMfaRegistered":true"#,
            r#""bob@acme.example","isAdmin":false,"isMfaRegistered":false"#,
        );
    assert!(registrations.contains(r#""isMfaRegistered":false"#));
    fx.graph("userRegistrationDetails.json", &registrations)
        .write_to(&fixture, "edge");
    let mut out = Vec::new();
    for root in [sample, generated, fixture] {
        let mut ids: Vec<String> = std::fs::read_dir(root.join("clients"))
            .expect("clients/")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        ids.sort();
        for id in ids {
            let id = ClientId::parse(&id).expect("client id");
            let month = *custody::evidence::months(&root, &id)
                .last()
                .expect("a month of evidence");
            let month_dir = root.join(format!("evidence/{id}/{month}"));
            let before = statuses(&root, &id);
            out.push(Base {
                root: root.clone(),
                id,
                month_dir,
                before,
            });
        }
    }
    assert!(
        out.len() >= 5,
        "three sample clients and two generated ones"
    );
    out
}

/// The rule: a control that did not pass before the mutation does not pass after it.
fn false_passes(
    before: &BTreeMap<String, Status>,
    after: &BTreeMap<String, Status>,
) -> Vec<String> {
    before
        .iter()
        .filter(|(c, s)| **s != Status::Pass && after.get(*c) == Some(&Status::Pass))
        .map(|(c, s)| format!("{c}: {s:?} -> Pass"))
        .collect()
}

fn runner(cases: u32) -> TestRunner {
    let defaults = Config::default();
    // A fixed seed, so a CI failure reproduces locally; PROPTEST_RNG_SEED=<n> explores others.
    let rng_seed = if std::env::var_os("PROPTEST_RNG_SEED").is_some() {
        defaults.rng_seed
    } else {
        RngSeed::Fixed(20_261_114)
    };
    TestRunner::new(Config {
        cases,
        rng_seed,
        failure_persistence: None,
        ..defaults
    })
}

/// Whether a control outside the evidence domain changed: the evidence controls react to
/// almost any mutation, so they alone would make every case look exercised.
fn moved(before: &BTreeMap<String, Status>, after: &BTreeMap<String, Status>) -> bool {
    before
        .iter()
        .any(|(c, s)| !c.starts_with("evidence.") && after.get(c) != Some(s))
}

/// Prints past libtest's capture, so the count shows in every `cargo test` run.
fn report(what: &str, cases: usize, changed: usize) {
    let _ = writeln!(
        std::io::stdout(),
        "verdict guard: {what}: {cases} cases ({changed} changed a control outside the evidence domain, none to a pass)"
    );
    // A guard whose mutations never move anything proves nothing.
    assert!(
        cases > 0 && changed > 0,
        "{what}: {cases} cases, {changed} changed"
    );
}

#[test]
fn deleting_any_evidence_file_never_turns_a_result_into_a_pass() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bases = bases(dir.path());
    let (mut cases, mut changed) = (0, 0);
    let mut found = Vec::new();
    for base in &bases {
        for rel in base.files() {
            let original = base.read(&rel);
            std::fs::remove_file(base.month_dir.join(&rel)).expect("delete");
            let after = base.statuses();
            base.write(&rel, &original);
            cases += 1;
            changed += usize::from(moved(&base.before, &after));
            for f in false_passes(&base.before, &after) {
                found.push(format!("{}: {rel} deleted: {f}", base.label()));
            }
        }
    }
    assert!(found.is_empty(), "false passes:\n{}", found.join("\n"));
    report("evidence file deleted", cases, changed);
}

/// Every Graph collection of the month with at least one item: `(file, item count)`.
fn collections(base: &Base) -> Vec<(String, usize)> {
    base.files()
        .into_iter()
        .filter(|f| f.ends_with(".json") && f != "manifest.json")
        .filter_map(|f| {
            let doc: Value = serde_json::from_slice(&base.read(&f)).ok()?;
            let n = doc.get("value")?.as_array()?.len();
            (n > 0).then_some((f, n))
        })
        .collect()
}

/// Item `i` removed from a collection that declares its full size in `@odata.count`
/// (added with the original size where the export had none): the removal is then
/// detectable, and the collection is incomplete evidence, never a smaller truth.
#[test]
fn removing_an_item_from_a_counted_collection_never_turns_a_result_into_a_pass() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bases = bases(dir.path());
    let targets: Vec<(usize, String, usize)> = bases
        .iter()
        .enumerate()
        .flat_map(|(b, base)| collections(base).into_iter().map(move |(f, n)| (b, f, n)))
        .collect();
    let changed = std::cell::Cell::new(0);
    runner(ITEM_REMOVAL_CASES)
        .run(&(0..targets.len(), 0.0..1.0f64), |(t, at)| {
            let (b, rel, n) = &targets[t];
            let base = &bases[*b];
            let mut doc: Value = serde_json::from_slice(&base.read(rel)).expect("json");
            let i = ((at * *n as f64) as usize).min(n - 1);
            if let Some(items) = doc.get_mut("value").and_then(Value::as_array_mut) {
                items.remove(i);
            }
            doc["@odata.count"] = json!(n);
            let saved = base.reseal(rel, &serde_json::to_vec(&doc).expect("serialize"));
            let after = base.statuses();
            base.restore(saved);
            changed.set(changed.get() + usize::from(moved(&base.before, &after)));
            let mut found = false_passes(&base.before, &after);
            // Detectable incompleteness is named by the completeness control itself.
            if after.get("evidence.snapshot-complete") == Some(&Status::Pass) {
                found.push("evidence.snapshot-complete still passes".to_owned());
            }
            if found.is_empty() {
                Ok(())
            } else {
                Err(TestCaseError::fail(format!(
                    "{}: item {i} of {n} removed from {rel}: {}",
                    base.label(),
                    found.join("; ")
                )))
            }
        })
        .unwrap_or_else(|e| panic!("{e}"));
    report(
        "item removed from a counted collection",
        ITEM_REMOVAL_CASES as usize,
        changed.get(),
    );
}

/// One way to narrow a Conditional Access policy: an exclusion, a condition that limits
/// where it applies, a weaker grant, or a state that stops enforcing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Narrowing {
    ExcludeUser,
    ExcludeGroup,
    ExcludeRole,
    ExcludeApplication,
    ExcludeTrustedLocations,
    ExcludePlatform,
    ExcludeGuests,
    NarrowClientAppTypes,
    NarrowIncludedUsers,
    NarrowIncludedApplications,
    SignInRisk,
    UserRisk,
    AuthenticationFlows,
    DeviceFilterExclude,
    DeviceFilterInclude,
    ReportOnly,
    Disabled,
    GrantAlternative,
}

const NARROWINGS: [Narrowing; 18] = [
    Narrowing::ExcludeUser,
    Narrowing::ExcludeGroup,
    Narrowing::ExcludeRole,
    Narrowing::ExcludeApplication,
    Narrowing::ExcludeTrustedLocations,
    Narrowing::ExcludePlatform,
    Narrowing::ExcludeGuests,
    Narrowing::NarrowClientAppTypes,
    Narrowing::NarrowIncludedUsers,
    Narrowing::NarrowIncludedApplications,
    Narrowing::SignInRisk,
    Narrowing::UserRisk,
    Narrowing::AuthenticationFlows,
    Narrowing::DeviceFilterExclude,
    Narrowing::DeviceFilterInclude,
    Narrowing::ReportOnly,
    Narrowing::Disabled,
    Narrowing::GrantAlternative,
];

/// Global Administrator's role template id.
const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
/// Office 365 Exchange Online's application id.
const EXCHANGE_ONLINE: &str = "00000002-0000-0ff1-ce00-000000000000";

/// `obj[key]` as an array (created, or replacing a `null`), with `item` appended.
fn push(obj: &mut Value, key: &str, item: Value) {
    if !obj.is_object() {
        *obj = json!({});
    }
    let slot = &mut obj[key];
    if !slot.is_array() {
        *slot = json!([]);
    }
    if let Some(a) = slot.as_array_mut() {
        a.push(item);
    }
}

/// Applies `n` to `policy`; `user` is a user id of the tenant. Returns false where the
/// narrowing does not change this policy (already so), which is then not a case.
fn narrow(policy: &mut Value, n: Narrowing, user: &str) -> bool {
    let before = policy.clone();
    let cond = &mut policy["conditions"];
    match n {
        Narrowing::ExcludeUser => push(&mut cond["users"], "excludeUsers", json!(user)),
        Narrowing::ExcludeGroup => push(
            &mut cond["users"],
            "excludeGroups",
            json!("9f3c1d2e-0000-4000-8000-00000000c0de"),
        ),
        Narrowing::ExcludeRole => push(&mut cond["users"], "excludeRoles", json!(GLOBAL_ADMIN)),
        Narrowing::ExcludeApplication => push(
            &mut cond["applications"],
            "excludeApplications",
            json!(EXCHANGE_ONLINE),
        ),
        Narrowing::ExcludeTrustedLocations => {
            let loc = &mut cond["locations"];
            if !loc.is_object() || loc["includeLocations"].as_array().is_none_or(Vec::is_empty) {
                *loc = json!({"includeLocations": ["All"], "excludeLocations": []});
            }
            push(loc, "excludeLocations", json!("AllTrusted"));
        }
        Narrowing::ExcludePlatform => {
            let p = &mut cond["platforms"];
            if !p.is_object() || p["includePlatforms"].as_array().is_none_or(Vec::is_empty) {
                *p = json!({"includePlatforms": ["all"], "excludePlatforms": []});
            }
            push(p, "excludePlatforms", json!("iOS"));
        }
        Narrowing::ExcludeGuests => {
            cond["users"]["excludeGuestsOrExternalUsers"] = json!({
                "guestOrExternalUserTypes": "internalGuest,b2bCollaborationGuest,b2bCollaborationMember,b2bDirectConnectUser,otherExternalUser,serviceProvider",
                "externalTenants": {
                    "@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants",
                    "membershipKind": "all"
                }
            });
        }
        Narrowing::NarrowClientAppTypes => {
            let types: Vec<Value> = cond["clientAppTypes"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            cond["clientAppTypes"] = if types.is_empty() || types.iter().any(|t| t == "all") {
                json!(["browser"])
            } else if types.len() > 1 {
                json!(types[..types.len() - 1])
            } else {
                return false;
            };
        }
        Narrowing::NarrowIncludedUsers => {
            cond["users"]["includeUsers"] = json!([user]);
            cond["users"]["includeGroups"] = json!([]);
            cond["users"]["includeRoles"] = json!([]);
        }
        Narrowing::NarrowIncludedApplications => {
            cond["applications"]["includeApplications"] = json!([EXCHANGE_ONLINE]);
        }
        Narrowing::SignInRisk => cond["signInRiskLevels"] = json!(["high"]),
        Narrowing::UserRisk => cond["userRiskLevels"] = json!(["high"]),
        Narrowing::AuthenticationFlows => {
            cond["authenticationFlows"] = json!({"transferMethods": "deviceCodeFlow"});
        }
        Narrowing::DeviceFilterExclude => {
            cond["devices"] = json!({"deviceFilter": {"mode": "exclude", "rule": "device.trustType -eq \"ServerAD\""}});
        }
        Narrowing::DeviceFilterInclude => {
            cond["devices"] = json!({"deviceFilter": {"mode": "include", "rule": "device.operatingSystem -eq \"Windows\""}});
        }
        Narrowing::ReportOnly => policy["state"] = json!("enabledForReportingButNotEnforced"),
        Narrowing::Disabled => policy["state"] = json!("disabled"),
        Narrowing::GrantAlternative => {
            let g = &mut policy["grantControls"];
            if !g.is_object() {
                return false;
            }
            // "MFA or a compliant device" no longer requires MFA.
            g["operator"] = json!("OR");
            push(g, "builtInControls", json!("compliantDevice"));
        }
    }
    *policy != before
}

/// The ids of the month's users (from `graph/users.json`), for exclusions.
fn user_ids(base: &Base) -> Vec<String> {
    serde_json::from_slice::<Value>(&base.read("graph/users.json"))
        .ok()
        .and_then(|d| d.get("value")?.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|u| u.get("id")?.as_str().map(str::to_owned))
        .collect()
}

/// Every narrowing of every CA policy of every base, each with a user drawn from the
/// tenant (from a fixed seed): a CA policy made narrower never turns a non-pass into a
/// pass (so in particular never a fail into a pass).
#[test]
fn narrowing_any_ca_policy_never_turns_a_result_into_a_pass() {
    const CA: &str = "graph/conditionalAccessPolicies.json";
    let dir = tempfile::tempdir().expect("tempdir");
    let bases = bases(dir.path());
    let mut rng = runner(1).new_rng();
    let (mut cases, mut changed, mut fail_cases) = (0, 0, 0);
    let mut found = Vec::new();
    for base in bases.iter().filter(|b| b.month_dir.join(CA).is_file()) {
        let users = user_ids(base);
        let original: Value = serde_json::from_slice(&base.read(CA)).expect("CA json");
        let n = original["value"].as_array().map_or(0, Vec::len);
        for p in 0..n {
            for k in NARROWINGS {
                let user = if users.is_empty() {
                    "00000000-0000-4000-8000-000000000001".to_owned()
                } else {
                    users[rng.random_range(0..users.len())].clone()
                };
                let mut doc = original.clone();
                if !narrow(&mut doc["value"][p], k, &user) {
                    continue;
                }
                let saved = base.reseal(CA, &serde_json::to_vec(&doc).expect("serialize"));
                let after = base.statuses();
                base.restore(saved);
                cases += 1;
                changed += usize::from(moved(&base.before, &after));
                fail_cases += usize::from(base.before.values().any(|s| *s == Status::Fail));
                for f in false_passes(&base.before, &after) {
                    if cannot_falsely_pass(f.split(':').next().unwrap_or_default(), k) {
                        continue;
                    }
                    let name = original["value"][p]["displayName"].as_str().unwrap_or("?");
                    found.push(format!(
                        "{}: policy {p} ({name:?}) {k:?}: {f}",
                        base.label()
                    ));
                }
            }
        }
    }
    assert!(found.is_empty(), "false passes:\n{}", found.join("\n"));
    assert!(fail_cases > 0, "no base had a failing control to guard");
    report("CA policy narrowed", cases, changed);
}

/// Narrowings that cannot make a false pass of a control, by what the control asks:
/// `identity.break-glass-excluded-everywhere` asks that no enforcing policy reaches the
/// break-glass accounts, so a narrower, report-only or disabled policy can only help it;
/// and a risk level or an authentication flow is the very condition the risk and
/// device-code controls look for, not a narrowing of it.
fn cannot_falsely_pass(control: &str, k: Narrowing) -> bool {
    match control {
        "identity.break-glass-excluded-everywhere" => true,
        "identity.ca-block-high-risk-sign-ins" => k == Narrowing::SignInRisk,
        "identity.ca-block-high-risk-users" => k == Narrowing::UserRisk,
        "identity.ca-block-device-code-flow" => k == Narrowing::AuthenticationFlows,
        _ => false,
    }
}

/// The users a narrowing may exclude without making the policy narrower than the
/// control allows: the declared break-glass accounts (by object id or UPN).
fn break_glass_ids(base: &Base) -> Vec<String> {
    let (policy, _) = custody::evaluate::working_tree_policy(&base.root, &base.id).expect("policy");
    let declared: Vec<String> = policy
        .controls
        .break_glass
        .iter()
        .map(|(d, _)| d.to_ascii_lowercase())
        .collect();
    serde_json::from_slice::<Value>(&base.read("graph/users.json"))
        .ok()
        .and_then(|d| d.get("value")?.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter(|u| {
            ["id", "userPrincipalName"].iter().any(|k| {
                u.get(*k)
                    .and_then(Value::as_str)
                    .is_some_and(|v| declared.contains(&v.to_ascii_lowercase()))
            })
        })
        .filter_map(|u| u.get("id")?.as_str().map(str::to_owned))
        .collect()
}

fn enabled_guests(base: &Base) -> usize {
    serde_json::from_slice::<Value>(&base.read("graph/users.json"))
        .ok()
        .and_then(|d| d.get("value")?.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter(|u| {
            u["userType"]
                .as_str()
                .is_some_and(|t| t.eq_ignore_ascii_case("guest"))
                && u["accountEnabled"] != json!(false)
        })
        .count()
}

/// The stronger reading: when every CA policy of the tenant is narrowed the same way, no
/// Conditional Access control may pass, since no policy applies to every sign-in any more.
/// The reasoned exceptions: excluding a break-glass account is what the controls allow
/// (so the excluded user is never one), and excluding guests narrows nothing in a tenant
/// without enabled guests.
#[test]
fn every_ca_policy_narrowed_leaves_no_ca_control_passing() {
    const CA: &str = "graph/conditionalAccessPolicies.json";
    let dir = tempfile::tempdir().expect("tempdir");
    let bases = bases(dir.path());
    let mut rng = runner(1).new_rng();
    let (mut cases, mut changed) = (0, 0);
    let mut found = Vec::new();
    for base in bases.iter().filter(|b| b.month_dir.join(CA).is_file()) {
        let exempt = break_glass_ids(base);
        let users: Vec<String> = user_ids(base)
            .into_iter()
            .filter(|u| !exempt.contains(u))
            .collect();
        let guests = enabled_guests(base);
        let original: Value = serde_json::from_slice(&base.read(CA)).expect("CA json");
        let n = original["value"].as_array().map_or(0, Vec::len);
        for k in NARROWINGS {
            if k == Narrowing::ExcludeGuests && guests == 0 {
                continue;
            }
            let user = users[rng.random_range(0..users.len())].clone();
            let mut doc = original.clone();
            let mut any = false;
            for p in 0..n {
                any |= narrow(&mut doc["value"][p], k, &user);
            }
            if !any {
                continue;
            }
            let saved = base.reseal(CA, &serde_json::to_vec(&doc).expect("serialize"));
            let after = base.statuses();
            base.restore(saved);
            cases += 1;
            changed += usize::from(moved(&base.before, &after));
            for (c, s) in &after {
                if c.starts_with("identity.ca-") && *s == Status::Pass && !cannot_falsely_pass(c, k)
                {
                    found.push(format!(
                        "{}: every policy {k:?}: {c} still passes",
                        base.label()
                    ));
                }
            }
        }
    }
    assert!(found.is_empty(), "false passes:\n{}", found.join("\n"));
    report("every CA policy narrowed", cases, changed);
}

/// The limit of the guard, held where it can be: an item dropped from a collection without
/// `@odata.count`, or a row dropped from `backup-jobs.csv`, looks like a complete export
/// (so the controls reading it may pass on it), but the file no longer matches the sha256
/// the collector recorded, and `evidence.snapshot-complete` never passes on it.
#[test]
fn a_silently_dropped_item_or_row_never_passes_the_snapshot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bases = bases(dir.path());
    // (base, file, items): Graph collections without a count, and CSV data rows.
    let mut targets: Vec<(usize, String, usize)> = Vec::new();
    for (b, base) in bases.iter().enumerate() {
        for (f, n) in collections(base) {
            let doc: Value = serde_json::from_slice(&base.read(&f)).expect("json");
            if doc.get("@odata.count").is_none() {
                targets.push((b, f, n));
            }
        }
        let csv = "backup-jobs.csv";
        if base.month_dir.join(csv).is_file() {
            let rows = String::from_utf8_lossy(&base.read(csv)).lines().count();
            if rows > 1 {
                targets.push((b, csv.to_owned(), rows - 1));
            }
        }
    }
    runner(SILENT_REMOVAL_CASES)
        .run(&(0..targets.len(), 0.0..1.0f64), |(t, at)| {
            let (b, rel, n) = &targets[t];
            let base = &bases[*b];
            let original = base.read(rel);
            let i = ((at * *n as f64) as usize).min(n - 1);
            let bytes = if rel.ends_with(".csv") {
                let text = String::from_utf8_lossy(&original).into_owned();
                let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
                lines.remove(i + 1); // the header stays
                lines.concat().into_bytes()
            } else {
                let mut doc: Value = serde_json::from_slice(&original).expect("json");
                if let Some(items) = doc.get_mut("value").and_then(Value::as_array_mut) {
                    items.remove(i);
                }
                serde_json::to_vec(&doc).expect("serialize")
            };
            base.write(rel, &bytes);
            let after = base.statuses();
            base.write(rel, &original);
            prop_assert_ne!(
                after.get("evidence.snapshot-complete"),
                Some(&Status::Pass),
                "{}: item {} of {} dropped from {}",
                base.label(),
                i,
                n,
                rel
            );
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let _ = writeln!(
        std::io::stdout(),
        "verdict guard: item or row silently dropped: {SILENT_REMOVAL_CASES} cases, every one failed evidence.snapshot-complete"
    );
}

/// The third detectable kind of removal: a record another file of the month refers to
/// (a user's registration record while users.json lists the user, a role definition an
/// assignment names, a user an assignment or a CA exclusion names). The collection is
/// resealed and carries no count, so only the dangling reference shows the gap. Up to
/// `PER_COLLECTION` referenced items per collection, spread evenly, are removed in turn.
#[test]
fn removing_a_record_another_file_refers_to_never_turns_a_result_into_a_pass() {
    const PER_COLLECTION: usize = 6;
    let dir = tempfile::tempdir().expect("tempdir");
    let bases = bases(dir.path());
    let (mut cases, mut changed) = (0, 0);
    let mut found = Vec::new();
    for base in &bases {
        let files = base.files();
        let texts: Vec<(String, String)> = files
            .iter()
            .filter(|f| *f != "manifest.json")
            .map(|f| {
                (
                    f.clone(),
                    String::from_utf8_lossy(&base.read(f)).to_lowercase(),
                )
            })
            .collect();
        for (rel, _) in collections(base) {
            let original = base.read(&rel);
            let doc: Value = serde_json::from_slice(&original).expect("json");
            let items = doc["value"].as_array().cloned().unwrap_or_default();
            // The item's own key: `id`, or `userPrincipalName` where ids are per-record.
            let referenced: Vec<usize> = items
                .iter()
                .enumerate()
                .filter(|(_, item)| {
                    let Some(id) = item.get("id").and_then(Value::as_str) else {
                        return false;
                    };
                    let id = id.to_lowercase();
                    id.len() >= 8
                        && texts
                            .iter()
                            .any(|(f, t)| *f != rel && t.contains(&format!("\"{id}\"")))
                })
                .map(|(i, _)| i)
                .collect();
            let stride = referenced.len().div_ceil(PER_COLLECTION).max(1);
            for &i in referenced.iter().step_by(stride) {
                let mut d = doc.clone();
                if let Some(a) = d["value"].as_array_mut() {
                    a.remove(i);
                }
                let saved = base.reseal(&rel, &serde_json::to_vec(&d).expect("serialize"));
                let after = base.statuses();
                base.restore(saved);
                cases += 1;
                changed += usize::from(moved(&base.before, &after));
                for f in false_passes(&base.before, &after) {
                    found.push(format!(
                        "{}: item {i} removed from {rel}: {f}",
                        base.label()
                    ));
                }
            }
        }
    }
    assert!(found.is_empty(), "false passes:\n{}", found.join("\n"));
    report("referenced record removed", cases, changed);
}

/// The guard has something to guard: the edge fixture fails identity.mfa-users by one
/// user, so a removal the controls did not detect would show as a pass.
#[test]
fn the_edge_fixture_is_one_record_from_a_pass() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bases = bases(dir.path());
    let edge = bases
        .iter()
        .find(|b| b.id.as_str() == "edge")
        .expect("edge base");
    assert_eq!(edge.before.get("identity.mfa-users"), Some(&Status::Fail));
}
