use super::*;
use crate::controls::testing::{BACKUP_TOML, CLIENT_TOML, CONTROLS_TOML, RACI_TOML};
use git2::{IndexAddOption, RepositoryInitOptions, Signature, Time};
use std::fs;

fn ts(s: &str) -> i64 {
    s.parse::<Timestamp>().unwrap().as_second()
}

fn month(s: &str) -> Month {
    Month::parse(s).unwrap()
}

fn acme() -> ClientId {
    ClientId::parse("acme").unwrap()
}

fn threshold(controls: &str, percent: u32) -> String {
    format!("{controls}\n[thresholds]\n\"identity.mfa-users\" = {{ min_percent = {percent} }}\n")
}

/// A git work tree at `dir` (branch `main`) with the custody repository at `dir/prefix`.
struct Fixture {
    _tmp: tempfile::TempDir,
    workdir: PathBuf,
    root: PathBuf,
    repo: Repository,
}

impl Fixture {
    fn new(prefix: &str) -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let workdir = tmp.path().to_path_buf();
        let root = if prefix.is_empty() {
            workdir.clone()
        } else {
            workdir.join(prefix)
        };
        fs::create_dir_all(&root).unwrap();
        let mut opts = RepositoryInitOptions::new();
        opts.initial_head("main");
        let repo = Repository::init_opts(&workdir, &opts).unwrap();
        Fixture {
            _tmp: tmp,
            workdir,
            root,
            repo,
        }
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn write_client(&self, id: &str, controls: &str) {
        self.write(&format!("clients/{id}/client.toml"), CLIENT_TOML);
        self.write(&format!("clients/{id}/raci.toml"), RACI_TOML);
        self.write(&format!("clients/{id}/controls.toml"), controls);
        self.write(&format!("clients/{id}/backup.toml"), BACKUP_TOML);
    }

    /// Stages everything and commits it to `refname` at `when`, with the given parents
    /// (default: the current HEAD commit).
    fn commit_to(&self, refname: &str, when: &str, parents: &[Oid]) -> String {
        let mut index = self.repo.index().unwrap();
        index.add_all(["*"], IndexAddOption::DEFAULT, None).unwrap();
        index.write().unwrap();
        let tree = self.repo.find_tree(index.write_tree().unwrap()).unwrap();
        let sig = Signature::new("Tester", "t@example.com", &Time::new(ts(when), 0)).unwrap();
        let parents: Vec<git2::Commit> = parents
            .iter()
            .map(|p| self.repo.find_commit(*p).unwrap())
            .collect();
        let parents: Vec<&git2::Commit> = parents.iter().collect();
        self.repo
            .commit(Some(refname), &sig, &sig, when, &tree, &parents)
            .unwrap()
            .to_string()
    }

    fn commit(&self, when: &str) -> String {
        let head: Vec<Oid> = self
            .repo
            .head()
            .ok()
            .and_then(|h| h.target())
            .into_iter()
            .collect();
        self.commit_to("HEAD", when, &head)
    }

    fn history(&self) -> PolicyHistory {
        PolicyHistory::open(&self.root)
    }
}

/// Three commits of client `acme`: June (no threshold), August (80), October (90).
fn three_commits(prefix: &str) -> (Fixture, [String; 3]) {
    let fx = Fixture::new(prefix);
    fx.write_client("acme", CONTROLS_TOML);
    let june = fx.commit("2026-06-10T09:00:00Z");
    fx.write_client("acme", &threshold(CONTROLS_TOML, 80));
    let august = fx.commit("2026-08-15T12:00:00Z");
    fx.write_client("acme", &threshold(CONTROLS_TOML, 90));
    let october = fx.commit("2026-10-02T08:30:00Z");
    (fx, [june, august, october])
}

fn mfa_users(policy: &Policy) -> Option<f64> {
    policy
        .controls
        .thresholds
        .get("identity.mfa-users")
        .and_then(|t| t.get("min_percent"))
        .map(|(v, _)| *v)
}

