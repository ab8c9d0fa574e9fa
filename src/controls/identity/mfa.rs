//! The MFA registration coverage that `identity.mfa-admins` and `identity.mfa-users`
//! share: who is in the population, who is registered, and who the report says nothing about.

use crate::controls::{Control, Ctx, Outcome, Param, capped, pct, ratio};
use crate::evidence::Missing;
use crate::evidence::endpoints::Endpoint;
use crate::evidence::graph::{RegistrationDetail, User};
use crate::model::Status;
use std::collections::{HashMap, HashSet};

pub(super) fn reg_file(ctx: &Ctx) -> String {
    ctx.snap.path(Endpoint::RegistrationDetails.file())
}

/// Users by object id, when users.json is there.
pub(super) fn users_by_id<'a>(ctx: &'a Ctx) -> HashMap<&'a str, &'a User> {
    ctx.snap
        .users
        .ok()
        .map(|u| u.iter().map(|u| (u.id.as_str(), u)).collect())
        .unwrap_or_default()
}

/// Who else must be in a population than the registration report's own selection:
/// each with a name and, when the report has no record of them, why that matters.
pub(super) struct Extra {
    /// Object ids whose registration record must be counted even if `select` skips it.
    pub(super) ids: HashSet<String>,
    /// Population members the report says nothing about: `(item, missing)`.
    pub(super) unknown: Vec<(String, Missing)>,
    /// Some members are unknown in number (a group whose membership was not collected).
    pub(super) unbounded: bool,
}

/// The share of a population registered for MFA, with the unregistered as items. A pass
/// needs positive evidence: it must hold even if every member the report says nothing
/// about is unregistered; a fail must hold even if they all are registered; anything in
/// between is `no_evidence`, naming who is unknown.
pub(super) fn mfa_coverage(
    ctx: &Ctx,
    c: &Control,
    min_percent: &Param,
    who: &str,
    select: fn(&RegistrationDetail, Option<&User>) -> bool,
    extra: Extra,
) -> Result<Outcome, Missing> {
    let regs = ctx.snap.registrations.get()?;
    let users = users_by_id(ctx);
    let (min, min_at) = ctx.param(c, min_percent);
    let mut total = 0usize;
    let mut missing = Vec::new();
    let mut pointers = Vec::new();
    for (i, r) in regs.iter().enumerate() {
        let user = users.get(r.id.as_str()).copied();
        if user.is_some_and(|u| u.account_enabled == Some(false))
            || !(select(r, user) || extra.ids.contains(&r.id))
        {
            continue;
        }
        total += 1;
        if r.is_mfa_registered != Some(true) {
            missing.push(r.name().to_owned());
            pointers.push(format!("/value/{i}"));
        }
    }
    let unknown = extra.unknown;
    let registered = total - missing.len();
    let all = total + unknown.len();
    // Every tenant has users and at least one administrator: a report that lists none
    // shows nothing about them (nothing in scope proves nothing), never "not applicable".
    let (Some(worst), Some(best)) = (
        ratio(registered, all),
        ratio(registered + unknown.len(), all),
    ) else {
        return Ok(Outcome::new(
            Status::NoEvidence,
            format!("no in-scope {who} recorded: userRegistrationDetails lists no enabled {who}"),
        )
        .measured(format!("0 {who}"))
        .threshold(format!("≥ {}", pct(min)))
        .policy(min_at)
        .evidence(reg_file(ctx), "/value"));
    };
    let fails = if extra.unbounded {
        // However many unknown members there are, the share stays below 100%.
        !missing.is_empty() && min >= 100.0
    } else {
        best < min
    };
    let passes = !extra.unbounded && worst >= min;
    if !fails && !passes {
        let mut o = Outcome::new(
            Status::NoEvidence,
            format!(
                "{} {who} cannot be judged: {}",
                unknown.len(),
                unknown
                    .first()
                    .map(|(_, m)| m.reason.clone())
                    .unwrap_or_default()
            ),
        )
        .measured(format!("{registered} of at least {all} registered"))
        .threshold(format!("≥ {}", pct(min)))
        .items(capped(
            unknown
                .iter()
                .map(|(i, m)| format!("{i}: {}", m.reason))
                .chain(missing.iter().map(|n| format!("{n}: not registered")))
                .collect(),
            100,
        ))
        .policy(min_at);
        let mut files = HashSet::new();
        for (_, m) in &unknown {
            if files.insert(m.file.clone()) {
                o = o.evidence(m.file.clone(), "");
            }
        }
        return Ok(o.evidence(reg_file(ctx), "/value"));
    }
    // Only unknown members (a pass or fail that holds whatever they are): none shown.
    let p = ratio(registered, total).unwrap_or(0.0);
    let mut items = missing.clone();
    items.extend(unknown.iter().map(|(i, m)| format!("{i}: {}", m.reason)));
    let mut o = Outcome::check(
        passes,
        format!("{registered} of {total} {who} registered for MFA"),
        format!(
            "{} of {total} {who} are not registered for MFA",
            missing.len()
        ),
    )
    .measured(pct(p))
    .value(p)
    .threshold(format!("≥ {}", pct(min)))
    .items(capped(items, 100))
    .policy(min_at);
    if pointers.is_empty() {
        o = o.evidence(reg_file(ctx), "/value");
    }
    for ptr in pointers.into_iter().take(20) {
        o = o.evidence(reg_file(ctx), ptr);
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use crate::controls::testing::Fx;
    use crate::scorecard::Status;

    use crate::controls::identity::fixtures::*;

    /// Regression: a peer tool marked every user as lacking MFA when the registration
    /// report was refused (403, no Entra ID P1). A refused report is missing evidence.
    #[test]
    fn refused_registration_report_is_no_evidence_not_every_user_lacking_mfa() {
        let fx = Fx::new().missing_as(
            "graph/userRegistrationDetails.json",
            "not_licensed",
            "Entra ID P1 required",
        );
        for id in ["identity.mfa-admins", "identity.mfa-users"] {
            let o = fx.eval(id);
            assert_eq!(o.status, Status::NoEvidence, "{id}: {o:?}");
            assert_ne!(o.status, Status::Fail);
            assert!(o.message.contains("not licensed"), "{id}: {}", o.message);
            assert!(
                o.message.contains("Entra ID P1 required"),
                "{id}: {}",
                o.message
            );
            assert!(o.items.is_empty(), "{id}: nobody is listed as lacking MFA");
            assert_eq!(o.evidence[0].file, REG_FILE);
        }
    }
}
