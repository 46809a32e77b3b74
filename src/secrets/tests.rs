//! Both backends behave the same: the file store and a keyring-core store (the mock here; the
//! real Secret Service in tests/it/keychain.rs).

use super::*;

fn stores() -> Vec<(SecretStore, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let file = SecretStore::file(dir.path().join("secrets.toml"));
    let mock: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
    vec![
        (file, dir),
        (
            SecretStore::with_store(mock, "sfconn-test"),
            tempfile::tempdir().unwrap(),
        ),
    ]
}

#[test]
fn round_trip_rename_delete_all() {
    for (s, _dir) in stores() {
        assert_eq!(s.get("a", SecretKind::Password).unwrap(), None);
        s.set("a", SecretKind::Password, "p#&+%").unwrap();
        s.set("a", SecretKind::ClientSecret, "cs").unwrap();
        assert_eq!(
            s.get("a", SecretKind::Password).unwrap().as_deref(),
            Some("p#&+%")
        );
        assert_eq!(
            s.stored_kinds("a").unwrap(),
            [SecretKind::ClientSecret, SecretKind::Password]
        );
        s.rename("a", "b").unwrap();
        assert!(s.stored_kinds("a").unwrap().is_empty());
        assert_eq!(
            s.get("b", SecretKind::ClientSecret).unwrap().as_deref(),
            Some("cs")
        );
        s.delete("b", SecretKind::AccessToken).unwrap();
        s.delete_all("b").unwrap();
        assert!(s.stored_kinds("b").unwrap().is_empty());
    }
}

#[test]
fn set_all_restores_on_undo() {
    for (s, _dir) in stores() {
        s.set("a", SecretKind::Password, "old").unwrap();
        let backup = s
            .set_all(
                "a",
                &[
                    (SecretKind::Password, "new".into()),
                    (SecretKind::ClientSecret, "cs".into()),
                ],
            )
            .unwrap();
        assert_eq!(
            s.get("a", SecretKind::Password).unwrap().as_deref(),
            Some("new")
        );
        s.restore(backup);
        assert_eq!(
            s.get("a", SecretKind::Password).unwrap().as_deref(),
            Some("old")
        );
        assert_eq!(s.get("a", SecretKind::ClientSecret).unwrap(), None);
    }
}

#[cfg(unix)]
#[test]
fn file_store_is_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secrets.toml");
    SecretStore::file(path.clone())
        .set("a", SecretKind::Password, "x")
        .unwrap();
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
}
