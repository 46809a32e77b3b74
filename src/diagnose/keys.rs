//! JWT checks for `doctor`: which `aud` Salesforce accepts (for `jwt-audience-invalid`). Keys
//! are loaded and checked against certificates by `profile::keys`, the one loader.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};

use crate::profile::Connection;

use super::net;

#[derive(Debug, Serialize, Deserialize)]
struct ProbeClaims {
    iss: String,
    sub: String,
    aud: String,
    exp: u64,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn sign(key: &EncodingKey, iss: &str, sub: &str, aud: &str) -> Result<String, String> {
    let claims = ProbeClaims {
        iss: iss.into(),
        sub: sub.into(),
        aud: aud.into(),
        // Salesforce accepts assertions that expire within three minutes (research §2.5).
        exp: now_secs() + 180,
    };
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, key)
        .map_err(|e| format!("cannot sign a JWT with this key: {e}"))
}

/// Read a file named by a profile setting, for a message that names the setting and the path.
pub fn read_setting_file(setting: &str, path: &Path) -> Result<String, String> {
    let bytes = crate::profile::atomic::read_capped(path, crate::profile::atomic::MAX_KEY_FILE)
        .map_err(|e| format!("{setting} {}: {e}", path.display()))?;
    String::from_utf8(bytes)
        .map_err(|_| format!("{setting} {}: not text, so not a PEM file", path.display()))
}

/// What Salesforce answered to an assertion with one audience.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudienceProbe {
    pub audience: String,
    pub accepted: bool,
    /// `error: description`, or the transport failure, exactly as received.
    pub answer: String,
}

/// The audiences worth trying: login, test and the My Domain, the configured one first.
pub fn candidate_audiences(conn: &Connection) -> Vec<String> {
    let mut out = vec![conn.audience().to_string()];
    let mut push = |aud: &str| {
        let aud = aud.trim_end_matches('/').to_string();
        if !out.contains(&aud) {
            out.push(aud);
        }
    };
    push(crate::profile::model::PRODUCTION_LOGIN);
    push(crate::profile::model::SANDBOX_LOGIN);
    if let Some(domain) = &conn.domain {
        push(domain);
    }
    out
}

/// Post one assertion per candidate audience to the connection's token endpoint. Tokens that
/// Salesforce grants on the way are revoked at once: the probe only wants the verdict.
pub async fn probe_audiences(
    conn: &Connection,
    key: &EncodingKey,
    timeout: Duration,
) -> Result<Vec<AudienceProbe>, String> {
    let client_id = conn.client_id.as_deref().ok_or("client_id is not set")?;
    let username = conn.username.as_deref().ok_or("username is not set")?;
    let client = net::client(timeout)?;
    let base = conn.login_host().trim_end_matches('/');
    let token_url = format!("{base}/services/oauth2/token");
    let mut probes = Vec::new();
    for audience in candidate_audiences(conn) {
        let assertion = sign(key, client_id, username, &audience)?;
        let form = [
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion.as_str()),
        ];
        let (accepted, answer) = match client.post(&token_url).form(&form).send().await {
            Err(e) => (false, net::error_chain(&e)),
            Ok(response) => {
                let status = response.status().as_u16();
                let body: serde_json::Value =
                    serde_json::from_slice(&net::read_body(response, 1024 * 1024).await)
                        .unwrap_or(serde_json::Value::Null);
                if let Some(token) = body.get("access_token").and_then(|t| t.as_str()) {
                    let revoke = format!("{base}/services/oauth2/revoke");
                    // Best effort: an unrevoked probe token simply expires with its session.
                    let _ = client.post(&revoke).form(&[("token", token)]).send().await;
                    (true, format!("HTTP {status}: token granted"))
                } else {
                    let field = |k: &str| {
                        body.get(k)
                            .and_then(|v| v.as_str())
                            .unwrap_or("")
                            .to_string()
                    };
                    (
                        false,
                        format!(
                            "HTTP {status}: {}: {}",
                            field("error"),
                            field("error_description")
                        ),
                    )
                }
            }
        };
        // The answer is shown: no assertion echoed back, no escape sequences.
        let mut redactor = super::redact::Redactor::new();
        redactor.add("assertion", &assertion);
        let answer = super::redact::printable(&redactor.redact(&answer));
        probes.push(AudienceProbe {
            audience,
            accepted,
            answer,
        });
    }
    Ok(probes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audiences_start_with_the_configured_one_without_duplicates() {
        let mut conn = Connection::new("c", crate::profile::Flow::Jwt);
        conn.domain = Some("https://acme.my.salesforce.com".into());
        conn.environment = crate::profile::Environment::Sandbox;
        assert_eq!(
            candidate_audiences(&conn),
            [
                "https://test.salesforce.com",
                "https://login.salesforce.com",
                "https://acme.my.salesforce.com"
            ]
        );
    }
}
