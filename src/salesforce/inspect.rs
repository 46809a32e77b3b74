//! What a connection's token looks like now, without renewing it: introspection
//! (`/services/oauth2/introspect`, RFC 7662, research §10) for its expiry and scopes, and the
//! state `sfconn status` shows.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use super::report::Failure;
use super::{Engine, http, probe, token};
use crate::profile::{Connection, Flow};
use crate::secrets::SecretKind;

/// What introspection says about a live token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Introspection {
    /// RFC 3339 UTC, from `exp`.
    pub expires_at: Option<String>,
    pub scopes: Option<Vec<String>>,
}

/// The state of a connection's token, as `sfconn status` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenState {
    /// A cached token Salesforce accepts; the expiry when introspection told it.
    Valid { expires_at: Option<String> },
    /// The cached token is rejected; the next use renews it (refresh token or a new grant).
    Expired,
    /// No cached token; the next use gets one without a person.
    NoneCached,
    /// Only `sfconn login NAME` helps (web or device with no refresh token, or a rejected one).
    NeedsLogin,
}

impl TokenState {
    pub fn as_str(&self) -> &'static str {
        match self {
            TokenState::Valid { .. } => "valid",
            TokenState::Expired => "expired",
            TokenState::NoneCached => "none",
            TokenState::NeedsLogin => "needs-login",
        }
    }
}

fn rfc3339(secs: i64) -> Option<String> {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()?
        .format(&time::format_description::well_known::Rfc3339)
        .ok()
}

impl Engine {
    /// Introspect `access_token` with the connection's app. `None` when the app cannot (no client
    /// secret stored, introspection refused, not allowed for the app) or the token is not active.
    pub async fn introspect(
        &self,
        conn: &Connection,
        access_token: &str,
        timeout: Duration,
    ) -> Result<Option<Introspection>, Failure> {
        let Some(client_id) = conn.client_id.as_deref() else {
            return Ok(None);
        };
        let Some(secret) =
            token::secret_get(self.secrets(), &conn.name, SecretKind::ClientSecret).await?
        else {
            return Ok(None);
        };
        let url = format!(
            "{}/services/oauth2/introspect",
            conn.login_host().trim_end_matches('/')
        );
        let form = [
            ("token", access_token),
            ("token_type_hint", "access_token"),
            ("client_id", client_id),
            ("client_secret", secret.as_str()),
        ];
        let answer = http::send(http::client().post(url).form(&form), timeout).await?;
        let Some(value) = answer.json().filter(|_| answer.is_success()) else {
            return Ok(None);
        };
        if value.get("active").and_then(Value::as_bool) != Some(true) {
            return Ok(None);
        }
        Ok(Some(Introspection {
            expires_at: value.get("exp").and_then(Value::as_i64).and_then(rfc3339),
            scopes: value
                .get("scope")
                .and_then(Value::as_str)
                .map(|s| s.split_whitespace().map(str::to_string).collect()),
        }))
    }

    /// The token's state now, renewing nothing: the cached token checked by introspection (or
    /// userinfo when the app cannot introspect), else whether a renewal needs a person.
    pub async fn token_state(
        &self,
        conn: &Connection,
        timeout: Duration,
    ) -> Result<TokenState, Failure> {
        let interactive = matches!(conn.flow, Flow::Web | Flow::Device);
        let can_renew = !interactive
            || token::secret_get(self.secrets(), &conn.name, SecretKind::RefreshToken)
                .await?
                .is_some();
        let unusable = if can_renew {
            TokenState::Expired
        } else {
            TokenState::NeedsLogin
        };
        let Some(cached) = token::cached_for(self.secrets(), conn).await? else {
            return Ok(if can_renew {
                TokenState::NoneCached
            } else {
                TokenState::NeedsLogin
            });
        };
        if let Some(found) = self
            .introspect(conn, &cached.access_token, timeout)
            .await
            .ok()
            .flatten()
        {
            return Ok(TokenState::Valid {
                expires_at: found.expires_at,
            });
        }
        match probe::userinfo(&cached.instance_url, &cached.access_token, timeout).await {
            Ok(_) => Ok(TokenState::Valid { expires_at: None }),
            Err(f) if http::is_token_rejected(&f) => Ok(unusable),
            Err(f) => Err(f),
        }
    }
}
