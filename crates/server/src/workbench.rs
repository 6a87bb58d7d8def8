//! The rule workbench's reads beside the live rules: a version backtested
//! on recorded payments (`backtest`, a job), judged in shadow on payments
//! as they arrive (`shadow`), and what each rule did by version
//! (`performance`). All read the team's labels the same way.

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

/// A stored version's rules.
pub async fn rules_of(store: &dyn Store, version: i64) -> anyhow::Result<Rules> {
    let row = store
        .rule_set(version)
        .await?
        .ok_or_else(|| anyhow::anyhow!("rules version {version} is missing"))?;
    Ok(RuleSet::from_row(&row)?.rules)
}
