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

/// How a role-coverage finding words what it asks for.
pub struct RoleWording {
    /// "… are not covered by {uncovered} ({roles})"
    pub uncovered: &'static str,
    /// "the snapshot cannot show that N of M privileged roles in use {unproven} (…)"
    pub unproven: &'static str,
    /// "all N privileged roles in use are covered by {covered}"
    pub covered: &'static str,
    pub threshold: &'static str,
}

/// The outcome shared by the admin-role controls: every privileged role in use (`held`:
/// template id, name) must be covered by a policy `readings` accepts (no reasons); a role
/// that only an unproven policy would cover is `no_evidence`; policies that would cover an
/// uncovered role are named as near misses.
pub fn role_coverage(
    held: &[(String, String)],
    readings: &[Reading],
    file: String,
    wording: &RoleWording,
) -> Outcome {
    let mut covering: Vec<usize> = Vec::new();
    let mut uncovered = Vec::new();
    let mut unproven = Vec::new();
    for (tid, name) in held {
        let by: Vec<usize> = readings
            .iter()
            .filter(|r| r.reasons.is_empty() && ca::covers_role(r.policy, tid))
            .map(|r| r.index)
            .collect();
        if !by.is_empty() {
            covering.extend(by);
        } else if readings
            .iter()
            .any(|r| ca::only_unproven(&r.reasons) && ca::covers_role(r.policy, tid))
        {
            unproven.push(name.clone());
        } else {
            uncovered.push(name.clone());
        }
    }
    covering.sort_unstable();
    covering.dedup();
    // The near misses worth naming: policies that would cover a role left uncovered.
    let near: Vec<&Reading> = readings
        .iter()
        .filter(|r| {
            !r.reasons.is_empty()
                && held.iter().any(|(tid, name)| {
                    ca::covers_role(r.policy, tid)
                        && (uncovered.contains(name) || unproven.contains(name))
                })
        })
        .collect();
    let near_text: Vec<String> = near
        .iter()
        .map(|n| ca::near_miss(n.policy, &n.reasons))
        .collect();
    let with_near = |msg: String| {
        if near_text.is_empty() {
            msg
        } else {
            format!(
                "{msg}; near miss{}: {}",
                if near_text.len() == 1 { "" } else { "es" },
                near_text
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" | ")
            )
        }
    };
    let covered = held.len() - uncovered.len() - unproven.len();
    let mut o = if !uncovered.is_empty() {
        Outcome::fail(with_near(format!(
            "{} of {} privileged roles in use are not covered by {} ({})",
            uncovered.len(),
            held.len(),
            wording.uncovered,
            uncovered.join(", ")
        )))
    } else if !unproven.is_empty() {
        Outcome::new(
            Status::NoEvidence,
            with_near(format!(
                "the snapshot cannot show that {} of {} privileged roles in use {} ({})",
                unproven.len(),
                held.len(),
                wording.unproven,
                unproven.join(", ")
            )),
        )
    } else {
        Outcome::pass(format!(
            "all {} privileged roles in use are covered by {}",
            held.len(),
            wording.covered
        ))
    }
    .measured(format!("{covered}/{} roles covered", held.len()))
    .threshold(wording.threshold)
    .items(uncovered.iter().chain(&unproven).cloned())
    .items(capped(near_text.clone(), 50));
    for i in &covering {
        o = o.evidence(file.clone(), format!("/value/{i}"));
    }
    for n in &near {
        o = o.evidence(file.clone(), format!("/value/{}", n.index));
    }
    if o.evidence.is_empty() {
        o = o.evidence(file, "/value");
    }
    o
}
