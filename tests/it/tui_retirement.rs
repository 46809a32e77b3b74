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

#[test]
fn the_list_marks_password_connections_with_the_days_left_at_80_and_120_columns() {
    let a = app();
    let row = |screen: &str, name: &str| {
        screen
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_default()
            .to_string()
    };
    // The snapshots' clock is 2026-11-23: 89 days before 2027-02-20.
    let narrow = draw(&a, 80, 24);
    assert!(
        row(&narrow, "legacy-sync").contains("password 89d "),
        "{narrow}"
    );
    let wide = draw(&a, 120, 36);
    assert!(
        row(&wide, "legacy-sync").contains("password 89d left"),
        "{wide}"
    );
    // Other flows have no countdown.
    for screen in [&narrow, &wide] {
        assert!(!row(screen, "acme-prod").contains("left"), "{screen}");
    }

    // SFCONN_TODAY pins the day (the App reads it at start; set here as it would be).
    let mut a = app();
    a.today_pin = Some(time::macros::date!(2027 - 02 - 21));
    let narrow = draw(&a, 80, 24);
    assert!(
        row(&narrow, "legacy-sync").contains("pw retired"),
        "{narrow}"
    );
    assert!(
        row(&draw(&a, 120, 36), "legacy-sync").contains("password retired"),
        "{narrow}"
    );
}
