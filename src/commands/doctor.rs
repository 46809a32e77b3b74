//! `sfconn doctor NAME [--report FILE] [--json]`: preflight checks, the connection test and the
//! ranked hints (PRODUCT.md sections 4 and 6).

use std::fmt::Write as _;

use super::Context;
use super::common::{resolve_connection, timeout_for};
use crate::cli::DoctorArgs;
use crate::diagnose::doctor::{DoctorReport, audience_check, audience_rejected};
use crate::diagnose::preflight::{CheckStatus, PreflightContext, preflight};
use crate::diagnose::redact::Redactor;
use crate::diagnose::report::{ReportContext, render, write};
use crate::error::{CliError, CliResult, ExitCode};
use crate::profile::{Connection, Flow};
use crate::salesforce::{Engine, Failure, StepError, StepName, TestReport, TokenPolicy};
use crate::secrets::{SecretError, SecretKind, SecretStore};

pub async fn run(ctx: &Context, args: DoctorArgs) -> CliResult {
    if let Some(path) = &args.report {
        check_report_path(path)?;
    }
    let (profiles, conn) = resolve_connection(ctx, args.name.as_deref())?;
    let timeout = timeout_for(ctx, &profiles, &conn);
    let pctx = PreflightContext {
        secrets: SecretStore::open(&ctx.paths),
        timeout,
        // The engine reads a relative key_file from the working directory; check the same file.
        base_dir: std::env::current_dir().unwrap_or_else(|_| ctx.paths.home.clone()),
    };

    let mut checks = preflight(&conn, &pctx).await;
    if let Ok(store) = &pctx.secrets
        && let Some(check) = orphans_check(store, &profiles).await
    {
        checks.push(check);
    }
    // Doctor proves the credentials: a cached token would hide a rotated secret.
    let test = match &pctx.secrets {
        Ok(store) => {
            Engine::new(store.clone())
                .test(&conn, timeout, TokenPolicy::Fresh, &|_| {})
                .await
        }
        Err(err) => store_failed_test(&conn, err),
    };
    // The test inside doctor is a real test: `list` and the TUI show its outcome too.
    if pctx.secrets.is_ok() {
        super::test::record(ctx, std::slice::from_ref(&test));
    }
    if conn.flow == Flow::Jwt && audience_rejected(&test) {
        checks.push(audience_check(&conn, &pctx).await);
    }
    let report = DoctorReport::new(&conn.name, checks, test);

    if let Some(path) = &args.report {
        let text = support_report(ctx, &conn, &pctx, &report).await;
        write(path, &text).map_err(|e| {
            CliError::usage(format!(
                "cannot write the report to {}: {e}; pick a writable path for --report",
                path.display()
            ))
        })?;
        if !args.json {
            eprintln!(
                "Report written to {} (secrets removed, mode 0600).",
                path.display()
            );
        }
    }

    if args.json {
        let json = serde_json::to_string_pretty(&report).map_err(|e| {
            CliError::failure(format!("cannot encode the doctor result as JSON: {e}"))
        })?;
        println!("{json}");
    } else {
        print!("{}", human(&conn, &report));
        if conn.flow == Flow::Password {
            println!(
                "\nPassword flow: {}. Move off it: sfconn migrate {} --to jwt|client-credentials --admin ADMIN",
                crate::eca::retirement::marker(crate::eca::retirement::today()),
                conn.name
            );
        }
    }
    outcome(&report)
}

/// Secrets stored under names the profile file does not have: a save killed half-way, or a
/// connection deleted from the file by hand. sfconn never uses them, and the next `add` of
/// such a name deletes them first; doctor says they are there.
async fn orphans_check(
    store: &SecretStore,
    profiles: &crate::profile::Profiles,
) -> Option<crate::diagnose::CheckResult> {
    let store = store.clone();
    let names = tokio::task::spawn_blocking(move || store.connection_names())
        .await
        .ok()?
        .ok()??;
    let orphans: Vec<String> = names
        .into_iter()
        .filter(|name| !profiles.connections.contains_key(name))
        .collect();
    if orphans.is_empty() {
        return None;
    }
    Some(crate::diagnose::CheckResult::new(
        "orphaned-secrets",
        CheckStatus::Warn,
        format!(
            "secrets are stored for {} with no connection in the profile file (an interrupted save or a hand edit); sfconn never uses them, and `sfconn add` of that name deletes them first",
            orphans.join(", ")
        ),
    ))
}

