//! `sfconn add` and `sfconn edit` (placeholder until its issue lands).

use super::Context;
use crate::cli::AddArgs;
use crate::error::{CliError, CliResult};

pub async fn run_add(_ctx: &Context, _args: AddArgs) -> CliResult {
    Err(CliError::usage("this command is not built yet"))
}

pub async fn run_edit(_ctx: &Context, _args: AddArgs) -> CliResult {
    Err(CliError::usage("this command is not built yet"))
}
