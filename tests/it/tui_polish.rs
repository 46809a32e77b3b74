//! Issue 9's last screen polish, found walking `sfconn demo` at 80x24 and 120x36: cut text
//! ends in `…`, wrapped lines keep their indent, panes scroll to their end and no further, the
//! footer keeps help and a way out, overlays never quit, and words that say what happened.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sfconn::profile::{Environment, Flow};
use sfconn::salesforce::{Failure, HintRef, StepError, StepName, TransportKind};
use sfconn::secrets::SecretKind;
use sfconn::tui::action::{Action, Effect, SaveNote, TaskMsg};
use sfconn::tui::app::{App, ConnRow, Screen};
use sfconn::tui::update;

use crate::tui_snapshots::{app, conn, draw, failed_report, key, typed, wizard_at_fields};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 36)];

fn snap_both(name: &str, a: &App) {
    for (w, h) in SIZES {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), draw(a, w, h));
    }
}

fn resize(a: &mut App, width: u16, height: u16) {
    update(a, Action::Resize { width, height });
}

fn ctrl(a: &mut App, c: char) -> Vec<Effect> {
    let ev = KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
    let action = sfconn::tui::keymap::action_for_key(a, ev).expect("bound");
    update(a, action)
}

/// The rows of the screen, as drawn.
fn rows(screen: &str) -> Vec<String> {
    screen
        .lines()
        .map(|l| l.trim_matches('"').to_string())
        .collect()
}

/// Open the detail view of `name`, with `report` as its last run and `kinds` stored.
pub(crate) fn detail_with(a: &mut App, name: &str, report: sfconn::salesforce::TestReport) {
    while a.selected_row().map(|r| r.name().to_string()).as_deref() != Some(name) {
        key(a, KeyCode::Down);
    }
    key(a, KeyCode::Enter);
    let effects = key(a, KeyCode::Char('t'));
    let Some(Effect::Run { generation, .. }) = effects.first() else {
        panic!("{effects:?}")
    };
    let generation = *generation;
    update(
        a,
        Action::Task(TaskMsg::RunDone {
            name: name.into(),
            generation,
            report: Box::new(report),
            at: "2026-11-23T05:41:00Z".into(),
        }),
    );
}

/// A failed report with many hints, each with long fix steps: more than a pane holds.
pub(crate) fn report_with_many_hints(name: &str) -> sfconn::salesforce::TestReport {
    let mut r = failed_report(name);
    r.hints = (1..=6)
        .map(|i| HintRef {
            id: format!("hint-{i}"),
            title: format!("Hint number {i} about what Salesforce refused"),
            fix: vec![
                "Setup > External Client App Manager > your app > Policies > OAuth Policies: Permitted Users = Admin approved users are pre-authorized.".into(),
                format!("Run `sfconn test {name} --fresh` to check it again."),
            ],
        })
        .collect();
    r
}

#[test]
fn cut_titles_and_settings_end_in_an_ellipsis() {
    let mut a = app();
    let mut long = conn(
        "salesforce-production-order-sync-eu-west-integration",
        Flow::Jwt,
        Environment::Production,
        Some("integration@acme.com"),
    );
    long.key_file = Some("/home/ada/.config/sfconn/keys/order-sync-eu-west.key".into());
    a.upsert_row(ConnRow::new(long, None));
    let name = "salesforce-production-order-sync-eu-west-integration";
    detail_with(&mut a, name, failed_report(name));
    update(
        &mut a,
        Action::Task(TaskMsg::SecretKinds {
            name: name.into(),
            kinds: Ok(SecretKind::ALL.to_vec()),
        }),
    );
    for (w, h) in SIZES {
        let screen = draw(&a, w, h);
        let rows = rows(&screen);
        // The title bar at 80 columns: cut, and it says so.
        assert!(
            rows[0].trim_end().ends_with('…') || w > 100,
            "{w}x{h}:\n{screen}"
        );
        let secrets = rows
            .iter()
            .find(|r| r.contains(" secrets "))
            .unwrap_or_else(|| panic!("{w}x{h}:\n{screen}"));
        let inside = secrets.split('│').nth(1).unwrap_or_default().trim_end();
        assert!(inside.ends_with('…'), "{w}x{h}: {secrets:?}");
    }
    snap_both("detail_cut", &a);
}

