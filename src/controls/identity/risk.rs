//! What the two risk-based controls share: which policies are about the risk, and how
//! their grant is read.

use super::ca::{self, Ask, Blocker, Exempt, Tenant};
use crate::evidence::graph::{CaPolicy, MfaGrant};

/// Which risk a control is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Risk {
    User,
    SignIn,
}

/// `None` when the policy is not about this risk (no level of it) or its grant neither
/// blocks nor asks for MFA; else every reason it does not count, the high-risk
/// condition itself exempt. For user risk an MFA grant must also require a password
/// change with operator AND, as Microsoft's user-risk policy does.
pub fn read(p: &CaPolicy, t: &Tenant, risk: Risk) -> Option<Vec<Blocker>> {
    let c = p.conditions.as_ref()?;
    let (levels, exempt) = match risk {
        Risk::User => (&c.user_risk_levels, Exempt::HighUserRisk),
        Risk::SignIn => (&c.sign_in_risk_levels, Exempt::HighSignInRisk),
    };
    if levels.is_empty() {
        return None;
    }
    let ask = if p.blocks() {
        Ask::Block
    } else if p.mfa_grant() != MfaGrant::NotAsked {
        Ask::Mfa
    } else {
        return None;
    };
    let mut reasons = ca::blockers_except(p, ask, t, exempt);
    if risk == Risk::User && ask == Ask::Mfa {
        let g = p.grant_controls.as_ref();
        let password_change = g.is_some_and(|g| {
            g.built_in_controls
                .iter()
                .any(|c| c.eq_ignore_ascii_case("passwordChange"))
        });
        let and = g
            .and_then(|g| g.operator.as_deref())
            .is_some_and(|o| o.eq_ignore_ascii_case("AND"));
        if !password_change {
            reasons.push(Blocker::Narrows(
                "requires MFA but not a password change, so the leaked credential stays valid"
                    .to_owned(),
            ));
        } else if !and {
            // With OR, passwordChange alone would satisfy it; `blockers` already names
            // the MFA bypass, this names the missing combination.
            reasons.push(Blocker::Narrows(
                "asks for MFA or a password change (operator OR), not both".to_owned(),
            ));
        }
    }
    Some(reasons)
}
