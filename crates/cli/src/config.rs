//! Choosing the provider: `--provider`, `--config <file.toml>`, `--set key=value`, or the
//! environment variables the adapters read.
//!
//! Every source becomes one map of `ProviderConfig` keys, so precedence is a matter of which
//! source writes last: the environment (or, with `--config`, the file instead), then
//! `--provider`, then each `--set`, `--set-env` and `--set-file`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use signing::{ENV_PROVIDER, Error, ErrorKind, ProviderConfig, SigningProvider, env_keys};

use crate::args::ProviderArgs;

/// The providers the tool is built with.
pub(crate) const PROVIDERS: [&str; 4] = ["docusign", "heysign", "leap-sign", "memory"];

/// Builds the provider the arguments and the process environment select.
pub(crate) fn provider(args: &ProviderArgs) -> Result<Arc<dyn SigningProvider>, Error> {
    resolve(args, |name| std::env::var(name).ok())?.build()
}

/// The configuration the arguments select, reading environment variables through `var`.
pub(crate) fn resolve(
    args: &ProviderArgs,
    var: impl Fn(&str) -> Option<String>,
) -> Result<ProviderConfig, Error> {
    let from_env = args.config.is_none();
    let mut map = match &args.config {
        Some(path) => read_toml(path)?,
        None => BTreeMap::new(),
    };
    if from_env && let Some(provider) = var(ENV_PROVIDER).filter(|p| !p.trim().is_empty()) {
        map.insert("provider".to_owned(), provider);
    }
    if let Some(provider) = &args.provider {
        map.insert("provider".to_owned(), provider.clone());
    }
    let provider = match map.get("provider") {
        Some(provider) => provider.trim().to_owned(),
        None => {
            return Err(Error::invalid_request(
                "provider",
                format!(
                    "no provider chosen: pass --provider, set {ENV_PROVIDER}, or put `provider = \"...\"` in the --config file ({})",
                    PROVIDERS.join(", ")
                ),
            ));
        }
    };
    if !PROVIDERS.contains(&provider.as_str()) {
        return Err(Error::invalid_request(
            "provider",
            format!(
                "`{provider}` is not a provider; choose {}",
                PROVIDERS.join(", ")
            ),
        ));
    }
    map.insert("provider".to_owned(), provider.clone());
    if from_env {
        for (key, name) in env_keys(&provider) {
            if let Some(value) = var(name).filter(|v| !v.trim().is_empty()) {
                map.insert((*key).to_owned(), value);
            }
        }
    }
    for (key, value) in &args.overrides {
        map.insert(key.clone(), value.clone());
    }
    for (key, name) in &args.env_overrides {
        let value = var(name).ok_or_else(|| {
            Error::invalid_request(
                "--set-env",
                format!("`{key}`: the environment variable `{name}` is not set"),
            )
        })?;
        map.insert(key.clone(), value);
    }
    for (key, path) in &args.file_overrides {
        map.insert(key.clone(), read_value(key, Path::new(path))?);
    }
    ProviderConfig::from_map(map).map_err(|err| explain(err, &provider, from_env))
}

/// Names where a missing or wrong key comes from, so the fix is obvious.
fn explain(err: Error, provider: &str, from_env: bool) -> Error {
    let ErrorKind::InvalidRequest { reason, .. } = err.kind() else {
        return err;
    };
    let mut reason = reason.clone();
    if from_env {
        for (key, name) in env_keys(provider) {
            reason = reason.replace(&format!("`{key}`"), &format!("`{key}` ({name})"));
        }
    }
    Error::invalid_request(
        "config",
        format!("{provider}: {reason} (set a key with --set KEY=VALUE)"),
    )
}

/// The contents of a `--set-file` file, without the newline editors add at the end. Neither the
/// contents nor a part of them ever reach a message.
fn read_value(key: &str, path: &Path) -> Result<String, Error> {
    let mut text = std::fs::read_to_string(path).map_err(|e| {
        Error::invalid_request(
            "--set-file",
            format!("`{key}`: cannot read `{}`: {}", path.display(), e.kind()),
        )
    })?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(text)
}

