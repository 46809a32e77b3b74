//! The wizard's checks beyond one field's own rules: the environment a My Domain names, the
//! key and certificate as a pair, and what changes once Connect has saved (or the demo
//! pre-fills).

use std::path::PathBuf;

use super::content::FieldKey;
use super::fields::{Rules, secret_kind, validate};
use super::{Prefill, Wizard};
use crate::secrets::SecretKind;

impl Wizard {
    /// Validate one field, remembering the error for display.
    pub(super) fn check(&mut self, index: usize, taken: &dyn Fn(&str) -> bool) -> bool {
        let rules = Rules {
            flow: self.flow,
            domain_required: self.guide().is_some_and(|g| g.domain_required),
            taken,
            base_dir: &self.base_dir,
        };
        let key = self.fields[index].key();
        let mut result = validate(&self.fields[index], &rules);
        if result.is_ok() {
            result = match key {
                FieldKey::Environment => self.environment_fits_domain(),
                _ => Ok(()),
            };
        }
        let ok = result.is_ok();
        self.fields[index].error = result.err();
        if matches!(key, FieldKey::KeyFile | FieldKey::CertFile) {
            let pair_ok = self.check_key_pair(taken);
            return if key == FieldKey::CertFile {
                ok && pair_ok
            } else {
                ok
            };
        }
        ok
    }

    /// A My Domain typed that names its kind sets the environment (as `sfconn add` without
    /// `--env`). Only on typing: an existing connection's environment never flips by itself.
    pub(super) fn follow_domain(&mut self) {
        if let Some(env) = self
            .domain()
            .as_deref()
            .and_then(crate::profile::validate::environment_of_domain)
        {
            self.environment = env;
            if let Some(f) = self.field_mut(FieldKey::Environment) {
                f.error = None;
            }
        }
    }

    /// The environment the person chose against the one the My Domain names.
    fn environment_fits_domain(&self) -> Result<(), String> {
        let Some(domain) = self.domain() else {
            return Ok(());
        };
        match crate::profile::validate::environment_of_domain(&domain) {
            Some(env) if env != self.environment => Err(format!(
                "{domain} is a {env} My Domain; choose {env} (or change the domain)"
            )),
            _ => Ok(()),
        }
    }

    /// As soon as both the key and the certificate are filled and readable, they must be a
    /// pair: the error goes on the certificate, where the person picks the uploaded file.
    fn check_key_pair(&mut self, taken: &dyn Fn(&str) -> bool) -> bool {
        // The certificate's own check first, so a mismatch found earlier does not outlive a
        // key that was fixed since.
        if let Some(ci) = self
            .fields
            .iter()
            .position(|f| f.key() == FieldKey::CertFile)
        {
            let rules = Rules {
                flow: self.flow,
                domain_required: false,
                taken,
                base_dir: &self.base_dir,
            };
            self.fields[ci].error = validate(&self.fields[ci], &rules).err();
        }
        let resolve = |v: &str| {
            let p = PathBuf::from(v.trim());
            if p.is_absolute() {
                p
            } else {
                self.base_dir.join(p)
            }
        };
        let (Some(key), Some(cert)) = (
            self.field(FieldKey::KeyFile),
            self.field(FieldKey::CertFile),
        ) else {
            return true;
        };
        if key.value().trim().is_empty()
            || cert.value().trim().is_empty()
            || key.error.is_some()
            || cert.error.is_some()
        {
            return key.error.is_none() && cert.error.is_none();
        }
        let (key_path, cert_path) = (resolve(key.value()), resolve(cert.value()));
        let checked = crate::profile::keys::load_private_key_file(&key_path)
            .map_err(|e| e.to_string())
            .and_then(|pem| {
                let cert = crate::profile::atomic::read_capped(
                    &cert_path,
                    crate::profile::atomic::MAX_KEY_FILE,
                )
                .map_err(|e| e.to_string())?;
                crate::profile::keys::check_certificate_matches(&pem, &cert)
                    .map_err(|e| e.to_string())
            });
        match checked {
            Ok(()) => true,
            Err(e) => {
                if let Some(f) = self.field_mut(FieldKey::CertFile) {
                    f.error = Some(format!(
                        "does not match the private key ({e}); pick the certificate made with this key, or Ctrl-G for a new pair"
                    ));
                }
                false
            }
        }
    }

    /// Start from the demo's values (domain now, key pair once jwt is chosen).
    pub fn prefill(&mut self, prefill: Prefill) {
        self.prefill = Some(prefill);
        self.apply_prefill();
    }

    pub(super) fn apply_prefill(&mut self) {
        let Some(p) = self.prefill.clone() else {
            return;
        };
        for (key, value) in [
            (FieldKey::Domain, p.domain.clone()),
            (FieldKey::KeyFile, p.key_file.display().to_string()),
            (FieldKey::CertFile, p.cert_file.display().to_string()),
        ] {
            if let Some(f) = self.field_mut(key).filter(|f| f.value().is_empty()) {
                f.set_value(&value);
            }
        }
    }

    /// The save went through: the wizard now edits that connection (Retry and Fix are edits).
    /// Secrets typed in it are stored, so their fields may be left empty from now on.
    pub fn saved(&mut self, name: &str) {
        self.editing = Some(name.to_string());
        let typed: Vec<SecretKind> = self
            .fields
            .iter()
            .filter(|f| !f.value().is_empty())
            .filter_map(|f| secret_kind(f.key()))
            .collect();
        for f in &mut self.fields {
            if secret_kind(f.key()).is_some_and(|k| typed.contains(&k)) {
                f.stored = true;
            }
        }
    }
}
