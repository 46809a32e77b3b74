//! Small drawing helpers shared by the screens: badges, status, footer, popups, relative times.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};
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

/// The key hints of the current screen, from the binding table. When they do not fit, the
/// entries are shortened first, then the last ones left out; help and the way out (back, quit)
/// always stay: whatever else is cut, a way to learn the keys and a way out are on screen.
pub fn footer(app: &App, frame: &mut Frame, area: Rect) {
    let shown = footer_items(&keymap::footer_bindings(app), usize::from(area.width));
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

/// Which footer entries fit `width` columns, and in which words.
pub fn footer_items(items: &[keymap::Binding], width: usize) -> Vec<(&'static str, &'static str)> {
    let size = |k: &str, d: &str| k.chars().count() + d.chars().count() + 5;
    let full = |b: &keymap::Binding| (b.label, b.desc);
    let short = |b: &keymap::Binding| (b.label, b.short.unwrap_or(b.desc));
    let total = |f: &dyn Fn(&keymap::Binding) -> (&'static str, &'static str)| -> usize {
        items
            .iter()
            .map(|b| {
                let (k, d) = f(b);
                size(k, d)
            })
            .sum()
    };
    if total(&full) <= width {
        return items.iter().map(full).collect();
    }
    if total(&short) <= width {
        return items.iter().map(short).collect();
    }
    let mut budget = width.saturating_sub(
        items
            .iter()
            .filter(|b| b.essential())
            .map(|b| {
                let (k, d) = short(b);
                size(k, d)
            })
            .sum(),
    );
    let mut keep = Vec::new();
    for (i, b) in items.iter().enumerate().filter(|(_, b)| !b.essential()) {
        let (k, d) = short(b);
        if size(k, d) > budget {
            break;
        }
        budget -= size(k, d);
        keep.push(i);
    }
    let kept: Vec<&keymap::Binding> = items
        .iter()
        .enumerate()
        .filter(|(i, b)| b.essential() || keep.contains(i))
        .map(|(_, b)| b)
        .collect();
    // What stays may still have room for its full words.
    let room_for_full = kept
        .iter()
        .map(|b| {
            let (k, d) = full(b);
            size(k, d)
        })
        .sum::<usize>()
        <= width;
    kept.into_iter()
        .map(|b| if room_for_full { full(b) } else { short(b) })
        .collect()
}

/// The status line wrapped to `width`, its second row indented like its first.
pub fn notice_lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let Some(n) = &app.notice else {
        return Vec::new();
    };
    let style = match n.kind {
        NoticeKind::Info => Style::new().fg(Color::Green),
        NoticeKind::Error => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
    };
    // One line per line of the text (an address to open by hand goes on its own), each
    // wrapped with one column of padding on the right.
    let lines = n
        .text
        .lines()
        .map(|l| Line::from(Span::styled(format!(" {l}"), style)))
        .collect();
    super::fit::hang(lines, width.saturating_sub(1))
}

pub fn notice(app: &App, frame: &mut Frame, area: Rect) {
    let lines = super::fit::cut_rows(
        notice_lines(app, area.width),
        usize::from(area.height),
        usize::from(area.width),
    );
    frame.render_widget(Paragraph::new(lines), area);
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
