//! The adapter's source keeps the skeleton's rules: modules import one way, and no URL path is
//! formatted from strings (paths are encoded segments below a base URL).

use std::path::Path;

use signing_testkit::layout::{find_cycle, formatted_paths, module_imports};

fn src() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn modules_import_one_way() {
    let graph = module_imports(&src());
    assert!(graph.contains_key("client") && graph.contains_key("provider"));
    assert_eq!(find_cycle(&graph), None, "{graph:#?}");
}

#[test]
fn no_url_path_is_formatted_from_strings() {
    assert_eq!(formatted_paths(&src()), Vec::<String>::new());
}
