//! `profiles.toml`: load with precise errors, atomic locked save, comment-preserving edits.

use std::collections::BTreeMap;

use super::model::Connection;

/// The parsed profile file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profiles {
    /// The default connection name.
    pub default: Option<String>,
    /// Timeout for every request, in seconds.
    pub timeout_secs: Option<u64>,
    pub connections: BTreeMap<String, Connection>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("{0}")]
    Invalid(String),
}
