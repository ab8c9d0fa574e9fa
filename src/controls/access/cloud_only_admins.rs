//! `access.cloud-only-admins`: privileged roles are held by cloud-only accounts, so a
//! compromise of the on-premises directory does not carry over to the tenant.

use super::findings::{describe, no_evidence, unknowns_of};
use super::{Assignment, current_privileged};
use crate::controls::{Control, Ctx, Outcome, capped};
use crate::evidence::Missing;
use crate::evidence::endpoints::Endpoint;
use crate::evidence::graph::User;
use crate::scorecard::{Domain, EvidenceRef};
use std::collections::{BTreeSet, HashMap};

const THRESHOLD: &str = "0 privileged users with onPremisesSyncEnabled true";

pub fn control() -> Control {
    Control::new("access.cloud-only-admins", Domain::Access, "Privileged users are cloud-only accounts", eval)
        .doc(
            "Every user holding a privileged directory role, active or eligible, directly or as a member of a role-assignable group (the holders access.guest-admins reads), is a cloud-only account: `onPremisesSyncEnabled` in users.json (`GET /v1.0/users?$select=…,onPremisesSyncEnabled`, permission User.Read.All) is not `true`. Graph writes `null` for an account never synchronised and `false` for one no longer synchronised; both are cloud-only. A holder absent from users.json, a users.json collected without the field (no record carries the key), a group whose members are unknown or a role whose definition is missing is no_evidence, unless a synchronised admin is already proven. Service principals are not accounts of a directory and are left out.",
            "An account synchronised from on-premises Active Directory is controlled there: whoever compromises the domain (or the sync server) can reset its password or add it to groups, and takes the cloud admin role with it. Cloud-only admin accounts keep the two blast radii apart.",
            "Create a cloud-only account (`admin.name@tenant.onmicrosoft.com`, no on-premises counterpart) for each listed administrator, move the role to it (eligible through PIM) and remove the role from the synchronised account.",
        )
        .weight(2)
}

