use super::*;
use crate::salesforce::TransportKind;

fn oauth(error: &str, description: Option<&str>) -> Failure {
    Failure::OAuth {
        http_status: Some(400),
        error: error.into(),
        description: description.map(String::from),
    }
}

fn rest(status: u16, code: &str) -> Failure {
    Failure::Rest {
        http_status: status,
        error_code: code.into(),
        message: None,
    }
}

fn local(condition: &str) -> Failure {
    Failure::Local {
        condition: crate::salesforce::LocalCondition::parse(condition)
            .unwrap_or_else(|| panic!("{condition} is not a local condition")),
        detail: String::new(),
    }
}

fn transport(kind: TransportKind) -> Failure {
    Failure::Transport {
        transport: kind,
        host: "login.salesforce.com".into(),
        detail: String::new(),
    }
}

fn ids(failure: &Failure, flow: Flow) -> Vec<String> {
    hints_for(failure, flow).into_iter().map(|h| h.id).collect()
}

#[track_caller]
fn assert_first(failure: Failure, flow: Flow, expected: &str) {
    let got = ids(&failure, flow);
    assert_eq!(
        got.first().map(String::as_str),
        Some(expected),
        "{failure:?} with flow {flow}: got {got:?}"
    );
}

#[test]
fn token_endpoint_errors_rank_their_hint_first() {
    use Flow::*;
    let cases: &[(&str, &str, Flow, &str)] = &[
        (
            "invalid_grant",
            "authentication failure",
            Password,
            "password-auth-failed",
        ),
        (
            "invalid_client_id",
            "client identifier invalid",
            Web,
            "client-id-invalid",
        ),
        (
            "invalid_client_id",
            "client identifier invalid",
            Jwt,
            "client-id-invalid",
        ),
        (
            "invalid_client",
            "invalid client credentials",
            ClientCredentials,
            "client-secret-invalid",
        ),
        (
            "invalid_grant",
            "user hasn't approved this consumer",
            Jwt,
            "user-not-approved",
        ),
        (
            "invalid_app_access",
            "user is not admin approved to access this app",
            Jwt,
            "user-not-admin-approved",
        ),
        (
            "invalid_grant",
            "audience is invalid",
            Jwt,
            "jwt-audience-invalid",
        ),
        (
            "invalid_grant",
            "Audience validation failed",
            Jwt,
            "jwt-audience-invalid",
        ),
        (
            "invalid_grant",
            "invalid assertion",
            Jwt,
            "jwt-assertion-invalid",
        ),
        (
            "invalid_grant",
            "expired access/refresh token",
            Web,
            "refresh-token-expired",
        ),
        (
            "invalid_grant",
            "expired authorization code",
            Web,
            "auth-code-expired",
        ),
        ("invalid_grant", "ip restricted", Password, "ip-restricted"),
        (
            "invalid_grant",
            "inactive user",
            ClientCredentials,
            "user-inactive",
        ),
        (
            "unsupported_grant_type",
            "grant type not supported",
            Device,
            "grant-not-supported",
        ),
        (
            "invalid_grant",
            "request not supported on this domain",
            ClientCredentials,
            "my-domain-required",
        ),
        (
            "invalid_grant",
            "no client credentials user enabled",
            ClientCredentials,
            "run-as-user-missing",
        ),
        (
            "invalid_request",
            "missing required code challenge",
            Web,
            "pkce-required",
        ),
        (
            "redirect_uri_mismatch",
            "redirect_uri must match configuration",
            Web,
            "redirect-uri-mismatch",
        ),
        (
            "invalid_client",
            "app must be installed into org",
            Device,
            "app-not-installed",
        ),
        (
            "OAUTH_APPROVAL_ERROR_GENERIC",
            "An unexpected error has occured during authentication.",
            Web,
            "app-not-installed",
        ),
        (
            "access_denied",
            "end-user denied authorization",
            Web,
            "access-denied",
        ),
    ];
    for (error, description, flow, expected) in cases {
        assert_first(oauth(error, Some(description)), *flow, expected);
    }
}

#[test]
fn descriptions_match_without_regard_to_case_or_surrounding_space() {
    assert_first(
        oauth("invalid_grant", Some("  Authentication Failure ")),
        Flow::Password,
        "password-auth-failed",
    );
    assert_first(
        oauth(
            "invalid_grant",
            Some("invalid assertion: signature mismatch"),
        ),
        Flow::Jwt,
        "jwt-assertion-invalid",
    );
}

