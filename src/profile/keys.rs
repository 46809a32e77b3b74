//! RSA private keys for the JWT bearer flow: a key file, or a key imported from
//! `SFCONN_PRIVATE_KEY`. Accepts PEM PKCS#1 (`BEGIN RSA PRIVATE KEY`) and PKCS#8
//! (`BEGIN PRIVATE KEY`), and the base64 of either, which is how several vendor guides tell
//! people to paste a key into one environment variable.

use std::path::Path;

use base64::Engine as _;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the key file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error(
        "the private key is encrypted with a passphrase, which sfconn cannot use unattended; decrypt it first, e.g. `openssl pkey -in KEY -out plain.key`"
    )]
    Encrypted,
    #[error(
        "this is a {found}, not a private key; use the private key that belongs to the certificate uploaded to the app (`sfconn keygen NAME` makes a pair)"
    )]
    NotAPrivateKey { found: String },
    #[error(
        "not a PEM private key: expected `-----BEGIN PRIVATE KEY-----` or `-----BEGIN RSA PRIVATE KEY-----`, or the base64 of such a file"
    )]
    NotPem,
    #[error("not a usable RSA private key ({reason}); RS256 needs an RSA key of 2048 bits or more")]
    NotRsa { reason: String },
    #[error(
        "the RSA private key has only {bits} bits; Salesforce's RS256 and sfconn need {MIN_RSA_BITS} bits or more. Make a new pair with `sfconn keygen NAME` and upload its certificate to the app"
    )]
    TooSmall { bits: usize },
    #[error("not a usable PEM certificate ({reason}); use the .crt file uploaded to the app")]
    BadCertificate { reason: String },
    #[error(
        "the certificate does not belong to this private key, so Salesforce would reject every assertion; upload the certificate made with this key, or point at the matching key"
    )]
    CertificateMismatch,
}

/// Check `bytes` holds one usable RSA private key and return it as PEM text.
pub fn load_private_key_pem(bytes: &[u8]) -> Result<Vec<u8>, KeyError> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    let pem = if text.contains("-----BEGIN") {
        unescape_newlines(text)
    } else {
        decode_base64_pem(text)?
    };
    if pem.contains("ENCRYPTED PRIVATE KEY") || pem.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(KeyError::Encrypted);
    }
    if !pem.contains("-----BEGIN PRIVATE KEY-----")
        && !pem.contains("-----BEGIN RSA PRIVATE KEY-----")
    {
        let found = pem
            .lines()
            .find_map(|l| l.trim().strip_prefix("-----BEGIN "))
            .and_then(|l| l.strip_suffix("-----"))
            .map(|label| format!("PEM {label}"));
        return Err(match found {
            Some(found) => KeyError::NotAPrivateKey { found },
            None => KeyError::NotPem,
        });
    }
    jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()).map_err(|e| KeyError::NotRsa {
        reason: e.to_string(),
    })?;
    check_key_size(&pem)?;
    let mut out = pem.into_bytes();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    Ok(out)
}

/// The smallest RSA modulus the signer (aws-lc-rs under jsonwebtoken) accepts for RS256.
pub const MIN_RSA_BITS: usize = 2048;

/// Refuse an RSA private key whose modulus is under `MIN_RSA_BITS`: such a key parses, but every
/// signature then fails (`TooSmall`), far from where the key was given.
pub fn check_key_size(pem: &str) -> Result<(), KeyError> {
    match rsa_modulus_bits(pem) {
        Some(bits) if bits < MIN_RSA_BITS => Err(KeyError::TooSmall { bits }),
        _ => Ok(()),
    }
}

/// The modulus size of a PEM RSA private key (PKCS#1 or PKCS#8), read from its DER. `None`
/// when the DER is not shaped like one (the parser proper reports that).
pub fn rsa_modulus_bits(pem: &str) -> Option<usize> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .filter(|l| !l.contains(':'))
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body.as_bytes())
        .ok()?;
    let (tag, outer, _) = der_item(&der)?;
    if tag != 0x30 {
        return None;
    }
    let (tag, _version, rest) = der_item(outer)?;
    if tag != 0x02 {
        return None;
    }
    let (tag, value, rest) = der_item(rest)?;
    match tag {
        // PKCS#1: version, then the modulus.
        0x02 => Some(integer_bits(value)),
        // PKCS#8: version, algorithm, then the PKCS#1 key in an OCTET STRING.
        0x30 => {
            let (tag, inner, _) = der_item(rest)?;
            if tag != 0x04 {
                return None;
            }
            let (tag, seq, _) = der_item(inner)?;
            if tag != 0x30 {
                return None;
            }
            let (_, _, rest) = der_item(seq)?;
            let (tag, modulus, _) = der_item(rest)?;
            (tag == 0x02).then(|| integer_bits(modulus))
        }
        _ => None,
    }
}

