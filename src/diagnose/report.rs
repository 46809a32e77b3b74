//! The `doctor --report FILE` text: everything a support engineer needs, no secret.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use crate::profile::Connection;
use crate::secrets::SecretKind;

use super::doctor::DoctorReport;
use super::redact::Redactor;

/// What goes into the report besides the doctor run.
pub struct ReportContext<'a> {
    pub conn: &'a Connection,
    pub profile_file: &'a Path,
    /// Which secrets are stored (never their values).
    pub stored: &'a [SecretKind],
    /// RFC 3339 time of the run.
    pub generated_at: &'a str,
}

fn opt<T: std::fmt::Display>(value: &Option<T>) -> String {
    value
        .as_ref()
        .map(|v| v.to_string())
        .unwrap_or_else(|| "(not set)".into())
}

/// Render the report, then redact it.
pub fn render(report: &DoctorReport, ctx: &ReportContext<'_>, redactor: &Redactor) -> String {
    let mut s = String::new();
    let conn = ctx.conn;
    // Writing to a String cannot fail; the results are ignored on purpose.
    let _ = writeln!(s, "sfconn doctor report");
    let _ = writeln!(s, "====================");
    let _ = writeln!(s, "generated:      {}", ctx.generated_at);
    let _ = writeln!(s, "sfconn version: {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(
        s,
        "os:             {} {} ({})",
        std::env::consts::OS,
        std::env::consts::ARCH,
        std::env::consts::FAMILY
    );
    let _ = writeln!(s, "profile file:   {}", ctx.profile_file.display());
    let _ = writeln!(
        s,
        "result:         {}",
        if report.ok { "OK" } else { "FAILED" }
    );

    let _ = writeln!(s, "\nConnection `{}`", conn.name);
    let _ = writeln!(s, "  flow:          {}", conn.flow);
    let _ = writeln!(s, "  environment:   {}", conn.environment);
    let _ = writeln!(s, "  domain:        {}", opt(&conn.domain));
    let _ = writeln!(s, "  login host:    {}", conn.login_host());
    let _ = writeln!(s, "  client_id:     {}", opt(&conn.client_id));
    let _ = writeln!(s, "  username:      {}", opt(&conn.username));
    let _ = writeln!(
        s,
        "  key_file:      {}",
        opt(&conn.key_file.as_ref().map(|p| p.display()))
    );
    let _ = writeln!(
        s,
        "  cert_file:     {}",
        opt(&conn.cert_file.as_ref().map(|p| p.display()))
    );
    let _ = writeln!(s, "  audience:      {}", conn.audience());
    let _ = writeln!(s, "  scopes:        {}", conn.scopes());
    let _ = writeln!(s, "  callback_port: {}", conn.callback_port());
    let _ = writeln!(s, "  timeout_secs:  {}", opt(&conn.timeout_secs));
    let stored: Vec<&str> = ctx.stored.iter().map(|k| k.as_str()).collect();
    let _ = writeln!(
        s,
        "  secrets stored (values never shown): {}",
        if stored.is_empty() {
            "none".to_string()
        } else {
            stored.join(", ")
        }
    );

    let _ = writeln!(s, "\nPreflight checks");
    for c in &report.checks {
        let _ = writeln!(
            s,
            "  [{}] {} ({} ms): {}",
            c.status.as_str(),
            c.check,
            c.ms,
            c.detail
        );
        if !c.hints.is_empty() {
            let ids: Vec<&str> = c.hints.iter().map(|h| h.id.as_str()).collect();
            let _ = writeln!(s, "         hints: {}", ids.join(", "));
        }
    }

    let test = &report.test;
    let _ = writeln!(
        s,
        "\nConnection test: {}",
        if test.ok { "passed" } else { "failed" }
    );
    for step in &test.steps {
        let _ = writeln!(
            s,
            "  [{}] {} ({} ms)",
            if step.ok { "ok" } else { "fail" },
            step.step.as_str(),
            step.ms
        );
    }
    if let Some(url) = &test.instance_url {
        let _ = writeln!(s, "  instance_url: {url}");
    }
    if let Some(user) = &test.user {
        let _ = writeln!(
            s,
            "  user: {} ({}), user id {}, org id {}",
            user.username, user.name, user.user_id, user.organization_id
        );
    }
    if let Some(err) = &test.error {
        let _ = writeln!(
            s,
            "  failed step:  {}\n  http status:  {}\n  Salesforce's answer (exact):\n    error:       {}\n    description: {}",
            err.step.as_str(),
            opt(&err.http_status),
            opt(&err.code),
            opt(&err.description)
        );
    }

    let _ = writeln!(s, "\nLikely causes, most likely first");
    if report.hints.is_empty() {
        let _ = writeln!(s, "  none");
    }
    for (i, hint_ref) in report.hints.iter().enumerate() {
        let _ = writeln!(s, "  {}. {} [{}]", i + 1, hint_ref.title, hint_ref.id);
        if let Some(hint) = super::catalog().get(&hint_ref.id) {
            let _ = writeln!(s, "     cause: {}", hint.cause);
            if let Some(url) = hint.setup_url(conn) {
                let _ = writeln!(s, "     Setup page: {url}");
            }
        }
        for (n, step) in hint_ref.fix.iter().enumerate() {
            let _ = writeln!(
                s,
                "     {}) {}",
                n + 1,
                super::catalog::personalize(step, &conn.name)
            );
        }
    }
    redactor.redact(&s)
}

