//! Web server flow (authorize, consent, PKCE, codes), refresh tokens, approvals.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::*;

/// The callback URL every built-in web app lists (they are compared exactly).
const CALLBACK: &str = "http://localhost:1717/OauthRedirect";
const VERIFIER: &str = "a-verifier-that-is-long-enough-to-be-a-real-pkce-verifier-0123";

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// GET the authorize endpoint; returns status, the Location's query pairs (if redirected), body.
async fn authorize(
    org: &PracticeOrg,
    params: &[(&str, &str)],
) -> (u16, Option<HashMap<String, String>>, String) {
    let resp = client()
        .get(format!("{}/services/oauth2/authorize", org.url()))
        .query(params)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    let query = location.map(|l| {
        assert!(l.starts_with(CALLBACK), "redirected to {l}");
        url::Url::parse(&l)
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect()
    });
    (status, query, resp.text().await.unwrap())
}

fn web_params<'a>(client_id: &'a str, challenge: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", CALLBACK),
        ("state", "st4te"),
        ("scope", "api refresh_token"),
        ("code_challenge", challenge),
    ]
}

async fn code_for(org: &PracticeOrg, client_id: &str) -> String {
    let ch = challenge(VERIFIER);
    let (status, query, body) = authorize(org, &web_params(client_id, &ch)).await;
    assert_eq!(status, 302, "{body}");
    let query = query.unwrap();
    assert_eq!(query["state"], "st4te");
    query["code"].clone()
}

async fn exchange(
    org: &PracticeOrg,
    client_id: &str,
    code: &str,
    verifier: Option<&str>,
) -> (u16, Value) {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("client_id", client_id),
        ("code", code),
        ("redirect_uri", CALLBACK),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    token(&org.url(), &form).await
}

async fn web_login(org: &PracticeOrg, client_id: &str) -> Value {
    let code = code_for(org, client_id).await;
    let (status, body) = exchange(org, client_id, &code, Some(VERIFIER)).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn refresh(
    org: &PracticeOrg,
    client_id: &str,
    secret: Option<&str>,
    rt: &str,
) -> (u16, Value) {
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("client_id", client_id),
        ("refresh_token", rt),
    ];
    if let Some(s) = secret {
        form.push(("client_secret", s));
    }
    token(&org.url(), &form).await
}

