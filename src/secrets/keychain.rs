//! The OS keychain through keyring-core: the platform store is chosen once, explicitly, so a
//! missing or locked keychain is an error the user sees (research/dependencies.md, keyring).

use std::sync::Arc;

use keyring_core::CredentialStore;

use super::SecretError;

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
