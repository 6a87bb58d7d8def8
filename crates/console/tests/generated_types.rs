//! The TypeScript the UI reads from Rust — the types of the IPC boundary and
//! the vocabulary's words — is generated and committed; this fails when it
//! is stale. `cargo xtask codegen` rewrites it.

use std::path::PathBuf;

fn fresh(relative: &str, expected: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative);
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::write(&path, expected).expect("writing the generated file");
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "{relative} is stale: run `cargo xtask codegen` and commit it"
    );
}

#[test]
fn generated_files_typescript_types_are_fresh() {
    fresh(
        "ui/src/lib/generated/types.ts",
        &riskdesk_console::ipc::typescript(),
    );
}

#[test]
fn generated_files_words_are_fresh() {
    fresh(
        "ui/src/lib/generated/words.ts",
        &riskdesk_console::ipc::words(),
    );
}
