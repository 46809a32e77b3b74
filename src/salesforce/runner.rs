//! The connection test (PRODUCT.md section 5) and the login that ends like one.

use std::time::{Duration, Instant};

use super::login::{LoginEvent, LoginOptions};
use super::report::{Failure, StepError, StepName, StepReport, TestReport, UserInfo};
use super::token::{self, CachedToken};
use super::{Engine, device, http, probe, web};
use crate::profile::{Connection, Flow};
use crate::state::LastTest;

/// Collects timed steps and stops at the first failure.
struct Run<'a> {
    conn: &'a Connection,
    on_step: &'a (dyn Fn(&StepReport) + Send + Sync),
    steps: Vec<StepReport>,
    instance_url: Option<String>,
    user: Option<UserInfo>,
}

impl<'a> Run<'a> {
    fn new(conn: &'a Connection, on_step: &'a (dyn Fn(&StepReport) + Send + Sync)) -> Self {
        Run {
            conn,
            on_step,
            steps: Vec::new(),
            instance_url: None,
            user: None,
        }
    }

    fn record(&mut self, step: StepName, started: Instant, ok: bool) {
        let report = StepReport {
            step,
            ok,
            ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        };
        (self.on_step)(&report);
        self.steps.push(report);
    }

    /// Time one step; on failure the run ends with that failure.
    async fn step<T>(
        &mut self,
        step: StepName,
        work: impl Future<Output = Result<T, Failure>>,
    ) -> Result<T, StepError> {
        let started = Instant::now();
        let result = work.await;
        self.record(step, started, result.is_ok());
        result.map_err(|f| StepError::new(step, f))
    }

    fn finish(self, error: Option<StepError>) -> TestReport {
        // Most likely cause first, from the hint catalog (assets/hints.toml).
        let hints = error
            .as_ref()
            .map(|e| crate::diagnose::hints_for(&e.failure, self.conn.flow))
            .unwrap_or_default();
        TestReport {
            name: self.conn.name.clone(),
            ok: error.is_none(),
            flow: self.conn.flow,
            instance_url: self.instance_url,
            user: self.user,
            steps: self.steps,
            error,
            hints,
        }
    }
}

/// Call Salesforce with the token; when it rejects a token that came from the cache, renew it
/// once (refresh or re-assert) and try again. A second rejection is final (`token-invalid`).
async fn with_renewal<T, F, Fut>(
    engine: &Engine,
    conn: &Connection,
    timeout: Duration,
    token: &mut CachedToken,
    renewable: &mut bool,
    call: F,
) -> Result<T, Failure>
where
    F: Fn(CachedToken) -> Fut,
    Fut: Future<Output = Result<T, Failure>>,
{
    match call(token.clone()).await {
        Err(f) if http::is_token_rejected(&f) && *renewable => {
            *renewable = false;
            *token = engine.renew(conn, timeout).await?;
            call(token.clone()).await
        }
        other => other,
    }
}

pub(super) async fn test(
    engine: &Engine,
    conn: &Connection,
    timeout: Duration,
    on_step: &(dyn Fn(&StepReport) + Send + Sync),
) -> TestReport {
    let mut run = Run::new(conn, on_step);
    if let Err(e) = run.step(StepName::Reach, probe::reach(conn, timeout)).await {
        return run.finish(Some(e));
    }
    let (mut token, fresh) = match run
        .step(StepName::Token, engine.current_token(conn, timeout))
        .await
    {
        Ok(t) => t,
        Err(e) => return run.finish(Some(e)),
    };
    run.instance_url = Some(token.instance_url.clone());
    let mut renewable = !fresh;
    let userinfo = with_renewal(
        engine,
        conn,
        timeout,
        &mut token,
        &mut renewable,
        |t| async move { probe::userinfo(&t.instance_url, &t.access_token, timeout).await },
    );
    match run.step(StepName::Userinfo, userinfo).await {
        Ok(user) => run.user = Some(user),
        Err(e) => return run.finish(Some(e)),
    }
    run.instance_url = Some(token.instance_url.clone());
    let api = with_renewal(
        engine,
        conn,
        timeout,
        &mut token,
        &mut renewable,
        |t| async move { probe::limits(&t.instance_url, &t.access_token, timeout).await },
    );
    let result = run.step(StepName::Api, api).await;
    run.instance_url = Some(token.instance_url.clone());
    run.finish(result.err())
}

pub(super) async fn login(
    engine: &Engine,
    conn: &Connection,
    opts: &LoginOptions,
    on_event: &(dyn Fn(LoginEvent) + Send + Sync),
) -> TestReport {
    let no_steps = |_: &StepReport| {};
    let mut run = Run::new(conn, &no_steps);
    let flow = async {
        let token = match conn.flow {
            Flow::Web => web::login(engine.secrets(), conn, opts, on_event).await?,
            Flow::Device => device::login(conn, opts.timeout, on_event).await?,
            Flow::Jwt | Flow::ClientCredentials | Flow::Password => {
                engine.grant(conn, opts.timeout).await?
            }
        };
        token::store_grant(engine.secrets(), &conn.name, &token).await
    };
    let token = match run.step(StepName::Token, flow).await {
        Ok(t) => t,
        Err(e) => return run.finish(Some(e)),
    };
    run.instance_url = Some(token.instance_url.clone());
    let userinfo = probe::userinfo(&token.instance_url, &token.access_token, opts.timeout);
    let result = run.step(StepName::Userinfo, userinfo).await;
    match result {
        Ok(user) => {
            run.user = Some(user);
            run.finish(None)
        }
        Err(e) => run.finish(Some(e)),
    }
}

/// What the state file keeps of a test.
pub fn last_test(report: &TestReport) -> LastTest {
    let at = crate::state::now_rfc3339();
    LastTest {
        at,
        ok: report.ok,
        error_code: report.error.as_ref().and_then(|e| e.code.clone()),
        failed_step: report.error.as_ref().map(|e| e.step.as_str().to_string()),
        hint_title: report.hints.first().map(|h| h.title.clone()),
        steps: report.steps.clone(),
    }
}
