//! Which folders a build may replace. A build swaps its output folder whole, so before
//! anything is written the folder is checked: never the repository, an ancestor of it,
//! a git folder, an input folder or the user's home, never a symbolic link or a file,
//! and never an existing folder holding anything custody did not write. Custody marks
//! every site it builds with [`MARKER`]; a site from a custody that predates the marker
//! is recognised by its layout and its pages' generator tag.

use crate::client_id::ClientId;
use crate::month::Month;
use std::fmt;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Why a build refuses an output folder. Each message ends with what to do instead.
#[derive(Debug)]
pub enum Refusal {
    Empty,
    /// The path cannot be made absolute (the current folder is gone).
    Unresolvable,
    Inspect(std::io::Error),
    /// A symbolic link (to the resolved path).
    Link {
        to: PathBuf,
    },
    File,
    Unreadable(std::io::Error),
    /// Not empty and not a site custody built.
    NotASite,
    /// A site custody built, holding `entry` that custody did not write.
    Foreign {
        entry: String,
    },
    /// A site custody built before it kept the list of its files ([`INVENTORY`]): what in
    /// it is custody's cannot be told from what someone put there.
    NoInventory,
    Root,
    Home,
    ContainsHome {
        home: PathBuf,
    },
    Repository,
    ContainsRepository {
        repo: PathBuf,
    },
    InsideGit,
    /// One of the repository's protected folders (`name` says which, and where).
    IsProtected {
        name: String,
    },
    InsideProtected {
        name: String,
    },
    ContainsProtected {
        name: String,
    },
}

const CHOOSE: &str = "Choose a new or empty folder for the site, such as the default site/";

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Empty => f.write_str("is empty: give the folder to build into"),
            Refusal::Unresolvable => {
                f.write_str("cannot be resolved to an absolute path (is the current folder gone?)")
            }
            Refusal::Inspect(e) => write!(f, "cannot inspect it: {e}"),
            Refusal::Link { to } => write!(
                f,
                "is a symbolic link (to {}): a build replaces the folder itself, not what it \
                 points to. Give the folder it points to, or a new folder",
                to.display()
            ),
            Refusal::File => f.write_str(
                "is a file, not a folder: a build would replace it. Give a new or empty folder",
            ),
            Refusal::Unreadable(e) => write!(f, "cannot read the folder: {e}"),
            Refusal::NotASite => write!(
                f,
                "is not empty and is not a site custody built (it has no {MARKER} marker): a \
                 build replaces the folder whole and would delete what is in it. Give a new or \
                 empty folder, or move its contents away first"
            ),
            Refusal::Foreign { entry } => write!(
                f,
                "holds {entry}, which custody did not write: a build replaces the site \
                 folder whole and would delete it. Move it out of the site, or give another \
                 folder"
            ),
            Refusal::NoInventory => write!(
                f,
                "was built by a custody that kept no list of the files it wrote ({INVENTORY}), \
                 so custody cannot tell your files from its own and will not replace it. Move \
                 anything of yours out of it, delete the folder, and build again"
            ),
            Refusal::Root => write!(f, "is the root of the file system. {CHOOSE}"),
            Refusal::Home => write!(f, "is your home folder. {CHOOSE}"),
            Refusal::ContainsHome { home } => {
                write!(f, "contains your home folder {}. {CHOOSE}", home.display())
            }
            Refusal::Repository => write!(
                f,
                "is the repository itself: a build replaces its output folder whole and \
                 would delete the repository. {CHOOSE}"
            ),
            Refusal::ContainsRepository { repo } => write!(
                f,
                "contains the repository {}: a build replaces its output folder whole \
                 and would delete it. {CHOOSE}",
                repo.display()
            ),
            Refusal::InsideGit => write!(f, "is inside a .git folder. {CHOOSE}"),
            Refusal::IsProtected { name } => write!(
                f,
                "is {name} of the repository, which a build must never replace. {CHOOSE}"
            ),
            Refusal::InsideProtected { name } => {
                write!(f, "is inside {name} of the repository. {CHOOSE}")
            }
            Refusal::ContainsProtected { name } => write!(
                f,
                "contains {name} of the repository, which a build must never replace. \
                 {CHOOSE}"
            ),
        }
    }
}

