//! The state of "Create this app for me" (issue 11): the stage, the admins to pick from, the
//! app's choices, and the deploy's progress as the engine's events describe it.

use std::time::Duration;

use ratatui_textarea::TextArea;

use crate::eca::deploy::{AppChoices, DeployEvent};
use crate::profile::Connection;
use crate::salesforce::TestReport;
use crate::tui::action::AppFailure;

/// Where "Create this app for me" stands (the keys differ per stage).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppStage {
    Pick,
    Choices,
    Review,
    Running,
    Done,
    Failed,
}

/// A saved connection that may deploy the app, and the request timeout it runs with.
#[derive(Debug, Clone)]
pub struct AdminChoice {
    pub conn: Connection,
    pub timeout: Duration,
}

/// One line of the deploy's progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgressLine {
    /// A step begun: ✓ once a later step is done, ✗ when the deploy fails before that.
    Started(String),
    /// Something done (✓).
    Done(String),
    /// The deploy's state, replaced as it changes.
    Status(String),
    /// Waiting for the new consumer key to work, replaced at each try; the countdown runs on
    /// the TUI's clock from `at`, when the try failed.
    Waiting {
        /// Salesforce's `error: error_description`.
        reason: String,
        seconds_left: u64,
        next_try_secs: u64,
        at: time::OffsetDateTime,
    },
    Warning(String),
}

/// A text input of the choices stage.
#[derive(Debug, Clone)]
pub struct ChoiceInput {
    pub key: ChoiceKey,
    pub input: TextArea<'static>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChoiceKey {
    /// jwt: the user the connection acts as (the JWT subject).
    Username,
    /// jwt: whose users the app pre-authorizes.
    PermissionSet,
    /// client credentials: the user every token runs as.
    RunAs,
}

impl ChoiceKey {
    pub fn label(self) -> &'static str {
        match self {
            ChoiceKey::Username => "Username",
            ChoiceKey::PermissionSet => "Permission set",
            ChoiceKey::RunAs => "Run As user",
        }
    }

    pub fn help(self) -> &'static str {
        match self {
            ChoiceKey::Username => {
                "The Salesforce user the connection acts as (the JWT subject), e.g. integration@acme.com."
            }
            ChoiceKey::PermissionSet => {
                "The API name of a permission set assigned to that user: the app pre-authorizes its users (a JWT login cannot ask them to approve)."
            }
            ChoiceKey::RunAs => {
                "Every token of the app runs as this user: an API-only integration user of the org, e.g. integration@acme.com."
            }
        }
    }
}

/// The state of "Create this app for me".
#[derive(Debug, Clone)]
pub struct CreateApp {
    pub stage: AppStage,
    /// The other saved connections, by name.
    pub admins: Vec<AdminChoice>,
    pub cursor: usize,
    pub inputs: Vec<ChoiceInput>,
    pub focus: usize,
    /// What the choices stage found wrong.
    pub error: Option<String>,
    /// The app as planned (`AppSpec::review`), shown before the deploy.
    pub review: String,
    /// The connection the app is for, as the wizard had it when the deploy was asked for.
    pub conn: Option<Connection>,
    pub conn_timeout: Duration,
    /// This deploy's tag: a result with another one belongs to an earlier attempt.
    pub generation: u64,
    pub progress: Vec<ProgressLine>,
    /// Rows the progress and the failure are scrolled by (↑↓/jk).
    pub scroll: u16,
    pub report: Option<Box<TestReport>>,
    pub failure: Option<AppFailure>,
}

pub(super) fn input(value: &str, placeholder: &str) -> TextArea<'static> {
    let mut input = TextArea::new(vec![value.to_string()]);
    input.move_cursor(ratatui_textarea::CursorMove::End);
    input.set_placeholder_text(placeholder);
    input
}

