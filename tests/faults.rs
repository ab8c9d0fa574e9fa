//! Faults during `custody build`: a build killed at random points, and a build that runs
//! out of space, must leave the previous site byte for byte as it was (or, for a kill
//! after the swap, the complete new one), never a mix, and a full disk must be a clear
//! error with exit 2.

#[path = "support/files.rs"]
mod files;

use custody::controls::testing::Fx;
use files::{Tree, tree};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn repo(dir: &Path, notes: &str) -> PathBuf {
    let root = dir.join("repo");
    for id in ["acme", "globex"] {
        Fx::new()
            .with_prev()
            .policy("notes.md", notes)
            .write_to(&root, id);
    }
    root
}

fn build_cmd(root: &Path, out: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_custody"));
    c.arg("--repo")
        .arg(root)
        .arg("build")
        .arg("--out")
        .arg(out)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

fn build(root: &Path, out: &Path) -> Tree {
    let o = build_cmd(root, out).output().unwrap();
    assert!(
        o.status.success() || o.status.code() == Some(1),
        "build failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    tree(out)
}

/// A small deterministic generator, so a failing delay can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below.max(1)
    }
}

fn describe(t: &Tree, a: &Tree, b: &Tree) -> String {
    let only: Vec<&String> = t.keys().filter(|k| !a.contains_key(*k)).take(5).collect();
    let missing: Vec<&String> = a.keys().filter(|k| !t.contains_key(*k)).take(5).collect();
    format!(
        "{} files; vs old: extra {only:?}, missing {missing:?}; equal to new: {}",
        t.len(),
        t == b
    )
}

#[cfg(unix)]
#[test]
fn a_build_killed_at_random_points_leaves_the_old_or_the_new_site_never_a_mix() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let versions: Vec<(PathBuf, Tree)> = ["first notes", "second notes, longer"]
        .iter()
        .enumerate()
        .map(|(i, notes)| {
            let vdir = dir.path().join(format!("v{i}"));
            let root = repo(&vdir, notes);
            let reference = build(&root, &vdir.join("reference-site"));
            (root, reference)
        })
        .collect();
    assert_ne!(versions[0].1, versions[1].1, "the two versions must differ");

    let t = Instant::now();
    let mut current = build(&versions[0].0, &site);
    let build_time = t.elapsed().as_millis() as u64;
    assert_eq!(current, versions[0].1, "builds are deterministic");

    let seed = 0x5eed_c0de;
    let mut rng = Lcg(seed);
    let mut outcomes = BTreeMap::new();
    for round in 0..16 {
        let target = if current == versions[0].1 { 1 } else { 0 };
        let before = current.clone();
        let delay = rng.next(build_time * 3 / 2 + 5);
        let mut child = build_cmd(&versions[target].0, &site).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill(); // SIGKILL: no cleanup runs
        let status = child.wait().unwrap();
        current = tree(&site);
        let which = if current == before {
            "old"
        } else if current == versions[target].1 {
            "new"
        } else {
            panic!(
                "round {round} (seed {seed:#x}, kill after {delay} ms, {status}): the site is a mix: {}",
                describe(&current, &before, &versions[target].1)
            );
        };
        *outcomes.entry(which).or_insert(0) += 1;
    }
    // Staging folders of killed builds must not disturb the next one.
    let target = if current == versions[0].1 { 1 } else { 0 };
    assert_eq!(build(&versions[target].0, &site), versions[target].1);
    let leftovers = staging_leftovers(dir.path());
    assert!(
        leftovers.is_empty() || !Path::new("/proc/self").exists(),
        "staging folders of killed builds were not cleaned up: {leftovers:?}\n{}",
        leftovers
            .iter()
            .flat_map(|l| walkdir::WalkDir::new(dir.path().join(l)).max_depth(3))
            .filter_map(Result::ok)
            .map(|e| format!("  {} ({:?})", e.path().display(), e.file_type()))
            .collect::<Vec<_>>()
            .join("\n")
    );
    println!("kill outcomes: {outcomes:?}");
}

