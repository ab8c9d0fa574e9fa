//! `access.ga-activation-approval`: activating Global Administrator in PIM needs
//! someone else's approval, so a stolen eligible account cannot raise itself alone.

use super::GLOBAL_ADMIN;
use crate::controls::identity::search;
use crate::controls::{Control, Ctx, Outcome};
use crate::evidence::Missing;
use crate::evidence::endpoints::Endpoint;
use crate::evidence::graph::{RolePolicyAssignment, RolePolicyRule};
use crate::policy::At;
use crate::scorecard::{Domain, Status};

/// The rule of a role's PIM policy that governs approval of an end user's activation.
const APPROVAL_RULE: &str = "Approval_EndUser_Assignment";

const THRESHOLD: &str =
    "Approval_EndUser_Assignment: isApprovalRequired true, at least one approver";

pub fn control() -> Control {
    Control::new("access.ga-activation-approval", Domain::Access, "Activating Global Administrator requires approval", eval)
        .doc(
            "The PIM policy of the Global Administrator role (template 62e90394-69f5-4237-9190-012177145e10) requires approval to activate: in `GET /v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'&$expand=policy($expand=rules)` (permission RoleManagementPolicy.Read.Directory), the assignment for the role has the rule `Approval_EndUser_Assignment` (`unifiedRoleManagementPolicyApprovalRule`) with `setting.isApprovalRequired` true and at least one primary approver named in its approval stages (without one, PIM falls back to its default approvers, the Privileged Role and Global Administrators, i.e. the role's own holders). Every assignment for the role must require it. PIM needs Entra ID P2: without it the control reports the licence gap (the same gate as the risk-based controls); with `pim = false` in controls.toml it does not apply. A snapshot without the role's policy assignment, collected without the expanded policy and rules, or without the approval rule's stages is no_evidence.",
            "Without approval, whoever phishes an eligible administrator's password and MFA can activate Global Administrator at once; approval puts a second person between an eligible account and full control of the tenant.",
            "Entra ID > Privileged Identity Management > Microsoft Entra roles > Settings > Global Administrator > Edit: under Activation, tick \"Require approval to activate\" and select the approvers (a small group of senior administrators other than the requester).",
        )
        .weight(2)
}

