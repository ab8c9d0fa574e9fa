//! The bundled sample repository (`clients/`, `evidence/`) is exactly what the sample
//! generator of `cargo run --example generate` writes, and the generator's write and
//! check modes treat those folders as wholly generated.

use crate::support::samples;
use std::path::Path;
use std::sync::OnceLock;

/// The generated sample repository, built once for the module's tests (a build takes
/// seconds in a debug test binary).
fn sample() -> &'static samples::Writer {
    static BUILT: OnceLock<samples::Writer> = OnceLock::new();
    BUILT.get_or_init(|| samples::build().expect("the sample stories are consistent"))
}

/// Every committed sample file is the generator's output, byte for byte, and nothing
/// else is there: the Rust port reproduces the Python generator it replaced, so dozens of
/// tests and snapshots built on the sample data see the same bytes (and, the files being
/// fixed, a generator that drew from a clock or a map's iteration order would fail here).
#[test]
fn the_committed_sample_repository_is_what_the_generator_writes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let w = sample();
    let drift = samples::drift(root, w);
    assert!(
        drift.stale.is_empty() && drift.unexpected.is_empty(),
        "stale: {:?}\nnot generated: {:?}\nregenerate with `cargo run --example generate` and commit the result",
        drift.stale,
        drift.unexpected
    );
    // Three clients, six months each, every month with its manifest.
    let manifests = w
        .files
        .keys()
        .filter(|k| k.ends_with("/manifest.json"))
        .count();
    assert_eq!(manifests, 18);
}

/// On a scratch folder: write creates every file; a hand edit and a stray file are both
/// reported by the check; writing again restores the edit, removes the stray file under
/// the generated folders and leaves anything outside them alone.
#[test]
fn check_reports_hand_edits_and_stray_files_and_write_repairs_them() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let w = sample();
    std::fs::write(root.join("README.md"), "mine\n").unwrap();

    let first = samples::write(root, w).expect("writes");
    assert_eq!(first.stale.len(), w.files.len());
    let fresh = samples::drift(root, w);
    assert!(
        fresh.stale.is_empty() && fresh.unexpected.is_empty(),
        "{fresh:?}"
    );

    let edited = "evidence/fabrikam/2026-07/backup-jobs.csv";
    let original = std::fs::read(root.join(edited)).unwrap();
    std::fs::write(root.join(edited), b"job_id\n").unwrap();
    std::fs::write(root.join("evidence/fabrikam/stray.json"), b"{}").unwrap();
    std::fs::remove_file(root.join("clients/tailspin/notes.md")).unwrap();
    let found = samples::drift(root, w);
    // In path order, as the generator lists its files.
    assert_eq!(found.stale, ["clients/tailspin/notes.md", edited]);
    assert_eq!(found.unexpected, ["evidence/fabrikam/stray.json"]);

    let repaired = samples::write(root, w).expect("writes");
    assert_eq!(repaired.stale, found.stale);
    assert_eq!(std::fs::read(root.join(edited)).unwrap(), original);
    assert!(!root.join("evidence/fabrikam/stray.json").exists());
    assert_eq!(
        std::fs::read_to_string(root.join("README.md")).unwrap(),
        "mine\n"
    );
    let after = samples::drift(root, w);
    assert!(
        after.stale.is_empty() && after.unexpected.is_empty(),
        "{after:?}"
    );
}
