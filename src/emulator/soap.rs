//! The partner SOAP API's `login()` at `/services/Soap/u/NN.0`: simple-salesforce's default login
//! and jsforce's `login()` without a client secret (research §6, §9).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Ctx;
use super::data::OLDEST_VERSION;
use super::store::AccessToken;

/// Salesforce's answer to a wrong username, password or security token: HTTP 500 with this fault
/// (simple-salesforce reads `sf:exceptionCode`/`sf:exceptionMessage`, jsforce `faultstring`).
const INVALID_LOGIN: &str = "Invalid username, password, security token; or user locked out.";

pub async fn login(
    State(ctx): State<Ctx>,
    Path(params): Path<Vec<(String, String)>>,
    body: Bytes,
) -> Response {
    let version = params
        .iter()
        .find(|(k, _)| k == "version")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let max = ctx.shared.scenario.org.max_api_version;
    let n = version
        .strip_suffix(".0")
        .and_then(|v| v.parse::<u32>().ok());
    let Some(n) = n.filter(|n| (OLDEST_VERSION..=max).contains(n)) else {
        // zkSforce #52 and SalesforceLabs/Milestones-PM #156 show this fault code.
        return fault(
            "UNSUPPORTED_API_VERSION",
            "UnexpectedErrorFault",
            "Invalid Api version specified on URL",
        );
    };
    let text = String::from_utf8_lossy(&body);
    if element_text(&text, "login").is_none() {
        return fault(
            "INVALID_OPERATION",
            "UnexpectedErrorFault",
            "Only login() is served by the practice org's SOAP API",
        );
    }
    let username = element_text(&text, "username").unwrap_or_default();
    let password = element_text(&text, "password").unwrap_or_default();
    let scenario = &ctx.shared.scenario;
    let user = scenario
        .user(&username)
        .filter(|u| u.active && password == format!("{}{}", u.password, u.security_token));
    let Some(user) = user else {
        return fault("INVALID_LOGIN", "LoginFault", INVALID_LOGIN);
    };
    let session_id = ctx.shared.new_access_token();
    ctx.shared.with_data(|data| {
        data.access.insert(
            session_id.clone(),
            AccessToken {
                user_id: user.id.clone(),
                client_id: String::new(),
                refresh_token: None,
                login_host: ctx.host,
                scopes: Vec::new(),
                issued_at: ctx.shared.now_secs(),
            },
        );
    });
    let org = &scenario.org;
    let base = &ctx.shared.url;
    let sandbox = org.org_type == super::scenario::OrgType::Sandbox;
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope \
         xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         xmlns=\"urn:partner.soap.sforce.com\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\
         <soapenv:Body><loginResponse><result>\
         <metadataServerUrl>{base}/services/Soap/m/{n}.0/{org_id}</metadataServerUrl>\
         <passwordExpired>false</passwordExpired><sandbox>{sandbox}</sandbox>\
         <serverUrl>{base}/services/Soap/u/{n}.0/{org_id}</serverUrl>\
         <sessionId>{session_id}</sessionId><userId>{user_id}</userId>\
         <userInfo><accessibilityMode>false</accessibilityMode><currencySymbol>£</currencySymbol>\
         <orgAttachmentFileSizeLimit>5242880</orgAttachmentFileSizeLimit>\
         <orgDefaultCurrencyIsoCode>GBP</orgDefaultCurrencyIsoCode>\
         <orgDisallowHtmlAttachments>false</orgDisallowHtmlAttachments>\
         <orgHasPersonAccounts>false</orgHasPersonAccounts>\
         <organizationId>{org_id}</organizationId>\
         <organizationMultiCurrency>false</organizationMultiCurrency>\
         <organizationName>{org_name}</organizationName>\
         <profileId>00ePR4CT1CEPROF1AA</profileId><roleId xsi:nil=\"true\"/>\
         <sessionSecondsValid>7200</sessionSecondsValid>\
         <userDefaultCurrencyIsoCode xsi:nil=\"true\"/><userEmail>{email}</userEmail>\
         <userFullName>{name}</userFullName><userLanguage>en_US</userLanguage>\
         <userLocale>en_US</userLocale><userName>{username}</userName>\
         <userTimeZone>Europe/London</userTimeZone><userType>Standard</userType>\
         <userUiSkin>Theme3</userUiSkin></userInfo>\
         </result></loginResponse></soapenv:Body></soapenv:Envelope>",
        org_id = org.id,
        org_name = escape(&org.name),
        user_id = user.id,
        email = escape(&user.email),
        name = escape(&user.name),
        username = escape(&user.username),
    );
    xml_response(StatusCode::OK, xml)
}

/// A SOAP fault as Salesforce sends it: HTTP 500, `faultcode` `sf:CODE`, `faultstring`
/// `CODE: message`, and the same in `detail` for clients that read `sf:exceptionCode`.
fn fault(code: &str, kind: &str, message: &str) -> Response {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope \
         xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         xmlns:sf=\"urn:fault.partner.soap.sforce.com\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body><soapenv:Fault>\
         <faultcode>sf:{code}</faultcode><faultstring>{code}: {message}</faultstring><detail>\
         <sf:{kind} xsi:type=\"sf:{kind}\"><sf:exceptionCode>{code}</sf:exceptionCode>\
         <sf:exceptionMessage>{message}</sf:exceptionMessage></sf:{kind}></detail>\
         </soapenv:Fault></soapenv:Body></soapenv:Envelope>",
        message = escape(message),
    );
    xml_response(StatusCode::INTERNAL_SERVER_ERROR, xml)
}

fn xml_response(status: StatusCode, xml: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/xml;charset=UTF-8")],
        xml,
    )
        .into_response()
}

/// The text of the first element whose local name is `local` (any namespace prefix), unescaped.
/// Enough XML for a login envelope; `Some("")` for an empty or self-closing element.
fn element_text(xml: &str, local: &str) -> Option<String> {
    let mut rest = xml;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let end = after.find('>')?;
        let tag = &after[..end];
        rest = &after[end + 1..];
        if tag.starts_with('/') || tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        let name = tag
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        let local_name = name.rsplit(':').next().unwrap_or(name);
        if local_name != local {
            continue;
        }
        if tag.ends_with('/') {
            return Some(String::new());
        }
        let text = rest.find('<').map_or(rest, |i| &rest[..i]);
        return Some(unescape(text));
    }
    None
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some(semi) = tail.find(';') else {
            out.push_str(tail);
            return out;
        };
        let entity = &tail[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_prefixed_and_plain_elements_and_unescapes_them() {
        let env = "<env:Envelope><env:Body><n1:login xmlns:n1=\"urn:partner.soap.sforce.com\">\
                   <n1:username>a@b.example</n1:username><n1:password>p&amp;&lt;&#35;x</n1:password>\
                   </n1:login></env:Body></env:Envelope>";
        assert_eq!(
            element_text(env, "username").as_deref(),
            Some("a@b.example")
        );
        assert_eq!(element_text(env, "password").as_deref(), Some("p&<#x"));
        assert_eq!(element_text(env, "login").as_deref(), Some(""));
        assert_eq!(element_text(env, "logout"), None);
        let plain = "<login xmlns=\"urn:partner.soap.sforce.com\"><username>u</username></login>";
        assert_eq!(element_text(plain, "username").as_deref(), Some("u"));
    }
}
