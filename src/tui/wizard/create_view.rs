//! Drawing "Create this app for me" (issue 11): the admin to deploy with, the app's choices,
//! the review, the deploy's live progress, and its end (the component failures word for word,
//! each with its hint).

use std::path::Path;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::Wizard;
use super::create_app::{AppStage, CreateApp, ProgressLine};
use crate::profile::{Connection, Environment, Flow};
use crate::tui::app::App;
use crate::tui::fit::{hang, max_scroll as max_rows, more_above, more_below, truncate};
use crate::tui::widgets::{block, env_badge, spinner, wrapped};

const DIM: Style = Style::new().fg(Color::DarkGray);

pub fn render(app: &App, w: &Wizard, frame: &mut Frame, area: Rect) {
    let Some(c) = w.create.as_deref() else {
        return;
    };
    let title = match c.stage {
        AppStage::Pick => "3 · Create this app for me: the admin connection",
        AppStage::Choices => "3 · Create this app for me: who may use it",
        AppStage::Review => "3 · Create this app for me: review",
        AppStage::Running => "3 · Create this app for me: deploying",
        AppStage::Done => "3 · Create this app for me: done",
        AppStage::Failed => "3 · Create this app for me: failed",
    };
    let outer = block(title);
    let inner = outer.inner(area);
    let width = inner.width.saturating_sub(1);
    match c.stage {
        AppStage::Pick => render_pick(c, frame, area, outer),
        AppStage::Choices => {
            frame.render_widget(outer, area);
            render_choices(c, frame, inner);
        }
        AppStage::Review => {
            frame.render_widget(outer, area);
            let lines = review_lines(c, width, &w.base_dir);
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        }
        AppStage::Running | AppStage::Done | AppStage::Failed => {
            let lines = hang(progress_lines(app, c, width), width);
            let height = inner.height;
            let scroll = c.scroll.min(max_rows(lines.len(), height));
            let outer = more_above(outer, scroll > 0, "(k) ");
            let outer = more_below(
                outer,
                lines.len() > usize::from(height) + usize::from(scroll),
                "(j) ",
            );
            frame.render_widget(outer, area);
            frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
        }
    }
}

/// How far the deploy's progress and its end scroll when the wizard's area is `area`.
pub fn max_scroll(app: &App, area: Rect) -> u16 {
    let Some(c) = app.wizard.as_deref().and_then(|w| w.create.as_deref()) else {
        return 0;
    };
    let [_, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let inner = block("").inner(body);
    let width = inner.width.saturating_sub(1);
    let lines = hang(progress_lines(app, c, width), width);
    max_rows(lines.len(), inner.height)
}

fn error_lines(c: &CreateApp, width: u16) -> Vec<Line<'static>> {
    c.error
        .as_deref()
        .map(|e| wrapped(e, width, " ✗ ", "   ", Style::new().fg(Color::Red)))
        .unwrap_or_default()
}

/// The admins' rows shown when the list is `rows` tall: the selection stays in view (the
/// connection list's rule: the list scrolls once the selection passes its last row).
pub(super) fn pick_offset(cursor: usize, rows: usize) -> usize {
    if rows == 0 || cursor < rows {
        0
    } else {
        cursor + 1 - rows
    }
}

