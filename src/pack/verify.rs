//! Offline verification of evidence packs (`custody verify`): every entry's sha256 and
//! size against `manifest.json`, entries missing from or absent in the manifest, and the
//! month-to-month chain of each client's manifests.
//!
//! Packs are streamed from disk through [`PackReader`], with fixed buffers and bounded
//! work whatever a hostile file claims (see `pack::read`).
//!
//! Classification (the exit-code table of the README): a file that is not a zip archive
//! at all (empty, garbage, cut short before its end record, a folder or device where a
//! file should be, unreadable from disk) is *unreadable* (exit 2). Once it is a zip
//! archive, anything that custody would not have written or that does not match — a
//! changed, missing or extra entry, data that fails its CRC, inflates past its declared
//! size or does not inflate, bytes outside the entries (prepended, between entries,
//! appended, a zip comment), duplicate or unsafe names, links, encryption, other
//! compression methods, ZIP64 records, headers that disagree, a missing, invalid or edited
//! `manifest.json`, a broken chain — is a *problem* (exit 1), reported with the pack and
//! the file concerned.

use super::manifest::{MANIFEST_PATH, Manifest};
use super::read::{PackReader, Refusal};
use super::reevaluate::{Reevaluation, reevaluate_file};
use super::signature::{self, SIGNATURE_PATH, SignatureCheck};
use crate::evidence::sha256_hex;
use crate::month::Month;
use rayon::prelude::*;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{Cursor, Read, Seek};
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// Largest `manifest.json` read; a real one is a few kilobytes.
const MAX_MANIFEST_BYTES: u64 = 16 << 20;

/// The result of checking one pack on its own (without its chain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Intact,
    /// What is wrong, one line each, naming the pack and the file.
    Tampered(Vec<String>),
    /// The pack could not be opened as a zip archive (names the pack).
    Unreadable(String),
}

/// One pack checked on its own. `manifest` is set whenever `manifest.json` is present and
/// valid, even if other entries do not match, so the chain can still be checked.
#[derive(Debug, Clone)]
pub struct PackCheck {
    pub verdict: Verdict,
    pub manifest: Option<Manifest>,
    /// sha256 of the `manifest.json` bytes, as the next month records it.
    pub manifest_sha256: Option<String>,
}

impl PackCheck {
    fn unreadable(message: String) -> PackCheck {
        PackCheck {
            verdict: Verdict::Unreadable(message),
            manifest: None,
            manifest_sha256: None,
        }
    }
}

/// Checks one pack held in memory against its manifest. `name` prefixes every message.
pub fn check_pack(name: &str, bytes: &[u8]) -> PackCheck {
    check_reader(name, Cursor::new(bytes))
}

/// Checks the pack at `path`, streamed from disk. `name` prefixes every message (usually
/// the path as given). Anything but a regular file (a folder named `*.zip`, a device, a
/// pipe) is unreadable input and never opened, so a pipe cannot block the run.
pub fn check_pack_file(name: &str, path: &Path) -> PackCheck {
    let unreadable = |e: std::io::Error| PackCheck::unreadable(format!("{name}: {e}"));
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return unreadable(e),
    };
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a folder"
        } else {
            "not a regular file"
        };
        return PackCheck::unreadable(format!("{name}: {what}, not a pack"));
    }
    match std::fs::File::open(path) {
        // Checked again on the open file, in case the path was swapped since.
        Ok(f) if f.metadata().is_ok_and(|m| m.is_file()) => check_reader(name, f),
        Ok(_) => PackCheck::unreadable(format!("{name}: not a regular file, not a pack")),
        Err(e) => unreadable(e),
    }
}

