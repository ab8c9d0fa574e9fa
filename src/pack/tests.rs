use super::*;
use crate::pack::manifest::Manifest;
use std::io::Read;
use std::path::{Path, PathBuf};
use zip::ZipArchive;

fn month(s: &str) -> Month {
    Month::parse(s).unwrap()
}

fn policy() -> PolicyProvenance {
    PolicyProvenance {
        source: "git".into(),
        commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
        committed_at: Some("2026-06-30T18:00:00Z".into()),
        note: None,
        files: vec!["policy/controls.toml".into()],
    }
}

/// A fixed builder, so packs built by tests do not depend on the machine.
fn build() -> crate::evidence::provenance::BuildProvenance {
    crate::evidence::provenance::BuildProvenance {
        custody_commit: "0123456789abcdef0123456789abcdef01234567".into(),
        ci_run_url: None,
        host: Some("test-host".into()),
        built_at: None,
    }
}

fn files(client: &str, m: Month) -> Vec<(String, Vec<u8>)> {
    vec![
        ("scorecard.json".into(), format!("{{\"client\":\"{client}\",\"month\":\"{m}\"}}").into_bytes()),
        ("scorecard.html".into(), format!("<h1>{client} {m}</h1>").into_bytes()),
        (
            "evidence/graph/users.json".into(),
            format!("{{\"value\":[{{\"userPrincipalName\":\"ada@{client}.example\",\"month\":\"{m}\"}}]}}").into_bytes(),
        ),
        ("evidence/manifest.json".into(), b"{\"tool_version\":\"0.1.0\"}".to_vec()),
        ("policy/controls.toml".into(), b"[[control]]\nid = \"MFA-1\"\n".to_vec()),
    ]
}

/// Builds `site/<client>/<month>/evidence-<client>-<month>.zip` for each month, chained.
fn build_chain(site: &Path, client: &str, months: &[&str]) -> Vec<PathBuf> {
    let policy = policy();
    let mut previous = None;
    let mut out = Vec::new();
    for m in months {
        let m = month(m);
        let pack = build_pack(&PackInput {
            client,
            month: m,
            policy: &policy,
            files: files(client, m),
            previous: previous.clone(),
            build: &build(),
        })
        .unwrap();
        let dir = site.join(client).join(m.to_string());
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(pack_file_name(client, m));
        std::fs::write(&path, &pack.zip).unwrap();
        previous = Some((m, pack.manifest_sha256));
        out.push(path);
    }
    out
}

fn sample_site() -> (tempfile::TempDir, PathBuf, Vec<PathBuf>) {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let packs = build_chain(&site, "acme", &["2026-06", "2026-07", "2026-08"]);
    (tmp, site, packs)
}

fn entries(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut a = ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    (0..a.len())
        .map(|i| {
            let mut f = a.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().into_owned(), data)
        })
        .collect()
}

fn entry(zip: &[u8], name: &str) -> Vec<u8> {
    entries(zip).into_iter().find(|(n, _)| n == name).unwrap().1
}

/// Rewrites a zip (same deterministic options), letting `edit` change, drop (None) or
/// keep each entry.
fn rewrite(path: &Path, edit: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>) {
    let old = std::fs::read(path).unwrap();
    let kept: Vec<(String, Vec<u8>)> = entries(&old)
        .into_iter()
        .filter_map(|(n, d)| edit(&n, d).map(|d| (n, d)))
        .collect();
    let refs: Vec<(&str, &[u8])> = kept
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    std::fs::write(path, write_zip(&refs).unwrap()).unwrap();
}

/// Flips one byte in the middle of an entry's compressed data, in place.
fn flip_byte_in_entry(path: &Path, name: &str) {
    let mut bytes = std::fs::read(path).unwrap();
    let (header, compressed) = {
        let mut a = ZipArchive::new(std::io::Cursor::new(bytes.as_slice())).unwrap();
        let f = a.by_name(name).unwrap();
        (f.header_start() as usize, f.compressed_size() as usize)
    };
    assert_eq!(&bytes[header..header + 4], b"PK\x03\x04");
    let name_len = u16::from_le_bytes([bytes[header + 26], bytes[header + 27]]) as usize;
    let extra_len = u16::from_le_bytes([bytes[header + 28], bytes[header + 29]]) as usize;
    let at = header + 30 + name_len + extra_len + compressed / 2;
    bytes[at] ^= 0x5a;
    std::fs::write(path, bytes).unwrap();
}

