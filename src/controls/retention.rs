//! Retention: records retention is kept apart from backup, and backup keeps data at
//! least as long as the law or contract requires.

use super::*;
use crate::evidence::endpoints::Endpoint;
use crate::evidence::graph::iso_duration_minutes;
use crate::policy::M365_BACKUP;

pub fn controls() -> Vec<Control> {
    vec![
        Control::new("retention.separate-from-backup", Domain::Retention, "Compliance retention is separate from backup", separate)
            .doc(
                "backup.toml `[retention]` names where records (compliance) retention lives and does not rely on backup as the records archive.",
                "Backups are for recovery: they are overwritten on a schedule, are not searchable for eDiscovery and cannot place legal holds. Using them as the archive fails legal requests.",
                "Configure retention policies or litigation hold (Microsoft Purview), set `compliance_location`, and `relies_on_backup = false`.",
            ),
        Control::new("retention.legal-minimum", Domain::Retention, "Backup retention meets the legal minimum", legal_minimum)
            .doc(
                "Each in-scope workload's declared backup retention is at least `[retention] legal_minimum`, and Microsoft 365 Backup's own protection policy keeps data at least as long as declared.",
                "Data deleted before its legal minimum cannot be produced when a regulator, court or auditor asks for it.",
                "Raise the retention of the listed workloads (in the backup product and backup.toml) to at least the legal minimum, or correct the declared minimum.",
            )
            .weight(2),
    ]
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
        format!("records retention lives in {}", r.compliance_location.as_deref().unwrap_or_default()),
        "records retention is not separated from backup",
    )
    .measured(r.compliance_location.clone().unwrap_or_else(|| "undeclared".into()))
    .threshold("declared, not backup")
    .items(items)
    .policy([r.at.clone()]))
}

fn legal_minimum(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let r = &ctx.policy.backup.retention;
    let Some(min) = r.legal_minimum else {
        return Ok(Outcome::warn("no `legal_minimum` declared in backup.toml [retention]").measured("undeclared").threshold("declared").policy([r.at.clone()]));
    };
    let mut items = Vec::new();
    let mut at = vec![r.at.clone()];
    let mut o = Outcome::pass("");
    let in_scope: Vec<_> = ctx.policy.backup.workloads.iter().filter(|(_, p)| p.in_scope).collect();
    for (w, p) in &in_scope {
        match p.retention {
            Some(ret) if ret < min => {
                items.push(format!("{}: retention {ret} < legal minimum {min}", w.id()));
                at.push(p.at_key("retention"));
            }
            None => {
                items.push(format!("{}: no retention declared", w.id()));
                at.push(p.at.clone());
            }
            Some(_) => {}
        }
    }
    // Microsoft 365 Backup reports what its policies actually keep.
    if in_scope.iter().any(|(_, p)| p.provider.as_deref() == Some(M365_BACKUP))
        && let Ok(policies) = ctx.snap.protection_policies.get()
    {
        let file = ctx.snap.path(Endpoint::ProtectionPolicies.file());
        for (i, pp) in policies.iter().enumerate() {
            let kept = pp.retention_settings.iter().filter_map(|s| s.period.as_deref().and_then(iso_duration_minutes)).max();
            if let Some(kept) = kept
                && kept < min.minutes()
            {
                items.push(format!("Microsoft 365 Backup policy \"{}\" keeps {} < legal minimum {min}", pp.display_name.as_deref().unwrap_or(&pp.id), crate::duration::Duration::from_minutes(kept)));
                o = o.evidence(file.clone(), format!("/value/{i}/retentionSettings"));
            }
        }
    }
    o.status = if items.is_empty() { Status::Pass } else { Status::Fail };
    o.message = if items.is_empty() { format!("all {} in-scope workloads keep backups at least {min}", in_scope.len()) } else { format!("{} retention(s) below the legal minimum of {min}", items.len()) };
    Ok(o.measured(format!("{} short", items.len())).threshold(format!("≥ {min}")).items(items).policy(at))
}
