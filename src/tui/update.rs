//! `update`: the only place the TUI state changes. Takes an action, returns the background work
//! to start (effects); the task spawner runs them and reports back with `Action::Task`.

use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;

use super::action::{Action, Cmd, Effect, RunKind};
use super::app::{App, Overlay, RunStatus, Screen};
use super::results::on_task;
use super::widgets::single_line_input;
use super::wizard::{Outcome, Wizard};
use crate::salesforce::StepName;
use crate::secrets::SecretKind;

const PAGE: usize = 10;

/// Apply one action to the state; return the work to start.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Tick { now } => {
            let minute_changed = now.unix_timestamp() / 60 != app.now.unix_timestamp() / 60;
            app.now = now;
            if app.any_running() {
                app.spinner = app.spinner.wrapping_add(1);
                app.dirty = true;
            } else if minute_changed {
                app.dirty = true;
            }
            Vec::new()
        }
        Action::Resize { width, height } => {
            app.size = ratatui::layout::Rect::new(0, 0, width, height);
            app.detail_scroll = app.detail_scroll.min(detail_max_scroll(app));
            let most = connect_max_scroll(app);
            if let Some(w) = app.wizard.as_deref_mut() {
                w.connect_scroll = w.connect_scroll.min(most);
            }
            app.dirty = true;
            Vec::new()
        }
        Action::Input(key) => {
            app.dirty = true;
            on_input(app, key);
            Vec::new()
        }
        Action::Paste(text) => {
            app.dirty = true;
            on_paste(app, &text);
            Vec::new()
        }
        Action::Cmd(cmd) => {
            app.dirty = true;
            on_cmd(app, cmd)
        }
        Action::Task(msg) => {
            app.dirty = true;
            on_task(app, msg)
        }
    }
}

fn taken_by_other<'a>(app: &'a App, editing: Option<String>) -> impl Fn(&str) -> bool + 'a {
    move |name: &str| editing.as_deref() != Some(name) && app.index_of(name).is_some()
}

fn on_paste(app: &mut App, text: &str) {
    use crate::tui::widgets::{MAX_INPUT_CHARS, paste_into};
    if let Some(Overlay::ConfirmDelete { typed, refused, .. }) = &mut app.overlay {
        if paste_into(typed, text, MAX_INPUT_CHARS) {
            *refused = false;
        }
        return;
    }
    match app.screen {
        Screen::List
            if app.filter_editing && paste_into(&mut app.filter, text, MAX_INPUT_CHARS) =>
        {
            app.refilter();
            app.selected = 0;
        }
        Screen::Wizard => {
            if let Some(mut wizard) = app.wizard.take() {
                {
                    let taken = taken_by_other(app, wizard.editing.clone());
                    wizard.on_paste(text, &taken);
                }
                app.wizard = Some(wizard);
            }
        }
        _ => {}
    }
}

fn on_input(app: &mut App, key: KeyEvent) {
    if let Some(Overlay::ConfirmDelete { typed, refused, .. }) = &mut app.overlay {
        if single_line_input(typed, key) {
            *refused = false;
        }
        return;
    }
    match app.screen {
        Screen::List if app.filter_editing && single_line_input(&mut app.filter, key) => {
            app.refilter();
            app.selected = 0;
        }
        Screen::Wizard => {
            if let Some(mut wizard) = app.wizard.take() {
                {
                    let taken = taken_by_other(app, wizard.editing.clone());
                    wizard.on_input(key, &taken);
                }
                app.wizard = Some(wizard);
            }
        }
        _ => {}
    }
}

