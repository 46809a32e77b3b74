//! `sfconn add` and `sfconn edit`: settings from flags, secrets from `SFCONN_*` or a hidden
//! prompt; the lifecycle (crate::lifecycle) saves them, all or nothing.

use std::path::PathBuf;

use super::Context;
use super::common::{load_profiles, open_secrets, validation_failed};
use super::secret_input;
use crate::cli::{AddArgs, EditArgs};
use crate::error::{CliError, CliResult};
use crate::lifecycle::{Draft, Lifecycle, LifecycleError};
use crate::profile::validate::{
    normalize_audience, normalize_domain, normalize_scopes, required_secrets, validate_name,
};
use crate::profile::{Connection, Flow, ProfileError};
use crate::secrets::SecretKind;

/// Checks and rewrites a typed value into its stored form.
type Normalizer = fn(&str) -> Result<String, String>;

fn flag_error(flag: &str, message: impl std::fmt::Display) -> CliError {
    CliError::usage(format!("{flag}: {message}"))
}

/// `""` clears an optional setting (edit), anything else is normalised or rejected.
fn text_setting(
    flag: &str,
    value: &Option<String>,
    normalize: Option<Normalizer>,
) -> CliResult<Option<Option<String>>> {
    let Some(v) = value else { return Ok(None) };
    if v.trim().is_empty() {
        return Ok(Some(None));
    }
    match normalize {
        Some(f) => f(v).map(|n| Some(Some(n))).map_err(|m| flag_error(flag, m)),
        None => Ok(Some(Some(v.trim().to_string()))),
    }
}

fn path_setting(flag: &str, value: &Option<PathBuf>) -> CliResult<Option<Option<PathBuf>>> {
    let Some(p) = value else { return Ok(None) };
    if p.as_os_str().is_empty() {
        return Ok(Some(None));
    }
    // Stored absolute so the connection works from any directory.
    std::path::absolute(p)
        .map(|a| Some(Some(a)))
        .map_err(|e| flag_error(flag, format!("{}: {e}", p.display())))
}

/// Apply the given flags to `conn`; returns whether any setting was given.
pub(crate) fn apply(conn: &mut Connection, args: &AddArgs) -> CliResult<bool> {
    let mut changed = false;
    if let Some(flow) = args.flow {
        conn.flow = flow;
        changed = true;
    }
    if let Some(env) = args.environment {
        conn.environment = env;
        changed = true;
    }
    let mut text = |flag: &str,
                    value: &Option<String>,
                    normalize: Option<Normalizer>,
                    slot: &mut Option<String>|
     -> CliResult<()> {
        if let Some(v) = text_setting(flag, value, normalize)? {
            *slot = v;
            changed = true;
        }
        Ok(())
    };
    text(
        "--domain",
        &args.domain,
        Some(normalize_domain),
        &mut conn.domain,
    )?;
    // With no --env, a My Domain that names its kind (`--x.sandbox.my.salesforce.com`) sets it.
    if args.environment.is_none()
        && args.domain.is_some()
        && let Some(env) = conn
            .domain
            .as_deref()
            .and_then(crate::profile::validate::environment_of_domain)
    {
        conn.environment = env;
    }
    text("--client-id", &args.client_id, None, &mut conn.client_id)?;
    text("--username", &args.username, None, &mut conn.username)?;
    text(
        "--audience",
        &args.audience,
        Some(normalize_audience),
        &mut conn.audience,
    )?;
    text(
        "--scopes",
        &args.scopes,
        Some(normalize_scopes),
        &mut conn.scopes,
    )?;
    for (flag, value, slot) in [
        ("--key-file", &args.key_file, &mut conn.key_file),
        ("--cert-file", &args.cert_file, &mut conn.cert_file),
    ] {
        if let Some(v) = path_setting(flag, value)? {
            *slot = v;
            changed = true;
        }
    }
    if let Some(port) = args.callback_port {
        conn.callback_port = Some(port);
        changed = true;
    }
    if let Some(t) = args.timeout_secs {
        conn.timeout_secs = Some(t);
        changed = true;
    }
    Ok(changed)
}