fn expect_commit(h: &PolicyHistory, m: &str, latest: bool, sha: &str, mfa: Option<f64>) {
    let (policy, prov) = h
        .policy_for_month(&acme(), month(m), latest)
        .unwrap_or_else(|e| panic!("{m}: {e:?}"));
    assert_eq!(prov.source, "git", "{m}");
    assert_eq!(prov.commit.as_deref(), Some(sha), "{m}");
    assert_eq!(prov.note, None, "{m}");
    assert_eq!(mfa_users(&policy), mfa, "{m}");
    assert_eq!(
        prov.files,
        [
            "clients/acme/client.toml",
            "clients/acme/raci.toml",
            "clients/acme/controls.toml",
            "clients/acme/backup.toml"
        ],
        "{m}"
    );
}

#[test]
fn each_month_uses_the_policy_committed_by_its_end() {
    let (fx, [june, august, october]) = three_commits("");
    let h = fx.history();
    assert!(h.is_git(), "{h:?}");
    assert_eq!(h.warning(), None);
    expect_commit(&h, "2026-06", false, &june, None);
    expect_commit(&h, "2026-07", false, &june, None);
    expect_commit(&h, "2026-08", false, &august, Some(80.0));
    expect_commit(&h, "2026-09", false, &august, Some(80.0));
    expect_commit(&h, "2026-10", false, &october, Some(90.0));
    expect_commit(&h, "2026-11", true, &october, Some(90.0));
    let (_, prov) = h
        .policy_for_month(&acme(), month("2026-08"), false)
        .unwrap();
    assert_eq!(prov.committed_at.as_deref(), Some("2026-08-15T12:00:00Z"));
    assert_eq!(
        h.commit_for_month(month("2026-09")).map(|c| c.sha.as_str()),
        Some(august.as_str())
    );
}

/// Red team: a commit dated back into July on top of October's history rewrote July's
/// scorecards. A commit counts as in force no earlier than the commits it builds on,
/// and the run warns, naming it.
#[test]
fn a_backdated_commit_is_in_force_from_its_parents_time_never_earlier() {
    let (fx, [june, august, october]) = three_commits("");
    fx.write_client("acme", &threshold(CONTROLS_TOML, 50));
    let backdated = fx.commit("2026-07-15T00:00:00Z");
    let h = fx.history();
    // Months before October keep the policy they had; October's own month end counts
    // the backdated commit from October on.
    expect_commit(&h, "2026-07", false, &june, None);
    expect_commit(&h, "2026-08", false, &august, Some(80.0));
    expect_commit(&h, "2026-09", false, &august, Some(80.0));
    expect_commit(&h, "2026-10", false, &backdated, Some(50.0));
    let _ = october;
    let warning = h.warning().expect("a warning names the backdated commit");
    assert!(
        warning.starts_with(&format!(
            "commit {} states 2026-07-15T00:00:00Z but builds on a commit from 2026-10-02T08:30:00Z",
            &backdated[..7]
        )),
        "{warning}"
    );
    // Its provenance still says what the commit states.
    let (_, prov) = h
        .policy_for_month(&acme(), month("2026-10"), false)
        .unwrap();
    assert_eq!(prov.committed_at.as_deref(), Some("2026-07-15T00:00:00Z"));
}

#[test]
fn policy_is_read_from_commits_not_the_working_tree() {
    let (fx, [june, _, _]) = three_commits("");
    // Broken working tree: committed months are unaffected.
    fx.write("clients/acme/controls.toml", "this is not toml");
    let h = fx.history();
    expect_commit(&h, "2026-06", false, &june, None);
}

/// Evidence older than the policy repository is still evaluated, against the first
/// committed version, and the scorecard says so (rather than the month being dropped).
#[test]
fn a_month_before_the_first_commit_uses_the_first_version_and_says_so() {
    let (fx, shas) = three_commits("");
    let h = fx.history();
    let (_, prov) = h
        .policy_for_month(&acme(), month("2026-05"), false)
        .unwrap();
    assert_eq!(prov.commit.as_deref(), Some(shas[0].as_str()));
    let note = prov.note.unwrap();
    assert!(
        note.starts_with("no policy committed by the end of 2026-05: evaluated against the first committed version (2026-06-10"),
        "{note}"
    );
}