fn on_cmd(app: &mut App, cmd: Cmd) -> Vec<Effect> {
    if cmd == Cmd::Quit {
        app.quit = true;
        return Vec::new();
    }
    if cmd == Cmd::QuitAsk {
        if app.wizard.as_ref().is_some_and(|w| w.unsaved()) {
            app.overlay = Some(Overlay::ConfirmQuit);
        } else {
            app.quit = true;
        }
        return Vec::new();
    }
    match &app.overlay {
        Some(Overlay::ConfirmQuit) => {
            match cmd {
                Cmd::Accept => app.quit = true,
                Cmd::Decline | Cmd::Back => app.overlay = None,
                _ => {}
            }
            return Vec::new();
        }
        Some(Overlay::Help) => {
            if matches!(cmd, Cmd::Back | Cmd::Help) {
                app.overlay = None;
            }
            return Vec::new();
        }
        Some(Overlay::ConfirmDelete { .. }) => return on_confirm(app, cmd),
        None => {}
    }
    if cmd == Cmd::Help {
        app.overlay = Some(Overlay::Help);
        return Vec::new();
    }
    if app.screen == Screen::Wizard {
        return on_wizard_cmd(app, cmd);
    }
    // Everything below acts on a connection: the detail view's, or the selected one.
    let target = match &app.screen {
        Screen::Detail { name } => Some(name.clone()),
        _ => app.selected_row().map(|r| r.conn.name.clone()),
    };
    let in_detail = matches!(app.screen, Screen::Detail { .. });
    match cmd {
        // From where the view really is: a shorter result may have come in since.
        Cmd::Up if in_detail => {
            app.detail_scroll = app
                .detail_scroll
                .min(detail_max_scroll(app))
                .saturating_sub(1);
        }
        Cmd::Down if in_detail => {
            app.detail_scroll = app
                .detail_scroll
                .saturating_add(1)
                .min(detail_max_scroll(app));
        }
        Cmd::PageUp | Cmd::PageDown | Cmd::Top | Cmd::Bottom if in_detail => {
            let most = detail_max_scroll(app);
            let page = super::detail::page_rows(app, super::render::body_area(app, app.size));
            let now = app.detail_scroll.min(most);
            app.detail_scroll = match cmd {
                Cmd::PageUp => now.saturating_sub(page),
                Cmd::PageDown => now.saturating_add(page).min(most),
                Cmd::Top => 0,
                _ => most,
            };
        }
        Cmd::Up => app.selected = app.selected.saturating_sub(1),
        Cmd::Down => app.selected = (app.selected + 1).min(app.visible.len().saturating_sub(1)),
        Cmd::PageUp => app.selected = app.selected.saturating_sub(PAGE),
        Cmd::PageDown => {
            app.selected = (app.selected + PAGE).min(app.visible.len().saturating_sub(1));
        }
        Cmd::Top => app.selected = 0,
        Cmd::Bottom => app.selected = app.visible.len().saturating_sub(1),
        Cmd::Filter => app.filter_editing = true,
        Cmd::Accept => app.filter_editing = false,
        Cmd::Back => match app.screen {
            Screen::Detail { .. } => app.screen = Screen::List,
            // Esc on a filter clears the filter, nothing else (the demo's banner stays); on
            // the bare list it dismisses the status line.
            _ if app.filter_editing || !app.filter_text().is_empty() => {
                app.filter_editing = false;
                if !app.filter_text().is_empty() {
                    app.filter = fresh_filter(&app.filter);
                    app.refilter();
                }
            }
            _ => app.notice = None,
        },
        Cmd::Details => {
            if let Some(name) = target {
                app.screen = Screen::Detail { name: name.clone() };
                app.detail_scroll = 0;
                return vec![Effect::LoadSecretKinds { name }];
            }
        }
        Cmd::New => match Wizard::create(app.base_dir()) {
            Ok(mut w) => {
                if let Some(prefill) = app.wizard_prefill.clone() {
                    w.prefill(prefill);
                }
                app.notice = None;
                app.wizard = Some(Box::new(w));
                app.screen = Screen::Wizard;
            }
            Err(e) => app.error(e),
        },
        Cmd::Edit => {
            if let Some(row) = target.as_deref().and_then(|n| app.row(n)) {
                let stored = match &row.secrets {
                    Some(Ok(kinds)) => kinds.clone(),
                    // Not loaded (or unreadable): treat secrets as kept unless retyped.
                    _ => SecretKind::ALL.to_vec(),
                };
                let load = match row.secrets {
                    Some(Ok(_)) => None,
                    _ => Some(Effect::LoadSecretKinds {
                        name: row.conn.name.clone(),
                    }),
                };
                match Wizard::edit(&row.conn, &stored, app.base_dir()) {
                    Ok(w) => {
                        app.notice = None;
                        app.wizard = Some(Box::new(w));
                        app.screen = Screen::Wizard;
                        // The secret fields say "stored" only for what the store really holds.
                        return load.into_iter().collect();
                    }
                    Err(e) => app.error(e),
                }
            }
        }
        Cmd::CancelLogin => {
            let Some(row) = target.as_deref().and_then(|n| app.row_mut(n)) else {
                return Vec::new();
            };
            if !matches!(
                row.status,
                RunStatus::Running {
                    kind: RunKind::Login,
                    ..
                }
            ) {
                return Vec::new();
            }
            // A newer generation: anything the cancelled login still reports is dropped.
            let (name, generation) = (row.conn.name.clone(), row.generation);
            row.generation += 1;
            row.status = super::app::ConnRow::status_of_last(row.last.as_ref(), row.conn.flow);
            row.live_steps.clear();
            row.login = Default::default();
            app.info(format!("Login to {name} cancelled; nothing was stored."));
            return vec![Effect::CancelLogin { name, generation }];
        }
        Cmd::Test => {
            return target
                .and_then(|n| start_run(app, &n, RunKind::Test))
                .into_iter()
                .collect();
        }
        Cmd::Login => {
            let Some(name) = target else {
                return Vec::new();
            };
            let mut effects: Vec<Effect> =
                start_run(app, &name, RunKind::Login).into_iter().collect();
            // A login may need the person: the browser URL or the device code shows in the detail view.
            if app.screen == Screen::List {
                app.screen = Screen::Detail { name: name.clone() };
                app.detail_scroll = 0;
                effects.push(Effect::LoadSecretKinds { name });
            }
            return effects;
        }
        Cmd::TestAll => {
            // A connection waiting on a login keeps it: a test would replace the code on screen.
            let names: Vec<String> = app
                .visible
                .iter()
                .map(|&i| &app.rows[i])
                .filter(|r| {
                    !matches!(
                        r.status,
                        RunStatus::Running {
                            kind: RunKind::Login,
                            ..
                        }
                    )
                })
                .map(|r| r.conn.name.clone())
                .collect();
            return names
                .iter()
                .filter_map(|n| start_run(app, n, RunKind::Test))
                .collect();
        }
        Cmd::SetDefault => {
            if let Some(name) = target {
                return vec![Effect::SetDefault { name }];
            }
        }
        Cmd::Delete | Cmd::Revoke => {
            if let Some(row) = target.as_deref().and_then(|n| app.row(n)) {
                let mut typed = TextArea::default();
                typed.set_placeholder_text(row.conn.name.clone());
                app.overlay = Some(Overlay::ConfirmDelete {
                    name: row.conn.name.clone(),
                    production: row.conn.is_production(),
                    revoke: cmd == Cmd::Revoke,
                    typed: Box::new(typed),
                    refused: false,
                });
            }
        }
        _ => {}
    }
    Vec::new()
}

