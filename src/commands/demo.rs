//! `sfconn demo` (placeholder until its issue lands).

use crate::error::{CliError, CliResult};

pub async fn run(_args: crate::cli::DemoArgs, _timeout: Option<u64>) -> CliResult {
    Err(CliError::usage("this command is not built yet"))
}
