//! The browser side: `/services/oauth2/authorize` (with its consent page) and the device flow's
//! verification page `/setup/connect` (research §2.2, §2.7, §4.2).

use std::collections::HashMap;

use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::Ctx;
use super::scenario::{App, PermittedUsers, User};
use super::store::{AuthCode, DeviceAuth, DeviceStatus};
use super::token::grant_scopes;

type Params = HashMap<String, String>;

fn param<'a>(p: &'a Params, key: &str) -> Option<&'a str> {
    p.get(key).map(String::as_str).filter(|v| !v.is_empty())
}

pub async fn authorize(State(ctx): State<Ctx>, Query(params): Query<Params>) -> Response {
    match check(&ctx, &params) {
        Err(answer) => answer,
        Ok(ok) if ok.app.auto_approve => approve(&ctx, &params, &ok),
        Ok(ok) => consent_page(&params, &ok),
    }
}

/// The consent page's form posts back here with `decision=allow|deny` and the original parameters.
pub async fn consent(State(ctx): State<Ctx>, Form(params): Form<Params>) -> Response {
    match check(&ctx, &params) {
        Err(answer) => answer,
        Ok(ok) if param(&params, "decision") == Some("allow") => approve(&ctx, &params, &ok),
        // The web server flow doc spells it access-denied, the user-agent flow access_denied
        // (research §4.2); clients test for the latter.
        Ok(ok) => redirect_error(
            &ok.redirect_uri,
            &params,
            "access_denied",
            "end-user denied authorization",
        ),
    }
}

struct Checked<'a> {
    app: std::sync::Arc<App>,
    user: &'a User,
    redirect_uri: String,
    /// The PKCE challenge and whether it is S256.
    challenge: Option<(String, bool)>,
}

/// Validate an authorize request. Errors are either Salesforce's own error page (nothing is
/// redirected to an unverified callback) or a redirect to the callback with `error`.
#[allow(
    clippy::result_large_err,
    reason = "the error is the finished HTTP answer, built once per request"
)]
fn check<'a>(ctx: &'a Ctx, params: &Params) -> Result<Checked<'a>, Response> {
    let scenario = &ctx.shared.scenario;
    let Some(app) = param(params, "client_id").and_then(|id| ctx.shared.app(id)) else {
        return Err(match param(params, "redirect_uri") {
            Some(uri) => redirect_error(
                uri,
                params,
                "invalid_client_id",
                "client identifier invalid",
            ),
            None => error_page("invalid_client_id", "client identifier invalid"),
        });
    };
    let redirect_uri = match param(params, "redirect_uri") {
        Some(uri) if ctx.shared.callback_allowed(&app, uri) => uri.to_string(),
        _ => {
            return Err(error_page(
                "redirect_uri_mismatch",
                "redirect_uri must match configuration",
            ));
        }
    };
    if param(params, "response_type") != Some("code") {
        return Err(redirect_error(
            &redirect_uri,
            params,
            "unsupported_response_type",
            "response type not supported",
        ));
    }
    // Research §6: since September 2025 uninstalled connected apps are blocked.
    if !app.installed {
        return Err(redirect_error(
            &redirect_uri,
            params,
            "invalid_client",
            "app must be installed into org",
        ));
    }
    let challenge = match param(params, "code_challenge") {
        None if app.pkce_required => {
            return Err(redirect_error(
                &redirect_uri,
                params,
                "invalid_request",
                "missing required code challenge",
            ));
        }
        None => None,
        // The CLI omits the method and it works, so S256 is the default (research §2.2).
        Some(c) => match param(params, "code_challenge_method").unwrap_or("S256") {
            "S256" => Some((c.to_string(), true)),
            "plain" => Some((c.to_string(), false)),
            _ => {
                return Err(redirect_error(
                    &redirect_uri,
                    params,
                    "invalid_request",
                    "invalid code challenge method",
                ));
            }
        },
    };
    let user = param(params, "login_hint")
        .or_else(|| param(params, "username"))
        .and_then(|u| scenario.user(u))
        .or_else(|| scenario.browser_user());
    let Some(user) = user else {
        return Err(error_page(
            "OAUTH_APPROVAL_ERROR_GENERIC",
            "no user can sign in to this org",
        ));
    };
    if app.permitted_users == PermittedUsers::AdminApproved
        && !app.is_pre_authorized(&user.username)
    {
        return Err(redirect_error(
            &redirect_uri,
            params,
            "invalid_app_access",
            "user is not admin approved to access this app",
        ));
    }
    if param(params, "immediate") == Some("true") && !app.auto_approve {
        return Err(redirect_error(
            &redirect_uri,
            params,
            "immediate_unsuccessful",
            "immediate unsuccessful",
        ));
    }
    Ok(Checked {
        app,
        user,
        redirect_uri,
        challenge,
    })
}

fn approve(ctx: &Ctx, params: &Params, ok: &Checked<'_>) -> Response {
    let code = format!("aPrx{}", ctx.shared.random(48));
    ctx.shared.with_data(|data| {
        data.codes.insert(
            code.clone(),
            AuthCode {
                client_id: ok.app.client_id.clone(),
                user_id: ok.user.id.clone(),
                redirect_uri: ok.redirect_uri.clone(),
                challenge: ok.challenge.clone(),
                scopes: grant_scopes(&ok.app, param(params, "scope")),
                expires: ctx.shared.now_secs() + ok.app.code_ttl_secs,
                nonce: param(params, "nonce").map(String::from),
            },
        );
    });
    redirect_with(&ok.redirect_uri, params, &[("code", code.as_str())])
}

