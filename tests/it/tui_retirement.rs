//! Issue 11: the TUI's detail view marks a password connection with the days left until the
//! flow's retirement on 2027-02-20, on the TUI's own (pinned) clock.

use crossterm::event::KeyCode;

use crate::tui_snapshots::{app, draw, key, typed};

#[test]
fn the_detail_of_a_password_connection_shows_the_days_left() {
    let mut a = app();
    key(&mut a, KeyCode::Char('/'));
    typed(&mut a, "legacy");
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Enter);
    let screen = draw(&a, 160, 40);
    // The snapshots' clock is 2026-11-23: 89 days before 2027-02-20.
    assert!(
        screen.contains("retirement    89 days left (2027-02-20)"),
        "{screen}"
    );

    a.now = time::macros::datetime!(2027-02-21 08:00 UTC);
    let screen = draw(&a, 160, 40);
    assert!(screen.contains("retired on 2027-02-20"), "{screen}");

    // Other flows have no such line.
    let mut a = app();
    key(&mut a, KeyCode::Enter);
    assert!(!draw(&a, 160, 40).contains("retirement"));
}