#[test]
fn a_client_added_later_has_no_policy_in_earlier_months() {
    let (fx, _) = three_commits("");
    fx.write_client("later", CONTROLS_TOML);
    fx.commit("2026-11-03T10:00:00Z");
    let h = fx.history();
    let later = ClientId::parse("later").unwrap();
    let (_, prov) = h.policy_for_month(&later, month("2026-10"), false).unwrap();
    assert!(
        prov.note
            .as_deref()
            .is_some_and(|n| n.contains("first committed version (2026-11-03")),
        "{prov:?}"
    );
    assert!(h.policy_for_month(&later, month("2026-11"), true).is_ok());
    // Never committed at all, only in the working tree.
    fx.write_client("draft", CONTROLS_TOML);
    let draft = ClientId::parse("draft").unwrap();
    let diags = h
        .policy_for_month(&draft, month("2026-10"), false)
        .unwrap_err();
    assert!(
        diags[0]
            .message
            .contains("is in no commit of the current branch"),
        "{}",
        diags[0].message
    );
    // ... but as untracked files of the latest month, the working tree counts.
    let (_, prov) = h.policy_for_month(&draft, month("2026-11"), true).unwrap();
    assert_eq!(prov.source, "working_tree");
}

#[test]
fn a_removed_client_is_reported_not_crashed() {
    let (fx, _) = three_commits("");
    fs::remove_dir_all(fx.root.join("clients/acme")).unwrap();
    fx.write_client("other", CONTROLS_TOML);
    let mut index = fx.repo.index().unwrap();
    index.remove_dir(Path::new("clients/acme"), 0).unwrap();
    index.write().unwrap();
    fx.commit("2026-11-05T10:00:00Z");
    let h = fx.history();
    expect_commit(
        &h,
        "2026-10",
        false,
        &h.commit_for_month(month("2026-10")).unwrap().sha.clone(),
        Some(90.0),
    );
    let diags = h
        .policy_for_month(&acme(), month("2026-11"), false)
        .unwrap_err();
    assert!(
        diags[0]
            .message
            .starts_with("no policy in force at the end of 2026-11"),
        "{}",
        diags[0].message
    );
}

#[test]
fn uncommitted_changes_apply_to_the_latest_month_only() {
    let (fx, [_, august, october]) = three_commits("");
    fx.write_client("acme", &threshold(CONTROLS_TOML, 99));
    let h = fx.history();
    let (policy, prov) = h.policy_for_month(&acme(), month("2026-11"), true).unwrap();
    assert_eq!(prov.source, "working_tree");
    assert_eq!(prov.note.as_deref(), Some(NOTE_UNCOMMITTED));
    assert_eq!(prov.commit.as_deref(), Some(october.as_str()));
    assert_eq!(prov.committed_at.as_deref(), Some("2026-10-02T08:30:00Z"));
    assert_eq!(mfa_users(&policy), Some(99.0));
    // Earlier months, and the same month when it is not the latest, keep their commits.
    expect_commit(&h, "2026-11", false, &october, Some(90.0));
    expect_commit(&h, "2026-10", false, &october, Some(90.0));
    expect_commit(&h, "2026-09", false, &august, Some(80.0));
}

#[test]
fn staged_and_untracked_changes_count_other_clients_do_not() {
    let (fx, [_, _, october]) = three_commits("");
    let h = fx.history();
    // Another client's changes do not concern acme; nor does a client whose id extends it.
    fx.write_client("acme-2", CONTROLS_TOML);
    fx.write("clients/acmeish.txt", "x");
    expect_commit(&h, "2026-11", true, &october, Some(90.0));
    // Untracked file in the client's folder.
    fx.write("clients/acme/notes.md", "# Notes\n");
    let (_, prov) = h.policy_for_month(&acme(), month("2026-11"), true).unwrap();
    assert_eq!(prov.note.as_deref(), Some(NOTE_UNCOMMITTED));
    fs::remove_file(fx.root.join("clients/acme/notes.md")).unwrap();
    expect_commit(&h, "2026-11", true, &october, Some(90.0));
    // A staged change.
    fx.write("clients/acme/controls.toml", &threshold(CONTROLS_TOML, 70));
    let mut index = fx.repo.index().unwrap();
    index
        .add_path(Path::new("clients/acme/controls.toml"))
        .unwrap();
    index.write().unwrap();
    let (policy, prov) = h.policy_for_month(&acme(), month("2026-11"), true).unwrap();
    assert_eq!(prov.source, "working_tree");
    assert_eq!(mfa_users(&policy), Some(70.0));
}