#[test]
fn wrapped_lines_in_the_detail_view_and_the_status_line_keep_their_indent() {
    let mut a = app();
    let url = "https://acme.my.salesforce.com/services/oauth2/authorize?response_type=code&client_id=3MVG9practice";
    let effects = {
        key(&mut a, KeyCode::Down); // acme-uat (web)
        key(&mut a, KeyCode::Char('l'))
    };
    let Some(Effect::Run { generation, .. }) = effects.first() else {
        panic!("{effects:?}")
    };
    update(
        &mut a,
        Action::Task(TaskMsg::Login {
            name: "acme-uat".into(),
            generation: *generation,
            note: sfconn::salesforce::LoginEvent::OpenThisUrl { url: url.into() },
        }),
    );
    a.info(
        "Demo: practice org at http://127.0.0.1:46345. T tests all; quitting deletes everything.",
    );
    let screen = draw(&a, 80, 24);
    let rows = rows(&screen);
    // The address continues under the text, not at the border.
    let i = rows
        .iter()
        .position(|r| r.contains("Open this address to sign in:"))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(rows[i + 1].starts_with("│ https://"), "{screen}");
    assert!(rows[i + 2].starts_with("│ "), "{screen}");
    // The status line's second row keeps the first one's indent.
    assert!(rows[22].starts_with(" everything."), "{screen}");
    snap_both("detail_login_wrapped", &a);
}

#[test]
fn a_long_field_error_is_shown_whole() {
    let mut a = wizard_at_fields(1, "uat-jwt");
    key(&mut a, KeyCode::Enter); // the fields step
    let w = a.wizard.as_deref_mut().unwrap();
    let i = w.focus;
    w.fields[i].error = Some(
        "this consumer key is not one Salesforce issues: it has the wrong length and characters \
         that never appear in a key; copy it again from External Client App Manager → your app \
         → OAuth Settings → Consumer Key and Secret, where the last line says THE-END"
            .into(),
    );
    for (w, h) in SIZES {
        let screen = draw(&a, w, h);
        assert!(screen.contains("THE-END"), "{w}x{h}:\n{screen}");
    }
}

#[test]
fn the_jwt_checklist_names_the_connection_once_it_has_a_name() {
    let mut a = wizard_at_fields(1, "uat-jwt");
    let screen = draw(&a, 120, 36);
    assert!(screen.contains("`sfconn keygen uat-jwt`"), "{screen}");
    assert!(!screen.contains("keygen NAME"), "{screen}");
    // Without a name yet, the placeholder stays.
    let w = a.wizard.as_deref_mut().unwrap();
    w.fields[0].set_value("");
    let screen = draw(&a, 120, 36);
    assert!(screen.contains("`sfconn keygen NAME`"), "{screen}");
}

/// A wizard whose Connect failed with many hints.
fn wizard_failed_with_many_hints() -> App {
    let mut a = crate::tui_snapshots::wizard_at_review();
    let effects = key(&mut a, KeyCode::Enter);
    let Some(Effect::Save { conn, .. }) = effects.first() else {
        panic!("{effects:?}")
    };
    let effects = update(
        &mut a,
        Action::Task(TaskMsg::Saved {
            conn: conn.clone(),
            replaces: None,
            result: Ok(SaveNote::default()),
        }),
    );
    let Some(Effect::Run { generation, .. }) = effects.first() else {
        panic!("{effects:?}")
    };
    update(
        &mut a,
        Action::Task(TaskMsg::RunDone {
            name: "uat-cc".into(),
            generation: *generation,
            report: Box::new(report_with_many_hints("uat-cc")),
            at: "2026-11-23T05:42:00Z".into(),
        }),
    );
    a
}

#[test]
fn connect_hints_scroll_to_their_end_and_no_further() {
    let mut a = wizard_failed_with_many_hints();
    resize(&mut a, 80, 24);
    let screen = draw(&a, 80, 24);
    assert!(screen.contains("↓ more (j)"), "{screen}");
    assert!(!screen.contains("Hint number 6"), "{screen}");
    snap_both("connect_failed_scrolls", &a);
    for _ in 0..200 {
        key(&mut a, KeyCode::Char('j'));
    }
    let screen = draw(&a, 80, 24);
    assert!(screen.contains("Hint number 6"), "{screen}");
    assert!(screen.contains("f goes back to the field"), "{screen}");
    assert!(!screen.contains("↓ more"), "{screen}");
    // Clamped: one k shows one row more at the top, not nothing.
    let at_end = a.wizard.as_deref().unwrap().connect_scroll;
    key(&mut a, KeyCode::Char('k'));
    assert_eq!(a.wizard.as_deref().unwrap().connect_scroll, at_end - 1);
    // The help lists the keys.
    key(&mut a, KeyCode::Char('?'));
    assert!(draw(&a, 80, 24).contains("scroll down"));
}

