//! The engine: hosts, one file per flow, the token cache, userinfo, the API probe, revoke and the
//! connection test (PRODUCT.md sections 2 and 5). No terminal code here.

mod batch;
mod callback;
mod client_credentials;
mod device;
#[cfg(test)]
mod engine_tests;
mod grant;
pub mod hosts;
mod http;
pub mod inspect;
mod jwt;
pub mod login;
pub mod metadata;
mod password;
mod probe;
mod refresh;
pub mod report;
pub mod revoke;
mod runner;
mod token;
mod web;

use std::time::Duration;

pub use hosts::{API_VERSION, frontdoor_url, redirect_uri};
pub use http::{client_builder, error_chain, prepare_client, transport_kind};
pub use inspect::{Introspection, TokenState};
pub use login::{LoginEvent, LoginOptions};
pub use report::{
    Failure, HintRef, LocalCondition, StepError, StepName, StepReport, TestReport, TokenSource,
    TransportKind, UserInfo, needs_login,
};
pub use revoke::{RevokeOutcome, Revoked};
pub use token::CachedToken;

use crate::profile::{Connection, Flow};
use crate::secrets::SecretStore;
use token::TokenResponse;

/// Whether a test may use the cached access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPolicy {
    /// Use the cached token while Salesforce accepts it (fast; proves the token).
    UseCache,
    /// Ignore the cache: a new grant, or the refresh token for web and device (proves the
    /// credentials; `test --fresh` and `doctor`).
    Fresh,
}

/// What the token step starts from (see [`Engine::start_token`]).
enum TokenStart {
    Cached(CachedToken),
    /// A jwt assertion, signed at `signed`.
    Assertion {
        assertion: String,
        signed: std::time::Instant,
    },
    /// Nothing to prepare: refresh or grant when the step runs.
    Grant,
    /// Reading the cache or the key failed: the token step reports it.
    Failed(Failure),
}

/// How long a prepared assertion is sent as it is (it expires 3 minutes after signing).
const ASSERTION_FRESH: Duration = Duration::from_secs(60);

/// The Salesforce side of sfconn: runs flows, keeps the token cache, tests connections.
/// Cheap to clone (the HTTP client and its connection pool are shared by the process).
#[derive(Clone)]
pub struct Engine {
    secrets: SecretStore,
}

impl Engine {
    pub fn new(secrets: SecretStore) -> Engine {
        Engine { secrets }
    }

    pub fn secrets(&self) -> &SecretStore {
        &self.secrets
    }

    /// A new token from the flow's non-interactive grant: a new assertion / credentials grant
    /// (jwt, client-credentials, password). Web and device refresh in [`Engine::renew`].
    async fn grant(&self, conn: &Connection, timeout: Duration) -> Result<TokenResponse, Failure> {
        match conn.flow {
            Flow::Web | Flow::Device => Err(Failure::NeedsLogin {
                detail: format!(
                    "connection {} signs in interactively; run `sfconn login {}`",
                    conn.name, conn.name
                ),
            }),
            Flow::Jwt => jwt::grant(&self.secrets, conn, timeout).await,
            Flow::ClientCredentials => {
                client_credentials::grant(&self.secrets, conn, timeout).await
            }
            Flow::Password => password::grant(&self.secrets, conn, timeout).await,
        }
    }

    /// Grant and store: the cache gets the access token, a rotated refresh token replaces the old.
    async fn renew(&self, conn: &Connection, timeout: Duration) -> Result<CachedToken, Failure> {
        if matches!(conn.flow, Flow::Web | Flow::Device) {
            return token::refresh_and_store(&self.secrets, conn, timeout).await;
        }
        let token = self.grant(conn, timeout).await?;
        token::store_grant(&self.secrets, &conn.name, &token).await
    }

    /// The cached token (unless `policy` asks for a fresh one), or a new one, and where it came
    /// from.
    async fn current_token(
        &self,
        conn: &Connection,
        timeout: Duration,
        policy: TokenPolicy,
    ) -> Result<(CachedToken, TokenSource), Failure> {
        let start = self.start_token(conn, policy).await;
        self.finish_token(conn, timeout, start).await
    }

