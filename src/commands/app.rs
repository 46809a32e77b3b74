//! `sfconn app plan` and `sfconn app deploy` (issue 11): the External Client App a connection
//! needs, as metadata, deployed with an admin's connection, then proven with the connection's test.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::Context;
use super::add::apply;
use super::common::{load_profiles, open_secrets};
use super::session::{Session, step_error};
use crate::cli::{AddArgs, AppDeployArgs, AppOptions, AppPlanArgs};
use crate::eca::AppSpec;
use crate::error::{CliError, CliResult};
use crate::lifecycle::{Draft, ExistingKeys, Lifecycle, LifecycleError};
use crate::profile::{Connection, Flow, Profiles};
use crate::salesforce::metadata::{self, ComponentFailure, DeployState};
use crate::salesforce::{LocalCondition, TestReport, TokenPolicy};
use crate::secrets::SecretKind;

/// How long `app deploy` waits for the deploy, and then for the new consumer key to work.
pub const PROPAGATION_WAIT: Duration = Duration::from_secs(10 * 60);

/// `SFCONN_APP_POLL_MS`: the pause between deploy polls and between test retries (default 2 s
/// and 10 s). Tests set it to a few milliseconds.
fn poll_period(default_ms: u64) -> Duration {
    let ms = std::env::var("SFCONN_APP_POLL_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(default_ms);
    Duration::from_millis(ms)
}

fn usage(e: impl std::fmt::Display) -> CliError {
    CliError::usage(e.to_string())
}

fn lifecycle_error(e: LifecycleError) -> CliError {
    match e {
        LifecycleError::Invalid { name, errors } => {
            super::common::validation_failed(&name, &errors)
        }
        other => other.into(),
    }
}

/// The connection the app is for: the saved one with the flags applied, or a new one from the
/// flags (`--flow` required). The second value says whether it is saved.
pub(crate) fn target(profiles: &Profiles, args: &AddArgs) -> CliResult<(Connection, bool)> {
    crate::profile::validate::validate_name(&args.name)
        .map_err(|e| CliError::usage(format!("NAME: {}", e.message)))?;
    let (mut conn, saved) = match profiles.connections.get(&args.name) {
        Some(c) => (c.clone(), true),
        None => {
            let flow = args.flow.ok_or_else(|| {
                CliError::usage(format!(
                    "no connection named `{}`; to plan an app for a new one give --flow ({})",
                    args.name,
                    [Flow::Jwt, Flow::ClientCredentials, Flow::Web, Flow::Device]
                        .map(Flow::as_str)
                        .join(", ")
                ))
            })?;
            (Connection::new(args.name.clone(), flow), false)
        }
    };
    apply(&mut conn, args)?;
    Ok((conn, saved))
}

/// The certificate for a jwt app: `cert_file`, or a new pair from `keygen` when the connection has
/// no key yet (the connection then points at it).
pub(crate) fn certificate(ctx: &Context, conn: &mut Connection) -> CliResult<Option<String>> {
    if conn.flow != Flow::Jwt {
        return Ok(None);
    }
    if conn.cert_file.is_none() {
        if conn.key_file.is_some() {
            return Err(CliError::usage(
                "--cert-file: the connection has a private key but no certificate; give the certificate that matches it",
            ));
        }
        let keys = crate::lifecycle::keygen(&ctx.paths.keys_dir(), &conn.name, ExistingKeys::Reuse)
            .map_err(lifecycle_error)?;
        conn.key_file = Some(keys.key);
        conn.cert_file = Some(keys.cert);
    }
    let Some(path) = &conn.cert_file else {
        return Ok(None);
    };
    let pem = std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(format!("--cert-file {}: {e}", path.display())))?;
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err(CliError::usage(format!(
            "--cert-file {}: not a PEM certificate (BEGIN CERTIFICATE); point it at the .crt, not the key",
            path.display()
        )));
    }
    Ok(Some(pem))
}

/// Check the flags the app needs before anything is written (a key pair included): bad input is
/// exit 2 with nothing changed.
pub(crate) fn precheck(conn: &Connection, app: &AppOptions) -> CliResult {
    let placeholder = (conn.flow == Flow::Jwt).then(String::new);
    AppSpec::for_connection(
        conn,
        String::new(),
        placeholder,
        app.permission_set.clone(),
        app.run_as.clone(),
    )
    .map(|_| ())
    .map_err(usage)
}

