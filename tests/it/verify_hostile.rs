//! `custody verify` on hostile packs: every way a zip file can hide, add, inflate or
//! disguise bytes is either tampering (exit 1, naming what) or unreadable input (exit 2),
//! never a panic, never unbounded memory. Hostile zips are forged here byte by byte from a
//! real pack, so each case changes exactly one thing.

use custody::month::Month;
// The packs here are synthetic (no real policy to re-evaluate): hashes and chain only.
use custody::pack::verify_hashes_and_chain as verify_paths;
use custody::pack::{Manifest, PackInput, VerifyReport, build_pack};
use custody::scorecard::PolicyProvenance;
use flate2::Compression;
use flate2::write::DeflateEncoder;
use std::io::Write;
use std::path::{Path, PathBuf};

const PACK: &str = "evidence-acme-2026-07.zip";

/// The fields a local header shares with its central directory entry.
#[derive(Clone, Debug, PartialEq)]
struct Fields {
    version_needed: u16,
    flags: u16,
    method: u16,
    time: u16,
    date: u16,
    crc: u32,
    csize: u32,
    usize: u32,
    name: Vec<u8>,
    extra: Vec<u8>,
}

#[derive(Clone, Debug)]
struct RawEntry {
    local: Fields,
    central: Fields,
    data: Vec<u8>,
    made_by: u16,
    external: u32,
    comment: Vec<u8>,
    /// Bytes written after this entry's data.
    after: Vec<u8>,
    /// The local header offset the central directory records, when not the real one.
    offset: Option<u32>,
}

impl RawEntry {
    /// A regular file as custody writes it.
    fn file(name: &str, content: &[u8]) -> RawEntry {
        let data = deflate(content);
        let mut crc = flate2::Crc::new();
        crc.update(content);
        let fields = Fields {
            version_needed: 20,
            flags: 0,
            method: 8,
            time: 0,
            date: 33,
            crc: crc.sum(),
            csize: data.len() as u32,
            usize: content.len() as u32,
            name: name.as_bytes().to_vec(),
            extra: vec![],
        };
        RawEntry {
            local: fields.clone(),
            central: fields,
            data,
            made_by: 0x0314,
            external: 0o100644 << 16,
            comment: vec![],
            after: vec![],
            offset: None,
        }
    }

    /// Applies `f` to both headers.
    fn both(&mut self, f: impl Fn(&mut Fields)) {
        f(&mut self.local);
        f(&mut self.central);
    }

    /// Replaces the compressed data, updating the compressed size in both headers.
    fn set_data(&mut self, data: Vec<u8>) {
        let n = data.len() as u32;
        self.both(|f| f.csize = n);
        self.data = data;
    }
}

