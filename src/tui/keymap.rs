//! Key bindings per screen. The same tables turn keys into actions, build the footer and fill
//! the help overlay, so what the footer says is what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::{Action, Cmd};
use super::app::{App, Mode};
use super::wizard::create_app::AppStage;

mod create_app;

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
    }
}

const QUIT_CTRL_C: Binding = b(&[ctrl('c')], "Ctrl-C", "quit sfconn", Cmd::Quit, false);
// Keys the list and the detail view share (same key, same words in footer and help).
const TEST: Binding = b(&[ch('t')], "t", "test", Cmd::Test, true);
const LOGIN: Binding = b(&[ch('l')], "l", "login", Cmd::Login, true);
const EDIT: Binding = b(&[ch('e')], "e", "edit", Cmd::Edit, true);
const SET_DEFAULT: Binding = b(&[ch('u')], "u", "use as default", Cmd::SetDefault, true);
const DELETE: Binding = b(&[ch('d')], "d", "delete", Cmd::Delete, true);
// In help only: the footer at 80 columns has no room, and revoking is rare.
const REVOKE: Binding = b(&[ch('R')], "R", "revoke the tokens", Cmd::Revoke, false);
const QUIT: Binding = b(&[ch('q')], "q", "quit", Cmd::Quit, true);
// Where keys type text, `q` is a letter: the footer names Ctrl-C instead, so a way out is
// always on screen.
const QUIT_CTRL_C_SHOWN: Binding = b(&[ctrl('c')], "Ctrl-C", "quit", Cmd::Quit, true);
const MOVE: [Binding; 4] = [
    b(
        &[key(KeyCode::Up), ch('k')],
        "↑/k",
        "move up",
        Cmd::Up,
        false,
    ),
    b(
        &[key(KeyCode::Down), ch('j')],
        "↓/j",
        "move down",
        Cmd::Down,
        false,
    ),
    b(
        &[key(KeyCode::Home), ch('g')],
        "Home/g",
        "first",
        Cmd::Top,
        false,
    ),
    b(
        &[key(KeyCode::End), ch('G')],
        "End/G",
        "last",
        Cmd::Bottom,
        false,
    ),
];

const LIST: &[Binding] = &[
    MOVE[0],
    MOVE[1],
    MOVE[2],
    MOVE[3],
    b(
        &[key(KeyCode::PageUp)],
        "PgUp",
        "page up",
        Cmd::PageUp,
        false,
    ),
    b(
        &[key(KeyCode::PageDown)],
        "PgDn",
        "page down",
        Cmd::PageDown,
        false,
    ),
    b(
        &[key(KeyCode::Enter)],
        "Enter",
        "details",
        Cmd::Details,
        true,
    ),
    TEST,
    b(&[ch('T')], "T", "test all shown", Cmd::TestAll, true),
    LOGIN,
    b(&[ch('n')], "n", "new", Cmd::New, true),
    EDIT,
    SET_DEFAULT,
    DELETE,
    REVOKE,
    b(&[ch('/')], "/", "filter", Cmd::Filter, true),
    b(
        &[key(KeyCode::Esc)],
        "Esc",
        "clear the filter",
        Cmd::Back,
        false,
    ),
    b(&[ch('?')], "?", "help", Cmd::Help, true),
    QUIT,
    QUIT_CTRL_C,
];

const FILTER: &[Binding] = &[
    b(
        &[key(KeyCode::Enter)],
        "Enter",
        "keep the filter",
        Cmd::Accept,
        true,
    ),
    b(
        &[key(KeyCode::Esc)],
        "Esc",
        "clear the filter",
        Cmd::Back,
        true,
    ),
    b(&[key(KeyCode::Up)], "↑", "move up", Cmd::Up, false),
    b(&[key(KeyCode::Down)], "↓", "move down", Cmd::Down, false),
    QUIT_CTRL_C_SHOWN,
];

const DETAIL: &[Binding] = &[
    b(
        &[key(KeyCode::Up), ch('k')],
        "↑/k",
        "scroll the test result up",
        Cmd::Up,
        false,
    ),
    b(
        &[key(KeyCode::Down), ch('j')],
        "↓/j",
        "scroll the test result down",
        Cmd::Down,
        false,
    ),
    TEST,
    LOGIN,
    EDIT,
    SET_DEFAULT,
    DELETE,
    REVOKE,
    b(
        &[key(KeyCode::Esc)],
        "Esc",
        "back to the list",
        Cmd::Back,
        true,
    ),
    b(&[ch('?')], "?", "help", Cmd::Help, true),
    QUIT,
    QUIT_CTRL_C,
];

const HELP: &[Binding] = &[
    b(&[key(KeyCode::Esc)], "Esc", "close help", Cmd::Back, true),
    b(
        &[ch('?'), key(KeyCode::F(1))],
        "?",
        "close help",
        Cmd::Help,
        false,
    ),
    QUIT,
    QUIT_CTRL_C,
];

const CONFIRM_YES_NO: &[Binding] = &[
    b(&[ch('y')], "y", "delete", Cmd::Accept, true),
    b(
        &[ch('n'), key(KeyCode::Esc)],
        "n/Esc",
        "keep it",
        Cmd::Decline,
        true,
    ),
    QUIT_CTRL_C_SHOWN,
];

const CONFIRM_REVOKE_YES_NO: &[Binding] = &[
    b(&[ch('y')], "y", "revoke", Cmd::Accept, true),
    b(
        &[ch('n'), key(KeyCode::Esc)],
        "n/Esc",
        "keep them",
        Cmd::Decline,
        true,
    ),
    QUIT_CTRL_C_SHOWN,
];

