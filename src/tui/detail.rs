//! One connection: settings, stored secrets (kinds only), the last test step by step with
//! Salesforce's exact answer, and the hints.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::{App, ConnRow, RunStatus};
use super::fit;
use super::widgets::{block, env_badge, relative, spinner, status_span, wrapped};
use crate::salesforce::{StepName, StepReport, TestReport, TokenSource};

/// Where the detail view's parts go in `area` (the body between header and status line).
struct Areas {
    header: Rect,
    settings: Rect,
    result: Rect,
}

/// The Last test pane keeps at least this many rows (its border included) on a short terminal:
/// the settings pane gives them up first.
const MIN_RESULT_ROWS: u16 = 6;

fn areas(settings: &[Line<'_>], area: Rect) -> Areas {
    let [header, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let (settings, result) = if body.width >= 110 {
        // As wide as the settings are (a key file's path), within limits: the test result
        // keeps at least 56 columns.
        let widest = settings.iter().map(Line::width).max().unwrap_or(0);
        let want = u16::try_from(widest + 3).unwrap_or(u16::MAX);
        let width = want.clamp(44, body.width.saturating_sub(56).max(44));
        let [l, r] =
            Layout::horizontal([Constraint::Length(width), Constraint::Fill(1)]).areas(body);
        (l, r)
    } else {
        let rows = u16::try_from(settings.len())
            .unwrap_or(u16::MAX)
            .saturating_add(2);
        let room = body.height.saturating_sub(MIN_RESULT_ROWS).max(3);
        let [l, r] =
            Layout::vertical([Constraint::Length(rows.min(room)), Constraint::Fill(1)]).areas(body);
        (l, r)
    };
    Areas {
        header,
        settings,
        result,
    }
}

/// The test result as drawn in `area`: its lines (wrapped to fit) and its inner height.
fn result_pane(app: &App, row: &ConnRow, area: Rect) -> (Vec<Line<'static>>, Rect) {
    let a = areas(&settings_lines(app, row), area);
    // One column of padding before the right border.
    let width = a.result.width.saturating_sub(3);
    (fit::hang(test_lines(app, row, width), width), a.result)
}

/// How far the test result scrolls when the body is `area`: to its last line, no further.
pub fn max_scroll(app: &App, area: Rect) -> u16 {
    let Some(row) = app.detail_row() else {
        return 0;
    };
    let (lines, pane) = result_pane(app, row, area);
    fit::max_scroll(lines.len(), pane.height.saturating_sub(2))
}

/// The rows of the test result in view when the body is `area` (what PgDn/PgUp move by).
pub fn page_rows(app: &App, area: Rect) -> u16 {
    let Some(row) = app.detail_row() else {
        return 1;
    };
    let (_, pane) = result_pane(app, row, area);
    pane.height.saturating_sub(2).max(1)
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let Some(row) = app.detail_row() else {
        frame.render_widget(
            Paragraph::new(" This connection no longer exists (Esc goes back)."),
            area,
        );
        return;
    };
    let settings = settings_lines(app, row);
    let a = areas(&settings, area);
    let mut title = vec![
        Span::styled(format!(" {} ", row.name()), Style::new().bold()),
        env_badge(row.conn.environment),
        Span::raw(format!(" {} ", row.conn.flow)),
    ];
    if app.default.as_deref() == Some(row.name()) {
        title.push(Span::styled(" ★ default", Style::new().fg(Color::Yellow)));
    }
    title.push(Span::raw("  "));
    title.push(status_span(app, &row.status));
    let title = fit::truncate_line(Line::from(title), usize::from(a.header.width));
    frame.render_widget(Paragraph::new(title), a.header);

    // One column of padding on the right; rows that do not fit end in `…`.
    let width = usize::from(a.settings.width.saturating_sub(3));
    let settings: Vec<Line> = settings
        .into_iter()
        .map(|l| fit::truncate_line(l, width))
        .collect();
    let settings = fit::cut_rows(
        settings,
        usize::from(a.settings.height.saturating_sub(2)),
        width,
    );
    frame.render_widget(
        Paragraph::new(settings).block(block("Settings")),
        a.settings,
    );
    let (lines, right) = result_pane(app, row, area);
    let scroll = app
        .detail_scroll
        .min(fit::max_scroll(lines.len(), right.height.saturating_sub(2)));
    let frame_block = fit::more_below(
        block("Last test"),
        lines.len() > usize::from(right.height.saturating_sub(2)) + usize::from(scroll),
        "(j, PgDn) ",
    );
    let frame_block = fit::more_above(frame_block, scroll > 0, "(k, PgUp) ");
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll, 0)).block(frame_block),
        right,
    );
}

