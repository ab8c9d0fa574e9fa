//! The build's evaluation cache: one file per client and month under
//! `<repo>/.custody-cache/scorecards/<client>/<YYYY-MM>.json`, holding the key of
//! everything that month's evaluation read and the scorecard it produced. A build after
//! a new month evaluates only that month; the others' scorecards (which the client
//! charts and the portfolio need) are read back instead of evaluated again.
//!
//! The key covers the binary itself (so a rebuilt tool with the same version number
//! never reuses another's results), the client, the month, the policy in force and its
//! provenance (whether the month is the latest only chooses which policy that is: the
//! working tree's or the month-end commit's, so the policy and provenance stand for it), the hashes of every file of the month's
//! evidence folder and of the previous month's, and the restore tests the month can see.
//! File hashes come from the fingerprint stage (stat-cached), and a scorecard is only
//! stored when the evidence the evaluation actually loaded has those same hashes.
//! Like the site cache it is only an accelerator: any doubt is a miss.

use super::cache::{Inputs, Key};
use crate::client_id::ClientId;
use crate::evaluate::{MonthKey, ScorecardCache};
use crate::evidence::Snapshot;
use crate::month::Month;
use crate::scorecard::Scorecard;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// Bumped when the file layout or the meaning of the key changes.
const FORMAT: &str = "scorecards-1";

pub struct Store<'a> {
    dir: PathBuf,
    inputs: &'a Inputs,
    /// `false` for `--no-cache`: evaluate everything, but still record the results.
    read: bool,
    /// `<client>/<YYYY-MM>` of every entry this build read or wrote.
    used: Mutex<BTreeSet<String>>,
    hits: AtomicUsize,
}

impl<'a> Store<'a> {
    pub fn new(repo: &Path, inputs: &'a Inputs, read: bool) -> Store<'a> {
        Store {
            dir: repo.join(super::cache::DIR).join("scorecards"),
            inputs,
            read,
            used: Mutex::new(BTreeSet::new()),
            hits: AtomicUsize::new(0),
        }
    }

    fn path(&self, client: &ClientId, month: Month) -> PathBuf {
        // Client ids are validated slugs and months print as YYYY-MM: both are safe
        // path components.
        self.dir.join(client.as_str()).join(format!("{month}.json"))
    }

    /// How many scorecards were read back.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::Relaxed)
    }

    fn mark(&self, client: &ClientId, month: Month) {
        if let Ok(mut used) = self.used.lock() {
            used.insert(format!("{client}/{month}"));
        }
    }

    /// The key of a month given the files of its evidence folder and of the previous
    /// month's (paths relative to the month folder, with their sha256).
    fn key_with(
        m: &MonthKey,
        files: &[(String, String)],
        prev: Option<&[(String, String)]>,
    ) -> Option<String> {
        let mut k = Key::new(FORMAT);
        k.part(crate::VERSION.as_bytes());
        k.part(build_id()?.as_bytes());
        k.part(m.client.as_str().as_bytes());
        k.part(m.month.to_string().as_bytes());
        // The Debug form holds every field of the policy (values and their locations)
        // and of the provenance, including fields added later: nothing can be left out
        // of the key by forgetting it here.
        k.part(format!("{:?}", m.policy).as_bytes());
        k.part(format!("{:?}", m.provenance).as_bytes());
        let mut folder = |files: &[(String, String)]| {
            let mut sorted: Vec<&(String, String)> = files.iter().collect();
            sorted.sort();
            k.part(&(sorted.len() as u64).to_le_bytes());
            for (path, sha) in sorted {
                k.part(path.as_bytes()).part(sha.as_bytes());
            }
        };
        folder(files);
        match (m.prev, prev) {
            (Some(p), Some(files)) => {
                folder(files);
                k.part(p.to_string().as_bytes());
            }
            (None, None) => {
                k.part(b"no previous month");
                // A gap in the history reads differently from the first month.
                k.part(if m.earlier { b"gap" } else { b"first" });
            }
            // The previous month exists but its snapshot was not loaded, or the reverse.
            _ => return None,
        }
        k.part(&(m.restore_history.len() as u64).to_le_bytes());
        for entry in &m.restore_history {
            k.part(format!("{entry:?}").as_bytes());
        }
        Some(k.finish())
    }

