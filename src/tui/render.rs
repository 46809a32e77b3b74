//! `render`: draws the state, changes nothing.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};

use super::app::{App, Overlay, Screen};
use super::{detail, list, widgets, wizard};

pub fn render(app: &App, frame: &mut Frame) {
    let banner_height = u16::from(app.file_error.is_some()) * 2;
    // A long status line (an address to open by hand) gets a second row rather than losing
    // its end.
    let notice_height = match &app.notice {
        Some(n) if n.text.chars().count() + 1 > usize::from(frame.area().width) => 2,
        _ => 1,
    };
    let [banner, body, notice, footer] = Layout::vertical([
        Constraint::Length(banner_height),
        Constraint::Fill(1),
        Constraint::Length(notice_height),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    widgets::file_error_banner(app, frame, banner);
    match app.screen {
        Screen::List => list::render(app, frame, body),
        Screen::Detail { .. } => detail::render(app, frame, body),
        Screen::Wizard => wizard::view::render(app, frame, body),
    }
    widgets::notice(app, frame, notice);
    widgets::footer(app, frame, footer);
    match app.overlay {
        Some(Overlay::Help) => widgets::help_overlay(app, frame, body),
        Some(Overlay::ConfirmDelete { .. }) => widgets::confirm_overlay(app, frame, body),
        None => {}
    }
}
