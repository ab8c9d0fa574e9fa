//! Signed evidence packs end to end (issue 16): `custody build` signs each pack's
//! manifest with the key `CUSTODY_SIGNING_KEY_FILE` names; `custody verify` checks the
//! signature against `--trusted-key`; `ssh-keygen -Y verify` accepts the same packs
//! without custody; forged, re-signed, stripped and corrupt signatures fail; bad keys are
//! input errors (exit 2), never a panic.
//!
//! Keys are made from fixed seeds with the same crate custody uses, so most tests need no
//! tool; the interoperability tests need `ssh-keygen` (`.ci/run` installs it; set `CI` to
//! make its absence a failure instead of a skip).

use assert_cmd::Command;
use custody::pack::Manifest;
use ssh_key::private::Ed25519Keypair;
use ssh_key::{HashAlg, LineEnding, PrivateKey};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The one client the tests build: its sample months have failing controls to forge.
const CLIENT: &str = "fabrikam";
const MONTH: &str = "2026-11";

fn custody() -> Command {
    let mut c = Command::cargo_bin("custody").unwrap();
    c.env("NO_COLOR", "1")
        .env_remove("CUSTODY_SIGNING_KEY_FILE");
    c
}

fn sample_repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// An Ed25519 key from a seed, with its OpenSSH private and public forms.
struct Key {
    private: PrivateKey,
}

impl Key {
    fn new(seed: u8, comment: &str) -> Key {
        let pair = Ed25519Keypair::from_seed(&[seed; 32]);
        Key {
            private: PrivateKey::new(pair.into(), comment).unwrap(),
        }
    }

    /// Writes the private key (mode 0600, as ssh-keygen does) and returns its path.
    fn write(&self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, self.private.to_openssh(LineEnding::LF).unwrap()).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        path
    }

    fn public(&self) -> String {
        self.private.public_key().to_openssh().unwrap()
    }

    fn fingerprint(&self) -> String {
        self.private.fingerprint(HashAlg::Sha256).to_string()
    }

    /// An allowed_signers file trusting this key as `principal` for custody packs.
    fn allowed_signers(&self, dir: &Path, principal: &str) -> PathBuf {
        let path = dir.join(format!("allowed_signers-{principal}"));
        std::fs::write(
            &path,
            format!(
                "# who may sign custody evidence packs\n{principal} namespaces=\"custody-pack\" {}\n",
                self.public()
            ),
        )
        .unwrap();
        path
    }
}

/// Builds the sample client's standalone site into `out`, signed with `key` if given.
fn build(out: &Path, key: Option<&Path>) -> std::process::Output {
    let mut c = custody();
    c.arg("--repo")
        .arg(sample_repo())
        .args(["build", "--client", CLIENT, "--out"])
        .arg(out);
    if let Some(k) = key {
        c.env("CUSTODY_SIGNING_KEY_FILE", k);
    }
    c.output().unwrap()
}

fn built(out: &Path, key: Option<&Path>) {
    let o = build(out, key);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn pack_path(site: &Path) -> PathBuf {
    site.join(format!("{CLIENT}/{MONTH}/evidence-{CLIENT}-{MONTH}.zip"))
}

fn verify(args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let o = custody().arg("verify").args(args).output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn os<P: AsRef<std::ffi::OsStr> + ?Sized>(p: &P) -> &std::ffi::OsStr {
    p.as_ref()
}

/// The entries of a zip, in order.
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

fn entry(zip: &Path, name: &str) -> Option<Vec<u8>> {
    entries(zip)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|e| e.1)
}

fn write_zip(zip: &Path, entries: &[(String, Vec<u8>)]) {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(data).unwrap();
    }
    std::fs::write(zip, w.finish().unwrap().into_inner()).unwrap();
}

