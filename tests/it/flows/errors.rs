use super::*;
use crate::support::engine::{Home, free_port};

#[tokio::test(flavor = "multi_thread")]
async fn salesforce_errors_come_out_exactly() {
    let org = practice_org().await;
    let home = Home::new();
    let url = org.url();

    add_password(
        &home,
        &org,
        "badpw",
        ("practice-password", "practice-password-secret"),
        ("admin@practice.example", "wrong", ""),
    );
    let report = assert_test_fails(
        &home,
        "badpw",
        "token",
        Some(400),
        "invalid_grant",
        "authentication failure",
    );
    // The catalog's hint for it comes with the result, most likely cause first.
    assert_eq!(report["hints"][0]["id"], "password-auth-failed", "{report}");

    add_cc(&home, &url, "badid", "no-such-app", "x");
    assert_test_fails(
        &home,
        "badid",
        "token",
        Some(400),
        "invalid_client_id",
        "client identifier invalid",
    );

    add_cc(&home, &url, "badsecret", "practice-cc", "wrong-secret");
    assert_test_fails(
        &home,
        "badsecret",
        "token",
        Some(400),
        "invalid_client",
        "invalid client credentials",
    );

    add_jwt(&home, &org, "notapproved", "analyst@practice.example", &[]);
    assert_test_fails(
        &home,
        "notapproved",
        "token",
        Some(400),
        "invalid_grant",
        "user hasn't approved this consumer",
    );

    add_password(
        &home,
        &org,
        "notadmin",
        (
            "practice-password-restricted",
            "practice-password-restricted-secret",
        ),
        (
            "analyst@practice.example",
            "Analyst-Pass-1",
            "ANALYSTTOKEN1",
        ),
    );
    assert_test_fails(
        &home,
        "notadmin",
        "token",
        Some(400),
        "invalid_app_access",
        "user is not admin approved to access this app",
    );

    add_jwt(
        &home,
        &org,
        "badaud",
        "admin@practice.example",
        &["--audience", "https://test.salesforce.com"],
    );
    assert_test_fails(
        &home,
        "badaud",
        "token",
        Some(400),
        "invalid_grant",
        "audience is invalid",
    );

    home.run(&["keygen", "otherkey"]).expect(0);
    let other = home.path().join("keys/otherkey.key").display().to_string();
    home.add(
        "badsig",
        "jwt",
        &url,
        &[
            "--client-id",
            "practice-jwt",
            "--username",
            "admin@practice.example",
            "--key-file",
            &other,
        ],
        &[],
    );
    assert_test_fails(
        &home,
        "badsig",
        "token",
        Some(400),
        "invalid_grant",
        "invalid assertion",
    );

    add_password(
        &home,
        &org,
        "remote",
        ("practice-password", "practice-password-secret"),
        ("remote@practice.example", "Remote-Pass-1", "REMOTETOKEN1"),
    );
    assert_test_fails(
        &home,
        "remote",
        "token",
        Some(400),
        "invalid_grant",
        "ip restricted",
    );

    add_password(
        &home,
        &org,
        "former",
        ("practice-password", "practice-password-secret"),
        ("former@practice.example", "Former-Pass-1", "FORMERTOKEN1"),
    );
    assert_test_fails(
        &home,
        "former",
        "token",
        Some(400),
        "invalid_grant",
        "inactive user",
    );

    add_password(
        &home,
        &org,
        "webonly",
        ("practice-web-only", "practice-web-only-secret"),
        (
            "admin@practice.example",
            "Practice-Pass-1",
            "PRACTICETOKEN1",
        ),
    );
    assert_test_fails(
        &home,
        "webonly",
        "token",
        Some(400),
        "unsupported_grant_type",
        "grant type not supported",
    );

    add_cc(
        &home,
        &org.login_url(),
        "loginhost",
        "practice-cc",
        "practice-cc-secret",
    );
    assert_test_fails(
        &home,
        "loginhost",
        "token",
        Some(400),
        "invalid_grant",
        "request not supported on this domain",
    );

    add_cc(
        &home,
        &url,
        "norunas",
        "practice-cc-norunas",
        "practice-cc-norunas-secret",
    );
    assert_test_fails(
        &home,
        "norunas",
        "token",
        Some(400),
        "invalid_grant",
        "no client credentials user enabled",
    );

    add_jwt(&home, &org, "noapi", "noapi@practice.example", &[]);
    // A login ends like a test: the signed-in user without API access is not shown as ready.
    let out = home.run(&["login", "noapi", "--json"]);
    out.expect(1);
    assert_eq!(out.json()["error"]["step"], "api", "{out}");
    assert_eq!(out.json()["error"]["code"], "API_DISABLED_FOR_ORG", "{out}");
    let list = home.run(&["list", "--json"]);
    let row = list
        .json()
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["name"] == "noapi").cloned())
        .unwrap_or_default();
    assert_eq!(row["last_test"]["ok"], false, "{list}");

    let out = home.run(&["test", "noapi", "--json"]);
    out.expect(1);
    let error = &out.json()["error"];
    assert_eq!(error["step"], "api", "{out}");
    assert_eq!(error["http_status"], 403, "{out}");
    assert_eq!(error["code"], "API_DISABLED_FOR_ORG", "{out}");
    web_refresh_expired(&home, &org).await;
}

