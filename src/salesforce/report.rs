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
    /// A condition found on this machine, named by its hint id (for example
    /// `callback-port-busy`, `callback-state-mismatch`, `browser-unavailable`,
    /// `keychain-unavailable`, `redirect-uri-mismatch` for a web login that timed out).
    Local { condition: String, detail: String },
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
                (None, Some(condition.clone()), Some(detail.clone()))
            }
            Failure::NeedsLogin { detail } => {
                (None, Some("needs_login".into()), Some(detail.clone()))
            }
        }
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
}

fn default_failure() -> Failure {
    Failure::Local {
        condition: String::new(),
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
            failure,
        }
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
    pub user: Option<UserInfo>,
    pub steps: Vec<StepReport>,
    pub error: Option<StepError>,
    pub hints: Vec<HintRef>,
}

impl TestReport {
    /// True when the test stopped because the connection needs an interactive login.
    pub fn needs_login(&self) -> bool {
        matches!(
            self.error.as_ref().map(|e| &e.failure),
            Some(Failure::NeedsLogin { .. })
        )
    }
}
