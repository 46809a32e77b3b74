//! Token endpoint basics, the username-password and client credentials grants.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use sha2::Sha256;

use super::*;

#[tokio::test]
async fn password_grant_returns_salesforce_shaped_token_without_refresh_token_or_scope() {
    let org = builtin().await;
    let (status, body) = password_login(&org, ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["access_token"]
            .as_str()
            .unwrap()
            .starts_with("00DPR4CT1CE0RG0!")
    );
    assert_eq!(body["instance_url"], org.url());
    assert_eq!(
        body["id"],
        format!("{}/id/00DPR4CT1CE0RG0EAA/005PR4CT1CEADM1AAA", org.url())
    );
    assert_eq!(body["token_type"], "Bearer");
    let issued_at = body["issued_at"].as_str().unwrap();
    assert!(issued_at.len() >= 13 && issued_at.bytes().all(|b| b.is_ascii_digit()));
    // signature = base64(HMAC-SHA256(client secret, id + issued_at))
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(b"practice-password-secret").unwrap();
    mac.update(body["id"].as_str().unwrap().as_bytes());
    mac.update(issued_at.as_bytes());
    assert_eq!(
        body["signature"],
        STANDARD.encode(mac.finalize().into_bytes())
    );
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert!(body.get("scope").is_none(), "{body}");
    assert_eq!(org.grant_count("password"), 1);
    assert_eq!(org.request_count("/services/oauth2/token"), 1);
}

#[tokio::test]
async fn password_without_security_token_is_an_authentication_failure() {
    let org = builtin().await;
    let got = password_login(&org, ADMIN, "Practice-Pass-1").await;
    assert_oauth_error(&got, "invalid_grant", "authentication failure");
    let got = password_login(&org, "nobody@practice.example", ADMIN_PASSWORD).await;
    assert_oauth_error(&got, "invalid_grant", "authentication failure");
}

#[tokio::test]
async fn password_with_form_special_characters_is_accepted() {
    let mut scenario = Scenario::builtin();
    scenario.users[0].password = "p#ss&w+rd%20 ok".into();
    let org = start(scenario).await;
    let got = password_login(&org, ADMIN, "p#ss&w+rd%20 okPRACTICETOKEN1").await;
    assert_eq!(got.0, 200, "{}", got.1);
}

#[tokio::test]
async fn inactive_and_ip_restricted_users_are_refused() {
    let org = builtin().await;
    let got = password_login(&org, "former@practice.example", "Former-Pass-1FORMERTOKEN1").await;
    assert_oauth_error(&got, "invalid_grant", "inactive user");
    let got = password_login(&org, "remote@practice.example", "Remote-Pass-1REMOTETOKEN1").await;
    assert_oauth_error(&got, "invalid_grant", "ip restricted");
    let got = token(
        &org.url(),
        &[
            ("grant_type", "password"),
            ("client_id", "practice-password-iprestricted"),
            ("client_secret", "practice-password-iprestricted-secret"),
            ("username", ADMIN),
            ("password", ADMIN_PASSWORD),
        ],
    )
    .await;
    assert_oauth_error(&got, "invalid_grant", "ip restricted");
}

#[tokio::test]
async fn admin_approved_app_refuses_users_not_assigned() {
    let org = builtin().await;
    let login = |user: &'static str, password: &'static str| {
        let url = org.url();
        async move {
            token(
                &url,
                &[
                    ("grant_type", "password"),
                    ("client_id", "practice-password-restricted"),
                    ("client_secret", "practice-password-restricted-secret"),
                    ("username", user),
                    ("password", password),
                ],
            )
            .await
        }
    };
    let got = login("analyst@practice.example", "Analyst-Pass-1ANALYSTTOKEN1").await;
    assert_oauth_error(
        &got,
        "invalid_app_access",
        "user is not admin approved to access this app",
    );
    assert_eq!(login(ADMIN, ADMIN_PASSWORD).await.0, 200);
}