#[test]
fn month_end_is_exclusive() {
    let fx = Fixture::new("");
    fx.write_client("acme", CONTROLS_TOML);
    let june = fx.commit("2026-06-10T09:00:00Z");
    fx.write_client("acme", &threshold(CONTROLS_TOML, 80));
    let last_second = fx.commit("2026-08-31T23:59:59Z");
    fx.write_client("acme", &threshold(CONTROLS_TOML, 90));
    let first_second = fx.commit("2026-09-01T00:00:00Z");
    let h = fx.history();
    expect_commit(&h, "2026-07", false, &june, None);
    expect_commit(&h, "2026-08", false, &last_second, Some(80.0));
    expect_commit(&h, "2026-09", false, &first_second, Some(90.0));
}

#[test]
fn commit_times_use_utc_whatever_the_committer_offset() {
    let fx = Fixture::new("");
    fx.write_client("acme", CONTROLS_TOML);
    // 2026-07-01T01:00+02:00 is 2026-06-30T23:00Z: June.
    let mut index = fx.repo.index().unwrap();
    index.add_all(["*"], IndexAddOption::DEFAULT, None).unwrap();
    let tree = fx.repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::new(
        "T",
        "t@example.com",
        &Time::new(ts("2026-06-30T23:00:00Z"), 120),
    )
    .unwrap();
    let sha = fx
        .repo
        .commit(Some("HEAD"), &sig, &sig, "m", &tree, &[])
        .unwrap()
        .to_string();
    expect_commit(&fx.history(), "2026-06", false, &sha, None);
}

#[test]
fn first_parent_history_ignores_merged_branch_commits() {
    let fx = Fixture::new("");
    fx.write_client("acme", CONTROLS_TOML);
    let base = fx.commit("2026-06-10T09:00:00Z");
    let base_oid = Oid::from_str(&base).unwrap();
    // A side branch commits a threshold in July; it is merged in September.
    fx.write_client("acme", &threshold(CONTROLS_TOML, 50));
    let side = fx.commit_to("refs/heads/side", "2026-07-05T10:00:00Z", &[base_oid]);
    let merge = fx.commit_to(
        "HEAD",
        "2026-09-02T10:00:00Z",
        &[base_oid, Oid::from_str(&side).unwrap()],
    );
    let h = fx.history();
    expect_commit(&h, "2026-07", false, &base, None);
    expect_commit(&h, "2026-08", false, &base, None);
    expect_commit(&h, "2026-09", false, &merge, Some(50.0));
}

#[test]
fn invalid_committed_policy_names_the_commit() {
    let fx = Fixture::new("");
    fx.write_client("acme", "[identity]\nmodel = \"nope\"\n");
    let sha = fx.commit("2026-06-10T09:00:00Z");
    fx.write_client("acme", CONTROLS_TOML);
    let h = fx.history();
    let diags = h
        .policy_for_month(&acme(), month("2026-06"), false)
        .unwrap_err();
    assert!(!diags.is_empty());
    for d in &diags {
        assert_eq!(d.file, "clients/acme/controls.toml");
        assert_eq!(d.line, Some(2));
        assert!(d.message.contains(&sha[..7]), "{}", d.message);
        assert!(d.message.contains("end of 2026-06"), "{}", d.message);
    }
}

