//! HashiCorp Vault / OpenBao KV v2 (`SFCONN_SECRET_STORE=vault`, PRODUCT.md section 3): one KV
//! entry per connection, `<mount>/data/<prefix>/<connection>`, one field per secret kind.
//!
//! Every write is a check-and-set on the entry's version (KV v2 `options.cas`): a change made by
//! another machine between our read and our write is never overwritten, the write is redone on
//! the newer version instead. That is what lets two machines rotate one refresh token safely.
//!
//! Configured like the `vault`/`bao` CLIs: `VAULT_ADDR`, `VAULT_TOKEN`, `VAULT_NAMESPACE`,
//! `VAULT_CACERT`; the mount and path prefix come from the `[secret_store]` table of the profile
//! file. The calls are blocking for the caller (like the keychain's): the HTTP requests run on a
//! small runtime of this module's own, so they work from any thread, inside tokio or not.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde::Deserialize;

use super::SecretError;
use crate::profile::file::SecretStoreSettings;

/// How long one Vault request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How many times a write is redone after losing a check-and-set to another writer.
const CAS_ATTEMPTS: usize = 32;

/// The fields of one connection's entry: secret kind → value.
pub(super) type Fields = BTreeMap<String, String>;

/// One read of a connection's entry. `version` 0 means there is none (a write with `cas = 0`
/// creates it only if it still does not exist).
#[derive(Default)]
pub(super) struct Entry {
    pub version: u64,
    pub fields: Fields,
}

/// The answer to a check-and-set write.
pub(super) enum Cas {
    Written,
    Conflict,
}

#[derive(Clone)]
pub(super) struct Vault {
    inner: Arc<Inner>,
}

struct Inner {
    /// `VAULT_ADDR` without a trailing slash.
    addr: String,
    token: String,
    namespace: Option<String>,
    mount: String,
    prefix: String,
    client: reqwest::Client,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "vault {} {}", self.inner.addr, self.location())
    }
}

fn config(reason: impl Into<String>) -> SecretError {
    SecretError::VaultConfig {
        reason: reason.into(),
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A mount or prefix: path segments of letters, digits, `.`, `_` and `-`, no `.`/`..` segment.
pub fn check_path(value: &str, what: &str) -> Result<(), String> {
    let ok = !value.is_empty()
        && value.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what} = {value:?} is not a Vault path; use segments of letters, digits, '.', '_' and '-' separated by '/' (e.g. \"secret\", \"teams/integration/sfconn\")"
        ))
    }
}

