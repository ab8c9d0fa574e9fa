//! Reading a pack for `custody verify`, bounded whatever the file holds. The zip structure
//! is parsed from disk with small fixed buffers and held to the one layout custody writes
//! (see the module header of `pack`): entries back to back from the first byte, a central
//! directory that repeats every local header, an end record with no comment, nothing
//! else. Entry data is then inflated one entry at a time through fixed buffers, never past
//! the size declared for it, so a hostile pack costs a fixed amount of memory and work
//! proportional to its size on disk (see [`MAX_RATIO`]).
//!
//! What does not look like a zip archive at all is [`Refusal::Unreadable`]; a zip archive
//! that is not laid out as custody writes it is tampering, reported per entry where the
//! rest can still be checked, or as [`Refusal::Tampered`] when the layout cannot be
//! trusted enough to read any entry.

use super::check_pack_path;
use super::manifest::FileEntry;
use crate::evidence::sha256_hex;
use flate2::{Crc, Decompress, FlushDecompress, Status};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::io::{self, Read, Seek, SeekFrom};

/// Why an entry of a pack cannot be read, or does not hold what the manifest says.
#[derive(Debug)]
pub enum EntryError {
    /// Several entries have the name (which one a tool extracts is anyone's guess).
    Ambiguous {
        count: usize,
    },
    NoSuchEntry,
    /// Refused when the archive was opened (a link, a bad name, headers that disagree).
    Refused(String),
    Read(io::Error),
    Inflate(flate2::DecompressError),
    CutShort,
    DoesNotInflate,
    /// Inflates past what its headers declare.
    PastDeclared {
        declared: u64,
    },
    Size {
        inflated: u64,
        declared: u64,
    },
    Trailing {
        bytes: u64,
    },
    Crc {
        computed: u32,
        declared: u32,
    },
    /// Listed in the manifest, absent from the zip.
    Missing,
    LargerThanListed {
        size: u64,
    },
    Sha256Mismatch,
}

impl fmt::Display for EntryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntryError::Ambiguous { count } => {
                write!(f, "{count} entries of the zip have this name")
            }
            EntryError::NoSuchEntry => f.write_str("no such entry"),
            EntryError::Refused(why) => f.write_str(why),
            EntryError::Read(e) => write!(f, "cannot read: {e}"),
            EntryError::Inflate(e) => {
                write!(f, "its data does not inflate ({e}): corrupt or tampered")
            }
            EntryError::CutShort => f.write_str(
                "its compressed data ends before its deflate stream does: cut short or tampered",
            ),
            EntryError::DoesNotInflate => {
                f.write_str("its data does not inflate: corrupt or tampered")
            }
            EntryError::PastDeclared { declared } => write!(
                f,
                "inflates past the {declared} bytes its headers declare (stopped there): a zip bomb or tampered"
            ),
            EntryError::Size { inflated, declared } => write!(
                f,
                "inflates to {inflated} bytes, but its headers declare {declared}"
            ),
            EntryError::Trailing { bytes } => {
                write!(
                    f,
                    "{bytes} bytes of data after the end of its deflate stream"
                )
            }
            EntryError::Crc { computed, declared } => write!(
                f,
                "CRC-32 {computed:08x} does not match the {declared:08x} its headers declare: corrupt or tampered"
            ),
            EntryError::Missing => f.write_str("listed in manifest.json but missing from the pack"),
            EntryError::LargerThanListed { size } => {
                write!(f, "holds more than the {size} bytes manifest.json says")
            }
            EntryError::Sha256Mismatch => f.write_str("sha256 mismatch"),
        }
    }
}

impl std::error::Error for EntryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EntryError::Read(e) => Some(e),
            EntryError::Inflate(e) => Some(e),
            _ => None,
        }
    }
}

