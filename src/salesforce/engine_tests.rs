//! The engine's public API against the practice org, in process (what the TUI relies on).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::emulator::{OrgOptions, PracticeOrg, Scenario};
use crate::profile::{Connection, Flow};
use crate::secrets::{SecretKind, SecretStore};

const TIMEOUT: Duration = Duration::from_secs(10);

async fn setup() -> (PracticeOrg, Engine, tempfile::TempDir) {
    let org = PracticeOrg::start(Scenario::builtin(), OrgOptions::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::new(SecretStore::file(dir.path().join("secrets.toml")));
    (org, engine, dir)
}

fn cc(org: &PracticeOrg, engine: &Engine) -> Connection {
    let mut conn = Connection::new("cc", Flow::ClientCredentials);
    conn.domain = Some(org.url());
    conn.client_id = Some("practice-cc".into());
    engine
        .secrets()
        .set("cc", SecretKind::ClientSecret, "practice-cc-secret")
        .unwrap();
    conn
}

#[tokio::test]
async fn test_reports_each_step_as_it_finishes() {
    let (org, engine, _dir) = setup().await;
    let conn = cc(&org, &engine);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let report = engine
        .test(
            &conn,
            TIMEOUT,
            TokenPolicy::UseCache,
            &move |s: &StepReport| sink.lock().unwrap().push(s.step),
        )
        .await;
    assert!(report.ok, "{report:?}");
    assert_eq!(*seen.lock().unwrap(), StepName::ALL.to_vec());
    assert_eq!(report.user.unwrap().user_id, "005PR4CT1CEINT1AAA");
    assert_eq!(report.instance_url.as_deref(), Some(org.url().as_str()));
    assert_eq!(report.token_source, Some(TokenSource::Granted));
}

#[tokio::test]
async fn a_cached_token_says_so_and_fresh_proves_the_credentials() {
    let (org, engine, _dir) = setup().await;
    let conn = cc(&org, &engine);
    let quiet = |_: &StepReport| {};
    let first = engine
        .test(&conn, TIMEOUT, TokenPolicy::UseCache, &quiet)
        .await;
    assert_eq!(first.token_source, Some(TokenSource::Granted));
    let cached = engine
        .test(&conn, TIMEOUT, TokenPolicy::UseCache, &quiet)
        .await;
    assert!(cached.ok);
    assert_eq!(cached.token_source, Some(TokenSource::Cached));
    assert_eq!(org.grant_count("client_credentials"), 1);

    // The secret was rotated in Salesforce's place: the cache still passes, fresh does not.
    engine
        .secrets()
        .set("cc", SecretKind::ClientSecret, "rotated-elsewhere")
        .unwrap();
    let stale = engine
        .test(&conn, TIMEOUT, TokenPolicy::UseCache, &quiet)
        .await;
    assert!(stale.ok, "the cached token is still valid: {stale:?}");
    let fresh = engine
        .test(&conn, TIMEOUT, TokenPolicy::Fresh, &quiet)
        .await;
    assert!(!fresh.ok);
    assert_eq!(fresh.token_source, None);
    assert_eq!(
        fresh.error.as_ref().and_then(|e| e.code.as_deref()),
        Some("invalid_client")
    );
    assert_eq!(
        fresh.hints.first().map(|h| h.id.as_str()),
        Some("client-secret-invalid")
    );
}

#[tokio::test]
async fn access_token_reuses_then_renews_once() {
    let (org, engine, _dir) = setup().await;
    let conn = cc(&org, &engine);
    let (first, source) = engine.access_token(&conn, TIMEOUT).await.unwrap();
    assert_eq!(source, TokenSource::Granted);
    let (again, source) = engine.access_token(&conn, TIMEOUT).await.unwrap();
    assert_eq!(source, TokenSource::Cached);
    assert_eq!(first, again);
    assert_eq!(org.grant_count("client_credentials"), 1);
    org.expire_access_tokens();
    let (renewed, source) = engine.access_token(&conn, TIMEOUT).await.unwrap();
    assert_eq!(source, TokenSource::Granted);
    assert_ne!(renewed.access_token, first.access_token);
    assert_eq!(org.grant_count("client_credentials"), 2);

    let revoked = engine.revoke(&conn, TIMEOUT).await.unwrap();
    assert_eq!(revoked.access_token, RevokeOutcome::Revoked);
    assert_eq!(revoked.refresh_token, RevokeOutcome::NotStored);
    assert_eq!(
        engine.secrets().get("cc", SecretKind::AccessToken).unwrap(),
        None
    );
}

#[tokio::test]
async fn web_login_reports_the_url_and_stores_a_refresh_token() {
    let (org, engine, _dir) = setup().await;
    let mut conn = Connection::new("web", Flow::Web);
    conn.domain = Some(org.url());
    conn.client_id = Some("practice-web".into());
    conn.callback_port = Some(
        std::net::TcpListener::bind(("127.0.0.1", 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port(),
    );
    org.allow_callback("practice-web", &redirect_uri(conn.callback_port()));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let opts = LoginOptions {
        no_browser: true,
        ..LoginOptions::default()
    };
    let login = {
        let (engine, conn) = (engine.clone(), conn.clone());
        tokio::spawn(async move {
            engine
                .login(&conn, &opts, &move |e: LoginEvent| {
                    let _ = tx.send(e);
                })
                .await
        })
    };
    let url = loop {
        match rx.recv().await.unwrap() {
            LoginEvent::OpenThisUrl { url } => break url,
            _ => continue,
        }
    };
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let redirect = browser.get(&url).send().await.unwrap();
    let location = redirect.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(browser.get(&location).send().await.unwrap().status(), 200);
    let report = login.await.unwrap();
    assert!(report.ok, "{report:?}");
    assert!(
        engine
            .secrets()
            .get("web", SecretKind::RefreshToken)
            .unwrap()
            .is_some()
    );
    assert_eq!(org.grant_count("authorization_code"), 1);
}

fn jwt(org: &PracticeOrg, dir: &tempfile::TempDir) -> Connection {
    let key = dir.path().join("jwt.key");
    std::fs::write(&key, crate::emulator::PRACTICE_JWT_KEY_PEM).unwrap();
    let mut conn = Connection::new("j", Flow::Jwt);
    conn.domain = Some(org.url());
    conn.client_id = Some("practice-jwt".into());
    conn.username = Some("admin@practice.example".into());
    conn.key_file = Some(key);
    conn
}

/// The assertion is signed while reach waits; one that waited longer than a minute (a slow
/// login host, a long `timeout_secs`) is signed again rather than sent.
#[tokio::test]
async fn a_prepared_assertion_is_sent_fresh_or_signed_again() {
    let (org, engine, dir) = setup().await;
    let conn = jwt(&org, &dir);
    let start = engine.start_token(&conn, TokenPolicy::Fresh).await;
    assert!(matches!(start, TokenStart::Assertion { .. }));
    let (_, source) = engine.finish_token(&conn, TIMEOUT, start).await.unwrap();
    assert_eq!(source, TokenSource::Granted);

    let stale = TokenStart::Assertion {
        assertion: "not.a.jwt".into(),
        signed: std::time::Instant::now() - ASSERTION_FRESH,
    };
    let (_, source) = engine.finish_token(&conn, TIMEOUT, stale).await.unwrap();
    assert_eq!(source, TokenSource::Granted);
    assert_eq!(org.request_count("/services/oauth2/token"), 2);
}

/// `test --all`'s batch: every connection tested once, failing ones among them, the reports in
/// the order given whatever order the tests end in (the unreachable one, third, ends first),
/// nothing sent to the token endpoint for a host that failed reach, and a cached token used
/// where there is one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_tests_each_connection_once_and_reports_in_order() {
    let (org, engine, dir) = setup().await;
    let mut conns = Vec::new();
    for i in 0..7 {
        let mut conn = jwt(&org, &dir);
        conn.name = format!("jwt-{i}");
        conns.push((conn, TIMEOUT));
    }
    let mut wrong = cc(&org, &engine);
    wrong.name = "cc-wrong-secret".into();
    engine
        .secrets()
        .set(&wrong.name, SecretKind::ClientSecret, "not-the-secret")
        .unwrap();
    conns.insert(4, (wrong, TIMEOUT));
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut unreachable = jwt(&org, &dir);
    unreachable.name = "jwt-nobody-listens".into();
    unreachable.domain = Some(format!("http://{}", closed.local_addr().unwrap()));
    drop(closed);
    conns.insert(2, (unreachable, TIMEOUT));
    let names: Vec<String> = conns.iter().map(|(c, _)| c.name.clone()).collect();
    let batch = |concurrency| {
        let (engine, conns) = (engine.clone(), conns.clone());
        async move {
            tokio::time::timeout(
                Duration::from_secs(60),
                engine.test_all(conns, TokenPolicy::UseCache, concurrency),
            )
            .await
            .expect("the batch ends")
            .unwrap()
        }
    };

    let reports = batch(3).await;
    let order: Vec<&str> = reports.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(order, names);
    for report in &reports {
        match report.name.as_str() {
            "cc-wrong-secret" => {
                let error = report.error.as_ref().expect("the wrong secret fails");
                assert_eq!(error.step, StepName::Token);
                assert!(report.hints.iter().any(|h| h.id == "client-secret-invalid"));
            }
            "jwt-nobody-listens" => {
                let error = report.error.as_ref().expect("nobody listens");
                assert_eq!(error.step, StepName::Reach);
            }
            _ => {
                assert!(report.ok, "{report:?}");
                assert_eq!(report.token_source, Some(TokenSource::Granted));
            }
        }
    }
    assert_eq!(org.request_count("/services/oauth2/token"), 8);

    // Again, at a concurrency above the count: the seven come from the cache.
    let again = batch(64).await;
    let order: Vec<&str> = again.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(order, names);
    let cached = again
        .iter()
        .filter(|r| r.ok && r.token_source == Some(TokenSource::Cached))
        .count();
    assert_eq!(cached, 7);
    assert_eq!(org.request_count("/services/oauth2/token"), 9);
}