#[derive(Clone, Debug, Default)]
struct RawZip {
    before: Vec<u8>,
    /// Whether offsets count the bytes in `before` (a consistent archive that starts
    /// late) or not (bytes prepended to a finished archive).
    offsets_count_before: bool,
    entries: Vec<RawEntry>,
    between_directory_and_end: Vec<u8>,
    zip64_locator: bool,
    /// Entry counts and directory size/offset written in the end record, when not real.
    end_override: Option<(u16, u32, u32)>,
    comment: Vec<u8>,
    after: Vec<u8>,
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

impl RawZip {
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.before.clone();
        let base = if self.offsets_count_before {
            0
        } else {
            self.before.len()
        };
        let mut offsets = Vec::new();
        for e in &self.entries {
            offsets.push((out.len() - base) as u32);
            let f = &e.local;
            put32(&mut out, 0x0403_4b50);
            put16(&mut out, f.version_needed);
            put16(&mut out, f.flags);
            put16(&mut out, f.method);
            put16(&mut out, f.time);
            put16(&mut out, f.date);
            put32(&mut out, f.crc);
            put32(&mut out, f.csize);
            put32(&mut out, f.usize);
            put16(&mut out, f.name.len() as u16);
            put16(&mut out, f.extra.len() as u16);
            out.extend_from_slice(&f.name);
            out.extend_from_slice(&f.extra);
            out.extend_from_slice(&e.data);
            out.extend_from_slice(&e.after);
        }
        let cd_start = out.len();
        for (e, offset) in self.entries.iter().zip(&offsets) {
            let f = &e.central;
            put32(&mut out, 0x0201_4b50);
            put16(&mut out, e.made_by);
            put16(&mut out, f.version_needed);
            put16(&mut out, f.flags);
            put16(&mut out, f.method);
            put16(&mut out, f.time);
            put16(&mut out, f.date);
            put32(&mut out, f.crc);
            put32(&mut out, f.csize);
            put32(&mut out, f.usize);
            put16(&mut out, f.name.len() as u16);
            put16(&mut out, f.extra.len() as u16);
            put16(&mut out, e.comment.len() as u16);
            put16(&mut out, 0); // disk number start
            put16(&mut out, 0); // internal attributes
            put32(&mut out, e.external);
            put32(&mut out, e.offset.unwrap_or(*offset));
            out.extend_from_slice(&f.name);
            out.extend_from_slice(&f.extra);
            out.extend_from_slice(&e.comment);
        }
        let cd_size = (out.len() - cd_start) as u32;
        out.extend_from_slice(&self.between_directory_and_end);
        if self.zip64_locator {
            put32(&mut out, 0x0706_4b50);
            put32(&mut out, 0);
            out.extend_from_slice(&(cd_start as u64 + cd_size as u64).to_le_bytes());
            put32(&mut out, 1);
        }
        let (count, size, offset) = self.end_override.unwrap_or((
            self.entries.len() as u16,
            cd_size,
            (cd_start - base) as u32,
        ));
        put32(&mut out, 0x0605_4b50);
        put16(&mut out, 0);
        put16(&mut out, 0);
        put16(&mut out, count);
        put16(&mut out, count);
        put32(&mut out, size);
        put32(&mut out, offset);
        put16(&mut out, self.comment.len() as u16);
        out.extend_from_slice(&self.comment);
        out.extend_from_slice(&self.after);
        out
    }

    /// Parses a pack custody wrote (entries back to back, no extras or comments).
    fn parse(zip: &[u8]) -> RawZip {
        let mut entries = Vec::new();
        let mut at = 0;
        while u32_at(zip, at) == 0x0403_4b50 {
            let (nl, el) = (u16_at(zip, at + 26) as usize, u16_at(zip, at + 28) as usize);
            let csize = u32_at(zip, at + 18);
            let local = Fields {
                version_needed: u16_at(zip, at + 4),
                flags: u16_at(zip, at + 6),
                method: u16_at(zip, at + 8),
                time: u16_at(zip, at + 10),
                date: u16_at(zip, at + 12),
                crc: u32_at(zip, at + 14),
                csize,
                usize: u32_at(zip, at + 22),
                name: zip[at + 30..at + 30 + nl].to_vec(),
                extra: zip[at + 30 + nl..at + 30 + nl + el].to_vec(),
            };
            let start = at + 30 + nl + el;
            entries.push(RawEntry {
                central: local.clone(),
                local,
                data: zip[start..start + csize as usize].to_vec(),
                made_by: 0x0314,
                external: 0o100644 << 16,
                comment: vec![],
                after: vec![],
                offset: None,
            });
            at = start + csize as usize;
        }
        RawZip {
            entries,
            ..RawZip::default()
        }
    }

    fn entry(&mut self, name: &str) -> &mut RawEntry {
        self.entries
            .iter_mut()
            .find(|e| e.local.name == name.as_bytes())
            .unwrap()
    }

    fn manifest(&self) -> Manifest {
        let e = self
            .entries
            .iter()
            .find(|e| e.local.name == b"manifest.json")
            .unwrap();
        let mut bytes = Vec::new();
        flate2::write::DeflateDecoder::new(&mut bytes)
            .write_all(&e.data)
            .unwrap();
        Manifest::parse(&bytes).unwrap()
    }

    /// Rewrites `manifest.json` (canonical bytes), so a forged pack is self-consistent.
    fn set_manifest(&mut self, m: &Manifest) {
        let fresh = RawEntry::file("manifest.json", &m.to_json());
        *self.entry("manifest.json") = fresh;
    }

