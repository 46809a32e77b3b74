//! A cache of the parsed profile file, so that `list` and the TUI's first frame stay fast with
//! thousands of connections (PRODUCT.md section 9; issue 13: `list --json` of 10,000 connections
//! in ≤ 50 ms). Parsing TOML is most of their time; the same data as JSON parses several times
//! faster.
//!
//! The cache is `<profile file>.cache` beside the profile file (like its `.lock`). It is keyed by
//! a 128-bit hash of the file's exact bytes, its path and sfconn's version, so it can never serve
//! anything but what parsing the file would give: any edit, by sfconn or by hand, misses it. It
//! holds what the profile file holds and no secret. A cache that is missing, unreadable or stale
//! is ignored, and failing to write it is not an error.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::file::Profiles;
use super::model::Connection;

fn cache_path(profile_file: &Path) -> PathBuf {
    let mut name = profile_file.file_name().unwrap_or_default().to_os_string();
    name.push(".cache");
    profile_file.with_file_name(name)
}

fn key(profile_file: &Path, bytes: &[u8]) -> String {
    let half = |salt: u64| {
        #[allow(deprecated)]
        let mut h = std::hash::SipHasher::new_with_keys(salt, !salt);
        env!("CARGO_PKG_VERSION").hash(&mut h);
        profile_file.hash(&mut h);
        bytes.hash(&mut h);
        h.finish()
    };
    format!(
        "{:016x}{:016x}",
        half(0x5f3c_0a11_cafe_0001),
        half(0x0bad_5eed_0000_0002)
    )
}

#[derive(Serialize, Deserialize)]
struct Cached {
    key: String,
    default: Option<String>,
    timeout_secs: Option<u64>,
    connections: BTreeMap<String, Connection>,
}

/// The parsed profiles for exactly these bytes, if cached.
pub(super) fn get(profile_file: &Path, bytes: &[u8]) -> Option<Profiles> {
    let cached = std::fs::read(cache_path(profile_file)).ok()?;
    let cached: Cached = serde_json::from_slice(&cached).ok()?;
    if cached.key != key(profile_file, bytes) {
        return None;
    }
    let mut connections = cached.connections;
    for (name, conn) in connections.iter_mut() {
        conn.name = name.clone();
    }
    Some(Profiles {
        default: cached.default,
        timeout_secs: cached.timeout_secs,
        connections,
    })
}

/// Remember the parse of these bytes (best effort).
pub(super) fn put(profile_file: &Path, bytes: &[u8], profiles: &Profiles) {
    let cached = Cached {
        key: key(profile_file, bytes),
        default: profiles.default.clone(),
        timeout_secs: profiles.timeout_secs,
        connections: profiles.connections.clone(),
    };
    let Ok(json) = serde_json::to_vec(&cached) else {
        return;
    };
    let path = cache_path(profile_file);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // Temp file and rename: a reader never sees half a cache. No fsync: a cache lost in a crash
    // is only a miss.
    let written = tempfile::Builder::new()
        .prefix(".sfconn-cache.")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .and_then(|mut f| {
            f.write_all(&json)?;
            f.persist(&path).map_err(|e| e.error)?;
            Ok(())
        });
    if let Err(e) = written {
        tracing::debug!(error = %e, "profile cache not written");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_serves_only_the_exact_bytes_it_was_made_from() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profiles.toml");
        let text = "default = \"a\"\n[connections.a]\nflow = \"device\"\nclient_id = \"x\"\n";
        std::fs::write(&path, text).unwrap();
        let first = Profiles::load(&path).unwrap();
        assert!(cache_path(&path).exists());
        assert_eq!(get(&path, text.as_bytes()), Some(first.clone()));
        assert_eq!(Profiles::load(&path).unwrap(), first);
        // Same size, one byte changed: a miss, and the new content is what loads.
        let edited = text.replace("\"x\"", "\"y\"");
        assert_eq!(get(&path, edited.as_bytes()), None);
        std::fs::write(&path, &edited).unwrap();
        let loaded = Profiles::load(&path).unwrap();
        assert_eq!(loaded.connections["a"].client_id.as_deref(), Some("y"));
        assert_eq!(loaded.connections["a"].name, "a");
        // A damaged cache is only a miss.
        std::fs::write(cache_path(&path), "{").unwrap();
        assert_eq!(Profiles::load(&path).unwrap(), loaded);
    }
}
