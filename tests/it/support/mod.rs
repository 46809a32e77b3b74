//! Helpers shared by the integration tests.

pub mod home;
pub mod org;
