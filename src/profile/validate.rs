//! Per-flow validation of a connection and normalisation of user-typed values (PRODUCT.md
//! section 2). Pure checks live in `Connection::validate`; checks that need the disk or the
//! secret store (key file, required secrets) in `Connection::validate_for_save`.

use std::net::IpAddr;

use super::keys;
use super::model::{Connection, Flow, ValidationError};
use crate::secrets::SecretKind;

pub const MAX_NAME_LEN: usize = 64;

fn err(field: &str, message: impl Into<String>) -> ValidationError {
    ValidationError {
        field: field.to_string(),
        message: message.into(),
    }
}

/// Connection names: 1–64 letters, digits, `.`, `_`, `-` (shell-friendly).
pub fn validate_name(name: &str) -> Result<(), ValidationError> {
    if name.is_empty() {
        return Err(err("name", "a connection name cannot be empty"));
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(err(
            "name",
            format!(
                "`{name}` is {} characters long; use at most {MAX_NAME_LEN}",
                name.chars().count()
            ),
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(err(
            "name",
            format!(
                "`{name}` contains {bad:?}; use only letters, digits, '.', '_' and '-' (e.g. Salesforce-Prod-OrderSync)"
            ),
        ));
    }
    Ok(())
}

/// True for hosts that never leave the machine: `localhost`, 127.0.0.0/8 and ::1.
pub fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.eq_ignore_ascii_case("localhost") {
        return true;
    }
    bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Normalise a My Domain (bare host or URL) to `https://host[:port]`: lowercase host, no path,
/// no trailing slash. `http://` is kept only for loopback hosts (tests, the practice org).
pub fn normalize_domain(input: &str) -> Result<String, String> {
    if let Some(message) = lightning_or_setup_host(input) {
        return Err(message);
    }
    normalize_origin(input, "domain")
}

/// Hosts people copy from the browser's address bar that are not where OAuth happens: the
/// Lightning UI (`*.lightning.force.com`) and the Setup host of newer orgs
/// (`*.my.salesforce-setup.com`, research/salesforce-oauth.md section 8). Both map back to the
/// My Domain by their suffix, so the message can name the host to use.
const UI_HOST_SUFFIXES: [&str; 2] = [".lightning.force.com", ".my.salesforce-setup.com"];

fn lightning_or_setup_host(input: &str) -> Option<String> {
    let text = input.trim();
    let after_scheme = text.split_once("://").map_or(text, |(_, rest)| rest);
    let host_port = after_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or(after_scheme);
    let host = host_port
        .rsplit_once('@')
        .map_or(host_port, |(_, h)| h)
        .split(':')
        .next()
        .unwrap_or_default()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let (suffix, org) = UI_HOST_SUFFIXES
        .iter()
        .find_map(|s| host.strip_suffix(s).map(|org| (*s, org)))?;
    if org.is_empty() {
        return None;
    }
    let what = if suffix == ".lightning.force.com" {
        "a Lightning page address"
    } else {
        "a Setup page address"
    };
    // The host to use comes first: the wizard shows this under the field, where space is short.
    Some(format!(
        "use https://{org}.my.salesforce.com: {host} is {what}, not the org's My Domain (Setup → My Domain shows it)"
    ))
}

/// What a Salesforce My Domain host says about the org: `Some(Sandbox)` for sandbox and
/// scratch-org hosts, `Some(Production)` for every other `*.my.salesforce.com` (production and
/// Developer Edition orgs log in through login.salesforce.com), `None` for other hosts.
pub fn environment_of_domain(domain: &str) -> Option<super::model::Environment> {
    use super::model::Environment;
    let host = domain
        .split_once("://")
        .map_or(domain, |(_, rest)| rest)
        .split(['/', ':'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let org = host.strip_suffix(".my.salesforce.com")?;
    if org.ends_with(".sandbox") || org.ends_with(".scratch") {
        Some(Environment::Sandbox)
    } else {
        Some(Environment::Production)
    }
}

/// A consumer key copied from documentation keeps its ellipsis (`3MVG9...`); Salesforce would
/// answer `invalid_client_id` much later, so refuse it while the person is still typing.
pub fn client_id_placeholder(client_id: &str) -> Option<String> {
    (client_id.contains("...") || client_id.contains('…')).then(|| {
        format!(
            "`{client_id}` still holds the placeholder `...`; paste the whole Consumer Key (External Client App Manager → your app → Settings → OAuth Settings → Consumer Key and Secret)"
        )
    })
}

/// True when `text` is already what `normalize_origin` returns for it: `https://` and a
/// lowercase DNS name whose last label starts with a letter (so no IP address) and with no
/// punycode label (IDNA would check those). Loading a profile file normalises and then
/// validates every domain; this skips two URL parses per connection on that path.
fn is_canonical_https_host(text: &str) -> bool {
    let Some(host) = text.strip_prefix("https://") else {
        return false;
    };
    if host.len() > MAX_HOST_LEN {
        return false;
    }
    let mut labels = 0;
    let mut last_starts_with_letter = false;
    for label in host.split('.') {
        let bytes = label.as_bytes();
        if bytes.len() > MAX_LABEL_LEN {
            return false;
        }
        let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
            return false;
        };
        if *first == b'-'
            || *last == b'-'
            || label.starts_with("xn--")
            || !bytes
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        {
            return false;
        }
        labels += 1;
        last_starts_with_letter = first.is_ascii_lowercase();
    }
    labels >= 2 && last_starts_with_letter
}

/// DNS limits (RFC 1035 section 2.3.4): 63 octets a label, 253 a name.
const MAX_LABEL_LEN: usize = 63;
const MAX_HOST_LEN: usize = 253;

fn normalize_origin(input: &str, what: &str) -> Result<String, String> {
    if is_canonical_https_host(input) {
        return Ok(input.to_string());
    }
    parse_origin(input, what)
}

fn parse_origin(input: &str, what: &str) -> Result<String, String> {
    let text = input.trim();
    if text.is_empty() {
        return Err(format!("the {what} is empty"));
    }
    if text.chars().any(char::is_whitespace) {
        return Err(format!(
            "`{text}` contains spaces; a {what} is a host like acme.my.salesforce.com"
        ));
    }
    if text.contains('\\') {
        return Err(format!(
            "`{text}` contains a backslash, which browsers and URL parsers read as a slash; give only the host, like acme.my.salesforce.com"
        ));
    }
    let with_scheme = if text.contains("://") {
        text.to_string()
    } else {
        format!("https://{text}")
    };
    let url = url::Url::parse(&with_scheme).map_err(|e| {
        format!("`{text}` is not a host or URL ({e}); use a host like acme.my.salesforce.com")
    })?;
    let scheme = url.scheme();
    if scheme != "https" && scheme != "http" {
        return Err(format!("`{text}` uses {scheme}://; use https://"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "`{text}` contains a user name or password; give only the host"
        ));
    }
    let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
        return Err(format!(
            "`{text}` has no host; use a host like acme.my.salesforce.com"
        ));
    };
    let host = host.to_ascii_lowercase();
    let origin_hint = format!("{scheme}://{host}");
    // A path would be dropped, and then `evil.com/login.salesforce.com` reads as Salesforce
    // to a person and as evil.com to sfconn: refuse it instead of dropping it.
    if what == "domain" && url.path() != "/" && !url.path().is_empty() {
        return Err(format!(
            "`{text}` has a path ({}); a {what} is only a host: use {origin_hint}",
            url.path()
        ));
    }
    if what == "domain" && (url.query().is_some() || url.fragment().is_some()) {
        return Err(format!(
            "`{text}` has a query or fragment; a {what} is only a host: use {origin_hint}"
        ));
    }
    if url.port() == Some(0) {
        return Err(format!(
            "`{text}` has port 0, which no server listens on; leave the port out (https uses 443)"
        ));
    }
    let loopback = is_loopback_host(&host);
    if scheme == "http" && !loopback {
        return Err(format!(
            "`{text}` uses http://, which sfconn allows only for loopback hosts (localhost, 127.0.0.1, ::1); use https://{host}"
        ));
    }
    let is_ip = matches!(
        url.host(),
        Some(url::Host::Ipv4(_)) | Some(url::Host::Ipv6(_))
    );
    if !is_ip && !loopback {
        let labels_ok = host.len() <= MAX_HOST_LEN
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= MAX_LABEL_LEN
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !labels_ok {
            return Err(format!(
                "`{host}` is not a valid host name; use letters, digits, '-' and dots (at most 63 characters between dots), like acme.my.salesforce.com"
            ));
        }
        if !host.contains('.') {
            return Err(format!(
                "`{host}` is not a full host name; did you mean {host}.my.salesforce.com?"
            ));
        }
    }
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    Ok(format!("{scheme}://{host}{port}"))
}

/// A `trusted_hosts` entry: a lowercase host name (or IP address), or `*.` and a domain for
/// its subdomains. No scheme, port or path: the scheme is always https.
pub fn validate_trusted_host(pattern: &str) -> Result<(), String> {
    let host = pattern.strip_prefix("*.").unwrap_or(pattern);
    if host.parse::<IpAddr>().is_ok() {
        return if host.len() == pattern.len() {
            Ok(())
        } else {
            Err(format!(
                "`{pattern}`: an IP address has no subdomains; list the address itself"
            ))
        };
    }
    let labels_ok = host.len() <= 253
        && host.contains('.')
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        });
    if labels_ok {
        Ok(())
    } else {
        Err(format!(
            "`{pattern}` is not a host name; write a lowercase host like api.acme.example, or *.acme.example for its subdomains (no scheme, port or path)"
        ))
    }
}

