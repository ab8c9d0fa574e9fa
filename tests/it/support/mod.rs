//! Helpers shared by the test modules: the loopback Graph stand-in and file-tree snapshots.

pub mod check;
pub mod files;
pub mod git;
pub mod graph_standin;

/// The sample-data generator of `cargo run --example generate` (its unit tests run in
/// this binary too).
#[allow(dead_code)]
#[path = "../../../examples/generate/samples/mod.rs"]
pub mod samples;

/// Its scale mode (`cargo run --example generate -- scale`), for tests that need
/// generated tenants (incremental builds, the false-pass guard).
#[allow(dead_code)]
#[path = "../../../examples/generate/scale.rs"]
pub mod gen_repo;
