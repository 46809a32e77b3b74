//! The Metadata REST deploy API for External Client Apps (research external-client-apps.md §3)
//! and the Connect REST credentials API that reads a generated consumer secret (§2).
//!
//! `POST /services/data/vNN.0/metadata/deployRequest` takes a multipart body: the JSON part named
//! `json` or `entity_content`, the zip in any other part, in either order. The zip may keep its
//! files at the root or under one top-level folder (`zip/` from the Salesforce CLI), with MDAPI
//! (`.eca`) or source (`.eca-meta.xml`) names. Each XML file is checked against the documented
//! elements; a successful deploy becomes a working app. Each poll moves the deploy one step:
//! `Pending` (the POST's answer) → `InProgress` → `Succeeded` | `Failed`.

use std::collections::HashMap;
use std::io::Read as _;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Ctx;
use super::data::{check_version, rest_error, rest_session, use_api_request};
use super::scenario::{App, AppFlow, PermittedUsers};

/// A deploy request and what it will become.
pub struct Deploy {
    pub polls: u32,
    pub created_by: String,
    pub total: usize,
    /// The component failures found when the zip was read (empty: it succeeds).
    pub failures: Vec<Value>,
    pub successes: Vec<Value>,
    /// The app the deploy creates or updates, registered when it reports `Succeeded`.
    pub app: Option<(String, App, bool)>,
    pub error: Option<(String, String)>,
}

const NS: &str = "http://soap.sforce.com/2006/04/metadata";

/// Documented elements per type (research §1.2–1.6).
const ELEMENTS: [(&str, &[&str]); 5] = [
    (
        "ExternalClientApplication",
        &[
            "contactEmail",
            "contactPhone",
            "description",
            "distributionState",
            "iconUrl",
            "infoUrl",
            "isProtected",
            "label",
            "logoUrl",
            "managedType",
            "orgScopedExternalApp",
        ],
    ),
    (
        "ExtlClntAppOauthSettings",
        &[
            "commaSeparatedOauthScopes",
            "commaSeparatedCustomScopes",
            "externalClientApplication",
            "label",
            "oauthLink",
            "singleLogoutUrl",
            "trustedIpRanges",
            "customAttributes",
            "isFirstPartyAppEnabled",
            "clientAssertionCertificate",
        ],
    ),
    (
        "ExtlClntAppGlobalOauthSettings",
        &[
            "externalClientApplication",
            "callbackUrl",
            "certificate",
            "consumerKey",
            "consumerSecret",
            "isClientCredentialsFlowEnabled",
            "isDeviceFlowEnabled",
            "isPkceRequired",
            "isConsumerSecretOptional",
            "isSecretRequiredForRefreshToken",
            "isRefreshTokenRotationEnabled",
            "isIntrospectAllTokens",
            "isTokenExchangeEnabled",
            "isSecretRequiredForTokenExchange",
            "isCodeCredFlowEnabled",
            "isCodeCredPostOnly",
            "isNamedUserJwtEnabled",
            "shouldRotateConsumerKey",
            "shouldRotateConsumerSecret",
            "label",
            "idTokenConfig",
        ],
    ),
    (
        "ExtlClntAppOauthConfigurablePolicies",
        &[
            "externalClientApplication",
            "label",
            "permittedUsersPolicyType",
            "commaSeparatedPermissionSet",
            "commaSeparatedProfile",
            "isClientCredentialsFlowEnabled",
            "clientCredentialsFlowUser",
            "isTokenExchangeFlowEnabled",
            "isGuestCodeCredFlowEnabled",
            "ipRelaxationPolicyType",
            "refreshTokenPolicyType",
            "refreshTokenValidityPeriod",
            "refreshTokenValidityUnit",
            "requiredSessionLevel",
            "policyAction",
            "sessionTimeoutInMinutes",
            "startUrl",
            "singleLogoutUrl",
            "apexHandler",
            "executeHandlerAs",
            "commaSeparatedCustomScopes",
        ],
    ),
    (
        "ExtlClntAppConfigurablePolicies",
        &[
            "externalClientApplication",
            "isEnabled",
            "isOauthPluginEnabled",
            "label",
            "startPage",
            "startUrl",
        ],
    ),
];