fn check_reader<R: Read + Seek>(name: &str, inner: R) -> PackCheck {
    let mut pack = match PackReader::open(inner) {
        Ok(p) => p,
        Err(Refusal::Unreadable(why)) => return PackCheck::unreadable(format!("{name}: {why}")),
        Err(Refusal::Tampered(problems)) => {
            return PackCheck {
                verdict: Verdict::Tampered(
                    problems.iter().map(|p| format!("{name}: {p}")).collect(),
                ),
                manifest: None,
                manifest_sha256: None,
            };
        }
    };
    let mut problems: Vec<String> = pack
        .problems()
        .iter()
        .map(|p| format!("{name}: {p}"))
        .collect();
    for e in pack.entries() {
        if let Some(why) = &e.refused {
            problems.push(format!("{name}: {}: {why}", e.name));
        }
    }

    let tampered =
        |problems: Vec<String>, manifest: Option<Manifest>, sha: Option<String>| PackCheck {
            verdict: if problems.is_empty() {
                Verdict::Intact
            } else {
                Verdict::Tampered(problems)
            },
            manifest,
            manifest_sha256: sha,
        };

    let unusable = |problems: &mut Vec<String>, why: String| {
        problems.push(format!("{name}: {MANIFEST_PATH}: {why}"));
    };
    let index = match pack.find(MANIFEST_PATH) {
        Ok(Some(i)) => i,
        Ok(None) => {
            problems.push(format!("{name}: {MANIFEST_PATH} is missing"));
            return tampered(problems, None, None);
        }
        // Already reported as a duplicate name; which copy counts cannot be known.
        Err(_) => return tampered(problems, None, None),
    };
    if pack.entries()[index].refused.is_some() {
        // Already reported with the reason.
        return tampered(problems, None, None);
    }
    let manifest_bytes = match pack.read_to_vec(index, MAX_MANIFEST_BYTES) {
        Ok(Some(b)) => b,
        Ok(None) => {
            unusable(
                &mut problems,
                format!("larger than {MAX_MANIFEST_BYTES} bytes"),
            );
            return tampered(problems, None, None);
        }
        Err(e) => {
            unusable(&mut problems, format!("cannot be read: {e}"));
            return tampered(problems, None, None);
        }
    };
    let manifest = match Manifest::parse(&manifest_bytes) {
        Ok(m) => m,
        Err(e) => {
            unusable(&mut problems, e.to_string());
            return tampered(problems, None, None);
        }
    };
    let manifest_sha256 = sha256_hex(&manifest_bytes);

    let mut listed = BTreeSet::new();
    for f in &manifest.files {
        listed.insert(f.path.as_str());
        let path = &f.path;
        let index = match pack.find(path) {
            Ok(Some(i)) => i,
            Ok(None) => {
                problems.push(format!(
                    "{name}: {path}: listed in {MANIFEST_PATH} but missing from the pack"
                ));
                continue;
            }
            Err(_) => continue, // a duplicate name, reported above
        };
        if pack.entries()[index].refused.is_some() {
            continue; // reported above with the reason
        }
        match pack.digest(index, f.size) {
            Ok(Some((sha, len))) => {
                if len != f.size || sha != f.sha256 {
                    let size = match len.cmp(&f.size) {
                        Ordering::Less => {
                            format!(" ({MANIFEST_PATH} says {} bytes, the pack holds {len})", f.size)
                        }
                        _ => String::new(),
                    };
                    problems.push(format!("{name}: {path}: sha256 mismatch{size}"));
                }
            }
            Ok(None) => problems.push(format!(
                "{name}: {path}: sha256 mismatch ({MANIFEST_PATH} says {} bytes, the pack holds more)",
                f.size
            )),
            Err(e) => problems.push(format!("{name}: {path}: {e}")),
        }
    }
    let unlisted: BTreeSet<&str> = pack
        .entries()
        .iter()
        .filter(|e| e.refused.is_none() && e.name != MANIFEST_PATH && e.name != SIGNATURE_PATH)
        .map(|e| e.name.as_str())
        .filter(|n| !listed.contains(n))
        .collect();
    for n in unlisted {
        problems.push(format!(
            "{name}: {n}: in the pack but not listed in {MANIFEST_PATH}"
        ));
    }
    tampered(problems, Some(manifest), Some(manifest_sha256))
}

