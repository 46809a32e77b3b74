//! Helpers for the flow tests: a temp SFCONN_HOME running the real binary (blocking; the tests
//! run on a multi-thread runtime so the practice org keeps serving), a long-running process whose
//! stderr is read while it runs (web and device logins), and playing the browser.

use std::fmt;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

use super::home::Sfconn;

pub const BIN: &str = env!("CARGO_BIN_EXE_sfconn");

/// What a finished sfconn process printed.
pub struct Out {
    pub cmd: String,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl fmt::Display for Out {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "command: {}\nexit: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.cmd, self.code, self.stdout, self.stderr
        )
    }
}

impl Out {
    /// Assert the exit code, printing everything when it differs.
    #[track_caller]
    pub fn expect(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "unexpected exit code\n{self}");
        self
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e})\n{self}"))
    }
}

/// A temp home with the file secret store (the foundation's `Sfconn` runner underneath).
pub struct Home {
    pub sf: Sfconn,
}

impl Home {
    pub fn new() -> Home {
        Home { sf: Sfconn::new() }
    }

    pub fn path(&self) -> &Path {
        self.sf.home()
    }

    pub fn command(&self, args: &[&str], envs: &[(&str, &str)]) -> Command {
        let mut run = self.sf.cmd(args.iter().copied());
        for (k, v) in envs {
            run = run.env(k, v);
        }
        let mut cmd = run.command();
        cmd.stdin(Stdio::null());
        cmd
    }

    pub fn run_env(&self, args: &[&str], envs: &[(&str, &str)]) -> Out {
        let mut run = self.sf.cmd(args.iter().copied());
        for (k, v) in envs {
            run = run.env(k, v);
        }
        let output = run.output();
        Out {
            code: output.exit_code().unwrap_or(-1),
            cmd: output.command,
            stdout: output.stdout,
            stderr: output.stderr,
        }
    }

    pub fn run(&self, args: &[&str]) -> Out {
        self.run_env(args, &[])
    }

    /// `sfconn add NAME --flow FLOW --domain URL ARGS...` with secrets from the environment.
    pub fn add(
        &self,
        name: &str,
        flow: &str,
        domain: &str,
        args: &[&str],
        secrets: &[(&str, &str)],
    ) {
        let mut all = vec!["add", name, "--flow", flow, "--domain", domain];
        all.extend_from_slice(args);
        self.run_env(&all, secrets).expect(0);
    }

    /// Start sfconn and read its stderr line by line while it runs.
    pub fn spawn(&self, args: &[&str], envs: &[(&str, &str)]) -> Running {
        let mut child = self
            .command(args, envs)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines: rx,
            seen: Vec::new(),
            cmd: format!("sfconn {}", args.join(" ")),
        }
    }
}

/// A running sfconn process.
pub struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    cmd: String,
}

impl Running {
    /// The first stderr line matching `pred` (waits up to 30 s; a hung process fails the test).
    #[track_caller]
    pub fn line(&mut self, pred: impl Fn(&str) -> bool) -> String {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(30)) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if pred(&line) {
                        return line;
                    }
                }
                Err(_) => {
                    let _ = self.child.kill();
                    panic!(
                        "{} never printed the expected line; stderr so far:\n{}",
                        self.cmd,
                        self.seen.join("\n")
                    );
                }
            }
        }
    }

    /// The URL printed on its own indented line after "Open this URL".
    #[track_caller]
    pub fn authorize_url(&mut self) -> String {
        self.line(|l| {
            l.trim_start().starts_with("http") && l.contains("/services/oauth2/authorize")
        })
        .trim()
        .to_string()
    }

    pub fn finish(mut self) -> Out {
        let output = self.child.wait_with_output().unwrap();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        Out {
            cmd: self.cmd,
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: self.seen.join("\n"),
        }
    }
}

/// An HTTP client that never follows redirects (the test plays the browser step by step).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Follow the authorize URL to the redirect Salesforce sends (auto-approving app).
pub async fn authorize_redirect(url: &str) -> reqwest::Url {
    let answer = browser().get(url).send().await.unwrap();
    assert!(
        answer.status().is_redirection(),
        "authorize answered {} instead of a redirect: {}",
        answer.status(),
        answer.text().await.unwrap_or_default()
    );
    let location = answer.headers()["location"].to_str().unwrap().to_string();
    reqwest::Url::parse(&location).unwrap()
}

/// Press Allow on the consent page: POST the authorize parameters back with decision=allow.
pub async fn consent_redirect(url: &str) -> reqwest::Url {
    let parsed = reqwest::Url::parse(url).unwrap();
    let mut form: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
    form.push(("decision".into(), "allow".into()));
    let page = browser().get(url).send().await.unwrap();
    assert_eq!(page.status(), 200, "consent page expected");
    let mut post_url = parsed.clone();
    post_url.set_query(None);
    let answer = browser().post(post_url).form(&form).send().await.unwrap();
    assert!(
        answer.status().is_redirection(),
        "consent answered {}",
        answer.status()
    );
    reqwest::Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap()
}

/// GET the callback the way the browser would (redirect_uri says localhost).
pub async fn callback(url: &reqwest::Url) -> reqwest::StatusCode {
    browser().get(url.clone()).send().await.unwrap().status()
}

/// A port nothing listens on right now (for the web flow's callback server).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The practice JWT app's throw-away private key.
pub fn practice_jwt_key() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/practice-org/jwt.key")
}
