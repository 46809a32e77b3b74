//! The task spawner: the one place the TUI calls the engine. Saves, deletes and key pairs go
//! through the same lifecycle calls as the CLI's (crate::lifecycle); nothing here writes a file
//! or the secret store itself. Each effect runs on a tokio task (blocking calls on
//! `spawn_blocking`) and reports on the channel the event loop listens to, tagged with the
//! connection name (and generation).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::sync::mpsc::UnboundedSender;

use super::action::{
    AppFailure, CreateAppRequest, Effect, RunKind, SaveError, SaveNote, SecretValue, TaskMsg,
};
use crate::eca::deploy;
use crate::lifecycle::{Draft, ExistingKeys, Lifecycle};
use crate::paths::Paths;
use crate::profile::Connection;
use crate::salesforce::{Engine, LoginEvent, LoginOptions, StepReport, TokenPolicy};
use crate::secrets::{SecretKind, SecretStore};

/// What the tasks need; cheap to clone into each task.
#[derive(Clone)]
pub struct Services {
    pub paths: Paths,
    /// Saves, deletes and renames: the same calls as the CLI's.
    pub lifecycle: Lifecycle,
    pub engine: Engine,
    /// The demo: the practice org approves logins by itself, so instead of opening a browser
    /// the authorize URL is fetched here (playing the browser).
    pub play_browser: bool,
    /// The demo: `o` opens a page written here that stands in for the Salesforce Setup page
    /// (its name and steps), since the practice org has no Setup to open.
    pub setup_stand_in: Option<PathBuf>,
    /// `T` on hundreds of connections must not open hundreds of connections to Salesforce at once.
    runs: Arc<Semaphore>,
    /// The logins running now, by connection and generation: cancelling one wakes its waiter.
    logins: super::cancel::LoginStops,
}

/// Tests running at the same time (the `test --all` default, PRODUCT.md section 9).
const CONCURRENT_RUNS: usize = 16;

impl Services {
    pub fn new(paths: Paths, secrets: SecretStore) -> Services {
        Services {
            engine: Engine::new(secrets.clone()),
            lifecycle: Lifecycle::new(paths.clone(), secrets),
            paths,
            play_browser: false,
            setup_stand_in: None,
            runs: Arc::new(Semaphore::new(CONCURRENT_RUNS)),
            logins: Default::default(),
        }
    }

    /// Start the effect's work; the result arrives later as a `TaskMsg` on `tx`.
    pub fn spawn(&self, effect: Effect, tx: UnboundedSender<TaskMsg>) {
        // Logins are registered here, before their task starts, so a cancel that follows at
        // once always finds the login it means.
        match &effect {
            Effect::CancelLogin { name, generation } => {
                self.logins.cancel(name, *generation);
                return;
            }
            Effect::Run {
                kind: RunKind::Login,
                conn,
                generation,
                ..
            } => self.logins.register(&conn.name, *generation),
            _ => {}
        }
        let this = self.clone();
        tokio::spawn(async move {
            if let Some(msg) = this.run(effect, &tx).await {
                // The loop stopped listening only when the app is quitting.
                let _ = tx.send(msg);
            }
        });
    }

