//! Putting a doctor run together: preflight checks, the test, the JWT audience retry, and one
//! ranked list of hints (`doctor --json`).

use serde::Serialize;

use crate::profile::{Connection, Flow};
use crate::salesforce::{Failure, HintRef, TestReport};

use super::keys;
use super::preflight::{CheckResult, CheckStatus, PreflightContext};

/// The `doctor --json` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoctorReport {
    pub name: String,
    pub ok: bool,
    pub checks: Vec<CheckResult>,
    pub test: TestReport,
    pub hints: Vec<HintRef>,
}

impl DoctorReport {
    /// Rank hints: first those of failed checks (evidence found on this machine), then the
    /// test's (Salesforce's own answer), then those of warnings; each id once.
    pub fn new(name: &str, checks: Vec<CheckResult>, test: TestReport) -> DoctorReport {
        let mut hints: Vec<HintRef> = Vec::new();
        let mut add = |list: &[HintRef]| {
            for hint in list {
                if !hints.iter().any(|h| h.id == hint.id) {
                    hints.push(hint.clone());
                }
            }
        };
        for check in checks.iter().filter(|c| c.status == CheckStatus::Fail) {
            add(&check.hints);
        }
        add(&test.hints);
        for check in checks.iter().filter(|c| c.status == CheckStatus::Warn) {
            add(&check.hints);
        }
        let ok = test.ok && !checks.iter().any(|c| c.status == CheckStatus::Fail);
        let (mut checks, mut test) = (checks, test);
        // Every fix names this connection, and none says "run sfconn doctor" to someone who is.
        for list in checks
            .iter_mut()
            .map(|c| &mut c.hints)
            .chain([&mut test.hints, &mut hints])
        {
            super::for_connection(list, name, Some("doctor"));
        }
        DoctorReport {
            name: name.to_string(),
            ok,
            checks,
            test,
            hints,
        }
    }

    pub fn failed_checks(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.status == CheckStatus::Fail)
            .count()
    }
}

/// True when the test failed because Salesforce rejected the JWT audience.
pub fn audience_rejected(test: &TestReport) -> bool {
    test.hints
        .first()
        .is_some_and(|h| h.id == "jwt-audience-invalid")
        || matches!(
            test.error.as_ref().map(|e| &e.failure),
            Some(Failure::OAuth { description: Some(d), .. })
                if d.eq_ignore_ascii_case("audience is invalid")
                    || d.eq_ignore_ascii_case("audience validation failed")
        )
}

/// For `jwt-audience-invalid`: sign assertions for login, test and the My Domain and report
/// which audience Salesforce accepts, as a check.
pub async fn audience_check(conn: &Connection, ctx: &PreflightContext) -> CheckResult {
    let started = std::time::Instant::now();
    let stored_key = match (&conn.key_file, &ctx.secrets) {
        (None, Ok(store)) => {
            let (store, name) = (store.clone(), conn.name.clone());
            tokio::task::spawn_blocking(move || {
                store
                    .get(&name, crate::secrets::SecretKind::PrivateKey)
                    .ok()
                    .flatten()
            })
            .await
            .ok()
            .flatten()
        }
        _ => None,
    };
    let result = match super::preflight::load_private_key(conn, stored_key, &ctx.base_dir) {
        Err(detail) => CheckResult::new("jwt-audience", CheckStatus::Fail, detail),
        Ok((key, _, _)) => match keys::probe_audiences(conn, &key, ctx.timeout).await {
            Err(detail) => CheckResult::new("jwt-audience", CheckStatus::Fail, detail),
            Ok(probes) => audience_verdict(conn, &probes),
        },
    };
    let mut result = result.with_hints(super::hints_for(
        &Failure::OAuth {
            http_status: Some(400),
            error: "invalid_grant".into(),
            description: Some("audience is invalid".into()),
        },
        Flow::Jwt,
    ));
    result.ms = started.elapsed().as_millis() as u64;
    result
}

