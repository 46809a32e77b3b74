//! `sfconn list`: every connection with flow, environment, user, default marker and last test.

use std::io::Write;

use serde::Serialize;

use super::Context;
use super::common::load_profiles;
use crate::error::{CliError, CliResult};
use crate::profile::{Connection, Profiles};
use crate::state::{LastTest, State};

/// The `list --json` object of one connection (PRODUCT.md section 4), fields in that order.
#[derive(Debug, Serialize)]
pub struct ConnectionSummary<'a> {
    pub name: &'a str,
    pub flow: &'static str,
    pub environment: &'static str,
    pub domain: Option<&'a str>,
    pub client_id: Option<&'a str>,
    pub username: Option<&'a str>,
    pub default: bool,
    pub last_test: Option<LastTestSummary<'a>>,
    /// Password connections only: days left until the flow's retirement on 2027-02-20.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_days_left: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct LastTestSummary<'a> {
    pub ok: bool,
    pub at: &'a str,
    pub error_code: Option<&'a str>,
}

impl<'a> ConnectionSummary<'a> {
    pub fn new(
        conn: &'a Connection,
        effective_default: Option<&str>,
        last: Option<&'a LastTest>,
    ) -> Self {
        ConnectionSummary {
            name: &conn.name,
            flow: conn.flow.as_str(),
            environment: conn.environment.as_str(),
            domain: conn.domain.as_deref(),
            client_id: conn.client_id.as_deref(),
            username: conn.username.as_deref(),
            default: effective_default == Some(conn.name.as_str()),
            last_test: last.map(|t| LastTestSummary {
                ok: t.ok,
                at: &t.at,
                error_code: t.error_code.as_deref(),
            }),
            password_days_left: (conn.flow == crate::profile::Flow::Password)
                .then(|| crate::eca::retirement::days_left(crate::eca::retirement::today())),
        }
    }
}

/// One-word outcome of the last test, for tables.
pub fn last_test_text(last: Option<&LastTest>) -> String {
    match last {
        None => "never tested".into(),
        Some(t) if t.ok => format!("ok {}", t.at),
        Some(t) => format!(
            "FAILED {} {}",
            t.error_code
                .as_deref()
                .or(t.failed_step.as_deref())
                .unwrap_or("error"),
            t.at
        ),
    }
}

fn table(profiles: &Profiles, state: &State, default: Option<&str>) -> String {
    let header = ["", "NAME", "FLOW", "ENV", "USER / DOMAIN", "LAST TEST"].map(String::from);
    let mut rows = vec![header];
    for conn in profiles.connections.values() {
        let who = conn
            .username
            .clone()
            .or_else(|| conn.domain.clone())
            .unwrap_or_else(|| "-".into());
        rows.push([
            if default == Some(conn.name.as_str()) {
                "*".into()
            } else {
                " ".into()
            },
            conn.name.clone(),
            if conn.flow == crate::profile::Flow::Password {
                format!(
                    "password ({})",
                    crate::eca::retirement::short(crate::eca::retirement::today())
                )
            } else {
                conn.flow.as_str().into()
            },
            if conn.is_production() {
                "PRODUCTION".into()
            } else {
                "sandbox".into()
            },
            who,
            last_test_text(state.tests.get(&conn.name)),
        ]);
    }
    let widths: Vec<usize> = (0..6)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i == 5 {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

pub async fn run(ctx: &Context, args: crate::cli::JsonArg) -> CliResult {
    if args.json {
        return run_json(ctx);
    }
    let profiles = load_profiles(ctx)?;
    let (state, damaged) = State::load_or_warn(&ctx.paths);
    if let Some(e) = damaged {
        eprintln!("warning: last test results are not shown: {e}");
    }
    let default = profiles.effective_default();
    if profiles.connections.is_empty() {
        return write_stdout(|out| {
            out.write_all(b"No connections yet. Create one with `sfconn add NAME --flow FLOW ...`, or try `sfconn demo`.\n")
        });
    }
    let text = table(&profiles, &state, default.as_deref());
    write_stdout(|out| out.write_all(text.as_bytes()))
}

/// `list --json`. Scripts and prompts call it often, on files that rarely change: the output is
/// cached for the exact bytes of the profile and state files (and the other inputs it depends
/// on), so a repeat costs two file reads and a hash, not a parse (issue 13's budget).
fn run_json(ctx: &Context) -> CliResult {
    let file = &ctx.paths.profile_file;
    let profile_bytes = Profiles::read(file)?;
    let state_bytes = State::read(&ctx.paths);
    let today = crate::eca::retirement::today().to_string();
    let chosen = std::env::var("SFCONN_PROFILE").ok();
    let cache = match &state_bytes {
        // A state file that cannot be read warns every time: not cached.
        Ok(state) => crate::profile::OutputCache::new(
            file,
            "list-json",
            &[profile_bytes.as_deref(), state.as_deref()],
            &[&today, chosen.as_deref().unwrap_or("\0unset")],
        ),
        Err(_) => None,
    };
    if let Some(out) = cache.as_ref().and_then(|c| c.get()) {
        return write_stdout(|w| w.write_all(&out));
    }
    let profiles = Profiles::from_bytes(file, profile_bytes)?;
    let (state, damaged) = match state_bytes.and_then(|b| State::from_bytes(&ctx.paths, b)) {
        Ok(state) => (state, None),
        Err(e) => (State::default(), Some(e)),
    };
    let cache = if let Some(e) = damaged {
        eprintln!("warning: last test results are not shown: {e}");
        None
    } else {
        cache
    };
    let default = profiles.effective_default();
    let items: Vec<ConnectionSummary> = profiles
        .connections
        .values()
        .map(|c| ConnectionSummary::new(c, default.as_deref(), state.tests.get(&c.name)))
        .collect();
    let mut out = serde_json::to_vec_pretty(&items)
        .map_err(|e| CliError::failure(format!("cannot write the list as JSON: {e}")))?;
    out.push(b'\n');
    if let Some(cache) = cache {
        cache.put(&out);
    }
    write_stdout(|w| w.write_all(&out))
}

/// Write to stdout through one buffer. A reader that stops early (`sfconn list | head`) is not
/// an error: the output it wanted has been delivered, so exit 0 quietly instead of panicking
/// the way `println!` does on a closed pipe.
fn write_stdout(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> CliResult {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::failure(format!("cannot write to stdout: {e}"))),
    }
}
