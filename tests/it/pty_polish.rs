//! Issue 9's screen polish in a real 80x24 terminal, as it was found: `sfconn demo` with more
//! connections than rows, the filter, the detail footer, the help over a wizard field.

use super::pty::PtyApp;

#[test]
fn demo_at_80x24_marks_more_rows_keeps_the_banner_and_never_quits_from_the_help() {
    let user_home = tempfile::tempdir().unwrap();
    let mut app = PtyApp::start_sized(&["demo"], user_home.path(), &[], 24, 80);
    app.wait_for("practice org at");
    // More connections than rows: the list says so.
    app.wait_for("↓ more");
    // Esc on the filter clears the filter, not the demo's banner.
    app.keys("/");
    app.typed("practice");
    app.wait_for("filter:");
    app.keys("\u{1b}");
    app.wait_gone("filter:");
    let screen = app.screen();
    assert!(screen.contains("Demo: practice org at"), "{screen}");
    // The detail view's footer at 80 columns: help and the way back stay.
    app.keys("\r");
    app.wait_for("Last test");
    let screen = app.screen();
    let footer = screen.lines().last().unwrap_or_default().to_string();
    for entry in ["Esc  back", "?  help", "q  quit"] {
        assert!(footer.contains(entry), "{footer:?}\n{screen}");
    }
    app.keys("\u{1b}");
    app.wait_gone("Last test");
    // The help over a wizard field: q closes it and the wizard is still there.
    app.keys("n");
    app.wait_for("Which OAuth flow");
    app.keys("\r");
    app.wait_for("2 · Connection");
    app.keys("\u{1b}OP"); // F1
    app.wait_for("Keys: fields");
    let screen = app.screen();
    assert!(screen.contains("Ctrl-U"), "{screen}");
    app.keys("q");
    app.wait_gone("Keys: fields");
    app.wait_for("2 · Connection");
    // Back out and quit for real.
    app.keys("\u{1b}");
    app.wait_for("Which OAuth flow");
    app.keys("\u{1b}");
    app.wait_gone("Which OAuth flow");
    app.keys("q");
    app.expect_clean_exit();
}
