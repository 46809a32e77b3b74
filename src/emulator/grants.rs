//! The authorization code, refresh token, username-password and client credentials grants
//! (research §2.2–§2.4, §2.6).

use axum::http::HeaderMap;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::scenario::AppFlow;
use super::token::{
    AUTH_FAILURE, CODE_EXPIRED, Form, Grant, Issue, NO_RUN_AS, REDIRECT_MISMATCH, REFRESH_EXPIRED,
    UNSUPPORTED_GRANT, VERIFIER_MISSING, VERIFIER_WRONG, WRONG_DOMAIN, check_secret, check_user,
    client_auth, find_app, grant_scopes, issue, new_refresh, wants_refresh,
};
use super::{Ctx, HostKind};

pub fn authorization_code(ctx: &Ctx, form: &Form, headers: &HeaderMap) -> Grant {
    let auth = client_auth(form, headers);
    let app = find_app(ctx, auth.client_id.as_deref())?;
    let app = &*app;
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
    let wants_id_token = has_openid(&code.scopes);
    let body = issue(
        ctx,
        Issue {
            app,
            user,
            parent_refresh: refresh.clone(),
            new_refresh: refresh,
            scope: Some(code.scopes),
        },
    );
    Ok(with_id_token(
        ctx,
        app,
        user,
        body,
        wants_id_token,
        code.nonce.as_deref(),
    ))
}

fn has_openid(scopes: &[String]) -> bool {
    scopes.iter().any(|s| s == "openid")
}

/// The web server and refresh token flows add an `id_token` when `openid` was granted (research §2.1).
fn with_id_token(
    ctx: &Ctx,
    app: &super::scenario::App,
    user: &super::scenario::User,
    mut body: serde_json::Value,
    wanted: bool,
    nonce: Option<&str>,
) -> serde_json::Value {
    let token = body["access_token"].as_str().map(String::from);
    if let Some(at) = token.filter(|_| wanted)
        && let Some(id_token) = super::oidc::id_token(ctx, app, user, &at, nonce)
    {
        body["id_token"] = serde_json::Value::String(id_token);
    }
    body
}

pub fn refresh_token(ctx: &Ctx, form: &Form, headers: &HeaderMap) -> Grant {
    let auth = client_auth(form, headers);
    let app = find_app(ctx, auth.client_id.as_deref())?;
    let app = &*app;
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
        let wants_id_token = has_openid(&scopes);
        let body = issue(
            ctx,
            Issue {
                app,
                user,
                parent_refresh: Some(rotated.clone()),
                new_refresh: Some(rotated),
                scope: Some(scopes),
            },
        );
        return Ok(with_id_token(ctx, app, user, body, wants_id_token, None));
    }
    let wants_id_token = has_openid(&scopes);
    let body = issue(
        ctx,
        Issue {
            app,
            user,
            parent_refresh: Some(token.to_string()),
            new_refresh: None,
            scope: Some(scopes),
        },
    );
    Ok(with_id_token(ctx, app, user, body, wants_id_token, None))
}

pub fn password(ctx: &Ctx, form: &Form, headers: &HeaderMap) -> Grant {
    let auth = client_auth(form, headers);
    let app = find_app(ctx, auth.client_id.as_deref())?;
    let app = &*app;
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

pub fn client_credentials(ctx: &Ctx, form: &Form, headers: &HeaderMap) -> Grant {
    // Research §2.6: only the org's own My Domain serves this grant.
    if ctx.host == HostKind::Login {
        return Err(WRONG_DOMAIN);
    }
    let auth = client_auth(form, headers);
    let app = find_app(ctx, auth.client_id.as_deref())?;
    let app = &*app;
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