/// One DER item: (tag, contents, what follows).
fn der_item(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = bytes.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let (len_bytes, rest) = rest.split_at(count);
        let len = len_bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, rest)
    };
    if rest.len() < len {
        return None;
    }
    let (value, rest) = rest.split_at(len);
    Some((tag, value, rest))
}

/// The bit length of a non-negative DER INTEGER.
fn integer_bits(value: &[u8]) -> usize {
    let trimmed: &[u8] = match value.iter().position(|b| *b != 0) {
        Some(i) => &value[i..],
        None => return 0,
    };
    let lead = trimmed.first().map_or(0, |b| b.leading_zeros() as usize);
    trimmed.len() * 8 - lead
}

/// Check that `cert_pem` (the certificate uploaded to the app) holds the public half of
/// `key_pem`: sign a throw-away assertion with the key and verify it with the certificate, which
/// is what Salesforce does with every JWT.
pub fn check_certificate_matches(key_pem: &[u8], cert_pem: &[u8]) -> Result<(), KeyError> {
    use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
    let text = String::from_utf8_lossy(cert_pem);
    if !text.contains("-----BEGIN CERTIFICATE-----") {
        return Err(KeyError::BadCertificate {
            reason: "no -----BEGIN CERTIFICATE----- block".into(),
        });
    }
    let key = EncodingKey::from_rsa_pem(key_pem).map_err(|e| KeyError::NotRsa {
        reason: e.to_string(),
    })?;
    let public = DecodingKey::from_rsa_pem(cert_pem).map_err(|e| KeyError::BadCertificate {
        reason: e.to_string(),
    })?;
    let claims = serde_json::json!({"sub": "sfconn-certificate-check"});
    let token =
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key).map_err(|e| {
            KeyError::NotRsa {
                reason: e.to_string(),
            }
        })?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_aud = false;
    jsonwebtoken::decode::<serde_json::Value>(&token, &public, &validation)
        .map(|_| ())
        .map_err(|_| KeyError::CertificateMismatch)
}

/// Keys parsed for signing, by the SHA-256 of their PEM. Parsing and checking an RSA key (and
/// setting up its blinding) costs more than the signature itself, and keys repeat: a sandbox
/// copied from production keeps the app and its certificate, so one key often serves a
/// production connection and all its sandboxes, and `test --all` or the TUI sign with it again
/// and again (issue 13's `test --all` budget). Bounded: a process with more keys than this
/// starts again from empty.
type SignerCache =
    std::collections::HashMap<[u8; 32], std::sync::Arc<aws_lc_rs::signature::RsaKeyPair>>;

const SIGNER_CACHE_MAX: usize = 1024;

fn signer(pem: &[u8]) -> Result<std::sync::Arc<aws_lc_rs::signature::RsaKeyPair>, KeyError> {
    use sha2::Digest as _;
    static CACHE: std::sync::OnceLock<std::sync::Mutex<SignerCache>> = std::sync::OnceLock::new();
    let id: [u8; 32] = sha2::Sha256::digest(pem).into();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.lock().ok().and_then(|c| c.get(&id).cloned()) {
        return Ok(found);
    }
    let der = encoding_key(pem)?;
    let pair = aws_lc_rs::signature::RsaKeyPair::from_der(der.as_bytes())
        .map(std::sync::Arc::new)
        .map_err(|e| KeyError::NotRsa {
            reason: e.to_string(),
        })?;
    if let Ok(mut c) = cache.lock() {
        if c.len() >= SIGNER_CACHE_MAX {
            c.clear();
        }
        c.insert(id, pair.clone());
    }
    Ok(pair)
}

