//! `sfconn remove`: delete a connection, its secrets and its last test result.

use super::Context;
use super::common::{load_profiles, open_secrets};
use crate::error::CliResult;

pub async fn run(ctx: &Context, args: crate::cli::NameArg) -> CliResult {
    let profiles = load_profiles(ctx)?;
    let conn = profiles.require(&args.name)?.clone();
    // Secrets first: if the keychain refuses, the connection is still there to retry with.
    let store = open_secrets(ctx)?;
    let name = conn.name.clone();
    tokio::task::spawn_blocking(move || store.delete_all(&name))
        .await
        .map_err(|e| crate::error::CliError::failure(format!("secret store task failed: {e}")))??;
    let was_default = crate::profile::update(&ctx.paths.profile_file, |doc| {
        let was_default = doc.profiles().default.as_deref() == Some(conn.name.as_str());
        doc.remove(&conn.name);
        Ok::<_, crate::profile::ProfileError>(was_default)
    })?;
    crate::state::forget(&ctx.paths, &conn.name)?;
    println!("Removed connection {} and its stored secrets.", conn.name);
    if was_default {
        println!("It was the default; pick another with `sfconn use NAME`.");
    }
    Ok(())
}
