//! The demo: a generated portfolio in a data directory, opened for serving,
//! and its sign-in sheet. Used by `riskdesk-server demo` and by the
//! console's embedded mode.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use crate::data_key::DataKeys;
use crate::generate::{self, DemoOperator, Params, Summary};
use crate::store::{self, Purpose, Store};

/// The default demo: 20,000 customers over 12 months, seed 7.
pub const CUSTOMERS: u32 = 20_000;
pub const MONTHS: u32 = 12;
pub const SEED: u64 = 7;

/// A demo portfolio whose history ends at the start of the hour holding
/// `now_ms`, so that the demo looks current.
pub fn params(customers: u32, months: u32, seed: u64, now_ms: i64) -> Params {
    Params {
        customers,
        months,
        seed,
        as_of_ms: now_ms - now_ms.rem_euclid(3_600_000),
    }
}

/// The demo database inside `data`.
pub fn database(data: &Path) -> PathBuf {
    data.join("riskdesk.db")
}

/// The demo's audit-signing key, beside its database.
pub fn audit_key(data: &Path) -> PathBuf {
    data.join("audit-signing.key")
}

/// The demo's data key (which seals its secrets and personal data), beside
/// its database: a demo's data is made up, and the directory is the user's own.
pub fn data_key(data: &Path) -> PathBuf {
    data.join("data.key")
}

pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// Opens the demo in `data` for `purpose`, generating it first if there is
/// none. `progress(done, total)` follows the customers generated. Returns the
/// store, the demo operators, and what was generated (if anything was).
pub async fn open_or_generate(
    data: &Path,
    params: Params,
    purpose: Purpose,
    progress: impl Fn(u64, u64),
) -> anyhow::Result<(Arc<dyn Store>, Vec<DemoOperator>, Option<Summary>)> {
    let db = database(data);
    std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
    let keys = DataKeys::load_or_create(&data_key(data), None)?;
    let summary = if db.exists() {
        None
    } else {
        Some(generate_into(data, &db, params, &keys, progress).await?)
    };
    let store = store::open_for(&sqlite_url(&db), purpose, &keys).await?;
    let seed: u64 = store
        .meta("seed")
        .await?
        .with_context(|| format!("{} has no demo seed; delete it to regenerate", db.display()))?
        .parse()?;
    Ok((store, generate::demo_operators(seed), summary))
}

/// Generates into a temporary file and renames it into place, so that an
/// interrupted run never leaves a half-written demo behind.
async fn generate_into(
    data: &Path,
    db: &Path,
    params: Params,
    keys: &DataKeys,
    progress: impl Fn(u64, u64),
) -> anyhow::Result<Summary> {
    let partial = data.join("riskdesk.db.partial");
    for stale in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{stale}", partial.display()));
    }
    let store = store::open_for(&sqlite_url(&partial), Purpose::BulkLoad, keys).await?;
    let total = u64::from(params.customers);
    let summary = generate::generate(store.as_ref(), params, |done| progress(done, total)).await?;
    // The file is complete only once every connection has closed.
    store.close().await;
    std::fs::rename(&partial, db)
        .with_context(|| format!("moving the demo into {}", db.display()))?;
    Ok(summary)
}

/// The demo's sign-in sheet as one JSON line, with the service's URL when
/// it is serving. These are demo credentials, generated from the seed,
/// printed on purpose; real operators' secrets are never printed.
pub fn sign_in_sheet(url: Option<&str>, operators: &[DemoOperator]) -> serde_json::Value {
    serde_json::json!({
        "url": url,
        "operators": operators.iter().map(|o| serde_json::json!({
            "id": o.id,
            "name": o.display_name,
            "role": o.role.as_str(),
            "password": o.password,
            "totp_secret": o.totp_secret,
        })).collect::<Vec<_>>(),
    })
}

/// How to sign in to the demo, for people or (`json`) for scripts.
pub fn print_sign_in(url: &str, operators: &[DemoOperator], json: bool) {
    if json {
        println!("{}", sign_in_sheet(Some(url), operators));
        return;
    }
    println!("RiskDesk demo service: {url}");
    println!(
        "Demo operators (password, then a TOTP code from the secret in any authenticator app):"
    );
    for o in operators {
        println!(
            "  {:<14} {:<13} password {}  TOTP secret {}",
            o.id,
            o.role.as_str(),
            o.password,
            o.totp_secret
        );
    }
    println!("Stop with Ctrl-C.");
}
