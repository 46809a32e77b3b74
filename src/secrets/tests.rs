//! Both backends behave the same: the file store and a keyring-core store (the mock here; the
//! real Secret Service in tests/it/keychain.rs).

use super::*;

fn stores() -> Vec<(SecretStore, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let file = SecretStore::file(dir.path().join("secrets.toml"));
    let mock: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
    let cache = tempfile::tempdir().unwrap();
    vec![
        (file, dir),
        (
            SecretStore::with_store(mock, "sfconn-test", Some(cache.path())),
            cache,
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

/// Writes from many threads at once are committed in groups and none is lost; a reader sees
/// each one as soon as the write returns.
#[test]
fn concurrent_file_writes_all_land() {
    let dir = tempfile::tempdir().unwrap();
    let store = SecretStore::file(dir.path().join("secrets.toml"));
    let threads: Vec<_> = (0..16)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    let name = format!("c{t}-{i}");
                    store.set(&name, SecretKind::AccessToken, &name).unwrap();
                    assert_eq!(
                        store
                            .get(&name, SecretKind::AccessToken)
                            .unwrap()
                            .as_deref(),
                        Some(name.as_str())
                    );
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // A fresh parse of the file (no cache) holds every write.
    let text = std::fs::read_to_string(dir.path().join("secrets.toml")).unwrap();
    let repr: file_store::FileRepr = toml::from_str(&text).unwrap();
    assert_eq!(repr.connections.len(), 16 * 25);
}

#[test]
fn a_file_changed_by_another_process_is_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secrets.toml");
    let store = SecretStore::file(path.clone());
    store.set("a", SecretKind::Password, "one").unwrap();
    assert_eq!(
        store.get("a", SecretKind::Password).unwrap().as_deref(),
        Some("one")
    );
    // Another process replaces the file (same size, by rename as sfconn does).
    let other = dir.path().join("other.toml");
    std::fs::write(&other, "[connections.a]\npassword = \"two\"\n").unwrap();
    std::fs::rename(&other, &path).unwrap();
    assert_eq!(
        store.get("a", SecretKind::Password).unwrap().as_deref(),
        Some("two")
    );
}

/// A cached token sealed under a key this process does not hold (replaced, deleted) still counts
/// as stored, so a credential change deletes it, and a rename does not leave it behind.
#[test]
fn a_cached_token_that_does_not_open_is_still_stored_and_moved_out_of_the_way() {
    let mock: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let s = SecretStore::with_store(mock.clone(), "sfconn-test", Some(cache.path()));
    s.set("a", SecretKind::AccessToken, "{}").unwrap();
    mock.build("sfconn-test", sealed::KEY_ACCOUNT, None)
        .unwrap()
        .delete_credential()
        .unwrap();
    let later = SecretStore::with_store(mock, "sfconn-test", Some(cache.path()));
    assert_eq!(later.get("a", SecretKind::AccessToken).unwrap(), None);
    assert_eq!(later.stored_kinds("a").unwrap(), [SecretKind::AccessToken]);
    later.rename("a", "b").unwrap();
    assert!(later.stored_kinds("a").unwrap().is_empty());
    assert!(later.stored_kinds("b").unwrap().is_empty());
}
