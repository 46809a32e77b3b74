//! The task spawner: the one place the TUI calls the engine, the profile file and the secret
//! store. Each effect runs on a tokio task (blocking calls on `spawn_blocking`) and reports on
//! the channel the event loop listens to, tagged with the connection name (and generation).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::sync::mpsc::UnboundedSender;

use super::action::{Effect, RunKind, SecretValue, TaskMsg};
use super::results::last_test_of;
use crate::paths::Paths;
use crate::profile::{Connection, ProfileError};
use crate::salesforce::{Engine, LoginEvent, LoginOptions, StepReport};
use crate::secrets::{SecretKind, SecretStore};

/// What the tasks need; cheap to clone into each task.
#[derive(Clone)]
pub struct Services {
    pub paths: Paths,
    /// Per-request timeout: the profile file's, else 10 s (a connection's own wins over it).
    pub timeout: Duration,
    /// `--timeout`, which wins over everything.
    pub timeout_flag: Option<Duration>,
    pub secrets: SecretStore,
    pub engine: Engine,
    /// The demo: the practice org approves logins by itself, so instead of opening a browser
    /// the authorize URL is fetched here (playing the browser).
    pub play_browser: bool,
    /// `T` on hundreds of connections must not open hundreds of connections to Salesforce at once.
    runs: Arc<Semaphore>,
}

/// Tests running at the same time (the `test --all` default, PRODUCT.md section 9).
const CONCURRENT_RUNS: usize = 16;

impl Services {
    pub fn new(paths: Paths, timeout: Duration, secrets: SecretStore) -> Services {
        Services {
            engine: Engine::new(secrets.clone()),
            paths,
            timeout,
            timeout_flag: None,
            secrets,
            play_browser: false,
            runs: Arc::new(Semaphore::new(CONCURRENT_RUNS)),
        }
    }

