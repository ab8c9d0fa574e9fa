//! Pack signatures: `custody build` signs each pack's `manifest.json` (which hashes every
//! other file) with the MSP's Ed25519 OpenSSH key, and stores the signature in the pack as
//! `manifest.json.sig`; `custody verify` checks it offline against the keys the auditor
//! trusts.
//!
//! The format is OpenSSH's `sshsig` (namespace `custody-pack`, SHA-512), armored as
//! `-----BEGIN SSH SIGNATURE-----`: exactly what `ssh-keygen -Y sign` writes, so an auditor
//! checks a pack without custody using `ssh-keygen -Y verify`. Ed25519 signatures are
//! deterministic, so a signed build stays byte-identical. Trusted keys are given as OpenSSH
//! public keys or as an `allowed_signers` file (the format `ssh-keygen -Y verify` reads).

use ssh_key::public::KeyData;
use ssh_key::{Algorithm, HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The sshsig namespace of pack signatures: a signature made for anything else (git
/// commits, files) never passes as a pack signature.
pub const NAMESPACE: &str = "custody-pack";

/// The signature's path inside a pack.
pub const SIGNATURE_PATH: &str = "manifest.json.sig";

/// The environment variable naming the signing key file for `custody build`.
pub const KEY_ENV: &str = "CUSTODY_SIGNING_KEY_FILE";

/// An armored Ed25519 sshsig is about 300 bytes; anything far larger is not one.
const MAX_SIGNATURE_BYTES: u64 = 64 << 10;
/// A private key file is a few hundred bytes.
const MAX_KEY_FILE_BYTES: u64 = 64 << 10;
/// A trusted-keys file can list many signers, but not megabytes of them.
const MAX_TRUST_FILE_BYTES: u64 = 4 << 20;
/// Same as verify's manifest limit: a real manifest is a few kilobytes.
const MAX_MANIFEST_BYTES: u64 = 16 << 20;

/// A problem with the signing key: the file it concerns (never its contents) and why.
#[derive(Debug)]
pub struct KeyError {
    pub file: String,
    pub problem: KeyProblem,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.problem)
    }
}

impl std::error::Error for KeyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.problem)
    }
}

impl KeyError {
    /// The diagnostic of a signing key that cannot be used: the key file, and why.
    pub fn into_diagnostic(self) -> crate::diagnostic::Diagnostic {
        crate::diagnostic::Diagnostic::file(self.file, self.problem.to_string())
    }
}

/// Why a private key file cannot sign. Never quotes the file's text.
#[derive(Debug)]
pub enum KeyProblem {
    File(TextFileError),
    PublicKey,
    Pem,
    NotOpenssh,
    /// A key type ssh-key does not know or support.
    UnknownType,
    Unreadable(ssh_key::Error),
    Encrypted,
    NotEd25519(Algorithm),
}

impl fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyProblem::File(e) => e.fmt(f),
            KeyProblem::PublicKey => f.write_str(
                "a public key, not the private key: give the private key file (without .pub)",
            ),
            KeyProblem::Pem => f.write_str(
                "a PEM or PKCS#8 key, not an OpenSSH private key: create one with `ssh-keygen -t ed25519`",
            ),
            KeyProblem::NotOpenssh => f.write_str(
                "not an OpenSSH private key (expected -----BEGIN OPENSSH PRIVATE KEY-----)",
            ),
            KeyProblem::UnknownType => f.write_str(
                "a key of a type custody does not sign with: custody signs packs with Ed25519 keys only (create one with `ssh-keygen -t ed25519`)",
            ),
            KeyProblem::Unreadable(e) => write!(f, "not a readable OpenSSH private key ({e})"),
            KeyProblem::Encrypted => f.write_str(
                "the key is passphrase-protected: custody signs unattended and never asks for a passphrase; use a key without one, kept in a secret store (such as a GitHub Actions secret)",
            ),
            KeyProblem::NotEd25519(alg) => write!(
                f,
                "a {alg} key: custody signs packs with Ed25519 keys only (create one with `ssh-keygen -t ed25519`)"
            ),
        }
    }
}

impl std::error::Error for KeyProblem {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            KeyProblem::File(e) => Some(e),
            KeyProblem::Unreadable(e) => Some(e),
            _ => None,
        }
    }
}

