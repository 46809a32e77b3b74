//! `sfconn demo --serve` and the `TestOrg` helper.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use crate::support::org::TestOrg;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn demo_serve_prints_working_credentials_and_stops_on_sigterm() {
    let home = tempfile::tempdir().unwrap();
    let cmd = format!("{} demo --serve", env!("CARGO_BIN_EXE_sfconn"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_sfconn"))
        .args(["demo", "--serve"])
        .env("SFCONN_HOME", home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    let mut line = String::new();
    while stdout.read_line(&mut line).unwrap() > 0 {
        banner.push_str(&line);
        if line.contains("Press Ctrl-C") {
            break;
        }
        line.clear();
    }
    let fail = |what: &str, child: &mut std::process::Child| -> ! {
        let _ = child.kill();
        let mut stderr = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = e.read_to_string(&mut stderr);
        }
        panic!("{what}\ncommand: {cmd}\nstdout:\n{banner}\nstderr:\n{stderr}");
    };
    let Some(url) = banner.lines().find_map(|l| {
        l.trim()
            .strip_prefix("My Domain / instance URL")
            .map(|r| r.trim().to_string())
    }) else {
        fail("no URL in the banner", &mut child);
    };
    for expected in [
        "login host stand-in       http://localhost:",
        "practice-web",
        "practice-jwt",
        "practice-cc-secret",
        "admin@practice.example",
        "PRACTICETOKEN1",
        "jwt.key (throw-away demo key)",
        "sfconn add practice-password --flow password",
        "Broken on purpose",
        "sfconn add broken-client-secret --flow client-credentials",
    ] {
        if !banner.contains(expected) {
            fail(&format!("banner lacks {expected:?}"), &mut child);
        }
    }
    let key_path = banner
        .lines()
        .find_map(|l| l.trim().strip_prefix("JWT private key"))
        .and_then(|r| r.trim().split(' ').next())
        .map(String::from)
        .unwrap();
    assert!(std::path::Path::new(&key_path).exists(), "{key_path}");

    let status = runtime().block_on(async {
        reqwest::Client::new()
            .post(format!("{url}/services/oauth2/token"))
            .form(&[
                ("grant_type", "password"),
                ("client_id", "practice-password"),
                ("client_secret", "practice-password-secret"),
                ("username", "admin@practice.example"),
                ("password", "Practice-Pass-1PRACTICETOKEN1"),
            ])
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    if status.as_ref().ok() != Some(&200) {
        fail(&format!("password grant answered {status:?}"), &mut child);
    }

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let exit = child.wait().unwrap();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(exit.success(), "exit {exit:?}, stdout after banner: {rest}");
    assert!(rest.contains("Practice org stopped."), "{rest}");
    assert!(
        !std::path::Path::new(&key_path).exists(),
        "the demo key file is removed on exit"
    );
}

#[test]
fn demo_serve_with_a_broken_scenario_exits_2_naming_file_line_and_column() {
    let home = tempfile::tempdir().unwrap();
    let scenario = home.path().join("broken.toml");
    std::fs::write(
        &scenario,
        "[org]\nid = \"00D000000000001\"\nname = \"x\"\nflavour = 1\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sfconn"))
        .args(["demo", "--serve", "--scenario"])
        .arg(&scenario)
        .env("SFCONN_HOME", home.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        stderr.contains(&format!("{}:4:1", scenario.display())),
        "stderr: {stderr}"
    );
    assert!(stderr.contains("flavour"), "stderr: {stderr}");
}

#[test]
fn test_org_serves_both_hosts_and_counts_requests() {
    let org = TestOrg::start();
    assert!(org.url().starts_with("http://127.0.0.1:"));
    assert!(org.login_url().starts_with("http://localhost:"));
    let statuses = runtime().block_on(async {
        let client = reqwest::Client::new();
        let mut statuses = Vec::new();
        for base in [org.url(), org.login_url()] {
            let resp = client
                .get(format!("{base}/services/data/"))
                .send()
                .await
                .unwrap();
            statuses.push(resp.status().as_u16());
        }
        statuses
    });
    assert_eq!(statuses, [200, 200]);
    assert_eq!(org.request_count("/services/data/"), 2);
}

#[test]
fn test_org_plays_the_browser_up_to_the_callback() {
    use std::io::Write;
    let org = TestOrg::start();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let callback_server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut buf = [0u8; 4096];
        let n = stream.read(&mut buf).unwrap();
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
            .unwrap();
        String::from_utf8_lossy(&buf[..n]).to_string()
    });
    org.allow_callback(
        "practice-web",
        &format!("http://127.0.0.1:{port}/OauthRedirect"),
    );
    let url = format!(
        "{}/services/oauth2/authorize?response_type=code&client_id=practice-web&redirect_uri=http%3A%2F%2F127.0.0.1%3A{port}%2FOauthRedirect&state=s1&code_challenge=abc",
        org.url()
    );
    let (at_org, at_callback) = org.play_browser(&url);
    assert_eq!(at_org.status, 302, "{at_org:?}");
    let at_callback = at_callback.unwrap();
    assert_eq!((at_callback.status, at_callback.body.as_str()), (200, "ok"));
    let request = callback_server.join().unwrap();
    assert!(request.starts_with("GET /OauthRedirect?code="), "{request}");
    assert!(request.contains("&state=s1 "), "{request}");
}

