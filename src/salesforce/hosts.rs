//! The URLs sfconn calls, built from a connection's login host or a token's instance URL.

use reqwest::Url;

use super::report::{Failure, LocalCondition};
use crate::profile::Connection;

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
}