/// Folder and suffix of each type inside the zip.
const FOLDERS: [(&str, &str, &str); 5] = [
    ("externalClientApps", "eca", "ExternalClientApplication"),
    (
        "extlClntAppOauthSettings",
        "ecaOauth",
        "ExtlClntAppOauthSettings",
    ),
    (
        "extlClntAppGlobalOauthSets",
        "ecaGlblOauth",
        "ExtlClntAppGlobalOauthSettings",
    ),
    (
        "extlClntAppOauthPolicies",
        "ecaOauthPlcy",
        "ExtlClntAppOauthConfigurablePolicies",
    ),
    (
        "extlClntAppPolicies",
        "ecaPlcy",
        "ExtlClntAppConfigurablePolicies",
    ),
];

/// Metadata scope tokens and the OAuth scopes they grant.
const SCOPES: [(&str, &[&str]); 17] = [
    ("Api", &["api"]),
    ("Web", &["web"]),
    ("Full", &["full"]),
    ("Basic", &["id"]),
    ("Chatter", &["chatter_api"]),
    ("CustomApplications", &["visualforce"]),
    ("RefreshToken", &["refresh_token", "offline_access"]),
    ("OfflineAccess", &["offline_access"]),
    ("OpenID", &["openid"]),
    ("Profile", &["profile"]),
    ("Email", &["email"]),
    ("Address", &["address"]),
    ("Phone", &["phone"]),
    ("CustomPermissions", &["custom_permissions"]),
    ("Wave", &["wave_api"]),
    ("Lightning", &["lightning"]),
    ("Content", &["content"]),
];

/// One parsed metadata file.
struct MetaFile {
    type_name: &'static str,
    full_name: String,
    file_name: String,
    fields: HashMap<String, String>,
}

/// A component failure, shaped as a DeployMessage (research §3).
fn failure(type_name: &str, full_name: &str, file_name: &str, problem: &str) -> Value {
    json!({
        "changed": false, "columnNumber": null, "componentType": type_name, "created": false,
        "createdDate": null, "deleted": false, "fileName": file_name, "fullName": full_name,
        "id": null, "lineNumber": null, "problem": problem, "problemType": "Error", "success": false,
    })
}

fn success(f: &MetaFile, created: bool) -> Value {
    json!({
        "changed": !created, "componentType": f.type_name, "created": created, "deleted": false,
        "fileName": f.file_name, "fullName": f.full_name, "problem": null, "problemType": null,
        "success": true,
    })
}

/// The parts of a multipart body: (name, content).
fn multipart(headers: &HeaderMap, body: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let boundary = content_type
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("boundary="))
        .next()?
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut rest = body;
    let start = find(rest, delimiter.as_bytes())?;
    rest = &rest[start + delimiter.len()..];
    loop {
        if rest.starts_with(b"--") {
            break;
        }
        rest = rest.strip_prefix(b"\r\n").unwrap_or(rest);
        let end = find(rest, delimiter.as_bytes())?;
        let part = &rest[..end];
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        let split = find(part, b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&part[..split]).to_string();
        let content = part[split + 4..].to_vec();
        let name = head
            .lines()
            .filter(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
            .flat_map(|l| l.split(';'))
            .filter_map(|p| p.trim().strip_prefix("name="))
            .next()
            .map(|n| n.trim_matches('"').to_string())
            .unwrap_or_default();
        parts.push((name, content));
        rest = &rest[end + delimiter.len()..];
    }
    Some(parts)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Every file of the zip, names relative to its root (one top-level folder such as `zip/` removed).
fn unzip(bytes: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("the file part is not a zip file: {e}"))?;
    let mut files = Vec::new();
    for i in 0..archive.len() {
        let entry = archive
            .by_index(i)
            .map_err(|e| format!("unreadable zip entry: {e}"))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry
            .name()
            .map_err(|e| format!("unreadable zip entry name: {e}"))?
            .to_string();
        let mut text = String::new();
        entry
            .take(4 * 1024 * 1024)
            .read_to_string(&mut text)
            .map_err(|e| format!("{name}: not UTF-8 text: {e}"))?;
        files.push((name, text));
    }
    let has_root_package = files.iter().any(|(n, _)| n == "package.xml");
    if !has_root_package {
        let prefix = files
            .iter()
            .find_map(|(n, _)| n.strip_suffix("package.xml").filter(|p| p.ends_with('/')))
            .map(str::to_string)
            .ok_or("No package.xml found")?;
        files = files
            .into_iter()
            .filter_map(|(n, t)| n.strip_prefix(&prefix).map(|n| (n.to_string(), t)))
            .collect();
    }
    Ok(files)
}