#[test]
fn an_installed_app_error_is_not_mistaken_for_a_wrong_secret() {
    let got = ids(
        &oauth("invalid_client", Some("app must be installed into org")),
        Flow::Web,
    );
    assert_eq!(got[0], "app-not-installed");
    let secret = got.iter().position(|id| id == "client-secret-invalid");
    assert!(secret.is_some_and(|i| i > 0), "{got:?}");
}

#[test]
fn an_unknown_invalid_grant_description_suggests_nothing_unrelated() {
    assert!(ids(&oauth("invalid_grant", Some("something new")), Flow::Jwt).is_empty());
    assert!(ids(&oauth("invalid_grant", None), Flow::Jwt).is_empty());
}

#[test]
fn the_password_flow_also_shows_that_the_org_may_block_it() {
    let got = ids(
        &oauth("invalid_grant", Some("authentication failure")),
        Flow::Password,
    );
    assert_eq!(got, ["password-auth-failed", "password-flow-blocked"]);
}

#[test]
fn jwt_rejections_bring_their_local_suspects_along() {
    let got = ids(
        &oauth("invalid_grant", Some("invalid assertion")),
        Flow::Jwt,
    );
    assert_eq!(got[0], "jwt-assertion-invalid");
    assert!(got.contains(&"clock-skew".to_string()), "{got:?}");
    assert!(got.contains(&"key-cert-mismatch".to_string()), "{got:?}");

    let got = ids(
        &oauth("invalid_grant", Some("user hasn't approved this consumer")),
        Flow::Jwt,
    );
    assert_eq!(got, ["user-not-approved", "jwt-audience-invalid"]);
}

#[test]
fn rest_and_userinfo_errors_rank_their_hint_first() {
    assert_first(rest(403, "Bad_OAuth_Token"), Flow::Jwt, "token-invalid");
    assert_first(rest(401, "INVALID_SESSION_ID"), Flow::Web, "token-invalid");
    assert_first(
        rest(403, "API_DISABLED_FOR_ORG"),
        Flow::Password,
        "api-disabled",
    );
    assert_first(
        rest(403, "API_CURRENTLY_DISABLED"),
        Flow::ClientCredentials,
        "api-disabled",
    );
    assert_first(
        rest(403, "REQUEST_LIMIT_EXCEEDED"),
        Flow::Device,
        "api-limit-exceeded",
    );
    // A 401 with a code the catalog does not know still points at the token.
    assert_first(rest(401, "SOMETHING_NEW"), Flow::Web, "token-invalid");
}

#[test]
fn transport_failures_rank_their_hint_first() {
    assert_first(transport(TransportKind::Dns), Flow::Jwt, "host-unreachable");
    assert_first(
        transport(TransportKind::Refused),
        Flow::Web,
        "host-unreachable",
    );
    assert_first(transport(TransportKind::Tls), Flow::Password, "tls-failure");
    assert_first(transport(TransportKind::Timeout), Flow::Device, "timeout");
    assert_eq!(
        ids(&transport(TransportKind::Timeout), Flow::Device),
        ["timeout"]
    );
}

#[test]
fn html_answers_point_at_the_host() {
    let failure = Failure::NotSalesforce {
        http_status: Some(200),
        detail: "text/html".into(),
    };
    assert_eq!(ids(&failure, Flow::ClientCredentials), ["not-salesforce"]);
}

#[test]
fn local_conditions_select_the_hint_of_the_same_name() {
    for id in [
        "callback-port-busy",
        "callback-state-mismatch",
        "browser-unavailable",
        "keychain-unavailable",
        "clock-skew",
        "key-cert-mismatch",
        "redirect-uri-mismatch",
    ] {
        let flow = if id == "key-cert-mismatch" || id == "clock-skew" {
            Flow::Jwt
        } else {
            Flow::Web
        };
        assert_first(local(id), flow, id);
    }
}

#[test]
fn every_condition_the_engine_raises_has_its_hint_first() {
    use crate::salesforce::LocalCondition;
    for condition in LocalCondition::ALL {
        let hint = catalog()
            .get(condition.hint_id())
            .unwrap_or_else(|| panic!("{condition}: no hint {}", condition.hint_id()));
        let flow = hint.flows[0];
        assert_first(
            Failure::Local {
                condition,
                detail: String::new(),
            },
            flow,
            condition.hint_id(),
        );
    }
}

#[test]
fn a_web_login_that_times_out_blames_the_callback_url_first() {
    let got = ids(&local("callback-timeout"), Flow::Web);
    assert_eq!(got, ["redirect-uri-mismatch", "browser-unavailable"]);
}

