//! `POST /services/oauth2/revoke` for the stored tokens (research §1.2), then forget them.
//!
//! Salesforce answers a revoked token with HTTP 200 and an empty body. A token it no longer
//! knows (already revoked, expired, or revoked with the refresh token it came from: revoking a
//! refresh token revokes its access tokens too) gets HTTP 400 with a form-encoded
//! `error=unsupported_token_type` (or `invalid_token`). Anything else is not a success: an HTML
//! page answered with 200 comes from a proxy or a wrong host, and `invalid_client` means the
//! request was refused, so the tokens may still work and are kept.

use std::time::Duration;

use super::hosts;
use super::http;
use super::report::Failure;
use super::token::{cached, secret_delete, secret_get};
use crate::profile::Connection;
use crate::secrets::{SecretKind, SecretStore};

/// What happened to one stored token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeOutcome {
    /// None was stored.
    NotStored,
    /// Salesforce revoked it now.
    Revoked,
    /// Salesforce no longer knew it: it was already dead.
    AlreadyRevoked,
}

/// What `revoke` did with each token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revoked {
    pub refresh_token: RevokeOutcome,
    pub access_token: RevokeOutcome,
}

impl Revoked {
    /// Nothing was stored, so nothing was sent.
    pub fn nothing_stored(&self) -> bool {
        self.refresh_token == RevokeOutcome::NotStored
            && self.access_token == RevokeOutcome::NotStored
    }
}

/// The errors Salesforce answers for a token it does not know (research §1.2; Mobile SDK guide,
/// "Revoking OAuth Tokens").
const ALREADY_REVOKED: [&str; 2] = ["unsupported_token_type", "invalid_token"];

async fn revoke_one(
    conn: &Connection,
    token: &str,
    timeout: Duration,
) -> Result<RevokeOutcome, Failure> {
    let url = hosts::revoke_url(conn)?;
    let answer = http::send(http::client().post(url).form(&[("token", token)]), timeout).await?;
    if answer.status == 200 && answer.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(RevokeOutcome::Revoked);
    }
    match answer.oauth_error() {
        Some(Failure::OAuth { error, .. })
            if answer.status == 400 && ALREADY_REVOKED.contains(&error.as_str()) =>
        {
            Ok(RevokeOutcome::AlreadyRevoked)
        }
        Some(failure) => Err(failure),
        None => Err(answer.not_salesforce("the revoke endpoint")),
    }
}

/// Revoke both tokens (the refresh token first), then forget them. When Salesforce cannot be
/// reached or refuses, the tokens are kept, so the command can be run again.
pub(crate) async fn revoke(
    store: &SecretStore,
    conn: &Connection,
    timeout: Duration,
) -> Result<Revoked, Failure> {
    let refresh = secret_get(store, &conn.name, SecretKind::RefreshToken)
        .await?
        .filter(|t| !t.is_empty());
    let access = cached(store, &conn.name).await?;
    let mut done = Revoked {
        refresh_token: RevokeOutcome::NotStored,
        access_token: RevokeOutcome::NotStored,
    };
    if let Some(refresh) = refresh.as_deref() {
        done.refresh_token = revoke_one(conn, refresh, timeout).await?;
        secret_delete(store, &conn.name, SecretKind::RefreshToken).await?;
    }
    if let Some(access) = &access {
        done.access_token = revoke_one(conn, &access.access_token, timeout).await?;
    }
    // Also removes a cache entry sfconn could not read (`cached` treats it as absent).
    secret_delete(store, &conn.name, SecretKind::AccessToken).await?;
    Ok(done)
}