/// Start `sfconn demo --serve ARGS`, read its banner up to "Press Ctrl-C", stop it with SIGTERM.
fn serve_banner(args: &[&str], home: &std::path::Path) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sfconn"))
        .args(["demo", "--serve"])
        .args(args)
        .env("SFCONN_HOME", home)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    let mut line = String::new();
    while stdout.read_line(&mut line).unwrap() > 0 {
        banner.push_str(&line);
        if line.contains("Press Ctrl-C") {
            break;
        }
        line.clear();
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success() && banner.contains("Press Ctrl-C"),
        "sfconn demo --serve {args:?}\nstdout:\n{banner}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    banner
}

#[test]
fn demo_serve_home_keeps_ports_key_and_add_lines_across_restarts() {
    let home = tempfile::tempdir().unwrap();
    let org_home = home.path().join("org");
    let dir = org_home.to_str().unwrap();
    let first = serve_banner(&["--home", dir], home.path());
    let key = org_home.join("jwt.key");
    assert!(
        first.contains(&format!("{} (throw-away demo key)", key.display())),
        "{first}"
    );
    assert!(key.exists(), "the key stays in --home after a stop");
    assert!(first.contains("sfconn add practice-jwt"), "{first}");
    let second = serve_banner(&["--home", dir], home.path());
    assert_eq!(
        first, second,
        "a restarted practice org prints the same banner"
    );
    // Without --home the ports are new each time.
    let elsewhere = serve_banner(&[], home.path());
    assert_ne!(first, elsewhere);
}

#[test]
fn demo_serve_compares_callback_urls_exactly() {
    let home = tempfile::tempdir().unwrap();
    let org_home = home.path().join("org");
    let banner_home = org_home.to_str().unwrap();
    // Read the URL from a first run, then probe a second run on the same (kept) port.
    let banner = serve_banner(&["--home", banner_home], home.path());
    let url = banner
        .lines()
        .find_map(|l| l.trim().strip_prefix("My Domain / instance URL"))
        .map(|r| r.trim().to_string())
        .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sfconn"))
        .args(["demo", "--serve", "--home", banner_home])
        .env("SFCONN_HOME", home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while stdout.read_line(&mut line).unwrap() > 0 && !line.contains("Press Ctrl-C") {
        line.clear();
    }
    let statuses = runtime().block_on(async {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut statuses = Vec::new();
        for callback in [
            "http://localhost:1717/OauthRedirect",
            "http://localhost:1718/OauthRedirect",
            "http://127.0.0.1:53682/OauthRedirect",
        ] {
            let resp = client
                .get(format!("{url}/services/oauth2/authorize"))
                .query(&[
                    ("response_type", "code"),
                    ("client_id", "practice-web"),
                    ("redirect_uri", callback),
                    ("code_challenge", "abc"),
                ])
                .send()
                .await
                .unwrap();
            statuses.push(resp.status().as_u16());
        }
        statuses
    });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        statuses,
        [302, 400, 400],
        "only the registered callback URL"
    );
}
