//! `render`: draws the state, changes nothing.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use super::app::{App, Overlay, Screen};
use super::{detail, dialogs, list, widgets, wizard};

/// The screen's rows: the file banner, the body, the status line, the footer.
fn areas(app: &App, area: Rect) -> [Rect; 4] {
    let banner_height = u16::from(app.file_error.is_some()) * 2;
    // A long status line (an address to open by hand) gets a second row rather than losing
    // its end (up to four rows: a long file address with its words).
    let notice_height = widgets::notice_lines(app, area.width).len().clamp(1, 4) as u16;
    Layout::vertical([
        Constraint::Length(banner_height),
        Constraint::Fill(1),
        Constraint::Length(notice_height),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// Where the screen itself goes on a terminal of `area` (what scrolling is measured against).
pub fn body_area(app: &App, area: Rect) -> Rect {
    areas(app, area)[1]
}

pub fn render(app: &App, frame: &mut Frame) {
    let [banner, body, notice, footer] = areas(app, frame.area());
    widgets::file_error_banner(app, frame, banner);
    match app.screen {
        Screen::List => list::render(app, frame, body),
        Screen::Detail { .. } => detail::render(app, frame, body),
        Screen::Wizard => wizard::view::render(app, frame, body),
    }
    widgets::notice(app, frame, notice);
    widgets::footer(app, frame, footer);
    match app.overlay {
        Some(Overlay::Help) => dialogs::help_overlay(app, frame, frame.area()),
        Some(Overlay::ConfirmDelete { .. }) => dialogs::confirm_overlay(app, frame, body),
        Some(Overlay::ConfirmQuit) => dialogs::quit_overlay(app, frame, body),
        None => {}
    }
}
