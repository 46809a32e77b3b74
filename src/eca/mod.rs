//! External Client Apps as metadata (issue 11): the app a connection needs, written in SFDX source
//! format and as a deployable metadata zip, following `shared/research/external-client-apps.md`
//! (section 1.8 templates, one per flow). Never `oauthLink` or `orgScopedExternalApp`: Salesforce
//! fills both, and a stale value breaks the deploy (research 1.2, 1.3).

pub mod deploy;
pub mod failure;
pub mod migrate;
pub mod prepare;
pub mod retirement;

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::profile::{Connection, Flow};

/// The lowest API version the plan deploys at (research 1.7 recommends 62.0 or later).
pub const API_VERSION: u32 = 62;

/// Metadata type names, MDAPI folders and suffixes (research 1.1).
pub const TYPES: [(&str, &str, &str); 4] = [
    ("ExternalClientApplication", "externalClientApps", "eca"),
    (
        "ExtlClntAppOauthSettings",
        "extlClntAppOauthSettings",
        "ecaOauth",
    ),
    (
        "ExtlClntAppGlobalOauthSettings",
        "extlClntAppGlobalOauthSets",
        "ecaGlblOauth",
    ),
    (
        "ExtlClntAppOauthConfigurablePolicies",
        "extlClntAppOauthPolicies",
        "ecaOauthPlcy",
    ),
];

/// OAuth scope names as a connection writes them, and the metadata token for each (research 1.3).
pub const SCOPES: [(&str, &str); 17] = [
    ("api", "Api"),
    ("web", "Web"),
    ("full", "Full"),
    ("id", "Basic"),
    ("chatter_api", "Chatter"),
    ("visualforce", "CustomApplications"),
    ("refresh_token", "RefreshToken"),
    ("offline_access", "OfflineAccess"),
    ("openid", "OpenID"),
    ("profile", "Profile"),
    ("email", "Email"),
    ("address", "Address"),
    ("phone", "Phone"),
    ("custom_permissions", "CustomPermissions"),
    ("wave_api", "Wave"),
    ("lightning", "Lightning"),
    ("content", "Content"),
];

/// Everything the app's metadata depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSpec {
    /// The app's API name (`sfconn_` + the connection name, non-alphanumerics as `_`).
    pub app_name: String,
    pub flow: Flow,
    pub contact_email: String,
    /// Metadata scope tokens, e.g. `Api`, `RefreshToken`.
    pub scopes: Vec<String>,
    /// Chosen before the deploy and written into the global settings (research 2).
    pub consumer_key: String,
    pub callback_url: String,
    /// jwt: the certificate PEM.
    pub certificate_pem: Option<String>,
    /// jwt: the permission set whose users are pre-authorized.
    pub permission_set: Option<String>,
    /// client-credentials: the Run As user.
    pub run_as: Option<String>,
    pub api_version: u32,
}

/// Why a plan cannot be made (bad input: exit 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PlanError(pub String);

/// One metadata file of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub type_name: &'static str,
    pub member: String,
    /// MDAPI path inside the zip, e.g. `externalClientApps/sfconn_ci.eca`.
    pub path: String,
    pub xml: String,
}

/// The app name for a connection: `sfconn_` + its name, anything but letters and digits as `_`.
pub fn app_name(connection: &str) -> String {
    let mut out = String::from("sfconn_");
    let mut last_underscore = true;
    for c in connection.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
            last_underscore = false;
        } else if !last_underscore {
            out.push('_');
            last_underscore = true;
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out.chars().take(40).collect()
}

/// The metadata tokens for a connection's space-separated scopes.
pub fn metadata_scopes(scopes: &str) -> Result<Vec<String>, PlanError> {
    let mut out = Vec::new();
    for s in scopes.split_whitespace() {
        let Some((_, token)) = SCOPES.iter().find(|(name, _)| *name == s) else {
            return Err(PlanError(format!(
                "scope `{s}` has no External Client App equivalent sfconn knows; known: {}",
                SCOPES.map(|(n, _)| n).join(", ")
            )));
        };
        if !out.iter().any(|t| t == token) {
            out.push((*token).to_string());
        }
    }
    if out.is_empty() {
        return Err(PlanError("no scopes: give --scopes, e.g. \"api\"".into()));
    }
    Ok(out)
}

