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
    let err = ProviderConfig::from_toml_str("provider = \"docusign\"").unwrap_err();
    assert!(err.to_string().contains("docusign"), "{err}");
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

#[test]
fn every_compiled_provider_builds_as_a_trait_object() {
    let configs = [
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
