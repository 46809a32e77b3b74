//! State tests for the TUI: actions fed to `update`, results arriving out of order or for
//! another connection, and what the user then sees.

use crossterm::event::KeyCode;
use sfconn::salesforce::{HintRef, TestReport};
use sfconn::tui::action::{Action, Effect, RunKind, SaveNote, TaskMsg};
use sfconn::tui::app::{RunStatus, Screen};
use sfconn::tui::update;

use crate::tui_snapshots::{
    app, draw, failed_report, key, passed_report, typed, wizard_at_fields, wizard_at_review,
};

#[test]
fn delete_confirm_for_sandbox_is_yes_no() {
    let mut a = app();
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Char('d'));
    assert!(key(&mut a, KeyCode::Char('n')).is_empty());
    assert!(a.overlay.is_none());
    key(&mut a, KeyCode::Char('d'));
    assert_eq!(
        key(&mut a, KeyCode::Char('y')),
        vec![Effect::Delete {
            name: "acme-uat".into()
        }]
    );
}

#[test]
fn wizard_failure_jumps_back_to_the_field_to_fix() {
    let mut a = wizard_at_review();
    let effects = key(&mut a, KeyCode::Enter);
    let Some(Effect::Save { conn, .. }) = effects.first() else {
        panic!()
    };
    let conn = conn.clone();
    let effects = update(
        &mut a,
        Action::Task(TaskMsg::Saved {
            conn,
            replaces: None,
            result: Ok(SaveNote::default()),
        }),
    );
    let Some(Effect::Run { generation, .. }) = effects.first() else {
        panic!()
    };
    let mut report = failed_report("uat-cc");
    report.hints[0] = HintRef {
        id: "client-secret-invalid".into(),
        title: "The consumer secret is wrong".into(),
        fix: vec![],
    };
    update(
        &mut a,
        Action::Task(TaskMsg::RunDone {
            name: "uat-cc".into(),
            generation: *generation,
            report: Box::new(report),
            at: "2026-11-23T05:42:00Z".into(),
        }),
    );
    assert!(draw(&a, 80, 24).contains("The consumer secret is wrong"));
    key(&mut a, KeyCode::Char('f'));
    let w = a.wizard.as_deref().unwrap();
    assert_eq!(
        w.focused().map(|f| f.spec.label.as_str()),
        Some("Consumer secret")
    );
}

#[test]
fn a_result_for_another_connection_lands_on_its_row() {
    let mut a = app();
    let effects = key(&mut a, KeyCode::Char('t'));
    let Some(Effect::Run {
        conn, generation, ..
    }) = effects.first()
    else {
        panic!()
    };
    assert_eq!(conn.name, "acme-prod");
    let generation = *generation;
    // The user moves on to another connection and opens it before the result arrives.
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Enter);
    update(
        &mut a,
        Action::Task(TaskMsg::RunDone {
            name: "acme-prod".into(),
            generation,
            report: Box::new(failed_report("acme-prod")),
            at: "2026-11-23T05:42:00Z".into(),
        }),
    );
    assert_eq!(
        a.row("acme-prod").unwrap().status,
        RunStatus::Failed {
            hint_title: "The user is not pre-authorized for the app".into()
        }
    );
    assert_eq!(a.row("acme-uat").unwrap().status, RunStatus::Idle);
    assert_eq!(
        a.screen,
        Screen::Detail {
            name: "acme-uat".into()
        }
    );
}

#[test]
fn an_older_run_never_overwrites_a_newer_one() {
    let mut a = app();
    let first = key(&mut a, KeyCode::Char('t'));
    let second = key(&mut a, KeyCode::Char('t'));
    let (Some(Effect::Run { generation: g1, .. }), Some(Effect::Run { generation: g2, .. })) =
        (first.first(), second.first())
    else {
        panic!()
    };
    assert!(g2 > g1);
    let done = |generation, report: TestReport| {
        Action::Task(TaskMsg::RunDone {
            name: "acme-prod".into(),
            generation,
            report: Box::new(report),
            at: "2026-11-23T05:42:00Z".into(),
        })
    };
    update(&mut a, done(*g2, passed_report("acme-prod")));
    update(&mut a, done(*g1, failed_report("acme-prod")));
    assert_eq!(
        a.row("acme-prod").unwrap().status,
        RunStatus::Passed { ms: 160 }
    );
}

#[test]
fn test_all_runs_every_shown_connection_and_spinners_run() {
    let mut a = app();
    let effects = key(&mut a, KeyCode::Char('T'));
    assert_eq!(effects.len(), 5);
    assert!(a.rows.iter().all(|r| r.is_running()));
    let before = draw(&a, 80, 24);
    let now = a.now;
    update(&mut a, Action::Tick { now });
    assert_ne!(before, draw(&a, 80, 24), "the spinner must move on a tick");
}

#[test]
fn esc_clears_the_filter_and_never_quits() {
    let mut a = app();
    key(&mut a, KeyCode::Char('/'));
    typed(&mut a, "zzz");
    assert!(a.visible.is_empty());
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.visible.len(), 5);
    assert!(!a.quit);
    key(&mut a, KeyCode::Char('q'));
    assert!(a.quit);
}

