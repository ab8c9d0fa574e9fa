//! Helpers shared by the test modules: the loopback Graph stand-in and file-tree snapshots.

pub mod check;
pub mod files;
pub mod graph_standin;

/// The sample-data generator (`cargo run --example gen`), for tests that need generated
/// tenants (incremental builds, the false-pass guard).
#[allow(dead_code)]
#[path = "../../../examples/gen.rs"]
pub mod gen_repo;
