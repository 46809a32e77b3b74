//! `sfconn demo`: the practice org with a throw-away home and the TUI on it (src/tui/demo.rs);
//! `sfconn demo --serve`: run the practice org in the foreground and print how to use it.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use crate::cli::DemoArgs;
use crate::emulator::{
    App, AppFlow, DemoConnection, Expected, OrgOptions, OrgType, PRACTICE_JWT_KEY_PEM, PracticeOrg,
    Scenario, demo_connections,
};
use crate::error::{CliError, CliResult};
use crate::secrets::SecretKind;

pub async fn run(args: DemoArgs, timeout: Option<u64>) -> CliResult {
    if !args.serve {
        return crate::tui::demo::run(args, timeout).await;
    }
    serve(args).await
}

async fn serve(args: DemoArgs) -> CliResult {
    let (scenario, builtin) = match &args.scenario {
        Some(path) => (
            Scenario::from_file(path).map_err(|e| {
                CliError::usage(format!(
                    "invalid practice-org scenario: {e}\nFix the file, or leave out --scenario to use the built-in one."
                ))
            })?,
            false,
        ),
        // The org other clients see compares callback URLs exactly, as Salesforce does; the
        // built-in scenario's any-port entries are for sfconn's tests and the TUI demo.
        None => (Scenario::builtin().exact_callbacks_only(), true),
    };
    let saved = match &args.home {
        Some(dir) => ServeHome::load(dir)?,
        None => None,
    };
    // The built-in JWT app's key is a public demo key; put it in a file the user can point at:
    // in --home (kept), or in a temporary directory removed on exit.
    let (key_dir, key_path) = match (&args.home, builtin) {
        (_, false) => (None, None),
        (Some(dir), true) => {
            let path = write_demo_key(dir).map_err(|e| {
                CliError::failure(format!(
                    "cannot write the practice org's demo JWT key to {}: {e}",
                    dir.display()
                ))
            })?;
            (None, Some(path))
        }
        (None, true) => {
            let dir = tempfile::Builder::new()
                .prefix("sfconn-practice-org-")
                .tempdir()
                .and_then(|d| write_demo_key(d.path()).map(|p| (d, p)))
                .map_err(|e| {
                    CliError::failure(format!(
                        "cannot write the practice org's demo JWT key to a temporary directory: {e}"
                    ))
                })?;
            (Some(dir.0), Some(dir.1))
        }
    };
    let opts = OrgOptions {
        port: args.port.or(saved.as_ref().map(|s| s.port)),
        login_port: saved
            .as_ref()
            .filter(|_| args.port.is_none())
            .map(|s| s.login_port),
        latency: Duration::from_millis(args.latency_ms),
    };
    let org = PracticeOrg::start(scenario, opts).await.map_err(|e| {
        let hint = if saved.is_some() {
            " (the ports are kept in --home; stop the other practice org, or use another --home)"
        } else {
            ""
        };
        CliError::failure(format!("cannot start the practice org: {e}{hint}"))
    })?;
    if let Some(dir) = &args.home {
        ServeHome::from_org(&org).save(dir)?;
    }
    let key_path = key_path.map(|p| p.display().to_string());
    let stop = stop_signal()?;
    print!(
        "{}",
        describe(&org, key_path.as_deref(), args.latency_ms, builtin)
    );
    stop.await;
    org.shutdown().await;
    drop(key_dir);
    println!("Practice org stopped.");
    Ok(())
}

/// What `demo --serve --home DIR` keeps across restarts (`DIR/practice-org.toml`): the ports, so
/// the printed URLs and `sfconn add` lines stay valid. The demo key is `DIR/jwt.key`.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct ServeHome {
    port: u16,
    login_port: u16,
}

const SERVE_HOME_FILE: &str = "practice-org.toml";

impl ServeHome {
    fn from_org(org: &PracticeOrg) -> ServeHome {
        let port_of = |url: String| {
            url.rsplit(':')
                .next()
                .and_then(|p| p.parse().ok())
                .unwrap_or(0)
        };
        ServeHome {
            port: port_of(org.url()),
            login_port: port_of(org.login_url()),
        }
    }

    fn load(dir: &Path) -> Result<Option<ServeHome>, CliError> {
        let path = dir.join(SERVE_HOME_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(CliError::failure(format!(
                    "cannot read {}: {e}",
                    path.display()
                )));
            }
        };
        toml::from_str(&text).map(Some).map_err(|e| {
            CliError::failure(format!(
                "{} is not a practice-org state file: {e}\nRemove it to start with new ports.",
                path.display()
            ))
        })
    }

    fn save(&self, dir: &Path) -> CliResult {
        let path = dir.join(SERVE_HOME_FILE);
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::failure(format!("cannot create {}: {e}", dir.display())))?;
        let text = toml::to_string(self)
            .map_err(|e| CliError::failure(format!("cannot encode {}: {e}", path.display())))?;
        std::fs::write(
            &path,
            format!("# sfconn demo --serve --home: the ports this practice org keeps\n{text}"),
        )
        .map_err(|e| CliError::failure(format!("cannot write {}: {e}", path.display())))
    }
}

