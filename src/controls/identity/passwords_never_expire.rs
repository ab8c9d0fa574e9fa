//! `identity.passwords-never-expire`: no verified domain forces periodic password
//! changes, which make users pick weaker, predictable passwords.

use super::ca::one_line;
use crate::controls::{Control, Ctx, Outcome, capped};
use crate::evidence::Missing;
use crate::evidence::endpoints::Endpoint;
use crate::evidence::graph::Domain as TenantDomain;
use crate::scorecard::{Domain, Status};

/// `passwordValidityPeriodInDays` for "passwords never expire" (Int32's maximum).
pub const NEVER: i64 = 2_147_483_647;

const THRESHOLD: &str = "passwordValidityPeriodInDays 2147483647 on every verified managed domain";

pub fn control() -> Control {
    Control::new("identity.passwords-never-expire", Domain::Identity, "Passwords are set never to expire", eval)
        .doc(
            "Every verified domain (`GET /v1.0/domains`, permission Domain.Read.All; `isVerified` true) has `passwordValidityPeriodInDays` 2147483647, Entra's value for \"passwords never expire\". A root domain whose value is `null` has none set, and Entra then applies its default of 90 days: a fail. A subdomain (`isRoot` false) takes its root domain's policy, so its `null` is judged by the root's value (no_evidence if the root is not in the file). Federated domains (`authenticationType` Federated) are left out and named: their users' passwords are set and expire in the federated identity provider (on-premises Active Directory), which Entra's setting does not govern; CIS 1.3.1 and SCuBA MS.AAD.6.1 are about Entra's own policy. Unverified domains cannot hold sign-ins and are ignored. A domain recorded without `isVerified` or without `passwordValidityPeriodInDays` is no_evidence, unless another domain already fails; a tenant whose verified domains are all federated is not_applicable.",
            "Forced periodic changes make users choose predictable passwords (Summer2026!) and write them down; NIST SP 800-63B and Microsoft recommend against expiry when MFA is in place. Passwords should change on evidence of compromise, not on a timer.",
            "Microsoft 365 admin center > Settings > Org settings > Security & privacy > Password expiration policy: select \"Set passwords to never expire (recommended)\" (or `Update-MgDomain -DomainId <domain> -PasswordValidityPeriodInDays 2147483647` per domain).",
        )
}

/// What a domain's setting says, after a subdomain's is resolved through its root.
enum Expiry {
    Never,
    Days(i64),
    /// `null` on a root domain: Entra's default of 90 days.
    NotSet,
    Federated,
    Unknown(String),
}

fn expiry(d: &TenantDomain, all: &[TenantDomain]) -> Expiry {
    if d.is_federated() {
        return Expiry::Federated;
    }
    match d.password_validity_period_in_days {
        None => Expiry::Unknown("passwordValidityPeriodInDays is not recorded".to_owned()),
        Some(Some(NEVER)) => Expiry::Never,
        Some(Some(n)) => Expiry::Days(n),
        Some(None) if d.is_root == Some(false) => match root_of(d, all) {
            Some(root) => match expiry(root, all) {
                Expiry::Unknown(why) => {
                    Expiry::Unknown(format!("its root domain {}: {why}", one_line(&root.id)))
                }
                other => other,
            },
            None => Expiry::Unknown(
                "a subdomain whose root domain, whose policy it takes, is not in domains.json"
                    .to_owned(),
            ),
        },
        Some(None) if d.is_root == Some(true) => Expiry::NotSet,
        // Without isRoot, whether the domain's own (default) setting or its root's applies
        // is unknown.
        Some(None) => Expiry::Unknown(
            "passwordValidityPeriodInDays is null and isRoot is not recorded".to_owned(),
        ),
    }
}

/// The nearest parent of a subdomain in the list that is a root domain.
fn root_of<'a>(d: &TenantDomain, all: &'a [TenantDomain]) -> Option<&'a TenantDomain> {
    let id = d.id.to_ascii_lowercase();
    all.iter()
        // Only a domain recorded as a root is one: a parent of unknown kind may itself
        // take another domain's setting.
        .filter(|p| p.is_root == Some(true))
        .filter(|p| id.ends_with(&format!(".{}", p.id.to_ascii_lowercase())))
        .max_by_key(|p| p.id.len())
}

