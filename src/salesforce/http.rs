//! Sending requests to Salesforce and turning every answer into either data or a typed `Failure`.
//!
//! Rules kept here so every flow gets them: a timeout on every request, no redirect ever followed
//! (a POST redirected from `http://` loses its body and Salesforce then answers
//! `unsupported_grant_type`, research §1.2), bodies capped at 1 MiB, and Salesforce's own
//! `error`/`error_description` or `errorCode`/`message` kept exactly as received.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::report::{Failure, TransportKind};
use crate::diagnose::redact::Redactor;

/// Larger answers are not Salesforce token, userinfo or limits answers.
pub(crate) const MAX_BODY: usize = 1024 * 1024;

/// One HTTP answer, read in full (up to `MAX_BODY`).
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub body: Vec<u8>,
    /// Host of the URL that was requested, for messages.
    pub host: String,
    /// The secrets the request carried: a server that echoes the request must not put them in
    /// a failure (and so in any output).
    pub redactor: Redactor,
}

impl Answer {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn is_redirect(&self) -> bool {
        (300..400).contains(&self.status)
    }

    /// Parse the body as JSON; `None` when it is not JSON (HTML, text, truncated).
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// A short description of a body that is not what was expected.
    pub fn describe_body(&self) -> String {
        let kind = self.content_type.as_deref().unwrap_or("no content type");
        if self.body.is_empty() {
            return format!("an empty body ({kind})");
        }
        match serde_json::from_slice::<Value>(&self.body) {
            Ok(_) => format!("JSON of an unexpected shape ({kind})"),
            Err(e) if e.is_eof() => format!("truncated JSON ({kind}, {} bytes)", self.body.len()),
            Err(_) => {
                let text = String::from_utf8_lossy(&self.body);
                let looks_html = text.trim_start().starts_with('<');
                if looks_html {
                    format!("an HTML page ({kind})")
                } else {
                    format!("text that is not JSON ({kind})")
                }
            }
        }
    }

    /// The failure for an answer that is not from Salesforce (or not what this endpoint returns).
    pub fn not_salesforce(&self, what: &str) -> Failure {
        if self.is_redirect() {
            let to = self.location.as_deref().map_or_else(
                || "no Location header".to_string(),
                |l| self.redactor.redact(l),
            );
            return Failure::NotSalesforce {
                http_status: Some(self.status),
                detail: format!(
                    "{what} at {} answered HTTP {} redirecting to {to}; sfconn does not follow redirects \
                     (a redirected POST loses its form body). Use the https:// My Domain host the redirect points to",
                    self.host, self.status
                ),
            };
        }
        Failure::NotSalesforce {
            http_status: Some(self.status),
            detail: format!(
                "{what} at {} answered HTTP {} with {}, not Salesforce's JSON: check the host name and that it uses https://",
                self.host,
                self.status,
                self.describe_body()
            ),
        }
    }

    /// An OAuth error object `{"error", "error_description"}`, exactly as received. The revoke
    /// endpoint answers its errors form-encoded instead of JSON
    /// (`error=unsupported_token_type&error_description=...`), so that form is read too.
    pub fn oauth_error(&self) -> Option<Failure> {
        let (error, description) = match self.json() {
            Some(value) => (
                value.get("error")?.as_str()?.to_string(),
                value
                    .get("error_description")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            ),
            None if self.is_form() => {
                let mut error = None;
                let mut description = None;
                for (k, v) in url::form_urlencoded::parse(&self.body) {
                    match k.as_ref() {
                        "error" => error = Some(v.into_owned()),
                        "error_description" => description = Some(v.into_owned()),
                        _ => {}
                    }
                }
                (error?, description)
            }
            None => return None,
        };
        let error = self.redactor.redact(&error);
        let description = description.map(|d| self.redactor.redact(&d));
        Some(Failure::OAuth {
            http_status: Some(self.status),
            error,
            description,
        })
    }

    fn is_form(&self) -> bool {
        self.content_type
            .as_deref()
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"))
    }

    /// A REST error: `[{"errorCode", "message"}]`, or the plain-text body userinfo sends for a bad
    /// token (`Bad_OAuth_Token`, research §3), exactly as received.
    pub fn rest_error(&self) -> Option<Failure> {
        if self.is_success() || self.is_redirect() {
            return None;
        }
        if let Some(value) = self.json() {
            let first = match &value {
                Value::Array(items) => items.first().cloned(),
                Value::Object(_) => Some(value.clone()),
                _ => None,
            }?;
            if let Some(code) = first.get("errorCode").and_then(Value::as_str) {
                return Some(Failure::Rest {
                    http_status: self.status,
                    error_code: self.redactor.redact(code),
                    message: first
                        .get("message")
                        .and_then(Value::as_str)
                        .map(|m| self.redactor.redact(m)),
                });
            }
            return self.oauth_error();
        }
        let text = String::from_utf8_lossy(&self.body);
        let text = text.trim();
        let is_code = !text.is_empty()
            && text.len() <= 64
            && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        is_code.then(|| Failure::Rest {
            http_status: self.status,
            error_code: text.to_string(),
            message: None,
        })
    }

