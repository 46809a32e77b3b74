//! Wizard fields: a text input per field, validated as typed, turned into a `Connection` plus the
//! secrets to store.

use std::path::{Path, PathBuf};

use ratatui_textarea::TextArea;

use super::content::{FieldKey, FieldSpec};
use crate::profile::{Connection, Environment, Flow};
use crate::secrets::SecretKind;
use crate::tui::action::SecretValue;

/// One input of the wizard.
#[derive(Debug, Clone)]
pub struct Field {
    pub spec: FieldSpec,
    pub input: TextArea<'static>,
    pub error: Option<String>,
    /// Editing a connection whose secret of this kind is stored: blank keeps it.
    pub stored: bool,
    /// The stored secret is removed on save (Ctrl-D; only optional secrets).
    pub forget: bool,
}

impl Field {
    pub fn new(spec: FieldSpec, value: &str, stored: bool) -> Field {
        let mut input = TextArea::new(vec![value.to_string()]);
        input.move_cursor(ratatui_textarea::CursorMove::End);
        if spec.key.is_secret() {
            input.set_mask_char('•');
        }
        if stored {
            input.set_placeholder_text("stored in the secret store: leave empty to keep it");
        } else if let Some(p) = placeholder(spec.key) {
            input.set_placeholder_text(p);
        }
        Field {
            spec,
            input,
            error: None,
            stored,
            forget: false,
        }
    }

    /// A stored secret the flow can do without (web's client secret, the security token).
    pub fn forgettable(&self, flow: Flow) -> bool {
        self.stored
            && secret_kind(self.key())
                .is_some_and(|k| !crate::profile::validate::required_secrets(flow).contains(&k))
    }

    pub fn key(&self) -> FieldKey {
        self.spec.key
    }

    pub fn value(&self) -> &str {
        self.input.lines().first().map(String::as_str).unwrap_or("")
    }

    pub fn set_value(&mut self, value: &str) {
        let mut input = TextArea::new(vec![value.to_string()]);
        input.move_cursor(ratatui_textarea::CursorMove::End);
        if let Some(mask) = self.input.mask_char() {
            input.set_mask_char(mask);
        }
        input.set_placeholder_text(self.input.placeholder_text().to_string());
        self.input = input;
    }
}

fn placeholder(key: FieldKey) -> Option<&'static str> {
    Some(match key {
        FieldKey::Name => "e.g. acme-prod",
        FieldKey::Domain => "e.g. acme.my.salesforce.com (optional)",
        FieldKey::ClientId => "the app's Consumer Key (starts with 3MVG9)",
        FieldKey::Username => "e.g. integration@acme.com",
        FieldKey::KeyFile => "path to a PEM private key, or Ctrl-G to make one",
        FieldKey::CertFile => "path to the certificate uploaded to the app (optional)",
        FieldKey::Audience => "default: by environment",
        FieldKey::Scopes => "default: api refresh_token",
        FieldKey::CallbackPort => "default: 1717",
        _ => return None,
    })
}

/// What validation needs to know besides the value.
pub struct Rules<'a> {
    pub flow: Flow,
    pub domain_required: bool,
    /// Names taken by other connections.
    pub taken: &'a dyn Fn(&str) -> bool,
    /// Directory relative key/cert paths are resolved against.
    pub base_dir: &'a Path,
}

