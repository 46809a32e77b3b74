//! userinfo, limits, versions, revoke, frontdoor, identity, Date header, latency, counters.

use std::time::{Duration, Instant, SystemTime};

use super::*;

#[tokio::test]
async fn userinfo_with_good_missing_and_bad_tokens() {
    let org = builtin().await;
    let at = admin_access_token(&org).await;
    let url = format!("{}/services/oauth2/userinfo", org.url());
    let (status, body) = get_with_token(&url, Some(&at)).await;
    assert_eq!(status, 200, "{body}");
    let info: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(info["preferred_username"], ADMIN);
    assert_eq!(info["user_id"], "005PR4CT1CEADM1AAA");
    assert_eq!(info["organization_id"], "00DPR4CT1CE0RG0EAA");
    assert_eq!(info["email"], ADMIN);
    assert_eq!(info["name"], "Pat Admin");

    assert_eq!(
        get_with_token(&url, Some("00Dbogus!token")).await,
        (403, "Bad_OAuth_Token".into())
    );
    assert_eq!(
        get_with_token(&url, None).await,
        (403, "Missing_OAuth_Token".into())
    );
    assert_eq!(org.request_count("/services/oauth2/userinfo"), 3);
}

#[tokio::test]
async fn expire_access_tokens_invalidates_every_session() {
    let org = builtin().await;
    let at = admin_access_token(&org).await;
    org.expire_access_tokens();
    let (status, body) = get_with_token(
        &format!("{}/services/oauth2/userinfo", org.url()),
        Some(&at),
    )
    .await;
    assert_eq!((status, body.as_str()), (403, "Bad_OAuth_Token"));
    let (status, body) = get_with_token(
        &format!("{}/services/data/v66.0/limits", org.url()),
        Some(&at),
    )
    .await;
    assert_eq!(status, 401);
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json[0]["errorCode"], "INVALID_SESSION_ID");
    assert_eq!(json[0]["message"], "Session expired or invalid");
    // a new login works again
    let at = admin_access_token(&org).await;
    assert_eq!(
        get_with_token(
            &format!("{}/services/oauth2/userinfo", org.url()),
            Some(&at)
        )
        .await
        .0,
        200
    );
}

#[tokio::test]
async fn limits_counts_down_daily_api_requests() {
    let org = builtin().await;
    let at = admin_access_token(&org).await;
    let url = format!("{}/services/data/v66.0/limits", org.url());
    let (status, body) = get_with_token(&url, Some(&at)).await;
    assert_eq!(status, 200, "{body}");
    let first: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(first["DailyApiRequests"]["Max"], 15000);
    let (_, body) = get_with_token(&url, Some(&at)).await;
    let second: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        second["DailyApiRequests"]["Remaining"].as_u64().unwrap() + 1,
        first["DailyApiRequests"]["Remaining"].as_u64().unwrap()
    );
    // A retired version is gone, one the org does not have yet is not found.
    let (status, _) = get_with_token(
        &format!("{}/services/data/v20.0/limits", org.url()),
        Some(&at),
    )
    .await;
    assert_eq!(status, 410);
    let (status, _) = get_with_token(
        &format!("{}/services/data/v67.0/limits", org.url()),
        Some(&at),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn limits_api_disabled_for_user_or_org_and_limit_exceeded() {
    let org = builtin().await;
    let (_, body) = password_login(&org, "noapi@practice.example", "NoApi-Pass-1NOAPITOKEN1").await;
    let at = body["access_token"].as_str().unwrap();
    let (status, body) = get_with_token(
        &format!("{}/services/data/v66.0/limits", org.url()),
        Some(at),
    )
    .await;
    assert_eq!(status, 403);
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json[0]["errorCode"], "API_DISABLED_FOR_ORG");
    assert_eq!(
        json[0]["message"],
        "The REST API is not enabled for this Organization."
    );

    let mut scenario = Scenario::builtin();
    scenario.org.api_enabled = false;
    let no_api = start(scenario).await;
    let at = admin_access_token(&no_api).await;
    let (status, body) = get_with_token(
        &format!("{}/services/data/v66.0/limits", no_api.url()),
        Some(&at),
    )
    .await;
    assert_eq!(status, 403);
    assert!(body.contains("API_DISABLED_FOR_ORG"));

    let mut scenario = Scenario::builtin();
    scenario.org.daily_api_remaining = 0;
    let used_up = start(scenario).await;
    let at = admin_access_token(&used_up).await;
    let (status, body) = get_with_token(
        &format!("{}/services/data/v66.0/limits", used_up.url()),
        Some(&at),
    )
    .await;
    assert_eq!(status, 403);
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json[0]["errorCode"], "REQUEST_LIMIT_EXCEEDED");
}

#[tokio::test]
async fn versions_list_needs_no_authentication() {
    let org = builtin().await;
    for base in [org.url(), org.login_url()] {
        let (status, body) = get_with_token(&format!("{base}/services/data/"), None).await;
        assert_eq!(status, 200);
        let list: Vec<Value> = serde_json::from_str(&body).unwrap();
        let last = list.last().unwrap();
        assert_eq!(last["version"], "66.0");
        assert_eq!(last["label"], "Spring '26");
        assert_eq!(last["url"], "/services/data/v66.0");
    }
    assert_eq!(org.request_count("/services/data/"), 2);
}

