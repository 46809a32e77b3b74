//! Integration tests: corpus.
