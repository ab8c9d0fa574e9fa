//! `custody build --out X` replaces X whole, so it must never be given a folder custody
//! did not write: the repository, an ancestor of it, `.git`, an input or generated
//! folder, a link to one, a file, the home folder, `/`, or a non-empty folder that is not
//! a custody site. Each case runs the real binary and checks exit 2, the reason, and that
//! everything around (the repository with its `.git` and an uncommitted file, the home
//! folder, unrelated files) is byte for byte as it was, with nothing added.

use assert_cmd::Command;
use custody::controls::testing::Fx;
use custody::website::output::{INVENTORY, MARKER, MARKER_TEXT};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A git repository with one client, committed, plus an uncommitted file; beside it an
/// unrelated file and a separate home folder (HOME for every run).
struct Fixture {
    _dir: tempfile::TempDir,
    _home: tempfile::TempDir,
    root: PathBuf,
    repo: PathBuf,
    home: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let home_dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let home = std::fs::canonicalize(home_dir.path()).unwrap();
    let repo = root.join("repo");
    Fx::new().with_prev().write_to(&repo, "acme");
    for (file, text) in [
        ("schema/client.schema.json", "{}\n"),
        ("docs/controls.md", "# controls\n"),
        ("site-templates/README.md", "overrides\n"),
        (".github/workflows/check.yml", "on: push\n"),
    ] {
        let p = repo.join(file);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let git = git2::Repository::init(&repo).unwrap();
    let mut index = git.index().unwrap();
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = git.find_tree(index.write_tree().unwrap()).unwrap();
    let sig =
        git2::Signature::new("MSP Engineer", "eng@msp.example", &git2::Time::new(0, 0)).unwrap();
    git.commit(Some("HEAD"), &sig, &sig, "policy", &tree, &[])
        .unwrap();
    std::fs::write(repo.join("uncommitted.txt"), "work in progress\n").unwrap();
    std::fs::write(root.join("unrelated.txt"), "not custody's\n").unwrap();
    std::fs::write(home.join(".profile"), "export A=1\n").unwrap();
    Fixture {
        _dir: dir,
        _home: home_dir,
        root,
        repo,
        home,
    }
}

impl Fixture {
    fn custody(&self) -> Command {
        let mut c = Command::cargo_bin("custody").unwrap();
        c.arg("--repo")
            .arg(&self.repo)
            .env("NO_COLOR", "1")
            .env("HOME", &self.home)
            .current_dir(&self.repo);
        c
    }

    /// Every entry under the fixture and the home folder: files with their bytes,
    /// folders, and links with their targets.
    fn snapshot(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for (tag, top) in [("root", &self.root), ("home", &self.home)] {
            for e in walkdir::WalkDir::new(top).min_depth(1) {
                let e = e.unwrap();
                let rel = format!("{tag}/{}", e.path().strip_prefix(top).unwrap().display());
                let t = e.file_type();
                let what = if t.is_symlink() {
                    format!("link {}", std::fs::read_link(e.path()).unwrap().display())
                } else if t.is_dir() {
                    "dir".to_owned()
                } else {
                    format!("file {:?}", std::fs::read(e.path()).unwrap())
                };
                out.insert(rel, what);
            }
        }
        out
    }

    /// `build --out OUT` (and any extra arguments) exits 2 naming `reason`, and
    /// changes nothing anywhere.
    fn refused(&self, out: impl AsRef<Path>, reason: &str) {
        self.refused_with(&["build"], out.as_ref(), reason);
    }

    /// `build --out OUT` succeeds.
    fn build_into(&self, out: &Path) {
        self.custody()
            .arg("build")
            .arg("--out")
            .arg(out)
            .assert()
            .code(0);
    }

