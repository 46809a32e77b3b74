//! What a fresh-eyes walk of `sfconn demo` in a real terminal found. Leaving without losing
//! work by accident: `q` in a wizard asks first, and a closed terminal or a SIGTERM quits
//! cleanly (the terminal restored, the demo's home removed). `o` without a browser.

use std::path::Path;

use super::pty::PtyApp;

/// The demo's throw-away homes left in `tmp`.
fn demo_homes(tmp: &Path) -> Vec<String> {
    std::fs::read_dir(tmp)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("sfconn-demo-"))
        .collect()
}

fn to_checklist(app: &mut PtyApp) {
    app.wait_for("practice org at");
    app.keys("n");
    app.wait_for("Which OAuth flow");
    app.keys("j");
    app.keys("\r");
    app.wait_for("2 · Connection");
    app.typed("zz");
    app.keys("\r");
    app.wait_for("Salesforce Setup checklist");
}

#[test]
fn q_in_a_wizard_asks_before_dropping_the_new_connection() {
    let user_home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let tmp_dir = tmp.path().to_string_lossy().to_string();
    let mut app = PtyApp::start_sized(&["demo"], user_home.path(), &[("TMPDIR", &tmp_dir)], 24, 80);
    to_checklist(&mut app);
    app.keys("q");
    app.wait_for("Quit sfconn and drop this new connection?");
    // n stays, and so does Esc: the checklist is still there.
    app.keys("n");
    app.wait_gone("drop this new connection");
    app.wait_for("Salesforce Setup checklist");
    app.keys("q");
    app.wait_for("drop this new connection");
    app.keys("\u{1b}");
    app.wait_gone("drop this new connection");
    app.wait_for("Salesforce Setup checklist");
    // Back on step 1, what was typed is still in the draft: q asks there too.
    app.keys("\u{1b}");
    app.wait_gone("Salesforce Setup checklist");
    app.keys("\u{1b}");
    app.wait_for("Which OAuth flow");
    // y quits for real.
    app.keys("q");
    app.wait_for("drop this new connection");
    app.keys("y");
    app.expect_clean_exit();
    assert!(
        demo_homes(tmp.path()).is_empty(),
        "{:?}",
        demo_homes(tmp.path())
    );
}

fn signal_quits_cleanly(signal: &str) {
    let user_home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let tmp_dir = tmp.path().to_string_lossy().to_string();
    let mut app = PtyApp::start_sized(&["demo"], user_home.path(), &[("TMPDIR", &tmp_dir)], 24, 80);
    to_checklist(&mut app);
    assert_eq!(demo_homes(tmp.path()).len(), 1, "the demo made no home");
    let status = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &app.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{signal} failed");
    app.expect_clean_exit();
    assert!(
        demo_homes(tmp.path()).is_empty(),
        "after {signal} the demo's home is left: {:?}",
        demo_homes(tmp.path())
    );
}

#[test]
fn sigterm_quits_cleanly_and_removes_the_demo_home() {
    signal_quits_cleanly("TERM");
}

#[test]
fn sighup_quits_cleanly_and_removes_the_demo_home() {
    signal_quits_cleanly("HUP");
}

#[test]
fn o_without_a_browser_says_so_plainly_with_the_whole_address() {
    let user_home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let tmp_dir = tmp.path().to_string_lossy().to_string();
    // $BROWSER is honoured: `false` is a browser that cannot open anything.
    let mut app = PtyApp::start_sized(
        &["demo"],
        user_home.path(),
        &[("TMPDIR", &tmp_dir), ("BROWSER", "false")],
        24,
        80,
    );
    to_checklist(&mut app);
    app.keys("o");
    app.wait_for("No browser could be opened; open this page yourself:");
    let screen = app.screen();
    assert!(!screen.contains("Launcher"), "{screen}");
    // The address, wrapped over whole rows: joined again it is the page's file.
    let rows: Vec<&str> = screen.lines().collect();
    let at = rows
        .iter()
        .position(|r| r.contains("open this page yourself"))
        .unwrap();
    let url: String = rows[at + 1..]
        .iter()
        .take_while(|r| !r.contains("Enter"))
        .map(|r| r.trim())
        .collect();
    assert!(url.starts_with("file:///"), "{url}\n{screen}");
    assert!(
        url.ends_with("CertificatesAndKeysManagement.html"),
        "{url}\n{screen}"
    );
    let page = url.trim_start_matches("file://");
    let html = std::fs::read_to_string(page).unwrap();
    assert!(html.contains("Certificate and Key Management"), "{html}");
    app.keys("\u{3}");
    app.expect_clean_exit();
}

/// A device login the practice org never approves: Esc cancels it in a real terminal, the code
/// goes, nothing is stored, and Esc then goes back to the list as usual.
#[test]
fn esc_cancels_a_waiting_device_login_and_nothing_is_stored() {
    let mut scenario = sfconn::emulator::Scenario::builtin();
    for app in &mut scenario.apps {
        app.device_auto_approve_after_polls = None;
    }
    let org = crate::support::org::TestOrg::start_with(scenario, Default::default());
    let home = tempfile::tempdir().unwrap();
    let url = org.url();
    super::pty_fixes::cli(
        home.path(),
        &[
            "add",
            "box",
            "--flow",
            "device",
            "--client-id",
            "practice-device",
            "--domain",
            &url,
        ],
        &[],
    );
    let mut app = PtyApp::start_sized(&[], home.path(), &[], 24, 80);
    app.wait_for("box");
    app.keys("l");
    app.wait_for("enter the code");
    let screen = app.screen();
    let footer = screen.lines().last().unwrap_or_default().to_string();
    assert!(footer.contains("Esc/x  cancel"), "{footer}");
    assert!(!footer.contains("t  test"), "{footer}");
    app.keys("\u{1b}");
    app.wait_for("Login to box cancelled; nothing was stored.");
    app.wait_gone("enter the code");
    let secrets = std::fs::read_to_string(home.path().join("secrets.toml")).unwrap_or_default();
    assert!(!secrets.contains("refresh_token"), "{secrets}");
    // Esc now goes back to the list.
    app.keys("\u{1b}");
    app.wait_gone("Last test");
    app.keys("q");
    app.expect_clean_exit();
}
