//! Issue 9 without a terminal: secrets you can fix (`edit --secret/--clear-secret`), domains and
//! client ids checked offline, `remove`/`revoke --yes`. Every refusal is exit 2 and leaves the
//! files as they were.

use crate::support::home::Sfconn;

fn add_web_with_secret(sf: &Sfconn) {
    sf.cmd([
        "add",
        "web",
        "--flow",
        "web",
        "--env",
        "sandbox",
        "--client-id",
        "3MVG9web",
    ])
    .env("SFCONN_CLIENT_SECRET", "optional-wrong")
    .ok();
}

fn stored_kinds(sf: &Sfconn, name: &str) -> Vec<String> {
    sf.run(["show", name, "--json"]).ok().json()["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_wrong_optional_client_secret_can_be_cleared() {
    let sf = Sfconn::new();
    add_web_with_secret(&sf);
    assert_eq!(stored_kinds(&sf, "web"), ["client_secret"]);
    sf.run(["edit", "web", "--clear-secret", "client_secret"])
        .ok()
        .stdout_has("Removed secrets: client secret");
    assert!(stored_kinds(&sf, "web").is_empty());
    assert!(
        !std::fs::read_to_string(sf.secrets_file())
            .unwrap_or_default()
            .contains("optional-wrong")
    );
    // Clearing it again says there was nothing, and still succeeds.
    sf.run(["edit", "web", "--clear-secret", "client_secret"])
        .ok()
        .stdout_has("No client secret was stored for web");
}

#[test]
fn clearing_a_required_secret_is_refused_and_changes_nothing() {
    let sf = Sfconn::new();
    sf.cmd([
        "add",
        "cc",
        "--flow",
        "client-credentials",
        "--domain",
        "acme.my.salesforce.com",
        "--client-id",
        "3MVG9cc",
    ])
    .env("SFCONN_CLIENT_SECRET", "cs")
    .ok();
    let before = sf.files();
    sf.run(["edit", "cc", "--clear-secret", "client_secret"])
        .code(2)
        .stderr_has("cannot work without its client secret")
        .stderr_has("sfconn edit cc --secret client_secret");
    assert_eq!(sf.files(), before);
    // A kind the flow does not use, and a token, are refused by name.
    sf.run(["edit", "cc", "--secret", "password"])
        .code(2)
        .stderr_has("its secrets are: client_secret");
    sf.run(["edit", "cc", "--secret", "refresh_token"])
        .code(2)
        .stderr_has("client_secret, password, security_token, private_key");
    assert_eq!(sf.files(), before);
}

#[test]
fn edit_secret_reads_the_variable_and_without_one_or_a_terminal_says_how() {
    let sf = Sfconn::new();
    add_web_with_secret(&sf);
    let before = sf.files();
    sf.run(["edit", "web", "--secret", "client_secret"])
        .code(2)
        .stderr_has("SFCONN_CLIENT_SECRET");
    assert_eq!(sf.files(), before);
    sf.cmd(["edit", "web", "--secret", "client_secret"])
        .env("SFCONN_CLIENT_SECRET", "fixed-secret")
        .ok()
        .stdout_has("Stored secrets: client secret");
    let text = std::fs::read_to_string(sf.secrets_file()).unwrap();
    assert!(text.contains("fixed-secret") && !text.contains("optional-wrong"));
    // Without a terminal, `edit NAME` alone names the flags that fix a secret.
    sf.run(["edit", "web"])
        .code(2)
        .stderr_has("--secret KIND")
        .stderr_has("--clear-secret KIND");
}

#[test]
fn revoke_of_a_production_connection_needs_yes_without_a_terminal() {
    let sf = Sfconn::new();
    sf.run(["add", "dev", "--flow", "device", "--client-id", "3MVG9dev"])
        .ok();
    let before = sf.files();
    sf.run(["revoke", "dev"])
        .code(2)
        .stderr_has("PRODUCTION")
        .stderr_has("--yes");
    assert_eq!(sf.files(), before);
    sf.run(["revoke", "dev", "--yes"])
        .ok()
        .stdout_has("Nothing to revoke");
}

/// Each value is refused with exit 2, a message naming the fix, and no file written.
#[test]
fn domains_and_client_ids_that_cannot_work_are_refused_offline() {
    let sf = Sfconn::new();
    let cases: [(&[&str], &str); 5] = [
        (
            &[
                "add",
                "a",
                "--flow",
                "device",
                "--client-id",
                "3MVG9a",
                "--domain",
                "https://acme.lightning.force.com/lightning/page/home",
            ],
            "https://acme.my.salesforce.com",
        ),
        (
            &[
                "add",
                "a",
                "--flow",
                "device",
                "--client-id",
                "3MVG9a",
                "--env",
                "production",
                "--domain",
                "acme--uat.sandbox.my.salesforce.com",
            ],
            "is a sandbox My Domain but the environment is production",
        ),
        (
            &[
                "add",
                "a",
                "--flow",
                "device",
                "--client-id",
                "3MVG9a",
                "--env",
                "sandbox",
                "--domain",
                "acme.my.salesforce.com",
            ],
            "is a production My Domain but the environment is sandbox",
        ),
        (
            &[
                "add",
                "a",
                "--flow",
                "client-credentials",
                "--client-id",
                "3MVG9a",
                "--domain",
                "login.salesforce.com",
            ],
            "my-domain-required",
        ),
        (
            &["add", "a", "--flow", "device", "--client-id", "3MVG9..."],
            "paste the whole Consumer Key",
        ),
    ];
    for (args, says) in cases {
        let out = sf
            .cmd(args.iter().copied())
            .env("SFCONN_CLIENT_SECRET", "cs")
            .code(2);
        assert!(out.stderr.contains(says), "{args:?}:\n{}", out.stderr);
        assert!(sf.files().is_empty(), "{args:?} wrote {:?}", sf.files());
    }
}

#[test]
fn the_environment_follows_the_domain_when_env_is_not_given() {
    let sf = Sfconn::new();
    sf.run([
        "add",
        "uat",
        "--flow",
        "device",
        "--client-id",
        "3MVG9a",
        "--domain",
        "acme--uat.sandbox.my.salesforce.com",
    ])
    .ok();
    let show = sf.run(["show", "uat", "--json"]).ok().json();
    assert_eq!(show["environment"], "sandbox");
    // Editing the domain alone to a production one moves the environment with it; the same
    // edit with the wrong --env is refused and changes nothing.
    let before = sf.files();
    sf.run([
        "edit",
        "uat",
        "--domain",
        "acme.my.salesforce.com",
        "--env",
        "sandbox",
    ])
    .code(2)
    .stderr_has("--env production");
    assert_eq!(sf.files(), before);
    sf.run(["edit", "uat", "--domain", "acme.my.salesforce.com"])
        .ok();
    let show = sf.run(["show", "uat", "--json"]).ok().json();
    assert_eq!(show["environment"], "production");
}
