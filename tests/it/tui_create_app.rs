//! Issue 11: the wizard's "Create this app for me" screens, drawn with TestBackend at 80x24 and
//! 120x36, the deploy's progress fed in as the task spawner would, and where each key leads.

use crossterm::event::KeyCode;
use sfconn::eca::deploy::{DeployEvent, ExplainedFailure};
use sfconn::profile::{Connection, Flow};
use sfconn::salesforce::LocalCondition;
use sfconn::salesforce::metadata::ComponentFailure;
use sfconn::tui::action::{Action, AppFailure, Cmd, Effect, TaskMsg};
use sfconn::tui::app::App;
use sfconn::tui::update;
use sfconn::tui::wizard::create_app::AppStage;

use crate::tui_snapshots::{app, conn, draw, key, typed};

fn snap_both(name: &str, a: &App) {
    for (w, h) in [(80, 24), (120, 36)] {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), draw(a, w, h));
    }
}

/// A new jwt connection `ci-new` at the Setup checklist.
fn at_checklist(a: &mut App) {
    key(a, KeyCode::Char('n'));
    key(a, KeyCode::Down);
    key(a, KeyCode::Enter);
    typed(a, "ci-new");
    key(a, KeyCode::Enter);
    let screen = draw(a, 120, 36);
    assert!(screen.contains("Salesforce Setup checklist"), "{screen}");
}

fn task(a: &mut App, msg: TaskMsg) {
    update(a, Action::Task(msg));
}

/// Pick `acme-prod`, give the user and the permission set, review, deploy: the generation
/// of the deploy asked for.
fn deploy(a: &mut App) -> u64 {
    key(a, KeyCode::Char('c'));
    key(a, KeyCode::Enter);
    typed(a, "integration@acme.com");
    key(a, KeyCode::Tab);
    typed(a, "Integration_Users");
    key(a, KeyCode::Enter);
    let effects = key(a, KeyCode::Enter);
    match effects.as_slice() {
        [Effect::CreateApp(request)] => {
            assert_eq!(request.admin.name, "acme-prod");
            assert_eq!(request.conn.name, "ci-new");
            assert_eq!(
                request.conn.username.as_deref(),
                Some("integration@acme.com")
            );
            assert_eq!(
                request.choices.permission_set.as_deref(),
                Some("Integration_Users")
            );
            assert!(!request.saved);
            // No My Domain typed: the app and the connection live in the admin's org.
            assert_eq!(request.conn.domain, request.admin.domain);
            request.generation
        }
        other => panic!("expected one CreateApp effect, got {other:?}"),
    }
}

fn progress(a: &mut App, generation: u64) {
    for event in [
        DeployEvent::Deploying {
            app_name: "sfconn_ci_new".into(),
            admin: "acme-prod".into(),
            instance_url: "https://acme.my.salesforce.com".into(),
        },
        DeployEvent::Status {
            status: "InProgress".into(),
            deployed: 1,
            total: 4,
            detail: Some("Processing Type: ExternalClientApplication".into()),
        },
        DeployEvent::Status {
            status: "Succeeded".into(),
            deployed: 4,
            total: 4,
            detail: None,
        },
        DeployEvent::Deployed {
            status: "Succeeded".into(),
            deployed: 4,
            total: 4,
        },
    ] {
        task(a, TaskMsg::AppDeploy { generation, event });
    }
}

fn saved_conn() -> Connection {
    let mut c = Connection::new("ci-new", Flow::Jwt);
    c.domain = Some("https://acme.my.salesforce.com".into());
    c.client_id = Some("3MVG9newkey".into());
    c.username = Some("integration@acme.com".into());
    c.key_file = Some("/home/ada/.config/sfconn/keys/ci-new.key".into());
    c.cert_file = Some("/home/ada/.config/sfconn/keys/ci-new.crt".into());
    c
}

#[test]
fn create_app_screens_pick_choices_review() {
    let mut a = app();
    at_checklist(&mut a);
    key(&mut a, KeyCode::Char('c'));
    snap_both("create_app_pick", &a);
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Up);
    key(&mut a, KeyCode::Enter);
    typed(&mut a, "integration@acme.com");
    key(&mut a, KeyCode::Tab);
    snap_both("create_app_choices", &a);
    // The permission set is required: Enter stays, and says so.
    key(&mut a, KeyCode::Enter);
    let screen = draw(&a, 120, 36);
    assert!(screen.contains("a permission set"), "{screen}");
    typed(&mut a, "Integration_Users");
    key(&mut a, KeyCode::Enter);
    snap_both("create_app_review", &a);
    // Esc goes back a stage at a time, then to the checklist.
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Esc);
    let screen = draw(&a, 120, 36);
    assert!(
        screen.contains("3 · Salesforce Setup checklist"),
        "{screen}"
    );
}

