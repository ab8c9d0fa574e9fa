//! The search the newer Conditional Access controls share: one enabled policy for all
//! users and all cloud apps that does what the control asks, read by `ca.rs`, or a
//! failure naming every near miss with what narrows it. Also the licence gate of the
//! risk-based controls.

use super::ca::{self, Blocker, Tenant};
use crate::controls::{Ctx, Outcome, capped};
use crate::evidence::Missing;
use crate::evidence::endpoints::Endpoint;
use crate::evidence::graph::CaPolicy;
use crate::policy::IdentityModel;
use crate::scorecard::Status;

/// A candidate policy and why it does not count (empty: it counts).
pub struct Reading<'a> {
    pub index: usize,
    pub policy: &'a CaPolicy,
    pub reasons: Vec<Blocker>,
}

/// What the finding says when no Conditional Access policy is enabled on a client
/// declared on security defaults: these controls are then about another model.
pub fn security_defaults_na(ctx: &Ctx, policies: &[CaPolicy]) -> Option<Outcome> {
    (policies.iter().all(|p| !p.is_enabled())
        && ctx.policy.controls.identity_model == IdentityModel::SecurityDefaults)
        .then(|| {
            Outcome::na("the client is on security defaults (controls.toml identity.model); see identity.security-defaults")
                .evidence(ctx.snap.path(Endpoint::ConditionalAccess.file()), "/value")
        })
}

/// Near misses in the finding's words, at most three, then how many more.
pub fn near_miss_sentence(near: &[Reading]) -> String {
    let mut s = near
        .iter()
        .take(3)
        .map(|n| ca::near_miss(n.policy, &n.reasons))
        .collect::<Vec<_>>()
        .join(" | ");
    if near.len() > 3 {
        s.push_str(&format!(" | and {} more", near.len() - 3));
    }
    s
}

fn misses(n: usize) -> String {
    format!("{n} near miss{}", if n == 1 { "" } else { "es" })
}

/// Searches for a policy that `read` accepts (returns no reasons for) and that includes
/// all users. `read` returns `None` for a policy that is not about the control at all
/// (not a near miss), else every reason it does not count besides whom it includes.
pub fn find_policy(
    ctx: &Ctx,
    what: &str,
    threshold: &str,
    read: impl Fn(&CaPolicy, &Tenant) -> Option<Vec<Blocker>>,
) -> Result<Outcome, Missing> {
    let policies = ctx.snap.ca_policies.get()?;
    let file = ctx.snap.path(Endpoint::ConditionalAccess.file());
    if let Some(na) = security_defaults_na(ctx, policies) {
        return Ok(na);
    }
    let tenant = Tenant::new(ctx);
    let mut near = Vec::new();
    for (index, policy) in policies.iter().enumerate() {
        let Some(mut reasons) = read(policy, &tenant) else {
            continue;
        };
        reasons.extend(ca::all_users(policy, &tenant));
        if reasons.is_empty() {
            let name = ca::one_line(policy.name());
            return Ok(Outcome::pass(format!("enabled policy \"{name}\" {what}"))
                .measured(name)
                .threshold(threshold)
                .evidence(file, format!("/value/{index}")));
        }
        near.push(Reading {
            index,
            policy,
            reasons,
        });
    }
    let unproven = near.iter().any(|n| ca::only_unproven(&n.reasons));
    let mut o = if near.is_empty() {
        Outcome::fail(format!("no Conditional Access policy {what}")).measured("none")
    } else if unproven {
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
            "no Conditional Access policy {what} without a narrowing condition; {}: {}",
            misses(near.len()),
            near_miss_sentence(&near)
        ))
        .measured(misses(near.len()))
    }
    .threshold(threshold)
    .items(capped(
        near.iter()
            .map(|n| ca::near_miss(n.policy, &n.reasons))
            .collect(),
        50,
    ));
    if near.is_empty() {
        o = o.evidence(file.clone(), "/value");
    }
    for n in &near {
        o = o.evidence(file.clone(), format!("/value/{}", n.index));
    }
    Ok(o)
}

/// The message of a risk-based control in a tenant without Entra ID P2.
pub const NEEDS_P2: &str = "needs Entra ID P2 (not licensed)";

/// Risk-based Conditional Access needs Entra ID P2 (the `AAD_PREMIUM_P2` service plan
/// in an enabled SKU with enabled units). `Some(outcome)` when the tenant lacks it: the
/// one place that decides the status of an unlicensed risk control (today
/// `not_applicable`; a `not_licensed` status will replace it here). Without
/// subscribedSkus.json whether it is licensed is unknown: no_evidence.
pub fn unless_p2(ctx: &Ctx) -> Result<Option<Outcome>, Missing> {
    let skus = ctx.snap.skus.get()?;
    let licensed = skus
        .iter()
        .any(|s| s.is_enabled() && s.enabled_units() > 0 && s.has_plan("AAD_PREMIUM_P2"));
    Ok((!licensed).then(|| {
        Outcome::na(NEEDS_P2)
            .measured("no AAD_PREMIUM_P2")
            .threshold("Entra ID P2 (AAD_PREMIUM_P2)")
            .evidence(ctx.snap.path(Endpoint::SubscribedSkus.file()), "/value")
    }))
}