#[test]
fn a_custody_repository_in_a_subfolder_of_the_work_tree() {
    let (fx, [june, august, october]) = three_commits("policy/repo");
    fx.write("../../README.md", "outside\n");
    let h = fx.history();
    let PolicyHistory::Git(g) = &h else {
        panic!("{h:?}")
    };
    assert_eq!(g.prefix(), "policy/repo/");
    expect_commit(&h, "2026-07", false, &june, None);
    expect_commit(&h, "2026-09", false, &august, Some(80.0));
    expect_commit(&h, "2026-10", true, &october, Some(90.0));
    fx.write_client("acme", &threshold(CONTROLS_TOML, 99));
    let (_, prov) = h.policy_for_month(&acme(), month("2026-10"), true).unwrap();
    assert_eq!(prov.note.as_deref(), Some(NOTE_UNCOMMITTED));
    // Diagnostics and provenance use custody paths, without the prefix.
    let (policy, _) = h
        .policy_for_month(&acme(), month("2026-05"), false)
        .unwrap();
    assert_eq!(policy.sources[0].0, "clients/acme/client.toml");
    let source = h.source_at(&june).unwrap();
    assert_eq!(
        source
            .read("clients/acme/controls.toml")
            .unwrap()
            .as_deref(),
        Some(CONTROLS_TOML)
    );
    assert_eq!(h.clients_at("HEAD").unwrap(), [acme()]);
    // The work tree root itself holds no clients/.
    let top = PolicyHistory::open(&fx.workdir);
    assert!(
        matches!(&top, PolicyHistory::NotGit { reason: reason @ HistoryError::ClientsNotCommitted { .. }, .. }
            if reason.to_string().starts_with("clients/ is not committed") && !reason.is_git_failure()),
        "{top:?}"
    );
}

#[test]
fn outside_git_every_month_uses_the_working_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("clients/acme");
    fs::create_dir_all(&dir).unwrap();
    for (name, text) in [
        ("client.toml", CLIENT_TOML),
        ("raci.toml", RACI_TOML),
        ("controls.toml", CONTROLS_TOML),
        ("backup.toml", BACKUP_TOML),
    ] {
        fs::write(dir.join(name), text).unwrap();
    }
    let h = PolicyHistory::open(tmp.path());
    let PolicyHistory::NotGit { reason, root } = &h else {
        panic!("{h:?}")
    };
    assert!(matches!(reason, HistoryError::NotARepository), "{reason:?}");
    assert!(!reason.is_git_failure());
    assert_eq!(reason.to_string(), "not a git repository");
    assert_eq!(root, tmp.path());
    assert!(h.warning().unwrap().starts_with("not a git repository: "));
    for (m, latest) in [("2020-01", false), ("2026-11", true)] {
        let (_, prov) = h.policy_for_month(&acme(), month(m), latest).unwrap();
        assert_eq!(prov.source, "working_tree");
        assert_eq!(prov.commit, None);
        assert_eq!(
            prov.note.as_deref(),
            Some("not a git repository: month-end policy versions unavailable")
        );
    }
    assert_eq!(
        h.source_at("HEAD").err().unwrap().to_string(),
        "not a git repository: cannot read revision \"HEAD\""
    );
    assert_eq!(
        h.default_base().unwrap_err().to_string(),
        "not a git repository: no default base revision"
    );
    assert!(h.clients_at("HEAD").is_err());
    // A missing folder is not a git repository either, and no panic.
    assert!(!PolicyHistory::open(&tmp.path().join("missing")).is_git());
}

#[test]
fn a_repository_without_commits_is_not_git() {
    let fx = Fixture::new("");
    fx.write_client("acme", CONTROLS_TOML);
    let h = fx.history();
    assert!(
        matches!(
            &h,
            PolicyHistory::NotGit {
                reason: HistoryError::NoCommits,
                ..
            }
        ),
        "{h:?}"
    );
    let (_, prov) = h.policy_for_month(&acme(), month("2026-06"), true).unwrap();
    assert_eq!(
        prov.note.as_deref(),
        Some("no commits yet: month-end policy versions unavailable")
    );
}

