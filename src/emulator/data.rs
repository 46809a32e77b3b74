//! The REST data API under `/services/data/`: the versions list, the resource list of one version,
//! limits and `sobjects/User/{id}` (research §1.2, §4.3, §9). The queries are in `query.rs`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Ctx;
use super::rest::{Session, not_found, request_token, session};
use super::scenario::User;

/// The oldest version still served. 7.0–20.0 were retired in Summer '22 and 21.0–30.0 in
/// Summer '25; a retired version answers 410 (research §4.3, §9).
pub const OLDEST_VERSION: u32 = 31;

/// API version `n` was released in this season (v32.0 = Winter '15, three releases a year).
fn version_label(n: u32) -> String {
    if n == 31 {
        return "Summer '14".to_string();
    }
    let k = n.saturating_sub(32);
    let season = ["Winter", "Spring", "Summer"][(k % 3) as usize];
    format!("{season} '{:02}", 15 + k / 3)
}

/// `GET /services/data/`: no authentication (research §1.2).
pub async fn versions(State(ctx): State<Ctx>) -> Response {
    let list: Vec<Value> = (OLDEST_VERSION..=ctx.shared.scenario.org.max_api_version)
        .map(|n| {
            json!({"label": version_label(n), "url": format!("/services/data/v{n}.0"), "version": format!("{n}.0")})
        })
        .collect();
    Json(list).into_response()
}

pub fn rest_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!([{"message": message, "errorCode": code}])),
    )
        .into_response()
}

/// A `vNN.0` path segment: the version number, or the answer for a version the org does not serve.
#[allow(
    clippy::result_large_err,
    reason = "the error is the finished HTTP answer, built once per request"
)]
pub(super) fn check_version(ctx: &Ctx, version: &str) -> Result<u32, Response> {
    let max = ctx.shared.scenario.org.max_api_version;
    if version == "latest" {
        return Ok(max);
    }
    let n = version
        .strip_prefix('v')
        .and_then(|v| v.strip_suffix(".0"))
        .and_then(|v| v.parse::<u32>().ok());
    match n {
        Some(n) if (OLDEST_VERSION..=max).contains(&n) => Ok(n),
        // restforce #941 shows the errorCode `GONE` after the Summer '25 retirement; the message is
        // ours (research §9).
        Some(n) if (1..OLDEST_VERSION).contains(&n) => Err(rest_error(
            StatusCode::GONE,
            "GONE",
            &format!(
                "API version {n}.0 has been retired. Use version {OLDEST_VERSION}.0 or later."
            ),
        )),
        _ => Err(not_found_response()),
    }
}

fn not_found_response() -> Response {
    rest_error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "The requested resource does not exist",
    )
}

/// The user and app behind the request's token, as the REST API sees it (research §4.3): a bad
/// token is 401 `INVALID_SESSION_ID`, an app whose sessions the REST API refuses too, and an org or
/// user without API access is 403 `API_DISABLED_FOR_ORG`.
#[allow(
    clippy::result_large_err,
    reason = "the error is the finished HTTP answer, built once per request"
)]
pub(super) fn rest_session<'a>(ctx: &'a Ctx, headers: &HeaderMap) -> Result<Session<'a>, Response> {
    // The REST API takes the token from the Authorization header only.
    let Some(session) = request_token(headers, None).and_then(|t| session(ctx, t)) else {
        return Err(rest_error(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
        ));
    };
    if ctx
        .shared
        .app(&session.client_id)
        .is_some_and(|a| a.rest_sessions_invalid)
    {
        return Err(rest_error(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "This session is not valid for use with the REST API",
        ));
    }
    if !ctx.shared.scenario.org.api_enabled || !session.user.api_enabled {
        return Err(rest_error(
            StatusCode::FORBIDDEN,
            "API_DISABLED_FOR_ORG",
            "The REST API is not enabled for this Organization.",
        ));
    }
    Ok(session)
}

/// Every REST call uses one request of the day's allowance; at 0 the API refuses.
#[allow(
    clippy::result_large_err,
    reason = "the error is the finished HTTP answer, built once per request"
)]
pub(super) fn use_api_request(ctx: &Ctx) -> Result<u64, Response> {
    let remaining = ctx.shared.with_data(|data| {
        if data.api_remaining == 0 {
            None
        } else {
            data.api_remaining -= 1;
            Some(data.api_remaining)
        }
    });
    remaining.ok_or_else(|| {
        rest_error(
            StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        )
    })
}

/// Every REST response reports the day's usage in `Sforce-Limit-Info`.
pub(super) fn with_usage(ctx: &Ctx, remaining: u64, mut response: Response) -> Response {
    let max = ctx.shared.scenario.org.daily_api_max;
    if let Ok(v) = HeaderValue::from_str(&format!(
        "api-usage={}/{max}",
        max.saturating_sub(remaining)
    )) {
        response.headers_mut().insert("sforce-limit-info", v);
    }
    response
}

/// Version check, session check and the request count every REST call goes through.
#[allow(
    clippy::result_large_err,
    reason = "the error is the finished HTTP answer, built once per request"
)]
pub(super) fn rest_call<'a>(
    ctx: &'a Ctx,
    version: &str,
    headers: &HeaderMap,
) -> Result<(u32, Session<'a>, u64), Response> {
    let n = check_version(ctx, version)?;
    let session = rest_session(ctx, headers)?;
    let remaining = use_api_request(ctx)?;
    Ok((n, session, remaining))
}