    async fn run(&self, effect: Effect, tx: &UnboundedSender<TaskMsg>) -> Option<TaskMsg> {
        match effect {
            // Handled in `spawn`.
            Effect::CancelLogin { .. } => None,
            Effect::Run {
                kind,
                conn,
                generation,
                timeout,
                policy,
            } => {
                self.run_engine(kind, *conn, generation, timeout, policy, tx)
                    .await
            }
            Effect::Save {
                conn,
                secrets,
                clear,
                replaces,
            } => {
                let lifecycle = self.lifecycle.clone();
                let saved = (*conn).clone();
                let back = replaces.clone();
                let result =
                    blocking(move || save(&lifecycle, saved, secrets, clear, back.as_deref()))
                        .await
                        .map_err(SaveError::from)
                        .and_then(|r| r);
                Some(TaskMsg::Saved {
                    conn,
                    replaces,
                    result,
                })
            }
            Effect::Revoke { conn, timeout } => {
                let name = conn.name.clone();
                let result = self
                    .engine
                    .revoke(&conn, timeout)
                    .await
                    .map(|done| revoked_message(&conn, &done))
                    .map_err(|e| revoke_failure(&e.failure));
                Some(TaskMsg::Revoked { name, result })
            }
            Effect::Delete { name } => {
                let (lifecycle, n) = (self.lifecycle.clone(), name.clone());
                let result = blocking(move || lifecycle.remove(&n).map_err(|e| e.to_string()))
                    .await
                    .and_then(|r| r.map(|_| ()));
                Some(TaskMsg::Deleted { name, result })
            }
            Effect::SetDefault { name } => {
                let (paths, n) = (self.paths.clone(), name.clone());
                let result = blocking(move || {
                    crate::lifecycle::set_default(&paths, &n)
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                })
                .await
                .and_then(|r| r);
                Some(TaskMsg::DefaultSet { name, result })
            }
            Effect::LoadSecretKinds { name } => {
                let (store, n) = (self.lifecycle.store().clone(), name.clone());
                let kinds = blocking(move || store.stored_kinds(&n).map_err(|e| e.to_string()))
                    .await
                    .and_then(|r| r);
                Some(TaskMsg::SecretKinds { name, kinds })
            }
            Effect::GenerateKey { name } => {
                let dir = self.paths.keys_dir();
                let n = name.clone();
                let result = blocking(move || {
                    crate::lifecycle::keygen(&dir, &n, ExistingKeys::Reuse)
                        .map(|f| (f.key, f.cert))
                        .map_err(|e| e.to_string())
                })
                .await
                .and_then(|r| r);
                Some(TaskMsg::KeyGenerated { name, result })
            }
            Effect::OpenSetup { url, title, detail } => {
                let url = match &self.setup_stand_in {
                    Some(dir) => {
                        let (dir, page) = (dir.clone(), url.clone());
                        match blocking(move || {
                            super::demo::write_setup_stand_in(&dir, &page, &title, &detail)
                        })
                        .await
                        .and_then(|r| r)
                        {
                            Ok(file) => file,
                            Err(e) => {
                                return Some(TaskMsg::Opened {
                                    url,
                                    result: Err(e),
                                });
                            }
                        }
                    }
                    None => url,
                };
                let target = url.clone();
                let result = blocking(move || crate::browser::open(&target))
                    .await
                    .and_then(|r| r);
                Some(TaskMsg::Opened { url, result })
            }
            Effect::CreateApp(request) => Some(self.create_app(*request, tx).await),
            Effect::OpenUrl { url } => {
                let target = url.clone();
                let result = blocking(move || crate::browser::open(&target))
                    .await
                    .and_then(|r| r);
                Some(TaskMsg::Opened { url, result })
            }
        }
    }

    /// A test or a login, with each step and login event reported live; the result is also
    /// recorded in the state file.
    async fn run_engine(
        &self,
        kind: RunKind,
        conn: Connection,
        generation: u64,
        timeout: Duration,
        policy: TokenPolicy,
        tx: &UnboundedSender<TaskMsg>,
    ) -> Option<TaskMsg> {
        let name = conn.name.clone();
        let stop = self.logins.signal(&name, generation);
        let report = match stop {
            // Cancelled (Esc/x): the login's future is dropped, which ends its wait (the
            // callback server closes, the polling stops) before anything is stored.
            Some(stop) => tokio::select! {
                report = self.run_reported(kind, conn, generation, timeout, policy, tx) => Some(report),
                _ = stop.notified() => None,
            },
            None => Some(
                self.run_reported(kind, conn, generation, timeout, policy, tx)
                    .await,
            ),
        };
        self.logins.finished(&name, generation);
        report
    }

