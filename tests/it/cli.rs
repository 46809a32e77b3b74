//! Integration tests: every profile command as a real process (add, edit, rename, remove, use,
//! list, show, completions), their JSON shapes, exit codes and what they leave on disk.

use serde_json::json;

use crate::support::home::Sfconn;

pub fn rsa_key_pem() -> String {
    rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        .unwrap()
        .serialize_pem()
}

fn add_device(sf: &Sfconn, name: &str) {
    sf.run([
        "add",
        name,
        "--flow",
        "device",
        "--client-id",
        &format!("id-{name}"),
    ])
    .ok();
}

#[test]
fn add_list_show_json_shapes() {
    let sf = Sfconn::new();
    sf.run([
        "add",
        "prod",
        "--flow",
        "web",
        "--client-id",
        "CK1",
        "--domain",
        "Acme.My.Salesforce.com/",
        "--callback-port",
        "1818",
    ])
    .ok()
    .stdout_has("Added connection prod")
    .stdout_has("default connection");
    sf.cmd([
        "add",
        "uat",
        "--flow",
        "client-credentials",
        "--env",
        "sandbox",
        "--client-id",
        "CK2",
    ])
    .arg("--domain")
    .arg("acme--uat.sandbox.my.salesforce.com")
    .env("SFCONN_CLIENT_SECRET", "cs-value")
    .ok();

    let list = sf.run(["list", "--json"]).ok().json();
    assert_eq!(
        list,
        json!([
            {"name": "prod", "flow": "web", "environment": "production",
             "domain": "https://acme.my.salesforce.com", "client_id": "CK1", "username": null,
             "default": true, "last_test": null},
            {"name": "uat", "flow": "client-credentials", "environment": "sandbox",
             "domain": "https://acme--uat.sandbox.my.salesforce.com", "client_id": "CK2",
             "username": null, "default": false, "last_test": null},
        ])
    );

    let show = sf.run(["show", "uat", "--json"]).ok().json();
    assert_eq!(show["secrets"], json!(["client_secret"]));
    assert_eq!(show["flow"], "client-credentials");
    assert_eq!(
        show["login_host"],
        "https://acme--uat.sandbox.my.salesforce.com"
    );
    assert_eq!(show["default"], false);
    let prod = sf.run(["show", "--json"]).ok().json();
    assert_eq!(prod["name"], "prod", "show without NAME uses the default");
    assert_eq!(prod["callback_port"], 1818);
    assert_eq!(prod["secrets"], json!([]));

    let human = sf.run(["list"]).ok();
    let lines: Vec<&str> = human.stdout.lines().collect();
    assert!(
        lines[0].contains("NAME") && lines[0].contains("LAST TEST"),
        "{human}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with('*') && l.contains("prod")),
        "{human}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(' ') && l.contains("uat") && l.contains("sandbox")),
        "{human}"
    );
    sf.run(["show", "prod"])
        .ok()
        .stdout_has("client id:")
        .stdout_has("https://acme.my.salesforce.com");
}

#[test]
fn sfconn_profile_overrides_the_default() {
    let mut sf = Sfconn::new();
    add_device(&sf, "a");
    add_device(&sf, "b");
    let list = sf.run(["list", "--json"]).ok().json();
    assert_eq!(list[0]["default"], true);
    sf.set_env("SFCONN_PROFILE", "b");
    let list = sf.run(["list", "--json"]).ok().json();
    assert_eq!(
        (list[0]["default"].clone(), list[1]["default"].clone()),
        (json!(false), json!(true))
    );
    assert_eq!(sf.run(["show", "--json"]).ok().json()["name"], "b");
    sf.run(["use", "a"])
        .ok()
        .stderr_has("SFCONN_PROFILE=b still wins");
    sf.set_env("SFCONN_PROFILE", "nope");
    sf.run(["show"]).code(2).stderr_has("SFCONN_PROFILE=nope");
}

