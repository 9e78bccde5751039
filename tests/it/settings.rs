//! Settings documents on both backends: versions, validation, secrets, audit, import.

use crate::common::{Backend, TestDb};
use dmsctl::Error;
use dmsctl::secrets::Secret;
use dmsctl::settings::{
    Actor, ApiSystemsSettings, ErpCompany, ErpSettings, MailServerSettings, Settings, Tab,
};

both_backends!(
    stale_version_is_a_conflict,
    bad_field_values_are_named_and_change_nothing,
    secrets_are_sealed_and_audit_is_masked,
    wrong_key_is_a_clear_error,
    invalid_import_changes_nothing,
    export_import_round_trips_every_tab,
    api_systems_seeded_once,
    saving_what_was_shown_keeps_the_secrets,
);

fn actor() -> Actor {
    Actor {
        user: "tester".into(),
        ssh_client: Some("10.0.0.9 50000 22".into()),
    }
}

fn settings(db: &TestDb, dir: &tempfile::TempDir) -> Settings {
    Settings::new(db.store.clone(), dir.path().join("secret.key"))
}

fn account() -> MailServerSettings {
    MailServerSettings {
        enabled: true,
        from_address: "dms@firma.pl".into(),
        display_name: "DMS – powiadomienia".into(),
        server_name: "smtp.firma.pl".into(),
        port: 587,
        login: "dms".into(),
        password: Secret::new("Hasło-Bardzo-Tajne-42"),
        ..MailServerSettings::default()
    }
}

async fn stale_version_is_a_conflict(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let s = settings(db, &dir);
    let first = s.load::<MailServerSettings>().await.unwrap();
    assert_eq!(first.version, 0);
    let v1 = s.save(&account(), first.version, &actor()).await.unwrap();
    assert_eq!(v1, 1);

    // Two admins read version 1; the first saves, the second is refused.
    let alice = s.load::<MailServerSettings>().await.unwrap();
    let bob = s.load::<MailServerSettings>().await.unwrap();
    let mut a = alice.value.clone();
    a.port = 465;
    assert_eq!(s.save(&a, alice.version, &actor()).await.unwrap(), 2);
    let mut b = bob.value.clone();
    b.port = 25;
    let err = s.save(&b, bob.version, &actor()).await.unwrap_err();
    match err {
        Error::Conflict {
            tab,
            expected,
            stored,
        } => {
            assert_eq!((tab, expected, stored), ("mail_server", 1, 2));
        }
        other => panic!("expected a conflict, got {other}"),
    }
    assert_eq!(
        s.load::<MailServerSettings>().await.unwrap().value.port,
        465
    );
    // A second "first save" of a tab is a conflict too.
    let err = s.save(&account(), 0, &actor()).await.unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err}");
}

async fn bad_field_values_are_named_and_change_nothing(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let s = settings(db, &dir);
    s.save(&account(), 0, &actor()).await.unwrap();
    let before = s.load_json(Tab::MailServer).await.unwrap();

    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("port", "0")], "mail_server.port"),
        (&[("port", "70000")], "mail_server.port"),
        (&[("port", "x")], "mail_server.port"),
        (&[("from_address", "dms@")], "mail_server.from_address"),
        (&[("encryption", "tls")], "mail_server.encryption"),
        (&[("prot", "25")], "mail_server.prot"),
        // One good and one bad value: neither is saved.
        (
            &[("server_name", "ok.firma.pl"), ("reply_to", "nope")],
            "mail_server.reply_to",
        ),
    ];
    for (assignments, field) in cases {
        let pairs: Vec<(String, String)> = assignments
            .iter()
            .map(|(f, v)| (f.to_string(), v.to_string()))
            .collect();
        let err = s
            .set_fields(Tab::MailServer, &pairs, &actor())
            .await
            .unwrap_err();
        assert!(err.is_user_error(), "{err}");
        assert!(err.to_string().contains(field), "{assignments:?}: {err}");
    }
    let after = s.load_json(Tab::MailServer).await.unwrap();
    assert_eq!(after, before);

    let mut erp = ErpSettings::default();
    erp.companies.push(ErpCompany {
        company_name: "Firma".into(),
        abbreviation: "FIR".into(),
        nip: "5260001241".into(),
        ..ErpCompany::default()
    });
    let err = s.save(&erp, 0, &actor()).await.unwrap_err();
    assert!(err.to_string().contains("erp.companies[0].nip"), "{err}");
    assert_eq!(s.load::<ErpSettings>().await.unwrap().version, 0);
}

