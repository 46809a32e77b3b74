//! The demo's connections against the built-in scenario: one working connection per flow, and
//! connections that are broken on purpose, each with the answer the practice org gives it.
//! `sfconn demo` saves these in its throw-away home; tests can use them to drive every hint.

use std::path::Path;

use crate::profile::{Connection, Environment, Flow};
use crate::secrets::SecretKind;

/// What testing a demo connection against the built-in practice org ends in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// Token, userinfo and limits all succeed.
    Works,
    /// An interactive flow (web, device): works after `sfconn login`.
    NeedsLogin,
    /// The token request fails with this `error` / `error_description`.
    TokenError {
        error: &'static str,
        description: &'static str,
    },
    /// The token works (userinfo too); the REST API answers this HTTP status and `errorCode`,
    /// for a fresh token as well (so renewing the token once cannot help).
    ApiError {
        http_status: u16,
        error_code: &'static str,
    },
}

/// One connection for the demo home, with the secrets to store for it.
#[derive(Debug, Clone)]
pub struct DemoConnection {
    pub connection: Connection,
    pub secrets: Vec<(SecretKind, String)>,
    pub expected: Expected,
    /// One line for the demo: what this connection shows.
    pub note: &'static str,
}

struct Spec {
    name: &'static str,
    flow: Flow,
    client_id: &'static str,
    username: Option<&'static str>,
    secrets: &'static [(SecretKind, &'static str)],
    environment: Environment,
    on_login_host: bool,
    expected: Expected,
    note: &'static str,
}

const fn token_error(error: &'static str, description: &'static str) -> Expected {
    Expected::TokenError { error, description }
}

const ADMIN_PASSWORD: &[(SecretKind, &str)] = &[
    (SecretKind::ClientSecret, "practice-password-secret"),
    (SecretKind::Password, "Practice-Pass-1"),
    (SecretKind::SecurityToken, "PRACTICETOKEN1"),
];

