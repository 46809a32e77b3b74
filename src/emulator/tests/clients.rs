//! What the Salesforce CLI, jsforce and simple-salesforce call after login: the resource list,
//! `sobjects/User/{id}`, the CLI's queries, retired versions, `oauth_token`, the identity URL's
//! host, revoke's form-encoded answer, SOAP `login()`.

use super::*;

const ADMIN_ID: &str = "005PR4CT1CEADM1AAA";

async fn login_on(base: &str) -> Value {
    let (status, body) = token(
        base,
        &[
            ("grant_type", "password"),
            ("client_id", "practice-password"),
            ("client_secret", "practice-password-secret"),
            ("username", ADMIN),
            ("password", ADMIN_PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

#[tokio::test]
async fn the_identity_url_names_the_host_the_login_used() {
    let org = builtin().await;
    for base in [org.url(), org.login_url()] {
        let body = login_on(&base).await;
        let id = body["id"].as_str().unwrap();
        assert_eq!(id, format!("{base}/id/00DPR4CT1CE0RG0EAA/{ADMIN_ID}"));
        // The instance URL stays the My Domain, and the identity URL answers where it points.
        assert_eq!(body["instance_url"], org.url());
        let at = body["access_token"].as_str().unwrap();
        let (status, text) = get_with_token(id, Some(at)).await;
        assert_eq!(status, 200, "{text}");
        assert_eq!(json(&text)["id"], id);
    }
}

#[tokio::test]
async fn the_resource_list_names_the_identity_url_and_needs_a_session() {
    let org = builtin().await;
    let body = login_on(&org.login_url()).await;
    let at = body["access_token"].as_str().unwrap();
    let url = format!("{}/services/data/v62.0", org.url());
    let (status, text) = get_with_token(&url, Some(at)).await;
    assert_eq!(status, 200, "{text}");
    let list = json(&text);
    assert_eq!(
        list["identity"], body["id"],
        "jsforce identity() reads this"
    );
    assert_eq!(list["limits"], "/services/data/v62.0/limits");
    assert_eq!(list["sobjects"], "/services/data/v62.0/sobjects");
    let (status, text) = get_with_token(&format!("{url}/"), Some(at)).await;
    assert_eq!(
        (status, json(&text)["identity"].clone()),
        (200, body["id"].clone())
    );

    let (status, text) = get_with_token(&url, None).await;
    assert_eq!(status, 401);
    assert_eq!(json(&text)[0]["errorCode"], "INVALID_SESSION_ID");
}

#[tokio::test]
async fn retired_versions_answer_410_and_unknown_ones_404() {
    let org = builtin().await;
    let at = admin_access_token(&org).await;
    for path in [
        "v30.0",
        "v30.0/limits",
        "v21.0/sobjects/User/x",
        "v20.0/query?q=x",
    ] {
        let (status, text) =
            get_with_token(&format!("{}/services/data/{path}", org.url()), Some(&at)).await;
        assert_eq!(status, 410, "{path}: {text}");
        assert_eq!(json(&text)[0]["errorCode"], "GONE", "{path}");
    }
    for path in ["v67.0", "v67.0/limits", "vX", "v62.0/nothing-here"] {
        let (status, text) =
            get_with_token(&format!("{}/services/data/{path}", org.url()), Some(&at)).await;
        assert_eq!(status, 404, "{path}: {text}");
        assert_eq!(json(&text)[0]["errorCode"], "NOT_FOUND", "{path}");
    }
    for path in ["v31.0", "v66.0/limits", "latest"] {
        let (status, text) =
            get_with_token(&format!("{}/services/data/{path}", org.url()), Some(&at)).await;
        assert_eq!(status, 200, "{path}: {text}");
    }
}

#[tokio::test]
async fn sobjects_user_gives_the_username_the_cli_reads() {
    let org = builtin().await;
    let at = admin_access_token(&org).await;
    let base = format!("{}/services/data/v51.0/sobjects/User", org.url());
    for id in [ADMIN_ID, &ADMIN_ID[..15]] {
        let (status, text) = get_with_token(&format!("{base}/{id}"), Some(&at)).await;
        assert_eq!(status, 200, "{text}");
        let user = json(&text);
        assert_eq!(user["Username"], ADMIN);
        assert_eq!(user["Id"], ADMIN_ID);
        assert_eq!(user["Email"], ADMIN);
        assert_eq!(user["attributes"]["type"], "User");
    }
    let (status, text) = get_with_token(&format!("{base}/005000000000000AAA"), Some(&at)).await;
    assert_eq!(
        (status, json(&text)[0]["errorCode"].clone()),
        (404, "NOT_FOUND".into())
    );
}

#[tokio::test]
async fn the_cli_queries_read_the_organization_and_find_no_dev_hub() {
    let org = builtin().await;
    let at = admin_access_token(&org).await;
    let query = |q: &str| {
        let url = format!("{}/services/data/v62.0/query", org.url());
        let at = at.clone();
        let q = q.to_string();
        async move {
            let resp = client()
                .get(url)
                .query(&[("q", q)])
                .bearer_auth(at)
                .send()
                .await
                .unwrap();
            (resp.status().as_u16(), json(&resp.text().await.unwrap()))
        }
    };
    let (status, body) = query(
        "SELECT Name, InstanceName, IsSandbox, TrialExpirationDate, NamespacePrefix, OrganizationType FROM Organization",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["totalSize"], 1);
    let record = &body["records"][0];
    assert_eq!(record["Name"], "Practice Org");
    assert_eq!(record["IsSandbox"], false);
    assert!(
        record.get("Id").is_none(),
        "only the selected fields: {record}"
    );

    // sfdx-core determineIfDevHub: any status >= 400 means "not a Dev Hub".
    let (status, body) = query("SELECT Id FROM ScratchOrgInfo limit 1").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body[0]["errorCode"], "INVALID_TYPE");
    assert!(
        body[0]["message"]
            .as_str()
            .unwrap()
            .contains("sObject type 'ScratchOrgInfo' is not supported."),
        "{body}"
    );

    let (status, body) =
        query("SELECT Id, Username FROM User WHERE Username = 'admin@practice.example'").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["records"][0]["Username"], ADMIN);
    assert_eq!(body["totalSize"], 1);
}

#[tokio::test]
async fn oauth_token_is_taken_by_userinfo_and_the_identity_url_not_by_the_rest_api() {
    let org = builtin().await;
    let at = admin_access_token(&org).await;
    let id = format!("{}/id/00DPR4CT1CE0RG0EAA/{ADMIN_ID}", org.url());
    for url in [
        format!("{}/services/oauth2/userinfo", org.url()),
        id.clone(),
    ] {
        let resp = client()
            .get(&url)
            .query(&[("format", "json"), ("oauth_token", at.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{url}");
        let resp = client()
            .post(&url)
            .form(&[("oauth_token", at.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "POST {url}");
    }
    let (status, _) = get_with_token(
        &format!("{}/services/data/v62.0/limits?oauth_token={at}", org.url()),
        None,
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn revoking_a_refresh_token_ends_its_sessions_and_an_unknown_token_is_answered_form_encoded()
{
    let org = builtin().await;
    // A web login with a refresh token, then a refresh: both sessions hang on the refresh token.
    let (status, first) = token(
        &org.url(),
        &[
            ("grant_type", "password"),
            ("client_id", "practice-password"),
            ("client_secret", "practice-password-secret"),
            ("username", ADMIN),
            ("password", ADMIN_PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let (_, start) = token(
        &org.url(),
        &[
            ("response_type", "device_code"),
            ("client_id", "practice-device"),
        ],
    )
    .await;
    let code = start["device_code"].as_str().unwrap();
    let poll = [
        ("grant_type", "device"),
        ("client_id", "practice-device"),
        ("code", code),
    ];
    token(&org.url(), &poll).await;
    let (_, tokens) = token(&org.url(), &poll).await;
    let rt = tokens["refresh_token"].as_str().unwrap();
    let (_, refreshed) = token(
        &org.url(),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "practice-device"),
            ("refresh_token", rt),
        ],
    )
    .await;
    let sessions = [
        tokens["access_token"].as_str().unwrap(),
        refreshed["access_token"].as_str().unwrap(),
    ];
    let revoke = |t: &str| {
        client()
            .post(format!("{}/services/oauth2/revoke", org.url()))
            .form(&[("token", t)])
            .send()
    };
    assert_eq!(revoke(rt).await.unwrap().status().as_u16(), 200);
    let limits = format!("{}/services/data/v66.0/limits", org.url());
    for at in sessions {
        assert_eq!(
            get_with_token(&limits, Some(at)).await.0,
            401,
            "session of the revoked token"
        );
    }
    // Another user's unrelated session lives on.
    let other = first["access_token"].as_str().unwrap();
    assert_eq!(get_with_token(&limits, Some(other)).await.0, 200);

    for unknown in [rt, "never-issued"] {
        let resp = revoke(unknown).await.unwrap();
        assert_eq!(resp.status().as_u16(), 400);
        assert_eq!(
            resp.headers()["content-type"],
            "application/x-www-form-urlencoded"
        );
        assert_eq!(
            resp.text().await.unwrap(),
            "error=unsupported_token_type&error_description=this%20token%20type%20is%20not%20supported"
        );
    }
}

async fn soap_login(base: &str, version: &str, username: &str, password: &str) -> (u16, String) {
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;");
    let envelope = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\" ?><env:Envelope \
         xmlns:env=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:urn=\"urn:partner.soap.sforce.com\">\
         <env:Body><n1:login xmlns:n1=\"urn:partner.soap.sforce.com\"><n1:username>{}</n1:username>\
         <n1:password>{}</n1:password></n1:login></env:Body></env:Envelope>",
        escape(username),
        escape(password)
    );
    let resp = client()
        .post(format!("{base}/services/Soap/u/{version}"))
        .header("content-type", "text/xml")
        .header("SOAPAction", "login")
        .body(envelope)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

fn between<'a>(xml: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("no <{tag}> in {xml}"))
        + open.len();
    let end = xml[start..].find('<').unwrap() + start;
    &xml[start..end]
}

#[tokio::test]
async fn soap_login_gives_a_session_the_rest_api_takes_and_a_fault_for_bad_credentials() {
    let org = builtin().await;
    let (status, xml) = soap_login(
        &org.login_url(),
        "59.0",
        "symbols@practice.example",
        "Sym #&+%= bol-1SYMBOLSTOKEN1",
    )
    .await;
    assert_eq!(status, 200, "{xml}");
    assert_eq!(
        between(&xml, "serverUrl"),
        format!("{}/services/Soap/u/59.0/00DPR4CT1CE0RG0EAA", org.url())
    );
    assert_eq!(between(&xml, "userName"), "symbols@practice.example");
    let session = between(&xml, "sessionId");
    let limits = format!("{}/services/data/v59.0/limits", org.url());
    assert_eq!(get_with_token(&limits, Some(session)).await.0, 200);

    let (status, xml) = soap_login(&org.login_url(), "59.0", ADMIN, "Practice-Pass-1").await;
    assert_eq!(status, 500, "the security token is missing: {xml}");
    assert_eq!(between(&xml, "faultcode"), "sf:INVALID_LOGIN");
    assert_eq!(
        between(&xml, "faultstring"),
        "INVALID_LOGIN: Invalid username, password, security token; or user locked out."
    );
    assert_eq!(between(&xml, "sf:exceptionCode"), "INVALID_LOGIN");

    let (status, xml) = soap_login(&org.url(), "20.0", ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(status, 500);
    assert_eq!(between(&xml, "faultcode"), "sf:UNSUPPORTED_API_VERSION");
}

#[tokio::test]
async fn a_doubled_slash_in_the_path_is_served_like_a_single_one() {
    // sf org login access-token stores the instance URL with a trailing slash, then asks for
    // `http://host//services/data/vNN.0`.
    let org = builtin().await;
    let at = admin_access_token(&org).await;
    let (status, text) =
        get_with_token(&format!("{}//services/data/v66.0", org.url()), Some(&at)).await;
    assert_eq!(status, 200, "{text}");
    assert!(json(&text)["identity"].is_string());
    let (status, _) = get_with_token(
        &format!("{}/services//oauth2//userinfo?x=1", org.url()),
        Some(&at),
    )
    .await;
    assert_eq!(status, 200);
}
