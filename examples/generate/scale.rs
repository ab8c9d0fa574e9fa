//! Synthetic policy repositories for benchmarks and scale tests (the generate example's
//! `scale` mode): N clients x M months in the shapes of the sample data.
//!
//! The sample generator's `northwind` client is the template, built in memory by the
//! same builders that write the bundled sample (never read back from disk): its policy
//! files and its latest snapshot (Conditional Access, roles, PIM, backup, restore tests,
//! a waiver) are copied per client with the identity replaced, every date shifted into
//! the generated month, and users, MFA registrations and mailbox/OneDrive protection
//! units grown to the client's size from one staff member's objects as the builders
//! write them. Sizes follow an MSP's spread: most clients 10-300 users, some up to
//! 5,000, a few 5,000-200,000. Deterministic from `--seed`: same arguments, same bytes.
//!
//! ```text
//! cargo run --release --example generate -- scale --out /tmp/repo --clients 500 --months 12
//! cargo run --release --example generate -- scale --out /tmp/big --clients 1 --months 1 --users 200000
//! ```

use super::samples;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// What to generate.
pub struct GenOptions {
    pub out: PathBuf,
    pub clients: usize,
    pub months: usize,
    pub seed: u64,
    /// Every client gets exactly this many users (the large-tenant benchmark).
    pub users: Option<usize>,
    /// Upper bound on drawn client sizes (keeps portfolio runs within a disk budget).
    pub max_users: usize,
    /// The latest generated month, `(year, month)`; earlier ones precede it.
    pub last_month: (i32, u32),
}

/// The template: the bundled sample client and the month its snapshot was taken.
const TEMPLATE: &str = "northwind";
const TEMPLATE_MONTH: (i32, u32) = (2026, 11);
const TEMPLATE_TENANT: &str = "e34d5a57-44bd-537f-ba24-400641784783"; // gid("tenant", "northwind")
const TEMPLATE_NAME: &str = "Northwind Traders Ltd";

/// Files whose `value` array grows with the number of users.
const GROWN: [&str; 4] = [
    "graph/users.json",
    "graph/userRegistrationDetails.json",
    "graph/mailboxProtectionUnits.json",
    "graph/driveProtectionUnits.json",
];

/// splitmix64: small, fast and stable across platforms and versions.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Log-uniform integer in [lo, hi].
    pub fn log_between(&mut self, lo: usize, hi: usize) -> usize {
        let (l, h) = ((lo as f64).ln(), (hi as f64).ln());
        ((l + (h - l) * self.unit()).exp().round() as usize).clamp(lo, hi)
    }
    pub fn uuid(&mut self) -> String {
        let (a, b) = (self.next_u64(), self.next_u64());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }
}

/// Users of a client drawn from the MSP spread: 85% small (10-300), 13% medium
/// (300-5,000), 2% large (5,000-200,000).
pub fn draw_users(rng: &mut Rng) -> usize {
    let r = rng.unit();
    if r < 0.85 {
        rng.log_between(10, 300)
    } else if r < 0.98 {
        rng.log_between(300, 5_000)
    } else {
        rng.log_between(5_000, 200_000)
    }
}

/// One generated client.
pub struct ClientPlan {
    pub id: String,
    pub name: String,
    pub tenant: String,
    pub users: usize,
}

/// Writes the repository; returns the plan of every client.
pub fn generate(opts: &GenOptions) -> Result<Vec<ClientPlan>, String> {
    // Built once per process: tests generate several repositories from it.
    static TEMPLATE: std::sync::OnceLock<Result<Template, String>> = std::sync::OnceLock::new();
    let template = TEMPLATE.get_or_init(Template::from_samples).as_ref()?;
    let mut rng = Rng::new(opts.seed);
    let plans: Vec<ClientPlan> = (0..opts.clients)
        .map(|i| {
            let users = opts
                .users
                .unwrap_or_else(|| draw_users(&mut rng).min(opts.max_users));
            ClientPlan {
                id: format!("client-{i:04}"),
                name: format!("Client {i:04} Ltd"),
                tenant: rng.uuid(),
                users,
            }
        })
        .collect();
    for (i, plan) in plans.iter().enumerate() {
        let ident = |s: &str| identity(s, plan);
        let dir = opts.out.join("clients").join(&plan.id);
        mkdir(&dir)?;
        for (name, text) in &template.policy {
            write(&dir.join(name), ident(text).as_bytes())?;
        }
        for k in 0..opts.months {
            let back = (opts.months - 1 - k) as i32;
            let month = add_months(opts.last_month, -back);
            let delta = months_between(TEMPLATE_MONTH, month);
            let mdir = opts
                .out
                .join("evidence")
                .join(&plan.id)
                .join(format!("{}-{:02}", month.0, month.1));
            // Same people every month of a client: the per-client seed does not
            // depend on the month; sign-in times do, through the date shift.
            let mut people = Rng::new(opts.seed ^ (i as u64 + 1).wrapping_mul(0x51_7CC1_B727));
            template.write_month(&mdir, plan, delta, &mut people)?;
        }
    }
    Ok(plans)
}

