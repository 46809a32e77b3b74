//! `sfconn open NAME [--print-url]`: open the org in the browser through frontdoor.jsp.

use super::Context;
use super::session::Session;
use crate::cli::OpenArgs;
use crate::error::{CliError, CliResult};
use crate::salesforce::frontdoor_url;

pub async fn run(ctx: &Context, args: OpenArgs) -> CliResult {
    let (session, conn) = Session::for_connection(ctx, args.name.as_deref())?;
    let (token, _) = session.access_token(ctx, &conn).await?;
    let url = frontdoor_url(&token.instance_url, &token.access_token).map_err(|f| {
        CliError::failure(format!(
            "connection {}: {}",
            conn.name,
            super::session::describe_failure(&f)
        ))
    })?;
    if args.print_url {
        println!("{url}");
        return Ok(());
    }
    let target = url.clone();
    match tokio::task::spawn_blocking(move || crate::browser::open(&target)).await {
        Ok(Ok(())) => {
            eprintln!("Opened {} in the browser.", token.instance_url);
            Ok(())
        }
        Ok(Err(e)) => Err(CliError::failure(format!(
            "could not open a browser ({e}); run `sfconn open {} --print-url` and open the link yourself (it holds a session token: do not share it)",
            conn.name
        ))),
        Err(e) => Err(CliError::failure(format!("could not open a browser ({e})"))),
    }
}
