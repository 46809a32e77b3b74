//! `sfconn test [NAME | --all]` (PRODUCT.md section 5).

use std::fmt::Write as _;

use super::Context;
use super::session::{Session, describe_failure, print_json, report_result};
use crate::cli::TestArgs;
use crate::error::{CliError, CliResult};
use crate::salesforce::{StepName, TestReport, TokenPolicy, TokenSource};

pub async fn run(ctx: &Context, args: TestArgs) -> CliResult {
    if args.all {
        let session = Session::open(ctx)?;
        return run_all(ctx, &session, &args).await;
    }
    let (session, conn) = Session::for_connection(ctx, args.name.as_deref())?;
    let timeout = session.timeout(ctx, &conn);
    let mut report = session
        .engine
        .test(&conn, timeout, policy(&args), &|_| {})
        .await;
    record(ctx, std::slice::from_ref(&report));
    running_test(&mut report);
    if args.json {
        print_json(&report)?;
    } else {
        print!("{}", render(&report, &StepName::ALL));
    }
    report_result(&report, &conn)
}

async fn run_all(ctx: &Context, session: &Session, args: &TestArgs) -> CliResult {
    let conns = session
        .profiles
        .connections
        .values()
        .map(|conn| (conn.clone(), session.timeout(ctx, conn)))
        .collect();
    let mut reports = session
        .engine
        .test_all(conns, policy(args), usize::from(args.concurrency))
        .await
        .map_err(|e| CliError::failure(format!("a connection test stopped: {e}")))?;
    record(ctx, &reports);
    reports.iter_mut().for_each(running_test);
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
        let commands: Vec<String> = need_login
            .iter()
            .map(|n| format!("sfconn login {n}"))
            .collect();
        return Err(CliError::needs_login(format!(
            "{} connections need an interactive login first; run: {}",
            need_login.len(),
            commands.join("; ")
        )));
    }
    Ok(())
}

fn policy(args: &TestArgs) -> TokenPolicy {
    if args.fresh {
        TokenPolicy::Fresh
    } else {
        TokenPolicy::UseCache
    }
}

/// The hints as someone running `sfconn test` reads them: no "run sfconn test NAME".
fn running_test(report: &mut TestReport) {
    let name = report.name.clone();
    crate::diagnose::for_connection(&mut report.hints, &name, Some("test"));
}

/// Keep the outcome in the state file (tests, logins and doctor's test alike). A state file
/// that cannot be written does not change the result; it is reported on stderr.
pub(crate) fn record(ctx: &Context, reports: &[TestReport]) {
    let at = crate::state::now_rfc3339();
    if let Err(e) = crate::lifecycle::record(&ctx.paths, reports, &at) {
        eprintln!("warning: the results were not saved to the state file: {e}");
    }
}

/// The plain-text form of a test or login: each step with ✓/✗ and its time, the failure in
/// Salesforce's words, then the hints.
pub(crate) fn render(report: &TestReport, expected: &[StepName]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})", report.name, report.flow);
    for step in &report.steps {
        let mark = if step.ok { "✓" } else { "✗" };
        let source = match (step.step, report.token_source) {
            (StepName::Token, Some(source)) => format!("  ({})", source.as_str()),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "  {mark} {:<9}{:>6} ms{source}",
            step.step.as_str(),
            step.ms
        );
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
    if report.ok && report.token_source == Some(TokenSource::Cached) {
        let _ = writeln!(
            out,
            "  The token came from the cache: this proves the token, not the credentials (`sfconn test {} --fresh` proves them)",
            report.name
        );
    }
    if report.needs_login() {
        let _ = writeln!(out, "  Next: sfconn login {}", report.name);
    }
    out
}
