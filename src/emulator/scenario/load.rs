//! Loading a scenario: TOML errors with file:line:col, certificate files, cross-checks.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::{AppFlow, PRACTICE_JWT_CERT_PEM, Scenario};
use crate::emulator::EmulatorError;

impl Scenario {
    pub(super) fn parse(
        text: &str,
        origin: &str,
        base: Option<PathBuf>,
    ) -> Result<Scenario, EmulatorError> {
        let mut scenario: Scenario = toml::from_str(text).map_err(|e| {
            let location = match e.span() {
                Some(span) => {
                    let (line, col) = line_col(text, span.start);
                    format!("{origin}:{line}:{col}")
                }
                None => origin.to_string(),
            };
            EmulatorError::Scenario {
                location,
                message: e.message().to_string(),
            }
        })?;
        scenario.resolve_certificates(origin, base.as_deref())?;
        scenario.validate(origin)?;
        Ok(scenario)
    }

    fn resolve_certificates(
        &mut self,
        origin: &str,
        base: Option<&Path>,
    ) -> Result<(), EmulatorError> {
        for app in &mut self.apps {
            let Some(cert) = &app.certificate else {
                app.certificate_pem = None;
                continue;
            };
            let pem = if cert.contains("-----BEGIN") {
                cert.clone()
            } else if let Some(dir) = base {
                let path = dir.join(cert);
                std::fs::read_to_string(&path).map_err(|e| EmulatorError::Scenario {
                    location: origin.to_string(),
                    message: format!(
                        "app {}: cannot read certificate {}: {e}",
                        app.client_id,
                        path.display()
                    ),
                })?
            } else if cert == "jwt.crt" {
                PRACTICE_JWT_CERT_PEM.to_string()
            } else {
                return Err(EmulatorError::Scenario {
                    location: origin.to_string(),
                    message: format!("app {}: unknown built-in certificate {cert}", app.client_id),
                });
            };
            if let Err(e) = jsonwebtoken::DecodingKey::from_rsa_pem(pem.as_bytes()) {
                return Err(EmulatorError::Scenario {
                    location: origin.to_string(),
                    message: format!(
                        "app {}: certificate is not an RSA certificate or public key in PEM form ({e})",
                        app.client_id
                    ),
                });
            }
            app.certificate_pem = Some(pem);
        }
        Ok(())
    }

    fn validate(&self, origin: &str) -> Result<(), EmulatorError> {
        let fail = |message: String| {
            Err(EmulatorError::Scenario {
                location: origin.to_string(),
                message,
            })
        };
        if !is_sf_id(&self.org.id, "00D") {
            return fail(format!(
                "org.id {:?} is not an org id (00D followed by 12 or 15 letters and digits)",
                self.org.id
            ));
        }
        if self.org.daily_api_remaining > self.org.daily_api_max {
            return fail("org.daily_api_remaining is larger than org.daily_api_max".into());
        }
        if !(31..=99).contains(&self.org.max_api_version) {
            return fail("org.max_api_version must be between 31 and 99".into());
        }
        if self.users.is_empty() {
            return fail("the scenario needs at least one [[users]] entry".into());
        }
        let mut names = HashSet::new();
        for user in &self.users {
            if !is_sf_id(&user.id, "005") {
                return fail(format!(
                    "user {}: id {:?} is not a user id (005 followed by 12 or 15 letters and digits)",
                    user.username, user.id
                ));
            }
            if !names.insert(user.username.to_lowercase()) {
                return fail(format!("user {} is listed twice", user.username));
            }
        }
        let known = |name: &str| names.contains(&name.to_lowercase());
        if let Some(u) = &self.org.browser_user
            && !known(u)
        {
            return fail(format!("org.browser_user {u} is not one of the [[users]]"));
        }
        let mut ids = HashSet::new();
        for app in &self.apps {
            if app.client_id.is_empty() {
                return fail(format!("app {}: client_id is empty", app.name));
            }
            if !ids.insert(app.client_id.as_str()) {
                return fail(format!("app client_id {} is listed twice", app.client_id));
            }
            if let Some(u) = &app.run_as
                && !known(u)
            {
                return fail(format!(
                    "app {}: run_as {u} is not one of the [[users]]",
                    app.client_id
                ));
            }
            for u in &app.pre_authorized {
                if !known(u) {
                    return fail(format!(
                        "app {}: pre_authorized user {u} is not one of the [[users]]",
                        app.client_id
                    ));
                }
            }
            if app.flows.contains(&AppFlow::Jwt) && app.certificate_pem.is_none() {
                return fail(format!(
                    "app {}: the jwt flow needs a certificate (inline PEM or a file path)",
                    app.client_id
                ));
            }
            if app.flows.contains(&AppFlow::Web) && app.callback_urls.is_empty() {
                return fail(format!(
                    "app {}: the web flow needs callback_urls",
                    app.client_id
                ));
            }
            if app.secret_required && app.client_secret.is_empty() {
                return fail(format!(
                    "app {}: secret_required is set but client_secret is empty",
                    app.client_id
                ));
            }
            if app.device_interval_secs == 0 || app.code_ttl_secs == 0 {
                return fail(format!(
                    "app {}: device_interval_secs and code_ttl_secs must be at least 1",
                    app.client_id
                ));
            }
        }
        Ok(())
    }
}

fn is_sf_id(id: &str, prefix: &str) -> bool {
    id.starts_with(prefix)
        && (id.len() == 15 || id.len() == 18)
        && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let col = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(before.len(), |nl| before.len() - nl - 1)
        + 1;
    (line, col)
}
