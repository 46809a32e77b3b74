//! Deploying a connection's External Client App and proving it (issue 11), once for both front
//! ends: deploy with an admin's connection, poll until it ends, read the generated secret back
//! (client credentials), save the connection with the app's consumer key, then test it again and
//! again across the propagation delay. Progress is reported as typed events; `sfconn app deploy`
//! prints them, the TUI wizard draws them.

use std::time::{Duration, Instant};

use super::AppSpec;
use super::failure::refused;
pub use super::failure::{DeployError, ExplainedFailure, classify, hint_text};
pub use super::prepare::{AppChoices, PrepareError, certificate, precheck, prepare, spec};
use crate::lifecycle::{Draft, Lifecycle};
use crate::profile::{Connection, Flow};
use crate::salesforce::metadata::{self, DeployState};
use crate::salesforce::{Engine, TestReport, TokenPolicy};
use crate::secrets::SecretKind;

/// How long a deploy may run, and how long the new consumer key may take to work.
pub const PROPAGATION_WAIT: Duration = Duration::from_secs(10 * 60);

/// `SFCONN_APP_POLL_MS`: the pause between deploy polls and between test retries (default 2 s
/// and 10 s). Tests set it to a few milliseconds.
pub fn poll_period(default_ms: u64) -> Duration {
    let ms = std::env::var("SFCONN_APP_POLL_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(default_ms);
    Duration::from_millis(ms)
}

/// What a deploy is doing now.
#[derive(Debug, Clone, PartialEq)]
pub enum DeployEvent {
    /// The admin's token is valid; the zip is on its way.
    Deploying {
        app_name: String,
        admin: String,
        instance_url: String,
    },
    /// The deploy's state changed (sent only when it did).
    Status {
        status: String,
        deployed: u64,
        total: u64,
        detail: Option<String>,
    },
    Deployed {
        status: String,
        deployed: u64,
        total: u64,
    },
    /// The connection is saved with the consumer key (and the secret, for client credentials).
    Saved {
        conn: Box<Connection>,
        with_secret: bool,
    },
    /// The new consumer key is not known yet: the test is tried again in `next_try_secs`.
    Testing {
        attempt: u32,
        seconds_left: u64,
        next_try_secs: u64,
        /// Salesforce's `error` and `error_description`, the reason for waiting.
        code: String,
        description: String,
    },
    Passed(Box<TestReport>),
    /// Web and device sign in interactively: the app is proven by a login, not here.
    NeedsLogin {
        name: String,
    },
    /// Something went wrong that does not stop the deploy (the state file could not be written).
    Warning(String),
}

/// What a passing proof says, the same in the CLI and the TUI: "NAME passes its test as USER".
pub fn passed_text(report: &TestReport) -> String {
    let who = report
        .user
        .as_ref()
        .map(|u| format!(" as {}", u.username))
        .unwrap_or_default();
    format!("{} passes its test{who}", report.name)
}

/// One deploy: the admin, the connection the app is for, and how it is saved.
#[derive(Debug, Clone)]
pub struct DeployRequest {
    pub admin: Connection,
    pub admin_timeout: Duration,
    pub conn: Connection,
    pub spec: AppSpec,
    /// The connection exists already: it is edited, not added.
    pub saved: bool,
    /// The name it is saved under (`NAME-new` while a migration tests it).
    pub save_as: String,
}

/// The engine calls a deploy needs, and its pace.
#[derive(Clone)]
pub struct Deployer {
    pub engine: Engine,
    pub lifecycle: Lifecycle,
    /// Between deploy polls.
    pub poll: Duration,
    /// Between test retries while the key propagates.
    pub retry: Duration,
    /// The longest wait, for the deploy and for the propagation.
    pub wait: Duration,
}

pub type OnEvent<'a> = &'a (dyn Fn(DeployEvent) + Send + Sync);

impl Deployer {
    /// The pace from `SFCONN_APP_POLL_MS` (2 s polls, 10 s retries by default).
    pub fn new(engine: Engine, lifecycle: Lifecycle) -> Deployer {
        Deployer {
            engine,
            lifecycle,
            poll: poll_period(2000),
            retry: poll_period(10_000),
            wait: PROPAGATION_WAIT,
        }
    }

    /// Deploy, save, and prove: what `sfconn app deploy` and the wizard's "Create this app for
    /// me" do. Returns the saved connection.
    pub async fn run(
        &self,
        request: DeployRequest,
        conn_timeout: Duration,
        on: OnEvent<'_>,
    ) -> Result<Connection, DeployError> {
        let conn = self.deploy_and_save(request, on).await?;
        self.prove(&conn, conn_timeout, on).await?;
        Ok(conn)
    }

    /// Deploy the spec with the admin, then save the connection (with the consumer key, and the
    /// secret for client credentials). Nothing is saved when the deploy fails.
    pub async fn deploy_and_save(
        &self,
        request: DeployRequest,
        on: OnEvent<'_>,
    ) -> Result<Connection, DeployError> {
        let DeployRequest {
            admin,
            admin_timeout: timeout,
            mut conn,
            spec,
            saved,
            save_as,
        } = request;
        let (token, _) = self
            .engine
            .access_token(&admin, timeout)
            .await
            .map_err(|error| DeployError::AdminToken {
                admin: admin.name.clone(),
                error,
            })?;
        let zip = spec.zip()?;
        on(DeployEvent::Deploying {
            app_name: spec.app_name.clone(),
            admin: admin.name.clone(),
            instance_url: token.instance_url.clone(),
        });
        let id = metadata::start_deploy(&token, spec.api_version, zip, timeout)
            .await
            .map_err(|e| refused(e.0))?;
        let state = self
            .poll_deploy(&token, spec.api_version, &id, timeout, on)
            .await?;
        if !state.success {
            let failures = state
                .failures
                .iter()
                .map(|f| ExplainedFailure {
                    failure: f.clone(),
                    condition: classify(f),
                })
                .collect();
            return Err(DeployError::Failed { state, failures });
        }
        on(DeployEvent::Deployed {
            status: state.status.clone(),
            deployed: state.deployed,
            total: state.total,
        });
        let mut secrets = Vec::new();
        if conn.flow == Flow::ClientCredentials {
            let (_key, secret) =
                metadata::read_credentials(&token, spec.api_version, &spec.app_name, timeout)
                    .await
                    .map_err(|e| DeployError::SecretUnreadable {
                        message: e.0,
                        app_name: spec.app_name.clone(),
                        name: save_as.clone(),
                        consumer_key: spec.consumer_key.clone(),
                    })?;
            secrets.push((SecretKind::ClientSecret, secret));
        }
        let with_secret = !secrets.is_empty();
        conn.client_id = Some(spec.consumer_key.clone());
        conn.name = save_as;
        let lifecycle = self.lifecycle.clone();
        let draft = Draft::new(conn, secrets);
        let saved_conn = tokio::task::spawn_blocking(move || {
            if saved {
                let name = draft.conn.name.clone();
                lifecycle.edit(&name, draft).map(|e| e.conn)
            } else {
                lifecycle.add(draft).map(|a| a.conn)
            }
        })
        .await
        .map_err(|e| DeployError::Interrupted(e.to_string()))??;
        on(DeployEvent::Saved {
            conn: Box::new(saved_conn.clone()),
            with_secret,
        });
        Ok(saved_conn)
    }

    /// Poll the deploy until it ends, reporting each change of state.
    async fn poll_deploy(
        &self,
        token: &crate::salesforce::CachedToken,
        api_version: u32,
        id: &str,
        timeout: Duration,
        on: OnEvent<'_>,
    ) -> Result<DeployState, DeployError> {
        let start = Instant::now();
        let mut last: Option<(String, u64, u64, Option<String>)> = None;
        loop {
            let state = metadata::deploy_status(token, api_version, id, timeout)
                .await
                .map_err(|e| DeployError::Status {
                    id: id.to_string(),
                    message: e.0,
                })?;
            let now = (
                state.status.clone(),
                state.deployed,
                state.total,
                state.state_detail.clone(),
            );
            if last.as_ref() != Some(&now) {
                on(DeployEvent::Status {
                    status: now.0.clone(),
                    deployed: now.1,
                    total: now.2,
                    detail: now.3.clone(),
                });
                last = Some(now);
            }
            if state.done {
                return Ok(state);
            }
            if start.elapsed() > self.wait {
                return Err(DeployError::Unfinished {
                    id: id.to_string(),
                    minutes: self.wait.as_secs() / 60,
                });
            }
            tokio::time::sleep(self.poll).await;
        }
    }

    /// Test the connection until it passes, retrying while its new consumer key is still unknown
    /// (`invalid_client_id`), for up to `wait`. Interactive flows need a login first; their app
    /// is proven by it (`None`).
    pub async fn prove(
        &self,
        conn: &Connection,
        timeout: Duration,
        on: OnEvent<'_>,
    ) -> Result<Option<TestReport>, DeployError> {
        if conn.flow.is_interactive() {
            on(DeployEvent::NeedsLogin {
                name: conn.name.clone(),
            });
            return Ok(None);
        }
        let start = Instant::now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let report = self
                .engine
                .test(conn, timeout, TokenPolicy::Fresh, &|_| {})
                .await;
            // The state file is written under a file lock: off the async threads.
            let (paths, recorded) = (self.lifecycle.paths().clone(), report.clone());
            let written = tokio::task::spawn_blocking(move || {
                let at = crate::state::now_rfc3339();
                crate::lifecycle::record(&paths, std::slice::from_ref(&recorded), &at)
                    .map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r);
            if let Err(e) = written {
                on(DeployEvent::Warning(format!(
                    "the results were not saved to the state file: {e}"
                )));
            }
            if report.ok {
                on(DeployEvent::Passed(Box::new(report.clone())));
                return Ok(Some(report));
            }
            let Some(error) = report.error.clone() else {
                return Err(DeployError::TestWithoutError {
                    name: conn.name.clone(),
                });
            };
            let propagating = matches!(
                error.code.as_deref(),
                Some("invalid_client_id" | "app_not_found")
            );
            if !propagating {
                return Err(DeployError::Test {
                    name: conn.name.clone(),
                    error,
                });
            }
            let elapsed = start.elapsed();
            if elapsed >= self.wait {
                return Err(DeployError::Propagation {
                    name: conn.name.clone(),
                    code: error.code.unwrap_or_else(|| "an error".into()),
                    minutes: self.wait.as_secs() / 60,
                });
            }
            let left = self.wait - elapsed;
            on(DeployEvent::Testing {
                attempt,
                seconds_left: left.as_secs(),
                next_try_secs: self.retry.as_secs(),
                code: error.code.unwrap_or_default(),
                description: error.description.unwrap_or_default(),
            });
            tokio::time::sleep(self.retry.min(left)).await;
        }
    }
}
