//! `sfconn app plan` and `sfconn app deploy` (issue 11): the External Client App a connection
//! needs, as metadata, deployed with an admin's connection, then proven with the connection's test.

use std::path::PathBuf;

use super::Context;
use super::add::apply;
use super::common::{load_profiles, open_secrets};
use super::session::{Session, step_error};
use crate::cli::{AddArgs, AppDeployArgs, AppOptions, AppPlanArgs};
use crate::eca::AppSpec;
use crate::eca::deploy::{
    self, AppChoices, DeployError, DeployEvent, DeployRequest, Deployer, PrepareError,
};
use crate::error::{CliError, CliResult};
use crate::lifecycle::{Lifecycle, LifecycleError};
use crate::profile::{Connection, Flow, Profiles};

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

/// The app's choices from the flags.
pub(crate) fn choices(app: &AppOptions) -> AppChoices {
    AppChoices {
        permission_set: app.permission_set.clone(),
        run_as: app.run_as.clone(),
    }
}

/// Precheck, keygen when needed, and the spec (the engine's `prepare`): bad input is exit 2
/// with nothing written.
pub(crate) fn prepare(
    ctx: &Context,
    conn: &mut Connection,
    app: &AppOptions,
) -> CliResult<AppSpec> {
    deploy::prepare(&ctx.paths.keys_dir(), conn, &choices(app)).map_err(|e| match e {
        PrepareError::Plan(e) => usage(e),
        PrepareError::Keygen(e) => lifecycle_error(e),
    })
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
    let spec = prepare(ctx, &mut conn, &args.app)?;
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
    let spec = prepare(ctx, &mut conn, &args.app)?;
    let session = Session {
        profiles,
        engine: crate::salesforce::Engine::new(open_secrets(ctx)?),
    };
    let save_as = conn.name.clone();
    let conn = deploy_and_save(ctx, &session, &admin, conn, &spec, saved, &save_as).await?;
    prove(ctx, &session, &conn).await.map(|_| ())
}

pub(crate) fn deployer(ctx: &Context, session: &Session) -> CliResult<Deployer> {
    let lifecycle = Lifecycle::new(ctx.paths.clone(), open_secrets(ctx)?);
    Ok(Deployer::new(session.engine.clone(), lifecycle))
}

/// Deploy `spec` with `admin`, then save `conn` (with the consumer key, and the secret for
/// client credentials) as `save_as`. Nothing is saved when the deploy fails.
pub(crate) async fn deploy_and_save(
    ctx: &Context,
    session: &Session,
    admin: &Connection,
    conn: Connection,
    spec: &AppSpec,
    saved: bool,
    save_as: &str,
) -> CliResult<Connection> {
    print!("{}", spec.review());
    let request = DeployRequest {
        admin: admin.clone(),
        admin_timeout: session.timeout(ctx, admin),
        conn,
        spec: spec.clone(),
        saved,
        save_as: save_as.to_string(),
    };
    let printer = Printer::new();
    let result = deployer(ctx, session)?
        .deploy_and_save(request, &|e| printer.print(e))
        .await;
    printer.end_line();
    result.map_err(|e| deploy_error(admin, e))
}

/// Test the connection until it passes, across the propagation delay, with a countdown.
/// Interactive flows need a login first; their app is proven by `sfconn login`.
pub(crate) async fn prove(ctx: &Context, session: &Session, conn: &Connection) -> CliResult {
    let printer = Printer::new();
    deployer(ctx, session)?
        .prove(conn, session.timeout(ctx, conn), &|e| printer.print(e))
        .await
        .map(|_| ())
        .map_err(|e| deploy_error(conn, e))
}

/// The command error for a deploy that did not end in a working connection.
pub(crate) fn deploy_error(conn: &Connection, e: DeployError) -> CliError {
    match e {
        DeployError::AdminToken { admin, error } => {
            step_error(&Connection::new(admin, conn.flow), &error)
        }
        DeployError::Test { name, error } => step_error(&Connection::new(name, conn.flow), &error),
        DeployError::Save(e) => lifecycle_error(e),
        other => CliError::failure(other.to_string()),
    }
}

/// Prints the engine's deploy events as `app deploy` always has: one status line per change
/// (changing in place on a terminal), then the save, the countdown and the result.
pub(crate) struct Printer {
    live: bool,
    /// A status line is open (no newline yet) on the terminal.
    open: std::sync::atomic::AtomicBool,
}

impl Printer {
    pub(crate) fn new() -> Printer {
        Printer {
            live: std::io::IsTerminal::is_terminal(&std::io::stdout()),
            open: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub(crate) fn end_line(&self) {
        if self.open.swap(false, std::sync::atomic::Ordering::Relaxed) {
            println!();
        }
    }

    pub(crate) fn print(&self, event: DeployEvent) {
        match event {
            DeployEvent::Deploying {
                app_name,
                admin,
                instance_url,
            } => println!("Deploying {app_name} with {admin} to {instance_url} …"),
            DeployEvent::Status {
                status,
                deployed,
                total,
                detail,
            } => {
                let line = format!(
                    "  {status} {deployed}/{total} components{}",
                    detail.map(|d| format!(" ({d})")).unwrap_or_default()
                );
                if self.live {
                    // One line that changes in place on a terminal.
                    print!("\r{line:<60}");
                    let _ = std::io::Write::flush(&mut std::io::stdout());
                    self.open.store(true, std::sync::atomic::Ordering::Relaxed);
                } else {
                    println!("{line}");
                }
            }
            DeployEvent::Deployed {
                status,
                deployed,
                total,
            } => {
                self.end_line();
                println!("Deployed: {status} ({deployed}/{total} components).");
            }
            DeployEvent::Saved { conn, with_secret } => println!(
                "Saved connection {} with the app's consumer key{}.",
                conn.name,
                if with_secret { " and secret" } else { "" }
            ),
            DeployEvent::Testing {
                seconds_left,
                next_try_secs,
                code,
                description,
                ..
            } => println!(
                "  waiting for Salesforce to make the new consumer key known ({code}: {description}); next try in {next_try_secs} s, {}:{:02} left",
                seconds_left / 60,
                seconds_left % 60
            ),
            DeployEvent::Passed(report) => {
                println!("✓ {}.", crate::eca::deploy::passed_text(&report));
            }
            DeployEvent::NeedsLogin { name } => {
                println!("Next: sfconn login {name} (then sfconn test {name})");
            }
            DeployEvent::Warning(w) => eprintln!("warning: {w}"),
        }
    }
}
