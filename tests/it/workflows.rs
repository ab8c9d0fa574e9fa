//! Issue 12, class 10: the GitHub workflows of this repository and the ones `custody init`
//! writes. An expression (`${{ … }}`) spliced into a `run:` script (or a github-script
//! `script:`) is script injection when its value comes from a pull request: values reach
//! scripts through `env:` only. The client list comes from `custody clients`, never from
//! listing the folder, and the sticky PR comment is found by its author and its marker.

use crate::support::files;

use files::tree;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Keys whose value is code run by the runner.
const SCRIPT_KEYS: &[&str] = &["run", "script"];

/// Every `${{` inside a script value: `(line number, line)`. A small line-based reader of
/// the YAML subset workflows use: `key: value` on one line, or a block scalar (`|`, `>`,
/// with chomping/indent indicators) whose lines are indented deeper than the key.
fn expressions_in_scripts(yaml: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let lines: Vec<&str> = yaml.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        let body = trimmed.strip_prefix("- ").unwrap_or(trimmed);
        let key_indent = line.len() - body.len();
        let script = SCRIPT_KEYS.iter().find_map(|k| {
            body.strip_prefix(k)
                .and_then(|rest| rest.strip_prefix(':'))
                .filter(|rest| rest.is_empty() || rest.starts_with(' '))
        });
        let Some(value) = script else {
            i += 1;
            continue;
        };
        let value = value.trim();
        if value.starts_with('|') || value.starts_with('>') {
            i += 1;
            while i < lines.len() {
                let l = lines[i];
                let indent = l.len() - l.trim_start().len();
                if !l.trim().is_empty() && indent <= key_indent {
                    break;
                }
                if l.contains("${{") {
                    found.push((i + 1, l.to_owned()));
                }
                i += 1;
            }
        } else {
            if value.contains("${{") {
                found.push((i + 1, line.to_owned()));
            }
            i += 1;
        }
    }
    found
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The workflows of this repository and those `custody init` writes: `(label, text)`.
fn all_workflows(init_dir: &Path) -> Vec<(String, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_custody"))
        .args(["init", "-q"])
        .arg(init_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut all = Vec::new();
    for (label, dir) in [
        ("this repository", repo_root().join(".github/workflows")),
        ("custody init", init_dir.join(".github/workflows")),
    ] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
            .collect();
        files.sort();
        assert!(
            !files.is_empty(),
            "{label}: no workflows in {}",
            dir.display()
        );
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            all.push((format!("{label}: {}", f.display()), text));
        }
    }
    all
}

#[test]
fn no_workflow_splices_an_expression_into_a_script() {
    let tmp = tempfile::tempdir().unwrap();
    let workflows = all_workflows(&tmp.path().join("demo"));
    assert!(workflows.len() >= 5, "{workflows:?}");
    let mut problems = Vec::new();
    for (label, text) in &workflows {
        for (line, l) in expressions_in_scripts(text) {
            problems.push(format!("{label}:{line}: {}", l.trim()));
        }
    }
    assert!(
        problems.is_empty(),
        "pass these through env: instead:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_script_scanner_finds_expressions_in_every_form() {
    let yaml = r#"jobs:
  a:
    steps:
      - run: echo ${{ github.event.pull_request.title }}
      - name: block
        run: |
          echo ok
          echo "${{ matrix.client }}"
        env:
          SAFE: ${{ matrix.client }}
      - name: folded
        run: >-
          echo
          ${{ inputs.month }}
      - uses: actions/github-script@v7
        with:
          script: |
            const t = '${{ github.head_ref }}';
      - name: fine
        env:
          X: ${{ vars.X }}
        run: echo "$X"
"#;
    let found: Vec<usize> = expressions_in_scripts(yaml)
        .iter()
        .map(|(l, _)| *l)
        .collect();
    assert_eq!(
        found,
        vec![4, 8, 14, 18],
        "{:?}",
        expressions_in_scripts(yaml)
    );
}

#[test]
fn client_lists_come_from_custody_and_never_from_the_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let workflows = all_workflows(&tmp.path().join("demo"));
    for (label, text) in &workflows {
        for bad in ["ls clients", "ls ./clients", "clients/*/", "find clients"] {
            assert!(!text.contains(bad), "{label}: lists the folder ({bad})");
        }
        if text.contains("matrix.client") {
            assert!(
                text.contains("clients --format json"),
                "{label}: a client matrix must come from `custody clients --format json`"
            );
        }
    }
    assert!(
        workflows
            .iter()
            .filter(|(_, t)| t.contains("clients --format json"))
            .count()
            >= 2,
        "both publish workflows list clients through custody"
    );
}

