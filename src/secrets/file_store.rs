//! The plain-text fallback store `secrets.toml` (`SFCONN_SECRET_STORE=file`): owner-only,
//! written atomically under its own lock like the profile file.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::SecretError;
use crate::profile::atomic;

/// The fallback file: `[connections.NAME]` tables of `kind = "value"`.
pub(super) type FileSecrets = BTreeMap<String, BTreeMap<String, String>>;

#[derive(Default, Serialize, Deserialize)]
pub(super) struct FileRepr {
    #[serde(default)]
    pub(super) connections: FileSecrets,
}

fn file_error(path: &Path, reason: impl std::fmt::Display) -> SecretError {
    SecretError::File {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

pub(super) fn read_file(path: &Path) -> Result<FileRepr, SecretError> {
    match atomic::read_optional(path).map_err(|e| file_error(path, e))? {
        None => Ok(FileRepr::default()),
        Some(bytes) => {
            let text = String::from_utf8(bytes).map_err(|_| file_error(path, "not UTF-8 text"))?;
            // The message of a toml error could quote the line, i.e. a secret: keep only where.
            toml::from_str(&text).map_err(|e| {
                let at = e
                    .span()
                    .map(|s| crate::profile::file::line_col(&text, s.start));
                match at {
                    Some((line, col)) => file_error(
                        path,
                        format!(
                            "not valid TOML at line {line}, column {col}; fix or delete the file"
                        ),
                    ),
                    None => file_error(path, "not valid TOML; fix or delete the file"),
                }
            })
        }
    }
}

pub(super) fn update_file<T>(
    path: &Path,
    change: impl FnOnce(&mut FileSecrets) -> T,
) -> Result<T, SecretError> {
    let _lock = atomic::lock(path).map_err(|e| file_error(path, e))?;
    let mut repr = read_file(path)?;
    let out = change(&mut repr.connections);
    let text = toml::to_string(&repr).map_err(|e| file_error(path, e))?;
    atomic::write_atomic(path, text.as_bytes(), Some(0o600)).map_err(|e| file_error(path, e))?;
    restrict_mode(path);
    Ok(out)
}

/// The fallback file holds secrets: keep it owner-only even if someone widened it.
fn restrict_mode(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = path;
}
