//! The local web server the browser comes back to at the end of the web flow.
//!
//! It binds 127.0.0.1 only, answers GET `/OauthRedirect` (other methods get 405, `/favicon.ico`
//! is ignored, as the Salesforce CLI does, research §5), and accepts exactly one outcome: a code
//! with the right `state`, an authorize error, or a wrong `state` (HTTP 400; its code is dropped).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tokio::sync::oneshot;

use super::report::{Failure, LocalCondition};

/// What the browser brought back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CallbackOutcome {
    Code(String),
    AuthorizeError {
        error: String,
        description: Option<String>,
    },
    StateMismatch {
        received: Option<String>,
    },
}

struct Shared {
    expected_state: String,
    tx: Mutex<Option<oneshot::Sender<CallbackOutcome>>>,
}

pub(crate) struct CallbackServer {
    rx: oneshot::Receiver<CallbackOutcome>,
    shutdown: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

/// Bind 127.0.0.1:`port` and start serving. A taken port is `callback-port-busy`.
pub(crate) async fn start(port: u16, expected_state: String) -> Result<CallbackServer, Failure> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| Failure::Local {
            condition: LocalCondition::CallbackPortBusy,
            detail: format!(
                "cannot listen on 127.0.0.1:{port} for the browser's return ({e}); stop the program using port {port}, \
                 or pick another callback_port and add http://localhost:PORT/OauthRedirect to the app's callback URLs"
            ),
        })?;
    let (tx, rx) = oneshot::channel();
    let shared = Arc::new(Shared {
        expected_state,
        tx: Mutex::new(Some(tx)),
    });
    let router = Router::new()
        .route("/OauthRedirect", get(redirect))
        .route("/favicon.ico", get(|| async { StatusCode::NOT_FOUND }))
        .fallback(|| async { (StatusCode::NOT_FOUND, "Not found") })
        .with_state(shared);
    let (shutdown, shutdown_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = shutdown_rx.await;
            })
            .await;
    });
    Ok(CallbackServer { rx, shutdown, task })
}

impl CallbackServer {
    /// Wait for the one outcome (None after `timeout`), then stop the server.
    pub(crate) async fn wait(self, timeout: Duration) -> Option<CallbackOutcome> {
        let outcome = tokio::time::timeout(timeout, self.rx)
            .await
            .ok()
            .and_then(Result::ok);
        let _ = self.shutdown.send(());
        let mut task = self.task;
        // Let the page in flight reach the browser; a browser holding a keep-alive socket must
        // not keep sfconn waiting.
        if tokio::time::timeout(Duration::from_secs(2), &mut task)
            .await
            .is_err()
        {
            task.abort();
        }
        outcome
    }
}

async fn redirect(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let deliver = |outcome: CallbackOutcome| -> bool {
        let sender = shared.tx.lock().ok().and_then(|mut tx| tx.take());
        match sender {
            Some(tx) => tx.send(outcome).is_ok(),
            None => false,
        }
    };
    let finished = shared.tx.lock().map(|tx| tx.is_none()).unwrap_or(true);
    if finished {
        return page(
            StatusCode::BAD_REQUEST,
            "Sign-in already finished",
            "sfconn has already handled a sign-in for this login. Go back to the terminal.",
        );
    }
    let state = query.get("state");
    if state != Some(&shared.expected_state) {
        deliver(CallbackOutcome::StateMismatch {
            received: state.cloned(),
        });
        return page(
            StatusCode::BAD_REQUEST,
            "Sign-in rejected",
            "The answer did not carry the state value sfconn sent, so it was not used. \
             Run `sfconn login` again from the terminal.",
        );
    }
    if let Some(error) = query.get("error") {
        let description = query.get("error_description").cloned();
        let text = format!(
            "Salesforce answered: {error}{}. The terminal shows what to do next.",
            description
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        );
        deliver(CallbackOutcome::AuthorizeError {
            error: error.clone(),
            description,
        });
        return page(StatusCode::OK, "Sign-in failed", &text);
    }
    match query.get("code").filter(|c| !c.is_empty()) {
        Some(code) => {
            deliver(CallbackOutcome::Code(code.clone()));
            page(
                StatusCode::OK,
                "Signed in",
                "sfconn received the authorization. You can close this tab and go back to the terminal.",
            )
        }
        None => page(
            StatusCode::BAD_REQUEST,
            "No authorization code",
            "This address expects Salesforce's redirect with a code.",
        ),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(status: StatusCode, title: &str, text: &str) -> Response {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>sfconn: {t}</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>{t}</h1><p>{x}</p></body></html>",
        t = escape(title),
        x = escape(text)
    );
    (status, Html(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn free_port() -> u16 {
        let l = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap();
        l.local_addr().unwrap().port()
    }

    #[tokio::test]
    async fn one_code_with_the_right_state_is_accepted() {
        let port = free_port().await;
        let server = start(port, "s1".into()).await.unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let c = reqwest::Client::new();
        assert_eq!(
            c.get(format!("{base}/favicon.ico"))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
        assert_eq!(
            c.post(format!("{base}/OauthRedirect"))
                .send()
                .await
                .unwrap()
                .status(),
            405
        );
        let ok = c
            .get(format!("{base}/OauthRedirect?code=abc&state=s1"))
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 200);
        assert_eq!(
            server.wait(Duration::from_secs(5)).await,
            Some(CallbackOutcome::Code("abc".into()))
        );
    }

    #[tokio::test]
    async fn wrong_state_gets_400_and_ends_the_wait() {
        let port = free_port().await;
        let server = start(port, "good".into()).await.unwrap();
        let r = reqwest::get(format!(
            "http://127.0.0.1:{port}/OauthRedirect?code=stolen&state=evil"
        ))
        .await
        .unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(
            server.wait(Duration::from_secs(5)).await,
            Some(CallbackOutcome::StateMismatch {
                received: Some("evil".into())
            })
        );
    }

    #[tokio::test]
    async fn busy_port_and_timeout() {
        let holder = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap();
        let port = holder.local_addr().unwrap().port();
        let Err(Failure::Local { condition, .. }) = start(port, "s".into()).await else {
            panic!("bind should fail")
        };
        assert_eq!(condition, LocalCondition::CallbackPortBusy);
        drop(holder);
        let server = start(free_port().await, "s".into()).await.unwrap();
        assert_eq!(server.wait(Duration::from_millis(50)).await, None);
    }
}
