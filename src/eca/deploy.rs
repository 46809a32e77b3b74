//! Deploying a connection's External Client App and proving it (issue 11), once for both front
//! ends: deploy with an admin's connection, poll until it ends, read the generated secret back
//! (client credentials), save the connection with the app's consumer key, then test it again and
//! again across the propagation delay. Progress is reported as typed events; `sfconn app deploy`
//! prints them, the TUI wizard draws them.

use std::time::{Duration, Instant};

use super::{AppSpec, PlanError};
use crate::lifecycle::{Draft, ExistingKeys, Lifecycle, LifecycleError};
use crate::profile::{Connection, Flow};
use crate::salesforce::metadata::{self, ComponentFailure, DeployState};
use crate::salesforce::{Engine, LocalCondition, StepError, TestReport, TokenPolicy};
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

/// A component failure and the catalog entry that explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainedFailure {
    pub failure: ComponentFailure,
    pub condition: LocalCondition,
}

/// Why a deploy (or its proof) did not end in a working connection.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The admin connection could not get a token.
    #[error("connection {admin}: the {} step failed", error.step.as_str())]
    AdminToken { admin: String, error: StepError },
    #[error("Salesforce refused the deploy: {message}\n{}", hint_text_opt(*condition).trim_end())]
    Refused {
        message: String,
        condition: Option<LocalCondition>,
    },
    #[error("{}", failed_message(state, failures))]
    Failed {
        state: DeployState,
        failures: Vec<ExplainedFailure>,
    },
    #[error("deploy {id}: {message}")]
    Status { id: String, message: String },
    #[error(
        "deploy {id} has not finished after {minutes} minutes; it may still finish: check Setup → Deployment Status"
    )]
    Unfinished { id: String, minutes: u64 },
    #[error("{0}")]
    Plan(#[from] PlanError),
    #[error(
        "the app is deployed, but its consumer secret could not be read: {message}\n\
         Copy it from Setup → External Client App Manager → {app_name} → Settings → Consumer Key and Secret, then run \
         SFCONN_CLIENT_SECRET=… sfconn edit {name} --client-id {consumer_key}"
    )]
    SecretUnreadable {
        message: String,
        app_name: String,
        name: String,
        consumer_key: String,
    },
    #[error(transparent)]
    Save(#[from] LifecycleError),
    #[error("the save did not finish: {0}")]
    Interrupted(String),
    /// The test failed for a reason other than the propagation delay.
    #[error("connection {name}: the {} step failed", error.step.as_str())]
    Test { name: String, error: StepError },
    #[error("{name} failed its test")]
    TestWithoutError { name: String },
    #[error(
        "{name} still answers {code} after {minutes} minutes; the connection is saved.\n{}",
        hint_text(LocalCondition::EcaPropagationTimeout).trim_end()
    )]
    Propagation {
        name: String,
        code: String,
        minutes: u64,
    },
}

impl DeployError {
    /// The component failures of a failed deploy, each with its hint.
    pub fn failures(&self) -> &[ExplainedFailure] {
        match self {
            DeployError::Failed { failures, .. } => failures,
            _ => &[],
        }
    }

    /// The catalog entries that explain the error, most specific first.
    pub fn hint_ids(&self) -> Vec<&'static str> {
        match self {
            DeployError::Failed { failures, .. } => {
                let mut ids: Vec<&'static str> = Vec::new();
                for f in failures {
                    let id = f.condition.hint_id();
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                ids
            }
            DeployError::Refused {
                condition: Some(c), ..
            } => vec![c.hint_id()],
            DeployError::Propagation { .. } => {
                vec![LocalCondition::EcaPropagationTimeout.hint_id()]
            }
            _ => Vec::new(),
        }
    }
}

/// The hint's title and fix steps, indented, as the CLI prints them under a failure.
pub fn hint_text(condition: LocalCondition) -> String {
    let Some(hint) = crate::diagnose::catalog().get(condition.hint_id()) else {
        return String::new();
    };
    let mut out = format!("    hint: {}\n", hint.title);
    for (i, step) in hint.fix.iter().enumerate() {
        out.push_str(&format!("      {}. {step}\n", i + 1));
    }
    out
}

fn hint_text_opt(condition: Option<LocalCondition>) -> String {
    condition.map(hint_text).unwrap_or_default()
}

fn failed_message(state: &DeployState, failures: &[ExplainedFailure]) -> String {
    let mut message = format!(
        "the deploy {} ended {}; the org is unchanged and the connection was not saved.",
        state.id, state.status
    );
    if let Some(e) = &state.error {
        message.push_str(&format!("\n  {e}"));
    }
    for f in failures {
        let c = &f.failure;
        message.push_str(&format!(
            "\n  {} {} ({}): {}\n{}",
            c.component_type,
            c.full_name,
            c.file_name,
            c.problem,
            hint_text(f.condition).trim_end()
        ));
    }
    message
}

/// Which catalog entry explains a component failure (the exact server texts are unconfirmed;
/// these are the words hardis and the documentation use).
pub fn classify(failure: &ComponentFailure) -> LocalCondition {
    let problem = failure.problem.to_ascii_lowercase();
    if problem.contains("permission set") {
        LocalCondition::EcaPermissionSetUnknown
    } else if problem.contains("client credentials") || problem.contains("run as") {
        LocalCondition::EcaRunAsUnknown
    } else if problem.contains("certificate") {
        LocalCondition::EcaCertificateInvalid
    } else if ["already", "duplicate", "consumer key"]
        .iter()
        .any(|w| problem.contains(w))
    {
        LocalCondition::EcaAppExists
    } else {
        LocalCondition::EcaMetadataInvalid
    }
}

