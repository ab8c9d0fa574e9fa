//! `retention.legal-minimum`: every in-scope backup keeps data at least as long as the
//! legal minimum.

use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::Missing;
use crate::evidence::endpoints::Endpoint;
use crate::evidence::graph::iso_duration_minutes;
use crate::model::{Domain, Status, Workload};
use crate::policy::M365_BACKUP;

pub fn control() -> Control {
    Control::new("retention.legal-minimum", Domain::Retention, "Backup retention meets the legal minimum", legal_minimum)
        .doc(
            "Each in-scope workload's declared backup retention is at least `[retention] legal_minimum`, and Microsoft 365 Backup's own protection policy keeps data at least as long as declared; for a workload it backs up, a protection policy with a retention period must be in protectionPolicies.json (else no_evidence, unless a shortfall is already proven).",
            "Data deleted before its legal minimum cannot be produced when a regulator, court or auditor asks for it.",
            "Raise the retention of the listed workloads (in the backup product and backup.toml) to at least the legal minimum, or correct the declared minimum.",
        )
        .weight(2)
}

/// The `@odata.type` suffix of a workload's Microsoft 365 Backup protection policy.
fn policy_type(w: Workload) -> Option<&'static str> {
    match w {
        Workload::Exchange => Some("exchangeProtectionPolicy"),
        Workload::OneDrive => Some("oneDriveForBusinessProtectionPolicy"),
        Workload::SharePoint => Some("sharePointProtectionPolicy"),
        Workload::Teams => None,
    }
}

fn legal_minimum(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let r = &ctx.policy.backup.retention;
    let Some(min) = r.legal_minimum else {
        return Ok(
            Outcome::warn("no `legal_minimum` declared in backup.toml [retention]")
                .measured("undeclared")
                .threshold("declared")
                .policy([r.at.clone()]),
        );
    };
    let mut items = Vec::new();
    let mut at = vec![r.at.clone()];
    let mut o = Outcome::pass("");
    let in_scope: Vec<_> = ctx
        .policy
        .backup
        .workloads
        .iter()
        .filter(|(_, p)| p.in_scope)
        .collect();
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
    // Only the policies of in-scope workloads backed up by it: an out-of-scope
    // workload's policy is not what the client relies on.
    let m365_types: Vec<&str> = in_scope
        .iter()
        .filter(|(_, p)| p.provider.as_deref() == Some(M365_BACKUP))
        .filter_map(|(w, _)| policy_type(**w))
        .collect();
    // What Microsoft 365 Backup cannot show it keeps: no policy file, no policy for a
    // workload, or a policy without a retention period. A shortfall the policy files
    // already prove stays a fail; otherwise this is no evidence, never a pass.
    let mut unknown: Vec<Missing> = Vec::new();
    if !m365_types.is_empty() {
        match ctx.snap.protection_policies.get() {
            Ok(policies) => {
                for t in &m365_types {
                    let kept = policies
                        .iter()
                        .filter(|pp| pp.odata_type.as_deref().is_some_and(|x| x.ends_with(t)))
                        .any(|pp| {
                            pp.retention_settings.iter().any(|s| {
                                s.period.as_deref().and_then(iso_duration_minutes).is_some()
                            })
                        });
                    if !kept {
                        unknown.push(Missing {
                            file: ctx.snap.path(Endpoint::ProtectionPolicies.file()),
                            reason: format!(
                                "no Microsoft 365 Backup {t} with a retention period in protectionPolicies.json"
                            ),
                        });
                    }
                }
            }
            Err(m) => unknown.push(m),
        }
    }
    if !m365_types.is_empty()
        && let Ok(policies) = ctx.snap.protection_policies.get()
    {
        let file = ctx.snap.path(Endpoint::ProtectionPolicies.file());
        let relevant = |pp: &crate::evidence::graph::ProtectionPolicy| {
            pp.odata_type
                .as_deref()
                .is_none_or(|t| m365_types.iter().any(|x| t.ends_with(x)))
        };
        for (i, pp) in policies.iter().enumerate().filter(|(_, pp)| relevant(pp)) {
            let kept = pp
                .retention_settings
                .iter()
                .filter_map(|s| s.period.as_deref().and_then(iso_duration_minutes))
                .max();
            if let Some(kept) = kept
                && kept < min.minutes()
            {
                items.push(format!(
                    "Microsoft 365 Backup policy \"{}\" keeps {} < legal minimum {min}",
                    pp.display_name.as_deref().unwrap_or(&pp.id),
                    crate::duration::Duration::from_minutes(kept)
                ));
                o = o.evidence(file.clone(), format!("/value/{i}/retentionSettings"));
            }
        }
    }
    if items.is_empty()
        && let Some(m) = unknown.into_iter().next()
    {
        return Err(m);
    }
    o.status = if items.is_empty() {
        Status::Pass
    } else {
        Status::Fail
    };
    o.message = if items.is_empty() {
        format!(
            "all {} in-scope workloads keep backups at least {min}",
            in_scope.len()
        )
    } else {
        format!(
            "{} below the legal minimum of {min}",
            crate::controls::count(items.len(), "retention", "retentions")
        )
    };
    Ok(o.measured(format!("{} short", items.len()))
        .threshold(format!("≥ {min}"))
        .items(items)
        .policy(at))
}

