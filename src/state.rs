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
    pub steps: Vec<StepReport>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    #[serde(default)]
    pub tests: BTreeMap<String, LastTest>,
}
