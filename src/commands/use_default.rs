//! `sfconn use [NAME | -]`: make a connection the default (stored in the profile file), print
//! the default with no name, or go back to the previous default with `-` (like `cd -`; the
//! previous default is kept in the state file by `lifecycle::set_default`).

use super::Context;
use crate::cli::UseArgs;
use crate::error::{CliError, CliResult};
use crate::profile::Connection;

pub async fn run(ctx: &Context, args: UseArgs) -> CliResult {
    // Read first: a damaged file is reported with its line and column.
    let profiles = super::common::load_profiles(ctx)?;
    let name = match args.name.as_deref() {
        None => return print_default(&profiles),
        Some("-") => match crate::lifecycle::previous_default(&ctx.paths)? {
            Some(previous) => previous,
            None => {
                return Err(CliError::usage(
                    "no previous default yet: `sfconn use -` goes back to the default before the last `sfconn use NAME`",
                ));
            }
        },
        Some(name) => name.to_string(),
    };
    profiles.require(&name)?;
    let conn = crate::lifecycle::set_default(&ctx.paths, &name)?;
    println!("Default connection: {}.", describe(&conn));
    shell_override_note(&conn.name);
    Ok(())
}

fn describe(conn: &Connection) -> String {
    let badge = if conn.is_production() {
        "PRODUCTION"
    } else {
        "sandbox"
    };
    format!("{} ({} {badge})", conn.name, conn.flow)
}

/// `sfconn use`: the file's default on stdout, and a note when this shell overrides it.
fn print_default(profiles: &crate::profile::Profiles) -> CliResult {
    match profiles.default.as_deref() {
        Some(name) => {
            let conn = profiles.require(name).map_err(|e| {
                CliError::usage(format!(
                    "the default connection: {e}; pick another with `sfconn use NAME`"
                ))
            })?;
            println!("Default connection: {}.", describe(conn));
            shell_override_note(name);
        }
        None => {
            println!("No default connection; pick one with `sfconn use NAME`.");
            shell_override_note("");
        }
    }
    Ok(())
}

fn shell_override_note(default: &str) {
    if let Ok(shell) = std::env::var("SFCONN_PROFILE")
        && !shell.is_empty()
        && shell != default
    {
        eprintln!(
            "note: SFCONN_PROFILE={shell} still wins in this shell; `unset SFCONN_PROFILE` to use {}",
            if default.is_empty() {
                "the default"
            } else {
                default
            }
        );
    }
}