/// The `script:` block of the sticky-comment step of a policy-review workflow.
fn sticky_comment_script(workflow: &str) -> String {
    let start = workflow
        .find("          script: |\n")
        .expect("a github-script step");
    workflow[start..]
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("            ") || l.trim().is_empty())
        .map(|l| l.get(12..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs the sticky-comment script under Node with a stand-in for github-script's
/// `github` and `context`: returns what it did (`update <id>` or `create`).
fn run_sticky(script: &str, comments: &str) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("policy-diff.md"),
        "<!-- custody-policy-diff -->\n## Policy review\n",
    )
    .unwrap();
    let harness = format!(
        r#"const calls = [];
const github = {{
  paginate: async (_f, _args) => {comments},
  rest: {{ issues: {{
    listComments: () => {{}},
    updateComment: async (a) => calls.push('update ' + a.comment_id),
    createComment: async (a) => calls.push('create'),
  }} }},
}};
const context = {{ repo: {{ owner: 'o', repo: 'r' }}, payload: {{ pull_request: {{ number: 7 }} }} }};
(async () => {{
{script}
}})().then(() => console.log(calls.join(','))).catch(e => {{ console.error(e); process.exit(3); }});
"#
    );
    let file = dir.path().join("harness.js");
    std::fs::write(&file, harness).unwrap();
    let out = match Command::new("node")
        .arg(&file)
        .current_dir(dir.path())
        .env("COMMENT_AUTHOR", "github-actions[bot]")
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            // .ci/run installs node: in CI its absence is a failure, never a skip.
            assert!(
                std::env::var_os("CI").is_none(),
                "node is required in CI ({e})"
            );
            eprintln!("skipped: node is not available ({e})");
            return None;
        }
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap().trim().to_owned())
}

/// Regression: the comment was found by its marker alone, so anyone who pasted the
/// marker into a comment had that comment overwritten with the diff (or hid the real
/// one). It must be the bot's comment AND carry the marker.
#[test]
fn the_sticky_comment_is_found_by_its_author_and_its_marker() {
    let tmp = tempfile::tempdir().unwrap();
    let workflows = all_workflows(&tmp.path().join("demo"));
    let reviews: Vec<&(String, String)> = workflows
        .iter()
        .filter(|(l, _)| l.ends_with("policy-review.yml"))
        .collect();
    assert_eq!(reviews.len(), 2, "this repository's and init's");
    for (label, text) in reviews {
        assert!(
            text.contains("COMMENT_AUTHOR: github-actions[bot]"),
            "{label}: the author is configured"
        );
        let script = sticky_comment_script(text);
        let marker = "<!-- custody-policy-diff -->";
        let user = |login: &str, kind: &str| format!("{{ login: '{login}', type: '{kind}' }}");
        let comments = format!(
            "[{{ id: 1, user: {}, body: '{marker} pasted by a user' }}, \
              {{ id: 2, user: {}, body: 'another bot comment' }}, \
              {{ id: 3, user: {}, body: '{marker} from an impostor named like the bot' }}, \
              {{ id: 4, user: {}, body: null }}, \
              {{ id: 5, user: null, body: '{marker}' }}, \
              {{ id: 6, user: {}, body: '{marker}\\n## Policy review' }}]",
            user("mallory", "User"),
            user("github-actions[bot]", "Bot"),
            user("github-actions[bot]", "User"),
            user("github-actions[bot]", "Bot"),
            user("github-actions[bot]", "Bot"),
        );
        let Some(did) = run_sticky(&script, &comments) else {
            return;
        };
        assert_eq!(did, "update 6", "{label}");
        // Only other people's comments with the marker: a new comment, none overwritten.
        let others = format!(
            "[{{ id: 1, user: {}, body: '{marker}' }}]",
            user("mallory", "User")
        );
        assert_eq!(run_sticky(&script, &others).unwrap(), "create", "{label}");
    }
}

