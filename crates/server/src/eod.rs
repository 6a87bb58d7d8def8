//! The end of a business day (China time): statements cut for the accounts
//! billed that day, days past due and delinquency buckets moved on, every
//! account re-scored and written as it stands into its month's end (the
//! credit metrics' record), limit changes proposed from the new scores, and
//! stale proposals expired.
//!
//! Idempotent per business date: a date runs once (a second run returns the
//! first one's summary), and every step can be redone after a crash: bills
//! are unique per account and date, delinquency and scores are recomputed
//! from the data, and an account gets a new proposal only when it has no
//! pending one. Times written are the end of the business date, not the
//! wall clock, so a rerun writes the same.

use std::time::Instant;

use chrono::{Duration, NaiveDate};
use riskdesk_domain::account::AccountStatus;
use riskdesk_domain::billing;
use riskdesk_domain::limit_change::approval_tier;
use riskdesk_domain::metrics::Month;
use riskdesk_domain::money::Money;
use riskdesk_domain::rules::{LineReview, Rules, review_limit};
use riskdesk_domain::scoring;

use crate::clock::utc;
use crate::store::{AccountMonthRow, BillRow, EodClaim, LimitChangeRow, Rescored, Store};

/// An unfinished run older than this is taken to have died, and is redone.
const STALE_AFTER_MS: i64 = 60 * 60 * 1000;
/// Accounts re-scored per round trip.
const PAGE: u32 = 1_000;

/// What one end of day did.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    pub business_date: NaiveDate,
    pub bills_cut: u64,
    pub billed_fen: i64,
    /// Accounts past due after the day.
    pub past_due: u64,
    pub rescored: u64,
    pub grades_changed: u64,
    pub increases_proposed: u64,
    pub decreases_proposed: u64,
    pub proposals_expired: u64,
    pub millis: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ran(Summary),
    /// The date had run already; its summary.
    AlreadyDone(Summary),
    /// Another instance is running it.
    Running,
}

/// Runs the end of business date `date`.
pub async fn run(
    store: &dyn Store,
    rules: &Rules,
    date: NaiveDate,
    now: i64,
) -> anyhow::Result<Outcome> {
    let day = billing::day_number(date);
    match store
        .claim_end_of_day(day, now, now - STALE_AFTER_MS)
        .await?
    {
        EodClaim::Started => {}
        EodClaim::Done(summary) => {
            return Ok(Outcome::AlreadyDone(serde_json::from_str(&summary)?));
        }
        EodClaim::Running { .. } => return Ok(Outcome::Running),
    }
    let started = Instant::now();
    let as_of = billing::end_of(date).timestamp_millis();
    let (bills_cut, billed_fen) = cut_bills(store, date).await?;
    let past_due = store.update_delinquency(day).await?;
    let proposals_expired = store.expire_limit_changes(as_of).await?;
    let mut summary = Summary {
        business_date: date,
        bills_cut,
        billed_fen,
        past_due,
        rescored: 0,
        grades_changed: 0,
        increases_proposed: 0,
        decreases_proposed: 0,
        proposals_expired,
        millis: 0,
    };
    rescore(store, rules, date, &mut summary).await?;
    summary.millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    store
        .finish_end_of_day(day, now, &serde_json::to_string(&summary)?)
        .await?;
    tracing::info!(?summary, "end of day");
    Ok(Outcome::Ran(summary))
}

/// Statements for the accounts billed on `date`: what they owe beyond
/// their unpaid bills, due on their due day.
async fn cut_bills(store: &dyn Store, date: NaiveDate) -> anyhow::Result<(u64, i64)> {
    // Bill days a short month does not have are billed on its last day.
    let bill_days: Vec<i32> = (1..=31u32)
        .filter(|d| billing::is_bill_day(date, *d))
        .filter_map(|d| i32::try_from(d).ok())
        .collect();
    let bills: Vec<BillRow> = store
        .unbilled(&bill_days)
        .await?
        .into_iter()
        .map(|u| BillRow {
            id: 0,
            account_id: u.account_id,
            bill_date: billing::day_number(date),
            due_date: billing::day_number(billing::due_date(
                date,
                u32::try_from(u.due_day).unwrap_or(1),
            )),
            amount_fen: u.unbilled_fen,
            remaining_fen: u.unbilled_fen,
        })
        .collect();
    let billed = bills.iter().map(|b| b.amount_fen).sum();
    Ok((store.insert_bills(&bills).await?, billed))
}