impl std::error::Error for Refusal {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Refusal::Inspect(e) | Refusal::Unreadable(e) => Some(e),
            _ => None,
        }
    }
}

/// The file at the root of every site (and staging folder) custody writes.
pub const MARKER: &str = ".custody-site";

/// The marker's bytes: the same in every site, naming no path, client or version, so
/// builds stay byte-identical and a published site tells nothing about its origin.
pub const MARKER_TEXT: &str = "custody site\n\
This folder was written by `custody build`, which replaces it whole at the next build.\n\
Keep nothing else in it: custody refuses to replace a folder holding files it did not write.\n";

/// The list of every file a build wrote, beside the marker: a rebuild replaces a site
/// only when each file in it is on that list, so a file someone put anywhere in the
/// site (even where custody writes files of its own, such as `assets/`) is never
/// deleted. Written last, after every other file of the staged site; deterministic
/// (sorted paths), so builds stay byte-identical.
pub const INVENTORY: &str = ".custody-files";

/// The inventory's first line; each further line is one site-relative path with `/`.
const INVENTORY_HEAD: &str =
    "custody site files: every file custody wrote in this folder, one per line";

/// The inventory of `files` (site-relative, `/`-separated).
pub fn inventory_text(mut files: Vec<String>) -> String {
    files.sort();
    let mut out = String::with_capacity(files.iter().map(|f| f.len() + 1).sum::<usize>() + 80);
    out.push_str(INVENTORY_HEAD);
    out.push('\n');
    for f in files {
        out.push_str(&f);
        out.push('\n');
    }
    out
}

/// The files the inventory of `dir` lists, or `None` when it has none (absent, a link,
/// unreadable, or without the first line).
fn read_inventory(dir: &Path) -> Option<std::collections::HashSet<String>> {
    let path = dir.join(INVENTORY);
    if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let mut lines = text.lines();
    (lines.next()? == INVENTORY_HEAD).then(|| lines.map(str::to_owned).collect())
}

/// An entry of a site that is neither a regular file nor a folder, or cannot be read
/// or named: custody writes none, so it is never on a site's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAFile {
    /// Site-relative (shown lossily when not UTF-8), or "an unreadable entry".
    pub entry: String,
}

impl fmt::Display for NotAFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.entry)
    }
}

impl std::error::Error for NotAFile {}

/// The regular files of `dir` (site-relative, `/`-separated, sorted), without the
/// marker and the inventory; `Err` names the first entry that is neither a file nor a
/// folder, or cannot be read.
pub fn site_files(dir: &Path) -> Result<Vec<String>, NotAFile> {
    let mut files = Vec::new();
    for e in walkdir::WalkDir::new(dir).min_depth(1).sort_by_file_name() {
        let e = e.map_err(|_| NotAFile {
            entry: "an unreadable entry".to_owned(),
        })?;
        let rel = e.path().strip_prefix(dir).unwrap_or(e.path());
        let Some(rel) = rel.to_str().map(|r| r.replace('\\', "/")) else {
            return Err(NotAFile {
                entry: rel.to_string_lossy().into_owned(),
            });
        };
        let t = e.file_type();
        if t.is_dir() {
            continue;
        }
        if !t.is_file() {
            return Err(NotAFile { entry: rel });
        }
        if rel != MARKER && rel != INVENTORY {
            files.push(rel);
        }
    }
    Ok(files)
}

/// The first file of `dir` its inventory does not list (or that is not a file).
fn unlisted_file(dir: &Path, listed: &std::collections::HashSet<String>) -> Option<String> {
    match site_files(dir) {
        Ok(files) => files.into_iter().find(|f| !listed.contains(f)),
        Err(e) => Some(e.entry),
    }
}

