//! Diagnosis end to end: every hint the practice org or this machine can produce is provoked and
//! `doctor --json` must rank it first (the test object inside carries Salesforce's exact answer).
//! Plus `doctor --report` redaction.

mod answers;
mod jwt;
mod local;
mod login;
mod network;
mod report;
mod session;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::home::{Output, Sfconn};
use crate::support::org::TestOrg;

/// A connection to create with `sfconn add`: flags, plus secrets passed through the environment.
pub(super) struct Conn<'a> {
    pub(super) name: &'a str,
    client_id: String,
    args: Vec<String>,
    secrets: Vec<(&'a str, String)>,
}

impl<'a> Conn<'a> {
    pub(super) fn new(name: &'a str, flow: &str, domain: &str, client_id: &str) -> Self {
        Conn {
            name,
            client_id: client_id.into(),
            args: vec![
                "--flow".into(),
                flow.into(),
                "--domain".into(),
                domain.into(),
                "--client-id".into(),
                client_id.into(),
            ],
            secrets: Vec::new(),
        }
    }

    pub(super) fn arg(mut self, flag: &str, value: &str) -> Self {
        self.args.push(flag.into());
        self.args.push(value.into());
        self
    }

    /// `--callback-port PORT`, with its exact callback URL added to the app in `org` (callback
    /// URLs are compared exactly, as Salesforce does).
    pub(super) fn callback_on(self, org: &TestOrg, port: &str) -> Self {
        if let Ok(port) = port.parse() {
            org.allow_callback(&self.client_id, &sfconn::salesforce::redirect_uri(port));
        }
        self.arg("--callback-port", port)
    }

    pub(super) fn secret(mut self, var: &'a str, value: &str) -> Self {
        self.secrets.push((var, value.to_string()));
        self
    }

    pub(super) fn add(self, sf: &Sfconn) {
        let mut cmd = sf.cmd(["add", self.name]);
        for a in &self.args {
            cmd = cmd.arg(a);
        }
        for (var, value) in &self.secrets {
            cmd = cmd.env(var, value);
        }
        cmd.ok();
    }
}

pub(super) fn hint_ids(json: &Value) -> Vec<String> {
    json["hints"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|h| h["id"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[track_caller]
pub(super) fn assert_first_hint(out: &Output, expected: &str) -> Value {
    let json = out.json();
    let ids = hint_ids(&json);
    assert_eq!(
        ids.first().map(String::as_str),
        Some(expected),
        "hints {ids:?}{out}"
    );
    json
}

pub(super) fn doctor_json(sf: &Sfconn, name: &str) -> Output {
    sf.run(["doctor", name, "--json"])
}

pub(super) fn check<'v>(json: &'v Value, name: &str) -> &'v Value {
    json["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["check"] == name))
        .unwrap_or_else(|| panic!("no `{name}` check in {json:#}"))
}

pub(super) fn practice_cert() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/practice-org/jwt.crt")
}

/// A fresh RSA key and its self-signed certificate in `dir` (`NAME.key`, `NAME.crt`): a pair
/// the practice org's JWT app does not know.
pub(super) fn other_pair(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    use rcgen::{CertificateParams, KeyPair, PKCS_RSA_SHA256, RsaKeySize};
    let key = KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_2048).unwrap();
    let cert = CertificateParams::new(vec!["other.example".into()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let (key_path, cert_path) = (
        dir.join(format!("{name}.key")),
        dir.join(format!("{name}.crt")),
    );
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    std::fs::write(&cert_path, cert.pem()).unwrap();
    (key_path, cert_path)
}

pub(super) fn jwt_conn<'a>(sf: &Sfconn, org: &TestOrg, name: &'a str, username: &str) -> Conn<'a> {
    let key = TestOrg::write_jwt_key(sf.home());
    Conn::new(name, "jwt", &org.url(), "practice-jwt")
        .arg("--username", username)
        .arg("--key-file", &key.display().to_string())
}

pub(super) fn password_conn<'a>(
    org: &TestOrg,
    name: &'a str,
    client_id: &str,
    user: &str,
    password: &str,
    token: &str,
) -> Conn<'a> {
    Conn::new(name, "password", &org.url(), client_id)
        .arg("--username", user)
        .secret("SFCONN_CLIENT_SECRET", &format!("{client_id}-secret"))
        .secret("SFCONN_PASSWORD", password)
        .secret("SFCONN_SECURITY_TOKEN", token)
}
