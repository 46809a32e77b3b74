//! The practice org: a Salesforce OAuth emulator on loopback (PRODUCT.md section 7).
//!
//! Two listeners share one org: the org's My Domain (also its instance URL) and a stand-in for
//! login.salesforce.com / test.salesforce.com. Both serve the OAuth endpoints; the login stand-in
//! refuses client credentials as Salesforce's login hosts do (research §2.6).

mod authorize;
mod data;
mod demo_set;
mod device;
mod grants;
mod jwt;
mod metadata;
mod oidc;
mod query;
mod rest;
pub mod scenario;
mod soap;
mod store;
mod token;

#[cfg(test)]
mod tests;

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use demo_set::{DemoConnection, Expected, demo_connections};
pub use scenario::{
    App, AppFlow, OrgSettings, OrgType, PRACTICE_JWT_CERT_PEM, PRACTICE_JWT_KEY_PEM,
    PermittedUsers, Scenario, User,
};
use store::Shared;

/// Why the practice org could not start or its scenario could not be used.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The scenario file is unreadable or invalid; `location` is `file:line:col` where known.
    #[error("{location}: {message}")]
    Scenario { location: String, message: String },
    /// A listener could not be opened.
    #[error(
        "cannot listen on {addr}: {source} (choose another port, or leave it out for a free one)"
    )]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// How to run the practice org.
#[derive(Debug, Clone, Default)]
pub struct OrgOptions {
    /// Port of the My Domain listener (default: a free port). The login stand-in tries the next
    /// port, then any free one.
    pub port: Option<u16>,
    /// Port of the login stand-in, when it must be exactly this one (a restarted practice org
    /// keeps its URLs).
    pub login_port: Option<u16>,
    /// Wait this long before answering each request.
    pub latency: Duration,
}

/// Which host a request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HostKind {
    /// The org's My Domain (and instance URL).
    MyDomain,
    /// The stand-in for login.salesforce.com / test.salesforce.com.
    Login,
}

/// What every handler gets.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub shared: Arc<Shared>,
    pub host: HostKind,
}

/// A running practice org. Dropping it (or `shutdown`) stops its listeners.
pub struct PracticeOrg {
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl PracticeOrg {
    /// Open both listeners on loopback and start serving `scenario`.
    pub async fn start(scenario: Scenario, opts: OrgOptions) -> Result<PracticeOrg, EmulatorError> {
        let my_domain = bind(SocketAddr::from((
            Ipv4Addr::LOCALHOST,
            opts.port.unwrap_or(0),
        )))
        .await?;
        let my_port = local_port(&my_domain)?;
        let login_v4 = match (opts.login_port, opts.port) {
            (Some(p), _) => bind(SocketAddr::from((Ipv4Addr::LOCALHOST, p))).await?,
            (None, Some(p)) if p < u16::MAX => {
                match bind(SocketAddr::from((Ipv4Addr::LOCALHOST, p + 1))).await {
                    Ok(l) => l,
                    Err(_) => bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?,
                }
            }
            _ => bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?,
        };
        let login_port = local_port(&login_v4)?;
        // `localhost` may resolve to ::1 first; serve it there too when the system has IPv6.
        let login_v6 = TcpListener::bind(SocketAddr::from((Ipv6Addr::LOCALHOST, login_port)))
            .await
            .ok();

        let url = format!("http://127.0.0.1:{my_port}");
        let login_url = format!("http://localhost:{login_port}");
        let shared = Arc::new(Shared::new(scenario, url, login_url, opts.latency));
        let (stop, stop_rx) = watch::channel(false);

        let mut tasks = Vec::new();
        let mut listeners = vec![(my_domain, HostKind::MyDomain), (login_v4, HostKind::Login)];
        if let Some(l) = login_v6 {
            listeners.push((l, HostKind::Login));
        }
        for (listener, host) in listeners {
            let app = router(Ctx {
                shared: shared.clone(),
                host,
            });
            let mut rx = stop_rx.clone();
            tasks.push(tokio::spawn(async move {
                let signal = async move {
                    let _ = rx.wait_for(|stopped| *stopped).await;
                };
                let app = tower::ServiceExt::map_request(app, collapse_slashes);
                // A failing accept loop ends this listener only; the org's owner sees it as refused connections.
                let _ = axum::serve(
                    listener,
                    axum::ServiceExt::<Request>::into_make_service(app),
                )
                .with_graceful_shutdown(signal)
                .await;
            }));
        }
        Ok(PracticeOrg {
            shared,
            stop,
            tasks,
        })
    }

    /// The org's My Domain, which is also its instance URL: `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.shared.url.clone()
    }

    /// The stand-in for login.salesforce.com / test.salesforce.com: `http://localhost:PORT2`.
    pub fn login_url(&self) -> String {
        self.shared.login_url.clone()
    }

    /// Requests received on `path` (e.g. "/services/oauth2/token"), both listeners together.
    pub fn request_count(&self, path: &str) -> u64 {
        self.shared.counters.path(path)
    }

    /// Token requests per `grant_type` (the device code request counts as "device_code").
    pub fn grant_count(&self, grant_type: &str) -> u64 {
        self.shared.counters.grant(grant_type)
    }

