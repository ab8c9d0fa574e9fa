//! How library work that takes a while (`collect`, `build`, `serve`'s rebuilds) tells
//! people what it is doing without printing anything itself: it is handed a
//! [`Reporter`]. The app layer implements it on the terminal (stderr, `-q`, progress
//! bars); library callers and tests pass [`Silent`].

use crate::diagnostic::Diagnostic;
use indicatif::ProgressBar;

/// Where progress goes. Shared across worker threads, hence `Sync`.
pub trait Reporter: Sync {
    /// A progress or summary line for people (`-q` drops it).
    fn status(&self, line: &str);
    /// A line shown even under `-q`: a failure the run goes on past, or the one thing a
    /// command is for (the address `serve` listens on).
    fn notice(&self, line: &str);
    /// A problem found while the run goes on (a warning, or one client's error), shown
    /// as it happens rather than at the end.
    fn diagnostic(&self, d: &Diagnostic);
    /// A bar counting `len` steps; a hidden one where nobody watches. The caller styles
    /// it and finishes it.
    fn bar(&self, len: u64) -> ProgressBar;
    /// Whether bars are drawn: per-step lines can then be left to the bar.
    fn draws_bars(&self) -> bool;
}

/// Reports nothing: for library callers, tests and benchmarks, which read the returned
/// summaries and diagnostics instead.
pub struct Silent;

impl Reporter for Silent {
    fn status(&self, _: &str) {}
    fn notice(&self, _: &str) {}
    fn diagnostic(&self, _: &Diagnostic) {}
    fn bar(&self, _: u64) -> ProgressBar {
        ProgressBar::hidden()
    }
    fn draws_bars(&self) -> bool {
        false
    }
}