/// A JWT audience: an https URL (http only on loopback), normalised like a domain.
pub fn normalize_audience(input: &str) -> Result<String, String> {
    normalize_origin(input, "audience")
}

/// Scopes: space-separated OAuth scope tokens (RFC 6749 section 3.3), whitespace collapsed.
pub fn normalize_scopes(input: &str) -> Result<String, String> {
    let tokens: Vec<&str> = input.split_whitespace().collect();
    if tokens.is_empty() {
        return Err("no scopes given; e.g. \"api refresh_token\"".to_string());
    }
    for token in &tokens {
        if let Some(bad) = token
            .chars()
            .find(|c| !c.is_ascii_graphic() || matches!(c, '"' | '\\' | ','))
        {
            return Err(format!(
                "scope `{token}` contains {bad:?}; separate scopes with spaces, e.g. \"api refresh_token\""
            ));
        }
    }
    Ok(tokens.join(" "))
}

/// The secrets a flow cannot work without (jwt's key may be a file instead, see `validate_for_save`).
pub fn required_secrets(flow: Flow) -> &'static [SecretKind] {
    match flow {
        Flow::ClientCredentials => &[SecretKind::ClientSecret],
        Flow::Password => &[SecretKind::ClientSecret, SecretKind::Password],
        Flow::Web | Flow::Jwt | Flow::Device => &[],
    }
}

