//! `sfconn completions SHELL` (placeholder until its issue lands).

use crate::error::{CliError, CliResult};

pub fn run(_args: crate::cli::CompletionsArgs) -> CliResult {
    Err(CliError::usage("this command is not built yet"))
}
