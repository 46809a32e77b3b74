//! The keychain store's token cache: each connection's cached access token in its own file in
//! sfconn's cache directory, sealed with AES-256-GCM under one key that lives in the keychain
//! (service `sfconn`, account `token-cache-key`).
//!
//! Why not one keychain item per token like the other secrets: the cache is written on every new
//! grant, and a Secret Service daemon such as gnome-keyring answers one call at a time and
//! rewrites its whole keyring file for each new item. Measured for issue 13, 500 new items took
//! it 11.2 s, so `test --all` of 500 connections spent ten times its budget waiting on the
//! keychain. Sealed files cost the keychain one read per process. The Salesforce CLI keeps its
//! tokens the same way: files encrypted under a key held in the keychain
//! (research/sf-cli-auth-store.md, "The encryption key").
//!
//! A file holds `SFC1`, a random 12-byte nonce and the sealed token cache entry. The associated
//! data binds it to its keychain service and connection, so a file copied to another connection's
//! name does not open. A file that does not open (another key, damaged, tampered with) is a
//! cache miss: the next grant replaces it. Losing the key loses only cached access tokens.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use keyring_core::CredentialStore;

use super::SecretError;
use super::keychain::{bounded, keychain_error};

/// The keychain account of the key. Connection secrets are `<name>/<kind>`, and a name has no
/// `/`, so this account is never a connection's.
pub(super) const KEY_ACCOUNT: &str = "token-cache-key";

const MAGIC: &[u8; 4] = b"SFC1";
const SUFFIX: &str = ".token";
/// A sealed entry is a few hundred bytes: a larger file (or a FIFO, a device) is not one.
const MAX_FILE: u64 = 64 * 1024;

/// The key as stored and ready to use.
struct Key {
    bytes: [u8; 32],
    aead: Arc<LessSafeKey>,
}

pub(super) struct SealedTokens {
    /// `None` where there is no cache directory (no home directory): nothing is cached.
    dir: Option<PathBuf>,
    /// The key, read from the keychain once per process (the first caller waits; the others use
    /// it), and again when a file does not open with it.
    key: Mutex<Option<Key>>,
}

impl SealedTokens {
    /// The tokens of keychain `service` under `cache_dir` (one directory per service, like the
    /// key).
    pub(super) fn new(cache_dir: Option<&Path>, service: &str) -> SealedTokens {
        SealedTokens {
            dir: cache_dir.map(|d| {
                d.join("tokens")
                    .join(crate::hex::encode(service.as_bytes()))
            }),
            key: Mutex::new(None),
        }
    }

    /// The file of a connection. Names are hex-encoded: the same on every filesystem (case-
    /// insensitive ones, Windows' reserved names such as `con`), and never a path.
    fn file(&self, connection: &str) -> Option<(&Path, PathBuf)> {
        let dir = self.dir.as_deref()?;
        Some((
            dir,
            dir.join(format!(
                "{}{SUFFIX}",
                crate::hex::encode(connection.as_bytes())
            )),
        ))
    }

    fn aad(service: &str, connection: &str) -> Vec<u8> {
        format!("{service}\n{connection}/access_token").into_bytes()
    }

    /// The key; with `create`, made and stored when the keychain has none (or one that is not a
    /// key). `None`: no key yet, so nothing is cached.
    fn key(
        &self,
        store: &Arc<CredentialStore>,
        service: &str,
        create: bool,
    ) -> Result<Option<Arc<LessSafeKey>>, SecretError> {
        let mut held = self.key.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(key) = held.as_ref() {
            return Ok(Some(key.aead.clone()));
        }
        let bytes = match read_key(store, service)? {
            Some(bytes) => bytes,
            None if !create => return Ok(None),
            None => self.create_key(store, service)?,
        };
        Key::hold(&mut held, bytes).map(Some)
    }

    /// A new key, made under a file lock so that two processes starting at once agree on one.
    fn create_key(
        &self,
        store: &Arc<CredentialStore>,
        service: &str,
    ) -> Result<[u8; 32], SecretError> {
        let lock = match &self.dir {
            Some(dir) => Some(
                crate::profile::atomic::lock(&dir.join("key")).map_err(|e| file_error(dir, e))?,
            ),
            None => None,
        };
        if let Some(bytes) = read_key(store, service)? {
            return Ok(bytes);
        }
        let mut fresh = [0u8; 32];
        getrandom::fill(&mut fresh).map_err(|e| SecretError::Keychain {
            account: KEY_ACCOUNT.into(),
            reason: format!("no randomness for a new key: {e}"),
        })?;
        write_key(store, service, &crate::hex::encode(&fresh))?;
        drop(lock);
        Ok(fresh)
    }

