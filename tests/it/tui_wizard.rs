//! The wizard without dead ends (issue 9): once Connect saved, the wizard edits that
//! connection; `f` goes to the field or Setup step the failure names; status lines do not
//! outlive their moment; key and certificate are checked as a pair as soon as both are filled.

use crossterm::event::KeyCode;
use sfconn::salesforce::HintRef;
use sfconn::tui::action::{Action, Effect, SaveError, SaveNote, TaskMsg};
use sfconn::tui::app::App;
use sfconn::tui::update;
use sfconn::tui::wizard::Step;

use crate::tui_snapshots::{draw, failed_report, key, typed, wizard_at_fields, wizard_at_review};

/// Review → Enter, the save answered `result`; returns the run's generation (if one started).
fn save_answered(a: &mut App, result: Result<SaveNote, SaveError>) -> Option<u64> {
    let effects = key(a, KeyCode::Enter);
    let Some(Effect::Save { conn, .. }) = effects.first() else {
        panic!("Enter on Review saves: {effects:?}")
    };
    let conn = conn.clone();
    let effects = update(
        a,
        Action::Task(TaskMsg::Saved {
            conn,
            replaces: None,
            result,
        }),
    );
    match effects.first() {
        Some(Effect::Run {
            generation, policy, ..
        }) => {
            // The wizard's Connect proves the settings, never a cached token (`test --fresh`).
            assert_eq!(*policy, sfconn::salesforce::TokenPolicy::Fresh);
            Some(*generation)
        }
        _ => None,
    }
}

fn run_failed_with(a: &mut App, name: &str, generation: u64, hint: &str) {
    let mut report = failed_report(name);
    report.hints = vec![HintRef {
        id: hint.into(),
        title: format!("hint {hint}"),
        fix: vec![],
    }];
    update(
        a,
        Action::Task(TaskMsg::RunDone {
            name: name.into(),
            generation,
            report: Box::new(report),
            at: "2026-11-23T05:42:00Z".into(),
        }),
    );
}

fn focused_label(a: &App) -> String {
    let w = a.wizard.as_deref().expect("the wizard is open");
    w.focused()
        .map(|f| f.spec.label.clone())
        .unwrap_or_else(|| format!("{:?} step", w.step))
}

#[test]
fn after_connect_saved_a_fix_and_retry_edit_the_same_connection() {
    let mut a = wizard_at_review();
    let generation = save_answered(&mut a, Ok(SaveNote::default())).expect("a run starts");
    run_failed_with(&mut a, "uat-cc", generation, "client-secret-invalid");
    key(&mut a, KeyCode::Char('f'));
    assert_eq!(focused_label(&a), "Consumer secret");
    typed(&mut a, "right-secret");
    key(&mut a, KeyCode::Enter);
    let effects = key(&mut a, KeyCode::Enter);
    let Some(Effect::Save { replaces, conn, .. }) = effects.first() else {
        panic!("{effects:?}")
    };
    assert_eq!(
        replaces.as_deref(),
        Some("uat-cc"),
        "the second save edits what the first one added"
    );
    assert_eq!(conn.name, "uat-cc");
    // The name is not "taken" by the connection the wizard itself saved.
    assert!(!draw(&a, 120, 36).contains("already exists"));
}

#[test]
fn f_goes_to_the_field_or_setup_step_the_failure_names() {
    // client credentials: the consumer key, and the Run As user's Setup step.
    for (hint, want) in [
        ("client-id-invalid", "Consumer key"),
        ("run-as-user-missing", "Checklist step"),
    ] {
        let mut a = wizard_at_review();
        let generation = save_answered(&mut a, Ok(SaveNote::default())).unwrap();
        run_failed_with(&mut a, "uat-cc", generation, hint);
        key(&mut a, KeyCode::Char('f'));
        assert_eq!(focused_label(&a), want, "{hint}");
        if hint == "run-as-user-missing" {
            let w = a.wizard.as_deref().unwrap();
            let step = &w.guide().unwrap().setup[w.checklist_cursor];
            assert_eq!(step.title, "Choose the Run As user");
            assert_eq!(w.step, Step::Checklist);
        }
    }
}

/// A jwt wizard at its Fields step with the practice-org style values typed.
fn jwt_at_fields(key_path: &str, cert_path: &str) -> App {
    let mut a = wizard_at_fields(1, "admin-jwt");
    key(&mut a, KeyCode::Enter); // past the checklist
    typed(&mut a, "3MVG9jwt");
    key(&mut a, KeyCode::Tab);
    typed(&mut a, "admin@acme.com");
    key(&mut a, KeyCode::Tab);
    typed(&mut a, key_path);
    key(&mut a, KeyCode::Tab);
    typed(&mut a, cert_path);
    a
}

fn key_pair(dir: &std::path::Path, name: &str) -> (String, String) {
    let pair = sfconn::profile::keys::generate(name).unwrap();
    let key = dir.join(format!("{name}.key"));
    let cert = dir.join(format!("{name}.crt"));
    std::fs::write(&key, pair.key_pem).unwrap();
    std::fs::write(&cert, pair.cert_pem).unwrap();
    (key.display().to_string(), cert.display().to_string())
}

