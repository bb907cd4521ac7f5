//! Building providers from configuration: TOML, string maps and the environment.

use std::collections::HashMap;

use signing::{ErrorKind, ProviderConfig, SigningProvider};

fn field(err: &signing::Error) -> String {
    match err.kind() {
        ErrorKind::InvalidRequest { field, .. } => field.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_provider_parses_from_toml() {
    let heysign = ProviderConfig::from_toml_str(
        r#"
        provider = "heysign"
        client_id = "id"
        client_secret = "very-secret"
        api_url = "http://127.0.0.1:1"
        webhook_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        timeout_secs = 5
        "#,
    )
    .unwrap();
    assert_eq!(heysign.provider_name(), "heysign");
    let debug = format!("{heysign:?}");
    assert!(
        !debug.contains("very-secret") && !debug.contains("MfKQ9r8"),
        "{debug}"
    );

    let leap = ProviderConfig::from_toml_str(
        r#"
        provider = "leap-sign"
        api_key = "key-123"
        callback_base_url = "https://app.example.com/leap"
        callback_secret = "0123456789abcdef0123"
        default_owner = "Olga Owner <olga@example.com>"
        "#,
    )
    .unwrap();
    assert_eq!(leap.provider_name(), "leap-sign");
    assert!(!format!("{leap:?}").contains("key-123"));

    let memory = ProviderConfig::from_toml_str("provider = \"memory\"").unwrap();
    assert_eq!(memory.provider_name(), "memory");
}

#[test]
fn bad_configuration_is_a_clear_error() {
    let err = ProviderConfig::from_toml_str("provider = \"adobe-sign\"").unwrap_err();
    assert!(err.to_string().contains("adobe-sign"), "{err}");
    let err = ProviderConfig::from_toml_str("provider = \"docusign\"").unwrap_err();
    assert!(err.to_string().contains("integration_key"), "{err}");
    let err =
        ProviderConfig::from_toml_str("provider = \"heysign\"\nclient_id = \"x\"").unwrap_err();
    assert!(err.to_string().contains("client_secret"), "{err}");
    let err = ProviderConfig::from_map([("provider", "memory"), ("colour", "blue")]).unwrap_err();
    assert!(err.to_string().contains("colour"), "{err}");
    let err = ProviderConfig::from_map([("provider", "memory"), ("deterministic_ids", "maybe")])
        .unwrap_err();
    assert!(err.to_string().contains("maybe"), "{err}");
}

#[test]
fn the_environment_uses_the_adapters_variable_names() {
    let vars: HashMap<&str, &str> = HashMap::from([
        ("SIGNING_PROVIDER", "heysign"),
        ("HEYSIGN_CLIENT_ID", "env-id"),
        ("HEYSIGN_CLIENT_SECRET", "env-secret"),
        ("HEYSIGN_ISSUER", "Acme AB"),
    ]);
    let config = ProviderConfig::from_vars(|name| vars.get(name).map(|v| (*v).to_owned())).unwrap();
    let signing::ProviderConfig::HeySign(heysign) = &config else {
        panic!("{config:?}");
    };
    assert_eq!(heysign.client_id, "env-id");
    assert_eq!(heysign.issuer.as_deref(), Some("Acme AB"));

    let missing: HashMap<&str, &str> = HashMap::from([("SIGNING_PROVIDER", "heysign")]);
    let err =
        ProviderConfig::from_vars(|name| missing.get(name).map(|v| (*v).to_owned())).unwrap_err();
    assert!(err.to_string().contains("HEYSIGN_CLIENT_ID"), "{err}");

    let err = ProviderConfig::from_vars(|_| None).unwrap_err();
    assert_eq!(field(&err), "SIGNING_PROVIDER");
}

/// The private key of the DocuSign emulator's test key pair.
fn docusign_pem() -> &'static str {
    static PEM: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();
    PEM.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                signing::testkit::emulator::docusign::DocuSignEmulator::start()
                    .await
                    .private_key_pem()
            })
    })
}