/// An RS256 JWT of `claims`, signed with the key of a checked PEM (from [`load_private_key_pem`]):
/// what `jsonwebtoken::encode` makes, with the parsed key kept for the next assertion.
pub fn sign_rs256(pem: &[u8], claims: &impl serde::Serialize) -> Result<String, KeyError> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let pair = signer(pem)?;
    let claims = serde_json::to_vec(claims).map_err(|e| KeyError::NotRsa {
        reason: e.to_string(),
    })?;
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"RS256"}"#),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let mut signature = vec![0; pair.public_modulus_len()];
    pair.sign(
        &aws_lc_rs::signature::RSA_PKCS1_SHA256,
        &aws_lc_rs::rand::SystemRandom::new(),
        message.as_bytes(),
        &mut signature,
    )
    .map_err(|e| KeyError::NotRsa {
        reason: e.to_string(),
    })?;
    Ok(format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

/// The signing key of a checked PEM (from [`load_private_key_pem`]).
pub fn encoding_key(pem: &[u8]) -> Result<jsonwebtoken::EncodingKey, KeyError> {
    jsonwebtoken::EncodingKey::from_rsa_pem(pem).map_err(|e| KeyError::NotRsa {
        reason: e.to_string(),
    })
}

/// Where a connection's private key came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `key_file`.
    File(std::path::PathBuf),
    /// Imported into the secret store from `SFCONN_PRIVATE_KEY`.
    Imported,
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::File(path) => write!(f, "key_file {}", path.display()),
            KeySource::Imported => f.write_str("the imported private key"),
        }
    }
}

/// A checked private key PEM and where it came from.
pub type LoadedKey = (Vec<u8>, KeySource);

/// The one loader of a connection's private key, for the JWT flow, `doctor` and the wizard:
/// `key_file` when set (read capped, regular files only), else the imported one. `Ok(None)`
/// when there is neither. The PEM returned is checked: RSA, unencrypted, 2048 bits or more.
pub fn connection_key(
    key_file: Option<&Path>,
    imported: Option<&str>,
) -> Result<Option<LoadedKey>, (KeySource, KeyError)> {
    match (key_file, imported) {
        (Some(path), _) => load_private_key_file(path)
            .map(|pem| Some((pem, KeySource::File(path.to_path_buf()))))
            .map_err(|e| (KeySource::File(path.to_path_buf()), e)),
        (None, Some(value)) => load_private_key_pem(value.as_bytes())
            .map(|pem| Some((pem, KeySource::Imported)))
            .map_err(|e| (KeySource::Imported, e)),
        (None, None) => Ok(None),
    }
}

/// Read and check a key file.
pub fn load_private_key_file(path: &Path) -> Result<Vec<u8>, KeyError> {
    let bytes = super::atomic::read_capped(path, super::atomic::MAX_KEY_FILE).map_err(|e| {
        KeyError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        }
    })?;
    load_private_key_pem(&bytes)
}

/// A PEM pasted into one line of a `.env` file often carries literal `\n` sequences.
fn unescape_newlines(text: &str) -> String {
    if !text.contains('\n') && text.contains("\\n") {
        text.replace("\\n", "\n")
    } else {
        text.to_string()
    }
}

fn decode_base64_pem(text: &str) -> Result<String, KeyError> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Err(KeyError::NotPem);
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(compact.as_bytes()))
        .map_err(|_| KeyError::NotPem)?;
    let pem = String::from_utf8(decoded).map_err(|_| KeyError::NotPem)?;
    if !pem.contains("-----BEGIN") {
        return Err(KeyError::NotPem);
    }
    Ok(pem.trim().to_string())
}

/// The key pair and certificate as PEM.
pub struct KeyAndCert {
    pub key_pem: String,
    pub cert_pem: String,
}

