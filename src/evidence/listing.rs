//! What the manifest vouches for. Once a month has a manifest, only the files it lists
//! with their sha256 are evidence: a file added afterwards (a `graph/groupMembers/<id>.json`
//! dropped in after sealing) or changed afterwards is set aside as if absent, so it
//! decides no verdict, and `evidence.snapshot-complete` fails naming it. A month without a
//! (readable) manifest is loaded as it is, and fails `evidence.snapshot-complete` for that.

use super::{GZIP_SUFFIX, MANIFEST, Missing, Slot, Snapshot, group_members_file, veeam};

/// Why a file of the month is not evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unvouched {
    /// The manifest does not list it.
    Unlisted,
    /// The manifest lists it with another sha256.
    Changed,
}

impl Unvouched {
    /// The reason given for the file, and for every control that would have read it.
    pub fn reason(self, file: &str) -> String {
        match self {
            Unvouched::Unlisted => format!(
                "{file} is not listed in manifest.json, so it is not evidence (added after the month was collected or sealed?): seal or collect the month again"
            ),
            Unvouched::Changed => format!(
                "{file}: sha256 does not match manifest.json (modified after collection), so it is not evidence"
            ),
        }
    }
}

/// Every file of the month the manifest does not vouch for, in file order; none when
/// the month has no (readable) manifest.
pub fn all_unvouched(snap: &Snapshot) -> Vec<(String, Unvouched)> {
    let Some(manifest) = snap.manifest.ok() else {
        return Vec::new();
    };
    // One lookup table: a month can hold thousands of group membership files.
    let listed: std::collections::HashMap<&str, &str> = manifest.hashes().collect();
    snap.files
        .iter()
        .filter(|(f, _)| f != MANIFEST)
        .filter_map(|(f, got)| match listed.get(f.as_str()) {
            None => Some((f.clone(), Unvouched::Unlisted)),
            Some(want) if !want.eq_ignore_ascii_case(got) => Some((f.clone(), Unvouched::Changed)),
            Some(_) => None,
        })
        .collect()
}

/// The files whose content is not evidence at all: those the manifest does not list (a
/// changed file is still read for whose it is). Empty when the month has no manifest.
pub(super) fn unlisted(snap: &Snapshot) -> std::collections::HashSet<String> {
    all_unvouched(snap)
        .into_iter()
        .filter(|(_, u)| *u == Unvouched::Unlisted)
        .map(|(f, _)| f)
        .collect()
}

/// Sets aside every slot whose file the manifest does not vouch for: missing, with the
/// reason, as if the file were absent.
pub(super) fn set_aside(snap: &mut Snapshot) {
    if snap.manifest.ok().is_none() {
        return;
    }
    let bad = all_unvouched(snap);
    if bad.is_empty() {
        return;
    }
    let dir = snap.dir.clone();
    let why = |file: &str| -> Option<Missing> {
        // A `.json` file may be stored as itself or compressed (`.json.gz`).
        let gz = format!("{file}{GZIP_SUFFIX}");
        bad.iter()
            .find(|(f, _)| *f == file || *f == gz)
            .map(|(f, u)| Missing {
                file: format!("{dir}/{f}"),
                reason: u.reason(f),
            })
    };
    for spec in super::endpoints::ENDPOINTS {
        if let Some(m) = why(spec.file) {
            snap.graph.set_missing(spec.endpoint, m);
        }
    }
    for (id, slot) in snap.group_members.iter_mut() {
        if let Some(m) = why(&group_members_file(id)) {
            *slot = Slot::Missing(m);
        }
    }
    if let Some(m) = why(super::BACKUP_JOBS) {
        snap.backup_jobs = Slot::Missing(m);
    }
    if let Some(m) = why(super::RESTORE_TESTS) {
        snap.restore_tests = Slot::Missing(m);
    }
    if let Some(m) = why(super::restore_points::FILE) {
        snap.restore_point_searches = Slot::Missing(m);
    }
    for (name, slot) in snap.backup_exports.iter_mut() {
        if let Some(m) = why(&format!("{}/{name}", super::BACKUP_DIR)) {
            *slot = Slot::Missing(m);
        }
    }
    // The Veeam export is read from several files: any one not vouched for sets it aside.
    let veeam_bad = |files: &[&str]| files.iter().find_map(|f| why(f));
    if let Some(m) = veeam_bad(&[veeam::JOBS, veeam::JOB_SESSIONS])
        && snap.veeam_jobs.is_some()
    {
        snap.veeam_jobs = Some(Slot::Missing(m));
    }
    if let Some(m) = veeam_bad(&[veeam::RESTORE_SESSIONS])
        && snap.veeam_restores.is_some()
    {
        snap.veeam_restores = Some(Slot::Missing(m));
    }
    // A malformed file stays bad input (exit 2, named with its JSON path) wherever it
    // lies in the month: set aside, it decides no verdict, but it is not hidden.
}
