//! The search the newer Conditional Access controls share: one enabled policy for all
//! users and all cloud apps that does what the control asks, read by `ca.rs`, or a
//! failure naming every near miss with what narrows it. Also the licence gates: P2 for
//! the risk-based controls, P1 for Conditional Access and the registration report.

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
/// The licence a risk-based control needs, as a `not_licensed` result names it.
pub const P2: &str = "Entra ID P2";
/// The licence Conditional Access and the MFA registration report need.
pub const P1: &str = "Entra ID P1 or P2";

/// Whether an enabled SKU with enabled units carries one of `plans`; missing evidence
/// without subscribedSkus.json (whether it is licensed is then unknown).
fn licensed(ctx: &Ctx, plans: &[&str]) -> Result<bool, Missing> {
    plan_in_force(ctx.snap, plans)
}

/// Whether a snapshot's subscribedSkus.json shows one of `plans` in force: carried by an
/// SKU that is enabled with enabled units, or in `Warning` (lapsed but still working
/// through its grace period). Missing evidence without subscribedSkus.json.
pub fn plan_in_force(snap: &crate::evidence::Snapshot, plans: &[&str]) -> Result<bool, Missing> {
    let skus = snap.skus.get()?;
    Ok(skus.iter().any(|s| {
        let warning = s
            .capability_status
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case("Warning"));
        (warning || (s.is_enabled() && s.enabled_units() > 0))
            && plans.iter().any(|p| s.has_plan(p))
    }))
}

/// Risk-based Conditional Access needs Entra ID P2 (the `AAD_PREMIUM_P2` service plan
/// in an enabled SKU with enabled units). `Some(outcome)` when the tenant lacks it: the
/// one place that decides the status of an unlicensed risk control, `not_licensed`
/// naming the licence. Without subscribedSkus.json whether it is licensed is unknown:
/// no_evidence.
pub fn unless_p2(ctx: &Ctx) -> Result<Option<Outcome>, Missing> {
    Ok((!licensed(ctx, &["AAD_PREMIUM_P2"])?).then(|| {
        Outcome::not_licensed(P2, NEEDS_P2)
            .measured("no AAD_PREMIUM_P2")
            .threshold("Entra ID P2 (AAD_PREMIUM_P2)")
            .evidence(ctx.snap.path(Endpoint::SubscribedSkus.file()), "/value")
    }))
}

/// The licence gate of the controls whose evidence needs Entra ID P1 (Conditional
/// Access policies, the MFA registration report, users' signInActivity): `measured` is what the control found;
/// where it is a fail or missing evidence and subscribedSkus.json shows no enabled P1
/// or P2 service plan, the result is `not_licensed` instead: the tenant cannot have
/// what it has not bought. A pass stands (an enabled policy is positive evidence,
/// whatever the licence), and so does every result when the SKUs are unknown: a licence
/// gap is only ever claimed on evidence of one.
pub fn needs_p1(ctx: &Ctx, measured: Result<Outcome, Missing>) -> Result<Outcome, Missing> {
    let gap = match &measured {
        Ok(o) => matches!(o.status, Status::Fail | Status::NoEvidence),
        Err(_) => true,
    };
    if !gap || licensed(ctx, &["AAD_PREMIUM", "AAD_PREMIUM_P2"]).unwrap_or(true) {
        return measured;
    }
    let found = match &measured {
        Ok(o) => o.message.clone(),
        Err(m) => m.reason.clone(),
    };
    Ok(Outcome::not_licensed(
        P1,
        format!("needs Entra ID P1 or P2 (not licensed): {found}"),
    )
    .measured("no AAD_PREMIUM or AAD_PREMIUM_P2")
    .threshold("Entra ID P1 or P2 (AAD_PREMIUM or AAD_PREMIUM_P2)")
    .evidence(ctx.snap.path(Endpoint::SubscribedSkus.file()), "/value"))
}

