//! Certificate credentials: `CUSTODY_CLIENT_CERTIFICATE_FILE` names a PEM file with the
//! app's certificate and its RSA private key, and every token request carries a client
//! assertion signed with that key, as the Microsoft identity platform documents for
//! certificate credentials: a JWT signed PS256 (or RS256), its header naming the
//! certificate by `x5t#S256` (the base64url SHA-256 of the certificate's DER), `aud` the
//! token endpoint, `iss` = `sub` = the client id, a unique `jti` and a short lifetime.
//!
//! The file holds a private key: its content never reaches a message, and an assertion
//! is a secret the redactor knows (see `auth.rs`).

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::signature::{self, KeyPair, RsaKeyPair};
use base64ct::{Base64UrlUnpadded, Encoding};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::Path;

/// A PEM file larger than this is not a certificate and key.
const MAX_FILE_BYTES: u64 = 1 << 20;
/// Lifetime of one assertion: long enough for a slow token endpoint, short enough that
/// a leaked assertion is useless soon (Entra accepts any `exp` in the future).
const ASSERTION_LIFETIME_SECS: i64 = 5 * 60;

/// The JWS algorithm of the assertion.
/// Why the app certificate cannot be used. Never quotes the file's content.
#[derive(Debug)]
pub enum CertificateError {
    /// `CUSTODY_CLIENT_CERTIFICATE_ALG` is neither PS256 nor RS256 (shortened).
    Alg(String),
    /// The file (`name`: the variable and path) cannot be read.
    Read {
        name: String,
        source: std::io::Error,
    },
    /// The file is read, but holds no usable certificate and key.
    File {
        name: String,
        problem: PemProblem,
    },
    NoRandomness,
    Signing,
}

/// What is wrong with a PEM certificate-and-key file.
#[derive(Debug)]
pub enum PemProblem {
    NotRegular,
    TooLarge {
        len: u64,
    },
    NotText,
    Unclosed,
    NoEnd {
        label: String,
    },
    Invalid {
        label: String,
        source: pem_rfc7468::Error,
    },
    NoBlocks,
    NoCertificate,
    NoPrivateKey,
    Encrypted,
    Pkcs8(aws_lc_rs::error::KeyRejected),
    Pkcs1(aws_lc_rs::error::KeyRejected),
    NotRsa {
        label: String,
    },
    NotThisCertificate,
}

impl fmt::Display for CertificateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertificateError::Alg(found) => write!(
                f,
                "CUSTODY_CLIENT_CERTIFICATE_ALG: expected PS256 or RS256, found {found:?}"
            ),
            CertificateError::Read { name, source } => write!(f, "cannot read {name}: {source}"),
            CertificateError::File { name, problem } => write!(f, "{name}: {problem}"),
            CertificateError::NoRandomness => {
                f.write_str("no system randomness for the assertion id")
            }
            CertificateError::Signing => f.write_str("signing the client assertion failed"),
        }
    }
}

impl fmt::Display for PemProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PemProblem::NotRegular => f.write_str("not a regular file"),
            PemProblem::TooLarge { len } => write!(
                f,
                "{len} bytes is too large for a PEM certificate and key (at most {MAX_FILE_BYTES})"
            ),
            PemProblem::NotText => f.write_str(
                "not a PEM file (not text); export the certificate with its private key as PEM",
            ),
            PemProblem::Unclosed => f.write_str("a PEM BEGIN line is not closed"),
            PemProblem::NoEnd { label } => write!(f, "the {label} block has no END line"),
            PemProblem::Invalid { label, source } => {
                write!(f, "the {label} block is not valid PEM ({source})")
            }
            PemProblem::NoBlocks => {
                f.write_str("no PEM blocks: export the certificate with its private key as PEM")
            }
            PemProblem::NoCertificate => f.write_str(
                "no CERTIFICATE block: the file must hold the certificate and its private key",
            ),
            PemProblem::NoPrivateKey => f.write_str(
                "no PRIVATE KEY block: the file must hold the certificate and its private key",
            ),
            PemProblem::Encrypted => f.write_str(
                "the private key is encrypted: custody reads an unencrypted key (keep the file in a secret store instead of under a passphrase)",
            ),
            PemProblem::Pkcs8(e) => {
                write!(f, "the PKCS#8 private key is not a usable RSA key ({e})")
            }
            PemProblem::Pkcs1(e) => write!(f, "the PKCS#1 RSA private key is not usable ({e})"),
            PemProblem::NotRsa { label } => write!(
                f,
                "{label:?}: only RSA keys are supported (the Microsoft identity platform signs certificate assertions with RS256 or PS256)"
            ),
            PemProblem::NotThisCertificate => {
                f.write_str("the private key does not belong to the certificate")
            }
        }
    }
}