/// Issue 16's attack: every failing control of the packed scorecard rewritten to `pass`,
/// the manifest's hashes recomputed (canonical bytes, so the manifest itself is valid),
/// re-zipped. `signature` decides what becomes of `manifest.json.sig`: kept as it was,
/// dropped, or replaced by a signature of the forged manifest.
fn forge(zip: &Path, signature: impl Fn(&[u8], Option<Vec<u8>>) -> Option<Vec<u8>>) {
    let mut files = entries(zip);
    let old_sig = files
        .iter()
        .find(|(n, _)| n == "manifest.json.sig")
        .map(|e| e.1.clone());
    files.retain(|(n, _)| n != "manifest.json.sig");
    let mut rewritten = 0;
    for (name, data) in files.iter_mut() {
        if name == "scorecard.json" {
            let text = String::from_utf8(data.clone()).unwrap();
            rewritten = text.matches("\"status\": \"fail\"").count();
            *data = text
                .replace("\"status\": \"fail\"", "\"status\": \"pass\"")
                .into_bytes();
        }
    }
    assert!(rewritten > 0, "the sample month must have failing controls");
    let manifest_at = files
        .iter()
        .position(|(n, _)| n == "manifest.json")
        .unwrap();
    let mut manifest = Manifest::parse(&files[manifest_at].1).unwrap();
    for f in manifest.files.iter_mut() {
        let data = &files.iter().find(|(n, _)| *n == f.path).unwrap().1;
        f.sha256 = custody::evidence::sha256_hex(data);
        f.size = data.len() as u64;
    }
    let forged = manifest.to_json();
    Manifest::parse(&forged).expect("the forged manifest is canonical");
    files[manifest_at].1 = forged.clone();
    if let Some(sig) = signature(&forged, old_sig) {
        files.insert(manifest_at + 1, ("manifest.json.sig".into(), sig));
    }
    write_zip(zip, &files);
}

fn sign_with(key: &Key, namespace: &str, data: &[u8]) -> Vec<u8> {
    key.private
        .sign(namespace, HashAlg::Sha512, data)
        .unwrap()
        .to_pem(LineEnding::LF)
        .unwrap()
        .into_bytes()
}

#[test]
fn a_signed_build_verifies_against_the_trusted_key_and_names_the_signer() {
    let dir = tempfile::tempdir().unwrap();
    let msp = Key::new(1, "msp-signing-2026");
    let key_file = msp.write(dir.path(), "id_ed25519");
    let site = dir.path().join("site");
    built(&site, Some(&key_file));
    let pack = pack_path(&site);
    let sig = entry(&pack, "manifest.json.sig").expect("the pack holds manifest.json.sig");
    assert!(sig.starts_with(b"-----BEGIN SSH SIGNATURE-----\n"));

    // The private key reaches neither the site (pages or pack entries) nor the cache.
    let secret = std::fs::read_to_string(&key_file).unwrap();
    let secret_lines: Vec<&str> = secret.lines().filter(|l| !l.starts_with("-----")).collect();
    let cache = sample_repo().join(".custody-cache");
    for dir in [&site, &cache] {
        for e in walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
        {
            if !e.file_type().is_file() {
                continue;
            }
            let mut texts = vec![std::fs::read(e.path()).unwrap()];
            if e.path().extension().is_some_and(|x| x == "zip") {
                texts.extend(entries(e.path()).into_iter().map(|(_, d)| d));
            }
            for t in texts {
                let t = String::from_utf8_lossy(&t);
                for l in &secret_lines {
                    assert!(
                        !t.contains(l),
                        "{} holds the private key",
                        e.path().display()
                    );
                }
            }
        }
    }

    let allowed = msp.allowed_signers(dir.path(), "evidence@msp.example");
    let (code, out, err) = verify(&[
        os("--trusted-key"),
        os(&allowed),
        os("--require-signature"),
        os(&site),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let line = format!("signed by evidence@msp.example ({})", msp.fingerprint());
    assert_eq!(out.matches(&line).count(), 6, "one line per month:\n{out}");
    assert!(out.contains("signatures: 6 signed, 0 unsigned"), "{out}");

    // A plain .pub file names the key by its comment.
    let public = dir.path().join("id_ed25519.pub");
    std::fs::write(&public, format!("{}\n", msp.public())).unwrap();
    let (code, out, _) = verify(&[os("--trusted-key"), os(&public), os(&pack)]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!(
            "signed by msp-signing-2026 ({})",
            msp.fingerprint()
        )),
        "{out}"
    );

    // Without --trusted-key: who signed is shown, and that it was not checked.
    let (code, out, _) = verify(&[os(&pack)]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!(
            "signed by {} (key not checked: pass --trusted-key)",
            msp.fingerprint()
        )),
        "{out}"
    );

    // Another key, or a key trusted for other namespaces only, is not the MSP's.
    let other = Key::new(2, "someone-else");
    let (code, out, _) = verify(&[
        os("--trusted-key"),
        os(&other.allowed_signers(dir.path(), "x")),
        os(&pack),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&msp.fingerprint()) && out.contains("does not trust"),
        "{out}"
    );
    let git_only = dir.path().join("git_only");
    std::fs::write(
        &git_only,
        format!("evidence@msp.example namespaces=\"git\" {}\n", msp.public()),
    )
    .unwrap();
    let (code, out, _) = verify(&[os("--trusted-key"), os(&git_only), os(&pack)]);
    assert_eq!(code, 1, "{out}");
}