    /// The keychain's key if it is not the one this process holds (replaced since it was read).
    fn newer_key(
        &self,
        store: &Arc<CredentialStore>,
        service: &str,
    ) -> Result<Option<Arc<LessSafeKey>>, SecretError> {
        let mut held = self.key.lock().unwrap_or_else(|p| p.into_inner());
        let Some(bytes) = read_key(store, service)? else {
            return Ok(None);
        };
        if held.as_ref().is_some_and(|k| k.bytes == bytes) {
            return Ok(None);
        }
        Key::hold(&mut held, bytes).map(Some)
    }

    /// Whether [`SealedTokens::prepare`] has nothing to do: the key is held (or nothing is
    /// cached). Never waits: a key being read by another thread is not ready yet.
    pub(super) fn is_prepared(&self) -> bool {
        self.dir.is_none() || matches!(self.key.try_lock(), Ok(held) if held.is_some())
    }

    /// Read or make the key now (see [`super::SecretStore::prepare_token_cache`]).
    pub(super) fn prepare(
        &self,
        store: &Arc<CredentialStore>,
        service: &str,
    ) -> Result<(), SecretError> {
        if self.dir.is_some() {
            self.key(store, service, true)?;
        }
        Ok(())
    }

    /// The cached token. Only a cache: a file that cannot be read or does not open is a miss
    /// (the next grant replaces it), never an error of the command.
    pub(super) fn get(
        &self,
        store: &Arc<CredentialStore>,
        service: &str,
        connection: &str,
    ) -> Result<Option<String>, SecretError> {
        let Some((_, path)) = self.file(connection) else {
            return Ok(None);
        };
        let sealed = match crate::profile::atomic::read_capped(&path, MAX_FILE) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e, "cached token not readable");
                return Ok(None);
            }
        };
        let Some(key) = self.key(store, service, false)? else {
            return Ok(None);
        };
        let aad = Self::aad(service, connection);
        if let Some(token) = open(&key, &aad, &sealed) {
            return Ok(Some(token));
        }
        // Sealed by another process under a key that replaced the one read here?
        Ok(self
            .newer_key(store, service)?
            .and_then(|key| open(&key, &aad, &sealed)))
    }

    /// Cache a token. A keychain that cannot give the key is an error like any keychain
    /// failure; a cache file that cannot be written is not (the token is still used), and the
    /// old file is removed so that it is not used instead.
    pub(super) fn set(
        &self,
        store: &Arc<CredentialStore>,
        service: &str,
        connection: &str,
        value: &str,
    ) -> Result<(), SecretError> {
        let Some((dir, path)) = self.file(connection) else {
            return Ok(());
        };
        let Some(key) = self.key(store, service, true)? else {
            return Err(SecretError::Keychain {
                account: KEY_ACCOUNT.into(),
                reason: "the token cache key could not be stored".into(),
            });
        };
        let sealed = seal(&key, &Self::aad(service, connection), value)?;
        if let Err(e) = write_private(dir, &path, &sealed) {
            tracing::warn!(file = %path.display(), error = %e, "token not cached");
            let _ = std::fs::remove_file(&path);
        }
        Ok(())
    }

    /// Forget a cached token, whether or not it opens. Unlike a read, a failure here is an
    /// error: a token that outlives a credential change must not be used.
    pub(super) fn delete(&self, connection: &str) -> Result<(), SecretError> {
        let Some((_, path)) = self.file(connection) else {
            return Ok(());
        };
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(file_error(&path, e)),
        }
    }

    /// Whether the connection has a cached token file, whether or not it opens here.
    pub(super) fn exists(&self, connection: &str) -> bool {
        self.file(connection)
            .is_some_and(|(_, path)| std::fs::symlink_metadata(path).is_ok())
    }

    /// The connections with a token file (sealed or not: `doctor` lists leftovers).
    pub(super) fn connections(&self) -> Result<Vec<String>, SecretError> {
        let Some(dir) = &self.dir else {
            return Ok(Vec::new());
        };
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(file_error(dir, e)),
        };
        Ok(entries
            .filter_map(|entry| {
                let name = entry.ok()?.file_name().into_string().ok()?;
                let bytes = crate::hex::decode(name.strip_suffix(SUFFIX)?)?;
                String::from_utf8(bytes).ok()
            })
            .collect())
    }
}

impl Key {
    /// Keep `bytes` as the process's key; returns it ready to use.
    fn hold(held: &mut Option<Key>, bytes: [u8; 32]) -> Result<Arc<LessSafeKey>, SecretError> {
        let key = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| SecretError::Keychain {
            account: KEY_ACCOUNT.into(),
            reason: "the token cache key has the wrong length".into(),
        })?;
        let aead = Arc::new(LessSafeKey::new(key));
        *held = Some(Key {
            bytes,
            aead: aead.clone(),
        });
        Ok(aead)
    }
}

