//! Snapshots of every TUI screen at 80x24 and 160x40 (ratatui TestBackend + insta), and state
//! tests that feed actions to `update`.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sfconn::paths::Paths;
use sfconn::profile::{Connection, Environment, Flow, Profiles};
use sfconn::salesforce::{Failure, HintRef, StepError, StepName, StepReport, TestReport, UserInfo};
use sfconn::state::{LastTest, State};
use sfconn::tui::action::{Action, Effect, RunKind, SaveNote, TaskMsg};
use sfconn::tui::app::Screen;
use sfconn::tui::{App, render, update};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 40)];

pub(crate) fn conn(name: &str, flow: Flow, env: Environment, user: Option<&str>) -> Connection {
    let mut c = Connection::new(name, flow);
    c.environment = env;
    c.domain = Some("https://acme.my.salesforce.com".into());
    c.client_id = Some("3MVG9practice".into());
    c.username = user.map(str::to_string);
    c
}

pub(crate) fn step(step: StepName, ok: bool, ms: u64) -> StepReport {
    StepReport { step, ok, ms }
}

pub(crate) fn failed_report(name: &str) -> TestReport {
    TestReport {
        name: name.into(),
        token_source: None,
        ok: false,
        flow: Flow::Jwt,
        instance_url: None,
        user: None,
        steps: vec![step(StepName::Reach, true, 41), step(StepName::Token, false, 118)],
        error: Some(StepError::new(
            StepName::Token,
            Failure::OAuth {
                http_status: Some(400),
                error: "invalid_grant".into(),
                description: Some("user hasn't approved this consumer".into()),
            },
        )),
        hints: vec![HintRef {
            id: "user-not-approved".into(),
            title: "The user is not pre-authorized for the app".into(),
            fix: vec![
                "Setup > Manage Connected Apps > the app > Edit Policies: Permitted Users = Admin approved users are pre-authorized.".into(),
                "Add the user's profile or a permission set to the app.".into(),
            ],
        }],
    }
}

pub(crate) fn passed_report(name: &str) -> TestReport {
    TestReport {
        name: name.into(),
        token_source: None,
        ok: true,
        flow: Flow::Jwt,
        instance_url: Some("https://acme.my.salesforce.com".into()),
        user: Some(UserInfo {
            user_id: "005000000000001".into(),
            organization_id: "00D000000000001".into(),
            username: "integration@acme.com".into(),
            email: "integration@acme.com".into(),
            name: "Integration User".into(),
        }),
        steps: StepName::ALL.iter().map(|s| step(*s, true, 40)).collect(),
        error: None,
        hints: vec![],
    }
}

pub(crate) fn last(ok: bool, error: Option<&str>, hint: Option<&str>) -> LastTest {
    LastTest {
        at: "2026-11-23T05:00:00Z".into(),
        ok,
        error_code: error.map(str::to_string),
        failed_step: error.map(|_| "token".to_string()),
        hint_title: hint.map(str::to_string),
        needs_login: error == Some("needs_login"),
        token_source: None,
        steps: vec![
            step(StepName::Reach, true, 41),
            step(StepName::Token, ok, 118),
        ],
    }
}

/// Five connections, one per flow, in mixed states; the clock pinned for relative times.
pub(crate) fn app() -> App {
    let conns = [
        conn(
            "acme-prod",
            Flow::Jwt,
            Environment::Production,
            Some("integration@acme.com"),
        ),
        conn(
            "acme-uat",
            Flow::Web,
            Environment::Sandbox,
            Some("ada@acme.com.uat"),
        ),
        conn(
            "billing-svc",
            Flow::ClientCredentials,
            Environment::Production,
            None,
        ),
        conn(
            "legacy-sync",
            Flow::Password,
            Environment::Sandbox,
            Some("sync@acme.com.uat"),
        ),
        conn("ssh-box", Flow::Device, Environment::Production, None),
    ];
    let mut connections = BTreeMap::new();
    for c in conns {
        connections.insert(c.name.clone(), c);
    }
    let profiles = Profiles {
        default: Some("acme-prod".into()),
        timeout_secs: None,
        connections,
    };
    let mut tests = BTreeMap::new();
    tests.insert("acme-prod".to_string(), last(true, None, None));
    tests.insert(
        "legacy-sync".to_string(),
        last(
            false,
            Some("invalid_grant"),
            Some("Username, password or security token is wrong"),
        ),
    );
    let mut app = App::new(
        profiles,
        State {
            tests,
            ..Default::default()
        },
        10,
        &Paths::in_dir("/home/ada/.config/sfconn"),
    );
    app.now = time::macros::datetime!(2026-11-23 05:42 UTC);
    app
}

