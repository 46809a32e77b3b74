//! TUI defects from the adversarial pass (issue 14): deleting or renaming the last row.

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
            result: Ok(()),
        }),
    );
    assert!(a.row(&last).is_none());
    assert!(a.row("zz-renamed").is_some());
    assert!(a.selected_row().is_some());
    draw(&a, 80, 24);
}
