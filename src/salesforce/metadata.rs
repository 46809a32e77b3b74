//! The Metadata REST deploy API and the External Client App credentials API (issue 11), under the
//! engine's one HTTP policy: `POST /services/data/vNN.0/metadata/deployRequest` (multipart: a
//! `json` part with `deployOptions`, a `file` part with the zip), `GET …/deployRequest/{id}
//! ?includeDetails=true` to poll, and `GET …/apps/oauth/…` to read a generated consumer secret
//! (research external-client-apps.md sections 2 and 3).

use std::time::Duration;

use serde_json::Value;

use super::http::{self, Answer};
use super::report::Failure;
use super::token::CachedToken;

/// A deploy's state as the poll reports it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeployState {
    pub id: String,
    /// `Pending`, `InProgress`, `FinalizingDeploy`, `Succeeded`, `SucceededPartial`, `Failed`, …
    pub status: String,
    pub done: bool,
    pub success: bool,
    pub deployed: u64,
    pub total: u64,
    pub state_detail: Option<String>,
    /// Deploy-level `errorStatusCode: errorMessage`.
    pub error: Option<String>,
    pub failures: Vec<ComponentFailure>,
}

/// One `componentFailures[]` entry, word for word.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ComponentFailure {
    pub component_type: String,
    pub full_name: String,
    pub file_name: String,
    pub problem: String,
    pub problem_type: String,
}

/// The statuses after which a deploy no longer changes (sfdx-core's terminal set, research 3).
pub const TERMINAL: [&str; 4] = ["Succeeded", "SucceededPartial", "Failed", "Canceled"];

/// Why a metadata call failed: what Salesforce said, as one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MetadataError(pub String);

fn failed(f: &Failure) -> MetadataError {
    let (status, code, message) = f.parts();
    let mut out = String::new();
    if let Some(s) = status {
        out.push_str(&format!("HTTP {s}"));
    }
    for part in [code, message].into_iter().flatten() {
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&part);
    }
    MetadataError(out)
}

fn base(token: &CachedToken, api_version: u32) -> Result<String, MetadataError> {
    let base = token.instance_url.trim_end_matches('/');
    reqwest::Url::parse(base).map_err(|e| MetadataError(format!("instance URL {base:?}: {e}")))?;
    Ok(format!("{base}/services/data/v{api_version}.0"))
}

async fn answer(
    request: reqwest::RequestBuilder,
    timeout: Duration,
) -> Result<Answer, MetadataError> {
    let answer = http::send(request, timeout).await.map_err(|f| failed(&f))?;
    if let Some(f) = answer.rest_error() {
        return Err(failed(&f));
    }
    if !answer.is_success() {
        return Err(MetadataError(format!(
            "{} answered HTTP {} with {}",
            answer.host,
            answer.status,
            answer.describe_body()
        )));
    }
    Ok(answer)
}

/// Start a deploy of `zip`; returns the deploy id.
pub async fn start_deploy(
    token: &CachedToken,
    api_version: u32,
    zip: Vec<u8>,
    timeout: Duration,
) -> Result<String, MetadataError> {
    let boundary = format!("----sfconn{}", zip.len());
    let options = serde_json::json!({"deployOptions": {
        "checkOnly": false, "singlePackage": true, "rollbackOnError": true,
        "ignoreWarnings": false, "testLevel": "NoTestRun", "allowMissingFiles": false,
    }});
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"json\"\r\nContent-Type: application/json\r\n\r\n{options}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"deploy.zip\"\r\nContent-Type: application/zip\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(&zip);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let url = format!("{}/metadata/deployRequest", base(token, api_version)?);
    let request = http::client()
        .post(url)
        .bearer_auth(&token.access_token)
        .header(
            reqwest::header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body);
    let answer = answer(request, timeout).await?;
    let json = answer.json().unwrap_or_default();
    json.get("id")
        .or_else(|| json.pointer("/deployResult/id"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            MetadataError(format!(
                "the deploy answer had no id: {}",
                answer.describe_body()
            ))
        })
}

/// The deploy's state, with details.
pub async fn deploy_status(
    token: &CachedToken,
    api_version: u32,
    id: &str,
    timeout: Duration,
) -> Result<DeployState, MetadataError> {
    let url = format!(
        "{}/metadata/deployRequest/{id}?includeDetails=true",
        base(token, api_version)?
    );
    let request = http::client().get(url).bearer_auth(&token.access_token);
    let answer = answer(request, timeout).await?;
    let json = answer.json().ok_or_else(|| {
        MetadataError(format!("the deploy status was {}", answer.describe_body()))
    })?;
    Ok(parse_state(&json))
}

/// Booleans and numbers arrive as JSON natives, or quoted as in the documentation's example.
fn boolean(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    }
}

