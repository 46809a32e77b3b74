//! What the engine-backed commands share: load the profile file, pick the connection, open the
//! secret store, compute the request timeout, and turn engine failures into exit codes.

use std::time::Duration;

use super::Context;
use crate::error::{CliError, CliResult};
use crate::profile::{Connection, Profiles};
use crate::salesforce::{CachedToken, Engine, Failure, StepError, TestReport, TokenSource};

/// The profile file and an engine over the secret store.
pub(crate) struct Session {
    pub profiles: Profiles,
    pub engine: Engine,
}

impl Session {
    pub(crate) fn open(ctx: &Context) -> CliResult<Session> {
        crate::salesforce::prepare_client();
        let profiles = super::common::load_profiles(ctx)?;
        let secrets = super::common::open_secrets(ctx)?;
        Ok(Session {
            profiles,
            engine: Engine::new(secrets),
        })
    }

    /// The session and the connection a command names, found before the secret store is opened
    /// (a missing or misspelled name is reported as such, not as a keychain problem).
    pub(crate) fn for_connection(
        ctx: &Context,
        name: Option<&str>,
    ) -> CliResult<(Session, Connection)> {
        crate::salesforce::prepare_client();
        let profiles = super::common::load_profiles(ctx)?;
        let name = profiles.resolve_name(name)?;
        let conn = profiles.require(&name)?.clone();
        let secrets = super::common::open_secrets(ctx)?;
        let session = Session {
            profiles,
            engine: Engine::new(secrets),
        };
        Ok((session, conn))
    }

    /// A valid access token for the connection (cached, refreshed or re-asserted once), or the
    /// command error with Salesforce's words and the right exit code.
    pub(crate) async fn access_token(
        &self,
        ctx: &Context,
        conn: &Connection,
    ) -> CliResult<(CachedToken, TokenSource)> {
        self.engine
            .access_token(conn, self.timeout(ctx, conn))
            .await
            .map_err(|e| step_error(conn, &e))
    }

    /// `--timeout` > the connection's `timeout_secs` > the file's `timeout_secs` > 10 s.
    pub(crate) fn timeout(&self, ctx: &Context, conn: &Connection) -> Duration {
        self.profiles.timeout_for(conn, ctx.timeout)
    }
}

/// One line for a failure: Salesforce's own words first, then sfconn's explanation.
pub(crate) fn describe_failure(failure: &Failure) -> String {
    match failure {
        Failure::OAuth {
            http_status,
            error,
            description,
        } => {
            let status = http_status
                .map(|s| format!("HTTP {s}: "))
                .unwrap_or_default();
            match description {
                Some(d) => format!("{status}{error}: {d}"),
                None => format!("{status}{error}"),
            }
        }
        Failure::Rest {
            http_status,
            error_code,
            message,
        } => match message {
            Some(m) => format!("HTTP {http_status}: {error_code}: {m}"),
            None => format!("HTTP {http_status}: {error_code}"),
        },
        Failure::NotSalesforce { detail, .. }
        | Failure::Transport { detail, .. }
        | Failure::Local { detail, .. }
        | Failure::NeedsLogin { detail } => detail.clone(),
    }
}

/// The command error for a failed step: exit 4, with the exact command to run, when only an
/// interactive login helps; else 1.
pub(crate) fn step_error(conn: &Connection, error: &StepError) -> CliError {
    let message = format!(
        "connection {}: the {} step failed: {}",
        conn.name,
        error.step.as_str(),
        describe_failure(&error.failure)
    );
    if error.needs_login {
        return CliError::needs_login(format!(
            "{message}\nnext: sign in again with `sfconn login {}`",
            conn.name
        ));
    }
    CliError::failure(message)
}

/// The exit status of a test or login report.
pub(crate) fn report_result(report: &TestReport, conn: &Connection) -> CliResult {
    match &report.error {
        None => Ok(()),
        Some(e) => Err(step_error(conn, e)),
    }
}

/// Print JSON to stdout.
pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> CliResult {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::failure(format!("cannot encode the JSON output: {e}")))?;
    println!("{text}");
    Ok(())
}
