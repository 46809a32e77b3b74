//! Hint titles by id, for the wizard's checklist and fields (the catalog is the diagnose module's).

use std::collections::HashMap;

/// Every hint id the catalog knows, with its title.
pub fn titles() -> HashMap<String, String> {
    crate::diagnose::catalog()
        .hints()
        .iter()
        .map(|h| (h.id.clone(), h.title.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::profile::Flow;
    use crate::tui::wizard::content::guides;

    #[test]
    fn every_hint_the_wizard_names_is_in_the_catalog() {
        let titles = super::titles();
        let guides = guides().unwrap();
        let mut referenced: Vec<(String, &str)> = Vec::new();
        for f in &guides.common {
            referenced.extend(
                f.hints
                    .iter()
                    .chain(&f.fixes)
                    .map(|h| (h.clone(), "common.toml")),
            );
        }
        for flow in Flow::ALL {
            let g = guides.flow(flow);
            for s in &g.setup {
                referenced.extend(s.hints.iter().map(|h| (h.clone(), flow.as_str())));
            }
            for f in &g.fields {
                referenced.extend(
                    f.hints
                        .iter()
                        .chain(&f.fixes)
                        .map(|h| (h.clone(), flow.as_str())),
                );
            }
        }
        assert!(referenced.len() > 20);
        let missing: Vec<_> = referenced
            .iter()
            .filter(|(id, _)| !titles.contains_key(id))
            .collect();
        assert!(
            missing.is_empty(),
            "assets/wizard names hints the catalog lacks: {missing:?}"
        );
    }
}
