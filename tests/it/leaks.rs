//! Leaks: each client's inputs carry unique canary strings (policy, notes, Graph
//! snapshots, restore tests, and Graph data collected from the loopback stand-in), and a
//! fake client secret sits in the environment. After collect, check in every format and
//! build, no canary of one client appears anywhere under the other's `site/<id>/`
//! (packs unzipped), and the secret appears nowhere: not in the site, the evidence
//! folders, the manifests, stdout, stderr or the GitHub step summary.

use crate::support::graph_standin;

use custody::controls::testing::{
    BACKUP_TOML, CLIENT_TOML, CONTROLS_TOML, Fx, RACI_TOML, RESTORE_OK, default_graph,
};
use graph_standin::*;
use std::io::Read;
use std::path::Path;
use std::process::Output;

const SECRET: &str = "FAKE-SECRET-9d41c7-do-not-print";
const OTHER_SECRET: &str = "FAKE-ENV-TOKEN-77ab02";

struct Client {
    id: &'static str,
    tenant: &'static str,
    canary: &'static str,
}

const ALPHA: Client = Client {
    id: "alpha",
    tenant: "aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa",
    canary: "CANARY-ALPHA-3f9e",
};
const BETA: Client = Client {
    id: "beta",
    tenant: "bbbbbbbb-2222-4222-8222-bbbbbbbbbbbb",
    canary: "CANARY-BETA-71c2",
};

/// A healthy client with its canary planted in every input that reaches an output.
fn fixture(c: &Client) -> Fx {
    let k = c.canary;
    let mut fx = Fx::new()
        .policy(
            "client.toml",
            &CLIENT_TOML
                .replace("Acme Fixture Ltd", &format!("Client {k}-name"))
                .replace("11111111-2222-3333-4444-555555555555", c.tenant),
        )
        .policy(
            "raci.toml",
            &RACI_TOML.replace("\"Everything\"", &format!("\"Everything {k}-raci\"")),
        )
        .policy(
            "backup.toml",
            &BACKUP_TOML.replace("MSP Backup Team", &format!("Team {k}-owner")),
        )
        .policy(
            "controls.toml",
            &format!(
                "{CONTROLS_TOML}\n[[approved_assignment]]\nprincipal = \"{k}-principal@x.example\"\nrole = \"Global Administrator\"\nassignment = \"eligible\"\n"
            ),
        )
        .policy("notes.md", &format!("# Notes\n\n{k}-notes\n"))
        .file(
            "2026-11",
            "restore-tests.toml",
            &RESTORE_OK.replace("mailbox alice", &format!("mailbox {k}-restore")),
        );
    for (file, json) in default_graph() {
        fx = fx.graph(
            &file,
            &json.replace("Require MFA for all users", &format!("MFA {k}-graph")),
        );
    }
    fx
}

/// Graph stand-in that serves each tenant's data with that tenant's canary in it.
fn graph_for(clients: &'static [&'static Client]) -> Server {
    let base = std::sync::Arc::new(std::sync::OnceLock::<String>::new());
    let b2 = base.clone();
    let server = Server::start(move |req| {
        let url = b2.get().cloned().unwrap_or_default();
        if let Some(rest) = req.path().strip_prefix("/login/") {
            let tenant = rest.split('/').next().unwrap_or("");
            return token_reply(&format!("tok-{tenant}"));
        }
        let Some(c) = clients
            .iter()
            .find(|c| req.bearer() == format!("tok-{}", c.tenant))
        else {
            return Reply::Json(
                401,
                vec![],
                r#"{"error":{"code":"InvalidAuthenticationToken","message":"no"}}"#.into(),
            );
        };
        match happy_graph(req, &url) {
            Some(Reply::Json(status, headers, body)) => Reply::Json(
                status,
                headers,
                body.replace("Adele Vance", &format!("Adele {}-collected", c.canary)),
            ),
            Some(other) => other,
            None => Reply::Json(
                404,
                vec![],
                r#"{"error":{"code":"Request_ResourceNotFound","message":"no such path"}}"#.into(),
            ),
        }
    });
    let _ = base.set(server.url.clone());
    server
}

