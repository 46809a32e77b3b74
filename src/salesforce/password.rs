//! Username-password flow (legacy; research §2.3): the password and the security token are
//! sent concatenated in one `password` field.

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
    let username = require_setting(conn, conn.username.as_deref(), "username", "--username")?;
    let client_secret = require_secret(store, conn, SecretKind::ClientSecret).await?;
    let password = require_secret(store, conn, SecretKind::Password).await?;
    // The security token may be absent: trusted IP ranges let Salesforce accept the password alone.
    let security_token = super::grant::optional_secret(store, conn, SecretKind::SecurityToken)
        .await?
        .unwrap_or_default();
    let combined = format!("{password}{security_token}");
    post_token(
        conn,
        &[
            ("grant_type", "password"),
            ("client_id", client_id),
            ("client_secret", &client_secret),
            ("username", username),
            ("password", &combined),
        ],
        timeout,
    )
    .await
}
