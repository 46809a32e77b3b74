//! Client credentials flow (research §2.6): only the org's My Domain serves it; login and test
//! answer `request not supported on this domain`.

use std::time::Duration;

use super::grant::{post_token, require_secret, require_setting};
use super::report::Failure;
use super::token::TokenResponse;
use crate::profile::Connection;
use crate::secrets::{SecretKind, SecretStore};

pub(crate) async fn grant(
    store: &SecretStore,
    conn: &Connection,
    timeout: Duration,
) -> Result<TokenResponse, Failure> {
    let client_id = require_setting(conn, conn.client_id.as_deref(), "client_id", "--client-id")?;
    let client_secret = require_secret(store, conn, SecretKind::ClientSecret).await?;
    post_token(
        conn,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", &client_secret),
        ],
        timeout,
    )
    .await
}