/// An app whose refresh tokens expire at once: the refresh after an expired access token fails
/// with Salesforce's words, and exit 4 says only a new login helps.
async fn web_refresh_expired(home: &Home, org: &PracticeOrg) {
    add_web(home, org, "expiring", "practice-web-expiring", free_port());
    web_login(home, "expiring").await;
    org.expire_access_tokens();
    assert_test_fails_with(
        home,
        "expiring",
        4,
        "userinfo",
        Some(400),
        "invalid_grant",
        "expired access/refresh token",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn api_limit_exceeded_is_reported_at_the_api_step() {
    let scenario = Scenario::from_toml_str(
        r#"
[org]
id = "00DPR4CT1CE0RG0EAA"
name = "Limits"
type = "production"
daily_api_remaining = 0

[[users]]
id = "005PR4CT1CEINT1AAA"
username = "integration@practice.example"
password = "x"
email = "integration@practice.example"
name = "Integration User"

[[apps]]
name = "CC"
client_id = "cc"
client_secret = "cc-secret"
secret_required = true
flows = ["client-credentials"]
run_as = "integration@practice.example"
"#,
    )
    .unwrap();
    let org = PracticeOrg::start(scenario, OrgOptions::default())
        .await
        .unwrap();
    let home = Home::new();
    add_cc(&home, &org.url(), "cc", "cc", "cc-secret");
    let out = home.run(&["test", "cc", "--json"]);
    out.expect(1);
    let error = &out.json()["error"];
    assert_eq!(error["step"], "api", "{out}");
    assert_eq!(error["code"], "REQUEST_LIMIT_EXCEEDED", "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn hosts_that_are_not_salesforce_fail_at_reach() {
    let home = Home::new();
    // Nothing listens on the port: refused.
    let closed = format!("http://127.0.0.1:{}", free_port());
    add_cc(&home, &closed, "refused", "x", "y");
    let out = home.run(&["test", "refused", "--json"]);
    out.expect(1);
    let report = out.json();
    assert_eq!(report["error"]["step"], "reach", "{out}");
    assert!(report["steps"].as_array().unwrap().len() == 1, "{out}");
    assert!(
        report["error"]["description"]
            .as_str()
            .unwrap()
            .contains("refused the connection"),
        "{out}"
    );

    // An HTML server: not Salesforce.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = axum::Router::new().fallback(|| async { axum::response::Html("<html>hello</html>") });
    tokio::spawn(async move { axum::serve(listener, app).await });
    add_cc(&home, &format!("http://127.0.0.1:{port}"), "html", "x", "y");
    let out = home.run(&["test", "html", "--json"]);
    out.expect(1);
    let error = &out.json()["error"];
    assert_eq!(error["step"], "reach", "{out}");
    assert!(
        error["description"].as_str().unwrap().contains("HTML"),
        "{out}"
    );

    // A huge answer is cut off, not read into memory.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let huge = format!("[{}{{}}]", "{\"version\":\"62.0\"},".repeat(100_000));
    let app = axum::Router::new().fallback(move || {
        let body = huge.clone();
        async move { ([("content-type", "application/json")], body) }
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    add_cc(&home, &format!("http://127.0.0.1:{port}"), "huge", "x", "y");
    let out = home.run(&["test", "huge", "--json"]);
    out.expect(1);
    let error = &out.json()["error"];
    assert_eq!(error["step"], "reach", "{out}");
    assert!(
        error["description"].as_str().unwrap().contains("KiB"),
        "{out}"
    );

    // A host that accepts the connection and never answers: the timeout, not a hang.
    let silent = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = silent.local_addr().unwrap().port();
    add_cc(
        &home,
        &format!("http://127.0.0.1:{port}"),
        "silent",
        "x",
        "y",
    );
    let out = home.run(&["--timeout", "1", "test", "silent", "--json"]);
    out.expect(1);
    let error = &out.json()["error"];
    assert_eq!(error["step"], "reach", "{out}");
    assert!(
        error["description"]
            .as_str()
            .unwrap()
            .contains("did not answer within 1 s"),
        "{out}"
    );
    drop(silent);
}
