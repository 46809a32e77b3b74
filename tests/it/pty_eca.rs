//! Issue 11 in a real pseudo-terminal: the wizard's "Create this app for me" on the Setup
//! checklist deploys the app with an admin connection against the practice org, then the new
//! connection connects; a deploy the org refuses shows the component failure and its hint.

use crate::pty::PtyApp;
use crate::support::org::TestOrg;

const FAST: (&str, &str) = ("SFCONN_APP_POLL_MS", "1");

/// A home whose only connection is the practice org's admin (jwt, the practice key).
fn home_with_admin(org: &TestOrg) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let key = TestOrg::write_jwt_key(home.path());
    let profile = format!(
        "[connections.admin]\nflow = \"jwt\"\ndomain = \"{}\"\nclient_id = \"practice-jwt\"\nusername = \"admin@practice.example\"\nkey_file = \"{}\"\n",
        org.url(),
        key.display()
    );
    std::fs::write(home.path().join("profiles.toml"), profile).unwrap();
    home
}

/// From the list: a new connection of the flow at `flow_index` (`Flow::ALL` order), named
/// `name`, up to the Setup checklist.
fn to_checklist(app: &mut PtyApp, flow_index: usize, name: &str, domain: Option<&str>) {
    app.keys("n");
    app.wait_for("Which OAuth flow");
    for _ in 0..flow_index {
        app.keys("j");
    }
    app.keys("\r");
    app.wait_for("2 · Connection");
    app.typed(name);
    if let Some(d) = domain {
        app.keys("\t\t");
        app.typed(d);
    }
    app.keys("\r");
    app.wait_for("Salesforce Setup checklist");
    app.wait_for("Create this app for me");
}

#[test]
fn the_wizard_creates_the_app_for_jwt_and_client_credentials_then_connects() {
    let org = TestOrg::start();
    let home = home_with_admin(&org);
    let mut app = PtyApp::start(&[], home.path(), &[FAST]);
    app.wait_for("admin");

    // jwt, no My Domain typed: the app lives in the admin's org, and so does the connection.
    to_checklist(&mut app, 1, "ci-jwt", None);
    app.keys("c");
    app.wait_for("Deploy with which admin connection?");
    app.keys("\r");
    app.wait_for("Permission set");
    app.typed("integration@practice.example");
    app.keys("\t");
    app.typed("sfconn_JWT_Users");
    app.keys("\r");
    app.wait_for("External Client App sfconn_ci_jwt");
    app.wait_for("users with permission set sfconn_JWT_Users");
    app.keys("\r");
    app.wait_for("The app is created");
    app.wait_for("ci-jwt passes its test as integration@practice.example");
    app.keys("\r");
    app.wait_for("Fields for jwt");
    app.wait_for("3MVG9");
    app.keys("\r");
    app.wait_for("5 · Review");
    app.keys("\r");
    app.wait_for("Connected as integration@practice.example");
    // The deploy's own test cached a token; Connect proves the settings with a new one.
    app.wait_for("Token: granted");
    assert!(!app.screen().contains("cached"), "{}", app.screen());
    app.keys("\r");

    // client credentials: the secret is read back into the secret store, never shown.
    to_checklist(&mut app, 2, "ci-cc", Some(&org.url()));
    app.keys("c");
    app.wait_for("Deploy with which admin connection?");
    app.keys("\r");
    app.wait_for("Run As user");
    app.typed("integration@practice.example");
    app.keys("\r");
    app.wait_for("every token runs as integration@practice.example");
    app.keys("\r");
    app.wait_for("The app is created");
    app.wait_for("consumer key and secret");
    app.keys("\r");
    app.wait_for("Fields for client-credentials");
    app.keys("\r");
    app.wait_for("5 · Review");
    app.keys("\r");
    app.wait_for("Connected as integration@practice.example");
    app.keys("\r");
    app.keys("q");
    app.expect_clean_exit();

    let profile = std::fs::read_to_string(home.path().join("profiles.toml")).unwrap();
    for name in ["[connections.ci-jwt]", "[connections.ci-cc]"] {
        assert!(profile.contains(name), "{profile}");
    }
    assert!(
        home.path().join("keys").join("ci-jwt.key").exists(),
        "keygen made the jwt pair"
    );
    let secrets = std::fs::read_to_string(home.path().join("secrets.toml")).unwrap();
    assert!(secrets.contains("ci-cc"), "the secret was stored");
}

