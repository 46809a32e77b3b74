//! Small drawing helpers shared by the screens: badges, status, footer, popups, relative times.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};
use time::OffsetDateTime;

use super::action::RunKind;
use super::app::{App, NoticeKind, RunStatus};
use super::keymap;
use crate::profile::Environment;

pub const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn spinner(app: &App) -> &'static str {
    SPINNER[app.spinner % SPINNER.len()]
}

/// PROD is loud (bold white on red): a mistake there reaches the live org.
pub fn env_badge(env: Environment) -> Span<'static> {
    match env {
        Environment::Production => Span::styled(
            " PROD ",
            Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
        ),
        Environment::Sandbox => {
            Span::styled(" SANDBOX ", Style::new().fg(Color::Black).bg(Color::Cyan))
        }
    }
}

pub fn status_span(app: &App, status: &RunStatus) -> Span<'static> {
    match status {
        RunStatus::Idle => Span::styled("untested", Style::new().fg(Color::DarkGray)),
        RunStatus::Running { queued: true, .. } => Span::styled(
            format!("{} queued", spinner(app)),
            Style::new().fg(Color::DarkGray),
        ),
        RunStatus::Running { kind, step, .. } => {
            let what = match kind {
                RunKind::Test => format!("testing: {}", step.as_str()),
                RunKind::Login => "logging in".to_string(),
            };
            Span::styled(
                format!("{} {what}", spinner(app)),
                Style::new().fg(Color::Yellow),
            )
        }
        RunStatus::Passed { ms } => Span::styled(
            format!("✓ passed {}", super::fit::duration(*ms)),
            Style::new().fg(Color::Green),
        ),
        RunStatus::Failed { hint_title } => {
            Span::styled(format!("✗ {hint_title}"), Style::new().fg(Color::Red))
        }
        RunStatus::NeedsLogin => Span::styled("● needs login (l)", Style::new().fg(Color::Yellow)),
    }
}

/// "just now", "5m ago", "3h ago", "2d ago" from an RFC 3339 time.
pub fn relative(now: OffsetDateTime, at: &str) -> String {
    let Ok(t) = OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339) else {
        return "?".into();
    };
    let secs = (now - t).whole_seconds();
    match secs {
        s if s < 60 => "just now".into(),
        s if s < 3600 => format!("{}m ago", s / 60),
        s if s < 86_400 => format!("{}h ago", s / 3600),
        s if s < 86_400 * 60 => format!("{}d ago", s / 86_400),
        _ => t.date().to_string(),
    }
}

