//! Helpers every command uses: loading the profile file, picking the connection, opening the
//! secret store, and turning validation errors into messages that name flags.

use super::Context;
use crate::error::{CliError, CliResult};
use crate::profile::{Connection, Profiles, ValidationError};
use crate::secrets::SecretStore;

/// Load the profile file (exit 2 with file:line:col when it is bad).
pub fn load_profiles(ctx: &Context) -> CliResult<Profiles> {
    Ok(Profiles::load(&ctx.paths.profile_file)?)
}

/// The connection a command acts on: NAME, else `SFCONN_PROFILE`, else the default.
pub fn resolve_connection(ctx: &Context, name: Option<&str>) -> CliResult<(Profiles, Connection)> {
    let profiles = load_profiles(ctx)?;
    let name = profiles.resolve_name(name)?;
    let conn = profiles.require(&name)?.clone();
    Ok((profiles, conn))
}

/// The request timeout for a connection (`--timeout`, its own, the file's, 10 s).
pub fn timeout_for(ctx: &Context, profiles: &Profiles, conn: &Connection) -> std::time::Duration {
    profiles.timeout_for(conn, ctx.timeout)
}

/// Open the secret store chosen by `SFCONN_SECRET_STORE` (prints the file-store warning on stderr).
pub fn open_secrets(ctx: &Context) -> CliResult<SecretStore> {
    Ok(SecretStore::open(&ctx.paths)?)
}

/// How the user sets a field: the flag for settings, the variable for secrets.
pub fn flag_for_field(field: &str) -> String {
    match field {
        "name" => "NAME".into(),
        "environment" => "--env".into(),
        "client_secret" | "password" | "security_token" | "private_key" => {
            crate::secrets::SecretKind::parse(field)
                .and_then(|k| k.env_var())
                .unwrap_or(field)
                .to_string()
        }
        other => format!("--{}", other.replace('_', "-")),
    }
}

/// One error listing every invalid field of a connection (exit 2).
pub fn validation_failed(name: &str, errors: &[ValidationError]) -> CliError {
    let mut message = format!("connection `{name}` was not saved:");
    for e in errors {
        message.push_str(&format!("\n  {}: {}", flag_for_field(&e.field), e.message));
    }
    CliError::usage(message)
}