const LOCAL_SIG: u32 = 0x0403_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const END_SIG: u32 = 0x0605_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const LOCAL_LEN: u64 = 30;
const CENTRAL_LEN: usize = 46;
const END_LEN: u64 = 22;
const ZIP64_LOCATOR_LEN: u64 = 20;
/// A zip comment is at most this long, so the end record is within the last
/// `END_LEN + MAX_COMMENT` bytes.
const MAX_COMMENT: u64 = u16::MAX as u64;

/// Entries a pack may hold. A real pack holds a few dozen (the scorecard, one file per
/// Graph endpoint, the policy files); the bound caps the central directory read into
/// memory and the fixed per-entry allowance below.
pub const MAX_ENTRIES: usize = 4096;
/// Longest entry name (the limit `check_pack_path` applies when packs are built).
const MAX_NAME: usize = 1024;

/// Largest inflated-to-compressed ratio an entry may declare. Deflate on evidence (JSON
/// with GUIDs and timestamps, CSV, HTML) stays far below it; a zip bomb sits near
/// deflate's ceiling of about 1032:1. Entries declaring more are refused unread, and no
/// entry is inflated past what it declares, so verifying a pack inflates at most
/// `MAX_RATIO` times its size plus [`RATIO_FLOOR`] per entry.
pub const MAX_RATIO: u64 = 250;
/// Entries up to this size are never judged by their ratio: a short, repetitive file can
/// compress well without costing anything to check.
pub const RATIO_FLOOR: u64 = 64 << 10;

/// The only compression method custody writes.
const METHOD_DEFLATE: u16 = 8;
/// General-purpose flag bits (APPNOTE 4.4.4).
const FLAG_ENCRYPTED: u16 = 1;
const FLAG_DATA_DESCRIPTOR: u16 = 1 << 3;
const FLAG_STRONG_ENCRYPTION: u16 = 1 << 6;
const FLAG_UTF8: u16 = 1 << 11;
const FLAG_MASKED_HEADERS: u16 = 1 << 13;
/// Highest "version needed to extract" custody writes (2.0: deflate); ZIP64 needs 4.5.
const MAX_VERSION_NEEDED: u16 = 20;
/// "Version made by" system of Unix, whose file modes the external attributes carry.
const SYSTEM_UNIX: u16 = 3;
const MODE_TYPE: u32 = 0o170000;
const MODE_FILE: u32 = 0o100000;
const MODE_DIR: u32 = 0o040000;
const MODE_LINK: u32 = 0o120000;
const PACK_PERMISSIONS: u32 = 0o644;

/// Size of the fixed read and inflate buffers.
const BUF: usize = 64 << 10;

/// Why a pack could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not a zip archive, or the file could not be read.
    Unreadable(String),
    /// A zip archive whose layout is too broken or hostile to read any entry from.
    Tampered(Vec<String>),
}

/// One entry of the central directory, checked against its local header.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The name, escaped with `{:?}` when it is not a safe pack path, so it can be shown.
    pub name: String,
    /// Where the compressed data starts, and its length.
    data_start: u64,
    compressed: u64,
    /// The inflated size the headers declare.
    pub size: u64,
    crc: u32,
    /// Why the entry's data is not read (encrypted, a link, headers that disagree...).
    pub refused: Option<String>,
}

/// The result of inflating an entry through [`PackReader::inflate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inflated {
    /// The whole entry: this many bytes, matching its declared size and CRC-32.
    Complete(u64),
    /// The entry holds more than the caller's limit; inflating stopped just past it.
    OverLimit,
}