impl ProgressLine {
    /// The line's words at `now` (a wait counts down).
    pub fn text(&self, now: time::OffsetDateTime) -> String {
        match self {
            ProgressLine::Started(t)
            | ProgressLine::Done(t)
            | ProgressLine::Status(t)
            | ProgressLine::Warning(t) => t.clone(),
            ProgressLine::Waiting {
                reason,
                seconds_left,
                next_try_secs,
                at,
            } => {
                let gone = u64::try_from((now - *at).whole_seconds()).unwrap_or(0);
                let left = seconds_left.saturating_sub(gone);
                let next = next_try_secs.saturating_sub(gone);
                format!(
                    "Waiting for Salesforce to make the new consumer key known ({reason}); next try in {next} s, {}:{:02} left",
                    left / 60,
                    left % 60
                )
            }
        }
    }
}

impl CreateApp {
    /// Take `last`'s admin (by name: the list is read again) and what was typed in its choices.
    pub(super) fn remember(&mut self, last: &CreateApp) {
        if let Some(name) = last.selected_admin().map(|a| a.conn.name.as_str())
            && let Some(i) = self.admins.iter().position(|a| a.conn.name == name)
        {
            self.cursor = i;
        }
        for choice in &mut self.inputs {
            if let Some(value) = last.value(choice.key) {
                let placeholder = choice.input.placeholder_text().to_string();
                choice.input = input(&value, &placeholder);
            }
        }
    }

    pub fn selected_admin(&self) -> Option<&AdminChoice> {
        self.admins.get(self.cursor)
    }

    pub(super) fn value(&self, key: ChoiceKey) -> Option<String> {
        self.inputs
            .iter()
            .find(|i| i.key == key)
            .and_then(|i| i.input.lines().first())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    pub(super) fn choices(&self) -> AppChoices {
        AppChoices {
            permission_set: self.value(ChoiceKey::PermissionSet),
            run_as: self.value(ChoiceKey::RunAs),
        }
    }

    /// Apply one event of the deploy, received at `now`.
    pub fn apply(&mut self, event: DeployEvent, now: time::OffsetDateTime) {
        let line = match event {
            DeployEvent::Deploying {
                app_name,
                admin,
                instance_url,
            } => ProgressLine::Started(format!(
                "Deploying {app_name} with {admin} to {instance_url}"
            )),
            DeployEvent::Status {
                status,
                deployed,
                total,
                detail,
            } => ProgressLine::Status(format!(
                "{status} {deployed}/{total} components{}",
                detail.map(|d| format!(" ({d})")).unwrap_or_default()
            )),
            DeployEvent::Deployed {
                status,
                deployed,
                total,
            } => ProgressLine::Done(format!(
                "Deployed: {status} ({deployed}/{total} components)"
            )),
            DeployEvent::Saved { conn, with_secret } => ProgressLine::Done(format!(
                "Saved {} with the app's consumer key{}",
                conn.name,
                if with_secret {
                    " and secret (in the secret store)"
                } else {
                    ""
                }
            )),
            DeployEvent::Testing {
                seconds_left,
                next_try_secs,
                code,
                description,
                ..
            } => ProgressLine::Waiting {
                reason: format!("{code}: {description}"),
                seconds_left,
                next_try_secs,
                at: now,
            },
            DeployEvent::Passed(report) => {
                let line = ProgressLine::Done(crate::eca::deploy::passed_text(&report));
                self.report = Some(report);
                line
            }
            DeployEvent::NeedsLogin { name } => ProgressLine::Done(format!(
                "The app is ready; {name} signs in interactively, so Connect proves it with a login"
            )),
            DeployEvent::Warning(w) => ProgressLine::Warning(w),
        };
        // A status or a wait replaces the one before it: one line that changes in place.
        let replaces = matches!(
            (self.progress.last(), &line),
            (Some(ProgressLine::Status(_)), ProgressLine::Status(_))
                | (
                    Some(ProgressLine::Waiting { .. }),
                    ProgressLine::Waiting { .. } | ProgressLine::Done(_)
                )
        );
        if replaces {
            self.progress.pop();
        }
        self.progress.push(line);
    }
}
