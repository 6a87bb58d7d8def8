//! The TypeScript types of the IPC boundary are generated from the Rust types
//! and committed; this fails when they are stale. `cargo xtask codegen`
//! rewrites them.

use std::path::PathBuf;

#[test]
fn generated_files_typescript_types_are_fresh() {
    let relative = "ui/src/lib/generated/types.ts";
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative);
    let expected = riskdesk_console::ipc::typescript();
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::write(&path, expected).expect("writing the generated types");
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "{relative} is stale: run `cargo xtask codegen` and commit it"
    );
}
