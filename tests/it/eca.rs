//! Issue 11: `sfconn app plan`, `sfconn app deploy` and `sfconn migrate` against the practice org,
//! from fresh homes. `SFCONN_APP_POLL_MS=1` makes the deploy polls and the propagation retries
//! immediate; the propagation delay is counted in requests (`new_client_id_delay_attempts`).

use std::io::Read as _;

use sfconn::emulator::{OrgOptions, PracticeOrg, Scenario};

use crate::flows::{
    ADMIN_ID, INTEGRATION_ID, add_jwt, add_password, assert_test_passes, practice_org,
};
use crate::support::engine::{Home, Out, callback, consent_redirect, free_port};

const FAST: (&str, &str) = ("SFCONN_APP_POLL_MS", "1");
const PERMSET: &str = "sfconn_JWT_Users";
const INTEGRATION: &str = "integration@practice.example";

/// A fresh home with an admin connection (`admin`, jwt as the practice org's admin user).
fn home_with_admin(org: &PracticeOrg) -> Home {
    let home = Home::new();
    add_jwt(&home, org, "admin", "admin@practice.example", &[]);
    home
}

fn run(home: &Home, args: &[&str]) -> Out {
    home.run_env(args, &[FAST])
}

/// `app deploy svc` of a new client-credentials connection running as the integration user.
fn deploy_cc_svc(home: &Home) -> Out {
    run(
        home,
        &[
            "app",
            "deploy",
            "svc",
            "--flow",
            "client-credentials",
            "--run-as",
            INTEGRATION,
            "--admin",
            "admin",
        ],
    )
}

fn show(home: &Home, name: &str) -> serde_json::Value {
    let out = home.run(&["show", name, "--json"]);
    out.expect(0);
    out.json()
}

#[tokio::test(flavor = "multi_thread")]
async fn jwt_app_deploy_from_a_fresh_home_ends_in_a_passing_test_and_a_second_deploy_updates_it() {
    let org = practice_org().await;
    let home = home_with_admin(&org);
    let out = run(
        &home,
        &[
            "app",
            "deploy",
            "ci",
            "--flow",
            "jwt",
            "--username",
            INTEGRATION,
            "--permission-set",
            PERMSET,
            "--admin",
            "admin",
        ],
    );
    out.expect(0);
    assert!(out.stdout.contains("Succeeded 4/4 components"), "{out}");
    assert!(
        out.stdout
            .contains("✓ ci passes its test as integration@practice.example"),
        "{out}"
    );
    let conn = show(&home, "ci");
    let key = conn["client_id"].as_str().unwrap().to_string();
    assert!(key.starts_with("3MVG9"), "{conn}");
    // keygen made the pair the app trusts.
    assert!(
        conn["key_file"].as_str().unwrap().ends_with("ci.key"),
        "{conn}"
    );
    assert_test_passes(&home, "ci", INTEGRATION_ID);

    // Twice: the same app is updated (same key), the connection still passes.
    run(
        &home,
        &[
            "app",
            "deploy",
            "ci",
            "--permission-set",
            PERMSET,
            "--admin",
            "admin",
        ],
    )
    .expect(0);
    assert_eq!(show(&home, "ci")["client_id"], key.as_str());
    assert_test_passes(&home, "ci", INTEGRATION_ID);
    // A user without the permission set is not pre-authorized by the new app.
    home.run(&["edit", "ci", "--username", "analyst@practice.example"])
        .expect(0);
    let out = home.run(&["test", "ci", "--json", "--fresh"]);
    out.expect(1);
}

