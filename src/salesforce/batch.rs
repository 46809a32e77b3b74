//! Testing many connections at once (`sfconn test --all`; PRODUCT.md section 9's budget).

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use tokio::sync::Semaphore;

use super::{Engine, TokenPolicy, runner};
use crate::profile::Connection;
use crate::salesforce::TestReport;

/// Test every connection (each with its request timeout), `concurrency` at a time; the reports
/// come back in the input's order. Err only when a test's task panicked.
///
/// - Each test is a task of its own, so the work between requests (signing a JWT assertion,
///   parsing answers) runs on every core; polled in place, all of it ran on one thread.
/// - A slot goes to the next connection as soon as any test ends, so one slow connection does
///   not hold the others back.
/// - The local half of each token step (the cache lookup, the cache key, signing) runs at most
///   one per core at a time. Started together, a wave of 128 jwt tests signed 128 assertions
///   at the same instant and then sent every later request in the same burst, each step
///   waiting for all the others' work. So when the first wave is larger than the number of
///   cores, its tests prepare before their first request: paced by the CPU, the wave starts a
///   little apart and the tests stay apart. Later tests prepare while their reach waits, like
///   a single test. None of this with Vault, where the cache lookup is a request: pacing would
///   queue the first wave behind round trips.
pub(super) async fn test_all(
    engine: &Engine,
    conns: Vec<(Connection, Duration)>,
    policy: TokenPolicy,
    concurrency: usize,
) -> Result<Vec<TestReport>, tokio::task::JoinError> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pace = Arc::new(Semaphore::new(cores));
    let concurrency = concurrency.max(1);
    let paced = !engine.secrets().is_remote();
    // A first wave no larger than the cores never waits for a turn: it keeps the overlap.
    let staggered = paced && concurrency.min(conns.len()) > cores;
    let runs = conns.into_iter().enumerate().map(|(i, (conn, timeout))| {
        let (engine, pace) = (engine.clone(), pace.clone());
        let run = tokio::spawn(async move {
            let start = async {
                // Never closed: the semaphore lives as long as the batch.
                let _turn = if paced {
                    pace.acquire().await.ok()
                } else {
                    None
                };
                engine.start_token(&conn, policy).await
            };
            // The first wave starts paced; a later test takes the place (and the pace) of
            // one that ended, and prepares while its reach waits, like a single test.
            let start = if staggered && i < concurrency {
                runner::Start::Before(start)
            } else {
                runner::Start::DuringReach(start)
            };
            runner::test(&engine, &conn, timeout, start, &|_| {}).await
        });
        async move { run.await.map(|report| (i, report)) }
    });
    let mut reports: Vec<(usize, TestReport)> = futures_util::stream::iter(runs)
        .buffer_unordered(concurrency)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    reports.sort_by_key(|(i, _)| *i);
    Ok(reports.into_iter().map(|(_, r)| r).collect())
}
