//! The task spawner: the one place the TUI calls the engine, the profile file and the secret
//! store. Each effect runs on a tokio task (blocking calls on `spawn_blocking`) and reports on
//! the channel the event loop listens to.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use super::action::{Effect, RunKind, TaskMsg};
use crate::paths::Paths;

/// What the tasks need; cheap to clone into each task.
#[derive(Clone)]
pub struct Services {
    pub paths: Paths,
    pub timeout: Duration,
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl Services {
    pub fn new(paths: Paths, timeout: Duration) -> Services {
        Services { paths, timeout }
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
            Effect::GenerateKey { name } => {
                let dir = self.paths.keys_dir();
                let result = blocking(move || {
                    crate::keypair::generate(&dir, &name)
                        .map(|f| (name, (f.key, f.cert)))
                        .map_err(|e| e.to_string())
                })
                .await;
                Some(match result {
                    Ok(Ok((name, files))) => TaskMsg::KeyGenerated {
                        name,
                        result: Ok(files),
                    },
                    Ok(Err(e)) | Err(e) => TaskMsg::KeyGenerated {
                        name: String::new(),
                        result: Err(e),
                    },
                })
            }
            Effect::OpenUrl { url } => {
                let target = url.clone();
                let result = blocking(move || open::that(&target).map_err(|e| e.to_string()))
                    .await
                    .and_then(|r| r);
                Some(TaskMsg::Opened { url, result })
            }
            Effect::Run {
                kind,
                conn,
                generation,
            } => {
                let _ = (kind == RunKind::Login, tx, generation, &conn, now_rfc3339());
                None
            }
            Effect::Save { .. }
            | Effect::Delete { .. }
            | Effect::SetDefault { .. }
            | Effect::LoadSecretKinds { .. } => None,
        }
    }
}

/// Run blocking work (keychain D-Bus calls, file locks, RSA key generation) off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| format!("background task failed: {e}"))
}
