//! `sfconn export NAME --to sf [--alias A]`: hand a working login to the Salesforce CLI through
//! its own login commands, never writing its files (it locks and merges them) and never putting
//! a secret on a command line (research/sf-cli-auth-store.md, "Handing a login to the CLI"):
//! - `jwt` with a key file: `sf org login jwt` (the CLI signs its own assertions from then on);
//! - `web` / `device` with a refresh token: an auth URL on standard input to
//!   `sf org login sfdx-url --sfdx-url-stdin -` (the CLI refreshes on its own);
//! - anything else: the current access token in `SF_ACCESS_TOKEN` for
//!   `sf org login access-token --no-prompt` (valid until the session ends).

use std::io::Write;
use std::process::{Command, Stdio};

use super::Context;
use super::session::Session;
use crate::cli::ExportArgs;
use crate::error::{CliError, CliResult};
use crate::profile::Flow;
use crate::secrets::SecretKind;

/// How the login is handed over.
enum Handover {
    Jwt,
    AuthUrl(String),
    AccessToken(String),
}

pub async fn run(ctx: &Context, args: ExportArgs) -> CliResult {
    let (session, conn) = Session::for_connection(ctx, Some(&args.name))?;
    let alias = args.alias.clone().unwrap_or_else(|| conn.name.clone());
    // A token first: it proves the connection works before anything is handed over.
    let (token, _) = session.access_token(ctx, &conn).await?;
    let secret = |kind| {
        session
            .engine
            .secrets()
            .get(&conn.name, kind)
            .map_err(|e| CliError::failure(e.to_string()))
    };
    let handover = match conn.flow {
        Flow::Jwt if conn.key_file.is_some() => Handover::Jwt,
        Flow::Web | Flow::Device => match secret(SecretKind::RefreshToken)? {
            Some(refresh) => {
                let host = url::Url::parse(&token.instance_url)
                    .ok()
                    .and_then(|u| {
                        u.host_str()
                            .map(|h| u.port().map_or(h.to_string(), |p| format!("{h}:{p}")))
                    })
                    .unwrap_or_default();
                let client_secret = secret(SecretKind::ClientSecret)?.unwrap_or_default();
                Handover::AuthUrl(format!(
                    "force://{}:{client_secret}:{refresh}@{host}",
                    conn.client_id.as_deref().unwrap_or_default()
                ))
            }
            None => Handover::AccessToken(token.access_token.clone()),
        },
        _ => Handover::AccessToken(token.access_token.clone()),
    };
    let sf = std::env::var_os("SFCONN_SF_BIN").unwrap_or_else(|| "sf".into());
    let mut command = Command::new(&sf);
    command.args(["org", "login"]);
    let mut stdin = None;
    let how = match &handover {
        Handover::Jwt => {
            let key = conn.key_file.as_deref().unwrap_or(std::path::Path::new(""));
            command
                .args(["jwt", "--client-id"])
                .arg(conn.client_id.as_deref().unwrap_or_default())
                .arg("--jwt-key-file")
                .arg(key)
                .arg("--username")
                .arg(conn.username.as_deref().unwrap_or_default())
                .arg("--instance-url")
                .arg(conn.login_host());
            "JWT (the Salesforce CLI signs its own assertions with the same key)"
        }
        Handover::AuthUrl(url) => {
            command.args(["sfdx-url", "--sfdx-url-stdin", "-"]);
            stdin = Some(url.clone());
            "refresh token (the Salesforce CLI renews its own access tokens)"
        }
        Handover::AccessToken(access) => {
            command
                .args(["access-token", "--no-prompt", "--instance-url"])
                .arg(&token.instance_url)
                .env("SF_ACCESS_TOKEN", access);
            "access token (valid until the session ends; run this again then)"
        }
    };
    command
        .args(["--alias", &alias, "--json"])
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let shown = sf.to_string_lossy().into_owned();
    let output = tokio::task::spawn_blocking(move || {
        let mut child = command.spawn()?;
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(text.as_bytes())?;
        }
        child.wait_with_output()
    })
    .await
    .map_err(|e| CliError::failure(format!("cannot run {shown}: {e}")))?
    .map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            CliError::usage(format!(
                "the Salesforce CLI (`{shown}`) is not installed or not on PATH; install it (npm install -g @salesforce/cli) or set SFCONN_SF_BIN"
            ))
        } else {
            CliError::failure(format!("cannot run {shown}: {e}"))
        }
    })?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stdout);
        let message = serde_json::from_str::<serde_json::Value>(&said)
            .ok()
            .and_then(|v| {
                v.get("message")
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| {
                format!(
                    "{}{}",
                    said.trim(),
                    String::from_utf8_lossy(&output.stderr).trim()
                )
            });
        return Err(CliError::failure(format!(
            "the Salesforce CLI refused the login for {}: {message}",
            conn.name
        )));
    }
    println!(
        "Exported {} to the Salesforce CLI as `{alias}` by {how}.\nTry: sf org display --target-org {alias}",
        conn.name
    );
    Ok(())
}
