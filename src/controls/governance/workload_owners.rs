//! `governance.workload-owners`: every in-scope workload declares an owner, an RPO and an RTO.

use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::Missing;
use crate::model::{At, Domain};

pub fn control() -> Control {
    Control::new("governance.workload-owners", Domain::Governance, "In-scope workloads have an owner, RPO and RTO", workload_owners)
        .doc(
            "Each in-scope workload in backup.toml declares `owner`, `rpo` and `rto`.",
            "Backup is the customer's side of the shared responsibility model; without a named owner and agreed recovery objectives nobody can say whether a restore is good enough.",
            "Set `owner`, `rpo` and `rto` for every workload with `in_scope = true` in backup.toml, as agreed in the service contract.",
        )
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

#[cfg(test)]
mod tests {
    use crate::controls::testing::Fx;
    use crate::scorecard::Status;

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
}
