//! Stored rows to domain records. A value the domain does not accept (an
//! unknown status, an amount over the limit) means the data is corrupt: the
//! caller answers 500 and logs which row it was.

use std::str::FromStr;

use anyhow::{Context, anyhow};
use riskdesk_domain::account::{AccountStatus, CreditAccount, CreditLine};
use riskdesk_domain::alert::{AlertStatus, FraudAlert, RuleHit, Severity};
use riskdesk_domain::blacklist::BlacklistEntry;
use riskdesk_domain::customer::CustomerProfile;
use riskdesk_domain::dispute::{Dispute, PendingRefund};
use riskdesk_domain::geo::GeoPoint;
use riskdesk_domain::limit_change::LimitChangeRequest;
use riskdesk_domain::money::Money;
use riskdesk_domain::scoring::ScoreInputs;
use riskdesk_domain::transaction::{Place, Transaction};

use super::*;
use crate::clock::utc;

/// A stored vocabulary word.
fn word<T: FromStr>(column: &str, text: &str) -> anyhow::Result<T> {
    T::from_str(text).map_err(|_| anyhow!("unknown {column} {text:?}"))
}

fn word_opt<T: FromStr>(column: &str, text: Option<&str>) -> anyhow::Result<Option<T>> {
    text.map(|t| word(column, t)).transpose()
}

fn money(fen: i64) -> anyhow::Result<Money> {
    Ok(Money::from_fen(fen)?)
}

fn small<T: TryFrom<i32>>(column: &str, value: i32) -> anyhow::Result<T> {
    T::try_from(value).map_err(|_| anyhow!("{column} {value} out of range"))
}

/// An account's line as a write reads it, locked: its status and its line.
pub fn line(
    account_id: i64,
    status: &str,
    (limit_fen, used_fen, frozen_fen): (i64, i64, i64),
) -> anyhow::Result<(AccountStatus, CreditLine)> {
    let decode = || -> anyhow::Result<(AccountStatus, CreditLine)> {
        let line = CreditLine::new(money(limit_fen)?, money(used_fen)?, money(frozen_fen)?)?;
        Ok((word("status", status)?, line))
    };
    decode().with_context(|| format!("account {account_id}"))
}

impl AccountRow {
    pub fn decode(&self) -> anyhow::Result<CreditAccount> {
        let decode = || -> anyhow::Result<CreditAccount> {
            Ok(CreditAccount {
                id: self.id,
                customer_id: self.customer_id,
                line: CreditLine::new(
                    money(self.limit_fen)?,
                    money(self.used_fen)?,
                    money(self.frozen_fen)?,
                )?,
                outstanding: money(self.outstanding_fen)?,
                days_past_due: small("dpd", self.dpd)?,
                score: self.score,
                grade: word("grade", &self.grade)?,
                status: word("status", &self.status)?,
                bill_day: small("bill_day", self.bill_day)?,
                due_day: small("due_day", self.due_day)?,
                opened_at: utc(self.opened_at),
                scored_at: utc(self.scored_at),
                version: self.version,
            })
        };
        decode().with_context(|| format!("account {}", self.id))
    }
}

impl AccountDetailRow {
    pub fn customer(&self) -> anyhow::Result<CustomerProfile> {
        let decode = || -> anyhow::Result<CustomerProfile> {
            Ok(CustomerProfile {
                id: self.account.customer_id,
                name: self.name.clone(),
                phone: self.account.phone.clone(),
                national_id: self.national_id.clone(),
                age: small("age", self.age)?,
                occupation: word("occupation", &self.occupation)?,
                income_band: word("income_band", &self.income_band)?,
                city: self.account.city.clone(),
                home: GeoPoint {
                    lat: self.home_lat,
                    lon: self.home_lon,
                },
                kyc_level: word("kyc_level", &self.kyc_level)?,
                night_login_bp: small("night_login_bp", self.night_login_bp)?,
                customer_since: utc(self.customer_since),
            })
        };
        decode().with_context(|| format!("customer {}", self.account.customer_id))
    }

    /// What the scorecard reads about this account, with its months on book
    /// counted to `at` (UTC ms): whole 30-day months since opening.
    pub fn score_inputs(&self, at: i64) -> anyhow::Result<ScoreInputs> {
        let customer = self.customer()?;
        let stored = &self.account;
        let count = |v: i32| u32::try_from(v).unwrap_or(0);
        let days = (at - stored.opened_at).max(0) / 86_400_000;
        Ok(ScoreInputs {
            age: customer.age,
            occupation: customer.occupation,
            income_band: customer.income_band,
            purchases_per_month: count(stored.purchases_per_month),
            bill_to_limit_bp: count(stored.bill_to_limit_bp),
            on_time_bp: count(stored.on_time_bp),
            max_dpd_12m: count(stored.max_dpd_12m),
            night_login_bp: customer.night_login_bp,
            months_on_book: u32::try_from(days / 30).unwrap_or(u32::MAX),
        })
    }
}

