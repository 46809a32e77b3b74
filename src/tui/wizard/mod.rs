//! The setup wizard (PRODUCT.md section 8): choose the flow, the connection basics, the
//! Salesforce Setup checklist, the fields, review, connect. Editing a connection reuses it.

pub mod content;
pub mod fields;
mod input;
pub mod view;

use std::path::PathBuf;

use self::content::{FieldKey, FlowGuide, guides};
use self::fields::{Field, Rules, initial_value, secret_kind, validate};
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
        login: crate::tui::detail::LoginProgress,
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
    /// The generation of the run this wizard waits for.
    pub generation: u64,
    /// The name the connection was saved under.
    pub saved_name: Option<String>,
    /// Opened with `n`: the title stays "New connection" after Connect saved it.
    pub new_connection: bool,
    /// Relative key paths resolve here (the sfconn home).
    pub base_dir: PathBuf,
    /// The demo's starting values, applied again when the flow changes.
    pub prefill: Option<Prefill>,
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
            new_connection: true,
            base_dir,
            prefill: None,
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

    /// The My Domain as typed, if it is valid.
    pub fn domain(&self) -> Option<String> {
        self.field(FieldKey::Domain)
            .and_then(|f| fields::normalize_domain(f.value()).ok())
    }

    pub fn mode(&self) -> Mode {
        match self.step {
            Step::Flow => Mode::WizardFlow,
            Step::Basics => Mode::WizardForm {
                keygen: false,
                forget: false,
            },
            Step::Credentials => Mode::WizardForm {
                keygen: self.flow == Flow::Jwt,
                forget: self.focused().is_some_and(|f| f.forgettable(self.flow)),
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
        let key = self.fields[index].key();
        let mut result = validate(&self.fields[index], &rules);
        if result.is_ok() {
            result = match key {
                FieldKey::Environment => self.environment_fits_domain(),
                _ => Ok(()),
            };
        }
        let ok = result.is_ok();
        self.fields[index].error = result.err();
        if matches!(key, FieldKey::KeyFile | FieldKey::CertFile) {
            let pair_ok = self.check_key_pair(taken);
            return if key == FieldKey::CertFile {
                ok && pair_ok
            } else {
                ok
            };
        }
        ok
    }

    /// A My Domain typed that names its kind sets the environment (as `sfconn add` without
    /// `--env`). Only on typing: an existing connection's environment never flips by itself.
    pub(super) fn follow_domain(&mut self) {
        if let Some(env) = self
            .domain()
            .as_deref()
            .and_then(crate::profile::validate::environment_of_domain)
        {
            self.environment = env;
            if let Some(f) = self.field_mut(FieldKey::Environment) {
                f.error = None;
            }
        }
    }

    /// The environment the person chose against the one the My Domain names.
    fn environment_fits_domain(&self) -> Result<(), String> {
        let Some(domain) = self.domain() else {
            return Ok(());
        };
        match crate::profile::validate::environment_of_domain(&domain) {
            Some(env) if env != self.environment => Err(format!(
                "{domain} is a {env} My Domain; choose {env} (or change the domain)"
            )),
            _ => Ok(()),
        }
    }

    /// As soon as both the key and the certificate are filled and readable, they must be a
    /// pair: the error goes on the certificate, where the person picks the uploaded file.
    fn check_key_pair(&mut self, taken: &dyn Fn(&str) -> bool) -> bool {
        // The certificate's own check first, so a mismatch found earlier does not outlive a
        // key that was fixed since.
        if let Some(ci) = self
            .fields
            .iter()
            .position(|f| f.key() == FieldKey::CertFile)
        {
            let rules = Rules {
                flow: self.flow,
                domain_required: false,
                taken,
                base_dir: &self.base_dir,
            };
            self.fields[ci].error = validate(&self.fields[ci], &rules).err();
        }
        let resolve = |v: &str| {
            let p = PathBuf::from(v.trim());
            if p.is_absolute() {
                p
            } else {
                self.base_dir.join(p)
            }
        };
        let (Some(key), Some(cert)) = (
            self.field(FieldKey::KeyFile),
            self.field(FieldKey::CertFile),
        ) else {
            return true;
        };
        if key.value().trim().is_empty()
            || cert.value().trim().is_empty()
            || key.error.is_some()
            || cert.error.is_some()
        {
            return key.error.is_none() && cert.error.is_none();
        }
        let (key_path, cert_path) = (resolve(key.value()), resolve(cert.value()));
        let checked = crate::profile::keys::load_private_key_file(&key_path)
            .map_err(|e| e.to_string())
            .and_then(|pem| {
                let cert = crate::profile::atomic::read_capped(
                    &cert_path,
                    crate::profile::atomic::MAX_KEY_FILE,
                )
                .map_err(|e| e.to_string())?;
                crate::profile::keys::check_certificate_matches(&pem, &cert)
                    .map_err(|e| e.to_string())
            });
        match checked {
            Ok(()) => true,
            Err(e) => {
                if let Some(f) = self.field_mut(FieldKey::CertFile) {
                    f.error = Some(format!(
                        "does not match the private key ({e}); pick the certificate made with this key, or Ctrl-G for a new pair"
                    ));
                }
                false
            }
        }
    }

    /// Start from the demo's values (domain now, key pair once jwt is chosen).
    pub fn prefill(&mut self, prefill: Prefill) {
        self.prefill = Some(prefill);
        self.apply_prefill();
    }

    fn apply_prefill(&mut self) {
        let Some(p) = self.prefill.clone() else {
            return;
        };
        for (key, value) in [
            (FieldKey::Domain, p.domain.clone()),
            (FieldKey::KeyFile, p.key_file.display().to_string()),
            (FieldKey::CertFile, p.cert_file.display().to_string()),
        ] {
            if let Some(f) = self.field_mut(key).filter(|f| f.value().is_empty()) {
                f.set_value(&value);
            }
        }
    }

    /// The save went through: the wizard now edits that connection (Retry and Fix are edits).
    /// Secrets typed in it are stored, so their fields may be left empty from now on.
    pub fn saved(&mut self, name: &str) {
        self.editing = Some(name.to_string());
        let typed: Vec<SecretKind> = self
            .fields
            .iter()
            .filter(|f| !f.value().is_empty())
            .filter_map(|f| secret_kind(f.key()))
            .collect();
        for f in &mut self.fields {
            if secret_kind(f.key()).is_some_and(|k| typed.contains(&k)) {
                f.stored = true;
            }
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
