//! A cache of the parsed profile file, so that `list` and the TUI's first frame stay fast with
//! thousands of connections (PRODUCT.md section 9; issue 13: `list --json` of 10,000 connections
//! in ≤ 50 ms). Parsing TOML is most of their time; the same data as JSON parses several times
//! faster.
//!
//! The cache lives in sfconn's cache directory (`$SFCONN_HOME/cache/`, else the platform's,
//! `~/.cache/sfconn/` on Linux), never beside the profile file, which a team may keep in git;
//! a profile file outside sfconn's home (`--config`, the demo) is not cached. It
//! is keyed by a hash and the length of the file's exact bytes, its path and sfconn's version, so it can
//! never serve anything but what parsing the file would give: any edit, by sfconn or by hand,
//! misses it. It holds what the profile file holds and no secret. A cache that is missing,
//! unreadable or stale is ignored, and failing to write it is not an error.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::file::Profiles;
use super::model::Connection;

/// Where the cache of `profile_file` goes: only for sfconn's own home (`$SFCONN_HOME`, or the
/// platform config dir), so a `--config` file elsewhere, or the demo's throw-away home, never
/// leaves anything in a directory sfconn does not own.
fn cache_dir(profile_file: &Path) -> Option<PathBuf> {
    let own = crate::paths::Paths::resolve(None).ok()?;
    if profile_file.parent()? != own.home {
        return None;
    }
    own.cache_dir()
}

fn cache_path(dir: &Path, profile_file: &Path) -> PathBuf {
    #[allow(deprecated)]
    let mut h = std::hash::SipHasher::new();
    profile_file.hash(&mut h);
    dir.join(format!("profiles-{:016x}.json", h.finish()))
}

fn key(profile_file: &Path, bytes: &[u8]) -> String {
    // One pass over the bytes (they are megabytes with 10,000 connections). A 64-bit keyed hash
    // with the length beside it: an accidental match is out of reach, and whoever can write the
    // profile file to forge one could simply edit the file.
    #[allow(deprecated)]
    let mut h = std::hash::SipHasher::new_with_keys(0x5f3c_0a11_cafe_0001, 0x0bad_5eed_0000_0002);
    env!("CARGO_PKG_VERSION").hash(&mut h);
    profile_file.hash(&mut h);
    bytes.hash(&mut h);
    format!("{:016x}-{}", h.finish(), bytes.len())
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
    get_in(&cache_dir(profile_file)?, profile_file, bytes)
}

fn get_in(dir: &Path, profile_file: &Path, bytes: &[u8]) -> Option<Profiles> {
    let cached = std::fs::read(cache_path(dir, profile_file)).ok()?;
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
    if let Some(dir) = cache_dir(profile_file) {
        put_in(&dir, profile_file, bytes, profiles);
    }
}

fn put_in(dir: &Path, profile_file: &Path, bytes: &[u8], profiles: &Profiles) {
    let cached = Cached {
        key: key(profile_file, bytes),
        default: profiles.default.clone(),
        timeout_secs: profiles.timeout_secs,
        connections: profiles.connections.clone(),
    };
    let Ok(json) = serde_json::to_vec(&cached) else {
        return;
    };
    write_quietly(dir, &cache_path(dir, profile_file), &json);
}

/// A command's whole output for exactly the inputs it was made from (issue 13: `list --json` of
/// 1,000 connections within twice the process start-up). The key covers every input the output
/// depends on (the profile file's and the state file's bytes, plus what the caller names, such as
/// `SFCONN_PROFILE` and today's date), so a hit is byte for byte what the command would print.
/// The profile cache's rules apply: only for sfconn's own home, no secret in it, a miss on any
/// doubt, and a failed write is not an error.
pub struct OutputCache {
    path: PathBuf,
    key: String,
}

