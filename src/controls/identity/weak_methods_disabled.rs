//! `identity.weak-methods-disabled`: text message, voice call and email one-time
//! passcodes, the methods an attacker can intercept or redirect, are switched off in the
//! authentication methods policy.

use super::ca::one_line;
use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::Missing;
use crate::evidence::endpoints::Endpoint;
use crate::evidence::graph::AuthenticationMethodConfiguration;
use crate::scorecard::{Domain, Status};

/// The weak methods by the `id` Graph gives their configuration, with their names.
const WEAK: [(&str, &str); 3] = [
    ("Sms", "SMS"),
    ("Voice", "voice call"),
    ("Email", "email OTP"),
];

const THRESHOLD: &str = "Sms, Voice and Email disabled; policy migration complete";

pub fn control() -> Control {
    Control::new("identity.weak-methods-disabled", Domain::Identity, "SMS, voice and email one-time passcodes are disabled", eval)
        .doc(
            "In the authentication methods policy (`GET /v1.0/policies/authenticationMethodsPolicy`, permission Policy.Read.All), the method configurations `Sms`, `Voice` and `Email` all have `state` `disabled`, and `policyMigrationState` is `migrationComplete`: until the migration is complete the legacy MFA and self-service password reset policies still offer these methods whatever this policy says (SCuBA makes MS.AAD.3.5 depend on MS.AAD.3.4 for this reason). A method enabled for a single group still fails: the finding names its targets (`all_users` or the group ids). Graph returns every method's configuration, so a weak method missing from the list, a policy exported without its configurations or without its migration state is not proof of anything: no_evidence, unless an enabled weak method already fails the control.",
            "Text messages and voice calls can be intercepted or redirected (SIM swapping, SS7, social engineering of the carrier), and an email passcode is only as strong as the mailbox: attackers who have a password get the second factor too. CISA requires them disabled once stronger methods are available.",
            "Entra ID > Protection > Authentication methods > Policies: set SMS, Voice call and Email OTP to Disabled (move their users to Microsoft Authenticator or passkeys first), and under Manage migration select Migration complete.",
        )
        .weight(2)
}

fn eval(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let policy = ctx.snap.authentication_methods.get()?;
    let file = ctx.snap.path(Endpoint::AuthenticationMethods.file());
    let configs = policy.authentication_method_configurations.as_deref();
    let mut off = 0;
    let mut enabled = Vec::new();
    let mut unknown = Vec::new();
    let mut pointers = Vec::new();
    for (id, name) in WEAK {
        // Every configuration with the method's id counts: a second, enabled copy of a
        // method (a doctored or merged export) must not hide behind a disabled first one.
        let found: Vec<(usize, &AuthenticationMethodConfiguration)> = configs
            .into_iter()
            .flatten()
            .enumerate()
            .filter(|(_, m)| m.id.eq_ignore_ascii_case(id))
            .collect();
        if found.is_empty() {
            unknown.push(if configs.is_none() {
                format!(
                    "{name}: the policy was exported without authenticationMethodConfigurations"
                )
            } else {
                format!("{name}: no `{id}` configuration in authenticationMethodConfigurations")
            });
            continue;
        }
        let mut all_off = true;
        for (i, m) in found {
            pointers.push(format!("/authenticationMethodConfigurations/{i}"));
            if is_disabled(m) {
                continue;
            }
            all_off = false;
            if is_enabled(m) {
                enabled.push(format!("{name}: enabled for {}", targets(m)));
            } else {
                unknown.push(format!(
                    "{name}: state {} is neither enabled nor disabled",
                    m.state.as_deref().map_or("(none)".to_owned(), one_line)
                ));
            }
        }
        if all_off {
            off += 1;
        }
    }
    let migration = policy.policy_migration_state.as_deref();
    let legacy = migration.filter(|m| !m.eq_ignore_ascii_case("migrationComplete"));
    if let Some(m) = legacy {
        enabled.push(format!(
            "policyMigrationState is {}: the legacy MFA and SSPR policies still decide whether SMS and voice are offered",
            one_line(m)
        ));
    } else if migration.is_none() {
        unknown.push(
            "policyMigrationState is not recorded: whether the legacy MFA and SSPR policies still offer these methods is unknown"
                .to_owned(),
        );
    }
    let measured = format!("{off} of {} weak methods disabled", WEAK.len());
    let mut o = if !enabled.is_empty() {
        Outcome::fail(format!(
            "weak authentication methods are still allowed: {}",
            enabled.join("; ")
        ))
    } else if !unknown.is_empty() {
        Outcome::new(
            Status::NoEvidence,
            format!(
                "the snapshot cannot show that every weak method is disabled: {}",
                unknown.join("; ")
            ),
        )
    } else {
        Outcome::pass(
            "SMS, voice call and email OTP are disabled and the policy migration is complete",
        )
    }
    .measured(measured)
    .threshold(THRESHOLD)
    .items(enabled.iter().chain(&unknown).cloned());
    for p in pointers {
        o = o.evidence(file.clone(), p);
    }
    if o.evidence.is_empty() {
        o = o.evidence(file, "");
    }
    Ok(o)
}

