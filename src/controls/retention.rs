//! Retention: records retention is kept apart from backup, and backup keeps data at
//! least as long as the law or contract requires.

mod legal_minimum;
mod separate_from_backup;

use super::Control;

/// The retention controls, in report order: one line per control.
pub fn controls() -> Vec<Control> {
    vec![separate_from_backup::control(), legal_minimum::control()]
}