/// Hashes, chain and signatures only: these packs are synthetic (their policy is no real
/// policy), so re-evaluation is left to tests/verify_reevaluate.rs, which builds real ones.
fn verify(paths: &[&Path]) -> VerifyReport {
    super::verify::verify_paths_inner(
        &paths.iter().map(|p| p.to_path_buf()).collect::<Vec<_>>(),
        &super::SignatureCheck::default(),
        false,
    )
}

fn has(report: &VerifyReport, needles: &[&str]) -> bool {
    report
        .problems
        .iter()
        .any(|p| needles.iter().all(|n| p.contains(n)))
}

#[test]
fn a_built_chain_verifies_intact() {
    let (_tmp, site, packs) = sample_site();
    build_chain(&site, "globex", &["2026-07", "2026-08"]);
    let r = verify(&[&site]);
    assert_eq!(r.exit_code(), 0, "{}", r.render());
    assert_eq!((r.clients, r.packs), (2, 5));
    assert!(r.problems.is_empty() && r.unreadable.is_empty() && r.notes.is_empty());
    assert!(
        r.render()
            .ends_with("\nsignatures: 0 signed, 5 unsigned\n2 clients, 5 packs: intact")
    );

    let one = verify(&[&site.join("acme")]);
    assert!(one.render().ends_with("\n1 client, 3 packs: intact"));

    // Given as files, a folder plus a file inside it: still three packs.
    let r = verify(&[&site.join("acme"), &packs[1]]);
    assert_eq!((r.exit_code(), r.packs), (0, 3));
}

#[test]
fn manifest_records_everything_in_order() {
    let (_tmp, _site, packs) = sample_site();
    let zip = std::fs::read(&packs[1]).unwrap();
    let bytes = entry(&zip, "manifest.json");
    let m = Manifest::parse(&bytes).unwrap();
    assert_eq!(m.schema_version, super::manifest::SCHEMA_VERSION);
    assert_eq!((m.client.as_str(), m.month), ("acme", month("2026-07")));
    assert_eq!(m.tool.name, "custody");
    assert_eq!(m.tool.version, crate::VERSION);
    assert_eq!(
        m.policy.commit.as_deref(),
        Some("0123456789abcdef0123456789abcdef01234567")
    );
    let prev = m.previous.as_ref().unwrap();
    assert_eq!(prev.month, month("2026-06"));
    let june = std::fs::read(&packs[0]).unwrap();
    assert_eq!(
        prev.manifest_sha256,
        sha256_hex(&entry(&june, "manifest.json"))
    );
    let paths: Vec<&str> = m.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "README.txt",
            "SHA256SUMS",
            "evidence/graph/users.json",
            "evidence/manifest.json",
            "policy/controls.toml",
            "scorecard.html",
            "scorecard.json"
        ]
    );
    let users = entry(&zip, "evidence/graph/users.json");
    assert_eq!(m.files[2].sha256, sha256_hex(&users));
    assert_eq!(m.files[2].size, users.len() as u64);

    // Key order is part of the format.
    let text = String::from_utf8(bytes).unwrap();
    let keys = [
        "\"schema_version\"",
        "\"client\"",
        "\"month\"",
        "\"tool\"",
        "\"policy\"",
        "\"previous\"",
        "\"built_by\"",
        "\"files\"",
    ];
    let at: Vec<usize> = keys.iter().map(|k| text.find(k).unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(text.ends_with("]\n}\n"));

    let first = Manifest::parse(&entry(&june, "manifest.json")).unwrap();
    assert!(first.previous.is_none());
    assert!(
        String::from_utf8(entry(&june, "manifest.json"))
            .unwrap()
            .contains("\"previous\": null")
    );
}

