//! Network probes for the preflight checks: DNS, TCP, and one unauthenticated HTTPS request to
//! `/services/data/` that proves TLS, shows whether the host is Salesforce and carries its clock.

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use crate::salesforce::TransportKind;

/// Where a probe goes: the parsed base URL of the login host or the instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub base: String,
    pub host: String,
    pub port: u16,
    pub https: bool,
}

impl Target {
    /// Parse `https://host[:port]` (or `http://` for loopback, as the profile allows).
    pub fn parse(base: &str) -> Result<Target, String> {
        let url = url::Url::parse(base).map_err(|e| format!("`{base}` is not a URL: {e}"))?;
        let host = url
            .host_str()
            .ok_or_else(|| format!("`{base}` has no host"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = url
            .port_or_known_default()
            .ok_or_else(|| format!("`{base}` has no port"))?;
        Ok(Target {
            base: base.trim_end_matches('/').to_string(),
            host,
            port,
            https: url.scheme() == "https",
        })
    }
}

/// Resolve the host. Errors are described for a person.
pub async fn resolve(
    target: &Target,
    timeout: Duration,
) -> Result<Vec<SocketAddr>, (TransportKind, String)> {
    let lookup = tokio::net::lookup_host((target.host.as_str(), target.port));
    match tokio::time::timeout(timeout, lookup).await {
        Err(_) => Err((
            TransportKind::Timeout,
            format!(
                "no DNS answer for {} within {} s",
                target.host,
                timeout.as_secs()
            ),
        )),
        Ok(Err(err)) => Err((
            TransportKind::Dns,
            format!("{} does not resolve: {err}", target.host),
        )),
        Ok(Ok(addrs)) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            if addrs.is_empty() {
                Err((
                    TransportKind::Dns,
                    format!("{} resolves to no address", target.host),
                ))
            } else {
                Ok(addrs)
            }
        }
    }
}

/// Open a TCP connection to the first address that accepts one.
pub async fn connect(
    addrs: &[SocketAddr],
    timeout: Duration,
) -> Result<SocketAddr, (TransportKind, String)> {
    let mut last = (TransportKind::Other, "no address to try".to_string());
    for addr in addrs {
        match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(_stream)) => return Ok(*addr),
            Ok(Err(err)) => {
                let kind = match err.kind() {
                    std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::ConnectionReset => {
                        TransportKind::Refused
                    }
                    _ => TransportKind::Other,
                };
                last = (kind, format!("TCP connection to {addr} failed: {err}"));
            }
            Err(_) => {
                last = (
                    TransportKind::Timeout,
                    format!(
                        "TCP connection to {addr} got no answer within {} s",
                        timeout.as_secs()
                    ),
                );
            }
        }
    }
    Err(last)
}

/// The answer to `GET {base}/services/data/`.
#[derive(Debug, Clone)]
pub struct DataAnswer {
    pub status: u16,
    pub content_type: Option<String>,
    /// The server's `Date` header, if it sent a parseable one.
    pub server_date: Option<SystemTime>,
    /// The local time halfway through the request, to compare with `server_date`.
    pub local_date: SystemTime,
    pub body: String,
    pub ms: u64,
    /// Where a redirect pointed (never followed: see `client`).
    pub location: Option<String>,
}

pub use crate::salesforce::error_chain;
use crate::salesforce::transport_kind;

/// An HTTP client for probes: the engine's policy (no redirect is followed: a probe must see
/// what the engine will see) with the request timeout.
pub fn client(timeout: Duration) -> Result<reqwest::Client, String> {
    crate::salesforce::client_builder()
        .timeout(timeout)
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {}", error_chain(&e)))
}

