//! Domain records to wire views. Personal data is masked here, on the way out.

use riskdesk_api::investigations::*;
use riskdesk_api::views::*;
use riskdesk_domain::account::CreditAccount;
use riskdesk_domain::alert::FraudAlert;
use riskdesk_domain::blacklist::{BlacklistEntry, BlacklistKind};
use riskdesk_domain::customer::CustomerProfile;
use riskdesk_domain::dispute::Dispute;
use std::str::FromStr;

use riskdesk_domain::alert::AlertStatus;
use riskdesk_domain::limit_change::{ApprovalTier, LimitChangeRequest};
use riskdesk_domain::pii;
use riskdesk_domain::scoring;
use riskdesk_domain::transaction::Transaction;

use super::problem::ApiResult;
use crate::clock::utc;
use crate::store::{AccountDetailRow, AccountRow, FreezeRow, NoteRow};

pub fn note(row: NoteRow) -> riskdesk_api::decisions::AlertNoteView {
    riskdesk_api::decisions::AlertNoteView {
        id: row.id,
        alert_id: row.alert_id,
        author: row.author,
        body: row.body,
        created_at: utc(row.created_at),
    }
}

/// A freeze as operators see it.
pub fn freeze(row: FreezeRow) -> ApiResult<AccountFreezeView> {
    let amount = riskdesk_domain::money::Money::from_fen(row.amount_fen)
        .map_err(|_| anyhow::anyhow!("freeze {}: bad amount {}", row.id, row.amount_fen))?;
    Ok(AccountFreezeView {
        id: row.id,
        account_id: row.account_id,
        amount,
        reason: row.reason,
        findings: row
            .findings
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| anyhow::anyhow!("freeze {}: bad findings: {e}", row.id))?
            .unwrap_or_default(),
        source: row.source,
        created_by: row.created_by,
        created_at: utc(row.created_at),
        lapses_at: row.lapses_at.map(utc),
        released_at: row.released_at.map(utc),
        released_by: row.released_by,
        release_reason: row.release_reason,
        version: row.version,
    })
}

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

/// An alert as of `now` (which says whether it is overdue).
pub fn alert(row: crate::store::AlertRow, now: i64) -> ApiResult<AlertView> {
    let alert: FraudAlert = row.decode()?;
    Ok(AlertView {
        overdue: alert.status != AlertStatus::Closed && alert.sla_due_at < utc(now),
        id: alert.id,
        account_id: alert.account_id,
        transaction_id: alert.transaction_id,
        rule: alert.rule,
        severity: alert.severity,
        status: alert.status,
        assignee: alert.assignee,
        amount: alert.amount,
        evidence: alert.evidence,
        findings: alert.findings,
        disposition: alert.disposition,
        created_at: alert.created_at,
        sla_due_at: alert.sla_due_at,
        version: alert.version,
        escalated_by: alert.escalated_by,
    })
}

pub fn blacklist_entry(row: crate::store::BlacklistRow) -> ApiResult<BlacklistEntryView> {
    let removal_requested_by = row.removal_requested_by.clone();
    let removal_requested_at = row.removal_requested_at.map(utc);
    let removal_reason = row.removal_reason.clone();
    let removed_at = row.removed_at.map(utc);
    let removed_by = row.removed_by.clone();
    let version = row.version;
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
        removal_requested_by,
        removal_requested_at,
        removal_reason,
        removed_at,
        removed_by,
        version,
    })
}

pub fn limit_change(row: crate::store::LimitChangeRow) -> ApiResult<LimitChangeView> {
    let tier = ApprovalTier::from_str(&row.tier)
        .map_err(|_| anyhow::anyhow!("limit change {}: bad tier {:?}", row.id, row.tier))?;
    let (note, decision_note) = (row.note.clone(), row.decision_note.clone());
    let request: LimitChangeRequest = row.decode()?;
    Ok(LimitChangeView {
        id: request.id,
        account_id: request.account_id,
        current_limit: request.current_limit,
        proposed_limit: request.proposed_limit,
        reason: request.reason,
        source: request.source,
        status: request.status,
        tier,
        note,
        maker: request.maker,
        checker: request.checker,
        decision_note,
        created_at: request.created_at,
        expires_at: request.expires_at,
        decided_at: request.decided_at,
        version: request.version,
    })
}

