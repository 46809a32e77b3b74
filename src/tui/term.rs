//! The terminal lifecycle and the event loop: raw mode and the alternate screen on the way in,
//! restored on every way out (errors, panics through ratatui's hook, quitting); logs go to a file.

use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc;

use super::action::Action;
use super::app::App;
use super::tasks::Services;
use super::{keymap, render, update};
use crate::commands::Context;
use crate::error::{CliError, CliResult};
use crate::paths::Paths;
use crate::profile::Profiles;
use crate::profile::model::DEFAULT_TIMEOUT_SECS;
use crate::secrets::SecretStore;
use crate::state::State;

/// Restores the terminal when dropped, whatever path leaves `run_app`.
struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableBracketedPaste);
        ratatui::restore();
    }
}

/// Log to `logs/sfconn.log` (never to the screen while the TUI is up). `SFCONN_LOG` or
/// `RUST_LOG` choose the level (default info). The guard flushes the file when dropped.
pub fn init_logging(paths: &Paths) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = paths.log_dir();
    crate::profile::atomic::create_private_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "sfconn.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = std::env::var("SFCONN_LOG")
        .ok()
        .and_then(|v| tracing_subscriber::EnvFilter::try_new(v).ok())
        .or_else(|| tracing_subscriber::EnvFilter::try_from_default_env().ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new("info"));
    let subscriber = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .finish();
    tracing::subscriber::set_global_default(subscriber).ok()?;
    Some(guard)
}

/// Read the profile file and the state file for the TUI. A bad profile file stops here with
/// its file:line:col; a damaged state file only loses the last results (it is a cache).
pub fn load(paths: &Paths) -> CliResult<(Profiles, State)> {
    let profiles = Profiles::load(&paths.profile_file)?;
    let state = State::load(paths).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "state file unreadable; last results are not shown");
        State::default()
    });
    Ok((profiles, state))
}

/// The TUI needs a terminal on both ends; say so before doing any work (starting the practice
/// org, opening the keychain) rather than after.
pub fn require_terminal() -> CliResult {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        return Ok(());
    }
    Err(CliError::usage(
        "the terminal UI needs an interactive terminal (stdin and stdout are not one). \
         From scripts, use `sfconn list`, `sfconn show NAME`, `sfconn test` or `sfconn demo --serve`.",
    ))
}

/// `sfconn` with no command: load, then run the TUI until the user quits.
pub async fn run(ctx: Context) -> CliResult {
    require_terminal()?;
    let (profiles, state) = load(&ctx.paths)?;
    let timeout = profiles.timeout_secs.unwrap_or(DEFAULT_TIMEOUT_SECS);
    // The TUI owns the screen, so the file-store warning is shown in it instead of on stderr.
    let secrets = SecretStore::open_quiet(&ctx.paths)?;
    let warning = secrets.warning();
    let effective_default = profiles.effective_default();
    let mut app = App::new(profiles, state, timeout, &ctx.paths);
    app.default = effective_default;
    app.timeout_flag = ctx.timeout;
    if let Some(w) = warning {
        app.error(format!("{w} in {}", ctx.paths.secrets_file().display()));
    }
    let services = Services::new(ctx.paths.clone(), secrets);
    run_app(app, services, &ctx.paths).await
}

/// Run the TUI on `app` until the user quits.
pub async fn run_app(app: App, services: Services, paths: &Paths) -> CliResult {
    let _log = init_logging(paths);
    tracing::info!(profile = %paths.profile_file.display(), "tui start");
    let mut terminal = match ratatui::try_init() {
        Ok(t) => t,
        Err(e) => {
            // Raw mode may be half set up: give the terminal back before explaining.
            ratatui::restore();
            return Err(CliError::usage(format!(
                "cannot open the terminal UI ({e}): it needs an interactive terminal. \
                 Use `sfconn list`, `sfconn show NAME` or `sfconn test` from scripts."
            )));
        }
    };
    let _restore = Restore;
    // A paste arrives as one `Event::Paste`, not a key event per character (a 100 KB paste
    // used to freeze the UI for minutes).
    if let Err(e) = crossterm::execute!(std::io::stdout(), crossterm::event::EnableBracketedPaste) {
        tracing::warn!(error = %e, "bracketed paste unavailable");
    }
    let result = event_loop(&mut terminal, app, &services, paths).await;
    tracing::info!(ok = result.is_ok(), "tui stop");
    result
}

/// SIGHUP and SIGTERM, as one stream (nothing on platforms without them).
struct Hangup {
    #[cfg(unix)]
    signals: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Hangup {
    fn listen() -> Hangup {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let signals = match (
                signal(SignalKind::hangup()),
                signal(SignalKind::terminate()),
            ) {
                (Ok(hup), Ok(term)) => Some((hup, term)),
                (Err(e), _) | (_, Err(e)) => {
                    tracing::warn!(error = %e, "cannot listen for SIGHUP/SIGTERM");
                    None
                }
            };
            Hangup { signals }
        }
        #[cfg(not(unix))]
        Hangup {}
    }

    /// The name of the next signal; pending forever when none can arrive.
    async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        if let Some((hup, term)) = &mut self.signals {
            return tokio::select! {
                _ = hup.recv() => "SIGHUP",
                _ = term.recv() => "SIGTERM",
            };
        }
        std::future::pending().await
    }
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    mut app: App,
    services: &Services,
    paths: &Paths,
) -> CliResult {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut watch = super::watch::Watch::new(paths);
    let mut file_check = tokio::time::interval(Duration::from_secs(1));
    file_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut events = EventStream::new();
    let mut hangup = Hangup::listen();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let draw_error =
        |e: std::io::Error| CliError::failure(format!("cannot draw on the terminal: {e}"));
    if let Ok(size) = terminal.size() {
        update(
            &mut app,
            Action::Resize {
                width: size.width,
                height: size.height,
            },
        );
    }
    loop {
        if app.dirty {
            terminal.draw(|f| render(&app, f)).map_err(draw_error)?;
            app.dirty = false;
        }
        let action = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind == KeyEventKind::Press => keymap::action_for_key(&app, key),
                Some(Ok(Event::Resize(width, height))) => Some(Action::Resize { width, height }),
                Some(Ok(Event::Paste(text))) => Some(Action::Paste(text)),
                Some(Ok(_)) => None,
                Some(Err(e)) => return Err(CliError::failure(format!("cannot read the terminal: {e}"))),
                None => return Ok(()),
            },
            Some(msg) = rx.recv() => Some(Action::Task(msg)),
            // The terminal closed (SIGHUP) or the process was asked to stop (SIGTERM): leave
            // the way `q` does, so the terminal is restored and the demo's home is removed.
            name = hangup.recv() => {
                tracing::info!(signal = name, "quitting on a signal");
                return Ok(());
            }
            _ = tick.tick() => Some(Action::Tick { now: time::OffsetDateTime::now_utc() }),
            _ = file_check.tick() => {
                if watch.changed() {
                    let (paths, tx) = (paths.clone(), tx.clone());
                    tokio::spawn(async move {
                        if let Ok(msg) =
                            tokio::task::spawn_blocking(move || super::watch::reload(&paths)).await
                        {
                            let _ = tx.send(msg);
                        }
                    });
                }
                None
            }
        };
        if let Some(action) = action {
            for effect in update(&mut app, action) {
                tracing::debug!(?effect, "effect");
                services.spawn(effect, tx.clone());
            }
        }
        if app.quit {
            return Ok(());
        }
    }
}
