//! `sfconn env [NAME] [--shell sh|fish|powershell]`: assignments of SF_ACCESS_TOKEN and
//! SF_INSTANCE_URL for `eval`, quoted for the shell.

use super::Context;
use super::session::Session;
use crate::cli::{EnvArgs, ShellKind};
use crate::error::CliResult;

/// The variables `env` sets.
const VARIABLES: [&str; 2] = ["SF_ACCESS_TOKEN", "SF_INSTANCE_URL"];

pub async fn run(ctx: &Context, args: EnvArgs) -> CliResult {
    let token = async {
        let (session, conn) = Session::for_connection(ctx, args.name.as_deref())?;
        session.access_token(ctx, &conn).await
    };
    match token.await {
        Ok((token, _)) => {
            print!(
                "{}{}",
                assignment(args.shell, VARIABLES[0], &token.access_token),
                assignment(args.shell, VARIABLES[1], &token.instance_url)
            );
            Ok(())
        }
        Err(e) => {
            // `eval "$(sfconn env prod)"` evaluates stdout even when sfconn fails: unset the
            // variables so the previous org's token does not stay active under the new name.
            for name in VARIABLES {
                print!("{}", unset(args.shell, name));
            }
            Err(e)
        }
    }
}

/// The line that removes a variable from the shell.
pub(crate) fn unset(shell: ShellKind, name: &str) -> String {
    match shell {
        ShellKind::Sh => format!("unset {name}\n"),
        ShellKind::Fish => format!("set -e {name};\n"),
        ShellKind::Powershell => format!("Remove-Item Env:{name} -ErrorAction SilentlyContinue\n"),
    }
}

/// One assignment line. Single quotes everywhere: Salesforce tokens contain `!`, which double
/// quotes would expand in interactive bash.
pub(crate) fn assignment(shell: ShellKind, name: &str, value: &str) -> String {
    match shell {
        ShellKind::Sh => format!("export {name}='{}'\n", value.replace('\'', r"'\''")),
        ShellKind::Fish => format!(
            "set -gx {name} '{}';\n",
            value.replace('\\', r"\\").replace('\'', r"\'")
        ),
        ShellKind::Powershell => format!("$env:{name} = '{}'\n", value.replace('\'', "''")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_per_shell() {
        let v = r"00D!a'b\c";
        assert_eq!(
            assignment(ShellKind::Sh, "X", v),
            "export X='00D!a'\\''b\\c'\n"
        );
        assert_eq!(
            assignment(ShellKind::Fish, "X", v),
            "set -gx X '00D!a\\'b\\\\c';\n"
        );
        assert_eq!(
            assignment(ShellKind::Powershell, "X", v),
            "$env:X = '00D!a''b\\c'\n"
        );
    }

    #[test]
    fn unset_lines_per_shell() {
        assert_eq!(unset(ShellKind::Sh, "X"), "unset X\n");
        assert_eq!(unset(ShellKind::Fish, "X"), "set -e X;\n");
        assert_eq!(
            unset(ShellKind::Powershell, "X"),
            "Remove-Item Env:X -ErrorAction SilentlyContinue\n"
        );
    }
}
