//! The JWT flow: keys, certificates, audiences and the clock.

use super::*;

#[test]
fn a_key_that_salesforce_does_not_know_is_an_invalid_assertion() {
    let org = TestOrg::start();
    let sf = Sfconn::new();
    let (key, cert) = other_pair(sf.home(), "other");
    Conn::new("other-key", "jwt", &org.url(), "practice-jwt")
        .arg("--username", "admin@practice.example")
        .arg("--key-file", &key.display().to_string())
        .arg("--cert-file", &cert.display().to_string())
        .add(&sf);
    // The key matches its own certificate, so only Salesforce can tell: the test's answer leads.
    let out = doctor_json(&sf, "other-key");
    let json = assert_first_hint(&out, "jwt-assertion-invalid");
    assert_eq!(check(&json, "key-cert")["status"], "pass", "{out}");
    assert_eq!(
        json["test"]["error"]["description"], "invalid assertion",
        "{out}"
    );
}

#[test]
fn doctor_finds_a_key_that_does_not_match_the_certificate() {
    let org = TestOrg::start();
    let sf = Sfconn::new();
    // The practice app's key with another key's certificate.
    let (_, other_cert) = other_pair(sf.home(), "other");
    jwt_conn(&sf, &org, "k", "admin@practice.example").add(&sf);
    // `add`/`edit` refuse a mismatched pair, so the profile file is edited by hand, as people do.
    let text = std::fs::read_to_string(sf.profile_file()).unwrap();
    let text = text.replace(
        "client_id = \"practice-jwt\"",
        &format!(
            "client_id = \"practice-jwt\"\ncert_file = {:?}",
            other_cert.display().to_string()
        ),
    );
    sf.write_profiles(&text);
    let out = doctor_json(&sf, "k");
    let out = out.code(1);
    let json = assert_first_hint(&out, "key-cert-mismatch");
    assert_eq!(check(&json, "key-cert")["status"], "fail", "{out}");
    assert_eq!(check(&json, "private-key")["status"], "pass", "{out}");
}

#[test]
fn doctor_says_which_jwt_audience_salesforce_accepts() {
    let org = TestOrg::start();
    let sf = Sfconn::new();
    jwt_conn(&sf, &org, "aud", "admin@practice.example")
        .arg("--audience", "https://test.salesforce.com")
        .add(&sf);
    let out = doctor_json(&sf, "aud");
    let out = out.code(1);
    let json = assert_first_hint(&out, "jwt-audience-invalid");
    let verdict = check(&json, "jwt-audience");
    let detail = verdict["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("accepts audience https://login.salesforce.com"),
        "{out}"
    );
}

#[test]
fn doctor_reports_a_skewed_clock_for_jwt() {
    let org = TestOrg::start();
    org.set_clock_offset(600);
    let sf = Sfconn::new();
    jwt_conn(&sf, &org, "skew", "admin@practice.example")
        .arg("--cert-file", &practice_cert().display().to_string())
        .add(&sf);
    let out = doctor_json(&sf, "skew");
    let out = out.code(1);
    let json = assert_first_hint(&out, "clock-skew");
    let clock = check(&json, "clock");
    assert_eq!(clock["status"], "fail", "{out}");
    assert_eq!(check(&json, "key-cert")["status"], "pass", "{out}");
}

#[test]
fn doctor_finds_a_key_file_that_is_not_a_key() {
    let org = TestOrg::start();
    let sf = Sfconn::new();
    jwt_conn(&sf, &org, "k", "admin@practice.example").add(&sf);
    let key = sf.home().join("jwt.key");
    let cert = practice_cert();
    let text = std::fs::read_to_string(sf.profile_file()).unwrap();
    let text = text.replace(
        &format!("{:?}", key.display().to_string()),
        &format!("{:?}", cert.display().to_string()),
    );
    sf.write_profiles(&text);
    let out = doctor_json(&sf, "k").code(1);
    let json = assert_first_hint(&out, "private-key-invalid");
    assert_eq!(check(&json, "private-key")["status"], "fail", "{out}");
}