struct Template {
    /// Policy files of the template client, by name.
    policy: BTreeMap<String, String>,
    /// Every file of the template month except the grown ones and the manifest.
    files: BTreeMap<String, String>,
    /// The grown files: `@odata.context` (if any) and items.
    grown: BTreeMap<&'static str, (Option<String>, Vec<Value>)>,
    manifest: Value,
    /// The template user the synthetic staff are cloned from, and its related items.
    staff: [Value; 4],
}

impl Template {
    /// The template client's policy files and latest month as the sample generator
    /// writes them, and its staff objects built by the sample generator's builders.
    fn from_samples() -> Result<Template, String> {
        let client = samples::northwind::client();
        let sample = samples::build_client(&client)?;
        let month = format!("{}-{:02}", TEMPLATE_MONTH.0, TEMPLATE_MONTH.1);
        let text = |data: &[u8]| String::from_utf8(data.to_vec()).map_err(|e| e.to_string());
        let mut policy = BTreeMap::new();
        let mut files = BTreeMap::new();
        let clients = format!("clients/{TEMPLATE}/");
        let evidence = format!("evidence/{TEMPLATE}/{month}/");
        for (rel, data) in &sample.files {
            if let Some(name) = rel.strip_prefix(&clients) {
                policy.insert(name.to_owned(), text(data)?);
            } else if let Some(name) = rel.strip_prefix(&evidence) {
                files.insert(name.to_owned(), text(data)?);
            }
        }
        let manifest: Value =
            serde_json::from_str(&files.remove("manifest.json").ok_or("no manifest")?)
                .map_err(|e| e.to_string())?;
        let mut grown = BTreeMap::new();
        for name in GROWN {
            let text = files
                .remove(name)
                .ok_or_else(|| format!("template lacks {name}"))?;
            let mut v: Value = serde_json::from_str(&text).map_err(|e| format!("{name}: {e}"))?;
            let ctx = v
                .get("@odata.context")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let items = match v.get_mut("value").map(Value::take) {
                Some(Value::Array(a)) => a,
                _ => return Err(format!("{name}: no value array")),
            };
            grown.insert(name, (ctx, items));
        }
        Ok(Template {
            policy,
            files,
            grown,
            manifest,
            staff: staff_objects(&client)?,
        })
    }