/// Folders of the repository a site must never be, contain or be inside: the inputs,
/// what is generated from them and committed, git's and custody's own state.
pub const PROTECTED: [&str; 8] = [
    "clients",
    "evidence",
    "site-templates",
    "schema",
    "docs",
    ".git",
    ".github",
    crate::website::cache::DIR,
];

/// The generator tag of every page custody renders (templates/base.html): how a site
/// built before the marker existed is recognised.
const GENERATOR: &[u8] = b"<meta name=\"generator\" content=\"custody ";

/// Checks that a build may replace `out` (see the module header); the absolute path to
/// build into, or the reason to refuse, which ends with what to do instead.
pub fn check(repo: &Path, out: &Path) -> Result<PathBuf, Refusal> {
    if out.as_os_str().is_empty() {
        return Err(Refusal::Empty);
    }
    let abs = resolve(out);
    if !abs.is_absolute() {
        return Err(Refusal::Unresolvable);
    }
    refuse_protected(repo, &abs)?;
    // The path as given, without `.` or a trailing slash (which would follow a link).
    let given: PathBuf = out.components().collect();
    let meta = match std::fs::symlink_metadata(&given) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(abs),
        Err(e) => return Err(Refusal::Inspect(e)),
    };
    if meta.file_type().is_symlink() {
        return Err(Refusal::Link { to: abs });
    }
    if !meta.is_dir() {
        return Err(Refusal::File);
    }
    let mut entries = std::fs::read_dir(&abs).map_err(Refusal::Unreadable)?;
    if entries.next().is_none() {
        return Ok(abs);
    }
    if !is_marked(&abs) && !is_pre_marker_site(&abs) {
        return Err(Refusal::NotASite);
    }
    if let Some(entry) = foreign_entry(&abs) {
        return Err(Refusal::Foreign { entry });
    }
    let Some(listed) = read_inventory(&abs) else {
        return Err(Refusal::NoInventory);
    };
    if let Some(entry) = unlisted_file(&abs, &listed) {
        return Err(Refusal::Foreign { entry });
    }
    Ok(abs)
}

/// Whether `dir` is a site (or staging folder) custody wrote and may remove: marked, or
/// recognised as a site from before the marker, and holding nothing else.
///
/// A folder with an inventory must hold nothing it does not list; one without (a
/// staging folder whose build was killed before it finished) is judged by its layout.
pub fn is_custody_site(dir: &Path) -> bool {
    let is_dir = std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir());
    is_dir
        && (is_marked(dir) || is_pre_marker_site(dir))
        && foreign_entry(dir).is_none()
        && read_inventory(dir).is_none_or(|listed| unlisted_file(dir, &listed).is_none())
}

/// The marker is present: a regular file (not a link) with custody's first line.
fn is_marked(dir: &Path) -> bool {
    let path = dir.join(MARKER);
    if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let first = MARKER_TEXT.lines().next().unwrap_or_default();
    head(&path, 64).is_some_and(|h| h.starts_with(first.as_bytes()))
}

/// A site from a custody without the marker: nothing but custody's layout, and its
/// portfolio page (or, for a standalone site, every client page) carries custody's
/// generator tag. Conservative on purpose: anything else is refused, never removed.
fn is_pre_marker_site(dir: &Path) -> bool {
    if foreign_entry(dir).is_some() {
        return false;
    }
    let root = dir.join("index.html");
    let pages: Vec<PathBuf> = if root.is_file() {
        vec![root]
    } else {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return false;
        };
        entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter(|e| e.file_name().to_str().is_some_and(is_client_dir))
            .map(|e| e.path().join("index.html"))
            .collect()
    };
    !pages.is_empty()
        && pages.iter().all(|p| {
            head(p, 4096).is_some_and(|h| h.windows(GENERATOR.len()).any(|w| w == GENERATOR))
        })
}

fn is_client_dir(name: &str) -> bool {
    name != "assets" && name != "controls" && ClientId::parse(name).is_ok()
}

