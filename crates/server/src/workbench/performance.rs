//! What each rule did, by the version of the rules that decided, over the
//! last days: hits, alerts raised, decisions it tipped, the team's
//! dispositions of its alerts and its precision, with the amounts at stake
//! — read from the payments as recorded (the rules that fired, the version)
//! and their alerts, so that a publish's effect shows as a new version's rows.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

use chrono::NaiveDate;
use riskdesk_api::rules::{RuleDayRecord, RuleRecordView};
use riskdesk_domain::alert::{Disposition, Rule, RuleHit};
use riskdesk_domain::billing::business_date;
use riskdesk_domain::metrics::share_bp;
use riskdesk_domain::money::Money;
use riskdesk_domain::rules::{self, Rules};

use super::rules_of;
use crate::clock::utc;
use crate::store::{PastRow, RaisedRow, Store};

/// Each rule's record over a window of payments.
#[derive(Debug)]
pub struct Record {
    /// By version, newest first, and rule.
    pub rows: Vec<RuleRecordView>,
    /// By business day, oldest first, version and rule.
    pub daily: Vec<RuleDayRecord>,
    /// Purchases read.
    pub payments: u64,
}

/// Each rule's record by version over the payments from `from` until `to`.
pub async fn record(store: &dyn Store, from: i64, to: i64) -> anyhow::Result<Record> {
    let payments: Vec<PastRow> = store
        .transactions_between(from, to)
        .await?
        .into_iter()
        .filter(|t| t.kind == "purchase")
        .collect();
    let alerts = store.alerts_since(from).await?;
    let mut versions: HashMap<i64, Rules> = HashMap::new();
    for version in payments.iter().filter_map(|t| t.rules_version) {
        if let std::collections::hash_map::Entry::Vacant(entry) = versions.entry(version) {
            entry.insert(rules_of(store, version).await?);
        }
    }
    let (rows, daily) = tally(&payments, &alerts, &versions)?;
    Ok(Record {
        rows,
        daily,
        payments: payments.len() as u64,
    })
}

/// The record from payments and their alerts, by version and by day;
/// payments decided before versions are judged by the shipped rules' weights.
fn tally(
    payments: &[PastRow],
    alerts: &[RaisedRow],
    versions: &HashMap<i64, Rules>,
) -> anyhow::Result<(Vec<RuleRecordView>, Vec<RuleDayRecord>)> {
    let shipped = Rules::builtin();
    let paid: HashMap<i64, &PastRow> = payments.iter().map(|t| (t.id, t)).collect();
    let mut rows: Rows = BTreeMap::new();
    let mut daily: BTreeMap<(NaiveDate, Option<i64>, Rule), RuleDayRecord> = BTreeMap::new();
    for t in payments {
        let Some(json) = &t.rule_hits else { continue };
        let hits: Vec<RuleHit> = serde_json::from_str(json)
            .map_err(|_| anyhow::anyhow!("transaction {}: bad rule hits", t.id))?;
        let rules = t
            .rules_version
            .and_then(|v| versions.get(&v))
            .unwrap_or(&shipped);
        let decided = rules::decide(rules, &hits);
        let amount = money(t.amount_fen)?;
        for hit in &hits {
            let without: Vec<RuleHit> = hits
                .iter()
                .filter(|h| h.rule != hit.rule)
                .cloned()
                .collect();
            let row = entry(&mut rows, t.rules_version, hit.rule);
            row.hits += 1;
            row.amount = row.amount.checked_add(amount).unwrap_or(row.amount);
            row.tipped += u64::from(rules::decide(rules, &without) != decided);
        }
    }
    for alert in alerts {
        let Some(t) = paid.get(&alert.transaction_id) else {
            continue;
        };
        let (version, day) = (t.rules_version, business_date(utc(t.occurred_at)));
        let rule = Rule::from_str(&alert.rule)
            .map_err(|_| anyhow::anyhow!("alert on {}: bad rule", alert.transaction_id))?;
        let row = entry(&mut rows, version, rule);
        let on_day = daily
            .entry((day, version, rule))
            .or_insert_with(|| RuleDayRecord {
                day,
                version,
                rule,
                alerts: 0,
                closed: 0,
                confirmed_fraud: 0,
            });
        row.alerts += 1;
        on_day.alerts += 1;
        let disposition = match alert.disposition.as_deref().map(Disposition::from_str) {
            None => continue,
            Some(Ok(disposition)) => disposition,
            Some(Err(_)) => anyhow::bail!("alert on {}: bad disposition", alert.transaction_id),
        };
        on_day.closed += 1;
        match disposition {
            Disposition::ConfirmedFraud => {
                row.confirmed_fraud += 1;
                on_day.confirmed_fraud += 1;
                row.fraud_amount = row
                    .fraud_amount
                    .checked_add(money(t.amount_fen)?)
                    .unwrap_or(row.fraud_amount);
            }
            Disposition::FalsePositive => row.false_positive += 1,
            Disposition::Benign => row.benign += 1,
        }
    }
    let rows = rows
        .into_values()
        .map(|mut row| {
            let closed = row.confirmed_fraud + row.false_positive + row.benign;
            row.precision_bp = (closed > 0).then(|| share_bp(row.confirmed_fraud, closed));
            row
        })
        .collect();
    Ok((rows, daily.into_values().collect()))
}

/// The rows by version (newest first, before versions last) and rule.
type Rows = BTreeMap<(Reverse<Option<i64>>, Rule), RuleRecordView>;

fn entry(rows: &mut Rows, version: Option<i64>, rule: Rule) -> &mut RuleRecordView {
    rows.entry((Reverse(version), rule))
        .or_insert_with(|| RuleRecordView {
            version,
            rule,
            hits: 0,
            amount: Money::ZERO,
            alerts: 0,
            tipped: 0,
            confirmed_fraud: 0,
            false_positive: 0,
            benign: 0,
            precision_bp: None,
            fraud_amount: Money::ZERO,
        })
}

fn money(fen: i64) -> anyhow::Result<Money> {
    Money::from_fen(fen).map_err(|e| anyhow::anyhow!("amount {fen}: {e}"))
}