#[test]
fn same_input_gives_the_same_bytes() {
    let policy = policy();
    let m = month("2026-07");
    let prev = Some((month("2026-06"), "a".repeat(64)));
    let a = build_pack(&PackInput {
        client: "acme",
        month: m,
        policy: &policy,
        files: files("acme", m),
        previous: prev.clone(),
        build: &build(),
    })
    .unwrap();
    let mut shuffled = files("acme", m);
    shuffled.reverse();
    let b = build_pack(&PackInput {
        client: "acme",
        month: m,
        policy: &policy,
        files: shuffled,
        previous: prev,
        build: &build(),
    })
    .unwrap();
    assert_eq!(a, b);

    let mut archive = ZipArchive::new(std::io::Cursor::new(a.zip.as_slice())).unwrap();
    let mut names = Vec::new();
    for i in 0..archive.len() {
        let f = archive.by_index(i).unwrap();
        assert_eq!(f.last_modified(), Some(zip::DateTime::default()));
        assert_eq!(f.unix_mode(), Some(0o100644));
        assert_eq!(f.compression(), zip::CompressionMethod::Deflated);
        names.push(f.name().unwrap().into_owned());
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert!(names.contains(&"manifest.json".to_owned()));
    assert_eq!(entry(&a.zip, "manifest.json"), a.manifest_json);
    assert_eq!(a.manifest_sha256, sha256_hex(&a.manifest_json));
}

#[test]
fn unsafe_paths_are_rejected() {
    let policy = policy();
    let m = month("2026-07");
    for bad in [
        "../x",
        "evidence/../../x",
        "/etc/passwd",
        "a//b",
        "a/",
        "",
        "a/./b",
        "a\\b",
        "C:/x",
        "a\nb",
        ".",
        "manifest.json",
        "manifest.json.sig",
        "README.txt",
        "SHA256SUMS",
    ] {
        let mut f = files("acme", m);
        f.push((bad.to_owned(), b"x".to_vec()));
        let err = build_pack(&PackInput {
            client: "acme",
            month: m,
            policy: &policy,
            files: f,
            previous: None,
            build: &build(),
        })
        .unwrap_err();
        assert!(
            matches!(
                &err.problem,
                PackProblem::Path(UnsafePath { path, .. }) | PackProblem::Reserved { path }
                    if path == bad
            ),
            "{bad:?}: {err:?}"
        );
        assert!(
            err.to_string().contains(&format!("{bad:?}")),
            "{bad:?}: {err}"
        );
    }
    let mut dup = files("acme", m);
    dup.push(("scorecard.json".into(), b"again".to_vec()));
    let err = build_pack(&PackInput {
        client: "acme",
        month: m,
        policy: &policy,
        files: dup,
        previous: None,
        build: &build(),
    })
    .unwrap_err();
    assert!(
        matches!(&err.problem, PackProblem::Twice { path } if path == "scorecard.json"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "evidence pack for acme 2026-07: \"scorecard.json\" is given twice"
    );

    let bad_client = build_pack(&PackInput {
        client: "../acme",
        month: m,
        policy: &policy,
        files: vec![],
        previous: None,
        build: &build(),
    });
    assert!(matches!(
        bad_client.map(|_| ()).unwrap_err().problem,
        PackProblem::Client(_)
    ));
    let later = build_pack(&PackInput {
        client: "acme",
        month: m,
        policy: &policy,
        files: vec![],
        previous: Some((month("2026-07"), "a".repeat(64))),
        build: &build(),
    });
    assert!(later.unwrap_err().to_string().contains("not before"));
    let bad_sha = build_pack(&PackInput {
        client: "acme",
        month: m,
        policy: &policy,
        files: vec![],
        previous: Some((month("2026-06"), "XYZ".into())),
        build: &build(),
    });
    assert!(matches!(
        bad_sha.map(|_| ()).unwrap_err().problem,
        PackProblem::PreviousSha256(_)
    ));
}

#[test]
fn a_changed_packed_file_is_tampering() {
    let (_tmp, site, packs) = sample_site();
    let before = entry(
        &std::fs::read(&packs[1]).unwrap(),
        "evidence/graph/users.json",
    );
    let manifest_before = entry(&std::fs::read(&packs[1]).unwrap(), "manifest.json");
    rewrite(&packs[1], |name, mut data| {
        if name == "evidence/graph/users.json" {
            data[10] ^= 1;
        }
        Some(data)
    });
    let zip = std::fs::read(&packs[1]).unwrap();
    assert_ne!(
        entry(&zip, "evidence/graph/users.json"),
        before,
        "the test must really change the packed file"
    );
    assert_eq!(entry(&zip, "manifest.json"), manifest_before);

    let r = verify(&[&site]);
    assert_eq!(r.exit_code(), 1, "{}", r.render());
    assert!(
        has(
            &r,
            &["evidence-acme-2026-07.zip: evidence/graph/users.json: sha256 mismatch"]
        ),
        "{}",
        r.render()
    );
    assert_eq!(r.problems.len(), 1, "{}", r.render());
    assert!(
        r.render()
            .ends_with("1 client, 3 packs: 1 problem (tampered or chain broken)"),
        "{}",
        r.render()
    );
}

#[test]
fn a_flipped_byte_in_the_zip_data_is_tampering() {
    let (_tmp, site, packs) = sample_site();
    flip_byte_in_entry(&packs[2], "scorecard.html");
    let r = verify(&[&site]);
    assert_eq!(r.exit_code(), 1, "{}", r.render());
    assert!(
        has(&r, &["evidence-acme-2026-08.zip: scorecard.html"]),
        "{}",
        r.render()
    );
}

#[test]
fn a_changed_manifest_is_tampering() {
    // A byte of the compressed manifest.
    let (_tmp, site, packs) = sample_site();
    flip_byte_in_entry(&packs[0], "manifest.json");
    let r = verify(&[&site]);
    assert_eq!(r.exit_code(), 1, "{}", r.render());
    assert!(
        has(&r, &["evidence-acme-2026-06.zip: manifest.json"]),
        "{}",
        r.render()
    );

    // Re-serialised (same meaning, other bytes), in the last month: no chain covers it.
    let (_tmp, site, packs) = sample_site();
    rewrite(&packs[2], |name, data| {
        Some(if name == "manifest.json" {
            String::from_utf8(data)
                .unwrap()
                .replace("  ", "\t")
                .into_bytes()
        } else {
            data
        })
    });
    let r = verify(&[&site]);
    assert_eq!(r.exit_code(), 1, "{}", r.render());
    assert!(
        has(
            &r,
            &["evidence-acme-2026-08.zip: manifest.json: not in canonical form"]
        ),
        "{}",
        r.render()
    );

    // A file and its hash both changed: the pack is self-consistent, the next month is not.
    let (_tmp, site, packs) = sample_site();
    let zip = std::fs::read(&packs[1]).unwrap();
    let old = entry(&zip, "scorecard.json");
    let new = String::from_utf8(old.clone())
        .unwrap()
        .replace("acme", "acmf")
        .into_bytes();
    rewrite(&packs[1], |name, data| {
        Some(match name {
            "scorecard.json" => new.clone(),
            "manifest.json" => String::from_utf8(data)
                .unwrap()
                .replace(&sha256_hex(&old), &sha256_hex(&new))
                .into_bytes(),
            _ => data,
        })
    });
    assert!(matches!(
        check_pack("july", &std::fs::read(&packs[1]).unwrap()).verdict,
        Verdict::Intact
    ));
    let r = verify(&[&site]);
    assert_eq!(r.exit_code(), 1, "{}", r.render());
    assert!(
        has(
            &r,
            &[
                "evidence-acme-2026-08.zip: chain broken",
                "2026-07",
                "evidence-acme-2026-07.zip"
            ]
        ),
        "{}",
        r.render()
    );

    // No manifest at all.
    let (_tmp, site, packs) = sample_site();
    rewrite(&packs[2], |name, data| {
        (name != "manifest.json").then_some(data)
    });
    let r = verify(&[&site]);
    assert_eq!(r.exit_code(), 1, "{}", r.render());
    assert!(
        has(&r, &["evidence-acme-2026-08.zip: manifest.json is missing"]),
        "{}",
        r.render()
    );
}

#[test]
fn extra_and_missing_entries_are_tampering() {
    let (_tmp, site, packs) = sample_site();
    let mut kept = entries(&std::fs::read(&packs[1]).unwrap());
    kept.retain(|(n, _)| n != "scorecard.html");
    for (n, d) in &mut kept {
        if n == "policy/controls.toml" {
            d.extend_from_slice(b"# appended\n");
        }
    }
    kept.push(("evidence/graph/extra.json".into(), b"{}".to_vec()));
    kept.sort();
    let refs: Vec<(&str, &[u8])> = kept
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    std::fs::write(&packs[1], write_zip(&refs).unwrap()).unwrap();
    let r = verify(&[&site]);
    assert_eq!(r.exit_code(), 1);
    assert!(
        has(
            &r,
            &["evidence-acme-2026-07.zip: scorecard.html: listed in manifest.json but missing"]
        ),
        "{}",
        r.render()
    );
    assert!(
        has(
            &r,
            &[
                "evidence-acme-2026-07.zip: policy/controls.toml: sha256 mismatch (manifest.json says 25 bytes, the pack holds more)"
            ]
        ),
        "{}",
        r.render()
    );
    assert!(
        has(
            &r,
            &["evidence-acme-2026-07.zip: evidence/graph/extra.json: in the pack but not listed"]
        ),
        "{}",
        r.render()
    );
}

#[test]
fn a_month_removed_from_the_middle_breaks_the_chain() {
    let (_tmp, site, packs) = sample_site();
    std::fs::remove_file(&packs[1]).unwrap();
    let r = verify(&[&site]);
    assert_eq!(r.exit_code(), 1, "{}", r.render());
    assert!(
        has(
            &r,
            &[
                "evidence-acme-2026-08.zip: chain broken",
                "2026-08 follows 2026-07",
                "before it is 2026-06"
            ]
        ),
        "{}",
        r.render()
    );
    assert_eq!(r.packs, 2);
}

#[test]
fn the_first_month_removed_breaks_the_chain() {
    let (_tmp, site, packs) = sample_site();
    std::fs::remove_file(&packs[0]).unwrap();
    let r = verify(&[&site]);
    assert_eq!(r.exit_code(), 1, "{}", r.render());
    assert!(
        has(
            &r,
            &[
                "evidence-acme-2026-07.zip: chain broken",
                "2026-07 follows 2026-06",
                "first month removed"
            ]
        ),
        "{}",
        r.render()
    );
}

#[test]
fn packs_given_as_files_check_the_chain_between_them() {
    let (_tmp, _site, packs) = sample_site();
    let r = verify(&[&packs[2]]);
    assert_eq!(r.exit_code(), 0, "{}", r.render());
    assert_eq!(r.notes.len(), 1);
    assert!(
        r.notes[0].contains("2026-08 follows 2026-07, which was not given"),
        "{:?}",
        r.notes
    );
    assert!(r.render().ends_with("1 client, 1 pack: intact"));

    assert_eq!(verify(&[&packs[1], &packs[2]]).exit_code(), 0);
    // Files given with a gap between them: the gap is a break.
    let r = verify(&[&packs[0], &packs[2]]);
    assert_eq!(r.exit_code(), 1, "{}", r.render());
}

#[test]
fn two_packs_for_one_month_and_renamed_packs_are_problems() {
    let (tmp, site, packs) = sample_site();
    let copy = site.join("acme").join("copy");
    std::fs::create_dir_all(&copy).unwrap();
    std::fs::copy(&packs[1], copy.join("evidence-acme-2026-07.zip")).unwrap();
    let r = verify(&[&site]);
    assert_eq!(r.exit_code(), 1, "{}", r.render());
    assert!(has(&r, &["two packs for acme 2026-07"]), "{}", r.render());

    let renamed = tmp.path().join("evidence-acme-2026-09.zip");
    std::fs::copy(&packs[2], &renamed).unwrap();
    let r = verify(&[&renamed]);
    assert_eq!(r.exit_code(), 1, "{}", r.render());
    assert!(
        has(&r, &["the file name says acme 2026-09", "acme 2026-08"]),
        "{}",
        r.render()
    );
}

#[test]
fn unreadable_input_is_exit_2() {
    let (tmp, site, packs) = sample_site();
    let garbage = tmp.path().join("evidence-junk-2026-07.zip");
    std::fs::write(&garbage, b"this is not a zip file at all").unwrap();
    let r = verify(&[&garbage]);
    assert_eq!(r.exit_code(), 2, "{}", r.render());
    assert!(
        r.unreadable[0].contains("evidence-junk-2026-07.zip"),
        "{:?}",
        r.unreadable
    );

    let bytes = std::fs::read(&packs[2]).unwrap();
    std::fs::write(&packs[2], &bytes[..bytes.len() / 2]).unwrap();
    let r = verify(&[&site]);
    assert_eq!(r.exit_code(), 2, "{}", r.render());
    assert!(
        r.render().ends_with("1 client, 3 packs: 1 unreadable"),
        "{}",
        r.render()
    );

    // Tampering takes precedence over unreadable input.
    flip_byte_in_entry(&packs[0], "scorecard.json");
    assert_eq!(verify(&[&site]).exit_code(), 1);

    assert_eq!(verify(&[&tmp.path().join("nope")]).exit_code(), 2);
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let r = verify(&[&empty]);
    assert_eq!(r.exit_code(), 2);
    assert!(
        r.unreadable[0].contains("no evidence-*.zip"),
        "{:?}",
        r.unreadable
    );
    assert_eq!(verify_paths(&[]).exit_code(), 2);
}

#[test]
fn an_unreadable_middle_pack_is_not_also_a_chain_break() {
    let (_tmp, site, packs) = sample_site();
    let bytes = std::fs::read(&packs[1]).unwrap();
    std::fs::write(&packs[1], &bytes[..bytes.len() - 30]).unwrap();
    let r = verify(&[&site]);
    assert_eq!(r.exit_code(), 2, "{}", r.render());
    assert!(
        r.unreadable[0].contains("evidence-acme-2026-07.zip"),
        "{}",
        r.render()
    );
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("2026-08 follows 2026-07, whose pack is unreadable")),
        "{}",
        r.render()
    );

    // Without a usable manifest the pack is tampered; the gap is not reported twice.
    let (_tmp, site, packs) = sample_site();
    rewrite(&packs[1], |name, data| {
        (name != "manifest.json").then_some(data)
    });
    let r = verify(&[&site]);
    assert_eq!(r.exit_code(), 1, "{}", r.render());
    assert_eq!(r.problems.len(), 1, "{}", r.render());
}