    async fn run_reported(
        &self,
        kind: RunKind,
        conn: Connection,
        generation: u64,
        timeout: Duration,
        policy: TokenPolicy,
        tx: &UnboundedSender<TaskMsg>,
    ) -> TaskMsg {
        // Closed never: the semaphore lives as long as the services.
        let _permit = self.runs.clone().acquire_owned().await.ok();
        let name = conn.name.clone();
        let _ = tx.send(TaskMsg::Started {
            name: name.clone(),
            generation,
        });
        let step_tx = tx.clone();
        let step_name = name.clone();
        let on_step = move |step: &StepReport| {
            let _ = step_tx.send(TaskMsg::StepDone {
                name: step_name.clone(),
                generation,
                step: step.clone(),
            });
        };
        let report = match kind {
            RunKind::Test => self.engine.test(&conn, timeout, policy, &on_step).await,
            RunKind::Login => {
                let login_tx = tx.clone();
                let login_name = name.clone();
                let play = self.play_browser;
                let on_event = move |event: LoginEvent| {
                    if let (true, LoginEvent::OpenThisUrl { url }) = (play, &event) {
                        tokio::spawn(play_browser(url.clone()));
                    }
                    let note = event;
                    let _ = login_tx.send(TaskMsg::Login {
                        name: login_name.clone(),
                        generation,
                        note,
                    });
                };
                let opts = LoginOptions::new(timeout, self.play_browser);
                self.engine.login(&conn, &opts, &on_event).await
            }
        };
        let at = crate::state::now_rfc3339();
        let (paths, record_at, recorded) = (self.paths.clone(), at.clone(), report.clone());
        if let Err(e) = blocking(move || {
            crate::lifecycle::record(&paths, std::slice::from_ref(&recorded), &record_at)
                .map_err(|e| e.to_string())
        })
        .await
        .and_then(|r| r)
        {
            tracing::warn!(connection = %name, error = %e, "cannot record the last test");
        }
        TaskMsg::RunDone {
            name,
            generation,
            report: Box::new(report),
            at,
        }
    }
}

impl Services {
    /// "Create this app for me": plan the app (a key pair for jwt), then the engine's deploy,
    /// save and proof, each of its events sent on as it happens.
    async fn create_app(&self, r: CreateAppRequest, tx: &UnboundedSender<TaskMsg>) -> TaskMsg {
        let generation = r.generation;
        let name = r.conn.name.clone();
        let failed = |message: String| TaskMsg::AppDeployed {
            generation,
            name: name.clone(),
            result: Err(AppFailure {
                message,
                failures: Vec::new(),
                hints: Vec::new(),
            }),
        };
        let keys_dir = self.paths.keys_dir();
        let (mut conn, choices) = (r.conn, r.choices);
        let prepared = blocking(move || {
            deploy::prepare(&keys_dir, &mut conn, &choices)
                .map(|spec| (conn, spec))
                .map_err(|e| e.to_string())
        })
        .await
        .and_then(|r| r);
        let (conn, spec) = match prepared {
            Ok(v) => v,
            Err(message) => return failed(message),
        };
        let request = deploy::DeployRequest {
            admin: r.admin,
            admin_timeout: r.admin_timeout,
            conn,
            spec,
            saved: r.saved,
            save_as: name.clone(),
        };
        let events = tx.clone();
        let on = move |event| {
            let _ = events.send(TaskMsg::AppDeploy { generation, event });
        };
        let result = deploy::Deployer::new(self.engine.clone(), self.lifecycle.clone())
            .run(request, r.conn_timeout, &on)
            .await
            .map(Box::new)
            .map_err(|e| AppFailure {
                message: e.to_string(),
                failures: e.failures().to_vec(),
                hints: e.hint_ids().into_iter().map(str::to_string).collect(),
            });
        TaskMsg::AppDeployed {
            generation,
            name,
            result,
        }
    }
}

/// Why a revoke failed, in one line: Salesforce's own words, else what went wrong here.
fn revoke_failure(failure: &crate::salesforce::Failure) -> String {
    use crate::salesforce::Failure;
    match failure {
        Failure::OAuth { .. } | Failure::Rest { .. } => {
            let (_, code, description) = failure.parts();
            let said: Vec<String> = [code, description].into_iter().flatten().collect();
            format!("Salesforce answered {}", said.join(": "))
        }
        Failure::NotSalesforce { detail, .. }
        | Failure::Local { detail, .. }
        | Failure::NeedsLogin { detail } => detail.clone(),
        Failure::Transport { host, detail, .. } => format!("{host}: {detail}"),
    }
}

