//! The terminal UI (PRODUCT.md section 8) (placeholder until its issue lands).

use crate::commands::Context;
use crate::error::{CliError, CliResult};

pub async fn run(_ctx: Context) -> CliResult {
    Err(CliError::usage("the terminal UI is not built yet"))
}
