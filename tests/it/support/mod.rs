//! Helpers shared by the integration tests.

pub mod engine;
pub mod home;
pub mod hostile;
pub mod org;