/// A key or trusted-keys file that cannot be read as text.
#[derive(Debug)]
pub enum TextFileError {
    Read(std::io::Error),
    TooLarge { limit: u64 },
    NotUtf8,
}

impl fmt::Display for TextFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextFileError::Read(e) => write!(f, "cannot read: {e}"),
            TextFileError::TooLarge { limit } => {
                write!(f, "larger than {limit} bytes: not a key file")
            }
            TextFileError::NotUtf8 => f.write_str("not UTF-8 text: not an OpenSSH key file"),
        }
    }
}

impl std::error::Error for TextFileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TextFileError::Read(e) => Some(e),
            _ => None,
        }
    }
}

/// A manifest that could not be signed.
#[derive(Debug)]
pub enum SignError {
    Sign(ssh_key::Error),
    Encode(ssh_key::Error),
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignError::Sign(e) => write!(f, "cannot sign {}: {e}", super::manifest::MANIFEST_PATH),
            SignError::Encode(e) => write!(f, "cannot encode the signature: {e}"),
        }
    }
}

impl std::error::Error for SignError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SignError::Sign(e) | SignError::Encode(e) => Some(e),
        }
    }
}

/// A `--trusted-key` file that cannot be used: where (`file` or `file:line`) and why.
#[derive(Debug)]
pub struct TrustError {
    pub at: String,
    pub problem: TrustProblem,
}

/// Why a trusted-keys file or one of its lines cannot be used.
#[derive(Debug)]
pub enum TrustProblem {
    File(TextFileError),
    NoKey,
    UnterminatedQuote,
    EmptyLine,
    NotAKeyLine,
    /// A key type other than ssh-ed25519 (shortened).
    KeyType(String),
    /// An `allowed_signers` option that is unknown or malformed (shortened).
    Option(String),
    /// A `valid-after` / `valid-before` time that is not `YYYYMMDD[HHMM[SS]][Z]`.
    Time(String),
    NoKeyData,
    InvalidKey(ssh_key::Error),
    NotEd25519(Algorithm),
}

impl fmt::Display for TrustError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.problem)
    }
}

impl fmt::Display for TrustProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrustProblem::File(e) => e.fmt(f),
            TrustProblem::NoKey => f.write_str(
                "no key found (expected an OpenSSH public key `ssh-ed25519 AAAA… comment` or allowed_signers lines `principal ssh-ed25519 AAAA…`)",
            ),
            TrustProblem::UnterminatedQuote => f.write_str("unterminated double quote"),
            TrustProblem::EmptyLine => f.write_str("empty line"),
            TrustProblem::NotAKeyLine => f.write_str(
                "not a public key or allowed_signers line (expected `ssh-ed25519 AAAA…` or `principal [options] ssh-ed25519 AAAA…`)",
            ),
            TrustProblem::KeyType(t) => write!(
                f,
                "key type {t:?} is not supported: custody packs are signed with Ed25519 keys (ssh-ed25519)"
            ),
            TrustProblem::Option(o) => write!(
                f,
                "unknown or malformed option {o:?} (allowed_signers options: cert-authority, namespaces=\"…\", valid-after=\"…\", valid-before=\"…\")"
            ),
            TrustProblem::Time(v) => write!(f, "time {v:?} is not YYYYMMDD[HHMM[SS]][Z]"),
            TrustProblem::NoKeyData => f.write_str("the ssh-ed25519 key has no key data"),
            TrustProblem::InvalidKey(e) => {
                write!(f, "not a valid ssh-ed25519 public key ({e})")
            }
            TrustProblem::NotEd25519(alg) => {
                write!(f, "the key data is a {alg} key, not ssh-ed25519")
            }
        }
    }
}

impl std::error::Error for TrustError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.problem {
            TrustProblem::File(e) => Some(e),
            TrustProblem::InvalidKey(e) => Some(e),
            _ => None,
        }
    }
}

/// The MSP's signing key. Its `Debug` shows the public fingerprint only: the private key
/// never reaches a log, a message, the site or the cache.
pub struct Signer {
    key: PrivateKey,
    fingerprint: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({})", self.fingerprint)
    }
}

