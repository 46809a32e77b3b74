//! Why a deploy did not end in a working connection, and the catalog entry for each component
//! failure (issue 11). The exact server texts are unconfirmed; the CLI prints these messages and
//! the TUI shows the same failures with their hints.

use super::PlanError;
use crate::lifecycle::LifecycleError;
use crate::salesforce::metadata::{ComponentFailure, DeployState};
use crate::salesforce::{LocalCondition, StepError};

/// A component failure and the catalog entry that explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainedFailure {
    pub failure: ComponentFailure,
    pub condition: LocalCondition,
}

/// Why a deploy (or its proof) did not end in a working connection.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The admin connection could not get a token.
    #[error("connection {admin}: the {} step failed{}", error.step.as_str(), said(error))]
    AdminToken { admin: String, error: StepError },
    #[error("Salesforce refused the deploy: {message}\n{}", hint_text_opt(*condition).trim_end())]
    Refused {
        message: String,
        condition: Option<LocalCondition>,
    },
    #[error("{}", failed_message(state, failures))]
    Failed {
        state: DeployState,
        failures: Vec<ExplainedFailure>,
    },
    #[error("deploy {id}: {message}")]
    Status { id: String, message: String },
    #[error(
        "deploy {id} has not finished after {minutes} minutes; it may still finish: check Setup → Deployment Status"
    )]
    Unfinished { id: String, minutes: u64 },
    #[error("{0}")]
    Plan(#[from] PlanError),
    #[error(
        "the app is deployed, but its consumer secret could not be read: {message}\n\
         Copy it from Setup → External Client App Manager → {app_name} → Settings → Consumer Key and Secret, then run \
         SFCONN_CLIENT_SECRET=… sfconn edit {name} --client-id {consumer_key}"
    )]
    SecretUnreadable {
        message: String,
        app_name: String,
        name: String,
        consumer_key: String,
    },
    #[error(transparent)]
    Save(#[from] LifecycleError),
    #[error("the save did not finish: {0}")]
    Interrupted(String),
    /// The test failed for a reason other than the propagation delay.
    #[error("connection {name}: the {} step failed{}", error.step.as_str(), said(error))]
    Test { name: String, error: StepError },
    #[error("{name} failed its test")]
    TestWithoutError { name: String },
    #[error(
        "{name} still answers {code} after {minutes} minutes; the connection is saved.\n{}",
        hint_text(LocalCondition::EcaPropagationTimeout).trim_end()
    )]
    Propagation {
        name: String,
        code: String,
        minutes: u64,
    },
}

impl DeployError {
    /// The component failures of a failed deploy, each with its hint.
    pub fn failures(&self) -> &[ExplainedFailure] {
        match self {
            DeployError::Failed { failures, .. } => failures,
            _ => &[],
        }
    }

    /// The catalog entries that explain the error, most specific first.
    pub fn hint_ids(&self) -> Vec<&'static str> {
        match self {
            DeployError::Failed { failures, .. } => {
                let mut ids: Vec<&'static str> = Vec::new();
                for f in failures {
                    let id = f.condition.hint_id();
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                ids
            }
            DeployError::Refused {
                condition: Some(c), ..
            } => vec![c.hint_id()],
            DeployError::Propagation { .. } => {
                vec![LocalCondition::EcaPropagationTimeout.hint_id()]
            }
            _ => Vec::new(),
        }
    }
}