fn number(v: Option<&Value>) -> u64 {
    match v {
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// Read a deployRequest answer (research 3).
pub fn parse_state(json: &Value) -> DeployState {
    let result = json.get("deployResult").unwrap_or(json);
    let status = text(result.get("status")).unwrap_or_default();
    let failures = match result.pointer("/details/componentFailures") {
        Some(Value::Array(items)) => items.iter().map(component_failure).collect(),
        Some(item @ Value::Object(_)) => vec![component_failure(item)],
        _ => Vec::new(),
    };
    let error = match (
        text(result.get("errorStatusCode")),
        text(result.get("errorMessage")),
    ) {
        (Some(code), Some(msg)) => Some(format!("{code}: {msg}")),
        (a, b) => a.or(b),
    };
    DeployState {
        id: text(result.get("id"))
            .or_else(|| text(json.get("id")))
            .unwrap_or_default(),
        done: boolean(result.get("done")) || TERMINAL.contains(&status.as_str()),
        success: boolean(result.get("success")) || status == "Succeeded",
        status,
        deployed: number(result.get("numberComponentsDeployed")),
        total: number(result.get("numberComponentsTotal")),
        state_detail: text(result.get("stateDetail")),
        error,
        failures,
    }
}

fn component_failure(v: &Value) -> ComponentFailure {
    let field = |k: &str| text(v.get(k)).unwrap_or_default();
    ComponentFailure {
        component_type: field("componentType"),
        full_name: field("fullName"),
        file_name: field("fileName"),
        problem: field("problem"),
        problem_type: field("problemType"),
    }
}

/// The key and secret of `app_name` through the Connect REST credentials API (research 2):
/// `apps/oauth/usage` → the app's id, `apps/oauth/credentials/{app}` → its consumer,
/// `…/{consumer}?part=keyandsecret`.
pub async fn read_credentials(
    token: &CachedToken,
    api_version: u32,
    app_name: &str,
    timeout: Duration,
) -> Result<(String, String), MetadataError> {
    let base = base(token, api_version)?;
    let get = |url: String| http::client().get(url).bearer_auth(&token.access_token);
    let usage = answer(get(format!("{base}/apps/oauth/usage")), timeout).await?;
    let usage = usage.json().unwrap_or_default();
    let app_id = usage
        .get("apps")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|a| a.get("developerName").and_then(Value::as_str) == Some(app_name))
        .and_then(|a| text(a.get("identifier")))
        .ok_or_else(|| MetadataError(format!("apps/oauth/usage does not list {app_name}")))?;
    if !is_plain_id(&app_id) {
        return Err(MetadataError(format!("unexpected app id {app_id:?}")));
    }
    let consumers = answer(
        get(format!("{base}/apps/oauth/credentials/{app_id}")),
        timeout,
    )
    .await?;
    let consumers = consumers.json().unwrap_or_default();
    let consumer_id = consumers
        .get("consumers")
        .and_then(Value::as_array)
        .and_then(|c| c.first())
        .and_then(|c| text(c.get("id")))
        .filter(|id| is_plain_id(id))
        .ok_or_else(|| MetadataError(format!("no OAuth consumer listed for {app_name}")))?;
    let creds = answer(
        get(format!(
            "{base}/apps/oauth/credentials/{app_id}/{consumer_id}?part=keyandsecret"
        )),
        timeout,
    )
    .await?;
    let creds = creds.json().unwrap_or_default();
    match (text(creds.get("key")), text(creds.get("secret"))) {
        (Some(k), Some(s)) if !s.is_empty() => Ok((k, s)),
        _ => Err(MetadataError(format!(
            "the credentials API gave no consumer secret for {app_name}"
        ))),
    }
}

/// A Salesforce record id: 15 or 18 letters and digits (never put anything else in a path).
fn is_plain_id(s: &str) -> bool {
    (15..=18).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_status_shape_with_quoted_values_is_read() {
        // The checkstatus documentation's example quotes booleans and numbers (research §3).
        let json = serde_json::json!({"id": "0Afxx00000000lWCAQ", "deployResult": {
            "checkOnly": "false", "status": "InProgress", "numberComponentsDeployed": "10",
            "numberComponentsTotal": "1032", "done": "false", "stateDetail": "Processing Type: Apex Component",
            "details": {"componentFailures": [], "componentSuccesses": []}}});
        let state = parse_state(&json);
        assert_eq!((state.deployed, state.total), (10, 1032));
        assert!(!state.done && !state.success);
        assert_eq!(state.id, "0Afxx00000000lWCAQ");
    }

    #[test]
    fn failures_are_kept_word_for_word_and_an_unknown_status_is_not_final() {
        let json = serde_json::json!({"deployResult": {"id": "0Af1", "status": "Failed", "done": true,
            "success": false, "details": {"componentFailures": {"componentType": "ExtlClntAppOauthSettings",
            "fullName": "a_oauth", "fileName": "extlClntAppOauthSettings/a_oauth.ecaOauth",
            "problem": "Required field is missing: externalClientApplication", "problemType": "Error"}}}});
        let state = parse_state(&json);
        assert!(state.done && !state.success);
        assert_eq!(state.failures.len(), 1);
        assert_eq!(
            state.failures[0].problem,
            "Required field is missing: externalClientApplication"
        );
        let state =
            parse_state(&serde_json::json!({"deployResult": {"status": "FinalizingDeploy"}}));
        assert!(!state.done);
        let state = parse_state(&serde_json::json!({"deployResult": {"status": "Succeeded"}}));
        assert!(state.done && state.success);
    }
}