fn read_key(store: &Arc<CredentialStore>, service: &str) -> Result<Option<[u8; 32]>, SecretError> {
    let (store, service) = (store.clone(), service.to_string());
    let text = bounded(move || {
        let entry = store
            .build(&service, KEY_ACCOUNT, None)
            .map_err(|e| keychain_error(KEY_ACCOUNT, e))?;
        match entry.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(keychain_error(KEY_ACCOUNT, e)),
        }
    })?;
    // A value that is not 64 hex digits is no key of ours: a new one replaces it.
    Ok(text.and_then(|t| crate::hex::decode(t.trim())?.try_into().ok()))
}

fn write_key(store: &Arc<CredentialStore>, service: &str, key: &str) -> Result<(), SecretError> {
    let (store, service, key) = (store.clone(), service.to_string(), key.to_string());
    bounded(move || {
        store
            .build(&service, KEY_ACCOUNT, None)
            .and_then(|entry| entry.set_password(&key))
            .map_err(|e| keychain_error(KEY_ACCOUNT, e))
    })
}

fn seal(key: &LessSafeKey, aad: &[u8], value: &str) -> Result<Vec<u8>, SecretError> {
    let mut nonce = [0u8; NONCE_LEN];
    let failed = |reason: String| SecretError::Keychain {
        account: KEY_ACCOUNT.into(),
        reason,
    };
    getrandom::fill(&mut nonce).map_err(|e| failed(format!("no randomness for a nonce: {e}")))?;
    let mut in_out = value.as_bytes().to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad),
        &mut in_out,
    )
    .map_err(|_| failed("sealing the token cache failed".into()))?;
    let mut sealed = Vec::with_capacity(MAGIC.len() + NONCE_LEN + in_out.len());
    sealed.extend_from_slice(MAGIC);
    sealed.extend_from_slice(&nonce);
    sealed.extend_from_slice(&in_out);
    Ok(sealed)
}

/// The token cache entry in `sealed`, or `None` when it does not open with this key and data.
fn open(key: &LessSafeKey, aad: &[u8], sealed: &[u8]) -> Option<String> {
    let rest = sealed.strip_prefix(MAGIC.as_slice())?;
    let (nonce, ciphertext) = rest.split_at_checked(NONCE_LEN)?;
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut in_out = ciphertext.to_vec();
    let plain = key.open_in_place(nonce, Aad::from(aad), &mut in_out).ok()?;
    String::from_utf8(plain.to_vec()).ok()
}

/// Write `bytes` to `path` whole or not at all (temp file, rename), readable by the owner only.
/// No fsync: this is a cache, and a file lost in a crash is a miss.
fn write_private(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), SecretError> {
    create_private_dir(dir).map_err(|e| file_error(dir, e))?;
    // tempfile creates the file with mode 0600.
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| file_error(dir, e))?;
    tmp.write_all(bytes).map_err(|e| file_error(path, e))?;
    tmp.persist(path).map_err(|e| file_error(path, e.error))?;
    Ok(())
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