#[test]
fn use_sets_the_default_and_missing_names_exit_2() {
    let sf = Sfconn::new();
    sf.run(["show"]).code(2).stderr_has("no connections yet");
    add_device(&sf, "alpha");
    add_device(&sf, "beta");
    sf.run(["use", "beta"])
        .ok()
        .stdout_has("Default connection: beta");
    assert!(
        String::from_utf8(sf.profiles_bytes())
            .unwrap()
            .starts_with("default = \"beta\"")
    );
    sf.run(["use", "betta"])
        .code(2)
        .stderr_has("did you mean `beta`?");
    sf.run(["show", "gamma"])
        .code(2)
        .stderr_has("no connection named `gamma`");
}

#[test]
fn edit_changes_only_the_given_flags() {
    let sf = Sfconn::new();
    sf.write_profiles(
        "# my org\n[connections.w]\nflow = \"web\"\nclient_id = \"CK\" # from Setup\ndomain = \"https://acme.my.salesforce.com\"\nscopes = \"api\"\n",
    );
    sf.run(["edit", "w", "--client-id", "CK2"]).ok();
    let text = String::from_utf8(sf.profiles_bytes()).unwrap();
    assert_eq!(
        text,
        "# my org\n[connections.w]\nflow = \"web\"\nclient_id = \"CK2\" # from Setup\ndomain = \"https://acme.my.salesforce.com\"\nscopes = \"api\"\n"
    );
    sf.run(["edit", "w", "--domain", ""]).ok();
    let show = sf.run(["show", "w", "--json"]).ok().json();
    assert_eq!(show["domain"], json!(null));
    assert_eq!(show["scopes"], "api");
    sf.run(["edit", "w"])
        .code(2)
        .stderr_has("nothing to change");
    // A flow change re-validates: jwt needs a username and a key.
    let before = sf.profiles_bytes();
    sf.run(["edit", "w", "--flow", "jwt"])
        .code(2)
        .stderr_has("--username: required for the jwt flow");
    assert_eq!(sf.profiles_bytes(), before);
    sf.run(["edit", "nope", "--client-id", "x"])
        .code(2)
        .stderr_has("no connection named `nope`");
}

#[test]
fn rename_moves_secrets_state_and_default() {
    let sf = Sfconn::new();
    sf.cmd([
        "add",
        "old",
        "--flow",
        "password",
        "--client-id",
        "CK",
        "--username",
        "u@example.com",
    ])
    .env("SFCONN_CLIENT_SECRET", "cs")
    .env("SFCONN_PASSWORD", "pw")
    .ok();
    std::fs::write(
        sf.state_file(),
        r#"{"tests":{"old":{"at":"2026-11-23T05:00:00Z","ok":false,"error_code":"invalid_grant","failed_step":"token","hint_title":null,"steps":[]}}}"#,
    )
    .unwrap();
    sf.run(["rename", "old", "new"]).ok();
    let show = sf.run(["show", "new", "--json"]).ok().json();
    assert_eq!(show["secrets"], json!(["client_secret", "password"]));
    assert_eq!(show["default"], true);
    assert_eq!(show["last_test"]["error_code"], "invalid_grant");
    assert_eq!(show["last_test"]["ok"], false);
    sf.run(["show", "old"]).code(2);
    let secrets = std::fs::read_to_string(sf.secrets_file()).unwrap();
    assert!(!secrets.contains("[connections.old]"), "{secrets}");
    sf.run(["rename", "new", "bad name"])
        .code(2)
        .stderr_has("NEW:");
    add_device(&sf, "other");
    sf.run(["rename", "new", "other"])
        .code(2)
        .stderr_has("already exists");
}

