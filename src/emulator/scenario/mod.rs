//! The practice org's scenario: its org, users and apps, read from TOML (PRODUCT.md section 7).
//!
//! The built-in scenario is `assets/practice-org/scenario.toml`, compiled in together with the
//! throw-away JWT certificate it names.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::EmulatorError;

mod load;

/// The compiled-in default scenario.
pub const BUILTIN_SCENARIO_TOML: &str = include_str!("../../../assets/practice-org/scenario.toml");
/// The certificate uploaded to the built-in `practice-jwt` app (a throw-away self-signed demo certificate).
pub const PRACTICE_JWT_CERT_PEM: &str = include_str!("../../../assets/practice-org/jwt.crt");
/// The private key matching [`PRACTICE_JWT_CERT_PEM`]: a throw-away demo key, public on purpose.
pub const PRACTICE_JWT_KEY_PEM: &str = include_str!("../../../assets/practice-org/jwt.key");

/// A whole practice org: one org, its users and its apps.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub org: OrgSettings,
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub apps: Vec<App>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrgType {
    Production,
    Sandbox,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgSettings {
    /// Org id, `00D` + 12 or 15 characters.
    pub id: String,
    pub name: String,
    /// Decides the JWT audience: https://login.salesforce.com or https://test.salesforce.com.
    #[serde(rename = "type", default = "default_org_type")]
    pub org_type: OrgType,
    /// Off: every REST call answers 403 `API_DISABLED_FOR_ORG` (an edition without API access).
    #[serde(default = "yes")]
    pub api_enabled: bool,
    /// Whether the org's own My Domain URL is accepted as JWT `aud` (research §2.5: mixed evidence).
    #[serde(default = "yes")]
    pub my_domain_audience_allowed: bool,
    /// "Allow OAuth Username-Password Flows" (blocked by default in orgs created since Summer '23).
    #[serde(default = "yes")]
    pub password_flow_allowed: bool,
    #[serde(default = "default_daily_max")]
    pub daily_api_max: u64,
    /// Requests left today; each REST call uses one. At 0 the API answers `REQUEST_LIMIT_EXCEEDED`.
    #[serde(default = "default_daily_remaining")]
    pub daily_api_remaining: u64,
    /// The newest REST API version served by `/services/data/` (oldest is 31.0).
    #[serde(default = "default_api_version")]
    pub max_api_version: u32,
    /// Who is "logged in to the browser" for the web and device flows when the request names nobody
    /// (`login_hint`, the `username` field of /setup/connect). Default: the first user.
    #[serde(default)]
    pub browser_user: Option<String>,
    /// An External Client App deployed through `deployRequest` answers `invalid_client_id` to this
    /// many look-ups of its consumer key before it works: Salesforce's propagation delay after a
    /// deploy (minutes on a real org, unconfirmed), counted in requests so tests need no clock.
    #[serde(default)]
    pub new_client_id_delay_attempts: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// User id, `005` + 12 or 15 characters.
    pub id: String,
    pub username: String,
    pub password: String,
    /// Appended to the password in the username-password flow. Empty: the password alone works
    /// (as from a trusted IP range).
    #[serde(default)]
    pub security_token: String,
    pub email: String,
    pub name: String,
    #[serde(default = "yes")]
    pub active: bool,
    /// The "API Enabled" permission: off gives REST 403 `API_DISABLED_FOR_ORG`.
    #[serde(default = "yes")]
    pub api_enabled: bool,
    /// Logins come from outside the user's profile IP ranges: every grant answers `ip restricted`.
    #[serde(default)]
    pub ip_restricted: bool,
    /// Permission sets assigned to the user (API names). An External Client App's policies may
    /// pre-authorize users through one; a deploy naming a permission set nobody has fails.
    #[serde(default)]
    pub permission_sets: Vec<String>,
    /// May deploy metadata ("Create, edit, and delete External Client Apps", or Modify All Data).
    #[serde(default)]
    pub admin: bool,
}

/// The OAuth flows an app can enable (sfconn's flow names; `web` also covers the refresh token grant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AppFlow {
    Web,
    Jwt,
    ClientCredentials,
    Password,
    Device,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermittedUsers {
    /// "All users may self-authorize".
    All,
    /// "Admin approved users are pre-authorized": only `pre_authorized` users get in.
    AdminApproved,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct App {
    pub name: String,
    /// The consumer key.
    pub client_id: String,
    /// The consumer secret. Empty: the app has none (a public client).
    #[serde(default)]
    pub client_secret: String,
    /// "Require Secret for Web Server Flow" / "... for Refresh Token Flow"; client credentials and
    /// password always need it.
    #[serde(default)]
    pub secret_required: bool,
    pub flows: Vec<AppFlow>,
    /// Scopes the app is allowed to grant.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// Callback URLs, matched exactly, as Salesforce does (scheme, host, port and path). Practice-org
    /// extension, for scenarios that list it on purpose: a `*` port (`http://127.0.0.1:*/cb`)
    /// matches any port, so sfconn's tests and the TUI demo can use a free port. No source shows a
    /// wildcard in Salesforce's own callback URLs (research §4.2), so `demo --serve` drops them
    /// from the built-in scenario ([`Scenario::exact_callbacks_only`]).
    #[serde(default)]
    pub callback_urls: Vec<String>,
    /// "Require Proof Key for Code Exchange (PKCE)".
    #[serde(default)]
    pub pkce_required: bool,
    /// Installed in the org; uninstalled apps are blocked (research §6, September 2025).
    #[serde(default = "yes")]
    pub installed: bool,
    /// Skip the consent page: the authorize endpoint redirects with a code at once.
    #[serde(default)]
    pub auto_approve: bool,
    /// Device flow: the device code is approved by itself at this poll (1 = the first poll succeeds).
    #[serde(default)]
    pub device_auto_approve_after_polls: Option<u32>,
    /// Device flow polling interval returned to the client, in seconds.
    #[serde(default = "default_device_interval")]
    pub device_interval_secs: u64,
    /// The certificate uploaded for the JWT flow: inline PEM, or a path relative to the scenario file.
    #[serde(default)]
    pub certificate: Option<String>,
    /// The certificate PEM after loading (`certificate` resolved).
    #[serde(skip)]
    pub certificate_pem: Option<String>,
    /// Client credentials flow "Run As" user (a username).
    #[serde(default)]
    pub run_as: Option<String>,
    #[serde(default = "default_permitted")]
    pub permitted_users: PermittedUsers,
    /// Usernames whose profile or permission set is assigned to the app (pre-authorized).
    #[serde(default)]
    pub pre_authorized: Vec<String>,
    /// "Enforce IP restrictions" with the caller outside the allowed ranges: every grant for this
    /// app answers `ip restricted`.
    #[serde(default)]
    pub ip_restricted: bool,
    /// Each refresh returns a new refresh token and revokes the old one.
    #[serde(default)]
    pub refresh_token_rotation: bool,
    /// Off: the refresh token policy expires refresh tokens at once ("Expire refresh token immediately").
    #[serde(default = "yes")]
    pub refresh_token_valid: bool,
    /// The REST API refuses every session of this app with 401 `INVALID_SESSION_ID`, brand-new
    /// ones too, while the token endpoint and userinfo keep working. Salesforce does this after
    /// changes to the app's OAuth, session or IP policies (research §4.3: "This session is not
    /// valid for use with the REST API"); a client must not loop on refresh.
    #[serde(default)]
    pub rest_sessions_invalid: bool,
    /// Authorization code lifetime in seconds (Salesforce: 15 minutes).
    #[serde(default = "default_code_ttl")]
    pub code_ttl_secs: u64,
}

fn yes() -> bool {
    true
}
fn default_org_type() -> OrgType {
    OrgType::Production
}
fn default_daily_max() -> u64 {
    15_000
}
fn default_daily_remaining() -> u64 {
    14_950
}
fn default_api_version() -> u32 {
    66
}
fn default_scopes() -> Vec<String> {
    ["api", "refresh_token", "web", "id"]
        .into_iter()
        .map(String::from)
        .collect()
}
fn default_device_interval() -> u64 {
    5
}
fn default_permitted() -> PermittedUsers {
    PermittedUsers::All
}
fn default_code_ttl() -> u64 {
    15 * 60
}

impl Scenario {
    /// The compiled-in scenario (assets/practice-org/scenario.toml), certificate included.
    #[allow(
        clippy::expect_used,
        reason = "a compiled-in asset, parsed by a unit test; no user, file or network data"
    )]
    pub fn builtin() -> Scenario {
        // The asset is part of the binary and checked by a unit test, so this cannot fail at run time.
        Self::parse(BUILTIN_SCENARIO_TOML, "built-in scenario", None)
            .expect("the built-in practice-org scenario is valid (unit-tested)")
    }

    /// Read a scenario file; certificate paths are relative to the file's directory.
    pub fn from_file(path: &Path) -> Result<Scenario, EmulatorError> {
        let text = std::fs::read_to_string(path).map_err(|e| EmulatorError::Scenario {
            location: path.display().to_string(),
            message: format!("cannot read the scenario file: {e}"),
        })?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::parse(&text, &path.display().to_string(), Some(dir))
    }

    /// Parse a scenario from text; certificate paths are relative to the current directory.
    pub fn from_toml_str(text: &str) -> Result<Scenario, EmulatorError> {
        Self::parse(text, "scenario", Some(PathBuf::from(".")))
    }

    /// The scenario with every `*`-port callback URL removed: the org other clients see compares
    /// callback URLs exactly, as Salesforce does.
    pub fn exact_callbacks_only(mut self) -> Scenario {
        for app in &mut self.apps {
            app.callback_urls.retain(|cb| !cb.contains(":*"));
        }
        self
    }

    pub fn app(&self, client_id: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.client_id == client_id)
    }

    /// Usernames are case-insensitive in Salesforce.
    pub fn user(&self, username: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(username))
    }

    /// Whether any user has this permission set (the org's permission sets, as far as it matters).
    pub fn has_permission_set(&self, name: &str) -> bool {
        self.users
            .iter()
            .any(|u| u.permission_sets.iter().any(|p| p == name))
    }

    pub fn user_by_id(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// Who approves a device code for `app` when nobody is named: the browser user if the app lets
    /// them in, else the app's first pre-authorized user.
    pub fn default_user_for(&self, app: &App) -> Option<&User> {
        let browser = self.browser_user();
        let permitted = |u: &&User| {
            app.permitted_users == PermittedUsers::All || app.is_pre_authorized(&u.username)
        };
        browser
            .filter(permitted)
            .or_else(|| app.pre_authorized.first().and_then(|u| self.user(u)))
            .or(browser)
    }

    /// The user "logged in to the browser".
    pub fn browser_user(&self) -> Option<&User> {
        match &self.org.browser_user {
            Some(name) => self.user(name),
            None => self.users.first(),
        }
    }
}

impl App {
    pub fn has_flow(&self, flow: AppFlow) -> bool {
        self.flows.contains(&flow)
    }

    pub fn is_pre_authorized(&self, username: &str) -> bool {
        self.pre_authorized
            .iter()
            .any(|u| u.eq_ignore_ascii_case(username))
    }

    /// Whether `redirect_uri` matches one of the callback URLs (exactly, or through a `*` port).
    pub fn callback_matches(&self, redirect_uri: &str) -> bool {
        self.callback_urls.iter().any(|cb| {
            if cb == redirect_uri {
                return true;
            }
            let Some((before, after)) = cb.split_once(":*") else {
                return false;
            };
            let Some(rest) = redirect_uri
                .strip_prefix(before)
                .and_then(|r| r.strip_prefix(':'))
            else {
                return false;
            };
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            digits > 0 && &rest[digits..] == after
        })
    }
}
