//! The live profile and state files: another sfconn, a script or a hand edit may change them
//! while the TUI is open. The event loop asks [`Watch::changed`] once a second (a stat of each
//! file, no read), and on a change reads both off the async threads and hands the result to
//! `update` as `TaskMsg::FilesChanged`. Reading is all a front end may do with these files.

use std::path::PathBuf;
use std::time::SystemTime;

use std::collections::HashMap;

use super::action::TaskMsg;
use super::app::{App, ConnRow};
use crate::paths::Paths;
use crate::profile::Profiles;
use crate::state::State;

/// What a file looked like: its modification time and length (`None`: not there).
type Seen = Option<(SystemTime, u64)>;

fn seen(path: &PathBuf) -> Seen {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

pub struct Watch {
    files: [PathBuf; 2],
    last: [Seen; 2],
}

impl Watch {
    /// Start from the files as they are now (the TUI just loaded them).
    pub fn new(paths: &Paths) -> Watch {
        let files = [paths.profile_file.clone(), paths.state_file()];
        let last = [seen(&files[0]), seen(&files[1])];
        Watch { files, last }
    }

    /// True when either file changed since the last call.
    pub fn changed(&mut self) -> bool {
        let now = [seen(&self.files[0]), seen(&self.files[1])];
        let changed = now != self.last;
        self.last = now;
        changed
    }
}

/// Read both files again. A profile file that no longer parses is reported with its
/// file:line:column; a damaged state file only loses the last results (it is a cache).
pub fn reload(paths: &Paths) -> TaskMsg {
    let profiles = Profiles::load(&paths.profile_file).map_err(|e| e.to_string());
    let state = State::load(paths).unwrap_or_default();
    TaskMsg::FilesChanged {
        profiles: profiles.map(Box::new),
        state: Box::new(state),
    }
}

impl App {
    /// The profile and state files as read again from disk: rows follow the file (added,
    /// changed, gone), the selection stays on its connection, and what this session knows that
    /// the files do not (a run in progress, its report, the stored secret kinds) is kept.
    pub fn reload(&mut self, profiles: Profiles, state: State) {
        let keep = self.selected_row().map(|r| r.conn.name.clone());
        let position = self.selected;
        let default = profiles.effective_default();
        let mut tests = state.tests;
        let mut old: HashMap<String, ConnRow> = self
            .rows
            .drain(..)
            .map(|r| (r.conn.name.clone(), r))
            .collect();
        self.rows = profiles
            .connections
            .into_iter()
            .map(|(name, mut conn)| {
                conn.name = name.clone();
                let last = tests.remove(&name);
                let mut row = ConnRow::new(conn, last);
                if let Some(before) = old.remove(&name) {
                    row.generation = before.generation;
                    let running = before.is_running();
                    if before.conn == row.conn {
                        row.secrets = before.secrets;
                        row.report = before.report;
                    }
                    if running {
                        row.status = before.status;
                        row.live_steps = before.live_steps;
                        row.login = before.login;
                        row.last = before.last;
                    }
                }
                row
            })
            .collect();
        self.default = default;
        self.refilter_keeping(keep, position);
        self.dirty = true;
    }
}
