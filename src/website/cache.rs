//! Incremental builds. A cache file beside the output folder records a fingerprint of
//! every input (content hashes of `clients/`, `evidence/`, `site-templates/`, the git
//! HEAD, the templates built into this binary and the tool version), a key per month
//! (a hash of everything that month's page, scorecard.json and evidence pack are made
//! from) and the file stats of the site it describes.
//!
//! A build whose fingerprint matches, over an untouched site, writes nothing. Otherwise
//! the months whose key matches are hard-linked from the previous site into the staging
//! folder, and only the others are rendered and packed.
//!
//! The cache lives in the repository, in `.custody-cache/` (git-ignored, like cargo's
//! `target/`), one file per output folder; never inside the site: it names every client
//! and month of the repository, so publishing it would leak one client's existence into
//! another client's hosted folder, and nothing is written beside the site but the site.
//! It is only an accelerator: a missing, unreadable or mismatched cache means a full
//! build. It records the fingerprint of the key packs were signed with: a build with
//! another key, or none, re-signs every pack, so no signature by a removed key survives.

use crate::evidence::sha256_file;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Bumped when the cache layout or the meaning of a key changes.
const FORMAT: u32 = 1;

/// Size, modification time and inode: a file whose stat is unchanged is not re-hashed
/// (as git's index does), and a site file whose stat changed is never reused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStat {
    pub len: u64,
    pub mtime_s: i64,
    pub mtime_ns: u32,
    pub ino: u64,
}

impl FileStat {
    pub fn of(path: &Path) -> Option<FileStat> {
        let m = std::fs::symlink_metadata(path).ok()?;
        if !m.is_file() {
            return None;
        }
        let (mtime_s, mtime_ns) = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or((0, 0), |d| (d.as_secs() as i64, d.subsec_nanos()));
        Some(FileStat {
            len: m.len(),
            mtime_s,
            mtime_ns,
            ino: inode(&m),
        })
    }
}

#[cfg(unix)]
fn inode(m: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(m)
}

#[cfg(not(unix))]
fn inode(_: &std::fs::Metadata) -> u64 {
    0
}

#[cfg(unix)]
fn dir_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some((m.dev(), m.ino()))
}

/// Without inodes there is no way to tell this site from another: no reuse.
#[cfg(not(unix))]
fn dir_identity(_: &Path) -> Option<(u64, u64)> {
    None
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Input {
    pub stat: FileStat,
    pub sha256: String,
}

/// One month of one client in the site.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MonthUnit {
    pub key: String,
    /// sha256 of the pack's manifest.json: the next month's chain link.
    pub manifest_sha256: String,
    /// Site-relative files of the month.
    pub files: Vec<String>,
}

/// Counts of the build that produced the site, reported again by a build that finds
/// nothing to do.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Counts {
    pub clients: usize,
    pub months: usize,
    pub pages: usize,
    pub packs: usize,
    pub files: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cache {
    format: u32,
    tool: String,
    /// The output folder, absolute: caches of folders that are gone are removed.
    #[serde(default)]
    out: String,
    /// (device, inode) of the output folder this cache describes. Each build swaps in a
    /// new folder, so a build killed between the swap and the cache update leaves a
    /// cache that no longer matches, and is ignored.
    site: Option<(u64, u64)>,
    /// Inputs fingerprint; `None` when the build reported input errors or kept a
    /// client's previous pages (such a build is never skipped: it must report again).
    pub fingerprint: Option<String>,
    /// `SHA256:…` of the public key the site's packs were signed with, empty if unsigned
    /// (never the private key).
    #[serde(default)]
    pub signing_key: String,
    pub counts: Counts,
    pub inputs: BTreeMap<String, Input>,
    /// `<client>/<YYYY-MM>` → unit.
    pub months: BTreeMap<String, MonthUnit>,
    /// Every file of the site with its stat.
    pub files: BTreeMap<String, FileStat>,
}