#[test]
fn a_key_that_does_not_match_its_certificate_is_caught_on_the_fields_step() {
    let dir = tempfile::tempdir().unwrap();
    let (key_a, _) = key_pair(dir.path(), "a");
    let (_, cert_b) = key_pair(dir.path(), "b");
    let mut a = jwt_at_fields(&key_a, &cert_b);
    let screen = draw(&a, 120, 36);
    assert!(
        screen.contains("does not match the private key"),
        "{screen}"
    );
    // Enter does not move on to Review with a mismatched pair: the certificate has the focus.
    key(&mut a, KeyCode::Enter);
    assert_eq!(focused_label(&a), "Certificate file");
}

#[test]
fn a_refused_save_goes_to_the_setting_it_names_and_clears_the_old_status() {
    let mut a = wizard_at_review();
    a.info("Saved uat-cc");
    let started = save_answered(
        &mut a,
        Err(SaveError {
            message: "connection `uat-cc` was not saved: client_id: bad".into(),
            fields: vec!["client_id".into()],
        }),
    );
    assert!(started.is_none());
    let screen = draw(&a, 120, 36);
    assert!(screen.contains("Could not save uat-cc"), "{screen}");
    assert!(!screen.contains("Saved uat-cc"), "{screen}");
    key(&mut a, KeyCode::Char('f'));
    assert_eq!(focused_label(&a), "Consumer key");
}

#[test]
fn a_status_line_goes_when_a_new_wizard_opens() {
    let mut a = crate::tui_snapshots::app();
    a.info("Saved acme-prod");
    key(&mut a, KeyCode::Char('n'));
    assert!(!draw(&a, 120, 36).contains("Saved acme-prod"));
}

#[test]
fn the_environment_follows_a_my_domain_and_a_mismatch_is_shown() {
    let mut a = crate::tui_snapshots::app();
    key(&mut a, KeyCode::Char('n'));
    key(&mut a, KeyCode::Enter); // web
    typed(&mut a, "uat");
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Tab);
    typed(&mut a, "acme--uat.sandbox.my.salesforce.com");
    let w = a.wizard.as_deref().unwrap();
    assert_eq!(w.environment, sfconn::profile::Environment::Sandbox);
    key(&mut a, KeyCode::BackTab);
    key(&mut a, KeyCode::Right);
    let screen = draw(&a, 120, 36);
    assert!(
        screen.contains("is a sandbox My Domain; choose sandbox"),
        "{screen}"
    );
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.wizard.as_deref().unwrap().step, Step::Basics);
}

#[test]
fn lightning_addresses_and_placeholder_client_ids_are_refused_as_typed() {
    let mut a = crate::tui_snapshots::app();
    key(&mut a, KeyCode::Char('n'));
    key(&mut a, KeyCode::Enter);
    typed(&mut a, "web1");
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Tab);
    typed(
        &mut a,
        "https://acme.lightning.force.com/lightning/page/home",
    );
    let screen = draw(&a, 160, 40);
    assert!(
        screen.contains("https://acme.my.salesforce.com"),
        "{screen}"
    );
    for _ in 0.."https://acme.lightning.force.com/lightning/page/home".len() {
        key(&mut a, KeyCode::Backspace);
    }
    key(&mut a, KeyCode::Enter); // no domain: fine for web
    key(&mut a, KeyCode::Enter); // past the checklist
    typed(&mut a, "3MVG9...");
    let screen = draw(&a, 160, 40);
    assert!(screen.contains("paste the whole Consumer Key"), "{screen}");
}

/// `e` on a web connection whose (optional) client secret is stored: Ctrl-D on that field
/// marks it for removal, Review says so, and the save asks the lifecycle to clear it.
#[test]
fn the_tui_edit_removes_a_stored_optional_secret_with_ctrl_d() {
    use crossterm::event::{KeyEvent, KeyModifiers};
    use sfconn::secrets::SecretKind;
    let mut a = crate::tui_snapshots::app();
    key(&mut a, KeyCode::Down); // acme-uat (web)
    let loaded = update(
        &mut a,
        Action::Task(TaskMsg::SecretKinds {
            name: "acme-uat".into(),
            kinds: Ok(vec![SecretKind::ClientSecret]),
        }),
    );
    assert!(loaded.is_empty());
    key(&mut a, KeyCode::Char('e'));
    // The fixture's sandbox connection has a production My Domain: the wizard says so and
    // waits for the environment to be fixed.
    key(&mut a, KeyCode::Enter);
    let screen = draw(&a, 120, 36);
    assert!(screen.contains("is a production My Domain"), "{screen}");
    key(&mut a, KeyCode::Char(' '));
    key(&mut a, KeyCode::Enter); // Connection → Setup
    key(&mut a, KeyCode::Enter); // Setup → Fields
    key(&mut a, KeyCode::Tab); // consumer secret
    assert_eq!(focused_label(&a), "Consumer secret");
    let screen = draw(&a, 120, 36);
    assert!(screen.contains("Ctrl-D"), "{screen}");
    let ctrl_d = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL);
    let action = sfconn::tui::keymap::action_for_key(&a, ctrl_d).unwrap();
    update(&mut a, action);
    key(&mut a, KeyCode::Enter); // Fields → Review
    let screen = draw(&a, 120, 36);
    assert!(screen.contains("stored (removed on save)"), "{screen}");
    let effects = key(&mut a, KeyCode::Enter);
    let Some(Effect::Save {
        clear, replaces, ..
    }) = effects.first()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(clear, &[SecretKind::ClientSecret]);
    assert_eq!(replaces.as_deref(), Some("acme-uat"));
}
