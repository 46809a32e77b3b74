//! Integration tests: a corpus of bad profile files and bad flag values. Each must end with its
//! own clear message, exit code 2, and the profile file byte-identical afterwards.

use crate::support::home::Sfconn;

const OK_CONN: &str = "[connections.a]\nflow = \"device\"\nclient_id = \"x\"\n";

/// (bad profile file, what the message must say)
fn bad_files() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let t = |name, text: &str, msg| (name, text.as_bytes().to_vec(), msg);
    vec![
        t(
            "unclosed table header",
            "[connections.a\nflow = \"web\"\n",
            "profiles.toml:1:",
        ),
        t(
            "missing value",
            "[connections.a]\nflow =\n",
            "profiles.toml:2:",
        ),
        t(
            "unknown top-level key",
            "defualt = \"a\"\n",
            "profiles.toml:1:1: unknown key `defualt`; did you mean `default`?",
        ),
        t(
            "unknown connection key",
            "[connections.a]\nflow = \"device\"\nclientid = \"x\"\n",
            "profiles.toml:3:1: unknown key `clientid`; did you mean `client_id`?",
        ),
        t(
            "unknown key without a near match",
            "[connections.a]\nflow = \"device\"\nclient_id = \"x\"\ncolour = \"red\"\n",
            "unknown key `colour`; remove it",
        ),
        t(
            "unknown flow",
            "[connections.a]\nflow = \"oauth\"\nclient_id = \"x\"\n",
            "profiles.toml:2:8: unknown value `oauth`",
        ),
        t(
            "misspelt flow",
            "[connections.a]\nflow = \"jwtt\"\n",
            "did you mean `jwt`?",
        ),
        t(
            "misspelt environment",
            "[connections.a]\nflow = \"device\"\nenvironment = \"prodction\"\nclient_id = \"x\"\n",
            "did you mean `production`?",
        ),
        t(
            "http domain off loopback",
            "[connections.a]\nflow = \"device\"\nclient_id = \"x\"\ndomain = \"http://acme.my.salesforce.com\"\n",
            "profiles.toml:4:10: connection `a`, domain: `http://acme.my.salesforce.com` uses http://",
        ),
        t(
            "domain with spaces",
            "[connections.a]\nflow = \"device\"\nclient_id = \"x\"\ndomain = \"acme corp\"\n",
            "contains spaces",
        ),
        t(
            "domain that is not a full host",
            "[connections.a]\nflow = \"device\"\nclient_id = \"x\"\ndomain = \"acme\"\n",
            "did you mean acme.my.salesforce.com?",
        ),
        t(
            "privileged callback port",
            "[connections.a]\nflow = \"web\"\nclient_id = \"x\"\ncallback_port = 80\n",
            "profiles.toml:4:17: connection `a`, callback_port: 80 is a privileged port",
        ),
        t(
            "callback port out of range",
            "[connections.a]\nflow = \"web\"\nclient_id = \"x\"\ncallback_port = 70000\n",
            "profiles.toml:4:17:",
        ),
        t(
            "file timeout of zero",
            "timeout_secs = 0\n",
            "profiles.toml:1:16: timeout_secs = 0 is out of range",
        ),
        t(
            "connection timeout too long",
            "[connections.a]\nflow = \"device\"\nclient_id = \"x\"\ntimeout_secs = 9999\n",
            "timeout_secs: 9999 is out of range",
        ),
        t(
            "connection without a flow",
            "[connections.a]\nclient_id = \"x\"\n",
            "missing field `flow`",
        ),
        t(
            "web without client_id",
            "[connections.a]\nflow = \"web\"\n",
            "connection `a` is missing `client_id`: required for the web flow",
        ),
        t(
            "client credentials without domain",
            "[connections.a]\nflow = \"client-credentials\"\nclient_id = \"x\"\n",
            "connection `a` is missing `domain`",
        ),
        t(
            "jwt without username",
            "[connections.a]\nflow = \"jwt\"\nclient_id = \"x\"\n",
            "connection `a` is missing `username`",
        ),
        t(
            "bad connection name",
            "[connections.\"bad name\"]\nflow = \"device\"\nclient_id = \"x\"\n",
            "connection name: `bad name` contains ' '",
        ),
        t(
            "empty scopes",
            "[connections.a]\nflow = \"device\"\nclient_id = \"x\"\nscopes = \"  \"\n",
            "scopes: no scopes given",
        ),
        t(
            "http audience",
            "[connections.a]\nflow = \"jwt\"\nclient_id = \"x\"\nusername = \"u@x.com\"\naudience = \"http://login.salesforce.com\"\n",
            "audience: `http://login.salesforce.com` uses http://",
        ),
        t(
            "client_id of the wrong type",
            "[connections.a]\nflow = \"device\"\nclient_id = 123\n",
            "profiles.toml:3:13:",
        ),
        t(
            "duplicate key",
            "[connections.a]\nflow = \"device\"\nflow = \"web\"\nclient_id = \"x\"\n",
            "profiles.toml:3:",
        ),
        t(
            "connections is not a table",
            "connections = \"a\"\n",
            "profiles.toml:1:15:",
        ),
        t(
            "bad default name",
            "default = \"my prod!\"\n",
            "profiles.toml:1:11: default: `my prod!`",
        ),
        t(
            "client_id with spaces",
            "[connections.a]\nflow = \"device\"\nclient_id = \"3MVG9 abc\"\n",
            "client_id: `3MVG9 abc` contains spaces",
        ),
        (
            "not UTF-8",
            b"# caf\xe9\n[connections.a]\n".to_vec(),
            "profiles.toml:1:6: the file is not UTF-8 text",
        ),
    ]
}

