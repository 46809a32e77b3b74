//! Tests of the practice org.
