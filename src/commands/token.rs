//! `sfconn token` (placeholder until its issue lands).

use super::Context;
use crate::error::{CliError, CliResult};

pub async fn run(_ctx: &Context, _args: crate::cli::OptNameArg) -> CliResult {
    Err(CliError::usage("this command is not built yet"))
}
