//! Identity: MFA registration, Conditional Access, security defaults and the licences
//! they need.

mod break_glass_excluded;
mod ca;
mod ca_block_device_code_flow;
mod ca_block_high_risk_sign_ins;
mod ca_block_high_risk_users;
mod ca_block_legacy_auth;
mod ca_mfa_admins;
mod ca_mfa_all_users;
mod enforcing;
#[cfg(test)]
mod fixtures;
mod guest_access_restricted;
mod licences;
mod mfa;
mod mfa_admins;
mod mfa_users;
mod passwords_never_expire;
mod phishing_resistant_mfa_admins;
mod risk;
pub(crate) mod search;
mod security_defaults;
mod user_consent_restricted;
mod weak_methods_disabled;

use super::Control;

/// The identity controls, in report order: one line per control.
pub fn controls() -> Vec<Control> {
    vec![
        mfa_admins::control(),
        mfa_users::control(),
        ca_mfa_all_users::control(),
        ca_mfa_admins::control(),
        ca_block_legacy_auth::control(),
        security_defaults::control(),
        licences::control(),
        break_glass_excluded::control(),
        ca_block_high_risk_users::control(),
        ca_block_high_risk_sign_ins::control(),
        ca_block_device_code_flow::control(),
        phishing_resistant_mfa_admins::control(),
        weak_methods_disabled::control(),
        user_consent_restricted::control(),
        guest_access_restricted::control(),
        passwords_never_expire::control(),
    ]
}