/// The line of `screen` with the ▶ marker, if it is on screen.
fn selected(screen: &str) -> Option<&str> {
    screen.lines().find(|l| l.contains('▶'))
}

#[test]
fn create_app_admin_picker_scrolls_and_keeps_the_selection_in_view() {
    let mut a = app();
    for i in 1..=20 {
        let env = if i % 3 == 0 {
            sfconn::profile::Environment::Sandbox
        } else {
            sfconn::profile::Environment::Production
        };
        a.upsert_row(sfconn::tui::app::ConnRow::new(
            conn(
                &format!("org-{i:02}"),
                Flow::Jwt,
                env,
                Some("admin@acme.com"),
            ),
            None,
        ));
    }
    a.refilter();
    at_checklist(&mut a);
    key(&mut a, KeyCode::Char('c'));
    let screen = draw(&a, 80, 24);
    assert!(screen.contains("↓ more (j, PgDn)"), "{screen}");
    assert!(!screen.contains("↑ more"), "{screen}");
    for _ in 0..16 {
        key(&mut a, KeyCode::Char('j'));
    }
    snap_both("create_app_pick_scrolled", &a);
    for (w, h) in [(80, 24), (120, 36)] {
        let screen = draw(&a, w, h);
        assert!(
            selected(&screen).is_some(),
            "{w}x{h}: the ▶ left the screen\n{screen}"
        );
    }
    let screen = draw(&a, 80, 24);
    assert!(screen.contains("↑ more (k, PgUp)"), "{screen}");
    // End/G: the last admin, nothing below.
    key(&mut a, KeyCode::End);
    let screen = draw(&a, 80, 24);
    let name = selected(&screen).unwrap_or_default().to_string();
    assert!(name.contains("ssh-box"), "{screen}");
    assert!(!screen.contains("↓ more"), "{screen}");
    key(&mut a, KeyCode::Home);
    let screen = draw(&a, 80, 24);
    assert!(
        selected(&screen).unwrap_or_default().contains("acme-prod"),
        "{screen}"
    );
    assert!(!screen.contains("↑ more"), "{screen}");
    key(&mut a, KeyCode::Char('G'));
    assert_eq!(selected(&draw(&a, 80, 24)).unwrap_or_default(), name);
    key(&mut a, KeyCode::Char('g'));
    key(&mut a, KeyCode::PageDown);
    key(&mut a, KeyCode::PageDown);
    let screen = draw(&a, 80, 24);
    assert!(selected(&screen).is_some(), "{screen}");
    key(&mut a, KeyCode::PageUp);
    key(&mut a, KeyCode::PageUp);
    let screen = draw(&a, 80, 24);
    assert!(
        selected(&screen).unwrap_or_default().contains("acme-prod"),
        "{screen}"
    );
    // The help lists the keys.
    key(&mut a, KeyCode::Char('?'));
    let screen = draw(&a, 120, 36);
    for k in ["PgDn", "End/G", "Home/g"] {
        assert!(screen.contains(k), "{screen}");
    }
}

#[test]
fn create_app_with_no_other_connection_says_so() {
    let mut a = app();
    a.rows.clear();
    a.refilter();
    at_checklist(&mut a);
    key(&mut a, KeyCode::Char('c'));
    snap_both("create_app_no_admin", &a);
    assert!(key(&mut a, KeyCode::Enter).is_empty());
}

