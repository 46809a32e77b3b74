//! Two sfconn processes (two machines, one OpenBao server) refreshing one connection at the same
//! moment, with refresh token rotation on: Salesforce honours the old refresh token once, so one
//! of them is told `invalid_grant`. It must re-read the store and use the winner's tokens.

use super::bao::Bao;
use super::{add_rotating_web, share_profiles, team};
use crate::flows::ADMIN_ID;
use crate::support::engine::Home;
use sfconn::emulator::{OrgOptions, PracticeOrg, Scenario};

/// The entry's KV version: one more for every write of rotated tokens.
async fn version(bao: &Bao) -> u64 {
    let (_, body) = bao
        .call(reqwest::Method::GET, "secret/metadata/sfconn/rot", None)
        .await
        .expect("read the metadata");
    let v: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    v["data"]["current_version"].as_u64().unwrap_or(0)
}

const ROUNDS: u64 = 60;

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_refreshing_one_rotating_connection_never_lose_the_login() {
    let Some(bao) =
        Bao::start_or_skip("two_processes_refreshing_one_rotating_connection_never_lose_the_login")
            .await
    else {
        return;
    };
    // Some latency per request, so that the two processes' refreshes overlap.
    let org = PracticeOrg::start(
        Scenario::builtin(),
        OrgOptions {
            latency: std::time::Duration::from_millis(20),
            ..OrgOptions::default()
        },
    )
    .await
    .expect("practice org");
    let (a, b) = team(&bao);
    add_rotating_web(&a, &org, "rot").await;
    share_profiles(&a, &b);

    let before = version(&bao).await;
    let failures = race(&a, &b, ROUNDS);
    assert!(
        failures.is_empty(),
        "{} of {} refreshes lost the login:\n{}",
        failures.len(),
        ROUNDS * 2,
        failures.join("\n")
    );
    // The races really happened: every process asked Salesforce, and fewer rotated tokens were
    // written than processes asked (each loser used the winner's instead of writing its own).
    let written = version(&bao).await - before;
    assert_eq!(org.grant_count("refresh_token"), ROUNDS * 2);
    eprintln!(
        "{written} rotated tokens written by {} processes in {ROUNDS} rounds",
        ROUNDS * 2
    );
    assert!((ROUNDS..ROUNDS * 2).contains(&written), "{written} writes");
    // And the connection still works afterwards, from either home.
    a.run(&["test", "rot", "--json"]).expect(0);
    b.run(&["test", "rot", "--fresh", "--json"]).expect(0);
}

/// `ROUNDS` times: the two homes run `test --fresh` on `rot` at the same moment. Returns what
/// went wrong (nothing, when no login is ever lost).
fn race(a: &Home, b: &Home, rounds: u64) -> Vec<String> {
    let mut failures = Vec::new();
    for round in 0..rounds {
        // `--fresh` refreshes every time, so both processes race on the same refresh token.
        let mut first = a
            .command(&["test", "rot", "--fresh", "--json"], &[])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn sfconn");
        let mut second = b
            .command(&["test", "rot", "--fresh", "--json"], &[])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn sfconn");
        let _ = (&mut first, &mut second);
        for (who, child) in [("a", first), ("b", second)] {
            let out = child.wait_with_output().expect("wait for sfconn");
            let stdout = String::from_utf8_lossy(&out.stdout);
            let ok = out.status.success()
                && serde_json::from_str::<serde_json::Value>(&stdout)
                    .is_ok_and(|j| j["ok"] == true && j["user"]["user_id"] == ADMIN_ID);
            if !ok {
                failures.push(format!(
                    "round {round}, home {who}: {}\n{stdout}\n{}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
    }
    failures
}

/// The same race on one machine with the file store: two processes in one home.
#[tokio::test(flavor = "multi_thread")]
async fn two_processes_on_one_machine_with_the_file_store_never_lose_the_login() {
    let org = PracticeOrg::start(
        Scenario::builtin(),
        OrgOptions {
            latency: std::time::Duration::from_millis(20),
            ..OrgOptions::default()
        },
    )
    .await
    .expect("practice org");
    let home = Home::new();
    add_rotating_web(&home, &org, "rot").await;
    let failures = race(&home, &home, 30);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    home.run(&["test", "rot", "--fresh", "--json"]).expect(0);
}