impl Signer {
    /// The key named by `CUSTODY_SIGNING_KEY_FILE`, or `None` when it is unset or empty
    /// (packs are then built unsigned).
    pub fn from_env() -> Result<Option<Signer>, KeyError> {
        match std::env::var_os(KEY_ENV) {
            Some(path) if !path.is_empty() => Signer::from_file(Path::new(&path)).map(Some),
            _ => Ok(None),
        }
    }

    /// Reads an unencrypted Ed25519 private key in OpenSSH format.
    pub fn from_file(path: &Path) -> Result<Signer, KeyError> {
        let file = format!("{} ({KEY_ENV})", path.display());
        let err = |problem: KeyProblem| KeyError {
            file: file.clone(),
            problem,
        };
        let text = read_limited(path, MAX_KEY_FILE_BYTES).map_err(|e| err(KeyProblem::File(e)))?;
        Signer::from_openssh(&text).map_err(err)
    }

    /// Parses the text of an OpenSSH private key file. Errors never quote the text.
    pub fn from_openssh(text: &str) -> Result<Signer, KeyProblem> {
        let trimmed = text.trim_start();
        if !trimmed.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----") {
            return Err(
                if is_key_type(trimmed.split_whitespace().next().unwrap_or("")) {
                    KeyProblem::PublicKey
                } else if trimmed.starts_with("-----BEGIN ") {
                    KeyProblem::Pem
                } else {
                    KeyProblem::NotOpenssh
                },
            );
        }
        let key = PrivateKey::from_openssh(trimmed).map_err(|e| match e {
            ssh_key::Error::AlgorithmUnknown | ssh_key::Error::AlgorithmUnsupported { .. } => {
                KeyProblem::UnknownType
            }
            e => KeyProblem::Unreadable(e),
        })?;
        if key.is_encrypted() {
            return Err(KeyProblem::Encrypted);
        }
        if key.algorithm() != Algorithm::Ed25519 {
            return Err(KeyProblem::NotEd25519(key.algorithm()));
        }
        let fingerprint = key.public_key().fingerprint(HashAlg::Sha256).to_string();
        Ok(Signer { key, fingerprint })
    }

    /// `SHA256:<base64>`, as `ssh-keygen -l` prints it: what the build cache keys on.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The public key in OpenSSH format (`ssh-ed25519 AAAA… comment`), for an
    /// `allowed_signers` file.
    pub fn public_key_openssh(&self) -> String {
        self.key
            .public_key()
            .to_openssh()
            .unwrap_or_else(|_| self.fingerprint.clone())
    }

    /// The armored sshsig of `manifest` (LF line endings, trailing newline), as
    /// `ssh-keygen -Y sign -n custody-pack` writes it.
    pub fn sign(&self, manifest: &[u8]) -> Result<Vec<u8>, SignError> {
        let sig = self
            .key
            .sign(NAMESPACE, HashAlg::Sha512, manifest)
            .map_err(SignError::Sign)?;
        let mut pem = sig.to_pem(LineEnding::LF).map_err(SignError::Encode)?;
        if !pem.ends_with('\n') {
            pem.push('\n');
        }
        Ok(pem.into_bytes())
    }
}

/// One trusted key: from an OpenSSH public key line or an `allowed_signers` line.
#[derive(Debug, Clone)]
struct TrustedKey {
    key: KeyData,
    /// The principals of an `allowed_signers` line, or the comment of a public key.
    name: Option<String>,
    limits: Limits,
}

/// The options of an `allowed_signers` line: what the key is trusted for.
#[derive(Debug, Clone, Default)]
struct Limits {
    /// `namespaces="…"` patterns; `None` allows every namespace.
    namespaces: Option<Vec<String>>,
    valid_after: Option<jiff::Timestamp>,
    valid_before: Option<jiff::Timestamp>,
    /// `cert-authority` lines trust certificates, which pack signatures never are.
    cert_authority: bool,
}

/// The keys an auditor trusts, from `--trusted-key` files.
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys {
    keys: Vec<TrustedKey>,
}

