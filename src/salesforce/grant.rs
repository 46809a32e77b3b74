//! What every grant shares: the form POST to the token endpoint, and the settings and secrets a
//! flow cannot do without.

use std::time::Duration;

use super::hosts;
use super::http;
use super::report::{Failure, LocalCondition};
use super::token::{TokenResponse, secret_get, token_answer};
use crate::profile::Connection;
use crate::secrets::{SecretKind, SecretStore};

/// POST a form to the connection's token endpoint. The body is always
/// `application/x-www-form-urlencoded`: Salesforce answers `unsupported_grant_type` to anything
/// else (research §4.1), and passwords with `#&+%=` survive only when form-encoded.
pub(crate) async fn post_token(
    conn: &Connection,
    form: &[(&str, &str)],
    timeout: Duration,
) -> Result<TokenResponse, Failure> {
    let url = hosts::token_url(conn)?;
    let answer = http::send(http::client().post(url).form(form), timeout).await?;
    let token = token_answer(&answer)?;
    // Before anything is sent to or kept for the hosts the answer names (issue 14, item 1).
    hosts::check_token_url(conn, &token.instance_url, "instance_url")?;
    if let Some(id) = token.id.as_deref().filter(|id| !id.is_empty()) {
        hosts::check_token_url(conn, id, "id")?;
    }
    Ok(token)
}

/// A setting the flow needs, or a failure naming the setting and how to set it.
pub(crate) fn require_setting<'a>(
    conn: &Connection,
    value: Option<&'a str>,
    field: &str,
    flag: &str,
) -> Result<&'a str, Failure> {
    value.filter(|v| !v.trim().is_empty()).ok_or_else(|| Failure::Local {
        condition: LocalCondition::MissingSetting,
        detail: format!(
            "connection {} has no {field}, which the {} flow needs; set it with `sfconn edit {} {flag} ...`",
            conn.name, conn.flow, conn.name
        ),
    })
}

/// A secret the flow needs, or a failure saying how to store it.
pub(crate) async fn require_secret(
    store: &SecretStore,
    conn: &Connection,
    kind: SecretKind,
) -> Result<String, Failure> {
    match secret_get(store, &conn.name, kind).await? {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(Failure::Local {
            condition: LocalCondition::MissingSecret,
            detail: format!(
                "no {} is stored for connection {}; run `sfconn edit {} --secret {}` and enter it at the prompt (or set {})",
                kind.label(),
                conn.name,
                conn.name,
                kind.as_str(),
                kind.env_var().unwrap_or_default()
            ),
        }),
    }
}

/// A secret that may be absent (e.g. the client secret of a public web or device app).
pub(crate) async fn optional_secret(
    store: &SecretStore,
    conn: &Connection,
    kind: SecretKind,
) -> Result<Option<String>, Failure> {
    Ok(secret_get(store, &conn.name, kind)
        .await?
        .filter(|v| !v.is_empty()))
}
