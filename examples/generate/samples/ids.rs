//! Deterministic ids, seeded randomness and time in the forms the sample files use.
//! Everything derives from seed strings: no clock, no network, the same bytes every run.

use super::rng::PyRandom;
use jiff::SignedDuration;
use jiff::civil::DateTime;
use sha2::{Digest, Sha256};

/// Every time in the sample data is UTC; a civil date-time is enough.
pub type T = DateTime;

/// `uuid.uuid5(namespace, name)` as its string form.
pub fn uuid5(namespace: &[u8; 16], name: &str) -> [u8; 16] {
    let mut input = namespace.to_vec();
    input.extend_from_slice(name.as_bytes());
    let hash = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &input);
    let mut b = [0u8; 16];
    b.copy_from_slice(&hash.as_ref()[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    b
}

pub fn uuid_string(b: &[u8; 16]) -> String {
    let h = hex(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

fn uuid_bytes(s: &str) -> [u8; 16] {
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    let mut b = [0u8; 16];
    for (i, byte) in b.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2).unwrap_or("00"), 16).unwrap_or(0);
    }
    b
}

/// `uuid.NAMESPACE_URL`.
const NAMESPACE_URL: [u8; 16] = [
    0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
];

/// A fictional, deterministic GUID derived from a seed path (`gid("a", "b")` is
/// uuid5 of `a/b` in the sample-data namespace).
pub fn gid(parts: &[&str]) -> String {
    let ns = uuid5(&NAMESPACE_URL, "https://custody.example/sample-data");
    uuid_string(&uuid5(&ns, &parts.join("/")))
}

/// `random.Random("/".join(parts))`.
pub fn rng(parts: &[&str]) -> PyRandom {
    PyRandom::new(&parts.join("/"))
}

/// `'2026-06-27T03:12:09'` or `'2026-06-27'` as a time; the strings are the generator's
/// own literals, so a malformed one is a bug in the stories.
pub fn dt(s: &str) -> T {
    let full = if s.contains('T') {
        s.to_owned()
    } else {
        format!("{s}T00:00:00")
    };
    full.parse()
        .unwrap_or_else(|e| panic!("bad time literal {s:?} in the sample stories: {e}"))
}

/// Python's `isoformat()` of an aware UTC time (the form seed strings embed).
pub fn iso(t: T) -> String {
    format!("{}+00:00", t.strftime("%Y-%m-%dT%H:%M:%S"))
}

/// RFC 3339 in Graph's style.
pub fn ts(t: T) -> String {
    format!("{}Z", t.strftime("%Y-%m-%dT%H:%M:%S"))
}

/// RFC 3339 with seven fractional digits (Graph's 100 ns ticks).
pub fn ts_frac(t: T, frac: i64) -> String {
    format!("{}.{frac:07}Z", t.strftime("%Y-%m-%dT%H:%M:%S"))
}

/// A timestamp with deterministic sub-second ticks seeded by `seed` and the time.
pub fn tsf(t: T, seed: &[&str]) -> String {
    let stamp = iso(t);
    let mut parts: Vec<&str> = vec!["ticks"];
    parts.extend_from_slice(seed);
    parts.push(&stamp);
    ts_frac(t, rng(&parts).randrange(10_000_000))
}

pub fn secs(n: i64) -> SignedDuration {
    SignedDuration::from_secs(n)
}
pub fn mins(n: i64) -> SignedDuration {
    SignedDuration::from_mins(n)
}
pub fn hours(n: i64) -> SignedDuration {
    SignedDuration::from_hours(n)
}
pub fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

/// `YYYY-MM` of a time.
pub fn month_of(t: T) -> String {
    t.strftime("%Y-%m").to_string()
}

/// Entra's id for a directory role assignment: base64url(role GUID + principal GUID, each
/// in .NET's mixed-endian byte order) + `-1`.
pub fn role_assignment_id(role_id: &str, principal_id: &str) -> String {
    let mut raw = Vec::with_capacity(32);
    for id in [role_id, principal_id] {
        let b = uuid_bytes(id);
        raw.extend([b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6]]);
        raw.extend_from_slice(&b[8..]);
    }
    use base64ct::Encoding;
    format!("{}-1", base64ct::Base64UrlUnpadded::encode_string(&raw))
}

pub fn sha256(b: &[u8]) -> String {
    hex(&Sha256::digest(b))
}

pub fn sha1_hex(b: &[u8]) -> String {
    hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, b).as_ref())
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values Python's uuid and base64 modules give for the same inputs.
    #[test]
    fn ids_match_python() {
        assert_eq!(
            gid(&["tenant", "northwind"]),
            "e34d5a57-44bd-537f-ba24-400641784783"
        );
        assert_eq!(
            role_assignment_id(
                "62e90394-69f5-4237-9190-012177145e10",
                "e34d5a57-44bd-537f-ba24-400641784783"
            ),
            "lAPpYvVpN0KRkAEhdxReEFdaTeO9RH9TuiRABkF4R4M-1"
        );
        assert_eq!(iso(dt("2026-06-27T03:12:09")), "2026-06-27T03:12:09+00:00");
    }
}
