//! Token-protected endpoints and the rest: userinfo, identity URL, revoke, the REST versions list,
//! limits, frontdoor (research §1.2, §3, §4.3).

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};

use super::Ctx;
use super::authorize::{escape, page};
use super::scenario::User;

/// The bearer token of a request (`Authorization: Bearer …`, or Salesforce's older `OAuth …`).
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth"))
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The user and app behind a live access token.
fn session<'a>(ctx: &'a Ctx, token: &str) -> Option<(&'a User, String)> {
    let (user_id, client_id) = ctx.shared.with_data(|data| {
        data.access
            .get(token)
            .map(|at| (at.user_id.clone(), at.client_id.clone()))
    })?;
    let user = ctx.shared.scenario.user_by_id(&user_id)?;
    Some((user, client_id))
}

/// Userinfo and the identity URL answer 403 with a plain-text code, not 401 (research §3).
fn oauth_403(code: &'static str) -> Response {
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/plain;charset=UTF-8")],
        code,
    )
        .into_response()
}

fn split_name(name: &str) -> (&str, &str) {
    name.rsplit_once(' ').unwrap_or(("", name))
}

fn urls(ctx: &Ctx, user: &User) -> Value {
    let base = &ctx.shared.url;
    let org = &ctx.shared.scenario.org.id;
    json!({
        "enterprise": format!("{base}/services/Soap/c/{{version}}/{org}"),
        "metadata": format!("{base}/services/Soap/m/{{version}}/{org}"),
        "partner": format!("{base}/services/Soap/u/{{version}}/{org}"),
        "rest": format!("{base}/services/data/v{{version}}/"),
        "sobjects": format!("{base}/services/data/v{{version}}/sobjects/"),
        "search": format!("{base}/services/data/v{{version}}/search/"),
        "query": format!("{base}/services/data/v{{version}}/query/"),
        "recent": format!("{base}/services/data/v{{version}}/recent/"),
        "profile": format!("{base}/{}", user.id),
        "custom_domain": base,
    })
}

pub async fn userinfo(State(ctx): State<Ctx>, headers: HeaderMap) -> Response {
    let Some(token) = bearer(&headers) else {
        // Research §3: UNCONFIRMED, believed to be this.
        return oauth_403("Missing_OAuth_Token");
    };
    let Some((user, client_id)) = session(&ctx, token) else {
        return oauth_403("Bad_OAuth_Token");
    };
    let (given, family) = split_name(&user.name);
    let mut body = json!({
        "sub": ctx.shared.identity_url(&user.id),
        "user_id": user.id,
        "organization_id": ctx.shared.scenario.org.id,
        "preferred_username": user.username,
        "nickname": user.username.split('@').next().unwrap_or_default(),
        "name": user.name,
        "given_name": given,
        "family_name": family,
        "email": user.email,
        "email_verified": true,
        "zoneinfo": "Europe/London",
        "locale": "en_US",
        "language": "en_US",
        "utcOffset": 0,
        "urls": urls(&ctx, user),
        "active": user.active,
        "user_type": "STANDARD",
        "updated_at": "2026-01-05T09:30:00Z",
    });
    // Present only for tokens from an installed app (research §3).
    if ctx
        .shared
        .scenario
        .app(&client_id)
        .is_some_and(|a| a.installed)
    {
        body["is_app_installed"] = Value::Bool(true);
    }
    Json(body).into_response()
}

pub async fn identity(
    State(ctx): State<Ctx>,
    Path((org_id, user_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(token) = bearer(&headers) else {
        return oauth_403("Missing_OAuth_Token");
    };
    if session(&ctx, token).is_none() {
        return oauth_403("Bad_OAuth_Token");
    }
    let user = ctx.shared.scenario.user_by_id(&user_id);
    let Some(user) = user.filter(|_| org_id == ctx.shared.scenario.org.id) else {
        return not_found().await;
    };
    let (given, family) = split_name(&user.name);
    Json(json!({
        "id": ctx.shared.identity_url(&user.id),
        "asserted_user": true,
        "user_id": user.id,
        "organization_id": ctx.shared.scenario.org.id,
        "username": user.username,
        "nick_name": user.username.split('@').next().unwrap_or_default(),
        "display_name": user.name,
        "email": user.email,
        "first_name": given,
        "last_name": family,
        "timezone": "Europe/London",
        "active": user.active,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": 0,
        "urls": urls(&ctx, user),
        "is_lightning_login_user": false,
        "last_modified_date": "2026-01-05T09:30:00.000+0000",
    }))
    .into_response()
}

/// `token` from the form body (POST) or the query string (GET).
pub async fn revoke(
    State(ctx): State<Ctx>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let token = form
        .get("token")
        .or_else(|| query.get("token"))
        .map(String::as_str)
        .unwrap_or("");
    let known = ctx.shared.with_data(|data| {
        if data.access.remove(token).is_some() {
            true
        } else if data.refresh.contains_key(token) {
            data.revoke_refresh(token);
            true
        } else {
            false
        }
    });
    if known {
        StatusCode::OK.into_response()
    } else {
        // "For all error conditions, Salesforce returns a 400" with `unsupported_token_type` or
        // `invalid_token` (Mobile SDK guide, "Revoking OAuth Tokens"); revoking a refresh token
        // also revokes its access tokens (same page).
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_token", "error_description": "invalid token"})),
        )
            .into_response()
    }
}

/// API version `n` was released in this season (v32.0 = Winter '15, three releases a year).
fn version_label(n: u32) -> String {
    let k = n.saturating_sub(32);
    let season = ["Winter", "Spring", "Summer"][(k % 3) as usize];
    format!("{season} '{:02}", 15 + k / 3)
}

const OLDEST_VERSION: u32 = 31;

/// `GET /services/data/`: no authentication (research §1.2).
pub async fn versions(State(ctx): State<Ctx>) -> Response {
    let list: Vec<Value> = (OLDEST_VERSION..=ctx.shared.scenario.org.max_api_version)
        .map(|n| {
            let label = if n == 31 {
                "Summer '14".to_string()
            } else {
                version_label(n)
            };
            json!({"label": label, "url": format!("/services/data/v{n}.0"), "version": format!("{n}.0")})
        })
        .collect();
    Json(list).into_response()
}

fn rest_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!([{"message": message, "errorCode": code}])),
    )
        .into_response()
}

