//! The setup wizard (PRODUCT.md section 8): choose the flow, the connection basics, the
//! Salesforce Setup checklist, the fields, review, connect. Editing a connection reuses it.

pub mod content;
pub mod fields;
pub mod view;

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent};

use self::content::{FieldKey, FlowGuide, guides, setup_url};
use self::fields::{Field, Rules, build, initial_value, secret_kind, validate};
use super::action::{Cmd, Effect, LoginNote, RunKind};
use super::app::Mode;
use crate::profile::{Connection, Environment, Flow};
use crate::salesforce::{StepReport, TestReport};
use crate::secrets::SecretKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Flow,
    Basics,
    Checklist,
    Credentials,
    Review,
    Connect,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::Flow,
        Step::Basics,
        Step::Checklist,
        Step::Credentials,
        Step::Review,
        Step::Connect,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Step::Flow => "Flow",
            Step::Basics => "Connection",
            Step::Checklist => "Salesforce Setup",
            Step::Credentials => "Fields",
            Step::Review => "Review",
            Step::Connect => "Connect",
        }
    }
}

/// The last wizard step: saving, then the flow and the test running live.
#[derive(Debug, Clone)]
pub enum ConnectState {
    Saving,
    Running {
        kind: RunKind,
        steps: Vec<StepReport>,
        note: Option<LoginNote>,
    },
    Connected {
        report: Box<TestReport>,
    },
    Failed {
        report: Option<Box<TestReport>>,
        message: String,
    },
}

/// What the app should do after the wizard handled a command.
#[derive(Debug)]
pub enum Outcome {
    Stay,
    /// Leave the wizard (back to the list), selecting the named connection if any.
    Exit { select: Option<String> },
    Effects(Vec<Effect>),
}

/// The number of common fields (name, environment, domain) at the front of `fields`.
const COMMON: usize = 3;

#[derive(Debug, Clone)]
pub struct Wizard {
    pub step: Step,
    pub flow_cursor: usize,
    pub flow: Flow,
    pub environment: Environment,
    /// The connection's name before editing (`None` when creating).
    pub editing: Option<String>,
    /// Common fields first, then the flow's fields.
    pub fields: Vec<Field>,
    /// Index into `fields`.
    pub focus: usize,
    pub checklist_cursor: usize,
    pub done: Vec<bool>,
    pub connect: Option<ConnectState>,
    /// The generation of the run this wizard waits for.
    pub generation: u64,
    /// The name the connection was saved under.
    pub saved_name: Option<String>,
    /// Relative key paths resolve here (the sfconn home).
    pub base_dir: PathBuf,
}

impl Wizard {
    /// A new connection: starts by choosing the flow.
    pub fn create(base_dir: PathBuf) -> Result<Wizard, String> {
        let mut w = Wizard {
            step: Step::Flow,
            flow_cursor: 0,
            flow: Flow::Web,
            environment: Environment::Production,
            editing: None,
            fields: Vec::new(),
            focus: 0,
            checklist_cursor: 0,
            done: Vec::new(),
            connect: None,
            generation: 0,
            saved_name: None,
            base_dir,
        };
        w.set_flow(Flow::Web, None, &[])?;
        Ok(w)
    }

    /// Edit `conn`: starts at the connection basics with every field filled in; stored secrets
    /// stay unless retyped.
    pub fn edit(conn: &Connection, stored: &[SecretKind], base_dir: PathBuf) -> Result<Wizard, String> {
        let mut w = Wizard::create(base_dir)?;
        w.editing = Some(conn.name.clone());
        w.environment = conn.environment;
        w.flow_cursor = Flow::ALL.iter().position(|f| *f == conn.flow).unwrap_or(0);
        w.set_flow(conn.flow, Some(conn), stored)?;
        w.step = Step::Basics;
        Ok(w)
    }

