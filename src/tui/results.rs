//! Applying what background tasks report: results land on the connection they belong to (by
//! name), whatever screen is showing; a result from an older run (lower generation) is dropped.

use super::action::{Effect, RunKind, SaveError, SaveNote, TaskMsg};
use super::app::{App, ConnRow, RunStatus, Screen};
use super::update::start_run;
use super::wizard::{ConnectState, Wizard};
use crate::salesforce::{StepName, TestReport};
use crate::state::LastTest;

fn next_step(step: StepName) -> StepName {
    let i = StepName::ALL.iter().position(|s| *s == step).unwrap_or(0);
    StepName::ALL.get(i + 1).copied().unwrap_or(step)
}

/// The status line a finished run leaves.
pub fn status_of(report: &TestReport) -> RunStatus {
    if report.ok {
        RunStatus::Passed {
            ms: report.steps.iter().map(|s| s.ms).sum(),
        }
    } else if report.needs_login() {
        RunStatus::NeedsLogin
    } else {
        RunStatus::Failed {
            hint_title: failure_title(report),
        }
    }
}

/// The first hint's title, else Salesforce's own error.
pub fn failure_title(report: &TestReport) -> String {
    if let Some(h) = report.hints.first() {
        return h.title.clone();
    }
    match &report.error {
        Some(e) => match (&e.code, &e.description) {
            (Some(c), Some(d)) => format!("{c}: {d}"),
            (Some(c), None) => c.clone(),
            (None, Some(d)) => d.clone(),
            (None, None) => format!("{} failed", e.step.as_str()),
        },
        None => "failed".into(),
    }
}

/// The state-file record of a finished run (the engine's, stamped with the time the TUI got it).
pub fn last_test_of(report: &TestReport, at: &str) -> LastTest {
    crate::lifecycle::last_test(report, at)
}

fn wizard_waits_for<'a>(app: &'a mut App, name: &str, generation: u64) -> Option<&'a mut Wizard> {
    app.wizard
        .as_deref_mut()
        .filter(|w| w.saved_name.as_deref() == Some(name) && w.generation == generation)
}

