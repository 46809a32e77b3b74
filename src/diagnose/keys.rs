//! JWT key checks: the private key parses, it matches `cert_file`, and which `aud` Salesforce
//! accepts (for `jwt-audience-invalid`).

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::profile::Connection;

use super::net;

/// A private key as the user gave it: a PEM file, or the secret store's value (PEM, or base64
/// of a PEM, as `SFCONN_PRIVATE_KEY` allows).
pub fn pem_from_secret(value: &str) -> Result<String, String> {
    let trimmed = value.trim();
    if trimmed.contains("-----BEGIN") {
        return Ok(trimmed.to_string());
    }
    let compact: String = trimmed.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| "the stored private key is neither PEM nor base64 of a PEM".to_string())?;
    let text = String::from_utf8(bytes).map_err(|_| {
        "the stored private key decodes from base64 to something that is not PEM text".to_string()
    })?;
    if text.contains("-----BEGIN") {
        Ok(text)
    } else {
        Err("the stored private key decodes from base64, but not to a PEM block".to_string())
    }
}

/// Parse an RSA private key PEM (PKCS#1 or PKCS#8) as jsonwebtoken will use it.
pub fn encoding_key(pem: &str, origin: &str) -> Result<EncodingKey, String> {
    if pem.contains("ENCRYPTED PRIVATE KEY") {
        return Err(format!(
            "{origin} is encrypted with a passphrase; sfconn needs an unencrypted key (openssl pkey -in KEY -out KEY.plain)"
        ));
    }
    let not_a_key = |e: jsonwebtoken::errors::Error| {
        format!("{origin} is not an RSA private key in PEM form (PKCS#1 or PKCS#8): {e}")
    };
    let key = EncodingKey::from_rsa_pem(pem.as_bytes()).map_err(not_a_key)?;
    crate::profile::keys::check_key_size(pem).map_err(|e| format!("{origin}: {e}"))?;
    // from_rsa_pem accepts any PEM block (a certificate too); only signing proves it is a key.
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), &serde_json::json!({}), &key)
        .map_err(not_a_key)?;
    Ok(key)
}

#[derive(Debug, Serialize, Deserialize)]
struct ProbeClaims {
    iss: String,
    sub: String,
    aud: String,
    exp: u64,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn sign(key: &EncodingKey, iss: &str, sub: &str, aud: &str) -> Result<String, String> {
    let claims = ProbeClaims {
        iss: iss.into(),
        sub: sub.into(),
        aud: aud.into(),
        // Salesforce accepts assertions that expire within three minutes (research §2.5).
        exp: now_secs() + 180,
    };
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, key)
        .map_err(|e| format!("cannot sign a JWT with this key: {e}"))
}

/// Whether a certificate (the one uploaded to the app) verifies what the key signs.
/// `Ok(true)` match, `Ok(false)` mismatch, `Err` when the certificate cannot be read.
pub fn key_matches_cert(
    key: &EncodingKey,
    cert_pem: &str,
    cert_origin: &str,
) -> Result<bool, String> {
    if !cert_pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err(format!(
            "{cert_origin} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        ));
    }
    // jsonwebtoken reads the RSA public key straight out of a CERTIFICATE PEM.
    let decoding = DecodingKey::from_rsa_pem(cert_pem.as_bytes())
        .map_err(|e| format!("{cert_origin} is not an RSA certificate: {e}"))?;
    let token = sign(key, "sfconn-doctor", "sfconn-doctor", "sfconn-doctor")?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    match jsonwebtoken::decode::<ProbeClaims>(&token, &decoding, &validation) {
        Ok(_) => Ok(true),
        Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::InvalidSignature) => {
            Ok(false)
        }
        Err(e) => Err(format!("cannot check the key against {cert_origin}: {e}")),
    }
}

/// Read a file named by a profile setting, for a message that names the setting and the path.
pub fn read_setting_file(setting: &str, path: &Path) -> Result<String, String> {
    let bytes = crate::profile::atomic::read_capped(path, crate::profile::atomic::MAX_KEY_FILE)
        .map_err(|e| format!("{setting} {}: {e}", path.display()))?;
    String::from_utf8(bytes)
        .map_err(|_| format!("{setting} {}: not text, so not a PEM file", path.display()))
}

/// What Salesforce answered to an assertion with one audience.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudienceProbe {
    pub audience: String,
    pub accepted: bool,
    /// `error: description`, or the transport failure, exactly as received.
    pub answer: String,
}

