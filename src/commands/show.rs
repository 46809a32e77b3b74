//! `sfconn show`: one connection's settings, which secrets are stored (never their values),
//! and its last test.

use serde_json::json;

use super::Context;
use super::common::{open_secrets, resolve_connection};
use super::list::{last_test_text, summary_json};
use crate::error::CliResult;
use crate::state::State;

pub async fn run(ctx: &Context, args: crate::cli::ShowArgs) -> CliResult {
    let (profiles, conn) = resolve_connection(ctx, args.name.as_deref())?;
    let state = State::load(&ctx.paths)?;
    let last = state.tests.get(&conn.name);
    let store = open_secrets(ctx)?;
    let name = conn.name.clone();
    let kinds = tokio::task::spawn_blocking(move || store.stored_kinds(&name))
        .await
        .map_err(|e| crate::error::CliError::failure(format!("secret store task failed: {e}")))??;
    let default = profiles.effective_default();
    let timeout = profiles.timeout_for(&conn, None).as_secs();
    if args.json {
        let mut obj = summary_json(&conn, default.as_deref(), last);
        if let (Some(map), Some(t)) = (obj.as_object_mut(), last) {
            map.insert(
                "last_test".into(),
                json!({
                    "ok": t.ok, "at": t.at, "error_code": t.error_code,
                    "failed_step": t.failed_step, "hint_title": t.hint_title, "steps": t.steps,
                }),
            );
        }
        if let Some(map) = obj.as_object_mut() {
            map.insert("login_host".into(), json!(conn.login_host()));
            map.insert("key_file".into(), json!(conn.key_file));
            map.insert("cert_file".into(), json!(conn.cert_file));
            map.insert("audience".into(), json!(conn.audience));
            map.insert("scopes".into(), json!(conn.scopes));
            map.insert("callback_port".into(), json!(conn.callback_port));
            map.insert("timeout_secs".into(), json!(timeout));
            map.insert(
                "secrets".into(),
                json!(kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>()),
            );
        }
        println!("{}", serde_json::to_string_pretty(&obj).unwrap_or_default());
        return Ok(());
    }
    let mut lines: Vec<(&str, String)> = vec![
        ("name", conn.name.clone()),
        ("flow", conn.flow.to_string()),
        (
            "environment",
            if conn.is_production() {
                "production (PRODUCTION)".into()
            } else {
                "sandbox".into()
            },
        ),
        ("login host", conn.login_host().to_string()),
    ];
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