#[tokio::test]
async fn auto_approve_redirects_with_code_and_pkce_exchange_gives_refresh_token() {
    let org = builtin().await;
    let body = web_login(&org, "practice-web").await;
    assert!(
        body["refresh_token"]
            .as_str()
            .unwrap()
            .starts_with("5Aep861")
    );
    assert_eq!(body["scope"], "api refresh_token");
    assert_eq!(body["instance_url"], org.url());
    let (status, _) = get_with_token(
        &format!("{}/services/oauth2/userinfo", org.url()),
        body["access_token"].as_str(),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn codes_are_single_use_and_short_lived() {
    let org = builtin().await;
    let code = code_for(&org, "practice-web").await;
    assert_eq!(
        exchange(&org, "practice-web", &code, Some(VERIFIER))
            .await
            .0,
        200
    );
    let again = exchange(&org, "practice-web", &code, Some(VERIFIER)).await;
    assert_oauth_error(&again, "invalid_grant", "expired authorization code");

    let code = code_for(&org, "practice-web").await;
    org.set_clock_offset(16 * 60);
    let late = exchange(&org, "practice-web", &code, Some(VERIFIER)).await;
    assert_oauth_error(&late, "invalid_grant", "expired authorization code");
}

#[tokio::test]
async fn pkce_verifier_is_checked() {
    let org = builtin().await;
    let code = code_for(&org, "practice-web").await;
    let got = exchange(&org, "practice-web", &code, Some("some-other-verifier")).await;
    assert_oauth_error(&got, "invalid_request", "invalid code verifier");
    let code = code_for(&org, "practice-web").await;
    let got = exchange(&org, "practice-web", &code, None).await;
    assert_oauth_error(&got, "invalid_grant", "invalid code verifier");

    // plain method: the verifier is the challenge
    let mut params = web_params("practice-web", VERIFIER);
    params.push(("code_challenge_method", "plain"));
    let (_, query, _) = authorize(&org, &params).await;
    let code = query.unwrap()["code"].clone();
    assert_eq!(
        exchange(&org, "practice-web", &code, Some(VERIFIER))
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn authorize_errors_redirect_or_show_a_page() {
    let org = builtin().await;
    // PKCE required, no challenge: redirected
    let params: Vec<_> = web_params("practice-web", "")
        .into_iter()
        .filter(|(k, _)| *k != "code_challenge")
        .collect();
    let (status, query, _) = authorize(&org, &params).await;
    assert_eq!(status, 302);
    let query = query.unwrap();
    assert_eq!(query["error"], "invalid_request");
    assert_eq!(
        query["error_description"],
        "missing required code challenge"
    );
    assert_eq!(query["state"], "st4te");

    let ch = challenge(VERIFIER);
    let (_, query, _) = authorize(&org, &web_params("no-such-app", &ch)).await;
    let query = query.unwrap();
    assert_eq!(query["error"], "invalid_client_id");
    assert_eq!(query["error_description"], "client identifier invalid");

    let (_, query, _) = authorize(&org, &web_params("practice-uninstalled", &ch)).await;
    let query = query.unwrap();
    assert_eq!(query["error"], "invalid_client");
    assert_eq!(query["error_description"], "app must be installed into org");

    // Not a registered callback (another port): Salesforce's own error page, nothing sent to
    // the callback.
    let other_port: Vec<_> = web_params("practice-web-strict", &ch)
        .into_iter()
        .map(|(k, v)| match k {
            "redirect_uri" => (k, "http://localhost:1718/OauthRedirect"),
            _ => (k, v),
        })
        .collect();
    let (status, query, body) = authorize(&org, &other_port).await;
    assert_eq!(status, 400);
    assert!(query.is_none());
    assert!(body.contains("redirect_uri_mismatch"), "{body}");
}

#[tokio::test]
async fn consent_page_allow_and_deny() {
    let org = builtin().await;
    let ch = challenge(VERIFIER);
    let (status, query, page) = authorize(&org, &web_params("practice-web-consent", &ch)).await;
    assert_eq!(status, 200);
    assert!(query.is_none());
    assert!(
        page.contains("Allow") && page.contains("Deny") && page.contains("method=\"post\""),
        "{page}"
    );

    let mut form: Vec<(&str, &str)> = web_params("practice-web-consent", &ch);
    form.push(("decision", "deny"));
    let resp = client()
        .post(format!("{}/services/oauth2/authorize", org.url()))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(location.contains("error=access_denied"), "{location}");
    assert!(location.contains("state=st4te"), "{location}");

    form.pop();
    form.push(("decision", "allow"));
    let resp = client()
        .post(format!("{}/services/oauth2/authorize", org.url()))
        .form(&form)
        .send()
        .await
        .unwrap();
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    let code: String = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    // This app requires its secret.
    let got = exchange(&org, "practice-web-consent", &code, Some(VERIFIER)).await;
    assert_oauth_error(&got, "invalid_client", "invalid client credentials");
}

#[tokio::test]
async fn login_hint_picks_the_user() {
    let org = builtin().await;
    let ch = challenge(VERIFIER);
    let mut params = web_params("practice-web", &ch);
    params.push(("login_hint", "analyst@practice.example"));
    let (_, query, _) = authorize(&org, &params).await;
    let (_, body) = exchange(
        &org,
        "practice-web",
        &query.unwrap()["code"],
        Some(VERIFIER),
    )
    .await;
    assert!(
        body["id"]
            .as_str()
            .unwrap()
            .ends_with("/005PR4CT1CEANLYSAA"),
        "{body}"
    );
}

#[tokio::test]
async fn refresh_without_rotation_keeps_the_refresh_token() {
    let org = builtin().await;
    let login = web_login(&org, "practice-web").await;
    let rt = login["refresh_token"].as_str().unwrap();
    let (status, body) = refresh(&org, "practice-web", None, rt).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert_ne!(body["access_token"], login["access_token"]);
    assert_eq!(refresh(&org, "practice-web", None, rt).await.0, 200);
    assert_eq!(org.grant_count("refresh_token"), 2);
}

#[tokio::test]
async fn rotation_returns_a_new_refresh_token_and_revokes_the_old_one() {
    let mut scenario = Scenario::builtin();
    scenario.apps.iter_mut().for_each(|a| a.auto_approve = true);
    let org = start(scenario).await;
    let secret = Some("practice-web-consent-secret");
    let code = code_for(&org, "practice-web-consent").await;
    let (status, body) = token(
        &org.url(),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "practice-web-consent"),
            ("client_secret", "practice-web-consent-secret"),
            ("code", code.as_str()),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let old = body["refresh_token"].as_str().unwrap().to_string();

    let (status, body) = refresh(&org, "practice-web-consent", secret, &old).await;
    assert_eq!(status, 200, "{body}");
    let new = body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    let got = refresh(&org, "practice-web-consent", secret, &old).await;
    assert_oauth_error(&got, "invalid_grant", "expired access/refresh token");
    assert_eq!(
        refresh(&org, "practice-web-consent", secret, &new).await.0,
        200
    );
    let got = refresh(&org, "practice-web-consent", None, &new).await;
    assert_oauth_error(&got, "invalid_client", "invalid client credentials");
}

#[tokio::test]
async fn refresh_policy_expire_immediately_and_unknown_tokens() {
    let org = builtin().await;
    let login = web_login(&org, "practice-web-expiring").await;
    let got = refresh(
        &org,
        "practice-web-expiring",
        None,
        login["refresh_token"].as_str().unwrap(),
    )
    .await;
    assert_oauth_error(&got, "invalid_grant", "expired access/refresh token");
    let got = refresh(&org, "practice-web", None, "5Aep861nonsense").await;
    assert_oauth_error(&got, "invalid_grant", "expired access/refresh token");
}

#[tokio::test]
async fn sixth_approval_revokes_the_oldest_refresh_token() {
    let org = builtin().await;
    let mut tokens = Vec::new();
    for _ in 0..6 {
        let login = web_login(&org, "practice-web").await;
        tokens.push(login["refresh_token"].as_str().unwrap().to_string());
    }
    let got = refresh(&org, "practice-web", None, &tokens[0]).await;
    assert_oauth_error(&got, "invalid_grant", "expired access/refresh token");
    for rt in &tokens[1..] {
        assert_eq!(refresh(&org, "practice-web", None, rt).await.0, 200);
    }
}

#[tokio::test]
async fn token_exchange_needs_the_same_redirect_uri() {
    let org = builtin().await;
    let code = code_for(&org, "practice-web").await;
    let got = token(
        &org.url(),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "practice-web"),
            ("code", code.as_str()),
            ("redirect_uri", "http://127.0.0.1:1/OauthRedirect"),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_oauth_error(
        &got,
        "redirect_uri_mismatch",
        "redirect_uri must match configuration",
    );
}

#[tokio::test]
async fn authorize_refuses_users_not_admin_approved_and_unapproved_immediate_requests() {
    let mut scenario = Scenario::builtin();
    let web = scenario
        .apps
        .iter_mut()
        .find(|a| a.client_id == "practice-web")
        .unwrap();
    web.permitted_users = crate::emulator::PermittedUsers::AdminApproved;
    web.pre_authorized = vec![ADMIN.into()];
    let org = start(scenario).await;
    let ch = challenge(VERIFIER);
    let mut params = web_params("practice-web", &ch);
    params.push(("login_hint", "analyst@practice.example"));
    let (_, query, _) = authorize(&org, &params).await;
    let query = query.unwrap();
    assert_eq!(query["error"], "invalid_app_access");
    assert_eq!(
        query["error_description"],
        "user is not admin approved to access this app"
    );

    let mut params = web_params("practice-web-consent", &ch);
    params.push(("immediate", "true"));
    let (_, query, _) = authorize(&org, &params).await;
    assert_eq!(query.unwrap()["error"], "immediate_unsuccessful");
}
