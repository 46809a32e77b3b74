//! End-to-end runs of the TUI in a real pseudo-terminal (portable-pty + vt100): type keys, read
//! the rebuilt screen, check the terminal is restored on exit.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use sfconn::emulator::Expected;

/// The sfconn binary running in a 160x40 pseudo-terminal.
pub(crate) struct PtyApp {
    master: Box<dyn MasterPty + Send>,
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    parser: Arc<Mutex<vt100::Parser>>,
    /// Every byte the app wrote, for the restore checks and failure output.
    raw: Arc<Mutex<Vec<u8>>>,
    what: String,
}

const ROWS: u16 = 40;
const COLS: u16 = 160;

impl PtyApp {
    pub(crate) fn start(args: &[&str], home: &Path, envs: &[(&str, &str)]) -> PtyApp {
        PtyApp::start_sized(args, home, envs, ROWS, COLS)
    }

    pub(crate) fn start_sized(
        args: &[&str],
        home: &Path,
        envs: &[(&str, &str)],
        rows: u16,
        cols: u16,
    ) -> PtyApp {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_sfconn"));
        cmd.args(args);
        cmd.env("SFCONN_HOME", home);
        cmd.env("SFCONN_SECRET_STORE", "file");
        cmd.env("TERM", "xterm-256color");
        // A browser must never open from a test.
        cmd.env("BROWSER", "true");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let child = pty.slave.spawn_command(cmd).expect("spawn sfconn");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let writer = pty.master.take_writer().expect("writer");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            rows.try_into().unwrap(),
            cols.try_into().unwrap(),
            0,
        )));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (p, r) = (parser.clone(), raw.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                p.lock().unwrap().process(&buf[..n]);
                r.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        PtyApp {
            master: pty.master,
            child,
            writer,
            parser,
            raw,
            what: format!("sfconn {}", args.join(" ")),
        }
    }

    /// Wait for the process to end and return its exit code (for CLI commands on a terminal).
    pub(crate) fn exit_code(mut self) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s.exit_code();
            }
            assert!(
                Instant::now() < deadline,
                "`{}` did not exit; screen:\n{}",
                self.what,
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The process id, to send it a signal.
    pub(crate) fn pid(&self) -> u32 {
        self.child.process_id().expect("the child's pid")
    }

    pub(crate) fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Wait until the screen shows `text` (a generous limit: this is not a timing test).
    pub(crate) fn wait_for(&mut self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.screen().contains(text) {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "`{}` exited ({status:?}) before showing {text:?}; screen:\n{}",
                    self.what,
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "`{}` never showed {text:?}; screen:\n{}",
            self.what,
            self.screen()
        );
    }

    pub(crate) fn wait_gone(&mut self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if !self.screen().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "`{}` still shows {text:?}; screen:\n{}",
            self.what,
            self.screen()
        );
    }

    pub(crate) fn keys(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        // Let one event loop turn pass so that separate keys stay separate key events.
        std::thread::sleep(Duration::from_millis(60));
    }

    pub(crate) fn typed(&mut self, text: &str) {
        for c in text.chars() {
            self.keys(&c.to_string());
        }
    }

    /// Wait for the exit and check the terminal was given back: alternate screen left, cursor shown.
    pub(crate) fn expect_clean_exit(mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(
                Instant::now() < deadline,
                "`{}` did not exit; screen:\n{}",
                self.what,
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        std::thread::sleep(Duration::from_millis(200));
        let parser = self.parser.lock().unwrap();
        assert!(
            status.success(),
            "`{}` exited with {status:?}; screen:\n{}",
            self.what,
            parser.screen().contents()
        );
        assert!(
            !parser.screen().alternate_screen(),
            "the alternate screen was not left"
        );
        assert!(!parser.screen().hide_cursor(), "the cursor was left hidden");
        let raw = String::from_utf8_lossy(&self.raw.lock().unwrap()).to_string();
        assert!(
            raw.contains("\u{1b}[?1049l"),
            "no leave-alternate-screen sequence in the output"
        );
    }
}

#[test]
fn empty_home_help_wizard_and_quit_restore_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let mut app = PtyApp::start(&[], home.path(), &[]);
    app.wait_for("No connections yet");
    app.keys("?");
    app.wait_for("Keys: connections");
    app.keys("\u{1b}");
    app.wait_gone("Keys: connections");
    app.keys("n");
    app.wait_for("Which OAuth flow");
    app.keys("\u{1b}");
    app.wait_for("No connections yet");
    app.keys("/");
    app.typed("acme");
    app.wait_for("filter: acme");
    // Esc clears the filter, and on the list it never quits.
    app.keys("\u{1b}");
    app.wait_gone("filter: acme");
    app.keys("\u{1b}");
    app.wait_for("No connections yet");
    app.keys("q");
    app.expect_clean_exit();
    assert!(
        home.path().join("logs").join("sfconn.log").exists(),
        "the TUI writes its log file"
    );
}

const TWO_CONNECTIONS: &str = r#"# my connections
[connections.acme-prod]
flow = "client-credentials"
environment = "production"
domain = "https://acme.my.salesforce.com"
client_id = "3MVG9prod"