#[test]
fn footer_comes_from_the_bindings() {
    let a = app();
    let screen = draw(&a, 160, 40);
    for (label, desc) in sfconn::tui::keymap::footer(&a) {
        assert!(
            screen.contains(&format!(" {label}  {desc}")),
            "footer lacks {label} {desc}:\n{screen}"
        );
    }
}

#[test]
fn detail_scrolls_to_the_rest_of_the_hints() {
    let mut a = app();
    key(&mut a, KeyCode::Enter);
    let effects = key(&mut a, KeyCode::Char('t'));
    let Some(Effect::Run { generation, .. }) = effects.first() else {
        panic!()
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
    assert!(!draw(&a, 80, 24).contains("permission set"));
    for _ in 0..4 {
        key(&mut a, KeyCode::Down);
    }
    assert!(
        draw(&a, 80, 24).contains("permission set"),
        "{}",
        draw(&a, 80, 24)
    );
}

#[test]
fn editing_reuses_the_wizard_and_a_rename_carries_the_default() {
    let mut a = app();
    key(&mut a, KeyCode::Char('e'));
    let screen = draw(&a, 80, 24);
    assert!(screen.contains("Edit acme-prod"), "{screen}");
    assert!(screen.contains("acme-prod"));
    for _ in 0.."acme-prod".len() {
        key(&mut a, KeyCode::Backspace);
    }
    typed(&mut a, "acme-production");
    key(&mut a, KeyCode::Enter); // -> checklist
    key(&mut a, KeyCode::Enter); // -> fields (no key file on disk: fix it)
    key(&mut a, KeyCode::Enter);
    let w = a.wizard.as_deref().unwrap();
    assert_eq!(
        w.focused().map(|f| f.spec.label.as_str()),
        Some("Private key file"),
        "the missing key file is pointed at"
    );
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("acme.key");
    std::fs::write(&key_file, sfconn::emulator::PRACTICE_JWT_KEY_PEM).unwrap();
    typed(&mut a, &key_file.display().to_string());
    key(&mut a, KeyCode::Enter); // -> review
    let effects = key(&mut a, KeyCode::Enter);
    let Some(Effect::Save { conn, replaces, .. }) = effects.first() else {
        panic!("{effects:?}")
    };
    assert_eq!(replaces.as_deref(), Some("acme-prod"));
    assert_eq!(conn.name, "acme-production");
    let conn = conn.clone();
    update(
        &mut a,
        Action::Task(TaskMsg::Saved {
            conn,
            replaces: Some("acme-prod".into()),
            result: Ok(SaveNote::default()),
        }),
    );
    assert!(a.row("acme-prod").is_none());
    assert!(a.row("acme-production").is_some());
    assert_eq!(a.default.as_deref(), Some("acme-production"));
}

#[test]
fn a_failed_save_shows_why_and_changes_nothing() {
    let mut a = wizard_at_review();
    let effects = key(&mut a, KeyCode::Enter);
    let Some(Effect::Save { conn, .. }) = effects.first() else {
        panic!()
    };
    let conn = conn.clone();
    let effects = update(
        &mut a,
        Action::Task(TaskMsg::Saved {
            conn,
            replaces: None,
            result: Err("the OS keychain is not reachable".into()),
        }),
    );
    assert!(effects.is_empty(), "nothing runs after a failed save");
    assert!(a.row("uat-cc").is_none());
    assert!(draw(&a, 80, 24).contains("the OS keychain is not reachable"));
}

#[test]
fn a_device_login_shows_the_code_in_the_detail_view() {
    let mut a = app();
    key(&mut a, KeyCode::End);
    let effects = key(&mut a, KeyCode::Char('l'));
    let Some(Effect::Run {
        kind: RunKind::Login,
        conn,
        generation,
        ..
    }) = effects.first()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(conn.name, "ssh-box");
    assert_eq!(
        a.screen,
        Screen::Detail {
            name: "ssh-box".into()
        }
    );
    update(
        &mut a,
        Action::Task(TaskMsg::Login {
            name: "ssh-box".into(),
            generation: *generation,
            note: sfconn::salesforce::LoginEvent::DeviceCode {
                user_code: "WXYZ-1234".into(),
                verification_uri: "https://acme.my.salesforce.com/setup/connect".into(),
                interval_secs: 5,
            },
        }),
    );
    let screen = draw(&a, 80, 24);
    assert!(
        screen.contains("WXYZ-1234") && screen.contains("/setup/connect"),
        "{screen}"
    );
}

#[test]
fn text_inputs_stay_on_one_line() {
    let mut a = app();
    key(&mut a, KeyCode::Char('/'));
    typed(&mut a, "acme");
    key(&mut a, KeyCode::Tab);
    typed(&mut a, "-");
    assert_eq!(a.filter_text(), "acme-");
    assert_eq!(a.filter.lines().len(), 1);
}

#[test]
fn ctrl_g_makes_a_key_pair_for_a_jwt_connection_and_fills_both_paths() {
    use crossterm::event::{KeyEvent, KeyModifiers};
    let mut a = wizard_at_fields(1, "uat-jwt");
    key(&mut a, KeyCode::Enter); // checklist -> fields
    let ctrl_g = KeyEvent::new(KeyCode::Char('g'), KeyModifiers::CONTROL);
    let action = sfconn::tui::keymap::action_for_key(&a, ctrl_g).unwrap();
    let effects = update(&mut a, action);
    assert_eq!(
        effects,
        vec![Effect::GenerateKey {
            name: "uat-jwt".into()
        }]
    );
    update(
        &mut a,
        Action::Task(TaskMsg::KeyGenerated {
            name: "uat-jwt".into(),
            result: Ok(("/h/keys/uat-jwt.key".into(), "/h/keys/uat-jwt.crt".into())),
        }),
    );
    let w = a.wizard.as_deref().unwrap();
    let value = |label: &str| {
        w.fields
            .iter()
            .find(|f| f.spec.label == label)
            .map(|f| f.value().to_string())
    };
    assert_eq!(
        value("Private key file").as_deref(),
        Some("/h/keys/uat-jwt.key")
    );
    assert_eq!(
        value("Certificate file").as_deref(),
        Some("/h/keys/uat-jwt.crt")
    );
    assert!(draw(&a, 160, 40).contains("upload /h/keys/uat-jwt.crt"));
}

#[test]
fn editing_asks_for_a_secret_only_when_the_store_lacks_it() {
    let mut a = app();
    key(&mut a, KeyCode::Char('j'));
    key(&mut a, KeyCode::Char('j'));
    let effects = key(&mut a, KeyCode::Char('e'));
    assert_eq!(
        effects,
        vec![Effect::LoadSecretKinds {
            name: "billing-svc".into()
        }]
    );
    update(
        &mut a,
        Action::Task(TaskMsg::SecretKinds {
            name: "billing-svc".into(),
            kinds: Ok(vec![]),
        }),
    );
    key(&mut a, KeyCode::Enter); // basics -> checklist
    key(&mut a, KeyCode::Enter); // checklist -> fields
    key(&mut a, KeyCode::Enter); // fields -> review: the consumer secret is missing
    let w = a.wizard.as_deref().unwrap();
    let secret = w
        .fields
        .iter()
        .find(|f| f.spec.label == "Consumer secret")
        .unwrap();
    assert_eq!(secret.error.as_deref(), Some("Consumer secret is required"));
}

#[test]
fn tiny_terminals_never_crash_any_screen() {
    let mut screens = vec![app(), wizard_at_review(), wizard_at_fields(3, "tiny")];
    let mut detail = app();
    key(&mut detail, KeyCode::Enter);
    screens.push(detail);
    let mut help = app();
    key(&mut help, KeyCode::Char('?'));
    screens.push(help);
    let mut confirm = app();
    key(&mut confirm, KeyCode::Char('d'));
    screens.push(confirm);
    let mut fields = wizard_at_fields(3, "tiny");
    key(&mut fields, KeyCode::Enter);
    typed(&mut fields, "bad key");
    screens.push(fields);
    for a in &screens {
        for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 8), (60, 12)] {
            draw(a, w, h);
        }
    }
}

