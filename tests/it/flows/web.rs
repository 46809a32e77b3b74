use super::*;
use crate::support::engine::{Home, authorize_redirect, callback, consent_redirect, free_port};

#[tokio::test(flavor = "multi_thread")]
async fn web_login_then_test_then_transparent_refresh() {
    let org = practice_org().await;
    let home = Home::new();
    add_web(&home, &org, "web", "practice-web", free_port());

    // Before any login the connection needs one: exit 4.
    let out = home.run(&["test", "web", "--json"]);
    out.expect(4);
    assert_eq!(out.json()["error"]["code"], "needs_login", "{out}");

    let login = web_login(&home, "web").await;
    assert_eq!(login["ok"], true);
    assert_eq!(login["user"]["user_id"], ADMIN_ID);
    assert_eq!(org.grant_count("authorization_code"), 1);
    assert_test_passes(&home, "web", ADMIN_ID);
    assert_eq!(org.grant_count("refresh_token"), 0);

    org.expire_access_tokens();
    home.run(&["token", "web"]).expect(0);
    assert_eq!(
        org.grant_count("refresh_token"),
        1,
        "one refresh after expiry"
    );
    assert_test_passes(&home, "web", ADMIN_ID);
    assert_eq!(
        org.grant_count("refresh_token"),
        1,
        "the refreshed token is cached"
    );

    // Revoke forgets the tokens: the next test needs a login again.
    home.run(&["revoke", "web", "--yes"]).expect(0);
    home.run(&["test", "web", "--json"]).expect(4);
}

#[tokio::test(flavor = "multi_thread")]
async fn web_callback_with_a_wrong_state_is_rejected() {
    let org = practice_org().await;
    let home = Home::new();
    add_web(&home, &org, "web", "practice-web", free_port());
    let mut running = home.spawn(&["login", "web", "--no-browser", "--json"], &[]);
    let url = running.authorize_url();
    let mut back = authorize_redirect(&url).await;
    let pairs: Vec<(String, String)> = back
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "state" {
                (k, "forged".to_string())
            } else {
                (k, v)
            }
        })
        .collect();
    back.query_pairs_mut().clear().extend_pairs(pairs);
    assert_eq!(callback(&back).await, 400);
    let out = running.finish();
    out.expect(1);
    let report = out.json();
    assert_eq!(report["error"]["code"], "callback-state-mismatch", "{out}");
    assert_eq!(
        org.grant_count("authorization_code"),
        0,
        "the forged code must not be exchanged"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn web_login_without_callback_times_out_as_redirect_uri_mismatch() {
    let org = practice_org().await;
    let home = Home::new();
    add_web(&home, &org, "web", "practice-web", free_port());
    let out = home.run_env(
        &["login", "web", "--no-browser", "--json"],
        &[("SFCONN_CALLBACK_TIMEOUT_SECS", "1")],
    );
    out.expect(1);
    assert_eq!(out.json()["error"]["code"], "callback-timeout", "{out}");
    assert_eq!(
        out.json()["hints"][0]["id"],
        "redirect-uri-mismatch",
        "Salesforce shows redirect_uri_mismatch only in the browser: {out}"
    );
    assert!(out.stderr.contains("/services/oauth2/authorize"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn web_login_on_a_busy_port_says_so() {
    let org = practice_org().await;
    let home = Home::new();
    let holder = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    add_web(
        &home,
        &org,
        "web",
        "practice-web",
        holder.local_addr().unwrap().port(),
    );
    let out = home.run(&["login", "web", "--no-browser", "--json"]);
    out.expect(1);
    assert_eq!(out.json()["error"]["code"], "callback-port-busy", "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn authorize_errors_arrive_exactly() {
    let org = practice_org().await;
    let home = Home::new();
    add_web(&home, &org, "app", "practice-uninstalled", free_port());
    let mut running = home.spawn(&["login", "app", "--no-browser", "--json"], &[]);
    let url = running.authorize_url();
    let back = authorize_redirect(&url).await;
    assert!(back.query_pairs().any(|(k, _)| k == "error"), "{back}");
    callback(&back).await;
    let out = running.finish();
    out.expect(1);
    let error = &out.json()["error"];
    let expected: std::collections::HashMap<_, _> = back.query_pairs().into_owned().collect();
    assert_eq!(error["code"], expected["error"].as_str(), "{out}");
    assert_eq!(
        error["description"],
        expected["error_description"].as_str(),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_token_rotation_replaces_the_stored_token() {
    let org = practice_org().await;
    let home = Home::new();
    let port = free_port();
    org.allow_callback(
        "practice-web-consent",
        &sfconn::salesforce::redirect_uri(port),
    );
    home.add(
        "rot",
        "web",
        &org.url(),
        &[
            "--client-id",
            "practice-web-consent",
            "--callback-port",
            &port.to_string(),
        ],
        &[("SFCONN_CLIENT_SECRET", "practice-web-consent-secret")],
    );
    let mut running = home.spawn(&["login", "rot", "--no-browser", "--json"], &[]);
    let url = running.authorize_url();
    let back = consent_redirect(&url).await;
    assert_eq!(callback(&back).await, 200);
    running.finish().expect(0);
    let secrets_before = std::fs::read_to_string(home.path().join("secrets.toml")).unwrap();

    // Each refresh rotates: the second refresh only works with the token the first one stored.
    for round in 1..=2 {
        org.expire_access_tokens();
        home.run(&["token", "rot"]).expect(0);
        assert_eq!(org.grant_count("refresh_token"), round);
    }
    let secrets_after = std::fs::read_to_string(home.path().join("secrets.toml")).unwrap();
    assert_ne!(secrets_before, secrets_after);
    assert_test_passes(&home, "rot", ADMIN_ID);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sixth_approval_revokes_the_oldest_refresh_token() {
    let org = practice_org().await;
    let home = Home::new();
    for i in 1..=6 {
        let name = format!("w{i}");
        add_web(&home, &org, &name, "practice-web", free_port());
        web_login(&home, &name).await;
    }
    org.expire_access_tokens();
    assert_test_fails_with(
        &home,
        "w1",
        4,
        "userinfo",
        Some(400),
        "invalid_grant",
        "expired access/refresh token",
    );
    assert_test_passes(&home, "w2", ADMIN_ID);
    assert_test_passes(&home, "w6", ADMIN_ID);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_browser_the_url_is_printed_and_the_login_still_completes() {
    let org = practice_org().await;
    let home = Home::new();
    add_web(&home, &org, "web", "practice-web", free_port());
    // No launcher on PATH: the `open` call fails the way it does on a headless box.
    let mut running = home.spawn(&["login", "web", "--json"], &[("PATH", "/nonexistent")]);
    running.line(|l| l.contains("Could not open a browser"));
    let url = running.authorize_url();
    let back = authorize_redirect(&url).await;
    assert_eq!(callback(&back).await, 200);
    let out = running.finish();
    out.expect(0);
    assert_eq!(out.json()["user"]["user_id"], ADMIN_ID, "{out}");
}