/// The settings a flow cannot work without.
pub fn required_settings(flow: Flow) -> &'static [&'static str] {
    match flow {
        Flow::Web | Flow::Device => &["client_id"],
        Flow::Jwt | Flow::Password => &["client_id", "username"],
        Flow::ClientCredentials => &["domain", "client_id"],
    }
}

impl Connection {
    /// Rewrite domain, audience and scopes into their canonical form where they are valid
    /// (invalid ones are left for `validate` to report).
    pub fn normalize(&mut self) {
        if let Some(n) = self
            .domain
            .as_deref()
            .and_then(|d| normalize_domain(d).ok())
        {
            self.domain = Some(n);
        }
        if let Some(n) = self
            .audience
            .as_deref()
            .and_then(|d| normalize_audience(d).ok())
        {
            self.audience = Some(n);
        }
        if let Some(n) = self
            .scopes
            .as_deref()
            .and_then(|d| normalize_scopes(d).ok())
        {
            self.scopes = Some(n);
        }
    }

    /// The value of a setting by its profile-file key, for presence checks.
    fn setting_is_set(&self, field: &str) -> bool {
        match field {
            "domain" => self.domain.is_some(),
            "client_id" => self.client_id.is_some(),
            "username" => self.username.is_some(),
            _ => false,
        }
    }