    pub fn guide(&self) -> Option<&'static FlowGuide> {
        guides().ok().map(|g| g.flow(self.flow))
    }

    /// Rebuild the fields for `flow`, keeping what was typed in the common fields.
    fn set_flow(&mut self, flow: Flow, from: Option<&Connection>, stored: &[SecretKind]) -> Result<(), String> {
        let guides = guides()?;
        let guide = guides.flow(flow);
        let kept: Vec<String> = self.fields.iter().take(COMMON).map(|f| f.value().to_string()).collect();
        let mut fields = Vec::new();
        for (i, spec) in guides.common.iter().chain(guide.fields.iter()).enumerate() {
            let value = match from {
                Some(conn) => initial_value(conn, spec.key),
                None => kept.get(i).cloned().unwrap_or_default(),
            };
            let is_stored = secret_kind(spec.key).is_some_and(|k| stored.contains(&k));
            fields.push(Field::new(spec.clone(), &value, is_stored));
        }
        self.flow = flow;
        self.fields = fields;
        self.done = vec![false; guide.setup.len()];
        self.checklist_cursor = 0;
        Ok(())
    }

    pub fn is_running(&self) -> bool {
        matches!(
            self.connect,
            Some(ConnectState::Saving | ConnectState::Running { .. })
        )
    }

    /// Indices of the fields shown on the current step.
    pub fn step_fields(&self) -> std::ops::Range<usize> {
        match self.step {
            Step::Basics => 0..COMMON.min(self.fields.len()),
            Step::Credentials => COMMON.min(self.fields.len())..self.fields.len(),
            _ => 0..0,
        }
    }

    pub fn focused(&self) -> Option<&Field> {
        self.step_fields().contains(&self.focus).then(|| &self.fields[self.focus])
    }

    pub fn field(&self, key: FieldKey) -> Option<&Field> {
        self.fields.iter().find(|f| f.key() == key)
    }

    fn field_mut(&mut self, key: FieldKey) -> Option<&mut Field> {
        self.fields.iter_mut().find(|f| f.key() == key)
    }

    /// The My Domain as typed, if it is valid.
    pub fn domain(&self) -> Option<String> {
        self.field(FieldKey::Domain)
            .and_then(|f| fields::normalize_domain(f.value()).ok())
    }

    pub fn mode(&self) -> Mode {
        match self.step {
            Step::Flow => Mode::WizardFlow,
            Step::Basics => Mode::WizardForm { keygen: false },
            Step::Credentials => Mode::WizardForm {
                keygen: self.flow == Flow::Jwt,
            },
            Step::Checklist => Mode::WizardChecklist,
            Step::Review => Mode::WizardReview,
            Step::Connect => match &self.connect {
                Some(ConnectState::Connected { .. }) => Mode::WizardConnected,
                Some(ConnectState::Failed { .. }) => Mode::WizardFailed,
                _ => Mode::WizardRunning,
            },
        }
    }

    /// Validate one field, remembering the error for display.
    fn check(&mut self, index: usize, taken: &dyn Fn(&str) -> bool) -> bool {
        let rules = Rules {
            flow: self.flow,
            domain_required: self.guide().is_some_and(|g| g.domain_required),
            taken,
            base_dir: &self.base_dir,
        };
        let result = validate(&self.fields[index], &rules);
        let ok = result.is_ok();
        self.fields[index].error = result.err();
        ok
    }

    /// Validate the fields of the current step; focus the first bad one.
    fn check_step(&mut self, taken: &dyn Fn(&str) -> bool) -> bool {
        let mut first_bad = None;
        for i in self.step_fields() {
            if !self.check(i, taken) && first_bad.is_none() {
                first_bad = Some(i);
            }
        }
        if let Some(i) = first_bad {
            self.focus = i;
        }
        first_bad.is_none()
    }

    fn enter(&mut self, step: Step) {
        self.step = step;
        let range = self.step_fields();
        if !range.is_empty() {
            self.focus = range.start;
        }
    }

    /// A key typed into the focused field.
    pub fn on_input(&mut self, key: KeyEvent, taken: &dyn Fn(&str) -> bool) {
        let Some(field) = self.focused() else { return };
        if field.key() == FieldKey::Environment {
            if matches!(key.code, KeyCode::Left | KeyCode::Right | KeyCode::Char(' ')) {
                self.environment = match self.environment {
                    Environment::Production => Environment::Sandbox,
                    Environment::Sandbox => Environment::Production,
                };
            }
            return;
        }
        let index = self.focus;
        if self.fields[index].input.input(key) || self.fields[index].error.is_some() {
            self.check(index, taken);
        }
    }

    /// Handle a bound command.
    pub fn on_cmd(&mut self, cmd: Cmd, taken: &dyn Fn(&str) -> bool) -> Outcome {
        match (self.step, cmd) {
            (Step::Flow, Cmd::Up) => self.flow_cursor = self.flow_cursor.saturating_sub(1),
            (Step::Flow, Cmd::Down) => self.flow_cursor = (self.flow_cursor + 1).min(Flow::ALL.len() - 1),
            (Step::Flow, Cmd::Next) => {
                let flow = Flow::ALL[self.flow_cursor];
                if flow != self.flow
                    && let Err(e) = self.set_flow(flow, None, &[])
                {
                    return self.fail_content(e);
                }
                self.enter(Step::Basics);
            }
            (Step::Flow, Cmd::Back) => return Outcome::Exit { select: None },
            (Step::Basics | Step::Credentials, Cmd::NextField) => {
                let r = self.step_fields();
                self.focus = if self.focus + 1 >= r.end { r.start } else { self.focus + 1 };
            }
            (Step::Basics | Step::Credentials, Cmd::PrevField) => {
                let r = self.step_fields();
                self.focus = if self.focus <= r.start { r.end.saturating_sub(1) } else { self.focus - 1 };
            }
            (Step::Basics, Cmd::Next) if self.check_step(taken) => self.enter(Step::Checklist),
            (Step::Basics, Cmd::Back) if self.editing.is_some() => {
                return Outcome::Exit { select: self.editing.clone() };
            }
            (Step::Basics, Cmd::Back) => self.enter(Step::Flow),
            (Step::Checklist, Cmd::Up) => self.checklist_cursor = self.checklist_cursor.saturating_sub(1),
            (Step::Checklist, Cmd::Down) => {
                self.checklist_cursor = (self.checklist_cursor + 1).min(self.done.len().saturating_sub(1));
            }
            (Step::Checklist, Cmd::ToggleDone) => {
                if let Some(d) = self.done.get_mut(self.checklist_cursor) {
                    *d = !*d;
                }
            }
            (Step::Checklist, Cmd::OpenSetup) => {
                let page = self
                    .guide()
                    .and_then(|g| g.setup.get(self.checklist_cursor))
                    .and_then(|s| s.page.clone());
                if let Some(page) = page {
                    let url = setup_url(self.domain().as_deref(), self.environment, &page);
                    return Outcome::Effects(vec![Effect::OpenUrl { url }]);
                }
            }
            (Step::Checklist, Cmd::Next) => self.enter(Step::Credentials),
            (Step::Checklist, Cmd::Back) => self.enter(Step::Basics),
            (Step::Credentials, Cmd::Next) if self.check_step(taken) => self.enter(Step::Review),
            (Step::Credentials, Cmd::Back) => self.enter(Step::Checklist),
            (Step::Credentials, Cmd::GenerateKey) if self.flow == Flow::Jwt => {
                let name = self.fields[0].value().trim().to_string();
                if name.is_empty() || !self.check(0, taken) {
                    self.enter(Step::Basics);
                    self.check(0, taken);
                    return Outcome::Stay;
                }
                return Outcome::Effects(vec![Effect::GenerateKey { name }]);
            }
            (Step::Review, Cmd::Next) => return self.save(taken),
            (Step::Review, Cmd::Back) => self.enter(Step::Credentials),
            (Step::Connect, Cmd::Next) if matches!(self.connect, Some(ConnectState::Connected { .. })) => {
                return Outcome::Exit { select: self.saved_name.clone() };
            }
            (Step::Connect, Cmd::Retry) if matches!(self.connect, Some(ConnectState::Failed { .. })) => {
                return self.save(taken);
            }
            (Step::Connect, Cmd::Fix) => self.jump_to_fix(),
            (Step::Connect, Cmd::Back) => return Outcome::Exit { select: self.saved_name.clone() },
            _ => {}
        }
        Outcome::Stay
    }

    fn fail_content(&mut self, message: String) -> Outcome {
        self.step = Step::Connect;
        self.connect = Some(ConnectState::Failed { report: None, message });
        Outcome::Stay
    }

    /// Validate everything, then ask for the save (the run starts when it is saved).
    fn save(&mut self, taken: &dyn Fn(&str) -> bool) -> Outcome {
        for step in [Step::Basics, Step::Credentials] {
            self.step = step;
            if !self.check_step(taken) {
                return Outcome::Stay;
            }
        }
        let (conn, secrets) = build(self.flow, self.environment, &self.fields, &self.base_dir);
        self.saved_name = Some(conn.name.clone());
        self.step = Step::Connect;
        self.connect = Some(ConnectState::Saving);
        Outcome::Effects(vec![Effect::Save {
            conn: Box::new(conn),
            secrets,
            replaces: self.editing.clone(),
        }])
    }

    /// After a failed connect: go to the field (or Setup step) the first matching hint names.
    fn jump_to_fix(&mut self) {
        let Some(ConnectState::Failed { report, .. }) = &self.connect else {
            return;
        };
        let ids: Vec<String> = report
            .as_ref()
            .map(|r| r.hints.iter().map(|h| h.id.clone()).collect())
            .unwrap_or_default();
        for id in &ids {
            if let Some(i) = self.fields.iter().position(|f| f.spec.hints.contains(id)) {
                self.enter(if i < COMMON { Step::Basics } else { Step::Credentials });
                self.focus = i;
                return;
            }
            if let Some(i) = self
                .guide()
                .and_then(|g| g.setup.iter().position(|s| s.hints.contains(id)))
            {
                self.enter(Step::Checklist);
                self.checklist_cursor = i;
                return;
            }
        }
        self.enter(Step::Credentials);
    }

    /// The key pair was made: fill in both paths.
    pub fn key_generated(&mut self, key: &std::path::Path, cert: &std::path::Path) {
        if let Some(f) = self.field_mut(FieldKey::KeyFile) {
            f.set_value(&key.display().to_string());
            f.error = None;
        }
        if let Some(f) = self.field_mut(FieldKey::CertFile) {
            f.set_value(&cert.display().to_string());
            f.error = None;
        }
    }
}
