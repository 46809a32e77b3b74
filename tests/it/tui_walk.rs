//! What a fresh-eyes walk of `sfconn demo` at 80x24 and 120x36 found: long values cut without
//! `…`, fields that jump a column when focused, scrolling the detail view, the `↑ more` marker,
//! keys during a login, and words that say what to do.

use crossterm::event::KeyCode;
use sfconn::tui::app::App;

use crate::tui_snapshots::{app, draw, key, typed, wizard_at_fields};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 36)];

fn snap_both(name: &str, a: &App) {
    for (w, h) in SIZES {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), draw(a, w, h));
    }
}

/// The row of the screen holding `text`.
fn row_with(screen: &str, text: &str) -> String {
    screen
        .lines()
        .find(|l| l.contains(text))
        .unwrap_or_else(|| panic!("no row with {text:?} in\n{screen}"))
        .trim_matches('"')
        .to_string()
}

/// Where `text` starts on its row, in columns.
fn column_of(screen: &str, text: &str) -> usize {
    let row = row_with(screen, text);
    let at = row.find(text).unwrap_or(0);
    row[..at].chars().count()
}

const LONG_KEY: &str =
    "3MVG9Hxfg0am6wtsihlkCzGbVzwfOQDh2yv9fy6HmJVS5q1y4IEWrfnWeCbQpLk7TnZ2xR8vYd0aE";

#[test]
fn a_long_consumer_key_is_marked_where_it_is_cut() {
    let mut a = wizard_at_fields(2, "uat-cc");
    key(&mut a, KeyCode::Enter);
    typed(&mut a, LONG_KEY);
    // Focused, the cursor at the end: the start is cut, so the value starts with `…`.
    let screen = draw(&a, 80, 24);
    let row = row_with(&screen, "Consumer key");
    assert!(row.contains(" …"), "{row}");
    assert!(row.ends_with("│"), "{row}");
    insta::assert_snapshot!("walk_long_key_focused_end_80x24", screen);
    // At the start: more follows, so it ends in `…`.
    key(&mut a, KeyCode::Home);
    let screen = draw(&a, 80, 24);
    let row = row_with(&screen, "Consumer key");
    assert!(row.contains("3MVG9Hxfg0"), "{row}");
    assert!(row.trim_end_matches('│').trim_end().ends_with('…'), "{row}");
    // Unfocused: trailing `…` too.
    key(&mut a, KeyCode::Tab);
    let screen = draw(&a, 80, 24);
    let row = row_with(&screen, "Consumer key");
    assert!(row.trim_end_matches('│').trim_end().ends_with('…'), "{row}");
    // Review: the key ends in `…` one column off the border.
    typed(&mut a, "cc-secret");
    key(&mut a, KeyCode::Enter);
    let screen = draw(&a, 80, 24);
    let row = row_with(&screen, "Consumer key");
    assert!(row.ends_with("… │"), "{row}");
    snap_both("walk_review_long_key", &a);
}

#[test]
fn a_focused_field_keeps_its_value_in_the_same_column() {
    let mut a = app();
    key(&mut a, KeyCode::Char('n'));
    key(&mut a, KeyCode::Enter);
    // Name is focused and empty: its placeholder starts where the values of other fields do.
    let screen = draw(&a, 80, 24);
    let placeholder = column_of(&screen, "e.g. acme-prod");
    let domain = column_of(&screen, "e.g. acme.my.salesforce.com");
    assert_eq!(placeholder, domain, "{screen}");
    typed(&mut a, "my-jwt");
    key(&mut a, KeyCode::Tab);
    let screen = draw(&a, 80, 24);
    assert_eq!(column_of(&screen, "my-jwt"), domain, "{screen}");
    snap_both("walk_focused_placeholder", &a);
}

