//! Key bindings per screen. The same tables turn keys into actions, build the footer and fill
//! the help overlay, so what the footer says is what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use self::tables::*;
use self::wizard_tables::*;
use super::action::{Action, Cmd};
use super::app::{App, Mode};
use super::wizard::create_app::AppStage;

mod create_app;
mod tables;
mod wizard_tables;

/// One key (a key code, with or without Ctrl).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn key(code: KeyCode) -> KeySpec {
    KeySpec { code, ctrl: false }
}

const fn ch(c: char) -> KeySpec {
    key(KeyCode::Char(c))
}

const fn ctrl(c: char) -> KeySpec {
    KeySpec {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

/// A key binding: which keys, how the help names them, what they do, and whether the footer shows it.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [KeySpec],
    pub label: &'static str,
    pub desc: &'static str,
    pub cmd: Cmd,
    pub footer: bool,
    /// What a narrow footer says instead of `desc`.
    pub short: Option<&'static str>,
}

impl Binding {
    const fn short(mut self, short: &'static str) -> Binding {
        self.short = Some(short);
        self
    }

    /// Help and the way out (back, close, quit): a footer always shows them.
    pub fn essential(&self) -> bool {
        matches!(
            self.cmd,
            Cmd::Help | Cmd::Quit | Cmd::QuitAsk | Cmd::Back | Cmd::CancelLogin
        )
    }
}

const fn b(
    keys: &'static [KeySpec],
    label: &'static str,
    desc: &'static str,
    cmd: Cmd,
    footer: bool,
) -> Binding {
    Binding {
        keys,
        label,
        desc,
        cmd,
        footer,
        short: None,
    }
}

/// The bindings active in the current mode, in help order.
pub fn bindings(app: &App) -> Vec<Binding> {
    during_login(app, app.mode(), bindings_for(app.mode()))
}

/// While the connection keys act on waits on a login, `t` and `l` are off for it (a test would
/// replace the code on screen, a login start another) and Esc/x cancel the login.
fn during_login(app: &App, mode: Mode, mut out: Vec<Binding>) -> Vec<Binding> {
    if !matches!(mode, Mode::List | Mode::Detail) || !app.target_logging_in() {
        return out;
    }
    let at = out
        .iter()
        .position(|b| b.cmd == Cmd::Test)
        .unwrap_or(out.len());
    out.retain(|b| !matches!(b.cmd, Cmd::Test | Cmd::Login));
    if mode == Mode::Detail {
        // Esc cancels the login here; once it has ended Esc goes back to the list again.
        out.retain(|b| b.cmd != Cmd::Back);
        out.insert(at.min(out.len()), CANCEL_LOGIN_DETAIL);
    } else {
        out.insert(at.min(out.len()), CANCEL_LOGIN_LIST);
    }
    out
}

/// The bindings of a mode, in help order.
pub fn bindings_for(mode: Mode) -> Vec<Binding> {
    let table: &[Binding] = match mode {
        Mode::List => LIST,
        Mode::Filter => FILTER,
        Mode::Detail => DETAIL,
        Mode::Help => HELP,
        Mode::ConfirmQuit => CONFIRM_QUIT,
        Mode::ConfirmYesNo { revoke: false } => CONFIRM_YES_NO,
        Mode::ConfirmTyped { revoke: false } => CONFIRM_TYPED,
        Mode::ConfirmYesNo { revoke: true } => CONFIRM_REVOKE_YES_NO,
        Mode::ConfirmTyped { revoke: true } => CONFIRM_REVOKE_TYPED,
        Mode::WizardFlow => WIZARD_FLOW,
        Mode::WizardForm { .. } => WIZARD_FORM,
        Mode::WizardChecklist { .. } => WIZARD_CHECKLIST,
        Mode::WizardApp(stage) => create_app::table(stage),
        Mode::WizardReview => WIZARD_REVIEW,
        Mode::WizardRunning => WIZARD_CONNECT_RUNNING,
        Mode::WizardConnected => WIZARD_CONNECT_DONE,
        Mode::WizardFailed { fix: true } => WIZARD_CONNECT_FAILED,
        Mode::WizardFailed { fix: false } => WIZARD_CONNECT_FAILED_NO_FIX,
    };
    let mut out = table.to_vec();
    if let Mode::WizardChecklist { create: true } = mode {
        out.insert(4, create_app::WIZARD_CREATE_APP);
    }
    if let Mode::WizardForm {
        keygen,
        forget,
        needed,
    } = mode
    {
        if needed {
            out.insert(1, WIZARD_FORGET_REQUIRED);
        }
        if keygen {
            out.insert(1, WIZARD_KEYGEN);
        }
        if forget {
            out.insert(1, WIZARD_FORGET);
        }
    }
    out
}

/// The bindings of the screen under the help overlay (what the overlay lists).
pub fn bindings_under_help(app: &App) -> Vec<Binding> {
    during_login(app, app.base_mode(), bindings_for(app.base_mode()))
}

/// Whether keys not bound in this mode are typed into a text input.
fn types_text(mode: Mode) -> bool {
    matches!(
        mode,
        Mode::Filter
            | Mode::ConfirmTyped { .. }
            | Mode::WizardForm { .. }
            | Mode::WizardApp(AppStage::Choices)
    )
}

fn matches(spec: &KeySpec, key: &KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if spec.ctrl != ctrl {
        return false;
    }
    match (spec.code, key.code) {
        // Terminals report Shift+letter as the upper-case letter, sometimes with SHIFT set.
        (KeyCode::Char(a), KeyCode::Char(b)) => a == b,
        (a, b) => a == b,
    }
}

/// Turn a key press into an action for the current screen.
pub fn action_for_key(app: &App, key: KeyEvent) -> Option<Action> {
    let mode = app.mode();
    for binding in bindings(app) {
        if binding.keys.iter().any(|spec| matches(spec, &key)) {
            return Some(Action::Cmd(binding.cmd));
        }
    }
    if types_text(mode) {
        return Some(Action::Input(key));
    }
    None
}

/// The footer's bindings, in order.
pub fn footer_bindings(app: &App) -> Vec<Binding> {
    bindings(app).into_iter().filter(|b| b.footer).collect()
}

/// `(key label, description)` pairs for the footer (when it has room for them all).
pub fn footer(app: &App) -> Vec<(&'static str, &'static str)> {
    footer_bindings(app)
        .into_iter()
        .map(|b| (b.label, b.desc))
        .collect()
}
