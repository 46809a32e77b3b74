//! `sfconn prompt`: the effective connection for a shell prompt, from the profile file alone (no
//! network, no keychain, no state file), so it can run before every prompt (PRODUCT.md section 9
//! budget: at most 2 × `sfconn --version`, measured by benches/prompt.sh).
//!
//! Prints `NAME` for a sandbox, `NAME [PROD]` for production, `NAME?` when `SFCONN_PROFILE` or
//! the default names a connection that does not exist, and nothing when no connection is
//! effective. A profile file that does not parse is an error (exit 2) with nothing on stdout.

use super::Context;
use crate::error::CliResult;

/// The marker after a production connection's name.
pub const PRODUCTION_MARKER: &str = " [PROD]";

pub fn run(ctx: &Context) -> CliResult {
    let profiles = super::common::load_profiles(ctx)?;
    let Some(name) = profiles.effective_default() else {
        return Ok(());
    };
    match profiles.connections.get(&name) {
        Some(conn) if conn.is_production() => println!("{name}{PRODUCTION_MARKER}"),
        Some(_) => println!("{name}"),
        None => println!("{name}?"),
    }
    Ok(())
}