/// The outcome of `custody verify`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Pack files examined (readable or not).
    pub packs: usize,
    /// Distinct clients among the packs with a valid manifest.
    pub clients: usize,
    /// Tampering and chain breaks, one line each naming the pack (and file).
    pub problems: Vec<String>,
    /// Inputs that could not be read at all.
    pub unreadable: Vec<String>,
    /// Information that is not a failure, e.g. a lone pack whose previous month was not
    /// given, so its chain could not be followed.
    pub notes: Vec<String>,
    /// Per pack with a readable manifest: "PACK: signed by …" or "PACK: unsigned".
    pub signatures: Vec<String>,
    /// Per pack with a readable manifest: who collected its evidence and who built it
    /// ("PACK: evidence collected … by …", "PACK: built by …"), or that it is not recorded.
    pub provenance: Vec<String>,
    /// Packs whose verdicts were re-evaluated and found to be what the packed inputs give.
    pub reevaluated: usize,
    /// Packs whose hashes check out but whose verdicts could not be re-evaluated (built
    /// before custody packed the previous-month inputs): neither intact nor tampered.
    pub not_reevaluated: Vec<String>,
    /// Packs with a valid signature, and packs without one.
    pub signed: usize,
    pub unsigned: usize,
}

impl VerifyReport {
    /// 0 intact; 1 anything tampered, re-evaluated differently or a chain broken (even if
    /// something else was also unreadable); 2 something unreadable and nothing tampered;
    /// 3 every pack intact as far as it could be checked, but some could not be
    /// re-evaluated (schema-1 packs).
    pub fn exit_code(&self) -> i32 {
        if !self.problems.is_empty() {
            1
        } else if !self.unreadable.is_empty() {
            2
        } else if !self.not_reevaluated.is_empty() {
            3
        } else {
            0
        }
    }

    /// One line per problem, unreadable input and note, then a summary line such as
    /// "3 clients, 18 packs: intact". No trailing newline.
    pub fn render(&self) -> String {
        let mut lines: Vec<String> = self.signatures.clone();
        lines.extend(self.provenance.iter().cloned());
        lines.extend(self.problems.iter().cloned());
        lines.extend(self.unreadable.iter().map(|u| format!("unreadable: {u}")));
        lines.extend(self.not_reevaluated.iter().cloned());
        lines.extend(self.notes.iter().map(|n| format!("note: {n}")));
        if self.signed + self.unsigned > 0 {
            lines.push(format!(
                "signatures: {} signed, {} unsigned",
                self.signed, self.unsigned
            ));
        }
        let mut status = Vec::new();
        if !self.problems.is_empty() {
            status.push(format!(
                "{} (tampered or chain broken)",
                plural(self.problems.len(), "problem", "problems")
            ));
        }
        if !self.unreadable.is_empty() {
            status.push(format!("{} unreadable", self.unreadable.len()));
        }
        if !self.not_reevaluated.is_empty() {
            status.push(format!(
                "{} not re-evaluated (built before custody packed its previous-month inputs)",
                self.not_reevaluated.len()
            ));
        }
        if status.is_empty() && self.reevaluated > 0 {
            status.push("intact, verdicts re-evaluated".into());
        } else if status.is_empty() {
            status.push("intact".into());
        }
        lines.push(format!(
            "{}, {}: {}",
            plural(self.clients, "client", "clients"),
            plural(self.packs, "pack", "packs"),
            status.join(", ")
        ));
        lines.join("\n")
    }
}