    /// Replaces a listed file's content and records it in the manifest: a pack that is
    /// consistent apart from what the test breaks.
    fn replace_file(&mut self, name: &str, content: &[u8]) {
        *self.entry(name) = RawEntry::file(name, content);
        let mut m = self.manifest();
        let f = m.files.iter_mut().find(|f| f.path == name).unwrap();
        f.sha256 = custody::evidence::sha256_hex(content);
        f.size = content.len() as u64;
        self.set_manifest(&m);
    }
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = DeflateEncoder::new(Vec::new(), Compression::new(6));
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// A deflate stream of `mib` MiB of zeros, built from one compressed MiB repeated (each
/// copy ends on a sync flush, so copies chain), without compressing `mib` MiB.
fn deflated_zeros(mib: usize) -> Vec<u8> {
    let mut enc = DeflateEncoder::new(Vec::new(), Compression::best());
    enc.write_all(&vec![0u8; 1 << 20]).unwrap();
    enc.flush().unwrap();
    let one = enc.get_ref().clone();
    let mut out = Vec::with_capacity(one.len() * mib + 2);
    for _ in 0..mib {
        out.extend_from_slice(&one);
    }
    out.extend_from_slice(&[0x03, 0x00]); // a final, empty fixed-Huffman block
    out
}

fn base_pack() -> Vec<u8> {
    let policy = PolicyProvenance::working_tree(vec!["clients/acme/controls.toml".into()]);
    let files = vec![
        ("scorecard.json".to_owned(), br#"{"client":"acme","month":"2026-07","score":96.4}"#.to_vec()),
        ("scorecard.html".to_owned(), b"<h1>acme 2026-07</h1>".to_vec()),
        (
            "evidence/graph/users.json".to_owned(),
            br#"{"value":[{"id":"6f1c2a44-9a53-4a50-8a0c-3d4f0e2b7c11","userPrincipalName":"ada@acme.example"}]}"#.to_vec(),
        ),
        ("policy/controls.toml".to_owned(), b"[thresholds]\n".to_vec()),
    ];
    build_pack(&PackInput {
        client: "acme",
        month: Month::parse("2026-07").unwrap(),
        policy: &policy,
        files,
        previous: None,
        build: &custody::evidence::provenance::BuildProvenance::from_vars(&|_| None, None),
    })
    .unwrap()
    .zip
}

fn base() -> RawZip {
    RawZip::parse(&base_pack())
}

fn verify_bytes(bytes: &[u8]) -> (tempfile::TempDir, VerifyReport) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(PACK);
    std::fs::write(&path, bytes).unwrap();
    let report = verify_paths(&[path]);
    (dir, report)
}

/// The pack is tampered (exit 1) and one problem says all of `needles`.
#[track_caller]
fn assert_tampered(zip: &RawZip, needles: &[&str]) {
    let (_dir, r) = verify_bytes(&zip.to_bytes());
    assert_eq!(r.exit_code(), 1, "{}", r.render());
    assert!(
        r.problems
            .iter()
            .any(|p| p.contains(PACK) && needles.iter().all(|n| p.contains(n))),
        "expected a problem with {needles:?}:\n{}",
        r.render()
    );
}

#[track_caller]
fn assert_unreadable(bytes: &[u8], needle: &str) {
    let (_dir, r) = verify_bytes(bytes);
    assert_eq!(r.exit_code(), 2, "{}", r.render());
    assert!(
        r.unreadable
            .iter()
            .any(|u| u.contains(PACK) && u.contains(needle)),
        "expected unreadable with {needle:?}:\n{}",
        r.render()
    );
}

#[test]
fn the_forging_tools_reproduce_a_real_pack_byte_for_byte() {
    let real = base_pack();
    let zip = RawZip::parse(&real);
    // The four files given, README.txt, SHA256SUMS and manifest.json.
    assert_eq!(zip.entries.len(), 7);
    assert_eq!(
        zip.to_bytes(),
        real,
        "the test's zip writer must match custody's"
    );
    let (_dir, r) = verify_bytes(&real);
    assert_eq!(r.exit_code(), 0, "{}", r.render());
    // A manifest rewritten with the same content is still the same pack.
    let mut same = zip.clone();
    let m = same.manifest();
    same.set_manifest(&m);
    assert_eq!(same.to_bytes(), real);
    // And a file replaced consistently is intact on its own (the chain catches it).
    let mut other = zip;
    other.replace_file("scorecard.html", b"<h1>rewritten</h1>");
    let (_dir, r) = verify_bytes(&other.to_bytes());
    assert_eq!(r.exit_code(), 0, "{}", r.render());
    let mut inflated = Vec::new();
    flate2::write::DeflateDecoder::new(&mut inflated)
        .write_all(&deflated_zeros(3))
        .unwrap();
    assert_eq!(inflated.len(), 3 << 20);
    assert!(inflated.iter().all(|&b| b == 0));
}

#[test]
fn zip_bombs_are_refused_without_inflating_them() {
    // Inflates far past what its headers and the manifest declare.
    let mut z = base();
    let e = z.entry("scorecard.json");
    e.set_data(deflated_zeros(64));
    assert_tampered(&z, &["scorecard.json", "inflates past the", "declare"]);

    // Declares 1 GiB from ~1 MiB, consistently in headers and manifest: the ratio alone
    // refuses it, before anything is inflated.
    let mut z = base();
    let mut m = z.manifest();
    m.files[0].size = 1 << 30;
    let name = m.files[0].path.clone();
    z.set_manifest(&m);
    let e = z.entry(&name);
    e.set_data(deflated_zeros(1024));
    e.both(|f| f.usize = 1 << 30);
    assert_tampered(&z, &[&name, "ratio above 250:1", "zip bomb"]);

    // A small but extreme ratio: 8 MiB of zeros, declared honestly everywhere.
    let mut z = base();
    z.replace_file("scorecard.html", &vec![0u8; 8 << 20]);
    assert_tampered(&z, &["scorecard.html", "ratio above 250:1"]);
}

#[test]
fn declared_sizes_that_lie_are_tampering() {
    // The headers claim more than the data holds (the manifest agrees with the data).
    let mut z = base();
    let e = z.entry("scorecard.html");
    e.both(|f| f.usize += 1000);
    assert_tampered(
        &z,
        &[
            "scorecard.html",
            "inflates to 21 bytes, but its headers declare 1021",
        ],
    );

    // The headers claim less: inflating stops at the claim.
    let mut z = base();
    let e = z.entry("scorecard.html");
    e.both(|f| f.usize -= 5);
    assert_tampered(
        &z,
        &[
            "scorecard.html",
            "inflates past the 16 bytes its headers declare",
        ],
    );

    // The manifest claims less than headers and data: the pack holds more.
    let mut z = base();
    let mut m = z.manifest();
    let f = m
        .files
        .iter_mut()
        .find(|f| f.path == "scorecard.html")
        .unwrap();
    f.size -= 5;
    z.set_manifest(&m);
    assert_tampered(
        &z,
        &[
            "scorecard.html: sha256 mismatch",
            "says 16 bytes, the pack holds more",
        ],
    );

    // Compressed size larger than the deflate stream: bytes hidden inside the entry.
    let mut z = base();
    let e = z.entry("scorecard.html");
    let mut data = e.data.clone();
    data.extend_from_slice(b"hidden payload");
    e.set_data(data);
    assert_tampered(
        &z,
        &[
            "scorecard.html",
            "14 bytes of data after the end of its deflate stream",
        ],
    );

    // Compressed data cut short.
    let mut z = base();
    let e = z.entry("evidence/graph/users.json");
    let cut = e.data[..e.data.len() - 4].to_vec();
    e.set_data(cut);
    assert_tampered(&z, &["evidence/graph/users.json", "tampered"]);

    // A CRC-32 that does not match data whose sha256 does.
    let mut z = base();
    z.entry("scorecard.json").both(|f| f.crc ^= 1);
    assert_tampered(&z, &["scorecard.json", "CRC-32"]);
}

#[test]
fn duplicate_entry_names_are_tampering() {
    let mut z = base();
    let copy = RawEntry::file("scorecard.json", b"{\"score\":100}");
    z.entries.push(copy);
    assert_tampered(&z, &["scorecard.json: 2 entries of the zip have this name"]);

    // Two manifests: which one an auditor's tool reads is anyone's guess.
    let mut z = base();
    let m = z
        .entries
        .iter()
        .find(|e| e.local.name == b"manifest.json")
        .unwrap()
        .clone();
    z.entries.insert(0, m);
    let (_dir, r) = verify_bytes(&z.to_bytes());
    assert_eq!(r.exit_code(), 1, "{}", r.render());
    assert!(
        r.render().contains("manifest.json: 2 entries"),
        "{}",
        r.render()
    );
    assert_eq!(r.clients, 0, "no manifest is trusted: {}", r.render());
}

#[test]
fn unsafe_entry_names_are_tampering_and_shown_escaped() {
    for (name, why) in [
        ("../../etc/cron.d/x", "'.' or '..' segment"),
        ("/etc/passwd", "absolute"),
        ("evidence\\graph\\users.json", "backslash"),
        ("C:/Windows/x", "colon"),
        ("evidence/\nforged line", "control character"),
    ] {
        let mut z = base();
        z.entries.push(RawEntry::file(name, b"x"));
        assert_tampered(&z, &[&format!("{name:?}"), why]);
        let (_dir, r) = verify_bytes(&z.to_bytes());
        assert!(!r.render().contains("\nforged line"), "{}", r.render());
    }
    let mut z = base();
    let mut e = RawEntry::file("x", b"x");
    e.both(|f| f.name = b"bad\xff\xfename".to_vec());
    z.entries.push(e);
    assert_tampered(&z, &["not UTF-8"]);
}

#[test]
fn links_directories_and_permissions_are_tampering() {
    let mut z = base();
    let mut link = RawEntry::file("evidence/graph/link.json", b"/etc/passwd");
    link.external = 0o120777 << 16;
    z.entries.push(link);
    assert_tampered(&z, &["evidence/graph/link.json", "symbolic link entry"]);

    // A listed file turned into a link: its content is never taken.
    let mut z = base();
    z.entry("scorecard.json").external = 0o120777 << 16;
    assert_tampered(&z, &["scorecard.json", "symbolic link entry"]);

    let mut z = base();
    let mut dir = RawEntry::file("evidence/graph/", b"");
    dir.external = 0o040755 << 16;
    z.entries.push(dir);
    assert_tampered(&z, &["directory entry"]);

    let mut z = base();
    z.entry("scorecard.html").external = 0o100755 << 16;
    assert_tampered(&z, &["scorecard.html", "permissions 0o755"]);

    let mut z = base();
    z.entry("scorecard.html").made_by = 0x0014; // MS-DOS attributes
    assert_tampered(&z, &["scorecard.html", "attributes of system 0"]);
}

#[test]
fn encryption_descriptors_and_other_methods_are_tampering() {
    let mut z = base();
    z.entry("scorecard.json").both(|f| f.flags |= 1);
    assert_tampered(&z, &["scorecard.json", "encrypted"]);

    let mut z = base();
    z.entry("scorecard.json").both(|f| f.flags |= 1 << 3);
    assert_tampered(&z, &["scorecard.json", "data descriptor"]);

    // Stored: the right bytes, uncompressed, are still not what custody writes.
    let mut z = base();
    let content = br#"{"client":"acme","month":"2026-07","score":96.4}"#.to_vec();
    let e = z.entry("scorecard.json");
    e.set_data(content);
    e.both(|f| f.method = 0);
    assert_tampered(&z, &["scorecard.json", "stored without compression"]);

    for method in [12u16, 14, 93, 99] {
        let mut z = base();
        z.entry("scorecard.json").both(|f| f.method = method);
        assert_tampered(
            &z,
            &["scorecard.json", &format!("compression method {method}")],
        );
    }

    let mut z = base();
    z.entry("scorecard.json")
        .both(|f| f.extra = b"UT\x05\x00\x01\x00\x00\x00\x00".to_vec());
    assert_tampered(&z, &["scorecard.json", "an extra field of 9 bytes"]);
}

#[test]
fn bytes_outside_the_entries_are_tampering() {
    // Prepended to a finished archive (offsets not moved), and a consistent archive that
    // starts late (offsets moved): both are bytes before the first entry.
    for counted in [false, true] {
        let mut z = base();
        z.before = b"#!/bin/sh\nexec something\n".to_vec();
        z.offsets_count_before = counted;
        assert_tampered(&z, &["25 bytes of data before the first entry"]);
    }

    let mut z = base();
    z.entries[1].after = b"smuggled".to_vec();
    assert_tampered(&z, &["8 bytes of data between entries"]);

    let mut z = base();
    z.entries.last_mut().unwrap().after = b"smuggled".to_vec();
    assert_tampered(
        &z,
        &[
            "8 bytes of data between the last entry",
            "central directory",
        ],
    );

    let mut z = base();
    z.between_directory_and_end = b"smuggled".to_vec();
    assert_tampered(
        &z,
        &["8 bytes of data between the central directory and its end record"],
    );

    let mut z = base();
    z.comment = b"hello auditor".to_vec();
    assert_tampered(&z, &["a zip comment of 13 bytes"]);

    let mut z = base();
    z.after = b"appended".to_vec();
    assert_tampered(&z, &["8 bytes of data after the end of the zip archive"]);

    // An entry comment is also data outside the entries.
    let mut z = base();
    z.entry("scorecard.html").comment = b"note".to_vec();
    assert_tampered(&z, &["scorecard.html: an entry comment of 4 bytes"]);
}

#[test]
fn a_central_directory_that_disagrees_with_the_local_headers_is_tampering() {
    type Edit = fn(&mut Fields);
    let cases: [(&str, Edit); 5] = [
        ("CRC-32", |f| f.crc ^= 0xff),
        ("size", |f| f.usize += 1),
        ("compressed size", |f| f.csize -= 1),
        ("compression method", |f| f.method = 0),
        ("names it", |f| f.name = b"scorecard.htm".to_vec()),
    ];
    for (what, edit) in cases {
        let mut z = base();
        edit(&mut z.entry("scorecard.html").local);
        assert_tampered(&z, &["scorecard.html", "local header disagrees", what]);
    }
    // Overlapping entries (the non-recursive zip bomb's layout): two directory entries
    // point at the same local header.
    let mut z = base();
    z.entries[2].offset = Some(0);
    assert_tampered(&z, &["starts inside the entry before it"]);

    // A directory entry pointing at no local header.
    let mut z = base();
    z.entries[1].offset = Some(1);
    let (_dir, r) = verify_bytes(&z.to_bytes());
    assert_eq!(r.exit_code(), 1, "{}", r.render());
}

#[test]
fn zip64_records_are_tampering() {
    let mut z = base();
    z.zip64_locator = true;
    assert_tampered(&z, &["ZIP64 end of central directory locator"]);

    let mut z = base();
    let real = RawZip::parse(&base_pack()).to_bytes();
    let (count, size) = (5u16, {
        let end = real.len() - 22;
        u32_at(&real, end + 12)
    });
    z.end_override = Some((count, size, 0xFFFF_FFFF));
    assert_tampered(&z, &["ZIP64 markers"]);

    let mut z = base();
    z.entry("scorecard.html").both(|f| {
        f.version_needed = 45;
        f.extra = [1u16.to_le_bytes(), 16u16.to_le_bytes()].concat();
        f.extra.extend_from_slice(&[0; 16]);
    });
    assert_tampered(&z, &["scorecard.html", "ZIP64 extra field"]);

    let mut z = base();
    z.entry("scorecard.html").both(|f| f.version_needed = 45);
    assert_tampered(&z, &["scorecard.html", "needs zip version 4.5"]);
}

#[test]
fn an_archive_with_too_many_entries_is_refused_before_reading_them() {
    let mut z = base();
    for i in 0..4100 {
        z.entries.push(RawEntry::file(&format!("e/{i}"), b""));
    }
    assert_tampered(&z, &["4107 entries, more than the 4096"]);
}

#[test]
fn what_is_not_a_zip_archive_is_unreadable() {
    assert_unreadable(b"", "an empty file");
    assert_unreadable(b"PK", "not a zip archive");
    assert_unreadable(b"<html>this is not a pack</html>", "not a zip archive");
    assert_unreadable(&vec![0u8; 100_000], "not a zip archive");
    let real = base_pack();
    assert_unreadable(&real[..real.len() / 2], "not a zip archive");
    assert_unreadable(&real[..real.len() - 1], "not a zip archive");
}

#[cfg(unix)]
#[test]
fn folders_pipes_and_links_named_like_packs() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("acme/2026-07")).unwrap();
    let real = site.join("acme/2026-07").join(PACK);
    std::fs::write(&real, base_pack()).unwrap();

    // A pack given through a symbolic link is the user's choice: followed and checked
    // under the link's name.
    let link = dir.path().join(PACK);
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let r = verify_paths(std::slice::from_ref(&link));
    assert_eq!(r.exit_code(), 0, "{}", r.render());
    let renamed = dir.path().join("evidence-acme-2026-08.zip");
    std::os::unix::fs::symlink(&real, &renamed).unwrap();
    let r = verify_paths(&[renamed]);
    assert_eq!(r.exit_code(), 1, "{}", r.render());
    assert!(r.render().contains("the file name says acme 2026-08"));

    // Inside a folder being verified, a link where a pack should be is never followed.
    let outside = dir.path().join("outside.zip");
    std::fs::write(&outside, base_pack()).unwrap();
    std::fs::create_dir_all(site.join("acme/2026-08")).unwrap();
    let planted = site.join("acme/2026-08/evidence-acme-2026-08.zip");
    std::os::unix::fs::symlink(&outside, &planted).unwrap();
    let r = verify_paths(std::slice::from_ref(&site));
    assert_eq!(r.exit_code(), 1, "{}", r.render());
    assert!(
        r.problems
            .iter()
            .any(|p| p.contains("evidence-acme-2026-08.zip") && p.contains("symbolic link")),
        "{}",
        r.render()
    );
    std::fs::remove_file(&planted).unwrap();

    // A folder named like a pack, given directly: a folder to scan, with no pack in it.
    let folder = dir.path().join("evidence-acme-2026-09.zip");
    std::fs::create_dir(&folder).unwrap();
    let r = verify_paths(&[folder]);
    assert_eq!(r.exit_code(), 2, "{}", r.render());
    assert!(
        r.render().contains("no evidence-*.zip found"),
        "{}",
        r.render()
    );

    // Inside a folder being verified, a folder named like a pack is not one.
    std::fs::create_dir_all(site.join("acme/2026-08/evidence-acme-2026-08.zip")).unwrap();
    let r = verify_paths(std::slice::from_ref(&site));
    assert_eq!(r.exit_code(), 2, "{}", r.render());
    assert!(
        r.render()
            .contains("a folder named like a pack, not a pack"),
        "{}",
        r.render()
    );
    std::fs::remove_dir(site.join("acme/2026-08/evidence-acme-2026-08.zip")).unwrap();

    // A named pipe: unreadable, and never opened (opening it would block the run).
    let fifo = dir.path().join("evidence-acme-2026-10.zip");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let r = verify_paths(&[fifo]);
    assert_eq!(r.exit_code(), 2, "{}", r.render());
    assert!(r.render().contains("not a regular file"), "{}", r.render());
    let fifo_in_site = site.join("acme/2026-08/evidence-acme-2026-08.zip");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo_in_site)
        .status()
        .unwrap();
    assert!(made.success());
    let r = verify_paths(&[site]);
    assert_eq!(r.exit_code(), 2, "{}", r.render());
    assert!(r.render().contains("not a regular file"), "{}", r.render());
}