pub(super) fn on_task(app: &mut App, msg: TaskMsg) -> Vec<Effect> {
    match msg {
        TaskMsg::Started { name, generation } => {
            if let Some(row) = app.row_mut(&name).filter(|r| r.generation == generation)
                && let RunStatus::Running { queued, .. } = &mut row.status
            {
                *queued = false;
            }
        }
        TaskMsg::StepDone {
            name,
            generation,
            step,
        } => {
            if let Some(row) = app
                .row_mut(&name)
                .filter(|r| r.generation == generation && r.is_running())
            {
                if let RunStatus::Running { kind, .. } = row.status {
                    row.status = RunStatus::Running {
                        kind,
                        step: next_step(step.step),
                        queued: false,
                    };
                }
                row.live_steps.push(step.clone());
            }
            if let Some(w) = wizard_waits_for(app, &name, generation)
                && let Some(ConnectState::Running { steps, .. }) = &mut w.connect
            {
                steps.push(step);
            }
        }
        TaskMsg::Login {
            name,
            generation,
            note,
        } => {
            let now = app.now;
            if let Some(row) = app.row_mut(&name).filter(|r| r.generation == generation) {
                row.login.apply(note.clone(), now);
            }
            if let Some(w) = wizard_waits_for(app, &name, generation)
                && let Some(ConnectState::Running { login, .. }) = &mut w.connect
            {
                login.apply(note, now);
            }
        }
        TaskMsg::RunDone {
            name,
            generation,
            report,
            at,
        } => {
            // Applied by name, whatever screen is showing: the row keeps its own result.
            if let Some(row) = app.row_mut(&name).filter(|r| r.generation == generation) {
                let signed_in = matches!(
                    row.status,
                    RunStatus::Running {
                        kind: RunKind::Login,
                        ..
                    }
                ) && row.conn.flow.is_interactive();
                row.status = status_of(&report);
                // A browser or device login's token step lasts as long as the person took to
                // approve it: the time shown is the checks' only (the token step keeps its own).
                if let (true, RunStatus::Passed { ms }) = (signed_in, &mut row.status) {
                    *ms = super::app::passed_ms(&report.steps, row.conn.flow, true);
                }
                row.last = Some(last_test_of(&report, &at));
                row.live_steps.clear();
                row.report = Some((*report).clone());
            }
            if let Some(w) = wizard_waits_for(app, &name, generation) {
                w.connect = Some(if report.ok {
                    ConnectState::Connected { report }
                } else {
                    let message = failure_title(&report);
                    ConnectState::Failed {
                        report: Some(report),
                        message,
                        fields: Vec::new(),
                    }
                });
            }
        }
        TaskMsg::Saved {
            conn,
            replaces,
            result,
        } => return on_saved(app, *conn, replaces, result),
        TaskMsg::FilesChanged { profiles, state } => match profiles {
            Ok(profiles) => {
                app.file_error = None;
                app.reload(*profiles, *state);
            }
            // The list stays as it was last read: the banner says why it is not the file's.
            Err(e) => app.file_error = Some(e),
        },
        TaskMsg::Revoked { name, result } => match result {
            Ok(message) => {
                if let Some(row) = app.row_mut(&name)
                    && row.conn.flow.is_interactive()
                {
                    row.status = RunStatus::NeedsLogin;
                }
                app.info(message);
            }
            Err(e) => app.error(format!("Could not revoke the tokens of {name}: {e}")),
        },
        TaskMsg::Deleted { name, result } => match result {
            Ok(()) => {
                app.remove_row(&name);
                if app.default.as_deref() == Some(name.as_str()) {
                    app.default = None;
                }
                if matches!(&app.screen, Screen::Detail { name: n } if *n == name) {
                    app.screen = Screen::List;
                }
                app.info(format!("Deleted {name} and its secrets"));
            }
            Err(e) => app.error(format!("Could not delete {name}: {e}")),
        },
        TaskMsg::DefaultSet { name, result } => match result {
            Ok(()) => {
                app.info(format!("{name} is now the default connection"));
                app.default = Some(name);
            }
            Err(e) => app.error(format!("Could not make {name} the default: {e}")),
        },
        TaskMsg::SecretKinds { name, kinds } => {
            if let (Ok(stored), Some(w)) = (&kinds, app.wizard.as_deref_mut())
                && w.editing.as_deref() == Some(name.as_str())
            {
                w.set_stored(stored);
            }
            if let Some(row) = app.row_mut(&name) {
                row.secrets = Some(kinds);
            }
        }
        TaskMsg::Opened { url, result } => match result {
            Ok(()) => app.info(format!("Opened {url} in your browser")),
            // Plain words, and the address whole on its own rows; why goes to the log.
            Err(e) => {
                tracing::warn!(%url, error = %e, "no browser could be opened");
                app.error(format!(
                    "No browser could be opened; open this page yourself:\n{url}"
                ));
            }
        },
        TaskMsg::AppDeploy { generation, event } => on_app_event(app, generation, event),
        TaskMsg::AppDeployed {
            generation,
            name,
            result,
        } => {
            let creating = app.wizard.as_deref().is_some_and(|w| w.create.is_some());
            if creating {
                // Applied only by the deploy it belongs to; an earlier attempt's end is old news.
                if let Some(w) = app.wizard.as_deref_mut() {
                    w.app_deployed(generation, result);
                }
            } else {
                // The wizard moved on; the result still says what became of the connection.
                match result {
                    Ok(_) => app.info(format!(
                        "The External Client App for {name} is deployed and {name} is saved"
                    )),
                    Err(e) => app.error(format!(
                        "Creating the app for {name} failed: {}",
                        e.message.lines().next().unwrap_or_default()
                    )),
                }
            }
        }
        TaskMsg::KeyGenerated { name, result } => match result {
            Ok((key, cert)) => {
                if let Some(w) = app.wizard.as_deref_mut() {
                    w.key_generated(&key, &cert);
                }
                app.info(format!(
                    "Made a key pair for {name}: upload {} in External Client App Manager → your app → OAuth Settings → Enable JWT Bearer Flow",
                    cert.display()
                ));
            }
            Err(e) => app.error(format!("Could not make a key pair for {name}: {e}")),
        },
    }
    Vec::new()
}

