//! The adapter's source keeps the skeleton's rules: modules import one way, and no URL path is
//! formatted from strings (paths are encoded segments below a base URL).

#[test]
fn the_source_follows_the_adapter_skeleton() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    signing_testkit::layout::assert_adapter_layout(&src);
}
