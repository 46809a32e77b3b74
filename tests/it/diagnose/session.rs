//! A token Salesforce issues but the REST API refuses (research §4.3: after the app's OAuth or IP
//! policies change, "This session is not valid for use with the REST API"): sfconn renews the
//! token once, then stops with `token-invalid` instead of looping on renewal.

use super::*;

const GRANT: &str = "client_credentials";

fn limits_path() -> String {
    format!("/services/data/{}/limits", sfconn::salesforce::API_VERSION)
}

#[test]
fn a_session_the_rest_api_refuses_is_renewed_once_then_reported_as_token_invalid() {
    let org = TestOrg::start();
    let sf = Sfconn::new();
    Conn::new(
        "policy-changed",
        "client-credentials",
        &org.url(),
        "practice-cc-rest-denied",
    )
    .secret("SFCONN_CLIENT_SECRET", "practice-cc-rest-denied-secret")
    .add(&sf);

    // No cached token: the one just granted is refused, and a second grant would be just as new.
    let first = sf.run(["test", "policy-changed", "--json"]).code(1);
    let json = assert_first_hint(&first, "token-invalid");
    assert_eq!(json["error"]["step"], "api", "{first}");
    assert_eq!(json["error"]["code"], "INVALID_SESSION_ID", "{first}");
    assert_eq!(org.grant_count(GRANT), 1, "one grant, no retry{first}");

    // The cached token: userinfo accepts it, the REST API refuses it, sfconn re-asserts exactly
    // once, the new token is refused too, and the test ends there.
    let (userinfo, limits) = (
        org.request_count("/services/oauth2/userinfo"),
        org.request_count(&limits_path()),
    );
    let second = sf.run(["test", "policy-changed", "--json"]).code(1);
    let json = assert_first_hint(&second, "token-invalid");
    assert_eq!(json["ok"], false, "{second}");
    assert_eq!(json["error"]["step"], "api", "{second}");
    assert_eq!(json["error"]["code"], "INVALID_SESSION_ID", "{second}");
    assert_eq!(
        json["error"]["http_status"], 401,
        "Salesforce's status is reported{second}"
    );
    assert_eq!(
        org.grant_count(GRANT),
        2,
        "exactly one re-assertion, no loop{second}"
    );
    assert_eq!(org.request_count("/services/oauth2/token"), 2, "{second}");
    assert_eq!(
        org.request_count("/services/oauth2/userinfo"),
        userinfo + 1,
        "{second}"
    );
    assert_eq!(
        org.request_count(&limits_path()),
        limits + 2,
        "the API is asked once per token{second}"
    );
    let steps: Vec<(&str, bool)> = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["step"].as_str().unwrap(), s["ok"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            ("reach", true),
            ("token", true),
            ("userinfo", true),
            ("api", false)
        ],
        "{second}"
    );

    // doctor agrees, and it does not loop either.
    let out = doctor_json(&sf, "policy-changed").code(1);
    let json = assert_first_hint(&out, "token-invalid");
    assert_eq!(json["test"]["error"]["code"], "INVALID_SESSION_ID", "{out}");
    assert_eq!(json["test"]["hints"][0]["id"], "token-invalid", "{out}");
    assert_eq!(org.grant_count(GRANT), 3, "{out}");
}
