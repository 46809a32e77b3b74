//! Integration tests: every flow as a real `sfconn` process against the practice org.
//! `basic`: one test per flow, caching, `token`/`env`, `test --all`; `web`: the browser flow,
//! its callback server and refresh tokens; `errors`: Salesforce's errors exactly as received.

mod basic;
mod errors;
mod lifecycle;
mod web;

use serde_json::Value;
use sfconn::emulator::{OrgOptions, PracticeOrg, Scenario};

use crate::support::engine::{Home, authorize_redirect, callback, practice_jwt_key};

pub const ORG_ID: &str = "00DPR4CT1CE0RG0EAA";
pub const ADMIN_ID: &str = "005PR4CT1CEADM1AAA";
pub const INTEGRATION_ID: &str = "005PR4CT1CEINT1AAA";

pub async fn practice_org() -> PracticeOrg {
    PracticeOrg::start(Scenario::builtin(), OrgOptions::default())
        .await
        .unwrap()
}

pub fn key_path() -> String {
    practice_jwt_key().display().to_string()
}

pub fn add_jwt(home: &Home, org: &PracticeOrg, name: &str, username: &str, extra: &[&str]) {
    let key = key_path();
    let mut args = vec![
        "--client-id",
        "practice-jwt",
        "--username",
        username,
        "--key-file",
        &key,
    ];
    args.extend_from_slice(extra);
    home.add(name, "jwt", &org.url(), &args, &[]);
}

pub fn add_cc(home: &Home, domain: &str, name: &str, client_id: &str, secret: &str) {
    home.add(
        name,
        "client-credentials",
        domain,
        &["--client-id", client_id],
        &[("SFCONN_CLIENT_SECRET", secret)],
    );
}

pub fn add_password(
    home: &Home,
    org: &PracticeOrg,
    name: &str,
    client: (&str, &str),
    user: (&str, &str, &str),
) {
    home.add(
        name,
        "password",
        &org.url(),
        &["--client-id", client.0, "--username", user.0],
        &[
            ("SFCONN_CLIENT_SECRET", client.1),
            ("SFCONN_PASSWORD", user.1),
            ("SFCONN_SECURITY_TOKEN", user.2),
        ],
    );
}

/// A web connection on `port`, whose exact callback URL is added to the app (as an admin does).
pub fn add_web(home: &Home, org: &PracticeOrg, name: &str, client_id: &str, port: u16) {
    org.allow_callback(client_id, &sfconn::salesforce::redirect_uri(port));
    let port = port.to_string();
    home.add(
        name,
        "web",
        &org.url(),
        &["--client-id", client_id, "--callback-port", &port],
        &[],
    );
}

/// `test --json NAME` passed as `user_id` in the practice org.
#[track_caller]
pub fn assert_test_passes(home: &Home, name: &str, user_id: &str) -> Value {
    let out = home.run(&["test", name, "--json"]);
    out.expect(0);
    let report = out.json();
    assert_eq!(report["ok"], true, "{out}");
    assert_eq!(report["user"]["user_id"], user_id, "{out}");
    assert_eq!(report["user"]["organization_id"], ORG_ID, "{out}");
    let steps: Vec<&str> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["reach", "token", "userinfo", "api"], "{out}");
    assert!(report["error"].is_null(), "{out}");
    report
}

/// `test --json NAME` failed at `step` with Salesforce's exact words, exit 1.
#[track_caller]
pub fn assert_test_fails(
    home: &Home,
    name: &str,
    step: &str,
    status: Option<u16>,
    code: &str,
    description: &str,
) -> Value {
    assert_test_fails_with(home, name, 1, step, status, code, description)
}

/// Like [`assert_test_fails`], with the exit code (4: only a new login helps).
pub fn assert_test_fails_with(
    home: &Home,
    name: &str,
    exit: i32,
    step: &str,
    status: Option<u16>,
    code: &str,
    description: &str,
) -> Value {
    let out = home.run(&["test", name, "--json"]);
    out.expect(exit);
    let report = out.json();
    assert_eq!(report["ok"], false, "{out}");
    let error = &report["error"];
    assert_eq!(error["step"], step, "{out}");
    assert_eq!(error["code"], code, "{out}");
    assert_eq!(error["description"], description, "{out}");
    if let Some(status) = status {
        assert_eq!(error["http_status"], status, "{out}");
    }
    report
}

/// Run a web login with --no-browser, playing the browser against an auto-approving app.
pub async fn web_login(home: &Home, name: &str) -> Value {
    let mut running = home.spawn(&["login", name, "--no-browser", "--json"], &[]);
    let url = running.authorize_url();
    let back = authorize_redirect(&url).await;
    assert_eq!(callback(&back).await, 200);
    let out = running.finish();
    out.expect(0);
    out.json()
}