    /// A month folder's files as the fingerprint hashed them; `None` if the folder
    /// holds a symbolic link or an unreadable file (what is read there is not hashed).
    fn folder_inputs(&self, client: &ClientId, month: Month) -> Option<Vec<(String, String)>> {
        let prefix = format!("evidence/{client}/{month}/");
        let under = |p: &String| p.starts_with(&prefix);
        if self
            .inputs
            .links
            .range(prefix.clone()..)
            .take_while(|p| under(p))
            .next()
            .is_some()
        {
            return None;
        }
        self.inputs
            .files
            .range(prefix.clone()..)
            .take_while(|(p, _)| under(p))
            .map(|(p, i)| {
                (!i.sha256.starts_with("unreadable"))
                    .then(|| (p[prefix.len()..].to_owned(), i.sha256.clone()))
            })
            .collect()
    }

    /// Drops the entries of `clients` this build neither read nor wrote (months gone,
    /// months with input problems), and with `all`, the folders of other clients.
    pub fn prune(&self, clients: &[ClientId], all: bool) {
        let Ok(used) = self.used.lock() else { return };
        let wanted: BTreeSet<&str> = clients.iter().map(ClientId::as_str).collect();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for e in entries.filter_map(Result::ok) {
            let name = e.file_name().to_string_lossy().into_owned();
            if !wanted.contains(name.as_str()) {
                if all {
                    let _ = std::fs::remove_dir_all(e.path());
                }
                continue;
            }
            let Ok(months) = std::fs::read_dir(e.path()) else {
                continue;
            };
            for f in months.filter_map(Result::ok) {
                let file = f.file_name().to_string_lossy().into_owned();
                let month = file.strip_suffix(".json").unwrap_or(&file);
                if !used.contains(&format!("{name}/{month}")) {
                    let _ = std::fs::remove_file(f.path());
                }
            }
        }
    }
}

