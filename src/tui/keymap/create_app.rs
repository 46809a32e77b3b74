//! The keys of the wizard's "Create this app for me" (issue 11), per stage.

use crossterm::event::KeyCode;

use super::{Binding, MOVE, QUIT_CTRL_C, QUIT_CTRL_C_SHOWN, SCROLL, WIZARD_QUIT, b, ch, key};
use crate::tui::action::Cmd;
use crate::tui::wizard::create_app::AppStage;

// After "mark done" and Enter: at 80 columns the footer keeps all three.
pub(super) const WIZARD_CREATE_APP: Binding =
    b(&[ch('c')], "c", "create the app", Cmd::CreateApp, true);

const PICK: &[Binding] = &[
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
        "deploy with this admin",
        Cmd::Next,
        true,
    )
    .short("deploy"),
    b(
        &[key(KeyCode::Esc)],
        "Esc",
        "back to the checklist",
        Cmd::Back,
        true,
    )
    .short("back"),
    b(&[ch('?')], "?", "help", Cmd::Help, true),
    WIZARD_QUIT,
    QUIT_CTRL_C,
];

const CHOICES: &[Binding] = &[
    b(&[key(KeyCode::Enter)], "Enter", "review", Cmd::Next, true),
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
        false,
    ),
    b(&[key(KeyCode::Esc)], "Esc", "back", Cmd::Back, true),
    b(&[key(KeyCode::F(1))], "F1", "help", Cmd::Help, true),
    QUIT_CTRL_C_SHOWN,
];

const REVIEW: &[Binding] = &[
    b(
        &[key(KeyCode::Enter)],
        "Enter",
        "deploy the app",
        Cmd::Next,
        true,
    )
    .short("deploy"),
    b(&[key(KeyCode::Esc)], "Esc", "back", Cmd::Back, true),
    b(&[ch('?')], "?", "help", Cmd::Help, true),
    WIZARD_QUIT,
    QUIT_CTRL_C,
];

const RUNNING: &[Binding] = &[
    SCROLL[0],
    SCROLL[1],
    b(
        &[key(KeyCode::Esc)],
        "Esc",
        "back to the checklist (the deploy goes on)",
        Cmd::Back,
        true,
    )
    .short("back (deploy goes on)"),
    b(&[ch('?')], "?", "help", Cmd::Help, true),
    WIZARD_QUIT,
    QUIT_CTRL_C,
];

const DONE: &[Binding] = &[
    SCROLL[0],
    SCROLL[1],
    b(
        &[key(KeyCode::Enter)],
        "Enter",
        "go on to the fields",
        Cmd::Next,
        true,
    )
    .short("fields"),
    b(
        &[key(KeyCode::Esc)],
        "Esc",
        "back to the checklist",
        Cmd::Back,
        true,
    )
    .short("back"),
    b(&[ch('?')], "?", "help", Cmd::Help, true),
    WIZARD_QUIT,
    QUIT_CTRL_C,
];

const FAILED: &[Binding] = &[
    SCROLL[0],
    SCROLL[1],
    b(&[ch('r')], "r", "deploy again", Cmd::Retry, true).short("retry"),
    b(&[ch('e')], "e", "change the choices", Cmd::Fix, true).short("change"),
    b(
        &[key(KeyCode::Esc)],
        "Esc",
        "back to the checklist",
        Cmd::Back,
        true,
    )
    .short("back"),
    b(&[ch('?')], "?", "help", Cmd::Help, true),
    WIZARD_QUIT,
    QUIT_CTRL_C,
];

/// The bindings of a stage.
pub(super) fn table(stage: AppStage) -> &'static [Binding] {
    match stage {
        AppStage::Pick => PICK,
        AppStage::Choices => CHOICES,
        AppStage::Review => REVIEW,
        AppStage::Running => RUNNING,
        AppStage::Done => DONE,
        AppStage::Failed => FAILED,
    }
}
