//! `sfconn token [NAME] [--json]`: print a valid access token (and nothing else) on stdout; with
//! `--json`, `{"name", "access_token", "instance_url", "token_source", "expires_at", "scopes"}`,
//! the last two from introspection when the app allows it, else null (PRODUCT.md section 4).

use serde_json::json;

use super::Context;
use super::session::{Session, print_json};
use crate::cli::TokenArgs;
use crate::error::CliResult;

pub async fn run(ctx: &Context, args: TokenArgs) -> CliResult {
    let (session, conn) = Session::for_connection(ctx, args.name.as_deref())?;
    let (token, source) = session.access_token(ctx, &conn).await?;
    if !args.json {
        println!("{}", token.access_token);
        return Ok(());
    }
    // Introspection only adds facts: a failure leaves them null, the token is still good.
    let found = session
        .engine
        .introspect(&conn, &token.access_token, session.timeout(ctx, &conn))
        .await
        .ok()
        .flatten();
    print_json(&json!({
        "name": conn.name,
        "access_token": token.access_token,
        "instance_url": token.instance_url,
        "token_source": source.as_str(),
        "expires_at": found.as_ref().and_then(|f| f.expires_at.clone()),
        "scopes": found.and_then(|f| f.scopes),
    }))
}