impl ScorecardCache for Store<'_> {
    fn key(&self, m: &MonthKey) -> Option<String> {
        let files = self.folder_inputs(m.client, m.month)?;
        let prev = match m.prev {
            Some(p) => Some(self.folder_inputs(m.client, p)?),
            None => None,
        };
        Self::key_with(m, &files, prev.as_deref())
    }

    fn get(&self, m: &MonthKey, key: &str) -> Option<Scorecard> {
        if !self.read {
            return None;
        }
        let bytes = std::fs::read(self.path(m.client, m.month)).ok()?;
        let (stored_key, json) = bytes.split_at(bytes.iter().position(|b| *b == b'\n')?);
        if stored_key != key.as_bytes() {
            return None;
        }
        let json = &json[1..];
        let card: Scorecard = serde_json::from_slice(json).ok()?;
        // Read back exactly: the scorecard must print to the very bytes a fresh
        // evaluation printed (numbers included), and be the month asked for.
        let exact = card.client.id == m.client.as_str()
            && card.month == m.month
            && serde_json::to_vec(&card).is_ok_and(|again| again == json);
        if !exact {
            return None;
        }
        self.mark(m.client, m.month);
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(card)
    }

    fn put(
        &self,
        m: &MonthKey,
        key: &str,
        card: &Scorecard,
        snap: &Snapshot,
        prev: Option<&Snapshot>,
    ) {
        // The evidence evaluated must be the evidence the key names (a file changed
        // between fingerprint and load, a folder reached through a link): else no entry.
        let prev_files = prev.map(|p| p.files.as_slice());
        if prev.map(|p| p.month) != m.prev
            || Self::key_with(m, &snap.files, prev_files).as_deref() != Some(key)
        {
            return;
        }
        let path = self.path(m.client, m.month);
        let Some(dir) = path.parent() else { return };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        let mut bytes = Vec::with_capacity(key.len() + 1);
        bytes.extend_from_slice(key.as_bytes());
        bytes.push(b'\n');
        // Compact: the cache holds every month of every client.
        let Ok(json) = serde_json::to_vec(card) else {
            return;
        };
        bytes.extend_from_slice(&json);
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        if std::fs::write(&tmp, &bytes).is_ok() && std::fs::rename(&tmp, &path).is_ok() {
            self.mark(m.client, m.month);
        } else {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

/// sha256 of the running executable: the evaluation code itself, catalogue included,
/// so a rebuilt binary with an unchanged version number never reuses older results.
/// `None` (no caching) if it cannot be read.
fn build_id() -> Option<&'static str> {
    static ID: OnceLock<Option<String>> = OnceLock::new();
    ID.get_or_init(|| {
        // On Linux, the running image itself, even if the file was replaced since.
        let running = Path::new("/proc/self/exe");
        if let Ok(id) = crate::evidence::sha256_file(running) {
            return Some(id);
        }
        crate::evidence::sha256_file(&std::env::current_exe().ok()?).ok()
    })
    .as_deref()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controls::testing::Fx;
    use crate::evaluate::{ClientRun, Months, evaluate_client_cached};
    use crate::scorecard::PolicyProvenance;

    fn inputs(root: &Path) -> Inputs {
        super::super::cache::fingerprint(root, None, &[]).1
    }

    /// Evaluates the fixture client with a store over `inputs`; returns the run and how
    /// many scorecards were read back.
    fn eval(root: &Path, inputs: &Inputs, read: bool) -> (ClientRun, usize) {
        let store = Store::new(root, inputs, read);
        let id = ClientId::parse("acme").unwrap();
        let policy_for = |_: Month, _: bool| {
            let p = crate::policy::load_policy(
                &crate::policy::load::WorkingTree(root.to_path_buf()),
                &id,
                crate::controls::known(),
            )?;
            let provenance = PolicyProvenance::working_tree(Vec::new());
            Ok((p, provenance))
        };
        let run = evaluate_client_cached(root, &id, Months::All, &policy_for, Some(&store));
        (run, store.hits())
    }

    #[test]
    fn a_scorecard_reads_back_equal_to_a_fresh_evaluation() {
        let dir = Fx::new().with_prev().write();
        let root = dir.path();
        let (fresh, hits) = eval(root, &inputs(root), false);
        assert_eq!((fresh.scorecards.len(), hits), (2, 0));
        let (again, hits) = eval(root, &inputs(root), true);
        assert_eq!(hits, 2);
        assert_eq!(again.scorecards, fresh.scorecards);
        assert!(again.diags.is_empty(), "{:?}", again.diags);
    }

    #[test]
    fn evidence_changed_after_the_fingerprint_is_not_cached() {
        let dir = Fx::new().with_prev().write();
        let root = dir.path();
        let stale = inputs(root);
        let restore = root.join("evidence/acme/2026-11/restore-tests.toml");
        let mut text = std::fs::read_to_string(&restore).unwrap();
        text.push_str("# edited after the fingerprint\n");
        std::fs::write(&restore, text).unwrap();
        eval(root, &stale, true);
        // Only 2026-10's entry was stored: 2026-11 was evaluated from other bytes than
        // its key names.
        let (_, hits) = eval(root, &inputs(root), true);
        assert_eq!(hits, 1);
        let (_, hits) = eval(root, &inputs(root), true);
        assert_eq!(hits, 2);
    }

    #[cfg(unix)]
    #[test]
    fn a_month_folder_holding_a_link_is_never_cached() {
        let dir = Fx::new().with_prev().write();
        let root = dir.path();
        std::os::unix::fs::symlink(
            "../../../clients/acme/client.toml",
            root.join("evidence/acme/2026-11/linked.toml"),
        )
        .unwrap();
        eval(root, &inputs(root), true);
        let (run, hits) = eval(root, &inputs(root), true);
        assert_eq!(hits, 1, "only 2026-10, which holds no link");
        assert_eq!(run.scorecards.len(), 2);
    }
}
