//! The connection lifecycle: add, edit, rename, remove, use, keygen and recording a run. Both
//! front ends (the CLI's `commands/` and the TUI's task spawner) call these functions; neither
//! writes the profile file, the secret store or the state file itself.
//!
//! The rules that matter to users live here once:
//! - a save is all or nothing: secrets are stored first and put back if the profile write fails;
//! - secrets left behind under a name with no profile entry (a save killed half-way) are never
//!   adopted by the next `add` of that name: they are removed first;
//! - a credential change drops the cached access token, and an identity change (client id,
//!   domain, environment, flow, username) drops the refresh token too, because tokens belong to
//!   one app, one org and one user (PRODUCT.md section 4).
//!
//! Calls block (keychain D-Bus calls, file locks, RSA key generation): async callers run them on
//! `spawn_blocking`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::paths::Paths;
use crate::profile::{Connection, ProfileError, Profiles, ValidationError};
use crate::salesforce::TestReport;
use crate::secrets::{SecretError, SecretKind, SecretStore};
use crate::state::{LastTest, StateError};

/// Why a lifecycle call did nothing. Every variant leaves the files as they were.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    State(#[from] StateError),
    /// The settings or secrets do not make a working connection; every problem is listed.
    #[error("connection `{name}` was not saved: {}", join_errors(.errors))]
    Invalid {
        name: String,
        errors: Vec<ValidationError>,
    },
    /// Bad input that is not a setting (a name, a secret kind for this flow).
    #[error("{0}")]
    Usage(String),
    /// Key generation or writing the key files failed.
    #[error("{0}")]
    Keys(String),
}

fn join_errors(errors: &[ValidationError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The request timeout: `--timeout`, else the connection's own, else the file's, else 10 s.
pub fn effective_timeout(flag: Option<u64>, conn: &Connection, file: Option<u64>) -> Duration {
    Duration::from_secs(
        flag.or(conn.timeout_secs)
            .or(file)
            .unwrap_or(crate::profile::model::DEFAULT_TIMEOUT_SECS),
    )
}

/// What a credential change makes stale.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Invalidation {
    /// The cached access token proves nothing about the new settings.
    pub access_token: bool,
    /// The refresh token belongs to another app, org, user or flow.
    pub refresh_token: bool,
}

/// Which tokens a change from `before` to `after` (plus new or cleared `secrets`) invalidates.
pub fn invalidation(
    before: &Connection,
    after: &Connection,
    secrets: &[SecretKind],
) -> Invalidation {
    let identity = before.flow != after.flow
        || before.client_id != after.client_id
        || before.domain != after.domain
        || before.environment != after.environment
        || before.username != after.username;
    let credential = identity
        || before.audience != after.audience
        || before.scopes != after.scopes
        || before.key_file != after.key_file
        || before.cert_file != after.cert_file
        || secrets.iter().any(|k| k.is_credential());
    Invalidation {
        access_token: credential,
        refresh_token: identity,
    }
}

/// A new or changed connection: its settings, the secrets to store and the ones to remove.
#[derive(Clone)]
pub struct Draft {
    pub conn: Connection,
    pub set: Vec<(SecretKind, String)>,
    pub clear: Vec<SecretKind>,
    /// The key file was replaced in place (same path, new key): a credential change too.
    pub key_replaced: bool,
}

impl std::fmt::Debug for Draft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set: Vec<&str> = self.set.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Draft")
            .field("conn", &self.conn)
            .field("set", &set)
            .field("clear", &self.clear)
            .field("key_replaced", &self.key_replaced)
            .finish()
    }
}

impl Draft {
    pub fn new(conn: Connection, set: Vec<(SecretKind, String)>) -> Draft {
        Draft {
            conn,
            set,
            clear: Vec::new(),
            key_replaced: false,
        }
    }

    fn kinds(&self) -> Vec<SecretKind> {
        self.set
            .iter()
            .map(|(k, _)| *k)
            .chain(self.clear.iter().copied())
            .collect()
    }
}

/// What `add` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    pub conn: Connection,
    /// The secret kinds stored.
    pub stored: Vec<SecretKind>,
    /// It became the default (the first connection).
    pub made_default: bool,
    /// Secrets found under the name with no profile entry (an interrupted save), now removed.
    pub orphans_removed: Vec<SecretKind>,
}