fn eval(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let domains = ctx.snap.domains.get()?;
    let file = ctx.snap.path(Endpoint::Domains.file());
    let mut never = Vec::new();
    let mut expiring = Vec::new();
    let mut federated = Vec::new();
    let mut unknown = Vec::new();
    let mut pointers = Vec::new();
    for (i, d) in domains.iter().enumerate() {
        let name = one_line(&d.id);
        match d.is_verified {
            Some(false) => continue,
            None => {
                unknown.push(format!("{name}: isVerified is not recorded"));
                pointers.push(format!("/value/{i}"));
                continue;
            }
            Some(true) => {}
        }
        match expiry(d, domains) {
            Expiry::Never => never.push(name),
            Expiry::Federated => federated.push(name),
            Expiry::Days(n) => {
                expiring.push(format!("{name}: passwords expire after {n} days"));
                pointers.push(format!("/value/{i}/passwordValidityPeriodInDays"));
            }
            Expiry::NotSet => {
                expiring.push(format!(
                    "{name}: no password expiry set, so Entra's default of 90 days applies"
                ));
                pointers.push(format!("/value/{i}/passwordValidityPeriodInDays"));
            }
            Expiry::Unknown(why) => {
                unknown.push(format!("{name}: {why}"));
                pointers.push(format!("/value/{i}"));
            }
        }
    }
    let judged = never.len() + expiring.len();
    let federated_note = if federated.is_empty() {
        String::new()
    } else {
        format!(
            " ({} federated domain{} left out: {})",
            federated.len(),
            if federated.len() == 1 { "" } else { "s" },
            federated.join(", ")
        )
    };
    let mut o = if !expiring.is_empty() {
        Outcome::fail(format!(
            "{} of {judged} verified managed domains expire passwords{federated_note}",
            expiring.len()
        ))
    } else if !unknown.is_empty() {
        Outcome::new(
            Status::NoEvidence,
            format!(
                "the snapshot cannot show password expiry for {} domain{}: {}",
                unknown.len(),
                if unknown.len() == 1 { "" } else { "s" },
                unknown.first().cloned().unwrap_or_default()
            ),
        )
    } else if judged == 0 && !federated.is_empty() {
        Outcome::na(format!(
            "every verified domain is federated: password expiry is set in the identity provider ({})",
            federated.join(", ")
        ))
    } else if judged == 0 {
        Outcome::new(
            Status::NoEvidence,
            "domains.json lists no verified domain (every tenant has at least its onmicrosoft.com domain)",
        )
    } else {
        Outcome::pass(format!(
            "passwords never expire on every verified managed domain ({judged}){federated_note}"
        ))
    }
    .measured(format!("{} of {judged} never expire", never.len()))
    .threshold(THRESHOLD)
    .items(capped(
        expiring.iter().chain(&unknown).cloned().collect(),
        50,
    ));
    if pointers.is_empty() {
        o = o.evidence(file.clone(), "/value");
    }
    for p in pointers.into_iter().take(30) {
        o = o.evidence(file.clone(), p);
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::NEVER;
    use crate::controls::testing::{Fx, domain, graph_sample};
    use crate::scorecard::Status;
    use serde_json::{Value, json};

    const ID: &str = "identity.passwords-never-expire";

    fn eval(list: Vec<Value>) -> crate::controls::Outcome {
        Fx::new()
            .graph("domains.json", &json!({ "value": list }).to_string())
            .eval(ID)
    }

    #[test]
    fn never_expiring_verified_domains_pass() {
        let o = Fx::new().eval(ID);
        assert_eq!(o.status, Status::Pass, "{}", o.message);
        assert_eq!(o.measured.as_deref(), Some("2 of 2 never expire"));
    }

    #[test]
    fn a_domain_with_a_90_day_expiry_fails_naming_it() {
        let o = eval(vec![
            domain("acme.onmicrosoft.com", "Managed", true, NEVER.into()),
            domain("acme.example", "Managed", true, 90.into()),
        ]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.items, ["acme.example: passwords expire after 90 days"]);
        assert_eq!(
            o.evidence[0].pointer,
            "/value/1/passwordValidityPeriodInDays"
        );
    }

    #[test]
    fn a_root_domain_with_no_value_set_gets_the_90_day_default_and_fails() {
        let o = eval(vec![domain("acme.example", "Managed", true, Value::Null)]);
        assert_eq!(o.status, Status::Fail);
        assert!(o.items[0].contains("default of 90 days"), "{:?}", o.items);
    }

    #[test]
    fn a_subdomain_takes_its_root_domain_s_policy() {
        let mut sub = domain("eu.acme.example", "Managed", true, Value::Null);
        sub["isRoot"] = false.into();
        let o = eval(vec![
            domain("acme.example", "Managed", true, NEVER.into()),
            sub.clone(),
        ]);
        assert_eq!(o.status, Status::Pass, "{}", o.message);
        let o = eval(vec![
            domain("acme.example", "Managed", true, 30.into()),
            sub.clone(),
        ]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.items.len(),
            2,
            "the root and its subdomain: {:?}",
            o.items
        );
        // Without its root, a subdomain's policy is unknown.
        let o = eval(vec![
            domain("acme.onmicrosoft.com", "Managed", true, NEVER.into()),
            sub,
        ]);
        assert_eq!(o.status, Status::NoEvidence, "{}", o.message);
    }

    /// A parent whose isRoot is not recorded may itself take another domain's setting:
    /// it cannot lend a subdomain its "never"; nor is a domain without isRoot a root.
    #[test]
    fn a_domain_of_unknown_rootness_decides_nothing() {
        let mut sub = domain("eu.acme.example", "Managed", true, Value::Null);
        sub["isRoot"] = false.into();
        let mut parent = domain("acme.example", "Managed", true, NEVER.into());
        if let Some(o) = parent.as_object_mut() {
            o.remove("isRoot");
        }
        let o = eval(vec![parent, sub]);
        assert_eq!(o.status, Status::NoEvidence, "{}", o.message);
        let mut silent = domain("acme.example", "Managed", true, Value::Null);
        if let Some(o) = silent.as_object_mut() {
            o.remove("isRoot");
        }
        let o = eval(vec![silent]);
        assert_eq!(o.status, Status::NoEvidence, "{}", o.message);
        assert!(
            o.items[0].contains("isRoot is not recorded"),
            "{:?}",
            o.items
        );
    }

    #[test]
    fn federated_domains_are_left_out_and_named() {
        let o = eval(vec![
            domain("acme.onmicrosoft.com", "Managed", true, NEVER.into()),
            domain("corp.acme.example", "Federated", true, 90.into()),
        ]);
        assert_eq!(o.status, Status::Pass, "{}", o.message);
        assert!(o.message.contains("corp.acme.example"), "{}", o.message);
        let o = eval(vec![domain(
            "corp.acme.example",
            "Federated",
            true,
            90.into(),
        )]);
        assert_eq!(o.status, Status::NotApplicable);
    }

    #[test]
    fn unverified_domains_are_ignored() {
        let o = eval(vec![
            domain("acme.onmicrosoft.com", "Managed", true, NEVER.into()),
            domain("pending.example", "Managed", false, 90.into()),
        ]);
        assert_eq!(o.status, Status::Pass, "{}", o.message);
    }

    #[test]
    fn a_domain_without_the_fields_is_no_evidence_unless_another_fails() {
        let mut bare = domain("acme.example", "Managed", true, NEVER.into());
        bare.as_object_mut()
            .unwrap()
            .remove("passwordValidityPeriodInDays");
        let o = eval(vec![
            domain("acme.onmicrosoft.com", "Managed", true, NEVER.into()),
            bare.clone(),
        ]);
        assert_eq!(o.status, Status::NoEvidence, "{}", o.message);
        let o = eval(vec![
            domain("acme.onmicrosoft.com", "Managed", true, 60.into()),
            bare,
        ]);
        assert_eq!(o.status, Status::Fail);
        // The API reference's example records neither isVerified nor the period.
        let o = Fx::new()
            .graph("domains.json", &graph_sample("v1.0__domains.json"))
            .eval(ID);
        assert_eq!(o.status, Status::NoEvidence, "{}", o.message);
    }

    #[test]
    fn an_empty_or_missing_domain_list_is_no_evidence() {
        assert_eq!(eval(vec![]).status, Status::NoEvidence);
        let o = Fx::new().without("graph/domains.json").eval(ID);
        assert_eq!(o.status, Status::NoEvidence);
    }
}
