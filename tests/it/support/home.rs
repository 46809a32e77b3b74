//! Running sfconn as a real process against a temp SFCONN_HOME.
//!
//! ```ignore
//! let sf = Sfconn::new();                       // temp home, file secret store
//! sf.run(["add", "p", "--flow", "device", "--client-id", "x"]).ok();
//! let list = sf.run(["list", "--json"]).ok().json();
//! sf.cmd(["add", "cc", ...]).env("SFCONN_CLIENT_SECRET", "s").code(0);
//! ```
//! Every assertion failure prints the command, its exit status, stdout and stderr.
#![allow(dead_code)]

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};

/// A temp sfconn home and the environment every command in it runs with.
pub struct Sfconn {
    home: tempfile::TempDir,
    env: Vec<(String, Option<String>)>,
}

impl Default for Sfconn {
    fn default() -> Self {
        Self::new()
    }
}

impl Sfconn {
    /// A fresh home using the plain-text secret store (hermetic: no keychain needed).
    pub fn new() -> Sfconn {
        let home = tempfile::Builder::new()
            .prefix("sfconn-it-")
            .tempdir()
            .expect("create a temp SFCONN_HOME");
        let mut sf = Sfconn {
            home,
            env: Vec::new(),
        };
        sf.set_env("SFCONN_SECRET_STORE", "file");
        sf
    }

    /// A fresh home using the OS keychain under a service name unique to this home, so tests
    /// never see each other's (or the user's) entries.
    pub fn with_keychain() -> Sfconn {
        let mut sf = Sfconn::new();
        sf.unset_env("SFCONN_SECRET_STORE");
        let service = format!("sfconn-test-{}", sf.home_name());
        sf.set_env("SFCONN_KEYCHAIN_SERVICE", &service);
        sf
    }

    fn home_name(&self) -> String {
        self.home
            .path()
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Add `name`, a client-credentials connection to the practice org at `org_url` with its
    /// built-in app (`practice-cc`) and secret, in `env` (`production` or `sandbox`).
    pub fn add_practice_cc(&self, name: &str, org_url: &str, env: &str) {
        self.cmd([
            "add",
            name,
            "--flow",
            "client-credentials",
            "--domain",
            org_url,
            "--client-id",
            "practice-cc",
            "--env",
            env,
        ])
        .env("SFCONN_CLIENT_SECRET", "practice-cc-secret")
        .ok();
    }

    /// The keychain service this home uses (see [`Sfconn::with_keychain`]).
    pub fn keychain_service(&self) -> Option<String> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == "SFCONN_KEYCHAIN_SERVICE")
            .and_then(|(_, v)| v.clone())
    }

    /// Set a variable for every later command.
    pub fn set_env(&mut self, key: &str, value: &str) -> &mut Self {
        self.env.push((key.to_string(), Some(value.to_string())));
        self
    }

    /// Remove a variable for every later command.
    pub fn unset_env(&mut self, key: &str) -> &mut Self {
        self.env.push((key.to_string(), None));
        self
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    pub fn profile_file(&self) -> PathBuf {
        self.home().join("profiles.toml")
    }

    pub fn state_file(&self) -> PathBuf {
        self.home().join("state.json")
    }

    pub fn secrets_file(&self) -> PathBuf {
        self.home().join("secrets.toml")
    }

    /// Write the profile file.
    pub fn write_profiles(&self, text: &str) {
        std::fs::write(self.profile_file(), text).expect("write profiles.toml");
    }

    /// The profile file's bytes (empty if missing).
    pub fn profiles_bytes(&self) -> Vec<u8> {
        std::fs::read(self.profile_file()).unwrap_or_default()
    }

    /// Every file under the home with its content (for canary and byte-identity checks).
    pub fn files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for e in entries.flatten() {
                let p = e.path();
                // sfconn's parsed-profile cache is rebuilt from the profile file at will; it
                // holds no user data (and no secret), so "nothing changed" does not count it.
                if p.is_dir() && p.file_name().is_some_and(|n| n == "cache") {
                    continue;
                }
                if p.is_dir() {
                    walk(&p, out);
                } else if let Ok(bytes) = std::fs::read(&p) {
                    out.push((p, bytes));
                }
            }
        }
        let mut out = Vec::new();
        walk(self.home(), &mut out);
        out.sort();
        out
    }

    /// A command to configure further (env, stdin) before running it.
    pub fn cmd<I, S>(&self, args: I) -> Run<'_>
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        Run {
            sfconn: self,
            args: args.into_iter().map(Into::into).collect(),
            env: Vec::new(),
            stdin: None,
        }
    }

    /// The same command for a pseudo-terminal (`portable_pty`), with this home's environment:
    /// for tests that type at a prompt or drive the TUI.
    pub fn pty_command<I, S>(&self, args: I) -> portable_pty::CommandBuilder
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = portable_pty::CommandBuilder::new(env!("CARGO_BIN_EXE_sfconn"));
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("SFCONN_") {
                cmd.env_remove(k);
            }
        }
        cmd.env("SFCONN_HOME", self.home());
        cmd.env("NO_COLOR", "1");
        cmd.env("TERM", "xterm-256color");
        for (k, v) in &self.env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            }
        }
        cmd.args(args);
        cmd.cwd(self.home());
        cmd
    }

    /// Run a command with no extra settings.
    pub fn run<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.cmd(args).output()
    }
}