[connections.acme-uat]
flow = "web"
environment = "sandbox"
client_id = "3MVG9uat"
"#;

#[test]
fn use_as_default_and_delete_write_the_profile_file() {
    let home = tempfile::tempdir().unwrap();
    let profile = home.path().join("profiles.toml");
    std::fs::write(&profile, TWO_CONNECTIONS).unwrap();
    let mut app = PtyApp::start(&[], home.path(), &[]);
    app.wait_for("acme-uat");
    app.keys("j");
    app.keys("u");
    app.wait_for("acme-uat is now the default connection");
    let text = std::fs::read_to_string(&profile).unwrap();
    assert!(text.contains("default = \"acme-uat\""), "{text}");
    assert!(
        text.contains("# my connections"),
        "the user's comment was lost:\n{text}"
    );
    // A production connection is deleted only when its name is typed.
    app.keys("k");
    app.keys("d");
    app.wait_for("Type the connection's name");
    app.typed("acme-prod");
    app.keys("\r");
    app.wait_for("Deleted acme-prod");
    let text = std::fs::read_to_string(&profile).unwrap();
    assert!(!text.contains("acme-prod"), "{text}");
    app.keys("q");
    app.expect_clean_exit();
}

#[test]
fn the_wizard_saves_a_connection_and_its_secret() {
    let home = tempfile::tempdir().unwrap();
    let mut app = PtyApp::start(&[], home.path(), &[("SFCONN_LOG", "debug")]);
    app.wait_for("No connections yet");
    app.keys("n");
    app.wait_for("Which OAuth flow");
    app.keys("jj");
    app.keys("\r");
    app.wait_for("2 · Connection");
    app.typed("ops-cc");
    app.keys("\t\t");
    // Loopback with nothing listening: the connect step runs, and nothing leaves this machine.
    app.typed("http://127.0.0.1:9");
    app.keys("\r");
    app.wait_for("Salesforce Setup checklist");
    app.keys("\r");
    app.wait_for("Fields for client-credentials");
    app.typed("3MVG9ops");
    app.keys("\t");
    app.typed("canary-secret-8121");
    app.wait_for("•••••••••••••••••");
    assert!(
        !app.screen().contains("canary-secret-8121"),
        "the secret shows in clear"
    );
    app.keys("\r");
    app.wait_for("5 · Review");
    app.keys("\r");
    app.wait_for("Saved ops-cc");
    let profile = std::fs::read_to_string(home.path().join("profiles.toml")).unwrap();
    assert!(profile.contains("[connections.ops-cc]"), "{profile}");
    assert!(profile.contains("http://127.0.0.1:9"), "{profile}");
    assert!(
        !profile.contains("canary-secret-8121"),
        "a secret reached the profile file"
    );
    let secrets = std::fs::read_to_string(home.path().join("secrets.toml")).unwrap();
    assert!(
        secrets.contains("canary-secret-8121"),
        "the secret was not stored"
    );
    app.keys("\u{1b}");
    app.wait_for("ops-cc");
    app.keys("q");
    app.expect_clean_exit();
    let log = std::fs::read_to_string(home.path().join("logs").join("sfconn.log")).unwrap();
    assert!(
        log.contains("Save"),
        "the debug log records the effects:\n{log}"
    );
    assert!(
        !log.contains("canary-secret-8121"),
        "a secret reached the log file"
    );
}

/// The throw-away home the demo shows in its header (`/tmp/sfconn-demo-XXXX/profiles.toml`).
fn demo_home(screen: &str) -> Option<std::path::PathBuf> {
    let line = screen.lines().find(|l| l.contains("sfconn-demo-"))?;
    let path = line
        .split_whitespace()
        .find(|w| w.contains("sfconn-demo-"))?;
    let dir = std::path::Path::new(path).parent()?;
    dir.is_absolute().then(|| dir.to_path_buf())
}

#[test]
fn demo_runs_on_a_throw_away_home_and_removes_it() {
    // The user's SFCONN_HOME must stay untouched by the demo.
    let user_home = tempfile::tempdir().unwrap();
    let mut app = PtyApp::start(&["demo"], user_home.path(), &[]);
    app.wait_for("broken-refresh-expired");
    for name in [
        "practice-web",
        "practice-jwt",
        "practice-cc",
        "practice-password",
        "practice-device",
    ] {
        assert!(
            app.screen().contains(name),
            "{name} is missing:\n{}",
            app.screen()
        );
    }
    let home = demo_home(&app.screen()).expect("the header names the demo's home");
    assert!(home.join("profiles.toml").exists());
    app.keys("q");
    app.expect_clean_exit();
    assert_eq!(
        std::fs::read_dir(user_home.path()).unwrap().count(),
        0,
        "the demo wrote into SFCONN_HOME"
    );
    assert!(!home.exists(), "the demo left {} behind", home.display());
}

