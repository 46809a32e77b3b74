//! Saving `profiles.toml`: every change is a read-modify-write under the advisory lock, made on
//! the user's own document with `toml_edit` (comments, ordering and formatting elsewhere in the
//! file survive), re-validated, then written atomically.

use std::path::Path;

use toml_edit::{DocumentMut, Item, Table, TableLike, Value};

use super::atomic;
use super::file::{ProfileError, Profiles, io_error};
use super::model::Connection;

/// The profile file being edited, handed to the closure of [`update`].
pub struct ProfilesDoc {
    doc: DocumentMut,
    current: Profiles,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum FieldVal {
    Str(String),
    Int(i64),
}

impl FieldVal {
    fn to_value(&self) -> Value {
        match self {
            FieldVal::Str(s) => Value::from(s.as_str()),
            FieldVal::Int(i) => Value::from(*i),
        }
    }
}

/// The connection's settings in file order, as they are written.
fn fields(c: &Connection) -> Vec<(&'static str, Option<FieldVal>)> {
    let s = |v: &Option<String>| v.clone().map(FieldVal::Str);
    let p = |v: &Option<std::path::PathBuf>| {
        v.as_ref()
            .map(|p| FieldVal::Str(p.to_string_lossy().into_owned()))
    };
    vec![
        ("flow", Some(FieldVal::Str(c.flow.as_str().into()))),
        (
            "environment",
            Some(FieldVal::Str(c.environment.as_str().into())),
        ),
        ("domain", s(&c.domain)),
        ("client_id", s(&c.client_id)),
        ("username", s(&c.username)),
        ("key_file", p(&c.key_file)),
        ("cert_file", p(&c.cert_file)),
        ("audience", s(&c.audience)),
        ("scopes", s(&c.scopes)),
        (
            "callback_port",
            c.callback_port.map(|v| FieldVal::Int(i64::from(v))),
        ),
        (
            "timeout_secs",
            c.timeout_secs
                .map(|v| FieldVal::Int(i64::try_from(v).unwrap_or(i64::MAX))),
        ),
    ]
}

/// Set a value, keeping the decoration (spacing, trailing comment) of the one it replaces.
fn set_value(table: &mut dyn TableLike, key: &str, new: Value) {
    if let Some(old) = table.get_mut(key).and_then(Item::as_value_mut) {
        let decor = old.decor().clone();
        *old = new;
        *old.decor_mut() = decor;
    } else {
        table.insert(key, Item::Value(new));
    }
}

impl ProfilesDoc {
    /// The file as it was when the lock was taken.
    pub fn profiles(&self) -> &Profiles {
        &self.current
    }

    fn connections_mut(&mut self) -> &mut dyn TableLike {
        let root = self.doc.as_table_mut();
        let usable = root.get("connections").is_some_and(|i| i.is_table_like());
        if !usable {
            let mut t = Table::new();
            t.set_implicit(true);
            root.insert("connections", Item::Table(t));
        }
        // Just ensured above: `connections` exists and is a table or an inline table.
        match root
            .get_mut("connections")
            .and_then(Item::as_table_like_mut)
        {
            Some(t) => t,
            None => unreachable!("connections was just inserted as a table"),
        }
    }

    /// Add the connection, or change only the settings that differ from the file.
    pub fn upsert(&mut self, conn: &Connection) {
        let old = self.current.connections.get(&conn.name).cloned();
        // An inline `connections = { ... }` can only hold inline tables.
        let inline_parent = self
            .doc
            .as_table()
            .get("connections")
            .is_some_and(Item::is_inline_table);
        let conns = self.connections_mut();
        match (
            old,
            conns.get_mut(&conn.name).and_then(Item::as_table_like_mut),
        ) {
            (Some(old), Some(table)) => {
                let before = fields(&old);
                for ((key, new), (_, was)) in fields(conn).into_iter().zip(before) {
                    if new == was
                        && (new.is_none() || table.contains_key(key) || key == "environment")
                    {
                        continue;
                    }
                    match new {
                        Some(v) => set_value(table, key, v.to_value()),
                        None => {
                            table.remove(key);
                        }
                    }
                }
            }
            _ => {
                let mut table = Table::new();
                for (key, v) in fields(conn) {
                    if let Some(v) = v {
                        table.insert(key, Item::Value(v.to_value()));
                    }
                }
                let item = if inline_parent {
                    Item::Value(Value::InlineTable(table.into_inline_table()))
                } else {
                    Item::Table(table)
                };
                conns.insert(&conn.name, item);
            }
        }
    }

    /// Remove a connection (and `default` if it named it). False if it was not there.
    pub fn remove(&mut self, name: &str) -> bool {
        let removed = self.connections_mut().remove(name).is_some();
        if removed && self.current.default.as_deref() == Some(name) {
            self.doc.as_table_mut().remove("default");
        }
        removed
    }

    /// Rename a connection in place (same position, comments kept), and `default` with it.
    pub fn rename(&mut self, old: &str, new: &str) -> bool {
        let conns = self.connections_mut();
        let Some(item) = conns.remove(old) else {
            return false;
        };
        conns.insert(new, item);
        if self.current.default.as_deref() == Some(old) {
            self.set_default(Some(new));
        }
        true
    }

