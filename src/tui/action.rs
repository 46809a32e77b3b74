//! What can happen to the TUI: commands bound to keys, typed text, and results of background work.

use crate::salesforce::LoginEvent;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::KeyEvent;

use crate::profile::Connection;
use crate::salesforce::{StepReport, TestReport};
use crate::secrets::SecretKind;

/// A command a key can be bound to. The binding tables (keymap.rs) map keys to these, and the
/// footer and help overlay are generated from the same tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Quit,
    /// `q` in a wizard: quit, but ask first while what was typed is not saved yet.
    QuitAsk,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Details,
    Back,
    New,
    Edit,
    Test,
    TestAll,
    Login,
    SetDefault,
    Delete,
    Filter,
    Help,
    /// Accept the filter / confirm a dialog.
    Accept,
    /// Answer "no" in a dialog.
    Decline,
    NextField,
    PrevField,
    /// Wizard: go on to the next step.
    Next,
    /// Wizard checklist: mark the step done / not done.
    ToggleDone,
    /// Wizard: open the Salesforce Setup page of the current step.
    OpenSetup,
    /// Wizard (jwt): make a key pair and a certificate in place.
    GenerateKey,
    /// Wizard connect: jump back to the field the failure points at.
    Fix,
    /// Wizard connect: run the connection again.
    Retry,
    /// Revoke the selected connection's tokens at Salesforce (confirmed first).
    Revoke,
    /// Wizard: empty the focused field (a prefilled value to retype).
    ClearField,
    /// Wizard (edit): remove the focused optional secret from the store on save, or keep it.
    ForgetSecret,
    /// Wizard checklist: create the External Client App with an admin's connection (issue 11).
    CreateApp,
    /// Stop the login the connection is waiting on (nothing is stored).
    CancelLogin,
}

/// Everything `update` reacts to.
#[derive(Debug, Clone)]
pub enum Action {
    Cmd(Cmd),
    /// A key typed into the focused text input (filter, confirmation, wizard field).
    Input(KeyEvent),
    /// Text pasted into the focused text input (bracketed paste: one action, not a key each).
    Paste(String),
    /// Timer tick: advances spinners and relative times.
    Tick {
        now: time::OffsetDateTime,
    },
    /// The terminal's size, at start and whenever it changes (scrolling stops at the end of
    /// what fits).
    Resize {
        width: u16,
        height: u16,
    },
    /// A background task reported.
    Task(TaskMsg),
}

/// A secret value on its way to the secret store; never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(pub String);

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue([REDACTED])")
    }
}

/// What a save changed besides the settings, to tell the user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SaveNote {
    /// Tokens deleted because the new settings make them stale.
    pub dropped: Vec<SecretKind>,
    /// The command that gets the connection working again (`sfconn login NAME`).
    pub next_step: Option<String>,
    /// Secrets an interrupted save had left under the name, now removed.
    pub orphans_removed: Vec<SecretKind>,
    /// The first connection: it became the default.
    pub made_default: bool,
}

/// Why a save did nothing, and which settings (profile-file keys) were wrong, so the wizard
/// can go straight to the field to fix.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SaveError {
    pub message: String,
    pub fields: Vec<String>,
}

impl From<String> for SaveError {
    fn from(message: String) -> SaveError {
        SaveError {
            message,
            fields: Vec::new(),
        }
    }
}

impl From<&str> for SaveError {
    fn from(message: &str) -> SaveError {
        SaveError::from(message.to_string())
    }
}

impl std::fmt::Display for SaveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Which engine call a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    Test,
    Login,
}

