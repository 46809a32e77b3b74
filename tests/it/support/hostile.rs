//! A hostile "Salesforce" on 127.0.0.1 for adversarial tests: every request is recorded (method,
//! path, Authorization header, body) and answered by a closure the test supplies.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::oneshot;

/// One request the hostile server received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub body: String,
}

/// What the hostile server answers: status, content type, body.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    /// A `Location` header.
    pub location: Option<String>,
}

impl Reply {
    pub fn json(status: u16, body: impl Into<String>) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            body: body.into(),
            location: None,
        }
    }

    /// A 302 to `to`.
    pub fn redirect(to: impl Into<String>) -> Reply {
        Reply {
            status: 302,
            content_type: "text/html",
            body: String::new(),
            location: Some(to.into()),
        }
    }
}

type Answerer = dyn Fn(&Seen) -> Reply + Send + Sync;

/// A running hostile server; stops when dropped.
pub struct Hostile {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Hostile {
    /// Serve on a free 127.0.0.1 port; `answer` decides every reply.
    pub fn start(answer: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Hostile {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let answer: Arc<Answerer> = Arc::new(answer);
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let record = seen.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("build the hostile server's runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind 127.0.0.1:0");
                let addr = listener.local_addr().expect("local addr");
                let app = axum::Router::new().fallback(
                    move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                        let record = record.clone();
                        let answer = answer.clone();
                        async move {
                            let seen = Seen {
                                method: method.to_string(),
                                path: uri.path().to_string(),
                                authorization: headers
                                    .get(header::AUTHORIZATION)
                                    .and_then(|v| v.to_str().ok())
                                    .map(str::to_string),
                                body: String::from_utf8_lossy(&body).into_owned(),
                            };
                            let reply = answer(&seen);
                            record.lock().expect("record lock").push(seen);
                            let status = StatusCode::from_u16(reply.status)
                                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                            let mut response: Response = (
                                status,
                                [(header::CONTENT_TYPE, reply.content_type)],
                                reply.body,
                            )
                                .into_response();
                            if let Some(to) = reply
                                .location
                                .and_then(|l| header::HeaderValue::from_str(&l).ok())
                            {
                                response.headers_mut().insert(header::LOCATION, to);
                            }
                            response
                        }
                    },
                );
                let _ = ready_tx.send(format!("http://127.0.0.1:{}", addr.port()));
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stop_rx.await;
                    })
                    .await;
            });
        });
        let url = ready_rx.recv().expect("the hostile server starts");
        Hostile {
            url,
            seen,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("record lock").clone()
    }

    /// Requests on `path`.
    pub fn count(&self, path: &str) -> usize {
        self.seen().iter().filter(|s| s.path == path).count()
    }

    /// Requests that carried an Authorization header.
    pub fn with_authorization(&self) -> usize {
        self.seen()
            .iter()
            .filter(|s| s.authorization.is_some())
            .count()
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Run a command that must end on its own; a guard (not an assertion on time) kills it if it
/// is still running after a minute, so a regression fails instead of hanging the suite.
pub fn must_end(run: crate::support::home::Run<'_>) -> (Option<i32>, String, String) {
    let mut child = run.spawn();
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for sfconn") {
            use std::io::Read;
            let (mut stdout, mut stderr) = (String::new(), String::new());
            if let Some(mut out) = child.stdout.take() {
                let _ = out.read_to_string(&mut stdout);
            }
            if let Some(mut err) = child.stderr.take() {
                let _ = err.read_to_string(&mut stderr);
            }
            return (status.code(), stdout, stderr);
        }
        if started.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("sfconn was still running after a minute");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
