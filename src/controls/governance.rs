//! Governance: the RACI is complete, every control and workload has an owner, and the
//! licences paid for are used.

mod controls_owned;
mod licence_utilisation;
mod raci_complete;
mod workload_owners;

use super::Control;

/// The governance controls, in report order: one line per control.
pub fn controls() -> Vec<Control> {
    vec![
        raci_complete::control(),
        controls_owned::control(),
        workload_owners::control(),
        licence_utilisation::control(),
        super::placeholders::control(),
    ]
}
