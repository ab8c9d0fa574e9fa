//! Re-evaluation behind `custody verify`: evaluation is deterministic and a pack holds the
//! policy, the evidence and every other input the month's evaluation read (the previous
//! month's snapshot under `previous/<YYYY-MM>/`, earlier months' restore tests under
//! `history/<YYYY-MM>/restore-tests.toml`), so verify lays those files out as a private
//! repository in a temporary folder, evaluates the month again with the running custody,
//! renders `scorecard.json` and `scorecard.html` as the build does, and compares bytes.
//! Hashes alone prove only that the pack is as its manifest says; this proves the verdicts
//! follow from the packed inputs, so rewriting `fail` to `pass` and re-hashing is caught
//! even in an unsigned pack.
//!
//! Only entries the manifest lists, already checked against it, are read: each is
//! streamed to its file through the bounded [`PackReader`] and hashed on the way.

use super::manifest::{FileEntry, Manifest, SCHEMA_VERSION, SCHEMA_VERSION_1};
use super::read::{EntryError, Inflated, PackReader};
use super::readme::{self, README_PATH, SUMS_PATH};
use super::signature::SIGNATURE_PATH;
use crate::client_id::ClientId;
use crate::evaluate::{MonthInput, evaluate_month, restore_history};
use crate::evidence::load_snapshot;
use crate::month::Month;
use crate::policy::load::{WorkingTree, load_policy};
use crate::scorecard::PolicyProvenance;
use crate::website::views::{MonthContext, month_page, pack_name};
use crate::website::{notes, scorecard_json, templates};
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Largest packed scorecard read into memory (a real one is a few hundred kilobytes).
const MAX_SCORECARD_BYTES: u64 = 64 << 20;

/// What re-evaluating one pack found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reevaluation {
    /// The packed scorecard.json and scorecard.html are what the packed inputs evaluate
    /// and render to. `note` says when another custody version built the pack.
    Same { note: Option<String> },
    /// What differs, one line each, naming the pack, the file and the controls.
    Differs(Vec<String>),
    /// The pack cannot be re-evaluated (a schema-1 pack lacks the previous-month inputs):
    /// neither intact nor tampered.
    Cannot(String),
}

/// Re-evaluates the pack at `path`, whose hashes `manifest` (already checked) vouches for.
pub fn reevaluate_file(name: &str, path: &Path, manifest: &Manifest) -> Reevaluation {
    if manifest.schema_version == SCHEMA_VERSION_1 {
        return Reevaluation::Cannot(format!(
            "{name}: cannot re-evaluate: built before custody packed its previous-month inputs (manifest schema_version 1, custody {}); its hashes, chain and signature were checked, its verdicts were not",
            manifest.tool.version
        ));
    }
    match std::fs::File::open(path) {
        Ok(f) => reevaluate(name, f, manifest),
        Err(e) => Reevaluation::Differs(vec![format!("{name}: cannot re-evaluate: {e}")]),
    }
}

/// [`reevaluate_file`] on an open pack.
pub fn reevaluate<R: Read + Seek>(name: &str, inner: R, manifest: &Manifest) -> Reevaluation {
    match run(name, inner, manifest) {
        Ok(r) => r,
        Err(e) => Reevaluation::Differs(vec![format!("{name}: cannot re-evaluate: {e}")]),
    }
}

/// Where a packed file goes in the temporary repository, if evaluation reads it.
fn target(id: &ClientId, month: Month, path: &str) -> Option<String> {
    if let Some(name) = path.strip_prefix("policy/") {
        return (!name.contains('/')).then(|| format!("clients/{id}/{name}"));
    }
    if let Some(rest) = path.strip_prefix("evidence/") {
        return Some(format!("evidence/{id}/{month}/{rest}"));
    }
    if let Some(rest) = path.strip_prefix("previous/") {
        let (m, rest) = rest.split_once('/')?;
        let m = Month::parse(m).ok().filter(|m| *m == month.prev())?;
        return Some(format!("evidence/{id}/{m}/{rest}"));
    }
    if let Some(rest) = path.strip_prefix("history/") {
        let (m, file) = rest.split_once('/')?;
        let m = Month::parse(m).ok().filter(|m| *m < month)?;
        return crate::evidence::RESTORE_HISTORY_FILES
            .contains(&file)
            .then(|| format!("evidence/{id}/{m}/{file}"));
    }
    None
}