fn kv(key: &str, value: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!(" {key:<14}"), Style::new().fg(Color::DarkGray)),
        Span::raw(value),
    ])
}

fn settings_lines(app: &App, row: &ConnRow) -> Vec<Line<'static>> {
    let c = &row.conn;
    let path = |p: &Option<std::path::PathBuf>| p.as_ref().map(|p| p.display().to_string());
    let mut lines = vec![
        kv("environment", c.environment.to_string()),
        kv("login host", c.login_host().to_string()),
    ];
    let optional = [
        ("client id", c.client_id.clone()),
        ("username", c.username.clone()),
        ("key file", path(&c.key_file)),
        ("cert file", path(&c.cert_file)),
        (
            "audience",
            c.audience.clone().or_else(|| {
                (c.flow == crate::profile::Flow::Jwt).then(|| c.audience().to_string())
            }),
        ),
        (
            "scopes",
            c.flow.is_interactive().then(|| c.scopes().to_string()),
        ),
        (
            "callback port",
            (c.flow == crate::profile::Flow::Web).then(|| c.callback_port().to_string()),
        ),
        (
            "timeout",
            Some(format!("{} s", app.timeout_for(c).as_secs())),
        ),
    ];
    lines.extend(
        optional
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| kv(k, v))),
    );
    let secrets = match &row.secrets {
        None => "…".to_string(),
        Some(Err(e)) => format!("cannot read the secret store: {e}"),
        Some(Ok(kinds)) if kinds.is_empty() => "none stored".to_string(),
        Some(Ok(kinds)) => kinds
            .iter()
            .map(|k| format!("{} ••••", k.as_str()))
            .collect::<Vec<_>>()
            .join(", "),
    };
    lines.push(kv("secrets", secrets));
    if c.flow == crate::profile::Flow::Password {
        // Issue 11: the flow's retirement, counted on the TUI's clock (tests pin it).
        let days = crate::eca::retirement::days_left(app.today());
        let text = if days > 0 {
            format!("{days} days left (2027-02-20)")
        } else {
            "retired on 2027-02-20".to_string()
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {:<14}", "retirement"),
                Style::new().fg(Color::DarkGray),
            ),
            Span::styled(text, Style::new().fg(Color::Yellow)),
        ]));
    }
    lines
}

fn step_line(step: &StepReport) -> Line<'static> {
    let (mark, style) = if step.ok {
        ("✓", Style::new().fg(Color::Green))
    } else {
        ("✗", Style::new().fg(Color::Red))
    };
    Line::from(vec![
        Span::styled(format!(" {mark} "), style),
        Span::raw(format!("{:<9}", step.step.as_str())),
        Span::styled(
            format!("{:>9}", super::fit::duration(step.ms)),
            Style::new().fg(Color::DarkGray),
        ),
    ])
}

/// Steps finished so far plus the running one with a spinner (shared with the wizard).
pub fn running_lines(
    app: &App,
    done: &[StepReport],
    current: Option<StepName>,
) -> Vec<Line<'static>> {
    let mut lines: Vec<Line> = done.iter().map(step_line).collect();
    if let Some(step) = current.filter(|s| !done.iter().any(|d| d.step == *s)) {
        lines.push(Line::from(Span::styled(
            format!(" {} {}…", spinner(app), step.as_str()),
            Style::new().fg(Color::Yellow),
        )));
    }
    lines
}

/// Where the token of a run came from, and what that proves.
fn token_line(source: TokenSource) -> Line<'static> {
    Line::from(vec![
        Span::raw(" Token: "),
        Span::styled(source.as_str(), Style::new().bold()),
        Span::styled(
            match source {
                TokenSource::Cached => " (reused: proves the token, not the credentials)",
                TokenSource::Refreshed => " (new, from the refresh token)",
                TokenSource::Granted => " (new, from a sign-in or the credentials)",
            },
            Style::new().fg(Color::DarkGray),
        ),
    ])
}