/// The root element and `<child>text</child>` pairs of a flat metadata file.
fn parse_xml(text: &str) -> Result<(String, Vec<(String, String)>), String> {
    let mut rest = text.trim_start();
    if rest.starts_with("<?xml") {
        rest = rest
            .split_once("?>")
            .ok_or("unterminated XML declaration")?
            .1;
    }
    let rest = rest.trim_start();
    let open_end = rest.find('>').ok_or("no root element")?;
    let open = rest.strip_prefix('<').ok_or("no root element")?;
    let root = open[..open_end - 1]
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    if !open[..open_end - 1].contains(&format!("xmlns=\"{NS}\"")) {
        return Err(format!(
            "the root element {root} is not in the namespace {NS}"
        ));
    }
    let close = format!("</{root}>");
    let mut body = rest[open_end + 1..]
        .trim_end()
        .strip_suffix(&close)
        .ok_or_else(|| format!("the root element {root} is not closed"))?;
    let mut fields = Vec::new();
    loop {
        body = body.trim_start();
        if body.is_empty() {
            break;
        }
        let after = body.strip_prefix('<').ok_or("text outside an element")?;
        let end = after.find('>').ok_or("unterminated element")?;
        let tag = after[..end].trim().to_string();
        let inner = &after[end + 1..];
        let closing = format!("</{tag}>");
        let stop = inner
            .find(&closing)
            .ok_or_else(|| format!("element {tag} is not closed"))?;
        let value = &inner[..stop];
        if value.contains('<') {
            return Err(format!(
                "Element {{{NS}}}{tag} has child elements sfconn's practice org does not model"
            ));
        }
        fields.push((
            tag,
            value
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&"),
        ));
        body = &inner[stop + closing.len()..];
    }
    Ok((root, fields))
}

/// Read one metadata file of the zip; `Err` is a component failure.
fn read_file(path: &str, text: &str) -> Option<Result<MetaFile, Value>> {
    let (folder, file) = path.split_once('/')?;
    let file = file.strip_suffix("-meta.xml").unwrap_or(file);
    let (folder_name, suffix, type_name) = FOLDERS.iter().find(|(f, _, _)| *f == folder)?;
    let _ = folder_name;
    let full_name = file.strip_suffix(&format!(".{suffix}"))?.to_string();
    let fail = |problem: &str| failure(type_name, &full_name, path, problem);
    let (root, fields) = match parse_xml(text) {
        Ok(parsed) => parsed,
        Err(e) => return Some(Err(fail(&format!("Error parsing file: {e}")))),
    };
    if root != *type_name {
        return Some(Err(fail(&format!(
            "Error parsing file: the root element is {root}, expected {type_name}"
        ))));
    }
    let allowed = ELEMENTS
        .iter()
        .find(|(t, _)| t == type_name)
        .map(|(_, e)| *e)
        .unwrap_or_default();
    for (tag, _) in &fields {
        if !allowed.contains(&tag.as_str()) {
            return Some(Err(fail(&format!(
                "Error parsing file: Element {{{NS}}}{tag} invalid at this location in type {type_name}"
            ))));
        }
    }
    Some(Ok(MetaFile {
        type_name,
        full_name,
        file_name: path.to_string(),
        fields: fields.into_iter().collect(),
    }))
}

