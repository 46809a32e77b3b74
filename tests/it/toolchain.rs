//! sfconn in the developer's toolchain: `status`, `use` / `use -`, `prompt`, `token --json`,
//! `exec` and the completion of connection names, as a user at a shell sees them.

use crate::flows::{add_cc, add_jwt, add_web, practice_org};
use crate::support::engine::{Home, free_port};
use crate::support::home::Sfconn;

const TWO: &str = r#"default = "uat"

[connections.uat]
flow = "client-credentials"
environment = "sandbox"
domain = "https://acme--uat.sandbox.my.salesforce.com"
client_id = "3MVG9-uat"

[connections.prod]
flow = "client-credentials"
domain = "https://acme.my.salesforce.com"
client_id = "3MVG9-prod"
"#;

#[tokio::test(flavor = "multi_thread")]
async fn status_names_the_connection_why_and_its_token_state() {
    let org = practice_org().await;
    let home = Home::new();
    add_cc(&home, &org.url(), "cc", "practice-cc", "practice-cc-secret");
    add_jwt(
        &home,
        &org,
        "jwt",
        "integration@practice.example",
        &["--env", "sandbox"],
    );

    // The first connection became the default; no token has been asked for yet.
    let out = home.run(&["status", "--json"]);
    out.expect(0);
    let status = out.json();
    assert_eq!(status["name"], "cc", "{out}");
    assert_eq!(status["reason"], "default", "{out}");
    assert_eq!(status["production"], true, "{out}");
    assert_eq!(status["token"]["state"], "none", "{out}");

    // A cached token the app can introspect: valid, with its expiry.
    home.run(&["token", "cc"]).expect(0);
    let out = home.run(&["status"]);
    out.expect(0);
    assert!(out.stdout.contains("PRODUCTION"), "{out}");
    assert!(out.stdout.contains("the default connection"), "{out}");
    assert!(out.stdout.contains("valid until 20"), "{out}");

    // SFCONN_PROFILE wins over the default, and an argument over both.
    let out = home.run_env(&["status", "--json"], &[("SFCONN_PROFILE", "jwt")]);
    out.expect(0);
    assert_eq!(out.json()["name"], "jwt", "{out}");
    assert_eq!(out.json()["reason"], "SFCONN_PROFILE", "{out}");
    assert_eq!(out.json()["environment"], "sandbox", "{out}");
    let out = home.run_env(&["status", "cc", "--json"], &[("SFCONN_PROFILE", "jwt")]);
    assert_eq!(out.json()["reason"], "argument", "{out}");

    // A browser connection never logged in: only a login helps (exit 4, with the command).
    add_web(&home, &org, "web", "practice-web", free_port());
    let out = home.run(&["status", "web"]);
    out.expect(4);
    assert!(out.stdout.contains("needs login"), "{out}");
    assert!(out.stderr.contains("sfconn login web"), "{out}");
}

#[test]
fn use_prints_the_default_and_use_dash_goes_back() {
    let sf = Sfconn::new();
    sf.write_profiles(TWO);
    sf.run(["use"])
        .ok()
        .stdout_has("Default connection: uat (client-credentials sandbox)");
    // No switch yet: nothing to go back to, nothing changed.
    let before = sf.profiles_bytes();
    sf.run(["use", "-"])
        .code(2)
        .stderr_has("no previous default");
    assert_eq!(sf.profiles_bytes(), before);

    sf.run(["use", "prod"]).ok().stdout_has("PRODUCTION");
    sf.run(["use", "-"])
        .ok()
        .stdout_has("Default connection: uat");
    sf.run(["use"]).ok().stdout_has("uat");
    // `use -` again toggles, like `cd -`.
    sf.run(["use", "-"])
        .ok()
        .stdout_has("Default connection: prod");
    sf.run(["prompt"]).ok().stdout_has("prod [PROD]");
    // The previous default is no secret and no setting: it lives in the state file.
    let profile = String::from_utf8(sf.profiles_bytes()).unwrap();
    assert!(!profile.contains("previous"), "{profile}");
    let state = std::fs::read_to_string(sf.state_file()).unwrap();
    assert!(state.contains("\"previous_default\": \"uat\""), "{state}");
}

#[test]
fn prompt_marks_production_without_touching_the_secret_store() {
    let mut sf = Sfconn::new();
    // A secret store that cannot be opened: prompt must not need it.
    sf.set_env("SFCONN_SECRET_STORE", "no-such-store");
    sf.run(["prompt"]).ok().stdout_empty();
    sf.write_profiles(TWO);
    let out = sf.run(["prompt"]).ok();
    assert_eq!(out.stdout, "uat\n");
    let out = sf
        .cmd(["prompt"])
        .env("SFCONN_PROFILE", "prod")
        .output()
        .ok();
    assert_eq!(out.stdout, "prod [PROD]\n");
    let out = sf
        .cmd(["prompt"])
        .env("SFCONN_PROFILE", "gone")
        .output()
        .ok();
    assert_eq!(out.stdout, "gone?\n");
    // A damaged profile file: a message, exit 2, nothing for the prompt to show.
    sf.write_profiles("default = \n");
    sf.run(["prompt"]).code(2).stdout_empty();
}

