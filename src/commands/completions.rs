//! `sfconn completions SHELL`: completion script on stdout.

use std::io::Write;

use clap::CommandFactory;

use crate::error::{CliError, CliResult};

pub fn run(args: crate::cli::CompletionsArgs) -> CliResult {
    let mut cmd = crate::cli::Cli::command();
    // Generate into memory first: clap_complete panics when its writer fails.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "sfconn", &mut script);
    match std::io::stdout().lock().write_all(&script) {
        Ok(()) => Ok(()),
        // `sfconn completions bash | head`: the reader left early, which is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::failure(format!(
            "cannot write the completion script to stdout: {e}"
        ))),
    }
}
