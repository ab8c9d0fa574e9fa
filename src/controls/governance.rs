//! Governance: the RACI is complete, every control and workload has an owner, and the
//! licences paid for are used.

use super::*;
use crate::evidence::endpoints::Endpoint;

const LICENCE_MIN_PERCENT: Param = Param {
    name: "min_percent",
    default: 80.0,
    min: 0.0,
    max: 100.0,
    doc: "minimum share of purchased units in use",
    direction: Direction::HigherIsStricter,
};

pub fn controls() -> Vec<Control> {
    vec![
        Control::new("governance.raci-complete", Domain::Governance, "Every activity has one Accountable and a Responsible", raci_complete)
            .doc(
                "Each RACI activity in raci.toml names exactly one Accountable party and at least one Responsible party.",
                "Under the shared responsibility model a control with two accountable parties, or none, is owned by nobody: incidents fall between MSP and client.",
                "Edit raci.toml so each [[activity]] has `accountable = [\"<one party>\"]` and a non-empty `responsible` list; agree the change with the client.",
            )
            .weight(2),
        Control::new("governance.controls-owned", Domain::Governance, "Every enabled control maps to a RACI activity", controls_owned)
            .doc(
                "Every control that is not disabled in controls.toml is covered by the `controls` list of at least one RACI activity.",
                "A control without an activity has no accountable person, so a failing result reaches nobody who can fix it.",
                "Add the control id (or a prefix such as `backup.*`) to the `controls` list of the activity that owns it in raci.toml.",
            ),
        Control::new("governance.workload-owners", Domain::Governance, "In-scope workloads have an owner, RPO and RTO", workload_owners)
            .doc(
                "Each in-scope workload in backup.toml declares `owner`, `rpo` and `rto`.",
                "Backup is the customer's side of the shared responsibility model; without a named owner and agreed recovery objectives nobody can say whether a restore is good enough.",
                "Set `owner`, `rpo` and `rto` for every workload with `in_scope = true` in backup.toml, as agreed in the service contract.",
            ),
        Control::new("governance.licence-utilisation", Domain::Governance, "Paid licences are used and not over-assigned", licence_utilisation)
            .doc(
                "For each paid, enabled subscription in subscribedSkus, consumed units against purchased units: below the minimum utilisation warns, over-assignment fails.",
                "Unused licences are money the client pays for nothing; over-assigned licences lapse into reduced functionality or a compliance gap at renewal.",
                "Reduce the purchased quantity at the next renewal, reassign unused licences, or buy the missing units for over-assigned subscriptions.",
            )
            .params(&[LICENCE_MIN_PERCENT]),
    ]
}

fn raci_complete(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let acts = &ctx.policy.raci.activities;
    if acts.is_empty() {
        return Ok(Outcome::fail("raci.toml declares no activities")
            .policy([At::file_start(&format!("clients/{}/raci.toml", ctx.client))]));
    }
    let mut items = Vec::new();
    let mut at = Vec::new();
    for a in acts {
        let mut problems = Vec::new();
        if a.accountable.len() != 1 {
            problems.push(format!(
                "{} accountable (needs exactly one)",
                a.accountable.len()
            ));
        }
        if a.responsible.is_empty() {
            problems.push("no responsible party".to_owned());
        }
        if !problems.is_empty() {
            items.push(format!("{}: {}", a.id, problems.join(", ")));
            at.push(a.at.clone());
        }
    }
    let complete = acts.len() - items.len();
    Ok(Outcome::check(
        items.is_empty(),
        format!(
            "all {} activities have one Accountable and a Responsible",
            acts.len()
        ),
        format!(
            "{} of {} activities lack a single Accountable or a Responsible",
            items.len(),
            acts.len()
        ),
    )
    .measured(format!("{complete}/{} complete", acts.len()))
    .threshold("all activities")
    .items(items)
    .policy(at))
}