/// A dispute as of `now` (which says whether it is overdue).
pub fn dispute(row: crate::store::DisputeRow, now: i64) -> ApiResult<DisputeView> {
    let attachments: Vec<String> = serde_json::from_str(&row.attachments)
        .map_err(|e| anyhow::anyhow!("dispute {}: attachments: {e}", row.id))?;
    let (resolution_note, refund_transaction_id) =
        (row.resolution_note.clone(), row.refund_transaction_id);
    let dispute: Dispute = row.decode()?;
    Ok(DisputeView {
        overdue: dispute.resolved_at.is_none() && dispute.sla_due_at < utc(now),
        attachments,
        resolution_note,
        refund_transaction_id,
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
        escalated_by: dispute.escalated_by,
        pending_refund: dispute.pending_refund.map(|p| PendingRefundView {
            amount: p.amount,
            proposed_by: p.proposed_by,
            tier: p.tier,
        }),
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

/// An operator as an admin sees them at `now`: locked only while the lock lasts.
pub fn operator_admin(
    row: crate::store::OperatorAdminRow,
    now: i64,
) -> ApiResult<riskdesk_api::admin::OperatorAdminView> {
    use riskdesk_api::admin::OperatorAdminView;
    use riskdesk_domain::operator::{OperatorStatus, Role};
    let role = Role::from_str(&row.role)
        .map_err(|_| anyhow::anyhow!("operator {}: unknown role {:?}", row.id, row.role))?;
    let status = if row.disabled_at.is_some() {
        OperatorStatus::Disabled
    } else if row.locked_until.is_some_and(|until| until > now) {
        OperatorStatus::Locked
    } else {
        OperatorStatus::Active
    };
    Ok(OperatorAdminView {
        id: row.id,
        display_name: row.display_name,
        role,
        status,
        created_at: utc(row.created_at),
        last_sign_in_at: row.last_sign_in_at.map(utc),
        failed_attempts: row.failed_attempts,
        locked_until: row.locked_until.filter(|until| *until > now).map(utc),
        active_sessions: row.active_sessions,
        version: row.version,
        credentials: None,
    })
}

pub fn session_admin(row: crate::store::SessionAdminRow) -> riskdesk_api::admin::SessionAdminView {
    riskdesk_api::admin::SessionAdminView {
        id: row.id,
        operator_id: row.operator_id,
        created_at: utc(row.created_at),
        last_seen_at: utc(row.last_seen_at),
        expires_at: utc(row.expires_at),
        ended_at: row.revoked_at.map(utc),
    }
}

pub fn service_client(
    row: crate::store::ServiceClientAdminRow,
) -> riskdesk_api::admin::ServiceClientView {
    riskdesk_api::admin::ServiceClientView {
        id: row.id,
        created_at: utc(row.created_at),
        revoked_at: row.revoked_at.map(utc),
        version: row.version,
        key: None,
    }
}

/// A version of the rules, its rules read back (and checked) from JSON.
pub fn rule_set(row: &crate::store::RuleSetRow) -> ApiResult<riskdesk_api::rules::RuleSetView> {
    let set = crate::rules_in_force::RuleSet::from_row(row)?;
    Ok(riskdesk_api::rules::RuleSetView {
        id: row.id,
        status: riskdesk_domain::rule_sets::RuleSetStatus::from_str(&row.status)
            .map_err(|_| anyhow::anyhow!("rules version {}: bad status", row.id))?,
        rules: set.rules,
        based_on: row.based_on,
        author: row.author.clone(),
        note: row.note.clone(),
        created_at: utc(row.created_at),
        published_by: row.published_by.clone(),
        published_at: row.published_at.map(utc),
        version: row.version,
    })
}

pub fn backtest(row: &crate::store::BacktestRow) -> ApiResult<riskdesk_api::rules::BacktestView> {
    let corrupt = |what: &str| anyhow::anyhow!("backtest {}: bad {what}", row.id);
    Ok(riskdesk_api::rules::BacktestView {
        id: row.id,
        rule_set_id: row.rule_set_id,
        against: row.against,
        days: row.days,
        from: utc(row.from_at),
        to: utc(row.to_at),
        status: riskdesk_api::rules::BacktestStatus::from_str(&row.status)
            .map_err(|_| corrupt("status"))?,
        done: row.done,
        total: row.total,
        started_by: row.started_by.clone(),
        started_at: utc(row.started_at),
        finished_at: row.finished_at.map(utc),
        cancelling: row.cancel_at.is_some() && row.status == "running",
        error: row.error.clone(),
        report: row
            .report
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|_| corrupt("report"))?,
    })
}

/// A walked network as investigators see it: the most strongly linked
/// accounts first, hashed things without their values.
pub fn account_links(walked: crate::links::Walked) -> ApiResult<AccountLinks> {
    use riskdesk_domain::links::{MemberFacts, RingScore};
    let crate::links::Walked { network, accounts } = walked;
    let mut facts = Vec::with_capacity(accounts.len());
    let mut listed = Vec::with_capacity(accounts.len());
    for a in accounts {
        let member = LinkedAccount {
            hop: network.members().get(&a.id).copied().unwrap_or(0),
            ..linked_account(a)?
        };
        // What the line lends: used plus available (the limit less frozen).
        let exposure = member
            .used
            .checked_add(member.available)
            .map_err(|_| anyhow::anyhow!("account {}: exposure", member.id))?;
        facts.push(MemberFacts {
            account_id: member.id,
            confirmed_fraud: member.confirmed_fraud,
            open_alerts: i64::from(member.open_alerts),
            exposure,
        });
        listed.push(member);
    }
    let score = RingScore::of(&facts, network.truncated())
        .map_err(|e| anyhow::anyhow!("the group's exposure: {e}"))?;
    let weights = network.weights();
    let weight = |id: i64| weights.get(&id).copied().unwrap_or(0);
    listed.sort_by_key(|a| (a.hop != 0, std::cmp::Reverse(weight(a.id)), a.hop, a.id));
    listed.truncate(MAX_LISTED);
    let shown: std::collections::BTreeSet<i64> = listed.iter().map(|a| a.id).collect();
    let value = |e: &riskdesk_domain::links::Entity| e.kind.shows_value().then(|| e.value.clone());
    let links = network
        .edges()
        .iter()
        .filter(|((a, b), _)| shown.contains(a) && shown.contains(b))
        .map(|(&(from, to), shares)| AccountLink {
            from,
            to,
            shared: shares
                .iter()
                .map(|s| SharedThing {
                    kind: s.entity.kind,
                    value: value(&s.entity),
                    payments: s.payments,
                    last_at: utc(s.last_at),
                })
                .collect(),
        })
        .collect();
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(AccountLinks {
        account_id: network.centre(),
        score: RingScoreView {
            members: count(score.members),
            at_least: score.at_least,
            confirmed_fraud: count(score.confirmed_fraud),
            open_alerts: u32::try_from(score.open_alerts).unwrap_or(u32::MAX),
            exposure: score.exposure,
        },
        accounts: listed,
        links,
        common: network
            .common()
            .iter()
            .map(|c| CommonThing {
                kind: c.entity.kind,
                value: value(&c.entity),
                more_than: count(c.more_than),
            })
            .collect(),
    })
}

/// A case as investigators see it; `now` says whether it is overdue.
pub fn case(row: crate::store::CaseRow, now: i64) -> ApiResult<CaseView> {
    #[derive(serde::Deserialize)]
    struct Checked {
        item: CaseCheck,
        done_by: String,
        done_at: i64,
    }
    let corrupt = |what: &str| anyhow::anyhow!("case {}: {what}", row.id);
    let checked: Vec<Checked> =
        serde_json::from_str(&row.checklist).map_err(|_| corrupt("checklist"))?;
    let status: CaseStatus = row.status.parse().map_err(|_| corrupt("status"))?;
    Ok(CaseView {
        id: row.id,
        severity: row.severity.parse().map_err(|_| corrupt("severity"))?,
        overdue: status == CaseStatus::Open && row.due_at < now,
        status,
        owner: row.owner,
        due_at: utc(row.due_at),
        checklist: checked
            .into_iter()
            .map(|c| CheckedItem {
                item: c.item,
                done_by: c.done_by,
                done_at: utc(c.done_at),
            })
            .collect(),
        tags: serde_json::from_str(&row.tags).map_err(|_| corrupt("tags"))?,
        disposition: row
            .disposition
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|_| corrupt("disposition"))?,
        outcome: row.outcome,
        created_by: row.created_by,
        created_at: utc(row.created_at),
        closed_by: row.closed_by,
        closed_at: row.closed_at.map(utc),
        version: row.version,
        title: row.title,
    })
}

pub fn attachment(row: crate::store::AttachmentRow) -> AttachmentView {
    AttachmentView {
        id: row.id,
        case_id: row.case_id,
        name: row.name,
        content_type: row.content_type,
        size_bytes: row.size_bytes,
        sha256: row.sha256,
        uploaded_by: row.uploaded_by,
        uploaded_at: utc(row.uploaded_at),
    }
}

pub fn case_detail(
    detail: crate::store::CaseDetailRow,
    shared: Vec<SharedAmong>,
    now: i64,
) -> ApiResult<CaseDetail> {
    let id = detail.case.id;
    Ok(CaseDetail {
        case: case(detail.case, now)?,
        members: detail
            .members
            .into_iter()
            .map(|m| {
                Ok(CaseMemberView {
                    kind: m
                        .kind
                        .parse()
                        .map_err(|_| anyhow::anyhow!("case {id}: member kind {:?}", m.kind))?,
                    id: m.ref_id,
                    added_by: m.added_by,
                    added_at: utc(m.added_at),
                })
            })
            .collect::<ApiResult<_>>()?,
        notes: detail
            .notes
            .into_iter()
            .map(|n| CaseNoteView {
                id: n.id,
                author: n.author,
                body: n.body,
                created_at: utc(n.created_at),
            })
            .collect(),
        attachments: detail.attachments.into_iter().map(attachment).collect(),
        shared,
    })
}

/// A member of a group or a case as investigators see it (hop 0).
pub fn linked_account(a: crate::store::LinkedAccountRow) -> ApiResult<LinkedAccount> {
    let money = |fen: i64| {
        riskdesk_domain::money::Money::from_fen(fen)
            .map_err(|_| anyhow::anyhow!("account {}: bad amount {fen}", a.id))
    };
    let (limit, used, frozen) = (
        money(a.limit_fen)?,
        money(a.used_fen)?,
        money(a.frozen_fen)?,
    );
    let available = limit
        .checked_sub(used)
        .and_then(|m| m.checked_sub(frozen))
        .map_err(|_| anyhow::anyhow!("account {}: used and frozen exceed the limit", a.id))?;
    Ok(LinkedAccount {
        id: a.id,
        hop: 0,
        grade: FromStr::from_str(&a.grade)
            .map_err(|_| anyhow::anyhow!("account {}: unknown grade {:?}", a.id, a.grade))?,
        status: FromStr::from_str(&a.status)
            .map_err(|_| anyhow::anyhow!("account {}: unknown status {:?}", a.id, a.status))?,
        confirmed_fraud: a.confirmed_fraud != 0,
        open_alerts: u32::try_from(a.open_alerts).unwrap_or(u32::MAX),
        limit,
        used,
        available,
        name_masked: a.name_masked,
    })
}
