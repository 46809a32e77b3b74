//! Drawing the wizard steps.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::content::{FieldKey, guides, setup_url};
use super::{Step, Wizard};
use crate::profile::{Environment, Flow};
use crate::tui::app::App;
use crate::tui::fit::truncate;
use crate::tui::widgets::{block, env_badge, wrapped};

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let Some(w) = app.wizard.as_deref() else {
        return;
    };
    let [header, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    render_steps(w, frame, header);
    match w.step {
        Step::Flow => render_flows(w, frame, body),
        Step::Basics | Step::Credentials => render_form(app, w, frame, body),
        Step::Checklist if w.create.is_some() => super::create_view::render(app, w, frame, body),
        Step::Checklist => render_checklist(app, w, frame, body),
        Step::Review => render_review(w, frame, body),
        Step::Connect => super::connect_view::render(app, w, frame, body),
    }
}

fn render_steps(w: &Wizard, frame: &mut Frame, area: Rect) {
    let what = match w
        .editing
        .as_ref()
        .filter(|_| !w.new_connection || w.step != Step::Connect)
    {
        Some(name) => format!(" Edit {name} "),
        None => " New connection ".to_string(),
    };
    let mut spans = vec![
        Span::styled(what, Style::new().fg(Color::Black).bg(Color::Blue).bold()),
        Span::raw(" "),
    ];
    for (i, step) in Step::ALL.iter().enumerate() {
        let style = if *step == w.step {
            Style::new().fg(Color::Cyan).bold()
        } else if *step < w.step {
            Style::new().fg(Color::Green)
        } else {
            Style::new().fg(Color::DarkGray)
        };
        if i > 0 {
            spans.push(Span::styled(" › ", Style::new().fg(Color::DarkGray)));
        }
        let full = area.width >= 100 || *step == w.step;
        let text = if full {
            format!("{} {}", i + 1, step.title())
        } else {
            format!("{}", i + 1)
        };
        spans.push(Span::styled(text, style));
    }
    let line = crate::tui::fit::truncate_line(Line::from(spans), usize::from(area.width));
    frame.render_widget(Paragraph::new(line), area);
}

fn render_flows(w: &Wizard, frame: &mut Frame, area: Rect) {
    let Ok(guides) = guides() else { return };
    let mut lines = vec![
        Line::from(" Which OAuth flow will this connection use?"),
        Line::from(""),
    ];
    for (i, flow) in Flow::ALL.iter().enumerate() {
        let g = guides.flow(*flow);
        let selected = i == w.flow_cursor;
        let name_style = if selected {
            Style::new().fg(Color::Cyan).bold()
        } else {
            Style::new().bold()
        };
        lines.push(Line::from(vec![
            Span::raw(if selected { " ▶ " } else { "   " }),
            Span::styled(format!("{:<19}", flow.as_str()), name_style),
            Span::raw(g.title.clone()),
        ]));
        lines.extend(wrapped(
            &g.when,
            area.width.saturating_sub(3),
            "      ",
            "      ",
            Style::new().fg(Color::DarkGray),
        ));
    }
    // One column of padding before the right border.
    let lines = crate::tui::fit::hang(lines, area.width.saturating_sub(3));
    frame.render_widget(
        Paragraph::new(lines).block(block("1 · Choose the flow")),
        area,
    );
}

fn hint_line(app: &App, id: &str) -> Line<'static> {
    let mut spans = vec![Span::styled("   ▸ ", Style::new().fg(Color::Yellow))];
    if let Some(title) = app.hint_titles.get(id) {
        spans.push(Span::raw(format!("{title} ")));
    }
    spans.push(Span::styled(
        format!("[{id}]"),
        Style::new().fg(Color::DarkGray),
    ));
    Line::from(spans)
}

/// A field's error under its value, wrapped with a hanging indent (a word longer than the room,
/// an address, is broken rather than cut).
fn error_lines(err: &str, width: u16) -> Vec<Line<'static>> {
    crate::tui::fit::hang(
        wrapped(err, width, "✗ ", "  ", Style::new().fg(Color::Red)),
        width,
    )
}

