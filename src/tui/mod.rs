//! The terminal UI (PRODUCT.md section 8).
//!
//! One `Action` enum (action.rs), one owner of state (`App`, app.rs), `update` (update.rs) the
//! only place state changes, `render` (render.rs) only draws. Keys become actions through the
//! binding tables (keymap.rs), which also build the footer and the help overlay. Engine work runs
//! on tokio tasks started by the spawner (tasks.rs) and reports back on one channel.

pub mod action;
pub mod app;
pub mod cancel;
pub mod demo;
pub mod detail;
pub mod dialogs;
pub mod fit;
pub mod hints;
pub mod keymap;
pub mod list;
pub mod login;
pub mod render;
pub mod results;
pub mod tasks;
pub mod term;
pub mod update;
pub mod watch;
pub mod widgets;
pub mod wizard;

pub use app::App;
pub use render::render;
pub use update::update;

use crate::commands::Context;
use crate::error::CliResult;

/// `sfconn` with no command.
pub async fn run(ctx: Context) -> CliResult {
    term::run(ctx).await
}