/// What `edit` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    pub conn: Connection,
    /// The name before, when the edit renamed it.
    pub renamed_from: Option<String>,
    pub settings_changed: bool,
    pub stored: Vec<SecretKind>,
    pub cleared: Vec<SecretKind>,
    /// Tokens deleted because they no longer prove anything (only those that were stored).
    pub dropped: Vec<SecretKind>,
    /// A `web` or `device` connection left without a refresh token by this edit.
    pub needs_login: bool,
}

impl Edited {
    /// The command that gets the connection working again, when the edit left a browser or
    /// device flow without the refresh token a login gives it.
    pub fn next_step(&self) -> Option<String> {
        self.needs_login
            .then(|| format!("sfconn login {}", self.conn.name))
    }
}

/// What `remove` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    pub name: String,
    pub was_default: bool,
}

/// What to do when `keys/NAME.key` or `keys/NAME.crt` is already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExistingKeys {
    /// Refuse: the certificate may already be uploaded to Salesforce (`sfconn keygen`).
    Refuse,
    /// Use the pair that is there, never replace it (the wizard's Ctrl-G, pressed twice).
    Reuse,
}

/// A key pair on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFiles {
    pub key: PathBuf,
    pub cert: PathBuf,
    /// The pair was made now (not reused).
    pub created: bool,
}

/// The lifecycle over one home: the profile file, the secret store and the state file.
#[derive(Clone)]
pub struct Lifecycle {
    paths: Paths,
    store: SecretStore,
}

