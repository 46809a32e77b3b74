//! The connection test result (PRODUCT.md section 5) and the typed failure the hint matcher reads.

use serde::{Deserialize, Serialize};

/// The four steps of a connection test, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepName {
    Reach,
    Token,
    Userinfo,
    Api,
}

impl StepName {
    pub const ALL: [StepName; 4] = [
        StepName::Reach,
        StepName::Token,
        StepName::Userinfo,
        StepName::Api,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            StepName::Reach => "reach",
            StepName::Token => "token",
            StepName::Userinfo => "userinfo",
            StepName::Api => "api",
        }
    }
}

/// One timed step of a test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepReport {
    pub step: StepName,
    pub ok: bool,
    pub ms: u64,
}

/// The user the token belongs to, from the userinfo endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub user_id: String,
    pub organization_id: String,
    pub username: String,
    pub email: String,
    pub name: String,
}

/// How a request failed below HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportKind {
    /// The host name did not resolve.
    Dns,
    /// TCP connection refused or reset.
    Refused,
    /// TLS handshake or certificate error.
    Tls,
    /// No answer within the timeout.
    Timeout,
    /// Anything else below HTTP.
    Other,
}

/// A failure found on this machine rather than in Salesforce's answer. Each one names the hint
/// that explains it (`assets/hints.toml`); a test checks every condition has its hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LocalCondition {
    /// A web login saw no callback before the wait ended.
    CallbackTimeout,
    /// The local callback port is taken.
    CallbackPortBusy,
    /// The callback's `state` differs from the one sent.
    CallbackStateMismatch,
    /// No browser could be opened.
    BrowserUnavailable,
    /// The authorize redirect answered `redirect_uri_mismatch`.
    RedirectUriMismatch,
    /// The OS keychain cannot be reached.
    KeychainUnavailable,
    /// The secret store failed otherwise (file store, encoding).
    SecretStore,
    /// The local clock is off the server's.
    ClockSkew,
    /// The private key does not match `cert_file`.
    KeyCertMismatch,
    /// Nobody approved the device code in time.
    DeviceApprovalTimeout,
    /// The private key cannot be read or used.
    PrivateKeyInvalid,
    /// A setting the flow needs is not set.
    MissingSetting,
    /// A secret the flow needs is not stored.
    MissingSecret,
    /// The operating system's random number generator failed (PKCE, state).
    RandomUnavailable,
    /// The domain or instance URL is not a valid URL.
    BadUrl,
    /// A token answer (or the cache) names an instance or identity URL that is not https on
    /// the connection's own or a Salesforce domain: the token is never sent there.
    InstanceUrlUntrusted,
    /// A deploy named a permission set the org does not have (`sfconn app deploy`).
    EcaPermissionSetUnknown,
    /// A deploy named a client credentials Run As user the org does not have.
    EcaRunAsUnknown,
    /// A deploy's certificate was refused.
    EcaCertificateInvalid,
    /// A deploy's metadata was refused: an unknown or missing element, a parse error.
    EcaMetadataInvalid,
    /// The app or its consumer key already exists in the org.
    EcaAppExists,
    /// The admin connection's user may not deploy External Client Apps.
    EcaDeployNotAllowed,
    /// A deployed app's consumer key was still unknown when the wait ended.
    EcaPropagationTimeout,
    /// `SFCONN_SECRET_STORE=vault` is missing VAULT_ADDR, VAULT_TOKEN or a valid table.
    VaultConfig,
    /// The Vault server cannot be reached.
    VaultUnreachable,
    /// The Vault server is sealed.
    VaultSealed,
    /// Vault refused the token on the secrets' path.
    VaultPermissionDenied,
    /// No secret engine at the configured mount.
    VaultMountMissing,
}