#[test]
fn test_all_shows_queued_runs_until_they_get_a_slot() {
    let mut a = app();
    let effects = key(&mut a, KeyCode::Char('T'));
    let runs: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Run {
                conn, generation, ..
            } => Some((conn.name.clone(), *generation)),
            _ => None,
        })
        .collect();
    assert!(runs.len() >= 2, "T started {runs:?}");
    let screen = draw(&a, 80, 24);
    assert!(screen.contains("queued"), "no queued run shown:\n{screen}");
    let (first, generation) = runs[0].clone();
    update(
        &mut a,
        Action::Task(TaskMsg::Started {
            name: first.clone(),
            generation,
        }),
    );
    let row = a.rows.iter().find(|r| r.conn.name == first).unwrap();
    assert!(
        matches!(row.status, RunStatus::Running { queued: false, .. }),
        "{first} still queued after it started: {:?}",
        row.status
    );
    let screen = draw(&a, 80, 24);
    assert!(
        screen.contains("testing: reach"),
        "the started run does not show its step:\n{screen}"
    );
}

#[test]
fn the_detail_view_says_where_the_token_came_from() {
    let mut a = app();
    let mut report = passed_report("acme-prod");
    report.token_source = Some(sfconn::salesforce::TokenSource::Cached);
    a.row_mut("acme-prod").unwrap().report = Some(report);
    a.screen = Screen::Detail {
        name: "acme-prod".into(),
    };
    let screen = draw(&a, 120, 36);
    assert!(
        screen.contains("Token: cached (reused: proves the token, not the credentials)"),
        "{screen}"
    );
    let mut fresh = passed_report("acme-prod");
    fresh.token_source = Some(sfconn::salesforce::TokenSource::Granted);
    a.row_mut("acme-prod").unwrap().report = Some(fresh);
    let screen = draw(&a, 120, 36);
    assert!(
        screen.contains("Token: granted (new, from a sign-in or the credentials)"),
        "{screen}"
    );
}