/// The app spec for a connection: its consumer key is kept (a second deploy updates the app).
pub(crate) fn spec(
    conn: &Connection,
    certificate: Option<String>,
    app: &AppOptions,
) -> CliResult<AppSpec> {
    let key = match &conn.client_id {
        Some(k) if !k.is_empty() => k.clone(),
        _ => crate::eca::new_consumer_key().map_err(usage)?,
    };
    AppSpec::for_connection(
        conn,
        key,
        certificate,
        app.permission_set.clone(),
        app.run_as.clone(),
    )
    .map_err(usage)
}

fn default_out(ctx: &Context, name: &str) -> PathBuf {
    ctx.paths.home.join("apps").join(name)
}

/// Write the plan and print the review.
pub(crate) fn write_plan(
    spec: &AppSpec,
    dir: &std::path::Path,
    conn: &Connection,
    saved: bool,
) -> CliResult {
    let zip = spec
        .write(dir)
        .map_err(|e| CliError::failure(e.to_string()))?;
    print!("{}", spec.review());
    println!(
        "  consumer key: {} (chosen now, written into the app)",
        spec.consumer_key
    );
    println!();
    println!("Wrote {}", dir.display());
    println!("  SFDX source: {}", dir.join("force-app").display());
    println!("  metadata zip: {}", zip.display());
    println!(
        "The global OAuth settings file holds the consumer key: keep the plan out of source control."
    );
    println!();
    println!("Deploy it, either way:");
    println!("  sfconn app deploy {} --admin ADMIN", conn.name);
    println!(
        "  sf project deploy start --source-dir {} --target-org ADMIN",
        dir.join("force-app").display()
    );
    if !saved || conn.client_id.as_deref() != Some(spec.consumer_key.as_str()) {
        println!(
            "After a deploy with sf, store the key: sfconn {} {} --client-id {}",
            if saved { "edit" } else { "add" },
            conn.name,
            spec.consumer_key
        );
    }
    Ok(())
}

pub async fn run_plan(ctx: &Context, args: AppPlanArgs) -> CliResult {
    let profiles = load_profiles(ctx)?;
    let (mut conn, saved) = target(&profiles, &args.conn)?;
    precheck(&conn, &args.app)?;
    let cert = certificate(ctx, &mut conn)?;
    let spec = spec(&conn, cert, &args.app)?;
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(ctx, &conn.name));
    write_plan(&spec, &dir, &conn, saved)
}

pub async fn run_deploy(ctx: &Context, args: AppDeployArgs) -> CliResult {
    let profiles = load_profiles(ctx)?;
    let admin = profiles.require(&args.admin)?.clone();
    if admin.name == args.conn.name {
        return Err(CliError::usage(
            "--admin names the connection the app is for; give a connection of an admin user",
        ));
    }
    let (mut conn, saved) = target(&profiles, &args.conn)?;
    if conn.domain.is_none() {
        // The app lives in the admin's org: the new connection logs in there.
        conn.domain.clone_from(&admin.domain);
        conn.environment = admin.environment;
    }
    precheck(&conn, &args.app)?;
    let cert = certificate(ctx, &mut conn)?;
    let spec = spec(&conn, cert, &args.app)?;
    let session = Session {
        profiles,
        engine: crate::salesforce::Engine::new(open_secrets(ctx)?),
    };
    let save_as = conn.name.clone();
    let conn = deploy_and_save(ctx, &session, &admin, conn, &spec, saved, &save_as).await?;
    prove(ctx, &session, &conn).await.map(|_| ())
}