#[test]
fn no_browser_is_said_plainly_with_the_address_whole_on_its_own_rows() {
    use sfconn::tui::action::{Action, TaskMsg};
    let mut a = wizard_at_fields(1, "uat-jwt");
    let url = "file:///tmp/sfconn-demo-Xb3kQ9/setup-pages/CertificatesAndKeysManagement.html";
    sfconn::tui::update(
        &mut a,
        Action::Task(TaskMsg::Opened {
            url: url.into(),
            result: Err("Launcher \"gio\" \"open\" failed with exit status 2".into()),
        }),
    );
    for (w, h) in SIZES {
        let screen = draw(&a, w, h);
        assert!(
            screen.contains("No browser could be opened; open this page yourself:"),
            "{screen}"
        );
        assert!(!screen.contains("Launcher"), "{screen}");
        let joined: String = screen.lines().map(|l| l.trim_matches('"').trim()).collect();
        assert!(joined.contains(url), "{screen}");
    }
    snap_both("walk_no_browser", &a);
}

fn resize(a: &mut App, width: u16, height: u16) {
    sfconn::tui::update(a, sfconn::tui::action::Action::Resize { width, height });
}

#[test]
fn the_detail_view_pages_like_the_list_and_says_when_text_is_above() {
    use crate::tui_polish::{detail_with, report_with_many_hints};
    let mut a = app();
    resize(&mut a, 80, 24);
    detail_with(&mut a, "acme-prod", report_with_many_hints("acme-prod"));
    let top = draw(&a, 80, 24);
    assert!(top.contains("↓ more (j, PgDn)"), "{top}");
    assert!(!top.contains("↑ more"), "{top}");
    key(&mut a, KeyCode::PageDown);
    let paged = a.detail_scroll;
    assert!(paged > 1, "PgDn moved {paged}");
    let screen = draw(&a, 80, 24);
    assert!(screen.contains("↑ more (k, PgUp)"), "{screen}");
    insta::assert_snapshot!("walk_detail_paged_80x24", screen);
    key(&mut a, KeyCode::Char('G'));
    let end = a.detail_scroll;
    assert!(end >= paged, "{end}");
    let screen = draw(&a, 80, 24);
    assert!(screen.contains("Hint number 6"), "{screen}");
    assert!(!screen.contains("↓ more"), "{screen}");
    key(&mut a, KeyCode::PageUp);
    assert!(a.detail_scroll < end);
    key(&mut a, KeyCode::Char('g'));
    assert_eq!(a.detail_scroll, 0);
    key(&mut a, KeyCode::End);
    assert_eq!(a.detail_scroll, end);
    key(&mut a, KeyCode::Home);
    assert_eq!(a.detail_scroll, 0);
    // The help lists the new keys.
    key(&mut a, KeyCode::Char('?'));
    let help = draw(&a, 80, 24);
    assert!(help.contains("PgDn") && help.contains("End/G"), "{help}");
}

#[test]
fn on_a_short_terminal_the_last_test_keeps_rows_and_the_settings_shrink() {
    use crate::tui_polish::{detail_with, report_with_many_hints};
    let mut a = app();
    resize(&mut a, 80, 12);
    detail_with(&mut a, "acme-prod", report_with_many_hints("acme-prod"));
    let screen = draw(&a, 80, 12);
    let rows: Vec<&str> = screen.lines().collect();
    let top = rows.iter().position(|r| r.contains("Last test")).unwrap();
    let bottom = rows[top..].iter().position(|r| r.contains('╰')).unwrap();
    assert!(bottom > 3, "Last test has {} rows:\n{screen}", bottom - 1);
    // The settings that do not fit say so.
    assert!(rows[..top].iter().any(|r| r.contains("…")), "{screen}");
    insta::assert_snapshot!("walk_detail_short_80x12", screen);
}