/// A deploy's progress: a saved connection joins the list whatever the wizard shows; the rest
/// goes to the wizard that asked for this deploy.
fn on_app_event(app: &mut App, generation: u64, event: crate::eca::deploy::DeployEvent) {
    if let crate::eca::deploy::DeployEvent::Saved { conn, .. } = &event {
        let name = conn.name.clone();
        let mut row = ConnRow::new(
            (**conn).clone(),
            app.row(&name).and_then(|r| r.last.clone()),
        );
        row.generation = app.row(&name).map_or(0, |r| r.generation);
        app.upsert_row(row);
    }
    let now = app.now;
    if let Some(w) = app.wizard.as_deref_mut() {
        w.app_event(generation, event, now);
    }
}

/// "Saved NAME", and what the save made stale, and what to do about it.
fn saved_message(name: &str, note: &SaveNote) -> String {
    let mut message = format!("Saved {name}");
    if !note.dropped.is_empty() {
        let kinds: Vec<&str> = note.dropped.iter().map(|k| k.label()).collect();
        message.push_str(&format!(
            "; deleted the stored {} (stale for the new settings)",
            kinds.join(" and ")
        ));
    }
    if !note.orphans_removed.is_empty() {
        message.push_str("; removed secrets an interrupted save had left under this name");
    }
    if let Some(next) = &note.next_step {
        message.push_str(&format!(". Next: press l or run `{next}`"));
    }
    message
}

fn on_saved(
    app: &mut App,
    conn: crate::profile::Connection,
    replaces: Option<String>,
    result: Result<SaveNote, SaveError>,
) -> Vec<Effect> {
    let name = conn.name.clone();
    let waiting = app.wizard.as_deref().is_some_and(|w| {
        w.saved_name.as_deref() == Some(name.as_str())
            && matches!(w.connect, Some(ConnectState::Saving))
    });
    let note = match result {
        Ok(note) => note,
        Err(e) => {
            // A broken profiles.toml is fixed in the file, not in a field: say where, and that
            // `r` tries again.
            let text = match e.message.strip_suffix(crate::profile::file::FIX_THE_FILE) {
                Some(problem) => format!(
                    "{problem}; fix profiles.toml at that line and column, then press r to retry (sfconn did not change it)"
                ),
                None => e.to_string(),
            };
            let message = format!("Could not save {name}: {text}");
            match app.wizard.as_deref_mut().filter(|_| waiting) {
                Some(w) => {
                    w.connect = Some(ConnectState::Failed {
                        report: None,
                        message,
                        fields: e.fields,
                    });
                    // The wizard shows why; an older "Saved …" line would contradict it.
                    app.notice = None;
                }
                None => app.error(message),
            }
            return Vec::new();
        }
    };
    // A rename keeps the old row's generation so its late results stay stale, and its last
    // test, which the state file moved along.
    let mut generation = app.row(&name).map_or(0, |r| r.generation);
    let mut last = app.row(&name).and_then(|r| r.last.clone());
    if let Some(old) = replaces.as_deref().filter(|old| *old != name) {
        generation = generation.max(app.row(old).map_or(0, |r| r.generation));
        last = last.or_else(|| app.row(old).and_then(|r| r.last.clone()));
        app.remove_row(old);
        if app.default.as_deref() == Some(old) {
            app.default = Some(name.clone());
        }
    }
    if note.made_default {
        app.default = Some(name.clone());
    }
    let mut row = ConnRow::new(conn, last);
    row.generation = generation;
    app.upsert_row(row);
    app.info(saved_message(&name, &note));
    if !waiting {
        return Vec::new();
    }
    if let Some(w) = app.wizard.as_deref_mut() {
        // From now on the wizard edits what it saved: Retry after a fix is an edit, never a
        // second add that collides with the first.
        w.saved(&name);
    }
    let kind = match app.row(&name) {
        Some(r) if r.conn.flow.is_interactive() => RunKind::Login,
        _ => RunKind::Test,
    };
    let mut effect = start_run(app, &name, kind);
    // The wizard's Connect proves the settings just saved, not a token cached before them
    // (`sfconn test --fresh`).
    if let Some(Effect::Run { policy, .. }) = effect.as_mut() {
        *policy = crate::salesforce::TokenPolicy::Fresh;
    }
    let generation = app.row(&name).map_or(0, |r| r.generation);
    if let Some(w) = app.wizard.as_deref_mut() {
        w.generation = generation;
        w.connect = Some(ConnectState::Running {
            kind,
            steps: Vec::new(),
            login: Default::default(),
        });
    }
    effect.into_iter().collect()
}