fn is_enabled(m: &AuthenticationMethodConfiguration) -> bool {
    m.state
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("enabled"))
}

fn is_disabled(m: &AuthenticationMethodConfiguration) -> bool {
    m.state
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("disabled"))
}

/// Whom an enabled method reaches: its include targets (`all_users` or group ids), minus
/// its exclusions, in words. Ids come from the tenant: shortened, on one line.
fn targets(m: &AuthenticationMethodConfiguration) -> String {
    let names = |list: &[crate::evidence::graph::AuthenticationMethodTarget]| {
        let mut v: Vec<String> = list
            .iter()
            .take(5)
            .map(|t| one_line(t.id.as_deref().unwrap_or("(no id)")))
            .collect();
        if list.len() > 5 {
            v.push(format!("{} more", list.len() - 5));
        }
        v.join(", ")
    };
    let mut s = if m.include_targets.is_empty() {
        "no listed target".to_owned()
    } else {
        names(&m.include_targets)
    };
    if !m.exclude_targets.is_empty() {
        s.push_str(&format!(" except {}", names(&m.exclude_targets)));
    }
    s
}

#[cfg(test)]
mod tests {
    use crate::controls::testing::{Fx, authentication_methods_policy};
    use crate::scorecard::Status;
    use serde_json::json;

    const ID: &str = "identity.weak-methods-disabled";
    const FILE: &str = "authenticationMethodsPolicy.json";

    fn eval(policy: serde_json::Value) -> crate::controls::Outcome {
        Fx::new().graph(FILE, &policy.to_string()).eval(ID)
    }

    /// The fixture's policy with one method's state set.
    fn with_state(id: &str, state: &str) -> serde_json::Value {
        let mut p = authentication_methods_policy();
        for m in p["authenticationMethodConfigurations"]
            .as_array_mut()
            .unwrap()
        {
            if m["id"] == id {
                m["state"] = state.into();
            }
        }
        p
    }

    #[test]
    fn all_three_disabled_after_migration_passes() {
        let o = eval(authentication_methods_policy());
        assert_eq!(o.status, Status::Pass, "{}", o.message);
        assert_eq!(o.measured.as_deref(), Some("3 of 3 weak methods disabled"));
    }

    #[test]
    fn the_api_reference_sample_with_sms_and_email_enabled_fails_naming_both() {
        let o = Fx::new()
            .graph(
                FILE,
                &crate::controls::testing::graph_sample(
                    "v1.0__policies__authenticationMethodsPolicy.json",
                ),
            )
            .eval(ID);
        assert_eq!(o.status, Status::Fail, "{}", o.message);
        assert!(
            o.message.contains("SMS: enabled for all_users"),
            "{}",
            o.message
        );
        assert!(o.message.contains("email OTP: enabled"), "{}", o.message);
        assert!(!o.message.contains("voice call: enabled"), "{}", o.message);
    }

