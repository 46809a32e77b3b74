//! `SFCONN_SECRET_STORE=vault` against a real OpenBao dev server and the practice org: a team of
//! two homes sharing one profile file and one server, the refresh race with rotation on, and
//! the failures a team meets (sealed, denied, unreachable, no mount, not configured).

mod bao;
mod race;

use serde_json::Value;

use crate::flows::{ADMIN_ID, add_cc, practice_org};
use crate::support::engine::{Home, callback, consent_redirect, free_port};
use bao::Bao;

const CC_SECRET: &str = "practice-cc-secret";
const WEB_SECRET: &str = "practice-web-consent-secret";

/// Two homes (two people, or a person and a CI runner) on one OpenBao server.
fn team(bao: &Bao) -> (Home, Home) {
    let mut a = Home::new();
    let mut b = Home::new();
    bao.use_in(&mut a);
    bao.use_in(&mut b);
    (a, b)
}

/// B gets A's profile file, as from git.
fn share_profiles(from: &Home, to: &Home) {
    std::fs::copy(
        from.path().join("profiles.toml"),
        to.path().join("profiles.toml"),
    )
    .expect("copy profiles.toml");
}

/// A web connection on the practice app with refresh token rotation, logged in through the
/// consent page.
pub(crate) async fn add_rotating_web(home: &Home, org: &sfconn::emulator::PracticeOrg, name: &str) {
    let port = free_port();
    org.allow_callback(
        "practice-web-consent",
        &sfconn::salesforce::redirect_uri(port),
    );
    home.add(
        name,
        "web",
        &org.url(),
        &[
            "--client-id",
            "practice-web-consent",
            "--callback-port",
            &port.to_string(),
        ],
        &[("SFCONN_CLIENT_SECRET", WEB_SECRET)],
    );
    let mut running = home.spawn(&["login", name, "--no-browser", "--json"], &[]);
    let url = running.authorize_url();
    let back = consent_redirect(&url).await;
    assert_eq!(callback(&back).await, 200);
    running.finish().expect(0);
}

