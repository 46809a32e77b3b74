//! `doctor --report`: a support report with every secret removed.

use super::*;

/// Every secret value in `secrets.toml` (and the access token inside the token cache JSON).
fn stored_secret_values(sf: &Sfconn) -> Vec<String> {
    let text = std::fs::read_to_string(sf.secrets_file()).unwrap_or_default();
    let value: toml::Value =
        toml::from_str(&text).unwrap_or(toml::Value::Table(Default::default()));
    let mut out = Vec::new();
    fn walk(v: &toml::Value, out: &mut Vec<String>) {
        match v {
            toml::Value::String(s) => {
                out.push(s.clone());
                if let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<Value>(s)
                    && let Some(t) = m.get("access_token").and_then(|t| t.as_str())
                {
                    out.push(t.to_string());
                }
            }
            toml::Value::Table(t) => t.values().for_each(|v| walk(v, out)),
            toml::Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    walk(&value, &mut out);
    out.retain(|s| s.len() >= 8);
    out
}

#[test]
fn doctor_report_contains_no_secret() {
    let org = TestOrg::start();
    let sf = Sfconn::new();
    // Canary secrets in every slot the password flow has.
    password_conn(
        &org,
        "canary",
        "practice-password",
        "admin@practice.example",
        "CANARY-password-7f3a",
        "CANARY-token-9b2c",
    )
    .secret("SFCONN_CLIENT_SECRET", "CANARY-secret-1d4e")
    .add(&sf);
    // A working connection, so a real access token sits in the token cache.
    Conn::new("cc", "client-credentials", &org.url(), "practice-cc")
        .secret("SFCONN_CLIENT_SECRET", "practice-cc-secret")
        .add(&sf);
    sf.run(["doctor", "cc"]).ok();
    // An imported private key is a secret too.
    let key = std::fs::read_to_string(TestOrg::write_jwt_key(sf.home())).unwrap();
    sf.cmd([
        "add",
        "jwt",
        "--flow",
        "jwt",
        "--domain",
        &org.url(),
        "--client-id",
        "practice-jwt",
        "--username",
        "admin@practice.example",
    ])
    .env("SFCONN_PRIVATE_KEY", &key)
    .ok();
    std::fs::remove_file(sf.home().join("jwt.key")).unwrap();
    sf.run(["doctor", "jwt"]).ok();

    let secrets = stored_secret_values(&sf);
    assert!(
        secrets.iter().any(|s| s.contains("CANARY-password")),
        "{secrets:?}"
    );
    assert!(
        secrets.len() >= 6,
        "expected secrets, an access token and a key: {secrets:?}"
    );

    for name in ["canary", "cc", "jwt"] {
        let path = sf.home().join(format!("{name}-report.txt"));
        let out = sf.cmd(["doctor", name, "--report"]).arg(&path).output();
        let report =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("no report ({e}){out}"));
        assert!(report.contains("sfconn version"), "{report}");
        assert!(report.contains(&format!("Connection `{name}`")), "{report}");
        for secret in &secrets {
            assert!(
                !report.contains(secret.as_str()),
                "the report for {name} shows a secret {secret:?}:\n{report}"
            );
            out.never_shows(secret);
        }
        for line in key.lines().filter(|l| l.len() > 20) {
            assert!(
                !report.contains(line),
                "key material in the report for {name}"
            );
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "report mode");
        }
    }
    let canary = std::fs::read_to_string(sf.home().join("canary-report.txt")).unwrap();
    assert!(
        canary.contains("description: invalid client credentials"),
        "Salesforce's exact answer is kept:\n{canary}"
    );
    assert!(canary.contains("[client-secret-invalid]"), "{canary}");
    assert!(
        canary.contains("[fail] token ("),
        "steps with timings:\n{canary}"
    );
}

#[test]
fn a_report_path_that_cannot_be_written_is_refused_before_anything_runs() {
    let sf = Sfconn::new();
    Conn::new("cc", "client-credentials", "http://127.0.0.1:1", "x")
        .secret("SFCONN_CLIENT_SECRET", "s")
        .add(&sf);
    let missing = sf.home().join("no-such-dir").join("r.txt");
    sf.cmd(["doctor", "cc", "--report"])
        .arg(&missing)
        .code(2)
        .stderr_has("does not exist");
    assert!(
        !sf.state_file().exists(),
        "nothing ran, so no test was recorded"
    );
}