/// "PACK: evidence collected …" and "PACK: built by …", from the manifest (which the signature
/// covers); "not recorded" for packs and evidence from before custody recorded it.
fn provenance_lines(name: &str, m: &Manifest) -> Vec<String> {
    if m.schema_version < super::manifest::SCHEMA_VERSION {
        return vec![format!(
            "{name}: provenance not recorded (manifest schema_version {}, custody {})",
            m.schema_version,
            crate::evidence::provenance::one_line(&m.tool.version, 40)
        )];
    }
    let collected = match &m.collected_by {
        Some(c) => format!("evidence {}", c.describe()),
        None => {
            "evidence provenance not recorded (the month's evidence/manifest.json records none)"
                .into()
        }
    };
    let built = match &m.built_by {
        Some(b) => b.describe(&m.tool.version),
        None => "builder not recorded".into(),
    };
    let policy = match &m.policy.commit {
        Some(c) => format!(
            "policy commit {}",
            crate::evidence::provenance::one_line(c, 64)
        ),
        None => "policy not from a commit".into(),
    };
    vec![
        format!("{name}: {collected}"),
        format!("{name}: {built}, {policy}"),
    ]
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A pack to check, and whether it was found by scanning a folder (then the folder is
/// taken to hold the client's whole history, so a missing first month is a break).
struct Found {
    path: PathBuf,
    from_folder: bool,
}

/// `evidence-*.zip`
fn is_pack_file_name(name: &str) -> bool {
    name.starts_with("evidence-") && name.ends_with(".zip") && name.len() > "evidence-.zip".len()
}

/// Client and month from `evidence-<client>-<YYYY-MM>.zip`, if the name has that shape.
fn parse_pack_file_name(name: &str) -> Option<(&str, Month)> {
    let stem = name.strip_prefix("evidence-")?.strip_suffix(".zip")?;
    let (client, month) = stem.split_at_checked(stem.len().checked_sub(7)?)?;
    let client = client.strip_suffix('-')?;
    let month = Month::parse(month).ok()?;
    (!client.is_empty()).then_some((client, month))
}

/// Verifies zip files and folders (e.g. a built `site/` or `site/<client>/`): every
/// `evidence-*.zip` below a folder is checked, then each client's packs are chained by
/// month. Packs found in a folder are taken as the client's complete history; packs given
/// as files may be a part of it, so the predecessor of the earliest one given is only
/// noted when absent. Signatures are checked against the keys they carry and reported.
pub fn verify_paths(paths: &[PathBuf]) -> VerifyReport {
    verify_paths_with(paths, &SignatureCheck::default())
}

/// [`verify_paths`], judging signatures by `signatures` (trusted keys, required or not).
pub fn verify_paths_with(paths: &[PathBuf], signatures: &SignatureCheck) -> VerifyReport {
    verify_paths_inner(paths, signatures, true)
}

/// [`verify_paths`] without re-evaluating verdicts: hashes, chain and signatures only,
/// for packs that are not custody builds of a real month (synthetic packs in tests).
/// `custody verify` always re-evaluates.
pub fn verify_hashes_and_chain(paths: &[PathBuf]) -> VerifyReport {
    verify_paths_inner(paths, &SignatureCheck::default(), false)
}

/// [`verify_paths_with`]; `reevaluate: false` checks hashes, chain and signatures only
/// (the unit tests of those checks use synthetic packs that hold no real policy).
pub(crate) fn verify_paths_inner(
    paths: &[PathBuf],
    signatures: &SignatureCheck,
    reevaluate: bool,
) -> VerifyReport {
    let mut report = VerifyReport::default();
    if paths.is_empty() {
        report.unreadable.push("no pack or folder given".into());
        return report;
    }

    let mut found: Vec<Found> = Vec::new();
    let mut index: HashMap<PathBuf, usize> = HashMap::new();
    let mut add = |found: &mut Vec<Found>, path: &Path, from_folder: bool| {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        match index.get(&key) {
            Some(&i) => found[i].from_folder |= from_folder,
            None => {
                index.insert(key, found.len());
                found.push(Found {
                    path: path.to_path_buf(),
                    from_folder,
                });
            }
        }
    };
    for arg in paths {
        let meta = match std::fs::metadata(arg) {
            Ok(m) => m,
            Err(e) => {
                report.unreadable.push(format!("{}: {e}", arg.display()));
                continue;
            }
        };
        if !meta.is_dir() {
            add(&mut found, arg, false);
            continue;
        }
        let mut hits = 0;
        for entry in WalkDir::new(arg).sort_by_file_name() {
            match entry {
                Err(e) => report.unreadable.push(e.to_string()),
                Ok(e) => {
                    let kind = e.file_type();
                    if e.depth() == 0 || !e.file_name().to_str().is_some_and(is_pack_file_name) {
                        continue;
                    }
                    hits += 1;
                    if kind.is_file() {
                        add(&mut found, e.path(), true);
                    } else if kind.is_dir() {
                        // Searched like any folder, but it is not the pack its name says.
                        report.unreadable.push(format!(
                            "{}: a folder named like a pack, not a pack",
                            e.path().display()
                        ));
                    } else if kind.is_symlink() {
                        // A built site holds no links: one where a pack should be stands
                        // in for it and may point anywhere, so it is never followed.
                        report.problems.push(format!(
                            "{}: a symbolic link where a pack should be (custody writes no links; not followed)",
                            e.path().display()
                        ));
                    } else {
                        report.unreadable.push(format!(
                            "{}: not a regular file, not a pack",
                            e.path().display()
                        ));
                    }
                }
            }
        }
        if hits == 0 {
            report.unreadable.push(format!(
                "{}: no evidence-*.zip found in this folder",
                arg.display()
            ));
        }
    }
    report.packs = found.len();

    let (checks, signed): (Vec<PackCheck>, Vec<Option<signature::Outcome>>) = found
        .par_iter()
        .map(|f| {
            let name = f.path.display().to_string();
            let pack = check_pack_file(&name, &f.path);
            // Only a pack that could be read is opened again for its signature: a pipe or
            // a folder named like a pack is never opened (it would block or fail).
            let signature = match pack.verdict {
                Verdict::Unreadable(_) => None,
                _ => signature::check_file(&f.path, signatures),
            };
            (pack, signature)
        })
        .unzip();
    for (f, outcome) in found.iter().zip(signed) {
        signature::record(
            &mut report,
            &f.path.display().to_string(),
            outcome,
            signatures,
        );
    }

    // Verdicts: every pack whose files match its manifest is evaluated again from its own
    // policy and evidence, and its scorecard must be what that evaluation renders.
    let reevaluated: Vec<Option<Reevaluation>> = found
        .par_iter()
        .zip(&checks)
        .map(|(f, check)| match (&check.verdict, &check.manifest) {
            (Verdict::Intact, Some(m)) if reevaluate => {
                Some(reevaluate_file(&f.path.display().to_string(), &f.path, m))
            }
            _ => None,
        })
        .collect();
    for r in reevaluated.into_iter().flatten() {
        match r {
            Reevaluation::Same { note } => {
                report.reevaluated += 1;
                report.notes.extend(note);
            }
            Reevaluation::Differs(d) => report.problems.extend(d),
            Reevaluation::Cannot(c) => report.not_reevaluated.push(c),
        }
    }

    // Packs without a usable manifest, by the client and month their file name claims:
    // already reported, so a chain gap at one of them is not reported again.
    let mut unusable: HashSet<(String, Month)> = HashSet::new();
    for (f, check) in found.iter().zip(&checks) {
        if let Some(m) = &check.manifest {
            report
                .provenance
                .extend(provenance_lines(&f.path.display().to_string(), m));
        }
        match &check.verdict {
            Verdict::Intact => {}
            Verdict::Tampered(p) => report.problems.extend(p.iter().cloned()),
            Verdict::Unreadable(u) => report.unreadable.push(u.clone()),
        }
        // A pack renamed to pass for another client or month.
        let file_name = f.path.file_name().and_then(|n| n.to_str());
        if check.manifest.is_none()
            && let Some((client, month)) = file_name.and_then(parse_pack_file_name)
        {
            unusable.insert((client.to_owned(), month));
        }
        if let (Some(m), Some((client, month))) =
            (&check.manifest, file_name.and_then(parse_pack_file_name))
            && (client != m.client || month != m.month)
        {
            report.problems.push(format!(
                "{}: the file name says {client} {month}, but its {MANIFEST_PATH} is for {} {}",
                f.path.display(),
                m.client,
                m.month
            ));
        }
    }

    // The chain, per client, in month order.
    let mut by_client: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, check) in checks.iter().enumerate() {
        if let Some(m) = &check.manifest {
            by_client.entry(m.client.as_str()).or_default().push(i);
        }
    }
    report.clients = by_client.len();
    for (client, mut packs) in by_client {
        let month_of = |i: usize| {
            checks[i]
                .manifest
                .as_ref()
                .expect("grouped by manifest")
                .month
        };
        packs.sort_by(|&a, &b| {
            month_of(a)
                .cmp(&month_of(b))
                .then_with(|| found[a].path.cmp(&found[b].path))
        });
        let complete = packs.iter().any(|&i| found[i].from_folder);
        let mut by_month: BTreeMap<Month, Vec<usize>> = BTreeMap::new();
        for &i in &packs {
            by_month.entry(month_of(i)).or_default().push(i);
        }
        let mut prev: Option<usize> = None;
        for &i in &packs {
            let m = checks[i].manifest.as_ref().expect("grouped by manifest");
            let path = found[i].path.display();
            if let Some(p) = prev
                && month_of(p) == m.month
            {
                report.problems.push(format!(
                    "{path}: two packs for {client} {}: this one and {}",
                    m.month,
                    found[p].path.display()
                ));
                continue;
            }
            let chain = |msg: String| format!("{path}: chain broken: {msg}");
            match (prev, &m.previous) {
                (None, None) => {}
                (_, Some(pm))
                    if !by_month.contains_key(&pm.month)
                        && unusable.contains(&(client.to_owned(), pm.month)) =>
                {
                    report.notes.push(format!(
                        "{path}: {client} {} follows {}, whose pack is unreadable or has no valid {MANIFEST_PATH} (reported above), so that link was not checked",
                        m.month, pm.month
                    ))
                }
                (None, Some(pm)) if complete => report.problems.push(chain(format!(
                    "{client} {} follows {}, but no pack for {} was found (first month removed?)",
                    m.month, pm.month, pm.month
                ))),
                (None, Some(pm)) => report.notes.push(format!(
                    "{path}: {client} {} follows {}, which was not given, so the chain before it was not checked",
                    m.month, pm.month
                )),
                (Some(p), None) => report.problems.push(chain(format!(
                    "{client} {} claims to be the first month, but {} ({}) precedes it",
                    m.month,
                    month_of(p),
                    found[p].path.display()
                ))),
                (Some(p), Some(pm)) if pm.month == month_of(p) => {
                    let candidates = &by_month[&pm.month];
                    if !candidates.iter().any(|&c| checks[c].manifest_sha256.as_deref() == Some(&pm.manifest_sha256)) {
                        report.problems.push(chain(format!(
                            "it records the {} manifest as sha256 {}, but {} has manifest sha256 {} (one of the two packs was changed)",
                            pm.month,
                            pm.manifest_sha256,
                            found[p].path.display(),
                            checks[p].manifest_sha256.as_deref().unwrap_or("?")
                        )));
                    }
                }
                (Some(p), Some(pm)) if by_month.contains_key(&pm.month) => report.problems.push(chain(format!(
                    "{client} {} follows {}, skipping {} ({})",
                    m.month,
                    pm.month,
                    month_of(p),
                    found[p].path.display()
                ))),
                (Some(p), Some(pm)) => report.problems.push(chain(format!(
                    "{client} {} follows {}, but no pack for {} was found; the pack before it is {} (month removed?)",
                    m.month,
                    pm.month,
                    pm.month,
                    month_of(p)
                ))),
            }
            prev = Some(i);
        }
    }
    report
}
