//! Preflight checks for `sfconn doctor`: what can be found out before talking OAuth.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::profile::{Connection, Flow};
use crate::salesforce::{Failure, HintRef, LocalCondition, TransportKind};
use crate::secrets::{SecretError, SecretKind, SecretStore};

use super::local_checks::{
    cached_instance_url, callback_port_check, key_checks, profile_check, store_error_hints,
};
use super::{hints_for, net};

pub(crate) use super::local_checks::load_private_key;

/// More than this between our clock and Salesforce's `Date` header breaks JWT timing.
pub const MAX_CLOCK_SKEW_SECS: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Pass,
    Warn,
    Fail,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Pass => "pass",
            CheckStatus::Warn => "warn",
            CheckStatus::Fail => "fail",
        }
    }
}

/// One preflight check (`doctor --json` `checks[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub check: String,
    pub status: CheckStatus,
    pub detail: String,
    pub hints: Vec<HintRef>,
    /// How long the check took (for the report; not part of the JSON shape).
    #[serde(skip)]
    pub ms: u64,
}

impl CheckResult {
    pub(crate) fn new(check: &str, status: CheckStatus, detail: impl Into<String>) -> Self {
        CheckResult {
            check: check.to_string(),
            status,
            detail: detail.into(),
            hints: Vec::new(),
            ms: 0,
        }
    }

    pub(crate) fn with_hints(mut self, hints: Vec<HintRef>) -> Self {
        self.hints = hints;
        self
    }

    fn with_ms(mut self, ms: u64) -> Self {
        self.ms = ms;
        self
    }

    pub(crate) fn timed(mut self, started: Instant) -> Self {
        self.ms = started.elapsed().as_millis() as u64;
        self
    }
}