async fn secrets_are_sealed_and_audit_is_masked(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let s = settings(db, &dir);
    s.save(&account(), 0, &actor()).await.unwrap();
    let mut erp = ErpSettings::default();
    erp.companies.push(ErpCompany {
        company_name: "Firma".into(),
        abbreviation: "FIR".into(),
        password: Secret::new("ErpOperatorSecret-77"),
        ksef_token: Secret::new("KsefTokenValue-99"),
        ..ErpCompany::default()
    });
    s.save(&erp, 0, &actor()).await.unwrap();

    // Read back in plain text through the key...
    let loaded = s.load::<MailServerSettings>().await.unwrap().value;
    assert_eq!(loaded.password.expose(), "Hasło-Bardzo-Tajne-42");
    let loaded = s.load::<ErpSettings>().await.unwrap().value;
    assert_eq!(loaded.companies[0].ksef_token.expose(), "KsefTokenValue-99");
    // ...masked for display...
    let shown = s.show_json(Tab::MailServer).await.unwrap();
    assert_eq!(shown.value["password"], "********");

    // ...and nowhere in the database in plain text.
    let docs = db.store.settings_docs().await.unwrap();
    let audit = db.store.audit_entries(None, 100).await.unwrap();
    for secret in [
        "Hasło-Bardzo-Tajne-42",
        "ErpOperatorSecret-77",
        "KsefTokenValue-99",
    ] {
        assert!(
            docs.iter().all(|d| !d.data.contains(secret)),
            "{secret} stored in clear"
        );
        assert!(
            audit.iter().all(|a| !a.changes.contains(secret)),
            "{secret} in audit"
        );
    }
    let row = audit.iter().find(|a| a.tab == "mail_server").unwrap();
    assert_eq!(row.actor, "tester");
    assert_eq!(row.ssh_client.as_deref(), Some("10.0.0.9 50000 22"));
    let changes: serde_json::Value = serde_json::from_str(&row.changes).unwrap();
    let pw = changes
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "password")
        .unwrap();
    assert_eq!(pw["new"], "********");
    assert!(
        changes
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "server_name" && c["new"] == "smtp.firma.pl")
    );

    if db.url.starts_with("sqlite:") {
        db.store.checkpoint().await.unwrap();
        let path = db.url.trim_start_matches("sqlite://");
        let dir = std::path::Path::new(path).parent().unwrap();
        for entry in std::fs::read_dir(dir).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            for secret in [
                "Hasło-Bardzo-Tajne-42",
                "ErpOperatorSecret-77",
                "KsefTokenValue-99",
            ] {
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                    "{secret} found in a database file"
                );
            }
        }
    }
}

async fn wrong_key_is_a_clear_error(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    settings(db, &dir)
        .save(&account(), 0, &actor())
        .await
        .unwrap();

    let other = tempfile::tempdir().unwrap();
    std::fs::write(
        other.path().join("secret.key"),
        dmsctl::secrets::SecretKey::generate_base64(),
    )
    .unwrap();
    let err = settings(db, &other)
        .load::<MailServerSettings>()
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("mail_server.password") && err.contains("not the key"),
        "{err}"
    );

    let missing = tempfile::tempdir().unwrap();
    let err = settings(db, &missing)
        .load::<MailServerSettings>()
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("no secret key"), "{err}");
    assert!(
        !missing.path().join("secret.key").exists(),
        "a read must not create a key"
    );
}