/// Salesforce's `error: error_description`, after a colon, when it said anything.
fn said(error: &StepError) -> String {
    let words: Vec<&str> = [error.code.as_deref(), error.description.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if words.is_empty() {
        String::new()
    } else {
        format!(": {}", words.join(": "))
    }
}

/// The hint's title and fix steps, indented, as the CLI prints them under a failure.
pub fn hint_text(condition: LocalCondition) -> String {
    let Some(hint) = crate::diagnose::catalog().get(condition.hint_id()) else {
        return String::new();
    };
    let mut out = format!("    hint: {}\n", hint.title);
    for (i, step) in hint.fix.iter().enumerate() {
        out.push_str(&format!("      {}. {step}\n", i + 1));
    }
    out
}

fn hint_text_opt(condition: Option<LocalCondition>) -> String {
    condition.map(hint_text).unwrap_or_default()
}

fn failed_message(state: &DeployState, failures: &[ExplainedFailure]) -> String {
    let mut message = format!(
        "the deploy {} ended {}; the org is unchanged and the connection was not saved.",
        state.id, state.status
    );
    if let Some(e) = &state.error {
        message.push_str(&format!("\n  {e}"));
    }
    for f in failures {
        let c = &f.failure;
        message.push_str(&format!(
            "\n  {} {} ({}): {}\n{}",
            c.component_type,
            c.full_name,
            c.file_name,
            c.problem,
            hint_text(f.condition).trim_end()
        ));
    }
    message
}

/// Which catalog entry explains a component failure (the exact server texts are unconfirmed;
/// these are the words hardis and the documentation use).
pub fn classify(failure: &ComponentFailure) -> LocalCondition {
    let problem = failure.problem.to_ascii_lowercase();
    if problem.contains("permission set") {
        LocalCondition::EcaPermissionSetUnknown
    } else if problem.contains("client credentials") || problem.contains("run as") {
        LocalCondition::EcaRunAsUnknown
    } else if problem.contains("certificate") {
        LocalCondition::EcaCertificateInvalid
    } else if ["already", "duplicate", "consumer key"]
        .iter()
        .any(|w| problem.contains(w))
    {
        LocalCondition::EcaAppExists
    } else {
        LocalCondition::EcaMetadataInvalid
    }
}

pub(super) fn refused(message: String) -> DeployError {
    let lower = message.to_ascii_lowercase();
    let condition = (lower.contains("insufficient_access") || lower.contains("http 403"))
        .then_some(LocalCondition::EcaDeployNotAllowed);
    DeployError::Refused { message, condition }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(problem: &str) -> ComponentFailure {
        ComponentFailure {
            component_type: "ExtlClntAppOauthConfigurablePolicies".into(),
            full_name: "a_oauth_defaultPolicy".into(),
            file_name: "extlClntAppOauthPolicies/a_oauth_defaultPolicy.ecaOauthPlcy".into(),
            problem: problem.into(),
            problem_type: "Error".into(),
        }
    }

    #[test]
    fn component_failures_get_their_hints() {
        assert_eq!(
            classify(&failure("Invalid permission set: X.")),
            LocalCondition::EcaPermissionSetUnknown
        );
        assert_eq!(
            classify(&failure("Invalid user for the client credentials flow: u")),
            LocalCondition::EcaRunAsUnknown
        );
        assert_eq!(
            classify(&failure("Element bogus invalid at this location")),
            LocalCondition::EcaMetadataInvalid
        );
        let state = DeployState {
            id: "0Af1".into(),
            status: "Failed".into(),
            ..Default::default()
        };
        let e = DeployError::Failed {
            failures: vec![ExplainedFailure {
                failure: failure("Invalid permission set: X."),
                condition: LocalCondition::EcaPermissionSetUnknown,
            }],
            state,
        };
        assert_eq!(e.hint_ids(), ["eca-permission-set-unknown"]);
        let text = e.to_string();
        assert!(text.contains("Invalid permission set: X."), "{text}");
        assert!(text.contains("    hint: "), "{text}");
    }

    #[test]
    fn a_refusal_for_rights_names_the_deploy_hint() {
        let e = refused("HTTP 403: INSUFFICIENT_ACCESS: no".into());
        assert_eq!(e.hint_ids(), ["eca-deploy-not-allowed"]);
        assert!(refused("HTTP 500: boom".into()).hint_ids().is_empty());
    }
}
