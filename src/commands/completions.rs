//! `sfconn completions SHELL`: the completion script on stdout. The script calls back into
//! `sfconn` (with `SFCONN_COMPLETE` set) at each Tab, so connection names come from the profile
//! file as it is then, not as it was when the script was generated.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};
use clap_complete::env::Shells;

use crate::error::{CliError, CliResult};

/// The variable that turns a run of `sfconn` into a completion request.
pub const COMPLETE_VAR: &str = "SFCONN_COMPLETE";

/// Arguments that take an existing connection's name (`add NAME` makes a new one).
const NAME_ARGS: [&str; 2] = ["name", "old"];

/// The command line with connection-name candidates on every argument that takes one; the
/// factory `main` hands to clap_complete.
pub fn command() -> clap::Command {
    with_names(crate::cli::Cli::command())
}

fn with_names(mut cmd: clap::Command) -> clap::Command {
    let creates = cmd.get_name() == "add";
    let positionals: Vec<String> = cmd
        .get_arguments()
        .filter(|a| a.is_positional())
        .map(|a| a.get_id().to_string())
        .collect();
    // `mut_arg` moves the argument to the end, and positions follow that order: touch every
    // positional in order so `rename OLD NEW` keeps OLD first.
    for id in positionals {
        let takes_name = !creates && NAME_ARGS.contains(&id.as_str());
        cmd = cmd.mut_arg(id, |a| {
            if takes_name {
                a.add(ArgValueCandidates::new(connection_names))
            } else {
                a
            }
        });
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for sub in subs {
        cmd = cmd.mut_subcommand(sub, with_names);
    }
    cmd
}

/// The connections of the profile file (`SFCONN_HOME` or the default place), with their flow and
/// environment as help. Nothing when the file cannot be read: completion stays quiet.
fn connection_names() -> Vec<CompletionCandidate> {
    let Ok(paths) = crate::paths::Paths::resolve(None) else {
        return Vec::new();
    };
    let Ok(profiles) = crate::profile::Profiles::load(&paths.profile_file) else {
        return Vec::new();
    };
    profiles
        .connections
        .values()
        .map(|c| {
            let env = if c.is_production() {
                "PRODUCTION"
            } else {
                "sandbox"
            };
            CompletionCandidate::new(c.name.clone()).help(Some(format!("{}, {env}", c.flow).into()))
        })
        .collect()
}

pub fn run(args: crate::cli::CompletionsArgs) -> CliResult {
    let shell = args.shell.to_string();
    let shells = Shells::builtins();
    let Some(completer) = shells.completer(&shell) else {
        return Err(CliError::usage(format!(
            "no completion support for {shell}"
        )));
    };
    let mut script = Vec::new();
    completer
        .write_registration(COMPLETE_VAR, "sfconn", "sfconn", "sfconn", &mut script)
        .map_err(|e| CliError::failure(format!("cannot write the completion script: {e}")))?;
    match std::io::stdout().lock().write_all(&script) {
        Ok(()) => Ok(()),
        // `sfconn completions bash | head`: the reader left early, which is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::failure(format!(
            "cannot write the completion script to stdout: {e}"
        ))),
    }
}
