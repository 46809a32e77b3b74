//! The deployRequest API as clients other than sfconn send it (research external-client-apps.md
//! §3): jsforce's `file` first + `entity_content`, the Salesforce CLI's `zip/` folder, source
//! (`-meta.xml`) names, and each checked element giving a component failure.

use std::io::Write as _;

use serde_json::Value;

use super::*;

const APP: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ExternalClientApplication xmlns="http://soap.sforce.com/2006/04/metadata">
    <contactEmail>admin@practice.example</contactEmail>
    <distributionState>Local</distributionState>
    <isProtected>false</isProtected>
    <label>my_app</label>
</ExternalClientApplication>
"#;

const OAUTH: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ExtlClntAppOauthSettings xmlns="http://soap.sforce.com/2006/04/metadata">
    <commaSeparatedOauthScopes>Api</commaSeparatedOauthScopes>
    <externalClientApplication>my_app</externalClientApplication>
    <label>my_app_oauth</label>
</ExtlClntAppOauthSettings>
"#;

fn glbl(extra: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<ExtlClntAppGlobalOauthSettings xmlns="http://soap.sforce.com/2006/04/metadata">
    <callbackUrl>https://localhost/unused</callbackUrl>
    <consumerKey>3MVG9testkey</consumerKey>
{extra}    <externalClientApplication>my_app</externalClientApplication>
    <isClientCredentialsFlowEnabled>true</isClientCredentialsFlowEnabled>
    <label>my_app_glbl</label>
</ExtlClntAppGlobalOauthSettings>
"#
    )
}

fn policy(run_as: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<ExtlClntAppOauthConfigurablePolicies xmlns="http://soap.sforce.com/2006/04/metadata">
    <clientCredentialsFlowUser>{run_as}</clientCredentialsFlowUser>
    <externalClientApplication>my_app</externalClientApplication>
    <isClientCredentialsFlowEnabled>true</isClientCredentialsFlowEnabled>
    <label>my_app_oauth_defaultPolicy</label>
    <permittedUsersPolicyType>AdminApprovedPreAuthorized</permittedUsersPolicyType>
</ExtlClntAppOauthConfigurablePolicies>
"#
    )
}

