//! `sfconn show`: one connection's settings, which secrets are stored (never their values),
//! and its last test.

use serde::Serialize;

use super::Context;
use super::common::{open_secrets, resolve_connection};
use super::list::last_test_text;
use crate::error::CliResult;
use crate::profile::Connection;
use crate::salesforce::StepReport;
use crate::secrets::SecretKind;
use crate::state::{LastTest, State};

/// `show --json`: the `list --json` fields, then every other setting, the stored secret kinds
/// and the last test with its steps.
#[derive(Debug, Serialize)]
struct ShowJson<'a> {
    name: &'a str,
    flow: &'static str,
    environment: &'static str,
    domain: Option<&'a str>,
    client_id: Option<&'a str>,
    username: Option<&'a str>,
    default: bool,
    last_test: Option<LastTestJson<'a>>,
    login_host: &'a str,
    key_file: Option<&'a std::path::Path>,
    cert_file: Option<&'a std::path::Path>,
    audience: Option<&'a str>,
    scopes: Option<&'a str>,
    callback_port: Option<u16>,
    timeout_secs: u64,
    secrets: Vec<SecretKind>,
    /// Password connections only: days left until the flow's retirement on 2027-02-20.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_days_left: Option<i64>,
}

#[derive(Debug, Serialize)]
struct LastTestJson<'a> {
    ok: bool,
    at: &'a str,
    error_code: Option<&'a str>,
    failed_step: Option<&'a str>,
    hint_title: Option<&'a str>,
    token_source: Option<crate::salesforce::TokenSource>,
    steps: &'a [StepReport],
}

impl<'a> LastTestJson<'a> {
    fn new(t: &'a LastTest) -> Self {
        LastTestJson {
            ok: t.ok,
            at: &t.at,
            error_code: t.error_code.as_deref(),
            failed_step: t.failed_step.as_deref(),
            hint_title: t.hint_title.as_deref(),
            token_source: t.token_source,
            steps: &t.steps,
        }
    }
}

fn show_json<'a>(
    conn: &'a Connection,
    default: bool,
    last: Option<&'a LastTest>,
    timeout_secs: u64,
    secrets: Vec<SecretKind>,
) -> ShowJson<'a> {
    ShowJson {
        name: &conn.name,
        flow: conn.flow.as_str(),
        environment: conn.environment.as_str(),
        domain: conn.domain.as_deref(),
        client_id: conn.client_id.as_deref(),
        username: conn.username.as_deref(),
        default,
        last_test: last.map(LastTestJson::new),
        login_host: conn.login_host(),
        key_file: conn.key_file.as_deref(),
        cert_file: conn.cert_file.as_deref(),
        audience: conn.audience.as_deref(),
        scopes: conn.scopes.as_deref(),
        callback_port: conn.callback_port,
        timeout_secs,
        secrets,
        password_days_left: (conn.flow == crate::profile::Flow::Password)
            .then(|| crate::eca::retirement::days_left(crate::eca::retirement::today())),
    }
}

pub async fn run(ctx: &Context, args: crate::cli::ShowArgs) -> CliResult {
    let (profiles, conn) = resolve_connection(ctx, args.name.as_deref())?;
    let (state, damaged) = State::load_or_warn(&ctx.paths);
    if let Some(e) = damaged {
        eprintln!("warning: last test results are not shown: {e}");
    }
    let last = state.tests.get(&conn.name);
    let store = open_secrets(ctx)?;
    let name = conn.name.clone();
    let kinds = tokio::task::spawn_blocking(move || store.stored_kinds(&name))
        .await
        .map_err(|e| crate::error::CliError::failure(format!("secret store task failed: {e}")))??;
    let default = profiles.effective_default();
    let timeout = profiles.timeout_for(&conn, None).as_secs();
    let is_default = default.as_deref() == Some(conn.name.as_str());
    if args.json {
        let obj = show_json(&conn, is_default, last, timeout, kinds);
        println!("{}", serde_json::to_string_pretty(&obj).unwrap_or_default());
        return Ok(());
    }
    let mut lines: Vec<(&str, String)> =
        vec![("name", conn.name.clone()), ("flow", conn.flow.to_string())];
    if conn.flow == crate::profile::Flow::Password {
        lines.push((
            "retirement",
            format!(
                "{}; move off it with sfconn migrate {} --to jwt|client-credentials",
                crate::eca::retirement::marker(crate::eca::retirement::today()),
                conn.name
            ),
        ));
    }
    lines.extend([
        (
            "environment",
            if conn.is_production() {
                "PRODUCTION".into()
            } else {
                "sandbox".into()
            },
        ),
        ("login host", conn.login_host().to_string()),
    ]);
    let opt = |v: &Option<String>| v.clone();
    for (key, value) in [
        ("domain", opt(&conn.domain)),
        ("client id", opt(&conn.client_id)),
        ("username", opt(&conn.username)),
        (
            "key file",
            conn.key_file.as_ref().map(|p| p.display().to_string()),
        ),
        (
            "cert file",
            conn.cert_file.as_ref().map(|p| p.display().to_string()),
        ),
    ] {
        if let Some(v) = value {
            lines.push((key, v));
        }
    }
    match conn.flow {
        crate::profile::Flow::Jwt => lines.push(("audience", conn.audience().to_string())),
        crate::profile::Flow::Web => {
            lines.push(("scopes", conn.scopes().to_string()));
            lines.push(("callback port", conn.callback_port().to_string()));
        }
        crate::profile::Flow::Device => lines.push(("scopes", conn.scopes().to_string())),
        _ => {}
    }
    lines.push(("timeout", format!("{timeout} s")));
    lines.push((
        "secrets",
        if kinds.is_empty() {
            "none stored".into()
        } else {
            kinds
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        },
    ));
    lines.push((
        "default",
        if default.as_deref() == Some(conn.name.as_str()) {
            "yes".into()
        } else {
            "no".into()
        },
    ));
    lines.push(("last test", last_test_text(last)));
    if let Some(source) = last.and_then(|t| t.token_source) {
        lines.push(("token from", source.as_str().to_string()));
    }
    if let Some(t) = last {
        let steps: Vec<String> = t
            .steps
            .iter()
            .map(|s| {
                format!(
                    "{} {} {} ms",
                    s.step.as_str(),
                    if s.ok { "ok" } else { "FAILED" },
                    s.ms
                )
            })
            .collect();
        if !steps.is_empty() {
            lines.push(("steps", steps.join(", ")));
        }
        if let Some(h) = &t.hint_title {
            lines.push(("likely cause", h.clone()));
        }
    }
    let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in lines {
        println!("{:<width$}  {v}", format!("{k}:"), width = width + 1);
    }
    Ok(())
}
