//! TUI budgets (PRODUCT.md section 9): the first frame after start (≤ 50 ms) and one frame of
//! the list with 10,000 connections and a filter typed (≤ 2 ms render).

// A benchmark harness, not product code: a failed setup should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sfconn::paths::Paths;
use sfconn::profile::{Connection, Environment, Flow, Profiles};
use sfconn::state::State;
use sfconn::tui::action::{Action, Cmd};
use sfconn::tui::{App, render, update};

fn profiles(n: usize) -> Profiles {
    let mut connections = BTreeMap::new();
    for i in 0..n {
        let flow = Flow::ALL[i % Flow::ALL.len()];
        let mut c = Connection::new(format!("org-{i:05}-{}", flow.as_str()), flow);
        c.environment = if i % 3 == 0 {
            Environment::Production
        } else {
            Environment::Sandbox
        };
        c.domain = Some(format!("https://org{i}.my.salesforce.com"));
        c.client_id = Some("3MVG9bench".into());
        c.username = Some(format!("user{i}@example.com"));
        connections.insert(c.name.clone(), c);
    }
    Profiles {
        default: Some("org-00000-web".into()),
        timeout_secs: None,
        connections,
    }
}

/// A profile file of `n` connections, as a person (or `sfconn add`) writes it.
fn profile_text(n: usize) -> String {
    let mut text = String::from("default = \"org-00000-web\"\n");
    for (name, conn) in profiles(n).connections {
        text.push_str(&format!(
            "\n[connections.{name}]\nflow = \"{}\"\nenvironment = \"{}\"\ndomain = \"{}\"\nclient_id = \"3MVG9bench\"\n",
            conn.flow,
            conn.environment,
            conn.domain.unwrap_or_default()
        ));
        if matches!(conn.flow, Flow::Password | Flow::Jwt) {
            text.push_str(&format!(
                "username = \"{}\"\n",
                conn.username.unwrap_or_default()
            ));
        }
    }
    text
}

/// From a profile file on disk to the first frame: read and validate the file, read the state
/// file, build the state, draw. 10,000 connections is issue 13's budget (≤ 50 ms); the load
/// after the first one reads the parsed-profile cache beside the file, as every start after the
/// file last changed does.
fn first_frame(c: &mut Criterion) {
    // The parsed-profile cache is kept only for sfconn's own home: run the bench with
    // SFCONN_HOME set to a throw-away directory to measure what a user's start costs.
    let home = std::env::var_os("SFCONN_HOME").filter(|h| !h.is_empty());
    for n in [50, 10_000] {
        let dir = tempfile::tempdir().unwrap();
        let paths = match &home {
            Some(h) => Paths::in_dir(h),
            None => Paths::in_dir(dir.path()),
        };
        std::fs::write(&paths.profile_file, profile_text(n)).unwrap();
        sfconn::tui::term::load(&paths).expect("the bench profile file loads");
        c.bench_function(
            &format!("tui first frame (profile file with {n} connections)"),
            |b| {
                b.iter(|| {
                    let (profiles, state) = sfconn::tui::term::load(&paths).unwrap();
                    let app = App::new(profiles, state, 10, &paths);
                    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
                    terminal.draw(|f| render(&app, f)).unwrap();
                })
            },
        );
    }
}

fn filtered_list_frame(c: &mut Criterion) {
    let mut app = App::new(
        profiles(10_000),
        State::default(),
        10,
        &Paths::in_dir("/tmp/sfconn-bench"),
    );
    update(&mut app, Action::Cmd(Cmd::Filter));
    for ch in "org-07".chars() {
        update(
            &mut app,
            Action::Input(KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE)),
        );
    }
    assert_eq!(app.visible.len(), 1000);
    let mut terminal = Terminal::new(TestBackend::new(160, 40)).unwrap();
    c.bench_function("tui list frame (10,000 connections, filter typed)", |b| {
        b.iter(|| {
            terminal.draw(|f| render(&app, f)).unwrap();
        })
    });
    let mut app = App::new(
        profiles(10_000),
        State::default(),
        10,
        &Paths::in_dir("/tmp/sfconn-bench"),
    );
    update(&mut app, Action::Cmd(Cmd::Filter));
    c.bench_function("tui filter keystroke (10,000 connections)", |b| {
        b.iter(|| {
            update(
                &mut app,
                Action::Input(KeyEvent::new(KeyCode::Char('9'), KeyModifiers::NONE)),
            );
            update(
                &mut app,
                Action::Input(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
            );
        })
    });
}

criterion_group!(benches, first_frame, filtered_list_frame);
criterion_main!(benches);
