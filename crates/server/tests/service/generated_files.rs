//! Files generated from the code and committed: they must match the code.
//! `cargo xtask codegen` rewrites them.

use std::path::PathBuf;

use riskdesk_domain::operator::{Permission, Role};
use strum::IntoEnumIterator;

fn check(relative: &str, expected: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative);
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::write(&path, expected).expect("writing a generated file");
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "{relative} is stale: run `cargo xtask codegen` and commit it"
    );
}

#[test]
fn generated_files_are_fresh() {
    let openapi = riskdesk_server::http::openapi()
        .to_pretty_json()
        .expect("OpenAPI as JSON");
    check("docs/openapi.json", &format!("{openapi}\n"));

    let roles: Vec<Role> = Role::iter().collect();
    let mut table = String::from(
        "# Permission matrix\n\nGenerated from `Role::can` in `crates/domain/src/operator.rs` by \
         `cargo xtask codegen`; the service enforces it on every endpoint.\n\n| permission |",
    );
    for role in &roles {
        table.push_str(&format!(" {} |", role.as_str()));
    }
    table.push_str("\n|---|");
    table.push_str(&"---|".repeat(roles.len()));
    table.push('\n');
    for permission in Permission::iter() {
        table.push_str(&format!("| {} |", permission.as_str()));
        for role in &roles {
            table.push_str(if role.can(permission) { " ✓ |" } else { " |" });
        }
        table.push('\n');
    }
    check("docs/permissions.md", &table);
}