#[test]
fn the_pack_reader_yields_verified_entries_only() {
    use crate::pack::read::PackReader;
    let (_tmp, _site, packs) = sample_site();
    let zip = std::fs::read(&packs[1]).unwrap();
    let manifest = Manifest::parse(&entry(&zip, "manifest.json")).unwrap();
    let mut reader = PackReader::open(std::io::Cursor::new(zip.as_slice())).unwrap();
    assert!(reader.problems().is_empty());
    for f in &manifest.files {
        let data = reader.read_verified(f).unwrap();
        assert_eq!(data, entry(&zip, &f.path), "{}", f.path);
    }
    // A manifest entry that does not match what is packed is never yielded.
    let mut wrong = manifest.files[0].clone();
    wrong.sha256 = "0".repeat(64);
    let e = reader.read_verified(&wrong).unwrap_err();
    assert!(matches!(e, read::EntryError::Sha256Mismatch), "{e:?}");
    assert_eq!(e.to_string(), "sha256 mismatch");
    wrong = manifest.files[0].clone();
    wrong.size -= 1;
    assert!(
        reader
            .read_verified(&wrong)
            .unwrap_err()
            .to_string()
            .contains("holds more than")
    );
    wrong.path = "evidence/graph/absent.json".into();
    assert!(
        reader
            .read_verified(&wrong)
            .unwrap_err()
            .to_string()
            .contains("missing from the pack")
    );
}

