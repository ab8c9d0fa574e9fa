//! A backup product's own CSV export mapped in backup.toml `[csv]` (issue 18 item 3),
//! through `custody check`: a status the mapping does not list, or a date it cannot
//! read, is bad input naming the export and its line (exit 2) while other clients are
//! evaluated; a broken mapping is bad input naming backup.toml's line.

use assert_cmd::Command;
use custody::controls::backup::fixtures::{MAPPING, as_export};
use custody::controls::testing::{BACKUP_TOML, Fx, MONTH, daily_jobs};
use serde_json::Value;

fn mapped(export: &str) -> Fx {
    let toml = BACKUP_TOML.replacen(
        "provider = \"microsoft-365-backup\"\n",
        "provider = \"SaaS Backup Co\"\n",
        1,
    );
    Fx::new()
        .policy("backup.toml", &format!("{toml}{MAPPING}"))
        .without("backup-jobs.csv")
        .file(MONTH, "backup/saas-export.csv", export)
}

fn check(clients: &[(&str, &Fx)]) -> (i32, Value, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (id, fx) in clients {
        fx.write_to(dir.path(), id);
    }
    let out = Command::cargo_bin("custody")
        .expect("binary")
        .arg("--repo")
        .arg(dir.path())
        .args(["check", "--format", "json"])
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn status(report: &Value, client: &str, control: &str) -> String {
    report["clients"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["id"] == client)
        .and_then(|c| c["results"].as_array())
        .and_then(|r| r.iter().find(|r| r["control"] == control))
        .and_then(|r| r["status"].as_str())
        .unwrap_or("")
        .to_owned()
}

#[test]
fn an_unmapped_status_is_bad_input_naming_the_export_line_and_others_are_evaluated() {
    let export = as_export(&daily_jobs(MONTH, 23));
    let bad = export.replacen(",Completed,", ",Aborted by user,", 3);
    let bad = bad.replacen("11/22/2026 08:00 PM", "2026-22-11 20:00", 1);
    let (code, report, stderr) = check(&[("acme", &mapped(&bad)), ("beta", &mapped(&export))]);
    assert_eq!(code, 2, "{stderr}");
    for want in [
        "evidence/acme/2026-11/backup/saas-export.csv:2",
        "unknown status \"Aborted by user\" in column \"Result\"",
        "evidence/acme/2026-11/backup/saas-export.csv:24",
        "is not a date in the format \"%m/%d/%Y %I:%M %p\"",
    ] {
        assert!(stderr.contains(want), "{want}\n{stderr}");
    }
    assert_eq!(
        status(&report, "acme", "backup.exchange.job-success"),
        "no_evidence"
    );
    assert_eq!(
        status(&report, "beta", "backup.exchange.job-success"),
        "pass"
    );
    assert_eq!(status(&report, "beta", "backup.exchange.rpo"), "pass");
    assert_eq!(
        status(&report, "beta", "backup.exchange.protection-coverage"),
        "pass"
    );
}

#[test]
fn a_broken_mapping_is_bad_input_naming_backup_toml_lines() {
    let broken = MAPPING
        .replace("\"Failed\" = \"failed\"", "\"Failed\" = \"bad\"")
        .replace("file = \"saas-export.csv\"", "file = \"../../secrets.csv\"")
        .replace("utc_offset = \"-05:00\"", "utc_offset = \"EST\"");
    let fx = mapped("").policy("backup.toml", &format!("{BACKUP_TOML}{broken}"));
    let (code, _, stderr) = check(&[("acme", &fx)]);
    assert_eq!(code, 2, "{stderr}");
    for want in [
        "clients/acme/backup.toml:",
        "`file` must be a CSV file name in the month's backup/ folder",
        "status \"Failed\" maps to \"bad\"",
        "`utc_offset` must be like",
    ] {
        assert!(stderr.contains(want), "{want}\n{stderr}");
    }
}