/// Where the cache of an output folder lives: `<repo>/.custody-cache/<name>-<hash of
/// its absolute path>.json`.
pub fn path_for(repo: &Path, out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let abs = std::fs::canonicalize(parent)
        .unwrap_or_else(|_| parent.to_path_buf())
        .join(&name);
    let mut k = Key::new("out");
    k.part(abs.to_string_lossy().as_bytes());
    let key = k.finish();
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    repo.join(DIR).join(format!("{safe}-{}.json", &key[..16]))
}

/// The cache folder inside the repository.
pub const DIR: &str = ".custody-cache";

impl Default for Cache {
    fn default() -> Cache {
        Cache::new()
    }
}

impl Cache {
    pub fn new() -> Cache {
        Cache {
            format: FORMAT,
            tool: crate::VERSION.to_owned(),
            out: String::new(),
            site: None,
            fingerprint: None,
            signing_key: String::new(),
            counts: Counts::default(),
            inputs: BTreeMap::new(),
            months: BTreeMap::new(),
            files: BTreeMap::new(),
        }
    }

    /// The cache of `out`, if it was written by this format and tool version for the
    /// output folder that is there now, with packs signed by `signing_key` (a fingerprint,
    /// empty for unsigned packs).
    pub fn load(repo: &Path, out: &Path, signing_key: &str) -> Option<Cache> {
        let bytes = std::fs::read(path_for(repo, out)).ok()?;
        let c: Cache = serde_json::from_slice(&bytes).ok()?;
        let current = dir_identity(out)?;
        (c.format == FORMAT
            && c.tool == crate::VERSION
            && c.site == Some(current)
            && c.signing_key == signing_key)
            .then_some(c)
    }

    /// Whether every file of the recorded site is still there with the same stat, and
    /// nothing was added.
    pub fn site_untouched(&self, out: &Path) -> bool {
        let mut n = 0;
        for e in walkdir::WalkDir::new(out).into_iter() {
            let Ok(e) = e else { return false };
            if e.file_type().is_dir() {
                continue;
            }
            n += 1;
            let Some(rel) = site_relative(out, e.path()) else {
                return false;
            };
            if self.files.get(&rel) != FileStat::of(e.path()).as_ref() {
                return false;
            }
        }
        n == self.files.len()
    }

    /// The cached unit of a month if its key matches and its files are the ones this
    /// cache recorded (not edited or removed since).
    pub fn reusable(&self, out: &Path, unit: &str, key: &str) -> Option<&MonthUnit> {
        let u = self.months.get(unit).filter(|u| u.key == key)?;
        // A unit only ever names files in its own month folder: an edited cache cannot
        // carry one client's files into another's folder.
        let own = format!("{unit}/");
        u.files
            .iter()
            .all(|f| {
                f.starts_with(&own)
                    && self.files.contains_key(f)
                    && self.files.get(f) == FileStat::of(&out.join(f)).as_ref()
            })
            .then_some(u)
    }

    /// Records the site now at `out` and writes the cache beside it (write and rename,
    /// so a killed build leaves the old cache or the new one, never half of one).
    pub fn save(mut self, repo: &Path, out: &Path) -> Result<(), SaveError> {
        self.site = dir_identity(out);
        self.out = std::fs::canonicalize(out)
            .unwrap_or_else(|_| out.to_path_buf())
            .to_string_lossy()
            .into_owned();
        self.files.clear();
        for e in walkdir::WalkDir::new(out)
            .into_iter()
            .filter_map(Result::ok)
        {
            if e.file_type().is_dir() {
                continue;
            }
            if let (Some(rel), Some(stat)) = (site_relative(out, e.path()), FileStat::of(e.path()))
            {
                self.files.insert(rel, stat);
            }
        }
        let path = path_for(repo, out);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| SaveError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        let bytes = serde_json::to_vec(&self).map_err(SaveError::Serialize)?;
        std::fs::write(&tmp, bytes).map_err(|source| SaveError::Io {
            path: tmp.clone(),
            source,
        })?;
        std::fs::rename(&tmp, &path).map_err(|source| {
            let _ = std::fs::remove_file(&tmp);
            SaveError::Io {
                path: path.clone(),
                source,
            }
        })?;
        remove_orphans(&path);
        Ok(())
    }
}