impl std::error::Error for CertificateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CertificateError::Read { source, .. } => Some(source),
            CertificateError::File { problem, .. } => Some(problem),
            _ => None,
        }
    }
}

impl std::error::Error for PemProblem {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PemProblem::Invalid { source, .. } => Some(source),
            PemProblem::Pkcs8(e) | PemProblem::Pkcs1(e) => Some(e),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    /// RSASSA-PSS with SHA-256: the default, what Microsoft's own libraries send with `x5t#S256`.
    Ps256,
    /// RSASSA-PKCS1-v1_5 with SHA-256, for tenants or proxies that only accept it.
    Rs256,
}

impl Alg {
    /// `CUSTODY_CLIENT_CERTIFICATE_ALG`: `PS256` (default) or `RS256`.
    pub fn parse(s: &str) -> Result<Alg, CertificateError> {
        match s.trim().to_ascii_uppercase().as_str() {
            "" | "PS256" => Ok(Alg::Ps256),
            "RS256" => Ok(Alg::Rs256),
            other => Err(CertificateError::Alg(other.chars().take(20).collect())),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Alg::Ps256 => "PS256",
            Alg::Rs256 => "RS256",
        }
    }
}

/// An app certificate and its private key, read once at start.
pub struct ClientCertificate {
    key: RsaKeyPair,
    /// `x5t#S256`: base64url (unpadded) SHA-256 of the certificate's DER.
    thumbprint: String,
    alg: Alg,
}

