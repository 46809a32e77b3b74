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
    static GATE: Gate = Gate::new(KEYCHAIN_CALLS_AT_ONCE);
    bounded_by(KEYCHAIN_TIMEOUT, &STALLED, &GATE, work)
}

/// How many keychain calls are in flight at once. The Secret Service daemon answers one call at
/// a time, and a new item costs it a rewrite of the keyring file: 128 calls sent together by
/// `test --all` queued there for longer than [`KEYCHAIN_TIMEOUT`] and failed as "not answering"
/// (issue 13). Waiting here instead, the timeout measures only the service's answer.
const KEYCHAIN_CALLS_AT_ONCE: usize = 4;

/// A counting gate: at most `limit` holders at once. Waiting for it gives up once the keychain
/// is known to be stalled.
pub(super) struct Gate {
    limit: usize,
    held: std::sync::Mutex<usize>,
    freed: std::sync::Condvar,
}

impl Gate {
    pub(super) const fn new(limit: usize) -> Gate {
        Gate {
            limit,
            held: std::sync::Mutex::new(0),
            freed: std::sync::Condvar::new(),
        }
    }

    fn enter(&self, stalled_flag: &AtomicBool) -> Result<GatePass<'_>, SecretError> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        while *held >= self.limit {
            if stalled_flag.load(Ordering::Relaxed) {
                return Err(stalled());
            }
            held = self
                .freed
                .wait_timeout(held, Duration::from_millis(100))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        *held += 1;
        Ok(GatePass(self))
    }
}

struct GatePass<'a>(&'a Gate);

impl Drop for GatePass<'_> {
    fn drop(&mut self) {
        let mut held = self.0.held.lock().unwrap_or_else(|p| p.into_inner());
        *held = held.saturating_sub(1);
        self.0.freed.notify_one();
    }
}

fn bounded_by<T: Send + 'static>(
    timeout: Duration,
    stalled_flag: &AtomicBool,
    gate: &Gate,
    work: impl FnOnce() -> Result<T, SecretError> + Send + 'static,
) -> Result<T, SecretError> {
    if stalled_flag.load(Ordering::Relaxed) {
        return Err(stalled());
    }
    // Held until this call has its answer or gives up (a call that never returns does not keep
    // its place: the next caller then sees the stalled flag).
    let _pass = gate.enter(stalled_flag)?;
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
        let gate = Gate::new(4);
        let result: Result<(), SecretError> =
            bounded_by(Duration::from_millis(50), &flag, &gate, move || {
                let _ = wait.recv();
                Ok(())
            });
        assert!(matches!(
            result,
            Err(SecretError::KeychainUnavailable { reason }) if reason.contains("did not answer")
        ));
        // Later calls fail at once rather than waiting again.
        assert!(bounded_by(KEYCHAIN_TIMEOUT, &flag, &gate, || Ok(())).is_err());
        let fresh = AtomicBool::new(false);
        assert_eq!(
            bounded_by(KEYCHAIN_TIMEOUT, &fresh, &gate, || Ok(7)).ok(),
            Some(7)
        );
    }

    /// A service that answers one call at a time, slowly, and many callers at once (`test --all`
    /// at concurrency 128): the time a call waits for its turn is not held against the service.
    #[test]
    fn a_slow_service_under_many_callers_is_not_taken_for_a_stalled_one() {
        static SERVICE: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let flag = Arc::new(AtomicBool::new(false));
        let gate = Arc::new(Gate::new(2));
        let callers: Vec<_> = (0..24)
            .map(|i| {
                let (flag, gate) = (flag.clone(), gate.clone());
                std::thread::spawn(move || {
                    bounded_by(Duration::from_millis(200), &flag, &gate, move || {
                        let _one_at_a_time = SERVICE.lock();
                        std::thread::sleep(Duration::from_millis(20));
                        Ok(i)
                    })
                })
            })
            .collect();
        // 24 calls of 20 ms one after the other take about 480 ms, over twice the timeout.
        let answers: Vec<_> = callers.into_iter().map(|c| c.join().unwrap()).collect();
        assert!(answers.iter().all(Result::is_ok), "{answers:?}");
        assert!(!flag.load(Ordering::Relaxed));
    }
}
