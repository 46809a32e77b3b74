//! `POST /services/oauth2/token`: every grant, with Salesforce's error strings (research §2, §4.1).

use std::collections::HashMap;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::scenario::{App, AppFlow, PermittedUsers, User};
use super::store::{DeviceAuth, DeviceStatus, RefreshToken, signature};
use super::{Ctx, HostKind};

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
        device_start(&ctx, &form, &headers)
    } else {
        let grant = form.get("grant_type").unwrap_or("");
        ctx.shared.counters.count_grant(grant);
        match grant {
            "authorization_code" => authorization_code(&ctx, &form, &headers),
            "refresh_token" => refresh_token(&ctx, &form, &headers),
            "password" => password(&ctx, &form, &headers),
            "urn:ietf:params:oauth:grant-type:jwt-bearer" => super::jwt::grant(&ctx, &form),
            "client_credentials" => client_credentials(&ctx, &form, &headers),
            "device" => device_poll(&ctx, &form, &headers),
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

pub fn find_app<'a>(ctx: &'a Ctx, client_id: Option<&str>) -> Result<&'a App, OAuthError> {
    client_id
        .and_then(|id| ctx.shared.scenario.app(id))
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
    if user.ip_restricted {
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

fn wants_refresh(scopes: &[String]) -> bool {
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
    let id = shared.identity_url(&issue.user.id);
    let issued_at = shared.now_millis().to_string();
    shared.with_data(|data| {
        data.access.insert(
            access_token.clone(),
            super::store::AccessToken {
                user_id: issue.user.id.clone(),
                client_id: issue.app.client_id.clone(),
                refresh_token: issue.parent_refresh.clone(),
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
fn new_refresh(ctx: &Ctx, app: &App, user: &User, scopes: &[String]) -> String {
    let token = ctx.shared.new_refresh_token();
    ctx.shared.with_data(|data| {
        data.add_refresh(
            token.clone(),
            RefreshToken {
                user_id: user.id.clone(),
                client_id: app.client_id.clone(),
                scopes: scopes.to_vec(),
            },
        );
    });
    token
}

fn authorization_code(ctx: &Ctx, form: &Form, headers: &HeaderMap) -> Grant {
    let auth = client_auth(form, headers);
    let app = find_app(ctx, auth.client_id.as_deref())?;
    if !app.has_flow(AppFlow::Web) {
        return Err(UNSUPPORTED_GRANT);
    }
    check_secret(app, auth.client_secret.as_deref(), app.secret_required)?;
    // A code is single-use: any exchange attempt by its app consumes it.
    let code = ctx.shared.with_data(|data| {
        let code = form.get("code")?;
        match data.codes.get(code) {
            Some(c) if c.client_id == app.client_id => data.codes.remove(code),
            _ => None,
        }
    });
    let now = ctx.shared.now_secs();
    let code = code.filter(|c| c.expires > now).ok_or(CODE_EXPIRED)?;
    if form.get("redirect_uri") != Some(code.redirect_uri.as_str()) {
        return Err(REDIRECT_MISMATCH);
    }
    if let Some((challenge, s256)) = &code.challenge {
        let verifier = form.get("code_verifier").ok_or(VERIFIER_MISSING)?;
        let computed = if *s256 {
            URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
        } else {
            verifier.to_string()
        };
        if &computed != challenge {
            return Err(VERIFIER_WRONG);
        }
    }
    let user = ctx
        .shared
        .scenario
        .user_by_id(&code.user_id)
        .ok_or(AUTH_FAILURE)?;
    check_user(user, app, true)?;
    let refresh = wants_refresh(&code.scopes).then(|| new_refresh(ctx, app, user, &code.scopes));
    Ok(issue(
        ctx,
        Issue {
            app,
            user,
            parent_refresh: refresh.clone(),
            new_refresh: refresh,
            scope: Some(code.scopes),
        },
    ))
}

fn refresh_token(ctx: &Ctx, form: &Form, headers: &HeaderMap) -> Grant {
    let auth = client_auth(form, headers);
    let app = find_app(ctx, auth.client_id.as_deref())?;
    check_secret(app, auth.client_secret.as_deref(), app.secret_required)?;
    let token = form.get("refresh_token").ok_or(REFRESH_EXPIRED)?;
    let (user_id, scopes) = ctx
        .shared
        .with_data(|data| {
            data.refresh
                .get(token)
                .filter(|rt| rt.client_id == app.client_id)
                .map(|rt| (rt.user_id.clone(), rt.scopes.clone()))
        })
        .ok_or(REFRESH_EXPIRED)?;
    if !app.refresh_token_valid {
        ctx.shared.with_data(|data| data.revoke_refresh(token));
        return Err(REFRESH_EXPIRED);
    }
    let user = ctx
        .shared
        .scenario
        .user_by_id(&user_id)
        .ok_or(REFRESH_EXPIRED)?;
    check_user(user, app, true)?;
    if app.refresh_token_rotation {
        // Rotation: the old token is spent, the new one takes its place among the approvals.
        ctx.shared.with_data(|data| data.revoke_refresh(token));
        let rotated = new_refresh(ctx, app, user, &scopes);
        return Ok(issue(
            ctx,
            Issue {
                app,
                user,
                parent_refresh: Some(rotated.clone()),
                new_refresh: Some(rotated),
                scope: Some(scopes),
            },
        ));
    }
    Ok(issue(
        ctx,
        Issue {
            app,
            user,
            parent_refresh: Some(token.to_string()),
            new_refresh: None,
            scope: Some(scopes),
        },
    ))
}

fn password(ctx: &Ctx, form: &Form, headers: &HeaderMap) -> Grant {
    let auth = client_auth(form, headers);
    let app = find_app(ctx, auth.client_id.as_deref())?;
    if !app.has_flow(AppFlow::Password) {
        return Err(UNSUPPORTED_GRANT);
    }
    check_secret(
        app,
        auth.client_secret.as_deref(),
        !app.client_secret.is_empty(),
    )?;
    // A blocked flow looks like a failed login from the outside (PRODUCT.md hint password-flow-blocked).
    if !ctx.shared.scenario.org.password_flow_allowed {
        return Err(AUTH_FAILURE);
    }
    let user = form
        .get("username")
        .and_then(|u| ctx.shared.scenario.user(u))
        .ok_or(AUTH_FAILURE)?;
    let given = form.get("password").unwrap_or("");
    let expected = format!("{}{}", user.password, user.security_token);
    if given != expected {
        return Err(AUTH_FAILURE);
    }
    check_user(user, app, true)?;
    Ok(issue(
        ctx,
        Issue {
            app,
            user,
            parent_refresh: None,
            new_refresh: None,
            scope: None,
        },
    ))
}

fn client_credentials(ctx: &Ctx, form: &Form, headers: &HeaderMap) -> Grant {
    // Research §2.6: only the org's own My Domain serves this grant.
    if ctx.host == HostKind::Login {
        return Err(WRONG_DOMAIN);
    }
    let auth = client_auth(form, headers);
    let app = find_app(ctx, auth.client_id.as_deref())?;
    if !app.has_flow(AppFlow::ClientCredentials) {
        return Err(UNSUPPORTED_GRANT);
    }
    check_secret(app, auth.client_secret.as_deref(), true)?;
    let user = app
        .run_as
        .as_deref()
        .and_then(|u| ctx.shared.scenario.user(u))
        .ok_or(NO_RUN_AS)?;
    // "Permitted Users" does not apply to client credentials (research §2.6).
    check_user(user, app, false)?;
    let scopes = grant_scopes(app, form.get("scope"))
        .into_iter()
        .filter(|s| {
            !matches!(
                s.as_str(),
                "full" | "web" | "offline_access" | "refresh_token"
            )
        })
        .collect();
    Ok(issue(
        ctx,
        Issue {
            app,
            user,
            parent_refresh: None,
            new_refresh: None,
            scope: Some(scopes),
        },
    ))
}

/// How long a device code waits for approval (the CLI tells users 10 minutes).
const DEVICE_CODE_TTL: Duration = Duration::from_secs(600);

fn device_start(ctx: &Ctx, form: &Form, headers: &HeaderMap) -> Grant {
    let auth = client_auth(form, headers);
    let app = find_app(ctx, auth.client_id.as_deref())?;
    if !app.has_flow(AppFlow::Device) {
        return Err(UNSUPPORTED_GRANT);
    }
    // Research §6: since September 2025 uninstalled apps using the device flow are blocked for everyone.
    if !app.installed {
        return Err(APP_NOT_INSTALLED);
    }
    let device_code = ctx.shared.random(32);
    let user_code = user_code(&ctx.shared.random(16));
    ctx.shared.with_data(|data| {
        data.devices.insert(
            device_code.clone(),
            DeviceAuth {
                client_id: app.client_id.clone(),
                user_code: user_code.clone(),
                scopes: grant_scopes(app, form.get("scope")),
                expires: ctx.shared.now_secs() + DEVICE_CODE_TTL.as_secs(),
                polls: 0,
                status: DeviceStatus::Pending,
            },
        );
    });
    let base = match ctx.host {
        HostKind::MyDomain => &ctx.shared.url,
        HostKind::Login => &ctx.shared.login_url,
    };
    Ok(json!({
        "device_code": device_code,
        "user_code": user_code,
        "verification_uri": format!("{base}/setup/connect"),
        "interval": app.device_interval_secs,
    }))
}

/// Eight characters a person can type without ambiguity (research §2.7: 8 characters).
fn user_code(random: &str) -> String {
    const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ23456789";
    random
        .bytes()
        .take(8)
        .map(|b| char::from(ALPHABET[usize::from(b) % ALPHABET.len()]))
        .collect()
}

fn device_poll(ctx: &Ctx, form: &Form, headers: &HeaderMap) -> Grant {
    let auth = client_auth(form, headers);
    let app = find_app(ctx, auth.client_id.as_deref())?;
    if !app.has_flow(AppFlow::Device) {
        return Err(UNSUPPORTED_GRANT);
    }
    let code = form.get("code").ok_or(CODE_EXPIRED)?;
    let browser_user = ctx.shared.scenario.browser_user().map(|u| u.id.clone());
    let now = ctx.shared.now_secs();
    let outcome = ctx.shared.with_data(|data| {
        let device = data
            .devices
            .get_mut(code)
            .filter(|d| d.client_id == app.client_id)?;
        if device.expires <= now {
            data.devices.remove(code);
            return None;
        }
        device.polls += 1;
        if device.status == DeviceStatus::Pending
            && let (Some(after), Some(user_id)) =
                (app.device_auto_approve_after_polls, &browser_user)
            && device.polls >= after
        {
            device.status = DeviceStatus::Approved {
                user_id: user_id.clone(),
            };
        }
        let status = device.status.clone();
        let scopes = device.scopes.clone();
        if status != DeviceStatus::Pending {
            data.devices.remove(code);
        }
        Some((status, scopes))
    });
    let (status, scopes) = outcome.ok_or(CODE_EXPIRED)?;
    let user_id = match status {
        DeviceStatus::Pending => return Err(AUTHORIZATION_PENDING),
        DeviceStatus::Denied => return Err(DEVICE_DENIED),
        DeviceStatus::Approved { user_id } => user_id,
    };
    let user = ctx
        .shared
        .scenario
        .user_by_id(&user_id)
        .ok_or(AUTH_FAILURE)?;
    check_user(user, app, true)?;
    let refresh = wants_refresh(&scopes).then(|| new_refresh(ctx, app, user, &scopes));
    Ok(issue(
        ctx,
        Issue {
            app,
            user,
            parent_refresh: refresh.clone(),
            new_refresh: refresh,
            scope: Some(scopes),
        },
    ))
}