    /// Set or clear the file's `default`.
    pub fn set_default(&mut self, name: Option<&str>) {
        let root = self.doc.as_table_mut();
        match name {
            Some(n) => set_value(root, "default", Value::from(n)),
            None => {
                root.remove("default");
            }
        }
    }
}

/// Lock the profile file, re-read it, apply `edit`, validate the result and write it atomically.
/// The file is left untouched when it does not parse, when `edit` fails, or when the result
/// would not load back.
pub fn update<T, E>(
    path: &Path,
    edit: impl FnOnce(&mut ProfilesDoc) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<ProfileError>,
{
    let _lock = atomic::lock(path).map_err(|e| io_error("lock", &atomic::lock_path(path), e))?;
    let text = match atomic::read_optional(path).map_err(|e| io_error("read", path, e))? {
        Some(bytes) => String::from_utf8(bytes).map_err(|_| {
            ProfileError::Invalid(format!(
                "{}: the file is not UTF-8 text; save it as UTF-8",
                path.display()
            ))
        })?,
        None => String::new(),
    };
    let current = Profiles::parse(&text, path)?;
    let doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        ProfileError::Invalid(format!("{}: {}", path.display(), e.message()))
    })?;
    let mut editing = ProfilesDoc { doc, current };
    let out = edit(&mut editing)?;
    let new_text = keep_line_endings(&text, editing.doc.to_string());
    if new_text != text {
        Profiles::parse(&new_text, path).map_err(|e| {
            ProfileError::Invalid(format!(
                "the change was not saved because the result would not load: {e}"
            ))
        })?;
        atomic::write_atomic(path, new_text.as_bytes(), Some(0o644))
            .map_err(|e| io_error("write", path, e))?;
    }
    Ok(out)
}

/// toml_edit writes new lines as LF; a file written with CRLF (Windows editors) keeps CRLF.
fn keep_line_endings(original: &str, new_text: String) -> String {
    let crlf = original.matches("\r\n").count();
    let lf = original.matches('\n').count();
    if crlf == 0 || crlf * 2 < lf {
        return new_text;
    }
    new_text.replace("\r\n", "\n").replace('\n', "\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Flow;

    #[test]
    fn crlf_files_stay_crlf() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profiles.toml");
        let original = "# mine\r\n[connections.a]\r\nflow = \"device\"\r\nclient_id = \"dev\"\r\n";
        std::fs::write(&path, original).unwrap();
        update(&path, |d| -> Result<(), ProfileError> {
            d.upsert(&web("b"));
            Ok(())
        })
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(original), "{text:?}");
        assert_eq!(
            text.matches('\n').count(),
            text.matches("\r\n").count(),
            "{text:?}"
        );
        assert!(Profiles::load(&path).unwrap().connections.contains_key("b"));
    }

    fn web(name: &str) -> Connection {
        let mut c = Connection::new(name, Flow::Web);
        c.client_id = Some(format!("id-{name}"));
        c
    }

    #[test]
    fn edits_keep_comments_and_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profiles.toml");
        let original = "# my connections\ndefault = \"b\" # the usual\n\n# second one\n[connections.b]\nflow = \"web\"   # browser\nclient_id = \"old\"\n\n[connections.a]\nflow = \"device\"\nclient_id = \"dev\"\n";
        std::fs::write(&path, original).unwrap();
        update(&path, |d| -> Result<(), ProfileError> {
            let mut b = d.profiles().connections["b"].clone();
            b.client_id = Some("new".into());
            d.upsert(&b);
            d.upsert(&web("c"));
            Ok(())
        })
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# my connections\ndefault = \"b\" # the usual\n\n# second one\n[connections.b]\nflow = \"web\"   # browser\nclient_id = \"new\"\n"), "{text}");
        assert!(
            text.find("[connections.a]").unwrap() < text.find("[connections.c]").unwrap(),
            "{text}"
        );
        update(&path, |d| -> Result<(), ProfileError> {
            assert!(d.rename("b", "bb"));
            Ok(())
        })
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("default = \"bb\" # the usual"), "{text}");
        assert!(text.contains("# second one\n[connections.bb]"), "{text}");
        update(&path, |d| -> Result<(), ProfileError> {
            assert!(d.remove("bb"));
            Ok(())
        })
        .unwrap();
        let p = Profiles::load(&path).unwrap();
        assert_eq!(p.default, None);
        assert_eq!(p.connections.keys().collect::<Vec<_>>(), ["a", "c"]);
    }

    #[test]
    fn new_file_and_dotted_names() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("profiles.toml");
        update(&path, |d| -> Result<(), ProfileError> {
            d.upsert(&web("a.b"));
            d.set_default(Some("a.b"));
            Ok(())
        })
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("[connections.\"a.b\"]"), "{text}");
        let p = Profiles::load(&path).unwrap();
        assert_eq!(p.default.as_deref(), Some("a.b"));
        assert_eq!(p.connections["a.b"].client_id.as_deref(), Some("id-a.b"));
    }

    #[test]
    fn a_bad_file_is_never_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profiles.toml");
        std::fs::write(&path, "[connections.a\nflow=").unwrap();
        let r = update(&path, |d| -> Result<(), ProfileError> {
            d.upsert(&web("x"));
            Ok(())
        });
        assert!(r.is_err());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "[connections.a\nflow="
        );
    }
}
