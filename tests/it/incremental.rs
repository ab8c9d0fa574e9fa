//! Incremental builds over small generated repositories: a build after a new month is
//! byte-identical to a full build and leaves past months' files alone; a build with no
//! input change writes nothing; `--no-cache` renders everything.

use crate::support::gen_repo;

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
    assert_eq!((first.evaluated, first.scorecards_reused), (6, 0));
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
    assert_eq!(
        (second.evaluated, second.scorecards_reused),
        (3, 6),
        "only the new months are evaluated: {}",
        second.line()
    );
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
    // `check` never uses the build's caches.
    let check = assert_cmd::Command::cargo_bin("custody")
        .unwrap()
        .arg("--repo")
        .arg(&repo)
        .arg("check")
        .output()
        .unwrap();
    assert!(check.status.code().is_some_and(|c| c < 2), "{check:?}");
    assert!(!repo.join(".custody-cache").exists());
    assert!(build(&[]).contains("built 2 clients, 4 months"));
    assert!(
        repo.join(".custody-cache/scorecards/client-0001/2026-11.json")
            .exists()
    );
    assert!(build(&[]).contains("site is up to date"));
    let full = build(&["--no-cache"]);
    assert!(
        full.contains("built 2 clients, 4 months") && !full.contains("reused"),
        "{full}"
    );
}

/// Builds incrementally, then checks which months were evaluated again and that the
/// site is byte for byte the one a `--no-cache` build makes.
fn rebuild_matches_full(dir: &Path, repo: &Path, out: &Path, evaluated: usize, what: &str) {
    let s = run(repo, out, true);
    let full_out = dir.join("full").join(what.replace(' ', "-"));
    let full = run(repo, &full_out, false);
    assert_eq!(full.scorecards_reused, 0);
    assert_eq!(
        bytes_only(&tree(out)),
        bytes_only(&tree(&full_out)),
        "{what}: the incremental site differs from a full build"
    );
    assert_eq!(s.evaluated, evaluated, "{what}: {}", s.line());
    assert_eq!(s.scorecards_reused, s.months - evaluated, "{what}");
}

#[test]
fn a_cached_scorecard_is_reused_only_while_everything_it_read_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let repo = generate(dir.path(), 2, 3, 13);
    let out = dir.path().join("out").join("site");
    let first = run(&repo, &out, true);
    assert_eq!((first.months, first.evaluated), (6, 6));
    let ev = |c: &str, m: &str, f: &str| repo.join("evidence").join(c).join(m).join(f);
    let card =
        |c: &str, m: &str| std::fs::read(out.join(c).join(m).join("scorecard.json")).unwrap();

    // A policy threshold (the working tree's policy is every month's here: no git).
    let controls = repo.join("clients/client-0000/controls.toml");
    let text = std::fs::read_to_string(&controls).unwrap();
    let edited = text.replace(
        "\"identity.mfa-users\" = { min_percent = 95 }",
        "\"identity.mfa-users\" = { min_percent = 50 }",
    );
    assert_ne!(text, edited);
    std::fs::write(&controls, edited).unwrap();
    rebuild_matches_full(dir.path(), &repo, &out, 3, "threshold");

    // The previous month's role assignments: the later month's role changes compare
    // with them, so it is evaluated again (and its scorecard does change).
    let before = card("client-0000", "2026-11");
    let roles = ev("client-0000", "2026-10", "graph/roleAssignments.json");
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&roles).unwrap()).unwrap();
    doc["value"].as_array_mut().unwrap().pop();
    std::fs::write(&roles, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    rebuild_matches_full(dir.path(), &repo, &out, 2, "previous month");
    assert_ne!(
        card("client-0000", "2026-11"),
        before,
        "2026-11 reports the assignment added since 2026-10"
    );

    // A restore test dated in the latest month: earlier months do not see it.
    let restore = ev("client-0001", "2026-11", "restore-tests.toml");
    let test = |date: &str| {
        format!(
            "\n[[test]]\ndate = {date}\nworkload = \"exchange\"\nitem = \"Mailbox a@b\"\nresult = \"failed\"\nduration = \"10m\"\nticket = \"T-{date}\"\nperformed_by = \"Ops\"\n"
        )
    };
    let mut text = std::fs::read_to_string(&restore).unwrap();
    text.push_str(&test("2026-11-20"));
    std::fs::write(&restore, &text).unwrap();
    rebuild_matches_full(dir.path(), &repo, &out, 1, "restore test this month");

    // One recorded in a later month's file but dated in the first month: every month
    // of the client sees it in its restore history.
    let before = card("client-0001", "2026-09");
    text.push_str(&test("2026-09-15"));
    std::fs::write(&restore, &text).unwrap();
    rebuild_matches_full(dir.path(), &repo, &out, 3, "restore test back-dated");
    assert_ne!(card("client-0001", "2026-09"), before);
}

#[test]
fn a_month_with_input_problems_is_reported_on_every_build() {
    let dir = tempfile::tempdir().unwrap();
    let repo = generate(dir.path(), 2, 2, 17);
    let out = dir.path().join("site");
    let bad = repo.join("evidence/client-0001/2026-10/graph/secureScores.json");
    std::fs::write(&bad, "{\"value\": [ {\"currentScore\": }").unwrap();
    let errors = |s: &BuildSummary| -> Vec<String> {
        s.errors
            .iter()
            .filter(|d| d.file.contains("secureScores.json"))
            .map(|d| d.to_string())
            .collect()
    };
    let first = build_with(&opts(&repo, &out), true).expect("build runs");
    assert_eq!(errors(&first).len(), 1, "{:?}", first.errors);
    // An unrelated change forces a rebuild: the broken month is evaluated again and
    // its problem reported again, the clean months come from the cache.
    let other = repo.join("evidence/client-0000/2026-11/restore-tests.toml");
    let mut text = std::fs::read_to_string(&other).unwrap();
    text.push_str("# reviewed\n");
    std::fs::write(&other, text).unwrap();
    let second = build_with(&opts(&repo, &out), true).expect("build runs");
    assert_eq!(errors(&second), errors(&first));
    // Evaluated: the broken month and client-0000's changed one.
    assert_eq!(second.evaluated, 2, "{}", second.line());
    assert_eq!(second.scorecards_reused, 2, "{}", second.line());
}
