//! The shadow's comparison: the payments a version in shadow judged beside
//! the live rules, read back as the same comparison a backtest makes — the
//! live verdict from the rules that fired and the version that decided,
//! the shadow's as recorded, the team's labels as they are now.

use std::collections::HashMap;
use std::str::FromStr;

use riskdesk_domain::alert::{Rule, RuleHit};
use riskdesk_domain::backtest::{Compared, Comparison, Judged};
use riskdesk_domain::money::Money;
use riskdesk_domain::rules::{self, Rules};
use riskdesk_domain::transaction::Decision;

use super::rules_of;
use crate::clock::utc;
use crate::store::Store;

/// Version `version`'s comparison with the live rules on every payment it
/// judged in shadow; `None` if it never did.
pub async fn comparison(store: &dyn Store, version: i64) -> anyhow::Result<Option<Comparison>> {
    let payments = store.shadowed_by(version).await?;
    let Some(first) = payments.first() else {
        return Ok(None);
    };
    let labels = super::labels(&store.alerts_since(first.occurred_at).await?)?;
    let shadow = rules_of(store, version).await?;
    let mut live_rules: HashMap<i64, Rules> = HashMap::new();
    let mut comparison = Comparison::new();
    for t in &payments {
        let corrupt = |what: &str| anyhow::anyhow!("transaction {}: bad {what}", t.id);
        let live_version = t.rules_version.ok_or_else(|| corrupt("rules version"))?;
        if let std::collections::hash_map::Entry::Vacant(entry) = live_rules.entry(live_version) {
            entry.insert(rules_of(store, live_version).await?);
        }
        let live = &live_rules[&live_version];
        let hits: Vec<RuleHit> = match &t.rule_hits {
            Some(json) => serde_json::from_str(json).map_err(|_| corrupt("rule hits"))?,
            None => Vec::new(),
        };
        // The rules' own decision: a decline for want of limit is the line's.
        let by_live = Judged::from_hits(
            live,
            rules::decide(live, &hits),
            hits.iter().map(|h| h.rule),
        );
        let shadow_hits: Vec<Rule> = serde_json::from_str(t.shadow_hits.as_deref().unwrap_or("[]"))
            .map_err(|_| corrupt("shadow hits"))?;
        let shadow_decision = t
            .shadow_decision
            .as_deref()
            .and_then(|d| Decision::from_str(d).ok())
            .ok_or_else(|| corrupt("shadow decision"))?;
        let by_shadow = Judged::from_hits(&shadow, shadow_decision, shadow_hits.into_iter());
        comparison.add(&Compared {
            transaction_id: t.id,
            order_id: &t.order_id,
            account_id: t.account_id,
            at: utc(t.occurred_at),
            amount: Money::from_fen(t.amount_fen).map_err(|_| corrupt("amount"))?,
            label: labels.get(&t.id).copied(),
            live: &by_live,
            draft: &by_shadow,
        });
    }
    Ok(Some(comparison))
}
