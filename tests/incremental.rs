//! Incremental builds over small generated repositories: a build after a new month is
//! byte-identical to a full build and leaves past months' files alone; a build with no
//! input change writes nothing; `--no-cache` renders everything.

#[allow(dead_code)]
#[path = "../examples/gen.rs"]
mod gen_repo;

use custody::website::{BuildOptions, BuildSummary, build, build_with};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn generate(dir: &Path, clients: usize, months: usize, seed: u64) -> PathBuf {
    let repo = dir.join("repo");
    gen_repo::generate(&gen_repo::GenOptions {
        out: repo.clone(),
        clients,
        months,
        seed,
        users: None,
        max_users: 400,
        last_month: (2026, 11),
    })
    .expect("generator runs");
    repo
}

fn opts(repo: &Path, out: &Path) -> BuildOptions {
    BuildOptions {
        repo: repo.to_path_buf(),
        out: out.to_path_buf(),
        clients: vec![],
    }
}

fn run(repo: &Path, out: &Path, cache: bool) -> BuildSummary {
    let s = build_with(&opts(repo, out), cache).expect("build succeeds");
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    s
}

/// Every file under `root`: bytes, inode and modification time.
fn tree(root: &Path) -> BTreeMap<String, (Vec<u8>, u64, std::time::SystemTime)> {
    use std::os::unix::fs::MetadataExt;
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let m = e.metadata().unwrap();
            (
                e.path()
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                (
                    std::fs::read(e.path()).unwrap(),
                    m.ino(),
                    m.modified().unwrap(),
                ),
            )
        })
        .collect()
}

fn bytes_only(
    t: &BTreeMap<String, (Vec<u8>, u64, std::time::SystemTime)>,
) -> BTreeMap<&str, &[u8]> {
    t.iter()
        .map(|(k, (b, _, _))| (k.as_str(), b.as_slice()))
        .collect()
}

/// The names in a folder (the site's parent: staging folders, caches, the site).
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_new_month_rebuilds_only_what_it_touches_and_matches_a_full_build() {
    let dir = tempfile::tempdir().unwrap();
    let repo = generate(dir.path(), 3, 3, 7);
    let out = dir.path().join("out").join("site");
    let clients = ["client-0000", "client-0001", "client-0002"];
    let held = dir.path().join("held");
    for c in clients {
        std::fs::create_dir_all(held.join(c)).unwrap();
        std::fs::rename(
            repo.join("evidence").join(c).join("2026-11"),
            held.join(c).join("2026-11"),
        )
        .unwrap();
    }
    let first = run(&repo, &out, true);
    assert_eq!((first.months, first.reused), (6, 0));
    let before = tree(&out);

    for c in clients {
        std::fs::rename(
            held.join(c).join("2026-11"),
            repo.join("evidence").join(c).join("2026-11"),
        )
        .unwrap();
    }
    let second = run(&repo, &out, true);
    assert_eq!(second.months, 9);
    assert_eq!(second.reused, 6, "the six past months are taken over");
    let after = tree(&out);

    for (path, old) in &before {
        let past_month = path.contains("/2026-09/") || path.contains("/2026-10/");
        if past_month {
            assert_eq!(after.get(path), Some(old), "{path} was rewritten");
        }
    }
    for c in clients {
        let new_pack = format!("{c}/2026-11/evidence-{c}-2026-11.zip");
        assert!(after.contains_key(&new_pack), "{new_pack} is written");
        let index = format!("{c}/index.html");
        assert_ne!(
            before[&index].0, after[&index].0,
            "{index} lists the new month"
        );
    }

    let full_out = dir.path().join("full").join("site");
    let full = run(&repo, &full_out, false);
    assert_eq!(full.reused, 0);
    assert_eq!(
        bytes_only(&after),
        bytes_only(&tree(&full_out)),
        "incremental and full builds differ"
    );

    // The chain across reused and new months verifies.
    let report = custody::pack::verify_paths(std::slice::from_ref(&out));
    assert_eq!((report.packs, report.clients), (9, 3));
    assert!(
        report.problems.is_empty() && report.unreadable.is_empty(),
        "{report:?}"
    );
}