#[test]
fn signed_builds_are_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let key = Key::new(3, "msp").write(dir.path(), "key");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    built(&a, Some(&key));
    built(&b, Some(&key));
    assert_eq!(
        std::fs::read(pack_path(&a)).unwrap(),
        std::fs::read(pack_path(&b)).unwrap()
    );
}

#[test]
fn issue_16_rewritten_verdicts_with_recomputed_hashes_fail_a_signed_pack() {
    let dir = tempfile::tempdir().unwrap();
    let msp = Key::new(4, "msp");
    let key = msp.write(dir.path(), "key");
    let allowed = msp.allowed_signers(dir.path(), "msp");
    let site = dir.path().join("site");
    built(&site, Some(&key));
    let pack = pack_path(&site);
    let original = std::fs::read(&pack).unwrap();
    let trusted = |extra: &[&str]| {
        let mut args = vec![os("--trusted-key"), os(&allowed)];
        args.extend(extra.iter().map(os));
        args.push(os(&pack));
        verify(&args)
    };

    // The old signature kept: it no longer matches the manifest.
    forge(&pack, |_, old| old);
    let (code, out, _) = trusted(&[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("manifest.json.sig: the signature")
            && out.contains("does not match manifest.json"),
        "{out}"
    );
    let (code, out, _) = verify(&[os(&pack)]);
    assert_eq!(
        code, 1,
        "even without --trusted-key a broken signature fails:\n{out}"
    );

    // The signature removed: reported unsigned, and the rewritten verdicts fail the
    // re-evaluation (tests/verify_reevaluate.rs); also a failure when signatures are required.
    std::fs::write(&pack, &original).unwrap();
    forge(&pack, |_, _| None);
    let (code, out, _) = verify(&[os(&pack)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("when re-evaluated"), "{out}");
    assert!(
        out.contains(&format!("evidence-{CLIENT}-{MONTH}.zip: unsigned")),
        "{out}"
    );
    let (code, out, _) = trusted(&["--require-signature"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("--require-signature"), "{out}");

    // Re-signed by the forger's own key: untrusted, named by its fingerprint.
    std::fs::write(&pack, &original).unwrap();
    let forger = Key::new(5, "forger");
    forge(&pack, |m, _| Some(sign_with(&forger, "custody-pack", m)));
    let (code, out, _) = trusted(&[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&forger.fingerprint()), "{out}");

    // Re-signed by the MSP's key but for another purpose (a git commit signature).
    std::fs::write(&pack, &original).unwrap();
    forge(&pack, |m, _| Some(sign_with(&msp, "git", m)));
    let (code, out, _) = trusted(&[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("namespace \"git\""), "{out}");

    // The untouched pack still verifies.
    std::fs::write(&pack, &original).unwrap();
    let (code, out, _) = trusted(&["--require-signature"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn changing_or_removing_the_signing_key_re_signs_every_pack() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (Key::new(6, "old"), Key::new(7, "new"));
    let (key_a, key_b) = (a.write(dir.path(), "a"), b.write(dir.path(), "b"));
    let site = dir.path().join("site");
    built(&site, Some(&key_a));
    // Incremental builds (the cache is on): a new key must reach every month.
    built(&site, Some(&key_b));
    let (code, out, _) = verify(&[
        os("--trusted-key"),
        os(&b.allowed_signers(dir.path(), "new")),
        os("--require-signature"),
        os(&site),
    ]);
    assert_eq!(code, 0, "every pack is signed by the new key:\n{out}");
    assert!(!out.contains(&a.fingerprint()), "{out}");

    built(&site, None);
    let (code, out, _) = verify(&[os(&site)]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("signatures: 0 signed, 6 unsigned"), "{out}");
    assert!(
        !out.contains(&b.fingerprint()),
        "no signature of a removed key survives"
    );
}

#[test]
fn bad_signing_keys_fail_the_build_with_exit_2_and_leave_the_site() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    built(&site, None);
    let before = std::fs::read(pack_path(&site)).unwrap();
    let msp = Key::new(8, "msp");
    let private = msp.write(dir.path(), "private");
    let secret_text = std::fs::read_to_string(&private).unwrap();
    let secret_line = secret_text.lines().nth(1).unwrap().to_owned();
    let cases: Vec<(&str, String, &str)> = vec![
        ("missing", String::new(), "cannot read"),
        ("public.pub", format!("{}\n", msp.public()), "a public key"),
        (
            "garbage",
            "not a key at all\n".into(),
            "not an OpenSSH private key",
        ),
        (
            "truncated",
            secret_text.lines().take(3).collect::<Vec<_>>().join("\n"),
            "not a readable OpenSSH private key",
        ),
        (
            "pkcs8",
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----\n"
                .into(),
            "PEM or PKCS#8",
        ),
        (
            "binary",
            "\u{0}\u{1}".repeat(10),
            "not an OpenSSH private key",
        ),
    ];
    for (name, text, expect) in cases {
        let path = dir.path().join(name);
        if name != "missing" {
            std::fs::write(&path, text).unwrap();
        }
        let o = build(&site, Some(&path));
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(&path.display().to_string()),
            "{name} names the file: {err}"
        );
        assert!(err.contains("CUSTODY_SIGNING_KEY_FILE"), "{name}: {err}");
        assert!(err.contains(expect), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(
            !err.contains(&secret_line),
            "{name}: key material in the message"
        );
        assert_eq!(
            std::fs::read(pack_path(&site)).unwrap(),
            before,
            "{name}: the previous site is untouched"
        );
    }
}

#[test]
fn corrupt_signatures_and_unknown_trusted_key_formats_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let msp = Key::new(9, "msp");
    let key = msp.write(dir.path(), "key");
    let site = dir.path().join("site");
    built(&site, Some(&key));
    let pack = pack_path(&site);
    let allowed = msp.allowed_signers(dir.path(), "msp");

    let bad_files: Vec<(&str, &str, &str)> = vec![
        (
            "rsa",
            "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7 rsa-key\n",
            "is not supported",
        ),
        (
            "junk",
            "hello world\n",
            "not a public key or allowed_signers line",
        ),
        ("empty", "# nothing here\n", "no key found"),
        (
            "bad-base64",
            "msp ssh-ed25519 @@@@ x\n",
            "not a valid ssh-ed25519 public key",
        ),
        (
            "private",
            "-----BEGIN OPENSSH PRIVATE KEY-----\n",
            "not a public key",
        ),
        (
            "option",
            "msp frobnicate ssh-ed25519 AAAA\n",
            "unknown or malformed option",
        ),
        (
            "time",
            "msp valid-after=\"tomorrow\" ssh-ed25519 AAAA\n",
            "not YYYYMMDD",
        ),
    ];
    for (name, text, expect) in bad_files {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let (code, out, err) = verify(&[os("--trusted-key"), os(&path), os(&pack)]);
        assert_eq!(code, 2, "{name}: {out}{err}");
        assert!(
            err.contains(&format!("{}:", path.display())) && err.contains(expect),
            "{name}: {err}"
        );
        assert!(
            out.is_empty(),
            "{name}: nothing verified with an unusable trust file"
        );
    }
    let (code, _, err) = verify(&[
        os("--trusted-key"),
        os(&dir.path().join("absent")),
        os(&pack),
    ]);
    assert_eq!(code, 2, "{err}");

    // Corrupt manifest.json.sig files inside an otherwise intact pack.
    let original = entries(&pack);
    for (name, sig) in [
        ("empty", Vec::new()),
        ("text", b"not a signature".to_vec()),
        (
            "bad base64",
            b"-----BEGIN SSH SIGNATURE-----\n@@@@\n-----END SSH SIGNATURE-----\n".to_vec(),
        ),
        (
            "truncated",
            b"-----BEGIN SSH SIGNATURE-----\nU1NIU0lHAAAAAQ==\n-----END SSH SIGNATURE-----\n"
                .to_vec(),
        ),
        ("binary", vec![0xff; 300]),
        // Over the signature cap, and incompressible (a run of one byte would be a zip
        // bomb by its ratio, which is tampering before the signature is even read).
        ("huge", {
            let mut x: u32 = 2_463_534_242;
            (0..200_000)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                        [(x % 64) as usize]
                })
                .collect()
        }),
    ] {
        let files: Vec<(String, Vec<u8>)> = original
            .iter()
            .map(|(n, d)| {
                let d = if n == "manifest.json.sig" {
                    sig.clone()
                } else {
                    d.clone()
                };
                (n.clone(), d)
            })
            .collect();
        write_zip(&pack, &files);
        let (code, out, err) = verify(&[os("--trusted-key"), os(&allowed), os(&pack)]);
        assert_eq!(code, 2, "{name}: {out}{err}");
        assert!(
            out.contains("unreadable:") && out.contains("manifest.json.sig: "),
            "{name}: {out}"
        );
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
}

/// `ssh-keygen`, or `None` (a skip) where it is not installed and `CI` is not set.
fn ssh_keygen() -> Option<&'static str> {
    let found = std::process::Command::new("ssh-keygen")
        .arg("-?")
        .output()
        .is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "ssh-keygen is required in CI (.ci/run installs openssh-client)"
        );
        eprintln!("skipped: ssh-keygen is not installed");
        return None;
    }
    Some("ssh-keygen")
}

