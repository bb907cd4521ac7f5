//! The modules import one way, lowest first, as `docs/architecture.md` lays an adapter out:
//! `wire` < `error` < `auth` < `client` < `mapping` < `webhook` < `provider` < `config`, each
//! importing only what its row of the table allows. A reference to `crate::<module>` in a
//! module's source counts as an import.

use std::collections::BTreeSet;

/// Each module and the modules it may import from.
const ALLOWED: [(&str, &[&str]); 8] = [
    ("wire", &[]),
    ("error", &["wire"]),
    ("auth", &["wire"]),
    ("client", &["wire", "error", "auth"]),
    ("mapping", &["wire", "error"]),
    ("webhook", &["wire", "error", "mapping"]),
    (
        "provider",
        &["wire", "error", "auth", "client", "mapping", "webhook"],
    ),
    (
        "config",
        &[
            "wire", "error", "auth", "client", "mapping", "webhook", "provider",
        ],
    ),
];

fn imports(source: &str) -> BTreeSet<String> {
    let modules: Vec<&str> = ALLOWED.iter().map(|(name, _)| *name).collect();
    let mut found = BTreeSet::new();
    for (i, _) in source.match_indices("crate::") {
        let rest = &source[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if modules.contains(&name.as_str()) {
            found.insert(name);
        }
    }
    // `use crate::{a, b::C}` lists several.
    for (i, _) in source.match_indices("crate::{") {
        let rest = &source[i + "crate::{".len()..];
        let group = &rest[..rest.find('}').unwrap_or(rest.len())];
        for part in group.split(',') {
            let name = part.trim().split("::").next().unwrap_or_default();
            if modules.contains(&name) {
                found.insert(name.to_owned());
            }
        }
    }
    found
}

#[test]
fn modules_import_one_way() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    for (module, allowed) in ALLOWED {
        let source = std::fs::read_to_string(format!("{dir}/{module}.rs")).unwrap();
        // Doc links (`[x](crate::client::Foo)`) are not imports.
        let code: String = source
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for imported in imports(&code) {
            assert!(
                imported == module || allowed.contains(&imported.as_str()),
                "`{module}` imports `{imported}`, which is not below it"
            );
        }
    }
}

#[test]
fn the_checker_sees_imports() {
    let found =
        imports("use crate::wire::X;\nuse crate::{error::P, mapping};\nlet _ = crate::client::Y;");
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        ["client", "error", "mapping", "wire"]
    );
}