#[cfg(test)]
mod tests {
    use crate::controls::testing::{Fx, backup_toml, protection_policies};
    use crate::scorecard::Status;

    fn line_of(text: &str, needle: &str) -> usize {
        text.lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle}"))
            + 1
    }

    #[test]
    fn retention_at_the_legal_minimum_passes() {
        let o = Fx::new().eval("retention.legal-minimum");
        assert_eq!(o.status, Status::Pass);
        assert_eq!(
            o.message,
            "all 1 in-scope workloads keep backups at least 1y"
        );
    }

    #[test]
    fn a_declared_retention_shorter_than_the_legal_minimum_fails_naming_the_workload() {
        let toml = backup_toml("retention = \"1y\"", "retention = \"180d\"");
        let o = Fx::new()
            .policy("backup.toml", &toml)
            .eval("retention.legal-minimum");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["exchange: retention 180d < legal minimum 1y"]);
        assert!(
            o.policy
                .iter()
                .any(|a| a.line == line_of(&toml, "retention = \"180d\"")),
            "{:?}",
            o.policy
        );
    }

    #[test]
    fn an_undeclared_retention_fails() {
        let o = Fx::new()
            .policy("backup.toml", &backup_toml("retention = \"1y\"\n", ""))
            .eval("retention.legal-minimum");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["exchange: no retention declared"]);
    }

    #[test]
    fn a_microsoft_365_backup_policy_keeping_two_weeks_fails() {
        let o = Fx::new()
            .graph(
                "protectionPolicies.json",
                &protection_policies(&[("exchangeProtectionPolicy", "active", &["P2W"])]),
            )
            .eval("retention.legal-minimum");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            [
                "Microsoft 365 Backup policy \"exchangeProtectionPolicy 0\" keeps 2w < legal minimum 1y"
            ]
        );
        assert_eq!(
            o.evidence[0].file,
            "evidence/acme/2026-11/graph/protectionPolicies.json"
        );
        assert_eq!(o.evidence[0].pointer, "/value/0/retentionSettings");
    }

    #[test]
    fn the_longest_retention_setting_of_a_policy_counts() {
        // Graph's own sample: 10-minute points kept two weeks, weekly points kept a year.
        let o = Fx::new()
            .graph(
                "protectionPolicies.json",
                &protection_policies(&[("exchangeProtectionPolicy", "active", &["P2W", "P1Y"])]),
            )
            .eval("retention.legal-minimum");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn policies_of_out_of_scope_workloads_are_not_judged() {
        // Bug fixed: a short SharePoint policy failed the control although SharePoint is out of scope.
        let list = protection_policies(&[
            ("sharePointProtectionPolicy", "inactive", &["P2W"]),
            ("exchangeProtectionPolicy", "active", &["P1Y"]),
        ]);
        let o = Fx::new()
            .graph("protectionPolicies.json", &list)
            .eval("retention.legal-minimum");
        assert_eq!(o.status, Status::Pass, "{o:?}");

        let in_scope = backup_toml(
            "[sharepoint]\nin_scope = false\nreason = \"no SharePoint in use\"\n",
            "[sharepoint]\nin_scope = true\nprovider = \"microsoft-365-backup\"\nretention = \"1y\"\n",
        );
        let o = Fx::new()
            .policy("backup.toml", &in_scope)
            .graph("protectionPolicies.json", &list)
            .eval("retention.legal-minimum");
        assert_eq!(o.status, Status::Fail, "judged once SharePoint is in scope");
        assert_eq!(
            o.items,
            [
                "Microsoft 365 Backup policy \"sharePointProtectionPolicy 0\" keeps 2w < legal minimum 1y"
            ]
        );
    }

    #[test]
    fn a_vendor_backup_ignores_microsoft_365_backup_policies() {
        let toml = backup_toml(
            "provider = \"microsoft-365-backup\"",
            "provider = \"acme-cloud-backup\"",
        );
        let o = Fx::new()
            .policy("backup.toml", &toml)
            .graph(
                "protectionPolicies.json",
                &protection_policies(&[("exchangeProtectionPolicy", "active", &["P2W"])]),
            )
            .eval("retention.legal-minimum");
        assert_eq!(o.status, Status::Pass);
    }

    #[test]
    fn no_legal_minimum_warns() {
        let o = Fx::new()
            .policy("backup.toml", &backup_toml("legal_minimum = \"1y\"\n", ""))
            .eval("retention.legal-minimum");
        assert_eq!(o.status, Status::Warn);
        assert_eq!(
            o.message,
            "no `legal_minimum` declared in backup.toml [retention]"
        );
    }
}