    fn write_month(
        &self,
        dir: &Path,
        plan: &ClientPlan,
        delta: i32,
        people: &mut Rng,
    ) -> Result<(), String> {
        let fix = |s: &str| identity(&shift_dates(s, delta), plan);
        let mut hashes: BTreeMap<String, (String, usize)> = BTreeMap::new();
        for (rel, text) in &self.files {
            let bytes = fix(text).into_bytes();
            let items = serde_json::from_slice::<Value>(&bytes)
                .ok()
                .and_then(|v| v.get("value").and_then(Value::as_array).map(Vec::len))
                .unwrap_or(1);
            hashes.insert(rel.clone(), (hex(&Sha256::digest(&bytes)), items));
            write(&dir.join(rel), &bytes)?;
        }
        let base = self.grown["graph/users.json"].1.len();
        let extra = plan.users.saturating_sub(base);
        let domain = format!("{}.example", plan.id);
        // Synthetic staff: ids and MFA registration drawn once per person.
        let staff: Vec<(String, String, String, String, bool)> = (0..extra)
            .map(|k| {
                let mfa = people.unit() < 0.97;
                (
                    people.uuid(),
                    people.uuid(),
                    people.uuid(),
                    format!("user{k:06}@{domain}"),
                    mfa,
                )
            })
            .collect();
        for (slot, name) in GROWN.iter().enumerate() {
            let (ctx, items) = &self.grown[name];
            let path = dir.join(name);
            let f = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let mut w = HashingWriter {
                inner: BufWriter::with_capacity(1 << 20, f),
                hash: Sha256::new(),
            };
            let mut out = String::from("{\n");
            if let Some(c) = ctx {
                out.push_str(&format!(
                    "  \"@odata.context\": {},\n",
                    Value::from(c.as_str())
                ));
            }
            out.push_str("  \"value\": [");
            let mut first = true;
            let mut emit = |w: &mut HashingWriter<_>, v: &Value, out: &mut String| {
                out.push_str(if first { "\n" } else { ",\n" });
                first = false;
                let text = serde_json::to_string_pretty(v).unwrap_or_default();
                for (n, line) in fix(&text).lines().enumerate() {
                    if n > 0 {
                        out.push('\n');
                    }
                    out.push_str("    ");
                    out.push_str(line);
                }
                w.write_all(out.as_bytes()).map_err(|e| e.to_string())?;
                out.clear();
                Ok::<(), String>(())
            };
            for v in items {
                emit(&mut w, v, &mut out)?;
            }
            for (k, (id, unit, _, upn, mfa)) in staff.iter().enumerate() {
                let mut v = self.staff[slot].clone();
                let display = format!("Staff Member {k:06}");
                match slot {
                    0 => {
                        v["id"] = id.as_str().into();
                        v["displayName"] = display.into();
                        v["userPrincipalName"] = upn.as_str().into();
                    }
                    1 => {
                        v["id"] = id.as_str().into();
                        v["userDisplayName"] = display.into();
                        v["userPrincipalName"] = upn.as_str().into();
                        v["isMfaRegistered"] = (*mfa).into();
                        v["isMfaCapable"] = (*mfa).into();
                    }
                    _ => {
                        v["id"] = if slot == 2 {
                            unit.as_str()
                        } else {
                            &staff[k].2
                        }
                        .into();
                        v["directoryObjectId"] = id.as_str().into();
                        v["displayName"] = display.into();
                        v["email"] = upn.as_str().into();
                    }
                }
                emit(&mut w, &v, &mut out)?;
            }
            out.push_str("\n  ]\n}\n");
            w.write_all(out.as_bytes()).map_err(|e| e.to_string())?;
            w.inner.flush().map_err(|e| e.to_string())?;
            hashes.insert(
                name.to_string(),
                (hex(&w.hash.finalize()), items.len() + extra),
            );
        }
        let mut manifest: Value =
            serde_json::from_str(&fix(&self.manifest.to_string())).map_err(|e| e.to_string())?;
        if let Some(eps) = manifest["endpoints"].as_array_mut() {
            for e in eps {
                let Some(file) = e["file"].as_str().map(str::to_owned) else {
                    continue;
                };
                if let (Some((sha, items)), true) = (hashes.get(&file), e.get("sha256").is_some()) {
                    e["sha256"] = sha.as_str().into();
                    e["items"] = (*items).into();
                }
            }
        }
        if let Some(files) = manifest["files"].as_object_mut() {
            for (file, sha) in files.iter_mut() {
                if let Some((h, _)) = hashes.get(file) {
                    *sha = h.as_str().into();
                }
            }
        }
        let mut text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
        text.push('\n');
        write(&dir.join("manifest.json"), text.as_bytes())
    }
}

/// The objects of one staff member (user, MFA registration, mailbox and OneDrive units)
/// at the template month, from the sample generator's builders: the first enabled member
/// (by id, as Graph lists them) who signs in, is not an admin and has both units. The
/// synthetic staff are copies of these with their identity replaced.
fn staff_objects(c: &samples::model::Client) -> Result<[Value; 4], String> {
    use samples::{backup, graph, json};
    let t = samples::month::collected_at(&format!("{}-{:02}", TEMPLATE_MONTH.0, TEMPLATE_MONTH.1));
    let admins = graph::admin_aliases(c, t);
    let p = graph::people_at(c, t)
        .into_iter()
        .find(|p| {
            p.enabled(t)
                && p.user_type() == "Member"
                && graph::sign_in_activity(c, p, t) != json::J::Null
        })
        .ok_or("no staff user in the template")?;
    if admins.contains(p.alias.as_str()) || !p.mailbox || !p.drive {
        return Err(format!(
            "the template's first staff user {} is an admin or lacks a unit",
            p.alias
        ));
    }
    let status = |w: &str| (c.unit_status)(w, p, t).ok_or(format!("{} has no {w} unit", p.alias));
    let objects = [
        graph::user_obj(c, p, t, c.p1),
        graph::registration(c, p, t, false),
        backup::person_unit(c, p, "exchange", status("exchange")?),
        backup::person_unit(c, p, "onedrive", status("onedrive")?),
    ];
    let mut out = objects
        .map(|o| serde_json::from_slice::<Value>(&json::pretty(&o)).map_err(|e| e.to_string()));
    let mut take = |i: usize| std::mem::replace(&mut out[i], Ok(Value::Null));
    Ok([take(0)?, take(1)?, take(2)?, take(3)?])
}