/// Why a pack could not be evaluated again (a pack that evaluates to other verdicts is
/// a [`Reevaluation::Differs`], not this).
#[derive(Debug)]
pub enum ReevaluateError {
    Client(crate::client_id::ClientIdError),
    NoLongerOpens,
    TempDir(std::io::Error),
    /// A listed file (`path` inside the pack) that cannot be used.
    File {
        path: String,
        problem: FileProblem,
    },
    /// The scorecard file `name` is not in the pack.
    NotInPack(&'static str),
    /// The packed policy does not load: its first problem.
    Policy(String),
    Template(crate::website::templates::TemplateError),
}

/// Why one packed file cannot be taken out of the pack.
#[derive(Debug)]
pub enum FileProblem {
    TooLarge {
        limit: u64,
    },
    Entry(EntryError),
    /// Its copy in the temporary folder cannot be created or written.
    Copy(std::io::Error),
    WriteCopy(std::io::Error),
    Sha256Mismatch,
}

impl fmt::Display for ReevaluateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReevaluateError::Client(e) => e.fmt(f),
            ReevaluateError::NoLongerOpens => f.write_str("the pack no longer opens"),
            ReevaluateError::TempDir(e) => write!(f, "cannot create a temporary folder: {e}"),
            ReevaluateError::File { path, problem } => write!(f, "{path}: {problem}"),
            ReevaluateError::NotInPack(name) => write!(f, "{name} is not in the pack"),
            ReevaluateError::Policy(first) => {
                write!(f, "the packed policy does not load: {first}")
            }
            ReevaluateError::Template(e) => e.fmt(f),
        }
    }
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileProblem::TooLarge { limit } => write!(f, "larger than {limit} bytes"),
            FileProblem::Entry(e) => e.fmt(f),
            FileProblem::Copy(e) => e.fmt(f),
            FileProblem::WriteCopy(e) => write!(f, "cannot write its copy: {e}"),
            FileProblem::Sha256Mismatch => f.write_str("sha256 mismatch"),
        }
    }
}

impl std::error::Error for ReevaluateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReevaluateError::Client(e) => Some(e),
            ReevaluateError::TempDir(e) => Some(e),
            ReevaluateError::File { problem, .. } => Some(problem),
            ReevaluateError::Template(e) => Some(e),
            _ => None,
        }
    }
}

impl std::error::Error for FileProblem {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FileProblem::Entry(e) => Some(e),
            FileProblem::Copy(e) | FileProblem::WriteCopy(e) => Some(e),
            _ => None,
        }
    }
}

impl From<crate::website::templates::TemplateError> for ReevaluateError {
    fn from(e: crate::website::templates::TemplateError) -> Self {
        ReevaluateError::Template(e)
    }
}

/// Streams one listed entry into `dest`, checking its size and sha256 on the way.
fn extract<R: Read + Seek>(
    pack: &mut PackReader<R>,
    file: &FileEntry,
    dest: &Path,
) -> Result<(), FileProblem> {
    let index = pack
        .find(&file.path)
        .map_err(FileProblem::Entry)?
        .ok_or(FileProblem::Entry(EntryError::Missing))?;
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).map_err(FileProblem::Copy)?;
    }
    let mut out = std::fs::File::create(dest).map_err(FileProblem::Copy)?;
    let mut hash = Sha256::new();
    let mut written = 0u64;
    let mut failed: Option<std::io::Error> = None;
    let inflated = pack
        .inflate(index, file.size, &mut |b| {
            if failed.is_none() {
                hash.update(b);
                written += b.len() as u64;
                if let Err(e) = out.write_all(b) {
                    failed = Some(e);
                }
            }
        })
        .map_err(FileProblem::Entry)?;
    if let Some(e) = failed {
        return Err(FileProblem::WriteCopy(e));
    }
    let sha: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    match inflated {
        Inflated::Complete(_) if written == file.size && sha == file.sha256 => Ok(()),
        _ => Err(FileProblem::Sha256Mismatch),
    }
}

