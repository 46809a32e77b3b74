//! The lifecycle against a real profile file and the file secret store.

use super::*;
use crate::profile::Flow;

struct Home {
    _dir: tempfile::TempDir,
    life: Lifecycle,
}

fn home() -> Home {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::in_dir(dir.path());
    let store = SecretStore::file(paths.secrets_file());
    Home {
        life: Lifecycle::new(paths, store),
        _dir: dir,
    }
}

fn cc(name: &str) -> Connection {
    let mut c = Connection::new(name, Flow::ClientCredentials);
    c.domain = Some("https://acme.my.salesforce.com".into());
    c.client_id = Some("3MVG9-consumer-key".into());
    c
}

fn web(name: &str) -> Connection {
    let mut c = Connection::new(name, Flow::Web);
    c.client_id = Some("3MVG9-web-key".into());
    c
}

fn secret(kind: SecretKind, v: &str) -> Vec<(SecretKind, String)> {
    vec![(kind, v.to_string())]
}

fn get(h: &Home, name: &str, kind: SecretKind) -> Option<String> {
    h.life.store().get(name, kind).unwrap()
}

fn with_tokens(h: &Home, name: &str) {
    let store = h.life.store();
    store.set(name, SecretKind::AccessToken, "{}").unwrap();
    store.set(name, SecretKind::RefreshToken, "rt").unwrap();
}

#[test]
fn add_makes_the_first_connection_the_default_and_refuses_a_second_of_the_same_name() {
    let h = home();
    let added = h
        .life
        .add(Draft::new(cc("a"), secret(SecretKind::ClientSecret, "s1")))
        .unwrap();
    assert!(added.made_default);
    assert_eq!(added.stored, [SecretKind::ClientSecret]);
    let second = h
        .life
        .add(Draft::new(cc("b"), secret(SecretKind::ClientSecret, "s2")))
        .unwrap();
    assert!(!second.made_default);
    let again = h.life.add(Draft::new(
        cc("a"),
        secret(SecretKind::ClientSecret, "other"),
    ));
    assert!(matches!(
        again,
        Err(LifecycleError::Profile(ProfileError::AlreadyExists { .. }))
    ));
    assert_eq!(
        get(&h, "a", SecretKind::ClientSecret).as_deref(),
        Some("s1")
    );
}

#[test]
fn add_without_a_required_secret_writes_nothing() {
    let h = home();
    let err = h.life.add(Draft::new(cc("a"), Vec::new())).unwrap_err();
    assert!(err.to_string().contains("client_secret"), "{err}");
    assert!(!h.life.paths().profile_file.exists());
}

#[test]
fn add_removes_secrets_an_interrupted_save_left_behind() {
    let h = home();
    // A save killed after the secrets were stored and before the profile was written.
    h.life
        .store()
        .set("a", SecretKind::Password, "stale-password")
        .unwrap();
    h.life
        .store()
        .set("a", SecretKind::ClientSecret, "stale-secret")
        .unwrap();
    let added = h
        .life
        .add(Draft::new(cc("a"), secret(SecretKind::ClientSecret, "new")))
        .unwrap();
    assert_eq!(
        added.orphans_removed,
        [SecretKind::ClientSecret, SecretKind::Password]
    );
    assert_eq!(get(&h, "a", SecretKind::Password), None);
    assert_eq!(
        get(&h, "a", SecretKind::ClientSecret).as_deref(),
        Some("new")
    );
}

#[test]
fn a_new_secret_drops_the_cached_access_token_but_keeps_the_refresh_token() {
    let h = home();
    h.life
        .add(Draft::new(cc("a"), secret(SecretKind::ClientSecret, "s1")))
        .unwrap();
    with_tokens(&h, "a");
    let edited = h
        .life
        .edit(
            "a",
            Draft::new(cc("a"), secret(SecretKind::ClientSecret, "s2")),
        )
        .unwrap();
    assert_eq!(edited.dropped, [SecretKind::AccessToken]);
    assert_eq!(edited.next_step(), None);
    assert_eq!(get(&h, "a", SecretKind::AccessToken), None);
    assert_eq!(
        get(&h, "a", SecretKind::RefreshToken).as_deref(),
        Some("rt")
    );
    assert_eq!(
        get(&h, "a", SecretKind::ClientSecret).as_deref(),
        Some("s2")
    );
}