impl LocalCondition {
    pub const ALL: [LocalCondition; 28] = [
        LocalCondition::CallbackTimeout,
        LocalCondition::CallbackPortBusy,
        LocalCondition::CallbackStateMismatch,
        LocalCondition::BrowserUnavailable,
        LocalCondition::RedirectUriMismatch,
        LocalCondition::KeychainUnavailable,
        LocalCondition::SecretStore,
        LocalCondition::ClockSkew,
        LocalCondition::KeyCertMismatch,
        LocalCondition::DeviceApprovalTimeout,
        LocalCondition::PrivateKeyInvalid,
        LocalCondition::MissingSetting,
        LocalCondition::MissingSecret,
        LocalCondition::RandomUnavailable,
        LocalCondition::BadUrl,
        LocalCondition::InstanceUrlUntrusted,
        LocalCondition::EcaPermissionSetUnknown,
        LocalCondition::EcaRunAsUnknown,
        LocalCondition::EcaCertificateInvalid,
        LocalCondition::EcaMetadataInvalid,
        LocalCondition::EcaAppExists,
        LocalCondition::EcaDeployNotAllowed,
        LocalCondition::EcaPropagationTimeout,
        LocalCondition::VaultConfig,
        LocalCondition::VaultUnreachable,
        LocalCondition::VaultSealed,
        LocalCondition::VaultPermissionDenied,
        LocalCondition::VaultMountMissing,
    ];

    /// The name in the catalog's `local` triggers and in the JSON `error.code`.
    pub fn as_str(self) -> &'static str {
        match self {
            LocalCondition::CallbackTimeout => "callback-timeout",
            LocalCondition::CallbackPortBusy => "callback-port-busy",
            LocalCondition::CallbackStateMismatch => "callback-state-mismatch",
            LocalCondition::BrowserUnavailable => "browser-unavailable",
            LocalCondition::RedirectUriMismatch => "redirect-uri-mismatch",
            LocalCondition::KeychainUnavailable => "keychain-unavailable",
            LocalCondition::SecretStore => "secret-store",
            LocalCondition::ClockSkew => "clock-skew",
            LocalCondition::KeyCertMismatch => "key-cert-mismatch",
            LocalCondition::DeviceApprovalTimeout => "device-approval-timeout",
            LocalCondition::PrivateKeyInvalid => "private-key-invalid",
            LocalCondition::MissingSetting => "missing-setting",
            LocalCondition::MissingSecret => "missing-secret",
            LocalCondition::RandomUnavailable => "random-unavailable",
            LocalCondition::BadUrl => "bad-url",
            LocalCondition::InstanceUrlUntrusted => "instance-url-untrusted",
            LocalCondition::EcaPermissionSetUnknown => "eca-permission-set-unknown",
            LocalCondition::EcaRunAsUnknown => "eca-run-as-unknown",
            LocalCondition::EcaCertificateInvalid => "eca-certificate-invalid",
            LocalCondition::EcaMetadataInvalid => "eca-metadata-invalid",
            LocalCondition::EcaAppExists => "eca-app-exists",
            LocalCondition::EcaDeployNotAllowed => "eca-deploy-not-allowed",
            LocalCondition::EcaPropagationTimeout => "eca-propagation-timeout",
            LocalCondition::VaultConfig => "vault-config",
            LocalCondition::VaultUnreachable => "vault-unreachable",
            LocalCondition::VaultSealed => "vault-sealed",
            LocalCondition::VaultPermissionDenied => "vault-permission-denied",
            LocalCondition::VaultMountMissing => "vault-mount-missing",
        }
    }

    pub fn parse(s: &str) -> Option<LocalCondition> {
        LocalCondition::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The hint that explains the condition first.
    pub fn hint_id(self) -> &'static str {
        match self {
            // Salesforce shows `redirect_uri_mismatch` only in the browser: a login that never
            // calls back most often means the callback URL is not the app's (PRODUCT.md §6).
            LocalCondition::CallbackTimeout => "redirect-uri-mismatch",
            LocalCondition::SecretStore => "secret-store-error",
            LocalCondition::BadUrl => "url-invalid",
            LocalCondition::CallbackPortBusy
            | LocalCondition::CallbackStateMismatch
            | LocalCondition::BrowserUnavailable
            | LocalCondition::RedirectUriMismatch
            | LocalCondition::KeychainUnavailable
            | LocalCondition::ClockSkew
            | LocalCondition::KeyCertMismatch
            | LocalCondition::DeviceApprovalTimeout
            | LocalCondition::PrivateKeyInvalid
            | LocalCondition::MissingSetting
            | LocalCondition::MissingSecret
            | LocalCondition::RandomUnavailable
            | LocalCondition::InstanceUrlUntrusted
            | LocalCondition::EcaPermissionSetUnknown
            | LocalCondition::EcaRunAsUnknown
            | LocalCondition::EcaCertificateInvalid
            | LocalCondition::EcaMetadataInvalid
            | LocalCondition::EcaAppExists
            | LocalCondition::EcaDeployNotAllowed
            | LocalCondition::EcaPropagationTimeout
            | LocalCondition::VaultConfig
            | LocalCondition::VaultUnreachable
            | LocalCondition::VaultSealed
            | LocalCondition::VaultPermissionDenied
            | LocalCondition::VaultMountMissing => self.as_str(),
        }
    }
}

