//! Preflight checks for `sfconn doctor`: what can be found out before talking OAuth.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::profile::validate::{required_secrets, secret_env_var};
use crate::profile::{Connection, Flow};
use crate::salesforce::{Failure, HintRef, TransportKind};
use crate::secrets::{SecretError, SecretKind, SecretStore};

use super::{hints_for, keys, net};

/// More than this between our clock and Salesforce's `Date` header breaks JWT timing.
pub const MAX_CLOCK_SKEW_SECS: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Pass,
    Warn,
    Fail,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Pass => "pass",
            CheckStatus::Warn => "warn",
            CheckStatus::Fail => "fail",
        }
    }
}

/// One preflight check (`doctor --json` `checks[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub check: String,
    pub status: CheckStatus,
    pub detail: String,
    pub hints: Vec<HintRef>,
    /// How long the check took (for the report; not part of the JSON shape).
    #[serde(skip)]
    pub ms: u64,
}

impl CheckResult {
    pub(crate) fn new(check: &str, status: CheckStatus, detail: impl Into<String>) -> Self {
        CheckResult {
            check: check.to_string(),
            status,
            detail: detail.into(),
            hints: Vec::new(),
            ms: 0,
        }
    }

    pub(crate) fn with_hints(mut self, hints: Vec<HintRef>) -> Self {
        self.hints = hints;
        self
    }

    fn with_ms(mut self, ms: u64) -> Self {
        self.ms = ms;
        self
    }

    fn timed(mut self, started: Instant) -> Self {
        self.ms = started.elapsed().as_millis() as u64;
        self
    }
}

