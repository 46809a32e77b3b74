//! The wizard's answers to keys: moving between steps and fields, validating, saving, and
//! after a failed connect, jumping back to what needs fixing.

use crossterm::event::{KeyCode, KeyEvent};

use super::content::{FieldKey, setup_url};
use super::fields::build;
use super::{COMMON, ConnectState, Outcome, Step, Wizard};
use crate::profile::{Environment, Flow};
use crate::tui::action::{Cmd, Effect};
use crate::tui::widgets::{paste_into, single_line_input_max};

impl Wizard {
    /// A key typed into the focused field.
    pub fn on_input(&mut self, key: KeyEvent, taken: &dyn Fn(&str) -> bool) {
        if self.create.is_some() {
            return self.create_input(key);
        }
        let Some(field) = self.focused() else { return };
        if field.key() == FieldKey::Environment {
            if matches!(
                key.code,
                KeyCode::Left | KeyCode::Right | KeyCode::Char(' ')
            ) {
                self.environment = match self.environment {
                    Environment::Production => Environment::Sandbox,
                    Environment::Sandbox => Environment::Production,
                };
                let index = self.focus;
                self.check(index, taken);
            }
            return;
        }
        let index = self.focus;
        let max = field.key().max_chars();
        if single_line_input_max(&mut self.fields[index].input, key, max)
            || self.fields[index].error.is_some()
        {
            self.typed_into(index, taken);
        }
    }

    /// Text pasted into the focused field: one edit and one validation, however long the text
    /// (cut at the field's limit).
    pub fn on_paste(&mut self, text: &str, taken: &dyn Fn(&str) -> bool) {
        if self.create.is_some() {
            return self.create_paste(text);
        }
        let Some(field) = self.focused() else { return };
        if field.key() == FieldKey::Environment {
            return;
        }
        let index = self.focus;
        let max = field.key().max_chars();
        if paste_into(&mut self.fields[index].input, text, max) {
            self.typed_into(index, taken);
        }
    }

    /// Check what was typed; a valid My Domain also moves the environment to the one it names.
    fn typed_into(&mut self, index: usize, taken: &dyn Fn(&str) -> bool) {
        if self.check(index, taken) && self.fields[index].key() == FieldKey::Domain {
            self.follow_domain();
        }
    }

