//! A pack that explains itself (issue 16 item 4): `README.txt` is in every pack, hashed by
//! the manifest, says what was evaluated against what and by whom, and its commands for
//! checking the pack without custody (`unzip`, `sha256sum`, `ssh-keygen`) work as printed;
//! every `href`/`src` of every HTML file in a pack resolves to a file in the pack (or is
//! an anchor of the page), whatever links the client's notes hold.

use assert_cmd::Command;
use custody::pack::Manifest;
use ssh_key::{LineEnding, PrivateKey, private::Ed25519Keypair};
use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

fn custody() -> Command {
    let mut c = Command::cargo_bin("custody").unwrap();
    c.env("NO_COLOR", "1")
        .env_remove("CUSTODY_SIGNING_KEY_FILE")
        .env_remove("GITHUB_ACTIONS");
    c
}

fn entries(zip: &Path) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().into_owned(), data)
        })
        .collect()
}

fn build(repo: &Path, out: &Path, key: Option<&Path>, clients: &[&str]) {
    let mut c = custody();
    c.arg("--repo").arg(repo).arg("build").arg("--out").arg(out);
    for id in clients {
        c.args(["--client", id]);
    }
    if let Some(k) = key {
        c.env("CUSTODY_SIGNING_KEY_FILE", k);
    }
    let o = c.output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn packs(site: &Path) -> Vec<PathBuf> {
    let found: Vec<PathBuf> = walkdir::WalkDir::new(site)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "zip"))
        .collect();
    assert!(!found.is_empty());
    found
}

/// A tool the commands need, or `None` (a skip) where it is missing and `CI` is not set:
/// CI installs them (sha256sum, unzip, ssh-keygen, bash).
fn tool(name: &str) -> Option<()> {
    let found = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(std::env::var_os("CI").is_none(), "{name} is required in CI");
        eprintln!("skipped: {name} is not installed");
        return None;
    }
    Some(())
}

#[test]
fn every_pack_holds_a_readme_the_manifest_hashes_and_a_checksum_list() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    build(Path::new(env!("CARGO_MANIFEST_DIR")), &site, None, &[]);
    for pack in packs(&site) {
        let files = entries(&pack);
        let get = |n: &str| {
            files
                .iter()
                .find(|(name, _)| name == n)
                .unwrap_or_else(|| panic!("{}: no {n}", pack.display()))
                .1
                .clone()
        };
        let m = Manifest::parse(&get("manifest.json")).unwrap();
        let readme = get("README.txt");
        let listed = m.files.iter().find(|f| f.path == "README.txt").unwrap();
        assert_eq!(listed.sha256, custody::evidence::sha256_hex(&readme));
        let text = String::from_utf8(readme).unwrap();
        let month = m.month.to_string();
        for needle in [
            format!("Evidence pack of {} for {month}", m.client),
            format!("Evidence month:  {month}"),
            format!("Evaluated by:    custody {}", m.tool.version),
            "WHO COLLECTED THE EVIDENCE".into(),
            "WHO BUILT THIS PACK".into(),
            format!("custody verify evidence-{}-{month}.zip", m.client),
            "This pack is not signed".into(),
            "sha256sum -c --strict SHA256SUMS".into(),
            "scorecard.html        the scorecard to read".into(),
        ] {
            assert!(
                text.contains(&needle),
                "{}: README lacks {needle:?}:\n{text}",
                pack.display()
            );
        }
        if let Some(c) = &m.policy.commit {
            assert!(text.contains(&format!("git commit {c}")), "{text}");
        }
        // SHA256SUMS lists every file the manifest lists but itself, with its hash.
        let sums = String::from_utf8(get("SHA256SUMS")).unwrap();
        let want: Vec<String> = m
            .files
            .iter()
            .filter(|f| f.path != "SHA256SUMS")
            .map(|f| format!("{}  {}", f.sha256, f.path))
            .collect();
        assert_eq!(sums.lines().collect::<Vec<_>>(), want);
    }
    // And the packs, with these files, re-evaluate to their own scorecards.
    let o = custody().arg("verify").arg(&site).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("intact, verdicts re-evaluated"), "{out}");
}

