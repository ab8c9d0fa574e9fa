//! A waiver is a time-boxed exception: one whose expiry lies more than a year beyond the
//! month it is judged in (a waiver "until 2099") is a permanent exemption nobody reviews,
//! so it waives nothing, in `check` and as a justification in `diff`.

use crate::support::check::{check, result};
use custody::controls::testing::Fx;

/// Global Administrators held to 5..8: the fixture tenant has fewer, so the control fails.
const FAILING: &str = "[thresholds]\n\"access.global-admin-count\" = { min = 5, max = 8 }\n";

fn waiver(expires: &str) -> String {
    format!(
        "\n[[waiver]]\ncontrol = \"access.global-admin-count\"\nreason = \"Two more admins are hired in the spring\"\napproved_by = \"Jane Doe (Client CFO)\"\nticket = \"CHG-4711\"\nexpires = {expires}\n"
    )
}

fn checked(expires: &str) -> serde_json::Value {
    check(Fx::new().with_controls_extra(&format!("{FAILING}{}", waiver(expires))))
}

#[test]
fn the_fixture_control_fails_without_a_waiver() {
    let doc = check(Fx::new().with_controls_extra(FAILING));
    assert_eq!(result(&doc, "access.global-admin-count")["status"], "fail");
}

#[test]
fn a_waiver_up_to_365_days_ahead_waives() {
    // The fixture month is 2026-11: judged on 2026-11-30, 365 days later is 2027-11-30.
    let doc = checked("2027-11-30");
    let r = result(&doc, "access.global-admin-count");
    assert_eq!(r["status"], "waived", "{r}");
    // `too_long` is written only when true: results without such a waiver read as before.
    assert_eq!(r["waiver"]["too_long"], serde_json::Value::Null, "{r}");
}

#[test]
fn a_waiver_until_2099_is_not_applied_and_says_why() {
    for expires in ["2027-12-01", "2099-12-31"] {
        let doc = checked(expires);
        let r = result(&doc, "access.global-admin-count");
        assert_eq!(r["status"], "fail", "{expires}: {r}");
        let message = r["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("waiver CHG-4711 runs until {expires}")),
            "{message}"
        );
        assert!(message.contains("at most 365 days ahead"), "{message}");
        assert_eq!(r["waiver"]["too_long"], true, "{r}");
        assert_eq!(r["waiver"]["expired"], false, "{r}");
    }
}

#[test]
fn a_too_long_waiver_on_a_passing_control_is_still_reported() {
    let doc = check(Fx::new().with_controls_extra(&waiver("2099-12-31")));
    let r = result(&doc, "access.global-admin-count");
    assert_eq!(r["status"], "warn", "{r}");
    assert!(
        r["message"].as_str().unwrap().contains("matches nothing"),
        "{r}"
    );
}

/// The month page's waiver table and `scorecard.json` say the waiver is not applied.
#[test]
fn the_site_shows_a_too_long_waiver_as_not_applied() {
    let dir = tempfile::tempdir().unwrap();
    Fx::new()
        .with_controls_extra(&format!("{FAILING}{}", waiver("2099-12-31")))
        .write_to(dir.path(), "acme");
    let out = dir.path().join("site");
    let run = assert_cmd::Command::cargo_bin("custody")
        .unwrap()
        .arg("--repo")
        .arg(dir.path())
        .args(["build", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let month = out.join("acme/2026-11");
    let card: serde_json::Value =
        serde_json::from_slice(&std::fs::read(month.join("scorecard.json")).unwrap()).unwrap();
    let w = &card["waivers"][0];
    assert_eq!(w["state"], "too_long", "{w}");
    assert!(w["days_left"].as_i64().unwrap() > 365, "{w}");
    let page = std::fs::read_to_string(month.join("index.html")).unwrap();
    assert!(page.contains("Not applied: expires more than 365 days ahead"));
}