/// A pack whose zip structure has been read, ready to inflate entries.
pub struct PackReader<R> {
    inner: R,
    entries: Vec<Entry>,
    by_name: HashMap<String, Vec<usize>>,
    problems: Vec<String>,
    input: Box<[u8]>,
    output: Box<[u8]>,
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The fields a central directory entry shares with its local header.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Header {
    version_needed: u16,
    flags: u16,
    method: u16,
    time: u16,
    date: u16,
    crc: u32,
    compressed: u32,
    size: u32,
    name: Vec<u8>,
    extra: Vec<u8>,
}

impl Header {
    /// The first field of a local header that differs from the central directory's.
    fn difference(&self, central: &Header) -> Option<String> {
        let fields: [(&str, u64, u64); 8] = [
            (
                "version needed",
                self.version_needed.into(),
                central.version_needed.into(),
            ),
            ("flags", self.flags.into(), central.flags.into()),
            (
                "compression method",
                self.method.into(),
                central.method.into(),
            ),
            ("time", self.time.into(), central.time.into()),
            ("date", self.date.into(), central.date.into()),
            ("CRC-32", self.crc.into(), central.crc.into()),
            (
                "compressed size",
                self.compressed.into(),
                central.compressed.into(),
            ),
            ("size", self.size.into(), central.size.into()),
        ];
        if let Some((what, local, cd)) = fields.iter().find(|(_, a, b)| a != b) {
            return Some(format!(
                "{what} {local} in the local header, {cd} in the central directory"
            ));
        }
        if self.name != central.name {
            return Some(format!(
                "the local header names it {:?}",
                String::from_utf8_lossy(&self.name)
            ));
        }
        if self.extra.len() != central.extra.len() {
            return Some(format!(
                "extra field of {} bytes in the local header, {} in the central directory",
                self.extra.len(),
                central.extra.len()
            ));
        }
        None
    }

    /// Why custody would never have written an entry with these headers, if it would not.
    fn foreign(&self) -> Option<String> {
        let f = self.flags;
        if f & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED_HEADERS) != 0 {
            return Some("encrypted (custody never encrypts pack entries)".into());
        }
        if f & FLAG_DATA_DESCRIPTOR != 0 {
            return Some(
                "its sizes follow the data in a data descriptor, which custody never writes".into(),
            );
        }
        if f & !FLAG_UTF8 != 0 {
            return Some(format!(
                "general purpose flags 0x{f:04x}, which custody never sets"
            ));
        }
        if contains_zip64_field(&self.extra) {
            return Some("a ZIP64 extra field (custody never writes ZIP64)".into());
        }
        if !self.extra.is_empty() {
            return Some(format!(
                "an extra field of {} bytes (custody writes none)",
                self.extra.len()
            ));
        }
        match self.method {
            METHOD_DEFLATE => {}
            0 => return Some("stored without compression (custody deflates every entry)".into()),
            m => {
                return Some(format!(
                    "compression method {m} (custody writes deflate, method 8, only)"
                ));
            }
        }
        if self.version_needed > MAX_VERSION_NEEDED {
            return Some(format!(
                "needs zip version {}.{} to extract (custody writes 2.0)",
                self.version_needed / 10,
                self.version_needed % 10
            ));
        }
        let (size, compressed) = (u64::from(self.size), u64::from(self.compressed));
        if size > RATIO_FLOOR && size > compressed.saturating_mul(MAX_RATIO) {
            return Some(format!(
                "declares {size} bytes from {compressed} compressed, a ratio above {MAX_RATIO}:1: a zip bomb, not evidence (not inflated)"
            ));
        }
        None
    }
}

fn contains_zip64_field(extra: &[u8]) -> bool {
    let mut at = 0;
    while at + 4 <= extra.len() {
        if u16_at(extra, at) == 0x0001 {
            return true;
        }
        at += 4 + usize::from(u16_at(extra, at + 2));
    }
    false
}

fn io_unreadable(e: io::Error) -> Refusal {
    Refusal::Unreadable(format!("cannot read: {e}"))
}

