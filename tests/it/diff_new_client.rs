//! `custody diff` on a client added in the change: it is compared with the reference
//! (the defaults custody applies when a key is absent, else nothing granted), so a new
//! client cannot bring weakened settings in unreviewed. The red team's case
//! (d_newclient2), a qualifying waiver justifying only its own control, a tenant taken
//! from another client, and the bundled sample clients added to an empty repository.

use crate::support::git::commit_all;
use assert_cmd::Command;
use git2::Repository;
use serde_json::Value;
use std::path::Path;

/// The day of every diff here: the waivers below are in force on it.
const DAY: &str = "2026-12-05";

fn samples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("clients")
}

/// `custody diff HEAD --format json --fail-on weaken` on the working tree.
fn diff(root: &Path) -> (i32, Value) {
    let out = Command::cargo_bin("custody")
        .unwrap()
        .arg("--repo")
        .arg(root)
        .args([
            "diff",
            "HEAD",
            "--format",
            "json",
            "--fail-on",
            "weaken",
            "--date",
            DAY,
        ])
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "no JSON on stdout: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), json)
}

fn client<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client"] == id)
        .unwrap_or_else(|| panic!("{id}: {doc}"))
}

/// `(subject, justified)` of every weakening of a client.
fn weakenings(c: &Value) -> Vec<(String, bool)> {
    c["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|ch| ch["effect"] == "weakens")
        .map(|ch| {
            (
                ch["subject"].as_str().unwrap().to_owned(),
                ch["justified"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from:?} not in {}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap();
}

/// A repository of the bundled fabrikam committed, with `clients/contoso` added in the
/// working tree as the red team built it: a copy of fabrikam with a new tenant, its
/// waivers removed, two break-glass accounts and an active Global Administrator added for
/// outsiders, Exchange out of scope, every scope `selected` and every RPO 365 days.
fn red_team_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    crate::support::files::copy_tree(&samples().join("fabrikam"), &root.join("clients/fabrikam"));
    commit_all(&Repository::init(root).unwrap());
    let c = root.join("clients/contoso");
    crate::support::files::copy_tree(&root.join("clients/fabrikam"), &c);
    let tenant = std::fs::read_to_string(c.join("client.toml"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("tenant_id = ").map(str::to_owned))
        .expect("fabrikam's tenant");
    edit(
        &c.join("client.toml"),
        &tenant,
        "\"11111111-2222-3333-4444-555555555555\"",
    );
    let controls = c.join("controls.toml");
    let text = std::fs::read_to_string(&controls).unwrap();
    let text = match text.find("[[waiver]]") {
        Some(i) => text[..i].to_owned(),
        None => text,
    };
    std::fs::write(
        &controls,
        format!(
            "{text}\n[[approved_assignment]]\nprincipal = \"mallory@evil.example\"\nrole = \"Global Administrator\"\nassignment = \"active\"\n"
        ),
    )
    .unwrap();
    edit(
        &controls,
        "break_glass = [",
        "break_glass = [\"ceo@contoso.example\", \"mallory@evil.example\", ",
    );
    let backup = c.join("backup.toml");
    edit(
        &backup,
        "[exchange]\nin_scope = true",
        "[exchange]\nin_scope = false",
    );
    edit(&backup, "scope = \"all\"", "scope = \"selected\"");
    edit(&backup, "rpo = \"24h\"", "rpo = \"365d\"");
    edit(
        &backup,
        "relies_on_backup = true",
        "relies_on_backup = false",
    );
    dir
}

#[test]
fn regression_new_client_with_weakened_settings_passed_the_review_as_neutral() {
    let dir = red_team_repo();
    let (code, doc) = diff(dir.path());
    assert_eq!(code, 1, "unjustified weakenings fail the review: {doc}");
    let contoso = client(&doc, "contoso");
    assert_eq!(contoso["kind"], "added");
    let weak = weakenings(contoso);
    for subject in [
        "ceo@contoso.example",
        "mallory@evil.example",
        "mallory@evil.example: Global Administrator",
        "exchange.in_scope",
        "onedrive.scope",
        "sharepoint.scope",
        "teams.scope",
        "onedrive.rpo",
        "sharepoint.rpo",
        "teams.rpo",
    ] {
        assert!(
            weak.contains(&(subject.to_owned(), false)),
            "{subject} is no unjustified weakening: {weak:?}"
        );
    }
    let reasons: Vec<&str> = contoso["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.contains(
            &"break-glass account mallory@evil.example added: weakens (exclusion widened: it may be excluded from MFA policies and hold Global Administrator permanently) [new client]"
        ),
        "{reasons:#?}"
    );
    assert!(
        reasons.contains(
            &"OneDrive backup RPO 1y set by a new client, looser than the new-client reference 1d: weakens [new client]"
        ),
        "{reasons:#?}"
    );
    // fabrikam itself did not change.
    assert_eq!(client(&doc, "fabrikam")["kind"], "unchanged");
}

#[test]
fn a_qualifying_waiver_in_the_new_client_justifies_only_its_own_control() {
    let dir = red_team_repo();
    let controls = dir.path().join("clients/contoso/controls.toml");
    let text = std::fs::read_to_string(&controls).unwrap();
    std::fs::write(
        &controls,
        format!(
            "{text}\n[[waiver]]\ncontrol = \"backup.onedrive.protection-coverage\"\nreason = \"Only the finance team's OneDrive accounts are in the contract until March\"\napproved_by = \"Jane Doe (Contoso CFO)\"\nticket = \"CON-2231\"\nexpires = 2027-03-31\n"
        ),
    )
    .unwrap();
    let (code, doc) = diff(dir.path());
    assert_eq!(code, 1, "the other weakenings still fail the review");
    let weak = weakenings(client(&doc, "contoso"));
    let justified: Vec<&str> = weak
        .iter()
        .filter(|(_, j)| *j)
        .map(|(s, _)| s.as_str())
        .collect();
    // The waiver justifies its own addition and the scope it bears on, nothing else.
    assert_eq!(
        justified,
        ["backup.onedrive.protection-coverage", "onedrive.scope"],
        "{weak:?}"
    );
    assert!(weak.contains(&("sharepoint.scope".to_owned(), false)));
    assert!(weak.contains(&("mallory@evil.example".to_owned(), false)));
}

#[test]
fn a_new_client_at_default_strength_passes_the_review() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    crate::support::files::copy_tree(&samples().join("fabrikam"), &root.join("clients/fabrikam"));
    commit_all(&Repository::init(root).unwrap());
    let c = root.join("clients/newco");
    std::fs::create_dir_all(&c).unwrap();
    std::fs::write(
        c.join("client.toml"),
        "name = \"Newco Ltd\"\ntenant_id = \"99999999-2222-3333-4444-555555555555\"\ndomains = [\"newco.example\"]\n",
    )
    .unwrap();
    std::fs::write(
        c.join("raci.toml"),
        "[[activity]]\nid = \"all\"\nname = \"Everything\"\nresponsible = [\"MSP Team\"]\naccountable = [\"Client IT Lead\"]\ncontrols = [\"*\"]\n",
    )
    .unwrap();
    std::fs::write(
        c.join("controls.toml"),
        "[identity]\nmodel = \"conditional_access\"\npim = true\n\n[thresholds]\n\"identity.mfa-users\" = { min_percent = 99 }\n",
    )
    .unwrap();
    std::fs::write(
        c.join("backup.toml"),
        "[retention]\nrelies_on_backup = false\n",
    )
    .unwrap();
    let (code, doc) = diff(root);
    assert_eq!(code, 0, "{doc}");
    let newco = client(&doc, "newco");
    assert!(weakenings(newco).is_empty(), "{newco}");
    assert_eq!(
        newco["changes"][0]["reason"],
        "client newco (Newco Ltd) added: neutral (evaluated from now on)"
    );

    // The same client claiming fabrikam's tenant weakens: evidence would be accepted
    // from another client's tenant, and no waiver justifies it.
    let tenant = std::fs::read_to_string(root.join("clients/fabrikam/client.toml"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("tenant_id = ").map(str::to_owned))
        .expect("fabrikam's tenant");
    edit(
        &c.join("client.toml"),
        "\"99999999-2222-3333-4444-555555555555\"",
        &tenant,
    );
    let (code, doc) = diff(root);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(
        weakenings(client(&doc, "newco")),
        [("client.tenant_id".to_owned(), false)]
    );
}

#[test]
fn the_sample_clients_added_to_an_empty_repository_list_every_weakening_they_contain() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // A repository without clients yet (git keeps no empty folder).
    std::fs::create_dir_all(root.join("clients")).unwrap();
    std::fs::write(root.join("clients/README.md"), "one folder per client\n").unwrap();
    commit_all(&Repository::init(root).unwrap());
    crate::support::files::copy_tree(&samples(), &root.join("clients"));
    let (code, doc) = diff(root);
    assert_eq!(code, 1);
    let mut listing = String::new();
    for c in doc["clients"].as_array().unwrap() {
        assert_eq!(c["kind"], "added");
        listing.push_str(&format!("{}\n", c["client"].as_str().unwrap()));
        for ch in c["changes"].as_array().unwrap() {
            let justified = match (ch["effect"].as_str(), ch["justified"].as_bool()) {
                (Some("weakens"), Some(true)) => " (justified)",
                (Some("weakens"), _) => " (unjustified)",
                _ => "",
            };
            listing.push_str(&format!(
                "  {}{justified}: {}\n",
                ch["effect"].as_str().unwrap(),
                ch["reason"].as_str().unwrap()
            ));
        }
    }
    insta::assert_snapshot!(listing);
}