    /// Parse a successful JSON body into `T`, or say what was wrong with it.
    pub fn parse<T: DeserializeOwned>(&self, what: &str) -> Result<T, Failure> {
        serde_json::from_slice(&self.body).map_err(|_| self.not_salesforce(what))
    }
}

/// True when Salesforce rejected the access token itself (not the user's rights): userinfo's
/// 403 `Bad_OAuth_Token` or the REST API's 401 `INVALID_SESSION_ID` (research §3, §4.3).
pub(crate) fn is_token_rejected(failure: &Failure) -> bool {
    match failure {
        Failure::Rest {
            http_status,
            error_code,
            ..
        } => {
            error_code == "Bad_OAuth_Token"
                || error_code == "INVALID_SESSION_ID"
                || (*http_status == 401 && error_code == "Missing_OAuth_Token")
        }
        _ => false,
    }
}

/// sfconn's one HTTP client policy, for the engine and doctor's probes alike: redirects are
/// never followed (a redirect is reported, with where it points), and requests say who sends
/// them.
pub fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("sfconn/", env!("CARGO_PKG_VERSION")))
}

/// The shared HTTP client.
pub(crate) fn build_client() -> reqwest::Client {
    client_builder().build().unwrap_or_else(|e| {
        // Only a TLS backend that cannot start fails here; requests then fail with its reason.
        tracing::error!(error = %error_chain(&e), "cannot build the HTTP client");
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default()
    })
}

/// Send a request with a timeout and read the whole answer (capped).
pub(crate) async fn send(
    request: reqwest::RequestBuilder,
    timeout: Duration,
) -> Result<Answer, Failure> {
    let (client, request) = request.timeout(timeout).build_split();
    let request = request.map_err(|e| Failure::Transport {
        transport: TransportKind::Other,
        host: String::new(),
        detail: format!("cannot build the request: {e}"),
    })?;
    let host = host_of(request.url());
    let redactor = request_secrets(&request);
    let mut response = client
        .execute(request)
        .await
        .map_err(|e| classify(&e, &host, timeout))?;
    let header = |name: reqwest::header::HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = header(reqwest::header::CONTENT_TYPE);
    let location = header(reqwest::header::LOCATION);
    let status = response.status().as_u16();
    if response
        .content_length()
        .is_some_and(|len| len > MAX_BODY as u64)
    {
        return Err(too_large(&host, status));
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(too_large(&host, status));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => return Err(classify(&e, &host, timeout)),
        }
    }
    Ok(Answer {
        status,
        content_type,
        location,
        body,
        host,
        redactor,
    })
}

/// Form fields that carry no secret; every other form value (client_secret, password,
/// refresh_token, code, code_verifier, assertion, token, ...) is one.
const PUBLIC_FORM_FIELDS: [&str; 7] = [
    "grant_type",
    "client_id",
    "username",
    "redirect_uri",
    "scope",
    "response_type",
    "format",
];

/// The secrets a request carries: its form values (but the public ones) and its bearer token.
fn request_secrets(request: &reqwest::Request) -> Redactor {
    let mut redactor = Redactor::new();
    if let Some(body) = request.body().and_then(reqwest::Body::as_bytes) {
        for (key, value) in url::form_urlencoded::parse(body) {
            if !PUBLIC_FORM_FIELDS.contains(&key.as_ref()) {
                redactor.add(&key, &value);
            }
        }
    }
    if let Some(token) = request
        .headers()
        .get(reqwest::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        redactor.add("access_token", token);
    }
    redactor
}

static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();

/// The process-wide client (one connection pool for every connection tested).
pub(crate) fn client() -> reqwest::Client {
    CLIENT.get_or_init(build_client).clone()
}

/// Start building the shared client on a thread of its own while the command reads its files:
/// building it loads the system's root certificates (3 ms with a bundle file, 15 ms more with
/// `SSL_CERT_DIR` set), and every test of a `test --all` waited for it.
pub fn prepare_client() {
    let _ = std::thread::Builder::new()
        .name("sfconn-http-client".into())
        .spawn(|| {
            let _ = client();
        });
}

fn too_large(host: &str, status: u16) -> Failure {
    Failure::NotSalesforce {
        http_status: Some(status),
        detail: format!(
            "{host} answered HTTP {status} with more than {} KiB; Salesforce's OAuth and REST answers are small, so this is not Salesforce",
            MAX_BODY / 1024
        ),
    }
}