/// Read at most `max` bytes of an answer's body (a hostile or broken server may send an
/// endless one); an error ends the read with what arrived.
pub async fn read_body(mut response: reqwest::Response, max: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < max {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body.truncate(max);
    body
}

/// `GET {base}/services/data/`, which Salesforce serves without authentication.
pub async fn get_data_versions(
    client: &reqwest::Client,
    target: &Target,
) -> Result<DataAnswer, (TransportKind, String)> {
    let url = format!("{}/services/data/", target.base);
    let started = Instant::now();
    let before = SystemTime::now();
    let response = client
        .get(&url)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| {
            (
                transport_kind(&e),
                format!("GET {url}: {}", error_chain(&e)),
            )
        })?;
    let local_date = before + started.elapsed() / 2;
    let status = response.status().as_u16();
    let header = |name: reqwest::header::HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = header(reqwest::header::CONTENT_TYPE);
    let location = header(reqwest::header::LOCATION);
    let server_date =
        header(reqwest::header::DATE).and_then(|d| httpdate::parse_http_date(&d).ok());
    // A few kB is plenty to recognise the versions list; a huge or endless body must not stall us.
    let mut body = Vec::new();
    let mut response = response;
    while body.len() < 64 * 1024 {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(e) => {
                return Err((
                    transport_kind(&e),
                    format!("GET {url}: {}", error_chain(&e)),
                ));
            }
        }
    }
    Ok(DataAnswer {
        status,
        content_type,
        server_date,
        local_date,
        body: String::from_utf8_lossy(&body).into_owned(),
        ms: started.elapsed().as_millis() as u64,
        location,
    })
}

/// If the answer is Salesforce's API versions list, the newest version in it.
pub fn latest_version(answer: &DataAnswer) -> Option<String> {
    if answer.status != 200 {
        return None;
    }
    let list: Vec<serde_json::Value> = serde_json::from_str(&answer.body).ok()?;
    let versions: Vec<&str> = list
        .iter()
        .filter(|v| v.get("url").and_then(|u| u.as_str()).is_some())
        .filter_map(|v| v.get("version").and_then(|s| s.as_str()))
        .collect();
    versions
        .into_iter()
        .max_by(|a, b| {
            let num = |s: &str| s.parse::<f64>().unwrap_or(0.0);
            num(a).total_cmp(&num(b))
        })
        .map(str::to_string)
}

/// Server clock minus local clock, in whole seconds.
pub fn clock_skew_secs(answer: &DataAnswer) -> Option<i64> {
    let server = answer.server_date?;
    Some(match server.duration_since(answer.local_date) {
        Ok(ahead) => ahead.as_secs() as i64,
        Err(behind) => -(behind.duration().as_secs() as i64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> DataAnswer {
        DataAnswer {
            status,
            content_type: None,
            server_date: None,
            local_date: SystemTime::now(),
            body: body.into(),
            ms: 0,
            location: None,
        }
    }

    #[test]
    fn the_versions_list_is_recognised_and_html_is_not() {
        let list = r#"[{"label":"Winter '15","url":"/services/data/v32.0","version":"32.0"},
                       {"label":"Spring '26","url":"/services/data/v66.0","version":"66.0"},
                       {"label":"Summer '17","url":"/services/data/v40.0","version":"40.0"}]"#;
        assert_eq!(latest_version(&answer(200, list)).as_deref(), Some("66.0"));
        assert_eq!(latest_version(&answer(200, "<html>sign in</html>")), None);
        assert_eq!(latest_version(&answer(404, list)), None);
        assert_eq!(latest_version(&answer(200, r#"{"versions":[]}"#)), None);
    }

    #[test]
    fn targets_parse_with_default_ports() {
        let t = Target::parse("https://acme.my.salesforce.com").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.https),
            ("acme.my.salesforce.com", 443, true)
        );
        let t = Target::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(
            (t.base.as_str(), t.port, t.https),
            ("http://127.0.0.1:8080", 8080, false)
        );
        assert!(Target::parse("acme").is_err());
    }

    #[test]
    fn skew_is_server_minus_local() {
        let mut a = answer(200, "");
        a.server_date = Some(a.local_date + Duration::from_secs(120));
        assert_eq!(clock_skew_secs(&a), Some(120));
        a.server_date = Some(a.local_date - Duration::from_secs(90));
        assert_eq!(clock_skew_secs(&a), Some(-90));
    }
}