/// `ssh-keygen -Y verify` as the README tells auditors to run it, in `dir` holding the
/// pack's `manifest.json` and `manifest.json.sig`.
fn ssh_keygen_verify(dir: &Path, allowed: &Path, principal: &str) -> std::process::Output {
    let manifest = std::fs::File::open(dir.join("manifest.json")).unwrap();
    std::process::Command::new("ssh-keygen")
        .current_dir(dir)
        .args(["-Y", "verify", "-f"])
        .arg(allowed)
        .args([
            "-I",
            principal,
            "-n",
            "custody-pack",
            "-s",
            "manifest.json.sig",
        ])
        .stdin(manifest)
        .output()
        .unwrap()
}

#[test]
fn ssh_keygen_verifies_a_signed_pack_without_custody() {
    let Some(_) = ssh_keygen() else { return };
    let dir = tempfile::tempdir().unwrap();
    let msp = Key::new(10, "msp");
    let key = msp.write(dir.path(), "key");
    let allowed = msp.allowed_signers(dir.path(), "evidence@msp.example");
    let site = dir.path().join("site");
    built(&site, Some(&key));
    let pack = pack_path(&site);
    let unpacked = dir.path().join("unpacked");
    std::fs::create_dir_all(&unpacked).unwrap();
    for name in ["manifest.json", "manifest.json.sig"] {
        std::fs::write(unpacked.join(name), entry(&pack, name).unwrap()).unwrap();
    }
    let o = ssh_keygen_verify(&unpacked, &allowed, "evidence@msp.example");
    let said =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{said}");
    assert!(
        said.contains("Good \"custody-pack\" signature for evidence@msp.example"),
        "{said}"
    );

    // ssh-keygen signs the same bytes custody does (Ed25519 is deterministic): the
    // signature ssh-keygen -Y sign writes is the one in the pack.
    let o = std::process::Command::new("ssh-keygen")
        .args(["-Y", "sign", "-n", "custody-pack", "-f"])
        .arg(&key)
        .arg(unpacked.join("manifest.json"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read(unpacked.join("manifest.json.sig")).unwrap(),
        entry(&pack, "manifest.json.sig").unwrap(),
        "custody writes exactly what ssh-keygen -Y sign writes"
    );

    // The forged manifest fails ssh-keygen too.
    forge(&pack, |_, old| old);
    std::fs::write(
        unpacked.join("manifest.json"),
        entry(&pack, "manifest.json").unwrap(),
    )
    .unwrap();
    std::fs::write(
        unpacked.join("manifest.json.sig"),
        entry(&pack, "manifest.json.sig").unwrap(),
    )
    .unwrap();
    let o = ssh_keygen_verify(&unpacked, &allowed, "evidence@msp.example");
    assert!(
        !o.status.success(),
        "ssh-keygen must reject the forged manifest"
    );
}

#[test]
fn a_key_made_by_ssh_keygen_signs_and_bad_ones_are_refused() {
    let Some(_) = ssh_keygen() else { return };
    let dir = tempfile::tempdir().unwrap();
    let keygen = |name: &str, args: &[&str]| {
        let path = dir.path().join(name);
        let o = std::process::Command::new("ssh-keygen")
            .args(["-q", "-C", "made-by-ssh-keygen", "-f"])
            .arg(&path)
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        path
    };
    let good = keygen("good", &["-t", "ed25519", "-N", ""]);
    let site = dir.path().join("site");
    built(&site, Some(&good));
    let public = dir.path().join("good.pub");
    let (code, out, _) = verify(&[
        os("--trusted-key"),
        os(&public),
        os("--require-signature"),
        os(&site),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("signed by made-by-ssh-keygen (SHA256:"),
        "{out}"
    );

    for (name, args, expect) in [
        (
            "passphrase",
            &["-t", "ed25519", "-N", "correct horse"][..],
            "passphrase-protected",
        ),
        ("ecdsa", &["-t", "ecdsa", "-N", ""][..], "Ed25519 keys only"),
    ] {
        let path = keygen(name, args);
        let o = build(&dir.path().join("other"), Some(&path));
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(expect) && err.contains(&path.display().to_string()),
            "{name}: {err}"
        );
        assert!(!dir.path().join("other").exists(), "{name}: nothing built");
    }
    // An RSA public key in the trust file is refused, not silently ignored.
    let rsa = keygen("rsa", &["-t", "rsa", "-b", "1024", "-N", ""]);
    let (code, _, err) = verify(&[
        os("--trusted-key"),
        os(&rsa.with_extension("pub")),
        os(&site),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("\"ssh-rsa\" is not supported"), "{err}");
}