/// Runs `custody verify` with its address space capped, so a run that tried to hold a
/// gigabyte would die instead of passing.
#[cfg(target_os = "linux")]
fn verify_capped(path: &Path, kib: u64) -> std::process::Output {
    let bin = assert_cmd::cargo::cargo_bin("custody");
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {kib} && exec \"$0\" verify \"$1\""))
        .arg(bin)
        .arg(path)
        // Thread stacks and malloc arenas reserve address space per core: keep the
        // reservation independent of the machine.
        .env("RAYON_NUM_THREADS", "2")
        .env("MALLOC_ARENA_MAX", "2")
        .output()
        .unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn memory_stays_bounded_on_gigabyte_claims() {
    let dir = tempfile::tempdir().unwrap();
    // 512 MiB of address space: plenty for custody (it verifies a whole sample site in
    // under 192 MiB), far less than any of the gigabytes below, so a run that held one
    // of them would die instead of passing.
    const CAP_KIB: u64 = 512 << 10;

    // An entry declaring 1 GiB, consistently in headers and manifest.
    let mut z = base();
    let mut m = z.manifest();
    m.files[0].size = 1 << 30;
    let name = m.files[0].path.clone();
    z.set_manifest(&m);
    let e = z.entry(&name);
    e.set_data(deflated_zeros(1024));
    e.both(|f| f.usize = 1 << 30);
    let claims = dir.path().join("claims").join(PACK);
    std::fs::create_dir_all(claims.parent().unwrap()).unwrap();
    std::fs::write(&claims, z.to_bytes()).unwrap();

    // An entry declaring its real small size that inflates to 1 GiB.
    let mut z = base();
    z.entry("scorecard.json").set_data(deflated_zeros(1024));
    let inflates = dir.path().join("inflates").join(PACK);
    std::fs::create_dir_all(inflates.parent().unwrap()).unwrap();
    std::fs::write(&inflates, z.to_bytes()).unwrap();

    // A 2 GiB file (sparse on disk): a real pack after 2 GiB of prepended zeros.
    let sparse = dir.path().join("sparse").join(PACK);
    std::fs::create_dir_all(sparse.parent().unwrap()).unwrap();
    {
        use std::io::{Seek, SeekFrom};
        let mut f = std::fs::File::create(&sparse).unwrap();
        f.seek(SeekFrom::Start(2 << 30)).unwrap();
        f.write_all(&base_pack()).unwrap();
    }

    for (path, needle) in [
        (&claims, "ratio above 250:1"),
        (&inflates, "inflates past the"),
        (&sparse, "2147483648 bytes of data before the first entry"),
    ] {
        let out = verify_capped(path, CAP_KIB);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{path:?}\n{stdout}\n{stderr}");
        assert!(
            stdout.contains(needle) || stderr.contains(needle),
            "{path:?}: {needle}\n{stdout}\n{stderr}"
        );
    }
}

#[test]
fn every_hostile_case_through_the_cli_never_panics() {
    // The CLI on a folder holding one of each kind of pack: one exit code, every pack
    // named, no panic.
    let dir = tempfile::tempdir().unwrap();
    let mut forged: Vec<(String, Vec<u8>)> = Vec::new();
    let mut z = base();
    z.comment = b"c".to_vec();
    forged.push(("a".into(), z.to_bytes()));
    let mut z = base();
    z.entry("scorecard.json").external = 0o120777 << 16;
    forged.push(("b".into(), z.to_bytes()));
    forged.push(("c".into(), b"not a zip".to_vec()));
    forged.push(("d".into(), Vec::new()));
    for (sub, bytes) in &forged {
        let p = dir.path().join(sub).join(PACK);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
    }
    let out = assert_cmd::Command::cargo_bin("custody")
        .unwrap()
        .arg("verify")
        .arg(dir.path())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(!text.contains("panicked"), "{text}");
    for sub in ["a", "b", "c", "d"] {
        let p: PathBuf = dir.path().join(sub).join(PACK);
        assert!(text.contains(&p.display().to_string()), "{sub}: {text}");
    }
}