#[test]
fn source_at_reads_any_revision() {
    let (fx, [june, august, _]) = three_commits("");
    fx.write_client("acme", &threshold(CONTROLS_TOML, 99));
    let h = fx.history();
    let read = |rev: &str| {
        h.source_at(rev)
            .unwrap()
            .read("clients/acme/controls.toml")
            .unwrap()
            .unwrap()
    };
    assert_eq!(read(&june), CONTROLS_TOML);
    assert_eq!(read(&august[..10]), threshold(CONTROLS_TOML, 80));
    assert_eq!(read("HEAD~2"), CONTROLS_TOML);
    assert_eq!(read("main"), threshold(CONTROLS_TOML, 90));
    assert_eq!(read("HEAD"), threshold(CONTROLS_TOML, 90));
    let head = h.source_at("HEAD").unwrap();
    assert_eq!(head.read("clients/acme/missing.toml").unwrap(), None);
    assert_eq!(head.read("clients/nobody/client.toml").unwrap(), None);
    let e = head.read("clients/acme").unwrap_err();
    assert!(
        matches!(
            e.downcast_ref::<HistoryError>(),
            Some(HistoryError::At { source, .. }) if matches!(**source, HistoryError::Directory)
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("directory"), "{e}");
    // A source is Send + Sync and loads a whole policy.
    let policy = std::thread::scope(|s| {
        s.spawn(|| load_policy(&*head, &acme(), crate::controls::known()).unwrap())
            .join()
            .unwrap()
    });
    assert_eq!(mfa_users(&policy), Some(90.0));
    for bad in [
        "nope",
        "HEAD~9",
        "0000000000000000000000000000000000000000",
        "",
    ] {
        let err = h.source_at(bad).err().unwrap().to_string();
        assert!(err.contains(&format!("{bad:?}")), "{err}");
    }
    assert_eq!(h.resolve("HEAD~1").unwrap(), august);
}

#[test]
fn clients_at_lists_the_clients_of_a_revision() {
    let (fx, [june, _, _]) = three_commits("");
    fx.write_client("beta", CONTROLS_TOML);
    fx.write("clients/Not_Valid/client.toml", CLIENT_TOML);
    fx.write("clients/readme.txt", "x");
    let added = fx.commit("2026-11-01T09:00:00Z");
    let h = fx.history();
    assert_eq!(h.clients_at(&june).unwrap(), [acme()]);
    assert_eq!(
        h.clients_at(&added).unwrap(),
        [acme(), ClientId::parse("beta").unwrap()]
    );
    assert!(h.clients_at("no-such-branch").is_err());
}

#[test]
fn default_base_is_the_merge_base_with_origin_main_or_main() {
    let (fx, [june, august, october]) = three_commits("");
    let oid = |s: &str| Oid::from_str(s).unwrap();
    // A feature branch from August, checked out, with one commit.
    fx.repo
        .reference("refs/heads/feature", oid(&august), false, "test")
        .unwrap();
    fx.repo.set_head("refs/heads/feature").unwrap();
    fx.write_client("acme", &threshold(CONTROLS_TOML, 60));
    fx.commit("2026-10-20T09:00:00Z");
    let h = fx.history();
    assert_eq!(h.default_base().unwrap(), august);
    assert!(october != august);
    // origin/main wins over main.
    fx.repo
        .reference("refs/remotes/origin/main", oid(&june), false, "test")
        .unwrap();
    assert_eq!(h.default_base().unwrap(), june);
    // Neither: a clear error.
    fx.repo
        .find_reference("refs/remotes/origin/main")
        .unwrap()
        .delete()
        .unwrap();
    fx.repo
        .find_reference("refs/heads/main")
        .unwrap()
        .delete()
        .unwrap();
    let err = h.default_base().unwrap_err();
    assert!(matches!(err, HistoryError::NoMain), "{err:?}");
    let err = err.to_string();
    assert!(err.contains("origin/main") && err.contains("main"), "{err}");
}

#[test]
fn history_is_shared_across_threads() {
    let (fx, [june, august, october]) = three_commits("");
    let h = fx.history();
    let expected = [
        ("2026-06", &june),
        ("2026-07", &june),
        ("2026-08", &august),
        ("2026-09", &august),
        ("2026-10", &october),
        ("2026-11", &october),
    ];
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for (m, sha) in expected {
                    let (_, prov) = h.policy_for_month(&acme(), month(m), false).unwrap();
                    assert_eq!(prov.commit.as_deref(), Some(sha.as_str()));
                }
            });
        }
    });
}