/// Every account through the scorecard, changed scores saved; the lines
/// whose statement day it is reviewed, and the review's proposals made.
async fn rescore(
    store: &dyn Store,
    rules: &Rules,
    date: NaiveDate,
    summary: &mut Summary,
) -> anyhow::Result<()> {
    let as_of = billing::end_of(date).timestamp_millis();
    let expires =
        as_of + i64::from(rules.limit_review.expires_days) * Duration::days(1).num_milliseconds();
    let month = Month::of(date).index();
    let mut after = 0;
    loop {
        let page = store.accounts_after(after, PAGE).await?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.account.id;
        let mut changed = Vec::new();
        let mut proposals = Vec::new();
        let mut month_end = Vec::new();
        for row in &page {
            let account = row.account.decode()?;
            let assessment = scoring::assess(&row.score_inputs(as_of)?);
            summary.rescored += 1;
            if assessment.grade != account.grade {
                summary.grades_changed += 1;
            }
            if assessment.score != account.score || assessment.grade != account.grade {
                changed.push(Rescored {
                    account_id: account.id,
                    score: assessment.score,
                    grade: assessment.grade.as_str().to_owned(),
                });
            }
            month_end.push(AccountMonthRow {
                month,
                account_id: account.id,
                grade: assessment.grade.as_str().to_owned(),
                city: row.account.city.clone(),
                cohort: Month::of(billing::business_date(utc(row.account.opened_at))).index(),
                dpd: row.account.dpd,
                limit_fen: row.account.limit_fen,
                balance_fen: row.account.outstanding_fen,
            });
            let open = matches!(
                account.status,
                AccountStatus::Active | AccountStatus::Frozen
            );
            let review = LineReview {
                limit: account.line.limit(),
                used: account.line.used(),
                grade: assessment.grade,
                days_past_due: account.days_past_due,
                max_dpd_12m: u32::try_from(row.account.max_dpd_12m).unwrap_or(0),
            };
            // Each line is reviewed once a month, on its statement day.
            let due = open
                && billing::is_bill_day(date, u32::try_from(row.account.bill_day).unwrap_or(1));
            if let Some(proposal) = review_limit(rules, &review).filter(|_| due) {
                proposals.push(LimitChangeRow {
                    id: 0,
                    account_id: account.id,
                    current_limit_fen: account.line.limit().fen(),
                    proposed_limit_fen: proposal.proposed.fen(),
                    reason: proposal.reason.as_str().to_owned(),
                    source: "system".to_owned(),
                    status: "pending".to_owned(),
                    tier: approval_tier(
                        account.line.limit(),
                        proposal.proposed,
                        &rules.limit_approval,
                    )
                    .as_str()
                    .to_owned(),
                    note: None,
                    maker: "system".to_owned(),
                    checker: None,
                    decision_note: None,
                    created_at: as_of,
                    expires_at: expires,
                    decided_at: None,
                    version: 1,
                });
            }
        }
        store.save_scores(&changed, as_of).await?;
        store.record_account_months(&month_end).await?;
        let (up, down): (Vec<_>, Vec<_>) = proposals
            .into_iter()
            .partition(|p| p.proposed_limit_fen > p.current_limit_fen);
        summary.increases_proposed += store.propose_limit_changes(&up).await?;
        summary.decreases_proposed += store.propose_limit_changes(&down).await?;
    }
    // The month so far, and the roll into it from the month before.
    store.recount_months(month, month).await?;
    Ok(())
}

/// The business date whose end of day is due at `now`: yesterday, China time.
pub fn due_date_at(now: i64) -> NaiveDate {
    let today = billing::business_date(crate::clock::utc(now));
    today.pred_opt().unwrap_or(today)
}

/// The amount of a summary as operators read it.
pub fn billed(summary: &Summary) -> String {
    Money::from_fen(summary.billed_fen)
        .unwrap_or_default()
        .display_cny()
}
