//! `governance.controls-owned`: every enabled control is covered by a RACI activity.

use crate::controls::{Control, Ctx, Outcome, catalogue};
use crate::evidence::Missing;
use crate::model::{At, Domain};

pub fn control() -> Control {
    Control::new("governance.controls-owned", Domain::Governance, "Every enabled control maps to a RACI activity", controls_owned)
        .doc(
            "Every control that is not disabled in controls.toml is covered by the `controls` list of at least one RACI activity.",
            "A control without an activity has no accountable person, so a failing result reaches nobody who can fix it.",
            "Add the control id (or a prefix such as `backup.*`) to the `controls` list of the activity that owns it in raci.toml.",
        )
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

#[cfg(test)]
mod tests {
    use crate::controls::testing::Fx;
    use crate::scorecard::Status;

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
}
