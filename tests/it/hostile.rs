//! Adversarial tests (issue 14): hostile token endpoints on loopback. Each asserts what a user
//! would notice: where the token went, what the output shows, the exit code.

use crate::support::home::Sfconn;
use crate::support::hostile::{Hostile, Reply, Seen, must_end};
use crate::support::org::TestOrg;

const HOSTILE_TOKEN: &str = "00DH0ST1LE0RG0EAA!hostile-access-token-canary-1234567890";
const CLIENT_SECRET: &str = "client-secret-canary-98765";

/// The versions list that makes a host look like Salesforce to the reach step.
fn versions() -> Reply {
    Reply::json(
        200,
        r#"[{"label":"Winter '25","url":"/services/data/v62.0","version":"62.0"}]"#,
    )
}

/// A token endpoint that grants a token naming `instance_url`; any other path answers like a
/// happy userinfo/limits so that a token sent there would "work".
fn granting(instance_url: &'static str) -> impl Fn(&Seen) -> Reply + Send + Sync + 'static {
    move |seen: &Seen| match seen.path.as_str() {
        "/services/data/" => versions(),
        "/services/oauth2/token" => Reply::json(
            200,
            serde_json::json!({
                "access_token": HOSTILE_TOKEN,
                "instance_url": instance_url,
                "id": "https://login.salesforce.com/id/00D/005",
                "token_type": "Bearer",
            })
            .to_string(),
        ),
        _ => Reply::json(
            200,
            r#"{"user_id":"005x","organization_id":"00Dx","preferred_username":"u","DailyApiRequests":{"Remaining":1}}"#,
        ),
    }
}

fn add_cc(sf: &Sfconn, name: &str, domain: &str) {
    sf.cmd([
        "add",
        name,
        "--flow",
        "client-credentials",
        "--domain",
        domain,
        "--client-id",
        "cc-client",
    ])
    .env("SFCONN_CLIENT_SECRET", CLIENT_SECRET)
    .ok();
}

#[test]
fn a_token_answer_naming_an_untrusted_host_is_refused_and_never_kept() {
    for bad in [
        "http://10.9.9.9",
        "javascript:alert(1)//",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "https://evil.example",
    ] {
        let server = Hostile::start(granting(bad));
        let sf = Sfconn::new();
        add_cc(&sf, "h", &server.url());

        let test = sf.cmd(["--timeout", "2", "test", "h", "--json"]).code(1);
        let json = test.json();
        assert_eq!(json["error"]["step"], "token", "{bad}{test}");
        assert_eq!(
            json["hints"][0]["id"], "instance-url-untrusted",
            "{bad}{test}"
        );
        test.never_shows(HOSTILE_TOKEN);

        for args in [
            vec!["--timeout", "2", "env", "h"],
            vec!["--timeout", "2", "token", "h"],
            vec!["--timeout", "2", "open", "h", "--print-url"],
            vec!["--timeout", "2", "login", "h"],
            vec!["--timeout", "2", "doctor", "h", "--json"],
        ] {
            let out = sf.cmd(args.clone()).output();
            assert_eq!(out.exit_code(), Some(1), "{bad} {args:?}{out}");
            out.never_shows(HOSTILE_TOKEN);
            assert!(!out.stdout.contains("frontdoor"), "{bad} {args:?}{out}");
        }
        // Nothing was cached, and no request carried the token anywhere.
        for (path, bytes) in sf.files() {
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains("hostile-access-token-canary"),
                "{bad}: {} holds the token",
                path.display()
            );
        }
        assert_eq!(server.with_authorization(), 0, "{bad}: {:?}", server.seen());
    }
}