fn redirect_error(redirect_uri: &str, params: &Params, error: &str, description: &str) -> Response {
    redirect_with(
        redirect_uri,
        params,
        &[("error", error), ("error_description", description)],
    )
}

/// 302 to the callback with `pairs` and the request's `state`.
fn redirect_with(redirect_uri: &str, params: &Params, pairs: &[(&str, &str)]) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return error_page(
            "redirect_uri_mismatch",
            "redirect_uri must match configuration",
        );
    };
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in pairs {
            query.append_pair(k, v);
        }
        if let Some(state) = param(params, "state") {
            query.append_pair("state", state);
        }
    }
    (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
}

/// Salesforce's own error page: shown in the browser, never sent to the callback.
fn error_page(code: &str, description: &str) -> Response {
    let body = page(
        "Error",
        &format!(
            "<h1>Remote Access Error</h1><p><code>error={}</code></p><p><code>error_description={}</code></p>",
            escape(code),
            escape(description)
        ),
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

fn consent_page(params: &Params, ok: &Checked<'_>) -> Response {
    let mut hidden = String::new();
    let mut keys: Vec<_> = params.keys().filter(|k| k.as_str() != "decision").collect();
    keys.sort();
    for key in keys {
        hidden.push_str(&format!(
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            escape(key),
            escape(&params[key])
        ));
    }
    if !params.contains_key("username") {
        hidden.push_str(&format!(
            "<input type=\"hidden\" name=\"username\" value=\"{}\">",
            escape(&ok.user.username)
        ));
    }
    let body = page(
        "Allow Access?",
        &format!(
            "<h1>Allow Access?</h1><p>{} is asking to access your Salesforce data as {} ({}).</p>\
             <form method=\"post\" action=\"/services/oauth2/authorize\">{hidden}\
             <button name=\"decision\" value=\"allow\">Allow</button> \
             <button name=\"decision\" value=\"deny\">Deny</button></form>",
            escape(&ok.app.name),
            escape(&ok.user.name),
            escape(&ok.user.username)
        ),
    );
    Html(body).into_response()
}

pub async fn connect_page(Query(params): Query<Params>) -> Response {
    let code = param(&params, "user_code").unwrap_or("");
    Html(page(
        "Connect Your Device",
        &format!(
            "<h1>Connect Your Device</h1><form method=\"post\" action=\"/setup/connect\">\
             <label>Code <input name=\"user_code\" value=\"{}\"></label> \
             <label>Username (optional) <input name=\"username\"></label> \
             <button name=\"action\" value=\"allow\">Connect</button> \
             <button name=\"action\" value=\"deny\">Deny</button></form>",
            escape(code)
        ),
    ))
    .into_response()
}

/// Approve (or deny) the pending device authorization whose user code was typed.
pub async fn connect_submit(State(ctx): State<Ctx>, Form(params): Form<Params>) -> Response {
    let scenario = &ctx.shared.scenario;
    let typed: String = param(&params, "user_code")
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let now = ctx.shared.now_secs();
    let pending = |d: &DeviceAuth| {
        d.user_code == typed && d.status == DeviceStatus::Pending && d.expires > now
    };
    let client_id = ctx.shared.with_data(|data| {
        data.devices
            .values()
            .find(|d| pending(d))
            .map(|d| d.client_id.clone())
    });
    let app = client_id.as_deref().and_then(|id| ctx.shared.app(id));
    let user = match (param(&params, "username"), app.as_deref()) {
        (Some(name), _) => scenario.user(name),
        (None, Some(app)) => scenario.default_user_for(app),
        (None, None) => scenario.browser_user(),
    };
    let Some(user) = user else {
        return message(
            StatusCode::BAD_REQUEST,
            "Unknown user",
            "No such user in this org.",
        );
    };
    let deny = param(&params, "action") == Some("deny");
    let found = ctx.shared.with_data(|data| {
        let device = data.devices.values_mut().find(|d| pending(d))?;
        device.status = if deny {
            DeviceStatus::Denied
        } else {
            DeviceStatus::Approved {
                user_id: user.id.clone(),
            }
        };
        Some(device.client_id.clone())
    });
    match found {
        None => message(
            StatusCode::BAD_REQUEST,
            "Invalid code",
            "That code is not valid or has expired. Check the code on your device and try again.",
        ),
        Some(_) if deny => message(StatusCode::OK, "Denied", "The device was not connected."),
        Some(client_id) => {
            let app = scenario
                .app(&client_id)
                .map_or(client_id.as_str(), |a| a.name.as_str());
            message(
                StatusCode::OK,
                "Connected",
                &format!(
                    "{app} is now connected as {}. You can close this page.",
                    user.username
                ),
            )
        }
    }
}

fn message(status: StatusCode, title: &str, text: &str) -> Response {
    (
        status,
        Html(page(
            title,
            &format!("<h1>{}</h1><p>{}</p>", escape(title), escape(text)),
        )),
    )
        .into_response()
}

pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{} | Practice Org</title></head>\
         <body>{body}</body></html>",
        escape(title)
    )
}

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
