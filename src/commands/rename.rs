//! `sfconn rename OLD NEW`: the profile entry, its secrets and its last test move together.

use super::Context;
use super::common::{load_profiles, open_secrets};
use crate::error::{CliError, CliResult};
use crate::profile::ProfileError;
use crate::profile::validate::validate_name;

pub async fn run(ctx: &Context, args: crate::cli::RenameArgs) -> CliResult {
    validate_name(&args.new).map_err(|e| CliError::usage(format!("NEW: {}", e.message)))?;
    let profiles = load_profiles(ctx)?;
    profiles.require(&args.old)?;
    if args.old == args.new {
        return Err(CliError::usage(format!(
            "{} already has that name",
            args.old
        )));
    }
    if profiles.connections.contains_key(&args.new) {
        return Err(ProfileError::AlreadyExists { name: args.new }.into());
    }
    let store = open_secrets(ctx)?;
    let (old, new) = (args.old.clone(), args.new.clone());
    let moving = store.clone();
    tokio::task::spawn_blocking(move || moving.rename(&old, &new))
        .await
        .map_err(|e| CliError::failure(format!("secret store task failed: {e}")))??;
    let result = crate::profile::update(&ctx.paths.profile_file, |doc| {
        if doc.profiles().connections.contains_key(&args.new) {
            return Err(ProfileError::AlreadyExists {
                name: args.new.clone(),
            });
        }
        if !doc.rename(&args.old, &args.new) {
            return Err(doc.profiles().require(&args.old).err().unwrap_or_else(|| {
                ProfileError::Invalid(format!("connection {} disappeared", args.old))
            }));
        }
        Ok(())
    });
    if let Err(e) = result {
        // Put the secrets back under the old name: the profile file still uses it.
        let _ = store.rename(&args.new, &args.old);
        return Err(e.into());
    }
    crate::state::rename(&ctx.paths, &args.old, &args.new)?;
    println!("Renamed {} to {}.", args.old, args.new);
    Ok(())
}
