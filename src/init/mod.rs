//! `custody init [DIR]`: a new policy repository with one client, an example month of
//! evidence, the GitHub workflows, the JSON Schemas and READMEs. Without `--force` it
//! never overwrites anything: it refuses before writing a single file when the target
//! already holds a policy repository or any file it would write.
//!
//! The client files are complete, commented, carry a `#:schema` line and are valid: a
//! new repository loads without a diagnostic, every control of the catalogue is owned by
//! a RACI activity, and `custody check` / `custody build` run on the example evidence.

use crate::client_id::ClientId;
use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The client id used when none is given.
pub const DEFAULT_CLIENT: &str = "example-client";

/// What `init_repo` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitReport {
    /// Every file created, repository-relative with `/` separators, in creation order.
    pub created: Vec<String>,
}

/// Replaced by the client id in the templates that name it (never in the workflows,
/// whose `${{ }}` expressions are left alone).
const CLIENT_TOKEN: &str = "@CLIENT@";

const CLIENT_TOML: &str = include_str!("templates/client.toml");
const RACI_TOML: &str = include_str!("templates/raci.toml");
const CONTROLS_TOML: &str = include_str!("templates/controls.toml");
const BACKUP_TOML: &str = include_str!("templates/backup.toml");
const NOTES_MD: &str = include_str!("templates/notes.md");
const GITIGNORE: &str = include_str!("templates/gitignore");
const SITE_TEMPLATES_README: &str = include_str!("templates/site-templates-README.md");
const README_MD: &str = include_str!("templates/README.md");
/// This repository's workflows, with its local action (`uses: ./`) replaced by the action
/// pinned by commit (the placeholder ref `PLACEHOLDER_ACTION_REF`) and its release by
/// `@CUSTODY_VERSION@`.
/// Otherwise identical; a test keeps them so.
const PUBLISH_YML: &str = include_str!("templates/workflows/publish.yml");
const POLICY_REVIEW_YML: &str = include_str!("templates/workflows/policy-review.yml");
/// Checks policy and evidence on every push and pull request (fails on bad input only).
const CHECK_YML: &str = include_str!("templates/workflows/check.yml");
const WATCH_YML: &str = include_str!("templates/workflows/watch.yml");
const EVIDENCE_README: &str = include_str!("templates/evidence-README.md");

/// The month of the example snapshot, and its files: the bundled sample client
/// `northwind`'s last month, renamed to `@CLIENT@` (its UPNs and domains then match the
/// new client's policy). `manifest.json` is rewritten with the hashes of the files as
/// written, so the example passes `evidence.snapshot-complete`.
pub const EXAMPLE_MONTH: &str = "2026-11";
const EXAMPLE_EVIDENCE: &[(&str, &str)] = &[
    (
        "backup-jobs.csv",
        include_str!("templates/evidence/backup-jobs.csv"),
    ),
    (
        "restore-tests.toml",
        include_str!("templates/evidence/restore-tests.toml"),
    ),
    (
        "graph/authenticationMethodsPolicy.json",
        include_str!("templates/evidence/graph/authenticationMethodsPolicy.json"),
    ),
    (
        "graph/authorizationPolicy.json",
        include_str!("templates/evidence/graph/authorizationPolicy.json"),
    ),
    (
        "graph/backupRestore.json",
        include_str!("templates/evidence/graph/backupRestore.json"),
    ),
    (
        "graph/conditionalAccessPolicies.json",
        include_str!("templates/evidence/graph/conditionalAccessPolicies.json"),
    ),
    (
        "graph/directoryAudits.json",
        include_str!("templates/evidence/graph/directoryAudits.json"),
    ),
    (
        "graph/domains.json",
        include_str!("templates/evidence/graph/domains.json"),
    ),
    (
        "graph/driveProtectionUnits.json",
        include_str!("templates/evidence/graph/driveProtectionUnits.json"),
    ),
    (
        "graph/mailboxProtectionUnits.json",
        include_str!("templates/evidence/graph/mailboxProtectionUnits.json"),
    ),
    (
        "graph/protectionPolicies.json",
        include_str!("templates/evidence/graph/protectionPolicies.json"),
    ),
    (
        "graph/restoreSessions.json",
        include_str!("templates/evidence/graph/restoreSessions.json"),
    ),
    (
        "graph/roleAssignmentSchedules.json",
        include_str!("templates/evidence/graph/roleAssignmentSchedules.json"),
    ),
    (
        "graph/roleAssignments.json",
        include_str!("templates/evidence/graph/roleAssignments.json"),
    ),
    (
        "graph/roleDefinitions.json",
        include_str!("templates/evidence/graph/roleDefinitions.json"),
    ),
    (
        "graph/roleEligibilitySchedules.json",
        include_str!("templates/evidence/graph/roleEligibilitySchedules.json"),
    ),
    (
        "graph/roleManagementPolicyAssignments.json",
        include_str!("templates/evidence/graph/roleManagementPolicyAssignments.json"),
    ),
    (
        "graph/secureScores.json",
        include_str!("templates/evidence/graph/secureScores.json"),
    ),
    (
        "graph/securityDefaults.json",
        include_str!("templates/evidence/graph/securityDefaults.json"),
    ),
    (
        "graph/siteProtectionUnits.json",
        include_str!("templates/evidence/graph/siteProtectionUnits.json"),
    ),
    (
        "graph/subscribedSkus.json",
        include_str!("templates/evidence/graph/subscribedSkus.json"),
    ),
    (
        "graph/userRegistrationDetails.json",
        include_str!("templates/evidence/graph/userRegistrationDetails.json"),
    ),
    (
        "graph/users.json",
        include_str!("templates/evidence/graph/users.json"),
    ),
];
const EXAMPLE_MANIFEST: &str = include_str!("templates/evidence/manifest.json");

