//! The GitHub Action's installer (action/install.sh) and runner (action/run.sh), run for
//! real with bash against a loopback server holding a fake release: a tiny script
//! "binary" per platform and its SHA256SUMS. No test touches the internet; the attestation
//! check runs against a stand-in `gh` on PATH.

use crate::support::files;
use crate::support::graph_standin;

use graph_standin::{Reply, Req, Server};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

const VERSION: &str = "v1.2.3";

/// What every platform's fake binary does: print its arguments one per bracket (so a
/// test sees exactly what was passed) and exit with FAKE_EXIT.
const FAKE_BINARY: &str = "#!/bin/sh\nprintf 'fake custody'\nfor a in \"$@\"; do printf ' [%s]' \"$a\"; done\necho\n[ -n \"$FAKE_OUTPUT\" ] && printf '%s\\n' \"$FAKE_OUTPUT\"\nexit ${FAKE_EXIT:-0}\n";

const ASSETS: [(&str, &str, &str); 4] = [
    ("Linux", "X64", "custody-x86_64-unknown-linux-musl"),
    ("Linux", "ARM64", "custody-aarch64-unknown-linux-musl"),
    ("Windows", "X64", "custody-x86_64-pc-windows-msvc.exe"),
    ("macOS", "ARM64", "custody-aarch64-apple-darwin"),
];

fn sha256_hex(b: &[u8]) -> String {
    Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// A release as the release workflow publishes it: the binaries and SHA256SUMS
/// (`sha256sum` format), served under /<version>/.
struct Release {
    files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    server: Server,
}

impl Release {
    fn new() -> Release {
        let mut files = HashMap::new();
        let mut sums = String::new();
        for (_, _, asset) in ASSETS {
            files.insert(
                format!("/{VERSION}/{asset}"),
                FAKE_BINARY.as_bytes().to_vec(),
            );
            sums.push_str(&format!(
                "{}  {asset}\n",
                sha256_hex(FAKE_BINARY.as_bytes())
            ));
        }
        files.insert(format!("/{VERSION}/SHA256SUMS"), sums.into_bytes());
        let files = Arc::new(Mutex::new(files));
        let served = files.clone();
        let server = Server::start(move |req: &Req| {
            match served.lock().unwrap().get(req.path()) {
                // Text only here: the fake binaries are scripts.
                Some(b) => Reply::Json(200, vec![], String::from_utf8_lossy(b).into_owned()),
                None => Reply::Json(404, vec![], "Not Found".into()),
            }
        });
        Release { files, server }
    }

    fn set(&self, path: &str, body: &str) {
        self.files
            .lock()
            .unwrap()
            .insert(format!("/{VERSION}/{path}"), body.as_bytes().to_vec());
    }

    fn requests(&self) -> usize {
        self.server.log.lock().unwrap().len()
    }
}

/// A runner's environment in a temp folder: tool cache, GITHUB_PATH, GITHUB_OUTPUT,
/// step summary, and a bin folder put first on PATH (for a stand-in `gh`).
struct Runner {
    dir: tempfile::TempDir,
}

impl Runner {
    fn new() -> Runner {
        let r = Runner {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(r.bin()).unwrap();
        std::fs::create_dir_all(r.work()).unwrap();
        r
    }
    fn p(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn bin(&self) -> PathBuf {
        self.p("bin")
    }
    fn work(&self) -> PathBuf {
        self.p("work")
    }
    fn tools(&self) -> PathBuf {
        self.p("tools")
    }
    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.p(name)).unwrap_or_default()
    }

    /// `bash action/<script> [mode]` with only the environment a test sets: ambient
    /// GitHub and token variables are removed so the host never leaks in.
    fn script(&self, script: &str, mode: Option<&str>, env: &[(&str, &str)]) -> Output {
        let path = format!(
            "{}:{}",
            self.bin().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut c = Command::new("bash");
        c.arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("action")
                .join(script),
        );
        if let Some(m) = mode {
            c.arg(m);
        }
        c.current_dir(self.work()).env_clear().env("PATH", path);
        c.env("HOME", self.dir.path())
            .env("RUNNER_TOOL_CACHE", self.tools())
            .env("GITHUB_PATH", self.p("github_path"))
            .env("GITHUB_OUTPUT", self.p("github_output"))
            .env("GITHUB_STEP_SUMMARY", self.p("summary.md"));
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    }

    fn install(&self, release: &Release, env: &[(&str, &str)]) -> Output {
        let mut all = vec![
            ("CUSTODY_VERSION", VERSION),
            ("CUSTODY_DOWNLOAD_BASE", release.server.url.as_str()),
            ("RUNNER_OS", "Linux"),
            ("RUNNER_ARCH", "X64"),
        ];
        // Later entries win (Command keeps the last value of a key).
        all.extend_from_slice(env);
        self.script("install.sh", Some("install"), &all)
    }

    fn installed(&self, asset: &str) -> PathBuf {
        let bin = if asset.ends_with(".exe") {
            "custody.exe"
        } else {
            "custody"
        };
        self.tools()
            .join("custody")
            .join(VERSION)
            .join(asset.trim_end_matches(".exe"))
            .join(bin)
    }

    /// Every file under the tool cache: nothing at all after a refused install.
    fn tool_files(&self) -> Vec<String> {
        files::tree(&self.tools()).into_keys().collect()
    }

    fn fake_gh(&self, exit: i32) {
        let gh = self.bin().join("gh");
        std::fs::write(
            &gh,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\nexit {exit}\n",
                self.p("gh_calls").display()
            ),
        )
        .unwrap();
        make_executable(&gh);
    }
}