fn custody(root: &Path, server: &Server, args: &[&str], summary: &Path) -> Output {
    custody_against(root, server)
        .args(args)
        .env("CUSTODY_CLIENT_ID", "11111111-2222-3333-4444-555555555555")
        .env("CUSTODY_CLIENT_SECRET", SECRET)
        .env("GITHUB_TOKEN", OTHER_SECRET)
        .env("GITHUB_STEP_SUMMARY", summary)
        .output()
        .expect("run custody")
}

/// Every file under `dir` as (path, bytes), with the entries of zip files unpacked.
fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
    {
        if !e.file_type().is_file() {
            continue;
        }
        let path = e.path().display().to_string();
        let bytes = std::fs::read(e.path()).expect("read output");
        if path.ends_with(".zip") {
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).expect("zip");
            for i in 0..zip.len() {
                let mut f = zip.by_index(i).expect("entry");
                let name = f.name().expect("name").into_owned();
                let mut b = Vec::new();
                f.read_to_end(&mut b).expect("unzip");
                out.push((format!("{path}!{name}"), b));
            }
        }
        out.push((path, bytes));
    }
    out
}

fn holders(files: &[(String, Vec<u8>)], needle: &str) -> Vec<String> {
    files
        .iter()
        .filter(|(_, b)| String::from_utf8_lossy(b).contains(needle))
        .map(|(p, _)| p.clone())
        .collect()
}