fn zip(files: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in files {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// The four files of a client-credentials app, under `prefix`, with `suffix` after each name.
fn app_files(prefix: &str, suffix: &str, glbl_xml: &str, policy_xml: &str) -> Vec<u8> {
    let files = [
        (format!("{prefix}package.xml"), "<Package/>".to_string()),
        (
            format!("{prefix}externalClientApps/my_app.eca{suffix}"),
            APP.to_string(),
        ),
        (
            format!("{prefix}extlClntAppOauthSettings/my_app_oauth.ecaOauth{suffix}"),
            OAUTH.to_string(),
        ),
        (
            format!("{prefix}extlClntAppGlobalOauthSets/my_app_glbl.ecaGlblOauth{suffix}"),
            glbl_xml.to_string(),
        ),
        (
            format!(
                "{prefix}extlClntAppOauthPolicies/my_app_oauth_defaultPolicy.ecaOauthPlcy{suffix}"
            ),
            policy_xml.to_string(),
        ),
    ];
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    zip(&refs)
}

/// POST a deploy with the JSON part named `json_name`, placed first or last; then poll it to the end.
async fn deploy(
    org: &PracticeOrg,
    token: &str,
    zip: Vec<u8>,
    json_name: &str,
    json_first: bool,
) -> Value {
    let boundary = "--------------------------BOUNDARY";
    let json_part = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{json_name}\"\r\nContent-Type: application/json\r\n\r\n{{\"deployOptions\":{{\"singlePackage\":true}}}}\r\n"
    );
    let mut file_part = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"package.xml\"\r\nContent-Type: application/zip\r\n\r\n"
    )
    .into_bytes();
    file_part.extend_from_slice(&zip);
    file_part.extend_from_slice(b"\r\n");
    let mut body = Vec::new();
    if json_first {
        body.extend_from_slice(json_part.as_bytes());
        body.extend_from_slice(&file_part);
    } else {
        body.extend_from_slice(&file_part);
        body.extend_from_slice(json_part.as_bytes());
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let base = format!("{}/services/data/v62.0/metadata/deployRequest", org.url());
    let resp = client()
        .post(&base)
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.unwrap();
    assert_eq!(created["deployResult"]["status"], "Pending");
    let id = created["id"].as_str().unwrap().to_string();
    let mut statuses = Vec::new();
    loop {
        let state: Value = client()
            .get(format!("{base}/{id}?includeDetails=true"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        statuses.push(
            state["deployResult"]["status"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        if state["deployResult"]["done"] == true {
            assert_eq!(statuses[0], "InProgress");
            return state;
        }
        assert!(statuses.len() < 5, "{statuses:?}");
    }
}

fn problems(state: &Value) -> Vec<String> {
    state["deployResult"]["details"]["componentFailures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}: {}",
                f["componentType"].as_str().unwrap(),
                f["fullName"].as_str().unwrap(),
                f["problem"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn jsforce_and_cli_shapes_deploy_a_working_client_credentials_app() {
    let org = builtin().await;
    let token = admin_access_token(&org).await;
    let run_as = "integration@practice.example";
    // jsforce: `file` first, then `entity_content`; the CLI's `zip/` folder and source names.
    let state = deploy(
        &org,
        &token,
        app_files("zip/", "-meta.xml", &glbl(""), &policy(run_as)),
        "entity_content",
        false,
    )
    .await;
    assert_eq!(state["deployResult"]["status"], "Succeeded", "{state}");
    assert_eq!(state["deployResult"]["numberComponentsDeployed"], 4);
    // The app works: read its secret back, then get a token as the Run As user.
    let api = format!("{}/services/data/v62.0/apps/oauth", org.url());
    let usage: Value = client()
        .get(format!("{api}/usage"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let app_id = usage["apps"][0]["identifier"].as_str().unwrap();
    assert_eq!(usage["apps"][0]["developerName"], "my_app");
    let consumers: Value = client()
        .get(format!("{api}/credentials/{app_id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let consumer = consumers["consumers"][0]["id"].as_str().unwrap();
    let creds: Value = client()
        .get(format!(
            "{api}/credentials/{app_id}/{consumer}?part=keyandsecret"
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(creds["key"], "3MVG9testkey");
    let secret = creds["secret"].as_str().unwrap();
    let (status, body) = super::token(
        &org.url(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "3MVG9testkey"),
            ("client_secret", secret),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn each_checked_element_gives_a_component_failure_and_no_app() {
    let org = builtin().await;
    let token = admin_access_token(&org).await;
    let cases: [(String, String, &str); 4] = [
        (
            glbl("    <favouriteColour>blue</favouriteColour>\n"),
            policy("integration@practice.example"),
            "ExtlClntAppGlobalOauthSettings my_app_glbl: Error parsing file: Element {http://soap.sforce.com/2006/04/metadata}favouriteColour invalid at this location in type ExtlClntAppGlobalOauthSettings",
        ),
        (
            glbl(
                "    <certificate>-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----</certificate>\n",
            ),
            policy("integration@practice.example"),
            "ExtlClntAppGlobalOauthSettings my_app_glbl: The certificate is not a valid X.509 certificate in PEM format",
        ),
        (
            glbl(""),
            policy("nobody@practice.example"),
            "ExtlClntAppOauthConfigurablePolicies my_app_oauth_defaultPolicy: Invalid user for the client credentials flow: nobody@practice.example. The Run As user must be an active user of the org.",
        ),
        (
            glbl("").replace(
                "    <externalClientApplication>my_app</externalClientApplication>\n",
                "",
            ),
            policy("integration@practice.example"),
            "ExtlClntAppGlobalOauthSettings my_app_glbl: Required field is missing: externalClientApplication",
        ),
    ];
    for (glbl_xml, policy_xml, expected) in cases {
        let state = deploy(
            &org,
            &token,
            app_files("", "", &glbl_xml, &policy_xml),
            "json",
            true,
        )
        .await;
        assert_eq!(state["deployResult"]["status"], "Failed", "{state}");
        assert_eq!(state["deployResult"]["success"], false);
        assert_eq!(problems(&state), [expected.to_string()]);
        let (status, body) = super::token(
            &org.url(),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "3MVG9testkey"),
                ("client_secret", "x"),
            ],
        )
        .await;
        assert_eq!(body["error"], "invalid_client_id", "{status} {body}");
    }
}

#[tokio::test]
async fn a_user_who_is_not_an_admin_cannot_deploy() {
    let org = builtin().await;
    let (status, body) = password_login(
        &org,
        "integration@practice.example",
        "Integration-Pass-1INTEGRATIONTOKEN1",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let resp = client()
        .post(format!(
            "{}/services/data/v62.0/metadata/deployRequest",
            org.url()
        ))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .header("content-type", "multipart/form-data; boundary=x")
        .body("--x--\r\n")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body[0]["errorCode"], "INSUFFICIENT_ACCESS");
}
