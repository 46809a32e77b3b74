//! The URLs sfconn calls, built from a connection's login host or a token's instance URL.

use reqwest::Url;

use super::report::{Failure, LocalCondition};
use crate::profile::Connection;
use crate::profile::validate::is_loopback_host;

/// The domains Salesforce serves orgs from (research §1.1, "Salesforce-owned domains"): a token
/// answer's `instance_url` and `id` may name a host under one of these without any setting.
pub const SALESFORCE_DOMAINS: &[&str] = &[
    "salesforce.com",
    "force.com",
    "cloudforce.com",
    "visualforce.com",
    "salesforce-setup.com",
    "site.com",
    "salesforce.mil",
    "force.mil",
    "cloudforce.mil",
    "visualforce.mil",
    "crmforce.mil",
    "sfcrmproducts.cn",
    "sfcrmapps.cn",
];

/// True when `host` is `domain` or one of its subdomains (label boundary, no IP addresses).
fn under(host: &str, domain: &str) -> bool {
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|rest| rest.ends_with('.') && rest.len() > 1)
}

/// True when a `trusted_hosts` entry (`host` or `*.domain`) allows `host`.
fn trusted_by(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim().to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(domain) => host.len() > domain.len() && under(host, domain),
        None => host == pattern,
    }
}

/// Text from a server, safe to put in a message: control characters dropped, at most `max`
/// characters.
fn shown(text: &str, max: usize) -> String {
    let clean: String = text.chars().filter(|c| !c.is_control()).collect();
    if clean.chars().count() > max {
        let cut: String = clean.chars().take(max).collect();
        format!("{cut}...")
    } else {
        clean
    }
}

