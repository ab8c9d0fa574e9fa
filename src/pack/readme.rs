//! The two files that let a pack explain itself: `README.txt` (what each file is, what was
//! evaluated against what, who collected and built it, how to verify it with and without
//! custody) and `SHA256SUMS` (the manifest's hashes in the format `sha256sum -c` reads).
//!
//! Both are functions of the manifest alone (its fields and file list, and whether the pack
//! is signed), so the build writes them before the manifest hashes them, and `custody
//! verify` renders them again from the manifest and compares bytes. Every value that came
//! from a file someone could edit goes through `one_line`: the README is plain text an
//! auditor reads and copies commands from, so no value can start a line of its own.

use super::manifest::{MANIFEST_PATH, Manifest};
use super::signature::{NAMESPACE, SIGNATURE_PATH};
use super::{FileEntry, pack_file_name};
use crate::evidence::provenance::{BuildProvenance, CollectProvenance, one_line};
use crate::month::Month;
use std::fmt::Write;

/// The auditor's guide inside every pack (schema 3).
pub const README_PATH: &str = "README.txt";
/// `sha256  path` per file the manifest lists (but this one), for `sha256sum -c`.
pub const SUMS_PATH: &str = "SHA256SUMS";

/// What the README describes: the manifest's fields, every path it lists, and whether
/// the pack carries a signature.
pub struct About<'a> {
    pub client: &'a str,
    pub month: Month,
    pub version: &'a str,
    pub policy: &'a super::manifest::PolicyRecord,
    pub previous: Option<&'a super::manifest::Previous>,
    pub built_by: Option<&'a BuildProvenance>,
    pub collected_by: Option<&'a CollectProvenance>,
    /// Every path the manifest lists, sorted.
    pub paths: Vec<&'a str>,
    pub signed: bool,
}

