//! Integration tests: concurrent sfconn processes lose nothing, and killing sfconn at any
//! instant while it saves leaves a profile file that parses and holds whole connections only.

use std::path::Path;

use crate::support::home::Sfconn;

fn add_args(name: &str) -> Vec<String> {
    [
        "add",
        name,
        "--flow",
        "client-credentials",
        "--client-id",
        &format!("id-{name}"),
        "--domain",
        "acme.my.salesforce.com",
    ]
    .map(String::from)
    .to_vec()
}

/// Every connection in the file is whole: it loads and its client id matches its name.
fn assert_whole(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let profiles = sfconn::profile::Profiles::parse(&text, path)
        .unwrap_or_else(|e| panic!("profile file does not parse: {e}\n{text}"));
    for (name, conn) in &profiles.connections {
        assert_eq!(
            conn.client_id.as_deref(),
            Some(format!("id-{name}").as_str()),
            "{text}"
        );
        assert_eq!(
            conn.domain.as_deref(),
            Some("https://acme.my.salesforce.com"),
            "{text}"
        );
    }
    profiles.connections.len()
}

#[test]
fn eight_processes_adding_25_connections_each_lose_nothing() {
    let sf = Sfconn::new();
    std::thread::scope(|scope| {
        for worker in 0..8 {
            let sf = &sf;
            scope.spawn(move || {
                for i in 0..25 {
                    let name = format!("w{worker}-c{i:02}");
                    sf.cmd(add_args(&name))
                        .env("SFCONN_CLIENT_SECRET", &format!("secret-{name}"))
                        .ok();
                }
            });
        }
    });
    assert_eq!(assert_whole(&sf.profile_file()), 200);
    let list = sf.run(["list", "--json"]).ok().json();
    assert_eq!(list.as_array().map(Vec::len), Some(200));
    let secrets: toml::Table =
        toml::from_str(&std::fs::read_to_string(sf.secrets_file()).unwrap()).unwrap();
    let stored = secrets["connections"].as_table().unwrap();
    assert_eq!(stored.len(), 200, "every connection's secret was kept");
    assert_eq!(
        stored["w3-c07"]["client_secret"].as_str(),
        Some("secret-w3-c07")
    );
}

fn random_below(n: u64) -> u64 {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    u64::from_le_bytes(b) % n
}

#[test]
fn killing_sfconn_during_saves_leaves_a_whole_file() {
    let sf = Sfconn::new();
    sf.write_profiles("# survives every kill\ntimeout_secs = 15\n");
    let mut completed = 0;
    for i in 0..60 {
        let name = format!("k{i:02}");
        let mut child = sf
            .cmd(add_args(&name))
            .env("SFCONN_CLIENT_SECRET", "s")
            .spawn();
        std::thread::sleep(std::time::Duration::from_micros(random_below(40_000)));
        // Child::kill is SIGKILL on unix: no destructor, no cleanup.
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.success() {
            completed += 1;
        }
        let count = assert_whole(&sf.profile_file());
        assert!(count >= completed, "a finished add was lost");
        let text = std::fs::read_to_string(sf.profile_file()).unwrap();
        assert!(
            text.starts_with("# survives every kill\ntimeout_secs = 15\n"),
            "{text}"
        );
    }
    // The next command after all those kills works normally (no stale lock blocks it).
    sf.cmd(add_args("after"))
        .env("SFCONN_CLIENT_SECRET", "s")
        .ok();
    assert!(assert_whole(&sf.profile_file()) > completed);
    let stale: Vec<String> = std::fs::read_dir(sf.home())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".profiles.toml.") && n.ends_with(".tmp"))
        .collect();
    assert!(
        stale.is_empty(),
        "temp files of killed saves were not cleaned up: {stale:?}"
    );
}
