//! The hint catalog: `assets/hints.toml`, compiled in and loaded into typed structs.

use std::sync::LazyLock;

use serde::Deserialize;

use crate::profile::{Connection, Flow};
use crate::salesforce::{HintRef, TransportKind};

/// The catalog file as written, compiled into the binary.
pub const HINTS_TOML: &str = include_str!("../../assets/hints.toml");

/// The ids PRODUCT.md section 6 requires; the catalog may hold more.
pub const REQUIRED_IDS: [&str; 32] = [
    "host-unreachable",
    "tls-failure",
    "timeout",
    "not-salesforce",
    "password-auth-failed",
    "client-id-invalid",
    "client-secret-invalid",
    "user-not-approved",
    "user-not-admin-approved",
    "jwt-audience-invalid",
    "jwt-assertion-invalid",
    "refresh-token-expired",
    "auth-code-expired",
    "ip-restricted",
    "user-inactive",
    "grant-not-supported",
    "my-domain-required",
    "run-as-user-missing",
    "pkce-required",
    "redirect-uri-mismatch",
    "app-not-installed",
    "access-denied",
    "token-invalid",
    "api-disabled",
    "api-limit-exceeded",
    "callback-port-busy",
    "callback-state-mismatch",
    "browser-unavailable",
    "keychain-unavailable",
    "clock-skew",
    "key-cert-mismatch",
    "password-flow-blocked",
];

/// What selects a hint. Each kind (except `also`) takes an optional `weight`; higher ranks first.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Trigger {
    /// An OAuth `error`, optionally with its `error_description` (case-insensitive; exact unless
    /// `prefix`). Without a description it matches any description of that error.
    Oauth {
        error: String,
        #[serde(default)]
        description: Option<String>,
        #[serde(default)]
        prefix: bool,
        #[serde(default)]
        weight: Option<u8>,
    },
    /// Any answer with this HTTP status (a weak signal, ranked below specific triggers).
    HttpStatus {
        status: u16,
        #[serde(default)]
        weight: Option<u8>,
    },
    /// A REST `errorCode` (or userinfo's plain-text 403 body).
    Rest {
        error_code: String,
        #[serde(default)]
        weight: Option<u8>,
    },
    /// A failure below HTTP.
    Transport {
        transport: TransportKind,
        #[serde(default)]
        weight: Option<u8>,
    },
    /// The server answered, but not like Salesforce.
    NotSalesforce {
        #[serde(default)]
        weight: Option<u8>,
    },
    /// A condition sfconn found on this machine (`Failure::Local { condition }`).
    Local {
        condition: String,
        #[serde(default)]
        weight: Option<u8>,
    },
    /// Shown right after hint `with` when the connection's flow is one of `flows`.
    Also { with: String, flows: Vec<Flow> },
}

/// One troubleshooting hint.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hint {
    pub id: String,
    pub title: String,
    /// Why it happens, in plain words.
    pub cause: String,
    /// Ordered fix steps naming Salesforce Setup paths.
    pub fix: Vec<String>,
    /// Lightning Setup path (`/lightning/setup/<Page>/home`) to open for the fix.
    #[serde(default)]
    pub setup_page: Option<String>,
    /// The flows the hint applies to.
    pub flows: Vec<Flow>,
    #[serde(rename = "trigger")]
    pub triggers: Vec<Trigger>,
}

/// A fix step's flow tag, `[web, device] text`: the flows it names and the text after it.
/// `None` when the step has no tag (it applies to every flow of its hint).
fn step_flows(step: &str) -> Option<(Vec<Flow>, &str)> {
    let rest = step.strip_prefix('[')?;
    let (tag, text) = rest.split_once(']')?;
    let flows: Option<Vec<Flow>> = tag
        .split(',')
        .map(|name| Flow::ALL.into_iter().find(|f| f.as_str() == name.trim()))
        .collect();
    Some((flows?, text.trim_start()))
}

