//! `sfconn migrate NAME --to jwt|client-credentials [--admin ADMIN]` and `--finish` (issue 11):
//! a way off the username-password flow before its retirement on 2027-02-20.
//!
//! With `--admin` the replacement app is deployed, the new connection is saved as `NAME-new` and
//! tested; only when it passes does it take the name NAME, the old one becoming `NAME-password`.
//! `--finish` removes `NAME-password` and its secrets.

use super::Context;
use super::app::{Printer, deploy_error, deployer, prepare, write_plan};
use super::common::{load_profiles, open_secrets};
use super::session::Session;
use crate::cli::{MigrateArgs, MigrateTo};
use crate::eca::deploy::DeployRequest;
use crate::eca::migrate::{MigrateError, MigrationNames};
use crate::error::{CliError, CliResult};
use crate::lifecycle::Lifecycle;
use crate::profile::{Connection, Flow};

pub async fn run(ctx: &Context, args: MigrateArgs) -> CliResult {
    let profiles = load_profiles(ctx)?;
    let names = MigrationNames::of(&args.name);
    let old_name = names.kept_as.clone();
    let lifecycle =
        || -> CliResult<Lifecycle> { Ok(Lifecycle::new(ctx.paths.clone(), open_secrets(ctx)?)) };
    if args.finish {
        let old = profiles.connections.get(&old_name).ok_or_else(|| {
            CliError::usage(format!(
                "there is no `{old_name}` to remove: run `sfconn migrate {} --to jwt|client-credentials --admin ADMIN` first",
                args.name
            ))
        })?;
        if old.flow != Flow::Password || !profiles.connections.contains_key(&args.name) {
            return Err(CliError::usage(format!(
                "`{old_name}` is not the password connection a migration of `{}` kept; remove it with sfconn remove",
                args.name
            )));
        }
        let lifecycle = lifecycle()?;
        let name = old_name.clone();
        tokio::task::spawn_blocking(move || lifecycle.remove(&name))
            .await
            .map_err(|e| CliError::failure(format!("the removal did not finish: {e}")))??;
        println!(
            "Removed {old_name} and its secrets. {} no longer uses the password flow.",
            args.name
        );
        return Ok(());
    }
    let old = profiles.require(&args.name)?.clone();
    if old.flow != Flow::Password {
        return Err(CliError::usage(format!(
            "`{}` uses the {} flow; migrate moves password connections only",
            old.name,
            old.flow.as_str()
        )));
    }
    if profiles.connections.contains_key(&old_name) {
        return Err(CliError::usage(format!(
            "`{old_name}` already exists: finish the previous migration with `sfconn migrate {} --finish`, or rename it",
            args.name
        )));
    }
    let new_name = names.trial.clone();
    if profiles.connections.contains_key(&new_name) {
        return Err(CliError::usage(format!(
            "`{new_name}` already exists; migrate saves the replacement under that name while it is tested: rename or remove it"
        )));
    }
    let flow = match args.to {
        Some(MigrateTo::Jwt) => Flow::Jwt,
        Some(MigrateTo::ClientCredentials) => Flow::ClientCredentials,
        None => return Err(CliError::usage("--to jwt|client-credentials is required")),
    };
    // Planned under NAME: the app and the key pair are named after the connection they end as.
    let mut conn = Connection::new(old.name.clone(), flow);
    conn.environment = old.environment;
    conn.domain.clone_from(&old.domain);
    conn.timeout_secs = old.timeout_secs;
    conn.trusted_hosts.clone_from(&old.trusted_hosts);
    let mut app = args.app;
    match flow {
        Flow::Jwt => conn.username.clone_from(&old.username),
        _ => {
            if app.run_as.is_none() {
                app.run_as.clone_from(&old.username);
            }
        }
    }
    let spec = prepare(ctx, &mut conn, &app)?;
    let Some(admin_name) = args.admin else {
        let dir = args
            .out
            .clone()
            .unwrap_or_else(|| ctx.paths.home.join("apps").join(&conn.name));
        write_plan(&spec, &dir, &conn, false)?;
        println!(
            "Or let sfconn deploy it and switch {} over: sfconn migrate {} --to {} --admin ADMIN",
            old.name,
            old.name,
            flow.as_str()
        );
        return Ok(());
    };
    let admin = profiles.require(&admin_name)?.clone();
    if admin.name == old.name {
        return Err(CliError::usage(
            "--admin names the connection being migrated; give a connection of an admin user",
        ));
    }
    let session = Session {
        profiles,
        engine: crate::salesforce::Engine::new(open_secrets(ctx)?),
    };
    let conn_timeout = session.timeout(ctx, &conn);
    let request = DeployRequest {
        admin_timeout: session.timeout(ctx, &admin),
        admin,
        conn,
        spec: spec.clone(),
        saved: false,
        save_as: names.trial.clone(),
    };
    print!("{}", spec.review());
    let printer = Printer::new();
    let result = deployer(ctx, &session)?
        .migrate(request, &names, conn_timeout, &|e| printer.print(e))
        .await;
    printer.end_line();
    match result {
        Ok(_) => {}
        Err(MigrateError::Deploy(e)) => return Err(deploy_error(&old, e)),
        Err(MigrateError::NotProven { trial, error }) => {
            println!(
                "{} is unchanged; the replacement ({trial}) was not kept. The app stays deployed: run migrate again to retry.",
                old.name
            );
            return Err(deploy_error(&old, error));
        }
        Err(MigrateError::Rename(e)) => return Err(e.into()),
        Err(e @ MigrateError::Interrupted(_)) => return Err(CliError::failure(e.to_string())),
    }
    println!(
        "{} now uses the {} flow. The password connection is kept as {old_name} until `sfconn migrate {} --finish` removes it and its secrets.",
        old.name,
        flow.as_str(),
        old.name
    );
    Ok(())
}