#[test]
fn bad_profile_files_are_reported_and_never_rewritten() {
    let cases = bad_files();
    assert!(cases.len() >= 20);
    for (what, bytes, message) in cases {
        let sf = Sfconn::new();
        std::fs::write(sf.profile_file(), &bytes).unwrap();
        for args in [
            vec!["list"],
            vec!["add", "new", "--flow", "device", "--client-id", "y"],
            vec!["use", "a"],
            vec!["remove", "a"],
            vec!["rename", "a", "b"],
        ] {
            let out = sf.run(&args).code(2);
            assert!(
                out.stderr.contains(message),
                "case {what:?}: stderr lacks {message:?}{out}"
            );
            assert_eq!(
                std::fs::read(sf.profile_file()).unwrap(),
                bytes,
                "case {what:?}: file changed by {args:?}"
            );
        }
    }
}

fn pem(label: &str) -> String {
    format!(
        "-----BEGIN {label}-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n-----END {label}-----\n"
    )
}

#[test]
fn bad_flag_values_exit_2_and_change_nothing() {
    let sf = Sfconn::new();
    let original = format!("# hand written\n{OK_CONN}");
    sf.write_profiles(&original);
    let cert = sf.home().join("app.crt");
    std::fs::write(&cert, pem("CERTIFICATE")).unwrap();
    let enc = sf.home().join("enc.key");
    std::fs::write(&enc, pem("ENCRYPTED PRIVATE KEY")).unwrap();
    let junk = sf.home().join("junk.key");
    std::fs::write(&junk, pem("PRIVATE KEY")).unwrap();
    let cert_s = cert.to_string_lossy().into_owned();
    let enc_s = enc.to_string_lossy().into_owned();
    let junk_s = junk.to_string_lossy().into_owned();
    let long = "n".repeat(65);
    // A real key, and a certificate made from a different key.
    let good_key = sf.home().join("good.key");
    std::fs::write(&good_key, crate::cli::rsa_key_pem()).unwrap();
    let other = rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        .unwrap();
    let other_cert = sf.home().join("other.crt");
    let pem_cert = rcgen::CertificateParams::new(vec!["other.test".into()])
        .unwrap()
        .self_signed(&other)
        .unwrap()
        .pem();
    std::fs::write(&other_cert, pem_cert).unwrap();
    let good_key_s = good_key.to_string_lossy().into_owned();
    let other_cert_s = other_cert.to_string_lossy().into_owned();
    let jwt = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "add",
            "j",
            "--flow",
            "jwt",
            "--client-id",
            "x",
            "--username",
            "u@x.com",
        ]
        .map(String::from)
        .to_vec();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let s = |a: &[&str]| -> Vec<String> { a.iter().map(|x| x.to_string()).collect() };
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            s(&["add", "bad name", "--flow", "device", "--client-id", "x"]),
            "NAME: `bad name` contains ' '",
        ),
        (
            s(&["add", &long, "--flow", "device", "--client-id", "x"]),
            "is 65 characters long; use at most 64",
        ),
        (
            s(&["add", "n"]),
            "--flow is required: one of web, jwt, client-credentials, password, device",
        ),
        (
            s(&["add", "n", "--flow", "saml"]),
            "invalid value 'saml' for '--flow <FLOW>'",
        ),
        (
            s(&[
                "add",
                "n",
                "--flow",
                "device",
                "--client-id",
                "x",
                "--domain",
                "http://acme.com",
            ]),
            "--domain: `http://acme.com` uses http://",
        ),
        (
            s(&[
                "add",
                "n",
                "--flow",
                "device",
                "--client-id",
                "x",
                "--domain",
                "acme corp.com",
            ]),
            "--domain: `acme corp.com` contains spaces",
        ),
        (
            s(&[
                "add",
                "n",
                "--flow",
                "device",
                "--client-id",
                "x",
                "--domain",
                "ftp://acme.com",
            ]),
            "--domain: `ftp://acme.com` uses ftp://",
        ),
        (
            s(&[
                "add",
                "n",
                "--flow",
                "web",
                "--client-id",
                "x",
                "--callback-port",
                "80",
            ]),
            "--callback-port: 80 is a privileged port",
        ),
        (
            s(&[
                "add",
                "n",
                "--flow",
                "web",
                "--client-id",
                "x",
                "--callback-port",
                "70000",
            ]),
            "invalid value '70000' for '--callback-port",
        ),
        (
            s(&[
                "add",
                "n",
                "--flow",
                "web",
                "--client-id",
                "x",
                "--scopes",
                "api,refresh_token",
            ]),
            "--scopes: scope `api,refresh_token` contains ','",
        ),
        (
            s(&[
                "add",
                "n",
                "--flow",
                "device",
                "--client-id",
                "x",
                "--timeout-secs",
                "0",
            ]),
            "--timeout-secs: 0 is out of range",
        ),
        (
            s(&["add", "n", "--flow", "web"]),
            "--client-id: required for the web flow",
        ),
        (
            s(&["add", "a", "--flow", "device", "--client-id", "x"]),
            "a connection named `a` already exists",
        ),
        (
            jwt(&["--key-file", "/nonexistent/k.pem"]),
            "--key-file: /nonexistent/k.pem: cannot read the key file",
        ),
        (
            jwt(&["--key-file", &cert_s]),
            "this is a PEM CERTIFICATE, not a private key",
        ),
        (jwt(&["--key-file", &enc_s]), "encrypted with a passphrase"),
        (
            jwt(&["--key-file", &junk_s]),
            "not a usable RSA private key",
        ),
        (
            jwt(&["--key-file", &good_key_s, "--cert-file", &other_cert_s]),
            "--cert-file: ",
        ),
        (
            jwt(&["--key-file", &good_key_s, "--cert-file", &other_cert_s]),
            "the certificate does not belong to this private key",
        ),
        (
            jwt(&["--audience", "ftp://login.salesforce.com"]),
            "--audience: `ftp://login.salesforce.com` uses ftp://",
        ),
        (s(&["edit", "a", "--cert-file", &junk_s]), "--cert-file:"),
        (
            s(&["edit", "a", "--domain", "acme"]),
            "did you mean acme.my.salesforce.com?",
        ),
        (
            s(&["edit", "a", "--flow", "client-credentials"]),
            "--domain: required for the client-credentials flow",
        ),
        (
            s(&["--timeout", "0", "list"]),
            "invalid value '0' for '--timeout <SECS>'",
        ),
        (s(&["rename", "a", "a/b"]), "NEW: `a/b` contains '/'"),
    ];
    assert!(cases.len() >= 20);
    for (args, message) in cases {
        let out = sf.run(&args).code(2);
        assert!(
            out.stderr.contains(message),
            "stderr lacks {message:?}{out}"
        );
        assert_eq!(
            String::from_utf8(sf.profiles_bytes()).unwrap(),
            original,
            "{args:?} changed the file"
        );
        assert!(!sf.secrets_file().exists(), "{args:?} wrote secrets");
    }
}