/// Background work `update` asks for. The task spawner (tasks.rs) is the only place that runs it.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Stop the login of `name` started under `generation` (its wait ends, nothing is stored).
    CancelLogin {
        name: String,
        generation: u64,
    },
    /// Test one connection; results come back tagged with `name` and `generation`.
    Run {
        kind: RunKind,
        conn: Box<Connection>,
        generation: u64,
        /// Per-request timeout (`--timeout`, the connection's own, the file's, 10 s).
        timeout: std::time::Duration,
        /// Whether a test may reuse the cached token (a login always runs the flow).
        policy: crate::salesforce::TokenPolicy,
    },
    /// Save a connection (and its secrets), replacing `replaces` when it was renamed or edited.
    Save {
        conn: Box<Connection>,
        secrets: Vec<(SecretKind, SecretValue)>,
        /// Optional secrets to remove from the store (the wizard's Ctrl-D).
        clear: Vec<SecretKind>,
        replaces: Option<String>,
    },
    Delete {
        name: String,
    },
    /// Revoke the stored tokens at Salesforce and forget them.
    Revoke {
        conn: Box<Connection>,
        timeout: Duration,
    },
    SetDefault {
        name: String,
    },
    /// Which secret kinds are stored for a connection (detail view).
    LoadSecretKinds {
        name: String,
    },
    OpenUrl {
        url: String,
    },
    /// The wizard's `o`: a Salesforce Setup page, with its name and steps for the demo's
    /// stand-in page (the practice org has no Setup).
    OpenSetup {
        url: String,
        title: String,
        detail: Vec<String>,
    },
    /// Make `keys/NAME.key` + `keys/NAME.crt` for the jwt wizard.
    GenerateKey {
        name: String,
    },
    /// The wizard's "Create this app for me": deploy, save, prove (crate::eca::deploy).
    CreateApp(Box<CreateAppRequest>),
}

/// What the wizard's "Create this app for me" deploys, with whom; results come back tagged with
/// `generation`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateAppRequest {
    pub admin: Connection,
    pub admin_timeout: Duration,
    /// The connection the app is for, as the wizard has it so far.
    pub conn: Connection,
    pub choices: crate::eca::deploy::AppChoices,
    /// The connection exists already (the wizard edits it): it is edited, not added.
    pub saved: bool,
    pub conn_timeout: Duration,
    pub generation: u64,
}

/// Why "Create this app for me" did not end in a working connection, for the wizard to show.
#[derive(Debug, Clone, PartialEq)]
pub struct AppFailure {
    pub message: String,
    /// Each component failure word for word, with the catalog entry that explains it.
    pub failures: Vec<crate::eca::deploy::ExplainedFailure>,
    /// Hint ids for the failure as a whole (a refusal, the propagation timeout).
    pub hints: Vec<String>,
}

/// A background task's report; tagged with the connection name (and generation for runs).
#[derive(Debug, Clone)]
pub enum TaskMsg {
    StepDone {
        name: String,
        generation: u64,
        step: StepReport,
    },
    Login {
        name: String,
        generation: u64,
        note: LoginEvent,
    },
    /// The run got a slot and is now talking to Salesforce.
    Started { name: String, generation: u64 },
    RunDone {
        name: String,
        generation: u64,
        report: Box<TestReport>,
        /// RFC 3339 time the run finished.
        at: String,
    },
    Saved {
        conn: Box<Connection>,
        replaces: Option<String>,
        result: Result<SaveNote, SaveError>,
    },
    /// profiles.toml or the state file changed on disk and was read again; a profile file
    /// that no longer parses is its file:line:column message.
    FilesChanged {
        profiles: Result<Box<crate::profile::Profiles>, String>,
        state: Box<crate::state::State>,
    },
    /// What a revoke did, in words (or why it failed).
    Revoked {
        name: String,
        result: Result<String, String>,
    },
    Deleted {
        name: String,
        result: Result<(), String>,
    },
    DefaultSet {
        name: String,
        result: Result<(), String>,
    },
    SecretKinds {
        name: String,
        kinds: Result<Vec<SecretKind>, String>,
    },
    Opened {
        url: String,
        result: Result<(), String>,
    },
    KeyGenerated {
        name: String,
        result: Result<(PathBuf, PathBuf), String>,
    },
    /// Progress of "Create this app for me".
    AppDeploy {
        generation: u64,
        event: crate::eca::deploy::DeployEvent,
    },
    /// "Create this app for me" ended: the saved connection, or why not.
    AppDeployed {
        generation: u64,
        name: String,
        result: Result<Box<Connection>, AppFailure>,
    },
}