/// Replaced in the workflows by the custody action, pinned by commit: `OWNER/REPO@SHA`.
/// The templates hold the placeholder ref itself, so even the template files are pinned
/// in shape (what zizmor and the before-stop check look for).
const ACTION_TOKEN: &str = PLACEHOLDER_ACTION_REF;
/// Replaced in the workflows by the release the action installs: `v<this version>`.
const VERSION_TOKEN: &str = "@CUSTODY_VERSION@";

/// The action ref written when `--action-ref` is not given: well-formed (actionlint and
/// zizmor accept it) but naming no real commit, so a workflow fails until the MSP pins
/// the custody repository and commit it trusts. README: "Adopting custody".
pub const PLACEHOLDER_ACTION_REF: &str =
    "custody-dev/custody@0000000000000000000000000000000000000000";

/// Why `init` writes nothing, or stopped (and removed what it had created).
#[derive(Debug)]
pub enum InitError {
    /// `--client` names a client that exists (`path` is its folder).
    ClientExists { path: PathBuf, client: ClientId },
    /// The target is a file, not a folder.
    NotADirectory { path: PathBuf },
    /// A file or folder init would write exists (and no `--force`).
    Exists { path: PathBuf },
    /// With `--force`, a folder or link stands where a file goes.
    NotAFile { path: PathBuf },
    /// A symbolic link on the way to a file init writes.
    Link { path: PathBuf },
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    Replace {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::ClientExists { path, client } => write!(
                f,
                "{} already exists: `custody init --client {client}` adds a new client and never changes an existing one",
                path.display()
            ),
            InitError::NotADirectory { path } => {
                write!(f, "{} exists and is not a directory", path.display())
            }
            InitError::Exists { path } => write!(
                f,
                "{} already exists: `custody init` creates a new policy repository and does not overwrite (choose an empty or new directory, or pass --force to replace the files it writes)",
                path.display()
            ),
            InitError::NotAFile { path } => write!(
                f,
                "{} exists and is not a regular file: --force only replaces files",
                path.display()
            ),
            InitError::Link { path } => write!(
                f,
                "{} is a symbolic link: custody init writes only into real folders of the repository (nothing was written)",
                path.display()
            ),
            InitError::Create { path, source } => {
                write!(f, "cannot create {}: {source}", path.display())
            }
            InitError::Write { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
            InitError::Replace { path, source } => {
                write!(f, "cannot replace {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for InitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            InitError::Create { source, .. }
            | InitError::Write { source, .. }
            | InitError::Replace { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// An `--action-ref` that is not `OWNER/REPO@<40 hex>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionRefError {
    /// The part before `@` is not GitHub's `OWNER/REPO`.
    Repository(String),
    /// Not pinned by a full lowercase commit SHA.
    NotPinned(String),
}

impl fmt::Display for ActionRefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActionRefError::Repository(s) => write!(
                f,
                "{s:?} is not OWNER/REPO@COMMIT: the repository must be GitHub's OWNER/REPO"
            ),
            ActionRefError::NotPinned(s) => write!(
                f,
                "{s:?}: the action must be pinned by a full 40-character lowercase commit SHA \
                 (a tag or branch can be moved to other code)"
            ),
        }
    }
}

impl std::error::Error for ActionRefError {}

/// The custody action the workflows run, pinned by commit: `OWNER/REPO@<40 hex>`. A tag
/// or branch can be moved under a workflow that holds `id-token: write`; a commit cannot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRef(String);

impl ActionRef {
    pub fn parse(s: &str) -> Result<ActionRef, ActionRefError> {
        let name_ok = |n: &str| {
            !n.is_empty()
                && n.len() <= 100
                && n != "."
                && n != ".."
                && n.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        };
        let (repo, sha) = s.split_once('@').unwrap_or((s, ""));
        let (owner, name) = repo.split_once('/').unwrap_or((repo, ""));
        if !name_ok(owner) || !name_ok(name) {
            return Err(ActionRefError::Repository(s.to_owned()));
        }
        if sha.len() != 40
            || !sha
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(ActionRefError::NotPinned(s.to_owned()));
        }
        Ok(ActionRef(s.to_owned()))
    }

    pub fn placeholder() -> ActionRef {
        ActionRef(PLACEHOLDER_ACTION_REF.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A workflow template with the action and release filled in.
fn workflow(template: &str, action: &ActionRef) -> String {
    template
        .replace(
            ACTION_TOKEN,
            &format!(
                "{} # custody action, release v{}",
                action.as_str(),
                crate::VERSION
            ),
        )
        .replace(VERSION_TOKEN, &format!("v{}", crate::VERSION))
}

/// Every file of a new repository: (repository-relative path, contents).
fn files(client: &ClientId, action: &ActionRef) -> Vec<(String, String)> {
    let named = |t: &str| t.replace(CLIENT_TOKEN, client.as_str());
    let mut files = client_files(client);
    files.extend([
        ("evidence/README.md".into(), named(EVIDENCE_README)),
        (".gitignore".into(), GITIGNORE.into()),
        (
            "site-templates/README.md".into(),
            SITE_TEMPLATES_README.into(),
        ),
        (
            ".github/workflows/publish.yml".into(),
            workflow(PUBLISH_YML, action),
        ),
        (
            ".github/workflows/policy-review.yml".into(),
            workflow(POLICY_REVIEW_YML, action),
        ),
        (
            ".github/workflows/check.yml".into(),
            workflow(CHECK_YML, action),
        ),
        (
            ".github/workflows/watch.yml".into(),
            workflow(WATCH_YML, action),
        ),
        ("README.md".into(), named(README_MD)),
        // Schema hints: every TOML file's `#:schema` line names its schema; the Taplo
        // rules do the same for files created later without one.
        (".taplo.toml".into(), crate::schema::taplo_config("schema")),
    ]);
    for file in crate::schema::FILES {
        if let Some(schema) = crate::schema::schema_for(file) {
            let mut text = serde_json::to_string_pretty(&schema).expect("schemas serialize");
            text.push('\n');
            files.push((
                format!("schema/{}", crate::schema::schema_file_name(file)),
                text,
            ));
        }
    }
    files.extend(example_evidence(client));
    files
}

/// The example month for `client`, with a manifest vouching for the files as written.
fn example_evidence(client: &ClientId) -> Vec<(String, String)> {
    use sha2::{Digest, Sha256};
    let month = format!("evidence/{client}/{EXAMPLE_MONTH}");
    let files: Vec<(&str, String)> = EXAMPLE_EVIDENCE
        .iter()
        .map(|(rel, text)| (*rel, text.replace(CLIENT_TOKEN, client.as_str())))
        .collect();
    let hash = |rel: &str| {
        let (_, text) = files.iter().find(|(r, _)| *r == rel)?;
        Some(
            Sha256::digest(text.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
        )
    };
    let mut manifest: crate::evidence::manifest::Manifest =
        serde_json::from_str(EXAMPLE_MANIFEST).expect("the example manifest parses");
    for e in &mut manifest.endpoints {
        if e.sha256.is_some() {
            e.sha256 = Some(hash(&e.file).expect("the example has every file it lists"));
        }
    }
    for (rel, sha) in &mut manifest.files {
        *sha = hash(rel).expect("the example has every file it lists");
    }
    let mut text = serde_json::to_string_pretty(&manifest).expect("manifests serialize");
    text.push('\n');
    let mut out: Vec<(String, String)> = files
        .into_iter()
        .map(|(rel, text)| (format!("{month}/{rel}"), text))
        .collect();
    out.push((format!("{month}/manifest.json"), text));
    out
}

/// The policy files of one client: (repository-relative path, contents), every key
/// commented, as `init` writes them for the first client.
fn client_files(client: &ClientId) -> Vec<(String, String)> {
    let named = |t: &str| t.replace(CLIENT_TOKEN, client.as_str());
    let c = format!("clients/{client}");
    vec![
        (format!("{c}/client.toml"), named(CLIENT_TOML)),
        (format!("{c}/raci.toml"), named(RACI_TOML)),
        (format!("{c}/controls.toml"), named(CONTROLS_TOML)),
        (format!("{c}/backup.toml"), named(BACKUP_TOML)),
        (format!("{c}/notes.md"), named(NOTES_MD)),
    ]
}

/// Whether `dir` is already a policy repository (it has a `clients/` folder): then
/// `init --client ID` adds one client instead of creating a repository.
pub fn is_repository(dir: &Path) -> bool {
    fs::symlink_metadata(dir.join("clients")).is_ok_and(|m| m.is_dir())
}

/// `custody init --client ID` inside an existing repository: writes the client's
/// commented policy files under `clients/<id>/` and nothing else (no evidence, no
/// workflows, no schema: the repository has its own). Refuses, before writing anything,
/// a client that exists (its folder, or a file or link in its place), with or without
/// `--force`: replacing a client's policy is never what adding one means. On an I/O
/// error half-way, what it created is removed again.
pub fn add_client(dir: &Path, client: &ClientId) -> Result<InitReport, InitError> {
    let folder = dir.join("clients").join(client.as_str());
    if fs::symlink_metadata(&folder).is_ok() {
        return Err(InitError::ClientExists {
            path: folder,
            client: client.clone(),
        });
    }
    let files = client_files(client);
    refuse_links_on_the_way(dir, &files)?;
    let mut made = Made::default();
    match write_all(dir, &files, &mut made, false) {
        Ok(()) => Ok(InitReport {
            created: files.into_iter().map(|(rel, _)| rel).collect(),
        }),
        Err(e) => {
            made.undo();
            Err(e)
        }
    }
}

/// Creates a new policy repository in `dir` (created if missing). Without `force`, refuses
/// (`Err` naming the path) if `dir` already contains `clients/` or `evidence/` or any file
/// it would write — never overwrites anything. With `force`, the files it writes replace
/// existing ones (each atomically); nothing else is touched. `client` is the first
/// client's id (a valid slug, [`DEFAULT_CLIENT`] by default). On an I/O error half-way,
/// every file and folder it newly created is removed again.
pub fn init_repo(dir: &Path, client: &ClientId, force: bool) -> Result<InitReport, InitError> {
    init_repo_with(dir, client, force, &ActionRef::placeholder())
}

/// [`init_repo`], with the workflows running the custody action `action`.
pub fn init_repo_with(
    dir: &Path,
    client: &ClientId,
    force: bool,
    action: &ActionRef,
) -> Result<InitReport, InitError> {
    if let Ok(meta) = fs::symlink_metadata(dir)
        && !meta.is_dir()
        && !(meta.file_type().is_symlink() && dir.is_dir())
    {
        return Err(InitError::NotADirectory {
            path: dir.to_path_buf(),
        });
    }
    let files = files(client, action);
    refuse_links_on_the_way(dir, &files)?;
    // Refuse before writing anything.
    let mut taken: Vec<PathBuf> = ["clients", "evidence"]
        .iter()
        .map(|p| dir.join(p))
        .collect();
    taken.extend(files.iter().map(|(rel, _)| dir.join(rel)));
    if !force && let Some(p) = taken.iter().find(|p| fs::symlink_metadata(p).is_ok()) {
        return Err(InitError::Exists { path: p.clone() });
    }
    if force {
        // Replacing a directory (or a symlink standing where a file goes) is never meant.
        if let Some((rel, _)) = files
            .iter()
            .find(|(rel, _)| fs::symlink_metadata(dir.join(rel)).is_ok_and(|m| !m.is_file()))
        {
            return Err(InitError::NotAFile {
                path: dir.join(rel),
            });
        }
    }

    let mut made = Made::default();
    match write_all(dir, &files, &mut made, force) {
        Ok(()) => Ok(InitReport {
            created: files.into_iter().map(|(rel, _)| rel).collect(),
        }),
        Err(e) => {
            made.undo();
            Err(e)
        }
    }
}

/// Refuses, before anything is written, a symbolic link on the way to any file `init`
/// writes (`evidence/` linked to another repository's evidence, `clients/` to a shared
/// folder): writing through it would create or, with --force, replace files outside the
/// repository. Only folders inside `dir` count; `dir` itself may be a link to a folder.
fn refuse_links_on_the_way(dir: &Path, files: &[(String, String)]) -> Result<(), InitError> {
    let mut checked = std::collections::BTreeSet::new();
    for (rel, _) in files {
        let mut at = dir.to_path_buf();
        for part in Path::new(rel)
            .parent()
            .into_iter()
            .flat_map(|p| p.components())
        {
            at.push(part);
            if !checked.insert(at.clone()) {
                continue;
            }
            if fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(InitError::Link { path: at });
            }
        }
    }
    Ok(())
}

/// What has been created so far, for rollback.
#[derive(Default)]
struct Made {
    dirs: Vec<PathBuf>,
    files: Vec<PathBuf>,
}

impl Made {
    /// Creates `dir` and its missing parents, remembering which ones it created.
    fn dir_all(&mut self, dir: &Path) -> Result<(), InitError> {
        let mut missing = Vec::new();
        let mut d = dir;
        while fs::symlink_metadata(d).is_err() {
            missing.push(d.to_path_buf());
            match d.parent() {
                Some(p) if !p.as_os_str().is_empty() => d = p,
                _ => break,
            }
        }
        for m in missing.into_iter().rev() {
            fs::create_dir(&m).map_err(|source| InitError::Create {
                path: m.clone(),
                source,
            })?;
            self.dirs.push(m);
        }
        Ok(())
    }

    fn undo(self) {
        for f in self.files.iter().rev() {
            let _ = fs::remove_file(f);
        }
        for d in self.dirs.iter().rev() {
            let _ = fs::remove_dir(d); // only if empty: never removes anything it did not make
        }
    }
}

fn write_all(
    dir: &Path,
    files: &[(String, String)],
    made: &mut Made,
    force: bool,
) -> Result<(), InitError> {
    made.dir_all(dir)?;
    for (rel, contents) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            made.dir_all(parent)?;
        }
        if force && path.exists() {
            replace(&path, contents)?;
            continue;
        }
        // `create_new`: even a file appearing since the check above is never overwritten.
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|source| InitError::Create {
                path: path.clone(),
                source,
            })?;
        made.files.push(path.clone());
        f.write_all(contents.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|source| InitError::Write {
                path: path.clone(),
                source,
            })?;
    }
    Ok(())
}

/// `--force`: write aside, then rename over the old file, so a failure never leaves a
/// half-written policy file.
fn replace(path: &Path, contents: &str) -> Result<(), InitError> {
    let mut aside = path.as_os_str().to_owned();
    aside.push(".custody-init.tmp");
    let aside = PathBuf::from(aside);
    let result = fs::write(&aside, contents)
        .and_then(|()| fs::File::open(&aside)?.sync_all())
        .and_then(|()| fs::rename(&aside, path));
    if let Err(e) = result {
        let _ = fs::remove_file(&aside);
        return Err(InitError::Replace {
            path: path.to_path_buf(),
            source: e,
        });
    }
    Ok(())
}

/// What to do next, for the command's output after a successful init.
pub fn next_steps(dir: &Path, client: &ClientId) -> String {
    format!(
        "Next steps:\n\
         1. Fill in clients/{client}/*.toml (every key is explained in its comments): the tenant id, domains, break-glass accounts, RACI parties and the agreed backup policy.\n\
         2. `custody --repo {dir} check` evaluates the policy against the example evidence in evidence/{client}/{EXAMPLE_MONTH}/ (findings exit 1; bad input exits 2); `custody --repo {dir} build` renders the site into site/.\n\
         3. Collect real evidence (evidence/README.md), then delete the example month.\n\
         4. git init, commit, push to GitHub, create the environment graph-collection and set the repository variable CUSTODY_CLIENT_ID (see README.md). The workflows run the custody action pinned by commit: if init wrote the placeholder {PLACEHOLDER_ACTION_REF}, replace it with the custody repository and commit you trust (or run init with --action-ref OWNER/REPO@SHA).\n",
        dir = dir.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controls;
    use crate::evaluate::{MonthInput, Months, evaluate_client, evaluate_month};
    use crate::month::Month;
    use crate::policy::load::WorkingTree;
    use crate::policy::{Policy, load_policy};
    use crate::scorecard::{PolicyProvenance, Status};
    use std::collections::BTreeMap;

    fn id(s: &str) -> ClientId {
        ClientId::parse(s).unwrap()
    }

    fn provenance() -> PolicyProvenance {
        PolicyProvenance::working_tree(Vec::new())
    }

    fn load(dir: &Path, client: &ClientId) -> Policy {
        match load_policy(
            &WorkingTree(dir.to_path_buf()),
            client,
            crate::controls::known(),
        ) {
            Ok(p) => p,
            Err(diags) => panic!("the new policy does not load cleanly: {diags:#?}"),
        }
    }

    /// Every path under `dir` with its contents (`None` for directories).
    fn tree(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
        walkdir::WalkDir::new(dir)
            .into_iter()
            .map(|e| e.unwrap())
            .map(|e| {
                let contents = e.file_type().is_file().then(|| fs::read(e.path()).unwrap());
                (e.path().to_path_buf(), contents)
            })
            .collect()
    }

    #[test]
    fn a_new_repository_loads_without_a_diagnostic_and_evaluates() {
        let tmp = tempfile::tempdir().unwrap();
        let client = id(DEFAULT_CLIENT);
        let report = init_repo(tmp.path(), &client, false).unwrap();
        let expected = [
            "clients/example-client/client.toml",
            "clients/example-client/raci.toml",
            "clients/example-client/controls.toml",
            "clients/example-client/backup.toml",
            "clients/example-client/notes.md",
            "evidence/README.md",
            ".gitignore",
            "site-templates/README.md",
            ".github/workflows/publish.yml",
            ".github/workflows/policy-review.yml",
            ".github/workflows/check.yml",
            ".github/workflows/watch.yml",
            "README.md",
            ".taplo.toml",
            "schema/client.schema.json",
            "schema/raci.schema.json",
            "schema/controls.schema.json",
            "schema/backup.schema.json",
            "schema/restore-tests.schema.json",
        ];
        assert_eq!(report.created[..expected.len()], expected);
        let evidence = &report.created[expected.len()..];
        assert_eq!(evidence.len(), EXAMPLE_EVIDENCE.len() + 1, "{evidence:?}");
        assert!(
            evidence
                .iter()
                .all(|f| f.starts_with("evidence/example-client/2026-11/"))
        );
        for rel in &report.created {
            assert!(tmp.path().join(rel).is_file(), "{rel} not written");
            let text = fs::read_to_string(tmp.path().join(rel)).unwrap();
            assert!(
                !text.contains(CLIENT_TOKEN),
                "{rel} keeps the placeholder token"
            );
        }

        let policy = load(tmp.path(), &client);
        assert_eq!(
            policy.client.tenant_id,
            "00000000-0000-0000-0000-000000000000"
        );
        assert_eq!(policy.client.name, "example-client");
        assert_eq!(
            policy.backup.workloads.len(),
            4,
            "all four workloads declared"
        );
        assert!(policy.notes.is_some());
        for (rel, text) in &policy.sources {
            assert!(
                !text.contains(CLIENT_TOKEN),
                "{rel} keeps the placeholder token"
            );
        }

        // The repository as `check` sees it: the example month evaluates without a
        // diagnostic, and its snapshot is complete (the manifest matches the files).
        let root = tmp.path();
        let run = evaluate_client(root, &client, Months::Latest, &|_, _| {
            load_policy(
                &WorkingTree(root.to_path_buf()),
                &client,
                crate::controls::known(),
            )
            .map(|p| (p, provenance()))
        });
        assert!(run.diags.is_empty(), "{:#?}", run.diags);
        assert_eq!(run.scorecards.len(), 1);
        let example = &run.scorecards[0];
        for c in ["evidence.snapshot-complete", "evidence.snapshot-fresh"] {
            let r = example.results.iter().find(|r| r.control == c).unwrap();
            assert_eq!(r.status, Status::Pass, "{c}: {}", r.message);
        }

        // And a month with no snapshot at all evaluates (to no_evidence), without a panic.
        let month = Month::current();
        let snap = crate::evidence::load_snapshot(root, &client, month);
        let card = evaluate_month(&MonthInput {
            client: &client,
            policy: &policy,
            provenance: provenance(),
            snap: &snap,
            prev: None,
            earlier: crate::evidence::months(root, &client)
                .first()
                .is_some_and(|f| *f < month),
            restore_history: &[],
        });
        assert_eq!(card.results.len(), controls::catalogue().len());
        let status = |c: &str| card.results.iter().find(|r| r.control == c).unwrap().status;
        // What the policy alone decides passes from day one.
        for c in [
            "governance.raci-complete",
            "governance.controls-owned",
            "governance.workload-owners",
            "backup.exchange.policy-complete",
            "backup.onedrive.policy-complete",
            "backup.sharepoint.policy-complete",
            "retention.separate-from-backup",
        ] {
            assert_eq!(status(c), Status::Pass, "{c}");
        }
        for r in &card.results {
            assert!(r.owner.is_some(), "{} has no RACI owner", r.control);
        }
    }

    #[test]
    fn every_catalogue_control_is_owned_by_an_activity() {
        let tmp = tempfile::tempdir().unwrap();
        let client = id("contoso");
        init_repo(tmp.path(), &client, false).unwrap();
        let policy = load(tmp.path(), &client);
        let acts = &policy.raci.activities;
        assert!((6..=7).contains(&acts.len()), "{} activities", acts.len());
        for c in controls::catalogue() {
            assert!(
                acts.iter().any(|a| a.covers(&c.id)),
                "{} is owned by no activity",
                c.id
            );
        }
        for a in acts {
            assert_eq!(a.accountable.len(), 1, "{}: exactly one Accountable", a.id);
            assert!(!a.responsible.is_empty(), "{}: no Responsible", a.id);
        }
    }

    #[test]
    fn the_client_id_names_the_client_everywhere() {
        let tmp = tempfile::tempdir().unwrap();
        let client = id("northwind-2");
        let report = init_repo(&tmp.path().join("new/repo"), &client, false).unwrap();
        assert!(
            report
                .created
                .contains(&"clients/northwind-2/client.toml".to_owned())
        );
        let root = tmp.path().join("new/repo");
        let policy = load(&root, &client);
        assert_eq!(
            policy.controls.break_glass[0].0,
            "bg-01@northwind-2.onmicrosoft.com"
        );
        assert!(
            root.join("evidence/northwind-2/2026-11/graph/users.json")
                .is_file()
        );
    }

    #[test]
    fn a_second_init_refuses_and_changes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let client = id(DEFAULT_CLIENT);
        init_repo(tmp.path(), &client, false).unwrap();
        fs::write(tmp.path().join("clients/example-client/notes.md"), "mine").unwrap();
        let before = tree(tmp.path());
        for again in [client.clone(), id("another")] {
            let err = init_repo(tmp.path(), &again, false)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(&tmp.path().join("clients").display().to_string()),
                "{err}"
            );
            assert_eq!(tree(tmp.path()), before, "a refused init changed files");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_folder_inside_the_repository_is_refused_even_with_force() {
        for linked in ["evidence", "clients", ".github", "schema"] {
            let tmp = tempfile::tempdir().unwrap();
            let repo = tmp.path().join("repo");
            init_repo(&repo, &id(DEFAULT_CLIENT), false).unwrap();
            let outside = tmp.path().join("outside");
            fs::create_dir(&outside).unwrap();
            fs::remove_dir_all(repo.join(linked)).unwrap();
            std::os::unix::fs::symlink(&outside, repo.join(linked)).unwrap();
            let e = init_repo(&repo, &id(DEFAULT_CLIENT), true)
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("symbolic link") && e.contains(linked),
                "{linked}: {e}"
            );
            assert_eq!(
                fs::read_dir(&outside).unwrap().count(),
                0,
                "{linked}: written through the link"
            );
            if linked == "clients" {
                let e = add_client(&repo, &id("second")).unwrap_err();
                assert!(matches!(&e, InitError::Link { .. }), "{e:?}");
                let e = e.to_string();
                assert!(e.contains("symbolic link"), "{e}");
                assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
            }
        }
    }

    #[test]
    fn any_file_it_would_write_makes_it_refuse_before_writing() {
        for existing in [
            "README.md",
            ".gitignore",
            ".github/workflows/publish.yml",
            "site-templates/README.md",
            "evidence",
        ] {
            let tmp = tempfile::tempdir().unwrap();
            let path = tmp.path().join(existing);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, "already here").unwrap();
            let before = tree(tmp.path());
            let err = init_repo(tmp.path(), &id("acme"), false)
                .unwrap_err()
                .to_string();
            assert!(err.contains(&path.display().to_string()), "{err}");
            assert_eq!(tree(tmp.path()), before, "{existing}");
        }
        // Unrelated files are fine: an existing git checkout with a LICENSE, say.
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("LICENSE"), "MIT").unwrap();
        init_repo(tmp.path(), &id("acme"), false).unwrap();
        assert_eq!(
            fs::read_to_string(tmp.path().join("LICENSE")).unwrap(),
            "MIT"
        );
    }

    #[test]
    fn a_failed_write_leaves_nothing_behind() {
        let tmp = tempfile::tempdir().unwrap();
        // `site-templates` as a file: the check passes (site-templates/README.md does not
        // exist) but creating the folder fails half-way through.
        fs::write(tmp.path().join("site-templates"), "in the way").unwrap();
        let before = tree(tmp.path());
        let err = init_repo(tmp.path(), &id("acme"), false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("site-templates"), "{err}");
        assert_eq!(tree(tmp.path()), before);
    }

    #[test]
    fn force_replaces_only_the_files_it_writes() {
        let tmp = tempfile::tempdir().unwrap();
        let client = id(DEFAULT_CLIENT);
        init_repo(tmp.path(), &client, false).unwrap();
        let notes = tmp.path().join("clients/example-client/notes.md");
        fs::write(&notes, "mine").unwrap();
        fs::write(tmp.path().join("clients/example-client/logo.svg"), "<svg/>").unwrap();
        init_repo(tmp.path(), &client, true).unwrap();
        assert_eq!(
            fs::read_to_string(&notes).unwrap(),
            NOTES_MD.replace(CLIENT_TOKEN, DEFAULT_CLIENT)
        );
        assert!(tmp.path().join("clients/example-client/logo.svg").is_file());
        load(tmp.path(), &client);

        // A directory where a file goes is never replaced, and nothing is written.
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir_all(tmp.path().join("README.md/inside")).unwrap();
        let before = tree(tmp.path());
        let err = init_repo(tmp.path(), &client, true)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a regular file"), "{err}");
        assert_eq!(tree(tmp.path()), before);
    }

    #[test]
    fn a_file_as_target_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("file");
        fs::write(&f, "x").unwrap();
        let err = init_repo(&f, &id("acme"), false).unwrap_err().to_string();
        assert!(err.contains("not a directory"), "{err}");
    }

    #[test]
    fn an_invalid_client_id_cannot_reach_init() {
        // `init_repo` takes a `ClientId`, so a path-like id is rejected before it is called.
        for bad in ["../escape", "a/b", "", "Upper", "-x"] {
            assert!(ClientId::parse(bad).is_err(), "{bad:?}");
        }
        assert!(ClientId::parse(DEFAULT_CLIENT).is_ok());
    }

    #[test]
    fn every_threshold_is_documented_with_its_default() {
        for c in controls::catalogue() {
            for p in c.params {
                let line = CONTROLS_TOML
                    .lines()
                    .find(|l| l.starts_with(&format!("# \"{}\" = {{", c.id)))
                    .unwrap_or_else(|| panic!("controls.toml does not list {}", c.id));
                assert!(
                    line.contains(&format!("{} = {}", p.name, p.default)),
                    "controls.toml: {} {} should show the default {}",
                    c.id,
                    p.name,
                    p.default
                );
            }
        }
    }

    /// The template workflows are this repository's, with its local action (`uses: ./`)
    /// and its release turned into the tokens init fills in: nothing else may drift.
    #[test]
    fn workflows_match_this_repositorys_except_the_action_ref() {
        let adapt = |original: &str| {
            original
                .replace("uses: ./\n", &format!("uses: {ACTION_TOKEN}\n"))
                .replace(
                    &format!("CUSTODY_VERSION: v{}\n", crate::VERSION),
                    &format!("CUSTODY_VERSION: {VERSION_TOKEN}\n"),
                )
        };
        let publish = include_str!("../../.github/workflows/publish.yml");
        let review = include_str!("../../.github/workflows/policy-review.yml");
        assert_eq!(PUBLISH_YML, adapt(publish));
        assert_eq!(POLICY_REVIEW_YML, adapt(review));
        for t in [PUBLISH_YML, POLICY_REVIEW_YML, CHECK_YML, WATCH_YML] {
            assert!(
                !t.contains("cargo "),
                "custody is never built in a workflow"
            );
            assert!(!t.contains("uses: ./"));
            assert!(t.contains(&format!("uses: {ACTION_TOKEN}\n")));
            assert!(t.contains(&format!("CUSTODY_VERSION: {VERSION_TOKEN}\n")));
        }
    }

    #[test]
    fn the_action_ref_must_be_owner_repo_at_a_full_commit() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        for ok in [
            format!("acme/custody@{sha}"),
            format!("a-b_c.d/x.y-z@{sha}"),
        ] {
            assert_eq!(ActionRef::parse(&ok).unwrap().as_str(), ok);
        }
        for bad in [
            "acme/custody@v1.2.3".to_owned(),
            "acme/custody@main".to_owned(),
            "acme/custody".to_owned(),
            format!("acme@{sha}"),
            format!("acme/custody/sub@{sha}"),
            format!("../custody@{sha}"),
            format!("acme/..@{sha}"),
            format!("acme/custody@{}", sha.to_uppercase()),
            format!("acme/custody@{}", &sha[..39]),
            format!("acme/custody@{sha}; rm -rf /"),
            format!("acme/cus tody@{sha}"),
            format!("acme/custody@{sha}\n"),
            format!("/custody@{sha}"),
            String::new(),
        ] {
            assert!(ActionRef::parse(&bad).is_err(), "{bad:?}");
        }
        assert!(ActionRef::parse(PLACEHOLDER_ACTION_REF).is_ok());
    }

    #[test]
    fn init_pins_the_given_action_in_every_workflow() {
        let tmp = tempfile::tempdir().unwrap();
        let action =
            ActionRef::parse("acme/custody@0123456789abcdef0123456789abcdef01234567").unwrap();
        init_repo_with(tmp.path(), &id("acme"), false, &action).unwrap();
        for w in ["publish.yml", "policy-review.yml", "check.yml"] {
            let text = fs::read_to_string(tmp.path().join(".github/workflows").join(w)).unwrap();
            assert!(
                text.contains(&format!(
                    "uses: {} # custody action, release v{}\n",
                    action.as_str(),
                    crate::VERSION
                )),
                "{w}"
            );
            assert!(
                text.contains(&format!("CUSTODY_VERSION: v{}\n", crate::VERSION)),
                "{w}"
            );
            assert!(
                !text.contains('@') || !text.contains("@CUSTODY_"),
                "{w}: a token is left"
            );
            assert!(!text.contains(PLACEHOLDER_ACTION_REF), "{w}");
        }
    }

    #[test]
    fn the_written_workflows_pass_actionlint() {
        let tmp = tempfile::tempdir().unwrap();
        init_repo(tmp.path(), &id(DEFAULT_CLIENT), false).unwrap();
        let out = match std::process::Command::new("actionlint")
            .current_dir(tmp.path())
            .args([
                ".github/workflows/publish.yml",
                ".github/workflows/policy-review.yml",
                ".github/workflows/check.yml",
                ".github/workflows/watch.yml",
            ])
            .output()
        {
            Ok(out) => out,
            Err(e) => {
                eprintln!("skipped: actionlint is not available ({e})");
                return;
            }
        };
        assert!(
            out.status.success(),
            "actionlint:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
