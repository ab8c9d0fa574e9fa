//! `evidence.snapshot-fresh`: the snapshot was collected within the month it is filed under.

use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::{MANIFEST, Missing};
use crate::model::Domain;

pub fn control() -> Control {
    Control::new("evidence.snapshot-fresh", Domain::Evidence, "The snapshot was collected in its month", fresh)
        .doc(
            "manifest.json `collected_at` falls within the month the snapshot is filed under.",
            "A snapshot from another month describes another tenant state; filing it under this month misreports the month.",
            "Collect the month's snapshot during the month (the publish workflow runs on a schedule) and file it under the right YYYY-MM.",
        )
}

fn fresh(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let manifest = ctx.snap.manifest.get()?;
    let file = ctx.snap.path(MANIFEST);
    let Ok(t) = manifest.collected_at.parse::<jiff::Timestamp>() else {
        return Ok(Outcome::fail(format!(
            "collected_at {:?} is not an RFC 3339 timestamp",
            manifest.collected_at
        ))
        .evidence(file, "/collected_at"));
    };
    Ok(Outcome::check(
        ctx.month.contains(t),
        format!("collected {} within {}", manifest.collected_at, ctx.month),
        format!("collected {} outside {}", manifest.collected_at, ctx.month),
    )
    .measured(manifest.collected_at.clone())
    .threshold(format!("within {}", ctx.month))
    .evidence(file, "/collected_at"))
}

#[cfg(test)]
mod tests {
    use crate::controls::testing::{Fx, MONTH};

    use crate::scorecard::Status;

    #[test]
    fn a_snapshot_collected_in_its_month_is_fresh() {
        let o = Fx::new().eval("evidence.snapshot-fresh");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.message, "collected 2026-11-23T03:00:00Z within 2026-11");
        assert_eq!(o.evidence[0].pointer, "/collected_at");
    }

    #[test]
    fn a_snapshot_collected_the_next_month_fails() {
        let o = Fx::new()
            .collected_at(MONTH, "2026-12-01T00:00:00Z")
            .eval("evidence.snapshot-fresh");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.message, "collected 2026-12-01T00:00:00Z outside 2026-11");
    }

    #[test]
    fn a_snapshot_collected_the_month_before_fails() {
        let o = Fx::new()
            .collected_at(MONTH, "2026-10-31T23:59:59Z")
            .eval("evidence.snapshot-fresh");
        assert_eq!(o.status, Status::Fail);
    }

    #[test]
    fn the_month_is_judged_in_utc() {
        // 00:30 on 1 December in UTC+1 is 23:30 on 30 November UTC.
        let o = Fx::new()
            .collected_at(MONTH, "2026-12-01T00:30:00+01:00")
            .eval("evidence.snapshot-fresh");
        assert_eq!(o.status, Status::Pass, "{o:?}");
        let o = Fx::new()
            .collected_at(MONTH, "2026-11-30T23:30:00-01:00")
            .eval("evidence.snapshot-fresh");
        assert_eq!(o.status, Status::Fail, "00:30 on 1 December UTC");
    }

    #[test]
    fn a_collected_at_that_is_not_a_timestamp_fails() {
        let o = Fx::new()
            .collected_at(MONTH, "2026-11-23")
            .eval("evidence.snapshot-fresh");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.message,
            "collected_at \"2026-11-23\" is not an RFC 3339 timestamp"
        );
    }

    #[test]
    fn freshness_without_a_manifest_is_no_evidence() {
        let o = Fx::new()
            .file(MONTH, "manifest.json", "not json")
            .eval("evidence.snapshot-fresh");
        assert_eq!(o.status, Status::NoEvidence);
        assert!(o.message.starts_with("unreadable"), "{}", o.message);
    }
}
