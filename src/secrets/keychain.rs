//! The OS keychain through keyring-core: the platform store is chosen once, explicitly, so a
//! missing or locked keychain is an error the user sees (research/dependencies.md, keyring).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use keyring_core::CredentialStore;

use super::SecretError;

/// How long one keychain call may take. A Secret Service that accepts the connection and never
/// answers would otherwise hang `show`, `add` and every flow (issue 14).
pub(super) const KEYCHAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Set once a call timed out: the keychain is not answering, so later calls fail at once instead
/// of waiting 5 s each.
static STALLED: AtomicBool = AtomicBool::new(false);

fn stalled() -> SecretError {
    SecretError::KeychainUnavailable {
        reason: format!("it did not answer within {} s", KEYCHAIN_TIMEOUT.as_secs()),
    }
}

/// Run one keychain call on its own thread and give up after [`KEYCHAIN_TIMEOUT`]. The thread of
/// a call that never returns is left behind (nothing can cancel a blocked D-Bus call); the
/// process does not wait for it.
pub(super) fn bounded<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, SecretError> + Send + 'static,
) -> Result<T, SecretError> {
    bounded_by(KEYCHAIN_TIMEOUT, &STALLED, work)
}

fn bounded_by<T: Send + 'static>(
    timeout: Duration,
    stalled_flag: &AtomicBool,
    work: impl FnOnce() -> Result<T, SecretError> + Send + 'static,
) -> Result<T, SecretError> {
    if stalled_flag.load(Ordering::Relaxed) {
        return Err(stalled());
    }
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("sfconn-keychain".into())
        .spawn(move || {
            let _ = tx.send(work());
        })
        .map_err(|e| SecretError::KeychainUnavailable {
            reason: format!("cannot start the keychain call: {e}"),
        })?;
    match rx.recv_timeout(timeout) {
        Ok(result) => result,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            stalled_flag.store(true, Ordering::Relaxed);
            Err(stalled())
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            Err(SecretError::KeychainUnavailable {
                reason: "the keychain call failed without an answer".into(),
            })
        }
    }
}

/// The platform keychain, as keyring 4's `v1` wiring picks it.
pub(super) fn platform_store() -> Result<Arc<CredentialStore>, keyring_core::Error> {
    #[cfg(target_os = "macos")]
    {
        let store: Arc<CredentialStore> = apple_native_keyring_store::keychain::Store::new()?;
        Ok(store)
    }
    #[cfg(target_os = "windows")]
    {
        let store: Arc<CredentialStore> = windows_native_keyring_store::Store::new()?;
        Ok(store)
    }
    #[cfg(all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    ))]
    {
        let store: Arc<CredentialStore> = zbus_secret_service_keyring_store::Store::new()?;
        Ok(store)
    }
    #[cfg(not(any(
        target_os = "macos",
        target_os = "windows",
        all(
            unix,
            not(any(target_os = "macos", target_os = "ios", target_os = "android"))
        )
    )))]
    {
        Err(keyring_core::Error::NotSupportedByStore(
            "no keychain on this platform".into(),
        ))
    }
}

pub(super) fn keychain_error(account: &str, e: keyring_core::Error) -> SecretError {
    match e {
        keyring_core::Error::NoStorageAccess(inner) => SecretError::KeychainUnavailable {
            reason: format!(
                "it is locked or refused access: {inner}; unlock it, e.g. by logging in to the desktop session"
            ),
        },
        keyring_core::Error::NoDefaultStore => SecretError::KeychainUnavailable {
            reason: "no keychain store".into(),
        },
        keyring_core::Error::PlatformFailure(inner) => SecretError::KeychainUnavailable {
            reason: inner.to_string(),
        },
        other => SecretError::Keychain {
            account: account.to_string(),
            reason: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_that_never_returns_becomes_keychain_unavailable() {
        let flag = AtomicBool::new(false);
        let (_hold, wait) = std::sync::mpsc::channel::<()>();
        let result: Result<(), SecretError> =
            bounded_by(Duration::from_millis(50), &flag, move || {
                let _ = wait.recv();
                Ok(())
            });
        assert!(matches!(
            result,
            Err(SecretError::KeychainUnavailable { reason }) if reason.contains("did not answer")
        ));
        // Later calls fail at once rather than waiting again.
        assert!(bounded_by(KEYCHAIN_TIMEOUT, &flag, || Ok(())).is_err());
        let fresh = AtomicBool::new(false);
        assert_eq!(bounded_by(KEYCHAIN_TIMEOUT, &fresh, || Ok(7)).ok(), Some(7));
    }
}
