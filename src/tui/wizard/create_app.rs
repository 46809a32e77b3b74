//! "Create this app for me" on the wizard's Setup checklist (issue 11): pick the admin
//! connection, give what the app needs (who it pre-authorizes, whom it runs as), review, deploy
//! with live progress, then go on to the fields with the consumer key filled in. The deploy
//! itself is the engine's (crate::eca::deploy), run by the task spawner.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crossterm::event::KeyEvent;

use super::content::FieldKey;
use super::create_state::input;
pub use super::create_state::{
    AdminChoice, AppStage, ChoiceInput, ChoiceKey, CreateApp, ProgressLine,
};
use super::fields::build;
use super::{Outcome, Step, Wizard};
use crate::eca::deploy::{DeployEvent, precheck};
use crate::profile::{Connection, Flow};
use crate::tui::action::{AppFailure, Cmd, CreateAppRequest, Effect};
use crate::tui::widgets::{MAX_INPUT_CHARS, paste_into, single_line_input_max};

/// How far PgUp/PgDn move in the admin list (the connection list's page).
const PAGE: usize = 10;

/// Deploy tags are unique for the process, so a late result never lands in a newer wizard.
static GENERATION: AtomicU64 = AtomicU64::new(0);

impl Wizard {
    /// Whether the checklist offers "Create this app for me" (every flow but the retiring one).
    pub fn can_create_app(&self) -> bool {
        self.flow != Flow::Password
    }

    /// `c` on the checklist: start with the list of admin connections (the other saved ones).
    pub fn start_create(&mut self, admins: Vec<AdminChoice>, conn_timeout: Duration) {
        let mut inputs = Vec::new();
        let typed_user = self
            .field(FieldKey::Username)
            .map(|f| f.value().to_string())
            .unwrap_or_default();
        match self.flow {
            Flow::Jwt => {
                inputs.push(ChoiceInput {
                    key: ChoiceKey::Username,
                    input: input(&typed_user, "e.g. integration@acme.com"),
                });
                inputs.push(ChoiceInput {
                    key: ChoiceKey::PermissionSet,
                    input: input("", "e.g. Integration_Users"),
                });
            }
            Flow::ClientCredentials => inputs.push(ChoiceInput {
                key: ChoiceKey::RunAs,
                input: input(&typed_user, "e.g. integration@acme.com"),
            }),
            _ => {}
        }
        let mut create = CreateApp {
            stage: AppStage::Pick,
            admins,
            cursor: 0,
            inputs,
            focus: 0,
            error: None,
            review: String::new(),
            conn: None,
            conn_timeout,
            generation: 0,
            progress: Vec::new(),
            scroll: 0,
            report: None,
            failure: None,
        };
        // Back after Esc: the same admin and what was typed, to change rather than retype.
        if let Some(last) = self.last_create.as_deref() {
            create.remember(last);
        }
        self.create = Some(Box::new(create));
    }

    /// The connection the app is for: the fields so far, the admin's org when no My Domain was
    /// given (the app lives there), and for jwt the user typed in the choices.
    fn app_connection(&self, create: &CreateApp, admin: &Connection) -> Connection {
        let (mut conn, _) = build(self.flow, self.environment, &self.fields, &self.base_dir);
        if conn.domain.is_none() {
            conn.domain.clone_from(&admin.domain);
            conn.environment = admin.environment;
        }
        if let Some(user) = create.value(ChoiceKey::Username) {
            conn.username = Some(user);
        }
        // The demo's key pair fills a new wizard so the practice app's certificate matches; a
        // new app gets a pair of its own instead (made in the deploy, as `sfconn keygen NAME`).
        let prefilled = self.prefill.as_ref().is_some_and(|p| {
            conn.key_file.as_deref() == Some(p.key_file.as_path())
                && conn.cert_file.as_deref() == Some(p.cert_file.as_path())
        });
        if prefilled && self.saved_name.is_none() {
            conn.key_file = None;
            conn.cert_file = None;
        }
        conn
    }

    /// A key typed into the focused choice.
    pub(super) fn create_input(&mut self, key: KeyEvent) {
        if let Some(c) = self
            .create
            .as_deref_mut()
            .filter(|c| c.stage == AppStage::Choices)
            && let Some(i) = c.inputs.get_mut(c.focus)
            && single_line_input_max(&mut i.input, key, 256)
        {
            c.error = None;
        }
    }

