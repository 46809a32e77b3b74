//! `sfconn demo` (without `--serve`): the practice org on loopback, a throw-away home with one
//! working connection per flow plus broken ones to diagnose, and the TUI on them. Everything is
//! removed on exit.

use std::path::Path;
use std::time::Duration;

use super::app::App;
use super::tasks::Services;
use super::term;
use crate::cli::DemoArgs;
use crate::emulator::{
    DemoConnection, Expected, OrgOptions, PRACTICE_JWT_CERT_PEM, PRACTICE_JWT_KEY_PEM, PracticeOrg,
    Scenario, demo_connections,
};
use crate::error::{CliError, CliResult};
use crate::paths::Paths;
use crate::profile::{Connection, Environment, Flow, ProfileError};
use crate::salesforce::{LoginEvent, LoginOptions};
use crate::secrets::{SecretKind, SecretStore};

fn setup_error(what: &str, e: impl std::fmt::Display) -> CliError {
    CliError::failure(format!("cannot set up the demo: {what}: {e}"))
}

/// The practice org's demo set, plus a web connection whose refresh token the org no longer
/// accepts (the refresh gets "expired access/refresh token").
fn connections(org: &PracticeOrg, key_file: &Path) -> Vec<DemoConnection> {
    let mut set = demo_connections(&org.url(), &org.login_url(), key_file);
    // A free callback port each: two demos at once (or anything on 1717) must not collide.
    // Callback URLs are compared exactly, so each one is added to its app, as an admin would.
    for d in &mut set {
        if d.connection.flow == Flow::Web {
            d.connection.callback_port = free_port();
            if let Some(client_id) = &d.connection.client_id {
                org.allow_callback(
                    client_id,
                    &crate::salesforce::redirect_uri(d.connection.callback_port()),
                );
            }
        }
    }
    let mut expired = Connection::new("broken-refresh-expired", Flow::Web);
    expired.environment = Environment::Sandbox;
    expired.domain = Some(org.url());
    expired.client_id = Some("practice-web-expiring".into());
    set.push(DemoConnection {
        connection: expired,
        secrets: vec![(
            SecretKind::RefreshToken,
            "5Aep861.demo-revoked-refresh-token".into(),
        )],
        expected: Expected::TokenError {
            error: "invalid_grant",
            description: "expired access/refresh token",
        },
        note: "a refresh token the org revoked",
    });
    set
}

/// A free loopback port, for a web connection's callback server.
fn free_port() -> Option<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").ok()?;
    listener.local_addr().ok().map(|a| a.port())
}

/// Write the key pair, the profile file and the secrets of the throw-away home.
fn write_home(paths: &Paths, store: &SecretStore, set: &[DemoConnection]) -> CliResult {
    crate::profile::update(&paths.profile_file, |doc| {
        for d in set {
            doc.upsert(&d.connection);
        }
        doc.set_default(Some("practice-jwt"));
        Ok::<_, ProfileError>(())
    })
    .map_err(|e| setup_error("profiles.toml", e))?;
    for d in set {
        let items: Vec<(SecretKind, String)> = d.secrets.clone();
        store
            .set_all(&d.connection.name, &items)
            .map_err(|e| setup_error("secrets.toml", e))?;
    }
    Ok(())
}

fn write_keys(paths: &Paths) -> CliResult<std::path::PathBuf> {
    let keys = paths.keys_dir();
    crate::profile::atomic::create_private_dir_all(&keys)
        .map_err(|e| setup_error(&keys.display().to_string(), e))?;
    for (file, pem, mode) in [
        ("practice-jwt.key", PRACTICE_JWT_KEY_PEM, 0o600),
        ("practice-jwt.crt", PRACTICE_JWT_CERT_PEM, 0o644),
    ] {
        let path = keys.join(file);
        crate::profile::atomic::write_atomic(&path, pem.as_bytes(), Some(mode))
            .map_err(|e| setup_error(&path.display().to_string(), e))?;
    }
    Ok(keys.join("practice-jwt.key"))
}

/// Sign in a web or device connection with nobody at the keyboard: the practice org approves by
/// itself, so fetching the authorize URL plays the browser, and device codes approve themselves
/// after a couple of polls. Returns whether it worked (if not, the connection needs `l`).
async fn login_first(services: &Services, conn: &Connection, timeout: Duration) -> bool {
    let on_event = |event: LoginEvent| {
        if let LoginEvent::OpenThisUrl { url } = event {
            tokio::spawn(super::tasks::play_browser(url));
        }
    };
    let opts = LoginOptions {
        no_browser: true,
        callback_timeout: Duration::from_secs(20),
        timeout,
    };
    let report = services.engine.login(conn, &opts, &on_event).await;
    if !report.ok {
        tracing::warn!(connection = %conn.name, error = ?report.error, "demo sign-in failed");
    }
    report.ok
}