fn render_pick(c: &CreateApp, frame: &mut Frame, area: Rect, outer: Block<'static>) {
    let inner = outer.inner(area);
    let width = inner.width.saturating_sub(1);
    let mut head = wrapped(
        "sfconn deploys this connection's External Client App with the connection of a Salesforce admin (a user allowed to create External Client Apps), then saves the app's consumer key here.",
        width,
        " ",
        " ",
        Style::new(),
    );
    head.push(Line::from(""));
    if c.admins.is_empty() {
        head.extend(wrapped(
            "No other saved connection to deploy with. Add a connection for a Salesforce admin first (n from the list), or follow the checklist by hand. Esc goes back.",
            width,
            " ✗ ",
            "   ",
            Style::new().fg(Color::Yellow),
        ));
        frame.render_widget(outer, area);
        frame.render_widget(Paragraph::new(head), inner);
        return;
    }
    head.push(Line::from(" Deploy with which admin connection?"));
    let mut tail = vec![Line::from("")];
    tail.extend(error_lines(c, width));
    // The list gets what the words above and below leave, at least one row.
    let rows = usize::from(inner.height)
        .saturating_sub(head.len() + tail.len())
        .max(1);
    let offset = pick_offset(c.cursor, rows);
    let outer = more_above(outer, offset > 0, "(k, PgUp) ");
    let outer = more_below(outer, offset + rows < c.admins.len(), "(j, PgDn) ");
    frame.render_widget(outer, area);
    let name_width = c
        .admins
        .iter()
        .map(|a| a.conn.name.chars().count())
        .max()
        .unwrap_or(0)
        .min(28);
    // Badges differ in width (PROD, SANDBOX): the words after them line up anyway.
    let badge_width = [Environment::Production, Environment::Sandbox]
        .map(|e| env_badge(e).width())
        .into_iter()
        .max()
        .unwrap_or(0);
    let mut lines = head;
    for (i, a) in c.admins.iter().enumerate().skip(offset).take(rows) {
        let selected = i == c.cursor;
        let style = if selected {
            Style::new().fg(Color::Cyan).bold()
        } else {
            Style::new()
        };
        let about = format!(
            "{}  {}  {}",
            a.conn.flow,
            a.conn.username.as_deref().unwrap_or("-"),
            a.conn
                .domain
                .as_deref()
                .unwrap_or(a.conn.environment.login_host())
        );
        let badge = env_badge(a.conn.environment);
        let pad = " ".repeat(badge_width.saturating_sub(badge.width()) + 1);
        let used = 3 + name_width + 1 + badge_width + 1;
        lines.push(Line::from(vec![
            Span::raw(if selected { " ▶ " } else { "   " }),
            Span::styled(
                format!("{:<name_width$}", truncate(&a.conn.name, name_width)),
                style,
            ),
            Span::raw(" "),
            badge,
            Span::raw(pad),
            Span::styled(
                truncate(&about, usize::from(width).saturating_sub(used)),
                DIM,
            ),
        ]));
    }
    lines.extend(tail);
    frame.render_widget(Paragraph::new(lines), inner);
}

