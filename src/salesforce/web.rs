//! Web server (authorization code) flow with PKCE S256, always (research §2.2): the browser signs
//! in at Salesforce and comes back to the local callback server with a code, which is exchanged
//! with the verifier.

use std::time::Duration;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::callback::{self, CallbackOutcome};
use super::grant::{optional_secret, post_token, require_setting};
use super::hosts;
use super::login::{LoginEvent, LoginOptions};
use super::report::{Failure, LocalCondition};
use super::token::TokenResponse;
use crate::profile::Connection;
use crate::secrets::{SecretKind, SecretStore};

fn random_b64(len: usize) -> Result<String, Failure> {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).map_err(|e| Failure::Local {
        condition: LocalCondition::RandomUnavailable,
        detail: format!("the operating system's random number source failed: {e}"),
    })?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// A PKCE verifier (32 random bytes, 43 characters) and its S256 challenge.
pub(crate) fn pkce_pair() -> Result<(String, String), Failure> {
    let verifier = random_b64(32)?;
    let challenge = pkce_challenge(&verifier);
    Ok((verifier, challenge))
}

pub(crate) fn pkce_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The authorize URL the browser opens.
pub(crate) fn authorize_url(
    conn: &Connection,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    challenge: &str,
) -> Result<String, Failure> {
    let mut url = hosts::authorize_url(conn)?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", conn.scopes())
        .append_pair("state", state)
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256");
    Ok(url.into())
}

pub(crate) async fn login(
    store: &SecretStore,
    conn: &Connection,
    opts: &LoginOptions,
    on_event: &(dyn Fn(LoginEvent) + Send + Sync),
) -> Result<TokenResponse, Failure> {
    let client_id = require_setting(conn, conn.client_id.as_deref(), "client_id", "--client-id")?;
    let client_secret = optional_secret(store, conn, SecretKind::ClientSecret).await?;
    let port = conn.callback_port();
    let redirect_uri = hosts::redirect_uri(port);
    let (verifier, challenge) = pkce_pair()?;
    let state = random_b64(16)?;
    let server = callback::start(port, state.clone()).await?;
    let url = authorize_url(conn, client_id, &redirect_uri, &state, &challenge)?;

    if opts.no_browser {
        on_event(LoginEvent::OpenThisUrl { url: url.clone() });
    } else {
        let target = url.clone();
        let opened = tokio::task::spawn_blocking(move || crate::browser::open(&target)).await;
        match opened {
            Ok(Ok(())) => on_event(LoginEvent::BrowserOpened { url: url.clone() }),
            Ok(Err(e)) => on_event(LoginEvent::BrowserUnavailable {
                url: url.clone(),
                reason: e.to_string(),
            }),
            Err(e) => on_event(LoginEvent::BrowserUnavailable {
                url: url.clone(),
                reason: e.to_string(),
            }),
        }
    }
    on_event(LoginEvent::Waiting {
        detail: format!(
            "waiting up to {} s for the browser to come back to {redirect_uri}",
            opts.callback_timeout.as_secs()
        ),
        wait_secs: opts.callback_timeout.as_secs(),
    });

    match server.wait(opts.callback_timeout).await {
        None => Err(Failure::Local {
            condition: LocalCondition::CallbackTimeout,
            detail: format!(
                "no answer reached {redirect_uri} within {} s. If Salesforce showed an error page \
                 (often redirect_uri_mismatch), add {redirect_uri} to the app's callback URLs; otherwise sign in faster \
                 or use --no-browser and open the URL yourself",
                opts.callback_timeout.as_secs()
            ),
        }),
        Some(CallbackOutcome::StateMismatch { .. }) => Err(Failure::Local {
            condition: LocalCondition::CallbackStateMismatch,
            detail: format!(
                "a request reached {redirect_uri} with a state value sfconn did not send; its code was not used. \
                 Close other sign-in tabs and run `sfconn login {}` again",
                conn.name
            ),
        }),
        Some(CallbackOutcome::AuthorizeError { error, description }) => Err(Failure::OAuth {
            http_status: None,
            error,
            description,
        }),
        Some(CallbackOutcome::Code(code)) => {
            exchange(
                conn,
                client_id,
                client_secret.as_deref(),
                &code,
                &redirect_uri,
                &verifier,
                opts.timeout,
            )
            .await
        }
    }
}

async fn exchange(
    conn: &Connection,
    client_id: &str,
    client_secret: Option<&str>,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
    timeout: Duration,
) -> Result<TokenResponse, Failure> {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier),
    ];
    if let Some(secret) = client_secret {
        form.push(("client_secret", secret));
    }
    post_token(conn, &form, timeout).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Flow;

    #[test]
    fn pkce_s256_is_unpadded_base64url_of_sha256() {
        // Expected value computed independently (python hashlib + urlsafe_b64encode, unpadded).
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFzXjWk"),
            "HIPiDLmCmB5v6GVZC-K_2z9O9dLNwfS-VUTrx6hWqEo"
        );
        let (v, c) = pkce_pair().unwrap();
        assert_eq!(v.len(), 43);
        assert_eq!(c, pkce_challenge(&v));
    }

    #[test]
    fn authorize_url_carries_pkce_and_state() {
        let mut conn = Connection::new("w", Flow::Web);
        conn.domain = Some("https://acme.my.salesforce.com".into());
        let url = authorize_url(&conn, "cid", &hosts::redirect_uri(1717), "st", "ch").unwrap();
        let parsed = reqwest::Url::parse(&url).unwrap();
        let q: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
        assert_eq!(parsed.path(), "/services/oauth2/authorize");
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["code_challenge"], "ch");
        assert_eq!(q["state"], "st");
        assert_eq!(q["redirect_uri"], "http://localhost:1717/OauthRedirect");
        assert_eq!(q["scope"], "api refresh_token");
    }
}
