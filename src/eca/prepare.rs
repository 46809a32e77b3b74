//! Planning the app for a connection (issue 11): the choices checked against the flow, the
//! certificate (a key pair made when a jwt connection has none), the spec with its consumer key.

use super::{AppSpec, PlanError};
use crate::lifecycle::{ExistingKeys, LifecycleError};
use crate::profile::{Connection, Flow};

/// Why an app cannot be planned for a connection.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    /// Bad input (exit 2 in the CLI).
    #[error("{0}")]
    Plan(#[from] PlanError),
    /// The key pair could not be made.
    #[error(transparent)]
    Keygen(#[from] LifecycleError),
}

/// The certificate for a jwt app: `cert_file`, or a new pair from keygen in `keys_dir` when the
/// connection has no key yet (the connection then points at it).
pub fn certificate(
    keys_dir: &std::path::Path,
    conn: &mut Connection,
) -> Result<Option<String>, PrepareError> {
    if conn.flow != Flow::Jwt {
        return Ok(None);
    }
    if conn.cert_file.is_none() {
        if conn.key_file.is_some() {
            return Err(PlanError(
                "--cert-file: the connection has a private key but no certificate; give the certificate that matches it"
                    .into(),
            )
            .into());
        }
        let keys = crate::lifecycle::keygen(keys_dir, &conn.name, ExistingKeys::Reuse)?;
        conn.key_file = Some(keys.key);
        conn.cert_file = Some(keys.cert);
    }
    let Some(path) = &conn.cert_file else {
        return Ok(None);
    };
    let pem = std::fs::read_to_string(path)
        .map_err(|e| PlanError(format!("--cert-file {}: {e}", path.display())))?;
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err(PlanError(format!(
            "--cert-file {}: not a PEM certificate (BEGIN CERTIFICATE); point it at the .crt, not the key",
            path.display()
        ))
        .into());
    }
    Ok(Some(pem))
}

/// The app's settings besides the connection: who a jwt app pre-authorizes, whom a client
/// credentials app runs as.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppChoices {
    pub permission_set: Option<String>,
    pub run_as: Option<String>,
}

/// Check the choices fit the flow before anything is written (a key pair included).
pub fn precheck(conn: &Connection, choices: &AppChoices) -> Result<AppSpec, PlanError> {
    let placeholder = (conn.flow == Flow::Jwt).then(String::new);
    AppSpec::for_connection(
        conn,
        String::new(),
        placeholder,
        choices.permission_set.clone(),
        choices.run_as.clone(),
    )
}

/// The app spec for a connection: its consumer key is kept (a second deploy updates the app).
pub fn spec(
    conn: &Connection,
    certificate: Option<String>,
    choices: &AppChoices,
) -> Result<AppSpec, PlanError> {
    let key = match &conn.client_id {
        Some(k) if !k.is_empty() => k.clone(),
        _ => super::new_consumer_key()?,
    };
    AppSpec::for_connection(
        conn,
        key,
        certificate,
        choices.permission_set.clone(),
        choices.run_as.clone(),
    )
}

/// Precheck, the certificate (keygen for a jwt connection without a key) and the spec, in that
/// order: bad input writes nothing.
pub fn prepare(
    keys_dir: &std::path::Path,
    conn: &mut Connection,
    choices: &AppChoices,
) -> Result<AppSpec, PrepareError> {
    precheck(conn, choices)?;
    let cert = certificate(keys_dir, conn)?;
    Ok(spec(conn, cert, choices)?)
}
