//! JWT bearer grant: signature, iss, aud, sub, exp.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use super::*;
use crate::emulator::{OrgType, PRACTICE_JWT_KEY_PEM};

const GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const OTHER_KEY_PEM: &str = include_str!("other.key");

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn sign(claims: &Value, key_pem: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        claims,
        &EncodingKey::from_rsa_pem(key_pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

fn claims(sub: &str, aud: &str) -> Value {
    json!({"iss": "practice-jwt", "sub": sub, "aud": aud, "exp": now() + 180})
}

async fn assert_with(org: &PracticeOrg, assertion: &str) -> (u16, Value) {
    token(
        &org.url(),
        &[("grant_type", GRANT), ("assertion", assertion)],
    )
    .await
}

const LOGIN: &str = "https://login.salesforce.com";

#[tokio::test]
async fn signed_assertion_gets_a_token_without_refresh_token() {
    let org = builtin().await;
    let jwt = sign(
        &claims("integration@practice.example", LOGIN),
        PRACTICE_JWT_KEY_PEM,
    );
    let (status, body) = assert_with(&org, &jwt).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["id"]
            .as_str()
            .unwrap()
            .ends_with("/005PR4CT1CEINT1AAA")
    );
    assert!(body.get("refresh_token").is_none());
    assert!(body["scope"].as_str().unwrap().contains("api"));
    assert_eq!(org.grant_count(GRANT), 1);
    // the login host stand-in serves the JWT grant too
    let (status, _) = token(
        &org.login_url(),
        &[("grant_type", GRANT), ("assertion", &jwt)],
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn wrong_key_malformed_or_expired_assertions_are_invalid() {
    let org = builtin().await;
    let wrong_key = sign(&claims(ADMIN, LOGIN), OTHER_KEY_PEM);
    assert_oauth_error(
        &assert_with(&org, &wrong_key).await,
        "invalid_grant",
        "invalid assertion",
    );
    assert_oauth_error(
        &assert_with(&org, "not.a.jwt").await,
        "invalid_grant",
        "invalid assertion",
    );
    let mut expired = claims(ADMIN, LOGIN);
    expired["exp"] = json!(now() - 30);
    let jwt = sign(&expired, PRACTICE_JWT_KEY_PEM);
    assert_oauth_error(
        &assert_with(&org, &jwt).await,
        "invalid_grant",
        "invalid assertion",
    );
    let mut no_exp = claims(ADMIN, LOGIN);
    no_exp.as_object_mut().unwrap().remove("exp");
    let jwt = sign(&no_exp, PRACTICE_JWT_KEY_PEM);
    assert_oauth_error(
        &assert_with(&org, &jwt).await,
        "invalid_grant",
        "invalid assertion",
    );
}

#[tokio::test]
async fn org_clock_ahead_makes_a_fresh_assertion_expired() {
    let org = builtin().await;
    org.set_clock_offset(600);
    let jwt = sign(&claims(ADMIN, LOGIN), PRACTICE_JWT_KEY_PEM);
    assert_oauth_error(
        &assert_with(&org, &jwt).await,
        "invalid_grant",
        "invalid assertion",
    );
    org.set_clock_offset(0);
    assert_eq!(assert_with(&org, &jwt).await.0, 200);
}

#[tokio::test]
async fn milliseconds_exp_is_accepted_like_salesforce_does() {
    let org = builtin().await;
    let mut c = claims(ADMIN, LOGIN);
    c["exp"] = json!(now() * 1000 + 300);
    assert_eq!(
        assert_with(&org, &sign(&c, PRACTICE_JWT_KEY_PEM)).await.0,
        200
    );
}

#[tokio::test]
async fn exp_as_a_string_of_digits_is_accepted_like_salesforce_does() {
    // simple-salesforce 1.12 signs `'exp': f'{expiration.timestamp():.0f}'`.
    let org = builtin().await;
    let mut c = claims(ADMIN, LOGIN);
    c["exp"] = json!((now() + 180).to_string());
    let (status, body) = assert_with(&org, &sign(&c, PRACTICE_JWT_KEY_PEM)).await;
    assert_eq!(status, 200, "{body}");
    for bad in [json!((now() - 10).to_string()), json!("soon"), json!("")] {
        c["exp"] = bad.clone();
        let got = assert_with(&org, &sign(&c, PRACTICE_JWT_KEY_PEM)).await;
        assert_oauth_error(&got, "invalid_grant", "invalid assertion");
    }
}

#[tokio::test]
async fn audience_depends_on_org_type_and_my_domain_setting() {
    let org = builtin().await;
    let jwt = sign(
        &claims(ADMIN, "https://test.salesforce.com"),
        PRACTICE_JWT_KEY_PEM,
    );
    assert_oauth_error(
        &assert_with(&org, &jwt).await,
        "invalid_grant",
        "audience is invalid",
    );
    let jwt = sign(&claims(ADMIN, &org.url()), PRACTICE_JWT_KEY_PEM);
    assert_eq!(assert_with(&org, &jwt).await.0, 200);
    let mut c = claims(ADMIN, LOGIN);
    c["aud"] = json!(["https://example.com", LOGIN]);
    assert_eq!(
        assert_with(&org, &sign(&c, PRACTICE_JWT_KEY_PEM)).await.0,
        200
    );

    let mut scenario = Scenario::builtin();
    scenario.org.org_type = OrgType::Sandbox;
    scenario.org.my_domain_audience_allowed = false;
    let sandbox = start(scenario).await;
    let jwt = sign(&claims(ADMIN, LOGIN), PRACTICE_JWT_KEY_PEM);
    assert_oauth_error(
        &assert_with(&sandbox, &jwt).await,
        "invalid_grant",
        "audience is invalid",
    );
    let jwt = sign(&claims(ADMIN, &sandbox.url()), PRACTICE_JWT_KEY_PEM);
    assert_oauth_error(
        &assert_with(&sandbox, &jwt).await,
        "invalid_grant",
        "audience is invalid",
    );
    let jwt = sign(
        &claims(ADMIN, "https://test.salesforce.com"),
        PRACTICE_JWT_KEY_PEM,
    );
    assert_eq!(assert_with(&sandbox, &jwt).await.0, 200);
}

#[tokio::test]
async fn subject_checks() {
    let org = builtin().await;
    let cases = [
        (
            "analyst@practice.example",
            "user hasn't approved this consumer",
        ),
        (
            "nobody@practice.example",
            "user hasn't approved this consumer",
        ),
        ("former@practice.example", "inactive user"),
        ("remote@practice.example", "ip restricted"),
    ];
    for (sub, description) in cases {
        let jwt = sign(&claims(sub, LOGIN), PRACTICE_JWT_KEY_PEM);
        assert_oauth_error(&assert_with(&org, &jwt).await, "invalid_grant", description);
    }
    // `prn` wins over `sub`
    let mut c = claims("analyst@practice.example", LOGIN);
    c["prn"] = json!(ADMIN);
    assert_eq!(
        assert_with(&org, &sign(&c, PRACTICE_JWT_KEY_PEM)).await.0,
        200
    );
}

#[tokio::test]
async fn unknown_issuer_is_an_invalid_client_id() {
    let org = builtin().await;
    let mut c = claims(ADMIN, LOGIN);
    c["iss"] = json!("no-such-app");
    let got = assert_with(&org, &sign(&c, PRACTICE_JWT_KEY_PEM)).await;
    assert_oauth_error(&got, "invalid_client_id", "client identifier invalid");
    c["iss"] = json!("practice-password");
    let got = assert_with(&org, &sign(&c, PRACTICE_JWT_KEY_PEM)).await;
    assert_oauth_error(&got, "unsupported_grant_type", "grant type not supported");
}
