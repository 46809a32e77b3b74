//! Integration tests: concurrency.
