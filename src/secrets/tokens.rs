//! The refresh token and the cached access token as one unit: read together, and written only if
//! nobody rotated the refresh token since they were read (PRODUCT.md section 2, token cache;
//! research/salesforce-oauth.md §2.4 rotation).
//!
//! With rotation on, two machines refreshing one connection race: Salesforce honours the old
//! refresh token once. The winner writes the new tokens with check-and-set; the loser, told
//! `invalid_grant`, reads again and uses what the winner wrote (salesforce/token.rs).
//! On Vault the check is KV v2 check-and-set on the entry's version; on the file store it is
//! made under the file's lock; the OS keychain has no transaction, so there it is a compare just
//! before the write (the loser's re-read still saves it).

use super::vault::Cas;
use super::{Backend, SecretError, SecretKind, SecretStore};

/// The tokens of a connection, read together.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TokenRead {
    pub refresh_token: Option<String>,
    /// The JSON of the token cache (`token.rs` `CacheEntry`).
    pub access_token: Option<String>,
    /// The Vault entry's version (0: none); `None` on stores without versions.
    pub version: Option<u64>,
}

impl std::fmt::Debug for TokenRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRead")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "access_token",
                &self.access_token.as_ref().map(|_| "<redacted>"),
            )
            .field("version", &self.version)
            .finish()
    }
}

/// What [`SecretStore::write_tokens`] did.
#[derive(Debug)]
pub enum TokenWrite {
    Written,
    /// Another process replaced the refresh token since the read: nothing was written, and
    /// this is what the store holds now.
    Superseded(TokenRead),
}

const REFRESH: &str = "refresh_token";
const ACCESS: &str = "access_token";

impl SecretStore {
    /// The refresh token and the token cache, in one read where the store allows it.
    pub fn read_tokens(&self, connection: &str) -> Result<TokenRead, SecretError> {
        match &self.backend {
            Backend::Vault(v) => {
                let mut entry = v.read(connection)?;
                Ok(TokenRead {
                    refresh_token: entry.fields.remove(REFRESH),
                    access_token: entry.fields.remove(ACCESS),
                    version: Some(entry.version),
                })
            }
            _ => Ok(TokenRead {
                refresh_token: self.get(connection, SecretKind::RefreshToken)?,
                access_token: self.get(connection, SecretKind::AccessToken)?,
                version: None,
            }),
        }
    }

    /// Store a new token cache (and a new refresh token, when Salesforce rotated it). With
    /// `expected`, only if the stored refresh token is still the one read then; without, always
    /// (an interactive login is the newest word).
    pub fn write_tokens(
        &self,
        connection: &str,
        expected: Option<&TokenRead>,
        refresh_token: Option<&str>,
        access_token: &str,
    ) -> Result<TokenWrite, SecretError> {
        let expected_refresh = expected.map(|e| e.refresh_token.clone());
        let apply = move |stored_refresh: Option<&String>| -> bool {
            match &expected_refresh {
                Some(want) => stored_refresh == want.as_ref(),
                None => true,
            }
        };
        match &self.backend {
            Backend::Vault(v) => {
                for _ in 0..32 {
                    let mut entry = v.read(connection)?;
                    if !apply(entry.fields.get(REFRESH)) {
                        return Ok(TokenWrite::Superseded(TokenRead {
                            refresh_token: entry.fields.remove(REFRESH),
                            access_token: entry.fields.remove(ACCESS),
                            version: Some(entry.version),
                        }));
                    }
                    if let Some(r) = refresh_token {
                        entry.fields.insert(REFRESH.into(), r.to_string());
                    }
                    entry.fields.insert(ACCESS.into(), access_token.to_string());
                    match v.write(connection, entry.version, &entry.fields)? {
                        Cas::Written => return Ok(TokenWrite::Written),
                        // Another writer got in between: read its version and decide again.
                        Cas::Conflict => continue,
                    }
                }
                Err(SecretError::Vault {
                    addr: v.addr().to_string(),
                    reason: format!(
                        "the entry of {connection} kept changing under check-and-set writes; try again"
                    ),
                })
            }
            Backend::File { path } => {
                let (connection, refresh_token, access_token) = (
                    connection.to_string(),
                    refresh_token.map(str::to_string),
                    access_token.to_string(),
                );
                super::file_store::update_file(path, move |all| {
                    let current = all.get(&connection);
                    let stored_refresh = current.and_then(|m| m.get(REFRESH));
                    if !apply(stored_refresh) {
                        return TokenWrite::Superseded(TokenRead {
                            refresh_token: stored_refresh.cloned(),
                            access_token: current.and_then(|m| m.get(ACCESS)).cloned(),
                            version: None,
                        });
                    }
                    let m = all.entry(connection).or_default();
                    if let Some(r) = refresh_token {
                        m.insert(REFRESH.into(), r);
                    }
                    m.insert(ACCESS.into(), access_token);
                    TokenWrite::Written
                })
            }
            Backend::Keychain { .. } => {
                if expected.is_some() {
                    let now = self.read_tokens(connection)?;
                    if !apply(now.refresh_token.as_ref()) {
                        return Ok(TokenWrite::Superseded(now));
                    }
                }
                if let Some(r) = refresh_token {
                    self.set(connection, SecretKind::RefreshToken, r)?;
                }
                self.set(connection, SecretKind::AccessToken, access_token)?;
                Ok(TokenWrite::Written)
            }
        }
    }
}
