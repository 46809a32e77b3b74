//! A credential change is proven, not cached: the false green the lifecycle issue found, from
//! the CLI and from the TUI's task spawner; `--fresh`, `token_source`, revoke and exit 4.

use std::time::Duration;

use sfconn::paths::Paths;
use sfconn::profile::{Connection, Flow};
use sfconn::secrets::{SecretKind, SecretStore};
use sfconn::tui::action::{Effect, RunKind, SecretValue, TaskMsg};
use sfconn::tui::tasks::Services;

use super::*;
use crate::support::engine::{Home, free_port};

const CC_SECRET: &str = "practice-cc-secret";

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_secret_after_an_edit_fails_the_next_test_and_doctor() {
    let org = practice_org().await;
    let home = Home::new();
    add_cc(&home, &org.url(), "cc", "practice-cc", CC_SECRET);
    let first = assert_test_passes(&home, "cc", INTEGRATION_ID);
    assert_eq!(first["token_source"], "granted");
    let cached = assert_test_passes(&home, "cc", INTEGRATION_ID);
    assert_eq!(cached["token_source"], "cached");

    let out = home.run_env(&["edit", "cc"], &[("SFCONN_CLIENT_SECRET", "wrong")]);
    out.expect(0);
    assert!(
        out.stdout.contains("Deleted the stored access token"),
        "the edit says what it made stale: {out}"
    );
    let report = assert_test_fails(
        &home,
        "cc",
        "token",
        Some(400),
        "invalid_client",
        "invalid client credentials",
    );
    assert_eq!(report["hints"][0]["id"], "client-secret-invalid");
    assert!(report["token_source"].is_null());
    let doctor = home.run(&["doctor", "cc", "--json"]);
    doctor.expect(1);
    assert_eq!(
        doctor.json()["test"]["error"]["code"],
        "invalid_client",
        "{doctor}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn fresh_proves_the_credentials_the_cache_cannot() {
    let org = practice_org().await;
    let home = Home::new();
    add_cc(&home, &org.url(), "cc", "practice-cc", CC_SECRET);
    assert_test_passes(&home, "cc", INTEGRATION_ID);
    // The secret changes behind sfconn's back (the secret file edited by hand, another
    // machine's rotation): the cached token still works, a fresh grant does not.
    let secrets = home.path().join("secrets.toml");
    let text = std::fs::read_to_string(&secrets).unwrap();
    std::fs::write(&secrets, text.replace(CC_SECRET, "rotated")).unwrap();
    let out = home.run(&["test", "cc"]);
    out.expect(0);
    assert!(out.stdout.contains("(cached)"), "{out}");
    assert!(out.stdout.contains("sfconn test cc --fresh"), "{out}");
    let out = home.run(&["test", "cc", "--fresh", "--json"]);
    out.expect(1);
    assert_eq!(out.json()["error"]["code"], "invalid_client", "{out}");
    let all = home.run(&["test", "--all", "--fresh", "--json"]);
    all.expect(1);
    assert_eq!(all.json()[0]["error"]["code"], "invalid_client", "{all}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_identity_change_drops_the_refresh_token_and_names_the_login() {
    let org = practice_org().await;
    let home = Home::new();
    add_web(&home, &org, "web", "practice-web", free_port());
    web_login(&home, "web").await;
    let out = home.run(&["edit", "web", "--env", "sandbox"]);
    out.expect(0);
    assert!(out.stdout.contains("refresh token"), "{out}");
    assert!(out.stdout.contains("Next: sfconn login web"), "{out}");
    let token = home.run(&["token", "web"]);
    token.expect(4);
    assert!(token.stderr.contains("`sfconn login web`"), "{token}");
}

#[tokio::test(flavor = "multi_thread")]
async fn revoke_of_a_web_connection_with_both_tokens_succeeds_and_the_next_use_asks_for_a_login() {
    let org = practice_org().await;
    let home = Home::new();
    add_web(&home, &org, "web", "practice-web", free_port());
    web_login(&home, "web").await;
    assert_test_passes(&home, "web", ADMIN_ID);
    let out = home.run(&["revoke", "web", "--yes"]);
    out.expect(0);
    assert!(
        out.stdout.contains("Revoked the refresh token of web"),
        "{out}"
    );
    // Revoking the refresh token revoked its access tokens too: Salesforce no longer knows it.
    assert!(
        out.stdout
            .contains("access token of web was already invalid")
            || out.stdout.contains("Revoked the access token of web"),
        "{out}"
    );
    let again = home.run(&["revoke", "web", "--yes"]);
    again.expect(0);
    assert!(again.stdout.contains("Nothing to revoke"), "{again}");
    for command in [
        &["token", "web"][..],
        &["open", "web", "--print-url"],
        &["test", "web"],
    ] {
        let out = home.run(command);
        out.expect(4);
        assert!(out.stderr.contains("sfconn login web"), "{out}");
    }
    let env = home.run(&["env", "web"]);
    env.expect(4);
    assert_eq!(
        env.stdout, "unset SF_ACCESS_TOKEN\nunset SF_INSTANCE_URL\n",
        "{env}"
    );
    assert!(env.stderr.contains("sfconn login web"), "{env}");
}

#[tokio::test(flavor = "multi_thread")]
async fn hints_name_the_connection_and_not_the_command_being_run() {
    let org = practice_org().await;
    let home = Home::new();
    add_jwt(
        &home,
        &org,
        "aud",
        "integration@practice.example",
        &[
            "--env",
            "sandbox",
            "--audience",
            "https://test.salesforce.com",
        ],
    );
    let test = home.run(&["test", "aud", "--json"]);
    test.expect(1);
    let doctor = home.run(&["doctor", "aud", "--json"]);
    doctor.expect(1);
    for (out, running) in [(&test, "sfconn test aud"), (&doctor, "sfconn doctor aud")] {
        let text = out.stdout.clone();
        assert!(
            !text.contains(" NAME`") && !text.contains(" NAME "),
            "a hint says NAME: {out}"
        );
        assert!(
            !text.contains(&format!("`{running}`")),
            "a hint says to run {running}: {out}"
        );
    }
    assert!(
        test.stdout.contains("`sfconn doctor aud`"),
        "test may point at doctor: {test}"
    );
}

/// The TUI's save and test go through the same lifecycle: a wrong secret typed in the wizard's
/// edit fails the next `t` with `client-secret-invalid`, not a green from the cache.
#[tokio::test(flavor = "multi_thread")]
async fn the_tui_edit_of_a_secret_is_proven_by_its_next_test() {
    let org = practice_org().await;
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::in_dir(dir.path());
    let store = SecretStore::file(paths.secrets_file());
    let services = Services::new(paths.clone(), store.clone());
    let mut conn = Connection::new("cc", Flow::ClientCredentials);
    conn.domain = Some(org.url());
    conn.client_id = Some("practice-cc".into());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut ask = async |effect: Effect| -> TaskMsg {
        services.spawn(effect, tx.clone());
        loop {
            match rx.recv().await.unwrap() {
                msg @ (TaskMsg::Saved { .. } | TaskMsg::RunDone { .. }) => return msg,
                _ => continue,
            }
        }
    };
    let save = |secret: &str, replaces: Option<&str>| Effect::Save {
        conn: Box::new(conn.clone()),
        secrets: vec![(SecretKind::ClientSecret, SecretValue(secret.into()))],
        clear: vec![],
        replaces: replaces.map(String::from),
    };
    let run = |generation| Effect::Run {
        kind: RunKind::Test,
        conn: Box::new(conn.clone()),
        generation,
        timeout: Duration::from_secs(10),
        policy: sfconn::salesforce::TokenPolicy::UseCache,
    };
    let TaskMsg::Saved { result, .. } = ask(save(CC_SECRET, None)).await else {
        unreachable!()
    };
    result.unwrap();
    for generation in 1..=2 {
        let TaskMsg::RunDone { report, .. } = ask(run(generation)).await else {
            unreachable!()
        };
        assert!(report.ok, "{report:?}");
    }
    let TaskMsg::Saved { result, .. } = ask(save("wrong", Some("cc"))).await else {
        unreachable!()
    };
    assert_eq!(result.unwrap().dropped, [SecretKind::AccessToken]);
    let TaskMsg::RunDone { report, .. } = ask(run(3)).await else {
        unreachable!()
    };
    assert!(!report.ok);
    assert_eq!(report.hints[0].id, "client-secret-invalid", "{report:?}");
    // The TUI records its runs where the CLI reads them.
    let list = sfconn::state::State::load(&paths).unwrap();
    assert_eq!(
        list.tests["cc"].error_code.as_deref(),
        Some("invalid_client")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_with_no_connection_are_reported_by_doctor_and_never_adopted() {
    let org = practice_org().await;
    let home = Home::new();
    add_cc(&home, &org.url(), "cc", "practice-cc", CC_SECRET);
    // What a save killed between the secret store and the profile file leaves behind.
    let secrets = home.path().join("secrets.toml");
    let mut text = std::fs::read_to_string(&secrets).unwrap();
    text.push_str("\n[connections.ghost]\nclient_secret = \"stale-secret-55\"\n");
    std::fs::write(&secrets, text).unwrap();
    let doctor = home.run(&["doctor", "cc", "--json"]);
    let json = doctor.json();
    let check = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "orphaned-secrets")
        .cloned()
        .unwrap_or_else(|| panic!("no orphaned-secrets check: {doctor}"));
    assert_eq!(check["status"], "warn", "{doctor}");
    assert!(
        check["detail"].as_str().unwrap().contains("ghost"),
        "{doctor}"
    );
    assert!(!doctor.stdout.contains("stale-secret-55"), "{doctor}");
    let add = home.run_env(
        &[
            "add",
            "ghost",
            "--flow",
            "web",
            "--domain",
            &org.url(),
            "--client-id",
            "practice-web",
        ],
        &[],
    );
    add.expect(0);
    assert!(add.stdout.contains("interrupted save"), "{add}");
    let show = home.run(&["show", "ghost", "--json"]);
    assert_eq!(show.json()["secrets"], serde_json::json!([]), "{show}");
}