pub async fn limits(
    State(ctx): State<Ctx>,
    Path(version): Path<String>,
    headers: HeaderMap,
) -> Response {
    let org = &ctx.shared.scenario.org;
    let supported = version == "latest"
        || version
            .strip_prefix('v')
            .and_then(|v| v.strip_suffix(".0"))
            .and_then(|v| v.parse::<u32>().ok())
            .is_some_and(|n| (OLDEST_VERSION..=org.max_api_version).contains(&n));
    if !supported {
        return not_found().await;
    }
    let Some((user, client_id)) = bearer(&headers).and_then(|t| session(&ctx, t)) else {
        return rest_error(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
        );
    };
    // Valid for OAuth (userinfo answers) but not for the REST API: research §4.3.
    if ctx
        .shared
        .scenario
        .app(&client_id)
        .is_some_and(|a| a.rest_sessions_invalid)
    {
        return rest_error(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "This session is not valid for use with the REST API",
        );
    }
    if !org.api_enabled || !user.api_enabled {
        return rest_error(
            StatusCode::FORBIDDEN,
            "API_DISABLED_FOR_ORG",
            "The REST API is not enabled for this Organization.",
        );
    }
    let remaining = ctx.shared.with_data(|data| {
        if data.api_remaining == 0 {
            None
        } else {
            data.api_remaining -= 1;
            Some(data.api_remaining)
        }
    });
    let Some(remaining) = remaining else {
        return rest_error(
            StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        );
    };
    let max = org.daily_api_max;
    let mut response = Json(json!({
        "ConcurrentAsyncGetReportInstances": {"Max": 200, "Remaining": 200},
        "DailyApiRequests": {"Max": max, "Remaining": remaining},
        "DailyAsyncApexExecutions": {"Max": 250000, "Remaining": 250000},
        "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
        "DataStorageMB": {"Max": 5, "Remaining": 5},
        "FileStorageMB": {"Max": 20, "Remaining": 20},
        "HourlyTimeBasedWorkflow": {"Max": 1000, "Remaining": 1000},
        "SingleEmail": {"Max": 5000, "Remaining": 5000},
    }))
    .into_response();
    // Every REST response reports the day's usage in this header.
    if let Ok(v) = HeaderValue::from_str(&format!("api-usage={}/{max}", max - remaining)) {
        response.headers_mut().insert("sforce-limit-info", v);
    }
    response
}

/// `GET /secur/frontdoor.jsp?sid=…`: a browser session from an access token (research §1.2).
pub async fn frontdoor(
    State(ctx): State<Ctx>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let session = query.get("sid").and_then(|sid| session(&ctx, sid));
    let Some((user, _)) = session else {
        return (StatusCode::FOUND, [(header::LOCATION, "/?ec=302")]).into_response();
    };
    let org = &ctx.shared.scenario.org;
    Html(page(
        "Home",
        &format!(
            "<h1>{}</h1><p>You are logged in as {} ({}).</p>",
            escape(&org.name),
            escape(&user.name),
            escape(&user.username)
        ),
    ))
    .into_response()
}

pub async fn login_page(State(ctx): State<Ctx>) -> Response {
    Html(page(
        "Login",
        &format!(
            "<h1>{}</h1><p>This is sfconn's practice org. There is nothing to log in to here: \
             use the OAuth endpoints under /services/oauth2/.</p>",
            escape(&ctx.shared.scenario.org.name)
        ),
    ))
    .into_response()
}

pub async fn not_found() -> Response {
    rest_error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "The requested resource does not exist",
    )
}