/// The Setup page's name in its address (`CertificatesAndKeysManagement`), safe as a file name.
fn setup_page_name(setup_url: &str) -> String {
    let page = setup_url
        .split("/lightning/setup/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("Setup");
    page.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

/// The Setup page's name as Setup shows it (what a person looks for in Setup's Quick Find).
fn setup_page_title(setup_url: &str) -> String {
    let id = setup_page_name(setup_url);
    let title = match id.as_str() {
        "CertificatesAndKeysManagement" => "Certificate and Key Management",
        "CompanyProfileInfo" => "Company Information",
        "ConnectedAppsUsage" => "Connected Apps OAuth Usage",
        "EnhancedProfiles" => "Profiles",
        "ExternalClientAppsManager" | "ManageExternalClientApplication" => {
            "External Client App Manager"
        }
        "ManageUsers" => "Users",
        "NetworkAccess" => "Network Access",
        "OauthOidcSettings" => "OAuth and OpenID Connect Settings",
        "OrgDomain" => "My Domain",
        "OrgLoginHistory" => "Login History",
        "PermSets" => "Permission Sets",
        "SessionManagementPage" => "Session Management",
        "SetupOneHome" => "Setup Home",
        _ => return id,
    };
    title.to_string()
}

/// Where the demo's stand-in for the Setup page at `setup_url` is written (in `dir`): what `o`
/// opens, which the checklist names.
pub fn setup_stand_in_file(dir: &Path, setup_url: &str) -> std::path::PathBuf {
    dir.join(format!("{}.html", setup_page_name(setup_url)))
}

/// The page `o` opens in the demo: the practice org has no Salesforce Setup, so a local page
/// stands in for the one named, with the steps the wizard lists. Returns its `file://` URL.
pub fn write_setup_stand_in(
    dir: &Path,
    setup_url: &str,
    title: &str,
    detail: &[String],
) -> Result<String, String> {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let page = setup_page_title(setup_url);
    let steps: String = detail
        .iter()
        .map(|d| format!("<li>{}</li>", escape(d)))
        .collect();
    let html = format!(
        "<!doctype html><meta charset=\"utf-8\"><title>{t} (practice org)</title>\
         <h1>{t}</h1><p>In a real org this opens <code>{u}</code> (Setup &rarr; {p}). \
         The practice org has no Setup pages: the demo's apps are already set up, so this page only \
         shows what you would do there.</p><ol>{steps}</ol>",
        t = escape(title),
        u = escape(setup_url),
        p = escape(&page),
    );
    crate::profile::atomic::create_private_dir_all(dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let file = setup_stand_in_file(dir, setup_url);
    crate::profile::atomic::write_atomic(&file, html.as_bytes(), Some(0o644))
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    Ok(format!("file://{}", file.display()))
}

pub async fn run(args: DemoArgs, timeout: Option<u64>) -> CliResult {
    term::require_terminal()?;
    // Never the user's own home, whatever SFCONN_HOME says.
    let home = tempfile::Builder::new()
        .prefix("sfconn-demo-")
        .tempdir()
        .map_err(|e| setup_error("a temporary directory", e))?;
    let paths = Paths::in_dir(home.path());
    let scenario = match &args.scenario {
        Some(path) => Scenario::from_file(path).map_err(|e| {
            CliError::usage(format!(
                "invalid practice-org scenario {}: {e}\nFix the file, or leave out --scenario to use the built-in one.",
                path.display()
            ))
        })?,
        None => Scenario::builtin(),
    };
    // --port and --latency-ms apply here as with --serve (a slow org is how the spinners and
    // the login countdown are seen).
    let opts = OrgOptions {
        port: args.port,
        login_port: None,
        latency: Duration::from_millis(args.latency_ms),
    };
    let org = PracticeOrg::start(scenario, opts)
        .await
        .map_err(|e| CliError::failure(format!("cannot start the practice org: {e}")))?;
    // The demo's secrets stay in the throw-away home, never in the OS keychain.
    let store = SecretStore::file(paths.secrets_file());
    let key_file = write_keys(&paths)?;
    let set = connections(&org, &key_file);
    write_home(&paths, &store, &set)?;
    let timeout =
        Duration::from_secs(timeout.unwrap_or(crate::profile::model::DEFAULT_TIMEOUT_SECS));
    let mut services = Services::new(paths.clone(), store);
    services.play_browser = true;
    let stand_in = paths.home.join("setup-pages");
    services.setup_stand_in = Some(stand_in.clone());
    // Web and device connections get their refresh tokens now, as a person would with `l`.
    eprintln!(
        "sfconn demo: practice org at {}; signing in the web and device connections…",
        org.url()
    );
    let logins = set
        .iter()
        .filter(|d| d.expected == Expected::NeedsLogin)
        .map(|d| login_first(&services, &d.connection, timeout));
    futures_util::future::join_all(logins).await;
    let (profiles, state) = term::load(&paths)?;
    let mut app = App::new(profiles, state, timeout.as_secs(), &paths);
    // A new connection in the demo starts on the practice org, with its JWT key pair.
    app.setup_stand_in = Some(stand_in);
    app.wizard_prefill = Some(super::wizard::Prefill {
        domain: org.url(),
        key_file: key_file.clone(),
        cert_file: key_file.with_extension("crt"),
    });
    app.info(format!(
        "Demo: practice org at {}. T tests all; quitting deletes everything.",
        org.url()
    ));
    let result = term::run_app(app, services, &paths).await;
    org.shutdown().await;
    drop(home);
    result
}