async fn invalid_import_changes_nothing(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let s = settings(db, &dir);
    s.save(&account(), 0, &actor()).await.unwrap();
    let before: Vec<_> = db.store.settings_docs().await.unwrap();

    // A good mail_server table and a bad domain table: nothing may change.
    let text = r#"
[mail_server]
server_name = "smtp.other.pl"
from_address = "other@firma.pl"
enabled = true

[domain]
use_domain = true
domain_name = ""
"#;
    let err = s.import_toml(text, &actor()).await.unwrap_err();
    assert!(err.to_string().contains("domain.domain_name"), "{err}");
    assert_eq!(db.store.settings_docs().await.unwrap(), before);

    let err = s
        .import_toml("[mail_servr]\nport = 1\n", &actor())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("mail_servr"), "{err}");
    let err = s
        .import_toml("[mail_server]\nprot = 25\n", &actor())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("prot"), "{err}");
    assert_eq!(db.store.settings_docs().await.unwrap(), before);
}

async fn export_import_round_trips_every_tab(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let s = settings(db, &dir);
    s.save(&account(), 0, &actor()).await.unwrap();
    let mut erp = ErpSettings::default();
    erp.companies.push(ErpCompany {
        company_name: "Firma A".into(),
        abbreviation: "A".into(),
        nip: "526-000-12-46".into(),
        ksef_token: Secret::new("token-a"),
        ..ErpCompany::default()
    });
    erp.companies.push(ErpCompany {
        company_name: "Firma B".into(),
        abbreviation: "B".into(),
        password: Secret::new("pw-b"),
        ..ErpCompany::default()
    });
    erp.companies[0].private_key = Secret::new(
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/keys/ec_sec1.pem"
        ))
        .unwrap(),
    );
    erp.companies[1].connection.password = Secret::new("sql-pw");
    s.save(&erp, 0, &actor()).await.unwrap();
    // Every other tab away from its defaults too, secrets included.
    let mut templates = Tab::Templates.default_json();
    templates["url_prefix"] = "https://dms.firma.pl/web/documents/".into();
    templates["overdue"]["subject"] =
        "Zaległe: {ExpiredDocumentsBegin}{DocumentNumber}{ExpiredDocumentsEnd}".into();
    let api_systems = s.load_json(Tab::ApiSystems).await.unwrap();
    let mut systems = api_systems.value.clone();
    systems["systems"].as_array_mut().unwrap().push(
        serde_json::json!({"id": "0b6e2f1a-9d3c-4e57-8a21-3f4c5d6e7f80", "name": "Portal B2B"}),
    );
    s.save_json(
        vec![
            (Tab::Templates, templates, 0),
            (
                Tab::ApiAuth,
                serde_json::json!({"company_name": "Firma", "login": "admin", "password": "erp-pw"}),
                0,
            ),
            (
                Tab::Domain,
                serde_json::json!({"use_domain": true, "domain_name": "firma.local", "group": "Księgowość"}),
                0,
            ),
            (
                Tab::Tools,
                serde_json::json!({"anonymize_after_days": 30, "enforce_two_step_verification": true, "verify_document_permissions": true}),
                0,
            ),
            (Tab::ApiSystems, systems, api_systems.version),
            (
                Tab::Storage,
                serde_json::json!({"default_repository_operator": "anowak", "ibard_login": "dms@firma.pl", "ibard_password": "ibard-pw", "ibard_logged_in_user": "dms@firma.pl"}),
                0,
            ),
        ],
        &actor(),
    )
    .await
    .unwrap();
    let mut before = Vec::new();
    for tab in Tab::ALL {
        let v = s.load_json(tab).await.unwrap().value;
        assert_ne!(v, tab.default_json(), "{tab} holds more than its defaults");
        before.push(v);
    }

    // With secrets: import into a fresh database gives the same documents.
    let full = s.export_toml(true).await.unwrap();
    assert!(full.contains("[[erp.companies]]") && full.contains("[[api_systems.systems]]"));
    let fresh = TestDb::new(if db.url.starts_with("sqlite:") {
        Backend::Sqlite
    } else {
        Backend::Postgres
    })
    .await
    .unwrap();
    let fresh_dir = tempfile::tempdir().unwrap();
    let t = settings(&fresh, &fresh_dir);
    t.import_toml(&full, &actor()).await.unwrap();
    for (tab, want) in Tab::ALL.iter().zip(&before) {
        assert_eq!(&t.load_json(*tab).await.unwrap().value, want, "{tab}");
    }
    fresh.finish().await;

    // Without secrets: re-importing keeps the stored secrets (matched by id even when
    // the file lists the companies in another order).
    let bare = s.export_toml(false).await.unwrap();
    for secret in [
        "token-a",
        "pw-b",
        "Tajne",
        "sql-pw",
        "erp-pw",
        "ibard-pw",
        "PRIVATE KEY",
    ] {
        assert!(!bare.contains(secret), "{secret} left out of a bare export");
    }
    let mut doc: toml::Table = toml::from_str(&bare).unwrap();
    let companies = doc["erp"]["companies"].as_array().unwrap().clone();
    doc.get_mut("erp").unwrap()["companies"] =
        toml::Value::Array(companies.into_iter().rev().collect());
    s.import_toml(&toml::to_string(&doc).unwrap(), &actor())
        .await
        .unwrap();
    let after = s.load::<ErpSettings>().await.unwrap().value;
    let a = after
        .companies
        .iter()
        .find(|c| c.abbreviation == "A")
        .unwrap();
    let b = after
        .companies
        .iter()
        .find(|c| c.abbreviation == "B")
        .unwrap();
    assert_eq!(a.ksef_token.expose(), "token-a");
    assert_eq!(b.password.expose(), "pw-b");
    assert_eq!(
        s.load::<MailServerSettings>()
            .await
            .unwrap()
            .value
            .password
            .expose(),
        "Hasło-Bardzo-Tajne-42"
    );
}

