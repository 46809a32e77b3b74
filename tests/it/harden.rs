//! Defects from the adversarial pass (issue 14) that need no hostile server: small RSA keys,
//! bad domains and labels, file modes, line endings, unreadable files, a damaged state file.

use crate::support::home::Sfconn;

fn data(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn jwt_args(key: &str) -> Vec<&str> {
    vec![
        "--flow",
        "jwt",
        "--client-id",
        "x",
        "--username",
        "u@example.com",
        "--key-file",
        key,
    ]
}

#[test]
fn rsa_keys_under_2048_bits_are_refused_by_add_and_edit_and_named_by_doctor() {
    let sf = Sfconn::new();
    for file in ["rsa1024.pem", "rsa1024-pkcs8.pem"] {
        let key = data(file);
        let mut args = vec!["add", "j"];
        args.extend(jwt_args(&key));
        sf.cmd(args).code(2).stderr_has("1024 bits");
        assert!(sf.profiles_bytes().is_empty(), "nothing saved");
    }
    // A good key first, then an edit to the small one.
    let good = crate::support::org::TestOrg::write_jwt_key(sf.home());
    let good = good.display().to_string();
    let mut args = vec!["add", "j"];
    args.extend(jwt_args(&good));
    sf.cmd(args).ok();
    let before = sf.profiles_bytes();
    let small = data("rsa1024.pem");
    sf.cmd(["edit", "j", "--key-file", &small])
        .code(2)
        .stderr_has("1024 bits");
    assert_eq!(sf.profiles_bytes(), before, "the file is unchanged");
    // A file edited by hand: doctor says what is wrong with the key.
    let text = String::from_utf8(before).expect("utf-8");
    sf.write_profiles(&text.replace(&good, &small));
    let out = sf.cmd(["doctor", "j", "--json"]).code(1);
    let json = out.json();
    let checks = json["checks"].as_array().expect("checks");
    let key_check = checks
        .iter()
        .find(|c| {
            c["detail"]
                .as_str()
                .is_some_and(|d| d.contains("1024 bits"))
        })
        .unwrap_or_else(|| panic!("a check names the key size{out}"));
    assert_eq!(key_check["status"], "fail", "{out}");
    assert!(!out.stdout.contains("not an RSA private key"), "{out}");
}

#[test]
fn domains_with_a_path_user_info_port_0_or_bad_labels_are_refused() {
    let long_label = format!("{}.my.salesforce.com", "a".repeat(300));
    let sf = Sfconn::new();
    for bad in [
        "evil.com/login.salesforce.com",
        "https://evil.com\\@acme.my.salesforce.com",
        "https://evil.com@acme.my.salesforce.com",
        "https://acme.my.salesforce.com:0",
        long_label.as_str(),
    ] {
        let out = sf
            .cmd([
                "add",
                "d",
                "--flow",
                "device",
                "--client-id",
                "x",
                "--domain",
                bad,
            ])
            .code(2);
        assert!(out.stderr.contains("domain"), "{bad}{out}");
        assert!(sf.profiles_bytes().is_empty(), "{bad}: nothing saved");
    }
}

fn mkfifo(path: &std::path::Path) -> bool {
    std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn key_profile_and_state_files_that_never_end_or_block_are_refused() {
    use crate::support::hostile::must_end;
    let sf = Sfconn::new();
    let fifo = sf.home().join("key.fifo");
    let have_fifo = mkfifo(&fifo);
    let fifo_text = fifo.display().to_string();
    let mut keys = vec!["/dev/zero"];
    if have_fifo {
        keys.push(&fifo_text);
    }
    for key in keys {
        let mut args = vec!["add", "j"];
        args.extend(jwt_args(key));
        let (code, _, stderr) = must_end(sf.cmd(args));
        assert_eq!(code, Some(2), "{key}: {stderr}");
        assert!(stderr.contains("not a regular file"), "{key}: {stderr}");
    }
    // The profile file itself.
    let profile = if have_fifo {
        fifo_text.clone()
    } else {
        "/dev/zero".to_string()
    };
    let (code, _, stderr) = must_end(sf.cmd(["--config", &profile, "list"]));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("not a regular file"), "{stderr}");
    let (code, _, stderr) = must_end(sf.cmd([
        "--config",
        &profile,
        "add",
        "d",
        "--flow",
        "device",
        "--client-id",
        "x",
    ]));
    assert_eq!(code, Some(2), "{stderr}");
    // A state file that is /dev/zero: shown as no results, with a warning.
    sf.run(["add", "d", "--flow", "device", "--client-id", "x"])
        .ok();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/dev/zero", sf.state_file()).expect("symlink");
    let (code, stdout, stderr) = must_end(sf.cmd(["list"]));
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stderr.contains("not a regular file"), "{stderr}");
}