#[test]
fn the_list_says_when_rows_are_above_too() {
    use sfconn::profile::{Environment, Flow};
    use sfconn::tui::app::ConnRow;
    let mut a = app();
    for i in 0..30 {
        a.upsert_row(ConnRow::new(
            crate::tui_snapshots::conn(
                &format!("zz-{i:02}"),
                Flow::Jwt,
                Environment::Sandbox,
                None,
            ),
            None,
        ));
    }
    key(&mut a, KeyCode::End);
    let screen = draw(&a, 80, 24);
    assert!(screen.contains("↑ more (k, PgUp)"), "{screen}");
    assert!(!screen.contains("↓ more"), "{screen}");
    insta::assert_snapshot!("walk_list_more_above_80x24", screen);
    key(&mut a, KeyCode::Char('g'));
    assert!(!draw(&a, 80, 24).contains("↑ more"));
}

#[test]
fn the_settings_pane_is_as_wide_as_its_values_at_120_columns() {
    use sfconn::tui::app::Screen;
    let mut a = app();
    resize(&mut a, 120, 36);
    let path = "/tmp/sfconn-demo-Xb3kQ9/keys/practice-jwt.key";
    a.rows[0].conn.key_file = Some(path.into());
    a.screen = Screen::Detail {
        name: a.rows[0].conn.name.clone(),
    };
    let screen = draw(&a, 120, 36);
    assert!(screen.contains(path), "{screen}");
    insta::assert_snapshot!("walk_detail_wide_settings_120x36", screen);
}

#[test]
fn a_save_refused_by_a_broken_profiles_toml_says_fix_the_file_then_r() {
    use sfconn::tui::action::{Action, Effect, SaveError, TaskMsg};
    let mut a = crate::tui_snapshots::wizard_at_review();
    let effects = key(&mut a, KeyCode::Enter);
    let Some(Effect::Save { conn, .. }) = effects.first() else {
        panic!("{effects:?}")
    };
    let conn = conn.clone();
    let message = format!(
        "/home/ada/.config/sfconn/profiles.toml:7:1: unknown key `colour`{}",
        sfconn::profile::file::FIX_THE_FILE
    );
    sfconn::tui::update(
        &mut a,
        Action::Task(TaskMsg::Saved {
            conn,
            replaces: None,
            result: Err(SaveError {
                message,
                fields: Vec::new(),
            }),
        }),
    );
    for (w, h) in SIZES {
        let screen = draw(&a, w, h);
        let joined: String = screen.lines().map(|l| l.trim_matches('"')).collect();
        assert!(joined.contains("profiles.toml:7:1"), "{screen}");
        assert!(joined.contains("press r to"), "{screen}");
        assert!(!joined.contains("run the command again"), "{screen}");
        assert!(!joined.contains("f goes back"), "{screen}");
        assert!(!joined.contains("f  fix"), "{screen}");
    }
    snap_both("walk_save_refused_file", &a);
    // `f` does nothing here; `r` tries the save again.
    let f =
        crossterm::event::KeyEvent::new(KeyCode::Char('f'), crossterm::event::KeyModifiers::NONE);
    assert!(sfconn::tui::keymap::action_for_key(&a, f).is_none());
    let effects = key(&mut a, KeyCode::Char('r'));
    assert!(
        matches!(effects.first(), Some(Effect::Save { .. })),
        "{effects:?}"
    );
}

#[test]
fn the_confirm_dialogs_say_what_to_type_and_how_to_sign_in_again() {
    use sfconn::profile::{Environment, Flow};
    use sfconn::tui::app::ConnRow;
    let mut a = app();
    a.upsert_row(ConnRow::new(
        crate::tui_snapshots::conn("practice-web", Flow::Web, Environment::Production, None),
        None,
    ));
    while a.selected_row().map(|r| r.conn.name.as_str()) != Some("practice-web") {
        key(&mut a, KeyCode::Down);
    }
    key(&mut a, KeyCode::Char('R'));
    let screen = draw(&a, 80, 24);
    let joined: String = screen.lines().map(|l| l.trim_matches('"')).collect();
    assert!(
        joined.contains("sfconn login NAME") || joined.contains("sfconn login"),
        "{screen}"
    );
    assert!(
        !joined.contains("the next login or test gets new ones"),
        "{screen}"
    );
    // Enter on an empty box: say what to type, not what it is not.
    key(&mut a, KeyCode::Enter);
    let screen = draw(&a, 80, 24);
    assert!(screen.contains("type practice-web to confirm"), "{screen}");
    assert!(!screen.contains("that is not"), "{screen}");
    snap_both("walk_revoke_web_empty", &a);
}

