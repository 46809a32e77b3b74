use super::*;

const MINIMAL_HINT: &str = r#"
[[hint]]
id = "x"
title = "t"
cause = "c"
fix = ["f"]
flows = ["web"]
[[hint.trigger]]
kind = "local"
condition = "x"
"#;

#[test]
fn the_compiled_catalog_parses_and_holds_every_required_id() {
    let parsed = Catalog::parse(HINTS_TOML).unwrap();
    for id in REQUIRED_IDS {
        assert!(parsed.get(id).is_some(), "missing {id}");
    }
    assert_eq!(catalog().hints().len(), parsed.hints().len());
}

#[test]
fn an_unknown_trigger_kind_is_rejected() {
    let text = MINIMAL_HINT.replace("kind = \"local\"", "kind = \"smoke_signal\"");
    let err = toml::from_str::<CatalogFile>(&text)
        .unwrap_err()
        .to_string();
    assert!(err.contains("smoke_signal"), "{err}");
}

#[test]
fn an_unknown_key_is_rejected() {
    let text = MINIMAL_HINT.replace("cause = \"c\"", "cause = \"c\"\nseverity = 3");
    assert!(toml::from_str::<CatalogFile>(&text).is_err());
    let text = MINIMAL_HINT.replace("condition = \"x\"", "condition = \"x\"\nstep = \"token\"");
    assert!(toml::from_str::<CatalogFile>(&text).is_err());
}

#[test]
fn a_missing_required_id_is_reported_by_name() {
    let without = HINTS_TOML.replace("id = \"clock-skew\"", "id = \"clock-drift\"");
    assert_eq!(
        Catalog::parse(&without),
        Err(CatalogError::MissingId("clock-skew".into()))
    );
}

#[test]
fn duplicate_ids_and_dangling_also_triggers_are_rejected() {
    let doubled = format!(
        "{HINTS_TOML}\n{}",
        MINIMAL_HINT.replace("\"x\"", "\"timeout\"")
    );
    assert!(matches!(
        Catalog::parse(&doubled),
        Err(CatalogError::Invalid { id, .. }) if id == "timeout"
    ));
    let dangling = HINTS_TOML.replace(
        "with = \"password-auth-failed\"",
        "with = \"password-auth-failure\"",
    );
    assert!(matches!(
        Catalog::parse(&dangling),
        Err(CatalogError::Invalid { id, .. }) if id == "password-flow-blocked"
    ));
}

#[test]
fn every_hint_is_complete() {
    for hint in catalog().hints() {
        assert!(!hint.fix.is_empty(), "{}", hint.id);
        assert!(!hint.flows.is_empty(), "{}", hint.id);
        assert!(
            hint.triggers
                .iter()
                .any(|t| !matches!(t, Trigger::Also { .. }))
                || hint.id == "password-flow-blocked",
            "{} is only ever shown alongside another hint",
            hint.id
        );
    }
}

/// README.md's `## Troubleshooting` section holds exactly the catalog's table.
#[test]
fn the_readme_troubleshooting_table_matches_the_catalog() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md at the repository root");
    let section = readme
        .split("\n## Troubleshooting\n")
        .nth(1)
        .expect("README.md has a `## Troubleshooting` section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let table: String = section
        .lines()
        .filter(|l| l.starts_with('|'))
        .map(|l| format!("{l}\n"))
        .collect();
    let expected = catalog().markdown_table();
    assert!(
        table == expected,
        "README.md's troubleshooting table is out of step with assets/hints.toml; replace it with:\n\n{expected}"
    );
}

#[test]
fn fix_steps_name_the_connection_only_inside_commands() {
    assert_eq!(
        personalize("Run `sfconn login NAME` on NAME.my.salesforce.com", "prod"),
        "Run `sfconn login prod` on NAME.my.salesforce.com"
    );
    assert_eq!(
        personalize("`sfconn edit NAME --domain NAME.my.salesforce.com`", "uat"),
        "`sfconn edit uat --domain NAME.my.salesforce.com`"
    );
}

#[test]
fn setup_urls_use_the_my_domain_or_the_login_start_url() {
    let mut conn = Connection::new("c", Flow::Jwt);
    let hint = catalog().get("password-auth-failed").unwrap();
    assert_eq!(
        hint.setup_url(&conn).unwrap(),
        "https://login.salesforce.com/?startURL=%2Flightning%2Fsetup%2FOrgLoginHistory%2Fhome"
    );
    conn.domain = Some("https://acme.my.salesforce.com".into());
    assert_eq!(
        hint.setup_url(&conn).unwrap(),
        "https://acme.my.salesforce.com/lightning/setup/OrgLoginHistory/home"
    );
}

#[test]
fn hints_for_a_connection_name_it_and_drop_only_the_command_being_run() {
    let mut hints = vec![crate::salesforce::HintRef {
        id: "x".into(),
        title: "t".into(),
        fix: vec![
            "Run `sfconn login NAME` again and choose Allow.".into(),
            "Use `sfconn login NAME --no-browser` to print the URL.".into(),
            "Then `sfconn test NAME --fresh`.".into(),
            "Developer Edition orgs live on NAME-dev-ed.develop.my.salesforce.com.".into(),
        ],
    }];
    super::for_connection(&mut hints, "uat", Some("login"));
    assert_eq!(
        hints[0].fix,
        [
            "Use `sfconn login uat --no-browser` to print the URL.",
            "Then `sfconn test uat --fresh`.",
            "Developer Edition orgs live on NAME-dev-ed.develop.my.salesforce.com.",
        ]
    );
    let mut all = hints.clone();
    super::for_connection(&mut all, "uat", None);
    assert_eq!(
        all[0].fix.len(),
        3,
        "with no command running, nothing is dropped"
    );
}

#[test]
fn fix_steps_tagged_for_a_flow_are_shown_only_for_that_flow() {
    use crate::profile::Flow;
    use crate::salesforce::Failure;
    let failure = Failure::OAuth {
        http_status: Some(400),
        error: "invalid_client".into(),
        description: Some("invalid client credentials".into()),
    };
    let steps = |flow| {
        crate::diagnose::matcher::hints_for(&failure, flow)
            .into_iter()
            .find(|h| h.id == "client-secret-invalid")
            .map(|h| h.fix)
            .unwrap_or_default()
    };
    let cc = steps(Flow::ClientCredentials);
    assert!(!cc.is_empty());
    assert!(
        cc.iter()
            .all(|s| !s.contains("Web Server Flow") && !s.starts_with('[')),
        "{cc:?}"
    );
    let web = steps(Flow::Web);
    assert!(
        web.iter().any(|s| s.starts_with("Without a secret")),
        "{web:?}"
    );
    // A tag naming a flow the hint does not apply to is refused.
    let bad = MINIMAL_HINT.replace("fix = [\"f\"]", "fix = [\"[jwt] f\"]");
    assert!(Catalog::parse(&bad).is_err());
}
