//! Issue 9 in a real terminal: the prompts a person answers (secrets to fix, a production
//! connection's name) and the TUI paths that used to be dead ends.

use std::path::Path;
use std::process::Command;

use super::pty::PtyApp;

/// Run sfconn without a terminal (setup steps), with the plain-text secret store.
pub(crate) fn cli(home: &Path, args: &[&str], envs: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sfconn"));
    cmd.args(args)
        .env("SFCONN_HOME", home)
        .env("SFCONN_SECRET_STORE", "file")
        .env_remove("SFCONN_CLIENT_SECRET")
        .env_remove("SFCONN_PASSWORD")
        .env_remove("SFCONN_SECURITY_TOKEN")
        .env_remove("SFCONN_PRIVATE_KEY");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run sfconn");
    assert!(
        out.status.success(),
        "sfconn {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn secrets(home: &Path) -> String {
    std::fs::read_to_string(home.join("secrets.toml")).unwrap_or_default()
}

fn add_cc(home: &Path) {
    cli(
        home,
        &[
            "add",
            "cc",
            "--flow",
            "client-credentials",
            "--domain",
            "acme.my.salesforce.com",
            "--client-id",
            "3MVG9cc",
        ],
        &[("SFCONN_CLIENT_SECRET", "wrong-secret-1")],
    );
}

#[test]
fn edit_alone_on_a_terminal_asks_for_the_secret_again() {
    let home = tempfile::tempdir().unwrap();
    add_cc(home.path());
    let mut app = PtyApp::start(&["edit", "cc"], home.path(), &[]);
    app.wait_for("Enter keeps the stored one");
    app.wait_for("Consumer secret for cc:");
    app.typed("right-secret-2\r");
    app.wait_for("Stored secrets: client secret");
    assert_eq!(app.exit_code(), 0);
    let stored = secrets(home.path());
    assert!(stored.contains("right-secret-2"), "{stored}");
    assert!(!stored.contains("wrong-secret-1"), "{stored}");
}

#[test]
fn edit_secret_kind_prompts_for_that_one_only() {
    let home = tempfile::tempdir().unwrap();
    cli(
        home.path(),
        &[
            "add",
            "pw",
            "--flow",
            "password",
            "--client-id",
            "3MVG9pw",
            "--username",
            "a@b.c",
        ],
        &[
            ("SFCONN_CLIENT_SECRET", "cs-1"),
            ("SFCONN_PASSWORD", "pw-1"),
        ],
    );
    let mut app = PtyApp::start(
        &["edit", "pw", "--secret", "security_token"],
        home.path(),
        &[],
    );
    app.wait_for("Security token");
    let screen = app.screen();
    assert!(!screen.contains("Password for"), "{screen}");
    app.typed("tok-3\r");
    app.wait_for("Stored secrets: security token");
    assert_eq!(app.exit_code(), 0);
    let stored = secrets(home.path());
    assert!(
        stored.contains("tok-3") && stored.contains("pw-1"),
        "{stored}"
    );
}

#[test]
fn removing_a_production_connection_on_a_terminal_asks_for_its_name() {
    let home = tempfile::tempdir().unwrap();
    add_cc(home.path());
    let mut app = PtyApp::start(&["remove", "cc"], home.path(), &[]);
    app.wait_for("Type its name to remove it");
    app.typed("c\r");
    app.wait_for("nothing was changed");
    assert_eq!(app.exit_code(), 2);
    let profile = std::fs::read_to_string(home.path().join("profiles.toml")).unwrap();
    assert!(profile.contains("[connections.cc]"), "{profile}");

    let mut app = PtyApp::start(&["remove", "cc"], home.path(), &[]);
    app.wait_for("Type its name to remove it");
    app.typed("cc\r");
    app.wait_for("Removed connection cc");
    assert_eq!(app.exit_code(), 0);
    assert!(!secrets(home.path()).contains("wrong-secret-1"));
}

/// The jwt wizard against the practice org with a mistyped consumer key: Connect saves and
/// fails, `f` lands on the consumer key, the fix and Review → Enter connect (an edit of the saved
/// connection, never "already exists"). At 120x36, as the issue was found.
#[test]
fn a_failed_connect_is_fixed_in_the_wizard_and_retried() {
    let org = crate::support::org::TestOrg::start();
    let home = tempfile::tempdir().unwrap();
    let key = home.path().join("practice.key");
    std::fs::write(&key, crate::support::org::PRACTICE_JWT_KEY_PEM).unwrap();
    let mut app = PtyApp::start_sized(&[], home.path(), &[], 36, 120);
    app.wait_for("No connections yet");
    app.keys("n");
    app.wait_for("Which OAuth flow");
    app.keys("j");
    app.keys("\r");
    app.wait_for("2 · Connection");
    app.typed("admin-jwt");
    app.keys("\t\t");
    app.typed(&org.url());
    app.keys("\r");
    app.wait_for("Salesforce Setup checklist");
    app.keys("\r");
    app.wait_for("Fields for jwt");
    app.typed("practice-jwx");
    app.keys("\t");
    app.typed("integration@practice.example");
    app.keys("\t");
    app.typed(&key.display().to_string());
    app.keys("\r");
    app.wait_for("5 · Review");
    app.keys("\r");
    app.wait_for("f goes back to the field to fix");
    let failed = app.screen();
    assert!(failed.contains("✗"), "{failed}");
    app.keys("f");
    app.wait_for("it becomes the JWT issuer");
    app.keys("\u{7f}");
    app.typed("t");
    app.keys("\r");
    app.wait_for("5 · Review");
    app.keys("\r");
    app.wait_for("Connected as integration@practice.example");
    let screen = app.screen();
    assert!(!screen.contains("already exists"), "{screen}");
    assert!(!screen.contains("Could not save"), "{screen}");
    app.keys("\r");
    app.keys("q");
    app.expect_clean_exit();
    let profile = std::fs::read_to_string(home.path().join("profiles.toml")).unwrap();
    assert!(
        profile.contains("client_id = \"practice-jwt\""),
        "{profile}"
    );
}

/// `l` on a device connection in a real terminal: the user code and its verification URL stay
/// on screen while the login waits, with the seconds left (the practice org never approves).
#[test]
fn a_device_login_keeps_the_code_on_screen_while_it_waits() {
    let mut scenario = sfconn::emulator::Scenario::builtin();
    for app in &mut scenario.apps {
        app.device_auto_approve_after_polls = None;
    }
    let org = crate::support::org::TestOrg::start_with(scenario, Default::default());
    let home = tempfile::tempdir().unwrap();
    cli(
        home.path(),
        &[
            "add",
            "box",
            "--flow",
            "device",
            "--client-id",
            "practice-device",
            "--domain",
            &org.url(),
        ],
        &[],
    );
    let mut app = PtyApp::start_sized(&[], home.path(), &[], 24, 80);
    app.wait_for("box");
    app.keys("l");
    app.wait_for("enter the code");
    app.wait_for("s left");
    let screen = app.screen();
    assert!(screen.contains("/setup/connect"), "{screen}");
    assert!(screen.contains("enter the code"), "{screen}");
    app.keys("q");
    app.expect_clean_exit();
}

/// `R` in the TUI on a production connection: its name is typed, then the revoke runs and says
/// what it did.
#[test]
fn the_tui_revokes_a_production_connection_after_its_name_is_typed() {
    let home = tempfile::tempdir().unwrap();
    add_cc(home.path());
    let mut app = PtyApp::start_sized(&[], home.path(), &[], 24, 80);
    app.wait_for("cc");
    app.keys("R");
    app.wait_for("Type the connection's name to revoke them");
    app.typed("cc\r");
    app.wait_for("Nothing to revoke: no token is stored for cc");
    app.keys("q");
    app.expect_clean_exit();
}

/// Another sfconn adds a connection while the TUI is open: the list shows it and the selection
/// stays; a hand edit that breaks the file shows its file:line:column in a banner while the
/// list keeps the last good connections; fixing the file clears the banner.
#[test]
fn the_tui_follows_the_profile_file_on_disk() {
    let home = tempfile::tempdir().unwrap();
    add_cc(home.path());
    cli(
        home.path(),
        &["add", "zeta", "--flow", "device", "--client-id", "3MVG9z"],
        &[],
    );
    let mut app = PtyApp::start_sized(&[], home.path(), &[], 24, 80);
    app.wait_for("zeta");
    app.keys("j");
    app.wait_for("▶  zeta");
    cli(
        home.path(),
        &["add", "mid", "--flow", "device", "--client-id", "3MVG9m"],
        &[],
    );
    app.wait_for("mid");
    app.wait_for("3 connections");
    assert!(app.screen().contains("▶  zeta"), "{}", app.screen());

    let profile = home.path().join("profiles.toml");
    let good = std::fs::read_to_string(&profile).unwrap();
    std::fs::write(&profile, format!("{good}\n[connections.broken\n")).unwrap();
    app.wait_for("profiles.toml:");
    let screen = app.screen();
    assert!(screen.contains("last read"), "{screen}");
    assert!(
        screen.contains("zeta") && screen.contains("mid"),
        "{screen}"
    );
    std::fs::write(&profile, good).unwrap();
    app.wait_gone("last read");
    app.keys("q");
    app.expect_clean_exit();
}

/// `sfconn demo --port P --latency-ms N`: the TUI's practice org listens on P; a new jwt
/// wizard starts on the practice org with its key pair; `o` opens a page standing in for the
/// Setup page (its name and steps) instead of a 404.
#[test]
fn the_demo_takes_port_and_latency_prefills_the_wizard_and_opens_a_stand_in_setup_page() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let user_home = tempfile::tempdir().unwrap();
    let port_arg = port.to_string();
    let mut app = PtyApp::start_sized(
        &["demo", "--port", &port_arg, "--latency-ms", "1"],
        user_home.path(),
        &[],
        36,
        120,
    );
    let url = format!("http://127.0.0.1:{port}");
    app.wait_for(&format!("practice org at {url}"));
    app.keys("n");
    app.wait_for("Which OAuth flow");
    app.keys("j");
    app.keys("\r");
    app.wait_for("2 · Connection");
    app.typed("my-jwt");
    app.wait_for(&url);
    app.keys("\r");
    app.wait_for("Salesforce Setup checklist");
    app.keys("o");
    app.wait_for("setup-pages");
    let screen = app.screen();
    // Opened in a browser, or (no browser here) named for the person to open: either way the
    // page is a file in the demo's throw-away home.
    let start = screen
        .find("file://")
        .unwrap_or_else(|| panic!("no file:// page opened:\n{screen}"));
    let rest = &screen[start + "file://".len()..];
    let end = rest
        .find("setup-pages/")
        .expect("the stand-in pages' directory")
        + "setup-pages/".len();
    let page = format!("{}CertificatesAndKeysManagement.html", &rest[..end]);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("Make a key pair and a certificate"), "{html}");
    assert!(html.contains("CertificatesAndKeysManagement"), "{html}");
    // The page's name as Setup shows it, not its id.
    assert!(
        html.contains("Setup &rarr; Certificate and Key Management"),
        "{html}"
    );
    app.keys("\r");
    app.wait_for("Fields for jwt");
    app.wait_for("practice-jwt.key");
    app.wait_for("practice-jwt.crt");
    app.keys("\u{3}");
    app.expect_clean_exit();
}
