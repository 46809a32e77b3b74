use super::*;
use axum::Router;
use axum::http::header;
use axum::routing::get;

fn ctx() -> PreflightContext {
    PreflightContext {
        secrets: Err(SecretError::KeychainUnavailable {
            reason: "no Secret Service in this test".into(),
        }),
        timeout: Duration::from_secs(5),
        base_dir: std::env::temp_dir(),
    }
}

/// A loopback server answering `/services/data/` with `body`, a content type and a Date header
/// shifted by `skew_secs`.
async fn serve(body: &'static str, content_type: &'static str, skew_secs: i64) -> String {
    let app = Router::new().route(
        "/services/data/",
        get(move || async move {
            let now = std::time::SystemTime::now();
            let date = if skew_secs >= 0 {
                now + Duration::from_secs(skew_secs as u64)
            } else {
                now - Duration::from_secs(skew_secs.unsigned_abs())
            };
            (
                [
                    (header::CONTENT_TYPE, content_type.to_string()),
                    (header::DATE, httpdate::fmt_http_date(date)),
                ],
                body,
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://127.0.0.1:{}", addr.port())
}

const VERSIONS: &str = r#"[{"label":"Spring '26","url":"/services/data/v66.0","version":"66.0"}]"#;

fn conn(flow: Flow, domain: &str) -> Connection {
    let mut c = Connection::new("t", flow);
    c.domain = Some(domain.into());
    c.client_id = Some("id".into());
    c.username = Some("u@example.com".into());
    c
}

fn find<'a>(checks: &'a [CheckResult], name: &str) -> &'a CheckResult {
    checks
        .iter()
        .find(|c| c.check == name)
        .unwrap_or_else(|| panic!("no `{name}` check in {checks:#?}"))
}

fn first_hint(check: &CheckResult) -> &str {
    check.hints.first().map(|h| h.id.as_str()).unwrap_or("")
}

#[tokio::test]
async fn a_salesforce_like_loopback_host_passes_and_says_tls_is_skipped() {
    let url = serve(VERSIONS, "application/json", 0).await;
    let checks = preflight(&conn(Flow::Device, &url), &ctx()).await;
    assert_eq!(find(&checks, "login-dns").status, CheckStatus::Pass);
    assert_eq!(find(&checks, "login-tcp").status, CheckStatus::Pass);
    let tls = find(&checks, "login-tls");
    assert_eq!(tls.status, CheckStatus::Pass);
    assert!(tls.detail.contains("skipped"), "{}", tls.detail);
    let sf = find(&checks, "login-salesforce");
    assert_eq!(sf.status, CheckStatus::Pass);
    assert!(sf.detail.contains("v66.0"), "{}", sf.detail);
    assert_eq!(find(&checks, "clock").status, CheckStatus::Pass);
    // The keychain is unreachable in this context, and says what to do.
    let keychain = find(&checks, "keychain");
    assert_eq!(keychain.status, CheckStatus::Fail);
    assert_eq!(first_hint(keychain), "keychain-unavailable");
}

#[tokio::test]
async fn an_html_answer_is_not_salesforce() {
    let url = serve("<html><body>Welcome</body></html>", "text/html", 0).await;
    let checks = preflight(&conn(Flow::ClientCredentials, &url), &ctx()).await;
    let sf = find(&checks, "login-salesforce");
    assert_eq!(sf.status, CheckStatus::Fail);
    assert!(sf.detail.contains("text/html"), "{}", sf.detail);
    assert_eq!(first_hint(sf), "not-salesforce");
}

#[tokio::test]
async fn a_skewed_server_clock_fails_jwt_and_warns_other_flows() {
    let url = serve(VERSIONS, "application/json", 300).await;
    let jwt = preflight(&conn(Flow::Jwt, &url), &ctx()).await;
    let clock = find(&jwt, "clock");
    assert_eq!(clock.status, CheckStatus::Fail);
    assert!(clock.detail.contains("behind"), "{}", clock.detail);
    assert_eq!(first_hint(clock), "clock-skew");

    let cc = preflight(&conn(Flow::ClientCredentials, &url), &ctx()).await;
    assert_eq!(find(&cc, "clock").status, CheckStatus::Warn);
}

#[tokio::test]
async fn a_refused_port_is_host_unreachable_and_stops_the_host_checks() {
    let checks = preflight(&conn(Flow::Password, "http://127.0.0.1:1"), &ctx()).await;
    let flow = find(&checks, "flow");
    assert_eq!(flow.status, CheckStatus::Warn);
    assert_eq!(first_hint(flow), "password-flow-blocked");
    let tcp = find(&checks, "login-tcp");
    assert_eq!(tcp.status, CheckStatus::Fail);
    assert_eq!(first_hint(tcp), "host-unreachable");
    assert!(checks.iter().all(|c| c.check != "login-salesforce"));
}

#[tokio::test]
async fn an_unknown_host_fails_dns() {
    let checks = preflight(&conn(Flow::Jwt, "https://nonexistent.invalid"), &ctx()).await;
    let dns = find(&checks, "login-dns");
    assert_eq!(dns.status, CheckStatus::Fail);
    assert!(dns.detail.contains("nonexistent.invalid"), "{}", dns.detail);
    assert_eq!(first_hint(dns), "host-unreachable");
}

#[tokio::test]
async fn a_busy_callback_port_is_reported_for_the_web_flow() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut c = conn(Flow::Web, "http://127.0.0.1:1");
    c.callback_port = Some(busy.local_addr().unwrap().port());
    let checks = preflight(&c, &ctx()).await;
    let port = find(&checks, "callback-port");
    assert_eq!(port.status, CheckStatus::Fail);
    assert_eq!(first_hint(port), "callback-port-busy");
    drop(busy);
    let checks = preflight(&c, &ctx()).await;
    assert_eq!(find(&checks, "callback-port").status, CheckStatus::Pass);
}

#[tokio::test]
async fn jwt_keys_are_checked_against_the_certificate() {
    use rcgen::{CertificateParams, KeyPair, PKCS_RSA_SHA256, RsaKeySize};
    let dir = tempfile::tempdir().unwrap();
    let make = |name: &str| {
        let key = KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_2048).unwrap();
        let cert = CertificateParams::new(vec!["t".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        std::fs::write(dir.path().join(format!("{name}.key")), key.serialize_pem()).unwrap();
        std::fs::write(dir.path().join(format!("{name}.crt")), cert.pem()).unwrap();
    };
    make("a");
    make("b");
    let mut c = conn(Flow::Jwt, "http://127.0.0.1:1");
    c.key_file = Some("a.key".into());
    c.cert_file = Some("b.crt".into());
    let mut context = ctx();
    context.base_dir = dir.path().to_path_buf();
    let checks = preflight(&c, &context).await;
    assert_eq!(find(&checks, "private-key").status, CheckStatus::Pass);
    let kc = find(&checks, "key-cert");
    assert_eq!(kc.status, CheckStatus::Fail);
    assert_eq!(first_hint(kc), "key-cert-mismatch");

    c.cert_file = Some(dir.path().join("a.crt"));
    let checks = preflight(&c, &context).await;
    assert_eq!(find(&checks, "key-cert").status, CheckStatus::Pass);

    c.key_file = Some("a.crt".into());
    let checks = preflight(&c, &context).await;
    assert_eq!(find(&checks, "private-key").status, CheckStatus::Fail);
}

#[test]
fn each_flow_names_what_it_is_missing() {
    let bare = Connection::new("t", Flow::ClientCredentials);
    let check = profile_check(&bare, &[], true);
    assert_eq!(check.status, CheckStatus::Fail);
    for needed in [
        "client_id",
        "domain",
        "client_secret: not stored",
        "SFCONN_CLIENT_SECRET",
    ] {
        assert!(check.detail.contains(needed), "{}", check.detail);
    }
    let ids: Vec<&str> = check.hints.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["missing-setting", "missing-secret"]);
    let mut web = Connection::new("t", Flow::Web);
    web.client_id = Some("id".into());
    assert_eq!(profile_check(&web, &[], true).status, CheckStatus::Pass);
    web.callback_port = Some(80);
    let check = profile_check(&web, &[], true);
    assert!(check.detail.contains("callback_port"), "{}", check.detail);
}

#[tokio::test]
async fn https_to_a_plain_http_port_is_a_tls_failure() {
    let url = serve(VERSIONS, "application/json", 0).await;
    let https = url.replace("http://", "https://");
    let checks = preflight(&conn(Flow::Jwt, &https), &ctx()).await;
    let tls = find(&checks, "login-tls");
    assert_eq!(tls.status, CheckStatus::Fail, "{}", tls.detail);
    assert_eq!(first_hint(tls), "tls-failure");
}

#[tokio::test]
async fn a_host_that_never_answers_times_out() {
    // The kernel accepts the connection into the backlog; nobody ever reads or writes.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", silent.local_addr().unwrap().port());
    let mut context = ctx();
    context.timeout = Duration::from_secs(1);
    let checks = preflight(&conn(Flow::Password, &url), &context).await;
    assert_eq!(find(&checks, "login-tcp").status, CheckStatus::Pass);
    let http = find(&checks, "login-http");
    assert_eq!(http.status, CheckStatus::Fail);
    assert_eq!(first_hint(http), "timeout");
    drop(silent);
}
