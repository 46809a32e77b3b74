//! The adversarial corpus of issue 14, in bounded time: fuzzed profile files and key storms
//! (the hostile servers are in `hostile.rs`). Deterministic: a fixed-seed generator, so a
//! failure names the case that reproduces it.

use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sfconn::profile::Profiles;
use sfconn::tui::action::{Action, TaskMsg};
use sfconn::tui::keymap::action_for_key;
use sfconn::tui::update;

use crate::support::home::Sfconn;
use crate::tui_snapshots::{app, draw};

/// xorshift64*: enough randomness for a corpus, no dependency, the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const EXAMPLE: &str = include_str!("../../config.example.toml");

/// Bytes that make TOML and sfconn's checks interesting.
const SPICE: &[&[u8]] = &[
    b"\"",
    b"'",
    b"[",
    b"]",
    b"=",
    b"\n",
    b"\r\n",
    b"\0",
    b"\xff",
    b"#",
    b".",
    b"\\",
    b"[connections.x]\n",
    b"flow = \"jwt\"\n",
    b"domain = \"http://10.0.0.1\"\n",
    b"domain = \"evil.com/login.salesforce.com\"\n",
    b"trusted_hosts = [\"*.\"]\n",
    b"callback_port = 0\n",
    b"timeout_secs = 99999999999999999999\n",
    b"key_file = \"/dev/zero\"\n",
    b"\xe2\x80\xae",
    b"\x1b[2J",
];

fn mutate(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
    let mut bytes = base.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(5) {
            0 => bytes.truncate(at),
            1 => {
                let end = (at + rng.below(64)).min(bytes.len());
                bytes.drain(at..end);
            }
            2 => {
                let spice = SPICE[rng.below(SPICE.len())];
                bytes.splice(at..at, spice.iter().copied());
            }
            3 if at < bytes.len() => bytes[at] = (rng.next() & 0xff) as u8,
            _ => {
                let from = rng.below(bytes.len());
                let end = (from + rng.below(80)).min(bytes.len());
                let copy = bytes[from..end].to_vec();
                bytes.splice(at..at, copy);
            }
        }
    }
    bytes
}

#[test]
fn fuzzed_profile_files_never_panic_and_are_never_rewritten() {
    let mut rng = Rng(0x005f_c011_2026);
    let path = Path::new("/nonexistent/profiles.toml");
    for case in 0..440 {
        let bytes = mutate(&mut rng, EXAMPLE.as_bytes());
        // In-process: parse never panics, whatever the bytes.
        let text = String::from_utf8_lossy(&bytes);
        let parsed = std::panic::catch_unwind(|| Profiles::parse(&text, path).map(|_| ()));
        assert!(parsed.is_ok(), "case {case} panicked:\n{text}");
    }
    // Through the binary, a sample: exit 0 or 2, never a panic, the file byte-identical.
    let sf = Sfconn::new();
    let mut rng = Rng(0xbad_f11e);
    for case in 0..24 {
        let bytes = mutate(&mut rng, EXAMPLE.as_bytes());
        std::fs::write(sf.profile_file(), &bytes).expect("write profiles.toml");
        for args in [
            vec!["list"],
            vec!["add", "fz", "--flow", "device", "--client-id", "x"],
        ] {
            let out = sf.cmd(args.clone()).output();
            assert!(
                matches!(out.exit_code(), Some(0 | 2)),
                "case {case} {args:?}{out}"
            );
            assert!(
                !out.stderr.contains("panicked"),
                "case {case} {args:?}{out}"
            );
            if out.exit_code() == Some(2) {
                assert_eq!(
                    sf.profiles_bytes(),
                    bytes,
                    "case {case} {args:?} changed the file"
                );
            }
        }
    }
}

fn random_key(rng: &mut Rng) -> KeyEvent {
    const CODES: &[KeyCode] = &[
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Backspace,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::PageUp,
        KeyCode::PageDown,
        KeyCode::Delete,
    ];
    const CHARS: &[char] = &[
        'j', 'k', 'n', 'e', 't', 'T', 'l', 'u', 'd', 'y', 'N', '/', '?', 'x', 'a', '1', '.', '-',
        ' ', 'é', 'o', 'g',
    ];
    let code = if rng.below(3) == 0 {
        CODES[rng.below(CODES.len())]
    } else {
        KeyCode::Char(CHARS[rng.below(CHARS.len())])
    };
    let modifiers = match rng.below(12) {
        0 => KeyModifiers::CONTROL,
        1 => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    KeyEvent::new(code, modifiers)
}

#[test]
fn a_storm_of_random_keys_pastes_and_results_never_panics() {
    let mut rng = Rng(0x4be7_5707);
    let mut a = app();
    for i in 0..15_000 {
        // Quitting ends the storm early in the real app; here, start over.
        if a.quit {
            a = app();
        }
        match rng.below(50) {
            0 => {
                update(&mut a, Action::Paste("x\u{1b}[2J\n".repeat(rng.below(500))));
            }
            1 => {
                if let Some(name) = a
                    .rows
                    .get(rng.below(a.rows.len() + 1))
                    .map(|r| r.conn.name.clone())
                {
                    update(
                        &mut a,
                        Action::Task(TaskMsg::Deleted {
                            name,
                            result: Ok(()),
                        }),
                    );
                }
            }
            _ => {
                let key = random_key(&mut rng);
                if let Some(action) = action_for_key(&a, key) {
                    update(&mut a, action);
                }
            }
        }
        if i % 250 == 0 {
            let (w, h) = [(80, 24), (20, 5), (160, 40)][rng.below(3)];
            draw(&a, w, h);
        }
    }
}