#[test]
fn a_rebuild_with_no_change_writes_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let repo = generate(dir.path(), 3, 3, 11);
    let out = dir.path().join("out").join("site");
    let first = run(&repo, &out, true);
    assert!(!first.up_to_date);
    let (site, parent) = (tree(&out), tree(out.parent().unwrap()));
    let listing = names(out.parent().unwrap());

    let again = build(&opts(&repo, &out)).expect("build succeeds");
    assert!(again.up_to_date, "{}", again.line());
    assert_eq!((again.pages, again.packs), (first.pages, first.packs));
    assert_eq!(
        tree(&out),
        site,
        "a site file was written, added or removed"
    );
    assert_eq!(
        tree(out.parent().unwrap()),
        parent,
        "the cache or a staging folder was written"
    );
    assert_eq!(names(out.parent().unwrap()), listing);
}

#[test]
fn a_changed_input_or_an_edited_site_file_is_rebuilt_and_no_cache_renders_everything() {
    let dir = tempfile::tempdir().unwrap();
    let repo = generate(dir.path(), 2, 2, 3);
    let out = dir.path().join("site");
    run(&repo, &out, true);

    // One evidence file of the latest month: only that month changes.
    let restore = repo.join("evidence/client-0001/2026-11/restore-tests.toml");
    let mut text = std::fs::read_to_string(&restore).unwrap();
    text.push_str("# reviewed\n");
    std::fs::write(&restore, text).unwrap();
    let s = run(&repo, &out, true);
    assert!(!s.up_to_date);
    assert_eq!(
        s.reused, 3,
        "client-0000's two months and client-0001's first"
    );

    // A page edited by hand in the site is rendered again, not carried over.
    let page = out.join("client-0000/2026-10/index.html");
    std::fs::write(&page, "tampered").unwrap();
    let s = run(&repo, &out, true);
    assert!(!s.up_to_date);
    assert_eq!(s.reused, 3);
    assert_ne!(std::fs::read(&page).unwrap(), b"tampered");

    let s = run(&repo, &out, false);
    assert_eq!(s.reused, 0);
}

#[test]
fn the_generator_is_deterministic_and_its_repos_evaluate_cleanly() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let (ra, rb, rc) = (
        generate(a.path(), 3, 2, 5),
        generate(b.path(), 3, 2, 5),
        generate(c.path(), 3, 2, 6),
    );
    assert_eq!(bytes_only(&tree(&ra)), bytes_only(&tree(&rb)));
    assert_ne!(bytes_only(&tree(&ra)), bytes_only(&tree(&rc)));
    // Every month evaluates without an input error: the Graph files have real shapes
    // and the manifests hash what was written.
    let s = run(&ra, &a.path().join("site"), false);
    assert_eq!(s.months, 6);
}

#[test]
fn generated_sizes_follow_an_msp_spread() {
    let mut rng = gen_repo::Rng::new(42);
    let sizes: Vec<usize> = (0..2000).map(|_| gen_repo::draw_users(&mut rng)).collect();
    let small = sizes.iter().filter(|n| (10..=300).contains(*n)).count();
    let large = sizes.iter().filter(|n| **n >= 5_000).count();
    assert!(small > 1500, "most clients are small: {small}");
    assert!(
        (10..=100).contains(&large),
        "a few are large: {large} of 2000"
    );
    assert!(sizes.iter().all(|n| (10..=200_000).contains(n)));
}

#[test]
fn shifted_dates_stay_valid() {
    assert_eq!(
        gen_repo::shift_dates("a 2026-10-31T08:00:00Z b 0001-01-01", -8),
        "a 2026-02-28T08:00:00Z b 0001-01-01"
    );
    assert_eq!(gen_repo::shift_dates("2026-11-23", 2), "2027-01-23");
}

#[test]
fn the_cli_reports_an_up_to_date_site_and_no_cache_builds_everything() {
    let dir = tempfile::tempdir().unwrap();
    let repo = generate(dir.path(), 2, 2, 9);
    let out = dir.path().join("site");
    let build = |extra: &[&str]| {
        let o = assert_cmd::Command::cargo_bin("custody")
            .unwrap()
            .arg("--repo")
            .arg(&repo)
            .arg("build")
            .arg("--out")
            .arg(&out)
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    assert!(build(&[]).contains("built 2 clients, 4 months"));
    assert!(build(&[]).contains("site is up to date"));
    let full = build(&["--no-cache"]);
    assert!(
        full.contains("built 2 clients, 4 months") && !full.contains("reused"),
        "{full}"
    );
}