struct HashingWriter<W> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The template client's names, domains and tenant replaced by the generated client's.
fn identity(s: &str, plan: &ClientPlan) -> String {
    s.replace(TEMPLATE_NAME, &plan.name)
        .replace(TEMPLATE_TENANT, &plan.tenant)
        .replace("Northwind", &plan.name)
        .replace(TEMPLATE, &plan.id)
}

fn months_between(a: (i32, u32), b: (i32, u32)) -> i32 {
    (b.0 - a.0) * 12 + b.1 as i32 - a.1 as i32
}

fn add_months((y, m): (i32, u32), n: i32) -> (i32, u32) {
    let z = y * 12 + m as i32 - 1 + n;
    (z.div_euclid(12), z.rem_euclid(12) as u32 + 1)
}

fn days_in((y, m): (i32, u32)) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Moves every `YYYY-MM-DD` (years 2000-2099) by `delta` months, clamping the day to the
/// new month's length, so a snapshot keeps its internal timeline in any month.
pub fn shift_dates(s: &str, delta: i32) -> String {
    if delta == 0 {
        return s.to_owned();
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    let mut i = 0;
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    while i + 10 <= b.len() {
        if b[i] == b'2'
            && b[i + 1] == b'0'
            && digits(i..i + 4)
            && b[i + 4] == b'-'
            && digits(i + 5..i + 7)
            && b[i + 7] == b'-'
            && digits(i + 8..i + 10)
            && (i == 0 || !b[i - 1].is_ascii_digit())
        {
            let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(1);
            let (y, m, d) = (num(i..i + 4) as i32, num(i + 5..i + 7), num(i + 8..i + 10));
            if (1..=12).contains(&m) {
                let to = add_months((y, m), delta);
                out.push_str(&s[last..i]);
                out.push_str(&format!(
                    "{:04}-{:02}-{:02}",
                    to.0,
                    to.1,
                    d.min(days_in(to))
                ));
                i += 10;
                last = i;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&s[last..]);
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn mkdir(p: &Path) -> Result<(), String> {
    std::fs::create_dir_all(p).map_err(|e| format!("{}: {e}", p.display()))
}

fn write(p: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(d) = p.parent() {
        mkdir(d)?;
    }
    std::fs::write(p, bytes).map_err(|e| format!("{}: {e}", p.display()))
}

/// `generate scale [--out DIR] [--clients N] [--months M] [--seed S] [--users N] [--max-users N]`.
#[allow(dead_code)]
pub fn main(args: &[String]) -> std::process::ExitCode {
    let mut opts = GenOptions {
        out: PathBuf::from("gen-repo"),
        clients: 3,
        months: 3,
        seed: 1,
        users: None,
        max_users: 200_000,
        last_month: TEMPLATE_MONTH,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().unwrap_or_default();
        let num = |v: String| {
            v.parse::<usize>().unwrap_or_else(|_| {
                eprintln!("error: {flag} needs a number, got {v:?}");
                std::process::exit(2)
            })
        };
        match flag.as_str() {
            "--out" => opts.out = PathBuf::from(value()),
            "--clients" => opts.clients = num(value()),
            "--months" => opts.months = num(value()),
            "--seed" => opts.seed = num(value()) as u64,
            "--users" => opts.users = Some(num(value())),
            "--max-users" => opts.max_users = num(value()),
            _ => {
                eprintln!(
                    "usage: cargo run --release --example generate -- scale [--out DIR] [--clients N] [--months M] [--seed S] [--users N] [--max-users N]"
                );
                std::process::exit(2);
            }
        }
    }
    if opts.out.exists() {
        eprintln!("error: {} exists; pick a new folder", opts.out.display());
        return std::process::ExitCode::from(2);
    }
    let t = std::time::Instant::now();
    match generate(&opts) {
        Ok(plans) => {
            let users: usize = plans.iter().map(|p| p.users).sum();
            let largest = plans.iter().map(|p| p.users).max().unwrap_or(0);
            eprintln!(
                "generated {} clients x {} months ({users} users in all, largest {largest}) in {} in {:.1}s",
                plans.len(),
                opts.months,
                opts.out.display(),
                t.elapsed().as_secs_f64()
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
