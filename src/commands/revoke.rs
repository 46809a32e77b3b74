//! `sfconn revoke NAME`: revoke the stored tokens at Salesforce and forget them.

use super::Context;
use super::session::{Session, step_error};
use crate::cli::NameArg;
use crate::error::CliResult;

pub async fn run(ctx: &Context, args: NameArg) -> CliResult {
    let (session, conn) = Session::for_connection(ctx, Some(&args.name))?;
    let timeout = session.timeout(ctx, &conn);
    session
        .engine
        .revoke(&conn, timeout)
        .await
        .map_err(|e| step_error(&conn, &e))?;
    println!(
        "Revoked the tokens of {} at Salesforce and removed them from the secret store.",
        conn.name
    );
    if conn.flow.is_interactive() {
        println!("Run `sfconn login {}` to sign in again.", conn.name);
    }
    Ok(())
}
