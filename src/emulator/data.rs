//! The REST data API under `/services/data/`: the versions list, the resource list of one version,
//! limits, `sobjects/User/{id}` and the few queries clients send right after login (research §1.2,
//! §4.3, §9).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Ctx;
use super::rest::{Session, not_found, request_token, session};
use super::scenario::User;

/// The oldest version still served. 7.0–20.0 were retired in Summer '22 and 21.0–30.0 in
/// Summer '25; a retired version answers 410 (research §4.3).
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
fn check_version(ctx: &Ctx, version: &str) -> Result<u32, Response> {
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
        // ours (research §4.3).
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
fn rest_session<'a>(ctx: &'a Ctx, headers: &HeaderMap) -> Result<Session<'a>, Response> {
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
        .scenario
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
fn use_api_request(ctx: &Ctx) -> Result<u64, Response> {
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
fn with_usage(ctx: &Ctx, remaining: u64, mut response: Response) -> Response {
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
fn rest_call<'a>(
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
fn user_record(ctx: &Ctx, n: u32, user: &User) -> serde_json::Map<String, Value> {
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

/// `GET /services/data/vNN.0/query?q=…`: the queries clients send right after login. The Salesforce
/// CLI reads the Organization (sfdx-core `Org.retrieveOrganizationInformation`) and checks whether
/// the org is a Dev Hub by querying ScratchOrgInfo (`AuthInfo.determineIfDevHub`): this org is not
/// one, so that object does not exist here.
pub async fn query(
    State(ctx): State<Ctx>,
    Path(version): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let (n, _, remaining) = match rest_call(&ctx, &version, &headers) {
        Ok(ok) => ok,
        Err(answer) => return answer,
    };
    let q = params.get("q").map(String::as_str).unwrap_or("");
    let answer = match parse_soql(q) {
        None => rest_error(
            StatusCode::BAD_REQUEST,
            "MALFORMED_QUERY",
            &format!(
                "unexpected token: '{}'",
                q.split_whitespace().next().unwrap_or("")
            ),
        ),
        Some(soql) => match soql.object.to_ascii_lowercase().as_str() {
            "organization" => records(&soql, vec![organization_record(&ctx, n)]),
            "user" => {
                let users = ctx
                    .shared
                    .scenario
                    .users
                    .iter()
                    .filter(|u| soql.matches_username(u))
                    .map(|u| user_record(&ctx, n, u))
                    .collect();
                records(&soql, users)
            }
            _ => invalid_type(q, &soql.object),
        },
    };
    with_usage(&ctx, remaining, answer)
}

struct Soql {
    fields: Vec<String>,
    object: String,
    /// `Username = '…'` from the WHERE clause, the only filter understood.
    username: Option<String>,
    limit: Option<usize>,
}

impl Soql {
    fn matches_username(&self, user: &User) -> bool {
        self.username
            .as_deref()
            .is_none_or(|name| user.username.eq_ignore_ascii_case(name))
    }
}

/// Just enough SOQL for `SELECT f1, f2 FROM Object [WHERE Username = '…'] [LIMIT n]`.
fn parse_soql(q: &str) -> Option<Soql> {
    let lower = q.to_ascii_lowercase();
    let select = lower.find("select ")?;
    let from = lower.find(" from ")?;
    let fields = q.get(select + 7..from)?;
    let rest = q.get(from + 6..)?.trim();
    let object = rest.split_whitespace().next()?.to_string();
    let rest_lower = rest.to_ascii_lowercase();
    let username = rest_lower.find("username").and_then(|i| {
        let after = rest.get(i..)?;
        let start = after.find('\'')? + 1;
        let len = after.get(start..)?.find('\'')?;
        after.get(start..start + len).map(String::from)
    });
    let limit = rest_lower
        .find(" limit ")
        .and_then(|i| rest.get(i + 7..)?.split_whitespace().next()?.parse().ok());
    Some(Soql {
        fields: fields
            .split(',')
            .map(|f| f.trim().to_string())
            .filter(|f| !f.is_empty())
            .collect(),
        object,
        username,
        limit,
    })
}

fn organization_record(ctx: &Ctx, n: u32) -> serde_json::Map<String, Value> {
    let org = &ctx.shared.scenario.org;
    let json = json!({
        "attributes": {"type": "Organization", "url": format!("/services/data/v{n}.0/sobjects/Organization/{}", org.id)},
        "Id": org.id,
        "Name": org.name,
        "InstanceName": "PR4",
        "IsSandbox": org.org_type == super::scenario::OrgType::Sandbox,
        "TrialExpirationDate": Value::Null,
        "NamespacePrefix": Value::Null,
        "OrganizationType": "Developer Edition",
        "LanguageLocaleKey": "en_US",
        "TimeZoneSidKey": "Europe/London",
        "DefaultLocaleSidKey": "en_US",
    });
    match json {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

/// A query result with only the selected fields (and `attributes`), as Salesforce answers.
fn records(soql: &Soql, all: Vec<serde_json::Map<String, Value>>) -> Response {
    let limited: Vec<Value> = all
        .into_iter()
        .take(soql.limit.unwrap_or(usize::MAX))
        .map(|record| {
            let mut out = serde_json::Map::new();
            if let Some(a) = record.get("attributes") {
                out.insert("attributes".into(), a.clone());
            }
            for field in &soql.fields {
                let found = record.iter().find(|(k, _)| k.eq_ignore_ascii_case(field));
                if let Some((k, v)) = found {
                    out.insert(k.clone(), v.clone());
                }
            }
            Value::Object(out)
        })
        .collect();
    Json(json!({"totalSize": limited.len(), "done": true, "records": limited})).into_response()
}

/// What Salesforce answers for an object the org does not have (for ScratchOrgInfo: any org that
/// is not a Dev Hub).
fn invalid_type(q: &str, object: &str) -> Response {
    let column = q
        .to_ascii_lowercase()
        .find(&object.to_ascii_lowercase())
        .map_or(1, |i| i + 1);
    rest_error(
        StatusCode::BAD_REQUEST,
        "INVALID_TYPE",
        &format!(
            "\n{q}\n{:>width$}\nERROR at Row:1:Column:{column}\nsObject type '{object}' is not supported. \
             If you are attempting to use a custom object, be sure to append the '__c' after the entity name. \
             Please reference your WSDL or the describe call for the appropriate names.",
            "^",
            width = column
        ),
    )
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