async fn api_systems_seeded_once(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let s = settings(db, &dir);
    let seeded = s.load::<ApiSystemsSettings>().await.unwrap();
    assert_eq!(seeded.value.systems.len(), 1);
    assert_eq!(seeded.value.systems[0].name, "Comarch HRM");
    // Present already, it is not added twice when the migrations run again.
    db.store.migrate().await.unwrap();
    assert_eq!(
        s.load::<ApiSystemsSettings>()
            .await
            .unwrap()
            .value
            .systems
            .len(),
        1
    );
    // Deleted by the admin, it stays deleted after the migrations run again.
    s.save(&ApiSystemsSettings::default(), seeded.version, &actor())
        .await
        .unwrap();
    db.store.migrate().await.unwrap();
    let reopened = dmsctl::store::Store::open(&db.url).await.unwrap();
    let after = Settings::new(reopened.clone(), dir.path().join("secret.key"))
        .load::<ApiSystemsSettings>()
        .await
        .unwrap();
    assert!(after.value.systems.is_empty());
    reopened.close().await;
}

/// The console shows secrets masked and saves the form back: the mask must never
/// become the password, and a changed secret must replace the old one.
async fn saving_what_was_shown_keeps_the_secrets(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let s = settings(db, &dir);
    s.save(&account(), 0, &actor()).await.unwrap();
    let shown = s.show_json(Tab::MailServer).await.unwrap();
    assert_eq!(shown.value["password"], dmsctl::settings::MASK);
    let mut edited = shown.value.clone();
    edited["port"] = serde_json::json!(465);
    s.save_json(vec![(Tab::MailServer, edited, shown.version)], &actor())
        .await
        .unwrap();
    let loaded = s.load::<MailServerSettings>().await.unwrap().value;
    assert_eq!(loaded.password.expose(), "Hasło-Bardzo-Tajne-42");
    assert_eq!(loaded.port, 465);
    let audit = db
        .store
        .audit_entries(Some("mail_server"), 1)
        .await
        .unwrap();
    assert!(
        !audit[0].changes.contains("password"),
        "the password did not change: {}",
        audit[0].changes
    );

    let shown = s.show_json(Tab::MailServer).await.unwrap();
    let mut edited = shown.value.clone();
    edited["password"] = serde_json::json!("Nowe-Hasło");
    s.save_json(vec![(Tab::MailServer, edited, shown.version)], &actor())
        .await
        .unwrap();
    assert_eq!(
        s.load::<MailServerSettings>()
            .await
            .unwrap()
            .value
            .password
            .expose(),
        "Nowe-Hasło"
    );
}
