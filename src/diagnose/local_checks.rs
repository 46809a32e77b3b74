//! The checks that need no network: the secret store, the profile, the JWT key and certificate,
//! and the local callback port.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::profile::validate::required_secrets;
use crate::profile::{Connection, Flow};
use crate::salesforce::{HintRef, LocalCondition};
use crate::secrets::{SecretError, SecretKind};

use super::keys;
use super::preflight::{CheckResult, CheckStatus, local_hints};

pub(crate) fn store_error_hints(err: &SecretError, flow: Flow) -> Vec<HintRef> {
    local_hints(err.condition(), flow)
}

/// The instance URL from the token cache's JSON (`{"access_token","instance_url",...}`).
pub(crate) fn cached_instance_url(json: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(json).ok()?;
    value
        .get("instance_url")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// What each flow needs before it can work (PRODUCT.md section 2): the profile's own validation,
/// plus the secrets the flow requires (when the store could be read).
pub(crate) fn profile_check(
    conn: &Connection,
    stored: &[SecretKind],
    store_ok: bool,
) -> CheckResult {
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
        settings.push(format!(
            "key_file: not set and no private key imported (`sfconn edit {} --key-file PATH`, or SFCONN_PRIVATE_KEY)",
            conn.name
        ));
    }
    let secrets: Vec<String> = if store_ok {
        required_secrets(conn.flow)
            .iter()
            .filter(|kind| !stored.contains(kind))
            .map(|kind| {
                format!(
                    "{}: not stored (run `sfconn edit {} --secret {}`, or set {})",
                    kind.as_str(),
                    conn.name,
                    kind.as_str(),
                    kind.env_var().unwrap_or_default()
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
        hints.extend(local_hints(LocalCondition::MissingSetting, conn.flow));
    }
    if !secrets.is_empty() {
        hints.extend(local_hints(LocalCondition::MissingSecret, conn.flow));
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

/// The connection's private key: `key_file` (relative to `base_dir`), else the imported one,
/// through the engine's one loader. Returns the key, its PEM and where it came from.
pub(crate) fn load_private_key(
    conn: &Connection,
    stored_key: Option<String>,
    base_dir: &Path,
) -> Result<(jsonwebtoken::EncodingKey, Vec<u8>, String), String> {
    let path = conn.key_file.as_deref().map(|p| resolve_path(base_dir, p));
    let loaded = crate::profile::keys::connection_key(path.as_deref(), stored_key.as_deref());
    match loaded {
        Ok(Some((pem, source))) => crate::profile::keys::encoding_key(&pem)
            .map(|key| (key, pem, source.to_string()))
            .map_err(|e| format!("{source}: {e}")),
        Ok(None) => Err(format!(
            "no private key: set key_file (`sfconn edit {} --key-file PATH`) or import one from SFCONN_PRIVATE_KEY",
            conn.name
        )),
        Err((source, e)) => Err(format!("{source}: {e}")),
    }
}

fn resolve_path(base_dir: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base_dir.join(p)
    }
}

pub(crate) fn key_checks(
    conn: &Connection,
    stored_key: Option<String>,
    base_dir: &Path,
    out: &mut Vec<CheckResult>,
) {
    let started = Instant::now();
    let loaded = load_private_key(conn, stored_key, base_dir);
    let key_pem = match loaded {
        Ok((_, pem, origin)) => {
            out.push(
                CheckResult::new(
                    "private-key",
                    CheckStatus::Pass,
                    format!("{origin} is a usable RSA private key"),
                )
                .timed(started),
            );
            pem
        }
        Err(detail) => {
            out.push(
                CheckResult::new("private-key", CheckStatus::Fail, detail)
                    .with_hints(local_hints(LocalCondition::PrivateKeyInvalid, Flow::Jwt))
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
            format!(
                "no cert_file set, so the key cannot be checked against the certificate uploaded to Salesforce (`sfconn edit {} --cert-file PATH`)",
                conn.name
            ),
        ));
        return;
    };
    let path = resolve_path(base_dir, cert);
    let origin = format!("cert_file {}", path.display());
    let result = keys::read_setting_file("cert_file", &path)
        .map(|cert| crate::profile::keys::check_certificate_matches(&key_pem, cert.as_bytes()));
    let check = match result {
        Ok(Ok(())) => CheckResult::new(
            "key-cert",
            CheckStatus::Pass,
            format!("the private key matches {origin}"),
        ),
        Ok(Err(crate::profile::keys::KeyError::CertificateMismatch)) => CheckResult::new(
            "key-cert",
            CheckStatus::Fail,
            format!("a JWT signed with the private key does not verify with {origin}"),
        )
        .with_hints(local_hints(LocalCondition::KeyCertMismatch, Flow::Jwt)),
        Ok(Err(e)) => CheckResult::new("key-cert", CheckStatus::Fail, format!("{origin}: {e}")),
        Err(detail) => CheckResult::new("key-cert", CheckStatus::Fail, detail),
    };
    out.push(check.timed(started));
}

pub(crate) fn callback_port_check(port: u16) -> CheckResult {
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
        .with_hints(local_hints(LocalCondition::CallbackPortBusy, Flow::Web)),
        Err(err) => CheckResult::new(
            "callback-port",
            CheckStatus::Fail,
            format!("cannot listen on 127.0.0.1:{port}: {err}"),
        ),
    }
}