#[test]
fn create_app_progress_countdown_and_success_fill_in_the_fields() {
    let mut a = app();
    at_checklist(&mut a);
    let generation = deploy(&mut a);
    progress(&mut a, generation);
    task(
        &mut a,
        TaskMsg::AppDeploy {
            generation,
            event: DeployEvent::Saved {
                conn: Box::new(saved_conn()),
                with_secret: false,
            },
        },
    );
    task(
        &mut a,
        TaskMsg::AppDeploy {
            generation,
            event: DeployEvent::Testing {
                attempt: 2,
                seconds_left: 583,
                next_try_secs: 10,
                code: "invalid_client_id".into(),
                description: "client identifier invalid".into(),
            },
        },
    );
    snap_both("create_app_running", &a);
    // The countdown runs on the TUI's clock between tries.
    let later = a.now + time::Duration::seconds(4);
    update(&mut a, Action::Tick { now: later });
    let screen = draw(&a, 120, 36);
    assert!(screen.contains("in 6 s, 9:39 left"), "{screen}");
    // The saved connection is in the list already.
    assert!(a.row("ci-new").is_some());
    // A late result of another deploy changes nothing.
    task(
        &mut a,
        TaskMsg::AppDeployed {
            generation: generation + 1000,
            name: "ci-new".into(),
            result: Err(AppFailure {
                message: "stale".into(),
                failures: Vec::new(),
                hints: Vec::new(),
            }),
        },
    );
    // (The status line may say what became of it; the wizard's deploy goes on.)
    assert_eq!(
        a.wizard.as_ref().and_then(|w| w.app_stage()),
        Some(AppStage::Running)
    );
    let report = sfconn::salesforce::TestReport {
        name: "ci-new".into(),
        ok: true,
        flow: Flow::Jwt,
        instance_url: Some("https://acme.my.salesforce.com".into()),
        token_source: None,
        user: Some(sfconn::salesforce::UserInfo {
            user_id: "005".into(),
            organization_id: "00D".into(),
            username: "integration@acme.com".into(),
            email: "integration@acme.com".into(),
            name: "Integration".into(),
        }),
        steps: Vec::new(),
        error: None,
        hints: Vec::new(),
    };
    task(
        &mut a,
        TaskMsg::AppDeploy {
            generation,
            event: DeployEvent::Passed(Box::new(report)),
        },
    );
    task(
        &mut a,
        TaskMsg::AppDeployed {
            generation,
            name: "ci-new".into(),
            result: Ok(Box::new(saved_conn())),
        },
    );
    snap_both("create_app_done", &a);
    // Esc is a way out here too: the checklist, the connection saved, its fields filled in.
    key(&mut a, KeyCode::Esc);
    assert!(draw(&a, 120, 36).contains("3 · Salesforce Setup checklist"));
    key(&mut a, KeyCode::Enter);
    let screen = draw(&a, 120, 36);
    assert!(screen.contains("4 · Fields for jwt"), "{screen}");
    assert!(screen.contains("3MVG9newkey"), "{screen}");
    assert!(screen.contains("keys/ci-new.key"), "{screen}");
    // Saved by the deploy: every step from here on edits ci-new, Connect included.
    assert!(screen.contains(" Edit ci-new "), "{screen}");
}

