//! The binding tables, one per mode: the keys, the words the footer and the help use, the
//! command. What the footer says is what the keys do because both read these.

use crossterm::event::KeyCode;

use super::{Binding, b, ch, ctrl, key};
use crate::tui::action::Cmd;

pub(super) const QUIT_CTRL_C: Binding = b(&[ctrl('c')], "Ctrl-C", "quit sfconn", Cmd::Quit, false);
// Keys the list and the detail view share (same key, same words in footer and help).
pub(super) const TEST: Binding = b(&[ch('t')], "t", "test", Cmd::Test, true);
pub(super) const LOGIN: Binding = b(&[ch('l')], "l", "login", Cmd::Login, true);
pub(super) const CANCEL_LOGIN_DETAIL: Binding = b(
    &[key(KeyCode::Esc), ch('x')],
    "Esc/x",
    "cancel the login",
    Cmd::CancelLogin,
    true,
)
.short("cancel login");
pub(super) const CANCEL_LOGIN_LIST: Binding =
    b(&[ch('x')], "x", "cancel the login", Cmd::CancelLogin, true).short("cancel login");
pub(super) const EDIT: Binding = b(&[ch('e')], "e", "edit", Cmd::Edit, true);
pub(super) const SET_DEFAULT: Binding =
    b(&[ch('u')], "u", "use as default", Cmd::SetDefault, true).short("default");
pub(super) const DELETE: Binding = b(&[ch('d')], "d", "delete", Cmd::Delete, true);
// In help only: the footer at 80 columns has no room, and revoking is rare.
pub(super) const REVOKE: Binding = b(&[ch('R')], "R", "revoke the tokens", Cmd::Revoke, false);
pub(super) const QUIT: Binding = b(&[ch('q')], "q", "quit", Cmd::Quit, true);
// In a wizard `q` asks first while what was typed is not saved yet (Ctrl-C still quits at once).
pub(super) const WIZARD_QUIT: Binding = b(&[ch('q')], "q", "quit", Cmd::QuitAsk, true);
// Where keys type text, `q` is a letter: the footer names Ctrl-C instead, so a way out is
// always on screen.
pub(super) const QUIT_CTRL_C_SHOWN: Binding = b(&[ctrl('c')], "Ctrl-C", "quit", Cmd::Quit, true);
pub(super) const MOVE: [Binding; 4] = [
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

pub(super) const LIST: &[Binding] = &[
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
    b(&[ch('T')], "T", "test all shown", Cmd::TestAll, true).short("test all"),
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

pub(super) const FILTER: &[Binding] = &[
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
    // `?` is typed into the filter: help is on F1 here, as in the wizard's fields.
    b(&[key(KeyCode::F(1))], "F1", "help", Cmd::Help, true),
    QUIT_CTRL_C_SHOWN,
];

pub(super) const DETAIL: &[Binding] = &[
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
        &[key(KeyCode::Home), ch('g')],
        "Home/g",
        "top of the test result",
        Cmd::Top,
        false,
    ),
    b(
        &[key(KeyCode::End), ch('G')],
        "End/G",
        "end of the test result",
        Cmd::Bottom,
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
    )
    .short("back"),
    b(&[ch('?')], "?", "help", Cmd::Help, true),
    QUIT,
    QUIT_CTRL_C,
];

// In an overlay `q` and Esc close it; only Ctrl-C quits from there (a `q` meant for the help
// must not end the session, with a half-filled wizard under it).
pub(super) const HELP: &[Binding] = &[
    b(
        &[key(KeyCode::Esc), ch('q')],
        "Esc/q",
        "close help",
        Cmd::Back,
        true,
    ),
    b(
        &[ch('?'), key(KeyCode::F(1))],
        "?",
        "close help",
        Cmd::Help,
        false,
    ),
    QUIT_CTRL_C,
];

pub(super) const CONFIRM_YES_NO: &[Binding] = &[
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

pub(super) const CONFIRM_QUIT: &[Binding] = &[
    b(&[ch('y')], "y", "quit", Cmd::Accept, true),
    b(
        &[ch('n'), key(KeyCode::Esc)],
        "n/Esc",
        "stay",
        Cmd::Decline,
        true,
    ),
    QUIT_CTRL_C,
];

pub(super) const CONFIRM_REVOKE_YES_NO: &[Binding] = &[
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

pub(super) const CONFIRM_REVOKE_TYPED: &[Binding] = &[
    b(&[key(KeyCode::Enter)], "Enter", "revoke", Cmd::Accept, true),
    b(&[key(KeyCode::Esc)], "Esc", "keep them", Cmd::Decline, true),
    QUIT_CTRL_C_SHOWN,
];

pub(super) const CONFIRM_TYPED: &[Binding] = &[
    b(&[key(KeyCode::Enter)], "Enter", "delete", Cmd::Accept, true),
    b(&[key(KeyCode::Esc)], "Esc", "keep it", Cmd::Decline, true),
    QUIT_CTRL_C_SHOWN,
];