impl fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("x5t#S256", &self.thumbprint)
            .field("alg", &self.alg)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl ClientCertificate {
    /// Reads the PEM file at `path`. Every error names the file and what is wrong with
    /// it, never its content.
    pub fn load(path: &Path, alg: Alg) -> Result<ClientCertificate, CertificateError> {
        let name = format!("CUSTODY_CLIENT_CERTIFICATE_FILE {}", path.display());
        let read = |source| CertificateError::Read {
            name: name.clone(),
            source,
        };
        let bad = |problem| CertificateError::File {
            name: name.clone(),
            problem,
        };
        let meta = std::fs::metadata(path).map_err(read)?;
        if !meta.is_file() {
            return Err(bad(PemProblem::NotRegular));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(bad(PemProblem::TooLarge { len: meta.len() }));
        }
        let bytes = std::fs::read(path).map_err(read)?;
        let text = std::str::from_utf8(&bytes).map_err(|_| bad(PemProblem::NotText))?;
        Self::from_pem(text, alg).map_err(bad)
    }

    fn from_pem(text: &str, alg: Alg) -> Result<ClientCertificate, PemProblem> {
        let blocks = pem_blocks(text)?;
        let cert = blocks
            .iter()
            .find(|(label, _)| label == "CERTIFICATE")
            .map(|(_, der)| der)
            .ok_or(PemProblem::NoCertificate)?;
        let key = match blocks
            .iter()
            .find(|(label, _)| label.ends_with("PRIVATE KEY"))
        {
            None => return Err(PemProblem::NoPrivateKey),
            Some((label, _)) if label == "ENCRYPTED PRIVATE KEY" => {
                return Err(PemProblem::Encrypted);
            }
            Some((label, der)) if label == "PRIVATE KEY" => {
                RsaKeyPair::from_pkcs8(der).map_err(PemProblem::Pkcs8)?
            }
            Some((label, der)) if label == "RSA PRIVATE KEY" => {
                RsaKeyPair::from_der(der).map_err(PemProblem::Pkcs1)?
            }
            Some((label, _)) => {
                return Err(PemProblem::NotRsa {
                    label: label.clone(),
                });
            }
        };
        // The certificate's SubjectPublicKeyInfo carries the RSAPublicKey DER as is: a key
        // that is not the certificate's would only fail later, at the token endpoint, with
        // an opaque AADSTS error.
        let public = key.public_key().as_ref();
        if !cert.windows(public.len()).any(|w| w == public) {
            return Err(PemProblem::NotThisCertificate);
        }
        Ok(ClientCertificate {
            key,
            thumbprint: Base64UrlUnpadded::encode_string(&Sha256::digest(cert)),
            alg,
        })
    }

    /// The base64url SHA-256 thumbprint Entra matches against the uploaded certificate.
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// A signed client assertion for the token endpoint `audience`, valid from `now`
    /// (seconds since the epoch) for five minutes.
    pub fn assertion(
        &self,
        client_id: &str,
        audience: &str,
        now: i64,
    ) -> Result<String, CertificateError> {
        let rng = SystemRandom::new();
        let mut id = [0u8; 16];
        rng.fill(&mut id)
            .map_err(|_| CertificateError::NoRandomness)?;
        let header = serde_json::json!({
            "alg": self.alg.name(),
            "typ": "JWT",
            "x5t#S256": self.thumbprint,
        });
        let claims = serde_json::json!({
            "aud": audience,
            "iss": client_id,
            "sub": client_id,
            "jti": id.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            "iat": now,
            "nbf": now,
            "exp": now + ASSERTION_LIFETIME_SECS,
        });
        let signing_input = format!(
            "{}.{}",
            Base64UrlUnpadded::encode_string(header.to_string().as_bytes()),
            Base64UrlUnpadded::encode_string(claims.to_string().as_bytes())
        );
        let padding: &'static dyn signature::RsaEncoding = match self.alg {
            Alg::Ps256 => &signature::RSA_PSS_SHA256,
            Alg::Rs256 => &signature::RSA_PKCS1_SHA256,
        };
        let mut sig = vec![0u8; self.key.public_modulus_len()];
        self.key
            .sign(padding, &rng, signing_input.as_bytes(), &mut sig)
            .map_err(|_| CertificateError::Signing)?;
        Ok(format!(
            "{signing_input}.{}",
            Base64UrlUnpadded::encode_string(&sig)
        ))
    }
}