impl std::fmt::Display for LocalCondition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a step failed, precise enough for the hint matcher (diagnose) to choose hints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Failure {
    /// An OAuth error from the token or authorize endpoint: Salesforce's `error` and
    /// `error_description`, exactly as received.
    OAuth {
        http_status: Option<u16>,
        error: String,
        description: Option<String>,
    },
    /// A REST API error body `[{"errorCode", "message"}]`, or userinfo's plain-text 403
    /// (`Bad_OAuth_Token`), exactly as received.
    Rest {
        http_status: u16,
        error_code: String,
        message: Option<String>,
    },
    /// The server answered, but not like Salesforce (HTML, non-JSON, unexpected status).
    NotSalesforce {
        http_status: Option<u16>,
        detail: String,
    },
    /// DNS, TCP, TLS or timeout.
    Transport {
        transport: TransportKind,
        host: String,
        detail: String,
    },
    /// A condition found on this machine.
    Local {
        condition: LocalCondition,
        detail: String,
    },
    /// The connection has no usable token and its flow needs an interactive `login`.
    NeedsLogin { detail: String },
}

impl Failure {
    /// `(http_status, code, description)` for the JSON `error` object.
    pub fn parts(&self) -> (Option<u16>, Option<String>, Option<String>) {
        match self {
            Failure::OAuth {
                http_status,
                error,
                description,
            } => (*http_status, Some(error.clone()), description.clone()),
            Failure::Rest {
                http_status,
                error_code,
                message,
            } => (
                Some(*http_status),
                Some(error_code.clone()),
                message.clone(),
            ),
            Failure::NotSalesforce {
                http_status,
                detail,
            } => (*http_status, None, Some(detail.clone())),
            Failure::Transport { detail, .. } => (None, None, Some(detail.clone())),
            Failure::Local { condition, detail } => {
                (None, Some(condition.as_str().into()), Some(detail.clone()))
            }
            Failure::NeedsLogin { detail } => {
                (None, Some("needs_login".into()), Some(detail.clone()))
            }
        }
    }
}

/// Where the token a test or command used came from (`token_source` in the test JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenSource {
    /// The access token kept from an earlier grant: proves the token, not the credentials.
    Cached,
    /// A new access token from the stored refresh token (web, device).
    Refreshed,
    /// A new grant from the credentials themselves (jwt, client credentials, password, or an
    /// interactive login).
    Granted,
}

impl TokenSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenSource::Cached => "cached",
            TokenSource::Refreshed => "refreshed",
            TokenSource::Granted => "granted",
        }
    }

    /// What a non-interactive renewal of this flow is.
    pub fn of_renewal(flow: crate::profile::Flow) -> TokenSource {
        if flow.is_interactive() {
            TokenSource::Refreshed
        } else {
            TokenSource::Granted
        }
    }
}