/// The key hints of the current screen, from the binding table.
/// Items that do not fit are left out, except help (listed last), which lists them all.
pub fn footer(app: &App, frame: &mut Frame, area: Rect) {
    let items = keymap::footer(app);
    let size = |(k, d): &(&str, &str)| k.chars().count() + d.chars().count() + 5;
    // Help and quit are always shown (at the end): whatever else is cut, a way to learn the
    // keys and a way out stay on screen.
    let is_help = |(_, d): &(&str, &str)| *d == "help" || *d == "quit";
    let mut budget =
        usize::from(area.width).saturating_sub(items.iter().filter(|i| is_help(i)).map(size).sum());
    let mut shown: Vec<(&str, &str)> = Vec::new();
    for item in items.iter().filter(|i| !is_help(i)) {
        if size(item) > budget {
            break;
        }
        budget -= size(item);
        shown.push(*item);
    }
    shown.extend(items.iter().filter(|i| is_help(i)).copied());
    let mut spans = Vec::new();
    for (key, desc) in shown {
        spans.push(Span::styled(
            format!(" {key} "),
            Style::new().fg(Color::Black).bg(Color::Gray),
        ));
        spans.push(Span::raw(format!(" {desc}  ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn notice(app: &App, frame: &mut Frame, area: Rect) {
    if let Some(n) = &app.notice {
        let style = match n.kind {
            NoticeKind::Info => Style::new().fg(Color::Green),
            NoticeKind::Error => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        };
        let room = usize::from(area.width) * usize::from(area.height);
        let text = super::fit::truncate(&format!(" {}", n.text), room);
        frame.render_widget(
            Paragraph::new(Span::styled(text, style)).wrap(Wrap { trim: false }),
            area,
        );
    }
}

pub fn block(title: &str) -> Block<'_> {
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(Style::new().fg(Color::DarkGray))
        .title(Span::styled(
            format!(" {title} "),
            Style::new().add_modifier(Modifier::BOLD),
        ))
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
    let width = 58;
    let height = bindings.len() as u16 + 4;
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    let lines: Vec<Line> = bindings
        .iter()
        .map(|b| {
            Line::from(vec![
                Span::styled(
                    format!(" {:<12}", b.label),
                    Style::new().fg(Color::Cyan).bold(),
                ),
                Span::raw(b.desc),
            ])
        })
        .collect();
    let title = format!("Keys: {}", screen_name(app));
    frame.render_widget(
        Paragraph::new(lines).block(block(&title).title_bottom(" Esc closes ")),
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
        Mode::WizardRunning | Mode::WizardConnected | Mode::WizardFailed => "connect",
        Mode::Help => "help",
    }
}

/// The profile file changed on disk and no longer parses: where, and that the list is the last
/// good one, until the file is fixed.
pub fn file_error_banner(app: &App, frame: &mut Frame, area: Rect) {
    let Some(error) = &app.file_error else {
        return;
    };
    let style = Style::new().fg(Color::White).bg(Color::Red);
    let lines = vec![
        Line::from(Span::styled(
            super::fit::truncate(&format!(" ✗ {error}"), usize::from(area.width)),
            style.bold(),
        )),
        Line::from(Span::styled(
            super::fit::truncate(
                " The list shows the file as last read; fix the file and it reloads by itself.",
                usize::from(area.width),
            ),
            style,
        )),
    ];
    frame.render_widget(Paragraph::new(lines).style(style), area);
}

/// The delete confirmation; production connections need their name typed.
pub fn confirm_overlay(app: &App, frame: &mut Frame, area: Rect) {
    let Some(super::app::Overlay::ConfirmDelete {
        name,
        production,
        revoke,
        typed,
    }) = &app.overlay
    else {
        return;
    };
    let (title, verb, what, effect) = if *revoke {
        (
            "Revoke tokens",
            "Revoke the tokens of ",
            "revoke them",
            "Salesforce stops accepting them; the next login or test gets new ones.",
        )
    } else {
        (
            "Delete connection",
            "Delete ",
            "delete it",
            "It leaves profiles.toml and its secrets leave the secret store.",
        )
    };
    let rect = centered(area, 64, if *production { 9 } else { 7 });
    frame.render_widget(Clear, rect);
    let inner = block(title).inner(rect);
    frame.render_widget(block(title).border_style(Style::new().fg(Color::Red)), rect);
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
    let [text, input] = Layout::vertical([
        Constraint::Length(lines.len() as u16 + 1),
        Constraint::Length(1),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text);
    if *production {
        frame.render_widget(&**typed, input);
    }
}

/// Word-wrap `text` to `width` columns: the first line starts with `first`, the others with
/// `rest` (a hanging indent, so wrapped hint steps stay readable).
pub fn wrapped(
    text: &str,
    width: u16,
    first: &str,
    rest: &str,
    style: Style,
) -> Vec<Line<'static>> {
    let width = usize::from(width).max(first.chars().count() + 10);
    let mut lines = Vec::new();
    let mut current = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        let len = current.chars().count() + usize::from(!empty) + word.chars().count();
        if !empty && len > width {
            lines.push(Line::from(Span::styled(
                std::mem::replace(&mut current, rest.to_string()),
                style,
            )));
            empty = true;
        }
        if !empty {
            current.push(' ');
        }
        current.push_str(word);
        empty = false;
    }
    lines.push(Line::from(Span::styled(current, style)));
    lines
}

/// The most characters a one-line input without its own limit takes (the list filter, the
/// typed confirmation).
pub const MAX_INPUT_CHARS: usize = 1024;

/// Feed a key to a one-line text input: keys that would add a line or a tab are dropped.
/// Returns whether the text changed.
pub fn single_line_input(
    input: &mut ratatui_textarea::TextArea<'static>,
    key: crossterm::event::KeyEvent,
) -> bool {
    single_line_input_max(input, key, MAX_INPUT_CHARS)
}

/// Paste text into a one-line input at the cursor, in one edit (bracketed paste): line breaks
/// and other control characters are dropped, and the text is cut at `max` characters in all.
/// Returns whether the text changed.
pub fn paste_into(input: &mut ratatui_textarea::TextArea<'static>, text: &str, max: usize) -> bool {
    let used = input.lines().first().map_or(0, |l| l.chars().count());
    let room = max.saturating_sub(used);
    let clean: String = text
        .chars()
        .filter(|c| !c.is_control())
        .take(room)
        .collect();
    if clean.is_empty() {
        return false;
    }
    input.insert_str(clean)
}

/// [`single_line_input`] with a length limit: a character that would make the text longer than
/// `max` is dropped.
pub fn single_line_input_max(
    input: &mut ratatui_textarea::TextArea<'static>,
    key: crossterm::event::KeyEvent,
    max: usize,
) -> bool {
    use crossterm::event::{KeyCode, KeyModifiers};
    let inserts = matches!(key.code, KeyCode::Char(_))
        && !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    if inserts && input.lines().first().map_or(0, |l| l.chars().count()) >= max {
        return false;
    }
    let newline = matches!(
        key.code,
        KeyCode::Enter | KeyCode::Tab | KeyCode::BackTab | KeyCode::Esc
    ) || (key.modifiers.contains(KeyModifiers::CONTROL)
        && matches!(key.code, KeyCode::Char('m' | 'j')));
    if newline {
        return false;
    }
    let before = input.lines().first().cloned();
    input.input(key);
    // Undo a line break some shortcut may still have made.
    if input.lines().len() > 1 {
        let joined = input.lines().concat();
        *input = {
            let mut t = ratatui_textarea::TextArea::new(vec![joined]);
            if let Some(m) = input.mask_char() {
                t.set_mask_char(m);
            }
            t.set_placeholder_text(input.placeholder_text().to_string());
            t.move_cursor(ratatui_textarea::CursorMove::End);
            t
        };
    }
    input.lines().first() != before.as_ref()
}