#[test]
fn remove_deletes_secrets_state_and_default() {
    let sf = Sfconn::new();
    sf.cmd([
        "add",
        "cc",
        "--flow",
        "client-credentials",
        "--client-id",
        "CK",
        "--domain",
        "acme.my.salesforce.com",
    ])
    .env("SFCONN_CLIENT_SECRET", "cs")
    .ok();
    add_device(&sf, "keep");
    std::fs::write(
        sf.state_file(),
        r#"{"tests":{"cc":{"at":"2026-11-23T05:00:00Z","ok":true,"error_code":null,"failed_step":null,"hint_title":null,"steps":[]}}}"#,
    )
    .unwrap();
    let list = sf.run(["list", "--json"]).ok().json();
    assert_eq!(
        list[0]["last_test"],
        json!({"ok": true, "at": "2026-11-23T05:00:00Z", "error_code": null})
    );
    // A production connection is not removed on a script's say-so: --yes, or its name typed.
    let before = sf.profiles_bytes();
    sf.run(["remove", "cc"])
        .code(2)
        .stderr_has("PRODUCTION")
        .stderr_has("--yes");
    assert_eq!(
        sf.profiles_bytes(),
        before,
        "a refused remove changed nothing"
    );
    sf.run(["remove", "cc", "--yes"])
        .ok()
        .stdout_has("was the default");
    let names: Vec<String> = sf
        .run(["list", "--json"])
        .ok()
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["keep"]);
    let secrets = std::fs::read_to_string(sf.secrets_file()).unwrap_or_default();
    assert!(!secrets.contains("cs"), "{secrets}");
    assert!(
        !std::fs::read_to_string(sf.state_file())
            .unwrap()
            .contains("\"cc\"")
    );
    assert!(
        !String::from_utf8(sf.profiles_bytes())
            .unwrap()
            .contains("default")
    );
    sf.run(["remove", "cc", "--yes"]).code(2);
}

#[test]
fn required_secret_without_terminal_names_the_variable() {
    let sf = Sfconn::new();
    sf.run([
        "add",
        "p",
        "--flow",
        "password",
        "--client-id",
        "CK",
        "--username",
        "u@example.com",
    ])
    .code(2)
    .stderr_has("SFCONN_CLIENT_SECRET: required")
    .stderr_has("SFCONN_PASSWORD: required");
    assert!(!sf.profile_file().exists());
    sf.run([
        "add",
        "j",
        "--flow",
        "jwt",
        "--client-id",
        "CK",
        "--username",
        "u@example.com",
    ])
    .code(2)
    .stderr_has("SFCONN_PRIVATE_KEY");
}

#[test]
fn jwt_key_from_file_or_environment() {
    use base64::Engine as _;
    let sf = Sfconn::new();
    let kp = rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        .unwrap();
    let pem = kp.serialize_pem();
    let key = sf.home().join("j.key");
    std::fs::write(&key, &pem).unwrap();
    let cert = sf.home().join("j.crt");
    let cert_pem = rcgen::CertificateParams::new(vec!["j.test".into()])
        .unwrap()
        .self_signed(&kp)
        .unwrap()
        .pem();
    std::fs::write(&cert, cert_pem).unwrap();
    sf.cmd([
        "add",
        "j1",
        "--flow",
        "jwt",
        "--client-id",
        "CK",
        "--username",
        "u@example.com",
        "--key-file",
    ])
    .arg(&key)
    .arg("--cert-file")
    .arg(&cert)
    .ok();
    let show = sf.run(["show", "j1", "--json"]).ok().json();
    assert_eq!(show["cert_file"], cert.to_string_lossy().as_ref());
    assert_eq!(show["key_file"], key.to_string_lossy().as_ref());
    let b64 = base64::engine::general_purpose::STANDARD.encode(pem.as_bytes());
    sf.cmd([
        "add",
        "j2",
        "--flow",
        "jwt",
        "--client-id",
        "CK",
        "--username",
        "u@example.com",
        "--env",
        "sandbox",
    ])
    .env("SFCONN_PRIVATE_KEY", &b64)
    .ok();
    assert_eq!(
        sf.run(["show", "j2", "--json"]).ok().json()["secrets"],
        json!(["private_key"])
    );
    let secrets = std::fs::read_to_string(sf.secrets_file()).unwrap();
    assert!(
        secrets.contains("BEGIN PRIVATE KEY"),
        "the imported key is stored as PEM"
    );
    sf.cmd([
        "add",
        "j3",
        "--flow",
        "jwt",
        "--client-id",
        "CK",
        "--username",
        "u@example.com",
    ])
    .env(
        "SFCONN_PRIVATE_KEY",
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n",
    )
    .code(2)
    .stderr_has("encrypted with a passphrase");
}

