//! Interactive logins that go wrong: the test plays the browser (or the second device) and
//! `login --json` must rank the matching hint first.

use std::io::{BufRead, BufReader};
use std::sync::mpsc;
use std::time::Duration;

use super::*;

/// A running `sfconn login NAME --no-browser --json` whose stderr is watched for a line.
struct LoginRun {
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
    stderr: std::thread::JoinHandle<String>,
    command: String,
}

impl LoginRun {
    fn start(sf: &Sfconn, name: &str, callback_timeout_secs: u64) -> LoginRun {
        let mut child = sf
            .cmd(["login", name, "--no-browser", "--json"])
            .env(
                "SFCONN_CALLBACK_TIMEOUT_SECS",
                &callback_timeout_secs.to_string(),
            )
            .spawn();
        let stderr = child.stderr.take().expect("stderr is piped");
        let (tx, lines) = mpsc::channel();
        let stderr = std::thread::spawn(move || {
            let mut all = String::new();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                all.push_str(&line);
                all.push('\n');
                let _ = tx.send(line);
            }
            all
        });
        LoginRun {
            child,
            lines,
            stderr,
            command: format!("sfconn login {name} --no-browser --json"),
        }
    }

    /// The first stderr line containing `needle`, trimmed.
    fn wait_for(&self, needle: &str) -> String {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(30)) {
                Ok(line) if line.contains(needle) => return line.trim().to_string(),
                Ok(_) => {}
                Err(e) => panic!("{} never printed {needle:?} ({e})", self.command),
            }
        }
    }

    fn finish(self) -> Output {
        let out = self
            .child
            .wait_with_output()
            .expect("wait for sfconn login");
        Output {
            command: self.command,
            status: out.status,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: self.stderr.join().unwrap_or_default(),
        }
    }
}

/// One-off HTTP requests as a browser makes them (no redirects followed).
fn browser() -> (tokio::runtime::Runtime, reqwest::Client) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    (runtime, client)
}

fn free_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port().to_string()
}

#[test]
fn a_callback_url_the_app_does_not_list_blames_the_redirect_uri() {
    let org = TestOrg::start();
    let sf = Sfconn::new();
    // The strict app lists only port 1717; this connection calls back on another port.
    Conn::new("strict", "web", &org.url(), "practice-web-strict")
        .arg("--callback-port", &free_port())
        .add(&sf);
    let run = LoginRun::start(&sf, "strict", 3);
    let url = run.wait_for("/services/oauth2/authorize");
    let (at_org, callback) = org.play_browser(&url);
    assert!(
        callback.is_none() && at_org.body.contains("redirect_uri_mismatch"),
        "Salesforce shows the error in the browser only: {at_org:?}"
    );
    let out = run.finish().code(1);
    let json = assert_first_hint(&out, "redirect-uri-mismatch");
    assert!(
        hint_ids(&json).contains(&"browser-unavailable".to_string()),
        "{out}"
    );
}

#[test]
fn a_callback_with_another_state_is_refused() {
    let org = TestOrg::start();
    let sf = Sfconn::new();
    Conn::new("web", "web", &org.url(), "practice-web")
        .callback_on(&org, &free_port())
        .add(&sf);
    let run = LoginRun::start(&sf, "web", 20);
    let url = run.wait_for("/services/oauth2/authorize");
    let mut forged = url::Url::parse(&url).unwrap();
    let pairs: Vec<(String, String)> = forged
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                "forged".into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    forged.query_pairs_mut().clear().extend_pairs(pairs);
    let (_, callback) = org.play_browser(forged.as_str());
    let callback = callback.expect("the org redirects to the callback");
    assert_eq!(callback.status, 400, "{callback:?}");
    let out = run.finish().code(1);
    assert_first_hint(&out, "callback-state-mismatch");
}

#[test]
fn denying_access_in_the_browser_is_access_denied() {
    let org = TestOrg::start();
    let sf = Sfconn::new();
    Conn::new("consent", "web", &org.url(), "practice-web-consent")
        .callback_on(&org, &free_port())
        .secret("SFCONN_CLIENT_SECRET", "practice-web-consent-secret")
        .add(&sf);
    let run = LoginRun::start(&sf, "consent", 20);
    let url = url::Url::parse(&run.wait_for("/services/oauth2/authorize")).unwrap();
    let (runtime, client) = browser();
    runtime.block_on(async {
        let page = client.get(url.as_str()).send().await.unwrap();
        assert_eq!(page.status(), 200, "the consent page");
        // The consent form posts the same parameters back with the button's decision.
        let mut form: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        form.push(("decision".into(), "deny".into()));
        let answer = client
            .post(format!("{}/services/oauth2/authorize", org.url()))
            .form(&form)
            .send()
            .await
            .unwrap();
        let location = answer.headers()["location"].to_str().unwrap().to_string();
        assert!(location.contains("error=access_denied"), "{location}");
        client.get(&location).send().await.unwrap();
    });
    let out = run.finish().code(1);
    let json = assert_first_hint(&out, "access-denied");
    assert_eq!(json["error"]["code"], "access_denied", "{out}");
}

