//! `sfconn import sf [ALIAS|USERNAME ...] [--all] [--force]`: add connections from the Salesforce
//! CLI's logins, read only. Refresh-token logins become `web` connections (client id, client
//! secret when there is one, refresh token); JWT logins become `jwt` connections with the same
//! key file. Access-token-only logins are skipped: there is nothing to renew them with.

use super::Context;
use crate::cli::ImportArgs;
use crate::error::{CliError, CliResult};
use crate::lifecycle::{Draft, Lifecycle};
use crate::profile::{Connection, Environment, Flow};
use crate::secrets::SecretKind;
use crate::sfcli::{Login, SfCliError};

/// The CLI's own public app, for logins that name none (research §5).
const CLI_CLIENT_ID: &str = "PlatformCLI";

pub async fn run(ctx: &Context, args: ImportArgs) -> CliResult {
    let Some(dir) = crate::sfcli::store_dir() else {
        return Err(CliError::failure(
            "HOME is not set: cannot find the Salesforce CLI's ~/.sfdx",
        ));
    };
    let logins = crate::sfcli::read_logins(&dir).map_err(|e| match e {
        SfCliError::NoStore { .. } => CliError::usage(e.to_string()),
        _ => CliError::failure(e.to_string()),
    })?;
    let mut chosen: Vec<&Login> = Vec::new();
    if args.all {
        chosen.extend(logins.iter());
    } else {
        let mut missing = Vec::new();
        for wanted in &args.logins {
            match logins
                .iter()
                .find(|l| &l.username == wanted || l.aliases.contains(wanted))
            {
                Some(l) => chosen.push(l),
                None => missing.push(wanted.as_str()),
            }
        }
        if !missing.is_empty() {
            let known: Vec<String> = logins.iter().map(describe).collect();
            return Err(CliError::usage(format!(
                "the Salesforce CLI has no login {} (it has: {}); nothing imported",
                missing.join(", "),
                known.join(", ")
            )));
        }
    }
    let profiles = super::common::load_profiles(ctx)?;
    let lifecycle = Lifecycle::new(ctx.paths.clone(), super::common::open_secrets(ctx)?);
    let (mut imported, mut skipped) = (0, 0);
    for login in chosen {
        let outcome = match draft(login) {
            Err(why) => Err(why),
            Ok(draft) => {
                let name = draft.conn.name.clone();
                let flow = draft.conn.flow;
                let exists = profiles.connections.contains_key(&name);
                let result = if exists && !args.force {
                    Err(format!(
                        "a connection named {name} exists (pass --force to replace it)"
                    ))
                } else if exists {
                    lifecycle
                        .edit(&name, draft)
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                } else {
                    lifecycle.add(draft).map(|_| ()).map_err(|e| e.to_string())
                };
                result.map(|()| (name, flow))
            }
        };
        match outcome {
            Ok((name, flow)) => {
                imported += 1;
                println!("imported {name} ({flow}) from {}", describe(login));
            }
            Err(why) => {
                skipped += 1;
                println!("skipped {}: {why}", describe(login));
            }
        }
    }
    if imported > 0 {
        println!("Next: sfconn test NAME");
    }
    if imported == 0 && skipped > 0 {
        return Err(CliError::failure("nothing imported"));
    }
    Ok(())
}

fn describe(login: &Login) -> String {
    match login.aliases.first() {
        Some(alias) => format!("{alias} ({})", login.username),
        None => login.username.clone(),
    }
}

/// A connection name from the alias, else the username, kept to the characters names allow.
fn connection_name(login: &Login) -> String {
    let source = login.aliases.first().unwrap_or(&login.username);
    source
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .take(crate::profile::validate::MAX_NAME_LEN)
        .collect()
}

/// The connection for a login, or why it cannot be one.
fn draft(login: &Login) -> Result<Draft, String> {
    let login_url = login.login_url.as_deref().unwrap_or_default();
    let generic = |host: &str| login_url.trim_end_matches('/').ends_with(host);
    let sandbox = login.is_sandbox || generic("test.salesforce.com");
    let mut conn = Connection::new(
        connection_name(login),
        if login.refresh_token.is_some() {
            Flow::Web
        } else {
            Flow::Jwt
        },
    );
    conn.environment = if sandbox {
        Environment::Sandbox
    } else {
        Environment::Production
    };
    if !login_url.is_empty() && !generic("login.salesforce.com") && !generic("test.salesforce.com")
    {
        conn.domain = Some(login_url.trim_end_matches('/').to_string());
    }
    conn.client_id = Some(
        login
            .client_id
            .clone()
            .unwrap_or_else(|| CLI_CLIENT_ID.to_string()),
    );
    let mut secrets = Vec::new();
    if let Some(refresh) = &login.refresh_token {
        secrets.push((SecretKind::RefreshToken, refresh.clone()));
        if let Some(secret) = login.client_secret.as_ref().filter(|s| !s.is_empty()) {
            secrets.push((SecretKind::ClientSecret, secret.clone()));
        }
    } else if let Some(key) = &login.private_key {
        conn.username = Some(login.username.clone());
        conn.key_file = Some(key.clone());
    } else {
        return Err(
            "an access-token login: it has no refresh token or JWT key to renew it with".into(),
        );
    }
    conn.normalize();
    Ok(Draft::new(conn, secrets))
}