/// Deploy `spec` with `admin`, then save `conn` (with the consumer key, and the secret for
/// client credentials) as `save_as`. Nothing is saved when the deploy fails.
pub(crate) async fn deploy_and_save(
    ctx: &Context,
    session: &Session,
    admin: &Connection,
    mut conn: Connection,
    spec: &AppSpec,
    saved: bool,
    save_as: &str,
) -> CliResult<Connection> {
    print!("{}", spec.review());
    let timeout = session.timeout(ctx, admin);
    let (token, _) = session.access_token(ctx, admin).await?;
    let zip = spec.zip().map_err(|e| CliError::failure(e.to_string()))?;
    println!(
        "Deploying {} with {} to {} …",
        spec.app_name, admin.name, token.instance_url
    );
    let id = metadata::start_deploy(&token, spec.api_version, zip, timeout)
        .await
        .map_err(|e| deploy_refused(&e.0))?;
    let state = poll(&token, spec.api_version, &id, timeout).await?;
    if !state.success {
        return Err(deploy_failed(&state));
    }
    println!(
        "Deployed: {} ({}/{} components).",
        state.status, state.deployed, state.total
    );
    let mut secrets = Vec::new();
    if conn.flow == Flow::ClientCredentials {
        let (_key, secret) =
            metadata::read_credentials(&token, spec.api_version, &spec.app_name, timeout)
                .await
                .map_err(|e| {
                    CliError::failure(format!(
                        "the app is deployed, but its consumer secret could not be read: {e}\n\
                         Copy it from Setup → External Client App Manager → {} → Settings → Consumer Key and Secret, then run \
                         SFCONN_CLIENT_SECRET=… sfconn edit {save_as} --client-id {}",
                        spec.app_name, spec.consumer_key
                    ))
                })?;
        secrets.push((SecretKind::ClientSecret, secret));
    }
    conn.client_id = Some(spec.consumer_key.clone());
    conn.name = save_as.to_string();
    let lifecycle = Lifecycle::new(ctx.paths.clone(), open_secrets(ctx)?);
    let draft = Draft::new(conn, secrets);
    let saved_conn = tokio::task::spawn_blocking(move || {
        if saved {
            let name = draft.conn.name.clone();
            lifecycle.edit(&name, draft).map(|e| e.conn)
        } else {
            lifecycle.add(draft).map(|a| a.conn)
        }
    })
    .await
    .map_err(|e| CliError::failure(format!("the save did not finish: {e}")))?
    .map_err(lifecycle_error)?;
    println!(
        "Saved connection {} with the app's consumer key{}.",
        saved_conn.name,
        if saved_conn.flow == Flow::ClientCredentials {
            " and secret"
        } else {
            ""
        }
    );
    Ok(saved_conn)
}

/// Poll the deploy until it ends, one line per change of state.
async fn poll(
    token: &crate::salesforce::CachedToken,
    api_version: u32,
    id: &str,
    timeout: Duration,
) -> CliResult<DeployState> {
    let start = Instant::now();
    let period = poll_period(2000);
    let mut last = String::new();
    let live = std::io::IsTerminal::is_terminal(&std::io::stdout());
    loop {
        let state = metadata::deploy_status(token, api_version, id, timeout)
            .await
            .map_err(|e| CliError::failure(format!("deploy {id}: {e}")))?;
        let line = format!(
            "  {} {}/{} components{}",
            state.status,
            state.deployed,
            state.total,
            state
                .state_detail
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        );
        if line != last {
            if live {
                // One line that changes in place on a terminal.
                print!("\r{line:<60}");
                let _ = std::io::Write::flush(&mut std::io::stdout());
            } else {
                println!("{line}");
            }
            last = line;
        }
        if state.done {
            if live {
                println!();
            }
            return Ok(state);
        }
        if start.elapsed() > PROPAGATION_WAIT {
            return Err(CliError::failure(format!(
                "deploy {id} has not finished after {} minutes; it may still finish: check Setup → Deployment Status",
                PROPAGATION_WAIT.as_secs() / 60
            )));
        }
        tokio::time::sleep(period).await;
    }
}

/// The hint's title and fix steps, indented.
fn hint_text(condition: LocalCondition) -> String {
    let Some(hint) = crate::diagnose::catalog().get(condition.hint_id()) else {
        return String::new();
    };
    let mut out = format!("    hint: {}\n", hint.title);
    for (i, step) in hint.fix.iter().enumerate() {
        out.push_str(&format!("      {}. {step}\n", i + 1));
    }
    out
}

