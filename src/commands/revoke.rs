//! `sfconn revoke NAME`: revoke the stored tokens at Salesforce and forget them.

use super::Context;
use super::session::{Session, step_error};
use crate::cli::ConfirmNameArg;
use crate::error::CliResult;
use crate::salesforce::RevokeOutcome;

pub async fn run(ctx: &Context, args: ConfirmNameArg) -> CliResult {
    let (session, conn) = Session::for_connection(ctx, Some(&args.name))?;
    super::secret_input::confirm_production(&conn, args.yes, "revoke the tokens of")?;
    let timeout = session.timeout(ctx, &conn);
    let done = session
        .engine
        .revoke(&conn, timeout)
        .await
        .map_err(|e| step_error(&conn, &e))?;
    if done.nothing_stored() {
        println!("Nothing to revoke: no token is stored for {}.", conn.name);
        return Ok(());
    }
    for (what, outcome) in [
        ("refresh token", done.refresh_token),
        ("access token", done.access_token),
    ] {
        match outcome {
            RevokeOutcome::NotStored => {}
            RevokeOutcome::Revoked => {
                println!("Revoked the {what} of {} at Salesforce.", conn.name)
            }
            RevokeOutcome::AlreadyRevoked => println!(
                "The {what} of {} was already invalid at Salesforce (revoked or expired).",
                conn.name
            ),
        }
    }
    println!("Removed the tokens from the secret store.");
    if conn.flow.is_interactive() {
        println!("Run `sfconn login {}` to sign in again.", conn.name);
    }
    Ok(())
}
