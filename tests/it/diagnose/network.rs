//! Getting to the host: DNS, TCP, TLS, timeouts, non-Salesforce answers, the instance host.

use super::*;

#[test]
fn unreachable_hosts_are_named_in_test_and_doctor() {
    let sf = Sfconn::new();
    Conn::new("refused", "client-credentials", "http://127.0.0.1:1", "x")
        .secret("SFCONN_CLIENT_SECRET", "s")
        .add(&sf);
    let out = doctor_json(&sf, "refused");
    let out = out.code(1);
    let json = assert_first_hint(&out, "host-unreachable");
    assert_eq!(check(&json, "login-tcp")["status"], "fail", "{out}");

    Conn::new("nxdomain", "client-credentials", "nonexistent.invalid", "x")
        .secret("SFCONN_CLIENT_SECRET", "s")
        .add(&sf);
    let json = assert_first_hint(&doctor_json(&sf, "nxdomain"), "host-unreachable");
    assert_eq!(check(&json, "login-dns")["status"], "fail");
}

/// A loopback server that answers every request with `response` (raw HTTP), or never answers.
fn raw_server(response: Option<&'static str>) -> (u16, std::thread::JoinHandle<()>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let Some(response) = response else {
                // Hold the connection open without a word until the client gives up.
                let mut s = stream;
                let mut buf = [0u8; 1024];
                while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
                continue;
            };
            let mut s = stream;
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(response.as_bytes());
        }
    });
    (port, handle)
}

#[test]
fn an_html_host_is_not_salesforce() {
    let (port, _server) = raw_server(Some(
        "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 27\r\nconnection: close\r\n\r\n<html><p>Welcome</p></html>",
    ));
    let sf = Sfconn::new();
    Conn::new(
        "html",
        "client-credentials",
        &format!("http://127.0.0.1:{port}"),
        "x",
    )
    .secret("SFCONN_CLIENT_SECRET", "s")
    .add(&sf);
    let json = assert_first_hint(&doctor_json(&sf, "html"), "not-salesforce");
    assert_eq!(check(&json, "login-salesforce")["status"], "fail");
}

#[test]
fn a_silent_host_times_out() {
    let (port, _server) = raw_server(None);
    let sf = Sfconn::new();
    Conn::new(
        "silent",
        "client-credentials",
        &format!("http://127.0.0.1:{port}"),
        "x",
    )
    .secret("SFCONN_CLIENT_SECRET", "s")
    .add(&sf);
    let out = sf.run(["--timeout", "1", "doctor", "silent", "--json"]);
    let json = assert_first_hint(&out, "timeout");
    assert_eq!(check(&json, "login-tcp")["status"], "pass", "{out}");
}

#[test]
fn https_to_a_plain_http_server_is_a_tls_failure() {
    let org = TestOrg::start();
    let sf = Sfconn::new();
    let https = org.url().replace("http://", "https://");
    Conn::new("tls", "client-credentials", &https, "practice-cc")
        .secret("SFCONN_CLIENT_SECRET", "practice-cc-secret")
        .add(&sf);
    let json = assert_first_hint(&doctor_json(&sf, "tls"), "tls-failure");
    assert_eq!(check(&json, "login-tls")["status"], "fail");
}

#[test]
fn doctor_checks_the_instance_host_once_a_token_is_cached() {
    let org = TestOrg::start();
    let sf = Sfconn::new();
    // The login host stand-in hands out the org's own URL as the instance.
    Conn::new("pw", "password", &org.login_url(), "practice-password")
        .arg("--username", "admin@practice.example")
        .secret("SFCONN_CLIENT_SECRET", "practice-password-secret")
        .secret("SFCONN_PASSWORD", "Practice-Pass-1")
        .secret("SFCONN_SECURITY_TOKEN", "PRACTICETOKEN1")
        .add(&sf);
    let first = doctor_json(&sf, "pw").code(0);
    let json = first.json();
    assert!(
        json["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["check"] != "instance-dns"),
        "no instance is known before the first token{first}"
    );
    let out = doctor_json(&sf, "pw").code(0);
    let json = out.json();
    for name in ["instance-dns", "instance-tcp", "instance-tls"] {
        assert_eq!(check(&json, name)["status"], "pass", "{out}");
    }
    let port = org.url().rsplit(':').next().unwrap().to_string();
    assert!(
        check(&json, "instance-tcp")["detail"]
            .as_str()
            .unwrap()
            .contains(&port),
        "{out}"
    );
}
