//! Refresh token flow (research §2.4). With rotation on, the answer carries a new refresh token
//! that replaces the stored one; `token::refresh_and_store` reads the token and stores the
//! answer with check-and-set, so two processes refreshing at once both end up with a token.

use std::time::Duration;

use super::grant::{optional_secret, post_token, require_setting};
use super::report::Failure;
use super::token::TokenResponse;
use crate::profile::Connection;
use crate::secrets::{SecretKind, SecretStore};

pub(crate) async fn grant(
    store: &SecretStore,
    conn: &Connection,
    refresh_token: &str,
    timeout: Duration,
) -> Result<TokenResponse, Failure> {
    let client_id = require_setting(conn, conn.client_id.as_deref(), "client_id", "--client-id")?;
    let client_secret = optional_secret(store, conn, SecretKind::ClientSecret).await?;
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", client_id),
    ];
    if let Some(secret) = client_secret.as_deref() {
        form.push(("client_secret", secret));
    }
    post_token(conn, &form, timeout).await
}
