//! Options and progress events of an interactive login.

use std::time::Duration;

/// How a login runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginOptions {
    /// Print the authorization URL instead of opening a browser (web).
    pub no_browser: bool,
    /// How long the web flow waits for the browser to come back (120 s like the Salesforce CLI).
    pub callback_timeout: Duration,
    /// Per-request timeout.
    pub timeout: Duration,
}

/// The Salesforce CLI waits 120 s for the browser (research §5).
pub const DEFAULT_CALLBACK_TIMEOUT: Duration = Duration::from_secs(120);

impl Default for LoginOptions {
    fn default() -> Self {
        LoginOptions {
            no_browser: false,
            callback_timeout: DEFAULT_CALLBACK_TIMEOUT,
            timeout: Duration::from_secs(crate::profile::model::DEFAULT_TIMEOUT_SECS),
        }
    }
}

impl LoginOptions {
    /// The options every front end uses: the callback wait from the environment (else 120 s).
    pub fn new(timeout: Duration, no_browser: bool) -> LoginOptions {
        LoginOptions {
            no_browser,
            callback_timeout: LoginOptions::callback_timeout_from_env(),
            timeout,
        }
    }

    /// The callback wait: `SFCONN_CALLBACK_TIMEOUT_SECS` when set to a positive number, else 120 s.
    pub fn callback_timeout_from_env() -> Duration {
        std::env::var("SFCONN_CALLBACK_TIMEOUT_SECS")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|s| *s > 0)
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_CALLBACK_TIMEOUT)
    }
}

/// Progress of a login, for the CLI to print and the TUI to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginEvent {
    /// The browser was asked to open the authorization URL.
    BrowserOpened { url: String },
    /// `--no-browser`: the person opens this URL themselves.
    OpenThisUrl { url: String },
    /// No browser could be opened (hint `browser-unavailable`); the login keeps waiting.
    BrowserUnavailable { url: String, reason: String },
    /// Device flow: enter `user_code` at `verification_uri`.
    DeviceCode {
        user_code: String,
        verification_uri: String,
        interval_secs: u64,
    },
    Waiting {
        detail: String,
        /// How long the login waits from now, for a countdown.
        wait_secs: u64,
    },
}
