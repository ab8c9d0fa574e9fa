//! Red-team findings against the access controls, end to end through `custody check
//! --format json`: each case is a verdict that passed on weak evidence, and must now be
//! no_evidence or a failure. Named after the reproduction that found it.

use crate::support::check::{check, result};
use custody::controls::testing::{
    ALICE, BG1, BG2, BOB, Fx, GA_ROLE as GA, graph_user, subscribed_sku, subscribed_skus,
};
use serde_json::Value;

fn status(doc: &Value, control: &str) -> String {
    result(doc, control)["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn items(doc: &Value, control: &str) -> Vec<String> {
    result(doc, control)["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A roleAssignments record with `principal` as the expanded principal (None: not expanded).
fn ra(principal_id: &str, role: &str, principal: Option<&str>) -> String {
    let expanded = principal.map_or(String::new(), |p| format!(r#","principal":{p}"#));
    format!(
        r#"{{"id":"ra-{principal_id}-{role}","principalId":"{principal_id}","directoryScopeId":"/","roleDefinitionId":"{role}"{expanded}}}"#
    )
}

fn user_principal(id: &str, upn: &str, kind: &str) -> String {
    format!(
        r##"{{"@odata.type":"#microsoft.graph.user","id":"{id}","userPrincipalName":"{upn}","userType":"{kind}","accountEnabled":true}}"##
    )
}

/// The fixture's two break-glass Global Administrators, plus `more`.
fn assignments(more: &[String]) -> String {
    let mut all = vec![
        ra(
            BG1,
            GA,
            Some(&user_principal(BG1, "bg1@acme.onmicrosoft.com", "Member")),
        ),
        ra(
            BG2,
            GA,
            Some(&user_principal(BG2, "bg2@acme.onmicrosoft.com", "Member")),
        ),
    ];
    all.extend(more.iter().cloned());
    format!(r#"{{"value":[{}]}}"#, all.join(","))
}

#[test]
fn notlic_a_not_licensed_pim_claim_contradicted_by_p2_is_no_evidence() {
    let fx = Fx::new().missing_as(
        "graph/roleEligibilitySchedules.json",
        "not_licensed",
        "Entra ID P2 is required",
    );
    let doc = check(fx.clone());
    for c in [
        "access.cloud-only-admins",
        "access.global-admin-count",
        "access.guest-admins",
        "access.stale-admins",
        "access.pim-standing-privilege",
    ] {
        assert_eq!(status(&doc, c), "no_evidence", "{c}");
        let message = result(&doc, c)["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            message.contains("the claim is contradicted"),
            "{c}: {message}"
        );
    }
    // Confirmed by SKUs without P2: nobody can be eligible, and the count stands.
    let p1 = subscribed_skus(&[subscribed_sku(
        "AAD_PREMIUM",
        "Enabled",
        &[("AAD_PREMIUM", "Success")],
    )]);
    let doc = check(fx.clone().graph("subscribedSkus.json", &p1));
    assert_eq!(status(&doc, "access.global-admin-count"), "pass");
    // No SKUs: the claim cannot be confirmed.
    let doc = check(fx.without("graph/subscribedSkus.json"));
    assert_eq!(status(&doc, "access.global-admin-count"), "no_evidence");
}

#[test]
fn roles_partner_tier2_support_held_by_a_guest_is_privileged() {
    let tier2 = "e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8";
    let guest_id = "c0000000-0000-0000-0000-000000000007";
    let guest = r##"{"@odata.type":"#microsoft.graph.user","id":"c0000000-0000-0000-0000-000000000007","userPrincipalName":"pat_partner.example#EXT#@acme.onmicrosoft.com","userType":"Guest","accountEnabled":true}"##;
    let defs = format!(
        r#"{{"value":[{{"id":"{GA}","displayName":"Global Administrator","templateId":"{GA}","isBuiltIn":true}},{{"id":"{tier2}","displayName":"Partner Tier2 Support","templateId":"{tier2}","isBuiltIn":true}}]}}"#
    );
    let fx = Fx::new()
        .graph(
            "roleAssignments.json",
            &assignments(&[ra(guest_id, tier2, Some(guest))]),
        )
        .graph("roleDefinitions.json", &defs);
    let doc = check(fx.clone());
    assert_eq!(status(&doc, "access.guest-admins"), "fail");
    assert_eq!(
        items(&doc, "access.guest-admins"),
        ["pat_partner.example#EXT#@acme.onmicrosoft.com: Partner Tier2 Support (active)"]
    );
    assert_eq!(status(&doc, "access.pim-standing-privilege"), "fail");
    assert_eq!(status(&doc, "access.approved-assignments"), "fail");
    // A custom role that does not say whether it is privileged: unknown, never a pass.
    let custom = "cccccccc-0000-0000-0000-00000000000c";
    let defs = format!(
        r#"{{"value":[{{"id":"{GA}","displayName":"Global Administrator","templateId":"{GA}","isBuiltIn":true}},{{"id":"{custom}","displayName":"Helpers","templateId":"{custom}","isBuiltIn":false}}]}}"#
    );
    let doc = check(
        Fx::new()
            .graph(
                "roleAssignments.json",
                &assignments(&[ra(guest_id, custom, Some(guest))]),
            )
            .graph("roleDefinitions.json", &defs),
    );
    assert_eq!(status(&doc, "access.guest-admins"), "no_evidence");
    assert!(
        items(&doc, "access.guest-admins")
            .iter()
            .any(|i| i.contains("custom role Helpers")),
        "{:?}",
        items(&doc, "access.guest-admins")
    );
}

#[test]
fn grp_noexpand_and_grp_notype_a_holder_of_unknown_type_is_not_counted_as_one_user() {
    let group = "9b000000-0000-0000-0000-00000000000b";
    let no_type = format!(r#"{{"id":"{group}","displayName":"Tier0 Admins"}}"#);
    for (case, principal) in [
        ("grp_notype", Some(no_type.as_str())),
        ("grp_noexpand", None),
    ] {
        let doc = check(Fx::new().graph(
            "roleAssignments.json",
            &assignments(&[ra(group, GA, principal)]),
        ));
        let count = result(&doc, "access.global-admin-count");
        assert_eq!(count["status"], "no_evidence", "{case}: {count}");
        assert_eq!(count["measured"], "at least 4", "{case}");
        for c in [
            "access.guest-admins",
            "access.stale-admins",
            "access.cloud-only-admins",
        ] {
            assert_eq!(status(&doc, c), "no_evidence", "{case} {c}");
            assert!(
                items(&doc, c).iter().any(|i| i.contains(group)),
                "{case} {c}: {:?}",
                items(&doc, c)
            );
        }
    }
}

#[test]
fn noenabled_a_break_glass_account_without_account_enabled_is_not_shown_ready() {
    let users: Vec<String> = [
        (BG1, "bg1@acme.onmicrosoft.com"),
        (BG2, "bg2@acme.onmicrosoft.com"),
        (ALICE, "alice@acme.example"),
        (BOB, "bob@acme.example"),
    ]
    .iter()
    .map(|(id, upn)| graph_user(id, upn, "Member", true))
    .collect();
    for (case, field) in [("null", r#""accountEnabled":null,"#), ("absent", "")] {
        let mut u = users.clone();
        u[0] = u[0].replace(r#""accountEnabled":true,"#, field);
        let doc =
            check(Fx::new().graph("users.json", &format!(r#"{{"value":[{}]}}"#, u.join(","))));
        assert_eq!(status(&doc, "access.break-glass"), "no_evidence", "{case}");
        assert!(
            items(&doc, "access.break-glass")[0]
                .starts_with("bg1@acme.onmicrosoft.com: users.json records no accountEnabled"),
            "{case}: {:?}",
            items(&doc, "access.break-glass")
        );
    }
}

#[test]
fn noprev_a_missing_previous_month_after_earlier_ones_is_no_evidence() {
    let mut fx = Fx::new();
    fx.add_month("2026-09", "2026-09-28T03:00:00Z", 30);
    let doc = check(fx);
    let r = result(&doc, "access.role-changes");
    assert_eq!(r["status"], "no_evidence", "{r}");
    assert!(
        r["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("no snapshot for 2026-10 to compare with")),
        "{r}"
    );
    // The client's first month is still not applicable.
    let doc = check(Fx::new());
    assert_eq!(status(&doc, "access.role-changes"), "not_applicable");
}

#[test]
fn spname_a_display_name_does_not_approve_a_service_principal() {
    let sp_id = "5a000000-0000-0000-0000-000000000001";
    let sp = format!(
        r##"{{"@odata.type":"#microsoft.graph.servicePrincipal","id":"{sp_id}","displayName":"Backup Automation"}}"##
    );
    let fx = Fx::new().graph(
        "roleAssignments.json",
        &assignments(&[ra(sp_id, GA, Some(&sp))]),
    );
    let approve = |principal: &str| {
        fx.clone().with_controls_extra(&format!(
            "[[approved_assignment]]\nprincipal = \"{principal}\"\nrole = \"Global Administrator\"\nassignment = \"active\"\n"
        ))
    };
    let doc = check(approve("Backup Automation"));
    assert_eq!(status(&doc, "access.approved-assignments"), "fail");
    assert!(
        items(&doc, "access.approved-assignments")
            .iter()
            .any(|i| i.contains(&format!("use its object id {sp_id}"))),
        "{:?}",
        items(&doc, "access.approved-assignments")
    );
    let doc = check(approve(sp_id));
    assert_eq!(status(&doc, "access.approved-assignments"), "pass");
}
