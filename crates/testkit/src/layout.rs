//! The shape of a crate's source: which of its modules import which, so a test can keep an
//! adapter's layers one-way (no import cycles).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The adapter skeleton of `docs/architecture.md` ("Adding a provider"): each module and the
/// modules it may import from, lowest first.
pub const SKELETON: [(&str, &[&str]); 8] = [
    ("wire", &[]),
    ("error", &["wire"]),
    ("auth", &["wire", "error"]),
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

/// The crate-internal imports of each top-level module of the crate whose `src` is `src_dir`:
/// module name to the modules it names through `crate::<module>` or `crate::{<module>, ...}`.
/// Comment lines (doc links among them) are not imports. The crate root (`lib.rs`), which only
/// declares and re-exports, is left out.
///
/// # Panics
///
/// If the directory cannot be read.
pub fn module_imports(src_dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    collect_files(src_dir, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in files {
        let relative = path.strip_prefix(src_dir).expect("below src");
        let module = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .map(|name| name.trim_end_matches(".rs").to_owned())
            .unwrap_or_default();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let code: String = text
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let imports = graph.entry(module.clone()).or_default();
        for name in imported_modules(&code) {
            if name != module {
                imports.insert(name);
            }
        }
    }
    graph
}

/// The modules `code` names below `crate::`.
fn imported_modules(code: &str) -> BTreeSet<String> {
    let is_module = |name: &str| name.chars().next().is_some_and(char::is_lowercase);
    let mut found = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for part in group.split(',') {
                let name = part.trim().split("::").next().unwrap_or_default();
                if is_module(name) {
                    found.insert(name.to_owned());
                }
            }
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if is_module(&name) {
            found.insert(name);
        }
    }
    found
}

fn collect_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The lines of the crate whose `src` is `src_dir` that format a URL path from strings (a
/// `format!` whose literal holds `/{`), as `file:line: text`. Adapters build paths from
/// encoded segments only. A file's unit tests (from its `#[cfg(test)]` line on) are not
/// searched: expected values there are not requests.
///
/// # Panics
///
/// If the directory cannot be read.
pub fn formatted_paths(src_dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    collect_files(src_dir, &mut files);
    let mut found = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let code = text
            .lines()
            .take_while(|line| line.trim() != "#[cfg(test)]");
        for (number, line) in code.enumerate() {
            let Some(start) = line.find("format!(\"") else {
                continue;
            };
            let literal = &line[start + "format!(\"".len()..];
            let literal = literal.split('"').next().unwrap_or_default();
            if literal.contains("/{") {
                found.push(format!(
                    "{}:{}: {}",
                    path.display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    found
}

/// Checks an adapter's source against the skeleton's rules: each module of [`SKELETON`] imports
/// only the modules below it, no import cycle exists (modules outside the skeleton included),
/// and no URL path is formatted from strings.
///
/// # Panics
///
/// With the import out of place, the cycle or the offending lines.
pub fn assert_adapter_layout(src_dir: &Path) {
    let graph = module_imports(src_dir);
    assert!(
        graph.contains_key("client") && graph.contains_key("provider"),
        "an adapter has `client` and `provider` modules: {graph:?}"
    );
    for (module, allowed) in SKELETON {
        for imported in graph.get(module).into_iter().flatten() {
            let in_skeleton = SKELETON.iter().any(|(m, _)| m == imported);
            assert!(
                allowed.contains(&imported.as_str()) || !in_skeleton,
                "`{module}` imports `{imported}`, which is not below it in the adapter skeleton"
            );
        }
    }
    assert_eq!(find_cycle(&graph), None, "{graph:#?}");
    assert_eq!(formatted_paths(src_dir), Vec::<String>::new());
}

/// An import cycle among the modules of `graph`, as the modules along it, if there is one.
pub fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let start = path.iter().position(|n| n == node).unwrap_or(0);
                let mut cycle = path[start..].to_vec();
                cycle.push(node.to_owned());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(node.to_owned(), Mark::Open);
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, marks, path) {
                return Some(cycle);
            }
        }
        path.pop();
        marks.insert(node.to_owned(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, graph, &mut marks, &mut Vec::new()) {
            return Some(cycle);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &str)]) -> BTreeMap<String, BTreeSet<String>> {
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, to) in edges {
            graph
                .entry((*from).to_owned())
                .or_default()
                .insert((*to).to_owned());
            graph.entry((*to).to_owned()).or_default();
        }
        graph
    }

    #[test]
    fn cycles_are_found_and_layers_pass() {
        let layered = graph(&[
            ("provider", "client"),
            ("client", "wire"),
            ("provider", "wire"),
        ]);
        assert_eq!(find_cycle(&layered), None);
        let cyclic = graph(&[("auth", "http"), ("http", "auth"), ("client", "http")]);
        let cycle = find_cycle(&cyclic).unwrap();
        assert_eq!(cycle.first(), cycle.last());
        assert!(cycle.contains(&"auth".to_owned()) && cycle.contains(&"http".to_owned()));
    }

    #[test]
    fn formatted_paths_are_found() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("client.rs"),
            "let a = format!(\"{base}/v1/{id}\");\nlet b = format!(\"metadata[{key}]\");\n",
        )
        .unwrap();
        let found = formatted_paths(dir.path());
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].ends_with("client.rs:1: let a = format!(\"{base}/v1/{id}\");"));
    }

    #[test]
    fn imports_are_read_from_paths_and_groups_not_comments() {
        let found = imported_modules(
            "use crate::wire::X;\nuse crate::{error::P, mapping, Thing};\nlet _ = crate::client::Y;",
        );
        assert_eq!(
            found.into_iter().collect::<Vec<_>>(),
            ["client", "error", "mapping", "wire"]
        );
    }

    #[test]
    fn the_skeleton_is_the_one_the_architecture_doc_shows() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let doc = crate::doc_table::read_doc(&root, "docs/architecture.md");
        let rows = crate::doc_table::table_after(&doc, Some("## Adding a provider"))
            .expect("the skeleton's table");
        let documented: Vec<(String, BTreeSet<String>)> = rows
            .iter()
            .map(|row| {
                let file = row["file"]
                    .trim_matches('`')
                    .trim_end_matches(".rs")
                    .to_owned();
                let imports = row["imports from"]
                    .split(',')
                    .map(|m| m.trim().trim_matches('`').to_owned())
                    .filter(|m| !m.is_empty() && !m.contains(' ') && !m.starts_with('('))
                    .collect();
                (file, imports)
            })
            .collect();
        let skeleton: Vec<(String, BTreeSet<String>)> = SKELETON
            .iter()
            .map(|(m, allowed)| {
                (
                    (*m).to_owned(),
                    allowed.iter().map(|a| (*a).to_owned()).collect(),
                )
            })
            .collect();
        assert_eq!(documented, skeleton);
    }

    #[test]
    fn this_crate_is_read() {
        let imports = module_imports(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
        assert!(imports.contains_key("layout"));
        assert!(imports.contains_key("memory"));
    }
}