#[tokio::test(flavor = "multi_thread")]
async fn token_json_has_expiry_and_scopes_when_the_app_can_introspect() {
    let org = practice_org().await;
    let home = Home::new();
    add_cc(&home, &org.url(), "cc", "practice-cc", "practice-cc-secret");
    add_jwt(&home, &org, "jwt", "integration@practice.example", &[]);

    let out = home.run(&["token", "cc", "--json"]);
    out.expect(0);
    let token = out.json();
    assert_eq!(token["name"], "cc", "{out}");
    assert_eq!(token["instance_url"], org.url(), "{out}");
    assert_eq!(token["token_source"], "granted", "{out}");
    assert!(
        token["expires_at"].as_str().unwrap().starts_with("20"),
        "{out}"
    );
    assert!(
        token["scopes"].as_array().is_some_and(|s| !s.is_empty()),
        "{out}"
    );
    let again = home.run(&["token", "cc", "--json"]).json();
    assert_eq!(again["token_source"], "cached");
    assert_eq!(again["access_token"], token["access_token"]);

    // No client secret: the app cannot introspect, so the facts are null, not guessed.
    let out = home.run(&["token", "jwt", "--json"]);
    out.expect(0);
    let token = out.json();
    assert!(
        token["access_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    assert!(
        token["expires_at"].is_null() && token["scopes"].is_null(),
        "{out}"
    );
}

/// What the shell's completion function gets back for `sfconn WORDS... <Tab>`.
fn complete(sf: &Sfconn, shell: &str, words: &[&str]) -> String {
    let index = (words.len() - 1).to_string();
    let mut run = sf
        .cmd(["--"].into_iter().chain(words.iter().copied()))
        .env("SFCONN_COMPLETE", shell)
        .env("_CLAP_COMPLETE_INDEX", &index)
        .env("_CLAP_COMPLETE_COMP_TYPE", "9")
        .env("_CLAP_COMPLETE_SPACE", "true")
        .env("_CLAP_IFS", "\n");
    if shell == "zsh" {
        run = run.env("_CLAP_COMPLETE_INDEX", &index);
    }
    run.output().ok().stdout
}

#[test]
fn completion_offers_connection_names_for_every_name_argument() {
    let sf = Sfconn::new();
    sf.write_profiles(TWO);
    for shell in ["bash", "zsh", "fish"] {
        let script = sf.run(["completions", shell]).ok().stdout;
        assert!(script.contains("SFCONN_COMPLETE"), "{shell}:\n{script}");
        for command in [
            "use", "show", "test", "token", "env", "status", "remove", "rename",
        ] {
            let got = complete(&sf, shell, &["sfconn", command, ""]);
            assert!(
                got.contains("uat") && got.contains("prod"),
                "{shell}: sfconn {command} <Tab> gave:\n{got}"
            );
        }
        let got = complete(&sf, shell, &["sfconn", "use", "pr"]);
        assert!(
            got.contains("prod") && !got.contains("uat"),
            "{shell}: {got}"
        );
        // `add NAME` makes a new connection: existing names are no answer there.
        let got = complete(&sf, shell, &["sfconn", "add", ""]);
        assert!(
            !got.contains("uat"),
            "{shell}: sfconn add <Tab> gave:\n{got}"
        );
    }
    // Names come from the file at Tab time, not from when the script was made.
    sf.write_profiles(&TWO.replace("[connections.prod]", "[connections.dev]"));
    let got = complete(&sf, "fish", &["sfconn", "use", ""]);
    assert!(got.contains("dev") && !got.contains("prod"), "{got}");
}

#[tokio::test(flavor = "multi_thread")]
async fn exec_runs_the_command_with_the_token_and_returns_its_exit_code() {
    let org = practice_org().await;
    let home = Home::new();
    add_cc(&home, &org.url(), "cc", "practice-cc", "practice-cc-secret");
    let script = r#"[ -n "$SF_ACCESS_TOKEN" ] && [ "$SF_TARGET_ORG" = "$SF_ACCESS_TOKEN" ] \
        && [ "$SF_ORG_INSTANCE_URL" = "$SF_INSTANCE_URL" ] && printf '%s %s' "$SF_INSTANCE_URL" "$SF_ACCESS_TOKEN"; exit 7"#;
    let out = home.run(&["exec", "cc", "--", "sh", "-c", script]);
    out.expect(7);
    let (url, token) = out.stdout.split_once(' ').unwrap();
    assert_eq!(url, org.url(), "{out}");
    // The token the command got works at the org.
    let limits = reqwest::Client::new()
        .get(format!("{}/services/data/v62.0/limits", org.url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(limits.status(), 200, "{out}");
    // The default connection when no name is given; a missing command is bad usage.
    home.run(&["exec", "--", "true"]).expect(0);
    let out = home.run(&["exec", "cc", "--", "sfconn-no-such-command"]);
    out.expect(2);
    assert!(out.stderr.contains("command not found"), "{out}");
    home.run(&["exec", "cc"]).expect(2);
}