impl TrustedKeys {
    /// Reads every file; the first problem is an error naming the file and line.
    pub fn load(paths: &[PathBuf]) -> Result<TrustedKeys, TrustError> {
        let mut keys = Vec::new();
        for path in paths {
            let label = path.display().to_string();
            let text = read_limited(path, MAX_TRUST_FILE_BYTES).map_err(|e| TrustError {
                at: label.clone(),
                problem: TrustProblem::File(e),
            })?;
            let found = parse_trusted(&text, &label)?;
            if found.is_empty() {
                return Err(TrustError {
                    at: label,
                    problem: TrustProblem::NoKey,
                });
            }
            keys.extend(found);
        }
        Ok(TrustedKeys { keys })
    }

    /// The trusted entry for a key that signed in `NAMESPACE` at `now`, if any.
    fn find(&self, key: &KeyData, now: jiff::Timestamp) -> Option<&TrustedKey> {
        self.keys.iter().find(|t| {
            let l = &t.limits;
            !l.cert_authority
                && t.key == *key
                && l.namespaces
                    .as_ref()
                    .is_none_or(|ns| pattern_list_matches(ns, NAMESPACE))
                && l.valid_after.is_none_or(|a| now >= a)
                && l.valid_before.is_none_or(|b| now <= b)
        })
    }
}

/// What `custody verify` expects of signatures.
#[derive(Debug, Clone, Default)]
pub struct SignatureCheck {
    /// `--trusted-key`: a signature by any other key is a failure. `None`: signatures are
    /// checked against the key they carry, and who signed is reported but not judged.
    pub trusted: Option<TrustedKeys>,
    /// `--require-signature`: an unsigned pack is a failure.
    pub required: bool,
}

/// The signature status of one pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The pack has no `manifest.json.sig`.
    Unsigned,
    /// A valid signature: "signed by …".
    Signed(String),
    /// A well-formed signature that does not hold (wrong key, namespace, bytes): tampering.
    Bad(String),
    /// `manifest.json.sig` is not an SSH signature custody can read.
    Unreadable(String),
}

/// The signature status of the pack file at `path`, read through the bounded
/// [`PackReader`](super::read::PackReader); `None` when the pack is not readable far enough
/// to have a manifest (verify reports that on its own).
pub fn check_file(path: &std::path::Path, check: &SignatureCheck) -> Option<Outcome> {
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return None; // never opened: a pipe would block the run
    }
    let file = std::fs::File::open(path).ok()?;
    let mut pack = super::read::PackReader::open(std::io::BufReader::new(file)).ok()?;
    let manifest_index = pack.find(super::manifest::MANIFEST_PATH).ok()??;
    let manifest = pack
        .read_to_vec(manifest_index, MAX_MANIFEST_BYTES)
        .ok()??;
    Some(match pack.find(SIGNATURE_PATH) {
        Ok(None) => Outcome::Unsigned,
        Ok(Some(index)) => match pack.read_to_vec(index, MAX_SIGNATURE_BYTES) {
            Ok(Some(sig)) => check_signature(&manifest, &sig, check, jiff::Timestamp::now()),
            Ok(None) => Outcome::Unreadable(format!(
                "larger than {MAX_SIGNATURE_BYTES} bytes: not an SSH signature"
            )),
            Err(e) => Outcome::Unreadable(format!("cannot be read from the zip ({e})")),
        },
        Err(e) => Outcome::Unreadable(format!("cannot be read from the zip ({e})")),
    })
}

/// Adds one pack's signature status to the report: a line naming who signed (or
/// "unsigned"), and a problem for a bad or untrusted signature, or for an unsigned pack
/// when signatures are required; an unreadable signature file is unreadable input.
pub fn record(
    report: &mut super::VerifyReport,
    pack: &str,
    outcome: Option<Outcome>,
    check: &SignatureCheck,
) {
    match outcome {
        None => {}
        Some(Outcome::Unsigned) => {
            report.unsigned += 1;
            report.signatures.push(format!("{pack}: unsigned"));
            if check.required {
                report.problems.push(format!(
                    "{pack}: unsigned ({SIGNATURE_PATH} is missing) and --require-signature was given"
                ));
            }
        }
        Some(Outcome::Signed(by)) => {
            report.signed += 1;
            report.signatures.push(format!("{pack}: {by}"));
        }
        Some(Outcome::Bad(why)) => report
            .problems
            .push(format!("{pack}: {SIGNATURE_PATH}: {why}")),
        Some(Outcome::Unreadable(why)) => report
            .unreadable
            .push(format!("{pack}: {SIGNATURE_PATH}: {why}")),
    }
}