/// The first `n` bytes of a file.
fn head(path: &Path, n: u64) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(n)
        .read_to_end(&mut bytes)
        .ok()?;
    Some(bytes)
}

/// The first entry of `dir` (site-relative) that custody does not write, if any.
/// Custody writes only regular files and folders, in this layout:
/// `.custody-site`, `index.html`, `assets/…`, `controls/…` and client folders holding
/// `index.html`, `assets/…`, `controls/…` and month folders of files.
fn foreign_entry(dir: &Path) -> Option<String> {
    let entries = match sorted_entries(dir) {
        Ok(e) => e,
        Err(unlisted) => return Some(unlisted.to_string()),
    };
    for (name, kind) in entries {
        let foreign = match (name.as_str(), kind) {
            (MARKER | INVENTORY | "index.html", Kind::File) => None,
            ("assets" | "controls", Kind::Dir) => {
                foreign_in_tree(&dir.join(&name)).map(|sub| format!("{name}/{sub}"))
            }
            (n, Kind::Dir) if is_client_dir(n) => {
                foreign_in_client(&dir.join(n)).map(|sub| format!("{n}/{sub}"))
            }
            _ => Some(name.clone()),
        };
        if foreign.is_some() {
            return foreign;
        }
    }
    None
}

fn foreign_in_client(dir: &Path) -> Option<String> {
    let entries = match sorted_entries(dir) {
        Ok(e) => e,
        Err(unlisted) => return Some(unlisted.to_string()),
    };
    for (name, kind) in entries {
        let foreign = match (name.as_str(), kind) {
            ("index.html", Kind::File) => None,
            ("assets" | "controls", Kind::Dir) => {
                foreign_in_tree(&dir.join(&name)).map(|sub| format!("{name}/{sub}"))
            }
            (n, Kind::Dir) if Month::parse(n).is_ok() => match sorted_entries(&dir.join(n)) {
                Ok(files) => files
                    .into_iter()
                    .find(|(_, k)| *k != Kind::File)
                    .map(|(f, _)| format!("{n}/{f}")),
                Err(e) => Some(format!("{n}/{e}")),
            },
            _ => Some(name.clone()),
        };
        if foreign.is_some() {
            return foreign;
        }
    }
    None
}

/// Anything in the subtree that is neither a regular file nor a folder (a link, a
/// socket), relative to `dir`.
fn foreign_in_tree(dir: &Path) -> Option<String> {
    for e in walkdir::WalkDir::new(dir).min_depth(1).sort_by_file_name() {
        let Ok(e) = e else {
            return Some("an unreadable entry".into());
        };
        let t = e.file_type();
        if !t.is_file() && !t.is_dir() {
            let rel = e.path().strip_prefix(dir).unwrap_or(e.path());
            return Some(rel.display().to_string());
        }
    }
    None
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    Other,
}

/// An entry a folder listing cannot name: it counts as foreign (custody writes none).
enum Unlisted {
    Folder,
    Entry,
    /// A name that is not UTF-8 (shown lossily).
    NotUtf8(String),
}

impl fmt::Display for Unlisted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unlisted::Folder => f.write_str("an unreadable folder"),
            Unlisted::Entry => f.write_str("an unreadable entry"),
            Unlisted::NotUtf8(name) => f.write_str(name),
        }
    }
}

