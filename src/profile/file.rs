//! `profiles.toml`: load with precise errors (file:line:col and the fix). Saving lives in
//! `edit` (comment-preserving, atomic, locked).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How a located error in profiles.toml ends for the CLI; the TUI says how to retry instead.
pub const FIX_THE_FILE: &str =
    "; fix the file and run the command again (sfconn did not change it)";

use serde::Deserialize;

use super::model::{Connection, ValidationError};

/// The parsed profile file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profiles {
    /// The default connection name.
    pub default: Option<String>,
    /// Timeout for every request, in seconds.
    pub timeout_secs: Option<u64>,
    pub connections: BTreeMap<String, Connection>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("{0}")]
    Invalid(String),
    /// A syntax error, an unknown key or an invalid value, with where it is.
    #[error("{path}:{line}:{column}: {message}")]
    Located {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("cannot {action} {path}: {reason}")]
    Io {
        action: &'static str,
        path: String,
        reason: String,
    },
    #[error("no connection named `{name}`{suggestion}")]
    NoSuchConnection { name: String, suggestion: String },
    #[error(
        "a connection named `{name}` already exists; change it with `sfconn edit {name} ...` or pick another name"
    )]
    AlreadyExists { name: String },
}

pub(crate) fn io_error(action: &'static str, path: &Path, e: std::io::Error) -> ProfileError {
    ProfileError::Io {
        action,
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Keys of the file's top level and of a connection table, for "did you mean" suggestions.
const TOP_KEYS: &[&str] = &["default", "timeout_secs", "secret_store", "connections"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRepr {
    #[serde(default)]
    default: Option<String>,
    #[serde(default)]
    timeout_secs: Option<u64>,
    #[serde(default)]
    secret_store: Option<SecretStoreSettings>,
    #[serde(default)]
    connections: BTreeMap<String, Connection>,
}

/// The `[secret_store]` table: where `SFCONN_SECRET_STORE=vault` keeps the secrets in a KV v2
/// engine (PRODUCT.md section 3). Shared through the profile file, so a team agrees on it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretStoreSettings {
    /// The KV v2 mount (default `secret`).
    #[serde(default)]
    pub mount: Option<String>,
    /// The path under the mount; each connection is the entry `<prefix>/<name>` (default `sfconn`).
    #[serde(default)]
    pub prefix: Option<String>,
}

impl SecretStoreSettings {
    pub fn mount(&self) -> &str {
        self.mount
            .as_deref()
            .map(|m| m.trim_matches('/'))
            .unwrap_or("secret")
    }

    pub fn prefix(&self) -> &str {
        self.prefix
            .as_deref()
            .map(|p| p.trim_matches('/'))
            .unwrap_or("sfconn")
    }

    /// The table of the profile file at `path` (defaults when the file or the table is absent).
    pub fn load(path: &Path) -> Result<SecretStoreSettings, ProfileError> {
        #[derive(Deserialize)]
        struct Only {
            #[serde(default)]
            secret_store: Option<SecretStoreSettings>,
        }
        let Some(bytes) =
            super::atomic::read_optional(path).map_err(|e| io_error("read", path, e))?
        else {
            return Ok(SecretStoreSettings::default());
        };
        let text = String::from_utf8_lossy(&bytes);
        if !text.contains("secret_store") {
            return Ok(SecretStoreSettings::default());
        }
        // The whole file is checked (and errors located) by the usual load.
        Profiles::load(path)?;
        let only: Only = toml::from_str(&text)
            .map_err(|e| ProfileError::Invalid(format!("{}: {e}", path.display())))?;
        Ok(only.secret_store.unwrap_or_default())
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Turn serde's "unknown field `x`, expected one of `a`, `b`" into a message with a suggestion.
fn explain(message: &str) -> String {
    let message = message
        .trim()
        .replace("expected u16", "expected a whole number from 0 to 65535")
        .replace("expected u64", "expected a whole number")
        .replace("expected a map", "expected a table like [connections.NAME]");
    let message = message.as_str();
    for (prefix, what) in [("unknown field `", "key"), ("unknown variant `", "value")] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some((bad, tail)) = rest.split_once('`')
        {
            let expected: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
            let mut out = format!("unknown {what} `{bad}`");
            match suggest(bad, expected.iter().copied()) {
                Some(s) => out.push_str(&format!("; did you mean `{s}`?")),
                None if what == "key" => out.push_str("; remove it"),
                None => {}
            }
            if !expected.is_empty() {
                out.push_str(&format!(" (expected one of: {})", expected.join(", ")));
            }
            return out;
        }
    }
    message.to_string()
}

/// The closest candidate to `bad`, if it is close enough to be a typo.
pub fn suggest<'a>(bad: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let bad_l = bad.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&bad_l, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

impl Profiles {
    /// Load the profile file; a missing file is an empty set of connections.
    pub fn load(path: &Path) -> Result<Profiles, ProfileError> {
        Profiles::from_bytes(path, Profiles::read(path)?)
    }

    /// The profile file's bytes (`None` when it does not exist), read as `load` reads them.
    pub fn read(path: &Path) -> Result<Option<Vec<u8>>, ProfileError> {
        super::atomic::read_optional(path).map_err(|e| io_error("read", path, e))
    }

    /// `load` on bytes already read with `read`.
    pub fn from_bytes(path: &Path, bytes: Option<Vec<u8>>) -> Result<Profiles, ProfileError> {
        match bytes {
            None => Ok(Profiles::default()),
            Some(bytes) => {
                if let Some(cached) = super::cache::get(path, &bytes) {
                    return Ok(cached);
                }
                let text = String::from_utf8(bytes).map_err(|e| {
                    let (line, column) = line_col(
                        &String::from_utf8_lossy(e.as_bytes()),
                        e.utf8_error().valid_up_to(),
                    );
                    ProfileError::Located {
                        path: path.display().to_string(),
                        line,
                        column,
                        message: "the file is not UTF-8 text; save it as UTF-8".into(),
                    }
                })?;
                let profiles = Profiles::parse(&text, path)?;
                super::cache::put(path, text.as_bytes(), &profiles);
                Ok(profiles)
            }
        }
    }

    /// Parse and validate profile-file text. `path` is used in messages and to resolve
    /// relative `key_file`/`cert_file` paths (relative to the file's directory).
    pub fn parse(text: &str, path: &Path) -> Result<Profiles, ProfileError> {
        let shown = path.display().to_string();
        let located = |offset: usize, message: String| {
            let (line, column) = line_col(text, offset);
            ProfileError::Located {
                path: shown.clone(),
                line,
                column,
                message,
            }
        };
        let repr: FileRepr = toml::from_str(text).map_err(|e| {
            let mut message = explain(e.message());
            if message.starts_with("unknown key") && !message.contains("expected one of") {
                message.push_str(&format!(" (expected one of: {})", TOP_KEYS.join(", ")));
            }
            message.push_str(FIX_THE_FILE);
            located(e.span().map_or(0, |s| s.start), message)
        })?;
        // A second, span-keeping parse to point at the value a semantic check rejects.
        // Parsed only when a check fails: `list` on a big file should not pay for it.
        let spans_cell = std::cell::OnceCell::new();
        let spans = || spans_cell.get_or_init(|| toml_edit::Document::parse(text).ok());
        let span_of = |conn: Option<&str>, field: Option<&str>| -> usize {
            let Some(doc) = spans().as_ref() else {
                return 0;
            };
            let root = doc.as_table();
            let Some(conn) = conn else {
                return field
                    .and_then(|f| root.get(f))
                    .and_then(|i| i.span())
                    .map_or(0, |s| s.start);
            };
            let conns = root.get("connections").and_then(|i| i.as_table_like());
            let entry = conns.and_then(|t| t.get(conn));
            let key_span = conns
                .and_then(|t| t.key(conn))
                .and_then(|k| k.span())
                .map(|s| s.start);
            let field_span = field
                .and_then(|f| entry.and_then(|e| e.as_table_like()).and_then(|t| t.get(f)))
                .and_then(|i| i.span())
                .map(|s| s.start);
            field_span
                .or(key_span)
                .or_else(|| entry.and_then(|e| e.span()).map(|s| s.start))
                .unwrap_or(0)
        };
        if let Some(t) = repr.timeout_secs
            && !(1..=600).contains(&t)
        {
            return Err(located(
                span_of(None, Some("timeout_secs")),
                format!("timeout_secs = {t} is out of range; use 1-600 seconds"),
            ));
        }
        if let Some(store) = &repr.secret_store {
            for (key, value) in [("mount", &store.mount), ("prefix", &store.prefix)] {
                if let Some(v) = value
                    && let Err(e) = crate::secrets::check_vault_path(v.trim_matches('/'), key)
                {
                    let at = spans()
                        .as_ref()
                        .and_then(|d| d.as_table().get("secret_store"))
                        .and_then(|t| t.as_table_like())
                        .and_then(|t| t.get(key))
                        .and_then(|i| i.span())
                        .map_or(0, |s| s.start);
                    return Err(located(at, format!("[secret_store] {e}")));
                }
            }
        }
        if let Some(d) = &repr.default
            && let Err(e) = super::validate::validate_name(d)
        {
            return Err(located(
                span_of(None, Some("default")),
                format!("default: {}", e.message),
            ));
        }
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut connections = BTreeMap::new();
        for (name, mut conn) in repr.connections {
            conn.name = name.clone();
            conn.normalize();
            conn.key_file = conn.key_file.map(|p| resolve_relative(&base, p));
            conn.cert_file = conn.cert_file.map(|p| resolve_relative(&base, p));
            if let Err(errors) = conn.validate() {
                let first: &ValidationError = &errors[0];
                let field = (first.field != "name").then_some(first.field.as_str());
                let present = field.is_some_and(|f| {
                    spans().as_ref().is_some_and(|d| {
                        d.as_table()
                            .get("connections")
                            .and_then(|c| c.as_table_like())
                            .and_then(|c| c.get(&name))
                            .and_then(|e| e.as_table_like())
                            .is_some_and(|t| t.contains_key(f))
                    })
                });
                let what = if field.is_some() && !present {
                    format!(
                        "connection `{name}` is missing `{}`: {}",
                        first.field, first.message
                    )
                } else if first.field == "name" {
                    format!("connection name: {}", first.message)
                } else {
                    format!("connection `{name}`, {first}")
                };
                return Err(located(
                    span_of(Some(&name), if present { field } else { None }),
                    format!("{what}{FIX_THE_FILE}"),
                ));
            }
            connections.insert(name, conn);
        }
        Ok(Profiles {
            default: repr.default,
            timeout_secs: repr.timeout_secs,
            connections,
        })
    }

    /// The connection a command acts on: the explicit NAME, else `SFCONN_PROFILE`, else the
    /// file's `default`. Errors (exit 2) say which of the three named a missing connection.
    pub fn resolve_name(&self, explicit: Option<&str>) -> Result<String, ProfileError> {
        if let Some(name) = explicit {
            self.require(name)?;
            return Ok(name.to_string());
        }
        if let Some(name) = env_profile() {
            self.require(&name).map_err(|e| {
                ProfileError::Invalid(format!(
                    "SFCONN_PROFILE={name}: {e}; unset it or set it to an existing connection"
                ))
            })?;
            return Ok(name);
        }
        match &self.default {
            Some(name) => {
                self.require(name).map_err(|e| {
                    ProfileError::Invalid(format!(
                        "the default connection: {e}; pick another with `sfconn use NAME`"
                    ))
                })?;
                Ok(name.clone())
            }
            None if self.connections.is_empty() => Err(ProfileError::Invalid(
                "no connections yet; create one with `sfconn add NAME --flow FLOW ...` (or try `sfconn demo`)".into(),
            )),
            None => Err(ProfileError::Invalid(
                "no connection named and no default; pass NAME, set SFCONN_PROFILE, or run `sfconn use NAME`".into(),
            )),
        }
    }

    /// The effective default: `SFCONN_PROFILE` wins over the file's `default`.
    pub fn effective_default(&self) -> Option<String> {
        env_profile().or_else(|| self.default.clone())
    }

    /// The named connection, or an error with a "did you mean" suggestion.
    pub fn require(&self, name: &str) -> Result<&Connection, ProfileError> {
        self.connections
            .get(name)
            .ok_or_else(|| ProfileError::NoSuchConnection {
                name: name.to_string(),
                suggestion: match suggest(name, self.connections.keys().map(String::as_str)) {
                    Some(s) => format!("; did you mean `{s}`?"),
                    None if self.connections.is_empty() => {
                        "; there are no connections yet (`sfconn add`)".into()
                    }
                    None => "; `sfconn list` shows them".into(),
                },
            })
    }

    /// The request timeout for a connection: `--timeout`, else its own, else the file's, else 10 s.
    pub fn timeout_for(&self, conn: &Connection, flag: Option<u64>) -> std::time::Duration {
        crate::lifecycle::effective_timeout(flag, conn, self.timeout_secs)
    }
}

fn env_profile() -> Option<String> {
    std::env::var("SFCONN_PROFILE")
        .ok()
        .filter(|v| !v.is_empty())
}

fn resolve_relative(base: &Path, p: PathBuf) -> PathBuf {
    if p.is_relative() && !p.as_os_str().is_empty() {
        base.join(p)
    } else {
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Profiles, ProfileError> {
        Profiles::parse(text, Path::new("/h/profiles.toml"))
    }

    #[test]
    fn unknown_key_has_location_and_suggestion() {
        let e = parse("[connections.p]\nflow = \"web\"\nclientid = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(
                "/h/profiles.toml:3:1: unknown key `clientid`; did you mean `client_id`?"
            ),
            "{e}"
        );
    }

    #[test]
    fn bad_flow_and_domain() {
        let e = parse("[connections.p]\nflow = \"jwtt\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(":2:8: unknown value `jwtt`; did you mean `jwt`?"),
            "{e}"
        );
        let e = parse(
            "[connections.p]\nflow = \"web\"\nclient_id = \"x\"\ndomain = \"http://acme.com\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains(":4:10: connection `p`, domain:"), "{e}");
    }

    #[test]
    fn bare_domain_is_normalised_and_relative_key_is_resolved() {
        let p = parse("[connections.p]\nflow = \"jwt\"\nclient_id = \"x\"\nusername = \"u@x.com\"\ndomain = \"Acme.my.salesforce.com\"\nkey_file = \"keys/p.key\"\n").unwrap();
        let c = &p.connections["p"];
        assert_eq!(c.domain.as_deref(), Some("https://acme.my.salesforce.com"));
        assert_eq!(c.key_file.as_deref(), Some(Path::new("/h/keys/p.key")));
        assert_eq!(c.name, "p");
    }

    #[test]
    fn missing_required_points_at_the_table() {
        let e = parse("# c\n[connections.p]\nflow = \"web\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(":2:14: connection `p` is missing `client_id`"),
            "{e}"
        );
    }
}