pub(crate) fn draw(app: &App, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| render(app, f)).unwrap();
    format!("{}", terminal.backend())
}

pub(crate) fn snap(name: &str, app: &App) {
    for (w, h) in SIZES {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), draw(app, w, h));
    }
}

pub(crate) fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    let ev = KeyEvent::new(code, KeyModifiers::NONE);
    let action = sfconn::tui::keymap::action_for_key(app, ev).expect("key is bound or typed");
    update(app, action)
}

pub(crate) fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

pub(crate) fn wizard_at_fields(flow_downs: usize, name: &str) -> App {
    let mut a = app();
    key(&mut a, KeyCode::Char('n'));
    for _ in 0..flow_downs {
        key(&mut a, KeyCode::Down);
    }
    key(&mut a, KeyCode::Enter);
    typed(&mut a, name);
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Right);
    key(&mut a, KeyCode::Tab);
    typed(&mut a, "acme--uat.sandbox.my.salesforce.com");
    key(&mut a, KeyCode::Enter);
    a
}

pub(crate) fn wizard_at_review() -> App {
    let mut a = wizard_at_fields(2, "uat-cc");
    key(&mut a, KeyCode::Enter);
    typed(&mut a, "3MVG9cc");
    key(&mut a, KeyCode::Tab);
    typed(&mut a, "cc-secret");
    key(&mut a, KeyCode::Enter);
    a
}

#[test]
fn list() {
    snap("list", &app());
}

#[test]
fn list_with_filter() {
    let mut a = app();
    key(&mut a, KeyCode::Char('/'));
    typed(&mut a, "acme-");
    snap("list_filter", &a);
    assert_eq!(a.visible.len(), 2, "acme matches acme-prod and acme-uat");
}

#[test]
fn detail_with_a_failed_test_and_hints() {
    let mut a = app();
    key(&mut a, KeyCode::Enter);
    let effects = key(&mut a, KeyCode::Char('t'));
    let Some(Effect::Run { generation, .. }) = effects.first() else {
        panic!("t starts a test: {effects:?}")
    };
    let generation = *generation;
    update(
        &mut a,
        Action::Task(TaskMsg::RunDone {
            name: "acme-prod".into(),
            generation,
            report: Box::new(failed_report("acme-prod")),
            at: "2026-11-23T05:41:00Z".into(),
        }),
    );
    update(
        &mut a,
        Action::Task(TaskMsg::SecretKinds {
            name: "acme-prod".into(),
            kinds: Ok(vec![sfconn::secrets::SecretKind::AccessToken]),
        }),
    );
    snap("detail_failed", &a);
}

#[test]
fn help_overlay_lists_every_binding_of_the_list() {
    let mut a = app();
    key(&mut a, KeyCode::Char('?'));
    snap("help", &a);
    let screen = draw(&a, 160, 40);
    for desc in [
        "test all shown",
        "use as default",
        "filter",
        "clear the filter",
        "quit",
    ] {
        assert!(screen.contains(desc), "help lacks {desc}:\n{screen}");
    }
    // Every key of the screen, also where one column of them does not fit: then two.
    insta::assert_snapshot!("help_two_columns_80x16", draw(&a, 80, 16));
    for (w, h) in [(80, 24), (80, 16), (100, 12)] {
        let screen = draw(&a, w, h);
        for label in [
            "↑/k",
            "Enter",
            "test all shown",
            "R ",
            "Esc",
            "Ctrl-C",
            "Esc or q closes",
        ] {
            assert!(
                screen.contains(label),
                "help at {w}x{h} lacks {label}:\n{screen}"
            );
        }
    }
}