/// `POST /services/data/vNN.0/metadata/deployRequest`.
pub async fn deploy(
    State(ctx): State<Ctx>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let version = match check_version(&ctx, &version) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let session = match rest_session(&ctx, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(r) = use_api_request(&ctx) {
        return r;
    }
    let user = session.user.clone();
    // Research §4: the deploying user needs "Create, edit, and delete External Client Apps"; the
    // exact error is unconfirmed.
    if !user.admin {
        return rest_error(
            StatusCode::FORBIDDEN,
            "INSUFFICIENT_ACCESS",
            "You do not have permission to deploy metadata: the user needs \"Create, edit, and delete External Client Apps\" (or Modify All Data)",
        );
    }
    let Some(parts) = multipart(&headers, &body) else {
        return rest_error(
            StatusCode::BAD_REQUEST,
            "INVALID_MULTIPART_REQUEST",
            "The request is not a multipart/form-data body with a boundary",
        );
    };
    let json_part = parts
        .iter()
        .find(|(n, _)| n == "json" || n == "entity_content");
    let zip_part = parts
        .iter()
        .find(|(n, _)| n != "json" && n != "entity_content");
    let (Some((_, options)), Some((_, zip))) = (json_part, zip_part) else {
        return rest_error(
            StatusCode::BAD_REQUEST,
            "INVALID_MULTIPART_REQUEST",
            "A deploy needs a JSON part (json or entity_content) with deployOptions and a zip part",
        );
    };
    let options: Value = match serde_json::from_slice(options) {
        Ok(v) => v,
        Err(e) => {
            return rest_error(
                StatusCode::BAD_REQUEST,
                "JSON_PARSER_ERROR",
                &format!("The deployOptions part is not JSON: {e}"),
            );
        }
    };
    let check_only = options
        .pointer("/deployOptions/checkOnly")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let id = format!("0Af{}", ctx.shared.random(9).replace(['-', '_'], "x"));
    let mut deploy = match unzip(zip) {
        Ok(files) => examine(&ctx, &files, version),
        Err(e) => Deploy {
            polls: 0,
            created_by: String::new(),
            total: 0,
            failures: Vec::new(),
            successes: Vec::new(),
            app: None,
            error: Some(("UNKNOWN_EXCEPTION".into(), e)),
        },
    };
    deploy.created_by = user.id.clone();
    if check_only {
        deploy.app = None;
    }
    let answer = json!({
        "id": id,
        "deployOptions": options.get("deployOptions").cloned().unwrap_or(json!({})),
        "deployResult": {"id": id, "success": false, "checkOnly": check_only, "ignoreWarnings": false,
            "rollbackOnError": true, "status": "Pending", "runTestsEnabled": false, "done": false},
    });
    ctx.shared.with_data(|data| data.deploys.insert(id, deploy));
    (StatusCode::CREATED, Json(answer)).into_response()
}

/// Check every file, then build the app the deploy makes.
fn examine(ctx: &Ctx, files: &[(String, String)], version: u32) -> Deploy {
    let mut failures = Vec::new();
    let mut parsed = Vec::new();
    for (path, text) in files {
        if path == "package.xml" {
            continue;
        }
        match read_file(path, text) {
            Some(Ok(f)) => parsed.push(f),
            Some(Err(f)) => failures.push(f),
            None => failures.push(failure(
                "",
                path,
                path,
                &format!("An object could not be found for the file {path}: sfconn's practice org deploys External Client Apps only"),
            )),
        }
    }
    let total = parsed.len() + failures.len();
    let header = parsed
        .iter()
        .find(|f| f.type_name == "ExternalClientApplication");
    let app_name = header.map(|h| h.full_name.clone()).or_else(|| {
        parsed
            .iter()
            .find_map(|f| f.fields.get("externalClientApplication").cloned())
    });
    let existing = app_name
        .as_deref()
        .and_then(|n| ctx.shared.with_data(|d| d.deployed_apps.get(n).cloned()));
    for f in &parsed {
        if f.type_name == "ExternalClientApplication" {
            if let Some(scoped) = f.fields.get("orgScopedExternalApp") {
                let org15: String = ctx.shared.scenario.org.id.chars().take(15).collect();
                if !scoped.starts_with(&org15) {
                    failures.push(failure(f.type_name, &f.full_name, &f.file_name,
                        &format!("orgScopedExternalApp {scoped} belongs to another org; remove it and Salesforce fills it in")));
                }
            }
            continue;
        }
        match f.fields.get("externalClientApplication") {
            None => failures.push(failure(
                f.type_name,
                &f.full_name,
                &f.file_name,
                "Required field is missing: externalClientApplication",
            )),
            Some(app)
                if Some(app) != app_name.as_ref() || (header.is_none() && existing.is_none()) =>
            {
                failures.push(failure(
                    f.type_name,
                    &f.full_name,
                    &f.file_name,
                    &format!("no ExternalClientApplication named {app} found"),
                ))
            }
            Some(_) => {}
        }
    }
    let field = |type_name: &str, key: &str| {
        parsed
            .iter()
            .find(|f| f.type_name == type_name)
            .and_then(|f| f.fields.get(key).cloned())
    };
    let flag = |type_name: &str, key: &str| field(type_name, key).is_some_and(|v| v == "true");
    let glbl = "ExtlClntAppGlobalOauthSettings";
    let policy = "ExtlClntAppOauthConfigurablePolicies";
    let mut fail_on = |type_name: &str, problem: String| {
        if let Some(f) = parsed.iter().find(|f| f.type_name == type_name) {
            failures.push(failure(type_name, &f.full_name, &f.file_name, &problem));
        }
    };
    if let Some(link) = field("ExtlClntAppOauthSettings", "oauthLink") {
        let org15: String = ctx.shared.scenario.org.id.chars().take(15).collect();
        if !link.starts_with(&org15) {
            fail_on(
                "ExtlClntAppOauthSettings",
                format!(
                    "oauthLink {link} does not match this org's app; remove it and Salesforce generates it"
                ),
            );
        }
    }
    let certificate = field(glbl, "certificate");
    if let Some(pem) = &certificate {
        let ok = pem.contains("-----BEGIN CERTIFICATE-----")
            && jsonwebtoken::DecodingKey::from_rsa_pem(pem.as_bytes()).is_ok();
        if !ok {
            fail_on(
                glbl,
                "The certificate is not a valid X.509 certificate in PEM format".into(),
            );
        }
    }
    let permission_sets: Vec<String> = field(policy, "commaSeparatedPermissionSet")
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    for ps in &permission_sets {
        if !ctx.shared.scenario.has_permission_set(ps) {
            fail_on(
                policy,
                format!(
                    "Invalid permission set: {ps}. No permission set with this API name exists in the org."
                ),
            );
        }
    }
    let run_as = field(policy, "clientCredentialsFlowUser");
    if let Some(user) = &run_as
        && !ctx.shared.scenario.user(user).is_some_and(|u| u.active)
    {
        fail_on(
            policy,
            format!(
                "Invalid user for the client credentials flow: {user}. The Run As user must be an active user of the org."
            ),
        );
    }
    let key = field(glbl, "consumerKey");
    if let (Some(k), Some(name)) = (&key, &app_name) {
        let taken = ctx.shared.with_data(|d| {
            d.deployed_apps
                .iter()
                .any(|(n, a)| n != name && &a.client_id == k)
        }) || ctx.shared.scenario.app(k).is_some();
        if taken {
            fail_on(glbl, "The consumer key is already taken.".into());
        }
    }
    let scope_tokens =
        field("ExtlClntAppOauthSettings", "commaSeparatedOauthScopes").unwrap_or_default();
    let mut scopes = Vec::new();
    for token in scope_tokens
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        match SCOPES.iter().find(|(t, _)| *t == token) {
            Some((_, granted)) => scopes.extend(granted.iter().map(|s| s.to_string())),
            None => fail_on(
                "ExtlClntAppOauthSettings",
                format!("Invalid OAuth scope: {token}"),
            ),
        }
    }
    if !scopes.iter().any(|s| s == "id") {
        scopes.push("id".into());
    }
    let Some(name) = app_name.filter(|_| failures.is_empty()) else {
        return Deploy {
            polls: 0,
            created_by: String::new(),
            total,
            failures,
            successes: Vec::new(),
            app: None,
            error: None,
        };
    };
    if version < 60 && (certificate.is_some() || flag(glbl, "isClientCredentialsFlowEnabled")) {
        // Not a failure Salesforce documents; the fields only exist from 60.0 on (research §1.7).
        tracing::debug!("deploy at API {version} uses 60.0 fields");
    }
    let mut flows = Vec::new();
    if certificate.is_some() {
        flows.push(AppFlow::Jwt);
    }
    if flag(glbl, "isClientCredentialsFlowEnabled")
        && flag(policy, "isClientCredentialsFlowEnabled")
    {
        flows.push(AppFlow::ClientCredentials);
    }
    if flag(glbl, "isDeviceFlowEnabled") {
        flows.push(AppFlow::Device);
    }
    if field(glbl, "callbackUrl").is_some() {
        flows.push(AppFlow::Web);
    }
    let client_id = key
        .or_else(|| existing.as_ref().map(|a| a.client_id.clone()))
        .unwrap_or_else(|| format!("3MVG9{}", ctx.shared.random(60).replace(['-', '_'], "A")));
    let client_secret = existing
        .as_ref()
        .map(|a| a.client_secret.clone())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| {
            ctx.shared
                .random(24)
                .replace(['-', '_'], "9")
                .to_uppercase()
        });
    let admin_approved =
        field(policy, "permittedUsersPolicyType").as_deref() == Some("AdminApprovedPreAuthorized");
    let pre_authorized = ctx
        .shared
        .scenario
        .users
        .iter()
        .filter(|u| {
            u.permission_sets
                .iter()
                .any(|p| permission_sets.contains(p))
        })
        .map(|u| u.username.clone())
        .collect();
    let secret_optional = flag(glbl, "isConsumerSecretOptional");
    let app = App {
        name: name.clone(),
        client_id,
        client_secret,
        secret_required: !secret_optional,
        flows,
        scopes,
        callback_urls: field(glbl, "callbackUrl").into_iter().collect(),
        // Research §1.4: isPkceRequired defaults to true.
        pkce_required: field(glbl, "isPkceRequired").is_none_or(|v| v == "true"),
        installed: true,
        auto_approve: false,
        device_auto_approve_after_polls: None,
        device_interval_secs: 5,
        certificate: None,
        certificate_pem: certificate,
        run_as: run_as.clone(),
        permitted_users: if admin_approved && run_as.is_none() {
            PermittedUsers::AdminApproved
        } else {
            PermittedUsers::All
        },
        pre_authorized,
        ip_restricted: false,
        refresh_token_rotation: flag(glbl, "isRefreshTokenRotationEnabled"),
        refresh_token_valid: field(policy, "refreshTokenPolicyType").as_deref() != Some("Zero")
            || run_as.is_some(),
        rest_sessions_invalid: false,
        code_ttl_secs: 15 * 60,
    };
    let created = existing.is_none();
    let successes = parsed.iter().map(|f| success(f, created)).collect();
    Deploy {
        polls: 0,
        created_by: String::new(),
        total,
        failures,
        successes,
        app: Some((name, app, created)),
        error: None,
    }
}

