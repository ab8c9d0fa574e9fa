//! Certificate credentials (`CUSTODY_CLIENT_CERTIFICATE_FILE`) against a loopback token
//! endpoint that checks the client assertion as Entra does: the signature with the
//! certificate's key, the `x5t#S256` thumbprint of the uploaded certificate, and the
//! claims (`aud` the token endpoint, `iss` = `sub` = the client id, a short expiry).

use crate::collect::{current_month, custody, not_found, repo, token_tenant};
use crate::support::graph_standin::*;
use aws_lc_rs::signature::{self, KeyPair, RsaKeyPair, UnparsedPublicKey};
use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const APP: &str = "0f5e1c3a-8d2b-4e6f-9a71-2c4b6d8e0f13";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/certificates")
        .join(name)
}

/// (label, DER) of each PEM block, read independently of custody's reader.
fn blocks(path: &Path) -> Vec<(String, Vec<u8>)> {
    let text = std::fs::read_to_string(path).unwrap();
    text.split_inclusive("-----\n")
        .collect::<String>()
        .split("-----BEGIN ")
        .skip(1)
        .map(|b| {
            let whole = format!("-----BEGIN {}", b.trim_end());
            let (label, der) = pem_rfc7468::decode_vec(whole.as_bytes()).unwrap();
            (label.to_owned(), der)
        })
        .collect()
}

/// What the uploaded certificate lets Entra check: its key and its SHA-256 thumbprint.
struct Uploaded {
    public_key: Vec<u8>,
    thumbprint: String,
}

fn uploaded() -> Uploaded {
    let b = blocks(&fixture("test-only-app.pem"));
    let cert = &b.iter().find(|(l, _)| l == "CERTIFICATE").unwrap().1;
    let key = &b.iter().find(|(l, _)| l == "PRIVATE KEY").unwrap().1;
    let key = RsaKeyPair::from_pkcs8(key).unwrap();
    Uploaded {
        public_key: key.public_key().as_ref().to_vec(),
        thumbprint: Base64UrlUnpadded::encode_string(&Sha256::digest(cert)),
    }
}

/// Why Entra would refuse this assertion, or None when it is acceptable.
fn refusal(assertion: &str, token_url: &str, up: &Uploaded) -> Option<String> {
    let parts: Vec<&str> = assertion.split('.').collect();
    if parts.len() != 3 {
        return Some("not a JWS".into());
    }
    let dec = |s: &str| Base64UrlUnpadded::decode_vec(s).ok();
    let header: Value = serde_json::from_slice(&dec(parts[0])?).ok()?;
    let claims: Value = serde_json::from_slice(&dec(parts[1])?).ok()?;
    let sig = dec(parts[2])?;
    let alg: &dyn signature::VerificationAlgorithm = match header["alg"].as_str() {
        Some("PS256") => &signature::RSA_PSS_2048_8192_SHA256,
        Some("RS256") => &signature::RSA_PKCS1_2048_8192_SHA256,
        other => return Some(format!("alg {other:?}")),
    };
    let input = format!("{}.{}", parts[0], parts[1]);
    if UnparsedPublicKey::new(alg, &up.public_key)
        .verify(input.as_bytes(), &sig)
        .is_err()
    {
        return Some("AADSTS700027: signature does not verify".into());
    }
    if header["x5t#S256"] != up.thumbprint.as_str() {
        return Some("x5t#S256 names another certificate".into());
    }
    if claims["aud"] != token_url || claims["iss"] != APP || claims["sub"] != APP {
        return Some(format!("claims {claims}"));
    }
    let now = jiff::Timestamp::now().as_second();
    let exp = claims["exp"].as_i64().unwrap_or(0);
    if exp <= now || exp > now + 600 {
        return Some(format!("exp {exp} is not a short lifetime from {now}"));
    }
    if claims["jti"].as_str().is_none_or(str::is_empty) {
        return Some("no jti".into());
    }
    None
}

fn invalid_client(why: &str) -> Reply {
    Reply::Json(
        401,
        vec![],
        serde_json::json!({"error": "invalid_client", "error_description": why}).to_string(),
    )
}