/// `GET /services/data/vNN.0`: the resources of one version. The Salesforce CLI reads it first
/// (sfdx-core `Connection`), jsforce's `identity()` takes `identity` from it.
pub async fn resources(
    State(ctx): State<Ctx>,
    Path(version): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (n, session, remaining) = match rest_call(&ctx, &version, &headers) {
        Ok(ok) => ok,
        Err(answer) => return answer,
    };
    let base = format!("/services/data/v{n}.0");
    let mut list = serde_json::Map::new();
    for name in [
        "tooling",
        "metadata",
        "eclair",
        "folders",
        "prechatForms",
        "contact-tracing",
        "chatter",
        "tabs",
        "appMenu",
        "quickActions",
        "queryAll",
        "commerce",
        "wave",
        "iot",
        "analytics",
        "search",
        "identity",
        "composite",
        "parameterizedSearch",
        "fingerprint",
        "theme",
        "nouns",
        "event",
        "serviceTemplates",
        "recent",
        "connect",
        "licensing",
        "limits",
        "process",
        "async-queries",
        "query",
        "match",
        "emailConnect",
        "compactLayouts",
        "knowledgeManagement",
        "sobjects",
        "actions",
        "support",
    ] {
        let value = if name == "identity" {
            ctx.shared
                .identity_url(&session.user.id, session.login_host)
        } else {
            format!("{base}/{name}")
        };
        list.insert(name.to_string(), Value::String(value));
    }
    with_usage(&ctx, remaining, Json(Value::Object(list)).into_response())
}

pub async fn limits(
    State(ctx): State<Ctx>,
    Path(version): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (_, _, remaining) = match rest_call(&ctx, &version, &headers) {
        Ok(ok) => ok,
        Err(answer) => return answer,
    };
    let max = ctx.shared.scenario.org.daily_api_max;
    let body = Json(json!({
        "ConcurrentAsyncGetReportInstances": {"Max": 200, "Remaining": 200},
        "DailyApiRequests": {"Max": max, "Remaining": remaining},
        "DailyAsyncApexExecutions": {"Max": 250000, "Remaining": 250000},
        "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
        "DataStorageMB": {"Max": 5, "Remaining": 5},
        "FileStorageMB": {"Max": 20, "Remaining": 20},
        "HourlyTimeBasedWorkflow": {"Max": 1000, "Remaining": 1000},
        "SingleEmail": {"Max": 5000, "Remaining": 5000},
    }));
    with_usage(&ctx, remaining, body.into_response())
}

/// The User record's fields as the REST API names them (the CLI reads `Username` after a web login).
pub(super) fn user_record(ctx: &Ctx, n: u32, user: &User) -> serde_json::Map<String, Value> {
    let (first, last) = user.name.rsplit_once(' ').unwrap_or(("", &user.name));
    let alias: String = user.username.chars().take(8).collect();
    let json = json!({
        "attributes": {"type": "User", "url": format!("/services/data/v{n}.0/sobjects/User/{}", user.id)},
        "Id": user.id,
        "Username": user.username,
        "LastName": last,
        "FirstName": if first.is_empty() { Value::Null } else { Value::String(first.to_string()) },
        "Name": user.name,
        "CompanyName": ctx.shared.scenario.org.name,
        "Email": user.email,
        "Alias": alias,
        "CommunityNickname": user.username.split('@').next().unwrap_or_default(),
        "IsActive": user.active,
        "TimeZoneSidKey": "Europe/London",
        "LocaleSidKey": "en_US",
        "LanguageLocaleKey": "en_US",
        "EmailEncodingKey": "UTF-8",
        "UserType": "Standard",
        "ProfileId": "00ePR4CT1CEPROF1AA",
        "UserRoleId": Value::Null,
        "ContactId": Value::Null,
        "AccountId": Value::Null,
    });
    match json {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

/// `GET /services/data/vNN.0/sobjects/User/{id}`: after a web or access-token login the Salesforce
/// CLI reads `Username` from here (sfdx-core `AuthInfo.retrieveUserInfo`).
pub async fn sobject_user(
    State(ctx): State<Ctx>,
    Path((version, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let (n, _, remaining) = match rest_call(&ctx, &version, &headers) {
        Ok(ok) => ok,
        Err(answer) => return answer,
    };
    // Both the 15- and the 18-character form of an id name the same record.
    let user = ctx
        .shared
        .scenario
        .users
        .iter()
        .find(|u| u.id == id || (id.len() == 15 && u.id.get(..15) == Some(id.as_str())));
    let Some(user) = user else {
        return with_usage(&ctx, remaining, not_found_response());
    };
    let record = user_record(&ctx, n, user);
    with_usage(&ctx, remaining, Json(Value::Object(record)).into_response())
}

/// Any other path under a version: the version check first (410 for a retired one), then 404.
pub async fn other(
    State(ctx): State<Ctx>,
    Path((version, _rest)): Path<(String, String)>,
) -> Response {
    match check_version(&ctx, &version) {
        Err(answer) => answer,
        Ok(_) => not_found().await,
    }
}
