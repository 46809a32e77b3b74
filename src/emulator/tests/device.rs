//! Device flow: device code, polling, approval at /setup/connect.

use super::*;

async fn device_start(org: &PracticeOrg, client_id: &str) -> (u16, Value) {
    token(
        &org.url(),
        &[
            ("response_type", "device_code"),
            ("client_id", client_id),
            ("scope", "api refresh_token"),
        ],
    )
    .await
}

async fn device_poll(org: &PracticeOrg, client_id: &str, code: &str) -> (u16, Value) {
    token(
        &org.url(),
        &[
            ("grant_type", "device"),
            ("client_id", client_id),
            ("code", code),
        ],
    )
    .await
}

#[tokio::test]
async fn device_flow_pending_until_approved_at_setup_connect() {
    let mut scenario = Scenario::builtin();
    scenario
        .apps
        .iter_mut()
        .for_each(|a| a.device_auto_approve_after_polls = None);
    let org = start(scenario).await;
    let (status, start) = device_start(&org, "practice-device").await;
    assert_eq!(status, 200, "{start}");
    let user_code = start["user_code"].as_str().unwrap();
    assert_eq!(user_code.len(), 8);
    assert_eq!(
        start["verification_uri"],
        format!("{}/setup/connect", org.url())
    );
    assert_eq!(start["interval"], 1);
    let device_code = start["device_code"].as_str().unwrap();

    let got = device_poll(&org, "practice-device", device_code).await;
    assert_oauth_error(&got, "authorization_pending", "authorization pending");

    let page = client()
        .get(format!("{}/setup/connect", org.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let typed = format!("{}-{}", &user_code[..4], user_code[4..].to_lowercase());
    let resp = client()
        .post(format!("{}/setup/connect", org.url()))
        .form(&[
            ("user_code", typed.as_str()),
            ("username", "integration@practice.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);

    let (status, body) = device_poll(&org, "practice-device", device_code).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["refresh_token"].is_string());
    assert!(
        body["id"]
            .as_str()
            .unwrap()
            .ends_with("/005PR4CT1CEINT1AAA")
    );
    // the device code is spent
    let got = device_poll(&org, "practice-device", device_code).await;
    assert_oauth_error(&got, "invalid_grant", "expired authorization code");
}

#[tokio::test]
async fn device_flow_auto_approves_at_the_configured_poll_and_deny_works() {
    let org = builtin().await;
    let (_, start) = device_start(&org, "practice-device").await;
    let code = start["device_code"].as_str().unwrap();
    let got = device_poll(&org, "practice-device", code).await;
    assert_oauth_error(&got, "authorization_pending", "authorization pending");
    assert_eq!(device_poll(&org, "practice-device", code).await.0, 200);

    let (_, start) = device_start(&org, "practice-device").await;
    let resp = client()
        .post(format!("{}/setup/connect", org.url()))
        .form(&[
            ("user_code", start["user_code"].as_str().unwrap()),
            ("action", "deny"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let got = device_poll(
        &org,
        "practice-device",
        start["device_code"].as_str().unwrap(),
    )
    .await;
    assert_oauth_error(&got, "access_denied", "end-user denied authorization");

    let resp = client()
        .post(format!("{}/setup/connect", org.url()))
        .form(&[("user_code", "ZZZZZZZZ")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
}

#[tokio::test]
async fn device_flow_refuses_uninstalled_apps_and_apps_without_the_flow() {
    let org = builtin().await;
    let got = device_start(&org, "practice-uninstalled").await;
    assert_oauth_error(&got, "invalid_client", "app must be installed into org");
    let got = device_start(&org, "practice-web").await;
    assert_oauth_error(&got, "unsupported_grant_type", "grant type not supported");
    assert_eq!(org.grant_count("device_code"), 2);
}

#[tokio::test]
async fn device_approval_defaults_to_a_user_the_app_lets_in() {
    let mut scenario = Scenario::builtin();
    let device = scenario
        .apps
        .iter_mut()
        .find(|a| a.client_id == "practice-device")
        .unwrap();
    device.permitted_users = crate::emulator::PermittedUsers::AdminApproved;
    device.pre_authorized = vec!["integration@practice.example".into()];
    device.device_auto_approve_after_polls = Some(1);
    let org = start(scenario).await;
    let (_, start) = device_start(&org, "practice-device").await;
    let (status, body) = device_poll(
        &org,
        "practice-device",
        start["device_code"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["id"]
            .as_str()
            .unwrap()
            .ends_with("/005PR4CT1CEINT1AAA"),
        "{body}"
    );
}
