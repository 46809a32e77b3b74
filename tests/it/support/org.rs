//! Starting a practice org for a test.