/// A pack of `files` with `evidence/manifest.json` replaced by `evidence_manifest`.
fn pack_with_evidence_manifest(evidence_manifest: &str) -> Pack {
    let m = month("2026-07");
    let mut f = files("acme", m);
    for (p, b) in f.iter_mut() {
        if p == "evidence/manifest.json" {
            *b = evidence_manifest.as_bytes().to_vec();
        }
    }
    build_pack(&PackInput {
        client: "acme",
        month: m,
        policy: &policy(),
        files: f,
        previous: None,
        build: &build(),
    })
    .unwrap()
}

const SEALED: &str = r#"{"schema_version":1,"collected_at":"2026-07-30T10:00:00Z",
  "tool":{"name":"custody","version":"0.1.0"},"tenant_id":"t",
  "provenance":{"method":"hand","by":"Jane\nWHO BUILT THIS PACK\n  built by nobody","tenant_id":"t",
    "custody_version":"0.1.0","custody_commit":"abc1234","started_at":"2026-07-30T10:00:00Z",
    "finished_at":"2026-07-30T10:00:00Z"}}"#;

#[test]
fn a_pack_carries_who_collected_its_evidence_and_the_readme_names_it_on_one_line() {
    let pack = pack_with_evidence_manifest(SEALED);
    let m = Manifest::parse(&pack.manifest_json).unwrap();
    let c = m
        .collected_by
        .as_ref()
        .expect("collected_by from evidence/manifest.json");
    assert_eq!(c.method, crate::evidence::provenance::Method::Hand);
    assert_eq!(
        m.built_by.as_ref().unwrap().host.as_deref(),
        Some("test-host")
    );
    let readme = String::from_utf8(entry(&pack.zip, README_PATH)).unwrap();
    assert!(
        readme.contains("exported by hand by Jane\\u{a}WHO BUILT THIS PACK\\u{a}  built by nobody, sealed with custody 0.1.0"),
        "{readme}"
    );
    // The hostile name cannot start a heading of its own.
    assert_eq!(
        readme.matches("\nWHO BUILT THIS PACK\n").count(),
        1,
        "{readme}"
    );
    // Without provenance in the evidence manifest: not recorded.
    let old = pack_with_evidence_manifest(
        r#"{"schema_version":1,"collected_at":"x","tool":{"name":"custody","version":"0.1.0"},"tenant_id":"t"}"#,
    );
    let m = Manifest::parse(&old.manifest_json).unwrap();
    assert_eq!(m.collected_by, None);
    let readme = String::from_utf8(entry(&old.zip, README_PATH)).unwrap();
    assert!(
        readme.contains("Not recorded: the month's evidence/manifest.json predates provenance")
    );
}