    pub(super) fn create_paste(&mut self, text: &str) {
        if let Some(c) = self
            .create
            .as_deref_mut()
            .filter(|c| c.stage == AppStage::Choices)
            && let Some(i) = c.inputs.get_mut(c.focus)
        {
            paste_into(&mut i.input, text, MAX_INPUT_CHARS.min(256));
        }
    }

    /// A command while "Create this app for me" is showing.
    pub(super) fn on_create_cmd(&mut self, cmd: Cmd) -> Outcome {
        let Some(mut c) = self.create.take() else {
            return Outcome::Stay;
        };
        let mut outcome = Outcome::Stay;
        match (c.stage, cmd) {
            (AppStage::Pick, Cmd::Up) => c.cursor = c.cursor.saturating_sub(1),
            (AppStage::Pick, Cmd::Down) => {
                c.cursor = (c.cursor + 1).min(c.admins.len().saturating_sub(1));
            }
            (AppStage::Pick, Cmd::PageUp) => c.cursor = c.cursor.saturating_sub(PAGE),
            (AppStage::Pick, Cmd::PageDown) => {
                c.cursor = (c.cursor + PAGE).min(c.admins.len().saturating_sub(1));
            }
            (AppStage::Pick, Cmd::Top) => c.cursor = 0,
            (AppStage::Pick, Cmd::Bottom) => c.cursor = c.admins.len().saturating_sub(1),
            (AppStage::Pick, Cmd::Next) if !c.admins.is_empty() => {
                if c.inputs.is_empty() {
                    self.to_review(&mut c);
                } else {
                    c.stage = AppStage::Choices;
                    c.focus = 0;
                }
            }
            (AppStage::Pick, Cmd::Back) => {
                self.last_create = Some(c);
                return Outcome::Stay;
            }
            (AppStage::Choices, Cmd::NextField) => {
                c.focus = (c.focus + 1) % c.inputs.len().max(1);
            }
            (AppStage::Choices, Cmd::PrevField) => {
                c.focus = (c.focus + c.inputs.len().max(1) - 1) % c.inputs.len().max(1);
            }
            (AppStage::Choices, Cmd::Next) => self.to_review(&mut c),
            (AppStage::Choices, Cmd::Back) => c.stage = AppStage::Pick,
            (AppStage::Review, Cmd::Next) => outcome = self.deploy(&mut c),
            (AppStage::Review, Cmd::Back) => {
                c.stage = if c.inputs.is_empty() {
                    AppStage::Pick
                } else {
                    AppStage::Choices
                };
            }
            (AppStage::Failed, Cmd::Retry) => outcome = self.deploy(&mut c),
            // Change the choices (or, with none, the admin) and deploy again from the review.
            (AppStage::Failed, Cmd::Fix) => {
                c.stage = if c.inputs.is_empty() {
                    AppStage::Pick
                } else {
                    AppStage::Choices
                };
                c.focus = 0;
            }
            // Leaving a running deploy does not stop it: its connection still lands in the list.
            // After Done the connection is saved and its fields are filled in.
            (AppStage::Running | AppStage::Failed | AppStage::Done, Cmd::Back) => {
                self.last_create = Some(c);
                return Outcome::Stay;
            }
            (AppStage::Done, Cmd::Next) => {
                self.create = None;
                self.enter(Step::Credentials);
                return Outcome::Stay;
            }
            _ => {}
        }
        self.create = Some(c);
        outcome
    }

    /// Check the choices against the flow (the engine's precheck) and show the app as planned.
    fn to_review(&self, c: &mut CreateApp) {
        let Some(admin) = c.selected_admin().map(|a| a.conn.clone()) else {
            return;
        };
        let conn = self.app_connection(c, &admin);
        if self.flow == Flow::Jwt && conn.username.as_deref().is_none_or(|u| !u.contains('@')) {
            c.error = Some(
                "Username: the Salesforce user the connection acts as, e.g. integration@acme.com"
                    .into(),
            );
            c.focus = 0;
            return;
        }
        match precheck(&conn, &c.choices()) {
            Ok(spec) => {
                c.review = spec.review();
                c.error = None;
                c.conn = Some(conn);
                c.stage = AppStage::Review;
            }
            Err(e) => {
                // The engine's words name the CLI's flags; here they are the fields above.
                c.error = Some(
                    e.0.replace("--permission-set NAME", "a permission set")
                        .replace("--run-as USERNAME", "a Run As user"),
                );
                c.stage = if c.inputs.is_empty() {
                    AppStage::Pick
                } else {
                    AppStage::Choices
                };
            }
        }
    }