/// One line for the status bar: what the revoke did and what comes next.
fn revoked_message(conn: &Connection, done: &crate::salesforce::Revoked) -> String {
    use crate::salesforce::RevokeOutcome;
    if done.nothing_stored() {
        return format!("Nothing to revoke: no token is stored for {}", conn.name);
    }
    let stored: Vec<(&str, RevokeOutcome)> = [
        ("the refresh token", done.refresh_token),
        ("the access token", done.access_token),
    ]
    .into_iter()
    .filter(|(_, o)| *o != RevokeOutcome::NotStored)
    .collect();
    let names = |of: &[(&str, RevokeOutcome)]| {
        of.iter()
            .map(|(what, _)| *what)
            .collect::<Vec<_>>()
            .join(" and ")
    };
    let (it, were) = if stored.len() == 1 {
        ("it", "was")
    } else {
        ("them", "were")
    };
    let mut message = format!(
        "Revoked {} of {} at Salesforce and forgot {it}",
        names(&stored),
        conn.name
    );
    let already: Vec<(&str, RevokeOutcome)> = stored
        .iter()
        .copied()
        .filter(|(_, o)| *o == RevokeOutcome::AlreadyRevoked)
        .collect();
    if already.len() == stored.len() {
        message.push_str(&format!(" ({it} {were} already invalid there)"));
    } else if !already.is_empty() {
        message.push_str(&format!(" ({} was already invalid there)", names(&already)));
    }
    message.push_str(if conn.flow.is_interactive() {
        "; press l to sign in again"
    } else {
        "; the next test gets a new token"
    });
    message
}

/// Fetch an authorize URL like a browser would, following the redirect to the local callback.
pub async fn play_browser(url: String) {
    if let Err(e) = reqwest::get(&url).await {
        tracing::warn!(error = %e, "the practice org's authorize page could not be fetched");
    }
}

/// A wizard's save: a new connection, or the one it edits (perhaps renamed). Blank secret
/// fields keep what is stored.
fn save(
    lifecycle: &Lifecycle,
    conn: Connection,
    secrets: Vec<(SecretKind, SecretValue)>,
    clear: Vec<SecretKind>,
    replaces: Option<&str>,
) -> Result<SaveNote, SaveError> {
    let set: Vec<(SecretKind, String)> = secrets.into_iter().map(|(k, v)| (k, v.0)).collect();
    let mut draft = Draft::new(conn, set);
    draft.clear = clear;
    match replaces {
        None => lifecycle
            .add(draft)
            .map(|added| SaveNote {
                dropped: Vec::new(),
                next_step: None,
                orphans_removed: added.orphans_removed,
                made_default: added.made_default,
            })
            .map_err(save_error),
        Some(old) => lifecycle
            .edit(old, draft)
            .map(|edited| SaveNote {
                next_step: edited.next_step(),
                dropped: edited.dropped,
                orphans_removed: Vec::new(),
                made_default: false,
            })
            .map_err(save_error),
    }
}

fn save_error(e: crate::lifecycle::LifecycleError) -> SaveError {
    let fields = match &e {
        crate::lifecycle::LifecycleError::Invalid { errors, .. } => {
            errors.iter().map(|v| v.field.clone()).collect()
        }
        _ => Vec::new(),
    };
    SaveError {
        message: e.to_string(),
        fields,
    }
}

/// Run blocking work (keychain D-Bus calls, file locks, RSA key generation) off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| format!("background task failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Flow;
    use crate::salesforce::{RevokeOutcome, Revoked};

    fn said(flow: Flow, refresh_token: RevokeOutcome, access_token: RevokeOutcome) -> String {
        revoked_message(
            &Connection::new("prod", flow),
            &Revoked {
                refresh_token,
                access_token,
            },
        )
    }

    #[test]
    fn the_revoke_message_reads_right_for_one_token_or_two() {
        use RevokeOutcome::{AlreadyRevoked, NotStored, Revoked as Done};
        assert_eq!(
            said(Flow::Web, Done, Done),
            "Revoked the refresh token and the access token of prod at Salesforce and forgot \
             them; press l to sign in again"
        );
        assert_eq!(
            said(Flow::Jwt, NotStored, Done),
            "Revoked the access token of prod at Salesforce and forgot it; the next test gets a \
             new token"
        );
        assert_eq!(
            said(Flow::Web, Done, AlreadyRevoked),
            "Revoked the refresh token and the access token of prod at Salesforce and forgot \
             them (the access token was already invalid there); press l to sign in again"
        );
        assert_eq!(
            said(Flow::Jwt, NotStored, AlreadyRevoked),
            "Revoked the access token of prod at Salesforce and forgot it (it was already \
             invalid there); the next test gets a new token"
        );
    }
}