impl<R: Read + Seek> PackReader<R> {
    /// Reads and checks the zip structure (not the entries' data).
    pub fn open(mut inner: R) -> Result<PackReader<R>, Refusal> {
        let len = inner.seek(SeekFrom::End(0)).map_err(io_unreadable)?;
        if len == 0 {
            return Err(Refusal::Unreadable(
                "an empty file, not a zip archive".into(),
            ));
        }
        let tail_len = len.min(END_LEN + MAX_COMMENT);
        let tail = read_at(&mut inner, len - tail_len, tail_len as usize).map_err(io_unreadable)?;
        // The last end record that fits in the file: a comment may itself contain the
        // signature, and data appended after the archive is found as such below.
        let Some(at) = (0..tail.len().saturating_sub(END_LEN as usize - 1))
            .rev()
            .find(|&i| u32_at(&tail, i) == END_SIG)
        else {
            return Err(Refusal::Unreadable(format!(
                "not a zip archive ({len} bytes without an end of central directory record: not a pack, or cut short)"
            )));
        };
        let end_pos = len - tail_len + at as u64;
        let rec = &tail[at..at + END_LEN as usize];
        let (disk, cd_disk) = (u16_at(rec, 4), u16_at(rec, 6));
        let (on_disk, total) = (u16_at(rec, 8), u16_at(rec, 10));
        let (cd_size, cd_offset) = (u64::from(u32_at(rec, 12)), u64::from(u32_at(rec, 16)));
        let comment = u64::from(u16_at(rec, 20));

        let mut problems = Vec::new();
        let fatal = |mut problems: Vec<String>, why: String| {
            problems.push(why);
            Err(Refusal::Tampered(problems))
        };
        let record_end = end_pos + END_LEN + comment;
        if comment > 0 && record_end <= len {
            problems.push(format!(
                "a zip comment of {comment} bytes after the entries (custody writes none)"
            ));
        }
        match record_end.cmp(&len) {
            std::cmp::Ordering::Less => problems.push(format!(
                "{} bytes of data after the end of the zip archive",
                len - record_end
            )),
            std::cmp::Ordering::Greater => problems.push(format!(
                "the end record declares a {comment}-byte comment, but the file ends {} bytes after it",
                len - end_pos - END_LEN
            )),
            std::cmp::Ordering::Equal => {}
        }
        if end_pos >= ZIP64_LOCATOR_LEN {
            let before =
                read_at(&mut inner, end_pos - ZIP64_LOCATOR_LEN, 4).map_err(io_unreadable)?;
            if u32_at(&before, 0) == ZIP64_LOCATOR_SIG {
                return fatal(
                    problems,
                    "a ZIP64 end of central directory locator (custody never writes ZIP64)".into(),
                );
            }
        }
        if on_disk == u16::MAX
            || total == u16::MAX
            || cd_size == 0xFFFF_FFFF
            || cd_offset == 0xFFFF_FFFF
        {
            return fatal(
                problems,
                "ZIP64 markers in the end of central directory record (custody never writes ZIP64)"
                    .into(),
            );
        }
        if disk != 0 || cd_disk != 0 || on_disk != total {
            return fatal(problems, "a zip archive split over several disks".into());
        }
        let total = usize::from(total);
        if total > MAX_ENTRIES {
            return fatal(
                problems,
                format!("{total} entries, more than the {MAX_ENTRIES} a pack may hold"),
            );
        }
        if cd_size > (total * (CENTRAL_LEN + MAX_NAME)) as u64 {
            return fatal(
                problems,
                format!(
                    "a central directory of {cd_size} bytes for {total} entries (custody writes no extra fields or comments)"
                ),
            );
        }
        let Some(cd_start) = end_pos.checked_sub(cd_size) else {
            return fatal(
                problems,
                format!(
                    "a central directory of {cd_size} bytes, longer than the file before its end record"
                ),
            );
        };
        if cd_offset > cd_start {
            return fatal(
                problems,
                format!(
                    "the central directory is recorded at offset {cd_offset} with {cd_size} bytes, which overlaps its end record at {end_pos}"
                ),
            );
        }
        // Data inserted before the archive moves everything by the same amount; data
        // inserted between the directory and its end record moves only the end record.
        let looks_central = |inner: &mut R, at: u64| -> io::Result<bool> {
            if total == 0 {
                return Ok(at == cd_start);
            }
            Ok(u32_at(&read_at(inner, at, 4)?, 0) == CENTRAL_SIG)
        };
        let shift = if looks_central(&mut inner, cd_start).map_err(io_unreadable)? {
            cd_start - cd_offset
        } else if looks_central(&mut inner, cd_offset).map_err(io_unreadable)? {
            problems.push(format!(
                "{} bytes of data between the central directory and its end record",
                cd_start - cd_offset
            ));
            0
        } else {
            return fatal(
                problems,
                "no central directory where the end record says it is".into(),
            );
        };
        let cd_pos = cd_offset + shift;
        let cd = read_at(&mut inner, cd_pos, cd_size as usize).map_err(io_unreadable)?;

        // The central directory.
        let mut central = Vec::with_capacity(total);
        let mut at = 0usize;
        for i in 0..total {
            let Some(fixed) = cd.get(at..at + CENTRAL_LEN) else {
                return fatal(
                    problems,
                    format!("the central directory ends inside entry {}", i + 1),
                );
            };
            if u32_at(fixed, 0) != CENTRAL_SIG {
                return fatal(
                    problems,
                    format!("central directory entry {} has no signature", i + 1),
                );
            }
            let (name_len, extra_len, comment_len) = (
                usize::from(u16_at(fixed, 28)),
                usize::from(u16_at(fixed, 30)),
                usize::from(u16_at(fixed, 32)),
            );
            let var = at + CENTRAL_LEN;
            let Some(name) = cd.get(var..var + name_len) else {
                return fatal(
                    problems,
                    format!("the central directory ends inside entry {}", i + 1),
                );
            };
            let Some(extra) = cd.get(var + name_len..var + name_len + extra_len) else {
                return fatal(
                    problems,
                    format!("the central directory ends inside entry {}", i + 1),
                );
            };
            if cd.len() < var + name_len + extra_len + comment_len {
                return fatal(
                    problems,
                    format!("the central directory ends inside entry {}", i + 1),
                );
            }
            central.push(CentralEntry {
                header: Header {
                    version_needed: u16_at(fixed, 6),
                    flags: u16_at(fixed, 8),
                    method: u16_at(fixed, 10),
                    time: u16_at(fixed, 12),
                    date: u16_at(fixed, 14),
                    crc: u32_at(fixed, 16),
                    compressed: u32_at(fixed, 20),
                    size: u32_at(fixed, 24),
                    name: name.to_vec(),
                    extra: extra.to_vec(),
                },
                made_by: u16_at(fixed, 4),
                disk_start: u16_at(fixed, 34),
                external: u32_at(fixed, 38),
                local_offset: u64::from(u32_at(fixed, 42)),
                comment: comment_len,
            });
            at = var + name_len + extra_len + comment_len;
        }
        if at < cd.len() {
            problems.push(format!(
                "{} bytes in the central directory after its {total} entries",
                cd.len() - at
            ));
        }

        // The entries, back to back from the first byte up to the central directory.
        let mut entries = Vec::with_capacity(total);
        let mut cursor = 0u64;
        let mut previous: Option<String> = None;
        for c in &central {
            let name = display_name(&c.header.name);
            if c.disk_start != 0 {
                return fatal(
                    problems,
                    format!("{name}: on another disk of a split archive"),
                );
            }
            let offset = c.local_offset + shift;
            if offset < cursor {
                return fatal(
                    problems,
                    format!(
                        "{name}: starts inside the entry before it in the central directory (overlapping or reordered entries; overlap is a zip bomb's layout)"
                    ),
                );
            }
            if offset > cursor {
                problems.push(match &previous {
                    None => format!(
                        "{} bytes of data before the first entry (prepended to the zip archive)",
                        offset - cursor
                    ),
                    Some(p) => format!(
                        "{} bytes of data between entries {p} and {name}",
                        offset - cursor
                    ),
                });
            }
            let local = read_local(&mut inner, offset, cd_pos).map_err(io_unreadable)?;
            let Some(local) = local else {
                return fatal(
                    problems,
                    format!(
                        "{name}: no local header where the central directory says the entry starts"
                    ),
                );
            };
            let data_start = offset + LOCAL_LEN + (local.name.len() + local.extra.len()) as u64;
            let data_end = data_start + u64::from(c.header.compressed);
            if data_end > cd_pos {
                return fatal(
                    problems,
                    format!("{name}: its data runs into the central directory"),
                );
            }
            let refused = c
                .header
                .foreign()
                .or_else(|| {
                    local.difference(&c.header).map(|d| {
                        format!("its local header disagrees with the central directory: {d}")
                    })
                })
                .or_else(|| c.foreign_attributes())
                .or_else(|| name_problem(&c.header.name));
            if c.comment > 0 {
                problems.push(format!(
                    "{name}: an entry comment of {} bytes (custody writes none)",
                    c.comment
                ));
            }
            if refused.is_none()
                && let Some(p) = c.permissions_problem()
            {
                problems.push(format!("{name}: {p}"));
            }
            entries.push(Entry {
                name: name.clone(),
                data_start,
                compressed: u64::from(c.header.compressed),
                size: u64::from(c.header.size),
                crc: c.header.crc,
                refused,
            });
            cursor = data_end;
            previous = Some(name);
        }
        if cursor < cd_pos {
            problems.push(match &previous {
                None => format!(
                    "{} bytes of data before the central directory",
                    cd_pos - cursor
                ),
                Some(p) => format!(
                    "{} bytes of data between the last entry ({p}) and the central directory",
                    cd_pos - cursor
                ),
            });
        }

        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            by_name.entry(e.name.clone()).or_default().push(i);
        }
        let mut duplicates: Vec<(&String, usize)> = by_name
            .iter()
            .filter(|(_, v)| v.len() > 1)
            .map(|(n, v)| (n, v.len()))
            .collect();
        duplicates.sort();
        for (n, count) in duplicates {
            problems.push(format!("{n}: {count} entries of the zip have this name"));
        }
        Ok(PackReader {
            inner,
            entries,
            by_name,
            problems,
            input: vec![0; BUF].into_boxed_slice(),
            output: vec![0; BUF].into_boxed_slice(),
        })
    }

    /// Tampering found in the structure that did not stop the entries from being read:
    /// bytes outside the entries, duplicate names, unexpected attributes.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// Every entry, in the order of the archive.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The index of the entry with this name, `Ok(None)` when there is none, and an error
    /// when several entries have it (which one a tool extracts is anyone's guess).
    pub fn find(&self, name: &str) -> Result<Option<usize>, EntryError> {
        match self.by_name.get(name).map(Vec::as_slice) {
            None | Some([]) => Ok(None),
            Some([one]) => Ok(Some(*one)),
            Some(many) => Err(EntryError::Ambiguous { count: many.len() }),
        }
    }

    /// Inflates entry `index` into `sink`, at most `limit` bytes: past it the result is
    /// [`Inflated::OverLimit`] and nothing more is inflated. Otherwise the entry must end
    /// exactly at its declared size, with its CRC-32, and its deflate stream must end
    /// exactly with its compressed data; anything else is an error saying what.
    pub fn inflate(
        &mut self,
        index: usize,
        limit: u64,
        sink: &mut dyn FnMut(&[u8]),
    ) -> Result<Inflated, EntryError> {
        let entry = self.entries.get(index).ok_or(EntryError::NoSuchEntry)?;
        if let Some(why) = &entry.refused {
            return Err(EntryError::Refused(why.clone()));
        }
        let (declared, compressed, crc_declared) = (entry.size, entry.compressed, entry.crc);
        // Never more than the headers declare, nor than the caller wants (plus one byte,
        // to tell "longer" from "exactly").
        let bound = declared.min(limit).saturating_add(1);
        self.inner
            .seek(SeekFrom::Start(entry.data_start))
            .map_err(EntryError::Read)?;
        let mut d = Decompress::new(false);
        let mut crc = Crc::new();
        let mut remaining = compressed;
        let (mut start, mut end) = (0usize, 0usize);
        let mut out = 0u64;
        let ended = loop {
            if start == end && remaining > 0 {
                let n = remaining.min(BUF as u64) as usize;
                self.inner
                    .read_exact(&mut self.input[..n])
                    .map_err(EntryError::Read)?;
                (start, end) = (0, n);
                remaining -= n as u64;
            }
            let room = (bound - out).min(BUF as u64) as usize;
            let (in_before, out_before) = (d.total_in(), d.total_out());
            let status = d
                .decompress(
                    &self.input[start..end],
                    &mut self.output[..room],
                    FlushDecompress::None,
                )
                .map_err(EntryError::Inflate)?;
            let used = (d.total_in() - in_before) as usize;
            let made = (d.total_out() - out_before) as usize;
            start += used;
            crc.update(&self.output[..made]);
            sink(&self.output[..made]);
            out += made as u64;
            if out >= bound {
                break false;
            }
            match status {
                Status::StreamEnd => break true,
                _ if used == 0 && made == 0 => {
                    if start == end && remaining == 0 {
                        return Err(EntryError::CutShort);
                    }
                    return Err(EntryError::DoesNotInflate);
                }
                _ => {}
            }
        };
        if !ended {
            if out > declared {
                return Err(EntryError::PastDeclared { declared });
            }
            return Ok(Inflated::OverLimit);
        }
        if out != declared {
            return Err(EntryError::Size {
                inflated: out,
                declared,
            });
        }
        let left = (end - start) as u64 + remaining;
        if left > 0 {
            return Err(EntryError::Trailing { bytes: left });
        }
        if crc.sum() != crc_declared {
            return Err(EntryError::Crc {
                computed: crc.sum(),
                declared: crc_declared,
            });
        }
        Ok(Inflated::Complete(out))
    }

    /// An entry's bytes, at most `limit` of them (`Ok(None)` when it holds more).
    pub fn read_to_vec(&mut self, index: usize, limit: u64) -> Result<Option<Vec<u8>>, EntryError> {
        let mut data = Vec::new();
        match self.inflate(index, limit, &mut |b| data.extend_from_slice(b))? {
            Inflated::Complete(_) => Ok(Some(data)),
            Inflated::OverLimit => Ok(None),
        }
    }

    /// The bytes of the entry a manifest lists, checked against its size and sha256:
    /// how later stages (re-evaluating packed policy against packed evidence) read a
    /// pack's files. Errors say what does not match.
    pub fn read_verified(&mut self, file: &FileEntry) -> Result<Vec<u8>, EntryError> {
        let index = self.find(&file.path)?.ok_or(EntryError::Missing)?;
        let data = self
            .read_to_vec(index, file.size)?
            .ok_or(EntryError::LargerThanListed { size: file.size })?;
        if data.len() as u64 != file.size || sha256_hex(&data) != file.sha256 {
            return Err(EntryError::Sha256Mismatch);
        }
        Ok(data)
    }

    /// The sha256 (hex) of an entry streamed through a fixed buffer, and its size, or
    /// `Ok(None)` when it holds more than `limit` bytes.
    pub fn digest(
        &mut self,
        index: usize,
        limit: u64,
    ) -> Result<Option<(String, u64)>, EntryError> {
        let mut hash = Sha256::new();
        match self.inflate(index, limit, &mut |b| hash.update(b))? {
            Inflated::Complete(n) => {
                let hex: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
                Ok(Some((hex, n)))
            }
            Inflated::OverLimit => Ok(None),
        }
    }
}