#[test]
fn create_app_failure_shows_each_component_failure_with_its_hint() {
    let mut a = app();
    at_checklist(&mut a);
    let generation = deploy(&mut a);
    for event in [
        DeployEvent::Deploying {
            app_name: "sfconn_ci_new".into(),
            admin: "acme-prod".into(),
            instance_url: "https://acme.my.salesforce.com".into(),
        },
        DeployEvent::Status {
            status: "Failed".into(),
            deployed: 0,
            total: 4,
            detail: None,
        },
    ] {
        task(&mut a, TaskMsg::AppDeploy { generation, event });
    }
    let problem = "Invalid permission set: Integration_Users. No permission set with this API name exists in the org.";
    task(
        &mut a,
        TaskMsg::AppDeployed {
            generation,
            name: "ci-new".into(),
            result: Err(AppFailure {
                message: "the deploy 0Af000000000001 ended Failed; the org is unchanged and the connection was not saved.\n  more".into(),
                failures: vec![ExplainedFailure {
                    failure: ComponentFailure {
                        component_type: "ExtlClntAppOauthConfigurablePolicies".into(),
                        full_name: "sfconn_ci_new_oauth_defaultPolicy".into(),
                        file_name: "extlClntAppOauthPolicies/sfconn_ci_new_oauth_defaultPolicy.ecaOauthPlcy".into(),
                        problem: problem.into(),
                        problem_type: "Error".into(),
                    },
                    condition: LocalCondition::EcaPermissionSetUnknown,
                }],
                hints: vec!["eca-permission-set-unknown".into()],
            }),
        },
    );
    snap_both("create_app_failed", &a);
    let screen = draw(&a, 160, 40);
    assert!(
        screen.contains("permission set: Integration_Users. No permission set with this API name"),
        "{screen}"
    );
    assert!(
        screen.contains("The app names a permission set the org does not have"),
        "{screen}"
    );
    // The step that failed is not ticked; the hint's fix steps follow its title.
    let screen = draw(&a, 120, 36);
    assert!(!screen.contains("✓ Deploying"), "{screen}");
    assert!(screen.contains("✗ Deploying sfconn_ci_new"), "{screen}");
    assert!(
        screen.contains("1. Look up the permission set's API name"),
        "{screen}"
    );
    // On a shorter terminal the failure runs past the bottom: ↓ more, and j scrolls to its end.
    update(
        &mut a,
        Action::Resize {
            width: 80,
            height: 20,
        },
    );
    let screen = draw(&a, 80, 20);
    assert!(screen.contains("↓ more (j)"), "{screen}");
    assert!(!screen.contains("r deploys again"), "{screen}");
    for _ in 0..40 {
        key(&mut a, KeyCode::Char('j'));
    }
    let screen = draw(&a, 80, 20);
    insta::assert_snapshot!("create_app_failed_scrolled_80x20", screen);
    assert!(screen.contains("r deploys again"), "{screen}");
    assert!(screen.contains("↑ more (k)"), "{screen}");
    assert!(!screen.contains("↓ more"), "{screen}");
    // k goes back up at once: scrolling stopped at the end.
    key(&mut a, KeyCode::Char('k'));
    assert!(draw(&a, 80, 20).contains("↓ more (j)"));
    // e goes back to the choices as they were typed, to change the one that was wrong.
    key(&mut a, KeyCode::Char('e'));
    let screen = draw(&a, 120, 36);
    assert!(
        screen.contains("3 · Create this app for me: who may use it"),
        "{screen}"
    );
    assert!(screen.contains("integration@acme.com"), "{screen}");
    key(&mut a, KeyCode::Tab);
    for _ in 0.."Integration_Users".len() {
        key(&mut a, KeyCode::Backspace);
    }
    typed(&mut a, "Other_Set");
    key(&mut a, KeyCode::Enter);
    assert!(draw(&a, 120, 36).contains("permission set Other_Set"));
    let generation = match key(&mut a, KeyCode::Enter).as_slice() {
        [Effect::CreateApp(request)] => {
            assert!(request.generation > generation);
            assert_eq!(request.choices.permission_set.as_deref(), Some("Other_Set"));
            assert_eq!(request.admin.name, "acme-prod");
            request.generation
        }
        other => panic!("expected a new deploy, got {other:?}"),
    };
    task(
        &mut a,
        TaskMsg::AppDeployed {
            generation,
            name: "ci-new".into(),
            result: Err(AppFailure {
                message: "Salesforce refused the deploy: HTTP 503".into(),
                failures: Vec::new(),
                hints: Vec::new(),
            }),
        },
    );
    // r deploys again under a new tag; Esc is the way back to the checklist.
    match key(&mut a, KeyCode::Char('r')).as_slice() {
        [Effect::CreateApp(request)] => assert!(request.generation > generation),
        other => panic!("expected a new deploy, got {other:?}"),
    }
    key(&mut a, KeyCode::Esc);
    assert!(draw(&a, 120, 36).contains("3 · Salesforce Setup checklist"));
}

#[test]
fn create_app_is_offered_for_every_flow_but_password_and_listed_in_help() {
    let mut a = app();
    at_checklist(&mut a);
    key(&mut a, KeyCode::Char('?'));
    let screen = draw(&a, 120, 36);
    assert!(screen.contains("create the app"), "{screen}");
    let mut a = app();
    key(&mut a, KeyCode::Char('n'));
    for _ in 0..3 {
        key(&mut a, KeyCode::Down);
    }
    key(&mut a, KeyCode::Enter);
    typed(&mut a, "pw-new");
    key(&mut a, KeyCode::Enter);
    let screen = draw(&a, 120, 36);
    assert!(screen.contains("Salesforce Setup checklist"), "{screen}");
    assert!(!screen.contains("Create this app"), "{screen}");
    let c = crossterm::event::KeyEvent::from(KeyCode::Char('c'));
    assert!(sfconn::tui::keymap::action_for_key(&a, c).is_none());
    assert!(!draw(&a, 120, 36).contains("admin connection"));
}

