//! The connection test (PRODUCT.md section 5) and the login that ends like one.

use std::time::{Duration, Instant};

use super::login::{LoginEvent, LoginOptions};
use super::report::{Failure, StepError, StepName, StepReport, TestReport, TokenSource, UserInfo};
use super::token::{self, CachedToken};
use super::{Engine, TokenStart, device, http, probe, web};
use crate::profile::{Connection, Flow};

/// Collects timed steps and stops at the first failure.
struct Run<'a> {
    conn: &'a Connection,
    on_step: &'a (dyn Fn(&StepReport) + Send + Sync),
    steps: Vec<StepReport>,
    instance_url: Option<String>,
    token_source: Option<TokenSource>,
    user: Option<UserInfo>,
}

impl<'a> Run<'a> {
    fn new(conn: &'a Connection, on_step: &'a (dyn Fn(&StepReport) + Send + Sync)) -> Self {
        Run {
            conn,
            on_step,
            steps: Vec::new(),
            instance_url: None,
            token_source: None,
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
        result.map_err(|f| StepError::of_flow(step, f, self.conn.flow))
    }

    fn finish(self, error: Option<StepError>) -> TestReport {
        // Most likely cause first, from the hint catalog (assets/hints.toml).
        let mut hints = error
            .as_ref()
            .map(|e| crate::diagnose::hints_for(&e.failure, self.conn.flow))
            .unwrap_or_default();
        crate::diagnose::for_connection(&mut hints, &self.conn.name, None);
        TestReport {
            name: self.conn.name.clone(),
            ok: error.is_none(),
            flow: self.conn.flow,
            instance_url: self.instance_url,
            token_source: self.token_source,
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
    source: &mut TokenSource,
    call: F,
) -> Result<T, Failure>
where
    F: Fn(CachedToken) -> Fut,
    Fut: Future<Output = Result<T, Failure>>,
{
    match call(token.clone()).await {
        Err(f) if http::is_token_rejected(&f) && *source == TokenSource::Cached => {
            *token = engine.renew(conn, timeout).await?;
            *source = TokenSource::of_renewal(conn.flow);
            call(token.clone()).await
        }
        // A token just granted and already rejected: another process renewed the connection
        // meanwhile (with rotation, its refresh revokes the tokens of ours). Use its token.
        Err(f) if http::is_token_rejected(&f) => {
            match token::newer_cached(engine.secrets(), conn, token).await? {
                Some(newer) => {
                    *token = newer;
                    call(token.clone()).await
                }
                None => Err(f),
            }
        }
        other => other,
    }
}

/// When the token step's local half ([`Engine::start_token`]) runs.
pub(super) enum Start<F> {
    /// While `reach` waits on the network (one test: its time is hidden).
    DuringReach(F),
    /// Before the first request (a batch paces it; see `batch::test_all`).
    Before(F),
}

pub(super) async fn test(
    engine: &Engine,
    conn: &Connection,
    timeout: Duration,
    start: Start<impl Future<Output = TokenStart>>,
    on_step: &(dyn Fn(&StepReport) + Send + Sync),
) -> TestReport {
    let mut run = Run::new(conn, on_step);
    let (reached, start) = match start {
        Start::DuringReach(start) => {
            tokio::join!(
                run.step(StepName::Reach, probe::reach(conn, timeout)),
                start
            )
        }
        Start::Before(start) => {
            let start = start.await;
            (
                run.step(StepName::Reach, probe::reach(conn, timeout)).await,
                start,
            )
        }
    };
    if let Err(e) = reached {
        return run.finish(Some(e));
    }
    let (mut token, mut source) = match run
        .step(StepName::Token, engine.finish_token(conn, timeout, start))
        .await
    {
        Ok(t) => t,
        Err(e) => return run.finish(Some(e)),
    };
    run.instance_url = Some(token.instance_url.clone());
    run.token_source = Some(source);
    let userinfo = with_renewal(
        engine,
        conn,
        timeout,
        &mut token,
        &mut source,
        |t| async move { probe::userinfo(&t.instance_url, &t.access_token, timeout).await },
    );
    let userinfo = run.step(StepName::Userinfo, userinfo).await;
    run.token_source = Some(source);
    match userinfo {
        Ok(user) => run.user = Some(user),
        Err(e) => return run.finish(Some(e)),
    }
    run.instance_url = Some(token.instance_url.clone());
    let api = with_renewal(
        engine,
        conn,
        timeout,
        &mut token,
        &mut source,
        |t| async move { probe::limits(&t.instance_url, &t.access_token, timeout).await },
    );
    let result = run.step(StepName::Api, api).await;
    run.token_source = Some(source);
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
    run.token_source = Some(TokenSource::Granted);
    let userinfo = probe::userinfo(&token.instance_url, &token.access_token, opts.timeout);
    match run.step(StepName::Userinfo, userinfo).await {
        Ok(user) => run.user = Some(user),
        Err(e) => return run.finish(Some(e)),
    }
    // A login ends like a test, API included: a signed-in user whose org or profile has no API
    // access is not a working connection, and the list would otherwise show it as passed.
    let api = probe::limits(&token.instance_url, &token.access_token, opts.timeout);
    let result = run.step(StepName::Api, api).await;
    run.finish(result.err())
}