/// Refuse a `--report` path that cannot be written before anything runs (exit 2).
fn check_report_path(path: &std::path::Path) -> CliResult {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    if path.is_dir() {
        return Err(CliError::usage(format!(
            "--report {}: is a directory; name a file, for example {}",
            path.display(),
            path.join("sfconn-report.txt").display()
        )));
    }
    if !dir.is_dir() {
        return Err(CliError::usage(format!(
            "--report {}: the directory {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    Ok(())
}

/// The test result when the secret store cannot be opened: nothing can be tried without it.
fn store_failed_test(conn: &Connection, err: &SecretError) -> TestReport {
    let condition = err.condition();
    let failure = Failure::Local {
        condition,
        detail: err.to_string(),
    };
    TestReport {
        name: conn.name.clone(),
        ok: false,
        flow: conn.flow,
        instance_url: None,
        token_source: None,
        user: None,
        steps: Vec::new(),
        hints: crate::diagnose::hints_for(&failure, conn.flow),
        error: Some(StepError::new(StepName::Token, failure)),
    }
}

fn outcome(report: &DoctorReport) -> CliResult {
    if report.ok {
        return Ok(());
    }
    let failed = report.failed_checks();
    let mut message = format!("doctor found problems with `{}`:", report.name);
    match failed {
        0 => {}
        1 => message.push_str(" 1 check failed;"),
        n => {
            let _ = write!(message, " {n} checks failed;");
        }
    }
    match &report.test.error {
        Some(err) => {
            let _ = write!(
                message,
                " the test failed at the {} step",
                err.step.as_str()
            );
        }
        None => message.push_str(" the test passed"),
    }
    if let Some(first) = report.hints.first() {
        let _ = write!(message, "; most likely: {} [{}]", first.title, first.id);
    }
    let code = if failed == 0 && report.test.needs_login() {
        ExitCode::NeedsLogin
    } else {
        ExitCode::Failure
    };
    Err(CliError { code, message })
}

fn status_word(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::Pass => "pass",
        CheckStatus::Warn => "warn",
        CheckStatus::Fail => "FAIL",
    }
}

/// The readable layout: checks, test steps, Salesforce's answer, then the hints with their fixes.
fn human(conn: &Connection, report: &DoctorReport) -> String {
    let mut s = String::new();
    let badge = if conn.is_production() {
        "PRODUCTION"
    } else {
        "sandbox"
    };
    let _ = writeln!(
        s,
        "Doctor: {} ({}, {badge}, {})\n",
        conn.name,
        conn.flow,
        conn.login_host()
    );
    let _ = writeln!(s, "Checks");
    let width = report
        .checks
        .iter()
        .map(|c| c.check.len())
        .max()
        .unwrap_or(0);
    for c in &report.checks {
        let _ = writeln!(
            s,
            "  {}  {:<width$}  {}",
            status_word(c.status),
            c.check,
            c.detail
        );
    }

    let test = &report.test;
    let _ = writeln!(s, "\nTest");
    for step in &test.steps {
        let _ = writeln!(
            s,
            "  {}  {:<8}  {:>6} ms",
            if step.ok { "ok  " } else { "FAIL" },
            step.step.as_str(),
            step.ms
        );
    }
    if let Some(source) = test.token_source {
        let _ = writeln!(s, "  token source: {}", source.as_str());
    }
    if let Some(user) = &test.user {
        let _ = writeln!(
            s,
            "  Connected as {} in org {}",
            user.username, user.organization_id
        );
    }
    if let Some(err) = &test.error {
        let status = err
            .http_status
            .map(|st| format!("HTTP {st}"))
            .unwrap_or_else(|| "no HTTP answer".into());
        let _ = writeln!(
            s,
            "  {} step failed ({status}): {}{}",
            err.step.as_str(),
            err.code.as_deref().unwrap_or("-"),
            err.description
                .as_deref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        );
    }

    if !report.hints.is_empty() {
        let _ = writeln!(s, "\nLikely causes, most likely first");
    }
    for (i, hint) in report.hints.iter().enumerate() {
        let _ = writeln!(s, "  {}. {}  [{}]", i + 1, hint.title, hint.id);
        if let Some(entry) = crate::diagnose::catalog().get(&hint.id) {
            let _ = writeln!(s, "     {}", entry.cause);
            for (n, step) in hint.fix.iter().enumerate() {
                let _ = writeln!(s, "     {}) {step}", n + 1);
            }
            if let Some(url) = entry.setup_url(conn) {
                let _ = writeln!(s, "     Setup page: {url}");
            }
        }
    }
    let _ = writeln!(
        s,
        "\nResult: {}",
        if report.ok { "OK" } else { "problems found" }
    );
    s
}

/// The redacted support report: every secret of the connection is loaded so it can be removed
/// by value wherever it might appear.
async fn support_report(
    ctx: &Context,
    conn: &Connection,
    pctx: &PreflightContext,
    report: &DoctorReport,
) -> String {
    let mut redactor = Redactor::new();
    let mut stored = Vec::new();
    if let Ok(store) = &pctx.secrets {
        let (store, name) = (store.clone(), conn.name.clone());
        let found = tokio::task::spawn_blocking(move || {
            SecretKind::ALL
                .iter()
                .filter_map(|kind| match store.get(&name, *kind) {
                    Ok(Some(value)) => Some((*kind, value)),
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        for (kind, value) in &found {
            redactor.add(kind.as_str(), value);
            stored.push(*kind);
        }
    }
    for (setting, path) in [("private_key", &conn.key_file)] {
        if let Some(path) = path
            && let Ok(bytes) = crate::profile::atomic::read_capped(
                &pctx.base_dir.join(path),
                crate::profile::atomic::MAX_KEY_FILE,
            )
        {
            redactor.add(setting, &String::from_utf8_lossy(&bytes));
        }
    }
    let generated_at = crate::state::now_rfc3339();
    render(
        report,
        &ReportContext {
            conn,
            profile_file: &ctx.paths.profile_file,
            stored: &stored,
            generated_at: &generated_at,
        },
        &redactor,
    )
}
