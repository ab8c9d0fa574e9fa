//! Offline verification of evidence packs (`custody verify`): every entry's sha256 and
//! size against `manifest.json`, entries missing from or absent in the manifest, and the
//! month-to-month chain of each client's manifests.
//!
//! Classification: a file that cannot be opened as a zip archive at all (missing,
//! truncated, garbage) is *unreadable* (exit 2). Once the archive opens, anything that
//! does not match — a changed, missing or extra entry, an entry whose data fails its
//! CRC or does not decompress, a missing, invalid or edited `manifest.json`, a broken
//! chain — is a *problem* (exit 1), reported with the pack and the file concerned.

use super::manifest::{MANIFEST_PATH, Manifest};
use super::signature::{self, SIGNATURE_PATH, SignatureCheck};
use crate::evidence::sha256_hex;
use crate::month::Month;
use rayon::prelude::*;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use walkdir::WalkDir;
use zip::{ZipArchive, ZipReadOptions};

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

/// Checks one pack's contents against its manifest. `name` prefixes every message
/// (usually the pack's path).
pub fn check_pack(name: &str, bytes: &[u8]) -> PackCheck {
    let mut archive = match ZipArchive::new(Cursor::new(bytes)) {
        Ok(a) => a,
        Err(e) => {
            return PackCheck {
                verdict: Verdict::Unreadable(format!("{name}: not a readable zip archive: {e}")),
                manifest: None,
                manifest_sha256: None,
            };
        }
    };
    let mut problems = Vec::new();
    if archive.has_duplicate_names() {
        problems.push(format!(
            "{name}: several entries of the zip have the same name"
        ));
    }
    let mut names = BTreeSet::new();
    for raw in archive.file_names_raw() {
        match std::str::from_utf8(raw) {
            Ok(s) => {
                names.insert(s.to_owned());
            }
            Err(_) => problems.push(format!(
                "{name}: entry with a name that is not UTF-8: {:?}",
                String::from_utf8_lossy(raw)
            )),
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

    let manifest_bytes = match read_entry(&mut archive, MANIFEST_PATH, MAX_MANIFEST_BYTES) {
        Ok(Some(b)) if b.len() as u64 > MAX_MANIFEST_BYTES => {
            problems.push(format!(
                "{name}: {MANIFEST_PATH}: larger than {MAX_MANIFEST_BYTES} bytes"
            ));
            return tampered(problems, None, None);
        }
        Ok(Some(b)) => b,
        Ok(None) => {
            problems.push(format!("{name}: {MANIFEST_PATH} is missing"));
            return tampered(problems, None, None);
        }
        Err(e) => {
            problems.push(format!(
                "{name}: {MANIFEST_PATH}: cannot be read ({e}): corrupt or tampered"
            ));
            return tampered(problems, None, None);
        }
    };
    let manifest = match Manifest::parse(&manifest_bytes) {
        Ok(m) => m,
        Err(e) => {
            problems.push(format!("{name}: {MANIFEST_PATH}: {e}"));
            return tampered(problems, None, None);
        }
    };
    let manifest_sha256 = sha256_hex(&manifest_bytes);

    let mut listed = BTreeSet::new();
    for f in &manifest.files {
        listed.insert(f.path.as_str());
        let path = &f.path;
        if !names.contains(path) {
            problems.push(format!(
                "{name}: {path}: listed in {MANIFEST_PATH} but missing from the pack"
            ));
            continue;
        }
        match read_entry(&mut archive, path, f.size) {
            Ok(Some(data)) => {
                let len = data.len() as u64;
                if len != f.size || sha256_hex(&data) != f.sha256 {
                    let size = match len.cmp(&f.size) {
                        Ordering::Equal => String::new(),
                        Ordering::Greater => format!(
                            " ({MANIFEST_PATH} says {} bytes, the pack holds more)",
                            f.size
                        ),
                        Ordering::Less => format!(
                            " ({MANIFEST_PATH} says {} bytes, the pack holds {len})",
                            f.size
                        ),
                    };
                    problems.push(format!("{name}: {path}: sha256 mismatch{size}"));
                }
            }
            Ok(None) => problems.push(format!(
                "{name}: {path}: listed in {MANIFEST_PATH} but missing from the pack"
            )),
            Err(e) => problems.push(format!(
                "{name}: {path}: cannot be read ({e}): corrupt or tampered"
            )),
        }
    }
    for n in &names {
        if n != MANIFEST_PATH && n != SIGNATURE_PATH && !listed.contains(n.as_str()) {
            problems.push(format!(
                "{name}: {n}: in the pack but not listed in {MANIFEST_PATH}"
            ));
        }
    }
    tampered(problems, Some(manifest), Some(manifest_sha256))
}

/// Reads at most `limit + 1` bytes of an entry (so an oversized entry shows as a size
/// mismatch without being inflated whole). `Ok(None)` if there is no such entry.
fn read_entry(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    path: &str,
    limit: u64,
) -> Result<Option<Vec<u8>>, String> {
    let Some(index) = archive.index_for_name_raw(path.as_bytes()) else {
        return Ok(None);
    };
    let options = ZipReadOptions::new().enforce_header_consistency(true);
    let file = archive
        .by_index_with_options(index, options)
        .map_err(|e| e.to_string())?;
    if file.is_dir() {
        return Err("a directory entry".into());
    }
    let mut data = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| e.to_string())?;
    Ok(Some(data))
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
    /// Packs with a valid signature, and packs without one.
    pub signed: usize,
    pub unsigned: usize,
}

impl VerifyReport {
    /// 0 intact; 1 anything tampered or a chain broken (even if something else was also
    /// unreadable); 2 something unreadable and nothing tampered.
    pub fn exit_code(&self) -> i32 {
        if !self.problems.is_empty() {
            1
        } else if !self.unreadable.is_empty() {
            2
        } else {
            0
        }
    }

    /// One line per problem, unreadable input and note, then a summary line such as
    /// "3 clients, 18 packs: intact". No trailing newline.
    pub fn render(&self) -> String {
        let mut lines: Vec<String> = self.signatures.clone();
        lines.extend(self.problems.iter().cloned());
        lines.extend(self.unreadable.iter().map(|u| format!("unreadable: {u}")));
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
        if status.is_empty() {
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
                    if e.file_type().is_file()
                        && e.file_name().to_str().is_some_and(is_pack_file_name)
                    {
                        hits += 1;
                        add(&mut found, e.path(), true);
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
            match std::fs::read(&f.path) {
                Ok(bytes) => (
                    check_pack(&name, &bytes),
                    signature::check_zip(&bytes, signatures),
                ),
                Err(e) => (
                    PackCheck {
                        verdict: Verdict::Unreadable(format!("{name}: {e}")),
                        manifest: None,
                        manifest_sha256: None,
                    },
                    None,
                ),
            }
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

    // Packs without a usable manifest, by the client and month their file name claims:
    // already reported, so a chain gap at one of them is not reported again.
    let mut unusable: HashSet<(String, Month)> = HashSet::new();
    for (f, check) in found.iter().zip(&checks) {
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
