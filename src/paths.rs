//! Where sfconn keeps its files (PRODUCT.md section 3).
//!
//! `SFCONN_HOME=DIR` puts everything in DIR; `--config FILE` names the profile file and keeps the
//! other files beside it; otherwise the platform config dir (`~/.config/sfconn` on Linux).

use std::path::{Path, PathBuf};

use crate::profile::ProfileError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// `profiles.toml` (or the `--config` file).
    pub profile_file: PathBuf,
    /// The directory for state, logs, fallback secrets and keys.
    pub home: PathBuf,
}

impl Paths {
    /// Everything inside one directory.
    pub fn in_dir(dir: impl Into<PathBuf>) -> Paths {
        let home = dir.into();
        Paths {
            profile_file: home.join("profiles.toml"),
            home,
        }
    }

    /// Resolve from `--config`, then `SFCONN_HOME`, then the platform config dir.
    pub fn resolve(config: Option<&Path>) -> Result<Paths, ProfileError> {
        if let Some(file) = config {
            let home = match file.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            return Ok(Paths {
                profile_file: file.to_path_buf(),
                home,
            });
        }
        if let Some(dir) = std::env::var_os("SFCONN_HOME").filter(|d| !d.is_empty()) {
            return Ok(Paths::in_dir(PathBuf::from(dir)));
        }
        let dirs = directories::ProjectDirs::from("dev", "sfconn", "sfconn").ok_or_else(|| {
            ProfileError::Invalid(
                "cannot find a home directory for sfconn's files; set SFCONN_HOME=DIR or pass --config FILE"
                    .into(),
            )
        })?;
        Ok(Paths::in_dir(dirs.config_dir()))
    }

    /// Last test results (not settings, so not in the profile file).
    pub fn state_file(&self) -> PathBuf {
        self.home.join("state.json")
    }

    /// The plain-text secret store chosen by `SFCONN_SECRET_STORE=file`.
    pub fn secrets_file(&self) -> PathBuf {
        self.home.join("secrets.toml")
    }

    pub fn keys_dir(&self) -> PathBuf {
        self.home.join("keys")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.home.join("logs")
    }

    /// sfconn's cache directory: `$SFCONN_HOME/cache` when `SFCONN_HOME` is set, else the
    /// platform's (`~/.cache/sfconn` on Linux); `None` without a home directory. Never beside a
    /// `--config` file a team may keep in git. What is cached there can be lost at any time.
    pub fn cache_dir(&self) -> Option<PathBuf> {
        if let Some(home) = std::env::var_os("SFCONN_HOME").filter(|d| !d.is_empty()) {
            return Some(PathBuf::from(home).join("cache"));
        }
        directories::ProjectDirs::from("dev", "sfconn", "sfconn")
            .map(|dirs| dirs.cache_dir().to_path_buf())
    }
}
