//! The TUI's state: one owner (`App`), changed only by `update` (update.rs), drawn by `render`.

use std::collections::HashMap;

use ratatui_textarea::TextArea;
use time::OffsetDateTime;

use super::action::RunKind;
use super::wizard::Wizard;
use crate::paths::Paths;
use crate::profile::{Connection, Profiles};
use crate::salesforce::{StepName, StepReport, TestReport};
use crate::secrets::SecretKind;
use crate::state::{LastTest, State};

/// Where a connection's last or current run stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunStatus {
    /// Never tested.
    Idle,
    /// A test or login is running; `step` is the step running now (the one after the last finished).
    Running {
        kind: RunKind,
        step: StepName,
        /// Waiting for one of the concurrent-run slots (`T` on many connections).
        queued: bool,
    },
    Passed {
        ms: u64,
    },
    Failed {
        hint_title: String,
    },
    /// The flow needs an interactive login before it can be tested.
    NeedsLogin,
}

/// One connection as the list and the detail view show it.
#[derive(Debug, Clone)]
pub struct ConnRow {
    pub conn: Connection,
    pub status: RunStatus,
    pub last: Option<LastTest>,
    /// The full report of the last run in this session (steps, Salesforce's answer, hints).
    pub report: Option<TestReport>,
    /// Steps finished so far in the running test.
    pub live_steps: Vec<StepReport>,
    pub login: crate::tui::login::LoginProgress,
    /// Bumped by every run: a result carrying an older generation lost to a newer run.
    pub generation: u64,
    pub secrets: Option<Result<Vec<SecretKind>, String>>,
    /// Lower-cased name, flow, environment, user and domain, for the `/` filter.
    search: String,
}

/// The time a passed run shows. A browser or device login (a token granted in an interactive
/// flow) waited for the person to approve it in its token step: that wait is left out.
pub fn passed_ms(steps: &[StepReport], flow: crate::profile::Flow, granted: bool) -> u64 {
    let signed_in = granted && flow.is_interactive();
    steps
        .iter()
        .filter(|s| !(signed_in && s.step == StepName::Token))
        .map(|s| s.ms)
        .sum()
}

impl ConnRow {
    pub fn new(conn: Connection, last: Option<LastTest>) -> ConnRow {
        let status = ConnRow::status_of_last(last.as_ref(), conn.flow);
        let search = format!(
            "{} {} {} {} {}",
            conn.name,
            conn.flow,
            conn.environment,
            conn.username.as_deref().unwrap_or(""),
            conn.domain.as_deref().unwrap_or("")
        )
        .to_lowercase();
        ConnRow {
            conn,
            status,
            last,
            report: None,
            live_steps: Vec::new(),
            login: Default::default(),
            generation: 0,
            secrets: None,
            search,
        }
    }

    pub fn name(&self) -> &str {
        &self.conn.name
    }

    /// The status the last recorded result gives (what a cancelled login goes back to).
    pub fn status_of_last(last: Option<&LastTest>, flow: crate::profile::Flow) -> RunStatus {
        match last {
            None => RunStatus::Idle,
            Some(t) if t.ok => RunStatus::Passed {
                ms: passed_ms(
                    &t.steps,
                    flow,
                    t.token_source == Some(crate::salesforce::TokenSource::Granted),
                ),
            },
            Some(t) if t.needs_login || t.error_code.as_deref() == Some("needs_login") => {
                RunStatus::NeedsLogin
            }
            Some(t) => RunStatus::Failed {
                hint_title: t
                    .hint_title
                    .clone()
                    .or_else(|| t.error_code.clone())
                    .unwrap_or_else(|| "failed".into()),
            },
        }
    }

    pub fn is_running(&self) -> bool {
        matches!(self.status, RunStatus::Running { .. })
    }

    pub fn matches(&self, filter_lower: &str) -> bool {
        filter_lower.is_empty() || self.search.contains(filter_lower)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    List,
    Detail { name: String },
    Wizard,
}

/// A popup above the screen; keys go to it first.
#[derive(Debug, Clone)]
pub enum Overlay {
    Help,
    /// `q` in a wizard with input not saved yet: quit and drop it?
    ConfirmQuit,
    /// Delete `name`? Production connections need the name typed.
    ConfirmDelete {
        name: String,
        production: bool,
        /// Revoke the tokens instead of deleting the connection (same care: PRODUCTION asks
        /// for the name).
        revoke: bool,
        typed: Box<TextArea<'static>>,
        /// Enter was pressed on a name that is not this one: the dialog says so.
        refused: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Info,
    Error,
}

/// A one-line message above the footer (saved, deleted, what went wrong).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub text: String,
}

/// Which bindings apply (keymap.rs): the screen plus any overlay or input focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    List,
    ConfirmQuit,
    Filter,
    Detail,
    Help,
    ConfirmYesNo {
        revoke: bool,
    },
    ConfirmTyped {
        revoke: bool,
    },
    WizardFlow,
    /// `forget`: the focused field is an optional secret the store holds (Ctrl-D removes it).
    WizardForm {
        keygen: bool,
        forget: bool,
        /// The focused field is a stored secret the flow needs (Ctrl-D says it stays).
        needed: bool,
    },
    /// `create`: the flow's app can be created from here ("Create this app for me").
    WizardChecklist {
        create: bool,
    },
    /// "Create this app for me", at one of its stages.
    WizardApp(super::wizard::create_app::AppStage),
    WizardReview,
    WizardRunning,
    WizardConnected,
    /// `fix`: the failure points at a field or a step (`f` goes there).
    WizardFailed {
        fix: bool,
    },
}

