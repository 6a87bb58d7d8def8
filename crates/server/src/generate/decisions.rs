//! Limit-change requests and disputes over the generated accounts, and the
//! officers' past work on the alerts the engine raised.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use riskdesk_domain::account::Grade;
use riskdesk_domain::limit_change::{ApprovalTier, approval_tier};
use riskdesk_domain::money::Money;
use riskdesk_domain::rules::Rules;

use super::{DAY, HOUR, OFFICERS, Params, World};
use crate::store::{
    AlertFilter, AlertTriage, Batch, DisputeRow, LimitChangeRow, PageRequest, Store,
};

/// Triage as it would stand: most alerts older than three days closed with a
/// disposition, the rest open, in review or escalated, with an assignee once
/// someone took them (an escalated one waits for a manager, unassigned).
pub(super) async fn past_triage(store: &dyn Store, params: Params) -> anyhow::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed ^ 0x7219);
    let filter = AlertFilter {
        order: riskdesk_api::lists::AlertSort::Oldest,
        ..AlertFilter::default()
    };
    let mut page = PageRequest {
        after: None,
        limit: 200,
    };
    // The rings' older members were found out: confirmed; the newer wait.
    let mut rings = std::collections::HashMap::new();
    for ring in super::rings::plan(&params) {
        for slot in 0..ring.members.len() {
            rings.insert(ring.account_id(slot), ring.confirmed(slot));
        }
    }
    let mut triage = Vec::new();
    loop {
        let alerts = store.alerts(&filter, &page).await?;
        for alert in &alerts {
            let (status, disposition) = if let Some(&confirmed) = rings.get(&alert.account_id) {
                if confirmed {
                    ("closed", Some("confirmed_fraud".to_owned()))
                } else {
                    ("open", None)
                }
            } else if params.as_of_ms - alert.created_at > 3 * DAY && rng.random_bool(0.7) {
                let d = match rng.random_range(0..20) {
                    0..=6 => "confirmed_fraud",
                    7..=15 => "false_positive",
                    _ => "benign",
                };
                ("closed", Some(d.to_owned()))
            } else {
                (
                    ["open", "open", "open", "in_review", "escalated"][rng.random_range(0..5usize)],
                    None,
                )
            };
            if status == "open" {
                continue;
            }
            let officer = OFFICERS[rng.random_range(0..OFFICERS.len())].to_owned();
            // An escalated alert left its officer's hands: it waits for a manager.
            let escalated = status == "escalated";
            triage.push(AlertTriage {
                id: alert.id,
                status: status.to_owned(),
                assignee: (!escalated).then(|| officer.clone()),
                disposition,
                escalated_by: escalated.then_some(officer),
            });
        }
        match alerts.last() {
            Some(last) if alerts.len() == 200 => page.after = Some(vec![last.created_at, last.id]),
            _ => break,
        }
    }
    store.triage_alerts(&triage).await?;
    Ok(())
}

impl World {
    /// Limit-change requests and disputes over the generated accounts.
    pub(super) fn decisions(&mut self, batch: &mut Batch) {
        let as_of = self.params.as_of_ms;
        let count = (self.briefs.len() / 60).clamp(5, 2_000);
        let approval = Rules::builtin().limit_approval;
        for i in 0..count {
            let brief = &self.briefs[self.rng.random_range(0..self.briefs.len())];
            let up = brief.dpd == 0 && brief.grade <= Grade::C;
            let factor = if up {
                self.rng.random_range(110..160)
            } else {
                self.rng.random_range(50..90)
            };
            let proposed =
                (brief.limit_fen * factor / 100 / 10_000 * 10_000).clamp(50_000, 5_000_000);
            let created = as_of - self.rng.random_range(HOUR..60 * DAY);
            let status = if as_of - created < 7 * DAY {
                "pending"
            } else {
                ["applied", "applied", "rejected", "expired"][self.rng.random_range(0..4usize)]
            };
            let system = self.rng.random_bool(0.4);
            let maker = if system {
                "system".to_owned()
            } else {
                OFFICERS[i % 2].to_owned()
            };
            let fen = |f| Money::from_fen(f).unwrap_or(Money::ZERO);
            let tier = approval_tier(fen(brief.limit_fen), fen(proposed), &approval);
            let checker = (status == "applied" || status == "rejected").then(|| {
                if i % 3 == 0 || tier == ApprovalTier::Manager {
                    "manager.chen"
                } else {
                    OFFICERS[(i + 1) % 2]
                }
                .to_owned()
            });
            batch.limit_changes.push(LimitChangeRow {
                id: i as i64 + 1,
                account_id: brief.id,
                current_limit_fen: brief.limit_fen,
                proposed_limit_fen: proposed,
                reason: if up {
                    [
                        "good_repayment_history",
                        "income_increase",
                        "customer_request",
                    ][i % 3]
                } else {
                    ["rising_delinquency", "high_utilisation", "fraud_suspicion"][i % 3]
                }
                .to_owned(),
                source: if system { "system" } else { "officer" }.to_owned(),
                status: status.to_owned(),
                tier: tier.as_str().to_owned(),
                note: None,
                maker,
                checker,
                decision_note: (status == "rejected").then(|| "收入证明不足".to_owned()),
                created_at: created,
                expires_at: created + 7 * DAY,
                decided_at: (status == "applied" || status == "rejected")
                    .then(|| created + self.rng.random_range(HOUR..3 * DAY)),
                version: 1,
            });
        }
        let reasons = [
            "unauthorized",
            "not_received",
            "duplicate_charge",
            "wrong_amount",
            "refund_not_received",
        ];
        let statements = [
            "我没有在这家商户消费过",
            "商品一直没有收到",
            "同一笔订单被扣了两次",
            "实际金额与订单不符",
            "商家已同意退款但一直没到账",
        ];
        let count = (self.briefs.len() / 130).clamp(3, 1_000);
        let mut made = 0;
        while made < count {
            let brief = &self.briefs[self.rng.random_range(0..self.briefs.len())];
            let Some(&tx) = brief.purchase_ids.last() else {
                continue;
            };
            let r = self.rng.random_range(0..reasons.len());
            let created = as_of - self.rng.random_range(HOUR..45 * DAY);
            let status = if as_of - created < 10 * DAY {
                ["open", "open", "escalated"][self.rng.random_range(0..3usize)]
            } else {
                ["resolved_refund", "resolved_rejected"][self.rng.random_range(0..2usize)]
            };
            batch.disputes.push(DisputeRow {
                id: made as i64 + 1,
                account_id: brief.id,
                transaction_id: tx,
                reason: reasons[r].to_owned(),
                status: status.to_owned(),
                statement: statements[r].to_owned(),
                opened_by: "agent.zhao".to_owned(),
                created_at: created,
                sla_due_at: created + 10 * DAY,
                resolved_at: status
                    .starts_with("resolved")
                    .then(|| created + self.rng.random_range(DAY..9 * DAY)),
                version: 1,
                attachments: "[]".to_owned(),
                resolution_note: None,
                refund_transaction_id: None,
                escalated_by: (status == "escalated").then(|| "agent.zhao".to_owned()),
                refund_fen: None,
                refund_proposed_by: None,
                refund_tier: None,
            });
            made += 1;
        }
    }
}
