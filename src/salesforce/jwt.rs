//! JWT bearer flow (research §2.5): an RS256 assertion with `iss` = consumer key, `sub` =
//! username, `aud` = login/test (or the configured audience), `exp` = now + 3 minutes. A new
//! assertion is signed for every grant; Salesforce issues no refresh token.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::grant::{optional_secret, post_token, require_setting};
use super::report::{Failure, LocalCondition};
use super::token::TokenResponse;
use crate::profile::{Connection, keys};
use crate::secrets::{SecretKind, SecretStore};

pub(crate) const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// Salesforce wants the assertion to expire "within 3 minutes".
const LIFETIME_SECS: u64 = 180;

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: u64,
}

fn key_failure(detail: String) -> Failure {
    Failure::Local {
        condition: LocalCondition::PrivateKeyInvalid,
        detail,
    }
}

/// The private key PEM: `key_file`, else the key imported into the secret store (the one
/// loader, `profile::keys::connection_key`, checks both alike).
pub(crate) async fn load_key_pem(
    store: &SecretStore,
    conn: &Connection,
) -> Result<String, Failure> {
    let imported = match &conn.key_file {
        Some(_) => None,
        None => optional_secret(store, conn, SecretKind::PrivateKey).await?,
    };
    match keys::connection_key(conn.key_file.as_deref(), imported.as_deref()) {
        Ok(Some((pem, _))) => Ok(String::from_utf8_lossy(&pem).into_owned()),
        Ok(None) => Err(Failure::Local {
            condition: LocalCondition::MissingSecret,
            detail: format!(
                "connection {} has no key_file and no imported private key; run `sfconn keygen {}` or set key_file with `sfconn edit {} --key-file PATH`",
                conn.name, conn.name, conn.name
            ),
        }),
        Err((source, e)) => Err(key_failure(format!(
            "{source} of connection {}: {e}",
            conn.name
        ))),
    }
}

/// Sign one assertion for the connection.
pub(crate) fn assertion(conn: &Connection, pem: &str) -> Result<String, Failure> {
    let client_id = require_setting(conn, conn.client_id.as_deref(), "client_id", "--client-id")?;
    let username = require_setting(conn, conn.username.as_deref(), "username", "--username")?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let claims = Claims {
        iss: client_id,
        sub: username,
        aud: conn.audience(),
        exp: now + LIFETIME_SECS,
    };
    keys::sign_rs256(pem.as_bytes(), &claims).map_err(|e| {
        key_failure(format!(
            "cannot sign the JWT assertion with the private key of connection {}: {e}",
            conn.name
        ))
    })
}

pub(crate) async fn grant(
    store: &SecretStore,
    conn: &Connection,
    timeout: Duration,
) -> Result<TokenResponse, Failure> {
    let assertion = signed_assertion(store, conn).await?;
    grant_with(conn, &assertion, timeout).await
}

/// A new assertion signed with the connection's key.
pub(crate) async fn signed_assertion(
    store: &SecretStore,
    conn: &Connection,
) -> Result<String, Failure> {
    let pem = load_key_pem(store, conn).await?;
    assertion(conn, &pem)
}

/// Exchange a signed assertion for a token.
pub(crate) async fn grant_with(
    conn: &Connection,
    assertion: &str,
    timeout: Duration,
) -> Result<TokenResponse, Failure> {
    post_token(
        conn,
        &[("grant_type", GRANT_TYPE), ("assertion", assertion)],
        timeout,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Flow;

    #[test]
    fn assertion_has_the_claims_salesforce_checks() {
        let kp =
            rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
                .unwrap();
        let mut conn = Connection::new("j", Flow::Jwt);
        conn.client_id = Some("cid".into());
        conn.username = Some("u@example.com".into());
        conn.environment = crate::profile::Environment::Sandbox;
        let jwt = assertion(&conn, &kp.serialize_pem()).unwrap();
        let decoding =
            jsonwebtoken::DecodingKey::from_rsa_pem(kp.public_key_pem().as_bytes()).unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.set_audience(&["https://test.salesforce.com"]);
        validation.set_issuer(&["cid"]);
        let data = jsonwebtoken::decode::<serde_json::Value>(&jwt, &decoding, &validation).unwrap();
        assert_eq!(data.claims["sub"], "u@example.com");
        let exp = data.claims["exp"].as_u64().unwrap();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(exp > now && exp <= now + 180);

        // Parsed keys are kept: a second key signs with its own, never the first one's.
        let other =
            rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
                .unwrap();
        let second = assertion(&conn, &other.serialize_pem()).unwrap();
        let other_public =
            jsonwebtoken::DecodingKey::from_rsa_pem(other.public_key_pem().as_bytes()).unwrap();
        assert!(
            jsonwebtoken::decode::<serde_json::Value>(&second, &other_public, &validation).is_ok()
        );
        assert!(
            jsonwebtoken::decode::<serde_json::Value>(&second, &decoding, &validation).is_err()
        );
        let again = assertion(&conn, &kp.serialize_pem()).unwrap();
        assert!(jsonwebtoken::decode::<serde_json::Value>(&again, &decoding, &validation).is_ok());

        assert!(matches!(
            assertion(
                &conn,
                "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n"
            ),
            Err(Failure::Local { .. })
        ));
    }
}