/// The whole TUI state.
#[derive(Debug)]
pub struct App {
    /// Sorted by name.
    pub rows: Vec<ConnRow>,
    pub default: Option<String>,
    /// The profile file's `timeout_secs` (or 10).
    pub timeout_secs: u64,
    /// `--timeout`, which wins over every connection's own.
    pub timeout_flag: Option<u64>,
    /// Indices into `rows` that pass the filter, in display order.
    pub visible: Vec<usize>,
    /// Position in `visible`.
    pub selected: usize,
    pub filter: TextArea<'static>,
    pub filter_editing: bool,
    pub screen: Screen,
    pub overlay: Option<Overlay>,
    /// Lines the detail view's test result is scrolled by.
    pub detail_scroll: u16,
    /// The terminal's size (from `Action::Resize`): how far panes scroll.
    pub size: ratatui::layout::Rect,
    /// The demo: `o` opens a local page standing in for the Setup page, written in this folder.
    pub setup_stand_in: Option<std::path::PathBuf>,
    pub wizard: Option<Box<Wizard>>,
    pub notice: Option<Notice>,
    /// Where the profile file is, shown in the header.
    pub profile_path: String,
    /// The sfconn home (keys, state); relative key paths in the wizard resolve here.
    pub home: std::path::PathBuf,
    /// Wall clock for relative times; set by ticks (tests pin it).
    pub now: OffsetDateTime,
    /// Advances with every tick while something runs.
    pub spinner: usize,
    pub quit: bool,
    /// Something changed since the last frame.
    pub dirty: bool,
    /// Hint titles by id, from the diagnose catalog.
    pub hint_titles: HashMap<String, String>,
    /// The profile file changed on disk and no longer parses: its file:line:column message,
    /// shown in a banner while the list keeps what was last read.
    pub file_error: Option<String>,
    /// The demo: what a new wizard starts with (the practice org's domain and JWT key pair).
    pub wizard_prefill: Option<super::wizard::Prefill>,
    /// `SFCONN_TODAY`: the day the password flow's countdown is counted from (else `now`).
    pub today_pin: Option<time::Date>,
}

impl App {
    pub fn new(profiles: Profiles, state: State, timeout_secs: u64, paths: &Paths) -> App {
        let mut tests = state.tests;
        let rows = profiles
            .connections
            .into_iter()
            .map(|(name, mut conn)| {
                conn.name = name.clone();
                let last = tests.remove(&name);
                ConnRow::new(conn, last)
            })
            .collect();
        let mut filter = TextArea::default();
        filter.set_placeholder_text("type to filter by name, flow, environment, user or domain");
        let mut app = App {
            rows,
            default: profiles.default,
            timeout_secs,
            timeout_flag: None,
            visible: Vec::new(),
            selected: 0,
            filter,
            filter_editing: false,
            screen: Screen::List,
            overlay: None,
            detail_scroll: 0,
            size: ratatui::layout::Rect::new(0, 0, 80, 24),
            setup_stand_in: None,
            wizard: None,
            notice: None,
            profile_path: paths.profile_file.display().to_string(),
            home: paths.home.clone(),
            now: OffsetDateTime::now_utc(),
            spinner: 0,
            quit: false,
            dirty: true,
            hint_titles: super::hints::titles(),
            file_error: None,
            wizard_prefill: None,
            today_pin: crate::eca::retirement::pinned(),
        };
        app.refilter();
        app
    }

    pub fn filter_text(&self) -> &str {
        self.filter
            .lines()
            .first()
            .map(String::as_str)
            .unwrap_or("")
    }

    /// Recompute `visible` after the filter or the rows changed, keeping the selection on the
    /// same connection when it is still visible.
    pub fn refilter(&mut self) {
        let keep = self.selected_row().map(|r| r.conn.name.clone());
        self.refilter_keeping(keep, 0);
    }

