//! `sfconn remove`: delete a connection, its secrets and its last test result.

use super::Context;
use super::common::{load_profiles, open_secrets};
use crate::error::{CliError, CliResult};
use crate::lifecycle::Lifecycle;

pub async fn run(ctx: &Context, args: crate::cli::ConfirmNameArg) -> CliResult {
    let conn = load_profiles(ctx)?.require(&args.name)?.clone();
    super::secret_input::confirm_production(&conn, args.yes, "remove")?;
    let lifecycle = Lifecycle::new(ctx.paths.clone(), open_secrets(ctx)?);
    let name = args.name.clone();
    let removed = tokio::task::spawn_blocking(move || lifecycle.remove(&name))
        .await
        .map_err(|e| CliError::failure(format!("the removal did not finish: {e}")))??;
    println!(
        "Removed connection {} and its stored secrets.",
        removed.name
    );
    if removed.was_default {
        println!("It was the default; pick another with `sfconn use NAME`.");
    }
    Ok(())
}