const SPECS: &[Spec] = &[
    Spec {
        name: "practice-web",
        flow: Flow::Web,
        client_id: "practice-web",
        username: None,
        secrets: &[],
        environment: Environment::Production,
        on_login_host: false,
        expected: Expected::NeedsLogin,
        note: "web server flow with PKCE; the org approves at once",
    },
    Spec {
        name: "practice-jwt",
        flow: Flow::Jwt,
        client_id: "practice-jwt",
        username: Some("integration@practice.example"),
        secrets: &[],
        environment: Environment::Production,
        on_login_host: false,
        expected: Expected::Works,
        note: "JWT bearer flow for a pre-authorized integration user",
    },
    Spec {
        name: "practice-cc",
        flow: Flow::ClientCredentials,
        client_id: "practice-cc",
        username: None,
        secrets: &[(SecretKind::ClientSecret, "practice-cc-secret")],
        environment: Environment::Production,
        on_login_host: false,
        expected: Expected::Works,
        note: "client credentials flow running as the integration user",
    },
    Spec {
        name: "practice-password",
        flow: Flow::Password,
        client_id: "practice-password",
        username: Some("admin@practice.example"),
        secrets: ADMIN_PASSWORD,
        environment: Environment::Production,
        on_login_host: false,
        expected: Expected::Works,
        note: "username-password flow (legacy) with the security token",
    },
    Spec {
        name: "practice-device",
        flow: Flow::Device,
        client_id: "practice-device",
        username: None,
        secrets: &[],
        environment: Environment::Production,
        on_login_host: false,
        expected: Expected::NeedsLogin,
        note: "device flow; the org approves the code by itself at the second poll",
    },
    Spec {
        name: "broken-client-secret",
        flow: Flow::ClientCredentials,
        client_id: "practice-cc",
        username: None,
        secrets: &[(SecretKind::ClientSecret, "not-the-secret")],
        environment: Environment::Production,
        on_login_host: false,
        expected: token_error("invalid_client", "invalid client credentials"),
        note: "a wrong consumer secret",
    },
    Spec {
        name: "broken-client-id",
        flow: Flow::ClientCredentials,
        client_id: "practice-cc-typo",
        username: None,
        secrets: &[(SecretKind::ClientSecret, "practice-cc-secret")],
        environment: Environment::Production,
        on_login_host: false,
        expected: token_error("invalid_client_id", "client identifier invalid"),
        note: "a consumer key the org does not know",
    },
    Spec {
        name: "broken-login-host",
        flow: Flow::ClientCredentials,
        client_id: "practice-cc",
        username: None,
        secrets: &[(SecretKind::ClientSecret, "practice-cc-secret")],
        environment: Environment::Production,
        on_login_host: true,
        expected: token_error("invalid_grant", "request not supported on this domain"),
        note: "client credentials sent to the login host instead of the My Domain",
    },
    Spec {
        name: "broken-run-as",
        flow: Flow::ClientCredentials,
        client_id: "practice-cc-norunas",
        username: None,
        secrets: &[(SecretKind::ClientSecret, "practice-cc-norunas-secret")],
        environment: Environment::Production,
        on_login_host: false,
        expected: token_error("invalid_grant", "no client credentials user enabled"),
        note: "client credentials enabled without a Run As user",
    },
    Spec {
        name: "broken-jwt-not-approved",
        flow: Flow::Jwt,
        client_id: "practice-jwt",
        username: Some("analyst@practice.example"),
        secrets: &[],
        environment: Environment::Production,
        on_login_host: false,
        expected: token_error("invalid_grant", "user hasn't approved this consumer"),
        note: "a JWT user who is not pre-authorized for the app",
    },
    Spec {
        name: "broken-jwt-audience",
        flow: Flow::Jwt,
        client_id: "practice-jwt",
        username: Some("integration@practice.example"),
        secrets: &[],
        environment: Environment::Sandbox,
        on_login_host: false,
        expected: token_error("invalid_grant", "audience is invalid"),
        note: "a sandbox audience (test.salesforce.com) for a production org",
    },
    Spec {
        name: "broken-inactive-user",
        flow: Flow::Jwt,
        client_id: "practice-jwt",
        username: Some("former@practice.example"),
        secrets: &[],
        environment: Environment::Production,
        on_login_host: false,
        expected: token_error("invalid_grant", "inactive user"),
        note: "a deactivated user",
    },
    Spec {
        name: "broken-ip-restricted",
        flow: Flow::Jwt,
        client_id: "practice-jwt",
        username: Some("remote@practice.example"),
        secrets: &[],
        environment: Environment::Production,
        on_login_host: false,
        expected: token_error("invalid_grant", "ip restricted"),
        note: "a user whose profile's login IP ranges exclude this machine",
    },
    Spec {
        name: "broken-api-disabled",
        flow: Flow::Jwt,
        client_id: "practice-jwt",
        username: Some("noapi@practice.example"),
        secrets: &[],
        environment: Environment::Production,
        on_login_host: false,
        expected: Expected::ApiError {
            http_status: 403,
            error_code: "API_DISABLED_FOR_ORG",
        },
        note: "a user without the API Enabled permission",
    },
    Spec {
        name: "broken-rest-session",
        flow: Flow::ClientCredentials,
        client_id: "practice-cc-rest-denied",
        username: None,
        secrets: &[(SecretKind::ClientSecret, "practice-cc-rest-denied-secret")],
        environment: Environment::Production,
        on_login_host: false,
        expected: Expected::ApiError {
            http_status: 401,
            error_code: "INVALID_SESSION_ID",
        },
        note: "an app whose policy change makes the REST API refuse even brand-new tokens",
    },
    Spec {
        name: "broken-security-token",
        flow: Flow::Password,
        client_id: "practice-password",
        username: Some("admin@practice.example"),
        secrets: &[
            (SecretKind::ClientSecret, "practice-password-secret"),
            (SecretKind::Password, "Practice-Pass-1"),
        ],
        environment: Environment::Production,
        on_login_host: false,
        expected: token_error("invalid_grant", "authentication failure"),
        note: "a password without the security token",
    },
    Spec {
        name: "broken-not-admin-approved",
        flow: Flow::Password,
        client_id: "practice-password-restricted",
        username: Some("analyst@practice.example"),
        secrets: &[
            (
                SecretKind::ClientSecret,
                "practice-password-restricted-secret",
            ),
            (SecretKind::Password, "Analyst-Pass-1"),
            (SecretKind::SecurityToken, "ANALYSTTOKEN1"),
        ],
        environment: Environment::Production,
        on_login_host: false,
        expected: token_error(
            "invalid_app_access",
            "user is not admin approved to access this app",
        ),
        note: "an app for admin-approved users only, and a user not assigned to it",
    },
    Spec {
        name: "broken-flow-disabled",
        flow: Flow::Password,
        client_id: "practice-web-only",
        username: Some("admin@practice.example"),
        secrets: &[
            (SecretKind::ClientSecret, "practice-web-only-secret"),
            (SecretKind::Password, "Practice-Pass-1"),
            (SecretKind::SecurityToken, "PRACTICETOKEN1"),
        ],
        environment: Environment::Production,
        on_login_host: false,
        expected: token_error("unsupported_grant_type", "grant type not supported"),
        note: "the username-password flow on an app that only enables the web flow",
    },
];

/// The demo connections for a practice org running the built-in scenario. `org_url` and
/// `login_url` are [`super::PracticeOrg::url`] and [`super::PracticeOrg::login_url`]; `key_file`
/// is where the caller wrote [`super::PRACTICE_JWT_KEY_PEM`].
pub fn demo_connections(org_url: &str, login_url: &str, key_file: &Path) -> Vec<DemoConnection> {
    SPECS
        .iter()
        .map(|spec| {
            let mut connection = Connection::new(spec.name, spec.flow);
            connection.environment = spec.environment;
            connection.domain = Some(if spec.on_login_host {
                login_url.to_string()
            } else {
                org_url.to_string()
            });
            connection.client_id = Some(spec.client_id.to_string());
            connection.username = spec.username.map(String::from);
            if spec.flow == Flow::Jwt {
                connection.key_file = Some(key_file.to_path_buf());
            }
            DemoConnection {
                connection,
                secrets: spec
                    .secrets
                    .iter()
                    .map(|(kind, value)| (*kind, (*value).to_string()))
                    .collect(),
                expected: spec.expected,
                note: spec.note,
            }
        })
        .collect()
}