#[test]
fn the_detail_footer_keeps_help_and_a_way_back_at_80_columns() {
    let mut a = app();
    key(&mut a, KeyCode::Enter);
    for (w, h) in SIZES {
        let screen = draw(&a, w, h);
        let footer = rows(&screen).pop().unwrap();
        for entry in ["Esc  back", "?  help", "q  quit"] {
            assert!(footer.contains(entry), "{w}x{h}: {footer}");
        }
    }
}

#[test]
fn ctrl_u_clears_a_prefilled_field_and_help_says_so() {
    let mut a = app();
    key(&mut a, KeyCode::Char('e')); // acme-prod, name prefilled
    assert_eq!(a.wizard.as_deref().unwrap().fields[0].value(), "acme-prod");
    ctrl(&mut a, 'u');
    let w = a.wizard.as_deref().unwrap();
    assert_eq!(w.fields[0].value(), "");
    assert!(
        w.fields[0].error.is_some(),
        "an empty name is checked again"
    );
    typed(&mut a, "acme-main");
    assert_eq!(a.wizard.as_deref().unwrap().fields[0].value(), "acme-main");
    key(&mut a, KeyCode::F(1));
    let screen = draw(&a, 80, 24);
    assert!(
        screen.contains("Ctrl-U") && screen.contains("clear the field"),
        "{screen}"
    );
}

#[test]
fn a_local_failure_is_not_what_salesforce_answered() {
    let mut a = app();
    let mut report = failed_report("acme-prod");
    report.hints.clear();
    report.error = Some(StepError::new(
        StepName::Reach,
        Failure::Transport {
            transport: TransportKind::Refused,
            host: "acme.my.salesforce.com".into(),
            detail: "connection refused".into(),
        },
    ));
    detail_with(&mut a, "acme-prod", report);
    let screen = draw(&a, 120, 36);
    assert!(
        screen.contains("No answer from acme.my.salesforce.com:"),
        "{screen}"
    );
    assert!(!screen.contains("Salesforce answered"), "{screen}");
    // With an HTTP status, it is Salesforce's answer.
    let mut a = app();
    detail_with(&mut a, "acme-prod", failed_report("acme-prod"));
    assert!(draw(&a, 120, 36).contains("Salesforce answered (HTTP 400):"));
}

#[test]
fn the_demo_checklist_says_what_o_opens_and_its_line_leaves_with_its_step() {
    let mut a = wizard_at_fields(1, "uat-jwt");
    a.setup_stand_in = Some("/tmp/sfconn-demo-x/setup-pages".into());
    let screen = draw(&a, 120, 36);
    assert!(
        screen.contains("o opens a local page standing in for this Setup page"),
        "{screen}"
    );
    assert!(
        screen.contains("file:///tmp/sfconn-demo-x/setup-pages/CertificatesAndKeysManagement.html"),
        "{screen}"
    );
    assert!(!screen.contains("http://"), "{screen}");
    update(
        &mut a,
        Action::Task(TaskMsg::Opened {
            url: "file:///tmp/sfconn-demo-x/setup-pages/CertificatesAndKeysManagement.html".into(),
            result: Ok(()),
        }),
    );
    assert!(draw(&a, 120, 36).contains("CertificatesAndKeysManagement.html"));
    key(&mut a, KeyCode::Char('j'));
    let screen = draw(&a, 120, 36);
    assert!(
        !screen.contains("CertificatesAndKeysManagement.html"),
        "the page of step 1 still shows on step 2:\n{screen}"
    );
    // Outside the demo, the real Setup page.
    a.setup_stand_in = None;
    assert!(draw(&a, 120, 36).contains("o opens this Setup page:"));
}

#[test]
fn esc_on_the_filter_clears_only_the_filter() {
    let mut a = app();
    a.info(
        "Demo: practice org at http://127.0.0.1:46345. T tests all; quitting deletes everything.",
    );
    key(&mut a, KeyCode::Char('/'));
    typed(&mut a, "acme");
    key(&mut a, KeyCode::Esc);
    assert!(a.filter_text().is_empty());
    assert!(draw(&a, 120, 36).contains("Demo: practice org"));
    // A kept filter, then Esc on the list: the filter goes, the banner stays.
    key(&mut a, KeyCode::Char('/'));
    typed(&mut a, "acme");
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.visible.len(), 5);
    assert!(draw(&a, 120, 36).contains("Demo: practice org"));
    // Esc on the bare list dismisses it.
    key(&mut a, KeyCode::Esc);
    assert!(a.notice.is_none());
}

#[test]
fn the_wizard_header_says_edit_while_editing() {
    let mut a = app();
    key(&mut a, KeyCode::Char('e'));
    assert!(draw(&a, 80, 24).contains(" Edit acme-prod "));
    // A new connection that Connect saved: fixing it is editing it.
    let mut a = wizard_failed_with_many_hints();
    assert!(draw(&a, 80, 24).contains(" New connection "));
    key(&mut a, KeyCode::Char('f'));
    let screen = draw(&a, 80, 24);
    assert!(screen.contains(" Edit uat-cc "), "{screen}");
}

