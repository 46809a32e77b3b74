//! The secret store (PRODUCT.md section 3): the OS keychain through keyring-core, the explicit
//! plain-text fallback `secrets.toml` chosen with `SFCONN_SECRET_STORE=file`, or a team's
//! Vault / OpenBao KV v2 engine chosen with `SFCONN_SECRET_STORE=vault`. sfconn never falls back
//! from the chosen store to another one.
//!
//! Entries: service `sfconn`, account `<connection name>/<kind>`, except the cached access token,
//! which the keychain store keeps sealed in a file under one key it holds (`sealed.rs`: a
//! Secret Service rewrites its keyring file for each new item, too slow for a token per grant).
//! Calls block (D-Bus on Linux): async callers use `spawn_blocking`.

use std::path::PathBuf;
use std::sync::Arc;

use keyring_core::CredentialStore;
use serde::{Deserialize, Serialize};

use crate::paths::Paths;

mod file_store;
mod keychain;
mod sealed;
mod tokens;
mod vault;
use file_store::{read_file, update_file};
use keychain::{bounded, keychain_error, platform_store};
use sealed::SealedTokens;
pub use tokens::{TokenRead, TokenWrite};
use vault::Vault;
pub use vault::check_path as check_vault_path;

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

    pub fn parse(s: &str) -> Option<SecretKind> {
        SecretKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The one table of what a person types: the environment variable `add`/`edit` read the
    /// secret from, and its name in messages. Tokens are never typed (`None`).
    pub fn env_var(self) -> Option<&'static str> {
        match self {
            SecretKind::ClientSecret => Some("SFCONN_CLIENT_SECRET"),
            SecretKind::Password => Some("SFCONN_PASSWORD"),
            SecretKind::SecurityToken => Some("SFCONN_SECURITY_TOKEN"),
            SecretKind::PrivateKey => Some("SFCONN_PRIVATE_KEY"),
            SecretKind::RefreshToken | SecretKind::AccessToken => None,
        }
    }

    /// The name in messages ("client secret").
    pub fn label(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "client secret",
            SecretKind::Password => "password",
            SecretKind::SecurityToken => "security token",
            SecretKind::PrivateKey => "private key",
            SecretKind::RefreshToken => "refresh token",
            SecretKind::AccessToken => "access token",
        }
    }

    /// A secret that proves who the connection is (as opposed to a token Salesforce issued):
    /// changing one makes the cached access token prove nothing.
    pub fn is_credential(self) -> bool {
        self.env_var().is_some()
    }

    /// The secrets a person provides for a flow, in the order they are asked for.
    pub fn for_flow(flow: crate::profile::Flow) -> &'static [SecretKind] {
        use crate::profile::Flow;
        match flow {
            Flow::Web | Flow::ClientCredentials => &[SecretKind::ClientSecret],
            Flow::Device => &[],
            Flow::Jwt => &[SecretKind::PrivateKey],
            Flow::Password => &[
                SecretKind::ClientSecret,
                SecretKind::Password,
                SecretKind::SecurityToken,
            ],
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
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
        "SFCONN_SECRET_STORE={value} is not a secret store: use `keychain` (the default), `file` or `vault`"
    )]
    UnknownStore { value: String },
    /// `SFCONN_SECRET_STORE=vault` without what it needs (VAULT_ADDR, VAULT_TOKEN, a valid
    /// `[secret_store]` table, a readable VAULT_CACERT).
    #[error("SFCONN_SECRET_STORE=vault: {reason}")]
    VaultConfig { reason: String },
    /// The Vault server cannot be reached (DNS, connection, TLS, timeout).
    #[error("the Vault server {addr} cannot be reached: {reason}")]
    VaultUnreachable { addr: String, reason: String },
    /// The Vault server is sealed.
    #[error(
        "the Vault server {addr} is sealed; an operator must unseal it (`bao operator unseal` / `vault operator unseal`)"
    )]
    VaultSealed { addr: String },
    /// The token may not use the path (bad or expired token, or a policy without the capability).
    #[error(
        "Vault {addr} denied access to {path} ({reason}); check VAULT_TOKEN and that its policy grants create, read, update, delete on {path} and delete on the matching metadata path"
    )]
    VaultPermissionDenied {
        addr: String,
        path: String,
        reason: String,
    },
    /// No secret engine is mounted at the `[secret_store]` mount.
    #[error(
        "Vault {addr} has no secret engine at `{mount}/`; enable one (`bao secrets enable -path={mount} kv-v2`) or set `mount` in the [secret_store] table of the profile file"
    )]
    VaultMountMissing { addr: String, mount: String },
    /// Vault answered something else.
    #[error("Vault {addr}: {reason}")]
    Vault { addr: String, reason: String },
}

