//! Integration tests: tui_snapshots.