#[test]
fn a_wrong_production_name_is_answered_in_the_dialog() {
    let mut a = app();
    key(&mut a, KeyCode::Char('d'));
    typed(&mut a, "acme");
    assert!(key(&mut a, KeyCode::Enter).is_empty());
    assert!(a.overlay.is_some(), "the dialog stays open");
    for (w, h) in SIZES {
        let screen = draw(&a, w, h);
        assert!(
            screen.contains("that is not acme-prod; type acme-prod to confirm"),
            "{w}x{h}:\n{screen}"
        );
    }
    snap_both("delete_wrong_name", &a);
    // Typing again takes the complaint away.
    typed(&mut a, "-prod");
    assert!(!draw(&a, 80, 24).contains("that is not"));
    // A long name wraps: the instruction is whole.
    let mut a = app();
    let name = "salesforce-production-order-sync-eu-west-integration";
    a.upsert_row(ConnRow::new(
        conn(name, Flow::Jwt, Environment::Production, None),
        None,
    ));
    while a.selected_row().map(|r| r.name().to_string()).as_deref() != Some(name) {
        key(&mut a, KeyCode::Down);
    }
    key(&mut a, KeyCode::Char('R'));
    typed(&mut a, "salesforce");
    key(&mut a, KeyCode::Enter);
    let screen = draw(&a, 80, 24);
    assert!(screen.contains("that is not"), "{screen}");
    assert!(screen.contains("│ confirm "), "{screen}");
    assert!(!screen.contains("t…"), "{screen}");
}

#[test]
fn dialog_text_keeps_off_the_border() {
    let mut a = app();
    key(&mut a, KeyCode::Down); // acme-uat, a sandbox
    key(&mut a, KeyCode::Char('R'));
    let screen = draw(&a, 80, 24);
    let row = rows(&screen)
        .into_iter()
        .find(|r| r.contains("Revoke the tokens of acme-uat?"))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(row.contains("│ Revoke the tokens"), "{row}");
}

#[test]
fn the_list_says_when_rows_continue_below() {
    let mut a = app();
    for i in 0..30 {
        a.upsert_row(ConnRow::new(
            conn(&format!("zz-{i:02}"), Flow::Jwt, Environment::Sandbox, None),
            None,
        ));
    }
    let screen = draw(&a, 80, 24);
    assert!(screen.contains("↓ more"), "{screen}");
    snap_both("list_more_below", &a);
    key(&mut a, KeyCode::End);
    assert!(!draw(&a, 80, 24).contains("↓ more"));
}

#[test]
fn j_in_the_detail_view_stops_at_the_end() {
    let mut a = app();
    resize(&mut a, 80, 24);
    detail_with(&mut a, "acme-prod", report_with_many_hints("acme-prod"));
    assert!(draw(&a, 80, 24).contains("↓ more (j, PgDn)"));
    for _ in 0..500 {
        key(&mut a, KeyCode::Char('j'));
    }
    let at_end = a.detail_scroll;
    assert!(at_end > 0 && at_end < 100, "{at_end}");
    let screen = draw(&a, 80, 24);
    assert!(screen.contains("Hint number 6"), "{screen}");
    assert!(!screen.contains("↓ more"), "{screen}");
    key(&mut a, KeyCode::Char('k'));
    assert_eq!(a.detail_scroll, at_end - 1);
    // Left past the end (a shorter result came in): k moves from where the view really is.
    a.detail_scroll = 400;
    key(&mut a, KeyCode::Char('k'));
    assert_eq!(a.detail_scroll, at_end - 1);
    // A larger terminal holds more: the scroll shrinks with it.
    resize(&mut a, 120, 60);
    assert!(a.detail_scroll < at_end - 1, "{}", a.detail_scroll);
}

#[test]
fn q_in_the_help_overlay_closes_it_and_never_quits() {
    let mut a = wizard_at_fields(1, "uat-jwt");
    key(&mut a, KeyCode::Enter); // a field step: `q` would be a letter there
    key(&mut a, KeyCode::F(1));
    assert!(a.overlay.is_some());
    key(&mut a, KeyCode::Char('q'));
    assert!(!a.quit, "q in the help quit the app");
    assert!(a.overlay.is_none());
    assert_eq!(a.screen, Screen::Wizard);
    // Esc closes it too, on the list as well.
    let mut a = app();
    key(&mut a, KeyCode::Char('?'));
    key(&mut a, KeyCode::Esc);
    assert!(a.overlay.is_none() && !a.quit);
}