#[test]
fn no_canary_crosses_clients_and_the_secret_reaches_no_output() {
    static CLIENTS: [&Client; 2] = [&ALPHA, &BETA];
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    for c in CLIENTS {
        fixture(c).write_to(&root, c.id);
    }
    let server = graph_for(&CLIENTS);
    let summary = dir.path().join("step-summary.md");
    let site = dir.path().join("site");

    let mut logs: Vec<(String, Vec<u8>)> = Vec::new();
    let mut run = |label: &str, args: &[&str]| {
        let out = custody(&root, &server, args, &summary);
        logs.push((format!("{label} stdout"), out.stdout.clone()));
        logs.push((format!("{label} stderr"), out.stderr.clone()));
        out
    };
    for c in CLIENTS {
        let out = run(
            &format!("collect {}", c.id),
            &["collect", "--client", c.id, "--month", "2026-12"],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "collect {}: {}",
            c.id,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for format in ["text", "json", "sarif", "markdown", "github"] {
        run(
            &format!("check {format}"),
            &[
                "check",
                "--format",
                format,
                "--month",
                "2026-11",
                "--verbose",
            ],
        );
        run(
            &format!("check latest {format}"),
            &["check", "--format", format],
        );
    }
    let site_arg = site.to_str().unwrap().to_owned();
    let out = run("build", &["build", "--out", &site_arg]);
    assert!(
        site.join("alpha/index.html").is_file() && site.join("beta/index.html").is_file(),
        "build: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The secret was really used (sent to the token endpoint), and nowhere written.
    let sent = server.requests("/login/");
    assert!(
        sent.iter().any(|r| r.body.contains(SECRET)),
        "the collect runs never used the secret, so the test would prove nothing"
    );
    let mut everything = contents(&site);
    everything.extend(contents(&root.join("evidence")));
    everything.extend(logs.iter().cloned());
    if summary.exists() {
        everything.push((
            "GITHUB_STEP_SUMMARY".into(),
            std::fs::read(&summary).unwrap(),
        ));
    }
    for secret in [SECRET, OTHER_SECRET, "tok-aaaaaaaa", "tok-bbbbbbbb"] {
        let found = holders(&everything, secret);
        assert!(found.is_empty(), "{secret:?} leaked into {found:?}");
    }

    for (c, other) in [(&ALPHA, &BETA), (&BETA, &ALPHA)] {
        let own = contents(&site.join(c.id));
        // Non-vacuous: each client's own canaries reached its own site, from every input.
        for part in [
            "name",
            "notes",
            "raci",
            "owner",
            "principal",
            "graph",
            "restore",
        ] {
            let needle = format!("{}-{part}", c.canary);
            assert!(
                !holders(&own, &needle).is_empty(),
                "{needle} never reached site/{}",
                c.id
            );
        }
        let collected = format!("{}-collected", c.canary);
        assert!(
            !holders(
                &contents(&root.join("evidence").join(c.id).join("2026-12")),
                &collected
            )
            .is_empty(),
            "the collected month of {} lacks its canary",
            c.id
        );
        let crossed = holders(&own, other.canary);
        assert!(
            crossed.is_empty(),
            "{} canary found under site/{}/: {crossed:?}",
            other.id,
            c.id
        );
        let evidence = contents(&root.join("evidence").join(c.id));
        let crossed = holders(&evidence, other.canary);
        assert!(
            crossed.is_empty(),
            "{} data collected into evidence/{}: {crossed:?}",
            other.id,
            c.id
        );
    }
}

/// A hostile or misconfigured endpoint that echoes the request back in its error bodies
/// (the form with the client secret, the bearer token): custody must not pass the echo
/// on to its logs, manifests or evidence.
#[test]
fn secrets_echoed_back_by_a_server_are_not_repeated() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    fixture(&ALPHA).write_to(&root, ALPHA.id);
    let summary = dir.path().join("step-summary.md");
    let echo = |req: &Req| {
        let said = format!("{} {}", req.body, req.bearer()).replace('"', "'");
        format!(r#"{{"error":"invalid_client","error_description":"you sent: {said}"}}"#)
    };
    let token_fails = Server::start(move |req| Reply::Json(401, vec![], echo(req)));
    let out = custody(
        &root,
        &token_fails,
        &["collect", "--client", "alpha", "--month", "2026-12"],
        &summary,
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        token_fails
            .requests("/login/")
            .iter()
            .any(|r| r.body.contains(SECRET)),
        "the secret was never sent, so the test would prove nothing"
    );

    // Tokens are granted, then every Graph call fails with an echo of the bearer token.
    let graph_echoes = Server::start(|req| {
        if req.path().starts_with("/login/") {
            return token_reply("tok-ECHOED-BEARER-5521");
        }
        let said = req.bearer().replace('"', "'");
        Reply::Json(
            400,
            vec![],
            format!(r#"{{"error":{{"code":"BadRequest","message":"token {said} rejected"}}}}"#),
        )
    });
    let out2 = custody(
        &root,
        &graph_echoes,
        &["collect", "--client", "alpha", "--month", "2026-12"],
        &summary,
    );
    assert!(
        graph_echoes
            .requests("/v1.0/")
            .iter()
            .any(|r| r.bearer() == "tok-ECHOED-BEARER-5521"),
        "the token was never used"
    );
    let mut everything = vec![
        ("collect stdout".to_owned(), out.stdout),
        ("collect stderr".to_owned(), out.stderr),
        ("collect 2 stdout".to_owned(), out2.stdout),
        ("collect 2 stderr".to_owned(), out2.stderr),
    ];
    everything.extend(contents(&root.join("evidence")));
    for secret in [SECRET, "ECHOED-BEARER-5521"] {
        let found = holders(&everything, secret);
        assert!(found.is_empty(), "{secret:?} echoed into {found:?}");
    }
}

/// A server that echoes the token into every field it controls: the error `code` (also
/// of a 403, which is recorded in the manifest, not fatal), the message, `innerError`, a
/// header, the token endpoint's `error` code, and even a data page. No echo reaches a
/// log, a manifest or an evidence file; a data page carrying the token is not stored.
#[test]
fn secrets_echoed_in_any_field_are_redacted_and_never_stored() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    fixture(&ALPHA).write_to(&root, ALPHA.id);
    let summary = dir.path().join("step-summary.md");
    const TOKEN: &str = "tok-ECHOED-IN-EVERY-FIELD-8812";

    // The token endpoint puts the posted form (with the secret) into its error *code*.
    let token_fails = Server::start(|req| {
        let said = req.body.replace('"', "'");
        Reply::Json(
            400,
            vec![("X-Echo", said.clone())],
            format!(r#"{{"error":"bad_{said}","error_description":"no"}}"#),
        )
    });
    let out1 = custody(
        &root,
        &token_fails,
        &["collect", "--client", "alpha", "--month", "2026-12"],
        &summary,
    );
    assert_eq!(out1.status.code(), Some(2));
    assert!(
        token_fails
            .requests("/login/")
            .iter()
            .any(|r| r.body.contains(SECRET)),
        "the secret was never sent, so the test would prove nothing"
    );

    // Graph: a 403 echoing the token in code, message, innerError and a header (recorded
    // in the manifest), and another endpoint whose *data* echoes it.
    for data_echo in [false, true] {
        let base = std::sync::Arc::new(std::sync::OnceLock::<String>::new());
        let b2 = base.clone();
        let graph = Server::start(move |req| {
            let url = b2.get().cloned().unwrap_or_default();
            if req.path().starts_with("/login/") {
                return token_reply(TOKEN);
            }
            match req.path() {
                "/v1.0/identity/conditionalAccess/policies" => {
                    echoing_error(403, "Authorization_RequestDenied_", &req.bearer())
                }
                "/v1.0/subscribedSkus" if data_echo => ok(format!(
                    r#"{{"value":[{{"skuId":"x","skuPartNumber":"{}","capabilityStatus":"Enabled"}}]}}"#,
                    req.bearer()
                )),
                _ => {
                    happy_graph(req, &url).unwrap_or_else(|| Reply::Json(404, vec![], "{}".into()))
                }
            }
        });
        let _ = base.set(graph.url.clone());
        let out2 = custody(
            &root,
            &graph,
            &["collect", "--client", "alpha", "--month", "2026-12"],
            &summary,
        );
        let stderr = String::from_utf8_lossy(&out2.stderr).into_owned();
        assert!(
            graph.requests("/v1.0/").iter().any(|r| r.bearer() == TOKEN),
            "the token was never used"
        );
        let month = root.join("evidence/alpha/2026-12");
        if data_echo {
            assert_eq!(out2.status.code(), Some(2), "{stderr}");
            assert!(stderr.contains("graph/subscribedSkus.json"), "{stderr}");
            assert!(stderr.contains("not stored"), "{stderr}");
        } else {
            assert_eq!(out2.status.code(), Some(0), "{stderr}");
            let manifest = std::fs::read_to_string(month.join("manifest.json")).unwrap();
            assert!(manifest.contains("permission_missing"), "{manifest}");
            assert!(manifest.contains("<redacted>"), "{manifest}");
        }
        let mut everything = vec![
            ("token stdout".to_owned(), out1.stdout.clone()),
            ("token stderr".to_owned(), out1.stderr.clone()),
            ("graph stdout".to_owned(), out2.stdout),
            ("graph stderr".to_owned(), out2.stderr),
        ];
        everything.extend(contents(&root.join("evidence")));
        for secret in [SECRET, "ECHOED-IN-EVERY-FIELD-8812"] {
            let found = holders(&everything, secret);
            assert!(found.is_empty(), "{secret:?} echoed into {found:?}");
        }
    }
}

/// Red team: a site built where `clients/` is not committed published "clients/ is not
/// committed in the git repository at /home/…" in every page's policy note. The note
/// keeps the reason, never the local path; the terminal warning keeps the full text.
#[test]
fn the_published_policy_note_names_no_local_path() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path())
        .unwrap()
        .join("my-private-folder");
    Fx::new().write_to(&root, "acme");
    // A git repository with a commit in which clients/ is not.
    let git = git2::Repository::init(&root).unwrap();
    std::fs::write(root.join("README.md"), "ours\n").unwrap();
    crate::support::git::commit_paths(&git, &["README.md"], "readme");
    let site = dir.path().join("site");
    let out = assert_cmd::Command::cargo_bin("custody")
        .unwrap()
        .arg("--repo")
        .arg(&root)
        .args(["build", "--no-cache", "--out"])
        .arg(&site)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("my-private-folder"),
        "the local warning is whole: {stderr}"
    );
    let files = contents(&site);
    let with_note = holders(&files, "month-end policy versions unavailable");
    assert!(!with_note.is_empty(), "the note is published");
    assert_eq!(holders(&files, "my-private-folder"), Vec::<String>::new());
    assert_eq!(
        holders(&files, root.to_str().unwrap()),
        Vec::<String>::new()
    );
}
