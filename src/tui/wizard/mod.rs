//! The setup wizard (PRODUCT.md section 8): choose the flow, the connection basics, the
//! Salesforce Setup checklist, the fields, review, connect. Editing a connection reuses it.

mod checks;
pub mod connect_view;
pub mod content;
pub mod create_app;
mod create_state;
pub mod create_view;
pub mod fields;
mod input;
pub mod view;

use std::path::PathBuf;

use self::content::{FieldKey, FlowGuide, guides};
use self::fields::{Field, initial_value, secret_kind};
use super::action::{Effect, RunKind};
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
        login: crate::tui::login::LoginProgress,
    },
    Connected {
        report: Box<TestReport>,
    },
    Failed {
        report: Option<Box<TestReport>>,
        message: String,
        /// Settings the save refused (profile-file keys): `f` goes to the first.
        fields: Vec<String>,
    },
}

/// Whether a failure points at something the wizard can go back to (a setting the save
/// refused, or a run with hints): a broken profiles.toml is fixed in the file instead.
pub fn fixable(report: Option<&TestReport>, fields: &[String]) -> bool {
    !fields.is_empty() || report.is_some()
}

/// What the app should do after the wizard handled a command.
#[derive(Debug)]
pub enum Outcome {
    Stay,
    /// Leave the wizard (back to the list), selecting the named connection if any.
    Exit {
        select: Option<String>,
    },
    Effects(Vec<Effect>),
}

/// What a new wizard starts with in the demo: the practice org's My Domain and, for jwt, its
/// key pair (the certificate the practice app already holds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefill {
    pub domain: String,
    pub key_file: PathBuf,
    pub cert_file: PathBuf,
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
    /// Rows the Connect step's text is scrolled by.
    pub connect_scroll: u16,
    /// The generation of the run this wizard waits for.
    pub generation: u64,
    /// The name the connection was saved under.
    pub saved_name: Option<String>,
    /// Opened with `n`: the title stays "New connection" after Connect saved it.
    pub new_connection: bool,
    /// Has been past step 1: back on it, what was typed is still in the draft.
    pub went_past_flow: bool,
    /// Relative key paths resolve here (the sfconn home).
    pub base_dir: PathBuf,
    /// The demo's starting values, applied again when the flow changes.
    pub prefill: Option<Prefill>,
    /// "Create this app for me", over the checklist while it runs.
    pub create: Option<Box<create_app::CreateApp>>,
    /// The last "Create this app for me" left with Esc: `c` comes back to its admin and choices.
    pub last_create: Option<Box<create_app::CreateApp>>,
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
            connect_scroll: 0,
            generation: 0,
            saved_name: None,
            new_connection: true,
            went_past_flow: false,
            base_dir,
            prefill: None,
            create: None,
            last_create: None,
        };
        w.set_flow(Flow::Web, None, &[])?;
        Ok(w)
    }

    /// Edit `conn`: starts at the connection basics with every field filled in; stored secrets
    /// stay unless retyped.
    pub fn edit(
        conn: &Connection,
        stored: &[SecretKind],
        base_dir: PathBuf,
    ) -> Result<Wizard, String> {
        let mut w = Wizard::create(base_dir)?;
        w.editing = Some(conn.name.clone());
        w.new_connection = false;
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
    fn set_flow(
        &mut self,
        flow: Flow,
        from: Option<&Connection>,
        stored: &[SecretKind],
    ) -> Result<(), String> {
        let guides = guides()?;
        let guide = guides.flow(flow);
        let kept: Vec<String> = self
            .fields
            .iter()
            .take(COMMON)
            .map(|f| f.value().to_string())
            .collect();
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
        self.apply_prefill();
        self.done = vec![false; guide.setup.len()];
        self.checklist_cursor = 0;
        Ok(())
    }

    pub fn is_running(&self) -> bool {
        matches!(
            self.connect,
            Some(ConnectState::Saving | ConnectState::Running { .. })
        ) || self.app_stage() == Some(create_app::AppStage::Running)
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
        self.step_fields()
            .contains(&self.focus)
            .then(|| &self.fields[self.focus])
    }

    pub fn field(&self, key: FieldKey) -> Option<&Field> {
        self.fields.iter().find(|f| f.key() == key)
    }

    fn field_mut(&mut self, key: FieldKey) -> Option<&mut Field> {
        self.fields.iter_mut().find(|f| f.key() == key)
    }

    /// The connection's name once it is typed and valid (the checklist's commands use it).
    pub fn known_name(&self) -> Option<String> {
        self.field(FieldKey::Name)
            .filter(|f| f.error.is_none())
            .map(|f| f.value().trim().to_string())
            .filter(|n| !n.is_empty() && crate::profile::validate::validate_name(n).is_ok())
    }

    /// The My Domain as typed, if it is valid.
    pub fn domain(&self) -> Option<String> {
        self.field(FieldKey::Domain)
            .and_then(|f| fields::normalize_domain(f.value()).ok())
    }

    /// Whether quitting now loses what was typed: before the save, or after a save refused.
    pub fn unsaved(&self) -> bool {
        match self.step {
            Step::Flow => !self.new_connection || self.went_past_flow,
            Step::Basics | Step::Checklist | Step::Credentials | Step::Review => true,
            Step::Connect => matches!(
                &self.connect,
                Some(ConnectState::Failed { report: None, .. }) | Some(ConnectState::Saving)
            ),
        }
    }

    pub fn mode(&self) -> Mode {
        match self.step {
            Step::Flow => Mode::WizardFlow,
            Step::Basics => Mode::WizardForm {
                keygen: false,
                forget: false,
                needed: false,
            },
            Step::Credentials => Mode::WizardForm {
                keygen: self.flow == Flow::Jwt,
                forget: self.focused().is_some_and(|f| f.forgettable(self.flow)),
                needed: self
                    .focused()
                    .is_some_and(|f| f.stored && !f.forgettable(self.flow)),
            },
            Step::Checklist => match self.app_stage() {
                Some(stage) => Mode::WizardApp(stage),
                None => Mode::WizardChecklist {
                    create: self.can_create_app(),
                },
            },
            Step::Review => Mode::WizardReview,
            Step::Connect => match &self.connect {
                Some(ConnectState::Connected { .. }) => Mode::WizardConnected,
                Some(ConnectState::Failed { report, fields, .. }) => Mode::WizardFailed {
                    fix: fixable(report.as_deref(), fields),
                },
                _ => Mode::WizardRunning,
            },
        }
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
        self.went_past_flow |= step != Step::Flow;
        let range = self.step_fields();
        if !range.is_empty() {
            self.focus = range.start;
        }
    }

    /// The secret kinds the store holds for the connection being edited: their fields may stay
    /// empty (kept); the others must be typed if the flow needs them.
    pub fn set_stored(&mut self, stored: &[SecretKind]) {
        for f in &mut self.fields {
            if let Some(kind) = secret_kind(f.key()) {
                let value = f.value().to_string();
                *f = Field::new(f.spec.clone(), &value, stored.contains(&kind));
            }
        }
    }
}
