//! The setup wizard's binding tables, one per step (the "Create this app for me" tables are in
//! `create_app.rs`).

use crossterm::event::KeyCode;

use super::tables::{MOVE, QUIT_CTRL_C, QUIT_CTRL_C_SHOWN, WIZARD_QUIT};
use super::{Binding, b, ch, ctrl, key};
use crate::tui::action::Cmd;

pub(super) const WIZARD_FLOW: &[Binding] = &[
    MOVE[0],
    MOVE[1],
    b(&[key(KeyCode::Enter)], "Enter", "choose", Cmd::Next, true),
    b(&[key(KeyCode::Esc)], "Esc", "cancel", Cmd::Back, true),
    b(&[ch('?')], "?", "help", Cmd::Help, true),
    WIZARD_QUIT,
    QUIT_CTRL_C,
];

pub(super) const WIZARD_FORM: &[Binding] = &[
    // Enter first: on a narrow footer, moving on matters more than moving between fields.
    b(
        &[key(KeyCode::Enter)],
        "Enter",
        "next step",
        Cmd::Next,
        true,
    )
    .short("next"),
    b(
        &[key(KeyCode::Tab), key(KeyCode::Down)],
        "Tab/↓",
        "next field",
        Cmd::NextField,
        true,
    )
    .short("field"),
    b(
        &[key(KeyCode::BackTab), key(KeyCode::Up)],
        "Shift-Tab/↑",
        "previous field",
        Cmd::PrevField,
        true,
    )
    .short("back a field"),
    b(&[key(KeyCode::Esc)], "Esc", "back", Cmd::Back, true),
    b(
        &[ctrl('u')],
        "Ctrl-U",
        "clear the field",
        Cmd::ClearField,
        false,
    ),
    b(&[key(KeyCode::F(1))], "F1", "help", Cmd::Help, true),
    QUIT_CTRL_C_SHOWN,
];

pub(super) const WIZARD_KEYGEN: Binding = b(
    &[ctrl('g')],
    "Ctrl-G",
    "generate a key pair",
    Cmd::GenerateKey,
    true,
);

// A stored secret the flow needs: Ctrl-D says why it stays rather than doing nothing.
pub(super) const WIZARD_FORGET_REQUIRED: Binding = b(
    &[ctrl('d')],
    "Ctrl-D",
    "remove the stored secret (not one the flow needs)",
    Cmd::ForgetSecret,
    false,
);

pub(super) const WIZARD_FORGET: Binding = b(
    &[ctrl('d')],
    "Ctrl-D",
    "remove the stored secret",
    Cmd::ForgetSecret,
    true,
);

pub(super) const WIZARD_CHECKLIST: &[Binding] = &[
    MOVE[0],
    MOVE[1],
    b(
        &[ch(' '), ch('x')],
        "Space",
        "mark done",
        Cmd::ToggleDone,
        true,
    )
    .short("done"),
    // Enter before `o`: on a narrow footer, moving on matters more (the body names `o` too).
    b(
        &[key(KeyCode::Enter)],
        "Enter",
        "next step",
        Cmd::Next,
        true,
    )
    .short("next"),
    b(&[ch('o')], "o", "open Setup page", Cmd::OpenSetup, true).short("Setup page"),
    b(&[key(KeyCode::Esc)], "Esc", "back", Cmd::Back, true),
    b(&[ch('?')], "?", "help", Cmd::Help, true),
    WIZARD_QUIT,
    QUIT_CTRL_C,
];

pub(super) const WIZARD_REVIEW: &[Binding] = &[
    b(
        &[key(KeyCode::Enter)],
        "Enter",
        "save and connect",
        Cmd::Next,
        true,
    ),
    b(&[key(KeyCode::Esc)], "Esc", "back", Cmd::Back, true),
    b(&[ch('?')], "?", "help", Cmd::Help, true),
    WIZARD_QUIT,
    QUIT_CTRL_C,
];

pub(super) const SCROLL: [Binding; 2] = [
    b(
        &[key(KeyCode::Up), ch('k')],
        "↑/k",
        "scroll up",
        Cmd::Up,
        false,
    ),
    b(
        &[key(KeyCode::Down), ch('j')],
        "↓/j",
        "scroll down",
        Cmd::Down,
        false,
    ),
];

pub(super) const WIZARD_CONNECT_RUNNING: &[Binding] = &[
    SCROLL[0],
    SCROLL[1],
    b(
        &[key(KeyCode::Esc)],
        "Esc",
        "back to the list (the run goes on)",
        Cmd::Back,
        true,
    )
    .short("back"),
    b(&[ch('?')], "?", "help", Cmd::Help, true),
    WIZARD_QUIT,
    QUIT_CTRL_C,
];

pub(super) const WIZARD_CONNECT_DONE: &[Binding] = &[
    SCROLL[0],
    SCROLL[1],
    b(&[key(KeyCode::Enter)], "Enter", "done", Cmd::Next, true),
    b(
        &[key(KeyCode::Esc)],
        "Esc",
        "back to the list",
        Cmd::Back,
        false,
    ),
    b(&[ch('?')], "?", "help", Cmd::Help, true),
    WIZARD_QUIT,
    QUIT_CTRL_C,
];

pub(super) const WIZARD_CONNECT_FAILED: &[Binding] = &[
    SCROLL[0],
    SCROLL[1],
    b(&[ch('f')], "f", "fix the field", Cmd::Fix, true),
    b(&[ch('r')], "r", "retry", Cmd::Retry, true),
    b(
        &[key(KeyCode::Esc)],
        "Esc",
        "back to the list",
        Cmd::Back,
        true,
    )
    .short("back"),
    b(&[ch('?')], "?", "help", Cmd::Help, true),
    WIZARD_QUIT,
    QUIT_CTRL_C,
];

// A broken profiles.toml: there is no field to go back to, only the file to fix and `r`.
pub(super) const WIZARD_CONNECT_FAILED_NO_FIX: &[Binding] = &[
    SCROLL[0],
    SCROLL[1],
    b(&[ch('r')], "r", "retry", Cmd::Retry, true),
    b(
        &[key(KeyCode::Esc)],
        "Esc",
        "back to the list",
        Cmd::Back,
        true,
    )
    .short("back"),
    b(&[ch('?')], "?", "help", Cmd::Help, true),
    WIZARD_QUIT,
    QUIT_CTRL_C,
];