#[cfg(unix)]
#[test]
fn symbolic_links_are_followed_inside_the_repository() {
    let fx = Fixture::new("");
    fx.write_client("acme", CONTROLS_TOML);
    fx.write("shared/raci.toml", RACI_TOML);
    fs::remove_file(fx.root.join("clients/acme/raci.toml")).unwrap();
    std::os::unix::fs::symlink(
        "../../shared/raci.toml",
        fx.root.join("clients/acme/raci.toml"),
    )
    .unwrap();
    let sha = fx.commit("2026-06-10T09:00:00Z");
    expect_commit(&fx.history(), "2026-06", false, &sha, None);
}

#[test]
fn a_shallow_clone_says_to_fetch_the_full_history() {
    let (fx, [_, august, october]) = three_commits("");
    // What `git clone --depth 2` leaves: August is a graft without parents.
    fs::write(fx.workdir.join(".git/shallow"), format!("{august}\n")).unwrap();
    let h = fx.history();
    let PolicyHistory::Git(g) = &h else {
        panic!("{h:?}")
    };
    let shas: Vec<&str> = g.commits().iter().map(|c| c.sha.as_str()).collect();
    assert_eq!(shas, [october.as_str(), august.as_str()]);
    expect_commit(&h, "2026-08", false, &august, Some(80.0));
    let d = &h
        .policy_for_month(&acme(), month("2026-07"), false)
        .unwrap_err()[0];
    assert!(
        d.message
            .contains("the git history is shallow and starts at 2026-08-15")
            && d.message.contains("fetch-depth: 0"),
        "{}",
        d.message
    );
}

/// Commits the index with `path` replaced by `blob` with file `mode` (any size or link
/// target, without touching the working tree) on top of HEAD.
fn commit_object_at(fx: &Fixture, path: &str, blob: Oid, mode: u32, when: &str) -> String {
    let head = fx.repo.head().unwrap().peel_to_commit().unwrap();
    let mut index = fx.repo.index().unwrap();
    index.read_tree(&head.tree().unwrap()).unwrap();
    let mut entry = index.get_path(Path::new(path), 0).unwrap();
    (entry.id, entry.mode, entry.file_size) = (blob, mode, 0);
    index.add(&entry).unwrap();
    let tree = fx
        .repo
        .find_tree(index.write_tree_to(&fx.repo).unwrap())
        .unwrap();
    let sig = Signature::new("Tester", "t@example.com", &Time::new(ts(when), 0)).unwrap();
    fx.repo
        .commit(Some("HEAD"), &sig, &sig, when, &tree, &[&head])
        .unwrap()
        .to_string()
}

#[test]
fn a_link_target_over_its_cap_is_refused_unread() {
    let fx = Fixture::new("");
    fx.write_client("acme", CONTROLS_TOML);
    fx.commit("2026-06-10T09:00:00Z");
    let target = fx.repo.blob(&vec![b'a'; 4097]).unwrap();
    let sha = commit_object_at(
        &fx,
        "clients/acme/controls.toml",
        target,
        0o120000,
        "2026-07-10T09:00:00Z",
    );
    let err = fx
        .history()
        .policy_for_month(&acme(), month("2026-07"), false)
        .unwrap_err();
    let text = format!("{err:?}");
    assert!(
        text.contains("clients/acme/controls.toml")
            && text.contains("4097 bytes, larger than the 4096 byte limit")
            && text.contains(&sha[..7]),
        "{text}"
    );
}

