//! sfconn: set up, test, diagnose and switch Salesforce connections.
//!
//! The engine modules (`profile`, `secrets`, `salesforce`, `diagnose`) know nothing of terminals;
//! the CLI (`commands`) and the TUI (`tui`) both call them.
#![forbid(unsafe_code)]

pub mod browser;
pub mod cli;
pub mod commands;
pub mod diagnose;
pub mod eca;
pub mod emulator;
pub mod error;
pub mod hex;
pub mod lifecycle;
pub mod paths;
pub mod profile;
pub mod salesforce;
pub mod secrets;
pub mod sfcli;
pub mod state;
pub mod tui;