/// Check a URL a token answer names (`instance_url`, `id`) before any token goes there: it must
/// be `https://` (or `http://` on loopback when the login host is loopback too, as with the
/// practice org), with no user info, query or fragment, on the login host itself, on a
/// Salesforce-owned domain, or on a host the connection lists in `trusted_hosts`.
pub(crate) fn check_token_url(conn: &Connection, url: &str, field: &str) -> Result<(), Failure> {
    let login_host = Url::parse(conn.login_host())
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default();
    let login_loopback = is_loopback_host(&login_host);
    let refuse = |why: &str| Failure::Local {
        condition: LocalCondition::InstanceUrlUntrusted,
        detail: format!(
            "the token endpoint at {login_host} named {field} `{}`, which {why}; sfconn sent no token there and kept none. \
             If that host really serves your org, add it to trusted_hosts in [connections.{}] of the profile file",
            shown(url, 200),
            conn.name
        ),
    };
    // The URL is shown and exported (`env`) as received: nothing a terminal would act on.
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(refuse("contains control characters or spaces"));
    }
    let parsed = Url::parse(url).map_err(|_| refuse("is not a URL"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(refuse("carries a user name or password"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(refuse("carries a query or fragment"));
    }
    let Some(host) = parsed.host_str().map(str::to_ascii_lowercase) else {
        return Err(refuse("has no host"));
    };
    let loopback = is_loopback_host(&host);
    match parsed.scheme() {
        "https" => {}
        "http" if login_loopback && loopback => {}
        "http" => {
            return Err(refuse(
                "is not https:// (the token would travel in clear text)",
            ));
        }
        _ => return Err(refuse("is not an https:// URL")),
    }
    let is_ip = matches!(
        parsed.host(),
        Some(url::Host::Ipv4(_)) | Some(url::Host::Ipv6(_))
    );
    let trusted = (login_loopback && loopback)
        || host == login_host
        || (!is_ip && SALESFORCE_DOMAINS.iter().any(|d| under(&host, d)))
        || conn.trusted_hosts.iter().any(|p| trusted_by(p, &host));
    if trusted {
        Ok(())
    } else {
        Err(refuse(
            "is neither the connection's login host nor a Salesforce domain (salesforce.com, force.com, ...)",
        ))
    }
}

/// The REST API version sfconn uses for the limits probe.
pub const API_VERSION: &str = "v62.0";

fn join(base: &str, path: &str, what: &str) -> Result<Url, Failure> {
    let base = base.trim_end_matches('/');
    Url::parse(&format!("{base}{path}")).map_err(|e| Failure::Local {
        condition: LocalCondition::BadUrl,
        detail: format!("{what} {base:?} is not a valid URL ({e}); fix the connection's domain"),
    })
}

/// `{login host}/services/oauth2/token`: every grant, and the device-code request.
pub(crate) fn token_url(conn: &Connection) -> Result<Url, Failure> {
    join(
        conn.login_host(),
        "/services/oauth2/token",
        "the login host",
    )
}

pub(crate) fn authorize_url(conn: &Connection) -> Result<Url, Failure> {
    join(
        conn.login_host(),
        "/services/oauth2/authorize",
        "the login host",
    )
}

pub(crate) fn revoke_url(conn: &Connection) -> Result<Url, Failure> {
    join(
        conn.login_host(),
        "/services/oauth2/revoke",
        "the login host",
    )
}

/// The unauthenticated versions list (research §1.2): proves the host is Salesforce.
pub(crate) fn versions_url(conn: &Connection) -> Result<Url, Failure> {
    join(conn.login_host(), "/services/data/", "the login host")
}

pub(crate) fn userinfo_url(instance_url: &str) -> Result<Url, Failure> {
    join(
        instance_url,
        "/services/oauth2/userinfo",
        "the instance URL",
    )
}

pub(crate) fn limits_url(instance_url: &str) -> Result<Url, Failure> {
    join(
        instance_url,
        &format!("/services/data/{API_VERSION}/limits"),
        "the instance URL",
    )
}

/// The browser link that opens a session with the token (research §1.2, frontdoor.jsp). The only
/// URL sfconn ever puts a token in, and only for `open`.
pub fn frontdoor_url(instance_url: &str, access_token: &str) -> Result<String, Failure> {
    let mut url = join(instance_url, "/secur/frontdoor.jsp", "the instance URL")?;
    // The instance URL was checked when the token was granted or read from the cache
    // (`check_token_url`); the browser still only ever gets https (or loopback http).
    let loopback = url.host_str().is_some_and(is_loopback_host);
    if !(url.scheme() == "https" || (url.scheme() == "http" && loopback)) {
        return Err(Failure::Local {
            condition: LocalCondition::InstanceUrlUntrusted,
            detail: format!(
                "the instance URL `{}` is not https://, so sfconn will not put a session token in a link to it; run `sfconn login` again",
                shown(instance_url, 200)
            ),
        });
    }
    url.query_pairs_mut().append_pair("sid", access_token);
    Ok(url.into())
}

/// The redirect URI of the web flow: the Salesforce CLI's form (research §5), so an app set up
/// for the CLI works unchanged. The server itself binds 127.0.0.1 only.
pub fn redirect_uri(port: u16) -> String {
    format!("http://localhost:{port}/OauthRedirect")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Flow;

    #[test]
    fn urls_follow_the_domain_or_environment() {
        let mut c = Connection::new("x", Flow::Jwt);
        assert_eq!(
            token_url(&c).unwrap().as_str(),
            "https://login.salesforce.com/services/oauth2/token"
        );
        c.domain = Some("http://127.0.0.1:4000".into());
        assert_eq!(
            versions_url(&c).unwrap().as_str(),
            "http://127.0.0.1:4000/services/data/"
        );
        assert_eq!(
            limits_url("https://i.test/").unwrap().as_str(),
            "https://i.test/services/data/v62.0/limits"
        );
        assert_eq!(
            frontdoor_url("https://i.test", "00D!a+b").unwrap(),
            "https://i.test/secur/frontdoor.jsp?sid=00D%21a%2Bb"
        );
        assert_eq!(redirect_uri(1717), "http://localhost:1717/OauthRedirect");
    }

    fn conn_at(domain: Option<&str>) -> Connection {
        let mut c = Connection::new("c", Flow::Jwt);
        c.domain = domain.map(str::to_string);
        c
    }

    #[test]
    fn token_urls_must_be_https_on_the_login_host_or_salesforce() {
        let prod = conn_at(None);
        for ok in [
            "https://login.salesforce.com",
            "https://acme.my.salesforce.com",
            "https://acme.my.salesforce.com/",
            "https://login.salesforce.com/id/00D/005",
            "https://acme--uat.sandbox.my.salesforce.com",
            "https://acme.lightning.force.com",
            "https://acme.my.site.com",
            "https://acme.my.salesforce.mil",
            "https://acme.my.sfcrmproducts.cn",
        ] {
            assert!(check_token_url(&prod, ok, "instance_url").is_ok(), "{ok}");
        }
        for bad in [
            "http://10.9.9.9",
            "http://acme.my.salesforce.com",
            "javascript:alert(1)//",
            "data:text/html,hi",
            "file:///etc/passwd",
            "https://evil.example",
            "https://evilsalesforce.com",
            "https://salesforce.com.evil.example",
            "https://user:pw@acme.my.salesforce.com",
            "https://acme.my.salesforce.com/?x=1",
            "https://127.0.0.1",
            "http://127.0.0.1:9",
            "https://acme.my.salesforce.com/\u{1b}[2J",
            "https://acme.my.salesforce.com/ x",
            "",
            "not a url",
        ] {
            let e = check_token_url(&prod, bad, "instance_url").unwrap_err();
            assert!(
                matches!(&e, Failure::Local { condition, .. } if *condition == LocalCondition::InstanceUrlUntrusted),
                "{bad}: {e:?}"
            );
        }
        // The practice org: login on localhost, instance on 127.0.0.1, both http.
        let local = conn_at(Some("http://localhost:4000"));
        assert!(check_token_url(&local, "http://127.0.0.1:4001", "instance_url").is_ok());
        assert!(check_token_url(&local, "http://10.9.9.9", "instance_url").is_err());
        // A custom login domain is its own host; anything else needs trusted_hosts.
        let mut custom = conn_at(Some("https://login.acme.example"));
        assert!(check_token_url(&custom, "https://login.acme.example", "id").is_ok());
        assert!(check_token_url(&custom, "https://api.acme.example", "id").is_err());
        custom.trusted_hosts = vec!["*.acme.example".into()];
        assert!(check_token_url(&custom, "https://api.acme.example", "id").is_ok());
        assert!(check_token_url(&custom, "https://acme.example", "id").is_err());
        assert!(check_token_url(&custom, "http://api.acme.example", "id").is_err());
    }

    #[test]
    fn messages_never_carry_control_characters() {
        let e = check_token_url(&conn_at(None), "https://evil.example/\u{1b}]0;x\u{7}", "id")
            .unwrap_err();
        let (_, _, detail) = e.parts();
        assert!(!detail.unwrap_or_default().chars().any(char::is_control));
    }

    #[test]
    fn frontdoor_is_https_or_loopback_only() {
        assert!(frontdoor_url("javascript:alert(1)//", "t").is_err());
        assert!(frontdoor_url("http://10.9.9.9", "t").is_err());
        assert!(frontdoor_url("http://127.0.0.1:9", "t").is_ok());
    }
}
