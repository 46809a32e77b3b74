//! OpenID Connect: discovery on both hosts, `/id/keys`, the id_token, introspection.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::*;

const CALLBACK: &str = "http://localhost:1717/OauthRedirect";
const VERIFIER: &str = "a-verifier-that-is-long-enough-to-be-a-real-pkce-verifier-0123";

async fn get_json(url: &str) -> Value {
    let resp = client().get(url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200, "{url}");
    resp.json().await.unwrap()
}

/// A web server login through `base` with `scope`; returns the token response.
async fn web_login(base: &str, scope: &str, nonce: Option<&str>) -> Value {
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", "practice-web"),
        ("redirect_uri", CALLBACK),
        ("scope", scope),
        ("code_challenge", challenge.as_str()),
    ];
    if let Some(n) = nonce {
        params.push(("nonce", n));
    }
    let resp = client()
        .get(format!("{base}/services/oauth2/authorize"))
        .query(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    let query: HashMap<String, String> = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    let (status, body) = token(
        base,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "practice-web"),
            ("code", &query["code"]),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Verify `id_token` with the key `/id/keys` of `base` publishes under its `kid`.
async fn verify(base: &str, id_token: &str, audience: &str) -> Value {
    let header = jsonwebtoken::decode_header(id_token).unwrap();
    let config = get_json(&format!("{base}/.well-known/openid-configuration")).await;
    let jwks = get_json(config["jwks_uri"].as_str().unwrap()).await;
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"].as_str() == header.kid.as_deref())
        .expect("the id_token's kid is in /id/keys");
    let key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
            .unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[audience]);
    validation.set_issuer(&[config["issuer"].as_str().unwrap()]);
    jsonwebtoken::decode::<Value>(id_token, &key, &validation)
        .unwrap()
        .claims
}

#[tokio::test]
async fn discovery_on_each_host_names_that_host() {
    let org = builtin().await;
    for base in [org.url(), org.login_url()] {
        let config = get_json(&format!("{base}/.well-known/openid-configuration")).await;
        assert_eq!(config["issuer"], base);
        assert_eq!(config["jwks_uri"], format!("{base}/id/keys"));
        assert_eq!(
            config["token_endpoint"],
            format!("{base}/services/oauth2/token")
        );
        assert_eq!(
            config["introspection_endpoint"],
            format!("{base}/services/oauth2/introspect")
        );
        assert_eq!(config["id_token_signing_alg_values_supported"][0], "RS256");
    }
}

#[tokio::test]
async fn the_openid_scope_gives_an_id_token_that_verifies_against_id_keys() {
    let org = builtin().await;
    for base in [org.login_url(), org.url()] {
        let body = web_login(&base, "api refresh_token openid", Some("n0nce")).await;
        let id_token = body["id_token"].as_str().expect("an id_token");
        let claims = verify(&base, id_token, "practice-web").await;
        assert_eq!(claims["sub"], body["id"]);
        assert_eq!(claims["nonce"], "n0nce");
        assert_eq!(claims["preferred_username"], ADMIN);
        // at_hash: the left half of SHA-256 of the access token (OpenID Connect Core 3.1.3.6).
        let digest = Sha256::digest(body["access_token"].as_str().unwrap().as_bytes());
        assert_eq!(claims["at_hash"], URL_SAFE_NO_PAD.encode(&digest[..16]));

        // The refresh token flow issues one too.
        let (status, refreshed) = token(
            &base,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", "practice-web"),
                ("refresh_token", body["refresh_token"].as_str().unwrap()),
            ],
        )
        .await;
        assert_eq!(status, 200, "{refreshed}");
        verify(
            &base,
            refreshed["id_token"].as_str().unwrap(),
            "practice-web",
        )
        .await;
    }
    // Without openid there is none.
    let body = web_login(&org.url(), "api refresh_token", None).await;
    assert!(body.get("id_token").is_none(), "{body}");
}

#[tokio::test]
async fn an_id_token_signed_by_another_key_does_not_verify() {
    let org = builtin().await;
    let body = web_login(&org.url(), "openid api", None).await;
    let id_token = body["id_token"].as_str().unwrap();
    let mut parts: Vec<&str> = id_token.split('.').collect();
    let forged_claims = URL_SAFE_NO_PAD.encode(br#"{"sub":"someone-else","aud":"practice-web"}"#);
    parts[1] = &forged_claims;
    let forged = parts.join(".");
    let jwks = get_json(&format!("{}/id/keys", org.url())).await;
    let key = DecodingKey::from_rsa_components(
        jwks["keys"][0]["n"].as_str().unwrap(),
        jwks["keys"][0]["e"].as_str().unwrap(),
    )
    .unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    assert!(jsonwebtoken::decode::<Value>(&forged, &key, &validation).is_err());
}

async fn introspect(org: &PracticeOrg, form: &[(&str, &str)]) -> (u16, Value) {
    let resp = client()
        .post(format!("{}/services/oauth2/introspect", org.url()))
        .form(form)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn introspection_reports_live_tokens_of_the_calling_app_only() {
    let org = builtin().await;
    let (status, cc) = token(
        &org.url(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "practice-cc"),
            ("client_secret", "practice-cc-secret"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{cc}");
    let at = cc["access_token"].as_str().unwrap();
    let app = [
        ("client_id", "practice-cc"),
        ("client_secret", "practice-cc-secret"),
    ];
    let mut form = app.to_vec();
    form.push(("token", at));
    let (status, body) = introspect(&org, &form).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["active"], true);
    assert_eq!(body["client_id"], "practice-cc");
    assert_eq!(body["username"], "integration@practice.example");
    assert_eq!(body["token_type"], "access_token");
    assert!(body["exp"].as_u64().unwrap() > body["iat"].as_u64().unwrap());

    // Another app's token, an unknown one and a revoked one are inactive.
    let other = admin_access_token(&org).await;
    for t in [other.as_str(), "nope"] {
        let mut form = app.to_vec();
        form.push(("token", t));
        assert_eq!(
            introspect(&org, &form).await,
            (200, json!({"active": false}))
        );
    }
    client()
        .post(format!("{}/services/oauth2/revoke", org.url()))
        .form(&[("token", at)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        introspect(&org, &form).await,
        (200, json!({"active": false}))
    );

    // A wrong secret is refused.
    let (status, body) = introspect(
        &org,
        &[
            ("client_id", "practice-cc"),
            ("client_secret", "wrong"),
            ("token", at),
        ],
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "invalid_client");
}