#[test]
fn a_damaged_state_file_is_treated_the_same_by_every_command() {
    let org = crate::support::org::TestOrg::start();
    let sf = Sfconn::new();
    sf.add_practice_cc("cc", &org.url(), "sandbox");
    std::fs::write(sf.state_file(), "{damaged").expect("write state.json");
    for args in [
        vec!["list"],
        vec!["list", "--json"],
        vec!["show", "cc"],
        vec!["test", "cc"],
        vec!["doctor", "cc"],
    ] {
        let out = sf.cmd(args.clone()).ok();
        assert!(out.stderr.contains("state.json"), "{args:?}{out}");
        assert!(out.stderr.contains("delete it"), "{args:?}{out}");
        assert_eq!(
            std::fs::read(sf.state_file()).expect("state.json"),
            b"{damaged",
            "{args:?} left the damaged file for the user"
        );
    }
    sf.run(["rename", "cc", "cc2"]).ok();
    sf.run(["remove", "cc2", "--yes"]).ok();
}

#[test]
fn crlf_profile_files_keep_their_line_endings() {
    let sf = Sfconn::new();
    sf.write_profiles("# mine\r\n[connections.a]\r\nflow = \"device\"\r\nclient_id = \"x\"\r\n");
    sf.run(["add", "b", "--flow", "device", "--client-id", "y"])
        .ok();
    sf.run(["edit", "a", "--client-id", "z"]).ok();
    let text = String::from_utf8(sf.profiles_bytes()).expect("utf-8");
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "{text:?}"
    );
    assert!(text.contains("client_id = \"z\"\r\n"), "{text:?}");
}

#[cfg(unix)]
#[test]
fn directories_sfconn_creates_are_owner_only_under_umask_000() {
    use std::os::unix::fs::PermissionsExt;
    let sf = Sfconn::new();
    let home = sf.home().join("new-home");
    let bin = env!("CARGO_BIN_EXE_sfconn");
    for args in ["add d --flow device --client-id x", "keygen d"] {
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("umask 000; exec '{bin}' {args}"))
            .env("SFCONN_HOME", &home)
            .env("SFCONN_SECRET_STORE", "file")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .expect("run sfconn under sh");
        let _ = status;
    }
    for dir in [home.clone(), home.join("keys")] {
        let mode = std::fs::metadata(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o700, "{} is {mode:o}", dir.display());
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_keychain_that_never_answers_ends_in_keychain_unavailable() {
    use crate::support::hostile::must_end;
    let sf = Sfconn::with_keychain();
    sf.write_profiles("[connections.a]\nflow = \"device\"\nclient_id = \"x\"\n");
    // A "session bus" that accepts every connection and never says a word.
    let socket = sf.home().join("bus.sock");
    let listener = std::os::unix::net::UnixListener::bind(&socket).expect("bind the socket");
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming() {
            held.push(conn);
        }
    });
    let bus = format!("unix:path={}", socket.display());
    let before = sf.profiles_bytes();
    for args in [
        vec!["show", "a"],
        vec![
            "add",
            "cc",
            "--flow",
            "client-credentials",
            "--domain",
            "acme.my.salesforce.com",
            "--client-id",
            "x",
        ],
    ] {
        let run = sf
            .cmd(args.clone())
            .env("DBUS_SESSION_BUS_ADDRESS", &bus)
            .env("SFCONN_CLIENT_SECRET", "s3cret-value");
        let (code, stdout, stderr) = must_end(run);
        assert_eq!(code, Some(2), "{args:?}: {stdout}{stderr}");
        assert!(stderr.contains("did not answer"), "{args:?}: {stderr}");
        assert!(
            stderr.contains("SFCONN_SECRET_STORE=file"),
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(sf.profiles_bytes(), before, "add saved nothing");
}
