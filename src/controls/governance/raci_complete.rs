//! `governance.raci-complete`: every RACI activity names exactly one Accountable and at
//! least one Responsible party.

use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::Missing;
use crate::model::{At, Domain};

pub fn control() -> Control {
    Control::new("governance.raci-complete", Domain::Governance, "Every activity has one Accountable and a Responsible", raci_complete)
        .doc(
            "Each RACI activity in raci.toml names exactly one Accountable party and at least one Responsible party.",
            "Under the shared responsibility model a control with two accountable parties, or none, is owned by nobody: incidents fall between MSP and client.",
            "Edit raci.toml so each [[activity]] has `accountable = [\"<one party>\"]` and a non-empty `responsible` list; agree the change with the client.",
        )
        .weight(2)
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
}