fn no_secret_on_disk(home: &Home, secrets: &[&str]) {
    assert!(
        !home.path().join("secrets.toml").exists(),
        "the vault store never falls back to the file"
    );
    for entry in walk(home.path()) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        for s in secrets {
            assert!(!text.contains(s), "{} holds a secret", entry.display());
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_team_of_two_homes_shares_connections_through_openbao() {
    let Some(bao) =
        Bao::start_or_skip("a_team_of_two_homes_shares_connections_through_openbao").await
    else {
        return;
    };
    let org = practice_org().await;
    let (a, b) = team(&bao);

    // A adds the connections; their secrets go to OpenBao, one entry per connection.
    add_cc(&a, &org.url(), "cc", "practice-cc", CC_SECRET);
    add_rotating_web(&a, &org, "rot").await;
    assert_eq!(bao.entry("cc").await["client_secret"], CC_SECRET);
    let rot = bao.entry("rot").await;
    assert_eq!(rot["client_secret"], WEB_SECRET);
    assert!(rot["refresh_token"].is_string() && rot["access_token"].is_string());

    // B has only the profile file and the server: everything works there too.
    share_profiles(&a, &b);
    let show = b.run(&["show", "rot", "--json"]);
    show.expect(0);
    let kinds: Vec<Value> = show.json()["secrets"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for k in ["client_secret", "refresh_token", "access_token"] {
        assert!(kinds.contains(&Value::from(k)), "{k} missing\n{show}");
    }
    for home in [&a, &b] {
        let out = home.run(&["test", "--all", "--json"]);
        out.expect(0);
    }

    // Refresh with rotation, alternating homes: each one uses what the other stored.
    for round in 1..=4u64 {
        org.expire_access_tokens();
        let home = if round % 2 == 0 { &a } else { &b };
        let out = home.run(&["test", "rot", "--json"]);
        out.expect(0);
        assert_eq!(out.json()["token_source"], "refreshed", "{out}");
        assert_eq!(out.json()["user"]["user_id"], ADMIN_ID, "{out}");
        assert_eq!(org.grant_count("refresh_token"), round);
    }

    // B removes a connection: its entry is gone (every version), and A sees it gone.
    b.run(&["remove", "cc", "--yes"]).expect(0);
    assert!(bao.entry("cc").await.is_null());
    let (status, _) = bao
        .call(reqwest::Method::GET, "secret/metadata/sfconn/cc", None)
        .await
        .unwrap();
    assert_eq!(status, 404, "no old version of the secret is kept");
    share_profiles(&b, &a);
    a.run(&["test", "rot", "--json"]).expect(0);
    a.run(&["show", "cc"]).expect(2);

    no_secret_on_disk(&a, &[CC_SECRET, WEB_SECRET]);
    no_secret_on_disk(&b, &[CC_SECRET, WEB_SECRET]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_mount_and_prefix_come_from_the_profile_file() {
    let Some(bao) = Bao::start_or_skip("the_mount_and_prefix_come_from_the_profile_file").await
    else {
        return;
    };
    let org = practice_org().await;
    let (status, body) = bao
        .call(
            reqwest::Method::POST,
            "sys/mounts/team-kv",
            Some(serde_json::json!({"type": "kv", "options": {"version": "2"}})),
        )
        .await
        .unwrap();
    assert!(status < 300, "{status} {body}");
    let mut home = Home::new();
    bao.use_in(&mut home);
    std::fs::write(
        home.path().join("profiles.toml"),
        "[secret_store]\nmount = \"team-kv\"\nprefix = \"integration/sfconn\"\n",
    )
    .unwrap();
    add_cc(&home, &org.url(), "cc", "practice-cc", CC_SECRET);
    let (status, body) = bao
        .call(
            reqwest::Method::GET,
            "team-kv/data/integration/sfconn/cc",
            None,
        )
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(CC_SECRET));
    home.run(&["test", "cc", "--json"]).expect(0);
    // The table survives sfconn's own edits of the file.
    let profiles = std::fs::read_to_string(home.path().join("profiles.toml")).unwrap();
    assert!(profiles.contains("mount = \"team-kv\""), "{profiles}");

    // A typo in the table is reported where it is.
    std::fs::write(
        home.path().join("profiles.toml"),
        format!("{profiles}\n[secret_store.extra]\n"),
    )
    .unwrap();
    let out = home.run(&["list"]);
    out.expect(2);
}

/// Each failure: the exit code (2 configuration, 1 reachability), the message with the fix, the
/// hint in `test --json`, and no fallback to another store.
#[tokio::test(flavor = "multi_thread")]
async fn vault_failures_name_the_fix_and_never_fall_back() {
    let Some(bao) = Bao::start_or_skip("vault_failures_name_the_fix_and_never_fall_back").await
    else {
        return;
    };
    let org = practice_org().await;
    let mut home = Home::new();
    bao.use_in(&mut home);
    add_cc(&home, &org.url(), "cc", "practice-cc", CC_SECRET);

    // (what, environment, exit code, what stderr says, the hint of `test --json`)
    type Case<'a> = (&'a str, Vec<(&'a str, String)>, i32, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            "not configured",
            vec![("VAULT_ADDR", String::new())],
            2,
            "VAULT_ADDR is not set",
            "",
        ),
        (
            "no token",
            vec![
                ("VAULT_TOKEN", String::new()),
                ("HOME", home.path().display().to_string()),
            ],
            2,
            "VAULT_TOKEN is not set",
            "",
        ),
        (
            "plain http off loopback",
            vec![("VAULT_ADDR", "http://vault.example.com:8200".into())],
            2,
            "use https://",
            "",
        ),
        (
            "permission denied",
            vec![("VAULT_TOKEN", "s.not-a-token".into())],
            2,
            "denied access",
            "vault-permission-denied",
        ),
        (
            "unreachable",
            vec![("VAULT_ADDR", format!("http://127.0.0.1:{}", free_port()))],
            1,
            "cannot be reached",
            "vault-unreachable",
        ),
    ];
    for (what, env, code, says, hint) in cases {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let out = home.run_env(&["show", "cc"], &env);
        assert_eq!(out.code, code, "{what}\n{out}");
        assert!(out.stderr.contains(says), "{what}\n{out}");
        if !hint.is_empty() {
            let out = home.run_env(&["test", "cc", "--json"], &env);
            assert_eq!(out.code, 1, "{what}\n{out}");
            let json = out.json();
            assert_eq!(json["error"]["code"], hint, "{what}\n{out}");
            assert_eq!(json["hints"][0]["id"], hint, "{what}\n{out}");
        }
    }

    // A mount that does not exist.
    std::fs::write(
        home.path().join("profiles.toml"),
        std::fs::read_to_string(home.path().join("profiles.toml"))
            .unwrap()
            .replace(
                "[connections",
                "[secret_store]\nmount = \"nowhere\"\n\n[connections",
            ),
    )
    .unwrap();
    let out = home.run(&["show", "cc"]);
    out.expect(2);
    assert!(
        out.stderr.contains("no secret engine at `nowhere/`"),
        "{out}"
    );
    let out = home.run(&["test", "cc", "--json"]);
    assert_eq!(out.json()["error"]["code"], "vault-mount-missing", "{out}");
    no_secret_on_disk(&home, &[CC_SECRET]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sealed_server_is_reported_as_sealed() {
    let Some(bao) = Bao::start_or_skip("a_sealed_server_is_reported_as_sealed").await else {
        return;
    };
    let org = practice_org().await;
    let mut home = Home::new();
    bao.use_in(&mut home);
    add_cc(&home, &org.url(), "cc", "practice-cc", CC_SECRET);
    let (status, body) = bao
        .call(reqwest::Method::PUT, "sys/seal", None)
        .await
        .unwrap();
    assert!(status < 300, "{status} {body}");
    let out = home.run(&["show", "cc"]);
    out.expect(1);
    assert!(out.stderr.contains("is sealed"), "{out}");
    let out = home.run(&["test", "cc", "--json"]);
    out.expect(1);
    assert_eq!(out.json()["error"]["code"], "vault-sealed", "{out}");
    assert_eq!(out.json()["hints"][0]["id"], "vault-sealed", "{out}");
    no_secret_on_disk(&home, &[CC_SECRET]);
}
