//! `retention.separate-from-backup`: records (compliance) retention has a declared home
//! and does not rely on the backup as its archive.

use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::Missing;
use crate::model::Domain;

pub fn control() -> Control {
    Control::new("retention.separate-from-backup", Domain::Retention, "Compliance retention is separate from backup", separate)
        .doc(
            "backup.toml `[retention]` names where records (compliance) retention lives and does not rely on backup as the records archive.",
            "Backups are for recovery: they are overwritten on a schedule, are not searchable for eDiscovery and cannot place legal holds. Using them as the archive fails legal requests.",
            "Configure retention policies or litigation hold (Microsoft Purview), set `compliance_location`, and `relies_on_backup = false`.",
        )
}

fn separate(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let r = &ctx.policy.backup.retention;
    let mut items = Vec::new();
    if r.relies_on_backup {
        items.push("`relies_on_backup = true`: backup is used as the records archive".to_owned());
    }
    if r.compliance_location.is_none() {
        items.push("no `compliance_location` declared".to_owned());
    }
    Ok(Outcome::check(
        items.is_empty(),
        format!(
            "records retention lives in {}",
            r.compliance_location.as_deref().unwrap_or_default()
        ),
        "records retention is not separated from backup",
    )
    .measured(
        r.compliance_location
            .clone()
            .unwrap_or_else(|| "undeclared".into()),
    )
    .threshold("declared, not backup")
    .items(items)
    .policy([r.at.clone()]))
}

#[cfg(test)]
mod tests {
    use crate::controls::testing::{Fx, backup_toml};
    use crate::scorecard::Status;

    #[test]
    fn a_declared_compliance_location_not_relying_on_backup_passes() {
        let o = Fx::new().eval("retention.separate-from-backup");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(
            o.measured.as_deref(),
            Some("Microsoft Purview retention policies")
        );
        assert_eq!(o.policy[0].file, "clients/acme/backup.toml");
    }

    #[test]
    fn relying_on_backup_as_the_archive_fails() {
        let o = Fx::new()
            .policy(
                "backup.toml",
                &backup_toml("relies_on_backup = false", "relies_on_backup = true"),
            )
            .eval("retention.separate-from-backup");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            ["`relies_on_backup = true`: backup is used as the records archive"]
        );
    }

    #[test]
    fn no_compliance_location_fails() {
        let o = Fx::new()
            .policy(
                "backup.toml",
                &backup_toml(
                    "compliance_location = \"Microsoft Purview retention policies\"\n",
                    "",
                ),
            )
            .eval("retention.separate-from-backup");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["no `compliance_location` declared"]);
        assert_eq!(o.measured.as_deref(), Some("undeclared"));
    }
}