impl Hint {
    /// The short form with every step (`{"id", "title", "fix"}`); a step tagged for some flows
    /// says which ("For web: ...").
    pub fn to_ref(&self) -> HintRef {
        HintRef {
            id: self.id.clone(),
            title: self.title.clone(),
            fix: self
                .fix
                .iter()
                .map(|step| match step_flows(step) {
                    Some((flows, text)) => {
                        let names: Vec<&str> = flows.iter().map(|f| f.as_str()).collect();
                        format!("For {}: {text}", names.join(", "))
                    }
                    None => step.clone(),
                })
                .collect(),
        }
    }

    /// The short form for a result of `flow`: fix steps tagged for other flows
    /// (`[web] ...`) are left out, and the tag is dropped from the rest.
    pub fn to_ref_for(&self, flow: Flow) -> HintRef {
        HintRef {
            id: self.id.clone(),
            title: self.title.clone(),
            fix: self
                .fix
                .iter()
                .filter_map(|step| match step_flows(step) {
                    Some((flows, text)) => flows.contains(&flow).then(|| text.to_string()),
                    None => Some(step.clone()),
                })
                .collect(),
        }
    }

    pub fn applies_to(&self, flow: Flow) -> bool {
        self.flows.contains(&flow)
    }

    /// The browser URL of this hint's Setup page for `conn`, if the hint names one.
    pub fn setup_url(&self, conn: &Connection) -> Option<String> {
        self.setup_page.as_deref().map(|page| setup_url(conn, page))
    }
}

/// A fix step with the connection's name in place of `NAME` inside sfconn commands
/// (`` `sfconn login NAME` `` becomes `` `sfconn login prod` ``); host placeholders such as
/// `NAME.my.salesforce.com` outside commands stay as they are.
pub fn personalize(step: &str, connection: &str) -> String {
    let mut out = String::with_capacity(step.len());
    for (i, part) in step.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        let is_code = i % 2 == 1;
        if is_code && part.starts_with("sfconn ") {
            let words: Vec<&str> = part
                .split(' ')
                .map(|w| if w == "NAME" { connection } else { w })
                .collect();
            out.push_str(&words.join(" "));
        } else {
            out.push_str(part);
        }
    }
    out
}

/// Hints as one connection's user reads them: its name in every sfconn command, and no step
/// that tells them to run `running` (the command they are running now) on it.
pub fn for_connection(hints: &mut [HintRef], connection: &str, running: Option<&str>) {
    // Only the exact command: `sfconn test NAME --fresh` is another command and stays.
    let current = running.map(|cmd| format!("`sfconn {cmd} {connection}`"));
    for hint in hints {
        hint.fix = hint
            .fix
            .iter()
            .map(|step| personalize(step, connection))
            .filter(|step| current.as_ref().is_none_or(|c| !step.contains(c.as_str())))
            .collect();
    }
}

/// The URL that opens a Lightning Setup page for a connection (research §8): on the My Domain
/// when known (Salesforce redirects to the org's Setup host), else through the login host's
/// `startURL`, which lands there after sign-in.
pub fn setup_url(conn: &Connection, page: &str) -> String {
    match conn.domain.as_deref() {
        Some(domain) => format!("{}{}", domain.trim_end_matches('/'), page),
        None => {
            let mut url = format!("{}/", conn.environment.login_host());
            url.push_str("?startURL=");
            url.extend(url::form_urlencoded::byte_serialize(page.as_bytes()));
            url
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    hint: Vec<Hint>,
}

/// Why a catalog text is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("hints.toml does not parse: {0}")]
    Parse(String),
    #[error("hints.toml: hint `{id}`: {problem}")]
    Invalid { id: String, problem: String },
    #[error("hints.toml: required hint `{0}` is missing")]
    MissingId(String),
}

/// All hints, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    hints: Vec<Hint>,
}

impl Catalog {
    /// Parse and check a catalog text: unknown keys or trigger kinds, duplicate or missing ids,
    /// empty fixes, `also` triggers naming unknown hints and malformed Setup paths are errors.
    pub fn parse(text: &str) -> Result<Catalog, CatalogError> {
        let file: CatalogFile =
            toml::from_str(text).map_err(|e| CatalogError::Parse(e.to_string()))?;
        let catalog = Catalog { hints: file.hint };
        catalog.check()?;
        Ok(catalog)
    }

