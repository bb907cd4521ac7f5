//! The adapter's source keeps the skeleton's rules (`docs/architecture.md`): modules import one
//! way, lowest first, and no URL path is formatted from strings.

#[test]
fn the_source_follows_the_adapter_skeleton() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    signing_testkit::layout::assert_adapter_layout(&src);
}