impl TransactionRow {
    pub fn decode(self) -> anyhow::Result<Transaction> {
        let id = self.id;
        let decode = move || -> anyhow::Result<Transaction> {
            let place = match (self.lat, self.lon) {
                (Some(lat), Some(lon)) => Some(Place {
                    point: GeoPoint { lat, lon },
                    city: self.city.unwrap_or_default(),
                }),
                _ => None,
            };
            let rule_hits: Vec<RuleHit> = match &self.rule_hits {
                Some(json) => serde_json::from_str(json).context("rule_hits")?,
                None => Vec::new(),
            };
            Ok(Transaction {
                id: self.id,
                account_id: self.account_id,
                kind: word("kind", &self.kind)?,
                order_id: self.order_id,
                merchant: self.merchant,
                category: word_opt("category", self.category.as_deref())?,
                channel: word_opt("channel", self.channel.as_deref())?,
                amount: money(self.amount_fen)?,
                installments: small("installments", self.installments)?,
                device_id: self.device_id,
                ip: self.ip,
                place,
                status: word("status", &self.status)?,
                decision: word_opt("decision", self.decision.as_deref())?,
                rule_hits,
                occurred_at: utc(self.occurred_at),
                decline_reason: word_opt("decline_reason", self.decline_reason.as_deref())?,
            })
        };
        decode().with_context(|| format!("transaction {id}"))
    }
}

impl AlertRow {
    pub fn decode(self) -> anyhow::Result<FraudAlert> {
        let id = self.id;
        let decode = move || -> anyhow::Result<FraudAlert> {
            Ok(FraudAlert {
                id: self.id,
                account_id: self.account_id,
                transaction_id: self.transaction_id,
                rule: word("rule", &self.rule)?,
                severity: Severity::from_rank(self.severity_rank)
                    .ok_or_else(|| anyhow!("severity rank {}", self.severity_rank))?,
                status: word("status", &self.status)?,
                assignee: self.assignee,
                amount: self.amount_fen.map(money).transpose()?,
                evidence: self.evidence,
                findings: self
                    .findings
                    .as_deref()
                    .map(serde_json::from_str)
                    .transpose()
                    .context("findings")?
                    .unwrap_or_default(),
                disposition: word_opt("disposition", self.disposition.as_deref())?,
                created_at: utc(self.created_at),
                sla_due_at: utc(self.sla_due_at),
                version: self.version,
                escalated_by: self.escalated_by,
            })
        };
        decode().with_context(|| format!("alert {id}"))
    }
}

impl AuditRow {
    /// The entry as the chain hashes it, with its stored hashes.
    pub fn into_chained(self) -> anyhow::Result<riskdesk_domain::audit::Chained> {
        use riskdesk_domain::audit::{self, Entry};
        let id = self.id;
        let hash = |h: Option<String>| {
            h.as_deref()
                .and_then(audit::from_hex::<32>)
                .ok_or_else(|| anyhow!("audit entry {id}: not chained"))
        };
        Ok(audit::Chained {
            prev_hash: hash(self.prev_hash)?,
            hash: hash(self.hash)?,
            entry: Entry {
                id,
                at: self.at,
                actor: self.actor,
                action: self.action,
                target: self.target,
                before: self.before,
                after: self.after,
            },
        })
    }
}

impl CheckpointRow {
    pub fn checkpoint(&self) -> anyhow::Result<riskdesk_domain::audit::Checkpoint> {
        use riskdesk_domain::audit;
        let bad = || anyhow!("audit checkpoint {}: bad hash or signature", self.id);
        Ok(audit::Checkpoint {
            last_id: self.last_id,
            hash: audit::from_hex(&self.hash).ok_or_else(bad)?,
            signed_at: self.signed_at,
            signature: audit::from_hex(&self.signature).ok_or_else(bad)?,
        })
    }
}

impl BlacklistRow {
    pub fn decode(self) -> anyhow::Result<BlacklistEntry> {
        Ok(BlacklistEntry {
            id: self.id,
            kind: word("kind", &self.kind).with_context(|| format!("blacklist {}", self.id))?,
            value: self.value,
            reason: self.reason,
            created_by: self.created_by,
            created_at: utc(self.created_at),
            expires_at: self.expires_at.map(utc),
        })
    }
}

impl LimitChangeRow {
    pub fn decode(self) -> anyhow::Result<LimitChangeRequest> {
        let id = self.id;
        let decode = move || -> anyhow::Result<LimitChangeRequest> {
            Ok(LimitChangeRequest {
                id: self.id,
                account_id: self.account_id,
                current_limit: money(self.current_limit_fen)?,
                proposed_limit: money(self.proposed_limit_fen)?,
                reason: word("reason", &self.reason)?,
                source: word("source", &self.source)?,
                status: word("status", &self.status)?,
                maker: self.maker,
                checker: self.checker,
                created_at: utc(self.created_at),
                expires_at: utc(self.expires_at),
                decided_at: self.decided_at.map(utc),
                version: self.version,
            })
        };
        decode().with_context(|| format!("limit change {id}"))
    }
}

impl DisputeRow {
    pub fn decode(self) -> anyhow::Result<Dispute> {
        let id = self.id;
        let decode = move || -> anyhow::Result<Dispute> {
            Ok(Dispute {
                id: self.id,
                account_id: self.account_id,
                transaction_id: self.transaction_id,
                reason: word("reason", &self.reason)?,
                status: word("status", &self.status)?,
                statement: self.statement,
                opened_by: self.opened_by,
                created_at: utc(self.created_at),
                sla_due_at: utc(self.sla_due_at),
                resolved_at: self.resolved_at.map(utc),
                version: self.version,
                escalated_by: self.escalated_by,
                pending_refund: match (self.refund_fen, self.refund_proposed_by, self.refund_tier) {
                    (Some(fen), Some(proposed_by), Some(tier)) => Some(PendingRefund {
                        amount: money(fen)?,
                        proposed_by,
                        tier: word("refund_tier", &tier)?,
                    }),
                    _ => None,
                },
            })
        };
        decode().with_context(|| format!("dispute {id}"))
    }
}

impl StatusCount {
    pub fn decode(&self) -> anyhow::Result<(AlertStatus, i64)> {
        Ok((word("status", &self.status)?, self.count))
    }
}
