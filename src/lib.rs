//! `custody`: the Microsoft 365 shared responsibility model as code.
//!
//! The pipeline: `repo` finds clients and months, `policy` and `evidence` load typed
//! inputs (every problem a located `Diagnostic`), `evaluate` runs the `controls`
//! catalogue into one `Scorecard`, and `report` renders it. `app` is the command line on
//! top: the only module that prints or picks an exit code, and one nothing else imports.

// Diagnostics (file, line, column, JSON path, message) are the error values of input
// loading; they are built once per problem, never on a hot path, so boxing buys nothing.
#![allow(clippy::result_large_err)]

pub mod app;
pub mod collect;
pub mod controls;
pub mod diagnostic;
pub mod diff;
pub mod digest;
pub mod evaluate;
pub mod evidence;
pub mod explain;
pub mod generate;
pub mod history;
pub mod init;
pub mod model;
pub mod pack;
pub mod policy;
pub mod progress;
pub mod repo;
pub mod report;
pub mod schema;
pub mod scorecard;
pub mod serve;
pub mod website;

// The vocabulary modules moved into `model`; their old paths stay valid.
pub use model::{client_id, duration, month};

/// Version written into manifests and machine output.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