#[tokio::test(flavor = "multi_thread")]
async fn client_credentials_app_deploy_reads_the_secret_back_and_runs_as_the_user() {
    let org = practice_org().await;
    let home = home_with_admin(&org);
    let out = deploy_cc_svc(&home);
    out.expect(0);
    assert!(
        out.stdout
            .contains("Saved connection svc with the app's consumer key and secret"),
        "{out}"
    );
    assert!(org.request_count("/services/data/v62.0/apps/oauth/usage") >= 1);
    assert_test_passes(&home, "svc", INTEGRATION_ID);
    // The secret read back is stored, never printed.
    let stored: toml::Value =
        toml::from_str(&std::fs::read_to_string(home.sf.secrets_file()).unwrap()).unwrap();
    let secret = find_secret(&stored, "svc").expect("the client secret is stored");
    assert!(secret.len() >= 16);
    assert!(!out.stdout.contains(&secret) && !out.stderr.contains(&secret));
    let conn = show(&home, "svc");
    assert_eq!(
        conn["domain"],
        org.url(),
        "the app's org is the admin's: {conn}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn web_app_deploy_then_login_and_test_pass() {
    let org = practice_org().await;
    let home = home_with_admin(&org);
    let port = free_port().to_string();
    let out = run(
        &home,
        &[
            "app",
            "deploy",
            "w",
            "--flow",
            "web",
            "--callback-port",
            &port,
            "--admin",
            "admin",
        ],
    );
    out.expect(0);
    assert!(out.stdout.contains("PKCE required"), "{out}");
    assert!(out.stdout.contains("Next: sfconn login w"), "{out}");
    let mut running = home.spawn(&["login", "w", "--no-browser", "--json"], &[]);
    let url = running.authorize_url();
    let back = consent_redirect(&url).await;
    assert_eq!(callback(&back).await, 200);
    running.finish().expect(0);
    assert_test_passes(&home, "w", ADMIN_ID);
}

#[tokio::test(flavor = "multi_thread")]
async fn device_app_deploy_then_login_and_test_pass() {
    let org = practice_org().await;
    let home = home_with_admin(&org);
    let out = run(
        &home,
        &[
            "app", "deploy", "dev", "--flow", "device", "--admin", "admin",
        ],
    );
    out.expect(0);
    assert!(out.stdout.contains("the device flow"), "{out}");
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
    running.finish().expect(0);
    assert_test_passes(&home, "dev", ADMIN_ID);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_permission_set_fails_with_the_component_failure_and_its_hint_and_saves_nothing()
{
    let org = practice_org().await;
    let home = home_with_admin(&org);
    let before = home.run(&["list", "--json"]).stdout;
    let out = run(
        &home,
        &[
            "app",
            "deploy",
            "ci",
            "--flow",
            "jwt",
            "--username",
            INTEGRATION,
            "--permission-set",
            "No_Such_Set",
            "--admin",
            "admin",
        ],
    );
    out.expect(1);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(all.contains("Failed"), "{out}");
    assert!(
        all.contains("ExtlClntAppOauthConfigurablePolicies sfconn_ci_oauth_defaultPolicy (extlClntAppOauthPolicies/sfconn_ci_oauth_defaultPolicy.ecaOauthPlcy): Invalid permission set: No_Such_Set."),
        "{out}"
    );
    assert!(
        all.contains("hint: The app names a permission set the org does not have"),
        "{out}"
    );
    assert_eq!(
        home.run(&["list", "--json"]).stdout,
        before,
        "nothing saved"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_who_may_not_deploy_gets_the_refusal_and_its_hint() {
    let org = practice_org().await;
    let home = Home::new();
    add_jwt(&home, &org, "notadmin", INTEGRATION, &[]);
    let out = run(
        &home,
        &[
            "app", "deploy", "dev", "--flow", "device", "--admin", "notadmin",
        ],
    );
    out.expect(1);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(all.contains("INSUFFICIENT_ACCESS"), "{out}");
    assert!(
        all.contains("hint: The admin connection may not deploy External Client Apps"),
        "{out}"
    );
    home.run(&["show", "dev"]).expect(2);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_propagation_delay_is_waited_out_with_a_countdown() {
    let mut scenario = Scenario::builtin();
    scenario.org.new_client_id_delay_attempts = 2;
    let org = PracticeOrg::start(scenario, OrgOptions::default())
        .await
        .unwrap();
    let home = home_with_admin(&org);
    let out = deploy_cc_svc(&home);
    out.expect(0);
    let waits = out
        .stdout
        .lines()
        .filter(|l| l.contains("waiting for Salesforce to make the new consumer key known (invalid_client_id: client identifier invalid)"))
        .count();
    assert_eq!(waits, 2, "{out}");
    assert!(out.stdout.contains("left"), "{out}");
    assert!(out.stdout.contains("✓ svc passes its test"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn app_plan_writes_an_sfdx_project_and_a_zip_for_each_flow() {
    let home = Home::new();
    for (flow, extra, flag) in [
        (
            "jwt",
            vec!["--username", INTEGRATION, "--permission-set", PERMSET],
            "<certificate>-----BEGIN CERTIFICATE-----",
        ),
        (
            "client-credentials",
            vec!["--run-as", INTEGRATION],
            "<isClientCredentialsFlowEnabled>true",
        ),
        (
            "web",
            vec!["--callback-port", "1717"],
            "<isPkceRequired>true",
        ),
        ("device", vec![], "<isDeviceFlowEnabled>true"),
    ] {
        let out_dir = home.path().join(format!("plan-{flow}"));
        let out_str = out_dir.display().to_string();
        let mut args = vec![
            "app",
            "plan",
            "p",
            "--flow",
            flow,
            "--domain",
            "https://acme.my.salesforce.com",
            "--out",
            &out_str,
        ];
        args.extend(extra);
        let out = home.run(&args);
        out.expect(0);
        assert!(
            out.stdout.contains("sf project deploy start --source-dir"),
            "{out}"
        );
        assert!(
            out.stdout.contains("sfconn app deploy p --admin ADMIN"),
            "{out}"
        );
        let glbl = std::fs::read_to_string(out_dir.join(
            "force-app/main/default/extlClntAppGlobalOauthSets/sfconn_p_glbl.ecaGlblOauth-meta.xml",
        ))
        .unwrap();
        assert!(glbl.contains(flag), "{flow}: {glbl}");
        assert!(out_dir.join("sfdx-project.json").exists());
        let zip = std::fs::read(out_dir.join("sfconn_p.zip")).unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        let mut names: Vec<String> = archive
            .file_names()
            .map(|n| n.unwrap().to_string())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "externalClientApps/sfconn_p.eca",
                "extlClntAppGlobalOauthSets/sfconn_p_glbl.ecaGlblOauth",
                "extlClntAppOauthPolicies/sfconn_p_oauth_defaultPolicy.ecaOauthPlcy",
                "extlClntAppOauthSettings/sfconn_p_oauth.ecaOauth",
                "package.xml",
            ]
        );
        let mut all = String::new();
        for i in 0..archive.len() {
            archive
                .by_index(i)
                .unwrap()
                .read_to_string(&mut all)
                .unwrap();
        }
        assert!(!all.contains("oauthLink") && !all.contains("orgScopedExternalApp"));
        assert!(all.contains("<version>62.0</version>"));
        // A plan saves no connection.
        home.run(&["show", "p"]).expect(2);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn app_plan_refuses_bad_input_with_exit_2() {
    let home = Home::new();
    let out = home.run(&[
        "app",
        "plan",
        "p",
        "--flow",
        "jwt",
        "--username",
        INTEGRATION,
    ]);
    out.expect(2);
    assert!(out.stderr.contains("--permission-set"), "{out}");
    let out = home.run(&["app", "plan", "p", "--flow", "client-credentials"]);
    out.expect(2);
    assert!(out.stderr.contains("--run-as"), "{out}");
    let out = home.run(&["app", "plan", "nope"]);
    out.expect(2);
    assert!(out.stderr.contains("--flow"), "{out}");
    assert!(!home.path().join("apps").exists(), "nothing written");
    assert!(!home.path().join("keys").exists(), "no key pair made");
}

fn add_pw(home: &Home, org: &PracticeOrg) {
    add_password(
        home,
        org,
        "pw",
        ("practice-password", "practice-password-secret"),
        (INTEGRATION, "Integration-Pass-1", "INTEGRATIONTOKEN1"),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_moves_a_password_connection_to_jwt_then_finish_removes_the_old_one() {
    let org = practice_org().await;
    let home = home_with_admin(&org);
    add_pw(&home, &org);
    let out = run(
        &home,
        &[
            "migrate",
            "pw",
            "--to",
            "jwt",
            "--admin",
            "admin",
            "--permission-set",
            PERMSET,
        ],
    );
    out.expect(0);
    assert!(out.stdout.contains("pw now uses the jwt flow"), "{out}");
    assert_eq!(show(&home, "pw")["flow"], "jwt");
    assert_eq!(show(&home, "pw-password")["flow"], "password");
    assert_test_passes(&home, "pw", INTEGRATION_ID);
    home.run(&["show", "pw-new"]).expect(2);

    run(&home, &["migrate", "pw", "--finish"]).expect(0);
    home.run(&["show", "pw-password"]).expect(2);
    assert_test_passes(&home, "pw", INTEGRATION_ID);
    // Nothing left to finish.
    run(&home, &["migrate", "pw", "--finish"]).expect(2);
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_moves_a_password_connection_to_client_credentials_running_as_its_user() {
    let org = practice_org().await;
    let home = home_with_admin(&org);
    add_pw(&home, &org);
    let out = run(
        &home,
        &[
            "migrate",
            "pw",
            "--to",
            "client-credentials",
            "--admin",
            "admin",
        ],
    );
    out.expect(0);
    assert_eq!(show(&home, "pw")["flow"], "client-credentials");
    assert_test_passes(&home, "pw", INTEGRATION_ID);
    // Only password connections migrate.
    run(&home, &["migrate", "admin", "--to", "jwt"]).expect(2);
}

#[tokio::test(flavor = "multi_thread")]
async fn list_show_and_doctor_mark_password_connections_with_the_days_left() {
    let org = practice_org().await;
    let home = home_with_admin(&org);
    add_pw(&home, &org);
    let today = [("SFCONN_TODAY", "2026-11-30")];
    let out = home.run_env(&["list"], &today);
    out.expect(0);
    let pw_line = out.stdout.lines().find(|l| l.contains(" pw ")).unwrap();
    assert!(pw_line.contains("password (82d left)"), "{out}");
    let admin_line = out.stdout.lines().find(|l| l.contains(" admin ")).unwrap();
    assert!(!admin_line.contains("left"), "{out}");
    let out = home.run_env(&["list", "--json"], &today);
    let list = out.json();
    let by_name = |n: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(by_name("pw")["password_days_left"], 82, "{out}");
    assert!(
        by_name("admin").get("password_days_left").is_none(),
        "{out}"
    );
    let out = home.run_env(&["show", "pw"], &[("SFCONN_TODAY", "2027-02-19")]);
    assert!(out.stdout.contains("1 day left until the password flow's retirement on 2027-02-20; move off it with sfconn migrate pw"), "{out}");
    let out = home.run_env(&["show", "pw", "--json"], &[("SFCONN_TODAY", "2027-03-01")]);
    assert_eq!(out.json()["password_days_left"], -9, "{out}");
    let out = home.run_env(&["doctor", "pw"], &today);
    assert!(out.stdout.contains("Password flow: 82 days left"), "{out}");
}

/// The stored `client_secret` of connection `name` in the file store, wherever it nests it.
fn find_secret(v: &toml::Value, name: &str) -> Option<String> {
    match v {
        toml::Value::Table(t) => {
            if let Some(toml::Value::Table(conn)) = t.get(name)
                && let Some(toml::Value::String(s)) = conn.get("client_secret")
            {
                return Some(s.clone());
            }
            t.values().find_map(|x| find_secret(x, name))
        }
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replacement_that_fails_its_test_is_removed_and_the_password_connection_is_unchanged() {
    let org = practice_org().await;
    let home = home_with_admin(&org);
    // analyst has no sfconn_JWT_Users: the new jwt app does not pre-authorize them.
    add_password(
        &home,
        &org,
        "pw",
        ("practice-password", "practice-password-secret"),
        (
            "analyst@practice.example",
            "Analyst-Pass-1",
            "ANALYSTTOKEN1",
        ),
    );
    let out = run(
        &home,
        &[
            "migrate",
            "pw",
            "--to",
            "jwt",
            "--admin",
            "admin",
            "--permission-set",
            PERMSET,
        ],
    );
    out.expect(1);
    assert!(
        out.stdout
            .contains("pw is unchanged; the replacement (pw-new) was not kept"),
        "{out}"
    );
    assert!(out.stderr.contains("connection pw-new"), "{out}");
    assert_eq!(show(&home, "pw")["flow"], "password");
    home.run(&["show", "pw-new"]).expect(2);
    home.run(&["show", "pw-password"]).expect(2);
}