fn eval(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    if !ctx.policy.controls.pim {
        return Ok(Outcome::na(
            "controls.toml declares `pim = false`: roles are not activated through PIM, so there is no activation to approve",
        )
        .policy([At::file_start(&ctx.policy.controls.file)]));
    }
    if let Some(unlicensed) = search::unless_p2(ctx)? {
        return Ok(unlicensed);
    }
    let assignments = ctx.snap.role_policies.get()?;
    let file = ctx.snap.path(Endpoint::RoleManagementPolicies.file());
    let ga: Vec<(usize, &RolePolicyAssignment)> = assignments
        .iter()
        .enumerate()
        .filter(|(_, a)| {
            a.role_definition_id
                .as_deref()
                .is_some_and(|r| r.eq_ignore_ascii_case(GLOBAL_ADMIN))
                && a.scope_id.as_deref() == Some("/")
        })
        .collect();
    if ga.is_empty() {
        return Ok(Outcome::new(
            Status::NoEvidence,
            "roleManagementPolicyAssignments.json has no policy assignment for Global Administrator: its activation settings are unknown",
        )
        .threshold(THRESHOLD)
        .evidence(file, "/value"));
    }
    let mut problems = Vec::new();
    let mut unknown = Vec::new();
    let mut approvers = Vec::new();
    let mut pointers = Vec::new();
    for (i, a) in ga {
        let Some(rules) = a.policy.as_ref().and_then(|p| p.rules.as_ref()) else {
            unknown.push(format!(
                "/value/{i}: collected without the policy and its rules ($expand=policy($expand=rules))"
            ));
            pointers.push(format!("/value/{i}"));
            continue;
        };
        // Every approval rule counts: a second copy that does not require approval (a
        // doctored or merged export) is not hidden by a first one that does.
        let approval: Vec<(usize, &RolePolicyRule)> = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.id.eq_ignore_ascii_case(APPROVAL_RULE))
            .collect();
        if approval.is_empty() {
            unknown.push(format!(
                "/value/{i}: the policy has no {APPROVAL_RULE} rule"
            ));
            pointers.push(format!("/value/{i}/policy/rules"));
            continue;
        }
        for (r, rule) in approval {
            let at = format!("/value/{i}/policy/rules/{r}/setting");
            pointers.push(at.clone());
            let setting = rule.setting.as_ref();
            if setting.and_then(|s| s.is_approval_required) != Some(true) {
                problems.push("activation does not require approval".to_owned());
                continue;
            }
            let Some(stages) = setting.and_then(|s| s.approval_stages.as_ref()) else {
                unknown.push(format!(
                    "{at}: approval is required but the approval stages are not recorded"
                ));
                continue;
            };
            let named: Vec<String> = stages
                .iter()
                .flat_map(|s| &s.primary_approvers)
                .map(|p| p.name())
                .collect();
            if named.is_empty() {
                problems.push(
                    "approval is required but no approver is named, so PIM falls back to the Privileged Role and Global Administrators"
                        .to_owned(),
                );
            }
            approvers.extend(named);
        }
    }
    problems.sort();
    problems.dedup();
    approvers.sort();
    approvers.dedup();
    let mut o = if !problems.is_empty() {
        Outcome::fail(format!(
            "Global Administrator can be activated without a named approver's approval: {}",
            problems.join("; ")
        ))
        .measured("approval not required")
    } else if !unknown.is_empty() {
        Outcome::new(
            Status::NoEvidence,
            format!(
                "the snapshot cannot show the Global Administrator activation settings: {}",
                unknown.join("; ")
            ),
        )
        .measured("unknown")
    } else {
        Outcome::pass(format!(
            "activating Global Administrator requires approval by {}",
            approvers.join(", ")
        ))
        .measured("approval required")
    }
    .threshold(THRESHOLD)
    .items(problems.iter().chain(&unknown).cloned());
    for p in pointers {
        o = o.evidence(file.clone(), p);
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use crate::controls::testing::{Fx, approver_group, graph_sample, role_policies, role_policy};
    use crate::scorecard::Status;
    use serde_json::json;

    const ID: &str = "access.ga-activation-approval";
    const FILE: &str = "roleManagementPolicyAssignments.json";
    const GA: &str = "62e90394-69f5-4237-9190-012177145e10";

    fn eval(list: &[serde_json::Value]) -> crate::controls::Outcome {
        Fx::new()
            .graph(FILE, &role_policies(list).to_string())
            .eval(ID)
    }

    #[test]
    fn approval_by_a_named_group_passes() {
        let o = Fx::new().eval(ID);
        assert_eq!(o.status, Status::Pass, "{}", o.message);
        assert!(o.message.contains("PIM approvers"), "{}", o.message);
        assert_eq!(o.evidence[0].pointer, "/value/0/policy/rules/2/setting");
    }

    #[test]
    fn the_api_reference_sample_without_approval_fails() {
        let o = Fx::new()
            .graph(
                FILE,
                // The sample is the API reference's tenant's: made the fixture's, since a
                // file stating another tenant is never evidence about this one.
                &graph_sample(
                    "v1.0__policies__roleManagementPolicyAssignments__expand_policy_rules.json",
                )
                .replace(
                    "cab01047-8ad9-4792-8e42-569340767f1b",
                    crate::controls::testing::FIXTURE_TENANT,
                ),
            )
            .eval(ID);
        assert_eq!(o.status, Status::Fail, "{}", o.message);
        assert!(
            o.message.contains("does not require approval"),
            "{}",
            o.message
        );
        assert_eq!(o.evidence[0].pointer, "/value/0/policy/rules/12/setting");
    }

    #[test]
    fn approval_with_no_approver_named_fails() {
        let o = eval(&[role_policy(GA, true, &[])]);
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("no approver is named"), "{}", o.message);
    }

    #[test]
    fn approval_on_another_role_does_not_count() {
        let o = eval(&[
            role_policy(
                "e8611ab8-c189-46e8-94e1-60213ab1f814",
                true,
                &[approver_group()],
            ),
            role_policy(GA, false, &[]),
        ]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.evidence[0].pointer, "/value/1/policy/rules/2/setting");
    }

    #[test]
    fn a_single_user_approver_is_named_by_id() {
        let user = json!({"@odata.type": "#microsoft.graph.singleUser", "userId": "a0000000-0000-0000-0000-000000000001"});
        let o = eval(&[role_policy(GA, true, &[user])]);
        assert_eq!(o.status, Status::Pass);
        assert!(
            o.message
                .contains("singleUser a0000000-0000-0000-0000-000000000001"),
            "{}",
            o.message
        );
    }

    #[test]
    fn without_the_expanded_rules_or_the_role_it_is_no_evidence() {
        let mut bare = role_policy(GA, true, &[approver_group()]);
        bare.as_object_mut().unwrap().remove("policy");
        let o = eval(&[bare]);
        assert_eq!(o.status, Status::NoEvidence, "{}", o.message);
        assert!(o.message.contains("$expand=policy"), "{}", o.message);
        let o = eval(&[role_policy(
            "29232cdf-9323-42fd-ade2-1d097af3e4de",
            true,
            &[approver_group()],
        )]);
        assert_eq!(o.status, Status::NoEvidence);
        let mut no_stages = role_policy(GA, true, &[approver_group()]);
        no_stages["policy"]["rules"][2]["setting"]
            .as_object_mut()
            .unwrap()
            .remove("approvalStages");
        assert_eq!(eval(&[no_stages]).status, Status::NoEvidence);
    }

    #[test]
    fn a_second_approval_rule_without_approval_is_not_hidden_by_the_first() {
        let mut p = role_policy(GA, true, &[approver_group()]);
        let mut copy = p["policy"]["rules"][2].clone();
        copy["setting"]["isApprovalRequired"] = false.into();
        p["policy"]["rules"].as_array_mut().unwrap().push(copy);
        let o = eval(&[p]);
        assert_eq!(o.status, Status::Fail, "{}", o.message);
    }

    #[test]
    fn a_second_assignment_without_approval_fails_even_if_one_requires_it() {
        let o = eval(&[
            role_policy(GA, true, &[approver_group()]),
            role_policy(GA, false, &[]),
        ]);
        assert_eq!(o.status, Status::Fail);
    }

    #[test]
    fn without_p2_the_licence_gap_is_reported_not_a_fail() {
        let skus = r#"{"value":[{"skuId":"s1","skuPartNumber":"O365_BUSINESS_PREMIUM","capabilityStatus":"Enabled","consumedUnits":4,"prepaidUnits":{"enabled":5},"servicePlans":[{"servicePlanName":"AAD_PREMIUM","provisioningStatus":"Success"}]}]}"#;
        let o = Fx::new()
            .graph("subscribedSkus.json", skus)
            .missing_as(
                &format!("graph/{FILE}"),
                "not_licensed",
                "Entra ID P2 is required",
            )
            .eval(ID);
        assert_ne!(o.status, Status::Fail);
        assert_ne!(o.status, Status::Pass);
        assert!(o.message.contains("needs Entra ID P2"), "{}", o.message);
    }

    #[test]
    fn a_licensed_tenant_whose_file_is_missing_is_no_evidence() {
        let o = Fx::new().without(&format!("graph/{FILE}")).eval(ID);
        assert_eq!(o.status, Status::NoEvidence);
    }

    #[test]
    fn pim_false_is_not_applicable() {
        let text = crate::controls::testing::CONTROLS_TOML.replace("pim = true", "pim = false");
        let o = Fx::new().policy("controls.toml", &text).eval(ID);
        assert_eq!(o.status, Status::NotApplicable);
    }
}