    fn deploy(&self, c: &mut CreateApp) -> Outcome {
        let (Some(admin), Some(conn)) = (c.selected_admin().cloned(), c.conn.clone()) else {
            return Outcome::Stay;
        };
        c.generation = GENERATION.fetch_add(1, Ordering::Relaxed) + 1;
        c.stage = AppStage::Running;
        c.progress.clear();
        c.scroll = 0;
        c.report = None;
        c.failure = None;
        let saved = self.editing.as_deref() == Some(conn.name.as_str());
        Outcome::Effects(vec![Effect::CreateApp(Box::new(CreateAppRequest {
            admin: admin.conn,
            admin_timeout: admin.timeout,
            conn,
            choices: c.choices(),
            saved,
            conn_timeout: c.conn_timeout,
            generation: c.generation,
        }))])
    }

    /// The deploy ended: fill in what the app gave (the consumer key, the key pair, the org),
    /// or show why not.
    pub fn app_deployed(&mut self, generation: u64, result: Result<Box<Connection>, AppFailure>) {
        let Some(c) = self
            .create
            .as_deref_mut()
            .filter(|c| c.generation == generation && c.stage == AppStage::Running)
        else {
            return;
        };
        c.scroll = 0;
        let conn = match result {
            Ok(conn) => conn,
            Err(failure) => {
                c.failure = Some(failure);
                c.stage = AppStage::Failed;
                return;
            }
        };
        c.stage = AppStage::Done;
        self.took_saved(&conn);
    }

    /// An event of a deploy this wizard asked for: drawn if its screen shows; a save is taken
    /// in either way (the wizard edits that connection from then on).
    pub fn app_event(&mut self, generation: u64, event: DeployEvent, now: time::OffsetDateTime) {
        let saved = match &event {
            DeployEvent::Saved { conn, .. } => Some((**conn).clone()),
            _ => None,
        };
        let ours = [self.create.as_deref(), self.last_create.as_deref()]
            .into_iter()
            .flatten()
            .any(|c| c.generation == generation && generation != 0);
        if !ours {
            return;
        }
        if let Some(c) = self
            .create
            .as_deref_mut()
            .filter(|c| c.generation == generation)
        {
            c.apply(event, now);
        }
        if let Some(conn) = saved {
            self.took_saved(&conn);
        }
    }

    /// The deploy saved the connection: fill in what the app gave (the consumer key, the key
    /// pair, the org), and edit that connection from now on, its header included.
    fn took_saved(&mut self, conn: &Connection) {
        self.environment = conn.environment;
        let path = |p: &Option<std::path::PathBuf>| p.as_ref().map(|p| p.display().to_string());
        for (key, value) in [
            (FieldKey::ClientId, conn.client_id.clone()),
            (FieldKey::Domain, conn.domain.clone()),
            (FieldKey::Username, conn.username.clone()),
            (FieldKey::KeyFile, path(&conn.key_file)),
            (FieldKey::CertFile, path(&conn.cert_file)),
        ] {
            if let (Some(f), Some(v)) = (self.field_mut(key), value) {
                f.set_value(&v);
                f.error = None;
            }
        }
        self.saved_name = Some(conn.name.clone());
        self.new_connection = false;
        let secret = self.flow == Flow::ClientCredentials;
        self.saved(&conn.name);
        if secret && let Some(f) = self.field_mut(FieldKey::ClientSecret) {
            // Read back from Salesforce into the secret store; never shown.
            *f = super::fields::Field::new(f.spec.clone(), "", true);
        }
    }

    /// Whether ↑↓ scroll the deploy's progress and its end (rather than move a selection).
    pub fn app_scrolls(&self) -> bool {
        matches!(
            self.app_stage(),
            Some(AppStage::Running | AppStage::Done | AppStage::Failed)
        )
    }

    /// Scroll the deploy's progress by a row, to `most` and no further.
    pub fn scroll_app(&mut self, down: bool, most: u16) {
        if let Some(c) = self.create.as_deref_mut() {
            c.scroll = if down {
                c.scroll.saturating_add(1).min(most)
            } else {
                c.scroll.min(most).saturating_sub(1)
            };
        }
    }

    /// The "Create this app for me" stage showing, if any.
    pub fn app_stage(&self) -> Option<AppStage> {
        self.create.as_deref().map(|c| c.stage)
    }
}
