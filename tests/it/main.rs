//! The integration tests: the real `sfconn` binary against temp homes and the practice org.

// Test code: an unwrap that fails is a failed test that shows its cause.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adversarial;
mod architecture;
mod cli;
mod concurrency;
mod corpus;
mod demo_serve;
mod diagnose;
mod eca;
mod fixes;
mod flows;
mod harden;
mod hostile;
mod keychain;
mod pty;
mod pty_eca;
mod pty_fixes;
mod pty_polish;
mod pty_walk;
mod support;
mod toolchain;
mod tui_create_app;
mod tui_harden;
mod tui_polish;
mod tui_retirement;
mod tui_screens;
mod tui_snapshots;
mod tui_state;
mod tui_walk;
mod tui_walk_login;
mod tui_wizard;
mod vault;