pub(crate) fn host_of(url: &reqwest::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => url.as_str().to_string(),
    }
}

/// Sort a reqwest error into DNS, refused, TLS, timeout or other, with its cause chain.
pub(crate) fn classify(error: &reqwest::Error, host: &str, timeout: Duration) -> Failure {
    let transport = transport_kind(error);
    let cause = last_cause(error);
    let detail = match transport {
        TransportKind::Dns => format!("the host name {host} could not be resolved ({cause})"),
        TransportKind::Refused => format!("{host} refused the connection ({cause})"),
        TransportKind::Tls => format!("the TLS handshake with {host} failed ({cause})"),
        TransportKind::Timeout => format!(
            "{host} did not answer within {} s (raise it with --timeout or timeout_secs)",
            timeout.as_secs_f32()
        ),
        TransportKind::Other => format!("the request to {host} failed ({cause})"),
    };
    Failure::Transport {
        transport,
        host: host.to_string(),
        detail,
    }
}

/// Every message in an error's source chain, joined (reqwest hides the useful part in sources).
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = inner.source();
    }
    parts.join(": ")
}

/// The innermost message of an error's source chain: the OS or TLS reason.
fn last_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut last = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        last = inner.to_string();
        source = inner.source();
    }
    last
}

/// How rustls (under reqwest) words handshake and certificate failures.
const TLS_WORDS: [&str; 8] = [
    "certificate",
    "tls",
    "handshake",
    "corrupt message",
    "fatal alert",
    "peer is incompatible",
    "peer misbehaved",
    "unknownissuer",
];

/// Which transport failure a reqwest error is (one classifier for the engine and `doctor`).
pub fn transport_kind(err: &reqwest::Error) -> TransportKind {
    if err.is_timeout() {
        return TransportKind::Timeout;
    }
    let chain = error_chain(err).to_ascii_lowercase();
    if chain.contains("dns error")
        || chain.contains("failed to lookup")
        || chain.contains("name or service not known")
        || chain.contains("no such host")
    {
        TransportKind::Dns
    } else if TLS_WORDS.iter().any(|w| chain.contains(w)) {
        TransportKind::Tls
    } else if chain.contains("refused")
        || chain.contains("reset")
        || chain.contains("aborted")
        || err.is_connect()
    {
        TransportKind::Refused
    } else {
        TransportKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            content_type: Some("application/json".into()),
            location: None,
            body: body.as_bytes().to_vec(),
            host: "example.test".into(),
            redactor: Redactor::new(),
        }
    }

    #[test]
    fn oauth_error_is_kept_exactly() {
        let a = answer(
            400,
            r#"{"error":"invalid_grant","error_description":"authentication failure"}"#,
        );
        assert_eq!(
            a.oauth_error(),
            Some(Failure::OAuth {
                http_status: Some(400),
                error: "invalid_grant".into(),
                description: Some("authentication failure".into()),
            })
        );
    }

    #[test]
    fn revoke_errors_are_read_from_a_form_body() {
        let mut a = answer(
            400,
            "error=unsupported_token_type&error_description=this%20token%20type%20is%20not%20supported",
        );
        a.content_type = Some("application/x-www-form-urlencoded".into());
        assert_eq!(
            a.oauth_error(),
            Some(Failure::OAuth {
                http_status: Some(400),
                error: "unsupported_token_type".into(),
                description: Some("this token type is not supported".into()),
            })
        );
        a.content_type = Some("text/html".into());
        assert_eq!(a.oauth_error(), None, "only a form body is read as a form");
    }

    #[test]
    fn rest_error_array_and_plain_text() {
        let a = answer(
            401,
            r#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#,
        );
        let f = a.rest_error().unwrap();
        assert!(is_token_rejected(&f));
        assert_eq!(
            f.parts(),
            (
                Some(401),
                Some("INVALID_SESSION_ID".into()),
                Some("Session expired or invalid".into())
            )
        );
        let b = answer(403, "Bad_OAuth_Token");
        assert!(is_token_rejected(&b.rest_error().unwrap()));
        let c = answer(500, "<html>oops</html>");
        assert_eq!(c.rest_error(), None);
    }

    #[test]
    fn html_and_truncated_bodies_are_described() {
        let mut a = answer(200, "<html><body>Login</body></html>");
        a.content_type = Some("text/html".into());
        assert!(a.describe_body().contains("HTML"));
        let b = answer(200, r#"{"access_token":"abc"#);
        assert!(b.describe_body().contains("truncated"));
        let c = Answer {
            status: 302,
            location: Some("https://x.test/".into()),
            ..answer(302, "")
        };
        let Failure::NotSalesforce { detail, .. } = c.not_salesforce("the token endpoint") else {
            panic!()
        };
        assert!(detail.contains("https://x.test/"), "{detail}");
    }
}