#[test]
fn add_keeps_comments_and_refuses_duplicates() {
    let sf = Sfconn::new();
    let original = "# team connections, edited by hand\ntimeout_secs = 20 # slow VPN\n\n[connections.a]\nflow = \"device\"\nclient_id = \"x\"\n";
    sf.write_profiles(original);
    add_device(&sf, "b");
    let text = String::from_utf8(sf.profiles_bytes()).unwrap();
    assert!(text.starts_with(original), "{text}");
    assert!(text.contains("[connections.b]"));
    let before = sf.profiles_bytes();
    sf.run(["add", "b", "--flow", "device", "--client-id", "y"])
        .code(2)
        .stderr_has("already exists");
    assert_eq!(sf.profiles_bytes(), before);
    assert_eq!(
        sf.run(["show", "a", "--json"]).ok().json()["timeout_secs"],
        20
    );
}

#[test]
fn completions_print_a_script() {
    let sf = Sfconn::new();
    sf.run(["completions", "bash"])
        .ok()
        .stdout_has("sfconn")
        .stdout_has("SFCONN_COMPLETE");
    sf.run(["completions", "zsh"])
        .ok()
        .stdout_has("#compdef sfconn");
}

#[test]
fn config_example_is_a_valid_profile_file() {
    let sf = Sfconn::new();
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml");
    let list = sf.cmd(["--config", example, "list", "--json"]).ok().json();
    let flows: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["flow"].as_str().unwrap())
        .collect();
    for flow in ["web", "jwt", "client-credentials", "password", "device"] {
        assert!(
            flows.contains(&flow),
            "config.example.toml lacks a {flow} connection: {flows:?}"
        );
    }
}

/// Canary secrets go in through every command and must come out only through the secret store.
#[test]
fn canary_secrets_never_leak() {
    const CANARY_SECRET: &str = "CANARYcs7f3a";
    const CANARY_PASSWORD: &str = "CANARYpw#&+%9";
    const CANARY_TOKEN: &str = "CANARYtok44";
    let sf = Sfconn::new();
    let mut outputs = vec![
        sf.cmd([
            "add",
            "p",
            "--flow",
            "password",
            "--client-id",
            "CK",
            "--username",
            "u@example.com",
        ])
        .env("SFCONN_CLIENT_SECRET", CANARY_SECRET)
        .env("SFCONN_PASSWORD", CANARY_PASSWORD)
        .env("SFCONN_SECURITY_TOKEN", CANARY_TOKEN)
        .ok(),
    ];
    outputs.push(
        sf.cmd(["edit", "p", "--env", "sandbox"])
            .env("SFCONN_PASSWORD", CANARY_PASSWORD)
            .ok(),
    );
    outputs.push(sf.run(["list"]).ok());
    outputs.push(sf.run(["list", "--json"]).ok());
    outputs.push(sf.run(["show", "p"]).ok());
    outputs.push(sf.run(["show", "p", "--json"]).ok());
    outputs.push(sf.run(["rename", "p", "q"]).ok());
    outputs.push(sf.run(["use", "q"]).ok());
    // A failing save with secrets in the environment.
    outputs.push(
        sf.cmd(["add", "bad", "--flow", "password", "--client-id", "CK"])
            .env("SFCONN_CLIENT_SECRET", CANARY_SECRET)
            .env("SFCONN_PASSWORD", CANARY_PASSWORD)
            .code(2),
    );
    let show = sf.run(["show", "q", "--json"]).ok().json();
    assert_eq!(
        show["secrets"],
        json!(["client_secret", "password", "security_token"])
    );
    for out in &outputs {
        for canary in [CANARY_SECRET, CANARY_PASSWORD, CANARY_TOKEN] {
            out.never_shows(canary);
        }
    }
    for (path, bytes) in sf.files() {
        if path == sf.secrets_file() {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        for canary in [CANARY_SECRET, CANARY_PASSWORD, CANARY_TOKEN] {
            assert!(
                !text.contains(canary),
                "{} contains a secret:\n{text}",
                path.display()
            );
        }
    }
    outputs.push(sf.run(["remove", "q", "--yes"]).ok());
    let left = std::fs::read_to_string(sf.secrets_file()).unwrap_or_default();
    assert!(
        !left.contains(CANARY_SECRET),
        "remove left secrets behind: {left}"
    );
}

#[test]
fn file_store_warns_on_stderr_only() {
    let sf = Sfconn::new();
    sf.cmd([
        "add",
        "cc",
        "--flow",
        "client-credentials",
        "--client-id",
        "CK",
        "--domain",
        "acme.my.salesforce.com",
    ])
    .env("SFCONN_CLIENT_SECRET", "x")
    .ok()
    .stderr_has("SFCONN_SECRET_STORE=file");
    sf.run(["show", "cc", "--json"])
        .ok()
        .stderr_has("plain text")
        .json();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(sf.secrets_file())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }
    sf.cmd(["show", "cc"])
        .env("SFCONN_SECRET_STORE", "vault")
        .code(2)
        .stderr_has("SFCONN_SECRET_STORE=vault");
}

