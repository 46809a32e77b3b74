//! Starting a practice org for a test.
//!
//! Integration tests run the `sfconn` binary as a process, so the org runs on its own tokio runtime
//! on a background thread and stops when the `TestOrg` is dropped.

#![allow(dead_code)]

use std::ops::Deref;
use std::sync::mpsc;
use std::thread::JoinHandle;

use sfconn::emulator::{OrgOptions, PracticeOrg, Scenario};
use tokio::sync::oneshot;

pub use sfconn::emulator::PRACTICE_JWT_KEY_PEM;

/// A running practice org; derefs to [`PracticeOrg`] (`url()`, `login_url()`, counters, ...).
pub struct TestOrg {
    org: Option<PracticeOrg>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestOrg {
    /// The built-in scenario on free ports.
    pub fn start() -> TestOrg {
        Self::start_with(Scenario::builtin(), OrgOptions::default())
    }

    /// A custom scenario (e.g. `Scenario::builtin()` with a field changed) and options.
    pub fn start_with(scenario: Scenario, opts: OrgOptions) -> TestOrg {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("build the practice org's tokio runtime");
            runtime.block_on(async move {
                let started = PracticeOrg::start(scenario, opts).await;
                let ok = started.is_ok();
                let _ = ready_tx.send(started);
                if ok {
                    // Keep the runtime (and the servers on it) alive until the TestOrg goes away.
                    let _ = stop_rx.await;
                }
            });
        });
        let org = ready_rx
            .recv()
            .expect("the practice org thread answers")
            .unwrap_or_else(|e| panic!("practice org failed to start: {e}"));
        TestOrg {
            org: Some(org),
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// Play the browser for a web login: GET `authorize_url` at the org (the scenario's app must
    /// auto-approve), then follow the org's redirect to the callback (sfconn's local server).
    /// Returns the org's answer and, when it redirected, the callback's answer.
    pub fn play_browser(&self, authorize_url: &str) -> (BrowserAnswer, Option<BrowserAnswer>) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("build a runtime for the browser");
        runtime.block_on(async {
            let org = browser_get(authorize_url).await;
            let callback = match &org.location {
                Some(location) => Some(browser_get(location).await),
                None => None,
            };
            (org, callback)
        })
    }

    /// The jwt key of the built-in `practice-jwt` app written to `dir/jwt.key`; returns the path.
    pub fn write_jwt_key(dir: &std::path::Path) -> std::path::PathBuf {
        let path = dir.join("jwt.key");
        std::fs::write(&path, PRACTICE_JWT_KEY_PEM).expect("write the demo jwt key");
        path
    }
}

/// One answer seen by the pretend browser.
#[derive(Debug, Clone)]
pub struct BrowserAnswer {
    pub status: u16,
    /// The `Location` header of a redirect.
    pub location: Option<String>,
    pub body: String,
}

async fn browser_get(url: &str) -> BrowserAnswer {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("build the browser's HTTP client");
    let resp = client
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("browser GET {url}: {e}"));
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .map(String::from);
    let body = resp.text().await.unwrap_or_default();
    BrowserAnswer {
        status,
        location,
        body,
    }
}

impl Deref for TestOrg {
    type Target = PracticeOrg;
    fn deref(&self) -> &PracticeOrg {
        self.org.as_ref().expect("the org runs until drop")
    }
}

impl Drop for TestOrg {
    fn drop(&mut self) {
        // Dropping the org signals its listeners; ending the runtime then cancels what is left.
        drop(self.org.take());
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
