//! Integration tests: keychain.