/// A central directory entry with the fields only it carries.
struct CentralEntry {
    header: Header,
    made_by: u16,
    disk_start: u16,
    external: u32,
    local_offset: u64,
    comment: usize,
}

impl CentralEntry {
    fn mode(&self) -> Option<u32> {
        (self.made_by >> 8 == SYSTEM_UNIX).then_some(self.external >> 16)
    }

    /// Links, folders and special files are refused: a pack holds regular files only,
    /// and an auditor's unzip would create the link.
    fn foreign_attributes(&self) -> Option<String> {
        let Some(mode) = self.mode() else {
            return Some(format!(
                "attributes of system {} (custody writes Unix file modes)",
                self.made_by >> 8
            ));
        };
        match mode & MODE_TYPE {
            MODE_FILE => None,
            MODE_LINK => {
                Some("a symbolic link entry (packs hold regular files only; never followed)".into())
            }
            MODE_DIR => Some("a directory entry (packs hold regular files only)".into()),
            t => Some(format!("not a regular file (file type 0o{t:o})")),
        }
    }

    fn permissions_problem(&self) -> Option<String> {
        let perms = self.mode()? & 0o7777;
        (perms != PACK_PERMISSIONS)
            .then(|| format!("permissions 0o{perms:o} (custody writes 0o{PACK_PERMISSIONS:o})"))
    }
}

