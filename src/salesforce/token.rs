//! Token endpoint answers, the token cache in the secret store, and the secret-store calls the
//! flows need (run off the async threads: keychain calls block on D-Bus).

use serde::{Deserialize, Serialize};

use super::hosts;
use super::http::Answer;
use super::report::{Failure, LocalCondition};
use crate::profile::Connection;
use std::time::Duration;

use crate::secrets::{SecretError, SecretKind, SecretStore, TokenRead, TokenWrite};

/// A successful answer of `/services/oauth2/token` (research §2.1). No `expires_in`: a token
/// lives until Salesforce rejects it.
#[derive(Clone, Deserialize)]
pub(crate) struct TokenResponse {
    pub access_token: String,
    pub instance_url: String,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub issued_at: Option<String>,
    #[serde(default)]
    pub refresh_token: Option<String>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("instance_url", &self.instance_url)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Read a token endpoint answer: the tokens, Salesforce's OAuth error, or "not Salesforce".
pub(crate) fn token_answer(answer: &Answer) -> Result<TokenResponse, Failure> {
    if answer.is_redirect() {
        return Err(answer.not_salesforce("the token endpoint"));
    }
    if let Some(err) = answer.oauth_error() {
        return Err(err);
    }
    if !answer.is_success() {
        return Err(answer.not_salesforce("the token endpoint"));
    }
    let token: TokenResponse = answer.parse("the token endpoint")?;
    if token.access_token.is_empty() || token.instance_url.is_empty() {
        return Err(answer.not_salesforce("the token endpoint"));
    }
    Ok(token)
}

/// A usable access token and the org's instance URL.
#[derive(Clone, PartialEq, Eq)]
pub struct CachedToken {
    pub access_token: String,
    pub instance_url: String,
}

impl std::fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedToken")
            .field("access_token", &"<redacted>")
            .field("instance_url", &self.instance_url)
            .finish()
    }
}

/// The JSON kept in the `access_token` secret entry.
#[derive(Serialize, Deserialize)]
struct CacheEntry {
    access_token: String,
    instance_url: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    issued_at: Option<String>,
}

/// The failure for a secret store that cannot be used.
pub(crate) fn store_failure(err: SecretError) -> Failure {
    let condition = err.condition();
    Failure::Local {
        condition,
        detail: err.to_string(),
    }
}

fn join_failure(err: tokio::task::JoinError) -> Failure {
    Failure::Local {
        condition: LocalCondition::SecretStore,
        detail: format!("the secret store call did not finish: {err}"),
    }
}

pub(crate) async fn secret_get(
    store: &SecretStore,
    connection: &str,
    kind: SecretKind,
) -> Result<Option<String>, Failure> {
    let (store, connection) = (store.clone(), connection.to_string());
    tokio::task::spawn_blocking(move || store.get(&connection, kind))
        .await
        .map_err(join_failure)?
        .map_err(store_failure)
}

pub(crate) async fn secret_delete(
    store: &SecretStore,
    connection: &str,
    kind: SecretKind,
) -> Result<(), Failure> {
    let (store, connection) = (store.clone(), connection.to_string());
    tokio::task::spawn_blocking(move || store.delete(&connection, kind))
        .await
        .map_err(join_failure)?
        .map_err(store_failure)
}

/// The cached access token, if any, as stored. A cache entry sfconn cannot read is treated as
/// absent (it is only a cache; the next grant overwrites it). Only for sending the token back to
/// the login host (revoke); to use a token, take [`cached_for`].
pub(crate) async fn cached(
    store: &SecretStore,
    connection: &str,
) -> Result<Option<CachedToken>, Failure> {
    Ok(cached_entry(store, connection).await?.map(|e| CachedToken {
        access_token: e.access_token,
        instance_url: e.instance_url,
    }))
}

async fn cached_entry(
    store: &SecretStore,
    connection: &str,
) -> Result<Option<CacheEntry>, Failure> {
    let Some(raw) = secret_get(store, connection, SecretKind::AccessToken).await? else {
        return Ok(None);
    };
    Ok(serde_json::from_str::<CacheEntry>(&raw)
        .ok()
        .filter(|e| !e.access_token.is_empty() && !e.instance_url.is_empty()))
}

