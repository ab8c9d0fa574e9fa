//! The search the all-users Conditional Access controls share: an enabled policy that
//! does what is asked of all users and all cloud apps with no narrowing condition, and
//! every near miss named with what narrows it.

use super::ca;
use super::ca::{Ask, Tenant};
use super::search::{Reading as NearMiss, near_miss_sentence};
use crate::controls::{Ctx, Outcome, capped};
use crate::evidence::Missing;
use crate::evidence::endpoints::Endpoint;
use crate::model::Status;
use crate::policy::IdentityModel;

pub(super) const ALL_USERS_MFA: &str = "requires MFA for all users and all cloud apps";

pub(super) const CA_THRESHOLD: &str =
    "enabled, all users and cloud apps, no narrowing condition, exclusions only break-glass";

/// Searches the CA policies for one that does what `ask` asks of all users and all
/// cloud apps, without any narrowing condition; explains every near miss.
pub(super) fn find_enforcing_policy(ctx: &Ctx, what: &str, ask: Ask) -> Result<Outcome, Missing> {
    let policies = ctx.snap.ca_policies.get()?;
    let file = ctx.snap.path(Endpoint::ConditionalAccess.file());
    if policies.iter().all(|p| !p.is_enabled())
        && ctx.policy.controls.identity_model == IdentityModel::SecurityDefaults
    {
        return Ok(Outcome::na("the client is on security defaults (controls.toml identity.model); see identity.security-defaults").evidence(file, "/value"));
    }
    let tenant = Tenant::new(ctx);
    let mut near = Vec::new();
    for (index, policy) in policies
        .iter()
        .enumerate()
        .filter(|(_, p)| ca::is_candidate(p, ask))
    {
        let mut reasons = ca::blockers(policy, ask, &tenant);
        reasons.extend(ca::all_users(policy, &tenant));
        if reasons.is_empty() {
            let name = ca::one_line(policy.name());
            return Ok(Outcome::pass(format!("enabled policy \"{name}\" {what}"))
                .measured(name)
                .threshold(CA_THRESHOLD)
                .evidence(file, format!("/value/{index}")));
        }
        near.push(NearMiss {
            index,
            policy,
            reasons,
        });
    }
    let unproven = near
        .iter()
        .filter(|n| ca::only_unproven(&n.reasons))
        .count();
    let mut o = if near.is_empty() {
        Outcome::fail(format!("no Conditional Access policy {what}")).measured("none")
    } else if unproven > 0 {
        Outcome::new(
            Status::NoEvidence,
            format!(
                "the snapshot cannot show whether a Conditional Access policy {what}: {}",
                near_miss_sentence(&near)
            ),
        )
        .measured("unproven")
    } else {
        Outcome::fail(format!(
            "no Conditional Access policy {what} without a narrowing condition; {} near miss{}: {}",
            near.len(),
            if near.len() == 1 { "" } else { "es" },
            near_miss_sentence(&near)
        ))
        .measured(format!(
            "{} near miss{}",
            near.len(),
            if near.len() == 1 { "" } else { "es" }
        ))
    }
    .threshold(CA_THRESHOLD)
    .items(capped(
        near.iter()
            .map(|n| ca::near_miss(n.policy, &n.reasons))
            .collect(),
        50,
    ))
    .policy(
        ctx.policy
            .controls
            .break_glass
            .iter()
            .map(|(_, at)| at.clone())
            .take(1),
    );
    if near.is_empty() {
        o = o.evidence(file.clone(), "/value");
    }
    for n in &near {
        o = o.evidence(file.clone(), format!("/value/{}", n.index));
    }
    Ok(o)
}
