//! The rule workbench's reads beside the live rules: a version backtested
//! on recorded payments (`backtest`, a job), judged in shadow on payments
//! as they arrive (`shadow`), and what each rule did by version
//! (`performance`). All read the team's labels the same way, and the two
//! that read weeks of history do it behind the payments
//! ([`behind_payments`]).

pub mod backtest;
pub mod performance;
pub mod shadow;

use std::collections::HashMap;
use std::str::FromStr;

use riskdesk_domain::alert::Disposition;
use riskdesk_domain::backtest::strongest;
use riskdesk_domain::rules::Rules;

use crate::rules_in_force::RuleSet;
use crate::store::{RaisedRow, Store};

/// Each payment's label from its closed alerts (the strongest, when
/// several): what the team found it to be.
pub fn labels(alerts: &[RaisedRow]) -> anyhow::Result<HashMap<i64, Disposition>> {
    let mut labels = HashMap::new();
    for alert in alerts {
        let Some(disposition) = &alert.disposition else {
            continue;
        };
        let label = Disposition::from_str(disposition)
            .map_err(|_| anyhow::anyhow!("alert disposition {disposition:?} is not a label"))?;
        let was = labels.get(&alert.transaction_id).copied();
        labels.insert(alert.transaction_id, strongest(was, label));
    }
    Ok(labels)
}

/// The nice value of the threads that read and judge weeks of history.
/// (The idle scheduling class instead, measured: no better for payments'
/// p99 at 300/s, and a backtest under saturation starved, 8 s → 23 s.)
const NICENESS: i32 = 10;

/// Runs `work` on a thread of its own at a lower priority than the
/// service's, with `runtime` to wait on the store: on SQLite the store's
/// background connection is opened by such a thread, so that SQLite's own
/// worker thread inherits the priority too (docs/benchmarks.md,
/// "Backtests").
pub async fn behind_payments<T: Send + 'static>(
    name: &str,
    work: impl FnOnce(&tokio::runtime::Handle) -> T + Send + 'static,
) -> anyhow::Result<T> {
    let runtime = tokio::runtime::Handle::current();
    let (sender, receiver) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            lower_priority();
            let _ = sender.send(work(&runtime));
        })?;
    Ok(receiver.await?)
}

/// Puts the calling thread behind the service's own (Linux: its nice
/// value; on a thread id it applies to that thread alone, and to the
/// threads it starts).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), NICENESS) {
        tracing::warn!(error = %e, "the history is read at the service's priority");
    }
}

/// A stored version's rules.
pub async fn rules_of(store: &dyn Store, version: i64) -> anyhow::Result<Rules> {
    let row = store
        .rule_set(version)
        .await?
        .ok_or_else(|| anyhow::anyhow!("rules version {version} is missing"))?;
    Ok(RuleSet::from_row(&row)?.rules)
}
