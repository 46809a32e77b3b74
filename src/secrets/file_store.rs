//! The plain-text fallback store `secrets.toml` (`SFCONN_SECRET_STORE=file`): owner-only,
//! written atomically under its own lock like the profile file.
//!
//! Scale (issue 13): `test --all` of hundreds of connections writes a token for each. Rewriting
//! and fsyncing the whole file once per token, one at a time under the lock, serialised the runs.
//! Now the writes of one process are committed in groups: the first writer takes the lock, and
//! every change queued meanwhile by the process's other threads goes into the same rewrite and
//! fsync. A write still returns only once its change is on disk. Reads reuse the parsed file
//! while its identity (inode, size, modification time) is unchanged: every write, ours or another
//! process's, replaces the file by rename and so changes it.

use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};

use super::SecretError;
use crate::profile::atomic;

/// The fallback file: `[connections.NAME]` tables of `kind = "value"`.
pub(super) type FileSecrets = BTreeMap<String, BTreeMap<String, String>>;

#[derive(Default, Clone, Serialize, Deserialize)]
pub(super) struct FileRepr {
    #[serde(default)]
    pub(super) connections: FileSecrets,
}

fn file_error(path: &Path, reason: impl std::fmt::Display) -> SecretError {
    SecretError::File {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

/// What identifies one version of the file on disk.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Identity {
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    inode: (u64, u64),
}

fn identity(path: &Path) -> std::io::Result<Option<Identity>> {
    match std::fs::metadata(path) {
        Ok(meta) => Ok(Some(Identity {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            inode: {
                use std::os::unix::fs::MetadataExt;
                (meta.dev(), meta.ino())
            },
        })),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The last parse of each file this process read, with the identity it had.
type Parsed = HashMap<PathBuf, (Identity, Arc<FileRepr>)>;

fn parsed() -> &'static Mutex<Parsed> {
    static CACHE: OnceLock<Mutex<Parsed>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

pub(super) fn read_file(path: &Path) -> Result<Arc<FileRepr>, SecretError> {
    // Parsed under the lock: the 128 tests `test --all` starts at once all read the file first,
    // and each parsed all of it (issue 13); now one parses and the others take its result. The
    // file is looked at once the lock is held, so a reader that waited sees the parse of the
    // file as it is now.
    let mut cache = parsed().lock().unwrap_or_else(|p| p.into_inner());
    let before = identity(path).map_err(|e| file_error(path, e))?;
    let Some(before) = before else {
        return Ok(Arc::new(FileRepr::default()));
    };
    if let Some((id, repr)) = cache.get(path)
        && *id == before
    {
        return Ok(repr.clone());
    }
    let repr = Arc::new(parse_file(path)?);
    // Keep the parse only if the file did not change while it was read.
    if identity(path).ok().flatten() == Some(before) {
        cache.insert(path.to_path_buf(), (before, repr.clone()));
    }
    Ok(repr)
}

fn parse_file(path: &Path) -> Result<FileRepr, SecretError> {
    match atomic::read_optional(path).map_err(|e| file_error(path, e))? {
        None => Ok(FileRepr::default()),
        Some(bytes) => {
            let text = String::from_utf8(bytes).map_err(|_| file_error(path, "not UTF-8 text"))?;
            // The message of a toml error could quote the line, i.e. a secret: keep only where.
            toml::from_str(&text).map_err(|e| {
                let at = e
                    .span()
                    .map(|s| crate::profile::file::line_col(&text, s.start));
                match at {
                    Some((line, col)) => file_error(
                        path,
                        format!(
                            "not valid TOML at line {line}, column {col}; fix or delete the file"
                        ),
                    ),
                    None => file_error(path, "not valid TOML; fix or delete the file"),
                }
            })
        }
    }
}

type Change = Box<dyn FnOnce(&mut FileSecrets) -> Box<dyn Any + Send> + Send>;

struct Job {
    change: Change,
    done: Sender<Result<Box<dyn Any + Send>, SecretError>>,
}

/// The writes of this process waiting for the next group commit of a file, and whether a
/// thread is committing them.
#[derive(Default)]
struct Queue {
    jobs: Vec<Job>,
    committing: bool,
}

fn queues() -> &'static Mutex<HashMap<PathBuf, Arc<Mutex<Queue>>>> {
    static QUEUES: OnceLock<Mutex<HashMap<PathBuf, Arc<Mutex<Queue>>>>> = OnceLock::new();
    QUEUES.get_or_init(Default::default)
}

fn poisoned(path: &Path) -> SecretError {
    file_error(path, "an earlier write of this file failed inside sfconn")
}

/// Apply `change` to the file and write it; returns once the change is on disk.
pub(super) fn update_file<T: Send + 'static>(
    path: &Path,
    change: impl FnOnce(&mut FileSecrets) -> T + Send + 'static,
) -> Result<T, SecretError> {
    let queue = queues()
        .lock()
        .map_err(|_| poisoned(path))?
        .entry(path.to_path_buf())
        .or_default()
        .clone();
    let (done, result) = channel();
    let lead = {
        let mut q = queue.lock().map_err(|_| poisoned(path))?;
        q.jobs.push(Job {
            change: Box::new(move |all| Box::new(change(all)) as Box<dyn Any + Send>),
            done,
        });
        !std::mem::replace(&mut q.committing, true)
    };
    if lead {
        loop {
            let jobs = {
                let mut q = queue.lock().map_err(|_| poisoned(path))?;
                if q.jobs.is_empty() {
                    q.committing = false;
                    break;
                }
                std::mem::take(&mut q.jobs)
            };
            commit(path, jobs);
        }
    }
    let out = result.recv().map_err(|_| poisoned(path))??;
    out.downcast::<T>().map(|b| *b).map_err(|_| poisoned(path))
}

/// One group commit: lock, read, apply every change in order, write once, fsync, unlock; then
/// tell each waiter (every one of them hears the error if the commit failed).
fn commit(path: &Path, jobs: Vec<Job>) {
    let (changes, waiters): (Vec<Change>, Vec<_>) =
        jobs.into_iter().map(|j| (j.change, j.done)).unzip();
    let result = (|| {
        let _lock = atomic::lock(path).map_err(|e| file_error(path, e))?;
        let mut repr = FileRepr::clone(&*read_file(path)?);
        let outs: Vec<_> = changes
            .into_iter()
            .map(|change| change(&mut repr.connections))
            .collect();
        let text = toml::to_string(&repr).map_err(|e| file_error(path, e))?;
        atomic::write_atomic(path, text.as_bytes(), Some(0o600))
            .map_err(|e| file_error(path, e))?;
        restrict_mode(path);
        if let Ok(Some(id)) = identity(path)
            && let Ok(mut cache) = parsed().lock()
        {
            cache.insert(path.to_path_buf(), (id, Arc::new(repr)));
        }
        Ok::<_, SecretError>(outs)
    })();
    match result {
        Ok(outs) => {
            for (out, done) in outs.into_iter().zip(waiters) {
                let _ = done.send(Ok(out));
            }
        }
        Err(e) => {
            for done in waiters {
                let _ = done.send(Err(e.clone()));
            }
        }
    }
}

/// The fallback file holds secrets: keep it owner-only even if someone widened it.
fn restrict_mode(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = path;
}