/// Reads a TOML file into string keys and values, as `ProviderConfig::from_map` takes them.
fn read_toml(path: &Path) -> Result<BTreeMap<String, String>, Error> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::invalid_request("--config", format!("cannot read `{shown}`: {e}")))?;
    let table: toml::Table = toml::from_str(&text)
        .map_err(|e| Error::invalid_request("--config", format!("`{shown}`: {}", e.message())))?;
    table
        .into_iter()
        .map(|(key, value)| {
            let text = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(n) => n.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                _ => {
                    return Err(Error::invalid_request(
                        "--config",
                        format!("`{shown}`: `{key}` must be a string, a whole number or a boolean"),
                    ));
                }
            };
            Ok((key, text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use signing::ExposeSecret;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn args(provider: Option<&str>, overrides: &[(&str, &str)]) -> ProviderArgs {
        ProviderArgs {
            provider: provider.map(str::to_owned),
            config: None,
            overrides: overrides
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..ProviderArgs::default()
        }
    }

    fn debug(config: &ProviderConfig) -> String {
        format!("{config:?}")
    }

    const HEYSIGN_ENV: &[(&str, &str)] = &[
        ("SIGNING_PROVIDER", "heysign"),
        ("HEYSIGN_CLIENT_ID", "env-id"),
        ("HEYSIGN_CLIENT_SECRET", "env-secret"),
        ("HEYSIGN_ISSUER", "Env AB"),
    ];

    #[test]
    fn the_environment_is_the_default() {
        let config = resolve(&args(None, &[]), vars(HEYSIGN_ENV)).unwrap();
        assert_eq!(config.provider_name(), "heysign");
        assert!(debug(&config).contains("env-id"));
        assert!(!debug(&config).contains("env-secret"));
    }

    #[test]
    fn flags_override_the_environment() {
        let config = resolve(
            &args(None, &[("issuer", "Flag AB"), ("timeout_secs", "5")]),
            vars(HEYSIGN_ENV),
        )
        .unwrap();
        let shown = debug(&config);
        assert!(
            shown.contains("Flag AB") && shown.contains("Some(5)"),
            "{shown}"
        );

        let config = resolve(&args(Some("memory"), &[]), vars(HEYSIGN_ENV)).unwrap();
        assert_eq!(config.provider_name(), "memory");
    }

    #[test]
    fn mistakes_name_their_source() {
        let err = resolve(&args(None, &[]), vars(&[])).unwrap_err();
        assert!(err.to_string().contains("no provider chosen"), "{err}");

        let err = resolve(&args(Some("adobe-sign"), &[]), vars(&[])).unwrap_err();
        assert!(
            err.to_string().contains("`adobe-sign` is not a provider"),
            "{err}"
        );

        let err = resolve(&args(Some("docusign"), &[]), vars(&[])).unwrap_err();
        assert!(
            err.to_string().contains("DOCUSIGN_INTEGRATION_KEY"),
            "{err}"
        );

        let err = resolve(&args(Some("heysign"), &[]), vars(&[])).unwrap_err();
        assert!(err.to_string().contains("HEYSIGN_CLIENT_ID"), "{err}");

        let err = resolve(&args(Some("memory"), &[("colour", "blue")]), vars(&[])).unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
    }

    #[test]
    fn secrets_can_come_from_a_file_or_a_variable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("client_secret");
        std::fs::write(&path, "from-the-file\r\n").unwrap();
        let from = |file: &str, env: &[(&str, &str)]| ProviderArgs {
            file_overrides: vec![("client_secret".to_owned(), file.to_owned())],
            env_overrides: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..args(
                Some("heysign"),
                &[("client_id", "id"), ("issuer", "Acme AB")],
            )
        };

        // The file's contents, without the line end, reach the configuration, and win over
        // the variable naming the same key.
        let config = resolve(
            &from(
                path.to_str().unwrap(),
                &[("client_secret", "CUSTOM_SECRET")],
            ),
            vars(&[("CUSTOM_SECRET", "from-the-variable")]),
        )
        .unwrap();
        let ProviderConfig::HeySign(heysign) = &config else {
            panic!("heysign")
        };
        assert_eq!(heysign.client_secret.expose_secret(), "from-the-file");
        assert!(!format!("{config:?}").contains("from-the-file"));

        let config = resolve(
            &ProviderArgs {
                file_overrides: Vec::new(),
                ..from("", &[("client_secret", "CUSTOM_SECRET")])
            },
            vars(&[("CUSTOM_SECRET", "from-the-variable")]),
        )
        .unwrap();
        let ProviderConfig::HeySign(heysign) = &config else {
            panic!("heysign")
        };
        assert_eq!(heysign.client_secret.expose_secret(), "from-the-variable");

        let err = resolve(&from("/nonexistent/secret", &[]), vars(&[])).unwrap_err();
        assert!(err.to_string().contains("cannot read"), "{err}");
        let err = resolve(
            &ProviderArgs {
                file_overrides: Vec::new(),
                ..from("", &[("client_secret", "MISSING")])
            },
            vars(&[]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("`MISSING` is not set"), "{err}");
    }

    #[test]
    fn a_config_file_replaces_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("signing.toml");
        std::fs::write(
            &path,
            "provider = \"leap-sign\"\napi_key = \"file-key\"\ntimeout_secs = 7\n",
        )
        .unwrap();
        let with_file = |provider: Option<&str>, overrides: &[(&str, &str)]| ProviderArgs {
            config: Some(path.clone()),
            ..args(provider, overrides)
        };

        let config = resolve(&with_file(None, &[]), vars(HEYSIGN_ENV)).unwrap();
        assert_eq!(config.provider_name(), "leap-sign");
        assert!(debug(&config).contains("Some(7)"));

        let config = resolve(
            &with_file(None, &[("default_owner", "Olga <olga@example.com>")]),
            vars(&[]),
        )
        .unwrap();
        assert!(debug(&config).contains("olga@example.com"));

        std::fs::write(&path, "provider = \"memory\"\nlist = [1, 2]\n").unwrap();
        let err = resolve(&with_file(None, &[]), vars(&[])).unwrap_err();
        assert!(err.to_string().contains("`list` must be"), "{err}");

        std::fs::write(&path, "provider = \n").unwrap();
        assert!(resolve(&with_file(None, &[]), vars(&[])).is_err());

        dir.close().unwrap();
        let err = resolve(&with_file(None, &[]), vars(&[])).unwrap_err();
        assert!(err.to_string().contains("cannot read"), "{err}");
    }
}