#[test]
fn a_poisoned_token_cache_is_dropped_and_its_token_sent_nowhere() {
    let org = TestOrg::start();
    let sf = Sfconn::new();
    sf.add_practice_cc("cc", &org.url(), "production");
    sf.cmd(["token", "cc"]).ok();
    // A cache entry written by an older sfconn, or tampered with: the instance is hostile.
    let secrets = std::fs::read_to_string(sf.secrets_file()).expect("secrets.toml");
    let poisoned = secrets.replace(&org.url(), "https://evil.example");
    assert_ne!(secrets, poisoned, "the cache names the org's URL");
    std::fs::write(sf.secrets_file(), poisoned).expect("write secrets.toml");

    let env = sf.cmd(["env", "cc"]).ok();
    assert!(!env.stdout.contains("evil.example"), "{env}");
    assert!(env.stdout.contains(&org.url()), "{env}");
    let secrets = std::fs::read_to_string(sf.secrets_file()).expect("secrets.toml");
    assert!(!secrets.contains("evil.example"), "{secrets}");

    // doctor does not even probe the poisoned instance host, and says why.
    std::fs::write(
        sf.secrets_file(),
        secrets.replace(&org.url(), "https://evil.example"),
    )
    .expect("write secrets.toml");
    let out = sf.cmd(["doctor", "cc", "--json"]).code(1);
    let json = out.json();
    let check = json["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["check"] == "instance-host"))
        .unwrap_or_else(|| panic!("an instance-host check{out}"));
    assert_eq!(check["status"], "fail", "{out}");
    assert_eq!(check["hints"][0]["id"], "instance-url-untrusted", "{out}");
    assert_eq!(json["test"]["ok"], true, "{out}");
}

#[test]
fn trusted_hosts_lets_a_named_host_through() {
    // The login host is loopback, so a loopback instance is fine; a non-loopback http host is
    // refused even when listed, because the token would travel in clear text.
    let server = Hostile::start(granting("http://10.9.9.9"));
    let sf = Sfconn::new();
    add_cc(&sf, "h", &server.url());
    let text = String::from_utf8(sf.profiles_bytes()).expect("utf-8");
    sf.write_profiles(&format!("{text}trusted_hosts = [\"10.9.9.9\"]\n"));
    let out = sf.cmd(["--timeout", "2", "test", "h", "--json"]).code(1);
    assert_eq!(
        out.json()["hints"][0]["id"],
        "instance-url-untrusted",
        "{out}"
    );
    assert_eq!(server.with_authorization(), 0);
}

#[test]
fn a_device_interval_longer_than_the_code_lives_ends_the_login_at_once() {
    for interval in ["900", "100000", "18446744073709551615"] {
        let server = Hostile::start(move |seen: &Seen| {
            if seen.body.contains("response_type=device_code") {
                Reply::json(
                    200,
                    format!(
                        r#"{{"device_code":"dc","user_code":"ABCD1234","verification_uri":"https://login.salesforce.com/setup/connect","interval":{interval}}}"#
                    ),
                )
            } else {
                Reply::json(
                    400,
                    r#"{"error":"authorization_pending","error_description":"authorization pending"}"#,
                )
            }
        });
        let sf = Sfconn::new();
        sf.run([
            "add",
            "d",
            "--flow",
            "device",
            "--domain",
            &server.url(),
            "--client-id",
            "x",
        ])
        .ok();
        let (code, stdout, _) = must_end(sf.cmd(["login", "d", "--json"]));
        assert_eq!(code, Some(1), "{interval}: {stdout}");
        let json: serde_json::Value = serde_json::from_str(&stdout).expect("login --json");
        assert_eq!(
            json["hints"][0]["id"], "device-approval-timeout",
            "{stdout}"
        );
        let polls = server
            .seen()
            .iter()
            .filter(|s| s.body.contains("grant_type=device"))
            .count();
        assert_eq!(polls, 0, "{interval}");
    }
}

/// A token endpoint that answers every request with an OAuth error quoting the request.
fn echoing() -> impl Fn(&Seen) -> Reply + Send + Sync + 'static {
    |seen: &Seen| match seen.path.as_str() {
        "/services/data/" => versions(),
        _ => {
            let decoded: String = url::form_urlencoded::parse(seen.body.as_bytes())
                .map(|(k, v)| format!("{k}={v} "))
                .collect();
            Reply::json(
                400,
                serde_json::json!({
                    "error": "invalid_client",
                    "error_description": format!("you sent {} i.e. {decoded}", seen.body),
                })
                .to_string(),
            )
        }
    }
}

#[test]
fn a_token_endpoint_echoing_the_request_never_gets_the_secret_into_any_output() {
    let server = Hostile::start(echoing());
    let sf = Sfconn::new();
    add_cc(&sf, "h", &server.url());
    for args in [
        vec!["test", "h"],
        vec!["test", "h", "--json"],
        vec!["login", "h", "--json"],
        vec!["doctor", "h", "--json"],
        vec!["doctor", "h"],
        vec!["token", "h"],
        vec!["env", "h"],
    ] {
        let out = sf.cmd(args.clone()).code(1);
        out.never_shows(CLIENT_SECRET);
        out.never_shows("client-secret-canary");
        // The rest of Salesforce's answer is still there, word for word.
        assert!(
            out.stdout.contains("invalid_client") || out.stderr.contains("invalid_client"),
            "{args:?}{out}"
        );
    }
    assert!(server.count("/services/oauth2/token") > 0);
}

