//! Every demo connection gets the answer it promises from the built-in practice org.

use std::collections::HashMap;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use super::*;
use crate::emulator::{Expected, PRACTICE_JWT_KEY_PEM, demo_connections};
use crate::profile::Flow;
use crate::secrets::SecretKind;

/// The grant request a client would send for this connection (no engine needed for that).
async fn grant(
    conn: &crate::profile::Connection,
    secrets: &HashMap<SecretKind, String>,
) -> (u16, Value) {
    let domain = conn.domain.clone().unwrap();
    let client_id = conn.client_id.clone().unwrap();
    let secret = |k| secrets.get(&k).cloned().unwrap_or_default();
    match conn.flow {
        Flow::Jwt => {
            let exp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
                + 180;
            let claims = json!({
                "iss": client_id,
                "sub": conn.username,
                "aud": conn.environment.login_host(),
                "exp": exp,
            });
            let key = EncodingKey::from_rsa_pem(PRACTICE_JWT_KEY_PEM.as_bytes()).unwrap();
            let jwt = jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key).unwrap();
            token(
                &domain,
                &[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                    ("assertion", &jwt),
                ],
            )
            .await
        }
        Flow::ClientCredentials => {
            token(
                &domain,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &client_id),
                    ("client_secret", &secret(SecretKind::ClientSecret)),
                ],
            )
            .await
        }
        Flow::Password => {
            let password = format!(
                "{}{}",
                secret(SecretKind::Password),
                secret(SecretKind::SecurityToken)
            );
            token(
                &domain,
                &[
                    ("grant_type", "password"),
                    ("client_id", &client_id),
                    ("client_secret", &secret(SecretKind::ClientSecret)),
                    ("username", conn.username.as_deref().unwrap()),
                    ("password", &password),
                ],
            )
            .await
        }
        Flow::Web | Flow::Device => unreachable!("interactive flows are checked elsewhere"),
    }
}

#[tokio::test]
async fn every_demo_connection_gets_the_promised_answer() {
    let org = builtin().await;
    let key = std::path::Path::new("/demo/keys/practice-jwt.key");
    let set = demo_connections(&org.url(), &org.login_url(), key);
    assert!(set.len() >= 15);
    for flow in Flow::ALL {
        assert!(
            set.iter().any(|d| d.connection.flow == flow
                && matches!(d.expected, Expected::Works | Expected::NeedsLogin)),
            "no working {flow} connection"
        );
    }
    for demo in &set {
        let conn = &demo.connection;
        let secrets: HashMap<SecretKind, String> = demo.secrets.iter().cloned().collect();
        if conn.flow == Flow::Jwt {
            assert_eq!(conn.key_file.as_deref(), Some(key));
        }
        match demo.expected {
            Expected::NeedsLogin => {
                assert!(conn.flow.is_interactive(), "{}", conn.name);
                continue;
            }
            Expected::TokenError { error, description } => {
                let got = grant(conn, &secrets).await;
                assert_eq!(got.1["error"], error, "{}: {}", conn.name, got.1);
                assert_eq!(
                    got.1["error_description"], description,
                    "{}: {}",
                    conn.name, got.1
                );
            }
            Expected::Works | Expected::ApiError { .. } => {
                let (status, body) = grant(conn, &secrets).await;
                assert_eq!(status, 200, "{}: {body}", conn.name);
                let at = body["access_token"].as_str().unwrap();
                let instance = body["instance_url"].as_str().unwrap();
                let (status, _) =
                    get_with_token(&format!("{instance}/services/oauth2/userinfo"), Some(at)).await;
                assert_eq!(status, 200, "{}", conn.name);
                let (status, body) =
                    get_with_token(&format!("{instance}/services/data/v66.0/limits"), Some(at))
                        .await;
                match demo.expected {
                    Expected::ApiError {
                        http_status,
                        error_code,
                    } => {
                        assert_eq!(status, http_status, "{}", conn.name);
                        assert!(body.contains(error_code), "{}: {body}", conn.name);
                    }
                    _ => assert_eq!(status, 200, "{}: {body}", conn.name),
                }
            }
        }
    }
}
