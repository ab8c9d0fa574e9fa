//! `custody clients` and the rule behind it (issue 12, class 10): anything in `clients/`
//! that is not a valid client folder is bad input, named, exit 2, never skipped in
//! silence; the valid clients are still listed, checked and built.

use custody::controls::testing::{CLIENT_TOML, Fx};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn custody(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_custody"))
        .arg("--repo")
        .arg(root)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Two good clients (one named with a control character) and one of each kind of entry
/// that is not a client folder. Returns the message expected for each bad entry.
fn mixed_repo(root: &Path) -> Vec<(&'static str, &'static str)> {
    Fx::new().write_to(root, "acme");
    Fx::new()
        .policy(
            "client.toml",
            &CLIENT_TOML
                .replace("Acme Fixture Ltd", "Beta\\u001b[31m Ltd")
                .replace(
                    "11111111-2222-3333-4444-555555555555",
                    "11111111-2222-3333-4444-666666666666",
                ),
        )
        .write_to(root, "beta");
    let clients = root.join("clients");
    std::fs::create_dir(clients.join("Bad_Slug")).unwrap();
    std::fs::write(clients.join("Bad_Slug/client.toml"), CLIENT_TOML).unwrap();
    std::fs::write(clients.join("README.md"), "notes").unwrap();
    std::fs::create_dir(clients.join("empty")).unwrap();
    std::fs::write(clients.join("empty/raci.toml"), "").unwrap();
    std::fs::create_dir(clients.join(".hidden")).unwrap();
    Fx::new()
        .policy(
            "client.toml",
            &CLIENT_TOML.replace("11111111-2222-3333-4444-555555555555", "not-a-guid"),
        )
        .write_to(root, "broken");
    let mut expected = vec![
        ("clients/Bad_Slug", "client id"),
        ("clients/README.md", "is a file, not a client folder"),
        ("clients/empty", "has no client.toml"),
        ("clients/.hidden", "client id"),
        (
            "clients/broken/client.toml:2:",
            "`tenant_id` must be a GUID",
        ),
    ];
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(clients.join("acme"), clients.join("linked")).unwrap();
        expected.push(("clients/linked", "is a symbolic link"));
    }
    expected
}

#[test]
fn clients_lists_the_valid_ones_and_names_every_other_entry() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let expected = mixed_repo(root);

    let out = custody(root, &["clients", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = doc["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["acme", "beta"], "{doc}");
    assert_eq!(doc["clients"][0]["name"], "Acme Fixture Ltd");
    assert_eq!(
        doc["clients"][0]["tenant_id"],
        "11111111-2222-3333-4444-555555555555"
    );
    assert_eq!(doc["clients"][0]["publish"], true);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors = doc["errors"].to_string();
    for (file, message) in &expected {
        assert!(
            stderr.contains(&format!("error: {file}")) && stderr.contains(message),
            "{file}: {message} expected in\n{stderr}"
        );
        let file = file.trim_end_matches(|c: char| c == ':' || c.is_ascii_digit());
        assert!(errors.contains(file), "{file} in the JSON errors: {errors}");
    }

    let out = custody(root, &["clients"]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("acme  11111111-2222-3333-4444-555555555555  Acme Fixture Ltd\n"));
    assert!(
        text.contains("Beta\\u{1b}[31m Ltd") && !text.contains('\u{1b}'),
        "a control character in a name never reaches the terminal: {text:?}"
    );
}

#[test]
fn a_clean_clients_folder_lists_with_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    Fx::new().write_to(dir.path(), "acme");
    let out = custody(dir.path(), &["clients", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["errors"], Value::Array(vec![]));
    assert_eq!(doc["clients"].as_array().unwrap().len(), 1);
}

/// Regression: `check` and `build` skipped a file, or a folder without client.toml, in
/// `clients/` without a word. Now it is bad input (exit 2, named) and the valid clients
/// are still evaluated and built.
#[test]
fn check_and_build_report_what_is_not_a_client_folder_and_still_run_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let expected = mixed_repo(root);

    let out = custody(root, &["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let evaluated: Vec<&str> = doc["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(evaluated, ["acme", "beta"], "{doc}");
    let errors = doc["errors"].to_string();
    for (file, _) in &expected {
        let file = file.trim_end_matches(|c: char| c == ':' || c.is_ascii_digit());
        assert!(errors.contains(file), "check: {file} in {errors}");
    }

    let site = root.join("site-out");
    let out = custody(root, &["build", "--out", site.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for (file, message) in &expected {
        assert!(
            stderr.contains(file) && stderr.contains(message),
            "build: {file}: {message} in\n{stderr}"
        );
    }
    assert!(site.join("acme/index.html").is_file());
    assert!(site.join("beta/index.html").is_file());
    assert!(!site.join("empty").exists() && !site.join("README.md").exists());

    // Selected by name, a folder without client.toml says why.
    let out = custody(root, &["check", "--client", "empty"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("clients/empty: has no client.toml"),
        "{stderr}"
    );
}
