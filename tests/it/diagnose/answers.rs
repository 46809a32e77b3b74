//! Salesforce's own answers (token endpoint, REST API) and the hint each one ranks first.

use super::*;

#[test]
fn token_endpoint_answers_rank_their_hint_first() {
    let org = TestOrg::start();
    let sf = Sfconn::new();
    let cases: Vec<(Conn, &str)> = vec![
        (
            password_conn(
                &org,
                "wrong-password",
                "practice-password",
                "admin@practice.example",
                "not-the-password",
                "PRACTICETOKEN1",
            ),
            "password-auth-failed",
        ),
        (
            password_conn(
                &org,
                "remote",
                "practice-password",
                "remote@practice.example",
                "Remote-Pass-1",
                "REMOTETOKEN1",
            ),
            "ip-restricted",
        ),
        (
            password_conn(
                &org,
                "former",
                "practice-password",
                "former@practice.example",
                "Former-Pass-1",
                "FORMERTOKEN1",
            ),
            "user-inactive",
        ),
        (
            password_conn(
                &org,
                "not-admin-approved",
                "practice-password-restricted",
                "integration@practice.example",
                "Integration-Pass-1",
                "INTEGRATIONTOKEN1",
            ),
            "user-not-admin-approved",
        ),
        (
            password_conn(
                &org,
                "unknown-client",
                "no-such-app",
                "admin@practice.example",
                "Practice-Pass-1",
                "PRACTICETOKEN1",
            ),
            "client-id-invalid",
        ),
        (
            Conn::new(
                "wrong-secret",
                "client-credentials",
                &org.url(),
                "practice-cc",
            )
            .secret("SFCONN_CLIENT_SECRET", "not-the-secret"),
            "client-secret-invalid",
        ),
        (
            Conn::new(
                "no-run-as",
                "client-credentials",
                &org.url(),
                "practice-cc-norunas",
            )
            .secret("SFCONN_CLIENT_SECRET", "practice-cc-norunas-secret"),
            "run-as-user-missing",
        ),
        (
            Conn::new(
                "login-host",
                "client-credentials",
                &org.login_url(),
                "practice-cc",
            )
            .secret("SFCONN_CLIENT_SECRET", "practice-cc-secret"),
            "my-domain-required",
        ),
        (
            Conn::new(
                "flow-off",
                "client-credentials",
                &org.url(),
                "practice-web-only",
            )
            .secret("SFCONN_CLIENT_SECRET", "practice-web-only-secret"),
            "grant-not-supported",
        ),
        (
            jwt_conn(&sf, &org, "not-pre-authorized", "analyst@practice.example"),
            "user-not-approved",
        ),
        (
            jwt_conn(&sf, &org, "wrong-audience", "admin@practice.example")
                .arg("--audience", "https://test.salesforce.com"),
            "jwt-audience-invalid",
        ),
        (
            jwt_conn(&sf, &org, "no-api", "noapi@practice.example"),
            "api-disabled",
        ),
    ];
    for (conn, expected) in cases {
        let name = conn.name;
        conn.add(&sf);
        // `test --json` ranks the same hint first.
        let tested = sf.run(["test", name, "--json"]).code(1);
        assert_first_hint(&tested, expected);
        let out = doctor_json(&sf, name).code(1);
        let json = assert_first_hint(&out, expected);
        assert_eq!(json["ok"], false, "{out}");
        let test = &json["test"];
        assert_eq!(
            test["hints"][0]["id"], expected,
            "the test object ranks it first too{out}"
        );
        assert!(
            test["error"]["code"].is_string(),
            "Salesforce's code is reported{out}"
        );
    }
}

#[test]
fn the_password_flow_also_warns_that_the_org_may_block_it() {
    let org = TestOrg::start();
    let sf = Sfconn::new();
    password_conn(
        &org,
        "p",
        "practice-password",
        "admin@practice.example",
        "wrong",
        "PRACTICETOKEN1",
    )
    .add(&sf);
    let out = doctor_json(&sf, "p");
    let json = assert_first_hint(&out, "password-auth-failed");
    assert_eq!(hint_ids(&json)[1], "password-flow-blocked", "{out}");
    assert_eq!(json["test"]["error"]["code"], "invalid_grant", "{out}");
    assert_eq!(
        json["test"]["error"]["description"], "authentication failure",
        "{out}"
    );
}

#[test]
fn an_exhausted_api_limit_is_reported_at_the_api_step() {
    let mut scenario = sfconn::emulator::Scenario::builtin();
    scenario.org.daily_api_remaining = 0;
    let org = TestOrg::start_with(scenario, Default::default());
    let sf = Sfconn::new();
    Conn::new("cc", "client-credentials", &org.url(), "practice-cc")
        .secret("SFCONN_CLIENT_SECRET", "practice-cc-secret")
        .add(&sf);
    let out = doctor_json(&sf, "cc");
    let json = assert_first_hint(&out, "api-limit-exceeded");
    assert_eq!(json["test"]["error"]["step"], "api", "{out}");
    assert_eq!(
        json["test"]["error"]["code"], "REQUEST_LIMIT_EXCEEDED",
        "{out}"
    );
}