fn render_choices(c: &CreateApp, frame: &mut Frame, area: Rect) {
    let label_width = 19;
    let rows = c.inputs.len() as u16;
    let [form, _, about] = Layout::vertical([
        Constraint::Length(rows),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(area);
    for (i, choice) in c.inputs.iter().enumerate() {
        let line = Rect {
            y: form.y + i as u16,
            height: 1,
            ..form
        };
        let [l, input] =
            Layout::horizontal([Constraint::Length(label_width), Constraint::Fill(1)]).areas(line);
        let focused = i == c.focus;
        let style = if focused {
            Style::new().fg(Color::Cyan).bold()
        } else {
            Style::new()
        };
        frame.render_widget(Span::styled(format!(" {} *", choice.key.label()), style), l);
        if focused {
            frame.render_widget(&choice.input, input);
        } else {
            let value = choice.input.lines().first().cloned().unwrap_or_default();
            let shown = if value.is_empty() {
                Span::styled(choice.input.placeholder_text().to_string(), DIM)
            } else {
                Span::raw(value)
            };
            frame.render_widget(shown, input);
        }
    }
    let width = about.width.saturating_sub(1);
    let mut lines = Vec::new();
    if let Some(choice) = c.inputs.get(c.focus) {
        lines.extend(wrapped(
            choice.key.help(),
            width,
            " ",
            " ",
            Style::new().fg(Color::Gray),
        ));
    }
    lines.extend(error_lines(c, width));
    frame.render_widget(Paragraph::new(lines), about);
}

/// Which key pair a jwt app is made with: the connection's own, or a new one for it.
fn key_pair(conn: &Connection, base_dir: &Path) -> Option<String> {
    if conn.flow != Flow::Jwt {
        return None;
    }
    let shown = |p: &Path| p.strip_prefix(base_dir).unwrap_or(p).display().to_string();
    Some(match (&conn.key_file, &conn.cert_file) {
        (Some(key), Some(cert)) => {
            format!("{} (the connection's, with {})", shown(cert), shown(key))
        }
        _ => {
            let keys = base_dir.join("keys");
            format!(
                "a new key pair for {name}: {} and {} (as sfconn keygen {name} makes it)",
                shown(&keys.join(format!("{}.crt", conn.name))),
                shown(&keys.join(format!("{}.key", conn.name))),
                name = conn.name
            )
        }
    })
}

fn review_lines(c: &CreateApp, width: u16, base_dir: &Path) -> Vec<Line<'static>> {
    // The review's own lines (`  for whom: …`), wrapped under their values.
    let mut lines: Vec<Line> = c
        .review
        .lines()
        .flat_map(|l| {
            let indent = l.len() - l.trim_start().len();
            let first = format!(" {}", " ".repeat(indent));
            wrapped(l.trim_start(), width, &first, "             ", Style::new())
        })
        .collect();
    lines.push(Line::from(""));
    if let Some(a) = c.selected_admin() {
        let org = a
            .conn
            .domain
            .clone()
            .unwrap_or_else(|| a.conn.environment.login_host().to_string());
        let mut spans = vec![Span::styled("  deployed by: ", DIM)];
        if a.conn.environment == Environment::Production {
            spans.push(env_badge(Environment::Production));
            spans.push(Span::raw(" "));
        }
        spans.push(Span::raw(format!("{} in {org}", a.conn.name)));
        lines.push(Line::from(spans));
    }
    if let Some(conn) = &c.conn {
        lines.push(Line::from(vec![
            Span::styled("  saved as:     ", DIM),
            Span::raw(format!(
                "connection {} with the app's consumer key",
                conn.name
            )),
        ]));
        if let Some(keys) = key_pair(conn, base_dir) {
            lines.extend(wrapped(
                &keys,
                width,
                "  certificate:  ",
                "                ",
                Style::new(),
            ));
        }
    }
    lines.push(Line::from(""));
    // What happens after Enter, as the deploy does it: web and device sign in interactively,
    // so their app is proven by Connect's login, not by a test here.
    let interactive = c
        .conn
        .as_ref()
        .is_some_and(|conn| conn.flow.is_interactive());
    let next = if interactive {
        "Enter deploys the app and saves the connection; it signs in interactively, so Connect (after the fields and Review) proves it with a login."
    } else {
        "Enter deploys the app, saves the connection, then tests it until the new consumer key works (Salesforce may take minutes)."
    };
    lines.extend(wrapped(next, width, " ", " ", Style::new()));
    lines
}

fn progress_lines(app: &App, c: &CreateApp, width: u16) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if let Some(first) = c.review.lines().next() {
        lines.push(Line::from(Span::styled(format!(" {first}"), DIM)));
    }
    let running = c.stage == AppStage::Running;
    let count = c.progress.len();
    for (i, p) in c.progress.iter().enumerate() {
        let last = i + 1 == count;
        let finished = c.progress[i + 1..]
            .iter()
            .any(|l| matches!(l, ProgressLine::Done(_)));
        let (mark, style) = match p {
            ProgressLine::Done(_) => ("✓", Style::new().fg(Color::Green)),
            ProgressLine::Started(_) if finished => ("✓", Style::new().fg(Color::Green)),
            // A step that did not get done is never ticked: the failure below says why.
            ProgressLine::Started(_) if c.stage == AppStage::Failed => {
                ("✗", Style::new().fg(Color::Red))
            }
            ProgressLine::Started(_) if running && last => {
                (spinner(app), Style::new().fg(Color::Yellow))
            }
            ProgressLine::Started(_) => ("·", Style::new()),
            ProgressLine::Status(_) | ProgressLine::Waiting { .. } if running && last => {
                (spinner(app), Style::new().fg(Color::Yellow))
            }
            ProgressLine::Status(_) | ProgressLine::Waiting { .. } => ("·", Style::new()),
            ProgressLine::Warning(_) => ("!", Style::new().fg(Color::Yellow)),
        };
        let text = p.text(app.now);
        lines.extend(wrapped(&text, width, &format!(" {mark} "), "   ", style));
    }
    if running && count == 0 {
        lines.push(Line::from(format!(
            " {} Getting the admin's token…",
            spinner(app)
        )));
    }
    match c.stage {
        AppStage::Done => {
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                " ✓ The app is created and the connection is saved.",
                Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
            )));
            lines.extend(wrapped(
                "Enter goes on to the fields, with the consumer key filled in, then Review and Connect.",
                width,
                " ",
                " ",
                Style::new(),
            ));
        }
        AppStage::Failed => {
            if let Some(f) = &c.failure {
                lines.extend(failure_lines(app, f, width));
            }
            lines.push(Line::from(""));
            let change = if c.inputs.is_empty() {
                "e picks another admin"
            } else {
                "e changes the admin or the choices"
            };
            lines.extend(wrapped(
                &format!("r deploys again as it was; {change}; Esc goes back to the checklist."),
                width,
                " ",
                " ",
                Style::new(),
            ));
        }
        _ => {}
    }
    lines
}

