//! The shared vocabulary: statuses, domains, workloads, source locations, evidence
//! references, ids, months, durations, threshold declarations and the value rules of
//! policy keys. Every other module may use it; it uses none of them (only the
//! diagnostic type its locations are read from), so the loaders, the catalogue and the
//! scorecard depend on it and not on each other.

pub mod at;
pub mod client_id;
pub mod duration;
pub mod month;
pub mod param;
pub mod schema_rules;
pub mod status;
pub mod workload;

pub use at::At;
pub use client_id::ClientId;
pub use duration::Duration;
pub use month::Month;
pub use param::{Direction, KnownControls, Param};
pub use status::{Domain, EvidenceRef, Status};
pub use workload::Workload;