/// Checks an armored sshsig over `manifest`: well-formed, Ed25519, namespace
/// `custody-pack`, valid for the key it carries, and (with `--trusted-key`) by a key the
/// auditor trusts at `now`.
pub fn check_signature(
    manifest: &[u8],
    armored: &[u8],
    check: &SignatureCheck,
    now: jiff::Timestamp,
) -> Outcome {
    let sig = match std::str::from_utf8(armored)
        .map_err(|_| "not text".to_owned())
        .and_then(|t| SshSig::from_pem(t.trim()).map_err(|e| e.to_string()))
    {
        Ok(s) => s,
        Err(e) => {
            return Outcome::Unreadable(format!(
                "not an armored SSH signature (-----BEGIN SSH SIGNATURE-----): {e}"
            ));
        }
    };
    let key = sig.public_key();
    if key.algorithm() != Algorithm::Ed25519 || sig.algorithm() != Algorithm::Ed25519 {
        return Outcome::Unreadable(format!(
            "signed with a {} key: custody checks Ed25519 signatures only",
            key.algorithm()
        ));
    }
    let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
    if sig.namespace() != NAMESPACE {
        return Outcome::Bad(format!(
            "the signature (key {fingerprint}) was made for namespace {:?}, not {NAMESPACE:?}: it does not sign this pack",
            truncate(sig.namespace(), 80)
        ));
    }
    let public = PublicKey::new(key.clone(), "");
    if public.verify(NAMESPACE, manifest, &sig).is_err() {
        return Outcome::Bad(format!(
            "the signature (key {fingerprint}) does not match {}: the manifest was changed after it was signed",
            super::manifest::MANIFEST_PATH
        ));
    }
    match &check.trusted {
        None => Outcome::Signed(format!(
            "signed by {fingerprint} (key not checked: pass --trusted-key)"
        )),
        Some(trusted) => match trusted.find(key, now) {
            Some(t) => Outcome::Signed(match &t.name {
                Some(name) => format!("signed by {name} ({fingerprint})"),
                None => format!("signed by {fingerprint}"),
            }),
            None => Outcome::Bad(format!(
                "signed by {fingerprint}, a key that --trusted-key does not trust for namespace {NAMESPACE} now"
            )),
        },
    }
}

/// A UTF-8 file of at most `limit` bytes.
fn read_limited(path: &Path, limit: u64) -> Result<String, TextFileError> {
    let f = std::fs::File::open(path).map_err(TextFileError::Read)?;
    let mut bytes = Vec::new();
    f.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(TextFileError::Read)?;
    if bytes.len() as u64 > limit {
        return Err(TextFileError::TooLarge { limit });
    }
    let text = String::from_utf8(bytes).map_err(|_| TextFileError::NotUtf8)?;
    // Editors on Windows may save a byte-order mark.
    Ok(text
        .strip_prefix('\u{feff}')
        .map(str::to_owned)
        .unwrap_or(text))
}

/// The key types OpenSSH writes at the start of a public key (and certificates of them):
/// an exact list, so a principal that merely starts with `ssh-` is still a principal.
fn is_key_type(token: &str) -> bool {
    const TYPES: [&str; 8] = [
        "ssh-ed25519",
        "ssh-rsa",
        "ssh-dss",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    ];
    let plain = match token.strip_suffix("-cert-v01@openssh.com") {
        Some(t) if t.starts_with("sk-") => format!("{t}@openssh.com"),
        Some(t) => t.to_owned(),
        None => token.to_owned(),
    };
    TYPES.contains(&plain.as_str())
}