fn render_form(app: &App, w: &Wizard, frame: &mut Frame, area: Rect) {
    let title = match w.step {
        Step::Basics => "2 · Connection".to_string(),
        _ => format!("4 · Fields for {}", w.flow),
    };
    let outer = block(&title);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let range = w.step_fields();
    let error_width = inner.width.saturating_sub(21);
    let rows: u16 = range
        .clone()
        .map(|i| {
            let error_lines = w.fields[i]
                .error
                .as_ref()
                .map_or(0, |e| error_lines(e, error_width).len());
            1 + error_lines as u16
        })
        .sum();
    let [form, _, about] = Layout::vertical([
        Constraint::Length(rows),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    let label_width = 20;
    let mut y = form.y;
    for i in range {
        let f = &w.fields[i];
        let focused = i == w.focus;
        let label = format!(
            " {}{}",
            f.spec.label,
            if f.spec.required && !f.stored {
                " *"
            } else {
                ""
            }
        );
        let label_style = if focused {
            Style::new().fg(Color::Cyan).bold()
        } else {
            Style::new()
        };
        let line = Rect {
            x: form.x,
            y,
            width: form.width,
            height: 1,
        };
        let [l, input] =
            Layout::horizontal([Constraint::Length(label_width), Constraint::Fill(1)]).areas(line);
        frame.render_widget(Span::styled(label, label_style), l);
        if f.key() == FieldKey::Environment {
            let mut spans = vec![
                env_badge(w.environment),
                Span::raw(format!(" {}", w.environment.login_host())),
            ];
            if focused {
                spans.push(Span::styled(
                    "  ←/→ switches",
                    Style::new().fg(Color::DarkGray),
                ));
            }
            frame.render_widget(Line::from(spans), input);
        } else if focused {
            crate::tui::fit::input(&f.input, frame, input);
        } else {
            let room = usize::from(input.width);
            let shown = match (f.value(), f.spec.key.is_secret()) {
                ("", _) => Span::styled(
                    truncate(f.input.placeholder_text(), room),
                    Style::new().fg(Color::DarkGray),
                ),
                (v, true) => Span::raw(truncate(&"•".repeat(v.chars().count()), room)),
                (v, false) => Span::raw(truncate(v, room)),
            };
            frame.render_widget(shown, input);
        }
        y += 1;
        if let Some(err) = &f.error {
            // Wrapped under the value with a hanging indent, so the fix at the end of a long
            // message (the host to use instead) is on screen at 80 columns too.
            let width = form.width.saturating_sub(label_width + 1);
            // The form grew to hold every row of it: a message is shown whole.
            let room = form.bottom().saturating_sub(y);
            let lines = error_lines(err, width);
            let height = (lines.len() as u16).min(room);
            let area = Rect {
                x: form.x + label_width,
                y,
                width,
                height,
            };
            frame.render_widget(Paragraph::new(lines), area);
            y += height;
        }
    }
    if let Some(f) = w.focused() {
        let mut lines = wrapped(
            &f.spec.help,
            about.width.saturating_sub(1),
            " ",
            " ",
            Style::new().fg(Color::Gray),
        );
        if !f.spec.hints.is_empty() {
            lines.push(Line::from(Span::styled(
                " If Salesforce says no:",
                Style::new().fg(Color::DarkGray),
            )));
            lines.extend(f.spec.hints.iter().map(|id| hint_line(app, id)));
        }
        let lines = crate::tui::fit::hang(lines, about.width.saturating_sub(1));
        frame.render_widget(Paragraph::new(lines), about);
    }
}

fn render_checklist(app: &App, w: &Wizard, frame: &mut Frame, area: Rect) {
    let Some(guide) = w.guide() else { return };
    let mut outer = block("3 · Salesforce Setup checklist");
    if w.can_create_app() {
        outer = outer.title_bottom(Line::from(vec![
            Span::styled(" c ", Style::new().fg(Color::Black).bg(Color::Cyan)),
            Span::styled(
                " Create this app for me, with an admin's connection ",
                Style::new().fg(Color::Cyan),
            ),
        ]));
    }
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let [list, _, detail] = Layout::vertical([
        Constraint::Length(guide.setup.len() as u16),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    let items: Vec<Line> = guide
        .setup
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let done = w.done.get(i).copied().unwrap_or(false);
            let selected = i == w.checklist_cursor;
            let style = if selected {
                Style::new().fg(Color::Cyan).bold()
            } else {
                Style::new()
            };
            Line::from(vec![
                Span::raw(if selected { " ▶ " } else { "   " }),
                Span::styled(
                    if done { "[x] " } else { "[ ] " },
                    Style::new().fg(if done { Color::Green } else { Color::DarkGray }),
                ),
                Span::styled(format!("{}. {}", i + 1, s.title), style),
            ])
        })
        .map(|l| crate::tui::fit::truncate_line(l, usize::from(list.width)))
        .collect();
    frame.render_widget(Paragraph::new(items), list);
    if let Some(step) = guide.setup.get(w.checklist_cursor) {
        // Once the connection has a name, the commands say it (`sfconn keygen prod`).
        let name = w.known_name();
        let mut lines: Vec<Line> = step
            .detail
            .iter()
            .map(|d| match &name {
                Some(n) => crate::diagnose::catalog::personalize(d, n),
                None => d.clone(),
            })
            .flat_map(|d| {
                wrapped(
                    &d,
                    detail.width.saturating_sub(1),
                    " • ",
                    "   ",
                    Style::new(),
                )
            })
            .collect();
        if let Some(page) = &step.page {
            let url = setup_url(w.domain().as_deref(), w.environment, page);
            // The demo's practice org has no Setup: say that `o` opens the local page standing
            // in for it, and where the real page is.
            let (says, url) = match &app.setup_stand_in {
                Some(dir) => (
                    " o opens a local page standing in for this Setup page (the practice org \
                     has none):",
                    format!(
                        "file://{}",
                        crate::tui::demo::setup_stand_in_file(dir, &url).display()
                    ),
                ),
                None => (" o opens this Setup page:", url),
            };
            lines.push(Line::from(Span::styled(
                says,
                Style::new().fg(Color::DarkGray),
            )));
            lines.push(Line::from(Span::styled(
                format!("   {url}"),
                Style::new().fg(Color::Cyan),
            )));
        }
        if !step.hints.is_empty() {
            lines.push(Line::from(Span::styled(
                " If this step is missed:",
                Style::new().fg(Color::DarkGray),
            )));
            lines.extend(step.hints.iter().map(|id| hint_line(app, id)));
        }
        let lines = crate::tui::fit::hang(lines, detail.width.saturating_sub(1));
        frame.render_widget(Paragraph::new(lines), detail);
    }
}

fn render_review(w: &Wizard, frame: &mut Frame, area: Rect) {
    let mut lines = vec![Line::from(vec![
        Span::styled(format!(" {:<18}", "Flow"), Style::new().fg(Color::DarkGray)),
        Span::raw(w.flow.as_str()),
    ])];
    for f in &w.fields {
        let value = if f.key() == FieldKey::Environment {
            w.environment.to_string()
        } else if f.key().is_secret() {
            match (f.value().is_empty(), f.stored) {
                (false, _) => "•••••• (new, goes to the secret store)".to_string(),
                (true, true) if f.forget => "stored (removed on save)".to_string(),
                (true, true) => "stored (kept)".to_string(),
                (true, false) => "(none)".to_string(),
            }
        } else if f.value().is_empty() {
            "(default)".to_string()
        } else if f.key() == FieldKey::Domain {
            w.domain().unwrap_or_else(|| f.value().to_string())
        } else {
            f.value().to_string()
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {:<18}", f.spec.label),
                Style::new().fg(Color::DarkGray),
            ),
            Span::raw(value),
        ]));
    }
    lines.push(Line::from(""));
    if w.environment == Environment::Production {
        lines.push(Line::from(vec![
            Span::raw(" "),
            env_badge(Environment::Production),
            Span::styled(
                " This connection reaches a production org.",
                Style::new().fg(Color::Red).bold(),
            ),
        ]));
    }
    lines.push(Line::from(
        " Enter saves the connection, then runs the flow and the test.",
    ));
    // A long value (a consumer key) ends in `…` rather than at the border.
    let width = usize::from(area.width.saturating_sub(3));
    let lines: Vec<Line<'static>> = lines
        .into_iter()
        .map(|l| crate::tui::fit::truncate_line(l, width))
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block("5 · Review")), area);
}
