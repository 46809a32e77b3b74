//! Reading secrets for `add`/`edit`: from `SFCONN_*` variables, or a hidden prompt on a
//! terminal. Never from flags (they end up in shell history and `ps`).

use std::io::IsTerminal;

use crate::error::{CliError, CliResult};
use crate::profile::validate::{required_secrets, secret_env_var};
use crate::profile::{Connection, Flow, keys};
use crate::secrets::SecretKind;

/// The secrets a flow uses, and whether it cannot work without them.
fn secrets_for(flow: Flow) -> &'static [(SecretKind, &'static str)] {
    match flow {
        Flow::Web => &[(
            SecretKind::ClientSecret,
            "Consumer secret (Enter if the app has none)",
        )],
        Flow::Device => &[],
        Flow::Jwt => &[(SecretKind::PrivateKey, "")],
        Flow::ClientCredentials => &[(SecretKind::ClientSecret, "Consumer secret")],
        Flow::Password => &[
            (SecretKind::ClientSecret, "Consumer secret"),
            (SecretKind::Password, "Password"),
            (
                SecretKind::SecurityToken,
                "Security token (Enter if your IP is trusted)",
            ),
        ],
    }
}

fn env_secret(kind: SecretKind) -> Option<String> {
    std::env::var(secret_env_var(kind))
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
    for (kind, prompt) in secrets_for(conn.flow) {
        let kind = *kind;
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
        if prompt.is_empty() || !terminal || !missing || !(required || ask_optional) {
            continue;
        }
        let value =
            rpassword::prompt_password(format!("{prompt} for {}: ", conn.name)).map_err(|e| {
                CliError::usage(format!(
                    "cannot read the {} from the terminal: {e}; set {} instead",
                    kind.as_str(),
                    secret_env_var(kind)
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
    secrets_for(flow)
        .iter()
        .any(|(k, _)| env_secret(*k).is_some())
}