#[test]
fn objects_are_sized_from_their_header_and_typed() {
    let fx = Fixture::new("");
    fx.write_client("acme", CONTROLS_TOML);
    let sha = fx.commit("2026-06-10T09:00:00Z");
    let commit = fx.repo.find_commit(Oid::from_str(&sha).unwrap()).unwrap();
    let tree = commit.tree().unwrap();
    let clients = tree.get_name("clients").unwrap().id();
    let size = fx.repo.find_tree(clients).unwrap().len();
    assert!(size > 0);
    let e = source::check_object(&fx.repo, clients, ObjectType::Tree, 10, "clients/")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with(&format!("clients/: git tree {clients} is "))
            && e.ends_with("bytes, larger than the 10 byte limit"),
        "{e}"
    );
    assert!(source::check_object(&fx.repo, clients, ObjectType::Tree, 1 << 20, "x").is_ok());
    let e = source::check_object(&fx.repo, clients, ObjectType::Blob, 1 << 20, "x").unwrap_err();
    assert!(
        matches!(
            e,
            HistoryError::Kind {
                found: ObjectType::Tree,
                expected: ObjectType::Blob,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("is a tree, expected a blob"), "{e}");
    // lookup walks to files and folders, and says when a path is not there.
    let (_, kind, _) = source::lookup(&fx.repo, &tree, "clients/acme/raci.toml")
        .unwrap()
        .unwrap();
    assert_eq!(kind, ObjectType::Blob);
    assert!(
        source::lookup(&fx.repo, &tree, "clients/acme/raci.toml/x")
            .unwrap()
            .is_none()
    );
    assert!(
        source::lookup(&fx.repo, &tree, "clients/nobody/raci.toml")
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_commit_over_the_cap_in_history_is_refused_unread() {
    let fx = Fixture::new("");
    fx.write_client("acme", CONTROLS_TOML);
    fx.commit("2026-06-10T09:00:00Z");
    let huge = "x".repeat(source::MAX_COMMIT_BYTES as usize + 1);
    let head = fx.repo.head().unwrap().peel_to_commit().unwrap();
    let sig = Signature::new(
        "Tester",
        "t@example.com",
        &Time::new(ts("2026-07-01T00:00:00Z"), 0),
    )
    .unwrap();
    let big = fx
        .repo
        .commit(
            Some("HEAD"),
            &sig,
            &sig,
            &huge,
            &head.tree().unwrap(),
            &[&head],
        )
        .unwrap();
    // As HEAD.
    let h = fx.history();
    let PolicyHistory::NotGit { reason: why, .. } = &h else {
        panic!("{h:?}")
    };
    // Unlike "not a git repository", a commit git cannot use is a failure of git.
    assert!(
        matches!(why, HistoryError::HeadObject(_)) && why.is_git_failure(),
        "{why:?}"
    );
    let reason = h
        .warning()
        .expect("falls back to the working tree, with a warning");
    assert!(
        reason.contains(&big.to_string()) && reason.contains("larger than the 4194304 byte limit"),
        "{reason}"
    );
    // In the history below HEAD.
    fx.commit("2026-08-01T00:00:00Z");
    let reason = fx.history().warning().expect("warning");
    assert!(
        reason.contains(&format!("commit {big} in the history of HEAD")),
        "{reason}"
    );
}

/// Regression: once a source's errors became typed (not text), a committed policy file
/// that is not UTF-8 must still be reported at its line and column, found through the
/// error's chain of sources (git read error → decoding error).
#[test]
fn a_committed_file_that_is_not_utf8_is_located_by_line_and_column() {
    let fx = Fixture::new("");
    fx.write_client("acme", CONTROLS_TOML);
    fs::write(
        fx.root.join("clients/acme/raci.toml"),
        b"# RACI\n# caf\xE9 = broken\n",
    )
    .unwrap();
    fx.commit("2026-06-10T09:00:00Z");
    let h = fx.history();
    let diags = h
        .policy_for_month(&acme(), month("2026-07"), false)
        .unwrap_err();
    let d = diags
        .iter()
        .find(|d| d.file == "clients/acme/raci.toml")
        .unwrap_or_else(|| panic!("{diags:?}"));
    assert_eq!((d.line, d.column), (Some(2), Some(6)), "{d}");
    assert!(
        d.message
            .starts_with("cannot read: not valid UTF-8: byte 0xE9 at line 2, column 6"),
        "{d}"
    );
}