/// `Ok` or what is wrong with the value, in words a user can act on.
pub fn validate(field: &Field, rules: &Rules<'_>) -> Result<(), String> {
    let value = field.value().trim();
    if value.is_empty() {
        if field.spec.required && !field.stored && field.key() != FieldKey::Environment {
            if field.key() == FieldKey::ClientSecret && rules.flow == Flow::Web {
                return Ok(());
            }
            return Err(format!("{} is required", field.spec.label));
        }
        if field.key() == FieldKey::Domain && rules.domain_required {
            return Err(format!(
                "the {} flow needs your My Domain (e.g. acme.my.salesforce.com)",
                rules.flow
            ));
        }
        return Ok(());
    }
    match field.key() {
        FieldKey::Name => validate_name(value, rules.taken),
        FieldKey::Domain => {
            let domain = normalize_domain(value)?;
            let host = domain.trim_start_matches("https://");
            if rules.flow == Flow::ClientCredentials
                && (host == "login.salesforce.com" || host == "test.salesforce.com")
            {
                return Err(format!(
                    "{host} cannot issue client-credentials tokens (my-domain-required); use your My Domain, e.g. acme.my.salesforce.com"
                ));
            }
            Ok(())
        }
        FieldKey::ClientId => {
            no_spaces(value, "the consumer key")?;
            match crate::profile::validate::client_id_placeholder(value) {
                Some(message) => Err(message),
                None => Ok(()),
            }
        }
        FieldKey::Username => {
            no_spaces(value, "the username")?;
            if value.contains('@') {
                Ok(())
            } else {
                Err("Salesforce usernames look like an email address (name@company.com)".into())
            }
        }
        FieldKey::KeyFile => {
            let path = resolve(rules.base_dir, value);
            crate::profile::keys::load_private_key_file(&path)
                .map(|_| ())
                .map_err(|e| format!("{}: {e}", path.display()))
        }
        FieldKey::CertFile => check_pem(&resolve(rules.base_dir, value), "CERTIFICATE"),
        FieldKey::Audience => crate::profile::validate::normalize_audience(value).map(|_| ()),
        FieldKey::Scopes => crate::profile::validate::normalize_scopes(value).map(|_| ()),
        FieldKey::CallbackPort => match value.parse::<u16>() {
            Ok(p) if p >= 1024 => Ok(()),
            _ => Err("a port number from 1024 to 65535".into()),
        },
        FieldKey::Environment
        | FieldKey::ClientSecret
        | FieldKey::Password
        | FieldKey::SecurityToken => Ok(()),
    }
}

fn no_spaces(value: &str, what: &str) -> Result<(), String> {
    if value.chars().any(char::is_whitespace) {
        Err(format!("{what} has no spaces: check the copy and paste"))
    } else {
        Ok(())
    }
}

/// PRODUCT.md section 2 (the profile module's rule), plus: not taken by another connection.
pub fn validate_name(name: &str, taken: &dyn Fn(&str) -> bool) -> Result<(), String> {
    crate::profile::validate::validate_name(name).map_err(|e| e.message)?;
    if taken(name) {
        return Err(format!("a connection named {name} already exists"));
    }
    Ok(())
}

/// PRODUCT.md section 2: a bare host or a URL, normalised to `https://host`; `http://` only for
/// loopback hosts (the profile module's rule, so the wizard and `sfconn add` agree).
pub fn normalize_domain(input: &str) -> Result<String, String> {
    crate::profile::validate::normalize_domain(input)
}

fn resolve(base: &Path, value: &str) -> PathBuf {
    let p = PathBuf::from(value);
    if p.is_absolute() { p } else { base.join(p) }
}

fn check_pem(path: &Path, label: &str) -> Result<(), String> {
    let bytes = crate::profile::atomic::read_capped(path, crate::profile::atomic::MAX_KEY_FILE)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    if text.contains("ENCRYPTED PRIVATE KEY") {
        return Err(format!(
            "{} is encrypted: sfconn needs an unencrypted PEM key",
            path.display()
        ));
    }
    if text.contains("-----BEGIN") && text.contains(label) {
        Ok(())
    } else {
        Err(format!(
            "{} is not a PEM file with a {label}",
            path.display()
        ))
    }
}