/// A name that is a safe pack path is shown as is; anything else escaped.
fn display_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) if check_pack_path(s).is_ok() => s.to_owned(),
        Ok(s) => format!("{s:?}"),
        Err(_) => format!("{:?}", String::from_utf8_lossy(raw)),
    }
}

/// Names must be safe relative paths (no `..`, absolute, backslash or drive names):
/// why this one is not, as the entry's refusal.
fn name_problem(raw: &[u8]) -> Option<String> {
    match std::str::from_utf8(raw) {
        Err(_) => Some("a name that is not UTF-8".to_owned()),
        Ok(name) => check_pack_path(name).err().map(|e| e.to_string()),
    }
}

/// Reads `len` bytes at `at` (`len` is bounded by the caller).
fn read_at<R: Read + Seek>(r: &mut R, at: u64, len: usize) -> io::Result<Vec<u8>> {
    r.seek(SeekFrom::Start(at))?;
    let mut buf = vec![0; len];
    r.read_exact(&mut buf)?;
    Ok(buf)
}

/// The local header at `at`, `None` when there is none there or it runs past `limit`.
fn read_local<R: Read + Seek>(r: &mut R, at: u64, limit: u64) -> io::Result<Option<Header>> {
    if at + LOCAL_LEN > limit {
        return Ok(None);
    }
    let fixed = read_at(r, at, LOCAL_LEN as usize)?;
    if u32_at(&fixed, 0) != LOCAL_SIG {
        return Ok(None);
    }
    let (name_len, extra_len) = (u16_at(&fixed, 26), u16_at(&fixed, 28));
    let var_len = u64::from(name_len) + u64::from(extra_len);
    if at + LOCAL_LEN + var_len > limit {
        return Ok(None);
    }
    let var = read_at(r, at + LOCAL_LEN, var_len as usize)?;
    let (name, extra) = var.split_at(usize::from(name_len));
    Ok(Some(Header {
        version_needed: u16_at(&fixed, 4),
        flags: u16_at(&fixed, 6),
        method: u16_at(&fixed, 8),
        time: u16_at(&fixed, 10),
        date: u16_at(&fixed, 12),
        crc: u32_at(&fixed, 14),
        compressed: u32_at(&fixed, 18),
        size: u32_at(&fixed, 22),
        name: name.to_vec(),
        extra: extra.to_vec(),
    }))
}
