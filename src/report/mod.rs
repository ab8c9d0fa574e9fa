//! Printers over the evaluated scorecards: every output format renders the same
//! `Scorecard`s and diagnostics; none reads input or computes a verdict.

pub mod json;
pub mod text;

use crate::diagnostic::Diagnostic;
use crate::scorecard::Scorecard;

/// What `check` hands to a printer.
pub struct CheckReport<'a> {
    pub scorecards: &'a [&'a Scorecard],
    /// Clients whose policy could not be loaded: id and name if known.
    pub failed_clients: &'a [String],
    pub errors: &'a [Diagnostic],
}
