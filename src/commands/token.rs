//! `sfconn token [NAME]`: print a valid access token (and nothing else) on stdout.

use super::Context;
use super::session::{Session, step_error};
use crate::cli::OptNameArg;
use crate::error::CliResult;

pub async fn run(ctx: &Context, args: OptNameArg) -> CliResult {
    let (session, conn) = Session::for_connection(ctx, args.name.as_deref())?;
    let timeout = session.timeout(ctx, &conn);
    let token = session
        .engine
        .access_token(&conn, timeout)
        .await
        .map_err(|e| step_error(&conn, &e))?;
    println!("{}", token.access_token);
    Ok(())
}
