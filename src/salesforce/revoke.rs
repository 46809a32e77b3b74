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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Flow;
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;

    /// A revoke endpoint that always gives `answer`, on a loopback port.
    async fn endpoint(answer: (StatusCode, &'static str, &'static str)) -> String {
        let app = axum::Router::new().route(
            "/services/oauth2/revoke",
            axum::routing::post(move || async move {
                let (status, content_type, body) = answer;
                (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        url
    }

    fn stored(dir: &std::path::Path) -> SecretStore {
        let store = SecretStore::file(dir.join("secrets.toml"));
        store
            .set("w", SecretKind::RefreshToken, "5Aep-refresh")
            .unwrap();
        store
            .set(
                "w",
                SecretKind::AccessToken,
                r#"{"access_token":"00D!access","instance_url":"http://127.0.0.1:1"}"#,
            )
            .unwrap();
        store
    }

    async fn revoke_against(
        answer: (StatusCode, &'static str, &'static str),
    ) -> (Result<Revoked, Failure>, SecretStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = stored(dir.path());
        let mut conn = Connection::new("w", Flow::Web);
        conn.domain = Some(endpoint(answer).await);
        let result = revoke(&store, &conn, Duration::from_secs(5)).await;
        (result, store, dir)
    }

    #[tokio::test]
    async fn salesforce_success_and_already_revoked_answers_succeed() {
        let (done, store, _dir) = revoke_against((StatusCode::OK, "text/plain", "")).await;
        let done = done.unwrap();
        assert_eq!(done.refresh_token, RevokeOutcome::Revoked);
        assert_eq!(done.access_token, RevokeOutcome::Revoked);
        assert!(store.stored_kinds("w").unwrap().is_empty());

        let (done, store, _dir) = revoke_against((
            StatusCode::BAD_REQUEST,
            "application/x-www-form-urlencoded",
            "error=unsupported_token_type&error_description=this%20token%20type%20is%20not%20supported",
        ))
        .await;
        let done = done.unwrap();
        assert_eq!(done.refresh_token, RevokeOutcome::AlreadyRevoked);
        assert!(store.stored_kinds("w").unwrap().is_empty());
    }

    #[tokio::test]
    async fn anything_else_fails_and_keeps_the_tokens() {
        for answer in [
            (
                StatusCode::OK,
                "text/html",
                "<html><body>Sign in</body></html>",
            ),
            (
                StatusCode::BAD_REQUEST,
                "application/json",
                r#"{"error":"invalid_client","error_description":"invalid client credentials"}"#,
            ),
            (StatusCode::INTERNAL_SERVER_ERROR, "text/plain", "oops"),
        ] {
            let (result, store, _dir) = revoke_against(answer).await;
            assert!(result.is_err(), "{answer:?} was taken for a success");
            assert!(
                store.get("w", SecretKind::RefreshToken).unwrap().is_some(),
                "{answer:?}: a token Salesforce may still honour was forgotten"
            );
        }
    }

    #[tokio::test]
    async fn nothing_stored_sends_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = SecretStore::file(dir.path().join("secrets.toml"));
        let mut conn = Connection::new("w", Flow::Web);
        // Nothing listens here: a request would fail the call.
        conn.domain = Some("http://127.0.0.1:1".into());
        let done = revoke(&store, &conn, Duration::from_secs(5)).await.unwrap();
        assert!(done.nothing_stored());
    }
}