fn failure_lines(app: &App, f: &crate::tui::action::AppFailure, width: u16) -> Vec<Line<'static>> {
    let red = Style::new().fg(Color::Red).bold();
    let mut lines = Vec::new();
    // With component failures, the message's first line says what ended; the failures follow,
    // each with its hint (the CLI prints the same words).
    // The hints' words are drawn below from the catalog, not from the CLI's indented text.
    let said = f
        .message
        .lines()
        .take_while(|l| !l.trim_start().starts_with("hint:"));
    let message: Vec<&str> = if f.failures.is_empty() {
        said.collect()
    } else {
        said.take(1).collect()
    };
    for (i, line) in message.iter().enumerate() {
        let first = if i == 0 { " ✗ " } else { "   " };
        lines.extend(wrapped(line.trim_start(), width, first, "   ", red));
    }
    for failure in &f.failures {
        let c = &failure.failure;
        let red = Style::new().fg(Color::Red);
        lines.extend(wrapped(
            &format!("{} {}", c.component_type, c.full_name),
            width,
            "   ",
            "     ",
            red,
        ));
        lines.push(Line::from(Span::styled(
            truncate(&format!("     in {}:", c.file_name), usize::from(width)),
            red,
        )));
        lines.extend(wrapped(&c.problem, width, "     ", "     ", red));
        lines.extend(hint(app, failure.condition.hint_id(), width));
    }
    for id in f.hints.iter().filter(|id| {
        !f.failures
            .iter()
            .any(|x| x.condition.hint_id() == id.as_str())
    }) {
        lines.extend(hint(app, id, width));
    }
    lines
}

/// A hint under a failure: its title and id, then its fix steps (as the Connect step shows
/// them), numbered, each wrapped under its own text.
fn hint(app: &App, id: &str, width: u16) -> Vec<Line<'static>> {
    let text = match app.hint_titles.get(id) {
        Some(title) => format!("{title} [{id}]"),
        None => format!("[{id}]"),
    };
    let mut lines = wrapped(
        &text,
        width,
        "     ▸ ",
        "       ",
        Style::new().fg(Color::Yellow),
    );
    if let Some(h) = crate::diagnose::catalog().get(id) {
        for (i, step) in h.fix.iter().enumerate() {
            let number = format!("       {}. ", i + 1);
            let under = " ".repeat(number.chars().count());
            lines.extend(wrapped(step, width, &number, &under, Style::new()));
        }
    }
    lines
}
