//! Issue 9 screens outside the wizard: logins that stay readable for the whole wait, revoke
//! with care, the live profile file, and screens that read well at 80x24 and 120x36.

use crossterm::event::KeyCode;
use sfconn::salesforce::LoginEvent;
use sfconn::tui::action::{Action, Effect, RunKind, TaskMsg};
use sfconn::tui::app::App;
use sfconn::tui::update;

use crate::tui_snapshots::{app, draw, key};

/// `l` on `name` (found with End/Home moves), returning the run's generation.
pub(crate) fn login(a: &mut App, name: &str) -> u64 {
    while a.selected_row().map(|r| r.conn.name.as_str()) != Some(name) {
        key(a, KeyCode::Down);
    }
    let effects = key(a, KeyCode::Char('l'));
    let Some(Effect::Run {
        kind: RunKind::Login,
        generation,
        ..
    }) = effects.first()
    else {
        panic!("{effects:?}")
    };
    *generation
}

fn note(a: &mut App, name: &str, generation: u64, note: LoginEvent) {
    update(
        a,
        Action::Task(TaskMsg::Login {
            name: name.into(),
            generation,
            note,
        }),
    );
}

fn seconds_later(a: &mut App, secs: i64) {
    let now = a.now + time::Duration::seconds(secs);
    update(a, Action::Tick { now });
}

#[test]
fn the_device_code_and_its_url_stay_for_the_whole_wait_with_the_seconds_left() {
    let mut a = app();
    let generation = login(&mut a, "ssh-box");
    note(
        &mut a,
        "ssh-box",
        generation,
        LoginEvent::DeviceCode {
            user_code: "WXYZ-1234".into(),
            verification_uri: "https://acme.my.salesforce.com/setup/connect".into(),
            interval_secs: 5,
        },
    );
    note(
        &mut a,
        "ssh-box",
        generation,
        LoginEvent::Waiting {
            detail: "waiting for the code WXYZ-1234 to be approved".into(),
            wait_secs: 600,
        },
    );
    seconds_later(&mut a, 30);
    for (w, h) in [(80, 24), (120, 36)] {
        let screen = draw(&a, w, h);
        assert!(screen.contains("WXYZ-1234"), "{w}x{h}:\n{screen}");
        assert!(screen.contains("/setup/connect"), "{w}x{h}:\n{screen}");
        assert!(screen.contains("570 s left"), "{w}x{h}:\n{screen}");
    }
}

#[test]
fn the_url_to_open_stays_when_no_browser_could_be_opened() {
    let mut a = app();
    let generation = login(&mut a, "acme-uat");
    let url = "https://acme.my.salesforce.com/services/oauth2/authorize?x=1";
    note(
        &mut a,
        "acme-uat",
        generation,
        LoginEvent::BrowserUnavailable {
            url: url.into(),
            reason: "no browser".into(),
        },
    );
    note(
        &mut a,
        "acme-uat",
        generation,
        LoginEvent::Waiting {
            detail: "waiting for the browser to come back".into(),
            wait_secs: 120,
        },
    );
    let screen = draw(&a, 120, 36);
    assert!(screen.contains(url), "{screen}");
    assert!(screen.contains("120 s left"), "{screen}");
}

#[test]
fn revoking_a_production_connection_asks_for_its_name() {
    let mut a = app();
    assert_eq!(a.selected_row().unwrap().conn.name, "acme-prod");
    assert!(key(&mut a, KeyCode::Char('R')).is_empty());
    let screen = draw(&a, 80, 24);
    assert!(
        screen.contains("Revoke the tokens of acme-prod?"),
        "{screen}"
    );
    assert!(
        screen.contains("Type the connection's name to revoke them"),
        "{screen}"
    );
    crate::tui_snapshots::typed(&mut a, "acme");
    assert!(
        key(&mut a, KeyCode::Enter).is_empty(),
        "a wrong name revokes nothing"
    );
    crate::tui_snapshots::typed(&mut a, "-prod");
    let effects = key(&mut a, KeyCode::Enter);
    let Some(Effect::Revoke { conn, .. }) = effects.first() else {
        panic!("{effects:?}")
    };
    assert_eq!(conn.name, "acme-prod");
    update(
        &mut a,
        Action::Task(TaskMsg::Revoked {
            name: "acme-prod".into(),
            result: Ok("Revoked the access token of acme-prod at Salesforce and forgot it".into()),
        }),
    );
    assert!(draw(&a, 120, 36).contains("Revoked the access token of acme-prod"));
}

#[test]
fn revoking_a_sandbox_connection_is_yes_or_no() {
    let mut a = app();
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Char('R'));
    let screen = draw(&a, 80, 24);
    assert!(screen.contains("y revokes"), "{screen}");
    assert!(key(&mut a, KeyCode::Char('n')).is_empty());
    assert!(a.overlay.is_none());
    key(&mut a, KeyCode::Char('R'));
    let effects = key(&mut a, KeyCode::Char('y'));
    assert!(
        matches!(effects.first(), Some(Effect::Revoke { conn, .. }) if conn.name == "acme-uat"),
        "{effects:?}"
    );
}