#[test]
fn a_connection_without_a_token_needs_a_login() {
    let failure = Failure::NeedsLogin {
        detail: "no refresh token".into(),
    };
    assert_eq!(ids(&failure, Flow::Web), ["login-required"]);
}

#[test]
fn hints_for_other_flows_never_rank_above_hints_for_this_flow() {
    // redirect_uri_mismatch only makes sense for web; `unsupported_grant_type` applies to all.
    for failure in [
        oauth("invalid_grant", Some("authentication failure")),
        oauth("invalid_client", Some("app must be installed into org")),
        rest(401, "INVALID_SESSION_ID"),
        local("callback-timeout"),
    ] {
        for flow in Flow::ALL {
            let ranked = ranked(catalog(), &failure, flow);
            let first_foreign = ranked.iter().position(|h| !h.applies_to(flow));
            let last_own = ranked.iter().rposition(|h| h.applies_to(flow));
            if let (Some(foreign), Some(own)) = (first_foreign, last_own) {
                assert!(
                    foreign > own,
                    "{failure:?} {flow}: {:?}",
                    ranked.iter().map(|h| &h.id).collect::<Vec<_>>()
                );
            }
        }
    }
}

#[test]
fn every_required_id_except_companions_is_reachable_from_some_failure() {
    // Shapes a test, a login or a preflight check can report; each must surface some hint first.
    let shapes = [
        transport(TransportKind::Dns),
        transport(TransportKind::Tls),
        transport(TransportKind::Timeout),
        Failure::NotSalesforce {
            http_status: Some(200),
            detail: String::new(),
        },
        oauth("invalid_grant", Some("authentication failure")),
        oauth("invalid_client_id", Some("client identifier invalid")),
        oauth("invalid_client", Some("invalid client credentials")),
        oauth("invalid_grant", Some("user hasn't approved this consumer")),
        oauth(
            "invalid_app_access",
            Some("user is not admin approved to access this app"),
        ),
        oauth("invalid_grant", Some("audience is invalid")),
        oauth("invalid_grant", Some("invalid assertion")),
        oauth("invalid_grant", Some("expired access/refresh token")),
        oauth("invalid_grant", Some("expired authorization code")),
        oauth("invalid_grant", Some("ip restricted")),
        oauth("invalid_grant", Some("inactive user")),
        oauth("unsupported_grant_type", Some("grant type not supported")),
        oauth(
            "invalid_grant",
            Some("request not supported on this domain"),
        ),
        oauth("invalid_grant", Some("no client credentials user enabled")),
        oauth("invalid_request", Some("missing required code challenge")),
        oauth("redirect_uri_mismatch", None),
        oauth("OAUTH_APPROVAL_ERROR_GENERIC", None),
        oauth("access_denied", None),
        rest(403, "Bad_OAuth_Token"),
        rest(403, "API_DISABLED_FOR_ORG"),
        rest(403, "REQUEST_LIMIT_EXCEEDED"),
        local("callback-port-busy"),
        local("callback-state-mismatch"),
        local("browser-unavailable"),
        local("keychain-unavailable"),
        local("clock-skew"),
        local("key-cert-mismatch"),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for failure in &shapes {
        for flow in Flow::ALL {
            seen.extend(ids(failure, flow));
        }
    }
    for id in super::super::catalog::REQUIRED_IDS {
        assert!(seen.contains(id), "no failure shape surfaces {id}");
    }
}

#[test]
fn engine_conditions_have_hints() {
    assert_eq!(
        ids(&local("redirect-uri-mismatch"), Flow::Web),
        ["redirect-uri-mismatch", "browser-unavailable"]
    );
    assert_eq!(
        ids(&local("device-approval-timeout"), Flow::Device),
        ["device-approval-timeout", "app-not-installed"]
    );
    assert_first(
        local("private-key-invalid"),
        Flow::Jwt,
        "private-key-invalid",
    );
    assert_first(local("missing-setting"), Flow::Password, "missing-setting");
    assert_first(
        local("missing-secret"),
        Flow::ClientCredentials,
        "missing-secret",
    );
    assert_first(local("secret-store"), Flow::Jwt, "secret-store-error");
    assert_first(
        local("keychain-unavailable"),
        Flow::Jwt,
        "keychain-unavailable",
    );
}

#[test]
fn a_bare_status_does_not_add_hints_to_an_oauth_error() {
    let failure = Failure::OAuth {
        http_status: Some(401),
        error: "invalid_client".into(),
        description: Some("invalid client credentials".into()),
    };
    assert_eq!(
        ids(&failure, Flow::ClientCredentials),
        ["client-secret-invalid"]
    );
}