/// Ctrl-C, or SIGTERM on Unix (so `kill` also removes the temporary key file). The handlers are
/// installed when this is called, before the banner is printed: a script that stops the org as
/// soon as it has read the banner must not kill it by the default signal action.
fn stop_signal() -> Result<impl std::future::Future<Output = ()>, CliError> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let listen = |kind: SignalKind, name: &str| {
            signal(kind).map_err(|e| CliError::failure(format!("cannot wait for {name}: {e}")))
        };
        let mut term = listen(SignalKind::terminate(), "SIGTERM")?;
        let mut int = listen(SignalKind::interrupt(), "Ctrl-C")?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// Write the built-in JWT app's demo key as `dir/jwt.key` (owner-only) and return its path.
fn write_demo_key(dir: &Path) -> std::io::Result<std::path::PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("jwt.key");
    std::fs::write(&path, PRACTICE_JWT_KEY_PEM)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(path)
}

/// The banner: URLs, the demo credentials, and `sfconn add` commands ready to paste.
fn describe(org: &PracticeOrg, key_path: Option<&str>, latency_ms: u64, builtin: bool) -> String {
    let scenario = org.scenario();
    let url = org.url();
    let mut out = String::new();
    let kind = match scenario.org.org_type {
        OrgType::Production => "production",
        OrgType::Sandbox => "sandbox",
    };
    let _ = writeln!(
        out,
        "Practice org \"{}\" ({kind}, {}) is running.",
        scenario.org.name, scenario.org.id
    );
    let _ = writeln!(out, "  My Domain / instance URL  {url}");
    let _ = writeln!(out, "  login host stand-in       {}", org.login_url());
    if latency_ms > 0 {
        let _ = writeln!(
            out,
            "  latency                   {latency_ms} ms per request"
        );
    }
    if let Some(path) = key_path {
        let _ = writeln!(
            out,
            "  JWT private key           {path} (throw-away demo key)"
        );
    }
    let _ = writeln!(out, "\nUsers (all demo values):");
    for u in &scenario.users {
        let mut notes = Vec::new();
        if !u.active {
            notes.push("inactive");
        }
        if !u.api_enabled {
            notes.push("API disabled");
        }
        if u.ip_restricted {
            notes.push("IP restricted");
        }
        let _ = writeln!(
            out,
            "  {:<32} password {:<20} security token {:<18} {}",
            u.username,
            u.password,
            if u.security_token.is_empty() {
                "-"
            } else {
                &u.security_token
            },
            notes.join(", ")
        );
    }
    let _ = writeln!(out, "\nApps (client id, flows, client secret):");
    for app in &scenario.apps {
        let flows: Vec<&str> = app.flows.iter().map(|f| flow_name(*f)).collect();
        let mut notes = Vec::new();
        if !app.installed {
            notes.push("not installed".to_string());
        }
        if app.pkce_required {
            notes.push("PKCE required".to_string());
        }
        if app.refresh_token_rotation {
            notes.push("refresh token rotation".to_string());
        }
        if !app.refresh_token_valid {
            notes.push("refresh tokens expire at once".to_string());
        }
        if app.rest_sessions_invalid {
            notes.push("REST API refuses its sessions".to_string());
        }
        if app.flows.contains(&AppFlow::ClientCredentials) && app.run_as.is_none() {
            notes.push("no Run As user".to_string());
        }
        let _ = writeln!(
            out,
            "  {:<30} {:<20} {:<38} {}",
            app.client_id,
            flows.join(","),
            if app.client_secret.is_empty() {
                "-"
            } else {
                &app.client_secret
            },
            notes.join(", ")
        );
    }
    if let Some(key) = key_path.filter(|_| builtin) {
        describe_demo_set(&mut out, org, key);
        let _ = writeln!(out, "\nPress Ctrl-C to stop.");
        return out;
    }
    let _ = writeln!(
        out,
        "\nAdd working connections (paste into another terminal):"
    );
    let mut seen = Vec::new();
    for app in scenario.apps.iter().filter(|a| a.installed) {
        for flow in &app.flows {
            if seen.contains(flow) {
                continue;
            }
            if let Some(cmd) = add_command(scenario, app, *flow, &url, key_path) {
                seen.push(*flow);
                let _ = writeln!(out, "  {cmd}");
            }
        }
    }
    let _ = writeln!(out, "\nPress Ctrl-C to stop.");
    out
}

