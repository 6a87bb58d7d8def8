//! The end of day on both backends: statements, days past due day by day,
//! repayment, re-scoring and limit proposals, once per business date.

// Helpers here unwrap as the tests do: a failure is the test failing.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};
use riskdesk_api::payments::RepaymentRequest;
use riskdesk_domain::billing;
use riskdesk_domain::rules::Rules;
use riskdesk_domain::scoring;
use riskdesk_server::clock::utc;
use riskdesk_server::eod::{self, Outcome, Summary};
use riskdesk_server::store::{AccountFilter, AccountRow, LimitChangeFilter, PageRequest, Store};

use crate::support::{self, AS_OF_MS};

fn all() -> PageRequest {
    PageRequest {
        after: None,
        limit: 200,
    }
}

async fn accounts(store: &dyn Store, filter: AccountFilter) -> Vec<AccountRow> {
    store.accounts(&filter, &all()).await.unwrap()
}

async fn run(store: &dyn Store, date: NaiveDate) -> Outcome {
    eod::run(store, &Rules::builtin(), date, AS_OF_MS)
        .await
        .unwrap()
}

fn ran(outcome: Outcome) -> Summary {
    match outcome {
        Outcome::Ran(summary) => summary,
        other => panic!("expected a run, got {other:?}"),
    }
}

fn next(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_add_days(Days::new(days)).unwrap()
}

async fn pending_system_proposals(store: &dyn Store) -> usize {
    let filter = LimitChangeFilter {
        status: Some("pending".to_owned()),
        account_id: None,
    };
    let mut page = all();
    let mut n = 0;
    loop {
        let rows = store.limit_changes(&filter, &page).await.unwrap();
        n += rows.iter().filter(|r| r.source == "system").count();
        match rows.last() {
            Some(last) if rows.len() == 200 => page.after = Some(vec![last.id]),
            _ => return n,
        }
    }
}

#[tokio::test]
async fn the_end_of_day_bills_ages_rescores_and_proposes_once_per_date() {
    for store in support::backends().await {
        support::portfolio(store.as_ref(), 300).await;
        let backend = store.backend();
        let today = billing::business_date(utc(AS_OF_MS));
        let yesterday = today.pred_opt().unwrap();

        // Yesterday's end of day finds the generated delinquency as it was.
        let late = AccountFilter {
            dpd_range: Some((1, None)),
            ..AccountFilter::default()
        };
        let before: BTreeMap<i64, i32> = accounts(store.as_ref(), late.clone())
            .await
            .iter()
            .map(|a| (a.id, a.dpd))
            .collect();
        assert!(!before.is_empty(), "{backend}: some accounts are late");
        let proposals_before = pending_system_proposals(store.as_ref()).await;
        let first = ran(run(store.as_ref(), yesterday).await);
        for (id, dpd) in &before {
            let bills = store.bills(*id).await.unwrap();
            let now = store.account(*id).await.unwrap().unwrap().account.dpd;
            if !bills.is_empty() {
                assert_eq!(now, *dpd, "{backend}: account {id}");
            }
        }
        assert_eq!(first.rescored, 300, "{backend}");
        assert!(
            first.increases_proposed + first.decreases_proposed > 0,
            "{backend}: {first:?}"
        );
        assert_eq!(
            pending_system_proposals(store.as_ref()).await,
            proposals_before
                + usize::try_from(first.increases_proposed + first.decreases_proposed).unwrap(),
            "{backend}"
        );
        // Every score is the scorecard's on the stored inputs.
        let sample = store.accounts_after(0, 50).await.unwrap();
        for row in &sample {
            let expected = scoring::assess(&row.score_inputs(row.account.scored_at).unwrap());
            assert_eq!(
                row.account.score, expected.score,
                "{backend}: account {}",
                row.account.id
            );
            assert_eq!(row.account.grade, expected.grade.as_str());
        }

        // Again: the first run's summary, nothing new.
        assert_eq!(
            run(store.as_ref(), yesterday).await,
            Outcome::AlreadyDone(first.clone()),
            "{backend}"
        );

        // An account that owes something and is current: its next bill day.
        let current = accounts(
            store.as_ref(),
            AccountFilter {
                status: Some("active".to_owned()),
                dpd_range: Some((0, Some(0))),
                ..AccountFilter::default()
            },
        )
        .await
        .into_iter()
        .find(|a| a.outstanding_fen > 0)
        .unwrap();
        let bill_day = (1..=62)
            .map(|d| next(today, d))
            .find(|d| d.day() == u32::try_from(current.bill_day).unwrap())
            .unwrap();
        let cut = ran(run(store.as_ref(), bill_day).await);
        assert!(cut.bills_cut >= 1, "{backend}: {cut:?}");
        let bills = store.bills(current.id).await.unwrap();
        let bill = bills.last().unwrap();
        let due = billing::due_date(bill_day, u32::try_from(current.due_day).unwrap());
        assert_eq!(
            (
                bill.bill_date,
                bill.due_date,
                bill.amount_fen,
                bill.remaining_fen
            ),
            (
                billing::day_number(bill_day),
                billing::day_number(due),
                current.outstanding_fen,
                current.outstanding_fen
            ),
            "{backend}"
        );

        // Unpaid: on time on the due date, then one more day late each day.
        for (date, expected) in [(due, 0), (next(due, 1), 1), (next(due, 2), 2)] {
            run(store.as_ref(), date).await;
            let now = store
                .account(current.id)
                .await
                .unwrap()
                .unwrap()
                .account
                .dpd;
            assert_eq!(now, expected, "{backend}: {date}");
        }
        // Repaid in full: current again at the next end of day, the worst remembered.
        let repayment = RepaymentRequest {
            repayment_id: format!("RP-EOD-{}", current.id),
            account_id: current.id,
            amount: riskdesk_domain::money::Money::from_fen(bill.amount_fen).unwrap(),
            occurred_at: utc(AS_OF_MS),
        };
        riskdesk_server::engine::repay(store.as_ref(), &repayment, AS_OF_MS)
            .await
            .unwrap();
        assert_eq!(
            store
                .bills(current.id)
                .await
                .unwrap()
                .last()
                .unwrap()
                .remaining_fen,
            0
        );
        run(store.as_ref(), next(due, 3)).await;
        let after = store.account(current.id).await.unwrap().unwrap().account;
        assert_eq!((after.dpd, after.max_dpd_12m >= 2), (0, true), "{backend}");
    }
}

#[tokio::test]
async fn a_run_that_died_is_taken_over_and_a_live_one_is_left_alone() {
    let store = support::sqlite().await;
    support::portfolio(store.as_ref(), 20).await;
    let day = billing::day_number(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
    use riskdesk_server::store::EodClaim;
    assert_eq!(
        store.claim_end_of_day(day, 1_000, 0).await.unwrap(),
        EodClaim::Started
    );
    // Another instance a minute later: still running.
    assert_eq!(
        store
            .claim_end_of_day(day, 61_000, 1_000 - 3_600_000)
            .await
            .unwrap(),
        EodClaim::Running { since: 1_000 }
    );
    // An hour later the run counts as dead and is taken over.
    assert_eq!(
        store.claim_end_of_day(day, 3_602_000, 1_001).await.unwrap(),
        EodClaim::Started
    );
    store.finish_end_of_day(day, 3_700_000, "{}").await.unwrap();
    assert_eq!(
        store
            .claim_end_of_day(day, 9_000_000, 9_000_000)
            .await
            .unwrap(),
        EodClaim::Done("{}".to_owned())
    );
}
