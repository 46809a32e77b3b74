//! Conditions on this machine: the callback port, the secret store, the profile, logins.

use super::*;

#[test]
fn doctor_finds_a_busy_callback_port_and_a_missing_login() {
    let org = TestOrg::start();
    let sf = Sfconn::new();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    Conn::new("web", "web", &org.url(), "practice-web")
        .arg("--callback-port", &port)
        .add(&sf);
    let out = doctor_json(&sf, "web");
    let out = out.code(1);
    let json = assert_first_hint(&out, "callback-port-busy");
    assert_eq!(check(&json, "callback-port")["status"], "fail", "{out}");
    assert!(
        hint_ids(&json).contains(&"login-required".to_string()),
        "{out}"
    );
    drop(busy);
}

#[test]
fn doctor_names_an_unreachable_keychain() {
    let org = TestOrg::start();
    let mut sf = Sfconn::new();
    Conn::new("dev", "device", &org.url(), "practice-device").add(&sf);
    // No Secret Service can be reached at this bus address.
    sf.unset_env("SFCONN_SECRET_STORE");
    sf.set_env(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/sfconn-test-bus",
    );
    let out = doctor_json(&sf, "dev");
    let out = out.code(1);
    let json = assert_first_hint(&out, "keychain-unavailable");
    assert_eq!(check(&json, "keychain")["status"], "fail", "{out}");
}

#[test]
fn a_healthy_connection_passes_doctor() {
    let org = TestOrg::start();
    let sf = Sfconn::new();
    Conn::new("cc", "client-credentials", &org.url(), "practice-cc")
        .secret("SFCONN_CLIENT_SECRET", "practice-cc-secret")
        .add(&sf);
    let out = doctor_json(&sf, "cc");
    let out = out.code(0);
    let json = out.json();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["checks", "hints", "name", "ok", "test"], "{out}");
    assert_eq!(json["ok"], true);
    assert_eq!(json["test"]["ok"], true);
    for c in json["checks"].as_array().unwrap() {
        assert_ne!(c["status"], "fail", "{out}");
    }
    // The test inside doctor counts as the connection's last test.
    let list = sf.run(["list", "--json"]).ok().json();
    assert_eq!(list[0]["last_test"]["ok"], true, "{list:#}");
    // The readable layout names every check and the user.
    let out = sf.run(["doctor", "cc"]);
    out.code(0)
        .stdout_has("login-salesforce")
        .stdout_has("integration@practice.example");
}

#[test]
fn a_web_connection_without_a_login_is_told_to_log_in() {
    let org = TestOrg::start();
    let sf = Sfconn::new();
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port().to_string();
    drop(free);
    Conn::new("web", "web", &org.url(), "practice-web")
        .arg("--callback-port", &port)
        .add(&sf);
    let out = doctor_json(&sf, "web").code(4);
    let json = assert_first_hint(&out, "login-required");
    assert_eq!(check(&json, "callback-port")["status"], "pass", "{out}");
}

#[test]
fn doctor_names_a_secret_that_is_not_stored() {
    let org = TestOrg::start();
    let sf = Sfconn::new();
    Conn::new("cc", "client-credentials", &org.url(), "practice-cc")
        .secret("SFCONN_CLIENT_SECRET", "practice-cc-secret")
        .add(&sf);
    // Lose the secret behind sfconn's back.
    let text = std::fs::read_to_string(sf.secrets_file()).unwrap();
    let mut table: toml::Table = toml::from_str(&text).unwrap();
    fn drop_client_secret(t: &mut toml::Table) {
        t.retain(|k, _| !k.contains("client_secret"));
        for (_, v) in t.iter_mut() {
            if let toml::Value::Table(inner) = v {
                drop_client_secret(inner);
            }
        }
    }
    drop_client_secret(&mut table);
    std::fs::write(sf.secrets_file(), toml::to_string(&table).unwrap()).unwrap();
    let out = doctor_json(&sf, "cc").code(1);
    let json = assert_first_hint(&out, "missing-secret");
    let profile = check(&json, "profile");
    assert_eq!(profile["status"], "fail", "{out}");
    assert!(
        profile["detail"]
            .as_str()
            .unwrap_or("")
            .contains("SFCONN_CLIENT_SECRET"),
        "{out}"
    );
}

#[test]
fn doctor_names_an_unknown_secret_store() {
    let org = TestOrg::start();
    let sf = Sfconn::new();
    Conn::new("dev", "device", &org.url(), "practice-device").add(&sf);
    let out = sf
        .cmd(["doctor", "dev", "--json"])
        .env("SFCONN_SECRET_STORE", "vaultt")
        .code(1);
    let json = assert_first_hint(&out, "secret-store-error");
    let keychain = check(&json, "keychain");
    assert!(
        keychain["detail"].as_str().unwrap_or("").contains("vaultt"),
        "{out}"
    );
}