    /// Recompute `visible`; select `keep` when it is still shown, else the row at `fallback`
    /// (clamped to the list).
    pub(super) fn refilter_keeping(&mut self, keep: Option<String>, fallback: usize) {
        let needle = self.filter_text().to_lowercase();
        self.visible = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.matches(&needle))
            .map(|(i, _)| i)
            .collect();
        let rows = &self.rows;
        self.selected = keep
            .and_then(|name| {
                self.visible
                    .iter()
                    .position(|&i| rows.get(i).is_some_and(|r| r.conn.name == name))
            })
            .unwrap_or(fallback)
            .min(self.visible.len().saturating_sub(1));
    }

    pub fn selected_row(&self) -> Option<&ConnRow> {
        self.visible
            .get(self.selected)
            .and_then(|&i| self.rows.get(i))
    }

    pub fn row(&self, name: &str) -> Option<&ConnRow> {
        self.index_of(name).map(|i| &self.rows[i])
    }

    pub fn row_mut(&mut self, name: &str) -> Option<&mut ConnRow> {
        self.index_of(name).map(|i| &mut self.rows[i])
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.rows
            .binary_search_by(|r| r.conn.name.as_str().cmp(name))
            .ok()
    }

    /// Insert or replace a row, keeping `rows` sorted.
    pub fn upsert_row(&mut self, row: ConnRow) {
        // Taken before `rows` changes: `visible` holds indexes into the old `rows`.
        let keep = self.selected_row().map(|r| r.conn.name.clone());
        match self
            .rows
            .binary_search_by(|r| r.conn.name.as_str().cmp(&row.conn.name))
        {
            Ok(i) => self.rows[i] = row,
            Err(i) => self.rows.insert(i, row),
        }
        self.refilter_keeping(keep, 0);
    }

    /// Remove a row (a deletion, or the old name of a rename). The selection stays on the
    /// connection it was on, or, when that one went, on the row that took its place.
    pub fn remove_row(&mut self, name: &str) {
        let Some(i) = self.index_of(name) else {
            return;
        };
        // Taken before `rows` changes: `visible` holds indexes into the old `rows`.
        let keep = self
            .selected_row()
            .map(|r| r.conn.name.clone())
            .filter(|k| k != name);
        let position = self.selected;
        self.rows.remove(i);
        self.refilter_keeping(keep, position);
    }

    /// The connection the detail screen shows.
    pub fn detail_row(&self) -> Option<&ConnRow> {
        match &self.screen {
            Screen::Detail { name } => self.row(name),
            _ => None,
        }
    }

    /// The connection keys act on (the detail view's, else the selected one) is waiting on a
    /// login: `t` and `l` are off for it, and Esc/x cancel the login.
    pub fn target_logging_in(&self) -> bool {
        let row = match &self.screen {
            Screen::Detail { .. } => self.detail_row(),
            Screen::List => self.selected_row(),
            Screen::Wizard => None,
        };
        row.is_some_and(|r| {
            matches!(
                r.status,
                RunStatus::Running {
                    kind: RunKind::Login,
                    ..
                }
            )
        })
    }

    pub fn any_running(&self) -> bool {
        self.rows.iter().any(ConnRow::is_running)
            || self.wizard.as_ref().is_some_and(|w| w.is_running())
    }

    /// The mode of the screen itself, ignoring the help overlay.
    pub fn base_mode(&self) -> Mode {
        if let Some(Overlay::ConfirmDelete {
            production, revoke, ..
        }) = &self.overlay
        {
            let revoke = *revoke;
            return if *production {
                Mode::ConfirmTyped { revoke }
            } else {
                Mode::ConfirmYesNo { revoke }
            };
        }
        if let Some(Overlay::ConfirmQuit) = &self.overlay {
            return Mode::ConfirmQuit;
        }
        match &self.screen {
            Screen::List if self.filter_editing => Mode::Filter,
            Screen::List => Mode::List,
            Screen::Detail { .. } => Mode::Detail,
            Screen::Wizard => match &self.wizard {
                Some(w) => w.mode(),
                None => Mode::List,
            },
        }
    }

    pub fn mode(&self) -> Mode {
        match self.overlay {
            Some(Overlay::Help) => Mode::Help,
            _ => self.base_mode(),
        }
    }

    /// The request timeout a run of `conn` uses: `--timeout`, its own, the file's, 10 s.
    pub fn timeout_for(&self, conn: &Connection) -> std::time::Duration {
        crate::lifecycle::effective_timeout(self.timeout_flag, conn, Some(self.timeout_secs))
    }

    pub fn base_dir(&self) -> std::path::PathBuf {
        self.home.clone()
    }

    /// Today, for the password flow's retirement countdown.
    pub fn today(&self) -> time::Date {
        self.today_pin.unwrap_or_else(|| self.now.date())
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            kind: NoticeKind::Info,
            text: text.into(),
        });
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            kind: NoticeKind::Error,
            text: text.into(),
        });
    }
}