#[test]
fn docusign_is_configured_by_its_keys_and_variables() {
    let toml = format!(
        "provider = \"docusign\"\nintegration_key = \"ik\"\nuser_id = \"user\"\naccount_id = \"acc\"\nprivate_key = \"\"\"\n{}\"\"\"\nenvironment = \"production\"\nhmac_keys = \"connect-key-1, connect-key-2\"\ntimeout_secs = \"9\"\n",
        docusign_pem()
    );
    let config = ProviderConfig::from_toml_str(&toml).unwrap();
    assert_eq!(config.provider_name(), "docusign");
    let debug = format!("{config:?}");
    assert!(
        !debug.contains("PRIVATE KEY") && !debug.contains("connect-key"),
        "{debug}"
    );
    assert_eq!(config.build().unwrap().name(), "docusign");

    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("key.pem");
    std::fs::write(&key_file, docusign_pem()).unwrap();
    let file = key_file.to_string_lossy().into_owned();
    let vars: HashMap<&str, &str> = HashMap::from([
        ("SIGNING_PROVIDER", "docusign"),
        ("DOCUSIGN_INTEGRATION_KEY", "ik"),
        ("DOCUSIGN_USER_ID", "user"),
        ("DOCUSIGN_PRIVATE_KEY_FILE", file.as_str()),
        ("DOCUSIGN_ENVIRONMENT", "demo"),
        ("DOCUSIGN_AUTH_URL", "http://127.0.0.1:9"),
        ("DOCUSIGN_HMAC_KEYS", "k1 k2"),
    ]);
    let config = ProviderConfig::from_vars(|name| vars.get(name).map(|v| (*v).to_owned())).unwrap();
    let signing::ProviderConfig::DocuSign(docusign) = &config else {
        panic!("{config:?}");
    };
    assert_eq!(docusign.private_key_file.as_deref(), Some(file.as_str()));
    assert_eq!(docusign.auth_url.as_deref(), Some("http://127.0.0.1:9"));
    config.build().unwrap();

    // Plain http only to this machine; an unknown environment; no key; both keys.
    for (key, value) in [
        ("auth_url", "http://account-d.docusign.com"),
        ("environment", "staging"),
    ] {
        let config = ProviderConfig::from_map([
            ("provider", "docusign"),
            ("integration_key", "ik"),
            ("user_id", "user"),
            ("private_key_file", file.as_str()),
            (key, value),
        ])
        .unwrap();
        assert_eq!(field(&config.build().unwrap_err()), key, "{value}");
    }
    let without_key = ProviderConfig::from_map([
        ("provider", "docusign"),
        ("integration_key", "ik"),
        ("user_id", "user"),
    ])
    .unwrap();
    assert_eq!(field(&without_key.build().unwrap_err()), "private_key_file");
    let both = ProviderConfig::from_map([
        ("provider", "docusign"),
        ("integration_key", "ik"),
        ("user_id", "user"),
        ("private_key_file", file.as_str()),
        ("private_key", docusign_pem()),
    ])
    .unwrap();
    assert_eq!(field(&both.build().unwrap_err()), "private_key");
}

#[test]
fn every_compiled_provider_builds_as_a_trait_object() {
    let configs = [
        ProviderConfig::from_map([
            ("provider", "docusign"),
            ("integration_key", "ik"),
            ("user_id", "user"),
            ("private_key", docusign_pem()),
        ]),
        ProviderConfig::from_map([
            ("provider", "heysign"),
            ("client_id", "id"),
            ("client_secret", "secret"),
        ]),
        ProviderConfig::from_map([("provider", "leap-sign"), ("api_key", "key")]),
        ProviderConfig::from_map([("provider", "memory")]),
    ];
    for config in configs {
        let config = config.unwrap();
        let provider: std::sync::Arc<dyn SigningProvider> = config.build().unwrap();
        assert_eq!(provider.name(), config.provider_name());
    }
}

#[test]
fn names_and_emails_parse() {
    let (name, email) =
        signing::parse_name_email("signer", " Ada Lovelace <ada@example.com> ").unwrap();
    assert_eq!(
        (name.as_str(), email.as_str()),
        ("Ada Lovelace", "ada@example.com")
    );
    for bad in [
        "ada@example.com",
        "<ada@example.com>",
        "Ada <>",
        "Ada ada@example.com>",
    ] {
        let err = signing::parse_name_email("signer", bad).unwrap_err();
        assert_eq!(field(&err), "signer", "{bad}");
    }
}