#[test]
fn create_app_for_web_needs_no_choices_and_reviews_the_callback() {
    let mut a = app();
    key(&mut a, KeyCode::Char('n'));
    key(&mut a, KeyCode::Enter);
    typed(&mut a, "web-new");
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Char('c'));
    key(&mut a, KeyCode::Enter);
    let screen = draw(&a, 120, 36);
    assert!(
        screen.contains("3 · Create this app for me: review"),
        "{screen}"
    );
    assert!(screen.contains("PKCE required"), "{screen}");
    // Web signs in interactively: the review says Connect proves it with a login, as the end
    // of the deploy does, not that a test runs until the key works.
    snap_both("create_app_review_web", &a);
    assert!(screen.contains("proves it with a login"), "{screen}");
    assert!(!screen.contains("tests it until"), "{screen}");
    assert!(
        screen.contains("http://localhost:1717/OauthRedirect"),
        "{screen}"
    );
    match key(&mut a, KeyCode::Enter).as_slice() {
        [Effect::CreateApp(request)] => {
            assert_eq!(request.conn.flow, Flow::Web);
            assert_eq!(request.choices, Default::default());
        }
        other => panic!("expected one CreateApp effect, got {other:?}"),
    }
    // Esc goes back to the checklist; the deploy goes on and its end still says what happened.
    key(&mut a, KeyCode::Esc);
    assert!(a.wizard.as_ref().is_some_and(|w| w.create.is_none()));
    task(
        &mut a,
        TaskMsg::AppDeployed {
            generation: 1,
            name: "web-new".into(),
            result: Ok(Box::new(Connection::new("web-new", Flow::Web))),
        },
    );
    let screen = draw(&a, 120, 36);
    assert!(
        screen.contains("The External Client App for web-new is deployed"),
        "{screen}"
    );
}

#[test]
fn every_create_app_stage_keeps_help_and_a_way_out_in_its_footer() {
    use sfconn::tui::app::Mode;
    use sfconn::tui::keymap::bindings_for;
    for stage in [
        AppStage::Pick,
        AppStage::Choices,
        AppStage::Review,
        AppStage::Running,
        AppStage::Done,
        AppStage::Failed,
    ] {
        let footer: Vec<_> = bindings_for(Mode::WizardApp(stage))
            .into_iter()
            .filter(|b| b.footer)
            .collect();
        for cmd in [Cmd::Help, Cmd::Back] {
            assert!(
                footer.iter().any(|b| b.cmd == cmd),
                "{stage:?}: no {cmd:?} in the footer"
            );
        }
    }
}

#[test]
fn create_app_comes_back_to_the_last_admin_and_choices() {
    let mut a = app();
    at_checklist(&mut a);
    key(&mut a, KeyCode::Char('c'));
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Enter);
    typed(&mut a, "integration@acme.com");
    key(&mut a, KeyCode::Tab);
    typed(&mut a, "Integration_Users");
    key(&mut a, KeyCode::Enter);
    let generation = match key(&mut a, KeyCode::Enter).as_slice() {
        [Effect::CreateApp(request)] => {
            assert_eq!(request.admin.name, "acme-uat");
            request.generation
        }
        other => panic!("expected one CreateApp effect, got {other:?}"),
    };
    task(
        &mut a,
        TaskMsg::AppDeployed {
            generation,
            name: "ci-new".into(),
            result: Err(AppFailure {
                message: "Salesforce refused the deploy: HTTP 403: INSUFFICIENT_ACCESS".into(),
                failures: Vec::new(),
                hints: vec!["eca-deploy-not-allowed".into()],
            }),
        },
    );
    // Esc, then c: the same admin, and the choices as typed.
    key(&mut a, KeyCode::Esc);
    assert!(draw(&a, 120, 36).contains("3 · Salesforce Setup checklist"));
    key(&mut a, KeyCode::Char('c'));
    let screen = draw(&a, 80, 24);
    let selected = screen.lines().find(|l| l.contains('▶')).unwrap_or_default();
    assert!(selected.contains("acme-uat"), "{screen}");
    key(&mut a, KeyCode::Enter);
    snap_both("create_app_choices_kept", &a);
    let screen = draw(&a, 120, 36);
    assert!(screen.contains("integration@acme.com"), "{screen}");
    assert!(screen.contains("Integration_Users"), "{screen}");
}

