//! The hint catalog, the matcher, preflight checks and reports (PRODUCT.md section 6).
//!
//! No terminal code: `commands::doctor` and the TUI present what this module finds.

pub mod catalog;
pub mod doctor;
pub mod keys;
mod local_checks;
pub mod matcher;
pub mod net;
pub mod preflight;
pub mod redact;
pub mod report;

pub use catalog::{
    Catalog, CatalogError, Hint, Trigger, catalog, for_connection, personalize, setup_url,
};
pub use doctor::DoctorReport;
pub use matcher::{hints_for, ranked};
pub use preflight::{CheckResult, CheckStatus, PreflightContext, preflight};
pub use redact::Redactor;
