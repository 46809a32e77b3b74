//! Tests of the practice org: a real org on loopback, driven with reqwest.

mod clients;
mod demo_set;
mod device;
mod grants;
mod jwt_bearer;
mod metadata;
mod oidc;
mod rest_api;
mod scenario_file;
mod web;

use reqwest::redirect::Policy;
use serde_json::Value;

use super::{OrgOptions, PracticeOrg, Scenario};

pub const ADMIN: &str = "admin@practice.example";
pub const ADMIN_PASSWORD: &str = "Practice-Pass-1PRACTICETOKEN1";

pub async fn start(scenario: Scenario) -> PracticeOrg {
    PracticeOrg::start(scenario, OrgOptions::default())
        .await
        .unwrap()
}

pub async fn builtin() -> PracticeOrg {
    start(Scenario::builtin()).await
}

/// A client that does not follow redirects, so tests see the authorize endpoint's 302.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// POST a form to `{base}/services/oauth2/token`; returns the status and the JSON body.
pub async fn token(base: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let resp = client()
        .post(format!("{base}/services/oauth2/token"))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, body)
}

#[track_caller]
pub fn assert_oauth_error(got: &(u16, Value), error: &str, description: &str) {
    assert_eq!(got.0, 400, "status, body {}", got.1);
    assert_eq!(got.1["error"], error, "body {}", got.1);
    assert_eq!(got.1["error_description"], description, "body {}", got.1);
}

/// A password-flow session for `username` on `practice-password`.
pub async fn password_login(org: &PracticeOrg, username: &str, password: &str) -> (u16, Value) {
    token(
        &org.url(),
        &[
            ("grant_type", "password"),
            ("client_id", "practice-password"),
            ("client_secret", "practice-password-secret"),
            ("username", username),
            ("password", password),
        ],
    )
    .await
}

pub async fn admin_access_token(org: &PracticeOrg) -> String {
    let (status, body) = password_login(org, ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_string()
}

/// GET with a bearer token; returns status and body text.
pub async fn get_with_token(url: &str, token: Option<&str>) -> (u16, String) {
    let mut req = client().get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}
