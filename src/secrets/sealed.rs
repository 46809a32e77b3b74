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

pub(super) struct SealedTokens {
    dir: PathBuf,
    /// The key, read from the keychain once per process (the first caller waits; the others use
    /// it).
    key: Mutex<Option<Arc<LessSafeKey>>>,
}

impl SealedTokens {
    /// Token files of keychain `service` under `cache_dir` (one directory per service, like the
    /// key).
    pub(super) fn new(cache_dir: &Path, service: &str) -> SealedTokens {
        SealedTokens {
            dir: cache_dir.join("tokens").join(service),
            key: Mutex::new(None),
        }
    }

    fn file(&self, connection: &str) -> Result<PathBuf, SecretError> {
        // Names are validated long before they reach the store; this keeps a name that is not
        // one (a path) from ever naming a file outside the directory.
        if crate::profile::validate::validate_name(connection).is_err() {
            return Err(SecretError::File {
                path: self.dir.display().to_string(),
                reason: format!("{connection:?} is not a connection name"),
            });
        }
        Ok(self.dir.join(format!("{connection}{SUFFIX}")))
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
            return Ok(Some(key.clone()));
        }
        let stored = read_key(store, service)?;
        let bytes = match stored {
            Some(bytes) => bytes,
            None if !create => return Ok(None),
            None => {
                let mut fresh = [0u8; 32];
                getrandom::fill(&mut fresh).map_err(|e| SecretError::Keychain {
                    account: KEY_ACCOUNT.into(),
                    reason: format!("no randomness for a new key: {e}"),
                })?;
                write_key(store, service, &hex(&fresh))?;
                // Another process may have made one at the same moment: use whichever the
                // keychain kept, so that both seal with the same key.
                read_key(store, service)?.unwrap_or(fresh)
            }
        };
        let key = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| SecretError::Keychain {
            account: KEY_ACCOUNT.into(),
            reason: "the token cache key has the wrong length".into(),
        })?;
        let key = Arc::new(LessSafeKey::new(key));
        *held = Some(key.clone());
        Ok(Some(key))
    }

    pub(super) fn get(
        &self,
        store: &Arc<CredentialStore>,
        service: &str,
        connection: &str,
    ) -> Result<Option<String>, SecretError> {
        let path = self.file(connection)?;
        let sealed = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(file_error(&path, e)),
        };
        let Some(key) = self.key(store, service, false)? else {
            return Ok(None);
        };
        Ok(open(&key, &Self::aad(service, connection), &sealed))
    }

    pub(super) fn set(
        &self,
        store: &Arc<CredentialStore>,
        service: &str,
        connection: &str,
        value: &str,
    ) -> Result<(), SecretError> {
        let path = self.file(connection)?;
        let Some(key) = self.key(store, service, true)? else {
            return Err(SecretError::Keychain {
                account: KEY_ACCOUNT.into(),
                reason: "the token cache key could not be stored".into(),
            });
        };
        let sealed = seal(&key, &Self::aad(service, connection), value)?;
        write_private(&self.dir, &path, &sealed)
    }

    pub(super) fn delete(&self, connection: &str) -> Result<(), SecretError> {
        let path = self.file(connection)?;
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(file_error(&path, e)),
        }
    }

    /// The connections with a token file (sealed or not: `doctor` lists leftovers).
    pub(super) fn connections(&self) -> Result<Vec<String>, SecretError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(file_error(&self.dir, e)),
        };
        Ok(entries
            .filter_map(|entry| {
                let name = entry.ok()?.file_name().into_string().ok()?;
                let connection = name.strip_suffix(SUFFIX)?;
                crate::profile::validate::validate_name(connection)
                    .is_ok()
                    .then(|| connection.to_string())
            })
            .collect())
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
    Ok(text.and_then(|t| unhex(t.trim())))
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
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
        let sealed = SealedTokens::new(dir.path(), "svc");
        (dir, store, sealed)
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
        let path = dir.path().join("tokens/svc/prod.token");
        let bytes = std::fs::read(&path).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("canary"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // A second process (a new handle) finds the key in the keychain.
        let again = SealedTokens::new(dir.path(), "svc");
        assert!(again.get(&store, "svc", "prod").unwrap().is_some());
        sealed.delete("prod").unwrap();
        sealed.delete("prod").unwrap();
        assert_eq!(sealed.get(&store, "svc", "prod").unwrap(), None);
    }

    #[test]
    fn a_file_moved_to_another_name_or_damaged_does_not_open() {
        let (dir, store, sealed) = setup();
        sealed.set(&store, "svc", "prod", "tok").unwrap();
        let tokens = dir.path().join("tokens/svc");
        std::fs::copy(tokens.join("prod.token"), tokens.join("uat.token")).unwrap();
        assert_eq!(sealed.get(&store, "svc", "uat").unwrap(), None);
        let mut bytes = std::fs::read(tokens.join("prod.token")).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(tokens.join("prod.token"), &bytes).unwrap();
        assert_eq!(sealed.get(&store, "svc", "prod").unwrap(), None);
        std::fs::write(tokens.join("prod.token"), b"short").unwrap();
        assert_eq!(sealed.get(&store, "svc", "prod").unwrap(), None);
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
        let fresh = SealedTokens::new(dir.path(), "svc");
        assert_eq!(fresh.get(&store, "svc", "prod").unwrap(), None);
        fresh.set(&store, "svc", "prod", "tok2").unwrap();
        assert_eq!(
            fresh.get(&store, "svc", "prod").unwrap().as_deref(),
            Some("tok2")
        );
    }

    #[test]
    fn a_name_that_is_a_path_is_refused() {
        let (_dir, store, sealed) = setup();
        assert!(sealed.set(&store, "svc", "../x", "tok").is_err());
        assert!(sealed.get(&store, "svc", "a/b").is_err());
    }
}