/// RSA 2048 (aws-lc-rs: rcgen's ring backend cannot make RSA keys) and a certificate valid for
/// two years, the lifetime Salesforce shows for self-signed certificates it makes itself.
pub fn generate(name: &str) -> Result<KeyAndCert, String> {
    let key = rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        .map_err(|e| format!("cannot generate an RSA key: {e}"))?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new())
        .map_err(|e| format!("cannot prepare the certificate: {e}"))?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, format!("sfconn {name}"));
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(730);
    let cert = params
        .self_signed(&key)
        .map_err(|e| format!("cannot sign the certificate: {e}"))?;
    Ok(KeyAndCert {
        key_pem: key.serialize_pem(),
        cert_pem: cert.pem(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkcs8() -> String {
        let kp =
            rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
                .unwrap();
        kp.serialize_pem()
    }

    #[test]
    fn accepts_pem_and_base64_of_pem() {
        let pem = pkcs8();
        let out = load_private_key_pem(pem.as_bytes()).unwrap();
        assert!(
            String::from_utf8(out)
                .unwrap()
                .starts_with("-----BEGIN PRIVATE KEY-----")
        );
        let b64 = base64::engine::general_purpose::STANDARD.encode(pem.as_bytes());
        let out = load_private_key_pem(b64.as_bytes()).unwrap();
        assert!(
            String::from_utf8(out)
                .unwrap()
                .contains("BEGIN PRIVATE KEY")
        );
        let one_line = pem.trim().replace('\n', "\\n");
        assert!(load_private_key_pem(one_line.as_bytes()).is_ok());
    }

    #[test]
    fn a_connection_key_comes_from_its_file_else_the_imported_one() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("k.pem");
        std::fs::write(&file, pkcs8()).unwrap();
        let (pem, source) = connection_key(Some(&file), Some("ignored"))
            .unwrap()
            .unwrap();
        assert_eq!(source, KeySource::File(file.clone()));
        assert!(encoding_key(&pem).is_ok());
        let b64 = base64::engine::general_purpose::STANDARD.encode(pkcs8());
        let (_, source) = connection_key(None, Some(&b64)).unwrap().unwrap();
        assert_eq!(source, KeySource::Imported);
        assert_eq!(connection_key(None, None).unwrap(), None);
        let (source, err) = connection_key(None, Some("hunter2!")).unwrap_err();
        assert_eq!((source, err), (KeySource::Imported, KeyError::NotPem));
        let missing = dir.path().join("missing.pem");
        assert!(matches!(
            connection_key(Some(&missing), None),
            Err((KeySource::File(_), KeyError::Read { .. }))
        ));
    }

    #[test]
    fn certificate_must_match_the_key() {
        let kp =
            rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
                .unwrap();
        let cert = rcgen::CertificateParams::new(vec!["sfconn.test".into()])
            .unwrap()
            .self_signed(&kp)
            .unwrap()
            .pem();
        let key = kp.serialize_pem();
        assert_eq!(
            check_certificate_matches(key.as_bytes(), cert.as_bytes()),
            Ok(())
        );
        let other = pkcs8();
        assert_eq!(
            check_certificate_matches(other.as_bytes(), cert.as_bytes()),
            Err(KeyError::CertificateMismatch)
        );
        assert!(matches!(
            check_certificate_matches(key.as_bytes(), b"nope"),
            Err(KeyError::BadCertificate { .. })
        ));
    }

    #[test]
    fn rejects_encrypted_certificates_and_garbage() {
        let enc =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert_eq!(
            load_private_key_pem(enc.as_bytes()),
            Err(KeyError::Encrypted)
        );
        let cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            load_private_key_pem(cert.as_bytes()),
            Err(KeyError::NotAPrivateKey { found }) if found == "PEM CERTIFICATE"
        ));
        assert_eq!(load_private_key_pem(b"hello world"), Err(KeyError::NotPem));
        let broken = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        assert!(matches!(
            load_private_key_pem(broken.as_bytes()),
            Err(KeyError::NotRsa { .. })
        ));
    }

    #[test]
    fn generated_key_signs_and_matches_its_certificate() {
        let pair = generate("t").unwrap();
        assert!(pair.key_pem.contains("BEGIN PRIVATE KEY"));
        assert!(pair.cert_pem.contains("BEGIN CERTIFICATE"));
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(pair.key_pem.as_bytes()).unwrap();
        let jwt = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
            &serde_json::json!({"exp": 4_000_000_000u64}),
            &key,
        )
        .unwrap();
        // jsonwebtoken accepts a CERTIFICATE PEM as the verifying key.
        let dec = jsonwebtoken::DecodingKey::from_rsa_pem(pair.cert_pem.as_bytes()).unwrap();
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        v.required_spec_claims.clear();
        jsonwebtoken::decode::<serde_json::Value>(&jwt, &dec, &v).unwrap();
    }

    #[test]
    fn keys_under_2048_bits_are_refused_with_their_size() {
        for pem in [
            include_str!("../../tests/data/rsa1024.pem"),
            include_str!("../../tests/data/rsa1024-pkcs8.pem"),
        ] {
            assert_eq!(rsa_modulus_bits(pem), Some(1024));
            assert_eq!(
                load_private_key_pem(pem.as_bytes()),
                Err(KeyError::TooSmall { bits: 1024 })
            );
        }
        assert_eq!(rsa_modulus_bits(&pkcs8()), Some(2048));
        assert_eq!(
            rsa_modulus_bits("-----BEGIN PRIVATE KEY-----\nMIIB\n"),
            None
        );
    }
}