fn controls_owned(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let disabled: Vec<&str> = ctx
        .policy
        .controls
        .disabled
        .iter()
        .map(|d| d.control.as_str())
        .collect();
    let enabled: Vec<&Control> = catalogue()
        .iter()
        .filter(|c| !disabled.contains(&c.id.as_str()))
        .collect();
    let unowned: Vec<String> = enabled
        .iter()
        .filter(|c| !ctx.policy.raci.activities.iter().any(|a| a.covers(&c.id)))
        .map(|c| c.id.clone())
        .collect();
    let owned = enabled.len() - unowned.len();
    Ok(Outcome::check(
        unowned.is_empty(),
        format!(
            "all {} enabled controls map to a RACI activity",
            enabled.len()
        ),
        format!("{} enabled controls map to no RACI activity", unowned.len()),
    )
    .measured(format!("{owned}/{}", enabled.len()))
    .threshold("all enabled controls")
    .items(unowned)
    .policy([At::file_start(&format!("clients/{}/raci.toml", ctx.client))]))
}

fn workload_owners(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let backup = &ctx.policy.backup;
    let in_scope: Vec<_> = backup
        .workloads
        .iter()
        .filter(|(_, w)| w.in_scope)
        .collect();
    if in_scope.is_empty() {
        return Ok(Outcome::na("no workload is in scope for backup")
            .policy([At::file_start(&backup.file)]));
    }
    let mut items = Vec::new();
    let mut at = Vec::new();
    for (w, p) in &in_scope {
        let missing: Vec<&str> = [
            ("owner", p.owner.is_none()),
            ("rpo", p.rpo.is_none()),
            ("rto", p.rto.is_none()),
        ]
        .into_iter()
        .filter_map(|(k, m)| m.then_some(k))
        .collect();
        if !missing.is_empty() {
            items.push(format!("{}: no {}", w.id(), missing.join(", ")));
            at.push(p.at.clone());
        }
    }
    Ok(Outcome::check(
        items.is_empty(),
        format!(
            "all {} in-scope workloads have an owner, RPO and RTO",
            in_scope.len()
        ),
        format!(
            "{} in-scope workloads lack an owner, RPO or RTO",
            items.len()
        ),
    )
    .measured(format!(
        "{}/{}",
        in_scope.len() - items.len(),
        in_scope.len()
    ))
    .threshold("all in-scope workloads")
    .items(items)
    .policy(at))
}

/// SKUs with this many units or more are free or viral allocations (FLOW_FREE has 10 000).
const FREE_ALLOCATION: i64 = 10_000;