    #[test]
    fn sms_enabled_for_one_group_still_fails_naming_the_group() {
        let mut p = with_state("Sms", "enabled");
        p["authenticationMethodConfigurations"][2]["includeTargets"] = json!([{"targetType": "group", "id": "3f0b2c1e-0000-4000-8000-00000000aaaa", "isRegistrationRequired": false}]);
        let o = eval(p);
        assert_eq!(o.status, Status::Fail);
        assert!(
            o.message
                .contains("SMS: enabled for 3f0b2c1e-0000-4000-8000-00000000aaaa"),
            "{}",
            o.message
        );
        assert_eq!(
            o.evidence[0].pointer, "/authenticationMethodConfigurations/2",
            "points at the SMS configuration"
        );
    }

    #[test]
    fn a_second_enabled_copy_of_a_method_is_not_hidden_by_a_disabled_first() {
        let mut p = authentication_methods_policy();
        let mut sms = p["authenticationMethodConfigurations"][2].clone();
        assert_eq!(sms["id"], "Sms");
        sms["state"] = "enabled".into();
        p["authenticationMethodConfigurations"]
            .as_array_mut()
            .unwrap()
            .push(sms);
        let o = eval(p);
        assert_eq!(o.status, Status::Fail, "{}", o.message);
        assert!(o.message.contains("SMS: enabled"), "{}", o.message);
    }

    #[test]
    fn a_state_that_is_neither_is_no_evidence() {
        let o = eval(with_state("Email", "default"));
        assert_eq!(o.status, Status::NoEvidence, "{}", o.message);
        assert!(o.message.contains("neither enabled nor disabled"));
    }

    #[test]
    fn voice_enabled_alone_fails() {
        let o = eval(with_state("Voice", "enabled"));
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("voice call: enabled"), "{}", o.message);
    }

    #[test]
    fn a_weak_method_missing_from_the_list_is_no_evidence_not_a_pass() {
        let mut p = authentication_methods_policy();
        p["authenticationMethodConfigurations"]
            .as_array_mut()
            .unwrap()
            .retain(|m| m["id"] != "Email");
        let o = eval(p);
        assert_eq!(o.status, Status::NoEvidence, "{}", o.message);
        assert!(
            o.message.contains("no `Email` configuration"),
            "{}",
            o.message
        );
    }

    #[test]
    fn a_missing_method_does_not_hide_an_enabled_one() {
        let mut p = with_state("Sms", "enabled");
        p["authenticationMethodConfigurations"]
            .as_array_mut()
            .unwrap()
            .retain(|m| m["id"] != "Voice");
        assert_eq!(eval(p).status, Status::Fail);
    }

    #[test]
    fn an_unfinished_migration_fails_even_with_the_methods_disabled() {
        let mut p = authentication_methods_policy();
        p["policyMigrationState"] = "migrationInProgress".into();
        let o = eval(p);
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("migrationInProgress"), "{}", o.message);
    }

    #[test]
    fn no_migration_state_or_no_configurations_is_no_evidence() {
        let mut p = authentication_methods_policy();
        p.as_object_mut().unwrap().remove("policyMigrationState");
        assert_eq!(eval(p).status, Status::NoEvidence);
        let mut p = authentication_methods_policy();
        p.as_object_mut()
            .unwrap()
            .remove("authenticationMethodConfigurations");
        let o = eval(p);
        assert_eq!(o.status, Status::NoEvidence);
        assert!(
            o.message
                .contains("without authenticationMethodConfigurations")
        );
    }

    #[test]
    fn a_missing_file_and_a_refused_request_are_no_evidence() {
        let o = Fx::new().without(&format!("graph/{FILE}")).eval(ID);
        assert_eq!(o.status, Status::NoEvidence);
        let o = Fx::new()
            .missing_as(
                &format!("graph/{FILE}"),
                "permission_missing",
                "Authorization_RequestDenied: grant Policy.Read.All",
            )
            .eval(ID);
        assert_eq!(o.status, Status::NoEvidence);
        assert!(o.message.contains("Policy.Read.All"), "{}", o.message);
    }
}
