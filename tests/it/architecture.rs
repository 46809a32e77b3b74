//! The shape STYLE.md asks for, checked: the engine knows nothing of its front ends, and only
//! the engine writes the profile file, the secret store and the state file.

use std::path::{Path, PathBuf};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// The engine: everything both front ends call.
const ENGINE: [&str; 11] = [
    "eca",
    "profile",
    "secrets",
    "secrets.rs",
    "salesforce",
    "diagnose",
    "lifecycle",
    "lifecycle.rs",
    "state.rs",
    "paths.rs",
    "emulator",
];

/// What a front end is; the engine must not name any of it.
const FRONT_ENDS: [&str; 4] = [
    "crate::cli",
    "crate::commands",
    "crate::tui",
    "crate::error",
];

/// Calls that write the profile file, the secret store or the state file.
const WRITES: [&str; 15] = [
    "profile::update(",
    "state::record(",
    "state::rename(",
    "state::forget(",
    "State::update(",
    ".set_all(",
    ".delete_all(",
    ".restore(",
    "store.set(",
    "store.delete(",
    "store.rename(",
    "write_atomic(",
    "std::fs::write(",
    "secrets.set(",
    ".store().set(",
];

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for entry in entries {
            rust_files(&entry, out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

fn files_under(parts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for part in parts {
        let path = Path::new(SRC).join(part);
        if path.exists() {
            rust_files(&path, &mut out);
        }
    }
    out
}

/// The lines outside inline `#[cfg(test)] mod ... { }` blocks (tests may set up files
/// directly); a `#[cfg(test)] mod x;` declaration skips only itself, the rest is checked.
fn code_lines(path: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_start().starts_with("#[cfg(test)]") {
            let next = lines.get(i + 1).map(|l| l.trim()).unwrap_or("");
            if next.starts_with("mod ") && next.ends_with('{') {
                break;
            }
            i += 2;
            continue;
        }
        out.push((i + 1, lines[i].to_string()));
        i += 1;
    }
    out
}

#[test]
fn the_engine_imports_nothing_from_the_front_ends() {
    let mut found = Vec::new();
    for file in files_under(&ENGINE) {
        for (n, line) in code_lines(&file) {
            if FRONT_ENDS.iter().any(|f| line.contains(f)) {
                found.push(format!("{}:{n}: {}", file.display(), line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "engine code names a front end:\n{}",
        found.join("\n")
    );
}

#[test]
fn front_ends_never_write_the_profile_secrets_or_state_themselves() {
    let mut found = Vec::new();
    for file in files_under(&["commands", "tui", "cli.rs", "main.rs"]) {
        // The demo builds a throw-away home of its own, outside any user's files.
        if file.ends_with("tui/demo.rs") || file.ends_with("commands/demo.rs") {
            continue;
        }
        for (n, line) in code_lines(&file) {
            if WRITES.iter().any(|w| line.contains(w)) {
                found.push(format!("{}:{n}: {}", file.display(), line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "a front end writes files or secrets itself instead of calling crate::lifecycle:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_checks_see_what_they_look_for() {
    // A check that finds no files would pass for the wrong reason.
    assert!(files_under(&ENGINE).len() > 30);
    assert!(files_under(&["commands", "tui"]).len() > 20);
    let engine = code_lines(&Path::new(SRC).join("salesforce/mod.rs"));
    assert!(
        engine
            .iter()
            .any(|(_, l)| l.contains("pub async fn access_token")),
        "a `#[cfg(test)] mod x;` line must not hide the rest of the file"
    );
    let lifecycle = code_lines(&Path::new(SRC).join("lifecycle.rs"));
    assert!(
        lifecycle
            .iter()
            .any(|(_, l)| WRITES.iter().any(|w| l.contains(w))),
        "the lifecycle itself writes through the calls this test looks for"
    );
}