/// What the checks need besides the connection.
pub struct PreflightContext {
    /// The secret store, or why it could not be opened.
    pub secrets: Result<SecretStore, SecretError>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Relative `key_file`/`cert_file` paths are taken from this directory (the profile file's).
    pub base_dir: PathBuf,
}

fn local_hints(condition: &str, flow: Flow) -> Vec<HintRef> {
    hints_for(
        &Failure::Local {
            condition: condition.into(),
            detail: String::new(),
        },
        flow,
    )
}

fn transport_hints(kind: TransportKind, host: &str, flow: Flow) -> Vec<HintRef> {
    hints_for(
        &Failure::Transport {
            transport: kind,
            host: host.into(),
            detail: String::new(),
        },
        flow,
    )
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    tokio::task::spawn_blocking(f).await.ok()
}

/// Run every check that applies to the connection's flow, in a stable order.
pub async fn preflight(conn: &Connection, ctx: &PreflightContext) -> Vec<CheckResult> {
    let mut out = Vec::new();
    let flow = conn.flow;

    // The keychain first: the profile check and the instance host need what it holds.
    let started = Instant::now();
    let mut stored: Vec<SecretKind> = Vec::new();
    let mut instance_url: Option<String> = None;
    let mut stored_key: Option<String> = None;
    match &ctx.secrets {
        Err(err) => out.push(
            CheckResult::new("keychain", CheckStatus::Fail, err.to_string())
                .with_hints(store_error_hints(err, flow))
                .timed(started),
        ),
        Ok(store) => {
            let (store, name) = (store.clone(), conn.name.clone());
            let read = blocking(move || -> Result<_, SecretError> {
                let kinds = store.stored_kinds(&name)?;
                let cache = if kinds.contains(&SecretKind::AccessToken) {
                    store.get(&name, SecretKind::AccessToken)?
                } else {
                    None
                };
                let key = if kinds.contains(&SecretKind::PrivateKey) {
                    store.get(&name, SecretKind::PrivateKey)?
                } else {
                    None
                };
                Ok((kinds, cache, key))
            })
            .await;
            match read {
                Some(Ok((kinds, cache, key))) => {
                    let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
                    let detail = if names.is_empty() {
                        "reachable; no secrets stored for this connection".to_string()
                    } else {
                        format!("reachable; stored: {}", names.join(", "))
                    };
                    out.push(
                        CheckResult::new("keychain", CheckStatus::Pass, detail).timed(started),
                    );
                    stored = kinds;
                    instance_url = cache.as_deref().and_then(cached_instance_url);
                    stored_key = key;
                }
                Some(Err(err)) => out.push(
                    CheckResult::new("keychain", CheckStatus::Fail, err.to_string())
                        .with_hints(store_error_hints(&err, flow))
                        .timed(started),
                ),
                None => out.push(CheckResult::new(
                    "keychain",
                    CheckStatus::Fail,
                    "the keychain call did not finish",
                )),
            }
        }
    }

    out.push(profile_check(conn, &stored, ctx.secrets.is_ok()));

    match net::Target::parse(conn.login_host()) {
        Ok(target) => {
            let reached = host_checks("login", &target, flow, ctx.timeout, &mut out).await;
            if let Some(answer) = reached {
                out.push(salesforce_check(&target, &answer, flow));
                out.push(clock_check(&answer, flow));
            }
        }
        Err(err) => out.push(CheckResult::new("login-host", CheckStatus::Fail, err)),
    }

    if let Some(instance) = instance_url {
        let same = net::Target::parse(conn.login_host()).ok().map(|t| t.host);
        match net::Target::parse(&instance) {
            Ok(target) if Some(&target.host) != same.as_ref() => {
                host_checks("instance", &target, flow, ctx.timeout, &mut out).await;
            }
            Ok(_) => {}
            Err(err) => out.push(CheckResult::new(
                "instance-host",
                CheckStatus::Warn,
                format!(
                    "the cached instance URL is unusable ({err}); a new login or test replaces it"
                ),
            )),
        }
    }

    if flow == Flow::Jwt {
        key_checks(conn, stored_key, &ctx.base_dir, &mut out);
    }
    if flow == Flow::Web {
        out.push(callback_port_check(conn.callback_port()));
    }
    out
}

pub(crate) fn store_error_hints(err: &SecretError, flow: Flow) -> Vec<HintRef> {
    match err {
        SecretError::KeychainUnavailable { .. } | SecretError::Keychain { .. } => {
            local_hints("keychain-unavailable", flow)
        }
        _ => local_hints("secret-store", flow),
    }
}

/// The instance URL from the token cache's JSON (`{"access_token","instance_url",...}`).
fn cached_instance_url(json: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(json).ok()?;
    value
        .get("instance_url")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// What each flow needs before it can work (PRODUCT.md section 2): the profile's own validation,
/// plus the secrets the flow requires (when the store could be read).
fn profile_check(conn: &Connection, stored: &[SecretKind], store_ok: bool) -> CheckResult {
    let mut settings: Vec<String> = conn
        .validate()
        .err()
        .unwrap_or_default()
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect();
    if conn.flow == Flow::Jwt
        && conn.key_file.is_none()
        && (store_ok && !stored.contains(&SecretKind::PrivateKey))
    {
        settings.push(
            "key_file: not set and no private key imported (`sfconn edit NAME --key-file PATH`, or SFCONN_PRIVATE_KEY)"
                .to_string(),
        );
    }
    let secrets: Vec<String> = if store_ok {
        required_secrets(conn.flow)
            .iter()
            .filter(|kind| !stored.contains(kind))
            .map(|kind| {
                format!(
                    "{}: not stored (set {} and run `sfconn edit {}`)",
                    kind.as_str(),
                    secret_env_var(*kind),
                    conn.name
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    if settings.is_empty() && secrets.is_empty() {
        return CheckResult::new(
            "profile",
            CheckStatus::Pass,
            format!("has everything the {} flow needs", conn.flow),
        );
    }
    let mut hints = Vec::new();
    if !settings.is_empty() {
        hints.extend(local_hints("missing-setting", conn.flow));
    }
    if !secrets.is_empty() {
        hints.extend(local_hints("missing-secret", conn.flow));
    }
    let problems: Vec<String> = settings.into_iter().chain(secrets).collect();
    CheckResult::new(
        "profile",
        CheckStatus::Fail,
        format!(
            "the {} flow cannot work yet: {}",
            conn.flow,
            problems.join("; ")
        ),
    )
    .with_hints(hints)
}

/// DNS, TCP and TLS for one host; returns the `/services/data/` answer when the host answered.
async fn host_checks(
    role: &str,
    target: &net::Target,
    flow: Flow,
    timeout: Duration,
    out: &mut Vec<CheckResult>,
) -> Option<net::DataAnswer> {
    let name = |what: &str| format!("{role}-{what}");
    let started = Instant::now();
    let addrs = match net::resolve(target, timeout).await {
        Ok(addrs) => {
            let shown: Vec<String> = addrs.iter().take(3).map(|a| a.ip().to_string()).collect();
            out.push(
                CheckResult::new(
                    &name("dns"),
                    CheckStatus::Pass,
                    format!("{} resolves to {}", target.host, shown.join(", ")),
                )
                .timed(started),
            );
            addrs
        }
        Err((kind, detail)) => {
            out.push(
                CheckResult::new(&name("dns"), CheckStatus::Fail, detail)
                    .with_hints(transport_hints(kind, &target.host, flow))
                    .timed(started),
            );
            return None;
        }
    };

    let started = Instant::now();
    match net::connect(&addrs, timeout).await {
        Ok(addr) => out.push(
            CheckResult::new(
                &name("tcp"),
                CheckStatus::Pass,
                format!("{addr} accepts connections"),
            )
            .timed(started),
        ),
        Err((kind, detail)) => {
            out.push(
                CheckResult::new(&name("tcp"), CheckStatus::Fail, detail)
                    .with_hints(transport_hints(kind, &target.host, flow))
                    .timed(started),
            );
            return None;
        }
    }

    let client = match net::client(timeout) {
        Ok(client) => client,
        Err(detail) => {
            out.push(CheckResult::new(&name("tls"), CheckStatus::Fail, detail));
            return None;
        }
    };
    let started = Instant::now();
    let answer = net::get_data_versions(&client, target).await;
    let tls =
        match (&answer, target.https) {
            (Err((kind, detail)), _) => {
                let check = if *kind == TransportKind::Tls {
                    name("tls")
                } else {
                    name("http")
                };
                CheckResult::new(&check, CheckStatus::Fail, detail.clone())
                    .with_hints(transport_hints(*kind, &target.host, flow))
            }
            (Ok(_), true) => CheckResult::new(
                &name("tls"),
                CheckStatus::Pass,
                format!(
                    "TLS handshake with {} succeeded and its certificate is trusted",
                    target.host
                ),
            ),
            (Ok(_), false) => CheckResult::new(
                &name("tls"),
                CheckStatus::Pass,
                format!(
                    "skipped: {} uses http:// on loopback, which has no TLS",
                    target.host
                ),
            ),
        };
    out.push(tls.timed(started));
    answer.ok()
}

fn salesforce_check(target: &net::Target, answer: &net::DataAnswer, flow: Flow) -> CheckResult {
    match net::latest_version(answer) {
        Some(version) => CheckResult::new(
            "login-salesforce",
            CheckStatus::Pass,
            format!("{} answers like Salesforce (API versions up to v{version})", target.host),
        ),
        None => {
            let kind = answer.content_type.as_deref().unwrap_or("no content type");
            let detail = format!(
                "GET {}/services/data/ answered HTTP {} ({kind}) instead of Salesforce's JSON list of API versions",
                target.base, answer.status
            );
            let failure = Failure::NotSalesforce {
                http_status: Some(answer.status),
                detail: detail.clone(),
            };
            CheckResult::new("login-salesforce", CheckStatus::Fail, detail).with_hints(hints_for(&failure, flow))
        }
    }
    .with_ms(answer.ms)
}

fn clock_check(answer: &net::DataAnswer, flow: Flow) -> CheckResult {
    let Some(skew) = net::clock_skew_secs(answer) else {
        return CheckResult::new(
            "clock",
            CheckStatus::Warn,
            "the server sent no usable Date header, so the clock could not be compared",
        );
    };
    if skew.abs() <= MAX_CLOCK_SKEW_SECS {
        return CheckResult::new(
            "clock",
            CheckStatus::Pass,
            format!("within {} s of the server's clock", skew.abs()),
        );
    }
    let direction = if skew > 0 { "behind" } else { "ahead of" };
    let status = if flow == Flow::Jwt {
        CheckStatus::Fail
    } else {
        CheckStatus::Warn
    };
    CheckResult::new(
        "clock",
        status,
        format!(
            "this machine's clock is {} s {direction} the server's (more than {MAX_CLOCK_SKEW_SECS} s)",
            skew.abs()
        ),
    )
    .with_hints(local_hints("clock-skew", flow))
}

/// The connection's private key: `key_file` (relative to `base_dir`), else the imported one.
/// Returns the key and where it came from, for messages.
pub(crate) fn load_private_key(
    conn: &Connection,
    stored_key: Option<String>,
    base_dir: &std::path::Path,
) -> Result<(jsonwebtoken::EncodingKey, String), String> {
    match (&conn.key_file, stored_key) {
        (Some(path), _) => {
            let path = resolve_path(base_dir, path);
            let origin = format!("key_file {}", path.display());
            keys::read_setting_file("key_file", &path)
                .and_then(|pem| keys::encoding_key(&pem, &origin))
                .map(|k| (k, origin))
        }
        (None, Some(secret)) => keys::pem_from_secret(&secret)
            .and_then(|pem| keys::encoding_key(&pem, "the imported private key"))
            .map(|k| (k, "the imported private key".to_string())),
        (None, None) => Err(
            "no private key: set key_file (`sfconn edit NAME --key-file PATH`) or import one from SFCONN_PRIVATE_KEY"
                .to_string(),
        ),
    }
}

fn resolve_path(base_dir: &std::path::Path, p: &std::path::Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base_dir.join(p)
    }
}

fn key_checks(
    conn: &Connection,
    stored_key: Option<String>,
    base_dir: &std::path::Path,
    out: &mut Vec<CheckResult>,
) {
    let started = Instant::now();
    let loaded = load_private_key(conn, stored_key, base_dir);
    let key = match loaded {
        Ok((key, origin)) => {
            out.push(
                CheckResult::new(
                    "private-key",
                    CheckStatus::Pass,
                    format!("{origin} is a usable RSA private key"),
                )
                .timed(started),
            );
            key
        }
        Err(detail) => {
            out.push(
                CheckResult::new("private-key", CheckStatus::Fail, detail)
                    .with_hints(local_hints("private-key-invalid", Flow::Jwt))
                    .timed(started),
            );
            return;
        }
    };

    let started = Instant::now();
    let Some(cert) = &conn.cert_file else {
        out.push(CheckResult::new(
            "key-cert",
            CheckStatus::Warn,
            "no cert_file set, so the key cannot be checked against the certificate uploaded to Salesforce (`sfconn edit NAME --cert-file PATH`)",
        ));
        return;
    };
    let path = resolve_path(base_dir, cert);
    let origin = format!("cert_file {}", path.display());
    let result = keys::read_setting_file("cert_file", &path)
        .and_then(|pem| keys::key_matches_cert(&key, &pem, &origin));
    let check = match result {
        Ok(true) => CheckResult::new(
            "key-cert",
            CheckStatus::Pass,
            format!("the private key matches {origin}"),
        ),
        Ok(false) => CheckResult::new(
            "key-cert",
            CheckStatus::Fail,
            format!("a JWT signed with the private key does not verify with {origin}"),
        )
        .with_hints(local_hints("key-cert-mismatch", Flow::Jwt)),
        Err(detail) => CheckResult::new("key-cert", CheckStatus::Fail, detail),
    };
    out.push(check.timed(started));
}

fn callback_port_check(port: u16) -> CheckResult {
    match std::net::TcpListener::bind(("127.0.0.1", port)) {
        Ok(_listener) => CheckResult::new(
            "callback-port",
            CheckStatus::Pass,
            format!("port {port} on 127.0.0.1 is free for the login callback"),
        ),
        Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => CheckResult::new(
            "callback-port",
            CheckStatus::Fail,
            format!("port {port} on 127.0.0.1 is already in use by another program"),
        )
        .with_hints(local_hints("callback-port-busy", Flow::Web)),
        Err(err) => CheckResult::new(
            "callback-port",
            CheckStatus::Fail,
            format!("cannot listen on 127.0.0.1:{port}: {err}"),
        ),
    }
}

#[cfg(test)]
#[path = "preflight_tests.rs"]
mod tests;
