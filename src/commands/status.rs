//! `sfconn status [NAME] [--json]`: the effective connection, why it is the one, its environment
//! (PRODUCTION loudly) and its token's state. Like `gh auth status`, it checks the token
//! (introspection when the app allows it, else userinfo) but renews nothing.

use std::io::IsTerminal;

use serde_json::json;

use super::Context;
use super::session::{Session, describe_failure, print_json};
use crate::cli::StatusArgs;
use crate::error::{CliError, CliResult};
use crate::salesforce::TokenState;

/// Why a connection is the effective one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    Argument,
    ShellVariable,
    Default,
}

impl Reason {
    fn as_str(self) -> &'static str {
        match self {
            Reason::Argument => "argument",
            Reason::ShellVariable => "SFCONN_PROFILE",
            Reason::Default => "default",
        }
    }

    fn explain(self) -> &'static str {
        match self {
            Reason::Argument => "named on the command line",
            Reason::ShellVariable => "SFCONN_PROFILE is set in this shell",
            Reason::Default => "the default connection (`sfconn use`)",
        }
    }
}

fn reason(explicit: Option<&str>) -> Reason {
    if explicit.is_some() {
        Reason::Argument
    } else if std::env::var("SFCONN_PROFILE").is_ok_and(|v| !v.is_empty()) {
        Reason::ShellVariable
    } else {
        Reason::Default
    }
}

pub async fn run(ctx: &Context, args: StatusArgs) -> CliResult {
    let why = reason(args.name.as_deref());
    let (session, conn) = Session::for_connection(ctx, args.name.as_deref())?;
    let state = session
        .engine
        .token_state(&conn, session.timeout(ctx, &conn))
        .await;
    let (state_name, expires_at, detail) = match &state {
        Ok(TokenState::Valid { expires_at }) => ("valid", expires_at.clone(), None),
        Ok(s) => (s.as_str(), None, None),
        Err(f) => ("unknown", None, Some(describe_failure(f))),
    };
    if args.json {
        print_json(&json!({
            "name": conn.name,
            "reason": why.as_str(),
            "flow": conn.flow.as_str(),
            "environment": conn.environment.as_str(),
            "production": conn.is_production(),
            "login_host": conn.login_host(),
            "username": conn.username,
            "token": {"state": state_name, "expires_at": expires_at, "detail": detail},
        }))?;
    } else {
        let loud = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let environment = match (conn.is_production(), loud) {
            (true, true) => "\x1b[1;37;41m PRODUCTION \x1b[0m".to_string(),
            (true, false) => "PRODUCTION".to_string(),
            (false, _) => "sandbox".to_string(),
        };
        let token = match &state {
            Ok(TokenState::Valid {
                expires_at: Some(at),
            }) => format!("valid until {at}"),
            Ok(TokenState::Valid { expires_at: None }) => {
                "valid (Salesforce accepts it; expiry not known: the app does not allow introspection)".into()
            }
            Ok(TokenState::Expired) => "expired; the next use renews it".into(),
            Ok(TokenState::NoneCached) => "none cached; the next use gets one".into(),
            Ok(TokenState::NeedsLogin) => {
                format!("needs login: run `sfconn login {}`", conn.name)
            }
            Err(f) => format!("unknown: {}", describe_failure(f)),
        };
        println!("{} ({})", conn.name, conn.flow);
        println!("  why:          {}", why.explain());
        println!("  environment:  {environment}");
        println!("  login host:   {}", conn.login_host());
        if let Some(user) = &conn.username {
            println!("  user:         {user}");
        }
        println!("  token:        {token}");
    }
    match state {
        Ok(TokenState::NeedsLogin) => Err(CliError::needs_login(format!(
            "connection {} needs an interactive login: run `sfconn login {}`",
            conn.name, conn.name
        ))),
        Ok(_) => Ok(()),
        Err(f) => Err(CliError::failure(format!(
            "connection {}: cannot check its token: {}",
            conn.name,
            describe_failure(&f)
        ))),
    }
}