/// Why an app cannot be planned for a connection.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    /// Bad input (exit 2 in the CLI).
    #[error("{0}")]
    Plan(#[from] PlanError),
    /// The key pair could not be made.
    #[error(transparent)]
    Keygen(#[from] LifecycleError),
}

/// The certificate for a jwt app: `cert_file`, or a new pair from keygen in `keys_dir` when the
/// connection has no key yet (the connection then points at it).
pub fn certificate(
    keys_dir: &std::path::Path,
    conn: &mut Connection,
) -> Result<Option<String>, PrepareError> {
    if conn.flow != Flow::Jwt {
        return Ok(None);
    }
    if conn.cert_file.is_none() {
        if conn.key_file.is_some() {
            return Err(PlanError(
                "--cert-file: the connection has a private key but no certificate; give the certificate that matches it"
                    .into(),
            )
            .into());
        }
        let keys = crate::lifecycle::keygen(keys_dir, &conn.name, ExistingKeys::Reuse)?;
        conn.key_file = Some(keys.key);
        conn.cert_file = Some(keys.cert);
    }
    let Some(path) = &conn.cert_file else {
        return Ok(None);
    };
    let pem = std::fs::read_to_string(path)
        .map_err(|e| PlanError(format!("--cert-file {}: {e}", path.display())))?;
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err(PlanError(format!(
            "--cert-file {}: not a PEM certificate (BEGIN CERTIFICATE); point it at the .crt, not the key",
            path.display()
        ))
        .into());
    }
    Ok(Some(pem))
}

/// The app's settings besides the connection: who a jwt app pre-authorizes, whom a client
/// credentials app runs as.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppChoices {
    pub permission_set: Option<String>,
    pub run_as: Option<String>,
}

/// Check the choices fit the flow before anything is written (a key pair included).
pub fn precheck(conn: &Connection, choices: &AppChoices) -> Result<AppSpec, PlanError> {
    let placeholder = (conn.flow == Flow::Jwt).then(String::new);
    AppSpec::for_connection(
        conn,
        String::new(),
        placeholder,
        choices.permission_set.clone(),
        choices.run_as.clone(),
    )
}

/// The app spec for a connection: its consumer key is kept (a second deploy updates the app).
pub fn spec(
    conn: &Connection,
    certificate: Option<String>,
    choices: &AppChoices,
) -> Result<AppSpec, PlanError> {
    let key = match &conn.client_id {
        Some(k) if !k.is_empty() => k.clone(),
        _ => super::new_consumer_key()?,
    };
    AppSpec::for_connection(
        conn,
        key,
        certificate,
        choices.permission_set.clone(),
        choices.run_as.clone(),
    )
}

/// Precheck, the certificate (keygen for a jwt connection without a key) and the spec, in that
/// order: bad input writes nothing.
pub fn prepare(
    keys_dir: &std::path::Path,
    conn: &mut Connection,
    choices: &AppChoices,
) -> Result<AppSpec, PrepareError> {
    precheck(conn, choices)?;
    let cert = certificate(keys_dir, conn)?;
    Ok(spec(conn, cert, choices)?)
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
            let at = crate::state::now_rfc3339();
            if let Err(e) =
                crate::lifecycle::record(self.lifecycle.paths(), std::slice::from_ref(&report), &at)
            {
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

fn refused(message: String) -> DeployError {
    let lower = message.to_ascii_lowercase();
    let condition = (lower.contains("insufficient_access") || lower.contains("http 403"))
        .then_some(LocalCondition::EcaDeployNotAllowed);
    DeployError::Refused { message, condition }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(problem: &str) -> ComponentFailure {
        ComponentFailure {
            component_type: "ExtlClntAppOauthConfigurablePolicies".into(),
            full_name: "a_oauth_defaultPolicy".into(),
            file_name: "extlClntAppOauthPolicies/a_oauth_defaultPolicy.ecaOauthPlcy".into(),
            problem: problem.into(),
            problem_type: "Error".into(),
        }
    }

    #[test]
    fn component_failures_get_their_hints() {
        assert_eq!(
            classify(&failure("Invalid permission set: X.")),
            LocalCondition::EcaPermissionSetUnknown
        );
        assert_eq!(
            classify(&failure("Invalid user for the client credentials flow: u")),
            LocalCondition::EcaRunAsUnknown
        );
        assert_eq!(
            classify(&failure("Element bogus invalid at this location")),
            LocalCondition::EcaMetadataInvalid
        );
        let state = DeployState {
            id: "0Af1".into(),
            status: "Failed".into(),
            ..Default::default()
        };
        let e = DeployError::Failed {
            failures: vec![ExplainedFailure {
                failure: failure("Invalid permission set: X."),
                condition: LocalCondition::EcaPermissionSetUnknown,
            }],
            state,
        };
        assert_eq!(e.hint_ids(), ["eca-permission-set-unknown"]);
        let text = e.to_string();
        assert!(text.contains("Invalid permission set: X."), "{text}");
        assert!(text.contains("    hint: "), "{text}");
    }

    #[test]
    fn a_refusal_for_rights_names_the_deploy_hint() {
        let e = refused("HTTP 403: INSUFFICIENT_ACCESS: no".into());
        assert_eq!(e.hint_ids(), ["eca-deploy-not-allowed"]);
        assert!(refused("HTTP 500: boom".into()).hint_ids().is_empty());
    }
}