#[test]
fn collect_signs_client_assertions_with_the_certificate_entra_can_verify() {
    let month = current_month();
    for alg in ["PS256", "RS256"] {
        let dir = repo(&month);
        let base = Arc::new(Mutex::new(String::new()));
        let jtis = Arc::new(Mutex::new(Vec::<String>::new()));
        let (b2, j2) = (base.clone(), jtis.clone());
        let up = uploaded();
        let server = Server::start(move |req| {
            let base = b2.lock().unwrap().clone();
            if let Some(tenant) = token_tenant(req) {
                let f = req.form();
                if f.get("client_assertion_type").map(String::as_str)
                    != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                    || f.contains_key("client_secret")
                {
                    return invalid_client("not a certificate assertion");
                }
                let a = f.get("client_assertion").cloned().unwrap_or_default();
                let url = format!("{base}/login/{tenant}/oauth2/v2.0/token");
                if let Some(why) = refusal(&a, &url, &up) {
                    return invalid_client(&why);
                }
                let claims: Value = serde_json::from_slice(
                    &Base64UrlUnpadded::decode_vec(a.split('.').nth(1).unwrap()).unwrap(),
                )
                .unwrap();
                j2.lock()
                    .unwrap()
                    .push(claims["jti"].as_str().unwrap().to_owned());
                return token_reply(&format!("tok-{tenant}-cert-ACCESS-TOKEN"));
            }
            happy_graph(req, &base).unwrap_or_else(not_found)
        });
        *base.lock().unwrap() = server.url.clone();
        let out = custody(dir.path(), &server)
            .env("CUSTODY_CLIENT_ID", APP)
            .env(
                "CUSTODY_CLIENT_CERTIFICATE_FILE",
                fixture("test-only-app.pem"),
            )
            .env("CUSTODY_CLIENT_CERTIFICATE_ALG", alg)
            .args(["collect", "--client", "tailspin", "--client", "fabrikam"])
            .args(["--month", &month])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "{alg}: {stderr}");
        // One token per tenant, each with its own assertion id.
        let jtis = jtis.lock().unwrap().clone();
        assert_eq!(jtis.len(), 2, "{alg}: {jtis:?}");
        assert_ne!(jtis[0], jtis[1]);
        for c in ["tailspin", "fabrikam"] {
            let m = dir.path().join("evidence").join(c).join(&month);
            assert!(m.join("manifest.json").is_file(), "{c}");
            let manifest = std::fs::read_to_string(m.join("manifest.json")).unwrap();
            assert!(
                !manifest.contains("eyJ"),
                "an assertion reached the manifest"
            );
        }
        assert!(
            !stderr.contains("eyJ") && !stderr.contains("PRIVATE"),
            "{stderr}"
        );
    }
}

#[test]
fn a_refused_assertion_is_reported_without_the_assertion() {
    let month = current_month();
    let dir = repo(&month);
    // The endpoint trusts another certificate: every assertion is refused, and the
    // server echoes what it was sent, as some proxies do.
    let server = Server::start(|req| {
        if token_tenant(req).is_some() {
            let a = req
                .form()
                .get("client_assertion")
                .cloned()
                .unwrap_or_default();
            return invalid_client(&format!("AADSTS700027: bad signature for {a}"));
        }
        not_found()
    });
    let out = custody(dir.path(), &server)
        .env("CUSTODY_CLIENT_ID", APP)
        .env(
            "CUSTODY_CLIENT_CERTIFICATE_FILE",
            fixture("test-only-app.pem"),
        )
        .args(["collect", "--client", "tailspin", "--month", &month])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("AADSTS700027"), "{stderr}");
    assert!(
        !stderr.contains("eyJ"),
        "the assertion was printed: {stderr}"
    );
}

#[test]
fn an_unusable_certificate_file_is_bad_input_before_any_request() {
    let month = current_month();
    let dir = repo(&month);
    let server = Server::start(|_| not_found());
    let missing = dir.path().join("no-such.pem");
    let folder = dir.path().to_path_buf();
    let cases: Vec<(PathBuf, &str)> = vec![
        (fixture("cert.pem"), "no PRIVATE KEY"),
        (
            fixture("test-only-mismatched.pem"),
            "does not belong to the certificate",
        ),
        (fixture("test-only-encrypted.pem"), "encrypted"),
        (missing, "cannot read"),
        (folder, "not a regular file"),
    ];
    for (file, want) in cases {
        let out = custody(dir.path(), &server)
            .env("CUSTODY_CLIENT_ID", APP)
            .env("CUSTODY_CLIENT_CERTIFICATE_FILE", &file)
            .args(["collect", "--client", "tailspin", "--month", &month])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{want}: {stderr}");
        assert!(
            stderr.contains("CUSTODY_CLIENT_CERTIFICATE_FILE"),
            "{stderr}"
        );
        assert!(stderr.contains(want), "{want}: {stderr}");
        assert!(!stderr.contains("MII"), "key material printed: {stderr}");
    }
    // A secret and a certificate at once: which one a tenant accepted would be unclear.
    let out = custody(dir.path(), &server)
        .env("CUSTODY_CLIENT_ID", APP)
        .env("CUSTODY_CLIENT_SECRET", "s3cr3t-value")
        .env(
            "CUSTODY_CLIENT_CERTIFICATE_FILE",
            fixture("test-only-app.pem"),
        )
        .args(["collect", "--client", "tailspin", "--month", &month])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("set one credential"));
    let out = custody(dir.path(), &server)
        .env("CUSTODY_CLIENT_ID", APP)
        .env(
            "CUSTODY_CLIENT_CERTIFICATE_FILE",
            fixture("test-only-app.pem"),
        )
        .env("CUSTODY_CLIENT_CERTIFICATE_ALG", "HS256")
        .args(["collect", "--client", "tailspin", "--month", &month])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(server.requests("").is_empty(), "a request was made");
}
