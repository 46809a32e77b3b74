//! `POST /services/oauth2/token`: every grant, with Salesforce's error strings (research §2, §4.1).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use std::collections::HashMap;

use super::scenario::{App, PermittedUsers, User};
use super::store::{RefreshToken, signature};
use super::{Ctx, device, grants};

/// A token-endpoint error: HTTP 400 with `{"error","error_description"}` (research §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OAuthError {
    pub error: &'static str,
    pub description: &'static str,
}

const fn err(error: &'static str, description: &'static str) -> OAuthError {
    OAuthError { error, description }
}

pub const UNSUPPORTED_GRANT: OAuthError = err("unsupported_grant_type", "grant type not supported");
pub const CLIENT_ID_INVALID: OAuthError = err("invalid_client_id", "client identifier invalid");
pub const CLIENT_CREDENTIALS_INVALID: OAuthError =
    err("invalid_client", "invalid client credentials");
pub const AUTH_FAILURE: OAuthError = err("invalid_grant", "authentication failure");
pub const CODE_EXPIRED: OAuthError = err("invalid_grant", "expired authorization code");
pub const REFRESH_EXPIRED: OAuthError = err("invalid_grant", "expired access/refresh token");
pub const INACTIVE_USER: OAuthError = err("invalid_grant", "inactive user");
pub const IP_RESTRICTED: OAuthError = err("invalid_grant", "ip restricted");
pub const NOT_ADMIN_APPROVED: OAuthError = err(
    "invalid_app_access",
    "user is not admin approved to access this app",
);
pub const WRONG_DOMAIN: OAuthError = err("invalid_grant", "request not supported on this domain");
pub const NO_RUN_AS: OAuthError = err("invalid_grant", "no client credentials user enabled");
pub const APP_NOT_INSTALLED: OAuthError = err("invalid_client", "app must be installed into org");
pub const REDIRECT_MISMATCH: OAuthError = err(
    "redirect_uri_mismatch",
    "redirect_uri must match configuration",
);
// Research §2.2: a missing verifier gives invalid_grant, a wrong one invalid_request; the
// description is not documented, so ours names the problem.
pub const VERIFIER_MISSING: OAuthError = err("invalid_grant", "invalid code verifier");
pub const VERIFIER_WRONG: OAuthError = err("invalid_request", "invalid code verifier");
pub const AUTHORIZATION_PENDING: OAuthError = err("authorization_pending", "authorization pending");
pub const DEVICE_DENIED: OAuthError = err("access_denied", "end-user denied authorization");

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": self.error, "error_description": self.description})),
        )
            .into_response()
    }
}

pub type Grant = Result<Value, OAuthError>;

/// The form body, last value winning for repeated keys.
pub struct Form(HashMap<String, String>);