fn describe(conn: &Connection) -> String {
    let target = conn
        .domain
        .as_deref()
        .unwrap_or(conn.environment.login_host());
    format!("{} flow, {}, {target}", conn.flow, conn.environment)
}

fn password_flow_warning(conn: &Connection) {
    if conn.flow == Flow::Password {
        eprintln!(
            "note: the username-password flow is blocked by default in orgs created since Summer '23 and is being retired; prefer jwt or client-credentials"
        );
    }
}

fn kind_list(kinds: &[SecretKind]) -> String {
    kinds
        .iter()
        .map(|k| k.label())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The lifecycle's error as the CLI shows it: invalid settings name the flags to fix.
fn lifecycle_error(e: LifecycleError) -> CliError {
    match e {
        LifecycleError::Invalid { name, errors } => validation_failed(&name, &errors),
        other => other.into(),
    }
}

pub async fn run_add(ctx: &Context, args: AddArgs) -> CliResult {
    validate_name(&args.name).map_err(|e| flag_error("NAME", e.message))?;
    let flow = args.flow.ok_or_else(|| {
        CliError::usage(format!(
            "--flow is required: one of {}",
            Flow::ALL.map(Flow::as_str).join(", ")
        ))
    })?;
    let mut conn = Connection::new(args.name.clone(), flow);
    apply(&mut conn, &args)?;
    let profiles = load_profiles(ctx)?;
    if profiles.connections.contains_key(&conn.name) {
        return Err(ProfileError::AlreadyExists { name: conn.name }.into());
    }
    // A domain or client id that cannot work is refused before any secret is asked for.
    let mut errors = conn.validate().err().unwrap_or_default();
    errors.extend(conn.fit_errors());
    if !errors.is_empty() {
        return Err(validation_failed(&conn.name, &errors));
    }
    let secrets = secret_input::collect(&conn, &[], true)?;
    let kinds: Vec<SecretKind> = secrets.iter().map(|(k, _)| *k).collect();
    // Settings are checked before the secret store is opened: a typo is exit 2, not a
    // keychain prompt.
    conn.validate_for_save(&kinds)
        .map_err(|errors| validation_failed(&conn.name, &errors))?;
    let lifecycle = Lifecycle::new(ctx.paths.clone(), open_secrets(ctx)?);
    let added = blocking(move || lifecycle.add(Draft::new(conn, secrets))).await?;
    let conn = &added.conn;
    println!("Added connection {} ({}).", conn.name, describe(conn));
    if !added.orphans_removed.is_empty() {
        println!(
            "Removed secrets left under this name by an interrupted save: {}.",
            kind_list(&added.orphans_removed)
        );
    }
    if !added.stored.is_empty() {
        println!("Stored secrets: {}.", kind_list(&added.stored));
    }
    if added.made_default {
        println!("It is the default connection (the first one added).");
    }
    password_flow_warning(conn);
    let next = if conn.flow.is_interactive() {
        "login"
    } else {
        "test"
    };
    println!("Next: sfconn {next} {}", conn.name);
    Ok(())
}

pub async fn run_edit(ctx: &Context, args: EditArgs) -> CliResult {
    let EditArgs {
        settings: args,
        secret: enter,
        clear_secret: clear,
    } = args;
    let profiles = load_profiles(ctx)?;
    let mut conn = profiles.require(&args.name)?.clone();
    let before = conn.clone();
    let changed = apply(&mut conn, &args)?;
    for kind in &clear {
        secret_input::check_kind(&conn, *kind, "--clear-secret")?;
        if enter.contains(kind) {
            return Err(CliError::usage(format!(
                "--secret {0} and --clear-secret {0} contradict each other; pick one",
                kind.as_str()
            )));
        }
        if required_secrets(conn.flow).contains(kind) {
            return Err(CliError::usage(format!(
                "--clear-secret {}: the {} flow cannot work without its {}; enter a new one with `sfconn edit {} --secret {}` instead (nothing was changed)",
                kind.as_str(),
                conn.flow,
                kind.label(),
                conn.name,
                kind.as_str()
            )));
        }
    }
    for kind in &enter {
        secret_input::check_kind(&conn, *kind, "--secret")?;
    }
    let nothing_asked =
        !changed && enter.is_empty() && clear.is_empty() && !secret_input::any_env_for(conn.flow);
    // `sfconn edit NAME` alone on a terminal: the person came to fix a secret.
    let reenter =
        nothing_asked && secret_input::interactive() && !SecretKind::for_flow(conn.flow).is_empty();
    if nothing_asked && !reenter {
        return Err(CliError::usage(format!(
            "nothing to change for {0}: pass a setting such as --domain or --client-id, `--secret KIND` to enter a secret again ({1}), or `--clear-secret KIND`",
            conn.name,
            secret_input::kinds_of(conn.flow)
        )));
    }
    // Everything that can be checked offline is checked before a prompt asks for a secret.
    let mut errors = conn.validate().err().unwrap_or_default();
    errors.extend(conn.fit_errors());
    if !errors.is_empty() {
        return Err(validation_failed(&conn.name, &errors));
    }
    let store = open_secrets(ctx)?;
    let secrets = if reenter {
        let got = secret_input::reenter(&conn)?;
        if got.is_empty() {
            println!("Nothing changed for {}.", conn.name);
            return Ok(());
        }
        got
    } else if !enter.is_empty() {
        enter
            .iter()
            .map(|k| secret_input::ask_one(&conn, *k))
            .collect::<CliResult<Vec<_>>>()?
    } else {
        let name = conn.name.clone();
        let lookup = store.clone();
        let stored = blocking(move || Ok(lookup.stored_kinds(&name)?)).await?;
        secret_input::collect(&conn, &stored, false)?
    };
    let lifecycle = Lifecycle::new(ctx.paths.clone(), store);
    let name = args.name.clone();
    let asked_to_clear = clear.clone();
    let mut draft = Draft::new(conn, secrets);
    draft.clear = clear;
    let edited = blocking(move || lifecycle.edit(&name, draft)).await?;
    let conn = &edited.conn;
    if edited.settings_changed {
        println!("Updated connection {} ({}).", conn.name, describe(conn));
    } else if !edited.stored.is_empty() {
        println!("Updated the secrets of {}.", conn.name);
    }
    if !edited.stored.is_empty() {
        println!("Stored secrets: {}.", kind_list(&edited.stored));
    }
    if !edited.cleared.is_empty() {
        println!("Removed secrets: {}.", kind_list(&edited.cleared));
    }
    for kind in asked_to_clear
        .iter()
        .filter(|k| !edited.cleared.contains(k))
    {
        println!("No {} was stored for {}.", kind.label(), conn.name);
    }
    if !edited.dropped.is_empty() {
        println!(
            "Deleted the stored {}: {} no longer {} for these settings.",
            kind_list(&edited.dropped),
            if edited.dropped.len() == 1 {
                "it"
            } else {
                "they"
            },
            if edited.dropped.len() == 1 {
                "proves anything"
            } else {
                "prove anything"
            },
        );
    }
    match edited.next_step() {
        Some(next) => println!("Next: {next} (this flow needs a new sign-in)"),
        None if edited.dropped.contains(&SecretKind::AccessToken) => {
            println!("Next: sfconn test {} (it gets a new token)", conn.name)
        }
        None => {}
    }
    if before.flow != conn.flow {
        password_flow_warning(conn);
    }
    Ok(())
}

/// Run a lifecycle call (keychain D-Bus, file locks) off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, LifecycleError> + Send + 'static,
) -> CliResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| CliError::failure(format!("the save did not finish: {e}")))?
        .map_err(lifecycle_error)
}
