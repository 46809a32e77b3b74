//! `sfconn use NAME`: make a connection the default (stored in the profile file).

use super::Context;
use crate::error::CliResult;

pub async fn run(ctx: &Context, args: crate::cli::NameArg) -> CliResult {
    // Read first: a damaged file is reported with its line and column.
    super::common::load_profiles(ctx)?.require(&args.name)?;
    let conn = crate::lifecycle::set_default(&ctx.paths, &args.name)?;
    let badge = if conn.is_production() {
        " PRODUCTION"
    } else {
        " sandbox"
    };
    println!("Default connection: {} ({}{badge}).", conn.name, conn.flow);
    if let Ok(shell) = std::env::var("SFCONN_PROFILE")
        && !shell.is_empty()
        && shell != conn.name
    {
        eprintln!(
            "note: SFCONN_PROFILE={shell} still wins in this shell; `unset SFCONN_PROFILE` to use {}",
            conn.name
        );
    }
    Ok(())
}