/// `GET /services/data/vNN.0/metadata/deployRequest/{id}`: each poll moves the deploy one step.
pub async fn status(
    State(ctx): State<Ctx>,
    Path((version, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = check_version(&ctx, &version) {
        return r;
    }
    if let Err(r) = rest_session(&ctx, &headers) {
        return r;
    }
    let details = query.get("includeDetails").is_some_and(|v| v == "true");
    let delay = ctx.shared.scenario.org.new_client_id_delay_attempts;
    let url = format!(
        "{}/services/data/{version}/metadata/deployRequest/{id}",
        ctx.shared.url
    );
    let answer = ctx.shared.with_data(|data| {
        let deploy = data.deploys.get_mut(&id)?;
        deploy.polls += 1;
        let polls = deploy.polls;
        let failed = !deploy.failures.is_empty() || deploy.error.is_some();
        let (status, done) = match polls {
            1 => ("InProgress", false),
            _ if failed => ("Failed", true),
            _ => ("Succeeded", true),
        };
        // rollbackOnError: a failed deploy leaves nothing deployed.
        let deployed = match (done, failed) {
            (true, false) => deploy.total,
            (true, true) => 0,
            (false, _) => deploy.total / 2,
        };
        let register = if done && !failed { deploy.app.take() } else { None };
        let failures = if done { deploy.failures.clone() } else { Vec::new() };
        let successes = if done { deploy.successes.clone() } else { Vec::new() };
        let error = deploy.error.clone();
        let created_by = deploy.created_by.clone();
        let total = deploy.total;
        if let Some((name, app, created)) = register {
            if created || !data.deployed_apps.contains_key(&name) {
                data.propagation.insert(app.client_id.clone(), delay);
            }
            data.deployed_apps.insert(name, Arc::new(app));
        }
        Some(json!({
            "id": id,
            "url": url,
            "deployResult": {
                "id": id, "checkOnly": false, "ignoreWarnings": false, "rollbackOnError": true,
                "status": status, "done": done, "success": done && !failed,
                "numberComponentsDeployed": deployed, "numberComponentsTotal": total,
                "numberComponentErrors": failures.len(), "numberTestsCompleted": 0,
                "numberTestsTotal": 0, "numberTestErrors": 0,
                "stateDetail": if done { Value::Null } else { json!("Processing Type: ExternalClientApplication") },
                "errorStatusCode": error.as_ref().map(|e| e.0.clone()),
                "errorMessage": error.as_ref().map(|e| e.1.clone()),
                "createdBy": created_by,
                "details": if details { json!({"componentFailures": failures, "componentSuccesses": successes,
                    "retrieveResult": null, "runTestResult": {"numRun": 0, "successes": [], "failures": []}}) } else { Value::Null },
            },
        }))
    });
    match answer {
        Some(body) => Json(body).into_response(),
        None => rest_error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        ),
    }
}

/// A deployed app's record id (`0xI` + 15, derived from its name).
fn app_id(name: &str) -> String {
    let digits: u64 = name
        .bytes()
        .fold(7, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    format!("0xI{:015}", digits % 1_000_000_000_000_000)
}

/// `GET …/apps/oauth/usage`: the deployed apps (research §2).
pub async fn usage(
    State(ctx): State<Ctx>,
    Path(version): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = check_version(&ctx, &version) {
        return r;
    }
    if let Err(r) = rest_session(&ctx, &headers) {
        return r;
    }
    let apps: Vec<Value> = ctx.shared.with_data(|d| {
        d.deployed_apps
            .keys()
            .map(|n| json!({"developerName": n, "identifier": app_id(n), "label": n}))
            .collect()
    });
    Json(json!({"apps": apps})).into_response()
}

/// `GET …/apps/oauth/credentials/{app}[/{consumer}]?part=key|secret|keyandsecret`.
pub async fn credentials(
    State(ctx): State<Ctx>,
    Path((version, rest)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = check_version(&ctx, &version) {
        return r;
    }
    let session = match rest_session(&ctx, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !session.user.admin {
        return rest_error(
            StatusCode::FORBIDDEN,
            "INSUFFICIENT_ACCESS",
            "The user needs the External Client App Developer and View Client Secret permissions",
        );
    }
    let (app, consumer) = match rest.split_once('/') {
        Some((a, c)) => (a.to_string(), Some(c.to_string())),
        None => (rest.clone(), None),
    };
    let found = ctx.shared.with_data(|d| {
        d.deployed_apps
            .iter()
            .find(|(n, _)| app_id(n) == app)
            .map(|(n, a)| (n.clone(), a.clone()))
    });
    let Some((name, found)) = found else {
        return rest_error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        );
    };
    let consumer_id = format!("888{}", &app_id(&name)[3..]);
    match consumer {
        None => {
            Json(json!({"consumers": [{"id": consumer_id, "key": found.client_id, "name": name}]}))
                .into_response()
        }
        Some(c) if c == consumer_id => {
            let part = query.get("part").map_or("key", String::as_str);
            let mut body = serde_json::Map::new();
            if part == "key" || part == "keyandsecret" {
                body.insert("key".into(), json!(found.client_id));
            }
            if part == "secret" || part == "keyandsecret" {
                body.insert("secret".into(), json!(found.client_secret));
            }
            Json(Value::Object(body)).into_response()
        }
        Some(_) => rest_error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        ),
    }
}
