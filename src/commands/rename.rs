//! `sfconn rename OLD NEW`: the profile entry, its secrets and its last test move together.

use super::Context;
use super::common::{load_profiles, open_secrets};
use crate::error::{CliError, CliResult};
use crate::lifecycle::Lifecycle;
use crate::profile::ProfileError;
use crate::profile::validate::validate_name;

pub async fn run(ctx: &Context, args: crate::cli::RenameArgs) -> CliResult {
    validate_name(&args.new).map_err(|e| CliError::usage(format!("NEW: {}", e.message)))?;
    // Checked before the secret store is opened: a typo is reported as one.
    let profiles = load_profiles(ctx)?;
    profiles.require(&args.old)?;
    if args.old != args.new && profiles.connections.contains_key(&args.new) {
        return Err(ProfileError::AlreadyExists { name: args.new }.into());
    }
    let lifecycle = Lifecycle::new(ctx.paths.clone(), open_secrets(ctx)?);
    let (old, new) = (args.old.clone(), args.new.clone());
    tokio::task::spawn_blocking(move || lifecycle.rename(&old, &new))
        .await
        .map_err(|e| CliError::failure(format!("the rename did not finish: {e}")))??;
    println!("Renamed {} to {}.", args.old, args.new);
    Ok(())
}