/// The field's value for the settings, or `None` when empty.
fn opt(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// Build the connection and the secrets to store from validated fields.
/// The stored optional secrets marked for removal (and not retyped).
pub fn to_clear(flow: Flow, fields: &[Field]) -> Vec<SecretKind> {
    fields
        .iter()
        .filter(|f| f.forget && f.forgettable(flow) && f.value().is_empty())
        .filter_map(|f| secret_kind(f.key()))
        .collect()
}

pub fn build(
    flow: Flow,
    environment: Environment,
    fields: &[Field],
    base_dir: &Path,
) -> (Connection, Vec<(SecretKind, SecretValue)>) {
    let get = |key: FieldKey| {
        fields
            .iter()
            .find(|f| f.key() == key)
            .and_then(|f| opt(f.value()))
    };
    let mut conn = Connection::new(get(FieldKey::Name).unwrap_or_default(), flow);
    conn.environment = environment;
    conn.domain = get(FieldKey::Domain).and_then(|d| normalize_domain(&d).ok());
    conn.client_id = get(FieldKey::ClientId);
    conn.username = get(FieldKey::Username);
    conn.key_file = get(FieldKey::KeyFile).map(|p| resolve(base_dir, &p));
    conn.cert_file = get(FieldKey::CertFile).map(|p| resolve(base_dir, &p));
    conn.audience = get(FieldKey::Audience);
    conn.scopes = get(FieldKey::Scopes);
    conn.callback_port = get(FieldKey::CallbackPort).and_then(|p| p.parse().ok());
    let mut secrets = Vec::new();
    for (key, kind) in [
        (FieldKey::ClientSecret, SecretKind::ClientSecret),
        (FieldKey::Password, SecretKind::Password),
        (FieldKey::SecurityToken, SecretKind::SecurityToken),
    ] {
        if let Some(f) = fields.iter().find(|f| f.key() == key)
            && !f.value().is_empty()
        {
            secrets.push((kind, SecretValue(f.value().to_string())));
        }
    }
    (conn, secrets)
}

/// The text a field starts with when editing `conn`.
pub fn initial_value(conn: &Connection, key: FieldKey) -> String {
    let path = |p: &Option<PathBuf>| {
        p.as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    };
    match key {
        FieldKey::Name => conn.name.clone(),
        FieldKey::Environment => conn.environment.to_string(),
        FieldKey::Domain => conn.domain.clone().unwrap_or_default(),
        FieldKey::ClientId => conn.client_id.clone().unwrap_or_default(),
        FieldKey::Username => conn.username.clone().unwrap_or_default(),
        FieldKey::KeyFile => path(&conn.key_file),
        FieldKey::CertFile => path(&conn.cert_file),
        FieldKey::Audience => conn.audience.clone().unwrap_or_default(),
        FieldKey::Scopes => conn.scopes.clone().unwrap_or_default(),
        FieldKey::CallbackPort => conn
            .callback_port
            .map(|p| p.to_string())
            .unwrap_or_default(),
        FieldKey::ClientSecret | FieldKey::Password | FieldKey::SecurityToken => String::new(),
    }
}

/// Which secret kind a secret field is stored under.
pub fn secret_kind(key: FieldKey) -> Option<SecretKind> {
    match key {
        FieldKey::ClientSecret => Some(SecretKind::ClientSecret),
        FieldKey::Password => Some(SecretKind::Password),
        FieldKey::SecurityToken => Some(SecretKind::SecurityToken),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_normalised_and_http_is_only_for_loopback() {
        assert_eq!(
            normalize_domain("acme.my.salesforce.com").unwrap(),
            "https://acme.my.salesforce.com"
        );
        assert_eq!(
            normalize_domain("https://acme.my.salesforce.com/").unwrap(),
            "https://acme.my.salesforce.com"
        );
        assert_eq!(
            normalize_domain("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert!(normalize_domain("http://acme.my.salesforce.com").is_err());
    }

    #[test]
    fn names_follow_the_product_rules() {
        let none = |_: &str| false;
        assert!(validate_name("Salesforce-Prod-OrderSync", &none).is_ok());
        assert!(validate_name("bad name", &none).is_err());
        assert!(validate_name(&"a".repeat(65), &none).is_err());
        assert!(validate_name("prod", &|n: &str| n == "prod").is_err());
    }
}