impl Vault {
    /// The store the environment and the `[secret_store]` table describe, or what is missing.
    pub fn from_env(settings: &SecretStoreSettings) -> Result<Vault, SecretError> {
        let addr = env("VAULT_ADDR").ok_or_else(|| {
            config("VAULT_ADDR is not set; set it to your Vault or OpenBao server, e.g. https://vault.example.com:8200")
        })?;
        let url = url::Url::parse(addr.trim())
            .map_err(|e| config(format!("VAULT_ADDR={addr} is not a URL: {e}")))?;
        let host = url.host_str().unwrap_or_default().to_string();
        match url.scheme() {
            "https" => {}
            "http" if crate::profile::validate::is_loopback_host(&host) => {}
            "http" => {
                return Err(config(format!(
                    "VAULT_ADDR={addr} is plain http to a host off this machine; use https:// (tokens and secrets would cross the network in clear)"
                )));
            }
            other => {
                return Err(config(format!(
                    "VAULT_ADDR={addr}: `{other}` is not http or https"
                )));
            }
        }
        if !url.path().trim_matches('/').is_empty() || url.query().is_some() {
            return Err(config(format!(
                "VAULT_ADDR={addr} has a path; give only the scheme, host and port (sfconn adds /v1/...)"
            )));
        }
        let token = match env("VAULT_TOKEN") {
            Some(t) => t.trim().to_string(),
            None => token_helper_file().ok_or_else(|| {
                config("VAULT_TOKEN is not set (and no ~/.vault-token); log in with `vault login` / `bao login`, or set VAULT_TOKEN")
            })?,
        };
        let mount = settings.mount().to_string();
        let prefix = settings.prefix().to_string();
        check_path(&mount, "[secret_store] mount").map_err(config)?;
        check_path(&prefix, "[secret_store] prefix").map_err(config)?;
        let mut builder = crate::salesforce::client_builder().timeout(REQUEST_TIMEOUT);
        if let Some(ca) = env("VAULT_CACERT") {
            let pem = std::fs::read(&ca)
                .map_err(|e| config(format!("VAULT_CACERT={ca} cannot be read: {e}")))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| config(format!("VAULT_CACERT={ca} holds no PEM certificate: {e}")))?;
            builder = builder.tls_certs_merge(certs);
        }
        let client = builder
            .build()
            .map_err(|e| config(format!("cannot set up the HTTP client for Vault: {e}")))?;
        Ok(Vault {
            inner: Arc::new(Inner {
                addr: format!(
                    "{}://{}",
                    url.scheme(),
                    url.host_str()
                        .map(|h| match url.port() {
                            Some(p) => format!("{h}:{p}"),
                            None => h.to_string(),
                        })
                        .unwrap_or_default()
                ),
                token,
                namespace: env("VAULT_NAMESPACE"),
                mount,
                prefix,
                client,
            }),
        })
    }

    /// `mount/prefix`, for messages.
    pub fn location(&self) -> String {
        format!("{}/{}", self.inner.mount, self.inner.prefix)
    }

    pub fn addr(&self) -> &str {
        &self.inner.addr
    }

    fn url(&self, api: &str, connection: &str) -> String {
        format!(
            "{}/v1/{}/{api}/{}/{connection}",
            self.inner.addr, self.inner.mount, self.inner.prefix
        )
    }

    fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        let mut req = self
            .inner
            .client
            .request(method, url)
            .header("X-Vault-Token", &self.inner.token)
            .header("X-Vault-Request", "true");
        if let Some(ns) = &self.inner.namespace {
            req = req.header("X-Vault-Namespace", ns);
        }
        req
    }

    /// The connection's entry (version 0 and no fields when there is none).
    pub fn read(&self, connection: &str) -> Result<Entry, SecretError> {
        let req = self.request(reqwest::Method::GET, &self.url("data", connection));
        let answer = self.send(req)?;
        match answer.status {
            200 => {
                let body: ReadBody = serde_json::from_slice(&answer.body).map_err(|e| {
                    self.other(format!("unexpected answer to a read of {connection}: {e}"))
                })?;
                let data = body.data.unwrap_or_default();
                Ok(Entry {
                    version: data.metadata.and_then(|m| m.version).unwrap_or(0),
                    fields: data.data.unwrap_or_default(),
                })
            }
            // A missing entry (or one whose latest version was deleted: its metadata says which
            // version a write has to name).
            404 if !answer.no_route() => {
                let version = serde_json::from_slice::<ReadBody>(&answer.body)
                    .ok()
                    .and_then(|b| b.data)
                    .and_then(|d| d.metadata)
                    .and_then(|m| m.version)
                    .unwrap_or(0);
                Ok(Entry {
                    version,
                    fields: Fields::new(),
                })
            }
            _ => Err(self.classify(&answer, connection)),
        }
    }

    /// Write the whole entry if its version is still `cas`.
    pub fn write(&self, connection: &str, cas: u64, fields: &Fields) -> Result<Cas, SecretError> {
        let body = serde_json::json!({ "options": { "cas": cas }, "data": fields });
        let req = self
            .request(reqwest::Method::POST, &self.url("data", connection))
            .json(&body);
        let answer = self.send(req)?;
        match answer.status {
            200 | 204 => Ok(Cas::Written),
            400 if answer.errors().contains("check-and-set") => Ok(Cas::Conflict),
            _ => Err(self.classify(&answer, connection)),
        }
    }

    /// Delete the entry with every version of it (old versions hold old secrets too).
    pub fn destroy(&self, connection: &str) -> Result<(), SecretError> {
        let req = self.request(reqwest::Method::DELETE, &self.url("metadata", connection));
        let answer = self.send(req)?;
        match answer.status {
            200 | 204 => Ok(()),
            404 if !answer.no_route() => Ok(()),
            _ => Err(self.classify(&answer, connection)),
        }
    }

    /// Read, change, write with check-and-set, and redo on a conflict. An entry left with no
    /// field is destroyed; a change that changes nothing writes nothing.
    pub fn update<T>(
        &self,
        connection: &str,
        mut change: impl FnMut(&mut Fields) -> T,
    ) -> Result<T, SecretError> {
        for _ in 0..CAS_ATTEMPTS {
            let entry = self.read(connection)?;
            let mut fields = entry.fields.clone();
            let out = change(&mut fields);
            if fields == entry.fields {
                return Ok(out);
            }
            if fields.is_empty() {
                self.destroy(connection)?;
                return Ok(out);
            }
            match self.write(connection, entry.version, &fields)? {
                Cas::Written => return Ok(out),
                Cas::Conflict => continue,
            }
        }
        Err(self.other(format!(
            "the entry of {connection} kept changing under {CAS_ATTEMPTS} check-and-set writes; try again"
        )))
    }

    fn other(&self, reason: String) -> SecretError {
        SecretError::Vault {
            addr: self.inner.addr.clone(),
            reason,
        }
    }

    fn classify(&self, answer: &Answer, connection: &str) -> SecretError {
        let errors = answer.errors();
        let addr = self.inner.addr.clone();
        match answer.status {
            503 if errors.to_ascii_lowercase().contains("sealed") => {
                SecretError::VaultSealed { addr }
            }
            403 => SecretError::VaultPermissionDenied {
                addr,
                path: format!(
                    "{}/data/{}/{connection}",
                    self.inner.mount, self.inner.prefix
                ),
                reason: if errors.is_empty() {
                    "permission denied".into()
                } else {
                    errors
                },
            },
            404 if answer.no_route() => SecretError::VaultMountMissing {
                addr,
                mount: self.inner.mount.clone(),
            },
            status => SecretError::Vault {
                addr,
                reason: if errors.is_empty() {
                    format!("HTTP {status}")
                } else {
                    format!("HTTP {status}: {errors}")
                },
            },
        }
    }

    fn send(&self, req: reqwest::RequestBuilder) -> Result<Answer, SecretError> {
        let addr = self.inner.addr.clone();
        let unreachable = move |reason: String| SecretError::VaultUnreachable {
            addr: addr.clone(),
            reason,
        };
        let work = async move {
            let resp = req
                .send()
                .await
                .map_err(|e| crate::salesforce::error_chain(&e))?;
            let status = resp.status().as_u16();
            // Vault's answers are small; cap what is read from a server that is not Vault.
            let mut body = Vec::new();
            let mut resp = resp;
            while let Some(chunk) = resp
                .chunk()
                .await
                .map_err(|e| crate::salesforce::error_chain(&e))?
            {
                if body.len() + chunk.len() > 4 << 20 {
                    return Err(
                        "the answer is larger than 4 MiB: is VAULT_ADDR a Vault server?"
                            .to_string(),
                    );
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Answer { status, body })
        };
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        runtime().map_err(&unreachable)?.spawn(async move {
            let _ = tx.send(work.await);
        });
        match rx.recv_timeout(REQUEST_TIMEOUT + Duration::from_secs(2)) {
            Ok(result) => result.map_err(unreachable),
            Err(_) => Err(unreachable(format!(
                "no answer within {} s",
                REQUEST_TIMEOUT.as_secs()
            ))),
        }
    }
}