    /// Add a callback URL to the app `client_id` (as an admin does in the app's OAuth settings):
    /// callback URLs are compared exactly, so a login on another local port needs its own.
    pub fn allow_callback(&self, client_id: &str, url: &str) {
        self.shared.allow_callback(client_id, url);
    }

    /// Every access token issued so far becomes invalid (as when a session times out).
    pub fn expire_access_tokens(&self) {
        self.shared.with_data(|data| data.access.clear());
    }

    /// Skew the org's clock (the HTTP `Date` header, `issued_at`, JWT `exp` checks) by `secs`.
    pub fn set_clock_offset(&self, secs: i64) {
        self.shared.clock_offset.store(secs, Ordering::Relaxed);
    }

    /// Wait this long before answering each request from now on.
    pub fn set_latency(&self, d: Duration) {
        self.shared.latency_ms.store(
            u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// The scenario this org runs.
    pub fn scenario(&self) -> &Scenario {
        &self.shared.scenario
    }

    /// Stop both listeners and wait (at most 2 s) for open requests to finish.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(2), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl std::fmt::Debug for PracticeOrg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PracticeOrg")
            .field("url", &self.shared.url)
            .field("login_url", &self.shared.login_url)
            .field("org_id", &self.shared.scenario.org.id)
            .finish()
    }
}

impl Drop for PracticeOrg {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, EmulatorError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| EmulatorError::Bind { addr, source })
}

fn local_port(listener: &TcpListener) -> Result<u16, EmulatorError> {
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|source| EmulatorError::Bind {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            source,
        })
}

fn router(ctx: Ctx) -> Router {
    Router::new()
        .route(
            "/services/oauth2/authorize",
            get(authorize::authorize).post(authorize::consent),
        )
        .route("/services/oauth2/token", axum::routing::post(token::token))
        .route(
            "/services/oauth2/userinfo",
            get(rest::userinfo).post(rest::userinfo),
        )
        .route(
            "/services/oauth2/revoke",
            get(rest::revoke).post(rest::revoke),
        )
        .route("/services/data", get(data::versions))
        .route("/services/data/", get(data::versions))
        .route("/services/data/{version}", get(data::resources))
        .route("/services/data/{version}/", get(data::resources))
        .route("/services/data/{version}/limits", get(data::limits))
        .route("/services/data/{version}/limits/", get(data::limits))
        .route(
            "/services/data/{version}/sobjects/User/{id}",
            get(data::sobject_user),
        )
        .route("/services/data/{version}/query", get(query::query))
        .route("/services/data/{version}/query/", get(query::query))
        .route(
            "/services/data/{version}/metadata/deployRequest",
            axum::routing::post(metadata::deploy),
        )
        .route(
            "/services/data/{version}/metadata/deployRequest/{id}",
            get(metadata::status),
        )
        .route(
            "/services/data/{version}/apps/oauth/usage",
            get(metadata::usage),
        )
        .route(
            "/services/data/{version}/apps/oauth/credentials/{*rest}",
            get(metadata::credentials),
        )
        .route("/services/data/{version}/{*rest}", get(data::other))
        .route(
            "/id/{org_id}/{user_id}",
            get(rest::identity).post(rest::identity),
        )
        .route("/id/keys", get(oidc::keys))
        .route("/.well-known/openid-configuration", get(oidc::discovery))
        .route(
            "/services/oauth2/introspect",
            axum::routing::post(oidc::introspect),
        )
        .route(
            "/services/Soap/u/{version}",
            axum::routing::post(soap::login),
        )
        .route(
            "/services/Soap/u/{version}/{org_id}",
            axum::routing::post(soap::login),
        )
        .route("/secur/frontdoor.jsp", get(rest::frontdoor))
        .route(
            "/setup/connect",
            get(authorize::connect_page).post(authorize::connect_submit),
        )
        .route("/", get(rest::login_page))
        .fallback(rest::not_found)
        .layer(middleware::from_fn_with_state(ctx.clone(), every_request))
        .with_state(ctx)
}

/// `//` in a path is served as `/`: the Salesforce CLI stores `--instance-url` with a trailing slash
/// after `org login access-token` and then requests `http://host//services/data/vNN.0`, which
/// Salesforce answers like the single-slash path. Done before routing, so every route sees it.
fn collapse_slashes(mut req: Request) -> Request {
    let path = req.uri().path();
    if !path.contains("//") {
        return req;
    }
    let mut collapsed = String::with_capacity(path.len());
    for c in path.chars() {
        if c == '/' && collapsed.ends_with('/') {
            continue;
        }
        collapsed.push(c);
    }
    if let Some(query) = req.uri().query() {
        collapsed.push('?');
        collapsed.push_str(query);
    }
    if let Ok(uri) = collapsed.parse() {
        *req.uri_mut() = uri;
    }
    req
}

/// Counts the request, waits the configured latency, and stamps the org's `Date` header.
async fn every_request(State(ctx): State<Ctx>, req: Request, next: Next) -> Response {
    ctx.shared.counters.count_path(req.uri().path());
    let latency = ctx.shared.latency_ms.load(Ordering::Relaxed);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let mut response = next.run(req).await;
    let date = httpdate::fmt_http_date(ctx.shared.now());
    if let Ok(value) = HeaderValue::from_str(&date) {
        response.headers_mut().insert(header::DATE, value);
    }
    response
}
