//! The requests of a connection test besides the token: the unauthenticated versions list
//! (reach), userinfo, and the REST limits probe (api).

use std::time::Duration;

use serde_json::Value;

use super::hosts;
use super::http;
use super::report::{Failure, UserInfo};
use crate::profile::Connection;

/// `GET {login host}/services/data/`: DNS, TCP, TLS, and an answer shaped like Salesforce's
/// versions list (research §1.2, no authentication).
pub(crate) async fn reach(conn: &Connection, timeout: Duration) -> Result<(), Failure> {
    let url = hosts::versions_url(conn)?;
    let answer = http::send(http::client().get(url), timeout).await?;
    let shaped = answer.is_success()
        && answer.json().is_some_and(|v| {
            v.as_array().is_some_and(|versions| {
                !versions.is_empty() && versions.iter().all(|e| e.get("version").is_some())
            })
        });
    if shaped {
        Ok(())
    } else {
        Err(answer.not_salesforce("the API versions list (/services/data/)"))
    }
}

fn failure_of(answer: &http::Answer, what: &str) -> Failure {
    answer
        .rest_error()
        .unwrap_or_else(|| answer.not_salesforce(what))
}

/// `GET {instance_url}/services/oauth2/userinfo` (research §3).
pub(crate) async fn userinfo(
    instance_url: &str,
    access_token: &str,
    timeout: Duration,
) -> Result<UserInfo, Failure> {
    let url = hosts::userinfo_url(instance_url)?;
    let answer = http::send(http::client().get(url).bearer_auth(access_token), timeout).await?;
    if !answer.is_success() {
        return Err(failure_of(&answer, "the userinfo endpoint"));
    }
    let value: Value = answer.parse("the userinfo endpoint")?;
    // Shown on terminals ("Connected as ..."): no escape sequences from the server.
    let text = |key: &str| {
        crate::diagnose::redact::printable(
            value.get(key).and_then(Value::as_str).unwrap_or_default(),
        )
    };
    let user = UserInfo {
        user_id: text("user_id"),
        organization_id: text("organization_id"),
        username: text("preferred_username"),
        email: text("email"),
        name: text("name"),
    };
    if user.user_id.is_empty() {
        return Err(answer.not_salesforce("the userinfo endpoint"));
    }
    Ok(user)
}

/// `GET {instance_url}/services/data/vNN.0/limits`: the API is enabled for the user and the org
/// has requests left. Returns the daily API requests remaining when Salesforce says.
pub(crate) async fn limits(
    instance_url: &str,
    access_token: &str,
    timeout: Duration,
) -> Result<Option<i64>, Failure> {
    let url = hosts::limits_url(instance_url)?;
    let answer = http::send(http::client().get(url).bearer_auth(access_token), timeout).await?;
    if !answer.is_success() {
        return Err(failure_of(&answer, "the REST API limits resource"));
    }
    let value: Value = answer.parse("the REST API limits resource")?;
    if !value.is_object() {
        return Err(answer.not_salesforce("the REST API limits resource"));
    }
    Ok(value
        .get("DailyApiRequests")
        .and_then(|d| d.get("Remaining"))
        .and_then(Value::as_i64))
}
