//! `sfconn exec [NAME] -- CMD [ARGS]`: run CMD with a valid token (renewed first) in its
//! environment and exit with CMD's exit code. The token is never on a command line.
//!
//! Besides `SF_ACCESS_TOKEN` and `SF_INSTANCE_URL`, the Salesforce CLI's own variables are set:
//! `SF_TARGET_ORG` (the CLI takes an access token in place of a username when it looks like one,
//! `00D…!…`, and then reads the instance from) `SF_ORG_INSTANCE_URL` (@salesforce/core 9.4
//! `AuthInfo.init` and `getInstanceUrl`; proven by tests/clients/run with `sf api request rest`).

use std::process::Command;

use super::Context;
use super::session::Session;
use crate::cli::ExecArgs;
use crate::error::{CliError, CliResult};

/// The variables CMD gets: (name, is the token).
pub const VARIABLES: [(&str, bool); 4] = [
    ("SF_ACCESS_TOKEN", true),
    ("SF_INSTANCE_URL", false),
    ("SF_TARGET_ORG", true),
    ("SF_ORG_INSTANCE_URL", false),
];

pub async fn run(ctx: &Context, args: ExecArgs) -> CliResult {
    let (session, conn) = Session::for_connection(ctx, args.name.as_deref())?;
    let (token, _) = session.access_token(ctx, &conn).await?;
    let Some((program, rest)) = args.command.split_first() else {
        return Err(CliError::usage("name the command to run after `--`"));
    };
    let mut command = Command::new(program);
    command.args(rest);
    for (name, is_token) in VARIABLES {
        let value = if is_token {
            &token.access_token
        } else {
            &token.instance_url
        };
        command.env(name, value);
    }
    let shown = program.to_string_lossy().into_owned();
    let status = tokio::task::spawn_blocking(move || command.status())
        .await
        .map_err(|e| CliError::failure(format!("cannot run {shown}: {e}")))?
        .map_err(|e| {
            let mut err = CliError::failure(format!("cannot run {shown}: {e}"));
            if e.kind() == std::io::ErrorKind::NotFound {
                err = CliError::usage(format!("{shown}: command not found"));
            }
            err
        })?;
    std::process::exit(exit_code(status))
}

/// CMD's exit code; killed by a signal, 128 + the signal number, as shells report it.
fn exit_code(status: std::process::ExitStatus) -> i32 {
    if let Some(code) = status.code() {
        return code;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return 128 + signal;
        }
    }
    1
}