/// The entries of a folder, by name, with their kind (links are `Other`, never
/// followed); `Err` names an entry that cannot be read or whose name is not UTF-8.
fn sorted_entries(dir: &Path) -> Result<Vec<(String, Kind)>, Unlisted> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|_| Unlisted::Folder)? {
        let e = e.map_err(|_| Unlisted::Entry)?;
        let name = e.file_name();
        let Some(name) = name.to_str() else {
            return Err(Unlisted::NotUtf8(name.to_string_lossy().into_owned()));
        };
        let kind = match e.file_type() {
            Ok(t) if t.is_file() => Kind::File,
            Ok(t) if t.is_dir() => Kind::Dir,
            _ => Kind::Other,
        };
        out.push((name.to_owned(), kind));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Refuses the file system root, the home folder, the repository, anything containing
/// them, anything inside a git folder and the repository's protected folders (and
/// where they lead, when they are links).
fn refuse_protected(repo: &Path, abs: &Path) -> Result<(), Refusal> {
    if abs.parent().is_none() {
        return Err(Refusal::Root);
    }
    if let Some(home) = home_dir()
        && home.starts_with(abs)
    {
        return Err(if home == abs {
            Refusal::Home
        } else {
            Refusal::ContainsHome { home }
        });
    }
    let repo = resolve(repo);
    if repo.starts_with(abs) {
        return Err(if repo == abs {
            Refusal::Repository
        } else {
            Refusal::ContainsRepository { repo }
        });
    }
    if abs
        .components()
        .any(|c| c == Component::Normal(".git".as_ref()))
    {
        return Err(Refusal::InsideGit);
    }
    let mut protected: Vec<(String, PathBuf)> = Vec::new();
    for name in PROTECTED {
        let path = repo.join(name);
        protected.push((format!("{name}/"), path.clone()));
        // A protected folder that is a link (or, for `.git`, a worktree's pointer file)
        // protects where it leads too.
        if let Ok(target) = std::fs::canonicalize(&path)
            && target != path
        {
            protected.push((format!("{name}/ (at {})", target.display()), target));
        }
    }
    for dir in git_dirs(&repo) {
        protected.push((format!("the git folder {}", dir.display()), dir));
    }
    for (name, dir) in &protected {
        let name = name.clone();
        if abs == dir {
            return Err(Refusal::IsProtected { name });
        }
        if abs.starts_with(dir) {
            return Err(Refusal::InsideProtected { name });
        }
        if dir.starts_with(abs) {
            return Err(Refusal::ContainsProtected { name });
        }
    }
    Ok(())
}

/// Where git keeps the repository's data when `.git` is a file (a worktree or a
/// submodule): the folder it names and that folder's common folder.
fn git_dirs(repo: &Path) -> Vec<PathBuf> {
    let dot_git = repo.join(".git");
    if !std::fs::symlink_metadata(&dot_git).is_ok_and(|m| m.is_file()) {
        return Vec::new();
    }
    let Some(text) = head(&dot_git, 4096).and_then(|b| String::from_utf8(b).ok()) else {
        return Vec::new();
    };
    let Some(dir) = text.lines().find_map(|l| l.strip_prefix("gitdir:")) else {
        return Vec::new();
    };
    let dir = resolve(&repo.join(dir.trim()));
    let mut out = vec![dir.clone()];
    if let Some(common) = head(&dir.join("commondir"), 4096)
        .and_then(|b| String::from_utf8(b).ok())
        .map(|c| resolve(&dir.join(c.trim())))
    {
        out.push(common);
    }
    out
}

fn home_dir() -> Option<PathBuf> {
    let home = std::env::var_os(if cfg!(windows) { "USERPROFILE" } else { "HOME" })?;
    let home = PathBuf::from(home);
    (home.is_absolute() && home.parent().is_some()).then(|| resolve(&home))
}

/// An absolute path with symlinks and `..` resolved as far as it exists, the rest
/// appended as written (the output folder may not exist yet).
pub fn resolve(path: &Path) -> PathBuf {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    loop {
        if let Ok(canon) = std::fs::canonicalize(&existing) {
            let mut out = canon;
            for part in rest.iter().rev() {
                if part == ".." {
                    out.pop();
                } else if part != "." {
                    out.push(part);
                }
            }
            return out;
        }
        let Some(last) = existing.file_name().map(|n| n.to_owned()).or_else(|| {
            existing
                .ends_with("..")
                .then(|| std::ffi::OsString::from(".."))
        }) else {
            return path.to_path_buf();
        };
        rest.push(last);
        if !existing.pop() || existing.as_os_str().is_empty() {
            existing = PathBuf::from(".");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_makes_a_not_yet_existing_path_absolute() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir(root.join("clients")).unwrap();
        let p = dir.path().join("site/../clients/new/site");
        assert_eq!(resolve(&p), root.join("clients/new/site"));
        assert_eq!(resolve(&root.join("clients")), root.join("clients"));
        let cwd = std::env::current_dir().unwrap().canonicalize().unwrap();
        assert_eq!(
            resolve(Path::new("no-such-dir/x")),
            cwd.join("no-such-dir/x")
        );
    }

    fn site(dir: &Path) {
        std::fs::create_dir_all(dir.join("acme/2026-05")).unwrap();
        std::fs::create_dir_all(dir.join("acme/assets")).unwrap();
        std::fs::create_dir_all(dir.join("controls")).unwrap();
        let page = "<!doctype html>\n<meta name=\"generator\" content=\"custody 0.1.0\">";
        std::fs::write(dir.join("index.html"), page).unwrap();
        std::fs::write(dir.join("acme/index.html"), page).unwrap();
        std::fs::write(dir.join("acme/assets/logo.svg"), "<svg/>").unwrap();
        std::fs::write(dir.join("acme/2026-05/index.html"), page).unwrap();
        std::fs::write(dir.join("acme/2026-05/acme-2026-05.zip"), "zip").unwrap();
        std::fs::write(dir.join("controls/x.html"), page).unwrap();
    }

    #[test]
    fn a_site_is_custodys_when_marked_or_in_the_old_layout_and_holding_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let s = dir.path().join("site");
        site(&s);
        assert!(
            is_custody_site(&s),
            "the layout of a site from before the marker"
        );
        std::fs::write(s.join(MARKER), MARKER_TEXT).unwrap();
        assert!(is_custody_site(&s));
        for foreign in ["CNAME", "acme/notes.txt", "acme/2026-05/sub/x"] {
            let p = s.join(foreign);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, "mine").unwrap();
            assert!(!is_custody_site(&s), "{foreign}");
            assert!(
                foreign_entry(&s).is_some_and(|f| foreign.starts_with(&f)),
                "{foreign}: {:?}",
                foreign_entry(&s)
            );
            std::fs::remove_file(&p).unwrap();
        }
        std::fs::remove_dir(s.join("acme/2026-05/sub")).unwrap();
        std::fs::create_dir(s.join(".git")).unwrap();
        assert_eq!(foreign_entry(&s).as_deref(), Some(".git"));
        std::fs::remove_dir(s.join(".git")).unwrap();
        assert!(is_custody_site(&s));
    }

    #[test]
    fn an_unmarked_folder_without_the_generator_tag_is_not_a_site() {
        let dir = tempfile::tempdir().unwrap();
        let s = dir.path().join("site");
        site(&s);
        std::fs::write(s.join("index.html"), "<h1>my own page</h1>").unwrap();
        assert!(!is_custody_site(&s));
        // A forged marker with the wrong text is no marker.
        std::fs::write(s.join(MARKER), "something else").unwrap();
        assert!(!is_custody_site(&s));
        std::fs::write(s.join(MARKER), MARKER_TEXT).unwrap();
        assert!(is_custody_site(&s));
    }

    #[cfg(unix)]
    #[test]
    fn a_link_anywhere_in_a_site_is_foreign() {
        let dir = tempfile::tempdir().unwrap();
        let s = dir.path().join("site");
        site(&s);
        std::fs::write(s.join(MARKER), MARKER_TEXT).unwrap();
        std::os::unix::fs::symlink(dir.path(), s.join("acme/assets/up")).unwrap();
        assert_eq!(foreign_entry(&s).as_deref(), Some("acme/assets/up"));
    }

    #[test]
    fn the_marker_names_no_path_and_no_version() {
        assert!(!MARKER_TEXT.contains('/') && !MARKER_TEXT.contains('\\'));
        assert!(!MARKER_TEXT.contains(crate::VERSION));
    }
}