/// The cached access token the connection may use: like [`cached`], and a cache entry whose
/// instance URL or `id` names a host a new grant would be refused for (written before that
/// check, or tampered with) is deleted and treated as absent, so its token is sent nowhere.
pub(crate) async fn cached_for(
    store: &SecretStore,
    conn: &Connection,
) -> Result<Option<CachedToken>, Failure> {
    let Some(entry) = cached_entry(store, &conn.name).await? else {
        return Ok(None);
    };
    let trusted = hosts::check_token_url(conn, &entry.instance_url, "instance_url").and_then(
        |()| match entry.id.as_deref().filter(|id| !id.is_empty()) {
            Some(id) => hosts::check_token_url(conn, id, "id"),
            None => Ok(()),
        },
    );
    if let Err(refused) = trusted {
        tracing::warn!(connection = %conn.name, error = ?refused, "cached token dropped");
        secret_delete(store, &conn.name, SecretKind::AccessToken).await?;
        return Ok(None);
    }
    Ok(Some(CachedToken {
        access_token: entry.access_token,
        instance_url: entry.instance_url,
    }))
}

/// A token other than `used` that another process stored: `used` was granted a moment ago and
/// already rejected, which happens when another process renewed the connection meanwhile (with
/// rotation, its refresh revokes the access tokens of ours). It may not have stored its token
/// yet, so wait for it as long as for the winner of a refresh race.
pub(crate) async fn newer_cached(
    store: &SecretStore,
    conn: &Connection,
    used: &CachedToken,
) -> Result<Option<CachedToken>, Failure> {
    let deadline = tokio::time::Instant::now() + RACE_WAIT;
    loop {
        if let Some(newer) = cached_for(store, conn).await?.filter(|t| t != used) {
            return Ok(Some(newer));
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(None);
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}

/// Keep a new grant, whatever the store holds: the access token in the cache, and a new
/// refresh token (first login, or a grant that involves none) in place of the old one.
pub(crate) async fn store_grant(
    store: &SecretStore,
    connection: &str,
    token: &TokenResponse,
) -> Result<CachedToken, Failure> {
    write_grant(store, connection, None, token).await?;
    Ok(CachedToken {
        access_token: token.access_token.clone(),
        instance_url: token.instance_url.clone(),
    })
}

/// Write a grant's tokens; with `expected`, only if the stored refresh token is still the one
/// read before the grant (check-and-set on Vault, research §2.4 rotation).
async fn write_grant(
    store: &SecretStore,
    connection: &str,
    expected: Option<TokenRead>,
    token: &TokenResponse,
) -> Result<TokenWrite, Failure> {
    let entry = CacheEntry {
        access_token: token.access_token.clone(),
        instance_url: token.instance_url.clone(),
        id: token.id.clone(),
        issued_at: token.issued_at.clone(),
    };
    let json = serde_json::to_string(&entry).map_err(|e| Failure::Local {
        condition: LocalCondition::SecretStore,
        detail: format!("cannot encode the token cache: {e}"),
    })?;
    let refresh = token.refresh_token.clone().filter(|r| !r.is_empty());
    let (store, connection) = (store.clone(), connection.to_string());
    tokio::task::spawn_blocking(move || {
        store.write_tokens(&connection, expected.as_ref(), refresh.as_deref(), &json)
    })
    .await
    .map_err(join_failure)?
    .map_err(store_failure)
}

async fn read_tokens(store: &SecretStore, connection: &str) -> Result<TokenRead, Failure> {
    let (store, connection) = (store.clone(), connection.to_string());
    tokio::task::spawn_blocking(move || store.read_tokens(&connection))
        .await
        .map_err(join_failure)?
        .map_err(store_failure)
}

/// How long a process told `invalid_grant` waits for the process that won the refresh race to
/// store the rotated tokens. The winner writes right after Salesforce answers it, so this only
/// delays the report of a refresh token that really is dead.
const RACE_WAIT: Duration = Duration::from_secs(3);

/// A new access token from the stored refresh token (web, device), safe against other processes
/// or machines refreshing the same connection at the same moment. With rotation on, Salesforce
/// honours the old refresh token once: the winner stores the new tokens with check-and-set; a
/// loser (`invalid_grant`) reads the store again and uses the winner's tokens instead of failing.
pub(crate) async fn refresh_and_store(
    store: &SecretStore,
    conn: &Connection,
    timeout: Duration,
) -> Result<CachedToken, Failure> {
    let read = read_tokens(store, &conn.name).await?;
    let Some(refresh_token) = read.refresh_token.clone().filter(|t| !t.is_empty()) else {
        return Err(Failure::NeedsLogin {
            detail: format!(
                "connection {} has no refresh token yet; run `sfconn login {}` to sign in",
                conn.name, conn.name
            ),
        });
    };
    let failure = match super::refresh::grant(store, conn, &refresh_token, timeout).await {
        Ok(token) => {
            // Superseded: someone stored other tokens meanwhile (a login elsewhere). Ours are
            // valid too; theirs stay in the store.
            write_grant(store, &conn.name, Some(read), &token).await?;
            return Ok(CachedToken {
                access_token: token.access_token,
                instance_url: token.instance_url,
            });
        }
        Err(f) if is_invalid_grant(&f) => f,
        Err(f) => return Err(f),
    };
    let deadline = tokio::time::Instant::now() + RACE_WAIT.min(timeout.max(RACE_WAIT / 3));
    loop {
        let now = read_tokens(store, &conn.name).await?;
        if now.refresh_token.is_some() && now.refresh_token != read.refresh_token {
            tracing::info!(connection = %conn.name, "refresh token rotated by another process; using its tokens");
            if now.access_token != read.access_token
                && let Some(cached) = now.access_token.as_deref().and_then(|j| trusted(conn, j))
            {
                return Ok(cached);
            }
            // A newer refresh token without a token cache: use it once.
            let newer = now.refresh_token.clone().unwrap_or_default();
            let token = super::refresh::grant(store, conn, &newer, timeout).await?;
            write_grant(store, &conn.name, Some(now), &token).await?;
            return Ok(CachedToken {
                access_token: token.access_token,
                instance_url: token.instance_url,
            });
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(failure);
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}

fn is_invalid_grant(f: &Failure) -> bool {
    matches!(f, Failure::OAuth { error, .. } if error == "invalid_grant")
}

/// A token cache entry the connection may use (see [`cached_for`]), without deleting anything.
fn trusted(conn: &Connection, json: &str) -> Option<CachedToken> {
    let entry = serde_json::from_str::<CacheEntry>(json)
        .ok()
        .filter(|e| !e.access_token.is_empty() && !e.instance_url.is_empty())?;
    hosts::check_token_url(conn, &entry.instance_url, "instance_url").ok()?;
    if let Some(id) = entry.id.as_deref().filter(|id| !id.is_empty()) {
        hosts::check_token_url(conn, id, "id").ok()?;
    }
    Some(CachedToken {
        access_token: entry.access_token,
        instance_url: entry.instance_url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, ct: &str, body: &str) -> Answer {
        Answer {
            status,
            content_type: Some(ct.into()),
            location: None,
            body: body.as_bytes().to_vec(),
            host: "h.test".into(),
            redactor: Default::default(),
        }
    }

    #[test]
    fn token_answers() {
        let ok = answer(
            200,
            "application/json",
            r#"{"access_token":"00D!x","instance_url":"https://i.test","id":"https://l/id/00D/005","token_type":"Bearer","issued_at":"1"}"#,
        );
        let t = token_answer(&ok).unwrap();
        assert_eq!(t.instance_url, "https://i.test");
        assert!(t.refresh_token.is_none());
        assert!(!format!("{t:?}").contains("00D!x"));

        let html = answer(200, "text/html", "<html>login</html>");
        assert!(matches!(
            token_answer(&html),
            Err(Failure::NotSalesforce { .. })
        ));
        let truncated = answer(200, "application/json", r#"{"access_token":"x","inst"#);
        assert!(matches!(
            token_answer(&truncated),
            Err(Failure::NotSalesforce { .. })
        ));
        let err = answer(
            400,
            "application/json",
            r#"{"error":"invalid_client_id","error_description":"client identifier invalid"}"#,
        );
        assert_eq!(
            token_answer(&err).unwrap_err().parts(),
            (
                Some(400),
                Some("invalid_client_id".into()),
                Some("client identifier invalid".into())
            )
        );
    }
}
