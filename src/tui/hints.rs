//! Hint titles by id, for the wizard's checklist and fields (the catalog is the diagnose module's).

use std::collections::HashMap;

/// Every hint id the catalog knows, with its title.
pub fn titles() -> HashMap<String, String> {
    HashMap::new()
}
