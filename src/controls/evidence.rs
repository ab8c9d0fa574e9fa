//! Evidence: the month's snapshot exists, is complete (every expected file present or
//! explained, every hash matching the manifest) and was collected within the month.

mod snapshot_complete;
mod snapshot_fresh;

use super::Control;

/// The evidence controls, in report order: one line per control.
pub fn controls() -> Vec<Control> {
    vec![snapshot_complete::control(), snapshot_fresh::control()]
}
