//! `POST /services/oauth2/revoke` for the stored tokens (research §1.2), then forget them.

use std::time::Duration;

use super::hosts;
use super::http;
use super::report::Failure;
use super::token::{cached, secret_delete, secret_get};
use crate::profile::Connection;
use crate::secrets::{SecretKind, SecretStore};

async fn revoke_one(conn: &Connection, token: &str, timeout: Duration) -> Result<(), Failure> {
    let url = hosts::revoke_url(conn)?;
    let answer = http::send(http::client().post(url).form(&[("token", token)]), timeout).await?;
    if answer.is_success() {
        return Ok(());
    }
    // Salesforce answers an OAuth error (e.g. invalid_token) for a token that is already dead:
    // there is nothing left to revoke, so the token is forgotten all the same.
    if answer.oauth_error().is_some() {
        return Ok(());
    }
    Err(answer.not_salesforce("the revoke endpoint"))
}

/// Revoke both tokens; when Salesforce cannot be reached the tokens are kept, so the command can
/// be run again.
pub(crate) async fn revoke(
    store: &SecretStore,
    conn: &Connection,
    timeout: Duration,
) -> Result<(), Failure> {
    let refresh = secret_get(store, &conn.name, SecretKind::RefreshToken).await?;
    let access = cached(store, &conn.name).await?;
    if let Some(refresh) = refresh.as_deref().filter(|t| !t.is_empty()) {
        revoke_one(conn, refresh, timeout).await?;
    }
    if let Some(access) = &access {
        revoke_one(conn, &access.access_token, timeout).await?;
    }
    secret_delete(store, &conn.name, SecretKind::RefreshToken).await?;
    secret_delete(store, &conn.name, SecretKind::AccessToken).await?;
    Ok(())
}
