//! Crash-safe file writes shared by the profile file, the state file and the fallback secret file:
//! an advisory lock around read-modify-write, and temp-file-then-rename writes.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The lock file guarding `path` (`profiles.toml` → `profiles.toml.lock`). A separate file, because
/// the data file itself is replaced by rename on every save and a lock on it would be lost.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

/// Holds the exclusive advisory lock until dropped.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

/// Take the exclusive lock for `path`, waiting for other sfconn processes to finish their save.
pub fn lock(path: &Path) -> std::io::Result<FileLock> {
    if let Some(dir) = parent_dir(path) {
        std::fs::create_dir_all(dir)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(path))?;
    file.lock()?;
    Ok(FileLock { _file: file })
}

fn parent_dir(path: &Path) -> Option<&Path> {
    path.parent().filter(|p| !p.as_os_str().is_empty())
}

/// The file a write to `path` must replace: a symlinked profile file (dotfile managers) is
/// followed so the link survives the rename.
fn write_target(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// Temp files of `target` are named `.<file name>.<random>.tmp`.
fn temp_prefix(target: &Path) -> String {
    format!(
        ".{}.",
        target.file_name().unwrap_or_default().to_string_lossy()
    )
}

/// Temp files left by a process killed mid-save. Only called under the file's lock, when no
/// other sfconn process can be writing one.
fn remove_stale_temps(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(prefix) && name.ends_with(".tmp") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Replace `path` with `bytes` so that a crash at any instant leaves either the old or the new
/// content: write a temp file in the same directory, fsync it, rename it over `path`, fsync the
/// directory. An existing file's permissions are kept; a new file gets `new_mode` (unix), else
/// the temp file's 0600. Callers hold [`lock`] for `path`.
pub fn write_atomic(path: &Path, bytes: &[u8], new_mode: Option<u32>) -> std::io::Result<()> {
    let target = write_target(path);
    let dir = parent_dir(&target)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&dir)?;
    let prefix = temp_prefix(&target);
    remove_stale_temps(&dir, &prefix);
    let mut tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .tempfile_in(&dir)?;
    tmp.write_all(bytes)?;
    match std::fs::metadata(&target) {
        Ok(meta) => tmp.as_file().set_permissions(meta.permissions())?,
        Err(_) => set_mode(tmp.as_file(), new_mode)?,
    }
    tmp.as_file().sync_all()?;
    tmp.persist(&target).map_err(|e| e.error)?;
    sync_dir(&dir);
    Ok(())
}

#[cfg(unix)]
fn set_mode(file: &File, mode: Option<u32>) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    match mode {
        Some(mode) => file.set_permissions(std::fs::Permissions::from_mode(mode)),
        None => Ok(()),
    }
}

#[cfg(not(unix))]
fn set_mode(_file: &File, _mode: Option<u32>) -> std::io::Result<()> {
    Ok(())
}

/// Make the rename itself durable. Best effort: not every platform can open a directory.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Read a file, `None` when it does not exist.
pub fn read_optional(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_atomic_keeps_mode_and_replaces_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profiles.toml");
        let stale = dir.path().join(".profiles.toml.abc123.tmp");
        std::fs::write(&stale, "half a file").unwrap();
        let other = dir.path().join(".state.json.abc123.tmp");
        std::fs::write(&other, "another file's save in progress").unwrap();
        write_atomic(&path, b"a = 1\n", Some(0o640)).unwrap();
        write_atomic(&path, b"a = 2\n", Some(0o600)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"a = 2\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o640);
        }
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert_eq!(leftovers.len(), 1, "only the other file's temp is left");
        assert!(other.exists());
    }

    #[cfg(unix)]
    #[test]
    fn write_atomic_follows_a_symlinked_file() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.toml");
        std::fs::write(&real, "x = 1\n").unwrap();
        let link = dir.path().join("profiles.toml");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, b"x = 2\n", None).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&real).unwrap(), b"x = 2\n");
    }
}