/// Runs a build with the file size limit at `blocks` (the shell's unit), SIGXFSZ ignored
/// so writes past it fail with EFBIG instead of killing the process.
#[cfg(unix)]
fn build_with_file_limit(root: &Path, out: &Path, blocks: u32) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f {blocks} && exec \"$0\" --repo \"$1\" build --out \"$2\""
        ))
        .arg(env!("CARGO_BIN_EXE_custody"))
        .arg(root)
        .arg(out)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[cfg(unix)]
#[test]
fn a_write_error_is_a_clear_exit_2_and_the_previous_site_stays_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let root = repo(dir.path(), "notes before");
    let site = dir.path().join("site");
    let old = build(&root, &site);
    // Change the input so the new build would differ.
    std::fs::write(root.join("clients/acme/notes.md"), "notes after").unwrap();

    let out = build_with_file_limit(&root, &site, 4);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        stderr.contains("cannot write") && stderr.contains("too large"),
        "the error must say what failed: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(tree(&site) == old, "the previous site changed");
    let leftovers = staging_leftovers(dir.path());
    assert!(leftovers.is_empty(), "a failed build left {leftovers:?}");
}

/// What a failed build may remove: its own staging folder, nothing else. Folders beside
/// the site that only look like custody's (its naming, a dead pid) but hold someone's
/// files, and unrelated files, stay byte for byte.
#[cfg(unix)]
#[test]
fn a_failed_build_removes_its_own_staging_folder_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let root = repo(dir.path(), "notes before");
    let site = dir.path().join("site");
    build(&root, &site);
    std::fs::write(root.join("clients/acme/notes.md"), "notes after").unwrap();
    let lookalike = dir.path().join(".site.building-999999999");
    std::fs::create_dir(&lookalike).unwrap();
    std::fs::write(lookalike.join("draft.md"), "someone's draft").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "unrelated").unwrap();
    // Everything but custody's own caches, which the evaluation updates before writing.
    let snapshot = || -> Tree {
        tree(dir.path())
            .into_iter()
            .filter(|(k, _)| !k.starts_with("repo/.custody-cache/"))
            .collect()
    };
    let before = snapshot();

    let out = build_with_file_limit(&root, &site, 4);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = snapshot();
    assert!(
        after == before,
        "a failed build changed: {:?}",
        after
            .keys()
            .chain(before.keys())
            .filter(|k| after.get(*k) != before.get(*k))
            .collect::<std::collections::BTreeSet<_>>()
    );
    assert_eq!(
        staging_leftovers(dir.path()),
        vec![".site.building-999999999".to_owned()]
    );
}

/// The same with a real full file system: a small tmpfs, where mounting is permitted
/// (root in CI); elsewhere the reason for skipping is printed.
#[cfg(target_os = "linux")]
#[test]
fn a_full_tmpfs_is_a_clear_exit_2_and_the_previous_site_stays_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let root = repo(dir.path(), "notes before");
    let mnt = dir.path().join("mnt");
    std::fs::create_dir_all(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
        .arg(&mnt)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        println!("full-disk tmpfs variant skipped: mounting a tmpfs is not permitted here");
        return;
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _guard = Unmount(&mnt);
    let site = mnt.join("site");
    let old = build(&root, &site);
    std::fs::write(root.join("clients/acme/notes.md"), "notes after").unwrap();
    // Fill the file system, leaving a few KiB: the next build runs out mid-way.
    let mut filler = std::fs::File::create(mnt.join("filler")).unwrap();
    let chunk = vec![0u8; 4096];
    use std::io::Write;
    while filler.write_all(&chunk).is_ok() {}
    drop(filler);
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(mnt.join("filler"))
        .unwrap();
    let len = f.metadata().unwrap().len();
    f.set_len(len.saturating_sub(16 * 1024)).unwrap();
    drop(f);

    let out = build_cmd(&root, &site).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        stderr.contains("No space left on device"),
        "the error must say what failed: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(tree(&site) == old, "the previous site changed");
}

/// Staging folders (`.site.building-<pid>`) left beside the site in `dir`.
fn staging_leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".site"))
        .collect()
}
