//! The error every command returns, carrying the process exit code of PRODUCT.md section 4.

use std::fmt;

/// Exit codes (PRODUCT.md section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    Ok = 0,
    /// A connection or auth failure.
    Failure = 1,
    /// Bad usage, bad input or a bad profile file.
    Usage = 2,
    /// The connection needs an interactive `login` first.
    NeedsLogin = 4,
}

/// A user-facing error: what failed, where, and what to do next, plus the exit code.
#[derive(Debug)]
pub struct CliError {
    pub code: ExitCode,
    pub message: String,
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: ExitCode::Usage,
            message: message.into(),
        }
    }
    pub fn failure(message: impl Into<String>) -> Self {
        Self {
            code: ExitCode::Failure,
            message: message.into(),
        }
    }
    pub fn needs_login(message: impl Into<String>) -> Self {
        Self {
            code: ExitCode::NeedsLogin,
            message: message.into(),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

pub type CliResult<T = ()> = Result<T, CliError>;

// The engine's errors know nothing of exit codes; this is where they get one.

impl From<crate::profile::ProfileError> for CliError {
    fn from(e: crate::profile::ProfileError) -> CliError {
        CliError::usage(e.to_string())
    }
}

impl From<crate::state::StateError> for CliError {
    fn from(e: crate::state::StateError) -> Self {
        CliError::usage(e.to_string())
    }
}

impl From<crate::secrets::SecretError> for CliError {
    fn from(e: crate::secrets::SecretError) -> Self {
        // Exit 2 for a store set up wrong, 1 for one out of reach right now.
        if e.is_configuration() {
            CliError::usage(e.to_string())
        } else {
            CliError::failure(e.to_string())
        }
    }
}

impl From<crate::lifecycle::LifecycleError> for CliError {
    fn from(e: crate::lifecycle::LifecycleError) -> Self {
        use crate::lifecycle::LifecycleError;
        match e {
            LifecycleError::Profile(e) => e.into(),
            LifecycleError::Secret(e) => e.into(),
            LifecycleError::State(e) => e.into(),
            LifecycleError::Invalid { .. } | LifecycleError::Usage(_) => {
                CliError::usage(e.to_string())
            }
            LifecycleError::Keys(m) => CliError::failure(m),
        }
    }
}