/// Who said what follows: Salesforce only when there was an HTTP answer; a failure on the way
/// (no connection, a timeout) or on this machine is not Salesforce's word.
pub fn who_answered(err: &crate::salesforce::StepError) -> String {
    use crate::salesforce::Failure;
    match (&err.failure, err.http_status) {
        (Failure::NotSalesforce { .. }, Some(s)) => format!("The server answered HTTP {s}"),
        (_, Some(s)) => format!("Salesforce answered (HTTP {s})"),
        (Failure::Transport { host, .. }, None) => format!("No answer from {host}"),
        (Failure::Local { .. }, None) => "Stopped on this machine, before asking Salesforce".into(),
        (Failure::NeedsLogin { .. }, None) => "Needs a sign-in first".into(),
        (Failure::NotSalesforce { .. }, None) => "The server did not answer like Salesforce".into(),
        (Failure::OAuth { .. } | Failure::Rest { .. }, None) => "Salesforce answered".into(),
    }
}

/// The report: steps, Salesforce's answer, the hints with their fix steps.
pub fn report_lines(report: &TestReport, width: u16) -> Vec<Line<'static>> {
    let mut lines: Vec<Line> = report.steps.iter().map(step_line).collect();
    if let Some(user) = &report.user {
        lines.push(Line::from(""));
        lines.push(Line::from(format!(
            " Signed in as {} ({}), org {}",
            user.username, user.name, user.organization_id
        )));
    }
    if let Some(source) = report.token_source {
        lines.push(token_line(source));
    }
    if let Some(err) = &report.error {
        lines.push(Line::from(""));
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {} failed", err.step.as_str()),
                Style::new().fg(Color::Red).bold(),
            ),
            Span::raw(format!(" · {}:", who_answered(err))),
        ]));
        let answer = match (&err.code, &err.description) {
            (Some(c), Some(d)) => format!("{c}: {d}"),
            (Some(c), None) => c.clone(),
            (None, Some(d)) => d.clone(),
            (None, None) => "(no error text)".into(),
        };
        lines.extend(wrapped(
            &answer,
            width,
            "   ",
            "   ",
            Style::new().add_modifier(Modifier::ITALIC),
        ));
    }
    if !report.hints.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(" What to do", Style::new().bold())));
        for hint in &report.hints {
            lines.push(Line::from(vec![
                Span::styled(" ▸ ", Style::new().fg(Color::Yellow)),
                Span::styled(hint.title.clone(), Style::new().bold()),
                Span::styled(format!("  [{}]", hint.id), Style::new().fg(Color::DarkGray)),
            ]));
            for (i, step) in hint.fix.iter().enumerate() {
                lines.extend(wrapped(
                    step,
                    width,
                    &format!("   {}. ", i + 1),
                    "      ",
                    Style::new(),
                ));
            }
        }
    }
    lines
}

fn test_lines(app: &App, row: &ConnRow, width: u16) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if !row.login.is_empty() && row.is_running() {
        lines.extend(row.login.lines(app.now));
        lines.push(Line::from(""));
    }
    match (&row.status, &row.report, &row.last) {
        (RunStatus::Running { step, .. }, _, _) => {
            lines.extend(running_lines(app, &row.live_steps, Some(*step)))
        }
        (_, Some(report), last) => {
            if let Some(t) = last {
                lines.push(Line::from(Span::styled(
                    format!(" {}", relative(app.now, &t.at)),
                    Style::new().fg(Color::DarkGray),
                )));
            }
            lines.extend(report_lines(report, width));
        }
        (_, None, Some(t)) => {
            lines.push(Line::from(Span::styled(
                format!(
                    " {} ({}), from the state file",
                    relative(app.now, &t.at),
                    t.at
                ),
                Style::new().fg(Color::DarkGray),
            )));
            lines.extend(t.steps.iter().map(step_line));
            if let Some(source) = t.token_source {
                lines.push(token_line(source));
            }
            if let Some(code) = &t.error_code {
                lines.push(Line::from(format!(" error: {code}")));
            }
            if let Some(h) = &t.hint_title {
                lines.push(Line::from(format!(" ▸ {h}")));
            }
            lines.push(Line::from(
                " Press t to test again for Salesforce's full answer and the hints.",
            ));
        }
        (_, None, None) => lines.push(Line::from(" Not tested yet: press t to test, l to log in.")),
    }
    lines
}
