//! `governance.licence-utilisation`: paid subscriptions are used and not over-assigned.

use crate::controls::{Control, Ctx, Direction, Outcome, Param, pct};
use crate::evidence::Missing;
use crate::evidence::endpoints::Endpoint;
use crate::model::Domain;

const LICENCE_MIN_PERCENT: Param = Param {
    name: "min_percent",
    default: 80.0,
    min: 0.0,
    max: 100.0,
    doc: "minimum share of purchased units in use",
    direction: Direction::HigherIsStricter,
};

pub fn control() -> Control {
    Control::new("governance.licence-utilisation", Domain::Governance, "Paid licences are used and not over-assigned", licence_utilisation)
        .doc(
            "For each paid, enabled subscription in subscribedSkus, consumed units against purchased units: below the minimum utilisation warns, over-assignment fails.",
            "Unused licences are money the client pays for nothing; over-assigned licences lapse into reduced functionality or a compliance gap at renewal.",
            "Reduce the purchased quantity at the next renewal, reassign unused licences, or buy the missing units for over-assigned subscriptions.",
        )
        .params(&[LICENCE_MIN_PERCENT])
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