/// On a terminal, a missing secret is asked for with hidden input and stored; the typed value
/// is not echoed.
#[test]
fn secrets_are_asked_for_on_a_terminal() {
    use std::io::{Read, Write};
    use std::sync::{Arc, Mutex};

    let sf = Sfconn::new();
    let pty = portable_pty::native_pty_system()
        .openpty(portable_pty::PtySize {
            rows: 24,
            cols: 100,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let cmd = sf.pty_command([
        "add",
        "p",
        "--flow",
        "client-credentials",
        "--client-id",
        "CK",
        "--domain",
        "acme.my.salesforce.com",
    ]);
    let mut child = pty.slave.spawn_command(cmd).unwrap();
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().unwrap();
    let mut writer = pty.master.take_writer().unwrap();
    let screen = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&screen);
    std::thread::spawn(move || {
        let mut buf = [0u8; 1024];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    // A guard against hanging forever, not a timing assertion.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !screen.lock().unwrap().contains("Consumer secret for p:") {
        assert!(
            std::time::Instant::now() < deadline,
            "no prompt; screen: {}",
            screen.lock().unwrap()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    writer.write_all(b"typed-secret-42\r").unwrap();
    writer.flush().unwrap();
    let status = child.wait().unwrap();
    let seen = screen.lock().unwrap().clone();
    assert!(status.success(), "add failed; screen: {seen}");
    assert!(
        !seen.contains("typed-secret-42"),
        "the secret was echoed: {seen}"
    );
    let secrets = std::fs::read_to_string(sf.secrets_file()).unwrap();
    assert!(secrets.contains("typed-secret-42"), "{secrets}");
    assert!(
        !String::from_utf8(sf.profiles_bytes())
            .unwrap()
            .contains("typed-secret-42")
    );
}

#[test]
fn a_secret_that_cannot_be_stored_means_no_profile() {
    let sf = Sfconn::new();
    // A directory where the secret file should be: every secret write fails.
    std::fs::create_dir(sf.secrets_file()).unwrap();
    sf.cmd([
        "add",
        "cc",
        "--flow",
        "client-credentials",
        "--client-id",
        "CK",
        "--domain",
        "acme.my.salesforce.com",
    ])
    .env("SFCONN_CLIENT_SECRET", "s")
    .code(2)
    .stderr_has("secret file");
    assert!(
        !sf.profile_file().exists(),
        "the profile was written without its secret"
    );
}

#[test]
fn output_into_a_closed_pipe_exits_quietly() {
    let sf = Sfconn::new();
    // Far more output than a pipe buffers, so the write hits the closed pipe either way.
    let mut text = String::new();
    for i in 0..1000 {
        text.push_str(&format!(
            "[connections.Acme-Prod-Sync-{i:04}]\nflow = \"device\"\nclient_id = \"3MVG9-{i}\"\n\n"
        ));
    }
    sf.write_profiles(&text);
    for args in [
        vec!["list", "--json"],
        vec!["list"],
        vec!["show", "Acme-Prod-Sync-0001"],
        vec!["completions", "bash"],
    ] {
        let run = sf.cmd(args.clone());
        let mut child = run.command().spawn().unwrap();
        drop(child.stdout.take()); // `sfconn list | head -0`
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.code() == Some(0)
                && !stderr.contains("panicked")
                && !stderr.contains("Broken pipe"),
            "sfconn {args:?} into a closed pipe: status {}, stderr:\n{stderr}",
            out.status
        );
    }
}

#[test]
fn the_tui_and_demo_without_a_terminal_say_what_to_use_instead() {
    let sf = Sfconn::new();
    for args in [vec![], vec!["demo"]] {
        sf.cmd(args)
            .code(2)
            .stderr_has("needs an interactive terminal")
            .stderr_has("sfconn list")
            .never_shows("practice org at")
            .never_shows("\u{1b}[");
    }
}

/// `list --json` keeps its output in `$SFCONN_HOME/cache` (issue 13's budget); every input it
/// depends on must still show at once: a hand edit of the same length, a new test result,
/// `SFCONN_PROFILE`, today's date (the password flow's days left), a damaged state file.
#[test]
fn list_json_shows_every_change_to_its_inputs_at_once() {
    let mut sf = Sfconn::new();
    add_device(&sf, "a");
    add_device(&sf, "b");
    let first = sf.run(["list", "--json"]).ok().stdout;
    let cached: Vec<_> = std::fs::read_dir(sf.home().join("cache"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("list-json-"))
        .collect();
    assert_eq!(cached.len(), 1, "the output is cached: {cached:?}");
    assert_eq!(sf.run(["list", "--json"]).ok().stdout, first);

    // The same number of bytes, one value changed by hand.
    let text = String::from_utf8(sf.profiles_bytes()).unwrap();
    std::fs::write(sf.profile_file(), text.replace("id-a", "id-z")).unwrap();
    let list = sf.run(["list", "--json"]).ok().json();
    assert_eq!(list[0]["client_id"], "id-z");

    std::fs::write(
        sf.state_file(),
        r#"{"tests":{"b":{"at":"2026-11-23T05:00:00Z","ok":false,"error_code":"invalid_grant","failed_step":"token","hint_title":null,"steps":[]}}}"#,
    )
    .unwrap();
    let list = sf.run(["list", "--json"]).ok().json();
    assert_eq!(list[1]["last_test"]["error_code"], "invalid_grant");

    sf.set_env("SFCONN_PROFILE", "b");
    let list = sf.run(["list", "--json"]).ok().json();
    assert_eq!(
        (&list[0]["default"], &list[1]["default"]),
        (&json!(false), &json!(true))
    );
    sf.unset_env("SFCONN_PROFILE");

    sf.cmd([
        "add",
        "p",
        "--flow",
        "password",
        "--client-id",
        "id-p",
        "--username",
        "u@x.example",
    ])
    .env("SFCONN_CLIENT_SECRET", "s")
    .env("SFCONN_PASSWORD", "pw")
    .env("SFCONN_SECURITY_TOKEN", "tok")
    .ok();
    sf.set_env("SFCONN_TODAY", "2027-02-10");
    assert_eq!(
        sf.run(["list", "--json"]).ok().json()[2]["password_days_left"],
        10
    );
    sf.set_env("SFCONN_TODAY", "2027-02-11");
    assert_eq!(
        sf.run(["list", "--json"]).ok().json()[2]["password_days_left"],
        9
    );

    // A damaged state file warns on every run, not only the first.
    std::fs::write(sf.state_file(), "{").unwrap();
    for _ in 0..2 {
        let out = sf.run(["list", "--json"]).ok();
        let out = out.stderr_has("last test results are not shown");
        assert_eq!(out.json()[1]["last_test"], json!(null));
    }
    // A damaged cache is only a miss.
    for name in std::fs::read_dir(sf.home().join("cache")).unwrap() {
        std::fs::write(name.unwrap().path(), "garbage").unwrap();
    }
    std::fs::remove_file(sf.state_file()).unwrap();
    let list = sf.run(["list", "--json"]).ok().json();
    assert_eq!(list.as_array().map(Vec::len), Some(3));
    assert_eq!(list[0]["client_id"], "id-z");
}