fn run<R: Read + Seek>(
    name: &str,
    inner: R,
    manifest: &Manifest,
) -> Result<Reevaluation, ReevaluateError> {
    let id = ClientId::parse(&manifest.client).map_err(ReevaluateError::Client)?;
    let month = manifest.month;
    let mut pack = PackReader::open(inner).map_err(|_| ReevaluateError::NoLongerOpens)?;
    let tmp = tempfile::Builder::new()
        .prefix("custody-verify-")
        .tempdir()
        .map_err(ReevaluateError::TempDir)?;
    let root = tmp.path();
    let mut packed_json = None;
    let mut packed_html = None;
    let mut packed_readme = None;
    let mut packed_sums = None;
    let mut assets: Vec<&str> = Vec::new();
    for f in &manifest.files {
        let at = |problem: FileProblem| ReevaluateError::File {
            path: f.path.clone(),
            problem,
        };
        let too_large = FileProblem::TooLarge {
            limit: MAX_SCORECARD_BYTES,
        };
        match f.path.as_str() {
            README_PATH | SUMS_PATH => {
                if f.size > MAX_SCORECARD_BYTES {
                    return Err(at(too_large));
                }
                let bytes = pack
                    .read_verified(f)
                    .map_err(|e| at(FileProblem::Entry(e)))?;
                if f.path == README_PATH {
                    packed_readme = Some(bytes);
                } else {
                    packed_sums = Some(bytes);
                }
            }
            "scorecard.json" | "scorecard.html" => {
                if f.size > MAX_SCORECARD_BYTES {
                    return Err(at(too_large));
                }
                let bytes = pack
                    .read_verified(f)
                    .map_err(|e| at(FileProblem::Entry(e)))?;
                if f.path == "scorecard.json" {
                    packed_json = Some(bytes);
                } else {
                    packed_html = Some(bytes);
                }
            }
            p => {
                if let Some(a) = p.strip_prefix("assets/") {
                    assets.push(a);
                }
                if let Some(rel) = target(&id, month, p) {
                    extract(&mut pack, f, &root.join(PathBuf::from(rel))).map_err(at)?;
                }
            }
        }
    }
    let packed_json = packed_json.ok_or(ReevaluateError::NotInPack("scorecard.json"))?;
    let packed_html = packed_html.ok_or(ReevaluateError::NotInPack("scorecard.html"))?;
    let signed = matches!(pack.find(SIGNATURE_PATH), Ok(Some(_)));

    let policy = load_policy(
        &WorkingTree(root.to_path_buf()),
        &id,
        crate::controls::known(),
    )
    .map_err(|d| {
        ReevaluateError::Policy(d.first().map(|d| d.message.clone()).unwrap_or_default())
    })?;
    let provenance = PolicyProvenance {
        source: manifest.policy.source.clone(),
        commit: manifest.policy.commit.clone(),
        committed_at: manifest.policy.committed_at.clone(),
        note: manifest.policy.note.clone(),
        files: policy.sources.iter().map(|(p, _)| p.clone()).collect(),
    };
    let snap = load_snapshot(root, &id, month);
    let prev_dir = root.join(format!("evidence/{id}/{}", month.prev()));
    let prev = prev_dir
        .is_dir()
        .then(|| load_snapshot(root, &id, month.prev()));
    let months = crate::evidence::months(root, &id);
    let (history, _) = restore_history(root, &id, &months, month);
    let card = evaluate_month(&MonthInput {
        client: &id,
        policy: &policy,
        provenance,
        snap: &snap,
        prev: prev.as_ref(),
        earlier: months.first().is_some_and(|f| *f < month),
        restore_history: &history,
    });
    let json = scorecard_json(&card);

    // The page as the build packs it, with the templates built into custody (a pack
    // carries no site-templates overrides).
    let env = templates::environment(root)?;
    // The build packs the client's logo beside the two style sheets, under its name.
    let logo = assets
        .iter()
        .copied()
        .find(|a| *a != "style.css" && *a != "theme.css");
    let ctx = MonthContext {
        card: &card,
        logo,
        notes_html: policy.notes.as_deref().map(notes::render_in_pack),
        in_pack: true,
        pack_name: pack_name(id.as_str(), &month.to_string()),
        prev: manifest.previous.as_ref().map(|p| p.month.to_string()),
        next: None,
    };
    let html = templates::render(&env, "month.html", month_page(&ctx))?;

    let other_version = (manifest.tool.version != crate::VERSION).then(|| {
        format!(
            "built by custody {}, re-evaluated with custody {}",
            manifest.tool.version,
            crate::VERSION
        )
    });
    let mut differs = Vec::new();
    let prefix = match &other_version {
        Some(v) => format!("{name}: {v}: "),
        None => format!("{name}: "),
    };
    if json != packed_json {
        differs.push(format!(
            "{prefix}scorecard.json differs from re-evaluating the packed policy against the packed evidence: {}",
            json_difference(&packed_json, &json)
        ));
    }
    if html.as_bytes() != packed_html {
        differs.push(format!(
            "{prefix}scorecard.html differs from the page rendered from the re-evaluated scorecard: {}",
            html_difference(&packed_html, html.as_bytes())
        ));
    }
    if manifest.schema_version >= SCHEMA_VERSION {
        differs.extend(
            explains_itself(
                root,
                &id,
                month,
                manifest,
                (packed_readme.as_deref(), packed_sums.as_deref()),
                signed,
            )
            .into_iter()
            .map(|d| format!("{prefix}{d}")),
        );
    }
    Ok(if differs.is_empty() {
        Reevaluation::Same {
            note: other_version.map(|v| format!("{name}: {v}: the same verdicts")),
        }
    } else {
        Reevaluation::Differs(differs)
    })
}

