//! `sfconn add` and `sfconn edit`: settings from flags, secrets from `SFCONN_*` or a hidden
//! prompt. Saving is all-or-nothing: secrets are stored first and put back if the profile file
//! cannot be written; a secret that cannot be stored means the profile is not written.

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::Context;
use super::common::{load_profiles, open_secrets, validation_failed};
use super::secret_input;
use crate::cli::AddArgs;
use crate::error::{CliError, CliResult};
use crate::profile::validate::{
    normalize_audience, normalize_domain, normalize_scopes, required_secrets, validate_name,
};
use crate::profile::{Connection, Flow, ProfileError, ProfilesDoc};
use crate::secrets::{SecretKind, SecretStore};

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
fn apply(conn: &mut Connection, args: &AddArgs) -> CliResult<bool> {
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

/// Whether checking this connection needs to know which secrets are already stored.
fn needs_stored_kinds(conn: &Connection) -> bool {
    !required_secrets(conn.flow).is_empty() || (conn.flow == Flow::Jwt && conn.key_file.is_none())
}

/// Store `secrets`, then write the profile with `edit`; undo the secrets if the write fails.
fn save<T>(
    ctx: &Context,
    store: Option<&SecretStore>,
    name: &str,
    secrets: &[(SecretKind, String)],
    edit: impl FnOnce(&mut ProfilesDoc) -> Result<T, ProfileError>,
) -> CliResult<T> {
    let backup = match (store, secrets.is_empty()) {
        (Some(store), false) => Some(store.set_all(name, secrets)?),
        _ => None,
    };
    match crate::profile::update(&ctx.paths.profile_file, edit) {
        Ok(out) => Ok(out),
        Err(e) => {
            if let (Some(store), Some(backup)) = (store, backup) {
                store.restore(backup);
            }
            Err(e.into())
        }
    }
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
    let secrets = secret_input::collect(&conn, &[], true)?;
    let kinds: Vec<SecretKind> = secrets.iter().map(|(k, _)| *k).collect();
    conn.validate_for_save(&kinds)
        .map_err(|errors| validation_failed(&conn.name, &errors))?;
    let store = if secrets.is_empty() {
        None
    } else {
        Some(open_secrets(ctx)?)
    };
    let made_default = save(ctx, store.as_ref(), &conn.name, &secrets, |doc| {
        if doc.profiles().connections.contains_key(&conn.name) {
            return Err(ProfileError::AlreadyExists {
                name: conn.name.clone(),
            });
        }
        let first = doc.profiles().connections.is_empty() && doc.profiles().default.is_none();
        doc.upsert(&conn);
        if first {
            doc.set_default(Some(&conn.name));
        }
        Ok(first)
    })?;
    println!("Added connection {} ({}).", conn.name, describe(&conn));
    if !kinds.is_empty() {
        let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        println!("Stored secrets: {}.", names.join(", "));
    }
    if made_default {
        println!("It is the default connection (the first one added).");
    }
    password_flow_warning(&conn);
    println!("Next: sfconn test {}", conn.name);
    Ok(())
}

pub async fn run_edit(ctx: &Context, args: AddArgs) -> CliResult {
    let profiles = load_profiles(ctx)?;
    let mut conn = profiles.require(&args.name)?.clone();
    let before = conn.clone();
    let changed = apply(&mut conn, &args)?;
    if !changed && !secret_input::any_env_for(conn.flow) {
        return Err(CliError::usage(format!(
            "nothing to change for {}: pass a setting such as --domain or --client-id, or set a secret variable such as SFCONN_CLIENT_SECRET",
            conn.name
        )));
    }
    // Tokens belong to one app in one org: a changed app, org or flow makes them stale.
    let identity_changed = before.flow != conn.flow
        || before.client_id != conn.client_id
        || before.domain != conn.domain
        || before.environment != conn.environment
        || before.username != conn.username;
    let store =
        if needs_stored_kinds(&conn) || secret_input::any_env_for(conn.flow) || identity_changed {
            Some(open_secrets(ctx)?)
        } else {
            None
        };
    let stored = match &store {
        Some(s) => s.stored_kinds(&conn.name)?,
        None => Vec::new(),
    };
    let secrets = secret_input::collect(&conn, &stored, false)?;
    let all: BTreeSet<SecretKind> = stored
        .iter()
        .copied()
        .chain(secrets.iter().map(|(k, _)| *k))
        .collect();
    let all: Vec<SecretKind> = all.into_iter().collect();
    conn.validate_for_save(&all)
        .map_err(|errors| validation_failed(&conn.name, &errors))?;
    if let (true, Some(store)) = (identity_changed, &store) {
        store.delete(&conn.name, SecretKind::AccessToken)?;
        store.delete(&conn.name, SecretKind::RefreshToken)?;
    }
    save(ctx, store.as_ref(), &conn.name, &secrets, |doc| {
        if !doc.profiles().connections.contains_key(&conn.name) {
            return Err(doc
                .profiles()
                .require(&conn.name)
                .err()
                .unwrap_or(ProfileError::Invalid(format!(
                    "connection {} was removed meanwhile",
                    conn.name
                ))));
        }
        doc.upsert(&conn);
        Ok(())
    })?;
    if before == conn {
        println!("Updated the secrets of {}.", conn.name);
    } else {
        println!("Updated connection {} ({}).", conn.name, describe(&conn));
    }
    if !secrets.is_empty() {
        let names: Vec<&str> = secrets.iter().map(|(k, _)| k.as_str()).collect();
        println!("Stored secrets: {}.", names.join(", "));
    }
    if before.flow != conn.flow {
        password_flow_warning(&conn);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paths::Paths;

    #[test]
    fn a_failed_profile_write_puts_the_secrets_back() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = Context {
            paths: Paths::in_dir(dir.path()),
            timeout: None,
        };
        let store = SecretStore::file(ctx.paths.secrets_file());
        store.set("c", SecretKind::ClientSecret, "old").unwrap();
        let result: CliResult<()> = save(
            &ctx,
            Some(&store),
            "c",
            &[
                (SecretKind::ClientSecret, "new".into()),
                (SecretKind::Password, "pw".into()),
            ],
            |_doc| Err(ProfileError::Invalid("disk full".into())),
        );
        assert!(result.is_err());
        assert_eq!(
            store.get("c", SecretKind::ClientSecret).unwrap().as_deref(),
            Some("old")
        );
        assert_eq!(store.get("c", SecretKind::Password).unwrap(), None);
        assert!(!ctx.paths.profile_file.exists());
    }
}