/// Write the report readable by its owner only (mode 0600), replacing any old file atomically.
pub fn write(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    // tempfile creates the file with mode 0600 on Unix; the rename keeps it.
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::preflight::{CheckResult, CheckStatus};
    use crate::profile::Flow;
    use crate::salesforce::{Failure, StepError, StepName, StepReport, TestReport};

    #[test]
    fn the_report_holds_settings_checks_steps_and_exact_answers_but_no_secret() {
        let mut conn = Connection::new("prod", Flow::Password);
        conn.client_id = Some("3MVG9-consumer-key".into());
        conn.username = Some("ops@acme.com".into());
        let test = TestReport {
            name: "prod".into(),
            token_source: None,
            ok: false,
            flow: Flow::Password,
            instance_url: None,
            user: None,
            steps: vec![
                StepReport {
                    step: StepName::Reach,
                    ok: true,
                    ms: 12,
                },
                StepReport {
                    step: StepName::Token,
                    ok: false,
                    ms: 34,
                },
            ],
            error: Some(StepError::new(
                StepName::Token,
                Failure::OAuth {
                    http_status: Some(400),
                    error: "invalid_grant".into(),
                    description: Some("authentication failure for pw-CANARY-1".into()),
                },
            )),
            hints: crate::diagnose::hints_for(
                &Failure::OAuth {
                    http_status: Some(400),
                    error: "invalid_grant".into(),
                    description: Some("authentication failure".into()),
                },
                Flow::Password,
            ),
        };
        let checks = vec![CheckResult::new("clock", CheckStatus::Pass, "within 1 s")];
        let report = DoctorReport::new("prod", checks, test);
        let mut redactor = Redactor::new();
        redactor.add("password", "pw-CANARY-1");
        let ctx = ReportContext {
            conn: &conn,
            profile_file: Path::new("/tmp/profiles.toml"),
            stored: &[SecretKind::ClientSecret, SecretKind::Password],
            generated_at: "2026-01-01T00:00:00Z",
        };
        let text = render(&report, &ctx, &redactor);
        for expected in [
            "sfconn version",
            "3MVG9-consumer-key",
            "[pass] clock",
            "[fail] token (34 ms)",
            "error:       invalid_grant",
            "password-auth-failed",
            "password-flow-blocked",
            "client_secret, password",
            "OrgLoginHistory",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        assert!(!text.contains("pw-CANARY-1"), "{text}");
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private_to_its_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.txt");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write(&path, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
