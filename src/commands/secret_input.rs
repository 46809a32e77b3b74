//! Reading secrets for `add`/`edit`: from `SFCONN_*` variables, or a hidden prompt on a
//! terminal. Never from flags (they end up in shell history and `ps`).

use std::io::IsTerminal;

use crate::error::{CliError, CliResult};
use crate::profile::validate::required_secrets;
use crate::profile::{Connection, Flow, keys};
use crate::secrets::SecretKind;

/// The hidden prompt for a secret of this flow; `None` for what is never typed at a prompt (a
/// private key is a file or `SFCONN_PRIVATE_KEY`).
fn prompt(flow: Flow, kind: SecretKind) -> Option<&'static str> {
    match (kind, flow) {
        (SecretKind::ClientSecret, Flow::Web) => {
            Some("Consumer secret (Enter if the app has none)")
        }
        (SecretKind::ClientSecret, _) => Some("Consumer secret"),
        (SecretKind::Password, _) => Some("Password"),
        (SecretKind::SecurityToken, _) => Some("Security token (Enter if your IP is trusted)"),
        _ => None,
    }
}

fn env_secret(kind: SecretKind) -> Option<String> {
    std::env::var(kind.env_var()?)
        .ok()
        .filter(|v| !v.is_empty())
}

/// Collect the secrets to store for `conn`. `stored` are already in the store (edit);
/// `ask_optional` prompts for optional ones too (add on a terminal).
pub fn collect(
    conn: &Connection,
    stored: &[SecretKind],
    ask_optional: bool,
) -> CliResult<Vec<(SecretKind, String)>> {
    let terminal = std::io::stdin().is_terminal();
    let mut out = Vec::new();
    for &kind in SecretKind::for_flow(conn.flow) {
        if let Some(value) = env_secret(kind) {
            let value = if kind == SecretKind::PrivateKey {
                let pem = keys::load_private_key_pem(value.as_bytes())
                    .map_err(|e| CliError::usage(format!("SFCONN_PRIVATE_KEY: {e}")))?;
                String::from_utf8_lossy(&pem).into_owned()
            } else {
                value
            };
            out.push((kind, value));
            continue;
        }
        let required = required_secrets(conn.flow).contains(&kind);
        let missing = !stored.contains(&kind);
        let Some(prompt) = prompt(conn.flow, kind) else {
            continue;
        };
        if !terminal || !missing || !(required || ask_optional) {
            continue;
        }
        let value =
            rpassword::prompt_password(format!("{prompt} for {}: ", conn.name)).map_err(|e| {
                CliError::usage(format!(
                    "cannot read the {} from the terminal: {e}; set {} instead",
                    kind.label(),
                    kind.env_var().unwrap_or("its variable")
                ))
            })?;
        let value = value.trim().to_string();
        if !value.is_empty() {
            out.push((kind, value));
        }
    }
    Ok(out)
}

/// True when some secret variable this flow uses is set (edit with only a new secret).
pub fn any_env_for(flow: Flow) -> bool {
    SecretKind::for_flow(flow)
        .iter()
        .any(|k| env_secret(*k).is_some())
}

/// What a hidden prompt says for `kind` when the person chose to enter it again.
fn reentry_prompt(flow: Flow, kind: SecretKind) -> &'static str {
    match kind {
        // A PEM key is several lines; a hidden one-line prompt takes its base64 form.
        SecretKind::PrivateKey => "Private key (base64 of the PEM, one line)",
        _ => prompt(flow, kind).unwrap_or("Secret"),
    }
}

fn read_hidden(conn: &Connection, kind: SecretKind, text: &str) -> CliResult<String> {
    let value = rpassword::prompt_password(format!("{text} for {}: ", conn.name)).map_err(|e| {
        CliError::usage(format!(
            "cannot read the {} from the terminal: {e}; set {} instead",
            kind.label(),
            kind.env_var().unwrap_or("its variable")
        ))
    })?;
    Ok(value.trim().to_string())
}