/// What the checks need besides the connection.
pub struct PreflightContext {
    /// The secret store, or why it could not be opened.
    pub secrets: Result<SecretStore, SecretError>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Relative `key_file`/`cert_file` paths are taken from this directory (the profile file's).
    pub base_dir: PathBuf,
}

pub(crate) fn local_hints(condition: LocalCondition, flow: Flow) -> Vec<HintRef> {
    hints_for(
        &Failure::Local {
            condition,
            detail: String::new(),
        },
        flow,
    )
}

fn transport_hints(kind: TransportKind, host: &str, flow: Flow) -> Vec<HintRef> {
    hints_for(
        &Failure::Transport {
            transport: kind,
            host: host.into(),
            detail: String::new(),
        },
        flow,
    )
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    tokio::task::spawn_blocking(f).await.ok()
}

/// Run every check that applies to the connection's flow, in a stable order.
pub async fn preflight(conn: &Connection, ctx: &PreflightContext) -> Vec<CheckResult> {
    let mut out = Vec::new();
    let flow = conn.flow;

    // The keychain first: the profile check and the instance host need what it holds.
    let started = Instant::now();
    let mut stored: Vec<SecretKind> = Vec::new();
    let mut instance_url: Option<String> = None;
    let mut stored_key: Option<String> = None;
    match &ctx.secrets {
        Err(err) => out.push(
            CheckResult::new("keychain", CheckStatus::Fail, err.to_string())
                .with_hints(store_error_hints(err, flow))
                .timed(started),
        ),
        Ok(store) => {
            let (store, name) = (store.clone(), conn.name.clone());
            let read = blocking(move || -> Result<_, SecretError> {
                let kinds = store.stored_kinds(&name)?;
                let cache = if kinds.contains(&SecretKind::AccessToken) {
                    store.get(&name, SecretKind::AccessToken)?
                } else {
                    None
                };
                let key = if kinds.contains(&SecretKind::PrivateKey) {
                    store.get(&name, SecretKind::PrivateKey)?
                } else {
                    None
                };
                Ok((kinds, cache, key))
            })
            .await;
            match read {
                Some(Ok((kinds, cache, key))) => {
                    let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
                    let detail = if names.is_empty() {
                        "reachable; no secrets stored for this connection".to_string()
                    } else {
                        format!("reachable; stored: {}", names.join(", "))
                    };
                    out.push(
                        CheckResult::new("keychain", CheckStatus::Pass, detail).timed(started),
                    );
                    stored = kinds;
                    instance_url = cache.as_deref().and_then(cached_instance_url);
                    stored_key = key;
                }
                Some(Err(err)) => out.push(
                    CheckResult::new("keychain", CheckStatus::Fail, err.to_string())
                        .with_hints(store_error_hints(&err, flow))
                        .timed(started),
                ),
                None => out.push(CheckResult::new(
                    "keychain",
                    CheckStatus::Fail,
                    "the keychain call did not finish",
                )),
            }
        }
    }

    out.push(profile_check(conn, &stored, ctx.secrets.is_ok()));

    match net::Target::parse(conn.login_host()) {
        Ok(target) => {
            let reached = host_checks("login", &target, flow, ctx.timeout, &mut out).await;
            if let Some(answer) = reached {
                out.push(salesforce_check(&target, &answer, flow));
                out.push(clock_check(&answer, flow));
            }
        }
        Err(err) => out.push(CheckResult::new("login-host", CheckStatus::Fail, err)),
    }

    // A cached instance URL that a token answer could not name today (issue 14) is not probed.
    let instance_url = match instance_url.map(|i| {
        let trusted = crate::salesforce::hosts::check_token_url(conn, &i, "instance_url");
        (i, trusted)
    }) {
        Some((_, Err(failure))) => {
            let (_, _, detail) = failure.clone().printable().parts();
            out.push(
                CheckResult::new(
                    "instance-host",
                    CheckStatus::Fail,
                    format!(
                        "the cached token names an instance sfconn will not use, so it was not contacted: {}",
                        detail.unwrap_or_default()
                    ),
                )
                .with_hints(hints_for(&failure, flow)),
            );
            None
        }
        Some((i, Ok(()))) => Some(i),
        None => None,
    };
    if let Some(instance) = instance_url {
        let same = net::Target::parse(conn.login_host()).ok().map(|t| t.host);
        match net::Target::parse(&instance) {
            Ok(target) if Some(&target.host) != same.as_ref() => {
                host_checks("instance", &target, flow, ctx.timeout, &mut out).await;
            }
            Ok(_) => {}
            Err(err) => out.push(CheckResult::new(
                "instance-host",
                CheckStatus::Warn,
                format!(
                    "the cached instance URL is unusable ({err}); a new login or test replaces it"
                ),
            )),
        }
    }

    if flow == Flow::Jwt {
        key_checks(conn, stored_key, &ctx.base_dir, &mut out);
    }
    if flow == Flow::Web {
        out.push(callback_port_check(conn.callback_port()));
    }
    if flow == Flow::Password {
        // Research §6: blocked by default in orgs created since Summer '23, and being retired.
        out.push(
            CheckResult::new(
                "flow",
                CheckStatus::Warn,
                "the username-password flow is legacy: new orgs block it by default and Salesforce is retiring it; plan a move to client credentials or JWT",
            )
            .with_hints(super::catalog().refs(["password-flow-blocked"])),
        );
    }
    out
}

/// DNS, TCP and TLS for one host; returns the `/services/data/` answer when the host answered.
async fn host_checks(
    role: &str,
    target: &net::Target,
    flow: Flow,
    timeout: Duration,
    out: &mut Vec<CheckResult>,
) -> Option<net::DataAnswer> {
    let name = |what: &str| format!("{role}-{what}");
    let started = Instant::now();
    let addrs = match net::resolve(target, timeout).await {
        Ok(addrs) => {
            let shown: Vec<String> = addrs.iter().take(3).map(|a| a.ip().to_string()).collect();
            out.push(
                CheckResult::new(
                    &name("dns"),
                    CheckStatus::Pass,
                    format!("{} resolves to {}", target.host, shown.join(", ")),
                )
                .timed(started),
            );
            addrs
        }
        Err((kind, detail)) => {
            out.push(
                CheckResult::new(&name("dns"), CheckStatus::Fail, detail)
                    .with_hints(transport_hints(kind, &target.host, flow))
                    .timed(started),
            );
            return None;
        }
    };

    let started = Instant::now();
    match net::connect(&addrs, timeout).await {
        Ok(addr) => out.push(
            CheckResult::new(
                &name("tcp"),
                CheckStatus::Pass,
                format!("{addr} accepts connections"),
            )
            .timed(started),
        ),
        Err((kind, detail)) => {
            out.push(
                CheckResult::new(&name("tcp"), CheckStatus::Fail, detail)
                    .with_hints(transport_hints(kind, &target.host, flow))
                    .timed(started),
            );
            return None;
        }
    }

    let client = match net::client(timeout) {
        Ok(client) => client,
        Err(detail) => {
            out.push(CheckResult::new(&name("tls"), CheckStatus::Fail, detail));
            return None;
        }
    };
    let started = Instant::now();
    let answer = net::get_data_versions(&client, target).await;
    let tls =
        match (&answer, target.https) {
            (Err((kind, detail)), _) => {
                let check = if *kind == TransportKind::Tls {
                    name("tls")
                } else {
                    name("http")
                };
                CheckResult::new(&check, CheckStatus::Fail, detail.clone())
                    .with_hints(transport_hints(*kind, &target.host, flow))
            }
            (Ok(_), true) => CheckResult::new(
                &name("tls"),
                CheckStatus::Pass,
                format!(
                    "TLS handshake with {} succeeded and its certificate is trusted",
                    target.host
                ),
            ),
            (Ok(_), false) => CheckResult::new(
                &name("tls"),
                CheckStatus::Pass,
                format!(
                    "skipped: {} uses http:// on loopback, which has no TLS",
                    target.host
                ),
            ),
        };
    out.push(tls.timed(started));
    answer.ok()
}

fn salesforce_check(target: &net::Target, answer: &net::DataAnswer, flow: Flow) -> CheckResult {
    match net::latest_version(answer) {
        Some(version) => CheckResult::new(
            "login-salesforce",
            CheckStatus::Pass,
            format!("{} answers like Salesforce (API versions up to v{version})", target.host),
        ),
        None => {
            let kind = answer.content_type.as_deref().unwrap_or("no content type");
            let detail = match answer.location.as_deref().filter(|_| (300..400).contains(&answer.status)) {
                Some(to) => format!(
                    "GET {}/services/data/ answered HTTP {} redirecting to {}; sfconn follows no redirects (a redirected POST loses its form body): set the domain to the https:// host Salesforce serves the org on",
                    target.base,
                    answer.status,
                    crate::diagnose::redact::printable(to).chars().take(200).collect::<String>()
                ),
                None => format!(
                    "GET {}/services/data/ answered HTTP {} ({kind}) instead of Salesforce's JSON list of API versions",
                    target.base, answer.status
                ),
            };
            let failure = Failure::NotSalesforce {
                http_status: Some(answer.status),
                detail: detail.clone(),
            };
            CheckResult::new("login-salesforce", CheckStatus::Fail, detail).with_hints(hints_for(&failure, flow))
        }
    }
    .with_ms(answer.ms)
}

fn clock_check(answer: &net::DataAnswer, flow: Flow) -> CheckResult {
    let Some(skew) = net::clock_skew_secs(answer) else {
        return CheckResult::new(
            "clock",
            CheckStatus::Warn,
            "the server sent no usable Date header, so the clock could not be compared",
        );
    };
    if skew.abs() <= MAX_CLOCK_SKEW_SECS {
        return CheckResult::new(
            "clock",
            CheckStatus::Pass,
            format!("within {} s of the server's clock", skew.abs()),
        );
    }
    let direction = if skew > 0 { "behind" } else { "ahead of" };
    let status = if flow == Flow::Jwt {
        CheckStatus::Fail
    } else {
        CheckStatus::Warn
    };
    CheckResult::new(
        "clock",
        status,
        format!(
            "this machine's clock is {} s {direction} the server's (more than {MAX_CLOCK_SKEW_SECS} s)",
            skew.abs()
        ),
    )
    .with_hints(local_hints(LocalCondition::ClockSkew, flow))
}

#[cfg(test)]
#[path = "preflight_tests.rs"]
mod tests;
