//! `sfconn token [NAME]`: print a valid access token (and nothing else) on stdout.

use super::Context;
use super::session::Session;
use crate::cli::OptNameArg;
use crate::error::CliResult;

pub async fn run(ctx: &Context, args: OptNameArg) -> CliResult {
    let (session, conn) = Session::for_connection(ctx, args.name.as_deref())?;
    let (token, _) = session.access_token(ctx, &conn).await?;
    println!("{}", token.access_token);
    Ok(())
}