    /// Start the effect's work; the result arrives later as a `TaskMsg` on `tx`.
    pub fn spawn(&self, effect: Effect, tx: UnboundedSender<TaskMsg>) {
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
            Effect::Run {
                kind,
                conn,
                generation,
            } => Some(self.run_engine(kind, *conn, generation, tx).await),
            Effect::Save {
                conn,
                secrets,
                replaces,
            } => {
                let (paths, store) = (self.paths.clone(), self.secrets.clone());
                let saved = (*conn).clone();
                let back = replaces.clone();
                let result =
                    blocking(move || save(&paths, &store, &saved, secrets, back.as_deref()))
                        .await
                        .and_then(|r| r);
                Some(TaskMsg::Saved {
                    conn,
                    replaces,
                    result,
                })
            }
            Effect::Delete { name } => {
                let (paths, store, n) = (self.paths.clone(), self.secrets.clone(), name.clone());
                let result = blocking(move || delete(&paths, &store, &n))
                    .await
                    .and_then(|r| r);
                Some(TaskMsg::Deleted { name, result })
            }
            Effect::SetDefault { name } => {
                let (paths, n) = (self.paths.clone(), name.clone());
                let result = blocking(move || {
                    crate::profile::update(&paths.profile_file, |doc| {
                        doc.profiles().require(&n)?;
                        doc.set_default(Some(&n));
                        Ok::<_, ProfileError>(())
                    })
                    .map_err(|e| e.to_string())
                })
                .await
                .and_then(|r| r);
                Some(TaskMsg::DefaultSet { name, result })
            }
            Effect::LoadSecretKinds { name } => {
                let (store, n) = (self.secrets.clone(), name.clone());
                let kinds = blocking(move || store.stored_kinds(&n).map_err(|e| e.to_string()))
                    .await
                    .and_then(|r| r);
                Some(TaskMsg::SecretKinds { name, kinds })
            }
            Effect::GenerateKey { name } => {
                let dir = self.paths.keys_dir();
                let n = name.clone();
                let result = blocking(move || key_files(&dir, &n)).await.and_then(|r| r);
                Some(TaskMsg::KeyGenerated { name, result })
            }
            Effect::OpenUrl { url } => {
                let target = url.clone();
                let result = blocking(move || open::that(&target).map_err(|e| e.to_string()))
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
        // Precedence as in the CLI: `--timeout`, the connection's own, the file's, 10 s.
        let timeout = self
            .timeout_flag
            .or(conn.timeout_secs.map(Duration::from_secs))
            .unwrap_or(self.timeout);
        let report = match kind {
            RunKind::Test => self.engine.test(&conn, timeout, &on_step).await,
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
                let opts = LoginOptions {
                    no_browser: self.play_browser,
                    callback_timeout: Duration::from_secs(120),
                    timeout,
                };
                self.engine.login(&conn, &opts, &on_event).await
            }
        };
        let at = crate::state::now_rfc3339();
        let last = last_test_of(&report, &at);
        let paths = self.paths.clone();
        let record_name = name.clone();
        if let Err(e) = blocking(move || {
            crate::state::record(&paths, &record_name, last).map_err(|e| e.to_string())
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

/// Fetch an authorize URL like a browser would, following the redirect to the local callback.
pub async fn play_browser(url: String) {
    if let Err(e) = reqwest::get(&url).await {
        tracing::warn!(error = %e, "the practice org's authorize page could not be fetched");
    }
}

/// `keys/NAME.key` (0600) and `keys/NAME.crt`, made as `sfconn keygen` makes them. A pair that
/// is already there is reused, never replaced: its certificate may be uploaded to Salesforce.
fn key_files(dir: &Path, name: &str) -> Result<(PathBuf, PathBuf), String> {
    let key = dir.join(format!("{name}.key"));
    let cert = dir.join(format!("{name}.crt"));
    match (key.exists(), cert.exists()) {
        (true, true) => return Ok((key, cert)),
        (true, false) | (false, true) => {
            let there = if key.exists() { &key } else { &cert };
            return Err(format!(
                "{} already exists without its pair; sfconn does not replace it. Delete it or pick the files by hand",
                there.display()
            ));
        }
        (false, false) => {}
    }
    let pair = crate::profile::keys::generate(name)?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for (path, pem, mode) in [(&key, &pair.key_pem, 0o600), (&cert, &pair.cert_pem, 0o644)] {
        crate::profile::atomic::write_atomic(path, pem.as_bytes(), Some(mode))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok((key, cert))
}

/// Save all or nothing: secrets first (put back if the profile file cannot be written), then
/// the profile entry; a rename moves the secrets and the last test result along.
fn save(
    paths: &Paths,
    store: &SecretStore,
    conn: &Connection,
    secrets: Vec<(SecretKind, SecretValue)>,
    replaces: Option<&str>,
) -> Result<(), String> {
    let renamed_from = replaces.filter(|old| *old != conn.name);
    let mut kinds = store
        .stored_kinds(replaces.unwrap_or(&conn.name))
        .map_err(|e| e.to_string())?;
    kinds.extend(secrets.iter().map(|(k, _)| *k));
    if let Err(errors) = conn.validate_for_save(&kinds) {
        return Err(errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "));
    }
    if let Some(old) = renamed_from {
        store.rename(old, &conn.name).map_err(|e| e.to_string())?;
    }
    let items: Vec<(SecretKind, String)> = secrets.into_iter().map(|(k, v)| (k, v.0)).collect();
    let backup = match store.set_all(&conn.name, &items) {
        Ok(b) => b,
        Err(e) => {
            if let Some(old) = renamed_from {
                let _ = store.rename(&conn.name, old);
            }
            return Err(e.to_string());
        }
    };
    let written = crate::profile::update(&paths.profile_file, |doc| {
        if let Some(old) = renamed_from {
            if doc.profiles().connections.contains_key(&conn.name) {
                return Err(ProfileError::AlreadyExists {
                    name: conn.name.clone(),
                });
            }
            doc.rename(old, &conn.name);
        } else if replaces.is_none() && doc.profiles().connections.contains_key(&conn.name) {
            return Err(ProfileError::AlreadyExists {
                name: conn.name.clone(),
            });
        }
        doc.upsert(conn);
        Ok(())
    });
    if let Err(e) = written {
        store.restore(backup);
        if let Some(old) = renamed_from {
            let _ = store.rename(&conn.name, old);
        }
        return Err(e.to_string());
    }
    // New settings: the cached token proves nothing about them, so the next test gets a new one.
    if replaces.is_some() {
        let _ = store.delete(&conn.name, SecretKind::AccessToken);
    }
    if let Some(old) = renamed_from {
        let _ = crate::state::rename(paths, old, &conn.name);
    }
    Ok(())
}

fn delete(paths: &Paths, store: &SecretStore, name: &str) -> Result<(), String> {
    // Secrets first: if the store refuses, the connection is still there to retry with.
    store.delete_all(name).map_err(|e| e.to_string())?;
    crate::profile::update(&paths.profile_file, |doc| {
        doc.remove(name);
        Ok::<_, ProfileError>(())
    })
    .map_err(|e| e.to_string())?;
    let _ = crate::state::forget(paths, name);
    Ok(())
}

/// Run blocking work (keychain D-Bus calls, file locks, RSA key generation) off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| format!("background task failed: {e}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn key_files_are_made_once_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let (key, cert) = super::key_files(dir.path(), "acme-jwt").unwrap();
        let pem = std::fs::read_to_string(&key).unwrap();
        assert!(pem.contains("BEGIN PRIVATE KEY"));
        assert!(
            std::fs::read_to_string(&cert)
                .unwrap()
                .contains("BEGIN CERTIFICATE")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = super::key_files(dir.path(), "acme-jwt").unwrap();
        assert_eq!(again, (key.clone(), cert.clone()));
        assert_eq!(
            std::fs::read_to_string(&key).unwrap(),
            pem,
            "an existing key was replaced"
        );
        std::fs::remove_file(&cert).unwrap();
        assert!(
            super::key_files(dir.path(), "acme-jwt").is_err(),
            "a lone key is never paired with a new certificate"
        );
    }
}