#[test]
fn escape_sequences_from_a_server_never_reach_the_terminal() {
    let nasty = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[31mred\r\u{202E}";
    let server = Hostile::start(move |seen: &Seen| {
        match seen.path.as_str() {
        "/services/data/" => versions(),
        _ if seen.body.contains("response_type=device_code") => Reply::json(
            200,
            serde_json::json!({
                "device_code": "dc",
                "user_code": format!("AB{nasty}CD"),
                "verification_uri": format!("https://login.salesforce.com/setup/connect{nasty}"),
                "interval": 1,
            })
            .to_string(),
        ),
        _ => Reply::json(
            400,
            serde_json::json!({"error": format!("bad{nasty}"), "error_description": format!("desc{nasty}")})
                .to_string(),
        ),
    }
    });
    let sf = Sfconn::new();
    add_cc(&sf, "h", &server.url());
    sf.run([
        "add",
        "d",
        "--flow",
        "device",
        "--domain",
        &server.url(),
        "--client-id",
        "x",
    ])
    .ok();
    for args in [
        vec!["test", "h"],
        vec!["test", "h", "--json"],
        vec!["doctor", "h"],
        vec!["doctor", "h", "--json"],
        vec!["token", "h"],
        vec!["login", "d"],
        vec!["login", "d", "--json"],
    ] {
        let out = sf.cmd(args.clone()).code(1);
        for shown in [&out.stdout, &out.stderr] {
            assert!(
                !shown.contains('\u{1b}') && !shown.contains('\u{7}') && !shown.contains('\r'),
                "{args:?}{out}"
            );
            assert!(
                !shown.contains("\\u001b") && !shown.contains('\u{202E}'),
                "{args:?}{out}"
            );
        }
    }
}

#[test]
fn a_redirect_loop_is_not_called_an_unreachable_host() {
    // Every request is sent back to where it came from.
    let looping = Hostile::start(|seen: &Seen| Reply::redirect(seen.path.clone()));
    let sf = Sfconn::new();
    add_cc(&sf, "h", &looping.url());
    for args in [vec!["doctor", "h", "--json"], vec!["test", "h", "--json"]] {
        let out = sf.cmd(args.clone()).code(1);
        let text = out.json().to_string();
        assert!(!text.contains("host-unreachable"), "{args:?}{out}");
        assert!(text.contains("not-salesforce"), "{args:?}{out}");
    }
}

#[test]
fn user_details_from_a_server_are_shown_without_escape_sequences() {
    let me = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let url = me.clone();
    let server = Hostile::start(move |seen: &Seen| match seen.path.as_str() {
        "/services/data/" => versions(),
        "/services/oauth2/token" => Reply::json(
            200,
            serde_json::json!({
                "access_token": HOSTILE_TOKEN,
                "instance_url": url.lock().expect("url").clone(),
            })
            .to_string(),
        ),
        _ => Reply::json(
            200,
            serde_json::json!({
                "user_id": "005x",
                "organization_id": "00Dx",
                "preferred_username": "u\u{1b}]0;pwned\u{7}@x.com",
                "name": "Ada\u{1b}[2J\u{202E}",
                "DailyApiRequests": {"Remaining": 1},
            })
            .to_string(),
        ),
    });
    *me.lock().expect("url") = server.url();
    let sf = Sfconn::new();
    add_cc(&sf, "h", &server.url());
    for args in [
        vec!["test", "h"],
        vec!["login", "h"],
        vec!["test", "h", "--json"],
    ] {
        let out = sf.cmd(args.clone()).ok();
        for shown in [&out.stdout, &out.stderr] {
            assert!(
                !shown.contains('\u{1b}')
                    && !shown.contains('\u{7}')
                    && !shown.contains('\u{202E}'),
                "{args:?}{out}"
            );
            assert!(!shown.contains("\\u001b"), "{args:?}{out}");
        }
    }
}
