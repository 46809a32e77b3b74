//! Drawing the wizard's last step: saving, the flow and the test running live, then the
//! result with Salesforce's answer and the hints, scrolled with ↑↓/jk.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{ConnectState, Step, Wizard};
use crate::tui::action::RunKind;
use crate::tui::app::App;
use crate::tui::detail::{report_lines, running_lines};
use crate::tui::widgets::block;

/// How far the Connect step's text scrolls when the wizard's area is `area`.
pub fn max_scroll(app: &App, area: Rect) -> u16 {
    let Some(w) = app.wizard.as_deref().filter(|w| w.step == Step::Connect) else {
        return 0;
    };
    let [_, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let lines = connect_lines(app, w, body.width.saturating_sub(3));
    crate::tui::fit::max_scroll(lines.len(), body.height.saturating_sub(2))
}

pub fn render(app: &App, w: &Wizard, frame: &mut Frame, area: Rect) {
    let lines = connect_lines(app, w, area.width.saturating_sub(3));
    let height = area.height.saturating_sub(2);
    let scroll = w
        .connect_scroll
        .min(crate::tui::fit::max_scroll(lines.len(), height));
    let frame_block = crate::tui::fit::more_below(
        block("6 · Connect"),
        lines.len() > usize::from(height) + usize::from(scroll),
        "(j) ",
    );
    let frame_block = crate::tui::fit::more_above(frame_block, scroll > 0, "(k) ");
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll, 0)).block(frame_block),
        area,
    );
}

/// The Connect step's text, wrapped to `width`.
fn connect_lines(app: &App, w: &Wizard, width: u16) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    match &w.connect {
        None | Some(ConnectState::Saving) => lines.push(Line::from(format!(
            " {} Saving…",
            crate::tui::widgets::spinner(app)
        ))),
        Some(ConnectState::Running { kind, steps, login }) => {
            lines.push(Line::from(Span::styled(
                " ✓ Saved",
                Style::new().fg(Color::Green),
            )));
            let label = match kind {
                RunKind::Login => " Running the flow (login), then userinfo:",
                RunKind::Test => " Testing: reach, token, userinfo, api:",
            };
            lines.push(Line::from(label));
            lines.extend(login.lines(app.now));
            let next = crate::salesforce::StepName::ALL
                .iter()
                .copied()
                .find(|s| !steps.iter().any(|d| d.step == *s));
            let next = if *kind == RunKind::Login && steps.is_empty() {
                Some(crate::salesforce::StepName::Token)
            } else {
                next
            };
            lines.extend(running_lines(app, steps, next));
        }
        Some(ConnectState::Connected { report }) => {
            let who = report
                .user
                .as_ref()
                .map(|u| u.username.clone())
                .unwrap_or_else(|| "?".into());
            let org = report
                .instance_url
                .as_deref()
                .and_then(|u| url::Url::parse(u).ok())
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_else(|| "the org".into());
            lines.push(Line::from(Span::styled(
                format!(" ✓ Connected as {who} in {org}"),
                Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
            )));
            lines.push(Line::from(""));
            lines.extend(report_lines(report, width));
        }
        Some(ConnectState::Failed {
            report,
            message,
            fields,
        }) => {
            lines.push(Line::from(Span::styled(
                format!(" ✗ {message}"),
                Style::new().fg(Color::Red).bold(),
            )));
            lines.push(Line::from(""));
            if let Some(r) = report {
                lines.extend(report_lines(r, width));
            }
            lines.push(Line::from(""));
            lines.push(Line::from(if super::fixable(report.as_deref(), fields) {
                " f goes back to the field to fix, r tries again."
            } else {
                " r tries again."
            }));
        }
    }
    crate::tui::fit::hang(lines, width)
}
