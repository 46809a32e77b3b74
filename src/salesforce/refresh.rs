//! Refresh token flow (research §2.4). With rotation on, the answer carries a new refresh token
//! that replaces the stored one (`token::store_grant`).

use std::time::Duration;

use super::grant::{optional_secret, post_token, require_setting};
use super::report::Failure;
use super::token::{TokenResponse, secret_get};
use crate::profile::Connection;
use crate::secrets::{SecretKind, SecretStore};

pub(crate) async fn grant(
    store: &SecretStore,
    conn: &Connection,
    timeout: Duration,
) -> Result<TokenResponse, Failure> {
    let Some(refresh_token) = secret_get(store, &conn.name, SecretKind::RefreshToken)
        .await?
        .filter(|t| !t.is_empty())
    else {
        return Err(Failure::NeedsLogin {
            detail: format!(
                "connection {} has no refresh token yet; run `sfconn login {}` to sign in",
                conn.name, conn.name
            ),
        });
    };
    let client_id = require_setting(conn, conn.client_id.as_deref(), "client_id", "--client-id")?;
    let client_secret = optional_secret(store, conn, SecretKind::ClientSecret).await?;
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.as_str()),
        ("client_id", client_id),
    ];
    if let Some(secret) = client_secret.as_deref() {
        form.push(("client_secret", secret));
    }
    post_token(conn, &form, timeout).await
}
