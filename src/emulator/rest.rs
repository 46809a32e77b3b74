//! Token-protected endpoints and the rest: userinfo, identity URL, revoke, the REST versions list,
//! limits, frontdoor (research §1.2, §3, §4.3).

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};

use super::authorize::{escape, page};
use super::data::rest_error;
use super::scenario::User;
use super::{Ctx, HostKind};

/// The token of a request: `Authorization: Bearer …` (or Salesforce's older `OAuth …`) and, where
/// Salesforce also takes it, the `oauth_token` parameter (userinfo and the identity URL, research
/// §3; jsforce's `identity()` sends `?format=json&oauth_token=…`).
pub fn request_token<'a>(
    headers: &'a HeaderMap,
    params: Option<&'a HashMap<String, String>>,
) -> Option<&'a str> {
    let header_token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|value| {
            let (scheme, token) = value.trim().split_once(' ')?;
            (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth"))
                .then(|| token.trim())
        })
        .filter(|t| !t.is_empty());
    header_token.or_else(|| {
        params?
            .get("oauth_token")
            .map(String::as_str)
            .filter(|t| !t.is_empty())
    })
}

/// The token parameters of a GET (query string) or POST (form body) to userinfo or the identity URL.
fn token_params(query: HashMap<String, String>, body: &[u8]) -> HashMap<String, String> {
    let mut params = query;
    params.extend(url::form_urlencoded::parse(body).into_owned());
    params
}

/// Who is behind a live access token.
pub struct Session<'a> {
    pub user: &'a User,
    pub client_id: String,
    pub login_host: HostKind,
}

/// The user and app behind a live access token.
pub fn session<'a>(ctx: &'a Ctx, token: &str) -> Option<Session<'a>> {
    let (user_id, client_id, login_host) = ctx.shared.with_data(|data| {
        data.access
            .get(token)
            .map(|at| (at.user_id.clone(), at.client_id.clone(), at.login_host))
    })?;
    let user = ctx.shared.scenario.user_by_id(&user_id)?;
    Some(Session {
        user,
        client_id,
        login_host,
    })
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

pub async fn userinfo(
    State(ctx): State<Ctx>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = token_params(query, &body);
    let Some(token) = request_token(&headers, Some(&params)) else {
        // Research §3: UNCONFIRMED, believed to be this.
        return oauth_403("Missing_OAuth_Token");
    };
    let Some(Session {
        user,
        client_id,
        login_host,
    }) = session(&ctx, token)
    else {
        return oauth_403("Bad_OAuth_Token");
    };
    let (given, family) = split_name(&user.name);
    let mut body = json!({
        "sub": ctx.shared.identity_url(&user.id, login_host),
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
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = token_params(query, &body);
    let Some(token) = request_token(&headers, Some(&params)) else {
        return oauth_403("Missing_OAuth_Token");
    };
    let Some(Session { login_host, .. }) = session(&ctx, token) else {
        return oauth_403("Bad_OAuth_Token");
    };
    let user = ctx.shared.scenario.user_by_id(&user_id);
    let Some(user) = user.filter(|_| org_id == ctx.shared.scenario.org.id) else {
        return not_found().await;
    };
    let (given, family) = split_name(&user.name);
    Json(json!({
        "id": ctx.shared.identity_url(&user.id, login_host),
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
        // A token Salesforce no longer knows (or never issued) is answered form-encoded, not as
        // JSON: jsforce's `revokeToken()` parses the error body with `querystring.parse`
        // (research §1.2, revoke). Revoking a refresh token also ends its sessions (above).
        (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "application/x-www-form-urlencoded")],
            "error=unsupported_token_type&error_description=this%20token%20type%20is%20not%20supported",
        )
            .into_response()
    }
}

/// `GET /secur/frontdoor.jsp?sid=…`: a browser session from an access token (research §1.2).
pub async fn frontdoor(
    State(ctx): State<Ctx>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let session = query.get("sid").and_then(|sid| session(&ctx, sid));
    let Some(Session { user, .. }) = session else {
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