/// A consumer key chosen before the deploy: `3MVG9` and 80 letters and digits (the retrieved keys'
/// shape, research 1.4; the allowed length and charset are unconfirmed).
pub fn new_consumer_key() -> Result<String, PlanError> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 80];
    getrandom::fill(&mut bytes)
        .map_err(|e| PlanError(format!("no random numbers for the consumer key: {e}")))?;
    let tail: String = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    Ok(format!("3MVG9{tail}"))
}

impl AppSpec {
    /// The spec for `conn`: its flow, scopes and callback port.
    pub fn for_connection(
        conn: &Connection,
        consumer_key: String,
        certificate_pem: Option<String>,
        permission_set: Option<String>,
        run_as: Option<String>,
    ) -> Result<AppSpec, PlanError> {
        let scopes_text = match (conn.flow, &conn.scopes) {
            (Flow::ClientCredentials, None) => "api",
            _ => conn.scopes(),
        };
        let spec = AppSpec {
            app_name: app_name(&conn.name),
            flow: conn.flow,
            contact_email: conn
                .username
                .clone()
                .filter(|u| u.contains('@'))
                .or_else(|| run_as.clone())
                .unwrap_or_else(|| "admin@example.com".into()),
            scopes: metadata_scopes(scopes_text)?,
            consumer_key,
            callback_url: crate::salesforce::redirect_uri(conn.callback_port()),
            certificate_pem,
            permission_set,
            run_as,
            api_version: API_VERSION,
        };
        spec.check()?;
        Ok(spec)
    }

    fn check(&self) -> Result<(), PlanError> {
        match self.flow {
            Flow::Password => Err(PlanError(
                "the username-password flow is retired on 2027-02-20; plan a jwt or client-credentials \
                 app instead (`sfconn migrate NAME --to jwt`)"
                    .into(),
            )),
            Flow::Jwt if self.certificate_pem.is_none() => Err(PlanError(
                "a jwt app needs the certificate: run `sfconn keygen NAME` or set --cert-file".into(),
            )),
            Flow::Jwt if self.permission_set.is_none() => Err(PlanError(
                "a jwt app pre-authorizes its users through a permission set: give --permission-set NAME \
                 (assigned to the connection's user)"
                    .into(),
            )),
            Flow::ClientCredentials if self.run_as.is_none() => Err(PlanError(
                "a client-credentials app runs as one user: give --run-as USERNAME (an API-only integration user)"
                    .into(),
            )),
            _ => Ok(()),
        }
    }

