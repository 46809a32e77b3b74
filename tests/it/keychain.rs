//! Integration tests: the real OS keychain (Secret Service on Linux).
//!
//! Run inside a session with an unlocked keyring, as `.ci/run` does:
//! `dbus-run-session -- bash -c 'echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; cargo test --test it keychain'`
//! Without a reachable Secret Service these tests print "skipped: <why>" and pass, except
//! when CI=true, where they fail.

use std::sync::Arc;

use keyring_core::CredentialStore;
use serde_json::json;

use crate::support::home::Sfconn;

/// A keyring-core store on the platform keychain, probed with a real write, or why not.
fn keychain() -> Result<Arc<CredentialStore>, String> {
    #[cfg(all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    ))]
    let store: Arc<CredentialStore> = zbus_secret_service_keyring_store::Store::new()
        .map_err(|e| format!("no Secret Service: {e}"))?;
    #[cfg(not(all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    )))]
    return Err("keychain tests only run against a Secret Service".into());
    let probe = store
        .build("sfconn-test-probe", "probe/probe", None)
        .map_err(|e| format!("cannot build an entry: {e}"))?;
    probe
        .set_password("probe")
        .map_err(|e| format!("the keyring refused a write (locked?): {e}"))?;
    let _ = probe.delete_credential();
    Ok(store)
}

/// The keychain, or `None` after reporting a skip (a failure when CI=true).
fn keychain_or_skip() -> Option<Arc<CredentialStore>> {
    match keychain() {
        Ok(store) => Some(store),
        Err(why) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI=true but the keychain is not usable: {why}")
        }
        Err(why) => {
            eprintln!("skipped: {why}");
            None
        }
    }
}

fn read(store: &Arc<CredentialStore>, service: &str, account: &str) -> Option<String> {
    match store.build(service, account, None).unwrap().get_password() {
        Ok(v) => Some(v),
        Err(keyring_core::Error::NoEntry) => None,
        Err(e) => panic!("keychain read of {account} failed: {e}"),
    }
}

#[test]
fn secrets_round_trip_through_the_real_keychain() {
    let Some(store) = keychain_or_skip() else {
        return;
    };
    let sf = Sfconn::with_keychain();
    let service = sf.keychain_service().unwrap();
    let out = sf
        .cmd([
            "add",
            "kc",
            "--flow",
            "password",
            "--client-id",
            "CK",
            "--username",
            "u@example.com",
        ])
        .env("SFCONN_CLIENT_SECRET", "kc-secret-1")
        .env("SFCONN_PASSWORD", "kc-pass#&+%")
        .ok();
    assert!(
        !out.stderr.contains("plain text"),
        "the keychain was used, not the file{out}"
    );
    assert!(!sf.secrets_file().exists(), "no fallback file is written");
    assert_eq!(
        read(&store, &service, "kc/client_secret").as_deref(),
        Some("kc-secret-1")
    );
    assert_eq!(
        read(&store, &service, "kc/password").as_deref(),
        Some("kc-pass#&+%")
    );
    let show = sf.run(["show", "kc", "--json"]).ok().json();
    assert_eq!(show["secrets"], json!(["client_secret", "password"]));

    sf.run(["rename", "kc", "kc2"]).ok();
    assert_eq!(read(&store, &service, "kc/client_secret"), None);
    assert_eq!(
        read(&store, &service, "kc2/client_secret").as_deref(),
        Some("kc-secret-1")
    );

    sf.cmd(["edit", "kc2"])
        .env("SFCONN_SECURITY_TOKEN", "kc-tok-3")
        .ok();
    assert_eq!(
        read(&store, &service, "kc2/security_token").as_deref(),
        Some("kc-tok-3")
    );

    for (path, bytes) in sf.files() {
        let text = String::from_utf8_lossy(&bytes);
        for canary in ["kc-secret-1", "kc-pass#&+%", "kc-tok-3"] {
            assert!(
                !text.contains(canary),
                "{} holds a secret:\n{text}",
                path.display()
            );
        }
    }

    sf.run(["remove", "kc2", "--yes"]).ok();
    for kind in ["client_secret", "password", "security_token"] {
        assert_eq!(
            read(&store, &service, &format!("kc2/{kind}")),
            None,
            "{kind} left in the keychain"
        );
    }
}

