//! Replay: a stream of payment events through the engine, in order, each
//! judged at its own time, with a report of what the rules decided and
//! raised. Run against a copy of a database with a changed rules file, it
//! shows what the change would have done on history before it goes live.

use std::collections::BTreeMap;
use std::time::Instant;

use riskdesk_api::payments::{PaymentEvent, RefundRequest};

use crate::engine::{self, EngineError};
use crate::rules_in_force::{RuleSet, Versions};
use crate::store::Store;

/// What a replay did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    pub events: u64,
    pub authorizations: u64,
    /// approve / review / decline.
    pub decisions: BTreeMap<String, u64>,
    /// Declines because the amount was not available.
    pub declined_for_limit: u64,
    /// How often each rule fired, and how many alerts it raised.
    pub hits: BTreeMap<String, u64>,
    pub alerts: BTreeMap<String, u64>,
    pub freezes: u64,
    /// Events the ledger refused, by kind of refusal, with the first message.
    pub refused: BTreeMap<String, (u64, String)>,
    pub millis: u64,
}

impl Report {
    fn refuse(&mut self, kind: &str, message: String) {
        let entry = self.refused.entry(kind.to_owned()).or_insert((0, message));
        entry.0 += 1;
    }
}

/// Feeds `events` through the engine; each is judged one second after it
/// happened (the clock a live service would have had).
pub async fn replay(
    store: &dyn Store,
    rules: &RuleSet,
    events: impl IntoIterator<Item = PaymentEvent>,
) -> anyhow::Result<Report> {
    let started = Instant::now();
    let versions = Versions::live_only(rules.clone());
    let mut report = Report::default();
    for event in events {
        report.events += 1;
        let now = event.occurred_at().timestamp_millis() + 1_000;
        let outcome = match &event {
            PaymentEvent::Authorize(request) => {
                match engine::authorize(store, &versions, request, now).await {
                    Ok(answer) => {
                        let a = answer.body;
                        report.authorizations += 1;
                        *report
                            .decisions
                            .entry(a.decision.as_str().to_owned())
                            .or_default() += 1;
                        report.declined_for_limit += u64::from(
                            a.decline_reason
                                == Some(
                                    riskdesk_domain::transaction::DeclineReason::InsufficientLimit,
                                ),
                        );
                        for hit in &a.rule_hits {
                            *report.hits.entry(hit.rule.as_str().to_owned()).or_default() += 1;
                        }
                        for alert in &a.alerts {
                            *report
                                .alerts
                                .entry(alert.rule.as_str().to_owned())
                                .or_default() += 1;
                        }
                        report.freezes += u64::from(a.freeze.is_some());
                        Ok(())
                    }
                    Err(e) => Err(e),
                }
            }
            PaymentEvent::Settle { order_id, .. } => {
                engine::settle(store, order_id).await.map(drop)
            }
            PaymentEvent::Reverse { order_id, .. } => {
                engine::reverse(store, order_id).await.map(drop)
            }
            PaymentEvent::Refund {
                order_id,
                refund_id,
                amount,
                occurred_at,
            } => {
                let request = RefundRequest {
                    refund_id: refund_id.clone(),
                    amount: *amount,
                    occurred_at: *occurred_at,
                };
                engine::refund(store, order_id, &request, now)
                    .await
                    .map(drop)
            }
            PaymentEvent::Repayment(request) => engine::repay(store, request, now).await.map(drop),
        };
        match outcome {
            Ok(()) => {}
            Err(EngineError::Store(e)) => return Err(e.into()),
            Err(EngineError::Corrupt(e)) => return Err(e),
            Err(EngineError::Invalid(m)) => report.refuse("invalid", m),
            Err(EngineError::NotFound(m)) => report.refuse("not_found", m),
            Err(EngineError::State(m)) => report.refuse("invalid_state", m),
            Err(EngineError::Mismatch(m)) => report.refuse("idempotency_mismatch", m),
        }
    }
    report.millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(report)
}

/// Reads a JSON-lines stream; a malformed line is an error naming it.
pub fn read_events(text: &str) -> anyhow::Result<Vec<PaymentEvent>> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| anyhow::anyhow!("line {}: {e}", i + 1))
        })
        .collect()
}

/// The report as a table for the terminal.
pub fn describe(report: &Report) -> String {
    let mut out = format!(
        "{} events, {} authorizations in {:.1} s ({:.0} events/s)\n",
        report.events,
        report.authorizations,
        report.millis as f64 / 1000.0,
        report.events as f64 * 1000.0 / report.millis.max(1) as f64
    );
    out.push_str("decisions:");
    for (decision, n) in &report.decisions {
        out.push_str(&format!(" {decision} {n}"));
    }
    out.push_str(&format!(
        " (declined for the limit: {}); freezes placed: {}\n",
        report.declined_for_limit, report.freezes
    ));
    out.push_str(&format!("{:<26} {:>8} {:>8}\n", "rule", "hits", "alerts"));
    for (rule, hits) in &report.hits {
        let alerts = report.alerts.get(rule).copied().unwrap_or(0);
        out.push_str(&format!("{rule:<26} {hits:>8} {alerts:>8}\n"));
    }
    for (kind, (n, first)) in &report.refused {
        out.push_str(&format!("refused {kind}: {n} (first: {first})\n"));
    }
    out
}
