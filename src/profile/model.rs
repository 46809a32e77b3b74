//! A named connection and its settings. Secrets never live here.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

pub const PRODUCTION_LOGIN: &str = "https://login.salesforce.com";
pub const SANDBOX_LOGIN: &str = "https://test.salesforce.com";
pub const DEFAULT_CALLBACK_PORT: u16 = 1717;
pub const DEFAULT_SCOPES: &str = "api refresh_token";
pub const DEFAULT_TIMEOUT_SECS: u64 = 10;

/// The OAuth flow a connection uses (the `flow` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Flow {
    Web,
    Jwt,
    ClientCredentials,
    Password,
    Device,
}

impl Flow {
    pub const ALL: [Flow; 5] = [
        Flow::Web,
        Flow::Jwt,
        Flow::ClientCredentials,
        Flow::Password,
        Flow::Device,
    ];

    /// The name used in the profile file, on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::Web => "web",
            Flow::Jwt => "jwt",
            Flow::ClientCredentials => "client-credentials",
            Flow::Password => "password",
            Flow::Device => "device",
        }
    }

    /// Flows that need a person in front of a browser (or device) to get a token.
    pub fn is_interactive(self) -> bool {
        matches!(self, Flow::Web | Flow::Device)
    }
}

impl std::fmt::Display for Flow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `production` (login.salesforce.com) or `sandbox` (test.salesforce.com).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Environment {
    #[default]
    Production,
    Sandbox,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Production => "production",
            Environment::Sandbox => "sandbox",
        }
    }

    /// The generic login host for this environment.
    pub fn login_host(self) -> &'static str {
        match self {
            Environment::Production => PRODUCTION_LOGIN,
            Environment::Sandbox => SANDBOX_LOGIN,
        }
    }
}

impl std::fmt::Display for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One named connection, as stored in `[connections.NAME]` of `profiles.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Connection {
    /// The table key; not stored inside the table.
    #[serde(skip)]
    pub name: String,
    pub flow: Flow,
    #[serde(default)]
    pub environment: Environment,
    /// My Domain, normalised to `https://host` (or `http://` for loopback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The consumer key of the External Client App / Connected App.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_file: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_file: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
    /// Hosts besides the login host and Salesforce's own domains that a token answer may name
    /// as `instance_url` (exact host, or `*.example.com` for its subdomains). Empty by default;
    /// set by hand in the profile file (see the README's Security section).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_hosts: Vec<String>,
}

impl Connection {
    /// A connection with only the name and flow set.
    pub fn new(name: impl Into<String>, flow: Flow) -> Self {
        Connection {
            name: name.into(),
            flow,
            environment: Environment::Production,
            domain: None,
            client_id: None,
            username: None,
            key_file: None,
            cert_file: None,
            audience: None,
            scopes: None,
            callback_port: None,
            timeout_secs: None,
            trusted_hosts: Vec::new(),
        }
    }

    /// Where OAuth requests go: the My Domain when set, else the environment's login host.
    pub fn login_host(&self) -> &str {
        self.domain
            .as_deref()
            .unwrap_or(self.environment.login_host())
    }

    /// The JWT `aud`: the explicit audience, else login/test by environment.
    pub fn audience(&self) -> &str {
        self.audience
            .as_deref()
            .unwrap_or(self.environment.login_host())
    }

    pub fn scopes(&self) -> &str {
        self.scopes.as_deref().unwrap_or(DEFAULT_SCOPES)
    }

    pub fn callback_port(&self) -> u16 {
        self.callback_port.unwrap_or(DEFAULT_CALLBACK_PORT)
    }

    pub fn is_production(&self) -> bool {
        self.environment == Environment::Production
    }
}

/// A setting that does not fit its flow or its format. `field` names the setting (or flag).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    pub field: String,
    pub message: String,
}
