//! Rows to wire views. Personal data is masked here, on the way out.

use std::str::FromStr;

use riskdesk_api::views::*;
use riskdesk_domain::account::{CreditLine, DpdBucket};
use riskdesk_domain::alert::Severity;
use riskdesk_domain::money::Money;
use riskdesk_domain::pii;
use riskdesk_domain::scoring::{self, ScoreInputs};

use super::problem::ApiResult;
use crate::clock::utc;
use crate::store::*;

/// A stored vocabulary word; an unknown one means corrupt data, a 500.
fn word<T: FromStr>(column: &str, text: &str) -> ApiResult<T> {
    T::from_str(text).map_err(|_| anyhow::anyhow!("unknown {column} {text:?} in the store").into())
}

fn word_opt<T: FromStr>(column: &str, text: Option<&str>) -> ApiResult<Option<T>> {
    text.map(|t| word(column, t)).transpose()
}

fn money(fen: i64) -> ApiResult<Money> {
    Money::from_fen(fen).map_err(|e| anyhow::anyhow!("stored amount {fen}: {e}").into())
}

fn count(column: &str, value: i32) -> ApiResult<u32> {
    u32::try_from(value)
        .map_err(|_| anyhow::anyhow!("negative {column} {value} in the store").into())
}

pub fn account_summary(row: &AccountRow) -> ApiResult<AccountSummary> {
    let line = CreditLine::new(
        money(row.limit_fen)?,
        money(row.used_fen)?,
        money(row.frozen_fen)?,
    )
    .map_err(|e| anyhow::anyhow!("account {}: {e}", row.id))?;
    Ok(AccountSummary {
        id: row.id,
        name_masked: row.name_masked.clone(),
        phone_masked: pii::mask_phone(&row.phone),
        city: row.city.clone(),
        status: word("status", &row.status)?,
        grade: word("grade", &row.grade)?,
        score: row.score,
        limit: line.limit(),
        used: line.used(),
        frozen: line.frozen(),
        available: line.available(),
        utilisation_bp: row.utilisation_bp,
        dpd: row.dpd,
        dpd_bucket: DpdBucket::of(count("dpd", row.dpd)?),
    })
}

pub fn account_detail(row: &AccountDetailRow) -> ApiResult<AccountDetail> {
    let account = &row.account;
    let inputs = ScoreInputs {
        age: u8::try_from(row.age).map_err(|_| anyhow::anyhow!("age {}", row.age))?,
        occupation: word("occupation", &row.occupation)?,
        income_band: word("income_band", &row.income_band)?,
        purchases_per_month: count("purchases_per_month", account.purchases_per_month)?,
        bill_to_limit_bp: count("bill_to_limit_bp", account.bill_to_limit_bp)?,
        on_time_bp: count("on_time_bp", account.on_time_bp)?,
        max_dpd_12m: count("max_dpd_12m", account.max_dpd_12m)?,
        night_login_bp: count("night_login_bp", row.night_login_bp)?,
        months_on_book: months_on_book(account.opened_at, account.scored_at),
    };
    let assessment = scoring::assess(&inputs);
    Ok(AccountDetail {
        summary: account_summary(account)?,
        customer: CustomerView {
            id: account.customer_id,
            name_masked: account.name_masked.clone(),
            phone_masked: pii::mask_phone(&account.phone),
            national_id_masked: pii::mask_national_id(&row.national_id),
            age: row.age,
            occupation: inputs.occupation,
            income_band: inputs.income_band,
            city: account.city.clone(),
            kyc_level: word("kyc_level", &row.kyc_level)?,
            customer_since: utc(row.customer_since),
        },
        outstanding: money(account.outstanding_fen)?,
        bill_day: account.bill_day,
        due_day: account.due_day,
        opened_at: utc(account.opened_at),
        score_breakdown: ScoreBreakdown {
            base: assessment.base,
            lines: assessment
                .lines
                .into_iter()
                .map(|l| ScoreLineView {
                    factor: l.factor,
                    value: l.value,
                    points: l.points,
                })
                .collect(),
        },
        version: account.version,
    })
}