/// Which catalog entry explains a component failure (the exact server texts are unconfirmed;
/// these are the words hardis and the documentation use).
pub fn classify(failure: &ComponentFailure) -> LocalCondition {
    let problem = failure.problem.to_ascii_lowercase();
    if problem.contains("permission set") {
        LocalCondition::EcaPermissionSetUnknown
    } else if problem.contains("client credentials") || problem.contains("run as") {
        LocalCondition::EcaRunAsUnknown
    } else if problem.contains("certificate") {
        LocalCondition::EcaCertificateInvalid
    } else if ["already", "duplicate", "consumer key"]
        .iter()
        .any(|w| problem.contains(w))
    {
        LocalCondition::EcaAppExists
    } else {
        LocalCondition::EcaMetadataInvalid
    }
}

fn deploy_failed(state: &DeployState) -> CliError {
    let mut message = format!(
        "the deploy {} ended {}; the org is unchanged and the connection was not saved.",
        state.id, state.status
    );
    if let Some(e) = &state.error {
        message.push_str(&format!("\n  {e}"));
    }
    for f in &state.failures {
        message.push_str(&format!(
            "\n  {} {} ({}): {}\n{}",
            f.component_type,
            f.full_name,
            f.file_name,
            f.problem,
            hint_text(classify(f)).trim_end()
        ));
    }
    CliError::failure(message)
}

fn deploy_refused(e: &str) -> CliError {
    let lower = e.to_ascii_lowercase();
    let hint = if lower.contains("insufficient_access") || lower.contains("http 403") {
        hint_text(LocalCondition::EcaDeployNotAllowed)
    } else {
        String::new()
    };
    CliError::failure(format!(
        "Salesforce refused the deploy: {e}\n{}",
        hint.trim_end()
    ))
}

/// Test the connection until it passes, retrying while its new consumer key is still unknown
/// (`invalid_client_id`), for up to 10 minutes with a countdown. Interactive flows need a login
/// first; their app is proven by `sfconn login`.
pub(crate) async fn prove(
    ctx: &Context,
    session: &Session,
    conn: &Connection,
) -> CliResult<TestReport> {
    if conn.flow.is_interactive() {
        println!(
            "Next: sfconn login {} (then sfconn test {})",
            conn.name, conn.name
        );
        return Ok(TestReport {
            name: conn.name.clone(),
            ok: true,
            flow: conn.flow,
            instance_url: None,
            token_source: None,
            user: None,
            steps: Vec::new(),
            error: None,
            hints: Vec::new(),
        });
    }
    let timeout = session.timeout(ctx, conn);
    let period = poll_period(10_000);
    let start = Instant::now();
    loop {
        let report = session
            .engine
            .test(conn, timeout, TokenPolicy::Fresh, &|_| {})
            .await;
        super::test::record(ctx, std::slice::from_ref(&report));
        if report.ok {
            let who = report
                .user
                .as_ref()
                .map(|u| format!(" as {}", u.username))
                .unwrap_or_default();
            println!("✓ {} passes its test{who}.", conn.name);
            return Ok(report);
        }
        let propagating = report.error.as_ref().is_some_and(|e| {
            matches!(
                e.code.as_deref(),
                Some("invalid_client_id" | "app_not_found")
            )
        });
        let Some(error) = report.error.clone().filter(|_| propagating) else {
            let error = report
                .error
                .clone()
                .ok_or_else(|| CliError::failure(format!("{} failed its test", conn.name)))?;
            return Err(step_error(conn, &error));
        };
        let elapsed = start.elapsed();
        if elapsed >= PROPAGATION_WAIT {
            return Err(CliError::failure(format!(
                "{} still answers {} after {} minutes; the connection is saved.\n{}",
                conn.name,
                error.code.as_deref().unwrap_or("an error"),
                PROPAGATION_WAIT.as_secs() / 60,
                hint_text(LocalCondition::EcaPropagationTimeout).trim_end()
            )));
        }
        let left = PROPAGATION_WAIT - elapsed;
        println!(
            "  waiting for Salesforce to make the new consumer key known ({}: {}); next try in {} s, {}:{:02} left",
            error.code.as_deref().unwrap_or_default(),
            error.description.as_deref().unwrap_or_default(),
            period.as_secs(),
            left.as_secs() / 60,
            left.as_secs() % 60
        );
        tokio::time::sleep(period.min(left)).await;
    }
}
