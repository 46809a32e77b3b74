//! `sfconn test [NAME | --all]` (PRODUCT.md section 5).

use std::fmt::Write as _;

use futures_util::StreamExt as _;

use super::Context;
use super::session::{Session, describe_failure, print_json, report_result};
use crate::cli::TestArgs;
use crate::error::{CliError, CliResult};
use crate::salesforce::{StepName, TestReport, last_test};

pub async fn run(ctx: &Context, args: TestArgs) -> CliResult {
    if args.all {
        let session = Session::open(ctx)?;
        return run_all(ctx, &session, &args).await;
    }
    let (session, conn) = Session::for_connection(ctx, args.name.as_deref())?;
    let timeout = session.timeout(ctx, &conn);
    let report = session.engine.test(&conn, timeout, &|_| {}).await;
    record(ctx, std::slice::from_ref(&report));
    if args.json {
        print_json(&report)?;
    } else {
        print!("{}", render(&report, &StepName::ALL));
    }
    report_result(&report, &conn)
}

async fn run_all(ctx: &Context, session: &Session, args: &TestArgs) -> CliResult {
    let conns: Vec<_> = session.profiles.connections.values().cloned().collect();
    let reports: Vec<TestReport> = futures_util::stream::iter(conns.iter().map(|conn| {
        let timeout = session.timeout(ctx, conn);
        let engine = session.engine.clone();
        async move { engine.test(conn, timeout, &|_| {}).await }
    }))
    .buffered(usize::from(args.concurrency))
    .collect()
    .await;
    record(ctx, &reports);
    if args.json {
        print_json(&reports)?;
    } else {
        for report in &reports {
            print!("{}", render(report, &StepName::ALL));
            println!();
        }
        let passed = reports.iter().filter(|r| r.ok).count();
        let need_login = reports.iter().filter(|r| r.needs_login()).count();
        let failed = reports.len() - passed - need_login;
        println!("{passed} passed, {failed} failed, {need_login} need login");
    }
    let failed: Vec<&str> = reports
        .iter()
        .filter(|r| !r.ok && !r.needs_login())
        .map(|r| r.name.as_str())
        .collect();
    let need_login: Vec<&str> = reports
        .iter()
        .filter(|r| r.needs_login())
        .map(|r| r.name.as_str())
        .collect();
    if !failed.is_empty() {
        return Err(CliError::failure(format!(
            "{} of {} connections failed: {}",
            failed.len(),
            reports.len(),
            failed.join(", ")
        )));
    }
    if !need_login.is_empty() {
        return Err(CliError::needs_login(format!(
            "{} connections need `sfconn login NAME` first: {}",
            need_login.len(),
            need_login.join(", ")
        )));
    }
    Ok(())
}

/// Keep the outcome in the state file. A state file that cannot be written does not change the
/// test's result; it is reported on stderr.
fn record(ctx: &Context, reports: &[TestReport]) {
    // One locked write for all of them (500 connections must not mean 500 rewrites).
    let outcome = crate::state::State::update(&ctx.paths, |state| {
        for report in reports {
            state.tests.insert(report.name.clone(), last_test(report));
        }
    });
    if let Err(e) = outcome {
        eprintln!("warning: the test results were not saved: {e}");
    }
}

/// The plain-text form of a test or login: each step with ✓/✗ and its time, the failure in
/// Salesforce's words, then the hints.
pub(crate) fn render(report: &TestReport, expected: &[StepName]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})", report.name, report.flow);
    for step in &report.steps {
        let mark = if step.ok { "✓" } else { "✗" };
        let _ = writeln!(out, "  {mark} {:<9}{:>6} ms", step.step.as_str(), step.ms);
        if !step.ok
            && let Some(error) = report.error.as_ref().filter(|e| e.step == step.step)
        {
            let _ = writeln!(out, "      {}", describe_failure(&error.failure));
            for hint in &report.hints {
                let _ = writeln!(out, "      hint: {}", hint.title);
                for fix in &hint.fix {
                    let _ = writeln!(out, "        - {fix}");
                }
            }
        }
    }
    if report.error.is_some() {
        for step in expected {
            if !report.steps.iter().any(|s| s.step == *step) {
                let _ = writeln!(out, "  · {:<9}   not run", step.as_str());
            }
        }
    }
    if let Some(user) = &report.user {
        let _ = writeln!(
            out,
            "  Connected as {} ({}) in org {} at {}",
            user.username,
            user.name,
            user.organization_id,
            report.instance_url.as_deref().unwrap_or("?")
        );
    }
    out
}