#[test]
fn delete_confirm_for_production_needs_the_name() {
    let mut a = app();
    key(&mut a, KeyCode::Char('d'));
    typed(&mut a, "acme");
    snap("delete_confirm", &a);
    assert!(
        key(&mut a, KeyCode::Enter).is_empty(),
        "a partial name must not delete"
    );
    typed(&mut a, "-prod");
    let effects = key(&mut a, KeyCode::Enter);
    assert_eq!(
        effects,
        vec![Effect::Delete {
            name: "acme-prod".into()
        }]
    );
}

#[test]
fn wizard_flow_choice() {
    let mut a = app();
    key(&mut a, KeyCode::Char('n'));
    key(&mut a, KeyCode::Down);
    snap("wizard_flow", &a);
}

#[test]
fn wizard_checklist_step() {
    let mut a = wizard_at_fields(1, "uat-jwt");
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Char(' '));
    snap("wizard_checklist", &a);
    let effects = key(&mut a, KeyCode::Char('o'));
    let Some(Effect::OpenSetup { url, title, .. }) = effects.first() else {
        panic!("{effects:?}")
    };
    assert_eq!(
        url,
        "https://acme--uat.sandbox.my.salesforce.com/lightning/setup/ManageExternalClientApplication/home"
    );
    assert_eq!(
        title,
        "Create an External Client App for the JWT Bearer Flow"
    );
}

#[test]
fn wizard_fields_validate_as_typed() {
    let mut a = wizard_at_fields(3, "uat-pw");
    key(&mut a, KeyCode::Enter);
    typed(&mut a, "3MVG9 abc");
    key(&mut a, KeyCode::Tab);
    typed(&mut a, "s3cret#&+%");
    key(&mut a, KeyCode::Tab);
    typed(&mut a, "sync");
    snap("wizard_fields", &a);
    let screen = draw(&a, 80, 24);
    assert!(
        !screen.contains("s3cret"),
        "a secret is shown in clear:\n{screen}"
    );
    assert!(
        screen.contains("no spaces"),
        "the consumer key error is missing:\n{screen}"
    );
}

#[test]
fn wizard_review() {
    let a = wizard_at_review();
    snap("wizard_review", &a);
    assert!(!draw(&a, 160, 40).contains("cc-secret"));
}

#[test]
fn wizard_connect_progress_then_connected() {
    let mut a = wizard_at_review();
    let effects = key(&mut a, KeyCode::Enter);
    let Some(Effect::Save {
        conn,
        secrets,
        replaces,
        ..
    }) = effects.first()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(conn.name, "uat-cc");
    assert_eq!(
        conn.domain.as_deref(),
        Some("https://acme--uat.sandbox.my.salesforce.com")
    );
    assert_eq!(secrets.len(), 1);
    assert!(replaces.is_none());
    let conn = conn.clone();
    let effects = update(
        &mut a,
        Action::Task(TaskMsg::Saved {
            conn,
            replaces: None,
            result: Ok(SaveNote::default()),
        }),
    );
    let Some(Effect::Run {
        kind: RunKind::Test,
        generation,
        ..
    }) = effects.first()
    else {
        panic!("{effects:?}")
    };
    let generation = *generation;
    for s in [StepName::Reach, StepName::Token] {
        update(
            &mut a,
            Action::Task(TaskMsg::StepDone {
                name: "uat-cc".into(),
                generation,
                step: step(s, true, 40),
            }),
        );
    }
    snap("wizard_connect", &a);
    update(
        &mut a,
        Action::Task(TaskMsg::RunDone {
            name: "uat-cc".into(),
            generation,
            report: Box::new(passed_report("uat-cc")),
            at: "2026-11-23T05:42:00Z".into(),
        }),
    );
    assert!(
        draw(&a, 80, 24).contains("Connected as integration@acme.com in acme.my.salesforce.com")
    );
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.screen, Screen::List);
    assert_eq!(
        a.selected_row().map(|r| r.name().to_string()).as_deref(),
        Some("uat-cc")
    );
}
