//! The floor for the large-tenant benchmark: the time and peak memory to read a
//! snapshot's four user-sized Graph files and parse them into `custody`'s typed structs
//! with `serde_json::from_slice`, and nothing else (no hashing, no evaluation, no output).
//! `custody check` on the same folder is compared against it by `tools/bench/run.sh`.
//!
//! Run: `cargo bench --bench floor -- <evidence month folder>`

use custody::evidence::graph::{Collection, ProtectionUnit, RegistrationDetail, User};
use serde::de::DeserializeOwned;
use std::path::Path;
use std::time::Instant;

fn parse<T: DeserializeOwned>(dir: &Path, file: &str) -> Vec<T> {
    let path = dir.join(file);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let c: Collection<T> =
        serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    c.value
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let Some(dir) = std::env::args().skip(1).find(|a| !a.starts_with("--")) else {
        eprintln!("usage: cargo bench --bench floor -- <evidence/<client>/<YYYY-MM>>");
        return;
    };
    let dir = Path::new(&dir);
    let t = Instant::now();
    // Held together, as an evaluation holds them.
    let users = parse::<User>(dir, "graph/users.json");
    let regs = parse::<RegistrationDetail>(dir, "graph/userRegistrationDetails.json");
    let mbx = parse::<ProtectionUnit>(dir, "graph/mailboxProtectionUnits.json");
    let odb = parse::<ProtectionUnit>(dir, "graph/driveProtectionUnits.json");
    println!(
        "floor_seconds={:.3} floor_peak_rss_kb={} items={}",
        t.elapsed().as_secs_f64(),
        peak_rss_kb(),
        users.len() + regs.len() + mbx.len() + odb.len()
    );
}
