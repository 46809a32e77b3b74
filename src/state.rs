//! Last test results (time, outcome, error code, step timings), kept in `state.json` beside the
//! profile file, never in the profile file itself.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::salesforce::StepReport;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastTest {
    /// RFC 3339 UTC time the test finished.
    pub at: String,
    pub ok: bool,
    /// Salesforce's error code (or sfconn's local condition) when it failed.
    pub error_code: Option<String>,
    /// The step that failed.
    pub failed_step: Option<String>,
    /// Title of the first hint, for one-line status displays.
    pub hint_title: Option<String>,
    /// Only an interactive `sfconn login` can fix it.
    #[serde(default)]
    pub needs_login: bool,
    /// Where the token came from (cached, refreshed, granted).
    #[serde(default)]
    pub token_source: Option<crate::salesforce::TokenSource>,
    pub steps: Vec<StepReport>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    #[serde(default)]
    pub tests: BTreeMap<String, LastTest>,
    /// The default before the last `sfconn use`, for `sfconn use -`. Kept here, not in the
    /// profile file: it is this machine's history, not a setting (a profile file may be shared
    /// by a team or edited by hand), and it is no secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_default: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot {action} {path}: {reason}")]
    Io {
        action: &'static str,
        path: String,
        reason: String,
    },
    #[error(
        "{path} is damaged ({reason}); it only holds last test results, so delete it and run the tests again"
    )]
    Corrupt { path: String, reason: String },
}

fn io(action: &'static str, path: &std::path::Path, e: std::io::Error) -> StateError {
    StateError::Io {
        action,
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

impl State {
    /// Read `state.json`; a missing file is an empty state.
    pub fn load(paths: &crate::paths::Paths) -> Result<State, StateError> {
        State::from_bytes(paths, State::read(paths)?)
    }

    /// The state file's bytes (`None` when it does not exist), read as `load` reads them.
    pub fn read(paths: &crate::paths::Paths) -> Result<Option<Vec<u8>>, StateError> {
        let path = paths.state_file();
        crate::profile::atomic::read_optional(&path).map_err(|e| io("read", &path, e))
    }

    /// `load` on bytes already read with `read`.
    pub fn from_bytes(
        paths: &crate::paths::Paths,
        bytes: Option<Vec<u8>>,
    ) -> Result<State, StateError> {
        let path = paths.state_file();
        match bytes {
            None => Ok(State::default()),
            Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| StateError::Corrupt {
                path: path.display().to_string(),
                reason: e.to_string(),
            }),
        }
    }

    /// `load` for commands that only show last results: a damaged or unreadable file gives an
    /// empty state and the reason, for a warning. Every command treats a damaged file the same
    /// way: shown as no results with a warning, never overwritten (see `update`).
    pub fn load_or_warn(paths: &crate::paths::Paths) -> (State, Option<StateError>) {
        match State::load(paths) {
            Ok(state) => (state, None),
            Err(e) => (State::default(), Some(e)),
        }
    }

    /// Locked read-modify-write of `state.json`. A damaged file is not replaced: the error says
    /// to delete it, and callers report that as a warning (the results were not saved), the
    /// same way `list` and `show` report it.
    pub fn update(
        paths: &crate::paths::Paths,
        change: impl FnOnce(&mut State),
    ) -> Result<(), StateError> {
        let path = paths.state_file();
        let _lock = crate::profile::atomic::lock(&path).map_err(|e| io("lock", &path, e))?;
        let mut state = State::load(paths)?;
        change(&mut state);
        let mut bytes = serde_json::to_vec_pretty(&state).map_err(|e| StateError::Corrupt {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        bytes.push(b'\n');
        crate::profile::atomic::write_atomic(&path, &bytes, Some(0o644))
            .map_err(|e| io("write", &path, e))
    }
}

/// Remember a connection's last test result.
pub fn record(paths: &crate::paths::Paths, name: &str, last: LastTest) -> Result<(), StateError> {
    State::update(paths, |s| {
        s.tests.insert(name.to_string(), last);
    })
}

/// Follow a connection rename.
pub fn rename(paths: &crate::paths::Paths, old: &str, new: &str) -> Result<(), StateError> {
    if !paths.state_file().exists() {
        return Ok(());
    }
    skip_damaged(State::update(paths, |s| {
        if let Some(t) = s.tests.remove(old) {
            s.tests.insert(new.to_string(), t);
        }
    }))
}

/// Renames and removals carry a last result along or drop it; with a damaged file there is
/// nothing to carry, and the file stays for the user to delete (as every command says).
fn skip_damaged(result: Result<(), StateError>) -> Result<(), StateError> {
    match result {
        Err(StateError::Corrupt { .. }) => Ok(()),
        other => other,
    }
}

/// Forget a removed connection.
pub fn forget(paths: &crate::paths::Paths, name: &str) -> Result<(), StateError> {
    if !paths.state_file().exists() {
        return Ok(());
    }
    skip_damaged(State::update(paths, |s| {
        s.tests.remove(name);
    }))
}

/// The current UTC time as RFC 3339 to the second (`2026-11-23T06:33:38Z`), for `at` stamps.
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.replace_nanosecond(0)
        .unwrap_or(now)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last(ok: bool) -> LastTest {
        LastTest {
            at: "2026-11-23T05:00:00Z".into(),
            ok,
            error_code: (!ok).then(|| "invalid_grant".into()),
            failed_step: None,
            hint_title: None,
            needs_login: false,
            token_source: None,
            steps: Vec::new(),
        }
    }

    #[test]
    fn record_rename_forget() {
        let dir = tempfile::tempdir().unwrap();
        let paths = crate::paths::Paths::in_dir(dir.path());
        assert!(State::load(&paths).unwrap().tests.is_empty());
        record(&paths, "a", last(true)).unwrap();
        record(&paths, "b", last(false)).unwrap();
        rename(&paths, "a", "c").unwrap();
        forget(&paths, "b").unwrap();
        let s = State::load(&paths).unwrap();
        assert_eq!(s.tests.keys().collect::<Vec<_>>(), ["c"]);
        std::fs::write(paths.state_file(), "{nope").unwrap();
        assert!(matches!(
            State::load(&paths),
            Err(StateError::Corrupt { .. })
        ));
        // Never silently overwritten: a write reports the damage and leaves the file.
        assert!(matches!(
            record(&paths, "d", last(true)),
            Err(StateError::Corrupt { .. })
        ));
        assert_eq!(std::fs::read(paths.state_file()).unwrap(), b"{nope");
        rename(&paths, "c", "e").unwrap();
        forget(&paths, "c").unwrap();
        assert_eq!(std::fs::read(paths.state_file()).unwrap(), b"{nope");
        let (state, warning) = State::load_or_warn(&paths);
        assert!(state.tests.is_empty() && warning.is_some());
        std::fs::remove_file(paths.state_file()).unwrap();
        record(&paths, "d", last(true)).unwrap();
        assert!(State::load(&paths).unwrap().tests.contains_key("d"));
    }
}
