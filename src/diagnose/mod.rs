//! The hint catalog, the matcher, preflight checks and reports (PRODUCT.md section 6).