impl OutputCache {
    /// The cache slot of `command` for these inputs; `None` when the profile file is not
    /// sfconn's own (nothing is cached then).
    pub fn new(
        profile_file: &Path,
        command: &str,
        inputs: &[Option<&[u8]>],
        context: &[&str],
    ) -> Option<OutputCache> {
        let dir = cache_dir(profile_file)?;
        Some(Self::new_in(&dir, profile_file, command, inputs, context))
    }

    fn new_in(
        dir: &Path,
        profile_file: &Path,
        command: &str,
        inputs: &[Option<&[u8]>],
        context: &[&str],
    ) -> OutputCache {
        #[allow(deprecated)]
        let mut h =
            std::hash::SipHasher::new_with_keys(0x5f3c_0a11_cafe_0003, 0x0bad_5eed_0000_0004);
        env!("CARGO_PKG_VERSION").hash(&mut h);
        profile_file.hash(&mut h);
        command.hash(&mut h);
        // `None` (a missing file) and an empty file hash differently.
        inputs.hash(&mut h);
        context.hash(&mut h);
        let total: usize = inputs.iter().flatten().map(|b| b.len()).sum();
        #[allow(deprecated)]
        let mut name = std::hash::SipHasher::new();
        profile_file.hash(&mut name);
        command.hash(&mut name);
        OutputCache {
            path: dir.join(format!("{command}-{:016x}.out", name.finish())),
            key: format!("{:016x}-{total}\n", h.finish()),
        }
    }

    /// The cached output, if it was made from exactly these inputs.
    pub fn get(&self) -> Option<Vec<u8>> {
        let mut bytes = std::fs::read(&self.path).ok()?;
        if !bytes.starts_with(self.key.as_bytes()) {
            return None;
        }
        bytes.drain(..self.key.len());
        Some(bytes)
    }

    /// Remember `output` for these inputs (best effort).
    pub fn put(&self, output: &[u8]) {
        let Some(dir) = self.path.parent() else {
            return;
        };
        let mut bytes = Vec::with_capacity(self.key.len() + output.len());
        bytes.extend_from_slice(self.key.as_bytes());
        bytes.extend_from_slice(output);
        write_quietly(dir, &self.path, &bytes);
    }
}

/// Temp file and rename: a reader never sees half a cache. No fsync: a cache lost in a crash is
/// only a miss.
fn write_quietly(dir: &Path, path: &Path, bytes: &[u8]) {
    if let Err(e) = super::atomic::create_private_dir_all(dir) {
        tracing::debug!(error = %e, "cache directory not created");
        return;
    }
    let written = tempfile::Builder::new()
        .prefix(".sfconn-cache.")
        .suffix(".tmp")
        .tempfile_in(dir)
        .and_then(|mut f| {
            f.write_all(bytes)?;
            f.persist(path).map_err(|e| e.error)?;
            Ok(())
        });
    if let Err(e) = written {
        tracing::debug!(error = %e, "cache not written");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_serves_only_the_exact_bytes_it_was_made_from() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        let path = dir.path().join("profiles.toml");
        let text = "default = \"a\"\n[connections.a]\nflow = \"device\"\nclient_id = \"x\"\n";
        let parsed = Profiles::parse(text, &path).unwrap();
        assert_eq!(get_in(&cache, &path, text.as_bytes()), None);
        put_in(&cache, &path, text.as_bytes(), &parsed);
        let cached = get_in(&cache, &path, text.as_bytes()).unwrap();
        assert_eq!(cached, parsed);
        assert_eq!(cached.connections["a"].name, "a");
        // Same size, one byte changed: a miss. Another file with the same bytes: a miss.
        let edited = text.replace("\"x\"", "\"y\"");
        assert_eq!(get_in(&cache, &path, edited.as_bytes()), None);
        let other = dir.path().join("other.toml");
        assert_eq!(get_in(&cache, &other, text.as_bytes()), None);
        // A damaged cache is only a miss.
        std::fs::write(cache_path(&cache, &path), "{").unwrap();
        assert_eq!(get_in(&cache, &path, text.as_bytes()), None);
    }
}