    fn refused_with(&self, args: &[&str], out: &Path, reason: &str) {
        let before = self.snapshot();
        let o = self
            .custody()
            .args(args)
            .arg("--out")
            .arg(out)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{args:?} --out {}: {stderr}",
            out.display()
        );
        assert!(
            stderr.contains(&format!("{}: refusing to build here: ", out.display())),
            "the folder and the refusal are named: {stderr}"
        );
        assert!(stderr.contains(reason), "expected {reason:?} in: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        let after = self.snapshot();
        assert!(
            before == after,
            "--out {} changed files: {:?}",
            out.display(),
            diff(&before, &after)
        );
    }
}

fn diff(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in a {
        match b.get(k) {
            None => out.push(format!("removed {k}")),
            Some(w) if w != v => out.push(format!("changed {k}")),
            _ => {}
        }
    }
    out.extend(
        b.keys()
            .filter(|k| !a.contains_key(*k))
            .map(|k| format!("added {k}")),
    );
    out
}

#[test]
fn building_into_the_repository_itself_is_refused() {
    let fx = fixture();
    fx.refused(&fx.repo, "is the repository itself");
    fx.refused(".", "is the repository itself");
    fx.refused("site/..", "is the repository itself");
    fx.refused(fx.repo.join("./"), "is the repository itself");
}

#[test]
fn building_into_a_folder_containing_the_repository_is_refused() {
    let fx = fixture();
    fx.refused(&fx.root, "contains the repository");
    fx.refused("..", "contains the repository");
    fx.refused(fx.repo.join("clients/../.."), "contains the repository");
}

#[test]
fn building_into_or_inside_git_is_refused() {
    let fx = fixture();
    for out in [".git", ".git/objects", ".git/new-site", "clients/.git"] {
        fx.refused(out, "is inside a .git folder");
    }
}

#[test]
fn building_into_a_git_folder_kept_elsewhere_is_refused() {
    // A worktree, a submodule or `git init --separate-git-dir`: `.git` is a file naming
    // the real git folder, which has another name.
    let fx = fixture();
    let store = fx.root.join("store");
    std::fs::rename(fx.repo.join(".git"), &store).unwrap();
    std::fs::write(fx.repo.join(".git"), "gitdir: ../store\n").unwrap();
    git2::Repository::open(&fx.repo).expect("the repository opens through the .git file");
    fx.refused(&store, "is the git folder");
    fx.refused(store.join("objects"), "is inside the git folder");
    fx.refused(store.join("new-site"), "is inside the git folder");
}

#[test]
fn building_into_an_input_or_generated_folder_is_refused() {
    let fx = fixture();
    for dir in [
        "clients",
        "evidence",
        "site-templates",
        "schema",
        "docs",
        ".github",
    ] {
        fx.refused(dir, &format!("is {dir}/ of the repository"));
        fx.refused(fx.repo.join(dir), &format!("is {dir}/ of the repository"));
    }
    // The caches are custody's own state, and name every client.
    std::fs::create_dir_all(fx.repo.join(".custody-cache")).unwrap();
    fx.refused(".custody-cache", "is .custody-cache/ of the repository");
}

#[test]
fn building_inside_an_input_or_generated_folder_is_refused() {
    let fx = fixture();
    for (out, dir) in [
        ("clients/preview", "clients"),
        ("clients/acme", "clients"),
        ("evidence/acme/site", "evidence"),
        ("site-templates/out", "site-templates"),
        ("schema/site", "schema"),
        ("docs/site", "docs"),
        ("site/../clients/new", "clients"),
        ("./evidence/./x/../y", "evidence"),
    ] {
        fx.refused(out, &format!("is inside {dir}/ of the repository"));
    }
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_as_output_is_refused_and_names_where_it_leads() {
    let fx = fixture();
    let link = |name: &str, to: &Path| {
        let p = fx.root.join(name);
        std::os::unix::fs::symlink(to, &p).unwrap();
        p
    };
    let to_evidence = link("to-evidence", &fx.repo.join("evidence"));
    fx.refused(&to_evidence, "is evidence/ of the repository");
    let to_repo = link("to-repo", &fx.repo);
    fx.refused(&to_repo, "is the repository itself");
    fx.refused(to_repo.join("clients"), "is clients/ of the repository");
    let to_git = link("to-git", &fx.repo.join(".git"));
    fx.refused(&to_git, "is inside a .git folder");
    // A link to a harmless empty folder is still refused: the build would swap away
    // the link, not fill the folder.
    std::fs::create_dir(fx.root.join("empty")).unwrap();
    let to_empty = link("to-empty", &fx.root.join("empty"));
    fx.refused(&to_empty, "is a symbolic link");
    // A link inside the repository to a folder outside protects nothing by being
    // outside: `clients` leading elsewhere is still clients/.
    let elsewhere = fx.root.join("policies");
    std::fs::rename(fx.repo.join("site-templates"), &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, fx.repo.join("site-templates")).unwrap();
    fx.refused(&elsewhere, "is site-templates/ (at");
    fx.refused(elsewhere.join("sub"), "is inside site-templates/ (at");
}

#[test]
fn a_file_as_output_is_refused() {
    let fx = fixture();
    fx.refused("uncommitted.txt", "is a file, not a folder");
    fx.refused(fx.root.join("unrelated.txt"), "is a file, not a folder");
    // Below a file: not a folder either, and never a panic.
    fx.refused("uncommitted.txt/site", "cannot inspect it");
}

#[test]
fn the_home_folder_and_the_file_system_root_are_refused() {
    let fx = fixture();
    fx.refused(&fx.home, "is your home folder");
    fx.refused(fx.home.parent().unwrap(), "contains your home folder");
    fx.refused("/", "is the root of the file system");
}

#[test]
fn a_non_empty_folder_that_is_not_a_custody_site_is_refused() {
    let fx = fixture();
    let notes = fx.root.join("notes");
    std::fs::create_dir_all(notes.join("2026")).unwrap();
    std::fs::write(notes.join("2026/plan.md"), "mine\n").unwrap();
    fx.refused(&notes, "is not empty and is not a site custody built");
    fx.refused(&notes, "Give a new or empty folder");
    // A page that only looks like a site (index.html, a client-like folder) is not one.
    let lookalike = fx.root.join("public");
    std::fs::create_dir_all(lookalike.join("acme")).unwrap();
    std::fs::write(lookalike.join("index.html"), "<h1>my blog</h1>\n").unwrap();
    std::fs::write(lookalike.join("acme/index.html"), "<h1>acme</h1>\n").unwrap();
    fx.refused(&lookalike, "it has no .custody-site marker");
    // A non-empty folder inside the repository that custody never wrote (src/, target/).
    std::fs::create_dir_all(fx.repo.join("tools")).unwrap();
    std::fs::write(fx.repo.join("tools/gen.py"), "print(1)\n").unwrap();
    fx.refused("tools", "is not empty and is not a site custody built");
}

#[test]
fn a_site_holding_files_custody_did_not_write_is_refused() {
    let fx = fixture();
    let site = fx.root.join("site");
    fx.build_into(&site);
    for (foreign, named) in [
        ("CNAME", "CNAME"),
        (".git/HEAD", ".git"),
        ("acme/notes.txt", "acme/notes.txt"),
        ("acme/2026-11/drafts/x.md", "acme/2026-11/drafts"),
        ("README.md", "README.md"),
    ] {
        let p = site.join(foreign);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, "mine\n").unwrap();
        fx.refused(
            &site,
            &format!("holds {named}, which custody did not write"),
        );
        std::fs::remove_file(&p).unwrap();
        let parent = p.parent().unwrap();
        if parent != site && std::fs::read_dir(parent).unwrap().next().is_none() {
            std::fs::remove_dir(parent).unwrap();
        }
    }
    // Nothing foreign left: the site builds again.
    fx.build_into(&site);
}

/// Red team: files put where custody writes files of its own (`assets/`, `controls/`, a
/// month folder, a client's `assets/`, a folder named like a client) were deleted by the
/// next build. The site's file list (`.custody-files`) says what custody wrote; anything
/// else is refused, named, and left as it is.
#[test]
fn files_put_where_custody_writes_its_own_are_never_deleted() {
    let fx = fixture();
    let site = fx.root.join("site");
    fx.build_into(&site);
    for foreign in [
        "assets/company-logo.png",
        "controls/notes.md",
        "acme/2026-11/mynote.txt",
        "acme/assets/x.css",
        "acme/controls/extra.html",
        "archive/index.html",
        "reports/2025-01/q1.pdf",
    ] {
        let p = site.join(foreign);
        let new_dirs: Vec<PathBuf> = p
            .ancestors()
            .skip(1)
            .take_while(|a| !a.exists())
            .map(Path::to_path_buf)
            .collect();
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, "mine\n").unwrap();
        fx.refused(
            &site,
            &format!("holds {foreign}, which custody did not write"),
        );
        std::fs::remove_file(&p).unwrap();
        for d in new_dirs {
            std::fs::remove_dir(d).unwrap();
        }
    }
    // Nothing foreign left: the site builds again.
    fx.build_into(&site);
}

