//! `GET /services/data/vNN.0/query?q=…` with just enough SOQL for the queries clients send right
//! after login (research §9).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Ctx;
use super::data::{rest_call, rest_error, user_record, with_usage};
use super::scenario::User;

/// `GET /services/data/vNN.0/query?q=…`: the queries clients send right after login. The Salesforce
/// CLI reads the Organization (sfdx-core `Org.retrieveOrganizationInformation`) and checks whether
/// the org is a Dev Hub by querying ScratchOrgInfo (`AuthInfo.determineIfDevHub`): this org is not
/// one, so that object does not exist here.
pub async fn query(
    State(ctx): State<Ctx>,
    Path(version): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let (n, _, remaining) = match rest_call(&ctx, &version, &headers) {
        Ok(ok) => ok,
        Err(answer) => return answer,
    };
    let q = params.get("q").map(String::as_str).unwrap_or("");
    let answer = match parse_soql(q) {
        None => rest_error(
            StatusCode::BAD_REQUEST,
            "MALFORMED_QUERY",
            &format!(
                "unexpected token: '{}'",
                q.split_whitespace().next().unwrap_or("")
            ),
        ),
        Some(soql) => match soql.object.to_ascii_lowercase().as_str() {
            "organization" => records(&soql, vec![organization_record(&ctx, n)]),
            "user" => {
                let users = ctx
                    .shared
                    .scenario
                    .users
                    .iter()
                    .filter(|u| soql.matches_username(u))
                    .map(|u| user_record(&ctx, n, u))
                    .collect();
                records(&soql, users)
            }
            _ => invalid_type(q, &soql.object),
        },
    };
    with_usage(&ctx, remaining, answer)
}

struct Soql {
    fields: Vec<String>,
    object: String,
    /// `Username = '…'` from the WHERE clause, the only filter understood.
    username: Option<String>,
    limit: Option<usize>,
}

impl Soql {
    fn matches_username(&self, user: &User) -> bool {
        self.username
            .as_deref()
            .is_none_or(|name| user.username.eq_ignore_ascii_case(name))
    }
}

/// Just enough SOQL for `SELECT f1, f2 FROM Object [WHERE Username = '…'] [LIMIT n]`.
fn parse_soql(q: &str) -> Option<Soql> {
    let lower = q.to_ascii_lowercase();
    let select = lower.find("select ")?;
    let from = lower.find(" from ")?;
    let fields = q.get(select + 7..from)?;
    let rest = q.get(from + 6..)?.trim();
    let object = rest.split_whitespace().next()?.to_string();
    let rest_lower = rest.to_ascii_lowercase();
    let username = rest_lower.find("username").and_then(|i| {
        let after = rest.get(i..)?;
        let start = after.find('\'')? + 1;
        let len = after.get(start..)?.find('\'')?;
        after.get(start..start + len).map(String::from)
    });
    let limit = rest_lower
        .find(" limit ")
        .and_then(|i| rest.get(i + 7..)?.split_whitespace().next()?.parse().ok());
    Some(Soql {
        fields: fields
            .split(',')
            .map(|f| f.trim().to_string())
            .filter(|f| !f.is_empty())
            .collect(),
        object,
        username,
        limit,
    })
}

fn organization_record(ctx: &Ctx, n: u32) -> serde_json::Map<String, Value> {
    let org = &ctx.shared.scenario.org;
    let json = json!({
        "attributes": {"type": "Organization", "url": format!("/services/data/v{n}.0/sobjects/Organization/{}", org.id)},
        "Id": org.id,
        "Name": org.name,
        "InstanceName": "PR4",
        "IsSandbox": org.org_type == super::scenario::OrgType::Sandbox,
        "TrialExpirationDate": Value::Null,
        "NamespacePrefix": Value::Null,
        "OrganizationType": "Developer Edition",
        "LanguageLocaleKey": "en_US",
        "TimeZoneSidKey": "Europe/London",
        "DefaultLocaleSidKey": "en_US",
    });
    match json {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

/// A query result with only the selected fields (and `attributes`), as Salesforce answers.
fn records(soql: &Soql, all: Vec<serde_json::Map<String, Value>>) -> Response {
    let limited: Vec<Value> = all
        .into_iter()
        .take(soql.limit.unwrap_or(usize::MAX))
        .map(|record| {
            let mut out = serde_json::Map::new();
            if let Some(a) = record.get("attributes") {
                out.insert("attributes".into(), a.clone());
            }
            for field in &soql.fields {
                let found = record.iter().find(|(k, _)| k.eq_ignore_ascii_case(field));
                if let Some((k, v)) = found {
                    out.insert(k.clone(), v.clone());
                }
            }
            Value::Object(out)
        })
        .collect();
    Json(json!({"totalSize": limited.len(), "done": true, "records": limited})).into_response()
}

/// What Salesforce answers for an object the org does not have (for ScratchOrgInfo: any org that
/// is not a Dev Hub).
fn invalid_type(q: &str, object: &str) -> Response {
    let column = q
        .to_ascii_lowercase()
        .find(&object.to_ascii_lowercase())
        .map_or(1, |i| i + 1);
    rest_error(
        StatusCode::BAD_REQUEST,
        "INVALID_TYPE",
        &format!(
            "\n{q}\n{:>width$}\nERROR at Row:1:Column:{column}\nsObject type '{object}' is not supported. \
             If you are attempting to use a custom object, be sure to append the '__c' after the entity name. \
             Please reference your WSDL or the describe call for the appropriate names.",
            "^",
            width = column
        ),
    )
}
