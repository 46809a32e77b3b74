//! The connection list: name, PROD/SANDBOX badge, flow, user, status, last tested; `/` filter.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::app::App;
use super::fit::truncate;
use super::widgets::{block, env_badge, relative, status_span};
use crate::profile::Flow;

/// Draw the list into `area` (header, filter, table).
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let filter_shown = app.filter_editing || !app.filter_text().is_empty();
    let [header, filter, table] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(if filter_shown { 1 } else { 0 }),
        Constraint::Fill(1),
    ])
    .areas(area);
    render_header(app, frame, header);
    if filter_shown {
        render_filter(app, frame, filter);
    }
    render_table(app, frame, table);
}

fn render_header(app: &App, frame: &mut Frame, area: Rect) {
    let count = if app.visible.len() == app.rows.len() {
        super::fit::plural(app.rows.len(), "connection", "connections")
    } else {
        format!(
            "{} of {}",
            app.visible.len(),
            super::fit::plural(app.rows.len(), "connection", "connections")
        )
    };
    let default = match &app.default {
        Some(d) => format!(" · default {d}"),
        None => String::new(),
    };
    let left = Line::from(vec![
        Span::styled(
            " sfconn ",
            Style::new().fg(Color::Black).bg(Color::Blue).bold(),
        ),
        Span::raw(format!(" {count}{default}")),
    ]);
    let used = left.width() as u16;
    let [l, r] = Layout::horizontal([Constraint::Length(used), Constraint::Fill(1)]).areas(area);
    frame.render_widget(Paragraph::new(left), l);
    // The profile path goes right; when the line is short, its tail is what matters.
    let room = usize::from(r.width).saturating_sub(3);
    let path = &app.profile_path;
    let count = path.chars().count();
    let shown = if count <= room {
        path.clone()
    } else if room > 10 {
        format!(
            "…{}",
            path.chars().skip(count - room + 1).collect::<String>()
        )
    } else {
        String::new()
    };
    frame.render_widget(
        Paragraph::new(Span::styled(
            format!("{shown} "),
            Style::new().fg(Color::DarkGray),
        ))
        .right_aligned(),
        r,
    );
}

fn render_filter(app: &App, frame: &mut Frame, area: Rect) {
    let [label, input] =
        Layout::horizontal([Constraint::Length(9), Constraint::Fill(1)]).areas(area);
    frame.render_widget(
        Span::styled(" filter: ", Style::new().fg(Color::Yellow).bold()),
        label,
    );
    if app.filter_editing {
        super::fit::input(&app.filter, frame, input);
    } else {
        frame.render_widget(Span::raw(app.filter_text().to_string()), input);
    }
}

fn render_table(app: &App, frame: &mut Frame, area: Rect) {
    let inner = block("Connections").inner(area);
    // Only the rows in view are built, so 10,000 connections cost what 20 do.
    let height = inner.height.saturating_sub(1) as usize;
    let offset = if app.selected < height {
        0
    } else {
        app.selected + 1 - height
    };
    let outer = super::fit::more_below(
        block("Connections"),
        offset + height < app.visible.len(),
        "(j, PgDn) ",
    );
    let outer = super::fit::more_above(outer, offset > 0, "(k, PgUp) ");
    frame.render_widget(outer, area);
    if app.rows.is_empty() {
        let text = vec![
            Line::from(""),
            Line::from("  No connections yet."),
            Line::from(vec![
                Span::raw("  Press "),
                Span::styled("n", Style::new().fg(Color::Cyan).bold()),
                Span::raw(" to set one up, or run `sfconn demo` to try the practice org."),
            ]),
        ];
        frame.render_widget(Paragraph::new(text), inner);
        return;
    }
    if app.visible.is_empty() {
        frame.render_widget(
            Paragraph::new("  Nothing matches the filter (Esc clears it)."),
            inner,
        );
        return;
    }
    let wide = inner.width >= 100;
    let mut widths = vec![
        Constraint::Length(2),
        Constraint::Fill(if wide { 2 } else { 3 }),
        Constraint::Length(9),
        Constraint::Length(if wide { 18 } else { 12 }),
    ];
    let mut titles = vec!["", "NAME", "ENV", "FLOW"];
    if wide {
        widths.push(Constraint::Fill(2));
        titles.push("USER");
    }
    widths.push(Constraint::Fill(4));
    widths.push(Constraint::Length(9));
    titles.extend(["STATUS", "TESTED"]);
    // The columns' real widths, so a name or status that does not fit ends in `…` instead of
    // being cut mid-word with nothing to say so.
    let columns = Layout::horizontal(widths.clone()).spacing(1).split(inner);
    let (name_width, status_width) = (
        usize::from(columns[1].width),
        usize::from(columns[columns.len() - 2].width),
    );
    let rows = app
        .visible
        .iter()
        .skip(offset)
        .take(height)
        .enumerate()
        .map(|(i, &index)| {
            let r = &app.rows[index];
            let selected = offset + i == app.selected;
            let is_default = app.default.as_deref() == Some(r.name());
            let marker = match (selected, is_default) {
                (true, true) => "▶★",
                (true, false) => "▶ ",
                (false, true) => " ★",
                (false, false) => "  ",
            };
            let tested = r
                .last
                .as_ref()
                .map(|t| relative(app.now, &t.at))
                .unwrap_or_else(|| "never".into());
            let mut cells = vec![
                Cell::from(marker),
                Cell::from(truncate(r.name(), name_width)),
                Cell::from(env_badge(r.conn.environment)),
                flow_cell(app, r.conn.flow, wide, usize::from(columns[3].width)),
            ];
            if wide {
                // Web, device and client-credentials profiles name no user: the user the last
                // run signed in as (this session's; the state file does not keep it).
                let user = r
                    .conn
                    .username
                    .as_deref()
                    .or_else(|| {
                        r.report
                            .as_ref()
                            .and_then(|rep| rep.user.as_ref())
                            .map(|u| u.username.as_str())
                    })
                    .unwrap_or_default();
                cells.push(Cell::from(truncate(user, usize::from(columns[4].width))));
            }
            let status = status_span(app, &r.status);
            let status = Span::styled(truncate(&status.content, status_width), status.style);
            cells.push(Cell::from(status));
            cells.push(Cell::from(tested));
            let row = Row::new(cells);
            if selected {
                row.style(Style::new().add_modifier(Modifier::REVERSED))
            } else {
                row
            }
        });
    let header = Row::new(titles).style(Style::new().fg(Color::DarkGray).bold());
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        inner,
    );
}

/// The flow, and for a password connection the days left until the flow's retirement (issue 11).
fn flow_cell(app: &App, flow: Flow, wide: bool, width: usize) -> Cell<'static> {
    match flow {
        Flow::Password => Cell::from(Span::styled(
            crate::eca::retirement::flow_column(app.today(), width),
            Style::new().fg(Color::Yellow),
        )),
        // Narrow terminals: the name matters more than the flow's full spelling.
        Flow::ClientCredentials if !wide => Cell::from("client-creds"),
        _ => Cell::from(flow.as_str()),
    }
}