    fn check(&self) -> Result<(), CatalogError> {
        let invalid = |id: &str, problem: &str| CatalogError::Invalid {
            id: id.to_string(),
            problem: problem.to_string(),
        };
        for (i, hint) in self.hints.iter().enumerate() {
            let id = hint.id.as_str();
            let well_formed = !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !well_formed {
                return Err(invalid(id, "ids are lowercase letters, digits and `-`"));
            }
            if self.hints[..i].iter().any(|h| h.id == id) {
                return Err(invalid(id, "duplicate id"));
            }
            if hint.title.trim().is_empty() || hint.cause.trim().is_empty() {
                return Err(invalid(id, "title and cause must not be empty"));
            }
            if hint.fix.is_empty() || hint.fix.iter().any(|s| s.trim().is_empty()) {
                return Err(invalid(id, "needs at least one non-empty fix step"));
            }
            if hint.fix.iter().any(|step| {
                step.starts_with('[')
                    && step_flows(step)
                        .is_none_or(|(flows, _)| flows.iter().any(|f| !hint.applies_to(*f)))
            }) {
                return Err(invalid(
                    id,
                    "a fix step's [flow, ...] tag must name flows of the hint",
                ));
            }
            if hint.flows.is_empty() {
                return Err(invalid(id, "names no flow"));
            }
            if hint.triggers.is_empty() {
                return Err(invalid(id, "has no trigger"));
            }
            if let Some(page) = &hint.setup_page
                && !(page.starts_with("/lightning/setup/") && page.ends_with("/home"))
            {
                return Err(invalid(
                    id,
                    "setup_page must look like /lightning/setup/<Page>/home",
                ));
            }
            for trigger in &hint.triggers {
                if let Trigger::Local { condition, .. } = trigger
                    && condition != super::matcher::NEEDS_LOGIN_CONDITION
                    && crate::salesforce::LocalCondition::parse(condition).is_none()
                {
                    return Err(invalid(
                        id,
                        &format!("`local` names `{condition}`, which sfconn never raises"),
                    ));
                }
                if let Trigger::Also { with, flows } = trigger {
                    if with == id || !self.hints.iter().any(|h| &h.id == with) {
                        return Err(invalid(id, &format!("`also` names unknown hint `{with}`")));
                    }
                    if flows.is_empty() {
                        return Err(invalid(id, "`also` names no flow"));
                    }
                }
            }
        }
        for id in REQUIRED_IDS {
            if self.get(id).is_none() {
                return Err(CatalogError::MissingId(id.to_string()));
            }
        }
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&Hint> {
        self.hints.iter().find(|h| h.id == id)
    }

    pub fn hints(&self) -> &[Hint] {
        &self.hints
    }

    /// The hints that apply to a flow, in catalog order (the wizard's per-flow list).
    pub fn for_flow(&self, flow: Flow) -> impl Iterator<Item = &Hint> {
        self.hints.iter().filter(move |h| h.applies_to(flow))
    }

    /// `HintRef`s for ids, skipping unknown ones.
    pub fn refs<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Vec<HintRef> {
        ids.into_iter()
            .filter_map(|id| self.get(id))
            .map(Hint::to_ref)
            .collect()
    }
}

impl Catalog {
    /// The README's troubleshooting table: one row per hint with its id, title and cause.
    pub fn markdown_table(&self) -> String {
        let cell = |text: &str| text.replace('|', "\\|");
        let mut out = String::from("| id | problem | cause |\n|---|---|---|\n");
        for hint in &self.hints {
            out.push_str(&format!(
                "| `{}` | {} | {} |\n",
                hint.id,
                cell(&hint.title),
                cell(&hint.cause)
            ));
        }
        out
    }
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| match Catalog::parse(HINTS_TOML) {
    Ok(catalog) => catalog,
    // The text is compiled in and checked by this module's tests, so this is a build defect,
    // never a user's input.
    Err(err) => panic!("the compiled-in hint catalog is broken: {err}"),
});

/// The compiled-in catalog.
pub fn catalog() -> &'static Catalog {
    &CATALOG
}

#[cfg(test)]
#[path = "catalog_tests.rs"]
mod tests;
