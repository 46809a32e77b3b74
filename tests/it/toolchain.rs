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

/// A Salesforce CLI store as `sf` leaves it: one auth file per username, aliases, key.json.
fn sf_store(home: &std::path::Path, with_key: bool) -> std::path::PathBuf {
    let dir = home.join(".sfdx");
    std::fs::create_dir_all(&dir).unwrap();
    // Values that do not look encrypted are plain text in the CLI's files too.
    std::fs::write(
        dir.join("admin@acme.example.json"),
        r#"{"username":"admin@acme.example","clientId":"PlatformCLI","refreshToken":"5Aep861-canary-refresh",
            "instanceUrl":"https://acme.my.salesforce.com","loginUrl":"https://login.salesforce.com","isSandbox":false}"#,
    )
    .unwrap();
    let key = crate::support::engine::practice_jwt_key();
    std::fs::write(
        dir.join("ci@acme.example.json"),
        serde_json::json!({"username": "ci@acme.example", "clientId": "3MVG9-ci",
            "privateKey": key, "instanceUrl": "https://acme--uat.sandbox.my.salesforce.com",
            "loginUrl": "https://test.salesforce.com", "isSandbox": true})
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.join("alias.json"),
        r#"{"orgs":{"acme":"admin@acme.example"}}"#,
    )
    .unwrap();
    if with_key {
        std::fs::write(
            dir.join("key.json"),
            r#"{"account":"local","key":"0123456789abcdef0123456789abcdef","service":"sfdx"}"#,
        )
        .unwrap();
    }
    dir
}

fn snapshot(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (p.display().to_string(), std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn import_sf_adds_web_and_jwt_connections_and_never_writes_the_cli_files() {
    let sf = Sfconn::new();
    let cli_home = tempfile::tempdir().unwrap();
    let dir = sf_store(cli_home.path(), true);
    let before = snapshot(&dir);
    let home = cli_home.path().to_str().unwrap();

    // An alias or username the CLI does not have: exit 2, nothing added.
    sf.cmd(["import", "sf", "nope"])
        .env("HOME", home)
        .output()
        .code(2)
        .stderr_has("no login nope")
        .stderr_has("acme (admin@acme.example)");
    assert!(!sf.profile_file().exists());

    let out = sf
        .cmd(["import", "sf", "--all"])
        .env("HOME", home)
        .output()
        .ok();
    assert!(out.stdout.contains("imported acme (web)"), "{}", out.stdout);
    assert!(
        out.stdout.contains("imported ci-acme.example (jwt)"),
        "{}",
        out.stdout
    );
    out.never_shows("canary");
    let web = sf.run(["show", "acme", "--json"]).ok().json();
    assert_eq!(web["flow"], "web");
    assert_eq!(web["client_id"], "PlatformCLI");
    assert_eq!(web["environment"], "production");
    assert!(
        web["secrets"]
            .as_array()
            .unwrap()
            .contains(&"refresh_token".into())
    );
    let jwt = sf.run(["show", "ci-acme.example", "--json"]).ok().json();
    assert_eq!(jwt["flow"], "jwt");
    assert_eq!(jwt["username"], "ci@acme.example");
    assert_eq!(
        jwt["key_file"],
        crate::support::engine::practice_jwt_key()
            .display()
            .to_string()
    );
    assert_eq!(jwt["environment"], "sandbox");

    // Again: refused per connection unless --force.
    sf.cmd(["import", "sf", "acme"])
        .env("HOME", home)
        .output()
        .code(1)
        .stdout_has("exists (pass --force to replace it)");
    sf.cmd(["import", "sf", "acme", "--force"])
        .env("HOME", home)
        .output()
        .ok();
    assert_eq!(
        snapshot(&dir),
        before,
        "import changed the Salesforce CLI's files"
    );
}

#[test]
fn import_sf_names_where_it_looked_for_the_key() {
    let sf = Sfconn::new();
    let cli_home = tempfile::tempdir().unwrap();
    let dir = sf_store(cli_home.path(), false);
    sf.cmd(["import", "sf", "--all"])
        .env("HOME", cli_home.path().to_str().unwrap())
        .env("SFDX_SECRET_TOOL_PATH", "/nonexistent/secret-tool")
        .output()
        .code(1)
        .stderr_has(&dir.join("key.json").display().to_string())
        .stderr_has("/nonexistent/secret-tool lookup user local domain sfdx");
    assert!(!sf.profile_file().exists());
}