/// A typed secret in its stored form (a private key is checked and kept as PEM).
fn stored_form(kind: SecretKind, value: String) -> CliResult<String> {
    if kind != SecretKind::PrivateKey {
        return Ok(value);
    }
    let pem = keys::load_private_key_pem(value.as_bytes()).map_err(|e| {
        CliError::usage(format!(
            "private key: {e}; give the PEM file with --key-file PATH, or its base64 in SFCONN_PRIVATE_KEY"
        ))
    })?;
    Ok(String::from_utf8_lossy(&pem).into_owned())
}

/// The kinds `conn`'s flow lets a person type, for messages ("client_secret, password").
pub fn kinds_of(flow: Flow) -> String {
    let kinds: Vec<&str> = SecretKind::for_flow(flow)
        .iter()
        .map(|k| k.as_str())
        .collect();
    if kinds.is_empty() {
        "none".to_string()
    } else {
        kinds.join(", ")
    }
}

/// Refuse a kind the flow does not use: storing it would change nothing.
pub fn check_kind(conn: &Connection, kind: SecretKind, flag: &str) -> CliResult {
    if SecretKind::for_flow(conn.flow).contains(&kind) {
        return Ok(());
    }
    Err(CliError::usage(format!(
        "{flag} {}: the {} flow of {} uses no {}; its secrets are: {}",
        kind.as_str(),
        conn.flow,
        conn.name,
        kind.label(),
        kinds_of(conn.flow)
    )))
}

/// `edit NAME --secret KIND`: the one secret, from its variable or a hidden prompt.
pub fn ask_one(conn: &Connection, kind: SecretKind) -> CliResult<(SecretKind, String)> {
    check_kind(conn, kind, "--secret")?;
    let value = match env_secret(kind) {
        Some(v) => v,
        None if std::io::stdin().is_terminal() => {
            read_hidden(conn, kind, reentry_prompt(conn.flow, kind))?
        }
        None => {
            return Err(CliError::usage(format!(
                "--secret {}: no terminal to ask on; set {} and run this again",
                kind.as_str(),
                kind.env_var().unwrap_or("its variable")
            )));
        }
    };
    if value.is_empty() {
        return Err(CliError::usage(format!(
            "--secret {}: nothing was entered, so the stored {} is unchanged; to remove it use --clear-secret {}",
            kind.as_str(),
            kind.label(),
            kind.as_str()
        )));
    }
    Ok((kind, stored_form(kind, value)?))
}

/// `edit NAME` on a terminal with nothing else to change: offer each of the flow's secrets
/// again; Enter keeps the stored one. A jwt key that lives in `key_file` is not offered (the
/// file is what the connection uses).
pub fn reenter(conn: &Connection) -> CliResult<Vec<(SecretKind, String)>> {
    let kinds: Vec<SecretKind> = SecretKind::for_flow(conn.flow)
        .iter()
        .copied()
        .filter(|k| !(*k == SecretKind::PrivateKey && conn.key_file.is_some()))
        .collect();
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    eprintln!(
        "Enter the secrets of {} to replace (input is hidden; Enter keeps the stored one):",
        conn.name
    );
    let mut out = Vec::new();
    for kind in kinds {
        let value = read_hidden(conn, kind, reentry_prompt(conn.flow, kind))?;
        if !value.is_empty() {
            out.push((kind, stored_form(kind, value)?));
        }
    }
    Ok(out)
}

/// True when a person is at the keyboard to answer a question.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal()
}

/// `remove`/`revoke` of a production connection: the person types its name (on a terminal),
/// or passed `--yes`. Anything else changes nothing and is exit 2.
pub fn confirm_production(conn: &Connection, yes: bool, action: &str) -> CliResult {
    if yes || conn.environment != crate::profile::Environment::Production {
        return Ok(());
    }
    if !interactive() {
        return Err(CliError::usage(format!(
            "{} is a PRODUCTION connection; to {action} it without a terminal, pass --yes (nothing was changed)",
            conn.name
        )));
    }
    eprint!(
        "{} is a PRODUCTION connection. Type its name to {action} it: ",
        conn.name
    );
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| CliError::usage(format!("cannot read the answer: {e}")))?;
    if line.trim() == conn.name {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "the name did not match {}; nothing was changed",
            conn.name
        )))
    }
}
