//! Integration tests: pty.
