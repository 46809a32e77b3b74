//! The connection model and `profiles.toml` (PRODUCT.md sections 2 and 3).
//!
//! `model` holds the typed connection, `validate` its per-flow validation, `keys` the RSA key
//! checks shared with the JWT flow; `file` loads the profile file with located errors and `edit`
//! saves it (atomic, locked, comment-preserving) using `atomic`.

pub mod atomic;
mod cache;
pub mod edit;
pub mod file;
pub mod keys;
pub mod model;
pub mod validate;

pub use cache::OutputCache;
pub use edit::{ProfilesDoc, update};
pub use file::{ProfileError, Profiles};
pub use model::{Connection, Environment, Flow, ValidationError};