/// Every `-----BEGIN X-----` … `-----END X-----` block of `text`, as (label, DER).
/// Text between blocks (openssl's "Bag Attributes", comments) is ignored.
fn pem_blocks(text: &str) -> Result<Vec<(String, Vec<u8>)>, PemProblem> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let block = &rest[start..];
        let label_end = block[11..].find("-----").ok_or(PemProblem::Unclosed)?;
        let label = block[11..11 + label_end].to_owned();
        let end_marker = format!("-----END {label}-----");
        let Some(end) = block.find(&end_marker) else {
            return Err(PemProblem::NoEnd { label });
        };
        let whole = &block[..end + end_marker.len()];
        let der = match pem_rfc7468::decode_vec(whole.as_bytes()) {
            Ok((_, der)) => der,
            Err(source) => return Err(PemProblem::Invalid { label, source }),
        };
        out.push((label, der));
        rest = &block[end + end_marker.len()..];
    }
    if out.is_empty() {
        return Err(PemProblem::NoBlocks);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::UnparsedPublicKey;

    fn fixture(name: &str) -> String {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/certificates")
            .join(name);
        std::fs::read_to_string(p).expect("fixture")
    }

    fn parts(jwt: &str) -> (serde_json::Value, serde_json::Value, Vec<u8>, String) {
        let p: Vec<&str> = jwt.split('.').collect();
        assert_eq!(p.len(), 3, "{jwt}");
        let dec = |s: &str| Base64UrlUnpadded::decode_vec(s).expect("base64url");
        (
            serde_json::from_slice(&dec(p[0])).expect("header"),
            serde_json::from_slice(&dec(p[1])).expect("claims"),
            dec(p[2]),
            format!("{}.{}", p[0], p[1]),
        )
    }

    #[test]
    fn assertion_is_a_verifiable_ps256_jwt_with_the_claims_entra_requires() {
        let c = ClientCertificate::from_pem(&fixture("test-only-app.pem"), Alg::Ps256).unwrap();
        let aud = "https://login.example/t1/oauth2/v2.0/token";
        let jwt = c.assertion("app-1", aud, 1_700_000_000).unwrap();
        let (h, claims, sig, input) = parts(&jwt);
        assert_eq!(h["alg"], "PS256");
        assert_eq!(h["typ"], "JWT");
        assert_eq!(h["x5t#S256"], c.thumbprint());
        assert_eq!(claims["aud"], aud);
        assert_eq!(claims["iss"], "app-1");
        assert_eq!(claims["sub"], "app-1");
        assert_eq!(claims["exp"], 1_700_000_000 + 300);
        assert_eq!(claims["jti"].as_str().unwrap().len(), 32);
        let pk = c.key.public_key().as_ref().to_vec();
        UnparsedPublicKey::new(&signature::RSA_PSS_2048_8192_SHA256, &pk)
            .verify(input.as_bytes(), &sig)
            .expect("PS256 signature verifies with the certificate's key");
        // A changed claim no longer verifies.
        let forged = input.replacen('.', ".e", 1);
        assert!(
            UnparsedPublicKey::new(&signature::RSA_PSS_2048_8192_SHA256, &pk)
                .verify(forged.as_bytes(), &sig)
                .is_err()
        );
        // Two assertions never share a jti.
        let again = c.assertion("app-1", aud, 1_700_000_000).unwrap();
        assert_ne!(parts(&again).1["jti"], claims["jti"]);
    }

    #[test]
    fn rs256_and_a_pkcs1_key_before_the_certificate() {
        let c = ClientCertificate::from_pem(&fixture("test-only-pkcs1-key-first.pem"), Alg::Rs256)
            .unwrap();
        let jwt = c.assertion("app", "aud", 0).unwrap();
        let (h, _, sig, input) = parts(&jwt);
        assert_eq!(h["alg"], "RS256");
        let pk = c.key.public_key().as_ref().to_vec();
        UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &pk)
            .verify(input.as_bytes(), &sig)
            .expect("RS256 verifies");
    }

    #[test]
    fn thumbprint_is_the_base64url_sha256_of_the_certificate_der() {
        let c = ClientCertificate::from_pem(&fixture("test-only-app.pem"), Alg::Ps256).unwrap();
        let blocks = pem_blocks(&fixture("cert.pem")).unwrap();
        let expected = Base64UrlUnpadded::encode_string(&Sha256::digest(&blocks[0].1));
        assert_eq!(c.thumbprint(), expected);
        assert_eq!(c.thumbprint().len(), 43);
    }

    #[test]
    fn unusable_files_are_named_for_what_is_wrong_and_never_echoed() {
        let cases = [
            (fixture("cert.pem"), "no PRIVATE KEY"),
            (fixture("test-only-mismatched.pem"), "does not belong"),
            (fixture("test-only-encrypted.pem"), "encrypted"),
            ("hello".to_owned(), "no PEM blocks"),
            (
                "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n".to_owned(),
                "not valid PEM",
            ),
            (
                "-----BEGIN CERTIFICATE-----\nAAAA\n".to_owned(),
                "no END line",
            ),
            (
                fixture("test-only-app.pem").replace("PRIVATE KEY", "EC PRIVATE KEY"),
                "only RSA keys",
            ),
        ];
        for (text, want) in cases {
            let e = ClientCertificate::from_pem(&text, Alg::Ps256)
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{want}: {e}");
            assert!(!e.contains("MII"), "key material in the message: {e}");
        }
        assert_eq!(
            Alg::parse("HS256").unwrap_err().to_string(),
            "CUSTODY_CLIENT_CERTIFICATE_ALG: expected PS256 or RS256, found \"HS256\""
        );
        assert_eq!(Alg::parse("rs256").unwrap(), Alg::Rs256);
        assert_eq!(Alg::parse("").unwrap(), Alg::Ps256);
    }

    #[test]
    fn debug_never_shows_the_key() {
        let c = ClientCertificate::from_pem(&fixture("test-only-app.pem"), Alg::Ps256).unwrap();
        let s = format!("{c:?}");
        assert!(s.contains("redacted") && !s.contains("MII"), "{s}");
    }
}