#[test]
fn a_reload_keeps_the_selection_and_a_broken_file_keeps_the_list() {
    let mut a = app();
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Down); // billing-svc
    let mut profiles = sfconn::profile::Profiles::default();
    for name in ["aaa-new", "billing-svc", "ssh-box"] {
        let c = crate::tui_snapshots::conn(
            name,
            sfconn::profile::Flow::Device,
            sfconn::profile::Environment::Production,
            None,
        );
        profiles.connections.insert(name.to_string(), c);
    }
    update(
        &mut a,
        Action::Task(TaskMsg::FilesChanged {
            profiles: Ok(Box::new(profiles)),
            state: Box::default(),
        }),
    );
    assert_eq!(a.rows.len(), 3);
    assert_eq!(a.selected_row().unwrap().conn.name, "billing-svc");
    update(
        &mut a,
        Action::Task(TaskMsg::FilesChanged {
            profiles: Err("profiles.toml:4:1: unknown key `colour`".into()),
            state: Box::default(),
        }),
    );
    for (w, h) in [(80, 24), (120, 36)] {
        let screen = draw(&a, w, h);
        assert!(screen.contains("profiles.toml:4:1"), "{screen}");
        assert!(screen.contains("aaa-new"), "{screen}");
    }
}

/// The new screens at the sizes the issue was found at.
fn snap_both(name: &str, a: &App) {
    for (w, h) in [(80, 24), (120, 36)] {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), draw(a, w, h));
    }
}

#[test]
fn screens_read_well_at_80x24_and_120x36() {
    let mut a = app();
    // A passing run that took under a millisecond, a name too long for the column.
    a.rows[0].status = sfconn::tui::app::RunStatus::Passed { ms: 0 };
    let mut long = crate::tui_snapshots::conn(
        "salesforce-production-order-sync-eu-west-integration",
        sfconn::profile::Flow::Jwt,
        sfconn::profile::Environment::Production,
        Some("integration@acme.com"),
    );
    long.username = Some("integration.user.with.a.long.name@acme-corporation.example".into());
    a.upsert_row(sfconn::tui::app::ConnRow::new(long, None));
    for (w, h) in [(80, 24), (120, 36)] {
        let screen = draw(&a, w, h);
        assert!(screen.contains("passed <1 ms"), "{w}x{h}:\n{screen}");
        assert!(!screen.contains("passed 0 ms"), "{w}x{h}:\n{screen}");
        assert!(
            screen.contains("salesforce-produc") && !screen.contains("eu-west"),
            "{w}x{h}:\n{screen}"
        );
        assert!(screen.contains('…'), "{w}x{h}:\n{screen}");
        let footer = screen.lines().last().unwrap();
        assert!(
            footer.contains("?  help") && footer.contains("q  quit"),
            "{footer}"
        );
    }
    snap_both("list_truncated", &a);
}

#[test]
fn one_connection_is_not_one_connections() {
    let mut a = app();
    for name in ["acme-uat", "billing-svc", "legacy-sync", "ssh-box"] {
        a.remove_row(name);
    }
    let screen = draw(&a, 80, 24);
    assert!(screen.contains(" 1 connection "), "{screen}");
    assert!(!screen.contains("1 connections"), "{screen}");
}

#[test]
fn the_footer_names_a_way_out_and_help_on_every_screen() {
    let mut a = app();
    let mut seen = Vec::new();
    let mut check = |a: &App, what: &str| {
        for (w, h) in [(80, 24), (120, 36)] {
            let screen = draw(a, w, h);
            let footer = screen.lines().last().unwrap().to_string();
            assert!(
                footer.contains("quit") && footer.contains("help") || footer.contains("close help"),
                "{what} at {w}x{h}: {footer}"
            );
        }
        seen.push(what.to_string());
    };
    check(&a, "list");
    key(&mut a, KeyCode::Enter);
    check(&a, "detail");
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Char('n'));
    check(&a, "wizard flow");
    key(&mut a, KeyCode::Enter);
    check(&a, "wizard form");
    assert_eq!(seen.len(), 4);
}

#[test]
fn new_screens_snapshots() {
    // The revoke confirmation of a production connection.
    let mut a = app();
    key(&mut a, KeyCode::Char('R'));
    snap_both("revoke_production", &a);
    // The file banner over the last good list.
    let mut a = app();
    update(
        &mut a,
        Action::Task(TaskMsg::FilesChanged {
            profiles: Err(
                "/home/ada/.config/sfconn/profiles.toml:7:1: unknown key `colour`; remove it"
                    .into(),
            ),
            state: Box::default(),
        }),
    );
    snap_both("file_banner", &a);
    // A device login waiting, with its code.
    let mut a = app();
    let generation = login(&mut a, "ssh-box");
    note(
        &mut a,
        "ssh-box",
        generation,
        LoginEvent::DeviceCode {
            user_code: "WXYZ-1234".into(),
            verification_uri: "https://acme.my.salesforce.com/setup/connect".into(),
            interval_secs: 5,
        },
    );
    note(
        &mut a,
        "ssh-box",
        generation,
        LoginEvent::Waiting {
            detail: "waiting for the code WXYZ-1234 to be approved".into(),
            wait_secs: 600,
        },
    );
    snap_both("device_login_waiting", &a);
}

#[test]
fn a_long_status_line_keeps_the_address_to_open_at_80_columns() {
    let mut a = app();
    let url = "file:///tmp/sfconn-demo-A2k2r9/setup-pages/CertificatesAndKeysManagement.html";
    update(
        &mut a,
        Action::Task(TaskMsg::Opened {
            url: url.into(),
            result: Err("no browser".into()),
        }),
    );
    let screen = draw(&a, 80, 24);
    assert!(screen.contains("Management.html"), "{screen}");
}
