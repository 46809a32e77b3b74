//! TUI defects from the adversarial pass (issue 14): deleting or renaming the last row, and
//! huge pastes into wizard fields.

use crossterm::event::KeyCode;
use sfconn::tui::action::{Action, TaskMsg};
use sfconn::tui::update;

use crate::tui_snapshots::{app, draw, key};

fn select_last(a: &mut sfconn::tui::app::App) -> String {
    for _ in 0..a.rows.len() {
        key(a, KeyCode::Down);
    }
    let name = a.selected_row().expect("a row").conn.name.clone();
    assert_eq!(Some(&name), a.rows.last().map(|r| &r.conn.name));
    name
}

#[test]
fn deleting_the_last_row_keeps_a_valid_selection() {
    let mut a = app();
    let before = a.rows.len();
    let last = select_last(&mut a);
    update(
        &mut a,
        Action::Task(TaskMsg::Deleted {
            name: last,
            result: Ok(()),
        }),
    );
    assert_eq!(a.rows.len(), before - 1);
    // The row that took its place is selected, and the screen draws.
    assert_eq!(
        a.selected_row().map(|r| r.conn.name.clone()),
        a.rows.last().map(|r| r.conn.name.clone())
    );
    draw(&a, 80, 24);
    // Down to an empty list, one deletion at a time from the end.
    while let Some(name) = a.rows.last().map(|r| r.conn.name.clone()) {
        update(
            &mut a,
            Action::Task(TaskMsg::Deleted {
                name,
                result: Ok(()),
            }),
        );
        draw(&a, 80, 24);
    }
    assert!(a.selected_row().is_none());
}

#[test]
fn renaming_the_last_row_selects_it_under_its_new_name() {
    let mut a = app();
    let last = select_last(&mut a);
    let mut conn = a.rows.last().expect("a row").conn.clone();
    conn.name = "zz-renamed".into();
    update(
        &mut a,
        Action::Task(TaskMsg::Saved {
            conn: Box::new(conn),
            replaces: Some(last.clone()),
            result: Ok(Default::default()),
        }),
    );
    assert!(a.row(&last).is_none());
    assert!(a.row("zz-renamed").is_some());
    assert!(a.selected_row().is_some());
    draw(&a, 80, 24);
}

fn focused_text(a: &sfconn::tui::app::App) -> String {
    let w = a.wizard.as_ref().expect("the wizard is open");
    w.focused()
        .and_then(|f| f.input.lines().first().cloned())
        .unwrap_or_default()
}

#[test]
fn a_huge_paste_is_one_edit_cut_at_the_field_limit() {
    let mut a = crate::tui_snapshots::wizard_at_fields(2, "uat-cc");
    key(&mut a, KeyCode::Enter); // past the checklist, to the client id
    let limit = a
        .wizard
        .as_ref()
        .and_then(|w| w.focused())
        .map(|f| f.key().max_chars())
        .expect("a focused field");
    // 100 KB with line breaks and escape sequences, as a terminal sends it in one paste.
    let paste = "3MVG9\u{1b}[31mabc\r\n".repeat(10_000);
    assert!(paste.len() > 100_000);
    update(&mut a, Action::Paste(paste));
    let text = focused_text(&a);
    assert_eq!(text.chars().count(), limit, "cut at the limit");
    assert!(!text.chars().any(char::is_control), "{text:?}");
    // Typing past the limit changes nothing either.
    key(&mut a, KeyCode::Char('x'));
    assert_eq!(focused_text(&a).chars().count(), limit);
    draw(&a, 80, 24);
}

#[test]
fn pasting_into_the_list_filter_is_one_edit() {
    let mut a = app();
    key(&mut a, KeyCode::Char('/'));
    update(&mut a, Action::Paste("acme\nxyz".repeat(50_000)));
    assert!(a.filter_text().chars().count() <= sfconn::tui::widgets::MAX_INPUT_CHARS);
    assert!(!a.filter_text().contains('\n'));
    draw(&a, 80, 24);
}
