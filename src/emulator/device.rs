//! The device flow: `response_type=device_code`, then polling with `grant_type=device` (research §2.7).

use std::time::Duration;

use axum::http::HeaderMap;
use serde_json::json;

use super::scenario::AppFlow;
use super::store::{DeviceAuth, DeviceStatus};
use super::token::{
    APP_NOT_INSTALLED, AUTH_FAILURE, AUTHORIZATION_PENDING, CODE_EXPIRED, DEVICE_DENIED, Form,
    Grant, Issue, UNSUPPORTED_GRANT, check_user, client_auth, find_app, grant_scopes, issue,
    new_refresh, wants_refresh,
};
use super::{Ctx, HostKind};

/// How long a device code waits for approval (the CLI tells users 10 minutes).
const DEVICE_CODE_TTL: Duration = Duration::from_secs(600);

pub fn start(ctx: &Ctx, form: &Form, headers: &HeaderMap) -> Grant {
    let auth = client_auth(form, headers);
    let app = find_app(ctx, auth.client_id.as_deref())?;
    let app = &*app;
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

pub fn poll(ctx: &Ctx, form: &Form, headers: &HeaderMap) -> Grant {
    let auth = client_auth(form, headers);
    let app = find_app(ctx, auth.client_id.as_deref())?;
    let app = &*app;
    if !app.has_flow(AppFlow::Device) {
        return Err(UNSUPPORTED_GRANT);
    }
    let code = form.get("code").ok_or(CODE_EXPIRED)?;
    let default_user = ctx
        .shared
        .scenario
        .default_user_for(app)
        .map(|u| u.id.clone());
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
                (app.device_auto_approve_after_polls, &default_user)
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