    /// The local half of getting a token, which sends nothing to Salesforce: the cached token
    /// (a request to Vault with that store), the token cache's key, and for jwt a signed
    /// assertion. The connection test runs it while `reach` waits for the login host, so
    /// signing (most of a cold test's CPU) is off the test's critical path; `test --all`'s
    /// first wave runs it just before reach instead (see `batch::test_all`). Nothing is sent
    /// to the token endpoint until reach has passed.
    async fn start_token(&self, conn: &Connection, policy: TokenPolicy) -> TokenStart {
        if policy == TokenPolicy::UseCache {
            match token::cached_for(&self.secrets, conn).await {
                Ok(Some(cached)) => return TokenStart::Cached(cached),
                Ok(None) => {}
                Err(failure) => return TokenStart::Failed(failure),
            }
        }
        // A grant follows, and its token is cached: have the cache's key ready by then (its
        // first use in a run made the tests of a whole wave wait). A failure shows when the
        // token is stored. Once the key is held, no hand-off to a blocking thread per test.
        if !self.secrets.token_cache_prepared() {
            let store = self.secrets.clone();
            let _ = tokio::task::spawn_blocking(move || store.prepare_token_cache()).await;
        }
        if conn.flow == Flow::Jwt {
            return match jwt::signed_assertion(&self.secrets, conn).await {
                Ok(assertion) => TokenStart::Assertion {
                    assertion,
                    signed: std::time::Instant::now(),
                },
                Err(failure) => TokenStart::Failed(failure),
            };
        }
        TokenStart::Grant
    }

    /// The token from what [`Engine::start_token`] prepared.
    async fn finish_token(
        &self,
        conn: &Connection,
        timeout: Duration,
        start: TokenStart,
    ) -> Result<(CachedToken, TokenSource), Failure> {
        let token = match start {
            TokenStart::Cached(cached) => return Ok((cached, TokenSource::Cached)),
            TokenStart::Failed(failure) => return Err(failure),
            // An assertion lives 3 minutes; one that waited out a long reach is signed again.
            TokenStart::Assertion { assertion, signed } if signed.elapsed() < ASSERTION_FRESH => {
                let granted = jwt::grant_with(conn, &assertion, timeout).await?;
                token::store_grant(&self.secrets, &conn.name, &granted).await?
            }
            TokenStart::Assertion { .. } | TokenStart::Grant => self.renew(conn, timeout).await?,
        };
        Ok((token, TokenSource::of_renewal(conn.flow)))
    }

    /// A valid access token (cached, refreshed or re-asserted once) and where it came from. A
    /// cached token is checked with userinfo first, so what this returns works.
    pub async fn access_token(
        &self,
        conn: &Connection,
        timeout: Duration,
    ) -> Result<(CachedToken, TokenSource), StepError> {
        let token_error = |f| StepError::of_flow(StepName::Token, f, conn.flow);
        let (token, source) = self
            .current_token(conn, timeout, TokenPolicy::UseCache)
            .await
            .map_err(token_error)?;
        if source != TokenSource::Cached {
            return Ok((token, source));
        }
        match probe::userinfo(&token.instance_url, &token.access_token, timeout).await {
            Ok(_) => Ok((token, source)),
            Err(f) if http::is_token_rejected(&f) => self
                .renew(conn, timeout)
                .await
                .map(|t| (t, TokenSource::of_renewal(conn.flow)))
                .map_err(token_error),
            Err(f) => Err(StepError::of_flow(StepName::Userinfo, f, conn.flow)),
        }
    }

    /// Full test: reach, token, userinfo, api. Never panics, never returns Err: failures are in
    /// the report. `on_step` is called as each step finishes. `timeout` = per-request timeout;
    /// `TokenPolicy::Fresh` proves the credentials instead of the cached token.
    pub async fn test(
        &self,
        conn: &Connection,
        timeout: Duration,
        policy: TokenPolicy,
        on_step: &(dyn Fn(&StepReport) + Send + Sync),
    ) -> TestReport {
        let start = runner::Start::DuringReach(self.start_token(conn, policy));
        runner::test(self, conn, timeout, start, on_step).await
    }

    /// [`Engine::test`] of every connection (each with its request timeout), `concurrency` at
    /// a time (0 counts as 1), with the token preparation paced by the cores (see
    /// `batch::test_all`); the reports in the same order. Err only when a test's task panicked.
    /// Runs on the current tokio runtime.
    pub async fn test_all(
        &self,
        conns: Vec<(Connection, Duration)>,
        policy: TokenPolicy,
        concurrency: usize,
    ) -> Result<Vec<TestReport>, tokio::task::JoinError> {
        batch::test_all(self, conns, policy, concurrency).await
    }

    /// Run the flow now (web: callback server + browser; device: code + polling; others: grant),
    /// store the tokens, then check userinfo. The result is shaped like a test.
    pub async fn login(
        &self,
        conn: &Connection,
        opts: &LoginOptions,
        on_event: &(dyn Fn(LoginEvent) + Send + Sync),
    ) -> TestReport {
        runner::login(self, conn, opts, on_event).await
    }

    /// Revoke the stored refresh and access tokens at Salesforce, then forget them.
    pub async fn revoke(&self, conn: &Connection, timeout: Duration) -> Result<Revoked, StepError> {
        revoke::revoke(&self.secrets, conn, timeout)
            .await
            .map_err(|f| StepError::new(StepName::Token, f))
    }
}