fn file_error(path: &Path, e: std::io::Error) -> SecretError {
    SecretError::File {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (tempfile::TempDir, Arc<CredentialStore>, SealedTokens) {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        let sealed = SealedTokens::new(Some(dir.path()), "svc");
        (dir, store, sealed)
    }

    fn file_of(sealed: &SealedTokens, connection: &str) -> PathBuf {
        sealed.file(connection).unwrap().1
    }

    /// The engine skips the hand-off to a blocking thread once this says so: it must say so
    /// only once the key is held, and always where nothing is cached.
    #[test]
    fn prepared_once_the_key_is_held() {
        let (_dir, store, sealed) = setup();
        assert!(!sealed.is_prepared());
        sealed.prepare(&store, "svc").unwrap();
        assert!(sealed.is_prepared());
        assert!(SealedTokens::new(None, "svc").is_prepared());
    }

    #[test]
    fn a_token_is_kept_sealed_and_read_back() {
        let (dir, store, sealed) = setup();
        assert_eq!(sealed.get(&store, "svc", "prod").unwrap(), None);
        sealed
            .set(&store, "svc", "prod", r#"{"access_token":"00Dcanary!"}"#)
            .unwrap();
        assert_eq!(
            sealed.get(&store, "svc", "prod").unwrap().as_deref(),
            Some(r#"{"access_token":"00Dcanary!"}"#)
        );
        let path = file_of(&sealed, "prod");
        assert!(path.starts_with(dir.path().join("tokens")));
        let bytes = std::fs::read(&path).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("canary"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // A second process (a new handle) finds the key in the keychain.
        let again = SealedTokens::new(Some(dir.path()), "svc");
        assert!(again.get(&store, "svc", "prod").unwrap().is_some());
        assert_eq!(again.connections().unwrap(), ["prod"]);
        sealed.delete("prod").unwrap();
        sealed.delete("prod").unwrap();
        assert_eq!(sealed.get(&store, "svc", "prod").unwrap(), None);
        assert!(!sealed.exists("prod"));
    }

    #[test]
    fn names_that_differ_only_in_case_or_are_reserved_get_files_of_their_own() {
        let (_dir, store, sealed) = setup();
        for (name, token) in [("prod", "a"), ("Prod", "b"), ("con", "c"), ("..", "d")] {
            sealed.set(&store, "svc", name, token).unwrap();
        }
        for (name, token) in [("prod", "a"), ("Prod", "b"), ("con", "c"), ("..", "d")] {
            assert_eq!(
                sealed.get(&store, "svc", name).unwrap().as_deref(),
                Some(token)
            );
        }
        let mut names = sealed.connections().unwrap();
        names.sort();
        assert_eq!(names, ["..", "Prod", "con", "prod"]);
    }

    #[test]
    fn a_file_moved_to_another_name_or_damaged_does_not_open() {
        let (_dir, store, sealed) = setup();
        sealed.set(&store, "svc", "prod", "tok").unwrap();
        let (prod, uat) = (file_of(&sealed, "prod"), file_of(&sealed, "uat"));
        std::fs::copy(&prod, &uat).unwrap();
        assert_eq!(sealed.get(&store, "svc", "uat").unwrap(), None);
        assert!(
            sealed.exists("uat"),
            "a file that does not open is still there"
        );
        // The same file under another keychain service does not open either.
        let other = SealedTokens::new(
            sealed
                .dir
                .as_deref()
                .and_then(Path::parent)
                .and_then(Path::parent),
            "svc2",
        );
        std::fs::create_dir_all(other.file("prod").unwrap().0).unwrap();
        std::fs::copy(&prod, other.file("prod").unwrap().1).unwrap();
        assert_eq!(other.get(&store, "svc2", "prod").unwrap(), None);
        let mut bytes = std::fs::read(&prod).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&prod, &bytes).unwrap();
        assert_eq!(sealed.get(&store, "svc", "prod").unwrap(), None);
        std::fs::write(&prod, b"short").unwrap();
        assert_eq!(sealed.get(&store, "svc", "prod").unwrap(), None);
    }

    #[test]
    fn a_cache_file_that_cannot_be_read_is_a_miss_and_an_unwritable_one_no_failure() {
        let (_dir, store, sealed) = setup();
        sealed.set(&store, "svc", "prod", "tok").unwrap();
        let path = file_of(&sealed, "prod");
        // A directory where the file should be: not readable as one, not replaceable by rename.
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("x"), b"x").unwrap();
        assert_eq!(sealed.get(&store, "svc", "prod").unwrap(), None);
        sealed.set(&store, "svc", "prod", "tok2").unwrap();
        assert_eq!(sealed.get(&store, "svc", "prod").unwrap(), None);
        // Deleting is strict: a token that cannot be removed must not be reported gone.
        assert!(sealed.delete("prod").is_err());
    }

    #[test]
    fn without_the_key_the_files_are_misses_and_a_new_key_takes_over() {
        let (dir, store, sealed) = setup();
        sealed.set(&store, "svc", "prod", "tok").unwrap();
        store
            .build("svc", KEY_ACCOUNT, None)
            .unwrap()
            .delete_credential()
            .unwrap();
        let fresh = SealedTokens::new(Some(dir.path()), "svc");
        assert_eq!(fresh.get(&store, "svc", "prod").unwrap(), None);
        fresh.set(&store, "svc", "prod", "tok2").unwrap();
        assert_eq!(
            fresh.get(&store, "svc", "prod").unwrap().as_deref(),
            Some("tok2")
        );
        // The first handle still holds the old key: it reads the keychain's again and opens it.
        assert_eq!(
            sealed.get(&store, "svc", "prod").unwrap().as_deref(),
            Some("tok2")
        );
    }

    #[test]
    fn without_a_cache_directory_nothing_is_cached() {
        let store: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        let sealed = SealedTokens::new(None, "svc");
        sealed.set(&store, "svc", "prod", "tok").unwrap();
        assert_eq!(sealed.get(&store, "svc", "prod").unwrap(), None);
        sealed.delete("prod").unwrap();
        assert!(sealed.connections().unwrap().is_empty());
    }
}
