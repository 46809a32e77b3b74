//! `sfconn env [NAME] [--shell sh|fish|powershell]`: assignments of SF_ACCESS_TOKEN and
//! SF_INSTANCE_URL for `eval`, quoted for the shell.

use super::Context;
use super::session::Session;
use crate::cli::{EnvArgs, ShellKind};
use crate::error::CliResult;

pub async fn run(ctx: &Context, args: EnvArgs) -> CliResult {
    let (session, conn) = Session::for_connection(ctx, args.name.as_deref())?;
    let token = session.access_token(ctx, &conn).await?;
    print!(
        "{}{}",
        assignment(args.shell, "SF_ACCESS_TOKEN", &token.access_token),
        assignment(args.shell, "SF_INSTANCE_URL", &token.instance_url)
    );
    Ok(())
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
}
