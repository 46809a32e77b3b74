//! The practice org: a Salesforce OAuth emulator on loopback (PRODUCT.md section 7).