impl SecretError {
    /// The local condition (and so the hint) that explains the error.
    pub fn condition(&self) -> crate::salesforce::LocalCondition {
        use crate::salesforce::LocalCondition;
        match self {
            SecretError::KeychainUnavailable { .. } | SecretError::Keychain { .. } => {
                LocalCondition::KeychainUnavailable
            }
            SecretError::File { .. } | SecretError::UnknownStore { .. } => {
                LocalCondition::SecretStore
            }
            SecretError::VaultConfig { .. } => LocalCondition::VaultConfig,
            SecretError::VaultUnreachable { .. } | SecretError::Vault { .. } => {
                LocalCondition::VaultUnreachable
            }
            SecretError::VaultSealed { .. } => LocalCondition::VaultSealed,
            SecretError::VaultPermissionDenied { .. } => LocalCondition::VaultPermissionDenied,
            SecretError::VaultMountMissing { .. } => LocalCondition::VaultMountMissing,
        }
    }

    /// True when the store is set up wrong (exit 2), rather than out of reach right now (exit 1).
    pub fn is_configuration(&self) -> bool {
        match self {
            SecretError::KeychainUnavailable { .. }
            | SecretError::UnknownStore { .. }
            | SecretError::File { .. }
            | SecretError::VaultConfig { .. }
            | SecretError::VaultPermissionDenied { .. }
            | SecretError::VaultMountMissing { .. } => true,
            SecretError::Keychain { .. }
            | SecretError::VaultUnreachable { .. }
            | SecretError::VaultSealed { .. }
            | SecretError::Vault { .. } => false,
        }
    }
}

/// The one line printed on stderr whenever the plain-text store is opened (PRODUCT.md section 3).
pub const FILE_STORE_WARNING: &str =
    "warning: SFCONN_SECRET_STORE=file: secrets are kept in plain text";

/// Keychain service name: `sfconn`, or `SFCONN_KEYCHAIN_SERVICE` (tests namespace their entries).
pub fn keychain_service() -> String {
    std::env::var("SFCONN_KEYCHAIN_SERVICE")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "sfconn".to_string())
}

fn account(connection: &str, kind: SecretKind) -> String {
    format!("{connection}/{}", kind.as_str())
}

#[derive(Clone)]
enum Backend {
    Keychain {
        store: Arc<CredentialStore>,
        service: String,
        /// The cached access tokens, sealed in files under a key kept in the keychain.
        tokens: Arc<SealedTokens>,
    },
    File {
        path: PathBuf,
    },
    Vault(Vault),
}

/// Handle to the chosen secret store. Cheap to clone; Send + Sync.
#[derive(Clone)]
pub struct SecretStore {
    backend: Backend,
}

impl std::fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.backend {
            Backend::Keychain { service, .. } => {
                write!(f, "SecretStore(keychain, service {service})")
            }
            Backend::File { path } => write!(f, "SecretStore(file {})", path.display()),
            Backend::Vault(v) => write!(f, "SecretStore({v:?})"),
        }
    }
}

impl SecretStore {
    /// Open the store chosen by `SFCONN_SECRET_STORE` (`keychain` by default, or `file`).
    ///
    /// This is the one place the engine writes to the terminal: choosing the plain-text file
    /// prints [`FILE_STORE_WARNING`] on stderr (never stdout, which `eval "$(sfconn env)"`
    /// reads). Front ends that own the screen use [`SecretStore::open_quiet`] and show it
    /// themselves.
    pub fn open(paths: &Paths) -> Result<SecretStore, SecretError> {
        let store = SecretStore::open_quiet(paths)?;
        if let Some(warning) = store.warning() {
            eprintln!("{warning} in {}", paths.secrets_file().display());
        }
        Ok(store)
    }