/// Whole 30-day months from opening to the last assessment, as the scorer counted them.
pub fn months_on_book(opened_at: i64, scored_at: i64) -> u32 {
    const MONTH_MS: i64 = 30 * 24 * 60 * 60 * 1000;
    u32::try_from((scored_at - opened_at).max(0) / MONTH_MS).unwrap_or(u32::MAX)
}

pub fn transaction(row: TransactionRow) -> ApiResult<TransactionView> {
    let location = match (row.lat, row.lon) {
        (Some(lat), Some(lon)) => Some(Location {
            lat,
            lon,
            city: row.city.unwrap_or_default(),
        }),
        _ => None,
    };
    let rule_hits = match &row.rule_hits {
        Some(json) => serde_json::from_str(json)
            .map_err(|e| anyhow::anyhow!("transaction {} rule_hits: {e}", row.id))?,
        None => Vec::new(),
    };
    Ok(TransactionView {
        id: row.id,
        account_id: row.account_id,
        kind: word("kind", &row.kind)?,
        order_id: row.order_id,
        merchant: row.merchant,
        category: word_opt("category", row.category.as_deref())?,
        channel: word_opt("channel", row.channel.as_deref())?,
        amount: money(row.amount_fen)?,
        installments: row.installments,
        device_id: row.device_id,
        ip: row.ip,
        location,
        status: word("status", &row.status)?,
        decision: word_opt("decision", row.decision.as_deref())?,
        rule_hits,
        occurred_at: utc(row.occurred_at),
    })
}

pub fn alert(row: AlertRow) -> ApiResult<AlertView> {
    Ok(AlertView {
        id: row.id,
        account_id: row.account_id,
        transaction_id: row.transaction_id,
        rule: word("rule", &row.rule)?,
        severity: Severity::from_rank(row.severity_rank)
            .ok_or_else(|| anyhow::anyhow!("alert {} severity {}", row.id, row.severity_rank))?,
        status: word("status", &row.status)?,
        assignee: row.assignee,
        amount: row.amount_fen.map(money).transpose()?,
        evidence: row.evidence,
        disposition: word_opt("disposition", row.disposition.as_deref())?,
        created_at: utc(row.created_at),
        sla_due_at: utc(row.sla_due_at),
        version: row.version,
    })
}

pub fn blacklist_entry(row: BlacklistRow) -> ApiResult<BlacklistEntryView> {
    let kind = word("kind", &row.kind)?;
    let value = match kind {
        riskdesk_domain::blacklist::BlacklistKind::Phone => pii::mask_phone(&row.value),
        _ => row.value,
    };
    Ok(BlacklistEntryView {
        id: row.id,
        kind,
        value,
        reason: row.reason,
        created_by: row.created_by,
        created_at: utc(row.created_at),
        expires_at: row.expires_at.map(utc),
    })
}

pub fn limit_change(row: LimitChangeRow) -> ApiResult<LimitChangeView> {
    Ok(LimitChangeView {
        id: row.id,
        account_id: row.account_id,
        current_limit: money(row.current_limit_fen)?,
        proposed_limit: money(row.proposed_limit_fen)?,
        reason: word("reason", &row.reason)?,
        source: word("source", &row.source)?,
        status: word("status", &row.status)?,
        maker: row.maker,
        checker: row.checker,
        created_at: utc(row.created_at),
        expires_at: utc(row.expires_at),
        decided_at: row.decided_at.map(utc),
        version: row.version,
    })
}

pub fn dispute(row: DisputeRow) -> ApiResult<DisputeView> {
    Ok(DisputeView {
        id: row.id,
        account_id: row.account_id,
        transaction_id: row.transaction_id,
        reason: word("reason", &row.reason)?,
        status: word("status", &row.status)?,
        statement: row.statement,
        opened_by: row.opened_by,
        created_at: utc(row.created_at),
        sla_due_at: utc(row.sla_due_at),
        resolved_at: row.resolved_at.map(utc),
        version: row.version,
    })
}