/// The README's "without custody" block, as a bash script run where the zip is.
fn standard_tool_steps(readme: &str) -> String {
    let start = readme
        .find("HOW TO VERIFY IT WITHOUT CUSTODY")
        .expect("the README has the standard-tool steps");
    let block = &readme[start..];
    let body = &block[block.find('\n').unwrap() + 1..];
    let mut script = String::from("set -euo pipefail\n");
    for line in body.lines() {
        script.push_str(line.strip_prefix("  ").unwrap_or(line));
        script.push('\n');
    }
    script
}

#[test]
fn the_readmes_commands_verify_a_signed_pack_with_standard_tools() {
    for t in ["bash", "unzip", "sha256sum", "ssh-keygen"] {
        if tool(t).is_none() {
            return;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let private = PrivateKey::new(Ed25519Keypair::from_seed(&[9; 32]).into(), "msp").unwrap();
    let key = dir.path().join("key");
    std::fs::write(&key, private.to_openssh(LineEnding::LF).unwrap()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let site = dir.path().join("site");
    build(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &site,
        Some(&key),
        &["fabrikam"],
    );

    // What the auditor has: this month's pack, the previous one, and the MSP's key.
    let work = dir.path().join("auditor");
    std::fs::create_dir_all(&work).unwrap();
    for m in ["2026-10", "2026-11"] {
        let name = format!("evidence-fabrikam-{m}.zip");
        std::fs::copy(site.join("fabrikam").join(m).join(&name), work.join(&name)).unwrap();
    }
    std::fs::write(
        work.join("allowed_signers"),
        format!(
            "evidence@msp.example namespaces=\"custody-pack\" {}\n",
            private.public_key().to_openssh().unwrap()
        ),
    )
    .unwrap();
    let pack = work.join("evidence-fabrikam-2026-11.zip");
    let files = entries(&pack);
    let readme = String::from_utf8(
        files
            .iter()
            .find(|(n, _)| n == "README.txt")
            .unwrap()
            .1
            .clone(),
    )
    .unwrap();
    let manifest =
        Manifest::parse(&files.iter().find(|(n, _)| n == "manifest.json").unwrap().1).unwrap();
    let script = standard_tool_steps(&readme);
    assert!(
        readme.contains(
            "custody verify --trusted-key allowed_signers --require-signature evidence-fabrikam-2026-11.zip"
        ),
        "{readme}"
    );
    assert!(
        script.contains("ssh-keygen -Y verify"),
        "a signed pack's README verifies its signature:\n{script}"
    );

    let run = |script: &str| {
        std::process::Command::new("bash")
            .arg("-c")
            .arg(script)
            .current_dir(&work)
            .output()
            .unwrap()
    };
    let o = run(&script);
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    assert!(
        o.status.success(),
        "the README's commands fail:\n{script}\n{out}\n{err}"
    );
    assert!(
        format!("{out}{err}").contains("Good \"custody-pack\" signature for evidence@msp.example"),
        "{out}{err}"
    );
    assert!(out.contains("scorecard.json: OK"), "{out}");
    // Step 5 prints the previous manifest's sha256, which the manifest names.
    let prev = manifest.previous.as_ref().unwrap();
    assert!(out.contains(&prev.manifest_sha256), "{out}");

    // The same steps fail on a pack changed after it was built (sha256sum -c), and on a
    // pack holding a file the manifest does not list (the find | diff step).
    let changed = script.replacen(
        "&& cd pack\n",
        "&& cd pack\nprintf x >> scorecard.json\n",
        1,
    );
    assert!(!run(&format!("rm -rf pack\n{changed}")).status.success());
    let extra = script.replacen("&& cd pack\n", "&& cd pack\necho x > planted.html\n", 1);
    assert!(!run(&format!("rm -rf pack\n{extra}")).status.success());
}

#[test]
fn a_signature_removed_from_a_signed_pack_is_named_not_passed_as_unsigned() {
    // Without --require-signature an unsigned pack is no failure; but this pack's own
    // README (hashed by the manifest) says it was signed.
    let dir = tempfile::tempdir().unwrap();
    let private = PrivateKey::new(Ed25519Keypair::from_seed(&[5; 32]).into(), "msp").unwrap();
    let key = dir.path().join("key");
    std::fs::write(&key, private.to_openssh(LineEnding::LF).unwrap()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let site = dir.path().join("site");
    build(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &site,
        Some(&key),
        &["fabrikam"],
    );
    let pack = site.join("fabrikam/2026-11/evidence-fabrikam-2026-11.zip");
    let kept: Vec<(String, Vec<u8>)> = entries(&pack)
        .into_iter()
        .filter(|(n, _)| n != "manifest.json.sig")
        .collect();
    let mut w = zip::ZipWriter::new(std::fs::File::create(&pack).unwrap());
    for (n, d) in &kept {
        w.start_file(n.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut w, d).unwrap();
    }
    w.finish().unwrap();
    let o = custody().arg("verify").arg(&pack).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("README.txt says the pack is signed, but it holds no manifest.json.sig"),
        "{out}"
    );
}

// ---------------------------------------------------------------- links

/// Every value of an `href`, `src`, `srcset`, `action`, `poster` or `xlink:href`
/// attribute in `html` (quoted either way, or bare).
fn link_values(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    for attr in [
        "href",
        "src",
        "srcset",
        "action",
        "poster",
        "xlink:href",
        "formaction",
    ] {
        let pat = format!("{attr}=");
        let mut from = 0;
        while let Some(i) = lower[from..].find(&pat) {
            let at = from + i;
            from = at + pat.len();
            // Only whole attribute names: `data-src=` or `xhref=` are not links.
            let before = lower[..at].chars().last().unwrap_or(' ');
            if !(before.is_whitespace() || before == '<') {
                continue;
            }
            let rest = &html[from..];
            let value = match rest.chars().next() {
                Some(q @ ('"' | '\'')) => rest[1..].split(q).next().unwrap_or(""),
                _ => rest
                    .split(|c: char| c.is_whitespace() || c == '>')
                    .next()
                    .unwrap_or(""),
            };
            out.push(unescape(value));
        }
    }
    out
}

/// An attribute value as a browser reads it: character references decoded (the templates
/// escape `/` as `&#x2f;`).
fn unescape(v: &str) -> String {
    let mut out = String::new();
    let mut rest = v;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|e| *e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let name = &rest[1..end];
        let c = match name {
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "lt" => Some('<'),
            "gt" => Some('>'),
            n if n.starts_with("#x") || n.starts_with("#X") => u32::from_str_radix(&n[2..], 16)
                .ok()
                .and_then(char::from_u32),
            n if n.starts_with('#') => n[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Every link of every HTML file in the pack resolves to a file in the pack, or to an
/// anchor of the page that exists (`id="…"`). Returns what does not, for the message.
fn unresolved(pack: &Path) -> Vec<String> {
    let files = entries(pack);
    let names: BTreeSet<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    let mut bad = Vec::new();
    for (name, data) in files.iter().filter(|(n, _)| n.ends_with(".html")) {
        let html = String::from_utf8_lossy(data);
        let dir = name.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let values = link_values(&html);
        assert!(
            !values.is_empty() || !name.ends_with("scorecard.html"),
            "no links parsed in {name}"
        );
        for v in values {
            let v = v.trim();
            if let Some(anchor) = v.strip_prefix('#') {
                if !html.contains(&format!("id=\"{anchor}\"")) {
                    bad.push(format!("{name}: #{anchor} names no element"));
                }
                continue;
            }
            if v.is_empty() || v.contains(':') || v.starts_with("//") || v.starts_with('/') {
                bad.push(format!("{name}: {v:?} leaves the pack"));
                continue;
            }
            let path = v.split(['#', '?']).next().unwrap_or("");
            let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
            let mut escaped = false;
            for seg in path.split('/') {
                match seg {
                    "" | "." => {}
                    ".." => escaped |= parts.pop().is_none(),
                    s => parts.push(s),
                }
            }
            let target = parts.join("/");
            if escaped || !names.contains(target.as_str()) {
                bad.push(format!("{name}: {v:?} is not a file in the pack"));
            }
        }
    }
    bad
}

#[test]
fn every_link_in_every_packed_page_resolves_inside_the_pack() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    // Every sample client: their notes link out to https pages, and one has a logo.
    build(Path::new(env!("CARGO_MANIFEST_DIR")), &site, None, &[]);
    for pack in packs(&site) {
        let bad = unresolved(&pack);
        assert!(bad.is_empty(), "{}:\n{}", pack.display(), bad.join("\n"));
    }
}

#[test]
fn links_a_clients_notes_hold_never_leave_the_packed_page() {
    // The notes are the client folder's: any link in them is hostile to the pack's
    // promise. Relative, absolute, scheme-relative, mail and anchor links, autolinks and
    // reference links: in the pack, only in-page anchors stay links.
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let src = Path::new(env!("CARGO_MANIFEST_DIR"));
    for sub in ["clients/northwind", "evidence/northwind/2026-11"] {
        for e in walkdir::WalkDir::new(src.join(sub)) {
            let e = e.unwrap();
            let dest = repo
                .join(sub)
                .join(e.path().strip_prefix(src.join(sub)).unwrap());
            if e.file_type().is_dir() {
                std::fs::create_dir_all(&dest).unwrap();
            } else {
                std::fs::copy(e.path(), &dest).unwrap();
            }
        }
    }
    std::fs::write(
        repo.join("clients/northwind/notes.md"),
        "# Notes\n\nSee [the site](index.html), [controls](../controls/identity.mfa-admins.html), \
         [up](../../index.html), [abs](/etc/passwd), [net](//evil.example/x), \
         [web](https://example.com/a?b=c&d=e), [mail](mailto:msp@example.com), <https://auto.example/>, \
         [ref][r], [evidence](evidence/graph/users.json) and [summary](#summary-h).\n\n\
         [r]: https://ref.example/\n",
    )
    .unwrap();
    let site = dir.path().join("site");
    build(&repo, &site, None, &[]);
    let pack = site.join("northwind/2026-11/evidence-northwind-2026-11.zip");
    let bad = unresolved(&pack);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    let page = entries(&pack)
        .into_iter()
        .find(|(n, _)| n == "scorecard.html")
        .unwrap()
        .1;
    let page = String::from_utf8(page).unwrap();
    // The address stays visible as text; the anchor stays a link.
    assert!(
        page.contains("web (https://example.com/a?b=c&amp;d=e)"),
        "{page}"
    );
    assert!(page.contains("href=\"#summary-h\""), "{page}");
    // The site's own page keeps the notes' links: only the pack needs them local.
    let site_page = std::fs::read_to_string(site.join("northwind/2026-11/index.html")).unwrap();
    assert!(site_page.contains("href=\"https://example.com/a?b=c&amp;d=e\""));
    // And the pack still re-evaluates to its own page.
    let o = custody().arg("verify").arg(&pack).output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn the_link_checker_finds_what_leaves_a_pack() {
    // The checker itself must fail on a link out, or the tests above prove nothing.
    assert_eq!(
        unescape("assets&#x2f;logo.svg?a=1&amp;b=&#47;"),
        "assets/logo.svg?a=1&b=/"
    );
    let html = r##"<a href="index.html">x</a><img src='assets/x.png'><a href=https://e.x>y</a>
        <a href="#nowhere">z</a><p id="here"><a href="#here">ok</a><link rel="stylesheet" href="assets/style.css"><a data-href="x">"##;
    let v = link_values(html);
    assert_eq!(
        v,
        [
            "index.html",
            "https://e.x",
            "#nowhere",
            "#here",
            "assets/style.css",
            "assets/x.png"
        ]
    );
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("p.zip");
    let mut w = zip::ZipWriter::new(std::fs::File::create(&zip).unwrap());
    for (n, d) in [("scorecard.html", html), ("assets/style.css", "")] {
        w.start_file(n, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut w, d.as_bytes()).unwrap();
    }
    w.finish().unwrap();
    let bad = unresolved(&zip);
    assert_eq!(bad.len(), 4, "{bad:?}");
}