/// Parses OpenSSH public key lines (`type base64 [comment]`) and `allowed_signers` lines
/// (`principals [options] type base64 [comment]`), one per line; `#` comments and blank
/// lines are skipped. Errors name `label:line`.
fn parse_trusted(text: &str, label: &str) -> Result<Vec<TrustedKey>, TrustError> {
    let mut keys = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let at = |problem: TrustProblem| TrustError {
            at: format!("{label}:{}", i + 1),
            problem,
        };
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let tokens = tokenize(line).map_err(at)?;
        let (name, options, key_at) = if is_key_type(&tokens[0]) {
            (None, None, 0)
        } else if tokens.len() > 1 && is_key_type(&tokens[1]) {
            (Some(unquote(&tokens[0])), None, 1)
        } else if tokens.len() > 2 && is_key_type(&tokens[2]) {
            (Some(unquote(&tokens[0])), Some(tokens[1].as_str()), 2)
        } else {
            return Err(at(TrustProblem::NotAKeyLine));
        };
        let key_type = tokens[key_at].as_str();
        if key_type != "ssh-ed25519" {
            return Err(at(TrustProblem::KeyType(truncate(key_type, 40))));
        }
        let limits = match options {
            Some(o) => parse_options(o).map_err(at)?,
            None => Limits::default(),
        };
        let Some(base64) = tokens.get(key_at + 1) else {
            return Err(at(TrustProblem::NoKeyData));
        };
        let public = PublicKey::from_openssh(&format!("{key_type} {base64}"))
            .map_err(|e| at(TrustProblem::InvalidKey(e)))?;
        if public.algorithm() != Algorithm::Ed25519 {
            return Err(at(TrustProblem::NotEd25519(public.algorithm())));
        }
        let comment = tokens[key_at + 2..].join(" ");
        keys.push(TrustedKey {
            key: public.key_data().clone(),
            name: name.or((!comment.is_empty()).then_some(comment)),
            limits,
        });
    }
    Ok(keys)
}

/// The options field of an `allowed_signers` line, as ssh-keygen(1) documents it.
fn parse_options(options: &str) -> Result<Limits, TrustProblem> {
    let mut limits = Limits::default();
    for option in split_outside_quotes(options, ',') {
        let (name, value) = match option.split_once('=') {
            Some((n, v)) => (n, Some(unquote(v))),
            None => (option.as_str(), None),
        };
        match (name.to_ascii_lowercase().as_str(), value) {
            ("cert-authority", None) => limits.cert_authority = true,
            ("namespaces", Some(v)) => {
                limits.namespaces = Some(v.split(',').map(str::to_owned).collect());
            }
            ("valid-after", Some(v)) => limits.valid_after = Some(parse_ssh_time(&v)?),
            ("valid-before", Some(v)) => limits.valid_before = Some(parse_ssh_time(&v)?),
            _ => {
                return Err(TrustProblem::Option(truncate(&option, 60)));
            }
        }
    }
    Ok(limits)
}