#[tokio::test]
async fn revoke_access_and_refresh_tokens() {
    let org = builtin().await;
    let at = admin_access_token(&org).await;
    let revoke = |token: String| {
        let url = format!("{}/services/oauth2/revoke", org.url());
        async move {
            client()
                .post(url)
                .form(&[("token", token)])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(revoke(at.clone()).await, 200);
    let (status, _) = get_with_token(
        &format!("{}/services/oauth2/userinfo", org.url()),
        Some(&at),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(revoke(at).await, 400);

    // a refresh token from the device flow (auto-approved at the 2nd poll)
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
    let rt = tokens["refresh_token"].as_str().unwrap().to_string();
    let at = tokens["access_token"].as_str().unwrap().to_string();
    assert_eq!(revoke(rt.clone()).await, 200);
    let got = token(
        &org.url(),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "practice-device"),
            ("refresh_token", &rt),
        ],
    )
    .await;
    assert_oauth_error(&got, "invalid_grant", "expired access/refresh token");
    let (status, _) = get_with_token(
        &format!("{}/services/oauth2/userinfo", org.url()),
        Some(&at),
    )
    .await;
    assert_eq!(status, 403, "revoking a refresh token ends its sessions");
}

#[tokio::test]
async fn frontdoor_and_identity_url() {
    let org = builtin().await;
    let at = admin_access_token(&org).await;
    let resp = client()
        .get(format!("{}/secur/frontdoor.jsp", org.url()))
        .query(&[("sid", at.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.text().await.unwrap().contains(ADMIN));
    let resp = client()
        .get(format!("{}/secur/frontdoor.jsp?sid=bogus", org.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 302);

    let id = format!("{}/id/00DPR4CT1CE0RG0EAA/005PR4CT1CEADM1AAA", org.url());
    let (status, body) = get_with_token(&id, Some(&at)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"username\":\"admin@practice.example\""));
    assert_eq!(
        get_with_token(&id, Some("bogus")).await,
        (403, "Bad_OAuth_Token".into())
    );
}

#[tokio::test]
async fn date_header_follows_the_clock_offset() {
    let org = builtin().await;
    org.set_clock_offset(3600);
    let resp = client()
        .get(format!("{}/services/data/", org.url()))
        .send()
        .await
        .unwrap();
    let date = resp.headers()["date"].to_str().unwrap();
    let server = httpdate::parse_http_date(date).unwrap();
    let skew = server.duration_since(SystemTime::now()).unwrap();
    assert!(
        skew > Duration::from_secs(3500) && skew < Duration::from_secs(3700),
        "{date}"
    );
}

#[tokio::test]
async fn latency_delays_every_answer() {
    let org = builtin().await;
    org.set_latency(Duration::from_millis(300));
    let started = Instant::now();
    let resp = client()
        .get(format!("{}/services/data/", org.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn unknown_paths_answer_salesforce_not_found() {
    let org = builtin().await;
    let (status, body) = get_with_token(&format!("{}/services/apexrest/x", org.url()), None).await;
    assert_eq!(status, 404);
    assert!(body.contains("NOT_FOUND"));
}

#[tokio::test]
async fn shutdown_closes_both_listeners() {
    let org = builtin().await;
    let (url, login_url) = (org.url(), org.login_url());
    assert_eq!(
        get_with_token(&format!("{login_url}/services/data/"), None)
            .await
            .0,
        200
    );
    org.shutdown().await;
    for base in [url, login_url] {
        let result = client().get(format!("{base}/services/data/")).send().await;
        assert!(result.is_err(), "{base} still answers");
    }
}

#[tokio::test]
async fn an_app_whose_sessions_the_rest_api_refuses_still_gets_tokens_and_userinfo() {
    let org = builtin().await;
    let grant = |client_id: &'static str| {
        let url = org.url();
        async move {
            let secret = format!("{client_id}-secret");
            let form = [
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("client_secret", secret.as_str()),
            ];
            let (status, body) = token(&url, &form).await;
            assert_eq!(status, 200, "{client_id}: {body}");
            body["access_token"].as_str().unwrap().to_string()
        }
    };
    let userinfo = format!("{}/services/oauth2/userinfo", org.url());
    let limits = format!("{}/services/data/v66.0/limits", org.url());
    // A brand-new token is refused as well as an older one: renewing cannot help.
    let older = grant("practice-cc-rest-denied").await;
    let fresh = grant("practice-cc-rest-denied").await;
    for at in [&older, &fresh] {
        let (status, body) = get_with_token(&userinfo, Some(at)).await;
        assert_eq!(status, 200, "userinfo still answers: {body}");
        let (status, body) = get_with_token(&limits, Some(at)).await;
        assert_eq!(status, 401, "{body}");
        let json: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json[0]["errorCode"], "INVALID_SESSION_ID", "{body}");
        assert_eq!(
            json[0]["message"], "This session is not valid for use with the REST API",
            "{body}"
        );
    }
    assert_eq!(org.grant_count("client_credentials"), 2);
    // The same Run As user through another app is served: the app's policy decides.
    let other = grant("practice-cc").await;
    assert_eq!(get_with_token(&limits, Some(&other)).await.0, 200);
}

#[test]
fn rest_sessions_invalid_is_an_app_option_that_defaults_to_off() {
    let scenario = Scenario::builtin();
    let denied: Vec<&str> = scenario
        .apps
        .iter()
        .filter(|a| a.rest_sessions_invalid)
        .map(|a| a.client_id.as_str())
        .collect();
    assert_eq!(denied, ["practice-cc-rest-denied"]);
    let err = Scenario::from_toml_str(
        "[org]\nid = \"00DPR4CT1CE0RG0EAA\"\nname = \"x\"\n\
         [[users]]\nid = \"005PR4CT1CEADM1AAA\"\nusername = \"a@b.c\"\npassword = \"p\"\nemail = \"a@b.c\"\nname = \"A\"\n\
         [[apps]]\nname = \"x\"\nclient_id = \"x\"\nflows = []\nrest_session_invalid = true\n",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("rest_session_invalid"), "{err}");
}