    /// Like [`SecretStore::open`] without the stderr warning (the TUI shows
    /// [`SecretStore::warning`] on screen instead).
    pub fn open_quiet(paths: &Paths) -> Result<SecretStore, SecretError> {
        let choice = std::env::var("SFCONN_SECRET_STORE").unwrap_or_default();
        match choice.trim() {
            "" | "keychain" => {
                let store = bounded(|| {
                    platform_store().map_err(|e| SecretError::KeychainUnavailable {
                        reason: match e {
                            keyring_core::Error::PlatformFailure(inner)
                            | keyring_core::Error::NoStorageAccess(inner) => inner.to_string(),
                            other => other.to_string(),
                        },
                    })
                })?;
                Ok(SecretStore::with_store(
                    store,
                    keychain_service(),
                    paths.cache_dir().as_deref(),
                ))
            }
            "file" => Ok(SecretStore::file(paths.secrets_file())),
            "vault" => {
                let settings = crate::profile::file::SecretStoreSettings::load(&paths.profile_file)
                    .map_err(|e| SecretError::VaultConfig {
                        reason: format!("the [secret_store] table cannot be read: {e}"),
                    })?;
                Ok(SecretStore {
                    backend: Backend::Vault(Vault::from_env(&settings)?),
                })
            }
            other => Err(SecretError::UnknownStore {
                value: other.to_string(),
            }),
        }
    }

    /// The plain-text store at `path` (what `SFCONN_SECRET_STORE=file` selects).
    pub fn file(path: PathBuf) -> SecretStore {
        SecretStore {
            backend: Backend::File { path },
        }
    }

    /// A keychain store over an explicit keyring-core store (tests use `keyring_core::mock`),
    /// its cached access tokens sealed under `cache_dir` (none cached without one).
    pub fn with_store(
        store: Arc<CredentialStore>,
        service: impl Into<String>,
        cache_dir: Option<&std::path::Path>,
    ) -> SecretStore {
        let service = service.into();
        SecretStore {
            backend: Backend::Keychain {
                tokens: Arc::new(SealedTokens::new(cache_dir, &service)),
                store,
                service,
            },
        }
    }

    /// Whether reading a secret is a request over the network (Vault) rather than local work
    /// (the keychain, the file).
    pub fn is_remote(&self) -> bool {
        matches!(self.backend, Backend::Vault(_))
    }

