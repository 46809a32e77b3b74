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