/// Removes the caches of output folders that no longer exist (temporary sites, renamed
/// folders), so the cache folder does not grow without bound.
fn remove_orphans(keep: &Path) {
    #[derive(Deserialize)]
    struct OutOnly {
        #[serde(default)]
        out: String,
    }
    let Some(dir) = keep.parent() else { return };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let path = e.path();
        if path == keep || path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let gone = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<OutOnly>(&b).ok())
            .is_some_and(|c| !c.out.is_empty() && !Path::new(&c.out).exists());
        if gone {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Removes the cache of `out` (before a build that will not record one).
pub fn remove(repo: &Path, out: &Path) {
    let _ = std::fs::remove_file(path_for(repo, out));
}

fn site_relative(root: &Path, path: &Path) -> Option<String> {
    Some(
        path.strip_prefix(root)
            .ok()?
            .to_string_lossy()
            .replace('\\', "/"),
    )
}

/// The inputs of a build: every regular file under `clients/`, `evidence/` and
/// `site-templates/` with its hash, and the symbolic links found there (not followed:
/// what they lead to is not hashed, so nothing read through one is cached).
pub struct Inputs {
    pub files: BTreeMap<String, Input>,
    pub links: BTreeSet<String>,
}

/// Hashes every input file of the repository, reusing the hash of a file whose stat
/// did not change since `previous`, and combines them with everything else a build
/// depends on into one fingerprint.
pub fn fingerprint(
    repo: &Path,
    previous: Option<&BTreeMap<String, Input>>,
    selection: &[String],
) -> (String, Inputs) {
    use rayon::prelude::*;
    let mut paths = Vec::new();
    let mut links = BTreeSet::new();
    for top in ["clients", "evidence", "site-templates"] {
        for e in walkdir::WalkDir::new(repo.join(top))
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            let Some(rel) = site_relative(repo, e.path()) else {
                continue;
            };
            if e.path_is_symlink() {
                links.insert(rel);
            } else if e.file_type().is_file() {
                paths.push(rel);
            }
        }
    }
    let inputs: BTreeMap<String, Input> = paths
        .into_par_iter()
        .filter_map(|rel| {
            let abs = repo.join(&rel);
            let stat = FileStat::of(&abs)?;
            if let Some(old) = previous.and_then(|p| p.get(&rel))
                && old.stat == stat
            {
                return Some((rel, old.clone()));
            }
            // Unreadable files still count: the build will report them.
            let sha256 = sha256_file(&abs).unwrap_or_else(|e| format!("unreadable: {e}"));
            Some((rel, Input { stat, sha256 }))
        })
        .collect();
    let mut h = Key::new("inputs");
    h.part(crate::VERSION.as_bytes());
    h.part(crate::month::Month::current().to_string().as_bytes());
    h.part(git_head(repo).as_bytes());
    for s in selection {
        h.part(s.as_bytes());
    }
    h.part(b"--");
    for (name, source) in super::templates::BUILTIN {
        h.part(name.as_bytes());
        h.part(source.as_bytes());
    }
    for (path, input) in &inputs {
        h.part(path.as_bytes());
        h.part(input.sha256.as_bytes());
    }
    h.part(b"links");
    for link in &links {
        let target = std::fs::read_link(repo.join(link)).unwrap_or_default();
        h.part(link.as_bytes());
        h.part(target.to_string_lossy().as_bytes());
    }
    (
        h.finish(),
        Inputs {
            files: inputs,
            links,
        },
    )
}

/// The commit HEAD points at (policy history is read from it), or why there is none.
fn git_head(repo: &Path) -> String {
    git2::Repository::open(repo)
        .and_then(|r| r.head()?.peel_to_commit().map(|c| c.id().to_string()))
        .unwrap_or_else(|e| format!("no git head: {}", e.message()))
}