fn licence_utilisation(ctx: &Ctx, c: &Control) -> Result<Outcome, Missing> {
    let skus = ctx.snap.skus.get()?;
    let file = ctx.snap.path(Endpoint::SubscribedSkus.file());
    let (min, min_at) = ctx.param(c, &LICENCE_MIN_PERCENT);
    let mut items = Vec::new();
    let mut over = false;
    let (mut used, mut bought) = (0i64, 0i64);
    let mut evidence = Vec::new();
    for (i, s) in skus.iter().enumerate() {
        let enabled = s.enabled_units();
        if !s.is_enabled() || enabled <= 0 || enabled >= FREE_ALLOCATION {
            continue;
        }
        let consumed = s.consumed_units.unwrap_or(0);
        used += consumed.min(enabled);
        bought += enabled;
        let u = 100.0 * consumed as f64 / enabled as f64;
        if consumed > enabled {
            over = true;
            items.push(format!(
                "{}: {consumed} assigned of {enabled} purchased (over-assigned)",
                s.sku_part_number
            ));
            evidence.push(format!("/value/{i}"));
        } else if u < min {
            items.push(format!(
                "{}: {consumed} of {enabled} used ({})",
                s.sku_part_number,
                pct(u)
            ));
            evidence.push(format!("/value/{i}"));
        }
    }
    if bought == 0 {
        return Ok(Outcome::na("no paid subscriptions in subscribedSkus").evidence(file, "/value"));
    }
    let overall = 100.0 * used as f64 / bought as f64;
    let outcome = if over {
        Outcome::fail(format!(
            "{} subscriptions are over-assigned or under-used",
            items.len()
        ))
    } else if items.is_empty() {
        Outcome::pass(format!(
            "every paid subscription is at least {} used",
            pct(min)
        ))
    } else {
        Outcome::warn(format!(
            "{} paid subscriptions are under {} used",
            items.len(),
            pct(min)
        ))
    };
    let mut o = outcome
        .measured(format!("{} of purchased units used", pct(overall)))
        .threshold(format!("≥ {} per subscription", pct(min)))
        .items(items)
        .policy(min_at);
    if evidence.is_empty() {
        o = o.evidence(file, "/value");
    }
    for p in evidence {
        o = o.evidence(ctx.snap.path(Endpoint::SubscribedSkus.file()), p);
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use crate::controls::testing::Fx;
    use crate::scorecard::Status;

    #[test]
    fn raci_with_two_accountable_fails_and_points_at_the_activity() {
        let fx = Fx::new().policy(
            "raci.toml",
            "[[activity]]\nid = \"a\"\nname = \"A\"\nresponsible = [\"X\"]\naccountable = [\"Y\"]\ncontrols = [\"*\"]\n\n[[activity]]\nid = \"licensing\"\nname = \"L\"\nresponsible = [\"X\"]\naccountable = [\"Y\", \"Z\"]\ncontrols = [\"governance.*\"]\n",
        );
        let o = fx.eval("governance.raci-complete");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["licensing: 2 accountable (needs exactly one)"]);
        assert_eq!(o.policy[0].line, 9, "the id line of the offending activity");
    }

    #[test]
    fn raci_complete_passes_on_the_default_fixture() {
        assert_eq!(
            Fx::new().eval("governance.raci-complete").status,
            Status::Pass
        );
    }

    #[test]
    fn unowned_controls_are_listed_unless_disabled() {
        let fx = Fx::new().policy(
            "raci.toml",
            "[[activity]]\nid = \"a\"\nname = \"A\"\nresponsible = [\"X\"]\naccountable = [\"Y\"]\ncontrols = [\"identity.*\", \"access.*\", \"backup.*\", \"retention.*\", \"evidence.*\", \"governance.*\"]\n",
        );
        assert_eq!(fx.eval("governance.controls-owned").status, Status::Pass);
        let fx = fx.policy(
            "raci.toml",
            "[[activity]]\nid = \"a\"\nname = \"A\"\nresponsible = [\"X\"]\naccountable = [\"Y\"]\ncontrols = [\"identity.*\", \"access.*\", \"backup.*\", \"evidence.*\", \"governance.*\", \"retention.legal-minimum\"]\n",
        );
        let o = fx.eval("governance.controls-owned");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["retention.separate-from-backup"]);
        let fx = fx.with_controls_extra("[[disabled]]\ncontrol = \"retention.separate-from-backup\"\nreason = \"contract excludes records management\"\n");
        assert_eq!(fx.eval("governance.controls-owned").status, Status::Pass);
    }

    #[test]
    fn workload_without_owner_fails() {
        let fx = Fx::new().policy(
            "backup.toml",
            "[exchange]\nin_scope = true\nrpo = \"24h\"\nrto = \"8h\"\n",
        );
        let o = fx.eval("governance.workload-owners");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["exchange: no owner"]);
    }

    #[test]
    fn licence_utilisation_warns_below_threshold_and_ignores_free_skus() {
        let fx = Fx::new().graph(
            "subscribedSkus.json",
            r#"{"value":[
              {"skuPartNumber":"SPE_E3","capabilityStatus":"Enabled","consumedUnits":10,"prepaidUnits":{"enabled":25}},
              {"skuPartNumber":"FLOW_FREE","capabilityStatus":"Enabled","consumedUnits":2,"prepaidUnits":{"enabled":10000}},
              {"skuPartNumber":"EMS","capabilityStatus":"Suspended","consumedUnits":0,"prepaidUnits":{"enabled":5}}]}"#,
        );
        let o = fx.eval("governance.licence-utilisation");
        assert_eq!(o.status, Status::Warn);
        assert_eq!(o.items, ["SPE_E3: 10 of 25 used (40%)"]);
        assert_eq!(o.evidence[0].pointer, "/value/0");
    }

    #[test]
    fn over_assigned_licences_fail() {
        let fx = Fx::new().graph("subscribedSkus.json", r#"{"value":[{"skuPartNumber":"SPE_E3","consumedUnits":26,"prepaidUnits":{"enabled":25}}]}"#);
        assert_eq!(
            fx.eval("governance.licence-utilisation").status,
            Status::Fail
        );
    }

    #[test]
    fn licence_utilisation_without_snapshot_is_no_evidence() {
        let o = Fx::new()
            .without("graph/subscribedSkus.json")
            .eval("governance.licence-utilisation");
        assert_eq!(o.status, Status::NoEvidence);
    }
}
