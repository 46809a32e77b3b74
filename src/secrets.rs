//! The secret store (PRODUCT.md section 3): the OS keychain through keyring-core, or the explicit
//! plain-text fallback `secrets.toml` chosen with `SFCONN_SECRET_STORE=file`.
//!
//! Entries: service `sfconn`, account `<connection name>/<kind>`. Calls block (D-Bus on Linux):
//! async callers use `spawn_blocking`.

use serde::{Deserialize, Serialize};

use crate::paths::Paths;

/// The kinds of secret a connection can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    ClientSecret,
    Password,
    SecurityToken,
    PrivateKey,
    RefreshToken,
    AccessToken,
}

impl SecretKind {
    pub const ALL: [SecretKind; 6] = [
        SecretKind::ClientSecret,
        SecretKind::Password,
        SecretKind::SecurityToken,
        SecretKind::PrivateKey,
        SecretKind::RefreshToken,
        SecretKind::AccessToken,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "client_secret",
            SecretKind::Password => "password",
            SecretKind::SecurityToken => "security_token",
            SecretKind::PrivateKey => "private_key",
            SecretKind::RefreshToken => "refresh_token",
            SecretKind::AccessToken => "access_token",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The OS keychain cannot be reached (hint `keychain-unavailable`).
    #[error(
        "the OS keychain is not reachable ({reason}). Start a Secret Service (gnome-keyring, KWallet) or set SFCONN_SECRET_STORE=file to keep secrets in a plain-text file (mode 0600) instead"
    )]
    KeychainUnavailable { reason: String },
    /// The keychain answered but refused or failed this operation.
    #[error("keychain error for {account}: {reason}")]
    Keychain { account: String, reason: String },
    /// The fallback file could not be read or written.
    #[error("secret file {path}: {reason}")]
    File { path: String, reason: String },
    /// `SFCONN_SECRET_STORE` has a value sfconn does not know.
    #[error(
        "SFCONN_SECRET_STORE={value} is not a secret store: use `keychain` (the default) or `file`"
    )]
    UnknownStore { value: String },
}

/// Handle to the chosen secret store. Cheap to clone; Send + Sync.
#[derive(Clone)]
pub struct SecretStore {
    _paths: Paths,
}

impl SecretStore {
    /// Open the store chosen by `SFCONN_SECRET_STORE` (`keychain` by default, or `file`).
    pub fn open(paths: &Paths) -> Result<SecretStore, SecretError> {
        Ok(SecretStore {
            _paths: paths.clone(),
        })
    }

    pub fn get(&self, connection: &str, kind: SecretKind) -> Result<Option<String>, SecretError> {
        let _ = (connection, kind);
        Err(SecretError::KeychainUnavailable {
            reason: "not built yet".into(),
        })
    }

    pub fn set(&self, connection: &str, kind: SecretKind, value: &str) -> Result<(), SecretError> {
        let _ = (connection, kind, value);
        Err(SecretError::KeychainUnavailable {
            reason: "not built yet".into(),
        })
    }

    /// Delete one secret; deleting a missing one is not an error.
    pub fn delete(&self, connection: &str, kind: SecretKind) -> Result<(), SecretError> {
        let _ = (connection, kind);
        Ok(())
    }

    /// Which kinds are stored for the connection (never their values).
    pub fn stored_kinds(&self, connection: &str) -> Result<Vec<SecretKind>, SecretError> {
        let _ = connection;
        Ok(Vec::new())
    }
}
