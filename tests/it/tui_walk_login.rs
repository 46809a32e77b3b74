//! Keys during a login, as the fresh-eyes walk found them: `t` and `l` off for the connection
//! that waits, Esc/x cancel, and the time reported without the person's wait.

use crossterm::event::KeyCode;
use sfconn::tui::app::App;

use crate::tui_snapshots::{app, draw, key};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 36)];

fn snap_both(name: &str, a: &App) {
    for (w, h) in SIZES {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), draw(a, w, h));
    }
}

fn device_code(a: &mut App, name: &str, generation: u64) {
    use sfconn::salesforce::LoginEvent;
    use sfconn::tui::action::{Action, TaskMsg};
    sfconn::tui::update(
        a,
        Action::Task(TaskMsg::Login {
            name: name.into(),
            generation,
            note: LoginEvent::DeviceCode {
                user_code: "WXYZ-1234".into(),
                verification_uri: "https://acme.my.salesforce.com/setup/connect".into(),
                interval_secs: 5,
            },
        }),
    );
}

#[test]
fn during_a_login_t_and_l_are_off_and_esc_cancels_it() {
    use sfconn::tui::action::Effect;
    use sfconn::tui::app::RunStatus;
    let mut a = app();
    let generation = crate::tui_screens::login(&mut a, "ssh-box");
    device_code(&mut a, "ssh-box", generation);
    let screen = draw(&a, 80, 24);
    let footer = screen.lines().last().unwrap_or_default().to_string();
    assert!(footer.contains("Esc/x  cancel"), "{footer}");
    assert!(
        !footer.contains("t  test") && !footer.contains("l  login"),
        "{footer}"
    );
    snap_both("walk_login_waiting", &a);
    // `t` and `l` do nothing: the code stays on screen, no second login starts.
    assert!(
        sfconn::tui::keymap::action_for_key(
            &a,
            crossterm::event::KeyEvent::new(
                KeyCode::Char('t'),
                crossterm::event::KeyModifiers::NONE
            )
        )
        .is_none()
    );
    assert!(draw(&a, 80, 24).contains("WXYZ-1234"));
    // Esc cancels: the wait ends, nothing is stored, Esc then goes back as usual.
    let effects = key(&mut a, KeyCode::Esc);
    assert!(
        matches!(&effects[..], [Effect::CancelLogin { name, generation: g }] if name == "ssh-box" && *g == generation),
        "{effects:?}"
    );
    let row = a.rows.iter().find(|r| r.conn.name == "ssh-box").unwrap();
    assert!(
        !matches!(row.status, RunStatus::Running { .. }),
        "{:?}",
        row.status
    );
    let screen = draw(&a, 80, 24);
    assert!(
        screen.contains("Login to ssh-box cancelled; nothing was stored."),
        "{screen}"
    );
    assert!(!screen.contains("WXYZ-1234"), "{screen}");
    key(&mut a, KeyCode::Esc);
    assert!(draw(&a, 80, 24).contains("Connections"));
    // From the list, `x` cancels the selected connection's login.
    let generation = crate::tui_screens::login(&mut a, "ssh-box");
    a.screen = sfconn::tui::app::Screen::List;
    let list = draw(&a, 80, 24);
    assert!(list.contains("x  cancel"), "{list}");
    let effects = key(&mut a, KeyCode::Char('x'));
    assert!(
        matches!(&effects[..], [Effect::CancelLogin { generation: g, .. }] if *g == generation),
        "{effects:?}"
    );
}

#[test]
fn a_device_login_reports_its_time_without_the_wait_for_the_person() {
    use sfconn::salesforce::{StepName, TestReport};
    use sfconn::tui::action::{Action, TaskMsg};
    use sfconn::tui::app::RunStatus;
    let mut a = app();
    let generation = crate::tui_screens::login(&mut a, "ssh-box");
    let step = crate::tui_snapshots::step;
    let report = TestReport {
        name: "ssh-box".into(),
        token_source: None,
        ok: true,
        flow: sfconn::profile::Flow::Device,
        instance_url: Some("https://acme.my.salesforce.com".into()),
        user: None,
        steps: vec![
            step(StepName::Token, true, 10009),
            step(StepName::Userinfo, true, 40),
            step(StepName::Api, true, 30),
        ],
        error: None,
        hints: Vec::new(),
    };
    sfconn::tui::update(
        &mut a,
        Action::Task(TaskMsg::RunDone {
            name: "ssh-box".into(),
            generation,
            report: Box::new(report),
            at: "2026-11-23T05:41:00Z".into(),
        }),
    );
    let row = a.rows.iter().find(|r| r.conn.name == "ssh-box").unwrap();
    assert_eq!(row.status, RunStatus::Passed { ms: 70 });
    let screen = draw(&a, 80, 24);
    assert!(screen.contains("passed 70 ms"), "{screen}");
    assert!(!screen.contains("passed 10079 ms"), "{screen}");
}

#[test]
fn a_recorded_device_login_still_shows_its_time_without_the_wait_after_a_restart() {
    use sfconn::profile::{Environment, Flow};
    use sfconn::salesforce::{StepName, TokenSource};
    use sfconn::tui::app::{ConnRow, RunStatus};
    let step = crate::tui_snapshots::step;
    let last = sfconn::state::LastTest {
        at: "2026-11-23T05:41:00Z".into(),
        ok: true,
        error_code: None,
        failed_step: None,
        hint_title: None,
        needs_login: false,
        token_source: Some(TokenSource::Granted),
        steps: vec![
            step(StepName::Token, true, 10009),
            step(StepName::Userinfo, true, 40),
        ],
    };
    let device = crate::tui_snapshots::conn("box", Flow::Device, Environment::Sandbox, None);
    let row = ConnRow::new(device, Some(last.clone()));
    assert_eq!(row.status, RunStatus::Passed { ms: 40 });
    // A jwt grant has no person to wait for: its token step counts.
    let jwt = crate::tui_snapshots::conn("j", Flow::Jwt, Environment::Sandbox, None);
    assert_eq!(
        ConnRow::new(jwt, Some(last)).status,
        RunStatus::Passed { ms: 10049 }
    );
}

#[test]
fn test_all_leaves_a_waiting_login_alone() {
    use sfconn::tui::action::Effect;
    let mut a = app();
    let generation = crate::tui_screens::login(&mut a, "ssh-box");
    device_code(&mut a, "ssh-box", generation);
    a.screen = sfconn::tui::app::Screen::List;
    let effects = key(&mut a, KeyCode::Char('T'));
    assert!(!effects.is_empty());
    assert!(
        effects
            .iter()
            .all(|e| !matches!(e, Effect::Run { conn, .. } if conn.name == "ssh-box")),
        "{effects:?}"
    );
    a.screen = sfconn::tui::app::Screen::Detail {
        name: "ssh-box".into(),
    };
    assert!(draw(&a, 80, 24).contains("WXYZ-1234"));
}