#[test]
fn unreachable_keychain_stops_with_the_fix_and_writes_nothing() {
    let sf = Sfconn::with_keychain();
    let out = sf
        .cmd([
            "add",
            "cc",
            "--flow",
            "client-credentials",
            "--client-id",
            "CK",
            "--domain",
            "acme.my.salesforce.com",
        ])
        .env("SFCONN_CLIENT_SECRET", "s")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/sfconn-test-bus",
        )
        .code(2)
        .stderr_has("the OS keychain is not reachable")
        .stderr_has("SFCONN_SECRET_STORE=file");
    assert!(
        !sf.profile_file().exists(),
        "profile written without its secret{out}"
    );
    assert!(
        !sf.secrets_file().exists(),
        "silent fallback to the file{out}"
    );
}

fn have(tool: &str) -> bool {
    std::process::Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A keyring that is running but locked (no display to ask for the password) is not a silent
/// failure: exit 2, the fix named, nothing written.
#[test]
fn locked_keyring_stops_with_the_fix_and_writes_nothing() {
    if !(have("dbus-run-session") && have("gnome-keyring-daemon")) {
        let why = "dbus-run-session or gnome-keyring-daemon is not installed";
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but {why}"
        );
        eprintln!("skipped: {why}");
        return;
    }
    let sf = Sfconn::with_keychain();
    let run = sf.cmd(["add", "cc"]).command();
    let bin = run.get_program().to_owned();
    let script = "gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1; env -u DISPLAY -u WAYLAND_DISPLAY \"$0\" \"$@\"";
    let mut cmd = std::process::Command::new("dbus-run-session");
    cmd.args(["--", "sh", "-c", script])
        .arg(bin)
        .args([
            "add",
            "cc",
            "--flow",
            "client-credentials",
            "--client-id",
            "CK",
            "--domain",
            "acme.my.salesforce.com",
        ])
        .env("SFCONN_CLIENT_SECRET", "locked-canary")
        .stdin(std::process::Stdio::null());
    for (k, v) in run.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd.env_remove("DBUS_SESSION_BUS_ADDRESS")
        .current_dir(sf.home());
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(stderr.contains("SFCONN_SECRET_STORE=file"), "{stderr}");
    assert!(stderr.contains("locked"), "{stderr}");
    assert!(!stderr.contains("locked-canary") && !stdout.contains("locked-canary"));
    assert!(!sf.profile_file().exists());
    assert!(!sf.secrets_file().exists());
}

#[test]
fn a_missing_connection_is_named_before_the_keychain_is_opened() {
    let sf = Sfconn::with_keychain();
    for command in ["test", "token", "env", "login", "open", "revoke"] {
        sf.cmd([command, "no-such-conn"])
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/sfconn-test-bus",
            )
            .code(2)
            .stderr_has("no-such-conn")
            .never_shows("keychain");
    }
}

#[test]
fn doctor_names_secrets_left_in_the_keychain_with_no_connection() {
    let Some(store) = keychain_or_skip() else {
        return;
    };
    let sf = Sfconn::with_keychain();
    let service = sf.keychain_service().unwrap();
    for name in ["kept", "ghost"] {
        sf.cmd([
            "add",
            name,
            "--flow",
            "client-credentials",
            "--domain",
            "http://127.0.0.1:9",
            "--client-id",
            "CK",
        ])
        .env("SFCONN_CLIENT_SECRET", "orphan-secret-77")
        .ok();
    }
    // The profile entry is deleted by hand: the secret stays behind in the keychain.
    let text = std::fs::read_to_string(sf.profile_file()).unwrap();
    let start = text.find("[connections.ghost]").unwrap();
    let end = text[start + 1..]
        .find("\n[")
        .map_or(text.len(), |i| start + 1 + i + 1);
    sf.write_profiles(&format!("{}{}", &text[..start], &text[end..]));
    let out = sf.run(["doctor", "kept", "--json"]);
    let json = out.json();
    let check = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "orphaned-secrets")
        .unwrap_or_else(|| panic!("no orphaned-secrets check:{out}"))
        .clone();
    assert_eq!(check["status"], "warn");
    assert!(check["detail"].as_str().unwrap().contains("ghost"), "{out}");
    assert!(!out.stdout.contains("orphan-secret-77"), "{out}");
    // The next add of that name starts clean instead of adopting the old secret.
    let added = sf
        .cmd([
            "add",
            "ghost",
            "--flow",
            "client-credentials",
            "--domain",
            "http://127.0.0.1:9",
            "--client-id",
            "CK2",
        ])
        .env("SFCONN_CLIENT_SECRET", "new-secret-78")
        .ok();
    assert!(added.stdout.contains("interrupted save"), "{added}");
    assert_eq!(
        read(&store, &service, "ghost/client_secret").as_deref(),
        Some("new-secret-78")
    );
    for name in ["kept", "ghost"] {
        sf.run(["remove", name, "--yes"]).ok();
    }
}