#[test]
fn create_app_saved_connection_is_edited_on_every_step_connect_included() {
    let home = tempfile::tempdir().unwrap();
    let (key_file, cert_file) = (
        home.path().join("ci-new.key"),
        home.path().join("ci-new.crt"),
    );
    std::fs::write(&key_file, sfconn::emulator::PRACTICE_JWT_KEY_PEM).unwrap();
    std::fs::write(&cert_file, sfconn::emulator::PRACTICE_JWT_CERT_PEM).unwrap();
    let mut saved = saved_conn();
    saved.key_file = Some(key_file);
    saved.cert_file = Some(cert_file);
    let mut a = app();
    at_checklist(&mut a);
    let generation = deploy(&mut a);
    progress(&mut a, generation);
    task(
        &mut a,
        TaskMsg::AppDeploy {
            generation,
            event: DeployEvent::Saved {
                conn: Box::new(saved.clone()),
                with_secret: false,
            },
        },
    );
    task(
        &mut a,
        TaskMsg::AppDeployed {
            generation,
            name: "ci-new".into(),
            result: Ok(Box::new(saved)),
        },
    );
    key(&mut a, KeyCode::Enter);
    let screen = draw(&a, 120, 36);
    assert!(screen.contains("4 · Fields for jwt"), "{screen}");
    assert!(screen.contains(" Edit ci-new "), "{screen}");
    key(&mut a, KeyCode::Enter);
    let screen = draw(&a, 120, 36);
    assert!(screen.contains("5 · Review"), "{screen}");
    assert!(screen.contains(" Edit ci-new "), "{screen}");
    let effects = key(&mut a, KeyCode::Enter);
    let Some(Effect::Save { conn, replaces, .. }) = effects.first() else {
        panic!("Enter on Review saves: {effects:?}")
    };
    assert_eq!(
        replaces.as_deref(),
        Some("ci-new"),
        "an edit, not a second add"
    );
    let effects = update(
        &mut a,
        Action::Task(TaskMsg::Saved {
            conn: conn.clone(),
            replaces: replaces.clone(),
            result: Ok(Default::default()),
        }),
    );
    // Connect proves the settings: never a token cached before them.
    assert!(
        matches!(
            effects.first(),
            Some(Effect::Run {
                policy: sfconn::salesforce::TokenPolicy::Fresh,
                ..
            })
        ),
        "{effects:?}"
    );
    snap_both("create_app_then_connect", &a);
    let screen = draw(&a, 80, 24);
    assert!(screen.contains(" Edit ci-new "), "{screen}");
    assert!(!screen.contains("New connection"), "{screen}");
}

#[test]
fn create_app_in_the_demo_makes_the_new_connection_its_own_key_pair_and_says_so() {
    let mut a = app();
    // The demo fills a new wizard with the practice org's key pair (its practice app holds
    // that certificate); a new app gets a pair of its own, and the review names it.
    a.wizard_prefill = Some(sfconn::tui::wizard::Prefill {
        domain: "https://acme.my.salesforce.com".into(),
        key_file: "/home/ada/.config/sfconn/keys/practice-jwt.key".into(),
        cert_file: "/home/ada/.config/sfconn/keys/practice-jwt.crt".into(),
    });
    at_checklist(&mut a);
    key(&mut a, KeyCode::Char('c'));
    key(&mut a, KeyCode::Enter);
    typed(&mut a, "integration@acme.com");
    key(&mut a, KeyCode::Tab);
    typed(&mut a, "Integration_Users");
    key(&mut a, KeyCode::Enter);
    snap_both("create_app_review_new_key_pair", &a);
    let screen = draw(&a, 120, 36);
    assert!(
        screen.contains("a new key pair for ci-new: keys/ci-new.crt and keys/ci-new.key"),
        "{screen}"
    );
    assert!(!screen.contains("practice-jwt"), "{screen}");
    match key(&mut a, KeyCode::Enter).as_slice() {
        [Effect::CreateApp(request)] => {
            assert_eq!(request.conn.key_file, None, "keygen makes the pair");
            assert_eq!(request.conn.cert_file, None);
        }
        other => panic!("expected one CreateApp effect, got {other:?}"),
    }
}

/// `q` on a "Create this app for me" screen is the wizard's `q`: the new connection is not saved
/// yet, so it asks before dropping it, and `n` stays.
#[test]
fn q_while_creating_the_app_asks_before_dropping_the_new_connection() {
    let mut a = app();
    at_checklist(&mut a);
    key(&mut a, KeyCode::Char('c'));
    key(&mut a, KeyCode::Char('q'));
    assert!(!a.quit, "q quit at once");
    let screen = draw(&a, 80, 24);
    assert!(screen.contains("drop this new connection"), "{screen}");
    key(&mut a, KeyCode::Char('n'));
    assert!(!a.quit);
    assert!(!draw(&a, 80, 24).contains("drop this new connection"));
}