fn eval(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let users = ctx.snap.users.get()?;
    let ufile = ctx.snap.path(Endpoint::Users.file());
    if !users.is_empty() && users.iter().all(|u| u.on_premises_sync_enabled.is_none()) {
        return Err(Missing {
            file: ufile,
            reason: "users.json was collected without onPremisesSyncEnabled (add it to $select)"
                .to_owned(),
        });
    }
    let p = current_privileged(ctx)?;
    let index: HashMap<&str, (usize, &User)> = users
        .iter()
        .enumerate()
        .map(|(i, u)| (u.id.as_str(), (i, u)))
        .collect();
    let mut seen = BTreeSet::new();
    let mut synced: Vec<(&Assignment, usize)> = Vec::new();
    let mut unknown = unknowns_of(p, |_| true, |_| true);
    // Holders of unknown type are among the unknowns already.
    for a in p.holders().filter(|a| a.is_user && a.known) {
        match index.get(a.principal_id.as_str()) {
            Some((i, u)) => match u.on_premises_sync_enabled {
                Some(Some(true)) => {
                    if seen.insert(a.principal_id.as_str()) {
                        synced.push((a, *i));
                    }
                }
                Some(_) => {}
                None => unknown.push((
                    describe(a),
                    Missing {
                        file: ufile.clone(),
                        reason: format!(
                            "{}'s record in users.json has no onPremisesSyncEnabled",
                            u.name()
                        ),
                    },
                )),
            },
            None => unknown.push((
                describe(a),
                Missing {
                    file: ufile.clone(),
                    reason: format!(
                        "{} is not in users.json: whether it is synchronised is unknown",
                        a.principal_id
                    ),
                },
            )),
        }
    }
    if synced.is_empty() && !unknown.is_empty() {
        return Ok(no_evidence("privileged accounts", unknown)
            .measured("unknown")
            .threshold(THRESHOLD));
    }
    let accounts = p
        .holders()
        .filter(|a| a.is_user)
        .map(|a| a.principal_id.as_str())
        .collect::<BTreeSet<_>>()
        .len();
    let mut o = if synced.is_empty() {
        Outcome::pass(format!(
            "all {accounts} privileged user accounts are cloud-only"
        ))
    } else {
        Outcome::fail(format!(
            "{} of {accounts} privileged user accounts are synchronised from an on-premises directory",
            synced.len()
        ))
    }
    .measured(format!("{} synchronised", synced.len()))
    .threshold(THRESHOLD)
    .items(capped(
        synced
            .iter()
            .map(|(a, _)| format!("{} (onPremisesSyncEnabled true)", describe(a)))
            .chain(unknown.iter().map(|(i, m)| format!("{i}: {}", m.reason)))
            .collect(),
        100,
    ));
    for (a, i) in synced.iter().take(30) {
        o.evidence.push(EvidenceRef {
            file: ufile.clone(),
            pointer: format!("/value/{i}/onPremisesSyncEnabled"),
        });
        o.evidence.push(a.source.clone());
    }
    if o.evidence.is_empty() {
        o = o.evidence(ufile, "/value");
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use crate::controls::testing::Fx;
    use crate::scorecard::Status;
    use serde_json::Value;

    const ID: &str = "access.cloud-only-admins";
    const BG1: &str = "b0000000-0000-0000-0000-000000000001";
    const ALICE: &str = "a0000000-0000-0000-0000-000000000001";
    const BOB: &str = "a0000000-0000-0000-0000-000000000002";

    /// The fixture's users.json with `edit` applied to each user record.
    fn users(edit: impl Fn(&mut Value)) -> String {
        let g = crate::controls::testing::default_graph();
        let mut v: Value = serde_json::from_str(&g["users.json"]).unwrap();
        for u in v["value"].as_array_mut().unwrap() {
            edit(u);
        }
        v.to_string()
    }

    fn eval(users_json: String) -> crate::controls::Outcome {
        Fx::new().graph("users.json", &users_json).eval(ID)
    }

    #[test]
    fn cloud_only_admins_pass_null_and_false_alike() {
        let o = Fx::new().eval(ID);
        assert_eq!(o.status, Status::Pass, "{}", o.message);
        assert_eq!(o.message, "all 3 privileged user accounts are cloud-only");
        let o = eval(users(|u| u["onPremisesSyncEnabled"] = false.into()));
        assert_eq!(o.status, Status::Pass, "{}", o.message);
    }

    #[test]
    fn a_synchronised_eligible_global_admin_fails_naming_the_account() {
        let o = eval(users(|u| {
            if u["id"] == ALICE {
                u["onPremisesSyncEnabled"] = true.into();
            }
        }));
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items,
            ["alice@acme.example: Global Administrator (eligible) (onPremisesSyncEnabled true)"]
        );
        assert_eq!(o.evidence[0].pointer, "/value/2/onPremisesSyncEnabled");
        assert!(
            o.evidence[1]
                .file
                .ends_with("roleEligibilitySchedules.json")
        );
    }

    #[test]
    fn a_synchronised_user_without_a_role_is_ignored() {
        let o = eval(users(|u| {
            if u["id"] == BOB {
                u["onPremisesSyncEnabled"] = true.into();
            }
        }));
        assert_eq!(o.status, Status::Pass, "{}", o.message);
    }

    #[test]
    fn users_collected_without_the_field_are_no_evidence_not_a_pass() {
        let o = eval(users(|u| {
            u.as_object_mut().unwrap().remove("onPremisesSyncEnabled");
        }));
        assert_eq!(o.status, Status::NoEvidence);
        assert!(o.message.contains("$select"), "{}", o.message);
    }

    #[test]
    fn an_admin_record_without_the_field_is_no_evidence_unless_another_fails() {
        let o = eval(users(|u| {
            if u["id"] == BG1 {
                u.as_object_mut().unwrap().remove("onPremisesSyncEnabled");
            }
        }));
        assert_eq!(o.status, Status::NoEvidence, "{}", o.message);
        let o = eval(users(|u| {
            if u["id"] == BG1 {
                u.as_object_mut().unwrap().remove("onPremisesSyncEnabled");
            }
            if u["id"] == ALICE {
                u["onPremisesSyncEnabled"] = true.into();
            }
        }));
        assert_eq!(o.status, Status::Fail);
    }

    #[test]
    fn an_admin_absent_from_users_json_is_no_evidence() {
        let o = eval(users(|u| {
            if u["id"] == ALICE {
                u["id"] = "a0000000-0000-0000-0000-0000000000ff".into();
            }
        }));
        assert_eq!(o.status, Status::NoEvidence, "{}", o.message);
        assert!(
            o.message
                .contains("is in neither users.json nor an expanded principal"),
            "{}",
            o.message
        );
    }

    #[test]
    fn missing_users_or_role_assignments_are_no_evidence() {
        assert_eq!(
            Fx::new().without("graph/users.json").eval(ID).status,
            Status::NoEvidence
        );
        assert_eq!(
            Fx::new()
                .without("graph/roleAssignments.json")
                .eval(ID)
                .status,
            Status::NoEvidence
        );
    }
}