#[test]
fn a_deploy_the_org_refuses_shows_the_component_failure_and_its_hint() {
    let org = TestOrg::start();
    let home = home_with_admin(&org);
    let mut app = PtyApp::start(&[], home.path(), &[FAST]);
    app.wait_for("admin");
    to_checklist(&mut app, 1, "ci-bad", None);
    app.keys("c");
    app.wait_for("Deploy with which admin connection?");
    app.keys("\r");
    app.wait_for("Permission set");
    app.typed("integration@practice.example");
    app.keys("\t");
    app.typed("No_Such_Set");
    app.keys("\r");
    app.wait_for("External Client App sfconn_ci_bad");
    app.keys("\r");
    app.wait_for("No_Such_Set. No permission set with this API name exists in the org.");
    app.wait_for("ExtlClntAppOauthConfigurablePolicies sfconn_ci_bad_oauth_defaultPolicy");
    app.wait_for("The app names a permission set the org does not have");
    app.wait_for("eca-permission-set-unknown");
    app.wait_for("r deploys again");
    // A way back: Esc returns to the checklist; nothing was saved.
    app.keys("\u{1b}");
    app.wait_for("Make a key pair and a certificate");
    let profile = std::fs::read_to_string(home.path().join("profiles.toml")).unwrap();
    assert!(!profile.contains("ci-bad"), "{profile}");
    // The wizard's input is not saved: `q` asks first.
    app.keys("q");
    app.wait_for("Quit sfconn and drop this new connection?");
    app.keys("y");
    app.expect_clean_exit();
}

#[test]
fn in_the_demo_the_list_counts_down_and_the_practice_admin_creates_the_app() {
    // The demo's practice-password connection is the practice org's admin.
    let user_home = tempfile::tempdir().unwrap();
    let mut app = PtyApp::start(
        &["demo"],
        user_home.path(),
        &[FAST, ("SFCONN_TODAY", "2026-11-30")],
    );
    app.wait_for("broken-refresh-expired");
    // The list counts down to the password flow's retirement, on the pinned day.
    let row = app
        .screen()
        .lines()
        .find(|l| l.contains(" practice-password "))
        .unwrap_or_default()
        .to_string();
    assert!(row.contains("password 82d left"), "{}", app.screen());
    to_checklist(&mut app, 1, "demo-jwt", None);
    app.keys("c");
    app.wait_for("Deploy with which admin connection?");
    for _ in 0..30 {
        if app.screen().contains("▶ practice-password") {
            break;
        }
        app.keys("j");
    }
    app.wait_for("▶ practice-password");
    app.keys("\r");
    app.wait_for("Permission set");
    app.typed("integration@practice.example");
    app.keys("\t");
    app.typed("sfconn_JWT_Users");
    app.keys("\r");
    app.wait_for("External Client App sfconn_demo_jwt");
    // Not the demo's practice key: the new connection gets a pair of its own, and says so.
    app.wait_for("a new key pair for demo-jwt");
    app.keys("\r");
    app.wait_for("The app is created");
    app.keys("\r");
    app.wait_for("Fields for jwt");
    app.wait_for("keys/demo-jwt.key");
    assert!(
        !app.screen().contains("practice-jwt.key"),
        "{}",
        app.screen()
    );
    app.keys("\r");
    app.wait_for("5 · Review");
    app.keys("\r");
    app.wait_for("Connected as integration@practice.example");
    app.keys("\r");
    app.keys("q");
    app.expect_clean_exit();
}
