//! `sfconn use NAME`: make a connection the default (stored in the profile file).

use super::Context;
use super::common::load_profiles;
use crate::error::CliResult;

pub async fn run(ctx: &Context, args: crate::cli::NameArg) -> CliResult {
    let profiles = load_profiles(ctx)?;
    let conn = profiles.require(&args.name)?.clone();
    crate::profile::update(&ctx.paths.profile_file, |doc| {
        doc.profiles().require(&conn.name)?;
        doc.set_default(Some(&conn.name));
        Ok::<_, crate::profile::ProfileError>(())
    })?;
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