/// A role-coverage pass stands only if every role of unknown privilege held in the
/// tenant (a custom role without `isPrivileged`, a definition that is missing) is
/// covered too: one that may be privileged and that no accepted policy covers makes the
/// result no_evidence, naming it.
pub fn unless_unknown_roles(ctx: &Ctx, readings: &[Reading], o: Outcome) -> Outcome {
    if o.status != Status::Pass {
        return o;
    }
    let Ok(p) = crate::controls::access::current_privileged(ctx) else {
        return o;
    };
    let mut open: Vec<(String, Missing)> = p
        .unknown_roles
        .iter()
        .filter(|(a, _)| {
            !readings
                .iter()
                .any(|r| r.reasons.is_empty() && ca::covers_role(r.policy, &a.role_template))
        })
        .map(|(a, m)| (a.role_name.clone(), m.clone()))
        .collect();
    open.sort_by(|a, b| a.0.cmp(&b.0));
    open.dedup_by(|a, b| a.0 == b.0);
    let Some((_, first)) = open.first() else {
        return o;
    };
    let mut out = Outcome::new(
        Status::NoEvidence,
        format!(
            "{} held {} of unknown privilege not covered: {}",
            open.len(),
            if open.len() == 1 { "role" } else { "roles" },
            first.reason
        ),
    )
    .measured("unknown");
    out.threshold = o.threshold;
    let files: std::collections::BTreeSet<String> =
        open.iter().map(|(_, m)| m.file.clone()).collect();
    for f in files {
        out = out.evidence(f, "");
    }
    out.items(capped(
        open.into_iter()
            .map(|(role, m)| format!("role {role}: {}", m.reason))
            .collect(),
        100,
    ))
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

#[cfg(test)]
mod tests {
    use crate::controls::testing::{CaBuilder, Fx, ca_policies};
    use crate::scorecard::{Domain, Status};

    /// A tenant on Business Basic: licences, but no Entra ID P1 or P2 service plan.
    const NO_P1: &str = r#"{"value":[{"skuId":"s1","skuPartNumber":"O365_BUSINESS_ESSENTIALS","capabilityStatus":"Enabled","consumedUnits":4,"prepaidUnits":{"enabled":5},"servicePlans":[{"servicePlanName":"EXCHANGE_S_STANDARD","provisioningStatus":"Success"}]}]}"#;
    /// P1 in a SKU whose subscription is suspended: not a licence the tenant can use.
    const P1_SUSPENDED: &str = r#"{"value":[{"skuId":"s1","skuPartNumber":"SPB","capabilityStatus":"Suspended","consumedUnits":4,"prepaidUnits":{"enabled":0},"servicePlans":[{"servicePlanName":"AAD_PREMIUM","provisioningStatus":"Success"}]}]}"#;

    const P1_CONTROLS: [&str; 8] = [
        "identity.mfa-admins",
        "identity.mfa-users",
        "identity.ca-mfa-all-users",
        "identity.ca-mfa-admins",
        "identity.ca-block-legacy-auth",
        "identity.break-glass-excluded-everywhere",
        "identity.ca-block-device-code-flow",
        "identity.phishing-resistant-mfa-admins",
    ];

    /// What a tenant without P1 looks like: Graph refused the registration report
    /// (the manifest says why) and no Conditional Access policy exists.
    fn unlicensed(skus: &str) -> Fx {
        Fx::new()
            .graph("subscribedSkus.json", skus)
            .graph("conditionalAccessPolicies.json", &ca_policies(&[]))
            .missing_as(
                "graph/userRegistrationDetails.json",
                "not_licensed",
                "Entra ID P1 required",
            )
    }

    /// Regression: a tenant without Entra ID P1 showed Identity 28.6 next to "Failing 0":
    /// the controls it cannot have scored zero.
    #[test]
    fn without_p1_every_p1_control_is_a_named_licence_gap_not_a_failure() {
        for skus in [NO_P1, P1_SUSPENDED] {
            let fx = unlicensed(skus);
            // With no enabled policy nothing can lock the break-glass accounts out: that
            // control does not apply, as in any tenant without Conditional Access.
            let bg = fx.eval("identity.break-glass-excluded-everywhere");
            assert_eq!(bg.status, Status::NotApplicable, "{bg:?}");
            for id in P1_CONTROLS
                .iter()
                .filter(|id| !id.starts_with("identity.break-glass"))
            {
                let o = fx.eval(id);
                assert_eq!(o.status, Status::NotLicensed, "{id}: {o:?}");
                assert_eq!(o.licence.as_deref(), Some("Entra ID P1 or P2"), "{id}");
                assert!(
                    o.message.starts_with("needs Entra ID P1 or P2"),
                    "{id}: {}",
                    o.message
                );
                assert!(
                    o.evidence[0].file.ends_with("graph/subscribedSkus.json"),
                    "{id}"
                );
            }
            // The licence control itself still fails: the declared model needs P1.
            assert_eq!(fx.eval("identity.licences").status, Status::Fail);
        }
    }

    #[test]
    fn licence_gaps_are_left_out_of_the_identity_score() {
        let card = unlicensed(NO_P1).scorecard();
        let identity = card
            .domains
            .iter()
            .find(|d| d.domain == Domain::Identity)
            .expect("identity domain");
        // Of the Conditional Access side, only identity.licences (fail) and security-defaults
        // (fail: nothing enforces MFA) are scored; seven P1 and two P2 controls are licence gaps, break-glass does not apply.
        assert_eq!(identity.counts.not_licensed, 9, "{:?}", identity.counts);
        // Outside identity, PIM's access.ga-activation-approval needs P2 as well.
        let gaps: Vec<&str> = card
            .results
            .iter()
            .filter(|r| r.status == Status::NotLicensed && r.domain != Domain::Identity)
            .map(|r| r.control.as_str())
            .collect();
        assert_eq!(gaps, ["access.ga-activation-approval"]);
        assert_eq!(card.counts.not_licensed, 10);
        let scored: Vec<&str> = card
            .results
            .iter()
            .filter(|r| r.domain == Domain::Identity && r.status.points().is_some())
            .map(|r| r.control.as_str())
            .collect();
        // The directory settings need no premium licence: scored as usual.
        assert_eq!(
            scored,
            [
                "identity.security-defaults",
                "identity.licences",
                "identity.weak-methods-disabled",
                "identity.user-consent-restricted",
                "identity.guest-access-restricted",
                "identity.passwords-never-expire"
            ]
        );
        for r in card
            .results
            .iter()
            .filter(|r| r.status == Status::NotLicensed)
        {
            assert!(r.licence.is_some(), "{}", r.control);
        }
    }

    #[test]
    fn a_pass_stands_without_p1_and_unknown_skus_claim_no_licence_gap() {
        // An enabled policy is positive evidence, whatever the licence says.
        let o = Fx::new()
            .graph("subscribedSkus.json", NO_P1)
            .graph(
                "conditionalAccessPolicies.json",
                &ca_policies(&[CaBuilder::mfa_all_users("MFA")]),
            )
            .eval("identity.ca-mfa-all-users");
        assert_eq!(o.status, Status::Pass, "{}", o.message);
        // Without subscribedSkus.json a gap is never assumed: missing stays missing.
        let fx = Fx::new()
            .without("graph/subscribedSkus.json")
            .graph("conditionalAccessPolicies.json", &ca_policies(&[]))
            .without("graph/userRegistrationDetails.json");
        for id in P1_CONTROLS {
            let o = fx.eval(id);
            assert_ne!(o.status, Status::NotLicensed, "{id}: {o:?}");
        }
        assert_eq!(fx.eval("identity.mfa-admins").status, Status::NoEvidence);
        assert_eq!(fx.eval("identity.ca-mfa-all-users").status, Status::Fail);
        // With P1 licensed, a refused report stays missing evidence.
        let o = Fx::new()
            .missing_as(
                "graph/userRegistrationDetails.json",
                "not_licensed",
                "Entra ID P1 required",
            )
            .eval("identity.mfa-users");
        assert_eq!(o.status, Status::NoEvidence);
    }
}
