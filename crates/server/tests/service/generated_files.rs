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
    table.push_str(RULES_BEYOND_THE_MATRIX);
    check("docs/permissions.md", &table);
}

/// What the service decides by the record as well as the role.
const RULES_BEYOND_THE_MATRIX: &str = "
## Beyond the matrix

The service also decides by the record (`crates/domain`):

- **Four eyes.** The maker of a limit change, a blacklist removal or a
  dispute's refund never decides it. A limit increase above
  `[limit_approval]` needs a manager; a refund above `[dispute_approval]
  single_max` is a proposal another agent (or a manager) approves, and above
  `second_person_max` a manager, each with a fresh TOTP code.
- **Escalation binds.** An escalated alert waits for a role with
  `decide_escalated_alerts` other than whoever escalated it; an escalated
  dispute belongs to the risk team (`decide_escalated_disputes`), never to
  its escalator.
- **The team.** No admin changes their own role, access or authenticator,
  and the last active admin is never disabled or demoted.
- **Payment channel.** `/v1/payments/*` and `/v1/repayments` take a service
  client's key and nothing else; every other route takes an operator's
  session and refuses a key.
- **The live stream.** `/v1/events` sends each operator only the events
  about records their role reads (`EventKind::audience` in
  `crates/domain/src/events.rs`), with ids and states but never personal
  data, and ends when the session does.

`crates/server/tests/service/permissions.rs` calls every route of the
running service with each role, a service client's key and no credential,
against a table of its own.
";