    /// Handle a bound command.
    pub fn on_cmd(&mut self, cmd: Cmd, taken: &dyn Fn(&str) -> bool) -> Outcome {
        if self.create.is_some() {
            return self.on_create_cmd(cmd);
        }
        match (self.step, cmd) {
            (Step::Flow, Cmd::Up) => self.flow_cursor = self.flow_cursor.saturating_sub(1),
            (Step::Flow, Cmd::Down) => {
                self.flow_cursor = (self.flow_cursor + 1).min(Flow::ALL.len() - 1)
            }
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
                self.focus = if self.focus + 1 >= r.end {
                    r.start
                } else {
                    self.focus + 1
                };
            }
            (Step::Basics | Step::Credentials, Cmd::ClearField) => {
                let index = self.focus;
                if let Some(f) = self
                    .fields
                    .get_mut(index)
                    .filter(|f| f.key() != FieldKey::Environment && !f.value().is_empty())
                {
                    f.set_value("");
                    self.typed_into(index, taken);
                }
            }
            (Step::Basics | Step::Credentials, Cmd::PrevField) => {
                let r = self.step_fields();
                self.focus = if self.focus <= r.start {
                    r.end.saturating_sub(1)
                } else {
                    self.focus - 1
                };
            }
            (Step::Basics, Cmd::Next) if self.check_step(taken) => self.enter(Step::Checklist),
            (Step::Basics, Cmd::Back) if self.editing.is_some() => {
                return Outcome::Exit {
                    select: self.editing.clone(),
                };
            }
            (Step::Basics, Cmd::Back) => self.enter(Step::Flow),
            (Step::Checklist, Cmd::Up) => {
                self.checklist_cursor = self.checklist_cursor.saturating_sub(1)
            }
            (Step::Checklist, Cmd::Down) => {
                self.checklist_cursor =
                    (self.checklist_cursor + 1).min(self.done.len().saturating_sub(1));
            }
            (Step::Checklist, Cmd::ToggleDone) => {
                if let Some(d) = self.done.get_mut(self.checklist_cursor) {
                    *d = !*d;
                }
            }
            (Step::Checklist, Cmd::OpenSetup) => {
                let step = self
                    .guide()
                    .and_then(|g| g.setup.get(self.checklist_cursor))
                    .cloned();
                if let Some(step) = step
                    && let Some(page) = &step.page
                {
                    let url = setup_url(self.domain().as_deref(), self.environment, page);
                    return Outcome::Effects(vec![Effect::OpenSetup {
                        url,
                        title: step.title,
                        detail: step.detail,
                    }]);
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
            (Step::Credentials, Cmd::ForgetSecret)
                if self
                    .focused()
                    .is_some_and(|f| f.stored && !f.forgettable(self.flow)) =>
            {
                let flow = self.flow;
                if let Some(f) = self.fields.get_mut(self.focus) {
                    f.error = Some(format!(
                        "the {flow} flow needs this secret, so it cannot be removed; type a new value to replace it"
                    ));
                }
            }
            (Step::Credentials, Cmd::ForgetSecret) => {
                let flow = self.flow;
                if let Some(f) = self
                    .fields
                    .get_mut(self.focus)
                    .filter(|f| f.forgettable(flow))
                {
                    f.forget = !f.forget;
                    f.set_value("");
                    f.input.set_placeholder_text(if f.forget {
                        "removed from the secret store on save (Ctrl-D keeps it)"
                    } else {
                        "stored in the secret store: leave empty to keep it"
                    });
                }
            }
            (Step::Review, Cmd::Next) => return self.save(taken),
            (Step::Review, Cmd::Back) => self.enter(Step::Credentials),
            (Step::Connect, Cmd::Next)
                if matches!(self.connect, Some(ConnectState::Connected { .. })) =>
            {
                return Outcome::Exit {
                    select: self.saved_name.clone(),
                };
            }
            (Step::Connect, Cmd::Retry)
                if matches!(self.connect, Some(ConnectState::Failed { .. })) =>
            {
                return self.save(taken);
            }
            (Step::Connect, Cmd::Fix) => {
                // From here on the wizard edits the connection Connect saved.
                if self.saved_name.is_some() {
                    self.new_connection = false;
                }
                self.jump_to_fix();
            }
            (Step::Connect, Cmd::Back) => {
                return Outcome::Exit {
                    select: self.saved_name.clone(),
                };
            }
            _ => {}
        }
        Outcome::Stay
    }

    fn fail_content(&mut self, message: String) -> Outcome {
        self.step = Step::Connect;
        self.connect = Some(ConnectState::Failed {
            report: None,
            message,
            fields: Vec::new(),
        });
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
        let clear = super::fields::to_clear(self.flow, &self.fields);
        self.saved_name = Some(conn.name.clone());
        self.step = Step::Connect;
        self.connect_scroll = 0;
        self.connect = Some(ConnectState::Saving);
        Outcome::Effects(vec![Effect::Save {
            conn: Box::new(conn),
            secrets,
            clear,
            replaces: self.editing.clone(),
        }])
    }

    /// After a failed connect: go to the field or Setup step the failure names. A refused save
    /// names its settings; a failed run names hints: first a field that is where that hint's
    /// fix goes (`fixes` in assets/wizard), then the Setup step that explains it, then any field
    /// that mentions it.
    fn jump_to_fix(&mut self) {
        let Some(ConnectState::Failed { report, fields, .. }) = &self.connect else {
            return;
        };
        let settings: Vec<FieldKey> = fields
            .iter()
            .filter_map(|f| FieldKey::from_setting(f))
            .collect();
        let ids: Vec<String> = report
            .as_ref()
            .map(|r| r.hints.iter().map(|h| h.id.clone()).collect())
            .unwrap_or_default();
        for key in settings {
            if let Some(i) = self.fields.iter().position(|f| f.key() == key) {
                return self.focus_field(i);
            }
        }
        for id in &ids {
            if let Some(i) = self.fields.iter().position(|f| f.spec.fixes.contains(id)) {
                return self.focus_field(i);
            }
            if let Some(i) = self
                .guide()
                .and_then(|g| g.setup.iter().position(|s| s.hints.contains(id)))
            {
                self.enter(Step::Checklist);
                self.checklist_cursor = i;
                return;
            }
            if let Some(i) = self.fields.iter().position(|f| f.spec.hints.contains(id)) {
                return self.focus_field(i);
            }
        }
        self.enter(Step::Credentials);
    }

    fn focus_field(&mut self, i: usize) {
        self.enter(if i < COMMON {
            Step::Basics
        } else {
            Step::Credentials
        });
        self.focus = i;
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
