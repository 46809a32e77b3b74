//! One connection: settings, stored secrets (kinds only), the last test step by step with
//! Salesforce's exact answer, and the hints.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::app::{App, ConnRow, RunStatus};
use super::widgets::{block, env_badge, relative, spinner, status_span, wrapped};
use crate::salesforce::LoginEvent;
use crate::salesforce::{StepName, StepReport, TestReport, TokenSource};

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let Some(row) = app.detail_row() else {
        frame.render_widget(
            Paragraph::new(" This connection no longer exists (Esc goes back)."),
            area,
        );
        return;
    };
    let [header, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
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
    frame.render_widget(Paragraph::new(Line::from(title)), header);

    let settings = settings_lines(app, row);
    let (left, right) = if body.width >= 110 {
        let [l, r] = Layout::horizontal([Constraint::Length(52), Constraint::Fill(1)]).areas(body);
        (l, r)
    } else {
        let [l, r] = Layout::vertical([
            Constraint::Length(settings.len() as u16 + 2),
            Constraint::Fill(1),
        ])
        .areas(body);
        (l, r)
    };
    frame.render_widget(Paragraph::new(settings).block(block("Settings")), left);
    let lines = test_lines(app, row, right.width.saturating_sub(2));
    let frame_block = super::fit::with_more_marker(
        block("Last test"),
        &lines,
        right.width.saturating_sub(2),
        right.height.saturating_sub(2),
        app.detail_scroll,
        "(j) ",
    );
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((app.detail_scroll, 0))
            .block(frame_block),
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

/// A login in progress as the person needs it: what to act on (the URL to open, the device
/// code and where to enter it) stays on screen for the whole wait, with the seconds left.
#[derive(Debug, Clone, Default)]
pub struct LoginProgress {
    prompt: Option<LoginEvent>,
    waiting: Option<(String, time::OffsetDateTime)>,
}

impl LoginProgress {
    /// Take in what the engine reported at `now`: a wait never replaces the prompt.
    pub fn apply(&mut self, note: LoginEvent, now: time::OffsetDateTime) {
        match note {
            LoginEvent::Waiting { detail, wait_secs } => {
                let until = now + time::Duration::seconds(i64::try_from(wait_secs).unwrap_or(0));
                self.waiting = Some((detail, until));
            }
            other => self.prompt = Some(other),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.prompt.is_none() && self.waiting.is_none()
    }

    pub fn lines(&self, now: time::OffsetDateTime) -> Vec<Line<'static>> {
        let mut lines = self
            .prompt
            .as_ref()
            .map(login_note_lines)
            .unwrap_or_default();
        if let Some((detail, until)) = &self.waiting {
            let left = (*until - now).whole_seconds().max(0);
            lines.push(Line::from(vec![
                Span::styled(
                    format!(" {left} s left"),
                    Style::new().fg(Color::Yellow).bold(),
                ),
                Span::styled(format!(" · {detail}"), Style::new().fg(Color::DarkGray)),
            ]));
        }
        lines
    }
}

pub fn login_note_lines(note: &LoginEvent) -> Vec<Line<'static>> {
    match note {
        LoginEvent::BrowserOpened { url } => vec![Line::from(format!(
            " Sign in in the browser window that opened ({url})."
        ))],
        LoginEvent::OpenThisUrl { url } => {
            vec![Line::from(format!(" Open this address to sign in: {url}"))]
        }
        LoginEvent::BrowserUnavailable { url, reason } => vec![
            Line::from(format!(" No browser could be opened ({reason}).")),
            Line::from(format!(" Open this address yourself: {url}")),
        ],
        LoginEvent::DeviceCode {
            user_code,
            verification_uri,
            ..
        } => vec![
            Line::from(vec![
                Span::raw(" Go to "),
                Span::styled(verification_uri.clone(), Style::new().fg(Color::Cyan)),
            ]),
            Line::from(vec![
                Span::raw(" and enter the code "),
                Span::styled(
                    format!(" {user_code} "),
                    Style::new().fg(Color::Black).bg(Color::Yellow).bold(),
                ),
            ]),
        ],
        LoginEvent::Waiting { detail, .. } => vec![Line::from(format!(" {detail}"))],
    }
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
        let status = err
            .http_status
            .map(|s| format!("HTTP {s}"))
            .unwrap_or_else(|| "no HTTP answer".into());
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {} failed", err.step.as_str()),
                Style::new().fg(Color::Red).bold(),
            ),
            Span::raw(format!(" · Salesforce answered ({status}):")),
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
