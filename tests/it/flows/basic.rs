use super::*;
use crate::support::engine::{Home, free_port};

#[tokio::test(flavor = "multi_thread")]
async fn jwt_test_passes_and_token_and_env_work() {
    let org = practice_org().await;
    let home = Home::new();
    add_jwt(&home, &org, "prod", "admin@practice.example", &[]);
    let report = assert_test_passes(&home, "prod", ADMIN_ID);
    assert_eq!(report["flow"], "jwt");
    assert_eq!(report["instance_url"], org.url());

    let token = home.run(&["token", "prod"]);
    token.expect(0);
    let token = token.stdout.trim().to_string();
    let userinfo = reqwest::Client::new()
        .get(format!("{}/services/oauth2/userinfo", org.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), 200, "the org rejected the printed token");

    let script = format!(
        "eval \"$('{}' env prod)\" && printf '%s\\n%s' \"$SF_ACCESS_TOKEN\" \"$SF_INSTANCE_URL\"",
        crate::support::engine::BIN
    );
    let sh = home.command(&[], &[]);
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .envs(
            sh.get_envs()
                .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned()))),
        )
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        printed,
        format!("{token}\n{}", org.url()),
        "sh did not get both variables; stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn client_credentials_runs_as_the_run_as_user_and_caches_its_token() {
    let org = practice_org().await;
    let home = Home::new();
    add_cc(&home, &org.url(), "cc", "practice-cc", "practice-cc-secret");
    assert_test_passes(&home, "cc", INTEGRATION_ID);
    assert_eq!(org.grant_count("client_credentials"), 1);

    // The cached token is reused: no new token request.
    home.run(&["token", "cc"]).expect(0);
    home.run(&["test", "cc", "--json"]).expect(0);
    assert_eq!(org.grant_count("client_credentials"), 1);
    assert_eq!(org.request_count("/services/oauth2/token"), 1);

    // Neither the secret nor the token shows up anywhere but `token`'s own output.
    let token = home.run(&["token", "cc"]).stdout.trim().to_string();
    for args in [
        vec!["test", "cc"],
        vec!["test", "cc", "--json"],
        vec!["login", "cc", "--json"],
    ] {
        let out = home.run(&args);
        for secret in ["practice-cc-secret", token.as_str()] {
            assert!(
                !out.stdout.contains(secret) && !out.stderr.contains(secret),
                "{out}"
            );
        }
    }
    let state = std::fs::read_to_string(home.path().join("state.json")).unwrap();
    assert!(!state.contains(&token) && !state.contains("practice-cc-secret"));

    // An expired token is re-granted once, transparently.
    let grants = org.grant_count("client_credentials");
    org.expire_access_tokens();
    home.run(&["token", "cc"]).expect(0);
    assert_eq!(org.grant_count("client_credentials"), grants + 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn password_flow_concatenates_the_security_token() {
    let org = practice_org().await;
    let home = Home::new();
    add_password(
        &home,
        &org,
        "pw",
        ("practice-password", "practice-password-secret"),
        (
            "admin@practice.example",
            "Practice-Pass-1",
            "PRACTICETOKEN1",
        ),
    );
    assert_test_passes(&home, "pw", ADMIN_ID);
}

#[tokio::test(flavor = "multi_thread")]
async fn password_with_form_special_characters_works() {
    let scenario = Scenario::from_toml_str(
        r##"
[org]
id = "00DPR4CT1CE0RG0EAA"
name = "Special Characters"
type = "production"

[[users]]
id = "005PR4CT1CESPECIAL"
username = "special@practice.example"
password = "p#&+%= x?"
security_token = "T#k&n+%="
email = "special@practice.example"
name = "Spec Ial"

[[apps]]
name = "Password"
client_id = "pw-app"
client_secret = "s3cr#t&+%="
secret_required = true
flows = ["password"]
"##,
    )
    .unwrap();
    let org = PracticeOrg::start(scenario, OrgOptions::default())
        .await
        .unwrap();
    let home = Home::new();
    add_password(
        &home,
        &org,
        "special",
        ("pw-app", "s3cr#t&+%="),
        ("special@practice.example", "p#&+%= x?", "T#k&n+%="),
    );
    assert_test_passes(&home, "special", "005PR4CT1CESPECIAL");
}

#[tokio::test(flavor = "multi_thread")]
async fn device_flow_approved_while_sfconn_polls() {
    let scenario = Scenario::from_toml_str(
        r#"
[org]
id = "00DPR4CT1CE0RG0EAA"
name = "Device"
type = "production"
browser_user = "admin@practice.example"

[[users]]
id = "005PR4CT1CEADM1AAA"
username = "admin@practice.example"
password = "x"
email = "admin@practice.example"
name = "Pat Admin"

[[apps]]
name = "Device"
client_id = "manual-device"
flows = ["device"]
device_interval_secs = 1
"#,
    )
    .unwrap();
    let org = PracticeOrg::start(scenario, OrgOptions::default())
        .await
        .unwrap();
    let home = Home::new();
    home.add(
        "dev",
        "device",
        &org.url(),
        &["--client-id", "manual-device"],
        &[],
    );
    let mut running = home.spawn(&["login", "dev", "--json"], &[]);
    let line = running.line(|l| l.contains("enter the code"));
    let code = line.rsplit(' ').next().unwrap().to_string();
    let approved = reqwest::Client::new()
        .post(format!("{}/setup/connect", org.url()))
        .form(&[("user_code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status(), 200);
    let out = running.finish();
    out.expect(0);
    assert_eq!(out.json()["user"]["user_id"], ADMIN_ID, "{out}");
    assert!(org.grant_count("device") >= 1);
    assert_test_passes(&home, "dev", ADMIN_ID);
}

#[tokio::test(flavor = "multi_thread")]
async fn test_all_reports_every_connection_and_the_worst_exit_code() {
    let org = practice_org().await;
    let home = Home::new();
    add_jwt(&home, &org, "a-jwt", "admin@practice.example", &[]);
    add_cc(
        &home,
        &org.url(),
        "b-cc",
        "practice-cc",
        "practice-cc-secret",
    );
    add_web(&home, &org, "c-web", "practice-web", free_port());
    // One needs a login: exit 4.
    let out = home.run(&["test", "--all", "--json", "--concurrency", "2"]);
    out.expect(4);
    let reports = out.json();
    let names: Vec<&str> = reports
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a-jwt", "b-cc", "c-web"], "{out}");
    // One failing: exit 1 wins.
    add_cc(&home, &org.url(), "d-bad", "practice-cc", "wrong");
    home.run(&["test", "--all", "--json"]).expect(1);
    // Plain output names each step with its mark.
    let plain = home.run(&["test", "b-cc"]);
    plain.expect(0);
    assert!(plain.stdout.contains("✓ userinfo"), "{plain}");
}

#[tokio::test(flavor = "multi_thread")]
async fn open_print_url_gives_a_frontdoor_link_the_org_accepts() {
    let org = practice_org().await;
    let home = Home::new();
    add_jwt(&home, &org, "prod", "admin@practice.example", &[]);
    let out = home.run(&["open", "prod", "--print-url"]);
    out.expect(0);
    let url = out.stdout.trim();
    assert!(
        url.starts_with(&format!("{}/secur/frontdoor.jsp?sid=", org.url())),
        "{out}"
    );
    let page = reqwest::get(url).await.unwrap();
    assert_eq!(page.status(), 200, "the org refused the frontdoor link");
}

#[tokio::test(flavor = "multi_thread")]
async fn keygen_makes_a_private_key_and_points_the_jwt_connection_at_it() {
    let org = practice_org().await;
    let home = Home::new();
    add_jwt(&home, &org, "prod", "admin@practice.example", &[]);
    let out = home.run(&["keygen", "prod"]);
    out.expect(0);
    let key = home.path().join("keys/prod.key");
    let cert = home.path().join("keys/prod.crt");
    assert!(out.stdout.contains(&key.display().to_string()), "{out}");
    assert!(out.stdout.contains(&cert.display().to_string()), "{out}");
    assert!(
        out.stdout
            .contains("External Client App Manager → your app → Settings → OAuth Settings"),
        "{out}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the private key must be owner-only");
    }
    assert!(
        std::fs::read_to_string(&key)
            .unwrap()
            .contains("BEGIN PRIVATE KEY")
    );
    assert!(
        std::fs::read_to_string(&cert)
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );
    let profiles = std::fs::read_to_string(home.path().join("profiles.toml")).unwrap();
    assert!(profiles.contains(&key.display().to_string()), "{profiles}");
    assert!(profiles.contains(&cert.display().to_string()), "{profiles}");

    // A second keygen never overwrites a key that may already be uploaded: exit 2.
    let again = home.run(&["keygen", "prod"]);
    again.expect(2);
    assert!(!std::fs::read_to_string(&key).unwrap().is_empty());
}
