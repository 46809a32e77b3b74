//! Popups above a screen: the help overlay and the delete/revoke confirmation.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph};

use super::app::App;
use super::keymap;
use super::widgets::{block, env_badge};
use crate::profile::Environment;

/// A popup's frame: a block whose text keeps one column off each border.
pub fn dialog(title: &str) -> Block<'_> {
    block(title).padding(Padding::horizontal(1))
}

/// A rectangle of at most `w` x `h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(h.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(w.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

/// The help overlay: every binding of the screen under it.
pub fn help_overlay(app: &App, frame: &mut Frame, area: Rect) {
    let bindings = keymap::bindings_under_help(app);
    // Borders and a row of air: what is left holds the keys. When one column of them does not
    // fit (the list's keys at 80x24), they go in two, so every key of the screen is shown.
    let fits = usize::from(area.height.saturating_sub(4));
    let columns = if bindings.len() > fits && area.width >= 60 {
        2
    } else {
        1
    };
    let width = if columns == 2 {
        area.width.min(104)
    } else {
        58
    };
    let rows = bindings.len().div_ceil(columns);
    let height = u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(4);
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    // Inside the border and the dialog's padding, a column is half of what is left.
    let column = usize::from(rect.width.saturating_sub(4)) / columns;
    let entry = |b: &keymap::Binding, width: usize| -> Vec<Span<'static>> {
        let label = format!("{:<12}", b.label);
        let desc =
            crate::tui::fit::truncate(b.desc, width.saturating_sub(label.chars().count() + 1));
        let pad = width.saturating_sub(label.chars().count() + desc.chars().count());
        vec![
            Span::styled(label, Style::new().fg(Color::Cyan).bold()),
            Span::raw(desc),
            Span::raw(" ".repeat(pad)),
        ]
    };
    let lines: Vec<Line> = (0..rows)
        .map(|row| {
            let mut spans = Vec::new();
            for col in 0..columns {
                if let Some(b) = bindings.get(col * rows + row) {
                    spans.extend(entry(b, column));
                }
            }
            Line::from(spans)
        })
        .collect();
    let title = format!("Keys: {}", screen_name(app));
    frame.render_widget(
        Paragraph::new(lines).block(dialog(&title).title_bottom(" Esc or q closes ")),
        rect,
    );
}

fn screen_name(app: &App) -> &'static str {
    use super::app::Mode;
    match app.base_mode() {
        Mode::List => "connections",
        Mode::Filter => "filter",
        Mode::Detail => "connection details",
        Mode::ConfirmYesNo { revoke: false } | Mode::ConfirmTyped { revoke: false } => "delete",
        Mode::ConfirmYesNo { revoke: true } | Mode::ConfirmTyped { revoke: true } => "revoke",
        Mode::WizardFlow => "choose a flow",
        Mode::WizardForm { .. } => "fields",
        Mode::WizardChecklist { .. } => "Salesforce Setup checklist",
        Mode::WizardApp(_) => "create the app",
        Mode::WizardReview => "review",
        Mode::WizardRunning | Mode::WizardConnected | Mode::WizardFailed { .. } => "connect",
        Mode::Help => "help",
        Mode::ConfirmQuit => "quit",
    }
}

/// `q` in a wizard with input not saved yet: quitting drops it, so ask.
pub fn quit_overlay(app: &App, frame: &mut Frame, area: Rect) {
    let editing = app.wizard.as_ref().is_some_and(|w| !w.new_connection);
    let question = if editing {
        "Quit sfconn and drop these changes?"
    } else {
        "Quit sfconn and drop this new connection?"
    };
    let width = 64.min(area.width);
    let lines = super::fit::hang(
        vec![
            Line::from(Span::styled(question, Style::new().bold())),
            Line::from("y quits, n or Esc stays."),
        ],
        width.saturating_sub(4),
    );
    let rect = centered(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(dialog("Quit").border_style(Style::new().fg(Color::Red))),
        rect,
    );
}

/// The delete confirmation; production connections need their name typed.
pub fn confirm_overlay(app: &App, frame: &mut Frame, area: Rect) {
    let Some(super::app::Overlay::ConfirmDelete {
        name,
        production,
        revoke,
        typed,
        refused,
    }) = &app.overlay
    else {
        return;
    };
    // A browser or device connection needs the person to sign in again.
    let relogin = app.row(name).is_some_and(|r| r.conn.flow.is_interactive());
    let (title, verb, what, effect) = if *revoke {
        (
            "Revoke tokens",
            "Revoke the tokens of ",
            "revoke them",
            if relogin {
                format!(
                    "Salesforce stops accepting them; l (or `sfconn login {name}`) signs in again."
                )
            } else {
                "Salesforce stops accepting them; the next login or test gets new ones.".to_string()
            },
        )
    } else {
        (
            "Delete connection",
            "Delete ",
            "delete it",
            "It is removed from profiles.toml, and its secrets from the secret store.".to_string(),
        )
    };
    let width = 64.min(area.width);
    let mut lines = vec![
        Line::from(vec![
            Span::raw(verb),
            Span::styled(name.clone(), Style::new().bold()),
            Span::raw("?"),
        ]),
        Line::from(effect),
    ];
    if *production {
        lines.push(Line::from(vec![
            env_badge(Environment::Production),
            Span::raw(format!(" Type the connection's name to {what}:")),
        ]));
    } else if *revoke {
        lines.push(Line::from("y revokes, n or Esc keeps them."));
    } else {
        lines.push(Line::from("y deletes, n or Esc keeps it."));
    }
    let lines = super::fit::hang(lines, width.saturating_sub(4));
    let text_rows = lines.len() as u16;
    // Why Enter did nothing, wrapped: a long name must not cut off its own instruction.
    let why_lines = if *production && *refused {
        let says = if typed.lines().concat().is_empty() {
            format!("type {name} to confirm")
        } else {
            format!("that is not {name}; type {name} to confirm")
        };
        super::fit::hang(
            vec![Line::from(Span::styled(
                says,
                Style::new().fg(Color::Red).bold(),
            ))],
            width.saturating_sub(4),
        )
    } else {
        Vec::new()
    };
    let why_rows = why_lines.len().max(1) as u16;
    // A production name: a blank row, the input, and why Enter did nothing.
    let extra = if *production { 2 + why_rows } else { 0 };
    let rect = centered(area, width, text_rows + extra + 2);
    frame.render_widget(Clear, rect);
    let dialog = dialog(title).border_style(Style::new().fg(Color::Red));
    let inner = dialog.inner(rect);
    frame.render_widget(dialog, rect);
    if !*production {
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    }
    let [text, _, input, why] = Layout::vertical([
        Constraint::Length(text_rows),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(why_rows),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(lines), text);
    super::fit::input(typed, frame, input);
    frame.render_widget(Paragraph::new(why_lines), why);
}
