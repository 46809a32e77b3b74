//! OpenID Connect: the discovery document on both hosts, the org's signing keys at `/id/keys`, the
//! `id_token` for the `openid` scope, and token introspection (research §1.2, §10).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::Ctx;
use super::scenario::{App, User};
use super::token::{CLIENT_CREDENTIALS_INVALID, check_secret, client_auth, find_app};

/// The org's id_token signing key: a throw-away key compiled in, public on purpose (it signs
/// id_tokens of a practice org on loopback and nothing else).
const OPENID_KEY_PEM: &str = include_str!("../../assets/practice-org/openid.key");
/// The public half of [`OPENID_KEY_PEM`] as a JWK (`n`, `e`); a unit test proves they match.
pub const OPENID_KEY_N: &str = "1kZqKLts7B03UN4JUZPJHcKWi21z_eWb2BYMU8HNx9hvAv6KXhSDlMS5HYDXPg3MuAynWy8eWM9DRZfWOraZbicwtg4v5wNItqFw2Xi1u6EXHo9tKwJ4rjEDj_exYZrXJC6tcg1BJ448ZCZoThj19UA6H9EPLWFPLGQk0CN7BGqmIcW1eZY0TcI8oRlQotvvpdlVhEctYgqjk7xEuBPvkO4G1KRl8i51x9-BBlJgnr2Fg4Hq9Q0nntOuc-UQLU47O_4CHIqx_3DJJ0JZyXpRUjzy25UfvrGBFwKHVMRVDWrsk_78-NAqLvaBFdooCJerkWJv9Nofc_oeO-F-atuYrw";
pub const OPENID_KEY_E: &str = "AQAB";
/// Salesforce names its keys with a release-like number (`"kid":"252"`); ours names the org.
pub const OPENID_KEY_ID: &str = "practice-org-1";

/// How long a session lasts: Salesforce's default session timeout, two hours.
pub const SESSION_SECS: u64 = 2 * 60 * 60;

/// `GET /.well-known/openid-configuration` on either host, naming that host (research §1.2:
/// My Domains serve it with their own issuer).
pub async fn discovery(State(ctx): State<Ctx>) -> Response {
    let host = ctx.shared.host_url(ctx.host);
    Json(json!({
        "issuer": host,
        "authorization_endpoint": format!("{host}/services/oauth2/authorize"),
        "token_endpoint": format!("{host}/services/oauth2/token"),
        "revocation_endpoint": format!("{host}/services/oauth2/revoke"),
        "userinfo_endpoint": format!("{host}/services/oauth2/userinfo"),
        "jwks_uri": format!("{host}/id/keys"),
        "introspection_endpoint": format!("{host}/services/oauth2/introspect"),
        "scopes_supported": [
            "id", "api", "web", "full", "chatter_api", "visualforce", "refresh_token", "openid",
            "profile", "email", "address", "phone", "offline_access", "custom_permissions",
            "wave_api", "eclair_api", "lightning", "content", "pardot_api", "cdp_api"
        ],
        "response_types_supported": ["code", "token", "token id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "display_values_supported": ["page", "popup", "touch"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic", "private_key_jwt"],
        "claims_supported": [
            "active", "address", "email", "email_verified", "family_name", "given_name",
            "is_app_installed", "language", "locale", "name", "nickname", "organization_id",
            "phone_number", "phone_number_verified", "photos", "picture", "preferred_username",
            "profile", "sub", "updated_at", "urls", "user_id", "user_type", "zoneinfo"
        ],
    }))
    .into_response()
}

/// `GET /id/keys`: the JWKS the id_token verifies against.
pub async fn keys() -> Response {
    Json(json!({"keys": [{
        "kty": "RSA",
        "n": OPENID_KEY_N,
        "e": OPENID_KEY_E,
        "alg": "RS256",
        "use": "sig",
        "kid": OPENID_KEY_ID,
    }]}))
    .into_response()
}

/// An RS256 id_token for a session with the `openid` scope; `None` only if the compiled-in key
/// cannot be read (a unit test proves it can).
pub fn id_token(
    ctx: &Ctx,
    app: &App,
    user: &User,
    access_token: &str,
    nonce: Option<&str>,
) -> Option<String> {
    let now = ctx.shared.now_secs();
    let digest = Sha256::digest(access_token.as_bytes());
    let (given, family) = user.name.rsplit_once(' ').unwrap_or(("", &user.name));
    let mut claims = json!({
        "at_hash": URL_SAFE_NO_PAD.encode(&digest[..16]),
        "sub": ctx.shared.identity_url(&user.id, ctx.host),
        "aud": app.client_id,
        "iss": ctx.shared.host_url(ctx.host),
        "exp": now + 5 * 60,
        "iat": now,
        "auth_time": now,
        "name": user.name,
        "given_name": given,
        "family_name": family,
        "preferred_username": user.username,
        "email": user.email,
        "email_verified": true,
        "organization_id": ctx.shared.scenario.org.id,
        "user_id": user.id,
    });
    if let Some(nonce) = nonce {
        claims["nonce"] = Value::String(nonce.to_string());
    }
    let key = EncodingKey::from_rsa_pem(OPENID_KEY_PEM.as_bytes()).ok()?;
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(OPENID_KEY_ID.to_string());
    jsonwebtoken::encode(&header, &claims, &key).ok()
}

/// `POST /services/oauth2/introspect` (RFC 7662): the app authenticates with its client id and
/// secret; a token of another app, or one the org does not know, is `{"active":false}`.
pub async fn introspect(State(ctx): State<Ctx>, headers: HeaderMap, body: Bytes) -> Response {
    let form = super::token::Form::parse_any(&body);
    let auth = client_auth(&form, &headers);
    let app = match find_app(&ctx, auth.client_id.as_deref())
        .and_then(|app| check_secret(&app, auth.client_secret.as_deref(), true).map(|()| app))
    {
        Ok(app) => app,
        Err(_) => {
            return (
                StatusCode::UNAUTHORIZED,
                Json(json!({
                    "error": CLIENT_CREDENTIALS_INVALID.error,
                    "error_description": CLIENT_CREDENTIALS_INVALID.description,
                })),
            )
                .into_response();
        }
    };
    let token = form.get("token").unwrap_or("");
    let shared = &ctx.shared;
    let found = shared.with_data(|data| {
        if let Some(at) = data.access.get(token) {
            return Some((
                "access_token",
                at.user_id.clone(),
                at.client_id.clone(),
                at.scopes.clone(),
                at.issued_at,
                Some(at.issued_at + SESSION_SECS),
                at.login_host,
            ));
        }
        data.refresh.get(token).map(|rt| {
            (
                "refresh_token",
                rt.user_id.clone(),
                rt.client_id.clone(),
                rt.scopes.clone(),
                rt.issued_at,
                None,
                rt.login_host,
            )
        })
    });
    let Some((token_type, user_id, client_id, scopes, iat, exp, host)) =
        found.filter(|f| f.2 == app.client_id)
    else {
        return Json(json!({"active": false})).into_response();
    };
    let Some(user) = shared.scenario.user_by_id(&user_id) else {
        return Json(json!({"active": false})).into_response();
    };
    let mut body = json!({
        "active": true,
        "scope": scopes.join(" "),
        "client_id": client_id,
        "username": user.username,
        "sub": shared.identity_url(&user.id, host),
        "token_type": token_type,
        "iat": iat,
        "nbf": iat,
    });
    if let Some(exp) = exp {
        body["exp"] = json!(exp);
    }
    Json(body).into_response()
}