const CONFIRM_REVOKE_TYPED: &[Binding] = &[
    b(&[key(KeyCode::Enter)], "Enter", "revoke", Cmd::Accept, true),
    b(&[key(KeyCode::Esc)], "Esc", "keep them", Cmd::Decline, true),
    QUIT_CTRL_C_SHOWN,
];

const CONFIRM_TYPED: &[Binding] = &[
    b(&[key(KeyCode::Enter)], "Enter", "delete", Cmd::Accept, true),
    b(&[key(KeyCode::Esc)], "Esc", "keep it", Cmd::Decline, true),
    QUIT_CTRL_C_SHOWN,
];

const WIZARD_FLOW: &[Binding] = &[
    MOVE[0],
    MOVE[1],
    b(&[key(KeyCode::Enter)], "Enter", "choose", Cmd::Next, true),
    b(&[key(KeyCode::Esc)], "Esc", "cancel", Cmd::Back, true),
    b(&[ch('?')], "?", "help", Cmd::Help, true),
    QUIT,
    QUIT_CTRL_C,
];

const WIZARD_FORM: &[Binding] = &[
    // Enter first: on a narrow footer, moving on matters more than moving between fields.
    b(
        &[key(KeyCode::Enter)],
        "Enter",
        "next step",
        Cmd::Next,
        true,
    ),
    b(
        &[key(KeyCode::Tab), key(KeyCode::Down)],
        "Tab/↓",
        "next field",
        Cmd::NextField,
        true,
    ),
    b(
        &[key(KeyCode::BackTab), key(KeyCode::Up)],
        "Shift-Tab/↑",
        "previous field",
        Cmd::PrevField,
        true,
    ),
    b(&[key(KeyCode::Esc)], "Esc", "back", Cmd::Back, true),
    b(&[key(KeyCode::F(1))], "F1", "help", Cmd::Help, true),
    QUIT_CTRL_C_SHOWN,
];

const WIZARD_KEYGEN: Binding = b(
    &[ctrl('g')],
    "Ctrl-G",
    "generate a key pair",
    Cmd::GenerateKey,
    true,
);

const WIZARD_FORGET: Binding = b(
    &[ctrl('d')],
    "Ctrl-D",
    "remove the stored secret",
    Cmd::ForgetSecret,
    true,
);

const WIZARD_CHECKLIST: &[Binding] = &[
    MOVE[0],
    MOVE[1],
    b(
        &[ch(' '), ch('x')],
        "Space",
        "mark done",
        Cmd::ToggleDone,
        true,
    ),
    // Enter before `o`: on a narrow footer, moving on matters more (the body names `o` too).
    b(
        &[key(KeyCode::Enter)],
        "Enter",
        "next step",
        Cmd::Next,
        true,
    ),
    b(&[ch('o')], "o", "open Setup page", Cmd::OpenSetup, true),
    b(&[key(KeyCode::Esc)], "Esc", "back", Cmd::Back, true),
    b(&[ch('?')], "?", "help", Cmd::Help, true),
    QUIT,
    QUIT_CTRL_C,
];

const WIZARD_REVIEW: &[Binding] = &[
    b(
        &[key(KeyCode::Enter)],
        "Enter",
        "save and connect",
        Cmd::Next,
        true,
    ),
    b(&[key(KeyCode::Esc)], "Esc", "back", Cmd::Back, true),
    b(&[ch('?')], "?", "help", Cmd::Help, true),
    QUIT,
    QUIT_CTRL_C,
];

const WIZARD_CONNECT_RUNNING: &[Binding] = &[
    b(
        &[key(KeyCode::Esc)],
        "Esc",
        "back to the list (the run goes on)",
        Cmd::Back,
        true,
    ),
    b(&[ch('?')], "?", "help", Cmd::Help, true),
    QUIT,
    QUIT_CTRL_C,
];

const WIZARD_CONNECT_DONE: &[Binding] = &[
    b(&[key(KeyCode::Enter)], "Enter", "done", Cmd::Next, true),
    b(
        &[key(KeyCode::Esc)],
        "Esc",
        "back to the list",
        Cmd::Back,
        false,
    ),
    b(&[ch('?')], "?", "help", Cmd::Help, true),
    QUIT,
    QUIT_CTRL_C,
];

const WIZARD_CONNECT_FAILED: &[Binding] = &[
    b(&[ch('f')], "f", "fix the field", Cmd::Fix, true),
    b(&[ch('r')], "r", "retry", Cmd::Retry, true),
    b(
        &[key(KeyCode::Esc)],
        "Esc",
        "back to the list",
        Cmd::Back,
        true,
    ),
    b(&[ch('?')], "?", "help", Cmd::Help, true),
    QUIT,
    QUIT_CTRL_C,
];

/// The bindings active in the current mode, in help order.
pub fn bindings(app: &App) -> Vec<Binding> {
    bindings_for(app.mode())
}

/// The bindings of a mode, in help order.
pub fn bindings_for(mode: Mode) -> Vec<Binding> {
    let table: &[Binding] = match mode {
        Mode::List => LIST,
        Mode::Filter => FILTER,
        Mode::Detail => DETAIL,
        Mode::Help => HELP,
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
        Mode::WizardFailed => WIZARD_CONNECT_FAILED,
    };
    let mut out = table.to_vec();
    if let Mode::WizardChecklist { create: true } = mode {
        out.insert(4, create_app::WIZARD_CREATE_APP);
    }
    if let Mode::WizardForm { keygen, forget } = mode {
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
    bindings_for(app.base_mode())
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

/// `(key label, description)` pairs for the footer.
pub fn footer(app: &App) -> Vec<(&'static str, &'static str)> {
    bindings(app)
        .into_iter()
        .filter(|b| b.footer)
        .map(|b| (b.label, b.desc))
        .collect()
}
