//! The Rust blocks of the README and of `docs/` are doctests of this crate, written as an
//! application writes them: every document is compiled, no block is skipped, and no block
//! names a crate an application does not depend on.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every Markdown document under `dir`, as paths relative to the repository root.
fn documents(dir: &Path, found: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("docs/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            documents(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "md") {
            let relative = path.strip_prefix(root()).expect("below the root");
            found.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// The fenced blocks of a document that rustdoc compiles: its info string and its text.
fn rust_blocks(text: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        match &mut open {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    open = Some((info.trim().to_owned(), String::new()));
                }
            }
            Some((info, body)) => {
                if trimmed.starts_with("```") {
                    // rustdoc tests a block with no language, `rust`, or only rustdoc's own
                    // attributes; `sh`, `toml`, `text` and the like are not Rust.
                    let is_rust = info.split(',').all(|word| {
                        matches!(
                            word.trim(),
                            "" | "rust"
                                | "ignore"
                                | "no_run"
                                | "should_panic"
                                | "compile_fail"
                                | "edition2021"
                                | "edition2024"
                        )
                    });
                    if is_rust {
                        blocks.push((info.clone(), std::mem::take(body)));
                    }
                    open = None;
                } else {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
    }
    blocks
}

#[test]
fn every_document_is_compiled_as_doctests_of_the_facade() {
    let lib = std::fs::read_to_string(root().join("crates/signing/src/lib.rs")).unwrap();
    let mut docs = Vec::new();
    documents(&root().join("docs"), &mut docs);
    assert!(docs.len() >= 8, "{docs:?}");
    docs.push("README.md".to_owned());
    for doc in docs {
        let include = format!("include_str!(\"../../../{doc}\")");
        assert!(
            lib.contains(&include),
            "{doc} is not compiled as a doctest: add `#[doc = {include}]` to crates/signing/src/lib.rs"
        );
    }
}

#[test]
fn no_rust_block_is_skipped_or_names_a_crate_an_application_does_not_have() {
    let mut docs = Vec::new();
    documents(&root().join("docs"), &mut docs);
    docs.push("README.md".to_owned());
    let mut rust = 0;
    for doc in docs {
        let text = std::fs::read_to_string(root().join(&doc)).unwrap();
        for (info, body) in rust_blocks(&text) {
            rust += 1;
            assert!(
                !info.contains("ignore"),
                "{doc}: a block marked `{info}` is never compiled"
            );
            for internal in [
                "signing_core::",
                "signing_testkit::",
                "signing_http::",
                "signing_tracker::",
                "futures_util::",
            ] {
                assert!(
                    !body.contains(internal),
                    "{doc}: `{internal}` is not a dependency of an application; use `signing::...`:\n{body}"
                );
            }
        }
    }
    assert!(rust >= 10, "only {rust} Rust blocks found");
}
