//! A fixture tenant through `custody check --format json`, and one control's result from
//! it: the catalogue tests read every control this way.

use assert_cmd::Command;
use custody::controls::testing::Fx;
use serde_json::Value;

/// `fx` written as client `acme`, checked; bad input (exit 2) fails the test.
pub fn check(fx: Fx) -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    fx.write_to(dir.path(), "acme");
    let out = Command::cargo_bin("custody")
        .expect("binary")
        .arg("--repo")
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .args(["check", "--format", "json"])
        .output()
        .expect("runs");
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// The result of `control` for the first client.
pub fn result(doc: &Value, control: &str) -> Value {
    doc["clients"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["control"] == control)
        .unwrap_or_else(|| panic!("no result {control}"))
        .clone()
}