fn audience_verdict(conn: &Connection, probes: &[keys::AudienceProbe]) -> CheckResult {
    let tried: Vec<String> = probes
        .iter()
        .map(|p| format!("{} → {}", p.audience, p.answer))
        .collect();
    let configured = conn.audience().trim_end_matches('/');
    match probes.iter().find(|p| p.accepted) {
        Some(good) if good.audience == configured => CheckResult::new(
            "jwt-audience",
            CheckStatus::Pass,
            format!(
                "Salesforce now accepts the configured audience {configured}; tried: {}",
                tried.join("; ")
            ),
        ),
        Some(good) => CheckResult::new(
            "jwt-audience",
            CheckStatus::Fail,
            format!(
                "Salesforce accepts audience {} (configured: {configured}); fix with `sfconn edit {} --audience {}`. Tried: {}",
                good.audience,
                conn.name,
                good.audience,
                tried.join("; ")
            ),
        ),
        None => CheckResult::new(
            "jwt-audience",
            CheckStatus::Fail,
            format!(
                "Salesforce accepted none of the audiences; tried: {}",
                tried.join("; ")
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::salesforce::{StepError, StepName};

    fn hint(id: &str) -> HintRef {
        super::super::catalog().get(id).unwrap().to_ref()
    }

    fn failed_test(hints: Vec<HintRef>) -> TestReport {
        TestReport {
            name: "c".into(),
            token_source: None,
            ok: false,
            flow: Flow::Jwt,
            instance_url: None,
            user: None,
            steps: vec![],
            error: Some(StepError::new(
                StepName::Token,
                Failure::OAuth {
                    http_status: Some(400),
                    error: "invalid_grant".into(),
                    description: Some("invalid assertion".into()),
                },
            )),
            hints,
        }
    }

    #[test]
    fn evidence_from_failed_checks_ranks_before_the_tests_guesses() {
        let mut kc = CheckResult::new("key-cert", CheckStatus::Fail, "mismatch");
        kc.hints = vec![hint("key-cert-mismatch")];
        let mut clock = CheckResult::new("clock", CheckStatus::Warn, "skew");
        clock.hints = vec![hint("clock-skew")];
        let test = failed_test(vec![
            hint("jwt-assertion-invalid"),
            hint("clock-skew"),
            hint("key-cert-mismatch"),
        ]);
        let report = DoctorReport::new("c", vec![clock, kc], test);
        let ids: Vec<&str> = report.hints.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(
            ids,
            ["key-cert-mismatch", "jwt-assertion-invalid", "clock-skew"]
        );
        assert!(!report.ok);
    }

    #[test]
    fn the_json_shape_has_exactly_the_documented_keys() {
        let report = DoctorReport::new(
            "c",
            vec![CheckResult::new("clock", CheckStatus::Pass, "fine")],
            failed_test(vec![]),
        );
        let json = serde_json::to_value(&report).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["checks", "hints", "name", "ok", "test"]);
        let check = json["checks"][0].as_object().unwrap();
        let keys: Vec<&str> = check.keys().map(String::as_str).collect();
        assert_eq!(keys, ["check", "detail", "hints", "status"]);
        assert_eq!(json["checks"][0]["status"], "pass");
    }

    #[test]
    fn the_audience_verdict_names_the_accepted_audience() {
        let mut conn = Connection::new("prod", Flow::Jwt);
        conn.domain = Some("https://acme.my.salesforce.com".into());
        let probes = vec![
            keys::AudienceProbe {
                audience: "https://login.salesforce.com".into(),
                accepted: false,
                answer: "HTTP 400: invalid_grant: audience is invalid".into(),
            },
            keys::AudienceProbe {
                audience: "https://test.salesforce.com".into(),
                accepted: true,
                answer: "HTTP 200: token granted".into(),
            },
        ];
        let check = audience_verdict(&conn, &probes);
        assert_eq!(check.status, CheckStatus::Fail);
        assert!(
            check
                .detail
                .contains("accepts audience https://test.salesforce.com"),
            "{}",
            check.detail
        );
        assert!(
            check
                .detail
                .contains("--audience https://test.salesforce.com")
        );
    }
}