    /// Check every setting's format and the settings the flow requires. Needs neither the disk
    /// nor the secret store, so loading a profile file runs it for every connection.
    pub fn validate(&self) -> Result<(), Vec<ValidationError>> {
        let mut errors = Vec::new();
        if let Err(e) = validate_name(&self.name) {
            errors.push(e);
        }
        for field in required_settings(self.flow) {
            if !self.setting_is_set(field) {
                let why = if *field == "domain" {
                    " (client credentials only work against the org's My Domain, not login.salesforce.com)"
                } else {
                    ""
                };
                errors.push(err(
                    field,
                    format!("required for the {} flow{why}", self.flow),
                ));
            }
        }
        if let Some(domain) = &self.domain {
            match normalize_domain(domain) {
                Ok(n) if &n == domain => {}
                Ok(n) => errors.push(err("domain", format!("`{domain}` should be written `{n}`"))),
                Err(m) => errors.push(err("domain", m)),
            }
        }
        for (field, value) in [("client_id", &self.client_id), ("username", &self.username)] {
            if let Some(v) = value {
                if v.trim().is_empty() {
                    errors.push(err(field, "is empty"));
                } else if v.chars().any(char::is_whitespace) {
                    errors.push(err(
                        field,
                        format!("`{v}` contains spaces; paste it again without them"),
                    ));
                }
            }
        }
        if let Some(aud) = &self.audience
            && let Err(m) = normalize_audience(aud)
        {
            errors.push(err("audience", m));
        }
        if let Some(scopes) = &self.scopes
            && let Err(m) = normalize_scopes(scopes)
        {
            errors.push(err("scopes", m));
        }
        if let Some(port) = self.callback_port
            && port < 1024
        {
            errors.push(err(
                "callback_port",
                format!("{port} is a privileged port; use 1024-65535 (default 1717), the same as the app's callback URL"),
            ));
        }
        if let Some(t) = self.timeout_secs
            && !(1..=600).contains(&t)
        {
            errors.push(err(
                "timeout_secs",
                format!("{t} is out of range; use 1-600 seconds"),
            ));
        }
        for pattern in &self.trusted_hosts {
            if let Err(m) = validate_trusted_host(pattern) {
                errors.push(err("trusted_hosts", m));
            }
        }
        for (field, path) in [("key_file", &self.key_file), ("cert_file", &self.cert_file)] {
            if path.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
                errors.push(err(field, "is empty"));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Settings that parse but cannot work together, refused when saving (add, edit, the
    /// wizard) and not when loading, so a hand-edited file still opens to be fixed.
    pub fn fit_errors(&self) -> Vec<ValidationError> {
        use super::model::Environment;
        let mut errors = Vec::new();
        if let Some(domain) = &self.domain {
            match environment_of_domain(domain) {
                Some(env) if env != self.environment => {
                    let kind = match env {
                        Environment::Sandbox => "a sandbox My Domain",
                        Environment::Production => "a production My Domain",
                    };
                    errors.push(err(
                        "environment",
                        format!(
                            "{domain} is {kind} but the environment is {}; use --env {env} (or leave --env out: it follows the domain)",
                            self.environment
                        ),
                    ));
                }
                _ => {}
            }
            let host = domain.trim_start_matches("https://");
            if self.flow == Flow::ClientCredentials
                && (host == "login.salesforce.com" || host == "test.salesforce.com")
            {
                errors.push(err(
                    "domain",
                    format!(
                        "{host} cannot issue client-credentials tokens (my-domain-required: request not supported on this domain); use the org's My Domain, e.g. acme.my.salesforce.com (Setup → My Domain)"
                    ),
                ));
            }
        }
        if let Some(message) = self.client_id.as_deref().and_then(client_id_placeholder) {
            errors.push(err("client_id", message));
        }
        errors
    }

    /// Everything `validate` checks, plus what saving needs: the key file exists and holds a
    /// usable RSA key, the certificate file is a PEM certificate, and the secrets the flow
    /// requires are among `secrets` (already stored or about to be).
    pub fn validate_for_save(&self, secrets: &[SecretKind]) -> Result<(), Vec<ValidationError>> {
        let mut errors = self.validate().err().unwrap_or_default();
        errors.extend(self.fit_errors());
        for kind in required_secrets(self.flow) {
            if !secrets.contains(kind) {
                errors.push(err(
                    kind.as_str(),
                    format!("required for the {} flow; set it in the environment or run this on a terminal to be asked for it", self.flow),
                ));
            }
        }
        if self.flow == Flow::Jwt
            && self.key_file.is_none()
            && !secrets.contains(&SecretKind::PrivateKey)
        {
            errors.push(err(
                "key_file",
                format!(
                    "the jwt flow needs a private key: pass --key-file PATH, set SFCONN_PRIVATE_KEY (PEM or base64 of PEM), or run `sfconn keygen {}`",
                    self.name
                ),
            ));
        }
        let key_pem = match self.key_file.as_ref().filter(|p| !p.as_os_str().is_empty()) {
            Some(path) => match keys::load_private_key_file(path) {
                Ok(pem) => Some(pem),
                Err(e) => {
                    errors.push(err("key_file", format!("{}: {e}", path.display())));
                    None
                }
            },
            None => None,
        };
        if let Some(path) = self
            .cert_file
            .as_ref()
            .filter(|p| !p.as_os_str().is_empty())
        {
            let checked = super::atomic::read_capped(path, super::atomic::MAX_KEY_FILE)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))
                .and_then(|cert| {
                    let result = match &key_pem {
                        Some(key) => keys::check_certificate_matches(key, &cert),
                        None if String::from_utf8_lossy(&cert)
                            .contains("-----BEGIN CERTIFICATE-----") =>
                        {
                            Ok(())
                        }
                        None => Err(keys::KeyError::BadCertificate {
                            reason: "no -----BEGIN CERTIFICATE----- block".into(),
                        }),
                    };
                    result.map_err(|e| format!("{}: {e}", path.display()))
                });
            if let Err(message) = checked {
                errors.push(err("cert_file", message));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(validate_name("Salesforce-Prod-OrderSync").is_ok());
        assert!(validate_name("a.b_c-1").is_ok());
        assert!(validate_name("").is_err());
        assert!(validate_name("has space").is_err());
        assert!(validate_name("slash/name").is_err());
        assert!(validate_name(&"x".repeat(64)).is_ok());
        assert!(validate_name(&"x".repeat(65)).is_err());
        assert!(validate_name("é").is_err());
    }

    #[test]
    fn domains() {
        let ok = |i: &str, o: &str| assert_eq!(normalize_domain(i).as_deref(), Ok(o), "{i}");
        ok("acme.my.salesforce.com", "https://acme.my.salesforce.com");
        ok("ACME.My.Salesforce.com/", "https://acme.my.salesforce.com");
        ok("http://127.0.0.1:8080/", "http://127.0.0.1:8080");
        ok("http://localhost:9", "http://localhost:9");
        ok("http://[::1]:80", "http://[::1]");
        ok("http://127.1.2.3", "http://127.1.2.3");
        ok(
            "acme.my.salesforce.com:8443",
            "https://acme.my.salesforce.com:8443",
        );
        for bad in [
            "",
            "  ",
            "acme my",
            "http://acme.my.salesforce.com",
            "ftp://x.y",
            "acme",
            "https://",
            "a_b.com",
            "-a.com",
            "user:pw@x.com",
            "http://10.0.0.1",
            // issue 14: these were stored as https://evil.com without a word.
            "evil.com/login.salesforce.com",
            "https://evil.com\\@acme.my.salesforce.com",
            "https://acme--uat.sandbox.my.salesforce.com/lightning/page/home",
            "https://acme.lightning.force.com/lightning/page/home",
            "acme.my.salesforce-setup.com",
            "https://acme.my.salesforce.com/?x=1",
            "https://acme.my.salesforce.com/#x",
            "acme.my.salesforce.com:0",
            "http://127.0.0.1:0",
            format!("{}.my.salesforce.com", "a".repeat(300)).as_str(),
            format!("{}.my.salesforce.com", "a".repeat(64)).as_str(),
        ] {
            assert!(normalize_domain(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lightning_and_setup_addresses_name_the_my_domain_to_use() {
        for (typed, use_instead) in [
            (
                "https://acme.lightning.force.com/lightning/page/home",
                "https://acme.my.salesforce.com",
            ),
            (
                "acme--uat.sandbox.lightning.force.com",
                "https://acme--uat.sandbox.my.salesforce.com",
            ),
            (
                "https://acme.my.salesforce-setup.com/lightning/setup/SetupOneHome/home",
                "https://acme.my.salesforce.com",
            ),
        ] {
            let message = normalize_domain(typed).unwrap_err();
            assert!(message.contains(use_instead), "{typed}: {message}");
        }
    }

    #[test]
    fn the_environment_a_my_domain_implies() {
        use crate::profile::Environment;
        let env = environment_of_domain;
        assert_eq!(
            env("https://acme--uat.sandbox.my.salesforce.com"),
            Some(Environment::Sandbox)
        );
        assert_eq!(
            env("https://acme.my.salesforce.com"),
            Some(Environment::Production)
        );
        assert_eq!(
            env("https://acme-dev-ed.develop.my.salesforce.com"),
            Some(Environment::Production)
        );
        assert_eq!(env("http://127.0.0.1:8080"), None);
        assert_eq!(env("https://login.salesforce.com"), None);
    }

    #[test]
    fn trusted_host_entries() {
        for ok in ["api.acme.example", "*.gw.acme.example", "10.9.9.9"] {
            assert!(validate_trusted_host(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "https://api.acme.example",
            "api.acme.example:443",
            "api.acme.example/x",
            "API.acme.example",
            "*.example",
            "*.10.9.9.9",
            "localhost",
        ] {
            assert!(validate_trusted_host(bad).is_err(), "{bad}");
        }
        let mut c = Connection::new("t", Flow::Device);
        c.client_id = Some("x".into());
        c.trusted_hosts = vec!["https://x.example".into()];
        assert_eq!(c.validate().unwrap_err()[0].field, "trusted_hosts");
    }

    #[test]
    fn canonical_shortcut_agrees_with_the_url_parser() {
        for taken in [
            "https://acme.my.salesforce.com",
            "https://acme--uat.sandbox.my.salesforce.com",
            "https://acme-dev-ed.develop.my.salesforce.com",
            "https://a1.b2.com",
            "https://1acme.my.salesforce.com",
        ] {
            assert!(is_canonical_https_host(taken), "{taken}");
            assert_eq!(parse_origin(taken, "domain").as_deref(), Ok(taken));
        }
        // Everything else still goes through the URL parser and its checks.
        for skipped in [
            "https://Acme.my.salesforce.com",
            "https://acme.my.salesforce.com/",
            "https://acme.my.salesforce.com:8443",
            "https://acme",
            "https://10.0.0.1",
            "https://acme.123",
            "https://xn--nxasmq6b.com",
            "https://xn--a.com",
            "https://-a.com",
            "https://a-.com",
            "https://a..com",
            "https://a_b.com",
            " https://acme.my.salesforce.com",
            "http://localhost",
            "acme.my.salesforce.com",
        ] {
            assert!(!is_canonical_https_host(skipped), "{skipped}");
        }
        assert!(normalize_domain("https://xn--a.com").is_err());
        assert!(normalize_domain("https://acme.123").is_err());
    }

    #[test]
    fn scopes_and_ports() {
        assert_eq!(
            normalize_scopes("  api   refresh_token ").unwrap(),
            "api refresh_token"
        );
        assert!(normalize_scopes("   ").is_err());
        assert!(normalize_scopes("api,refresh_token").is_err());
        let mut c = Connection::new("w", Flow::Web);
        c.client_id = Some("id".into());
        c.callback_port = Some(80);
        assert_eq!(c.validate().unwrap_err()[0].field, "callback_port");
    }

    #[test]
    fn required_by_flow() {
        let c = Connection::new("cc", Flow::ClientCredentials);
        let fields: Vec<String> = c
            .validate_for_save(&[])
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["domain", "client_id", "client_secret"]);
        let mut j = Connection::new("j", Flow::Jwt);
        j.client_id = Some("id".into());
        j.username = Some("u@x.com".into());
        assert!(j.validate().is_ok());
        assert!(j.validate_for_save(&[]).is_err());
        assert!(j.validate_for_save(&[SecretKind::PrivateKey]).is_ok());
        let mut p = Connection::new("p", Flow::Password);
        p.client_id = Some("id".into());
        p.username = Some("u@x.com".into());
        assert!(
            p.validate_for_save(&[SecretKind::ClientSecret, SecretKind::Password])
                .is_ok()
        );
    }
}