#[test]
fn a_device_login_for_an_uninstalled_app_is_blocked() {
    let org = TestOrg::start();
    let sf = Sfconn::new();
    Conn::new("blocked", "device", &org.url(), "practice-uninstalled").add(&sf);
    let out = sf.run(["login", "blocked", "--json"]).code(1);
    let json = assert_first_hint(&out, "app-not-installed");
    assert_eq!(
        json["error"]["description"], "app must be installed into org",
        "{out}"
    );
}

#[test]
fn denying_a_device_code_is_access_denied() {
    let mut scenario = sfconn::emulator::Scenario::builtin();
    for app in &mut scenario.apps {
        if app.client_id == "practice-device" {
            app.device_auto_approve_after_polls = None;
        }
    }
    let org = TestOrg::start_with(scenario, Default::default());
    let sf = Sfconn::new();
    Conn::new("dev", "device", &org.url(), "practice-device").add(&sf);
    let run = LoginRun::start(&sf, "dev", 20);
    let line = run.wait_for("enter the code:");
    let code = line.rsplit(' ').next().unwrap().to_string();
    let (runtime, client) = browser();
    runtime.block_on(async {
        let answer = client
            .post(format!("{}/setup/connect", org.url()))
            .form(&[("user_code", code.as_str()), ("action", "deny")])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
    });
    let out = run.finish().code(1);
    assert_first_hint(&out, "access-denied");
}

#[test]
fn an_expired_refresh_token_asks_for_a_new_login() {
    let org = TestOrg::start();
    let sf = Sfconn::new();
    // This app's refresh token policy expires refresh tokens at once.
    Conn::new("short", "web", &org.url(), "practice-web-expiring")
        .callback_on(&org, &free_port())
        .add(&sf);
    let run = LoginRun::start(&sf, "short", 20);
    let url = run.wait_for("/services/oauth2/authorize");
    org.play_browser(&url);
    run.finish().code(0);
    // The cached access token stops working, and the refresh token cannot replace it.
    org.expire_access_tokens();
    // Doctor proves the refresh token itself; only a new login can fix it (exit 4).
    let out = doctor_json(&sf, "short").code(4);
    let json = assert_first_hint(&out, "refresh-token-expired");
    assert_eq!(json["test"]["error"]["step"], "token", "{out}");
    assert_eq!(
        json["test"]["error"]["description"], "expired access/refresh token",
        "{out}"
    );
}

#[test]
fn a_login_whose_callback_port_is_taken_says_so() {
    let org = TestOrg::start();
    let sf = Sfconn::new();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    Conn::new("web", "web", &org.url(), "practice-web")
        .arg("--callback-port", &port)
        .add(&sf);
    let out = sf.run(["login", "web", "--no-browser", "--json"]).code(1);
    assert_first_hint(&out, "callback-port-busy");
    drop(busy);
}

#[test]
fn an_authorization_code_used_too_late_is_expired() {
    let org = TestOrg::start();
    let sf = Sfconn::new();
    Conn::new("web", "web", &org.url(), "practice-web")
        .callback_on(&org, &free_port())
        .add(&sf);
    let run = LoginRun::start(&sf, "web", 20);
    let url = run.wait_for("/services/oauth2/authorize");
    let (runtime, client) = browser();
    runtime.block_on(async {
        let answer = client.get(&url).send().await.unwrap();
        let location = answer.headers()["location"].to_str().unwrap().to_string();
        assert!(location.contains("code="), "{location}");
        // The browser dawdles: by the time the code reaches sfconn, Salesforce considers it stale.
        org.set_clock_offset(3600);
        client.get(&location).send().await.unwrap();
    });
    let out = run.finish().code(1);
    let json = assert_first_hint(&out, "auth-code-expired");
    assert_eq!(
        json["error"]["description"], "expired authorization code",
        "{out}"
    );
}

#[test]
fn a_device_code_nobody_approves_in_time_expires() {
    let mut scenario = sfconn::emulator::Scenario::builtin();
    for app in &mut scenario.apps {
        if app.client_id == "practice-device" {
            app.device_auto_approve_after_polls = None;
        }
    }
    let org = TestOrg::start_with(scenario, Default::default());
    let sf = Sfconn::new();
    Conn::new("dev", "device", &org.url(), "practice-device").add(&sf);
    let run = LoginRun::start(&sf, "dev", 20);
    run.wait_for("enter the code:");
    // Ten minutes pass at Salesforce without an approval.
    org.set_clock_offset(3600);
    let out = run.finish().code(1);
    assert_first_hint(&out, "auth-code-expired");
}

#[test]
fn a_login_without_a_browser_keeps_waiting_and_says_why() {
    let org = TestOrg::start();
    let sf = Sfconn::new();
    Conn::new("web", "web", &org.url(), "practice-web")
        .callback_on(&org, &free_port())
        .add(&sf);
    // No launcher can be found, so opening the browser fails.
    let out = sf
        .cmd(["login", "web", "--json"])
        .env("PATH", "")
        .env_remove("BROWSER")
        .env("SFCONN_CALLBACK_TIMEOUT_SECS", "2")
        .code(1)
        .stderr_has("/services/oauth2/authorize")
        .stderr_has("Could not open a browser");
    let json = out.json();
    let ids = hint_ids(&json);
    assert!(ids.contains(&"browser-unavailable".to_string()), "{out}");
}
