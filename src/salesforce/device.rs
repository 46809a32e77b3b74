//! Device flow, Salesforce's variant (research §2.7): `response_type=device_code` for the codes,
//! then polls with the literal `grant_type=device` until the user approves.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::grant::{post_token, require_setting};
use super::hosts;
use super::http;
use super::login::LoginEvent;
use super::report::{Failure, LocalCondition};
use super::token::TokenResponse;
use crate::profile::Connection;

/// The Salesforce CLI polled up to 100 times and told users to approve within 10 minutes.
const MAX_POLLS: u32 = 100;
const MAX_WAIT: Duration = Duration::from_secs(600);

struct DeviceCode {
    device_code: String,
    user_code: String,
    verification_uri: String,
    interval: u64,
    /// RFC 8628's `expires_in`, when the server sends it.
    expires_in: Option<u64>,
}

/// How long to wait before the next poll, or `None` when the next poll would come after the
/// deadline: the code expires first, so waiting longer is pointless (a server may send any
/// `interval`, 900 s or 100000 s).
fn next_wait(elapsed: Duration, interval: Duration, deadline: Duration) -> Option<Duration> {
    let remaining = deadline.checked_sub(elapsed)?;
    (interval <= remaining).then_some(interval)
}

fn parse_codes(answer: &http::Answer) -> Result<DeviceCode, Failure> {
    if let Some(err) = answer.oauth_error() {
        return Err(err);
    }
    let value = answer
        .json()
        .filter(|_| answer.is_success())
        .ok_or_else(|| answer.not_salesforce("the device code request"))?;
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_string);
    let number = |key: &str| match value.get(key) {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    };
    let interval = number("interval").unwrap_or(5);
    let expires_in = number("expires_in");
    // The code and URL are shown on the terminal: no escape sequences from the server.
    let shown = |key: &str| text(key).map(|t| crate::diagnose::redact::printable(&t));
    match (
        text("device_code"),
        shown("user_code"),
        shown("verification_uri"),
    ) {
        (Some(device_code), Some(user_code), Some(verification_uri)) => Ok(DeviceCode {
            device_code,
            user_code,
            verification_uri,
            interval,
            expires_in,
        }),
        _ => Err(answer.not_salesforce("the device code request")),
    }
}

pub(crate) async fn login(
    conn: &Connection,
    timeout: Duration,
    on_event: &(dyn Fn(LoginEvent) + Send + Sync),
) -> Result<TokenResponse, Failure> {
    let client_id = require_setting(conn, conn.client_id.as_deref(), "client_id", "--client-id")?;
    let url = hosts::token_url(conn)?;
    let form = [
        ("response_type", "device_code"),
        ("client_id", client_id),
        ("scope", conn.scopes()),
    ];
    let answer = http::send(http::client().post(url).form(&form), timeout).await?;
    let codes = parse_codes(&answer)?;
    on_event(LoginEvent::DeviceCode {
        user_code: codes.user_code.clone(),
        verification_uri: codes.verification_uri.clone(),
        interval_secs: codes.interval,
    });
    let started = Instant::now();
    let deadline = codes
        .expires_in
        .map_or(MAX_WAIT, |secs| MAX_WAIT.min(Duration::from_secs(secs)));
    on_event(LoginEvent::Waiting {
        detail: format!(
            "waiting for the code {} to be approved at {} (up to {} minutes)",
            codes.user_code,
            codes.verification_uri,
            MAX_WAIT.as_secs() / 60
        ),
        wait_secs: deadline.as_secs(),
    });
    let mut interval = codes.interval.max(1);
    for _ in 0..MAX_POLLS {
        let Some(wait) = next_wait(started.elapsed(), Duration::from_secs(interval), deadline)
        else {
            break;
        };
        tokio::time::sleep(wait).await;
        let poll = [
            ("grant_type", "device"),
            ("client_id", client_id),
            ("code", codes.device_code.as_str()),
        ];
        match post_token(conn, &poll, timeout).await {
            Ok(token) => return Ok(token),
            Err(Failure::OAuth { error, .. }) if error == "authorization_pending" => {}
            // RFC 8628's back-off; not seen from Salesforce (research §2.7) but harmless.
            Err(Failure::OAuth { error, .. }) if error == "slow_down" => {
                interval = interval.saturating_add(5);
            }
            Err(other) => return Err(other),
        }
    }
    Err(Failure::Local {
        condition: LocalCondition::DeviceApprovalTimeout,
        detail: format!(
            "the code {} was not approved at {} in time; run `sfconn login {}` again for a new code",
            codes.user_code, codes.verification_uri, conn.name
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    #[test]
    fn the_wait_never_passes_the_deadline() {
        assert_eq!(next_wait(s(0), s(5), MAX_WAIT), Some(s(5)));
        assert_eq!(next_wait(s(590), s(10), MAX_WAIT), Some(s(10)));
        // An interval that outlives the code: stop at once instead of sleeping through it.
        assert_eq!(next_wait(s(0), s(900), MAX_WAIT), None);
        assert_eq!(next_wait(s(0), s(100_000), MAX_WAIT), None);
        assert_eq!(next_wait(s(595), s(10), MAX_WAIT), None);
        assert_eq!(next_wait(s(700), s(1), MAX_WAIT), None);
    }
}