impl Form {
    /// A form body whatever its declared content type (endpoints other than the token endpoint).
    pub fn parse_any(body: &[u8]) -> Form {
        Form(url::form_urlencoded::parse(body).into_owned().collect())
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// Salesforce reads token parameters only from a form-encoded body; anything else (JSON, query
/// parameters) ends as `unsupported_grant_type` (research §4.1).
fn parse_form(headers: &HeaderMap, body: &[u8]) -> Option<Form> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    if !content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
    {
        return None;
    }
    Some(Form(
        url::form_urlencoded::parse(body).into_owned().collect(),
    ))
}

pub async fn token(State(ctx): State<Ctx>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(form) = parse_form(&headers, &body) else {
        return UNSUPPORTED_GRANT.into_response();
    };
    let result = if form.get("response_type") == Some("device_code") {
        ctx.shared.counters.count_grant("device_code");
        device::start(&ctx, &form, &headers)
    } else {
        let grant = form.get("grant_type").unwrap_or("");
        ctx.shared.counters.count_grant(grant);
        match grant {
            "authorization_code" => grants::authorization_code(&ctx, &form, &headers),
            "refresh_token" => grants::refresh_token(&ctx, &form, &headers),
            "password" => grants::password(&ctx, &form, &headers),
            "urn:ietf:params:oauth:grant-type:jwt-bearer" => super::jwt::grant(&ctx, &form),
            "client_credentials" => grants::client_credentials(&ctx, &form, &headers),
            "device" => device::poll(&ctx, &form, &headers),
            _ => Err(UNSUPPORTED_GRANT),
        }
    };
    match result {
        Ok(body) => Json(body).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Client id and secret from the body, or from HTTP Basic authentication.
pub struct ClientAuth {
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

pub fn client_auth(form: &Form, headers: &HeaderMap) -> ClientAuth {
    let mut auth = ClientAuth {
        client_id: form.get("client_id").map(String::from),
        client_secret: form.get("client_secret").map(String::from),
    };
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b64| STANDARD.decode(b64.trim()).ok())
        .and_then(|raw| String::from_utf8(raw).ok());
    if let Some((id, secret)) = basic.as_deref().and_then(|s| s.split_once(':')) {
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("v={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        auth.client_id.get_or_insert_with(|| decode(id));
        auth.client_secret.get_or_insert_with(|| decode(secret));
    }
    auth
}

pub fn find_app(ctx: &Ctx, client_id: Option<&str>) -> Result<std::sync::Arc<App>, OAuthError> {
    client_id
        .and_then(|id| ctx.shared.app(id))
        .ok_or(CLIENT_ID_INVALID)
}

/// A secret that is sent must be right; a missing one is refused only when required.
pub fn check_secret(app: &App, given: Option<&str>, required: bool) -> Result<(), OAuthError> {
    match given {
        Some(secret) if secret != app.client_secret => Err(CLIENT_CREDENTIALS_INVALID),
        None if required => Err(CLIENT_CREDENTIALS_INVALID),
        _ => Ok(()),
    }
}

/// The user-level checks every grant makes before a session is issued.
pub fn check_user(user: &User, app: &App, permitted_users_apply: bool) -> Result<(), OAuthError> {
    if !user.active {
        return Err(INACTIVE_USER);
    }
    if user.ip_restricted || app.ip_restricted {
        return Err(IP_RESTRICTED);
    }
    if permitted_users_apply
        && app.permitted_users == PermittedUsers::AdminApproved
        && !app.is_pre_authorized(&user.username)
    {
        return Err(NOT_ADMIN_APPROVED);
    }
    Ok(())
}

/// Requested scopes the app allows; none requested means all the app's scopes.
pub fn grant_scopes(app: &App, requested: Option<&str>) -> Vec<String> {
    match requested {
        None => app.scopes.clone(),
        Some(list) => list
            .split_whitespace()
            .filter(|s| app.scopes.iter().any(|a| a == s))
            .map(String::from)
            .collect(),
    }
}

pub fn wants_refresh(scopes: &[String]) -> bool {
    scopes
        .iter()
        .any(|s| s == "refresh_token" || s == "offline_access")
}

/// What goes into a successful token response besides the access token.
pub struct Issue<'a> {
    pub app: &'a App,
    pub user: &'a User,
    /// The refresh token the session belongs to (revoking it ends the session).
    pub parent_refresh: Option<String>,
    /// A refresh token to return (web, device, rotation).
    pub new_refresh: Option<String>,
    /// `scope` field; `None` for the username-password flow, which returns none.
    pub scope: Option<Vec<String>>,
}

/// Store a new session and build Salesforce's token response (research §2.1).
pub fn issue(ctx: &Ctx, issue: Issue<'_>) -> Value {
    let shared = &ctx.shared;
    let access_token = shared.new_access_token();
    let id = shared.identity_url(&issue.user.id, ctx.host);
    let issued_at = shared.now_millis().to_string();
    shared.with_data(|data| {
        data.access.insert(
            access_token.clone(),
            super::store::AccessToken {
                user_id: issue.user.id.clone(),
                client_id: issue.app.client_id.clone(),
                refresh_token: issue.parent_refresh.clone(),
                login_host: ctx.host,
                scopes: issue.scope.clone().unwrap_or_default(),
                issued_at: shared.now_secs(),
            },
        );
    });
    let mut body = json!({
        "access_token": access_token,
        "signature": signature(&issue.app.client_secret, &id, &issued_at),
        "instance_url": shared.url,
        "id": id,
        "token_type": "Bearer",
        "issued_at": issued_at,
    });
    if let Some(scope) = issue.scope {
        body["scope"] = Value::String(scope.join(" "));
    }
    if let Some(rt) = issue.new_refresh {
        body["refresh_token"] = Value::String(rt);
    }
    body
}

/// Issue a new refresh token (an "approval") for the user and app.
pub fn new_refresh(ctx: &Ctx, app: &App, user: &User, scopes: &[String]) -> String {
    let token = ctx.shared.new_refresh_token();
    ctx.shared.with_data(|data| {
        data.add_refresh(
            token.clone(),
            RefreshToken {
                user_id: user.id.clone(),
                client_id: app.client_id.clone(),
                scopes: scopes.to_vec(),
                issued_at: ctx.shared.now_secs(),
                login_host: ctx.host,
            },
        );
    });
    token
}