/// What a schema-3 pack says about itself must be what its manifest says: `SHA256SUMS`
/// lists the manifest's hashes, `README.txt` is the guide custody writes for this manifest
/// (checked when the running custody built it: another version words it differently), and
/// `collected_by` is the provenance the packed `evidence/manifest.json` records. In an
/// unsigned pack all three could be forged together; these checks make a forger rewrite
/// them consistently, and say which one disagrees when they were not.
fn explains_itself(
    root: &Path,
    id: &ClientId,
    month: Month,
    manifest: &Manifest,
    (readme_bytes, sums_bytes): (Option<&[u8]>, Option<&[u8]>),
    signed: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    match sums_bytes {
        None => out.push(format!("{SUMS_PATH} is not in the pack")),
        Some(b) if b != readme::sums(&manifest.files).as_bytes() => out.push(format!(
            "{SUMS_PATH} does not list the hashes manifest.json records"
        )),
        Some(_) => {}
    }
    match readme_bytes {
        None => out.push(format!("{README_PATH} is not in the pack")),
        Some(b) if manifest.tool.version == crate::VERSION => {
            let as_is = readme::readme(&readme::About::of(manifest, signed));
            if b != as_is.as_bytes() {
                let flipped = readme::readme(&readme::About::of(manifest, !signed));
                out.push(if b == flipped.as_bytes() && !signed {
                    format!(
                        "{README_PATH} says the pack is signed, but it holds no {SIGNATURE_PATH} (the signature was removed?)"
                    )
                } else {
                    format!("{README_PATH} is not the guide custody writes for this manifest")
                });
            }
        }
        Some(_) => {}
    }
    let evidence_manifest = root.join(format!(
        "evidence/{id}/{month}/{}",
        crate::evidence::MANIFEST
    ));
    let recorded = std::fs::read(evidence_manifest)
        .ok()
        .and_then(|b| super::packed_provenance(&b));
    if recorded != manifest.collected_by {
        out.push(
            "manifest.json collected_by is not the provenance evidence/manifest.json records"
                .into(),
        );
    }
    out
}

/// The controls whose status differs (packed → re-evaluated), else the first differing
/// top-level field.
fn json_difference(packed: &[u8], fresh: &[u8]) -> String {
    let Ok(p) = serde_json::from_slice::<serde_json::Value>(packed) else {
        return "the packed scorecard.json is not JSON".into();
    };
    let Ok(f) = serde_json::from_slice::<serde_json::Value>(fresh) else {
        return "the re-evaluated scorecard is not JSON".into();
    };
    let statuses = |v: &serde_json::Value| -> Vec<(String, String)> {
        v.get("results")
            .and_then(|r| r.as_array())
            .map(|rs| {
                rs.iter()
                    .map(|r| {
                        let s =
                            |k: &str| r.get(k).and_then(|x| x.as_str()).unwrap_or("?").to_owned();
                        (s("control"), s("status"))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let (ps, fs) = (statuses(&p), statuses(&f));
    let mut changed = Vec::new();
    for (control, fresh_status) in &fs {
        match ps.iter().find(|(c, _)| c == control) {
            Some((_, s)) if s != fresh_status => changed.push(format!(
                "{control} is {s} in the pack, {fresh_status} when re-evaluated"
            )),
            None => changed.push(format!("{control} is missing from the pack")),
            _ => {}
        }
    }
    for (control, s) in &ps {
        if !fs.iter().any(|(c, _)| c == control) {
            changed.push(format!(
                "{control} ({s}) is not a control of the re-evaluation"
            ));
        }
    }
    if !changed.is_empty() {
        return changed.join("; ");
    }
    let field = match (p.as_object(), f.as_object()) {
        (Some(po), Some(fo)) => fo
            .iter()
            .find(|(k, v)| po.get(*k) != Some(v))
            .map(|(k, _)| k.clone())
            .or_else(|| po.keys().find(|k| !fo.contains_key(*k)).cloned()),
        _ => None,
    };
    match field {
        Some(k) => format!("every status matches; {k:?} differs"),
        None => "every status matches; the bytes differ".into(),
    }
}

/// Where the page first differs (the statuses are named by the scorecard.json check).
fn html_difference(packed: &[u8], fresh: &[u8]) -> String {
    let packed = String::from_utf8_lossy(packed);
    let fresh = String::from_utf8_lossy(fresh);
    let line = packed
        .lines()
        .zip(fresh.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| packed.lines().count().min(fresh.lines().count()));
    format!("first at line {}", line + 1)
}
