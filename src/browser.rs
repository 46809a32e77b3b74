//! Opening an address in the user's browser: `$BROWSER` when it is set (the `open` crate
//! ignores it), the desktop's opener otherwise. One way to open a browser, for the CLI, the TUI
//! and the web login.

use std::process::{Command, Stdio};

/// Open `url`. The error says which command failed and how, for the log; the user is told
/// plainly that no browser could be opened, with the address to open by hand.
pub fn open(url: &str) -> Result<(), String> {
    match std::env::var("BROWSER") {
        Ok(list) if !list.trim().is_empty() => open_with(&list, url),
        _ => open::that(url).map_err(|e| e.to_string()),
    }
}

/// `$BROWSER` is a `:`-separated list of commands, tried in turn; `%s` in a command stands for
/// the address, else the address is its last argument (as Python's `webbrowser` reads it).
fn open_with(list: &str, url: &str) -> Result<(), String> {
    let mut failures = Vec::new();
    for entry in list.split(':').map(str::trim).filter(|e| !e.is_empty()) {
        let mut words: Vec<String> = entry.split_whitespace().map(str::to_string).collect();
        if words.iter().any(|w| w.contains("%s")) {
            for w in &mut words {
                *w = w.replace("%s", url);
            }
        } else {
            words.push(url.to_string());
        }
        let Some((program, args)) = words.split_first() else {
            continue;
        };
        let status = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        match status {
            Ok(s) if s.success() => return Ok(()),
            Ok(s) => failures.push(format!("$BROWSER `{entry}` exited with {s}")),
            Err(e) => failures.push(format!("$BROWSER `{entry}`: {e}")),
        }
    }
    if failures.is_empty() {
        return Err("$BROWSER names no command".to_string());
    }
    Err(failures.join("; "))
}

#[cfg(test)]
mod tests {
    use super::open_with;

    #[test]
    fn browser_commands_are_tried_in_turn_and_take_the_address() {
        assert!(open_with("true", "https://example.com").is_ok());
        assert!(open_with("false:true", "https://example.com").is_ok());
        assert!(open_with("sh -c test%s=x=x", "").is_ok());
        let err = open_with("false", "https://example.com").unwrap_err();
        assert!(err.contains("`false` exited"), "{err}");
        assert!(open_with(" : ", "x").is_err());
    }
}