/// `YYYYMMDD[HHMM[SS]][Z]`, read as UTC (ssh-keygen reads times without `Z` in the
/// local time zone; write the `Z` to mean the same to both).
fn parse_ssh_time(value: &str) -> Result<jiff::Timestamp, TrustProblem> {
    let bad = || TrustProblem::Time(value.to_owned());
    let digits = value.strip_suffix(['Z', 'z']).unwrap_or(value);
    if !digits.bytes().all(|b| b.is_ascii_digit()) || ![8, 12, 14].contains(&digits.len()) {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| digits.get(r).and_then(|s| s.parse::<i16>().ok());
    let field = |r: std::ops::Range<usize>| num(r).ok_or_else(bad);
    let (year, month, day) = (field(0..4)?, field(4..6)?, field(6..8)?);
    let hour = if digits.len() >= 12 { field(8..10)? } else { 0 };
    let minute = if digits.len() >= 12 {
        field(10..12)?
    } else {
        0
    };
    let second = if digits.len() == 14 {
        field(12..14)?
    } else {
        0
    };
    let month = i8::try_from(month).map_err(|_| bad())?;
    let day = i8::try_from(day).map_err(|_| bad())?;
    let (hour, minute, second) = (
        i8::try_from(hour).map_err(|_| bad())?,
        i8::try_from(minute).map_err(|_| bad())?,
        i8::try_from(second).map_err(|_| bad())?,
    );
    jiff::civil::DateTime::new(year, month, day, hour, minute, second, 0)
        .and_then(|dt| dt.to_zoned_datetime(jiff::tz::TimeZone::UTC))
        .map(|z| z.timestamp())
        .map_err(|_| bad())
}

/// Splits a line into whitespace-separated tokens; double quotes group (and are kept).
fn tokenize(line: &str) -> Result<Vec<String>, TrustProblem> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    tokens.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if quoted {
        return Err(TrustProblem::UnterminatedQuote);
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    if tokens.is_empty() {
        return Err(TrustProblem::EmptyLine);
    }
    Ok(tokens)
}

fn split_outside_quotes(s: &str, sep: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in s.chars() {
        if c == '"' {
            quoted = !quoted;
        }
        if c == sep && !quoted {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts
}

fn unquote(s: &str) -> String {
    s.replace('"', "")
}

/// OpenSSH pattern lists: `*` and `?` wildcards, `!` negates; a negated match wins.
fn pattern_list_matches(patterns: &[String], name: &str) -> bool {
    let mut matched = false;
    for p in patterns {
        let p = p.trim();
        if let Some(neg) = p.strip_prefix('!') {
            if wildcard(neg.as_bytes(), name.as_bytes()) {
                return false;
            }
        } else if wildcard(p.as_bytes(), name.as_bytes()) {
            matched = true;
        }
    }
    matched
}

fn wildcard(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => wildcard(&p[1..], s) || (!s.is_empty() && wildcard(p, &s[1..])),
        (Some(b'?'), Some(_)) => wildcard(&p[1..], &s[1..]),
        (Some(a), Some(b)) if a == b => wildcard(&p[1..], &s[1..]),
        _ => false,
    }
}

/// At most `n` characters of hostile text, for a message.
fn truncate(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed test key, from a seed: tests never need randomness.
    fn signer() -> Signer {
        let seed = [7u8; 32];
        let kp = ssh_key::private::Ed25519Keypair::from_seed(&seed);
        let key = PrivateKey::new(kp.into(), "msp@example").unwrap();
        Signer::from_openssh(&key.to_openssh(LineEnding::LF).unwrap()).unwrap()
    }

    fn trusted(text: &str) -> SignatureCheck {
        SignatureCheck {
            trusted: Some(TrustedKeys {
                keys: parse_trusted(text, "trusted").unwrap(),
            }),
            required: false,
        }
    }

    #[test]
    fn a_signature_verifies_and_names_the_trusted_signer() {
        let s = signer();
        let sig = s.sign(b"manifest").unwrap();
        assert!(sig.starts_with(b"-----BEGIN SSH SIGNATURE-----\n"));
        assert_eq!(sig, s.sign(b"manifest").unwrap(), "deterministic");
        let now = jiff::Timestamp::now();
        let pubkey = s.public_key_openssh();
        let check = trusted(&format!(
            "auditors@msp namespaces=\"custody-pack\" {pubkey}"
        ));
        assert_eq!(
            check_signature(b"manifest", &sig, &check, now),
            Outcome::Signed(format!("signed by auditors@msp ({})", s.fingerprint()))
        );
        // A plain public key line names the key's comment.
        assert_eq!(
            check_signature(b"manifest", &sig, &trusted(&pubkey), now),
            Outcome::Signed(format!("signed by msp@example ({})", s.fingerprint()))
        );
        // Without trust, the signer is named but not judged.
        let Outcome::Signed(line) =
            check_signature(b"manifest", &sig, &SignatureCheck::default(), now)
        else {
            panic!("a valid signature without --trusted-key is reported as signed");
        };
        assert!(line.contains("key not checked"), "{line}");
    }

    #[test]
    fn a_changed_manifest_fails() {
        let s = signer();
        let sig = s.sign(b"status: fail").unwrap();
        let out = check_signature(
            b"status: pass",
            &sig,
            &trusted(&s.public_key_openssh()),
            jiff::Timestamp::now(),
        );
        assert!(
            matches!(out, Outcome::Bad(ref m) if m.contains("does not match")),
            "{out:?}"
        );
    }

    #[test]
    fn a_key_the_auditor_does_not_trust_fails_with_its_fingerprint() {
        let s = signer();
        let other = ssh_key::private::Ed25519Keypair::from_seed(&[9u8; 32]);
        let other = PrivateKey::new(other.into(), "x")
            .unwrap()
            .public_key()
            .to_openssh()
            .unwrap();
        let sig = s.sign(b"m").unwrap();
        let out = check_signature(b"m", &sig, &trusted(&other), jiff::Timestamp::now());
        assert!(
            matches!(out, Outcome::Bad(ref m) if m.contains(s.fingerprint()) && m.contains("does not trust")),
            "{out:?}"
        );
    }

    #[test]
    fn allowed_signers_restrictions_are_honoured() {
        let s = signer();
        let sig = s.sign(b"m").unwrap();
        let key = s.public_key_openssh();
        let now = "2026-12-05T00:00:00Z".parse().unwrap();
        let bad = |line: String| {
            matches!(
                check_signature(b"m", &sig, &trusted(&line), now),
                Outcome::Bad(_)
            )
        };
        assert!(bad(format!("a namespaces=\"git\" {key}")));
        assert!(bad(format!("a namespaces=\"*,!custody-*\" {key}")));
        assert!(!bad(format!("a namespaces=\"git,custody-*\" {key}")));
        assert!(bad(format!("a cert-authority {key}")));
        assert!(bad(format!("a valid-before=\"20261201Z\" {key}")));
        assert!(bad(format!("a valid-after=\"20270101\" {key}")));
        assert!(!bad(format!(
            "a valid-after=\"20260101\",valid-before=\"202612312359Z\" {key}"
        )));
    }

    #[test]
    fn unreadable_signatures_and_trust_files_are_clear_errors() {
        let check = SignatureCheck::default();
        let now = jiff::Timestamp::now();
        for garbage in [
            &b""[..],
            b"\xff\xfe",
            b"-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n",
            b"-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n",
        ] {
            let out = check_signature(b"m", garbage, &check, now);
            assert!(matches!(out, Outcome::Unreadable(_)), "{out:?}");
        }
        let bogus_option = format!("p bogus=1 {}", signer().public_key_openssh());
        for (text, expect) in [
            ("ssh-rsa AAAAB3NzaC1yc2E= x", "not supported"),
            ("ssh-ed25519 !!!! x", "not a valid ssh-ed25519"),
            ("ssh-ed25519", "no key data"),
            ("just words here", "not a public key"),
            ("p \"unterminated ssh-ed25519 AAAA", "unterminated"),
            (&bogus_option, "unknown or malformed option"),
        ] {
            let e = parse_trusted(text, "f").unwrap_err();
            assert_eq!(e.at, "f:1", "{text}: {e}");
            let e = e.to_string();
            assert!(e.starts_with("f:1: ") && e.contains(expect), "{text}: {e}");
        }
    }

    #[test]
    fn private_key_problems_never_quote_the_key() {
        for (text, expect) in [
            ("ssh-ed25519 AAAAC3Nz comment", "a public key"),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nSECRETSECRET\n",
                "PEM or PKCS#8",
            ),
            ("SECRETSECRET", "not an OpenSSH private key"),
            (
                "-----BEGIN OPENSSH PRIVATE KEY-----\nSECRETSECRET\n-----END OPENSSH PRIVATE KEY-----\n",
                "not a readable",
            ),
        ] {
            let e = Signer::from_openssh(text).unwrap_err().to_string();
            assert!(e.contains(expect), "{e}");
            assert!(!e.contains("SECRET"), "{e}");
        }
        assert_eq!(
            format!("{:?}", signer()),
            format!("Signer({})", signer().fingerprint())
        );
        // A key file saved with Windows line endings still reads.
        let crlf = signer().key.to_openssh(LineEnding::CRLF).unwrap();
        assert!(Signer::from_openssh(&crlf).is_ok());
    }

    #[test]
    fn a_principal_that_looks_like_a_key_type_is_a_principal() {
        let key = signer().public_key_openssh();
        let keys = parse_trusted(&format!("ssh-admins {key}\r\n"), "f").unwrap();
        assert_eq!(keys[0].name.as_deref(), Some("ssh-admins"));
        assert!(is_key_type("ssh-ed25519-cert-v01@openssh.com"));
        assert!(is_key_type("sk-ssh-ed25519-cert-v01@openssh.com"));
        assert!(!is_key_type("ssh-admins"));
    }

    #[test]
    fn ssh_times_parse_as_utc() {
        assert_eq!(
            parse_ssh_time("20261205").unwrap().to_string(),
            "2026-12-05T00:00:00Z"
        );
        assert_eq!(
            parse_ssh_time("202612051230Z").unwrap().to_string(),
            "2026-12-05T12:30:00Z"
        );
        for bad in ["2026", "2026120", "20261305", "2026120512305", "x0261205"] {
            assert!(parse_ssh_time(bad).is_err(), "{bad}");
        }
    }
}