/// The file list names every file of the site and nothing else, and a site without it
/// (built by an older custody, or a folder that merely holds a marker) is not replaced:
/// custody cannot tell its files from anyone else's there.
#[test]
fn a_site_without_its_file_list_is_not_replaced() {
    let fx = fixture();
    let site = fx.root.join("site");
    fx.build_into(&site);
    let list = std::fs::read_to_string(site.join(INVENTORY)).unwrap();
    let mut listed: Vec<&str> = list.lines().skip(1).collect();
    let mut files: Vec<String> = walkdir::WalkDir::new(&site)
        .min_depth(1)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(&site).unwrap().display().to_string())
        .filter(|f| f != MARKER && f != INVENTORY)
        .collect();
    files.sort();
    listed.sort();
    assert_eq!(listed, files);
    assert!(listed.contains(&"acme/2026-11/index.html"), "{listed:?}");
    for leak in [fx.root.to_str().unwrap(), env!("CARGO_PKG_VERSION")] {
        assert!(!list.contains(leak), "the list names {leak:?}");
    }

    std::fs::remove_file(site.join(INVENTORY)).unwrap();
    fx.refused(&site, "kept no list of the files it wrote");

    // A folder that merely holds the marker, with files in custody's layout.
    let forged = fx.root.join("forged");
    for (f, text) in [
        (MARKER, MARKER_TEXT),
        ("assets/notes.txt", "mine\n"),
        ("controls/mine.html", "<p>mine</p>\n"),
    ] {
        let p = forged.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    fx.refused(&forged, "kept no list of the files it wrote");
}

