//! The Salesforce CLI's store of logins, read only (research/sf-cli-auth-store.md): the auth
//! files `~/.sfdx/<username>.json`, the aliases `~/.sfdx/alias.json`, and the key that decrypts
//! their token fields (the OS keychain through the same tools the CLI uses, or `~/.sfdx/key.json`).
//! Nothing here ever writes those files: the CLI locks and merges them itself.

mod crypto;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub use crypto::decrypt;

/// Why the CLI's logins could not be read. Each names the place it looked.
#[derive(Debug, thiserror::Error)]
pub enum SfCliError {
    #[error("no Salesforce CLI logins in {dir} (log in with `sf org login ...` first)")]
    NoStore { dir: String },
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("cannot read the Salesforce CLI's encryption key; looked in {looked}. {hint}")]
    NoKey { looked: String, hint: String },
}

/// One login of the CLI, decrypted.
#[derive(Clone, PartialEq, Eq)]
pub struct Login {
    pub username: String,
    pub aliases: Vec<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub refresh_token: Option<String>,
    pub private_key: Option<PathBuf>,
    pub instance_url: Option<String>,
    pub login_url: Option<String>,
    pub is_sandbox: bool,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("username", &self.username)
            .field("aliases", &self.aliases)
            .finish_non_exhaustive()
    }
}

/// The CLI's directory: `$HOME/.sfdx` (it has no override of its own).
pub fn store_dir() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".sfdx"))
}

/// Auth file names: `^[^.][^@]*@[^.]+(\.[^.\s]+)+\.json$` (orgAccessor.ts).
fn is_auth_file(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".json") else {
        return false;
    };
    let Some((user, domain)) = stem.split_once('@') else {
        return false;
    };
    !user.is_empty()
        && !user.starts_with('.')
        && !domain.contains('@')
        && domain.split('.').count() >= 2
        && domain
            .split('.')
            .all(|p| !p.is_empty() && !p.contains(char::is_whitespace))
}

fn read_json(path: &Path) -> Result<Value, SfCliError> {
    let bytes = std::fs::read(path).map_err(|e| SfCliError::Read {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| SfCliError::Read {
        path: path.display().to_string(),
        reason: format!("not JSON ({e})"),
    })
}

/// Every login in `dir`, with its aliases, secrets decrypted with the CLI's key.
pub fn read_logins(dir: &Path) -> Result<Vec<Login>, SfCliError> {
    let entries = std::fs::read_dir(dir).map_err(|_| SfCliError::NoStore {
        dir: dir.display().to_string(),
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(is_auth_file)
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(SfCliError::NoStore {
            dir: dir.display().to_string(),
        });
    }
    let mut aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let alias_file = dir.join("alias.json");
    if alias_file.exists()
        && let Some(orgs) = read_json(&alias_file)?
            .get("orgs")
            .and_then(Value::as_object)
    {
        for (alias, user) in orgs {
            if let Some(user) = user.as_str() {
                aliases
                    .entry(user.to_string())
                    .or_default()
                    .push(alias.clone());
            }
        }
    }
    let key = crypto::find_key(dir)?;
    let mut logins = Vec::new();
    for file in files {
        let auth = read_json(&file)?;
        let text = |k: &str| auth.get(k).and_then(Value::as_str).map(str::to_string);
        let secret = |k: &str| -> Result<Option<String>, SfCliError> {
            match text(k).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => decrypt(&key, &v)
                    .map(Some)
                    .map_err(|reason| SfCliError::Read {
                        path: file.display().to_string(),
                        reason: format!(
                            "cannot decrypt `{k}` ({reason}); the CLI's key may have changed"
                        ),
                    }),
            }
        };
        let Some(username) = text("username") else {
            continue;
        };
        logins.push(Login {
            aliases: aliases.remove(&username).unwrap_or_default(),
            client_id: text("clientId"),
            client_secret: secret("clientSecret")?,
            refresh_token: secret("refreshToken")?,
            private_key: text("privateKey").map(PathBuf::from),
            instance_url: text("instanceUrl"),
            login_url: text("loginUrl"),
            is_sandbox: auth
                .get("isSandbox")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            username,
        });
    }
    Ok(logins)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_file_names() {
        assert!(is_auth_file("admin@acme.example.json"));
        assert!(!is_auth_file("alias.json"));
        assert!(!is_auth_file("key.json"));
        assert!(!is_auth_file(".x@acme.com.json"));
        assert!(!is_auth_file("a@b.json"));
    }
}
