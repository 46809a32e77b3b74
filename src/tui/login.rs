//! A login in progress (web or device), as the detail view and the wizard's Connect step show
//! it: the address to open or the code to enter stays for the whole wait.

use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};

use crate::salesforce::LoginEvent;

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
        LoginEvent::BrowserUnavailable { url, reason } => {
            tracing::warn!(%reason, "no browser could be opened for the login");
            vec![
                Line::from(" No browser could be opened; open this page yourself:"),
                Line::from(format!(" {url}")),
            ]
        }
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