/// One command being prepared.
pub struct Run<'a> {
    sfconn: &'a Sfconn,
    args: Vec<OsString>,
    env: Vec<(String, Option<String>)>,
    stdin: Option<Vec<u8>>,
}

impl Run<'_> {
    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_string(), Some(value.to_string())));
        self
    }

    pub fn env_remove(mut self, key: &str) -> Self {
        self.env.push((key.to_string(), None));
        self
    }

    /// Bytes for stdin (default: empty, never a terminal).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    fn describe(&self) -> String {
        let mut s = String::new();
        for (k, v) in self.sfconn.env.iter().chain(&self.env) {
            if let Some(v) = v {
                s.push_str(&format!("{k}={v:?} "));
            }
        }
        s.push_str("sfconn");
        for a in &self.args {
            s.push_str(&format!(" {:?}", a.to_string_lossy()));
        }
        s
    }

    /// The process, ready to spawn (stdout/stderr piped, stdin piped).
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sfconn"));
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy();
            if k.starts_with("SFCONN_") {
                cmd.env_remove(k.as_ref());
            }
        }
        cmd.env("SFCONN_HOME", self.sfconn.home());
        cmd.env("NO_COLOR", "1");
        cmd.env_remove("RUST_LOG");
        for (k, v) in self.sfconn.env.iter().chain(&self.env) {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        cmd.args(&self.args)
            .current_dir(self.sfconn.home())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// Start it without waiting (stdin is closed after writing the configured bytes).
    pub fn spawn(self) -> Child {
        let mut child = self
            .command()
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.describe()));
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(self.stdin.as_deref().unwrap_or_default());
        }
        child
    }

    /// Run to completion and capture everything.
    pub fn output(self) -> Output {
        let description = self.describe();
        let child = self.spawn();
        let out = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("cannot wait for {description}: {e}"));
        Output {
            command: description,
            status: out.status,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Run and assert exit code 0.
    pub fn ok(self) -> Output {
        self.code(0)
    }

    /// Run and assert the exit code.
    pub fn code(self, code: i32) -> Output {
        self.output().code(code)
    }
}

/// What a finished command did.
#[derive(Debug, Clone)]
pub struct Output {
    pub command: String,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "\n--- command: {}\n--- status: {}\n--- stdout:\n{}\n--- stderr:\n{}\n---",
            self.command, self.status, self.stdout, self.stderr
        )
    }
}

impl Output {
    /// The process exit code (`None` when killed by a signal).
    pub fn exit_code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Assert the exit code.
    pub fn code(self, code: i32) -> Self {
        assert_eq!(self.exit_code(), Some(code), "unexpected exit code{self}");
        self
    }

    /// Assert exit code 0.
    pub fn ok(self) -> Self {
        self.code(0)
    }

    pub fn stdout_has(self, needle: &str) -> Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}{self}"
        );
        self
    }

    pub fn stderr_has(self, needle: &str) -> Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}{self}"
        );
        self
    }

    pub fn stdout_empty(self) -> Self {
        assert!(self.stdout.is_empty(), "stdout should be empty{self}");
        self
    }

    /// Neither stdout nor stderr contains `needle` (e.g. a canary secret).
    pub fn never_shows(&self, needle: &str) -> &Self {
        assert!(
            !self.stdout.contains(needle) && !self.stderr.contains(needle),
            "output shows {needle:?}{self}"
        );
        self
    }

    /// stdout parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}){self}"))
    }
}