impl Lifecycle {
    pub fn new(paths: Paths, store: SecretStore) -> Lifecycle {
        Lifecycle { paths, store }
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    pub fn store(&self) -> &SecretStore {
        &self.store
    }

    fn load(&self) -> Result<Profiles, LifecycleError> {
        Ok(Profiles::load(&self.paths.profile_file)?)
    }

    /// Create a connection. The first connection becomes the default.
    pub fn add(&self, draft: Draft) -> Result<Added, LifecycleError> {
        let Draft { conn, set, .. } = draft;
        let profiles = self.load()?;
        if profiles.connections.contains_key(&conn.name) {
            return Err(ProfileError::AlreadyExists { name: conn.name }.into());
        }
        let stored: Vec<SecretKind> = set.iter().map(|(k, _)| *k).collect();
        conn.validate_for_save(&stored)
            .map_err(|errors| invalid(&conn.name, errors))?;
        check_imported_key(&conn, imported_key(&set))?;
        // No profile entry, yet secrets under this name: a save was interrupted. They belong
        // to nobody; adopting them would show (and use) a stale client secret.
        let orphans_removed = self.store.stored_kinds(&conn.name)?;
        if !orphans_removed.is_empty() {
            self.store.delete_all(&conn.name)?;
        }
        let made_default = self.save(&conn.name, &set, &[], |doc| {
            if doc.profiles().connections.contains_key(&conn.name) {
                return Err(ProfileError::AlreadyExists {
                    name: conn.name.clone(),
                });
            }
            let first = doc.profiles().connections.is_empty() && doc.profiles().default.is_none();
            doc.upsert(&conn);
            if first {
                doc.set_default(Some(&conn.name));
            }
            Ok(first)
        })?;
        Ok(Added {
            conn,
            stored,
            made_default,
            orphans_removed,
        })
    }

    /// Change connection `name` into `draft` (which may carry a new name). New secrets replace
    /// the stored ones, `draft.clear` removes optional ones, and tokens the change makes stale
    /// are deleted (see [`invalidation`]) before anything else is written: a keychain that fails
    /// half-way must never leave a token that proves nothing about the new settings.
    pub fn edit(&self, name: &str, draft: Draft) -> Result<Edited, LifecycleError> {
        let kinds = draft.kinds();
        let Draft {
            conn,
            set,
            clear,
            key_replaced,
        } = draft;
        let profiles = self.load()?;
        let before = profiles.require(name)?.clone();
        let renamed_from = (conn.name != name).then(|| name.to_string());
        if renamed_from.is_some() {
            crate::profile::validate::validate_name(&conn.name)
                .map_err(|e| LifecycleError::Usage(format!("new name: {}", e.message)))?;
            if profiles.connections.contains_key(&conn.name) {
                return Err(ProfileError::AlreadyExists { name: conn.name }.into());
            }
        }
        for kind in &clear {
            if crate::profile::validate::required_secrets(conn.flow).contains(kind) {
                return Err(LifecycleError::Usage(format!(
                    "the {} flow cannot work without its {}; store a new one instead of clearing it",
                    conn.flow,
                    kind.label()
                )));
            }
        }
        let stored_before = self.store.stored_kinds(name)?;
        let after: BTreeSet<SecretKind> = stored_before
            .iter()
            .copied()
            .filter(|k| !clear.contains(k))
            .chain(set.iter().map(|(k, _)| *k))
            .collect();
        let after: Vec<SecretKind> = after.into_iter().collect();
        conn.validate_for_save(&after)
            .map_err(|errors| invalid(&conn.name, errors))?;
        let stored_key = match (imported_key(&set), &conn.key_file, &conn.cert_file) {
            (None, None, Some(_)) if after.contains(&SecretKind::PrivateKey) => {
                self.store.get(name, SecretKind::PrivateKey)?
            }
            _ => None,
        };
        check_imported_key(&conn, imported_key(&set).or(stored_key.as_deref()))?;
        let mut changed = kinds;
        if key_replaced {
            // Same key_file path, new key inside (keygen after the old pair was deleted).
            changed.push(SecretKind::PrivateKey);
        }
        let stale = invalidation(&before, &conn, &changed);
        let dropped: Vec<SecretKind> = [
            (stale.access_token, SecretKind::AccessToken),
            (stale.refresh_token, SecretKind::RefreshToken),
        ]
        .into_iter()
        .filter(|(yes, kind)| *yes && stored_before.contains(kind))
        .map(|(_, kind)| kind)
        .collect();
        // Stale tokens go first, kept in memory to be put back if the save fails.
        let mut tokens = Vec::new();
        for kind in &dropped {
            tokens.push((*kind, self.store.get(name, *kind)?));
            if let Err(e) = self.store.delete(name, *kind) {
                self.put_back(name, &tokens);
                return Err(e.into());
            }
        }
        let fail = |e: LifecycleError| {
            self.put_back(name, &tokens);
            Err(e)
        };
        if let Some(old) = &renamed_from {
            // Secrets under the new name with no connection (a hand-deleted profile entry, an
            // interrupted save) belong to another org or app: never adopt them.
            let leftovers = self.store.stored_kinds(&conn.name)?;
            if !leftovers.is_empty()
                && let Err(e) = self.store.delete_all(&conn.name)
            {
                return fail(e.into());
            }
            if let Err(e) = self.store.rename(old, &conn.name) {
                return fail(e.into());
            }
        }
        let clear_stored: Vec<SecretKind> = clear
            .iter()
            .copied()
            .filter(|k| stored_before.contains(k) && !set.iter().any(|(s, _)| s == k))
            .collect();
        let saved = self.save(&conn.name, &set, &clear_stored, |doc| {
            match &renamed_from {
                Some(old) => {
                    if doc.profiles().connections.contains_key(&conn.name) {
                        return Err(ProfileError::AlreadyExists {
                            name: conn.name.clone(),
                        });
                    }
                    if !doc.rename(old, &conn.name) {
                        return Err(missing(doc.profiles(), old));
                    }
                }
                None if !doc.profiles().connections.contains_key(name) => {
                    return Err(missing(doc.profiles(), name));
                }
                None => {}
            }
            doc.upsert(&conn);
            Ok(())
        });
        if let Err(e) = saved {
            if let Some(old) = &renamed_from
                && let Err(back) = self.store.rename(&conn.name, old)
            {
                tracing::error!(error = %back, "the secrets could not be moved back after a failed rename");
            }
            return fail(e);
        }
        if let Some(old) = &renamed_from {
            crate::state::rename(&self.paths, old, &conn.name)?;
        }
        let refresh_left =
            stored_before.contains(&SecretKind::RefreshToken) && !stale.refresh_token;
        let needs_login = conn.flow.is_interactive()
            && !refresh_left
            && (!dropped.is_empty() || before.flow != conn.flow);
        let mut settings_before = before;
        settings_before.name = conn.name.clone();
        Ok(Edited {
            settings_changed: settings_before != conn,
            stored: set.iter().map(|(k, _)| *k).collect(),
            cleared: clear_stored,
            needs_login,
            dropped,
            renamed_from,
            conn,
        })
    }

    /// Put tokens deleted by a failed edit back (best effort: on the way out of a failure).
    fn put_back(&self, name: &str, tokens: &[(SecretKind, Option<String>)]) {
        for (kind, value) in tokens {
            if let Some(value) = value
                && let Err(e) = self.store.set(name, *kind, value)
            {
                tracing::error!(kind = kind.as_str(), error = %e, "a token could not be put back");
            }
        }
    }

    /// Give a connection a new name: its secrets and last test move with it.
    pub fn rename(&self, old: &str, new: &str) -> Result<Edited, LifecycleError> {
        crate::profile::validate::validate_name(new)
            .map_err(|e| LifecycleError::Usage(format!("NEW: {}", e.message)))?;
        if old == new {
            return Err(LifecycleError::Usage(format!(
                "{old} already has that name"
            )));
        }
        let mut conn = self.load()?.require(old)?.clone();
        conn.name = new.to_string();
        self.edit(old, Draft::new(conn, Vec::new()))
    }

    /// Delete a connection, its secrets and its last test. Secrets go first: if the store
    /// refuses, the connection is still there to retry with.
    pub fn remove(&self, name: &str) -> Result<Removed, LifecycleError> {
        self.load()?.require(name)?;
        self.store.delete_all(name)?;
        let was_default = crate::profile::update(&self.paths.profile_file, |doc| {
            let was_default = doc.profiles().default.as_deref() == Some(name);
            doc.remove(name);
            Ok::<_, ProfileError>(was_default)
        })?;
        crate::state::forget(&self.paths, name)?;
        Ok(Removed {
            name: name.to_string(),
            was_default,
        })
    }

    /// Store secrets, write the profile with `edit`, then delete `drop`; the secrets are put
    /// back if the profile cannot be written.
    fn save<T>(
        &self,
        name: &str,
        set: &[(SecretKind, String)],
        drop: &[SecretKind],
        edit: impl FnOnce(&mut crate::profile::ProfilesDoc) -> Result<T, ProfileError>,
    ) -> Result<T, LifecycleError> {
        let backup = self.store.set_all(name, set)?;
        match crate::profile::update(&self.paths.profile_file, edit) {
            Ok(out) => {
                for kind in drop {
                    self.store.delete(name, *kind)?;
                }
                Ok(out)
            }
            Err(e) => {
                self.store.restore(backup);
                Err(e.into())
            }
        }
    }
}

/// Make `name` the default connection. Needs no secret store. The default it replaces is kept
/// in the state file for `sfconn use -`; a damaged state file only loses that memory.
pub fn set_default(paths: &Paths, name: &str) -> Result<Connection, LifecycleError> {
    let (conn, before) = crate::profile::update(&paths.profile_file, |doc| {
        let conn = doc.profiles().require(name)?.clone();
        let before = doc.profiles().default.clone();
        doc.set_default(Some(name));
        Ok::<_, ProfileError>((conn, before))
    })?;
    if let Some(before) = before.filter(|b| b != name) {
        match crate::state::State::update(paths, |s| s.previous_default = Some(before)) {
            Ok(()) | Err(StateError::Corrupt { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(conn)
}

/// The default before the last switch, for `sfconn use -` (None when there was none).
pub fn previous_default(paths: &Paths) -> Result<Option<String>, LifecycleError> {
    Ok(crate::state::State::load(paths)?.previous_default)
}

/// Keep the outcome of tests and logins in the state file, in one locked write (500
/// connections must not mean 500 rewrites). `at` is the time the front end showed.
pub fn record(paths: &Paths, reports: &[TestReport], at: &str) -> Result<(), LifecycleError> {
    crate::state::State::update(paths, |state| {
        for report in reports {
            state
                .tests
                .insert(report.name.clone(), last_test(report, at));
        }
    })?;
    Ok(())
}

/// Make `keys/NAME.key` (0600) and `keys/NAME.crt` in `dir`, an RSA 2048 key and a self-signed
/// certificate. Needs no secret store: the key lives in a file the connection points at.
pub fn keygen(dir: &Path, name: &str, existing: ExistingKeys) -> Result<KeyFiles, LifecycleError> {
    crate::profile::validate::validate_name(name)
        .map_err(|e| LifecycleError::Usage(format!("connection name {name:?}: {}", e.message)))?;
    let dir = std::path::absolute(dir)
        .map_err(|e| LifecycleError::Keys(format!("{}: {e}", dir.display())))?;
    let key = dir.join(format!("{name}.key"));
    let cert = dir.join(format!("{name}.crt"));
    match (key.exists(), cert.exists(), existing) {
        (true, true, ExistingKeys::Reuse) => {
            return Ok(KeyFiles {
                key,
                cert,
                created: false,
            });
        }
        (false, false, _) => {}
        (key_there, _, _) => {
            let there = if key_there { &key } else { &cert };
            return Err(LifecycleError::Usage(format!(
                "{} already exists; sfconn does not replace a key that may already be uploaded to Salesforce. \
                 Delete it first if you mean to make a new pair, or point the connection at it",
                there.display()
            )));
        }
    }
    let pair = crate::profile::keys::generate(name).map_err(LifecycleError::Keys)?;
    crate::profile::atomic::create_private_dir_all(&dir)
        .map_err(|e| LifecycleError::Keys(format!("cannot create {}: {e}", dir.display())))?;
    for (path, pem, mode) in [(&key, &pair.key_pem, 0o600), (&cert, &pair.cert_pem, 0o644)] {
        crate::profile::atomic::write_atomic(path, pem.as_bytes(), Some(mode)).map_err(|e| {
            LifecycleError::Keys(format!(
                "cannot write {}: {e}; check that the directory is writable",
                path.display()
            ))
        })?;
    }
    Ok(KeyFiles {
        key,
        cert,
        created: true,
    })
}

/// What the state file keeps of a test or login.
pub fn last_test(report: &TestReport, at: &str) -> LastTest {
    LastTest {
        at: at.to_string(),
        ok: report.ok,
        error_code: report.error.as_ref().and_then(|e| e.code.clone()),
        failed_step: report.error.as_ref().map(|e| e.step.as_str().to_string()),
        hint_title: report.hints.first().map(|h| h.title.clone()),
        needs_login: report.needs_login(),
        token_source: report.token_source,
        steps: report.steps.clone(),
    }
}

/// The private key being imported, if the draft carries one.
fn imported_key(set: &[(SecretKind, String)]) -> Option<&str> {
    set.iter()
        .find(|(k, _)| *k == SecretKind::PrivateKey)
        .map(|(_, v)| v.as_str())
}

/// An imported key (no `key_file`) checked against `cert_file`, as a key file is by
/// `validate_for_save`: a pair that does not match fails every assertion at Salesforce.
fn check_imported_key(conn: &Connection, imported: Option<&str>) -> Result<(), LifecycleError> {
    let (None, Some(cert), Some(key)) = (&conn.key_file, &conn.cert_file, imported) else {
        return Ok(());
    };
    let checked = crate::profile::keys::connection_key(None, Some(key))
        .map_err(|(_, e)| e.to_string())
        .and_then(|loaded| {
            let (pem, _) = loaded.ok_or_else(|| "no private key".to_string())?;
            let cert_pem =
                crate::profile::atomic::read_capped(cert, crate::profile::atomic::MAX_KEY_FILE)
                    .map_err(|e| format!("{}: {e}", cert.display()))?;
            crate::profile::keys::check_certificate_matches(&pem, &cert_pem)
                .map_err(|e| format!("{}: {e}", cert.display()))
        });
    checked.map_err(|message| {
        invalid(
            &conn.name,
            vec![ValidationError {
                field: "cert_file".into(),
                message,
            }],
        )
    })
}

fn invalid(name: &str, errors: Vec<ValidationError>) -> LifecycleError {
    LifecycleError::Invalid {
        name: name.to_string(),
        errors,
    }
}

fn missing(profiles: &Profiles, name: &str) -> ProfileError {
    profiles.require(name).err().unwrap_or_else(|| {
        ProfileError::Invalid(format!("connection {name} was removed meanwhile"))
    })
}

#[cfg(test)]
mod tests;
