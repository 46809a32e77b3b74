//! `sfconn test --all` over 500 connections against the practice org adding 50 ms per request
//! (PRODUCT.md section 9): wall time vs the budget
//! 1.3 × (requests per test × 50 ms × ⌈500 / concurrency⌉).
//!
//! Run: `cargo bench --bench test_all` (optional: `-- --connections N --concurrency N`).

// A benchmark harness, not product code: a failed setup should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use sfconn::emulator::{OrgOptions, PracticeOrg, Scenario};

const LATENCY: Duration = Duration::from_millis(50);

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn write_profiles(home: &Path, org_url: &str, count: usize) {
    let key = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/practice-org/jwt.key");
    let mut text = String::new();
    for i in 0..count {
        let _ = write!(
            text,
            "[connections.bench-{i:04}]\nflow = \"jwt\"\ndomain = \"{org_url}\"\nclient_id = \"practice-jwt\"\n\
             username = \"admin@practice.example\"\nkey_file = \"{}\"\n\n",
            key.display()
        );
    }
    std::fs::write(home.join("profiles.toml"), text).expect("write profiles.toml");
}

fn run_all(home: &Path, concurrency: usize) -> (Duration, i32, usize) {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_sfconn"))
        .args([
            "test",
            "--all",
            "--json",
            "--concurrency",
            &concurrency.to_string(),
        ])
        .env("SFCONN_HOME", home)
        .env("SFCONN_SECRET_STORE", "file")
        .output()
        .expect("run sfconn");
    let elapsed = started.elapsed();
    let passed = serde_json::from_slice::<serde_json::Value>(&output.stdout)
        .ok()
        .and_then(|v| {
            v.as_array()
                .map(|a| a.iter().filter(|r| r["ok"] == true).count())
        })
        .unwrap_or(0);
    if passed == 0 {
        eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    }
    (elapsed, output.status.code().unwrap_or(-1), passed)
}

fn main() {
    let count = arg("--connections", 500);
    let concurrency = arg("--concurrency", 16);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let org = runtime
        .block_on(PracticeOrg::start(
            Scenario::builtin(),
            OrgOptions {
                latency: LATENCY,
                ..OrgOptions::default()
            },
        ))
        .expect("start the practice org");
    let home = tempfile::tempdir().expect("temp home");
    write_profiles(home.path(), &org.url(), count);
    let waves = count.div_ceil(concurrency) as u32;

    println!(
        "test --all: {count} connections, concurrency {concurrency}, {} ms added per request",
        LATENCY.as_millis()
    );
    let mut before = total_requests(&org);
    for run in ["cold (no cached tokens)", "warm (cached tokens)"] {
        let (elapsed, code, passed) = run_all(home.path(), concurrency);
        let after = total_requests(&org);
        let per_test = (after - before) as f64 / count as f64;
        before = after;
        let requests = per_test.ceil() as u32;
        let budget = LATENCY * requests * waves * 13 / 10;
        println!(
            "{run}: {:.2} s, exit {code}, {passed}/{count} passed, {per_test:.2} requests per test; \
             budget 1.3 × {requests} × 50 ms × {waves} = {:.2} s → {}",
            elapsed.as_secs_f64(),
            budget.as_secs_f64(),
            if elapsed <= budget {
                "within budget"
            } else {
                "OVER BUDGET"
            }
        );
    }
    runtime.block_on(org.shutdown());
}

fn total_requests(org: &PracticeOrg) -> u64 {
    [
        "/services/data/",
        "/services/oauth2/token",
        "/services/oauth2/userinfo",
        &format!("/services/data/{}/limits", sfconn::salesforce::API_VERSION),
    ]
    .iter()
    .map(|p| org.request_count(p))
    .sum()
}