#[test]
fn readme_and_checksums_are_listed_hashed_and_follow_from_the_manifest() {
    let pack = pack_with_evidence_manifest(SEALED);
    let m = Manifest::parse(&pack.manifest_json).unwrap();
    let readme = entry(&pack.zip, README_PATH);
    let sums = entry(&pack.zip, SUMS_PATH);
    for (name, bytes) in [(README_PATH, &readme), (SUMS_PATH, &sums)] {
        let f = m.files.iter().find(|f| f.path == name).unwrap();
        assert_eq!(f.sha256, sha256_hex(bytes), "{name}");
    }
    // Both are functions of the manifest: what verify renders again.
    assert_eq!(readme::sums(&m.files).as_bytes(), &sums[..]);
    assert_eq!(
        readme::readme(&readme::About::of(&m, false)).as_bytes(),
        &readme[..]
    );
    assert_ne!(
        readme::readme(&readme::About::of(&m, true)).as_bytes(),
        &readme[..]
    );
    let sums = String::from_utf8(sums).unwrap();
    assert!(!sums.contains(SUMS_PATH), "{sums}");
    assert_eq!(sums.lines().count(), m.files.len() - 1);
    assert!(
        sums.lines().all(|l| l.len() > 66 && &l[64..66] == "  "),
        "{sums}"
    );
}

#[test]
fn an_oversized_provenance_is_not_carried() {
    let big = SEALED.replace("\"Jane", &format!("\"{}", "J".repeat(20_000)));
    let pack = pack_with_evidence_manifest(&big);
    assert_eq!(
        Manifest::parse(&pack.manifest_json).unwrap().collected_by,
        None
    );
    assert_eq!(packed_provenance(big.as_bytes()), None);
    assert!(packed_provenance(SEALED.as_bytes()).is_some());
}
