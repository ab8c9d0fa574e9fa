//! Least privilege: who holds privileged directory roles, how (eligible through PIM or
//! standing), and how that changed since last month.

mod approved_assignments;
mod assignments;
mod break_glass;
mod cloud_only_admins;
mod drift;
mod findings;
#[cfg(test)]
mod fixtures;
mod ga_activation_approval;
mod global_admin_count;
mod guest_admins;
mod pim_standing_privilege;
mod role_changes;
mod stale_admins;

use super::Control;
pub use assignments::{
    Assignment, GLOBAL_ADMIN, PRIVILEGED_ROLES, Privileged, current_assignments,
    current_privileged, privileged_assignments, reference_time, role_groups,
};
pub use drift::{Changes, changes};

/// The least-privilege controls, in report order: one line per control.
pub fn controls() -> Vec<Control> {
    vec![
        global_admin_count::control(),
        break_glass::control(),
        pim_standing_privilege::control(),
        guest_admins::control(),
        stale_admins::control(),
        approved_assignments::control(),
        role_changes::control(),
        ga_activation_approval::control(),
        cloud_only_admins::control(),
    ]
}