impl<'a> About<'a> {
    /// The README's inputs as a packed manifest records them.
    pub fn of(m: &'a Manifest, signed: bool) -> About<'a> {
        About {
            client: &m.client,
            month: m.month,
            version: &m.tool.version,
            policy: &m.policy,
            previous: m.previous.as_ref(),
            built_by: m.built_by.as_ref(),
            collected_by: m.collected_by.as_ref(),
            paths: m.files.iter().map(|f| f.path.as_str()).collect(),
            signed,
        }
    }
}

/// `SHA256SUMS`: one `<sha256>  <path>` line per listed file but itself, in manifest order.
/// Pack paths hold no backslash or control character, so none needs sha256sum's escaping.
pub fn sums(files: &[FileEntry]) -> String {
    let mut out = String::new();
    for f in files.iter().filter(|f| f.path != SUMS_PATH) {
        let _ = writeln!(out, "{}  {}", f.sha256, f.path);
    }
    out
}

/// `README.txt`.
pub fn readme(a: &About) -> String {
    let v = |s: &str| one_line(s, 200);
    let zip = pack_file_name(a.client, a.month);
    let mut o = String::new();
    let title = format!("Evidence pack of {} for {}", a.client, a.month);
    let _ = writeln!(o, "{title}\n{}\n", "=".repeat(title.chars().count()));
    let _ = writeln!(
        o,
        "This zip holds the compliance scorecard of client {} for {}, everything it\nwas evaluated from, and what you need to check it offline. custody wrote it;\nmanifest.json vouches for every file, this one included.\n",
        a.client, a.month
    );

    o.push_str("WHAT WAS EVALUATED AGAINST WHAT\n\n");
    let _ = writeln!(
        o,
        "  Evidence month:  {} (the files under evidence/)",
        a.month
    );
    let policy = match (&a.policy.commit, &a.policy.committed_at) {
        (Some(c), Some(at)) => format!("git commit {}, committed {}", v(c), v(at)),
        (Some(c), None) => format!("git commit {}", v(c)),
        _ => format!("{} (not a commit)", v(&a.policy.source).replace('_', " ")),
    };
    let _ = writeln!(o, "  Policy:          {policy}");
    if let Some(n) = &a.policy.note {
        let _ = writeln!(o, "                   ({})", v(n));
    }
    let _ = writeln!(o, "  Evaluated by:    custody {}", v(a.version));
    match a.previous {
        Some(p) => {
            let _ = writeln!(
                o,
                "  Previous month:  {}, whose manifest.json has sha256\n                   {}\n                   (the chain: a month removed or changed breaks it)",
                p.month, p.manifest_sha256
            );
        }
        None => o.push_str("  Previous month:  none (the first month of this client's chain)\n"),
    }

    o.push_str("\nWHO COLLECTED THE EVIDENCE\n\n");
    match a.collected_by {
        Some(c) => {
            let _ = writeln!(o, "  {}", c.describe());
        }
        None => o.push_str(
            "  Not recorded: the month's evidence/manifest.json predates provenance, or\n  there is none (then evidence.snapshot-complete fails in the scorecard).\n",
        ),
    }

    o.push_str("\nWHO BUILT THIS PACK\n\n");
    match a.built_by {
        Some(b) => {
            let _ = writeln!(o, "  {}", b.describe(a.version));
        }
        None => o.push_str("  Not recorded.\n"),
    }

    o.push_str("\nWHAT EACH FILE IS\n\n");
    for (name, what) in files_described(a) {
        let _ = writeln!(o, "  {name:<22}{what}");
    }

    o.push_str("\nHOW TO VERIFY IT WITH CUSTODY\n\n");
    if a.signed {
        let _ = writeln!(
            o,
            "  custody verify --trusted-key allowed_signers --require-signature {zip}\n"
        );
        o.push_str(
            "  checks every hash, the signature against the keys in allowed_signers (the\n  MSP's public key, which you get from the MSP, not from this pack), and\n  evaluates the packed policy against the packed evidence again: the packed\n  scorecard must be exactly what they give. Give it the previous months' packs\n  (or the folder holding them) to check the chain too.\n",
        );
    } else {
        let _ = writeln!(o, "  custody verify {zip}\n");
        o.push_str(
            "  checks every hash and evaluates the packed policy against the packed\n  evidence again: the packed scorecard must be exactly what they give. Give it\n  the previous months' packs (or the folder holding them) to check the chain\n  too. This pack is not signed: nothing in it shows who made it.\n",
        );
    }
    o.push_str("\nHOW TO VERIFY IT WITHOUT CUSTODY (unzip, sha256sum, ssh-keygen, bash)\n\n");
    let _ = writeln!(o, "  unzip {zip} -d pack && cd pack\n");
    if a.signed {
        let _ = writeln!(
            o,
            "  # 1. manifest.json is signed by a key you trust (\"Good \\\"{NAMESPACE}\\\" signature\"):\n  ssh-keygen -Y verify -f ../allowed_signers -n {NAMESPACE} -s {SIGNATURE_PATH} \\\n    -I \"$(ssh-keygen -Y find-principals -f ../allowed_signers -s {SIGNATURE_PATH})\" < {MANIFEST_PATH}\n"
        );
    } else {
        let _ = writeln!(
            o,
            "  # 1. This pack is not signed ({SIGNATURE_PATH} is absent): the steps below\n  #    show it is as its manifest says, not who made the manifest.\n"
        );
    }
    let _ = writeln!(
        o,
        "  # 2. {SUMS_PATH} is the list {MANIFEST_PATH} vouches for (prints its entry, or fails):\n  grep -A1 '\"path\": \"{SUMS_PATH}\"' {MANIFEST_PATH} | grep -F \"$(sha256sum {SUMS_PATH} | cut -c1-64)\"\n\n  # 3. every file is the one hashed there:\n  sha256sum -c --strict {SUMS_PATH}\n\n  # 4. and the pack holds nothing else (no output means nothing else):\n  find . -type f ! -path ./{MANIFEST_PATH} ! -path ./{SIGNATURE_PATH} ! -path ./{SUMS_PATH} \\\n    | sed 's|^\\./||' | LC_ALL=C sort | diff - <(cut -c67- {SUMS_PATH} | LC_ALL=C sort)"
    );
    if a.previous.is_some() {
        let _ = writeln!(
            o,
            "\n  # 5. the chain: the previous month's pack has the manifest sha256 named above:\n  unzip -p ../{} {MANIFEST_PATH} | sha256sum",
            a.previous
                .map(|p| pack_file_name(a.client, p.month))
                .unwrap_or_default()
        );
    }
    o
}

/// (name, description) per top-level file and folder of the pack, in pack order.
fn files_described(a: &About) -> Vec<(String, String)> {
    let count = |prefix: &str| a.paths.iter().filter(|p| p.starts_with(prefix)).count();
    let mut out: Vec<(String, String)> = Vec::new();
    let mut seen_dirs: Vec<String> = Vec::new();
    let mut push_top = |path: &str, out: &mut Vec<(String, String)>| {
        let (top, nested) = match path.split_once('/') {
            Some((t, _)) => (format!("{t}/"), true),
            None => (path.to_owned(), false),
        };
        if nested {
            if seen_dirs.contains(&top) {
                return;
            }
            seen_dirs.push(top.clone());
        }
        let what = match top.as_str() {
            README_PATH => "this guide".to_owned(),
            SUMS_PATH => {
                format!("sha256 of every file {MANIFEST_PATH} lists (but itself), for sha256sum -c")
            }
            "scorecard.html" => {
                "the scorecard to read in a browser; its links stay inside the pack".into()
            }
            "scorecard.json" => "the same scorecard, machine-readable".into(),
            "assets/" => "the scorecard's style sheets (and the client's logo)".into(),
            "evidence/" => format!(
                "the month's evidence, {} file(s): Microsoft Graph responses under\n{:24}evidence/graph/, backup and restore records, and\n{:24}evidence/manifest.json, written when it was collected or sealed",
                count("evidence/"),
                "",
                ""
            ),
            "policy/" => {
                let names: Vec<String> = a
                    .paths
                    .iter()
                    .filter_map(|p| p.strip_prefix("policy/"))
                    .map(|n| one_line(n, 80))
                    .collect();
                format!(
                    "the client's policy in force that month: {}",
                    names.join(", ")
                )
            }
            "previous/" => format!(
                "the previous month's evidence, {} file(s), which this month's\n{:24}evaluation reads (role changes, backup gaps across the month end)",
                count("previous/"),
                ""
            ),
            "history/" => {
                "restore tests of earlier months, which the restore-test controls read".into()
            }
            _ => "a file custody packed".into(),
        };
        out.push((one_line(&top, 80), what));
    };
    let mut all: Vec<&str> = a.paths.clone();
    all.push(MANIFEST_PATH);
    if a.signed {
        all.push(SIGNATURE_PATH);
    }
    all.sort_unstable();
    for p in all {
        match p {
            MANIFEST_PATH => out.push((
                MANIFEST_PATH.into(),
                format!(
                    "sha256 and size of every other file, the policy commit, the custody\n{:24}version, who collected and built it, the previous month's manifest hash",
                    ""
                ),
            )),
            SIGNATURE_PATH => out.push((
                SIGNATURE_PATH.into(),
                format!(
                    "the MSP's OpenSSH signature (sshsig, namespace {NAMESPACE}) of\n{:24}the exact bytes of {MANIFEST_PATH}",
                    ""
                ),
            )),
            p => push_top(p, &mut out),
        }
    }
    out
}
