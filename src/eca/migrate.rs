//! Moving a `password` connection off the retiring flow (issue 11): the replacement app is
//! deployed and its connection saved under a trial name (`NAME-new`) and proven; only then does
//! it take the name NAME, the password connection being kept as `NAME-password`. A replacement
//! that fails its proof is removed, leaving NAME as it was.

use std::time::Duration;

use super::deploy::{DeployError, DeployRequest, Deployer, OnEvent};
use crate::lifecycle::LifecycleError;
use crate::profile::Connection;

/// The names a migration of NAME uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationNames {
    /// NAME: the password connection now, the replacement at the end.
    pub name: String,
    /// `NAME-password`: where the password connection is kept until `--finish`.
    pub kept_as: String,
    /// `NAME-new`: the replacement while it is tested.
    pub trial: String,
}

impl MigrationNames {
    pub fn of(name: &str) -> MigrationNames {
        MigrationNames {
            name: name.to_string(),
            kept_as: format!("{name}-password"),
            trial: format!("{name}-new"),
        }
    }
}

/// Why a migration stopped; in every case NAME still uses the password flow.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The deploy or the save failed: nothing was saved.
    #[error(transparent)]
    Deploy(DeployError),
    /// The replacement was saved as `trial` but did not pass its test; it was removed again.
    #[error("{error}")]
    NotProven { trial: String, error: DeployError },
    /// The replacement works, but the renames did not finish.
    #[error(transparent)]
    Rename(#[from] LifecycleError),
    #[error("the rename did not finish: {0}")]
    Interrupted(String),
}

impl Deployer {
    /// Deploy the replacement (saved as `names.trial`), prove it, then swap the names. Returns
    /// the replacement as saved under NAME.
    pub async fn migrate(
        &self,
        mut request: DeployRequest,
        names: &MigrationNames,
        conn_timeout: Duration,
        on: OnEvent<'_>,
    ) -> Result<Connection, MigrateError> {
        request.save_as.clone_from(&names.trial);
        request.saved = false;
        let saved = self
            .deploy_and_save(request, on)
            .await
            .map_err(MigrateError::Deploy)?;
        if let Err(error) = self.prove(&saved, conn_timeout, on).await {
            let (lifecycle, trial) = (self.lifecycle.clone(), names.trial.clone());
            // Best effort: a replacement left behind is named `NAME-new`, and the next
            // migration says so.
            let _ = tokio::task::spawn_blocking(move || lifecycle.remove(&trial)).await;
            return Err(MigrateError::NotProven {
                trial: names.trial.clone(),
                error,
            });
        }
        let lifecycle = self.lifecycle.clone();
        let names = names.clone();
        let renamed = tokio::task::spawn_blocking(move || {
            lifecycle.rename(&names.name, &names.kept_as)?;
            lifecycle.rename(&names.trial, &names.name)
        })
        .await
        .map_err(|e| MigrateError::Interrupted(e.to_string()))??;
        Ok(renamed.conn)
    }
}
