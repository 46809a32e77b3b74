//! The connection model and `profiles.toml` (PRODUCT.md sections 2 and 3).
//!
//! `model` holds the typed connection and its per-flow validation; `file` loads, validates and
//! saves the profile file (atomic, locked, comment-preserving).

pub mod file;
pub mod model;

pub use file::{ProfileError, Profiles};
pub use model::{Connection, Environment, Flow, ValidationError};