impl PtyApp {
    /// Wait until `check` holds for the screen.
    fn wait_until(&mut self, what: &str, check: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if check(&self.screen()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("`{}`: never {what}; screen:\n{}", self.what, self.screen());
    }
}

#[test]
fn demo_test_all_shows_passes_and_failures_help_and_filter() {
    let user_home = tempfile::tempdir().unwrap();
    let mut app = PtyApp::start(&["demo"], user_home.path(), &[]);
    app.wait_for("broken-refresh-expired");
    app.keys("T");
    // The practice org's demo set plus the demo's own expired refresh token; web and device
    // connections were signed in up front, so they pass like the other working ones.
    let set = sfconn::emulator::demo_connections("http://o", "http://l", std::path::Path::new("k"));
    let total = set.len() + 1;
    let passing = set
        .iter()
        .filter(|d| matches!(d.expected, Expected::Works | Expected::NeedsLogin))
        .count();
    let failing = total - passing;
    // The demo's expired refresh token cannot be fixed by a retry: its row asks for a login.
    app.wait_until("showed every result", |s| {
        s.matches("✓ passed").count() == passing
            && s.matches('✗').count() == failing - 1
            && s.matches("needs login (l)").count() == 1
    });
    let screen = app.screen();
    let row = |name: &str| {
        screen
            .lines()
            .find(|l| l.starts_with('│') && l.contains(&format!(" {name} ")))
            .unwrap_or_default()
            .to_string()
    };
    for name in [
        "practice-web",
        "practice-jwt",
        "practice-cc",
        "practice-password",
        "practice-device",
    ] {
        assert!(
            row(name).contains("✓ passed"),
            "{name} did not pass:\n{screen}"
        );
    }
    assert!(
        row("broken-refresh-expired").contains("needs login (l)"),
        "the expired refresh token does not ask for a login:\n{screen}"
    );
    for (name, hint) in DEMO_FAILURES {
        let title = &sfconn::diagnose::catalog()
            .get(hint)
            .expect("hint in the catalog")
            .title;
        assert!(
            row(name).contains(title.as_str()),
            "{name} does not show {title:?}:\n{screen}"
        );
    }
    app.keys("?");
    app.wait_for("Keys: connections");
    app.keys("\u{1b}");
    app.wait_gone("Keys: connections");
    app.keys("/");
    app.typed("broken");
    app.wait_for(&format!("{failing} of {total} connections"));
    app.keys("\u{1b}");
    app.wait_for(&format!(" {total} connections"));
    app.keys("q");
    app.expect_clean_exit();
}

#[test]
fn jwt_wizard_connects_to_the_practice_org() {
    let org = crate::support::org::TestOrg::start();
    let home = tempfile::tempdir().unwrap();
    let key = home.path().join("practice.key");
    std::fs::write(&key, crate::support::org::PRACTICE_JWT_KEY_PEM).unwrap();
    let mut app = PtyApp::start(&[], home.path(), &[]);
    app.wait_for("No connections yet");
    app.keys("n");
    app.wait_for("Which OAuth flow");
    app.keys("j");
    app.keys("\r");
    app.wait_for("2 · Connection");
    app.typed("practice-jwt");
    app.keys("\t\t");
    app.typed(&org.url());
    app.keys("\r");
    app.wait_for("Salesforce Setup checklist");
    app.keys("\r");
    app.wait_for("Fields for jwt");
    app.typed("practice-jwt");
    app.keys("\t");
    app.typed("integration@practice.example");
    app.keys("\t");
    app.typed(&key.display().to_string());
    app.keys("\r");
    app.wait_for("5 · Review");
    app.keys("\r");
    app.wait_for("Connected as integration@practice.example");
    app.keys("\r");
    app.wait_for("✓ passed");
    app.keys("q");
    app.expect_clean_exit();
    let profile = std::fs::read_to_string(home.path().join("profiles.toml")).unwrap();
    assert!(profile.contains("[connections.practice-jwt]"), "{profile}");
}

/// The hint each broken demo connection should lead with after `T` (the list shows its title).
const DEMO_FAILURES: [(&str, &str); 4] = [
    ("broken-client-secret", "client-secret-invalid"),
    ("broken-jwt-not-approved", "user-not-approved"),
    ("broken-jwt-audience", "jwt-audience-invalid"),
    ("broken-api-disabled", "api-disabled"),
];

impl PtyApp {
    /// Resize the terminal, as a user dragging the window would (SIGWINCH to the app).
    fn resize(&mut self, cols: u16, rows: u16) {
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize the pty");
        self.parser
            .lock()
            .unwrap()
            .set_size(rows.try_into().unwrap(), cols.try_into().unwrap());
    }
}

#[test]
fn the_list_follows_the_terminal_size() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("profiles.toml"), TWO_CONNECTIONS).unwrap();
    let mut app = PtyApp::start(&[], home.path(), &[]);
    app.wait_for("client-credentials");
    // Narrow: the flow column shortens so that names keep their room.
    app.resize(80, 24);
    app.wait_for("client-creds ");
    app.wait_gone("client-credentials");
    app.resize(160, 40);
    app.wait_for("client-credentials");
    app.keys("q");
    app.expect_clean_exit();
}