#[test]
fn an_identity_change_drops_both_tokens_and_names_the_login() {
    for change in ["client_id", "domain", "environment", "flow", "username"] {
        let h = home();
        h.life.add(Draft::new(web("w"), Vec::new())).unwrap();
        with_tokens(&h, "w");
        let mut conn = web("w");
        match change {
            "client_id" => conn.client_id = Some("3MVG9-other".into()),
            "domain" => conn.domain = Some("https://acme.my.salesforce.com".into()),
            "environment" => conn.environment = crate::profile::Environment::Sandbox,
            "flow" => conn.flow = Flow::Device,
            _ => conn.username = Some("someone@acme.example".into()),
        }
        let edited = h.life.edit("w", Draft::new(conn, Vec::new())).unwrap();
        assert_eq!(
            edited.dropped,
            [SecretKind::AccessToken, SecretKind::RefreshToken],
            "{change}"
        );
        assert_eq!(edited.next_step().as_deref(), Some("sfconn login w"));
        assert_eq!(get(&h, "w", SecretKind::RefreshToken), None, "{change}");
    }
}

#[test]
fn credential_settings_drop_only_the_access_token() {
    for change in ["audience", "scopes", "key"] {
        let before = web("w");
        let mut after = before.clone();
        match change {
            "audience" => after.audience = Some("https://test.salesforce.com".into()),
            "scopes" => after.scopes = Some("api".into()),
            _ => after.key_file = Some("/k.key".into()),
        }
        assert_eq!(
            invalidation(&before, &after, &[]),
            Invalidation {
                access_token: true,
                refresh_token: false
            },
            "{change}"
        );
    }
    let same = web("w");
    assert_eq!(invalidation(&same, &same, &[]), Invalidation::default());
    for kind in [
        SecretKind::ClientSecret,
        SecretKind::Password,
        SecretKind::SecurityToken,
        SecretKind::PrivateKey,
    ] {
        assert!(invalidation(&same, &same, &[kind]).access_token, "{kind:?}");
    }
    let mut timeout = same.clone();
    timeout.timeout_secs = Some(30);
    assert_eq!(
        invalidation(&same, &timeout, &[]),
        Invalidation::default(),
        "a timeout is not a credential"
    );
}

#[test]
fn clearing_an_optional_secret_works_and_a_required_one_is_refused() {
    let h = home();
    h.life
        .add(Draft::new(
            web("w"),
            secret(SecretKind::ClientSecret, "oops"),
        ))
        .unwrap();
    let mut draft = Draft::new(web("w"), Vec::new());
    draft.clear = vec![SecretKind::ClientSecret];
    let edited = h.life.edit("w", draft).unwrap();
    assert_eq!(edited.cleared, [SecretKind::ClientSecret]);
    assert_eq!(get(&h, "w", SecretKind::ClientSecret), None);

    h.life
        .add(Draft::new(cc("c"), secret(SecretKind::ClientSecret, "s")))
        .unwrap();
    let mut draft = Draft::new(cc("c"), Vec::new());
    draft.clear = vec![SecretKind::ClientSecret];
    assert!(matches!(
        h.life.edit("c", draft),
        Err(LifecycleError::Usage(_))
    ));
    assert_eq!(get(&h, "c", SecretKind::ClientSecret).as_deref(), Some("s"));
}

#[test]
fn rename_moves_secrets_and_last_test_and_keeps_the_tokens() {
    let h = home();
    h.life
        .add(Draft::new(cc("a"), secret(SecretKind::ClientSecret, "s")))
        .unwrap();
    with_tokens(&h, "a");
    crate::state::State::update(h.life.paths(), |s| {
        s.tests.insert(
            "a".into(),
            LastTest {
                at: "2026-11-30T00:00:00Z".into(),
                ok: true,
                error_code: None,
                failed_step: None,
                hint_title: None,
                needs_login: false,
                token_source: None,
                steps: Vec::new(),
            },
        );
    })
    .unwrap();
    let renamed = h.life.rename("a", "b").unwrap();
    assert_eq!(renamed.renamed_from.as_deref(), Some("a"));
    assert!(renamed.dropped.is_empty(), "a name is not a credential");
    assert_eq!(get(&h, "b", SecretKind::ClientSecret).as_deref(), Some("s"));
    assert_eq!(
        get(&h, "b", SecretKind::RefreshToken).as_deref(),
        Some("rt")
    );
    assert_eq!(get(&h, "a", SecretKind::ClientSecret), None);
    let profiles = Profiles::load(&h.life.paths().profile_file).unwrap();
    assert!(profiles.connections.contains_key("b"));
    assert_eq!(profiles.default.as_deref(), Some("b"));
    let state = crate::state::State::load(h.life.paths()).unwrap();
    assert!(state.tests.contains_key("b") && !state.tests.contains_key("a"));
}

