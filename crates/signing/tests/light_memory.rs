//! `provider = "memory"` outside tests: the `memory` feature builds the in-memory provider
//! alone, without the emulators (axum, hyper, reqwest), the HTTP layer of the adapters or the
//! mocking library.

use std::process::Command;

#[test]
fn the_memory_feature_builds_no_emulator_http_stack_or_mock() {
    let cargo = std::env::var("CARGO")
        .ok()
        .or_else(|| option_env!("CARGO").map(str::to_owned))
        .unwrap_or_else(|| "cargo".to_owned());
    let output = Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "-p",
            "signing",
            "--no-default-features",
            "--features",
            "memory",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8(output.stdout).expect("UTF-8");
    let has = |name: &str| {
        tree.lines()
            .any(|line| line.starts_with(&format!("{name} v")))
    };
    assert!(
        has("signing-testkit"),
        "the in-memory provider is built:\n{tree}"
    );
    for heavy in [
        "axum",
        "hyper",
        "hyper-util",
        "reqwest",
        "tower",
        "signing-http",
        "mockall",
    ] {
        assert!(!has(heavy), "`memory` builds `{heavy}`:\n{tree}");
    }
}