fn fresh_filter(old: &TextArea<'static>) -> TextArea<'static> {
    let mut filter = TextArea::default();
    filter.set_placeholder_text(old.placeholder_text().to_string());
    filter
}

fn on_confirm(app: &mut App, cmd: Cmd) -> Vec<Effect> {
    let Some(Overlay::ConfirmDelete {
        name,
        production,
        revoke,
        typed,
        refused,
    }) = &mut app.overlay
    else {
        return Vec::new();
    };
    match cmd {
        Cmd::Accept => {
            let typed_ok =
                !*production || typed.lines().first().map(String::as_str) == Some(name.as_str());
            if !typed_ok {
                // The dialog stays open and says why (drawn in it, not behind it).
                *refused = true;
                return Vec::new();
            }
            let (name, revoke) = (name.clone(), *revoke);
            app.overlay = None;
            if !revoke {
                return vec![Effect::Delete { name }];
            }
            let Some(row) = app.row(&name) else {
                return Vec::new();
            };
            let timeout = app.timeout_for(&row.conn);
            let conn = Box::new(row.conn.clone());
            app.info(format!("Revoking the tokens of {name}…"));
            vec![Effect::Revoke { conn, timeout }]
        }
        Cmd::Decline | Cmd::Back => {
            app.overlay = None;
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn on_wizard_cmd(app: &mut App, cmd: Cmd) -> Vec<Effect> {
    // Connect's text (steps, Salesforce's answer, the hints) scrolls, to its end and no further.
    if matches!(cmd, Cmd::Up | Cmd::Down)
        && app
            .wizard
            .as_deref()
            .is_some_and(|w| w.step == super::wizard::Step::Connect)
    {
        let most = connect_max_scroll(app);
        if let Some(w) = app.wizard.as_deref_mut() {
            w.connect_scroll = if cmd == Cmd::Up {
                w.connect_scroll.min(most).saturating_sub(1)
            } else {
                w.connect_scroll.saturating_add(1).min(most)
            };
        }
        return Vec::new();
    }
    // So do the deploy's progress and its end under "Create this app for me".
    if matches!(cmd, Cmd::Up | Cmd::Down) && app.wizard.as_deref().is_some_and(|w| w.app_scrolls())
    {
        let area = super::render::body_area(app, app.size);
        let most = super::wizard::create_view::max_scroll(app, area);
        if let Some(w) = app.wizard.as_deref_mut() {
            w.scroll_app(cmd == Cmd::Down, most);
        }
        return Vec::new();
    }
    let Some(mut wizard) = app.wizard.take() else {
        app.screen = Screen::List;
        return Vec::new();
    };
    if cmd == Cmd::CreateApp {
        start_create_app(app, &mut wizard);
        app.wizard = Some(wizard);
        return Vec::new();
    }
    let (step, cursor) = (wizard.step, wizard.checklist_cursor);
    let outcome = {
        let taken = taken_by_other(app, wizard.editing.clone());
        wizard.on_cmd(cmd, &taken)
    };
    // A status line belongs to the moment it was said: once the wizard moves on (another step,
    // another checklist item, whose page `o` opened), it goes.
    if wizard.step != step
        || wizard.checklist_cursor != cursor
        || matches!(outcome, Outcome::Exit { .. })
    {
        app.notice = None;
    }
    match outcome {
        Outcome::Stay => {
            app.wizard = Some(wizard);
            Vec::new()
        }
        Outcome::Effects(effects) => {
            app.wizard = Some(wizard);
            effects
        }
        Outcome::Exit { select } => {
            app.screen = Screen::List;
            if let Some(name) = select
                && let Some(pos) = app
                    .visible
                    .iter()
                    .position(|&i| app.rows[i].conn.name == name)
            {
                app.selected = pos;
            }
            Vec::new()
        }
    }
}

/// How far the detail view's test result scrolls on this terminal.
fn detail_max_scroll(app: &App) -> u16 {
    super::detail::max_scroll(app, super::render::body_area(app, app.size))
}

/// How far the wizard's Connect step scrolls on this terminal.
pub(super) fn connect_max_scroll(app: &App) -> u16 {
    super::wizard::connect_view::max_scroll(app, super::render::body_area(app, app.size))
}

/// `c` on the checklist: "Create this app for me" starts with the saved connections that may
/// deploy it (every one but the connection the wizard sets up).
fn start_create_app(app: &mut App, wizard: &mut Wizard) {
    if wizard.step != super::wizard::Step::Checklist || !wizard.can_create_app() {
        return;
    }
    let name = wizard.fields.first().map(|f| f.value().trim().to_string());
    let admins = app
        .rows
        .iter()
        .filter(|r| Some(r.conn.name.as_str()) != name.as_deref())
        .filter(|r| Some(&r.conn.name) != wizard.editing.as_ref())
        .map(|r| super::wizard::create_app::AdminChoice {
            timeout: app.timeout_for(&r.conn),
            conn: r.conn.clone(),
        })
        .collect();
    let conn_timeout = app.timeout_for(&crate::profile::Connection::new("", wizard.flow));
    app.notice = None;
    wizard.start_create(admins, conn_timeout);
}

/// Mark the connection running under a new generation and ask for the run.
pub(super) fn start_run(app: &mut App, name: &str, kind: RunKind) -> Option<Effect> {
    let timeout = app.timeout_for(&app.row(name)?.conn);
    let row = app.row_mut(name)?;
    row.generation += 1;
    row.status = RunStatus::Running {
        kind,
        step: if kind == RunKind::Login {
            StepName::Token
        } else {
            StepName::Reach
        },
        queued: true,
    };
    row.live_steps.clear();
    row.login = Default::default();
    Some(Effect::Run {
        kind,
        conn: Box::new(row.conn.clone()),
        generation: row.generation,
        timeout,
        policy: crate::salesforce::TokenPolicy::UseCache,
    })
}