/// The cached access token with the real keychain: sealed in a file under sfconn's cache
/// directory, its key the one keychain item it needs, and reused by the next command (PRODUCT.md
/// section 2, token cache; issue 13: a Secret Service is too slow for an item per grant).
#[test]
fn the_token_cache_is_sealed_under_a_key_in_the_keychain_and_reused() {
    let Some(store) = keychain_or_skip() else {
        return;
    };
    let org = crate::support::org::TestOrg::start();
    let sf = Sfconn::with_keychain();
    let service = sf.keychain_service().unwrap();
    let _cleanup = DeleteService(store.clone(), service.clone());
    sf.add_practice_cc("cc", &org.url(), "sandbox");
    let first = sf.run(["test", "cc", "--json"]).ok().json();
    assert_eq!(first["token_source"], "granted", "{first}");
    let token = sf.run(["token", "cc"]).ok().stdout.trim().to_string();
    assert!(token.len() > 20, "{token}");

    // Not an item per token: the key is, and the token is in a sealed file.
    assert_eq!(read(&store, &service, "cc/access_token"), None);
    let key = read(&store, &service, "token-cache-key").expect("the key is in the keychain");
    assert_eq!(key.len(), 64);
    let sealed = token_files(&sf.home().join("cache/tokens"));
    let [sealed] = sealed.as_slice() else {
        panic!("one sealed token file, found {sealed:?}");
    };
    let sealed = sealed.clone();
    let bytes = std::fs::read(&sealed).expect("the sealed token file");
    for (path, bytes) in sf.files() {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&token),
            "{} holds the access token",
            path.display()
        );
    }
    assert!(!bytes.windows(key.len()).any(|w| w == key.as_bytes()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&sealed).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", sealed.display());
    }

    // The next process opens it with the key from the keychain and uses it.
    let again = sf.run(["test", "cc", "--json"]).ok().json();
    assert_eq!(again["token_source"], "cached", "{again}");
    let show = sf.run(["show", "cc", "--json"]).ok().json();
    assert_eq!(show["secrets"], json!(["client_secret", "access_token"]));

    // Without the key the file is only a miss: a new grant, under a new key.
    store
        .build(&service, "token-cache-key", None)
        .unwrap()
        .delete_credential()
        .unwrap();
    let fresh = sf.run(["test", "cc", "--json"]).ok().json();
    assert_eq!(fresh["token_source"], "granted", "{fresh}");
    assert_ne!(read(&store, &service, "token-cache-key"), Some(key));

    sf.run(["remove", "cc", "--yes"]).ok();
    assert!(!sealed.exists(), "remove leaves the sealed token behind");
    assert_eq!(read(&store, &service, "cc/client_secret"), None);
}

/// The `.token` files under `dir`, at any depth.
fn token_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(token_files(&path));
        } else if path.extension().is_some_and(|e| e == "token") {
            found.push(path);
        }
    }
    found
}

/// Deletes every keychain item of a test's service when the test ends, passed or not.
struct DeleteService(Arc<CredentialStore>, String);

impl Drop for DeleteService {
    fn drop(&mut self) {
        let spec = std::collections::HashMap::from([("service", self.1.as_str())]);
        if let Ok(entries) = self.0.search(&spec) {
            for entry in entries {
                let _ = entry.delete_credential();
            }
        }
    }
}
