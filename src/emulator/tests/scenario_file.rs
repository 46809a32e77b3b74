//! Scenario loading: the built-in file, errors with locations, certificate paths.

use crate::emulator::{AppFlow, EmulatorError, PRACTICE_JWT_CERT_PEM, Scenario};

#[test]
fn builtin_scenario_has_one_working_app_per_flow() {
    let s = Scenario::builtin();
    for (id, flow) in [
        ("practice-web", AppFlow::Web),
        ("practice-jwt", AppFlow::Jwt),
        ("practice-cc", AppFlow::ClientCredentials),
        ("practice-password", AppFlow::Password),
        ("practice-device", AppFlow::Device),
    ] {
        let app = s.app(id).unwrap_or_else(|| panic!("{id} missing"));
        assert!(app.has_flow(flow), "{id}");
        assert!(app.installed, "{id}");
    }
    assert_eq!(
        s.app("practice-jwt").unwrap().certificate_pem.as_deref(),
        Some(PRACTICE_JWT_CERT_PEM)
    );
}

const MINIMAL: &str = r#"
[org]
id = "00D000000000001"
name = "Mini"

[[users]]
id = "005000000000001"
username = "u@example.com"
password = "pw"
email = "u@example.com"
name = "U Ser"
"#;

fn scenario_error(text: &str) -> String {
    match Scenario::from_toml_str(text) {
        Err(e @ EmulatorError::Scenario { .. }) => e.to_string(),
        Err(other) => panic!("unexpected error kind: {other}"),
        Ok(_) => panic!("accepted: {text}"),
    }
}

#[test]
fn minimal_scenario_parses_with_defaults() {
    let s = Scenario::from_toml_str(MINIMAL).unwrap();
    assert!(s.org.api_enabled);
    assert_eq!(s.org.daily_api_max, 15000);
    assert_eq!(s.browser_user().unwrap().username, "u@example.com");
}

#[test]
fn unknown_keys_are_reported_with_line_and_column() {
    let text = format!("{MINIMAL}colour = \"blue\"\n");
    let msg = scenario_error(&text);
    assert!(msg.starts_with("scenario:12:1"), "{msg}");
    assert!(msg.contains("colour"), "{msg}");
}

#[test]
fn bad_references_and_ids_are_explained() {
    let msg = scenario_error(&MINIMAL.replace("00D000000000001", "001000000000001"));
    assert!(msg.contains("org.id"), "{msg}");
    let text = format!(
        "{MINIMAL}\n[[apps]]\nname = \"A\"\nclient_id = \"a\"\nflows = [\"client-credentials\"]\nrun_as = \"ghost@example.com\"\n"
    );
    let msg = scenario_error(&text);
    assert!(msg.contains("run_as ghost@example.com"), "{msg}");
    let text = format!("{MINIMAL}\n[[apps]]\nname = \"J\"\nclient_id = \"j\"\nflows = [\"jwt\"]\n");
    assert!(scenario_error(&text).contains("needs a certificate"));
    let text = format!("{MINIMAL}\n[[apps]]\nname = \"W\"\nclient_id = \"w\"\nflows = [\"web\"]\n");
    assert!(scenario_error(&text).contains("callback_urls"));
}

#[test]
fn certificate_paths_are_relative_to_the_scenario_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("certs")).unwrap();
    std::fs::write(dir.path().join("certs/app.crt"), PRACTICE_JWT_CERT_PEM).unwrap();
    let text = format!(
        "{MINIMAL}\n[[apps]]\nname = \"J\"\nclient_id = \"j\"\nflows = [\"jwt\"]\ncertificate = \"certs/app.crt\"\n"
    );
    let path = dir.path().join("scenario.toml");
    std::fs::write(&path, &text).unwrap();
    let s = Scenario::from_file(&path).unwrap();
    assert_eq!(
        s.app("j").unwrap().certificate_pem.as_deref(),
        Some(PRACTICE_JWT_CERT_PEM)
    );

    std::fs::write(dir.path().join("certs/app.crt"), "not a certificate").unwrap();
    let err = Scenario::from_file(&path).unwrap_err().to_string();
    assert!(
        err.contains("app j") && err.contains("certificate"),
        "{err}"
    );
    let err = Scenario::from_file(&dir.path().join("missing.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("missing.toml") && err.contains("cannot read"),
        "{err}"
    );
}

#[test]
fn callbacks_are_exact_unless_a_scenario_lists_a_port_wildcard_on_purpose() {
    let s = Scenario::builtin();
    let web = s.app("practice-web").unwrap();
    assert!(web.callback_matches("http://localhost:1717/OauthRedirect"));
    assert!(
        !web.callback_matches("http://127.0.0.1:40123/OauthRedirect"),
        "the built-in apps compare callback URLs exactly, as Salesforce does"
    );
    let text = format!(
        "{MINIMAL}\n[[apps]]\nname = \"W\"\nclient_id = \"w\"\nflows = [\"web\"]\ncallback_urls = [\"http://127.0.0.1:*/OauthRedirect\"]\n"
    );
    let custom = Scenario::from_toml_str(&text).unwrap();
    let wild = custom.app("w").unwrap();
    assert!(wild.callback_matches("http://127.0.0.1:40123/OauthRedirect"));
    assert!(!wild.callback_matches("http://127.0.0.1:40123/other"));
    assert!(!wild.callback_matches("http://127.0.0.1:/OauthRedirect"));
    assert!(!wild.callback_matches("http://evil.example:40123/OauthRedirect"));
}
