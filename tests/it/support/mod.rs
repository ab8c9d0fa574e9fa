//! Helpers shared by the test modules: the loopback Graph stand-in and file-tree snapshots.

pub mod files;
pub mod graph_standin;
