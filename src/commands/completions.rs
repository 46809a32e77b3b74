//! `sfconn completions SHELL`: completion script on stdout.

use clap::CommandFactory;

use crate::error::CliResult;

pub fn run(args: crate::cli::CompletionsArgs) -> CliResult {
    let mut cmd = crate::cli::Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "sfconn", &mut std::io::stdout());
    Ok(())
}