    /// The warning to show while this store is in use, if any.
    pub fn warning(&self) -> Option<&'static str> {
        match self.backend {
            Backend::File { .. } => Some(FILE_STORE_WARNING),
            Backend::Keychain { .. } | Backend::Vault(_) => None,
        }
    }

    /// Where the secrets are, for messages (`show`, `doctor`): never a secret.
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Keychain { service, .. } => format!("the OS keychain (service {service})"),
            Backend::File { path } => format!("the plain-text file {}", path.display()),
            Backend::Vault(v) => format!("Vault {} at {}", v.addr(), v.location()),
        }
    }

    pub fn is_file(&self) -> bool {
        matches!(self.backend, Backend::File { .. })
    }

    /// The names of every connection that has a secret in this store, when the store can list
    /// them (`None` when it cannot, such as a keychain without search). `doctor` compares them
    /// with the profile file to find secrets an interrupted save left behind.
    pub fn connection_names(
        &self,
    ) -> Result<Option<std::collections::BTreeSet<String>>, SecretError> {
        match &self.backend {
            Backend::Keychain {
                store,
                service,
                tokens,
            } => {
                let (store, service) = (store.clone(), service.clone());
                let with_tokens = tokens.connections()?;
                bounded(move || {
                    let spec = std::collections::HashMap::from([("service", service.as_str())]);
                    let entries = match store.search(&spec) {
                        Ok(entries) => entries,
                        Err(keyring_core::Error::NotSupportedByStore(_)) => return Ok(None),
                        Err(e) => return Err(keychain_error(&service, e)),
                    };
                    let names: std::collections::BTreeSet<String> = entries
                        .iter()
                        .filter_map(|entry| {
                            let attributes = entry.get_attributes().ok()?;
                            let account = attributes.get("username")?;
                            let (name, kind) = account.rsplit_once('/')?;
                            SecretKind::parse(kind).map(|_| name.to_string())
                        })
                        .chain(with_tokens)
                        .collect();
                    Ok(Some(names))
                })
            }
            // A team's store holds the entries of every teammate's connections, including ones
            // not (yet) in this profile file: none of them is an orphan of this home. (Listing
            // also needs a LIST policy teams do not always grant.)
            Backend::Vault(_) => Ok(None),
            Backend::File { path } => Ok(Some(
                read_file(path)?
                    .connections
                    .iter()
                    .filter(|(_, kinds)| !kinds.is_empty())
                    .map(|(name, _)| name.clone())
                    .collect(),
            )),
        }
    }

    /// Whether [`SecretStore::prepare_token_cache`] has nothing to do (the file store and Vault
    /// never do; the keychain store once it holds its key). Never blocks.
    pub fn token_cache_prepared(&self) -> bool {
        match &self.backend {
            Backend::Keychain { tokens, .. } => tokens.is_prepared(),
            Backend::File { .. } | Backend::Vault(_) => true,
        }
    }

    /// Get ready to cache tokens: the keychain store reads (or, the first time, makes) the key
    /// it seals them with, so the first grants of a run do not all wait for it.
    pub fn prepare_token_cache(&self) -> Result<(), SecretError> {
        match &self.backend {
            Backend::Keychain {
                store,
                service,
                tokens,
            } => tokens.prepare(store, service),
            Backend::File { .. } | Backend::Vault(_) => Ok(()),
        }
    }

    pub fn get(&self, connection: &str, kind: SecretKind) -> Result<Option<String>, SecretError> {
        match &self.backend {
            Backend::Keychain {
                store,
                service,
                tokens,
            } if kind == SecretKind::AccessToken => tokens.get(store, service, connection),
            Backend::Keychain { store, service, .. } => {
                let (store, service) = (store.clone(), service.clone());
                let account = account(connection, kind);
                bounded(move || {
                    let entry = store
                        .build(&service, &account, None)
                        .map_err(|e| keychain_error(&account, e))?;
                    match entry.get_password() {
                        Ok(v) => Ok(Some(v)),
                        Err(keyring_core::Error::NoEntry) => Ok(None),
                        Err(e) => Err(keychain_error(&account, e)),
                    }
                })
            }
            Backend::File { path } => Ok(read_file(path)?
                .connections
                .get(connection)
                .and_then(|m| m.get(kind.as_str()))
                .cloned()),
            Backend::Vault(v) => Ok(v.read(connection)?.fields.remove(kind.as_str())),
        }
    }

    pub fn set(&self, connection: &str, kind: SecretKind, value: &str) -> Result<(), SecretError> {
        match &self.backend {
            Backend::Keychain {
                store,
                service,
                tokens,
            } if kind == SecretKind::AccessToken => tokens.set(store, service, connection, value),
            Backend::Keychain { store, service, .. } => {
                let (store, service) = (store.clone(), service.clone());
                let (account, value) = (account(connection, kind), value.to_string());
                bounded(move || {
                    store
                        .build(&service, &account, None)
                        .and_then(|entry| entry.set_password(&value))
                        .map_err(|e| keychain_error(&account, e))
                })
            }
            Backend::File { path } => {
                let (connection, value) = (connection.to_string(), value.to_string());
                update_file(path, move |all| {
                    all.entry(connection)
                        .or_default()
                        .insert(kind.as_str().to_string(), value);
                })
            }
            Backend::Vault(v) => v.update(connection, |fields| {
                fields.insert(kind.as_str().to_string(), value.to_string());
            }),
        }
    }

    /// Delete one secret; deleting a missing one is not an error.
    pub fn delete(&self, connection: &str, kind: SecretKind) -> Result<(), SecretError> {
        match &self.backend {
            Backend::Keychain { tokens, .. } if kind == SecretKind::AccessToken => {
                tokens.delete(connection)
            }
            Backend::Keychain { store, service, .. } => {
                let (store, service) = (store.clone(), service.clone());
                let account = account(connection, kind);
                bounded(move || {
                    let entry = store
                        .build(&service, &account, None)
                        .map_err(|e| keychain_error(&account, e))?;
                    match entry.delete_credential() {
                        Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
                        Err(e) => Err(keychain_error(&account, e)),
                    }
                })
            }
            Backend::File { path } => {
                let connection = connection.to_string();
                update_file(path, move |all| {
                    if let Some(m) = all.get_mut(&connection) {
                        m.remove(kind.as_str());
                        if m.is_empty() {
                            all.remove(&connection);
                        }
                    }
                })
            }
            Backend::Vault(v) => v.update(connection, |fields| {
                fields.remove(kind.as_str());
            }),
        }
    }

    /// Which kinds are stored for the connection (never their values).
    pub fn stored_kinds(&self, connection: &str) -> Result<Vec<SecretKind>, SecretError> {
        match &self.backend {
            Backend::Keychain { tokens, .. } => {
                let mut kinds = Vec::new();
                for kind in SecretKind::ALL {
                    // A cached token counts whether or not it opens with this process's key:
                    // a credential change must delete it either way.
                    let stored = match kind {
                        SecretKind::AccessToken => tokens.exists(connection),
                        _ => self.get(connection, kind)?.is_some(),
                    };
                    if stored {
                        kinds.push(kind);
                    }
                }
                Ok(kinds)
            }
            Backend::File { path } => Ok(read_file(path)?
                .connections
                .get(connection)
                .map(|m| m.keys().filter_map(|k| SecretKind::parse(k)).collect())
                .unwrap_or_default()),
            Backend::Vault(v) => {
                let mut kinds: Vec<SecretKind> = v
                    .read(connection)?
                    .fields
                    .keys()
                    .filter_map(|k| SecretKind::parse(k))
                    .collect();
                kinds.sort();
                Ok(kinds)
            }
        }
    }

    /// Delete every secret of a connection.
    pub fn delete_all(&self, connection: &str) -> Result<(), SecretError> {
        match &self.backend {
            Backend::Keychain { .. } => {
                for kind in SecretKind::ALL {
                    self.delete(connection, kind)?;
                }
                Ok(())
            }
            Backend::File { path } => {
                let connection = connection.to_string();
                update_file(path, move |all| {
                    all.remove(&connection);
                })
            }
            Backend::Vault(v) => v.destroy(connection),
        }
    }

    /// Move every secret of `old` to `new` (copy first, then delete the old entries, so a
    /// failure half-way leaves the old ones in place).
    pub fn rename(&self, old: &str, new: &str) -> Result<(), SecretError> {
        match &self.backend {
            Backend::Keychain { .. } => {
                let mut moved = Vec::new();
                for kind in SecretKind::ALL {
                    if let Some(value) = self.get(old, kind)? {
                        if let Err(e) = self.set(new, kind, &value) {
                            for k in moved {
                                let _ = self.delete(new, k);
                            }
                            return Err(e);
                        }
                        moved.push(kind);
                    }
                }
                for kind in moved {
                    self.delete(old, kind)?;
                }
                // A cached token that did not open (another key) was not moved: it goes too.
                self.delete(old, SecretKind::AccessToken)
            }
            Backend::File { path } => {
                let (old, new) = (old.to_string(), new.to_string());
                update_file(path, move |all| {
                    if let Some(m) = all.remove(&old) {
                        all.insert(new, m);
                    }
                })
            }
            Backend::Vault(v) => {
                let moved = v.read(old)?.fields;
                if moved.is_empty() {
                    return Ok(());
                }
                v.update(new, |fields| *fields = moved.clone())?;
                v.destroy(old)
            }
        }
    }

    /// Store several secrets of one connection, all or none: on a failure the ones already
    /// written are put back as they were.
    pub fn set_all(
        &self,
        connection: &str,
        items: &[(SecretKind, String)],
    ) -> Result<SecretBackup, SecretError> {
        let mut backup = SecretBackup {
            connection: connection.to_string(),
            previous: Vec::new(),
        };
        for (kind, value) in items {
            let previous = match self.get(connection, *kind) {
                Ok(p) => p,
                Err(e) => {
                    self.restore(backup);
                    return Err(e);
                }
            };
            backup.previous.push((*kind, previous));
            if let Err(e) = self.set(connection, *kind, value) {
                self.restore(backup);
                return Err(e);
            }
        }
        Ok(backup)
    }

    /// Undo a [`SecretStore::set_all`] (best effort: used on the way out of a failure).
    pub fn restore(&self, backup: SecretBackup) {
        for (kind, previous) in backup.previous.into_iter().rev() {
            let _ = match previous {
                Some(v) => self.set(&backup.connection, kind, &v),
                None => self.delete(&backup.connection, kind),
            };
        }
    }
}

/// What [`SecretStore::set_all`] replaced, to put it back if the profile write fails.
#[derive(Debug)]
pub struct SecretBackup {
    connection: String,
    previous: Vec<(SecretKind, Option<String>)>,
}

#[cfg(test)]
mod tests;