#[test]
fn ctrl_d_on_a_secret_the_flow_needs_says_why_it_stays() {
    use crossterm::event::{KeyEvent, KeyModifiers};
    use sfconn::secrets::SecretKind;
    use sfconn::tui::action::{Action, TaskMsg};
    let mut a = app();
    while a.selected_row().map(|r| r.conn.name.as_str()) != Some("billing-svc") {
        key(&mut a, KeyCode::Down);
    }
    sfconn::tui::update(
        &mut a,
        Action::Task(TaskMsg::SecretKinds {
            name: "billing-svc".into(),
            kinds: Ok(vec![SecretKind::ClientSecret]),
        }),
    );
    key(&mut a, KeyCode::Char('e'));
    key(&mut a, KeyCode::Enter); // Connection → Setup
    key(&mut a, KeyCode::Enter); // Setup → Fields
    key(&mut a, KeyCode::Tab); // consumer secret
    let ctrl_d = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL);
    let action = sfconn::tui::keymap::action_for_key(&a, ctrl_d).expect("Ctrl-D is bound");
    sfconn::tui::update(&mut a, action);
    let screen = draw(&a, 120, 36);
    assert!(
        screen.contains("the client-credentials flow needs this secret, so it cannot be removed"),
        "{screen}"
    );
    snap_both("walk_ctrl_d_required", &a);
}

#[test]
fn the_filter_footer_offers_help_and_the_user_column_shows_who_signed_in() {
    use sfconn::salesforce::{TestReport, UserInfo};
    use sfconn::tui::action::{Action, TaskMsg};
    let mut a = app();
    key(&mut a, KeyCode::Char('/'));
    let screen = draw(&a, 80, 24);
    let footer = screen.lines().last().unwrap_or_default().to_string();
    assert!(footer.contains("F1  help"), "{footer}");
    key(&mut a, KeyCode::F(1));
    assert!(draw(&a, 80, 24).contains("Keys: filter"));
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Esc);
    // billing-svc (client credentials) names no user; after a passing test the list shows who.
    while a.selected_row().map(|r| r.conn.name.as_str()) != Some("billing-svc") {
        key(&mut a, KeyCode::Down);
    }
    let effects = key(&mut a, KeyCode::Char('t'));
    let Some(sfconn::tui::action::Effect::Run { generation, .. }) = effects.first() else {
        panic!("{effects:?}")
    };
    let report = TestReport {
        name: "billing-svc".into(),
        token_source: None,
        ok: true,
        flow: sfconn::profile::Flow::ClientCredentials,
        instance_url: Some("https://acme.my.salesforce.com".into()),
        user: Some(UserInfo {
            user_id: "005".into(),
            organization_id: "00D".into(),
            username: "cc@acme.com".into(),
            email: "i@acme.com".into(),
            name: "Integration".into(),
        }),
        steps: Vec::new(),
        error: None,
        hints: Vec::new(),
    };
    sfconn::tui::update(
        &mut a,
        Action::Task(TaskMsg::RunDone {
            name: "billing-svc".into(),
            generation: *generation,
            report: Box::new(report),
            at: "2026-11-23T05:41:00Z".into(),
        }),
    );
    let screen = draw(&a, 120, 36);
    assert!(
        row_with(&screen, "billing-svc").contains("cc@acme.com"),
        "{screen}"
    );
}
