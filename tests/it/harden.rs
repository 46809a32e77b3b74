//! Defects from the adversarial pass (issue 14) that need no hostile server: small RSA keys,
//! bad domains and labels, file modes, line endings, unreadable files, a damaged state file.

use crate::support::home::Sfconn;

fn data(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn jwt_args(key: &str) -> Vec<&str> {
    vec![
        "--flow",
        "jwt",
        "--client-id",
        "x",
        "--username",
        "u@example.com",
        "--key-file",
        key,
    ]
}

#[test]
fn rsa_keys_under_2048_bits_are_refused_by_add_and_edit_and_named_by_doctor() {
    let sf = Sfconn::new();
    for file in ["rsa1024.pem", "rsa1024-pkcs8.pem"] {
        let key = data(file);
        let mut args = vec!["add", "j"];
        args.extend(jwt_args(&key));
        sf.cmd(args).code(2).stderr_has("1024 bits");
        assert!(sf.profiles_bytes().is_empty(), "nothing saved");
    }
    // A good key first, then an edit to the small one.
    let good = crate::support::org::TestOrg::write_jwt_key(sf.home());
    let good = good.display().to_string();
    let mut args = vec!["add", "j"];
    args.extend(jwt_args(&good));
    sf.cmd(args).ok();
    let before = sf.profiles_bytes();
    let small = data("rsa1024.pem");
    sf.cmd(["edit", "j", "--key-file", &small])
        .code(2)
        .stderr_has("1024 bits");
    assert_eq!(sf.profiles_bytes(), before, "the file is unchanged");
    // A file edited by hand: doctor says what is wrong with the key.
    let text = String::from_utf8(before).expect("utf-8");
    sf.write_profiles(&text.replace(&good, &small));
    let out = sf.cmd(["doctor", "j", "--json"]).code(1);
    let json = out.json();
    let checks = json["checks"].as_array().expect("checks");
    let key_check = checks
        .iter()
        .find(|c| {
            c["detail"]
                .as_str()
                .is_some_and(|d| d.contains("1024 bits"))
        })
        .unwrap_or_else(|| panic!("a check names the key size{out}"));
    assert_eq!(key_check["status"], "fail", "{out}");
    assert!(!out.stdout.contains("not an RSA private key"), "{out}");
}

#[test]
fn domains_with_a_path_user_info_port_0_or_bad_labels_are_refused() {
    let long_label = format!("{}.my.salesforce.com", "a".repeat(300));
    let sf = Sfconn::new();
    for bad in [
        "evil.com/login.salesforce.com",
        "https://evil.com\\@acme.my.salesforce.com",
        "https://evil.com@acme.my.salesforce.com",
        "https://acme.my.salesforce.com:0",
        long_label.as_str(),
    ] {
        let out = sf
            .cmd([
                "add",
                "d",
                "--flow",
                "device",
                "--client-id",
                "x",
                "--domain",
                bad,
            ])
            .code(2);
        assert!(out.stderr.contains("domain"), "{bad}{out}");
        assert!(sf.profiles_bytes().is_empty(), "{bad}: nothing saved");
    }
}