#[test]
fn remove_deletes_everything_and_says_it_was_the_default() {
    let h = home();
    h.life
        .add(Draft::new(cc("a"), secret(SecretKind::ClientSecret, "s")))
        .unwrap();
    with_tokens(&h, "a");
    let removed = h.life.remove("a").unwrap();
    assert!(removed.was_default);
    assert!(h.life.store().stored_kinds("a").unwrap().is_empty());
    let profiles = Profiles::load(&h.life.paths().profile_file).unwrap();
    assert!(profiles.connections.is_empty() && profiles.default.is_none());
}

#[test]
fn a_failed_profile_write_puts_the_secrets_back() {
    let h = home();
    let store = h.life.store();
    store.set("c", SecretKind::ClientSecret, "old").unwrap();
    let result: Result<(), LifecycleError> = h.life.save(
        "c",
        &[
            (SecretKind::ClientSecret, "new".into()),
            (SecretKind::Password, "pw".into()),
        ],
        &[SecretKind::AccessToken],
        |_doc| Err(ProfileError::Invalid("disk full".into())),
    );
    assert!(result.is_err());
    assert_eq!(
        store.get("c", SecretKind::ClientSecret).unwrap().as_deref(),
        Some("old")
    );
    assert_eq!(store.get("c", SecretKind::Password).unwrap(), None);
    assert!(!h.life.paths().profile_file.exists());
}