fn make_executable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn the_installer_installs_a_verified_release_for_each_platform_and_runs_it() {
    let release = Release::new();
    for (os, arch, asset) in ASSETS {
        let runner = Runner::new();
        let o = runner.install(&release, &[("RUNNER_OS", os), ("RUNNER_ARCH", arch)]);
        assert!(o.status.success(), "{os}/{arch}: {}", stderr(&o));
        assert!(stderr(&o).contains("checksum verified"), "{}", stderr(&o));
        let bin = runner.installed(asset);
        assert_eq!(
            std::fs::read(&bin).unwrap(),
            FAKE_BINARY.as_bytes(),
            "{os}/{arch}"
        );
        let dir = bin.parent().unwrap().display().to_string();
        assert_eq!(runner.read("github_path"), format!("{dir}\n"));
        assert!(
            runner
                .read("github_output")
                .contains(&format!("path={}\n", bin.display())),
            "{}",
            runner.read("github_output")
        );
        // Only the binary and the SHA256SUMS it was checked against: no download leftovers.
        let mut expected = vec![
            format!("{VERSION}/{}/SHA256SUMS", asset.trim_end_matches(".exe")),
            format!(
                "{VERSION}/{}/{}",
                asset.trim_end_matches(".exe"),
                bin.file_name().unwrap().to_str().unwrap()
            ),
        ];
        expected.sort();
        assert_eq!(
            files::tree(&runner.tools().join("custody"))
                .into_keys()
                .collect::<Vec<_>>(),
            expected
        );
    }

    // The Linux one runs through run.sh: arguments split on whitespace, never globbed or
    // evaluated, exit code and step summary written.
    let runner = Runner::new();
    assert!(runner.install(&release, &[]).status.success());
    std::fs::write(runner.work().join("decoy"), "").unwrap();
    let bin = runner.installed(ASSETS[0].2);
    let o = runner.script(
        "run.sh",
        None,
        &[
            ("CUSTODY_BIN", &bin.display().to_string()),
            (
                "CUSTODY_ARGS",
                "check  --client *\n--month $(id) --format github",
            ),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "fake custody [check] [--client] [*] [--month] [$(id)] [--format] [github]\n"
    );
    assert!(runner.read("github_output").contains("exit-code=0\n"));
    let summary = runner.read("summary.md");
    assert!(
        summary.starts_with("### custody: exit 0, success"),
        "{summary}"
    );
    assert!(summary.contains("[--client] [*]"), "{summary}");

    // Installed again: the cached binary is re-checked and used, nothing downloaded.
    let before = release.requests();
    let o = runner.install(&release, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("from the cache"), "{}", stderr(&o));
    assert_eq!(release.requests(), before, "a cache hit downloads nothing");
}

#[test]
fn a_damaged_cached_binary_is_downloaded_again() {
    let release = Release::new();
    let runner = Runner::new();
    assert!(runner.install(&release, &[]).status.success());
    let bin = runner.installed(ASSETS[0].2);
    std::fs::write(&bin, "#!/bin/sh\necho tampered\n").unwrap();
    let before = release.requests();
    let o = runner.install(&release, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("does not match its checksum"),
        "{}",
        stderr(&o)
    );
    assert!(release.requests() > before);
    assert_eq!(std::fs::read(&bin).unwrap(), FAKE_BINARY.as_bytes());
}

#[test]
fn a_checksum_mismatch_is_refused_and_nothing_is_installed() {
    let asset = ASSETS[0].2;
    let wrong = sha256_hex(b"some other build");
    let cases: Vec<(String, &str)> = vec![
        (format!("{wrong}  {asset}\n"), "checksum mismatch"),
        (format!("{wrong} *{asset}\n"), "checksum mismatch"),
        // Listed under another name only, or not at all.
        (
            format!("{}  {asset}.old\n", sha256_hex(FAKE_BINARY.as_bytes())),
            "lists no",
        ),
        (String::new(), "lists no"),
        // Listed twice: which one would be the truth?
        (
            format!(
                "{}  {asset}\n{wrong}  {asset}\n",
                sha256_hex(FAKE_BINARY.as_bytes())
            ),
            "more than once",
        ),
        (format!("{}  {asset}\n", &wrong[..40]), "malformed hash"),
    ];
    for (sums, message) in cases {
        let release = Release::new();
        release.set("SHA256SUMS", &sums);
        let runner = Runner::new();
        let o = runner.install(&release, &[]);
        assert_eq!(o.status.code(), Some(1), "{sums:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(message), "{sums:?}: {}", stderr(&o));
        assert!(
            runner.tool_files().is_empty(),
            "{sums:?}: {:?}",
            runner.tool_files()
        );
        assert_eq!(runner.read("github_path"), "", "nothing put on PATH");
    }
    // The binary swapped on the server (SHA256SUMS unchanged) is refused the same way.
    let release = Release::new();
    release.set(asset, "#!/bin/sh\necho evil\n");
    let runner = Runner::new();
    let o = runner.install(&release, &[]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("checksum mismatch") && e.contains("nothing installed"),
        "{e}"
    );
    assert!(runner.tool_files().is_empty());
}

#[test]
fn a_missing_release_file_is_a_clear_error_and_installs_nothing() {
    let release = Release::new();
    release.files.lock().unwrap().clear();
    let runner = Runner::new();
    let o = runner.install(&release, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("download failed"), "{}", stderr(&o));
    assert!(runner.tool_files().is_empty());
}

#[test]
fn an_unknown_platform_is_a_clear_error() {
    let release = Release::new();
    for (os, arch) in [
        ("macOS", "X64"),
        ("Linux", "ARM"),
        ("Windows", "ARM64"),
        ("FreeBSD", "X64"),
    ] {
        let runner = Runner::new();
        for mode in ["resolve", "install"] {
            let o = runner.script(
                "install.sh",
                Some(mode),
                &[
                    ("CUSTODY_VERSION", VERSION),
                    ("CUSTODY_DOWNLOAD_BASE", &release.server.url),
                    ("RUNNER_OS", os),
                    ("RUNNER_ARCH", arch),
                ],
            );
            assert_eq!(o.status.code(), Some(1), "{os}/{arch} {mode}");
            let e = stderr(&o);
            assert!(
                e.contains(&format!(
                    "no custody release binary for this runner ({os}/{arch})"
                )) && e.contains("Linux/X64, Linux/ARM64"),
                "{e}"
            );
        }
        assert!(runner.tool_files().is_empty());
    }
    assert_eq!(
        release.requests(),
        0,
        "nothing downloaded for an unknown platform"
    );
}

#[test]
fn a_version_with_shell_metacharacters_or_path_parts_is_refused() {
    let release = Release::new();
    let hostile = [
        "",
        "latest",
        "1.2.3",
        "v1.2",
        "v1.2.3; touch pwned",
        "v1.2.3$(touch pwned)",
        "`touch pwned`",
        "v1.2.3 && touch pwned",
        "../../../etc",
        "v1.2.3/../../x",
        "v1.2.3/..",
        "..",
        "v1.2.3-rc..1",
        "v1.2.3-rc.1/../x",
        "v1.2.3\nv1.2.4",
        "v1.2.3%2f..",
        "v1.2.3?x=1",
        "v1.2.3#",
        "v01.2.3",
        "v1.2.3-",
        "V1.2.3",
        "v1.2.3-\u{e9}",
    ];
    for v in hostile {
        for mode in ["resolve", "install"] {
            let runner = Runner::new();
            let o = runner.script(
                "install.sh",
                Some(mode),
                &[
                    ("CUSTODY_VERSION", v),
                    ("CUSTODY_DOWNLOAD_BASE", &release.server.url),
                    ("RUNNER_OS", "Linux"),
                    ("RUNNER_ARCH", "X64"),
                ],
            );
            assert_eq!(o.status.code(), Some(1), "{v:?} {mode}: {}", stderr(&o));
            let e = stderr(&o);
            assert!(
                e.contains("is not a release tag") || e.contains("no version given"),
                "{v:?}: {e}"
            );
            assert!(!runner.work().join("pwned").exists(), "{v:?} ran a command");
            assert!(runner.tool_files().is_empty(), "{v:?}");
            assert_eq!(runner.read("github_output"), "", "{v:?}");
        }
    }
    assert_eq!(
        release.requests(),
        0,
        "no hostile version reached the server"
    );

    // The tags a release can have are accepted.
    for v in ["v0.2.0", "v10.0.1", "v1.2.3-rc.1", "v1.2.3-beta-2"] {
        let runner = Runner::new();
        let o = runner.script(
            "install.sh",
            Some("resolve"),
            &[
                ("CUSTODY_VERSION", v),
                ("RUNNER_OS", "Linux"),
                ("RUNNER_ARCH", "X64"),
            ],
        );
        assert!(o.status.success(), "{v}: {}", stderr(&o));
        assert!(
            stdout(&o).contains(&format!(
                "key=custody-{v}-custody-x86_64-unknown-linux-musl"
            )),
            "{}",
            stdout(&o)
        );
    }
}

#[test]
fn the_download_base_must_be_https_or_loopback() {
    for base in [
        "http://example.com/releases",
        "file:///etc",
        "ftp://127.0.0.1/x",
        "http://127.0.0.1.evil.example/x",
        "http://127.0.0.1:80@evil.example/x",
        "https://github.com@evil.example/x",
        "https://github.com/x?y=1",
    ] {
        let runner = Runner::new();
        let o = runner.script(
            "install.sh",
            Some("install"),
            &[
                ("CUSTODY_VERSION", VERSION),
                ("CUSTODY_DOWNLOAD_BASE", base),
                ("RUNNER_OS", "Linux"),
                ("RUNNER_ARCH", "X64"),
            ],
        );
        assert_eq!(o.status.code(), Some(1), "{base}");
        assert!(
            stderr(&o).contains("must be an https URL"),
            "{base}: {}",
            stderr(&o)
        );
        assert!(runner.tool_files().is_empty());
    }
}

#[test]
fn the_attestation_is_verified_with_gh_when_a_token_is_present() {
    let release = Release::new();
    let asset = ASSETS[0].2;

    // gh says the provenance does not verify: refused, nothing installed.
    let runner = Runner::new();
    runner.fake_gh(1);
    let o = runner.install(
        &release,
        &[
            ("GH_TOKEN", "t0ken"),
            ("CUSTODY_REPOSITORY", "acme/custody"),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("does not verify for acme/custody"),
        "{}",
        stderr(&o)
    );
    assert!(runner.tool_files().is_empty());
    let calls = runner.read("gh_calls");
    assert!(
        calls.starts_with("attestation verify ")
            && calls.trim_end().ends_with("--repo acme/custody"),
        "{calls}"
    );
    assert!(calls.contains(asset), "{calls}");

    // gh verifies: installed. The repository comes from the action's checkout path when
    // no input names it.
    let runner = Runner::new();
    runner.fake_gh(0);
    let o = runner.install(
        &release,
        &[
            ("GH_TOKEN", "t0ken"),
            (
                "GITHUB_ACTION_PATH",
                "/home/runner/work/_actions/acme/custody/0123abc",
            ),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("attestation verified (acme/custody)"));
    assert!(runner.read("gh_calls").contains("--repo acme/custody"));
    assert!(runner.installed(asset).is_file());

    // Without a token the check is skipped in auto mode (the checksum still holds) and
    // refused in required mode.
    let runner = Runner::new();
    runner.fake_gh(0);
    let o = runner.install(&release, &[]);
    assert!(o.status.success());
    assert!(
        stderr(&o).contains("not verified (no GH_TOKEN)"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        runner.read("gh_calls"),
        "",
        "gh is not called without a token"
    );
    let runner = Runner::new();
    let o = runner.install(&release, &[("CUSTODY_ATTESTATION", "required")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("is required: nothing installed"),
        "{}",
        stderr(&o)
    );
    assert!(runner.tool_files().is_empty());
}

#[test]
fn the_step_summary_cannot_be_broken_out_of_and_the_exit_code_is_custodys() {
    let release = Release::new();
    let runner = Runner::new();
    assert!(runner.install(&release, &[]).status.success());
    let bin = runner.installed(ASSETS[0].2).display().to_string();
    let hostile = "client `a` ````\n</details><script>alert(1)</script>\n# heading";
    let o = runner.script(
        "run.sh",
        None,
        &[
            ("CUSTODY_BIN", &bin),
            ("CUSTODY_ARGS", "check"),
            ("FAKE_EXIT", "1"),
            ("FAKE_OUTPUT", hostile),
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "findings are exit 1, as custody's"
    );
    assert!(runner.read("github_output").contains("exit-code=1\n"));
    let summary = runner.read("summary.md");
    assert!(
        summary.starts_with("### custody: exit 1, findings"),
        "{summary}"
    );
    // The output sits in a fence of five backticks: longer than any run inside it.
    let open = summary
        .find("\n`````\nfake custody [check]")
        .expect(&summary);
    let close = summary.rfind("\n`````\n").unwrap();
    assert!(
        close > open && summary[open..close].contains(hostile),
        "{summary}"
    );

    // Exit 2 and an unexpected code pass through too.
    for code in ["2", "101"] {
        let o = runner.script(
            "run.sh",
            None,
            &[
                ("CUSTODY_BIN", &bin),
                ("CUSTODY_ARGS", "check"),
                ("FAKE_EXIT", code),
            ],
        );
        assert_eq!(o.status.code(), Some(code.parse().unwrap()));
    }

    // No args: install only, nothing run.
    let o = runner.script(
        "run.sh",
        None,
        &[("CUSTODY_BIN", &bin), ("CUSTODY_ARGS", "  ")],
    );
    assert!(o.status.success());
    assert_eq!(stdout(&o), "");
}

/// The action's own YAML: every input reaches a script through `env:` only, and the one
/// third-party action it uses is pinned by commit.
#[test]
fn action_yml_keeps_expressions_out_of_run_and_pins_what_it_uses() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml")).unwrap();
    let mut runs = 0;
    for line in text.lines() {
        let t = line.trim_start();
        if let Some(cmd) = t.strip_prefix("run:") {
            runs += 1;
            assert!(!cmd.contains("${{"), "expression inside run: {line}");
            assert!(
                !cmd.trim_start().starts_with('|'),
                "multi-line run: keep logic in action/"
            );
        }
        if let Some(u) = t
            .strip_prefix("uses:")
            .or_else(|| t.strip_prefix("- uses:"))
        {
            let (r, comment) = u.trim().split_once(" # v").expect(line);
            let sha = r.rsplit_once('@').expect(line).1;
            assert!(
                sha.len() == 40
                    && sha.bytes().all(|b| b.is_ascii_hexdigit())
                    && !comment.is_empty(),
                "{line}"
            );
        }
    }
    assert_eq!(runs, 3, "resolve, install, run");
}

// ------------------------------------------------------------ custody --version (build.rs)

#[test]
fn version_names_the_commit_it_was_built_from() {
    let out = Command::new(env!("CARGO_BIN_EXE_custody"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    let line = stdout(&out);
    let commit = line
        .strip_prefix(&format!("custody {} (commit ", env!("CARGO_PKG_VERSION")))
        .and_then(|r| r.strip_suffix(")\n"))
        .unwrap_or_else(|| panic!("{line:?}"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let head = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success() && root.join(".git").exists());
    match head {
        // Built from this checkout: exactly its HEAD (build.rs re-runs when HEAD moves).
        Some(h) => assert_eq!(commit, String::from_utf8_lossy(&h.stdout).trim()),
        None => assert!(
            commit == "unknown"
                || (commit.len() >= 7 && commit.bytes().all(|b| b.is_ascii_hexdigit())),
            "{commit}"
        ),
    }
}

/// build.rs compiled alone and run as Cargo would, in a folder that is not a git
/// checkout (a source tarball): it falls back to CUSTODY_COMMIT, then "unknown", and
/// never fails.
#[test]
fn build_script_falls_back_without_git_and_never_fails() {
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("build-script");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let o = Command::new(rustc)
        .args(["--edition", "2024", "-O", "-o"])
        .arg(&exe)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("build.rs"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let tarball = dir.path().join("custody-0.1.0");
    std::fs::create_dir_all(&tarball).unwrap();
    let run = |commit: Option<&str>| {
        let mut c = Command::new(&exe);
        c.env("CARGO_MANIFEST_DIR", &tarball)
            // No repository above the temp folder can be found either.
            .env("GIT_CEILING_DIRECTORIES", dir.path())
            .env_remove("CUSTODY_COMMIT");
        if let Some(v) = commit {
            c.env("CUSTODY_COMMIT", v);
        }
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    let sha = "0123456789abcdef0123456789abcdef01234567";
    assert!(run(Some(sha)).contains(&format!("cargo:rustc-env=CUSTODY_BUILD_COMMIT={sha}\n")));
    assert!(run(None).contains("cargo:rustc-env=CUSTODY_BUILD_COMMIT=unknown\n"));
    // Not a commit id: never printed as one.
    for bad in ["main; rm -rf /", "", "abc", "zzzzzzzz"] {
        assert!(
            run(Some(bad)).contains("cargo:rustc-env=CUSTODY_BUILD_COMMIT=unknown\n"),
            "{bad:?}"
        );
    }
    assert!(run(None).contains("cargo:rerun-if-env-changed=CUSTODY_COMMIT"));
}
