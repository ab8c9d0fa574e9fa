//! Property tests: the policy loader and every Graph loader, fed mutated real inputs (the
//! fixture policy files and Microsoft's samples in `tests/fixtures/graph-samples/`), never
//! panic and always return either a value or a located error. Byte-level mutations hit
//! the parsers; JSON-level ones (a node swapped for another type) hit the shapes.
//! The case counts are bounded so CI stays fast, and printed with the results.

// Diagnostics are the loaders' error values (see lib.rs): built once per problem.
#![allow(clippy::result_large_err)]

use custody::client_id::ClientId;
use custody::controls::testing::{BACKUP_TOML, CLIENT_TOML, CONTROLS_TOML, RACI_TOML};
use custody::diagnostic::{Diagnostic, SourceText};
use custody::evidence::graph::*;
use custody::evidence::parse_json;
use custody::policy::{PolicySource, load_policy};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

const POLICY_CASES: u32 = 400;
const GRAPH_CASES: u32 = 600;
const TEXT_EVIDENCE_CASES: u32 = 200;

/// One edit of an input; positions are fractions of the length so they fit any file.
#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: f64, xor: u8 },
    Insert { at: f64, bytes: Vec<u8> },
    Delete { at: f64, len: usize },
    Duplicate { at: f64, len: usize },
    Truncate { at: f64 },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = 0.0..1.0f64;
    let interesting = prop::sample::select(vec![
        b"\"".to_vec(),
        b"{".to_vec(),
        b"}".to_vec(),
        b"[".to_vec(),
        b"]".to_vec(),
        b",".to_vec(),
        b":".to_vec(),
        b"=".to_vec(),
        b"\n".to_vec(),
        b"\r\n".to_vec(),
        b"\\".to_vec(),
        b"\\u".to_vec(),
        b"\xff".to_vec(),
        b"\xef\xbb\xbf".to_vec(),
        b"\0".to_vec(),
        b"null".to_vec(),
        b"-1".to_vec(),
        b"1e999".to_vec(),
        b"99999999999999999999999".to_vec(),
        b"[[x]]".to_vec(),
        b"\xc3".to_vec(),
    ]);
    prop_oneof![
        (at.clone(), 1u8..=255).prop_map(|(at, xor)| Mutation::Flip { at, xor }),
        (at.clone(), interesting).prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (at.clone(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (at.clone(), 1usize..64).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (at.clone(), 1usize..64).prop_map(|(at, len)| Mutation::Duplicate { at, len }),
        at.prop_map(|at| Mutation::Truncate { at }),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let pos = |at: f64, len: usize| ((at * len as f64) as usize).min(len);
    match m {
        Mutation::Flip { at, xor } => {
            if !bytes.is_empty() {
                let i = pos(*at, bytes.len() - 1);
                bytes[i] ^= xor;
            }
        }
        Mutation::Insert { at, bytes: ins } => {
            let i = pos(*at, bytes.len());
            bytes.splice(i..i, ins.iter().copied());
        }
        Mutation::Delete { at, len } => {
            let i = pos(*at, bytes.len());
            let end = (i + len).min(bytes.len());
            bytes.drain(i..end);
        }
        Mutation::Duplicate { at, len } => {
            let i = pos(*at, bytes.len());
            let end = (i + len).min(bytes.len());
            let copy = bytes[i..end].to_vec();
            bytes.splice(end..end, copy);
        }
        Mutation::Truncate { at } => {
            let i = pos(*at, bytes.len());
            bytes.truncate(i);
        }
    }
}

/// JSON-level mutation: the `n`-th node (in document order) replaced by a value of
/// another type, so the document stays valid JSON but no longer has Graph's shape.
fn replace_node(v: &mut serde_json::Value, n: &mut usize, with: &serde_json::Value) -> bool {
    if *n == 0 {
        *v = with.clone();
        return true;
    }
    *n -= 1;
    match v {
        serde_json::Value::Array(items) => items.iter_mut().any(|i| replace_node(i, n, with)),
        serde_json::Value::Object(map) => map.values_mut().any(|i| replace_node(i, n, with)),
        _ => false,
    }
}

fn replacement() -> impl Strategy<Value = serde_json::Value> {
    prop::sample::select(vec![
        serde_json::Value::Null,
        serde_json::json!(true),
        serde_json::json!(-1),
        serde_json::json!(1.5e300),
        serde_json::json!(""),
        serde_json::json!("0001-01-01T00:00:00Z"),
        serde_json::json!("not a date"),
        serde_json::json!("<script>alert(1)</script>"),
        serde_json::json!([]),
        serde_json::json!([null]),
        serde_json::json!({}),
        serde_json::json!({"error": {"code": "x", "message": "y"}}),
    ])
}

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/graph-samples")
}

/// Parses with the real loader; `Ok` or a diagnostic that names the file and a JSON path.
fn load_as<T: DeserializeOwned>(name: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
    parse_json::<T>(name, bytes).map(|_| ())
}

type Loader = fn(&str, &[u8]) -> Result<(), Diagnostic>;

/// Every Graph sample custody reads, with the loader for its endpoint.
fn graph_loaders() -> Vec<(&'static str, Loader)> {
    vec![
        (
            "v1.0__users__select_signInActivity.json",
            load_as::<Collection<User>>,
        ),
        ("v1.0__users__default.json", load_as::<Collection<User>>),
        (
            "v1.0__users__filter_assignedLicenses.json",
            load_as::<Collection<User>>,
        ),
        (
            "v1.0__reports__authenticationMethods__userRegistrationDetails.json",
            load_as::<Collection<RegistrationDetail>>,
        ),
        (
            "v1.0__reports__authenticationMethods__userRegistrationDetails__live-graph2otel.json",
            load_as::<Collection<RegistrationDetail>>,
        ),
        (
            "v1.0__identity__conditionalAccess__policies.json",
            load_as::<Collection<CaPolicy>>,
        ),
        (
            "v1.0__identity__conditionalAccess__policies__live-graph2otel-7of16-mixed-states.json",
            load_as::<Collection<CaPolicy>>,
        ),
        (
            "v1.0__policies__identitySecurityDefaultsEnforcementPolicy.json",
            load_as::<SecurityDefaults>,
        ),
        (
            "v1.0__subscribedSkus.json",
            load_as::<Collection<SubscribedSku>>,
        ),
        (
            "v1.0__subscribedSkus__live-graph2otel.json",
            load_as::<Collection<SubscribedSku>>,
        ),
        (
            "v1.0__roleManagement__directory__roleDefinitions.json",
            load_as::<Collection<RoleDefinition>>,
        ),
        (
            "v1.0__roleManagement__directory__roleAssignments__expand_principal.json",
            load_as::<Collection<RoleAssignment>>,
        ),
        (
            "v1.0__roleManagement__directory__roleEligibilitySchedules.json",
            load_as::<Collection<RoleSchedule>>,
        ),
        (
            "v1.0__roleManagement__directory__roleAssignmentSchedules.json",
            load_as::<Collection<RoleSchedule>>,
        ),
        (
            "v1.0__security__secureScores.json",
            load_as::<Collection<SecureScore>>,
        ),
        (
            "v1.0__auditLogs__directoryAudits.json",
            load_as::<Collection<DirectoryAudit>>,
        ),
        (
            "v1.0__auditLogs__directoryAudits__AddMemberToRole__live-graph2otel.json",
            load_as::<Collection<DirectoryAudit>>,
        ),
        (
            "v1.0__solutions__backupRestore__protectionPolicies.json",
            load_as::<Collection<ProtectionPolicy>>,
        ),
        (
            "v1.0__solutions__backupRestore__protectionUnits__microsoft.graph.mailboxProtectionUnit.json",
            load_as::<Collection<ProtectionUnit>>,
        ),
        (
            "v1.0__solutions__backupRestore__protectionUnits__microsoft.graph.siteProtectionUnit.json",
            load_as::<Collection<ProtectionUnit>>,
        ),
        (
            "v1.0__solutions__backupRestore__restoreSessions.json",
            load_as::<Collection<RestoreSession>>,
        ),
        (
            "v1.0__directoryRoles__id__members__GlobalAdministrator__live-graph2otel-reconstructed.json",
            load_as::<Collection<Principal>>,
        ),
        (
            "v1.0__solutions__backupRestore__restorePoints__search__response.json",
            load_as::<custody::evidence::restore_points::SearchResponse>,
        ),
        (
            "v1.0__solutions__backupRestore__restorePoints__search__request.json",
            load_as::<custody::evidence::restore_points::SearchRequest>,
        ),
    ]
}

/// How many mutated inputs loaded and how many were refused with a located error.
#[derive(Default)]
struct Tally {
    ok: std::cell::Cell<u32>,
    refused: std::cell::Cell<u32>,
}

impl Tally {
    fn count(&self, refused: bool) {
        let c = if refused { &self.refused } else { &self.ok };
        c.set(c.get() + 1);
    }

    /// Prints the count (past libtest's capture, so it shows in every `cargo test` run)
    /// and checks the mutations exercised both outcomes: a property that only ever saw
    /// valid input, or only garbage, would prove little.
    fn report(&self, what: &str, cases: u32) {
        let (ok, refused) = (self.ok.get(), self.refused.get());
        let _ = writeln!(
            std::io::stdout(),
            "property tests: {what}: {cases} cases ({ok} loaded, {refused} refused with a located error)"
        );
        assert!(
            ok > 0 && refused > 0,
            "{what}: {ok} loaded, {refused} refused"
        );
    }
}

fn runner(cases: u32) -> TestRunner {
    let defaults = Config::default();
    // A fixed seed, so a CI failure reproduces locally; PROPTEST_RNG_SEED=<n> explores others.
    let rng_seed = if std::env::var_os("PROPTEST_RNG_SEED").is_some() {
        defaults.rng_seed
    } else {
        RngSeed::Fixed(20_261_124)
    };
    TestRunner::new(Config {
        cases,
        rng_seed,
        // Failures are reported with the shrunk input; no regression files in the tree.
        failure_persistence: None,
        ..defaults
    })
}

#[test]
fn graph_loaders_never_panic_on_mutated_real_samples() {
    let dir = samples_dir();
    let loaders = graph_loaders();
    let samples: Vec<(String, Vec<u8>, Loader)> = loaders
        .iter()
        .map(|(name, f)| {
            let bytes = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(f(name, &bytes).is_ok(), "{name} must load unmutated");
            (name.to_string(), bytes, *f)
        })
        .collect();
    let tally = Tally::default();
    let strategy = (
        0..samples.len(),
        prop::collection::vec(mutation(), 0..4),
        prop::option::of((any::<usize>(), replacement())),
    );
    runner(GRAPH_CASES)
        .run(&strategy, |(i, mutations, swap)| {
            let (name, original, load) = &samples[i];
            let mut bytes = original.clone();
            if let Some((node, with)) = swap {
                let mut doc: serde_json::Value =
                    serde_json::from_slice(&bytes).expect("samples are JSON");
                let mut n = node % 512;
                replace_node(&mut doc, &mut n, &with);
                bytes = serde_json::to_vec(&doc).expect("serialize");
            }
            for m in &mutations {
                apply(&mut bytes, m);
            }
            let result = load(name, &bytes);
            tally.count(result.is_err());
            match result {
                Ok(()) => Ok(()),
                Err(d) => {
                    prop_assert_eq!(&d.file, name);
                    prop_assert!(
                        d.json_path.as_deref().is_some_and(|p| p.starts_with('/')),
                        "no JSON path: {}",
                        d
                    );
                    prop_assert!(!d.message.trim().is_empty(), "empty message: {:?}", d);
                    Ok(())
                }
            }
        })
        .unwrap_or_else(|e| panic!("{e}"));
    tally.report(
        &format!("Graph loaders ({} samples)", samples.len()),
        GRAPH_CASES,
    );
}

/// Policy files from memory, as the working tree or a commit would give them.
struct Files(BTreeMap<String, Vec<u8>>);

impl PolicySource for Files {
    fn read(&self, rel_path: &str) -> Result<Option<String>, custody::policy::load::ReadError> {
        match self.0.get(rel_path) {
            None => Ok(None),
            Some(bytes) => Ok(Some(custody::repo::decode_utf8(bytes.clone())?)),
        }
    }
}

#[test]
fn policy_loader_never_panics_and_locates_every_error() {
    let id = ClientId::parse("acme").expect("id");
    let originals = [
        ("client.toml", CLIENT_TOML),
        ("raci.toml", RACI_TOML),
        ("controls.toml", CONTROLS_TOML),
        ("backup.toml", BACKUP_TOML),
    ];
    let base: BTreeMap<String, Vec<u8>> = originals
        .iter()
        .map(|(f, t)| (format!("clients/acme/{f}"), t.as_bytes().to_vec()))
        .collect();
    assert!(
        load_policy(&Files(base.clone()), &id, custody::controls::known()).is_ok(),
        "the fixture loads"
    );
    let tally = Tally::default();
    let strategy = (0..originals.len(), prop::collection::vec(mutation(), 1..5));
    runner(POLICY_CASES)
        .run(&strategy, |(file, mutations)| {
            let mut files = base.clone();
            let key = format!("clients/acme/{}", originals[file].0);
            let bytes = files.get_mut(&key).expect("file");
            for m in &mutations {
                apply(bytes, m);
            }
            let result = load_policy(&Files(files), &id, custody::controls::known());
            tally.count(result.is_err());
            match result {
                Ok(_) => Ok(()),
                Err(diags) => {
                    prop_assert!(!diags.is_empty(), "an error without a diagnostic");
                    for d in &diags {
                        prop_assert_eq!(&d.file, &key, "{}", d);
                        // Every error has a line and column (a bad UTF-8 byte too), but
                        // UTF-16, which is wrong as a whole.
                        let located = (d.line.is_some() && d.column.is_some())
                            || d.message.contains("UTF-16");
                        prop_assert!(located, "not located: {}", d);
                    }
                    Ok(())
                }
            }
        })
        .unwrap_or_else(|e| panic!("{e}"));
    tally.report("policy loader", POLICY_CASES);
}

#[test]
fn restore_tests_and_backup_jobs_never_panic() {
    let restore = custody::controls::testing::RESTORE_OK.as_bytes().to_vec();
    let jobs = custody::controls::testing::daily_jobs("2026-11", 5).into_bytes();
    let tally = Tally::default();
    let strategy = (any::<bool>(), prop::collection::vec(mutation(), 1..5));
    runner(TEXT_EVIDENCE_CASES)
        .run(&strategy, |(is_restore, mutations)| {
            let mut bytes = if is_restore {
                restore.clone()
            } else {
                jobs.clone()
            };
            for m in &mutations {
                apply(&mut bytes, m);
            }
            let Ok(text) = custody::repo::decode_utf8(bytes) else {
                tally.count(true); // refused before parsing, with its own message
                return Ok(());
            };
            let diags = if is_restore {
                let src = SourceText::new("restore-tests.toml", text);
                custody::evidence::restore_tests::parse(&src).1
            } else {
                custody::evidence::backup_jobs::parse("backup-jobs.csv", &text).1
            };
            tally.count(!diags.is_empty());
            for d in &diags {
                if d.line.is_none() {
                    return Err(TestCaseError::fail(format!("no line: {d}")));
                }
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    tally.report("restore tests and backup jobs", TEXT_EVIDENCE_CASES);
}

const SNAPSHOT_CASES: u32 = 150;

/// The whole pipeline on a mutated month: any file of the snapshot (Graph JSON with a
/// node of the wrong type, manifest, backup jobs, restore tests) is damaged on disk, then
/// the month is loaded and every control evaluated. Values that pass the loaders but are
/// absurd (negative counts, 1e300, empty ids) must not panic a control either.
#[test]
fn a_damaged_month_loads_and_evaluates_without_panicking() {
    use custody::evaluate::{Months, evaluate_client};
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().to_path_buf();
    custody::controls::testing::Fx::new()
        .with_prev()
        .write_to(&root, "acme");
    let id = ClientId::parse("acme").expect("id");
    let month_dir = root.join("evidence/acme/2026-11");
    let files: Vec<PathBuf> = walkdir::WalkDir::new(&month_dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    let tally = Tally::default();
    let strategy = (
        0..files.len(),
        prop::collection::vec(mutation(), 0..3),
        prop::option::of((any::<usize>(), replacement())),
    );
    runner(SNAPSHOT_CASES)
        .run(&strategy, |(i, mutations, swap)| {
            let path = &files[i];
            let original = std::fs::read(path).expect("read");
            let mut bytes = original.clone();
            if let Some((node, with)) = swap
                && let Ok(mut doc) = serde_json::from_slice::<serde_json::Value>(&bytes)
            {
                let mut n = node % 256;
                replace_node(&mut doc, &mut n, &with);
                bytes = serde_json::to_vec(&doc).expect("serialize");
            }
            for m in &mutations {
                apply(&mut bytes, m);
            }
            std::fs::write(path, &bytes).expect("write");
            let run = evaluate_client(&root, &id, Months::All, &|_, _| {
                custody::evaluate::working_tree_policy(&root, &id)
            });
            std::fs::write(path, &original).expect("restore");
            tally.count(!run.diags.is_empty());
            prop_assert_eq!(run.scorecards.len(), 2, "both months still evaluated");
            for d in &run.diags {
                // A line (TOML, CSV, the first bad byte) or a JSON path; UTF-16 is
                // wrong as a whole.
                let located =
                    d.line.is_some() || d.json_path.is_some() || d.message.contains("UTF-16");
                prop_assert!(located && d.file.starts_with("evidence/acme/"), "{}", d);
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    tally.report("snapshot load + evaluate", SNAPSHOT_CASES);
}

const RESTORE_POINT_CASES: u32 = 120;

/// The RPO read from restore points, on a damaged search file: a month without job
/// records whose `graph/restorePointSearches.json` has one node swapped for another type
/// (and perhaps its bytes damaged) loads and evaluates without panicking; what the loader
/// refuses is located by file and JSON path, and the RPO then never passes.
#[test]
fn a_damaged_restore_point_search_never_panics_the_rpo() {
    use custody::evaluate::{Months, evaluate_client};
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().to_path_buf();
    let units: Vec<String> = [
        custody::controls::testing::BG1,
        custody::controls::testing::BG2,
        custody::controls::testing::ALICE,
        custody::controls::testing::BOB,
    ]
    .iter()
    .map(|id| format!("u-{id}"))
    .collect();
    let ids: Vec<&str> = units.iter().map(String::as_str).collect();
    let mut points = Vec::new();
    for u in &ids {
        for h in (0..24 * 24).step_by(6) {
            let t = jiff::Timestamp::from_second(
                "2026-10-31T00:00:00Z"
                    .parse::<jiff::Timestamp>()
                    .expect("time")
                    .as_second()
                    + h * 3600,
            )
            .expect("time");
            points.push((
                u.to_string(),
                custody::evidence::restore_points::graph_timestamp(t),
            ));
        }
    }
    let file = custody::controls::backup::fixtures::restore_point_searches(
        "exchange",
        &ids,
        &points,
        "2026-10-31T00:00:00Z",
        "2026-11-23T03:00:00Z",
        24 * 3600,
    );
    custody::controls::testing::Fx::new()
        .without("backup-jobs.csv")
        .graph("restorePointSearches.json", &file)
        .write_to(&root, "acme");
    let id = ClientId::parse("acme").expect("id");
    let path = root.join("evidence/acme/2026-11/graph/restorePointSearches.json");
    let original = std::fs::read(&path).expect("read");
    let rpo_of = |run: &custody::evaluate::ClientRun| {
        run.scorecards[0]
            .results
            .iter()
            .find(|r| r.control == "backup.exchange.rpo")
            .map(|r| r.status)
    };
    let healthy = evaluate_client(&root, &id, Months::All, &|_, _| {
        custody::evaluate::working_tree_policy(&root, &id)
    });
    assert_eq!(rpo_of(&healthy), Some(custody::scorecard::Status::Pass));
    let tally = Tally::default();
    let strategy = (
        prop::collection::vec(mutation(), 0..2),
        prop::option::of((any::<usize>(), replacement())),
    );
    runner(RESTORE_POINT_CASES)
        .run(&strategy, |(mutations, swap)| {
            let mut bytes = original.clone();
            if let Some((node, with)) = swap
                && let Ok(mut doc) = serde_json::from_slice::<serde_json::Value>(&bytes)
            {
                let mut n = node % 4096;
                replace_node(&mut doc, &mut n, &with);
                bytes = serde_json::to_vec(&doc).expect("serialize");
            }
            for m in &mutations {
                apply(&mut bytes, m);
            }
            std::fs::write(&path, &bytes).expect("write");
            let run = evaluate_client(&root, &id, Months::All, &|_, _| {
                custody::evaluate::working_tree_policy(&root, &id)
            });
            std::fs::write(&path, &original).expect("restore");
            tally.count(!run.diags.is_empty());
            for d in &run.diags {
                prop_assert!(
                    d.file.contains("restorePointSearches.json")
                        && (d.line.is_some() || d.json_path.is_some()),
                    "{}",
                    d
                );
            }
            if !run.diags.is_empty() {
                prop_assert_ne!(rpo_of(&run), Some(custody::scorecard::Status::Pass));
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    tally.report("restore point search load + RPO", RESTORE_POINT_CASES);
}
