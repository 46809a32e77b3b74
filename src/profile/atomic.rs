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
        create_private_dir_all(dir)?;
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
    create_private_dir_all(&dir)?;
    refuse_special(&target)?;
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

/// Create `dir` and its missing parents owner-only (0700 on unix), whatever the umask: they hold
/// the profile file, secrets.toml, keys and logs. Existing directories are left as they are.
pub fn create_private_dir_all(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Larger profile, state or secret files are not sfconn's (10,000 connections take ~2 MiB).
pub const MAX_DATA_FILE: u64 = 64 * 1024 * 1024;

/// Larger key and certificate files are not a PEM key or certificate.
pub const MAX_KEY_FILE: u64 = 1024 * 1024;

fn not_regular(what: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("it is {what}, not a regular file; point sfconn at a regular file"),
    )
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}

/// A write never replaces a device, FIFO, socket or directory with a regular file (`--config
/// /dev/null` run as root must not turn the device into a file).
fn refuse_special(target: &Path) -> std::io::Result<()> {
    match std::fs::metadata(target) {
        Ok(meta) if !meta.is_file() => Err(not_regular(kind_of(&meta))),
        _ => Ok(()),
    }
}

/// Read a regular file of at most `max` bytes. A FIFO, device or directory is refused before it
/// is opened (opening a FIFO blocks until a writer comes; `/dev/zero` never ends), and a file
/// that grows past `max` while read is refused too.
pub fn read_capped(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(not_regular(kind_of(&meta)));
    }
    let too_big = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "it is larger than {} KiB, too large for this file",
                max / 1024
            ),
        )
    };
    if meta.len() > max {
        return Err(too_big());
    }
    let file = File::open(path)?;
    // Checked again on the open file: the path may have been swapped since the first look.
    if !file.metadata()?.is_file() {
        return Err(not_regular("not a regular file"));
    }
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(too_big());
    }
    Ok(bytes)
}

/// Read a data file (profile, state, secrets), `None` when it does not exist.
pub fn read_optional(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    match read_capped(path, MAX_DATA_FILE) {
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
    fn special_files_are_neither_read_nor_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            // Would block forever on open if it were read like a file.
            let e = read_optional(&fifo).unwrap_err();
            assert!(e.to_string().contains("FIFO"), "{e}");
            let e = write_atomic(&fifo, b"x", None).unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{e}");
            assert!(!std::fs::metadata(&fifo).unwrap().is_file());
        }
        // /dev/zero never ends: refused before a byte is read.
        let e = read_capped(Path::new("/dev/zero"), MAX_KEY_FILE).unwrap_err();
        assert!(e.to_string().contains("device"), "{e}");
        assert!(read_capped(dir.path(), MAX_KEY_FILE).is_err());
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'a'; 2048]).unwrap();
        assert!(read_capped(&big, 1024).is_err());
        assert_eq!(read_capped(&big, 4096).unwrap().len(), 2048);
    }

    #[cfg(unix)]
    #[test]
    fn new_directories_are_owner_only_whatever_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("home").join("keys");
        // The umask is process-wide; DirBuilder's mode can only narrow it, so 0700 is the most
        // a new directory gets, and the check is that nothing wider appears.
        create_private_dir_all(&deep).unwrap();
        for d in [dir.path().join("home"), deep] {
            let mode = std::fs::metadata(&d).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode & 0o077, 0, "{} is {mode:o}", d.display());
        }
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