/// The token the `vault`/`bao` CLIs keep after `login` (their default token helper).
fn token_helper_file() -> Option<String> {
    let home = std::env::var_os("HOME")?;
    let home = std::path::Path::new(&home);
    [".vault-token", ".bao-token"]
        .iter()
        .find_map(|f| std::fs::read_to_string(home.join(f)).ok())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// The runtime the Vault requests run on: two workers, started once, never dropped (so callers
/// inside another tokio runtime can block on it without nesting runtimes).
fn runtime() -> Result<&'static tokio::runtime::Runtime, String> {
    static RT: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("sfconn-vault")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the Vault client: {e}"))
    })
    .as_ref()
    .map_err(Clone::clone)
}

struct Answer {
    status: u16,
    body: Vec<u8>,
}

impl Answer {
    /// Vault's `{"errors": [...]}`, joined.
    fn errors(&self) -> String {
        #[derive(Deserialize)]
        struct Errors {
            #[serde(default)]
            errors: Vec<String>,
        }
        serde_json::from_slice::<Errors>(&self.body)
            .map(|e| e.errors.join("; "))
            .unwrap_or_default()
    }

    /// A 404 that means the path has no engine behind it (the mount does not exist).
    fn no_route(&self) -> bool {
        self.errors().contains("no handler for route")
    }
}

#[derive(Deserialize, Default)]
struct ReadBody {
    #[serde(default)]
    data: Option<ReadData>,
}

#[derive(Deserialize, Default)]
struct ReadData {
    #[serde(default)]
    data: Option<Fields>,
    #[serde(default)]
    metadata: Option<ReadMetadata>,
}

#[derive(Deserialize, Default)]
struct ReadMetadata {
    #[serde(default)]
    version: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_and_prefix_are_plain_paths() {
        assert!(check_path("secret", "m").is_ok());
        assert!(check_path("teams/integration/sfconn", "p").is_ok());
        for bad in ["", "/secret", "a//b", "a/../b", "a b", "a?b", "."] {
            assert!(check_path(bad, "m").is_err(), "{bad}");
        }
    }
}