#[test]
fn a_client_build_into_the_repository_is_refused_before_anything_else() {
    let fx = fixture();
    fx.refused_with(
        &["build", "--client", "acme"],
        &fx.repo,
        "is the repository itself",
    );
    fx.refused_with(
        &["build", "--no-cache"],
        Path::new("clients"),
        "is clients/",
    );
}

#[test]
fn every_site_custody_builds_is_marked_and_the_marker_names_nothing() {
    let fx = fixture();
    // The default output, twice (the second build recognises its own site).
    for _ in 0..2 {
        fx.custody().arg("build").assert().code(0);
    }
    let standalone = fx.root.join("acme-only");
    fx.custody()
        .args(["build", "--client", "acme", "--out"])
        .arg(&standalone)
        .assert()
        .code(0);
    for site in [fx.repo.join("site"), standalone] {
        let marker = std::fs::read_to_string(site.join(MARKER)).unwrap();
        assert_eq!(marker, MARKER_TEXT);
        for leak in [
            fx.root.to_str().unwrap(),
            "acme",
            "repo",
            env!("CARGO_PKG_VERSION"),
        ] {
            assert!(!marker.contains(leak), "the marker names {leak:?}");
        }
    }
    // An empty folder is fine too.
    let empty = fx.root.join("empty");
    std::fs::create_dir(&empty).unwrap();
    fx.custody()
        .arg("build")
        .arg("--out")
        .arg(&empty)
        .assert()
        .code(0);
    assert!(empty.join(MARKER).is_file());
}

#[test]
fn a_site_built_before_the_marker_existed_is_recognised_and_marked() {
    let fx = fixture();
    let site = fx.repo.join("site");
    fx.custody().arg("build").assert().code(0);
    // A site in custody's layout, with its file list, whose marker went missing.
    std::fs::remove_file(site.join(MARKER)).unwrap();
    fx.custody().args(["build", "--no-cache"]).assert().code(0);
    assert_eq!(
        std::fs::read_to_string(site.join(MARKER)).unwrap(),
        MARKER_TEXT
    );

    // Only while its pages carry custody's generator tag: otherwise it is refused.
    std::fs::remove_file(site.join(MARKER)).unwrap();
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    std::fs::write(
        site.join("index.html"),
        index.replace("name=\"generator\"", "name=\"author\""),
    )
    .unwrap();
    fx.refused("site", "it has no .custody-site marker");
}