#[test]
fn key_files_are_made_once_and_then_reused_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let made = keygen(dir.path(), "acme-jwt", ExistingKeys::Refuse).unwrap();
    assert!(made.created);
    let pem = std::fs::read_to_string(&made.key).unwrap();
    assert!(pem.contains("BEGIN PRIVATE KEY"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&made.key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = keygen(dir.path(), "acme-jwt", ExistingKeys::Reuse).unwrap();
    assert!(!again.created);
    assert_eq!(again.key, made.key);
    assert_eq!(std::fs::read_to_string(&made.key).unwrap(), pem);
    assert!(matches!(
        keygen(dir.path(), "acme-jwt", ExistingKeys::Refuse),
        Err(LifecycleError::Usage(_))
    ));
    std::fs::remove_file(&made.cert).unwrap();
    assert!(
        keygen(dir.path(), "acme-jwt", ExistingKeys::Reuse).is_err(),
        "a lone key is never paired with a new certificate"
    );
    assert!(keygen(dir.path(), "../evil", ExistingKeys::Refuse).is_err());
}

#[test]
fn timeout_precedence_is_flag_connection_file_default() {
    let mut c = web("w");
    assert_eq!(effective_timeout(None, &c, None), Duration::from_secs(10));
    assert_eq!(
        effective_timeout(None, &c, Some(20)),
        Duration::from_secs(20)
    );
    c.timeout_secs = Some(30);
    assert_eq!(
        effective_timeout(None, &c, Some(20)),
        Duration::from_secs(30)
    );
    assert_eq!(
        effective_timeout(Some(5), &c, Some(20)),
        Duration::from_secs(5)
    );
}

#[test]
fn a_rename_never_adopts_secrets_left_under_the_new_name() {
    let h = home();
    h.life
        .add(Draft::new(cc("a"), secret(SecretKind::ClientSecret, "s")))
        .unwrap();
    // `b` was deleted from profiles.toml by hand: its token stayed in the store.
    with_tokens(&h, "b");
    h.life.rename("a", "b").unwrap();
    assert_eq!(get(&h, "b", SecretKind::AccessToken), None);
    assert_eq!(get(&h, "b", SecretKind::RefreshToken), None);
    assert_eq!(get(&h, "b", SecretKind::ClientSecret).as_deref(), Some("s"));
}

#[test]
fn a_failed_edit_puts_the_stale_tokens_back() {
    let h = home();
    h.life.add(Draft::new(web("w"), Vec::new())).unwrap();
    with_tokens(&h, "w");
    let mut changed = web("w");
    changed.environment = crate::profile::Environment::Sandbox;
    // Another process removed the connection meanwhile: the profile write refuses.
    crate::profile::update(&h.life.paths().profile_file, |doc| {
        doc.remove("w");
        Ok::<_, ProfileError>(())
    })
    .unwrap();
    assert!(h.life.edit("w", Draft::new(changed, Vec::new())).is_err());
    assert_eq!(
        get(&h, "w", SecretKind::RefreshToken).as_deref(),
        Some("rt")
    );
    assert_eq!(get(&h, "w", SecretKind::AccessToken).as_deref(), Some("{}"));
}

#[test]
fn a_browser_flow_left_without_a_refresh_token_names_the_login() {
    let h = home();
    // jwt → web: the cached token is dropped and there was never a refresh token.
    let mut jwt = Connection::new("j", Flow::Jwt);
    jwt.client_id = Some("3MVG9-jwt".into());
    jwt.username = Some("u@acme.example".into());
    h.life
        .add(Draft::new(jwt, secret(SecretKind::PrivateKey, PEM)))
        .unwrap();
    h.life
        .store()
        .set("j", SecretKind::AccessToken, "{}")
        .unwrap();
    let mut as_web = web("j");
    as_web.client_id = Some("3MVG9-jwt".into());
    let edited = h.life.edit("j", Draft::new(as_web, Vec::new())).unwrap();
    assert_eq!(edited.next_step().as_deref(), Some("sfconn login j"));

    // A secret change on a web connection that keeps its refresh token needs no login.
    h.life
        .add(Draft::new(web("w"), secret(SecretKind::ClientSecret, "a")))
        .unwrap();
    with_tokens(&h, "w");
    let edited = h
        .life
        .edit(
            "w",
            Draft::new(web("w"), secret(SecretKind::ClientSecret, "b")),
        )
        .unwrap();
    assert_eq!(edited.next_step(), None);
}

#[test]
fn a_key_replaced_in_place_drops_the_cached_token() {
    let h = home();
    let dir = tempfile::tempdir().unwrap();
    let files = keygen(dir.path(), "j", ExistingKeys::Refuse).unwrap();
    let mut jwt = Connection::new("j", Flow::Jwt);
    jwt.client_id = Some("3MVG9-jwt".into());
    jwt.username = Some("u@acme.example".into());
    jwt.key_file = Some(files.key.clone());
    h.life.add(Draft::new(jwt.clone(), Vec::new())).unwrap();
    h.life
        .store()
        .set("j", SecretKind::AccessToken, "{}")
        .unwrap();
    let same = h
        .life
        .edit("j", Draft::new(jwt.clone(), Vec::new()))
        .unwrap();
    assert!(same.dropped.is_empty(), "nothing changed");
    let mut draft = Draft::new(jwt, Vec::new());
    draft.key_replaced = true;
    let replaced = h.life.edit("j", draft).unwrap();
    assert_eq!(replaced.dropped, [SecretKind::AccessToken]);
}

#[test]
fn a_draft_never_prints_its_secrets() {
    let draft = Draft::new(cc("a"), secret(SecretKind::ClientSecret, "canary-8121"));
    assert!(!format!("{draft:?}").contains("canary-8121"));
}

const PEM: &str = include_str!("../../assets/practice-org/jwt.key");

#[test]
fn an_imported_key_is_checked_against_the_certificate() {
    let h = home();
    let dir = tempfile::tempdir().unwrap();
    let other = keygen(dir.path(), "other", ExistingKeys::Refuse).unwrap();
    let mut jwt = Connection::new("j", Flow::Jwt);
    jwt.client_id = Some("3MVG9-jwt".into());
    jwt.username = Some("u@acme.example".into());
    jwt.cert_file = Some(other.cert.clone());
    let err = h
        .life
        .add(Draft::new(jwt.clone(), secret(SecretKind::PrivateKey, PEM)))
        .unwrap_err();
    assert!(err.to_string().contains("cert_file"), "{err}");
    assert!(!h.life.paths().profile_file.exists(), "nothing was written");
    jwt.cert_file = Some(std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/practice-org/jwt.crt"
    )));
    h.life
        .add(Draft::new(jwt, secret(SecretKind::PrivateKey, PEM)))
        .unwrap();
}