#[test]
fn init_workflows_pass_actionlint() {
    // Also run by src/init's unit tests; CI runs actionlint on .github/workflows.
    let tmp = tempfile::tempdir().unwrap();
    let demo = tmp.path().join("demo");
    all_workflows(&demo);
    let files: Vec<PathBuf> = std::fs::read_dir(demo.join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let out = match Command::new("actionlint").args(&files).output() {
        Ok(out) => out,
        Err(e) => {
            // .ci/run installs actionlint: in CI its absence is a failure, never a skip.
            assert!(
                std::env::var_os("CI").is_none(),
                "actionlint is required in CI ({e})"
            );
            eprintln!("skipped: actionlint is not available ({e})");
            return;
        }
    };
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

// ------------------------------------------------- the publish pipeline's client sites

fn sample_repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// An attribute value as the browser reads it (minijinja escapes `/` as `&#x2f;`).
fn unescape(v: &str) -> String {
    let mut out = String::new();
    let mut rest = v;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail.find(';').expect("an entity ends with ';'");
        let entity = &tail[1..end];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            _ => {
                let n = if let Some(h) = entity.strip_prefix("#x").or(entity.strip_prefix("#X")) {
                    u32::from_str_radix(h, 16).unwrap()
                } else {
                    entity.strip_prefix('#').expect(entity).parse().unwrap()
                };
                char::from_u32(n).unwrap()
            }
        };
        out.push(c);
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Every relative `href`/`src` of every HTML page under `dir`, resolved: none may leave
/// `dir`, and each must exist (a client's folder is hosted alone). Returns how many.
fn links_stay_inside(dir: &Path) -> usize {
    let mut checked = 0;
    for e in walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
    {
        if e.path().extension().is_none_or(|x| x != "html") {
            continue;
        }
        let html = std::fs::read_to_string(e.path()).unwrap();
        for attr in ["href=\"", "src=\""] {
            for part in html.split(attr).skip(1) {
                let target = unescape(part.split('"').next().unwrap());
                let target = target.split(['#', '?']).next().unwrap();
                if target.is_empty() || target.contains(':') {
                    continue; // same page, or an absolute URL (CSP keeps those out)
                }
                let mut resolved = e.path().parent().unwrap().to_path_buf();
                for seg in target.split('/') {
                    match seg {
                        "" | "." => {}
                        ".." => {
                            assert!(
                                resolved.pop() && resolved.starts_with(dir),
                                "{}: {target} leaves {}",
                                e.path().display(),
                                dir.display()
                            );
                        }
                        s => resolved.push(s),
                    }
                }
                assert!(
                    resolved.starts_with(dir) && resolved.exists(),
                    "{}: {target} -> {}",
                    e.path().display(),
                    resolved.display()
                );
                checked += 1;
            }
        }
    }
    checked
}

/// The publish workflow builds once and ships each `site/<client>/` as that client's
/// site: it must be exactly what `build --client <client>` writes alone, with no link out
/// of the folder. (Before, one job per client rebuilt it, past GitHub's 256-job limit.)
#[test]
fn every_client_folder_of_the_full_site_is_that_clients_standalone_site() {
    let tmp = tempfile::tempdir().unwrap();
    let full = tmp.path().join("site");
    let build = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_custody"))
            .arg("--repo")
            .arg(sample_repo())
            .args(["-q", "build"])
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    build(&["--out", full.to_str().unwrap()]);
    let clients: Vec<String> = std::fs::read_dir(sample_repo().join("clients"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(clients.len() >= 3);
    for c in &clients {
        let alone = tmp.path().join(format!("alone-{c}"));
        build(&["--client", c, "--out", alone.to_str().unwrap()]);
        let whole = tree(&full.join(c));
        assert!(!whole.is_empty(), "{c}");
        assert_eq!(
            whole,
            tree(&alone.join(c)),
            "{c}: full-site folder != standalone site"
        );
        let links = links_stay_inside(&full.join(c));
        assert!(links > 50, "{c}: only {links} links checked");
        for other in clients.iter().filter(|o| *o != c) {
            assert!(
                whole.keys().all(|k| !k.contains(other.as_str())),
                "{c}'s site names {other}"
            );
        }
    }
}

// --------------------------------------------- issue 19: pinned, least privilege, zizmor

/// Every workflow of both sets and the action: each `uses:` of another repository is
/// pinned by a full commit SHA with its version in a comment; the only other forms are
/// this repository's own action (`./`) and the action ref init writes; every checkout has
/// `persist-credentials: false`; top-level permissions are empty (each job names its own);
/// custody is never built.
#[test]
fn workflows_pin_every_action_drop_credentials_and_never_build_custody() {
    let tmp = tempfile::tempdir().unwrap();
    let mut all = all_workflows(&tmp.path().join("demo"));
    all.push((
        "action.yml".into(),
        std::fs::read_to_string(repo_root().join("action.yml")).unwrap(),
    ));
    let release = repo_root().join(".github/workflows/release.yml");
    assert!(
        all.iter().any(|(l, _)| l.ends_with("release.yml")),
        "{release:?}"
    );
    let mut uses = 0;
    for (label, text) in &all {
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let t = line.trim_start().trim_start_matches("- ");
            if t.starts_with('#') {
                continue;
            }
            if let Some(u) = t.strip_prefix("uses:") {
                uses += 1;
                let u = u.trim();
                if u == "./" {
                    continue;
                }
                let (target, comment) = u.split_once(" # ").unwrap_or((u, ""));
                let sha = target.rsplit_once('@').map(|(_, s)| s).unwrap_or("");
                assert!(
                    sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
                    "{label}:{}: not pinned by commit: {u}",
                    i + 1
                );
                assert!(
                    comment.starts_with('v') || comment.starts_with("custody action, release v"),
                    "{label}:{}: name the version in a comment: {u}",
                    i + 1
                );
                if target.starts_with("actions/checkout@") {
                    let step: Vec<&str> = lines[i + 1..]
                        .iter()
                        .take_while(|l| !l.trim_start().starts_with("- "))
                        .copied()
                        .collect();
                    assert!(
                        step.iter()
                            .any(|l| l.trim() == "persist-credentials: false"),
                        "{label}:{}: checkout keeps the token in .git/config",
                        i + 1
                    );
                }
            }
        }
        if label != "action.yml" {
            assert!(
                text.contains("\npermissions: {}\n"),
                "{label}: top-level permissions must be empty"
            );
        }
        let builds = ["cargo install", "cargo build"];
        if !label.ends_with("release.yml") && !label.ends_with("ci.yml") {
            for b in builds {
                assert!(!text.contains(b), "{label}: builds custody ({b})");
            }
        }
    }
    assert!(uses > 20, "{uses} uses: lines seen");
}

/// Runs zizmor (the workflow security auditor CI installs from PyPI) at medium severity
/// and above on this repository's workflows and action and on init's; skipped where it is
/// not installed, required when CI is set.
#[test]
fn zizmor_finds_nothing_at_medium_or_above() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = tmp.path().join("demo");
    all_workflows(&demo);
    let out = match Command::new("zizmor")
        .args(["--offline", "--min-severity", "medium", "--no-progress"])
        .arg(repo_root().join(".github/workflows"))
        .arg(repo_root().join("action.yml"))
        .arg(demo.join(".github/workflows"))
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_TOKEN")
        .output()
    {
        Ok(out) => out,
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("skipped: zizmor is not available ({e})");
            return;
        }
        Err(e) => panic!("zizmor is required in CI: {e}"),
    };
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