/// The audiences worth trying: login, test and the My Domain, the configured one first.
pub fn candidate_audiences(conn: &Connection) -> Vec<String> {
    let mut out = vec![conn.audience().to_string()];
    let mut push = |aud: &str| {
        let aud = aud.trim_end_matches('/').to_string();
        if !out.contains(&aud) {
            out.push(aud);
        }
    };
    push(crate::profile::model::PRODUCTION_LOGIN);
    push(crate::profile::model::SANDBOX_LOGIN);
    if let Some(domain) = &conn.domain {
        push(domain);
    }
    out
}

/// Post one assertion per candidate audience to the connection's token endpoint. Tokens that
/// Salesforce grants on the way are revoked at once: the probe only wants the verdict.
pub async fn probe_audiences(
    conn: &Connection,
    key: &EncodingKey,
    timeout: Duration,
) -> Result<Vec<AudienceProbe>, String> {
    let client_id = conn.client_id.as_deref().ok_or("client_id is not set")?;
    let username = conn.username.as_deref().ok_or("username is not set")?;
    let client = net::client(timeout)?;
    let base = conn.login_host().trim_end_matches('/');
    let token_url = format!("{base}/services/oauth2/token");
    let mut probes = Vec::new();
    for audience in candidate_audiences(conn) {
        let assertion = sign(key, client_id, username, &audience)?;
        let form = [
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion.as_str()),
        ];
        let (accepted, answer) = match client.post(&token_url).form(&form).send().await {
            Err(e) => (false, net::error_chain(&e)),
            Ok(response) => {
                let status = response.status().as_u16();
                let body: serde_json::Value =
                    serde_json::from_slice(&net::read_body(response, 1024 * 1024).await)
                        .unwrap_or(serde_json::Value::Null);
                if let Some(token) = body.get("access_token").and_then(|t| t.as_str()) {
                    let revoke = format!("{base}/services/oauth2/revoke");
                    // Best effort: an unrevoked probe token simply expires with its session.
                    let _ = client.post(&revoke).form(&[("token", token)]).send().await;
                    (true, format!("HTTP {status}: token granted"))
                } else {
                    let field = |k: &str| {
                        body.get(k)
                            .and_then(|v| v.as_str())
                            .unwrap_or("")
                            .to_string()
                    };
                    (
                        false,
                        format!(
                            "HTTP {status}: {}: {}",
                            field("error"),
                            field("error_description")
                        ),
                    )
                }
            }
        };
        // The answer is shown: no assertion echoed back, no escape sequences.
        let mut redactor = super::redact::Redactor::new();
        redactor.add("assertion", &assertion);
        let answer = super::redact::printable(&redactor.redact(&answer));
        probes.push(AudienceProbe {
            audience,
            accepted,
            answer,
        });
    }
    Ok(probes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{CertificateParams, KeyPair, PKCS_RSA_SHA256, RsaKeySize};

    fn pair() -> (String, String) {
        let key = KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_2048).unwrap();
        let cert = CertificateParams::new(vec!["sfconn.test".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        (key.serialize_pem(), cert.pem())
    }

    #[test]
    fn a_key_matches_its_own_certificate_and_not_another() {
        let (key_a, cert_a) = pair();
        let (_, cert_b) = pair();
        let key = encoding_key(&key_a, "key_file").unwrap();
        assert_eq!(key_matches_cert(&key, &cert_a, "cert_file"), Ok(true));
        assert_eq!(key_matches_cert(&key, &cert_b, "cert_file"), Ok(false));
        assert!(key_matches_cert(&key, "not a cert", "cert_file").is_err());
    }

    #[test]
    fn stored_keys_may_be_pem_or_base64_of_pem() {
        let (key_a, _) = pair();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&key_a);
        assert_eq!(pem_from_secret(&b64).unwrap(), key_a);
        assert_eq!(pem_from_secret(&key_a).unwrap(), key_a.trim());
        assert!(pem_from_secret("hunter2!").is_err());
        assert!(
            encoding_key("-----BEGIN ENCRYPTED PRIVATE KEY-----\n", "key_file")
                .err()
                .unwrap()
                .contains("passphrase")
        );
    }

    #[test]
    fn audiences_start_with_the_configured_one_without_duplicates() {
        let mut conn = Connection::new("c", crate::profile::Flow::Jwt);
        conn.domain = Some("https://acme.my.salesforce.com".into());
        conn.environment = crate::profile::Environment::Sandbox;
        assert_eq!(
            candidate_audiences(&conn),
            [
                "https://test.salesforce.com",
                "https://login.salesforce.com",
                "https://acme.my.salesforce.com"
            ]
        );
    }
}
