//! The wizard's words: which flow to choose when, the Salesforce Setup checklist per flow and
//! each field's label and help. They live in `assets/wizard/*.toml` so they can be improved
//! without touching Rust; this module loads them into typed structs.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::profile::{Environment, Flow};

/// A field the wizard asks for. Names match the profile file keys (and secret kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKey {
    Name,
    Environment,
    Domain,
    ClientId,
    ClientSecret,
    Username,
    Password,
    SecurityToken,
    KeyFile,
    CertFile,
    Audience,
    Scopes,
    CallbackPort,
}

impl FieldKey {
    /// The most characters the field takes, typed or pasted: well above any real value (a
    /// consumer key is under 100, a host at most 253), and small enough that validating on
    /// every key stays instant.
    pub fn max_chars(self) -> usize {
        match self {
            FieldKey::Name => crate::profile::validate::MAX_NAME_LEN,
            FieldKey::Environment | FieldKey::CallbackPort => 16,
            FieldKey::Domain | FieldKey::Audience => 300,
            FieldKey::KeyFile | FieldKey::CertFile => 4096,
            FieldKey::ClientId
            | FieldKey::ClientSecret
            | FieldKey::Username
            | FieldKey::Password
            | FieldKey::SecurityToken
            | FieldKey::Scopes => 1024,
        }
    }

    /// The field for a setting or secret named as in the profile file and the secret store
    /// (what a validation error names).
    pub fn from_setting(name: &str) -> Option<FieldKey> {
        Some(match name {
            "name" => FieldKey::Name,
            "environment" => FieldKey::Environment,
            "domain" => FieldKey::Domain,
            "client_id" => FieldKey::ClientId,
            "client_secret" => FieldKey::ClientSecret,
            "username" => FieldKey::Username,
            "password" => FieldKey::Password,
            "security_token" => FieldKey::SecurityToken,
            "key_file" | "private_key" => FieldKey::KeyFile,
            "cert_file" => FieldKey::CertFile,
            "audience" => FieldKey::Audience,
            "scopes" => FieldKey::Scopes,
            "callback_port" => FieldKey::CallbackPort,
            _ => return None,
        })
    }

    /// Secrets are masked as typed and go to the secret store, never to the profile file.
    pub fn is_secret(self) -> bool {
        matches!(
            self,
            FieldKey::ClientSecret | FieldKey::Password | FieldKey::SecurityToken
        )
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub key: FieldKey,
    pub label: String,
    pub help: String,
    #[serde(default)]
    pub hints: Vec<String>,
    /// The hint ids this field is where the fix goes (`f` after a failed connect lands here).
    #[serde(default)]
    pub fixes: Vec<String>,
    #[serde(default)]
    pub required: bool,
}

/// One thing to do in Salesforce Setup before the connection can work.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetupStep {
    pub title: String,
    /// The Lightning Setup page to open (`/lightning/setup/<Page>/home`, research §8), the same
    /// form as `setup_page` in assets/hints.toml.
    pub page: Option<String>,
    pub detail: Vec<String>,
    #[serde(default)]
    pub hints: Vec<String>,
}

/// Everything the wizard says about one flow.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowGuide {
    pub flow: Flow,
    pub title: String,
    /// One line on when to use this flow.
    pub when: String,
    #[serde(default)]
    pub domain_required: bool,
    pub setup: Vec<SetupStep>,
    pub fields: Vec<FieldSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Common {
    fields: Vec<FieldSpec>,
}

/// All wizard content: the common fields and one guide per flow, in `Flow::ALL` order.
#[derive(Debug, Clone)]
pub struct Guides {
    pub common: Vec<FieldSpec>,
    pub flows: Vec<FlowGuide>,
}

impl Guides {
    pub fn flow(&self, flow: Flow) -> &FlowGuide {
        // Guides::load checked that every flow has exactly one guide, in Flow::ALL order.
        let index = Flow::ALL.iter().position(|f| *f == flow).unwrap_or(0);
        &self.flows[index]
    }

    fn load() -> Result<Guides, String> {
        const FILES: [(&str, &str); 5] = [
            ("web.toml", include_str!("../../../assets/wizard/web.toml")),
            ("jwt.toml", include_str!("../../../assets/wizard/jwt.toml")),
            (
                "client-credentials.toml",
                include_str!("../../../assets/wizard/client-credentials.toml"),
            ),
            (
                "password.toml",
                include_str!("../../../assets/wizard/password.toml"),
            ),
            (
                "device.toml",
                include_str!("../../../assets/wizard/device.toml"),
            ),
        ];
        let common: Common = toml::from_str(include_str!("../../../assets/wizard/common.toml"))
            .map_err(|e| format!("assets/wizard/common.toml: {e}"))?;
        let mut flows = Vec::new();
        for ((file, text), flow) in FILES.iter().zip(Flow::ALL) {
            let guide: FlowGuide =
                toml::from_str(text).map_err(|e| format!("assets/wizard/{file}: {e}"))?;
            if guide.flow != flow {
                return Err(format!(
                    "assets/wizard/{file}: flow = \"{}\", expected \"{flow}\"",
                    guide.flow
                ));
            }
            flows.push(guide);
        }
        Ok(Guides {
            common: common.fields,
            flows,
        })
    }
}

/// The compiled-in wizard content (parsed once).
pub fn guides() -> Result<&'static Guides, String> {
    static GUIDES: OnceLock<Result<Guides, String>> = OnceLock::new();
    GUIDES
        .get_or_init(Guides::load)
        .as_ref()
        .map_err(Clone::clone)
}

/// The URL of a Lightning Setup page of the org being set up (the diagnose module's rule: the
/// My Domain when known, else the login host's `startURL`).
pub fn setup_url(domain: Option<&str>, environment: Environment, page: &str) -> String {
    let mut conn = crate::profile::Connection::new("", crate::profile::Flow::Web);
    conn.domain = domain.filter(|d| !d.is_empty()).map(str::to_string);
    conn.environment = environment;
    crate::diagnose::setup_url(&conn, page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flow_has_a_guide_with_setup_steps_and_fields() {
        for g in &guides().unwrap().flows {
            for s in &g.setup {
                let page = s.page.as_deref().unwrap_or("/lightning/setup/X/home");
                assert!(
                    page.starts_with("/lightning/setup/") && page.ends_with("/home"),
                    "{}: {page} is not a Lightning Setup path",
                    g.flow
                );
            }
        }
        let guides = guides().unwrap();
        for flow in Flow::ALL {
            let g = guides.flow(flow);
            assert_eq!(g.flow, flow);
            assert!(!g.setup.is_empty(), "{flow} has no setup steps");
            assert!(
                g.fields.iter().any(|f| f.key == FieldKey::ClientId),
                "{flow} never asks for the consumer key"
            );
        }
        assert_eq!(
            guides.common.iter().map(|f| f.key).collect::<Vec<_>>(),
            [FieldKey::Name, FieldKey::Environment, FieldKey::Domain]
        );
    }

    #[test]
    fn setup_url_uses_my_domain_or_the_login_host() {
        assert_eq!(
            setup_url(
                Some("https://acme.my.salesforce.com"),
                Environment::Production,
                "/lightning/setup/ManageExternalClientApplication/home"
            ),
            "https://acme.my.salesforce.com/lightning/setup/ManageExternalClientApplication/home"
        );
        assert_eq!(
            setup_url(
                None,
                Environment::Sandbox,
                "/lightning/setup/OrgDomain/home"
            ),
            "https://test.salesforce.com/?startURL=%2Flightning%2Fsetup%2FOrgDomain%2Fhome"
        );
    }
}