    /// The four components, in deploy order (header first).
    pub fn components(&self) -> Vec<Component> {
        let app = &self.app_name;
        let oauth = format!("{app}_oauth");
        let glbl = format!("{app}_glbl");
        let policy = format!("{oauth}_defaultPolicy");
        let header = format!(
            "    <contactEmail>{}</contactEmail>\n    <distributionState>Local</distributionState>\n    \
             <isProtected>false</isProtected>\n    <label>{app}</label>\n",
            xml_escape(&self.contact_email)
        );
        let settings = format!(
            "    <commaSeparatedOauthScopes>{}</commaSeparatedOauthScopes>\n    \
             <externalClientApplication>{app}</externalClientApplication>\n    <label>{oauth}</label>\n",
            self.scopes.join(", ")
        );
        let mut global = format!(
            "    <callbackUrl>{}</callbackUrl>\n",
            xml_escape(&self.callback_url)
        );
        if let Some(cert) = &self.certificate_pem {
            let _ = writeln!(
                global,
                "    <certificate>{}</certificate>",
                xml_escape(cert.trim())
            );
        }
        let _ = writeln!(
            global,
            "    <consumerKey>{}</consumerKey>\n    <externalClientApplication>{app}</externalClientApplication>",
            self.consumer_key
        );
        let flags: &[(&str, bool)] = match self.flow {
            Flow::Jwt => &[
                ("isConsumerSecretOptional", true),
                ("isPkceRequired", false),
                ("isSecretRequiredForRefreshToken", false),
            ],
            Flow::ClientCredentials => &[
                ("isClientCredentialsFlowEnabled", true),
                ("isConsumerSecretOptional", false),
            ],
            Flow::Web => &[
                ("isConsumerSecretOptional", true),
                ("isPkceRequired", true),
                ("isSecretRequiredForRefreshToken", false),
            ],
            Flow::Device | Flow::Password => &[
                ("isConsumerSecretOptional", true),
                ("isDeviceFlowEnabled", true),
                ("isSecretRequiredForRefreshToken", false),
            ],
        };
        for (flag, on) in flags {
            let _ = writeln!(global, "    <{flag}>{on}</{flag}>");
        }
        let _ = writeln!(global, "    <label>{glbl}</label>");
        let policies = match self.flow {
            Flow::Jwt => format!(
                "    <commaSeparatedPermissionSet>{}</commaSeparatedPermissionSet>\n    \
                 <externalClientApplication>{app}</externalClientApplication>\n    \
                 <ipRelaxationPolicyType>Enforce</ipRelaxationPolicyType>\n    <label>{policy}</label>\n    \
                 <permittedUsersPolicyType>AdminApprovedPreAuthorized</permittedUsersPolicyType>\n    \
                 <refreshTokenPolicyType>SpecificLifetime</refreshTokenPolicyType>\n    \
                 <refreshTokenValidityPeriod>4</refreshTokenValidityPeriod>\n    \
                 <refreshTokenValidityUnit>Hours</refreshTokenValidityUnit>\n    \
                 <requiredSessionLevel>STANDARD</requiredSessionLevel>\n",
                xml_escape(self.permission_set.as_deref().unwrap_or_default())
            ),
            Flow::ClientCredentials => format!(
                "    <clientCredentialsFlowUser>{}</clientCredentialsFlowUser>\n    \
                 <externalClientApplication>{app}</externalClientApplication>\n    \
                 <ipRelaxationPolicyType>Enforce</ipRelaxationPolicyType>\n    \
                 <isClientCredentialsFlowEnabled>true</isClientCredentialsFlowEnabled>\n    \
                 <label>{policy}</label>\n    \
                 <permittedUsersPolicyType>AdminApprovedPreAuthorized</permittedUsersPolicyType>\n    \
                 <refreshTokenPolicyType>Zero</refreshTokenPolicyType>\n",
                xml_escape(self.run_as.as_deref().unwrap_or_default())
            ),
            _ => format!(
                "    <externalClientApplication>{app}</externalClientApplication>\n    \
                 <ipRelaxationPolicyType>Enforce</ipRelaxationPolicyType>\n    <label>{policy}</label>\n    \
                 <permittedUsersPolicyType>AllSelfAuthorized</permittedUsersPolicyType>\n    \
                 <refreshTokenPolicyType>Infinite</refreshTokenPolicyType>\n"
            ),
        };
        let bodies = [
            (app.clone(), header),
            (oauth, settings),
            (glbl, global),
            (policy, policies),
        ];
        TYPES
            .iter()
            .zip(bodies)
            .map(|((type_name, folder, suffix), (member, body))| Component {
                type_name,
                path: format!("{folder}/{member}.{suffix}"),
                xml: format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{type_name} xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n{body}</{type_name}>\n"
                ),
                member,
            })
            .collect()
    }

    /// `package.xml` listing exactly the shipped components.
    pub fn package_xml(&self) -> String {
        let mut out = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Package xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n",
        );
        for c in self.components() {
            let _ = writeln!(
                out,
                "    <types><members>{}</members><name>{}</name></types>",
                c.member, c.type_name
            );
        }
        let _ = writeln!(
            out,
            "    <version>{}.0</version>\n</Package>",
            self.api_version
        );
        out
    }

    /// The deployable metadata zip: `package.xml` at the root, one folder per type.
    pub fn zip(&self) -> Result<Vec<u8>, PlanError> {
        let fail = |e: &dyn std::fmt::Display| PlanError(format!("cannot build the zip: {e}"));
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let mut files = vec![("package.xml".to_string(), self.package_xml())];
        files.extend(self.components().into_iter().map(|c| (c.path, c.xml)));
        for (path, text) in files {
            zip.start_file(path, options).map_err(|e| fail(&e))?;
            zip.write_all(text.as_bytes()).map_err(|e| fail(&e))?;
        }
        Ok(zip.finish().map_err(|e| fail(&e))?.into_inner())
    }

    /// Write the plan to `dir`: an SFDX project (`sfdx-project.json`, `force-app/main/default/…`
    /// with `-meta.xml` names) and `<app>.zip`. Returns the zip's path.
    pub fn write(&self, dir: &Path) -> Result<PathBuf, PlanError> {
        let io =
            |p: &Path, e: std::io::Error| PlanError(format!("cannot write {}: {e}", p.display()));
        let source = dir.join("force-app").join("main").join("default");
        for c in self.components() {
            let path = source.join(format!("{}-meta.xml", c.path));
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
            }
            crate::profile::atomic::write_atomic(&path, c.xml.as_bytes(), Some(0o600))
                .map_err(|e| io(&path, e))?;
        }
        let project = dir.join("sfdx-project.json");
        let json = format!(
            "{{\n  \"packageDirectories\": [{{ \"path\": \"force-app\", \"default\": true }}],\n  \"sourceApiVersion\": \"{}.0\"\n}}\n",
            self.api_version
        );
        crate::profile::atomic::write_atomic(&project, json.as_bytes(), Some(0o644))
            .map_err(|e| io(&project, e))?;
        let zip_path = dir.join(format!("{}.zip", self.app_name));
        crate::profile::atomic::write_atomic(&zip_path, &self.zip()?, Some(0o600))
            .map_err(|e| io(&zip_path, e))?;
        Ok(zip_path)
    }

    /// What the app will allow, and for whom.
    pub fn review(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "External Client App {} (API {}.0)",
            self.app_name, self.api_version
        );
        let allows = match self.flow {
            Flow::Jwt => "the JWT bearer flow, signed with the connection's certificate",
            Flow::ClientCredentials => {
                "the client credentials flow (a consumer secret is generated)"
            }
            Flow::Web => "the web server flow with PKCE required, as a public client (no secret)",
            Flow::Device | Flow::Password => "the device flow, as a public client (no secret)",
        };
        let _ = writeln!(out, "  allows:   {allows}");
        let _ = writeln!(out, "  scopes:   {}", self.scopes.join(", "));
        let whom = match self.flow {
            Flow::Jwt => format!(
                "users with permission set {} (admin pre-authorized)",
                self.permission_set.as_deref().unwrap_or_default()
            ),
            Flow::ClientCredentials => format!(
                "every token runs as {}",
                self.run_as.as_deref().unwrap_or_default()
            ),
            _ => "any user of the org who approves it (self-authorized)".to_string(),
        };
        let _ = writeln!(out, "  for whom: {whom}");
        if matches!(self.flow, Flow::Web | Flow::Device) {
            let _ = writeln!(out, "  callback: {}", self.callback_url);
        }
        out
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(flow: Flow) -> AppSpec {
        let mut conn = Connection::new("ci.bot-1", flow);
        conn.username = Some("ci@example.com".into());
        let cert = (flow == Flow::Jwt)
            .then(|| "-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n".to_string());
        let permset = (flow == Flow::Jwt).then(|| "CI_Users".to_string());
        let run_as = (flow == Flow::ClientCredentials).then(|| "int@example.com".to_string());
        AppSpec::for_connection(&conn, "3MVG9key".into(), cert, permset, run_as).unwrap()
    }

    fn file(spec: &AppSpec, type_name: &str) -> String {
        spec.components()
            .into_iter()
            .find(|c| c.type_name == type_name)
            .unwrap()
            .xml
    }

    #[test]
    fn app_names_keep_letters_and_digits_only() {
        assert_eq!(app_name("ci.bot-1"), "sfconn_ci_bot_1");
        assert_eq!(app_name("a--b"), "sfconn_a_b");
        assert!(app_name(&"x".repeat(80)).len() <= 40);
    }

    #[test]
    fn scopes_map_to_metadata_tokens_and_unknown_ones_are_refused() {
        assert_eq!(
            metadata_scopes("api refresh_token id").unwrap(),
            ["Api", "RefreshToken", "Basic"]
        );
        assert!(
            metadata_scopes("api bogus")
                .unwrap_err()
                .0
                .contains("bogus")
        );
    }

    #[test]
    fn each_flow_enables_its_own_flow_and_nothing_salesforce_fills_in() {
        let jwt = spec(Flow::Jwt);
        let g = file(&jwt, "ExtlClntAppGlobalOauthSettings");
        assert!(g.contains("<certificate>-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----</certificate>"), "{g}");
        assert!(g.contains("<consumerKey>3MVG9key</consumerKey>"));
        let p = file(&jwt, "ExtlClntAppOauthConfigurablePolicies");
        assert!(p.contains("<commaSeparatedPermissionSet>CI_Users</commaSeparatedPermissionSet>"));
        assert!(p.contains(
            "<permittedUsersPolicyType>AdminApprovedPreAuthorized</permittedUsersPolicyType>"
        ));

        let cc = spec(Flow::ClientCredentials);
        assert!(
            file(&cc, "ExtlClntAppGlobalOauthSettings")
                .contains("<isClientCredentialsFlowEnabled>true</isClientCredentialsFlowEnabled>")
        );
        let p = file(&cc, "ExtlClntAppOauthConfigurablePolicies");
        assert!(
            p.contains("<clientCredentialsFlowUser>int@example.com</clientCredentialsFlowUser>")
        );
        assert!(
            p.contains("<isClientCredentialsFlowEnabled>true</isClientCredentialsFlowEnabled>")
        );
        assert!(
            file(&cc, "ExtlClntAppOauthSettings")
                .contains("<commaSeparatedOauthScopes>Api</commaSeparatedOauthScopes>")
        );

        let web = spec(Flow::Web);
        let g = file(&web, "ExtlClntAppGlobalOauthSettings");
        assert!(g.contains("<isPkceRequired>true</isPkceRequired>"));
        assert!(g.contains("<callbackUrl>http://localhost:1717/OauthRedirect</callbackUrl>"));

        let device = spec(Flow::Device);
        assert!(
            file(&device, "ExtlClntAppGlobalOauthSettings")
                .contains("<isDeviceFlowEnabled>true</isDeviceFlowEnabled>")
        );

        for s in [jwt, cc, web, device] {
            let all: String = s.components().into_iter().map(|c| c.xml).collect();
            assert!(!all.contains("oauthLink") && !all.contains("orgScopedExternalApp"));
            assert!(!all.contains("isNamedUserJwtEnabled"));
            assert!(s.package_xml().contains("<version>62.0</version>"));
        }
    }

    #[test]
    fn password_and_missing_flags_are_refused() {
        let conn = Connection::new("pw", Flow::Password);
        let e = AppSpec::for_connection(&conn, "k".into(), None, None, None).unwrap_err();
        assert!(e.0.contains("2027-02-20"), "{e}");
        let conn = Connection::new("j", Flow::Jwt);
        let e =
            AppSpec::for_connection(&conn, "k".into(), Some("c".into()), None, None).unwrap_err();
        assert!(e.0.contains("--permission-set"), "{e}");
    }

    #[test]
    fn xml_special_characters_are_escaped() {
        let mut conn = Connection::new("x", Flow::ClientCredentials);
        conn.username = None;
        let s = AppSpec::for_connection(&conn, "k".into(), None, None, Some("a&b<c>@x.com".into()))
            .unwrap();
        assert!(
            file(&s, "ExtlClntAppOauthConfigurablePolicies").contains("a&amp;b&lt;c&gt;@x.com")
        );
    }
}