/// Whether a failure means a person must run the interactive login again: no refresh token, or
/// Salesforce no longer honours it (revoked, expired, or the oldest of five approvals;
/// `invalid_grant` / `expired access/refresh token`, research §2.4).
pub fn needs_login(flow: crate::profile::Flow, failure: &Failure) -> bool {
    match failure {
        Failure::NeedsLogin { .. } => true,
        Failure::OAuth {
            error, description, ..
        } => {
            flow.is_interactive()
                && error == "invalid_grant"
                && description
                    .as_deref()
                    .is_some_and(|d| d.eq_ignore_ascii_case("expired access/refresh token"))
        }
        _ => false,
    }
}

/// The JSON `error` object of a test: which step failed and Salesforce's own words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepError {
    pub step: StepName,
    pub http_status: Option<u16>,
    pub code: Option<String>,
    pub description: Option<String>,
    /// The typed failure (not part of the documented shape; kept for the hint matcher and reports).
    #[serde(skip_serializing, default = "default_failure")]
    pub failure: Failure,
    /// Only an interactive `sfconn login` can fix it (exit 4).
    #[serde(skip)]
    pub needs_login: bool,
}

fn default_failure() -> Failure {
    Failure::NotSalesforce {
        http_status: None,
        detail: String::new(),
    }
}

impl Failure {
    /// The same failure with every text a server could have written made safe for a terminal
    /// (`diagnose::redact::printable`). Every step error goes through this, so no output of a
    /// test, login, doctor or token shows raw escape sequences from Salesforce or a pretender.
    pub fn printable(self) -> Failure {
        use crate::diagnose::redact::printable as p;
        match self {
            Failure::OAuth {
                http_status,
                error,
                description,
            } => Failure::OAuth {
                http_status,
                error: p(&error),
                description: description.as_deref().map(p),
            },
            Failure::Rest {
                http_status,
                error_code,
                message,
            } => Failure::Rest {
                http_status,
                error_code: p(&error_code),
                message: message.as_deref().map(p),
            },
            Failure::NotSalesforce {
                http_status,
                detail,
            } => Failure::NotSalesforce {
                http_status,
                detail: p(&detail),
            },
            Failure::Transport {
                transport,
                host,
                detail,
            } => Failure::Transport {
                transport,
                host: p(&host),
                detail: p(&detail),
            },
            Failure::Local { condition, detail } => Failure::Local {
                condition,
                detail: p(&detail),
            },
            Failure::NeedsLogin { detail } => Failure::NeedsLogin { detail: p(&detail) },
        }
    }
}

impl StepError {
    pub fn new(step: StepName, failure: Failure) -> Self {
        let failure = failure.printable();
        let (http_status, code, description) = failure.parts();
        StepError {
            step,
            http_status,
            code,
            description,
            needs_login: matches!(failure, Failure::NeedsLogin { .. }),
            failure,
        }
    }

    /// The error of a step of `flow`'s connection: knows when only a new login helps.
    pub fn of_flow(step: StepName, failure: Failure, flow: crate::profile::Flow) -> Self {
        let mut error = StepError::new(step, failure);
        error.needs_login = needs_login(flow, &error.failure);
        error
    }
}

/// A hint as shown with a result: id, title and fix steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HintRef {
    pub id: String,
    pub title: String,
    pub fix: Vec<String>,
}

/// The result of testing one connection (`test --json`, PRODUCT.md section 5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestReport {
    pub name: String,
    pub ok: bool,
    pub flow: crate::profile::Flow,
    pub instance_url: Option<String>,
    /// Where the token came from; `null` when no token was obtained.
    pub token_source: Option<TokenSource>,
    pub user: Option<UserInfo>,
    pub steps: Vec<StepReport>,
    pub error: Option<StepError>,
    pub hints: Vec<HintRef>,
}

impl TestReport {
    /// True when the test stopped because the connection needs an interactive login.
    pub fn needs_login(&self) -> bool {
        self.error.as_ref().is_some_and(|e| e.needs_login)
    }
}