#[tokio::test]
async fn org_that_blocks_the_password_flow_fails_like_a_bad_login() {
    let mut scenario = Scenario::builtin();
    scenario.org.password_flow_allowed = false;
    let org = start(scenario).await;
    let got = password_login(&org, ADMIN, ADMIN_PASSWORD).await;
    assert_oauth_error(&got, "invalid_grant", "authentication failure");
}

#[tokio::test]
async fn non_form_bodies_and_unknown_grants_are_unsupported() {
    let org = builtin().await;
    let resp = client()
        .post(format!("{}/services/oauth2/token", org.url()))
        .json(&serde_json::json!({"grant_type": "password", "client_id": "practice-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");
    assert_eq!(body["error_description"], "grant type not supported");

    let got = token(
        &org.url(),
        &[("grant_type", "implicit"), ("client_id", "practice-web")],
    )
    .await;
    assert_oauth_error(&got, "unsupported_grant_type", "grant type not supported");
}

#[tokio::test]
async fn unknown_client_wrong_secret_and_disabled_flow() {
    let org = builtin().await;
    let base = [
        ("grant_type", "password"),
        ("username", ADMIN),
        ("password", ADMIN_PASSWORD),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut form = base.to_vec();
        form.extend_from_slice(extra);
        form
    };
    let got = token(
        &org.url(),
        &with(&[("client_id", "no-such-app"), ("client_secret", "x")]),
    )
    .await;
    assert_oauth_error(&got, "invalid_client_id", "client identifier invalid");
    let got = token(
        &org.url(),
        &with(&[
            ("client_id", "practice-password"),
            ("client_secret", "wrong"),
        ]),
    )
    .await;
    assert_oauth_error(&got, "invalid_client", "invalid client credentials");
    let got = token(&org.url(), &with(&[("client_id", "practice-password")])).await;
    assert_oauth_error(&got, "invalid_client", "invalid client credentials");
    let got = token(
        &org.url(),
        &with(&[
            ("client_id", "practice-web-only"),
            ("client_secret", "practice-web-only-secret"),
        ]),
    )
    .await;
    assert_oauth_error(&got, "unsupported_grant_type", "grant type not supported");
}

#[tokio::test]
async fn client_credentials_with_body_secret_or_basic_auth() {
    let org = builtin().await;
    let (status, body) = token(
        &org.url(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "practice-cc"),
            ("client_secret", "practice-cc-secret"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["id"]
            .as_str()
            .unwrap()
            .ends_with("/005PR4CT1CEINT1AAA")
    );
    assert!(body.get("refresh_token").is_none());
    let scope = body["scope"].as_str().unwrap();
    assert!(
        scope.contains("api") && !scope.contains("refresh_token"),
        "{scope}"
    );

    let resp = client()
        .post(format!("{}/services/oauth2/token", org.url()))
        .basic_auth("practice-cc", Some("practice-cc-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(org.grant_count("client_credentials"), 2);
}

#[tokio::test]
async fn client_credentials_errors() {
    let org = builtin().await;
    let cc = |id: &'static str, secret: &'static str| {
        vec![
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ]
    };
    let got = token(&org.login_url(), &cc("practice-cc", "practice-cc-secret")).await;
    assert_oauth_error(
        &got,
        "invalid_grant",
        "request not supported on this domain",
    );
    let got = token(
        &org.url(),
        &cc("practice-cc-norunas", "practice-cc-norunas-secret"),
    )
    .await;
    assert_oauth_error(&got, "invalid_grant", "no client credentials user enabled");
    let got = token(&org.url(), &cc("practice-cc", "wrong")).await;
    assert_oauth_error(&got, "invalid_client", "invalid client credentials");
    let got = token(
        &org.url(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "practice-cc"),
        ],
    )
    .await;
    assert_oauth_error(&got, "invalid_client", "invalid client credentials");
}