/// A sha256 over length-prefixed parts, so no two different part lists collide.
pub struct Key(Sha256);

impl Key {
    pub fn new(kind: &str) -> Key {
        let mut k = Key(Sha256::new());
        k.part(kind.as_bytes());
        k
    }

    pub fn part(&mut self, bytes: &[u8]) -> &mut Key {
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }

    pub fn finish(self) -> String {
        self.0
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Why the build cache could not be written (the next build is then a full one).
#[derive(Debug)]
pub enum SaveError {
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    Serialize(serde_json::Error),
}

impl std::fmt::Display for SaveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SaveError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            SaveError::Serialize(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SaveError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SaveError::Io { source, .. } => Some(source),
            SaveError::Serialize(e) => Some(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_separate_parts() {
        let k = |parts: &[&str]| {
            let mut k = Key::new("t");
            for p in parts {
                k.part(p.as_bytes());
            }
            k.finish()
        };
        assert_ne!(k(&["ab", "c"]), k(&["a", "bc"]));
        assert_eq!(k(&["ab", "c"]), k(&["ab", "c"]));
    }

    #[test]
    fn a_cache_for_another_folder_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("index.html"), "x").unwrap();
        let repo = dir.path().join("repo");
        Cache::new().save(&repo, &out).unwrap();
        let c = Cache::load(&repo, &out, "").expect("the cache of this folder loads");
        assert!(c.site_untouched(&out));
        std::fs::write(out.join("extra.html"), "y").unwrap();
        assert!(!c.site_untouched(&out), "an added file is noticed");
        // A new folder in the same place (another build swapped in) is not this cache's.
        std::fs::rename(&out, dir.path().join("moved")).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        assert!(Cache::load(&repo, &out, "").is_none());
    }

    #[test]
    fn a_cache_for_another_signing_key_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        std::fs::create_dir_all(&out).unwrap();
        let repo = dir.path().join("repo");
        let mut c = Cache::new();
        c.signing_key = "SHA256:old".into();
        c.save(&repo, &out).unwrap();
        assert!(Cache::load(&repo, &out, "SHA256:old").is_some());
        // A new key, or none: every pack must be signed again (or left unsigned).
        assert!(Cache::load(&repo, &out, "SHA256:new").is_none());
        assert!(Cache::load(&repo, &out, "").is_none());
    }

    #[test]
    fn caches_of_removed_sites_are_cleaned_up() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        Cache::new().save(&repo, &a).unwrap();
        Cache::new().save(&repo, &b).unwrap();
        assert!(path_for(&repo, &a).exists());
        std::fs::remove_dir_all(&a).unwrap();
        Cache::new().save(&repo, &b).unwrap();
        assert!(!path_for(&repo, &a).exists(), "a's cache is removed");
        assert!(path_for(&repo, &b).exists());
    }

    #[test]
    fn a_unit_naming_files_outside_its_month_is_not_reused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        std::fs::create_dir_all(out.join("a/2026-11")).unwrap();
        std::fs::create_dir_all(out.join("b")).unwrap();
        std::fs::write(out.join("a/2026-11/index.html"), "a").unwrap();
        std::fs::write(out.join("b/index.html"), "b").unwrap();
        let mut c = Cache::new();
        for f in ["a/2026-11/index.html", "b/index.html"] {
            c.files
                .insert(f.into(), FileStat::of(&out.join(f)).unwrap());
        }
        let unit = |files: &[&str]| MonthUnit {
            key: "k".into(),
            manifest_sha256: String::new(),
            files: files.iter().map(|f| f.to_string()).collect(),
        };
        c.months
            .insert("a/2026-11".into(), unit(&["a/2026-11/index.html"]));
        assert!(c.reusable(&out, "a/2026-11", "k").is_some());
        assert!(c.reusable(&out, "a/2026-11", "other key").is_none());
        c.months.insert(
            "a/2026-11".into(),
            unit(&["a/2026-11/index.html", "b/index.html"]),
        );
        assert!(c.reusable(&out, "a/2026-11", "k").is_none());
    }
}
