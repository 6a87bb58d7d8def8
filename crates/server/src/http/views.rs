//! Domain records to wire views. Personal data is masked here, on the way out.

use riskdesk_api::views::*;
use riskdesk_domain::account::CreditAccount;
use riskdesk_domain::alert::FraudAlert;
use riskdesk_domain::blacklist::{BlacklistEntry, BlacklistKind};
use riskdesk_domain::customer::CustomerProfile;
use riskdesk_domain::dispute::Dispute;
use riskdesk_domain::limit_change::LimitChangeRequest;
use riskdesk_domain::pii;
use riskdesk_domain::scoring;
use riskdesk_domain::transaction::Transaction;

use super::problem::ApiResult;
use crate::store::{AccountDetailRow, AccountRow};

pub fn account_summary(row: &AccountRow) -> ApiResult<AccountSummary> {
    Ok(summary(
        &row.decode()?,
        &row.name_masked,
        &row.phone,
        &row.city,
    ))
}

fn summary(account: &CreditAccount, name_masked: &str, phone: &str, city: &str) -> AccountSummary {
    AccountSummary {
        id: account.id,
        name_masked: name_masked.to_owned(),
        phone_masked: pii::mask_phone(phone),
        city: city.to_owned(),
        status: account.status,
        grade: account.grade,
        score: account.score,
        limit: account.line.limit(),
        used: account.line.used(),
        frozen: account.line.frozen(),
        available: account.line.available(),
        utilisation_bp: account.line.utilisation_bp(),
        dpd: i32::try_from(account.days_past_due).unwrap_or(i32::MAX),
        dpd_bucket: account.dpd_bucket(),
    }
}

pub fn account_detail(row: &AccountDetailRow) -> ApiResult<AccountDetail> {
    let account = row.account.decode()?;
    let customer = row.customer()?;
    // The breakdown is recomputed from the inputs the score was made from.
    let assessment = scoring::assess(&row.score_inputs(row.account.scored_at)?);
    Ok(AccountDetail {
        summary: summary(
            &account,
            &pii::mask_name(&customer.name),
            &customer.phone,
            &customer.city,
        ),
        customer: customer_view(&customer),
        outstanding: account.outstanding,
        bill_day: i32::from(account.bill_day),
        due_day: i32::from(account.due_day),
        opened_at: account.opened_at,
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

fn customer_view(customer: &CustomerProfile) -> CustomerView {
    CustomerView {
        id: customer.id,
        name_masked: pii::mask_name(&customer.name),
        phone_masked: pii::mask_phone(&customer.phone),
        national_id_masked: pii::mask_national_id(&customer.national_id),
        age: i32::from(customer.age),
        occupation: customer.occupation,
        income_band: customer.income_band,
        city: customer.city.clone(),
        kyc_level: customer.kyc_level,
        customer_since: customer.customer_since,
    }
}

pub fn transaction(row: crate::store::TransactionRow) -> ApiResult<TransactionView> {
    let tx: Transaction = row.decode()?;
    Ok(TransactionView {
        id: tx.id,
        account_id: tx.account_id,
        kind: tx.kind,
        order_id: tx.order_id,
        merchant: tx.merchant,
        category: tx.category,
        channel: tx.channel,
        amount: tx.amount,
        installments: i32::from(tx.installments),
        device_id: tx.device_id,
        ip: tx.ip,
        location: tx.place.map(|p| Location {
            lat: p.point.lat,
            lon: p.point.lon,
            city: p.city,
        }),
        status: tx.status,
        decision: tx.decision,
        rule_hits: tx.rule_hits,
        occurred_at: tx.occurred_at,
        decline_reason: tx.decline_reason,
    })
}

pub fn alert(row: crate::store::AlertRow) -> ApiResult<AlertView> {
    let alert: FraudAlert = row.decode()?;
    Ok(AlertView {
        id: alert.id,
        account_id: alert.account_id,
        transaction_id: alert.transaction_id,
        rule: alert.rule,
        severity: alert.severity,
        status: alert.status,
        assignee: alert.assignee,
        amount: alert.amount,
        evidence: alert.evidence,
        disposition: alert.disposition,
        created_at: alert.created_at,
        sla_due_at: alert.sla_due_at,
        version: alert.version,
    })
}

pub fn blacklist_entry(row: crate::store::BlacklistRow) -> ApiResult<BlacklistEntryView> {
    let entry: BlacklistEntry = row.decode()?;
    let value = match entry.kind {
        BlacklistKind::Phone => pii::mask_phone(&entry.value),
        _ => entry.value,
    };
    Ok(BlacklistEntryView {
        id: entry.id,
        kind: entry.kind,
        value,
        reason: entry.reason,
        created_by: entry.created_by,
        created_at: entry.created_at,
        expires_at: entry.expires_at,
    })
}

pub fn limit_change(row: crate::store::LimitChangeRow) -> ApiResult<LimitChangeView> {
    let request: LimitChangeRequest = row.decode()?;
    Ok(LimitChangeView {
        id: request.id,
        account_id: request.account_id,
        current_limit: request.current_limit,
        proposed_limit: request.proposed_limit,
        reason: request.reason,
        source: request.source,
        status: request.status,
        maker: request.maker,
        checker: request.checker,
        created_at: request.created_at,
        expires_at: request.expires_at,
        decided_at: request.decided_at,
        version: request.version,
    })
}

pub fn dispute(row: crate::store::DisputeRow) -> ApiResult<DisputeView> {
    let dispute: Dispute = row.decode()?;
    Ok(DisputeView {
        id: dispute.id,
        account_id: dispute.account_id,
        transaction_id: dispute.transaction_id,
        reason: dispute.reason,
        status: dispute.status,
        statement: dispute.statement,
        opened_by: dispute.opened_by,
        created_at: dispute.created_at,
        sla_due_at: dispute.sla_due_at,
        resolved_at: dispute.resolved_at,
        version: dispute.version,
    })
}

pub fn month(point: riskdesk_domain::history::MonthPoint) -> MonthView {
    MonthView {
        year: point.year,
        month: point.month,
        spending: point.spending,
        repayments: point.repayments,
        balance: point.balance,
        utilisation_bp: point.utilisation_bp,
    }
}
