//! The JWT bearer grant: RS256 signature against the app's certificate, `iss`, `aud`, `sub`/`prn`,
//! `exp` on the org's clock (research §2.5).

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::Value;

use super::Ctx;
use super::scenario::{AppFlow, OrgType, PermittedUsers};
use super::token::{
    CLIENT_ID_INVALID, Form, Grant, Issue, OAuthError, UNSUPPORTED_GRANT, check_user, grant_scopes,
    issue,
};

pub const INVALID_ASSERTION: OAuthError = OAuthError {
    error: "invalid_grant",
    description: "invalid assertion",
};
pub const AUDIENCE_INVALID: OAuthError = OAuthError {
    error: "invalid_grant",
    description: "audience is invalid",
};
pub const USER_NOT_APPROVED: OAuthError = OAuthError {
    error: "invalid_grant",
    description: "user hasn't approved this consumer",
};

#[derive(Deserialize)]
struct Claims {
    iss: Option<String>,
    sub: Option<String>,
    /// Older name for `sub`; wins when both are present (research §2.5).
    prn: Option<String>,
    aud: Option<Value>,
    exp: Option<Value>,
}

pub fn grant(ctx: &Ctx, form: &Form) -> Grant {
    let assertion = form.get("assertion").ok_or(INVALID_ASSERTION)?;
    let unverified = jsonwebtoken::dangerous::insecure_decode::<Claims>(assertion)
        .map_err(|_| INVALID_ASSERTION)?;
    let app = unverified
        .claims
        .iss
        .as_deref()
        .and_then(|iss| ctx.shared.app(iss))
        .ok_or(CLIENT_ID_INVALID)?;
    let app = &*app;
    if !app.has_flow(AppFlow::Jwt) {
        return Err(UNSUPPORTED_GRANT);
    }
    let pem = app.certificate_pem.as_deref().ok_or(INVALID_ASSERTION)?;
    let key = DecodingKey::from_rsa_pem(pem.as_bytes()).map_err(|_| INVALID_ASSERTION)?;
    // Claims are checked below against the org's own (possibly skewed) clock, so the library only
    // checks the signature here.
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Claims>(assertion, &key, &validation)
        .map_err(|_| INVALID_ASSERTION)?
        .claims;

    if !audience_ok(ctx, claims.aud.as_ref()) {
        return Err(AUDIENCE_INVALID);
    }
    // Only a past `exp` is refused: the CLI signs a milliseconds `exp` and still gets in (research §2.5).
    let exp = claims
        .exp
        .as_ref()
        .and_then(numeric_date)
        .ok_or(INVALID_ASSERTION)?;
    if exp < ctx.shared.now_secs() as f64 {
        return Err(INVALID_ASSERTION);
    }
    let username = claims.prn.or(claims.sub).ok_or(USER_NOT_APPROVED)?;
    let user = ctx
        .shared
        .scenario
        .user(&username)
        .ok_or(USER_NOT_APPROVED)?;
    if !user.active {
        return Err(super::token::INACTIVE_USER);
    }
    // Pre-authorized by the admin, or (self-authorizing apps) approved by the user before.
    let approved_before = app.permitted_users == PermittedUsers::All
        && ctx.shared.with_data(|data| {
            data.approvals
                .get(&(user.id.clone(), app.client_id.clone()))
                .is_some_and(|list| !list.is_empty())
        });
    if !app.is_pre_authorized(&user.username) && !approved_before {
        return Err(USER_NOT_APPROVED);
    }
    check_user(user, app, false)?;
    Ok(issue(
        ctx,
        Issue {
            app,
            user,
            parent_refresh: None,
            new_refresh: None,
            scope: Some(
                grant_scopes(app, None)
                    .into_iter()
                    .filter(|s| s != "refresh_token" && s != "offline_access")
                    .collect(),
            ),
        },
    ))
}

/// `aud` may be a string or an array; one entry must be the org type's login host or, when the
/// scenario allows it, the org's My Domain.
fn audience_ok(ctx: &Ctx, aud: Option<&Value>) -> bool {
    let org = &ctx.shared.scenario.org;
    let login = match org.org_type {
        OrgType::Production => "https://login.salesforce.com",
        OrgType::Sandbox => "https://test.salesforce.com",
    };
    let accepted = |a: &str| {
        a == login || (org.my_domain_audience_allowed && a.trim_end_matches('/') == ctx.shared.url)
    };
    match aud {
        Some(Value::String(a)) => accepted(a),
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).any(accepted),
        _ => false,
    }
}

/// `exp` as a number, or as a string of digits: simple-salesforce 1.12 signs
/// `'exp': f'{expiration.timestamp():.0f}'` and Salesforce accepts it (research §2.5).
fn numeric_date(exp: &Value) -> Option<f64> {
    match exp {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().ok()
        }
        _ => None,
    }
}
