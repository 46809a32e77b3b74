//! Integration tests: flows.