/// The built-in scenario's demo connections as `sfconn add` commands, working ones first.
fn describe_demo_set(out: &mut String, org: &PracticeOrg, key: &str) {
    let set = demo_connections(&org.url(), &org.login_url(), Path::new(key));
    let (working, broken): (Vec<_>, Vec<_>) = set
        .iter()
        .partition(|d| matches!(d.expected, Expected::Works | Expected::NeedsLogin));
    let _ = writeln!(
        out,
        "\nAdd working connections (paste into another terminal):"
    );
    for demo in working {
        let login = if demo.expected == Expected::NeedsLogin {
            format!("   # then: sfconn login {}", demo.connection.name)
        } else {
            String::new()
        };
        let _ = writeln!(out, "  {}{login}", add_line(demo));
    }
    let _ = writeln!(
        out,
        "\nBroken on purpose (add one, then `sfconn doctor NAME`):"
    );
    for demo in broken {
        let _ = writeln!(out, "  # {}\n  {}", demo.note, add_line(demo));
    }
}

fn add_line(demo: &DemoConnection) -> String {
    let conn = &demo.connection;
    let mut line = String::new();
    for (kind, value) in &demo.secrets {
        // A PEM key does not fit on one command line; the demo's jwt lines use --key-file.
        let Some(var) = kind.env_var().filter(|_| *kind != SecretKind::PrivateKey) else {
            continue;
        };
        let _ = write!(line, "{var}={value} ");
    }
    let _ = write!(
        line,
        "sfconn add {} --flow {} --env {}",
        conn.name, conn.flow, conn.environment
    );
    if let Some(domain) = &conn.domain {
        let _ = write!(line, " --domain {domain}");
    }
    if let Some(id) = &conn.client_id {
        let _ = write!(line, " --client-id {id}");
    }
    if let Some(user) = &conn.username {
        let _ = write!(line, " --username {user}");
    }
    if let Some(key) = &conn.key_file {
        let _ = write!(line, " --key-file {}", key.display());
    }
    line
}

fn flow_name(flow: AppFlow) -> &'static str {
    match flow {
        AppFlow::Web => "web",
        AppFlow::Jwt => "jwt",
        AppFlow::ClientCredentials => "client-credentials",
        AppFlow::Password => "password",
        AppFlow::Device => "device",
    }
}

/// A command that gives a working connection for `flow` with `app`, or `None` when the app is one
/// of the broken-on-purpose setups for that flow.
fn add_command(
    scenario: &Scenario,
    app: &App,
    flow: AppFlow,
    url: &str,
    key_path: Option<&str>,
) -> Option<String> {
    let good_user = |name: &str| {
        scenario
            .user(name)
            .is_some_and(|u| u.active && u.api_enabled && !u.ip_restricted)
    };
    let env = match scenario.org.org_type {
        OrgType::Production => "production",
        OrgType::Sandbox => "sandbox",
    };
    if app.rest_sessions_invalid {
        return None;
    }
    let name = app.client_id.clone();
    let base = format!(
        "sfconn add {name} --flow {} --env {env} --domain {url} --client-id {}",
        flow_name(flow),
        app.client_id
    );
    let secret = |required: bool| {
        if required && !app.client_secret.is_empty() {
            format!("SFCONN_CLIENT_SECRET={} ", app.client_secret)
        } else {
            String::new()
        }
    };
    match flow {
        AppFlow::Web | AppFlow::Device => {
            if !app.refresh_token_valid {
                return None;
            }
            Some(format!("{}{base}", secret(app.secret_required)))
        }
        AppFlow::ClientCredentials => {
            app.run_as.as_deref().filter(|u| good_user(u))?;
            Some(format!("{}{base}", secret(true)))
        }
        AppFlow::Jwt => {
            let user = app.pre_authorized.iter().find(|u| good_user(u))?;
            let key = key_path.unwrap_or("PATH/TO/THE/KEY/OF/THE/APP/CERTIFICATE.key");
            Some(format!("{base} --username {user} --key-file {key}"))
        }
        AppFlow::Password => {
            if !scenario.org.password_flow_allowed {
                return None;
            }
            let user = scenario
                .users
                .iter()
                .filter(|u| good_user(&u.username))
                .find(|u| {
                    app.permitted_users == crate::emulator::PermittedUsers::All
                        || app.is_pre_authorized(&u.username)
                })?;
            let token = if user.security_token.is_empty() {
                String::new()
            } else {
                format!("SFCONN_SECURITY_TOKEN={} ", user.security_token)
            };
            Some(format!(
                "{}SFCONN_PASSWORD={} {token}{base} --username {}",
                secret(true),
                user.password,
                user.username
            ))
        }
    }
}
